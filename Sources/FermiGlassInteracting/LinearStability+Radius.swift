#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FermiGlassModel
import FermiGlassSolvers

/// The spectral radius rho(U^2 Pi_up Pi_dn) of a collinear HF state: the Stoner form of its
/// second-order stability.
///
/// For an aufbau state (every occupied level of a spin below every empty one of that spin) the
/// orbital Hessian ``HartreeFockHessian`` is H = [[2 D_up, U C_up^T C_dn], [U C_dn^T C_up, 2 D_dn]]
/// with D_s = diag(e_b - e_a) > 0 and C_s(r, ab) = 2 phi_a(r) phi_b(r). Its Schur complement
/// shows H > 0 if and only if rho(U^2 Pi_up Pi_dn) < 1, Pi_s = C_s (2 D_s)^-1 C_s^T the static
/// susceptibility of spin s (``SusceptibilityOperator``). So `stability_radius` < 1 and
/// `hessian_min_eigenvalue` > 0 say the same thing; the numbers differ (a ratio against an
/// energy). On a paramagnet Pi_up = Pi_dn = Pi and rho = (U lambda_max(Pi))^2.
///
/// Pi_up Pi_dn is not symmetric, but it is self-adjoint in the inner product <x, y> =
/// x^T Pi_dn y (Pi_dn positive semi-definite): x^T Pi_dn (Pi_up Pi_dn) y is symmetric in x, y.
/// Lanczos in that inner product (full re-orthogonalization) gives its largest eigenvalue
/// from one Pi_up and one Pi_dn product per step, without forming either matrix.
public enum StabilityRadius {
    /// rho(U^2 Pi_up Pi_dn) of `r`, or nil when it is not the criterion: a spin with no
    /// occupied or no empty orbital, or an occupied-empty pair with E_b - E_a <= delta
    /// (a degenerate pair, or an empty level below an occupied one: Pi_s is then not positive
    /// semi-definite). delta = 1e-8 max(1, max |E|).
    public static func of(_ r: HartreeFockResult, tolerance: Double = 1e-10, maxSteps: Int = 300) throws -> Double? {
        var ops: [SusceptibilityOperator] = []
        for ch in [r.up, r.down] {
            let n = ch.orbitals.dimension
            guard ch.occupied > 0, ch.occupied < n else { return nil }
            let delta = 1e-8 * max(1, ch.orbitals.values.map { abs($0) }.max() ?? 1)
            let op = try SusceptibilityOperator(orbitals: ch.orbitals, occupied: ch.occupied, minimumGap: delta)
            guard op.excludedPairs == 0 else { return nil }
            ops.append(op)
        }
        let u = r.options.U
        return u * u * (try largestEigenvalue(up: ops[0], down: ops[1], tolerance: tolerance, maxSteps: maxSteps))
    }

    /// The largest eigenvalue of Pi_up Pi_dn (both positive semi-definite, same dimension) by
    /// Lanczos in the Pi_dn inner product; converged when the Ritz residual bound
    /// |beta_j s_j| <= tolerance theta (or the Krylov space is exhausted). Deterministic
    /// (seeded start vector).
    public static func largestEigenvalue(up: SusceptibilityOperator, down: SusceptibilityOperator,
                                         tolerance: Double = 1e-10, maxSteps: Int = 300) throws -> Double {
        let n = up.dimension
        guard down.dimension == n else { throw HartreeFockError.invalidArgument("Pi_up and Pi_dn must have the same dimension") }
        var rng = SplitMix64(seed: 7, stream: 0)
        var q = (0..<n).map { _ in 2 * SplitMix64.unitDouble(rng.next()) - 1 }
        var bq = try down.apply(q, columns: 1)
        var norm = zip(q, bq).reduce(0) { $0 + $1.0 * $1.1 }
        guard norm > 0 else { return 0 }
        norm = norm.squareRoot()
        q = q.map { $0 / norm }; bq = bq.map { $0 / norm }
        var qs: [[Double]] = [q], bqs: [[Double]] = [bq]
        var alpha: [Double] = [], beta: [Double] = []
        var theta = 0.0
        for j in 0..<min(maxSteps, n) {
            var w = try up.apply(bqs[j], columns: 1)          // Pi_up Pi_dn q_j
            let a = zip(bqs[j], w).reduce(0) { $0 + $1.0 * $1.1 }
            alpha.append(a)
            // Full re-orthogonalization in the Pi_dn inner product, twice.
            for _ in 0..<2 {
                for i in 0...j {
                    let c = zip(bqs[i], w).reduce(0) { $0 + $1.0 * $1.1 }
                    for k in 0..<n { w[k] -= c * qs[i][k] }
                }
            }
            let bw = try down.apply(w, columns: 1)
            let b2 = zip(w, bw).reduce(0) { $0 + $1.0 * $1.1 }
            // Ritz values of the tridiagonal T_j.
            let m = alpha.count
            var t = [Double](repeating: 0, count: m * m)
            for i in 0..<m { t[i + i * m] = alpha[i] }
            for i in 0..<(m - 1) { t[i + 1 + i * m] = beta[i]; t[i + (i + 1) * m] = beta[i] }
            let eig = try DenseEigensolver.symmetric(&t, dimension: m, vectors: true)
            theta = eig[m - 1]
            let b = b2 > 0 ? b2.squareRoot() : 0
            let last = abs(t[(m - 1) + (m - 1) * m])   // last component of the top Ritz vector
            if b * last <= tolerance * max(abs(theta), 1e-300) || b <= 1e-14 * max(abs(theta), 1e-300) { break }
            beta.append(b)
            qs.append(w.map { $0 / b })
            bqs.append(bw.map { $0 / b })
        }
        return theta
    }
}
