import FermiGlassModel
import ArgumentParser
import FermiGlassIO
import FermiGlassSolvers
import FermiGlassStudies
import Foundation

/// What every computing command shares: the output directory, the BLAS thread count,
/// progress on stderr, failure handling (no partial output) and the provenance block of
/// summary.json.
package final class RunContext {
    let command: String
    /// The output directory (nil in a --jobs worker process, which writes none).
    package let output: OutputDirectory!
    let options: RunOptions
    let started = Date()
    /// The eigen cache of a run that composes several commands in one process (`reproduce`):
    /// every request the commands build carries it (nil: no cache).
    nonisolated(unsafe) static var eigenCache: EigenCache?

    /// `staged`: write into a staging directory that replaces --output only when the run
    /// completes (``OutputDirectory``); runs that checkpoint finished results for a later
    /// continuation (hartree-fock, linear-stability) write in place.
    ///
    /// `plan`: the memory the run will need, estimated from its parameters
    /// (``MemoryPlan/estimate(sites:request:extra:)``); checked before the output is opened, so
    /// a run that cannot fit is refused (exit 64) with nothing written, and recorded in
    /// summary.json as `memory_plan`. With --jobs N the plan is per unit and each of the N
    /// workers gets 1/N of the available memory.
    ///
    /// A --jobs worker process (``RunOptions/worker``) opens no output and takes no lock: it
    /// only computes its unit (``records(of:)``).
    package init(command: String, options: RunOptions, plan: MemoryEstimate?, resume: Bool = false, staged: Bool = true) throws {
        self.command = command
        self.options = options
        self.plan = plan
        // An MPI worker rank (mpirun/srun, rank > 0) writes nothing and says nothing: it waits
        // until rank 0 reaches the study, then computes the units rank 0 hands out.
        let mpiWorker = try !MPIStudyExecutor.join()
        PhaseProgress.current = PhaseProgress(command: command, quiet: options.quiet || mpiWorker)
        if mpiWorker {
            output = nil
            do { try MPIStudyExecutor.awaitStudy() } catch let s as MPIStopped { throw ExitCode(s.exitCode) }
        } else if options.worker == nil {
            if let plan { try Self.check(plan, command: command, jobs: options.jobs) }
            output = try Self.openOutput(path: options.output, force: options.force, resume: resume, staged: staged)
            if let warning = StudyRunner.oversubscription(jobs: options.jobs, threads: options.threads) {
                FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
            }
        } else {
            output = nil
        }
        BLASRuntime.setThreads(options.threads)
    }

    /// The memory plan of this run (nil for commands that do not build a model).
    let plan: MemoryEstimate?

    /// Set by a command whose result is written but not fully trusted: `status` goes at the top
    /// of summary.json with `reason`, and the run exits 3 (did not converge) or 4 (not
    /// certified) once the output is in place (CONVENTIONS.md §4).
    var outcome: Outcome = .done

    enum Outcome: Equatable {
        case done
        case unconverged(String)
        case uncertified(String)

        var exitCode: Int32 {
            switch self {
            case .done: return 0
            case .unconverged: return 3
            case .uncertified: return 4
            }
        }

        var summaryEntries: [(String, JSON)] {
            switch self {
            case .done: return [("status", .string("done"))]
            case .unconverged(let why): return [("status", .string("unconverged")), ("status_reason", .string(why))]
            case .uncertified(let why): return [("status", .string("uncertified")), ("status_reason", .string(why))]
            }
        }
    }

    /// Records an unconverged result (exit 3); an earlier unconverged one wins over uncertified.
    func flagUnconverged(_ reason: String) {
        if case .unconverged = outcome { return }
        outcome = .unconverged(reason)
    }

    /// Records an uncertified result (exit 4), unless the run is already flagged.
    func flagUncertified(_ reason: String) {
        if outcome == .done { outcome = .uncertified(reason) }
    }

    /// Refuses a plan that does not fit: a validation error (exit 64) with the estimate. With
    /// `jobs` > 1 the plan is one unit's and must fit in 1/jobs of the available memory.
    package static func check(_ plan: MemoryEstimate, command: String, jobs: Int = 1) throws {
        let sparse = ["spectrum", "localization", "dos", "matrix-elements", "ground-state"].contains(command)
        do { try plan.check(command, sparseAlternative: sparse) } catch let e as SolverError {
            throw ValidationError(commandLineMessage(e))
        }
        let share = StudyRunner.memoryPerJob(jobs: jobs)
        if jobs > 1 && plan.total > share {
            throw ValidationError("\(command) needs about \(MemoryPlan.format(plan.total)) per unit, but --jobs \(jobs) gives each worker \(MemoryPlan.format(share)) (1/\(jobs) of \(MemoryPlan.format(MemoryPlan.availableBytes)) available); nothing was computed: use fewer --jobs")
        }
    }

    /// The output directory, or the refusal: exit 5 when another process holds its lock
    /// (CONVENTIONS.md §4), a validation error (exit 64) for every other problem.
    static func openOutput(path: String, force: Bool, resume: Bool = false, staged: Bool) throws -> OutputDirectory {
        do {
            return try OutputDirectory(path: path, force: force, resume: resume, staged: staged)
        } catch IOError.locked(let message) {
            FileHandle.standardError.write(Data("error: \(message.commandLine)\n".utf8))
            throw ExitCode(5)
        } catch let e as IOError {
            throw ValidationError(commandLineMessage(e))
        }
    }

    /// Runs `body`, then moves a staged output into place; on any error removes what this run
    /// wrote, prints the error and exits with its code (``failure(_:)``).
    package func run(_ body: () throws -> Void) throws {
        do {
            try body()
            try output?.commit()
        } catch let e as ExitCode {
            output?.abandon()
            throw e
        } catch let e as ValidationError {
            output?.abandon()
            throw e
        } catch {
            output?.abandon()
            let f = Self.failure(error)
            FileHandle.standardError.write(Data("error: \(f.message)\n".utf8))
            throw ExitCode(f.exitCode)
        }
        if options.jobs > 1 && !usedRunner {
            FileHandle.standardError.write(Data("warning: --jobs \(options.jobs) has no effect on \(command): its units run in this process\n".utf8))
        }
        if outcome != .done {
            let word = outcome.exitCode == 3 ? "did not converge" : "is not certified"
            FileHandle.standardError.write(Data("warning: the result \(word) (exit \(outcome.exitCode)); it is written to \(options.output), flagged in summary.json \"status\" with the reason\n".utf8))
            throw ExitCode(outcome.exitCode)
        }
    }

    /// The message and exit code of a run that stops on `error` (CONVENTIONS.md §4): a solve
    /// that did not converge (3) or whose window the inertia count did not certify (4), nothing
    /// usable written; an empty selection, a property of the input (64); a failed --jobs
    /// worker, its own code; 1 for every other failure. A worker reports with the same rule.
    static func failure(_ error: Error) -> (message: String, exitCode: Int32) {
        switch error {
        case let e as SolverError where e.exitCode != 1: return ("\(commandLineMessage(e)); nothing was written", e.exitCode)
        case SolverError.emptySelection(let message): return (message.commandLine, 64)
        case let e as StudyRunnerError: return (e.description, e.exitCode)
        case let e as ValidationError: return (e.message, 64)
        default: return (commandLineMessage(error), 1)
        }
    }

    /// The runner of this run's studies: --jobs worker processes of this executable, progress
    /// per finished unit with the time left.
    var runner: StudyRunner {
        let ctx = self
        return StudyRunner(jobs: options.jobs, launcher: .currentProcess()) { p in
            ctx.progress(p.done, of: p.total, p.kind, secondsPerUnit: p.secondsPerUnit)
        }
    }

    /// True once a study went through ``records(of:)`` or ``forEachRecord(of:_:)``.
    private(set) var usedRunner = false

    /// Every record of `study` in unit order (``StudyRunner``). In a --jobs worker process:
    /// computes the worker's unit, hands the record back and ends the process, so a command
    /// runs one study through the runner (a command that needs several composes them into one
    /// study whose record holds theirs).
    func records<S: Study>(of study: S) throws -> [S.Record] {
        try serveIfWorker(study)
        return try runner.records(of: study)
    }

    /// ``records(of:)`` delivered one at a time, in unit order, as they are gathered.
    func forEachRecord<S: Study>(of study: S, _ body: (Int, S.Record) throws -> Void) throws {
        try serveIfWorker(study)
        try runner.forEachRecord(of: study, body)
    }

    private func serveIfWorker<S: Study>(_ study: S) throws {
        usedRunner = true
        if MPIStudyExecutor.isWorker {
            do {
                if let host = study as? any PatchUnitHosting, host.farmsPatches {
                    try MPIPatchExecutor.serve(host) { Self.failure($0) }
                } else {
                    try MPIStudyExecutor.serve(study) { Self.failure($0) }
                }
            } catch let s as MPIStopped { throw ExitCode(s.exitCode) }
        }
        guard let w = options.worker else { return }
        if let job = options.workerPatchJob {
            throw ExitCode(try PatchUnits.serveWorker(study, jobFile: job, unit: w.unit, to: w.record) { Self.failure($0) })
        }
        let code = try StudyWorker.serve(study, unit: w.unit, to: w.record) { Self.failure($0) }
        throw ExitCode(code)
    }

    /// The provenance block: what produced this output.
    var provenance: JSON {
        let head: [(String, JSON)] = [
            ("fermiglass_version", .string(Provenance.version)),
            ("git_commit", .string(Provenance.gitCommit)),
            ("command_line", .array(Provenance.commandLine.map { .string($0) })),
            ("threads", .int(BLASRuntime.threads)),
            ("threads_requested", .int(options.threads)),
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

    /// Writes summary.json = {command, <body...>, provenance} and prints it with --json.
    ///
    /// `complete`: for runs that checkpoint. `false` writes what has finished so far with
    /// `"complete": false` (replaced atomically each time, not printed), so that a killed run keeps
    /// every finished result; the final summary then says `"complete": true`.
    package func writeSummary(_ body: [(String, JSON)], complete: Bool? = nil) throws {
        let state: [(String, JSON)] = complete.map { [("complete", .bool($0))] } ?? []
        let planEntry: [(String, JSON)] = plan.map { [("memory_plan", $0.json)] } ?? []
        let summary = JSON.object([("command", .string(command))] + outcome.summaryEntries + state + body + planEntry
                                  + [("provenance", provenance)])
        try output.write(json: summary, to: "summary.json")
        if options.json && complete != false { print(summary.serialized()) }
    }

    /// Writes a study's report: its files, its warnings on stderr, the uncertified flag, and
    /// summary.json with its body.
    func write(_ report: StudyReport) throws {
        for file in report.files { try output.write(file) }
        for w in report.warnings { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
        if let why = report.uncertified { flagUncertified(why) }
        try writeSummary(report.summary)
    }

    /// Progress line on stderr: units done, rate, estimated time left. `secondsPerUnit`: the
    /// wall time per finished unit (default: since the run started).
    package func progress(_ done: Int, of total: Int, _ what: String = "realization", secondsPerUnit: Double? = nil) {
        guard !options.quiet else { return }
        let rate = secondsPerUnit ?? Date().timeIntervalSince(started) / Double(max(done, 1))
        let left = rate * Double(total - done)
        let each = Self.duration(rate)
        let tail = done >= total ? "" : ", about \(Self.duration(left)) left"
        note("\(what) \(done)/\(total) done, \(each) each\(tail)")
    }

    /// A progress note on stderr, `[command] text`, unless --quiet.
    func note(_ text: String) {
        guard !options.quiet else { return }
        FileHandle.standardError.write(Data("[\(command)] \(text)\n".utf8))
    }

    /// A duration in words (``StudyProgress/words(_:)``).
    static func duration(_ seconds: Double) -> String { StudyProgress.words(seconds) }

    /// `r007/` for realization 7.
    package static func realizationDirectory(_ r: Int) -> String { StudyReport.realizationDirectory(r) }
}

/// Progress inside a long phase (the Chebyshev core's probes): a line with a human ETA at most
/// every `interval` seconds, none with --quiet. A class the library's @Sendable progress
/// callbacks can hold (they run on the calling thread, one at a time).
final class PhaseProgress: @unchecked Sendable {
    /// The progress of the command running in this process (set by ``RunContext``).
    nonisolated(unsafe) static var current: PhaseProgress?

    let command: String
    let quiet: Bool
    let interval: Double
    /// Per phase: when and at which step count its clock started, and the last count. Phases
    /// nest (a Lanczos run inside a shift-invert slice), so each keeps its own clock; a count
    /// that goes down (a new Lanczos run, a new realization) restarts it.
    private var clocks: [String: (start: Date, first: Int, done: Int)] = [:]
    private var lastLine = Date.distantPast

    init(command: String, quiet: Bool, interval: Double = RunContext.progressInterval) {
        self.command = command
        self.quiet = quiet
        self.interval = interval
    }

    /// Reports `done` of `total` steps of `phase`. The rate is measured from the first report
    /// of the phase (the end of its first step), so the ETA is (total - done) / rate.
    func report(_ phase: String, _ done: Int, _ total: Int) {
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
        FileHandle.standardError.write(Data("[\(command)] \(phase) \(done)/\(total), about \(RunContext.duration(left)) left\n".utf8))
    }
}

extension SolverError {
    /// The exit code of CONVENTIONS.md §4 for a run that stops on this error: 3 (did not
    /// converge), 4 (not certified), 1 otherwise (an empty selection is mapped to 64 apart).
    var exitCode: Int32 {
        switch self {
        case .noConvergence: return 3
        case .incompleteWindow: return 4
        default: return 1
        }
    }
}
