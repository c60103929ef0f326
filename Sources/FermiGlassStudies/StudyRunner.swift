import FermiGlassModel
import FermiGlassSolvers
import Foundation

/// Maps a ``Study`` over its units and hands the records back in unit order.
///
/// * `jobs == 1` (or no ``launcher``): every unit runs in this process, one after another.
/// * `jobs > 1` with a ``WorkerLauncher``: up to `jobs` units run at once, each in a child
///   process of the same executable (``StudyWorker``), which rebuilds the study from the same
///   command line, computes its one unit and hands the record back through a file in a private
///   temporary directory. Processes, not threads: OpenBLAS's thread count is a per-process
///   setting (`--threads T` stays the BLAS threads of each unit) and ARPACK keeps global state
///   (it is not thread-safe).
///
/// Records are delivered in the order of ``Study/units`` whatever order the workers finish in,
/// and every record, in process too, passes through ``StudyRecordCoding``: the output is
/// bit-identical for any number of jobs. A failing worker stops the run: the others are
/// terminated and ``StudyRunnerError/workerFailed(unit:description:message:exitCode:)`` names
/// the unit and carries the worker's message and exit code; nothing is delivered after it. The
/// failure reported is that of the first failing unit in unit order, as in a serial run: the
/// workers of earlier units are waited for, those of later units terminated.
///
/// Other executors hand out the same units and take back the same records: MPI ranks (rank 0
/// hands out units, the others return records in ``StudyRecordCoding``), patch passes (a pass
/// is a study whose units are patches).
public struct StudyRunner: Sendable {
    /// Units computed at the same time (worker processes).
    public var jobs: Int
    /// How to start a worker process; nil runs every unit in this process.
    public var launcher: WorkerLauncher?
    /// Called after every finished unit (in completion order), on the calling thread.
    public var progress: (@Sendable (StudyProgress) -> Void)?
    /// Told of every unit handed out and every record as it arrives (``StudyJournal``: rank
    /// 0's fsync'd journal of an MPI job); its finished units are delivered, not recomputed.
    public var journal: StudyJournaling?

    public init(jobs: Int = 1, launcher: WorkerLauncher? = nil, progress: (@Sendable (StudyProgress) -> Void)? = nil) {
        self.jobs = max(1, jobs)
        self.launcher = launcher
        self.progress = progress
    }

    /// True when units go to worker processes.
    public var usesWorkers: Bool { jobs > 1 && launcher != nil }

    /// The study's output: ``records(of:)`` aggregated.
    public func run<S: Study>(_ study: S) throws -> S.Output {
        try study.aggregate(records(of: study))
    }

    /// Every unit's record, in unit order.
    public func records<S: Study>(of study: S) throws -> [S.Record] {
        var out = [S.Record]()
        out.reserveCapacity(study.units.count)
        try forEachRecord(of: study) { _, record in out.append(record) }
        return out
    }

    /// Hands each (unit, record) to `body` in unit order, as soon as the unit and all units
    /// before it are done: per-unit output can be written and dropped while later units run.
    public func forEachRecord<S: Study>(of study: S, _ body: (Int, S.Record) throws -> Void) throws {
        // A patch-solver study (its patches are checkpointed by the patch solver itself): its units here, its patches on the workers or ranks.
        if try PatchUnits.forEachRecord(of: study, runner: self, body) { return }
        if let journal, let stored = try journal.begin(study) {
            return try forEachRecord(of: study, stored: stored, journal: journal, body)
        }
        try gather(study, journal: nil, body)
    }

    /// The units of `study` the journal does not hold run; the stored records are delivered
    /// among theirs, in unit order, as the runner delivers any record.
    private func forEachRecord<S: Study>(of study: S, stored: [Int: Data], journal: StudyJournaling,
                                         _ body: (Int, S.Record) throws -> Void) throws {
        let units = study.units
        var delivered = 0
        func deliverStored(until unit: Int?) throws {
            while delivered < units.count, units[delivered] != unit, let data = stored[units[delivered]] {
                try body(units[delivered], StudyRecordCoding.decode(S.Record.self, from: data))
                delivered += 1
            }
        }
        let remaining = RemainingUnits(base: study, units: units.filter { stored[$0] == nil })
        try gather(remaining, journal: journal) { unit, record in
            try deliverStored(until: unit)
            try body(unit, record)
            delivered += 1
        }
        try deliverStored(until: nil)
    }

