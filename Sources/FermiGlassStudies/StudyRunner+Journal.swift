import FermiGlassIO
import FermiGlassModel
import Foundation

/// What ``StudyRunner`` tells a journal while it runs a study: the units it hands out and the
/// records it takes back, as they happen (arrival order), so that a job killed mid-run loses
/// only the units in progress. ``StudyJournal`` keeps them on disk; the sweep's
/// ``ResultsStore`` is another journal (its finished units are its results).
public protocol StudyJournaling: AnyObject {
    /// Called when the runner reaches `study`: the records already finished (encoded with
    /// ``StudyRecordCoding``), by unit; the runner neither recomputes nor hands them out again.
    /// nil: this study is not journaled (a journal serves the first study of a run only).
    func begin<S: Study>(_ study: S) throws -> [Int: Data]?
    /// `unit` went to `worker` (an MPI rank).
    func handedOut(unit: Int, to worker: Int) throws
    /// `unit`'s record arrived (encoded with ``StudyRecordCoding``).
    func finished(unit: Int, record: Data) throws
}

/// The fsync'd journal of a run whose units go to MPI ranks (`mpirun ... fermiglass <command>`),
/// kept by rank 0 beside the output, `<parent>/<name>.journal` for `--output <parent>/<name>`,
/// while the output itself is staged (``OutputDirectory``) and appears only when the run
/// completes. It is what `--resume` continues from after a killed rank (Open MPI 4.1 then ends
/// every rank of the job, rank 0 included, possibly with SIGKILL: the journal alone must be enough):
///
/// * `journal.json` — the run's identity (its command line without the flags that do not
///   change the results), what a unit is and the units, written atomically when the study starts;
/// * `events.log` — one line per event, each appended with one `write(2)` and `fsync`:
///   `handed-out <unit> <rank>` and `finished <unit>`; a torn last line is ignored;
/// * `records/<unit>.plist` — every finished unit's record (``StudyRecordCoding``), written to a
///   temporary name, fsync'd, renamed and the folder fsync'd before its `finished` line: a record
///   file present is a finished unit.
///
/// A resumed run delivers the stored records in unit order among the new ones, so its output is
/// byte-identical to an uninterrupted run; the units handed out but never finished are the
/// ones lost with the killed job (``lost``). A run that completes removes the journal; a new run
/// without `--resume` starts a new one.
public final class StudyJournal: StudyJournaling {
    public let directory: URL
    /// The run's identity (its command line without the flags that do not change the results).
    public let identity: String
    /// True when continuing the journal already there (`--resume`).
    public let resuming: Bool
    /// Units handed out in the journaled run that never finished (unit, rank), read on resume.
    public private(set) var lost: [(unit: Int, rank: Int)] = []
    /// Units whose records the journal already held when the study started.
    public private(set) var reused: [Int] = []
    /// Called with every change of the units in flight (for the message of a stopped job).
    public var onChange: ((_ inFlight: [(unit: Int, rank: Int)], _ finished: Int, _ total: Int) -> Void)?

    private var began = false
    private var study: (kind: String, describe: (Int) -> String, total: Int)?
    private var inFlight = [Int: Int]()  // unit -> rank
    private var finishedCount = 0

    /// `<output>.journal` beside the output directory `output`.
    public static func directory(forOutput output: String) -> URL {
        let o = URL(fileURLWithPath: output).standardizedFileURL
        return o.deletingLastPathComponent().appendingPathComponent(o.lastPathComponent + ".journal")
    }

    /// The identity of a command line: its arguments without `ignoring`, the front end's flags
    /// that do not change the results (the CLI's resume, force, quiet and json flags).
    public static func identity(arguments: [String], ignoring: Set<String>) -> String {
        arguments.filter { !ignoring.contains($0) }.joined(separator: " ")
    }

