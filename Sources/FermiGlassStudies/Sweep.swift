import FermiGlassIO
import FermiGlassModel
import Foundation

/// One unit of a sweep: a (size, W, filling, realization) point. Its eigenstates are computed
/// once and every U of the sweep is evaluated on them.
public struct SweepUnit: Sendable, Equatable {
    /// Position in the sweep's deterministic enumeration order.
    public var index: Int
    public var size: SweepConfig.Size
    public var disorderStrength: Double
    public var filling: Double
    public var realization: Int

    /// The identity of a unit inside its sweep (independent of sharding).
    public var key: String {
        "L=\(size.label) W=\(JSON.format(disorderStrength)) n=\(JSON.format(filling)) r=\(realization)"
    }

    /// The unit's leading CSV/JSON columns.
    public var columns: [(String, JSON)] {
        [("unit", .int(index)), ("Lx", .int(size.lx)), ("Ly", .int(size.ly)), ("W", .number(disorderStrength)),
         ("filling", .number(filling)), ("realization", .int(realization))]
    }
}

/// `--shard i/n`: a deterministic share of the units (unit k belongs to shard k mod n + 1), so
/// that n machines, or a job array, can split a sweep and `fermiglass merge` can join it.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public static let whole = Shard(index: 1, count: 1)

    public init(index: Int, count: Int) { self.index = index; self.count = count }

    public init(parsing s: String) throws {
        let parts = s.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, (1...n).contains(i) else {
            throw SweepError.invalidConfig("\(.shard) must be i/n with 1 <= i <= n, got '\(s)'")
        }
        self.init(index: i, count: n)
    }

    public func contains(_ unit: SweepUnit) -> Bool { unit.index % count == index - 1 }
    public var description: String { "\(index)/\(count)" }
}

extension SweepConfig {
    /// The unit keys, in order, of the configuration recorded in a sweep.json
    /// (``canonicalJSON``), or nil when it is not readable.
    public static func unitKeys(canonical c: JSON) -> [String]? {
        guard let sizes = c["sizes"]?.arrayValue?.compactMap(\.stringValue), let ws = c["W"]?.arrayValue?.compactMap(\.doubleValue),
              let fs = c["fillings"]?.arrayValue?.compactMap(\.doubleValue), let rs = c["realizations"]?.arrayValue?.compactMap(\.intValue)
        else { return nil }
        var out = [String]()
        for s in sizes {
            let parts = s.split(separator: "x").compactMap { Int($0) }
            guard let lx = parts.first, let ly = parts.last else { return nil }
            for w in ws { for f in fs { for r in rs {
                out.append(SweepUnit(index: out.count, size: Size(lx: lx, ly: ly), disorderStrength: w, filling: f, realization: r).key)
            } } }
        }
        return out
    }

    /// All units in the deterministic order: size (as listed), W, filling, realization.
    public var units: [SweepUnit] {
        var out = [SweepUnit]()
        for s in sizes { for w in disorderStrengths { for f in fillings { for r in realizations {
            out.append(SweepUnit(index: out.count, size: s, disorderStrength: w, filling: f, realization: r))
        } } } }
        return out
    }
}

/// The results of a sweep on disk:
///
/// * `sweep.json` — the configuration, its fingerprint and the shard;
/// * `results.jsonl` — one JSON line per finished unit (its rows and provenance), appended with
///   a single `write(2)` and `fsync`, so a kill loses at most the unit in progress; a torn last
///   line is detected and dropped on resume;
/// * `results.csv` — the table (one row per unit and U), rebuilt atomically from
///   `results.jsonl` after every unit, sorted by unit, free of timings so that an interrupted
///   and resumed sweep gives exactly the table of an uninterrupted one.
public final class ResultsStore {
    public let directory: URL
    public private(set) var records: [JSON] = []
    /// The directory's lock, held while the store is open: two runs never append to one store.
    private let lock: OutputLock

    var manifestURL: URL { directory.appendingPathComponent("sweep.json") }
    var linesURL: URL { directory.appendingPathComponent("results.jsonl") }
    var csvURL: URL { directory.appendingPathComponent("results.csv") }

