import FermiGlassIO
import Foundation
import Testing

/// Runs the built `fermiglass` binary (next to the test bundle) with `arguments`.
private func runGroundState(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let here = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent()
    let candidates = [here, here.deletingLastPathComponent()].map { $0.appendingPathComponent("fermiglass") }
    guard let exe = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
        throw IOError.unreadable("fermiglass binary not found near \(here.path)")
    }
    let p = Process()
    p.executableURL = exe
    p.arguments = ["ground-state"] + arguments
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

private func temporaryDirectory(_ name: String) -> String {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("fg-gs-\(name)-\(UUID().uuidString)")
    return d.path
}

@Suite("fermiglass ground-state")
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
