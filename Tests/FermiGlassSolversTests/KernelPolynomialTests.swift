import Foundation
import Testing
import FermiGlassModel
import FermiGlassSolvers
import FermiGlassTestSupport

/// The kernel polynomial method against the dense spectrum of small lattices.
@Suite struct KernelPolynomialTests {
    struct Fixture {
        let model: DisorderedModel
        let h: CSRMatrix
        let levels: [Double]
        let vectors: [Double]
        let bounds: SpectralBounds
    }

    static func fixture(lx: Int = 10, ly: Int = 9, w: Double = 4, seed: UInt64 = 7) throws -> Fixture {
        let lattice = try Lattice(lx: lx, ly: ly)
        let model = try DisorderedModel(lattice: lattice, parameters: ModelParameters(t1: 1, t2: 0.6, disorderStrength: w, mu: 0),
                                        seed: seed, realization: 0)
        let h = model.hamiltonian()
        let pairs = try DenseEigensolver.solve(h, selection: .all, vectors: true)
        let bounds = try SpectralBounds.estimate(h, gershgorin: h.gershgorinInterval)
        return Fixture(model: model, h: h, levels: pairs.values, vectors: pairs.vectors, bounds: bounds)
    }

    /// T_n(x) = cos(n arccos x): independent of the recurrence.
    static func chebyshev(_ n: Int, _ x: Double) -> Double { cos(Double(n) * acos(max(-1, min(1, x)))) }

    /// The Lanczos-tightened bounds hold the whole dense spectrum strictly inside and are
    /// tighter than Gershgorin's interval; on the clean lattice, whose top level 4 t1 + 4 t2
    /// lies exactly on Gershgorin's bound, the bounds still pass it (by the margin).
    @Test func boundsHoldTheSpectrum() throws {
        let f = try Self.fixture()
        let g = f.h.gershgorinInterval
        #expect(f.bounds.lower < f.levels.first! && f.bounds.upper > f.levels.last!)
        #expect(f.bounds.upper - f.bounds.lower < g.upperBound - g.lowerBound)
        let clean = try DisorderedModel(lattice: Lattice(lx: 12, ly: 12), parameters: ModelParameters(t1: 1, t2: 0.6, disorderStrength: 0, mu: 0),
                                        seed: 1, realization: 0).hamiltonian()
        let cg = clean.gershgorinInterval
        let cb = try SpectralBounds.estimate(clean, gershgorin: cg)
        #expect(cg.upperBound == 6.4 && cb.upper > 6.4 + 1e-3 && cb.lower < -2.4 - 1e-3, "clean bounds \(cb.lower)...\(cb.upper)")
    }

    /// Moments (two per product) of all basis vectors summed = tr T_n(H~) = sum_k T_n(x_k) over
    /// the exact levels; moments of one random vector r = sum_k T_n(x_k) (phi_k . r)^2. Both to
    /// 1e-10 relative to the dimension, for M = 101 (odd: the last moment from a lone <v|v>).
    @Test func momentsEqualExactTraces() throws {
        let f = try Self.fixture()
        let n = f.h.rowCount, m = 101
        let kpm = KernelPolynomial(f.h, bounds: f.bounds)
        let probes = try kpm.probeMoments(sites: Array(0..<n), count: m)
        let xs = f.levels.map(f.bounds.scaled)
        var worst = 0.0
        for k in 0..<m {
            let exact = xs.reduce(0) { $0 + Self.chebyshev(k, $1) }
            let trace = probes.reduce(0) { $0 + $1[k] }
            worst = max(worst, abs(trace - exact) / Double(n))
        }
        #expect(worst < 1e-10, "trace error \(worst)")
        let r = (0..<n).map { KernelPolynomial.randomSign(seed: 4, vector: 0, site: $0) }
        let mu = try kpm.moments(of: r, columns: 1, count: m)
        var weights = [Double](repeating: 0, count: n)
        for k in 0..<n { var d = 0.0; for i in 0..<n { d += f.vectors[i + k * n] * r[i] }; weights[k] = d * d }
        var worstR = 0.0
        for k in 0..<m {
            let exact = zip(xs, weights).reduce(0) { $0 + Self.chebyshev(k, $1.0) * $1.1 }
            worstR = max(worstR, abs(mu[k] - exact) / Double(n))
        }
        #expect(worstR < 1e-10, "random-vector moment error \(worstR)")
    }

