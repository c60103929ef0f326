#include "FermiGlassKernels.h"

// Bit-for-bit contracts (see FermiGlassKernels.h): no fused multiply-adds, every sum in the
// order written, so these kernels reproduce the Swift CSR product and ChebyshevCore exactly.
#pragma clang fp contract(off)

#if defined(__x86_64__) && defined(__linux__)
#define FG_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define FG_CLONES
#endif

typedef double v8 __attribute__((vector_size(64)));

/// vv = sum v_i^2, wv = sum w_i v_i over n entries: eight lanes by i mod 8 (one 8-wide vector),
/// the tail added to lanes 0.., combined as ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)).
/// The order depends on n only (the same on every instruction set: lane-wise IEEE arithmetic).
static inline void chunk_dots(int64_t n, const double *v, const double *w, double *vv, double *wv)
{
    v8 a = {0}, b = {0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v8 x, y;
        __builtin_memcpy(&x, v + i, sizeof x);
        __builtin_memcpy(&y, w + i, sizeof y);
        a += x * x;
        b += y * x;
    }
    for (int k = 0; i < n; i++, k++) { a[k] += v[i] * v[i]; b[k] += w[i] * v[i]; }
    *vv = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
    *wv = ((b[0] + b[1]) + (b[2] + b[3])) + ((b[4] + b[5]) + (b[6] + b[7]));
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

/// The value stored for site i from a = (H v)_i: a itself (mode 0), t = (a - shift v_i) inv
/// (mode 1, T_1), or 2 t - out_i (mode 2, T_{n+1} over T_{n-1}).
static inline double finish(int mode, double a, double vi, double old, double shift, double inv)
{
    if (mode == 0) return a;
    const double t = (a - shift * vi) * inv;
    return mode == 1 ? t : 2 * t - old;
}

/// out[i - lo] = finish((H v)_i) for sites lo <= i < hi of one column: interior sites by the
/// nine-point stencil in column order (row y-1, row y, row y+1, each left to right), the rest
/// by site_general. `mode` is a constant at every call, so each use compiles to its own loop.
static inline void stencil_range(const fg_stencil *s, int64_t lo, int64_t hi, const double *v, double *out,
                                 int mode, double shift, double inv)
{
    const int64_t lx = s->lx, ly = s->ly;
    const double t1 = s->t1, t2 = s->t2;
    const int fast_ok = t1 != 0 && t2 != 0;
    int64_t i = lo;
    while (i < hi) {
        const int64_t y = i / lx, x0 = i - y * lx;
        const int64_t x1 = (hi - y * lx) < lx ? hi - y * lx : lx;   // this lattice row: x0 <= x < x1
        const int64_t row = y * lx;
        double *o = out + row - lo;
        const double *vz = v + row;
        int64_t xa = x1, xb = x1;                                    // the fast range xa <= x < xb
        if (fast_ok && y >= 1 && y <= ly - 2) {
            xa = x0 > 1 ? x0 : 1;
            xb = x1 < lx - 1 ? x1 : lx - 1;
            if (xb < xa) xb = xa;
        }
        for (int64_t x = x0; x < x1 && x < xa; x++) o[x] = finish(mode, site_general(s, x, y, v), vz[x], o[x], shift, inv);
        if (xa < xb) {
            const double *vm = vz - lx, *vp = vz + lx, *e = s->onsite + row;
            // 8 sites per vector (one zmm on AVX-512, the clone clang otherwise keeps at 256 bits).
#pragma clang loop vectorize_width(8) interleave_count(2)
            for (int64_t x = xa; x < xb; x++) {
                double a = 0.0;
                a += t2 * vm[x - 1]; a += t1 * vm[x]; a += t2 * vm[x + 1];
                a += t1 * vz[x - 1]; a += e[x] * vz[x]; a += t1 * vz[x + 1];
                a += t2 * vp[x - 1]; a += t1 * vp[x]; a += t2 * vp[x + 1];
                o[x] = finish(mode, a, vz[x], o[x], shift, inv);
            }
        }
        for (int64_t x = xb > x0 ? xb : x0; x < x1; x++) o[x] = finish(mode, site_general(s, x, y, v), vz[x], o[x], shift, inv);
        i = row + x1;
    }
}

FG_CLONES
void fg_stencil_apply(const fg_stencil *s, int64_t lo, int64_t hi, int32_t columns, int64_t ld, const double *x, double *y)
{
    for (int32_t c = 0; c < columns; c++) stencil_range(s, lo, hi, x + c * ld, y + c * ld + lo, 0, 0, 1);
}

FG_CLONES
void fg_stencil_cheb(const fg_stencil *s, int64_t lo, int64_t hi, int32_t columns, int64_t ld, const double *v, double *w,
                     double shift, double inv, int32_t first, double *dots)
{
    const int64_t rows = hi - lo;
    for (int32_t c = 0; c < columns; c++) {
        const double *x = v + c * ld;
        double *y = w + c * ld + lo;
        if (first) stencil_range(s, lo, hi, x, y, 1, shift, inv);
        else stencil_range(s, lo, hi, x, y, 2, shift, inv);
        if (dots) chunk_dots(rows, x + lo, y, dots + 2 * c, dots + 2 * c + 1);
    }
}
