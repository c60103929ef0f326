import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers
import Testing
@testable import FermiGlassInteracting
import FermiGlassTestSupport

/// Random first-order problems: chi from random normalised densities on a few sites (so chi is
/// a genuine overlap matrix, non-negative with chi_aa = IPR_a), random sorted xi, random core
/// shifts and constant core terms.
func randomProblem(levels k: Int, particles: Int, rng: inout SplitMix64, sites: Int? = nil) -> GroundStateProblem {
    let m = sites ?? (k + Int.random(in: 0...6, using: &rng))
    var p = [Double](repeating: 0, count: m * k)
    for a in 0..<k {
        var norm = 0.0
        for i in 0..<m {
            let x = Double.random(in: -1...1, using: &rng)
            p[i + a * m] = x * x
            norm += x * x
        }
        for i in 0..<m { p[i + a * m] /= norm }
    }
    var chi = [Double](repeating: 0, count: k * k)
    for a in 0..<k { for c in 0..<k { var s = 0.0; for i in 0..<m { s += p[i + a * m] * p[i + c * m] }; chi[a + c * k] = s } }
    let xi = (0..<k).map { _ in Double.random(in: -1...1, using: &rng) }.sorted()
    let shift = (0..<k).map { _ in Double.random(in: 0...0.5, using: &rng) }
    return GroundStateProblem(xi: xi, chi: chi, coreShift: shift, coreBandEnergy: Double.random(in: -3...0, using: &rng),
                              coreSelfOverlap: Double.random(in: 0...1, using: &rng), particles: particles)
}

/// The brute-force minimum of E1 over every configuration with the problem's particle count:
/// for each down configuration the up configurations are walked in Gray-code order, O(1) each.
func bruteForceMinimum(_ p: GroundStateProblem, U: Double) -> Double {
    let k = p.count
    let e = (0..<k).map { p.xi[$0] + U * p.coreShift[$0] }
    var best = Double.infinity
    let chi = p.denseChi
    for dn in 0..<(1 << k) {
        let ndn = dn.nonzeroBitCount
        let nup = p.particles - ndn
        guard nup >= 0, nup <= k else { continue }
        var w = e
        var base = p.coreBandEnergy + U * p.coreSelfOverlap
        for c in 0..<k where dn & (1 << c) != 0 {
            base += e[c]
            for a in 0..<k { w[a] += U * chi[a + c * k] }
        }
        var up = 0, sum = 0.0
        if nup == 0 { best = min(best, base) }
        for g in 1..<(1 << k) {
            let bit = g.trailingZeroBitCount
            up ^= 1 << bit
            sum += (up & (1 << bit) != 0) ? w[bit] : -w[bit]
            if up.nonzeroBitCount == nup { best = min(best, base + sum) }
        }
    }
    return best
}

@Suite("First-order ground state")
struct GroundStateTests {
    /// 1000 random problems of 1..10 levels, every particle number and both signs of U: no
    /// algorithm ever goes below the brute-force minimum, and the default minimizer reaches it
    /// on at least 99% of the problems (measured: see the recorded rate in the failure message
    /// and docs/benchmarks/ground-state.md).
    @Test(.slow, .tags(.slow)) func exhaustiveEnumeration() {
        var rng = SplitMix64(seed: 2024, stream: 7)
        var reached = 0, total = 0
        var paperReached = 0
        for t in 0..<1000 {
            let k = 1 + t % 10
            let n = Int.random(in: 0...(2 * k), using: &rng)
            let u = Double.random(in: -4...4, using: &rng)
            let p = randomProblem(levels: k, particles: n, rng: &rng)
            let exact = bruteForceMinimum(p, U: u)
            let scale = 1e-9 * (1 + abs(exact))
            let d = LocalSearchMinimizer(restarts: 10, seed: 5, stream: UInt64(t)).run(p, U: u)
            var r = SplitMix64(seed: 9, stream: UInt64(t))
            let mc = PaperMonteCarlo.run(p, U: u, proposals: 400, rng: &r)
            #expect(d.energy >= exact - scale, "default below the brute-force minimum on problem \(t)")
            #expect(mc.energy >= exact - scale, "paper below the brute-force minimum on problem \(t)")
            #expect(d.occupations.particles == n && mc.occupations.particles == n)
            #expect(abs(d.energy - p.energy(d.occupations, U: u)) < scale)
            total += 1
            if d.energy <= exact + scale { reached += 1 }
            if mc.energy <= exact + scale { paperReached += 1 }
        }
        let rate = Double(reached) / Double(total)
        #expect(rate >= 0.99, "default minimizer reached the exact minimum on \(reached)/\(total) (paper MC: \(paperReached))")
        print("exhaustive: default reached \(reached)/\(total), paper (400 proposals) \(paperReached)/\(total)")
    }

