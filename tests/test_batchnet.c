/* Unit tests of the trainer's batched passes (src/train/batchnet.c and the
 * chunked tr_loss): the vectorised activations against net_activation, the
 * gradient of a batch of several chunks against finite differences, and the
 * same bits for 1, 2 and 3 threads in tr_loss and in a whole training run. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "../src/train/trainer_internal.h"
#include "testutil.h"
#include "toyset.h"

/* OpenBLAS's own threads would make the products depend on its thread count;
 * nnvib-train sets one, and so do these tests (weak: any BLAS links). */
extern void openblas_set_num_threads(int) __attribute__((weak));

static void set_threads(int n)
{
#ifdef _OPENMP
    omp_set_num_threads(n);
#else
    (void)n;
#endif
}

/* ---- activations over arrays ------------------------------------------------------- */

/* tanh and silu have their own vectorised code: it must agree with the scalar
 * one (glibc's tanh/exp) to a few units in the last place of max(1, value)
 * (a' = 1 - t^2 loses the rest where tanh saturates, in both codes) over the
 * whole range (tiny, moderate, saturated, beyond the clamp), and let NaN
 * through; the other activations go through net_activation unchanged. */
START_TEST(test_activation_arrays)
{
    enum { N = 4007 };
    double *x = malloc(5 * N * sizeof *x), *a = x + N, *da = a + N, *d2a = da + N;
    int act = _i;
    for (int i = 0; i < N - 7; i++) x[i] = -45.0 + 90.0 * i / (N - 8) + 1e-3 * sin(i);
    x[N - 7] = 0.0, x[N - 6] = -0.0, x[N - 5] = 1e-300, x[N - 4] = -3e-9, x[N - 3] = 800.0, x[N - 2] = -800.0;
    x[N - 1] = NAN;
    bn_activation(act, 0.7, N, x, a, da, d2a);
    for (int i = 0; i < N - 1; i++) {
        double ra, rda, rd2a, tol = act == NNV_ACT_TANH || act == NNV_ACT_SILU ? 1e-15 : 0.0;
        net_activation(act, 0.7, x[i], &ra, &rda, &rd2a);
        ck_assert_msg(fabs(a[i] - ra) <= tol * fmax(1.0, fabs(ra)) || a[i] == ra, "act %d a(%.17g) = %.17g, not %.17g",
                      act, x[i], a[i], ra);
        ck_assert_msg(fabs(da[i] - rda) <= tol * fmax(1.0, fabs(rda)) || da[i] == rda, "act %d a'(%.17g) = %.17g, not %.17g",
                      act, x[i], da[i], rda);
        ck_assert_msg(fabs(d2a[i] - rd2a) <= tol * fmax(1.0, fabs(rd2a)) || d2a[i] == rd2a,
                      "act %d a''(%.17g) = %.17g, not %.17g", act, x[i], d2a[i], rd2a);
    }
    /* Relative accuracy where tanh and silu are small (no cancellation). */
    if (act == NNV_ACT_TANH) {
        ck_assert(tu_close(a[N - 4], tanh(-3e-9), 0.0, 1e-15));
        ck_assert(a[N - 5] == 1e-300);
    }
    if (act == NNV_ACT_SILU) ck_assert(tu_close(a[N - 4], -1.5e-9, 0.0, 1e-8));
    if (act == NNV_ACT_TANH || act == NNV_ACT_SILU) ck_assert(isnan(a[N - 1]) && isnan(da[N - 1]));
    free(x);
}
END_TEST

/* ---- a batch of several chunks ------------------------------------------------------ */

enum { NF = 2 * TR_CHUNK + 7 }; /* three chunks, the last one short */

static tr_problem *problem(nnv_potential **pot, ds_set *data, int act)
{
    static const int Z[3] = {1, 6, 8};
    sfgen_options so;
    train_options o;
    tr_problem *pb = NULL;
    nnv_error err;
    make_set(data, NF, 31);
    toy_options(&o, &so, 7, 5, act);
    o.energy_weight = 2.0;
    o.force_weight = 1.0;
    o.dipole_weight = 0.5;
    ck_assert_int_eq(sfgen_make(pot, 3, Z, &so, &err), NNV_OK);
    ck_assert_msg(tr_problem_new(&pb, *pot, data, NULL, 0, &o, &err) == NNV_OK, "%s", err.message);
    tr_init(pb, 5, NULL, 0);
    for (int p = 0; p < tr_n_params(pb); p++) tr_params(pb)[p] += 0.05 * cos(1.3 * p);
    return pb;
}

/* The gradient of a batch that spans three chunks (their sum) against central
 * differences, in a shuffled order so chunks mix the frames. */
