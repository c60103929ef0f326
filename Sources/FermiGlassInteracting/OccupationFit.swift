#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The paper's Fig. 2(a) fit of the realization-averaged occupation against energy:
///
///     <n_a> = 2 / (exp(beta (x_a - mu)) + 1),
///
/// least squares in (mu, ln(1/beta)) by damped Gauss-Newton (Levenberg-Marquardt). x is the
/// level energy (FermiGlass uses xi_a - E_F of each realization); 1/beta comes out in the units
/// of x (t1).
public struct FermiFunctionFit: Sendable, Equatable {
    public var mu: Double
    /// 1/beta, the width of the fitted step.
    public var inverseBeta: Double
    /// Residual sum of squares.
    public var residual: Double
    public var converged: Bool

    public static func model(_ x: Double, mu: Double, inverseBeta t: Double) -> Double {
        let z = (x - mu) / t
        return z > 700 ? 0 : 2 / (exp(z) + 1)
    }

    /// Fits the points; nil with fewer than 3 points or no step (all y on one side of 1).
    public static func fit(x: [Double], y: [Double]) -> FermiFunctionFit? {
        precondition(x.count == y.count)
        guard x.count >= 3 else { return nil }
        let order = x.indices.sorted { x[$0] < x[$1] }
        let xs = order.map { x[$0] }, ys = order.map { y[$0] }
        func crossing(_ level: Double) -> Double? {
            for j in 1..<xs.count where (ys[j - 1] - level) * (ys[j] - level) <= 0 && ys[j - 1] != ys[j] {
                return xs[j - 1] + (level - ys[j - 1]) * (xs[j] - xs[j - 1]) / (ys[j] - ys[j - 1])
            }
            return nil
        }
        guard let mid = crossing(1) else { return nil }
        let span = max(xs.last! - xs.first!, 1e-12)
        var t = span / 20
        if let hi = crossing(1.5), let lo = crossing(0.5), lo > hi { t = (lo - hi) / (2 * log(3.0)) }
        var p = (mu: mid, lt: log(max(t, 1e-9 * span)))
        func rss(_ q: (mu: Double, lt: Double)) -> Double {
            var s = 0.0
            for j in 0..<xs.count { let r = ys[j] - model(xs[j], mu: q.mu, inverseBeta: exp(q.lt)); s += r * r }
            return s
        }
        var current = rss(p), lambda = 1e-3, converged = false
        for _ in 0..<200 {
            let tt = exp(p.lt)
            var a11 = 0.0, a12 = 0.0, a22 = 0.0, g1 = 0.0, g2 = 0.0
            for j in 0..<xs.count {
                let z = (xs[j] - p.mu) / tt
                let s = z > 700 ? 0 : 1 / (exp(z) + 1)
                let w = 2 * s * (1 - s)
                let dmu = w / tt, dlt = w * z
                let r = ys[j] - 2 * s
                a11 += dmu * dmu; a12 += dmu * dlt; a22 += dlt * dlt
                g1 += dmu * r; g2 += dlt * r
            }
            var accepted = false
            while lambda < 1e12 {
                let b11 = a11 * (1 + lambda), b22 = a22 * (1 + lambda)
                let det = b11 * b22 - a12 * a12
                guard det != 0, det.isFinite else { lambda *= 10; continue }
                let d1 = (b22 * g1 - a12 * g2) / det, d2 = (b11 * g2 - a12 * g1) / det
                let q = (mu: p.mu + d1, lt: p.lt + d2)
                let next = rss(q)
                if next <= current {
                    let small = abs(d1) < 1e-12 * span && abs(d2) < 1e-10
                    p = q
                    let gain = current - next
                    current = next
                    lambda = max(lambda / 10, 1e-12)
                    accepted = true
                    if small || gain <= 1e-15 * max(current, 1e-300) { converged = true }
                    break
                }
                lambda *= 10
            }
            if !accepted { converged = true; break }
            if converged { break }
        }
        return FermiFunctionFit(mu: p.mu, inverseBeta: exp(p.lt), residual: current, converged: converged)
    }
}
