#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The damping kernels g_n of a truncated Chebyshev series (RMP 78, 275, section II.C). Both have
/// g_0 = 1, so the damped series keeps the normalization.
public enum KPMKernel: Sendable, Equatable {
    /// Jackson (RMP eq. 71): g_n = [(M - n + 1) cos(n q) + sin(n q) cot q] / (M + 1),
    /// q = pi / (M + 1). Positive, and broadens a delta function at x into a near-Gaussian of
    /// width sigma ~ (pi / M) sqrt(1 - x^2) (scaled units; times a in energy): the best
    /// resolution for densities of states.
    case jackson
    /// Lorentz (RMP eq. 79): g_n = sinh(lambda (1 - n / M)) / sinh(lambda), a Lorentzian of
    /// width lambda / M (scaled units): the kernel for Green's functions; lambda = 3 to 5.
    case lorentz(lambda: Double)

    /// "jackson" or "lorentz".
    public var name: String {
        switch self {
        case .jackson: return "jackson"
        case .lorentz: return "lorentz"
        }
    }

    /// g_n for n = 0 ..< m.
    public func coefficients(_ m: Int) -> [Double] {
        switch self {
        case .jackson:
            let q = Double.pi / Double(m + 1)
            return (0..<m).map { n in
                let nn = Double(n)
                return ((Double(m) - nn + 1) * cos(q * nn) + sin(q * nn) / tan(q)) / Double(m + 1)
            }
        case .lorentz(let lambda):
            return (0..<m).map { n in sinh(lambda * (1 - Double(n) / Double(m))) / sinh(lambda) }
        }
    }

    /// The kernel's resolution near energy e, in energy units: for Jackson the standard
    /// deviation of the peak a delta function at x becomes, ~ (pi a / M) sqrt(1 - x^2) (RMP
    /// eq. 72; floored at (pi a / M) / M near the band edges), for Lorentz the width lambda a / M.
    public func width(moments m: Int, bounds: SpectralBounds, at e: Double) -> Double {
        let x = min(1, abs(bounds.scaled(e)))
        switch self {
        case .jackson: return Double.pi * bounds.halfWidth * max((1 - x * x).squareRoot(), 1 / Double(m)) / Double(m)
        case .lorentz(let lambda): return lambda * bounds.halfWidth / Double(m)
        }
    }
}

extension KernelPolynomial {
    /// Chebyshev coefficients of the step theta(x0 - x) on [-1, 1] (x0 = cos t0):
    /// c_0 = 1 - t0 / pi, c_n = -2 sin(n t0) / (n pi); a kernel damps them into a smooth step of
    /// width ~ pi / M (scaled units). tr of the step at H~ counts the levels below x0.
    public static func stepCoefficients(at x0: Double, count m: Int) -> [Double] {
        let theta0 = acos(x0)
        var c = [Double](repeating: 0, count: m)
        c[0] = 1 - theta0 / .pi
        for k in 1..<m { c[k] = -2 * sin(Double(k) * theta0) / (Double(k) * .pi) }
        return c
    }
}
