import FermiGlassModel

/// Compressed eigenstates: each state stored on one rectangle of the lattice
/// (``Lattice/Region``) that holds its support, with its amplitudes there in the region's
/// local order, and the weight it dropped outside.
///
/// A state localized over L_loc (about 5-8 lattice constants at W = 9) decays like
/// exp(-r / xi) with xi of the same order, so all but a weight w of it lies within a distance
/// ~ (xi / 2) ln(1 / w) of its maximum: a 1000 x 1000 lattice holds it on a few 10^4 sites
/// instead of 10^6. Memory is 8 bytes per kept amplitude plus a region per state, so it grows
/// with the summed supports, never with sites x states. The patch solvers produce states in
/// this form directly (a patch is a region); the global engine's dense columns are compressed
/// by ``init(compressing:lattice:maxDiscardedWeight:)``.
public struct LocalEigenstates: EigenstateStore {
    public let grid: Lattice
    public private(set) var values: [Double]
    public var firstLevel: Int?
    /// The region of each state.
    public private(set) var regions: [Lattice.Region]
    /// State a's amplitudes, one array per state (a growing window never reallocates one
    /// buffer of all of them, which would briefly hold the store twice).
    private var amplitudes: [[Double]]
    private var discarded: [Double]

    /// An empty store on `lattice`.
    public init(lattice: Lattice, firstLevel: Int? = nil) {
        grid = lattice
        values = []
        self.firstLevel = firstLevel
        regions = []
        amplitudes = []
        discarded = []
    }

    public var lattice: Lattice? { grid }
    public var dimension: Int { grid.siteCount }
    public var count: Int { values.count }
    /// 8 bytes per amplitude, plus the region (48 bytes), the offset, energy and discarded weight of each state.
    public var bytes: Int { amplitudes.reduce(0) { $0 + 8 * $1.count } + (48 + 24) * count }

    public func support(of a: Int) -> StateSupport { .region(regions[a]) }

    public func withAmplitudes<R>(of a: Int, _ body: (UnsafeBufferPointer<Double>) throws -> R) rethrows -> R {
        try amplitudes[a].withUnsafeBufferPointer { try body($0) }
    }

    public func discardedWeight(of a: Int) -> Double { discarded[a] }

    /// Appends one state: energy, region, amplitudes in the region's local order, and the weight
    /// it dropped outside the region. States must be appended in ascending energy.
    public mutating func append(value: Double, region: Lattice.Region, amplitudes x: [Double], discardedWeight w: Double) {
        precondition(x.count == region.siteCount, "\(x.count) amplitudes for a region of \(region.siteCount) sites")
        precondition(w >= 0 && w.isFinite)
        values.append(value)
        regions.append(region)
        amplitudes.append(x)
        discarded.append(w)
    }

    /// Appends every state of `other` (same lattice), in order.
    public mutating func append(contentsOf other: LocalEigenstates) {
        precondition(other.grid == grid, "states of \(other.grid) appended to a store on \(grid)")
        for a in 0..<other.count {
            append(value: other.values[a], region: other.regions[a], amplitudes: other.amplitudes[a], discardedWeight: other.discarded[a])
        }
    }

    /// The states `range` (indices into this store), as a new store.
    public func subset(_ range: Range<Int>) -> LocalEigenstates {
        var out = LocalEigenstates(lattice: grid, firstLevel: firstLevel.map { $0 + range.lowerBound })
        for a in range {
            out.append(value: values[a], region: regions[a], amplitudes: amplitudes[a], discardedWeight: discarded[a])
        }
        return out
    }

    /// Compresses dense eigenpairs of the lattice's Hamiltonian: each state keeps the smallest
    /// rectangle (found as below) outside which its weight is at most `maxDiscardedWeight`;
    /// 0 keeps every site. Values and first level are kept.
    public init(compressing pairs: Eigenpairs, lattice: Lattice, maxDiscardedWeight: Double) throws {
        guard pairs.hasVectors, pairs.dimension == lattice.siteCount else {
            throw SolverError.invalidArgument("compression needs the eigenvectors of a \(lattice.siteCount)-site lattice, got \(pairs.count) states of dimension \(pairs.dimension)")
        }
        guard maxDiscardedWeight >= 0, maxDiscardedWeight < 1 else {
            throw SolverError.invalidArgument("the discarded weight per state must lie in [0, 1), got \(maxDiscardedWeight)")
        }
        self.init(lattice: lattice, firstLevel: pairs.firstLevel)
        var compressor = Compressor(lattice: lattice)
        for a in 0..<pairs.count {
            pairs.withAmplitudes(of: a) { x in
                let (region, w) = compressor.region(for: x, maxDiscardedWeight: maxDiscardedWeight)
                let kept = lattice.sites(of: region).map { x[$0] }
                append(value: pairs.values[a], region: region, amplitudes: kept, discardedWeight: w)
            }
        }
    }

