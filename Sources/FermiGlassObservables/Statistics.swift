import FermiGlassModel

/// Statistics over disorder realizations (CONVENTIONS.md §4): the standard error is the
/// standard deviation of the per-realization values divided by sqrt(R); fitted quantities get
/// bootstrap errors over realizations.
public enum Statistics {
    public static func mean(_ x: [Double]) -> Double {
        x.isEmpty ? .nan : x.reduce(0, +) / Double(x.count)
    }

    /// The median: the middle value, or the mean of the two middle values for an even count;
    /// NaN for no values.
    public static func median(_ x: [Double]) -> Double {
        guard !x.isEmpty else { return .nan }
        let s = x.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : 0.5 * (s[s.count / 2 - 1] + s[s.count / 2])
    }

    /// Sample standard deviation (n - 1 in the denominator); 0 for fewer than two values.
    public static func standardDeviation(_ x: [Double]) -> Double {
        guard x.count > 1 else { return 0 }
        let m = mean(x)
        return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)).squareRoot()
    }

    /// Standard error of the mean: sd / sqrt(R); 0 for a single realization.
    public static func standardError(_ x: [Double]) -> Double {
        x.count > 1 ? standardDeviation(x) / Double(x.count).squareRoot() : 0
    }

    /// Bootstrap standard error of `statistic` over `units` (realizations): resample the units
    /// with replacement `resamples` times from a seeded generator and take the standard
    /// deviation of the statistic. Non-finite resampled values are skipped.
    public static func bootstrapError<Unit>(_ units: [Unit], resamples: Int = 1000, seed: UInt64 = 12345,
                                            statistic: ([Unit]) -> Double) -> Double {
        guard units.count > 1 else { return 0 }
        var rng = SplitMix64(seed: seed)
        var values = [Double]()
        values.reserveCapacity(resamples)
        for _ in 0..<resamples {
            let sample = (0..<units.count).map { _ in units[Int(rng.next() % UInt64(units.count))] }
            let v = statistic(sample)
            if v.isFinite { values.append(v) }
        }
        return standardDeviation(values)
    }

    /// Least-squares straight line y = a + b x; returns (intercept a, slope b).
    public static func linearFit(x: [Double], y: [Double]) -> (intercept: Double, slope: Double) {
        precondition(x.count == y.count && x.count >= 2)
        let mx = mean(x), my = mean(y)
        var sxy = 0.0, sxx = 0.0
        for k in 0..<x.count { sxy += (x[k] - mx) * (y[k] - my); sxx += (x[k] - mx) * (x[k] - mx) }
        let b = sxy / sxx
        return (my - b * mx, b)
    }
}
