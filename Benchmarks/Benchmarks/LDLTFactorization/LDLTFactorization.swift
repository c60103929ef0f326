import Benchmark
import BenchmarkSupport
import FermiGlassBench
import FermiGlassSolvers

/// The LDL^T of H - sigma I on the paper's model (sigma = -1.2, near E_F at filling 5/6):
/// the symbolic analysis (AMD and METIS tried, the one with less fill kept) and one numeric
/// factorization with the analysis reused, as the engine does for every new shift.
/// A nested-dissection factor of a 2-D lattice has O(N log N) entries and costs O(N^1.5).
let benchmarks: @Sendable () -> Void = {
    let fill = FermiGlassMetric.bytes("factor")
    for l in [100, 300] {
        Benchmark("LDLT analysis L=\(l)", configuration: Suite.configuration([fill], iterations: 5)) { benchmark, h in
            let f = try! LDLBenchmark(h)
            blackHole(f)
            benchmark.measurement(fill, f.factorBytes)
        } setup: {
            Suite.model(l).hamiltonian()
        }
        Benchmark("LDLT factorization L=\(l)", configuration: Suite.configuration([fill], iterations: 5)) { (benchmark: Benchmark, f: LDLBenchmark) in
            blackHole(try! f.factorize(sigma: -1.2))
            benchmark.measurement(fill, f.factorBytes)
        } setup: {
            try LDLBenchmark(Suite.model(l).hamiltonian())
        }
    }
}
