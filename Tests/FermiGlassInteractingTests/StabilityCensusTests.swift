import Testing
@testable import FermiGlassInteracting

@Suite("Stability census")
struct StabilityCensusTests {
    /// Three levels, one occupied, hand-computed E_1, mu* and both counts.
    @Test func handComputedThreeLevels() {
        // chi (symmetric): IPR = 0.5, 0.4, 0.3; chi_01 = 0.1, chi_02 = 0.05, chi_12 = 0.2
        let chi: [Double] = [0.5, 0.1, 0.05,
                             0.1, 0.4, 0.2,
                             0.05, 0.2, 0.3]
        let xi = [-0.1, 0.05, 0.5]
        let core = [1.0, 2.0, 3.0]
        let u = 1.0
        let c = StabilityCensus(xi: xi, chi: chi, coreShift: core, U: u, occupied: 1)
        // E_1(0) = -0.1 + 1*(1.0)            (its own partner excluded)
        // E_1(1) = 0.05 + 1*(2.0 + 0.1)
        // E_1(2) = 0.5 + 1*(3.0 + 0.05)
        #expect(abs(c.hartreeEnergies[0] - 0.9) < 1e-14)
        #expect(abs(c.hartreeEnergies[1] - 2.15) < 1e-14)
        #expect(abs(c.hartreeEnergies[2] - 3.55) < 1e-14)
        #expect(abs(c.muStar - 0.5 * (0.9 + 2.15)) < 1e-14)
        #expect(abs(c.pairEnergies[0] - (1.8 + 0.5)) < 1e-14)
        // E_1(0) - mu* = -0.625, half IPR U = 0.25: not flagged; nothing is within reach.
        #expect(c.oneSided == 0 && c.twoSided == 0)
        // With U = 4 the half-widths are 1.0, 0.8, 0.6 and the gap grows: recompute by hand.
        let d = StabilityCensus(xi: xi, chi: chi, coreShift: [0, 0, 0], U: 4, occupied: 1)
        // E_1 = -0.1, 0.05 + 0.4 = 0.45, 0.5 + 0.2 = 0.7; mu* = 0.175
        #expect(abs(d.muStar - 0.175) < 1e-14)
        // |E_1 - mu*| = 0.275 < 1.0 (level 0, occupied: one-sided too), 0.275 < 0.8, 0.525 < 0.6
        #expect(d.oneSidedLevels == [0])
        #expect(d.twoSidedLevels == [0, 1, 2])
        // Attractive U never flags anything.
        let e = StabilityCensus(xi: xi, chi: chi, coreShift: core, U: -4, occupied: 1)
        #expect(e.oneSided == 0 && e.twoSided == 0)
    }
}

@Suite("Fermi-function fit")
struct FermiFunctionFitTests {
    /// Exact Fermi-function data is recovered; noisy data within a loose bound.
    @Test func recoversParameters() throws {
        let xs = stride(from: -1.0, through: 1.0, by: 0.02).map { $0 }
        let ys = xs.map { FermiFunctionFit.model($0, mu: 0.07, inverseBeta: 0.11) }
        let f = try #require(FermiFunctionFit.fit(x: xs, y: ys))
        #expect(abs(f.mu - 0.07) < 1e-8 && abs(f.inverseBeta - 0.11) < 1e-8)
        // A step that is all 2 or all 0 has no crossing: no fit.
        #expect(FermiFunctionFit.fit(x: xs, y: xs.map { _ in 2 }) == nil)
    }
}
