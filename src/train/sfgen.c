/* sfgen.c (stub) */
#include "train.h"
typedef int train_stub_sfgen_;
