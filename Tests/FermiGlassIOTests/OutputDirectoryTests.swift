import FermiGlassIO
import Foundation
import Testing

/// The output directory: staged writes appear only on commit, an abandoned `--force` rerun
/// leaves the old results, a second writer is refused while the first holds the lock.
@Suite struct OutputDirectoryTests {
    func scratch() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("fg-io-\(UUID().uuidString)/out")
    }

    @Test func stagedFilesAppearOnCommitAndAnAbandonedRerunKeepsThem() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        do {
            let out = try OutputDirectory(path: dir.path, staged: true)
            try out.write(text: "first\n", to: "r000/a.txt")
            #expect(!FileManager.default.fileExists(atPath: dir.path))
            try out.commit()
        }
        #expect(try String(contentsOf: dir.appendingPathComponent("r000/a.txt"), encoding: .utf8) == "first\n")
        #expect(throws: IOError.self) { _ = try OutputDirectory(path: dir.path, staged: true) }
        do {
            let rerun = try OutputDirectory(path: dir.path, force: true, staged: true)
            try rerun.write(text: "second\n", to: "r000/a.txt")
            rerun.abandon()
        }
        #expect(try String(contentsOf: dir.appendingPathComponent("r000/a.txt"), encoding: .utf8) == "first\n")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.deletingLastPathComponent().path)
        #expect(!leftovers.contains { $0.contains(".staging-") }, "left behind: \(leftovers)")
    }

    @Test func secondWriterIsRefusedUntilTheLockIsReleased() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        var first: OutputLock? = try OutputLock(for: dir)
        #expect(first != nil)
        do {
            _ = try OutputLock(for: dir)
            Issue.record("a second lock of the same directory was granted")
        } catch IOError.locked(let message) {
            #expect(message.description.contains("pid \(ProcessInfo.processInfo.processIdentifier)"))
        }
        first = nil
        _ = try OutputLock(for: dir)
    }
}
