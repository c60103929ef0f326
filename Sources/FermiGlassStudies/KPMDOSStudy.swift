import FermiGlassIO
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers
import Foundation

/// The density of states by the kernel polynomial method (`fermiglass dos --method kpm`): no
/// diagonalization, O(sites) memory, on the matrix-free t-t'-W stencil (RMP 78, 275).
///
/// Units: one per (W, realization), W-major as in ``DOSStudy``. Each holds the spectral bounds
/// [b - a, b + a], M Chebyshev moments mu_n = <r|T_n(H~)|r> / V of R random +-1 vectors
/// (seeded by the seed and the realization), the exact local moments of the LDOS sites, and with
/// a filling the KPM Fermi energy (the integrated DOS per spin equals N / (2 V)), refined by
/// one inertia count of H - E_F up to ``inertiaSiteLimit`` sites.
/// Aggregate: rho(E) and the integrated DOS on a grid of spacing `gridSpacing` covering every
/// realization's bounds, mean and standard error over all R x realizations vectors.
public struct KPMDOSStudy: Study {
    public var spec: ModelSpec
    public var disorderStrengths: [Double]
    public var options: KPMDensityOfStates.Options
    /// LDOS sites i = x + Lx y.
    public var ldosSites: [Int]
    public var gridSpacing: Double

    /// Up to this many sites, E_F is refined by one inertia count (an LDL^T factorization of
    /// H - E_F: affordable in time and memory; about 1 GB of factor at 512 x 512).
    public static let inertiaSiteLimit = 512 * 512

    public init(spec: ModelSpec, disorderStrengths: [Double], options: KPMDensityOfStates.Options, ldosSites: [Int] = [],
                gridSpacing: Double = 0.1) {
        self.spec = spec
        self.disorderStrengths = disorderStrengths
        self.options = options
        self.ldosSites = ldosSites
        self.gridSpacing = gridSpacing
    }

    /// E_F is refined by an inertia count.
    public var refine: Bool { spec.lattice.siteCount <= Self.inertiaSiteLimit }

    public var units: [Int] { Array(0..<disorderStrengths.count * spec.realizations.count) }

    var grid: DOSStudy { DOSStudy(spec: spec, disorderStrengths: disorderStrengths, request: EigenRequest()) }

    public func describe(unit: Int) -> String { grid.describe(unit: unit) }

    public struct Record: Codable, Sendable {
        public var w: Int
        public var realization: Int
        public var boundsCenter: Double
        public var boundsHalfWidth: Double
        /// R vectors x M moments, vector-major.
        @Packed public var moments: [Double]
        /// LDOS sites x M moments, site-major.
        @Packed public var localMoments: [Double]
        public var blockProducts: Int
        /// Wall time of the moments (a timing, not a result).
        public var momentSeconds: Double
        public var fermiEnergy: Double?
        public var fermiError: Double?
        public var fermiDensity: Double?
        public var levelsBelow: Int?
        public var refinedEnergy: Double?

        public var bounds: SpectralBounds { SpectralBounds(center: boundsCenter, halfWidth: boundsHalfWidth) }

        func rows(_ flat: [Double], _ m: Int) -> [[Double]] { stride(from: 0, to: flat.count, by: m).map { Array(flat[$0..<$0 + m]) } }
        public func stochasticMoments(_ m: Int) -> StochasticMoments { StochasticMoments(perVector: rows(moments, m)) }
        public func localMomentRows(_ m: Int) -> [[Double]] { rows(localMoments, m) }
    }

    public func record(for unit: Int) throws -> Record {
        let (w, r) = grid.split(unit)
        let m = try grid.spec(w: w).model(realization: r)
        let clock = ContinuousClock(), start = clock.now
        let res = try KPMDensityOfStates.moments(of: m, realization: r, ldos: ldosSites, options: options)
        let d = clock.now - start
        var rec = Record(w: w, realization: r, boundsCenter: res.bounds.center, boundsHalfWidth: res.bounds.halfWidth,
                         moments: res.moments.perVector.flatMap { $0 }, localMoments: res.localMoments.flatMap { $0 },
                         blockProducts: res.blockProducts,
                         momentSeconds: Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
        if let f = spec.filling {
            let est = try KPMDensityOfStates.fermiLevel(f, realization: res, kernel: options.kernel, hamiltonian: refine ? m.hamiltonian() : nil)
            rec.fermiEnergy = est.energy; rec.fermiError = est.error; rec.fermiDensity = est.density
            rec.levelsBelow = est.levelsBelow; rec.refinedEnergy = est.refinedEnergy
        }
        return rec
    }

    /// Per W: rho(E) and the integrated DOS on the common grid.
    public struct Result {
        public var records: [Record]
        public var energies: [Double]
        public var dos: [KPMEstimate]
        public var idos: [KPMEstimate]
    }

    public func aggregate(_ records: [Record]) throws -> Result {
        // One energy grid for every W: spacing gridSpacing, covering every realization's bounds.
        let lower = records.map(\.bounds.lower).min()!, upper = records.map(\.bounds.upper).max()!
        let first = (lower / gridSpacing).rounded(.down) * gridSpacing
        let energies = stride(from: first, through: upper + gridSpacing, by: gridSpacing).map { $0 }
        let m = options.moments, kernel = options.kernel
        var dos = [KPMEstimate](), idos = [KPMEstimate]()
        for w in disorderStrengths.indices {
            let perW = records.filter { $0.w == w }
            dos.append(KPMEstimate(energies: energies, samples: perW.flatMap {
                $0.stochasticMoments(m).perVectorDensity(kernel: kernel, bounds: $0.bounds, at: energies) }))
            idos.append(KPMEstimate(energies: energies, samples: perW.flatMap {
                $0.stochasticMoments(m).perVectorIntegratedDensity(kernel: kernel, bounds: $0.bounds, at: energies) }))
        }
        return Result(records: records, energies: energies, dos: dos, idos: idos)
    }
}

extension KPMDOSStudy {
    /// The memory of one unit: two Chebyshev blocks of sites x block vectors, the on-site
    /// energies and Lanczos vectors, and with a filling the LDL^T factor of the inertia count.
    public var memoryPlan: MemoryEstimate {
        let sites = Double(spec.lattice.siteCount), block = Double(min(options.blockSize, options.vectors))
        var plan = MemoryEstimate()
        plan.add("two Chebyshev blocks (sites x \(Int(block)) vectors)", bytes: 2 * 8 * sites * block)
        plan.add("on-site energies (model and stencil) and 3 Lanczos vectors", bytes: 5 * 8 * sites)
        if spec.filling != nil && refine {
            plan.add("sparse LDL^T factor for the inertia count at E_F", bytes: MemoryPlan.sparseFactorBytesPerSite * sites)
        }
        return plan
    }
}
