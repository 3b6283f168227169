/* Unit tests of the trainer's parts: the symmetry-function presets, the exact
 * loss gradient (double backpropagation) against finite differences for every
 * activation, agreement of the trainer's forward pass with nnv_compute,
 * train_evaluate, and continuing from a potential (--init, --extra-train,
 * --keep-scaling). Whole training runs are in test_train_run.c. */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "toyset.h"

/* ---- presets ------------------------------------------------------------------------ */

static void add_dummy_net(nnv_network *net, int n_in)
{
    net->n_layers = 1;
    net->layers = calloc(1, sizeof *net->layers);
    net->layers[0].n_in = n_in;
    net->layers[0].n_out = 1;
    net->layers[0].W = calloc((size_t)n_in, sizeof(double));
    net->layers[0].b = calloc(1, sizeof(double));
}

START_TEST(test_sfgen_presets)
{
    static const int Z[4] = {1, 6, 7, 8};
    sfgen_options o;
    nnv_potential *p = NULL;
    nnv_error err;
    unsigned char *buf = NULL;
    size_t len = 0;
    sfgen_defaults(&o);
    ck_assert_int_eq(o.cutoff, NNV_CUTOFF_POLY2);
    /* 4 elements: 8 radial x 4 + 10 pairs x 2 eta x 3 zeta x 2 lambda. */
    ck_assert_int_eq(sfgen_count(&o, 4), 32 + 120);
    ck_assert_int_eq(sfgen_make(&p, 4, Z, &o, &err), NNV_OK);
    ck_assert_int_eq(p->n_elements, 4);
    for (int e = 0; e < 4; e++) {
        const nnv_element_model *em = &p->elements[e];
        int radial[119] = {0}, pairs[119][119], n_ang = 0;
        memset(pairs, 0, sizeof pairs);
        ck_assert_int_eq(em->Z, Z[e]);
        ck_assert_int_eq(em->n_sf, 152);
        for (int k = 0; k < em->n_sf; k++) {
            const nnv_sf *sf = &em->sf[k];
            ck_assert_int_eq(sf->cutoff, NNV_CUTOFF_POLY2);
            ck_assert(sf->rc == 5.5 && sf->eta > 0);
            if (sf->type == NNV_SF_RADIAL) {
                ck_assert_int_eq(sf->Zk, 0);
                radial[sf->Zj]++;
            } else {
                ck_assert_int_eq(sf->type, NNV_SF_ANGULAR_WIDE);
                ck_assert(sf->Zj <= sf->Zk);
                ck_assert(sf->lambda == 1.0 || sf->lambda == -1.0);
                ck_assert(sf->zeta == 1.0 || sf->zeta == 2.0 || sf->zeta == 4.0);
                pairs[sf->Zj][sf->Zk]++;
                n_ang++;
            }
        }
        for (int j = 0; j < 4; j++) {
            ck_assert_int_eq(radial[Z[j]], 8);
            for (int k = j; k < 4; k++) ck_assert_int_eq(pairs[Z[j]][Z[k]], 12);
        }
        ck_assert_int_eq(n_ang, 120);
        add_dummy_net(&p->elements[e].energy, em->n_sf);
    }
    ck_assert_int_eq(nnv_potential_serialize(&buf, &len, p, &err), NNV_OK);
    free(buf);
    nnv_potential_free(p);

    /* COS selectable; scaling drops constant functions and fits the rest. */
    o.cutoff = NNV_CUTOFF_COS;
    o.n_radial = 2;
    o.n_ang_eta = 0;
    ck_assert_int_eq(sfgen_make(&p, 1, Z, &o, &err), NNV_OK);
    ck_assert_int_eq(p->elements[0].sf[0].cutoff, NNV_CUTOFF_COS);
    {
        double G[3 * 2] = {1.0, 5.0, 2.0, 5.0, 3.0, 5.0};
        int keep[2];
        ck_assert_int_eq(sfgen_fit_scaling(&p->elements[0], G, 3, keep), 1);
        ck_assert(keep[0] == 1 && keep[1] == 0);
        ck_assert(tu_close(p->elements[0].sf[0].shift, 2.0, 1e-15, 0));
        ck_assert(tu_close(p->elements[0].sf[0].scale, 1.0 / sqrt(2.0 / 3.0), 1e-14, 0));
        ck_assert(p->elements[0].sf[0].gmin == 1.0 && p->elements[0].sf[0].gmax == 3.0);
    }
    nnv_potential_free(p);
    /* Bad element lists are refused. */
    {
        int bad[2] = {8, 1};
        ck_assert_int_eq(sfgen_make(&p, 2, bad, &o, &err), NNV_EUSAGE);
    }
}
END_TEST

