/// On-site disorder W_i, uniform in [-W/2, W/2], from a counter-based generator.
///
/// The value on site `i` of realization `r` for seed `s` depends on `(s, r, i)` only, never on
/// thread count, call order or how many realizations are run together (CONVENTIONS.md §1):
///
///     base(s, r)   = splitmix64(s + (r + 1) * gamma)          the r-th output of SplitMix64(s)
///     u(s, r, i)   = splitmix64(base(s, r) + (i + 1) * gamma) the i-th output of SplitMix64(base)
///     W_i          = W * (u / 2^64 - 1/2)                     using the top 53 bits of u
///
/// with `gamma = 0x9E3779B97F4A7C15` and `splitmix64` the finaliser of Steele, Lea & Flood's
/// SplitMix64 (OOPSLA 2014). Realization `r` of seed `s` is therefore the same lattice in every
/// command and in every batch.
public enum Disorder {
    /// The on-site energies of one realization: `siteCount` values in [-W/2, W/2).
    public static func onsiteEnergies(strength w: Double, seed: UInt64, realization: Int, siteCount: Int) -> [Double] {
        precondition(realization >= 0 && siteCount >= 0)
        let base = SplitMix64.mix(seed &+ UInt64(realization + 1) &* SplitMix64.gamma)
        return (0..<siteCount).map { i in
            let u = SplitMix64.mix(base &+ UInt64(i + 1) &* SplitMix64.gamma)
            return w * (SplitMix64.unitDouble(u) - 0.5)
        }
    }

    /// The on-site energies of sites `sites` of realization `realization`, written to `out`:
    /// the same numbers as ``onsiteEnergies(strength:seed:realization:siteCount:)`` gives for
    /// those sites, without building the whole array (a transfer-matrix strip of 10^7 sites is
    /// drawn slice by slice).
    public static func fill(_ out: UnsafeMutablePointer<Double>, strength w: Double, seed: UInt64, realization: Int, sites: Range<Int>) {
        precondition(realization >= 0 && sites.lowerBound >= 0)
        let base = SplitMix64.mix(seed &+ UInt64(realization + 1) &* SplitMix64.gamma)
        for (k, i) in sites.enumerated() {
            let u = SplitMix64.mix(base &+ UInt64(i + 1) &* SplitMix64.gamma)
            out[k] = w * (SplitMix64.unitDouble(u) - 0.5)
        }
    }

    /// Checks a user-supplied realization (from a file): the right length and finite values.
    public static func validate(_ energies: [Double], siteCount: Int, source: String) throws {
        guard energies.count == siteCount else {
            throw ModelError.invalidDisorder(
                "disorder file \(source) has \(energies.count) values, but the lattice has \(siteCount) sites")
        }
        if let k = energies.firstIndex(where: { !$0.isFinite }) {
            throw ModelError.invalidDisorder(
                "disorder file \(source) has a non-finite value (\(energies[k])) at site \(k)")
        }
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): a small, fast, seedable generator. FermiGlass uses it
/// both as a counter-based hash (``Disorder``) and as the stream generator of Monte Carlo runs.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15
    @usableFromInline var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for stream `stream` of `seed`: independent streams for independent tasks
    /// (realizations, restarts) that do not depend on the order in which they run.
    public init(seed: UInt64, stream: UInt64) {
        state = SplitMix64.mix(seed &+ (stream &+ 1) &* SplitMix64.gamma ^ 0xA076_1D64_78BD_642F)
    }

    @inlinable public mutating func next() -> UInt64 {
        state &+= SplitMix64.gamma
        return SplitMix64.mix(state)
    }

    /// The SplitMix64 output function (a bijection of UInt64 with full avalanche).
    @inlinable public static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A double in [0, 1) from the top 53 bits.
    @inlinable public static func unitDouble(_ u: UInt64) -> Double {
        Double(u >> 11) * 0x1.0p-53
    }
}
