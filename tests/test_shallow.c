/* Unit tests of the shallow-ensemble trainer (nnvib-train --committee K
 * --shallow): the exact weight gradient of the mean-plus-NLL loss against
 * central differences for every activation, the loss value against the
 * members that nnv_compute evaluates from the exported committee file, the
 * same bits for any thread count, and train_shallow end to end. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "testutil.h"
#include "toyset.h"

extern void openblas_set_num_threads(int) __attribute__((weak));

#include "train/trainer_internal.h"

#define K 3

static const int Z3[3] = {1, 6, 8};

/* A shallow problem of K members on data; weights moved off zero so every
 * activation works away from its kink and the members differ. */
static tr_problem *shallow_problem(nnv_potential **pot, const ds_set *data, int act, double wE, double wF, double wM,
                                   double wN)
{
    sfgen_options so;
    train_options o;
    tr_problem *pb = NULL;
    nnv_error err;
    toy_options(&o, &so, 6, 5, act);
    o.act_param = 0.7;
    o.energy_weight = wE;
    o.force_weight = wF;
    o.dipole_weight = wM;
    o.shallow = K;
    o.nll_floor = 0.01;
    ck_assert_int_eq(sfgen_make(pot, 3, Z3, &so, &err), NNV_OK);
    ck_assert_msg(tr_problem_new(&pb, *pot, data, NULL, 0, &o, &err) == NNV_OK, "%s", err.message);
    tr_init(pb, 7, NULL, 0);
    for (int p = 0; p < tr_n_params(pb); p++) tr_params(pb)[p] += 0.05 * sin(1.7 * p);
    tr_set_nll_weight(pb, wN);
    return pb;
}

static void check_gradient(int act, double wE, double wF, double wM, double wN)
{
    ds_set data;
    nnv_potential *pot = NULL;
    tr_problem *pb;
    int idx[4] = {0, 1, 2, 3}, np, worst = -1;
    double *g, *th, L, Lp, Lm, h = 1e-6, maxerr = 0.0, gmax = 0.0;
    make_set(&data, 4, 99);
    pb = shallow_problem(&pot, &data, act, wE, wF, wM, wN);
    np = tr_n_params(pb);
    th = tr_params(pb);
    g = malloc((size_t)np * sizeof *g);
    ck_assert_int_eq(tr_loss(pb, idx, 4, &L, g, NULL), NNV_OK);
    ck_assert(isfinite(L));
    for (int p = 0; p < np; p++) {
        double t = th[p], fd, e;
        th[p] = t + h;
        tr_loss(pb, idx, 4, &Lp, NULL, NULL);
        th[p] = t - h;
        tr_loss(pb, idx, 4, &Lm, NULL, NULL);
        th[p] = t;
        fd = (Lp - Lm) / (2 * h);
        e = fabs(fd - g[p]);
        if (fabs(g[p]) > gmax) gmax = fabs(g[p]);
        if (e > maxerr) maxerr = e, worst = p;
    }
    ck_assert_msg(gmax > 0 && maxerr <= 1e-6 * (1.0 + gmax),
                  "%s (wE %g wF %g wM %g wN %g): max |grad - FD| = %.3e at %d, max |grad| %.3e",
                  nnv_activation_name(act), wE, wF, wM, wN, maxerr, worst, gmax);
    free(g);
    tr_problem_free(pb);
    nnv_potential_free(pot);
    ds_free(&data);
}

START_TEST(test_gradient_mean)
{
    /* The loss on the members' mean alone (the warm-up). */
    check_gradient(_i, 1.0, 0.5, 0.3, 0.0);
}
END_TEST

START_TEST(test_gradient_nll)
{
    /* The NLL term alone, then beside every other term. */
    check_gradient(_i, 0.0, 0.0, 0.0, 0.02);
    check_gradient(_i, 1.0, 0.5, 0.3, 0.02);
}
END_TEST

