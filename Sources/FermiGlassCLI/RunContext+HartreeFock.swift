import FermiGlassIO
import FermiGlassInteracting
import FermiGlassModel
import FermiGlassStudies
import Foundation

extension RunContext {
    /// Seconds between two progress lines inside a long phase (Hartree-Fock iterations,
    /// Chebyshev probes): 5, or FERMIGLASS_PROGRESS_INTERVAL.
    static let progressInterval: Double = ProcessInfo.processInfo.environment["FERMIGLASS_PROGRESS_INTERVAL"].flatMap(Double.init) ?? 5

    /// Solves Hartree-Fock for every realization of `spec` and every U of `us` in turn, each U
    /// warm-started from the previous U's converged densities (the first U from `initial` when
    /// given; a non-converged U resets the warm start), with progress on stderr. `converged`
    /// gets (realization, U, H0, the output sub-directory, the result, seconds of the solve);
    /// `failed` gets the typed error after it has been reported on stderr; `checkpoint` runs
    /// after either, so that a killed sweep keeps what finished. `bothDirections`: then back
    /// down, each U refined from the U above it (``HartreeFock/refine(_:neighbour:h0:particles:options:store:progress:snapshot:)``),
    /// and the U's of a realization are reported after that. `stores(dir)`: the start store
    /// of the (realization, U) whose output folder is `dir` (a search runs in parts).
    func forEachHartreeFock(_ spec: ModelSpec, us: [Double], template: HartreeFockOptions,
                            initial: (up: [Double], down: [Double])? = nil, saveDisorder: Bool = false,
                            bothDirections: Bool = false, stores: ((String) -> HartreeFockStartStore)? = nil,
                            checkpoint: () throws -> Void,
                            _ converged: (Int, Double, CSRMatrix, String, HartreeFockResult, Double) throws -> Void,
                            failed: (Int, Double, HartreeFockError) throws -> Void) throws {
        let particles = spec.filling!.particles
        let deferred = bothDirections && us.count > 1
        let total = spec.realizations.count * (deferred ? 2 * us.count - 1 : us.count)
        var done = 0
        for r in spec.realizations {
            let m = try spec.model(realization: r)
            let h0 = m.hamiltonian()
            if saveDisorder { try output.write(npy: m.onsiteEnergies, to: "\(Self.realizationDirectory(r))/disorder.npy") }
            var previous = initial
            // With bothDirections the U's are reported after the way back down (which may
            // lower them); otherwise each as soon as it is done.
            var pending: [(u: Double, dir: String, result: HartreeFockResult, seconds: Double)?] = []
            func report(_ k: Int) throws {
                guard let p = pending[k] else { return }
                try converged(r, p.u, h0, p.dir, p.result, p.seconds)
                let identity = SelfConsistencyOptions.identity(spec, realization: r)
                try output.write(json: identity, to: p.dir + "/lattice.json")
                if spec.realizations.count == 1 && us.count == 1 { try output.write(json: identity, to: "lattice.json") }
                try output.removeDirectory(p.dir + "/partial")
                try checkpoint()
            }
            for u in us {
                var o = template
                o.U = u
                let clock = ContinuousClock(), t0 = clock.now
                let dir = SelfConsistencyOptions.directory(realization: r, U: u, single: us.count == 1)
                let partial = dir + "/partial"
                let saver = SnapshotWriter(output: output, directory: partial, command: command,
                                           identity: SelfConsistencyOptions.identity(spec, realization: r))
                do {
                    let result = try HartreeFock.solve(h0: h0, particles: particles, options: o, initial: previous,
                                                       store: stores?(dir), progress: throttled(r, u), snapshot: { saver.save($0) })
                    previous = (result.up.density, result.down.density)
                    pending.append((u, dir, result, (clock.now - t0).seconds))
                    if !deferred { try report(pending.count - 1) }
                } catch let e as HartreeFockError {
                    pending.append(nil)
                    FileHandle.standardError.write(Data("[\(command)] realization \(r), U = \(u): \(commandLineMessage(e))\n".utf8))
                    flagUnconverged("realization \(r), U = \(u): \(commandLineMessage(e))")
                    if saver.saved {
                        FileHandle.standardError.write(Data("[\(command)] its last densities are in \(output.file(partial).path): --resume with the same options reruns the search, restoring its finished starts from \(dir)/starts; --warm-start there (with --starts 0) continues only the start that was running, which need not end where the whole search would\n".utf8))
                    }
                    try failed(r, u, e)
                    previous = nil
                    try checkpoint()
                }
                done += 1
                progress(done, of: total, "(realization, U)")
            }
            guard deferred else { continue }
            // Back down: each U also started from the kept state of the U above it.
            for k in stride(from: us.count - 2, through: 0, by: -1) {
                if let above = pending[k + 1], var p = pending[k] {
                    let clock = ContinuousClock(), t0 = clock.now
                    do {
                        var o = template
                        o.U = p.u
                        p.result = try HartreeFock.refine(p.result, neighbour: above.result, h0: h0, particles: particles, options: o,
                                                          store: stores?(p.dir), progress: throttled(r, p.u))
                        p.seconds += (clock.now - t0).seconds
                        pending[k] = p
                    } catch let e as HartreeFockError {
                        note("realization \(r), U = \(p.u): the start from U = \(above.u) failed (\(commandLineMessage(e))); the upward result stands")
                    }
                }
                done += 1
                progress(done, of: total, "(realization, U)")
            }
            for k in 0..<us.count { try report(k) }
        }
    }

    /// One iteration line at most every `progressInterval` seconds (and none with --quiet).
    private func throttled(_ r: Int, _ u: Double) -> (String) -> Void {
        let clock = ContinuousClock()
        var lastLine: ContinuousClock.Instant?
        return { line in
            let now = clock.now
            if let last = lastLine, now - last < .seconds(Self.progressInterval) { return }
            lastLine = now
            self.note("realization \(r), U = \(u), \(line)")
        }
    }
}

/// Saves the densities of a running HF loop to DIR/.../partial (density_up.npy,
/// density_down.npy, progress.json) at most every `interval` seconds (the first at once), so
/// that a killed or unconverged run can be continued with `--warm-start DIR/.../partial`. The
/// directory is removed when the (realization, U) converges.
final class SnapshotWriter {
    let output: OutputDirectory
    let directory: String
    let command: String
    let interval: Duration
    private var last: ContinuousClock.Instant? = nil
    private var warned = false
    private(set) var saved = false

    let identity: JSON

    init(output: OutputDirectory, directory: String, command: String, identity: JSON, interval: Duration = .seconds(10)) {
        self.identity = identity
        self.output = output
        self.directory = directory
        self.command = command
        self.interval = interval
    }

    func save(_ s: HartreeFockSnapshot) {
        let now = ContinuousClock.now
        if let l = last, now - l < interval { return }
        last = now
        do {
            try output.write(npy: s.up, to: directory + "/density_up.npy")
            try output.write(npy: s.down, to: directory + "/density_down.npy")
            try output.write(json: identity, to: directory + "/lattice.json")
            try output.write(json: .object([("iteration", .int(s.iteration)), ("density_residual", .number(s.residual)),
                                            ("energy", .number(s.energy))]), to: directory + "/progress.json")
            saved = true
        } catch {
            if !warned {
                warned = true
                FileHandle.standardError.write(Data("[\(command)] warning: cannot save the running densities: \(commandLineMessage(error))\n".utf8))
            }
        }
    }
}
