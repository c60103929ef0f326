#include "FermiGlassKernels.h"

// Bit-for-bit contracts (see FermiGlassKernels.h): no fused multiply-adds, every sum in the
// order written, so these kernels reproduce the Swift CSR product and ChebyshevCore exactly.
#pragma clang fp contract(off)

#if defined(__x86_64__) && defined(__linux__)
#define FG_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define FG_CLONES
#endif

/// vv = sum v_i^2, wv = sum w_i v_i over n entries: four lanes by i mod 4, the tail in lane 0,
/// combined as (l0 + l1) + (l2 + l3). The order depends on n only.
static inline void chunk_dots(int64_t n, const double *v, const double *w, double *vv, double *wv)
{
    double a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        a0 += v[i] * v[i]; a1 += v[i + 1] * v[i + 1]; a2 += v[i + 2] * v[i + 2]; a3 += v[i + 3] * v[i + 3];
        b0 += w[i] * v[i]; b1 += w[i + 1] * v[i + 1]; b2 += w[i + 2] * v[i + 2]; b3 += w[i + 3] * v[i + 3];
    }
    for (; i < n; i++) { a0 += v[i] * v[i]; b0 += w[i] * v[i]; }
    *vv = (a0 + a1) + (a2 + a3);
    *wv = (b0 + b1) + (b2 + b3);
}

FG_CLONES
void fg_cheb_combine(int64_t rows, int32_t columns, int64_t ld, const double *hv, const double *v, double *w,
                     double shift, double inv, int32_t first, double *acc, const double *coef, double *dots)
{
    for (int32_t c = 0; c < columns; c++) {
        const double *h = hv + c * ld, *x = v + c * ld;
        double *y = w + c * ld;
        if (first) {
            for (int64_t i = 0; i < rows; i++) y[i] = (h[i] - shift * x[i]) * inv;
        } else {
            for (int64_t i = 0; i < rows; i++) { double t = (h[i] - shift * x[i]) * inv; y[i] = 2 * t - y[i]; }
        }
        if (acc) {
            double *a = acc + c * ld;
            const double k = *coef;
            for (int64_t i = 0; i < rows; i++) a[i] += k * y[i];
        }
        if (dots) chunk_dots(rows, x, y, dots + 2 * c, dots + 2 * c + 1);
    }
}

/// H_ii x_i + sum_j H_ij x_j for one site by the general rule (any boundary, any zero hopping):
/// the stored entries of the CSR row (diagonal always, hoppings that are not exactly zero, each
/// bond that an open boundary does not cut), summed in increasing column order from 0.0.
static double site_general(const fg_stencil *s, int64_t x, int64_t y, const double *v)
{
    static const int dx[8] = {1, -1, 0, 0, 1, -1, 1, -1};
    static const int dy[8] = {0, 0, 1, -1, 1, -1, -1, 1};
    int64_t col[9];
    double val[9];
    int k = 0;
    const int64_t i = x + s->lx * y;
    col[k] = i; val[k] = s->onsite[i]; k++;
    for (int b = 0; b < 8; b++) {
        const double t = b < 4 ? s->t1 : s->t2;
        if (t == 0) continue;
        int64_t nx = x + dx[b], ny = y + dy[b];
        if (nx < 0 || nx >= s->lx) { if (!s->periodic_x) continue; nx = (nx + s->lx) % s->lx; }
        if (ny < 0 || ny >= s->ly) { if (!s->periodic_y) continue; ny = (ny + s->ly) % s->ly; }
        col[k] = nx + s->lx * ny; val[k] = t; k++;
    }
    for (int a = 1; a < k; a++) {
        const int64_t c = col[a];
        const double t = val[a];
        int b = a - 1;
        while (b >= 0 && col[b] > c) { col[b + 1] = col[b]; val[b + 1] = val[b]; b--; }
        col[b + 1] = c; val[b + 1] = t;
    }
    double acc = 0.0;
    for (int a = 0; a < k; a++) acc += val[a] * v[col[a]];
    return acc;
}

/// y[i] = (H v)_i for sites lo <= i < hi of one column: interior sites by the nine-point
/// stencil in column order (row y-1, row y, row y+1, each left to right), the rest by
/// site_general.
static inline void stencil_range(const fg_stencil *s, int64_t lo, int64_t hi, const double *v, double *out)
{
    const int64_t lx = s->lx, ly = s->ly;
    const double t1 = s->t1, t2 = s->t2;
    const int fast_ok = t1 != 0 && t2 != 0;
    int64_t i = lo;
    while (i < hi) {
        const int64_t y = i / lx, x0 = i - y * lx;
        const int64_t x1 = (hi - y * lx) < lx ? hi - y * lx : lx;   // this lattice row: x0 <= x < x1
        const int64_t row = y * lx;
        if (fast_ok && y >= 1 && y <= ly - 2) {
            int64_t xa = x0 > 1 ? x0 : 1, xb = x1 < lx - 1 ? x1 : lx - 1;
            for (int64_t x = x0; x < x1 && x < xa; x++) out[row + x - lo] = site_general(s, x, y, v);
            const double *vm = v + row - lx, *vz = v + row, *vp = v + row + lx, *e = s->onsite + row;
            double *o = out + row - lo;
            for (int64_t x = xa; x < xb; x++) {
                double a = 0.0;
                a += t2 * vm[x - 1]; a += t1 * vm[x]; a += t2 * vm[x + 1];
                a += t1 * vz[x - 1]; a += e[x] * vz[x]; a += t1 * vz[x + 1];
                a += t2 * vp[x - 1]; a += t1 * vp[x]; a += t2 * vp[x + 1];
                o[x] = a;
            }
            for (int64_t x = xb > x0 ? xb : x0; x < x1; x++) out[row + x - lo] = site_general(s, x, y, v);
        } else {
            for (int64_t x = x0; x < x1; x++) out[row + x - lo] = site_general(s, x, y, v);
        }
        i = row + x1;
    }
}

FG_CLONES
void fg_stencil_apply(const fg_stencil *s, int64_t lo, int64_t hi, int32_t columns, int64_t ld, const double *x, double *y)
{
    for (int32_t c = 0; c < columns; c++) stencil_range(s, lo, hi, x + c * ld, y + c * ld + lo);
}

FG_CLONES
void fg_stencil_cheb(const fg_stencil *s, int64_t lo, int64_t hi, int32_t columns, int64_t ld, const double *v, double *w,
                     double shift, double inv, int32_t first, double *scratch, double *dots)
{
    const int64_t rows = hi - lo;
    for (int32_t c = 0; c < columns; c++) {
        const double *x = v + c * ld;
        double *y = w + c * ld + lo;
        stencil_range(s, lo, hi, x, scratch);
        const double *xr = x + lo;
        if (first) {
            for (int64_t i = 0; i < rows; i++) y[i] = (scratch[i] - shift * xr[i]) * inv;
        } else {
            for (int64_t i = 0; i < rows; i++) { double t = (scratch[i] - shift * xr[i]) * inv; y[i] = 2 * t - y[i]; }
        }
        if (dots) chunk_dots(rows, xr, y, dots + 2 * c, dots + 2 * c + 1);
    }
}
