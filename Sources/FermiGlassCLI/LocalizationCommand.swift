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
        let ctx = try RunContext(command: "localization", options: io,
                                 plan: MemoryPlan.estimate(sites: spec.lattice.siteCount, request: request))
        try ctx.run {
            let single = spec.realizations.count == 1
            var energies = [[Double]](), iprs = [[Double]](), lengths = [Double](), typical = [Double]()
            var entries = [JSON]()
            let solver = try ctx.forEachRealization(spec, request: request, saveDisorder: model.saveDisorder) { r, _, _, sol in
                let pairs = sol.pairs
                guard pairs.count > 0 else { throw SolverError.emptySelection("realization \(r): the selection holds no state") }
                let ipr = Localization.ipr(pairs)
                try ctx.writeRealizationArray(pairs.values, name: "eigenvalues.npy", realization: r, single: single)
                try ctx.writeRealizationArray(ipr, name: "ipr.npy", realization: r, single: single)
                energies.append(pairs.values); iprs.append(ipr)
                lengths.append(Localization.length(ipr: ipr)); typical.append(Localization.typicalLength(ipr: ipr))
                var entry: [(String, JSON)] = [("realization", .int(r)), ("states", .int(pairs.count))]
                if let f = pairs.firstLevel { entry.append(("first_level", .int(f))) }
                entry += [("energy_min", .number(pairs.values.first!)), ("energy_max", .number(pairs.values.last!)),
                          ("localization_length", .number(lengths.last!)), ("localization_length_typical", .number(typical.last!)),
                          ("mean_ipr", .number(Statistics.mean(ipr))),
                          ("max_residual", .number(sol.diagnostics.maxResidual))]
                entries.append(.object(entry))
            }
            let pooled = iprs.flatMap { $0 }
            let all = energies.flatMap { $0 }
            let bins = EnergyBins(covering: all.min()!, all.max()!, width: binWidth)
            var table = CSVTable(header: ["energy_low", "energy_high", "energy_center", "states", "localization_length",
                                          "localization_length_stderr", "localization_length_typical", "mean_ipr"])
            for (k, b) in Localization.byEnergy(energies: energies, ipr: iprs, bins: bins).enumerated() {
                table.append([.double(b.lower), .double(b.upper), .double(bins.center(k)), .int(b.states), .double(b.length),
                              .double(b.lengthStderr), .double(b.typicalLength), .double(b.meanIPR)])
            }
            try ctx.output.write(csv: table, to: "localization_vs_energy.csv")
            try ctx.writeSummary([
                ("parameters", spec.json),
                ("states", states.json),
                ("states_per_realization", .ints(iprs.map(\.count))),
                ("localization_length", .number(Localization.length(ipr: pooled))),
                ("localization_length_stderr", .number(Statistics.standardError(lengths))),
                ("localization_length_typical", .number(Localization.typicalLength(ipr: pooled))),
                ("localization_length_typical_stderr", .number(Statistics.standardError(typical))),
                ("mean_ipr", .number(Statistics.mean(pooled))),
                ("definitions", .object([
                    ("localization_length", .string("< IPR_a^(-1/2) > over the selected states of all realizations (lattice constants)")),
                    ("localization_length_stderr", .string("standard deviation of the per-realization values / sqrt(R)")),
                    ("localization_length_typical", .string("exp< ln IPR_a >^(-1/2) over the same states")),
                    ("ipr", .string("IPR_a = sum_i |phi_a(i)|^4")),
                ])),
                ("energy_bin_width", .number(binWidth)),
                ("solver", solver.json),
                ("realizations", .array(entries)),
            ])
        }
    }
}
