/* problem.c: a training problem set up from a data set: the elements'
 * symmetry-function tables and their scaling (fitted on the training frames),
 * the network layouts on one parameter vector, and every atom's scaled SFs,
 * Jacobians and neighbours, computed once with the library's own SF code. */
#include <stdlib.h>
#include <string.h>

#include "curvature.h"
#include "trainer_internal.h"

static void frame_free(tr_frame *f)
{
    FREE_ALL(f->el, f->f_ref, f->xc, f->nb_off, f->nb, f->s_off, f->j_off, f->s, f->SJ);
    tr_curv_free(&f->curv);
}

void tr_problem_free(tr_problem *pb)
{
    if (!pb) return;
    tr_ws_release(pb);
    if (pb->fr)
        for (int f = 0; f < pb->n_frames; f++) frame_free(&pb->fr[f]);
    free(pb->fr);
    if (pb->ctheta != pb->theta) free(pb->ctheta);
    free(pb->theta);
    free(pb);
}

int tr_n_params(const tr_problem *pb) { return pb->n_params; }
double *tr_params(tr_problem *pb) { return pb->theta; }

static int build_nb(nb_list *nb, const tr_problem *pb, const ds_frame *d, double *cut, nnv_error *err)
{
    for (int i = 0; i < d->n_atoms; i++) cut[i] = sf_max_cutoff(&pb->pot->elements[pb->el_of_Z[d->Z[i]]]);
    return nb_build(nb, d->n_atoms, d->xyz, cut, err);
}

static void net_layout(tr_net *nt, int n_in, int n_out, const train_options *o, size_t *np)
{
    nt->n_layers = o->n_hidden + 1;
    nt->size[0] = n_in;
    for (int l = 0; l < o->n_hidden; l++) nt->size[l + 1] = o->hidden[l], nt->act[l] = o->activation;
    nt->size[nt->n_layers] = n_out;
    nt->act[nt->n_layers - 1] = NNV_ACT_IDENTITY;
    nt->param = o->act_param;
    nt->uoff[0] = 0;
    for (int l = 0; l < nt->n_layers; l++) {
        nt->woff[l] = *np;
        *np += (size_t)nt->size[l] * (size_t)nt->size[l + 1];
        nt->boff[l] = *np;
        *np += (size_t)nt->size[l + 1];
        nt->uoff[l + 1] = nt->uoff[l] + nt->size[l + 1];
    }
    nt->units = nt->uoff[nt->n_layers];
}

