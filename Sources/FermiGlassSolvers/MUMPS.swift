internal import CMUMPS
import FermiGlassModel
import Foundation

// The one file that talks to MUMPS. It owns the DMUMPS_STRUC_C instance and the matrix and
// right-hand-side arrays handed to it (freed in deinit, after MUMPS's own job = -2), and maps
// every INFOG(1) error to ``SolverError/mumps(status:message:)``.

/// Multifrontal LDL^T factorization P (H - sigma I) P^T = L D L^T of a sparse symmetric
/// indefinite matrix (MUMPS, SYM = 2, on MPI_COMM_SELF), with the fill-reducing ordering chosen once
/// and reused for every shift.
///
/// Frontal matrices are dense, so the factorization and the multi-vector solves run in BLAS-3
/// (dgemm/dtrsm), unlike CHOLMOD's simplicial LDL^T. Pivots are 1x1 or 2x2 blocks chosen by
/// threshold partial pivoting (CNTL(1) = 0.01) inside each front; D stays block diagonal and
/// congruent to H - sigma I, so its number of negative eigenvalues, MUMPS's INFOG(12), is the
/// number of eigenvalues of H below sigma (Sylvester's law of inertia; CONVENTIONS.md §2).
///
/// Not thread-safe: one instance per thread. Calls into MUMPS are moreover serialised
/// process-wide (``call()``): Debian's build keeps Fortran work arrays in static storage, and
/// two instances factoring at once on different threads corrupt each other (observed with the
/// sequential build: spurious INFOG(1) = -13 allocation failures).
final class MUMPSFactorization: SparseLDL {
    /// Serialises every dmumps_c call in the process.
    private static let lock = NSLock()

    private let id: UnsafeMutablePointer<DMUMPS_STRUC_C>
    /// Upper-triangle coordinates (1-based) and values of H - sigma I; the diagonal entries
    /// sit at `diagonal[i]` and are rewritten for every shift.
    private let rows: UnsafeMutablePointer<Int32>
    private let columnsIndex: UnsafeMutablePointer<Int32>
    private let values: UnsafeMutablePointer<Double>
    private let hDiagonal: [Double]
    private let diagonal: [Int]
    private let entries: Int
    private var rhs: UnsafeMutablePointer<Double>?
    private var rhsCapacity = 0
    private var initialized = false

    let dimension: Int
    private(set) var ordering = "none"
    private(set) var orderingFill: [(String, Int)] = []
    private(set) var factorNonzeros = 0
    private(set) var factorBytes = 0
    private(set) var analysisSeconds = 0.0
    private(set) var factorSeconds = 0.0
    private(set) var factorizations = 0
    private(set) var sigma: Double?
    /// MUMPS's substitutions work front by front with dtrsm/dgemm, so wider blocks cost less
    /// per vector, but a block Krylov run with 16-vector blocks needs ~1.5x the applications and
    /// restarts of 8: 8 is faster overall (timings in docs/benchmarks/engine.md).
    let preferredBlockSize = 8

    /// MUMPS's ordering codes (ICNTL(7)) and names.
    private static let orderingNames: [Int32: String] = [0: "AMD", 2: "AMF", 3: "SCOTCH", 4: "PORD", 5: "METIS", 6: "QAMD"]

