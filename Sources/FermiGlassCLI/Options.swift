import ArgumentParser
import FermiGlassIO
import FermiGlassModel
import FermiGlassSolvers
import FermiGlassStudies
import Foundation

/// Model options shared by every command that computes (CONVENTIONS.md §1, §4).
package struct ModelOptions: ParsableArguments {
    package init() {}

    @Option(help: ArgumentHelp(
        "Start from a named parameter set; explicit options override it (--preset paper --size 200 keeps the rest).",
        discussion: "paper: t1 = +1, t2 = +0.6, W = 9, mu = 0, 60x60, periodic, filling 5/6 (3000 particles).",
        valueName: "name"))
    package var preset: Preset?

    @Option(help: ArgumentHelp(
        "Lattice size in sites: 60 (60 x 60) or 60x40 (Lx = 60, Ly = 40). Default 20. A periodic direction needs at least 3 sites.",
        valueName: "Lx[xLy]"))
    package var size: String?

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Nearest-neighbour hopping: the matrix element H_ij = t1 (not -t1). Energies are in units of |t1|. Default 1.",
        valueName: "t1"))
    var t1: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Next-nearest-neighbour hopping along both diagonals: the matrix element H_ij = t2. Default 0 (the paper: +0.6).",
        valueName: "t2"))
    var t2: Double?

    @Option(name: .customLong("W"), help: ArgumentHelp(
        "Disorder strength: on-site energies W_i uniform in [-W/2, W/2]. Default 0 (the paper: 9). 'dos' takes a list, e.g. 0,3,6,9,12.",
        valueName: "W"))
    var disorder: String?

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Chemical potential: the diagonal is H_ii = W_i - mu. Default 0.", valueName: "mu"))
    var mu: Double?

    @Option(help: ArgumentHelp(
        "Boundary conditions: periodic (default) or open in both directions, or x,y separately (periodic,open).",
        valueName: "periodic|open"))
    var boundary: String?

    @Option(help: ArgumentHelp(
        "Total particle number N, both spins: even, 0 < N < 2 Lx Ly. Levels 0..<N/2 are doubly occupied.", valueName: "N"))
    var particles: Int?

    @Option(help: ArgumentHelp(
        "Particles per site, 0 < n < 2 (the paper: 5/6 = 0.8333...); N = n Lx Ly rounded to the nearest even integer.",
        valueName: "n"))
    var filling: Double?

    @Option(help: ArgumentHelp(
        "Disorder seed. Default 1. Realization r of seed s is the same lattice in every command and batch.",
        valueName: "s"))
    var seed: UInt64?

    @Option(help: ArgumentHelp("Number of disorder realizations: realizations 0..<R. Default 1.", valueName: "R"))
    var realizations: Int?

    @Option(help: ArgumentHelp(
        "Realizations a..<b, to extend statistics or re-run one realization (3:4 is realization 3 alone).",
        valueName: "a:b"))
    var realizationRange: String?

    @Option(name: .customLong("disorder"), help: ArgumentHelp(
        "Read the on-site energies W_i of one realization from a file instead of drawing them.",
        discussion: ".npy (float64, Lx*Ly values or shape (Ly, Lx)) or text (one number per line, '#' comments), in site order i = x + Lx*y. --W is then only recorded. Example: data/disorder-6x6.txt with --size 6.",
        valueName: "file"))
    var disorderFile: String?

    @Flag(help: "Write the on-site energies of each realization used to r###/disorder.npy.")
    package var saveDisorder: Bool = false

    /// The options as the library's model input (``ModelSpec/Input``).
    var input: ModelSpec.Input {
        var m = ModelSpec.Input()
        (m.preset, m.size, m.t1, m.t2, m.mu, m.disorder, m.boundary) = (preset, size, t1, t2, mu, disorder, boundary)
        (m.particles, m.filling, m.seed, m.realizations) = (particles, filling, seed, realizations)
        (m.realizationRange, m.disorderFile) = (realizationRange, disorderFile)
        return m
    }

    /// The disorder strengths given to --W (one value for most commands).
    func disorderStrengths(default value: Double) throws -> [Double] {
        do { return try input.disorderStrengths(default: value) } catch let e as StudyError { throw ValidationError(commandLineMessage(e)) }
    }

    /// Resolves the options into a ``ModelSpec`` (``ModelSpec/Input/resolve(needsFilling:allowWList:defaultRealizations:)``);
    /// a bad value is a validation error (exit 64) naming its option. `defaultPreset`: the
    /// preset when --preset is not given (the benchmarks run on the paper model).
    package func resolve(needsFilling: Bool, allowWList: Bool = false, defaultRealizations: Int = 1,
                         defaultPreset: Preset? = nil) throws -> ModelSpec {
        var input = self.input
        input.preset = input.preset ?? defaultPreset
        do {
            return try input.resolve(needsFilling: needsFilling, allowWList: allowWList, defaultRealizations: defaultRealizations)
        } catch let e as ModelError {
            throw ValidationError(commandLineMessage(e))
        } catch let e as StudyError {
            throw ValidationError(commandLineMessage(e))
        } catch let e as IOError {
            throw ValidationError(commandLineMessage(e))
        }
    }
}

