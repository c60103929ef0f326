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
        // The warning names the parameters, not command-line flags; a front end spells them.
        #expect(StudyRunner.oversubscription(jobs: 2, threads: 2, cores: 2)?.rendered { "<\($0.rawValue)>" }
                == "<jobs> 2 x <threads> 2 = 4 exceeds the 2 cores of this machine; the units will share cores (slower, same numbers)")
        #expect(StudyRunner.memoryPerJob(jobs: 3, available: 3000) == 1000)
    }
}
