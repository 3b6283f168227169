/* Whole training runs on small data: learning happens and the written
 * potential scores the test split as the trainer did, the annealing
 * schedules, committees, a slice of the committed GFN2-xTB data set, and
 * nnvib-train end to end (exit statuses, --evaluate, refinement). */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, popen, strdup */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "toyset.h"

/* ---- a short training run --------------------------------------------------------- */

typedef struct seen {
    int n;
    double first, best;
} seen;

static void on_epoch(void *ctx, const train_epoch *ep)
{
    seen *s = ctx;
    if (s->n++ == 0) s->first = ep->val_loss;
    if (ep->val_loss < s->best) s->best = ep->val_loss;
}

START_TEST(test_training_run)
{
    static const int Z[3] = {1, 6, 8};
    ds_set data;
    sfgen_options so;
    train_options o;
    train_report rep;
    nnv_potential *pot = NULL, *back = NULL;
    nnv_error err;
    seen sn = {0, 0.0, INFINITY};
    char dir[] = "/tmp/nnvib-test-train-XXXXXX", path[128];

    make_set(&data, 60, 2024);
    sfgen_defaults(&so);
    so.n_radial = 4;
    so.n_ang_eta = 1;
    so.rc = 4.0;
    train_defaults(&o);
    o.hidden[0] = o.hidden[1] = 8;
    o.activation = NNV_ACT_SOFTPLUS;
    o.epochs = 40;
    o.batch = 8;
    o.lr = 3e-3;
    o.dipole_weight = 1.0;
    o.teacher = "Morse toy";
    ck_assert_msg(train_run(&pot, &data, 3, Z, &so, &o, on_epoch, &sn, &rep, &err) == NNV_OK, "%s", err.message);
    ck_assert_int_eq(rep.n_train + rep.n_val + rep.n_test, 60);
    ck_assert_int_eq(rep.n_test, 6);
    ck_assert_int_eq(sn.n, rep.epochs);
    /* Learning happened: the validation loss fell well below its first value. */
    ck_assert_msg(sn.best < 0.5 * sn.first, "validation loss %g -> %g", sn.first, sn.best);
    ck_assert(isfinite(rep.rmse_e[2]) && isfinite(rep.rmse_f[2]) && isfinite(rep.rmse_mu[2]));
    ck_assert_ptr_nonnull(strstr(pot->description, "Teacher: Morse toy"));
    ck_assert_ptr_nonnull(strstr(pot->description, "activation softplus"));
    ck_assert_uint_eq(pot->flags, NNV_FLAG_CHARGES);

    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/toy.bin", dir);
    ck_assert_int_eq(nnv_potential_write(path, pot, &err), NNV_OK);
    ck_assert_msg(nnv_potential_read(&back, path, &err) == NNV_OK, "%s", err.message);
    {
        nnv_structure *s = NULL;
        nnv_result *r = NULL;
        const ds_frame *d = &data.frames[0];
        ck_assert_int_eq(nnv_structure_new(&s, d->n_atoms, d->Z, d->xyz, &err), NNV_OK);
        ck_assert_int_eq(nnv_compute(&r, back, s, TU_WANT(NNV_WANT_HESSIAN | NNV_WANT_DIPOLE_DERIV), &err), NNV_OK);
        ck_assert(isfinite(r->energy) && r->hessian && r->dipole_deriv);
        nnv_result_free(r);
        nnv_structure_free(s);
    }
    /* train_split with the training seed gives back the test set: nnv_compute
     * on the written file scores it as the trainer did. */
    {
        int order[60], nva = -1, nte = -1, n = 0, bad = 0;
        uint64_t state = o.seed;
        train_eval_group *g = NULL;
        train_split(60, o.val_frac, o.test_frac, &state, order, &nva, &nte);
        ck_assert_int_eq(nte, rep.n_test);
        ck_assert_int_eq(nva, rep.n_val);
        ck_assert_msg(train_evaluate(&g, &n, back, &data, order, nte, NULL, 0.0, &err) == NNV_OK, "%s", err.message);
        ck_assert_int_eq(g[0].n_frames, nte);
        bad += !tu_close(sqrt(g[0].sse_e / g[0].n_e), rep.rmse_e[2], 1e-12, 1e-8);
        bad += !tu_close(sqrt(g[0].sse_f / g[0].n_f), rep.rmse_f[2], 1e-12, 1e-8);
        bad += !tu_close(sqrt(g[0].sse_mu / g[0].n_mu), rep.rmse_mu[2], 1e-12, 1e-8);
        ck_assert_msg(bad == 0, "test split RMSEs %g %g %g, trainer %g %g %g", sqrt(g[0].sse_e / g[0].n_e),
                      sqrt(g[0].sse_f / g[0].n_f), sqrt(g[0].sse_mu / g[0].n_mu), rep.rmse_e[2], rep.rmse_f[2],
                      rep.rmse_mu[2]);
        free(g);
        /* the validation part follows the test part */
        ck_assert_msg(train_evaluate(&g, &n, back, &data, order + nte, nva, NULL, 0.0, &err) == NNV_OK, "%s",
                      err.message);
        ck_assert(tu_close(sqrt(g[0].sse_f / g[0].n_f), rep.rmse_f[1], 1e-12, 1e-8));
        free(g);
    }
    unlink(path);
    rmdir(dir);
    nnv_potential_free(back);
    nnv_potential_free(pot);
    ds_free(&data);
}
END_TEST

