import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers
import Testing
@testable import FermiGlassInteracting

/// The sparse chi of the ground-state problem (issue 18): stored only for the pairs whose
/// supports meet, the minimizer searching on its local structure.
@Suite("Sparse chi of the ground-state problem")
struct GroundStateSparseChiTests {
    /// Paper model (t1 = 1, t2 = 0.6, periodic, filling 5/6) on L x L at disorder W: the dense
    /// problem of `half` levels each side of E_F (exact core) and the window's dense states.
    static func denseWindow(size l: Int, disorder w: Double, half: Int) throws -> (DisorderedModel, GroundStateProblem, Eigenpairs, Int) {
        let lattice = try Lattice(lx: l, ly: l, boundary: .periodic)
        let m = try DisorderedModel(lattice: lattice, parameters: ModelParameters(t1: 1, t2: 0.6, disorderStrength: w, mu: 0),
                                    seed: 3, realization: 1)
        let filling = try Filling(filling: 5.0 / 6.0, siteCount: l * l)
        let f = filling.fermiIndex
        let window = (f - half)..<(f + half)
        let pairs = try DenseEigensolver.solve(m.hamiltonian(), selection: .levels(0..<window.upperBound), vectors: true)
        let dense = try GroundStateProblem(pairs: pairs, window: window, totalParticles: filling.particles)
        return (m, dense, pairs, filling.particles)
    }

    /// 10 x 10, W = 9, nothing discarded: every state covers the lattice, every pair meets, and
    /// the problem built on the compressed store (chi from ``MeetingOverlaps``, all pairs)
    /// gives the dense problem's chi to rounding and the same minimizer results: occupations of
    /// the default search and of the paper Monte Carlo, census counts; energies to 1e-12.
    @Test func allPairsMeetingGiveTheDenseResult() throws {
        let (m, dense, pairs, particles) = try Self.denseWindow(size: 10, disorder: 9, half: 20)
        let core = GroundStateProblem.coreDensity(pairs: pairs, below: dense.firstLevel)
        let window = pairs.subset(dense.firstLevel..<(dense.firstLevel + dense.count))
        let local = try LocalEigenstates(compressing: window, lattice: m.lattice, maxDiscardedWeight: 0)
        let meeting = MeetingOverlaps(local)
        #expect(meeting.pairsMeeting == meeting.pairsTotal)
        #expect(meeting.droppedWeightBound == 0)
        var band = 0.0
        for c in 0..<dense.firstLevel { band += 2 * pairs.values[c] }
        let sparse = try GroundStateProblem(window: local, coreDensity: core, coreBandEnergy: band, totalParticles: particles)
        #expect(sparse.overlap.nonzeroCount == dense.overlap.nonzeroCount)
        let diff = zip(sparse.denseChi, dense.denseChi).map { abs($0 - $1) }.max()!
        #expect(diff < 1e-15, "chi differs by \(diff)")
        for u in [0.5, 1.0, 2.0] {
            let search = LocalSearchMinimizer(pairCandidates: 16, restarts: 4, seed: 7)
            let a = search.run(dense, U: u), b = search.run(sparse, U: u)
            #expect(a.occupations == b.occupations, "U = \(u): default search")
            #expect(abs(a.energy - b.energy) < 1e-12)
            var r1 = SplitMix64(seed: 11), r2 = SplitMix64(seed: 11)
            let p1 = PaperMonteCarlo.run(dense, U: u, proposals: 20_000, rng: &r1)
            let p2 = PaperMonteCarlo.run(sparse, U: u, proposals: 20_000, rng: &r2)
            #expect(p1.occupations == p2.occupations, "U = \(u): paper Monte Carlo")
            let c1 = dense.census(U: u), c2 = sparse.census(U: u)
            #expect(c1.oneSidedLevels == c2.oneSidedLevels && c1.twoSidedLevels == c2.twoSidedLevels)
            #expect(a.occupations.polarized > 0 || u < 1, "U = \(u): no moment at all")
        }
    }

