#include "FermiGlassKernels.h"

typedef double v8 __attribute__((vector_size(64)));
enum { PANEL = 512 };

#if defined(__x86_64__) && defined(__linux__)
#define FG_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define FG_CLONES
#endif

static inline void load_panel(v8 *wt, const double *w, int64_t ldw, int64_t r0, int64_t rows) {
    for (int64_t i = 0; i < rows; i++) {
        v8 t;
        for (int k = 0; k < 8; k++) t[k] = w[r0 + i + k * ldw];
        wt[i] = t;
    }
}

FG_CLONES
void fg_project8(int64_t n, int32_t m, const double *v, int64_t ldv, const double *w, int64_t ldw,
                 double *c, int32_t ldc)
{
    v8 wt[PANEL];
    for (int32_t j = 0; j < m; j++)
        for (int k = 0; k < 8; k++) c[j + k * ldc] = 0;
    for (int64_t r0 = 0; r0 < n; r0 += PANEL) {
        const int64_t rows = n - r0 < PANEL ? n - r0 : PANEL;
        load_panel(wt, w, ldw, r0, rows);
        int32_t j = 0;
        for (; j + 8 <= m; j += 8) {
            const double *v0 = v + r0 + j * ldv, *v1 = v0 + ldv, *v2 = v1 + ldv, *v3 = v2 + ldv;
            const double *v4 = v3 + ldv, *v5 = v4 + ldv, *v6 = v5 + ldv, *v7 = v6 + ldv;
            v8 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0}, a6 = {0}, a7 = {0};
            for (int64_t i = 0; i < rows; i++) {
                const v8 x = wt[i];
                a0 += v0[i] * x; a1 += v1[i] * x; a2 += v2[i] * x; a3 += v3[i] * x;
                a4 += v4[i] * x; a5 += v5[i] * x; a6 += v6[i] * x; a7 += v7[i] * x;
            }
            for (int k = 0; k < 8; k++) {
                c[j + k * ldc] += a0[k]; c[j + 1 + k * ldc] += a1[k]; c[j + 2 + k * ldc] += a2[k]; c[j + 3 + k * ldc] += a3[k];
                c[j + 4 + k * ldc] += a4[k]; c[j + 5 + k * ldc] += a5[k]; c[j + 6 + k * ldc] += a6[k]; c[j + 7 + k * ldc] += a7[k];
            }
        }
        for (; j < m; j++) {
            const double *v0 = v + r0 + j * ldv;
            v8 a0 = {0};
            for (int64_t i = 0; i < rows; i++) a0 += v0[i] * wt[i];
            for (int k = 0; k < 8; k++) c[j + k * ldc] += a0[k];
        }
    }
}

FG_CLONES
void fg_subtract8(int64_t n, int32_t m, const double *v, int64_t ldv, const double *c, int32_t ldc,
                  double *w, int64_t ldw)
{
    v8 wt[PANEL];
    for (int64_t r0 = 0; r0 < n; r0 += PANEL) {
        const int64_t rows = n - r0 < PANEL ? n - r0 : PANEL;
        load_panel(wt, w, ldw, r0, rows);
        int32_t j = 0;
        for (; j + 8 <= m; j += 8) {
            const double *v0 = v + r0 + j * ldv, *v1 = v0 + ldv, *v2 = v1 + ldv, *v3 = v2 + ldv;
            const double *v4 = v3 + ldv, *v5 = v4 + ldv, *v6 = v5 + ldv, *v7 = v6 + ldv;
            v8 c0, c1, c2, c3, c4, c5, c6, c7;
            for (int k = 0; k < 8; k++) {
                c0[k] = c[j + k * ldc]; c1[k] = c[j + 1 + k * ldc]; c2[k] = c[j + 2 + k * ldc]; c3[k] = c[j + 3 + k * ldc];
                c4[k] = c[j + 4 + k * ldc]; c5[k] = c[j + 5 + k * ldc]; c6[k] = c[j + 6 + k * ldc]; c7[k] = c[j + 7 + k * ldc];
            }
            for (int64_t i = 0; i < rows; i++)
                wt[i] -= (v0[i] * c0 + v1[i] * c1 + v2[i] * c2 + v3[i] * c3) + (v4[i] * c4 + v5[i] * c5 + v6[i] * c6 + v7[i] * c7);
        }
        for (; j < m; j++) {
            const double *v0 = v + r0 + j * ldv;
            v8 c0;
            for (int k = 0; k < 8; k++) c0[k] = c[j + k * ldc];
            for (int64_t i = 0; i < rows; i++) wt[i] -= v0[i] * c0;
        }
        for (int64_t i = 0; i < rows; i++)
            for (int k = 0; k < 8; k++) w[r0 + i + k * ldw] = wt[i][k];
    }
}
