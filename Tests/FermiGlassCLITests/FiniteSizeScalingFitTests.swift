import Foundation
import Testing
@testable import FermiGlassStudies
import FermiGlassModel

/// Seeded standard normal deviates (Box-Muller on SplitMix64).
struct Gaussian {
    var rng: SplitMix64
    init(seed: UInt64) { rng = SplitMix64(seed: seed) }
    mutating func next() -> Double {
        let u1 = max(SplitMix64.unitDouble(rng.next()), 1e-300), u2 = SplitMix64.unitDouble(rng.next())
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

@Suite("Finite-size-scaling fits")
struct FiniteSizeScalingFitTests {
    static let sizes: [Double] = [40, 60, 100, 200, 400, 1000, 2000]
    static let nInf = 0.01

    /// The generating n(L) of each form (corrections of 20-50% of n_inf at L = 40).
    static func truth(_ form: PlateauTest.Form) -> (Double) -> Double {
        switch form {
        case .constant: return { _ in nInf }
        case .inverseL: return { nInf + 0.2 / $0 }
        case .inverseL2: return { nInf + 8 / ($0 * $0) }
        case .exponential: return { nInf + 0.02 * exp(-$0 / 80) }
        }
    }

    /// Known upper-tail probabilities of chi^2 (tables): P(chi2_1 >= 3.841) = 0.05,
    /// P(chi2_2 >= 5.991) = 0.05, P(chi2_10 >= 10) = 0.44049, P(chi2_3 >= 0.5844) = 0.9.
    @Test func chiSquaredTail() {
        #expect(abs(ChiSquared.survival(3.841459, degreesOfFreedom: 1) - 0.05) < 1e-6)
        #expect(abs(ChiSquared.survival(5.991465, degreesOfFreedom: 2) - 0.05) < 1e-6)
        #expect(abs(ChiSquared.survival(10, degreesOfFreedom: 10) - 0.440493) < 1e-6)
        #expect(abs(ChiSquared.survival(0.584375, degreesOfFreedom: 3) - 0.9) < 1e-6)
        #expect(abs(ChiSquared.survival(40, degreesOfFreedom: 4) - 4.3284e-8) < 1e-11)
    }

    /// A straight line through noise-free points comes back exactly, with chi^2 = 0, and the
    /// covariance of a two-point line is the textbook one.
    @Test func weightedLineExact() throws {
        let x = [1.0, 2, 3, 4], y = x.map { 3 - 0.5 * $0 }
        let f = try #require(WeightedLinearFit.fit(design: x.map { [1, $0] }, y: y, sigma: [0.1, 0.2, 0.1, 0.3]))
        #expect(abs(f.parameters[0] - 3) < 1e-12 && abs(f.parameters[1] + 0.5) < 1e-12 && f.chiSquared < 1e-20)
        // Two points, unit errors: var(slope) = 2 / (x1 - x0)^2.
        let g = try #require(WeightedLinearFit.fit(design: [[1, 0], [1, 2]], y: [0, 1], sigma: [1, 1]))
        #expect(abs(g.error(1) - (2.0 / 4).squareRoot()) < 1e-12)
    }

    /// Noise-free n(L) of each form: that form's fit recovers its parameters, and the model
    /// comparison selects it.
    @Test(arguments: PlateauTest.Form.allCases)
    func plateauNoiseFree(form: PlateauTest.Form) throws {
        let n = Self.sizes.map(Self.truth(form))
        let sigma = n.map { _ in 1e-3 * Self.nInf }
        let r = PlateauTest.compare(sizes: Self.sizes, values: n, errors: sigma)
        #expect(r.selected == form, "\(r.verdict)")
        let f = try #require(r.fits.first { $0.form == form })
        #expect(abs(f.plateau - Self.nInf) < 1e-9 * Self.nInf + 1e-3 * f.plateauError)
        switch form {
        case .constant: break
        case .inverseL: #expect(abs(f.amplitude - 0.2) < 1e-8)
        case .inverseL2: #expect(abs(f.amplitude - 8) < 1e-6)
        case .exponential:
            #expect(abs(f.amplitude - 0.02) < 1e-6 && abs(f.decayLength - 80) < 1e-4 && !f.atSearchEdge)
        }
    }

    /// Noisy n(L) (Gaussian, 2% of n_inf): over 20 seeds the comparison selects the generating
    /// form in most of them, and the generating form's n_inf lies within 3 of its errors of the
    /// truth in at least 18 (a 3-sigma miss has probability 0.003 per seed). The constant form
    /// is selected less often by construction: a spurious extra parameter lowers chi^2 by more
    /// than AIC's penalty of 2 with probability ~0.16 each.
    @Test(arguments: PlateauTest.Form.allCases)
    func plateauNoisy(form: PlateauTest.Form) throws {
        var picked = 0, within = 0
        for seed in 0..<20 {
            var g = Gaussian(seed: 1000 + UInt64(seed) * 7 + UInt64(form.parameterCount))
            let sigma = Self.sizes.map { _ in 0.02 * Self.nInf }
            let n = zip(Self.sizes.map(Self.truth(form)), sigma).map { $0 + $1 * g.next() }
            let r = PlateauTest.compare(sizes: Self.sizes, values: n, errors: sigma)
            if r.selected == form { picked += 1 }
            let f = try #require(r.fits.first { $0.form == form })
            if abs(f.plateau - Self.nInf) < 3 * f.plateauError { within += 1 }
        }
        #expect(picked >= (form == .constant ? 11 : 15), "selected \(form.rawValue) in \(picked) of 20")
        #expect(within >= 18, "n_inf within 3 sigma in \(within) of 20")
    }

    /// Two or three sizes: only the forms with a degree of freedom are compared, and the
    /// verdict says so.
    @Test func fewSizesAreSaidToBeFew() {
        let r2 = PlateauTest.compare(sizes: [40, 60], values: [1, 1.1], errors: [0.1, 0.1])
        #expect(r2.selected == .constant)
        #expect(r2.verdict.contains("not compared (no degree of freedom): inverse_L, inverse_L2"))
        let r1 = PlateauTest.compare(sizes: [40], values: [1], errors: [0.1])
        #expect(r1.selected == nil && r1.verdict.hasPrefix("not tested: 1 size"))
    }

    /// c of n_m = c N(0) U g: exact through noise-free points; on noisy points (errors in y and
    /// in x) unbiased with pulls (c_fit - c) / sigma_c of unit spread over 400 trials.
    @Test func smallULawRecoversC() throws {
        let xs = (1...12).map { 1e-4 * Double($0) }
        let exact = try #require(SmallULaw.fit(xs.map { SmallULaw.Point(y: 2.6 * $0, sigmaY: 1e-5, x: $0, sigmaX: 0) }))
        #expect(abs(exact.c - 2.6) < 1e-12 && exact.chiSquared < 1e-18 && exact.points == 12)
        var g = Gaussian(seed: 42)
        var pulls = [Double](), chi = [Double]()
        for _ in 0..<400 {
            let pts = xs.map { x -> SmallULaw.Point in
                let sy = 0.05 * 2.6 * x + 2e-5, sx = 0.03 * x
                return SmallULaw.Point(y: 2.6 * x + sy * g.next(), sigmaY: sy, x: x + sx * g.next(), sigmaX: sx)
            }
            let f = try #require(SmallULaw.fit(pts))
            pulls.append((f.c - 2.6) / f.cError)
            chi.append(f.chiSquaredPerDegree)
        }
        let mean = pulls.reduce(0, +) / 400, rms = (pulls.map { $0 * $0 }.reduce(0, +) / 400).squareRoot()
        #expect(abs(mean) < 0.2, "mean pull \(mean)")
        #expect(rms > 0.85 && rms < 1.15, "rms pull \(rms)")
        let meanChi = chi.reduce(0, +) / 400
        #expect(meanChi > 0.85 && meanChi < 1.15, "mean chi2/dof \(meanChi)")
    }

    /// The occupation bins: encoding round trip, and the Fig. 2(a) fit on pooled bins of
    /// synthetic realizations with <n(x)> = 2 f(x) recovers 1/beta within its bootstrap error.
    @Test func occupationBinsRecoverInverseBeta() throws {
        let u = 0.5, invBeta = 0.03, mu = 0.004
        var g = SplitMix64(seed: 9)
        var realizations = [OccupationBins]()
        for _ in 0..<150 {
            var x = [Double](), n = [Int]()
            for _ in 0..<120 {
                let xa = (SplitMix64.unitDouble(g.next()) * 2 - 1) * 0.4
                let f = 1 / (exp((xa - mu) / invBeta) + 1)
                // n = 2 with probability f^2, 1 with 2 f (1 - f), 0 otherwise: <n> = 2 f.
                n.append((SplitMix64.unitDouble(g.next()) < f ? 1 : 0) + (SplitMix64.unitDouble(g.next()) < f ? 1 : 0))
                x.append(xa)
            }
            let b = OccupationBins(x: x, occupation: n, U: u)
            #expect(OccupationBins(decoding: b.encoded)?.count == b.count)
            realizations.append(b)
        }
        let whole = realizations.dropFirst().reduce(realizations[0], +)
        let decoded = try #require(OccupationBins(decoding: whole.encoded))
        #expect(decoded.count == whole.count && decoded.sumOccupation == whole.sumOccupation)
        #expect(zip(decoded.sumX, whole.sumX).allSatisfy { abs($0 - $1) <= 1e-9 * max(abs($1), 1) })
        // Levels with |x| >= U are not binned: 0.4 < U here, so every level is.
        #expect(whole.count.reduce(0, +) == 150 * 120)
        let (v, e) = FiniteSizeScaling.inverseBeta(realizations)
        #expect(e > 0 && e < 0.1 * invBeta, "bootstrap error \(e)")
        #expect(abs(v - invBeta) < 4 * e, "1/beta \(v) +- \(e), true \(invBeta)")
        #expect(OccupationBins(decoding: "dx/U=0.05;1:2:3:0.1") == nil)
    }
}
