// MUMPS 5.x, sequential build (Debian libmumps-seq-dev: libdmumps_seq with the libmpiseq MPI
// stubs). No pkg-config file; the headers live in /usr/include. Only FermiGlassSolvers imports
// this module, and only MUMPS.swift uses it.
#include <dmumps_c.h>

/// The version string MUMPS was compiled as (MUMPS_VERSION), for provenance records.
static inline const char *fermiglass_mumps_version(void) { return MUMPS_VERSION; }
