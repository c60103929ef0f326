import Foundation

/// What produced an output: package version, git commit, command line, host, time. Library
/// versions and thread counts are added by the layers that know them (see
/// `FermiGlassSolvers.LibraryVersions`).
public enum Provenance {
    /// The FermiGlass version.
    public static let version = "0.1.0"

    /// The git commit of the source tree the running executable was built from (found by walking
    /// up from the executable to a `.git` directory), with "-dirty" when the tree has
    /// uncommitted changes; "unknown" outside a checkout.
    public static let gitCommit: String = {
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<8 {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent(".git").path) {
                let head = run(["git", "-C", dir.path, "rev-parse", "HEAD"]) ?? "unknown"
                let dirty = !(run(["git", "-C", dir.path, "status", "--porcelain", "--untracked-files=no"]) ?? "").isEmpty
                return head + (dirty ? "-dirty" : "")
            }
            dir = dir.deletingLastPathComponent()
        }
        return "unknown"
    }()

    /// Host name.
    public static var host: String { ProcessInfo.processInfo.hostName }

    /// The exact command line.
    public static var commandLine: [String] { CommandLine.arguments }

    /// ISO 8601 time stamp (UTC).
    public static func timestamp(_ date: Date = Date()) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }

    private static func run(_ args: [String]) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
