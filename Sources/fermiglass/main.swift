import FermiGlassCLI

FermiGlassCommand.main()
