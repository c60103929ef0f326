/* Block Gram-Schmidt kernels against OpenBLAS (docs/benchmarks/engine.md, 2026-11-25 second
 * session): C = V^T W and W -= V C for a basis V (n x m, column-major) and a block W of 8 columns,
 * the two shapes of the block Krylov-Schur orthogonalization. Hand-written AVX-512 (3 x 8 and
 * 4 x 8 register blocks, no packing) against cblas_dgemm, best of `reps`, with the max difference.
 *   gcc -O3 -DRT=4096 -DRN=4096 -o ok orthogonalization_kernels.c -lopenblas -lm && ./ok 40000 200 20
 */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
#include <cblas.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
#ifndef RT
#define RT 2048
#endif
#ifndef RN
#define RN 2048
#endif
/* C[j + c*ldc] (=|+=) sum_i V[i + j*ldv] W[i + c*ldw], j < m, c < 8, i < n. */
__attribute__((target("avx512f,avx512dq,fma")))
static void tn8(int n, int m, const double *V, long ldv, const double *W, long ldw, double *C, int ldc, int beta) {
  if (!beta) for (int c=0;c<8;c++) for (int j=0;j<m;j++) C[j+c*ldc]=0;
  for (int r0 = 0; r0 < n; r0 += RT) {
    int rr = n - r0 < RT ? n - r0 : RT, rv = rr & ~7;
    const double *w = W + r0;
    int j = 0;
    for (; j + 3 <= m; j += 3) {
      const double *v0 = V + (long)j*ldv + r0, *v1 = v0 + ldv, *v2 = v1 + ldv;
      __m512d a00=_mm512_setzero_pd(),a01=a00,a02=a00,a03=a00,a04=a00,a05=a00,a06=a00,a07=a00;
      __m512d a10=a00,a11=a00,a12=a00,a13=a00,a14=a00,a15=a00,a16=a00,a17=a00;
      __m512d a20=a00,a21=a00,a22=a00,a23=a00,a24=a00,a25=a00,a26=a00,a27=a00;
      for (int i = 0; i < rv; i += 8) {
        __m512d x0=_mm512_loadu_pd(v0+i), x1=_mm512_loadu_pd(v1+i), x2=_mm512_loadu_pd(v2+i), y;
#define S(c) y=_mm512_loadu_pd(w+c*ldw+i); a0##c=_mm512_fmadd_pd(x0,y,a0##c); a1##c=_mm512_fmadd_pd(x1,y,a1##c); a2##c=_mm512_fmadd_pd(x2,y,a2##c);
        S(0) S(1) S(2) S(3) S(4) S(5) S(6) S(7)
#undef S
      }
      double t[3][8];
#define R(q,c) t[q][c]=_mm512_reduce_add_pd(a##q##c);
      R(0,0)R(0,1)R(0,2)R(0,3)R(0,4)R(0,5)R(0,6)R(0,7)R(1,0)R(1,1)R(1,2)R(1,3)R(1,4)R(1,5)R(1,6)R(1,7)R(2,0)R(2,1)R(2,2)R(2,3)R(2,4)R(2,5)R(2,6)R(2,7)
#undef R
      for (int i = rv; i < rr; i++) for (int c=0;c<8;c++){double y=w[c*ldw+i]; t[0][c]+=v0[i]*y; t[1][c]+=v1[i]*y; t[2][c]+=v2[i]*y;}
      for (int c=0;c<8;c++){C[j+c*ldc]+=t[0][c];C[j+1+c*ldc]+=t[1][c];C[j+2+c*ldc]+=t[2][c];}
    }
    for (; j < m; j++) {
      const double *v0 = V + (long)j*ldv + r0;
      for (int c=0;c<8;c++){ double s=0; for(int i=0;i<rr;i++) s+=v0[i]*w[c*ldw+i]; C[j+c*ldc]+=s; }
    }
  }
}
/* W[i + c*ldw] -= sum_j V[i + j*ldv] C[j + c*ldc] */
__attribute__((target("avx512f,avx512dq,fma")))
static void nn8(int n, int m, const double *V, long ldv, const double *C, int ldc, double *W, long ldw) {
  for (int r0 = 0; r0 < n; r0 += RN) {
    int rr = n - r0 < RN ? n - r0 : RN, rv = rr & ~7;
    double *w = W + r0;
    int j = 0;
    for (; j + 4 <= m; j += 4) {
      const double *v0 = V + (long)j*ldv + r0, *v1 = v0 + ldv, *v2 = v1 + ldv, *v3 = v2 + ldv;
      __m512d b[4][8];
      for (int q=0;q<4;q++) for (int c=0;c<8;c++) b[q][c]=_mm512_set1_pd(C[j+q+c*ldc]);
      for (int i = 0; i < rv; i += 8) {
        __m512d x0=_mm512_loadu_pd(v0+i), x1=_mm512_loadu_pd(v1+i), x2=_mm512_loadu_pd(v2+i), x3=_mm512_loadu_pd(v3+i);
        for (int c=0;c<8;c++){ __m512d y=_mm512_loadu_pd(w+c*ldw+i);
          y=_mm512_fnmadd_pd(x0,b[0][c],y); y=_mm512_fnmadd_pd(x1,b[1][c],y); y=_mm512_fnmadd_pd(x2,b[2][c],y); y=_mm512_fnmadd_pd(x3,b[3][c],y);
          _mm512_storeu_pd(w+c*ldw+i,y);}
      }
      for (int i = rv; i < rr; i++) for (int c=0;c<8;c++) w[c*ldw+i] -= v0[i]*C[j+c*ldc]+v1[i]*C[j+1+c*ldc]+v2[i]*C[j+2+c*ldc]+v3[i]*C[j+3+c*ldc];
    }
    for (; j < m; j++) { const double *v0 = V + (long)j*ldv + r0; for (int c=0;c<8;c++){double s=C[j+c*ldc]; for(int i=0;i<rr;i++) w[c*ldw+i]-=v0[i]*s;} }
  }
}
int main(int argc,char**argv){
  int n=atoi(argv[1]), m=atoi(argv[2]), b=8, reps=atoi(argv[3]);
  double *V=aligned_alloc(64,sizeof(double)*(size_t)n*(m+b));
  for(size_t i=0;i<(size_t)n*(m+b);i++) V[i]=(double)rand()/RAND_MAX-0.5;
  double *W=V+(size_t)n*m, *C1=malloc(8*m*8), *C2=malloc(8*m*8);
  double *W0=malloc(8*(size_t)n*8), *Wb=malloc(8*(size_t)n*8); memcpy(W0,W,8*(size_t)n*8);
  double tb=1e9,tk=1e9,ub=1e9,uk=1e9,t0,t;
  for(int r=0;r<reps;r++){
    t0=now(); cblas_dgemm(CblasColMajor,CblasTrans,CblasNoTrans,m,b,n,1,V,n,W,n,0,C1,m); t=now()-t0; if(t<tb)tb=t;
    t0=now(); tn8(n,m,V,n,W,n,C2,m,0); t=now()-t0; if(t<tk)tk=t;
    double e=0; for(int i=0;i<m*8;i++){double d=fabs(C1[i]-C2[i]); if(d>e)e=d;} if(r==0) printf("tn maxdiff %g  ",e);
    t0=now(); cblas_dgemm(CblasColMajor,CblasNoTrans,CblasNoTrans,n,b,m,-1,V,n,C1,m,1,W,n); t=now()-t0; if(t<ub)ub=t;
    memcpy(Wb,W,8*(size_t)n*8); memcpy(W,W0,8*(size_t)n*8);
    t0=now(); nn8(n,m,V,n,C1,m,W,n); t=now()-t0; if(t<uk)uk=t;
    e=0; for(size_t i=0;i<(size_t)n*8;i++){double d=fabs(Wb[i]-W[i]); if(d>e)e=d;} if(r==0) printf("nn maxdiff %g\n",e);
    memcpy(W,W0,8*(size_t)n*8);
  }
  double gb=8.0*n*m/1e9;
  printf("n=%d m=%d TN: blas %.2f ms (%.1f GB/s) kern %.2f ms (%.1f GB/s) | NN: blas %.2f ms (%.1f GB/s) kern %.2f ms (%.1f GB/s)\n",n,m,tb*1e3,gb/tb,tk*1e3,gb/tk,ub*1e3,gb/ub,uk*1e3,gb/uk);
}
