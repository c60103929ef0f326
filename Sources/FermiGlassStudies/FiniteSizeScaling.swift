import FermiGlassIO
import FermiGlassInteracting
import FermiGlassObservables
import Foundation

/// The finite-size-scaling view of a sweep: for each (size, W, filling, U), the moment density
/// n_m (polarized window levels per site, CONVENTIONS.md §2) averaged over realizations with
/// its standard error, against 1/L_loc^2 and against the system size. Lau & Ng (Sec. IV)
/// predict a density of unstable states n ~ U N(0) / (2 L_loc^d), finite as the volume grows:
/// at fixed W and U the moment density should approach a constant with size, and scale with
/// the localization area across W (issue 19; see ``PlateauTest``, ``SmallULaw``).
public enum FiniteSizeScaling {
    public struct Point: Sendable {
        public var lx: Int, ly: Int, disorderStrength: Double, filling: Double, interaction: Double
        public var realizations: Int
        public var momentDensity: Double, momentDensityStderr: Double
        public var localizationLength: Double, localizationLengthStderr: Double
        public var inverseLocalizationAreaMean: Double
        /// Which states L_loc is over: "all" (every state) or "window" (the window's states).
        public var localizationStates: String = "all"
        /// Mean polarized levels per realization.
        public var polarizedMean: Double = .nan
        /// N(0) per site per spin, from the window (NaN when the sweep did not record it).
        public var dos: Double = .nan, dosStderr: Double = .nan
        /// <IPR> over the window's states (the census scale g), realization mean.
        public var windowIPR: Double = .nan, windowIPRStderr: Double = .nan
        public var windowStates: Double = .nan, windowHalfWidth: Double = .nan
        /// Census mu* and particle-conserving mu*_N, minus E_F (t1), realization means.
        public var muStarCensus: Double = .nan, muStarCensusStderr: Double = .nan
        public var muStarConserving: Double = .nan, muStarConservingStderr: Double = .nan
        public var censusTwoSided: Double = .nan, censusTwoSidedConserving: Double = .nan
        /// 1/beta of the Fermi-function fit to the pooled occupation bins, with its bootstrap
        /// error over realizations (NaN when the sweep has no bins or the fit fails).
        public var inverseBeta: Double = .nan, inverseBetaError: Double = .nan
        /// g = 1/L_loc^2 from the dense reference (NaN without one), with its error.
        public var referenceInverseArea: Double = .nan, referenceInverseAreaError: Double = .nan
        /// n_m of the paper Monte Carlo on the same units (NaN when not recorded).
        public var paperMomentDensity: Double = .nan, paperMomentDensityStderr: Double = .nan
        /// Per-realization bins (kept for the bootstrap; not written).
        var bins: [OccupationBins] = []

        public var sites: Int { lx * ly }
        /// Linear size sqrt(Lx Ly).
        public var linearSize: Double { Double(lx * ly).squareRoot() }
        /// stderr / mean (NaN when the mean is 0).
        public var relativeError: Double { momentDensity > 0 ? momentDensityStderr / momentDensity : .nan }
        /// Issue 19's error target: 5% where U >= 0.1 or L >= 200, 10% elsewhere.
        public var targetRelativeError: Double { interaction >= 0.1 || linearSize >= 200 ? 0.05 : 0.10 }
        public var targetMet: Bool { relativeError <= targetRelativeError }
        /// The error the fits use: the standard error, floored at the resolution of one moment
        /// in all realizations, 1 / (R sites) (a point where every realization had the same
        /// count, often 0 at small U and L, has a standard error of 0 but is not exact).
        public var fitError: Double { max(momentDensityStderr, 1 / (Double(realizations) * Double(sites))) }
        /// 1/beta in units of U / L_loc^2 (reference L_loc) and of U <IPR>.
        public var inverseBetaPerUL2: Double { inverseBeta / (interaction * referenceInverseArea) }
        public var inverseBetaPerUIPR: Double { inverseBeta / (interaction * windowIPR) }
        /// n_m / (N(0) U g) for each scale: the constant c of the small-U law, point by point.
        public func lawRatio(_ scale: SmallULaw.Scale) -> Double {
            momentDensity / (dos * interaction * g(scale))
        }
        /// The scale g and its error.
        public func g(_ scale: SmallULaw.Scale) -> Double {
            scale == .windowIPR ? windowIPR : referenceInverseArea
        }
        public func gError(_ scale: SmallULaw.Scale) -> Double {
            scale == .windowIPR ? windowIPRStderr : referenceInverseAreaError
        }
    }

