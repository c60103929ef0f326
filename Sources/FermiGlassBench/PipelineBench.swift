import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers

/// One timed phase of the pipeline.
public enum BenchPhase: String, CaseIterable, Sendable {
    /// Building H0 in CSR form from the lattice and the disorder: O(N).
    case csrAssembly = "csr_assembly"
    /// Every eigenpair of the dense matrix (LAPACK dsyevd with vectors): O(N^3).
    case denseAll = "dense_all_eigenpairs"
    /// chi_ac = sum_i |phi_a(i)|^2 |phi_c(i)|^2 for a window of K states around the Fermi index
    /// (one dsyrk, O(N K^2)); the input of the Monte Carlo and the census (Eqs. 9-10).
    case chiWindow = "chi_window"
    /// Symbolic analysis of H for LDL^T (fill-reducing ordering: AMD and METIS tried).
    case ldltAnalysis = "ldlt_analysis"
    /// One numeric LDL^T factorization of H - sigma I (sigma near E_F), with the inertia.
    case ldltFactorization = "ldlt_factorization"
    /// One solve with the factor (forward + backward substitution): one Lanczos step's
    /// operator application; memory-bound, compared with the triad.
    case ldltSolve = "ldlt_solve"
    /// The K states nearest sigma = E_F from a fresh engine: analysis, one factorization, one
    /// ARPACK shift-invert run, Rayleigh-Ritz vectors; uncertified (no extra inertia counts).
    case shiftInvertNearest = "shift_invert_nearest"
    /// A certified window of 2K levels around the Fermi index from a fresh engine: inertia
    /// bisection for the window ends, then slices of at most 160 levels, one Lanczos run each.
    case slicedWindow = "sliced_window"
    /// `--solver dense` on the paper's request, the Fermi window levels:K/2 (K states around
    /// N/2, with the Fermi level): what `--solver auto` decides between, dense side.
    case fermiWindowDense = "fermi_window_dense"
    /// The same request on `--solver shift-invert`: the sparse side of the crossover.
    case fermiWindowSparse = "fermi_window_sparse"

    /// Phases that need the dense N x N matrix (limited by ``PipelineBench/denseMaxSites``).
    public var isDense: Bool { [.denseAll, .chiWindow, .fermiWindowDense].contains(self) }
    /// Phases of the sparse engine (limited by ``PipelineBench/sparseMaxSites``).
    public var isSparse: Bool { [.ldltAnalysis, .ldltFactorization, .ldltSolve, .shiftInvertNearest, .slicedWindow, .fermiWindowSparse].contains(self) }
}

/// The result of timing one phase at one lattice size.
public struct PhaseMeasurement: Sendable {
    public var phase: String
    public var lx: Int
    public var ly: Int
    public var sites: Int { lx * ly }
    public var timing: TimingSummary
    /// Peak resident set of the process while the phase ran (its inputs included), bytes.
    public var peakBytes: Int
    /// Phase-specific figures (eigenpairs per second, factor bytes, ...), in a fixed order.
    public var metrics: [(String, Double)]

    public init(phase: String, lx: Int, ly: Int, timing: TimingSummary, peakBytes: Int, metrics: [(String, Double)]) {
        self.phase = phase
        self.lx = lx
        self.ly = ly
        self.timing = timing
        self.peakBytes = peakBytes
        self.metrics = metrics
    }
}

/// Times the phases of the pipeline on the L x L lattices of a ladder, with the timed region
/// restricted to the phase itself: every input (the Hamiltonian, the eigenpairs for chi) is
/// built before the clock starts.
public struct PipelineBench: Sendable {
    /// Model parameters (the lattice size comes from the ladder).
    public var parameters: ModelParameters
    public var boundary: Boundary
    public var seed: UInt64
    /// Particles per site, for the Fermi index around which chi's window sits.
    public var filling: Double
    public var repeats: Int
    /// The dense phases run only up to this many sites.
    public var denseMaxSites: Int
    /// Number of states K in chi's window, the nearest-sigma solve and the Fermi window (the
    /// paper's Monte Carlo window is levels:100, 2 x 100 states); the sliced window has 2K.
    public var chiStates: Int
    /// The sparse phases run only up to this many sites.
    public var sparseMaxSites: Int

    public init(parameters: ModelParameters = Preset.paper.parameters, boundary: Boundary = .periodic, seed: UInt64 = 1,
                filling: Double = Preset.paper.filling, repeats: Int = 3, denseMaxSites: Int = 4900, chiStates: Int = 200,
                sparseMaxSites: Int = 1_000_000) {
        self.sparseMaxSites = sparseMaxSites
        self.parameters = parameters
        self.boundary = boundary
        self.seed = seed
        self.filling = filling
        self.repeats = repeats
        self.denseMaxSites = denseMaxSites
        self.chiStates = chiStates
    }

