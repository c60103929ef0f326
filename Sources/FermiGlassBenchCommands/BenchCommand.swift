import ArgumentParser
import FermiGlassBench
import FermiGlassCLI
import FermiGlassIO
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers
import FermiGlassStudies
import Foundation

/// `fermiglass bench`: timings of the pipeline, the matrices for peers, the bandwidth ceiling.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks: scaling of every phase, the dense/sparse crossover, matrices for peers, memory bandwidth.",
        discussion: """
            Timings depend on the machine and on what else runs on it: take them on a quiet \
            machine, with --threads fixed, and compare against a peer in the same run \
            (Benchmarks/peers/compare.py). BENCHMARKS.md records the latest numbers and how to \
            regenerate them.
            """,
        subcommands: [BenchScalingCommand.self, BenchExportCommand.self, BenchSolveCommand.self, BenchBandwidthCommand.self,
                      EngineBench.self, CrossoverBench.self, PatchDecayBench.self])
}

/// `fermiglass bench scaling`: every phase at every size of a ladder, with power-law exponents.
struct BenchScalingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scaling",
        abstract: "Time every phase on a ladder of L x L lattices and fit t = a N^p per phase (N = L^2 sites).",
        discussion: """
            Model parameters default to --preset paper (t1 = +1, t2 = +0.6, W = 9, periodic, \
            filling 5/6), realization 0 of --seed; the lattice side comes from --sizes. Each phase \
            is timed --repeats times with its inputs built outside the timed region; the median \
            is reported and fitted (least squares on ln t against ln N). Dense phases run up to \
            --dense-max-sites. The crossover is where the sparse path first beats the dense one \
            (measured sizes, and the intersection of the two fitted power laws).

            Writes scaling.csv (one row per phase and size), exponents.csv and summary.json. \
            Plot with: python3 scripts/plot_scaling.py DIR  (writes DIR/scaling.png).
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var io: RunOptions

    @Option(help: "Lattice sides L of the ladder (L x L lattices), comma-separated.")
    var sizes: String = "10,20,30,40,50,60,70,100,200"

    @Option(help: "Timed repeats per phase and size (the median is reported).")
    var repeats: Int = 3

    @Option(help: "Largest number of sites on which the dense phases run.")
    var denseMaxSites: Int = 4900

    @Option(help: "Sizes with fewer sites are left out of the exponent fits (fixed overheads dominate there).")
    var fitMinSites: Int = 1000

    @Option(help: "Largest number of sites on which the sparse (shift-invert) phases run.")
    var sparseMaxSites: Int = 1_000_000

    @Option(help: "States K around the Fermi index: chi's window, the nearest-sigma solve and the Fermi window (the sliced window has 2K).")
    var chiStates: Int = 200

    @Option(help: "Phases to time, comma-separated (default all): \(BenchPhase.allCases.map(\.rawValue).joined(separator: ", ")).")
    var phases: String?

    @Option(help: "Re-analyse the scaling.csv of an earlier run (new fits, tables, crossover) instead of measuring.")
    var from: String?

    func validate() throws {
        if let path = from, !FileManager.default.fileExists(atPath: path) { throw ValidationError("--from: \(path) does not exist") }
        guard repeats > 0 else { throw ValidationError("--repeats must be positive, got \(repeats)") }
        guard denseMaxSites > 0 else { throw ValidationError("--dense-max-sites must be positive, got \(denseMaxSites)") }
        guard chiStates > 0 else { throw ValidationError("--chi-states must be positive, got \(chiStates)") }
        guard model.size == nil else { throw ValidationError("bench scaling takes the lattice sides from --sizes, not --size") }
        let ls = try parsePositiveList(sizes, option: "--sizes")
        if let small = ls.first(where: { $0 < 3 }) { throw ValidationError("--sizes: L = \(small) is too small (periodic lattices need L >= 3)") }
        _ = try selectedPhases()
    }

    func selectedPhases() throws -> [BenchPhase] {
        guard let text = phases else { return BenchPhase.allCases }
        return try text.split(separator: ",").map { p in
            guard let phase = BenchPhase(rawValue: p.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--phases: unknown phase '\(p)'; available: \(BenchPhase.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return phase
        }
    }

    func run() throws {
        let spec = try model.resolve(needsFilling: false, defaultPreset: .paper)
        let ladder = try parsePositiveList(sizes, option: "--sizes").sorted()
        let selected = try selectedPhases()
        let ctx = try RunContext(command: "bench scaling", options: io, plan: nil)
        try ctx.run {
            let bench = PipelineBench(parameters: spec.parameters, boundary: spec.lattice.boundaryX, seed: spec.seed,
                                      filling: spec.filling?.density ?? Preset.paper.filling, repeats: repeats,
                                      denseMaxSites: denseMaxSites, chiStates: chiStates, sparseMaxSites: sparseMaxSites)
            var results = [PhaseMeasurement]()
            if let path = from {
                do { results = try ScalingReport.read(csv: path) } catch let e as IOError { throw ValidationError("--from: \(commandLineMessage(e))") }
            } else {
                for (k, l) in ladder.enumerated() {
                    results += try bench.measure(l: l, phases: selected)
                    // Written after every size, so a long ladder that is stopped keeps what it
                    // measured (re-analyse it with --from).
                    try ctx.output.write(csv: ScalingReport(measurements: results).measurementsCSV(), to: "scaling.csv")
                    ctx.progress(k + 1, of: ladder.count, "size")
                }
            }
            let report = ScalingReport(measurements: results, fitMinSites: fitMinSites)
            print(report.table())
            try ctx.output.write(csv: report.measurementsCSV(), to: "scaling.csv")
            try ctx.output.write(csv: report.exponentsCSV(), to: "exponents.csv")
            try ctx.output.write(text: report.markdown(), to: "scaling.md")
            try ctx.writeSummary([
                ("parameters", spec.json),
                ("reanalysed_from", from.map { .string($0) } ?? .null),
                ("ladder_sides", .ints(from == nil ? ladder : Array(Set(results.map(\.lx))).sorted())),
                ("repeats", .int(repeats)),
                ("dense_max_sites", .int(denseMaxSites)),
                ("sparse_max_sites", .int(sparseMaxSites)),
                ("fit_min_sites", .int(fitMinSites)),
                ("chi_states", .int(chiStates)),
                ("timing", .string("median of repeats, seconds; inputs built outside the timed region")),
                ("peak_memory", .string("VmHWM of the process, reset (clear_refs) before each phase")),
            ] + report.summary)
        }
    }
}

/// `fermiglass bench export`: the Hamiltonian as SciPy-compatible CSR files for peers.
struct BenchExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write H0 as hamiltonian.npz (scipy.sparse.load_npz) and its CSR arrays as .npy.",
        discussion: """
            Per realization r###/: hamiltonian.npz with members data (float64), indices, indptr, \
            shape (int64) and format ('csr'), and the same arrays as data.npy, indices.npy, \
            indptr.npy, shape.npy; with one realization also at the top level. Load with \
            scipy.sparse.load_npz("hamiltonian.npz").
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var io: RunOptions

    func run() throws {
        let spec = try model.resolve(needsFilling: false)
        // The model, then H0's CSR arrays held twice more (the .npz and the .npy encodings).
        let sites = Double(spec.lattice.siteCount)
        let plan = MemoryPlan.estimate(sites: spec.lattice.siteCount, request: nil,
                                       extra: [("CSR encodings (.npz and .npy)", 2 * (9 * 16 * sites + 8 * sites))])
        let ctx = try RunContext(command: "bench export", options: io, plan: plan)
        try ctx.run {
            var entries = [JSON]()
            for r in spec.realizations {
                let m = try spec.model(realization: r)
                let h = m.hamiltonian()
                let npz = try CSRExport.npz(h)
                let files = CSRExport.npyFiles(h)
                var dirs = [RunContext.realizationDirectory(r) + "/"]
                if spec.realizations.count == 1 { dirs.append("") }
                for dir in dirs {
                    try ctx.output.write(npz, to: dir + "hamiltonian.npz")
                    for f in files { try ctx.output.write(f.npy, to: dir + f.name + ".npy") }
                }
                if model.saveDisorder { try ctx.output.write(npy: m.onsiteEnergies, to: dirs[0] + "disorder.npy") }
                entries.append(.object([("realization", .int(r)), ("sites", .int(h.rowCount)), ("nonzeros", .int(h.nonzeroCount)),
                                        ("infinity_norm", .number(h.infinityNorm))]))
            }
            try ctx.writeSummary([("parameters", spec.json),
                                  ("format", .string("CSR: data float64, indices int64, indptr int64, shape int64[2]; scipy.sparse.load_npz")),
                                  ("realizations", .array(entries))])
        }
    }
}