    /// The one L_loc definition used at every point: "all" when every unit computed L_loc over
    /// all states, otherwise "window" (the `L_loc_window` column, which every unit has), so
    /// that a sweep whose small sizes ran the dense path and large sizes the sparse path is not
    /// a mix of two definitions.
    public static func localizationDefinition(records: [JSON]) -> String {
        let kinds = Set(records.flatMap { ($0["rows"]?.arrayValue ?? []).map { $0["L_loc_states"]?.stringValue ?? "all" } })
        return kinds == ["all"] || kinds.isEmpty ? "all" : "window"
    }

    /// Groups the records of a sweep (results.jsonl) into scaling points.
    public static func points(records: [JSON]) throws -> [Point] {
        struct Key: Hashable { var lx: Int, ly: Int, w: Double, f: Double, u: Double }
        struct Sample {
            var density: Double, polarized: Double, lloc: Double
            var dos: Double, ipr: Double, states: Double, halfWidth: Double
            var muCensus: Double, muConserving: Double, twoSided: Double, twoSidedConserving: Double
            var bins: OccupationBins?
            var paperDensity: Double
        }
        var groups = [Key: [Sample]]()
        var order = [Key]()
        let definition = localizationDefinition(records: records)
        let column = definition == "all" ? "L_loc" : "L_loc_window"
        for rec in records {
            guard let cols = rec["columns"], let lx = cols["Lx"]?.intValue, let ly = cols["Ly"]?.intValue,
                  let w = cols["W"]?.doubleValue, let f = cols["filling"]?.doubleValue else {
                throw SweepError.corrupt("a results record lacks its unit columns")
            }
            for row in rec["rows"]?.arrayValue ?? [] {
                guard let u = row["U"]?.doubleValue, let pol = row["polarized"]?.doubleValue, let lloc = row[column]?.doubleValue else {
                    throw SweepError.invalidConfig("the sweep results have no ground-state columns (U, polarized, \(column)): run the sweep with a 'U' list")
                }
                let key = Key(lx: lx, ly: ly, w: w, f: f, u: u)
                if groups[key] == nil { order.append(key) }
                let num = { (k: String) in row[k]?.doubleValue ?? .nan }
                groups[key, default: []].append(Sample(
                    density: pol / Double(lx * ly), polarized: pol, lloc: lloc, dos: num("dos_per_site"), ipr: num("ipr_window_mean"),
                    states: num("window_states"), halfWidth: num("window_half_width"), muCensus: num("mu_star_census"),
                    muConserving: num("mu_star_conserving"), twoSided: num("census_two_sided"),
                    twoSidedConserving: num("census_two_sided_conserving"),
                    bins: row["occupation_bins"]?.stringValue.flatMap { OccupationBins(decoding: $0) },
                    paperDensity: num("paper_polarized") / Double(lx * ly)))
            }
        }
        return order.map { k in
            let g = groups[k]!
            let d = g.map(\.density), l = g.map(\.lloc)
            var p = Point(lx: k.lx, ly: k.ly, disorderStrength: k.w, filling: k.f, interaction: k.u, realizations: g.count,
                          momentDensity: Statistics.mean(d), momentDensityStderr: Statistics.standardError(d),
                          localizationLength: Statistics.mean(l), localizationLengthStderr: Statistics.standardError(l),
                          inverseLocalizationAreaMean: Statistics.mean(l.map { 1 / ($0 * $0) }), localizationStates: definition)
            p.polarizedMean = Statistics.mean(g.map(\.polarized))
            (p.dos, p.dosStderr) = meanAndError(g.map(\.dos))
            (p.windowIPR, p.windowIPRStderr) = meanAndError(g.map(\.ipr))
            p.windowStates = meanAndError(g.map(\.states)).0
            p.windowHalfWidth = meanAndError(g.map(\.halfWidth)).0
            (p.muStarCensus, p.muStarCensusStderr) = meanAndError(g.map(\.muCensus))
            (p.muStarConserving, p.muStarConservingStderr) = meanAndError(g.map(\.muConserving))
            (p.paperMomentDensity, p.paperMomentDensityStderr) = meanAndError(g.map(\.paperDensity))
            p.censusTwoSided = meanAndError(g.map(\.twoSided)).0
            p.censusTwoSidedConserving = meanAndError(g.map(\.twoSidedConserving)).0
            let bins = g.compactMap(\.bins)
            if bins.count == g.count && k.u > 0 {
                p.bins = bins
                (p.inverseBeta, p.inverseBetaError) = inverseBeta(bins)
            }
            return p
        }
    }

