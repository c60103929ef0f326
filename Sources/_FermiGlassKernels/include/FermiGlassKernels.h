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

/// Block Gram-Schmidt products against a tall basis V (rows x m, column-major, leading
/// dimension ldv) for a block W of exactly 8 columns (leading dimension ldw):
///
///     fg_project8:  C = V^T W        (C is m x 8, column-major, leading dimension ldc)
///     fg_subtract8: W = W - V C
///
/// Both stream V once in row panels of 512 rows, the panel of W held transposed (one 64-byte
/// row per basis row) in a stack buffer, and 8 columns of V at a time in registers, so that
/// every element of V read from memory feeds one 8-wide fused multiply-add. A block of 8 is
/// too narrow for OpenBLAS's packed GEMM (which copies V into its panels first): these run at
/// about twice its speed on the machine of docs/benchmarks/engine.md. The order of operations
/// is fixed, so results do not depend on anything but the inputs.
void fg_project8(int64_t rows, int32_t m, const double *v, int64_t ldv, const double *w, int64_t ldw,
                 double *c, int32_t ldc);
void fg_subtract8(int64_t rows, int32_t m, const double *v, int64_t ldv, const double *c, int32_t ldc,
                  double *w, int64_t ldw);

#endif
