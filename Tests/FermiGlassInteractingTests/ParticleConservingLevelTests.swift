import Testing
@testable import FermiGlassInteracting
import FermiGlassModel

@Suite("Particle-conserving census level")
struct ParticleConservingLevelTests {
    /// Hand-computed, through the census: no overlaps (chi diagonal), no core, so E_1 = xi =
    /// (0, 0.3, 0.5, 1), IPR = (0.2, 0.1, 0.8, 0.2), U = 1, F = 2 occupied levels.
    /// Thresholds E_1 -+ U IPR / 2: (-0.1, 0.1), (0.25, 0.35), (0.1, 0.9), (0.9, 1.1); sorted
    /// -0.1, 0.1, 0.1, 0.25, 0.35, 0.9, 0.9, 1.1, so mu*_N = (0.25 + 0.35) / 2 = 0.3 with levels
    /// 1 and 2 polarized and 2 + 1 + 1 + 0 = 4 particles. The census mu* = (0.3 + 0.5) / 2 = 0.4
    /// reads level 1 as full (both thresholds below 0.4) and level 2 as polarized: 5 particles,
    /// two-sided count 1.
    @Test func handComputedAgainstTheCensus() {
        let xi = [0, 0.3, 0.5, 1.0], ipr = [0.2, 0.1, 0.8, 0.2]
        var chi = [Double](repeating: 0, count: 16)
        for a in 0..<4 { chi[a + 4 * a] = ipr[a] }
        let census = StabilityCensus(xi: xi, chi: chi, coreShift: [0, 0, 0, 0], U: 1, occupied: 2)
        #expect(abs(census.muStar - 0.4) < 1e-15 && census.twoSided == 1)
        let p = census.particleConservingLevel(ipr: ipr, U: 1, occupied: 2)
        #expect(abs(p.muStar - 0.3) < 1e-15)
        #expect(p.polarized == 2 && p.particles == 4)
    }

    /// On random E_1, IPR and U, the reading at mu*_N always holds exactly 2F particles, its
    /// polarized count is the two-sided count |E_1 - mu| < U IPR / 2, and at U = 0 with E_1 in
    /// the sea's order mu*_N is the census's mu*.
    @Test func conservesParticlesOnRandomLevels() {
        var rng = SplitMix64(seed: 77)
        func uniform() -> Double { SplitMix64.unitDouble(rng.next()) }
        var censusLost = 0
        for trial in 0..<300 {
            let k = 2 + trial % 40
            let f = 1 + Int(rng.next() % UInt64(k - 1))
            let e1 = (0..<k).map { _ in uniform() * 2 - 1 }
            let ipr = (0..<k).map { _ in 0.01 + 0.3 * uniform() }
            let u = 2 * uniform()
            let p = ParticleConservingLevel(hartreeEnergies: e1, ipr: ipr, U: u, occupied: f)
            #expect(p.particles == 2 * f, "trial \(trial)")
            let twoSided = (0..<k).filter { abs(e1[$0] - p.muStar) < 0.5 * u * ipr[$0] }.count
            #expect(p.polarized == twoSided, "trial \(trial)")
            // The census mu* on the same levels (occupied = the first f): count its reading.
            let census = 0.5 * (e1[0..<f].max()! + e1[f...].min()!)
            let n = (0..<k).reduce(0) { s, a in
                s + (e1[a] - 0.5 * u * ipr[a] < census ? 1 : 0) + (e1[a] + 0.5 * u * ipr[a] < census ? 1 : 0)
            }
            if n != 2 * f { censusLost += 1 }
            // U = 0, levels in the sea's order: the census mu*.
            let sorted = e1.sorted()
            let q = ParticleConservingLevel(hartreeEnergies: sorted, ipr: ipr, U: 0, occupied: f)
            #expect(abs(q.muStar - 0.5 * (sorted[f - 1] + sorted[f])) < 1e-15 && q.polarized == 0)
        }
        // On random (unordered) levels the census reading usually misses the particle number:
        // the reason for mu*_N.
        #expect(censusLost > 100)
    }

    @Test func emptyOrFullWindowHasNoLevel() {
        #expect(ParticleConservingLevel(hartreeEnergies: [0, 1], ipr: [0.1, 0.1], U: 1, occupied: 0).muStar.isNaN)
        #expect(ParticleConservingLevel(hartreeEnergies: [0, 1], ipr: [0.1, 0.1], U: 1, occupied: 2).muStar.isNaN)
    }
}
