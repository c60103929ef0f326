import FermiGlassIO
import FermiGlassInteracting
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers

/// The first-order interacting ground state of one lattice over a U sweep (the paper's
/// Sec. III-IV, Fig. 2; CONVENTIONS.md §2), as a library type: `fermiglass ground-state` and
/// `fermiglass sweep` both run it.
///
/// Per realization (``realization(_:realization:filling:interactions:)``): the window eigenpairs
/// (dense: LAPACK, every level or every level up to the window's top; sparse: CHOLMOD LDL^T +
/// Krylov shift-invert for the window only, `.fermiWindow`), the frozen core (dense: exact,
/// n_core(i) = sum_{c below} |phi_c(i)|^2; sparse: ``ChebyshevCore``), one
/// ``GroundStateProblem`` reused for every U, and per U the paper's Monte Carlo and/or the
/// default local-search minimizer, the observables and the stability census.
/// Aggregates over realizations (``aggregate(_:interaction:)``): polarized mean and standard
/// error, the Fermi-function fit of <n_a> with its bootstrap error, census means, U N(0).
public struct GroundStateStudy: Sendable {
    /// The minimizer: the authors' Monte Carlo or the deterministic local search (default).
    public enum Algorithm: String, Sendable { case paper, `default` }
    /// Frozen-core density: exact from the core eigenvectors, or by Chebyshev expansion.
    public enum Core: String, Sendable { case dense, chebyshev }
    /// Dense eigenpairs: every level (L_loc over all states) or levels below the window's top.
    public enum DenseEigen: String, Sendable { case full, partial }

    public struct Settings: Sendable {
        public var window: FermiWindow = .levels(100)
        public var algorithm: Algorithm = .default
        public var proposals: Int = 100_000
        public var restarts: Int = 10
        public var pairCandidates: Int = 16
        public var chiThreshold: Double = 1e-9
        /// Seed of the Monte Carlo / minimizer streams.
        public var seed: UInt64 = 1
        public var momentThreshold: Double = 0.05
        /// Solver: dense, shift-invert, or auto (``GroundStateStudy/autoCrossover``).
        public var solver: SolverChoice = .dense
        public var engine: ShiftInvertOptions = ShiftInvertOptions()
        /// Sparse path: the window states are kept as compressed local states
        /// (``LocalEigenstates``), each dropping at most this weight of |phi|^2 outside its
        /// rectangle (chi_ac then changes by at most about this much, see ``EigenstateStore``);
        /// nil keeps dense columns.
        public var maxDiscardedWeight: Double? = 1e-12
        /// Complete dense solutions to serve the eigen-solves from (a composed run's cache).
        public var cache: EigenCache? = nil
        /// Dense path only.
        public var eigen: DenseEigen = .full
        /// Dense path only (the sparse path always uses the Chebyshev core).
        public var core: Core = .dense
        public var chebyshevMoments: Int = 1000
        /// Probe spacing s of the Chebyshev diagonal (nil: one probe per site, exact diagonal,
        /// except on the sparse path above ``sparseProbeThreshold`` sites, where
        /// ``defaultProbeSpacing(_:)`` is used: one probe per site costs sites^2 x moments
        /// operations).
        public var probeSpacing: Int? = nil
        /// Keep each realization's occupations, moment maps, convergence and census tables
        /// (the command writes them; a sweep does not need them).
        public var keepDetails: Bool = true
        /// Progress inside the long phases (the Chebyshev core's probes): (phase, done, total).
        public var progress: (@Sendable (String, Int, Int) -> Void)? = nil
        /// Patch path (`.patches`): the patch solver's settings.
        public var patches: PatchOptions = PatchOptions()
        /// Patch path: the Chebyshev order (nil: the smallest whose polynomial error bound is
        /// <= ``corePolynomialTarget``, see ``ChebyshevCore/moments(h:window:lower:upper:target:limit:)``).
        public var chebyshevMomentsOnPatches: Int? = nil
        /// Patch path: the bound on the core density's polynomial error the order is chosen for.
        public var corePolynomialTarget: Double = 1e-6
        /// Patch path: sites whose core density is recomputed by unit probes to measure the
        /// probing error.
        public var coreSampleSites: Int = 16

