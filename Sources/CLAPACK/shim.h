// OpenBLAS (CBLAS) and LAPACKE for Swift. lapack_int is a type macro in lapacke.h; the
// real-valued routines used by LinearAlgebra import as they are.
#ifndef PLATLAS_CLAPACK_SHIM_H
#define PLATLAS_CLAPACK_SHIM_H
#include <cblas.h>
#include <lapacke.h>
#endif
