import Benchmark
import BenchmarkSupport
import FermiGlassModel
import FermiGlassSolvers

/// Building H0 in CSR form (DisorderedModel.hamiltonian): O(N), 9 entries per row.
/// The disorder is drawn in setup, outside the measurement.
let benchmarks: @Sendable () -> Void = {
    let rate = FermiGlassMetric.perSecond("sites")
    for l in [60, 300, 1000] {
        Benchmark("CSR assembly L=\(l)", configuration: Suite.configuration([rate, FermiGlassMetric.bytes("CSR")], iterations: 10)) { benchmark, model in
            let clock = ContinuousClock()
            let start = clock.now
            let h = model.hamiltonian()
            let seconds = (clock.now - start).seconds
            blackHole(h)
            benchmark.measurement(rate, Int(Double(model.lattice.siteCount) / seconds))
            benchmark.measurement(FermiGlassMetric.bytes("CSR"), 12 * h.nonzeroCount + 8 * (h.rowCount + 1))
        } setup: {
            Suite.model(l)
        }
    }
}
