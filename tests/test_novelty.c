/* Unit tests of the novelty measure (docs/novelty.md): the fitted statistics
 * against direct formulas, a new combination of familiar SF values that the
 * per-SF range check passes, the training atoms' own quantiles, invariances,
 * and the novelty block of weights.bin (round trip, version 1 unchanged,
 * every rejection, committees and members keep it). */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

#define SMALL "test-CH-softplus-random.bin" /* C/H, 4.5 kB */

/* A seeded generator (xorshift64*), uniform in [-1, 1). */
static double rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return (double)((*s * 2685821657736338717ull) >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The nearest-rank quantiles 50, 90, 99, 99.9 %, max of v[0..n) (sorted in place). */
static void quantiles(double *v, size_t n, double q[NNV_NOVELTY_NQ])
{
    static const double lv[4] = {0.5, 0.9, 0.99, 0.999};
    qsort(v, n, sizeof *v, cmp_double);
    for (int k = 0; k < 4; k++) {
        size_t r = (size_t)ceil(lv[k] * (double)n);
        q[k] = v[(r ? r : 1) - 1];
    }
    q[4] = v[n - 1];
}

/* ---- the statistics ------------------------------------------------------------ */

/* Two strongly correlated SFs (s2 = s1 + small noise): the point (a, -a) has
 * per-SF values well inside the training ranges, so the range check (and a
 * diagonal-only measure) passes it, but it is a combination no training atom
 * had, and the Mahalanobis d² says so. */
START_TEST(test_new_combination)
{
    enum { N = 4000 };
    double *rows = malloc(2 * N * sizeof *rows), lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    double mean[2] = {0, 0}, var[2] = {0, 0}, cov = 0, diag_max = 0, x[2] = {1.2, -1.2}, *d2 = malloc(N * sizeof *d2);
    double q[NNV_NOVELTY_NQ], r = 1e-3, L00, L10, L11;
    uint64_t seed = 42;
    nnv_novelty_element el;
    nnv_error err;
    for (int a = 0; a < N; a++) {
        double t = 1.7 * rnd(&seed);
        rows[2 * a] = t;
        rows[2 * a + 1] = t + 0.05 * rnd(&seed);
    }
    ck_assert_int_eq(nnv_novelty_element_fit(&el, rows, N, 2, r, &err), NNV_OK);
    for (int a = 0; a < N; a++)
        for (int k = 0; k < 2; k++) {
            mean[k] += rows[2 * a + k] / N;
            if (rows[2 * a + k] < lo[k]) lo[k] = rows[2 * a + k];
            if (rows[2 * a + k] > hi[k]) hi[k] = rows[2 * a + k];
        }
    for (int a = 0; a < N; a++) {
        double u = rows[2 * a] - mean[0], v = rows[2 * a + 1] - mean[1];
        var[0] += u * u / N, var[1] += v * v / N, cov += u * v / N;
    }
    /* The stored mean and the 2x2 Cholesky factor of C + rI, written out. */
    L00 = sqrt(var[0] + r);
    L10 = cov / L00;
    L11 = sqrt(var[1] + r - L10 * L10);
    ck_assert(tu_close(el.mean[0], mean[0], 1e-12, 1e-12) && tu_close(el.mean[1], mean[1], 1e-12, 1e-12));
    ck_assert(tu_close(el.chol[0], L00, 0, 1e-10) && tu_close(el.chol[1], L10, 0, 1e-10) &&
              tu_close(el.chol[2], L11, 0, 1e-8));
    ck_assert_int_eq(el.n_atoms, N);
    ck_assert(el.ridge == r);
    /* The quantiles are those of the rows' own d². */
    for (int a = 0; a < N; a++) d2[a] = nnv_novelty_d2(&el, rows + 2 * a);
    quantiles(d2, N, q);
    for (int k = 0; k < NNV_NOVELTY_NQ; k++) ck_assert(tu_close(el.quantile[k], q[k], 1e-14, 1e-12));
    /* In distribution d² is about 1 (two SFs: chi-squared/2-like, median below 1). */
    ck_assert(el.quantile[0] > 0.3 && el.quantile[0] < 1.5);
    /* The point: inside both ranges ... */
    for (int k = 0; k < 2; k++) ck_assert(x[k] > lo[k] && x[k] < hi[k]);
    /* ... below the training maximum of a diagonal-only (per-SF variance) measure ... */
    for (int a = 0; a < N; a++) {
        double dd = 0;
        for (int k = 0; k < 2; k++) dd += (rows[2 * a + k] - mean[k]) * (rows[2 * a + k] - mean[k]) / var[k] / 2;
        if (dd > diag_max) diag_max = dd;
    }
    {
        double dd = 0;
        for (int k = 0; k < 2; k++) dd += (x[k] - mean[k]) * (x[k] - mean[k]) / var[k] / 2;
        ck_assert_msg(dd < diag_max, "diagonal measure %g, training max %g", dd, diag_max);
    }
    /* ... and far beyond every training atom in d². */
    ck_assert_msg(nnv_novelty_d2(&el, x) > 100 * el.quantile[4], "d2 %g, training max %g", nnv_novelty_d2(&el, x),
                  el.quantile[4]);
    nnv_novelty_element_clear(&el);
    ck_assert_ptr_null(el.mean);
    free(rows);
    free(d2);
}
END_TEST

START_TEST(test_fit_refusals)
{
    double rows[4] = {1, 1, 1, 1}, bad[4] = {0, 1, NAN, 2};
    nnv_novelty_element el;
    nnv_error err;
    ck_assert_int_eq(nnv_novelty_element_fit(&el, rows, 0, 2, 1e-3, &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_novelty_element_fit(&el, rows, 2, 2, -1, &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_novelty_element_fit(&el, rows, 2, 2, NAN, &err), NNV_EUSAGE);
    /* Identical rows: C = 0, positive definite only with the ridge. */
    ck_assert_int_eq(nnv_novelty_element_fit(&el, rows, 2, 2, 0.0, &err), NNV_ENUMERIC);
    ck_assert_ptr_nonnull(strstr(err.message, "ridge"));
    ck_assert_int_eq(nnv_novelty_element_fit(&el, rows, 2, 2, 1e-3, &err), NNV_OK);
    ck_assert(tu_close(el.chol[0], sqrt(1e-3), 0, 1e-14));
    nnv_novelty_element_clear(&el);
    ck_assert_int_eq(nnv_novelty_element_fit(&el, bad, 2, 2, 1e-3, &err), NNV_EINPUT);
    ck_assert_ptr_nonnull(strstr(err.message, "training atom 2, symmetry function 1"));
}
END_TEST

/* ---- on a potential ------------------------------------------------------------ */

/* n frames of ethane, every atom displaced by up to amp Å (seeded). */
static nnv_structure **frames(int n, double amp, uint64_t seed)
{
    nnv_structure *base = tu_molecule("ethane.xyz"), **f = calloc((size_t)n, sizeof *f);
    nnv_error err;
    ck_assert_ptr_nonnull(f);
    for (int k = 0; k < n; k++) {
        ck_assert_int_eq(nnv_structure_copy(&f[k], base, &err), NNV_OK);
        for (int c = 0; c < 3 * base->n_atoms; c++) f[k]->xyz[c] += amp * rnd(&seed);
    }
    nnv_structure_free(base);
    return f;
}

static void free_frames(nnv_structure **f, int n)
{
    for (int k = 0; k < n; k++) nnv_structure_free(f[k]);
    free(f);
}

/* p with novelty statistics fitted on n frames (every atom), as the trainer does. */
static void fit_on(nnv_potential *p, nnv_structure **f, int n, double ridge)
{
    double *rows[2] = {NULL, NULL}, *S;
    size_t nr[2] = {0, 0};
    nnv_error err;
    ck_assert_int_eq(p->n_elements, 2);
    for (int e = 0; e < 2; e++) ck_assert_ptr_nonnull(rows[e] = malloc((size_t)n * 8 * (size_t)p->elements[e].n_sf * 8));
    for (int k = 0; k < n; k++) {
        const double *at;
        ck_assert_int_eq(nnv_novelty_sf(&S, p, f[k], &err), NNV_OK);
        at = S;
        for (int i = 0; i < f[k]->n_atoms; i++) {
            const nnv_element_model *em = nnv_potential_element(p, f[k]->Z[i]);
            int e = (int)(em - p->elements);
            memcpy(rows[e] + nr[e] * (size_t)em->n_sf, at, (size_t)em->n_sf * sizeof *at);
            nr[e]++;
            at += em->n_sf;
        }
        free(S);
    }
    ck_assert_msg(nnv_novelty_fit(p, (const double *const *)rows, nr, ridge, &err) == NNV_OK, "%s", err.message);
    free(rows[0]);
    free(rows[1]);
}

/* The training atoms' own d² (nnv_novelty on every training structure) have
 * exactly the stored quantiles, per element; their mean is near 1. */
START_TEST(test_training_quantiles)
{
    enum { NF = 60 };
    nnv_potential *p = tu_potential(SMALL);
    nnv_structure **f = frames(NF, 0.15, 7);
    double *d2[2], v[8];
    size_t nd[2] = {0, 0};
    nnv_error err;
    fit_on(p, f, NF, NNV_NOVELTY_RIDGE);
    ck_assert(p->flags & NNV_FLAG_NOVELTY);
    for (int e = 0; e < 2; e++) ck_assert_ptr_nonnull(d2[e] = malloc(NF * 8 * sizeof *d2[e]));
    for (int k = 0; k < NF; k++) {
        ck_assert_int_eq(nnv_novelty(p, f[k], v, &err), NNV_OK);
        for (int i = 0; i < 8; i++) {
            int e = f[k]->Z[i] == 1 ? 0 : 1;
            d2[e][nd[e]++] = v[i];
        }
    }
    for (int e = 0; e < 2; e++) {
        double q[NNV_NOVELTY_NQ], mean = 0;
        const nnv_novelty_element *nv = &p->novelty[e];
        ck_assert_int_eq(p->elements[e].Z, e ? 6 : 1);
        ck_assert_int_eq(nv->n_atoms, (int)nd[e]);
        for (size_t a = 0; a < nd[e]; a++) mean += d2[e][a] / (double)nd[e];
        quantiles(d2[e], nd[e], q);
        for (int k = 0; k < NNV_NOVELTY_NQ; k++)
            ck_assert_msg(tu_close(nv->quantile[k], q[k], 1e-12, 1e-9), "element %d quantile %d: %.17g vs %.17g", e, k,
                          nv->quantile[k], q[k]);
        /* The ridge lowers d² a little below its unregularised mean of 1
         * (exactly 1 for the plain Mahalanobis distance over the fit set). */
        ck_assert_msg(mean > 0.3 && mean <= 1.0 + 1e-9, "mean d2 %g", mean);
        free(d2[e]);
    }
    free_frames(f, NF);
    nnv_potential_free(p);
}
END_TEST

/* Rotation, translation and a permutation of the atoms leave each atom's d² unchanged. */
START_TEST(test_invariance)
{
    nnv_potential *p = tu_potential(SMALL);
    nnv_structure **f = frames(40, 0.1, 3), **g = frames(1, 0.25, 99), *t = NULL;
    double d0[8], d1[8], R[3][3], c = cos(0.7), s = sin(0.7), c2 = cos(-1.1), s2 = sin(-1.1);
    int perm[8] = {1, 0, 7, 6, 5, 4, 3, 2};
    nnv_error err;
    fit_on(p, f, 40, NNV_NOVELTY_RIDGE);
    ck_assert_int_eq(nnv_novelty(p, g[0], d0, &err), NNV_OK);
    /* R = Rz(0.7) Rx(-1.1) */
    {
        double Rz[3][3] = {{c, -s, 0}, {s, c, 0}, {0, 0, 1}}, Rx[3][3] = {{1, 0, 0}, {0, c2, -s2}, {0, s2, c2}};
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                R[i][j] = 0;
                for (int k = 0; k < 3; k++) R[i][j] += Rz[i][k] * Rx[k][j];
            }
    }
    ck_assert_int_eq(nnv_structure_copy(&t, g[0], &err), NNV_OK);
    for (int i = 0; i < 8; i++) {
        const double *x = g[0]->xyz + 3 * perm[i];
        t->Z[i] = g[0]->Z[perm[i]];
        for (int a = 0; a < 3; a++) t->xyz[3 * i + a] = R[a][0] * x[0] + R[a][1] * x[1] + R[a][2] * x[2] + 10.0 * (a + 1);
    }
    ck_assert_int_eq(nnv_novelty(p, t, d1, &err), NNV_OK);
    for (int i = 0; i < 8; i++) ck_assert_msg(tu_close(d1[i], d0[perm[i]], 1e-10, 1e-9), "atom %d: %g vs %g", i, d1[i], d0[perm[i]]);
    /* A displaced structure is further from the training set than one of its frames. */
    ck_assert_int_eq(nnv_novelty(p, f[0], d1, &err), NNV_OK);
    {
        double m0 = 0, m1 = 0;
        for (int i = 0; i < 8; i++) m0 = fmax(m0, d0[i]), m1 = fmax(m1, d1[i]);
        ck_assert_msg(m0 > m1, "max d2 %g (displaced 0.25 A) vs %g (a training frame)", m0, m1);
    }
    nnv_structure_free(t);
    free_frames(f, 40);
    free_frames(g, 1);
    nnv_potential_free(p);
}
END_TEST

/* nnv_novelty_of_result (the analysis's path: the SF values nnv_compute
 * already has) gives nnv_novelty's values, and refuses a result of other atoms. */
START_TEST(test_of_result)
{
    nnv_potential *p = tu_potential(SMALL);
    nnv_structure **f = frames(20, 0.1, 11), **g = frames(2, 0.2, 12);
    nnv_result *r = NULL;
    double d0[8], d1[8];
    nnv_error err;
    fit_on(p, f, 20, NNV_NOVELTY_RIDGE);
    ck_assert_int_eq(nnv_compute(&r, p, g[0], TU_WANT(NNV_WANT_FORCES), &err), NNV_OK);
    ck_assert_int_eq(nnv_novelty(p, g[0], d0, &err), NNV_OK);
    ck_assert_int_eq(nnv_novelty_of_result(p, g[0], r, d1, &err), NNV_OK);
    for (int i = 0; i < 8; i++) ck_assert_msg(tu_close(d1[i], d0[i], 1e-12, 1e-10), "atom %d: %g vs %g", i, d1[i], d0[i]);
    ck_assert_int_eq(nnv_novelty_of_result(p, g[0], NULL, d1, &err), NNV_EUSAGE);
    r->n_atoms = 3;
    ck_assert_int_eq(nnv_novelty_of_result(p, g[0], r, d1, &err), NNV_EUSAGE);
    r->n_atoms = 8;
    nnv_result_free(r);
    free_frames(f, 20);
    free_frames(g, 2);
    nnv_potential_free(p);
}
END_TEST

START_TEST(test_unavailable)
{
    nnv_potential *p = tu_potential(SMALL);
    nnv_structure *s = tu_molecule("ethane.xyz"), *w = tu_molecule("water.xyz");
    nnv_structure **f = frames(10, 0.1, 5);
    double d[8];
    nnv_error err;
    ck_assert_int_eq(nnv_novelty(p, s, d, &err), NNV_EINPUT);
    ck_assert_ptr_nonnull(strstr(err.message, "no novelty statistics"));
    fit_on(p, f, 10, NNV_NOVELTY_RIDGE);
    ck_assert_int_eq(nnv_novelty(p, w, d, &err), NNV_EINPUT); /* O has no block */
    ck_assert_ptr_nonnull(strstr(err.message, "atom 1 (O)"));
    ck_assert_int_eq(nnv_novelty(p, s, NULL, &err), NNV_EUSAGE);
    nnv_novelty_clear(p);
    ck_assert_ptr_null(p->novelty);
    ck_assert(!(p->flags & NNV_FLAG_NOVELTY));
    free_frames(f, 10);
    nnv_structure_free(s);
    nnv_structure_free(w);
    nnv_potential_free(p);
}
END_TEST

/* ---- the format ------------------------------------------------------------------ */

static void serialize(const nnv_potential *p, unsigned char **b, size_t *n)
{
    nnv_error err;
    int rc = nnv_potential_serialize(b, n, p, &err);
    ck_assert_msg(rc == NNV_OK, "%s", err.message);
}

static void set_u32(unsigned char *b, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++) b[at + (size_t)i] = (unsigned char)(v >> (8 * i));
}

static void set_f64(unsigned char *b, size_t at, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    for (int i = 0; i < 8; i++) b[at + (size_t)i] = (unsigned char)(u >> (8 * i));
}

/* A copy of b with the u32 (or f64) at `at` replaced and the CRC recomputed
 * is rejected, naming want_off and field. */
static void expect_reject(const unsigned char *b, size_t n, size_t at, int is_f64, uint32_t u, double d,
                          size_t want_off, const char *field)
{
    unsigned char *x = malloc(n);
    nnv_potential *p = NULL;
    nnv_error err;
    char want[256];
    memcpy(x, b, n);
    if (is_f64) set_f64(x, at, d);
    else set_u32(x, at, u);
    set_u32(x, n - 4, nnv_crc32(x, n - 4));
    ck_assert_int_eq(nnv_potential_parse(&p, x, n, "n.bin", &err), NNV_EINPUT);
    ck_assert_ptr_null(p);
    snprintf(want, sizeof want, "n.bin: byte offset %zu: field '%s'", want_off, field);
    ck_assert_msg(strstr(err.message, want) != NULL, "'%s' lacks '%s'", err.message, want);
    free(x);
}

/* The shipped test potential with statistics from 20 ethane frames. */
static nnv_potential *with_novelty(void)
{
    nnv_potential *p = tu_potential(SMALL);
    nnv_structure **f = frames(20, 0.1, 11);
    fit_on(p, f, 20, NNV_NOVELTY_RIDGE);
    free_frames(f, 20);
    return p;
}

/* Offset of the novelty block: everything before it minus its own bytes. */
static size_t block_at(const nnv_potential *p, size_t n)
{
    size_t bytes = 0;
    for (int e = 0; e < p->n_elements; e++) {
        size_t m = (size_t)p->elements[e].n_sf;
        bytes += 4 + 4 + 8 + 8 * (m + m * (m + 1) / 2 + NNV_NOVELTY_NQ);
    }
    return n - 4 - bytes;
}

START_TEST(test_round_trip)
{
    char path[4096];
    nnv_potential *p = with_novelty(), *q = NULL, *cp = NULL;
    unsigned char *b1, *b2, *b3;
    size_t n1, n2, n3, raw_n;
    char *raw;
    nnv_error err;
    serialize(p, &b1, &n1);
    ck_assert_int_eq(b1[8], 2);  /* version 2 */
    ck_assert_int_eq(b1[12], 5); /* charges and novelty, no committee */
    ck_assert_msg(nnv_potential_parse(&q, b1, n1, "rt", &err) == NNV_OK, "%s", err.message);
    ck_assert_ptr_nonnull(q->novelty);
    ck_assert_int_eq(q->n_members, 0);
    for (int e = 0; e < p->n_elements; e++) {
        size_t m = (size_t)p->elements[e].n_sf;
        ck_assert_int_eq(q->novelty[e].n_atoms, p->novelty[e].n_atoms);
        ck_assert(memcmp(q->novelty[e].mean, p->novelty[e].mean, m * 8) == 0);
        ck_assert(memcmp(q->novelty[e].chol, p->novelty[e].chol, m * (m + 1) / 2 * 8) == 0);
        ck_assert(memcmp(q->novelty[e].quantile, p->novelty[e].quantile, sizeof p->novelty[e].quantile) == 0);
    }
    serialize(q, &b2, &n2);
    ck_assert_uint_eq(n1, n2);
    ck_assert(memcmp(b1, b2, n1) == 0);
    ck_assert_int_eq(nnv_potential_copy(&cp, q, &err), NNV_OK);
    serialize(cp, &b3, &n3);
    ck_assert(n3 == n1 && memcmp(b1, b3, n1) == 0);
    free(b3);
    /* Without the block, the shipped version-1 file comes back byte for byte. */
    nnv_novelty_clear(cp);
    serialize(cp, &b3, &n3);
    snprintf(path, sizeof path, "%s/weights/%s", tu_srcdir(), SMALL);
    raw = tu_read_file(path, &raw_n);
    ck_assert_ptr_nonnull(raw);
    ck_assert(n3 == raw_n && memcmp(raw, b3, raw_n) == 0);
    /* A flag without the block (and the reverse) cannot be written. */
    cp->flags |= NNV_FLAG_NOVELTY;
    free(b2);
    ck_assert_int_eq(nnv_potential_serialize(&b2, &n2, cp, &err), NNV_EINPUT);
    ck_assert_ptr_nonnull(strstr(err.message, "flag bit 2"));
    free(raw);
    FREE_ALL(b1, b3);
    nnv_potential_free(p);
    nnv_potential_free(q);
    nnv_potential_free(cp);
}
END_TEST

START_TEST(test_rejections)
{
    nnv_potential *p = with_novelty();
    unsigned char *b;
    size_t n, nb, m0, L0, q0;
    serialize(p, &b, &n);
    nb = block_at(p, n);
    m0 = (size_t)p->elements[0].n_sf;
    L0 = nb + 16 + 8 * m0;        /* element 0's L */
    q0 = L0 + 8 * m0 * (m0 + 1) / 2; /* its quantiles */
    expect_reject(b, n, nb, 0, (uint32_t)m0 + 1, 0, nb, "novelty[0](Z=1).n_sf");
    expect_reject(b, n, nb + 4, 0, 0, 0, nb + 4, "novelty[0](Z=1).n_atoms");
    expect_reject(b, n, nb + 8, 1, 0, -1e-3, nb + 8, "novelty[0](Z=1).ridge");
    expect_reject(b, n, nb + 8, 1, 0, NAN, nb + 8, "novelty[0](Z=1).ridge");
    expect_reject(b, n, nb + 16 + 8, 1, 0, INFINITY, nb + 16 + 8, "novelty[0](Z=1).mean[1]");
    expect_reject(b, n, L0, 1, 0, 0.0, L0, "novelty[0](Z=1).L[0]");
    expect_reject(b, n, L0 + 8 * 2, 1, 0, -0.5, L0 + 8 * 2, "novelty[0](Z=1).L[2]"); /* L[1][1] */
    expect_reject(b, n, L0 + 8, 1, 0, NAN, L0 + 8, "novelty[0](Z=1).L[1]");
    expect_reject(b, n, q0, 1, 0, -1.0, q0, "novelty[0](Z=1).quantile[0]");
    expect_reject(b, n, q0 + 8, 1, 0, p->novelty[0].quantile[0] / 2, q0 + 8, "novelty[0](Z=1).quantile[1]");
    expect_reject(b, n, q0 + 32, 1, 0, p->novelty[0].quantile[3] / 2, q0 + 32, "novelty[0](Z=1).quantile[4]");
    /* Version 1 may not have bit 2; version 2 needs bit 1 or bit 2. */
    expect_reject(b, n, 8, 0, 1, 0, 12, "flags");
    expect_reject(b, n, 12, 0, 1, 0, 8, "version");
    expect_reject(b, n, 12, 0, 13, 0, 12, "flags");
    /* The flag without the block: the CRC field is read as block bytes. */
    {
        nnv_potential *q = NULL;
        unsigned char *x = malloc(nb + 4);
        nnv_error err;
        memcpy(x, b, nb);
        set_u32(x, nb, nnv_crc32(x, nb));
        ck_assert_int_eq(nnv_potential_parse(&q, x, nb + 4, "n.bin", &err), NNV_EINPUT);
        ck_assert_ptr_nonnull(strstr(err.message, "novelty[0](Z=1)"));
        free(x);
    }
    free(b);
    nnv_potential_free(p);
}
END_TEST

/* A committee built from members with statistics keeps member 0's, and a
 * member taken out keeps the committee's; both survive the round trip. */
START_TEST(test_committee)
{
    nnv_potential *p = with_novelty(), *mb[2] = {p, p}, *c = NULL, *m = NULL, *q = NULL;
    unsigned char *b;
    size_t n;
    nnv_error err;
    ck_assert_int_eq(nnv_committee_build(&c, (const nnv_potential *const *)mb, 2, NNV_COMMITTEE_FULL, 1.0, &err), NNV_OK);
    ck_assert_ptr_nonnull(c->novelty);
    serialize(c, &b, &n);
    ck_assert_int_eq(b[12], 7);
    ck_assert_msg(nnv_potential_parse(&q, b, n, "c", &err) == NNV_OK, "%s", err.message);
    ck_assert(memcmp(q->novelty[1].quantile, p->novelty[1].quantile, sizeof p->novelty[1].quantile) == 0);
    ck_assert_int_eq(nnv_committee_member(&m, q, 1, &err), NNV_OK);
    ck_assert_ptr_nonnull(m->novelty);
    ck_assert(m->flags & NNV_FLAG_NOVELTY);
    ck_assert(memcmp(m->novelty[0].chol, p->novelty[0].chol, 8) == 0);
    free(b);
    serialize(m, &b, &n);
    ck_assert_int_eq(b[8], 2);
    ck_assert_int_eq(b[12], 5);
    free(b);
    nnv_potential_free(c);
    nnv_potential_free(m);
    nnv_potential_free(q);
    nnv_potential_free(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("novelty");
    TCase *tc = tcase_create("novelty");
    tcase_add_test(tc, test_new_combination);
    tcase_add_test(tc, test_fit_refusals);
    tcase_add_test(tc, test_training_quantiles);
    tcase_add_test(tc, test_invariance);
    tcase_add_test(tc, test_of_result);
    tcase_add_test(tc, test_unavailable);
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_rejections);
    tcase_add_test(tc, test_committee);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
