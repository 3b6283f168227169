/* teacher (stub) */
#include "sample.h"
typedef int sample_stub_;
