#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Densities from moments: the damped Chebyshev series of the density of states, its integral,
/// and the Fermi energy of N particles.
extension KernelPolynomial {
    /// rho(E) = [g_0 mu_0 + 2 sum_{n>=1} g_n mu_n T_n(x)] / (pi a sqrt(1 - x^2)), x = (E - b) / a
    /// (RMP eqs. 10 and 25, mapped back to energy by the Jacobian 1 / a): with per-site moments
    /// (tr T_n(H~) / n), the DOS per site, per unit energy, per spin, integrating to mu_0 = 1;
    /// with <i|T_n|i>, the local DOS at site i. Zero outside the bounds.
    public static func density(moments mu: [Double], kernel g: [Double], bounds: SpectralBounds, at energies: [Double]) -> [Double] {
        precondition(g.count >= mu.count, "\(g.count) kernel coefficients for \(mu.count) moments")
        return energies.map { e in
            let x = bounds.scaled(e)
            guard abs(x) < 1 else { return 0 }
            var tPrev = 1.0, tCur = x
            var s = g[0] * mu[0]
            if mu.count > 1 { s += 2 * g[1] * mu[1] * x }
            var k = 2
            while k < mu.count {
                let t = 2 * x * tCur - tPrev
                s += 2 * g[k] * mu[k] * t
                tPrev = tCur; tCur = t
                k += 1
            }
            return s / (Double.pi * bounds.halfWidth * (1 - x * x).squareRoot())
        }
    }

    /// The integrated density N(E) = int_{-inf}^E rho = g_0 mu_0 (1 - t / pi)
    /// - (2 / pi) sum_{n>=1} g_n mu_n sin(n t) / n, t = arccos x (the integral of
    /// T_n / (pi sqrt(1 - x^2)) from -1 to x): the fraction of levels below E per spin,
    /// 0 below the bounds and mu_0 above.
    public static func integratedDensity(moments mu: [Double], kernel g: [Double], bounds: SpectralBounds,
                                         at energies: [Double]) -> [Double] {
        energies.map { e in
            let x = bounds.scaled(e)
            if x <= -1 { return 0 }
            if x >= 1 { return g[0] * mu[0] }
            let t = acos(x)
            let st = sin(t), ct = x
            var s = g[0] * mu[0] * (1 - t / .pi)
            var sPrev = 0.0, sCur = st   // sin(n t) by sin((n+1)t) = 2 cos t sin(n t) - sin((n-1)t)
            for k in 1..<mu.count {
                s -= 2 * g[k] * mu[k] * sCur / (Double(k) * .pi)
                let next = 2 * ct * sCur - sPrev
                sPrev = sCur; sCur = next
            }
            return s
        }
    }
}

/// A KPM estimate at a list of energies: the mean over random vectors and its standard error
/// (sample standard deviation over the R vectors / sqrt(R); NaN for R = 1).
public struct KPMEstimate: Sendable {
    public var energies: [Double]
    public var value: [Double]
    public var standardError: [Double]

    /// Mean and standard error over samples (one array over `energies` per random vector).
    public init(energies: [Double], samples each: [[Double]]) {
        let r = Double(each.count)
        var mean = [Double](repeating: 0, count: energies.count), se = mean
        for k in 0..<energies.count {
            let m = each.reduce(0) { $0 + $1[k] } / r
            mean[k] = m
            if each.count > 1 {
                let v = each.reduce(0) { $0 + ($1[k] - m) * ($1[k] - m) } / (r - 1)
                se[k] = (v / r).squareRoot()
            } else { se[k] = .nan }
        }
        self.energies = energies
        value = mean
        standardError = se
    }
}

extension StochasticMoments {
    /// The DOS per site, per unit energy, per spin, of each vector's moments (R arrays over
    /// `energies`): samples whose mean is the estimate and whose spread is its error.
    public func perVectorDensity(kernel: KPMKernel, bounds: SpectralBounds, at energies: [Double]) -> [[Double]] {
        let g = kernel.coefficients(count)
        return perVector.map { KernelPolynomial.density(moments: $0, kernel: g, bounds: bounds, at: energies) }
    }

    /// The integrated DOS per spin (fraction of levels below E) of each vector's moments.
    public func perVectorIntegratedDensity(kernel: KPMKernel, bounds: SpectralBounds, at energies: [Double]) -> [[Double]] {
        let g = kernel.coefficients(count)
        return perVector.map { KernelPolynomial.integratedDensity(moments: $0, kernel: g, bounds: bounds, at: energies) }
    }

    /// The DOS per site, per unit energy, per spin: mean and standard error over the vectors
    /// (the estimate is linear in the moments, so the spread of the per-vector densities is its
    /// error).
    public func density(kernel: KPMKernel, bounds: SpectralBounds, at energies: [Double]) -> KPMEstimate {
        KPMEstimate(energies: energies, samples: perVectorDensity(kernel: kernel, bounds: bounds, at: energies))
    }

    /// The integrated DOS per site per spin (the fraction of levels below E), mean and standard error.
    public func integratedDensity(kernel: KPMKernel, bounds: SpectralBounds, at energies: [Double]) -> KPMEstimate {
        KPMEstimate(energies: energies, samples: perVectorIntegratedDensity(kernel: kernel, bounds: bounds, at: energies))
    }

    /// The Fermi energy of `particles` electrons (both spins) on `sites` sites: the energy where
    /// the mean integrated DOS per spin reaches N / (2 V), by bisection within the bounds
    /// (60 halvings). Its error: the standard error of the integrated DOS there divided by the
    /// DOS there (first order: dE_F = dN(E_F) / rho(E_F)).
    public func fermiEnergy(particles: Int, sites: Int, kernel: KPMKernel, bounds: SpectralBounds)
        -> (energy: Double, error: Double, integratedDensity: KPMEstimate) {
        let target = Double(particles) / Double(2 * sites)
        let g = kernel.coefficients(count)
        let mu = mean
        var lo = bounds.lower, hi = bounds.upper
        for _ in 0..<60 {
            let mid = 0.5 * (lo + hi)
            if KernelPolynomial.integratedDensity(moments: mu, kernel: g, bounds: bounds, at: [mid])[0] < target { lo = mid } else { hi = mid }
        }
        let ef = 0.5 * (lo + hi)
        let idos = integratedDensity(kernel: kernel, bounds: bounds, at: [ef])
        let rho = KernelPolynomial.density(moments: mu, kernel: g, bounds: bounds, at: [ef])[0]
        return (ef, idos.standardError[0] / max(rho, 1e-300), idos)
    }
}
