internal import CCHOLMOD
import Dispatch
import FermiGlassModel

// The one file that talks to CHOLMOD. It owns cholmod_common, the matrix, the factor and the
// solve workspaces (freed in deinit), and maps every CHOLMOD status to ``SolverError``.

/// Simplicial LDL^T factorization P (H - sigma I) P^T = L D L^T of a sparse symmetric matrix,
/// with the fill-reducing ordering P chosen once (symbolic analysis) and reused for every shift.
///
/// Sylvester's law of inertia: D has as many negative entries as H - sigma I has negative
/// eigenvalues, so ``negativePivots`` is the number of eigenvalues of H strictly below sigma
/// (CONVENTIONS.md §2: levels are counted 0-based from the bottom of the spectrum).
///
/// Not thread-safe: one instance must be used by one thread at a time.
final class LDLFactorization: SparseLDL {
    private let common: UnsafeMutablePointer<cholmod_common>
    private var matrix: UnsafeMutablePointer<cholmod_sparse>?
    private var factor: UnsafeMutablePointer<cholmod_factor>?
    private var rhs: UnsafeMutablePointer<cholmod_dense>?
    private var solution: UnsafeMutablePointer<cholmod_dense>?
    private var workY: UnsafeMutablePointer<cholmod_dense>?
    private var workE: UnsafeMutablePointer<cholmod_dense>?
    private var rhsColumns = 0
    /// Interleaved work space of ``solve(_:into:columns:)``: 8 n doubles per thread.
    private var interleaved: [UnsafeMutablePointer<Double>] = []

    /// Matrix dimension.
    let dimension: Int
    /// The fill-reducing ordering kept ("AMD", "METIS", ...).
    private(set) var ordering = "none"
    /// nnz(L) predicted by each ordering tried, in the order tried.
    private(set) var orderingFill: [(String, Int)] = []
    /// Seconds spent in cholmod_analyze.
    private(set) var analysisSeconds = 0.0
    /// Seconds spent in numeric factorizations, summed.
    private(set) var factorSeconds = 0.0
    /// Number of numeric factorizations.
    private(set) var factorizations = 0
    /// The shift of the current numeric factor (nil before the first one).
    private(set) var sigma: Double?

    /// Copies the upper triangle of `h` into CHOLMOD (stype = +1) and runs the symbolic
    /// analysis, trying AMD and METIS nested dissection and keeping the ordering with less fill.
    init(_ h: CSRMatrix) throws {
        guard h.rowCount == h.columnCount, h.rowCount > 0 else {
            throw SolverError.invalidArgument("LDL^T needs a non-empty square matrix, got \(h.rowCount) x \(h.columnCount)")
        }
        dimension = h.rowCount
        common = .allocate(capacity: 1)
        cholmod_start(common)
        common.pointee.print = 0  // statuses are mapped to SolverError, not printed
        common.pointee.supernodal = CHOLMOD_SIMPLICIAL
        common.pointee.final_ll = 0
        common.pointee.dbound = 0
        common.pointee.nmethods = 2
        common.pointee.method.0.ordering = CHOLMOD_AMD
        common.pointee.method.1.ordering = CHOLMOD_METIS
        common.pointee.postorder = 1
        try check("cholmod_start")

        // Upper triangle in CSC: column j holds H[i, j] for i <= j, which for a symmetric matrix
        // is row j of the CSR with columns <= j (already sorted).
        var upper = 0
        for r in 0..<dimension {
            for k in h.rowPointers[r]..<h.rowPointers[r + 1] where Int(h.columnIndices[k]) <= r { upper += 1 }
        }
        matrix = cholmod_allocate_sparse(dimension, dimension, upper, 1, 1, 1, CHOLMOD_REAL, common)
        try check("cholmod_allocate_sparse")
        guard let a = matrix else { throw SolverError.cholmod(status: -2, message: "CHOLMOD could not allocate the matrix") }
        let ap = a.pointee.p.assumingMemoryBound(to: Int32.self)
        let ai = a.pointee.i.assumingMemoryBound(to: Int32.self)
        let ax = a.pointee.x.assumingMemoryBound(to: Double.self)
        var pos = 0
        for r in 0..<dimension {
            ap[r] = Int32(pos)
            for k in h.rowPointers[r]..<h.rowPointers[r + 1] where Int(h.columnIndices[k]) <= r {
                ai[pos] = h.columnIndices[k]
                ax[pos] = h.values[k]
                pos += 1
            }
        }
        ap[dimension] = Int32(pos)

        let clock = ContinuousClock()
        let t0 = clock.now
        factor = cholmod_analyze(a, common)
        if factor == nil && common.pointee.status == CHOLMOD_NOT_INSTALLED {
            // METIS is not compiled into this CHOLMOD: AMD alone.
            common.pointee.nmethods = 1
            common.pointee.status = CHOLMOD_OK
            factor = cholmod_analyze(a, common)
        }
        analysisSeconds = (clock.now - t0).seconds
        try check("cholmod_analyze")
        guard factor != nil else { throw SolverError.cholmod(status: Int(common.pointee.status), message: "cholmod_analyze returned no factor") }
        let names = [CHOLMOD_AMD: "AMD", CHOLMOD_METIS: "METIS", CHOLMOD_NESDIS: "NESDIS", CHOLMOD_NATURAL: "natural"]
        withUnsafeMutablePointer(to: &common.pointee.method) { tuple in
            tuple.withMemoryRebound(to: cholmod_method_struct.self, capacity: Int(CHOLMOD_MAXMETHODS) + 1) { m in
                for i in 0..<Int(common.pointee.nmethods) {
                    orderingFill.append((names[m[i].ordering] ?? "method \(m[i].ordering)", Int(m[i].lnz)))
                }
                let s = Int(common.pointee.selected)
                ordering = names[m[s].ordering] ?? "method \(m[s].ordering)"
            }
        }
    }

