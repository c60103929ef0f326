import FermiGlassBenchCommands
import FermiGlassCLI

FermiGlassCommand.benchmarkSubcommands = benchmarkCommands
FermiGlassCommand.main()
