/* novelty.c: per-element statistics of the training atoms' scaled symmetry
 * functions (mean, ridge-regularised Cholesky factor, d² quantiles) and each
 * atom's Mahalanobis novelty d² against them (docs/novelty.md). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <nnvib/novelty.h>

#include "model/model_internal.h"

void nnv_novelty_element_clear(nnv_novelty_element *el)
{
    if (!el) return;
    free(el->mean);
    free(el->chol);
    memset(el, 0, sizeof *el);
}

void nnv_novelty_clear(nnv_potential *p)
{
    if (!p || !p->novelty) return;
    for (int e = 0; e < p->n_elements; e++) nnv_novelty_element_clear(&p->novelty[e]);
    free(p->novelty);
    p->novelty = NULL;
    p->flags &= ~NNV_FLAG_NOVELTY;
}

/* y = L⁻¹ v by forward substitution, L packed by rows; returns |y|². */
static double forward_norm2(const double *L, const double *v, double *y, int n)
{
    double sum = 0.0;
    for (int i = 0; i < n; i++) {
        const double *row = L + (size_t)i * (size_t)(i + 1) / 2;
        double t = v[i];
        for (int j = 0; j < i; j++) t -= row[j] * y[j];
        y[i] = t / row[i];
        sum += y[i] * y[i];
    }
    return sum;
}

/* d² of the scaled SF vector s against el, with work (2 n_sf doubles). */
static double centred_d2(const nnv_novelty_element *el, const double *s, double *work)
{
    int n = el->n_sf;
    for (int k = 0; k < n; k++) work[k] = s[k] - el->mean[k];
    return forward_norm2(el->chol, work, work + n, n) / n;
}

