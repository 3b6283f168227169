/* weights.c: the parameter vector in and out: a seeded random start with E0
 * by least squares, continuing from a potential (--init, --keep-scaling),
 * and the export of the trained parameters into the potential's networks. */
#include <stdlib.h>
#include <string.h>

#include "trainer_internal.h"

/* The --init file has the run's elements, in the same order. */
static int init_elements_match(const train_options *o, const nnv_potential *pot, nnv_error *err)
{
    const nnv_potential *in = o->init;
    const char *name = o->init_name ? o->init_name : "--init";
    /* A shallow ensemble continues from one of the same size (train_shallow
     * checks the kind); other committees are taken apart by train_committee. */
    if (in->n_members > 0 && !(o->shallow == in->n_members && in->committee_kind == NNV_COMMITTEE_SHALLOW))
        return nnv_error_set(err, NNV_EINPUT,
                             "%s: a committee of %d members; --init takes one potential "
                             "(nnvib convert --member M extracts member M) or, with --committee K, a committee "
                             "of the same kind and K",
                             name, in->n_members);
    if (in->n_elements != pot->n_elements)
        return nnv_error_set(err, NNV_EINPUT, "%s: %d elements, the data set has %d", name, in->n_elements,
                             pot->n_elements);
    for (int e = 0; e < pot->n_elements; e++)
        if (in->elements[e].Z != pot->elements[e].Z)
            return nnv_error_set(err, NNV_EINPUT, "%s: element %d is %s, the data set's is %s", name, e + 1,
                                 nnv_element_symbol(in->elements[e].Z), nnv_element_symbol(pot->elements[e].Z));
    return NNV_OK;
}

/* --keep-scaling: the preset's SFs are replaced by the init file's (a subset
 * of them, after the constant ones were dropped, with their shift and scale),
 * so refined weights see the inputs they were trained on. An SF the preset
 * does not make means other symmetry-function options: refused. */
int tr_adopt_scaling(nnv_potential *pot, const train_options *o, nnv_error *err)
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
int tr_load_init(tr_problem *pb, const train_options *o, nnv_error *err)
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
