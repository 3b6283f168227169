/* CLI internals (stub). */
#ifndef NNVIB_CLI_H
#define NNVIB_CLI_H
#include <nnvib.h>
#endif