/// Output and execution options shared by every command that computes.
package struct RunOptions: ParsableArguments {
    package init() {}

    @Option(help: ArgumentHelp(
        "Directory for summary.json, .npy arrays and .csv tables (per-realization files in r000/, r001/, ...). Refused if not empty, unless --force.",
        valueName: "dir"))
    var output: String

    @Flag(help: "Write into a non-empty --output directory (files of the same name are replaced).")
    var force: Bool = false

    @Flag(help: "Also print summary.json to standard output.")
    var json: Bool = false

    @Flag(help: "Continue a run whose MPI job was stopped (a killed rank): the units in <output>.journal are not recomputed; the output equals an uninterrupted run's.")
    var resume: Bool = false

    @Option(help: ArgumentHelp("BLAS threads (per unit with --jobs), recorded in the output. Results are bit-identical for a given count.",
                               valueName: "n"))
    package var threads: Int = 1

    @Option(help: ArgumentHelp(
        "Units (realizations) computed at once, each in a worker process of this program with --threads BLAS threads; the memory is split between them. Results are identical for any --jobs.",
        valueName: "N"))
    var jobs: Int = 1

    @Flag(help: "No progress lines on standard error (errors and warnings are still printed).")
    var quiet: Bool = false

    /// Set by the parent of a --jobs run on the command line of a worker process: compute this
    /// unit and write its record to --worker-record (``StudyWorker``), nothing else.
    @Option(name: .customLong("worker-unit"), help: .hidden)
    var workerUnit: Int?

    @Option(name: .customLong("worker-record"), help: .hidden)
    var workerRecord: String?

    /// Set with --worker-unit on a worker that solves a batch of patches (``PatchUnits``).
    @Option(name: .customLong("worker-patch-job"), help: .hidden)
    var workerPatchJob: String?

    /// The worker's unit and record path, when this process is a --jobs worker.
    var worker: (unit: Int, record: String)? {
        guard let u = workerUnit, let path = workerRecord else { return nil }
        return (u, path)
    }

    package func validate() throws {
        guard threads > 0 else { throw ValidationError("--threads must be positive, got \(threads)") }
        guard jobs > 0 else { throw ValidationError("--jobs must be positive, got \(jobs)") }
        if (workerUnit == nil) != (workerRecord == nil) { throw ValidationError("--worker-unit and --worker-record go together") }
        if jobs > 1, let ranks = MPIRuntime.launcherSize, ranks > 1 {
            throw ValidationError("--jobs \(jobs) under mpirun/srun (\(ranks) ranks): the ranks are the workers; drop --jobs")
        }
    }
}

extension Preset: @retroactive ExpressibleByArgument {}