    /// The kernel-damped series of the delta functions at the exact levels:
    /// rho_M(E) = (1/n) sum_k [g_0 + 2 sum_n g_n T_n(x_k) T_n(x)] / (pi a sqrt(1 - x^2)).
    static func dampedSeries(levels xs: [Double], kernel g: [Double], bounds: SpectralBounds, at e: Double) -> Double {
        let x = bounds.scaled(e)
        var s = 0.0
        for xk in xs {
            s += g[0]
            for k in 1..<g.count { s += 2 * g[k] * chebyshev(k, xk) * chebyshev(k, x) }
        }
        return s / (Double(xs.count) * Double.pi * bounds.halfWidth * (1 - x * x).squareRoot())
    }

    /// With every basis vector as a probe, the KPM DOS equals the damped series at the exact
    /// levels to 1e-10, for the Jackson and the Lorentz kernel; its integral over the bounds is 1.
    @Test(arguments: [KPMKernel.jackson, .lorentz(lambda: 4)])
    func allProbesEqualDampedSeriesAtExactLevels(kernel: KPMKernel) throws {
        let f = try Self.fixture()
        let n = f.h.rowCount, m = 80
        let probes = try KernelPolynomial(f.h, bounds: f.bounds).probeMoments(sites: Array(0..<n), count: m)
        let mu = (0..<m).map { k in probes.reduce(0) { $0 + $1[k] } / Double(n) }
        let g = kernel.coefficients(m)
        let energies = stride(from: f.bounds.lower + 0.05, to: f.bounds.upper, by: 0.37).map { $0 }
        let rho = KernelPolynomial.density(moments: mu, kernel: g, bounds: f.bounds, at: energies)
        let xs = f.levels.map(f.bounds.scaled)
        var worst = 0.0
        for (e, r) in zip(energies, rho) { worst = max(worst, abs(r - Self.dampedSeries(levels: xs, kernel: g, bounds: f.bounds, at: e))) }
        #expect(worst < 1e-10, "DOS error \(worst)")
        let total = KernelPolynomial.integratedDensity(moments: mu, kernel: g, bounds: f.bounds, at: [f.bounds.upper])[0]
        #expect(abs(total - 1) < 1e-12)
    }

    /// P(|t| <= c) for Student's t with nu degrees of freedom (Simpson's rule on the density).
    static func studentCoverage(_ c: Double, dof nu: Int) -> Double {
        let v = Double(nu)
        let norm = exp(Foundation.lgamma((v + 1) / 2) - Foundation.lgamma(v / 2)) / (v * Double.pi).squareRoot()
        let steps = 4000, h = 2 * c / Double(steps)
        var s = 0.0
        for k in 0...steps {
            let t = -c + Double(k) * h
            let w = k == 0 || k == steps ? 1.0 : (k % 2 == 1 ? 4.0 : 2.0)
            s += w * norm * pow(1 + t * t / v, -(v + 1) / 2)
        }
        return s * h / 3
    }

