/* trainer.c: fits the element networks of a Behler–Parrinello potential to
 * energies, forces and (optionally) dipoles, with the exact gradient of the loss
 * (double backpropagation for the force term), Adam, a plateau schedule and
 * early stopping on a validation split.
 *
 * Forces are F = -sum_i (S J_i)^T g_i with g_i = dN/ds at s_i, so the force
 * loss depends on the weights through g_i. Its gradient is
 *   dL/dw = sum_i d/dw [ -g_i . u_i ],   u_i = S J_i dL/dF   (u_i held fixed),
 * and g . u is the directional derivative of N along u: a forward tangent pass
 * in direction u, then one reverse pass through primal and tangent together
 * (A. Griewank, A. Walther, "Evaluating Derivatives", SIAM 2008, ch. 5; the
 * same trick as in n2p2's force training, A. Singraber et al., JCTC 15, 3075
 * (2019)). The SF values and Jacobians are computed once per configuration by
 * the library's own symmetry-function code and kept. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "train.h"

#define TR_MAX_LAYERS (TR_MAX_HIDDEN + 1)

/* ---- random numbers (own generator: results do not depend on the C library) */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rng_next(rng *r) { return rng_splitmix64(&r->s); }

static double rng_uniform(rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

static double rng_normal(rng *r)
{
    double u1 = rng_uniform(r), u2 = rng_uniform(r);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static void shuffle(int *v, int n, rng *r)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(rng_next(r) % (uint64_t)(i + 1)), t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
}

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

/* ---- problem ------------------------------------------------------------------ */

typedef struct tr_net {
    int n_layers;
    int size[TR_MAX_LAYERS + 1];
    int act[TR_MAX_LAYERS];
    double param;
    size_t woff[TR_MAX_LAYERS], boff[TR_MAX_LAYERS];
    int uoff[TR_MAX_LAYERS + 1]; /* start of layer l's units in per-atom buffers */
    int units;
} tr_net;

typedef struct tr_frame {
    int n_atoms;
    int *el;          /* element index per atom */
    int has_e, has_f, has_mu;
    double e_ref, mu_ref[3];
    double *f_ref;    /* 3N or NULL */
    double *xc;       /* positions minus their arithmetic mean (dipoles), 3N */
    int *nb_off, *nb; /* neighbours of atom i: nb[nb_off[i] .. nb_off[i+1]) */
    size_t *s_off, *j_off;
    double *s;        /* scaled SFs, all atoms */
    double *SJ;       /* S J_i (n_sf x D_i) per atom */
} tr_frame;

struct tr_problem {
    nnv_potential *pot;
    int n_el, el_of_Z[NNV_MAX_Z + 1];
    int n_frames;
    tr_frame *fr;
    int charges;
    tr_net enet[NNV_MAX_Z], qnet[NNV_MAX_Z];
    int n_params;
    double *theta;
    double E0[NNV_MAX_Z];
    double wE, wF, wM;
    int max_atoms, max_sf, max_D, max_units;
};

static void frame_free(tr_frame *f)
{
    free(f->el);
    free(f->f_ref);
    free(f->xc);
    free(f->nb_off);
    free(f->nb);
    free(f->s_off);
    free(f->j_off);
    free(f->s);
    free(f->SJ);
}

void tr_problem_free(tr_problem *pb)
{
    if (!pb) return;
    if (pb->fr)
        for (int f = 0; f < pb->n_frames; f++) frame_free(&pb->fr[f]);
    free(pb->fr);
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

static void net_layout(tr_net *nt, int n_in, const train_options *o, size_t *np)
{
    nt->n_layers = o->n_hidden + 1;
    nt->size[0] = n_in;
    for (int l = 0; l < o->n_hidden; l++) nt->size[l + 1] = o->hidden[l], nt->act[l] = o->activation;
    nt->size[nt->n_layers] = 1;
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

/* --keep-scaling: the preset's SFs are replaced by the init file's (a subset
 * of them, after the constant ones were dropped, with their shift and scale),
 * so refined weights see the inputs they were trained on. An SF the preset
 * does not make means other symmetry-function options: refused. */
/* The --init file has the run's elements, in the same order. */
static int init_elements_match(const train_options *o, const nnv_potential *pot, nnv_error *err)
{
    const nnv_potential *in = o->init;
    const char *name = o->init_name ? o->init_name : "--init";
    if (in->n_elements != pot->n_elements)
        return nnv_error_set(err, NNV_EINPUT, "%s: %d elements, the data set has %d", name, in->n_elements,
                             pot->n_elements);
    for (int e = 0; e < pot->n_elements; e++)
        if (in->elements[e].Z != pot->elements[e].Z)
            return nnv_error_set(err, NNV_EINPUT, "%s: element %d is %s, the data set's is %s", name, e + 1,
                                 nnv_element_symbol(in->elements[e].Z), nnv_element_symbol(pot->elements[e].Z));
    return NNV_OK;
}

static int adopt_scaling(nnv_potential *pot, const train_options *o, nnv_error *err)
{
    const nnv_potential *in = o->init;
    const char *name = o->init_name ? o->init_name : "--init";
    int rc = init_elements_match(o, pot, err);
    if (rc != NNV_OK) return rc;
    for (int e = 0; e < pot->n_elements; e++) {
        const nnv_element_model *a = &in->elements[e];
        nnv_element_model *b = &pot->elements[e];
        int j = 0;
        /* Dropping keeps the preset's order, so one forward scan matches. */
        for (int k = 0; k < a->n_sf; k++, j++) {
            while (j < b->n_sf && sfgen_sf_differs(&a->sf[k], &b->sf[j], 0)) j++;
            if (j == b->n_sf)
                return nnv_error_set(err, NNV_EINPUT,
                                     "%s: element %s symmetry function %d is not one of this run's preset "
                                     "(same symmetry-function options needed)",
                                     name, nnv_element_symbol(a->Z), k + 1);
        }
        memcpy(b->sf, a->sf, (size_t)a->n_sf * sizeof *b->sf);
        b->n_sf = a->n_sf;
    }
    return NNV_OK;
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

    if (o->init && o->keep_scaling && (rc = adopt_scaling(pot, o, err)) != NNV_OK) goto cleanup;

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
        net_layout(&pb->enet[e], em->n_sf, o, &np);
        if (pb->charges) net_layout(&pb->qnet[e], em->n_sf, o, &np);
        if (pb->enet[e].units > pb->max_units) pb->max_units = pb->enet[e].units;
    }
    pb->n_params = (int)np;
    if (!(pb->theta = calloc(np, sizeof *pb->theta))) goto nomem;

    /* Pass 2: scaled SFs and Jacobians of every frame. */
    pb->n_frames = data->n_frames;
    if (!(pb->fr = calloc((size_t)data->n_frames, sizeof *pb->fr))) goto nomem;
    pb->max_atoms = max_n;
    for (int f = 0; f < data->n_frames; f++) {
        const ds_frame *d = &data->frames[f];
        tr_frame *t = &pb->fr[f];
        int N = d->n_atoms;
        size_t ns_tot = 0, nj_tot = 0;
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
    free(Gall);
    free(Gn);
    free(Gcap);
    free(keep);
    free(cut);
    free(Zn);
    free(rel);
    free(r);
    tr_problem_free(pb);
    return rc;
}

/* ---- networks on the flat parameter vector --------------------------------------- */

/* Forward pass: z, y, a', a'' of every unit (layout nt->uoff). */
static void nn_forward(const tr_net *nt, const double *th, const double *x, double *z, double *y, double *da,
                       double *d2a)
{
    for (int l = 0; l < nt->n_layers; l++) {
        int ni = nt->size[l], no = nt->size[l + 1];
        const double *in = l ? y + nt->uoff[l - 1] : x;
        const double *W = th + nt->woff[l], *b = th + nt->boff[l];
        for (int o = 0; o < no; o++) {
            const double *w = W + (size_t)o * (size_t)ni;
            double s = b[o];
            int u = nt->uoff[l] + o;
            for (int i = 0; i < ni; i++) s += w[i] * in[i];
            z[u] = s;
            net_activation(nt->act[l], nt->param, s, &y[u], &da[u], &d2a[u]);
        }
    }
}

/* g = dN/dx (size[0]) by reverse mode; tmp holds 2 x the widest layer. */
static void nn_input_grad(const tr_net *nt, const double *th, const double *da, double *g, double *tmp, int wmax)
{
    double *cur = tmp, *prev = tmp + wmax;
    cur[0] = 1.0;
    for (int l = nt->n_layers - 1; l >= 0; l--) {
        int ni = nt->size[l], no = nt->size[l + 1];
        const double *W = th + nt->woff[l];
        double *dst = l ? prev : g;
        memset(dst, 0, (size_t)ni * sizeof *dst);
        for (int o = 0; o < no; o++) {
            double e = cur[o] * da[nt->uoff[l] + o];
            const double *w = W + (size_t)o * (size_t)ni;
            if (e == 0.0) continue;
            for (int i = 0; i < ni; i++) dst[i] += e * w[i];
        }
        if (l) {
            double *t = cur;
            cur = prev;
            prev = t;
        }
    }
}

/* Adds to grad the weight gradient of cE * N(x) + cT * (dN/dx . u) (u may be
 * NULL: cT is then ignored). Needs the forward buffers of x; scratch holds
 * 2 * units + 4 * wmax doubles. */
static void nn_backward(const tr_net *nt, const double *th, const double *x, const double *y, const double *da,
                        const double *d2a, const double *u, double cE, double cT, double *grad,
                        double *scratch, int wmax)
{
    int L = nt->n_layers;
    double *zdot = scratch, *ydot = scratch + nt->units;
    double *yb = ydot + nt->units, *ydb = yb + wmax, *ybp = ydb + wmax, *ydbp = ybp + wmax;
    if (u) {
        for (int l = 0; l < L; l++) {
            int ni = nt->size[l], no = nt->size[l + 1];
            const double *in = l ? ydot + nt->uoff[l - 1] : u;
            const double *W = th + nt->woff[l];
            for (int o = 0; o < no; o++) {
                const double *w = W + (size_t)o * (size_t)ni;
                double s = 0.0;
                int k = nt->uoff[l] + o;
                for (int i = 0; i < ni; i++) s += w[i] * in[i];
                zdot[k] = s;
                ydot[k] = da[k] * s;
            }
        }
    }
    yb[0] = cE;
    ydb[0] = u ? cT : 0.0;
    for (int l = L - 1; l >= 0; l--) {
        int ni = nt->size[l], no = nt->size[l + 1];
        const double *W = th + nt->woff[l];
        const double *yin = l ? y + nt->uoff[l - 1] : x;
        const double *ydin = u ? (l ? ydot + nt->uoff[l - 1] : u) : NULL;
        double *gW = grad + nt->woff[l], *gb = grad + nt->boff[l];
        if (l) {
            memset(ybp, 0, (size_t)ni * sizeof *ybp);
            memset(ydbp, 0, (size_t)ni * sizeof *ydbp);
        }
        for (int o = 0; o < no; o++) {
            int k = nt->uoff[l] + o;
            double zb = yb[o] * da[k], zdb = 0.0;
            const double *w = W + (size_t)o * (size_t)ni;
            double *gw = gW + (size_t)o * (size_t)ni;
            if (u) {
                zb += ydb[o] * d2a[k] * zdot[k];
                zdb = ydb[o] * da[k];
            }
            gb[o] += zb;
            if (zb != 0.0)
                for (int i = 0; i < ni; i++) gw[i] += zb * yin[i];
            if (zdb != 0.0)
                for (int i = 0; i < ni; i++) gw[i] += zdb * ydin[i];
            if (l) {
                for (int i = 0; i < ni; i++) {
                    ybp[i] += w[i] * zb;
                    ydbp[i] += w[i] * zdb;
                }
            }
        }
        if (l) {
            memcpy(yb, ybp, (size_t)ni * sizeof *yb);
            memcpy(ydb, ydbp, (size_t)ni * sizeof *ydb);
        }
    }
}

/* ---- per-thread workspace and one configuration ----------------------------------- */

typedef struct tr_ws {
    double *z, *y, *da, *d2a;     /* per atom: max_units each */
    double *qz, *qy, *qda, *qd2a; /* charge network, per atom */
    double *g;                    /* per atom: max_sf */
    double *tmp, *scratch, *u, *dloc;
    double *F, *dF, *qt;
    double *grad;
    double loss, sse[3];
    int wmax;
} tr_ws;

static void ws_free(tr_ws *w)
{
    free(w->z);
    free(w->qz);
    free(w->g);
    free(w->tmp);
    free(w->F);
    free(w->grad);
}

static int ws_alloc(tr_ws *w, const tr_problem *pb, int want_grad)
{
    size_t U = (size_t)pb->max_units, A = (size_t)pb->max_atoms, S = (size_t)pb->max_sf;
    memset(w, 0, sizeof *w);
    w->wmax = pb->max_sf;
    for (int e = 0; e < pb->n_el; e++)
        for (int l = 0; l <= pb->enet[e].n_layers; l++)
            if (pb->enet[e].size[l] > w->wmax) w->wmax = pb->enet[e].size[l];
    w->z = malloc(4 * U * A * sizeof *w->z);
    w->qz = pb->charges ? malloc(4 * U * A * sizeof *w->qz) : NULL;
    w->g = malloc(S * A * sizeof *w->g);
    w->tmp = malloc((2 * (size_t)w->wmax + 2 * U + 4 * (size_t)w->wmax + S + (size_t)pb->max_D) * sizeof *w->tmp);
    w->F = malloc(9 * A * sizeof *w->F);
    w->grad = want_grad ? calloc((size_t)pb->n_params, sizeof *w->grad) : NULL;
    if (!w->z || (pb->charges && !w->qz) || !w->g || !w->tmp || !w->F || (want_grad && !w->grad)) {
        ws_free(w);
        return NNV_ENOMEM;
    }
    w->y = w->z + U * A;
    w->da = w->y + U * A;
    w->d2a = w->da + U * A;
    if (w->qz) {
        w->qy = w->qz + U * A;
        w->qda = w->qy + U * A;
        w->qd2a = w->qda + U * A;
    }
    w->scratch = w->tmp + 2 * (size_t)w->wmax;
    w->u = w->scratch + 2 * U + 4 * (size_t)w->wmax;
    w->dloc = w->u + S;
    w->dF = w->F + 3 * A;
    w->qt = w->dF + 3 * A;
    return NNV_OK;
}

/* Energy, forces (when want_f) and dipole (with charge networks) of frame t,
 * leaving every atom's forward buffers and input gradient in w. */
static void frame_eval(const tr_problem *pb, const tr_frame *t, tr_ws *w, int want_f, double *E, double *mu)
{
    size_t U = (size_t)pb->max_units, S = (size_t)pb->max_sf;
    int N = t->n_atoms;
    *E = 0.0;
    if (want_f) memset(w->F, 0, 3 * (size_t)N * sizeof *w->F);
    for (int i = 0; i < N; i++) {
        int e = t->el[i];
        const tr_net *nt = &pb->enet[e];
        const double *s = t->s + t->s_off[i];
        double *y = w->y + U * (size_t)i, *da = w->da + U * (size_t)i;
        nn_forward(nt, pb->theta, s, w->z + U * (size_t)i, y, da, w->d2a + U * (size_t)i);
        *E += pb->E0[e] + y[nt->uoff[nt->n_layers - 1]];
        if (pb->charges) {
            const tr_net *qn = &pb->qnet[e];
            double *qy = w->qy + U * (size_t)i;
            nn_forward(qn, pb->theta, s, w->qz + U * (size_t)i, qy, w->qda + U * (size_t)i,
                       w->qd2a + U * (size_t)i);
            w->qt[i] = qy[qn->uoff[qn->n_layers - 1]];
        }
        if (want_f) {
            int ns = nt->size[0], m = t->nb_off[i + 1] - t->nb_off[i], D = 3 * (m + 1);
            const double *SJ = t->SJ + t->j_off[i];
            double *g = w->g + S * (size_t)i;
            nn_input_grad(nt, pb->theta, da, g, w->tmp, w->wmax);
            for (int c = 0; c < D; c++) w->dloc[c] = 0.0;
            for (int k = 0; k < ns; k++) {
                const double *row = SJ + (size_t)k * (size_t)D;
                double gk = g[k];
                if (gk == 0.0) continue;
                for (int c = 0; c < D; c++) w->dloc[c] += gk * row[c];
            }
            for (int c = 0; c < D; c++) {
                int a = c / 3, atom = a ? t->nb[t->nb_off[i] + a - 1] : i;
                w->F[3 * atom + c % 3] -= w->dloc[c];
            }
        }
    }
    if (mu) {
        mu[0] = mu[1] = mu[2] = 0.0;
        if (pb->charges)
            for (int i = 0; i < N; i++)
                for (int q = 0; q < 3; q++) mu[q] += w->qt[i] * t->xc[3 * i + q];
    }
    /* The neutrality correction q_i = qt_i - mean(qt) is folded into xc
     * (positions minus their mean): sum_i q_i x_i = sum_i qt_i xc_i. */
}

/* Loss terms of frame t with normalisers nrm (per-term weights / counts), and
 * the weight gradient into w->grad when it is not NULL. */
static void frame_loss(const tr_problem *pb, const tr_frame *t, tr_ws *w, const double nrm[3])
{
    size_t U = (size_t)pb->max_units;
    int N = t->n_atoms, want_f = t->has_f && pb->wF > 0.0;
    double E, mu[3], cE = 0.0, cmu[3] = {0, 0, 0};
    frame_eval(pb, t, w, want_f || (t->has_f && !w->grad), &E, mu);
    if (t->has_e) {
        double d = (E - t->e_ref) / N;
        w->sse[0] += d * d;
        w->loss += nrm[0] * d * d;
        cE = 2.0 * nrm[0] * d / N;
    }
    if (t->has_f && (want_f || !w->grad)) {
        for (int c = 0; c < 3 * N; c++) {
            double d = w->F[c] - t->f_ref[c];
            w->sse[1] += d * d;
            w->loss += nrm[1] * d * d;
            w->dF[c] = 2.0 * nrm[1] * d;
        }
    }
    if (t->has_mu && pb->charges) {
        for (int q = 0; q < 3; q++) {
            double d = mu[q] - t->mu_ref[q];
            w->sse[2] += d * d;
            w->loss += nrm[2] * d * d;
            cmu[q] = 2.0 * nrm[2] * d;
        }
    }
    if (!w->grad) return;
    for (int i = 0; i < N; i++) {
        int e = t->el[i];
        const tr_net *nt = &pb->enet[e];
        const double *s = t->s + t->s_off[i];
        const double *u = NULL;
        if (want_f) {
            int ns = nt->size[0], m = t->nb_off[i + 1] - t->nb_off[i], D = 3 * (m + 1);
            const double *SJ = t->SJ + t->j_off[i];
            for (int c = 0; c < D; c++) {
                int a = c / 3, atom = a ? t->nb[t->nb_off[i] + a - 1] : i;
                w->dloc[c] = w->dF[3 * atom + c % 3];
            }
            for (int k = 0; k < ns; k++) {
                const double *row = SJ + (size_t)k * (size_t)D;
                double v = 0.0;
                for (int c = 0; c < D; c++) v += row[c] * w->dloc[c];
                w->u[k] = v;
            }
            u = w->u;
        }
        /* F depends on the weights as -(S J)^T g, hence the tangent weight -1. */
        nn_backward(nt, pb->theta, s, w->y + U * (size_t)i, w->da + U * (size_t)i, w->d2a + U * (size_t)i, u, cE,
                    -1.0, w->grad, w->scratch, w->wmax);
        if (pb->charges && t->has_mu) {
            double cq = cmu[0] * t->xc[3 * i] + cmu[1] * t->xc[3 * i + 1] + cmu[2] * t->xc[3 * i + 2];
            nn_backward(&pb->qnet[e], pb->theta, s, w->qy + U * (size_t)i, w->qda + U * (size_t)i,
                        w->qd2a + U * (size_t)i, NULL, cq, 0.0, w->grad, w->scratch, w->wmax);
        }
    }
}

void tr_counts(const tr_problem *pb, const int *idx, int n, double cnt[3])
{
    cnt[0] = cnt[1] = cnt[2] = 0.0;
    for (int b = 0; b < n; b++) {
        const tr_frame *t = &pb->fr[idx[b]];
        cnt[0] += t->has_e;
        cnt[1] += t->has_f ? 3.0 * t->n_atoms : 0.0;
        cnt[2] += (t->has_mu && pb->charges) ? 3.0 : 0.0;
    }
}

int tr_loss(tr_problem *pb, const int *idx, int n, double *loss, double *grad, double *sse)
{
    double cnt[3], nrm[3];
    int nt = 1, status = NNV_OK;
    tr_ws *ws = NULL;

#ifdef _OPENMP
    /* Small batches are not worth a parallel region (its barriers cost more
     * than the work, badly so on a loaded machine). */
    nt = n >= 16 ? omp_get_max_threads() : 1;
    if (nt > n) nt = n > 0 ? n : 1;
#endif
    tr_counts(pb, idx, n, cnt);
    nrm[0] = cnt[0] > 0 ? pb->wE / cnt[0] : 0.0;
    nrm[1] = cnt[1] > 0 ? pb->wF / cnt[1] : 0.0;
    nrm[2] = cnt[2] > 0 ? pb->wM / cnt[2] : 0.0;
    ws = calloc((size_t)nt, sizeof *ws);
    if (!ws) return NNV_ENOMEM;
    for (int t = 0; t < nt; t++)
        if (ws_alloc(&ws[t], pb, grad != NULL) != NNV_OK) {
            status = NNV_ENOMEM;
            goto cleanup;
        }
    /* Fixed partition and a reduction in thread order: the result depends on
     * the number of threads but not on scheduling. */
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static)
#endif
    for (int t = 0; t < nt; t++) {
        int lo = (int)((long long)n * t / nt), hi = (int)((long long)n * (t + 1) / nt);
        for (int b = lo; b < hi; b++) frame_loss(pb, &pb->fr[idx[b]], &ws[t], nrm);
    }
    *loss = 0.0;
    if (grad) memset(grad, 0, (size_t)pb->n_params * sizeof *grad);
    if (sse) sse[0] = sse[1] = sse[2] = 0.0;
    for (int t = 0; t < nt; t++) {
        *loss += ws[t].loss;
        if (sse)
            for (int q = 0; q < 3; q++) sse[q] += ws[t].sse[q];
        if (grad)
            for (int p = 0; p < pb->n_params; p++) grad[p] += ws[t].grad[p];
    }
cleanup:
    for (int t = 0; t < nt; t++) ws_free(&ws[t]);
    free(ws);
    return status;
}

int tr_predict(tr_problem *pb, int f, double *energy, double *forces, double *dipole)
{
    tr_ws w;
    const tr_frame *t = &pb->fr[f];
    if (ws_alloc(&w, pb, 0) != NNV_OK) return NNV_ENOMEM;
    frame_eval(pb, t, &w, forces != NULL, energy, dipole);
    if (forces) memcpy(forces, w.F, 3 * (size_t)t->n_atoms * sizeof *forces);
    ws_free(&w);
    return NNV_OK;
}

/* ---- initialisation and export ---------------------------------------------------- */

/* Solve A x = b (n x n, overwritten) by Gaussian elimination with partial pivoting. */
static void solve_small(int n, double *A, double *b)
{
    for (int c = 0; c < n; c++) {
        int p = c;
        for (int r = c + 1; r < n; r++)
            if (fabs(A[r * n + c]) > fabs(A[p * n + c])) p = r;
        if (p != c) {
            for (int k = 0; k < n; k++) {
                double t = A[c * n + k];
                A[c * n + k] = A[p * n + k];
                A[p * n + k] = t;
            }
            double t = b[c];
            b[c] = b[p];
            b[p] = t;
        }
        if (A[c * n + c] == 0.0) continue;
        for (int r = c + 1; r < n; r++) {
            double f = A[r * n + c] / A[c * n + c];
            for (int k = c; k < n; k++) A[r * n + k] -= f * A[c * n + k];
            b[r] -= f * b[c];
        }
    }
    for (int c = n - 1; c >= 0; c--) {
        double s = b[c];
        for (int k = c + 1; k < n; k++) s -= A[c * n + k] * b[k];
        b[c] = A[c * n + c] != 0.0 ? s / A[c * n + c] : 0.0;
    }
}

static void init_net(const tr_net *nt, double *th, rng *r)
{
    /* LeCun normal for every activation, so potentials that differ only in the
     * activation also start from the same weights. */
    for (int l = 0; l < nt->n_layers; l++) {
        int ni = nt->size[l], no = nt->size[l + 1];
        double sd = 1.0 / sqrt((double)ni);
        for (size_t k = 0; k < (size_t)ni * (size_t)no; k++) th[nt->woff[l] + k] = sd * rng_normal(r);
        for (int o = 0; o < no; o++) th[nt->boff[l] + (size_t)o] = 0.0;
    }
}

void tr_init(tr_problem *pb, uint64_t seed, const int *fit, int n_fit)
{
    rng r = {seed ^ 0x6e6e766962ULL};
    int n = pb->n_el;
    double A[NNV_MAX_Z * 4], b[NNV_MAX_Z];
    for (int e = 0; e < n; e++) {
        init_net(&pb->enet[e], pb->theta, &r);
        if (pb->charges) init_net(&pb->qnet[e], pb->theta, &r);
    }
    /* E0 by least squares of the energies on the composition, so the
     * networks only learn the (small) rest. */
    if (n * n > (int)(sizeof A / sizeof A[0])) return;
    memset(A, 0, sizeof A);
    memset(b, 0, sizeof b);
    for (int t = 0; t < (fit ? n_fit : pb->n_frames); t++) {
        const tr_frame *f = &pb->fr[fit ? fit[t] : t];
        double cnt[NNV_MAX_Z] = {0};
        if (!f->has_e) continue;
        for (int i = 0; i < f->n_atoms; i++) cnt[f->el[i]] += 1.0;
        for (int p = 0; p < n; p++) {
            b[p] += cnt[p] * f->e_ref;
            for (int q = 0; q < n; q++) A[p * n + q] += cnt[p] * cnt[q];
        }
    }
    /* A tiny ridge keeps the system solvable when compositions are collinear
     * (one molecule only): E0 is then not unique and any solution will do. */
    {
        double tr = 0.0;
        for (int p = 0; p < n; p++) tr += A[p * n + p];
        for (int p = 0; p < n; p++) A[p * n + p] += 1e-10 * (tr > 0 ? tr : 1.0);
    }
    solve_small(n, A, b);
    for (int e = 0; e < n; e++) pb->E0[e] = b[e];
}

static int export_net(nnv_network *dst, const tr_net *nt, const double *th)
{
    nnv_layer *L = calloc((size_t)nt->n_layers, sizeof *L);
    if (!L) return NNV_ENOMEM;
    for (int l = 0; l < nt->n_layers; l++) {
        size_t nw = (size_t)nt->size[l] * (size_t)nt->size[l + 1];
        L[l].activation = nt->act[l];
        L[l].param = nt->act[l] == NNV_ACT_CELU ? nt->param : 0.0;
        L[l].n_in = nt->size[l];
        L[l].n_out = nt->size[l + 1];
        L[l].W = malloc(nw * sizeof *L[l].W);
        L[l].b = malloc((size_t)nt->size[l + 1] * sizeof *L[l].b);
        if (!L[l].W || !L[l].b) {
            for (int k = 0; k <= l; k++) {
                free(L[k].W);
                free(L[k].b);
            }
            free(L);
            return NNV_ENOMEM;
        }
        memcpy(L[l].W, th + nt->woff[l], nw * sizeof *L[l].W);
        memcpy(L[l].b, th + nt->boff[l], (size_t)nt->size[l + 1] * sizeof *L[l].b);
    }
    for (int l = 0; l < dst->n_layers; l++) {
        free(dst->layers[l].W);
        free(dst->layers[l].b);
    }
    free(dst->layers);
    dst->layers = L;
    dst->n_layers = nt->n_layers;
    return NNV_OK;
}

int tr_export(tr_problem *pb)
{
    for (int e = 0; e < pb->n_el; e++) {
        nnv_element_model *em = &pb->pot->elements[e];
        em->E0 = pb->E0[e];
        if (export_net(&em->energy, &pb->enet[e], pb->theta) != NNV_OK) return NNV_ENOMEM;
        if (pb->charges && export_net(&em->charge, &pb->qnet[e], pb->theta) != NNV_OK) return NNV_ENOMEM;
    }
    if (pb->charges) pb->pot->flags |= NNV_FLAG_CHARGES;
    return NNV_OK;
}

/* ---- training loop ------------------------------------------------------------------- */

void train_defaults(train_options *o)
{
    memset(o, 0, sizeof *o);
    o->n_hidden = 2;
    o->hidden[0] = o->hidden[1] = 32;
    o->activation = NNV_ACT_TANH;
    o->act_param = 1.0;
    o->epochs = 1000;
    o->batch = 32;
    o->lr = 1e-3;
    o->lr_min = 1e-5;
    o->lr_decay = 0.5;
    o->lr_patience = 10;
    o->lr_schedule = TRAIN_LR_PLATEAU;
    o->patience = 40;
    o->energy_weight = 1.0;
    o->force_weight = 0.1;
    o->dipole_weight = 0.0;
    o->val_frac = 0.1;
    o->test_frac = 0.1;
    o->seed = 1;
    o->teacher = "unknown";
    o->data_name = "(data)";
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void rmses(tr_problem *pb, const int *idx, int n, double *loss, double out[3])
{
    double sse[3], cnt[3];
    out[0] = out[1] = out[2] = NAN;
    *loss = NAN;
    if (n == 0 || tr_loss(pb, idx, n, loss, NULL, sse) != NNV_OK) return;
    tr_counts(pb, idx, n, cnt);
    for (int q = 0; q < 3; q++)
        if (cnt[q] > 0) out[q] = sqrt(sse[q] / cnt[q]);
}

static int describe(nnv_potential *p, const tr_problem *pb, const train_options *o, const sfgen_options *sfo,
                    const train_report *rep)
{
    char buf[4096], sched[96], *d;
    int n = 0;
    if (o->lr_schedule == TRAIN_LR_PLATEAU) snprintf(sched, sizeof sched, "plateau decay %.2f", o->lr_decay);
    else
        snprintf(sched, sizeof sched, "%s schedule to %.3g over %d epochs",
                 o->lr_schedule == TRAIN_LR_EXP ? "exponential" : "cosine", o->lr_min, o->epochs);
    n += snprintf(buf + n, sizeof buf - (size_t)n,
                  "nnvib-train Behler-Parrinello potential. Teacher: %s. Data set: %s (CRC-32 %08x, %d configurations, "
                  "%d atoms), split by configuration train/validation/test %d/%d/%d with seed %llu",
                  o->teacher, o->data_name, (unsigned)o->data_crc,
                  rep->n_train - rep->n_extra + rep->n_val + rep->n_test, rep->n_atoms_total - rep->n_atoms_extra,
                  rep->n_train - rep->n_extra, rep->n_val, rep->n_test, (unsigned long long)o->seed);
    if (rep->n_extra)
        n += snprintf(buf + n, sizeof buf - (size_t)n,
                      ", plus %d training-only configurations (%d atoms) from %.200s (CRC-32 %08x)", rep->n_extra,
                      rep->n_atoms_extra, o->extra_name ? o->extra_name : "another data set",
                      (unsigned)o->extra_crc);
    n += snprintf(buf + n, sizeof buf - (size_t)n, ". Elements:");
    for (int e = 0; e < pb->n_el && n < (int)sizeof buf - 64; e++)
        n += snprintf(buf + n, sizeof buf - (size_t)n, " %s (%d SFs)", nnv_element_symbol(p->elements[e].Z),
                      p->elements[e].n_sf);
    if (o->init)
        n += snprintf(buf + n, sizeof buf - (size_t)n, ". Training continued from the weights of %.200s%s",
                      o->init_name ? o->init_name : "another potential",
                      o->keep_scaling ? ", keeping its symmetry functions' shift and scale" : "");
    n += snprintf(buf + n, sizeof buf - (size_t)n,
                  ". Symmetry functions: sfgen preset, %d radial per element (type 2) and type 9 angular with "
                  "%d eta, zeta 1,2,4, lambda +-1 per element pair, rc %.2f A, %s cutoff; constant ones dropped; "
                  "shift = mean, scale = 1/std over the training set. Networks: hidden",
                  sfo->n_radial, sfo->n_ang_eta, sfo->rc,
                  sfo->cutoff == NNV_CUTOFF_COS ? "cos" : sfo->cutoff == NNV_CUTOFF_POLY2 ? "poly2" : "tanhu");
    for (int l = 0; l < o->n_hidden; l++) n += snprintf(buf + n, sizeof buf - (size_t)n, "%s%d", l ? "," : " ", o->hidden[l]);
    n += snprintf(buf + n, sizeof buf - (size_t)n,
                  ", activation %s, identity output; charge networks: %s. Loss: w_E %.3g x per-atom energy MSE + "
                  "w_F %.3g x force MSE + w_mu %.3g x dipole MSE; Adam lr %.3g, batch %d, %s; "
                  "epochs run %d, best (kept) %d, %.0f s. RMSE train/val/test: energy %.3f/%.3f/%.3f meV/atom, "
                  "forces %.1f/%.1f/%.1f meV/A",
                  nnv_activation_name(o->activation), pb->charges ? "yes" : "no", o->energy_weight, o->force_weight,
                  o->dipole_weight, o->lr, o->batch, sched, rep->epochs, rep->best_epoch, rep->seconds,
                  1e3 * rep->rmse_e[0], 1e3 * rep->rmse_e[1], 1e3 * rep->rmse_e[2], 1e3 * rep->rmse_f[0],
                  1e3 * rep->rmse_f[1], 1e3 * rep->rmse_f[2]);
    if (pb->charges)
        n += snprintf(buf + n, sizeof buf - (size_t)n, ", dipole %.4f/%.4f/%.4f e*A", rep->rmse_mu[0],
                      rep->rmse_mu[1], rep->rmse_mu[2]);
    snprintf(buf + n, sizeof buf - (size_t)n, ".");
    if (!(d = malloc(strlen(buf) + 1))) return NNV_ENOMEM;
    strcpy(d, buf);
    free(p->description);
    p->description = d;
    return NNV_OK;
}

static int load_net(const tr_net *nt, double *th, const nnv_network *src, const char *what, int Z, const char *name,
                    nnv_error *err)
{
    if (src->n_layers != nt->n_layers)
        return nnv_error_set(err, NNV_EINPUT, "%s: element %s %s network has %d layers, the options give %d", name,
                             nnv_element_symbol(Z), what, src->n_layers, nt->n_layers);
    for (int l = 0; l < nt->n_layers; l++) {
        const nnv_layer *L = &src->layers[l];
        if (L->n_in != nt->size[l] || L->n_out != nt->size[l + 1])
            return nnv_error_set(err, NNV_EINPUT, "%s: element %s %s network layer %d is %dx%d, the options give %dx%d",
                                 name, nnv_element_symbol(Z), what, l + 1, L->n_out, L->n_in, nt->size[l + 1],
                                 nt->size[l]);
        if (L->activation != nt->act[l] || (L->activation == NNV_ACT_CELU && !sfgen_same_number(L->param, nt->param)))
            return nnv_error_set(err, NNV_EINPUT,
                                 "%s: element %s %s network layer %d: activation %s, the options give %s", name,
                                 nnv_element_symbol(Z), what, l + 1, nnv_activation_name(L->activation),
                                 nnv_activation_name(nt->act[l]));
        memcpy(th + nt->woff[l], L->W, (size_t)L->n_in * (size_t)L->n_out * sizeof *th);
        memcpy(th + nt->boff[l], L->b, (size_t)L->n_out * sizeof *th);
    }
    return NNV_OK;
}

/* --init: continue from a potential this trainer wrote with the same
 * options. Everything that defines the model's inputs must match what this
 * run derived from the data, or the loaded weights would see other inputs. */
static int load_init(tr_problem *pb, const train_options *o, nnv_error *err)
{
    const nnv_potential *in = o->init;
    const char *name = o->init_name ? o->init_name : "--init";
    int rc = init_elements_match(o, pb->pot, err);
    if (rc != NNV_OK) return rc;
    if (!!(in->flags & NNV_FLAG_CHARGES) != !!pb->charges)
        return nnv_error_set(err, NNV_EINPUT, "%s: %s charge networks, but the dipole weight is %s", name,
                             (in->flags & NNV_FLAG_CHARGES) ? "has" : "has no", pb->charges ? "> 0" : "0");
    for (int e = 0; e < pb->n_el; e++) {
        const nnv_element_model *a = &in->elements[e], *b = &pb->pot->elements[e];
        if (a->n_sf != b->n_sf)
            return nnv_error_set(err, NNV_EINPUT, "%s: element %s has %d symmetry functions, this run makes %d", name,
                                 nnv_element_symbol(a->Z), a->n_sf, b->n_sf);
        for (int k = 0; k < a->n_sf; k++) {
            const char *field = sfgen_sf_differs(&a->sf[k], &b->sf[k], 1);
            if (field)
                return nnv_error_set(err, NNV_EINPUT,
                                     "%s: element %s symmetry function %d: %s differ from this run's (same data set, "
                                     "split, seed and symmetry-function options needed)",
                                     name, nnv_element_symbol(a->Z), k + 1, field);
        }
        if ((rc = load_net(&pb->enet[e], pb->theta, &a->energy, "energy", a->Z, name, err)) != NNV_OK) return rc;
        if (pb->charges &&
            (rc = load_net(&pb->qnet[e], pb->theta, &a->charge, "charge", a->Z, name, err)) != NNV_OK)
            return rc;
        pb->E0[e] = a->E0;
    }
    return NNV_OK;
}

/* The annealed rate of epoch ep (1-based): lr at the first epoch, lr_min at
 * the last. A zero lr_min with EXP would never leave lr, so it anneals to
 * 1e-3 lr instead (documented with --lr-min). */
static double scheduled_lr(const train_options *o, int ep)
{
    double t = o->epochs > 1 ? (double)(ep - 1) / (o->epochs - 1) : 1.0;
    double lo = o->lr_min > 0.0 ? o->lr_min : 1e-3 * o->lr;
    if (lo > o->lr) lo = o->lr;
    if (o->lr_schedule == TRAIN_LR_EXP) return o->lr * pow(lo / o->lr, t);
    return lo + 0.5 * (o->lr - lo) * (1.0 + cos(3.14159265358979323846 * t));
}

int train_run(nnv_potential **out, const ds_set *data, int n_el, const int *Z, const sfgen_options *sfo,
              const train_options *o, train_progress_fn progress, void *ctx, train_report *rep, nnv_error *err)
{
    nnv_potential *pot = NULL;
    tr_problem *pb = NULL;
    int *order = NULL, *tr = NULL, *va = NULL, *te = NULL, n = data->n_frames, ntr, nva, nte, rc;
    /* Frames [ns, n) are training-only (train_options.n_split). */
    int ns = o->n_split > 0 && o->n_split < n ? o->n_split : n;
    int np, since_best = 0, since_decay = 0, has_mu = 0, has_ef = 0;
    double *grad = NULL, *m1 = NULL, *m2 = NULL, *best = NULL, lr = o->lr, best_val = INFINITY, t0 = now_seconds();
    double b1t = 1.0, b2t = 1.0;
    rng r = {o->seed};

    *out = NULL;
    memset(rep, 0, sizeof *rep);
    if (n < 1) return nnv_error_set(err, NNV_EINPUT, "%s: no configurations", o->data_name);
    for (int f = 0; f < n; f++) {
        has_mu |= data->frames[f].has_dipole;
        has_ef |= data->frames[f].has_energy || data->frames[f].forces != NULL;
        rep->n_atoms_total += data->frames[f].n_atoms;
        if (f >= ns) rep->n_atoms_extra += data->frames[f].n_atoms;
    }
    if (!has_ef)
        return nnv_error_set(err, NNV_EINPUT, "%s: no configuration has an energy= or a forces column",
                             o->data_name);
    if (o->dipole_weight > 0.0 && !has_mu)
        return nnv_error_set(err, NNV_EINPUT, "%s: dipole weight > 0 but no configuration has a dipole", o->data_name);

    /* Split by configuration, fixed seed. */
    order = malloc((size_t)n * sizeof *order);
    if (!order) return nnv_error_set(err, NNV_ENOMEM, "out of memory");
    train_split(ns, o->val_frac, o->test_frac, &r.s, order, &nva, &nte);
    /* Training-only frames extend the training part, after the split. */
    for (int f = ns; f < n; f++) order[f] = f;
    rep->n_extra = n - ns;
    ntr = n - nte - nva;
    te = order;
    va = order + nte;
    tr = order + nte + nva;
    rep->n_train = ntr, rep->n_val = nva, rep->n_test = nte;

    if ((rc = sfgen_make(&pot, n_el, Z, sfo, err)) != NNV_OK) goto cleanup;
    if ((rc = tr_problem_new(&pb, pot, data, tr, ntr, o, err)) != NNV_OK) goto cleanup;
    /* --init supplies every weight and E0, so the random start is skipped. */
    if (o->init) {
        if ((rc = load_init(pb, o, err)) != NNV_OK) goto cleanup;
    } else {
        tr_init(pb, o->seed, tr, ntr);
    }
    np = pb->n_params;
    grad = calloc((size_t)np, sizeof *grad);
    m1 = calloc((size_t)np, sizeof *m1);
    m2 = calloc((size_t)np, sizeof *m2);
    best = malloc((size_t)np * sizeof *best);
    if (!grad || !m1 || !m2 || !best) {
        rc = nnv_error_set(err, NNV_ENOMEM, "out of memory for %d parameters", np);
        goto cleanup;
    }
    memcpy(best, pb->theta, (size_t)np * sizeof *best);

    for (int ep = 1; ep <= o->epochs; ep++) {
        double tl = 0.0, vl, vr[3];
        int nb = 0;
        train_epoch info;
        if (o->lr_schedule != TRAIN_LR_PLATEAU) lr = scheduled_lr(o, ep);
        shuffle(tr, ntr, &r);
        for (int b0 = 0; b0 < ntr; b0 += o->batch) {
            int bn = ntr - b0 < o->batch ? ntr - b0 : o->batch;
            double l;
            if (tr_loss(pb, tr + b0, bn, &l, grad, NULL) != NNV_OK) {
                rc = nnv_error_set(err, NNV_ENOMEM, "out of memory in a training step");
                goto cleanup;
            }
            if (!isfinite(l)) {
                rc = nnv_error_set(err, NNV_ENUMERIC, "epoch %d: the loss is not finite (learning rate too large?)", ep);
                goto cleanup;
            }
            tl += l;
            nb++;
            /* Adam (D. P. Kingma, J. Ba, arXiv:1412.6980). */
            b1t *= 0.9;
            b2t *= 0.999;
            for (int p = 0; p < np; p++) {
                m1[p] = 0.9 * m1[p] + 0.1 * grad[p];
                m2[p] = 0.999 * m2[p] + 0.001 * grad[p] * grad[p];
                pb->theta[p] -= lr * (m1[p] / (1.0 - b1t)) / (sqrt(m2[p] / (1.0 - b2t)) + 1e-8);
            }
        }
        if (nva > 0) rmses(pb, va, nva, &vl, vr);
        else rmses(pb, tr, ntr, &vl, vr);
        memset(&info, 0, sizeof info);
        info.epoch = ep;
        info.lr = lr;
        info.train_loss = tl / (nb ? nb : 1);
        info.val_loss = vl;
        info.val_rmse_e = vr[0], info.val_rmse_f = vr[1], info.val_rmse_mu = vr[2];
        rep->epochs = ep;
        if (vl < best_val) {
            best_val = vl;
            rep->best_epoch = ep;
            memcpy(best, pb->theta, (size_t)np * sizeof *best);
            since_best = since_decay = 0;
            info.best = 1;
        } else {
            since_best++;
            if (o->lr_schedule == TRAIN_LR_PLATEAU && ++since_decay >= o->lr_patience) {
                lr *= o->lr_decay;
                since_decay = 0;
            }
        }
        info.seconds = now_seconds() - t0;
        if (progress) progress(ctx, &info);
        if (since_best >= o->patience || (o->lr_schedule == TRAIN_LR_PLATEAU && lr < o->lr_min)) break;
    }
    memcpy(pb->theta, best, (size_t)np * sizeof *best);
    {
        const int *sets[3] = {tr, va, te};
        int counts[3] = {ntr, nva, nte};
        for (int k = 0; k < 3; k++) {
            double l, v[3];
            rmses(pb, sets[k], counts[k], &l, v);
            rep->rmse_e[k] = v[0], rep->rmse_f[k] = v[1], rep->rmse_mu[k] = v[2];
        }
    }
    rep->seconds = now_seconds() - t0;
    if (tr_export(pb) != NNV_OK || describe(pot, pb, o, sfo, rep) != NNV_OK) {
        rc = nnv_error_set(err, NNV_ENOMEM, "out of memory");
        goto cleanup;
    }
    *out = pot;
    pot = NULL;
cleanup:
    tr_problem_free(pb);
    nnv_potential_free(pot);
    free(order);
    free(grad);
    free(m1);
    free(m2);
    free(best);
    return rc;
}
