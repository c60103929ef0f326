#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FermiGlassModel
import FermiGlassSolvers

/// Unrestricted collinear Hartree-Fock for the Hubbard model H = H0 + U sum_i n_i,up n_i,dn
/// (the paper's Eqs. 5-6 and A1 with a Hubbard interaction):
///
///     H_s = H0 + U diag(<n_i,-s>),            s = up, dn,
///
/// solved self-consistently at fixed total particle number N. The HF energy is the expectation
/// value of H in the Slater determinant of the occupied orbitals (Eq. 14):
///
///     E_HF = sum_{occupied a,s} E_as - U sum_i <n_i,up><n_i,dn>
///          = sum_{occupied a,s} <phi_as|H0|phi_as> + U sum_i <n_i,up><n_i,dn>.
///
/// Both forms are computed; they agree at self-consistency (their difference is reported).
/// Units: energies in units of the hoppings (t1 = 1 in the paper's preset); densities are per
/// spin per site, moments m_i = <n_i,up> - <n_i,dn>.
///
/// Modes:
/// * `paramagnetic`: <n_i,up> = <n_i,dn> is imposed (one spin channel is solved, the other is
///   the same array); N/2 orbitals per spin are occupied.
/// * `free`: spin-unrestricted. By default the spin split is free: at each iteration the N
///   lowest levels of the two spin channels together are occupied (aufbau over both spins, a
///   common chemical potential), so N_up is whatever minimises the energy. `spinUp` fixes N_up
///   instead. Several starts from seeded random moments; the lowest energy is kept.
///
/// Self-consistency is reached by Anderson (Pulay/DIIS) mixing of the input densities
/// (``HartreeFockOptions/Mixing``); linear mixing is available for comparison.
///
/// At W = 9 the aufbau often has no fixed point: two localized levels at E_F trade places
/// (occupying one raises it above the other by its Hartree shift ~ U IPR). With the default
/// `occupation = .automatic` the aufbau runs until it stalls (``AufbauStall``: residual above
/// 1e-4 and no factor-2 improvement of the best residual over 25 iterations), at most
/// ``HartreeFockOptions/automaticAufbauBudget`` iterations; then, from the stalled attempt's
/// best densities, the paramagnet continues by the maximum-overlap method and free mode fixes
/// that spin split and does the same per spin. Every attempt is recorded in
/// ``HartreeFockResult/runs`` (start -1 is the warm start from `initial`).
public enum HartreeFock {}

/// Which HF problem to solve.
public enum HartreeFockMode: String, CaseIterable, Sendable {
    case paramagnetic
    case free
}

/// Settings of a Hartree-Fock run.
public struct HartreeFockOptions: Sendable {
    /// How input and output densities of successive iterations are combined.
    public enum Mixing: Sendable, Equatable {
        /// x_{k+1} = x_k + beta (g(x_k) - x_k).
        case linear(beta: Double)
        /// Anderson mixing (type II, "Pulay/DIIS") with the last `history` differences:
        /// x_{k+1} = x_k + beta f_k - (dX + beta dF) gamma, gamma = argmin |f_k - dF gamma|.
        case anderson(history: Int, beta: Double)
        /// The optimal damping algorithm (Cances and Le Bris 2000), for aufbau filling at T = 0,
        /// handing over to Anderson mixing near convergence (``HartreeFockOptions/dampingHandover``).
        /// The iterate is a (mixed) one-body density matrix D_k, of which only the diagonal
        /// x_k = diag(D_k) and K_k = tr(H0 D_k) are needed, because the Hubbard energy
        ///
        ///     E(D) = tr(H0 D_up) + tr(H0 D_dn) + U sum_i n_up(i) n_dn(i)
        ///
        /// depends on D only through them. Each step fills the lowest levels of H_s(x_k)
        /// (the determinant D~ with diagonal g(x_k)) and moves to D_k + lambda (D~ - D_k), with
        /// lambda in [0, 1] minimising E exactly; E is quadratic in lambda:
        ///
        ///     E(lambda) = E(D_k) + c1 lambda + c2 lambda^2,
        ///     c1 = K~ - K_k + U sum_i (x_up d_dn + d_up x_dn),   c2 = U sum_i d_up d_dn,
        ///
        /// with d = g(x_k) - x_k (paramagnetic: per-spin x, 2U sum x d and U sum d^2). c1 <= 0
        /// because D~ minimises tr(F(x_k) D') over all admissible D', so the energy never rises:
        /// the iteration cannot cycle between two fillings the way mixing of densities can when
        /// localized levels at E_F trade places. For U > 0 in free mode the minimiser over mixed
        /// states is a determinant (Bach, Lieb and Solovej 1994), so it converges to an aufbau HF
        /// solution. Linear convergence: slower than Anderson mixing where that converges.
        case optimalDamping
        /// Energy-DIIS (``EnergyDIIS``): like optimal damping, but the next state minimizes the
        /// HF energy exactly over the convex hull of the last `history` output determinants and
        /// the current state, instead of over the segment between the current state and the
        /// latest output. The energy never rises; the extra directions let it move several
        /// slowly settling moments at once where optimal damping creeps (60x60, U = 2). Hands
        /// over to Anderson mixing near convergence like optimal damping. history in 1...11.
        case energyDIIS(history: Int)

        /// Whether the iterates descend the HF energy (optimal damping, energy-DIIS).
        public var descendsEnergy: Bool {
            switch self {
            case .optimalDamping, .energyDIIS: return true
            case .linear, .anderson: return false
            }
        }

        public var beta: Double {
            switch self {
            case .linear(let b), .anderson(_, let b): return b
            case .optimalDamping, .energyDIIS: return 1
            }
        }

        public var description: String {
            switch self {
            case .linear(let b): return "linear(beta=\(b))"
            case .anderson(let m, let b): return "anderson(history=\(m), beta=\(b))"
            case .optimalDamping: return "optimal-damping"
            case .energyDIIS(let m): return "energy-diis(history=\(m))"
            }
        }
    }

