/* nnvib-train: trains a Behler–Parrinello potential (weights.bin) on an
 * extended-XYZ data set of energies, forces and dipoles; options validated
 * before any work, exit statuses as docs/exit-status.md. */
#define _POSIX_C_SOURCE 200809L /* mkstemp */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "train.h"

enum { EXIT_INTERNAL = CLI_EXIT_INTERNAL, EXIT_USAGE = CLI_EXIT_USAGE, EXIT_INPUT = CLI_EXIT_INPUT,
       EXIT_NUMERIC = CLI_EXIT_NUMERIC, EXIT_WRITE = CLI_EXIT_OUTPUT };

/* The trainer's products are small and run on OpenMP threads, one chunk of
 * configurations each: OpenBLAS's own threads would only oversubscribe the
 * cores. Weak, so that any other BLAS links too; NULL then. */
extern void openblas_set_num_threads(int) __attribute__((weak));

typedef struct cli {
    const char *data, *output, *log, *evaluate, *by, *init, *extra, *select;
    al_select_options sel;    /* --select's thresholds and cap */
    const char *add_novelty;  /* --add-novelty FILE: no training, statistics only */
    double novelty_ridge;
    int split;                /* --split: 0 none, 1 train, 2 val, 3 test */
    int quiet;
    int committee;            /* --committee K: members (0: one potential) */
    int shallow;              /* --shallow: the committee as one shallow ensemble */
    const train_committee_progress *cp; /* which member is training */
    FILE *logf;
    double seconds_last;
} cli;

/* "  H.v %.3f eV/A^2" for a number, "" for NAN. */
static const char *hv_text(double rmse, char *buf, size_t len)
{
    if (isnan(rmse)) return "";
    snprintf(buf, len, "  H.v %.3f eV/A^2", rmse);
    return buf;
}

static void progress(void *ctx, const train_epoch *ep)
{
    cli *c = ctx;
    char hv[48];
    int member = c->cp ? c->cp->member : 0;
    if (!c->quiet && member) fprintf(stderr, "member %d/%d  ", member, c->cp->n_members);
    if (!c->quiet)
        fprintf(stderr, "epoch %4d  lr %.2e  loss %.4e  val %.4e  E %7.3f meV/atom  F %7.2f meV/A%s%s%s  %6.1f s\n",
                ep->epoch, ep->lr, ep->train_loss, ep->val_loss, 1e3 * ep->val_rmse_e, 1e3 * ep->val_rmse_f,
                isnan(ep->val_rmse_mu) ? "" : "  mu", hv_text(ep->val_rmse_hv, hv, sizeof hv), ep->best ? "  *" : "",
                ep->seconds);
    if (c->logf)
        fprintf(c->logf, "%d,%.6e,%.8e,%.8e,%.6f,%.6f,%.6f,%.2f,%.6f,%.1f,%d\n", ep->epoch, ep->lr, ep->train_loss,
                ep->val_loss, 1e3 * ep->val_rmse_e, 1e3 * ep->val_rmse_f, ep->val_rmse_mu, ep->seconds,
                ep->val_rmse_hv, ep->conf_per_s, member);
    /* Line by line, so a long run can be watched (tail -f). */
    if (c->logf) fflush(c->logf);
}