/* The loss, recomputed from what nnv_compute gives for the exported
 * committee (members' forces and their mean): the trainer's shallow model
 * is the file's, and the NLL term is the documented formula. */
START_TEST(test_loss_matches_model)
{
    ds_set data;
    nnv_potential *pot = NULL;
    tr_problem *pb;
    nnv_error err;
    const double wE = 0.7, wF = 0.4, wN = 0.05, floor2 = 0.01 * 0.01;
    int idx[5] = {0, 1, 2, 3, 4};
    double L, sse[TR_N_TERMS], ref = 0.0, sse_f = 0.0, nF = 0.0, nE = 0.0, sumE = 0.0, nll = 0.0;
    make_set(&data, 5, 5);
    pb = shallow_problem(&pot, &data, NNV_ACT_SILU, wE, wF, 0.0, wN);
    ck_assert_int_eq(tr_loss(pb, idx, 5, &L, NULL, sse), NNV_OK);
    ck_assert_int_eq(tr_export(pb), NNV_OK);
    pot->flags |= NNV_FLAG_COMMITTEE;
    pot->n_members = K;
    pot->committee_kind = NNV_COMMITTEE_SHALLOW;
    pot->spread_scale = 1.0;
    for (int f = 0; f < data.n_frames; f++) {
        const ds_frame *d = &data.frames[f];
        nnv_structure *s = NULL;
        nnv_result *r = NULL;
        int N = d->n_atoms;
        double E, F[15], mu[3], dE;
        ck_assert_int_eq(nnv_structure_new(&s, N, d->Z, d->xyz, &err), NNV_OK);
        ck_assert_msg(nnv_compute(&r, pot, s, TU_WANT(NNV_WANT_FORCES), &err) == NNV_OK, "%s", err.message);
        ck_assert_int_eq(r->n_members, K);
        ck_assert_int_eq(tr_predict(pb, f, &E, F, mu), NNV_OK);
        ck_assert(tu_close(E, r->energy, 1e-10, 1e-12));
        dE = (r->energy - d->energy) / N;
        sumE += dE * dE;
        nE += 1.0;
        for (int i = 0; i < N; i++) {
            double e2 = 0.0, v = 0.0;
            for (int q = 0; q < 3; q++) {
                int c = 3 * i + q;
                double dd = r->forces[c] - d->forces[c];
                ck_assert(tu_close(F[c], r->forces[c], 1e-10, 1e-9));
                e2 += dd * dd;
                for (int m = 0; m < K; m++) {
                    double dv = r->member_forces[m * 3 * N + c] - r->forces[c];
                    v += dv * dv;
                }
            }
            /* force_std is sqrt(v / (3 (K - 1))) with spread_scale 1. */
            ck_assert(tu_close(r->force_std[i] * r->force_std[i], v / (3.0 * (K - 1)), 1e-9, 1e-14));
            sse_f += e2;
            nF += 3.0;
            {
                double sv = v / (3.0 * (K - 1)) + floor2;
                nll += e2 / sv + 3.0 * log(sv);
            }
        }
        nnv_result_free(r);
        nnv_structure_free(s);
    }
    ref = wE / nE * sumE + wF / nF * sse_f + wN / nF * nll;
    ck_assert_msg(tu_close(L, ref, 1e-9, 1e-12), "loss %.15g, from nnv_compute %.15g", L, ref);
    ck_assert(tu_close(sse[1], sse_f, 1e-9, 1e-14));
    tr_problem_free(pb);
    nnv_potential_free(pot);
    ds_free(&data);
}
END_TEST

