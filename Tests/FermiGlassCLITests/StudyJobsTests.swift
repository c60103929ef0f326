import Foundation
import FermiGlassTestSupport
import Testing

/// `--jobs 1` and `--jobs 2` give the same results for the interacting commands and `reproduce`:
/// ``OutputComparison/forCommand(_:)``: every summary.json equal without its timings, every
/// other file byte-identical (REPORT.md but for the line with the wall time).
@Suite(.slow, .tags(.slow)) struct StudyJobsTests {
    /// The --jobs 1 against --jobs 2 comparison of ``JobsCLITests``.
    func expectSameOutput(_ args: [String]) throws { try JobsCLITests().expectSameOutput(args) }

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
