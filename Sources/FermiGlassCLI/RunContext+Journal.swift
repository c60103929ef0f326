import ArgumentParser
import FermiGlassIO
import FermiGlassSolvers
import FermiGlassStudies
import Foundation

extension RunContext {
    /// The flags that change no result: a journal of a run with them is continued without them.
    static let resultNeutralFlags: Set<String> = ["--resume", "--force", "--quiet", "--json"]

    /// Rank 0's journal of an MPI job (``StudyJournal``, `<output>.journal` beside --output),
    /// or the journal a `--resume` continues (under mpirun, with --jobs or in this process);
    /// nil otherwise. Opened after the output (whose lock covers it).
    static func openJournal(options: RunOptions, command: String) throws -> StudyJournal? {
        guard MPIStudyExecutor.hasWorkers || options.resume else { return nil }
        let journal: StudyJournal
        do {
            journal = try StudyJournal(output: options.output, identity: StudyJournal.identity(arguments: Array(Provenance.commandLine.dropFirst()), ignoring: resultNeutralFlags),
                                       resume: options.resume)
        } catch let e as StudyJournalError {
            throw ValidationError(commandLineMessage(e))
        }
        let quiet = options.quiet
        var first = true
        let underMPI = MPIStudyExecutor.hasWorkers
        journal.onChange = { [unowned journal] inFlight, finished, total in
            if first {
                first = false
                if journal.resuming && !quiet {
                    let lost = journal.lost.isEmpty ? "none was lost" : "lost when the job stopped, computed again: \(journal.describe(journal.lost))"
                    FileHandle.standardError.write(Data("[\(command)] resuming from \(journal.directory.path): \(journal.reused.count) of \(total) finished earlier, not recomputed; \(lost)\n".utf8))
                }
            }
            if underMPI { StopReport.set(journal.stopMessage(inFlight: inFlight, finished: finished, total: total).commandLine) }
        }
        if underMPI { StopReport.install() }
        return journal
    }
}

/// The message rank 0 prints when mpirun stops the job (it sends SIGTERM to every rank when one
/// rank dies): which units were lost and how to continue. Kept ready in two fixed buffers
/// (written by the journal, read by the signal handler, which may only call write(2) and _exit).
enum StopReport {
    static let capacity = 8192
    nonisolated(unsafe) static let slots = UnsafeMutablePointer<UInt8>.allocate(capacity: 2 * capacity)
    nonisolated(unsafe) static let lengths: UnsafeMutablePointer<Int> = {
        let p = UnsafeMutablePointer<Int>.allocate(capacity: 3)
        p.initialize(repeating: 0, count: 3)  // [length 0, length 1, active slot]
        return p
    }()

    /// The message the handler will print (the slot not in use is filled, then made active).
    static func set(_ text: String) {
        let next = 1 - lengths[2]
        let bytes = Array(text.utf8.prefix(capacity))
        bytes.withUnsafeBufferPointer { (slots + next * capacity).update(from: $0.baseAddress!, count: bytes.count) }
        lengths[next] = bytes.count
        lengths[2] = next
    }

    /// SIGTERM (mpirun ending the job): print the message, end with 128 + 15.
    static func install() {
        _ = slots; _ = lengths
        signal(SIGTERM) { sig in
            let active = StopReport.lengths[2]
            _ = write(STDERR_FILENO, StopReport.slots + active * StopReport.capacity, StopReport.lengths[active])
            _exit(128 + sig)
        }
    }
}
