/* options.c: stub */
#include "cli.h"
typedef int cli_stub_options_;