/// `fermiglass bench solve`: our side of a peer comparison, on a matrix file.
struct BenchSolveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve",
        abstract: "Time one solve on a CSR .npz (from bench export): dense all eigenpairs, or shift-invert.",
        discussion: """
            --method dense: every eigenpair with vectors (LAPACK dsyevd), as numpy.linalg.eigh. \
            --method shift-invert: the --k eigenpairs nearest --sigma with tolerance --tol, as \
            scipy.sparse.linalg.eigsh(H, k, sigma=sigma, tol=tol). Writes summary.json with the \
            time of each repeat, the peak memory and the BLAS kernel and threads \
            (provenance.libraries.openblas_core). Used by Benchmarks/peers/compare.py.
            """)

    @Option(help: "A CSR matrix file (.npz) written by 'fermiglass bench export' or scipy.sparse.save_npz.")
    var matrix: String

    @Option(help: "dense or shift-invert.")
    var method: String = "dense"

    @Option(help: "Number of eigenpairs nearest --sigma (shift-invert).")
    var k: Int = 200

    @Option(help: "Shift: the energy the eigenpairs are sought near (shift-invert).")
    var sigma: Double = 0

    @Option(help: "Relative tolerance of the Ritz values (shift-invert; 0 = machine precision).")
    var tol: Double = 0

    @Option(help: "Timed repeats.")
    var repeats: Int = 3

    @Option(help: "Untimed runs before the timed ones (page faults, BLAS thread start-up).")
    var warmup: Int = 0

    @OptionGroup var io: RunOptions

    func validate() throws {
        guard ["dense", "shift-invert"].contains(method) else { throw ValidationError("--method must be dense or shift-invert, got '\(method)'") }
        guard repeats > 0 else { throw ValidationError("--repeats must be positive, got \(repeats)") }
        guard warmup >= 0 else { throw ValidationError("--warmup must be non-negative, got \(warmup)") }
        guard k > 0 else { throw ValidationError("--k must be positive, got \(k)") }
        guard sigma.isFinite else { throw ValidationError("--sigma must be finite") }
        guard tol >= 0, tol.isFinite else { throw ValidationError("--tol must be a non-negative number, got \(tol)") }
        guard FileManager.default.fileExists(atPath: matrix) else { throw ValidationError("matrix file \(matrix) does not exist") }
    }

    func run() throws {
        let h: CSRMatrix
        do {
            h = try CSRExport.csr(fromNPZ: try Data(contentsOf: URL(fileURLWithPath: matrix)), source: matrix)
        } catch let e as IOError {
            throw ValidationError(commandLineMessage(e))
        }
        guard h.rowCount == h.columnCount else { throw ValidationError("\(matrix) is \(h.rowCount) x \(h.columnCount), not square") }
        if let p = h.symmetryProblem() { throw ValidationError("\(matrix) is not symmetric: \(p)") }
        let ctx = try RunContext(command: "bench solve", options: io, plan: nil)
        try ctx.run {
            if method == "dense" {
                try solveDense(h, ctx)
            } else {
                try solveShiftInvert(h, ctx)
            }
        }
    }

    func solveDense(_ h: CSRMatrix, _ ctx: RunContext) throws {
        for _ in 0..<warmup { _ = try DenseEigensolver.solve(h, selection: .all, vectors: true) }
        var pairs: Eigenpairs? = nil
        let (times, peak) = try Stopwatch.time(repeats: repeats) {
            pairs = nil
            pairs = try DenseEigensolver.solve(h, selection: .all, vectors: true)
        }
        try report(h, ctx, method: "dense (LAPACK dsyevd, all eigenpairs with vectors)", pairs: pairs!, times: times, peak: peak, extra: [])
    }

    /// As scipy.sparse.linalg.eigsh(H, k, sigma=sigma, tol=tol): a fresh engine per run
    /// (analysis, one factorization at sigma, one Lanczos run, Ritz vectors), no inertia
    /// certification (scipy has none).
    func solveShiftInvert(_ h: CSRMatrix, _ ctx: RunContext) throws {
        let options = ShiftInvertOptions(lanczos: LanczosOptions(tolerance: tol), certifyNearest: false)
        func once() throws -> (Eigenpairs, ShiftInvertStatistics) {
            let engine = try ShiftInvertSolver(h, options: options)
            let r = try engine.nearest(sigma: sigma, count: k)
            return (r.pairs, engine.statistics)
        }
        for _ in 0..<warmup { _ = try once() }
        var result: (Eigenpairs, ShiftInvertStatistics)? = nil
        let (times, peak) = try Stopwatch.time(repeats: repeats) { result = nil; result = try once() }
        let (pairs, s) = result!
        // Bytes of the factor streamed per solve (L read forward and backward, 12 bytes per
        // entry), and the rate over the Lanczos loop (which also orthogonalizes: a lower bound
        // on the solves' own rate; `bench scaling` times the solves alone, phase ldlt_solve).
        let bytesPerSolve = 24 * s.factorNonzeros
        try report(h, ctx, method: "shift-invert (\(s.factorization) + block Krylov-Schur, k = \(k), sigma = \(sigma), tol = \(tol))",
                   pairs: pairs, times: times, peak: peak, extra: [
                       ("k", .int(k)), ("factorization", .string(s.factorization)), ("block_size", .int(s.blockSize)), ("sigma", .number(sigma)), ("tol", .number(tol)),
                       ("ordering", .string(s.ordering)), ("factor_nonzeros", .int(s.factorNonzeros)),
                       ("analysis_s", .number(s.analysisSeconds)), ("factorization_s", .number(s.factorSeconds)),
                       ("lanczos_s", .number(s.lanczosSeconds)), ("eigenvectors_s", .number(s.eigenvectorSeconds)),
                       ("solves", .int(s.solves)), ("restarts", .int(s.restarts)),
                       ("factor_bytes_per_solve", .int(bytesPerSolve)),
                       ("factor_bytes_per_second_over_lanczos", .number(Double(bytesPerSolve * s.solves) / max(s.lanczosSeconds, 1e-12))),
                   ])
    }

    func report(_ h: CSRMatrix, _ ctx: RunContext, method description: String, pairs: Eigenpairs, times: [Double], peak: Int,
                extra: [(String, JSON)]) throws {
        let t = TimingSummary(times)
        print(String(format: "%@ N=%d: median %.4g s (min %.4g, max %.4g) over %d, peak %.1f MiB", method, h.rowCount,
                     t.median, t.min, t.max, t.repeats, Double(peak) / 1_048_576))
        try ctx.writeSummary([
            ("matrix", .string(matrix)), ("sites", .int(h.rowCount)), ("nonzeros", .int(h.nonzeroCount)),
            ("method", .string(description)), ("eigenpairs", .int(pairs.count)),
            ("warmup", .int(warmup)), ("times_s", .numbers(times)), ("median_s", .number(t.median)), ("min_s", .number(t.min)),
            ("max_s", .number(t.max)), ("peak_rss_bytes", .int(peak)),
            ("max_residual", .number(pairs.maxResidual(of: h))),
            ("lowest", .number(pairs.values.first!)), ("highest", .number(pairs.values.last!)),
        ] + extra)
    }
}

