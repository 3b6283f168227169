/* potential_io.c: stub, to be written. */
#include "internal.h"
typedef int nnv_stub_potential_io_;
