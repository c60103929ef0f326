// ARPACK-NG (libarpack2-dev): the ISO-C bindings dsaupd_c / dseupd_c, which take C strings.
// Only FermiGlassSolvers imports this module.
#include <arpack/arpack.h>
