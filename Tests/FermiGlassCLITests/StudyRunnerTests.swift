import FermiGlass
import Foundation
import Testing

/// A toy study: unit u's record holds u^2 and a few awkward Doubles derived from u.
private struct SquaresStudy: Study {
    var units: [Int]
    struct Record: Codable, Sendable, Equatable {
        var unit: Int
        var square: Int
        @Packed var values: [Double]
    }
    func record(for unit: Int) throws -> Record {
        Record(unit: unit, square: unit * unit, values: [Double(unit), -0.0, .infinity, 1 / Double(unit + 1)])
    }
    func aggregate(_ records: [Record]) throws -> [Int] { records.map(\.square) }
}

/// Summary entries that legitimately differ between runs of the same inputs (CONVENTIONS.md §4
/// and issue #16: timings, host, command line, jobs; the memory plan holds the available memory;
/// moment_seconds is the KPM timing).
func comparableSummary(_ dir: URL) throws -> JSON {
    func strip(_ j: JSON) -> JSON {
        switch j {
        case .object(let pairs):
            return .object(pairs.filter { !["provenance", "timings_seconds", "moment_seconds", "memory_plan"].contains($0.0) }.map { ($0.0, strip($0.1)) })
        case .array(let xs): return .array(xs.map(strip))
        default: return j
        }
    }
    return strip(try JSON.parse(String(contentsOf: dir.appendingPathComponent("summary.json"), encoding: .utf8)))
}

@Suite struct StudyRunnerTests {
    @Test func recordCodingIsBitExact() throws {
        let weird: [Double] = [.nan, -.nan, Double(bitPattern: 0x7ff8_0000_0000_1234), .infinity, -.infinity, -0.0,
                               .leastNonzeroMagnitude, .greatestFiniteMagnitude, 0.1, -1.0 / 3]
        struct R: Codable { @Packed var d: [Double]; @Packed var i: [Int]; var scalars: [Double]; var nan: Double; var n: Int }
        let r = R(d: weird, i: [.min, -1, 0, .max], scalars: Array(weird.dropFirst(3)), nan: .nan, n: .min)
        let back = try StudyRecordCoding.roundTrip(r)
        #expect(back.d.map(\.bitPattern) == weird.map(\.bitPattern))
        #expect(back.i == [.min, -1, 0, .max])
        #expect(back.scalars.map(\.bitPattern) == r.scalars.map(\.bitPattern))
        #expect(back.nan.isNaN && back.n == .min)
        // A second trip changes nothing: what the runner hands the aggregate is a fixed point.
        #expect(try StudyRecordCoding.encode(StudyRecordCoding.roundTrip(back)) == StudyRecordCoding.encode(back))
    }

    @Test func localizationRecordSurvivesTheCoding() throws {
        let spec = try ModelSpec(lattice: Lattice(lx: 6, ly: 6), parameters: ModelParameters(t1: 1, t2: 0.6, disorderStrength: 9, mu: 0),
                                 filling: nil, seed: 3, realizations: [0])
        let study = LocalizationStudy(spec: spec, request: EigenRequest(solver: .dense, selection: .all, vectors: true))
        let rec = try study.record(for: 0)
        let back = try StudyRecordCoding.roundTrip(rec)
        #expect(back.energies.map(\.bitPattern) == rec.energies.map(\.bitPattern))
        #expect(back.ipr.map(\.bitPattern) == rec.ipr.map(\.bitPattern))
        #expect(back.solver.maxResidual.bitPattern == rec.solver.maxResidual.bitPattern)
        #expect(back.solver.timingNames == rec.solver.timingNames && back.solver.certified == rec.solver.certified)
    }

    @Test func recordsComeBackInUnitOrder() throws {
        let study = SquaresStudy(units: [5, 3, 9, 0])
        #expect(try study.run() == [25, 9, 81, 0])
        var seen = [Int]()
        try StudyRunner().forEachRecord(of: study) { unit, rec in seen.append(unit); #expect(rec.unit == unit) }
        #expect(seen == [5, 3, 9, 0])
    }

    /// A worker that ends without a record (here /bin/false): the run stops, naming the first
    /// unit in unit order, with exit code 1.
    @Test func workerWithoutRecordIsReported() throws {
        let runner = StudyRunner(jobs: 2, launcher: WorkerLauncher(executable: URL(fileURLWithPath: "/bin/false"), arguments: []))
        #expect(runner.usesWorkers)
        do {
            _ = try runner.records(of: SquaresStudy(units: [4, 7, 8]))
            Issue.record("a run whose workers hand back nothing succeeded")
        } catch let e as StudyRunnerError {
            guard case .workerFailed(let unit, _, let message, let code) = e else { return }
            #expect(unit == 4 && code == 1)
            #expect(message == "the worker ended without handing back a record (it crashed or was killed)")
            #expect(e.description.hasPrefix("realization 4: "))
        }
    }

    @Test func oversubscriptionAndMemoryShare() {
        #expect(StudyRunner.oversubscription(jobs: 2, threads: 1, cores: 2) == nil)
        #expect(StudyRunner.oversubscription(jobs: 2, threads: 2, cores: 2)
                == "--jobs 2 x --threads 2 = 4 exceeds the 2 cores of this machine; the units will share cores (slower, same numbers)")
        #expect(StudyRunner.memoryPerJob(jobs: 3, available: 3000) == 1000)
    }
}

/// `--jobs N`: workers are child processes; the output does not depend on N.
@Suite struct JobsCLITests {
    func run(_ args: [String], jobs: Int) throws -> URL {
        let dir = CLI.scratch("jobs\(jobs)")
        let r = try CLI.run(args + ["--jobs", String(jobs), "--output", dir.path])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        return dir
    }

    /// Same summary (timings, host, command line aside) and byte-identical files for --jobs 1 and 2.
    func expectSameOutput(_ args: [String]) throws {
        let one = try run(args, jobs: 1), two = try run(args, jobs: 2)
        defer { for d in [one, two] { try? FileManager.default.removeItem(at: d) } }
        #expect(try comparableSummary(one) == comparableSummary(two))
        let files = CLI.files(in: one)
        #expect(files == CLI.files(in: two))
        for f in files where f != "summary.json" {
            #expect(try Data(contentsOf: one.appendingPathComponent(f)) == Data(contentsOf: two.appendingPathComponent(f)), "\(f) differs")
        }
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
