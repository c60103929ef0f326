import Benchmark
import BenchmarkSupport
import FermiGlassBench
import FermiGlassSolvers

/// One solve (H - sigma I) x = b with a ready LDL^T factor: the operator application of every
/// Lanczos step. Memory-bound: the custom metric "factor bytes per second" (2 x 12 bytes per
/// entry of L per solve) compares with `fermiglass bench bandwidth` (STREAM triad).
/// Also the K = 200 states nearest sigma from a fresh engine (analysis + factorization +
/// ARPACK run + Ritz vectors), as scipy.sparse.linalg.eigsh(H, 200, sigma=-1.2) does.
let benchmarks: @Sendable () -> Void = {
    let traffic = FermiGlassMetric.perSecond("factor bytes")
    let perSolve = FermiGlassMetric.bytes("factor per solve")
    for l in [100, 300] {
        Benchmark("LDLT solve L=\(l)", configuration: Suite.configuration([traffic, perSolve], iterations: 200, seconds: 10)) { (benchmark: Benchmark, f: LDLBenchmark) in
            let clock = ContinuousClock()
            let start = clock.now
            try! f.solve()
            let seconds = (clock.now - start).seconds
            benchmark.measurement(traffic, Int(Double(f.bytesPerSolve) / seconds))
            benchmark.measurement(perSolve, f.bytesPerSolve)
        } setup: {
            let f = try LDLBenchmark(Suite.model(l).hamiltonian())
            try f.factorize(sigma: -1.2)
            return f
        }
    }
    let rate = FermiGlassMetric.perSecond("eigenpairs")
    for l in [60, 100] {
        Benchmark("Shift-invert 200 nearest E_F L=\(l)", configuration: Suite.configuration([rate], iterations: 3, seconds: 60)) { benchmark, h in
            let clock = ContinuousClock()
            let start = clock.now
            let engine = try! ShiftInvertSolver(h, options: ShiftInvertOptions(certifyNearest: false))
            let r = try! engine.nearest(sigma: -1.2, count: 200)
            blackHole(r)
            benchmark.measurement(rate, Int(200 / (clock.now - start).seconds))
        } setup: {
            Suite.model(l).hamiltonian()
        }
    }
}
