import ArgumentParser
import FermiGlassIO
import FermiGlassModel
import FermiGlassSolvers
import FermiGlassStudies

/// `fermiglass spectrum`: eigenvalues (and optionally eigenvectors) of H0.
struct SpectrumCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spectrum",
        abstract: "Eigenvalues (and eigenvectors) of the single-particle Hamiltonian H0.",
        discussion: """
            Writes eigenvalues.npy (ascending) and, with --save-vectors, eigenvectors.npy of shape \
            (sites, states), one column per state, per realization in r###/. With a filling, \
            summary.json gives fermi_energy, midway between levels N/2-1 and N/2. \
            The dense solver returns every state; --solver shift-invert returns the --count states \
            nearest --sigma, or a --window around E_F, certified by inertia counts (summary.json: \
            certified, max_residual, max_orthogonality_error, factor fill, timings, solves, restarts).
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var solverOptions: SolverOptions
    @OptionGroup var io: RunOptions

    @Flag(help: "Also write the eigenvectors (eigenvectors.npy; with --store local, states.npz).")
    var saveVectors: Bool = false

    /// How the eigenstates are held.
    enum Store: String, ExpressibleByArgument, CaseIterable {
        case dense, local
    }

    @Option(help: "How eigenstates are held: dense (columns of every site) or local (each state on the smallest rectangle outside which it has at most --max-discarded-weight of |phi|^2; written as states.npz, a scipy.sparse CSC sites x states matrix, with state_table.csv). summary.json gives the bytes held against dense columns. Default: dense, local with --solver patches.")
    var store: Store?

    @Option(help: "--store local: the largest weight sum |phi(i)|^2 a state may drop outside its rectangle.")
    var maxDiscardedWeight: Double = 1e-12

    /// True with --solver patches.
    var patches: Bool { solverOptions.solver == .patches }

    func validate() throws {
        guard maxDiscardedWeight >= 0, maxDiscardedWeight < 1 else {
            throw ValidationError("--max-discarded-weight must lie in [0, 1), got \(maxDiscardedWeight)")
        }
        if patches && store == .dense {
            throw ValidationError("--solver patches keeps every state compressed on its rectangle (--store local): dense eigenvectors (--store dense, eigenvectors.npy) are refused on this path; --save-vectors writes states.npz")
        }
    }

    func run() throws {
        let spec = try model.resolve(needsFilling: solverOptions.window != nil)
        var request = try solverOptions.request(fermiIndex: spec.filling?.fermiIndex, vectors: saveVectors)
        // --solver auto may pick the patches (PatchCostModel): then the states are held compressed too.
        var usesPatches = patches
        if request.solver == .auto, self.store == nil, let r = spec.realizations.first {
            var probe = request
            probe.model = try spec.model(realization: r)
            usesPatches = Eigensolver.resolve(probe, sites: spec.lattice.siteCount) == .patches
        }
        let store = self.store ?? (usesPatches ? .local : .dense)
        if store == .local {
            request.vectors = true
            request.storage = .local(lattice: spec.lattice, maxDiscardedWeight: maxDiscardedWeight)
        }
        if usesPatches { request.cache = nil }
        let plan = MemoryPlan.estimate(sites: spec.lattice.siteCount, request: request)
        let study = SpectrumStudy(spec: spec, request: request, keepVectors: saveVectors, maxDiscardedWeight: maxDiscardedWeight,
                                  selectionLabel: solverOptions.window.map { "--window " + $0 } ?? "")
        let ctx = try RunContext(command: "spectrum", options: io, plan: plan)
        try ctx.run {
            var records = [SpectrumStudy.Record]()
            try ctx.forEachRecord(of: study) { _, rec in
                for file in try study.files(rec, saveDisorder: model.saveDisorder) { try ctx.output.write(file) }
                records.append(rec.withoutStates)
            }
            var extra: [(String, JSON)] = []
            if let w = solverOptions.window { extra.append(("window", .string(w))) }
            if let s = solverOptions.sigma, let c = solverOptions.count { extra += [("sigma", .number(s)), ("count", .int(c))] }
            try ctx.write(study.report(records, extra: extra))
        }
    }
}
