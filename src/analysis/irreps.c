/* What a detected point group does to a structure and its modes: the
 * symmetrised structure, the species of normal modes (characters under the
 * group's operations reduced on its character table) and the geometric
 * Gamma_vib (Wilson, Decius & Cross, "Molecular Vibrations", ch. 6). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_internal.h"

#define CLEAN_TOL 0.15 /* a reduction coefficient this close to an integer counts as clean */
#define MAX_SET 5      /* largest irreducible representation (H of Ih) */

int nnv_point_group_n_irreps(const nnv_point_group *g)
{
    const pg_table *t = g ? pg_table_get(g->table) : NULL;
    return t ? t->n_irreps : 0;
}

const char *nnv_point_group_irrep_name(const nnv_point_group *g, int i)
{
    const pg_table *t = g ? pg_table_get(g->table) : NULL;
    return t && i >= 0 && i < t->n_irreps ? t->irrep[i] : NULL;
}

int nnv_point_group_irrep_dim(const nnv_point_group *g, int i)
{
    const pg_table *t = g ? pg_table_get(g->table) : NULL;
    return t && i >= 0 && i < t->n_irreps ? (int)lround(t->chi[i][0]) : 0;
}

/* Reduction coefficients of the characters chi (one per operation of g). */
static void reduce(double *coef, const nnv_point_group *g, const pg_table *t, const double *chi)
{
    for (int r = 0; r < t->n_irreps; r++) {
        double s = 0, norm = 0;
        for (int q = 0; q < g->order; q++) {
            int cl = g->op_class[q];
            double ci = cl >= 0 ? t->chi[r][cl] : 0.0;
            s += chi[q] * ci;
            norm += ci * ci;
        }
        coef[r] = norm > 0 ? s / norm : 0.0;
    }
}

static int classes_complete(const nnv_point_group *g)
{
    for (int q = 0; q < g->order; q++)
        if (g->op_class[q] < 0) return 0;
    return 1;
}

int nnv_point_group_gamma_vib(int *counts, const nnv_point_group *g, nnv_error *err)
{
    const pg_table *t = g ? pg_table_get(g->table) : NULL;
    if (!counts || !g) return nnv_error_set(err, NNV_EUSAGE, "gamma_vib: NULL argument");
    if (!t || !classes_complete(g))
        return nnv_error_set(err, NNV_ENUMERIC, "gamma_vib: no character table fits group %s", g->name);
    double chi[128], coef[PG_MAX_IRREPS];
    for (int q = 0; q < g->order; q++) {
        const double *O = g->ops + 9 * q;
        const int *pm = g->perm + (size_t)q * (size_t)g->n_atoms;
        int fixed = 0;
        for (int i = 0; i < g->n_atoms; i++) fixed += pm[i] == i;
        double tr = O[0] + O[4] + O[8];
        double det = O[0] * (O[4] * O[8] - O[5] * O[7]) - O[1] * (O[3] * O[8] - O[5] * O[6]) +
                     O[2] * (O[3] * O[7] - O[4] * O[6]);
        double rot = det * tr;
        if (g->linear) {
            /* no rotation about the molecular axis: drop its character det * (z.O z) */
            const double *z = g->axes + 6;
            double Oz[3] = {O[0] * z[0] + O[1] * z[1] + O[2] * z[2], O[3] * z[0] + O[4] * z[1] + O[5] * z[2],
                            O[6] * z[0] + O[7] * z[1] + O[8] * z[2]};
            rot -= det * (z[0] * Oz[0] + z[1] * Oz[1] + z[2] * Oz[2]);
        }
        chi[q] = fixed * tr - tr - (g->n_atoms > 1 ? rot : 0.0);
        if (g->n_atoms == 1) chi[q] = 0;
    }
    reduce(coef, g, t, chi);
    for (int r = 0; r < t->n_irreps; r++) {
        counts[r] = (int)lround(coef[r]);
        if (fabs(coef[r] - counts[r]) > 1e-6 || counts[r] < 0)
            return nnv_error_set(err, NNV_ENUMERIC, "gamma_vib: %s count %g is not a whole number",
                                 t->irrep[r], coef[r]);
    }
    return NNV_OK;
}

