import ArgumentParser
import FermiGlassIO
import FermiGlassModel
import FermiGlassSolvers
import FermiGlassStudies
import Foundation

/// A ``StudyRun`` opened from the command line: --output (refused with exit 64 or 5), the BLAS
/// thread count, --jobs workers and MPI ranks, and failure handling (no partial output).
package final class RunContext: StudyRun {
    let options: RunOptions
    /// The eigen cache of a run that composes several commands in one process (`reproduce`):
    /// every request the commands build carries it (nil: no cache).
    nonisolated(unsafe) static var eigenCache: EigenCache?

    /// `staged`: write into a staging directory that replaces --output only when the run
    /// completes (``OutputDirectory``); runs that checkpoint finished results for a later
    /// continuation (hartree-fock, linear-stability) write in place.
    ///
    /// `plan`: the memory the run will need, estimated from its parameters
    /// (``MemoryPlan/estimate(sites:request:extra:)``); checked before the output is opened, so
    /// a run that cannot fit is refused (exit 64) with nothing written. With --jobs N the plan
    /// is per unit and each of the N workers gets 1/N of the available memory.
    ///
    /// A --jobs worker process (``RunOptions/worker``) opens no output and takes no lock: it
    /// only computes its unit (``records(of:)``).
    package init(command: String, options: RunOptions, plan: MemoryEstimate?, resume: Bool = false, staged: Bool = true) throws {
        self.options = options
        // An MPI worker rank (mpirun/srun, rank > 0) writes nothing and says nothing: it waits
        // until rank 0 reaches the study, then computes the units rank 0 hands out.
        let mpiWorker = try !MPIStudyExecutor.join()
        PhaseProgress.current = PhaseProgress(command: command, quiet: options.quiet || mpiWorker)
        var output: OutputDirectory? = nil
        if mpiWorker {
            do { try MPIStudyExecutor.awaitStudy() } catch let s as MPIStopped { throw ExitCode(s.exitCode) }
        } else if options.worker == nil {
            if let plan { try Self.check(plan, command: command, jobs: options.jobs) }
            output = try Self.openOutput(path: options.output, force: options.force, resume: resume, staged: staged)
            journal = try Self.openJournal(options: options, command: command)
            if let warning = StudyRunner.oversubscription(jobs: options.jobs, threads: options.threads) {
                FileHandle.standardError.write(Data("warning: \(warning.commandLine)\n".utf8))
            }
        }
        super.init(command: command, output: output, plan: plan, threadsRequested: options.threads, quiet: options.quiet)
        if options.json { onSummary = { print($0.serialized()) } }
        BLASRuntime.setThreads(options.threads)
    }

    /// Rank 0's journal of an MPI job, or the one --resume continues (``openJournal(options:command:)``).
    private(set) var journal: StudyJournal?

    /// Refuses a plan that does not fit (``StudyRun/checkMemory(_:command:jobs:)``): a
    /// validation error (exit 64) with the estimate.
    package static func check(_ plan: MemoryEstimate, command: String, jobs: Int = 1) throws {
        do { try checkMemory(plan, command: command, jobs: jobs) } catch let e as SolverError {
            throw ValidationError(commandLineMessage(e))
        } catch let e as StudyError {
            throw ValidationError(commandLineMessage(e))
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
            journal?.remove()
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
            warn("--jobs \(options.jobs) has no effect on \(command): its units run in this process")
        }
        if outcome != .done {
            let word = outcome.exitCode == 3 ? "did not converge" : "is not certified"
            warn("the result \(word) (exit \(outcome.exitCode)); it is written to \(options.output), flagged in summary.json \"status\" with the reason")
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
        case SolverError.emptySelection(let message), StudyError.emptySelection(let message): return (message.commandLine, 64)
        case let e as StudyRunnerError: return (e.description, e.exitCode)
        case let e as ValidationError: return (e.message, 64)
        default: return (commandLineMessage(error), 1)
        }
    }

    /// The runner of this run's studies: --jobs worker processes of this executable, progress
    /// per finished unit with the time left.
    var runner: StudyRunner {
        let ctx = self
        var runner = StudyRunner(jobs: options.jobs, launcher: .currentProcess()) { p in
            ctx.progress(p.done, of: p.total, p.kind, secondsPerUnit: p.secondsPerUnit)
        }
        runner.journal = journal
        return runner
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

    /// Runs `study` over its units (``run(_:)``, ``records(of:)``), aggregates the records and
    /// writes `report` of the result (``StudyRun/write(_:)``).
    func run<S: Study>(_ study: S, report: (S.Output) throws -> StudyReport) throws {
        try run { try write(report(study.aggregate(records(of: study)))) }
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

    /// Library messages name parameters as command-line options.
    override package func render(_ message: Message) -> String { message.commandLine }

    /// A duration in words (``StudyProgress/words(_:)``).
    static func duration(_ seconds: Double) -> String { StudyProgress.words(seconds) }

    /// `r007/` for realization 7.
    package static func realizationDirectory(_ r: Int) -> String { StudyReport.realizationDirectory(r) }
}