    /// Copies the upper triangle of `h` (with every diagonal entry, stored or not) and runs the
    /// symbolic analysis with AMD and with nested dissection (METIS, or what this MUMPS build
    /// has instead), keeping the ordering that predicts fewer factor entries.
    init(_ h: CSRMatrix) throws {
        guard h.rowCount == h.columnCount, h.rowCount > 0 else {
            throw SolverError.invalidArgument("LDL^T needs a non-empty square matrix, got \(h.rowCount) x \(h.columnCount)")
        }
        guard h.rowCount < Int(Int32.max) else {
            throw SolverError.invalidArgument("MUMPS (32-bit indices) takes at most \(Int32.max - 1) rows, got \(h.rowCount)")
        }
        // The MPI build of MUMPS needs MPI running; each instance works alone on MPI_COMM_SELF.
        let communicator = try MPIRuntime.selfCommunicatorFortranHandle()
        let n = h.rowCount
        dimension = n
        var count = 0
        var hasDiagonal = [Bool](repeating: false, count: n)
        for r in 0..<n {
            for k in h.rowPointers[r]..<h.rowPointers[r + 1] where Int(h.columnIndices[k]) >= r {
                count += 1
                if Int(h.columnIndices[k]) == r { hasDiagonal[r] = true }
            }
        }
        count += hasDiagonal.filter { !$0 }.count
        entries = count
        rows = .allocate(capacity: count)
        columnsIndex = .allocate(capacity: count)
        values = .allocate(capacity: count)
        var diag = [Int](repeating: 0, count: n), hd = [Double](repeating: 0, count: n)
        var pos = 0
        for r in 0..<n {
            if !hasDiagonal[r] {
                rows[pos] = Int32(r + 1); columnsIndex[pos] = Int32(r + 1); values[pos] = 0
                diag[r] = pos; pos += 1
            }
            for k in h.rowPointers[r]..<h.rowPointers[r + 1] where Int(h.columnIndices[k]) >= r {
                let c = Int(h.columnIndices[k])
                rows[pos] = Int32(r + 1); columnsIndex[pos] = Int32(c + 1); values[pos] = h.values[k]
                if c == r { diag[r] = pos; hd[r] = h.values[k] }
                pos += 1
            }
        }
        diagonal = diag
        hDiagonal = hd

        id = .allocate(capacity: 1)
        id.initialize(to: DMUMPS_STRUC_C())
        id.pointee.comm_fortran = communicator  // MPI_COMM_SELF: one process, no distribution
        id.pointee.par = 1                      // the host (the only process) works too
        id.pointee.sym = 2                 // general symmetric (indefinite)
        id.pointee.job = -1
        call()
        initialized = true
        try check("initialization (JOB = -1)")
        setICNTL(1, -1); setICNTL(2, -1); setICNTL(3, -1); setICNTL(4, 0)  // statuses become SolverError, not printed
        setICNTL(24, 1)  // detect null pivots: a shift on an eigenvalue
        id.pointee.n = Int32(n)
        id.pointee.nnz = Int64(count)
        id.pointee.irn = rows
        id.pointee.jcn = columnsIndex
        id.pointee.a = values

        let clock = ContinuousClock()
        let t0 = clock.now
        var best: (code: Int32, fill: Int)? = nil
        var last: Int32 = -1
        for code: Int32 in [5, 0] {  // nested dissection first, so that AMD (usually better here) needs no re-analysis
            setICNTL(7, code)
            id.pointee.job = 1
            call()
            try check("analysis (JOB = 1)")
            let used = infog(7)
            let fill = Self.count(infog(20))
            if code != 0 && used == 0 { continue }  // no nested dissection in this build: AMD alone
            orderingFill.append((Self.orderingNames[used] ?? "ordering \(used)", fill))
            last = code
            if best == nil || fill < best!.fill { best = (code, fill) }
        }
        if let b = best, b.code != last {
            setICNTL(7, b.code)
            id.pointee.job = 1
            call()
            try check("analysis (JOB = 1)")
        }
        analysisSeconds = (clock.now - t0).seconds
        ordering = Self.orderingNames[infog(7)] ?? "ordering \(infog(7))"
        factorNonzeros = Self.count(infog(20))
        // INFOG(17): MUMPS's estimate (MB) of everything the factorization holds.
        factorBytes = Int(infog(17)) << 20
    }

    deinit {
        if initialized {
            id.pointee.job = -2
            call()
        }
        id.deinitialize(count: 1)
        id.deallocate()
        rows.deallocate()
        columnsIndex.deallocate()
        values.deallocate()
        rhs?.deallocate()
    }

