/* dataset.c (stub) */
#include "train.h"
typedef int train_stub_dataset_;