/* Elements from a comma list (ascending, distinct after sorting). */
static int parse_elements(const char *s, int *Z, int *n)
{
    char buf[16];
    *n = 0;
    while (*s) {
        size_t len = strcspn(s, ",");
        int z;
        if (len == 0 || len >= sizeof buf) return -1;
        memcpy(buf, s, len);
        buf[len] = 0;
        z = nnv_element_from_symbol(buf);
        if (z < 1 || *n >= NNV_MAX_Z) return -1;
        for (int k = 0; k < *n; k++)
            if (Z[k] == z) return -1;
        Z[(*n)++] = z;
        s += len;
        if (*s == ',') {
            s++;
            if (!*s) return -1;
        }
    }
    for (int i = 1; i < *n; i++)
        for (int j = i; j > 0 && Z[j - 1] > Z[j]; j--) {
            int t = Z[j];
            Z[j] = Z[j - 1];
            Z[j - 1] = t;
        }
    return *n > 0 ? 0 : -1;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* One RMSE column and, when max >= 0, its largest error (meV units); "-"
 * where there is nothing to average. */
static void print_rmse(int n, double sse, double max, int prec_rmse, int prec_max)
{
    if (n) printf(" %9.*f", prec_rmse, 1e3 * sqrt(sse / n));
    else printf(" %9s", "-");
    if (n && max >= 0.0) printf(" %9.*f", prec_max, 1e3 * max);
    else printf(" %9s", "-");
}

static void print_group(const train_eval_group *g, const char *key, int with_hv)
{
    char label[96];
    if (key && strcmp(g->name, "all") != 0) snprintf(label, sizeof label, "%s=%s", key, *g->name ? g->name : "(none)");
    else snprintf(label, sizeof label, "%s", g->name);
    printf("%-20s %8d %8d", label, g->n_frames, g->n_atoms);
    print_rmse(g->n_e, g->sse_e, g->max_e, 3, 3);
    print_rmse(g->n_f, g->sse_f, g->max_f, 2, 1);
    if (g->n_mu) printf(" %9.4f", sqrt(g->sse_mu / g->n_mu));
    else printf(" %9s", "-");
    printf(" %8d", g->n_extrapolating);
    if (with_hv) {
        if (g->n_hv) printf(" %9.4f", sqrt(g->sse_hv / g->n_hv));
        else printf(" %9s", "-");
    }
    printf("\n");
}

/* The whole set without its extrapolating configurations (no maxima kept). */
static void print_in_range(const train_eval_group *g)
{
    printf("%-20s %8d %8s", "all in range", g->n_frames_in, "-");
    print_rmse(g->n_e_in, g->sse_e_in, -1.0, 3, 3);
    print_rmse(g->n_f_in, g->sse_f_in, -1.0, 2, 1);
    printf(" %9s %8d\n", "-", 0);
}

/* Group rows in a reading order: by value, numerically when every value is a
 * number (T=100 before T=1000), configurations without the key last. */
static int numeric_value(const char *s, double *v)
{
    char *end;
    if (!*s) return 0;
    *v = strtod(s, &end);
    return *end == 0 && isfinite(*v);
}

static int group_order_text(const void *pa, const void *pb)
{
    const train_eval_group *a = pa, *b = pb;
    if (!*a->name || !*b->name) return (!*a->name) - (!*b->name);
    return strcmp(a->name, b->name);
}

static int group_order_numeric(const void *pa, const void *pb)
{
    const train_eval_group *a = pa, *b = pb;
    double x, y;
    if (!*a->name || !*b->name || !numeric_value(a->name, &x) || !numeric_value(b->name, &y))
        return group_order_text(pa, pb);
    return (x > y) - (x < y);
}

static void sort_groups(train_eval_group *g, int n)
{
    int numeric = 1;
    double v;
    for (int k = 0; k < n; k++) numeric &= !*g[k].name || numeric_value(g[k].name, &v);
    if (n > 1) qsort(g, (size_t)n, sizeof *g, numeric ? group_order_numeric : group_order_text);
}

/* --evaluate: score a finished potential; the groups make visible where the
 * error lives (hot configurations, one hard molecule) behind one test RMSE. */
/* The committee's spread against its error, from train_evaluate's sums. */
static void print_spread(const train_eval_group *g)
{
    if (g->n_sigma == 0) return;
    printf("# committee force spread per atom (calibrated) against the error |dF|/sqrt(3): mean (error/spread)^2 %.3f "
           "(1 = calibrated), within 1 spread %.1f %%, within 2 spreads %.1f %%, Spearman rank correlation %.3f, "
           "over %d atoms\n",
           g->sum_z2 / g->n_sigma, 100.0 * g->n_within1 / g->n_sigma, 100.0 * g->n_within2 / g->n_sigma,
           g->spearman, g->n_sigma);
}

/* --committee: K members one after another, the progress lines naming each. */
static int train_members(cli *c, nnv_potential **pot, const ds_set *data, int nZ, const int *Z,
                         const sfgen_options *sfo, const train_options *o, train_report *rep, nnv_error *err)
{
    train_committee_progress cp = {0, c->committee, progress, c};
    train_report *reps = calloc((size_t)c->committee, sizeof *reps);
    double scale = 0.0;
    int st;
    if (!reps) return nnv_error_set(err, NNV_ENOMEM, "out of memory");
    c->cp = &cp;
    st = train_committee(pot, data, nZ, Z, sfo, o, c->committee, &cp, reps, &scale, err);
    c->cp = NULL;
    if (st == NNV_OK) {
        for (int k = 0; k < c->committee; k++)
            if (!c->quiet)
                fprintf(stderr, "member %d: %d epochs (best %d), %.1f s, test RMSE energy %.3f meV/atom, forces %.2f meV/A\n",
                        k + 1, reps[k].epochs, reps[k].best_epoch, reps[k].seconds, 1e3 * reps[k].rmse_e[2],
                        1e3 * reps[k].rmse_f[2]);
        *rep = reps[0];
    }
    free(reps);
    return st;
}

/* The committee's mean and spread on the test part of the split. */
static int committee_test(const cli *c, const nnv_potential *pot, const ds_set *data, const train_options *o,
                          nnv_error *err)
{
    int ns = o->n_split > 0 ? o->n_split : data->n_frames, nva, nte, n = 0, st;
    int *order = malloc((size_t)(ns > 0 ? ns : 1) * sizeof *order);
    uint64_t state = o->seed;
    train_eval_group *g = NULL;
    (void)c;
    if (!order) return nnv_error_set(err, NNV_ENOMEM, "out of memory");
    train_split(ns, o->val_frac, o->test_frac, &state, order, &nva, &nte);
    if (nte == 0) {
        free(order);
        return NNV_OK;
    }
    st = train_evaluate(&g, &n, pot, data, order, nte, NULL, 0.0, err);
    if (st == NNV_OK) {
        printf("committee mean, test RMSE: energy %.3f meV/atom, forces %.2f meV/A\n",
               1e3 * sqrt(g[0].sse_e / (g[0].n_e ? g[0].n_e : 1)), 1e3 * sqrt(g[0].sse_f / (g[0].n_f ? g[0].n_f : 1)));
        print_spread(&g[0]);
    }
    free(g);
    free(order);
    return st;
}

static int evaluate(const cli *c, const train_options *o)
{
    static const char *const part_names[4] = {"", "training", "validation", "test"};
    nnv_error err = {0, ""};
    ds_set data = {0, 0, NULL};
    nnv_potential *pot = NULL;
    train_eval_group *g = NULL;
    int *order = NULL, *idx = NULL, n_idx = 0, n = 0, st, rc = 0;
    if ((st = nnv_potential_read(&pot, c->evaluate, &err)) != NNV_OK) goto fail;
    if ((st = ds_read(&data, c->data, NULL, &err)) != NNV_OK) goto fail;
    n_idx = data.n_frames;
    if (c->split) {
        uint64_t state = o->seed;
        int nva, nte;
        if (!(order = malloc((size_t)(data.n_frames > 0 ? data.n_frames : 1) * sizeof *order))) {
            st = nnv_error_set(&err, NNV_ENOMEM, "out of memory");
            goto fail;
        }
        train_split(data.n_frames, o->val_frac, o->test_frac, &state, order, &nva, &nte);
        idx = c->split == 3 ? order : c->split == 2 ? order + nte : order + nte + nva;
        n_idx = c->split == 3 ? nte : c->split == 2 ? nva : data.n_frames - nte - nva;
    }
    if ((st = train_evaluate(&g, &n, pot, &data, idx, n_idx, c->by, 0.0, &err)) != NNV_OK) goto fail;
    sort_groups(g + 1, n - 1);
    if (c->split)
        printf("# %s on the %s part of %s (seed %llu, fractions val %g test %g): %d of %d configurations "
               "(predictions by nnv_compute)\n",
               c->evaluate, part_names[c->split], c->data, (unsigned long long)o->seed, o->val_frac, o->test_frac,
               n_idx, data.n_frames);
    else
        printf("# %s on %s: %d configurations (predictions by nnv_compute)\n", c->evaluate, c->data, data.n_frames);
    printf("%-20s %8s %8s %9s %9s %9s %9s %9s %8s%s\n", "# group", "configs", "atoms", "E rmse", "E max", "F rmse",
           "F max", "mu rmse", "extrap", g[0].n_hv ? "   Hv rmse" : "");
    printf("%-20s %8s %8s %9s %9s %9s %9s %9s %8s%s\n", "#", "", "", "meV/atom", "meV/atom", "meV/A", "meV/A", "e*A",
           "configs", g[0].n_hv ? "    eV/A^2" : "");
    for (int k = 0; k < n; k++) {
        print_group(&g[k], c->by, g[0].n_hv > 0);
        /* What is left without the extrapolating configurations: how well the
         * potential interpolates, apart from the few configurations it cannot know. */
        if (k == 0) print_in_range(g);
    }
    print_spread(&g[0]);
    if (fflush(stdout) != 0 || ferror(stdout)) rc = EXIT_WRITE;
    goto cleanup;
fail:
    fprintf(stderr, "nnvib-train: %s\n", err.message);
    rc = st == NNV_ENOMEM ? EXIT_INTERNAL : EXIT_INPUT;
cleanup:
    free(g);
    free(order);
    ds_free(&data);
    nnv_potential_free(pot);
    return rc;
}

/* What the option callbacks fill besides the two option structs. */
typedef struct parse_ctx {
    train_options *o;
    int *Z, *nZ;
} parse_ctx;

static int take_elements(void *ctx, const char *val, char *msg, size_t msglen)
{
    parse_ctx *pc = ctx;
    (void)msg, (void)msglen;
    return parse_elements(val, pc->Z, pc->nZ) == 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
}

/* --hidden 32,32: 1..TR_MAX_HIDDEN widths of 1..4096. */
static int take_hidden(void *ctx, const char *val, char *msg, size_t msglen)
{
    train_options *o = ((parse_ctx *)ctx)->o;
    const char *s = val;
    (void)msg, (void)msglen;
    o->n_hidden = 0;
    while (*s) {
        char buf[16];
        size_t len = strcspn(s, ",");
        long w;
        if (len == 0 || len >= sizeof buf || o->n_hidden >= TR_MAX_HIDDEN) return CLI_EXIT_USAGE;
        memcpy(buf, s, len);
        buf[len] = 0;
        if (args_long(buf, 1, 4096, &w) != 0) return CLI_EXIT_USAGE;
        o->hidden[o->n_hidden++] = (int)w;
        s += len;
        if (*s == ',' && !*++s) return CLI_EXIT_USAGE;
    }
    return o->n_hidden > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
}

/* A hidden activation: "identity" is a code of the format but not offered. */
static int take_activation(void *ctx, const char *val, char *msg, size_t msglen)
{
    train_options *o = ((parse_ctx *)ctx)->o;
    int a = nnv_activation_from_name(val);
    (void)msg, (void)msglen;
    if (a < 0 || a == NNV_ACT_IDENTITY) return CLI_EXIT_USAGE;
    o->activation = a;
    return CLI_EXIT_OK;
}

/* A comment key for --by: no '=', blank or quote, at most 60 bytes. */
static int take_by(void *ctx, const char *val, char *msg, size_t msglen)
{
    cli *c = ctx;
    (void)msg, (void)msglen;
    if (!*val || strlen(val) > 60 || strpbrk(val, "= \t\"")) return CLI_EXIT_USAGE;
    c->by = val;
    return CLI_EXIT_OK;
}

static int take_teacher(void *ctx, const char *val, char *msg, size_t msglen)
{
    train_options *o = ((parse_ctx *)ctx)->o;
    (void)msg, (void)msglen;
    if (!*val || strlen(val) > 200) return CLI_EXIT_USAGE;
    o->teacher = val;
    return CLI_EXIT_OK;
}

/* Every option into c, o and sfo, then the rules between them (evaluation
 * takes no training option; a split option needs --split there). */
static int parse(cli *c, train_options *o, sfgen_options *sfo, int *Z, int *nZ, int argc, char **argv, char *msg,
                 size_t msglen)
{
    static const arg_choice cutoffs[] = {{"poly2", NNV_CUTOFF_POLY2}, {"cos", NNV_CUTOFF_COS},
                                         {"tanhu", NNV_CUTOFF_TANHU}, {NULL, 0}};
    static const arg_choice schedules[] = {{"plateau", TRAIN_LR_PLATEAU}, {"exp", TRAIN_LR_EXP},
                                           {"cosine", TRAIN_LR_COSINE}, {NULL, 0}};
    static const arg_choice parts[] = {{"train", 1}, {"val", 2}, {"test", 3}, {NULL, 0}};
    enum { G_NONE, G_TRAIN, G_SPLIT, G_SELECT, G_OUTPUT };
    parse_ctx pc = {o, Z, nZ};
    int given[80] = {0}, n_pos = 0, st;
    const char **pos = NULL;
    arg_spec opts[] = {
        {.section = "Model:"},
        {.name = "elements", .kind = ARG_CALL, .metavar = "H,C,...", .help = "elements of the potential [those in the data]",
         .expect = "element symbols separated by commas, each once", .call = take_elements, .ctx = &pc},
        {.name = "hidden", .kind = ARG_CALL, .metavar = "32,32",
         .help = "hidden layer widths (1..8 layers, 1..4096 each) [32,32]",
         .expect = "1 to 8 widths of 1..4096 separated by commas", .call = take_hidden, .ctx = &pc},
        {.name = "activation", .kind = ARG_CALL, .metavar = "NAME", .help = "relu|softplus|tanh|silu|gelu|ssp|celu [tanh]",
         .expect = "relu, softplus, tanh, silu, gelu, ssp or celu", .call = take_activation, .ctx = &pc},
        {.name = "celu-alpha", .kind = ARG_DOUBLE, .dest = &o->act_param, .metavar = "A", .help = "celu's alpha, > 0 [1]",
         .expect = "a number > 0", .lo = 0, .hi = HUGE_VAL, .open = ARG_OPEN_LO},
        {.name = "cutoff", .kind = ARG_CHOICE, .dest = &sfo->cutoff, .metavar = "NAME",
         .help = "poly2|cos|tanhu cutoff of every symmetry function [poly2]", .choices = cutoffs},
        {.name = "rc", .kind = ARG_DOUBLE, .dest = &sfo->rc, .metavar = "R", .help = "cutoff radius in A, 2 < R <= 20 [5.5]",
         .expect = "a radius > 2 and <= 20 (A)", .lo = 2, .hi = 20, .open = ARG_OPEN_LO},
        {.name = "radial", .kind = ARG_INT, .dest = &sfo->n_radial, .metavar = "N",
         .help = "radial functions per neighbour element, 1..64 [8]", .expect = "an integer 1..64", .lo = 1, .hi = 64},
        {.name = "angular-eta", .kind = ARG_INT, .dest = &sfo->n_ang_eta, .metavar = "N",
         .help = "eta values of the angular functions, 0..16 [2]", .expect = "an integer 0..16", .lo = 0, .hi = 16},
        {.name = "angular-shells", .kind = ARG_INT, .dest = &sfo->n_ang_shells, .metavar = "N",
         .help = "shifted angular functions: N radial shells per element pair, 0..16 [0]",
         .expect = "an integer 0..16", .lo = 0, .hi = 16},
        {.name = "rc-angular", .kind = ARG_DOUBLE, .dest = &sfo->rc_ang, .metavar = "R",
         .help = "cutoff radius of the shifted angular functions in A, 2 < R <= --rc [--rc]",
         .expect = "a radius > 2 and <= 20 (A)", .lo = 2, .hi = 20, .open = ARG_OPEN_LO},
        {.section = "Training:"},
        {.name = "epochs", .kind = ARG_INT, .dest = &o->epochs, .metavar = "N", .help = "at most N epochs [1000]",
         .expect = "an integer 1..1000000", .lo = 1, .hi = 1000000},
        {.name = "batch", .kind = ARG_INT, .dest = &o->batch, .metavar = "N", .help = "configurations per mini-batch [32]",
         .expect = "an integer 1..1000000", .lo = 1, .hi = 1000000},
        {.name = "lr", .kind = ARG_DOUBLE, .dest = &o->lr, .metavar = "X", .help = "Adam learning rate, 0 < X <= 1 [0.001]",
         .expect = "a rate > 0 and <= 1", .lo = 0, .hi = 1, .open = ARG_OPEN_LO},
        {.name = "lr-schedule", .kind = ARG_CHOICE, .dest = &o->lr_schedule, .metavar = "NAME",
         .help = "plateau: halve the rate after --lr-patience epochs without\nvalidation gain, stop below --lr-min; "
                 "exp|cosine: anneal from\n--lr to --lr-min over --epochs [plateau]",
         .choices = schedules},
        {.name = "lr-min", .kind = ARG_DOUBLE, .dest = &o->lr_min, .metavar = "X",
         .help = "plateau: stop below X; exp|cosine: the last epoch's rate\n(0 means lr/1000) [1e-5]",
         .expect = "a rate from 0 to 1", .lo = 0, .hi = 1},
        {.name = "lr-patience", .kind = ARG_INT, .dest = &o->lr_patience, .metavar = "N",
         .help = "plateau: epochs without validation gain before halving [10]", .expect = "an integer 1..1000000",
         .lo = 1, .hi = 1000000},
        {.name = "patience", .kind = ARG_INT, .dest = &o->patience, .metavar = "N",
         .help = "stop after N epochs without validation gain [40]", .expect = "an integer 1..1000000", .lo = 1,
         .hi = 1000000},
        {.name = "energy-weight", .kind = ARG_DOUBLE, .dest = &o->energy_weight, .metavar = "X",
         .help = "weight of the per-atom energy MSE, eV^-2 [1]", .expect = "a weight >= 0", .lo = 0, .hi = HUGE_VAL},
        {.name = "force-weight", .kind = ARG_DOUBLE, .dest = &o->force_weight, .metavar = "X",
         .help = "weight of the force MSE, (eV/A)^-2 [0.1]", .expect = "a weight >= 0", .lo = 0, .hi = HUGE_VAL},
        {.name = "dipole-weight", .kind = ARG_DOUBLE, .dest = &o->dipole_weight, .metavar = "X",
         .help = "weight of the dipole MSE, (e*A)^-2; > 0 adds charge networks [0]", .expect = "a weight >= 0",
         .lo = 0, .hi = HUGE_VAL},
        {.name = "hvp-weight", .kind = ARG_DOUBLE, .dest = &o->hvp_weight, .metavar = "X",
         .help = "weight of the MSE of Hessian-vector products on the data's curvature labels "
                 "(hvp_probe_K/hvp_K columns), (eV/A^2)^-2 [0]",
         .expect = "a weight >= 0", .lo = 0, .hi = HUGE_VAL},
        {.name = "hvp-probes", .kind = ARG_INT, .dest = &o->hvp_probes, .metavar = "N",
         .help = "use at most N curvature probes of each configuration [all]", .expect = "an integer 1..100",
         .lo = 1, .hi = DS_MAX_HVP},
        {.name = "val-frac", .kind = ARG_DOUBLE, .dest = &o->val_frac, .metavar = "X",
         .help = "validation share of the configurations [0.1]", .expect = "a share >= 0 and < 0.5", .lo = 0,
         .hi = 0.5, .open = ARG_OPEN_HI},
        {.name = "test-frac", .kind = ARG_DOUBLE, .dest = &o->test_frac, .metavar = "X",
         .help = "test share of the configurations [0.1]", .expect = "a share >= 0 and < 0.5", .lo = 0, .hi = 0.5,
         .open = ARG_OPEN_HI},
        {.name = "seed", .kind = ARG_UINT64, .dest = &o->seed, .metavar = "N",
         .help = "seed of the split, the initial weights and the batches [1]"},
        {.name = "init", .kind = ARG_STRING, .dest = &c->init, .metavar = "FILE",
         .help = "start from FILE's weights (a potential nnvib-train wrote with the\nsame data set, seed and model "
                 "options) instead of random ones;\nwith --committee K: a committee of the same kind and K, each member\n"
                 "continuing from its own weights"},
        {.name = "keep-scaling", .kind = ARG_FLAG, .dest = &o->keep_scaling,
         .help = "with --init: keep FILE's symmetry functions and their scaling\n(only gmin/gmax are refitted), "
                 "e.g. to refine it on more data"},
        {.name = "committee", .kind = ARG_INT, .dest = &c->committee, .metavar = "K",
         .help = "train K full members (own initial weights and batch order, the same split and\nscaling) into "
                 "one committee file, its force spread calibrated on validation",
         .expect = "an integer 2..64", .lo = NNV_COMMITTEE_MIN, .hi = NNV_COMMITTEE_MAX},
        {.name = "bootstrap", .kind = ARG_FLAG, .dest = &o->bootstrap,
         .help = "with --committee: each member trains on a bootstrap resample of the training set"},
        {.name = "shallow", .kind = ARG_FLAG, .dest = &c->shallow,
         .help = "with --committee K: one shallow ensemble (shared hidden layers, K outputs)\ntrained in one run "
                 "with a spread-calibrating NLL loss"},
        {.name = "nll-weight", .kind = ARG_DOUBLE, .dest = &o->nll_weight, .metavar = "X",
         .help = "--shallow: weight of the force negative log-likelihood term [1e-3]", .expect = "a weight >= 0",
         .lo = 0, .hi = HUGE_VAL},
        {.name = "nll-warmup", .kind = ARG_INT, .dest = &o->nll_warmup, .metavar = "N",
         .help = "--shallow: epochs on the mean's MSE alone before the NLL term [10]",
         .expect = "an integer 0..1000000", .lo = 0, .hi = 1000000},
        {.name = "nll-floor", .kind = ARG_DOUBLE, .dest = &o->nll_floor, .metavar = "X",
         .help = "--shallow: floor of the force spread in the NLL term, eV/A [0.005]",
         .expect = "a spread > 0 and <= 10", .lo = 0, .hi = 10, .open = ARG_OPEN_LO},
        {.name = "novelty-ridge", .kind = ARG_DOUBLE, .dest = &c->novelty_ridge, .metavar = "R",
         .help = "ridge added to the covariance of the novelty statistics written\nwith the potential "
                 "(docs/novelty.md) [0.001]", .expect = "a number >= 0 and <= 1", .lo = 0, .hi = 1},
        {.name = "add-novelty", .kind = ARG_STRING, .dest = &c->add_novelty, .metavar = "FILE",
         .help = "no training: add novelty statistics from the training part of\nthe split (--seed, --val-frac, "
                 "--test-frac, --extra-train as the\ntraining used) to the potential FILE, written to -o"},
        {.name = "extra-train", .kind = ARG_STRING, .dest = &c->extra, .metavar = "FILE",
         .help = "more configurations (extended XYZ) for the training set only;\nthe validation and test sets stay "
                 "those of the data set"},
        {.name = "teacher", .kind = ARG_CALL, .metavar = "TEXT",
         .help = "method that labelled the data, for the file's description [unknown]",
         .expect = "a text of 1 to 200 bytes", .call = take_teacher, .ctx = &pc},
        {.section = "Output:"},
        {.name = "output", .short_name = 'o', .kind = ARG_STRING, .dest = &c->output, .metavar = "FILE",
         .help = "the potential (written complete or not at all); required"},
        {.name = "log", .kind = ARG_STRING, .dest = &c->log, .metavar = "FILE", .help = "one CSV line per epoch"},
        {.name = "quiet", .short_name = 'q', .kind = ARG_FLAG, .dest = &c->quiet, .help = "no progress lines on stderr"},
        ARG_SPEC_HELP,
        ARG_SPEC_VERSION,
        {.section = "Evaluation (no training; model, training and output options are refused):"},
        {.name = "evaluate", .kind = ARG_STRING, .dest = &c->evaluate, .metavar = "FILE",
         .help = "RMSEs of the potential FILE on every configuration of the\ndata set, computed by nnvib's own "
                 "model code"},
        {.name = "by", .kind = ARG_CALL, .metavar = "KEY",
         .help = "also per value of the comment key KEY (e.g. T, molecule); with\n--select the group of the cap, "
                 "keys joined by commas allowed [molecule]",
         .expect = "a comment key (no '=', blank or quote, at most 60 bytes)", .call = take_by, .ctx = c},
        {.name = "split", .kind = ARG_CHOICE, .dest = &c->split, .metavar = "PART",
         .help = "only the train|val|test part of the split that --seed,\n--val-frac and --test-frac make (give the "
                 "training values)",
         .choices = parts},
        {.section = "Selection for active learning (no training; -o takes the selected configurations):"},
        {.name = "select", .kind = ARG_STRING, .dest = &c->select, .metavar = "FILE",
         .help = "score the (unlabelled) candidates by the disagreement of the committee\nFILE and write "
                 "the chosen ones (with -o); --by names the group [molecule]"},
        {.name = "threshold", .kind = ARG_DOUBLE, .dest = &c->sel.threshold_f, .metavar = "X",
         .help = "eligible when the largest per-atom force sigma > X eV/A [0.05]", .expect = "a number >= 0",
         .lo = 0, .hi = HUGE_VAL},
        {.name = "energy-threshold", .kind = ARG_DOUBLE, .dest = &c->sel.threshold_e, .metavar = "X",
         .help = "or when the energy sigma per atom > X eV/atom [off]", .expect = "a number >= 0", .lo = 0,
         .hi = HUGE_VAL},
        {.name = "max-per-molecule", .kind = ARG_INT, .dest = &c->sel.max_per_molecule, .metavar = "N",
         .help = "select at most N per molecule (per group of --by), highest sigma\nfirst (0: table only) [20]",
         .expect = "an integer 0..1000000", .lo = 0, .hi = 1000000},
        {0},
    };
    const arg_command cmd = {
        .program = "nnvib-train",
        .usage = "[options] data.extxyz[.gz] -o out.bin\n"
                 "--evaluate weights.bin [--by KEY] [--split PART] data.extxyz[.gz]\n"
                 "--select committee.bin [--threshold X] [--max-per-molecule N] [-o OUT] candidates.extxyz",
        .summary = "Train a Behler-Parrinello potential (weights.bin, format version 1; a committee,\n"
                   "version 2, with --committee) on the\n"
                   "energies, forces and dipoles of an extended-XYZ data set (eV, A, e*A).\n"
                   "Threads: OMP_NUM_THREADS.",
        .opts = opts, .min_pos = 1, .max_pos = 1, .positional = "one data set",
        .exits = ARGS_EXITS_BASIC | ARG_EXIT(CLI_EXIT_NUMERIC) | ARG_EXIT(CLI_EXIT_OUTPUT), .version = nnv_version()};
    const char *training_opt = NULL, *split_opt = NULL, *nll_opt = NULL, *select_opt = NULL;
    size_t n_opts = sizeof opts / sizeof opts[0] - 1;

    if (n_opts > sizeof given / sizeof given[0]) {
        snprintf(msg, msglen, "internal error: %zu options", n_opts);
        return CLI_EXIT_INTERNAL;
    }
    for (size_t k = 0; k < n_opts; k++) opts[k].given = &given[k];
    if (!(pos = malloc(((size_t)argc + 1) * sizeof *pos))) {
        snprintf(msg, msglen, "out of memory");
        return CLI_EXIT_INTERNAL;
    }
    msg[0] = '\0';
    st = args_parse(&cmd, argc, argv, pos, &n_pos, msg, msglen);
    if (st == CLI_EXIT_OK) c->data = pos[0];
    free(pos);
    if (st != CLI_EXIT_OK) return st;
    /* The split options serve training and, with --split, evaluation; the
     * evaluation's own options and the general ones serve both. */
    for (size_t k = 0; k < n_opts; k++) {
        const char *nm = opts[k].name;
        int group;
        if (!nm || !given[k]) continue;
        group = !strcmp(nm, "seed") || !strcmp(nm, "val-frac") || !strcmp(nm, "test-frac") ? G_SPLIT
                : !strcmp(nm, "quiet") || !strcmp(nm, "evaluate") || !strcmp(nm, "by") || !strcmp(nm, "split") ? G_NONE
                : !strcmp(nm, "select") || !strcmp(nm, "threshold") || !strcmp(nm, "energy-threshold") ||
                          !strcmp(nm, "max-per-molecule") ? G_SELECT
                : !strcmp(nm, "output") ? G_OUTPUT
                : G_TRAIN;
        if (group == G_SPLIT && !split_opt) split_opt = nm;
        if (!strncmp(nm, "nll-", 4) && !nll_opt) nll_opt = nm;
        if (group == G_TRAIN && !training_opt) training_opt = nm;
        if (group == G_SELECT && !select_opt && strcmp(nm, "select") != 0) select_opt = nm;
    }
    if (c->select) {
        if (c->evaluate) snprintf(msg, msglen, "--select cannot be combined with --evaluate");
        else if (training_opt || split_opt || c->split)
            snprintf(msg, msglen, "--%s cannot be combined with --select",
                     training_opt ? training_opt : split_opt ? split_opt : "split");
        else return CLI_EXIT_OK;
        return CLI_EXIT_USAGE;
    }
    if (select_opt) {
        snprintf(msg, msglen, "--%s needs --select", select_opt);
        return CLI_EXIT_USAGE;
    }
    if (c->add_novelty) {
        /* Only what picks the training configurations, the ridge and the output. */
        for (size_t k = 0; k < n_opts && !msg[0]; k++) {
            const char *nm = opts[k].name;
            if (nm && given[k] && strcmp(nm, "seed") && strcmp(nm, "val-frac") && strcmp(nm, "test-frac") &&
                strcmp(nm, "extra-train") && strcmp(nm, "output") && strcmp(nm, "quiet") &&
                strcmp(nm, "add-novelty") && strcmp(nm, "novelty-ridge"))
                snprintf(msg, msglen, "--%s cannot be combined with --add-novelty", nm);
        }
        if (!msg[0] && !c->output) snprintf(msg, msglen, "no output file given (-o FILE)");
        if (!msg[0]) return CLI_EXIT_OK;
    } else if (c->evaluate) {
        if (c->by && strchr(c->by, ','))
            snprintf(msg, msglen, "--by with --evaluate takes one key (several only with --select)");
        else if (training_opt || c->output)
            snprintf(msg, msglen, "--%s cannot be combined with --evaluate", training_opt ? training_opt : "output");
        else if (split_opt && !c->split) snprintf(msg, msglen, "--%s with --evaluate needs --split", split_opt);
        else return CLI_EXIT_OK;
    } else if (c->by) snprintf(msg, msglen, "--by needs --evaluate");
    else if (c->split) snprintf(msg, msglen, "--split needs --evaluate");
    else if (!c->output) snprintf(msg, msglen, "no output file given (-o FILE)");
    else if (o->keep_scaling && !c->init) snprintf(msg, msglen, "--keep-scaling needs --init");
    else if (o->bootstrap && !c->committee) snprintf(msg, msglen, "--bootstrap needs --committee");
    else if (sfo->rc_ang > sfo->rc)
        snprintf(msg, msglen, "--rc-angular %g is larger than the cutoff radius --rc %g", sfo->rc_ang, sfo->rc);
    else if (c->shallow && !c->committee) snprintf(msg, msglen, "--shallow needs --committee K");
    else if (c->shallow && o->bootstrap)
        snprintf(msg, msglen, "--bootstrap cannot be combined with --shallow (the members of a shallow ensemble "
                              "share every configuration)");
    else if (!c->shallow && nll_opt) snprintf(msg, msglen, "--%s needs --shallow", nll_opt);
    else if (o->energy_weight == 0 && o->force_weight == 0 && o->dipole_weight == 0 && o->hvp_weight == 0)
        snprintf(msg, msglen, "all loss weights are 0");
    else return CLI_EXIT_OK;
    return CLI_EXIT_USAGE;
}

/* The novelty block of pot from the training configurations of the split
 * (docs/novelty.md), and its per-element summary on stdout. */
static int attach_novelty(const cli *c, nnv_potential *pot, const ds_set *data, const train_options *o,
                          nnv_error *err)
{
    int *idx = NULL, n_idx = 0, st;
    if ((st = train_split_training(&idx, &n_idx, data, o, err)) != NNV_OK) return st;
    st = train_novelty(pot, data, idx, n_idx, c->novelty_ridge, err);
    free(idx);
    for (int e = 0; st == NNV_OK && !c->quiet && e < pot->n_elements; e++) {
        const nnv_novelty_element *nv = &pot->novelty[e];
        fprintf(stderr, "novelty %s: %d training atoms, %d SFs, ridge %g, d2 quantiles 50/90/99/99.9%%/max "
                "%.3f %.3f %.3f %.3f %.3f\n", nnv_element_symbol(pot->elements[e].Z), nv->n_atoms, nv->n_sf,
                nv->ridge, nv->quantile[0], nv->quantile[1], nv->quantile[2], nv->quantile[3], nv->quantile[4]);
    }
    return st;
}

/* --add-novelty: an existing potential gets the statistics of its training
 * configurations, everything else byte for byte. */
static int add_novelty(const cli *c, train_options *o)
{
    nnv_error err = {0, ""};
    ds_set data = {0, 0, NULL};
    nnv_potential *pot = NULL;
    int st, rc = 0;
    if ((st = nnv_potential_read(&pot, c->add_novelty, &err)) != NNV_OK) goto fail;
    if ((st = ds_read(&data, c->data, NULL, &err)) != NNV_OK) goto fail;
    if (c->extra) {
        ds_set extra = {0, 0, NULL};
        if ((st = ds_read(&extra, c->extra, NULL, &err)) != NNV_OK) goto fail;
        o->n_split = data.n_frames;
        for (int f = 0; f < extra.n_frames && st == NNV_OK; f++) st = ds_append(&data, &extra.frames[f], &err);
        ds_free(&extra);
        if (st != NNV_OK) goto fail;
    }
    if ((st = attach_novelty(c, pot, &data, o, &err)) != NNV_OK) goto fail;
    if ((st = nnv_potential_write(c->output, pot, &err)) != NNV_OK) {
        fprintf(stderr, "nnvib-train: %s\n", err.message);
        rc = st == NNV_ENOMEM ? EXIT_INTERNAL : st == NNV_EIO ? EXIT_WRITE : EXIT_INPUT;
        goto cleanup;
    }
    printf("%s: %s with novelty statistics of the training part of %s\n", c->output, c->add_novelty, c->data);
    if (fflush(stdout) != 0 || ferror(stdout)) rc = EXIT_WRITE;
    goto cleanup;
fail:
    fprintf(stderr, "nnvib-train: %s\n", err.message);
    rc = st == NNV_ENOMEM ? EXIT_INTERNAL : st == NNV_ENUMERIC ? EXIT_NUMERIC : EXIT_INPUT;
cleanup:
    ds_free(&data);
    nnv_potential_free(pot);
    return rc;
}

int main(int argc, char **argv)
{
    cli c;
    train_options o;
    sfgen_options sfo;
    train_report rep;
    nnv_error err = {0, ""};
    ds_set data = {0, 0, NULL};
    nnv_potential *pot = NULL, *init = NULL;
    int Z[NNV_MAX_Z], nZ = 0, rc = 0, st;
    uint32_t crc = 0;
    char *probe = NULL, msg[512];

    memset(&c, 0, sizeof c);
    al_select_defaults(&c.sel);
    c.novelty_ridge = NNV_NOVELTY_RIDGE;
    train_defaults(&o);
    sfgen_defaults(&sfo);
    st = parse(&c, &o, &sfo, Z, &nZ, argc, argv, msg, sizeof msg);
    if (st == ARGS_DONE) return 0;
    if (st != CLI_EXIT_OK) return args_fail("nnvib-train", st, msg);
    if (c.evaluate) return evaluate(&c, &o);
    if (c.select) {
        al_select_cli sc = {c.data, c.select, c.output, c.sel};
        if (c.by) sc.opt.key = c.by;
        return al_select_command(&sc);
    }
    if (c.add_novelty) return add_novelty(&c, &o);
    if (openblas_set_num_threads) openblas_set_num_threads(1);

    /* Fail at once when the output cannot be written, not after the training. */
    probe = malloc(strlen(c.output) + sizeof ".tmpXXXXXX");
    if (!probe) {
        fputs("nnvib-train: out of memory\n", stderr);
        return EXIT_INTERNAL;
    }
    sprintf(probe, "%s.tmpXXXXXX", c.output);
    {
        int fd = mkstemp(probe);
        if (fd < 0) {
            fprintf(stderr, "nnvib-train: %s: cannot write: %s\n", c.output, strerror(errno));
            free(probe);
            return EXIT_WRITE;
        }
        close(fd);
        unlink(probe);
        free(probe);
    }
    if (c.log) {
        if (!(c.logf = fopen(c.log, "w"))) {
            fprintf(stderr, "nnvib-train: %s: cannot write: %s\n", c.log, strerror(errno));
            return EXIT_WRITE;
        }
        fputs("epoch,lr,train_loss,val_loss,val_rmse_e_meV_per_atom,val_rmse_f_meV_per_A,val_rmse_mu_eA,seconds,"
              "val_rmse_hv_eV_per_A2,train_conf_per_s,member\n",
              c.logf);
    }

    if (c.init) {
        if ((st = nnv_potential_read(&init, c.init, &err)) != NNV_OK) goto fail;
        o.init = init;
        o.init_name = base_name(c.init);
    }
    if ((st = ds_read(&data, c.data, &crc, &err)) != NNV_OK) goto fail;
    if (nZ == 0) { /* no --elements: those in the data */
        int seen[NNV_MAX_Z + 1] = {0};
        for (int f = 0; f < data.n_frames; f++)
            for (int i = 0; i < data.frames[f].n_atoms; i++) seen[data.frames[f].Z[i]] = 1;
        for (int z = 1; z <= NNV_MAX_Z; z++)
            if (seen[z]) Z[nZ++] = z;
    }
    o.data_name = base_name(c.data);
    o.data_crc = crc;
    if (c.extra) {
        ds_set extra = {0, 0, NULL};
        if ((st = ds_read(&extra, c.extra, &o.extra_crc, &err)) != NNV_OK) goto fail;
        o.n_split = data.n_frames;
        for (int f = 0; f < extra.n_frames && st == NNV_OK; f++) st = ds_append(&data, &extra.frames[f], &err);
        ds_free(&extra);
        if (st != NNV_OK) goto fail;
        o.extra_name = base_name(c.extra);
    }
    if (!c.quiet) {
        fprintf(stderr, "nnvib-train: %s: %d configurations", c.data, o.n_split ? o.n_split : data.n_frames);
        if (c.extra) fprintf(stderr, ", %s: %d more for training", c.extra, data.n_frames - o.n_split);
        fputs("; elements", stderr);
        for (int k = 0; k < nZ; k++) fprintf(stderr, " %s", nnv_element_symbol(Z[k]));
        fputc('\n', stderr);
    }
    if (c.committee && c.shallow) {
        double scale = 0.0;
        if ((st = train_shallow(&pot, &data, nZ, Z, &sfo, &o, c.committee, progress, &c, &rep, &scale, &err)) !=
            NNV_OK)
            goto fail;
    } else if (c.committee) {
        if ((st = train_members(&c, &pot, &data, nZ, Z, &sfo, &o, &rep, &err)) != NNV_OK) goto fail;
    } else if ((st = train_run(&pot, &data, nZ, Z, &sfo, &o, progress, &c, &rep, &err)) != NNV_OK) {
        goto fail;
    }
    /* Every new potential carries the statistics of its training atoms. */
    if ((st = attach_novelty(&c, pot, &data, &o, &err)) != NNV_OK) goto fail;
    if ((st = nnv_potential_write(c.output, pot, &err)) != NNV_OK) {
        fprintf(stderr, "nnvib-train: %s\n", err.message);
        rc = st == NNV_ENOMEM ? EXIT_INTERNAL : st == NNV_EIO ? EXIT_WRITE : EXIT_INPUT;
        goto cleanup;
    }
    if (c.committee) {
        printf("%s: %s of %d members, force spread scale %.4g (calibrated on validation)\n", c.output,
               c.shallow ? "shallow ensemble" : "committee", pot->n_members, pot->spread_scale);
        if ((st = committee_test(&c, pot, &data, &o, &err)) != NNV_OK) goto fail;
        if (!c.shallow) printf("member 1 of %d: ", pot->n_members);
    }
    printf("%s: %d epochs (best %d), %.1f s (setup %.1f s, training %.0f configurations/s); configurations "
           "train/val/test %d/%d/%d",
           c.output, rep.epochs, rep.best_epoch, rep.seconds, rep.setup_seconds,
           rep.step_seconds > 0.0 ? rep.n_train * rep.epochs / rep.step_seconds : 0.0, rep.n_train, rep.n_val,
           rep.n_test);
    if (rep.n_extra) printf(" (train includes %d from %s)", rep.n_extra, c.extra);
    printf("\n");
    if (rep.n_test > 0) {
        printf("test RMSE: energy %.3f meV/atom, forces %.2f meV/A", 1e3 * rep.rmse_e[2], 1e3 * rep.rmse_f[2]);
        if (!isnan(rep.rmse_mu[2])) printf(", dipole %.4f e*A", rep.rmse_mu[2]);
        if (!isnan(rep.rmse_hv[2])) printf(", H.v %.4f eV/A^2", rep.rmse_hv[2]);
        printf("\n");
    } else {
        printf("no test set (too few configurations)\n");
    }
    if (fflush(stdout) != 0 || ferror(stdout)) rc = EXIT_WRITE;
    goto cleanup;
fail:
    fprintf(stderr, "nnvib-train: %s\n", err.message);
    rc = st == NNV_ENOMEM ? EXIT_INTERNAL : st == NNV_ENUMERIC ? EXIT_NUMERIC : st == NNV_EUSAGE ? EXIT_USAGE
                                                                                               : EXIT_INPUT;
cleanup:
    if (c.logf && fclose(c.logf) != 0 && rc == 0) {
        fprintf(stderr, "nnvib-train: %s: write failed\n", c.log);
        rc = EXIT_WRITE;
    }
    nnv_potential_free(pot);
    nnv_potential_free(init);
    ds_free(&data);
    return rc;
}
