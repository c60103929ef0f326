/// Boundary condition along one lattice direction.
public enum Boundary: String, Codable, Sendable, CaseIterable {
    case periodic
    case open
}

/// An `Lx x Ly` square lattice with lattice constant 1.
///
/// Sites are numbered `i = x + Lx * y` with `x in 0..<Lx`, `y in 0..<Ly` (CONVENTIONS.md §1).
/// Each direction is periodic or open on its own. A periodic direction needs at least 3 sites:
/// with 2 the bond to the right and the bond to the left would be the same bond, counted twice.
public struct Lattice: Hashable, Codable, Sendable, CustomStringConvertible {
    public let lx: Int
    public let ly: Int
    public let boundaryX: Boundary
    public let boundaryY: Boundary

    public init(lx: Int, ly: Int, boundaryX: Boundary = .periodic, boundaryY: Boundary = .periodic) throws {
        guard lx > 0, ly > 0 else {
            throw ModelError.invalidSize("lattice size must be positive, got \(lx) x \(ly)")
        }
        if boundaryX == .periodic && lx < 3 {
            throw ModelError.invalidSize("a periodic direction needs at least 3 sites (Lx = \(lx)); use \(.boundary) open")
        }
        if boundaryY == .periodic && ly < 3 {
            throw ModelError.invalidSize("a periodic direction needs at least 3 sites (Ly = \(ly)); use \(.boundary) open")
        }
        self.lx = lx
        self.ly = ly
        self.boundaryX = boundaryX
        self.boundaryY = boundaryY
    }

    /// Convenience: the same boundary condition in both directions.
    public init(lx: Int, ly: Int, boundary: Boundary) throws {
        try self.init(lx: lx, ly: ly, boundaryX: boundary, boundaryY: boundary)
    }

    /// Number of sites `Lx * Ly`.
    @inlinable public var siteCount: Int { lx * ly }

    /// Site index of `(x, y)`, `i = x + Lx * y`.
    @inlinable public func site(x: Int, y: Int) -> Int { x + lx * y }

    /// Coordinates `(x, y)` of site `i`.
    @inlinable public func coordinates(of i: Int) -> (x: Int, y: Int) { (i % lx, i / lx) }

    /// The neighbour at offset `(dx, dy)`, or nil where an open boundary cuts the bond.
    @inlinable public func neighbour(of i: Int, dx: Int, dy: Int) -> Int? {
        let (x, y) = coordinates(of: i)
        var nx = x + dx, ny = y + dy
        if nx < 0 || nx >= lx {
            guard boundaryX == .periodic else { return nil }
            nx = ((nx % lx) + lx) % lx
        }
        if ny < 0 || ny >= ly {
            guard boundaryY == .periodic else { return nil }
            ny = ((ny % ly) + ly) % ly
        }
        return site(x: nx, y: ny)
    }

    /// Euclidean distance between sites, using the minimum image along periodic directions
    /// (CONVENTIONS.md §2, "Distance between two states"). Units: lattice constants.
    public func distance(_ i: Int, _ j: Int) -> Double {
        let (xi, yi) = coordinates(of: i)
        let (xj, yj) = coordinates(of: j)
        var dx = abs(xi - xj), dy = abs(yi - yj)
        if boundaryX == .periodic { dx = min(dx, lx - dx) }
        if boundaryY == .periodic { dy = min(dy, ly - dy) }
        return Double(dx * dx + dy * dy).squareRoot()
    }

    /// `"60x60 periodic"`, or `"60x40 periodic/open"` when the directions differ.
    public var description: String {
        let b = boundaryX == boundaryY ? boundaryX.rawValue : "\(boundaryX.rawValue)/\(boundaryY.rawValue)"
        return "\(lx)x\(ly) \(b)"
    }
}
