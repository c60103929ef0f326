import Testing
import FermiGlassModel
@testable import FermiGlassSolvers
import FermiGlassTestSupport

/// The public block Krylov-Schur at each end of the spectrum, against dense diagonalization,
/// through the three kinds of ``LinearOperator``: dense, sparse (CSR) and shifted inverse.
@Suite struct SpectrumEndTests {
    /// A = Q diag(d) Q^T with Q the eigenvectors of a seeded random symmetric matrix: a dense
    /// operator with a known spectrum, column-major n x n.
    static func rotatedDiagonal(_ d: [Double], seed: UInt64) throws -> [Double] {
        let n = d.count
        var rng = SplitMix64(seed: seed, stream: 0)
        var r = [Double](repeating: 0, count: n * n)
        for j in 0..<n { for i in 0...j { let x = SplitMix64.unitDouble(rng.next()) - 0.5; r[i + j * n] = x; r[j + i * n] = x } }
        _ = try DenseEigensolver.symmetric(&r, dimension: n, vectors: true)  // r <- Q, orthogonal
        var a = [Double](repeating: 0, count: n * n)
        for j in 0..<n { for i in 0..<n { var s = 0.0; for k in 0..<n { s += r[i + k * n] * d[k] * r[j + k * n] }; a[i + j * n] = s } }
        return a
    }

    /// max over pairs of ||A y - theta y|| computed explicitly, and max |Y^T Y - I|.
    static func check(_ op: some LinearOperator, _ r: KrylovEigenpairs) throws -> (residual: Double, orthogonality: Double) {
        let n = op.dimension, k = r.values.count
        let ay = try op.apply(r.vectors, columns: k)
        var residual = 0.0, orthogonality = 0.0
        for c in 0..<k {
            var s = 0.0
            for i in 0..<n { let t = ay[i + c * n] - r.values[c] * r.vectors[i + c * n]; s += t * t }
            residual = max(residual, s.squareRoot())
            for c2 in 0...c {
                var dot = 0.0
                for i in 0..<n { dot += r.vectors[i + c * n] * r.vectors[i + c2 * n] }
                orthogonality = max(orthogonality, abs(dot - (c == c2 ? 1 : 0)))
            }
        }
        return (residual, orthogonality)
    }

    /// An indefinite operator with spectrum -5 ... 3 (120 levels, evenly spaced): the largest
    /// magnitude end (near -5) is not the largest algebraic one (near 3). Each end against the
    /// dense eigenvalues of the same matrix, in the documented order, with explicit residuals.
    @Test(arguments: [SpectrumEnd.largestMagnitude, .largestAlgebraic, .smallestAlgebraic])
    func indefiniteDenseOperatorAtEachEnd(_ which: SpectrumEnd) throws {
        let n = 120, count = 6
        let a = try Self.rotatedDiagonal((0..<n).map { -5 + 8 * Double($0) / Double(n - 1) }, seed: 3)
        var copy = a
        let dense = try DenseEigensolver.symmetric(&copy, dimension: n, vectors: false)  // ascending
        let op = try DenseSymmetricOperator(a, dimension: n)
        let r = try BlockKrylovSchur.eigenpairs(of: op, count: count, which: which, options: LanczosOptions(tolerance: 1e-12),
                                                blockSize: 4, threads: 1)
        let expected: [Double]
        switch which {
        case .largestMagnitude: expected = dense.sorted { abs($0) > abs($1) }.prefix(count).map { $0 }
        case .largestAlgebraic: expected = dense.reversed().prefix(count).map { $0 }
        case .smallestAlgebraic: expected = dense.prefix(count).map { $0 }
        }
        #expect(r.values.count == count && r.vectors.count == n * count && r.residuals.count == count)
        let worst = zip(r.values, expected).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-10, "\(which): \(r.values) against \(expected)")
        if which == .largestAlgebraic { #expect(r.values.allSatisfy { $0 > 2.5 }) } else { #expect(r.values.allSatisfy { $0 < -4.5 }) }
        let (residual, orthogonality) = try Self.check(op, r)
        #expect(residual < 1e-10, "explicit residual \(residual)")
        #expect(orthogonality < 1e-12)
        // The reported Ritz estimates meet the convergence bound (tol max|theta| = 5e-12 at
        // most, at either end).
        #expect(r.residuals.allSatisfy { $0 <= 5e-12 }, "Ritz estimates \(r.residuals)")
        #expect(r.applications > 0)
    }