    /// Opens the journal of `output`. `resume`: continue the one there (refused when there is
    /// none); otherwise any old journal is removed and a new one starts when the study does.
    public init(output: String, identity: String, resume: Bool) throws {
        directory = Self.directory(forOutput: output)
        self.identity = identity
        resuming = resume
        if resume {
            guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("journal.json").path) else {
                throw StudyJournalError.nothingToResume("there is no journal \(directory.path) of an earlier run to resume; run without \(.resume)")
            }
            let manifest = try Self.readManifest(directory)
            guard manifest["identity"]?.stringValue == identity else {
                throw StudyJournalError.mismatch("the journal \(directory.path) is of another command line (\(manifest["identity"]?.stringValue ?? "?")); resume with that one, or run without \(.resume) to start over")
            }
        } else {
            try? FileManager.default.removeItem(at: directory)
        }
    }

    public func begin<S: Study>(_ study: S) throws -> [Int: Data]? {
        guard !began else { return nil }
        began = true
        self.study = (study.unitKind, study.describe(unit:), study.units.count)
        let units = study.units
        let manifest = JSON.object([
            ("kind", .string("fermiglass-journal")), ("identity", .string(identity)),
            ("unit_kind", .string(study.unitKind)), ("units", .array(units.map { .int($0) })),
        ])
        var stored = [Int: Data]()
        if resuming {
            guard Self.readManifest(directory, orNil: true)?["units"] == manifest["units"] else {
                throw StudyJournalError.mismatch("the journal \(directory.path) holds other units than this run (\(units.count) \(study.unitKind)s); run without \(.resume) to start over")
            }
            for unit in units {
                if let data = try? Data(contentsOf: recordURL(unit)) { stored[unit] = data }
            }
            var lastRank = [Int: Int]()
            for line in (try? String(contentsOf: eventsURL, encoding: .utf8))?.split(separator: "\n") ?? [] {
                let f = line.split(separator: " ")
                if f.count == 3, f[0] == "handed-out", let u = Int(f[1]), let r = Int(f[2]) { lastRank[u] = r }
            }
            lost = lastRank.filter { stored[$0.key] == nil }.map { (unit: $0.key, rank: $0.value) }.sorted { $0.unit < $1.unit }
            reused = stored.keys.sorted()
            finishedCount = stored.count
        } else {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("records"), withIntermediateDirectories: true)
            try Self.durableWrite(Data((manifest.serialized() + "\n").utf8), to: directory.appendingPathComponent("journal.json"))
        }
        if !FileManager.default.fileExists(atPath: eventsURL.path) {
            _ = FileManager.default.createFile(atPath: eventsURL.path, contents: nil)
        }
        report()
        return stored
    }

    public func handedOut(unit: Int, to worker: Int) throws {
        try append("handed-out \(unit) \(worker)\n")
        inFlight[unit] = worker
        report()
    }

    public func finished(unit: Int, record: Data) throws {
        try Self.durableWrite(record, to: recordURL(unit))
        try append("finished \(unit)\n")
        inFlight.removeValue(forKey: unit)
        finishedCount += 1
        report()
    }

    /// Removes the journal (the run has completed and its output is in place).
    public func remove() { try? FileManager.default.removeItem(at: directory) }

    /// The units in words, "realization 3 (rank 1), realization 5 (rank 2)" (at most 20).
    public func describe(_ units: [(unit: Int, rank: Int)]) -> String {
        let describe = study?.describe ?? { "unit \($0)" }
        let shown = units.prefix(20).map { "\(describe($0.unit)) (rank \($0.rank))" }
        return shown.joined(separator: ", ") + (units.count > 20 ? ", and \(units.count - 20) more" : "")
    }

    /// The message of a job stopped while `inFlight` ran: what was lost and how to continue.
    public func stopMessage(inFlight: [(unit: Int, rank: Int)], finished: Int, total: Int) -> Message {
        let kind = study?.kind ?? "unit"
        let lostText = inFlight.isEmpty ? "no \(kind) was in progress" : "lost with it: \(describe(inFlight))"
        return "error: the MPI job was stopped (a rank ended or was killed; see mpirun's message); \(lostText); "
            + "\(finished) of \(total) \(kind)s are saved in \(directory.path): run the same command with \(.resume) to finish without recomputing them\n"
    }

    private func report() {
        guard let study else { return }
        onChange?(inFlight.map { (unit: $0.key, rank: $0.value) }.sorted { $0.unit < $1.unit }, finishedCount, study.total)
    }

    private var eventsURL: URL { directory.appendingPathComponent("events.log") }
    private func recordURL(_ unit: Int) -> URL { directory.appendingPathComponent("records/\(unit).plist") }

    private func append(_ line: String) throws {
        let fd = open(eventsURL.path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard fd >= 0 else { throw IOError.fileSystem(errno, path: eventsURL.path, action: "open") }
        defer { close(fd) }
        let bytes = Array(line.utf8)
        guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count, fsync(fd) == 0 else {
            throw IOError.fileSystem(errno, path: eventsURL.path, action: "write")
        }
    }

    /// `data` to `url` durably: a temporary name, fsync, rename, fsync of the folder.
    static func durableWrite(_ data: Data, to url: URL) throws {
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp")
        let fd = open(tmp.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw IOError.fileSystem(errno, path: tmp.path, action: "open") }
        let ok = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == data.count && fsync(fd) == 0
        close(fd)
        guard ok, rename(tmp.path, url.path) == 0 else { throw IOError.fileSystem(errno, path: url.path, action: "write") }
        let dir = open(url.deletingLastPathComponent().path, O_RDONLY)
        if dir >= 0 { fsync(dir); close(dir) }
    }

    static func readManifest(_ directory: URL, orNil: Bool = false) -> JSON? {
        guard let text = try? String(contentsOf: directory.appendingPathComponent("journal.json"), encoding: .utf8) else { return nil }
        return try? JSON.parse(text)
    }

    static func readManifest(_ directory: URL) throws -> JSON {
        guard let j = readManifest(directory, orNil: true) else {
            throw StudyJournalError.corrupt("the journal \(directory.path) cannot be read (journal.json); run without \(.resume) to start over")
        }
        return j
    }
}

/// A journal that cannot be continued: bad input (exit 64).
public enum StudyJournalError: Error, Equatable, ParameterAdvising {
    case nothingToResume(Message)
    case mismatch(Message)
    case corrupt(Message)

    public var description: String { message.description }

    /// The message; advice names ``Parameter``s (the CLI renders them as its options).
    public var message: Message {
        switch self {
        case .nothingToResume(let m), .mismatch(let m), .corrupt(let m): return m
        }
    }
}

/// The units of a study a journal does not hold yet: the same study, fewer units (the MPI
/// executor sends the unit itself, so a worker's full study computes it).
struct RemainingUnits<Base: Study>: Study, UnitCostEstimating {
    var base: Base
    var units: [Int]
    var unitKind: String { base.unitKind }
    func describe(unit: Int) -> String { base.describe(unit: unit) }
    func record(for unit: Int) throws -> Base.Record { try base.record(for: unit) }
    func aggregate(_ records: [Base.Record]) throws -> Base.Output { try base.aggregate(records) }
    func estimatedCost(of unit: Int) -> Double { (base as? UnitCostEstimating)?.estimatedCost(of: unit) ?? 1 }
}