START_TEST(test_any_thread_count)
{
    /* With the NLL term: loss, sums and gradient the same bits for 1 and 2
     * threads (40 frames: three chunks). */
    ds_set data;
    nnv_potential *pot = NULL;
    tr_problem *pb;
    int idx[40], np;
    double L[2], sse[2][TR_N_TERMS], *g[2];
    make_set(&data, 40, 17);
    pb = shallow_problem(&pot, &data, NNV_ACT_TANH, 1.0, 0.5, 0.2, 0.03);
    np = tr_n_params(pb);
    for (int i = 0; i < 40; i++) idx[i] = 39 - i;
    for (int k = 0; k < 2; k++) {
        g[k] = malloc((size_t)np * sizeof *g[k]);
#ifdef _OPENMP
        omp_set_num_threads(k + 1);
#endif
        ck_assert_int_eq(tr_loss(pb, idx, 40, &L[k], g[k], sse[k]), NNV_OK);
    }
    ck_assert(memcmp(&L[0], &L[1], sizeof L[0]) == 0);
    ck_assert(memcmp(sse[0], sse[1], sizeof sse[0]) == 0);
    ck_assert(memcmp(g[0], g[1], (size_t)np * sizeof *g[0]) == 0);
    free(g[0]), free(g[1]);
    tr_problem_free(pb);
    nnv_potential_free(pot);
    ds_free(&data);
}
END_TEST

static void toy_run_options(train_options *o, sfgen_options *so)
{
    toy_options(o, so, 8, 8, NNV_ACT_SILU);
    o->epochs = 12;
    o->batch = 8;
    o->lr = 5e-3;
    o->lr_schedule = TRAIN_LR_COSINE;
    o->patience = 100;
    o->force_weight = 1.0;
    o->val_frac = 0.2;
    o->test_frac = 0.2;
    o->nll_warmup = 4;
    o->nll_weight = 1e-3;
}

START_TEST(test_train_shallow)
{
    /* One run gives a committee of kind shallow whose spread is calibrated
     * on validation (mean (e/sigma)^2 = 1 there), the same bits for 1 and 2
     * threads; bootstrap and the curvature term are refused. */
    ds_set data;
    sfgen_options so;
    train_options o;
    train_report rep;
    nnv_potential *c[2] = {NULL, NULL};
    nnv_error err;
    double scale[2];
    int *order, nva, nte, ng;
    uint64_t st;
    train_eval_group *g = NULL;
    make_set(&data, 60, 41);
    toy_run_options(&o, &so);
    for (int t = 0; t < 2; t++) {
#ifdef _OPENMP
        omp_set_num_threads(t + 1);
#endif
        ck_assert_msg(train_shallow(&c[t], &data, 3, Z3, &so, &o, 4, NULL, NULL, &rep, &scale[t], &err) == NNV_OK,
                      "%s", err.message);
    }
    ck_assert_int_eq(c[0]->n_members, 4);
    ck_assert_int_eq(c[0]->committee_kind, NNV_COMMITTEE_SHALLOW);
    ck_assert(c[0]->flags & NNV_FLAG_COMMITTEE);
    ck_assert(scale[0] > 0.0 && isfinite(scale[0]) && c[0]->spread_scale == scale[0]);
    ck_assert(strstr(c[0]->description, "Shallow ensemble of 4 members") != NULL);
    for (int e = 0; e < c[0]->n_elements; e++) {
        const nnv_network *n0 = &c[0]->elements[e].energy;
        ck_assert_int_eq(n0->layers[n0->n_layers - 1].n_out, 4);
        ck_assert(toy_same_network(n0, &c[1]->elements[e].energy));
    }
    ck_assert(scale[0] == scale[1]);
    /* The calibration: mean z^2 on the validation split is 1. */
    order = malloc((size_t)data.n_frames * sizeof *order);
    st = o.seed;
    train_split(data.n_frames, o.val_frac, o.test_frac, &st, order, &nva, &nte);
    ck_assert(nva > 0);
    ck_assert_int_eq(train_evaluate(&g, &ng, c[0], &data, order + nte, nva, NULL, 0.0, &err), NNV_OK);
    ck_assert(g[0].n_sigma > 0);
    ck_assert(tu_close(g[0].sum_z2 / g[0].n_sigma, 1.0, 1e-9, 0.0));
    free(g);
    free(order);
    nnv_potential_free(c[1]);
    /* Refusals. */
    o.bootstrap = 1;
    ck_assert_int_eq(train_shallow(&c[1], &data, 3, Z3, &so, &o, 4, NULL, NULL, &rep, &scale[1], &err),
                     NNV_EUSAGE);
    o.bootstrap = 0;
    ck_assert_int_eq(train_shallow(&c[1], &data, 3, Z3, &so, &o, 1, NULL, NULL, &rep, &scale[1], &err), NNV_EUSAGE);
    nnv_potential_free(c[0]);
    ds_free(&data);
}
END_TEST

