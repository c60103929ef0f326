import ArgumentParser
import FermiGlassIO
import FermiGlassModel
import FermiGlassSolvers
import FermiGlassStudies
import Foundation

/// The `fermiglass` command-line tool.
public struct FermiGlassCommand: ParsableCommand {
    /// Subcommands the executable adds after the physics ones: the benchmarks (`dense-benchmark`,
    /// `bench`, target FermiGlassBenchCommands), which build on this target's options and run
    /// context and so cannot be named here. Set once, before ``main()``.
    nonisolated(unsafe) public static var benchmarkSubcommands: [any ParsableCommand.Type] = []

    public static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "fermiglass",
        abstract: "Near-Fermi eigenstates, localization and interaction instabilities of disordered lattices.",
        discussion: """
            Implements and scales up Lau & Ng, "Intrinsic instabilities in Fermi glasses", \
            PRB 110, 075153 (2024). The model is the t-t'-W Hubbard model on an Lx x Ly square \
            lattice (t1, t2 are hopping matrix elements; energies in units of t1, lengths in \
            lattice constants). `--preset paper` selects the paper's parameters: t1 = +1, \
            t2 = +0.6, W = 9, 60 x 60, periodic, filling 5/6.

            Every computing command writes summary.json, .npy arrays and .csv tables into \
            --output DIR (refused if non-empty unless --force).
            """,
        version: "\(Provenance.version) (git commit \(Provenance.gitCommit))",
        subcommands: [
            SpectrumCommand.self,
            LocalizationCommand.self,
            DOSCommand.self,
            MatrixElementsCommand.self,
            GroundStateCommand.self,
            HartreeFockCommand.self,
            LinearStabilityCommand.self,
            SweepCommand.self,
            MergeCommand.self,
            ScalingCommand.self,
            ReproduceCommand.self,
        ] + benchmarkSubcommands)
    }

    public init() {}

    /// Parses and runs the command line; a first argument that is not a subcommand (a typo such
    /// as `spectum`) is refused naming the nearest subcommand, instead of the parser's
    /// complaint about the option that follows it.
    public static func main() {
        if let message = unknownSubcommand(Array(CommandLine.arguments.dropFirst())) {
            FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
            Foundation.exit(64)
        }
        if let rank = MPIRuntime.launcherRank, (MPIRuntime.launcherSize ?? 2) > 1 {
            mainUnderMPI(rank: rank)
        }
        do {
            var command = try parseAsRoot(nil)
            try command.run()
        } catch let error as ParameterAdvising {
            // A library error that escaped a command: its advice in command-line words.
            exit(withError: CommandLineError(description: commandLineMessage(error)))
        } catch {
            exit(withError: error)
        }
    }

    /// Under mpirun/srun every rank runs the same command line; rank 0 alone reports (bad input
    /// once, with every rank ending on the same non-zero code) and writes, and when it stops it
    /// releases the ranks still waiting for units with its exit code (``MPIStudyExecutor``).
    static func mainUnderMPI(rank: Int) -> Never {
        if rank != 0 {  // a worker rank's errors reach rank 0 as records; the rest repeats rank 0's
            let null = open("/dev/null", O_WRONLY)
            if null >= 0 { dup2(null, STDERR_FILENO); close(null) }
        }
        do {
            var command = try parseAsRoot(nil)
            try command.run()
        } catch {
            // Refused before MPI started (the same bad option on every rank): a worker rank
            // gives rank 0 time to say so before mpirun, seeing a rank end, stops the job.
            if rank != 0 && !MPIStudyExecutor.isWorker { sleep(5) }
            MPIStudyExecutor.release(exitCode: exitCode(for: error).rawValue)
            exit(withError: (error as? ParameterAdvising).map { CommandLineError(description: commandLineMessage($0)) } ?? error)
        }
        MPIStudyExecutor.release(exitCode: 0)
        exit()
    }

    /// The refusal for a first argument that is not a subcommand, or nil.
    static func unknownSubcommand(_ arguments: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-") else { return nil }
        let names = configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"]
        guard !names.contains(first) else { return nil }
        let nearest = names.min { editDistance($0, first) < editDistance($1, first) }!
        return "unknown command '\(first)'" + (editDistance(nearest, first) <= 3 ? "; did you mean '\(nearest)'?" : "")
            + " Commands: \(names.filter { $0 != "help" }.joined(separator: ", "))."
    }

    /// Levenshtein distance.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let old = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = old
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}