    /// The central 99.9% range of Binomial(trials, p): [lo, hi] with P(X < lo) <= 0.0005 and
    /// P(X > hi) <= 0.0005.
    static func binomialRange(trials: Int, p: Double) -> ClosedRange<Int> {
        let total: Double = Foundation.lgamma(Double(trials + 1)), lp = log(p), lq = log(1 - p)
        var pmf = [Double]()
        for k in 0...trials {
            let ways: Double = total - Foundation.lgamma(Double(k + 1)) - Foundation.lgamma(Double(trials - k + 1))
            pmf.append(exp(ways + Double(k) * lp + Double(trials - k) * lq))
        }
        var lo = 0, acc = 0.0
        while acc + pmf[lo] <= 0.0005 { acc += pmf[lo]; lo += 1 }
        var hi = trials; acc = 0
        while acc + pmf[hi] <= 0.0005 { acc += pmf[hi]; hi -= 1 }
        return lo...hi
    }

    /// Over 100 seeds of R = 10 random vectors, at energies at least three Jackson widths apart,
    /// the fraction of stochastic DOS estimates within two of their own standard errors of the
    /// exact (all-probe) damped series lies in the 99.9% binomial range of P(|t_9| <= 2).
    @Test func stochasticErrorBarsCoverTheExactSeries() throws {
        let f = try Self.fixture(lx: 16, ly: 16, w: 3, seed: 2)
        let n = f.h.rowCount, m = 48, r = 10
        let kpm = KernelPolynomial(LatticeStencil(model: f.model), bounds: f.bounds)
        let probes = try kpm.probeMoments(sites: Array(0..<n), count: m)
        let exactMu = (0..<m).map { k in probes.reduce(0) { $0 + $1[k] } / Double(n) }
        let g = KPMKernel.jackson.coefficients(m)
        var energies = [Double]()
        var e = f.levels.first! + 0.3
        while e < f.levels.last! - 0.3 {
            energies.append(e)
            e += 3 * KPMKernel.jackson.width(moments: m, bounds: f.bounds, at: 0.5 * (f.bounds.lower + f.bounds.upper))
        }
        let exact = KernelPolynomial.density(moments: exactMu, kernel: g, bounds: f.bounds, at: energies)
        var inside = 0, trials = 0
        for seed in 0..<100 {
            let est = try kpm.stochasticMoments(count: m, vectors: r, seed: UInt64(seed)).density(kernel: .jackson, bounds: f.bounds, at: energies)
            for k in 0..<energies.count {
                trials += 1
                if abs(est.value[k] - exact[k]) <= 2 * est.standardError[k] { inside += 1 }
            }
        }
        let p = Self.studentCoverage(2, dof: r - 1)
        let range = Self.binomialRange(trials: trials, p: p)
        #expect(range.contains(inside), "\(inside) of \(trials) within 2 SE; expected \(range) (p = \(p))")
        print("KPM coverage: \(inside)/\(trials) within 2 SE, 99.9% range \(range), p = \(p), \(energies.count) energies")
    }

    /// Clean 256 x 256 lattice, t1 = 1, t2 = 0.6 (e(k) = 2 (cos kx + cos ky) + 2.4 cos kx cos ky):
    /// band edges at -2.4 (minima at (pi, 0), (0, pi)) and 6.4 (k = 0), 8.8 apart, where the
    /// damped DOS crosses half the analytic edge step (1 / (2 pi sqrt(ax ay)) per minimum for
    /// e = e0 + ax qx^2 + ay qy^2: 2 / (4 pi sqrt(2.2 * 0.2)) at the bottom, 1 / (4 pi 2.2) at the top);
    /// the van Hove peak (saddles at cos kx = cos ky = -t1 / (2 t2), e = -t1^2 / t2) is the maximum.
    @Test(.slow, .tags(.slow)) func cleanLatticeBandEdgesAndVanHove() throws {
        let lattice = try Lattice(lx: 256, ly: 256)
        let model = try DisorderedModel(lattice: lattice, parameters: ModelParameters(t1: 1, t2: 0.6, disorderStrength: 0, mu: 0),
                                        seed: 1, realization: 0)
        let stencil = LatticeStencil(model: model, threads: 2)
        let bounds = try SpectralBounds.estimate(stencil, gershgorin: stencil.gershgorinInterval)
        let m = 1024
        let moments = try KernelPolynomial(stencil, bounds: bounds, threads: 2).stochasticMoments(count: m, vectors: 2, seed: 1)
        let energies = stride(from: -3.0, through: 7.0, by: 0.001).map { $0 }
        let rho = moments.density(kernel: .jackson, bounds: bounds, at: energies).value
        let bottomStep = 2 / (4 * Double.pi * (2.2 * 0.2).squareRoot()), topStep = 1 / (4 * Double.pi * 2.2)
        let lower = energies[rho.firstIndex { $0 >= bottomStep / 2 }!]
        let upper = energies[rho.lastIndex { $0 >= topStep / 2 }!]
        #expect(abs(lower + 2.4) < 0.02, "lower edge \(lower)")
        #expect(abs(upper - 6.4) < 0.02, "upper edge \(upper)")
        #expect(abs(upper - lower - 8.8) < 0.03, "band width \(upper - lower)")
        let peak = energies[rho.indices.max { rho[$0] < rho[$1] }!]
        #expect(abs(peak + 1 / 0.6) < 0.03, "van Hove peak at \(peak), expected \(-1 / 0.6)")
        print("clean KPM: edges \(lower) \(upper) width \(upper - lower), van Hove peak \(peak)")
    }

