/* Assembles the Behler–Parrinello energy E = sum_i [E0(Z_i) + N_Zi(s(G_i))],
 * its forces, its exact Hessian, the charges and dipole of the charge networks
 * and the dipole derivatives, atom by atom over local environments.
 *
 * For atom i with SF Jacobian J = dG/dx (local coordinates) and scales S:
 *   dE_i/dx   = (S J)^T g,             g = dN/ds
 *   d2E_i/dx2 = (S J)^T H_N (S J) + sum_k g_k S_k d2G_k/dx2,   H_N = d2N/ds2
 * (J. Behler, M. Parrinello, PRL 98, 146401 (2007) for the model). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Per-call scratch, sized for the largest environment and SF count. */
typedef struct work {
    int *Zn;
    double *rel, *r;
    double *G, *s, *gE, *HE, *gq, *w;
    double *J, *T, *Hloc, *loc;
    net_workspace net;
} work;

static void work_free(work *wk)
{
    free(wk->Zn);
    free(wk->rel);
    free(wk->r);
    free(wk->G);
    free(wk->s);
    free(wk->gE);
    free(wk->HE);
    free(wk->gq);
    free(wk->w);
    free(wk->J);
    free(wk->T);
    free(wk->Hloc);
    free(wk->loc);
    net_workspace_free(&wk->net);
}

static int work_alloc(work *wk, int max_m, int max_sf, int want_hess)
{
    size_t D = 3 * (size_t)(max_m + 1), ns = (size_t)max_sf;
    memset(wk, 0, sizeof *wk);
    wk->Zn = malloc(((size_t)max_m + 1) * sizeof *wk->Zn);
    wk->rel = malloc(D * sizeof *wk->rel);
    wk->r = malloc(((size_t)max_m + 1) * sizeof *wk->r);
    wk->G = malloc(ns * sizeof *wk->G);
    wk->s = malloc(ns * sizeof *wk->s);
    wk->gE = malloc(ns * sizeof *wk->gE);
    wk->gq = malloc(ns * sizeof *wk->gq);
    wk->w = malloc(ns * sizeof *wk->w);
    wk->J = malloc(ns * D * sizeof *wk->J);
    wk->loc = malloc(D * sizeof *wk->loc);
    if (want_hess) {
        wk->HE = malloc(ns * ns * sizeof *wk->HE);
        wk->T = malloc(ns * D * sizeof *wk->T);
        wk->Hloc = malloc(D * D * sizeof *wk->Hloc);
    }
    if (!wk->Zn || !wk->rel || !wk->r || !wk->G || !wk->s || !wk->gE || !wk->gq || !wk->w || !wk->J ||
        !wk->loc || (want_hess && (!wk->HE || !wk->T || !wk->Hloc)))
        return NNV_ENOMEM;
    return NNV_OK;
}

void nnv_result_free(nnv_result *r)
{
    if (!r) return;
    free(r->atomic_energies);
    free(r->forces);
    free(r->hessian);
    free(r->sf_offset);
    free(r->sf_values);
    free(r->extrapolations);
    free(r->raw_charges);
    free(r->charges);
    free(r->dipole_deriv);
    free(r);
}

static int add_extrapolation(nnv_result *r, int *cap, int atom, int k, double v, const nnv_sf *sf)
{
    if (r->n_extrapolations == *cap) {
        int c = *cap ? 2 * *cap : 16;
        nnv_extrapolation *e = realloc(r->extrapolations, (size_t)c * sizeof *e);
        if (!e) return NNV_ENOMEM;
        r->extrapolations = e;
        *cap = c;
    }
    r->extrapolations[r->n_extrapolations++] = (nnv_extrapolation){atom, k, v, sf->gmin, sf->gmax};
    return NNV_OK;
}

/* Index of local coordinate c in the global 3N vector. */
static size_t global_coord(const int *nbr, int i, int c)
{
    int a = c / 3;
    return 3 * (size_t)(a == 0 ? i : nbr[a - 1]) + (size_t)(c % 3);
}

