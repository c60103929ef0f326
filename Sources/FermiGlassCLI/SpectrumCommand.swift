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
    var patches: Bool { solverOptions.solver == SolverChoice.patches.rawValue }

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
        let ctx = try RunContext(command: "spectrum", options: io, plan: plan)
        try ctx.run {
            var perRealization = [JSON]()
            var method = ""
            for (k, r) in spec.realizations.enumerated() {
                let m = try spec.model(realization: r)
                let h = m.hamiltonian()
                request.model = m
                let solution = try Eigensolver.solve(h, request)
                let pairs = solution.pairs
                guard pairs.count > 0 else {
                    throw SolverError.emptySelection("realization \(r): the selection \(solverOptions.window.map { "--window " + $0 } ?? "") holds no state")
                }
                method = solution.diagnostics.method
                let dir = RunContext.realizationDirectory(r)
                try ctx.output.write(npy: pairs.values, to: "\(dir)/eigenvalues.npy")
                if let local = solution.local, saveVectors {
                    for d in spec.realizations.count == 1 ? ["\(dir)/", ""] : ["\(dir)/"] {
                        try Self.write(local, hamiltonian: h, report: solution.patches, to: d, ctx: ctx)
                    }
                } else if saveVectors {
                    try ctx.output.write(npy: pairs.vectorsSiteMajor(), shape: [pairs.dimension, pairs.count], to: "\(dir)/eigenvectors.npy")
                }
                if model.saveDisorder { try ctx.output.write(npy: m.onsiteEnergies, to: "\(dir)/disorder.npy") }
                var entry: [(String, JSON)] = [("realization", .int(r)), ("states", .int(pairs.count))]
                if let first = pairs.firstLevel { entry.append(("first_level", .int(first))) }
                if let lo = pairs.values.first, let hi = pairs.values.last {
                    entry += [("min", .number(lo)), ("max", .number(hi))]
                }
                if let level = solution.fermiLevel {
                    entry.append(("fermi_energy", .number(level.energy)))
                    entry.append(("open_shell", .bool(level.openShell)))
                } else if let f = spec.filling, request.selection == .all {
                    entry.append(("fermi_energy", .number(0.5 * (pairs.values[f.fermiIndex - 1] + pairs.values[f.fermiIndex]))))
                    entry.append(("open_shell", .bool(pairs.values[f.fermiIndex] - pairs.values[f.fermiIndex - 1] <= 1e-10 * h.infinityNorm)))
                }
                entry += solution.diagnostics.entries
                if let report = solution.patches { entry.append(("patches", report.json)) }
                if let local = solution.local {
                    entry.append(("storage", local.storageSummary(maxDiscardedWeightAllowed: maxDiscardedWeight)))
                }
                perRealization.append(.object(entry))
                if spec.realizations.count == 1 {
                    try ctx.output.write(npy: pairs.values, to: "eigenvalues.npy")
                    if saveVectors && solution.local == nil {
                        try ctx.output.write(npy: pairs.vectorsSiteMajor(), shape: [pairs.dimension, pairs.count], to: "eigenvectors.npy")
                    }
                }
                ctx.progress(k + 1, of: spec.realizations.count)
            }
            var body: [(String, JSON)] = [("parameters", spec.json), ("solver", .string(method))]
            if let w = solverOptions.window { body.append(("window", .string(w))) }
            if let s = solverOptions.sigma, let c = solverOptions.count {
                body += [("sigma", .number(s)), ("count", .int(c))]
            }
            let efs = perRealization.compactMap { $0["fermi_energy"]?.doubleValue }
            if !efs.isEmpty { body.append(("fermi_energy", .number(efs.reduce(0, +) / Double(efs.count)))) }
            let certified = perRealization.allSatisfy { $0["certified"]?.boolValue ?? false }
            body.append(("certified", .bool(certified)))
            if !certified {
                ctx.flagUncertified("the inertia count did not prove the computed states complete in every realization (see realizations[].certified)")
            }
            body.append(("realizations", .array(perRealization)))
            try ctx.writeSummary(body)
        }
    }

    /// states.npz (scipy.sparse CSC, sites x states) and state_table.csv (per state: level,
    /// energy, residual on the global H, support size, discarded weight, site of the maximum;
    /// from the patch solver also the eigenvalue's error bound, the patch and the pass).
    static func write(_ local: LocalEigenstates, hamiltonian h: CSRMatrix, report: PatchReport? = nil, to dir: String, ctx: RunContext) throws {
        // Streamed (ZIP64 when large): one column at a time, never the whole matrix in memory.
        let nonzeros = (0..<local.count).reduce(0) { $0 + local.supportSize(of: $1) }
        try ctx.output.writeStreamed(to: dir + "states.npz") { path in
            try NPZ.writeCSC(path: path, rows: local.dimension, columns: local.count, nonzeros: nonzeros) { a in
                var column = [(Int, Double)]()
                column.reserveCapacity(local.supportSize(of: a))
                local.forEachComponent(of: a) { i, x in column.append((i, x)) }
                return column
            }
        }
        let residuals = local.residuals(of: h), maxima = local.maximumSites()
        let patchColumns = report.map { $0.bounds.count == local.count } ?? false
        var table = CSVTable(header: ["level", "energy", "residual", "support_sites", "discarded_weight", "max_site"]
                             + (patchColumns ? ["error_bound", "patch", "pass"] : []))
        for a in 0..<local.count {
            var row: [CSVCell] = [local.firstLevel.map { .int($0 + a) } ?? "", .double(local.values[a]), .double(residuals[a]),
                                        .int(local.supportSize(of: a)), .double(local.discardedWeight(of: a)), .int(maxima[a])]
            if patchColumns, let r = report { row += [.double(r.bounds[a]), .int(r.patchOfState[a]), .int(r.passOfState[a])] }
            table.append(row)
        }
        try ctx.output.write(csv: table, to: dir + "state_table.csv")
    }
}
