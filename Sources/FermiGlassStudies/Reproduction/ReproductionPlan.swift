import FermiGlassIO
import FermiGlassModel
import FermiGlassSolvers

/// The plan of a `fermiglass reproduce` run: sizes, realizations and budgets. Level ranges
/// scale with the number of sites so that they keep the paper's fractions of the spectrum
/// (levels 1600..1999 and the levels:100 window of 3600).
public struct ReproductionPlan: Sendable {
    public var size: Int
    public var realizations: Int
    public var fig1Realizations: Int
    public var dosRealizations: Int
    /// Monte Carlo budgets of the paper algorithm (one Fig. 2 run each).
    public var proposals: [Int]
    public var bins: [Double]
    public var name: String
    public var us: [Double]
    public var reference: PaperReference

    public var sites: Int { size * size }
    var referenceSites: Double { Double(reference.size * reference.size) }
    /// The Fig. 1 levels, scaled to this lattice.
    public var fig1States: Range<Int> {
        Int((Double(reference.fig1Levels.lowerBound) / referenceSites * Double(sites)).rounded())
            ..< Int((Double(reference.fig1Levels.upperBound) / referenceSites * Double(sites)).rounded())
    }
    /// The Fig. 2 window in levels, scaled to this lattice (at least 2).
    public var window: Int { max(2, Int((Double(reference.windowLevels) / referenceSites * Double(sites)).rounded())) }

    /// The paper's bins d = 7, 12, ..., 27 that fit well inside the lattice: the largest
    /// minimum-image distance is L / sqrt(2), and the last bins of a small lattice sit on the
    /// 1/N floor of <chi>.
    public static func bins(size: Int, reference: PaperReference = .lauNg2024) -> [Double] {
        let paper = reference.distanceBins.filter { $0 <= 0.5 * Double(size) }
        return paper.count >= 3 ? paper : [2.0, 4, 6, 8, 10].filter { $0 <= 0.5 * Double(size) }
    }

    /// The paper's parameters.
    public static let full = ReproductionPlan(size: PaperReference.lauNg2024.size, realizations: PaperReference.lauNg2024.realizations,
                                              fig1Realizations: 5, dosRealizations: 5, proposals: [100_000, 1_000_000],
                                              bins: PaperReference.lauNg2024.distanceBins, name: "full (the paper's parameters)",
                                              us: PaperReference.lauNg2024.interactions, reference: .lauNg2024)
    /// 40 x 40 and fewer realizations (about a minute), the same pipeline.
    public static let quick = ReproductionPlan(size: 40, realizations: 6, fig1Realizations: 3, dosRealizations: 2,
                                               proposals: [100_000], bins: bins(size: 40), name: "quick (40x40, fewer realizations)",
                                               us: PaperReference.lauNg2024.interactions, reference: .lauNg2024)

    /// The plan with a smaller lattice, fewer realizations or one Monte Carlo budget.
    public func adjusted(size l: Int?, realizations r: Int?, proposals p: Int?) -> ReproductionPlan {
        var plan = self
        if let l {
            plan.size = l
            plan.bins = Self.bins(size: l, reference: reference)
            plan.name += ", size \(l)x\(l)"
        }
        if let r {
            plan.realizations = r
            plan.fig1Realizations = min(plan.fig1Realizations, r)
            plan.dosRealizations = min(plan.dosRealizations, r)
        }
        if let p { plan.proposals = [p] }
        return plan
    }
}

extension ReproductionPlan {
    /// The paper's model (`--preset paper`) on this plan's lattice at disorder strength `W`,
    /// realizations 0..<`realizations`.
    public func spec(seed: UInt64, realizations: Int, W: Double? = nil) throws -> ModelSpec {
        let p = Preset.paper
        var parameters = p.parameters
        if let W { parameters.disorderStrength = W }
        let lattice = try Lattice(lx: size, ly: size, boundaryX: p.boundary, boundaryY: p.boundary)
        return try ModelSpec(lattice: lattice, parameters: parameters, filling: p.filling(on: lattice), seed: seed,
                             realizations: Array(0..<realizations), preset: p.rawValue)
    }

    /// A Fig. 2 run: the ground state of every realization at every U of the plan in the
    /// window levels:`window`, all states diagonalized (L_loc over all states), Monte Carlo
    /// streams seeded by the disorder seed, eigenpairs served from `cache`.
    public func groundState(algorithm: GroundStateStudy.Algorithm, proposals: Int, seed: UInt64,
                            cache: EigenCache?) throws -> GroundStateRealizations {
        var s = GroundStateStudy.Settings()
        s.window = .levels(window)
        s.algorithm = algorithm
        s.proposals = proposals
        s.seed = seed
        s.eigen = .full
        s.cache = cache
        return GroundStateRealizations(study: GroundStateStudy(settings: s), spec: try spec(seed: seed, realizations: realizations),
                                       interactions: us)
    }
}
