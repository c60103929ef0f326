import FermiGlassIO
import FermiGlassInteracting
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers

/// `ground-state --solver patches` (issue 18): the window from the localized-patch solver
/// (``PatchBackend``: certified by global inertia counts, every state compressed on its
/// rectangle), the frozen core from ``ChebyshevCore`` with its order chosen for a bound on the
/// polynomial error and its probing error measured at sample sites, and the first-order problem
/// built on the compressed states (chi_ac stored sparse, only the pairs whose rectangles meet;
/// a pair whose rectangles do not meet is 0 as stored and at most w_a + w_c in truth, w the
/// states' discarded weights).
///
/// Nothing here holds sites x window numbers: the states are compressed, the core density and
/// the moment maps are one N-vector each.
extension GroundStateStudy {
    /// What the patch path hands back to ``realization(_:realization:filling:interactions:)``.
    struct PatchWindow {
        var problem: GroundStateProblem
        var fermi: FermiLevel
        var range: Range<Int>
        var checks: SolveDiagnostics
        var windowStorage: JSON
        var coreInfo: [(String, JSON)]
        var patchInfo: JSON
        /// Polynomial bound + sampled probing error of n_core (see ``ChebyshevCore``).
        var coreErrorEstimate: Double
    }

    /// The patch path's first-order problem of one realization alone (window, core, chi), with
    /// the window's global levels, the estimated core-density error and the solver block: for
    /// tests and drivers that run their own minimizer.
    public func patchProblem(_ model: DisorderedModel, filling: Filling, realization r: Int = 0) throws
        -> (problem: GroundStateProblem, window: Range<Int>, coreErrorEstimate: Double, info: JSON) {
        let w = try patchWindow(model, h: model.hamiltonian(), filling: filling, realization: r)
        return (w.problem, w.range, w.coreErrorEstimate, .object(w.coreInfo + [("patches", w.patchInfo)]))
    }

