import Foundation
import Testing
import FermiGlassModel
import FermiGlassObservables

/// The MacKinnon-Kramer transfer matrix against analytic results.
@Suite struct TransferMatrixTests {
    private func strip(_ m: Int, t2: Double = 0, w: Double = 0, e: Double, length: Int, seed: UInt64 = 1) throws -> TransferMatrix.Strip {
        try TransferMatrix.strip(width: m, parameters: ModelParameters(t1: 1, t2: t2, disorderStrength: w), energy: e,
                                 options: TransferMatrix.Options(length: length, blocks: 10, seed: seed))
    }

    /// Outside the band of a clean strip every transverse mode q is evanescent: lambda_q
    /// (z + 1/z) = E - 2 t1 cos q, gamma_min = min_q arccosh(|E - 2 t1 cos q| / (2 |lambda_q|)).
    /// The propagated columns must reproduce it to rounding. Cases: the chain (arccosh(E/2)),
    /// t2 = 0.3 above and below the band, and the paper's t2 = 0.6.
    @Test(arguments: [(1, 0.0, 2.5), (4, 0.3, 6.0), (6, 0.3, -5.0), (8, 0.6, 7.0), (5, 0.6, -6.5)])
    func cleanStripOutsideTheBandDecaysAtTheEvanescentRate(m: Int, t2: Double, e: Double) throws {
        let p = ModelParameters(t1: 1, t2: t2)
        let exact = TransferMatrix.cleanDecayRate(width: m, parameters: p, energy: e)
        #expect(exact > 0.1)
        if m == 1 { #expect(abs(exact - acosh(e / 2)) < 1e-15) }
        let s = try strip(m, t2: t2, e: e, length: 2000)
        #expect(abs(s.gammaMin - exact) < 1e-9 * exact, "gamma_min \(s.gammaMin), analytic \(exact)")
    }

    /// Inside the band of a clean strip some mode propagates, so gamma_min -> 0: the measured
    /// growth ln|R_MM| over the strip stays bounded, gamma_min <= C / L, xi grows with L.
    @Test func cleanStripInsideTheBandHasNoDecay() throws {
        #expect(TransferMatrix.cleanDecayRate(width: 8, parameters: ModelParameters(t1: 1, t2: 0.6), energy: -1.2) == 0)
        for length in [1000, 10_000] {
            let s = try strip(8, t2: 0.6, e: -1.2, length: length)
            #expect(abs(s.gammaMin) * Double(length) < 20, "L = \(length): gamma_min = \(s.gammaMin)")
        }
        // Outside the band the same strip decays, so the bound above can fail.
        #expect(try strip(8, t2: 0.6, e: 9.5, length: 1000).gammaMin * 1000 > 100)
    }

    /// The 1D Anderson chain at weak uniform disorder of width W (variance W^2/12): the Born
    /// approximation (Thouless 1979) gives gamma = <eps^2> / (2 (4 t^2 - E^2)) = W^2 / (24 (4 - E^2))
    /// for t = 1, i.e. 1/xi = W^2 / (96 (1 - (E/2)^2)). E = 0.5 avoids the band-centre
    /// (E = 0, 1/105) and E = +-1 anomalies. The statistical error must be small enough (< 2%)
    /// that the prefactor 96 is distinguished from the anomalous 105.
    @Test func andersonChainMatchesThePerturbativeLyapunovExponent() throws {
        let w = 1.0, e = 0.5
        let thouless = w * w / (24 * (4 - e * e))
        let s = try strip(1, w: w, e: e, length: 400_000)
        #expect(s.gammaMinError < 0.02 * thouless)
        #expect(abs(s.gammaMin - thouless) < 4 * s.gammaMinError, "gamma \(s.gammaMin) +- \(s.gammaMinError), Thouless \(thouless)")
    }

    /// Same seed => bit-identical exponents; another seed => different ones.
    @Test func deterministic() throws {
        let a = try strip(6, t2: 0.6, w: 9, e: -1.2, length: 3000, seed: 7)
        let b = try strip(6, t2: 0.6, w: 9, e: -1.2, length: 3000, seed: 7)
        let c = try strip(6, t2: 0.6, w: 9, e: -1.2, length: 3000, seed: 8)
        #expect(a.exponents == b.exponents && a.blockGammaMin == b.blockGammaMin)
        #expect(a.exponents != c.exponents)
        // Exponents come out descending, gamma_min the last and positive at W = 9.
        #expect(a.exponents == a.exponents.sorted(by: >))
        #expect(a.gammaMin > 0)
    }

    /// A singular inter-slice hopping (t2 = t1/2, M = 4: lambda_pi = 1 - 1 = 0), M = 2 and a
    /// chain with t2 are refused with a message.
    @Test func invalidStripsAreRefused() throws {
        #expect(throws: ObservablesError.invalidArgument(
            "the inter-slice hopping T of a width-4 strip is singular: lambda_q = t1 + 2 t2 cos(2 pi 2/4) = 0.0; choose another width")) {
            try TransferMatrix.validate(width: 4, parameters: ModelParameters(t1: 1, t2: 0.5))
        }
        #expect(throws: ObservablesError.self) { try TransferMatrix.validate(width: 2, parameters: ModelParameters(t1: 1)) }
        #expect(throws: ObservablesError.self) { try TransferMatrix.validate(width: 1, parameters: ModelParameters(t1: 1, t2: 0.6)) }
        #expect(throws: Never.self) { try TransferMatrix.validate(width: 3, parameters: ModelParameters(t1: 1, t2: 0.5)) }
    }

    /// The strip's slice-by-slice disorder is the lattice generator's.
    @Test func sliceDisorderMatchesTheGenerator() {
        let all = Disorder.onsiteEnergies(strength: 9, seed: 3, realization: 2, siteCount: 50)
        var part = [Double](repeating: 0, count: 10)
        Disorder.fill(&part, strength: 9, seed: 3, realization: 2, sites: 30..<40)
        #expect(part == Array(all[30..<40]))
    }
}
