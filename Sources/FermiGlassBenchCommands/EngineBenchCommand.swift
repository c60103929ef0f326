import ArgumentParser
import FermiGlassBench
import FermiGlassCLI
import FermiGlassIO
import FermiGlassModel
import FermiGlassSolvers
import FermiGlassStudies
import Foundation

// `fermiglass bench engine` and `bench crossover`: the engine's own recorded benchmarks
// (docs/benchmarks/engine.md, Benchmarks/peers/engine.sh); registered in ``BenchCommand``.

/// One lattice through the shift-invert engine at the paper's parameters: the Fermi level by
/// inertia, then the k states nearest E_F, with every phase timed. One JSON line per k on
/// stdout; with --export, the matrix (COO .npy) and E_F for the scipy peer.
struct EngineBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Time the shift-invert engine on one L x L paper lattice (t1=1, t2=0.6, W=9, filling 5/6).")

    @Option(help: "Linear size L.")
    var size: Int = 200

    @Option(help: "Comma-separated numbers of states nearest E_F.")
    var counts: String = "100,200"

    @Option(help: "Lanczos basis size (default 2k + 2 x block size, 1.5k + 2 x block size above 2 GB of basis).")
    var ncv: Int?

    @Option(help: "Lanczos tolerance (0 = machine precision).")
    var tol: Double = 0

    @Option(help: "Write rows.npy, cols.npy, vals.npy (COO of H) and sigma.json here for the scipy peer.")
    var export: String?

    @Flag(help: "Also measure a STREAM-like triad a = b + s c on 3 x 160 MB arrays (memory bandwidth).")
    var stream: Bool = false

    @Option(help: "Instead of one solve for the k nearest, solve the levels window N/2-k/2..<N/2+k/2 in slices of at most this many states.")
    var sliceCapacity: Int?

    @Flag(help: "Time the whole user-facing path instead: Eigensolver.solve with --window levels:k/2 (Fermi level, slicing, certification, checks).")
    var window: Bool = false

    @Option(help: "BLAS threads.")
    var threads: Int = 1

    @Option(help: "Factorization: auto, mumps or cholmod.")
    var factorization: String = FactorizationBackend.standard.rawValue

    @Option(help: "Vectors per block Krylov step (default: the factorization's preferred size).")
    var blockSize: Int?

    func run() throws {
        BLASRuntime.setThreads(threads)
        let backend = try FactorizationBackend.parse(option: factorization)
        let ks = counts.split(separator: ",").compactMap { Int($0) }
        guard !ks.isEmpty, ks.allSatisfy({ $0 > 0 }) else { throw ValidationError("--counts must be positive integers, got '\(counts)'") }
        if stream { print(JSON.object([("stream_triad_GBps", .number(Self.triadBandwidth()))]).serialized()) }
        let lattice = try Lattice(lx: size, ly: size)
        let model = try DisorderedModel(lattice: lattice, parameters: ModelParameters(t1: 1, t2: 0.6, disorderStrength: 9, mu: 0),
                                        seed: 1, realization: 0)
        let h = model.hamiltonian()
        let filling = try Filling(filling: 5.0 / 6.0, siteCount: lattice.siteCount)
        let clock = ContinuousClock()
        let t0 = clock.now
        var options = ShiftInvertOptions(lanczos: LanczosOptions(basisSize: ncv, tolerance: tol), certifyNearest: false,
                                         factorization: backend, blockSize: blockSize)
        options.sliceCapacity = sliceCapacity ?? 400
        let engine = try ShiftInvertSolver(h, options: options)
        let level = window ? FermiLevel(highestOccupied: 0, lowestEmpty: 0, openShell: false) : try engine.fermiLevel(fermiIndex: filling.fermiIndex)
        let fermiSeconds = (clock.now - t0).seconds
        let s0 = engine.statistics
        if let dir = export {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            var rows = [Int](), cols = [Int]()
            rows.reserveCapacity(h.nonzeroCount)
            cols.reserveCapacity(h.nonzeroCount)
            for r in 0..<h.rowCount {
                for k in h.rowPointers[r]..<h.rowPointers[r + 1] { rows.append(r); cols.append(Int(h.columnIndices[k])) }
            }
            try NPY.encode(rows, shape: [rows.count]).write(to: URL(fileURLWithPath: dir + "/rows.npy"))
            try NPY.encode(cols, shape: [cols.count]).write(to: URL(fileURLWithPath: dir + "/cols.npy"))
            try NPY.encode(h.values, shape: [h.values.count]).write(to: URL(fileURLWithPath: dir + "/vals.npy"))
            try Data(JSON.object([("sigma", .number(level.energy)), ("n", .int(h.rowCount))]).serialized().utf8)
                .write(to: URL(fileURLWithPath: dir + "/sigma.json"))
        }
        for k in ks {
            let before = engine.statistics
            let t1 = clock.now
            let pairs: Eigenpairs
            if window {
                let request = EigenRequest(solver: .shiftInvert, selection: .fermiWindow(fermiIndex: filling.fermiIndex, window: .levels(k / 2)),
                                           engine: options)
                let solution = try Eigensolver.solve(h, request)
                print(JSON.object([("L", .int(size)), ("k", .int(k)), ("window", .string("levels:\(k / 2)")),
                                   ("certified", .bool(solution.diagnostics.certified)),
                                   ("max_residual", .number(solution.diagnostics.maxResidual)),
                                   ("max_orthogonality_error", .number(solution.diagnostics.maxOrthogonalityError)),
                                   ("timings", .object(solution.diagnostics.timings.map { ($0.0, .number($0.1)) })),
                                   ("counters", .object(solution.diagnostics.counters.map { ($0.0, .int($0.1)) })),
                                   ("maxrss_MB", .number(Self.maxRSSMegabytes()))]).serialized())
                continue
            } else if sliceCapacity != nil {
                pairs = try engine.levels((filling.fermiIndex - k / 2)..<(filling.fermiIndex + k - k / 2))
            } else {
                pairs = try engine.nearest(sigma: level.energy, count: k).pairs
            }
            let total = (clock.now - t1).seconds
            let s = engine.statistics
            let solves = s.solves - before.solves
            let lanczos = s.lanczosSeconds - before.lanczosSeconds
            let factorBytes = Double(s.factorNonzeros) * 12
            // Time per solve is bounded below by the factor read twice (forward + backward).
            let solveSeconds = s.solveSeconds - before.solveSeconds
            let perSolve = solveSeconds / Double(max(solves, 1))
            let line = JSON.object([
                ("L", .int(size)), ("n", .int(h.rowCount)), ("k", .int(k)),
                ("ncv", .int(BlockKrylovSchur.basisSize(nev: k, dimension: h.rowCount, options: options.lanczos, blockSize: s.blockSize))),
                ("factorization", .string(s.factorization)), ("block_size", .int(s.blockSize)), ("ordering", .string(s.ordering)), ("factor_nonzeros", .int(s.factorNonzeros)),
                ("analysis_s", .number(s0.analysisSeconds)),
                ("fermi_search_s", .number(fermiSeconds)), ("fermi_factorizations", .int(s0.factorizations)),
                ("factor_s", .number(s.factorSeconds - before.factorSeconds)),
                ("lanczos_s", .number(lanczos)), ("solve_phase_s", .number(solveSeconds)),
                ("orthogonalization_s", .number(s.orthogonalizationSeconds - before.orthogonalizationSeconds)),
                ("restart_s", .number(s.restartSeconds - before.restartSeconds)), ("eigenvectors_s", .number(s.eigenvectorSeconds - before.eigenvectorSeconds)),
                ("solve_total_s", .number(total)), ("solves", .int(solves)), ("restarts", .int(s.restarts - before.restarts)),
                ("seconds_per_solve", .number(perSolve)), ("factor_read_GBps", .number(2 * factorBytes / perSolve / 1e9)),
                ("max_residual", .number(pairs.maxResidual(of: h))), ("slice_capacity", .int(sliceCapacity ?? 0)),
                ("factorizations", .int(s.factorizations - before.factorizations)), ("fermi_energy", .number(level.energy)),
                ("maxrss_MB", .number(Self.maxRSSMegabytes())), ("blas_core", .string(BLASRuntime.coreName)),
            ])
            print(line.serialized())
        }
    }

    /// Peak resident set size of this process (getrusage ru_maxrss, KiB on Linux), in MB.
    static func maxRSSMegabytes() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_maxrss) / 1024
    }

    /// STREAM triad a[i] = b[i] + s c[i] (``MemoryBandwidth/triad(elements:passes:threads:)``,
    /// 20 M doubles per array, best of 5), in GB/s.
    static func triadBandwidth() -> Double {
        MemoryBandwidth.triad(elements: 20_000_000, passes: 5).bestBytesPerSecond / 1e9
    }
}

