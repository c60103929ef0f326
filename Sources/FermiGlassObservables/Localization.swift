import FermiGlassSolvers

/// Inverse participation ratios and localization lengths (CONVENTIONS.md §2; the paper's
/// ref. [29]).
///
///     IPR_a   = sum_i |phi_a(i)|^4               (1/N for a uniform state, 1 for a site state)
///     L_loc   = < IPR_a^(-1/2) >                 (d = 2: IPR ~ 1/L_loc^2)
///     L_typ   = exp< ln IPR_a >^(-1/2)           (the typical value)
///
/// Lengths are in lattice constants.
public enum Localization {
    /// IPR_a for every state of `pairs` (requires eigenvectors).
    public static func ipr(_ pairs: Eigenpairs) -> [Double] {
        precondition(pairs.hasVectors, "IPR needs eigenvectors")
        let n = pairs.dimension
        return pairs.vectors.withUnsafeBufferPointer { v in
            (0..<pairs.count).map { a in
                var s = 0.0
                for i in (a * n)..<((a + 1) * n) { let p = v[i] * v[i]; s += p * p }
                return s
            }
        }
    }

    /// L_loc = mean of IPR^(-1/2) over the given IPRs.
    public static func length(ipr: [Double]) -> Double {
        precondition(!ipr.isEmpty)
        return ipr.reduce(0) { $0 + 1 / $1.squareRoot() } / Double(ipr.count)
    }

    /// The typical length exp< ln IPR >^(-1/2).
    public static func typicalLength(ipr: [Double]) -> Double {
        precondition(!ipr.isEmpty)
        let meanLog = ipr.reduce(0) { $0 + log($1) } / Double(ipr.count)
        return exp(-0.5 * meanLog)
    }
}

#if canImport(Glibc)
import Glibc
#endif
