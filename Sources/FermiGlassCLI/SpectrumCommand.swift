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
            summary.json gives fermi_energy, midway between levels N/2-1 and N/2.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var io: RunOptions

    @Flag(help: "Also write the eigenvectors.")
    var saveVectors: Bool = false

    func run() throws {
        let spec = try model.resolve(needsFilling: false)
        let ctx = try RunContext(command: "spectrum", options: io)
        try ctx.run {
            var perRealization = [JSON]()
            for (k, r) in spec.realizations.enumerated() {
                let m = try spec.model(realization: r)
                let h = m.hamiltonian()
                let pairs = try DenseEigensolver.solve(h, selection: .all, vectors: saveVectors)
                let dir = RunContext.realizationDirectory(r)
                try ctx.output.write(npy: pairs.values, to: "\(dir)/eigenvalues.npy")
                if saveVectors {
                    try ctx.output.write(npy: pairs.vectorsSiteMajor(), shape: [pairs.dimension, pairs.count], to: "\(dir)/eigenvectors.npy")
                }
                if model.saveDisorder { try ctx.output.write(npy: m.onsiteEnergies, to: "\(dir)/disorder.npy") }
                var entry: [(String, JSON)] = [("realization", .int(r)), ("states", .int(pairs.count)),
                                               ("min", .number(pairs.values.first!)), ("max", .number(pairs.values.last!))]
                if let f = spec.filling {
                    entry.append(("fermi_energy", .number(0.5 * (pairs.values[f.fermiIndex - 1] + pairs.values[f.fermiIndex]))))
                    entry.append(("open_shell", .bool(pairs.values[f.fermiIndex] - pairs.values[f.fermiIndex - 1] <= 1e-10 * h.infinityNorm)))
                }
                if saveVectors {
                    entry.append(("max_residual", .number(pairs.maxResidual(of: h))))
                    entry.append(("max_orthogonality_error", .number(pairs.maxOrthogonalityError())))
                }
                perRealization.append(.object(entry))
                if spec.realizations.count == 1 {
                    try ctx.output.write(npy: pairs.values, to: "eigenvalues.npy")
                    if saveVectors {
                        try ctx.output.write(npy: pairs.vectorsSiteMajor(), shape: [pairs.dimension, pairs.count], to: "eigenvectors.npy")
                    }
                }
                ctx.progress(k + 1, of: spec.realizations.count)
            }
            var body: [(String, JSON)] = [("parameters", spec.json), ("solver", .string("dense (LAPACK dsyevd)"))]
            if spec.filling != nil {
                let efs = perRealization.compactMap { $0["fermi_energy"]?.doubleValue }
                body.append(("fermi_energy", .number(efs.reduce(0, +) / Double(efs.count))))
            }
            body.append(("realizations", .array(perRealization)))
            try ctx.writeSummary(body)
        }
    }
}
