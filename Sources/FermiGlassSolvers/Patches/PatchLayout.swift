import FermiGlassModel

/// The tiling of a lattice into patches (CONVENTIONS.md §5): the interiors are disjoint
/// rectangles that cover every site exactly once (nx x ny of them, sides within one site of
/// `interior`), and each patch is its interior grown by `halo` sites on every side, an open
/// rectangular sub-lattice of the whole one. A patch whose grown width reaches a periodic
/// direction's length becomes that whole periodic direction (wrap-around bonds kept); on an
/// open direction it is clipped to the lattice.
///
/// Patches are numbered p = px + nx * py (px along x); every pass visits them in this order.
/// A state is owned by the patch whose interior holds the site of its largest |phi|^2
/// (``owner(of:)``): interiors tile the lattice, so every site has exactly one owner.
public struct PatchLayout: Sendable, Equatable {
    public let lattice: Lattice
    /// The nominal interior side (sites).
    public let interior: Int
    /// Sites added around every interior.
    public let halo: Int
    /// Interior boundaries along x: interior px covers x in xCuts[px] ..< xCuts[px + 1].
    public let xCuts: [Int]
    /// Interior boundaries along y.
    public let yCuts: [Int]
    /// Interior column of every x, row of every y.
    private let columnOf: [Int]
    private let rowOf: [Int]

    /// The layout of interiors of side about `interior` (at least 1) grown by `halo`: nx =
    /// ceil(Lx / interior) interiors along x with boundaries floor(k Lx / nx), likewise along y.
    public init(lattice: Lattice, interior: Int, halo: Int) throws {
        guard interior >= 1, halo >= 0 else {
            throw SolverError.invalidArgument("a patch layout needs an interior side >= 1 and a halo >= 0, got \(interior) and \(halo)")
        }
        self.lattice = lattice
        self.interior = interior
        self.halo = halo
        func cuts(_ extent: Int) -> [Int] {
            let n = (extent + interior - 1) / interior
            return (0...n).map { $0 * extent / n }
        }
        xCuts = cuts(lattice.lx)
        yCuts = cuts(lattice.ly)
        func owners(_ c: [Int]) -> [Int] {
            var out = [Int]()
            for k in 0..<(c.count - 1) { out += Array(repeating: k, count: c[k + 1] - c[k]) }
            return out
        }
        columnOf = owners(xCuts)
        rowOf = owners(yCuts)
    }

    /// Interiors along x and y.
    public var columns: Int { xCuts.count - 1 }
    public var rows: Int { yCuts.count - 1 }
    /// Number of patches.
    public var count: Int { columns * rows }

    /// The interior of patch `p`.
    public func interiorRegion(_ p: Int) -> Lattice.Region {
        let px = p % columns, py = p / columns
        return try! lattice.region(x0: xCuts[px], y0: yCuts[py], width: xCuts[px + 1] - xCuts[px], height: yCuts[py + 1] - yCuts[py])
    }

    /// Patch `p`: its interior grown by the halo (whole periodic direction or clipped to an
    /// open one when it reaches the lattice's extent).
    public func patchRegion(_ p: Int) -> Lattice.Region {
        let px = p % columns, py = p / columns
        func span(_ a: Int, _ b: Int, _ extent: Int, _ boundary: Boundary) -> (Int, Int) {
            let lo = a - halo, hi = b + halo
            if hi - lo >= extent { return (0, extent) }
            if boundary == .periodic { return (lo, hi - lo) }
            let s = max(0, lo), e = min(extent, hi)
            return (s, e - s)
        }
        let (x0, w) = span(xCuts[px], xCuts[px + 1], lattice.lx, lattice.boundaryX)
        let (y0, h) = span(yCuts[py], yCuts[py + 1], lattice.ly, lattice.boundaryY)
        return try! lattice.region(x0: x0, y0: y0, width: w, height: h)
    }

    /// The patch whose interior holds `site`.
    public func owner(of site: Int) -> Int {
        let (x, y) = lattice.coordinates(of: site)
        return columnOf[x] + columns * rowOf[y]
    }

    /// True when some patch covers a whole periodic direction (it sees its own periodic image).
    public var anyPatchWraps: Bool {
        (0..<count).contains { let r = patchRegion($0); return r.periodicX || r.periodicY }
    }
}

extension Lattice {
    /// The smallest region holding every region of `regions` (a non-empty list): along each
    /// direction the shortest arc of the circle (periodic) or segment (open) that covers all
    /// their spans; a direction that cannot be covered by less than the lattice is taken whole.
    /// Used to put the states of a Rayleigh-Ritz cluster on one rectangle.
    public func boundingRegion(of regions: [Region]) -> Region {
        precondition(!regions.isEmpty)
        func cover(_ spans: [(Int, Int)], _ extent: Int, _ boundary: Boundary) -> (Int, Int) {
            if spans.contains(where: { $0.1 >= extent }) { return (0, extent) }
            if boundary == .open {
                let lo = spans.map { $0.0 }.min()!, hi = spans.map { $0.0 + $0.1 }.max()!
                return (lo, hi - lo)
            }
            // Periodic: the covering arc starts at one of the spans' starts.
            var best = (0, extent)
            for (s, _) in spans.sorted(by: { $0.0 < $1.0 }) {
                let length = spans.map { (($0.0 - s) % extent + extent) % extent + $0.1 }.max()!
                if length < best.1 { best = (s, length) }
            }
            return best.1 >= extent ? (0, extent) : best
        }
        let (x0, w) = cover(regions.map { ($0.x0, $0.width) }, lx, boundaryX)
        let (y0, h) = cover(regions.map { ($0.y0, $0.height) }, ly, boundaryY)
        return try! region(x0: x0, y0: y0, width: w, height: h)
    }
}
