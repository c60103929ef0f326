extension Lattice {
    /// A rectangle of sites: the `width x height` sites with x = x0 + u, y = y0 + v
    /// (u in 0..<width, v in 0..<height), wrapped around periodic directions. The building
    /// block of localized-patch solvers and of compressed eigenstates (a state stored on the
    /// rectangle that holds its support).
    ///
    /// Local numbering follows the global one: local site l = u + width * v. A region as wide
    /// as a periodic direction covers it completely and keeps its periodic bonds (a patch as
    /// large as the lattice is the whole periodic lattice); a narrower region is an open
    /// sub-lattice in that direction. On an open direction a region never wraps.
    public struct Region: Hashable, Codable, Sendable, CustomStringConvertible {
        /// Lower-left corner, in 0..<Lx and 0..<Ly.
        public let x0: Int
        public let y0: Int
        public let width: Int
        public let height: Int
        /// The region covers the whole (periodic) direction and keeps its wrap-around bonds.
        public let periodicX: Bool
        public let periodicY: Bool

        /// Number of sites `width * height`.
        @inlinable public var siteCount: Int { width * height }

        /// Local site index of local coordinates (u, v).
        @inlinable public func localSite(u: Int, v: Int) -> Int { u + width * v }

        public var description: String { "\(width)x\(height) at (\(x0), \(y0))" }
    }

    /// The region with corner (x0, y0) (wrapped into the lattice on periodic directions) and
    /// the given size. Throws when the size is not positive, exceeds the lattice, or an open
    /// direction would be wrapped.
    public func region(x0: Int, y0: Int, width: Int, height: Int) throws -> Region {
        guard width > 0, height > 0, width <= lx, height <= ly else {
            throw ModelError.invalidSize("a region must be 1...\(lx) x 1...\(ly) sites, got \(width) x \(height)")
        }
        func corner(_ c: Int, _ size: Int, _ extent: Int, _ boundary: Boundary, _ axis: String) throws -> Int {
            if boundary == .periodic { return ((c % extent) + extent) % extent }
            guard c >= 0, c + size <= extent else {
                throw ModelError.invalidSize("a region \(axis) = \(c)..<\(c + size) leaves the open direction 0..<\(extent)")
            }
            return c
        }
        let cx = try corner(x0, width, lx, boundaryX, "x"), cy = try corner(y0, height, ly, boundaryY, "y")
        return Region(x0: width == lx ? 0 : cx, y0: height == ly ? 0 : cy, width: width, height: height,
                      periodicX: boundaryX == .periodic && width == lx, periodicY: boundaryY == .periodic && height == ly)
    }

    /// The square of half-width `halfWidth` around `site` (side 2 halfWidth + 1), clipped to
    /// open edges and to the lattice size: the patch of a state whose maximum sits at `site`.
    public func region(around site: Int, halfWidth: Int) -> Region {
        precondition(halfWidth >= 0 && (0..<siteCount).contains(site))
        let (x, y) = coordinates(of: site)
        func span(_ c: Int, _ extent: Int, _ boundary: Boundary) -> (Int, Int) {
            let side = 2 * halfWidth + 1
            if side >= extent { return (0, extent) }
            if boundary == .periodic { return (c - halfWidth, side) }
            let lo = max(0, c - halfWidth), hi = min(extent, c + halfWidth + 1)
            return (lo, hi - lo)
        }
        let (ax, w) = span(x, lx, boundaryX), (ay, h) = span(y, ly, boundaryY)
        return try! region(x0: ax, y0: ay, width: w, height: h)
    }

    /// The whole lattice as a region (periodic directions keep their wrap).
    public var wholeRegion: Region { try! region(x0: 0, y0: 0, width: lx, height: ly) }

    /// Global site index of local site `local` of `r`.
    @inlinable public func globalSite(_ local: Int, in r: Region) -> Int {
        let u = local % r.width, v = local / r.width
        var x = r.x0 + u, y = r.y0 + v
        if x >= lx { x -= lx }
        if y >= ly { y -= ly }
        return x + lx * y
    }

    /// The region's local coordinates (u, v) of global site `site`, or nil when it lies outside.
    @inlinable public func localCoordinates(of site: Int, in r: Region) -> (u: Int, v: Int)? {
        let (x, y) = coordinates(of: site)
        var u = x - r.x0, v = y - r.y0
        if u < 0 { u += lx }
        if v < 0 { v += ly }
        guard u < r.width, v < r.height else { return nil }
        return (u, v)
    }

    /// Local index in `r` of global site `site`, or nil when it lies outside.
    @inlinable public func localSite(of site: Int, in r: Region) -> Int? {
        localCoordinates(of: site, in: r).map { r.localSite(u: $0.u, v: $0.v) }
    }

    /// The global site indices of the region in local order.
    public func sites(of r: Region) -> [Int] { (0..<r.siteCount).map { globalSite($0, in: r) } }

    /// How many lattice steps site `site` (inside `r`) lies from the region's open edge: the
    /// number of rows or columns between it and the nearest cut bond (0 on the outermost row
    /// or column). A direction the region covers completely and periodically has no edge.
    /// Int.max when no direction has an edge; nil when the site lies outside.
    public func distanceToEdge(of site: Int, in r: Region) -> Int? {
        guard let (u, v) = localCoordinates(of: site, in: r) else { return nil }
        var d = Int.max
        // A region as wide as an open direction has no cut bonds there either.
        let cutX = !r.periodicX && !(boundaryX == .open && r.width == lx)
        let cutY = !r.periodicY && !(boundaryY == .open && r.height == ly)
        if cutX {
            let left = boundaryX == .open && r.x0 == 0 ? Int.max : u
            let right = boundaryX == .open && r.x0 + r.width == lx ? Int.max : r.width - 1 - u
            d = min(d, left, right)
        }
        if cutY {
            let bottom = boundaryY == .open && r.y0 == 0 ? Int.max : v
            let top = boundaryY == .open && r.y0 + r.height == ly ? Int.max : r.height - 1 - v
            d = min(d, bottom, top)
        }
        return d
    }

    /// True when the two regions share at least one site.
    public func intersects(_ a: Region, _ b: Region) -> Bool {
        func overlap(_ a0: Int, _ aw: Int, _ b0: Int, _ bw: Int, _ extent: Int) -> Bool {
            if aw >= extent || bw >= extent { return true }
            // Offsets of b's start relative to a's start, on the circle (open lattices never wrap,
            // and the same test is exact there).
            let d = ((b0 - a0) % extent + extent) % extent
            return d < aw || d + bw > extent
        }
        return overlap(a.x0, a.width, b.x0, b.width, lx) && overlap(a.y0, a.height, b.y0, b.height, ly)
    }
}
