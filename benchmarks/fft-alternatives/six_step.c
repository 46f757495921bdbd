/* Six-step (Bailey) power spectrum prototype: the N/2-point complex FFT of the packed signal as
 * n1 x n2 with blocked gathers, FFTW batches of R rows, two-level twiddles, then the real post-pass
 * reading rows k1 and n1-k1; compared with memcpy + in-place r2c (FFTW_ESTIMATE).
 * Build: gcc -O2 -march=native six_step.c -o six_step -lfftw3 -lm
 * Run:   ./six_step [lg_min] [lg_max] [R] */
#include <fftw3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
typedef struct {double re,im;} cx;
static inline cx cmul(cx a, cx b){cx r={a.re*b.re-a.im*b.im, a.re*b.im+a.im*b.re}; return r;}
int R=16;
int main(int argc,char**argv){
  int lo=argc>1?atoi(argv[1]):14, hi=argc>2?atoi(argv[2]):20; if(argc>3)R=atoi(argv[3]);
  for(int lg=lo;lg<=hi;lg++){
    int N=1<<lg, M=N/2, lm=lg-1; int l1=lm/2, l2=lm-l1; int n1=1<<l1, n2=1<<l2; // z[j1*n2+j2], j1<n1, j2<n2
    double*x=malloc(8*N); for(int i=0;i<N;i++)x[i]=rand()/(double)RAND_MAX*2-1;
    cx*A=fftw_malloc(16*(size_t)M), *B=fftw_malloc(16*(size_t)M); double*P=malloc(8*(M+1));
    // twiddles W_M^e = hi[e>>s]*lo[e&mask]
    int s=(lm+1)/2; int nlo=1<<s, nhi=(M>>s)+1; cx*tlo=malloc(16*nlo),*thi=malloc(16*nhi);
    for(int i=0;i<nlo;i++){double a=-2*M_PI*(double)i/M;tlo[i].re=cos(a);tlo[i].im=sin(a);}
    for(int i=0;i<nhi;i++){double a=-2*M_PI*((double)i*nlo)/M;thi[i].re=cos(a);thi[i].im=sin(a);}
    // post twiddles W_N^k, k<=M/2: k = k1 + n1*k2 -> wa[k1]*wb[k2]
    cx*wa=malloc(16*n1),*wb=malloc(16*(n2+1));
    for(int i=0;i<n1;i++){double a=-2*M_PI*(double)i/N;wa[i].re=cos(a);wa[i].im=sin(a);}
    for(int i=0;i<=n2;i++){double a=-2*M_PI*((double)i*n1)/N;wb[i].re=cos(a);wb[i].im=sin(a);}
    int nn[1];
    nn[0]=n1; fftw_plan pa=fftw_plan_many_dft(1,nn,R,(fftw_complex*)A,NULL,1,n1,(fftw_complex*)A,NULL,1,n1,FFTW_FORWARD,FFTW_ESTIMATE);
    nn[0]=n2; fftw_plan pb=fftw_plan_many_dft(1,nn,R,(fftw_complex*)B,NULL,1,n2,(fftw_complex*)B,NULL,1,n2,FFTW_FORWARD,FFTW_ESTIMATE);
    double*rr=fftw_malloc(16*(M+1)); fftw_plan pr=fftw_plan_dft_r2c_1d(N,rr,(fftw_complex*)rr,FFTW_ESTIMATE);
    int loops=(1<<20)/N; if(loops<1)loops=1; double best[5]={1e9,1e9,1e9,1e9,1e9};
    for(int rep=0;rep<10;rep++){
      double tt[5]={0};
      for(int l=0;l<loops;l++){
        const cx*z=(const cx*)x; double t0=now();
        // step 1+2: A row j2 (len n1) = column j2 of z; FFT; twiddle W_M^{j2 k1}
        for(int j2b=0;j2b<n2;j2b+=R){
          cx*blk=A+(size_t)j2b*n1;
          for(int j1=0;j1<n1;j1++){ const cx*src=z+(size_t)j1*n2+j2b; for(int r=0;r<R;r++) blk[(size_t)r*n1+j1]=src[r]; }
          fftw_execute_dft(pa,(fftw_complex*)blk,(fftw_complex*)blk);
          for(int r=0;r<R;r++){ int j2=j2b+r; cx*row=blk+(size_t)r*n1; for(int k1=1;k1<n1;k1++){ int e=j2*k1; row[k1]=cmul(row[k1],cmul(thi[e>>s],tlo[e&(nlo-1)])); } }
        }
        double t1=now();
        // step 3+4: B row k1 (len n2) = column k1 of A (A[j2*n1+k1]); FFT -> Z[k1 + n1 k2] at B[k1*n2+k2]
        for(int k1b=0;k1b<n1;k1b+=R){
          cx*blk=B+(size_t)k1b*n2;
          for(int j2=0;j2<n2;j2++){ const cx*src=A+(size_t)j2*n1+k1b; for(int r=0;r<R;r++) blk[(size_t)r*n2+j2]=src[r]; }
          fftw_execute_dft(pb,(fftw_complex*)blk,(fftw_complex*)blk);
        }
        double t2=now();
        // post: pair (k, M-k); row k1 with row n1-k1 reversed
        { cx z0=B[0]; double e=z0.re,o=z0.im; P[0]=(e+o)*(e+o); P[M]=(e-o)*(e-o); }
        for(int k1=0;k1<=n1/2;k1++){
          const cx*row=B+(size_t)k1*n2;
          int start = k1==0?1:0; int end = (k1==0)? n2/2+1 : (2*k1==n1? n2/2 : n2);
          cx wk1=wa[k1];
          for(int k2=start;k2<end;k2++){
            size_t k=k1+(size_t)n1*k2; cx a=row[k2];
            cx b = k1==0 ? B[(n2-k2)%n2] : B[(size_t)(n1-k1)*n2 + (n2-1-k2)];
            cx w=cmul(wk1,wb[k2]);
            double er=0.5*(a.re+b.re), ei=0.5*(a.im-b.im), orr=0.5*(a.im+b.im), oi=0.5*(b.re-a.re);
            double tr=w.re*orr-w.im*oi, ti=w.re*oi+w.im*orr;
            P[k]=(er+tr)*(er+tr)+(ei+ti)*(ei+ti); P[M-k]=(er-tr)*(er-tr)+(ei-ti)*(ei-ti);
          }
        }
        double t3=now(); tt[0]+=t1-t0; tt[1]+=t2-t1; tt[2]+=t3-t2; tt[3]+=t3-t0;
        double t4=now(); memcpy(rr,x,8*N); fftw_execute(pr); for(int k=0;k<=M;k++){double q=rr[2*k]*rr[2*k]+rr[2*k+1]*rr[2*k+1]; (void)q;} tt[4]+=now()-t4;
      }
      for(int i=0;i<5;i++) if(tt[i]/loops<best[i])best[i]=tt[i]/loops;
    }
    memcpy(rr,x,8*N); fftw_execute(pr); double err=0,mx=0;
    for(int k=0;k<=M;k++){double r=rr[2*k]*rr[2*k]+rr[2*k+1]*rr[2*k+1]; if(r>mx)mx=r; double d=fabs(r-P[k]); if(d>err)err=d;}
    printf("2^%d (%dx%d R=%d) six-step %.1f [A %.1f B %.1f post %.1f]  fftw-r2c %.1f us  relerr %.2g\n",lg,n1,n2,R,best[3]*1e6,best[0]*1e6,best[1]*1e6,best[2]*1e6,best[4]*1e6,err/mx); fflush(stdout);
  }
}
