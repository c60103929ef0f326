import FermiGlassIO
import Foundation
import Testing
import FermiGlassTestSupport

/// spectrum --solver patches: the window against the global shift-invert engine's (same count,
/// every eigenvalue within the error bound of the per-state table), the certificate in
/// summary.json, and the refusals.
@Suite(.slow, .tags(.slow)) struct PatchSolverCLITests {
    static let common = ["spectrum", "--size", "40", "--t2", "0.6", "--W", "40", "--seed", "11", "--filling", "0.8333333333333334",
                         "--window", "energy:0.8", "--threads", "1"]

    @Test func patchWindowMatchesTheGlobalEngine() throws {
        let pdir = CLI.scratch("patches"), gdir = CLI.scratch("patches-global")
        defer { try? FileManager.default.removeItem(at: pdir); try? FileManager.default.removeItem(at: gdir) }
        // A forced layout (the pilot would fall back at 40 x 40): 16 patches of 32 x 32.
        let p = try CLI.run(Self.common + ["--solver", "patches", "--save-vectors", "--patch-halo", "10", "--patch-interior", "12",
                                           "--output", pdir.path])
        let g = try CLI.run(Self.common + ["--solver", "shift-invert", "--output", gdir.path])
        #expect(p.status == 0 && g.status == 0, "\(p.stderr) \(g.stderr)")
        let mine = try NPY.read(pdir.appendingPathComponent("eigenvalues.npy")).values
        let reference = try NPY.read(gdir.appendingPathComponent("eigenvalues.npy")).values
        #expect(mine.count == reference.count && mine.count > 30)
        let table = try String(contentsOf: pdir.appendingPathComponent("state_table.csv"), encoding: .utf8).split(separator: "\n")
        #expect(table.first == "level,energy,residual,support_sites,discarded_weight,max_site,error_bound,patch,pass")
        #expect(table.count == mine.count + 1)
        for a in 0..<min(mine.count, reference.count) {
            let row = table[a + 1].split(separator: ",")
            let bound = Double(row[6])!
            #expect(abs(mine[a] - reference[a]) <= bound + 1e-12, "state \(a): \(mine[a]) vs \(reference[a]), bound \(bound)")
            #expect(Double(row[2])! <= 1e-6 * 60)  // residual within tol ||H||_inf (||H||_inf < 60 here)
        }
        let summary = try JSON.parse(String(contentsOf: pdir.appendingPathComponent("summary.json"), encoding: .utf8))
        #expect(summary["certified"]?.boolValue == true)
        let r0 = summary["realizations"]?.arrayValue?.first
        let certificate = r0?["patches"]?["certificate"]
        #expect(certificate?["expected_by_inertia"]?.intValue == mine.count && certificate?["found"]?.intValue == mine.count)
        #expect((r0?["patches"]?["layout"]?["patches"]?.intValue ?? 0) >= 9)
        #expect(FileManager.default.fileExists(atPath: pdir.appendingPathComponent("states.npz").path))
        #expect(!FileManager.default.fileExists(atPath: pdir.appendingPathComponent("eigenvectors.npy").path))
    }

    @Test(arguments: [
        (["--solver", "patches", "--store", "dense", "--save-vectors"], "dense eigenvectors (--store dense, eigenvectors.npy) are refused"),
        (["--solver", "patches", "--residual-tol", "0"], "--residual-tol must lie in (0, 1), got 0.0"),
    ])
    func refusals(extra: [String], message: String) throws {
        let dir = CLI.scratch("patches-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(Self.common + extra + ["--output", dir.path])
        #expect(r.status == 64)
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path))
    }

    @Test func otherCommandsRefusePatches() throws {
        let dir = CLI.scratch("patches-loc")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["localization", "--size", "10", "--states", "10:20", "--solver", "patches", "--output", dir.path])
        #expect(r.status == 64)
        #expect(r.stderr.contains("--solver patches is available for spectrum --window so far"), "\(r.stderr)")
        let s = try CLI.run(["spectrum", "--size", "10", "--solver", "patches", "--output", dir.path])
        #expect(s.status == 64)
        #expect(s.stderr.contains("--solver patches computes the states of a --window"), "\(s.stderr)")
    }
}
