import FermiGlassModel
import ArgumentParser
import FermiGlassIO
import FermiGlassSolvers
import FermiGlassStudies
import Foundation

/// `fermiglass sweep CONFIG`: a resumable, shardable parameter sweep.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a resumable sweep over sizes, W, U, fillings and realizations.",
        discussion: """
            CONFIG is a JSON file (see SweepConfig in the documentation, or README.md). Each \
            finished (size, W, filling, realization) unit is appended to results.jsonl at once \
            and results.csv is rebuilt; a killed sweep continues with --resume without repeating \
            or losing a unit. --shard i/n runs every n-th unit (unit k belongs to shard k mod n + 1) \
            so n machines or a job array can split the work; join the shards with `fermiglass merge`.
            """)

    @Argument(help: "The sweep configuration (JSON).")
    var config: String

    @Option(help: "Directory for sweep.json, results.jsonl and results.csv.")
    var output: String

    @Option(help: "Run only shard i of n (1 <= i <= n).")
    var shard: String?

    @Flag(help: "Continue the sweep already in --output.")
    var resume: Bool = false

    @Flag(help: "Start over in a non-empty --output.")
    var force: Bool = false

    @Option(help: "BLAS threads (recorded).")
    var threads: Int = 1

    @Flag(help: "No progress lines on standard error.")
    var quiet: Bool = false

    func validate() throws {
        guard threads > 0 else { throw ValidationError("--threads must be positive, got \(threads)") }
        if resume && force { throw ValidationError("give --resume or --force, not both") }
    }

    func run() throws {
        let cfg: SweepConfig
        let sh: Shard
        do {
            cfg = try SweepConfig.load(path: config)
            sh = try shard.map { try Shard(parsing: $0) } ?? .whole
            try cfg.checkUnits()
        } catch let e as SweepError {
            throw ValidationError(commandLineMessage(e))
        }
        BLASRuntime.setThreads(threads)
        // Under mpirun/srun: rank 0 opens the store and hands out units; the others compute them.
        if try !MPIStudyExecutor.join() {
            let study = SweepStudy(config: cfg, units: cfg.units.filter { sh.contains($0) }.map(\.index)) { unit, method in
                try SweepMeasurements.compute(unit, config: cfg, method: method)
            }
            do {
                try MPIStudyExecutor.awaitStudy()
                try MPIStudyExecutor.serve(study) { (commandLineMessage($0), 1) }
            } catch let s as MPIStopped { throw ExitCode(s.exitCode) }
        }
        let started = Date()
        let provenance = { Provenance.sweep(threads: threads) }
        do {
            let store = try ResultsStore(directory: output, config: cfg, shard: sh, resume: resume, force: force, provenance: provenance())
            var runner = SweepRunner(config: cfg, shard: sh, store: store) { unit, method in
                try SweepMeasurements.compute(unit, config: cfg, method: method)
            }
            if MPIStudyExecutor.hasWorkers {  // what rank 0 says when mpirun stops the job
                let out = output
                runner.inFlight = { running, describe, done, total in
                    let lost = running.isEmpty ? "no unit was in progress"
                        : "lost with it: " + running.prefix(20).map { "\(describe($0.unit)) (rank \($0.rank))" }.joined(separator: ", ")
                    StopReport.set("error: the MPI job was stopped (a rank ended or was killed; see mpirun's message); \(lost); "
                                   + "\(done) of \(total) units are in \(out)/results.jsonl: run the same command with --resume to finish without recomputing them\n")
                }
                StopReport.install()
            }
            var computedNow = 0
            runner.progress = { done, total, seconds in
                computedNow += 1
                guard !quiet else { return }
                let elapsed = Date().timeIntervalSince(started)
                let left = done < total ? ", about \(RunContext.duration(elapsed / Double(computedNow) * Double(total - done))) left" : ""
                FileHandle.standardError.write(Data("[sweep] unit \(done)/\(total) done (\(RunContext.duration(seconds))\(left))\n".utf8))
            }
            let (computed, skipped) = try runner.run(provenance: provenance)
            if !quiet { FileHandle.standardError.write(Data("[sweep] finished: \(computed) units computed, \(skipped) already done, shard \(sh)\n".utf8)) }
        } catch let e as SweepError {
            throw ValidationError(commandLineMessage(e))
        } catch IOError.locked(let message) {
            FileHandle.standardError.write(Data("error: \(message.commandLine)\n".utf8))
            throw ExitCode(5)
        } catch {
            FileHandle.standardError.write(Data("error: \(commandLineMessage(error))\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// `fermiglass merge OUT SHARD...`: joins the shards of one sweep.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the shard directories of one sweep; refuses duplicates and mismatched configurations.")

    @Option(help: "Directory for the merged sweep.")
    var output: String

    @Flag(help: "Write into a non-empty --output.")
    var force: Bool = false

    @Flag(help: "Merge an incomplete set of shards (a shard missing or unfinished); sweep.json lists the missing units, and `sweep CONFIG --output DIR --resume` computes them.")
    var allowIncomplete: Bool = false

    @Argument(help: "Shard directories (each written by `fermiglass sweep --shard i/n`).")
    var shards: [String]

    func run() throws {
        do {
            let (n, missing) = try ResultsStore.merge(shards: shards, into: output, force: force, allowIncomplete: allowIncomplete)
            FileHandle.standardError.write(Data("[merge] \(n) units from \(shards.count) shards into \(output)\n".utf8))
            if !missing.isEmpty {
                FileHandle.standardError.write(Data("warning: \(missing.count) units are missing (listed in \(output)/sweep.json); `fermiglass sweep CONFIG --output \(output) --resume` computes them\n".utf8))
            }
        } catch let e as SweepError {
            throw ValidationError(commandLineMessage(e))
        } catch IOError.locked(let message) {
            FileHandle.standardError.write(Data("error: \(message.commandLine)\n".utf8))
            throw ExitCode(5)
        } catch let e as IOError {
            throw ValidationError(commandLineMessage(e))
        }
    }
}
