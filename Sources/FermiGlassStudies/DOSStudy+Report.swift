import FermiGlassIO
import FermiGlassObservables

extension DOSStudy {
    /// What `fermiglass dos` writes: dos.csv (energy_low, energy_high, energy_center, dos_W<W>),
    /// r###/eigenvalues_W<W>.npy (top-level copies for one realization), disorder_W<W>.npy with
    /// `saveDisorder`, and the summary (arrays aligned with "W").
    public func report(_ result: Result, saveDisorder: Bool = false) throws -> StudyReport {
        var out = StudyReport()
        let single = spec.realizations.count == 1
        let ws = disorderStrengths
        for rec in result.records {
            let l = Self.label(ws[rec.w])
            if saveDisorder {
                out.add("\(StudyReport.realizationDirectory(rec.realization))/disorder_W\(l).npy",
                        .doubles(try spec(w: rec.w).model(realization: rec.realization).onsiteEnergies, shape: nil))
            }
            out.addRealizationArray(rec.levels, name: "eigenvalues_W\(l).npy", realization: rec.realization, single: single)
        }
        let bins = result.bins
        var table = CSVTable(header: ["energy_low", "energy_high", "energy_center"] + ws.map { "dos_W\(Self.label($0))" })
        for b in 0..<bins.count {
            table.append([.double(bins.lowerEdge(b)), .double(bins.upperEdge(b)), .double(bins.center(b))]
                         + result.histograms.map { .double($0.density[b]) })
        }
        out.add("dos.csv", .csv(table))

        var perW = [JSON]()
        for (k, w) in ws.enumerated() {
            var entry: [(String, JSON)] = [("W", .number(w)), ("bandwidth", realizationStatistics(result.bandwidths[k])),
                                           ("dos_integral", .number(result.histograms[k].integral))]
            if let ef = result.fermiEnergies, let rho = result.densityAtFermi {
                entry += [("fermi_energy", realizationStatistics(ef[k])), ("dos_at_fermi", realizationStatistics(rho[k]))]
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
        if !wholeBand {
            body += [("energy_window", request.selection.json),
                     ("eigen_path", .string(sparse ? "sparse (shift-invert, levels in the window only)" : "dense (levels in the window only)")),
                     ("states_note", .string("only the levels in energy_window were computed: dos.csv is exact in bins inside the window (zero outside it); bandwidth and dos_at_fermi need the whole band (NaN/null here; compute them from every level: the dense solver, no energy window)")),
                     ("dos_at_fermi", .null)]
        } else if let ef = result.fermiEnergies, let rho = result.densityAtFermi {
            body += [("fermi_energy", .numbers(ef.map(Statistics.mean))), ("dos_at_fermi", .numbers(rho.map(Statistics.mean))),
                     ("dos_at_fermi_stderr", .numbers(rho.map(Statistics.standardError))),
                     ("dos_at_fermi_definition", .string("levels with |E - E_F| <= bin_width/2, per site per unit energy, mean over realizations"))]
        } else {
            body += [("dos_at_fermi", .null), ("dos_at_fermi_note", .string("no filling given (the model needs a particle number or filling)"))]
        }
        body += [("solver", result.solver.json), ("per_W", .array(perW))]
        out.summary = body
        return out
    }
}
