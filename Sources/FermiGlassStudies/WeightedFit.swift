#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Weighted linear least squares with known standard errors: y_i ~ sum_j p_j f_j(x_i), each
/// point weighted by 1 / sigma_i^2, the finite-size-scaling fits' common core.
///
/// The parameters minimize chi^2 = sum_i (y_i - sum_j p_j X_ij)^2 / sigma_i^2; their covariance
/// is (X^T W X)^(-1) with W = diag(1 / sigma_i^2), i.e. the errors assume the sigma_i are the
/// true standard errors (they are not rescaled by chi^2 / dof; that ratio is reported instead).
public struct WeightedLinearFit: Sendable, Equatable {
    /// The fitted p_j.
    public var parameters: [Double]
    /// Covariance of the parameters, k x k row-major.
    public var covariance: [Double]
    /// chi^2 at the minimum.
    public var chiSquared: Double
    /// Number of points used.
    public var points: Int

    /// Degrees of freedom: points - parameters.
    public var degreesOfFreedom: Int { points - parameters.count }
    /// One-sigma error of parameter j (sqrt of the covariance's diagonal).
    public func error(_ j: Int) -> Double { covariance[j * parameters.count + j].squareRoot() }
    /// chi^2 / dof (NaN without degrees of freedom).
    public var chiSquaredPerDegree: Double { degreesOfFreedom > 0 ? chiSquared / Double(degreesOfFreedom) : .nan }
    /// P(chi^2_dof >= chiSquared): the probability that the model, if true, fits this badly or
    /// worse (NaN without degrees of freedom).
    public var pValue: Double { degreesOfFreedom > 0 ? ChiSquared.survival(chiSquared, degreesOfFreedom: degreesOfFreedom) : .nan }

    /// Fits `design` (one row of k basis values per point) to `y` with errors `sigma` (all
    /// positive and finite). Nil when the normal matrix is singular or there are fewer points
    /// than parameters.
    public static func fit(design: [[Double]], y: [Double], sigma: [Double]) -> WeightedLinearFit? {
        precondition(design.count == y.count && y.count == sigma.count, "one design row and one sigma per point")
        guard let k = design.first?.count, k > 0, y.count >= k else { return nil }
        precondition(sigma.allSatisfy { $0 > 0 && $0.isFinite }, "sigma must be positive and finite")
        var a = [Double](repeating: 0, count: k * k), b = [Double](repeating: 0, count: k)
        for (i, row) in design.enumerated() {
            let w = 1 / (sigma[i] * sigma[i])
            for p in 0..<k {
                b[p] += w * row[p] * y[i]
                for q in 0..<k { a[p * k + q] += w * row[p] * row[q] }
            }
        }
        guard let inv = invert(a, k) else { return nil }
        var params = [Double](repeating: 0, count: k)
        for p in 0..<k { for q in 0..<k { params[p] += inv[p * k + q] * b[q] } }
        var chi2 = 0.0
        for (i, row) in design.enumerated() {
            var f = 0.0
            for p in 0..<k { f += params[p] * row[p] }
            let r = (y[i] - f) / sigma[i]
            chi2 += r * r
        }
        return WeightedLinearFit(parameters: params, covariance: inv, chiSquared: chi2, points: y.count)
    }

    /// Inverse of a small k x k matrix (row-major) by Gauss-Jordan elimination with partial
    /// pivoting on a scaled copy; nil when it is singular to working precision.
    static func invert(_ m: [Double], _ k: Int) -> [Double]? {
        // Scale rows and columns by the diagonal so that very different basis magnitudes
        // (1 and 1/L^2) do not decide the pivots.
        let d = (0..<k).map { m[$0 * k + $0] > 0 ? 1 / m[$0 * k + $0].squareRoot() : 1 }
        var a = m, inv = [Double](repeating: 0, count: k * k)
        for p in 0..<k { for q in 0..<k { a[p * k + q] *= d[p] * d[q] } }
        for p in 0..<k { inv[p * k + p] = 1 }
        for c in 0..<k {
            var piv = c
            for r in c..<k where abs(a[r * k + c]) > abs(a[piv * k + c]) { piv = r }
            guard abs(a[piv * k + c]) > 1e-13 else { return nil }
            if piv != c {
                for q in 0..<k { a.swapAt(c * k + q, piv * k + q); inv.swapAt(c * k + q, piv * k + q) }
            }
            let s = 1 / a[c * k + c]
            for q in 0..<k { a[c * k + q] *= s; inv[c * k + q] *= s }
            for r in 0..<k where r != c {
                let f = a[r * k + c]
                if f == 0 { continue }
                for q in 0..<k { a[r * k + q] -= f * a[c * k + q]; inv[r * k + q] -= f * inv[c * k + q] }
            }
        }
        for p in 0..<k { for q in 0..<k { inv[p * k + q] *= d[p] * d[q] } }
        return inv
    }
}

/// The chi-squared distribution's upper tail.
public enum ChiSquared {
    /// P(X >= x) for X ~ chi^2 with `degreesOfFreedom` degrees: the regularized upper incomplete
    /// gamma function Q(dof / 2, x / 2), by its series below a + 1 and its continued fraction
    /// above (relative accuracy ~1e-14).
    public static func survival(_ x: Double, degreesOfFreedom nu: Int) -> Double {
        precondition(nu > 0, "degrees of freedom must be positive")
        guard x > 0 else { return 1 }
        let a = Double(nu) / 2, z = x / 2
        let logPrefactor = a * log(z) - z - lgamma(a)
        if z < a + 1 {
            // P(a, z) = e^-z z^a / Gamma(a) * sum_n z^n / (a (a+1) ... (a+n))
            var term = 1 / a, sum = term, ap = a
            for _ in 0..<10_000 {
                ap += 1
                term *= z / ap
                sum += term
                if abs(term) < abs(sum) * 1e-16 { break }
            }
            return max(0, 1 - sum * exp(logPrefactor))
        }
        // Q(a, z) by Lentz's continued fraction.
        let tiny = 1e-300
        var b = z + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1..<10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return exp(logPrefactor) * h
    }
}
