import Benchmark
import FermiGlassBench
import FermiGlassModel
import FermiGlassSolvers
import FermiGlassStudies

/// What every suite shares: the paper's model on an L x L lattice, one BLAS thread, and
/// short runs (the machine is shared; BENCHMARKS.md explains why medians of few iterations).
public enum Suite {
    /// The configuration of a heavy benchmark: few iterations, wall clock and peak memory plus
    /// the suite's own metrics.
    public static func configuration(_ custom: [BenchmarkMetric] = [], iterations: Int = 5, seconds: Int = 20) -> Benchmark.Configuration {
        BLASRuntime.setThreads(1)
        return .init(metrics: [.wallClock, .peakMemoryResident] + custom, timeUnits: .milliseconds,
                     warmupIterations: 1, scalingFactor: .one, maxDuration: .seconds(seconds), maxIterations: iterations)
    }

    /// Realization 0 of seed 1 of `--preset paper` (t1 = +1, t2 = +0.6, W = 9, periodic) on L x L.
    public static func model(_ l: Int) -> DisorderedModel {
        let bench = PipelineBench()
        return try! bench.model(l: l)
    }
}

/// Custom metrics that say more than the wall clock.
public enum FermiGlassMetric {
    /// Eigenpairs (or sites, or overlaps) produced per second of wall clock.
    public static func perSecond(_ what: String) -> BenchmarkMetric {
        .custom("\(what) per second", polarity: .prefersLarger, useScalingFactor: false)
    }
    /// A size in bytes (factor bytes, matrix bytes).
    public static func bytes(_ what: String) -> BenchmarkMetric {
        .custom("\(what) bytes", polarity: .prefersSmaller, useScalingFactor: false)
    }
}