    /// 40 x 40, W = 40, states cut to their rectangles at 1e-6 discarded weight: pairs are
    /// dropped, and every chi_ac (stored or dropped) is within the reported per-pair bound of
    /// the exact chi of the uncut states; the minimizer on the sparse problem reaches an E1
    /// (evaluated with the exact dense chi) within U x (bound x pairs of its particles) of the
    /// dense problem's minimum found by the same search.
    @Test func droppedPairsStayWithinTheBound() throws {
        let (m, dense, pairs, particles) = try Self.denseWindow(size: 40, disorder: 40, half: 60)
        let window = pairs.subset(dense.firstLevel..<(dense.firstLevel + dense.count))
        let local = try LocalEigenstates(compressing: window, lattice: m.lattice, maxDiscardedWeight: 1e-6)
        let meeting = MeetingOverlaps(local)
        print("40 x 40 W = 40, 120 states: \(meeting.pairsMeeting) of \(meeting.pairsTotal) pairs meet, bound \(meeting.droppedWeightBound)")
        #expect(meeting.pairsMeeting < meeting.pairsTotal / 2)
        #expect(meeting.droppedWeightBound > 0 && meeting.droppedWeightBound <= 2e-6)
        let exact = dense.denseChi, stored = meeting.overlap.dense()
        let k = dense.count
        var worst = 0.0
        for a in 0..<k { for c in 0..<k { worst = max(worst, abs(exact[a + c * k] - stored[a + c * k])) } }
        print("max |chi exact - chi stored| = \(worst)")
        #expect(worst <= meeting.droppedWeightBound + 1e-15)
        let core = GroundStateProblem.coreDensity(pairs: pairs, below: dense.firstLevel)
        var band = 0.0
        for c in 0..<dense.firstLevel { band += 2 * pairs.values[c] }
        let sparse = try GroundStateProblem(window: local, coreDensity: core, coreBandEnergy: band, totalParticles: particles)
        for u in [1.0, 2.0] {
            let search = LocalSearchMinimizer(pairCandidates: 16, restarts: 4, seed: 7)
            let a = search.run(dense, U: u), b = search.run(sparse, U: u)
            // E1 of one configuration with the stored and the exact chi: at most U N_up N_dn x bound apart.
            let onDense = dense.energy(b.occupations, U: u)
            let pairsBound = u * meeting.droppedWeightBound * Double(dense.particles * dense.particles) / 4
            #expect(abs(onDense - b.energy) <= pairsBound + 1e-9, "U = \(u): \(onDense) vs \(b.energy)")
            print("U = \(u): dense search \(a.energy), sparse search on the exact chi \(onDense), same occupations: \(a.occupations == b.occupations)")
            #expect(onDense <= a.energy + pairsBound + 1e-9, "U = \(u): \(onDense) vs \(a.energy)")
        }
    }

    /// The indexed search makes the same choices as a scan over every slot (the algorithm before
    /// the sparse chi, kept here as the reference): identical occupations and bit-identical
    /// energies on random problems, dense and with entries dropped by a threshold, in both
    /// move-search modes (trees forced, scan forced).
    @Test func indexedSearchEqualsTheFullScan() {
        var rng = SplitMix64(seed: 99)
        for trial in 0..<12 {
            let k = 12 + trial * 3
            let p = randomProblem(levels: k, particles: k, rng: &rng, sites: k + 4)
            for (u, threshold) in [(0.8, 0.0), (2.5, 0.0), (1.5, 0.04), (-1.0, 0.0)] {
                var search = LocalSearchMinimizer(chiThreshold: threshold, pairCandidates: 8, restarts: 3, seed: 5, stream: UInt64(trial))
                let old = ScanReference.run(p, U: u, search: search)
                for mode in [LocalSearchMinimizer.MoveSearch.trees, .scan] {
                    search.moveSearch = mode
                    let new = search.run(p, U: u)
                    #expect(new.occupations == old.occupations, "trial \(trial) U = \(u) threshold \(threshold) \(mode)")
                    #expect(new.energy == old.energy && new.steps == old.steps && new.accepted == old.accepted)
                }
            }
        }
    }
}

