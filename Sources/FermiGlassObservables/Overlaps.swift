import FermiGlassSolvers

/// Density overlaps between eigenstates (CONVENTIONS.md §2; the paper's Eqs. 9-10):
///
///     chi_ac = sum_i |phi_a(i)|^2 |phi_c(i)|^2,      U_aacc(up, dn) = U chi_ac,
///     chi_aa = IPR_a                                 U_aaaa = U IPR_a.
///
/// Computed as one BLAS-3 product chi = P^T P with P_ia = |phi_a(i)|^2 (dsyrk), never as a
/// triple loop.
public enum Overlaps {
    /// The `count x count` matrix chi (column-major, symmetric, both triangles filled) for
    /// `states` (indices into `pairs`).
    public static func chi(_ pairs: Eigenpairs, states: [Int]? = nil) -> [Double] {
        let p = densities(pairs, states: states)
        let k = states?.count ?? pairs.count
        return BLAS.gramian(p, rows: pairs.dimension, columns: k)
    }

    /// chi among all states of a store: the dense store by dsyrk as above; a compressed store
    /// blockwise over the pairs whose supports meet (``StateOverlaps``), exactly zero elsewhere.
    public static func chi(_ states: some EigenstateStore) -> [Double] {
        if let pairs = states as? Eigenpairs { return chi(pairs) }
        return StateOverlaps.symmetricMatrix(states, squared: true)
    }

    /// chi_ac between the states of two stores (a.count x c.count, column-major).
    public static func chi(_ a: some EigenstateStore, _ c: some EigenstateStore) -> [Double] {
        StateOverlaps.matrix(a, c, squared: true)
    }

    /// P_ia = |phi_a(i)|^2, column-major `dimension x count`.
    public static func densities(_ pairs: Eigenpairs, states: [Int]? = nil) -> [Double] {
        pairs.densityMatrix(states: states)
    }
}
