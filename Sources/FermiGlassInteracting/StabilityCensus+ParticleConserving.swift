/// A particle-conserving census level (issue 19; CONVENTIONS.md §2).
///
/// The census's mu* = (max_{a occupied} E_1(a) + min_{a empty} E_1(a)) / 2 is placed between
/// the sea's occupied and empty levels. Its two-sided count reads a configuration off mu*: a
/// level is polarized when |E_1(a) - mu*| < U IPR_a / 2, doubly occupied when
/// E_1(a) < mu* - U IPR_a / 2 and empty when E_1(a) > mu* + U IPR_a / 2. That configuration
/// need not hold the sea's particle number: when the Hartree shifts reorder the levels (an
/// occupied E_1 above an empty one) or the polarized levels above and below mu* are not
/// balanced, it gains or loses particles.
///
/// The particle-conserving level mu*_N is the mu at which that same reading holds exactly the
/// sea's 2F window particles (F doubly occupied window levels). With the two thresholds of
/// each level,
///
///     t_a^- = E_1(a) - U IPR_a / 2,   t_a^+ = E_1(a) + U IPR_a / 2,
///
/// the reading puts n_a(mu) = #{ thresholds of a below mu } in {0, 1, 2} particles on a, so
/// N(mu) = #{ all 2k thresholds below mu } is a staircase with unit steps, and N(mu) = 2F on
/// the interval between the 2F-th and (2F+1)-th smallest thresholds. mu*_N is that interval's
/// midpoint. Properties: for U -> 0 it is the midpoint of the F-th and (F+1)-th smallest E_1,
/// equal to the census mu* when the E_1 keep the sea's order; it counts the polarized levels
/// (exactly one threshold below mu*_N) of a configuration with the right particle number.
/// Units of t1, like E_1. NaN when the window has no occupied or no empty level.
public struct ParticleConservingLevel: Sendable, Equatable {
    /// mu*_N.
    public var muStar: Double
    /// Levels with exactly one threshold below mu*_N (the two-sided count at mu*_N).
    public var polarized: Int
    /// Window particles of the reading at mu*_N (2F by construction, unless two thresholds
    /// coincide at mu*_N).
    public var particles: Int

    /// - Parameters:
    ///   - hartreeEnergies: E_1(a) of the window levels (``StabilityCensus/hartreeEnergies``).
    ///   - ipr: IPR_a of the same levels.
    ///   - U: Hubbard interaction (t1).
    ///   - occupied: F, the number of doubly occupied window levels in the sea.
    public init(hartreeEnergies e1: [Double], ipr: [Double], U: Double, occupied: Int) {
        precondition(e1.count == ipr.count, "one IPR per window level")
        let k = e1.count
        precondition((0...k).contains(occupied), "occupied must be in 0...\(k), got \(occupied)")
        guard occupied > 0 && occupied < k else {
            muStar = .nan; polarized = 0; particles = 2 * occupied
            return
        }
        var thresholds = [Double]()
        thresholds.reserveCapacity(2 * k)
        for a in 0..<k {
            let half = 0.5 * U * ipr[a]
            thresholds.append(e1[a] - half)
            thresholds.append(e1[a] + half)
        }
        thresholds.sort()
        let mu = 0.5 * (thresholds[2 * occupied - 1] + thresholds[2 * occupied])
        var pol = 0, n = 0
        for a in 0..<k {
            let half = 0.5 * U * ipr[a]
            let below = (e1[a] - half < mu ? 1 : 0) + (e1[a] + half < mu ? 1 : 0)
            n += below
            if below == 1 { pol += 1 }
        }
        muStar = mu
        polarized = pol
        particles = n
    }
}

extension StabilityCensus {
    /// The particle-conserving level of this census (see ``ParticleConservingLevel``).
    public func particleConservingLevel(ipr: [Double], U: Double, occupied: Int) -> ParticleConservingLevel {
        ParticleConservingLevel(hartreeEnergies: hartreeEnergies, ipr: ipr, U: U, occupied: occupied)
    }
}
