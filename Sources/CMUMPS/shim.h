// MUMPS 5.x, MPI build (Debian libmumps-dev: libdmumps linked against Open MPI). No pkg-config
// file; the headers live in /usr/include. FermiGlass runs every instance on MPI_COMM_SELF
// (one process, no distribution), after MPI.swift has initialised MPI. Only FermiGlassSolvers
// imports this module, and only MUMPS.swift uses it.
#include <dmumps_c.h>

/// The version string MUMPS was compiled as (MUMPS_VERSION), for provenance records.
static inline const char *fermiglass_mumps_version(void) { return MUMPS_VERSION; }
