/* out_table.c: stub */
#include "cli.h"
typedef int cli_stub_out_table_;
