import FermiGlassIO
import FermiGlassStudies
import Foundation

extension RunContext {
    /// Seconds between two progress lines inside a long phase (Hartree-Fock iterations,
    /// Chebyshev probes): 5, or FERMIGLASS_PROGRESS_INTERVAL.
    static var progressInterval: Double { PhaseProgress.defaultInterval }

    /// Connects a Hartree-Fock sweep to this run: its checkpoint beside --output
    /// (``HartreeFockCheckpoint``), an iteration line at most every ``progressInterval`` seconds
    /// and a line per finished (realization, U) unless --quiet (per realization with --jobs),
    /// warnings always.
    func attach(_ study: inout HartreeFockStudy) {
        // Worker processes of --jobs write into the same checkpoint (they open no output).
        study.checkpoint = HartreeFockCheckpoint(output: URL(fileURLWithPath: options.output))
        // A new run starts from an empty checkpoint (a --warm-start from the old one has been
        // read already); its workers write into the parent's.
        if options.worker == nil { study.checkpoint?.remove() }
        let total = study.units.count * study.interactions.count
        let state = SweepProgress(context: self, total: total)
        let command = command
        study.hooks.iteration = { r, u, line in state.iteration("realization \(r), U = \(u), \(line)") }
        // (realization, U) counts in one process; with --jobs the runner counts realizations.
        if options.jobs == 1 && options.worker == nil { study.hooks.finished = { _, _ in state.finished() } }
        study.hooks.warning = { FileHandle.standardError.write(Data("[\(command)] \($0)\n".utf8)) }
    }

    /// ``run(_:)`` for a checkpointing sweep: once the output is in place the checkpoint is
    /// removed (a killed or failed run keeps it to continue from).
    func run(checkpoint: HartreeFockCheckpoint?, _ body: () throws -> Void) throws {
        var completed = false
        defer {
            if completed, let output, !FileManager.default.fileExists(atPath: output.url.path) || !output.staged { checkpoint?.remove() }
        }
        try run {
            try body()
            completed = true
        }
    }
}

/// The progress lines of a Hartree-Fock sweep (hooks may be called from the solver's loop).
final class SweepProgress: @unchecked Sendable {
    let context: RunContext
    let total: Int
    private var done = 0
    private var lastLine: ContinuousClock.Instant?
    private let lock = NSLock()

    init(context: RunContext, total: Int) {
        self.context = context
        self.total = total
    }

    func iteration(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        let now = ContinuousClock.now
        if let last = lastLine, now - last < .seconds(RunContext.progressInterval) { return }
        lastLine = now
        context.note(text)
    }

    func finished() {
        lock.lock(); defer { lock.unlock() }
        done += 1
        context.progress(done, of: total, "(realization, U)")
    }
}