    /// Realization 0 of `seed` on an L x L lattice.
    public func model(l: Int) throws -> DisorderedModel {
        try DisorderedModel(lattice: Lattice(lx: l, ly: l, boundary: boundary), parameters: parameters, seed: seed, realization: 0)
    }

    /// Times `body` `repeats` times; the peak memory is taken over all repeats.
    func time(_ body: () throws -> Void) rethrows -> (TimingSummary, Int) {
        let r = try Stopwatch.time(repeats: repeats, body)
        return (TimingSummary(r.times), r.peakBytes)
    }

    /// Measures `phases` on the L x L lattice. Dense phases (and chi, which needs dense
    /// eigenvectors here) are skipped above ``denseMaxSites``.
    public func measure(l: Int, phases: [BenchPhase]) throws -> [PhaseMeasurement] {
        let m = try model(l: l)
        let n = m.lattice.siteCount
        var out = [PhaseMeasurement]()
        func record(_ phase: BenchPhase, _ r: (TimingSummary, Int), _ metrics: [(String, Double)] = []) {
            out.append(PhaseMeasurement(phase: phase.rawValue, lx: l, ly: l, timing: r.0, peakBytes: r.1, metrics: metrics))
        }
        if phases.contains(.csrAssembly) {
            var nnz = 0
            let r = time { nnz = m.hamiltonian().nonzeroCount }
            record(.csrAssembly, r, [("nonzeros", Double(nnz)), ("sites_per_second", Double(n) / r.0.median)])
        }
        let h = m.hamiltonian()
        let fermi = fermiIndex(sites: n)
        if n <= denseMaxSites {
            out += try measureDense(h, phases: phases, lx: l, fermiIndex: fermi)
        }
        // The sparse phases need room around the window: 2K levels plus slack on both sides.
        if n <= sparseMaxSites && n >= 4 * chiStates {
            out += try measureSparse(h, phases: phases, lx: l, fermiIndex: fermi)
        }
        return out
    }

    /// The paper's request through the seam: levels:K/2 around the Fermi index.
    func fermiWindowRequest(_ solver: SolverChoice, fermiIndex: Int) -> EigenRequest {
        EigenRequest(solver: solver, selection: .fermiWindow(fermiIndex: fermiIndex, window: .levels(chiStates / 2)), vectors: true)
    }

    func measureDense(_ h: CSRMatrix, phases: [BenchPhase], lx l: Int, fermiIndex: Int) throws -> [PhaseMeasurement] {
        let n = h.rowCount
        var out = [PhaseMeasurement]()
        func record(_ phase: BenchPhase, _ r: (TimingSummary, Int), _ metrics: [(String, Double)] = []) {
            out.append(PhaseMeasurement(phase: phase.rawValue, lx: l, ly: l, timing: r.0, peakBytes: r.1, metrics: metrics))
        }
        var pairs: Eigenpairs? = nil
        if phases.contains(.denseAll) {
            let r = try time { pairs = nil; pairs = try DenseEigensolver.solve(h, selection: .all, vectors: true) }
            record(.denseAll, r, [("eigenpairs_per_second", Double(n) / r.0.median)])
        }
        if phases.contains(.chiWindow) {
            let all = try pairs ?? DenseEigensolver.solve(h, selection: .all, vectors: true)
            let states = chiWindow(sites: n)
            var checksum = 0.0
            let r = time { checksum = Overlaps.chi(all, states: Array(states)).reduce(0, +) }
            precondition(checksum.isFinite)
            record(.chiWindow, r, [("states", Double(states.count)),
                                   ("overlaps_per_second", Double(states.count * states.count) / r.0.median)])
        }
        pairs = nil
        if phases.contains(.fermiWindowDense) && n >= 4 * chiStates {
            var count = 0
            let r = try time { count = try Eigensolver.solve(h, fermiWindowRequest(.dense, fermiIndex: fermiIndex)).pairs.count }
            record(.fermiWindowDense, r, [("states", Double(count))])
        }
        return out
    }

