import Foundation
import Testing
import FermiGlassIO
import FermiGlassTestSupport

/// Outputs that survive accidents (issue 21): a killed `--force` rerun leaves the old results
/// intact, a completed one leaves none of them; one writer per output directory.
@Suite(.serialized, .slow, .tags(.slow)) struct OutputSafetyTests {
    /// Starts the binary without waiting; stdout and stderr go to files in `io`.
    func start(_ arguments: [String], io: URL) throws -> Process {
        let p = Process()
        p.executableURL = try #require(CLI.binary)
        p.arguments = arguments
        try FileManager.default.createDirectory(at: io, withIntermediateDirectories: true)
        let out = io.appendingPathComponent("stdout"), err = io.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        try p.run()
        return p
    }

    /// Every file under `dir` with its bytes.
    func snapshot(_ dir: URL) throws -> [String: Data] {
        var out = [String: Data]()
        for f in CLI.files(in: dir) { out[f] = try Data(contentsOf: dir.appendingPathComponent(f)) }
        return out
    }

    @Test func killedForceRerunKeepsTheOldResults() throws {
        let dir = CLI.scratch("force"), io = CLI.scratch("force-io")
        defer { try? FileManager.default.removeItem(at: dir); try? FileManager.default.removeItem(at: io) }
        let old = try CLI.run(["localization", "--size", "12", "--realizations", "3", "--output", dir.path])
        #expect(old.status == 0, "\(old.stderr)")
        let before = try snapshot(dir)
        #expect(before.keys.contains("r002/ipr.npy"))
        // A longer rerun killed at several moments: nothing of the old results changes.
        for delay in [0.3, 1.0, 2.5] {
            let p = try start(["localization", "--size", "36", "--realizations", "40", "--force", "--output", dir.path], io: io)
            Thread.sleep(forTimeInterval: delay)
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            #expect(p.terminationReason == .uncaughtSignal, "the rerun finished before the kill at \(delay) s")
            #expect(try snapshot(dir) == before, "old results changed by a rerun killed after \(delay) s")
        }
        // A completed smaller rerun: the new results only (no r001, r002 of the old run).
        let new = try CLI.run(["localization", "--size", "10", "--realizations", "1", "--force", "--output", dir.path])
        #expect(new.status == 0, "\(new.stderr)")
        let after = Set(CLI.files(in: dir))
        #expect(!after.contains("r001/ipr.npy") && !after.contains("r002/ipr.npy") && after.contains("r000/ipr.npy"))
        #expect(!after.contains(OutputDirectory.partialNote))
        let summary = try JSON.parse(String(contentsOf: dir.appendingPathComponent("summary.json"), encoding: .utf8))
        #expect(summary["parameters"]?["Lx"]?.intValue == 10 && summary["parameters"]?["realizations"]?.arrayValue?.count == 1)
        // The staging directories of the killed runs are gone after the completed run.
        let parent = dir.deletingLastPathComponent()
        let stale = try FileManager.default.contentsOfDirectory(atPath: parent.path).filter { $0.hasPrefix(".\(dir.lastPathComponent).staging-") }
        #expect(stale.isEmpty, "\(stale)")
    }

    @Test func secondWriterIsRefusedAndTheLockDiesWithItsHolder() throws {
        let dir = CLI.scratch("lock"), io = CLI.scratch("lock-io")
        defer { try? FileManager.default.removeItem(at: dir); try? FileManager.default.removeItem(at: io) }
        let holder = try start(["localization", "--size", "36", "--realizations", "40", "--output", dir.path], io: io)
        Thread.sleep(forTimeInterval: 0.5)
        let second = try CLI.run(["localization", "--size", "8", "--force", "--output", dir.path])
        #expect(second.status == 5)
        #expect(second.stderr.contains("output directory \(dir.path) is being written by another process (pid \(holder.processIdentifier)"), "\(second.stderr)")
        kill(holder.processIdentifier, SIGKILL)
        holder.waitUntilExit()
        let third = try CLI.run(["localization", "--size", "8", "--force", "--output", dir.path])
        #expect(third.status == 0, "\(third.stderr)")
    }

    @Test func outputPathProblemsAreNamed() throws {
        let base = CLI.scratch("paths")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: base) }
        let file = base.appendingPathComponent("afile")
        FileManager.default.createFile(atPath: file.path, contents: Data("x".utf8))
        let r1 = try CLI.run(["spectrum", "--size", "6", "--output", file.appendingPathComponent("sub").path])
        #expect(r1.status == 64)
        #expect(r1.stderr.contains("cannot create the output directory \(file.path)/sub: \(file.path) is a file, not a directory"), "\(r1.stderr)")
        let link = base.appendingPathComponent("dangling")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: base.appendingPathComponent("nowhere").path)
        let r2 = try CLI.run(["spectrum", "--size", "6", "--output", link.path])
        #expect(r2.status == 64)
        #expect(r2.stderr.contains("cannot use \(link.path) as the output directory: it is a symbolic link to a path that does not exist"), "\(r2.stderr)")
        let r3 = try CLI.run(["spectrum", "--size", "6", "--output", ""])
        #expect(r3.status == 64)
        #expect(r3.stderr.contains("the output directory must be a path, got an empty string"), "\(r3.stderr)")
    }

    /// A full disk: a small tmpfs (skipped where it cannot be mounted). The message says the
    /// disk is full and names the file; the old results stay.
    @Test func fullDiskIsReportedAndOldResultsStay() throws {
        let mount = CLI.scratch("tmpfs")
        try FileManager.default.createDirectory(at: mount, withIntermediateDirectories: true)
        defer { _ = try? CLI.shell("umount", [mount.path]); try? FileManager.default.removeItem(at: mount) }
        guard (try? CLI.shell("mount", ["-t", "tmpfs", "-o", "size=600k", "tmpfs", mount.path])) == 0 else {
            print("skipped: cannot mount a tmpfs here (needs root)")
            return
        }
        let dir = mount.appendingPathComponent("out")
        let old = try CLI.run(["spectrum", "--size", "6", "--output", dir.path])
        #expect(old.status == 0, "\(old.stderr)")
        let before = try snapshot(dir)
        // 30 x 30 eigenvectors are 6.5 MB: they cannot fit.
        let r = try CLI.run(["spectrum", "--size", "30", "--save-vectors", "--force", "--output", dir.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains(": the disk is full"), "\(r.stderr)")
        #expect(r.stderr.contains("eigenvectors.npy"))
        #expect(!r.stderr.contains("NSCocoaErrorDomain"))
        #expect(try snapshot(dir) == before)
    }
}

extension CLI {
    /// Runs a system command (mount, umount) and returns its exit status.
    static func shell(_ tool: String, _ arguments: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [tool] + arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }
}