    /// Overlaps of every pair whose regions meet, computed blockwise (see
    /// ``StateOverlaps``); pairs that cannot meet are orthogonal as stored.
    public func maxOrthogonalityError() -> Double {
        guard count > 0 else { return .nan }
        var worst = 0.0
        StateOverlaps.forEachBlock(self, self, squared: false, upperOnly: true) { rows, cols, g in
            for (j, c) in cols.enumerated() {
                for (i, a) in rows.enumerated() where a <= c {
                    worst = max(worst, abs(g[i + j * rows.count] - (a == c ? 1 : 0)))
                }
            }
        }
        return worst
    }
}

/// Chooses the rectangle of a dense state: the square around its maximum |phi|^2 (minimum
/// image, ties to the lowest site) with the smallest half-width whose outside weight is within
/// the budget, then each side pulled in (left, right, bottom, top, repeated until none moves)
/// while the budget still holds. Weights of rectangles come from 2-D prefix sums of |phi|^2, so
/// a state costs O(sites). Deterministic.
struct Compressor {
    let lattice: Lattice
    private var prefix: [Double]

    init(lattice: Lattice) {
        self.lattice = lattice
        prefix = [Double](repeating: 0, count: (lattice.lx + 1) * (lattice.ly + 1))
    }

    /// sum of p over x in [x0, x1), y in [y0, y1) (no wrap; 0 <= x0 <= x1 <= Lx).
    private func plain(_ x0: Int, _ x1: Int, _ y0: Int, _ y1: Int) -> Double {
        let w = lattice.lx + 1
        return prefix[x1 + w * y1] - prefix[x0 + w * y1] - prefix[x1 + w * y0] + prefix[x0 + w * y0]
    }

    /// Weight inside the (possibly wrapping) rectangle of corner (x0, y0) and size w x h.
    private func weight(_ x0: Int, _ y0: Int, _ w: Int, _ h: Int) -> Double {
        let lx = lattice.lx, ly = lattice.ly
        func pieces(_ c: Int, _ size: Int, _ extent: Int) -> [(Int, Int)] {
            let s = ((c % extent) + extent) % extent
            return s + size <= extent ? [(s, s + size)] : [(s, extent), (0, s + size - extent)]
        }
        var total = 0.0
        for (a, b) in pieces(x0, w, lx) { for (c, d) in pieces(y0, h, ly) { total += plain(a, b, c, d) } }
        return total
    }

    mutating func region(for x: UnsafeBufferPointer<Double>, maxDiscardedWeight budget: Double) -> (Lattice.Region, Double) {
        let lx = lattice.lx, ly = lattice.ly, w = lx + 1
        if budget <= 0 { return (lattice.wholeRegion, 0) }
        var best = 0, bestValue = -1.0
        for y in 0..<ly {
            var row = 0.0
            for xx in 0..<lx {
                let i = xx + lx * y
                let p = x[i] * x[i]
                if p > bestValue { bestValue = p; best = i }
                row += p
                prefix[(xx + 1) + w * (y + 1)] = prefix[(xx + 1) + w * y] + row
            }
        }
        let total = prefix[lx + w * ly]
        let (cx, cy) = lattice.coordinates(of: best)
        // Extent of a side along a direction: (start, size), clipped on open directions.
        func span(_ c: Int, _ lo: Int, _ hi: Int, _ extent: Int, _ b: Boundary) -> (Int, Int) {
            if lo + hi + 1 >= extent { return (0, extent) }
            if b == .periodic { return (c - lo, lo + hi + 1) }
            let s = max(0, c - lo), e = min(extent, c + hi + 1)
            return (s, e - s)
        }
        func outside(_ l: Int, _ r: Int, _ d: Int, _ u: Int) -> Double {
            let (x0, ww) = span(cx, l, r, lx, lattice.boundaryX), (y0, hh) = span(cy, d, u, ly, lattice.boundaryY)
            return max(0, total - weight(x0, y0, ww, hh))
        }
        // Smallest square half-width by bisection (outside weight falls as the square grows).
        var lo = 0, hi = max(lx, ly)
        while lo < hi {
            let mid = (lo + hi) / 2
            if outside(mid, mid, mid, mid) <= budget { hi = mid } else { lo = mid + 1 }
        }
        var s = [lo, lo, lo, lo]  // left, right, down, up
        var moved = true
        while moved {
            moved = false
            for k in 0..<4 where s[k] > 0 {
                var t = s
                t[k] -= 1
                if outside(t[0], t[1], t[2], t[3]) <= budget { s = t; moved = true }
            }
        }
        let (x0, ww) = span(cx, s[0], s[1], lx, lattice.boundaryX), (y0, hh) = span(cy, s[2], s[3], ly, lattice.boundaryY)
        let region = try! lattice.region(x0: x0, y0: y0, width: ww, height: hh)
        // The discarded weight summed explicitly over the dropped sites (no cancellation).
        var dropped = 0.0
        if region.siteCount < lattice.siteCount {
            for i in 0..<lattice.siteCount where lattice.localSite(of: i, in: region) == nil { dropped += x[i] * x[i] }
        }
        return (region, dropped)
    }
}
