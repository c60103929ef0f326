import FermiGlassModel
import FermiGlassSolvers

/// The density of states of H0 by the kernel polynomial method on the matrix-free lattice
/// stencil (``KernelPolynomial``, ``LatticeStencil``): O(n) memory and O(n M R) work, for lattices
/// far beyond the dense path (60 x 60) -- 1000 x 1000 and more. Units: t1 = 1; the DOS is per
/// site, per unit energy, per spin (integrating to 1), as ``DensityOfStates/histogram``.
public enum KPMDensityOfStates {
    public struct Options: Sendable {
        /// M: Chebyshev moments (resolution ~ pi a / M for the Jackson kernel, a the half width).
        public var moments: Int
        /// R: random vectors per realization (relative error ~ 1 / sqrt(R n)).
        public var vectors: Int
        public var kernel: KPMKernel
        /// Seed of the random vectors (with the realization: ``vectorSeed(_:realization:)``).
        public var seed: UInt64
        /// Vectors per block (memory: 2 n x block doubles).
        public var blockSize: Int
        public var threads: Int
        /// Lanczos steps and safety margin of the spectral bounds (``SpectralBounds/estimate``).
        public var lanczosSteps: Int = 40
        public var margin: Double = 0.01

        public init(moments: Int, vectors: Int, kernel: KPMKernel = .jackson, seed: UInt64, blockSize: Int = 8, threads: Int = 1) {
            self.moments = moments
            self.vectors = vectors
            self.kernel = kernel
            self.seed = seed
            self.blockSize = blockSize
            self.threads = threads
        }
    }

    /// One realization's moments.
    public struct Realization: Sendable {
        public let bounds: SpectralBounds
        /// R vectors x M moments, per site.
        public let moments: StochasticMoments
        /// Exact local moments <i|T_n(H~)|i> for each requested LDOS site.
        public let localMoments: [[Double]]
        /// Block products H~ X spent on the stochastic trace (each on `blockSize` or fewer columns).
        public let blockProducts: Int
    }

    /// The seed of realization r's random vectors: splitmix64 of (seed, r) on its own stream, so
    /// that the vectors of different realizations are independent and none equals the disorder.
    public static func vectorSeed(_ seed: UInt64, realization r: Int) -> UInt64 {
        var g = SplitMix64(seed: seed, stream: UInt64(r) ^ 0x4B50_4D00_0000_0000)
        return g.next()
    }

    /// Bounds (Gershgorin + Lanczos), R stochastic vectors and the LDOS probes of one model.
    public static func moments(of model: DisorderedModel, realization r: Int, ldos sites: [Int] = [],
                               options o: Options) throws -> Realization {
        guard o.moments >= 2 else { throw ObservablesError.invalidArgument("the kernel polynomial method needs at least 2 moments, got \(o.moments)") }
        guard o.vectors >= 1 else { throw ObservablesError.invalidArgument("the stochastic trace needs at least 1 random vector, got \(o.vectors)") }
        let stencil = LatticeStencil(model: model, threads: o.threads)
        let bounds = try SpectralBounds.estimate(stencil, gershgorin: stencil.gershgorinInterval, steps: o.lanczosSteps,
                                                 margin: o.margin, seed: vectorSeed(o.seed, realization: r))
        let kpm = KernelPolynomial(stencil, bounds: bounds, threads: o.threads)
        let mu = try kpm.stochasticMoments(count: o.moments, vectors: o.vectors, seed: vectorSeed(o.seed, realization: r),
                                           blockSize: o.blockSize)
        let local = try kpm.probeMoments(sites: sites, count: o.moments, blockSize: o.blockSize)
        let blocks = (o.vectors + o.blockSize - 1) / max(1, o.blockSize)
        return Realization(bounds: bounds, moments: mu, localMoments: local, blockProducts: blocks * ((o.moments + 1) / 2))
    }

    /// The Fermi level of N particles from one realization's integrated DOS.
    public struct FermiEstimate: Sendable {
        /// KPM estimate: N(E_F) = N / (2 V) on the mean integrated DOS.
        public var energy: Double
        /// Its error: the standard error of N(E_F) over the vectors / rho(E_F).
        public var error: Double
        /// The DOS at the estimate (per site, per unit energy, per spin).
        public var density: Double
        /// The exact number of levels below `energy` (inertia count of H - E I), if measured.
        public var levelsBelow: Int?
        /// The estimate moved by (N/2 - levelsBelow) / (V rho(E_F)): the inertia count's correction.
        public var refinedEnergy: Double?
    }

    /// E_F for `filling` from the realization's moments; with `inertiaCount`, one LDL^T inertia
    /// count at the estimate (``ShiftInvertSolver/count(below:)``) gives the exact number of
    /// levels below it and a corrected estimate.
    public static func fermiLevel(_ filling: Filling, realization: Realization, kernel: KPMKernel,
                                  hamiltonian: CSRMatrix? = nil) throws -> FermiEstimate {
        let est = realization.moments.fermiEnergy(particles: filling.particles, sites: filling.siteCount, kernel: kernel,
                                                  bounds: realization.bounds)
        let rho = realization.moments.density(kernel: kernel, bounds: realization.bounds, at: [est.energy]).value[0]
        var out = FermiEstimate(energy: est.energy, error: est.error, density: rho)
        if let h = hamiltonian {
            let count = try ShiftInvertSolver(h).count(below: est.energy)
            out.levelsBelow = count.count
            out.refinedEnergy = count.energy + Double(filling.fermiIndex - count.count) / (Double(filling.siteCount) * max(rho, 1e-300))
        }
        return out
    }
}
