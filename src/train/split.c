/* split.c: the split of a data set into test, validation and training
 * configurations (by configuration), from the seeded generator whose stream
 * the training batches continue. */
#include <math.h>

#include "trainer_internal.h"

void train_split(int n, double val_frac, double test_frac, uint64_t *state, int *order, int *n_val, int *n_test)
{
    rng r = {*state};
    int nte, nva;
    for (int f = 0; f < n; f++) order[f] = f;
    shuffle(order, n, &r);
    nte = (int)floor(test_frac * n + 0.5);
    nva = (int)floor(val_frac * n + 0.5);
    if (nte + nva >= n) nte = nva = 0;
    *n_val = nva;
    *n_test = nte;
    *state = r.s;
}
