import FermiGlass
import Foundation
import Testing

/// A study that counts the units it computes and can be told to fail at one (a stopped run).
private final class CountingStudy: Study, @unchecked Sendable {
    let units: [Int]
    let failAt: Int?
    private(set) var computed = [Int]()
    init(units: [Int], failAt: Int? = nil) { self.units = units; self.failAt = failAt }
    struct Stop: Error {}
    struct Record: Codable, Sendable, Equatable {
        var unit: Int
        @Packed var values: [Double]
    }
    func record(for unit: Int) throws -> Record {
        if unit == failAt { throw Stop() }
        computed.append(unit)
        return Record(unit: unit, values: [Double(unit).squareRoot(), -0.0, 1 / Double(unit + 3)])
    }
    func aggregate(_ records: [Record]) throws -> [Record] { records }
}

/// ``StudyJournal``: what a stopped run saved is delivered, not recomputed, and a resumed run
/// hands the aggregate the same records, in unit order, as an uninterrupted one.
@Suite struct StudyJournalTests {
    func scratch() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("fermiglass-journal-\(getpid())-\(UUID().uuidString.prefix(8))/out").path
    }

    @Test func stoppedRunResumesWithoutRecomputing() throws {
        let output = scratch()
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: output).deletingLastPathComponent().path) }
        let units = [5, 3, 9, 0, 7]
        let reference = try CountingStudy(units: units).run()

        var runner = StudyRunner()
        runner.journal = try StudyJournal(output: output, identity: "toy --seed 1", resume: false)
        let stopped = CountingStudy(units: units, failAt: 9)
        #expect(throws: CountingStudy.Stop.self) { try runner.run(stopped) }
        #expect(stopped.computed == [5, 3])
        let records = StudyJournal.directory(forOutput: output).appendingPathComponent("records")
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: records.path)) == ["5.plist", "3.plist"])

        let journal = try StudyJournal(output: output, identity: "toy --seed 1", resume: true)
        runner.journal = journal
        let resumed = CountingStudy(units: units)
        var order = [Int]()
        var delivered = [CountingStudy.Record]()
        try runner.forEachRecord(of: resumed) { unit, record in order.append(unit); delivered.append(record) }
        #expect(resumed.computed == [9, 0, 7], "only the units the journal did not hold")
        #expect(journal.reused == [3, 5] && journal.lost.isEmpty)
        #expect(order == units)
        #expect(delivered.map(\.unit) == reference.map(\.unit))
        #expect(delivered.map { $0.values.map(\.bitPattern) } == reference.map { $0.values.map(\.bitPattern) })
        journal.remove()
        #expect(!FileManager.default.fileExists(atPath: StudyJournal.directory(forOutput: output).path))
    }

    @Test func resumeRefusesAnotherRunOrNoJournal() throws {
        let output = scratch()
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: output).deletingLastPathComponent().path) }
        #expect(throws: StudyJournalError.self) { try StudyJournal(output: output, identity: "a", resume: true) }
        var runner = StudyRunner()
        runner.journal = try StudyJournal(output: output, identity: "a", resume: false)
        _ = try runner.run(CountingStudy(units: [1, 2]))
        do {
            _ = try StudyJournal(output: output, identity: "b", resume: true)
            Issue.record("another command line was accepted")
        } catch let e as StudyJournalError {
            #expect(e.description.contains("is of another command line (a)"), "\(e)")
        }
        runner.journal = try StudyJournal(output: output, identity: "a", resume: true)
        #expect(throws: StudyJournalError.self) { try runner.run(CountingStudy(units: [1, 2, 3])) }
        // A new run (no resume) starts over: the old journal is removed.
        _ = try StudyJournal(output: output, identity: "b", resume: false)
        #expect(!FileManager.default.fileExists(atPath: StudyJournal.directory(forOutput: output).path))
    }

    @Test func identityIgnoresFlagsThatDoNotChangeResults() {
        let neutral: Set<String> = ["--resume", "--force", "--quiet", "--json"]
        #expect(StudyJournal.identity(arguments: ["localization", "--size", "30", "--resume", "--quiet"], ignoring: neutral)
                == StudyJournal.identity(arguments: ["localization", "--size", "30", "--force", "--json"], ignoring: neutral))
        #expect(StudyJournal.identity(arguments: ["localization", "--size", "30"], ignoring: neutral)
                != StudyJournal.identity(arguments: ["localization", "--size", "31"], ignoring: neutral))
    }
}
