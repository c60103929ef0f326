import FermiGlassIO
import FermiGlassObservables
import Foundation

/// The finite-size-scaling view of a sweep: for each (size, W, filling, U), the density of
/// polarized states (moments per site) averaged over realizations with its standard error,
/// against 1/L_loc^2 and against the system size. Lau & Ng (Sec. IV) predict a density of
/// unstable states n ~ U N(0) / (2 L_loc^d), finite as the volume grows: at fixed W and U the
/// moment density should approach a constant with size, and scale with 1/L_loc^2 across W.
public enum FiniteSizeScaling {
    public struct Point: Sendable {
        public var lx: Int, ly: Int, disorderStrength: Double, filling: Double, interaction: Double
        public var realizations: Int
        public var momentDensity: Double, momentDensityStderr: Double
        public var localizationLength: Double, localizationLengthStderr: Double
        public var inverseLocalizationAreaMean: Double
        /// Which states L_loc is over: "all" (every state) or "window" (the window's states).
        public var localizationStates: String = "all"
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
        var groups = [Key: [(density: Double, lloc: Double)]]()
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
                groups[key, default: []].append((pol / Double(lx * ly), lloc))
            }
        }
        return order.map { k in
            let g = groups[k]!
            let d = g.map(\.density), l = g.map(\.lloc)
            return Point(lx: k.lx, ly: k.ly, disorderStrength: k.w, filling: k.f, interaction: k.u, realizations: g.count,
                         momentDensity: Statistics.mean(d), momentDensityStderr: Statistics.standardError(d),
                         localizationLength: Statistics.mean(l), localizationLengthStderr: Statistics.standardError(l),
                         inverseLocalizationAreaMean: Statistics.mean(l.map { 1 / ($0 * $0) }), localizationStates: definition)
        }
    }

    /// The table as CSV.
    public static func table(_ points: [Point]) -> CSVTable {
        var t = CSVTable(header: ["Lx", "Ly", "sites", "W", "filling", "U", "realizations", "moment_density", "moment_density_stderr",
                                  "L_loc", "L_loc_stderr", "L_loc_states", "inv_L_loc_sq", "moment_density_times_L_loc_sq_over_U"])
        for p in points {
            let scaled = p.interaction != 0 ? p.momentDensity / (p.inverseLocalizationAreaMean * p.interaction) : .nan
            t.append([.int(p.lx), .int(p.ly), .int(p.lx * p.ly), .double(p.disorderStrength), .double(p.filling), .double(p.interaction),
                      .int(p.realizations), .double(p.momentDensity), .double(p.momentDensityStderr), .double(p.localizationLength),
                      .double(p.localizationLengthStderr), .string(p.localizationStates), .double(p.inverseLocalizationAreaMean), .double(scaled)])
        }
        return t
    }
}
