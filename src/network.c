/* network.c: stub, to be written. */
#include "internal.h"
typedef int nnv_stub_network_;
