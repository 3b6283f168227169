/* hessian_fd.c: stub, to be written. */
#include "internal.h"
typedef int nnv_stub_hessian_fd_;
