import FermiGlassIO
import FermiGlassModel
import FermiGlassSolvers
import Foundation

/// One run of a study into an output directory: its outcome (done, unconverged, uncertified),
/// its memory plan, the provenance block and summary.json, progress lines on stderr. A front
/// end (the command-line tool's `RunContext`) opens the output and handles its options; a
/// Swift caller can use it directly around ``StudyRunner``.
open class StudyRun {
    public let command: String
    /// The output directory (nil in a worker process, which writes none).
    public let output: OutputDirectory!
    /// The memory plan of this run (nil for runs that do not build a model), recorded in
    /// summary.json as `memory_plan`.
    public let plan: MemoryEstimate?
    public let started = Date()
    /// The BLAS threads asked for (provenance: `threads_requested`).
    public let threadsRequested: Int
    /// No progress lines (errors and warnings are still printed).
    public let quiet: Bool
    /// Called with every final summary.json as it is written (the CLI's --json prints it).
    public var onSummary: ((JSON) -> Void)?

    /// A result that is written but not fully trusted: `status` goes at the top of
    /// summary.json with its reason, and the run exits 3 or 4 once the output is in place.
    public var outcome: StudyOutcome = .done

    public init(command: String, output: OutputDirectory?, plan: MemoryEstimate?, threadsRequested: Int, quiet: Bool) {
        self.command = command
        self.output = output
        self.plan = plan
        self.threadsRequested = threadsRequested
        self.quiet = quiet
    }

    /// Records an unconverged result (exit 3); an earlier unconverged one wins over uncertified.
    public func flagUnconverged(_ reason: String) {
        if case .unconverged = outcome { return }
        outcome = .unconverged(reason)
    }

    /// Records an uncertified result (exit 4), unless the run is already flagged.
    public func flagUncertified(_ reason: String) {
        if outcome == .done { outcome = .uncertified(reason) }
    }

    /// Refuses a plan that does not fit (``MemoryEstimate/check(_:sparseAlternative:)``). With
    /// `jobs` > 1 the plan is one unit's and must fit in 1/jobs of the available memory.
    public static func checkMemory(_ plan: MemoryEstimate, command: String, jobs: Int = 1) throws {
        let sparse = ["spectrum", "localization", "dos", "matrix-elements", "ground-state"].contains(command)
        try plan.check(command, sparseAlternative: sparse)
        let share = StudyRunner.memoryPerJob(jobs: jobs)
        if jobs > 1 && plan.total > share {
            throw StudyError.invalidInput("\(command) needs about \(MemoryPlan.format(plan.total)) per unit, but \(.jobs) \(jobs) gives each worker \(MemoryPlan.format(share)) (1/\(jobs) of \(MemoryPlan.format(MemoryPlan.availableBytes)) available); nothing was computed: use fewer \(.jobs)")
        }
    }

    /// The provenance block: what produced this output.
    public var provenance: JSON {
        let head: [(String, JSON)] = [
            ("fermiglass_version", .string(Provenance.version)),
            ("git_commit", .string(Provenance.gitCommit)),
            ("command_line", .array(Provenance.commandLine.map { .string($0) })),
            ("threads", .int(BLASRuntime.threads)),
            ("threads_requested", .int(threadsRequested)),
        ]
        // Under mpirun/srun: the ranks of the job (rank 0 wrote, the others computed units).
        let mpi: [(String, JSON)] = MPIStudyExecutor.ranks.map { [("mpi_ranks", .int($0))] } ?? []
        return .object(head + mpi + [
            ("libraries", .object(LibraryVersions.all.map { ($0.0, .string($0.1)) })),
            ("host", .string(Provenance.host)),
            ("started", .string(Provenance.timestamp(started))),
            ("wall_time_seconds", .number(Date().timeIntervalSince(started))),
        ])
    }

    /// Writes summary.json = {command, status, <body...>, memory_plan, provenance}.
    ///
    /// `complete`: for runs that checkpoint. `false` writes what has finished so far with
    /// `"complete": false` (replaced atomically each time, not handed to ``onSummary``), so that
    /// a killed run keeps every finished result; the final summary then says `"complete": true`.
    public func writeSummary(_ body: [(String, JSON)], complete: Bool? = nil) throws {
        let state: [(String, JSON)] = complete.map { [("complete", .bool($0))] } ?? []
        let planEntry: [(String, JSON)] = plan.map { [("memory_plan", $0.json)] } ?? []
        let summary = JSON.object([("command", .string(command))] + outcome.summaryEntries + state + body + planEntry
                                  + [("provenance", provenance)])
        try output.write(json: summary, to: "summary.json")
        if complete != false { onSummary?(summary) }
    }

    /// The summary.json of one computation of a composed run, as its own command writes it:
    /// {command, status, <body...>, memory_plan, provenance}, at `path`.
    public func writeSummary(_ body: [(String, JSON)], command: String, to path: String, plan: MemoryEstimate) throws {
        let summary = JSON.object([("command", .string(command)), ("status", .string("done"))] + body
                                  + [("memory_plan", plan.json), ("provenance", provenance)])
        try output.write(json: summary, to: path)
    }

