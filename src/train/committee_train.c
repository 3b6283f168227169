/* committee_train.c: committees of full members (nnvib-train --committee):
 * K runs of train_run that share split, symmetry functions and scaling, one
 * committee file, and the calibration of its force spread on validation
 * configurations. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train.h"

int train_spread_scale(const nnv_potential *c, const ds_set *data, const int *idx, int n, double *scale,
                       nnv_error *err)
{
    nnv_potential *raw = NULL;
    train_eval_group *g = NULL;
    int ng = 0, rc;
    if (c->n_members < 2) return nnv_error_set(err, NNV_EINPUT, "not a committee: no spread to calibrate");
    if ((rc = nnv_potential_copy(&raw, c, err)) != NNV_OK) return rc;
    raw->spread_scale = 1.0;
    rc = train_evaluate(&g, &ng, raw, data, idx, n, NULL, 0.0, err);
    if (rc == NNV_OK) {
        if (g[0].n_sigma == 0 || !(g[0].sum_z2 > 0.0) || !isfinite(g[0].sum_z2))
            rc = nnv_error_set(err, NNV_EINPUT, "no atom with a finite positive force spread to calibrate on");
        else
            *scale = sqrt(g[0].sum_z2 / g[0].n_sigma);
    }
    free(g);
    nnv_potential_free(raw);
    return rc;
}

static void member_progress(void *ctx, const train_epoch *ep)
{
    train_committee_progress *p = ctx;
    if (p->fn) p->fn(p->ctx, ep);
}

int train_committee(nnv_potential **out, const ds_set *data, int n_el, const int *Z, const sfgen_options *sfo,
                    const train_options *o, int n_members, train_committee_progress *progress,
                    train_report *reps, double *spread_scale, nnv_error *err)
{
    nnv_potential **m = NULL, *c = NULL;
    train_options mo = *o;
    int rc = NNV_OK, *order = NULL, nva = 0, nte = 0, ns;
    uint64_t st = o->seed;
    *out = NULL;
    if (n_members < NNV_COMMITTEE_MIN || n_members > NNV_COMMITTEE_MAX)
        return nnv_error_set(err, NNV_EUSAGE, "a committee has %d to %d members, not %d", NNV_COMMITTEE_MIN,
                             NNV_COMMITTEE_MAX, n_members);
    if (o->init) return nnv_error_set(err, NNV_EUSAGE, "a committee is trained from random weights (no --init)");
    if (!(m = calloc((size_t)n_members, sizeof *m))) return nnv_error_set(err, NNV_ENOMEM, "out of memory");
    for (int k = 0; k < n_members && rc == NNV_OK; k++) {
        mo.member = k + 1;
        if (progress) progress->member = k + 1, progress->n_members = n_members;
        rc = train_run(&m[k], data, n_el, Z, sfo, &mo, progress ? member_progress : NULL, progress, &reps[k], err);
    }
    if (rc != NNV_OK) goto done;
    if ((rc = nnv_committee_build(&c, (const nnv_potential *const *)m, n_members, NNV_COMMITTEE_FULL, 1.0, err)) !=
        NNV_OK)
        goto done;
    /* The validation configurations of the split every member used (the
     * split depends on the seed and the main data set only). */
    ns = o->n_split > 0 && o->n_split < data->n_frames ? o->n_split : data->n_frames;
    if (!(order = malloc((size_t)ns * sizeof *order))) {
        rc = nnv_error_set(err, NNV_ENOMEM, "out of memory");
        goto done;
    }
    train_split(ns, o->val_frac, o->test_frac, &st, order, &nva, &nte);
    /* Without a validation set the spread is calibrated on the training set
     * (said in the description). */
    if (nva > 0) rc = train_spread_scale(c, data, order + nte, nva, spread_scale, err);
    else rc = train_spread_scale(c, data, order + nte, ns - nte, spread_scale, err);
    if (rc != NNV_OK) goto done;
    c->spread_scale = *spread_scale;
    {
        const char *d = m[0]->description ? m[0]->description : "";
        size_t len = strlen(d) + 256;
        char *desc = malloc(len);
        if (!desc) {
            rc = nnv_error_set(err, NNV_ENOMEM, "out of memory");
            goto done;
        }
        snprintf(desc, len,
                 "Committee of %d full members (nnvib-train --committee%s), spread scale %.4g calibrated on the "
                 "%s configurations' per-atom force errors. Member 1: %s",
                 n_members, o->bootstrap ? " --bootstrap" : "", *spread_scale, nva > 0 ? "validation" : "training",
                 d);
        free(c->description);
        c->description = desc;
    }
    *out = c;
    c = NULL;
done:
    for (int k = 0; m && k < n_members; k++) nnv_potential_free(m[k]);
    free(m);
    free(order);
    nnv_potential_free(c);
    return rc;
}
