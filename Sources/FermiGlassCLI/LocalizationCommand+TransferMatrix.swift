import ArgumentParser
import FermiGlassIO
import FermiGlassModel
import FermiGlassObservables
import FermiGlassSolvers
import FermiGlassStudies

/// Which localization measure `fermiglass localization` computes.
enum LocalizationMethod: String, ExpressibleByArgument, CaseIterable {
    /// IPR of the lattice's eigenstates (the default).
    case ipr
    /// MacKinnon-Kramer transfer matrix of quasi-1D strips (``TransferMatrix``).
    case transferMatrix = "transfer-matrix"
}

/// The options of `localization --method transfer-matrix`.
struct TransferMatrixOptions: ParsableArguments {
    @Option(help: "ipr (eigenstates of the lattice, default) or transfer-matrix (strips, MacKinnon-Kramer).")
    var method: LocalizationMethod = .ipr

    @Option(help: ArgumentHelp("Strip widths M, comma-separated (1 = a chain with t2 = 0, else >= 3).", valueName: "M1,M2,..."))
    var widths: String?

    @Option(help: "Slices per strip measured after the warm-up (transfer matrix).")
    var length: Int = 100_000

    @Option(help: "Blocks of the strip whose spread gives the error of gamma_min (transfer matrix).")
    var blocks: Int = 10

    @Option(parsing: .unconditional, help: ArgumentHelp("Energy E of the transfer matrix (units of t1).", valueName: "E"))
    var energy: Double?

    @Flag(help: "Use E = E_F of the model's filling (--filling / --particles / the preset's), found on a --fermi-size lattice.")
    var fermi: Bool = false

    @Option(help: "Side L of the L x L periodic lattice on which --fermi finds E_F (realization 0 of --seed).")
    var fermiSize: Int = 100

    func validate(selection: StateOptions) throws {
        guard method == .transferMatrix else {
            if widths != nil || energy != nil || fermi { throw ValidationError("--widths, --energy and --fermi need --method transfer-matrix") }
            return
        }
        if selection.states != nil || selection.energies != nil {
            throw ValidationError("--method transfer-matrix takes --energy E (or --fermi), not --states or --energies")
        }
        guard widths != nil else { throw ValidationError("--method transfer-matrix needs --widths M1,M2,...") }
        _ = try parsedWidths()
        if energy != nil && fermi { throw ValidationError("give either --energy or --fermi, not both") }
        if energy == nil && !fermi { throw ValidationError("--method transfer-matrix needs --energy E or --fermi") }
        if let e = energy, !e.isFinite { throw ValidationError("--energy must be a finite number, got \(e)") }
        guard length > 0 else { throw ValidationError("--length must be positive, got \(length)") }
        guard blocks >= 2, blocks <= length else { throw ValidationError("--blocks must lie in 2...--length, got \(blocks)") }
        guard fermiSize >= 3 else { throw ValidationError("--fermi-size must be at least 3, got \(fermiSize)") }
    }

    func parsedWidths() throws -> [Int] {
        let ws = try parsePositiveList(widths ?? "", option: "--widths")
        if let bad = ws.first(where: { $0 == 2 }) {
            throw ValidationError("--widths: M = \(bad) is not allowed (1 = a chain, or at least 3 sites periodic across)")
        }
        return ws
    }
}

extension LocalizationCommand {
    /// `--method transfer-matrix`: xi_M and Lambda_M for every width, one strip each.
    func runTransferMatrix() throws {
        let spec = try model.resolve(needsFilling: transfer.fermi)
        let p = spec.parameters
        let widths = try transfer.parsedWidths()
        for m in widths {
            do { try TransferMatrix.validate(width: m, parameters: p) } catch let e as ObservablesError { throw ValidationError("--widths: \(commandLineMessage(e))") }
        }
        let fermiSize = transfer.fermi ? transfer.fermiSize : nil
        let ctx = try RunContext(command: "localization", options: io, plan: TransferMatrixStudy.memoryPlan(widths: widths, fermiSize: fermiSize))
        try ctx.run {
            var (energy, energySource) = (transfer.energy ?? .nan, "--energy")
            if let size = fermiSize, let f = spec.filling {
                (energy, energySource) = try TransferMatrixStudy.fermiEnergy(parameters: p, filling: f.density, size: size, seed: spec.seed)
            }
            let options = TransferMatrix.Options(length: transfer.length, blocks: transfer.blocks, seed: spec.seed, realization: 0)
            let study = TransferMatrixStudy(parameters: p, widths: widths, energy: energy, energySource: energySource, options: options)
            try ctx.write(study.report(study.aggregate(ctx.records(of: study))))
        }
    }
}