        public init() {}
    }

    /// One (realization, U) outcome.
    public struct Run: Sendable, Codable {
        public var observables: GroundStateObservables
        public var result: GroundStateResult
        public var paperEnergy: Double?
        public var paperPolarized: Int?
        public var census: StabilityCensus
        /// Wall time of the search (not part of any deterministic output).
        public var seconds: Double
        /// True when the default minimizer's result came from polishing the paper configuration.
        public var polishedFromPaper: Bool
    }

    /// Everything one realization contributes.
    public struct Realization: Sendable, Codable {
        public var realization: Int
        /// Global level range of the window.
        public var window: Range<Int>
        public var xi: [Double]
        public var xiRelative: [Double]
        public var fermiEnergy: Double
        public var iprWindowMean: Double
        /// IPR_a of the window states.
        public var windowIPR: [Double]
        /// N(0): window levels / window energy span / sites (per site, per spin).
        public var dosPerSite: Double
        public var halfWidth: Double
        public var fermiOccupied: Int
        public var sites: Int
        public var runs: [Run]
        /// IPR of the states L_loc is computed over (see `localizationStates`).
        public var localizationIPR: [Double]
        /// Which states `localizationIPR` holds.
        public var localizationStates: String
        /// The same as a key: "all_states" (every level), "window_states" (the window's states,
        /// sparse path) or "levels_below_window_top" (partial dense solve); summary.json names
        /// L_loc `localization_length_<this>`.
        public var localizationDefinition: String
        /// Solver block (method, levels, checks, frozen-core errors; timings included).
        public var solverInfo: JSON
        public var solveSeconds: Double
        public var searchSeconds: Double
        /// Per-realization detail (empty unless `keepDetails`).
        public var occupations: [Double] = []
        public var moments: [Double] = []
        public var convergence: CSVTable?
        public var census: CSVTable?
        /// True on the sparse path (window only, Chebyshev core).
        public var sparse: Bool
    }

    /// Sites above which the sparse path probes the Chebyshev diagonal with
    /// ``defaultProbeSpacing(_:)`` unless a spacing is given.
    public static let sparseProbeThreshold = 2500

    /// The largest s <= 20 that divides both sides (a periodic lattice needs it), nil if none
    /// above 1. On the paper's W = 9 lattices spacing 20 gives max |n_core error| ~ 2e-3 and 5
    /// gives 6e-2 (docs/benchmarks/ground-state.md): probes must be several L_loc apart.
    public static func defaultProbeSpacing(_ lattice: Lattice) -> Int? {
        (2...20).reversed().first { lattice.lx % $0 == 0 && lattice.ly % $0 == 0 }
    }

    public var settings: Settings
    public init(settings: Settings) { self.settings = settings }

    /// `auto` takes the dense path up to this many sites and the sparse path above, measured on
    /// the whole ground-state pipeline (eigenpairs, frozen core, search; docs/benchmarks/
    /// ground-state.md), not on `spectrum`'s: up to ``sparseProbeThreshold`` sites the sparse
    /// path's Chebyshev core probes every site (sites^2 x moments work) and is 8-13x slower than
    /// dense (30 x 30 to 50 x 50); above it the core probes a colouring and the sparse path wins
    /// (60 x 60: 1.6x, 80 x 80: 4.5x).
    public static var autoCrossover: Int { AutoSolverTable.row(.groundState).denseUpToSites }

    /// The solver the study uses for a lattice of `sites` sites.
    public func solver(sites: Int) -> SolverChoice {
        guard settings.solver == .auto else { return settings.solver }
        return AutoSolverTable.choice(.groundState, sites: sites)
    }

