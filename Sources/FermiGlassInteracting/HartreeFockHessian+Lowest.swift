import FermiGlassModel
import FermiGlassSolvers

/// The lowest eigenpair of the orbital Hessian, with its residual.
public struct HessianEigenpair: Sendable {
    /// The lowest eigenvalue of ``HartreeFockHessian`` (an energy, units of t1).
    public var value: Double
    /// Its eigenvector kappa (unit norm, the Hessian's layout: up block, then down block).
    public var vector: [Double]
    /// ||H kappa - value kappa||.
    public var residual: Double
    /// Hessian-vector products used.
    public var applications: Int
}

extension HartreeFockHessian {
    /// The lowest eigenpair. Small Hessians (dimension <= `denseLimit`) are formed from unit
    /// vectors and diagonalized densely; larger ones by the shared block Krylov-Schur solver
    /// (``BlockKrylovSchur/eigenpairs(of:count:which:options:blockSize:threads:)`` with
    /// ``SpectrumEnd/smallestAlgebraic``), converged when ||H y - theta y|| <= `tolerance` times
    /// the largest |Ritz value| (the Hessian's spectrum reaches 2 x the HF bandwidth, so this is
    /// an absolute residual of about 30 `tolerance` in units of t1). Deterministic (seeded start).
    public func lowestEigenpair(tolerance: Double = 1e-9, denseLimit: Int = 400) throws -> HessianEigenpair {
        let d = dimension
        if d <= denseLimit {
            let a = try dense()
            let pairs = try DenseEigensolver.solve(Self.csr(a, d), selection: .levels(0..<1), vectors: true)
            let v = pairs.vector(0)
            let hv = try apply(v, columns: 1)
            var r = 0.0
            for k in 0..<d { let t = hv[k] - pairs.values[0] * v[k]; r += t * t }
            return HessianEigenpair(value: pairs.values[0], vector: v, residual: r.squareRoot(), applications: d + 1)
        }
        // Block size 4 (2 above a million rotations) and a basis of at most ~5e7 doubles.
        let block = d > 1_000_000 ? 2 : 4
        let basis = min(d - block, max(2 * block + 4, min(40, 50_000_000 / d)))
        let options = LanczosOptions(basisSize: basis, tolerance: tolerance, maxRestarts: 2000)
        let e = try BlockKrylovSchur.eigenpairs(of: self, count: 1, which: .smallestAlgebraic, options: options, blockSize: block)
        let v = Array(e.vectors[0..<d])
        let hv = try apply(v, columns: 1)
        var r = 0.0
        for k in 0..<d { let t = hv[k] - e.values[0] * v[k]; r += t * t }
        return HessianEigenpair(value: e.values[0], vector: v, residual: r.squareRoot(), applications: e.applications + 1)
    }

    /// A dense column-major symmetric matrix as a CSR matrix (for the dense eigensolver).
    static func csr(_ a: [Double], _ n: Int) -> CSRMatrix {
        var rp = [0], c = [Int32](), v = [Double]()
        rp.reserveCapacity(n + 1); c.reserveCapacity(n * n); v.reserveCapacity(n * n)
        for r in 0..<n {
            for j in 0..<n { c.append(Int32(j)); v.append(a[r + j * n]) }
            rp.append(c.count)
        }
        return CSRMatrix(rowCount: n, columnCount: n, rowPointers: rp, columnIndices: c, values: v)
    }
}
