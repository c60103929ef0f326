import FermiGlassIO
import FermiGlassInteracting
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers

/// ``GroundStateStudy`` over the disorder realizations of one model: the study behind
/// `fermiglass ground-state` and the Fig. 2 part of `fermiglass reproduce`.
///
/// A unit is one realization r: its eigenpairs, frozen core and every U of `interactions`
/// (``GroundStateStudy/realization(_:realization:filling:interactions:)``), a
/// ``GroundStateStudy/Realization`` record that depends only on the parameters and r, so the
/// records of worker processes are those of one process. ``aggregate(_:)`` averages them per U
/// (``GroundStateStudy/aggregate(_:uIndex:interaction:)``) into a ``GroundStateReport``: the
/// tables and the summary body `ground-state` writes.
public struct GroundStateRealizations: Study {
    public var study: GroundStateStudy
    public var spec: ModelSpec
    /// The U values, units of t1, in output order.
    public var interactions: [Double]
    /// Energy bins of occupation_vs_xi.csv.
    public var bins: Int
    /// Write each realization's on-site energies (r###/disorder.npy).
    public var saveDisorder: Bool

    public init(study: GroundStateStudy, spec: ModelSpec, interactions: [Double], bins: Int = 40, saveDisorder: Bool = false) {
        self.study = study
        self.spec = spec
        self.interactions = interactions
        self.bins = bins
        self.saveDisorder = saveDisorder
    }

    /// The realizations, in output order.
    public var units: [Int] { spec.realizations }

    /// Realization `r`: eigenpairs, problem, and every U.
    public func record(for r: Int) throws -> GroundStateStudy.Realization {
        guard let filling = spec.filling else { throw ModelError.invalidParameter("the ground state needs a filling (particles)") }
        return try study.realization(spec.model(realization: r), realization: r, filling: filling, interactions: interactions)
    }

    /// The realization averages per U and the tables of the run.
    public func aggregate(_ records: [GroundStateStudy.Realization]) throws -> GroundStateReport {
        guard !records.isEmpty else { throw ModelError.invalidParameter("the ground-state study has no realization") }
        return GroundStateReport(self, records: records)
    }
}

/// What `ground-state` writes: per realization r###/occupations.npy (U, level, spin),
/// moments.npy (U, site; moments.npz, sparse CSR, on --solver patches), window_xi.npy, convergence.csv, census.csv (and disorder.npy);
/// polarized.csv, occupation_by_level.csv, occupation_vs_xi.csv, fig2b.csv; the summary body.
public struct GroundStateReport: Sendable {
    public var records: [GroundStateStudy.Realization]
    /// One realization average per U, in the order of the study's interactions.
    public var aggregates: [GroundStateStudy.Aggregate]
    /// L_loc over the states every realization reports (`localizationDefinition` says which).
    public var localizationLength: Double
    /// (file name, table) of the top-level tables.
    public var tables: [(String, CSVTable)]
    /// summary.json without command, status and provenance (the caller adds them).
    public var summary: [(String, JSON)]
    let run: GroundStateRealizations