/* Angular shells: the count, their radii inside the angular cutoff, and the
 * options that would put a shell outside it are refused. */
START_TEST(test_sfgen_shells)
{
    static const int Z[4] = {1, 6, 7, 8};
    sfgen_options o;
    nnv_potential *p = NULL;
    nnv_error err;
    double prev = 0.0;
    int n_shell = 0;
    sfgen_defaults(&o);
    o.n_ang_eta = 1;
    o.n_ang_shells = 4;
    o.rc_ang = 3.5;
    /* 8 x 4 radial + 10 pairs x (1 eta + 4 shells) x 3 zeta x 2 lambda. */
    ck_assert_int_eq(sfgen_count(&o, 4), 32 + 300);
    ck_assert_int_eq(sfgen_make(&p, 4, Z, &o, &err), NNV_OK);
    for (int k = 0; k < p->elements[1].n_sf; k++) {
        const nnv_sf *sf = &p->elements[1].sf[k];
        if (sf->type != NNV_SF_ANGULAR_WIDE || sf->rc == 5.5) continue;
        ck_assert(sf->rc == 3.5);
        ck_assert(sf->rs >= 0.9 - 1e-12 && sf->rs <= 3.5 - 0.8 + 1e-12);
        ck_assert(tu_close(sf->eta, 1.0 / (0.6 * 0.6), 1e-12, 1e-12));
        if (sf->Zj == 1 && sf->Zk == 1 && sf->zeta == 1.0 && sf->lambda == 1.0) {
            ck_assert(sf->rs > prev);
            prev = sf->rs;
        }
        n_shell++;
    }
    ck_assert_int_eq(n_shell, 10 * 4 * 6);
    ck_assert(tu_close(prev, 2.7, 1e-12, 1e-12));
    nnv_potential_free(p);
    o.rc_ang = 6.0; /* beyond rc */
    ck_assert_int_eq(sfgen_make(&p, 4, Z, &o, &err), NNV_EUSAGE);
    o.rc_ang = 0.0;
    o.n_ang_shells = 17;
    ck_assert_int_eq(sfgen_make(&p, 4, Z, &o, &err), NNV_EUSAGE);
}
END_TEST

/* ---- the loss gradient ------------------------------------------------------------- */

static tr_problem *toy_problem(nnv_potential **pot, ds_set *data, int act, double wE, double wF, double wM)
{
    static const int Z[3] = {1, 6, 8};
    sfgen_options so;
    train_options o;
    tr_problem *pb = NULL;
    nnv_error err;
    toy_options(&o, &so, 6, 5, act);
    o.act_param = 0.7;
    o.energy_weight = wE;
    o.force_weight = wF;
    o.dipole_weight = wM;
    ck_assert_int_eq(sfgen_make(pot, 3, Z, &so, &err), NNV_OK);
    ck_assert_msg(tr_problem_new(&pb, *pot, data, NULL, 0, &o, &err) == NNV_OK, "%s", err.message);
    tr_init(pb, 7, NULL, 0);
    /* Biases away from zero so every activation is exercised off its kink. */
    for (int p = 0; p < tr_n_params(pb); p++) tr_params(pb)[p] += 0.05 * sin(1.7 * p);
    return pb;
}

