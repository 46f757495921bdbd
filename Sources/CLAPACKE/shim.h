#ifndef CLAPACKE_SHIM_H
#define CLAPACKE_SHIM_H
// Both defines are needed for complex types to import as structs (LAPACK 3.11).
#define HAVE_LAPACK_CONFIG_H 1
#define LAPACK_COMPLEX_STRUCTURE 1
#include <lapacke.h>
#endif
