// FermiGlass's own C kernels, behind an underscored target (as swift-numerics keeps its shims):
// only FermiGlassSolvers imports this module, and no C type crosses a public API.
#ifndef FERMIGLASS_KERNELS_H
#define FERMIGLASS_KERNELS_H

#include <stdint.h>

/// Solves A X = B with a simplicial LDL^T factorization P A P^T = L D L^T (CHOLMOD's layout:
/// column j of L holds lnz[j] entries from lp[j], the first being the diagonal, which stores
/// D_jj; L's unit diagonal is implicit; row k of P A P^T is row perm[k] of A).
///
/// The `columns` right-hand sides (column-major, leading dimensions ldb and ldx) are copied into
/// `work` (n * columns doubles) interleaved, so that each entry of L updates one contiguous row
/// of all right-hand sides at once: one pass over L serves every column, and each column's
/// arithmetic is the same whatever the number of columns solved together (results do not
/// depend on how the right-hand sides are split over threads).
void fg_ldl_solve(int32_t n, const int32_t *lp, const int32_t *li, const double *lx, const int32_t *lnz,
                  const int32_t *perm, int32_t columns, const double *b, int64_t ldb, double *x, int64_t ldx,
                  double *work);

#endif
