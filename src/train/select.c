/* Active learning's selection step: score unlabelled candidate configurations
 * by the disagreement of a committee and pick, per molecule, the ones the
 * teacher should label (the ANI-1x query by committee). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train.h"

void al_select_defaults(al_select_options *o)
{
    memset(o, 0, sizeof *o);
    o->threshold_f = 0.05;
    o->threshold_e = INFINITY;
    o->max_per_molecule = 20;
    o->key = "molecule";
}

int al_score_frames(al_score *scores, const nnv_potential *p, const ds_set *cands, nnv_error *err)
{
    if (!p || p->n_members < 2)
        return nnv_error_set(err, NNV_EINPUT, "the potential is not a committee: disagreement needs members");
    for (int f = 0; f < cands->n_frames; f++) {
        const ds_frame *fr = &cands->frames[f];
        nnv_structure *s = NULL;
        nnv_result *r = NULL;
        al_score *sc = &scores[f];
        int st = nnv_structure_new(&s, fr->n_atoms, fr->Z, fr->xyz, err);
        if (st == NNV_OK)
            st = nnv_compute(&r, p, s, &(nnv_compute_options){NNV_WANT_FORCES, 0.0, 0.0}, err);
        memset(sc, 0, sizeof *sc);
        if (st == NNV_ENUMERIC) {
            /* Members that overflow disagree beyond measure: the teacher is
             * needed there most of all. */
            sc->sigma_f = sc->sigma_e = INFINITY;
            sc->failed = 1;
            st = NNV_OK;
        } else if (st == NNV_OK) {
            for (int i = 0; i < fr->n_atoms; i++)
                if (r->force_std[i] > sc->sigma_f) sc->sigma_f = r->force_std[i];
            sc->sigma_e = r->energy_std / fr->n_atoms;
            sc->extrapolating = r->n_extrapolations > 0;
        }
        nnv_result_free(r);
        nnv_structure_free(s);
        if (st != NNV_OK) {
            nnv_error inner = *err;
            return nnv_error_set(err, st, "configuration %d: %s", f + 1, inner.message);
        }
    }
    return NNV_OK;
}

/* The ranking: larger force disagreement first, then larger energy
 * disagreement, then the earlier frame. A total order, so the selection does
 * not depend on qsort's algorithm. */
typedef struct ranked {
    int frame;
    double f, e;
} ranked;

