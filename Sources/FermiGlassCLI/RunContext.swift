import ArgumentParser
import FermiGlassIO
import FermiGlassSolvers
import Foundation

/// What every computing command shares: the output directory, the BLAS thread count,
/// progress on stderr, failure handling (no partial output) and the provenance block of
/// summary.json.
final class RunContext {
    let command: String
    let output: OutputDirectory
    let options: RunOptions
    let started = Date()
    /// The eigen cache of a run that composes several commands in one process (`reproduce`):
    /// every request the commands build carries it (nil: no cache).
    nonisolated(unsafe) static var eigenCache: EigenCache?

    /// `staged`: write into a staging directory that replaces --output only when the run
    /// completes (``OutputDirectory``); runs that checkpoint finished results for a later
    /// continuation (hartree-fock, linear-stability) write in place.
    init(command: String, options: RunOptions, resume: Bool = false, staged: Bool = true) throws {
        self.command = command
        self.options = options
        output = try Self.openOutput(path: options.output, force: options.force, resume: resume, staged: staged)
        BLASRuntime.setThreads(options.threads)
    }

    /// The output directory, or the refusal: exit 5 when another process holds its lock
    /// (CONVENTIONS.md §4), a validation error (exit 64) for every other problem.
    static func openOutput(path: String, force: Bool, resume: Bool = false, staged: Bool) throws -> OutputDirectory {
        do {
            return try OutputDirectory(path: path, force: force, resume: resume, staged: staged)
        } catch IOError.locked(let message) {
            FileHandle.standardError.write(Data("error: \(message)\n".utf8))
            throw ExitCode(5)
        } catch let e as IOError {
            throw ValidationError(e.description)
        }
    }

    /// Runs `body`, then moves a staged output into place; on any error removes what this run
    /// wrote, prints the error and exits 1.
    func run(_ body: () throws -> Void) throws {
        do {
            try body()
            try output.commit()
        } catch let e as ValidationError {
            output.abandon()
            throw e
        } catch {
            output.abandon()
            let message = String(describing: error)
            FileHandle.standardError.write(Data("error: \(message)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// The provenance block: what produced this output.
    var provenance: JSON {
        .object([
            ("fermiglass_version", .string(Provenance.version)),
            ("git_commit", .string(Provenance.gitCommit)),
            ("command_line", .array(Provenance.commandLine.map { .string($0) })),
            ("threads", .int(options.threads)),
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
    func writeSummary(_ body: [(String, JSON)], complete: Bool? = nil) throws {
        let state: [(String, JSON)] = complete.map { [("complete", .bool($0))] } ?? []
        let summary = JSON.object([("command", .string(command))] + state + body + [("provenance", provenance)])
        try output.write(json: summary, to: "summary.json")
        if options.json && complete != false { print(summary.serialized()) }
    }

    /// Progress line on stderr: units done, rate, estimated time left.
    func progress(_ done: Int, of total: Int, _ what: String = "realization") {
        let elapsed = Date().timeIntervalSince(started)
        let rate = elapsed / Double(max(done, 1))
        let left = rate * Double(total - done)
        let line = String(format: "[%@] %@ %d/%d done, %.2f s each, about %.0f s left\n", command, what, done, total, rate, left)
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// `r007/` for realization 7.
    static func realizationDirectory(_ r: Int) -> String { String(format: "r%03d", r) }
}
