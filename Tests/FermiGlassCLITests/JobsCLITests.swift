import FermiGlass
import FermiGlassTestSupport
import Foundation
import Testing

/// summary.json in `dir` without what differs between two runs of the same inputs
/// (``OutputComparison/forCommand(_:)``; also used by the MPI tests).
func comparableSummary(_ dir: URL, command: String = "localization") throws -> JSON {
    try OutputComparison.forCommand(command).summary(dir.appendingPathComponent("summary.json"))
}

/// `--jobs N`: workers are child processes; the output does not depend on N.
@Suite(.slow, .tags(.slow)) struct JobsCLITests {
    func run(_ args: [String], jobs: Int) throws -> URL {
        let dir = CLI.scratch("jobs\(jobs)")
        let r = try CLI.run(args + ["--jobs", String(jobs), "--output", dir.path])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        return dir
    }

    /// Same summary (``OutputComparison/forCommand(_:)``: timings, memory plan, provenance
    /// aside) and byte-identical files for --jobs 1 and 2.
    func expectSameOutput(_ args: [String]) throws {
        let one = try run(args, jobs: 1), two = try run(args, jobs: 2)
        defer { for d in [one, two] { try? FileManager.default.removeItem(at: d) } }
        #expect(try OutputComparison.forCommand(args[0]).differences(one, two) == [])
    }

    @Test func localizationIndependentOfJobs() throws {
        try expectSameOutput(["localization", "--preset", "paper", "--size", "14", "--realizations", "3", "--quiet"])
    }

    @Test func matrixElementsIndependentOfJobs() throws {
        try expectSameOutput(["matrix-elements", "--preset", "paper", "--size", "16", "--realizations", "3", "--states", "60:140",
                              "--bins", "3,5,7", "--bootstrap", "100", "--quiet"])
    }

    @Test func dosIndependentOfJobs() throws {
        try expectSameOutput(["dos", "--preset", "paper", "--size", "10", "--W", "0,9", "--realizations", "2", "--quiet"])
        try expectSameOutput(["dos", "--preset", "paper", "--size", "12", "--W", "9", "--realizations", "2", "--method", "kpm",
                              "--moments", "100", "--vectors", "2", "--quiet"])
    }

    /// A worker's failure is reported by the parent as a serial run reports it: the first failing
    /// realization, its message, its exit code, nothing written.
    @Test func failingWorkerIsReported() throws {
        let dir = CLI.scratch("jobs-fail")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["spectrum", "--preset", "paper", "--size", "20", "--realizations", "2", "--solver", "shift-invert",
                             "--window", "energy:1e-5", "--jobs", "2", "--output", dir.path])
        #expect(r.status == 64, "stderr: \(r.stderr)")
        #expect(r.stderr.contains("error: realization 0: the selection --window energy:1e-5 holds no state"), "stderr: \(r.stderr)")
        #expect(CLI.files(in: dir).isEmpty)
    }

    /// The memory is split between the jobs: a plan that fits once is refused for two workers.
    @Test func memoryIsSplitBetweenJobs() throws {
        let plan = MemoryPlan.estimate(sites: 400, request: EigenRequest(solver: .dense, selection: .all, vectors: true))
        let limit = String(plan.total * 3 / 2)
        let args = ["localization", "--size", "20", "--W", "5", "--realizations", "2", "--quiet"]
        let ok = CLI.scratch("jobs-mem1"), refused = CLI.scratch("jobs-mem2")
        defer { for d in [ok, refused] { try? FileManager.default.removeItem(at: d) } }
        #expect(try CLI.run(args + ["--output", ok.path], environment: ["FERMIGLASS_MEMORY_LIMIT": limit]).status == 0)
        let r = try CLI.run(args + ["--jobs", "2", "--output", refused.path], environment: ["FERMIGLASS_MEMORY_LIMIT": limit])
        #expect(r.status == 64)
        #expect(r.stderr.contains("per unit, but --jobs 2 gives each worker"), "stderr: \(r.stderr)")
        #expect(r.stderr.contains("use fewer --jobs"))
        #expect(CLI.files(in: refused).isEmpty)
    }
}