    func measureSparse(_ h: CSRMatrix, phases: [BenchPhase], lx l: Int, fermiIndex: Int) throws -> [PhaseMeasurement] {
        var out = [PhaseMeasurement]()
        guard phases.contains(where: \.isSparse) else { return out }
        func record(_ phase: BenchPhase, _ r: (TimingSummary, Int), _ metrics: [(String, Double)] = []) {
            out.append(PhaseMeasurement(phase: phase.rawValue, lx: l, ly: l, timing: r.0, peakBytes: r.1, metrics: metrics))
        }
        // sigma: the Fermi energy, from one certified engine solve outside every timing; when
        // only the LDL^T phases run, the spectrum's centre trace(H)/N (any interior shift costs
        // the same: the fill depends on the ordering only), which spares the inertia bisection.
        // The sliced and Fermi windows find their own shifts and need none.
        let ldlPhases: [BenchPhase] = [.ldltAnalysis, .ldltFactorization, .ldltSolve]
        let ldlOnly = phases.filter(\.isSparse).allSatisfy { ldlPhases.contains($0) }
        let needsSigma = phases.contains { ldlPhases.contains($0) || $0 == .shiftInvertNearest }
        let sigma = !needsSigma ? .nan : ldlOnly ? centre(h) : try ShiftInvertSolver(h).fermiLevel(fermiIndex: fermiIndex).energy
        if phases.contains(.ldltAnalysis) || phases.contains(.ldltFactorization) || phases.contains(.ldltSolve) {
            var ldl: LDLBenchmark? = nil
            let analysis = try time { ldl = nil; ldl = try LDLBenchmark(h) }
            let f = ldl!
            if phases.contains(.ldltAnalysis) {
                record(.ldltAnalysis, analysis, [("factor_nonzeros", Double(f.factorNonzeros)),
                                                 ("fill_per_site", Double(f.factorNonzeros) / Double(h.rowCount))])
            }
            let factor = try time { try f.factorize(sigma: sigma) }
            if phases.contains(.ldltFactorization) {
                record(.ldltFactorization, factor, [("factor_bytes", Double(f.factorBytes))])
            }
            if phases.contains(.ldltSolve) {
                // Solves are fast: time batches of them so each timed region is long enough.
                let batch = max(1, min(1000, 20_000_000 / max(f.bytesPerSolve, 1)))
                let r = try time { for _ in 0..<batch { try f.solve() } }
                let perSolve = TimingSummary(min: r.0.min / Double(batch), median: r.0.median / Double(batch),
                                             max: r.0.max / Double(batch), repeats: r.0.repeats)
                let residual = f.lastResidual(h, sigma: sigma)
                precondition(residual.isFinite, "LDL^T solve produced a non-finite residual")
                record(.ldltSolve, (perSolve, r.1),
                       [("bytes_per_solve", Double(f.bytesPerSolve)), ("solves_per_timing", Double(batch)),
                        ("factor_bytes_per_second", Double(f.bytesPerSolve) / perSolve.median)])
            }
        }
        if phases.contains(.shiftInvertNearest) {
            var stats: ShiftInvertStatistics? = nil
            let options = ShiftInvertOptions(certifyNearest: false)
            let r = try time {
                let engine = try ShiftInvertSolver(h, options: options)
                _ = try engine.nearest(sigma: sigma, count: chiStates)
                stats = engine.statistics
            }
            record(.shiftInvertNearest, r, [("states", Double(chiStates)), ("solves", Double(stats!.solves)),
                                            ("lanczos_seconds", stats!.lanczosSeconds),
                                            ("eigenpairs_per_second", Double(chiStates) / r.0.median)])
        }
        if phases.contains(.slicedWindow) {
            var stats: ShiftInvertStatistics? = nil
            let window = (fermiIndex - chiStates)..<(fermiIndex + chiStates)
            let r = try time {
                let engine = try ShiftInvertSolver(h)
                _ = try engine.levels(window)
                stats = engine.statistics
            }
            record(.slicedWindow, r, [("states", Double(window.count)), ("slices", Double(stats!.lanczosRuns)),
                                      ("factorizations", Double(stats!.factorizations)),
                                      ("eigenpairs_per_second", Double(window.count) / r.0.median)])
        }
        if phases.contains(.fermiWindowSparse) {
            var count = 0
            let r = try time { count = try Eigensolver.solve(h, fermiWindowRequest(.shiftInvert, fermiIndex: fermiIndex)).pairs.count }
            record(.fermiWindowSparse, r, [("states", Double(count))])
        }
        return out
    }

    /// trace(H)/N: the centre of the spectrum.
    func centre(_ h: CSRMatrix) -> Double {
        var t = 0.0
        for i in 0..<h.rowCount { t += h[i, i] }
        return t / Double(h.rowCount)
    }

    /// N/2 for the filling (CONVENTIONS.md §2), or N/2 of half filling when it is invalid.
    public func fermiIndex(sites n: Int) -> Int {
        (try? Filling(filling: filling, siteCount: n))?.fermiIndex ?? n / 2
    }

    /// The window of ``chiStates`` levels centred on the Fermi index N/2 (clipped to the spectrum).
    public func chiWindow(sites n: Int) -> Range<Int> {
        let fermi = fermiIndex(sites: n)
        let k = min(chiStates, n)
        let lower = min(max(fermi - k / 2, 0), n - k)
        return lower..<(lower + k)
    }
}
