/* Power spectrum |rfft(x)|^2 of N real samples two ways, FFTW_ESTIMATE plans, one thread:
 *   r2c-ip        memcpy + in-place r2c of size N + |X|^2          (what Spectra.PowerSpectrum does)
 *   half-c2c+post memcpy + complex FFT of size N/2 on z_n = x_2n + i x_2n+1 (out of place, then in
 *                 place) + an O(N) pass that forms |X_k|^2 and |X_{N/2-k}|^2 directly:
 *                 E = (Z_k + conj Z_{M-k})/2, O = (Z_k - conj Z_{M-k})/(2i), X_k = E + W_N^k O,
 *                 X_{M-k} = conj(E - W_N^k O), W_N^k from a two-level table.
 * Prints best-of-20 microseconds per call and the max |difference| of the power / its maximum.
 * Build: gcc -O2 -march=native half_complex.c -o half_complex -lfftw3 -lfftw3_threads -lm
 * Run:   ./half_complex [threads for the c2c plans] [lg_min] [lg_max]   (see benchmarks/README.md) */
#include <fftw3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
typedef struct {double re,im;} cx;
int main(int argc,char**argv){
  int nth = argc>1?atoi(argv[1]):1; int lo_lg=argc>2?atoi(argv[2]):12, hi_lg=argc>3?atoi(argv[3]):20;
  if(nth>1){fftw_init_threads();}
  for(int lg=lo_lg;lg<=hi_lg;lg++){
    int N=1<<lg, M=N/2, Q=M/2; 
    int s=(lg-2+1)/2; int nlo=1<<s, nhi=(Q>>s)+1;
    cx*tl=malloc(16*nlo),*th=malloc(16*nhi);
    for(int i=0;i<nlo;i++){double a=-2*M_PI*i/N;tl[i].re=cos(a);tl[i].im=sin(a);}
    for(int i=0;i<nhi;i++){double a=-2*M_PI*((double)i*nlo)/N;th[i].re=cos(a);th[i].im=sin(a);}
    double*x=malloc(8*N); for(int i=0;i<N;i++)x[i]=rand()/(double)RAND_MAX*2-1;
    double*in=fftw_malloc(8*N); cx*Z=fftw_malloc(16*M); double*P=malloc(8*(M+1)); double*rr=fftw_malloc(16*(M+1));
    fftw_plan_with_nthreads(1);
    fftw_plan pr=fftw_plan_dft_r2c_1d(N,rr,(fftw_complex*)rr,FFTW_ESTIMATE);
    fftw_plan_with_nthreads(nth);
    fftw_plan pc=fftw_plan_dft_1d(M,(fftw_complex*)in,(fftw_complex*)Z,FFTW_FORWARD,FFTW_ESTIMATE);
    fftw_plan pci=fftw_plan_dft_1d(M,(fftw_complex*)in,(fftw_complex*)in,FFTW_FORWARD,FFTW_ESTIMATE);
    int loops=(1<<20)/N; if(loops<1)loops=1;
    double best[3]={1e9,1e9,1e9};
    for(int rep=0;rep<20;rep++){
      double t=now();
      for(int l=0;l<loops;l++){memcpy(rr,x,8*N);fftw_execute(pr);for(int k=0;k<=M;k++)P[k]=rr[2*k]*rr[2*k]+rr[2*k+1]*rr[2*k+1];}
      t=(now()-t)/loops; if(t<best[0])best[0]=t;
      for(int v=0;v<2;v++){
      t=now();
      for(int l=0;l<loops;l++){
        memcpy(in,x,8*N);
        cx*z; if(v==0){fftw_execute(pc); z=Z;} else {fftw_execute(pci); z=(cx*)in;}
        {double e=z[0].re,o=z[0].im; P[0]=(e+o)*(e+o); P[M]=(e-o)*(e-o);}
        for(int k=1;k<=Q;k++){
          cx a=z[k], b=z[M-k]; cx w1=th[k>>s], w2=tl[k&(nlo-1)];
          double wr=w1.re*w2.re-w1.im*w2.im, wi=w1.re*w2.im+w1.im*w2.re;
          double er=0.5*(a.re+b.re), ei=0.5*(a.im-b.im), orr=0.5*(a.im+b.im), oi=0.5*(b.re-a.re);
          double tr=wr*orr-wi*oi, ti=wr*oi+wi*orr;
          P[k]=(er+tr)*(er+tr)+(ei+ti)*(ei+ti); P[M-k]=(er-tr)*(er-tr)+(ei-ti)*(ei-ti);
        }
      }
      t=(now()-t)/loops; if(t<best[1+v])best[1+v]=t;
      }
    }
    memcpy(rr,x,8*N); fftw_execute(pr); double err=0,mx=0;
    for(int k=0;k<=M;k++){double r=rr[2*k]*rr[2*k]+rr[2*k+1]*rr[2*k+1]; if(r>mx)mx=r; double d=fabs(r-P[k]); if(d>err)err=d;}
    printf("2^%d r2c-ip %.1f  half-c2c-oop+post %.1f  half-c2c-ip+post %.1f us (thr %d) relerr %.2g\n",lg,best[0]*1e6,best[1]*1e6,best[2]*1e6,nth,err/mx);
  }
}
