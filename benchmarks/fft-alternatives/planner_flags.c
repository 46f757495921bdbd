/* FFTW_ESTIMATE r2c power spectra with the "beyond-guru" planner flags of fftw3.h added one at a
 * time (plain, DESTROY_INPUT, CONSERVE_MEMORY, NO_BUFFERING, NO_INDIRECT_OP, NO_FIXED_RADIX_LARGE_N,
 * NO_VRECURSE, ESTIMATE_PATIENT, NO_RANK_SPLITS|NO_VRANK_SPLITS, NO_SLOW), in place (arg 0) or out
 * of place (arg 1); best of 12, microseconds per call including memcpy and |X|^2.
 * Build: gcc -O2 -march=native planner_flags.c -o planner_flags -lfftw3 -lm */
#include <fftw3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
#define NF 10
unsigned extra[NF]={0,FFTW_DESTROY_INPUT,FFTW_CONSERVE_MEMORY,FFTW_NO_BUFFERING,FFTW_NO_INDIRECT_OP,FFTW_NO_FIXED_RADIX_LARGE_N,FFTW_NO_VRECURSE,FFTW_ESTIMATE_PATIENT,FFTW_NO_RANK_SPLITS|FFTW_NO_VRANK_SPLITS,FFTW_NO_SLOW};
const char*nm[NF]={"plain","destroy","conserve","nobuf","noindop","nofixedlarge","novrec","estpatient","nosplits","noslow"};
int main(int argc,char**argv){
  int oop = argc>1?atoi(argv[1]):0; int lo=argc>2?atoi(argv[2]):12, hi=argc>3?atoi(argv[3]):20;
  printf("%s\n", oop?"out-of-place":"in-place");
  printf("size "); for(int f=0;f<NF;f++) printf("%12s ",nm[f]); printf("\n");
  for(int lg=lo;lg<=hi;lg++){
    int N=1<<lg, M=N/2;
    double*x=malloc(8*N); for(int i=0;i<N;i++)x[i]=rand()/(double)RAND_MAX*2-1;
    double*buf=fftw_malloc(16*(M+1)); double*out=fftw_malloc(16*(M+1)); double*P=malloc(8*(M+1));
    fftw_plan p[NF];
    for(int f=0;f<NF;f++) p[f]=fftw_plan_dft_r2c_1d(N,buf,(fftw_complex*)(oop?out:buf),FFTW_ESTIMATE|extra[f]);
    int loops=(1<<20)/N; if(loops<1)loops=1;
    double best[NF]; for(int f=0;f<NF;f++)best[f]=1e9;
    for(int rep=0;rep<12;rep++) for(int f=0;f<NF;f++){
      double*o=oop?out:buf;
      double t=now();
      for(int l=0;l<loops;l++){memcpy(buf,x,8*N);fftw_execute(p[f]);for(int k=0;k<=M;k++)P[k]=o[2*k]*o[2*k]+o[2*k+1]*o[2*k+1];}
      t=(now()-t)/loops; if(t<best[f])best[f]=t;
    }
    printf("2^%d ",lg); for(int f=0;f<NF;f++) printf("%12.1f ",best[f]*1e6); printf("\n"); fflush(stdout);
  }
}
