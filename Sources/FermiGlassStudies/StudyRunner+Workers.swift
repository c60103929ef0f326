import Foundation

/// How the runner starts a worker: this executable with the run's own arguments plus
/// `--worker-unit U --worker-record PATH`. The command that sees those options rebuilds the same
/// study from the same arguments and calls ``StudyWorker/serve(_:unit:to:failure:)`` instead of
/// opening its output directory (a worker neither takes the output lock nor writes output).
public struct WorkerLauncher: Sendable {
    public static let unitOption = "--worker-unit"
    public static let recordOption = "--worker-record"

    public var executable: URL
    /// The run's arguments, without the executable.
    public var arguments: [String]

    public init(executable: URL, arguments: [String]) {
        self.executable = executable
        self.arguments = arguments
    }

    /// This process's executable and command line.
    public static func currentProcess() -> WorkerLauncher {
        let proc = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let exe = FileManager.default.isExecutableFile(atPath: proc.path) && proc.path != "/proc/self/exe"
            ? proc : (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0]))
        return WorkerLauncher(executable: exe, arguments: Array(CommandLine.arguments.dropFirst()))
    }

    /// The worker's arguments for `unit`, its record going to `recordPath`.
    public func workerArguments(unit: Int, recordPath: String) -> [String] {
        arguments + [Self.unitOption, String(unit), Self.recordOption, recordPath]
    }
}

/// The worker's side: compute one unit and hand the record (or the failure) back.
public enum StudyWorker {
    /// What a worker writes to its record file.
    struct Envelope<R: Codable>: Codable {
        var unit: Int
        var record: R?
        var failure: String?
        var exitCode: Int32
    }

    /// Computes `unit` of `study` and writes the record to `path` (atomically). A unit that
    /// throws writes its message and exit code instead (`failure` maps the error to both, as
    /// the command would report it) and returns that exit code; 0 on success.
    @discardableResult
    public static func serve<S: Study>(_ study: S, unit: Int, to path: String,
                                       failure: (Error) -> (message: String, exitCode: Int32)) throws -> Int32 {
        var envelope: Envelope<S.Record>
        if !study.units.contains(unit) {
            envelope = Envelope(unit: unit, record: nil, failure: "unit \(unit) is not a unit of this study (\(study.units.count) units)", exitCode: 1)
        } else {
            do {
                envelope = Envelope(unit: unit, record: try study.record(for: unit), failure: nil, exitCode: 0)
            } catch {
                let f = failure(error)
                envelope = Envelope(unit: unit, record: nil, failure: f.message, exitCode: f.exitCode == 0 ? 1 : f.exitCode)
            }
        }
        try StudyRecordCoding.encode(envelope).write(to: URL(fileURLWithPath: path), options: .atomic)
        return envelope.exitCode
    }
}

/// The worker processes of one runner call: a private temporary directory for the records,
/// launches, waits and reads.
struct WorkerPool {
    let launcher: WorkerLauncher
    let directory: URL
    private var jobs = [Int: (unit: Int, process: Process)]()   // by unit index
    private let exited = DispatchSemaphore(value: 0)

    init(launcher: WorkerLauncher) throws {
        self.launcher = launcher
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("fermiglass-workers-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o700])
    }

    var running: Int { jobs.count }

    func recordPath(_ unit: Int) -> String { directory.appendingPathComponent("unit-\(unit).plist").path }

    mutating func launch(unit: Int, index: Int) throws {
        let p = Process()
        p.executableURL = launcher.executable
        p.arguments = launcher.workerArguments(unit: unit, recordPath: recordPath(unit))
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice   // stderr is shared: warnings and phase progress pass through
        let signal = exited
        p.terminationHandler = { _ in signal.signal() }
        try p.run()
        jobs[index] = (unit, p)
    }

    /// Waits until at least one worker has ended; returns the ended ones as (index, unit), by index.
    mutating func waitForFinished() throws -> [(Int, Int)] {
        guard !jobs.isEmpty else { return [] }
        while true {
            exited.wait()
            let done = jobs.filter { !$0.value.process.isRunning }.keys.sorted()
            if done.isEmpty { continue }
            return done.map { index in
                let job = jobs.removeValue(forKey: index)!
                job.process.waitUntilExit()
                return (index, job.unit)
            }
        }
    }

    /// The record a finished worker wrote, or the failure it reported, as an error naming the unit.
    func record<R: Codable>(_ type: R.Type, unit: Int, description: String) throws -> R {
        let path = recordPath(unit)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StudyRunnerError.workerFailed(unit: unit, description: description,
                                                message: "the worker ended without handing back a record (it crashed or was killed)", exitCode: 1)
        }
        try? FileManager.default.removeItem(atPath: path)
        let envelope = try StudyRecordCoding.decode(StudyWorker.Envelope<R>.self, from: data)
        if let record = envelope.record, envelope.unit == unit { return record }
        throw StudyRunnerError.workerFailed(unit: unit, description: description,
                                            message: envelope.failure ?? "the worker handed back no record", exitCode: envelope.exitCode)
    }

    /// After unit `index` failed with `error`: terminates the workers of later units, waits for
    /// those of earlier units and returns the failure of the first failing unit in unit order.
    mutating func firstFailure<S: Study, R: Codable>(after error: Error, index: Int, study: S, recordType: R.Type) -> Error {
        for (i, job) in jobs where i > index { job.process.terminate() }
        var first = (index, error)
        for (i, job) in jobs.sorted(by: { $0.key < $1.key }) {
            job.process.waitUntilExit()
            if i < first.0 {
                do { _ = try record(R.self, unit: job.unit, description: study.describe(unit: job.unit)) } catch { first = (i, error) }
            }
        }
        jobs.removeAll()
        return first.1
    }

    /// Terminates the workers still running and removes the directory.
    mutating func close() {
        for (_, job) in jobs where job.process.isRunning { job.process.terminate() }
        for (_, job) in jobs { job.process.waitUntilExit() }
        jobs.removeAll()
        try? FileManager.default.removeItem(at: directory)
    }
}
