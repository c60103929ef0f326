import FermiGlassIO
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers

/// Inverse participation ratios and the localization length of H0's eigenstates
/// (`fermiglass localization`, the IPR method), over disorder realizations.
///
/// Per realization (a unit): the states of `request.selection` (all, a level range or an energy
/// range, CONVENTIONS.md §2) with their vectors, and IPR_a = sum_i |phi_a(i)|^4.
/// Aggregate: L_loc = < IPR_a^(-1/2) > pooled over the states of every realization (lattice
/// constants; in 2D IPR ~ 1/L_loc^2; the paper's L ~ 7.65 over all states of 60 x 60, W = 9),
/// its standard error over realizations, the typical length exp< ln IPR >^(-1/2), the mean IPR,
/// and L_loc(E) in energy bins of `binWidth` (units of t1).
public struct LocalizationStudy: Study {
    public var spec: ModelSpec
    /// The states and the solver; the study asks for vectors whatever `request.vectors` says.
    public var request: EigenRequest
    public var binWidth: Double

    public init(spec: ModelSpec, request: EigenRequest, binWidth: Double = 0.25) {
        self.spec = spec
        self.request = request
        self.request.vectors = true
        self.binWidth = binWidth
    }

    public var units: [Int] { spec.realizations }

    /// One realization's selected states.
    public struct Record: Codable, Sendable {
        public var realization: Int
        /// Level of the first selected state (nil when the solver does not know it).
        public var firstLevel: Int?
        @Packed public var energies: [Double]
        @Packed public var ipr: [Double]
        public var solver: SolveDiagnosticsRecord

        public var localizationLength: Double { Localization.length(ipr: ipr) }
        public var typicalLength: Double { Localization.typicalLength(ipr: ipr) }
    }

    public func record(for r: Int) throws -> Record {
        let (_, _, solution) = try spec.solve(realization: r, request)
        let pairs = solution.pairs
        guard pairs.count > 0 else { throw StudyError.emptySelection("realization \(r): the selection holds no state") }
        return Record(realization: r, firstLevel: pairs.firstLevel, energies: pairs.values, ipr: Localization.ipr(pairs),
                      solver: SolveDiagnosticsRecord(solution.diagnostics))
    }

    /// The aggregate over realizations.
    public struct Result {
        public var records: [Record]
        /// < IPR^(-1/2) > over the selected states of all realizations.
        public var localizationLength: Double
        /// Standard deviation of the per-realization lengths / sqrt(R).
        public var localizationLengthStderr: Double
        public var typicalLength: Double
        public var typicalLengthStderr: Double
        public var meanIPR: Double
        public var bins: EnergyBins
        public var byEnergy: [Localization.EnergyBin]
        /// The solves merged: worst residual and orthogonality error, summed timings.
        public var solver: SolveDiagnostics
    }

    public func aggregate(_ records: [Record]) throws -> Result {
        let pooled = records.flatMap(\.ipr), all = records.flatMap(\.energies)
        let bins = EnergyBins(covering: all.min()!, all.max()!, width: binWidth)
        return Result(records: records,
                      localizationLength: Localization.length(ipr: pooled),
                      localizationLengthStderr: Statistics.standardError(records.map(\.localizationLength)),
                      typicalLength: Localization.typicalLength(ipr: pooled),
                      typicalLengthStderr: Statistics.standardError(records.map(\.typicalLength)),
                      meanIPR: Statistics.mean(pooled), bins: bins,
                      byEnergy: Localization.byEnergy(energies: records.map(\.energies), ipr: records.map(\.ipr), bins: bins),
                      solver: SolveDiagnosticsRecord.merged(records.map(\.solver))!)
    }

    /// What `fermiglass localization` writes: r###/eigenvalues.npy and ipr.npy (top-level
    /// copies for one realization), r###/disorder.npy with `saveDisorder`,
    /// localization_vs_energy.csv and the summary.
    public func report(_ result: Result, saveDisorder: Bool = false) throws -> StudyReport {
        var out = StudyReport()
        let single = result.records.count == 1
        var entries = [JSON]()
        for rec in result.records {
            let r = rec.realization
            out.addRealizationArray(rec.energies, name: "eigenvalues.npy", realization: r, single: single)
            out.addRealizationArray(rec.ipr, name: "ipr.npy", realization: r, single: single)
            if saveDisorder {
                out.add("\(StudyReport.realizationDirectory(r))/disorder.npy", .doubles(try spec.model(realization: r).onsiteEnergies, shape: nil))
            }
            var entry: [(String, JSON)] = [("realization", .int(r)), ("states", .int(rec.energies.count))]
            if let f = rec.firstLevel { entry.append(("first_level", .int(f))) }
            entry += [("energy_min", .number(rec.energies.first!)), ("energy_max", .number(rec.energies.last!)),
                      ("localization_length", .number(rec.localizationLength)), ("localization_length_typical", .number(rec.typicalLength)),
                      ("mean_ipr", .number(Statistics.mean(rec.ipr))), ("max_residual", .number(rec.solver.maxResidual))]
            entries.append(.object(entry))
        }
        var table = CSVTable(header: ["energy_low", "energy_high", "energy_center", "states", "localization_length",
                                      "localization_length_stderr", "localization_length_typical", "mean_ipr"])
        for (k, b) in result.byEnergy.enumerated() {
            table.append([.double(b.lower), .double(b.upper), .double(result.bins.center(k)), .int(b.states), .double(b.length),
                          .double(b.lengthStderr), .double(b.typicalLength), .double(b.meanIPR)])
        }
        out.add("localization_vs_energy.csv", .csv(table))
        out.summary = [
            ("parameters", spec.json),
            ("states", request.selection.json),
            ("states_per_realization", .ints(result.records.map(\.ipr.count))),
            ("localization_length", .number(result.localizationLength)),
            ("localization_length_stderr", .number(result.localizationLengthStderr)),
            ("localization_length_typical", .number(result.typicalLength)),
            ("localization_length_typical_stderr", .number(result.typicalLengthStderr)),
            ("mean_ipr", .number(result.meanIPR)),
            ("definitions", .object([
                ("localization_length", .string("< IPR_a^(-1/2) > over the selected states of all realizations (lattice constants)")),
                ("localization_length_stderr", .string("standard deviation of the per-realization values / sqrt(R)")),
                ("localization_length_typical", .string("exp< ln IPR_a >^(-1/2) over the same states")),
                ("ipr", .string("IPR_a = sum_i |phi_a(i)|^4")),
            ])),
            ("energy_bin_width", .number(binWidth)),
            ("solver", result.solver.json),
            ("realizations", .array(entries)),
        ]
        return out
    }
}
