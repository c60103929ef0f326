import Foundation

/// The `--output DIR` of a command (CONVENTIONS.md §4).
///
/// * An existing non-empty DIR is refused unless `force` (or `resume`) is given.
/// * Every file is written atomically: to a hidden temporary name in the same directory, then
///   renamed, so a killed run never leaves a truncated file under a final name.
/// * ``abandon()`` removes what this run wrote (and DIR itself when the run created it), so a
///   run that fails leaves no partial output.
public final class OutputDirectory {
    public let url: URL
    private var written: [URL] = []
    private var createdDirectory = false

    /// Checks DIR now; creates it on the first write.
    public init(path: String, force: Bool = false, resume: Bool = false) throws {
        url = URL(fileURLWithPath: path).standardizedFileURL
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw IOError.outputNotEmpty("output path \(path) exists and is not a directory")
            }
            let contents = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
            if !contents.isEmpty && !force && !resume {
                throw IOError.outputNotEmpty(
                    "output directory \(path) is not empty; choose another --output or pass --force to overwrite")
            }
        }
    }

    /// The URL of a file inside DIR (`relative` may contain sub-directories, e.g. `r000/x.npy`).
    public func file(_ relative: String) -> URL { url.appendingPathComponent(relative) }

    /// Writes `data` atomically to `relative`.
    public func write(_ data: Data, to relative: String) throws {
        let target = file(relative)
        try ensureDirectory(target.deletingLastPathComponent())
        let tmp = target.deletingLastPathComponent()
            .appendingPathComponent(".\(target.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try data.write(to: tmp)
            // rename(2) replaces an existing target atomically (FileManager.replaceItemAt
            // fails on Linux when the target exists, which broke --force).
            guard rename(tmp.path, target.path) == 0 else {
                throw IOError.writeFailed("cannot rename \(tmp.path) to \(target.path): \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw IOError.writeFailed("cannot write \(target.path): \(error.localizedDescription)")
        }
        if !written.contains(target) { written.append(target) }
    }

    /// Removes the sub-directory `relative` and everything in it (nothing if it does not exist).
    public func removeDirectory(_ relative: String) throws {
        let target = file(relative)
        guard FileManager.default.fileExists(atPath: target.path) else { return }
        try FileManager.default.removeItem(at: target)
        let prefix = target.path + "/"
        written.removeAll { $0.path.hasPrefix(prefix) }
    }

    public func write(text: String, to relative: String) throws { try write(Data(text.utf8), to: relative) }

    public func write(json: JSON, to relative: String) throws { try write(text: json.serialized() + "\n", to: relative) }

    public func write(npy values: [Double], shape: [Int]? = nil, to relative: String) throws {
        try write(NPY.encode(values, shape: shape ?? [values.count]), to: relative)
    }

    public func write(npy values: [Int], shape: [Int]? = nil, to relative: String) throws {
        try write(NPY.encode(values, shape: shape ?? [values.count]), to: relative)
    }

    public func write(csv: CSVTable, to relative: String) throws { try write(text: csv.text, to: relative) }

    /// Removes every file this run wrote, and DIR when this run created it.
    public func abandon() {
        for f in written { try? FileManager.default.removeItem(at: f) }
        if createdDirectory { try? FileManager.default.removeItem(at: url) }
        written.removeAll()
    }

    /// Files written so far (relative paths), for reports and tests.
    public var writtenFiles: [String] {
        written.map { String($0.path.dropFirst(url.path.count + 1)) }
    }

    private func ensureDirectory(_ dir: URL) throws {
        if !FileManager.default.fileExists(atPath: url.path) { createdDirectory = true }
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw IOError.writeFailed("cannot create directory \(dir.path): \(error.localizedDescription)")
        }
    }
}

/// A CSV table with a header row; numbers are written in shortest round-trip form.
public struct CSVTable {
    public var header: [String]
    public var rows: [[String]] = []

    public init(header: [String]) { self.header = header }

    public mutating func append(_ values: [CSVCell]) {
        precondition(values.count == header.count, "CSV row has \(values.count) cells for \(header.count) columns")
        rows.append(values.map(\.text))
    }

    public var text: String {
        ([header] + rows).map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
    }
}

/// A cell of a ``CSVTable``.
public enum CSVCell: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral {
    case int(Int)
    case double(Double)
    case string(String)

    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }

    var text: String {
        switch self {
        case .int(let i): return String(i)
        case .double(let d): return d.isFinite ? "\(d)" : (d.isNaN ? "nan" : (d > 0 ? "inf" : "-inf"))
        case .string(let s): return s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
    }
}