/// The `--solver auto` crossover: dense (LAPACK) against shift-invert for the paper's window
/// levels:K (K = min(100, sites / 8)) on L x L paper lattices, median of --repeats runs each:
/// the phases fermi_window_dense and fermi_window_sparse of ``PipelineBench`` (as `bench scaling
/// --phases fermi_window_dense,fermi_window_sparse`, there with a fixed K).
struct CrossoverBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crossover",
        abstract: "Time dense against shift-invert for a Fermi window on small paper lattices.")

    @Option(help: "Comma-separated linear sizes.")
    var sizes: String = "20,30,40,50,60,70,80"

    @Option(help: "Repeats per size and solver (the median is reported).")
    var repeats: Int = 3

    func run() throws {
        BLASRuntime.setThreads(1)
        for l in sizes.split(separator: ",").compactMap({ Int($0) }) {
            let k = min(100, l * l / 8)
            let bench = PipelineBench(repeats: repeats, denseMaxSites: .max, chiStates: 2 * k, sparseMaxSites: .max)
            let times = Dictionary(try bench.measure(l: l, phases: [.fermiWindowDense, .fermiWindowSparse]).map { ($0.phase, $0.timing.median) },
                                   uniquingKeysWith: { a, _ in a })
            print(JSON.object([("L", .int(l)), ("sites", .int(l * l)), ("window", .string("levels:\(k)")),
                               ("dense_s", .number(times[BenchPhase.fermiWindowDense.rawValue]!)),
                               ("shift_invert_s", .number(times[BenchPhase.fermiWindowSparse.rawValue]!))]).serialized())
        }
    }
}
