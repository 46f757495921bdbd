#ifndef CBLAS_SHIM_H
#define CBLAS_SHIM_H
// openblas.pc puts .../openblas-pthread first on the include path, so this is OpenBLAS's cblas.h
// (not the netlib alternative, which lacks openblas_* and uses CBLAS_LAYOUT).
#include <cblas.h>
#endif
