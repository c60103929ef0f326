import ArgumentParser

/// The benchmark commands, in the order `fermiglass --help` lists them: `dense-benchmark`
/// (hidden) and `bench` with its subcommands. The executable appends them to the CLI's own
/// (``FermiGlassCommand/benchmarkSubcommands``).
public let benchmarkCommands: [any ParsableCommand.Type] = [DenseBenchmarkCommand.self, BenchCommand.self]