/* 1 when every element's energy networks (the shallow network, or each
 * full member) of a and b have the same bits. */
static int same_committee_nets(const nnv_potential *a, const nnv_potential *b)
{
    if (a->n_members != b->n_members || a->committee_kind != b->committee_kind) return 0;
    for (int e = 0; e < a->n_elements; e++) {
        const nnv_element_model *x = &a->elements[e], *y = &b->elements[e];
        if (a->committee_kind == NNV_COMMITTEE_SHALLOW) {
            if (!toy_same_network(&x->energy, &y->energy)) return 0;
        } else {
            for (int m = 0; m < a->n_members; m++)
                if (!toy_same_network(&x->members[m], &y->members[m])) return 0;
        }
    }
    return 1;
}

START_TEST(test_init_committee)
{
    /* --init with a committee: at learning rate 0 every member (and the
     * shallow network) comes back with the weights it started from; another
     * size or kind, or one potential, is refused. */
    ds_set data;
    sfgen_options so;
    train_options o;
    train_report rep, reps[3];
    nnv_potential *sh = NULL, *full = NULL, *again = NULL;
    nnv_error err;
    double scale;
    make_set(&data, 40, 43);
    toy_run_options(&o, &so);
    o.epochs = 3;
    ck_assert_int_eq(train_shallow(&sh, &data, 3, Z3, &so, &o, 3, NULL, NULL, &rep, &scale, &err), NNV_OK);
    ck_assert_int_eq(train_committee(&full, &data, 3, Z3, &so, &o, 3, NULL, reps, &scale, &err), NNV_OK);
    o.lr = 0.0;
    o.epochs = 1;
    o.lr_schedule = TRAIN_LR_PLATEAU;
    o.init = sh;
    ck_assert_msg(train_shallow(&again, &data, 3, Z3, &so, &o, 3, NULL, NULL, &rep, &scale, &err) == NNV_OK, "%s",
                  err.message);
    ck_assert(same_committee_nets(again, sh));
    nnv_potential_free(again);
    ck_assert_int_eq(train_shallow(&again, &data, 3, Z3, &so, &o, 2, NULL, NULL, &rep, &scale, &err), NNV_EUSAGE);
    ck_assert_int_eq(train_committee(&again, &data, 3, Z3, &so, &o, 3, NULL, reps, &scale, &err), NNV_EUSAGE);
    o.init = full;
    ck_assert_msg(train_committee(&again, &data, 3, Z3, &so, &o, 3, NULL, reps, &scale, &err) == NNV_OK, "%s",
                  err.message);
    ck_assert(same_committee_nets(again, full));
    nnv_potential_free(again);
    ck_assert_int_eq(train_shallow(&again, &data, 3, Z3, &so, &o, 3, NULL, NULL, &rep, &scale, &err), NNV_EUSAGE);
    ck_assert_ptr_null(again);
    nnv_potential_free(sh);
    nnv_potential_free(full);
    ds_free(&data);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("shallow");
    TCase *tc = tcase_create("core");
    if (openblas_set_num_threads) openblas_set_num_threads(1);
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_gradient_mean, 1, NNV_ACT_COUNT);
    tcase_add_loop_test(tc, test_gradient_nll, 1, NNV_ACT_COUNT);
    tcase_add_test(tc, test_loss_matches_model);
    tcase_add_test(tc, test_any_thread_count);
    tcase_add_test(tc, test_train_shallow);
    tcase_add_test(tc, test_init_committee);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
