import FermiGlassModel
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The `--output DIR` of a command (CONVENTIONS.md §4).
///
/// * An existing non-empty DIR is refused unless `force` (or `resume`) is given.
/// * DIR is locked for the run (``OutputLock``): a second writer is refused, naming the pid.
/// * Staged (every command but the append-only, resumable stores): files go to a staging
///   directory `<parent>/.<name>.staging-<pid>` beside DIR, which holds a `PARTIAL` note until
///   ``commit()`` swaps it in for DIR in one step (renameat2 RENAME_EXCHANGE, then the old
///   results are removed). A killed run leaves the old results intact, and `--force` replaces
///   them only when the new run has completed. Stale staging directories of earlier, killed
///   runs are removed by the next run that takes the lock.
/// * In place (sweeps, checkpointing runs): files go to DIR directly.
/// * Every file is written atomically: to a hidden temporary name in the same directory, then
///   renamed, so a killed run never leaves a truncated file under a final name.
/// * ``abandon()`` removes what this run wrote (the staging directory, or the files it wrote in
///   place and DIR when the run created it), so a run that fails leaves no partial output.
public final class OutputDirectory {
    /// Where files are written now: the staging directory of a staged run, else DIR.
    public let url: URL
    /// DIR, where the results are once the run has completed.
    public let destination: URL
    public let staged: Bool
    private let lock: OutputLock
    private var written: [URL] = []
    private var createdDirectory = false
    private var committed = false

    /// Name of the note a staging directory holds until it is committed.
    public static let partialNote = "PARTIAL"

    /// Checks DIR and takes its lock now (or uses `heldLock`, the caller's lock of the same
    /// DIR); creates the (staging) directory on the first write.
    public init(path: String, force: Bool = false, resume: Bool = false, staged: Bool = false, heldLock: OutputLock? = nil) throws {
        guard !path.isEmpty else { throw IOError.writeFailed("the output directory must be a path, got an empty string") }
        destination = URL(fileURLWithPath: path).standardizedFileURL
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: destination.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw IOError.outputNotEmpty("output path \(path) exists and is not a directory")
            }
            let contents = (try? FileManager.default.contentsOfDirectory(atPath: destination.path)) ?? []
            if !contents.isEmpty && !force && !resume {
                throw IOError.outputNotEmpty(
                    "output directory \(path) is not empty; choose another \(.output) or pass \(.force) to overwrite")
            }
        }
        lock = try heldLock ?? OutputLock(for: destination)
        self.staged = staged && !resume
        if self.staged {
            let parent = destination.deletingLastPathComponent(), name = destination.lastPathComponent
            // We hold the lock: any staging directory of this DIR is a dead run's.
            for stale in (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
            where stale.hasPrefix(".\(name).staging-") {
                try? FileManager.default.removeItem(at: parent.appendingPathComponent(stale))
            }
            url = parent.appendingPathComponent(".\(name).staging-\(getpid())")
        } else {
            url = destination
        }
    }

    /// The URL of a file inside the output (`relative` may contain sub-directories, e.g. `r000/x.npy`).
    public func file(_ relative: String) -> URL { url.appendingPathComponent(relative) }

    /// Writes `data` atomically to `relative`.
    public func write(_ data: Data, to relative: String) throws {
        let target = file(relative)
        try ensureDirectory(target.deletingLastPathComponent())
        let tmp = target.deletingLastPathComponent()
            .appendingPathComponent(".\(target.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try data.write(to: tmp)
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw IOError.fileSystem(IOError.errnoCode(of: error) ?? EIO, path: target.path, action: "write")
        }
        // rename(2) replaces an existing target atomically (FileManager.replaceItemAt fails on
        // Linux when the target exists, which broke --force).
        guard rename(tmp.path, target.path) == 0 else {
            let code = errno
            try? FileManager.default.removeItem(at: tmp)
            throw IOError.fileSystem(code, path: target.path, action: "write")
        }
        if !written.contains(target) { written.append(target) }
    }

    /// Writes `relative` atomically through `body`, which creates the file at the path it is
    /// given (a temporary name beside the target) and streams into it; renamed into place
    /// when `body` returns.
    public func writeStreamed(to relative: String, _ body: (String) throws -> Void) throws {
        let target = file(relative)
        try ensureDirectory(target.deletingLastPathComponent())
        let tmp = target.deletingLastPathComponent()
            .appendingPathComponent(".\(target.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try body(tmp.path)
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw error
        }
        guard rename(tmp.path, target.path) == 0 else {
            let code = errno
            try? FileManager.default.removeItem(at: tmp)
            throw IOError.fileSystem(code, path: target.path, action: "write")
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

    /// A staged run has completed: its directory replaces DIR in one step (the old results, if
    /// any, are removed after the swap). Nothing to do in place.
    public func commit() throws {
        guard staged, !committed else { return }
        try ensureDirectory(url)
        try? FileManager.default.removeItem(at: url.appendingPathComponent(Self.partialNote))
        if FileManager.default.fileExists(atPath: destination.path) {
            if renameat2(AT_FDCWD, url.path, AT_FDCWD, destination.path, 2 /* RENAME_EXCHANGE */) != 0 {
                // A file system without RENAME_EXCHANGE: move the old results aside, then in.
                let aside = url.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).old-\(getpid())")
                guard rename(destination.path, aside.path) == 0 else { throw IOError.fileSystem(errno, path: destination.path, action: "replace") }
                guard rename(url.path, destination.path) == 0 else {
                    let code = errno
                    _ = rename(aside.path, destination.path)
                    throw IOError.fileSystem(code, path: destination.path, action: "replace")
                }
                try? FileManager.default.removeItem(at: aside)
            } else {
                try? FileManager.default.removeItem(at: url)  // the old results, swapped out
            }
        } else if rename(url.path, destination.path) != 0 {
            throw IOError.fileSystem(errno, path: destination.path, action: "create")
        }
        committed = true
    }

    /// Removes every file this run wrote, and the directory when this run created it (the
    /// whole staging directory of a staged run).
    public func abandon() {
        if staged && !committed {
            try? FileManager.default.removeItem(at: url)
        } else {
            for f in written { try? FileManager.default.removeItem(at: f) }
            if createdDirectory { try? FileManager.default.removeItem(at: url) }
        }
        written.removeAll()
    }

    /// Files written so far (relative paths), for reports and tests.
    public var writtenFiles: [String] {
        written.map { String($0.path.dropFirst(url.path.count + 1)) }
    }

    private func ensureDirectory(_ dir: URL) throws {
        let creating = !FileManager.default.fileExists(atPath: url.path)
        if creating { createdDirectory = true }
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw IOError.fileSystem(IOError.errnoCode(of: error) ?? EIO, path: dir.path, action: "create the directory")
        }
        if creating && staged {
            let note = "Partial output of a FermiGlass run that has not finished (pid \(getpid()), \(CommandLine.arguments.joined(separator: " "))).\n"
                + "When the run completes, this directory replaces \(destination.path); a killed run leaves the earlier results there untouched.\n"
            try? Data(note.utf8).write(to: url.appendingPathComponent(Self.partialNote))
        }
    }
}

/// glibc's renameat2(2) (Linux >= 3.15), for the atomic exchange of two directories.
@_silgen_name("renameat2")
private func renameat2(_ olddirfd: Int32, _ oldpath: UnsafePointer<CChar>, _ newdirfd: Int32, _ newpath: UnsafePointer<CChar>, _ flags: UInt32) -> Int32

/// A CSV table with a header row; numbers are written in shortest round-trip form.
public struct CSVTable: Codable, Sendable {
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
