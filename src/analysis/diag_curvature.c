/* Where the Hessian's curvature comes from: the network's own second
 * derivative (S J)^T H_N (S J) versus the symmetry functions' curvature
 * sum_k g_k S_k d2G_k/dx2, each assembled here atom by atom (the same pieces
 * as src/model.c's eval_atom, kept apart); and the disagreement of the
 * analytic Hessian with central differences of the forces. */
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

static size_t gcoord(const int *nbr, int i, int c)
{
    int a = c / 3;
    return 3 * (size_t)(a == 0 ? i : nbr[a - 1]) + (size_t)(c % 3);
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
    int N, status = NNV_OK, max_m = 0, max_sf = 1;
    size_t n3, nn;
    const nnv_element_model **em = NULL;
    double *cutoff = NULL, *rel = NULL, *r = NULL, *G = NULL, *sv = NULL, *g = NULL, *HN = NULL, *w = NULL;
    double *J = NULL, *T = NULL, *Hsf = NULL, *Hnet = NULL;
    int *Zn = NULL;
    nb_list nb = {0, NULL, NULL};
    net_workspace ws = {0, 0, NULL, 0};
    nnv_result *res = NULL;
    nnv_curvature *c = NULL;

    if (!out) return nnv_error_set(err, NNV_EUSAGE, "curvature split: no output");
    *out = NULL;
    /* nnv_compute validates the structure and the elements and gives H. */
    if ((status = nnv_compute(&res, p, s, &co, err)) != NNV_OK) return status;
    N = s->n_atoms;
    n3 = 3 * (size_t)N;
    nn = n3 * n3;
    c = calloc(1, sizeof *c);
    em = malloc((size_t)N * sizeof *em);
    cutoff = malloc((size_t)N * sizeof *cutoff);
    if (!c || !em || !cutoff) goto nomem;
    c->n_atoms = N;
    if (!(c->h_net = calloc(nn, sizeof *c->h_net)) || !(c->h_sf = calloc(nn, sizeof *c->h_sf))) goto nomem;
    for (int i = 0; i < N; i++) {
        em[i] = nnv_potential_element(p, s->Z[i]);
        cutoff[i] = sf_max_cutoff(em[i]);
        if (em[i]->n_sf > max_sf) max_sf = em[i]->n_sf;
    }
    if ((status = nb_build(&nb, N, s->xyz, cutoff, err)) != NNV_OK) goto cleanup;
    for (int i = 0; i < N; i++)
        if (nb.offset[i + 1] - nb.offset[i] > max_m) max_m = nb.offset[i + 1] - nb.offset[i];
    {
        size_t D = 3 * ((size_t)max_m + 1), ns = (size_t)max_sf;
        Zn = malloc(((size_t)max_m + 1) * sizeof *Zn);
        rel = malloc(D * sizeof *rel);
        r = malloc(((size_t)max_m + 1) * sizeof *r);
        G = malloc(ns * sizeof *G);
        sv = malloc(ns * sizeof *sv);
        g = malloc(ns * sizeof *g);
        w = malloc(ns * sizeof *w);
        HN = malloc(ns * ns * sizeof *HN);
        J = malloc(ns * D * sizeof *J);
        T = malloc(ns * D * sizeof *T);
        Hsf = malloc(D * D * sizeof *Hsf);
        Hnet = malloc(D * D * sizeof *Hnet);
        if (!Zn || !rel || !r || !G || !sv || !g || !w || !HN || !J || !T || !Hsf || !Hnet) goto nomem;
    }

    for (int i = 0; i < N; i++) {
        const nnv_element_model *e = em[i];
        const int *nbr = nb.index + nb.offset[i];
        int m = nb.offset[i + 1] - nb.offset[i], ns = e->n_sf, D = 3 * (m + 1);
        sf_env env = {m, Zn, rel, r};
        double Ei;
        nb_env(&nb, i, s->Z, s->xyz, Zn, rel, r);
        sf_values(e, &env, G);
        for (int k = 0; k < ns; k++) sv[k] = (G[k] - e->sf[k].shift) * e->sf[k].scale;
        if (net_eval(&e->energy, sv, &Ei, g, HN, &ws) != NNV_OK) goto nomem;
        /* H_sf: the SF curvature weighted by dE/dG_k = g_k S_k. */
        for (int k = 0; k < ns; k++) w[k] = g[k] * e->sf[k].scale;
        memset(Hsf, 0, (size_t)D * (size_t)D * sizeof *Hsf);
        sf_derivatives(e, &env, w, J, Hsf);
        /* H_net = (S J)^T H_N (S J) through T = H_N (S J). */
        for (int k = 0; k < ns; k++)
            for (int a = 0; a < D; a++) J[(size_t)k * (size_t)D + (size_t)a] *= e->sf[k].scale;
        memset(T, 0, (size_t)ns * (size_t)D * sizeof *T);
        for (int k = 0; k < ns; k++)
            for (int l = 0; l < ns; l++) {
                double h = HN[(size_t)k * (size_t)ns + (size_t)l];
                if (h == 0.0) continue;
                for (int a = 0; a < D; a++) T[(size_t)k * (size_t)D + (size_t)a] += h * J[(size_t)l * (size_t)D + (size_t)a];
            }
        memset(Hnet, 0, (size_t)D * (size_t)D * sizeof *Hnet);
        for (int k = 0; k < ns; k++)
            for (int a = 0; a < D; a++) {
                double ja = J[(size_t)k * (size_t)D + (size_t)a];
                if (ja == 0.0) continue;
                for (int b = 0; b < D; b++) Hnet[(size_t)a * (size_t)D + (size_t)b] += ja * T[(size_t)k * (size_t)D + (size_t)b];
            }
        for (int a = 0; a < D; a++) {
            size_t ga = gcoord(nbr, i, a);
            for (int b = 0; b < D; b++) {
                size_t gb = gcoord(nbr, i, b);
                c->h_net[ga * n3 + gb] += Hnet[(size_t)a * (size_t)D + (size_t)b];
                c->h_sf[ga * n3 + gb] += Hsf[(size_t)a * (size_t)D + (size_t)b];
            }
        }
    }
    /* Symmetrise as nnv_compute does (rounding only). */
    for (size_t a = 0; a < n3; a++)
        for (size_t b = a + 1; b < n3; b++) {
            double x = 0.5 * (c->h_net[a * n3 + b] + c->h_net[b * n3 + a]);
            double y = 0.5 * (c->h_sf[a * n3 + b] + c->h_sf[b * n3 + a]);
            c->h_net[a * n3 + b] = c->h_net[b * n3 + a] = x;
            c->h_sf[a * n3 + b] = c->h_sf[b * n3 + a] = y;
        }
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
    goto cleanup;
nomem:
    status = nnv_error_set(err, NNV_ENOMEM, "curvature split: out of memory (%d atoms)", s->n_atoms);
cleanup:
    nnv_curvature_free(c);
    nnv_result_free(res);
    nb_free(&nb);
    net_workspace_free(&ws);
    free(em);
    free(cutoff);
    free(Zn);
    free(rel);
    free(r);
    free(G);
    free(sv);
    free(g);
    free(w);
    free(HN);
    free(J);
    free(T);
    free(Hsf);
    free(Hnet);
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
