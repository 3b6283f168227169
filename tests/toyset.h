/* Synthetic data for the trainer's tests (test_dataset_io, test_train,
 * test_train_run): Morse pairs with fixed atomic charges. */
#ifndef NNVIB_TOYSET_H
#define NNVIB_TOYSET_H

#include <stdint.h>

#include "../src/train/train.h"

/* Labels fr from its atoms: E = sum_pairs D (1 - exp(-a (r - r0)))^2 - D,
 * exact forces, dipole of fixed charges (H +0.3, C -0.1, O -0.4) made neutral
 * by their mean. Independent of nnvib's model, so learning it means the
 * trainer learns. */
void morse_label(ds_frame *fr);

/* Give fr k curvature labels (replacing any): random unit probes (not
 * projected: unit norm is all the format asks) and the exact H v of
 * morse_label's energy, eV/Å². Reproducible from seed. */
void toy_add_hvp(ds_frame *fr, int k, uint64_t seed);

/* A set of n_frames labelled frames of 3 to 5 atoms (H, C and O in each, no
 * pair closer than 0.9 Å, comment "molecule=toy"), the same for the same seed.
 * The calling test fails when a frame cannot be added. */
void make_set(ds_set *s, int n_frames, uint64_t seed);

/* Small options for the toy set: the SF preset with 3 radial functions, one
 * angular eta and rc 4 Å; train_defaults with two hidden layers h1, h2 and
 * activation act. */
void toy_options(train_options *o, sfgen_options *so, int h1, int h2, int act);

/* 1 when networks a and b have the same shape and the same bits. */
int toy_same_network(const nnv_network *a, const nnv_network *b);

#endif
