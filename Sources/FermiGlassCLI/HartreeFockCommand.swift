import ArgumentParser
import FermiGlassIO
import FermiGlassInteracting
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers
import FermiGlassStudies
import Foundation

/// Self-consistency options shared by `hartree-fock` and `linear-stability`.
struct SelfConsistencyOptions: ParsableArguments {
    @Option(name: .customLong("U"), parsing: .unconditional,
            help: "Hubbard U (units of t1); a comma list runs each value, warm-starting from the previous one (U < 0: --U -1).")
    var u: String

    @Option(help: ArgumentHelp("Mixing scheme: anderson (default), linear, oda (optimal damping: exact line search on the HF energy, which never rises), or ediis (energy-DIIS: exact minimum of the HF energy over the last --mixing-history outputs and the current state).",
                               discussion: "oda (Cances-Le Bris) is for fillings where anderson wanders: at W = 9 and U >= 1 on 60 x 60, localized levels at E_F trade places between iterations. It ignores --mixing-beta and --mixing-history (maximum-overlap fallbacks use the default Anderson mixing) and runs the aufbau for the whole --max-iterations. ediis does the same with --mixing-history (1-11) states: it moves many slowly settling moments at once where oda creeps."))
    var mixing: String = "anderson"

    @Option(help: "Mixing parameter beta in (0, 1] (default 0.5).")
    var mixingBeta: Double = 0.5

    @Option(help: "Anderson history length (default 8).")
    var mixingHistory: Int = 8

    @Option(help: "oda, ediis: hand over to Anderson mixing below this density residual (default 1e-4).")
    var handover: Double = HartreeFockOptions.dampingHandover

    @Option(help: "Converged when max |n_out - n_in| is at most this (default 1e-9) ...")
    var densityTolerance: Double = 1e-9

    @Option(help: "... and the total energy changes by at most this between iterations (default 1e-9).")
    var energyTolerance: Double = 1e-9

    @Option(help: "Maximum self-consistency iterations per start (default 500).")
    var maxIterations: Int = 500

    @Flag(help: "Diagonalize only the needed levels (dsyevr) at each iteration instead of all (dsyevd, the default and faster as measured); for timing comparisons.")
    var partialDiagonalization: Bool = false

    @Option(help: ArgumentHelp("Start the first U from the densities of an earlier hartree-fock run: the directory holding its density_up.npy and density_down.npy (e.g. out/r000/U0.5). One realization only.",
                               discussion: "To continue a U sweep that was stopped, or to go on to larger U from a converged solution. In free mode this start is used besides --starts random ones (--starts 0: alone)."))
    var warmStart: String?

    @Flag(help: "Automatic occupation: give a stalled aufbau its whole budget of 80 iterations and restart the fallback from the start, instead of stopping at the stall and continuing from its best densities (the earlier behaviour, for comparison).")
    var fullAufbauBudget: Bool = false

    func values() throws -> [Double] { try parseNumberList(u, option: "--U") }

    func options(U: Double, mode: HartreeFockMode) throws -> HartreeFockOptions {
        var o = HartreeFockOptions(U: U, mode: mode)
        guard mixingBeta > 0, mixingBeta <= 1 else { throw ValidationError("--mixing-beta must be in (0, 1], got \(mixingBeta)") }
        switch mixing {
        case "anderson":
            guard mixingHistory >= 1 else { throw ValidationError("--mixing-history must be at least 1, got \(mixingHistory)") }
            o.mixing = .anderson(history: mixingHistory, beta: mixingBeta)
        case "linear": o.mixing = .linear(beta: mixingBeta)
        case "oda": o.mixing = .optimalDamping
        case "ediis":
            guard (1...11).contains(mixingHistory) else { throw ValidationError("--mixing-history must be in 1...11 for ediis, got \(mixingHistory)") }
            o.mixing = .energyDIIS(history: mixingHistory)
        default: throw ValidationError("--mixing must be anderson, linear, oda or ediis, got '\(mixing)'")
        }
        guard densityTolerance > 0, energyTolerance > 0 else { throw ValidationError("tolerances must be positive") }
        guard maxIterations > 0 else { throw ValidationError("--max-iterations must be positive, got \(maxIterations)") }
        guard handover.isFinite, handover > 0 else { throw ValidationError("--handover must be positive, got \(handover)") }
        o.handover = handover
        o.densityTolerance = densityTolerance
        o.energyTolerance = energyTolerance
        o.maxIterations = maxIterations
        o.partialDiagonalization = partialDiagonalization
        o.stopStalledAufbau = !fullAufbauBudget
        return o
    }

