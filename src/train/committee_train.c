/* committee_train.c: committees (nnvib-train --committee): K full members
 * as K runs of train_run that share split, symmetry functions and scaling,
 * or one shallow-ensemble run (--shallow); one committee file, and the
 * calibration of its force spread on validation configurations. */
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

/* Calibrates c's spread_scale on the validation configurations of o's split
 * (the training ones when there are none: *on_val says which). */
static int calibrate(nnv_potential *c, const ds_set *data, const train_options *o, double *spread_scale, int *on_val,
                     nnv_error *err)
{
    int rc, *order, nva = 0, nte = 0;
    int ns = o->n_split > 0 && o->n_split < data->n_frames ? o->n_split : data->n_frames;
    uint64_t st = o->seed;
    if (!(order = malloc((size_t)ns * sizeof *order))) return nnv_error_set(err, NNV_ENOMEM, "out of memory");
    /* The split every member used (it depends on the seed and the main data
     * set only). */
    train_split(ns, o->val_frac, o->test_frac, &st, order, &nva, &nte);
    if (nva > 0) rc = train_spread_scale(c, data, order + nte, nva, spread_scale, err);
    else rc = train_spread_scale(c, data, order + nte, ns - nte, spread_scale, err);
    free(order);
    if (rc == NNV_OK) c->spread_scale = *spread_scale;
    *on_val = nva > 0;
    return rc;
}

/* A committee run's size, and its --init: a committee of the same kind and
 * size, so that every member (or the shallow network) continues from its own
 * weights. */
static int committee_args(const train_options *o, int n_members, int kind, nnv_error *err)
{
    const char *name = o->init_name ? o->init_name : "--init";
    if (n_members < NNV_COMMITTEE_MIN || n_members > NNV_COMMITTEE_MAX)
        return nnv_error_set(err, NNV_EUSAGE, "a committee has %d to %d members, not %d", NNV_COMMITTEE_MIN,
                             NNV_COMMITTEE_MAX, n_members);
    if (!o->init) return NNV_OK;
    if (o->init->n_members == 0)
        return nnv_error_set(err, NNV_EUSAGE, "%s: one potential; --committee %d%s continues from a %s committee of "
                             "%d members", name, n_members, kind == NNV_COMMITTEE_SHALLOW ? " --shallow" : "",
                             nnv_committee_kind_name(kind), n_members);
    if (o->init->n_members != n_members || o->init->committee_kind != kind)
        return nnv_error_set(err, NNV_EUSAGE, "%s: a %s committee of %d members; --committee %d%s continues from a "
                             "%s committee of %d", name, nnv_committee_kind_name(o->init->committee_kind),
                             o->init->n_members, n_members, kind == NNV_COMMITTEE_SHALLOW ? " --shallow" : "",
                             nnv_committee_kind_name(kind), n_members);
    return NNV_OK;
}

/* "<head>" followed by c's description, as c's description. */
static int prefix_description(nnv_potential *c, const char *head, nnv_error *err)
{
    const char *d = c->description ? c->description : "";
    size_t len = strlen(head) + strlen(d) + 1;
    char *desc = malloc(len);
    if (!desc) return nnv_error_set(err, NNV_ENOMEM, "out of memory");
    snprintf(desc, len, "%s%s", head, d);
    free(c->description);
    c->description = desc;
    return NNV_OK;
}

int train_shallow(nnv_potential **out, const ds_set *data, int n_el, const int *Z, const sfgen_options *sfo,
                  const train_options *o, int n_members, train_progress_fn progress, void *ctx, train_report *rep,
                  double *spread_scale, nnv_error *err)
{
    nnv_potential *c = NULL;
    train_options so = *o;
    char head[256];
    int rc, on_val = 0;
    *out = NULL;
    if ((rc = committee_args(o, n_members, NNV_COMMITTEE_SHALLOW, err)) != NNV_OK) return rc;
    so.shallow = n_members;
    so.member = 0;
    if ((rc = train_run(&c, data, n_el, Z, sfo, &so, progress, ctx, rep, err)) != NNV_OK) return rc;
    if ((rc = calibrate(c, data, o, spread_scale, &on_val, err)) != NNV_OK) goto done;
    snprintf(head, sizeof head,
             "Shallow ensemble of %d members (nnvib-train --committee %d --shallow), spread scale %.4g calibrated on "
             "the %s configurations' per-atom force errors. ",
             n_members, n_members, *spread_scale, on_val ? "validation" : "training");
    if ((rc = prefix_description(c, head, err)) != NNV_OK) goto done;
    *out = c;
    c = NULL;
done:
    nnv_potential_free(c);
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
    int rc = NNV_OK, on_val = 0;
    char head[256];
    *out = NULL;
    if ((rc = committee_args(o, n_members, NNV_COMMITTEE_FULL, err)) != NNV_OK) return rc;
    if (!(m = calloc((size_t)n_members, sizeof *m))) return nnv_error_set(err, NNV_ENOMEM, "out of memory");
    for (int k = 0; k < n_members && rc == NNV_OK; k++) {
        nnv_potential *start = NULL;
        mo.member = k + 1;
        /* Continuing a committee: member k from the init file's member k. */
        if (o->init && (rc = nnv_committee_member(&start, o->init, k, err)) != NNV_OK) break;
        mo.init = start;
        if (progress) progress->member = k + 1, progress->n_members = n_members;
        rc = train_run(&m[k], data, n_el, Z, sfo, &mo, progress ? member_progress : NULL, progress, &reps[k], err);
        nnv_potential_free(start);
    }
    if (rc != NNV_OK) goto done;
    if ((rc = nnv_committee_build(&c, (const nnv_potential *const *)m, n_members, NNV_COMMITTEE_FULL, 1.0, err)) !=
        NNV_OK)
        goto done;
    if ((rc = calibrate(c, data, o, spread_scale, &on_val, err)) != NNV_OK) goto done;
    snprintf(head, sizeof head,
             "Committee of %d full members (nnvib-train --committee%s), spread scale %.4g calibrated on the %s "
             "configurations' per-atom force errors. Member 1: ",
             n_members, o->bootstrap ? " --bootstrap" : "", *spread_scale, on_val ? "validation" : "training");
    /* c's description is member 0's (nnv_committee_build). */
    if ((rc = prefix_description(c, head, err)) != NNV_OK) goto done;
    *out = c;
    c = NULL;
done:
    for (int k = 0; m && k < n_members; k++) nnv_potential_free(m[k]);
    free(m);
    nnv_potential_free(c);
    return rc;
}
