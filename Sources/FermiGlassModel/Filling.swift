/// How many electrons (both spins) the lattice holds, and where the Fermi sea ends.
///
/// CONVENTIONS.md §2: N must be even with 0 < N < 2 Lx Ly. The paramagnetic Fermi sea doubly
/// occupies levels 0 ..< N/2; the Fermi index is N/2, and E_F lies midway between levels
/// N/2 - 1 and N/2.
public struct Filling: Hashable, Codable, Sendable {
    /// Total particle number N (both spins).
    public let particles: Int
    /// Number of sites.
    public let siteCount: Int

    /// From an explicit particle number.
    public init(particles: Int, siteCount: Int) throws {
        guard particles > 0, particles < 2 * siteCount else {
            throw ModelError.invalidFilling(
                "particle number must satisfy 0 < N < 2 * sites = \(2 * siteCount), got \(particles)")
        }
        guard particles % 2 == 0 else {
            throw ModelError.invalidFilling("particle number must be even (a paramagnetic Fermi sea), got \(particles)")
        }
        self.particles = particles
        self.siteCount = siteCount
    }

    /// From a filling n (particles per site, 0 < n < 2): N = n * sites rounded to the nearest
    /// even integer (ties away from zero).
    public init(filling n: Double, siteCount: Int) throws {
        guard n.isFinite, n > 0, n < 2 else {
            throw ModelError.invalidFilling("filling must be a number in (0, 2) particles per site, got \(n)")
        }
        let half = (n * Double(siteCount) / 2).rounded(.toNearestOrAwayFromZero)
        let particles = Int(half) * 2
        guard particles > 0, particles < 2 * siteCount else {
            throw ModelError.invalidFilling(
                "filling \(n) on \(siteCount) sites rounds to N = \(particles), outside 0 < N < \(2 * siteCount)")
        }
        try self.init(particles: particles, siteCount: siteCount)
    }

    /// N / 2: levels 0 ..< fermiIndex are doubly occupied in the Fermi sea.
    public var fermiIndex: Int { particles / 2 }
    /// Particles per site.
    public var density: Double { Double(particles) / Double(siteCount) }
}