int nnv_compute(nnv_result **out, const nnv_potential *p, const nnv_structure *s, double total_charge,
                unsigned want, nnv_error *err)
{
    int N, status = NNV_OK, max_m = 0, max_sf = 1, ext_cap = 0;
    int want_f, want_h, want_q, want_dq;
    size_t n3;
    const nnv_element_model **em = NULL;
    double *cutoff = NULL, xbar[3] = {0, 0, 0}, com[3] = {0, 0, 0}, mtot = 0.0;
    nb_list nb = {0, NULL, NULL};
    nnv_result *r = NULL;
    work wk;

    memset(&wk, 0, sizeof wk);
    *out = NULL;
    if (!p || !s || s->n_atoms < 1) return nnv_error_set(err, NNV_EUSAGE, "nnv_compute: empty structure");
    N = s->n_atoms;
    n3 = 3 * (size_t)N;
    want_q = (want & (NNV_WANT_CHARGES | NNV_WANT_DIPOLE_DERIV)) && (p->flags & NNV_FLAG_CHARGES);
    want_dq = want_q && (want & NNV_WANT_DIPOLE_DERIV);
    want_h = (want & NNV_WANT_HESSIAN) != 0;
    want_f = want_h || (want & NNV_WANT_FORCES);

    em = malloc((size_t)N * sizeof *em);
    cutoff = malloc((size_t)N * sizeof *cutoff);
    r = calloc(1, sizeof *r);
    if (!em || !cutoff || !r) goto nomem;
    /* Reject a structure the potential cannot describe before any work. */
    for (int i = 0; i < N; i++) {
        em[i] = nnv_potential_element(p, s->Z[i]);
        if (!em[i]) {
            const char *sym = nnv_element_symbol(s->Z[i]);
            status = nnv_error_set(err, NNV_EINPUT,
                                   "atom %d (%s): element Z=%d has no block in the potential", i + 1,
                                   sym ? sym : "?", s->Z[i]);
            goto cleanup;
        }
        cutoff[i] = 0.0;
        for (int k = 0; k < em[i]->n_sf; k++)
            if (em[i]->sf[k].rc > cutoff[i]) cutoff[i] = em[i]->sf[k].rc;
        if (em[i]->n_sf > max_sf) max_sf = em[i]->n_sf;
    }
    if ((status = nb_build(&nb, N, s->xyz, cutoff, err)) != NNV_OK) goto cleanup;
    for (int i = 0; i < N; i++)
        if (nb.offset[i + 1] - nb.offset[i] > max_m) max_m = nb.offset[i + 1] - nb.offset[i];

    r->n_atoms = N;
    r->atomic_energies = calloc((size_t)N, sizeof *r->atomic_energies);
    r->sf_offset = malloc(((size_t)N + 1) * sizeof *r->sf_offset);
    if (!r->atomic_energies || !r->sf_offset) goto nomem;
    r->sf_offset[0] = 0;
    for (int i = 0; i < N; i++) r->sf_offset[i + 1] = r->sf_offset[i] + em[i]->n_sf;
    r->sf_values = malloc((size_t)r->sf_offset[N] * sizeof *r->sf_values);
    if (!r->sf_values) goto nomem;
    if (want_f && !(r->forces = calloc(n3, sizeof *r->forces))) goto nomem;
    if (want_h && !(r->hessian = calloc(n3 * n3, sizeof *r->hessian))) goto nomem;
    if (want_q) {
        r->has_charges = 1;
        r->total_charge = total_charge;
        r->raw_charges = calloc((size_t)N, sizeof *r->raw_charges);
        r->charges = calloc((size_t)N, sizeof *r->charges);
        if (!r->raw_charges || !r->charges) goto nomem;
        if (want_dq && !(r->dipole_deriv = calloc(3 * n3, sizeof *r->dipole_deriv))) goto nomem;
    }
    if (work_alloc(&wk, max_m, max_sf, want_h) != NNV_OK) goto nomem;

    for (int i = 0; i < N; i++) {
        mtot += s->masses[i];
        for (int q = 0; q < 3; q++) {
            com[q] += s->masses[i] * s->xyz[3 * i + q];
            xbar[q] += s->xyz[3 * i + q] / N;
        }
    }
    for (int q = 0; q < 3; q++) com[q] /= mtot;

    for (int i = 0; i < N; i++) {
        const nnv_element_model *e = em[i];
        const int *nbr = nb.index + nb.offset[i];
        int m = nb.offset[i + 1] - nb.offset[i], ns = e->n_sf, D = 3 * (m + 1);
        sf_env env = {m, wk.Zn, wk.rel, wk.r};
        double Ei, qt = 0.0;

        for (int a = 0; a < m; a++) {
            int j = nbr[a];
            double d2 = 0.0;
            for (int q = 0; q < 3; q++) {
                wk.rel[3 * a + q] = s->xyz[3 * j + q] - s->xyz[3 * i + q];
                d2 += wk.rel[3 * a + q] * wk.rel[3 * a + q];
            }
            wk.r[a] = sqrt(d2);
            wk.Zn[a] = s->Z[j];
        }
        sf_values(e, &env, wk.G);
        memcpy(r->sf_values + r->sf_offset[i], wk.G, (size_t)ns * sizeof *wk.G);
        for (int k = 0; k < ns; k++) {
            const nnv_sf *sf = &e->sf[k];
            if ((wk.G[k] < sf->gmin || wk.G[k] > sf->gmax) &&
                add_extrapolation(r, &ext_cap, i, k, wk.G[k], sf) != NNV_OK)
                goto nomem;
            wk.s[k] = (wk.G[k] - sf->shift) * sf->scale;
        }
        if (net_eval(&e->energy, wk.s, &Ei, want_f ? wk.gE : NULL, want_h ? wk.HE : NULL, &wk.net) !=
            NNV_OK)
            goto nomem;
        r->atomic_energies[i] = e->E0 + Ei;
        if (!isfinite(r->atomic_energies[i])) {
            status = nnv_error_set(err, NNV_ENUMERIC, "atom %d: the network gave a non-finite energy", i + 1);
            goto cleanup;
        }
        if (want_q) {
            if (net_eval(&e->charge, wk.s, &qt, want_dq ? wk.gq : NULL, NULL, &wk.net) != NNV_OK) goto nomem;
            r->raw_charges[i] = qt;
        }
        if (!want_f && !want_dq) continue;

        for (int k = 0; k < ns; k++) wk.w[k] = want_f ? wk.gE[k] * e->sf[k].scale : 0.0;
        if (want_h) memset(wk.Hloc, 0, (size_t)D * (size_t)D * sizeof *wk.Hloc);
        sf_derivatives(e, &env, wk.w, wk.J, want_h ? wk.Hloc : NULL);

        if (want_f) {
            for (int c = 0; c < D; c++) {
                double f = 0.0;
                for (int k = 0; k < ns; k++) f -= wk.w[k] * wk.J[(size_t)k * (size_t)D + (size_t)c];
                r->forces[global_coord(nbr, i, c)] += f;
            }
        }
        if (want_h) {
            /* Rows of J become rows of S J; then T = H_N (S J), Hloc += (S J)^T T. */
            for (int k = 0; k < ns; k++)
                for (int c = 0; c < D; c++) wk.J[(size_t)k * (size_t)D + (size_t)c] *= e->sf[k].scale;
            memset(wk.T, 0, (size_t)ns * (size_t)D * sizeof *wk.T);
            for (int k = 0; k < ns; k++) {
                double *trow = wk.T + (size_t)k * (size_t)D;
                for (int l = 0; l < ns; l++) {
                    double h = wk.HE[(size_t)k * (size_t)ns + (size_t)l];
                    const double *jrow = wk.J + (size_t)l * (size_t)D;
                    if (h == 0.0) continue;
                    for (int c = 0; c < D; c++) trow[c] += h * jrow[c];
                }
            }
            for (int k = 0; k < ns; k++) {
                const double *jrow = wk.J + (size_t)k * (size_t)D, *trow = wk.T + (size_t)k * (size_t)D;
                for (int a = 0; a < D; a++) {
                    double ja = jrow[a];
                    double *hrow = wk.Hloc + (size_t)a * (size_t)D;
                    if (ja == 0.0) continue;
                    for (int b = 0; b < D; b++) hrow[b] += ja * trow[b];
                }
            }
            for (int a = 0; a < D; a++) {
                size_t ga = global_coord(nbr, i, a);
                for (int b = 0; b < D; b++)
                    r->hessian[ga * n3 + global_coord(nbr, i, b)] += wk.Hloc[(size_t)a * (size_t)D + (size_t)b];
            }
        }
        if (want_dq) {
            /* J may already be scaled by S (Hessian branch above). */
            for (int c = 0; c < D; c++) {
                double d = 0.0;
                size_t gc = global_coord(nbr, i, c);
                for (int k = 0; k < ns; k++)
                    d += wk.gq[k] * (want_h ? 1.0 : e->sf[k].scale) * wk.J[(size_t)k * (size_t)D + (size_t)c];
                /* The neutrality correction shifts every charge equally, so
                 * it turns x - x_com into x - (geometric centre); see docs. */
                for (int q = 0; q < 3; q++) r->dipole_deriv[(size_t)q * n3 + gc] += d * (s->xyz[3 * i + q] - xbar[q]);
            }
        }
    }

    r->energy = 0.0;
    for (int i = 0; i < N; i++) r->energy += r->atomic_energies[i];
    if (want_h) {
        for (size_t a = 0; a < n3; a++)
            for (size_t b = a + 1; b < n3; b++) {
                double v = 0.5 * (r->hessian[a * n3 + b] + r->hessian[b * n3 + a]);
                r->hessian[a * n3 + b] = r->hessian[b * n3 + a] = v;
            }
    }
    if (want_q) {
        double sum = 0.0;
        for (int i = 0; i < N; i++) sum += r->raw_charges[i];
        for (int i = 0; i < N; i++) r->charges[i] = r->raw_charges[i] - (sum - total_charge) / N;
        for (int i = 0; i < N; i++)
            for (int q = 0; q < 3; q++) r->dipole[q] += r->charges[i] * (s->xyz[3 * i + q] - com[q]);
        if (want_dq) {
            /* Moving atom j moves the centre of mass too: d(x_i - x_com)/dx_j. */
            for (int j = 0; j < N; j++)
                for (int q = 0; q < 3; q++)
                    r->dipole_deriv[(size_t)q * n3 + 3 * (size_t)j + (size_t)q] +=
                        r->charges[j] - s->masses[j] / mtot * total_charge;
        }
    }
    *out = r;
    r = NULL;
    goto cleanup;
nomem:
    status = nnv_error_set(err, NNV_ENOMEM, "out of memory evaluating the potential (%d atoms)", s->n_atoms);
cleanup:
    work_free(&wk);
    nb_free(&nb);
    free(em);
    free(cutoff);
    nnv_result_free(r);
    return status;
}
