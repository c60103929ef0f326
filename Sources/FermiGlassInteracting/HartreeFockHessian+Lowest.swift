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
    /// vectors and diagonalized densely; larger ones by Lanczos with full reorthogonalization
    /// and explicit restarts from the Ritz vector (at most `basis` vectors per cycle) until
    /// ||H y - theta y|| <= `tolerance` max(1, |theta|). The start vector is deterministic
    /// (weights on the smallest diagonal entries), so the result is reproducible.
    public func lowestEigenpair(tolerance: Double = 1e-8, basis: Int = 80, maxRestarts: Int = 200,
                                denseLimit: Int = 400) throws -> HessianEigenpair {
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
        // Deterministic start: weight 1 / (1 + 2 (gap - smallest gap)) on every rotation.
        var diag = [Double](repeating: 0, count: d)
        for blk in blocks { for k in 0..<(blk.occupied * blk.empty) { diag[blk.offset + k] = 2 * blk.gaps[k] } }
        let low = diag.min()!
        var q0 = [Double](repeating: 0, count: d)
        for k in 0..<d {
            let jitter: Double = 1e-3 * Double((k * 7919) % 101) / 101
            q0[k] = (1 + jitter) / (1 + diag[k] - low)
        }
        var applications = 0
        var best = HessianEigenpair(value: .infinity, vector: [], residual: .infinity, applications: 0)
        // At most ~5e7 doubles of basis (400 MB): large Hessians get fewer vectors per cycle.
        let m = min(basis, d, max(8, 50_000_000 / d))
        for _ in 0..<maxRestarts {
            Self.normalize(&q0)
            var q: [[Double]] = [q0]
            var alpha: [Double] = [], beta: [Double] = []
            for j in 0..<m {
                var w = try apply(q[j], columns: 1)
                applications += 1
                let aj = Self.dot(q[j], w)
                alpha.append(aj)
                for _ in 0..<2 { for v in q { let c = Self.dot(v, w); for k in 0..<d { w[k] -= c * v[k] } } }
                let bj = Self.dot(w, w).squareRoot()
                if j == m - 1 || bj < 1e-12 * max(1, abs(aj)) { beta.append(bj); break }
                beta.append(bj)
                for k in 0..<d { w[k] /= bj }
                q.append(w)
            }
            let k = alpha.count
            var t = [Double](repeating: 0, count: k * k)
            for i in 0..<k { t[i + i * k] = alpha[i]; if i + 1 < k { t[i + (i + 1) * k] = beta[i]; t[i + 1 + i * k] = beta[i] } }
            let ritz = try DenseEigensolver.solve(Self.csr(t, k), selection: .levels(0..<1), vectors: true)
            let s = ritz.vector(0)
            var y = [Double](repeating: 0, count: d)
            for i in 0..<k { for r in 0..<d { y[r] += s[i] * q[i][r] } }
            Self.normalize(&y)
            let hy = try apply(y, columns: 1)
            applications += 1
            let theta = Self.dot(y, hy)
            var res = 0.0
            for r in 0..<d { let e = hy[r] - theta * y[r]; res += e * e }
            best = HessianEigenpair(value: theta, vector: y, residual: res.squareRoot(), applications: applications)
            if best.residual <= tolerance * max(1, abs(theta)) || k < m { break }
            q0 = y
        }
        return best
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for k in 0..<a.count { s += a[k] * b[k] }
        return s
    }

    static func normalize(_ v: inout [Double]) {
        let s = dot(v, v).squareRoot()
        if s > 0 { for k in 0..<v.count { v[k] /= s } }
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