    /// The window, core and problem of one realization on the patch path.
    func patchWindow(_ model: DisorderedModel, h: CSRMatrix, filling: Filling, realization r: Int) throws -> PatchWindow {
        let s = settings
        let clock = ContinuousClock()
        let f = filling.fermiIndex
        let budget = s.maxDiscardedWeight ?? 1e-12
        let request = EigenRequest(solver: .patches, selection: .fermiWindow(fermiIndex: f, window: s.window), vectors: true,
                                   engine: s.engine, storage: .local(lattice: model.lattice, maxDiscardedWeight: budget),
                                   model: model, patches: s.patches)
        let sol = try Eigensolver.solve(h, request)
        guard sol.diagnostics.certified, let local = sol.local else {
            let why = sol.patches?.certificate?.reasons.joined(separator: "; ") ?? "no certificate"
            throw SolverError.incompleteWindow(expected: sol.patches?.certificate?.expected ?? -1, found: sol.pairs.count,
                                               message: "realization \(r): the patch solver did not certify the window \(s.window): \(why)")
        }
        guard let lo = local.firstLevel, local.count > 0 else {
            throw SolverError.emptySelection("realization \(r): the window \(s.window) around E_F holds no level")
        }
        let range = lo..<(lo + local.count)
        guard range.contains(f - 1) || range.contains(f) || sol.fermiLevel != nil else {
            throw SolverError.emptySelection("realization \(r): the window \(s.window) does not reach the Fermi level")
        }
        let fermi = sol.fermiLevel ?? FermiLevel(highestOccupied: local.values[f - 1 - lo], lowestEmpty: local.values[f - lo],
                                                 openShell: local.values[f - lo] - local.values[f - 1 - lo] <= 1e-10 * h.infinityNorm)
        // Every non-window level lies below `lower` or at/above `upper` (the certified edges).
        let edges = sol.patches?.window ?? (local.values.first!, local.values.last!.nextUp)
        let c0 = clock.now
        let stepSeries: (coefficients: [Double], moments: Int, bound: Double)
        if let m = s.chebyshevMomentsOnPatches {
            let c = ChebyshevCore.erfcStep(h: h, window: local, lower: edges.lower, upper: edges.upper, moments: m, widthRatio: 3.5)
            stepSeries = (c, m, ChebyshevCore.stepErrorBound(h: h, window: local, lower: edges.lower, upper: edges.upper, coefficients: c))
        } else {
            stepSeries = ChebyshevCore.step(h: h, window: local, lower: edges.lower, upper: edges.upper, target: s.corePolynomialTarget)
        }
        let m = stepSeries.moments, polyBound = stepSeries.bound
        let stepSeconds = (clock.now - c0).seconds
        let spacing = s.probeSpacing ?? Self.defaultProbeSpacing(model.lattice)
        let cheb = try ChebyshevCore.coreDensity(h: h, lattice: model.lattice, window: local, coefficients: stepSeries.coefficients,
                                                 probeSpacing: spacing, progress: { s.progress?("Chebyshev core probe", $0, $1) })
        let coreSeconds = (clock.now - c0).seconds
        let c1 = clock.now
        let samples = ChebyshevCore.sampleSites(model.lattice, count: spacing == nil ? 0 : s.coreSampleSites)
        let exact = try ChebyshevCore.sampledDiagonal(h: h, lattice: model.lattice, window: local, coefficients: stepSeries.coefficients, sites: samples)
        let probing = zip(samples, exact).map { abs(cheb.density[$0.0] - $0.1) }.max() ?? 0
        let sampleSeconds = (clock.now - c1).seconds
        let p0 = clock.now
        let problem = try GroundStateProblem(window: local, coreDensity: cheb.density, coreBandEnergy: cheb.bandEnergy,
                                             totalParticles: filling.particles)
        let coreInfo: [(String, JSON)] = [
            ("core", .string("chebyshev (O(V): probes x sites x moments)")), ("chebyshev_seconds", .number(coreSeconds)),
            ("step", .string("erfc step, undamped Chebyshev interpolant, order and width chosen for the polynomial error target")),
            ("step_choice_seconds", .number(stepSeconds)),
            ("moments", .int(m)), ("probes", .int(cheb.probes)),
            ("probe_spacing", spacing.map { .int($0) } ?? .string("none (one probe per site, exact diagonal)")),
            ("polynomial_error_bound", .number(polyBound)),
            ("polynomial_error_target", .number(s.corePolynomialTarget)),
            ("probing_error_sample_sites", .int(samples.count)),
            ("probing_error_sampled_max", .number(probing)),
            ("probing_check_seconds", .number(sampleSeconds)),
            ("core_density_error_sampled_estimate", .number(polyBound + probing)),
            ("core_density_error_note", .string("polynomial bound + probing error at the sample sites only: a lower-side estimate of max |delta n| (40 x 40, W = 40, spacing 10: 1.4e-7 sampled at 4 sites against a 1.1e-5 core-shift error)")),
            ("problem_seconds", .number((clock.now - p0).seconds)),
            ("errors", .string("polynomial part bounded (max |S - step| outside the certified window); probing crosstalk measured at the sample sites by unit probes, not bounded elsewhere")),
        ]
        var patchInfo: [(String, JSON)] = []
        if let rep = sol.patches {
            if let l = rep.layout {
                patchInfo.append(("layout", .object([("interior", .int(l.interior)), ("halo", .int(l.halo)), ("patches", .int(l.count)),
                                                    ("wraps", .bool(l.anyPatchWraps))])))
            }
            if let why = rep.fallback { patchInfo.append(("fallback", .string(why))) }
            patchInfo.append(("window", .object([("lower", .number(rep.window.lower)), ("upper", .number(rep.window.upper))])))
            patchInfo.append(("passes", .array(rep.passes.map { .object([("name", .string($0.name)), ("patch_solves", .int($0.solves)),
                                                                         ("states", .int($0.states))]) })))
            patchInfo.append(("max_error_bound", .number(rep.bounds.max() ?? 0)))
            if let c = rep.certificate {
                patchInfo.append(("certified", .bool(c.certified)))
                patchInfo.append(("expected_by_inertia", .int(c.expected)))
                patchInfo.append(("max_residual", .number(c.maxResidual)))
            }
        }
        // chi_ac: only the pairs whose rectangles meet are stored (``MeetingOverlaps``); the rest
        // is zero as stored and at most 2 max w in truth.
        let k = local.count
        let meeting = (problem.overlap.nonzeroCount - k) / 2
        patchInfo.append(("chi_storage", .string("sparse CSR over the pairs whose stored rectangles meet (both triangles)")))
        patchInfo.append(("chi_pairs_meeting", .int(meeting)))
        patchInfo.append(("chi_pairs_total", .int(k * (k - 1) / 2)))
        patchInfo.append(("chi_pairs_dropped", .int(k * (k - 1) / 2 - meeting)))
        patchInfo.append(("chi_partners_mean", .number(k > 0 ? 2 * Double(meeting) / Double(k) : 0)))
        patchInfo.append(("chi_dropped_weight_bound", .number(problem.chiDroppedWeightBound)))
        // The paper Monte Carlo draws k and p uniformly: this is the chance a proposal picks a
        // pair that interacts at all (the rest only reshuffles independent levels).
        patchInfo.append(("paper_proposal_meeting_probability", .number(k > 0 ? 2 * Double(meeting) / Double(k * k) : 0)))
        patchInfo.append(("chi_dropped_weight_note", .string("per pair: |chi_ac(true) - chi_ac(stored)| <= w_a + w_c <= 2 max w (w: each state's discarded weight outside its rectangle); a dropped pair is 0 as stored")))
        return PatchWindow(problem: problem, fermi: fermi, range: range, checks: sol.diagnostics,
                           windowStorage: local.storageSummary(maxDiscardedWeightAllowed: budget), coreInfo: coreInfo,
                           patchInfo: .object(patchInfo), coreErrorEstimate: polyBound + probing)
    }
}