/* The annealing schedules set the rate of each epoch from the budget alone:
 * lr first, lr_min last, geometric (exp) or arithmetic (cosine) mean halfway,
 * and no early stop when validation stalls before the budget is spent. */
typedef struct rates {
    int n;
    double lr[8];
} rates;

static void on_rate(void *ctx, const train_epoch *ep)
{
    rates *r = ctx;
    if (r->n < 8) r->lr[r->n] = ep->lr;
    r->n++;
}

START_TEST(test_lr_schedules)
{
    static const int Z[3] = {1, 6, 8};
    static const int kinds[2] = {TRAIN_LR_EXP, TRAIN_LR_COSINE};
    ds_set data;
    sfgen_options so;
    train_options o;
    train_report rep;
    nnv_error err;

    make_set(&data, 20, 7);
    sfgen_defaults(&so);
    so.n_radial = 2;
    so.n_ang_eta = 1;
    so.rc = 4.0;
    for (int k = 0; k < 2; k++) {
        nnv_potential *pot = NULL;
        rates r = {0, {0}};
        train_defaults(&o);
        o.hidden[0] = o.hidden[1] = 4;
        o.epochs = 5;
        o.batch = 4;
        o.lr = 4e-3;
        o.lr_min = 1e-3;
        o.lr_patience = 1; /* the plateau rule would halve after any stall; the schedule ignores it */
        o.patience = 1000;
        o.lr_schedule = kinds[k];
        ck_assert_msg(train_run(&pot, &data, 3, Z, &so, &o, on_rate, &r, &rep, &err) == NNV_OK, "%s", err.message);
        ck_assert_int_eq(r.n, 5);
        ck_assert_double_eq_tol(r.lr[0], 4e-3, 1e-15);
        ck_assert_double_eq_tol(r.lr[4], 1e-3, 1e-15);
        ck_assert_double_eq_tol(r.lr[2], kinds[k] == TRAIN_LR_EXP ? 2e-3 : 2.5e-3, 1e-15);
        for (int e = 1; e < 5; e++) ck_assert(r.lr[e] < r.lr[e - 1]);
        ck_assert_ptr_nonnull(strstr(pot->description, kinds[k] == TRAIN_LR_EXP ? "exponential schedule to 0.001 over 5"
                                                                                 : "cosine schedule to 0.001 over 5"));
        nnv_potential_free(pot);
    }
    ds_free(&data);
}
END_TEST

