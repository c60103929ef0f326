/* The fused second Gram-Schmidt pass (W_c -= V_c C1; C2 += V_c^T W_c in row chunks) against two
 * full passes, for chunk sizes 65536/m, 4096 and 16384, and block widths b (4th argument).
 *   gcc -O2 -o oc orthogonalization_chunks.c -lopenblas && ./oc 40000 200 20 8
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cblas.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
int main(int argc,char**argv){
  int n=atoi(argv[1]), m=atoi(argv[2]), b=atoi(argv[4]), reps=atoi(argv[3]);
  double *V=aligned_alloc(64,sizeof(double)*(size_t)n*(m+b));
  for(size_t i=0;i<(size_t)n*(m+b);i++) V[i]=(double)rand()/RAND_MAX-0.5;
  double *W=V+(size_t)n*m, *C1=malloc(8*m*b), *C2=malloc(8*m*b);
  double best[4]={1e9,1e9,1e9,1e9};
  int chunks[3]={0,4096,16384};
  for(int r=0;r<reps;r++){
    double t0=now();
    cblas_dgemm(CblasColMajor,CblasTrans,CblasNoTrans,m,b,n,1,V,n,W,n,0,C1,m);
    double tp=now()-t0; if(tp<best[0])best[0]=tp;
    for(int q=0;q<3;q++){
      int chunk = q==0 ? (65536/m>256?65536/m:256) : chunks[q];
      memset(C2,0,8*m*b);
      t0=now();
      for(int row=0;row<n;row+=chunk){int rows=n-row<chunk?n-row:chunk;
        cblas_dgemm(CblasColMajor,CblasNoTrans,CblasNoTrans,rows,b,m,-1e-3,V+row,n,C1,m,1,W+row,n);
        cblas_dgemm(CblasColMajor,CblasTrans,CblasNoTrans,m,b,rows,1,V+row,n,W+row,n,1,C2,m);}
      double t=now()-t0; if(t<best[q+1])best[q+1]=t;
    }
  }
  printf("n=%d m=%d: one full pass %.2f ms; fused chunk(%d) %.2f ms; chunk 4096 %.2f; chunk 16384 %.2f  (2 full passes = %.2f)\n",n,m,best[0]*1e3,65536/m,best[1]*1e3,best[2]*1e3,best[3]*1e3,2*best[0]*1e3);
}
