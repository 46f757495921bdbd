#ifndef CFFTW3_SHIM_H
#define CFFTW3_SHIM_H
// Never include <complex.h> first: fftw_complex must stay double[2] to import as a Swift tuple.
#include <fftw3.h>
static inline const char *cfftw3_version(void) { return fftw_version; }
#endif