/* A slice of the committed GFN2-xTB data set reads and trains. */
START_TEST(test_committed_data)
{
    char path[1024];
    ds_set all, part;
    nnv_error err;
    snprintf(path, sizeof path, "%s/weights/data/gfn2xtb-hcno.extxyz.gz", tu_srcdir());
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "test_committed_data: SKIP: %s not present\n", path);
        return;
    }
    ck_assert_msg(ds_read(&all, path, NULL, &err) == NNV_OK, "%s", err.message);
    ck_assert(all.n_frames > 0);
    memset(&part, 0, sizeof part);
    for (int f = 0; f < all.n_frames; f++) {
        ck_assert(all.frames[f].has_energy && all.frames[f].forces);
        if (f % (all.n_frames / 40 + 1) == 0) ds_append(&part, &all.frames[f], NULL);
    }
    {
        int seen_z[NNV_MAX_Z + 1] = {0}, Z[NNV_MAX_Z], nZ = 0;
        sfgen_options so;
        train_options o;
        train_report rep;
        nnv_potential *pot = NULL;
        seen sn = {0, 0.0, INFINITY};
        for (int f = 0; f < part.n_frames; f++)
            for (int i = 0; i < part.frames[f].n_atoms; i++) seen_z[part.frames[f].Z[i]] = 1;
        for (int z = 1; z <= NNV_MAX_Z; z++)
            if (seen_z[z]) Z[nZ++] = z;
        sfgen_defaults(&so);
        so.n_radial = 4;
        so.n_ang_eta = 1;
        train_defaults(&o);
        o.hidden[0] = o.hidden[1] = 8;
        o.epochs = 8;
        o.batch = 4;
        o.val_frac = 0.2;
        ck_assert_msg(train_run(&pot, &part, nZ, Z, &so, &o, on_epoch, &sn, &rep, &err) == NNV_OK, "%s",
                      err.message);
        ck_assert_msg(sn.best < sn.first, "validation loss %g -> %g", sn.first, sn.best);
        nnv_potential_free(pot);
    }
    ds_free(&part);
    ds_free(&all);
}
END_TEST

/* ---- committees -------------------------------------------------------------------- */

static void committee_options(train_options *o, sfgen_options *so)
{
    toy_options(o, so, 5, 5, NNV_ACT_TANH);
    o->epochs = 6;
    o->batch = 8;
    o->lr = 3e-3;
    o->seed = 21;
}

