import Benchmark
import BenchmarkSupport
import FermiGlassSolvers

/// Every eigenpair of the dense N x N matrix (LAPACK dsyevd with vectors, one BLAS thread):
/// O(N^3) time, O(N^2) memory. The CSR matrix is built in setup, outside the measurement
/// (the densification inside the solve is part of the dense path's cost).
let benchmarks: @Sendable () -> Void = {
    let rate = FermiGlassMetric.perSecond("eigenpairs")
    for l in [20, 40, 60] {
        Benchmark("Dense all eigenpairs L=\(l)", configuration: Suite.configuration([rate], iterations: l >= 60 ? 3 : 10)) { benchmark, h in
            let clock = ContinuousClock()
            let start = clock.now
            let pairs = try! DenseEigensolver.solve(h, selection: .all, vectors: true)
            let seconds = (clock.now - start).seconds
            blackHole(pairs)
            benchmark.measurement(rate, Int(Double(pairs.count) / seconds))
        } setup: {
            Suite.model(l).hamiltonian()
        }
    }
}
