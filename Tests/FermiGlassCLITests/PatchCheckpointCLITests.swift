import FermiGlassIO
import Foundation
import Testing

/// spectrum --solver patches --patch-checkpoint: a run killed (SIGKILL, by a test hook at a
/// known patch) resumes from its checkpoint and writes the same bytes as an uninterrupted run.
@Suite struct PatchCheckpointCLITests {
    static let common = ["spectrum", "--size", "40", "--t2", "0.6", "--W", "40", "--seed", "11", "--filling", "0.8333333333333334",
                         "--window", "energy:0.8", "--threads", "1", "--solver", "patches", "--save-vectors",
                         "--patch-halo", "10", "--patch-interior", "12"]

    @Test func killedRunResumesBitIdentical() throws {
        let whole = CLI.scratch("ckpt-whole"), killed = CLI.scratch("ckpt-killed"), checkpoint = CLI.scratch("ckpt-dir")
        defer { for d in [whole, killed, checkpoint] { try? FileManager.default.removeItem(at: d) } }
        let a = try CLI.run(Self.common + ["--output", whole.path])
        #expect(a.status == 0, "\(a.stderr)")
        // Killed after 5 of its 16 patches (4 x 4 interiors of 10 x 10 on 40 x 40).
        let b = try CLI.run(Self.common + ["--patch-checkpoint", checkpoint.path, "--output", killed.path],
                            environment: ["FERMIGLASS_TEST_KILL_AFTER_PATCHES": "5"])
        #expect(b.status == 9, "\(b.status) \(b.stderr)")
        #expect(!FileManager.default.fileExists(atPath: killed.appendingPathComponent("summary.json").path))
        let c = try CLI.run(Self.common + ["--patch-checkpoint", checkpoint.path, "--output", killed.path, "--force"])
        #expect(c.status == 0, "\(c.stderr)")
        let summary = try JSON.parse(String(contentsOf: killed.appendingPathComponent("summary.json"), encoding: .utf8))
        let r0 = summary["realizations"]?.arrayValue?.first
        #expect(r0?["counters"]?["patches_resumed"]?.intValue == 5)
        #expect((r0?["patches"]?["layout"]?["patches"]?.intValue ?? 0) >= 9)
        #expect(summary["certified"]?.boolValue == true)
        for file in ["eigenvalues.npy", "states.npz", "state_table.csv"] {
            let x = try Data(contentsOf: whole.appendingPathComponent(file)), y = try Data(contentsOf: killed.appendingPathComponent(file))
            #expect(x == y, "\(file) differs after the resume")
        }
    }
}
