import FermiGlassIO
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers

/// `fermiglass reproduce` as one study: the paper's Figs. 1, 2 and 3 composed from
/// ``LocalizationStudy``, ``MatrixElementsStudy``, ``GroundStateRealizations`` and ``DOSStudy``.
///
/// A unit is one disorder realization r across every study that uses it: L_loc over all states,
/// the Fig. 1 states' L_loc and overlaps (r < fig1Realizations), every Fig. 2 run, and the
/// Fig. 3 levels at every W (r < dosRealizations). The W = 9 Hamiltonian of r is diagonalized
/// once and the ``EigenCache`` serves the unit's later requests, in one process or in a worker.
public struct ReproductionStudy: Study {
    public var plan: ReproductionPlan
    public var seed: UInt64
    public var cache: EigenCache?

    public var localization: LocalizationStudy
    public var fig1States: LocalizationStudy
    public var fig1: MatrixElementsStudy
    public var fig1ShortBins: MatrixElementsStudy
    /// The Fig. 2 runs: (sub-directory, label, study), the paper algorithm per budget, then the
    /// default minimizer.
    public var fig2: [(directory: String, label: String, study: GroundStateRealizations)]
    public var fig3: DOSStudy

    public init(plan: ReproductionPlan, seed: UInt64, cache: EigenCache?) throws {
        self.plan = plan
        self.seed = seed
        self.cache = cache
        let all = try plan.spec(seed: seed, realizations: plan.realizations)
        let few = try plan.spec(seed: seed, realizations: plan.fig1Realizations)
        func dense(_ s: StateSelection, vectors: Bool = true) -> EigenRequest {
            EigenRequest(solver: .dense, selection: s, vectors: vectors, cache: cache)
        }
        localization = LocalizationStudy(spec: all, request: dense(.all))
        let states = StateSelection.levels(plan.fig1States)
        fig1States = LocalizationStudy(spec: few, request: dense(states))
        fig1 = MatrixElementsStudy(spec: few, request: dense(states), states: states,
                                   bins: try OverlapDecay.DistanceBins(centers: plan.bins, halfWidth: 0.6))
        fig1ShortBins = MatrixElementsStudy(spec: few, request: dense(states), states: states,
                                            bins: try OverlapDecay.DistanceBins(centers: Array(plan.bins.prefix(2)), halfWidth: 0.6))
        fig2 = try plan.proposals.map { p in
            ("fig2-paper-P\(p)", "paper Monte Carlo, \(p) proposals",
             try plan.groundState(algorithm: .paper, proposals: p, seed: seed, cache: cache))
        } + [("fig2-default", "default minimizer (converged local search)",
              try plan.groundState(algorithm: .default, proposals: plan.proposals[0], seed: seed, cache: cache))]
        fig3 = DOSStudy(spec: try plan.spec(seed: seed, realizations: plan.dosRealizations, W: plan.reference.fig3DisorderStrengths[0]),
                        disorderStrengths: plan.reference.fig3DisorderStrengths, request: dense(.all, vectors: false))
    }

    /// The realizations 0..<max(realizations, fig1Realizations, dosRealizations).
    public var units: [Int] { Array(0..<max(plan.realizations, plan.fig1Realizations, plan.dosRealizations)) }

    public struct Record: Codable, Sendable {
        public var localization: LocalizationStudy.Record?
        public var fig1States: LocalizationStudy.Record?
        public var fig1: MatrixElementsStudy.Record?
        public var fig1ShortBins: MatrixElementsStudy.Record?
        public var fig2: [GroundStateStudy.Realization]
        /// The Fig. 3 levels of this realization, one per W.
        public var fig3: [DOSStudy.Record]
        /// Eigen-solves of this unit served from the cache.
        public var cacheHits: Int
    }

    public func record(for r: Int) throws -> Record {
        let hits = cache?.hits ?? 0
        let inAll = r < plan.realizations, inFig1 = r < plan.fig1Realizations
        let dosCount = plan.dosRealizations
        return Record(localization: inAll ? try localization.record(for: r) : nil,
                      fig1States: inFig1 ? try fig1States.record(for: r) : nil,
                      fig1: inFig1 ? try fig1.record(for: r) : nil,
                      fig1ShortBins: inFig1 ? try fig1ShortBins.record(for: r) : nil,
                      fig2: inAll ? try fig2.map { try $0.study.record(for: r) } : [],
                      fig3: r < dosCount ? try fig3.disorderStrengths.indices.map { try fig3.record(for: fig3.unit(w: $0, realization: r)) } : [],
                      cacheHits: (cache?.hits ?? 0) - hits)
    }

    /// Every study's aggregate.
    public struct Output {
        public var localization: LocalizationStudy.Result
        public var fig1States: LocalizationStudy.Result
        public var fig1: MatrixElementsStudy.Result
        public var fig1ShortBins: MatrixElementsStudy.Result
        public var fig2: [GroundStateReport]
        public var fig3: DOSStudy.Result
        public var cacheHits: Int

        /// The numbers REPORT.md compares with the paper.
        public func measurements(_ study: ReproductionStudy) -> ReproductionMeasurements {
            typealias E = ReproductionMeasurements.Estimate
            let l = fig1.decayLength, ls = fig1ShortBins.decayLength
            return ReproductionMeasurements(
                localizationAll: E(localization.localizationLength, localization.localizationLengthStderr),
                localizationFig1: E(fig1States.localizationLength, fig1States.localizationLengthStderr),
                typicalFig1: E(fig1States.typicalLength, fig1States.typicalLengthStderr),
                decayLength: E(l, fig1.decayLengthError), decayOverLAll: E(l / fig1.lengthAll, fig1.ratioAllError),
                decayOverLFig1: E(l / fig1.lengthSelected, fig1.ratioSelectedError), bins: study.fig1.bins.centers,
                shortDecayOverLFig1: E(ls / fig1ShortBins.lengthSelected, fig1ShortBins.ratioSelectedError),
                shortBins: study.fig1ShortBins.bins.centers,
                fig2: zip(study.fig2, fig2).map { .init(label: $0.label, directory: $0.directory, perU: $1.aggregates) },
                fig3: study.fig3.disorderStrengths.indices.map { k in
                    .init(W: study.fig3.disorderStrengths[k],
                          bandwidth: E(Statistics.mean(fig3.bandwidths[k]), Statistics.standardError(fig3.bandwidths[k])),
                          dosAtFermi: fig3.densityAtFermi.map { Statistics.mean($0[k]) })
                })
        }
    }

    public func aggregate(_ records: [Record]) throws -> Output {
        let dos = fig3.disorderStrengths.indices.flatMap { k in records.compactMap { $0.fig3.isEmpty ? nil : $0.fig3[k] } }
        return Output(localization: try localization.aggregate(records.compactMap(\.localization)),
                      fig1States: try fig1States.aggregate(records.compactMap(\.fig1States)),
                      fig1: try fig1.aggregate(records.compactMap(\.fig1)),
                      fig1ShortBins: try fig1ShortBins.aggregate(records.compactMap(\.fig1ShortBins)),
                      fig2: try fig2.indices.map { k in try fig2[k].study.aggregate(records.filter { !$0.fig2.isEmpty }.map { $0.fig2[k] }) },
                      fig3: try fig3.aggregate(dos),
                      cacheHits: records.reduce(0) { $0 + $1.cacheHits })
    }
}