    /// Hubbard U (units of the hoppings). Must be finite.
    public var U: Double
    public var mode: HartreeFockMode = .paramagnetic
    /// Free mode: number of seeded random starts (the lowest converged energy is kept), besides
    /// the warm start when `solve` is given initial densities. 0: the warm start alone (one
    /// random start when there are no initial densities).
    public var starts: Int = 4
    /// Seed of the random initial moments (start k uses stream k).
    public var seed: UInt64 = 1
    /// Free mode: initial moments m_i uniform in [-a, a] around the uniform density.
    public var initialMomentAmplitude: Double = 0.5
    /// Free mode: fixed N_up (nil: free spin split, aufbau over both spins).
    public var spinUp: Int? = nil
    public var mixing: Mixing = .anderson(history: 8, beta: 0.5)
    /// Converged when max_i,s |n_out - n_in| <= densityTolerance ...
    public var densityTolerance: Double = 1e-9
    /// ... and |E_k - E_{k-1}| <= energyTolerance (absolute, total energy).
    public var energyTolerance: Double = 1e-9
    public var maxIterations: Int = 500
    /// Diagonalize only the levels the aufbau needs (dsyevr) during the iterations; the final
    /// solution is always diagonalized completely (dsyevd). False (default): dsyevd every
    /// iteration, measured 1.3-1.5x faster than dsyevr for the lowest ~42% of levels on 30x30
    /// (docs/benchmarks/hartree-fock.md).
    public var partialDiagonalization: Bool = false
    /// Optional annealing before the T = 0 iterations: for each temperature (units of the
    /// hoppings, descending) the densities are iterated to self-consistency with Fermi-Dirac
    /// occupations (one chemical potential for both spins in free mode, per spin otherwise), to
    /// `annealingTolerance`, and the result seeds the next stage. A thermal start lets the most
    /// unstable magnetic mode grow first instead of freezing random domains (which at large U
    /// are metastable HF solutions). The stages use linear mixing with `mixing`'s beta (which,
    /// unlike Anderson mixing, moves away from unstable fixed points such as the paramagnet
    /// below its ordering temperature) for at most `annealingIterations` each; after optimal
    /// damping or energy-DIIS (beta 1, no mixing) they use the default Anderson mixing.
    /// Empty: no annealing. Costs full diagonalizations. At 30x30, W = 9, U = 2 (realization 0)
    /// stages at T = 0.05, 0.02 used their 40 iterations each and the T = 0 loop then needed 85,
    /// against 69 without annealing, ending at a higher minimum (docs/benchmarks/hartree-fock.md).
    public var annealing: [Double] = []
    /// How orbitals are filled. Free mode with a free spin split always uses the aufbau (over
    /// both spins); its automatic fallback fixes the last split and fills by maximum overlap.
    public enum Occupation: String, Sendable, CaseIterable {
        /// The N/2 lowest levels of H_HF.
        case aufbau
        /// The maximum-overlap method: the N/2 orbitals with the largest projection on the
        /// previous iteration's occupied space, continuing the Fermi sea it started from. The
        /// converged state may leave an empty level below an occupied one (an aufbau violation).
        case maximumOverlap = "maximum-overlap"
        /// Aufbau; if that has no fixed point, maximum overlap from the same start.
        case automatic
    }
    public var occupation: Occupation = .automatic
    /// Iterations the automatic rule gives the aufbau at most before switching to maximum overlap.
    public static let automaticAufbauBudget = 80
    /// Automatic rule: stop the aufbau as soon as it has stalled (``AufbauStall``) instead of
    /// after the whole budget, and start the fallback from the stalled attempt's best input
    /// densities instead of the start. False: the whole budget, fallback from the start (the
    /// behaviour before the stall test, kept for comparison).
    public var stopStalledAufbau: Bool = true
    /// Optimal damping hands over to Anderson mixing below this density residual. Near
    /// convergence the line search's slope c1 is O(residual^2) and is lost in the rounding of
    /// the kinetic energies (~1e-13 of |E|): on 30x30 at U = 1 damping alone stopped moving at
    /// a residual of 1e-6 (lambda = 0), while Anderson mixing converges from 1e-4.
    public static let dampingHandover = 1e-4
    /// The residual below which optimal damping and energy-DIIS hand over to Anderson mixing
    /// (default ``dampingHandover``). Both converge only linearly near a solution (at 30x30,
    /// U = 2 by ~7% per iteration from 1e-2 on), where Anderson mixing converges in a few steps;
    /// if Anderson mixing then raises the residual above this again, damping resumes from the
    /// output determinant.
    public var handover: Double = HartreeFockOptions.dampingHandover
    public var annealingTolerance: Double = 1e-8
    public var annealingIterations: Int = 40

    public init(U: Double, mode: HartreeFockMode = .paramagnetic) {
        self.U = U
        self.mode = mode
    }

    /// Throws ``HartreeFockError/invalidArgument(_:)`` naming the first bad setting.
    public func validate(sites: Int, particles: Int) throws {
        guard U.isFinite else { throw HartreeFockError.invalidArgument("U must be a finite number, got \(U)") }
        guard particles > 0, particles < 2 * sites else {
            throw HartreeFockError.invalidArgument("particle number must satisfy 0 < N < \(2 * sites), got \(particles)")
        }
        if mode == .paramagnetic && particles % 2 != 0 {
            throw HartreeFockError.invalidArgument("paramagnetic HF needs an even particle number, got \(particles)")
        }
        guard starts >= 0 else { throw HartreeFockError.invalidArgument("the number of starts must be non-negative, got \(starts)") }
        guard initialMomentAmplitude.isFinite, initialMomentAmplitude >= 0, initialMomentAmplitude <= 1 else {
            throw HartreeFockError.invalidArgument("the initial moment amplitude must be in [0, 1], got \(initialMomentAmplitude)")
        }
        let beta = mixing.beta
        guard beta.isFinite, beta > 0, beta <= 1 else {
            throw HartreeFockError.invalidArgument("the mixing parameter beta must be in (0, 1], got \(beta)")
        }
        if case .anderson(let m, _) = mixing, m < 1 {
            throw HartreeFockError.invalidArgument("the Anderson history must be at least 1, got \(m)")
        }
        if case .energyDIIS(let m) = mixing, m < 1 || m > 11 {
            throw HartreeFockError.invalidArgument("the energy-DIIS history must be in 1...11, got \(m)")
        }
        guard densityTolerance > 0, energyTolerance > 0 else {
            throw HartreeFockError.invalidArgument("tolerances must be positive")
        }
        guard handover.isFinite, handover > 0 else {
            throw HartreeFockError.invalidArgument("the hand-over residual must be positive, got \(handover)")
        }
        guard annealing.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw HartreeFockError.invalidArgument("annealing temperatures must be positive, got \(annealing)")
        }
        guard annealingIterations >= 1, annealingTolerance > 0 else {
            throw HartreeFockError.invalidArgument("annealing needs at least one iteration per stage and a positive tolerance")
        }
        guard maxIterations >= 1 else { throw HartreeFockError.invalidArgument("max iterations must be at least 1") }
        if occupation == .maximumOverlap && mode == .free && spinUp == nil {
            throw HartreeFockError.invalidArgument("maximum-overlap filling in free mode needs a fixed N_up")
        }
        if let nUp = spinUp {
            guard mode == .free else {
                throw HartreeFockError.invalidArgument("a fixed N_up is only meaningful in free mode")
            }
            guard nUp >= 0, nUp <= particles, nUp <= sites, particles - nUp <= sites else {
                throw HartreeFockError.invalidArgument("N_up = \(nUp) is impossible for N = \(particles) on \(sites) sites")
            }
        }
    }
}

