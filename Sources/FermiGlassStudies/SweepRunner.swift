import FermiGlassIO
import FermiGlassModel
import Foundation

/// Runs the units of a sweep that belong to a shard and are not finished yet, appending each
/// to the ``ResultsStore`` as soon as it is done.
public struct SweepRunner {
    public var config: SweepConfig
    public var shard: Shard
    public var store: ResultsStore
    /// Computes one unit's rows (one JSON object per U, or one row without U).
    public var compute: (SweepUnit, SweepConfig.Method) throws -> [JSON]
    /// Called after each unit: (done in this shard, total in this shard, seconds for this unit).
    public var progress: (Int, Int, Double) -> Void = { _, _, _ in }
    /// Under MPI, called whenever the units in progress change: (unit, rank) pairs in unit
    /// order, with a description of each, the units done in this shard and its total (for the
    /// message of a stopped job).
    public var inFlight: (_ units: [(unit: Int, rank: Int)], _ describe: (Int) -> String, _ done: Int, _ total: Int) -> Void = { _, _, _, _ in }

    public init(config: SweepConfig, shard: Shard, store: ResultsStore,
                compute: @escaping (SweepUnit, SweepConfig.Method) throws -> [JSON]) {
        self.config = config
        self.shard = shard
        self.store = store
        self.compute = compute
    }

    /// Returns (units computed now, units found finished).
    ///
    /// The units go through ``StudyRunner`` as a ``SweepStudy``: in this process, or, on rank 0
    /// of an MPI job (`mpirun -np P fermiglass sweep ...`), to the other ranks, the largest
    /// first. Each finished unit is appended to the store as it arrives (the store is the
    /// journal: a killed job loses only the units in progress, `--resume` computes those);
    /// results.csv is sorted by unit, so it is byte-identical whatever the order of arrival.
    @discardableResult
    public func run(provenance: @escaping () -> JSON) throws -> (computed: Int, skipped: Int) {
        let mine = config.units.filter { shard.contains($0) }
        let finished = store.finishedKeys
        let skipped = mine.filter { finished.contains($0.key) }.count
        let study = SweepStudy(config: config, units: mine.filter { !finished.contains($0.key) }.map(\.index), compute: compute)
        let appender = SweepStoreJournal(study: study, store: store, provenance: provenance) { computed, seconds in
            progress(skipped + computed, mine.count, seconds)
        }
        let report = inFlight
        appender.changed = { [unowned appender] in
            report(appender.running.map { (unit: $0.key, rank: $0.value) }.sorted { $0.unit < $1.unit }, study.describe(unit:),
                   skipped + appender.computed, mine.count)
        }
        var runner = StudyRunner()
        runner.journal = appender
        try runner.forEachRecord(of: study) { _, _ in }  // appended on arrival, by the journal
        try store.writeCSV()
        return (appender.computed, skipped)
    }
}

/// The units of a sweep as a ``Study``: a unit is a ``SweepUnit/index``; its record the rows
/// of every U on the unit's eigenstates and the seconds it took. Worker ranks build it with
/// every unit of their shard (rank 0 sends the unit itself).
public struct SweepStudy: Study, UnitCostEstimating, @unchecked Sendable {
    public struct Record: Codable, Sendable {
        public var rows: [JSON]
        public var seconds: Double
    }

    public var config: SweepConfig
    public var units: [Int]
    /// Computes one unit's rows (``SweepRunner/compute``).
    public var compute: (SweepUnit, SweepConfig.Method) throws -> [JSON]
    let all: [SweepUnit]

    public init(config: SweepConfig, units: [Int], compute: @escaping (SweepUnit, SweepConfig.Method) throws -> [JSON]) {
        self.config = config
        self.units = units
        self.compute = compute
        all = config.units
    }

    public var unitKind: String { "sweep unit" }
    public func describe(unit: Int) -> String { "sweep unit \(unit) (\(all[unit].key))" }

    public func record(for unit: Int) throws -> Record {
        let start = Date()
        let u = all[unit]
        let rows = try compute(u, config.method(for: u.size))
        return Record(rows: rows, seconds: Date().timeIntervalSince(start))
    }

    public func aggregate(_ records: [Record]) throws -> [Record] { records }

    /// The largest lattices first (a unit's cost grows with its site count, whatever the method).
    public func estimatedCost(of unit: Int) -> Double { Double(all[unit].size.lx * all[unit].size.ly) }
}

/// The sweep's results store as the runner's journal: every record is appended to
/// results.jsonl (one write, fsync) the moment it arrives.
final class SweepStoreJournal: StudyJournaling {
    let study: SweepStudy
    let store: ResultsStore
    let provenance: () -> JSON
    let progress: (Int, Double) -> Void
    private(set) var computed = 0

    init(study: SweepStudy, store: ResultsStore, provenance: @escaping () -> JSON, progress: @escaping (Int, Double) -> Void) {
        self.study = study
        self.store = store
        self.provenance = provenance
        self.progress = progress
    }

    func begin<S: Study>(_ study: S) throws -> [Int: Data]? { [:] }  // the finished units are not in the study
    /// Units handed out and not back yet: unit -> rank.
    private(set) var running = [Int: Int]()
    var changed: () -> Void = {}

    func handedOut(unit: Int, to worker: Int) throws {
        running[unit] = worker
        changed()
    }

    func finished(unit: Int, record data: Data) throws {
        let record = try StudyRecordCoding.decode(SweepStudy.Record.self, from: data)
        let u = study.all[unit]
        try store.append(JSON.object([
            ("unit", .int(u.index)), ("key", .string(u.key)), ("columns", .object(u.columns)),
            ("method", study.config.method(for: u.size).json),
            ("rows", .array(record.rows)),
            ("seconds", .number(record.seconds)), ("provenance", provenance()),
        ]))
        computed += 1
        running.removeValue(forKey: unit)
        changed()
        progress(computed, record.seconds)
    }
}
