/* structure.c: stub, to be written. */
#include "internal.h"
typedef int nnv_stub_structure_;
