import FermiGlassIO
import Foundation

/// Compares the outputs of one computation run two ways (`--jobs 1` against `--jobs 2`, serial
/// against MPI ranks), which must agree (issue 16): the same files; every summary.json equal
/// once the fields that legitimately differ are dropped (other JSON files byte-identical); REPORT.md equal but for its `Run: `
/// line (wall time); every other file byte-identical (PNG figures are not compared).
///
/// What is dropped is listed per command (``forCommand(_:)``), so that a simple command's
/// comparison stays as strict as it can be.
public struct OutputComparison: Sendable {
    /// Dropped everywhere: `provenance` (host, command line, threads, wall time), `memory_plan`
    /// (it holds the memory available to each worker) and `timings_seconds`.
    public static let always: Set<String> = ["provenance", "memory_plan", "timings_seconds"]

    /// Keys dropped at every depth of summary.json.
    public let excluded: Set<String>
    /// Also drop every key ending in `_seconds` (commands whose records carry phase timings in
    /// many places: ground-state, hartree-fock, reproduce).
    public let excludesSecondsFields: Bool

    public init(excluding extra: Set<String> = [], secondsFields: Bool = false) {
        excluded = Self.always.union(extra)
        excludesSecondsFields = secondsFields
    }

    /// The comparison for a command's output: localization, matrix-elements, spectrum and dos
    /// drop only ``always`` (dos --method kpm also `moment_seconds`, its timing); the
    /// interacting commands and reproduce also drop `timings`, `seconds`, `command_line`,
    /// `host`, `jobs` and every `*_seconds` field.
    public static func forCommand(_ command: String) -> OutputComparison {
        switch command {
        case "dos": return OutputComparison(excluding: ["moment_seconds"])
        case "ground-state", "hartree-fock", "linear-stability", "reproduce":
            return OutputComparison(excluding: ["timings", "seconds", "command_line", "host", "jobs"], secondsFields: true)
        default: return OutputComparison()
        }
    }

    /// summary.json (or any JSON file) at `url` without the excluded fields.
    public func summary(_ url: URL) throws -> JSON {
        func strip(_ j: JSON) -> JSON {
            switch j {
            case .object(let pairs):
                return .object(pairs.filter { !excluded.contains($0.0) && !(excludesSecondsFields && $0.0.hasSuffix("_seconds")) }
                    .map { ($0.0, strip($0.1)) })
            case .array(let xs): return .array(xs.map(strip))
            default: return j
            }
        }
        return strip(try JSON.parse(String(contentsOf: url, encoding: .utf8)))
    }

    /// Every difference between the output directories `a` and `b`, as readable lines (empty:
    /// they agree).
    public func differences(_ a: URL, _ b: URL) throws -> [String] {
        let files = Self.files(in: a)
        guard !files.isEmpty else { return ["\(a.path) holds no file"] }
        guard files == Self.files(in: b) else { return ["different files: \(files) against \(Self.files(in: b))"] }
        var out = [String]()
        for f in files where !f.hasSuffix(".png") {
            let x = a.appendingPathComponent(f), y = b.appendingPathComponent(f)
            if f.hasSuffix("summary.json") {
                if try summary(x) != summary(y) { out.append("\(f) differs") }
            } else if f.hasSuffix("REPORT.md") {
                func body(_ u: URL) throws -> [Substring] {
                    try String(contentsOf: u, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("Run: ") }
                }
                if try body(x) != body(y) { out.append("\(f) differs") }
            } else if try Data(contentsOf: x) != Data(contentsOf: y) {
                out.append("\(f) differs")
            }
        }
        return out
    }

    /// The regular files under `dir`, relative paths, sorted.
    public static func files(in dir: URL) -> [String] {
        guard let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        var out = [String]()
        for case let url as URL in e where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            out.append(String(url.standardizedFileURL.path.dropFirst(dir.standardizedFileURL.path.count + 1)))
        }
        return out.sorted()
    }
}
