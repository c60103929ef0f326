import FermiGlassIO
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers

/// The density of states of H0 from its exact levels for one or several disorder strengths
/// (`fermiglass dos`, the histogram method; the paper's Fig. 3).
///
/// A unit is one (W, realization): the levels of `window` (the whole band, or an energy range
/// on the shift-invert path), without vectors. Aggregate: rho(E) = (levels in the bin) /
/// (sites * bin width * realizations) per W (per site, per unit energy, per spin; integrates to
/// 1) on bins with edges on multiples of `binWidth` shared by all W; the bandwidth (highest
/// minus lowest level, 8.8 at W = 0 for t1 = 1, t2 = 0.6) and, with a filling, E_F and rho(E_F)
/// (levels within +-binWidth/2 of E_F), means over realizations with standard errors.
public struct DOSStudy: Study {
    /// The model; its disorder strength is replaced by each of `disorderStrengths`.
    public var spec: ModelSpec
    public var disorderStrengths: [Double]
    /// The solve (`vectors` is off).
    public var request: EigenRequest
    /// `.all` or an energy range (`request.selection`).
    public var window: StateSelection { request.selection }
    /// True when the levels come from shift-invert (a window only).
    public var sparse: Bool
    public var binWidth: Double

    public init(spec: ModelSpec, disorderStrengths: [Double], request: EigenRequest, binWidth: Double = 0.1) {
        self.spec = spec
        self.disorderStrengths = disorderStrengths
        self.request = request
        self.request.vectors = false
        self.binWidth = binWidth
        sparse = Eigensolver.resolve(request.solver, sites: spec.lattice.siteCount, selection: request.selection) == .shiftInvert
    }

    /// (W index, realization) as one number: W index * R + the realization's position.
    public var units: [Int] { Array(0..<(disorderStrengths.count * spec.realizations.count)) }

    func split(_ unit: Int) -> (w: Int, realization: Int) {
        (unit / spec.realizations.count, spec.realizations[unit % spec.realizations.count])
    }

    public func describe(unit: Int) -> String {
        let (k, r) = split(unit)
        return "W = \(JSON.format(disorderStrengths[k])), realization \(r)"
    }

    /// "9" for 9.0, "4.5" for 4.5: the W label of file and column names.
    public static func label(_ w: Double) -> String {
        w == w.rounded() && abs(w) < 1e15 ? String(Int(w)) : "\(w)"
    }

    /// The model of disorder strength `w`.
    public func spec(W w: Double) -> ModelSpec {
        var s = spec
        s.parameters.disorderStrength = w
        return s
    }

    public struct Record: Codable, Sendable {
        public var W: Double
        public var realization: Int
        @Packed public var levels: [Double]
        public var solver: SolveDiagnosticsRecord
    }

    public func record(for unit: Int) throws -> Record {
        let (k, r) = split(unit)
        let (_, _, sol) = try spec(W: disorderStrengths[k]).solve(realization: r, request)
        return Record(W: disorderStrengths[k], realization: r, levels: sol.pairs.values, solver: SolveDiagnosticsRecord(sol.diagnostics))
    }

    public struct Result {
        public var records: [Record]
        /// levels[W index][realization position][level].
        public var levels: [[[Double]]]
        public var bins: EnergyBins
        public var histograms: [DensityOfStates.Histogram]
        /// Per W: bandwidths per realization; E_F and rho(E_F) per realization (with a filling
        /// and the whole band, else empty).
        public var bandwidths: [[Double]]
        public var fermiEnergies: [[Double]]
        public var dosAtFermi: [[Double]]
        public var solver: SolveDiagnostics
    }

    public func aggregate(_ records: [Record]) throws -> Result {
        let rCount = spec.realizations.count
        let levels = disorderStrengths.indices.map { k in (0..<rCount).map { records[k * rCount + $0].levels } }
        let all = levels.flatMap { $0.flatMap { $0 } }
        let bins = EnergyBins(covering: all.min()!, all.max()!, width: binWidth)
        let n = spec.lattice.siteCount
        let histograms = levels.map { DensityOfStates.histogram(levels: $0, siteCount: n, binWidth: binWidth, bins: bins) }
        var bandwidths = [[Double]](), fermi = [[Double]](), rho = [[Double]]()
        for k in disorderStrengths.indices {
            bandwidths.append(window == .all ? levels[k].map(DensityOfStates.bandwidth) : levels[k].map { _ in Double.nan })
            if let f = spec.filling, window == .all {
                let ef = levels[k].map { 0.5 * ($0[f.fermiIndex - 1] + $0[f.fermiIndex]) }
                fermi.append(ef)
                rho.append(zip(levels[k], ef).map { DensityOfStates.atEnergy($1, levels: $0, siteCount: n, width: binWidth) })
            } else {
                fermi.append([]); rho.append([])
            }
        }
        return Result(records: records, levels: levels, bins: bins, histograms: histograms, bandwidths: bandwidths,
                      fermiEnergies: fermi, dosAtFermi: rho, solver: Self.merged(records, perW: rCount))
    }

