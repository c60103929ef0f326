import Benchmark
import BenchmarkSupport
import FermiGlassBench
import FermiGlassInteracting
import FermiGlassModel
import FermiGlassSolvers
import FermiGlassStudies

/// The paper's Monte Carlo (Sec. IV, Fig. 2; CONVENTIONS.md §2) on its own problem: 60 x 60,
/// window levels:100 around the Fermi index of 3000 particles, U = 0.4, P = 10^5 proposals
/// from the paramagnetic Fermi sea. The eigenpairs, chi and the core shift are built in setup.
let benchmarks: @Sendable () -> Void = {
    let rate = FermiGlassMetric.perSecond("proposals")
    let proposals = 100_000
    Benchmark("Monte Carlo P=1e5 levels:100 L=60", configuration: Suite.configuration([rate], iterations: 10, seconds: 30)) { (benchmark: Benchmark, problem: GroundStateProblem) in
        var rng = SplitMix64(seed: 1)
        let clock = ContinuousClock()
        let start = clock.now
        let result = PaperMonteCarlo.run(problem, U: 0.4, proposals: proposals, rng: &rng)
        blackHole(result)
        benchmark.measurement(rate, Int(Double(proposals) / (clock.now - start).seconds))
    } setup: {
        let h = Suite.model(60).hamiltonian()
        let pairs = try DenseEigensolver.solve(h, selection: .all, vectors: true)
        let f = PipelineBench().fermiIndex(sites: h.rowCount)
        return try GroundStateProblem(pairs: pairs, window: (f - 100)..<(f + 100), totalParticles: 2 * f)
    }
}
