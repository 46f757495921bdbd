/* FFTW_ESTIMATE power spectra: in-place r2c, halfcomplex r2r (R2HC) in and out of place, and
 * in-place r2c planned with 2 FFTW threads; best of 12, microseconds per call.
 * Build: gcc -O2 -march=native variants.c -o variants -lfftw3 -lfftw3_threads -lm */
#include <fftw3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
int main(int argc,char**argv){
  int lo=argc>1?atoi(argv[1]):12, hi=argc>2?atoi(argv[2]):20;
  fftw_init_threads();
  printf("size   r2c-ip  r2hc-ip  r2hc-oop  r2c-ip-2thr\n");
  for(int lg=lo;lg<=hi;lg++){
    int N=1<<lg, M=N/2;
    double*x=malloc(8*N); for(int i=0;i<N;i++)x[i]=rand()/(double)RAND_MAX*2-1;
    double*a=fftw_malloc(16*(M+1)),*b=fftw_malloc(16*(M+1)),*P=malloc(8*(M+1));
    fftw_plan_with_nthreads(1);
    fftw_plan p0=fftw_plan_dft_r2c_1d(N,a,(fftw_complex*)a,FFTW_ESTIMATE);
    fftw_plan p1=fftw_plan_r2r_1d(N,a,a,FFTW_R2HC,FFTW_ESTIMATE);
    fftw_plan p2=fftw_plan_r2r_1d(N,a,b,FFTW_R2HC,FFTW_ESTIMATE);
    fftw_plan_with_nthreads(2);
    fftw_plan p3=fftw_plan_dft_r2c_1d(N,a,(fftw_complex*)a,FFTW_ESTIMATE);
    int loops=(1<<20)/N; if(loops<1)loops=1; double best[4]={1e9,1e9,1e9,1e9};
    for(int rep=0;rep<12;rep++) for(int v=0;v<4;v++){
      double t=now();
      for(int l=0;l<loops;l++){
        memcpy(a,x,8*N);
        if(v==0||v==3){fftw_execute(v==0?p0:p3); for(int k=0;k<=M;k++)P[k]=a[2*k]*a[2*k]+a[2*k+1]*a[2*k+1];}
        else { double*o=v==1?a:b; fftw_execute(v==1?p1:p2); P[0]=o[0]*o[0]; for(int k=1;k<M;k++)P[k]=o[k]*o[k]+o[N-k]*o[N-k]; P[M]=o[M]*o[M]; }
      }
      t=(now()-t)/loops; if(t<best[v])best[v]=t;
    }
    printf("2^%d %8.1f %8.1f %8.1f %8.1f\n",lg,best[0]*1e6,best[1]*1e6,best[2]*1e6,best[3]*1e6); fflush(stdout);
  }
}