    /// The densities (n_up, n_dn) of --warm-start, checked against the lattice (its
    /// lattice.json, ``HartreeFockStudy/identity(_:realization:)``): nil without it.
    func warmStartDensities(_ spec: ModelSpec) throws -> SpinDensities? {
        guard let warmStart else { return nil }
        let realizations = spec.realizations.count
        guard realizations == 1 else {
            throw ValidationError("--warm-start needs a single realization (e.g. --realization-range 2:3), got \(realizations)")
        }
        do {
            let (densities, warning) = try SpinDensities.load(from: warmStart, for: spec, realization: spec.realizations[0])
            if let w = warning { FileHandle.standardError.write(Data("warning: --warm-start: \(w)\n".utf8)) }
            return densities
        } catch let e as StudyError {
            throw ValidationError("--warm-start: \(commandLineMessage(e))")
        }
    }
}

/// `fermiglass hartree-fock`: unrestricted collinear HF of the Hubbard model.
struct HartreeFockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hartree-fock",
        abstract: "Self-consistent unrestricted Hartree-Fock of the disordered Hubbard model (paper Eqs. 5-6, 14, A1).",
        discussion: """
            H_s = H0 + U diag(<n_i,-s>) at fixed particle number, Anderson-mixed to self-consistency. \
            --mode paramagnetic imposes <n_up> = <n_dn>; --mode free starts from --starts seeded random \
            moment patterns (plus the previous U's solution in a --U list) and keeps the lowest energy; \
            the spin split N_up is free (aufbau over both spins; if that has no fixed point, fixed \
            splits around the last one are tried) unless --spin-up fixes it. \
            E_HF = sum_occ <H0> + U sum_i n_up n_dn of the output determinant (its variational energy), \
            checked against sum_occ E_as - U sum_i n_up n_dn. Every kept state gets the lowest eigenvalue \
            of its collinear orbital Hessian (hessian_min_eigenvalue; negative: a saddle); in free mode \
            each start is also run along --mode-starts leading modes of the U = 0 susceptibility, and a \
            start that ends on a saddle is displaced along its negative mode and descended with optimal \
            damping until it is a minimum; the distinct minima and the starts that reached the lowest are \
            reported. An unconverged (realization, U) exits 3 unless --allow-unconverged. \
            Writes per realization and U, r###/U<value>/ (also for a single U): moments.npy (m_i = n_up - n_dn), \
            density_up.npy, density_down.npy, eigenvalues_up.npy, eigenvalues_down.npy, \
            near_fermi.csv (IPR and U IPR of the HF orbitals near E_F); hartree_fock.csv at the top. \
            Results appear under --output when the run completes; meanwhile, and after a kill, \
            <output>.checkpoint/r###/U<value>/ holds each converged U's densities, the running U's \
            partial/ densities (for --warm-start) and the finished starts of its search (starts/, for --resume).
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var io: RunOptions
    @OptionGroup var scf: SelfConsistencyOptions

    @Option(help: "paramagnetic or free (default free).")
    var mode: String = "free"

    @Option(help: "Free mode: number of seeded random starts per U besides the warm start (the previous U's solution or --warm-start), default 4; 0: the warm start alone where there is one, one random start where not.")
    var starts: Int = 4

    @Option(help: "Free mode: amplitude a of the initial moments, uniform in [-a, a] in units of the largest possible (default 0.5).")
    var initialMoment: Double = 0.5

    @Option(help: "Free mode: fix N_up (default: free spin split).")
    var spinUp: Int?

    @Option(help: "Free mode: annealing temperatures before the T = 0 iterations, e.g. 1,0.5,0.25,0.1 (default none).")
    var anneal: String?

    @Option(help: "Sites with |m_i| above this count as moment-carrying (default 0.1).")
    var momentThreshold: Double = 0.1

    @Option(help: "HF orbitals on each side of E_F, per spin, in near_fermi.csv (default 20).")
    var nearFermi: Int = 20

    @Option(help: "Seed of the random initial moments (default 1).")
    var startSeed: UInt64 = 1

    @Option(help: "Free mode: extra starts along the leading eigenvectors of the U = 0 spin susceptibility Pi_0 (default 4; 0: none).")
    var modeStarts: Int = 4

    @Option(help: "Free mode: extra starts from the first-order ground state's occupations of H0's levels (default 1; further ones with random spin orientations).")
    var firstOrderStarts: Int = 1

    @Flag(inversion: .prefixedNo, help: "Compute the lowest eigenvalue of the collinear orbital Hessian of every kept state and, in free mode, follow negative modes of every start down to a minimum (default on).")
    var stability: Bool = true

    @Option(help: "Free mode: basin hops after the starts: each kicks the lowest minimum so far locally (reverses a moment cluster; moves one particle between HF orbitals near E_F, in one spin or with a spin flip; or redraws the moments within two bonds of a site) and descends to a minimum again, kept when lower (default: 16 on lattices of up to 256 sites, where a glassy landscape has many minima and a hop is cheap; 0 above, and 0 with --starts 0).")
    var hops: Int?

    @Option(help: "Free mode with a --U list: up (each U warm-started from the previous one) or both (then back down, each U also started from the U above it, also with --starts 0; default).")
    var sweep: String = "both"

    @Flag(help: "Exit 0 even when some (realization, U) did not converge (default: exit 3, with the output written).")
    var allowUnconverged: Bool = false

    func run() throws {
        let spec = try model.resolve(needsFilling: true)
        guard let hfMode = HartreeFockMode(rawValue: mode) else { throw ValidationError("--mode must be paramagnetic or free, got '\(mode)'") }
        guard starts >= 0 else { throw ValidationError("--starts must be non-negative, got \(starts)") }
        guard momentThreshold >= 0, momentThreshold.isFinite else { throw ValidationError("--moment-threshold must be non-negative") }
        guard nearFermi >= 1 else { throw ValidationError("--near-fermi must be at least 1") }
        guard initialMoment >= 0, initialMoment <= 1 else { throw ValidationError("--initial-moment must be in [0, 1]") }
        if spinUp != nil && hfMode != .free { throw ValidationError("--spin-up needs --mode free") }
        let temperatures = try anneal.map { text in
            try text.split(separator: ",").map { p -> Double in
                guard let v = Double(p.trimmingCharacters(in: .whitespaces)), v.isFinite, v > 0 else {
                    throw ValidationError("--anneal: '\(p)' is not a positive temperature")
                }
                return v
            }
        } ?? []
        let us = try scf.values()
        var template = try scf.options(U: us[0], mode: hfMode)
        template.starts = starts
        template.seed = startSeed
        template.initialMomentAmplitude = initialMoment
        template.spinUp = spinUp
        template.annealing = temperatures
        guard modeStarts >= 0 else { throw ValidationError("--mode-starts must be non-negative, got \(modeStarts)") }
        template.susceptibilityStarts = modeStarts
        guard firstOrderStarts >= 0 else { throw ValidationError("--first-order-starts must be non-negative, got \(firstOrderStarts)") }
        template.firstOrderStarts = firstOrderStarts
        template.stability = stability
        let hops = self.hops ?? (starts == 0 ? 0 : HartreeFockOptions.defaultHops(sites: spec.lattice.siteCount))
        guard hops >= 0 else { throw ValidationError("--hops must be non-negative, got \(hops)") }
        template.hops = hops
        do { try template.validate(sites: spec.lattice.siteCount, particles: spec.filling!.particles) } catch let e as HartreeFockError {
            throw ValidationError(commandLineMessage(e))
        }
        guard ["up", "both"].contains(sweep) else { throw ValidationError("--sweep must be up or both, got '\(sweep)'") }
        // --resume (RunOptions): also restore the finished starts of a killed run from
        // <output>.checkpoint/r###/U<value>/starts/ (same options and --output); the start that was
        // running is rerun, so the run ends where an uninterrupted one ends. Without an MPI
        // journal of the killed run only the start stores are read.
        let resume = io.resume
        if resume && io.force { throw ValidationError("give --resume or --force, not both") }
        var runOptions = io
        let journal = StudyJournal.directory(forOutput: io.output).appendingPathComponent("journal.json").path
        if resume && !FileManager.default.fileExists(atPath: journal) { runOptions.resume = false }
        var study = HartreeFockStudy(spec: spec, interactions: us, options: template, initial: try scf.warmStartDensities(spec))
        study.bothDirections = sweep == "both"
        study.resume = resume
        study.momentThreshold = momentThreshold
        study.nearFermi = nearFermi
        study.saveDisorder = model.saveDisorder
        study.initialSource = scf.warmStart
        let ctx = try RunContext(command: "hartree-fock", options: runOptions, plan: HartreeFockStudy.memoryPlan(spec), resume: resume, staged: true)
        ctx.attach(&study)
        try ctx.run(checkpoint: study.checkpoint) {
            let report = study.aggregate(try ctx.records(of: study))
            try report.write(to: ctx.output)
            if let why = report.firstFailure { ctx.flagUnconverged(why) }
            try ctx.writeSummary(report.summary, complete: true)
            // An unconverged (realization, U) was flagged (exit 3 once the output is in place,
            // "status": "unconverged" at the top of summary.json); asked for, exit 0 instead.
            if allowUnconverged && report.unconverged > 0 {
                FileHandle.standardError.write(Data("warning: \(report.unconverged) (realization, U) did not converge; exit 0 (--allow-unconverged)\n".utf8))
                ctx.outcome = .done
            }
        }
    }
}