/// When the automatic occupation rule declares the aufbau stalled: when the current density
/// residual is above `residual` and the best residual of the attempt is not smaller than
/// 1/`improvement` times the best residual `window` iterations earlier (from iteration
/// `firstIteration` = window + 1 on, the first with that much history).
///
/// Chosen from the residual traces at the paper's parameters (docs/benchmarks/hartree-fock.md):
/// a stalled aufbau (two levels at E_F trading places) keeps its residual at 1e-3 to 0.3 with
/// no factor-2 improvement of the best for as long as it runs (80 iterations and more), while
/// an aufbau that converges improves the best residual by more than a factor 2 per 25
/// iterations, but not always per 15: on 30x30, realization 2, free mode at U = 1 the residual
/// sat at 7e-3 to 2e-2 for 17 iterations (11 to 28) and then converged (73 iterations), which a
/// 15-iteration window would have cut off. At 60x60 (realization 0, U = 0.5) it stopped the
/// stalled paramagnetic aufbau at iteration 40 and the stalled free warm start at 37. Below 1e-4 an attempt is never stopped (Anderson
/// mixing can crawl there; it is close to a fixed point, not trading levels). A false stall
/// costs only time: the fallback also converges to a self-consistent state, and the lowest
/// energy is kept.
public enum AufbauStall {
    public static let window = 25
    public static let firstIteration = window + 1
    public static let residual = 1e-4
    public static let improvement = 2.0

    /// `residuals[k]` is the residual of iteration k + 1.
    public static func isStalled(_ residuals: [Double]) -> Bool {
        let it = residuals.count
        guard it >= firstIteration, let current = residuals.last, current > residual else { return false }
        let bestNow = residuals.min()!
        let bestBefore = residuals[0..<(it - window)].min()!
        return bestNow * improvement > bestBefore
    }
}

/// Failures of a Hartree-Fock run, with what to change.
public enum HartreeFockError: Error, CustomStringConvertible, Equatable {
    case invalidArgument(String)
    /// The self-consistency loop did not meet both tolerances.
    case notConverged(iterations: Int, densityResidual: Double, energyChange: Double, mixing: String, U: Double)
    /// The Fermi level falls inside a degenerate shell, where the Slater determinant is not unique.
    case degenerateFermiLevel(String)

    public var description: String {
        switch self {
        case .invalidArgument(let m): return m
        case .degenerateFermiLevel(let m): return m
        case .notConverged(let it, let r, let de, let mixing, let u):
            return "Hartree-Fock at U = \(u) did not converge in \(it) iterations with \(mixing): last density residual "
                + "max|n_out - n_in| = \(r), last energy change \(de). Raise --max-iterations, lower --mixing-beta, "
                + "use --mixing anderson with a longer --mixing-history, use --mixing ediis (the energy never rises; "
                + "continue an unconverged run from its partial/ densities with --warm-start), or loosen --density-tolerance/--energy-tolerance. "
                + "If the residual stalls at order 0.1, two localized levels at the Fermi energy keep trading places "
                + "(occupying one raises it above the other by its Hartree shift): the aufbau state then has no "
                + "self-consistent solution, which is itself a sign of the instability the paper describes."
        }
    }
}

/// The state of a running self-consistency loop after an iteration: the next input densities
/// per spin (equal in paramagnetic mode), and the iteration's number, density residual and
/// energy (with optimal damping or energy-DIIS that of the mixed state).
public struct HartreeFockSnapshot: Sendable {
    public var up: [Double]
    public var down: [Double]
    public var iteration: Int
    public var residual: Double
    public var energy: Double
}

/// One spin channel of a converged HF solution.
public struct HartreeFockChannel: Sendable {
    /// Eigenpairs of H_s (ascending; all levels for a final solution).
    public var orbitals: Eigenpairs
    /// Number of occupied orbitals: columns 0 ..< occupied of `orbitals`. With the aufbau these
    /// are the lowest levels; with maximum overlap the occupied orbitals are moved first (each
    /// block stays ascending), so `orbitals.values` need not be ascending across the boundary.
    public var occupied: Int
    /// <n_i,s>, per site.
    public var density: [Double]

    /// The highest occupied and the lowest empty HF level, when they exist.
    public var highestOccupied: Double? { occupied > 0 ? orbitals.values[0..<occupied].max() : nil }
    public var lowestEmpty: Double? { occupied < orbitals.count ? orbitals.values[occupied...].min() : nil }
    /// Occupied levels lying above the lowest empty level (0 for an aufbau state).
    public var aufbauViolations: Int {
        guard let low = lowestEmpty else { return 0 }
        return orbitals.values[0..<occupied].filter { $0 > low }.count
    }
}

/// Convergence record of one start.
public struct HartreeFockRun: Sendable {
    public var start: Int
    public var converged: Bool
    public var iterations: Int
    public var densityResidual: Double
    public var energyChange: Double
    public var energy: Double
    /// |total S_z| = |N_up - N_dn| / 2 of this start's result.
    public var totalSz: Double
    /// The fixed N_up of this attempt (nil: free split). In free mode a start whose free-split
    /// iteration has no fixed point is retried at fixed splits around its last one.
    public var fixedSpinUp: Int?
    /// The paramagnetic occupation rule of this attempt.
    public var occupation: HartreeFockOptions.Occupation
    /// The energy of each iteration (``HartreeFock`` `Trace.energies`): with optimal damping
    /// that of the damped state, which never rises.
    public var energies: [Double] = []
}