    /// The Monte Carlo / minimizer streams: SplitMix64(seed, mix(realization * gamma) ^ bits(U)).
    static func paperStream(realization r: Int, U u: Double) -> UInt64 { SplitMix64.mix(UInt64(r) &* SplitMix64.gamma) ^ u.bitPattern }

    /// Eigenpairs, problem and every U of one realization.
    public func realization(_ model: DisorderedModel, realization r: Int, filling: Filling,
                            interactions us: [Double]) throws -> Realization {
        let s = settings
        let clock = ContinuousClock()
        let h = model.hamiltonian()
        let n = h.rowCount
        let f = filling.fermiIndex
        let sparse = solver(sites: n) != .dense
        let t0 = clock.now
        var problem: GroundStateProblem
        var coreInfo: [(String, JSON)]
        let range: Range<Int>
        let fermi: FermiLevel
        let lIPR: [Double]
        let lStates: String
        var lKey = "all_states"
        var checks: SolveDiagnostics
        var levelsComputed: Int
        var windowStorage: JSON = .object([("kind", .string("dense columns"))])
        var patchInfo: JSON? = nil
        if solver(sites: n) == .patches {
            let w = try patchWindow(model, h: h, filling: filling, realization: r)
            problem = w.problem; fermi = w.fermi; range = w.range; checks = w.checks
            levelsComputed = w.range.count; windowStorage = w.windowStorage; coreInfo = w.coreInfo; patchInfo = w.patchInfo
            lIPR = problem.ipr
            lKey = "window_states"
            lStates = "the \(range.count) window states \(range.lowerBound)..<\(range.upperBound) of every realization (patch path: no full spectrum)"
        } else if sparse {
            let storage: EigenstateStorage = s.maxDiscardedWeight.map { .local(lattice: model.lattice, maxDiscardedWeight: $0) } ?? .dense
            let sol = try Eigensolver.solve(h, EigenRequest(solver: .shiftInvert, selection: .fermiWindow(fermiIndex: f, window: s.window),
                                                            vectors: true, engine: s.engine, storage: storage, cache: s.cache))
            checks = sol.diagnostics
            if let local = sol.local, let w = s.maxDiscardedWeight { windowStorage = local.storageSummary(maxDiscardedWeightAllowed: w) }
            guard sol.diagnostics.certified else {
                throw SolverError.incompleteWindow(expected: -1, found: sol.pairs.count,
                    message: "realization \(r): the window \(s.window) was not certified complete by the inertia count")
            }
            let pairs = sol.pairs
            guard let level = sol.fermiLevel, let lo = pairs.firstLevel, pairs.count > 0 else {
                throw SolverError.emptySelection("realization \(r): the window \(s.window) around E_F holds no level")
            }
            fermi = level
            range = lo..<(lo + pairs.count)
            levelsComputed = pairs.count
            let c0 = clock.now
            let spacing = s.probeSpacing ?? (n > Self.sparseProbeThreshold ? Self.defaultProbeSpacing(model.lattice) : nil)
            let states = sol.states
            let cheb = try ChebyshevCore.coreDensity(h: h, lattice: model.lattice, window: states,
                                                     moments: s.chebyshevMoments, probeSpacing: spacing,
                                                     progress: { s.progress?("Chebyshev core probe", $0, $1) })
            problem = try GroundStateProblem(window: states, coreDensity: cheb.density, coreBandEnergy: cheb.bandEnergy,
                                             totalParticles: filling.particles)
            coreInfo = [("core", .string("chebyshev")), ("chebyshev_seconds", .number((clock.now - c0).seconds)),
                        ("moments", .int(cheb.moments)), ("probes", .int(cheb.probes)),
                        ("probe_spacing", spacing.map { .int($0) } ?? .string("none (one probe per site, exact diagonal)")),
                        ("errors", .string("no dense reference on the sparse path: run the dense path with --core chebyshev on a smaller lattice to measure them"))]
            lIPR = Localization.ipr(states)
            lKey = "window_states"
            lStates = "the \(pairs.count) window states \(range.lowerBound)..<\(range.upperBound) of every realization (sparse path: no full spectrum)"
        } else {
            let solution: EigenSolution
            if s.eigen == .full {
                solution = try Eigensolver.solve(h, EigenRequest(selection: .all, cache: s.cache))
                lStates = "all states of every realization"
            } else {
                let top: Int
                switch s.window {
                case .levels(let k): top = f + k
                case .energy:
                    let values = try Eigensolver.solve(h, EigenRequest(selection: .all, vectors: false, cache: s.cache)).pairs.values
                    top = try s.window.levelRange(values: values, fermiIndex: f).upperBound
                }
                guard top <= n else { throw SolverError.emptySelection("window \(s.window) reaches past the \(n) levels") }
                solution = try Eigensolver.solve(h, EigenRequest(selection: .levels(0..<top), cache: s.cache))
                lStates = "levels 0..<window top of every realization (partial solve)"
                lKey = "levels_below_window_top"
            }
            checks = solution.diagnostics
            let pairs = solution.pairs
            levelsComputed = pairs.count
            range = try s.window.levelRange(values: pairs.values, fermiIndex: f, levelCount: n)
            fermi = FermiLevel(highestOccupied: pairs.values[f - 1], lowestEmpty: pairs.values[f],
                               openShell: pairs.values[f] - pairs.values[f - 1] <= 1e-10 * h.infinityNorm)
            let exact = try GroundStateProblem(pairs: pairs, window: range, totalParticles: filling.particles)
            problem = exact
            coreInfo = [("core", .string(s.core.rawValue))]
            if s.core == .chebyshev {
                let c0 = clock.now
                let cheb = try ChebyshevCore.coreDensity(h: h, lattice: model.lattice, window: pairs.subset(range),
                                                         moments: s.chebyshevMoments, probeSpacing: s.probeSpacing,
                                                         progress: { s.progress?("Chebyshev core probe", $0, $1) })
                problem = try GroundStateProblem(window: pairs.subset(range), coreDensity: cheb.density,
                                                 coreBandEnergy: cheb.bandEnergy, totalParticles: filling.particles)
                let exactCore = GroundStateProblem.coreDensity(pairs: pairs, below: range.lowerBound)
                coreInfo += [
                    ("chebyshev_seconds", .number((clock.now - c0).seconds)),
                    ("moments", .int(cheb.moments)), ("probes", .int(cheb.probes)),
                    ("core_density_max_error", .number(zip(cheb.density, exactCore).map { abs($0 - $1) }.max() ?? 0)),
                    ("core_shift_max_error", .number(zip(problem.coreShift, exact.coreShift).map { abs($0 - $1) }.max() ?? 0)),
                    ("core_band_energy_error", .number(cheb.bandEnergy - exact.coreBandEnergy)),
                    ("core_self_overlap_error", .number(problem.coreSelfOverlap - exact.coreSelfOverlap)),
                ]
            }
            lIPR = Localization.ipr(pairs)
        }
        if fermi.openShell {
            throw ModelError.invalidParameter(
                "realization \(r): levels \(f - 1) and \(f) are degenerate (open shell): the Fermi sea is not unique")
        }
        guard !range.isEmpty else { throw SolverError.emptySelection("realization \(r): the window \(s.window) around E_F holds no level") }
        let solveSeconds = (clock.now - t0).seconds
        let ef = fermi.energy
        let k = problem.count
        let ipr = problem.ipr
        let xiRel = problem.xi.map { $0 - ef }
        let halfWidth = max(abs(xiRel.first!), abs(xiRel.last!))
        let dos = k > 1 ? Double(k - 1) / (problem.xi.last! - problem.xi.first!) / Double(n) : .nan
        var runs = [Run]()
        var occupations = [Double](), moments = [Double]()
        var convergence = CSVTable(header: ["U", "algorithm", "step", "energy", "polarized"])
        var census = CSVTable(header: ["U", "window_level", "level", "xi_minus_EF", "E1", "E1_minus_mu_star", "half_U_IPR", "one_sided", "two_sided"])
        var searchSeconds = 0.0
        for u in us {
            let s0 = clock.now
            var rng = SplitMix64(seed: s.seed, stream: Self.paperStream(realization: r, U: u))
            let paper = PaperMonteCarlo.run(problem, U: u, proposals: s.proposals, rng: &rng)
            var result = paper
            var paperEnergy: Double? = nil, paperPolarized: Int? = nil
            var polished = false
            if s.algorithm == .default {
                let minimizer = LocalSearchMinimizer(chiThreshold: s.chiThreshold, pairCandidates: s.pairCandidates, restarts: s.restarts,
                                                     seed: s.seed, stream: SplitMix64.mix(UInt64(r) &+ 0x5EED) ^ u.bitPattern)
                result = minimizer.run(problem, U: u)
                if result.energy > paper.energy {
                    // Never report worse than the paper algorithm: polish its configuration too.
                    let p = minimizer.run(problem, U: u, start: paper.occupations)
                    if p.energy < result.energy { result = p; polished = true }
                }
                paperEnergy = paper.energy
                paperPolarized = paper.occupations.polarized
                if s.keepDetails {
                    for p in paper.convergence {
                        convergence.append([.double(u), "paper", .int(p.step), .double(p.energy), .int(p.polarized)])
                    }
                }
            }
            let sec = (clock.now - s0).seconds
            searchSeconds += sec
            let obs = GroundStateObservables(problem: problem, result: result, U: u, momentThreshold: s.momentThreshold)
            let c = problem.census(U: u)
            if s.keepDetails {
                for p in result.convergence {
                    convergence.append([.double(u), .string(result.algorithm), .int(p.step), .double(p.energy), .int(p.polarized)])
                }
                let one = Set(c.oneSidedLevels), two = Set(c.twoSidedLevels)
                for a in 0..<k {
                    census.append([.double(u), .int(a), .int(range.lowerBound + a), .double(xiRel[a]), .double(c.hartreeEnergies[a]),
                                   .double(c.hartreeEnergies[a] - c.muStar), .double(0.5 * u * ipr[a]),
                                   .int(one.contains(a) ? 1 : 0), .int(two.contains(a) ? 1 : 0)])
                }
                for a in 0..<k { occupations.append(Double(result.occupations.up[a])); occupations.append(Double(result.occupations.dn[a])) }
                moments += obs.moments
            }
            runs.append(Run(observables: obs, result: result, paperEnergy: paperEnergy, paperPolarized: paperPolarized,
                            census: c, seconds: sec, polishedFromPaper: polished))
        }
        let info: JSON = .object([
            ("realization", .int(r)), ("method", .string(checks.method)),
            ("levels_computed", .int(levelsComputed)), ("seconds", .number(solveSeconds)),
            ("timings", .object(checks.timings.map { ($0.0, .number($0.1)) })),
            ("frozen_core", .object(coreInfo)),
            ("max_residual", .number(checks.maxResidual)),
            ("max_orthogonality_error", .number(checks.maxOrthogonalityError)),
        ] + (sparse ? [("certified", .bool(checks.certified)),
                       ("window_storage", windowStorage),
                       ("counters", .object(checks.counters.map { ($0.0, .int($0.1)) }))] : [])
            + (patchInfo.map { [("patches", $0)] } ?? []))
        var out = Realization(realization: r, window: range, xi: problem.xi, xiRelative: xiRel, fermiEnergy: ef,
                              iprWindowMean: Statistics.mean(ipr), windowIPR: ipr, dosPerSite: dos, halfWidth: halfWidth,
                              fermiOccupied: problem.fermiOccupied, sites: n, runs: runs, localizationIPR: lIPR,
                              localizationStates: lStates, localizationDefinition: lKey, solverInfo: info, solveSeconds: solveSeconds,
                              searchSeconds: searchSeconds, sparse: sparse)
        if s.keepDetails {
            out.occupations = occupations; out.moments = moments; out.convergence = convergence; out.census = census
        }
        return out
    }

