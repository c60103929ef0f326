// FermiGlassInteracting