int tr_problem_new(tr_problem **out, nnv_potential *pot, const ds_set *data, const int *fit, int n_fit,
                   const train_options *o, nnv_error *err)
{
    tr_problem *pb = NULL;
    double *cut = NULL, *rel = NULL, *r = NULL, **Gall = NULL;
    size_t *Gn = NULL, *Gcap = NULL;
    int *Zn = NULL, *keep = NULL, rc = NNV_OK, max_n = 1, max_m = 0, nsf0 = 1;
    nb_list nb = {0, NULL, NULL};
    size_t np = 0;

    *out = NULL;
    pb = calloc(1, sizeof *pb);
    if (!pb) return nnv_error_set(err, NNV_ENOMEM, "out of memory");
    pb->pot = pot;
    pb->n_el = pot->n_elements;
    pb->wE = o->energy_weight;
    pb->wF = o->force_weight;
    pb->wM = o->dipole_weight;
    pb->wH = o->hvp_weight;
    pb->K = o->shallow >= 2 ? o->shallow : 1;
    pb->nll_var = o->nll_floor * o->nll_floor;
    if (pb->K > NNV_COMMITTEE_MAX) {
        free(pb);
        return nnv_error_set(err, NNV_EUSAGE, "a shallow ensemble has at most %d members, not %d", NNV_COMMITTEE_MAX,
                             o->shallow);
    }
    for (int e = 0; e < pot->n_elements; e++) {
        pb->el_of_Z[pot->elements[e].Z] = e + 1;
        if (pot->elements[e].n_sf > nsf0) nsf0 = pot->elements[e].n_sf;
    }
    for (int f = 0; f < data->n_frames; f++) {
        const ds_frame *d = &data->frames[f];
        if (d->n_atoms > max_n) max_n = d->n_atoms;
        for (int i = 0; i < d->n_atoms; i++)
            if (d->Z[i] < 1 || d->Z[i] > NNV_MAX_Z || !pb->el_of_Z[d->Z[i]]) {
                const char *sym = (d->Z[i] >= 1 && d->Z[i] <= NNV_MAX_Z) ? nnv_element_symbol(d->Z[i]) : "?";
                rc = nnv_error_set(err, NNV_EINPUT, "frame %d, atom %d: element %s is not among the trained elements",
                                   f + 1, i + 1, sym);
                goto cleanup;
            }
    }
    for (int z = 0; z <= NNV_MAX_Z; z++) pb->el_of_Z[z] -= 1; /* -1 = absent */
    if (pb->wM > 0.0) pb->charges = 1;

    cut = malloc((size_t)max_n * sizeof *cut);
    Zn = malloc((size_t)max_n * sizeof *Zn);
    rel = malloc(3 * (size_t)max_n * sizeof *rel);
    r = malloc((size_t)max_n * sizeof *r);
    Gall = calloc((size_t)pb->n_el, sizeof *Gall);
    Gn = calloc((size_t)pb->n_el, sizeof *Gn);
    Gcap = calloc((size_t)pb->n_el, sizeof *Gcap);
    keep = malloc((size_t)nsf0 * sizeof *keep);
    if (!cut || !Zn || !rel || !r || !Gall || !Gn || !Gcap || !keep) goto nomem;

    if (o->init && o->keep_scaling && (rc = tr_adopt_scaling(pot, o, err)) != NNV_OK) goto cleanup;

    /* Pass 1: unscaled SF values of the fitting frames, for the scaling. */
    for (int t = 0; t < (fit ? n_fit : data->n_frames); t++) {
        const ds_frame *d = &data->frames[fit ? fit[t] : t];
        if ((rc = build_nb(&nb, pb, d, cut, err)) != NNV_OK) goto cleanup;
        for (int i = 0; i < d->n_atoms; i++) {
            int e = pb->el_of_Z[d->Z[i]], ns = pot->elements[e].n_sf;
            sf_env env = {nb.offset[i + 1] - nb.offset[i], Zn, rel, r};
            if (Gn[e] + (size_t)ns > Gcap[e]) {
                size_t c = Gcap[e] ? 2 * Gcap[e] : (size_t)ns * 256;
                double *g = realloc(Gall[e], c * sizeof *g);
                if (!g) goto nomem;
                Gall[e] = g;
                Gcap[e] = c;
            }
            nb_env(&nb, i, d->Z, d->xyz, Zn, rel, r);
            sf_values(&pot->elements[e], &env, Gall[e] + Gn[e]);
            Gn[e] += (size_t)ns;
        }
        nb_free(&nb);
    }
    for (int e = 0; e < pb->n_el; e++) {
        nnv_element_model *em = &pot->elements[e];
        if (Gn[e] == 0) {
            rc = nnv_error_set(err, NNV_EINPUT, "element %s has no atoms in the training frames",
                               nnv_element_symbol(em->Z));
            goto cleanup;
        }
        if (o->init && o->keep_scaling) sfgen_fit_range(em, Gall[e], Gn[e] / (size_t)em->n_sf);
        else sfgen_fit_scaling(em, Gall[e], Gn[e] / (size_t)em->n_sf, keep);
        if (em->n_sf > pb->max_sf) pb->max_sf = em->n_sf;
        net_layout(&pb->enet[e], em->n_sf, pb->K, o, &np);
        if (pb->charges) net_layout(&pb->qnet[e], em->n_sf, 1, o, &np);
        if (pb->enet[e].units > pb->max_units) pb->max_units = pb->enet[e].units;
    }
    pb->n_params = (int)np;
    if (!(pb->theta = calloc(np, sizeof *pb->theta))) goto nomem;
    pb->ctheta = pb->theta;
    for (int e = 0; e < pb->n_el; e++) {
        pb->cnet[e] = pb->enet[e];
        pb->cnet[e].size[pb->cnet[e].n_layers] = 1;
        pb->cnet[e].units = pb->cnet[e].uoff[pb->cnet[e].n_layers] = pb->cnet[e].uoff[pb->cnet[e].n_layers - 1] + 1;
    }
    if (pb->K > 1 && pb->wH > 0.0 && !(pb->ctheta = malloc(np * sizeof *pb->ctheta))) goto nomem;

    /* Pass 2: scaled SFs and Jacobians of every frame. */
    pb->n_frames = data->n_frames;
    if (!(pb->fr = calloc((size_t)data->n_frames, sizeof *pb->fr))) goto nomem;
    pb->max_atoms = max_n;
    for (int f = 0; f < data->n_frames; f++) {
        const ds_frame *d = &data->frames[f];
        tr_frame *t = &pb->fr[f];
        int N = d->n_atoms;
        size_t ns_tot = 0, nj_tot = 0;
        int count[NNV_MAX_Z] = {0};
        double xm[3] = {0, 0, 0};
        if ((rc = build_nb(&nb, pb, d, cut, err)) != NNV_OK) goto cleanup;
        t->n_atoms = N;
        t->has_e = d->has_energy;
        t->e_ref = d->energy;
        t->has_f = d->forces != NULL;
        t->has_mu = d->has_dipole;
        memcpy(t->mu_ref, d->dipole, sizeof t->mu_ref);
        t->el = malloc((size_t)N * sizeof *t->el);
        t->xc = malloc(3 * (size_t)N * sizeof *t->xc);
        t->nb_off = malloc(((size_t)N + 1) * sizeof *t->nb_off);
        t->nb = malloc(((size_t)nb.offset[N] + 1) * sizeof *t->nb);
        t->s_off = malloc(((size_t)N + 1) * sizeof *t->s_off);
        t->j_off = malloc(((size_t)N + 1) * sizeof *t->j_off);
        if (!t->el || !t->xc || !t->nb_off || !t->nb || !t->s_off || !t->j_off) goto nomem;
        if (t->has_f) {
            if (!(t->f_ref = malloc(3 * (size_t)N * sizeof *t->f_ref))) goto nomem;
            memcpy(t->f_ref, d->forces, 3 * (size_t)N * sizeof *t->f_ref);
        }
        memcpy(t->nb_off, nb.offset, ((size_t)N + 1) * sizeof *t->nb_off);
        memcpy(t->nb, nb.index, (size_t)nb.offset[N] * sizeof *t->nb);
        for (int i = 0; i < N; i++) {
            int e = pb->el_of_Z[d->Z[i]], m = nb.offset[i + 1] - nb.offset[i];
            t->el[i] = e;
            t->s_off[i] = ns_tot;
            t->j_off[i] = nj_tot;
            ns_tot += (size_t)pot->elements[e].n_sf;
            nj_tot += (size_t)pot->elements[e].n_sf * 3 * (size_t)(m + 1);
            if (m > max_m) max_m = m;
            if (++count[e] > pb->max_el_atoms[e]) pb->max_el_atoms[e] = count[e];
            for (int q = 0; q < 3; q++) xm[q] += d->xyz[3 * i + q] / N;
        }
        t->s_off[N] = ns_tot;
        t->j_off[N] = nj_tot;
        for (int i = 0; i < N; i++)
            for (int q = 0; q < 3; q++) t->xc[3 * i + q] = d->xyz[3 * i + q] - xm[q];
        t->s = malloc(ns_tot * sizeof *t->s);
        t->SJ = malloc(nj_tot * sizeof *t->SJ);
        if (!t->s || !t->SJ) goto nomem;
        for (int i = 0; i < N; i++) {
            const nnv_element_model *em = &pot->elements[t->el[i]];
            sf_env env = {nb.offset[i + 1] - nb.offset[i], Zn, rel, r};
            int D = 3 * (env.m + 1);
            double *s = t->s + t->s_off[i], *SJ = t->SJ + t->j_off[i];
            nb_env(&nb, i, d->Z, d->xyz, Zn, rel, r);
            sf_values(em, &env, s);
            sf_derivatives(em, &env, NULL, SJ, NULL);
            for (int k = 0; k < em->n_sf; k++) {
                s[k] = (s[k] - em->sf[k].shift) * em->sf[k].scale;
                for (int c = 0; c < D; c++) SJ[(size_t)k * (size_t)D + (size_t)c] *= em->sf[k].scale;
            }
        }
        if (pb->wH > 0.0 && d->n_hvp > 0 &&
            (rc = tr_curv_setup(&t->curv, t, d, pot, &nb, o->hvp_probes, err)) != NNV_OK)
            goto cleanup;
        nb_free(&nb);
    }
    pb->max_D = 3 * (max_m + 1);
    *out = pb;
    pb = NULL;
    goto cleanup;
nomem:
    rc = nnv_error_set(err, NNV_ENOMEM, "out of memory while preparing the training data");
cleanup:
    nb_free(&nb);
    if (Gall)
        for (int e = 0; e < pot->n_elements; e++) free(Gall[e]);
    FREE_ALL(Gall, Gn, Gcap, keep, cut, Zn, rel, r);
    tr_problem_free(pb);
    return rc;
}
