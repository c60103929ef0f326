import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers

/// One first-order ground-state problem (the paper's Eq. 13 restricted to a window):
///
///     E1({n}) = E_core + sum_{a in W, s} (xi_a + U coreShift_a) n_as
///             + U sum_{a, c in W} chi_ac n_a,up n_c,dn,
///     E_core  = 2 sum_{c < lo} xi_c + U sum_i n_core(i)^2,
///
/// which is exactly the full E1 = sum_{a,s} xi_a n_as + U sum_{a,c} chi_ac n_a,up n_c,dn over all
/// levels when the levels below the window (c < lo) are doubly occupied and those above empty:
/// the core-core term is U sum_{c,c'} chi_cc' = U sum_i n_core(i)^2 and the core-window terms
/// give each window particle the Hartree shift U coreShift_a = U sum_i |phi_a(i)|^2 n_core(i),
/// with n_core(i) = sum_{c < lo} |phi_c(i)|^2 the per-spin core density. Energies in units of t1.
/// The problem is independent of U, so one instance serves a whole U sweep.
public struct GroundStateProblem: Sendable {
    /// Window energies xi_a (ascending on the eigen-solver path).
    public let xi: [Double]
    /// chi_ac among window states, sparse symmetric (CSR, diagonal = IPR_a): every nonzero of a
    /// dense table, or on compressed states only the pairs whose supports meet (O(window)
    /// entries, never a k x k table).
    public let overlap: SparseOverlap
    /// The weight chi might miss per pair: 0 when built from dense states; on compressed states
    /// |chi_ac(true) - chi_ac(stored)| <= w_a + w_c (each state's discarded weight |phi|^2
    /// outside its support), which also bounds every pair whose supports do not meet.
    public let chiDroppedWeightBound: Double
    /// sum_i |phi_a(i)|^2 n_core(i) per window state (dimensionless).
    public let coreShift: [Double]
    /// 2 sum_{c < lo} xi_c: the band energy of the frozen core.
    public let coreBandEnergy: Double
    /// sum_i n_core(i)^2: the core's Hubbard energy per unit U.
    public let coreSelfOverlap: Double
    /// Particles (both spins) that live in the window.
    public let particles: Int
    /// Global index of the first window level (0 when there is no core).
    public let firstLevel: Int
    /// Doubly occupied window levels in the paramagnetic sea (particles / 2 when even).
    public var fermiOccupied: Int { particles / 2 }
    /// E_F: midway between the last occupied and first empty window level of the sea (NaN if
    /// the window has none on one side).
    public let fermiEnergy: Double
    /// The window states themselves (dense columns or compressed local states), kept for the
    /// real-space moment map; nil for a problem built from its parts.
    public let states: (any EigenstateStore)?
    /// Number of sites (the length of a moment map), 0 when no states are kept.
    public var siteCount: Int { states?.dimension ?? 0 }

    public var count: Int { xi.count }
    /// IPR_a = chi_aa of the window states.
    public var ipr: [Double] { overlap.diagonal }
    /// chi as a dense k x k column-major table: O(k^2), for small windows and tests only.
    public var denseChi: [Double] { overlap.dense() }

    /// A problem from its parts with a dense k x k chi table (tests, other bases): every
    /// nonzero entry is kept.
    public init(xi: [Double], chi: [Double], coreShift: [Double]? = nil, coreBandEnergy: Double = 0,
                coreSelfOverlap: Double = 0, particles: Int, firstLevel: Int = 0,
                states: (any EigenstateStore)? = nil) {
        let k = xi.count
        precondition(chi.count == k * k, "chi must be \(k) x \(k)")
        self.init(xi: xi, overlap: SparseOverlap(dense: chi, count: k), coreShift: coreShift, coreBandEnergy: coreBandEnergy,
                  coreSelfOverlap: coreSelfOverlap, particles: particles, firstLevel: firstLevel, states: states)
    }

    /// A problem from its parts with a sparse chi (the compressed-state path).
    public init(xi: [Double], overlap: SparseOverlap, chiDroppedWeightBound: Double = 0, coreShift: [Double]? = nil,
                coreBandEnergy: Double = 0, coreSelfOverlap: Double = 0, particles: Int, firstLevel: Int = 0,
                states: (any EigenstateStore)? = nil) {
        let k = xi.count
        precondition(overlap.count == k, "chi must be \(k) x \(k)")
        precondition((0...(2 * k)).contains(particles), "window particle count \(particles) outside 0...\(2 * k)")
        precondition(states == nil || states!.count == k, "\(states!.count) window states for \(k) energies")
        self.xi = xi
        self.overlap = overlap
        self.chiDroppedWeightBound = chiDroppedWeightBound
        self.coreShift = coreShift ?? [Double](repeating: 0, count: k)
        self.coreBandEnergy = coreBandEnergy
        self.coreSelfOverlap = coreSelfOverlap
        self.particles = particles
        self.firstLevel = firstLevel
        self.states = states
        let occ = particles / 2
        fermiEnergy = (occ > 0 && occ < k) ? 0.5 * (xi[occ - 1] + xi[occ]) : .nan
    }