/// A converged Hartree-Fock solution.
public struct HartreeFockResult: Sendable {
    /// The settings of the kept attempt (`occupation` is `.maximumOverlap` when the
    /// paramagnetic aufbau had no fixed point and the fallback was kept; `spinUp` is set when a
    /// fixed-split fallback was kept).
    public var options: HartreeFockOptions
    public var up: HartreeFockChannel
    public var down: HartreeFockChannel
    /// E_HF from the eigenvalues: sum_occ E_as - U sum_i n_up n_dn.
    public var energy: Double
    /// E_HF from H0: sum_occ <phi|H0|phi> + U sum_i n_up n_dn (an independent evaluation).
    public var energyFromH0: Double
    /// The start that was kept (free mode) and every start's record.
    public var start: Int
    public var runs: [HartreeFockRun]
    /// Iterations, density residual and energy change of the kept start.
    /// Index into `runs` of the kept attempt.
    public var keptRun: Int = 0
    public var iterations: Int { runs[keptRun].iterations }
    public var densityResidual: Double { runs[keptRun].densityResidual }
    public var energyChange: Double { runs[keptRun].energyChange }

    /// m_i = <n_i,up> - <n_i,dn>.
    public var moments: [Double] { zip(up.density, down.density).map { $0 - $1 } }
    /// <n_i> = <n_i,up> + <n_i,dn>.
    public var totalDensity: [Double] { zip(up.density, down.density).map { $0 + $1 } }
    /// |total S_z| = |N_up - N_dn| / 2.
    public var totalSz: Double { abs(Double(up.occupied - down.occupied)) / 2 }
    /// Number of sites with |m_i| > threshold.
    public func momentCount(threshold: Double) -> Int { moments.filter { abs($0) > threshold }.count }
    /// sum_i |m_i|.
    public var totalAbsoluteMoment: Double { moments.reduce(0) { $0 + abs($1) } }
    /// The Fermi energy: midway between the highest occupied and the lowest empty HF level over
    /// both spins (nil when every level of both spins is occupied or empty).
    public var fermiEnergy: Double? {
        let homo = [up.highestOccupied, down.highestOccupied].compactMap { $0 }.max()
        let lumo = [up.lowestEmpty, down.lowestEmpty].compactMap { $0 }.min()
        guard let h = homo, let l = lumo else { return nil }
        return 0.5 * (h + l)
    }
    /// Lowest empty minus highest occupied HF level over both spins.
    public var gap: Double? {
        let homo = [up.highestOccupied, down.highestOccupied].compactMap { $0 }.max()
        let lumo = [up.lowestEmpty, down.lowestEmpty].compactMap { $0 }.min()
        guard let h = homo, let l = lumo else { return nil }
        return l - h
    }
}

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
    public static func solve(h0: CSRMatrix, particles: Int, options: HartreeFockOptions,
                             initial: (up: [Double], down: [Double])? = nil,
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
        var candidates: [(start: Int, x: [Double])] = []
        switch options.mode {
        case .paramagnetic:
            let x: [Double]
            if let i = initial { x = zip(i.up, i.down).map { 0.5 * ($0 + $1) } } else {
                x = [Double](repeating: Double(particles) / Double(2 * n), count: n)
            }
            candidates.append((0, x))
        case .free:
            if let i = initial { candidates.append((-1, i.up + i.down)) }
            for s in 0..<(initial == nil ? max(1, options.starts) : options.starts) {
                candidates.append((s, problem.randomStart(stream: UInt64(s))))
            }
        }
        var best: (Problem.Outcome, Int, Problem, Int)? = nil
        var runs: [HartreeFockRun] = []
        var lastFailure: HartreeFockError? = nil
        for (start, x0) in candidates {
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
            if case .failure(let u) = attempts[0].1, options.mode == .free, options.spinUp == nil {
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
            for (p, r) in attempts {
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

// MARK: - The self-consistency loop

extension HartreeFock {
    struct Problem {
        let h0: CSRMatrix
        let n: Int
        let particles: Int
        let options: HartreeFockOptions
        /// Position of the diagonal entry of each row in h0.values.
        let diagonalIndex: [Int]
        /// Stop (as not converged) when ``AufbauStall`` says the iteration has stalled.
        let stopWhenStalled: Bool
        /// See ``HartreeFock/solve(h0:particles:options:initial:progress:snapshot:)``.
        var snapshot: ((HartreeFockSnapshot) -> Void)? = nil

        init(h0: CSRMatrix, particles: Int, options: HartreeFockOptions, stopWhenStalled: Bool = false) throws {
            self.stopWhenStalled = stopWhenStalled
            guard h0.rowCount == h0.columnCount, h0.rowCount > 0 else {
                throw HartreeFockError.invalidArgument("H0 must be a non-empty square matrix")
            }
            self.h0 = h0
            self.n = h0.rowCount
            self.particles = particles
            self.options = options
            var d = [Int](repeating: -1, count: n)
            for r in 0..<n {
                for k in h0.rowPointers[r]..<h0.rowPointers[r + 1] where Int(h0.columnIndices[k]) == r { d[r] = k }
                guard d[r] >= 0 else {
                    throw HartreeFockError.invalidArgument("H0 must store its full diagonal (row \(r) has none)")
                }
            }
            diagonalIndex = d
        }

        /// Seeded random start for free mode: n_s(i) = nbar + s m_i / 2, m_i uniform in [-a, a],
        /// rescaled so each spin channel holds the right number of particles.
        func randomStart(stream: UInt64) -> [Double] {
            var rng = SplitMix64(seed: options.seed, stream: stream)
            let nbar = Double(particles) / Double(2 * n)
            let a = options.initialMomentAmplitude * min(nbar, 1 - nbar) * 2
            var up = [Double](repeating: 0, count: n), dn = up
            for i in 0..<n {
                let m = a * (2 * SplitMix64.unitDouble(rng.next()) - 1)
                up[i] = nbar + m / 2
                dn[i] = nbar - m / 2
            }
            let (targetUp, targetDown) = options.spinUp.map { (Double($0), Double(particles - $0)) }
                ?? (Double(particles) / 2, Double(particles) / 2)
            let su = up.reduce(0, +), sd = dn.reduce(0, +)
            for i in 0..<n { up[i] += (targetUp - su) / Double(n); dn[i] += (targetDown - sd) / Double(n) }
            return up + dn
        }

        /// Eigenpairs of H0 + U diag(potential): the lowest `levels` (dsyevr) or all (dsyevd).
        func diagonalize(potential: [Double], levels: Int, all: Bool) throws -> Eigenpairs {
            var values = h0.values
            for i in 0..<n { values[diagonalIndex[i]] += options.U * potential[i] }
            let h = CSRMatrix(rowCount: n, columnCount: n, rowPointers: h0.rowPointers,
                              columnIndices: h0.columnIndices, values: values)
            if all || !options.partialDiagonalization || levels >= n {
                return try DenseEigensolver.solve(h, selection: .all, vectors: true)
            }
            return try DenseEigensolver.solve(h, selection: .levels(0..<max(1, levels)), vectors: true)
        }

        /// sum_{a < occupied} |phi_a(i)|^2.
        static func density(_ pairs: Eigenpairs, occupied: Int) -> [Double] {
            let n = pairs.dimension
            var d = [Double](repeating: 0, count: n)
            pairs.vectors.withUnsafeBufferPointer { v in
                for a in 0..<occupied {
                    let base = a * n
                    for i in 0..<n { let x = v[base + i]; d[i] += x * x }
                }
            }
            return d
        }

        /// sum_{a < occupied} <phi_a|H0|phi_a>, by sparse products (independent of the eigenvalues).
        func kineticEnergy(_ pairs: Eigenpairs, occupied: Int) -> Double {
            var total = 0.0
            var y = [Double](repeating: 0, count: n)
            pairs.vectors.withUnsafeBufferPointer { v in
                y.withUnsafeMutableBufferPointer { yp in
                    for a in 0..<occupied {
                        let col = UnsafeBufferPointer(rebasing: v[(a * n)..<((a + 1) * n)])
                        h0.multiply(col, into: yp)
                        var s = 0.0
                        for i in 0..<n { s += col[i] * yp[i] }
                        total += s
                    }
                }
            }
            return total
        }

        struct Step {
            var up: Eigenpairs
            var down: Eigenpairs?   // nil in paramagnetic mode
            var nUp: Int
            var nDown: Int
            var output: [Double]    // output densities, same layout as the input
            /// Variational energy of the output determinant: sum_occ E - U sum n_in,-s n_out,s + U sum n_out,up n_out,dn.
            var energy: Double
        }

        /// One map x -> g(x): diagonalize H_s with the input densities and fill levels.
        func step(_ x: [Double], all: Bool, temperature: Double = 0, reference: [Double]? = nil) throws -> Step {
            let u = options.U
            if temperature > 0 { return try thermalStep(x, temperature: temperature) }
            switch options.mode {
            case .paramagnetic:
                let occ = particles / 2
                var pairs = try diagonalize(potential: x, levels: occ + 1, all: all)
                if let ref = reference {
                    pairs = try maximumOverlap(x, pairs: pairs, reference: ref, occupied: occ)
                }
                let out = Self.density(pairs, occupied: occ)
                var e = 2 * pairs.values[0..<occ].reduce(0, +)
                for i in 0..<n { e += -2 * u * x[i] * out[i] + u * out[i] * out[i] }
                return Step(up: pairs, down: nil, nUp: occ, nDown: occ, output: out, energy: e)
            case .free:
                let xUp = Array(x[0..<n]), xDn = Array(x[n..<(2 * n)])
                var nUp: Int, nDn: Int
                var up: Eigenpairs, dn: Eigenpairs
                if let fixed = options.spinUp {
                    nUp = fixed; nDn = particles - fixed
                    up = try diagonalize(potential: xDn, levels: nUp + 1, all: all)
                    dn = try diagonalize(potential: xUp, levels: nDn + 1, all: all)
                    if let ref = reference {
                        // Maximum overlap in each channel; the reference holds the up then the
                        // down occupied orbitals.
                        if nUp > 0 { up = try maximumOverlap(xDn, pairs: up, reference: Array(ref[0..<(n * nUp)]), occupied: nUp) }
                        if nDn > 0 { dn = try maximumOverlap(xUp, pairs: dn, reference: Array(ref[(n * nUp)...]), occupied: nDn) }
                    }
                } else {
                    // Aufbau over both spins: enough levels per spin for any split near N/2; if
                    // a channel's computed levels are all taken, recompute it completely.
                    let want = min(n, particles / 2 + max(16, n / 25))
                    up = try diagonalize(potential: xDn, levels: want, all: all)
                    dn = try diagonalize(potential: xUp, levels: want, all: all)
                    (nUp, nDn) = Self.aufbau(up.values, dn.values, particles: particles)
                    if (nUp >= up.count && up.count < n) || (nDn >= dn.count && dn.count < n) {
                        up = try diagonalize(potential: xDn, levels: n, all: true)
                        dn = try diagonalize(potential: xUp, levels: n, all: true)
                        (nUp, nDn) = Self.aufbau(up.values, dn.values, particles: particles)
                    }
                }
                let outUp = Self.density(up, occupied: nUp), outDn = Self.density(dn, occupied: nDn)
                var e = up.values[0..<nUp].reduce(0, +) + dn.values[0..<nDn].reduce(0, +)
                for i in 0..<n {
                    e += -u * (xDn[i] * outUp[i] + xUp[i] * outDn[i]) + u * outUp[i] * outDn[i]
                }
                return Step(up: up, down: dn, nUp: nUp, nDown: nDn, output: outUp + outDn, energy: e)
            }
        }

        /// Reorders `pairs` so that the `occupied` orbitals with the largest projection
        /// sum_a (phi_b . ref_a)^2 on the reference occupied space come first (maximum overlap
        /// method); recomputes every level when the choice reaches the last computed one.
        func maximumOverlap(_ x: [Double], pairs p: Eigenpairs, reference: [Double], occupied occ: Int) throws -> Eigenpairs {
            var pairs = p
            if pairs.count < n {
                let want = min(n, occ + max(16, n / 25))
                pairs = try diagonalize(potential: x, levels: want, all: want >= n)
            }
            while true {
                let m = pairs.count
                let o = BLAS.transposeProduct(pairs.vectors, reference, rows: n, aColumns: m, bColumns: occ)
                var weight = [Double](repeating: 0, count: m)
                for a in 0..<occ { for b in 0..<m { let v = o[b + a * m]; weight[b] += v * v } }
                let chosen = Set((0..<m).sorted { weight[$0] != weight[$1] ? weight[$0] > weight[$1] : $0 < $1 }.prefix(occ))
                if chosen.contains(m - 1) && m < n {
                    pairs = try diagonalize(potential: x, levels: n, all: true)
                    continue
                }
                let order = (0..<m).filter { chosen.contains($0) } + (0..<m).filter { !chosen.contains($0) }
                if order == Array(0..<m) { return pairs }
                var values = [Double](), vectors = [Double]()
                values.reserveCapacity(m); vectors.reserveCapacity(m * n)
                for b in order { values.append(pairs.values[b]); vectors += pairs.vectors[(b * n)..<((b + 1) * n)] }
                return Eigenpairs(values: values, vectors: vectors, dimension: n, firstLevel: 0)
            }
        }

        /// Fermi-Dirac occupations at temperature T (annealing only; the energy is not used).
        func thermalStep(_ x: [Double], temperature t: Double) throws -> Step {
            switch options.mode {
            case .paramagnetic:
                let pairs = try diagonalize(potential: x, levels: n, all: true)
                let f = Self.fermi([pairs.values], particles: Double(particles) / 2, temperature: t)[0]
                let out = Self.density(pairs, weights: f)
                return Step(up: pairs, down: nil, nUp: 0, nDown: 0, output: out, energy: .nan)
            case .free:
                let xUp = Array(x[0..<n]), xDn = Array(x[n..<(2 * n)])
                let up = try diagonalize(potential: xDn, levels: n, all: true)
                let dn = try diagonalize(potential: xUp, levels: n, all: true)
                let f: [[Double]]
                if let fixed = options.spinUp {
                    f = [Self.fermi([up.values], particles: Double(fixed), temperature: t)[0],
                         Self.fermi([dn.values], particles: Double(particles - fixed), temperature: t)[0]]
                } else {
                    f = Self.fermi([up.values, dn.values], particles: Double(particles), temperature: t)
                }
                return Step(up: up, down: dn, nUp: 0, nDown: 0,
                            output: Self.density(up, weights: f[0]) + Self.density(dn, weights: f[1]), energy: .nan)
            }
        }

        /// Fermi-Dirac occupations of the given spectra with one chemical potential fixed by
        /// the particle number (bisection).
        static func fermi(_ spectra: [[Double]], particles: Double, temperature t: Double) -> [[Double]] {
            func occupations(_ mu: Double) -> [[Double]] {
                spectra.map { $0.map { e in 1 / (1 + exp(min(700, (e - mu) / t))) } }
            }
            var lo = spectra.map { $0.first! }.min()! - 50 * t - 1, hi = spectra.map { $0.last! }.max()! + 50 * t + 1
            for _ in 0..<200 {
                let mid = 0.5 * (lo + hi)
                let count = occupations(mid).reduce(0) { $0 + $1.reduce(0, +) }
                if count < particles { lo = mid } else { hi = mid }
            }
            return occupations(0.5 * (lo + hi))
        }

        /// sum_a w_a |phi_a(i)|^2.
        static func density(_ pairs: Eigenpairs, weights: [Double]) -> [Double] {
            let n = pairs.dimension
            var d = [Double](repeating: 0, count: n)
            pairs.vectors.withUnsafeBufferPointer { v in
                for a in 0..<pairs.count where weights[a] > 1e-300 {
                    let base = a * n, w = weights[a]
                    for i in 0..<n { let x = v[base + i]; d[i] += w * x * x }
                }
            }
            return d
        }

        /// Numbers of up and down levels among the `particles` lowest of both spectra (ties to up).
        static func aufbau(_ a: [Double], _ b: [Double], particles: Int) -> (Int, Int) {
            var i = 0, j = 0
            while i + j < particles {
                if j >= b.count || (i < a.count && a[i] <= b[j]) { i += 1 } else { j += 1 }
            }
            return (i, j)
        }

        struct Outcome {
            var x: [Double]
            var energy: Double
            var iterations: Int
            var residual: Double
            var energyChange: Double
            var nUp: Int
            var nDown: Int
            /// Paramagnetic maximum overlap: the occupied orbitals of the last step (the reference
            /// for the final diagonalization).
            var reference: [Double]? = nil
            /// See ``Trace/energies``.
            var energies: [Double] = []
        }

        /// Whether this problem fills orbitals by maximum overlap.
        var usesOverlap: Bool {
            options.occupation == .maximumOverlap && (options.mode == .paramagnetic || options.spinUp != nil)
        }

        /// What a T = 0 iteration leaves behind when it fails: the last spin split, and the
        /// input densities with the smallest residual seen with their split.
        struct Trace {
            var lastUp: Int
            var bestX: [Double]
            var bestUp: Int
            var bestResidual = Double.infinity
            /// The energy of every iteration: with optimal damping that of the damped (mixed)
            /// state, non-increasing; otherwise that of the output determinant.
            var energies: [Double] = []
        }

        struct Unconverged: Error {
            var error: HartreeFockError
            var trace: Trace
        }

        /// ``iterate`` that also reports the last spin split and the best densities when it fails.
        func attempt(_ x0: [Double], progress: ((String) -> Void)?) -> Result<Outcome, Unconverged> {
            var trace = Trace(lastUp: particles / 2, bestX: x0, bestUp: particles / 2)
            do {
                return .success(try iterate(x0, progress: progress, trace: &trace))
            } catch let e as HartreeFockError {
                return .failure(Unconverged(error: e, trace: trace))
            } catch {
                return .failure(Unconverged(error: .invalidArgument("\(error)"), trace: trace))
            }
        }

        /// The self-consistency loop from input densities x0.
        func iterate(_ x0: [Double], temperature: Double = 0, progress: ((String) -> Void)?) throws -> Outcome {
            var trace = Trace(lastUp: 0, bestX: x0, bestUp: 0)
            return try iterate(x0, temperature: temperature, progress: progress, trace: &trace)
        }

        func iterate(_ x0: [Double], temperature: Double = 0, progress: ((String) -> Void)?, trace: inout Trace) throws -> Outcome {
            // Thermal stages: linear mixing, except after energy-descent mixings (whose beta is 1,
            // no mixing at all), which anneal with the default Anderson mixing.
            let thermalMixing: HartreeFockOptions.Mixing = options.mixing.descendsEnergy
                ? .anderson(history: 8, beta: 0.5) : .linear(beta: options.mixing.beta)
            var mixer = AndersonMixer(mixing: temperature > 0 ? thermalMixing : options.mixing)
            let maxIterations = temperature > 0 ? options.annealingIterations : options.maxIterations
            var x = x0
            var previousEnergy = Double.nan
            var residual = Double.infinity, energyChange = Double.infinity
            var reference: [Double]? = nil
            var residuals: [Double] = []
            // Optimal damping: K = tr(H0 D) of the current (mixed) state, nil before the first
            // step (the start x0 is a density, not a state: the first step takes lambda = 1).
            // Below ``HartreeFockOptions/handover`` Anderson mixing takes over (with a
            // fresh history; back to damping, from the output determinant, if the residual rises
            // above it again).
            let damped = options.mixing.descendsEnergy && temperature == 0 && !usesOverlap
            var kinetic: Double? = nil
            // Energy-DIIS: the states so far (cleared, like the kinetic energy, when damping resumes).
            func freshHistory() -> EnergyDIIS.History? {
                if case .energyDIIS(let m) = options.mixing { return EnergyDIIS.History(capacity: m) }
                return nil
            }
            var ediis = freshHistory()
            var handedOver = false
            trace.energies = []
            for it in 1...maxIterations {
                let s = try step(x, all: false, temperature: temperature, reference: reference)
                if usesOverlap && temperature == 0 {
                    reference = Array(s.up.vectors[0..<(n * s.nUp)]) + (s.down.map { Array($0.vectors[0..<(n * s.nDown)]) } ?? [])
                }
                var f = [Double](repeating: 0, count: x.count)
                residual = 0
                for k in 0..<x.count { f[k] = s.output[k] - x[k]; residual = max(residual, abs(f[k])) }
                if temperature == 0 {
                    trace.lastUp = s.nUp
                    if residual < trace.bestResidual { trace.bestResidual = residual; trace.bestX = x; trace.bestUp = s.nUp }
                }
                residuals.append(residual)
                var next: [Double]? = nil
                var energy = s.energy
                if damped && residual > options.handover {
                    if handedOver {
                        handedOver = false; kinetic = nil; ediis = freshHistory()
                    }
                    let step = ediis == nil
                        ? dampedStep(x: x, output: s.output, outputEnergy: s.energy, kinetic: kinetic)
                        : energyDIISStep(x: x, output: s.output, outputEnergy: s.energy, kinetic: kinetic, history: &ediis!)
                    next = step.x
                    kinetic = step.kinetic
                    energy = step.energy
                } else if damped && !handedOver {
                    handedOver = true
                    mixer = AndersonMixer(mixing: .optimalDamping)
                }
                trace.energies.append(energy)
                energyChange = previousEnergy.isNaN ? .infinity : abs(energy - previousEnergy)
                previousEnergy = energy
                if let p = progress {  // every iteration: at 60x60 one takes 10-30 s
                    p("iteration \(it): residual \(residual), energy \(energy)")
                }
                if temperature > 0 && residual <= options.annealingTolerance {
                    return Outcome(x: x, energy: .nan, iterations: it, residual: residual, energyChange: .nan, nUp: 0, nDown: 0)
                }
                if temperature == 0 && residual <= options.densityTolerance && energyChange <= options.energyTolerance {
                    return Outcome(x: x, energy: s.energy, iterations: it, residual: residual,
                                   energyChange: energyChange, nUp: s.nUp, nDown: s.nDown, reference: reference,
                                   energies: trace.energies)
                }
                if temperature == 0 && stopWhenStalled && AufbauStall.isStalled(residuals) {
                    progress?("iteration \(it): the aufbau has stalled (residual \(residual), best \(trace.bestResidual)); falling back")
                    throw HartreeFockError.notConverged(iterations: it, densityResidual: residual, energyChange: energyChange,
                                                        mixing: options.mixing.description, U: options.U)
                }
                x = next ?? mixer.next(x: x, f: f)
                if temperature == 0, let save = snapshot {
                    let up = Array(x[0..<n]), down = options.mode == .paramagnetic ? up : Array(x[n..<(2 * n)])
                    save(HartreeFockSnapshot(up: up, down: down, iteration: it, residual: residual, energy: energy))
                }
            }
            if temperature > 0 {
                return Outcome(x: x, energy: .nan, iterations: maxIterations, residual: residual, energyChange: .nan, nUp: 0, nDown: 0)
            }
            throw HartreeFockError.notConverged(iterations: options.maxIterations, densityResidual: residual,
                                                energyChange: energyChange, mixing: options.mixing.description, U: options.U)
        }

        /// One optimal-damping step (``HartreeFockOptions/Mixing/optimalDamping``) from the state
        /// with diagonal `x` and kinetic energy `kinetic` (nil: x is only a start, take the
        /// output determinant) towards the output determinant with diagonal `output` and
        /// variational energy `outputEnergy`. Returns the new state and its energy.
        func dampedStep(x: [Double], output: [Double], outputEnergy: Double, kinetic: Double?)
            -> (x: [Double], kinetic: Double, energy: Double)
        {
            let u = options.U
            // E(x, K) = K + U sum n_up n_dn (paramagnetic: x is per spin, K both spins, U sum x^2).
            func interaction(_ y: [Double]) -> Double { interactionForm(y, y) }
            let outputKinetic = outputEnergy - interaction(output)
            guard let k = kinetic else { return (output, outputKinetic, outputEnergy) }
            var c1 = outputKinetic - k, c2 = 0.0
            if options.mode == .paramagnetic {
                for i in 0..<n { let d = output[i] - x[i]; c1 += 2 * u * x[i] * d; c2 += u * d * d }
            } else {
                for i in 0..<n {
                    let du = output[i] - x[i], dd = output[n + i] - x[n + i]
                    c1 += u * (x[i] * dd + du * x[n + i]); c2 += u * du * dd
                }
            }
            // Minimise c1 l + c2 l^2 on [0, 1].
            var lambda: Double
            if c2 > 0 { lambda = min(1, max(0, -c1 / (2 * c2))) } else { lambda = c1 + c2 < 0 ? 1 : 0 }
            let y = zip(x, output).map { $0 + lambda * ($1 - $0) }
            let newKinetic = k + lambda * (outputKinetic - k)
            return (y, newKinetic, newKinetic + interaction(y))
        }

        /// U B(a, b), the bilinear form of the interaction energy (``EnergyDIIS``).
        func interactionForm(_ a: [Double], _ b: [Double]) -> Double {
            var e = 0.0
            if options.mode == .paramagnetic { for i in 0..<n { e += a[i] * b[i] } } else {
                for i in 0..<n { e += a[i] * b[n + i] + b[i] * a[n + i] }
                e *= 0.5
            }
            return options.U * e
        }

        /// One energy-DIIS step (``HartreeFockOptions/Mixing/energyDIIS(history:)``) from the
        /// state (x, kinetic) (nil: x is only a start) with the new output determinant.
        func energyDIISStep(x: [Double], output: [Double], outputEnergy: Double, kinetic: Double?,
                            history: inout EnergyDIIS.History) -> (x: [Double], kinetic: Double, energy: Double) {
            let outputKinetic = outputEnergy - interactionForm(output, output)
            let s = history.step(current: kinetic.map { (x, $0) }, output: output, outputKinetic: outputKinetic,
                                 bilinear: interactionForm)
            return (s.x, s.kinetic, s.energy)
        }

        /// Final, complete diagonalization at the converged input densities and the energy checks.
        func finish(_ o: Outcome, start: Int, runs: [HartreeFockRun]) throws -> HartreeFockResult {
            let s = try step(o.x, all: true, reference: o.reference)
            let u = options.U
            let up: HartreeFockChannel, down: HartreeFockChannel
            switch options.mode {
            case .paramagnetic:
                up = HartreeFockChannel(orbitals: s.up, occupied: s.nUp, density: s.output)
                down = up
            case .free:
                up = HartreeFockChannel(orbitals: s.up, occupied: s.nUp, density: Array(s.output[0..<n]))
                down = HartreeFockChannel(orbitals: s.down!, occupied: s.nDown, density: Array(s.output[n..<(2 * n)]))
            }
            var interaction = 0.0
            for i in 0..<n { interaction += u * up.density[i] * down.density[i] }
            let eigenSum = up.orbitals.values[0..<up.occupied].reduce(0, +) + down.orbitals.values[0..<down.occupied].reduce(0, +)
            let energy = eigenSum - interaction
            let kinetic = options.mode == .paramagnetic
                ? 2 * kineticEnergy(up.orbitals, occupied: up.occupied)
                : kineticEnergy(up.orbitals, occupied: up.occupied) + kineticEnergy(down.orbitals, occupied: down.occupied)
            let result = HartreeFockResult(options: options, up: up, down: down, energy: energy,
                                           energyFromH0: kinetic + interaction, start: start, runs: runs)
            return result
        }
    }
}

// MARK: - Anderson mixing

/// Anderson (type II, Pulay/DIIS) mixing of a fixed-point problem x = g(x) with residual
/// f = g(x) - x. With history differences dX_j = x_{j+1} - x_j, dF_j = f_{j+1} - f_j:
///
///     gamma   = argmin_g |f_k - dF g|_2          (normal equations, Tikhonov 1e-12 relative)
///     x_{k+1} = x_k + beta f_k - (dX + beta dF) gamma
///
/// The history is cleared when the residual grows tenfold above the best seen (a restart).
/// Linear mixing is the special case with no history.
struct AndersonMixer {
    let history: Int
    let beta: Double
    var lastX: [Double]? = nil
    var lastF: [Double]? = nil
    var dX: [[Double]] = []
    var dF: [[Double]] = []
    var bestNorm = Double.infinity

    init(mixing: HartreeFockOptions.Mixing) {
        switch mixing {
        case .linear(let b): history = 0; beta = b
        case .anderson(let m, let b): history = m; beta = b
        // Maximum-overlap filling has no variational line search: it falls back to the
        // default Anderson mixing.
        case .optimalDamping, .energyDIIS: history = 8; beta = 0.5
        }
    }

    mutating func next(x: [Double], f: [Double]) -> [Double] {
        let count = x.count
        var norm = 0.0
        for v in f { norm += v * v }
        norm = norm.squareRoot()
        if let lx = lastX, let lf = lastF, history > 0 {
            dX.append(zip(x, lx).map { $0 - $1 })
            dF.append(zip(f, lf).map { $0 - $1 })
            if dX.count > history { dX.removeFirst(); dF.removeFirst() }
        }
        if norm > 10 * bestNorm { dX.removeAll(); dF.removeAll() }
        bestNorm = min(bestNorm, norm)
        lastX = x
        lastF = f
        var out = x
        for k in 0..<count { out[k] += beta * f[k] }
        let m = dF.count
        guard m > 0 else { return out }
        // Normal equations A g = b, A_jl = dF_j . dF_l, b_j = dF_j . f.
        var a = [Double](repeating: 0, count: m * m)
        var b = [Double](repeating: 0, count: m)
        for j in 0..<m {
            for l in j..<m {
                var s = 0.0
                for k in 0..<count { s += dF[j][k] * dF[l][k] }
                a[j * m + l] = s; a[l * m + j] = s
            }
            var s = 0.0
            for k in 0..<count { s += dF[j][k] * f[k] }
            b[j] = s
        }
        var trace = 0.0
        for j in 0..<m { trace += a[j * m + j] }
        for j in 0..<m { a[j * m + j] += 1e-12 * trace / Double(m) + 1e-300 }
        guard let gamma = Self.solve(a, b, m) else { dX.removeAll(); dF.removeAll(); return out }
        for j in 0..<m {
            let g = gamma[j]
            for k in 0..<count { out[k] -= g * (dX[j][k] + beta * dF[j][k]) }
        }
        return out
    }

    /// Gaussian elimination with partial pivoting on a small dense system (row-major a).
    static func solve(_ a0: [Double], _ b0: [Double], _ m: Int) -> [Double]? {
        var a = a0, b = b0
        for c in 0..<m {
            var p = c
            for r in (c + 1)..<max(c + 1, m) where abs(a[r * m + c]) > abs(a[p * m + c]) { p = r }
            guard a[p * m + c] != 0, a[p * m + c].isFinite else { return nil }
            if p != c {
                for k in 0..<m { a.swapAt(c * m + k, p * m + k) }
                b.swapAt(c, p)
            }
            for r in (c + 1)..<max(c + 1, m) {
                let factor = a[r * m + c] / a[c * m + c]
                if factor == 0 { continue }
                for k in c..<m { a[r * m + k] -= factor * a[c * m + k] }
                b[r] -= factor * b[c]
            }
        }
        var x = [Double](repeating: 0, count: m)
        for r in stride(from: m - 1, through: 0, by: -1) {
            var s = b[r]
            for k in (r + 1)..<max(r + 1, m) { s -= a[r * m + k] * x[k] }
            x[r] = s / a[r * m + r]
        }
        return x.allSatisfy { $0.isFinite } ? x : nil
    }
}