static void check_gradient(int act, double wE, double wF, double wM)
{
    ds_set data;
    nnv_potential *pot = NULL;
    tr_problem *pb;
    int idx[4] = {0, 1, 2, 3}, np, worst = -1;
    double *g, *th, L, Lp, Lm, h = 1e-6, maxerr = 0.0, gmax = 0.0;
    make_set(&data, 4, 99);
    pb = toy_problem(&pot, &data, act, wE, wF, wM);
    np = tr_n_params(pb);
    th = tr_params(pb);
    g = malloc((size_t)np * sizeof *g);
    ck_assert_int_eq(tr_loss(pb, idx, 4, &L, g, NULL), NNV_OK);
    ck_assert(L > 0 && isfinite(L));
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
    /* Central differences at h = 1e-6 are good to ~1e-8 relative here. */
    ck_assert_msg(gmax > 0 && maxerr <= 1e-6 * (1.0 + gmax),
                  "activation %d (wE %g wF %g wM %g): max |grad - FD| = %.3e at %d, max |grad| %.3e", act, wE, wF,
                  wM, maxerr, worst, gmax);
    free(g);
    tr_problem_free(pb);
    nnv_potential_free(pot);
    ds_free(&data);
}

START_TEST(test_gradient_energy)
{
    check_gradient(_i, 1.0, 0.0, 0.0);
}
END_TEST

START_TEST(test_gradient_forces)
{
    check_gradient(_i, 0.0, 1.0, 0.0);
}
END_TEST

START_TEST(test_gradient_dipole)
{
    check_gradient(_i, 0.0, 0.0, 1.0);
}
END_TEST

START_TEST(test_gradient_all)
{
    check_gradient(_i, 1.0, 0.3, 0.5);
}
END_TEST

/* The trainer's own forward pass agrees with the library's model on the
 * exported file: energy, forces (sign and scaling of the SF Jacobians) and dipole. */
START_TEST(test_export_matches_model)
{
    ds_set data;
    nnv_potential *pot = NULL;
    tr_problem *pb;
    nnv_error err;
    make_set(&data, 5, 5);
    pb = toy_problem(&pot, &data, _i, 1.0, 1.0, 1.0);
    ck_assert_int_eq(tr_export(pb), NNV_OK);
    for (int f = 0; f < data.n_frames; f++) {
        const ds_frame *d = &data.frames[f];
        nnv_structure *s = NULL;
        nnv_result *r = NULL;
        double E, F[15], mu[3];
        ck_assert_int_eq(nnv_structure_new(&s, d->n_atoms, d->Z, d->xyz, &err), NNV_OK);
        ck_assert_int_eq(nnv_compute(&r, pot, s, TU_WANT(NNV_WANT_FORCES | NNV_WANT_CHARGES), &err), NNV_OK);
        ck_assert_int_eq(tr_predict(pb, f, &E, F, mu), NNV_OK);
        ck_assert(tu_close(E, r->energy, 1e-10, 1e-12));
        for (int c = 0; c < 3 * d->n_atoms; c++) ck_assert(tu_close(F[c], r->forces[c], 1e-10, 1e-9));
        ck_assert(r->has_charges);
        for (int q = 0; q < 3; q++) ck_assert(tu_close(mu[q], r->dipole[q], 1e-10, 1e-9));
        nnv_result_free(r);
        nnv_structure_free(s);
    }
    tr_problem_free(pb);
    nnv_potential_free(pot);
    ds_free(&data);
}
END_TEST

/* train_evaluate against offsets put into the labels by hand: the RMSEs and
 * the grouping by a comment key (quoted values, a missing key) are known exactly. */
