// SuiteSparse CHOLMOD 3.x (libsuitesparse-dev 5.12). Debian ships no pkg-config file for it;
// the headers live in /usr/include/suitesparse. Only FermiGlassSolvers imports this module.
#include <suitesparse/cholmod.h>
