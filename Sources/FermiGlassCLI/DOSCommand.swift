import ArgumentParser
import FermiGlassIO
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers
import FermiGlassStudies

/// `fermiglass dos`: density of states of H0 for one or several disorder strengths.
struct DOSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dos",
        abstract: "Density of states of H0 from the exact levels or by the kernel polynomial method, for one or several disorder strengths W.",
        discussion: """
            rho(E) = (levels in the bin) / (sites * bin width * realizations): per site, per unit \
            energy, per spin, integrating to 1 (the paper's Fig. 3 uses 60x60, t2 = 0.6 t1, \
            15 realizations, W = 0..12: --preset paper --W 0,3,6,9,12 --realizations 15). \
            Bins have edges on multiples of --bin-width, shared by all W.

            dos.csv: energy_low, energy_high, energy_center and one column dos_W<W> per W. \
            summary.json, arrays aligned with "W": bandwidth (highest minus lowest level, mean \
            over realizations; 8.8 at W = 0 for t1 = 1, t2 = 0.6) with its standard error, and, \
            when a filling is given, fermi_energy and dos_at_fermi (levels within +-bin width/2 \
            of E_F per site per unit energy). r###/eigenvalues_W<W>.npy hold the levels.

            --method kpm: the kernel polynomial method on the matrix-free t-t'-W stencil (no \
            diagonalization; O(sites) memory, for 1000x1000 and beyond): M Chebyshev moments \
            (--moments), R random +-1 vectors per realization (--vectors, seeded by --seed and the \
            realization), Jackson or Lorentz kernel (--kernel). dos.csv: energy (on a grid of \
            spacing --bin-width), dos_W<W> and dos_W<W>_stderr (standard error over all random \
            vectors of all realizations), idos_W<W> (fraction of levels below E per spin) and its \
            stderr. With a filling, summary.json gives E_F per realization from the integrated \
            DOS with its error, refined by one inertia count (LDL^T of H - E_F) up to \
            \(KPMDOSStudy.inertiaSiteLimit) sites. --ldos i,j,...: exact local DOS at those \
            sites (i = x + Lx y) in ldos_W<W>.csv.
            """)

    @OptionGroup(title: "Model") var model: ModelOptions
    @OptionGroup(title: "Eigensolver (shift-invert: levels in --energies a:b only)") var solverOptions: SolverOptions
    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Only levels with energy in [a, b] (units of t1); required with --solver shift-invert, e.g. --energies=-1:0.5.",
        valueName: "a:b"))
    var energies: String?
    @OptionGroup(title: "Output") var io: RunOptions

    @Option(help: "Energy bin width of the histogram, or the energy grid spacing with --method kpm (units of t1).")
    var binWidth: Double = 0.1

    @OptionGroup(title: "Kernel polynomial method") var kpm: KPMOptions

    func validate() throws {
        guard binWidth.isFinite, binWidth > 0 else { throw ValidationError("--bin-width must be a positive number, got \(binWidth)") }
        try kpm.validate(energies: energies, solver: solverOptions.solver)
    }

    func run() throws {
        let base = try model.resolve(needsFilling: false, allowWList: true)
        let ws = try model.disorderStrengths(default: base.parameters.disorderStrength)
        if ws.count > 1 && base.disorderFile != nil {
            throw ValidationError("a disorder file fixes the on-site energies; give --W a single value (or none) with --disorder")
        }
        if Set(ws).count != ws.count { throw ValidationError("--W lists a value twice: \(model.disorder ?? "")") }
        if kpm.method == .kpm { return try runKPM(base: base, ws: ws) }
        let window = try StateOptions.resolve(states: nil, energies: energies, base)
        try solverOptions.refusePatches("dos")
        let choice = solverOptions.choice(default: .dense)
        if Eigensolver.resolve(choice, sites: base.lattice.siteCount, selection: window) == .shiftInvert || choice == .shiftInvert,
           window == .all {
            throw ValidationError("dos with --solver \(choice.rawValue) needs an energy window --energies a:b: shift-invert computes the levels in a window, not the whole band (use --solver dense for the DOS of the whole band)")
        }
        let request = try solverOptions.request(selection: window, vectors: false, sites: base.lattice.siteCount,
                                                needsAll: "give --energies a:b")
        let study = DOSStudy(spec: base, disorderStrengths: ws, request: request, binWidth: binWidth)
        let ctx = try RunContext(command: "dos", options: io, plan: try study.memoryPlan())
        try ctx.run(study) { try study.report($0, saveDisorder: model.saveDisorder) }
    }

}
