import FermiGlassObservables
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A power law t = a N^p fitted by least squares to (ln N, ln t): the scaling exponent of one
/// phase of the pipeline against the number of sites N = Lx Ly.
///
/// Dense LAPACK eigensolvers are O(N^3) in time; CSR assembly is O(N); a nested-dissection
/// LDL^T of a 2-D lattice Hamiltonian is O(N^1.5) in time and O(N log N) in fill. The fitted
/// exponents are compared with these in BENCHMARKS.md.
public struct PowerLawFit: Sendable, Equatable {
    /// p in t = a N^p.
    public var exponent: Double
    /// a in t = a N^p (seconds at N = 1).
    public var prefactor: Double
    /// Number of (N, t) points used.
    public var points: Int

    /// Fits t = a N^p through the points with N > 0 and t > 0 (others are skipped: a phase that
    /// did not run at a size has no time). Nil with fewer than two usable points or when all N
    /// are equal.
    public static func fit(sizes: [Double], times: [Double]) -> PowerLawFit? {
        precondition(sizes.count == times.count, "fit needs one time per size")
        var x = [Double](), y = [Double]()
        for (n, t) in zip(sizes, times) where n > 0 && t > 0 && n.isFinite && t.isFinite {
            x.append(log(n)); y.append(log(t))
        }
        guard x.count >= 2, Set(x).count >= 2 else { return nil }
        let line = Statistics.linearFit(x: x, y: y)
        return PowerLawFit(exponent: line.slope, prefactor: exp(line.intercept), points: x.count)
    }

    /// The fitted time at size `n`.
    public func predict(_ n: Double) -> Double { prefactor * pow(n, exponent) }
}

/// Where the sparse path starts to beat the dense one.
public struct Crossover: Sendable, Equatable {
    /// The largest measured size at which dense was still faster (nil: sparse won everywhere).
    public var lastDenseWin: Int?
    /// The smallest measured size, above every dense win, at which sparse was faster (nil: dense
    /// won at every size where both ran).
    public var firstSparseWin: Int?
    /// N* where the two fitted power laws meet (nil when they do not meet for N > 0 or a fit
    /// is missing); an extrapolation when outside the measured sizes.
    public var fittedSites: Double?

    /// Compares the dense and sparse times per size (sites -> seconds); sizes measured by only
    /// one path are used by the fits alone.
    public static func find(dense: [Int: Double], sparse: [Int: Double]) -> Crossover {
        let common = Set(dense.keys).intersection(sparse.keys).sorted()
        let denseWins = common.filter { dense[$0]! <= sparse[$0]! }
        let lastDense = denseWins.last
        let firstSparse = common.first { n in sparse[n]! < dense[n]! && (lastDense.map { n > $0 } ?? true) }
        var fitted: Double? = nil
        let d = dense.keys.sorted(), s = sparse.keys.sorted()
        if let fd = PowerLawFit.fit(sizes: d.map(Double.init), times: d.map { dense[$0]! }),
           let fs = PowerLawFit.fit(sizes: s.map(Double.init), times: s.map { sparse[$0]! }),
           fd.exponent != fs.exponent {
            // a_d N^p_d = a_s N^p_s  =>  N* = (a_s / a_d)^(1 / (p_d - p_s))
            let n = pow(fs.prefactor / fd.prefactor, 1 / (fd.exponent - fs.exponent))
            if n.isFinite && n > 0 { fitted = n }
        }
        return Crossover(lastDenseWin: lastDense, firstSparseWin: firstSparse, fittedSites: fitted)
    }
}

/// Order statistics of repeated timings (seconds).
public struct TimingSummary: Sendable, Equatable {
    public var min: Double
    public var median: Double
    public var max: Double
    public var repeats: Int

    public init(min: Double, median: Double, max: Double, repeats: Int) {
        self.min = min
        self.median = median
        self.max = max
        self.repeats = repeats
    }

    public init(_ times: [Double]) {
        precondition(!times.isEmpty, "no timings")
        let s = times.sorted()
        min = s.first!
        max = s.last!
        median = Statistics.median(s)
        repeats = s.count
    }
}

/// Repeated wall-clock timing of a region, with the process's peak memory over the repeats.
public enum Stopwatch {
    /// Runs `body` `repeats` times; returns each run's seconds and the peak resident bytes
    /// (VmHWM, reset before the first run).
    public static func time(repeats: Int, _ body: () throws -> Void) rethrows -> (times: [Double], peakBytes: Int) {
        let clock = ContinuousClock()
        var times = [Double]()
        ProcessMemory.resetPeak()
        for _ in 0..<repeats {
            let start = clock.now
            try body()
            let d = clock.now - start
            times.append(Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
        }
        return (times, ProcessMemory.peakResidentBytes)
    }
}

/// Resident memory of this process, from /proc/self (Linux; zero elsewhere).
public enum ProcessMemory {
    /// Resets the kernel's peak resident set (VmHWM) to the current one by writing 5 to
    /// /proc/self/clear_refs; returns false where that is not possible (then the peak is the
    /// peak since the process started).
    @discardableResult
    public static func resetPeak() -> Bool {
        guard let f = fopen("/proc/self/clear_refs", "w") else { return false }
        defer { fclose(f) }
        return fputs("5", f) >= 0
    }

    /// Peak resident set size in bytes (VmHWM) since start or the last ``resetPeak()``.
    public static var peakResidentBytes: Int { statusField("VmHWM:") }

    /// Current resident set size in bytes (VmRSS).
    public static var residentBytes: Int { statusField("VmRSS:") }

    private static func statusField(_ key: String) -> Int {
        guard let f = fopen("/proc/self/status", "r") else { return 0 }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), f) != nil {
            let s = String(cString: line)
            if s.hasPrefix(key) {
                let kb = s.dropFirst(key.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) } ?? 0
                return kb * 1024
            }
        }
        return 0
    }
}
