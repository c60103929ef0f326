import Foundation
import Testing
import FermiGlassTestSupport

/// Same inputs, seed and thread count give bit-identical files, across processes: each process
/// seeds Swift's hashing differently, so any result that depends on a dictionary's order (as the
/// inertia-count cache behind `--window levels:` once did) shows up as differing bytes.
@Suite(.slow, .tags(.slow)) struct ReproducibilityCLITests {
    @Test func twoProcessesWriteIdenticalShiftInvertWindows() throws {
        let args = ["spectrum", "--preset", "paper", "--size", "60", "--solver", "shift-invert", "--window", "levels:150",
                    "--save-vectors", "--threads", "1"]
        let dirs = [CLI.scratch("repro-a"), CLI.scratch("repro-b")]
        defer { for d in dirs { try? FileManager.default.removeItem(at: d) } }
        for d in dirs {
            let r = try CLI.run(args + ["--output", d.path])
            #expect(r.status == 0, "stderr: \(r.stderr)")
        }
        for name in ["r000/eigenvalues.npy", "r000/eigenvectors.npy"] {
            let a = try Data(contentsOf: dirs[0].appendingPathComponent(name)), b = try Data(contentsOf: dirs[1].appendingPathComponent(name))
            #expect(a.count > 128, "\(name) holds \(a.count) bytes")
            #expect(a == b, "\(name) differs between two identical runs")
        }
    }
}