START_TEST(test_evaluate)
{
    static const char *const info[4] = {"T=100 molecule=toy", "molecule=toy T=100",
                                        "note=\"T=9 x\" T=300", "molecule=toy"};
    static const double dE[4] = {0.01, -0.02, 0.005, 0.0}; /* eV per atom */
    ds_set data;
    nnv_potential *pot = NULL;
    tr_problem *pb;
    nnv_error err;
    train_eval_group *g = NULL;
    int n = 0;
    make_set(&data, 4, 11);
    pb = toy_problem(&pot, &data, NNV_ACT_TANH, 1.0, 1.0, 1.0);
    ck_assert_int_eq(tr_export(pb), NNV_OK);
    for (int f = 0; f < 4; f++) {
        ds_frame *d = &data.frames[f];
        nnv_structure *s = NULL;
        nnv_result *r = NULL;
        ck_assert_int_eq(nnv_structure_new(&s, d->n_atoms, d->Z, d->xyz, &err), NNV_OK);
        ck_assert_int_eq(nnv_compute(&r, pot, s, TU_WANT(NNV_WANT_FORCES | NNV_WANT_CHARGES), &err), NNV_OK);
        d->energy = r->energy - dE[f] * d->n_atoms;
        memcpy(d->forces, r->forces, 3 * (size_t)d->n_atoms * sizeof *d->forces);
        memcpy(d->dipole, r->dipole, sizeof d->dipole);
        if (f == 1) d->forces[4] -= 0.05;
        if (f == 2) d->dipole[1] -= 0.03;
        free(d->info);
        d->info = strdup(info[f]);
        nnv_result_free(r);
        nnv_structure_free(s);
    }
    ck_assert_int_eq(train_evaluate(&g, &n, pot, &data, NULL, 0, "T", 0.0, &err), NNV_OK);
    ck_assert_int_eq(n, 4);
    ck_assert_str_eq(g[0].name, "all");
    ck_assert_str_eq(g[1].name, "100");
    ck_assert_str_eq(g[2].name, "300");
    ck_assert_str_eq(g[3].name, "");
    ck_assert_int_eq(g[0].n_frames, 4);
    ck_assert_int_eq(g[1].n_frames, 2);
    ck_assert_int_eq(g[0].n_atoms, data.frames[0].n_atoms + data.frames[1].n_atoms + data.frames[2].n_atoms +
                                       data.frames[3].n_atoms);
    ck_assert(tu_close(g[0].sse_e, 1e-4 + 4e-4 + 2.5e-5, 1e-15, 1e-9));
    ck_assert(tu_close(g[1].sse_e, 1e-4 + 4e-4, 1e-15, 1e-9));
    ck_assert(tu_close(g[1].max_e, 0.02, 1e-15, 1e-9));
    ck_assert(tu_close(g[1].sse_f, 0.0025, 1e-15, 1e-9));
    ck_assert(tu_close(g[1].max_f, 0.05, 1e-15, 1e-9));
    ck_assert(tu_close(g[2].sse_f, 0.0, 1e-20, 0.0));
    ck_assert(tu_close(g[2].sse_mu, 9e-4, 1e-15, 1e-9));
    ck_assert_int_eq(g[2].n_mu, 3);
    ck_assert(tu_close(g[3].sse_e, 0.0, 1e-20, 0.0));
    ck_assert_int_eq(g[0].n_f, 3 * g[0].n_atoms);
    /* every frame is inside the training range: the in-range sums are the sums */
    ck_assert_int_eq(g[0].n_extrapolating, 0);
    ck_assert_int_eq(g[0].n_frames_in, 4);
    ck_assert_int_eq(g[0].n_f_in, g[0].n_f);
    ck_assert(tu_close(g[0].sse_e_in, g[0].sse_e, 1e-18, 1e-12));
    ck_assert(tu_close(g[1].sse_f_in, 0.0025, 1e-15, 1e-9));
    free(g);
    /* A range no G can fall in puts every frame outside: nothing is left in range. */
    {
        double lo[8], hi[8];
        ck_assert_int_le(pot->n_elements, 8);
        for (int e = 0; e < pot->n_elements; e++) {
            lo[e] = pot->elements[e].sf[0].gmin, hi[e] = pot->elements[e].sf[0].gmax;
            pot->elements[e].sf[0].gmin = pot->elements[e].sf[0].gmax = -1.0;
        }
        ck_assert_int_eq(train_evaluate(&g, &n, pot, &data, NULL, 0, NULL, 0.0, &err), NNV_OK);
        ck_assert_int_eq(g[0].n_extrapolating, 4);
        ck_assert_int_eq(g[0].n_frames_in, 0);
        ck_assert_int_eq(g[0].n_e_in + g[0].n_f_in, 0);
        ck_assert(g[0].sse_e_in == 0.0 && g[0].sse_f_in == 0.0 && g[0].sse_e > 0.0);
        free(g);
        for (int e = 0; e < pot->n_elements; e++) pot->elements[e].sf[0].gmin = lo[e], pot->elements[e].sf[0].gmax = hi[e];
    }
    /* Without a key: only the whole set. */
    ck_assert_int_eq(train_evaluate(&g, &n, pot, &data, NULL, 0, NULL, 0.0, &err), NNV_OK);
    ck_assert_int_eq(n, 1);
    ck_assert(tu_close(g[0].sse_mu, 9e-4, 1e-15, 1e-9));
    free(g);
    /* A subset (what --split picks), groups in the order of the subset. */
    {
        const int idx[2] = {2, 0};
        ck_assert_int_eq(train_evaluate(&g, &n, pot, &data, idx, 2, "T", 0.0, &err), NNV_OK);
        ck_assert_int_eq(n, 3);
        ck_assert_int_eq(g[0].n_frames, 2);
        ck_assert_str_eq(g[1].name, "300");
        ck_assert_str_eq(g[2].name, "100");
        ck_assert(tu_close(g[0].sse_e, 2.5e-5 + 1e-4, 1e-15, 1e-9));
        ck_assert(tu_close(g[0].sse_f, 0.0, 1e-20, 0.0));
        free(g);
    }
    /* A value longer than a group name holds is refused, not cut (two values
     * sharing their first 63 characters would fall into one group). */
    free(data.frames[1].info);
    data.frames[1].info = strdup("molecule=\"0123456789012345678901234567890123456789012345678901234567890123\"");
    ck_assert_int_eq(train_evaluate(&g, &n, pot, &data, NULL, 0, "molecule", 0.0, &err), NNV_EINPUT);
    ck_assert_ptr_null(g);
    ck_assert_ptr_nonnull(strstr(err.message, "configuration 2: the value of molecule is longer than 63"));
    data.frames[1].info[strlen(data.frames[1].info) - 2] = '"'; /* 63 characters: accepted */
    data.frames[1].info[strlen(data.frames[1].info) - 1] = 0;
    ck_assert_int_eq(train_evaluate(&g, &n, pot, &data, NULL, 0, "molecule", 0.0, &err), NNV_OK);
    ck_assert_int_eq(n, 4); /* all, toy, the long one, and frame 3 without the key */
    ck_assert_str_eq(g[2].name, "012345678901234567890123456789012345678901234567890123456789012");
    free(g);
    /* A frame with an element the potential lacks: an error naming the configuration. */
    data.frames[2].Z[0] = 7;
    ck_assert_int_ne(train_evaluate(&g, &n, pot, &data, NULL, 0, "T", 0.0, &err), NNV_OK);
    ck_assert_ptr_null(g);
    ck_assert_ptr_nonnull(strstr(err.message, "configuration 3"));
    tr_problem_free(pb);
    nnv_potential_free(pot);
    ds_free(&data);
}
END_TEST

