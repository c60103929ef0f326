import FermiGlassSolvers
import Foundation

/// A study whose units differ in cost: the MPI executor hands out the most expensive units
/// first, so that one large unit does not start last and keep every other rank waiting.
/// Optional; studies without it are handed out in unit order (their units cost the same).
public protocol UnitCostEstimating {
    /// A relative cost of `unit` (any positive scale; only the order matters).
    func estimatedCost(of unit: Int) -> Double
}

/// Rank 0 has ended the MPI job: this worker rank ends too, with rank 0's exit code.
public struct MPIStopped: Error, Equatable {
    public var exitCode: Int32
}

/// ``StudyRunner``'s third way to run units (after in-process and `--jobs` worker processes):
/// the ranks of an MPI job (`mpirun -np P fermiglass <command> ...`, or `srun`).
///
/// Every rank runs the same command line. Rank 0 opens the output and, when the command
/// reaches its study, hands out units one at a time (dynamically: a rank gets its next unit
/// when it returns a record; the most expensive first with ``UnitCostEstimating``); ranks
/// 1..P-1 compute them and send back the same typed records as `--jobs` workers
/// (``StudyWorker``'s envelope in ``StudyRecordCoding``). Rank 0 delivers the records in unit
/// order, never arrival order, and is the only rank that writes: the output is byte-identical
/// to a serial run whatever P. Rank 0 computes no unit itself (run P = workers + 1 ranks); it
/// sleeps between polls, so it costs a core almost nothing.
///
/// One pass per job: after the first study's units are done the other ranks end; a command
/// that runs further studies (reproduce) runs them on rank 0 alone. A unit that fails on a
/// rank is reported by rank 0 exactly as in a serial run: the first failing unit in unit order
/// (units before it still run; units after it are not handed out), its message and exit code.
/// When rank 0 stops (done, bad input found after the start, a failure), it releases every
/// rank still waiting with its exit code, so every rank ends with the same code and MPI
/// finalises cleanly.
public enum MPIStudyExecutor {
    enum Tag: Int {
        /// rank 0 -> rank: the study is reached, enter the unit loop.
        case serve = 10
        /// rank 0 -> rank: end with this exit code (Int32 payload).
        case stop = 11
        /// rank 0 -> rank: compute this unit (Int64 payload).
        case work = 12
        /// rank -> rank 0: a unit's envelope (record or failure).
        case record = 13
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var role: Role = .none
    nonisolated(unsafe) private static var waiting: Set<Int> = []  // ranks not yet released

    private enum Role { case none, root(ranks: Int), worker }

    /// Joins the MPI job when a launcher started this process with more than one rank:
    /// initialises MPI and takes the role (rank 0: hands out units; the others: compute).
    /// Returns true for rank 0 and for a process outside an MPI job; false for a worker rank,
    /// which then must neither write output nor report (rank 0 does both).
    @discardableResult
    public static func join() throws -> Bool {
        lock.lock(); defer { lock.unlock() }
        switch role {
        case .root: return true
        case .worker: return false
        case .none: break
        }
        guard MPIRuntime.launchedByLauncher else { return true }
        let size = try MPIRuntime.size()
        guard size > 1 else { return true }
        if try MPIRuntime.rank() == 0 {
            role = .root(ranks: size)
            waiting = Set(1..<size)
            return true
        }
        role = .worker
        return false
    }

    /// True on rank 0 of an MPI job with other ranks still waiting for units.
    public static var hasWorkers: Bool {
        lock.lock(); defer { lock.unlock() }
        if case .root = role { return !waiting.isEmpty }
        return false
    }

    /// The number of ranks of the MPI job on rank 0 (after ``join()``), nil outside one.
    public static var ranks: Int? {
        lock.lock(); defer { lock.unlock() }
        if case .root(let n) = role { return n }
        return nil
    }

    /// True on a worker rank (after ``join()``).
    public static var isWorker: Bool {
        lock.lock(); defer { lock.unlock() }
        if case .worker = role { return true }
        return false
    }

    /// Rank 0: ends every rank still waiting with `exitCode` (at the end of the run, or when it
    /// stops before or during the study). Harmless outside an MPI job and when called twice.
    public static func release(exitCode: Int32) {
        lock.lock()
        let ranks = waiting.sorted()
        waiting.removeAll()
        lock.unlock()
        for r in ranks { try? stop(r, exitCode: exitCode) }
    }

    private static func stop(_ rank: Int, exitCode: Int32) throws {
        try MessagePassing.send(withUnsafeBytes(of: exitCode.littleEndian) { Array($0) }, to: rank, tag: Tag.stop.rawValue)
    }

    // MARK: Worker ranks

    /// A worker rank: waits until rank 0 reaches the study (returns) or stops (throws
    /// ``MPIStopped`` with rank 0's exit code, for the process to end with).
    public static func awaitStudy() throws {
        let m = try MessagePassing.receive(from: 0)
        if m.tag == Tag.stop.rawValue { throw MPIStopped(exitCode: exitCode(m.bytes)) }
        guard m.tag == Tag.serve.rawValue else {
            throw MessagePassingError.mpi(call: "awaitStudy", code: -1, message: "unexpected message tag \(m.tag) from rank 0")
        }
    }