static int rank_order(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    if (a->f != b->f) return a->f > b->f ? -1 : 1;
    if (a->e != b->e) return a->e > b->e ? -1 : 1;
    return (a->frame > b->frame) - (a->frame < b->frame);
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* Median of v[0..n) (sorted in place); NAN for none. */
static double median(double *v, int n)
{
    if (n == 0) return NAN;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The statistics of one group from its candidates r[0..n), already ranked,
 * and how many of them are selected. */
static void group_stats(al_group *g, ranked *r, int n, const al_score *sc, const al_select_options *o,
                        double *work)
{
    g->n_candidates = n;
    g->max_f = n ? r[0].f : NAN;
    g->max_e = -INFINITY;
    for (int k = 0; k < n; k++) {
        const al_score *s = &sc[r[k].frame];
        g->n_above += s->sigma_f > o->threshold_f || s->sigma_e > o->threshold_e;
        g->n_extrapolating += s->extrapolating;
        g->n_failed += s->failed;
        if (s->sigma_e > g->max_e) g->max_e = s->sigma_e;
        work[k] = r[k].f;
    }
    if (n == 0) g->max_e = NAN;
    g->median_f = median(work, n);
    for (int k = 0; k < n; k++) work[k] = sc[r[k].frame].sigma_e;
    g->median_e = median(work, n);
    g->n_selected = g->n_above < o->max_per_molecule ? g->n_above : o->max_per_molecule;
}

/* The group of a frame: the values of the comma-separated keys, joined by
 * commas ("water,300" for "molecule,T"), into val (n bytes). Returns the
 * full length (longer than n - 1: cut). */
static size_t group_value(const char *info, const char *keys, char *val, size_t n)
{
    size_t full = 0;
    char key[64], part[64];
    val[0] = 0;
    for (int k = 0; *keys; k++) {
        size_t kl = strcspn(keys, ",");
        snprintf(key, sizeof key, "%.*s", (int)(kl < sizeof key ? kl : sizeof key - 1), keys);
        if (ds_info_value(info, key, part, sizeof part) >= sizeof part) return n; /* cut */
        full += strlen(part) + (k > 0);
        if (full < n) { /* fits: full counts every byte so far */
            size_t l = strlen(val);
            if (k > 0) val[l++] = ',';
            memcpy(val + l, part, strlen(part) + 1);
        }
        keys += kl + (keys[kl] == ',');
    }
    return full;
}

int al_select(int **selected, int *n_selected, al_group **groups, int *n_groups, al_group *all,
              const ds_set *cands, const al_score *scores, const al_select_options *o, nnv_error *err)
{
    int n = cands->n_frames, ng = 0, cap = 16, rc = NNV_OK, ns = 0;
    int *gid = malloc(((size_t)n + 1) * sizeof *gid), *sel = malloc(((size_t)n + 1) * sizeof *sel);
    ranked *r = malloc(((size_t)n + 1) * sizeof *r);
    double *work = malloc(((size_t)n + 1) * sizeof *work);
    al_group *g = calloc((size_t)cap, sizeof *g);
    *selected = NULL;
    *groups = NULL;
    *n_selected = *n_groups = 0;
    if (!gid || !sel || !r || !work || !g) goto nomem;
    if (o->max_per_molecule < 0 || !(o->threshold_f >= 0.0) || !(o->threshold_e >= 0.0)) {
        rc = nnv_error_set(err, NNV_EUSAGE, "al_select: negative threshold or cap");
        goto cleanup;
    }
    /* Groups in order of first appearance, so the output follows the file. */
    for (int f = 0; f < n; f++) {
        char val[sizeof g[0].name];
        int k;
        if (group_value(cands->frames[f].info, o->key, val, sizeof val) >= sizeof val) {
            rc = nnv_error_set(err, NNV_EINPUT, "configuration %d: the value of %s is longer than %d characters",
                               f + 1, o->key, (int)sizeof val - 1);
            goto cleanup;
        }
        for (k = 0; k < ng && strcmp(g[k].name, val) != 0; k++) {}
        if (k == ng) {
            if (ng == cap) {
                al_group *t = realloc(g, 2 * (size_t)cap * sizeof *t);
                if (!t) goto nomem;
                g = t;
                cap *= 2;
            }
            memset(&g[ng], 0, sizeof g[ng]);
            snprintf(g[ng].name, sizeof g[ng].name, "%s", val);
            ng++;
        }
        gid[f] = k;
    }
    for (int k = 0; k < ng; k++) {
        int m = 0;
        for (int f = 0; f < n; f++)
            if (gid[f] == k) r[m++] = (ranked){f, scores[f].sigma_f, scores[f].sigma_e};
        qsort(r, (size_t)m, sizeof *r, rank_order);
        group_stats(&g[k], r, m, scores, o, work);
        /* The ranked ones above a threshold come first only when the force
         * decides; an energy-only candidate can rank below one under both
         * thresholds, so the eligible ones are taken in rank order. */
        for (int q = 0, taken = 0; q < m && taken < g[k].n_selected; q++) {
            const al_score *s = &scores[r[q].frame];
            if (!(s->sigma_f > o->threshold_f || s->sigma_e > o->threshold_e)) continue;
            sel[ns++] = r[q].frame;
            taken++;
        }
    }
    /* The whole set as one row: medians over every candidate, counts summed. */
    memset(all, 0, sizeof *all);
    snprintf(all->name, sizeof all->name, "all");
    for (int f = 0; f < n; f++) r[f] = (ranked){f, scores[f].sigma_f, scores[f].sigma_e};
    qsort(r, (size_t)n, sizeof *r, rank_order);
    group_stats(all, r, n, scores, o, work);
    all->n_selected = ns;
    *selected = sel;
    *n_selected = ns;
    *groups = g;
    *n_groups = ng;
    sel = NULL;
    g = NULL;
    goto cleanup;
nomem:
    rc = nnv_error_set(err, NNV_ENOMEM, "out of memory selecting among %d candidates", n);
cleanup:
    FREE_ALL(gid, sel, r, work, g);
    return rc;
}

/* info without the pairs whose key is `key` (so a re-selected candidate does
 * not carry two scores), into a new string. */
static char *info_without(const char *info, const char *key)
{
    size_t klen = strlen(key), n = 0;
    char *out = malloc(strlen(info) + 1);
    const char *s = info;
    if (!out) return NULL;
    while (*s) {
        const char *start;
        while (*s == ' ' || *s == '\t') s++;
        if (!*s) break;
        start = s;
        s = txt_pair_end(s);
        if (strncmp(start, key, klen) == 0 && start[klen] == '=') continue;
        if (n) out[n++] = ' ';
        memcpy(out + n, start, (size_t)(s - start));
        n += (size_t)(s - start);
    }
    out[n] = 0;
    return out;
}

int al_tag_frame(ds_frame *fr, const al_score *sc, nnv_error *err)
{
    char *a = info_without(fr->info, "sigma_f"), *b = a ? info_without(a, "sigma_e") : NULL;
    size_t len = b ? strlen(b) + 64 : 0;
    char *c = b ? malloc(len) : NULL;
    free(a);
    if (!c) {
        free(b);
        return nnv_error_set(err, NNV_ENOMEM, "out of memory");
    }
    /* Scores as numbers a reader of the data set can sort by; an overflowing
     * committee is written as a large number, since inf is no extended-XYZ value. */
    snprintf(c, len, "%s%ssigma_f=%.6g sigma_e=%.6g", b, *b ? " " : "", isfinite(sc->sigma_f) ? sc->sigma_f : 1e30,
             isfinite(sc->sigma_e) ? sc->sigma_e : 1e30);
    free(b);
    free(fr->info);
    fr->info = c;
    return NNV_OK;
}
