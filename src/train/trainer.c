/* trainer.c (stub) */
#include "train.h"
typedef int train_stub_trainer_;
