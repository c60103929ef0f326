import FermiGlassModel

/// Which sparse symmetric-indefinite factorization P (H - sigma I) P^T = L D L^T the
/// shift-invert engine uses. Both give the inertia of H - sigma I (Sylvester's law: the
/// negative pivots of D count the eigenvalues of H below sigma) and multi-vector solves.
public enum FactorizationBackend: String, Sendable, Equatable, CaseIterable {
    /// The measured best of the two (the default): MUMPS for every inertia count; for the
    /// Krylov solves CHOLMOD's factor up to ``autoSolveCrossover`` sites (applied by
    /// FermiGlass's interleaved solve, 2.5x faster per vector than MUMPS's solve at 500 x 500,
    /// while CHOLMOD's factorization is still affordable), MUMPS above.
    case auto
    /// MUMPS's multifrontal LDL^T (dense frontal matrices, BLAS-3, threshold pivoting with
    /// 1x1 and 2x2 pivots): 5-10x faster to factor than CHOLMOD's simplicial LDL^T at 500 x 500
    /// and 15-20x at 1000 x 1000 (docs/benchmarks/engine.md).
    case mumps
    /// CHOLMOD's simplicial (up-looking, BLAS-free) LDL^T without pivoting: independent of
    /// MUMPS, used to cross-check inertia counts and eigenpairs.
    case cholmod

    /// The engine's default.
    public static let standard: FactorizationBackend = .auto

    /// Sites up to which ``auto`` solves with CHOLMOD: CHOLMOD's simplicial factorization grows
    /// faster with N than MUMPS's multifrontal one, its interleaved solves are cheaper per
    /// vector, and the two totals (factor + a few hundred solves, k = 100) cross between 500 x 500
    /// and 700 x 700; CHOLMOD up to 500 x 500 with margin, MUMPS above. The timings behind it:
    /// docs/benchmarks/engine.md, section of 2026-11-30 (item on the solve crossover).
    public static let autoSolveCrossover = 300_000

    /// The libraries behind the inertia counts and behind the solves for `sites` sites.
    public func resolved(sites: Int) -> (counts: FactorizationBackend, solves: FactorizationBackend) {
        switch self {
        case .auto: return (.mumps, sites <= Self.autoSolveCrossover ? .cholmod : .mumps)
        case .mumps, .cholmod: return (self, self)
        }
    }

    /// A human-readable name for summaries ("MUMPS multifrontal LDL^T").
    public var description: String {
        switch self {
        case .auto: return "MUMPS or CHOLMOD LDL^T (auto)"
        case .mumps: return "MUMPS multifrontal LDL^T"
        case .cholmod: return "CHOLMOD simplicial LDL^T"
        }
    }
}

/// What the shift-invert engine needs from a sparse LDL^T: one symbolic analysis (ordering
/// chosen once, reused for every shift), numeric factorizations of H - sigma I, the inertia
/// of the current factor, and solves with several right-hand sides at once.
///
/// Implemented by one wrapper class per C library (`CHOLMOD.swift`, `MUMPS.swift`), each the
/// only owner of that library's pointers. Not thread-safe: one instance per thread. Visible to
/// the benchmark harness (FermiGlassBench's `LDLBenchmark`) as SPI `Benchmarks`.
@_spi(Benchmarks) public protocol SparseLDL: AnyObject {
    /// Matrix dimension.
    var dimension: Int { get }
    /// The ordering kept ("AMD", "METIS", "SCOTCH", ...).
    var ordering: String { get }
    /// nnz(L) predicted by each ordering tried, in the order tried.
    var orderingFill: [(String, Int)] { get }
    /// Entries of the factor (L and D), from the analysis or the last factorization.
    var factorNonzeros: Int { get }
    /// Bytes the numeric factorization holds (factor plus the library's work space).
    var factorBytes: Int { get }
    /// Seconds of the symbolic analysis.
    var analysisSeconds: Double { get }
    /// Seconds of numeric factorizations, summed.
    var factorSeconds: Double { get }
    /// Number of numeric factorizations.
    var factorizations: Int { get }
    /// The shift of the current numeric factor (nil before the first one).
    var sigma: Double? { get }
    /// Right-hand sides per solve call that make the best use of one pass over the factor.
    var preferredBlockSize: Int { get }
    /// Numeric factorization of H - sigma I. Returns true when a pivot is zero or smaller in
    /// magnitude than `tinyPivot` (sigma sits, to working precision, on an eigenvalue: the
    /// caller moves it); the inertia is then not to be trusted.
    func factorize(sigma: Double, tinyPivot: Double) throws -> Bool
    /// Number of negative eigenvalues of D = number of eigenvalues of H below sigma.
    var negativePivots: Int { get }
    /// Solves (H - sigma I) X = B for `columns` column-major right-hand sides.
    func solve(_ b: UnsafePointer<Double>, into x: UnsafeMutablePointer<Double>, columns: Int) throws
}

extension SparseLDL {
    @_spi(Benchmarks) public func solve(_ b: UnsafePointer<Double>, into x: UnsafeMutablePointer<Double>) throws {
        try solve(b, into: x, columns: 1)
    }
}

extension FactorizationBackend {
    /// The symbolic analysis of `h` with this backend.
    @_spi(Benchmarks) public func analyse(_ h: CSRMatrix) throws -> any SparseLDL {
        switch self {
        case .mumps: return try MUMPSFactorization(h)
        case .cholmod: return try LDLFactorization(h)
        case .auto: return try resolved(sites: h.rowCount).solves.analyse(h)
        }
    }
}