/// The default minimizer as it was with a dense scan: every move of every particle evaluated.
enum ScanReference {
    static func run(_ problem: GroundStateProblem, U: Double, search: LocalSearchMinimizer) -> GroundStateResult {
        var state = EnergyState(problem: problem, U: U, chi: SparseOverlap(problem, threshold: search.chiThreshold), start: problem.fermiSea())
        var counters = (steps: 0, accepted: 0)
        minimize(&state, search.pairCandidates, &counters)
        var best = state
        var rng = SplitMix64(seed: search.seed, stream: search.stream)
        let k = problem.count
        if problem.particles > 0 && problem.particles < 2 * k {
            for _ in 0..<search.restarts {
                var trial = best
                let kicks = 1 + Int.random(in: 0..<max(2, k / 4), using: &rng)
                for _ in 0..<kicks {
                    let occ = LocalSearchMinimizer.slots(trial, occupied: true), emp = LocalSearchMinimizer.slots(trial, occupied: false)
                    trial.apply(from: occ[Int.random(in: 0..<occ.count, using: &rng)], to: emp[Int.random(in: 0..<emp.count, using: &rng)])
                }
                minimize(&trial, search.pairCandidates, &counters)
                if trial.energy < best.energy - best.tolerance { best = trial }
            }
        }
        let exact = problem.energy(best.occupations, U: U)
        return GroundStateResult(algorithm: "default", occupations: best.occupations, energy: exact,
                                 thresholdEnergyError: abs(exact - best.energy), steps: counters.steps, accepted: counters.accepted, convergence: [])
    }

    static func minimize(_ state: inout EnergyState, _ candidates: Int, _ counters: inout (steps: Int, accepted: Int)) {
        while true {
            while sweep(&state, &counters.accepted) { counters.steps += 1 }
            counters.steps += 1
            guard pairMove(&state, candidates) else { return }
            counters.accepted += 2
        }
    }

    static func bestMove(_ state: EnergyState, from: Slot) -> (Slot, Double)? {
        var best = -state.tolerance
        var target: Slot? = nil
        for b in 0..<state.occupations.count {
            for t in 0..<2 where !state.occupied(Slot(b, t)) {
                let d = state.delta(from: from, to: Slot(b, t))
                if d < best { best = d; target = Slot(b, t) }
            }
        }
        return target.map { ($0, best) }
    }

    static func sweep(_ state: inout EnergyState, _ accepted: inout Int) -> Bool {
        var improved = false
        for a in 0..<state.occupations.count {
            for s in 0..<2 {
                guard state.occupied(Slot(a, s)), let (to, d) = bestMove(state, from: Slot(a, s)) else { continue }
                state.apply(from: Slot(a, s), to: to, delta: d)
                accepted += 1
                improved = true
            }
        }
        return improved
    }

    static func pairMove(_ state: inout EnergyState, _ candidates: Int) -> Bool {
        guard candidates > 0 else { return false }
        let occ = LocalSearchMinimizer.slots(state, occupied: true), emp = LocalSearchMinimizer.slots(state, occupied: false)
        var moves = [(Double, Slot, Slot)]()
        for f in occ { for t in emp { moves.append((state.delta(from: f, to: t), f, t)) } }
        moves.sort { $0.0 < $1.0 || ($0.0 == $1.0 && ($0.1.level, $0.1.spin, $0.2.level, $0.2.spin) < ($1.1.level, $1.1.spin, $1.2.level, $1.2.spin)) }
        for (d1, f, t) in moves.prefix(candidates) {
            var trial = state
            trial.apply(from: f, to: t, delta: d1)
            var best = Double.infinity
            var second: (Slot, Slot)? = nil
            for f2 in LocalSearchMinimizer.slots(trial, occupied: true) {
                for t2 in 0..<trial.occupations.count * 2 where !trial.occupied(Slot(t2 / 2, t2 % 2)) {
                    let d = trial.delta(from: f2, to: Slot(t2 / 2, t2 % 2))
                    if d < best { best = d; second = (f2, Slot(t2 / 2, t2 % 2)) }
                }
            }
            if let (f2, t2) = second, d1 + best < -state.tolerance {
                trial.apply(from: f2, to: t2, delta: best)
                state = trial
                return true
            }
        }
        return false
    }
}
