#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FermiGlassModel
import FermiGlassSolvers

/// The machinery of the paper's Fig. 1 (CONVENTIONS.md §2, "Distance between two states"):
/// how the density overlap chi_ac = sum_i |phi_a(i)|^2 |phi_c(i)|^2 (so U_aacc = U chi_ac,
/// Eq. 10) falls off with the distance between two localized states.
///
/// * The position of state a is the site where |phi_a(i)| is largest.
/// * The distance d_ac between two states is the minimum-image distance between those sites
///   (``Lattice/distance(_:_:)``, lattice constants). The authors' script used the plain distance;
///   on a periodic lattice that misplaces pairs across the boundary, so we do not copy it.
/// * <chi>(d) is the mean of chi_ac over the pairs whose d_ac lies in a bin
///   |d - d_k| <= h (the paper: d_k in {7, 12, 17, 22, 27}, h = 0.6).
/// * A straight line through ln <chi>(d_k) against d_k gives the decay length
///   lambda = -1 / slope, so <chi>(d) ~ exp(-d / lambda). The paper finds lambda ~ 1.12 L with
///   L = 6.03, the localization length of the same states.
public enum OverlapDecay {
    /// For each state of `pairs`, the site i where |phi_a(i)| is largest (the lowest such site
    /// on an exact tie).
    public static func maximumSites(_ states: some EigenstateStore) -> [Int] {
        if let pairs = states as? Eigenpairs { precondition(pairs.hasVectors, "the position of a state needs its eigenvector") }
        return states.maximumSites()
    }

    /// One pair of states (indices into the chosen state set, a < c).
    public struct Pair: Sendable, Equatable {
        public let a: Int
        public let c: Int
        /// Minimum-image distance between the maxima of |phi_a| and |phi_c|.
        public let distance: Double
        /// chi_ac.
        public let chi: Double

        public init(a: Int, c: Int, distance: Double, chi: Double) {
            self.a = a; self.c = c; self.distance = distance; self.chi = chi
        }
    }

    /// Which pairs of a set of `k` states to use.
    public enum PairChoice: Sendable, Equatable {
        /// Every pair a < c: k (k - 1) / 2 pairs.
        case all
        /// `n` distinct pairs a < c drawn uniformly without replacement.
        case random(Int)
    }

