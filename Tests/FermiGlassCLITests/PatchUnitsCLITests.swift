import FermiGlass
import FermiGlassTestSupport
import Foundation
import Testing

/// Patches as units of work: `--solver patches` with `--jobs 2` worker processes (and with a
/// killed and resumed `--patch-checkpoint` run) writes the same bytes as `--jobs 1`; under
/// `mpirun -np 3` a 200 x 200, W = 12 window equals the serial run.
@Suite(.slow, .tags(.slow)) struct PatchUnitsCLITests {
    /// The lattice of PatchCheckpointCLITests (40 x 40, W = 40: at W = 20 these halos leave it
    /// uncertified): 16 patches (4 x 4 interiors of 10 x 10, halos of 10), none wrapping.
    static let common = ["spectrum", "--size", "40", "--t2", "0.6", "--W", "40", "--seed", "11", "--filling", "0.8333333333333334",
                         "--window", "energy:0.8", "--threads", "1", "--solver", "patches", "--save-vectors",
                         "--patch-halo", "10", "--patch-interior", "12", "--quiet"]
    static let files = ["eigenvalues.npy", "states.npz", "state_table.csv"]

    /// summary.json without what may differ between executors (timings, provenance, the
    /// executor's note, resumed-patch counters).
    static func comparable(_ dir: URL) throws -> JSON {
        func strip(_ j: JSON) -> JSON {
            switch j {
            case .object(let pairs):
                return .object(pairs.filter { !["provenance", "timings_seconds", "memory_plan", "patch_executor", "patches_resumed"].contains($0.0) }
                    .map { ($0.0, strip($0.1)) })
            case .array(let xs): return .array(xs.map(strip))
            default: return j
            }
        }
        return strip(try JSON.parse(String(contentsOf: dir.appendingPathComponent("summary.json"), encoding: .utf8)))
    }

    static func summary(_ dir: URL) throws -> JSON {
        try JSON.parse(String(contentsOf: dir.appendingPathComponent("summary.json"), encoding: .utf8))
    }

    @Test func jobsTwoEqualsJobsOneAndResumes() throws {
        let one = CLI.scratch("pu-one"), two = CLI.scratch("pu-two"), killed = CLI.scratch("pu-killed"), checkpoint = CLI.scratch("pu-ckpt")
        defer { for d in [one, two, killed, checkpoint] { try? FileManager.default.removeItem(at: d) } }
        let a = try CLI.run(Self.common + ["--output", one.path])
        #expect(a.status == 0, "\(a.stderr)")
        let b = try CLI.run(Self.common + ["--jobs", "2", "--output", two.path])
        #expect(b.status == 0, "\(b.stderr)")
        let s1 = try Self.summary(one), s2 = try Self.summary(two)
        let r1 = s1["realizations"]?.arrayValue?.first, r2 = s2["realizations"]?.arrayValue?.first
        #expect((r1?["patches"]?["layout"]?["patches"]?.intValue ?? 0) >= 9)
        #expect(r1?["patches"]?["layout"]?["interior"]?.intValue == 12)
        #expect(s1["certified"]?.boolValue == true)
        #expect(r1?["notes"]?["patch_executor"] == nil)
        #expect(r2?["notes"]?["patch_executor"]?.stringValue?.contains("2 worker processes") == true, "the patches did not go to workers")
        #expect(try Self.comparable(one) == Self.comparable(two))
        for f in Self.files {
            #expect(try Data(contentsOf: one.appendingPathComponent(f)) == Data(contentsOf: two.appendingPathComponent(f)), "\(f) differs with --jobs 2")
        }
        // --jobs 2 with a checkpoint, killed after 5 patches have come back, resumed with --jobs 2.
        let c = try CLI.run(Self.common + ["--jobs", "2", "--patch-checkpoint", checkpoint.path, "--output", killed.path],
                            environment: ["FERMIGLASS_TEST_KILL_AFTER_PATCHES": "5"])
        #expect(c.status == 9, "\(c.status) \(c.stderr)")
        #expect(!FileManager.default.fileExists(atPath: killed.appendingPathComponent("summary.json").path))
        let d = try CLI.run(Self.common + ["--jobs", "2", "--patch-checkpoint", checkpoint.path, "--output", killed.path, "--force"])
        #expect(d.status == 0, "\(d.stderr)")
        let resumed = try Self.summary(killed)["realizations"]?.arrayValue?.first?["counters"]?["patches_resumed"]?.intValue ?? 0
        #expect(resumed >= 5, "resumed \(resumed) patches")
        for f in Self.files {
            #expect(try Data(contentsOf: one.appendingPathComponent(f)) == Data(contentsOf: killed.appendingPathComponent(f)), "\(f) differs after the resume")
        }
    }

    /// The MPI test: a patch window on a 200 x 200 lattice at W = 12 (paper model, 16
    /// patches of 145 x 145 sites) on three ranks (rank 0 the driver, two solving patches):
    /// byte-identical to the serial run.
    @Test(.enabled(if: mpirunExecutable != nil, "needs mpirun (openmpi-bin)"))
    func mpiThreeRanksEqualsSerial() throws {
        let args = ["spectrum", "--preset", "paper", "--size", "200", "--W", "12", "--window", "levels:5", "--solver", "patches",
                    "--save-vectors", "--patch-halo", "45", "--patch-interior", "55", "--quiet"]
        let serial = CLI.scratch("pu-mpi-serial"), ranked = CLI.scratch("pu-mpi-np3")
        defer { for d in [serial, ranked] { try? FileManager.default.removeItem(at: d) } }
        let s = try CLI.run(args + ["--output", serial.path])
        #expect(s.status == 0, "stderr: \(s.stderr)")
        let m = try MPICLITests().run(ranks: 3, args + ["--output", ranked.path])
        #expect(m.status == 0, "stderr: \(m.stderr)")
        let summary = try Self.summary(ranked)
        let r0 = summary["realizations"]?.arrayValue?.first
        #expect((r0?["patches"]?["layout"]?["patches"]?.intValue ?? 0) >= 9)
        #expect(r0?["notes"]?["patch_executor"]?.stringValue?.contains("2 MPI ranks") == true, "the patches did not go to the ranks")
        #expect(summary["provenance"]?["mpi_ranks"]?.intValue == 3)
        #expect(try Self.comparable(serial) == Self.comparable(ranked))
        for f in Self.files {
            #expect(try Data(contentsOf: serial.appendingPathComponent(f)) == Data(contentsOf: ranked.appendingPathComponent(f)), "\(f) differs on 3 ranks")
        }
    }
}
