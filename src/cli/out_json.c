/* out_json.c: stub */
#include "cli.h"
typedef int cli_stub_out_json_;