/* ---- continuing from a potential --------------------------------------------------- */

/* --init continues from a potential: with a vanishing rate the run returns
 * the same weights and errors, and a potential made with other inputs
 * (symmetry functions, split, activation, charges) is refused by name. */
static void tiny_options(train_options *o, sfgen_options *so)
{
    toy_options(o, so, 5, 5, NNV_ACT_SILU);
    o->epochs = 4;
    o->batch = 4;
    o->lr = 3e-3;
    o->dipole_weight = 1.0;
    o->seed = 11;
}

static void expect_init_refused(const ds_set *data, const nnv_potential *init, train_options *o,
                                const sfgen_options *so, const char *fragment)
{
    static const int Z[3] = {1, 6, 8};
    nnv_potential *pot = NULL;
    train_report rep;
    nnv_error err = {0, ""};
    o->init = init;
    o->init_name = "first.bin";
    ck_assert_int_eq(train_run(&pot, data, 3, Z, so, o, NULL, NULL, &rep, &err), NNV_EINPUT);
    ck_assert_ptr_null(pot);
    ck_assert_msg(strstr(err.message, "first.bin") && strstr(err.message, fragment), "'%s' lacks '%s'", err.message,
                  fragment);
}

/* The potential the --init tests continue from: tiny options, 30 toy frames. */
static nnv_potential *train_first(ds_set *data, train_options *o, sfgen_options *so, train_report *rep)
{
    static const int Z[3] = {1, 6, 8};
    nnv_potential *first = NULL;
    nnv_error err;
    make_set(data, 30, 5);
    tiny_options(o, so);
    ck_assert_msg(train_run(&first, data, 3, Z, so, o, NULL, NULL, rep, &err) == NNV_OK, "%s", err.message);
    return first;
}

