/// Named parameter sets. `paper` is Lau & Ng's: t1 = +1, t2 = +0.6, W = 9, mu = 0, 60 x 60,
/// periodic, filling 5/6 (3000 particles). See CONVENTIONS.md §1 for the signs.
public enum Preset: String, CaseIterable, Sendable {
    case paper

    public var lx: Int { 60 }
    public var ly: Int { 60 }
    public var parameters: ModelParameters { ModelParameters(t1: 1, t2: 0.6, disorderStrength: 9, mu: 0) }
    public var boundary: Boundary { .periodic }
    public var filling: Double { 5.0 / 6.0 }
}

extension Preset {
    /// The preset's lattice (60 x 60 periodic for `paper`).
    public func lattice() throws -> Lattice { try Lattice(lx: lx, ly: ly, boundary: boundary) }

    /// The preset's filling on `lattice`: N = n Lx Ly rounded to the nearest even number.
    public func filling(on lattice: Lattice) throws -> Filling { try Filling(filling: filling, siteCount: lattice.siteCount) }
}
