// Open MPI 4.1 (Debian libopenmpi-dev), found through its pkg-config file ompi-c. Only
// FermiGlassSolvers imports this module, and only MPI.swift uses it. Open MPI's predefined
// handles (MPI_COMM_SELF, MPI_BYTE, ...) are address-of macros Swift cannot import; the inline
// functions below hand them over.
#include <mpi.h>

static inline MPI_Comm fermiglass_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Comm fermiglass_mpi_comm_self(void) { return MPI_COMM_SELF; }
static inline MPI_Datatype fermiglass_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype fermiglass_mpi_long_long(void) { return MPI_LONG_LONG; }
static inline MPI_Status *fermiglass_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
/// The Fortran handle of MPI_COMM_SELF, what MUMPS's COMM_FORTRAN takes.
static inline int fermiglass_mpi_comm_self_fortran(void) { return (int)MPI_Comm_c2f(MPI_COMM_SELF); }
