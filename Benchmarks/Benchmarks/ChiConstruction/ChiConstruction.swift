import Benchmark
import BenchmarkSupport
import FermiGlassBench
import FermiGlassObservables
import FermiGlassSolvers
import FermiGlassStudies

/// chi_ac = sum_i |phi_a(i)|^2 |phi_c(i)|^2 for the K = 200 states around the Fermi index
/// (the paper's Monte Carlo window, filling 5/6): one dsyrk, O(N K^2). The eigenpairs are
/// computed in setup, outside the measurement.
let benchmarks: @Sendable () -> Void = {
    let rate = FermiGlassMetric.perSecond("overlaps")
    for l in [40, 60] {
        Benchmark("Chi window K=200 L=\(l)", configuration: Suite.configuration([rate], iterations: 20)) { (benchmark: Benchmark, input: (Eigenpairs, [Int])) in
            let (pairs, states) = input
            let clock = ContinuousClock()
            let start = clock.now
            let chi = Overlaps.chi(pairs, states: states)
            let seconds = (clock.now - start).seconds
            blackHole(chi)
            benchmark.measurement(rate, Int(Double(states.count * states.count) / seconds))
        } setup: {
            let h = Suite.model(l).hamiltonian()
            let pairs = try DenseEigensolver.solve(h, selection: .all, vectors: true)
            return (pairs, Array(PipelineBench().chiWindow(sites: h.rowCount))) as (Eigenpairs, [Int])
        }
    }
}
