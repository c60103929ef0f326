#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FermiGlassModel
import FermiGlassSolvers

extension HartreeFock {
    /// Solves HF for the Hamiltonian `h0` (symmetric, with its full diagonal stored, as
    /// `DisorderedModel.hamiltonian()` builds it) with `particles` electrons.
    ///
    /// `initial`: optional starting densities (n_up, n_dn), e.g. a converged solution at a
    /// nearby U (warm start). In free mode it is used as one extra start beside the random ones
    /// (the only start with `options.starts == 0`).
    ///
    /// `snapshot`: called after every T = 0 iteration with the next input densities
    /// (n_up, n_dn), the iteration and the residual of the one just done, so that a caller can
    /// save them and a killed run can continue from them (as `initial`, a warm start).
    ///
    /// `neighbours` (free mode): further starts, numbered -2, -3, ...: the kept states of the
    /// neighbouring U of a sweep run in the other direction (``sweep(h0:particles:us:template:initial:bothDirections:stores:progress:snapshot:)``).
    ///
    /// `store` (free mode with stability): finished starts are saved there one by one, and a
    /// start found there (same number, kind and start densities) is restored instead of being
    /// run again, so a search can run in parts (``HartreeFockStartStore``).
    ///
    /// `initialStart`: the start number of `initial` (-1).
    public static func solve(h0: CSRMatrix, particles: Int, options: HartreeFockOptions,
                             initial: (up: [Double], down: [Double])? = nil,
                             neighbours: [(up: [Double], down: [Double])] = [],
                             store: HartreeFockStartStore? = nil,
                             initialStart: Int = -1,
                             progress: ((String) -> Void)? = nil,
                             snapshot: ((HartreeFockSnapshot) -> Void)? = nil) throws -> HartreeFockResult {
        let n = h0.rowCount
        try options.validate(sites: n, particles: particles)
        var problem = try Problem(h0: h0, particles: particles, options: options)
        problem.snapshot = snapshot
        // Fallback attempts: the same problem with other options, reporting to the same snapshot.
        func variant(_ o: HartreeFockOptions, stopWhenStalled: Bool = false) throws -> Problem {
            var p = try Problem(h0: h0, particles: particles, options: o, stopWhenStalled: stopWhenStalled)
            p.snapshot = snapshot
            return p
        }
        if let i = initial {
            guard i.up.count == n, i.down.count == n else {
                throw HartreeFockError.invalidArgument("initial densities must have one value per site (\(n))")
            }
        }
        for nb in neighbours where nb.up.count != n || nb.down.count != n {
            throw HartreeFockError.invalidArgument("neighbour densities must have one value per site (\(n))")
        }
        var candidates: [Candidate] = []
        switch options.mode {
        case .paramagnetic:
            let x: [Double]
            if let i = initial { x = zip(i.up, i.down).map { 0.5 * ($0 + $1) } } else {
                x = [Double](repeating: Double(particles) / Double(2 * n), count: n)
            }
            candidates.append(Candidate(start: 0, kind: initial == nil ? .random : .warm, x: x))
        case .free:
            if let i = initial { candidates.append(Candidate(start: initialStart, kind: .warm, x: i.up + i.down)) }
            for (k, nb) in neighbours.enumerated() { candidates.append(Candidate(start: -2 - k, kind: .neighbour, x: nb.up + nb.down)) }
            let seeded = initial != nil || !neighbours.isEmpty
            let others = options.susceptibilityStarts + options.firstOrderStarts
            for s in 0..<(seeded || others > 0 ? options.starts : max(1, options.starts)) {
                candidates.append(Candidate(start: s, kind: .random, x: problem.randomStart(stream: UInt64(s))))
            }
            var next = max(0, candidates.last.map { $0.start + 1 } ?? 0)
            // A warm start with starts = 0 is a continuation: it runs alone.
            let alone = seeded && options.starts == 0
            for x in try problem.susceptibilityStarts(count: alone ? 0 : options.susceptibilityStarts) {
                candidates.append(Candidate(start: next, kind: .susceptibility, x: x))
                next += 1
            }
            for x in try problem.firstOrderStarts(count: alone ? 0 : options.firstOrderStarts) {
                candidates.append(Candidate(start: next, kind: .firstOrder, x: x))
                next += 1
            }
            // No start at all (starts = 0 and no mode could be formed): one random start.
            if candidates.isEmpty { candidates.append(Candidate(start: 0, kind: .random, x: problem.randomStart(stream: 0))) }
        }
        // One start: annealing stages, then the attempts of the occupation rule (the first and
        // its fallbacks), each converged or not.
        func attempts(_ start: Int, _ x0: [Double]) throws -> [(Problem, Result<Problem.Outcome, Problem.Unconverged>)] {
            var x0 = x0
            for t in options.annealing {
                // A stage that does not converge within its iterations still hands on its last densities.
                let stage = progress.map { p in { (s: String) in p("start \(start), T = \(t): " + s) } }
                x0 = try problem.iterate(x0, temperature: t, progress: stage).x
            }
            let report = progress.map { p in { (s: String) in p("start \(start): " + s) } }
            var attempts: [(Problem, Result<Problem.Outcome, Problem.Unconverged>)] = []
            var first = problem
            if options.occupation == .automatic && (options.mode == .paramagnetic || options.spinUp == nil)
                && !options.mixing.descendsEnergy {
                // The aufbau either converges or stalls for good (levels trading places at E_F):
                // stop it when it stalls (AufbauStall), at the latest after the budget, and
                // fall back to maximum overlap.
                var o = options
                o.maxIterations = min(options.maxIterations, HartreeFockOptions.automaticAufbauBudget)
                first = try variant(o, stopWhenStalled: options.stopStalledAufbau)
            }
            attempts.append((first, first.attempt(x0, progress: report)))
            // The fallback continues from the stalled attempt's best densities (those with the
            // smallest residual), not from the start, unless the old behaviour is asked for.
            let fallbackStart: (Problem.Unconverged) -> [Double] = { u in options.stopStalledAufbau ? u.trace.bestX : x0 }
            if case .failure(let u) = attempts[0].1, options.mode == .free, options.spinUp == nil, options.stability,
               !options.mixing.descendsEnergy {
                // The search: first descend the energy from the stalled attempt's best densities
                // with energy-DIIS and the aufbau over both spins. Energy-monotone, it ends at an
                // aufbau state where maximum overlap with Anderson mixing at the stalled split
                // mostly wandered for its whole budget (10 x 10, W = 9, U = 3: 6 of 9 starts,
                // 3000 of 3400 iterations; docs/benchmarks/hartree-fock.md). From a spin-symmetric
                // start (a paramagnet) it stays symmetric and can end on a mixed state with
                // fractional occupation at E_F (no determinant): then the fallback below.
                var o = options
                o.mixing = .energyDIIS(history: 8)
                o.occupation = .aufbau
                let descent = try variant(o)
                attempts.append((descent, descent.attempt(fallbackStart(u), progress: report)))
            }
            if case .failure(let u) = attempts[0].1, options.mode == .free, options.spinUp == nil,
               attempts.count == 1 || { if case .failure = attempts[1].1 { return true } else { return false } }() {
                // Free split without a fixed point: levels at the Fermi energy keep trading
                // places (between spins, whose levels may cross, or within a spin, as in the
                // paramagnet). Fall back to a fixed split (that of the best densities; the
                // last one with stopStalledAufbau = false) with maximum-overlap filling.
                var o = options
                o.spinUp = options.stopStalledAufbau ? u.trace.bestUp : u.trace.lastUp
                if options.occupation == .automatic { o.occupation = .maximumOverlap }
                if (try? o.validate(sites: n, particles: particles)) != nil {
                    let fixed = try variant(o)
                    attempts.append((fixed, fixed.attempt(fallbackStart(u), progress: report)))
                }
            }
            if case .failure(let u) = attempts[0].1, options.mode == .paramagnetic, options.occupation == .automatic {
                // No aufbau fixed point: continue the Fermi sea by maximum overlap instead.
                var o = options
                o.occupation = .maximumOverlap
                let overlap = try variant(o)
                attempts.append((overlap, overlap.attempt(fallbackStart(u), progress: report)))
            }
            return attempts
        }
        if options.stability && options.mode == .free {
            var r = try searchMinima(candidates, h0: h0, particles: particles, options: options, store: store,
                                     progress: progress, attempts: attempts)
            if options.stabilityRadius { r.stabilityRadius = try StabilityRadius.of(r) }
            return r
        }
        var best: (Problem.Outcome, Int, Problem, Int)? = nil
        var runs: [HartreeFockRun] = []
        var lastFailure: HartreeFockError? = nil
        for c in candidates {
            let start = c.start
            for (p, r) in try attempts(start, c.x) {
                switch r {
                case .success(let outcome):
                    runs.append(HartreeFockRun(start: start, converged: true, iterations: outcome.iterations,
                                               densityResidual: outcome.residual, energyChange: outcome.energyChange,
                                               energy: outcome.energy, totalSz: abs(Double(outcome.nUp - outcome.nDown)) / 2,
                                               fixedSpinUp: p.options.spinUp, occupation: p.options.occupation,
                                               energies: outcome.energies))
                    if best == nil || outcome.energy < best!.0.energy - 1e-12 * max(1, abs(outcome.energy)) {
                        best = (outcome, start, p, runs.count - 1)
                    }
                case .failure(let u):
                    guard case .notConverged(let it, let res, let de, _, _) = u.error else { throw u.error }
                    lastFailure = u.error
                    runs.append(HartreeFockRun(start: start, converged: false, iterations: it, densityResidual: res,
                                               energyChange: de, energy: .nan, totalSz: .nan, fixedSpinUp: p.options.spinUp,
                                               occupation: p.options.occupation, energies: u.trace.energies))
                }
            }
        }
        guard let (outcome, start, p, kept) = best else { throw lastFailure! }
        var result = try p.finish(outcome, start: start, runs: runs)
        result.keptRun = kept
        if options.stability { result.stability = try stability(of: result) }
        if options.stability && options.stabilityRadius { result.stabilityRadius = try StabilityRadius.of(result) }
        return result
    }

    /// The HF energy functional evaluated on the Slater determinant that fills the lowest
    /// levels of H_s = H0 + U diag(n_in,-s): its exact expectation value
    /// <H0> + U sum_i n_out,up n_out,dn (an upper bound on the HF minimum). Used to check that
    /// a solution is stationary. `occupiedUp`/`occupiedDown` orbitals per spin.
    public static func determinantEnergy(h0: CSRMatrix, U: Double, inputUp: [Double], inputDown: [Double],
                                         occupiedUp: Int, occupiedDown: Int) throws -> Double {
        let problem = try Problem(h0: h0, particles: occupiedUp + occupiedDown, options: HartreeFockOptions(U: U, mode: .free))
        let up = try problem.diagonalize(potential: inputDown, levels: occupiedUp, all: false)
        let dn = try problem.diagonalize(potential: inputUp, levels: occupiedDown, all: false)
        let nUp = Problem.density(up, occupied: occupiedUp)
        let nDn = Problem.density(dn, occupied: occupiedDown)
        var e = problem.kineticEnergy(up, occupied: occupiedUp) + problem.kineticEnergy(dn, occupied: occupiedDown)
        for i in 0..<nUp.count { e += U * nUp[i] * nDn[i] }
        return e
    }
}