    /// The dense path: `pairs` holds every level from 0 up to at least `window.upperBound`
    /// (firstLevel 0, with vectors), so n_core(i) = sum_{c < lo} |phi_c(i)|^2 is exact.
    /// `totalParticles` is N (both spins).
    public init(pairs: Eigenpairs, window: Range<Int>, totalParticles: Int) throws {
        guard pairs.hasVectors, pairs.firstLevel == 0, window.upperBound <= pairs.count, window.lowerBound >= 0 else {
            throw ModelError.invalidParameter(
                "the dense ground-state problem needs eigenvectors of levels 0..<\(window.upperBound) (got \(pairs.count) from level \(pairs.firstLevel ?? -1))")
        }
        let lo = window.lowerBound
        let inWindow = totalParticles - 2 * lo
        guard inWindow >= 0, inWindow <= 2 * window.count else {
            throw ModelError.invalidParameter(
                "\(totalParticles) particles do not fit a window \(lo)..<\(window.upperBound) above a core of \(lo) doubly occupied levels")
        }
        let n = pairs.dimension
        let core = GroundStateProblem.coreDensity(pairs: pairs, below: lo)
        let k = window.count
        let windowStates = pairs.subset(window)
        let p = Overlaps.densities(windowStates)
        let chi = BLAS.gramian(p, rows: n, columns: k)
        let shift = BLAS.transposeProduct(p, core, rows: n, aColumns: k, bColumns: 1)
        var band = 0.0
        for c in 0..<lo { band += 2 * pairs.values[c] }
        let selfOverlap = core.reduce(0) { $0 + $1 * $1 }
        self.init(xi: Array(pairs.values[window]), chi: chi, coreShift: shift, coreBandEnergy: band,
                  coreSelfOverlap: selfOverlap, particles: inWindow, firstLevel: lo, states: windowStates)
    }

    /// n_core(i) = sum_{c < lo} |phi_c(i)|^2: the exact per-spin density of the lowest `lo`
    /// levels.
    public static func coreDensity(pairs: Eigenpairs, below lo: Int) -> [Double] {
        pairs.weightedDensity((0..<pairs.count).map { $0 < lo ? 1 : 0 })
    }

    /// The paramagnetic Fermi sea of the window: the lowest particles/2 levels doubly occupied
    /// (plus one up particle on the next level when the window count is odd).
    public func fermiSea() -> Occupations {
        var o = Occupations(count: count)
        for a in 0..<(particles / 2) { o.up[a] = 1; o.dn[a] = 1 }
        if particles % 2 == 1 { o.up[particles / 2] = 1 }
        return o
    }

    /// The full E1 of `o` from scratch over the stored chi, O(k + stored pairs) (the reference
    /// for every incremental update). The interaction sum runs over the down-occupied rows c and
    /// the up-occupied columns a in ascending order, the order of a dense double loop, so it is
    /// bit-identical to one when every nonzero pair is stored.
    public func energy(_ o: Occupations, U: Double) -> Double {
        precondition(o.count == count)
        var e = coreBandEnergy + U * coreSelfOverlap
        for a in 0..<count {
            e += (xi[a] + U * coreShift[a]) * Double(Int(o.up[a]) + Int(o.dn[a]))
        }
        var inter = 0.0
        let chi = overlap
        for c in 0..<count where o.dn[c] == 1 {
            for j in chi.rowPointers[c]..<chi.rowPointers[c + 1] where o.up[Int(chi.columns[j])] == 1 { inter += chi.values[j] }
        }
        return e + U * inter
    }

    /// The stability census of this problem's Fermi sea (see ``StabilityCensus``), from the
    /// sparse chi.
    public func census(U: Double) -> StabilityCensus {
        StabilityCensus(xi: xi, overlap: overlap, coreShift: coreShift, U: U, occupied: fermiOccupied)
    }
}

/// Occupations n_a,s in {0, 1} of the window levels.
public struct Occupations: Sendable, Equatable, Codable {
    public var up: [UInt8]
    public var dn: [UInt8]

    public init(count: Int) {
        up = [UInt8](repeating: 0, count: count)
        dn = [UInt8](repeating: 0, count: count)
    }

    public init(up: [UInt8], dn: [UInt8]) {
        precondition(up.count == dn.count)
        self.up = up
        self.dn = dn
    }

    public var count: Int { up.count }
    public var particles: Int { up.reduce(0) { $0 + Int($1) } + dn.reduce(0) { $0 + Int($1) } }
    /// Singly occupied ("polarized") levels.
    public var polarized: Int { (0..<count).reduce(0) { $0 + (up[$1] != dn[$1] ? 1 : 0) } }
    public var doublyOccupied: Int { (0..<count).reduce(0) { $0 + (up[$1] == 1 && dn[$1] == 1 ? 1 : 0) } }
    public var empty: Int { (0..<count).reduce(0) { $0 + (up[$1] == 0 && dn[$1] == 0 ? 1 : 0) } }
    /// |S_z| = |N_up - N_dn| / 2.
    public var totalSz: Double {
        Double(abs(up.reduce(0) { $0 + Int($1) } - dn.reduce(0) { $0 + Int($1) })) / 2
    }
    /// n_a = n_a,up + n_a,dn per level.
    public var total: [Int] { (0..<count).map { Int(up[$0]) + Int(dn[$0]) } }
}