START_TEST(test_init_continues)
{
    static const int Z[3] = {1, 6, 8};
    ds_set data;
    sfgen_options so;
    train_options o;
    train_report r1, r2;
    nnv_potential *first = NULL, *again = NULL;
    nnv_error err;
    int differ = 0;

    first = train_first(&data, &o, &so, &r1);
    o.init = first;
    o.init_name = "first.bin";
    o.epochs = 1;
    o.lr = 1e-300;
    ck_assert_msg(train_run(&again, &data, 3, Z, &so, &o, NULL, NULL, &r2, &err) == NNV_OK, "%s", err.message);
    for (int k = 0; k < 3; k++) {
        ck_assert_double_eq_tol(r2.rmse_e[k], r1.rmse_e[k], 1e-12);
        ck_assert_double_eq_tol(r2.rmse_f[k], r1.rmse_f[k], 1e-12);
        ck_assert_double_eq_tol(r2.rmse_mu[k], r1.rmse_mu[k], 1e-12);
    }
    for (int e = 0; e < 3; e++) {
        const nnv_element_model *a = &first->elements[e], *b = &again->elements[e];
        differ += a->E0 != b->E0;
        for (int l = 0; l < a->energy.n_layers; l++) {
            const nnv_layer *x = &a->energy.layers[l], *y = &b->energy.layers[l];
            for (int k = 0; k < x->n_in * x->n_out; k++) differ += fabs(x->W[k] - y->W[k]) > 1e-12;
            for (int k = 0; k < x->n_out; k++) differ += fabs(x->b[k] - y->b[k]) > 1e-12;
        }
    }
    ck_assert_int_eq(differ, 0);
    ck_assert_ptr_nonnull(strstr(again->description, "continued from the weights of first.bin"));
    nnv_potential_free(again);

    tiny_options(&o, &so);
    o.activation = NNV_ACT_TANH;
    expect_init_refused(&data, first, &o, &so, "activation silu, the options give tanh");
    tiny_options(&o, &so);
    o.hidden[1] = 6;
    expect_init_refused(&data, first, &o, &so, "layer 2 is 5x5, the options give 6x5");
    tiny_options(&o, &so);
    so.n_radial = 4;
    expect_init_refused(&data, first, &o, &so, "symmetry functions, this run makes");
    tiny_options(&o, &so);
    o.seed = 12; /* another split: other scaling */
    expect_init_refused(&data, first, &o, &so, "scaling differ");
    tiny_options(&o, &so);
    o.dipole_weight = 0.0;
    expect_init_refused(&data, first, &o, &so, "has charge networks");
    {
        const nnv_potential *two[2] = {first, first};
        nnv_potential *c = NULL;
        ck_assert_int_eq(nnv_committee_build(&c, two, 2, NNV_COMMITTEE_FULL, 1.0, &err), NNV_OK);
        tiny_options(&o, &so);
        expect_init_refused(&data, c, &o, &so, "a committee of 2 members; --init takes one potential");
        nnv_potential_free(c);
    }
    nnv_potential_free(first);
    ds_free(&data);
}
END_TEST

/* Refining a potential on more data (--extra-train, --keep-scaling): the extra
 * frames join the training set only, so validation and test are the same
 * configurations as before; the kept inputs leave the weights' predictions
 * unchanged while gmin/gmax widen to the new frames. */
