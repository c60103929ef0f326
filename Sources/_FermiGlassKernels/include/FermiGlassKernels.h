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

/// One step of the Chebyshev recurrence of the kernel polynomial method on a chunk of `rows`
/// rows of `columns` column-major vectors (leading dimension ld), given hv = H v:
///
///     t = (hv - shift v) * inv            (H~ v with H~ = (H - shift) / a, inv = 1 / a)
///     w = t                 if first      (T_1 = H~ T_0)
///     w = 2 t - w           otherwise     (T_{n+1} = 2 H~ T_n - T_{n-1}, w holding T_{n-1})
///
/// then, if acc is not NULL, acc += coef[0] * w (a Chebyshev series applied to the vectors),
/// and, if dots is not NULL, dots[2c] = <v|v>, dots[2c+1] = <w|v> of column c over the chunk,
/// summed in eight lanes (i mod 8) combined pairwise in a fixed tree: the order depends on the
/// chunk length only, so a caller that sums fixed chunks in a fixed order gets the same bits
/// for any number of threads. No fused multiply-adds (the expressions are evaluated exactly
/// as written, as Swift does).
void fg_cheb_combine(int64_t rows, int32_t columns, int64_t ld, const double *hv, const double *v, double *w,
                     double shift, double inv, int32_t first, double *acc, const double *coef, double *dots);

/// The t-t'-W Hamiltonian of an lx x ly square lattice (sites i = x + lx y), matrix-free:
/// H_ii = onsite[i] (W_i - mu), t1 to the 4 nearest and t2 to the 4 diagonal neighbours,
/// periodic or open along each direction.
typedef struct {
    int64_t lx, ly;
    int32_t periodic_x, periodic_y;
    double t1, t2;
    const double *onsite;
} fg_stencil;

/// y = H x for the rows lo <= i < hi of `columns` column-major vectors (leading dimension ld;
/// x is read at the neighbours, y written at rows lo..<hi only). Every row is summed exactly as
/// the CSR product of DisorderedModel.hamiltonian(): from 0.0, in increasing column order, zero
/// hoppings and cut bonds skipped, no fused multiply-adds -- bit for bit the same result.
void fg_stencil_apply(const fg_stencil *s, int64_t lo, int64_t hi, int32_t columns, int64_t ld, const double *x, double *y);

/// fg_cheb_combine (without acc) with hv = H v computed on the fly by the stencil, site by
/// site: one pass reads v, the on-site energies and T_{n-1}, and writes T_{n+1} over it (same
/// bits as fg_stencil_apply followed by fg_cheb_combine).
void fg_stencil_cheb(const fg_stencil *s, int64_t lo, int64_t hi, int32_t columns, int64_t ld, const double *v, double *w,
                     double shift, double inv, int32_t first, double *dots);

#endif
