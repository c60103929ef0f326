import Benchmark
import BenchmarkSupport
import FermiGlassBench
import FermiGlassSolvers
import FermiGlassStudies

/// A certified window of 400 levels around the Fermi index (filling 5/6) from a fresh engine:
/// inertia bisection for the window ends, slices of at most 160 levels (3 Lanczos runs), every
/// slice certified by inertia counts.
let benchmarks: @Sendable () -> Void = {
    let rate = FermiGlassMetric.perSecond("eigenpairs")
    for l in [60, 100] {
        Benchmark("Sliced window 400 levels L=\(l)", configuration: Suite.configuration([rate], iterations: 3, seconds: 60)) { benchmark, h in
            let f = PipelineBench().fermiIndex(sites: h.rowCount)
            let clock = ContinuousClock()
            let start = clock.now
            let pairs = try! ShiftInvertSolver(h).levels((f - 200)..<(f + 200))
            blackHole(pairs)
            benchmark.measurement(rate, Int(Double(pairs.count) / (clock.now - start).seconds))
        } setup: {
            Suite.model(l).hamiltonian()
        }
    }
}