    init(_ run: GroundStateRealizations, records data: [GroundStateStudy.Realization]) {
        self.run = run
        records = data
        let s = run.study.settings, us = run.interactions, bins = run.bins
        let algorithm = s.algorithm.rawValue
        let lloc = GroundStateStudy.localizationLength(data)
        localizationLength = lloc
        let iprWindow = Statistics.mean(data.map(\.iprWindowMean))
        let dos = Statistics.mean(data.map(\.dosPerSite))
        let sites = run.spec.lattice.siteCount
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
        var results = [JSON](), aggregates = [GroundStateStudy.Aggregate]()
        let lo = data.map { $0.xiRelative.first! }.min()!, hi = data.map { $0.xiRelative.last! }.max()!
        let width = (hi - lo) / Double(bins)
        var defaultAbovePaper = 0, worstThreshold = 0.0
        for (ui, u) in us.enumerated() {
            let pol = data.map { Double($0.runs[ui].observables.polarized) }
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
            aggregates.append(agg)
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
            fig2b.append([.double(u), .double(agg.uN0), .double(agg.polarizedMean), .double(agg.polarizedStderr),
                          .double(agg.twoSidedMean), .double(agg.oneSidedMean), .double(agg.n0UIPRSites)])
            var entry: [(String, JSON)] = [
                ("U", .number(u)), ("algorithm", .string(algorithm)), ("window", .string(s.window.description)),
                ("polarized", .ints(pol.map { Int($0) })), ("energies", .numbers(data.map { $0.runs[ui].result.energy })),
                ("polarized_mean", .number(agg.polarizedMean)), ("polarized_stderr", .number(agg.polarizedStderr)),
                ("inverse_beta", .number(agg.fit?.inverseBeta ?? .nan)), ("inverse_beta_error", .number(agg.inverseBetaError)),
                ("fit_mu_minus_EF", .number(agg.fit?.mu ?? .nan)),
                ("inverse_beta_over_U_per_L2", .number(agg.inverseBetaPerL2)),
                ("inverse_beta_over_U_per_L2_error", .number(agg.inverseBetaPerL2Error)),
                ("inverse_beta_over_U_ipr", .number(agg.inverseBetaIPR)),
                ("inverse_beta_over_U_ipr_error", .number(agg.inverseBetaIPRError)),
                ("census_one_sided", .ints(data.map { $0.runs[ui].census.oneSided })),
                ("census_two_sided", .ints(data.map { $0.runs[ui].census.twoSided })),
                ("census_one_sided_mean", .number(agg.oneSidedMean)), ("census_two_sided_mean", .number(agg.twoSidedMean)),
                ("mu_star_minus_EF", .numbers(data.map { $0.runs[ui].census.muStar - $0.fermiEnergy })),
                ("N0_U_IPR_sites", .number(agg.n0UIPRSites)), ("N0_U_IPR_per_site", .number(dos * u * iprWindow)),
                ("polarized_per_site_mean", .number(Statistics.mean(pol) / Double(sites))),
                ("moment_density_n_m", .number(Statistics.mean(pol) / Double(sites))), ("U_N0", .number(agg.uN0)),
                ("abs_Sz", .numbers(data.map { $0.runs[ui].observables.totalSz })),
                ("doubly_occupied", .ints(data.map { $0.runs[ui].observables.doublyOccupied })),
                ("empty", .ints(data.map { $0.runs[ui].observables.empty })),
                ("pairs_above_EF", .ints(data.map { $0.runs[ui].observables.pairsAboveFermi })),
                ("sites_above_moment_threshold", .ints(data.map { $0.runs[ui].observables.sitesAboveThreshold })),
                ("window_half_width_over_U_ipr", .number(Statistics.mean(data.map(\.halfWidth)) / abs(u * iprWindow))),
            ]
            if s.algorithm == .default {
                entry.append(("paper_energies", .numbers(data.map { $0.runs[ui].paperEnergy ?? .nan })))
                entry.append(("paper_polarized", .ints(data.map { $0.runs[ui].paperPolarized ?? -1 })))
            }
            results.append(.object(entry))
        }
        self.aggregates = aggregates
        tables = [("polarized.csv", polarizedTable), ("occupation_by_level.csv", byLevel), ("occupation_vs_xi.csv", binned),
                  ("fig2b.csv", fig2b)]
        let proposalCount = Double(s.proposals * us.count * data.count)
        let coreNote = sparse ? "by Chebyshev expansion (sparse path: window eigenpairs only, no dense reference; on --solver patches the polynomial error is bounded and the probing error sampled, solver[].frozen_core)"
            : s.core == .dense ? "exact from the eigenvectors below the window" : "by Chebyshev expansion (errors vs dense under solver[].frozen_core)"
        var body: [(String, JSON)] = [
            ("parameters", run.spec.json),
            ("algorithm", .string(algorithm)),
            ("algorithm_settings", .object([
                ("proposals", .int(s.proposals)),
                ("paper_rule", .string("k, p uniform in the window; skip k == p or all four slots full/empty; one occupied and one empty slot of the four uniformly; keep iff dE < -1e-12 * energy scale; every proposal counts")),
                ("proposals_per_window_level", .number(Double(s.proposals) / max(1, Statistics.mean(data.map { Double($0.xi.count) })))),
                ("paper_budget_note", .string("the paper's pairs are uniform over the window: with k window levels a proposal picks two states whose supports meet with probability ~ (pairs meeting) / (k^2 / 2), so at 10^4 levels most proposals are spent on far-apart pairs (chi ~ 0); --proposals is not scaled with k")),
                ("restarts", .int(s.restarts)), ("pair_candidates", .int(s.pairCandidates)),
                ("chi_threshold", .number(s.chiThreshold)),
                ("mc_seed", .string(String(s.seed))),
                ("streams", .string("SplitMix64(seed, stream = mix(realization * gamma) ^ bits(U))")),
            ])),
            ("window", .object([
                ("spec", .string(s.window.description)),
                ("levels", .array(data.map { .ints([$0.window.lowerBound, $0.window.upperBound]) })),
                ("half_width_mean", .number(Statistics.mean(data.map(\.halfWidth)))),
                ("ipr_mean", .number(iprWindow)),
                ("frozen_core", .string("levels below the window doubly occupied, above empty; core energy and Hartree shift included in E1; n_core " + coreNote)),
            ])),
            ("fermi_energy", .numbers(data.map(\.fermiEnergy))),
            ("localization_length_" + data[0].localizationDefinition, .number(lloc)),
            ("localization_length_states", .string(data[0].localizationStates)),
            ("eigen_path", .string(s.solver == .patches ? "patches (localized patches, window only, compressed states)" : sparse ? "sparse (shift-invert, window only)" : "dense")),
            ("dos_N0_per_site_per_spin", .number(dos)),
            ("dos_method", .string("window levels / window energy span / sites, averaged over realizations")),
            ("occupation_fit", .string("<n_a> = 2/(exp(beta (x - mu)) + 1), x = xi_a - E_F averaged per window level over realizations; bootstrap over realizations (200 resamples)")),
            ("spin_orientation_note", .string("E1 depends only on occupations; the relative orientation of distant moments is degenerate, so |S_z| is one member of a degenerate manifold")),
            ("moment_threshold", .number(s.momentThreshold)),
            ("results", .array(results)),
            ("default_above_paper_count", .int(defaultAbovePaper)),
            ("default_polished_from_paper_count", .int(restartedFromPaper)),
            ("max_threshold_energy_error", .number(worstThreshold)),
            ("solver", .array(data.map(\.solverInfo))),
            ("timings", .object([
                ("diagonalization_seconds", .numbers(diagSeconds)),
                ("diagonalization_mean_seconds", .number(Statistics.mean(diagSeconds))),
                ("search_seconds", .number(searchSeconds)),
                ("seconds_per_proposal", .number(s.algorithm == .paper && proposalCount > 0 ? searchSeconds / proposalCount : .nan)),
            ])),
            ("blas_core", .string(BLASRuntime.coreName)),
        ]
        if s.algorithm == .paper { body.removeAll { $0.0 == "default_above_paper_count" || $0.0 == "default_polished_from_paper_count" } }
        summary = body
    }

