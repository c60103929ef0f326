import FermiGlassIO
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers
import Foundation

/// The density of states of H0 from its exact levels (`fermiglass dos`), for one or several
/// disorder strengths W (the paper's Fig. 3: 60 x 60, t2 = 0.6, W = 0..12, 15 realizations).
///
/// Units: one per (W, realization), numbered W-major (``unit(w:realization:)``); each holds the
/// levels of `request.selection` (all, or an energy window on the sparse path).
/// Aggregate: rho(E) = (levels in the bin) / (sites x bin width x realizations), per site, per
/// unit energy, per spin, integrating to 1, in bins with edges on multiples of `binWidth`
/// shared by all W; per W the bandwidth (highest minus lowest level; 8.8 at W = 0 for t1 = 1,
/// t2 = 0.6) with its standard error over realizations and, with a filling, E_F =
/// (xi_{N/2-1} + xi_{N/2}) / 2 and rho(E_F) (levels within +-binWidth/2 of E_F).
public struct DOSStudy: Study {
    /// The model; its W is replaced by each of `disorderStrengths`.
    public var spec: ModelSpec
    public var disorderStrengths: [Double]
    public var request: EigenRequest
    public var binWidth: Double

    public init(spec: ModelSpec, disorderStrengths: [Double], request: EigenRequest, binWidth: Double = 0.1) {
        self.spec = spec
        self.disorderStrengths = disorderStrengths
        self.request = request
        self.request.vectors = false
        self.binWidth = binWidth
    }

    /// The levels of the whole band (no energy window).
    public var wholeBand: Bool { request.selection == .all }

    /// True when the window's levels come from shift-invert.
    public var sparse: Bool {
        Eigensolver.resolve(request.solver, sites: spec.lattice.siteCount, selection: request.selection) == .shiftInvert
    }

    /// Unit of W number `w` (index into ``disorderStrengths``) and realization number `k`
    /// (index into the spec's realizations).
    public func unit(w: Int, realization k: Int) -> Int { w * spec.realizations.count + k }

    public var units: [Int] { Array(0..<disorderStrengths.count * spec.realizations.count) }

    /// (W index, realization) of a unit.
    public func split(_ unit: Int) -> (w: Int, realization: Int) {
        (unit / spec.realizations.count, spec.realizations[unit % spec.realizations.count])
    }

    public func describe(unit: Int) -> String {
        let (w, r) = split(unit)
        return disorderStrengths.count == 1 ? "realization \(r)" : "realization \(r) at W = \(Self.label(disorderStrengths[w]))"
    }

    /// The model spec at W number `w`.
    public func spec(w: Int) -> ModelSpec {
        var s = spec
        s.parameters.disorderStrength = disorderStrengths[w]
        return s
    }

    /// "9" for 9.0, "4.5" for 4.5: the W label of file and column names.
    public static func label(_ w: Double) -> String {
        w == w.rounded() && abs(w) < 1e15 ? String(Int(w)) : "\(w)"
    }

    public struct Record: Codable, Sendable {
        public var w: Int
        public var realization: Int
        @Packed public var levels: [Double]
        public var solver: SolveDiagnosticsRecord
    }

    public func record(for unit: Int) throws -> Record {
        let (w, r) = split(unit)
        let (_, _, sol) = try spec(w: w).solve(realization: r, request)
        return Record(w: w, realization: r, levels: sol.pairs.values, solver: SolveDiagnosticsRecord(sol.diagnostics))
    }

    /// Per W: the histogram, the bandwidths, and with a filling E_F and rho(E_F) per realization.
    public struct Result {
        public var records: [Record]
        public var bins: EnergyBins
        public var histograms: [DensityOfStates.Histogram]
        public var bandwidths: [[Double]]
        public var fermiEnergies: [[Double]]?
        public var densityAtFermi: [[Double]]?
        public var solver: SolveDiagnostics
    }

    public func aggregate(_ records: [Record]) throws -> Result {
        let levels = disorderStrengths.indices.map { w in records.filter { $0.w == w }.map(\.levels) }   // [W][realization][level]
        let all = levels.flatMap { $0.flatMap { $0 } }
        let bins = EnergyBins(covering: all.min()!, all.max()!, width: binWidth)
        let n = spec.lattice.siteCount
        var result = Result(records: records, bins: bins,
                            histograms: levels.map { DensityOfStates.histogram(levels: $0, siteCount: n, binWidth: binWidth, bins: bins) },
                            bandwidths: levels.map { wholeBand ? $0.map(DensityOfStates.bandwidth) : $0.map { _ in .nan } },
                            solver: Self.merged(records, count: disorderStrengths.count))
        if let f = spec.filling, wholeBand {
            let ef = levels.map { $0.map { 0.5 * ($0[f.fermiIndex - 1] + $0[f.fermiIndex]) } }
            result.fermiEnergies = ef
            result.densityAtFermi = zip(levels, ef).map { lw, ew in
                zip(lw, ew).map { DensityOfStates.atEnergy($1, levels: $0, siteCount: n, width: binWidth) }
            }
        }
        return result
    }

    /// The solves merged over the realizations of each W, then over W in order (as `dos` has
    /// always joined the method names of computed and cached solves).
    static func merged(_ records: [Record], count: Int) -> SolveDiagnostics {
        let byW = (0..<count).map { w in SolveDiagnosticsRecord.merged(records.filter { $0.w == w }.map(\.solver))! }
        return byW.dropFirst().reduce(byW[0]) { $0.merged(with: $1) }
    }
}

extension DOSStudy {
    /// The memory of the run: the eigen-solve of one unit, every level of every (W, realization)
    /// (held until the histogram is built) and the histogram, which spans the Gershgorin bound of
    /// H0 at the largest W in bins of `binWidth`.
    public func memoryPlan() throws -> MemoryEstimate {
        var widest = spec
        widest.parameters.disorderStrength = disorderStrengths.max()!
        let bound = try widest.spectralBound()
        let bins = (bound.upperBound - bound.lowerBound) / binWidth + 2
        let sites = Double(spec.lattice.siteCount)
        return MemoryPlan.estimate(sites: spec.lattice.siteCount, request: request, extra: [
            ("levels of every (W, realization)", 8 * sites * Double(disorderStrengths.count * spec.realizations.count)),
            ("DOS histogram (\(String(format: "%.3g", bins)) bins of width \(binWidth))", 8 * bins * Double(2 * disorderStrengths.count + 3) + 32 * bins),
        ])
    }
}
