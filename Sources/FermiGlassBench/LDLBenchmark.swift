import FermiGlassModel
@_spi(Benchmarks) import FermiGlassSolvers

/// The parts of the shift-invert engine timed one by one, for `fermiglass bench` and the
/// benchmark suites: the symbolic analysis (fill-reducing ordering), one numeric LDL^T
/// factorization of H - sigma I, and one solve (forward and backward substitution), which
/// ARPACK repeats once per Lanczos step.
///
/// A solve reads every entry of L twice (L y = b, then L^T x = D^-1 y), 8 bytes of value and 4
/// of row index each, at one multiply-add per entry: it is bound by memory bandwidth, and
/// ``bytesPerSolve`` / (solve time) against the STREAM triad says how close to that bound it runs.
public final class LDLBenchmark {
    private let ldl: any SparseLDL
    private let scale: Double
    private var rhs: [Double]
    private var x: [Double]

    /// Symbolic analysis of `h` with `backend` (the same ordering choice as the engine: AMD or
    /// nested dissection, whichever fills less).
    public init(_ h: CSRMatrix, backend: FactorizationBackend = .standard) throws {
        ldl = try backend.analyse(h)
        scale = h.infinityNorm
        try MemoryPlan.require(bytes: ldl.factorBytes + 16 * h.rowCount, what: "the LDL^T factor of H")
        // A fixed, sign-alternating right-hand side: no cancellation, deterministic.
        var b = [Double](repeating: 0, count: h.rowCount)
        for i in 0..<h.rowCount {
            let sign: Double = i % 2 == 0 ? 1 : -1
            b[i] = sign / Double(1 + i % 7)
        }
        rhs = b
        x = [Double](repeating: 0, count: h.rowCount)
    }

    /// Seconds of the symbolic analysis (both orderings tried).
    public var analysisSeconds: Double { ldl.analysisSeconds }
    /// The ordering kept ("AMD", "METIS", ...).
    public var ordering: String { ldl.ordering }
    /// nnz(L), diagonal included.
    public var factorNonzeros: Int { ldl.factorNonzeros }
    /// Bytes held by the numeric factor.
    public var factorBytes: Int { ldl.factorBytes }
    /// Bytes of the factor streamed by one solve: L read twice, 12 bytes per entry (8 of value,
    /// 4 of index; a multifrontal factor stores fewer indices, so this is an upper bound there).
    public var bytesPerSolve: Int { 2 * 12 * ldl.factorNonzeros }
    /// Eigenvalues of H below the last shift (negative pivots of D).
    public var negativePivots: Int { ldl.negativePivots }

    /// One numeric factorization of H - sigma I; returns true when a pivot is below
    /// 1e-10 ||H|| (sigma on an eigenvalue).
    @discardableResult
    public func factorize(sigma: Double) throws -> Bool { try ldl.factorize(sigma: sigma, tinyPivot: 1e-10 * scale) }

    /// One solve (H - sigma I) x = b with the current factor (b fixed; x kept for checks).
    public func solve() throws {
        try rhs.withUnsafeBufferPointer { b in
            try x.withUnsafeMutableBufferPointer { out in try ldl.solve(b.baseAddress!, into: out.baseAddress!) }
        }
    }

    /// max_i |((H - sigma I) x - b)_i| of the last solve, for a sanity check outside the timing.
    public func lastResidual(_ h: CSRMatrix, sigma: Double) -> Double {
        let hx = h.multiply(x)
        var r = 0.0
        for i in 0..<x.count { r = max(r, abs(hx[i] - sigma * x[i] - rhs[i])) }
        return r
    }
}