    /// A long random walk of moves (all applied): the incremental energy equals the
    /// from-scratch E1 after every move.
    @Test func incrementalBookkeeping() {
        var rng = SplitMix64(seed: 3, stream: 1)
        let p = randomProblem(levels: 24, particles: 23, rng: &rng)
        let u = 1.7
        var s = EnergyState(problem: p, U: u, chi: SparseOverlap(p), start: p.fermiSea())
        var worst = abs(s.energy - p.energy(s.occupations, U: u))
        for _ in 0..<3000 {
            let occ = LocalSearchMinimizer.slots(s, occupied: true), emp = LocalSearchMinimizer.slots(s, occupied: false)
            let f = occ[Int.random(in: 0..<occ.count, using: &rng)], t = emp[Int.random(in: 0..<emp.count, using: &rng)]
            s.apply(from: f, to: t)
            worst = max(worst, abs(s.energy - p.energy(s.occupations, U: u)))
        }
        #expect(worst < 1e-11, "incremental energy drifted by \(worst)")
        // And every accepted move of the paper's Monte Carlo: its bookkept energy matches at the end.
        var r = SplitMix64(seed: 4)
        let mc = PaperMonteCarlo.run(p, U: u, proposals: 20000, rng: &r)
        #expect(mc.accepted > 0)
        #expect(mc.thresholdEnergyError < 1e-11)
    }

    /// The paper's Monte Carlo counts every proposal, records its convergence and is
    /// reproducible from its seed; a different stream gives a different trajectory.
    @Test func paperMonteCarloIsSeeded() {
        var rng = SplitMix64(seed: 21)
        let p = randomProblem(levels: 40, particles: 40, rng: &rng)
        var r1 = SplitMix64(seed: 1, stream: 3), r2 = SplitMix64(seed: 1, stream: 3), r3 = SplitMix64(seed: 1, stream: 4)
        let a = PaperMonteCarlo.run(p, U: 2, proposals: 5000, rng: &r1)
        let b = PaperMonteCarlo.run(p, U: 2, proposals: 5000, rng: &r2)
        let c = PaperMonteCarlo.run(p, U: 2, proposals: 5000, rng: &r3)
        #expect(a.steps == 5000 && a.convergence.last?.step == 5000 && a.convergence.count == 101)
        #expect(a.occupations == b.occupations && a.energy == b.energy && a.convergence == b.convergence)
        #expect(a.convergence != c.convergence)
        // Energies never increase along the run (only dE < -eps is kept).
        for (x, y) in zip(a.convergence, a.convergence.dropFirst()) { #expect(y.energy <= x.energy) }
    }

    /// U = 0: both algorithms leave the paramagnetic Fermi sea alone.
    @Test func zeroInteractionGivesFermiSea() {
        var rng = SplitMix64(seed: 11)
        for n in [1, 8, 15, 30] {
            let p = randomProblem(levels: 15, particles: n, rng: &rng)
            let d = LocalSearchMinimizer().run(p, U: 0)
            var r = SplitMix64(seed: 1)
            let mc = PaperMonteCarlo.run(p, U: 0, proposals: 5000, rng: &r)
            let sea = p.fermiSea()
            #expect(d.occupations.total == sea.total)
            #expect(mc.occupations == sea)
            #expect(abs(d.energy - p.energy(sea, U: 0)) < 1e-12)
        }
    }

    /// Appendix A: two levels without overlap (chi_12 = 0, chi_11 = chi_22 = 1), N = 2: both
    /// singly occupied exactly when xi_2 - xi_1 < U, else level 1 doubly occupied.
    @Test(arguments: [0.3, 0.9, 1.1, 2.5])
    func twoLevelAppendixA(gap: Double) {
        let u = 1.0
        let p = GroundStateProblem(xi: [0.2, 0.2 + gap], chi: [1, 0, 0, 1], particles: 2)
        let d = LocalSearchMinimizer().run(p, U: u)
        var r = SplitMix64(seed: 2)
        let mc = PaperMonteCarlo.run(p, U: u, proposals: 200, rng: &r)
        for res in [d, mc] {
            if gap < u {
                #expect(res.occupations.polarized == 2)
                #expect(abs(res.energy - (0.4 + gap)) < 1e-12)
            } else {
                #expect(res.occupations.up == [1, 0] && res.occupations.dn == [1, 0])
                #expect(abs(res.energy - (0.4 + u)) < 1e-12)
            }
        }
    }

    /// Attractive U on two overlapping levels: the pair sits on one level.
    @Test func attractivePairs() {
        let p = GroundStateProblem(xi: [0, 0.1], chi: [0.5, 0.1, 0.1, 0.6], particles: 2)
        let d = LocalSearchMinimizer().run(p, U: -1)
        // E(level 2 doubly) = 0.2 - 0.6 = -0.4 < E(level 1 doubly) = -0.5? No: -0.5 is lower.
        #expect(d.occupations.up == [1, 0] && d.occupations.dn == [1, 0])
        let q = GroundStateProblem(xi: [0, 0.05], chi: [0.2, 0.0, 0.0, 0.6], particles: 2)
        let e = LocalSearchMinimizer().run(q, U: -1)  // level 2: 0.1 - 0.6 = -0.5 < level 1: -0.2
        #expect(e.occupations.up == [0, 1] && e.occupations.dn == [0, 1])
        let obs = GroundStateObservables(problem: q, result: e, U: -1)
        #expect(obs.pairsAboveFermi == 1 && obs.holesBelowFermi == 1)
    }
}
