/* novelty_train.c: the novelty statistics of a potential (nnv_novelty_fit)
 * from the training configurations of its split, so that nnvib-train writes
 * them with every new potential and adds them to an existing one. */
#include <stdlib.h>

#include "trainer_internal.h"

int train_split_training(int **idx, int *n_idx, const ds_set *data, const train_options *o, nnv_error *err)
{
    int n = data->n_frames, ns = o->n_split > 0 && o->n_split < n ? o->n_split : n, nva = 0, nte = 0;
    int *order = malloc((size_t)(n > 0 ? n : 1) * sizeof *order);
    uint64_t state = o->seed;
    *idx = NULL;
    *n_idx = 0;
    if (!order) return nnv_error_set(err, NNV_ENOMEM, "out of memory");
    /* The split of train_run: test, validation, then training indices of the
     * first ns frames; frames [ns, n) are training-only. */
    train_split(ns, o->val_frac, o->test_frac, &state, order, &nva, &nte);
    for (int f = ns; f < n; f++) order[f] = f;
    for (int k = 0; k < n - nte - nva; k++) order[k] = order[nte + nva + k];
    *idx = order;
    *n_idx = n - nte - nva;
    return NNV_OK;
}

int train_novelty(nnv_potential *p, const ds_set *data, const int *idx, int n_idx, double ridge, nnv_error *err)
{
    double **rows = NULL, *S = NULL;
    size_t *n_rows = NULL, *cap = NULL;
    nnv_structure *st = NULL;
    int E = p->n_elements, rc = NNV_OK;

    rows = calloc((size_t)E, sizeof *rows);
    n_rows = calloc((size_t)E, sizeof *n_rows);
    cap = calloc((size_t)E, sizeof *cap);
    if (!rows || !n_rows || !cap) goto nomem;
    for (int t = 0; t < n_idx; t++) {
        const ds_frame *d = &data->frames[idx ? idx[t] : t];
        const double *at;
        if ((rc = nnv_structure_new(&st, d->n_atoms, d->Z, d->xyz, err)) != NNV_OK) goto cleanup;
        if ((rc = nnv_novelty_sf(&S, p, st, err)) != NNV_OK) goto cleanup;
        at = S;
        for (int i = 0; i < d->n_atoms; i++) {
            const nnv_element_model *em = nnv_potential_element(p, d->Z[i]);
            int e = (int)(em - p->elements);
            size_t ns = (size_t)em->n_sf;
            if ((n_rows[e] + 1) * ns > cap[e]) {
                size_t c = cap[e] ? 2 * cap[e] : 1024 * ns;
                double *g = realloc(rows[e], c * sizeof *g);
                if (!g) goto nomem;
                rows[e] = g;
                cap[e] = c;
            }
            for (size_t k = 0; k < ns; k++) rows[e][n_rows[e] * ns + k] = at[k];
            n_rows[e]++;
            at += ns;
        }
        free(S);
        S = NULL;
        nnv_structure_free(st);
        st = NULL;
    }
    rc = nnv_novelty_fit(p, (const double *const *)rows, n_rows, ridge, err);
    goto cleanup;
nomem:
    rc = nnv_error_set(err, NNV_ENOMEM, "novelty: out of memory");
cleanup:
    for (int e = 0; rows && e < E; e++) free(rows[e]);
    FREE_ALL(rows, n_rows, cap, S);
    nnv_structure_free(st);
    return rc;
}