/// `fermiglass bench bandwidth`: the memory-bandwidth ceiling of this machine.
struct BenchBandwidthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bandwidth",
        abstract: "Measure sustained memory bandwidth with a STREAM-style triad a = b + s c.",
        discussion: """
            Bytes per pass are counted as STREAM does: 24 per element (two reads, one write). \
            The triad runs on --threads threads. The result is the ceiling against which the \
            shift-invert solves' factor traffic is reported (BENCHMARKS.md).
            """)

    @Option(help: "Doubles per array (three arrays; default 2^24, 3 x 128 MiB).")
    var elements: Int = 1 << 24

    @Option(help: "Timed passes (the best and the median are reported).")
    var passes: Int = 10

    @OptionGroup var io: RunOptions

    func validate() throws {
        guard elements > 0, passes > 0 else { throw ValidationError("--elements and --passes must be positive") }
        try MemoryPlan.require(bytes: 24 * elements, what: "the triad's three arrays")
    }

    func run() throws {
        let ctx = try RunContext(command: "bench bandwidth", options: io, plan: nil)
        try ctx.run {
            let r = MemoryBandwidth.triad(elements: elements, passes: passes, threads: io.threads)
            print(String(format: "triad: best %.2f GB/s, median %.2f GB/s (%d passes, %d doubles per array, %d threads)",
                         r.bestBytesPerSecond / 1e9, r.medianBytesPerSecond / 1e9, r.passes, r.elementsPerArray, r.threads))
            try ctx.writeSummary([
                ("kernel", .string("STREAM triad a[i] = b[i] + 3 c[i], 24 bytes per element per pass")),
                ("elements_per_array", .int(r.elementsPerArray)), ("passes", .int(r.passes)), ("threads", .int(r.threads)),
                ("best_bytes_per_second", .number(r.bestBytesPerSecond)),
                ("median_bytes_per_second", .number(r.medianBytesPerSecond)),
            ])
        }
    }
}
