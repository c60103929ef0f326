import FermiGlassIO
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers

/// The paper's Fig. 1 (`fermiglass matrix-elements`): overlaps chi_ac = U_aacc / U =
/// sum_i |phi_a(i)|^2 |phi_c(i)|^2 (Eq. 10; chi_aa = IPR_a) between eigenstates against their
/// distance, and the decay length of <chi>(d).
///
/// Per realization (a unit): the chosen states (`states`; the paper's levels 1600:2000 of
/// 60 x 60), chi for every pair a < c or `pairs` random pairs (SplitMix64 stream = the
/// realization of the seed), and the distance d of a pair, the minimum-image distance between
/// the sites where |phi_a| and |phi_c| are largest. On the dense path every state is computed,
/// so L_loc over all states comes along; on the sparse path only the chosen ones.
///
/// Aggregate: <chi> pooled over realizations in the bins |d - d_k| <= h (paper: d_k = 7, 12, 17,
/// 22, 27, h = 0.6), a straight line through ln<chi> against d giving lambda = -1/slope (lattice
/// constants), lambda / L_loc over all states (the paper's L ~ 7.65) and over the chosen states
/// (the authors' script, L = 6.03, ~1.12), with bootstrap errors over realizations.
public struct MatrixElementsStudy: Study {
    public var spec: ModelSpec
    /// The solve: `.all` on the dense path (the chosen states are picked from it), the chosen
    /// states on the sparse path.
    public var request: EigenRequest
    /// The chosen states.
    public var states: StateSelection
    /// Random pairs per realization (nil: every pair).
    public var pairs: Int?
    public var bins: OverlapDecay.DistanceBins
    /// Bootstrap resamples over realizations (0: no bootstrap errors).
    public var bootstrap: Int
    /// Keep the chi matrix of the chosen states in the record (r###/chi.npy).
    public var keepChi: Bool

    /// `request.selection` is replaced by `.all` when `request` resolves to the dense path.
    public init(spec: ModelSpec, request: EigenRequest, states: StateSelection, pairs: Int? = nil,
                bins: OverlapDecay.DistanceBins = .paper, bootstrap: Int = 1000, keepChi: Bool = false) {
        self.spec = spec
        self.states = states
        self.pairs = pairs
        self.bins = bins
        self.bootstrap = bootstrap
        self.keepChi = keepChi
        self.request = request
        self.request.vectors = true
        if !sparse { self.request.selection = .all }
    }

    /// True when only the chosen states are computed (shift-invert).
    public var sparse: Bool {
        Eigensolver.resolve(request.solver, sites: spec.lattice.siteCount, selection: states) == .shiftInvert
    }

    public var units: [Int] { spec.realizations }

    /// What one realization contributes (the bootstrap unit, and its output arrays).
    public struct Record: Codable, Sendable {
        public var realization: Int
        /// Level of the first chosen state.
        public var firstLevel: Int
        @Packed public var energies: [Double]
        @Packed public var iprSelected: [Double]
        /// Site of max |phi_a| of each chosen state.
        @Packed public var maxima: [Int]
        /// chi of the chosen states, states x states (only with `keepChi`).
        @Packed public var chi: [Double]
        /// The pairs: indices into the chosen states, distance, chi.
        @Packed public var pairA: [Int]
        @Packed public var pairC: [Int]
        @Packed public var pairDistance: [Double]
        @Packed public var pairChi: [Double]
        /// Sums of chi in the fit bins.
        public var binCounts: [Int]
        @Packed public var binSums: [Double]
        @Packed public var binSumSquares: [Double]
        /// sum_a IPR_a^(-1/2) and the number of states: over all states (dense) and the chosen.
        public var inverseRootIPRAll: Double
        public var statesAll: Int
        public var inverseRootIPRSelected: Double
        public var lengthAll: Double
        public var lengthSelected: Double
        public var solver: SolveDiagnosticsRecord

        public var sums: OverlapDecay.BinSums {
            var s = OverlapDecay.BinSums(bins: binCounts.count)
            s.counts = binCounts; s.sums = binSums; s.sumSquares = binSumSquares
            return s
        }
    }

