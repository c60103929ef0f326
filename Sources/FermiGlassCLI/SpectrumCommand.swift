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

    @Flag(help: "Also write the eigenvectors.")
    var saveVectors: Bool = false

    func run() throws {
        let spec = try model.resolve(needsFilling: solverOptions.window != nil)
        let request = try solverOptions.request(fermiIndex: spec.filling?.fermiIndex, vectors: saveVectors)
        let ctx = try RunContext(command: "spectrum", options: io)
        try ctx.run {
            var perRealization = [JSON]()
            var method = ""
            for (k, r) in spec.realizations.enumerated() {
                let m = try spec.model(realization: r)
                let h = m.hamiltonian()
                let solution = try Eigensolver.solve(h, request)
                let pairs = solution.pairs
                method = solution.diagnostics.method
                let dir = RunContext.realizationDirectory(r)
                try ctx.output.write(npy: pairs.values, to: "\(dir)/eigenvalues.npy")
                if saveVectors {
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
                perRealization.append(.object(entry))
                if spec.realizations.count == 1 {
                    try ctx.output.write(npy: pairs.values, to: "eigenvalues.npy")
                    if saveVectors {
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
            body.append(("realizations", .array(perRealization)))
            try ctx.writeSummary(body)
        }
    }
}
