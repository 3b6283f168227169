/* The library's version, as configure was told it (AC_INIT in configure.ac):
 * programs and file writers name it in their outputs. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <nnvib.h>

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

const char *nnv_version(void) { return PACKAGE_VERSION; }
