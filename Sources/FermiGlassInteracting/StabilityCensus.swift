/// The stability census of the paramagnetic Fermi sea (the paper's Sec. IV; CONVENTIONS.md §2).
///
/// For the Fermi sea n0 (each of the lowest `occupied` window levels doubly occupied, the frozen
/// core below the window doubly occupied too) the Hartree energy of one particle in level a from
/// all other particles, core included, without a's own spin partner, is
///
///     E_1(a) = xi_a + U sum_{c != a} chi_ac n0_c
///            = xi_a + U [ coreShift_a + sum_{c in window, c occupied, c != a} chi_ac ],
///
/// with n0_c = 1 per spin for occupied c and `coreShift_a = sum_i |phi_a(i)|^2 n_core(i)` the
/// overlap of a with the per-spin density of the levels below the window (dimensionless; the
/// Hartree shift of the core on a is U * coreShift_a). The pair energy is
/// E_2(a, a) = 2 E_1(a) + U IPR_a with IPR_a = chi_aa. The census level is
///
///     mu* = ( max_{a occupied} E_1(a) + min_{a empty} E_1(a) ) / 2,
///
/// and two counts are reported:
///
/// * one-sided (the paper's criterion): occupied levels with -U IPR_a / 2 < E_1(a) - mu* < 0,
///   i.e. doubly occupied levels whose pair energy E_2 lies above 2 mu*: one particle would
///   rather leave;
/// * two-sided: window levels (occupied or empty) with |E_1(a) - mu*| < U IPR_a / 2. Moving a
///   particle from a doubly occupied level just below mu* to an empty one just above polarizes
///   both, so this is the count to compare with the Monte Carlo's polarized count.
///
/// For U <= 0 both intervals are empty and both counts are 0 (an attractive interaction never
/// polarizes the sea at this order; it forms local pairs instead, see ``GroundStateObservables``).
///
/// This is a small public API on purpose: it takes only (xi, chi over the window, core shift, U,
/// occupied count), so it can be evaluated in any orthonormal single-particle basis, for example
/// the Hartree-Fock orbitals. Energies in units of t1.
public struct StabilityCensus: Sendable, Codable {
    /// E_1(a) for every window level, in the order given.
    public let hartreeEnergies: [Double]
    /// E_2(a, a) = 2 E_1(a) + U IPR_a for every window level.
    public let pairEnergies: [Double]
    /// The census level mu* (NaN when the window has no occupied or no empty level).
    public let muStar: Double
    /// The paper's one-sided count (occupied levels only).
    public let oneSided: Int
    /// The two-sided count |E_1(a) - mu*| < U IPR_a / 2 (occupied and empty levels).
    public let twoSided: Int
    /// Which levels (indices into the window) the one-sided criterion flags, ascending.
    public let oneSidedLevels: [Int]
    /// Which levels (indices into the window) the two-sided criterion flags, ascending.
    public let twoSidedLevels: [Int]

    /// Evaluates the census.
    ///
    /// - Parameters:
    ///   - xi: single-particle energies of the k window levels (need not be sorted; level a is
    ///     occupied in n0 when `a < occupied`, so pass the occupied levels first).
    ///   - chi: k x k overlap matrix chi_ac = sum_i |phi_a(i)|^2 |phi_c(i)|^2 (column-major,
    ///     symmetric; `chi[a + c * k]`); its diagonal is IPR_a.
    ///   - coreShift: sum_i |phi_a(i)|^2 n_core(i) per window level (dimensionless; pass zeros
    ///     when there is no frozen core).
    ///   - U: Hubbard interaction (units of t1).
    ///   - occupied: number of doubly occupied window levels in the paramagnetic sea (0...k).
    public init(xi: [Double], chi: [Double], coreShift: [Double], U: Double, occupied: Int) {
        let k = xi.count
        precondition(chi.count == k * k, "chi must be \(k) x \(k), got \(chi.count) entries")
        self.init(xi: xi, overlap: SparseOverlap(dense: chi, count: k), coreShift: coreShift, U: U, occupied: occupied)
    }

    /// The same from a sparse chi (``SparseOverlap``: O(k + stored pairs)); the sum over
    /// occupied c runs in ascending c like the dense loop, so both give identical numbers when
    /// every nonzero pair is stored.
    public init(xi: [Double], overlap chi: SparseOverlap, coreShift: [Double], U: Double, occupied: Int) {
        let k = xi.count
        precondition(chi.count == k, "chi must be \(k) x \(k), got \(chi.count)")
        precondition(coreShift.count == k, "coreShift needs one value per window level")
        precondition((0...k).contains(occupied), "occupied must be in 0...\(k), got \(occupied)")
        var e1 = [Double](repeating: 0, count: k)
        for a in 0..<k {
            var s = coreShift[a]
            for j in chi.rowPointers[a]..<chi.rowPointers[a + 1] {
                let c = Int(chi.columns[j])
                if c < occupied && c != a { s += chi.values[j] }
            }
            e1[a] = xi[a] + U * s
        }
        let ipr = chi.diagonal
        var e2 = [Double](repeating: 0, count: k)
        for a in 0..<k { e2[a] = 2 * e1[a] + U * ipr[a] }
        var mu = Double.nan
        if occupied > 0 && occupied < k {
            let top = e1[0..<occupied].max()!
            let bottom = e1[occupied..<k].min()!
            mu = 0.5 * (top + bottom)
        }
        var one = [Int](), two = [Int]()
        if mu.isFinite {
            for a in 0..<k {
                let half = 0.5 * U * ipr[a]
                let d = e1[a] - mu
                if a < occupied && -half < d && d < 0 { one.append(a) }
                if abs(d) < half { two.append(a) }
            }
        }
        hartreeEnergies = e1
        pairEnergies = e2
        muStar = mu
        oneSidedLevels = one
        twoSidedLevels = two
        oneSided = one.count
        twoSided = two.count
    }
}
