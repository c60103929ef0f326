import FermiGlassModel
/// The memory a run will need, estimated from its parameters alone (no allocation), so that a
/// lattice that cannot fit is refused in a fraction of a second with the estimate instead of
/// aborting on an allocation or being killed by the kernel minutes later.
///
/// Sizes are in bytes of float64 (8 bytes) and Int (8 bytes); every product is formed in
/// floating point and clamped, so that `--size 100000` (10^10 sites, a dense matrix of
/// 8 x 10^20 bytes) does not overflow.
public struct MemoryEstimate: Sendable {
    /// The named parts, in the order they were added.
    public private(set) var parts: [(name: String, bytes: Int)] = []

    public init() {}

    /// Adds a part of `bytes` (a Double, clamped to Int.max).
    public mutating func add(_ name: String, bytes: Double) {
        parts.append((name, Self.clamp(bytes)))
    }

    /// The sum of the parts (clamped).
    public var total: Int { Self.clamp(parts.reduce(0.0) { $0 + Double($1.bytes) }) }

    /// Throws ``SolverError/insufficientMemory`` naming the largest part when ``total``
    /// exceeds ``MemoryPlan/availableBytes``. `sparseAlternative`: the run could use the
    /// shift-invert path instead of a dense one (the message then says so).
    public func check(_ what: String, sparseAlternative: Bool = false) throws {
        let available = MemoryPlan.availableBytes
        guard total > available else { return }
        let largest = parts.max { $0.bytes < $1.bytes }!
        func amount(_ b: Int) -> String { b >= Self.clamp(9.0e18) ? "more than 8 EiB" : "about " + MemoryPlan.format(b) }
        // A histogram part is sized by its bin width; everything else by the lattice.
        let hint: Message = largest.name.contains("histogram") ? "use a larger \(.binWidth)"
            : sparseAlternative && largest.name.hasPrefix("dense") ? "use a smaller lattice or the shift-invert solver (\(.solver) shift-invert with a window)"
            : "use a smaller lattice"
        throw SolverError.insufficientMemory(
            required: total, available: available,
            message: "\(what) needs \(amount(total)) of memory (\(largest.name): \(amount(largest.bytes))), "
                + "but only \(MemoryPlan.format(available)) is available; nothing was computed: \(hint)")
    }

    static func clamp(_ x: Double) -> Int { x >= 9.0e18 ? Int(9.0e18) : Int(max(0, x)) }
}

extension MemoryPlan {
    /// Bytes of the sparse LDL^T factor of H - sigma per site: measured about 4 KB per site at
    /// 10^6 sites (peak of the MUMPS factorization, AMD ordering; docs/benchmarks/engine.md).
    /// Nested-dissection fill grows as N log N, so this is an upper bound below 10^6 sites.
    public static let sparseFactorBytesPerSite = 4096.0

    /// The model of `sites` sites: the on-site energies (8 N) and H0 in CSR (at most 9 entries
    /// a row: 8 bytes of value and 8 of column index, plus the row pointers).
    public static func addModel(_ e: inout MemoryEstimate, sites n: Int) {
        let N = Double(n)
        e.add("on-site energies and H0 (CSR)", bytes: 8 * N + 9 * 16 * N + 8 * (N + 1))
    }

    /// The eigensolve of `request` on `sites` sites. Dense: the N x N matrix, the eigenvector
    /// block and LAPACK's workspace, 8 N^2 x 3 bytes with vectors (8 N^2 without).
    /// Shift-invert: the LDL^T factor (``sparseFactorBytesPerSite``), the Krylov basis
    /// (ncv = 2k + 16 vectors) and the k eigenvectors of N doubles; k is the selection's state
    /// count, or the slice capacity when it is known only after the inertia counts (an energy
    /// range).
    public static func addEigensolve(_ e: inout MemoryEstimate, request: EigenRequest, sites n: Int) {
        let N = Double(n)
        switch Eigensolver.resolve(request.solver, sites: n, selection: request.selection) {
        case .dense, .auto:
            e.add("dense eigensolver (N x N matrix\(request.vectors ? ", eigenvectors and workspace" : ""))",
                  bytes: 8 * N * N * (request.vectors ? 3 : 1) + 64 * N)
        case .shiftInvert:
            let k = Double(Self.stateCount(request.selection, sites: n) ?? request.engine.sliceCapacity)
            let ncv = Double(request.engine.lanczos.basisSize ?? Int(2 * k + 16))
            e.add("sparse LDL^T factor of H - sigma", bytes: sparseFactorBytesPerSite * N)
            e.add("Krylov basis and eigenvectors", bytes: 8 * N * (ncv + (request.vectors ? k : 0) + 8))
        case .patches:
            // The whole lattice's factor for the inertia counts and the two-level Fermi solve,
            // then one patch at a time (at most a ninth of the lattice when the layout has
            // >= 9 patches) with its factor and one slice's Krylov basis; the compressed store
            // grows with the states kept and is not known before the pilot.
            let slice = Double(request.engine.sliceCapacity)
            e.add("sparse LDL^T factor of H (inertia counts)", bytes: sparseFactorBytesPerSite * N)
            e.add("Krylov basis of the Fermi-level solve", bytes: 8 * N * 48)
            e.add("one patch: factor and one slice's Krylov basis", bytes: sparseFactorBytesPerSite * N / 9 + 8 * (N / 9) * (2 * slice + 24))
        }
    }

    /// The number of states `selection` holds when it is known without solving.
    public static func stateCount(_ selection: StateSelection, sites n: Int) -> Int? {
        switch selection {
        case .all: return n
        case .levels(let r): return r.count
        case .nearest(_, let k): return k
        case .fermiWindow(let f, .levels(let k)): return min(f, k) + min(n - f, k)
        case .fermiWindow(_, .energy), .energies: return nil
        }
    }

    /// The plan of a command that builds the model and solves `request` on it: model plus
    /// eigensolve plus `extra` parts (the command's own arrays).
    public static func estimate(sites n: Int, request: EigenRequest?, extra: [(String, Double)] = []) -> MemoryEstimate {
        var e = MemoryEstimate()
        addModel(&e, sites: n)
        if let r = request { addEigensolve(&e, request: r, sites: n) }
        for (name, bytes) in extra { e.add(name, bytes: bytes) }
        return e
    }
}
