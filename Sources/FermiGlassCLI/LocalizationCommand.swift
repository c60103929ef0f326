import ArgumentParser
import FermiGlassIO
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers
import FermiGlassStudies

/// `fermiglass localization`: IPR and localization length over one selection of states.
struct LocalizationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "localization",
        abstract: "Inverse participation ratios and the localization length L_loc of H0's eigenstates.",
        discussion: """
            IPR_a = sum_i |phi_a(i)|^4 and L_loc = < IPR_a^(-1/2) > (lattice constants; in 2D \
            IPR ~ 1/L_loc^2), averaged over the chosen states of every realization: all states \
            (default), --states a:b (levels a..<b, 0-based) or --energies a:b. The paper's \
            L ~ 7.65 is the average over all states of 60x60, W = 9 (--preset paper \
            --realizations 15); the Fig. 1 states are --states 1600:2000.

            summary.json: localization_length (mean over states and realizations), \
            localization_length_stderr (sd of the per-realization values / sqrt(R)), \
            localization_length_typical (exp< ln IPR >^(-1/2)), per-realization values. \
            localization_vs_energy.csv: L_loc(E) in energy bins of --bin-width. \
            r###/eigenvalues.npy and r###/ipr.npy hold the selected states of each realization.

            --method transfer-matrix: the MacKinnon-Kramer localization length xi_M = \
            1/gamma_min of strips of width M (periodic across) and --length slices at --energy E \
            (or --fermi: E_F of the model's filling on a --fermi-size lattice), for every width \
            of --widths; Lambda = xi_M / M. Uses --t1, --t2, --W, --mu, --seed (or --preset); \
            writes transfer_matrix.csv and summary.json.
            """)

    @OptionGroup(title: "Model") var model: ModelOptions
    @OptionGroup(title: "States") var selection: StateOptions
    @OptionGroup(title: "Eigensolver (shift-invert needs --states or --energies)") var solverOptions: SolverOptions
    @OptionGroup(title: "Output") var io: RunOptions

    @Option(help: "Energy bin width of localization_vs_energy.csv (units of t1).")
    var binWidth: Double = 0.25

    @OptionGroup(title: "Transfer matrix (--method transfer-matrix)") var transfer: TransferMatrixOptions

    func validate() throws {
        guard binWidth.isFinite, binWidth > 0 else { throw ValidationError("--bin-width must be a positive number, got \(binWidth)") }
        try transfer.validate(selection: selection)
    }

    func run() throws {
        if transfer.method == .transferMatrix { return try runTransferMatrix() }
        let spec = try model.resolve(needsFilling: false)
        let states = try selection.resolve(spec)
        let request = try solverOptions.request(selection: states, vectors: true, sites: spec.lattice.siteCount,
                                                needsAll: "give --states a:b or --energies a:b (L_loc over all states needs --solver dense)")
        let study = LocalizationStudy(spec: spec, request: request, binWidth: binWidth)
        let ctx = try RunContext(command: "localization", options: io,
                                 plan: MemoryPlan.estimate(sites: spec.lattice.siteCount, request: request))
        try ctx.run(study) { try study.report($0, saveDisorder: model.saveDisorder) }
    }
}