void nnv_mode_symmetry_free(nnv_mode_symmetry *m)
{
    if (!m) return;
    FREE_ALL(m->labels, m->irrep, m->set_start);
    free(m);
}

/* Characters of the set of mass-weighted modes L (d x 3N) under each operation. */
static void set_characters(double *chi, const nnv_point_group *g, const double *L, int d)
{
    int n = g->n_atoms;
    for (int q = 0; q < g->order; q++) {
        const double *O = g->ops + 9 * q;
        const int *pm = g->perm + (size_t)q * (size_t)n;
        double s = 0;
        for (int a = 0; a < d; a++) {
            const double *l = L + (size_t)a * 3 * (size_t)n;
            for (int i = 0; i < n; i++) {
                const double *u = l + 3 * i, *w = l + 3 * pm[i];
                for (int r = 0; r < 3; r++) s += w[r] * (O[3 * r] * u[0] + O[3 * r + 1] * u[1] + O[3 * r + 2] * u[2]);
            }
        }
        chi[q] = s;
    }
}

/* The one species of dimension d the coefficients show, or -1. */
static int single_species(const pg_table *t, const double *coef, int d)
{
    int hit = -1;
    for (int r = 0; r < t->n_irreps; r++) {
        if (fabs(coef[r]) <= CLEAN_TOL) continue;
        if (fabs(coef[r] - 1) > CLEAN_TOL || hit >= 0 || lround(t->chi[r][0]) != d) return -1;
        hit = r;
    }
    return hit;
}

/* A readable sum of species ("A1 + B2"), or "" when not integral. */
static void species_sum(char *buf, size_t len, const pg_table *t, const double *coef)
{
    buf[0] = '\0';
    for (int r = 0; r < t->n_irreps; r++) {
        long c = lround(coef[r]);
        if (fabs(coef[r] - (double)c) > CLEAN_TOL || c < 0) {
            buf[0] = '\0';
            return;
        }
        if (c == 0) continue;
        size_t used = strlen(buf);
        if (c > 1) snprintf(buf + used, len - used, "%s%ld%s", used ? " + " : "", c, t->irrep[r]);
        else snprintf(buf + used, len - used, "%s%s", used ? " + " : "", t->irrep[r]);
    }
}

