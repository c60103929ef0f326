#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FermiGlassModel
import FermiGlassSolvers

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
    /// the warm start when `solve` is given initial densities and the susceptibility and
    /// first-order starts. 0: the warm start alone (without initial densities: the
    /// susceptibility and first-order starts, or one random start when there are none).
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
    /// Compute the second-order stability (lowest collinear orbital Hessian eigenvalue) of the
    /// kept state and, in free mode, follow every start's negative modes down to a minimum
    /// (``HartreeFock/followInstabilities(from:h0:maxSteps:angles:progress:)``), keeping the
    /// lowest minimum. False: the self-consistent states as the iteration leaves them.
    public var stability: Bool = true
    /// Free mode: extra starts along the leading eigenvectors of the U = 0 susceptibility Pi_0
    /// (numbered `starts`, `starts + 1`, ... after the random ones; none when a warm start is
    /// given with `starts` = 0, which then runs alone).
    public var susceptibilityStarts: Int = 4
    /// Free mode: extra starts from the first-order ground state's occupations of H0's levels
    /// (``HartreeFock`` `firstOrderStarts`; the first with the spins of its singly occupied levels
    /// aligned, as the product's moment map, the others with seeded random orientations),
    /// numbered after the susceptibility starts.
    public var firstOrderStarts: Int = 1
    /// Free mode with stability: basin hops after the starts, each a local kick of the lowest
    /// minimum found so far followed by a descent to a minimum (``HartreeFock/kick(up:down:h0:particles:seed:hop:)``),
    /// numbered after every other start. 0: none. A warm start run alone (`starts` = 0) hops too.
    public var hops: Int = 0

    /// The front end's default number of basin hops for a lattice of `sites` sites: 16 up to 256
    /// sites, 0 above. On 10 x 10, W = 9 lattices the free-HF landscape at U >= 3 holds tens of
    /// distinct minima; the starts alone reached the lowest known one in 1 of 9 cases, 16 hops
    /// in 4 of 9, at about twice the search's cost (docs/benchmarks/hartree-fock.md, eighth
    /// session). Above 256 sites a start costs minutes to an hour, so hops are asked for.
    public static func defaultHops(sites: Int) -> Int { sites <= 256 ? 16 : 0 }
    /// With `stability`: also rho(U^2 Pi_up Pi_dn) of the kept state (``StabilityRadius``;
    /// two Pi products per Lanczos step, about the cost of the Hessian's lowest eigenvalue).
    public var stabilityRadius: Bool = true
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
        guard firstOrderStarts >= 0 else {
            throw HartreeFockError.invalidArgument("the number of first-order starts must be non-negative, got \(firstOrderStarts)")
        }
        guard hops >= 0 else { throw HartreeFockError.invalidArgument("the number of hops must be non-negative, got \(hops)") }
        guard susceptibilityStarts >= 0 else {
            throw HartreeFockError.invalidArgument("the number of susceptibility starts must be non-negative, got \(susceptibilityStarts)")
        }
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
