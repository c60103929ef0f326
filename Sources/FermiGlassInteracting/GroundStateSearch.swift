import FermiGlassModel

/// One point of a run's convergence record: after `step` proposals (paper) or sweeps/restarts
/// (default), the energy E1 and the number of polarized levels.
public struct ConvergencePoint: Sendable, Equatable, Codable {
    public var step: Int
    public var energy: Double
    public var polarized: Int
}

/// The outcome of a ground-state search.
public struct GroundStateResult: Sendable, Codable {
    /// Which algorithm produced it ("paper" or "default").
    public var algorithm: String
    public var occupations: Occupations
    /// The full E1 (frozen core included), recomputed from scratch with the dense chi.
    public var energy: Double
    /// |E1 with the dense chi - E1 bookkept with the sparse chi| at the final configuration:
    /// the error the chi threshold causes (plus rounding drift).
    public var thresholdEnergyError: Double
    /// Proposals (paper) or single-move sweeps (default) performed.
    public var steps: Int
    /// Accepted moves.
    public var accepted: Int
    public var convergence: [ConvergencePoint]
}

/// The paper's Monte Carlo (Sec. IV, Fig. 2), exactly as CONVENTIONS.md §2 spells it out:
///
///     start from the paramagnetic Fermi sea; for each of P proposals (every one counts):
///       k, p = two window levels drawn independently and uniformly
///       if k == p, or all four slots of (k, p) are full, or all four empty: next proposal
///       pick one occupied slot of the four uniformly and one empty slot of the four uniformly
///       (a same-level spin flip when both lie on one level)
///       move the particle; keep it only if dE < -eps (eps = 1e-12 times the energy scale)
///
/// Each proposal costs O(1) (the energy change comes from the local fields of ``EnergyState``),
/// an accepted one O(k). The random numbers come from `rng` only (seed it per realization and U).
public enum PaperMonteCarlo {
    public static func run(_ problem: GroundStateProblem, U: Double, proposals: Int,
                           rng: inout SplitMix64, records: Int = 100) -> GroundStateResult {
        let k = problem.count
        var state = EnergyState(problem: problem, U: U, chi: SparseOverlap(problem), start: problem.fermiSea())
        var conv = [ConvergencePoint(step: 0, energy: state.energy, polarized: state.occupations.polarized)]
        let every = max(1, proposals / max(records, 1))
        var accepted = 0
        var full = [Slot](), empty = [Slot]()
        full.reserveCapacity(4); empty.reserveCapacity(4)
        for step in 1...max(proposals, 1) where proposals > 0 {
            let a = Int.random(in: 0..<k, using: &rng)
            let b = Int.random(in: 0..<k, using: &rng)
            if a != b {
                full.removeAll(keepingCapacity: true)
                empty.removeAll(keepingCapacity: true)
                for s in [Slot(a, 0), Slot(a, 1), Slot(b, 0), Slot(b, 1)] {
                    if state.occupied(s) { full.append(s) } else { empty.append(s) }
                }
                if !full.isEmpty && !empty.isEmpty {
                    let from = full[Int.random(in: 0..<full.count, using: &rng)]
                    let to = empty[Int.random(in: 0..<empty.count, using: &rng)]
                    let d = state.delta(from: from, to: to)
                    if d < -state.tolerance {
                        state.apply(from: from, to: to, delta: d)
                        accepted += 1
                    }
                }
            }
            if step % every == 0 || step == proposals {
                conv.append(ConvergencePoint(step: step, energy: state.energy, polarized: state.occupations.polarized))
            }
        }
        let exact = problem.energy(state.occupations, U: U)
        return GroundStateResult(algorithm: "paper", occupations: state.occupations, energy: exact,
                                 thresholdEnergyError: abs(exact - state.energy), steps: proposals,
                                 accepted: accepted, convergence: conv)
    }
}

/// The default minimizer: deterministic local search with escapes.
///
/// 1. Sweeps: for every occupied slot in turn, the best single move to any empty slot (all
///    levels, both spins: hops, same-level spin flips and hops with a spin change) is applied if
///    it lowers E1 by more than eps; sweeps repeat until none does (a 1-move local minimum).
/// 2. Pair moves: for the `pairCandidates` single moves of lowest dE, apply the move and then
///    the best single move after it; keep the pair if the total lowers E1, then go back to 1.
/// 3. Restarts (iterated local search): `restarts` times, kick the best configuration found by
///    a few random single moves (seeded) and repeat 1-2; keep the result if it is lower.
///
/// Energies are updated incrementally over chi truncated at `chiThreshold` (O(neighbours) per
/// applied move); the reported energy is recomputed with the problem's whole stored chi and the
/// difference is returned as ``GroundStateResult/thresholdEnergyError``. The search works on the
/// local structure of chi (``IndexedState``): a particle's best move is found among its chi
/// partners and the minimum of per-spin trees, O((partners + 1) log k) instead of O(k), so a
/// sweep costs O(k (partners + 1) log k) and nothing holds k^2 numbers; it makes the same
/// choices as a scan over every slot (ties to the lowest (level, spin)).
public struct LocalSearchMinimizer: Sendable {
    public var chiThreshold: Double = 0
    public var pairCandidates: Int = 16
    public var restarts: Int = 10
    public var seed: UInt64 = 1
    public var stream: UInt64 = 0
    /// How a particle's best move is found: per-spin trees over chi's partners, a scan of every
    /// slot, or automatic (scan when chi stores more than k^2 / 8 entries). The same choices
    /// either way; only the cost differs.
    public var moveSearch: MoveSearch = .automatic

    public enum MoveSearch: Sendable { case automatic, trees, scan }