extension GroundStateStudy {
    /// Expected window states of an energy:D window before any solve: 0.3 D per site (the
    /// paper model at W = 9 has ~0.2 D: 0.02 V states for D = 0.1, issue 17; W = 12-20 fewer),
    /// so the plan errs on the large side.
    static func expectedWindowStates(_ window: FermiWindow, sites n: Int, fermiIndex f: Int) -> Double {
        switch window {
        case .levels(let k): return Double(min(f, k) + min(n - f, k))
        case .energy(let d): return max(1, 0.3 * d * Double(n))
        }
    }

    /// Memory of the patch path: the patch solver's own plan (whole-lattice factor for the
    /// counts, one patch at a time), the compressed states (expected states x the mean support
    /// of a state kept to 1e-12, taken as 4 x 10^4 sites = 0.3 MB, issue 17), the sparse chi_ac
    /// of the window (12 bytes per stored entry; a state meets the states within about twice its
    /// support's side, 4 x support x k / N partners, at most k), the core's probe block and
    /// density (a few N-vectors) and the per-U moment maps (at most N each).
    func patchMemoryPlan(lattice: Lattice, filling: Filling, interactions us: Int) -> MemoryEstimate {
        let n = lattice.siteCount
        let N = Double(n)
        let k = Self.expectedWindowStates(settings.window, sites: n, fermiIndex: filling.fermiIndex)
        let request = EigenRequest(solver: .patches, selection: .fermiWindow(fermiIndex: filling.fermiIndex, window: settings.window),
                                   vectors: true, engine: settings.engine, storage: .local(lattice: lattice, maxDiscardedWeight: 1e-12),
                                   patches: settings.patches)
        let support = min(N, 40_000)
        return MemoryPlan.estimate(sites: n, request: request, extra: [
            ("compressed window states (expected count x 4e4 sites)", 8 * k * support),
            ("chi_ac of the window states (sparse, meeting pairs)", 12 * k * min(k, 4 * support * k / N + 1)),
            ("Chebyshev core vectors (probe block, density)", 8 * 8 * N),
            ("occupations and moment maps per U", 8 * Double(max(us, 1)) * (N + 2 * k)),
        ])
    }
}