    /// The solves merged over the realizations of each W, then over W in order (how the method
    /// names of cached and computed solves are joined).
    static func merged(_ records: [Record], perW: Int) -> SolveDiagnostics {
        let byW = stride(from: 0, to: records.count, by: perW).map { SolveDiagnosticsRecord.merged(records[$0..<$0 + perW].map(\.solver))! }
        return byW.dropFirst().reduce(byW[0]) { $0.merged(with: $1) }
    }

    /// What `fermiglass dos` writes: r###/eigenvalues_W<W>.npy (top-level copies for one
    /// realization), r###/disorder_W<W>.npy with `saveDisorder`, dos.csv and the summary.
    public func report(_ result: Result, saveDisorder: Bool = false) throws -> StudyReport {
        var out = StudyReport()
        let single = spec.realizations.count == 1, ws = disorderStrengths
        for rec in result.records {
            let name = Self.label(rec.W)
            if saveDisorder {
                out.add("\(StudyReport.realizationDirectory(rec.realization))/disorder_W\(name).npy",
                        .doubles(try spec(W: rec.W).model(realization: rec.realization).onsiteEnergies, shape: nil))
            }
            out.addRealizationArray(rec.levels, name: "eigenvalues_W\(name).npy", realization: rec.realization, single: single)
        }
        var table = CSVTable(header: ["energy_low", "energy_high", "energy_center"] + ws.map { "dos_W\(Self.label($0))" })
        for b in 0..<result.bins.count {
            table.append([.double(result.bins.lowerEdge(b)), .double(result.bins.upperEdge(b)), .double(result.bins.center(b))]
                         + result.histograms.map { .double($0.density[b]) })
        }
        out.add("dos.csv", .csv(table))
        var perW = [JSON]()
        for (k, w) in ws.enumerated() {
            var entry: [(String, JSON)] = [("W", .number(w)), ("bandwidth", realizationStatistics(result.bandwidths[k])),
                                           ("dos_integral", .number(result.histograms[k].integral))]
            if spec.filling != nil, window == .all {
                entry += [("fermi_energy", realizationStatistics(result.fermiEnergies[k])), ("dos_at_fermi", realizationStatistics(result.dosAtFermi[k]))]
            }
            perW.append(.object(entry))
        }
        var body: [(String, JSON)] = [
            ("parameters", spec.json.setting("W", .numbers(ws))),
            ("W", .numbers(ws)),
            ("bin_width", .number(binWidth)),
            ("dos_normalization", .string("per site, per unit energy, per spin; integrates to 1")),
            ("bandwidth", .numbers(result.bandwidths.map(Statistics.mean))),
            ("bandwidth_stderr", .numbers(result.bandwidths.map(Statistics.standardError))),
        ]
        if window != .all {
            body += [("energy_window", window.json), ("eigen_path", .string(sparse ? "sparse (shift-invert, levels in the window only)" : "dense (levels in the window only)")),
                     ("states_note", .string("only the levels in energy_window were computed: dos.csv is exact in bins inside the window (zero outside it); bandwidth and dos_at_fermi need the whole band (NaN/null here; use --solver dense without --energies)")),
                     ("dos_at_fermi", .null)]
        } else if spec.filling != nil {
            body += [("fermi_energy", .numbers(result.fermiEnergies.map(Statistics.mean))), ("dos_at_fermi", .numbers(result.dosAtFermi.map(Statistics.mean))),
                     ("dos_at_fermi_stderr", .numbers(result.dosAtFermi.map(Statistics.standardError))),
                     ("dos_at_fermi_definition", .string("levels with |E - E_F| <= bin_width/2, per site per unit energy, mean over realizations"))]
        } else {
            body += [("dos_at_fermi", .null), ("dos_at_fermi_note", .string("no filling given (--particles, --filling or --preset paper)"))]
        }
        body += [("solver", result.solver.json), ("per_W", .array(perW))]
        out.summary = body
        return out
    }
}