START_TEST(test_extra_training_frames)
{
    static const int Z[3] = {1, 6, 8};
    ds_set data, extra;
    sfgen_options so;
    train_options o;
    train_report r1, r2;
    nnv_potential *first = NULL, *again = NULL;
    nnv_error err;
    int widened = 0;

    first = train_first(&data, &o, &so, &r1);
    /* Compressed copies of other frames: shorter distances than any training frame. */
    make_set(&extra, 12, 9);
    for (int f = 0; f < extra.n_frames; f++) {
        for (int k = 0; k < 3 * extra.frames[f].n_atoms; k++) extra.frames[f].xyz[k] *= 0.85;
        morse_label(&extra.frames[f]);
        ck_assert_int_eq(ds_append(&data, &extra.frames[f], NULL), NNV_OK);
    }
    o.n_split = 30;
    o.extra_name = "hot.extxyz";
    o.init = first;
    o.init_name = "first.bin";
    o.keep_scaling = 1;
    o.epochs = 1;
    o.lr = 1e-300;
    ck_assert_msg(train_run(&again, &data, 3, Z, &so, &o, NULL, NULL, &r2, &err) == NNV_OK, "%s", err.message);
    ck_assert_int_eq(r2.n_extra, 12);
    ck_assert_int_eq(r2.n_train, r1.n_train + 12);
    ck_assert_int_eq(r2.n_val, r1.n_val);
    ck_assert_int_eq(r2.n_test, r1.n_test);
    for (int k = 1; k < 3; k++) { /* same validation and test configurations, same weights */
        ck_assert_double_eq_tol(r2.rmse_e[k], r1.rmse_e[k], 1e-12);
        ck_assert_double_eq_tol(r2.rmse_f[k], r1.rmse_f[k], 1e-12);
    }
    for (int e = 0; e < 3; e++) {
        const nnv_element_model *a = &first->elements[e], *b = &again->elements[e];
        ck_assert_int_eq(b->n_sf, a->n_sf);
        for (int k = 0; k < a->n_sf; k++) {
            ck_assert_ptr_null(sfgen_sf_differs(&a->sf[k], &b->sf[k], 1));
            ck_assert(b->sf[k].gmin <= a->sf[k].gmin && b->sf[k].gmax >= a->sf[k].gmax);
            widened += b->sf[k].gmin < a->sf[k].gmin || b->sf[k].gmax > a->sf[k].gmax;
        }
    }
    ck_assert_int_gt(widened, 0);
    ck_assert_ptr_nonnull(strstr(again->description, "30 configurations"));
    ck_assert_ptr_nonnull(strstr(again->description, "plus 12 training-only configurations"));
    ck_assert_ptr_nonnull(strstr(again->description, "from hot.extxyz"));
    ck_assert_ptr_nonnull(strstr(again->description, "). Elements: H (")); /* the clause in its place */
    ck_assert_ptr_nonnull(strstr(again->description, "keeping its symmetry functions' shift and scale"));
    nnv_potential_free(again);

    /* Without --keep-scaling the extra frames change the fitted scaling: refused. */
    o.keep_scaling = 0;
    expect_init_refused(&data, first, &o, &so, "scaling differ");
    /* Kept scaling still needs the same symmetry-function options. */
    o.keep_scaling = 1;
    so.rc = 4.5;
    expect_init_refused(&data, first, &o, &so, "is not one of this run's preset");
    nnv_potential_free(first);
    ds_free(&extra);
    ds_free(&data);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("train");
    TCase *tc = tcase_create("train");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_sfgen_presets);
    tcase_add_test(tc, test_sfgen_shells);
    /* Every activation code except identity (1 .. 7). */
    tcase_add_loop_test(tc, test_gradient_energy, 1, NNV_ACT_COUNT);
    tcase_add_loop_test(tc, test_gradient_forces, 1, NNV_ACT_COUNT);
    tcase_add_loop_test(tc, test_gradient_dipole, 1, NNV_ACT_COUNT);
    tcase_add_loop_test(tc, test_gradient_all, 1, NNV_ACT_COUNT);
    tcase_add_loop_test(tc, test_export_matches_model, 1, NNV_ACT_COUNT);
    tcase_add_test(tc, test_evaluate);
    tcase_add_test(tc, test_init_continues);
    tcase_add_test(tc, test_extra_training_frames);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
