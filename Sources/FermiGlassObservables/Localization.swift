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
    /// IPR_a for every state of a store (dense columns or compressed local states).
    public static func ipr(_ states: some EigenstateStore) -> [Double] {
        if let pairs = states as? Eigenpairs { precondition(pairs.hasVectors, "IPR needs eigenvectors") }
        return states.ipr()
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

extension Localization {
    /// L_loc in one energy bin, pooled over realizations.
    public struct EnergyBin: Sendable {
        public let lower: Double
        public let upper: Double
        /// States in the bin, over all realizations.
        public let states: Int
        /// < IPR^(-1/2) > over the bin's states (NaN when empty).
        public let length: Double
        /// Standard error over realizations: sd of the per-realization bin means / sqrt(R'),
        /// R' = realizations with states in the bin (0 when R' < 2).
        public let lengthStderr: Double
        /// exp< ln IPR >^(-1/2) over the bin's states.
        public let typicalLength: Double
        /// < IPR > over the bin's states.
        public let meanIPR: Double
    }

    /// L_loc(E): the states of every realization (`energies[r][a]`, `ipr[r][a]`) grouped in
    /// `bins`; states outside the grid are ignored.
    public static func byEnergy(energies: [[Double]], ipr: [[Double]], bins: EnergyBins) -> [EnergyBin] {
        precondition(energies.count == ipr.count)
        var pooled = [[Double]](repeating: [], count: bins.count)
        var perRealization = [[Double]](repeating: [], count: bins.count)
        for (e, p) in zip(energies, ipr) {
            precondition(e.count == p.count)
            var groups = [[Double]](repeating: [], count: bins.count)
            for (x, q) in zip(e, p) { if let k = bins.index(of: x) { groups[k].append(q) } }
            for k in 0..<bins.count where !groups[k].isEmpty {
                pooled[k] += groups[k]
                perRealization[k].append(length(ipr: groups[k]))
            }
        }
        return (0..<bins.count).map { k in
            let q = pooled[k]
            return EnergyBin(
                lower: bins.lowerEdge(k), upper: bins.upperEdge(k), states: q.count,
                length: q.isEmpty ? .nan : length(ipr: q),
                lengthStderr: Statistics.standardError(perRealization[k]),
                typicalLength: q.isEmpty ? .nan : typicalLength(ipr: q),
                meanIPR: q.isEmpty ? .nan : Statistics.mean(q))
        }
    }
}
