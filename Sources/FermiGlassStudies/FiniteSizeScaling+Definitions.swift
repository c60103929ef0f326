import FermiGlassIO
import Foundation

/// One sweep (or merged sweep) directory as the scaling study reads it: its configuration
/// (sweep.json's canonical `config`, `.null` when there is no sweep.json) and its finished
/// units (results.jsonl).
public struct SweepResults: Sendable {
    public var directory: String
    public var config: JSON
    public var records: [JSON]

    public init(directory: String, config: JSON, records: [JSON]) {
        self.directory = directory
        self.config = config
        self.records = records
    }

    /// Reads `directory`/results.jsonl and, when present, `directory`/sweep.json.
    public static func load(_ directory: String) throws -> SweepResults {
        let base = URL(fileURLWithPath: directory)
        let lines = base.appendingPathComponent("results.jsonl")
        guard let text = try? String(contentsOf: lines, encoding: .utf8) else {
            throw SweepError.invalidConfig("\(directory) holds no results.jsonl: give a directory written by `fermiglass sweep` or `fermiglass merge`")
        }
        var records = [JSON]()
        for (n, line) in text.split(separator: "\n").enumerated() {
            guard let r = try? JSON.parse(String(line)) else { throw SweepError.corrupt("\(lines.path), line \(n + 1), is not valid JSON") }
            records.append(r)
        }
        var config = JSON.null
        if let m = try? String(contentsOf: base.appendingPathComponent("sweep.json"), encoding: .utf8) {
            guard let manifest = try? JSON.parse(m) else { throw SweepError.corrupt("\(directory)/sweep.json is not valid JSON") }
            config = manifest["config"] ?? .null
        }
        return SweepResults(directory: directory, config: config, records: records)
    }

    /// t1, t2, mu and the boundary of the configuration, as one comparable text.
    public var model: String {
        guard config != .null else { return "unrecorded (no sweep.json)" }
        let n = { (k: String) in config[k]?.doubleValue.map { JSON.format($0) } ?? "?" }
        return "t1=\(n("t1")) t2=\(n("t2")) mu=\(n("mu")) \(config["boundary"]?.stringValue ?? "?")"
    }
}

/// The definitions a scaling analysis may not mix (issue 19): one window, one minimizer, one
/// model across every unit, whatever directory it comes from.
public struct ScalingDefinitions: Sendable, Equatable {
    /// `levels:K` or `energy:D` (n_m and <IPR> depend on it).
    public var window: String
    /// `default` or `paper` (they can differ at large U).
    public var algorithm: String
    /// The paper Monte Carlo's proposals (nil for the default minimizer, whose result the
    /// proposals only reach through polishing the paper configuration).
    public var proposals: Int?
    /// t1, t2, mu, boundary.
    public var model: String
    /// L_loc of the per-unit columns: "all" or "window" (``FiniteSizeScaling/localizationDefinition(records:)``).
    public var localization: String

    /// Checks `inputs` and returns their common definitions; throws a message naming the
    /// conflicting values and where they occur.
    public static func check(_ inputs: [SweepResults]) throws -> ScalingDefinitions {
        guard !inputs.isEmpty else { throw SweepError.invalidConfig("no sweep results given") }
        // Model: per directory.
        var models = [(String, [String])]()
        for i in inputs { add(&models, i.model, i.directory) }
        if models.count > 1 {
            throw SweepError.mismatch("cannot combine sweeps of different models: \(describe(models, noun: "")); n_m depends on t1, t2, mu and the boundary")
        }
        // Same disorder twice: one seed, one unit key, two directories.
        var seen = [String: String]()
        for i in inputs {
            let seed = i.config["seed"]?.stringValue ?? i.config["seed"]?.intValue.map(String.init) ?? "?"
            for r in i.records {
                let key = "\(r["key"]?.stringValue ?? "?") seed=\(seed)"
                if let other = seen[key], other != i.directory {
                    throw SweepError.duplicate("unit \(r["key"]?.stringValue ?? "?") with seed \(seed) is in both \(other) and \(i.directory): the same disorder would be counted twice")
                }
                seen[key] = i.directory
            }
        }
        var windows = [(String, [String])](), algorithms = [(String, [String])](), proposals = [(String, [String])]()
        for i in inputs {
            for r in i.records {
                let size = sizeLabel(r)
                let m = r["method"]
                add(&windows, m?["window"]?.stringValue ?? "unrecorded", size)
                let a = m?["algorithm"]?.stringValue ?? "unrecorded"
                add(&algorithms, a, size)
                if a == "paper" { add(&proposals, m?["proposals"]?.intValue.map(String.init) ?? "unrecorded", size) }
            }
        }
        if windows.count > 1 {
            throw SweepError.mismatch("cannot combine units with different windows: \(describe(windows, noun: "size")); n_m and <IPR> depend on the window: run every size with one window")
        }
        if algorithms.count > 1 {
            throw SweepError.mismatch("cannot combine units with different minimizers: \(describe(algorithms, noun: "size")); the polarized count depends on the minimizer (the default and the paper Monte Carlo can differ at large U): run every size with one")
        }
        if proposals.count > 1 {
            throw SweepError.mismatch("cannot combine paper Monte Carlo units with different proposal counts: \(describe(proposals, noun: "size")); its polarized count depends on the budget: run every size with one")
        }
        return ScalingDefinitions(window: windows.first?.0 ?? "unrecorded", algorithm: algorithms.first?.0 ?? "unrecorded",
                                  proposals: proposals.first.flatMap { Int($0.0) }, model: models[0].0,
                                  localization: FiniteSizeScaling.localizationDefinition(records: inputs.flatMap(\.records)))
    }

    static func sizeLabel(_ r: JSON) -> String {
        let lx = r["columns"]?["Lx"]?.intValue ?? 0, ly = r["columns"]?["Ly"]?.intValue ?? 0
        return lx == ly ? "\(lx)" : "\(lx)x\(ly)"
    }

    static func add(_ groups: inout [(String, [String])], _ value: String, _ where_: String) {
        if let k = groups.firstIndex(where: { $0.0 == value }) {
            if !groups[k].1.contains(where_) { groups[k].1.append(where_) }
        } else {
            groups.append((value, [where_]))
        }
    }

    /// "a (sizes 40, 60) and b (size 100)"; with an empty noun, "a (dir1) and b (dir2)".
    static func describe(_ groups: [(String, [String])], noun: String) -> String {
        groups.map { value, places in
            let label = noun.isEmpty ? "" : (places.count == 1 ? noun + " " : noun + "s ")
            return "\(value) (\(label)\(places.joined(separator: ", ")))"
        }.joined(separator: " and ")
    }
}
