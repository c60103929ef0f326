import FermiGlassIO
import Foundation

/// Renders figures with the matplotlib scripts under `scripts/` (found by walking up from the
/// executable to the source tree, or from FERMIGLASS_SCRIPTS). Figures are a convenience on
/// top of the CSV/NPY data: when Python or matplotlib is missing the data are still written and
/// the command to draw the figure later is printed.
enum Figures {
    static var scriptsDirectory: URL? {
        if let env = ProcessInfo.processInfo.environment["FERMIGLASS_SCRIPTS"] { return URL(fileURLWithPath: env) }
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<8 {
            let s = dir.appendingPathComponent("scripts")
            if FileManager.default.fileExists(atPath: s.appendingPathComponent("setup.sh").path) { return s }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    /// Runs `python3 scripts/<script> <arguments>`; returns true when it succeeded.
    @discardableResult
    static func render(_ script: String, _ arguments: [String]) -> Bool {
        guard let dir = scriptsDirectory else {
            warn("figure skipped: scripts/\(script) not found (set FERMIGLASS_SCRIPTS to the scripts folder)")
            return false
        }
        let path = dir.appendingPathComponent(script).path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", path] + arguments
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        do { try p.run() } catch {
            warn("figure skipped: cannot run python3 (\(error))")
            return false
        }
        let data = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        if p.terminationStatus != 0 {
            warn("figure skipped: python3 \(path) failed: \(String(decoding: data, as: UTF8.self).suffix(400))\n"
                 + "draw it later with: python3 \(path) \(arguments.joined(separator: " "))")
            return false
        }
        return true
    }

    static func warn(_ s: String) { FileHandle.standardError.write(Data("warning: \(s)\n".utf8)) }
}
