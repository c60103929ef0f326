// Dense linear algebra: LAPACKE (liblapacke-dev) and OpenBLAS (libopenblas-dev).
// Only FermiGlassSolvers imports this module.
#include <lapacke.h>
#include <cblas.h>

// OpenBLAS extensions (declared in cblas-openblas.h; repeated here so that the shim does not
// depend on which cblas.h the alternatives system selected).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_config(void);
char *openblas_get_corename(void);