    /// Writes every file but summary.json into `out` (r###/ per realization; the occupations
    /// and moments also at the top level for a single realization, CONVENTIONS.md §4).
    /// `under`: a sub-directory of `out` ("" or "fig2-default/").
    public func write(to out: OutputDirectory, under prefix: String = "") throws {
        let nu = run.interactions.count, single = records.count == 1
        for d in records {
            let dir = prefix + String(format: "r%03d", d.realization)
            let k = d.xi.count
            try out.write(npy: d.occupations, shape: [nu, k, 2], to: "\(dir)/occupations.npy")
            try writeMoments(d, to: out, path: "\(dir)/moments")
            try out.write(npy: d.xi, to: "\(dir)/window_xi.npy")
            if let c = d.convergence { try out.write(csv: c, to: "\(dir)/convergence.csv") }
            if let c = d.census { try out.write(csv: c, to: "\(dir)/census.csv") }
            if run.saveDisorder { try out.write(npy: try run.spec.model(realization: d.realization).onsiteEnergies, to: "\(dir)/disorder.npy") }
            if single {
                try out.write(npy: d.occupations, shape: [nu, k, 2], to: prefix + "occupations.npy")
                try writeMoments(d, to: out, path: prefix + "moments")
            }
        }
        for (name, table) in tables { try out.write(csv: table, to: prefix + name) }
    }

    /// The moment maps of a realization: on `--solver patches` a sparse (U, site) matrix
    /// `moments.npz` (scipy.sparse CSR layout, `scipy.sparse.load_npz`; only the sites where
    /// m_i != 0, the union of the polarized states' supports), elsewhere the dense (U, site)
    /// array `moments.npy` as before.
    func writeMoments(_ d: GroundStateStudy.Realization, to out: OutputDirectory, path: String) throws {
        let nu = run.interactions.count, n = d.sites
        if run.study.settings.solver == .patches {
            try out.write(try NPZ.encodeCSR(rows: nu, columns: n, indptr: d.momentRows, indices: d.momentSites, data: d.momentValues),
                          to: path + ".npz")
        } else {
            var dense = [Double](repeating: 0, count: nu * n)
            for u in 0..<nu {
                for j in d.momentRows[u]..<d.momentRows[u + 1] { dense[u * n + d.momentSites[j]] = d.momentValues[j] }
            }
            try out.write(npy: dense, shape: [nu, n], to: path + ".npy")
        }
    }
}
