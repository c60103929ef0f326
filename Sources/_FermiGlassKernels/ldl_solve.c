#include "FermiGlassKernels.h"

// The body for `w` interleaved columns; always inlined into the dispatcher below with a
// constant w, so that the loops over the columns are unrolled and vectorized.
static inline __attribute__((always_inline)) void solve_w(
    int32_t n, const int32_t *lp, const int32_t *li, const double *lx, const int32_t *lnz, const int32_t *perm,
    const int32_t w, const double *b, int64_t ldb, double *x, int64_t ldx, double *y)
{
    // y = P b
    for (int32_t k = 0; k < n; k++) {
        const int64_t src = perm ? perm[k] : k;
        for (int32_t c = 0; c < w; c++) y[(int64_t)k * w + c] = b[src + c * ldb];
    }
    // L z = y (forward, column-oriented: each column scatters into later rows)
    for (int32_t j = 0; j < n; j++) {
        const double *yj = y + (int64_t)j * w;
        double t[8];
        for (int32_t c = 0; c < w; c++) t[c] = yj[c];
        const int32_t end = lp[j] + lnz[j];
        for (int32_t p = lp[j] + 1; p < end; p++) {
            const double l = lx[p];
            double *yi = y + (int64_t)li[p] * w;
            for (int32_t c = 0; c < w; c++) yi[c] -= l * t[c];
        }
    }
    // D u = z
    for (int32_t j = 0; j < n; j++) {
        const double d = lx[lp[j]];
        for (int32_t c = 0; c < w; c++) y[(int64_t)j * w + c] /= d;
    }
    // L^T v = u (backward, each column gathers from later rows)
    for (int32_t j = n - 1; j >= 0; j--) {
        double s[8];
        for (int32_t c = 0; c < w; c++) s[c] = y[(int64_t)j * w + c];
        const int32_t end = lp[j] + lnz[j];
        for (int32_t p = lp[j] + 1; p < end; p++) {
            const double l = lx[p];
            const double *yi = y + (int64_t)li[p] * w;
            for (int32_t c = 0; c < w; c++) s[c] -= l * yi[c];
        }
        for (int32_t c = 0; c < w; c++) y[(int64_t)j * w + c] = s[c];
    }
    // x = P^T v
    for (int32_t k = 0; k < n; k++) {
        const int64_t dst = perm ? perm[k] : k;
        for (int32_t c = 0; c < w; c++) x[dst + c * ldx] = y[(int64_t)k * w + c];
    }
}

#if defined(__x86_64__) && defined(__linux__)
// One copy per instruction set, chosen at load time (AVX-512 / AVX2+FMA / baseline SSE2).
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
static void solve_block(int32_t n, const int32_t *lp, const int32_t *li, const double *lx, const int32_t *lnz,
                        const int32_t *perm, int32_t w, const double *b, int64_t ldb, double *x, int64_t ldx, double *y)
{
    switch (w) {
    case 8: solve_w(n, lp, li, lx, lnz, perm, 8, b, ldb, x, ldx, y); break;
    case 4: solve_w(n, lp, li, lx, lnz, perm, 4, b, ldb, x, ldx, y); break;
    case 2: solve_w(n, lp, li, lx, lnz, perm, 2, b, ldb, x, ldx, y); break;
    case 1: solve_w(n, lp, li, lx, lnz, perm, 1, b, ldb, x, ldx, y); break;
    default: solve_w(n, lp, li, lx, lnz, perm, w, b, ldb, x, ldx, y); break;
    }
}

void fg_ldl_solve(int32_t n, const int32_t *lp, const int32_t *li, const double *lx, const int32_t *lnz,
                  const int32_t *perm, int32_t columns, const double *b, int64_t ldb, double *x, int64_t ldx,
                  double *work)
{
    // At most 8 columns per pass (the kernel's register block); more are done 8 at a time.
    for (int32_t c0 = 0; c0 < columns; c0 += 8) {
        const int32_t w = columns - c0 < 8 ? columns - c0 : 8;
        solve_block(n, lp, li, lx, lnz, perm, w, b + c0 * ldb, ldb, x + c0 * ldx, ldx, work);
    }
}