    public func record(for r: Int) throws -> Record {
        let (_, _, sol) = try spec.solve(realization: r, request)
        let iprAll = Localization.ipr(sol.pairs)
        let local = sparse ? 0..<sol.pairs.count : try states.levelRange(in: sol.pairs.values, openShellTolerance: 0).range
        let first = local.lowerBound + (sparse ? sol.pairs.firstLevel ?? 0 : 0)
        guard local.count >= 2 else {
            throw StudyError.emptySelection("realization \(r): the chosen states hold \(local.count) state(s); pairs need at least 2")
        }
        let sub = sparse ? sol.pairs : sol.pairs.subset(local)
        let iprSel = Array(iprAll[local])
        let chi = Overlaps.chi(sub)
        let maxima = OverlapDecay.maximumSites(sub)
        var rng = SplitMix64(seed: spec.seed, stream: UInt64(r))
        let indices = try OverlapDecay.pairIndices(among: sub.count, choice: pairs.map { .random($0) } ?? .all, rng: &rng)
        let list = OverlapDecay.pairs(indices, chi: chi, maxima: maxima, lattice: spec.lattice)
        let sums = OverlapDecay.binSums(list, bins: bins)
        return Record(realization: r, firstLevel: first, energies: sub.values, iprSelected: iprSel, maxima: maxima,
                      chi: keepChi ? chi : [], pairA: list.map(\.a), pairC: list.map(\.c), pairDistance: list.map(\.distance),
                      pairChi: list.map(\.chi), binCounts: sums.counts, binSums: sums.sums, binSumSquares: sums.sumSquares,
                      inverseRootIPRAll: iprAll.reduce(0) { $0 + 1 / $1.squareRoot() }, statesAll: iprAll.count,
                      inverseRootIPRSelected: iprSel.reduce(0) { $0 + 1 / $1.squareRoot() },
                      lengthAll: Localization.length(ipr: iprAll), lengthSelected: Localization.length(ipr: iprSel),
                      solver: SolveDiagnosticsRecord(sol.diagnostics))
    }

    /// The Fig. 1 analysis over realizations.
    public struct Result {
        public var records: [Record]
        /// <chi> pooled in the fit bins.
        public var sums: OverlapDecay.BinSums
        /// <chi> in unit-width distance bins [k, k+1) (for plots).
        public var profile: OverlapDecay.BinSums
        public var fit: OverlapDecay.Fit?
        /// lambda = -1/slope (NaN without a fit) and its bootstrap error.
        public var decayLength: Double
        public var decayLengthError: Double
        /// L_loc over all states (NaN on the sparse path) and over the chosen states, pooled.
        public var lengthAll: Double
        public var lengthSelected: Double
        public var ratioAllError: Double
        public var ratioSelectedError: Double
        public var solver: SolveDiagnostics
    }

    /// Pooled fit-bin sums and L_loc (all, chosen) of a set of realizations.
    func pooled(_ records: [Record]) -> (sums: OverlapDecay.BinSums, lAll: Double, lSel: Double) {
        var s = OverlapDecay.BinSums(bins: bins.centers.count)
        var a = (0.0, 0), b = (0.0, 0)
        for u in records {
            s.add(u.sums)
            a.0 += u.inverseRootIPRAll; a.1 += u.statesAll
            b.0 += u.inverseRootIPRSelected; b.1 += u.energies.count
        }
        return (s, a.0 / Double(a.1), b.0 / Double(b.1))
    }

    public func aggregate(_ records: [Record]) throws -> Result {
        let lattice = spec.lattice
        var profile = OverlapDecay.BinSums(bins: Int(Double(lattice.lx * lattice.lx + lattice.ly * lattice.ly).squareRoot()) + 2)
        for rec in records {
            for (d, chi) in zip(rec.pairDistance, rec.pairChi) { profile.add(chi, bin: Int(d)) }
        }
        let total = pooled(records)
        let fit = OverlapDecay.fit(means: total.sums.means, bins: bins)
        let lambdaOf: (OverlapDecay.BinSums) -> Double = { OverlapDecay.fit(means: $0.means, bins: bins)?.decayLength ?? .nan }
        func boot(_ f: @escaping ((sums: OverlapDecay.BinSums, lAll: Double, lSel: Double)) -> Double) -> Double {
            bootstrap > 0 ? Statistics.bootstrapError(records, resamples: bootstrap, seed: spec.seed) { f(pooled($0)) } : .nan
        }
        return Result(records: records, sums: total.sums, profile: profile, fit: fit, decayLength: fit?.decayLength ?? .nan,
                      decayLengthError: boot { lambdaOf($0.sums) },
                      lengthAll: sparse ? .nan : total.lAll, lengthSelected: total.lSel,
                      ratioAllError: boot { lambdaOf($0.sums) / $0.lAll }, ratioSelectedError: boot { lambdaOf($0.sums) / $0.lSel },
                      solver: SolveDiagnosticsRecord.merged(records.map(\.solver))!)
    }
}
