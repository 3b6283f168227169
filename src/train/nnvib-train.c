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

#include "train.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

enum { EXIT_INTERNAL = 1, EXIT_USAGE = 2, EXIT_INPUT = 3, EXIT_NUMERIC = 4, EXIT_WRITE = 5 };

static void help(FILE *f)
{
    fputs("Usage: nnvib-train [options] data.extxyz[.gz] -o out.bin\n"
          "       nnvib-train --evaluate weights.bin [--by KEY] [--split PART] data.extxyz[.gz]\n"
          "Train a Behler-Parrinello potential (weights.bin, format version 1) on the\n"
          "energies, forces and dipoles of an extended-XYZ data set (eV, A, e*A).\n"
          "\n"
          "Model:\n"
          "  --elements H,C,...   elements of the potential [those in the data]\n"
          "  --hidden 32,32       hidden layer widths (1..8 layers, 1..4096 each) [32,32]\n"
          "  --activation NAME    relu|softplus|tanh|silu|gelu|ssp|celu [tanh]\n"
          "  --celu-alpha A       celu's alpha, > 0 [1]\n"
          "  --cutoff NAME        poly2|cos|tanhu cutoff of every symmetry function [poly2]\n"
          "  --rc R               cutoff radius in A, 2 < R <= 20 [5.5]\n"
          "  --radial N           radial functions per neighbour element, 1..64 [8]\n"
          "  --angular-eta N      eta values of the angular functions, 0..16 [2]\n"
          "Training:\n"
          "  --epochs N           at most N epochs [1000]\n"
          "  --batch N            configurations per mini-batch [32]\n"
          "  --lr X               Adam learning rate, 0 < X <= 1 [0.001]\n"
          "  --lr-schedule NAME   plateau: halve the rate after --lr-patience epochs without\n"
          "                       validation gain, stop below --lr-min; exp|cosine: anneal from\n"
          "                       --lr to --lr-min over --epochs [plateau]\n"
          "  --lr-min X           plateau: stop below X; exp|cosine: the last epoch's rate\n"
          "                       (0 means lr/1000) [1e-5]\n"
          "  --lr-patience N      plateau: epochs without validation gain before halving [10]\n"
          "  --patience N         stop after N epochs without validation gain [40]\n"
          "  --energy-weight X    weight of the per-atom energy MSE, eV^-2 [1]\n"
          "  --force-weight X     weight of the force MSE, (eV/A)^-2 [0.1]\n"
          "  --dipole-weight X    weight of the dipole MSE, (e*A)^-2; > 0 adds charge networks [0]\n"
          "  --val-frac X         validation share of the configurations [0.1]\n"
          "  --test-frac X        test share of the configurations [0.1]\n"
          "  --seed N             seed of the split, the initial weights and the batches [1]\n"
          "  --init FILE          start from FILE's weights (a potential nnvib-train wrote with the\n"
          "                       same data set, seed and model options) instead of random ones\n"
          "  --keep-scaling       with --init: keep FILE's symmetry functions and their scaling\n"
          "                       (only gmin/gmax are refitted), e.g. to refine it on more data\n"
          "  --extra-train FILE   more configurations (extended XYZ) for the training set only;\n"
          "                       the validation and test sets stay those of the data set\n"
          "  --teacher TEXT       method that labelled the data, for the file's description [unknown]\n"
          "Output:\n"
          "  -o, --output FILE    the potential (written complete or not at all); required\n"
          "  --log FILE           one CSV line per epoch\n"
          "  -q, --quiet          no progress lines on stderr\n"
          "  -h, --help           this text\n"
          "  -V, --version        the program version\n"
          "Evaluation (no training; model, training and output options are refused):\n"
          "  --evaluate FILE      RMSEs of the potential FILE on every configuration of the\n"
          "                       data set, computed by nnvib's own model code\n"
          "  --by KEY             also per value of the comment key KEY (e.g. T, molecule)\n"
          "  --split PART         only the train|val|test part of the split that --seed,\n"
          "                       --val-frac and --test-frac make (give the training values)\n"
          "Options take their value as --opt VALUE or --opt=VALUE. Threads: OMP_NUM_THREADS.\n"
          "\n"
          "Exit status: 0 success, 1 internal error, 2 usage error, 3 bad input (data set),\n"
          "4 numerical failure (non-finite loss), 5 cannot write the output or the log.\n",
          f);
}

