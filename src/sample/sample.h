/* Sampler internals (stub). */
#ifndef NNVIB_SAMPLE_H
#define NNVIB_SAMPLE_H
#include "../train/train.h"
#endif
