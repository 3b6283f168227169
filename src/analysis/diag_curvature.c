/* Where the Hessian's curvature comes from: the network's own second
 * derivative (S J)^T H_N (S J) versus the symmetry functions' curvature
 * sum_k g_k S_k d2G_k/dx2, both kept apart by the model's own assembly
 * (model_compute); and the disagreement of the analytic Hessian with central
 * differences of the forces. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_internal.h"

void nnv_curvature_free(nnv_curvature *c)
{
    if (!c) return;
    free(c->h_net);
    free(c->h_sf);
    free(c);
}

static double frobenius(const double *a, size_t n)
{
    double s = 0.0;
    for (size_t k = 0; k < n; k++) s += a[k] * a[k];
    return sqrt(s);
}

int nnv_curvature_split(nnv_curvature **out, const nnv_potential *p, const nnv_structure *s,
                        const nnv_compute_options *o, nnv_error *err)
{
    nnv_compute_options co = {NNV_WANT_HESSIAN, 0.0, o ? o->max_hessian_mb : 0.0};
    nnv_result *res = NULL;
    nnv_curvature *c = NULL;
    size_t nn;
    int status;

    if (!out) return nnv_error_set(err, NNV_EUSAGE, "curvature split: no output");
    *out = NULL;
    if (!(c = calloc(1, sizeof *c))) return nnv_error_set(err, NNV_ENOMEM, "curvature split: out of memory");
    /* The model validates the structure and the elements and gives H too. */
    if ((status = model_compute(&res, &c->h_net, &c->h_sf, p, s, &co, err)) != NNV_OK) goto cleanup;
    c->n_atoms = s->n_atoms;
    nn = 9 * (size_t)s->n_atoms * (size_t)s->n_atoms;
    c->norm_total = frobenius(res->hessian, nn);
    c->norm_net = frobenius(c->h_net, nn);
    c->norm_sf = frobenius(c->h_sf, nn);
    c->net_share = c->norm_net + c->norm_sf > 0.0 ? c->norm_net / (c->norm_net + c->norm_sf) : 0.0;
    for (size_t k = 0; k < nn; k++) {
        double d = fabs(res->hessian[k] - c->h_net[k] - c->h_sf[k]);
        if (fabs(c->h_net[k]) > c->max_abs_net) c->max_abs_net = fabs(c->h_net[k]);
        if (d > c->closure || isnan(d)) c->closure = d;
    }
    if (!isfinite(c->norm_net) || !isfinite(c->norm_sf) || !isfinite(c->closure)) {
        status = nnv_error_set(err, NNV_ENUMERIC, "curvature split: a non-finite network or SF curvature");
        goto cleanup;
    }
    *out = c;
    c = NULL;
cleanup:
    nnv_curvature_free(c);
    nnv_result_free(res);
    return status;
}

int nnv_hessian_fd_disagreement(nnv_fd_disagreement *out, const double *steps, int n, const nnv_potential *p,
                                const nnv_structure *s, const nnv_compute_options *o, nnv_error *err)
{
    nnv_compute_options co = {NNV_WANT_HESSIAN, 0.0, o ? o->max_hessian_mb : 0.0};
    nnv_result *res = NULL;
    nnv_vib *va = NULL, *vf = NULL;
    double *hf = NULL, hmax = 0.0;
    size_t n3, nn;
    int status;

    if (!out || !steps || n < 1) return nnv_error_set(err, NNV_EUSAGE, "FD disagreement: no steps");
    for (int k = 0; k < n; k++)
        if (!(steps[k] > 0.0) || !isfinite(steps[k]))
            return nnv_error_set(err, NNV_EUSAGE, "FD disagreement: step %d (%g) must be finite and > 0", k + 1,
                                 steps[k]);
    if ((status = nnv_compute(&res, p, s, &co, err)) != NNV_OK) return status;
    n3 = 3 * (size_t)s->n_atoms;
    nn = n3 * n3;
    for (size_t k = 0; k < nn; k++)
        if (fabs(res->hessian[k]) > hmax) hmax = fabs(res->hessian[k]);
    if (!(hf = malloc(nn * sizeof *hf))) {
        status = nnv_error_set(err, NNV_ENOMEM, "FD disagreement: out of memory");
        goto cleanup;
    }
    if ((status = nnv_vib_analyse(&va, s->n_atoms, s->xyz, s->masses, res->hessian, NULL, NNV_LINEAR_AUTO, err)) !=
        NNV_OK)
        goto cleanup;
    for (int k = 0; k < n; k++) {
        nnv_fd_disagreement *d = &out[k];
        memset(d, 0, sizeof *d);
        d->step = steps[k];
        if ((status = nnv_hessian_fd(hf, p, s, steps[k], err)) != NNV_OK) goto cleanup;
        for (size_t a = 0; a < nn; a++)
            if (fabs(res->hessian[a] - hf[a]) > d->max_abs) d->max_abs = fabs(res->hessian[a] - hf[a]);
        d->max_rel = hmax > 0.0 ? d->max_abs / hmax : 0.0;
        /* Same linearity as the analytic analysis, so the mode counts agree. */
        if ((status = nnv_vib_analyse(&vf, s->n_atoms, s->xyz, s->masses, hf, NULL,
                                      va->linear ? NNV_LINEAR_YES : NNV_LINEAR_NO, err)) != NNV_OK)
            goto cleanup;
        for (int m = 0; m < va->n_modes && m < vf->n_modes; m++) {
            double df = fabs(va->frequencies[m] - vf->frequencies[m]);
            if (df > d->max_freq) d->max_freq = df;
        }
        nnv_vib_free(vf);
        vf = NULL;
    }
cleanup:
    nnv_vib_free(va);
    nnv_vib_free(vf);
    nnv_result_free(res);
    free(hf);
    return status;
}