    deinit {
        for w in interleaved { w.deallocate() }
        for d in [rhs, solution, workY, workE] {
            var p = d
            if p != nil { cholmod_free_dense(&p, common) }
        }
        if factor != nil { cholmod_free_factor(&factor, common) }
        if matrix != nil { cholmod_free_sparse(&matrix, common) }
        cholmod_finish(common)
        common.deallocate()
    }

    /// Nonzeros of L including the unit diagonal (which holds D), from the analysis.
    var factorNonzeros: Int {
        guard let l = factor else { return 0 }
        // Simplicial symbolic/numeric factor: ColCount sums to nnz(L).
        let cc = l.pointee.ColCount.assumingMemoryBound(to: Int32.self)
        var s = 0
        for j in 0..<dimension { s += Int(cc[j]) }
        return s
    }

    /// Bytes held by the numeric factor (values + row indices + column pointers).
    var factorBytes: Int { factorNonzeros * 12 + dimension * 40 }

    /// The interleaved solve applies each entry of L to 8 right-hand sides as one 64-byte row
    /// (one AVX-512 register); wider blocks cost more Krylov applications (docs/benchmarks/engine.md).
    let preferredBlockSize = 8

    /// Numeric factorization of H - sigma I with the stored ordering. Returns true when CHOLMOD
    /// reported a zero pivot or D's smallest |d_j| is at most `tinyPivot`: sigma sits (nearly)
    /// on an eigenvalue.
    func factorize(sigma: Double, tinyPivot: Double) throws -> Bool {
        guard let a = matrix, let l = factor else { throw SolverError.cholmod(status: -4, message: "no symbolic analysis") }
        var beta: [Double] = [-sigma, 0]
        let clock = ContinuousClock()
        let t0 = clock.now
        common.pointee.status = CHOLMOD_OK
        let ok = cholmod_factorize_p(a, &beta, nil, 0, l, common)
        factorSeconds += (clock.now - t0).seconds
        factorizations += 1
        self.sigma = sigma
        let status = common.pointee.status
        if status == CHOLMOD_NOT_POSDEF || status == CHOLMOD_DSMALL || l.pointee.minor < dimension {
            return true  // a zero pivot: sigma is an eigenvalue to working precision
        }
        if ok == 0 || status < CHOLMOD_OK { try check("cholmod_factorize_p") }
        guard l.pointee.is_ll == 0, l.pointee.is_super == 0 else {
            throw SolverError.cholmod(status: -4, message: "CHOLMOD returned an LL^T or supernodal factor although simplicial LDL^T was requested (a bug in FermiGlass: please report it)")
        }
        var smallest = Double.infinity
        forEachPivot { d in smallest = min(smallest, abs(d)) }
        return !smallest.isFinite || smallest <= tinyPivot
    }

    private func forEachPivot(_ body: (Double) -> Void) {
        guard let l = factor else { return }
        let lp = l.pointee.p.assumingMemoryBound(to: Int32.self)
        let lx = l.pointee.x.assumingMemoryBound(to: Double.self)
        for j in 0..<dimension { body(lx[Int(lp[j])]) }
    }

    /// Number of negative pivots d_j of the current factor = number of eigenvalues below sigma.
    var negativePivots: Int {
        var c = 0
        forEachPivot { d in if d < 0 { c += 1 } }
        return c
    }

    /// Solves (H - sigma I) X = B for `columns` right-hand sides stored column-major in `b`,
    /// writing X to `x` (both `dimension * columns`), with FermiGlass's interleaved solve over
    /// CHOLMOD's factor (`fg_ldl_solve`, through ``Kernels``): P^T L D L^T P X = B as y = P b, L z = y, D u = z,
    /// L^T v = u, x = P^T v, every entry of L applied to all right-hand sides at once as one
    /// contiguous row. Measured against `cholmod_solve2` (whose simplicial solve takes at most 4
    /// columns per pass) in docs/benchmarks/engine.md. With `--threads t > 1` the columns are
    /// split over min(t, columns) threads; each column's arithmetic is the same however the
    /// columns are split, so the result is bit-identical for every thread count.
    func solve(_ b: UnsafePointer<Double>, into x: UnsafeMutablePointer<Double>, columns: Int) throws {
        try solve(b, into: x, columns: columns, threads: BLASRuntime.threads)
    }