    /// Opens (resume) or creates the store for `config` and `shard`.
    public init(directory path: String, config: SweepConfig, shard: Shard, resume: Bool, force: Bool, provenance: JSON) throws {
        directory = URL(fileURLWithPath: path).standardizedFileURL
        lock = try OutputLock(for: directory)
        let fm = FileManager.default
        let exists = fm.fileExists(atPath: manifestURL.path)
        if exists && resume {
            let manifest = try ResultsStore.readManifest(manifestURL)
            guard manifest["fingerprint"]?.stringValue == config.fingerprint else {
                throw SweepError.mismatch("\(path) holds a sweep with another configuration (fingerprint \(manifest["fingerprint"]?.stringValue ?? "?"), this one \(config.fingerprint)); resume it with its own configuration or choose another \(.output)")
            }
            guard manifest["shard"]?.stringValue == shard.description else {
                throw SweepError.mismatch("\(path) holds shard \(manifest["shard"]?.stringValue ?? "?"), not \(shard)")
            }
            records = try ResultsStore.readLines(linesURL, repair: true)
        } else {
            let contents = (try? fm.contentsOfDirectory(atPath: directory.path)) ?? []
            if !contents.isEmpty && !force {
                throw SweepError.mismatch("output directory \(path) is not empty; pass \(.resume) to continue the sweep in it, or \(.force) to start over")
            }
            if force { for f in ["sweep.json", "results.jsonl", "results.csv"] { try? fm.removeItem(at: directory.appendingPathComponent(f)) } }
            let out = try OutputDirectory(path: path, force: true, heldLock: lock)
            let manifest = JSON.object([
                ("kind", .string("fermiglass-sweep")), ("fingerprint", .string(config.fingerprint)),
                ("shard", .string(shard.description)), ("config", config.canonicalJSON), ("provenance", provenance),
            ])
            try out.write(json: manifest, to: "sweep.json")
            try out.write(Data(), to: "results.jsonl")
        }
    }

    /// Keys of the finished units.
    public var finishedKeys: Set<String> { Set(records.compactMap { $0["key"]?.stringValue }) }

    /// Appends one finished unit durably, then rebuilds results.csv.
    public func append(_ record: JSON) throws {
        let line = record.serialized(compact: true) + "\n"
        let fd = open(linesURL.path, O_WRONLY | O_APPEND)
        guard fd >= 0 else { throw IOError.writeFailed("cannot open \(linesURL.path) for appending") }
        defer { close(fd) }
        let bytes = Array(line.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw IOError.writeFailed("short write to \(linesURL.path)") }
        fsync(fd)
        records.append(record)
        try writeCSV()
    }

    /// Rebuilds results.csv from the records (sorted by unit), atomically.
    public func writeCSV() throws {
        try ResultsStore.csv(records).data(using: .utf8)!.write(to: csvURL, options: .atomic)
    }

    /// The table: one row per (unit, U): the unit's columns then the row's, in first-seen
    /// column order.
    public static func csv(_ records: [JSON]) -> String {
        let sorted = records.sorted { ($0["unit"]?.intValue ?? 0) < ($1["unit"]?.intValue ?? 0) }
        var header = [String]()
        var rows = [[(String, JSON)]]()
        for rec in sorted {
            let unitCols = (rec["columns"]?.objectValue ?? [])
            for row in rec["rows"]?.arrayValue ?? [] {
                let cols = unitCols + (row.objectValue ?? [])
                for (k, _) in cols where !header.contains(k) { header.append(k) }
                rows.append(cols)
            }
        }
        var text = header.joined(separator: ",") + "\n"
        for cols in rows {
            text += header.map { k in
                guard let v = cols.first(where: { $0.0 == k })?.1 else { return "" }
                if let s = v.stringValue { return s }
                return v.serialized(compact: true)
            }.joined(separator: ",") + "\n"
        }
        return text
    }

