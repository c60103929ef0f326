import FermiGlassIO
import FermiGlassInteracting
import Foundation

/// The occupation step of one (unit, U), binned for the Fig. 2(a) fit at any lattice size.
///
/// The paper fits <n_a> = 2 / (exp(beta (x_a - mu)) + 1) to the realization-averaged occupation
/// of each window level against x_a = xi_a - E_F. A sweep keeps no per-level table (10^4
/// window levels x every U at 1000 x 1000), so it records, per (unit, U), the levels with
/// |x| < U (the step's width 1/beta is ~0.04-0.3 U for W = 9-15) in bins of width U / 50 in x:
/// per bin the number of levels, the sum of their occupations n_a = n_a,up + n_a,dn and the sum
/// of their x. Bins add over realizations; the fit uses each non-empty bin's mean x and mean
/// occupation. Levels with |x| >= U are not recorded (their occupation is the sea's, 2 or 0,
/// unless U is far above the step's width).
public struct OccupationBins: Sendable, Equatable {
    /// Bin width in units of U.
    public static let width = 0.02
    /// Bins cover -range U <= x < range U.
    public static let range = 1.0
    public static var binCount: Int { Int((2 * range / width).rounded()) }
    /// The encoding's header; a string without it is refused.
    static let header = "dx/U=0.02"

    public var count: [Int]
    public var sumOccupation: [Int]
    public var sumX: [Double]

    public init() {
        count = [Int](repeating: 0, count: Self.binCount)
        sumOccupation = count
        sumX = [Double](repeating: 0, count: Self.binCount)
    }

    /// The bins of one (unit, U): window levels at x = xi_a - E_F with occupations n_a.
    public init(x: [Double], occupation: [Int], U: Double) {
        precondition(x.count == occupation.count)
        self.init()
        guard U > 0 else { return }
        for (xa, n) in zip(x, occupation) {
            let b = Int(((xa / U + Self.range) / Self.width).rounded(.down))
            guard b >= 0 && b < Self.binCount else { continue }
            count[b] += 1; sumOccupation[b] += n; sumX[b] += xa
        }
    }

    /// Compact text (no commas, so it sits in one CSV cell): the header, then `b:count:sum_n:sum_x`
    /// for every non-empty bin, separated by ';'.
    public var encoded: String {
        var parts = [Self.header]
        for b in 0..<Self.binCount where count[b] > 0 {
            parts.append("\(b):\(count[b]):\(sumOccupation[b]):\(String(format: "%.10g", sumX[b]))")
        }
        return parts.joined(separator: ";")
    }

    /// Reads ``encoded``; nil when the text is not such an encoding.
    public init?(decoding text: String) {
        self.init()
        let parts = text.split(separator: ";").map(String.init)
        guard parts.first == Self.header else { return nil }
        for p in parts.dropFirst() {
            let f = p.split(separator: ":").map(String.init)
            guard f.count == 4, let b = Int(f[0]), b >= 0, b < Self.binCount, let c = Int(f[1]), let n = Int(f[2]), let x = Double(f[3]) else {
                return nil
            }
            count[b] += c; sumOccupation[b] += n; sumX[b] += x
        }
    }

    public static func + (a: OccupationBins, b: OccupationBins) -> OccupationBins {
        var s = a
        for k in 0..<binCount { s.count[k] += b.count[k]; s.sumOccupation[k] += b.sumOccupation[k]; s.sumX[k] += b.sumX[k] }
        return s
    }

    /// (mean x, mean occupation) of the non-empty bins, ascending in x.
    public var curve: (x: [Double], y: [Double]) {
        var x = [Double](), y = [Double]()
        for b in 0..<Self.binCount where count[b] > 0 {
            x.append(sumX[b] / Double(count[b])); y.append(Double(sumOccupation[b]) / Double(count[b]))
        }
        return (x, y)
    }
}

extension FiniteSizeScaling {
    /// Columns a sweep records per unit for the scaling study (beside `SweepMeasurements`'s):
    /// `ipr_window_mean` (<IPR> over the window's states, the census scale g), `dos_per_site`
    /// (N(0): window levels - 1 over the window's energy span over the sites, per spin) and
    /// `window_half_width` (max |xi_a - E_F| over the window, t1).
    public static func unitColumns(_ d: GroundStateStudy.Realization) -> [(String, JSON)] {
        [("ipr_window_mean", .number(d.iprWindowMean)), ("dos_per_site", .number(d.dosPerSite)),
         ("window_half_width", .number(d.halfWidth))]
    }

    /// Columns per (unit, U): `mu_star_census` and `mu_star_conserving` (the census's mu* and
    /// the particle-conserving mu*_N of ``ParticleConservingLevel``, both minus E_F, t1),
    /// `census_two_sided_conserving` (the two-sided count at mu*_N) and `occupation_bins`
    /// (``OccupationBins/encoded``), and `paper_polarized` (the paper Monte Carlo's polarized
    /// count on the same problem: the default minimizer runs it too, so the minimizer
    /// dependence of n_m is measured on every unit).
    public static func rowColumns(_ d: GroundStateStudy.Realization, run: GroundStateStudy.Run, U u: Double) -> [(String, JSON)] {
        let c = run.census
        let level = c.particleConservingLevel(ipr: d.windowIPR, U: u, occupied: d.fermiOccupied)
        let bins = OccupationBins(x: d.xiRelative, occupation: run.result.occupations.total, U: u)
        return [("mu_star_census", .number(c.muStar - d.fermiEnergy)), ("mu_star_conserving", .number(level.muStar - d.fermiEnergy)),
                ("census_two_sided_conserving", .int(level.polarized)), ("occupation_bins", .string(bins.encoded)),
                ("paper_polarized", .int(run.paperPolarized ?? run.observables.polarized))]
    }
}