    /// ``solve(_:into:columns:)`` on `threads` threads (at most one per column).
    func solve(_ b: UnsafePointer<Double>, into x: UnsafeMutablePointer<Double>, columns: Int, threads: Int) throws {
        guard let l = factor, sigma != nil else { throw SolverError.cholmod(status: -4, message: "solve before factorization") }
        guard columns > 0 else { return }
        let n = dimension
        let parts = max(1, min(threads, columns))
        while interleaved.count < parts { interleaved.append(.allocate(capacity: 8 * n)) }
        let lp = l.pointee.p.assumingMemoryBound(to: Int32.self), li = l.pointee.i.assumingMemoryBound(to: Int32.self)
        let lx = l.pointee.x.assumingMemoryBound(to: Double.self), lnz = l.pointee.nz.assumingMemoryBound(to: Int32.self)
        let perm = l.pointee.Perm?.assumingMemoryBound(to: Int32.self)
        let work = interleaved
        let solvePart = { (part: Int) in
            let first = part * columns / parts, last = (part + 1) * columns / parts
            Kernels.ldlSolve(dimension: n, lp: lp, li: li, lx: lx, lnz: lnz, perm: perm, columns: last - first,
                             b + first * n, ldb: n, into: x + first * n, ldx: n, work: work[part])
        }
        if parts == 1 { solvePart(0) } else { DispatchQueue.concurrentPerform(iterations: parts, execute: solvePart) }
    }

    /// The same solve by CHOLMOD's own `cholmod_solve2`: the independent reference the tests
    /// compare ``solve(_:into:columns:)`` with.
    func solveWithCHOLMOD(_ b: UnsafePointer<Double>, into x: UnsafeMutablePointer<Double>, columns: Int) throws {
        guard let l = factor else { throw SolverError.cholmod(status: -4, message: "solve before factorization") }
        if rhs == nil || rhsColumns != columns {
            if rhs != nil { cholmod_free_dense(&rhs, common) }
            rhs = cholmod_allocate_dense(dimension, columns, dimension, CHOLMOD_REAL, common)
            rhsColumns = columns
            try check("cholmod_allocate_dense")
        }
        guard let bd = rhs else { throw SolverError.cholmod(status: -2, message: "CHOLMOD could not allocate a right-hand side") }
        let bx = bd.pointee.x.assumingMemoryBound(to: Double.self)
        bx.update(from: b, count: dimension * columns)
        let ok = cholmod_solve2(CHOLMOD_A, l, bd, nil, &solution, nil, &workY, &workE, common)
        if ok == 0 { try check("cholmod_solve2") }
        guard let s = solution else { throw SolverError.cholmod(status: -2, message: "cholmod_solve2 returned no solution") }
        x.update(from: s.pointee.x.assumingMemoryBound(to: Double.self), count: dimension * columns)
    }

    /// CHOLMOD's run-time version, e.g. "3.0.14".
    static var version: String {
        var v = [Int32](repeating: 0, count: 3)
        _ = cholmod_version(&v)
        return v.map(String.init).joined(separator: ".")
    }

    /// Maps a non-OK CHOLMOD status to ``SolverError`` with advice.
    private func check(_ routine: String) throws {
        let status = common.pointee.status
        guard status != CHOLMOD_OK else { return }
        let message: Message
        switch status {
        case CHOLMOD_NOT_INSTALLED:
            message = "\(routine): a CHOLMOD method is not installed in this SuiteSparse build; install libsuitesparse-dev with METIS support (scripts/setup.sh)"
        case CHOLMOD_OUT_OF_MEMORY:
            message = "\(routine): CHOLMOD ran out of memory; use a smaller lattice, fewer threads, or a machine with more memory"
        case CHOLMOD_TOO_LARGE:
            message = "\(routine): integer overflow inside CHOLMOD (the factor has more than 2^31 entries); use a smaller lattice"
        case CHOLMOD_INVALID:
            message = "\(routine): CHOLMOD rejected its input as invalid (a bug in FermiGlass: please report it)"
        case CHOLMOD_GPU_PROBLEM:
            message = "\(routine): CHOLMOD GPU failure; run without a GPU-enabled SuiteSparse"
        case CHOLMOD_NOT_POSDEF:
            message = "\(routine): zero pivot, the shift sits on an eigenvalue; move the shift slightly"
        case CHOLMOD_DSMALL:
            message = "\(routine): a pivot of D is tiny, the shift sits (almost) on an eigenvalue; move the shift slightly"
        default:
            message = "\(routine): unknown CHOLMOD status"
        }
        throw SolverError.cholmod(status: Int(status), message: message)
    }
}