    /// A worker rank: computes the units rank 0 hands out and sends their records back, until
    /// rank 0 says stop; then throws ``MPIStopped`` with rank 0's exit code, for the process to
    /// end with. `failure` maps a unit's error to its message and exit code as the command
    /// reports them.
    public static func serve<S: Study>(_ study: S, failure: (Error) -> (message: String, exitCode: Int32)) throws -> Never {
        while true {
            let m = try MessagePassing.receive(from: 0)
            if m.tag == Tag.stop.rawValue { throw MPIStopped(exitCode: exitCode(m.bytes)) }
            guard m.tag == Tag.work.rawValue, m.bytes.count == 8 else {
                throw MessagePassingError.mpi(call: "serve", code: -1, message: "unexpected message tag \(m.tag) from rank 0")
            }
            // The unit itself, not its index: a rank 0 that resumed may hold fewer units.
            let unit = Int(Int64(littleEndian: m.bytes.withUnsafeBytes { $0.loadUnaligned(as: Int64.self) }))
            var envelope: StudyWorker.Envelope<S.Record>
            do {
                envelope = .init(unit: unit, record: try study.record(for: unit), failure: nil, exitCode: 0)
            } catch {
                let f = failure(error)
                envelope = .init(unit: unit, record: nil, failure: f.message, exitCode: f.exitCode == 0 ? 1 : f.exitCode)
            }
            try MessagePassing.send(Array(StudyRecordCoding.encode(envelope)), to: 0, tag: Tag.record.rawValue)
        }
    }

    private static func exitCode(_ bytes: [UInt8]) -> Int32 {
        bytes.count == 4 ? Int32(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }) : 1
    }

    // MARK: Rank 0

    /// The order in which rank 0 hands out the units (indices into ``Study/units``): the most
    /// expensive first with ``UnitCostEstimating`` (ties in unit order), else unit order.
    public static func handOutOrder<S: Study>(_ study: S) -> [Int] {
        let indices = Array(study.units.indices)
        guard let costly = study as? UnitCostEstimating else { return indices }
        let cost = study.units.map { costly.estimatedCost(of: $0) }
        return indices.sorted { cost[$0] != cost[$1] ? cost[$0] > cost[$1] : $0 < $1 }
    }

    /// Rank 0: hands the study's units to the waiting ranks and delivers (unit, record) to
    /// `body` in unit order as soon as a unit and every unit before it are in. The ranks end
    /// when the pass is over (one pass per job).
    /// With a `journal`, every hand-out and every arriving record is journaled at once
    /// (arrival order), before it is delivered.
    static func forEachRecord<S: Study>(of study: S, progress: ((StudyProgress) -> Void)?, journal: StudyJournaling? = nil,
                                       _ body: (Int, S.Record) throws -> Void) throws {
        let units = study.units
        let clock = StudyProgress.Clock(total: units.count, kind: study.unitKind)
        lock.lock()
        let ranks = waiting.sorted()
        lock.unlock()
        for r in ranks { try MessagePassing.send([], to: r, tag: Tag.serve.rawValue) }

        var queue = Array(handOutOrder(study).reversed())  // popLast() takes the next
        var busy = [Int: Int]()              // rank -> unit index
        var finished = [Int: S.Record]()     // unit index -> record, waiting for earlier units
        var firstFailure: (index: Int, error: Error)?
        var delivered = 0

        func handOut(to rank: Int) throws {
            if let index = queue.popLast() {
                try journal?.handedOut(unit: units[index], to: rank)
                try MessagePassing.send(withUnsafeBytes(of: Int64(units[index]).littleEndian) { Array($0) }, to: rank, tag: Tag.work.rawValue)
                busy[rank] = index
            } else {
                try stop(rank, exitCode: 0)
                lock.lock(); waiting.remove(rank); lock.unlock()
            }
        }
        // Whatever stops the pass early (a write on rank 0 failing), the busy ranks' records
        // are taken in first, so that no rank stays blocked sending one.
        defer {
            while !busy.isEmpty, let m = try? MessagePassing.receive() { busy.removeValue(forKey: m.source) }
        }
        for r in ranks { try handOut(to: r) }
        while !busy.isEmpty {
            let m = try MessagePassing.receive()
            guard m.tag == Tag.record.rawValue, let index = busy.removeValue(forKey: m.source) else {
                throw MessagePassingError.mpi(call: "forEachRecord", code: -1, message: "unexpected message tag \(m.tag) from rank \(m.source)")
            }
            let unit = units[index]
            let what = study.describe(unit: unit)
            let envelope = try StudyRecordCoding.decode(StudyWorker.Envelope<S.Record>.self, from: Data(m.bytes))
            if let record = envelope.record, envelope.unit == unit {
                try journal?.finished(unit: unit, record: StudyRecordCoding.encode(record))
                finished[index] = record
                progress?(clock.finished(unit: unit, description: what))
            } else {
                let error = StudyRunnerError.workerFailed(unit: unit, description: what,
                                                          message: envelope.failure ?? "rank \(m.source) handed back no record",
                                                          exitCode: envelope.exitCode)
                if firstFailure == nil || index < firstFailure!.index { firstFailure = (index, error) }
                // As in a serial run: units before the first failure still run, later ones not.
                queue.removeAll { $0 > firstFailure!.index }
            }
            while let record = finished.removeValue(forKey: delivered) {  // a failed unit is never in `finished`
                try body(units[delivered], record)
                delivered += 1
            }
            try handOut(to: m.source)
        }
        if let f = firstFailure { throw f.error }
    }
}
