import FermiGlassModel

/// The shifted inverse A = (H - sigma I)^-1 of a sparse symmetric H, applied through a sparse
/// LDL^T factor P (H - sigma I) P^T = L D L^T (``FactorizationBackend``): Y = A X is one
/// multi-vector triangular solve pair per block. Its eigenvalues theta = 1 / (xi - sigma) are
/// largest in magnitude for the levels xi of H nearest sigma, so
/// ``BlockKrylovSchur/eigenpairs(of:count:which:options:blockSize:threads:)`` with
/// ``SpectrumEnd/largestMagnitude`` finds them (the shift-invert engine, ``ShiftInvertSolver``).
///
/// A reference type: it shares the factor (and its solve work space) with whoever made it, and
/// counts the seconds spent in solves. Not thread-safe. If the factor is refactorized at another
/// shift, ``apply(_:into:columns:)`` throws rather than apply a different operator.
public final class ShiftInvertedOperator: LinearOperator {
    /// The factor of H - sigma I.
    let factor: any SparseLDL
    /// The shift sigma (energy units of H, t1 = 1).
    public let sigma: Double
    /// Seconds spent in the triangular solves so far.
    public private(set) var solveSeconds = 0.0

    public var dimension: Int { factor.dimension }

    /// The operator of a factor already computed at its current shift.
    init(factor: any SparseLDL) {
        precondition(factor.sigma != nil, "a ShiftInvertedOperator needs a numeric factorization")
        self.factor = factor
        sigma = factor.sigma!
    }

    /// Analyses and factors H - sigma I with `factorization`. Throws
    /// ``SolverError/invalidArgument(_:)`` when sigma sits (to 1e-10 ||H||_inf) on an eigenvalue
    /// of H, where the inverse does not exist: move sigma.
    public convenience init(_ h: CSRMatrix, sigma: Double, factorization: FactorizationBackend = .standard) throws {
        guard sigma.isFinite else { throw SolverError.invalidArgument("the shift sigma must be finite, got \(sigma)") }
        guard h.rowCount == h.columnCount, h.rowCount > 0 else {
            throw SolverError.invalidArgument("the shifted inverse needs a non-empty square matrix, got \(h.rowCount) x \(h.columnCount)")
        }
        let f = try factorization.resolved(sites: h.rowCount).solves.analyse(h)
        let scale = max(h.infinityNorm, Double.leastNormalMagnitude)
        if try f.factorize(sigma: sigma, tinyPivot: 1e-10 * scale) {
            throw SolverError.invalidArgument("H - sigma I is singular to working precision at sigma = \(sigma) (a pivot below 1e-10 ||H||): sigma sits on an eigenvalue; move it")
        }
        self.init(factor: f)
    }

    /// Y = (H - sigma I)^-1 X for `columns` column-major vectors.
    public func apply(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, columns: Int) throws {
        guard factor.sigma == sigma else {
            throw SolverError.invalidArgument("the factor behind this shifted inverse was refactorized at sigma = \(factor.sigma.map { "\($0)" } ?? "none"), not \(sigma)")
        }
        let clock = ContinuousClock(), t = clock.now
        try factor.solve(x, into: y, columns: columns)
        solveSeconds += (clock.now - t).seconds
    }
}
