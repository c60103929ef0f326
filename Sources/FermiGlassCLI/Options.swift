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

    /// The disorder strengths given to --W (one value for most commands).
    func disorderStrengths(default value: Double) throws -> [Double] {
        guard let text = disorder else { return [value] }
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        var out = [Double]()
        for p in parts {
            guard let v = Double(p), v.isFinite else { throw ValidationError("--W: '\(p)' is not a finite number") }
            guard v >= 0 else { throw ValidationError("--W must be non-negative, got \(v)") }
            out.append(v)
        }
        guard !out.isEmpty else { throw ValidationError("--W is empty") }
        return out
    }

    /// Resolves the options into a ``ModelSpec``. `needsFilling`: the command needs N.
    /// `allowWList`: --W may list several values (the spec gets the first).
    /// `defaultRealizations`: R when neither --realizations nor --realization-range is given.
    package func resolve(needsFilling: Bool, allowWList: Bool = false, defaultRealizations: Int = 1) throws -> ModelSpec {
        var lx = 20, ly = 20
        var params = ModelParameters(t1: 1, t2: 0, disorderStrength: 0, mu: 0)
        var fillingDefault: Double? = nil
        var bx = Boundary.periodic, by = Boundary.periodic
        if let p = preset {
            lx = p.lx; ly = p.ly; params = p.parameters; bx = p.boundary; by = p.boundary
            fillingDefault = p.filling
        }
        if let s = size { (lx, ly) = try Self.parseSize(s) }
        if let v = t1 { params.t1 = v }
        if let v = t2 { params.t2 = v }
        if let v = mu { params.mu = v }
        let ws = try disorderStrengths(default: params.disorderStrength)
        if ws.count > 1 && !allowWList { throw ValidationError("--W takes one value for this command, got \(ws.count)") }
        params.disorderStrength = ws[0]
        if let b = boundary { (bx, by) = try Self.parseBoundary(b) }
        for (name, v) in [("--t1", params.t1), ("--t2", params.t2), ("--mu", params.mu)] where !v.isFinite {
            throw ValidationError("\(name) must be a finite number, got \(v)")
        }
        let lattice: Lattice
        do { lattice = try Lattice(lx: lx, ly: ly, boundaryX: bx, boundaryY: by) } catch let e as ModelError {
            throw ValidationError("--size: \(commandLineMessage(e))")
        }
        var filling: Filling? = nil
        if particles != nil && self.filling != nil { throw ValidationError("give either --particles or --filling, not both") }
        do {
            if let n = particles {
                filling = try Filling(particles: n, siteCount: lattice.siteCount)
            } else if let f = self.filling ?? fillingDefault {
                filling = try Filling(filling: f, siteCount: lattice.siteCount)
            }
        } catch let e as ModelError {
            throw ValidationError(commandLineMessage(e))
        }
        if needsFilling && filling == nil {
            throw ValidationError("this command needs a filling: give --particles N or --filling n (or --preset paper)")
        }
        var reals: [Int]
        if realizations != nil && realizationRange != nil {
            throw ValidationError("give either --realizations or --realization-range, not both")
        }
        if let r = realizationRange {
            let parts = r.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a >= 0 else {
                throw ValidationError("--realization-range must be a:b with 0 <= a, got '\(r)'")
            }
            guard b > a else { throw ValidationError("--realization-range \(r) is empty") }
            reals = Array(a..<b)
        } else {
            let r = realizations ?? defaultRealizations
            guard r > 0 else { throw ValidationError("--realizations must be positive, got \(r)") }
            reals = Array(0..<r)
        }
        if let path = disorderFile {
            guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("disorder file \(path) does not exist") }
        }
        do {
            let spec = try ModelSpec(lattice: lattice, parameters: params, filling: filling, seed: seed ?? 1,
                                     realizations: reals, disorderFile: disorderFile, preset: preset?.rawValue)
            if disorderFile != nil { _ = try spec.model(realization: reals[0]) }  // check the file now
            return spec
        } catch let e as ModelError {
            throw ValidationError(commandLineMessage(e))
        } catch let e as IOError {
            throw ValidationError(commandLineMessage(e))
        }
    }

    static func parseSize(_ s: String) throws -> (Int, Int) {
        let parts = s.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let a = Int(parts[0]), let b = Int(parts.last!) else {
            throw ValidationError("--size must be L or LxxLy (e.g. 60 or 60x40), got '\(s)'")
        }
        guard a > 0, b > 0 else { throw ValidationError("--size must be positive, got '\(s)'") }
        return (a, b)
    }

    static func parseBoundary(_ s: String) throws -> (Boundary, Boundary) {
        let parts = s.split(separator: ",").map { String($0) }
        let bs = try parts.map { p -> Boundary in
            guard let b = Boundary(rawValue: p) else { throw ValidationError("--boundary must be periodic or open (or x,y), got '\(s)'") }
            return b
        }
        guard (1...2).contains(bs.count) else { throw ValidationError("--boundary must be periodic or open (or x,y), got '\(s)'") }
        return (bs[0], bs.last!)
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