    /// The pairs of states `0..<k` selected by `choice`, as (a, c) with a < c, in ascending
    /// order. Random draws use Floyd's algorithm on the k (k - 1) / 2 pair indices, so the
    /// result depends only on the generator's state.
    public static func pairIndices(among k: Int, choice: PairChoice, rng: inout SplitMix64) throws -> [(Int, Int)] {
        let total = k * (k - 1) / 2
        // Row a starts at pair index start[a] = a k - a (a + 1) / 2.
        func decode(_ p: Int) -> (Int, Int) {
            var lo = 0, hi = k - 2
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if mid * k - mid * (mid + 1) / 2 <= p { lo = mid } else { hi = mid - 1 }
            }
            let start = lo * k - lo * (lo + 1) / 2
            return (lo, lo + 1 + (p - start))
        }
        switch choice {
        case .all:
            return (0..<total).map(decode)
        case .random(let n):
            guard n > 0 else { throw ObservablesError.invalidArgument("the number of random pairs must be positive, got \(n)") }
            guard n <= total else {
                throw ObservablesError.invalidArgument(
                    "asked for \(n) random pairs, but \(k) states have only \(total) distinct pairs; use fewer pairs or all pairs")
            }
            var chosen = Set<Int>()
            chosen.reserveCapacity(n)
            for j in (total - n)..<total {
                let t = Int(rng.next() % UInt64(j + 1))
                if chosen.contains(t) { chosen.insert(j) } else { chosen.insert(t) }
            }
            return chosen.sorted().map(decode)
        }
    }

    /// The pairs `indices` with their distance and chi, from the `k x k` chi matrix of
    /// ``Overlaps/chi(_:states:)`` and the maxima of ``maximumSites(_:)``.
    public static func pairs(_ indices: [(Int, Int)], chi: [Double], maxima: [Int], lattice: Lattice) -> [Pair] {
        let k = maxima.count
        precondition(chi.count == k * k)
        return indices.map { (a, c) in
            Pair(a: a, c: c, distance: lattice.distance(maxima[a], maxima[c]), chi: chi[a + c * k])
        }
    }

    /// Distance bins |d - center_k| <= halfWidth (the paper: centers 7, 12, 17, 22, 27 and
    /// half-width 0.6, in lattice constants).
    public struct DistanceBins: Sendable, Equatable {
        public let centers: [Double]
        public let halfWidth: Double

        /// The paper's bins.
        public static let paper = try! DistanceBins(centers: [7, 12, 17, 22, 27], halfWidth: 0.6)

        /// Centers must be finite, ascending and at least 2 halfWidth apart (bins do not overlap).
        public init(centers: [Double], halfWidth: Double) throws {
            guard !centers.isEmpty, centers.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                throw ObservablesError.invalidArgument("distance bin centers must be finite and non-negative, got \(centers)")
            }
            guard halfWidth.isFinite, halfWidth > 0 else {
                throw ObservablesError.invalidArgument("distance bin half-width must be positive, got \(halfWidth)")
            }
            for k in 1..<centers.count where centers[k] - centers[k - 1] <= 2 * halfWidth {
                throw ObservablesError.invalidArgument(
                    "distance bins \(centers[k - 1]) and \(centers[k]) overlap for half-width \(halfWidth); give ascending centers more than \(2 * halfWidth) apart")
            }
            self.centers = centers
            self.halfWidth = halfWidth
        }

        /// The bin holding distance d, if any.
        public func index(of d: Double) -> Int? {
            centers.firstIndex { abs(d - $0) <= halfWidth }
        }
    }

    /// Running sums of chi per bin, so that realizations can be pooled and resampled cheaply.
    public struct BinSums: Sendable, Equatable {
        public var counts: [Int]
        public var sums: [Double]
        public var sumSquares: [Double]

        public init(bins: Int) {
            counts = .init(repeating: 0, count: bins)
            sums = .init(repeating: 0, count: bins)
            sumSquares = .init(repeating: 0, count: bins)
        }

        public mutating func add(_ chi: Double, bin k: Int) {
            counts[k] += 1; sums[k] += chi; sumSquares[k] += chi * chi
        }

        public mutating func add(_ other: BinSums) {
            for k in counts.indices {
                counts[k] += other.counts[k]; sums[k] += other.sums[k]; sumSquares[k] += other.sumSquares[k]
            }
        }

        /// <chi> per bin (NaN for an empty bin).
        public var means: [Double] { counts.indices.map { counts[$0] > 0 ? sums[$0] / Double(counts[$0]) : .nan } }

        /// Standard error of <chi> per bin from the spread of the pairs, sd / sqrt(n) (NaN for
        /// fewer than 2 pairs). Pairs of one realization are correlated; the fitted decay
        /// length gets a bootstrap error over realizations instead.
        public var standardErrors: [Double] {
            counts.indices.map { k in
                let n = Double(counts[k])
                guard counts[k] > 1 else { return .nan }
                let m = sums[k] / n
                let variance = max(0, (sumSquares[k] - n * m * m) / (n - 1))
                return (variance / n).squareRoot()
            }
        }
    }

    /// Sums chi of `pairs` into `bins`.
    public static func binSums(_ pairs: [Pair], bins: DistanceBins) -> BinSums {
        var s = BinSums(bins: bins.centers.count)
        for p in pairs { if let k = bins.index(of: p.distance) { s.add(p.chi, bin: k) } }
        return s
    }

    /// A straight-line fit ln <chi>(d) = intercept + slope d.
    public struct Fit: Sendable, Equatable {
        public let intercept: Double
        public let slope: Double
        /// Bins that entered the fit (non-empty, <chi> > 0).
        public let binsUsed: [Int]
        /// lambda = -1 / slope (lattice constants); NaN unless the slope is negative.
        public var decayLength: Double { slope < 0 ? -1 / slope : .nan }
    }

    /// Fits ln <chi> against the bin centers over the bins with a positive mean; nil when
    /// fewer than two bins qualify.
    public static func fit(means: [Double], bins: DistanceBins) -> Fit? {
        precondition(means.count == bins.centers.count)
        let used = means.indices.filter { means[$0].isFinite && means[$0] > 0 }
        guard used.count >= 2 else { return nil }
        let line = Statistics.linearFit(x: used.map { bins.centers[$0] }, y: used.map { log(means[$0]) })
        return Fit(intercept: line.intercept, slope: line.slope, binsUsed: used)
    }
}