    private func gather<S: Study>(_ study: S, journal: StudyJournaling?, _ body: (Int, S.Record) throws -> Void) throws {
        if MPIStudyExecutor.hasWorkers {  // rank 0 of an MPI job: the ranks are the workers
            return try MPIStudyExecutor.forEachRecord(of: study, progress: progress, journal: journal, body)
        }
        let units = study.units
        let clock = StudyProgress.Clock(total: units.count, kind: study.unitKind)
        guard usesWorkers, units.count > 1, let launcher else {
            for unit in units {
                let data = try StudyRecordCoding.encode(study.record(for: unit))
                try journal?.finished(unit: unit, record: data)
                let record = try StudyRecordCoding.decode(S.Record.self, from: data)
                progress?(clock.finished(unit: unit, description: study.describe(unit: unit)))
                try body(unit, record)
            }
            return
        }
        var pool = try WorkerPool(launcher: launcher)
        defer { pool.close() }
        var next = 0, delivered = 0
        var finished = [Int: S.Record]()     // finished units waiting for an earlier one
        while delivered < units.count {
            while pool.running < jobs && next < units.count {
                try pool.launch(unit: units[next], index: next)
                next += 1
            }
            for (index, unit) in try pool.waitForFinished() {
                let record: S.Record
                do { record = try pool.record(S.Record.self, unit: unit, description: study.describe(unit: unit)) } catch {
                    throw pool.firstFailure(after: error, index: index, study: study, recordType: S.Record.self)
                }
                try journal?.finished(unit: unit, record: StudyRecordCoding.encode(record))
                finished[index] = record
                progress?(clock.finished(unit: unit, description: study.describe(unit: unit)))
            }
            while let record = finished.removeValue(forKey: delivered) {
                try body(units[delivered], record)
                delivered += 1
            }
        }
    }

    /// The memory one job may use when `jobs` run at once: the available memory (read once, by
    /// the caller) split evenly.
    public static func memoryPerJob(jobs: Int, available: Int = MemoryPlan.availableBytes) -> Int {
        available / max(1, jobs)
    }

    /// The warning for `jobs` x `threads` above the machine's cores, or nil.
    public static func oversubscription(jobs: Int, threads: Int,
                                        cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> Message? {
        guard jobs * threads > cores else { return nil }
        return "\(.jobs) \(jobs) x \(.threads) \(threads) = \(jobs * threads) exceeds the \(cores) cores of this machine; the units will share cores (slower, same numbers)"
    }
}

/// Progress after a finished unit: counts, the wall time per unit so far (with every job
/// running) and the estimated time left.
public struct StudyProgress: Sendable {
    public var done: Int
    public var total: Int
    /// What the units are ("realization").
    public var kind: String
    /// The unit that just finished, and its description ("realization 3").
    public var unit: Int
    public var description: String
    /// Seconds since the runner started.
    public var elapsed: Double

    /// Wall seconds per finished unit (throughput: with N jobs, about a unit's time / N).
    public var secondsPerUnit: Double { elapsed / Double(max(done, 1)) }
    /// Estimated seconds until every unit is done.
    public var secondsLeft: Double { secondsPerUnit * Double(total - done) }

    /// A duration in words a person reads at a glance: "0.35 s", "40 s", "3 min", "2 h 5 min",
    /// "3 days".
    public static func words(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "an unknown time" }
        if seconds < 10 { return String(format: "%.2g s", seconds) }
        if seconds < 90 { return "\(Int(seconds.rounded())) s" }
        let minutes = Int((seconds / 60).rounded())
        if minutes < 90 { return "\(minutes) min" }
        let hours = Int(seconds / 3600)
        if hours < 48 { return "\(hours) h \(minutes - 60 * hours) min" }
        return "\(Int((seconds / 86400).rounded())) days"
    }

    final class Clock: @unchecked Sendable {
        let start = Date()
        let total: Int
        let kind: String
        var done = 0
        init(total: Int, kind: String) { self.total = total; self.kind = kind }
        func finished(unit: Int, description: String) -> StudyProgress {
            done += 1
            return StudyProgress(done: done, total: total, kind: kind, unit: unit, description: description,
                                 elapsed: Date().timeIntervalSince(start))
        }
    }
}

/// A unit that failed in a worker process (or a worker that died without a record). Its
/// description is the worker's message prefixed with the unit ("realization 3: ..."), once.
public enum StudyRunnerError: Error, CustomStringConvertible, Equatable {
    /// `message`: the worker's error message; `exitCode`: the worker's exit code (1 for a
    /// worker that ended without handing back a record).
    case workerFailed(unit: Int, description: String, message: String, exitCode: Int32)

    public var description: String {
        switch self {
        case .workerFailed(_, let what, let message, _):
            return message.hasPrefix(what + ":") ? message : "\(what): \(message)"
        }
    }

    public var exitCode: Int32 {
        switch self {
        case .workerFailed(_, _, _, let code): return code
        }
    }
}