    func factorize(sigma: Double, tinyPivot: Double) throws -> Bool {
        for i in 0..<dimension { values[diagonal[i]] = hDiagonal[i] - sigma }
        // A pivot whose row (after elimination) is below this in magnitude counts as null.
        setCNTL(3, -max(tinyPivot, Double.leastNormalMagnitude))
        let clock = ContinuousClock()
        let t0 = clock.now
        defer { factorSeconds += (clock.now - t0).seconds }
        var relaxation: Int32 = 20
        while true {
            setICNTL(14, relaxation)
            id.pointee.job = 2
            call()
            factorizations += 1
            let status = infog(1)
            // Work space estimated too small (dynamic pivoting delayed more than predicted):
            // relax the estimate and refactor.
            if Self.workSpaceErrors.contains(status) && relaxation < 640 {
                relaxation *= 2
                continue
            }
            if status == -10 {  // numerically singular: sigma is an eigenvalue
                self.sigma = sigma
                return true
            }
            try check("factorization (JOB = 2)")
            break
        }
        self.sigma = sigma
        factorNonzeros = Self.count(infog(9))
        return infog(28) > 0  // INFOG(28): null pivots detected
    }

    var negativePivots: Int { Int(infog(12)) }

    func solve(_ b: UnsafePointer<Double>, into x: UnsafeMutablePointer<Double>, columns: Int) throws {
        guard sigma != nil else { throw SolverError.mumps(status: -4, message: "solve before factorization (a bug in FermiGlass: please report it)") }
        let size = dimension * columns
        if rhsCapacity < size {
            rhs?.deallocate()
            rhs = .allocate(capacity: size)
            rhsCapacity = size
        }
        let r = rhs!
        r.update(from: b, count: size)
        id.pointee.rhs = r
        id.pointee.nrhs = Int32(columns)
        id.pointee.lrhs = Int32(dimension)
        id.pointee.job = 3
        call()
        try check("solve (JOB = 3)")
        x.update(from: r, count: size)
    }

    /// Runs MUMPS's current job under the process-wide lock.
    private func call() {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        dmumps_c(id)
    }

    /// MUMPS's version string.
    static var version: String { String(cString: fermiglass_mumps_version()) }

    // MARK: Control and information arrays (1-based, as in the MUMPS user guide)

    private func setICNTL(_ i: Int, _ value: Int32) {
        withUnsafeMutablePointer(to: &id.pointee.icntl) { $0.withMemoryRebound(to: Int32.self, capacity: 60) { $0[i - 1] = value } }
    }

    private func setCNTL(_ i: Int, _ value: Double) {
        withUnsafeMutablePointer(to: &id.pointee.cntl) { $0.withMemoryRebound(to: Double.self, capacity: 15) { $0[i - 1] = value } }
    }

    private func infog(_ i: Int) -> Int32 {
        withUnsafeMutablePointer(to: &id.pointee.infog) { $0.withMemoryRebound(to: Int32.self, capacity: 80) { $0[i - 1] } }
    }

    /// INFOG(1) codes of a work space estimated too small (relaxing ICNTL(14) fixes them).
    private static let workSpaceErrors: Set<Int32> = [-8, -9, -14, -15, -17, -20]

    /// INFOG entries that count matrix entries are negative when given in millions.
    private static func count(_ v: Int32) -> Int { v >= 0 ? Int(v) : -Int(v) * 1_000_000 }

    /// Maps INFOG(1) < 0 to ``SolverError/mumps(status:message:)`` with advice.
    private func check(_ phase: String) throws {
        let status = infog(1)
        guard status < 0 else { return }
        let detail = infog(2)
        let message: Message
        switch status {
        case -5, -7, -13, -19:
            message = "MUMPS \(phase): out of memory (INFOG(1) = \(status), INFOG(2) = \(detail)); use a smaller lattice or a machine with more memory"
        case _ where Self.workSpaceErrors.contains(status):
            message = "MUMPS \(phase): its work space stayed too small after relaxing the estimate to 640% (INFOG(2) = \(detail)); the matrix needs far more pivoting than expected: try \(.factorization) cholmod"
        case -10:
            message = "MUMPS \(phase): the matrix is numerically singular; the shift sits on an eigenvalue: move it slightly"
        case -1, -2, -3, -4, -6, -16, -22:
            message = "MUMPS \(phase): rejected its input (INFOG(1) = \(status), INFOG(2) = \(detail)): a bug in FermiGlass, please report it"
        default:
            message = "MUMPS \(phase) failed (INFOG(1) = \(status), INFOG(2) = \(detail)); see the MUMPS user guide, section 8"
        }
        throw SolverError.mumps(status: Int(status), message: message)
    }
}
