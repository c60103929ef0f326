import Foundation
import Testing
import FermiGlassIO
import FermiGlassTestSupport

@Suite(.slow, .tags(.slow)) struct ReproduceCLITests {
    /// `reproduce --quick` on a tiny lattice: every declared file is there and REPORT.md's
    /// table has every row (the numbers themselves are checked by the commands' own tests).
    @Test func quickReproductionWritesEverything() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("fermiglass-reproduce-\(getpid())")
        try? FileManager.default.removeItem(at: out)
        let r = try CLI.run(["reproduce", "--quick", "--size", "16", "--realizations", "2", "--proposals", "2000",
                                   "--output", out.path])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        for f in ["REPORT.md", "summary.json", "fig1.png", "fig2.png", "fig3.png",
                  "localization/summary.json", "localization-fig1-states/summary.json", "fig1/summary.json", "fig1/decay.csv", "fig1-short-bins/summary.json",
                  "fig2-paper-P2000/summary.json", "fig2-paper-P2000/fig2b.csv", "fig2-default/summary.json",
                  "fig3/summary.json", "fig3/dos.csv"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(f).path), "missing \(f)")
        }
        let report = try String(contentsOf: out.appendingPathComponent("REPORT.md"), encoding: .utf8)
        let rows = report.split(separator: "\n").filter { $0.hasPrefix("| ") && !$0.hasPrefix("| quantity") && !$0.hasPrefix("| U ") && !$0.hasPrefix("| W ") }
        for q in ["L_loc = <IPR^-1/2>, all states", "L_loc over the Fig. 1 states", "decay length of <chi>(d) / L, L over the Fig. 1 states",
                  "decay length of <chi>(d) / L, L over all states", "1/beta of the occupation fit", "polarized states against U",
                  "bandwidth at W = 0", "typical L_loc", "two shortest bins"] {
            #expect(rows.contains { $0.contains(q) }, "REPORT.md has no row for \(q)")
        }
        // One 1/beta row and one polarized row per algorithm (paper budget, default minimizer).
        #expect(rows.filter { $0.contains("1/beta of the occupation fit") }.count == 2)
        let summary = try JSON.parse(String(contentsOf: out.appendingPathComponent("summary.json"), encoding: .utf8))
        #expect(summary["rows"]?.arrayValue?.count == 11)
    }

    @Test func refusesANonEmptyOutput() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("fermiglass-reproduce-full-\(getpid())")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try "x".write(to: out.appendingPathComponent("keep.txt"), atomically: true, encoding: .utf8)
        let r = try CLI.run(["reproduce", "--quick", "--output", out.path])
        #expect(r.status == 64)
        #expect(r.stderr.contains("is not empty"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["keep.txt"])
    }
}
