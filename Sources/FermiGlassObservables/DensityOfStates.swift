/// Density of states of H0 from the exact levels (CONVENTIONS.md §2; the paper's Fig. 3).
///
///     rho(E) = (number of levels in [E, E + dE)) / (N_sites * dE * R)
///
/// per site, per unit energy and per spin (each level counted once), averaged over R
/// realizations, so that integral rho(E) dE = 1 when every level of every realization is
/// counted. Energies in units of the hoppings (t1 = 1 in the paper's preset).
public enum DensityOfStates {
    /// A DOS histogram on a grid of ``EnergyBins``.
    public struct Histogram: Sendable {
        public let bins: EnergyBins
        /// Levels per bin, summed over realizations.
        public let counts: [Int]
        /// rho in each bin (per site, per unit energy, per spin).
        public let density: [Double]

        /// sum_k rho_k dE: 1 when all levels were histogrammed.
        public var integral: Double { density.reduce(0, +) * bins.width }
    }

    /// The DOS of the levels of `realizations` (one array per realization, each from a lattice
    /// of `siteCount` sites) on `bins` (by default the grid of width `binWidth` covering all
    /// levels).
    public static func histogram(levels realizations: [[Double]], siteCount: Int, binWidth: Double,
                                 bins given: EnergyBins? = nil) -> Histogram {
        precondition(!realizations.isEmpty && siteCount > 0)
        let all = realizations.flatMap { $0 }
        let bins = given ?? EnergyBins(covering: all.min() ?? 0, all.max() ?? 0, width: binWidth)
        let counts = bins.counts(all)
        let norm = 1 / (Double(siteCount) * bins.width * Double(realizations.count))
        return Histogram(bins: bins, counts: counts, density: counts.map { Double($0) * norm })
    }

    /// The DOS at energy `e` of one realization, counted in the window [e - width/2, e + width/2]:
    /// (levels in the window) / (N_sites * width). Used for N(0) at the Fermi energy, where a
    /// window centred on E_F is less biased than the fixed histogram grid.
    public static func atEnergy(_ e: Double, levels: [Double], siteCount: Int, width: Double) -> Double {
        precondition(width > 0 && siteCount > 0)
        let inside = levels.reduce(0) { $0 + (abs($1 - e) <= width / 2 ? 1 : 0) }
        return Double(inside) / (Double(siteCount) * width)
    }

    /// Bandwidth of one realization: highest minus lowest level.
    public static func bandwidth(_ levels: [Double]) -> Double {
        precondition(!levels.isEmpty)
        return levels.max()! - levels.min()!
    }
}