START_TEST(test_gradient_chunks)
{
    ds_set data;
    nnv_potential *pot = NULL;
    tr_problem *pb = problem(&pot, &data, NNV_ACT_TANH);
    int idx[NF], np = tr_n_params(pb), worst = -1;
    double *g = malloc((size_t)np * sizeof *g), *th = tr_params(pb), L, Lp, Lm, h = 1e-6, maxerr = 0.0, gmax = 0.0;
    for (int i = 0; i < NF; i++) idx[i] = (7 * i + 3) % NF;
    ck_assert_int_eq(tr_loss(pb, idx, NF, &L, g, NULL), NNV_OK);
    for (int p = 0; p < np; p++) {
        double t = th[p], e;
        th[p] = t + h;
        tr_loss(pb, idx, NF, &Lp, NULL, NULL);
        th[p] = t - h;
        tr_loss(pb, idx, NF, &Lm, NULL, NULL);
        th[p] = t;
        e = fabs((Lp - Lm) / (2 * h) - g[p]);
        if (fabs(g[p]) > gmax) gmax = fabs(g[p]);
        if (e > maxerr) maxerr = e, worst = p;
    }
    /* As in test_train: central differences at h = 1e-6 are good to ~1e-8. */
    ck_assert_msg(gmax > 0 && maxerr <= 1e-6 * (1.0 + gmax), "max |grad - FD| = %.3e at %d, max |grad| %.3e", maxerr,
                  worst, gmax);
    free(g);
    tr_problem_free(pb);
    nnv_potential_free(pot);
    ds_free(&data);
}
END_TEST

/* Loss, error sums and gradient are the same bits for 1, 2 and 3 threads:
 * chunks are fixed by the batch and summed in their order. */
START_TEST(test_threads_bitwise)
{
    ds_set data;
    nnv_potential *pot = NULL;
    tr_problem *pb = problem(&pot, &data, NNV_ACT_SILU);
    int idx[NF], np = tr_n_params(pb);
    double *g = malloc(2 * (size_t)np * sizeof *g), *g1 = g + np, L, L1, s[TR_N_TERMS], s1[TR_N_TERMS];
    for (int i = 0; i < NF; i++) idx[i] = (5 * i + 1) % NF;
    set_threads(1);
    ck_assert_int_eq(tr_loss(pb, idx, NF, &L1, g1, s1), NNV_OK);
    for (int nt = 2; nt <= 3; nt++) {
        set_threads(nt);
        ck_assert_int_eq(tr_loss(pb, idx, NF, &L, g, s), NNV_OK);
        ck_assert_msg(memcmp(&L, &L1, sizeof L) == 0, "%d threads: loss %.17g, 1 thread %.17g", nt, L, L1);
        ck_assert_msg(memcmp(s, s1, sizeof s) == 0, "%d threads: error sums differ", nt);
        ck_assert_msg(memcmp(g, g1, (size_t)np * sizeof *g) == 0, "%d threads: gradient differs", nt);
    }
    set_threads(1);
    free(g);
    tr_problem_free(pb);
    nnv_potential_free(pot);
    ds_free(&data);
}
END_TEST

static nnv_potential *train_with_threads(const ds_set *data, int nt, train_report *rep)
{
    static const int Z[3] = {1, 6, 8};
    sfgen_options so;
    train_options o;
    nnv_potential *pot = NULL;
    nnv_error err;
    sfgen_defaults(&so);
    so.n_radial = 3;
    so.n_ang_eta = 1;
    so.rc = 4.0;
    train_defaults(&o);
    o.hidden[0] = o.hidden[1] = 6;
    o.activation = NNV_ACT_TANH;
    o.epochs = 3;
    o.batch = NF; /* several chunks per step */
    o.lr = 3e-3;
    o.dipole_weight = 1.0;
    o.seed = 3;
    set_threads(nt);
    ck_assert_msg(train_run(&pot, data, 3, Z, &so, &o, NULL, NULL, rep, &err) == NNV_OK, "%s", err.message);
    set_threads(1);
    return pot;
}

/* A whole run (several epochs of several-chunk batches, validation sums)
 * gives the same weights and errors with 1 and 2 threads. */
START_TEST(test_training_threads)
{
    ds_set data;
    train_report r1, r2;
    nnv_potential *p1, *p2;
    make_set(&data, 3 * NF, 8);
    p1 = train_with_threads(&data, 1, &r1);
    p2 = train_with_threads(&data, 2, &r2);
    ck_assert_int_eq(p1->n_elements, p2->n_elements);
    for (int e = 0; e < p1->n_elements; e++) {
        ck_assert(memcmp(&p1->elements[e].E0, &p2->elements[e].E0, sizeof(double)) == 0);
        ck_assert_msg(toy_same_network(&p1->elements[e].energy, &p2->elements[e].energy), "element %d energy net", e);
        ck_assert_msg(toy_same_network(&p1->elements[e].charge, &p2->elements[e].charge), "element %d charge net", e);
    }
    for (int k = 0; k < 3; k++) {
        ck_assert(memcmp(&r1.rmse_e[k], &r2.rmse_e[k], sizeof(double)) == 0);
        ck_assert(memcmp(&r1.rmse_f[k], &r2.rmse_f[k], sizeof(double)) == 0);
        ck_assert(memcmp(&r1.rmse_mu[k], &r2.rmse_mu[k], sizeof(double)) == 0);
    }
    nnv_potential_free(p1);
    nnv_potential_free(p2);
    ds_free(&data);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("batchnet");
    TCase *tc = tcase_create("batchnet");
    if (openblas_set_num_threads) openblas_set_num_threads(1);
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_activation_arrays, 1, NNV_ACT_COUNT);
    tcase_add_test(tc, test_gradient_chunks);
    tcase_add_test(tc, test_threads_bitwise);
    tcase_add_test(tc, test_training_threads);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