    /// Realization-averaged occupation per window level, levels aligned by their offset from
    /// the Fermi index N/2 (for energy:D windows the window sizes differ: the common offsets are
    /// used).
    public static func averagedCurve(_ data: [Realization], uIndex: Int) -> (x: [Double], y: [Double]) {
        let below = data.map { $0.fermiOccupied }.min() ?? 0
        let above = data.map { $0.xiRelative.count - $0.fermiOccupied }.min() ?? 0
        let k = below + above
        var x = [Double](repeating: 0, count: k), y = x
        for d in data {
            let total = d.runs[uIndex].result.occupations.total
            for j in 0..<k {
                let a = d.fermiOccupied - below + j
                x[j] += d.xiRelative[a]; y[j] += Double(total[a])
            }
        }
        let r = Double(data.count)
        return (x.map { $0 / r }, y.map { $0 / r })
    }

    /// The realization average of one U.
    public struct Aggregate: Sendable {
        public var U: Double
        public var polarized: [Double]
        public var polarizedMean: Double, polarizedStderr: Double
        public var fit: FermiFunctionFit?
        /// Bootstrap error of 1/beta over realizations (200 resamples, seed 4242).
        public var inverseBetaError: Double
        /// 1/beta in units of U / L_loc^2 and of U <IPR>_window, with errors.
        public var inverseBetaPerL2: Double, inverseBetaPerL2Error: Double
        public var inverseBetaIPR: Double, inverseBetaIPRError: Double
        public var oneSidedMean: Double, twoSidedMean: Double
        /// U N(0) and the census estimate N(0) U <IPR> * sites.
        public var uN0: Double, n0UIPRSites: Double
        public var curve: (x: [Double], y: [Double])
    }

