/* Training internals (stub). */
#ifndef NNVIB_TRAIN_H
#define NNVIB_TRAIN_H
#include "internal.h"
#endif