    /// The algebraic ends test convergence after every block: a well-separated top eigenvalue
    /// (10 against a spectrum in [0, 1]) converges long before a basis of 60 vectors fills.
    @Test func algebraicEndsStopBeforeTheBasisFills() throws {
        let n = 200
        let a = try Self.rotatedDiagonal([10] + (1..<n).map { Double($0) / Double(n) }, seed: 5)
        let op = try DenseSymmetricOperator(a, dimension: n)
        let r = try BlockKrylovSchur.eigenpairs(of: op, count: 1, which: .largestAlgebraic,
                                                options: LanczosOptions(basisSize: 60, tolerance: 1e-10), blockSize: 2, threads: 1)
        #expect(abs(r.values[0] - 10) < 1e-12)
        #expect(r.applications < 60 && r.restarts == 0, "\(r.applications) products, \(r.restarts) restarts")
    }

    /// The lowest levels of a sparse Hamiltonian (20 x 20, W = 9) by `.smallestAlgebraic` on
    /// the CSR matrix itself, against the dense spectrum.
    @Test(.slow, .tags(.slow)) func smallestAlgebraicOfACSRHamiltonianIsItsGroundLevels() throws {
        let h = try hamiltonian(20)
        let dense = try DenseEigensolver.solve(h, selection: .all, vectors: false).values
        let count = 6
        let r = try BlockKrylovSchur.eigenpairs(of: h, count: count, which: .smallestAlgebraic, threads: 1)
        #expect(r.values == r.values.sorted(), "not ascending: \(r.values)")
        let worst = zip(r.values, dense.prefix(count)).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-10 * h.infinityNorm, "\(r.values) against \(Array(dense.prefix(count)))")
        let (residual, orthogonality) = try Self.check(h, r)
        #expect(residual < 1e-10 * h.infinityNorm)
        #expect(orthogonality < 1e-12)
    }

    /// The public shifted inverse: sigma + 1/theta of its largest-magnitude pairs are the levels
    /// nearest sigma, by |xi - sigma| ascending; a shift on an eigenvalue is refused.
    @Test(arguments: FactorizationBackend.allCases)
    func shiftInvertedOperatorGivesTheLevelsNearestSigma(_ backend: FactorizationBackend) throws {
        let h = try hamiltonian(20)
        let dense = try DenseEigensolver.solve(h, selection: .all, vectors: false).values
        let sigma = 0.37, count = 8
        let op = try ShiftInvertedOperator(h, sigma: sigma, factorization: backend)
        #expect(op.dimension == 400 && op.sigma == sigma)
        let r = try BlockKrylovSchur.eigenpairs(of: op, count: count, which: .largestMagnitude, threads: 1)
        let levels = r.values.map { sigma + 1 / $0 }
        let expected = dense.sorted { abs($0 - sigma) < abs($1 - sigma) }.prefix(count)
        let worst = zip(levels, expected).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-10, "\(levels) against \(Array(expected))")
        #expect(op.solveSeconds > 0)
        #expect(throws: SolverError.self) { try ShiftInvertedOperator(h, sigma: dense[200], factorization: backend) }
    }

    /// Dense symmetric eigensolver: the spectrum of Q diag(d) Q^T to rounding, A v = lambda v;
    /// a wrong-sized buffer is refused with the sizes named.
    @Test func denseSymmetricEigensolver() throws {
        let n = 40
        let d = (0..<n).map { Double(($0 * 17) % n) - 12.5 }
        let a = try Self.rotatedDiagonal(d, seed: 8)
        var v = a
        let w = try DenseEigensolver.symmetric(&v, dimension: n, vectors: true)
        let exact = d.sorted()
        #expect(zip(w, exact).allSatisfy { abs($0 - $1) < 1e-12 * 30 })
        let op = try DenseSymmetricOperator(a, dimension: n)
        let av = try op.apply(v, columns: n)
        var worst = 0.0
        for c in 0..<n { for i in 0..<n { worst = max(worst, abs(av[i + c * n] - w[c] * v[i + c * n])) } }
        #expect(worst < 1e-12 * 30)
        var bad = [Double](repeating: 0, count: 10)
        #expect(throws: SolverError.invalidArgument("a dense symmetric 3 x 3 matrix needs 9 values, got 10")) {
            try DenseEigensolver.symmetric(&bad, dimension: 3, vectors: false)
        }
    }
}
