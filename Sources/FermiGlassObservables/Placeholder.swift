// FermiGlassObservables