double nnv_novelty_d2(const nnv_novelty_element *el, const double *s)
{
    double *work = malloc(2 * (size_t)el->n_sf * sizeof *work), d2;
    if (!work) return NAN;
    d2 = centred_d2(el, s, work);
    free(work);
    return d2;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The ⌈p·n⌉-th smallest of sorted[0..n) (nearest rank, so a stored quantile
 * is one training atom's own d²). */
static double nearest_rank(const double *sorted, size_t n, double p)
{
    double r = ceil(p * (double)n);
    size_t k = r < 1.0 ? 0 : (size_t)r - 1;
    return sorted[k < n ? k : n - 1];
}

int nnv_novelty_element_fit(nnv_novelty_element *out, const double *rows, size_t n_rows, int n_sf, double ridge,
                            nnv_error *err)
{
    static const double levels[NNV_NOVELTY_NQ - 1] = {0.5, 0.9, 0.99, 0.999};
    nnv_novelty_element el;
    size_t n = (size_t)(n_sf > 0 ? n_sf : 0), packed = n * (n + 1) / 2;
    double *C = NULL, *v = NULL, *d2 = NULL;
    int rc = NNV_OK;

    if (!out || !rows) return nnv_error_set(err, NNV_EUSAGE, "nnv_novelty_element_fit: NULL argument");
    memset(out, 0, sizeof *out);
    if (n_rows < 1 || n_rows > (size_t)0x7fffffff || n_sf < 1)
        return nnv_error_set(err, NNV_EUSAGE, "novelty: %zu training atoms and %d symmetry functions (need >= 1 of each)",
                             n_rows, n_sf);
    if (!isfinite(ridge) || ridge < 0)
        return nnv_error_set(err, NNV_EUSAGE, "novelty: ridge %g, must be finite and >= 0", ridge);
    memset(&el, 0, sizeof el);
    el.n_sf = n_sf;
    el.n_atoms = (int)n_rows;
    el.ridge = ridge;
    el.mean = calloc(n, sizeof *el.mean);
    el.chol = calloc(packed, sizeof *el.chol);
    C = el.chol; /* the covariance is factored in place */
    v = malloc(2 * n * sizeof *v);
    d2 = malloc(n_rows * sizeof *d2);
    if (!el.mean || !el.chol || !v || !d2) {
        rc = nnv_error_set(err, NNV_ENOMEM, "novelty: out of memory for %zu x %d symmetry-function values", n_rows,
                           n_sf);
        goto cleanup;
    }
    /* Two passes (mean, then centred products): no cancellation between
     * large sums. */
    for (size_t a = 0; a < n_rows; a++)
        for (size_t k = 0; k < n; k++) {
            double x = rows[a * n + k];
            if (!isfinite(x)) {
                rc = nnv_error_set(err, NNV_EINPUT, "novelty: training atom %zu, symmetry function %zu: non-finite value",
                                   a + 1, k + 1);
                goto cleanup;
            }
            el.mean[k] += x;
        }
    for (size_t k = 0; k < n; k++) el.mean[k] /= (double)n_rows;
    for (size_t a = 0; a < n_rows; a++) {
        for (size_t k = 0; k < n; k++) v[k] = rows[a * n + k] - el.mean[k];
        for (size_t i = 0; i < n; i++) {
            double *row = C + i * (i + 1) / 2, vi = v[i];
            for (size_t j = 0; j <= i; j++) row[j] += vi * v[j];
        }
    }
    for (size_t i = 0; i < n; i++) {
        double *row = C + i * (i + 1) / 2;
        for (size_t j = 0; j <= i; j++) row[j] /= (double)n_rows;
        row[i] += ridge;
    }
    /* Cholesky–Banachiewicz, row by row on the packed lower triangle. */
    for (size_t i = 0; i < n; i++) {
        double *ri = C + i * (i + 1) / 2;
        for (size_t j = 0; j <= i; j++) {
            const double *rj = C + j * (j + 1) / 2;
            double t = ri[j];
            for (size_t k = 0; k < j; k++) t -= ri[k] * rj[k];
            if (j < i) {
                ri[j] = t / rj[j];
            } else if (t > 0 && isfinite(t)) {
                ri[i] = sqrt(t);
            } else {
                rc = nnv_error_set(err, NNV_ENUMERIC,
                                   "novelty: the covariance (ridge %g) is not positive definite at symmetry function "
                                   "%zu (give a ridge > 0)", ridge, i + 1);
                goto cleanup;
            }
        }
    }
    for (size_t a = 0; a < n_rows; a++) d2[a] = centred_d2(&el, rows + a * n, v);
    qsort(d2, n_rows, sizeof *d2, cmp_double);
    for (int q = 0; q < NNV_NOVELTY_NQ - 1; q++) el.quantile[q] = nearest_rank(d2, n_rows, levels[q]);
    el.quantile[NNV_NOVELTY_NQ - 1] = d2[n_rows - 1];
    *out = el;
    el.mean = el.chol = NULL;
cleanup:
    nnv_novelty_element_clear(&el);
    FREE_ALL(v, d2);
    return rc;
}

int nnv_novelty_fit(nnv_potential *p, const double *const *rows, const size_t *n_rows, double ridge, nnv_error *err)
{
    nnv_novelty_element *nov;
    int rc = NNV_OK;
    if (!p || !rows || !n_rows || p->n_elements < 1 || !p->elements)
        return nnv_error_set(err, NNV_EUSAGE, "nnv_novelty_fit: NULL argument or no elements");
    if (!(nov = calloc((size_t)p->n_elements, sizeof *nov)))
        return nnv_error_set(err, NNV_ENOMEM, "novelty: out of memory");
    for (int e = 0; e < p->n_elements && rc == NNV_OK; e++) {
        const nnv_element_model *el = &p->elements[e];
        if (!rows[e] || n_rows[e] == 0) {
            rc = nnv_error_set(err, NNV_EINPUT, "novelty: element %s (Z=%d) has no training atoms",
                               nnv_element_symbol(el->Z), el->Z);
            break;
        }
        rc = nnv_novelty_element_fit(&nov[e], rows[e], n_rows[e], el->n_sf, ridge, err);
        if (rc != NNV_OK) {
            char why[NNV_ERROR_MESSAGE_MAX];
            snprintf(why, sizeof why, "%s", err ? err->message : "");
            nnv_error_set(err, rc, "element %s (Z=%d): %s", nnv_element_symbol(el->Z), el->Z, why);
        }
    }
    if (rc != NNV_OK) {
        for (int e = 0; e < p->n_elements; e++) nnv_novelty_element_clear(&nov[e]);
        free(nov);
        return rc;
    }
    nnv_novelty_clear(p);
    p->novelty = nov;
    p->flags |= NNV_FLAG_NOVELTY;
    return NNV_OK;
}

int nnv_novelty_sf(double **out, const nnv_potential *p, const nnv_structure *s, nnv_error *err)
{
    const nnv_element_model **em = NULL;
    double *cut = NULL, *rel = NULL, *r = NULL, *S = NULL, *G;
    int *Zn = NULL, N, rc = NNV_OK;
    size_t total = 0;
    nb_list nb = {0, NULL, NULL};

    if (!out) return nnv_error_set(err, NNV_EUSAGE, "nnv_novelty_sf: NULL argument");
    *out = NULL;
    if (!p || !s || s->n_atoms < 1 || !s->Z || !s->xyz)
        return nnv_error_set(err, NNV_EUSAGE, "nnv_novelty_sf: NULL argument or no atoms");
    N = s->n_atoms;
    em = malloc((size_t)N * sizeof *em);
    cut = malloc((size_t)N * sizeof *cut);
    Zn = malloc((size_t)N * sizeof *Zn);
    rel = malloc(3 * (size_t)N * sizeof *rel);
    r = malloc((size_t)N * sizeof *r);
    if (!em || !cut || !Zn || !rel || !r) goto nomem;
    for (int i = 0; i < N; i++) {
        if (!(em[i] = nnv_potential_element(p, s->Z[i]))) {
            const char *sym = nnv_element_symbol(s->Z[i]);
            rc = nnv_error_set(err, NNV_EINPUT, "atom %d (%s): element Z=%d has no block in the potential", i + 1,
                               sym ? sym : "?", s->Z[i]);
            goto cleanup;
        }
        cut[i] = sf_max_cutoff(em[i]);
        total += (size_t)em[i]->n_sf;
    }
    if (!(S = malloc(total * sizeof *S))) goto nomem;
    if ((rc = nb_build(&nb, N, s->xyz, cut, err)) != NNV_OK) goto cleanup;
    G = S;
    for (int i = 0; i < N; i++) {
        const nnv_element_model *e = em[i];
        sf_env env = {nb.offset[i + 1] - nb.offset[i], Zn, rel, r};
        nb_env(&nb, i, s->Z, s->xyz, Zn, rel, r);
        sf_values(e, &env, G);
        for (int k = 0; k < e->n_sf; k++) G[k] = (G[k] - e->sf[k].shift) * e->sf[k].scale;
        G += e->n_sf;
    }
    *out = S;
    S = NULL;
    goto cleanup;
nomem:
    rc = nnv_error_set(err, NNV_ENOMEM, "novelty: out of memory for %d atoms", N);
cleanup:
    nb_free(&nb);
    FREE_ALL((void *)em, cut, Zn, rel, r, S);
    return rc;
}

/* d² of every atom of s from its scaled SF values S (in atom order, each
 * atom's n_sf of its element, as nnv_novelty_sf lays them out). */
static int d2_of_scaled(const nnv_potential *p, const nnv_structure *s, const double *S, double *d2_per_atom,
                        nnv_error *err)
{
    double *v;
    const double *at = S;
    int max_sf = 1;
    for (int e = 0; e < p->n_elements; e++)
        if (p->elements[e].n_sf > max_sf) max_sf = p->elements[e].n_sf;
    if (!(v = malloc(2 * (size_t)max_sf * sizeof *v))) return nnv_error_set(err, NNV_ENOMEM, "novelty: out of memory");
    for (int i = 0; i < s->n_atoms; i++) {
        const nnv_element_model *e = nnv_potential_element(p, s->Z[i]);
        const nnv_novelty_element *nv = &p->novelty[e - p->elements];
        d2_per_atom[i] = centred_d2(nv, at, v);
        /* Overflow (SFs scaled far beyond any training value) is as far
         * from the training set as it gets. */
        if (isnan(d2_per_atom[i])) d2_per_atom[i] = INFINITY;
        at += e->n_sf;
    }
    free(v);
    return NNV_OK;
}

static int no_statistics(const nnv_potential *p, nnv_error *err)
{
    if (p->novelty) return NNV_OK;
    return nnv_error_set(err, NNV_EINPUT, "no novelty statistics in the potential (flag bit 2 not set; add them "
                         "with nnvib-train --add-novelty)");
}

int nnv_novelty(const nnv_potential *p, const nnv_structure *s, double *d2_per_atom, nnv_error *err)
{
    double *S = NULL;
    int rc;
    if (!p || !s || !d2_per_atom) return nnv_error_set(err, NNV_EUSAGE, "nnv_novelty: NULL argument");
    if ((rc = no_statistics(p, err)) != NNV_OK) return rc;
    if ((rc = nnv_novelty_sf(&S, p, s, err)) != NNV_OK) return rc;
    rc = d2_of_scaled(p, s, S, d2_per_atom, err);
    free(S);
    return rc;
}

int nnv_novelty_of_result(const nnv_potential *p, const nnv_structure *s, const nnv_result *r, double *d2_per_atom,
                          nnv_error *err)
{
    double *S;
    int rc, total;
    if (!p || !s || !r || !d2_per_atom) return nnv_error_set(err, NNV_EUSAGE, "nnv_novelty_of_result: NULL argument");
    if (!r->sf_values || !r->sf_offset || r->n_atoms != s->n_atoms)
        return nnv_error_set(err, NNV_EUSAGE, "nnv_novelty_of_result: the result holds no SF values of these %d atoms",
                             s->n_atoms);
    if ((rc = no_statistics(p, err)) != NNV_OK) return rc;
    total = r->sf_offset[s->n_atoms];
    if (!(S = malloc((size_t)(total > 0 ? total : 1) * sizeof *S)))
        return nnv_error_set(err, NNV_ENOMEM, "novelty: out of memory for %d atoms", s->n_atoms);
    for (int i = 0; i < s->n_atoms; i++) {
        const nnv_element_model *e = nnv_potential_element(p, s->Z[i]);
        const double *G = r->sf_values + r->sf_offset[i];
        double *to = S + r->sf_offset[i];
        if (!e || r->sf_offset[i + 1] - r->sf_offset[i] != e->n_sf) {
            free(S);
            return nnv_error_set(err, NNV_EUSAGE, "nnv_novelty_of_result: atom %d's SF values are not those of "
                                 "this potential", i + 1);
        }
        for (int k = 0; k < e->n_sf; k++) to[k] = (G[k] - e->sf[k].shift) * e->sf[k].scale;
    }
    rc = d2_of_scaled(p, s, S, d2_per_atom, err);
    free(S);
    return rc;
}
