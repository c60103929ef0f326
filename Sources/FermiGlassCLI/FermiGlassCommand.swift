import ArgumentParser

/// The `fermiglass` command-line tool.
public struct FermiGlassCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "fermiglass",
        abstract: "Near-Fermi eigenstates, localization and interaction instabilities of disordered lattices.",
        discussion: """
            Implements and scales up Lau & Ng, "Intrinsic instabilities in Fermi glasses", \
            PRB 110, 075153 (2024). The model is the t-t'-W Hubbard model on an Lx x Ly square \
            lattice (t1, t2 are hopping matrix elements; energies in units of t1, lengths in \
            lattice constants). `--preset paper` selects the paper's parameters: t1 = +1, \
            t2 = +0.6, W = 9, 60 x 60, periodic, filling 5/6.

            Every computing command writes summary.json, .npy arrays and .csv tables into \
            --output DIR (refused if non-empty unless --force).
            """,
        version: "0.1.0",
        subcommands: [
            SpectrumCommand.self,
            BenchCommand.self,
            GroundStateCommand.self,
        ])

    public init() {}
}