static int usage(const char *fmt, ...)
{
    va_list ap;
    fputs("nnvib-train: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (try --help)\n", stderr);
    return EXIT_USAGE;
}

static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    return *s && !*end && errno != ERANGE && isfinite(*out) ? 0 : -1;
}

static int parse_int(const char *s, long lo, long hi, int *out)
{
    char *end;
    long v;
    errno = 0;
    v = strtol(s, &end, 10);
    if (!*s || *end || errno == ERANGE || v < lo || v > hi) return -1;
    *out = (int)v;
    return 0;
}

/* A hidden activation: "identity" is a code of the format but not offered. */
static int parse_activation(const char *s)
{
    int a = nnv_activation_from_name(s);
    return a == NNV_ACT_IDENTITY ? -1 : a;
}

typedef struct cli {
    const char *data, *output, *log, *elements, *evaluate, *by, *init, *extra;
    int split;                /* --split: 0 none, 1 train, 2 val, 3 test */
    const char *split_opt;    /* the first of --seed, --val-frac, --test-frac given */
    int quiet;
    const char *training_opt; /* the first model/training/output option given, refused with --evaluate */
    FILE *logf;
    double seconds_last;
} cli;

static void progress(void *ctx, const train_epoch *ep)
{
    cli *c = ctx;
    if (!c->quiet)
        fprintf(stderr, "epoch %4d  lr %.2e  loss %.4e  val %.4e  E %7.3f meV/atom  F %7.2f meV/A%s%s  %6.1f s\n",
                ep->epoch, ep->lr, ep->train_loss, ep->val_loss, 1e3 * ep->val_rmse_e, 1e3 * ep->val_rmse_f,
                isnan(ep->val_rmse_mu) ? "" : "  mu", ep->best ? "  *" : "", ep->seconds);
    if (c->logf)
        fprintf(c->logf, "%d,%.6e,%.8e,%.8e,%.6f,%.6f,%.6f,%.2f\n", ep->epoch, ep->lr, ep->train_loss, ep->val_loss,
                1e3 * ep->val_rmse_e, 1e3 * ep->val_rmse_f, ep->val_rmse_mu, ep->seconds);
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

static void print_group(const train_eval_group *g, const char *key)
{
    char label[96];
    if (key && strcmp(g->name, "all") != 0) snprintf(label, sizeof label, "%s=%s", key, *g->name ? g->name : "(none)");
    else snprintf(label, sizeof label, "%s", g->name);
    printf("%-20s %8d %8d", label, g->n_frames, g->n_atoms);
    print_rmse(g->n_e, g->sse_e, g->max_e, 3, 3);
    print_rmse(g->n_f, g->sse_f, g->max_f, 2, 1);
    if (g->n_mu) printf(" %9.4f", sqrt(g->sse_mu / g->n_mu));
    else printf(" %9s", "-");
    printf(" %8d\n", g->n_extrapolating);
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
    printf("%-20s %8s %8s %9s %9s %9s %9s %9s %8s\n", "# group", "configs", "atoms", "E rmse", "E max", "F rmse", "F max",
           "mu rmse", "extrap");
    printf("%-20s %8s %8s %9s %9s %9s %9s %9s %8s\n", "#", "", "", "meV/atom", "meV/atom", "meV/A", "meV/A", "e*A", "configs");
    for (int k = 0; k < n; k++) {
        print_group(&g[k], c->by);
        /* What is left without the extrapolating configurations: how well the
         * potential interpolates, apart from the few configurations it cannot know. */
        if (k == 0) print_in_range(g);
    }
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
    char *probe = NULL;

    memset(&c, 0, sizeof c);
    train_defaults(&o);
    sfgen_defaults(&sfo);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = NULL, *eq;
        char name[32];
        int takes;
        if (a[0] != '-' || strcmp(a, "-") == 0) {
            if (c.data) return usage("more than one data set: '%s' and '%s'", c.data, a);
            c.data = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            if (i + 1 < argc && !c.data && i + 2 == argc) {
                c.data = argv[++i];
                continue;
            }
            return usage("'--' must be followed by exactly one data set");
        }
        if (strcmp(a, "-o") == 0) snprintf(name, sizeof name, "output");
        else if (strcmp(a, "-q") == 0) snprintf(name, sizeof name, "quiet");
        else if (strcmp(a, "-h") == 0) snprintf(name, sizeof name, "help");
        else if (strcmp(a, "-V") == 0) snprintf(name, sizeof name, "version");
        else if (a[1] == '-') {
            size_t len;
            eq = strchr(a + 2, '=');
            len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
            if (len >= sizeof name) return usage("unknown option '%s'", a);
            memcpy(name, a + 2, len);
            name[len] = 0;
            if (eq) val = eq + 1;
        } else {
            return usage("unknown option '%s'", a);
        }
        {
            static const char *const known[] = {
                "help", "version", "quiet", "output", "log", "elements", "hidden", "activation", "celu-alpha",
                "cutoff", "rc", "radial", "angular-eta", "epochs", "batch", "lr", "lr-min", "lr-patience", "lr-schedule",
                "patience", "energy-weight", "force-weight", "dipole-weight", "val-frac", "test-frac", "seed",
                "teacher", "evaluate", "by", "init", "split", "keep-scaling", "extra-train"};
            size_t k = 0;
            while (k < sizeof known / sizeof known[0] && strcmp(known[k], name) != 0) k++;
            if (k == sizeof known / sizeof known[0]) return usage("unknown option '%s'", a);
        }
        takes = !(strcmp(name, "quiet") == 0 || strcmp(name, "help") == 0 || strcmp(name, "version") == 0 ||
                  strcmp(name, "keep-scaling") == 0);
        if (!takes && val) return usage("option --%s takes no value", name);
        if (takes && !val) {
            if (i + 1 >= argc) return usage("option --%s needs a value", name);
            val = argv[++i];
        }
#define BAD() return usage("bad value for --%s: '%s'", name, val)
        /* The split options serve training and, with --split, evaluation. */
        if (strcmp(name, "seed") == 0 || strcmp(name, "val-frac") == 0 || strcmp(name, "test-frac") == 0) {
            if (!c.split_opt) c.split_opt = a;
        } else if (strcmp(name, "help") != 0 && strcmp(name, "version") != 0 && strcmp(name, "quiet") != 0 &&
                   strcmp(name, "evaluate") != 0 && strcmp(name, "by") != 0 && strcmp(name, "split") != 0 &&
                   !c.training_opt) {
            c.training_opt = a;
        }
        if (strcmp(name, "help") == 0) {
            help(stdout);
            return fflush(stdout) == 0 && !ferror(stdout) ? 0 : EXIT_WRITE;
        } else if (strcmp(name, "version") == 0) {
            printf("nnvib-train %s\n", PACKAGE_VERSION);
            return fflush(stdout) == 0 && !ferror(stdout) ? 0 : EXIT_WRITE;
        } else if (strcmp(name, "quiet") == 0) {
            c.quiet = 1;
        } else if (strcmp(name, "output") == 0) {
            if (!*val) BAD();
            c.output = val;
        } else if (strcmp(name, "log") == 0) {
            if (!*val) BAD();
            c.log = val;
        } else if (strcmp(name, "elements") == 0) {
            if (parse_elements(val, Z, &nZ)) BAD();
            c.elements = val;
        } else if (strcmp(name, "hidden") == 0) {
            const char *s = val;
            o.n_hidden = 0;
            while (*s) {
                char buf[16];
                size_t len = strcspn(s, ",");
                if (len == 0 || len >= sizeof buf || o.n_hidden >= TR_MAX_HIDDEN) BAD();
                memcpy(buf, s, len);
                buf[len] = 0;
                if (parse_int(buf, 1, 4096, &o.hidden[o.n_hidden++])) BAD();
                s += len;
                if (*s == ',' && !*++s) BAD();
            }
            if (o.n_hidden == 0) BAD();
        } else if (strcmp(name, "activation") == 0) {
            if ((o.activation = parse_activation(val)) < 0) BAD();
        } else if (strcmp(name, "celu-alpha") == 0) {
            if (parse_double(val, &o.act_param) || !(o.act_param > 0)) BAD();
        } else if (strcmp(name, "cutoff") == 0) {
            if (strcmp(val, "poly2") == 0) sfo.cutoff = NNV_CUTOFF_POLY2;
            else if (strcmp(val, "cos") == 0) sfo.cutoff = NNV_CUTOFF_COS;
            else if (strcmp(val, "tanhu") == 0) sfo.cutoff = NNV_CUTOFF_TANHU;
            else BAD();
        } else if (strcmp(name, "rc") == 0) {
            if (parse_double(val, &sfo.rc) || !(sfo.rc > 2 && sfo.rc <= 20)) BAD();
        } else if (strcmp(name, "radial") == 0) {
            if (parse_int(val, 1, 64, &sfo.n_radial)) BAD();
        } else if (strcmp(name, "angular-eta") == 0) {
            if (parse_int(val, 0, 16, &sfo.n_ang_eta)) BAD();
        } else if (strcmp(name, "epochs") == 0) {
            if (parse_int(val, 1, 1000000, &o.epochs)) BAD();
        } else if (strcmp(name, "batch") == 0) {
            if (parse_int(val, 1, 1000000, &o.batch)) BAD();
        } else if (strcmp(name, "lr") == 0) {
            if (parse_double(val, &o.lr) || !(o.lr > 0 && o.lr <= 1)) BAD();
        } else if (strcmp(name, "lr-min") == 0) {
            if (parse_double(val, &o.lr_min) || !(o.lr_min >= 0 && o.lr_min <= 1)) BAD();
        } else if (strcmp(name, "lr-schedule") == 0) {
            if (strcmp(val, "plateau") == 0) o.lr_schedule = TRAIN_LR_PLATEAU;
            else if (strcmp(val, "exp") == 0) o.lr_schedule = TRAIN_LR_EXP;
            else if (strcmp(val, "cosine") == 0) o.lr_schedule = TRAIN_LR_COSINE;
            else BAD();
        } else if (strcmp(name, "lr-patience") == 0) {
            if (parse_int(val, 1, 1000000, &o.lr_patience)) BAD();
        } else if (strcmp(name, "patience") == 0) {
            if (parse_int(val, 1, 1000000, &o.patience)) BAD();
        } else if (strcmp(name, "energy-weight") == 0) {
            if (parse_double(val, &o.energy_weight) || !(o.energy_weight >= 0)) BAD();
        } else if (strcmp(name, "force-weight") == 0) {
            if (parse_double(val, &o.force_weight) || !(o.force_weight >= 0)) BAD();
        } else if (strcmp(name, "dipole-weight") == 0) {
            if (parse_double(val, &o.dipole_weight) || !(o.dipole_weight >= 0)) BAD();
        } else if (strcmp(name, "val-frac") == 0) {
            if (parse_double(val, &o.val_frac) || !(o.val_frac >= 0 && o.val_frac < 0.5)) BAD();
        } else if (strcmp(name, "test-frac") == 0) {
            if (parse_double(val, &o.test_frac) || !(o.test_frac >= 0 && o.test_frac < 0.5)) BAD();
        } else if (strcmp(name, "seed") == 0) {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(val, &end, 10);
            if (!*val || *end || errno == ERANGE || val[0] == '-') BAD();
            o.seed = v;
        } else if (strcmp(name, "evaluate") == 0) {
            if (!*val) BAD();
            c.evaluate = val;
        } else if (strcmp(name, "split") == 0) {
            if (strcmp(val, "train") == 0) c.split = 1;
            else if (strcmp(val, "val") == 0) c.split = 2;
            else if (strcmp(val, "test") == 0) c.split = 3;
            else BAD();
        } else if (strcmp(name, "by") == 0) {
            if (!*val || strlen(val) > 60 || strpbrk(val, "= \t\"")) BAD();
            c.by = val;
        } else if (strcmp(name, "teacher") == 0) {
            if (!*val || strlen(val) > 200) BAD();
            o.teacher = val;
        } else if (strcmp(name, "init") == 0) {
            if (!*val) BAD();
            c.init = val;
        } else if (strcmp(name, "keep-scaling") == 0) {
            o.keep_scaling = 1;
        } else if (strcmp(name, "extra-train") == 0) {
            if (!*val) BAD();
            c.extra = val;
        } else {
            return usage("unknown option '%s'", a);
        }
#undef BAD
    }
    if (!c.data) return usage("no data set given");
    if (c.evaluate) {
        if (c.training_opt) return usage("%s cannot be combined with --evaluate", c.training_opt);
        if (c.split_opt && !c.split) return usage("%s with --evaluate needs --split", c.split_opt);
        return evaluate(&c, &o);
    }
    if (c.by) return usage("--by needs --evaluate");
    if (c.split) return usage("--split needs --evaluate");
    if (!c.output) return usage("no output file given (-o FILE)");
    if (o.keep_scaling && !c.init) return usage("--keep-scaling needs --init");
    if (o.energy_weight == 0 && o.force_weight == 0 && o.dipole_weight == 0)
        return usage("all loss weights are 0");

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
        fputs("epoch,lr,train_loss,val_loss,val_rmse_e_meV_per_atom,val_rmse_f_meV_per_A,val_rmse_mu_eA,seconds\n",
              c.logf);
    }

    if (c.init) {
        if ((st = nnv_potential_read(&init, c.init, &err)) != NNV_OK) goto fail;
        o.init = init;
        o.init_name = base_name(c.init);
    }
    if ((st = ds_read(&data, c.data, &crc, &err)) != NNV_OK) goto fail;
    if (!c.elements) {
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
    if ((st = train_run(&pot, &data, nZ, Z, &sfo, &o, progress, &c, &rep, &err)) != NNV_OK) goto fail;
    if ((st = nnv_potential_write(c.output, pot, &err)) != NNV_OK) {
        fprintf(stderr, "nnvib-train: %s\n", err.message);
        rc = st == NNV_ENOMEM ? EXIT_INTERNAL : st == NNV_EIO ? EXIT_WRITE : EXIT_INPUT;
        goto cleanup;
    }
    printf("%s: %d epochs (best %d), %.1f s; configurations train/val/test %d/%d/%d", c.output, rep.epochs,
           rep.best_epoch, rep.seconds, rep.n_train, rep.n_val, rep.n_test);
    if (rep.n_extra) printf(" (train includes %d from %s)", rep.n_extra, c.extra);
    printf("\n");
    if (rep.n_test > 0) {
        printf("test RMSE: energy %.3f meV/atom, forces %.2f meV/A", 1e3 * rep.rmse_e[2], 1e3 * rep.rmse_f[2]);
        if (!isnan(rep.rmse_mu[2])) printf(", dipole %.4f e*A", rep.rmse_mu[2]);
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
