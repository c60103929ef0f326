import Foundation
import Testing
@testable import FermiGlassStudies
import FermiGlassIO
import FermiGlassTestSupport

@discardableResult
private func runSweepCLI(_ args: [String]) throws -> (status: Int32, stderr: String) {
    let r = try CLI.run(args)
    return (r.status, r.stderr)
}

private func tempDir(_ name: String) -> URL {
    let u = FileManager.default.temporaryDirectory.appendingPathComponent("fermiglass-tests-\(getpid())-\(name)")
    try? FileManager.default.removeItem(at: u)
    return u
}

private func writeConfig(_ text: String, _ name: String) throws -> String {
    let dir = tempDir("cfg-\(name)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent("sweep.json")
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

private func csv(_ dir: URL) throws -> String {
    try String(contentsOf: dir.appendingPathComponent("results.csv"), encoding: .utf8)
}

@Suite(.serialized, .slow, .tags(.slow)) struct SweepCLITests {
    // 24 units of a 30 x 30 dense diagonalization: long enough to be killed in the middle.
    let config = """
        {"sizes": [30], "W": [9, 12], "t2": 0.6, "fillings": [0.8333333333333334],
         "U": [0.2, 0.5], "realizations": 12, "window": "levels:20"}
        """

    @Test func killedSweepResumesToTheUninterruptedTable() throws {
        let cfg = try writeConfig(config, "kill")
        let whole = tempDir("whole"), killed = tempDir("killed")
        try runSweepCLI(["sweep", cfg, "--output", whole.path])
        let reference = try csv(whole)
        #expect(reference.split(separator: "\n").count == 1 + 24 * 2)

        // Start, wait until a few units are on disk, kill with SIGKILL.
        let p = Process()
        p.executableURL = try #require(CLI.binary)
        p.arguments = ["sweep", cfg, "--output", killed.path]
        p.standardError = FileHandle.nullDevice
        try p.run()
        let lines = killed.appendingPathComponent("results.jsonl")
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let n = ((try? String(contentsOf: lines, encoding: .utf8)) ?? "").split(separator: "\n").count
            if n >= 3 { break }
            usleep(2000)
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let partial = ((try? String(contentsOf: lines, encoding: .utf8)) ?? "").split(separator: "\n").count
        #expect(partial >= 3 && partial < 24, "the sweep should have been killed in the middle (had \(partial) units)")

        let resumed = try runSweepCLI(["sweep", cfg, "--output", killed.path, "--resume"])
        #expect(resumed.status == 0)
        #expect(try csv(killed) == reference)
        let keys = try String(contentsOf: lines, encoding: .utf8).split(separator: "\n").map { try JSON.parse(String($0))["key"]!.stringValue! }
        #expect(keys.count == 24 && Set(keys).count == 24, "no duplicate or missing unit")
    }

    /// Rows with U carry the ground-state columns; `scaling` turns them into scaling.csv with
    /// one point per (size, U) whose moment density is the realization mean of polarized / sites.
    @Test func groundStateColumnsAndScaling() throws {
        let cfg = try writeConfig("""
            {"sizes": [12, 16], "W": [9], "t2": 0.6, "fillings": [0.8333333333333334], "U": [0.5, 1.0],
             "realizations": 2, "window": "levels:10", "proposals": 2000}
            """, "scaling")
        let out = tempDir("scaling-sweep"), view = tempDir("scaling-view")
        defer { try? FileManager.default.removeItem(at: out); try? FileManager.default.removeItem(at: view) }
        #expect(try runSweepCLI(["sweep", cfg, "--output", out.path]).status == 0)
        let lines = try csv(out).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = lines[0]
        for column in ["U", "L_loc", "polarized", "moment_sites", "energy", "census_one_sided", "census_two_sided", "abs_Sz"] {
            #expect(header.contains(column), "missing column \(column)")
        }
        #expect(lines.count == 1 + 2 * 2 * 2)
        let col = { (name: String) in header.firstIndex(of: name)! }
        var density = [String: [Double]]()
        for row in lines.dropFirst() {
            #expect(Double(row[col("energy")])!.isFinite)
            let sites = Double(row[col("Lx")])! * Double(row[col("Ly")])!
            density["\(row[col("Lx")])/\(row[col("U")])", default: []].append(Double(row[col("polarized")])! / sites)
        }
        #expect(try runSweepCLI(["scaling", out.path, "--output", view.path]).status == 0)
        let table = try String(contentsOf: view.appendingPathComponent("scaling.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        #expect(table.count == 1 + 4)
        let h = table[0]
        for row in table.dropFirst() {
            let key = "\(row[h.firstIndex(of: "Lx")!])/\(row[h.firstIndex(of: "U")!])"
            let mean = density[key]!.reduce(0, +) / 2
            #expect(abs(Double(row[h.firstIndex(of: "moment_density")!])! - mean) < 1e-12, "\(key)")
        }
    }

    @Test func tornLastLineIsRecomputed() throws {
        let cfg = try writeConfig(config.replacingOccurrences(of: "\"realizations\": 12", with: "\"realizations\": 2"), "torn")
        let whole = tempDir("torn-whole"), torn = tempDir("torn")
        try runSweepCLI(["sweep", cfg, "--output", whole.path])
        try runSweepCLI(["sweep", cfg, "--output", torn.path])
        // Simulate a kill in the middle of the last append.
        let lines = torn.appendingPathComponent("results.jsonl")
        let text = try String(contentsOf: lines, encoding: .utf8)
        let cut = text.dropLast(40)
        try String(cut).write(to: lines, atomically: true, encoding: .utf8)
        let r = try runSweepCLI(["sweep", cfg, "--output", torn.path, "--resume"])
        #expect(r.status == 0)
        #expect(r.stderr.contains("dropping a torn last line"))
        #expect(try csv(torn) == csv(whole))
    }

    @Test func shardsMergeToTheWholeSweep() throws {
        let cfg = try writeConfig(config.replacingOccurrences(of: "\"realizations\": 12", with: "\"realizations\": 3"), "shard")
        let whole = tempDir("s-whole"), s1 = tempDir("s1"), s2 = tempDir("s2"), merged = tempDir("merged")
        try runSweepCLI(["sweep", cfg, "--output", whole.path])
        try runSweepCLI(["sweep", cfg, "--output", s1.path, "--shard", "1/2"])
        try runSweepCLI(["sweep", cfg, "--output", s2.path, "--shard", "2/2"])
        #expect(try csv(s1) != csv(whole))
        let m = try runSweepCLI(["merge", "--output", merged.path, s1.path, s2.path])
        #expect(m.status == 0)
        #expect(try csv(merged) == csv(whole))

        // The same shard twice: duplicates are refused.
        let dup = try runSweepCLI(["merge", "--output", tempDir("dup").path, s1.path, s1.path])
        #expect(dup.status != 0)
        #expect(dup.stderr.contains("shard 1/2 is given twice: \(s1.path) and \(s1.path)"))

        // A shard of another configuration is refused.
        let other = try writeConfig(config.replacingOccurrences(of: "\"realizations\": 12", with: "\"realizations\": 3").replacingOccurrences(of: "[9, 12]", with: "[9, 13]"), "other")
        let o2 = tempDir("o2")
        try runSweepCLI(["sweep", other, "--output", o2.path, "--shard", "2/2"])
        let mismatch = try runSweepCLI(["merge", "--output", tempDir("mm").path, s1.path, o2.path])
        #expect(mismatch.status != 0)
        #expect(mismatch.stderr.contains("comes from another sweep configuration"))
        #expect(!FileManager.default.fileExists(atPath: tempDir("mm").path))
    }

    @Test(arguments: [
        (#"{"sizes": [8], "W": [9], "fillings": [0.5], "Wx": 1}"#, "unknown key 'Wx'"),
        (#"{"sizes": [-8], "W": [9], "fillings": [0.5]}"#, "'sizes': size must be positive"),
        (#"{"sizes": [], "W": [9], "fillings": [0.5]}"#, "'sizes' is an empty list"),
        (#"{"sizes": [8], "W": [9], "fillings": [0.5], "realization_range": "3:3"}"#, "'realization_range' 3:3 is empty"),
        (#"{"sizes": [8], "W": [9], "fillings": [0.5], "U": [0.1, "nan"]}"#, "'U' holds a value that is not a finite number"),
        (#"{"sizes": [8], "W": [9], "fillings": [0.5], "per_size": {"9": {"solver": "dense"}}}"#, "'per_size' names size '9'"),
    ])
    func malformedConfigIsRefusedBeforeAnythingRuns(text: String, message: String) throws {
        let cfg = try writeConfig(text, "bad")
        let out = tempDir("bad-out")
        let r = try runSweepCLI(["sweep", cfg, "--output", out.path])
        #expect(r.status != 0)
        #expect(r.stderr.contains(message), "stderr was: \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}
