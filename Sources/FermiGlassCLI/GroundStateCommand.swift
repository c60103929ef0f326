import ArgumentParser
import FermiGlassIO
import FermiGlassInteracting
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers
import FermiGlassStudies
import Foundation

/// `fermiglass ground-state`: the first-order interacting ground state (the paper's Sec. III-IV,
/// Fig. 2) over a U sweep and disorder realizations, with the stability census.
struct GroundStateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ground-state",
        abstract: "First-order (Eq. 13) ground state of the Hubbard model in a window around E_F: polarized states, census, Fig. 2.",
        discussion: """
            For each realization the single-particle states are computed once and reused for \
            every U. Levels below the window are frozen doubly occupied (their energy and Hartree \
            shift are part of the reported E1), levels above are empty. --algorithm paper is the \
            authors' Monte Carlo (CONVENTIONS.md §2); default is a deterministic local search \
            (sweeps of all single moves, pair moves, seeded restarts), which is also compared \
            with paper on every run (and, should it ever end higher, also started from paper's \
            configuration, so it is never worse; counted in summary.json). Writes summary.json (a `results` entry per U), \
            polarized.csv, occupation_by_level.csv, occupation_vs_xi.csv, fig2b.csv and per \
            realization r###/occupations.npy (U, level, spin), moments.npy (U, site), \
            convergence.csv, census.csv, window_xi.npy.

            Sparse path (--solver shift-invert, or auto above \(GroundStateStudy.autoCrossover) sites, the crossover measured on this pipeline): \
            only the window's eigenpairs are computed (sparse LDL^T + shift-invert Lanczos, \
            inertia-certified), the frozen-core density comes from a Chebyshev expansion \
            (--chebyshev-moments, --probe-spacing; by default above \
            \(GroundStateStudy.sparseProbeThreshold) sites the largest spacing <= 20 dividing both sides), and L_loc is over the window states \
            (summary.json: localization_length_window_states instead of localization_length_all_states, localization_length_states, eigen_path). The physics lives in \
            GroundStateStudy (FermiGlassStudies), shared with `fermiglass sweep`.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var io: RunOptions

    @Option(name: .customLong("U"), parsing: .unconditional, help: "Hubbard U values, comma separated (U < 0 is attractive: --U -1).")
    var uValues: String

    @Option(help: "paper (the authors' Monte Carlo) or default (local search with restarts).")
    var algorithm: String = "default"

    @OptionGroup(title: "Eigensolver (--window levels:K|energy:D, default levels:100)") var solverOptions: SolverOptions

    @Option(help: "Monte Carlo proposals per (realization, U) for the paper algorithm.")
    var proposals: Int = 100_000

    @Option(help: "Restarts (random kicks + local search) of the default minimizer.")
    var restarts: Int = 10

    @Option(help: "Candidate first moves for pair moves in the default minimizer.")
    var pairCandidates: Int = 16

    @Option(help: "Drop chi_ac below this value in the default minimizer's incremental updates (the energy error it causes is reported).")
    var chiThreshold: Double = 1e-9

    @Option(help: "Seed of the Monte Carlo streams (default: the disorder seed).")
    var mcSeed: UInt64?

    @Option(help: "Moment-map threshold: sites with |m_i| above it are counted.")
    var momentThreshold: Double = 0.05

    @Option(help: "Energy bins for occupation_vs_xi.csv.")
    var bins: Int = 40

    @Option(help: "Eigenpairs: full (dsyevd, all states; L_loc over all states) or partial (dsyevr, levels below the window's top only; L_loc over those).")
    var eigen: String = "full"

    @Option(help: "Frozen-core density: dense (exact, from the eigenvectors below the window) or chebyshev (kernel-polynomial, the sparse path; its error against dense is reported).")
    var core: String = "dense"

    @Option(help: "Chebyshev moments for --core chebyshev.")
    var chebyshevMoments: Int = 1000

    @Option(help: "Probe spacing s for --core chebyshev: colours (x mod s, y mod s); 0 = one probe per site (exact diagonal).")
    var probeSpacing: Int = 0

    func validate() throws {
        guard ["dense", "chebyshev"].contains(core) else { throw ValidationError("--core must be dense or chebyshev, got '\(core)'") }
        guard chebyshevMoments >= 2 else { throw ValidationError("--chebyshev-moments must be at least 2") }
        guard probeSpacing >= 0 else { throw ValidationError("--probe-spacing must be non-negative") }
        guard ["paper", "default"].contains(algorithm) else { throw ValidationError("--algorithm must be paper or default, got '\(algorithm)'") }
        guard ["full", "partial"].contains(eigen) else { throw ValidationError("--eigen must be full or partial, got '\(eigen)'") }
        guard proposals >= 0 else { throw ValidationError("--proposals must be non-negative, got \(proposals)") }
        guard restarts >= 0, pairCandidates >= 0 else { throw ValidationError("--restarts and --pair-candidates must be non-negative") }
        guard chiThreshold >= 0, chiThreshold.isFinite else { throw ValidationError("--chi-threshold must be a non-negative number") }
        guard bins > 0 else { throw ValidationError("--bins must be positive") }
        _ = try parsedU()
        if solverOptions.sigma != nil { throw ValidationError("ground-state works in a window around E_F: give --window, not --sigma/--count") }
    }

    func parsedU() throws -> [Double] {
        let us = try parseNumberList(uValues, option: "--U")
        guard Set(us).count == us.count else { throw ValidationError("--U lists a value twice") }
        return us
    }

    /// The study settings from the options.
    func settings(_ spec: ModelSpec) throws -> GroundStateStudy.Settings {
        var s = GroundStateStudy.Settings()
        s.window = fermiWindow()
        s.algorithm = GroundStateStudy.Algorithm(rawValue: algorithm)!
        s.proposals = proposals
        s.restarts = restarts
        s.pairCandidates = pairCandidates
        s.chiThreshold = chiThreshold
        s.seed = mcSeed ?? spec.seed
        s.momentThreshold = momentThreshold
        s.solver = solverOptions.choice(default: .dense)
        s.engine = solverOptions.engineOptions
        s.patches = solverOptions.patchOptions
        s.cache = RunContext.eigenCache
        s.eigen = GroundStateStudy.DenseEigen(rawValue: eigen)!
        s.core = GroundStateStudy.Core(rawValue: core)!
        s.chebyshevMoments = chebyshevMoments
        s.probeSpacing = probeSpacing == 0 ? nil : probeSpacing
        s.progress = { PhaseProgress.current?.report($0, $1, $2) }
        return s
    }

    /// The window: --window (its syntax checked by ``SolverOptions/validate()``), default levels:100.
    func fermiWindow() -> FermiWindow { solverOptions.window.flatMap(FermiWindow.init) ?? .levels(100) }

    func run() throws {
        let spec = try model.resolve(needsFilling: true)
        let us = try parsedU()
        let filling = spec.filling!
        let study = GroundStateStudy(settings: try settings(spec))
        if study.solver(sites: spec.lattice.siteCount) != .dense && (eigen != "full" || core != "dense") {
            FileHandle.standardError.write(Data("note: the sparse path computes the window only and always uses the Chebyshev core; --eigen and --core apply to the dense path\n".utf8))
        }
        let ctx = try RunContext(command: "ground-state", options: io,
                                 plan: study.memoryPlan(lattice: spec.lattice, filling: filling, interactions: us.count))
        let realizations = GroundStateRealizations(study: study, spec: spec, interactions: us, bins: bins, saveDisorder: model.saveDisorder)
        try ctx.run {
            let report = try realizations.aggregate(ctx.records(of: realizations))
            try report.write(to: ctx.output)
            try ctx.writeSummary(report.summary)
        }
    }
}
