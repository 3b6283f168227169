/* Test helpers. */
#include "testutil.h"
typedef int testutil_stub_;