    static func readManifest(_ url: URL) throws -> JSON {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw SweepError.corrupt("cannot read \(url.path)") }
        do { return try JSON.parse(text) } catch { throw SweepError.corrupt("\(url.path) is not valid JSON") }
    }

    /// Reads results.jsonl. A torn last line (a kill during the append) is dropped and, with
    /// `repair`, truncated from the file; a bad line elsewhere is an error.
    static func readLines(_ url: URL, repair: Bool) throws -> [JSON] {
        guard let data = try? Data(contentsOf: url) else { return [] }
        let text = String(decoding: data, as: UTF8.self)
        var records = [JSON]()
        var goodBytes = 0
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (n, line) in lines.enumerated() {
            let isLast = n == lines.count - 1
            if line.isEmpty { if !isLast { goodBytes += 1 }; continue }
            if isLast {  // no trailing newline: torn write
                FileHandle.standardError.write(Data("sweep: dropping a torn last line of \(url.lastPathComponent) (the unit will be recomputed)\n".utf8))
                break
            }
            guard let rec = try? JSON.parse(String(line)) else {
                throw SweepError.corrupt("\(url.path), line \(n + 1), is not valid JSON")
            }
            records.append(rec)
            goodBytes += line.utf8.count + 1
        }
        if repair && goodBytes < data.count { truncate(url.path, off_t(goodBytes)) }
        return records
    }

    /// `fermiglass merge`: joins shard directories of one sweep into `output`. Refuses shards of
    /// different configurations or shard counts, units present twice, and an incomplete set
    /// (a shard i/n missing, or a shard whose units are not all in its results.jsonl) unless
    /// `allowIncomplete`, in which case sweep.json lists the missing units. The merged
    /// directory is a whole sweep (shard 1/1): `sweep CONFIG --output OUT --resume` computes
    /// the missing units. Returns (units merged, keys of the missing units).
    @discardableResult
    public static func merge(shards: [String], into output: String, force: Bool, allowIncomplete: Bool = false) throws
        -> (merged: Int, missing: [String]) {
        guard !shards.isEmpty else { throw SweepError.invalidConfig("merge needs at least one shard directory") }
        var fingerprint: String? = nil
        var config: JSON? = nil
        var byKey = [String: String]()
        var all = [JSON]()
        var present = [Int: String](), shardCount: Int?
        for dir in shards {
            let base = URL(fileURLWithPath: dir)
            let manifest = try readManifest(base.appendingPathComponent("sweep.json"))
            let label = manifest["shard"]?.stringValue ?? "?"
            guard let shard = try? Shard(parsing: label) else {
                throw SweepError.mismatch("\(dir) is not a shard of a sweep (its sweep.json says shard '\(label)')")
            }
            if let n = shardCount, n != shard.count {
                throw SweepError.mismatch("shard \(dir) is \(shard) but another shard is of \(n): the shards come from different splits")
            }
            shardCount = shard.count
            if let other = present[shard.index] { throw SweepError.duplicate("shard \(shard) is given twice: \(other) and \(dir)") }
            present[shard.index] = dir
            let fp = manifest["fingerprint"]?.stringValue ?? ""
            if let f = fingerprint, f != fp {
                throw SweepError.mismatch("shard \(dir) comes from another sweep configuration (fingerprint \(fp), expected \(f))")
            }
            fingerprint = fp
            config = manifest["config"]
            for rec in try readLines(base.appendingPathComponent("results.jsonl"), repair: false) {
                let key = rec["key"]?.stringValue ?? ""
                if let other = byKey[key] { throw SweepError.duplicate("unit \(key) is in both \(other) and \(dir)") }
                byKey[key] = dir
                all.append(rec)
            }
        }
        all.sort { ($0["unit"]?.intValue ?? 0) < ($1["unit"]?.intValue ?? 0) }
        // Completeness: every shard i/n given, every unit of the configuration finished.
        let n = shardCount ?? 1
        let missingShards = (1...n).filter { present[$0] == nil }.map { "\($0)/\(n)" }
        guard let units = SweepConfig.unitKeys(canonical: config ?? .null) else {
            throw SweepError.corrupt("the configuration in the shards' sweep.json cannot be read")
        }
        let missing = units.filter { byKey[$0] == nil }
        if !missing.isEmpty && !allowIncomplete {
            let shardsNote = missingShards.isEmpty ? "" : "shard\(missingShards.count > 1 ? "s" : "") \(missingShards.joined(separator: ", ")) not given; "
            let shown = missing.prefix(5).joined(separator: "; ") + (missing.count > 5 ? "; ..." : "")
            throw SweepError.mismatch("incomplete merge: \(shardsNote)\(missing.count) of \(units.count) units are missing (\(shown)); "
                + "finish the shards with `sweep CONFIG \(.shard) i/n \(.resume)`, or pass \(.allowIncomplete) to merge what is there (the missing units are then listed in sweep.json and `sweep CONFIG \(.output) OUT \(.resume)` computes them)")
        }
        let out = try OutputDirectory(path: output, force: force, staged: true)
        try out.write(json: .object([
            ("kind", .string("fermiglass-sweep")), ("fingerprint", .string(fingerprint!)), ("shard", .string(Shard.whole.description)),
            ("merged_from", .array(shards.map { .string($0) })), ("config", config ?? .null),
            ("complete", .bool(missing.isEmpty)), ("missing_shards", .array(missingShards.map { .string($0) })),
            ("missing_units", .array(missing.map { .string($0) })),
        ]), to: "sweep.json")
        try out.write(text: all.map { $0.serialized(compact: true) + "\n" }.joined(), to: "results.jsonl")
        try out.write(text: csv(all), to: "results.csv")
        try out.commit()
        return (all.count, missing)
    }
}