START_TEST(test_committee_training)
{
    /* K members share the split and the scaling and differ in their weights;
     * member m is exactly train_run with member = m; the spread is calibrated
     * on validation (mean (error/spread)^2 = 1 there), and a bootstrap changes
     * what a member learns. */
    static const int Z[3] = {1, 6, 8};
    ds_set data;
    sfgen_options so;
    train_options o;
    train_report reps[3], r1;
    nnv_potential *c = NULL, *m1 = NULL, *alone = NULL, *boot = NULL, *bm1 = NULL;
    nnv_error err;
    train_eval_group *g = NULL;
    int ng, order[40], nva, nte;
    uint64_t st;
    double scale = 0.0;
    make_set(&data, 40, 8);
    committee_options(&o, &so);
    ck_assert_msg(train_committee(&c, &data, 3, Z, &so, &o, 3, NULL, reps, &scale, &err) == NNV_OK, "%s",
                  err.message);
    ck_assert_int_eq(c->n_members, 3);
    ck_assert_int_eq(c->committee_kind, NNV_COMMITTEE_FULL);
    ck_assert(isfinite(scale) && scale > 0.0 && c->spread_scale == scale);
    for (int k = 1; k < 3; k++) {
        ck_assert_int_eq(reps[k].n_train, reps[0].n_train);
        ck_assert_int_eq(reps[k].n_val, reps[0].n_val);
        ck_assert(!toy_same_network(&c->elements[0].members[k], &c->elements[0].members[0]));
    }
    /* member 1 alone */
    o.member = 1;
    ck_assert_int_eq(train_run(&alone, &data, 3, Z, &so, &o, NULL, NULL, &r1, &err), NNV_OK);
    ck_assert_int_eq(nnv_committee_member(&m1, c, 0, &err), NNV_OK);
    for (int e = 0; e < 3; e++) {
        ck_assert(toy_same_network(&m1->elements[e].energy, &alone->elements[e].energy));
        for (int k = 0; k < alone->elements[e].n_sf; k++) {
            ck_assert(m1->elements[e].sf[k].shift == alone->elements[e].sf[k].shift);
            ck_assert(m1->elements[e].sf[k].scale == alone->elements[e].sf[k].scale);
        }
    }
    /* the calibration: on the validation frames, mean (error/spread)^2 = 1 */
    st = o.seed;
    train_split(40, o.val_frac, o.test_frac, &st, order, &nva, &nte);
    ck_assert_int_gt(nva, 0);
    ck_assert_int_eq(train_evaluate(&g, &ng, c, &data, order + nte, nva, NULL, 0.0, &err), NNV_OK);
    ck_assert_int_gt(g[0].n_sigma, 0);
    ck_assert_msg(fabs(g[0].sum_z2 / g[0].n_sigma - 1.0) < 1e-9, "mean z^2 %.12g", g[0].sum_z2 / g[0].n_sigma);
    ck_assert(g[0].n_within1 <= g[0].n_within2 && g[0].n_within2 <= g[0].n_sigma);
    ck_assert(g[0].spearman >= -1.0 && g[0].spearman <= 1.0);
    free(g);
    /* a plain potential has no spread */
    ck_assert_int_eq(train_evaluate(&g, &ng, alone, &data, NULL, 0, NULL, 0.0, &err), NNV_OK);
    ck_assert_int_eq(g[0].n_sigma, 0);
    ck_assert(isnan(g[0].spearman));
    free(g);
    ck_assert_int_eq(train_spread_scale(alone, &data, NULL, 0, &scale, &err), NNV_EINPUT);
    /* bootstrap: member 1 trains on another sample */
    o.member = 0;
    o.bootstrap = 1;
    ck_assert_int_eq(train_committee(&boot, &data, 3, Z, &so, &o, 2, NULL, reps, &scale, &err), NNV_OK);
    ck_assert_int_eq(nnv_committee_member(&bm1, boot, 0, &err), NNV_OK);
    ck_assert(!toy_same_network(&bm1->elements[0].energy, &alone->elements[0].energy));
    ck_assert_ptr_nonnull(strstr(boot->description, "bootstrap"));
    nnv_potential_free(boot);
    /* refusals, with nothing made */
    ck_assert_int_eq(train_committee(&boot, &data, 3, Z, &so, &o, 1, NULL, reps, &scale, &err), NNV_EUSAGE);
    ck_assert_ptr_null(boot);
    o.init = alone;
    ck_assert_int_eq(train_committee(&boot, &data, 3, Z, &so, &o, 2, NULL, reps, &scale, &err), NNV_EUSAGE);
    ck_assert_ptr_null(boot);
    nnv_potential_free(bm1);
    nnv_potential_free(m1);
    nnv_potential_free(alone);
    nnv_potential_free(c);
    ds_free(&data);
}
END_TEST

