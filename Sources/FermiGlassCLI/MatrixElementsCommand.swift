import ArgumentParser
import FermiGlassIO
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers
import FermiGlassStudies
import Foundation

/// `fermiglass matrix-elements`: the paper's Fig. 1, chi_ac = U_aacc / U against distance.
struct MatrixElementsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matrix-elements",
        abstract: "Overlaps chi_ac = U_aacc/U between eigenstates against their distance, and its decay length (Fig. 1).",
        discussion: """
            chi_ac = sum_i |phi_a(i)|^2 |phi_c(i)|^2 (Eq. 10: U_aacc = U chi_ac, chi_aa = IPR_a) for \
            pairs a < c of the chosen states (--states / --energies; with --preset paper the \
            default is the paper's levels 1600:2000 and 5 realizations, otherwise all states), \
            every pair or --pairs N random pairs per realization. The distance d of a pair is \
            the minimum-image distance between the sites where |phi_a| and |phi_c| are largest. \
            <chi>(d) is averaged in the bins |d - d_k| <= h (paper: d_k = 7,12,17,22,27, \
            h = 0.6); a straight line through ln<chi> against d gives the decay length \
            lambda = -1/slope (lattice constants), with a bootstrap error over realizations.

            Outputs: pairs.csv (every pair: levels, energies, distance, chi), decay.csv (the \
            fit bins), chi_vs_distance.csv (<chi> in unit-width distance bins, for plots), \
            r###/eigenvalues.npy, ipr.npy, maxima.npy (site of max |phi_a|) of the chosen \
            states. summary.json: decay_length (+ _bootstrap_error), decay_length_over_L \
            (lambda / L_loc over all states; the paper's L ~ 7.65; null on the sparse path, which \
            has no L_loc over all states) and \
            decay_length_over_L_selected (lambda / L_loc over the chosen states; the \
            authors' script divided by this, L = 6.03, and found ~1.12).
            """)

    @OptionGroup(title: "Model") var model: ModelOptions
    @OptionGroup(title: "States") var selection: StateOptions
    @OptionGroup(title: "Eigensolver (shift-invert needs --states or --energies)") var solverOptions: SolverOptions
    @OptionGroup(title: "Output") var io: RunOptions

    @Option(help: "Random pairs a < c per realization, drawn without replacement (default: every pair).")
    var pairs: Int?

    @Option(help: ArgumentHelp("Centres of the distance bins of the fit (lattice constants).", valueName: "d1,d2,..."))
    var bins: String = "7,12,17,22,27"

    @Option(help: "Half-width h of the distance bins: a pair is in bin k when |d - d_k| <= h.")
    var binHalfWidth: Double = 0.6

    @Option(help: "Bootstrap resamples over realizations for the errors of the fit.")
    var bootstrap: Int = 1000

    @Flag(help: "Also write the chi matrix of the chosen states, r###/chi.npy (states x states).")
    var saveChi: Bool = false

    func distanceBins() throws -> OverlapDecay.DistanceBins {
        let centers = try bins.split(separator: ",").map { p -> Double in
            guard let v = Double(p.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("--bins: '\(p)' is not a number") }
            return v
        }
        do { return try OverlapDecay.DistanceBins(centers: centers, halfWidth: binHalfWidth) } catch let e as SolverError {
            throw ValidationError("--bins/--bin-half-width: \(commandLineMessage(e))")
        }
    }

    /// What one realization contributes to the statistics (the bootstrap unit).
    struct Unit {
        var sums: OverlapDecay.BinSums
        var inverseRootIPRAll: (sum: Double, count: Int)
        var inverseRootIPRSelected: (sum: Double, count: Int)
    }

    func run() throws {
        let paperDefaults = model.preset == Preset.paper.rawValue
        let spec = try model.resolve(needsFilling: false, defaultRealizations: paperDefaults ? 5 : 1)
        let fallback: StateSelection = paperDefaults && spec.lattice.siteCount == 3600 ? .levels(1600..<2000) : .all
        let states = try selection.resolve(spec, fallback: fallback)
        let fitBins = try distanceBins()
        if let n = pairs {
            guard n > 0 else { throw ValidationError("--pairs must be positive, got \(n)") }
            if case .levels(let r) = states, n > r.count * (r.count - 1) / 2 {
                throw ValidationError("--pairs \(n) exceeds the \(r.count * (r.count - 1) / 2) distinct pairs of \(r.count) states")
            }
        }
        guard bootstrap >= 0 else { throw ValidationError("--bootstrap must be non-negative, got \(bootstrap)") }
        // Dense: every state (L_loc over all of them), the chosen ones picked from it. Sparse:
        // only the chosen states, so there is no L_loc over all states ("localization_length_all" is null).
        var request = try solverOptions.request(selection: states, vectors: true, sites: spec.lattice.siteCount,
                                                needsAll: "give --states a:b or --energies a:b")
        let sparse = Eigensolver.resolve(request.solver, sites: spec.lattice.siteCount, selection: states) == .shiftInvert
        if !sparse { request.selection = .all }
        let ctx = try RunContext(command: "matrix-elements", options: io,
                                 plan: MemoryPlan.estimate(sites: spec.lattice.siteCount, request: request))
        try ctx.run {
            let single = spec.realizations.count == 1
            let lattice = spec.lattice
            var units = [Unit](), entries = [JSON]()
            var profile = OverlapDecay.BinSums(bins: Int(Double(lattice.lx * lattice.lx + lattice.ly * lattice.ly).squareRoot()) + 2)
            var table = CSVTable(header: ["realization", "level_a", "level_c", "energy_a", "energy_c", "distance", "chi"])
            var lengthsAll = [Double](), lengthsSelected = [Double]()
            let solver = try ctx.forEachRealization(spec, request: request, saveDisorder: model.saveDisorder) { r, _, _, sol in
                let iprAll = Localization.ipr(sol.pairs)
                let local = sparse ? 0..<sol.pairs.count : try states.levelRange(in: sol.pairs.values, openShellTolerance: 0).range
                let chosen = local.shifted(by: sparse ? sol.pairs.firstLevel ?? 0 : 0)
                guard chosen.count >= 2 else {
                    throw SolverError.emptySelection("realization \(r): the chosen states hold \(chosen.count) state(s); pairs need at least 2")
                }
                let sub = sparse ? sol.pairs : sol.pairs.subset(local)
                let iprSel = Array(iprAll[local])
                let chi = Overlaps.chi(sub)
                let maxima = OverlapDecay.maximumSites(sub)
                var rng = SplitMix64(seed: spec.seed, stream: UInt64(r))
                let indices = try OverlapDecay.pairIndices(among: sub.count, choice: pairs.map { .random($0) } ?? .all, rng: &rng)
                let list = OverlapDecay.pairs(indices, chi: chi, maxima: maxima, lattice: lattice)
                for p in list {
                    table.append([.int(r), .int(chosen.lowerBound + p.a), .int(chosen.lowerBound + p.c),
                                  .double(sub.values[p.a]), .double(sub.values[p.c]), .double(p.distance), .double(p.chi)])
                    profile.add(p.chi, bin: Int(p.distance))
                }
                try ctx.writeRealizationArray(sub.values, name: "eigenvalues.npy", realization: r, single: single)
                try ctx.writeRealizationArray(iprSel, name: "ipr.npy", realization: r, single: single)
                try ctx.writeRealizationArray(maxima, name: "maxima.npy", realization: r, single: single)
                if saveChi { try ctx.writeRealizationArray(chi, shape: [sub.count, sub.count], name: "chi.npy", realization: r, single: single) }
                let unit = Unit(sums: OverlapDecay.binSums(list, bins: fitBins),
                                inverseRootIPRAll: (iprAll.reduce(0) { $0 + 1 / $1.squareRoot() }, iprAll.count),
                                inverseRootIPRSelected: (iprSel.reduce(0) { $0 + 1 / $1.squareRoot() }, iprSel.count))
                units.append(unit)
                lengthsAll.append(Localization.length(ipr: iprAll)); lengthsSelected.append(Localization.length(ipr: iprSel))
                entries.append(.object([
                    ("realization", .int(r)), ("first_level", .int(chosen.lowerBound)), ("states", .int(sub.count)),
                    ("energy_min", .number(sub.values.first!)), ("energy_max", .number(sub.values.last!)),
                    ("pairs", .int(list.count)), ("pairs_in_fit_bins", .int(unit.sums.counts.reduce(0, +))),
                    ("localization_length_all", sparse ? .null : .number(lengthsAll.last!)),
                    ("localization_length_selected", .number(lengthsSelected.last!)),
                    ("max_residual", .number(sol.diagnostics.maxResidual)),
                ]))
            }
            try ctx.output.write(csv: table, to: "pairs.csv")

            // Pooled statistics and the fit.
            func pooled(_ us: [Unit]) -> (sums: OverlapDecay.BinSums, lAll: Double, lSel: Double) {
                var s = OverlapDecay.BinSums(bins: fitBins.centers.count)
                var a = (0.0, 0), b = (0.0, 0)
                for u in us {
                    s.add(u.sums)
                    a.0 += u.inverseRootIPRAll.sum; a.1 += u.inverseRootIPRAll.count
                    b.0 += u.inverseRootIPRSelected.sum; b.1 += u.inverseRootIPRSelected.count
                }
                return (s, a.0 / Double(a.1), b.0 / Double(b.1))
            }
            let total = pooled(units)
            let fit = OverlapDecay.fit(means: total.sums.means, bins: fitBins)
            let lambda = fit?.decayLength ?? .nan
            func boot(_ f: @escaping ((sums: OverlapDecay.BinSums, lAll: Double, lSel: Double)) -> Double) -> Double {
                bootstrap > 0 ? Statistics.bootstrapError(units, resamples: bootstrap, seed: spec.seed) { f(pooled($0)) } : .nan
            }
            let lambdaOf: (OverlapDecay.BinSums) -> Double = { OverlapDecay.fit(means: $0.means, bins: fitBins)?.decayLength ?? .nan }
            let lambdaErr = boot { lambdaOf($0.sums) }
            let ratioAllErr = boot { lambdaOf($0.sums) / $0.lAll }
            let ratioSelErr = boot { lambdaOf($0.sums) / $0.lSel }

            var decay = CSVTable(header: ["bin_center", "bin_low", "bin_high", "pairs", "mean_chi", "mean_chi_stderr", "ln_mean_chi",
                                          "fit_ln_chi", "used_in_fit"])
            let means = total.sums.means, errs = total.sums.standardErrors
            for (k, d) in fitBins.centers.enumerated() {
                let used = fit?.binsUsed.contains(k) ?? false
                decay.append([.double(d), .double(d - fitBins.halfWidth), .double(d + fitBins.halfWidth), .int(total.sums.counts[k]),
                              .double(means[k]), .double(errs[k]), .double(means[k] > 0 ? log(means[k]) : .nan),
                              .double(fit.map { $0.intercept + $0.slope * d } ?? .nan), .int(used ? 1 : 0)])
            }
            try ctx.output.write(csv: decay, to: "decay.csv")
            var prof = CSVTable(header: ["distance_low", "distance_high", "pairs", "mean_chi", "mean_chi_stderr"])
            let pm = profile.means, pe = profile.standardErrors
            for k in 0..<profile.counts.count where profile.counts[k] > 0 {
                prof.append([.double(Double(k)), .double(Double(k + 1)), .int(profile.counts[k]), .double(pm[k]), .double(pe[k])])
            }
            try ctx.output.write(csv: prof, to: "chi_vs_distance.csv")

            var fitJSON: JSON = .null
            if let f = fit {
                fitJSON = .object([("slope", .number(f.slope)), ("intercept", .number(f.intercept)),
                                   ("bins_used", .numbers(f.binsUsed.map { fitBins.centers[$0] })),
                                   ("model", .string("ln <chi>(d) = intercept + slope d, unweighted least squares over the bin centres"))])
            } else {
                let note = "warning: fewer than two distance bins hold pairs; no decay length (choose --bins within the lattice's distances)\n"
                FileHandle.standardError.write(Data(note.utf8))
            }
            try ctx.writeSummary([
                ("parameters", spec.json),
                ("states", states.json),
                ("pairs", .string(pairs.map { "\($0) random pairs a < c per realization (SplitMix64 stream = realization of the seed)" }
                    ?? "every pair a < c")),
                ("distance", .string("minimum-image distance between the sites of max |phi_a| and max |phi_c| (lattice constants)")),
                ("bins", .object([("centers", .numbers(fitBins.centers)), ("half_width", .number(fitBins.halfWidth))])),
                ("decay_length", .number(lambda)),
                ("decay_length_bootstrap_error", .number(lambdaErr)),
                ("fit", fitJSON),
                // A field means what its name says: on the sparse path there is no L_loc over all
                // states (null, and so is lambda / L_loc over all states); the selected states' are below.
                ("localization_length_all", sparse ? .null : .number(total.lAll)),
                ("localization_length_all_states", .string(sparse ? "not computed: the sparse path has the selected states only (see localization_length_selected)" : "every state")),
                ("localization_length_all_stderr", sparse ? .null : .number(Statistics.standardError(lengthsAll))),
                ("localization_length_selected", .number(total.lSel)),
                ("localization_length_selected_stderr", .number(Statistics.standardError(lengthsSelected))),
                ("decay_length_over_L", sparse ? .null : .number(lambda / total.lAll)),
                ("decay_length_over_L_bootstrap_error", sparse ? .null : .number(ratioAllErr)),
                ("decay_length_over_L_selected", .number(lambda / total.lSel)),
                ("decay_length_over_L_selected_bootstrap_error", .number(ratioSelErr)),
                ("bootstrap", .object([("resamples", .int(bootstrap)), ("unit", .string("realization")),
                                       ("seed", .string(String(spec.seed)))])),
                ("solver", solver.json),
                ("realizations", .array(entries)),
            ])
        }
    }
}

extension Range where Bound == Int {
    /// The range moved by `offset`.
    func shifted(by offset: Int) -> Range<Int> { (lowerBound + offset)..<(upperBound + offset) }
}
