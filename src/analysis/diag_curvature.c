/* Where the Hessian's curvature comes from: the network's own second
 * derivative (S J)^T H_N (S J) versus the symmetry functions' curvature
 * sum_k g_k S_k d2G_k/dx2, both kept apart by the model's own assembly
 * (model_compute); and the disagreement of the analytic Hessian with central
 * differences of the forces (nnv_analyse's cross-check, step by step). */
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
    nnv_analysis_options ao;
    nnv_analysis *a = NULL;
    int status;

    if (!out || !steps || n < 1) return nnv_error_set(err, NNV_EUSAGE, "FD disagreement: no steps");
    for (int k = 0; k < n; k++)
        if (!(steps[k] > 0.0) || !isfinite(steps[k]))
            return nnv_error_set(err, NNV_EUSAGE, "FD disagreement: step %d (%g) must be finite and > 0", k + 1,
                                 steps[k]);
    /* The pipeline's own cross-check, one step at a time. */
    memset(&ao, 0, sizeof ao);
    ao.fd_check = 1;
    ao.total_charge = o ? o->total_charge : 0.0;
    ao.max_hessian_mb = o ? o->max_hessian_mb : 0.0;
    for (int k = 0; k < n; k++) {
        ao.fd_step = steps[k];
        if ((status = nnv_analyse(&a, p, s, &ao, err)) != NNV_OK) return status;
        out[k] = a->fd_check;
        nnv_analysis_free(a);
    }
    return NNV_OK;
}