int nnv_mode_symmetry_assign(nnv_mode_symmetry **out, const nnv_point_group *g, const nnv_vib *v,
                             const double *masses, double degeneracy_cm1, nnv_error *err)
{
    int rc = NNV_OK;
    nnv_mode_symmetry *m = NULL;
    double *L = NULL, chi[128], coef[PG_MAX_IRREPS];
    if (out) *out = NULL;
    if (!out || !g || !v || !masses) return nnv_error_set(err, NNV_EUSAGE, "mode symmetry: NULL argument");
    if (g->n_atoms != v->n_atoms)
        return nnv_error_set(err, NNV_EUSAGE, "mode symmetry: group of %d atoms, analysis of %d",
                             g->n_atoms, v->n_atoms);
    if (!(degeneracy_cm1 >= 0))
        return nnv_error_set(err, NNV_EUSAGE, "mode symmetry: degeneracy window %g cm-1 < 0", degeneracy_cm1);
    if (degeneracy_cm1 == 0) degeneracy_cm1 = NNV_SYM_DEGENERACY_CM1;
    int nm = v->n_modes, n3 = 3 * v->n_atoms;
    m = calloc(1, sizeof *m);
    if (m) {
        m->labels = calloc((size_t)nm + 1, sizeof *m->labels);
        m->irrep = calloc((size_t)nm + 1, sizeof *m->irrep);
        m->set_start = calloc((size_t)nm + 1, sizeof *m->set_start);
    }
    L = malloc(((size_t)nm + 1) * (size_t)n3 * sizeof *L);
    if (!m || !m->labels || !m->irrep || !m->set_start || !L) {
        rc = nnv_error_set(err, NNV_ENOMEM, "mode symmetry: out of memory");
        goto cleanup;
    }
    m->n_modes = nm;
    for (int k = 0; k < nm; k++) {
        /* the mass-weighted eigenvector: sqrt(m) times the Cartesian mode */
        double s = 0, *l = L + (size_t)k * (size_t)n3;
        for (int e = 0; e < n3; e++) {
            l[e] = sqrt(masses[e / 3]) * v->modes[(size_t)k * (size_t)n3 + (size_t)e];
            s += l[e] * l[e];
        }
        s = s > 0 ? 1 / sqrt(s) : 0;
        for (int e = 0; e < n3; e++) l[e] *= s;
        strcpy(m->labels[k], "?");
        m->irrep[k] = -1;
        m->set_start[k] = k;
    }
    const pg_table *t = pg_table_get(g->table);
    if (!t || !classes_complete(g)) {
        m->n_unclear = nm;
        if (nm) snprintf(m->status, sizeof m->status, "no character table for point group %s", g->name);
        goto done;
    }
    for (int k = 0; k < nm;) {
        int d, hit = -1;
        for (d = 1; d <= MAX_SET && k + d <= nm; d++) {
            if (fabs(v->frequencies[k + d - 1] - v->frequencies[k]) > degeneracy_cm1) break;
            set_characters(chi, g, L + (size_t)k * (size_t)n3, d);
            reduce(coef, g, t, chi);
            if ((hit = single_species(t, coef, d)) >= 0) break;
        }
        if (hit >= 0) {
            for (int a = 0; a < d; a++) {
                snprintf(m->labels[k + a], NNV_SYM_LABEL_SIZE, "%s", t->irrep[hit]);
                m->irrep[k + a] = hit;
                m->set_start[k + a] = k;
            }
            k += d;
            continue;
        }
        /* say why with the smallest set the window allows around mode k */
        int dd = 1;
        while (k + dd < nm && dd < MAX_SET && fabs(v->frequencies[k + dd] - v->frequencies[k]) <= degeneracy_cm1) dd++;
        set_characters(chi, g, L + (size_t)k * (size_t)n3, dd);
        reduce(coef, g, t, chi);
        char sum[96];
        species_sum(sum, sizeof sum, t, coef);
        if (!m->n_unclear) {
            if (dd > 1 && sum[0])
                snprintf(m->status, sizeof m->status,
                         "modes %d-%d (%.1f cm-1): mixed species %s within %.3g cm-1 (accidental near-degeneracy)",
                         k + 1, k + dd, v->frequencies[k], sum, degeneracy_cm1);
            else
                snprintf(m->status, sizeof m->status,
                         "mode %d (%.1f cm-1): characters reduce to no single species of %s (geometry or "
                         "Hessian breaks the symmetry, or a degenerate partner is farther than %.3g cm-1)",
                         k + 1, v->frequencies[k], g->name, degeneracy_cm1);
        }
        m->n_unclear++;
        k++;
    }
done:
    *out = m;
    m = NULL;
cleanup:
    nnv_mode_symmetry_free(m);
    free(L);
    return rc;
}

int nnv_point_group_symmetrize(double *out, const nnv_point_group *g, const double *xyz, nnv_error *err)
{
    if (!out || !g || !xyz) return nnv_error_set(err, NNV_EUSAGE, "symmetrize: NULL argument");
    int n = g->n_atoms;
    double *acc = calloc(3 * (size_t)n, sizeof *acc);
    if (!acc) return nnv_error_set(err, NNV_ENOMEM, "symmetrize: out of memory");
    for (int q = 0; q < g->order; q++) {
        const double *O = g->ops + 9 * q;
        const int *pm = g->perm + (size_t)q * (size_t)n;
        for (int i = 0; i < n; i++) {
            const double *p = xyz + 3 * pm[i];
            double d[3] = {p[0] - g->center[0], p[1] - g->center[1], p[2] - g->center[2]};
            for (int a = 0; a < 3; a++) /* O^T: the image's preimage */
                acc[3 * i + a] += O[a] * d[0] + O[3 + a] * d[1] + O[6 + a] * d[2];
        }
    }
    for (int i = 0; i < n; i++)
        for (int a = 0; a < 3; a++) out[3 * i + a] = g->center[a] + acc[3 * i + a] / g->order;
    free(acc);
    return NNV_OK;
}
