import Dispatch
import FermiGlassObservables

/// This machine's sustained memory bandwidth, measured with a STREAM-style triad
/// a[i] = b[i] + s c[i] (McCalpin's STREAM benchmark, kernel "Triad").
///
/// Bytes are counted as STREAM counts them: 3 arrays x 8 bytes per element per pass (two
/// reads, one write; the write-allocate read is not counted). The arrays must be much larger
/// than the last-level cache; the default 2^24 doubles per array (3 x 128 MiB) is.
///
/// The triad is the ceiling for the solve phase of shift-invert: each ARPACK step solves
/// L D L^T x = b, streaming the factor L through memory twice (forward and backward
/// substitution) at about one multiply-add per 8-byte entry, which is memory-bound like the triad.
public enum MemoryBandwidth {
    public struct Result: Sendable {
        /// Best (maximum) bytes per second over the passes.
        public var bestBytesPerSecond: Double
        /// Median bytes per second over the passes.
        public var medianBytesPerSecond: Double
        public var elementsPerArray: Int
        public var passes: Int
        public var threads: Int
    }

    /// Runs `passes` triads over arrays of `elements` doubles, split into `threads` contiguous
    /// chunks run concurrently. The first (untimed) pass touches every page.
    public static func triad(elements: Int = 1 << 24, passes: Int = 10, threads: Int = 1) -> Result {
        precondition(elements > 0 && passes > 0 && threads > 0)
        let a = UnsafeMutablePointer<Double>.allocate(capacity: elements)
        let b = UnsafeMutablePointer<Double>.allocate(capacity: elements)
        let c = UnsafeMutablePointer<Double>.allocate(capacity: elements)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        let scalar = 3.0
        // Pointers are passed as integers so the concurrent closure captures no mutable state.
        let (pa, pb, pc) = (Int(bitPattern: a), Int(bitPattern: b), Int(bitPattern: c))
        func pass(_ body: @escaping @Sendable (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>,
                                               UnsafeMutablePointer<Double>, Range<Int>) -> Void) {
            let chunk = (elements + threads - 1) / threads
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                let range = (t * chunk)..<Swift.min(elements, (t + 1) * chunk)
                body(UnsafeMutablePointer(bitPattern: pa)!, UnsafeMutablePointer(bitPattern: pb)!,
                     UnsafeMutablePointer(bitPattern: pc)!, range)
            }
        }
        pass { a, b, c, r in for i in r { a[i] = 0; b[i] = 1; c[i] = 2 } }
        let clock = ContinuousClock()
        var rates = [Double]()
        for _ in 0..<passes {
            let start = clock.now
            pass { a, b, c, r in for i in r { a[i] = b[i] + scalar * c[i] } }
            let d = clock.now - start
            let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
            rates.append(Double(24 * elements) / seconds)
        }
        // Keep the result observable so the loop is not removed.
        precondition(a[elements / 2] == 7, "triad produced a wrong value")
        let summary = TimingSummary(rates)
        return Result(bestBytesPerSecond: summary.max, medianBytesPerSecond: summary.median,
                      elementsPerArray: elements, passes: passes, threads: threads)
    }
}
