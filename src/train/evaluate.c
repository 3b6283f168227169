/* Scores a finished potential on a labelled data set with the library's own
 * nnv_compute: RMSEs of energy, forces, dipole and (with curvature labels)
 * Hessian-vector products, overall and per group, and for committees how
 * well the predicted force spread matches the error. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train.h"

static int group_of(train_eval_group **g, int *n, int *cap, const char *name, nnv_error *err)
{
    for (int k = 1; k < *n; k++)
        if (strcmp((*g)[k].name, name) == 0) return k;
    if (*n == *cap) {
        int nc = *cap * 2;
        train_eval_group *t = realloc(*g, (size_t)nc * sizeof *t);
        if (!t) return nnv_error_set(err, NNV_ENOMEM, "out of memory");
        *g = t;
        *cap = nc;
    }
    memset(&(*g)[*n], 0, sizeof **g);
    snprintf((*g)[*n].name, sizeof (*g)[*n].name, "%s", name);
    return (*n)++;
}

/* (spread, error) pairs of every atom, for the rank correlation. */
typedef struct pairs {
    double *s, *e;
    size_t n, cap;
} pairs;

static int pairs_add(pairs *p, double s, double e)
{
    if (p->n == p->cap) {
        size_t c = p->cap ? 2 * p->cap : 1024;
        double *a = realloc(p->s, c * sizeof *a), *b;
        if (!a) return NNV_ENOMEM;
        p->s = a;
        if (!(b = realloc(p->e, c * sizeof *b))) return NNV_ENOMEM;
        p->e = b;
        p->cap = c;
    }
    p->s[p->n] = s, p->e[p->n] = e, p->n++;
    return NNV_OK;
}

typedef struct ranked {
    double v;
    size_t i;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    double x = ((const ranked *)a)->v, y = ((const ranked *)b)->v;
    return (x > y) - (x < y);
}

/* Ranks of v[0..n) into rank (ties get their mean rank). */
static int ranks(const double *v, size_t n, double *rank)
{
    ranked *t = malloc((n ? n : 1) * sizeof *t);
    if (!t) return NNV_ENOMEM;
    for (size_t i = 0; i < n; i++) t[i].v = v[i], t[i].i = i;
    qsort(t, n, sizeof *t, cmp_ranked);
    for (size_t a = 0; a < n;) {
        size_t b = a;
        while (b + 1 < n && t[b + 1].v == t[a].v) b++;
        for (size_t k = a; k <= b; k++) rank[t[k].i] = 0.5 * (double)(a + b);
        a = b + 1;
    }
    free(t);
    return NNV_OK;
}

/* Spearman's rank correlation of the pairs (NAN for fewer than 3). */
static int spearman(const pairs *p, double *rho)
{
    size_t n = p->n;
    double *rs, *re, ms = 0.0, sxy = 0.0, sxx = 0.0, syy = 0.0;
    *rho = NAN;
    if (n < 3) return NNV_OK;
    rs = malloc(2 * n * sizeof *rs);
    if (!rs) return NNV_ENOMEM;
    re = rs + n;
    if (ranks(p->s, n, rs) != NNV_OK || ranks(p->e, n, re) != NNV_OK) {
        free(rs);
        return NNV_ENOMEM;
    }
    ms = 0.5 * (double)(n - 1); /* the mean of ranks 0..n-1, ties or not */
    for (size_t i = 0; i < n; i++) {
        sxy += (rs[i] - ms) * (re[i] - ms);
        sxx += (rs[i] - ms) * (rs[i] - ms);
        syy += (re[i] - ms) * (re[i] - ms);
    }
    *rho = sxx > 0.0 && syy > 0.0 ? sxy / sqrt(sxx * syy) : NAN;
    free(rs);
    return NNV_OK;
}

/* e_i = |F_i - F_i,ref| / sqrt(3): the RMS error over atom i's components,
 * the quantity its committee spread estimates. */
static double atom_force_error(const ds_frame *fr, const nnv_result *r, int i)
{
    double e2 = 0.0;
    for (int q = 0; q < 3; q++) {
        double d = r->forces[3 * i + q] - fr->forces[3 * i + q];
        e2 += d * d;
    }
    return sqrt(e2 / 3.0);
}

/* 1 when atom i has a spread that can be compared with its error. */
static int has_spread(const nnv_result *r, int i) { return r->force_std[i] > 0.0 && isfinite(r->force_std[i]); }

/* The spread terms of one frame's atoms. */
static void add_spread(train_eval_group *g, const ds_frame *fr, const nnv_result *r)
{
    for (int i = 0; i < fr->n_atoms; i++) {
        double s = r->force_std[i], e;
        if (!has_spread(r, i)) continue;
        e = atom_force_error(fr, r, i);
        g->n_sigma++;
        g->sum_z2 += e * e / (s * s);
        g->n_within1 += e <= s;
        g->n_within2 += e <= 2.0 * s;
    }
}

