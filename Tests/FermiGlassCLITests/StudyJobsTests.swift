import FermiGlassIO
import Foundation
import FermiGlassTestSupport
import Testing

/// A summary.json without what may differ between two runs of the same computation (issue 16:
/// timings, host, command line, jobs): provenance, memory plan (it holds the available memory),
/// every timing block and every field counted in seconds.
func summaryWithoutTimings(_ url: URL) throws -> JSON {
    func strip(_ j: JSON) -> JSON {
        switch j {
        case .object(let pairs):
            let dropped: Set<String> = ["provenance", "memory_plan", "timings", "timings_seconds", "seconds", "command_line", "host", "jobs"]
            return .object(pairs.filter { !dropped.contains($0.0) && !$0.0.hasSuffix("_seconds") }.map { ($0.0, strip($0.1)) })
        case .array(let xs): return .array(xs.map(strip))
        default: return j
        }
    }
    return strip(try JSON.parse(String(contentsOf: url, encoding: .utf8)))
}

/// `--jobs 1` and `--jobs 2` give the same results for the interacting commands and `reproduce`:
/// every summary.json equal without its timings, every other file byte-identical (REPORT.md
/// but for the line with the wall time).
@Suite(.slow, .tags(.slow)) struct StudyJobsTests {
    func run(_ args: [String], jobs: Int) throws -> URL {
        let dir = CLI.scratch("ijobs\(jobs)")
        let r = try CLI.run(args + ["--jobs", String(jobs), "--output", dir.path])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        return dir
    }

    func expectSameOutput(_ args: [String]) throws {
        let one = try run(args, jobs: 1), two = try run(args, jobs: 2)
        defer { for d in [one, two] { try? FileManager.default.removeItem(at: d) } }
        let files = CLI.files(in: one)
        #expect(!files.isEmpty)
        #expect(files == CLI.files(in: two))
        for f in files where !f.hasSuffix(".png") {
            let a = one.appendingPathComponent(f), b = two.appendingPathComponent(f)
            if f.hasSuffix("summary.json") {
                #expect(try summaryWithoutTimings(a) == summaryWithoutTimings(b), "\(f) differs")
            } else if f == "REPORT.md" {
                func body(_ u: URL) throws -> [Substring] {
                    try String(contentsOf: u, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("Run: ") }
                }
                #expect(try body(a) == body(b))
            } else {
                #expect(try Data(contentsOf: a) == Data(contentsOf: b), "\(f) differs")
            }
        }
    }

    @Test func groundStateIndependentOfJobs() throws {
        try expectSameOutput(["ground-state", "--size", "10", "--t2", "0.6", "--W", "9", "--particles", "84", "--window", "levels:8",
                              "--proposals", "3000", "--realizations", "3", "--U", "0.8,-0.8", "--quiet"])
    }

    @Test func hartreeFockIndependentOfJobs() throws {
        try expectSameOutput(["hartree-fock", "--size", "8", "--t2", "0.6", "--W", "9", "--particles", "54", "--U", "0.5,3",
                              "--starts", "1", "--mode-starts", "0", "--realizations", "3", "--quiet"])
    }

    @Test func reproduceQuickIndependentOfJobs() throws {
        try expectSameOutput(["reproduce", "--quick", "--size", "16", "--realizations", "2", "--proposals", "2000", "--quiet"])
    }
}
