import FermiGlassModel
import FermiGlassIO
import FermiGlassObservables
import Foundation

extension MatrixElementsStudy {
    /// What `fermiglass matrix-elements` writes: pairs.csv (every pair: levels, energies,
    /// distance, chi), decay.csv (the fit bins), chi_vs_distance.csv (unit-width distance bins),
    /// r###/eigenvalues.npy, ipr.npy, maxima.npy (and chi.npy with `keepChi`; disorder.npy with
    /// `saveDisorder`), and the summary.
    public func report(_ result: Result, saveDisorder: Bool = false) throws -> StudyReport {
        var out = StudyReport()
        let single = result.records.count == 1
        var table = CSVTable(header: ["realization", "level_a", "level_c", "energy_a", "energy_c", "distance", "chi"])
        var entries = [JSON]()
        for rec in result.records {
            let r = rec.realization
            for k in rec.pairA.indices {
                let a = rec.pairA[k], c = rec.pairC[k]
                table.append([.int(r), .int(rec.firstLevel + a), .int(rec.firstLevel + c),
                              .double(rec.energies[a]), .double(rec.energies[c]), .double(rec.pairDistance[k]), .double(rec.pairChi[k])])
            }
            if saveDisorder {
                out.add("\(StudyReport.realizationDirectory(r))/disorder.npy", .doubles(try spec.model(realization: r).onsiteEnergies, shape: nil))
            }
            out.addRealizationArray(rec.energies, name: "eigenvalues.npy", realization: r, single: single)
            out.addRealizationArray(rec.iprSelected, name: "ipr.npy", realization: r, single: single)
            out.addRealizationArray(rec.maxima, name: "maxima.npy", realization: r, single: single)
            if keepChi {
                out.addRealizationArray(rec.chi, shape: [rec.energies.count, rec.energies.count], name: "chi.npy", realization: r, single: single)
            }
            entries.append(.object([
                ("realization", .int(r)), ("first_level", .int(rec.firstLevel)), ("states", .int(rec.energies.count)),
                ("energy_min", .number(rec.energies.first!)), ("energy_max", .number(rec.energies.last!)),
                ("pairs", .int(rec.pairA.count)), ("pairs_in_fit_bins", .int(rec.binCounts.reduce(0, +))),
                ("localization_length_all", sparse ? .null : .number(rec.lengthAll)),
                ("localization_length_selected", .number(rec.lengthSelected)),
                ("max_residual", .number(rec.solver.maxResidual)),
            ]))
        }
        out.add("pairs.csv", .csv(table))

        let fit = result.fit
        var decay = CSVTable(header: ["bin_center", "bin_low", "bin_high", "pairs", "mean_chi", "mean_chi_stderr", "ln_mean_chi",
                                      "fit_ln_chi", "used_in_fit"])
        let means = result.sums.means, errs = result.sums.standardErrors
        for (k, d) in bins.centers.enumerated() {
            let used = fit?.binsUsed.contains(k) ?? false
            decay.append([.double(d), .double(d - bins.halfWidth), .double(d + bins.halfWidth), .int(result.sums.counts[k]),
                          .double(means[k]), .double(errs[k]), .double(means[k] > 0 ? log(means[k]) : .nan),
                          .double(fit.map { $0.intercept + $0.slope * d } ?? .nan), .int(used ? 1 : 0)])
        }
        out.add("decay.csv", .csv(decay))
        var prof = CSVTable(header: ["distance_low", "distance_high", "pairs", "mean_chi", "mean_chi_stderr"])
        let profile = result.profile, pm = profile.means, pe = profile.standardErrors
        for k in 0..<profile.counts.count where profile.counts[k] > 0 {
            prof.append([.double(Double(k)), .double(Double(k + 1)), .int(profile.counts[k]), .double(pm[k]), .double(pe[k])])
        }
        out.add("chi_vs_distance.csv", .csv(prof))

        var fitJSON: JSON = .null
        if let f = fit {
            fitJSON = .object([("slope", .number(f.slope)), ("intercept", .number(f.intercept)),
                               ("bins_used", .numbers(f.binsUsed.map { bins.centers[$0] })),
                               ("model", .string("ln <chi>(d) = intercept + slope d, unweighted least squares over the bin centres"))])
        } else {
            out.warnings.append("fewer than two distance bins hold pairs; no decay length (choose \(.bins) within the lattice's distances)")
        }
        let lambda = result.decayLength
        out.summary = [
            ("parameters", spec.json),
            ("states", states.json),
            ("pairs", .string(pairs.map { "\($0) random pairs a < c per realization (SplitMix64 stream = realization of the seed)" }
                ?? "every pair a < c")),
            ("distance", .string("minimum-image distance between the sites of max |phi_a| and max |phi_c| (lattice constants)")),
            ("bins", .object([("centers", .numbers(bins.centers)), ("half_width", .number(bins.halfWidth))])),
            ("decay_length", .number(lambda)),
            ("decay_length_bootstrap_error", .number(result.decayLengthError)),
            ("fit", fitJSON),
            // A field means what its name says: on the sparse path there is no L_loc over all
            // states (null, and so is lambda / L_loc over all states); the selected states' are below.
            ("localization_length_all", sparse ? .null : .number(result.lengthAll)),
            ("localization_length_all_states", .string(sparse ? "not computed: the sparse path has the selected states only (see localization_length_selected)" : "every state")),
            ("localization_length_all_stderr", sparse ? .null : .number(Statistics.standardError(result.records.map(\.lengthAll)))),
            ("localization_length_selected", .number(result.lengthSelected)),
            ("localization_length_selected_stderr", .number(Statistics.standardError(result.records.map(\.lengthSelected)))),
            ("decay_length_over_L", sparse ? .null : .number(lambda / result.lengthAll)),
            ("decay_length_over_L_bootstrap_error", sparse ? .null : .number(result.ratioAllError)),
            ("decay_length_over_L_selected", .number(lambda / result.lengthSelected)),
            ("decay_length_over_L_selected_bootstrap_error", .number(result.ratioSelectedError)),
            ("bootstrap", .object([("resamples", .int(bootstrap)), ("unit", .string("realization")),
                                   ("seed", .string(String(spec.seed)))])),
            ("solver", result.solver.json),
            ("realizations", .array(entries)),
        ]
        return out
    }
}