static void add(train_eval_group *g, const ds_frame *fr, const nnv_result *r)
{
    g->n_frames++;
    g->n_atoms += fr->n_atoms;
    int in = r->n_extrapolations == 0;
    g->n_extrapolating += !in;
    g->n_frames_in += in;
    if (fr->has_energy) {
        double d = (r->energy - fr->energy) / fr->n_atoms;
        g->sse_e += d * d;
        g->n_e++;
        if (fabs(d) > g->max_e) g->max_e = fabs(d);
        if (in) g->sse_e_in += d * d, g->n_e_in++;
    }
    if (fr->forces) {
        double sse = 0.0;
        for (int k = 0; k < 3 * fr->n_atoms; k++) {
            double d = r->forces[k] - fr->forces[k];
            sse += d * d;
            if (fabs(d) > g->max_f) g->max_f = fabs(d);
        }
        g->sse_f += sse;
        g->n_f += 3 * fr->n_atoms;
        if (in) g->sse_f_in += sse, g->n_f_in += 3 * fr->n_atoms;
    }
    if (fr->has_dipole && r->has_charges) {
        for (int k = 0; k < 3; k++) {
            double d = r->dipole[k] - fr->dipole[k];
            g->sse_mu += d * d;
        }
        g->n_mu += 3;
    }
    if (fr->forces && r->n_members > 0 && r->force_std) add_spread(g, fr, r);
    if (fr->n_hvp > 0 && r->hessian) {
        int n3 = 3 * fr->n_atoms;
        for (int p = 0; p < fr->n_hvp; p++) {
            const double *v = fr->hvp_probe + (size_t)p * (size_t)n3, *ref = fr->hvp + (size_t)p * (size_t)n3;
            for (int c = 0; c < n3; c++) {
                double hv = 0.0, d;
                for (int q = 0; q < n3; q++) hv += r->hessian[(size_t)c * (size_t)n3 + (size_t)q] * v[q];
                d = hv - ref[c];
                g->sse_hv += d * d;
            }
            g->n_hv += n3;
        }
    }
}

int train_evaluate(train_eval_group **out, int *n_out, const nnv_potential *p, const ds_set *data,
                   const int *idx, int n_idx, const char *key, double total_charge, nnv_error *err)
{
    int n = 1, cap = 16, st = NNV_OK;
    train_eval_group *g = calloc((size_t)cap, sizeof *g);
    pairs pr = {NULL, NULL, 0, 0};
    *out = NULL;
    *n_out = 0;
    if (!g) return nnv_error_set(err, NNV_ENOMEM, "out of memory");
    snprintf(g[0].name, sizeof g[0].name, "all");
    if (!idx) n_idx = data->n_frames;
    for (int i = 0; i < n_idx; i++) {
        int f = idx ? idx[i] : i;
        const ds_frame *fr = &data->frames[f];
        nnv_structure *s = NULL;
        nnv_result *r = NULL;
        unsigned want = NNV_WANT_FORCES | ((p->flags & NNV_FLAG_CHARGES) ? NNV_WANT_CHARGES : 0u) |
                        (fr->n_hvp > 0 ? NNV_WANT_HESSIAN : 0u);
        int k = 0;
        if ((st = nnv_structure_new(&s, fr->n_atoms, fr->Z, fr->xyz, err)) != NNV_OK) goto frame_fail;
        if ((st = nnv_compute(&r, p, s, &(nnv_compute_options){want, total_charge, 0.0}, err)) != NNV_OK)
            goto frame_fail;
        if (key) {
            char val[sizeof g[0].name];
            /* A cut value could merge two groups that differ only after the cut. */
            if (ds_info_value(fr->info, key, val, sizeof val) >= sizeof val) {
                st = nnv_error_set(err, NNV_EINPUT, "the value of %s is longer than %d characters", key,
                                   (int)sizeof val - 1);
                goto frame_fail;
            }
            if ((k = group_of(&g, &n, &cap, val, err)) < 0) {
                st = k;
                goto frame_fail;
            }
        }
        add(&g[0], fr, r);
        if (k > 0) add(&g[k], fr, r);
        if (fr->forces && r->n_members > 0 && r->force_std)
            for (int a = 0; a < fr->n_atoms && st == NNV_OK; a++)
                if (has_spread(r, a) && pairs_add(&pr, r->force_std[a], atom_force_error(fr, r, a)) != NNV_OK)
                    st = nnv_error_set(err, NNV_ENOMEM, "out of memory");
    frame_fail:
        nnv_result_free(r);
        nnv_structure_free(s);
        if (st != NNV_OK) {
            /* The library's message names the field; add which configuration it was. */
            nnv_error inner = *err;
            nnv_error_set(err, st, "configuration %d: %s", f + 1, inner.message);
            free(g);
            free(pr.s), free(pr.e);
            return st;
        }
    }
    for (int k = 0; k < n; k++) g[k].spearman = NAN;
    st = spearman(&pr, &g[0].spearman);
    free(pr.s), free(pr.e);
    if (st != NNV_OK) {
        free(g);
        return nnv_error_set(err, st, "out of memory");
    }
    *out = g;
    *n_out = n;
    return NNV_OK;
}