    /// 24 x 24, W = 3, N = 288 (N / 2V = 1/4): the KPM integrated DOS at the exact E_F (midway
    /// between the dense levels N/2 - 1 and N/2) equals N / (2 V) within 3 of its standard
    /// errors, and the KPM estimate of E_F lies within 3 of its errors of the exact one.
    @Test func integratedDensityAtExactFermiEnergy() throws {
        let f = try Self.fixture(lx: 24, ly: 24, w: 3, seed: 4)
        let n = f.h.rowCount, particles = 288
        let exactEF = 0.5 * (f.levels[particles / 2 - 1] + f.levels[particles / 2])
        let moments = try KernelPolynomial(LatticeStencil(model: f.model), bounds: f.bounds)
            .stochasticMoments(count: 256, vectors: 16, seed: 3)
        let idos = moments.integratedDensity(kernel: .jackson, bounds: f.bounds, at: [exactEF])
        let target = Double(particles) / Double(2 * n)
        #expect(abs(idos.value[0] - target) < 3 * idos.standardError[0], "IDOS \(idos.value[0]) +- \(idos.standardError[0]) vs \(target)")
        let ef = moments.fermiEnergy(particles: particles, sites: n, kernel: .jackson, bounds: f.bounds)
        #expect(abs(ef.energy - exactEF) < 3 * ef.error, "E_F \(ef.energy) +- \(ef.error) vs exact \(exactEF)")
        #expect(ef.error < 0.2)
        print("KPM E_F \(ef.energy) +- \(ef.error), exact \(exactEF); IDOS at exact E_F \(idos.value[0]) +- \(idos.standardError[0])")
    }

    /// Bad input: fewer than 2 moments, no random vectors, a probe site out of range.
    @Test func rejectsBadInput() throws {
        let f = try Self.fixture(lx: 4, ly: 4)
        let kpm = KernelPolynomial(f.h, bounds: f.bounds)
        #expect(throws: SolverError.self) { try kpm.stochasticMoments(count: 1, vectors: 2, seed: 0) }
        #expect(throws: SolverError.self) { try kpm.stochasticMoments(count: 10, vectors: 0, seed: 0) }
        #expect(throws: SolverError.self) { try kpm.probeMoments(sites: [16], count: 10) }
        // Bounds that cut off the spectrum are detected by the moment check.
        let tight = SpectralBounds(center: 0.5 * (f.levels.first! + f.levels.last!), halfWidth: 0.3 * (f.levels.last! - f.levels.first!))
        #expect(throws: SolverError.self) { try KernelPolynomial(f.h, bounds: tight).stochasticMoments(count: 200, vectors: 1, seed: 0) }
    }
}
