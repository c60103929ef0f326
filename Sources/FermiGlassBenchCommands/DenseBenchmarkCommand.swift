import ArgumentParser
import FermiGlassBench
import FermiGlassCLI
import FermiGlassIO
import FermiGlassModel
import FermiGlassSolvers
import FermiGlassStudies
import Foundation

/// `fermiglass dense-benchmark` (hidden): times the dense all-eigenpairs path (LAPACKE dsyevd
/// with eigenvectors, as `spectrum --save-vectors` and `localization` run it) and writes the
/// matrix it solved, so that a peer (Benchmarks/peers/dense_peer.py, numpy.linalg.eigh) can
/// time the very same matrix in the same run.
struct DenseBenchmarkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dense-benchmark",
        abstract: "Time dense all-eigenpairs solves (for Benchmarks/peers/dense_peer.py).",
        shouldDisplay: false)

    @OptionGroup(title: "Model") var model: ModelOptions

    @Option(help: "Timed solves (the median is reported).")
    var repeats: Int = 5

    @Option(help: "BLAS threads.")
    var threads: Int = 1

    @Option(help: "Untimed warm-up solves before the timed ones (page-in, thread pool start).")
    var warmup: Int = 1

    @Option(help: "Write the dense matrix H0 (float64, C order) to this .npy file.")
    var saveMatrix: String?

    func run() throws {
        guard repeats > 0, threads > 0, warmup >= 0 else { throw ValidationError("--repeats and --threads must be positive, --warmup non-negative") }
        let spec = try model.resolve(needsFilling: false)
        try RunContext.check(MemoryPlan.estimate(sites: spec.lattice.siteCount, request: EigenRequest(solver: .dense, selection: .all, vectors: true)),
                             command: "dense-benchmark")
        BLASRuntime.setThreads(threads)
        let m = try spec.model(realization: spec.realizations[0])
        let h = m.hamiltonian()
        let n = h.rowCount
        if let path = saveMatrix {
            try NPY.encode(h.dense(), shape: [n, n]).write(to: URL(fileURLWithPath: path))
        }
        for _ in 0..<warmup { _ = try DenseEigensolver.solve(h, selection: .all, vectors: true) }
        let clock = ContinuousClock()
        var times = [Double]()
        var residual = 0.0
        for _ in 0..<repeats {
            let start = clock.now
            let pairs = try DenseEigensolver.solve(h, selection: .all, vectors: true)
            times.append((clock.now - start).seconds)
            residual = pairs.maxResidual(of: h)
        }
        let median = TimingSummary(times).median
        let out = JSON.object([
            ("sites", .int(n)), ("routine", .string("LAPACKE_dsyevd jobz=V uplo=L (FermiGlass DenseEigensolver, includes CSR -> dense copy)")),
            ("times_seconds", .numbers(times)), ("median_seconds", .number(median)), ("max_residual", .number(residual)),
            ("threads", .int(BLASRuntime.threads)), ("openblas_core", .string(BLASRuntime.coreName)),
            ("openblas_config", .string(BLASRuntime.configuration)),
        ])
        print(out.serialized(compact: true))
    }
}