    public init(chiThreshold: Double = 0, pairCandidates: Int = 16, restarts: Int = 10, seed: UInt64 = 1, stream: UInt64 = 0) {
        self.chiThreshold = chiThreshold
        self.pairCandidates = pairCandidates
        self.restarts = restarts
        self.seed = seed
        self.stream = stream
    }

    public func run(_ problem: GroundStateProblem, U: Double, start: Occupations? = nil) -> GroundStateResult {
        let chi = SparseOverlap(problem, threshold: chiThreshold)
        var state = IndexedState(EnergyState(problem: problem, U: U, chi: chi, start: start ?? problem.fermiSea()), mode: moveSearch)
        var conv = [ConvergencePoint(step: 0, energy: state.energy, polarized: state.occupations.polarized)]
        var counters = (steps: 0, accepted: 0)
        Self.minimize(&state, pairCandidates: pairCandidates, counters: &counters, convergence: &conv)
        var best = state.state
        var rng = SplitMix64(seed: seed, stream: stream)
        let k = problem.count
        if problem.particles > 0 && problem.particles < 2 * k {
            for _ in 0..<restarts {
                var kicked = best
                var ranks = SlotRanks(kicked.occupations)
                let kicks = 1 + Int.random(in: 0..<max(2, k / 4), using: &rng)
                for _ in 0..<kicks {
                    let from = ranks.select(Int.random(in: 0..<ranks.occupiedCount, using: &rng), occupied: true)
                    let to = ranks.select(Int.random(in: 0..<ranks.emptyCount, using: &rng), occupied: false)
                    kicked.apply(from: from, to: to)
                    ranks.add(2 * from.level + from.spin, -1)
                    ranks.add(2 * to.level + to.spin, 1)
                }
                var trial = IndexedState(kicked, mode: moveSearch)
                Self.minimize(&trial, pairCandidates: pairCandidates, counters: &counters, convergence: &conv)
                if trial.energy < best.energy - best.tolerance { best = trial.state }
                conv.append(ConvergencePoint(step: counters.steps, energy: best.energy, polarized: best.occupations.polarized))
            }
        }
        let exact = problem.energy(best.occupations, U: U)
        return GroundStateResult(algorithm: "default", occupations: best.occupations, energy: exact,
                                 thresholdEnergyError: abs(exact - best.energy), steps: counters.steps,
                                 accepted: counters.accepted, convergence: conv)
    }

    /// The occupied (or empty) slots of a configuration, levels ascending, up before down.
    static func slots(_ s: EnergyState, occupied: Bool) -> [Slot] {
        var out = [Slot]()
        for a in 0..<s.occupations.count {
            for spin in 0..<2 where s.occupied(Slot(a, spin)) == occupied { out.append(Slot(a, spin)) }
        }
        return out
    }

    /// Sweeps to a single-move minimum, then pair moves, until neither lowers E1.
    static func minimize(_ state: inout IndexedState, pairCandidates: Int,
                         counters: inout (steps: Int, accepted: Int), convergence: inout [ConvergencePoint]) {
        while true {
            while sweep(&state, accepted: &counters.accepted) {
                counters.steps += 1
                convergence.append(ConvergencePoint(step: counters.steps, energy: state.energy, polarized: state.occupations.polarized))
            }
            counters.steps += 1
            guard pairMove(&state, candidates: pairCandidates) else { return }
            counters.accepted += 2
        }
    }

    /// One sweep over every occupied slot (levels ascending, up before down): each particle
    /// takes its best move if that lowers E1 by more than the tolerance; true if any did.
    static func sweep(_ state: inout IndexedState, accepted: inout Int) -> Bool {
        var improved = false
        for a in 0..<state.occupations.count {
            for s in 0..<2 {
                let from = Slot(a, s)
                guard state.state.occupied(from), let (to, d) = state.bestTarget(from: from), d < -state.tolerance else { continue }
                state.apply(from: from, to: to, delta: d)
                accepted += 1
                improved = true
            }
        }
        return improved
    }

    /// Tries pairs of moves starting with the `candidates` lowest-dE single moves (ties by
    /// (from, to) in ascending order); applies the first pair that lowers E1 and returns true.
    /// The lowest moves are taken from each particle's partners and its `candidates` lowest
    /// non-partner targets per spin (``IndexedState/candidateTargets(from:m:)``), which contain
    /// the lowest `candidates` of all moves; the second move is the best single move after the
    /// first over every particle.
    static func pairMove(_ state: inout IndexedState, candidates: Int) -> Bool {
        guard candidates > 0 else { return false }
        var moves = [(Double, Slot, Slot)]()
        for a in 0..<state.occupations.count {
            for s in 0..<2 where state.state.occupied(Slot(a, s)) {
                for (t, d) in state.candidateTargets(from: Slot(a, s), m: candidates) { moves.append((d, Slot(a, s), t)) }
            }
        }
        moves.sort { $0.0 < $1.0 || ($0.0 == $1.0 && ($0.1.level, $0.1.spin, $0.2.level, $0.2.spin) < ($1.1.level, $1.1.spin, $1.2.level, $1.2.spin)) }
        for (d1, f, t) in moves.prefix(candidates) {
            var trial = state
            trial.apply(from: f, to: t, delta: d1)
            var best = Double.infinity
            var second: (Slot, Slot)? = nil
            for a in 0..<trial.occupations.count {
                for s in 0..<2 where trial.state.occupied(Slot(a, s)) {
                    if let (to, d) = trial.bestTarget(from: Slot(a, s)), d < best { best = d; second = (Slot(a, s), to) }
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
