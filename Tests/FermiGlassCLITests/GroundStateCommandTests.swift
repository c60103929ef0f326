import FermiGlassIO
import Foundation
import Testing
import FermiGlassTestSupport

/// Runs `fermiglass ground-state` with `arguments` (through the shared ``CLI`` runner).
private func runGroundState(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let r = try CLI.run(["ground-state"] + arguments)
    return (r.status, r.stdout, r.stderr)
}

private func temporaryDirectory(_ name: String) -> String {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("fg-gs-\(name)-\(UUID().uuidString)")
    return d.path
}

@Suite("fermiglass ground-state", .slow, .tags(.slow))
struct GroundStateCommandTests {
    static let base = ["--size", "10", "--t1", "1", "--t2", "0.6", "--W", "9", "--particles", "84",
                       "--window", "levels:8", "--proposals", "3000", "--realizations", "2"]

    /// A small default-algorithm sweep: one `results` entry per U with one energy per
    /// realization, the default never above the paper algorithm, and identical occupations on
    /// a re-run (same seed).
    @Test func smallSweep() throws {
        let dir = temporaryDirectory("sweep")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runGroundState(Self.base + ["--U", "0.8,-0.8", "--output", dir, "--json"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let summary = try JSON.parse(String(contentsOfFile: dir + "/summary.json", encoding: .utf8))
        let results = try #require(summary["results"]?.arrayValue)
        #expect(results.count == 2)
        for entry in results {
            let e = (entry["energies"]?.arrayValue ?? []).compactMap { $0.doubleValue }
            let p = (entry["paper_energies"]?.arrayValue ?? []).compactMap { $0.doubleValue }
            #expect(e.count == 2 && p.count == 2)
            for (a, b) in zip(e, p) { #expect(a <= b + 1e-9 * abs(b)) }
            #expect(entry["window"]?.stringValue == "levels:8")
            #expect(entry["algorithm"]?.stringValue == "default")
            for key in ["polarized", "polarized_mean", "polarized_stderr", "inverse_beta_over_U_per_L2",
                        "inverse_beta_over_U_ipr", "census_one_sided", "census_two_sided"] {
                #expect(entry[key] != nil, "missing \(key)")
            }
        }
        // Attractive U: no polarization in the census.
        #expect((results[1]["census_two_sided"]?.arrayValue ?? []).compactMap { $0.intValue } == [0, 0])
        for f in ["polarized.csv", "fig2b.csv", "occupation_vs_xi.csv", "r000/occupations.npy", "r001/moments.npy", "r000/convergence.csv"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/" + f), "missing \(f)")
        }
        let dir2 = temporaryDirectory("again")
        defer { try? FileManager.default.removeItem(atPath: dir2) }
        _ = try runGroundState(Self.base + ["--U", "0.8,-0.8", "--output", dir2])
        for f in ["r000/occupations.npy", "r001/occupations.npy"] {
            #expect(FileManager.default.contents(atPath: dir + "/" + f) == FileManager.default.contents(atPath: dir2 + "/" + f))
        }
    }

    /// An energy window is resolved, recorded and yields one result per U.
    @Test func energyWindow() throws {
        let dir = temporaryDirectory("energy")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let args = Self.base.filter { $0 != "levels:8" && $0 != "--window" }
        let r = try runGroundState(args + ["--window", "energy:0.6", "--U", "0.5", "--algorithm", "paper", "--output", dir])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let summary = try JSON.parse(String(contentsOfFile: dir + "/summary.json", encoding: .utf8))
        #expect(summary["window"]?["spec"]?.stringValue == "energy:0.6")
        let entry = try #require(summary["results"]?.arrayValue?.first)
        #expect(entry["algorithm"]?.stringValue == "paper")
        #expect(entry["energies"]?.arrayValue?.count == 2)
    }

    /// Bad input is refused before any output is written.
    @Test(arguments: [(["--window", "levels:0"], "levels:K"), (["--algorithm", "fast"], "--algorithm"), (["--U", "0.1,x"], "--U")])
    func badInput(extra: [String], message: String) throws {
        let dir = temporaryDirectory("bad")
        let r = try runGroundState(Self.base + ["--U", "0.5", "--output", dir] + extra)
        #expect(r.status == 64)
        #expect(r.stderr.contains(message), "stderr: \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir))
    }
}