    /// Writes a study's report: its files, its warnings on stderr, the uncertified flag, and
    /// summary.json with its body.
    public func write(_ report: StudyReport) throws {
        for file in report.files { try output.write(file) }
        for w in report.warnings { warn(render(w)) }
        if let why = report.uncertified { flagUncertified(why) }
        try writeSummary(report.summary)
    }

    /// A message with its ``Parameter``s in this front end's words (default: their Swift names).
    open func render(_ message: Message) -> String { message.description }

    /// A warning on stderr (also with ``quiet``).
    public func warn(_ text: String) {
        FileHandle.standardError.write(Data("warning: \(text)\n".utf8))
    }

    /// Progress line on stderr: units done, time per unit, estimated time left.
    /// `secondsPerUnit`: the wall time per finished unit (default: since the run started).
    public func progress(_ done: Int, of total: Int, _ what: String = "realization", secondsPerUnit: Double? = nil) {
        guard !quiet else { return }
        let rate = secondsPerUnit ?? Date().timeIntervalSince(started) / Double(max(done, 1))
        let tail = done >= total ? "" : ", about \(StudyProgress.words(rate * Double(total - done))) left"
        note("\(what) \(done)/\(total) done, \(StudyProgress.words(rate)) each\(tail)")
    }

    /// A progress note on stderr, `[command] text`, unless ``quiet``.
    public func note(_ text: String) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data("[\(command)] \(text)\n".utf8))
    }
}

/// How a run ended (CONVENTIONS.md §4): done (exit 0), a result that did not converge (3) or
/// is not certified (4), each written with the reason in summary.json's `status`.
public enum StudyOutcome: Equatable, Sendable {
    case done
    case unconverged(String)
    case uncertified(String)

    public var exitCode: Int32 {
        switch self {
        case .done: return 0
        case .unconverged: return 3
        case .uncertified: return 4
        }
    }

    /// `status` and `status_reason` at the top of summary.json.
    public var summaryEntries: [(String, JSON)] {
        switch self {
        case .done: return [("status", .string("done"))]
        case .unconverged(let why): return [("status", .string("unconverged")), ("status_reason", .string(why))]
        case .uncertified(let why): return [("status", .string("uncertified")), ("status_reason", .string(why))]
        }
    }
}

/// Progress inside a long phase (the Chebyshev core's probes, shift-invert slices): a line
/// with a human ETA at most every `interval` seconds, none when quiet. A class the library's
/// @Sendable progress callbacks can hold (they run on the calling thread, one at a time).
public final class PhaseProgress: @unchecked Sendable {
    /// The progress of the run in this process (set by its front end), which
    /// ``report(_:_:_:)`` hooks reach without being handed it.
    nonisolated(unsafe) public static var current: PhaseProgress?

    /// Seconds between two progress lines inside a long phase: 5, or
    /// FERMIGLASS_PROGRESS_INTERVAL.
    public static let defaultInterval: Double =
        ProcessInfo.processInfo.environment["FERMIGLASS_PROGRESS_INTERVAL"].flatMap(Double.init) ?? 5

    public let command: String
    public let quiet: Bool
    public let interval: Double
    /// Per phase: when and at which step count its clock started, and the last count. Phases
    /// nest (a Lanczos run inside a shift-invert slice), so each keeps its own clock; a count
    /// that goes down (a new Lanczos run, a new realization) restarts it.
    private var clocks: [String: (start: Date, first: Int, done: Int)] = [:]
    private var lastLine = Date.distantPast

    public init(command: String, quiet: Bool, interval: Double = PhaseProgress.defaultInterval) {
        self.command = command
        self.quiet = quiet
        self.interval = interval
    }

    /// A hook for ``ShiftInvertOptions/progress`` that reports through ``current``.
    public static var hook: ProgressHook { ProgressHook { PhaseProgress.current?.report($0, $1, $2) } }

    /// Reports `done` of `total` steps of `phase`. The rate is measured from the first report
    /// of the phase (the end of its first step), so the ETA is (total - done) / rate.
    public func report(_ phase: String, _ done: Int, _ total: Int) {
        guard !quiet else { return }
        let now = Date()
        guard let clock = clocks[phase], done >= clock.done else {
            clocks[phase] = (now, done, done)
            return
        }
        clocks[phase] = (clock.start, clock.first, done)
        guard now.timeIntervalSince(lastLine) >= interval, done < total, done > clock.first else { return }
        lastLine = now
        let elapsed = now.timeIntervalSince(clock.start)
        let left = elapsed / Double(done - clock.first) * Double(total - done)
        FileHandle.standardError.write(Data("[\(command)] \(phase) \(done)/\(total), about \(StudyProgress.words(left)) left\n".utf8))
    }
}