    /// Mean and standard error of the finite values; NaN when any value is missing (a column an
    /// older sweep did not record), so that a partial column never passes for a whole one.
    static func meanAndError(_ x: [Double]) -> (Double, Double) {
        guard !x.isEmpty, x.allSatisfy(\.isFinite) else { return (.nan, .nan) }
        return (Statistics.mean(x), Statistics.standardError(x))
    }

    /// The Fig. 2(a) fit on pooled bins, with the bootstrap error over realizations (200
    /// resamples, seed 4242, as `ground-state`).
    public static func inverseBeta(_ bins: [OccupationBins]) -> (value: Double, error: Double) {
        func fit(_ b: [OccupationBins]) -> Double {
            let c = b.dropFirst().reduce(b[0], +).curve
            return FermiFunctionFit.fit(x: c.x, y: c.y)?.inverseBeta ?? .nan
        }
        guard !bins.isEmpty else { return (.nan, .nan) }
        let v = fit(bins)
        guard v.isFinite else { return (.nan, .nan) }
        return (v, Statistics.bootstrapError(bins, resamples: 200, seed: 4242, statistic: fit))
    }

    /// The table as CSV: the original columns, then the scaling study's.
    public static func table(_ points: [Point]) -> CSVTable {
        var t = CSVTable(header: ["Lx", "Ly", "sites", "W", "filling", "U", "realizations", "moment_density", "moment_density_stderr",
                                  "L_loc", "L_loc_stderr", "L_loc_states", "inv_L_loc_sq", "moment_density_times_L_loc_sq_over_U",
                                  "polarized_mean", "relative_error", "target_relative_error", "target_met", "fit_error",
                                  "N0", "N0_stderr", "window_IPR", "window_IPR_stderr", "window_states", "window_half_width",
                                  "ref_inv_L_loc_sq", "ref_inv_L_loc_sq_error", "c_inv_L_loc_sq", "c_window_IPR",
                                  "mu_star_census", "mu_star_census_stderr", "mu_star_conserving", "mu_star_conserving_stderr",
                                  "census_two_sided", "census_two_sided_conserving",
                                  "inverse_beta", "inverse_beta_error", "inverse_beta_over_U_per_L2", "inverse_beta_over_U_IPR",
                                  "paper_moment_density", "paper_moment_density_stderr"])
        for p in points {
            let scaled = p.interaction != 0 ? p.momentDensity / (p.inverseLocalizationAreaMean * p.interaction) : .nan
            t.append([.int(p.lx), .int(p.ly), .int(p.lx * p.ly), .double(p.disorderStrength), .double(p.filling), .double(p.interaction),
                      .int(p.realizations), .double(p.momentDensity), .double(p.momentDensityStderr), .double(p.localizationLength),
                      .double(p.localizationLengthStderr), .string(p.localizationStates), .double(p.inverseLocalizationAreaMean), .double(scaled),
                      .double(p.polarizedMean), .double(p.relativeError), .double(p.targetRelativeError), .int(p.targetMet ? 1 : 0),
                      .double(p.fitError), .double(p.dos), .double(p.dosStderr), .double(p.windowIPR), .double(p.windowIPRStderr),
                      .double(p.windowStates), .double(p.windowHalfWidth), .double(p.referenceInverseArea), .double(p.referenceInverseAreaError),
                      .double(p.lawRatio(.inverseLocalizationArea)), .double(p.lawRatio(.windowIPR)),
                      .double(p.muStarCensus), .double(p.muStarCensusStderr), .double(p.muStarConserving), .double(p.muStarConservingStderr),
                      .double(p.censusTwoSided), .double(p.censusTwoSidedConserving),
                      .double(p.inverseBeta), .double(p.inverseBetaError), .double(p.inverseBetaPerUL2), .double(p.inverseBetaPerUIPR),
                      .double(p.paperMomentDensity), .double(p.paperMomentDensityStderr)])
        }
        return t
    }
}
