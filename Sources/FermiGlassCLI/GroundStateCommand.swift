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
            with paper on every run. Writes summary.json (a `results` entry per U), \
            polarized.csv, occupation_by_level.csv, occupation_vs_xi.csv, fig2b.csv and per \
            realization r###/occupations.npy (U, level, spin), moments.npy (U, site), \
            convergence.csv, census.csv, window_xi.npy.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var io: RunOptions

    @Option(name: .customLong("U"), help: "Hubbard U values, comma separated (U < 0 is attractive).")
    var uValues: String

    @Option(help: "paper (the authors' Monte Carlo) or default (local search with restarts).")
    var algorithm: String = "default"

    @Option(help: "Window: levels:K (levels N/2-K..<N/2+K) or energy:D (|xi - E_F| <= D).")
    var window: String = "levels:100"

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
        do { _ = try EnergyWindow(parsing: window) } catch let e as ModelError { throw ValidationError("--window: \(e.description)") }
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

    /// Per-(realization, U) outcome kept for the aggregates.
    struct Run {
        var observables: GroundStateObservables
        var result: GroundStateResult
        var paperEnergy: Double?
        var paperPolarized: Int?
        var census: StabilityCensus
        var seconds: Double
    }

    struct RealizationData {
        var realization: Int
        var window: Range<Int>
        var xiRelative: [Double]
        var fermiEnergy: Double
        var iprWindowMean: Double
        var dosPerSite: Double
        var halfWidth: Double
        var runs: [Run]
    }

    func run() throws {
        let spec = try model.resolve(needsFilling: true)
        let us = try parsedU()
        let win = try EnergyWindow(parsing: window)
        let filling = spec.filling!
        let ctx = try RunContext(command: "ground-state", options: io)
        let seed = mcSeed ?? spec.seed
        let clock = ContinuousClock()
        try ctx.run {
            var data = [RealizationData]()
            var allIPR = [Double]()
            var diagSeconds = [Double](), searchSeconds = 0.0
            var solverInfo = [JSON]()
            for (kIndex, r) in spec.realizations.enumerated() {
                let m = try spec.model(realization: r)
                let h = m.hamiltonian()
                let n = h.rowCount
                // The window needs every level up to its top; energy windows need the spectrum first.
                let t0 = clock.now
                let solution: EigenSolution
                if eigen == "full" {
                    solution = try Eigensolver.solve(h, EigenRequest(selection: .all))
                } else {
                    let top: Int
                    switch win {
                    case .levels(let k): top = filling.fermiIndex + k
                    case .energy:
                        let values = try Eigensolver.solve(h, EigenRequest(selection: .all, vectors: false)).pairs.values
                        top = try win.levelRange(values: values, fermiIndex: filling.fermiIndex, levelCount: n).upperBound
                    }
                    guard top <= n else { throw ModelError.invalidParameter("window \(win) reaches past the \(n) levels") }
                    solution = try Eigensolver.solve(h, EigenRequest(selection: .levels(0..<top)))
                }
                let diag = (clock.now - t0).seconds
                diagSeconds.append(diag)
                let pairs = solution.pairs
                let range = try win.levelRange(values: pairs.values, fermiIndex: filling.fermiIndex, levelCount: n)
                let ef = 0.5 * (pairs.values[filling.fermiIndex - 1] + pairs.values[filling.fermiIndex])
                if pairs.values[filling.fermiIndex] - pairs.values[filling.fermiIndex - 1] <= 1e-10 * h.infinityNorm {
                    throw ModelError.invalidParameter(
                        "realization \(r): levels \(filling.fermiIndex - 1) and \(filling.fermiIndex) are degenerate (open shell): the Fermi sea is not unique")
                }
                let exactProblem = try GroundStateProblem(pairs: pairs, window: range, totalParticles: filling.particles)
                var problem = exactProblem
                var coreInfo: [(String, JSON)] = [("core", .string(core))]
                if core == "chebyshev" {
                    let c0 = clock.now
                    let cheb = try ChebyshevCore.coreDensity(h: h, lattice: spec.lattice, window: pairs.subset(range),
                                                             moments: chebyshevMoments, probeSpacing: probeSpacing == 0 ? nil : probeSpacing)
                    problem = try GroundStateProblem(window: pairs.subset(range), coreDensity: cheb.density,
                                                     coreBandEnergy: cheb.bandEnergy, totalParticles: filling.particles)
                    let exactCore = GroundStateProblem.coreDensity(pairs: pairs, below: range.lowerBound)
                    coreInfo += [
                        ("chebyshev_seconds", .number((clock.now - c0).seconds)),
                        ("moments", .int(cheb.moments)), ("probes", .int(cheb.probes)),
                        ("core_density_max_error", .number(zip(cheb.density, exactCore).map { abs($0 - $1) }.max() ?? 0)),
                        ("core_shift_max_error", .number(zip(problem.coreShift, exactProblem.coreShift).map { abs($0 - $1) }.max() ?? 0)),
                        ("core_band_energy_error", .number(cheb.bandEnergy - exactProblem.coreBandEnergy)),
                        ("core_self_overlap_error", .number(problem.coreSelfOverlap - exactProblem.coreSelfOverlap)),
                    ]
                }
                allIPR += Localization.ipr(pairs)
                solverInfo.append(.object([
                    ("realization", .int(r)), ("method", .string(solution.diagnostics.method)),
                    ("levels_computed", .int(pairs.count)), ("seconds", .number(diag)),
                    ("timings", .object(solution.diagnostics.timings.map { ($0.0, .number($0.1)) })),
                    ("frozen_core", .object(coreInfo)),
                    ("max_residual", .number(solution.diagnostics.maxResidual)),
                    ("max_orthogonality_error", .number(solution.diagnostics.maxOrthogonalityError)),
                ]))
                let k = problem.count
                let ipr = problem.ipr
                let xiRel = problem.xi.map { $0 - ef }
                let halfWidth = max(abs(xiRel.first!), abs(xiRel.last!))
                let dos = k > 1 ? Double(k - 1) / (problem.xi.last! - problem.xi.first!) / Double(n) : .nan
                var runs = [Run]()
                var occupations = [Double](), moments = [Double]()
                var convergence = CSVTable(header: ["U", "algorithm", "step", "energy", "polarized"])
                var census = CSVTable(header: ["U", "window_level", "level", "xi_minus_EF", "E1", "E1_minus_mu_star", "half_U_IPR", "one_sided", "two_sided"])
                for u in us {
                    let s0 = clock.now
                    var rng = SplitMix64(seed: seed, stream: SplitMix64.mix(UInt64(r) &* SplitMix64.gamma) ^ u.bitPattern)
                    let paper = PaperMonteCarlo.run(problem, U: u, proposals: proposals, rng: &rng)
                    var result = paper
                    var paperEnergy: Double? = nil, paperPolarized: Int? = nil
                    if algorithm == "default" {
                        let minimizer = LocalSearchMinimizer(chiThreshold: chiThreshold, pairCandidates: pairCandidates, restarts: restarts,
                                                             seed: seed, stream: SplitMix64.mix(UInt64(r) &+ 0x5EED) ^ u.bitPattern)
                        result = minimizer.run(problem, U: u)
                        paperEnergy = paper.energy
                        paperPolarized = paper.occupations.polarized
                        for p in paper.convergence {
                            convergence.append([.double(u), "paper", .int(p.step), .double(p.energy), .int(p.polarized)])
                        }
                    }
                    let sec = (clock.now - s0).seconds
                    searchSeconds += sec
                    for p in result.convergence {
                        convergence.append([.double(u), .string(result.algorithm), .int(p.step), .double(p.energy), .int(p.polarized)])
                    }
                    let obs = GroundStateObservables(problem: problem, result: result, U: u, momentThreshold: momentThreshold)
                    let c = problem.census(U: u)
                    let one = Set(c.oneSidedLevels), two = Set(c.twoSidedLevels)
                    for a in 0..<k {
                        census.append([.double(u), .int(a), .int(range.lowerBound + a), .double(xiRel[a]), .double(c.hartreeEnergies[a]),
                                       .double(c.hartreeEnergies[a] - c.muStar), .double(0.5 * u * ipr[a]),
                                       .int(one.contains(a) ? 1 : 0), .int(two.contains(a) ? 1 : 0)])
                    }
                    for a in 0..<k { occupations.append(Double(result.occupations.up[a])); occupations.append(Double(result.occupations.dn[a])) }
                    moments += obs.moments
                    runs.append(Run(observables: obs, result: result, paperEnergy: paperEnergy, paperPolarized: paperPolarized, census: c, seconds: sec))
                }
                let dir = RunContext.realizationDirectory(r)
                try ctx.output.write(npy: occupations, shape: [us.count, k, 2], to: "\(dir)/occupations.npy")
                try ctx.output.write(npy: moments, shape: [us.count, n], to: "\(dir)/moments.npy")
                try ctx.output.write(npy: problem.xi, to: "\(dir)/window_xi.npy")
                try ctx.output.write(csv: convergence, to: "\(dir)/convergence.csv")
                try ctx.output.write(csv: census, to: "\(dir)/census.csv")
                if model.saveDisorder { try ctx.output.write(npy: m.onsiteEnergies, to: "\(dir)/disorder.npy") }
                if spec.realizations.count == 1 {
                    try ctx.output.write(npy: occupations, shape: [us.count, k, 2], to: "occupations.npy")
                    try ctx.output.write(npy: moments, shape: [us.count, n], to: "moments.npy")
                }
                data.append(RealizationData(realization: r, window: range, xiRelative: xiRel, fermiEnergy: ef,
                                            iprWindowMean: Statistics.mean(ipr), dosPerSite: dos, halfWidth: halfWidth, runs: runs))
                ctx.progress(kIndex + 1, of: spec.realizations.count)
            }
            try writeAggregates(ctx: ctx, spec: spec, us: us, win: win, data: data, allIPR: allIPR,
                                diagSeconds: diagSeconds, searchSeconds: searchSeconds, solverInfo: solverInfo)
        }
    }

    /// Realization-averaged occupation per window level (levels aligned by their index in the
    /// window, which is the same offset from N/2 in every realization for levels:K windows).
    static func averagedCurve(_ data: [RealizationData], uIndex: Int) -> (x: [Double], y: [Double]) {
        let k = data.map { $0.xiRelative.count }.min() ?? 0
        var x = [Double](repeating: 0, count: k), y = x
        for d in data {
            let total = d.runs[uIndex].result.occupations.total
            for a in 0..<k { x[a] += d.xiRelative[a]; y[a] += Double(total[a]) }
        }
        let r = Double(data.count)
        return (x.map { $0 / r }, y.map { $0 / r })
    }

    func writeAggregates(ctx: RunContext, spec: ModelSpec, us: [Double], win: EnergyWindow, data: [RealizationData],
                         allIPR: [Double], diagSeconds: [Double], searchSeconds: Double, solverInfo: [JSON]) throws {
        let lloc = Localization.length(ipr: allIPR)
        let iprWindow = Statistics.mean(data.map(\.iprWindowMean))
        let dos = Statistics.mean(data.map(\.dosPerSite))
        let sites = spec.lattice.siteCount
        var polarizedTable = CSVTable(header: ["U", "realization", "algorithm", "energy", "paper_energy", "polarized", "abs_Sz",
                                               "doubly_occupied", "empty", "pairs_above_EF", "holes_below_EF",
                                               "sites_above_moment_threshold", "census_one_sided", "census_two_sided",
                                               "threshold_energy_error", "steps", "accepted", "seconds"])
        var byLevel = CSVTable(header: ["U", "window_level", "mean_xi_minus_EF", "mean_occupation"])
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
                                       .double(run.result.thresholdEnergyError), .int(run.result.steps), .int(run.result.accepted),
                                       .double(run.seconds)])
            }
            let curve = Self.averagedCurve(data, uIndex: ui)
            for a in 0..<curve.x.count { byLevel.append([.double(u), .int(a), .double(curve.x[a]), .double(curve.y[a])]) }
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
            let fit = FermiFunctionFit.fit(x: curve.x, y: curve.y)
            let fitError = Statistics.bootstrapError(Array(data.indices), resamples: 200, seed: 4242) { sample in
                let c = Self.averagedCurve(sample.map { data[$0] }, uIndex: ui)
                return FermiFunctionFit.fit(x: c.x, y: c.y)?.inverseBeta ?? .nan
            }
            let invBeta = fit?.inverseBeta ?? .nan
            let perL2 = invBeta * lloc * lloc / u, perIPR = invBeta / (u * iprWindow)
            let scale2 = lloc * lloc / abs(u), scaleIPR = 1 / abs(u * iprWindow)
            let oneMean = Statistics.mean(data.map { Double($0.runs[ui].census.oneSided) })
            let twoMean = Statistics.mean(data.map { Double($0.runs[ui].census.twoSided) })
            let estimate = dos * Double(sites) * u * iprWindow
            fig2b.append([.double(u), .double(u * dos), .double(Statistics.mean(pol)), .double(Statistics.standardError(pol)),
                          .double(twoMean), .double(oneMean), .double(estimate)])
            var entry: [(String, JSON)] = [
                ("U", .number(u)),
                ("algorithm", .string(algorithm)),
                ("window", .string(win.description)),
                ("polarized", .ints(pol.map { Int($0) })),
                ("energies", .numbers(energies)),
                ("polarized_mean", .number(Statistics.mean(pol))),
                ("polarized_stderr", .number(Statistics.standardError(pol))),
                ("inverse_beta", .number(invBeta)),
                ("inverse_beta_error", .number(fitError)),
                ("fit_mu_minus_EF", .number(fit?.mu ?? .nan)),
                ("inverse_beta_over_U_per_L2", .number(perL2)),
                ("inverse_beta_over_U_per_L2_error", .number(fitError * scale2)),
                ("inverse_beta_over_U_ipr", .number(perIPR)),
                ("inverse_beta_over_U_ipr_error", .number(fitError * scaleIPR)),
                ("census_one_sided", .ints(data.map { $0.runs[ui].census.oneSided })),
                ("census_two_sided", .ints(data.map { $0.runs[ui].census.twoSided })),
                ("census_one_sided_mean", .number(oneMean)),
                ("census_two_sided_mean", .number(twoMean)),
                ("mu_star_minus_EF", .numbers(data.map { $0.runs[ui].census.muStar - $0.fermiEnergy })),
                ("N0_U_IPR_sites", .number(estimate)),
                ("U_N0", .number(u * dos)),
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
                ("frozen_core", .string("levels below the window doubly occupied, above empty; core energy and Hartree shift included in E1; n_core " + (core == "dense" ? "exact from the eigenvectors below the window" : "by Chebyshev expansion (errors vs dense under solver[].frozen_core)"))),
            ])),
            ("fermi_energy", .numbers(data.map(\.fermiEnergy))),
            ("localization_length_all_states", .number(lloc)),
            ("localization_length_states", .string(eigen == "full" ? "all states of every realization" : "levels 0..<window top of every realization (partial solve)")),
            ("dos_N0_per_site_per_spin", .number(dos)),
            ("dos_method", .string("window levels / window energy span / sites, averaged over realizations")),
            ("occupation_fit", .string("<n_a> = 2/(exp(beta (x - mu)) + 1), x = xi_a - E_F averaged per window level over realizations; bootstrap over realizations (200 resamples)")),
            ("spin_orientation_note", .string("E1 depends only on occupations; the relative orientation of distant moments is degenerate, so |S_z| is one member of a degenerate manifold")),
            ("moment_threshold", .number(momentThreshold)),
            ("results", .array(results)),
            ("default_above_paper_count", .int(defaultAbovePaper)),
            ("max_threshold_energy_error", .number(worstThreshold)),
            ("solver", .array(solverInfo)),
            ("timings", .object([
                ("diagonalization_seconds", .numbers(diagSeconds)),
                ("diagonalization_mean_seconds", .number(Statistics.mean(diagSeconds))),
                ("search_seconds", .number(searchSeconds)),
                ("seconds_per_proposal", .number(algorithm == "paper" && proposalCount > 0 ? searchSeconds / proposalCount : .nan)),
            ])),
            ("blas_core", .string(BLASRuntime.coreName)),
        ]
        if algorithm == "paper" { body.removeAll { $0.0 == "default_above_paper_count" } }
        try ctx.writeSummary(body)
    }
}