    /// L_loc = < IPR^(-1/2) > over the states every realization reports (all states on the
    /// dense full path, the window on the sparse path).
    public static func localizationLength(_ data: [Realization]) -> Double {
        Localization.length(ipr: data.flatMap(\.localizationIPR))
    }

    /// Aggregates U index `ui` over realizations.
    public static func aggregate(_ data: [Realization], uIndex ui: Int, interaction u: Double) -> Aggregate {
        let lloc = localizationLength(data)
        let iprWindow = Statistics.mean(data.map(\.iprWindowMean))
        let dos = Statistics.mean(data.map(\.dosPerSite))
        let sites = data.first?.sites ?? 0
        let pol = data.map { Double($0.runs[ui].observables.polarized) }
        let curve = averagedCurve(data, uIndex: ui)
        let fit = FermiFunctionFit.fit(x: curve.x, y: curve.y)
        let fitError = Statistics.bootstrapError(Array(data.indices), resamples: 200, seed: 4242) { sample in
            let c = averagedCurve(sample.map { data[$0] }, uIndex: ui)
            return FermiFunctionFit.fit(x: c.x, y: c.y)?.inverseBeta ?? .nan
        }
        let invBeta = fit?.inverseBeta ?? .nan
        let scale2 = lloc * lloc / abs(u), scaleIPR = 1 / abs(u * iprWindow)
        return Aggregate(U: u, polarized: pol, polarizedMean: Statistics.mean(pol), polarizedStderr: Statistics.standardError(pol),
                         fit: fit, inverseBetaError: fitError,
                         inverseBetaPerL2: invBeta * lloc * lloc / u, inverseBetaPerL2Error: fitError * scale2,
                         inverseBetaIPR: invBeta / (u * iprWindow), inverseBetaIPRError: fitError * scaleIPR,
                         oneSidedMean: Statistics.mean(data.map { Double($0.runs[ui].census.oneSided) }),
                         twoSidedMean: Statistics.mean(data.map { Double($0.runs[ui].census.twoSided) }),
                         uN0: u * dos, n0UIPRSites: dos * Double(sites) * u * iprWindow, curve: curve)
    }
}
