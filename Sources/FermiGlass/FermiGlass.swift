// FermiGlass: disordered, weakly interacting electrons on large lattices.
//
// The umbrella module: `import FermiGlass` brings in every layer of the pipeline, in order
//   FermiGlassModel        lattice, regions, t-t'-W model, presets, disorder, CSR Hamiltonian
//   FermiGlassIO           .npy / .npz / CSV / JSON, atomic and staged output, provenance
//   FermiGlassSolvers      operators, block Krylov-Schur, eigensolver backends, eigenstate stores
//   FermiGlassObservables  IPR and L_loc, DOS, overlaps chi_ac, Fig. 1 decay
//   FermiGlassInteracting  first-order ground state, Monte Carlo, census, Hartree-Fock, Pi
//   FermiGlassStudies      sweeps, shards, finite-size scaling
@_exported import FermiGlassModel
@_exported import FermiGlassIO
@_exported import FermiGlassSolvers
@_exported import FermiGlassObservables
@_exported import FermiGlassInteracting
@_exported import FermiGlassStudies
