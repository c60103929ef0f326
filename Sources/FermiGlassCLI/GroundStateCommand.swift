import ArgumentParser
import FermiGlassIO
import FermiGlassInteracting
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers
import FermiGlassStudies
import Foundation

/// `fermiglass ground-state`: the first-order interacting ground state (the paper's Sec. III-IV,
/// Fig. 2) over a U sweep and disorder realizations, with the stability census.
struct GroundStateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ground-state",
        abstract: "First-order (Eq. 13) ground state of the Hubbard model in a window around E_F: polarized states, census, Fig. 2.",
        discussion: """
            For each realization the single-particle states are computed once and reused for \
            every U. Levels below the window are frozen doubly occupied (their energy and Hartree \
            shift are part of the reported E1), levels above are empty. --algorithm paper is the \
            authors' Monte Carlo (CONVENTIONS.md §2); default is a deterministic local search \
            (sweeps of all single moves, pair moves, seeded restarts), which is also compared \
            with paper on every run (and, should it ever end higher, also started from paper's \
            configuration, so it is never worse; counted in summary.json). Writes summary.json (a `results` entry per U), \
            polarized.csv, occupation_by_level.csv, occupation_vs_xi.csv, fig2b.csv and per \
            realization r###/occupations.npy (U, level, spin), moments.npy (U, site), \
            convergence.csv, census.csv, window_xi.npy.

            Sparse path (--solver shift-invert, or auto above \(GroundStateStudy.autoCrossover) sites, the crossover measured on this pipeline): \
            only the window's eigenpairs are computed (sparse LDL^T + shift-invert Lanczos, \
            inertia-certified), the frozen-core density comes from a Chebyshev expansion \
            (--chebyshev-moments, --probe-spacing; by default above \
            \(GroundStateStudy.sparseProbeThreshold) sites the largest spacing <= 20 dividing both sides), and L_loc is over the window states \
            (summary.json: localization_length_window_states instead of localization_length_all_states, localization_length_states, eigen_path). The physics lives in \
            GroundStateStudy (FermiGlassStudies), shared with `fermiglass sweep`.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var io: RunOptions

    @Option(name: .customLong("U"), parsing: .unconditional, help: "Hubbard U values, comma separated (U < 0 is attractive: --U -1).")
    var uValues: String

    @Option(help: "paper (the authors' Monte Carlo) or default (local search with restarts).")
    var algorithm: String = "default"

    @OptionGroup(title: "Eigensolver (--window levels:K|energy:D, default levels:100)") var solverOptions: SolverOptions

    @Option(help: "Monte Carlo proposals per (realization, U) for the paper algorithm.")
    var proposals: Int = 100_000

    @Option(help: "Restarts (random kicks + local search) of the default minimizer.")
    var restarts: Int = 10

    @Option(help: "Candidate first moves for pair moves in the default minimizer.")
    var pairCandidates: Int = 16

    @Option(help: "Drop chi_ac below this value in the default minimizer's incremental updates (the energy error it causes is reported).")
    var chiThreshold: Double = 1e-9

    @Option(help: "Seed of the Monte Carlo streams (default: the disorder seed).")
    var mcSeed: UInt64?

    @Option(help: "Moment-map threshold: sites with |m_i| above it are counted.")
    var momentThreshold: Double = 0.05

    @Option(help: "Energy bins for occupation_vs_xi.csv.")
    var bins: Int = 40

    @Option(help: "Eigenpairs: full (dsyevd, all states; L_loc over all states) or partial (dsyevr, levels below the window's top only; L_loc over those).")
    var eigen: String = "full"

    @Option(help: "Frozen-core density: dense (exact, from the eigenvectors below the window) or chebyshev (kernel-polynomial, the sparse path; its error against dense is reported).")
    var core: String = "dense"

    @Option(help: "Chebyshev moments for --core chebyshev.")
    var chebyshevMoments: Int = 1000

    @Option(help: "Probe spacing s for --core chebyshev: colours (x mod s, y mod s); 0 = one probe per site (exact diagonal).")
    var probeSpacing: Int = 0

    func validate() throws {
        guard ["dense", "chebyshev"].contains(core) else { throw ValidationError("--core must be dense or chebyshev, got '\(core)'") }
        guard chebyshevMoments >= 2 else { throw ValidationError("--chebyshev-moments must be at least 2") }
        guard probeSpacing >= 0 else { throw ValidationError("--probe-spacing must be non-negative") }
        guard ["paper", "default"].contains(algorithm) else { throw ValidationError("--algorithm must be paper or default, got '\(algorithm)'") }
        guard ["full", "partial"].contains(eigen) else { throw ValidationError("--eigen must be full or partial, got '\(eigen)'") }
        guard proposals >= 0 else { throw ValidationError("--proposals must be non-negative, got \(proposals)") }
        guard restarts >= 0, pairCandidates >= 0 else { throw ValidationError("--restarts and --pair-candidates must be non-negative") }
        guard chiThreshold >= 0, chiThreshold.isFinite else { throw ValidationError("--chi-threshold must be a non-negative number") }
        guard bins > 0 else { throw ValidationError("--bins must be positive") }
        _ = try parsedU()
        _ = try fermiWindow()
        if solverOptions.sigma != nil { throw ValidationError("ground-state works in a window around E_F: give --window, not --sigma/--count") }
    }

    func parsedU() throws -> [Double] {
        var out = [Double]()
        for part in uValues.split(separator: ",", omittingEmptySubsequences: false) {
            guard let v = Double(part.trimmingCharacters(in: .whitespaces)), v.isFinite else {
                throw ValidationError("--U: '\(part)' is not a finite number")
            }
            out.append(v)
        }
        guard !out.isEmpty else { throw ValidationError("--U is empty") }
        guard Set(out).count == out.count else { throw ValidationError("--U lists a value twice") }
        return out
    }

    /// The study settings from the options.
    func settings(_ spec: ModelSpec) throws -> GroundStateStudy.Settings {
        var s = GroundStateStudy.Settings()
        s.window = try fermiWindow()
        s.algorithm = GroundStateStudy.Algorithm(rawValue: algorithm)!
        s.proposals = proposals
        s.restarts = restarts
        s.pairCandidates = pairCandidates
        s.chiThreshold = chiThreshold
        s.seed = mcSeed ?? spec.seed
        s.momentThreshold = momentThreshold
        s.solver = solverOptions.choice(default: .dense)
        s.engine = solverOptions.engineOptions
        s.patches = PatchOptions(residualTolerance: solverOptions.residualTol, halo: solverOptions.patchHalo,
                                 interior: solverOptions.patchInterior, denseLimit: solverOptions.patchDenseLimit)
        s.cache = RunContext.eigenCache
        s.eigen = GroundStateStudy.DenseEigen(rawValue: eigen)!
        s.core = GroundStateStudy.Core(rawValue: core)!
        s.chebyshevMoments = chebyshevMoments
        s.probeSpacing = probeSpacing == 0 ? nil : probeSpacing
        s.progress = { PhaseProgress.current?.report($0, $1, $2) }
        return s
    }

    /// The window: --window, default levels:100.
    func fermiWindow() throws -> FermiWindow {
        guard let text = solverOptions.window else { return .levels(100) }
        guard let w = FermiWindow(text) else { throw ValidationError("--window must be levels:K (K > 0) or energy:D (D >= 0), got '\(text)'") }
        return w
    }

    func run() throws {
        let spec = try model.resolve(needsFilling: true)
        let us = try parsedU()
        let filling = spec.filling!
        let study = GroundStateStudy(settings: try settings(spec))
        if study.solver(sites: spec.lattice.siteCount) != .dense && (eigen != "full" || core != "dense") {
            FileHandle.standardError.write(Data("note: the sparse path computes the window only and always uses the Chebyshev core; --eigen and --core apply to the dense path\n".utf8))
        }
        let ctx = try RunContext(command: "ground-state", options: io,
                                 plan: study.memoryPlan(lattice: spec.lattice, filling: filling, interactions: us.count))
        try ctx.run {
            var data = [GroundStateStudy.Realization]()
            for (kIndex, r) in spec.realizations.enumerated() {
                let m = try spec.model(realization: r)
                var d = try study.realization(m, realization: r, filling: filling, interactions: us)
                let dir = RunContext.realizationDirectory(r)
                let k = d.xi.count, n = d.sites
                try ctx.output.write(npy: d.occupations, shape: [us.count, k, 2], to: "\(dir)/occupations.npy")
                try ctx.output.write(npy: d.moments, shape: [us.count, n], to: "\(dir)/moments.npy")
                try ctx.output.write(npy: d.xi, to: "\(dir)/window_xi.npy")
                try ctx.output.write(csv: d.convergence!, to: "\(dir)/convergence.csv")
                try ctx.output.write(csv: d.census!, to: "\(dir)/census.csv")
                if model.saveDisorder { try ctx.output.write(npy: m.onsiteEnergies, to: "\(dir)/disorder.npy") }
                if spec.realizations.count == 1 {
                    try ctx.output.write(npy: d.occupations, shape: [us.count, k, 2], to: "occupations.npy")
                    try ctx.output.write(npy: d.moments, shape: [us.count, n], to: "moments.npy")
                }
                // Written: keep only what the aggregates need.
                d.occupations = []; d.moments = []; d.convergence = nil; d.census = nil
                data.append(d)
                ctx.progress(kIndex + 1, of: spec.realizations.count)
            }
            try writeAggregates(ctx: ctx, spec: spec, us: us, study: study, data: data)
        }
    }

    func writeAggregates(ctx: RunContext, spec: ModelSpec, us: [Double], study: GroundStateStudy,
                         data: [GroundStateStudy.Realization]) throws {
        let win = study.settings.window
        let lloc = GroundStateStudy.localizationLength(data)
        let iprWindow = Statistics.mean(data.map(\.iprWindowMean))
        let dos = Statistics.mean(data.map(\.dosPerSite))
        let sites = spec.lattice.siteCount
        let sparse = data.contains { $0.sparse }
        let diagSeconds = data.map(\.solveSeconds), searchSeconds = data.reduce(0) { $0 + $1.searchSeconds }
        let restartedFromPaper = data.reduce(0) { $0 + $1.runs.filter(\.polishedFromPaper).count }
        var polarizedTable = CSVTable(header: ["U", "realization", "algorithm", "energy", "paper_energy", "polarized", "abs_Sz",
                                               "doubly_occupied", "empty", "pairs_above_EF", "holes_below_EF",
                                               "sites_above_moment_threshold", "census_one_sided", "census_two_sided",
                                               "threshold_energy_error", "steps", "accepted"])
        var byLevel = CSVTable(header: ["U", "level_minus_fermi_index", "mean_xi_minus_EF", "mean_occupation"])
        let commonBelow = data.map(\.fermiOccupied).min()!
        var binned = CSVTable(header: ["U", "bin_center", "bin_lower", "bin_upper", "mean_occupation", "count"])
        var fig2b = CSVTable(header: ["U", "U_N0", "polarized_mean", "polarized_stderr", "census_two_sided_mean",
                                      "census_one_sided_mean", "N0_U_IPR_sites"])
        var results = [JSON]()
        let lo = data.map { $0.xiRelative.first! }.min()!, hi = data.map { $0.xiRelative.last! }.max()!
        let width = (hi - lo) / Double(bins)
        var defaultAbovePaper = 0, worstThreshold = 0.0
        for (ui, u) in us.enumerated() {
            let pol = data.map { Double($0.runs[ui].observables.polarized) }
            let energies = data.map { $0.runs[ui].result.energy }
            for d in data {
                let run = d.runs[ui], o = run.observables
                if let pe = run.paperEnergy, run.result.energy > pe + 1e-9 * (1 + abs(pe)) { defaultAbovePaper += 1 }
                worstThreshold = max(worstThreshold, run.result.thresholdEnergyError)
                polarizedTable.append([.double(u), .int(d.realization), .string(run.result.algorithm), .double(run.result.energy),
                                       run.paperEnergy.map { .double($0) } ?? "", .int(o.polarized), .double(o.totalSz),
                                       .int(o.doublyOccupied), .int(o.empty), .int(o.pairsAboveFermi), .int(o.holesBelowFermi),
                                       .int(o.sitesAboveThreshold), .int(run.census.oneSided), .int(run.census.twoSided),
                                       .double(run.result.thresholdEnergyError), .int(run.result.steps), .int(run.result.accepted)])
            }
            let agg = GroundStateStudy.aggregate(data, uIndex: ui, interaction: u)
            let curve = agg.curve
            for a in 0..<curve.x.count { byLevel.append([.double(u), .int(a - commonBelow), .double(curve.x[a]), .double(curve.y[a])]) }
            var sums = [Double](repeating: 0, count: bins), counts = [Int](repeating: 0, count: bins)
            for d in data {
                let total = d.runs[ui].result.occupations.total
                for (a, x) in d.xiRelative.enumerated() {
                    let b = min(bins - 1, max(0, Int((x - lo) / width)))
                    sums[b] += Double(total[a]); counts[b] += 1
                }
            }
            for b in 0..<bins {
                binned.append([.double(u), .double(lo + (Double(b) + 0.5) * width), .double(lo + Double(b) * width),
                               .double(lo + Double(b + 1) * width), .double(counts[b] > 0 ? sums[b] / Double(counts[b]) : .nan), .int(counts[b])])
            }
            let fit = agg.fit, fitError = agg.inverseBetaError
            let invBeta = fit?.inverseBeta ?? .nan
            let oneMean = agg.oneSidedMean, twoMean = agg.twoSidedMean
            let estimate = agg.n0UIPRSites
            fig2b.append([.double(u), .double(agg.uN0), .double(agg.polarizedMean), .double(agg.polarizedStderr),
                          .double(twoMean), .double(oneMean), .double(estimate)])
            var entry: [(String, JSON)] = [
                ("U", .number(u)),
                ("algorithm", .string(algorithm)),
                ("window", .string(win.description)),
                ("polarized", .ints(pol.map { Int($0) })),
                ("energies", .numbers(energies)),
                ("polarized_mean", .number(agg.polarizedMean)),
                ("polarized_stderr", .number(agg.polarizedStderr)),
                ("inverse_beta", .number(invBeta)),
                ("inverse_beta_error", .number(fitError)),
                ("fit_mu_minus_EF", .number(fit?.mu ?? .nan)),
                ("inverse_beta_over_U_per_L2", .number(agg.inverseBetaPerL2)),
                ("inverse_beta_over_U_per_L2_error", .number(agg.inverseBetaPerL2Error)),
                ("inverse_beta_over_U_ipr", .number(agg.inverseBetaIPR)),
                ("inverse_beta_over_U_ipr_error", .number(agg.inverseBetaIPRError)),
                ("census_one_sided", .ints(data.map { $0.runs[ui].census.oneSided })),
                ("census_two_sided", .ints(data.map { $0.runs[ui].census.twoSided })),
                ("census_one_sided_mean", .number(oneMean)),
                ("census_two_sided_mean", .number(twoMean)),
                ("mu_star_minus_EF", .numbers(data.map { $0.runs[ui].census.muStar - $0.fermiEnergy })),
                ("N0_U_IPR_sites", .number(estimate)),
                ("N0_U_IPR_per_site", .number(dos * u * iprWindow)),
                ("polarized_per_site_mean", .number(Statistics.mean(pol) / Double(sites))),
                ("moment_density_n_m", .number(Statistics.mean(pol) / Double(sites))),
                ("U_N0", .number(agg.uN0)),
                ("abs_Sz", .numbers(data.map { $0.runs[ui].observables.totalSz })),
                ("doubly_occupied", .ints(data.map { $0.runs[ui].observables.doublyOccupied })),
                ("empty", .ints(data.map { $0.runs[ui].observables.empty })),
                ("pairs_above_EF", .ints(data.map { $0.runs[ui].observables.pairsAboveFermi })),
                ("sites_above_moment_threshold", .ints(data.map { $0.runs[ui].observables.sitesAboveThreshold })),
                ("window_half_width_over_U_ipr", .number(Statistics.mean(data.map(\.halfWidth)) / abs(u * iprWindow))),
            ]
            if algorithm == "default" {
                entry.append(("paper_energies", .numbers(data.map { $0.runs[ui].paperEnergy ?? .nan })))
                entry.append(("paper_polarized", .ints(data.map { $0.runs[ui].paperPolarized ?? -1 })))
            }
            results.append(.object(entry))
        }
        try ctx.output.write(csv: polarizedTable, to: "polarized.csv")
        try ctx.output.write(csv: byLevel, to: "occupation_by_level.csv")
        try ctx.output.write(csv: binned, to: "occupation_vs_xi.csv")
        try ctx.output.write(csv: fig2b, to: "fig2b.csv")
        let proposalCount = Double(proposals * us.count * data.count)
        var body: [(String, JSON)] = [
            ("parameters", spec.json),
            ("algorithm", .string(algorithm)),
            ("algorithm_settings", .object([
                ("proposals", .int(proposals)),
                ("paper_rule", .string("k, p uniform in the window; skip k == p or all four slots full/empty; one occupied and one empty slot of the four uniformly; keep iff dE < -1e-12 * energy scale; every proposal counts")),
                ("proposals_per_window_level", .number(Double(proposals) / max(1, Statistics.mean(data.map { Double($0.xi.count) })))),
                ("paper_budget_note", .string("the paper's pairs are uniform over the window: with k window levels a proposal picks two states whose supports meet with probability ~ (pairs meeting) / (k^2 / 2), so at 10^4 levels most proposals are spent on far-apart pairs (chi ~ 0); --proposals is not scaled with k")),
                ("restarts", .int(restarts)), ("pair_candidates", .int(pairCandidates)),
                ("chi_threshold", .number(chiThreshold)),
                ("mc_seed", .string(String(mcSeed ?? spec.seed))),
                ("streams", .string("SplitMix64(seed, stream = mix(realization * gamma) ^ bits(U))")),
            ])),
            ("window", .object([
                ("spec", .string(win.description)),
                ("levels", .array(data.map { .ints([$0.window.lowerBound, $0.window.upperBound]) })),
                ("half_width_mean", .number(Statistics.mean(data.map(\.halfWidth)))),
                ("ipr_mean", .number(iprWindow)),
                ("frozen_core", .string("levels below the window doubly occupied, above empty; core energy and Hartree shift included in E1; n_core " + (sparse ? "by Chebyshev expansion (sparse path: window eigenpairs only, no dense reference; on --solver patches the polynomial error is bounded and the probing error sampled, solver[].frozen_core)" : core == "dense" ? "exact from the eigenvectors below the window" : "by Chebyshev expansion (errors vs dense under solver[].frozen_core)"))),
            ])),
            ("fermi_energy", .numbers(data.map(\.fermiEnergy))),
            ("localization_length_" + data[0].localizationDefinition, .number(lloc)),
            ("localization_length_states", .string(data[0].localizationStates)),
            ("eigen_path", .string(study.settings.solver == .patches ? "patches (localized patches, window only, compressed states)" : sparse ? "sparse (shift-invert, window only)" : "dense")),
            ("dos_N0_per_site_per_spin", .number(dos)),
            ("dos_method", .string("window levels / window energy span / sites, averaged over realizations")),
            ("occupation_fit", .string("<n_a> = 2/(exp(beta (x - mu)) + 1), x = xi_a - E_F averaged per window level over realizations; bootstrap over realizations (200 resamples)")),
            ("spin_orientation_note", .string("E1 depends only on occupations; the relative orientation of distant moments is degenerate, so |S_z| is one member of a degenerate manifold")),
            ("moment_threshold", .number(momentThreshold)),
            ("results", .array(results)),
            ("default_above_paper_count", .int(defaultAbovePaper)),
            ("default_polished_from_paper_count", .int(restartedFromPaper)),
            ("max_threshold_energy_error", .number(worstThreshold)),
            ("solver", .array(data.map(\.solverInfo))),
            ("timings", .object([
                ("diagonalization_seconds", .numbers(diagSeconds)),
                ("diagonalization_mean_seconds", .number(Statistics.mean(diagSeconds))),
                ("search_seconds", .number(searchSeconds)),
                ("seconds_per_proposal", .number(algorithm == "paper" && proposalCount > 0 ? searchSeconds / proposalCount : .nan)),
            ])),
            ("blas_core", .string(BLASRuntime.coreName)),
        ]
        if algorithm == "paper" { body.removeAll { $0.0 == "default_above_paper_count" || $0.0 == "default_polished_from_paper_count" } }
        try ctx.writeSummary(body)
    }
}