/* The program end to end: exit statuses of docs/exit-status.md and a tiny run. */
static int run(const char *bin, const char *args)
{
    char cmd[2400];
    int st;
    snprintf(cmd, sizeof cmd, "'%s' %s >/dev/null 2>&1", bin, args);
    st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(test_cli)
{
    const char *bdir = getenv("NNVIB_BUILDDIR");
    char bin[1024], dir[] = "/tmp/nnvib-test-train-XXXXXX", data[128], out[128], out2[160], args[1200];
    ds_set set;
    nnv_error err;
    nnv_potential *p = NULL;
    snprintf(bin, sizeof bin, "%s/nnvib-train", bdir ? bdir : ".");
    if (access(bin, X_OK) != 0) {
        fprintf(stderr, "test_cli: SKIP: %s not built\n", bin);
        return;
    }
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(data, sizeof data, "%s/toy.extxyz", dir);
    snprintf(out, sizeof out, "%s/toy.bin", dir);
    make_set(&set, 30, 3);
    {
        /* sampling temperatures, one frame in four without any, for --by T */
        static const char *const T[4] = {"molecule=toy T=1000", "molecule=toy T=300", "molecule=toy", "T=0"};
        for (int f = 0; f < set.n_frames; f++) {
            free(set.frames[f].info);
            set.frames[f].info = strdup(T[f % 4]);
        }
    }
    ck_assert_int_eq(ds_write(&set, data, &err), NNV_OK);
    ck_assert_int_eq(run(bin, "--help"), 0);
    ck_assert_int_eq(run(bin, ""), 2);
    ck_assert_int_eq(run(bin, "--bogus x -o y"), 2);
    snprintf(args, sizeof args, "--epochs 0 '%s' -o '%s'", data, out);
    ck_assert_int_eq(run(bin, args), 2);
    snprintf(args, sizeof args, "--activation sigmoid '%s' -o '%s'", data, out);
    ck_assert_int_eq(run(bin, args), 2);
    snprintf(args, sizeof args, "--lr-schedule linear '%s' -o '%s'", data, out);
    ck_assert_int_eq(run(bin, args), 2);
    snprintf(args, sizeof args, "--init /nonexistent.bin '%s' -o '%s'", data, out);
    ck_assert_int_eq(run(bin, args), 3);
    snprintf(args, sizeof args, "--keep-scaling '%s' -o '%s'", data, out);
    ck_assert_int_eq(run(bin, args), 2); /* --keep-scaling without --init */
    snprintf(args, sizeof args, "--keep-scaling=yes '%s' -o '%s'", data, out);
    ck_assert_int_eq(run(bin, args), 2);
    snprintf(args, sizeof args, "--rc 4 --rc-angular 4.5 '%s' -o '%s'", data, out);
    ck_assert_int_eq(run(bin, args), 2); /* angular shells beyond the cutoff */
    snprintf(args, sizeof args, "--angular-shells 17 '%s' -o '%s'", data, out);
    ck_assert_int_eq(run(bin, args), 2);
    snprintf(args, sizeof args, "--extra-train /nonexistent.extxyz '%s' -o '%s'", data, out);
    ck_assert_int_eq(run(bin, args), 3);
    ck_assert_int_eq(run(bin, "/nonexistent/d.extxyz -o /tmp/x.bin"), 3);
    snprintf(args, sizeof args, "'%s' -o /nonexistent/dir/x.bin", data);
    ck_assert_int_eq(run(bin, args), 5);
    snprintf(args, sizeof args, "--elements H,C '%s' -o '%s'", data, out);
    ck_assert_int_eq(run(bin, args), 3); /* the data has O too */
    ck_assert_int_ne(access(out, F_OK), 0);
    snprintf(args, sizeof args,
             "-q --epochs 3 --lr-schedule cosine --hidden 4 --radial 2 --angular-eta 0 --activation gelu '%s' -o '%s'",
             data, out);
    ck_assert_int_eq(run(bin, args), 0);
    ck_assert_int_eq(nnv_potential_read(&p, out, &err), NNV_OK);
    ck_assert_int_eq(p->n_elements, 3);
    ck_assert_int_eq(p->elements[0].energy.layers[0].activation, NNV_ACT_GELU);
    nnv_potential_free(p);
    snprintf(args, sizeof args, "--evaluate '%s' --by molecule '%s'", out, data);
    ck_assert_int_eq(run(bin, args), 0);
    /* Angular shells end to end: their own cutoff in the file. */
    {
        int n_short = 0;
        snprintf(out2, sizeof out2, "%s/shells.bin", dir);
        snprintf(args, sizeof args,
                 "-q --epochs 1 --hidden 4 --radial 2 --angular-eta 0 --angular-shells 2 --rc-angular 3.5 '%s' -o '%s'",
                 data, out2);
        ck_assert_int_eq(run(bin, args), 0);
        ck_assert_int_eq(nnv_potential_read(&p, out2, &err), NNV_OK);
        for (int k = 0; k < p->elements[0].n_sf; k++)
            n_short += p->elements[0].sf[k].type == NNV_SF_ANGULAR_WIDE && p->elements[0].sf[k].rc == 3.5;
        ck_assert_int_gt(n_short, 0);
        nnv_potential_free(p);
        p = NULL;
    }
    /* The refinement path end to end: the toy set again as training-only frames. */
    {
        snprintf(out2, sizeof out2, "%s/refined.bin", dir);
        snprintf(args, sizeof args,
                 "-q --epochs 1 --lr-schedule cosine --hidden 4 --radial 2 --angular-eta 0 --activation gelu "
                 "--init '%s' --keep-scaling --extra-train '%s' '%s' -o '%s'",
                 out, data, data, out2);
        ck_assert_int_eq(run(bin, args), 0);
        ck_assert_int_eq(nnv_potential_read(&p, out2, &err), NNV_OK);
        ck_assert_ptr_nonnull(strstr(p->description, "plus 30 training-only configurations"));
        nnv_potential_free(p);
        snprintf(args, sizeof args, "--evaluate '%s' --extra-train '%s' '%s'", out, data, data);
        ck_assert_int_eq(run(bin, args), 2); /* a training option */
    }
    /* committees end to end */
    snprintf(args, sizeof args, "--bootstrap '%s' -o '%s'", data, out2);
    ck_assert_int_eq(run(bin, args), 2); /* --bootstrap without --committee */
    snprintf(args, sizeof args, "--committee 1 '%s' -o '%s'", data, out2);
    ck_assert_int_eq(run(bin, args), 2);
    snprintf(args, sizeof args, "--committee 2 --init '%s' '%s' -o '%s'", out, data, out2);
    ck_assert_int_eq(run(bin, args), 2);
    snprintf(args, sizeof args, "-q --epochs 2 --hidden 4 --radial 2 --angular-eta 0 --committee 2 --bootstrap '%s' -o '%s'",
             data, out2);
    ck_assert_int_eq(run(bin, args), 0);
    ck_assert_int_eq(nnv_potential_read(&p, out2, &err), NNV_OK);
    ck_assert_int_eq(p->n_members, 2);
    ck_assert(p->spread_scale > 0.0);
    nnv_potential_free(p);
    snprintf(args, sizeof args, "--evaluate '%s' '%s'", out2, data);
    ck_assert_int_eq(run(bin, args), 0);
    snprintf(args, sizeof args, "--evaluate '%s' -o '%s' '%s'", out, out, data);
    ck_assert_int_eq(run(bin, args), 2); /* training options are refused */
    snprintf(args, sizeof args, "--by T '%s' -o '%s'", data, out);
    ck_assert_int_eq(run(bin, args), 2); /* --by without --evaluate */
    snprintf(args, sizeof args, "--evaluate '%s' --split test --seed 1 --test-frac 0.2 --by T '%s'", out, data);
    ck_assert_int_eq(run(bin, args), 0);
    {
        /* --by T rows sorted numerically (0 < 300 < 1000), configurations without T last */
        char cmd[1400], line[256], order[64] = "";
        FILE *pipe;
        snprintf(cmd, sizeof cmd, "'%s' --evaluate '%s' --by T '%s' 2>/dev/null", bin, out, data);
        pipe = popen(cmd, "r");
        ck_assert_ptr_nonnull(pipe);
        while (fgets(line, sizeof line, pipe))
            if (strncmp(line, "T=", 2) == 0 && strlen(order) + 16 < sizeof order)
                strncat(order, line, strcspn(line, " ") + 1);
        ck_assert_int_eq(pclose(pipe), 0);
        ck_assert_str_eq(order, "T=0 T=300 T=1000 T=(none) ");
    }
    snprintf(args, sizeof args, "--evaluate '%s' --seed 1 '%s'", out, data);
    ck_assert_int_eq(run(bin, args), 2); /* a split option without --split */
    snprintf(args, sizeof args, "--evaluate '%s' --split tests '%s'", out, data);
    ck_assert_int_eq(run(bin, args), 2);
    snprintf(args, sizeof args, "--split val '%s' -o '%s'", data, out);
    ck_assert_int_eq(run(bin, args), 2); /* --split without --evaluate */
    snprintf(args, sizeof args, "--evaluate '%s' --by 'a b' '%s'", out, data);
    ck_assert_int_eq(run(bin, args), 2);
    snprintf(args, sizeof args, "--evaluate /nonexistent.bin '%s'", data);
    ck_assert_int_eq(run(bin, args), 3);
    unlink(out);
    unlink(out2);
    unlink(data);
    rmdir(dir);
    ds_free(&set);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("train_run");
    TCase *tc = tcase_create("train_run");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_training_run);
    tcase_add_test(tc, test_lr_schedules);
    tcase_add_test(tc, test_committee_training);
    tcase_add_test(tc, test_committed_data);
    tcase_add_test(tc, test_cli);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
