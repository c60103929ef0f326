/// The t-t'-W model of CONVENTIONS.md §1 (the paper's Eq. (12) without the interaction):
///
///     H0 = sum_<ij>,s  t1 (c+_is c_js + h.c.)      nearest neighbours
///        + sum_<<ij>>,s t2 (c+_is c_js + h.c.)     next-nearest neighbours (both diagonals)
///        + sum_i,s (W_i - mu) n_is,                W_i uniform in [-W/2, W/2]
///
/// `t1` and `t2` are the hopping *matrix elements* H_ij (not the `-t` of the paper's Eq. (12)).
/// The paper's numbers correspond to t1 = +1, t2 = +0.6 (see CONVENTIONS.md). Energies are in
/// units of the hoppings (t1 = 1 in the paper's preset), lengths in lattice constants.
public struct ModelParameters: Hashable, Codable, Sendable {
    /// Nearest-neighbour hopping matrix element.
    public var t1: Double
    /// Next-nearest-neighbour (diagonal) hopping matrix element.
    public var t2: Double
    /// Disorder strength: on-site energies uniform in [-W/2, W/2].
    public var disorderStrength: Double
    /// Chemical potential subtracted on every site.
    public var mu: Double

    public init(t1: Double = 1, t2: Double = 0, disorderStrength: Double = 0, mu: Double = 0) {
        self.t1 = t1
        self.t2 = t2
        self.disorderStrength = disorderStrength
        self.mu = mu
    }

    /// Throws when a parameter is not finite or W is negative.
    public func validate() throws {
        for (name, v) in [("t1", t1), ("t2", t2), ("W", disorderStrength), ("mu", mu)] where !v.isFinite {
            throw ModelError.invalidParameter("\(name) must be a finite number, got \(v)")
        }
        if disorderStrength < 0 {
            throw ModelError.invalidParameter("W must be non-negative, got \(disorderStrength)")
        }
    }

    /// Bounds on the spectrum: every eigenvalue lies in `mu`-shifted
    /// [-(4|t1| + 4|t2| + W/2), 4|t1| + 4|t2| + W/2] (Gershgorin). Used as the matrix scale
    /// ||H|| in tolerances.
    public var gershgorinRadius: Double {
        4 * abs(t1) + 4 * abs(t2) + disorderStrength / 2 + abs(mu)
    }
}
