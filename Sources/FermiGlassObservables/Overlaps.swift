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

    /// P_ia = |phi_a(i)|^2, column-major `dimension x count`.
    public static func densities(_ pairs: Eigenpairs, states: [Int]? = nil) -> [Double] {
        precondition(pairs.hasVectors, "overlaps need eigenvectors")
        let n = pairs.dimension
        let sel = states ?? Array(0..<pairs.count)
        var p = [Double](repeating: 0, count: n * sel.count)
        pairs.vectors.withUnsafeBufferPointer { v in
            p.withUnsafeMutableBufferPointer { pp in
                for (col, a) in sel.enumerated() {
                    for i in 0..<n { let x = v[i + a * n]; pp[i + col * n] = x * x }
                }
            }
        }
        return p
    }
}
