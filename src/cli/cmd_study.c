/* nnvib study: the activation study of issue 5. Every molecule of a folder x
 * every potential through nnv_compare_potential against the experimental
 * fundamentals and the GFN2-xTB teacher, the smoothness diagnostics on a small
 * fixed set, and the report docs/results.md, docs/results.csv and SVG figures. */
#define _POSIX_C_SOURCE 200809L /* opendir, mkdir */

#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "cli.h"

const char *cli_opt_value(int argc, char **argv, int *i, const char *name, char shortc, int *matched);

#define MAX_POTS 8
#define MAX_MOLS 2000
#define N_FD 3
#define MD_STEPS 2000
#define MD_DT 0.5
#define MD_T 300.0
#define MD_SEED 20240601u
#define SCAN_POINTS 50
#define SCAN_LEVELS 4

/* ---- the data of one run ------------------------------------------------ */

typedef struct study_pot {
    const char *path;
    nnv_potential *p;
    char label[64];
    int act;        /* enum nnv_activation of the hidden layers, -1 when mixed */
    int colour;
} study_pot;

typedef struct study_mol {
    char *name;
    char *xyz_path;
    nnv_structure *s;
    nnv_reference *exp;  /* NULL when the folder has no file */
    nnv_reference *tch;
    char *exp_path, *tch_path;
    int described;       /* every potential has every element */
    nnv_comparison *cmp[MAX_POTS];
    int status[MAX_POTS];
    char *fail_msg[MAX_POTS];
    nnv_assignment *tch_vs_exp; /* the teacher's own harmonic frequencies against experiment */
} study_mol;

/* Pooled error figures over all bands of all molecules. */
typedef struct study_agg {
    int n;
    double mae, rmse, max_abs, scale, mae_scaled;
} study_agg;

/* Smoothness diagnostics of one potential at one molecule. */
typedef struct study_diag {
    int done;
    char msg[NNV_ERROR_MESSAGE_MAX];
    int converged;
    int n_paths;
    char path_name[2][64];
    nnv_scan fscan[2];
    double net_share, max_abs_net, norm_total;
    nnv_fd_disagreement fd[N_FD];
    nnv_md_report md;
} study_diag;

/* The cutoff experiment: one potential with every SF's cutoff set to COS or POLY2. */
typedef struct study_cut {
    int done;
    char msg[NNV_ERROR_MESSAGE_MAX];
    nnv_scan f[2], h[2];     /* [0] COS, [1] POLY2 */
    double fd_near[2];       /* max |dH| FD step 1e-2 vs analytic, pair 0.004 A inside rc */
    double rc;               /* the largest cutoff radius of the potential, Å */
} study_cut;

typedef struct study {
    const char *moldir, *refdir, *outdir, *only;
    int quiet;
    int argc;
    char **argv;
    study_pot pots[MAX_POTS];
    int n_pots;
    study_mol *mols;
    int n_mols;
    const char *diag_names[2];
    study_diag diag[MAX_POTS][2];
    study_cut cut[MAX_POTS];
    int cut_Z[2];
} study;

static const double fd_steps[N_FD] = {1e-2, 1e-3, 1e-4};

/* ---- small helpers -------------------------------------------------------- */

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static char *join(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
    char *d = malloc(n);
    if (d) snprintf(d, n, "%s%s%s", a, b, c);
    return d;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void help(FILE *f)
{
    fputs("Usage: nnvib study [options] POTENTIAL...\n"
          "The activation study: every molecule of a folder on every potential against the\n"
          "experimental fundamentals and the GFN2-xTB teacher, the smoothness diagnostics,\n"
          "and the report DIR/results.md, DIR/results.csv, DIR/figures/*.svg. See docs/cli.md.\n"
          "\n"
          "  --molecules DIR   molecules, one XYZ file each [molecules]\n"
          "  --refdir DIR      reference spectra: DIR/experimental/<mol>.tsv and\n"
          "                    DIR/gfn2xtb/<mol>.tsv [reference_spectra]\n"
          "  --out DIR         where the report goes [docs]\n"
          "  --only A,B,...    only these molecules (file names without .xyz)\n"
          "  -q, --quiet       no progress on stderr\n"
          "  -h, --help        this text\n"
          "\n"
          "Exit status: 0 success, 1 internal error, 2 usage error, 3 bad input,\n"
          "5 cannot write the output.\n",
          f);
}

static int usage(const char *msg, const char *arg)
{
    fprintf(stderr, "nnvib study: %s%s%s%s (see nnvib study --help)\n", msg, arg ? " \"" : "", arg ? arg : "",
            arg ? "\"" : "");
    return CLI_EXIT_USAGE;
}

static int parse(study *st, int argc, char **argv, int *want_help)
{
    int matched, only_pos = 0;
    const char *val;
    *want_help = 0;
    st->moldir = "molecules", st->refdir = "reference_spectra", st->outdir = "docs";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_pos || a[0] != '-' || a[1] == '\0') {
            if (st->n_pots == MAX_POTS) return usage("too many potentials (at most 8)", NULL);
            st->pots[st->n_pots++].path = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            *want_help = 1;
            return CLI_EXIT_OK;
        }
        if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            st->quiet = 1;
            continue;
        }
        val = cli_opt_value(argc, argv, &i, "molecules", 0, &matched);
        if (matched) {
            if (!val || !*val) return usage("--molecules: expected a folder", NULL);
            st->moldir = val;
            continue;
        }
        val = cli_opt_value(argc, argv, &i, "refdir", 0, &matched);
        if (matched) {
            if (!val || !*val) return usage("--refdir: expected a folder", NULL);
            st->refdir = val;
            continue;
        }
        val = cli_opt_value(argc, argv, &i, "out", 0, &matched);
        if (matched) {
            if (!val || !*val) return usage("--out: expected a folder", NULL);
            st->outdir = val;
            continue;
        }
        val = cli_opt_value(argc, argv, &i, "only", 0, &matched);
        if (matched) {
            if (!val || !*val || val[0] == ',' || strstr(val, ",,") || val[strlen(val) - 1] == ',')
                return usage("--only: expected molecule names separated by commas, got", val ? val : "");
            st->only = val;
            continue;
        }
        return usage("unknown option", a);
    }
    if (st->n_pots == 0) return usage("expected at least one POTENTIAL", NULL);
    return CLI_EXIT_OK;
}

/* 1 when name is one of the comma-separated names in list. */
static int in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *c = list; c && *c;) {
        const char *e = strchr(c, ',');
        size_t len = e ? (size_t)(e - c) : strlen(c);
        if (len == n && strncmp(c, name, n) == 0) return 1;
        c = e ? e + 1 : NULL;
    }
    return 0;
}

/* The label of a potential: the activation shared by every hidden layer of
 * every energy network, else the file name without folder and extension. */
static void label_potential(study_pot *sp, int by_file)
{
    int act = -2;
    const char *base, *dot;
    size_t len;
    for (int e = 0; e < sp->p->n_elements; e++) {
        const nnv_network *nw = &sp->p->elements[e].energy;
        for (int l = 0; l + 1 < nw->n_layers; l++) {
            int a = nw->layers[l].activation;
            if (act == -2) act = a;
            else if (act != a) act = -1;
        }
    }
    sp->act = act >= 0 && act < NNV_ACT_COUNT ? act : -1;
    if (sp->act >= 0 && !by_file) {
        snprintf(sp->label, sizeof sp->label, "%s", nnv_activation_name(sp->act));
        return;
    }
    base = strrchr(sp->path, '/');
    base = base ? base + 1 : sp->path;
    dot = strrchr(base, '.');
    len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    if (len >= sizeof sp->label) len = sizeof sp->label - 1;
    memcpy(sp->label, base, len);
    sp->label[len] = '\0';
}

static int describes(const nnv_potential *p, const nnv_structure *s)
{
    for (int i = 0; i < s->n_atoms; i++)
        if (!nnv_potential_element(p, s->Z[i])) return 0;
    return 1;
}

/* ---- loading -------------------------------------------------------------- */

static int read_ref(nnv_reference **out, char **path_out, const char *refdir, const char *sub, const char *mol,
                    char *msg, size_t msglen)
{
    nnv_error err = {0, ""};
    char *dir = join(refdir, "/", sub), *path = NULL;
    int code;
    *out = NULL;
    *path_out = NULL;
    if (!dir || !(path = join(dir, "/", mol)) ) goto oom;
    free(dir);
    dir = path;
    if (!(path = join(dir, ".tsv", ""))) goto oom;
    free(dir);
    if (!file_exists(path)) {
        free(path);
        return CLI_EXIT_OK;
    }
    if ((code = nnv_reference_read(out, path, &err)) != NNV_OK) {
        snprintf(msg, msglen, "%s", err.message);
        free(path);
        return cli_exit_of(code);
    }
    *path_out = path;
    return CLI_EXIT_OK;
oom:
    free(dir);
    snprintf(msg, msglen, "out of memory");
    return CLI_EXIT_INTERNAL;
}

static int list_molecules(study *st, char *msg, size_t msglen)
{
    DIR *d = opendir(st->moldir);
    struct dirent *de;
    char **names = NULL;
    int n = 0, cap = 0, code = CLI_EXIT_OK;
    if (!d) {
        snprintf(msg, msglen, "%s: cannot open the molecules folder: %s", st->moldir, strerror(errno));
        return CLI_EXIT_INPUT;
    }
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        char *name;
        if (len <= 4 || strcmp(de->d_name + len - 4, ".xyz") != 0 || de->d_name[0] == '.') continue;
        if (!(name = dupstr(de->d_name))) goto oom;
        name[len - 4] = '\0';
        if (st->only && !in_list(st->only, name)) {
            free(name);
            continue;
        }
        if (n == MAX_MOLS) {
            free(name);
            snprintf(msg, msglen, "%s: more than %d molecules", st->moldir, MAX_MOLS);
            code = CLI_EXIT_INPUT;
            goto cleanup;
        }
        if (n == cap) {
            char **nn = realloc(names, (size_t)(cap ? 2 * cap : 64) * sizeof *nn);
            if (!nn) {
                free(name);
                goto oom;
            }
            names = nn, cap = cap ? 2 * cap : 64;
        }
        names[n++] = name;
    }
    if (n) qsort(names, (size_t)n, sizeof *names, cmp_str);
    if (st->only) {
        /* Every name asked for must be there. */
        const char *c = st->only;
        while (c && *c) {
            const char *e = strchr(c, ',');
            size_t len = e ? (size_t)(e - c) : strlen(c);
            int found = 0;
            for (int k = 0; k < n && !found; k++) found = strlen(names[k]) == len && strncmp(names[k], c, len) == 0;
            if (!found) {
                snprintf(msg, msglen, "--only: %s has no %.*s.xyz", st->moldir, (int)len, c);
                code = CLI_EXIT_INPUT;
                goto cleanup;
            }
            c = e ? e + 1 : NULL;
        }
    }
    if (n == 0) {
        snprintf(msg, msglen, "%s: no .xyz files", st->moldir);
        code = CLI_EXIT_INPUT;
        goto cleanup;
    }
    if (!(st->mols = calloc((size_t)n, sizeof *st->mols))) goto oom;
    for (int k = 0; k < n; k++) st->mols[k].name = names[k], names[k] = NULL;
    st->n_mols = n;
    goto cleanup;
oom:
    snprintf(msg, msglen, "out of memory");
    code = CLI_EXIT_INTERNAL;
cleanup:
    for (int k = 0; k < n; k++) free(names ? names[k] : NULL);
    free(names);
    closedir(d);
    return code;
}

static int load_molecules(study *st, char *msg, size_t msglen)
{
    nnv_error err = {0, ""};
    int code;
    for (int m = 0; m < st->n_mols; m++) {
        study_mol *mo = &st->mols[m];
        char *base = join(st->moldir, "/", mo->name);
        if (!base || !(mo->xyz_path = join(base, ".xyz", ""))) {
            free(base);
            snprintf(msg, msglen, "out of memory");
            return CLI_EXIT_INTERNAL;
        }
        free(base);
        if ((code = nnv_structure_read_xyz(&mo->s, mo->xyz_path, 0, &err)) != NNV_OK) {
            snprintf(msg, msglen, "%s", err.message);
            return cli_exit_of(code);
        }
        if ((code = read_ref(&mo->exp, &mo->exp_path, st->refdir, "experimental", mo->name, msg, msglen)) != 0)
            return code;
        if ((code = read_ref(&mo->tch, &mo->tch_path, st->refdir, "gfn2xtb", mo->name, msg, msglen)) != 0)
            return code;
        mo->described = 1;
        for (int k = 0; k < st->n_pots; k++) mo->described &= describes(st->pots[k].p, mo->s);
    }
    return CLI_EXIT_OK;
}

/* ---- the comparisons ---------------------------------------------------- */

/* The teacher's harmonic frequencies (each band repeated by its degeneracy)
 * assigned to the experimental bands: the teacher's own error. */
static int teacher_vs_exp(study_mol *mo, nnv_error *err)
{
    int n = 0, k = 0, code;
    double *f;
    if (!mo->tch || !mo->exp) return NNV_OK;
    for (int b = 0; b < mo->tch->n_bands; b++) n += mo->tch->bands[b].degeneracy;
    if (!(f = malloc((size_t)(n ? n : 1) * sizeof *f))) return nnv_error_set(err, NNV_ENOMEM, "out of memory");
    for (int b = 0; b < mo->tch->n_bands; b++)
        for (int g = 0; g < mo->tch->bands[b].degeneracy; g++) f[k++] = mo->tch->bands[b].freq;
    code = nnv_assign_modes(&mo->tch_vs_exp, n, f, mo->exp, err);
    free(f);
    return code;
}

static int run_comparisons(study *st, char *msg, size_t msglen)
{
    nnv_analysis_options o;
    nnv_error err = {0, ""};
    int code, n_tasks = st->n_mols * st->n_pots;
    memset(&o, 0, sizeof o);
    o.optimize = 1;
    o.max_hessian_mb = cli_max_hessian_mb();
    for (int m = 0; m < st->n_mols; m++)
        if (st->mols[m].described && (code = teacher_vs_exp(&st->mols[m], &err)) != NNV_OK) {
            snprintf(msg, msglen, "%s", err.message);
            return cli_exit_of(code);
        }
    if (!st->quiet)
        fprintf(stderr, "nnvib study: %d molecules x %d potentials: optimise, Hessian, assign\n", st->n_mols,
                st->n_pots);
    /* The (molecule, potential) runs are independent and the library keeps no
     * global state: share them out over the threads. */
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1)
#endif
    for (int t = 0; t < n_tasks; t++) {
        study_mol *mo = &st->mols[t / st->n_pots];
        int k = t % st->n_pots;
        nnv_error e = {0, ""};
        if (!mo->described) continue;
        mo->status[k] = nnv_compare_potential(&mo->cmp[k], mo->s, st->pots[k].p, mo->exp, mo->tch, &o, &e);
        if (mo->status[k] != NNV_OK) mo->fail_msg[k] = dupstr(e.message);
    }
    for (int t = 0; t < n_tasks; t++) {
        study_mol *mo = &st->mols[t / st->n_pots];
        int k = t % st->n_pots;
        if (mo->status[k] == NNV_OK) continue;
        if (mo->status[k] == NNV_ENOMEM || !mo->fail_msg[k]) {
            snprintf(msg, msglen, "out of memory");
            return CLI_EXIT_INTERNAL;
        }
        /* A numerical failure is a finding of the study, not the end of it. */
        if (!st->quiet)
            fprintf(stderr, "nnvib study: %s on %s failed: %s\n", mo->name, st->pots[k].path, mo->fail_msg[k]);
    }
    return CLI_EXIT_OK;
}

/* The assignment of potential k (k = -1: the teacher against experiment). */
static const nnv_assignment *get_asg(const study_mol *mo, int k, int vs_teacher)
{
    if (k < 0) return vs_teacher ? NULL : mo->tch_vs_exp;
    if (!mo->cmp[k]) return NULL;
    return vs_teacher ? mo->cmp[k]->vs_teacher : mo->cmp[k]->vs_ref;
}

static const nnv_reference *get_ref(const study_mol *mo, int vs_teacher)
{
    return vs_teacher ? mo->tch : mo->exp;
}

/* Pool every assigned band of every molecule: each band counts once, with
 * the mean of its computed modes (as in nnv_assign_modes' metrics). */
static void aggregate(study_agg *g, const study *st, int k, int vs_teacher)
{
    double sa = 0, sq = 0, scr = 0, scc = 0, ss = 0;
    memset(g, 0, sizeof *g);
    g->mae = g->rmse = g->max_abs = g->scale = g->mae_scaled = NAN;
    for (int pass = 0; pass < 2; pass++) {
        for (int m = 0; m < st->n_mols; m++) {
            const nnv_assignment *a = get_asg(&st->mols[m], k, vs_teacher);
            const nnv_reference *r = get_ref(&st->mols[m], vs_teacher);
            if (!a || !r) continue;
            for (int b = 0; b < a->n_bands; b++) {
                double c, f, d;
                if (a->band_n_calc[b] == 0) continue;
                c = a->band_calc[b], f = r->bands[b].freq, d = c - f;
                if (pass == 1) {
                    ss += fabs(g->scale * c - f);
                    continue;
                }
                g->n++;
                sa += fabs(d), sq += d * d, scr += c * f, scc += c * c;
                if (!(fabs(d) <= g->max_abs)) g->max_abs = fabs(d);
            }
        }
        if (g->n == 0) return;
        if (pass == 0) g->mae = sa / g->n, g->rmse = sqrt(sq / g->n), g->scale = scc > 0 ? scr / scc : NAN;
    }
    g->mae_scaled = ss / g->n;
}

/* ---- smoothness diagnostics --------------------------------------------- */

static double dist2(const nnv_structure *s, int i, int j)
{
    double d = 0;
    for (int q = 0; q < 3; q++) d += (s->xyz[3 * i + q] - s->xyz[3 * j + q]) * (s->xyz[3 * i + q] - s->xyz[3 * j + q]);
    return d;
}

/* The nearest atom to i with atomic number Z (Z = 0: any heavy atom), other
 * than the atoms in excl; -1 when none. */
static int nearest(const nnv_structure *s, int i, int Z, int excl)
{
    int best = -1;
    for (int j = 0; j < s->n_atoms; j++) {
        if (j == i || j == excl) continue;
        if (Z ? s->Z[j] != Z : s->Z[j] == 1) continue;
        if (best < 0 || dist2(s, i, j) < dist2(s, i, best)) best = j;
    }
    return best;
}

/* Paths of the diagnostics: the O-H stretch (the first O and its nearest H)
 * and, when the O has a heavy neighbour X with an H of its own, the torsion
 * H-X-O-H. Returns the number of paths (0 without an O-H). */
static int diag_paths(nnv_path *pa, char names[2][64], const nnv_structure *s)
{
    int o = -1, h, x, hx, n = 0;
    for (int i = 0; i < s->n_atoms && o < 0; i++)
        if (s->Z[i] == 8) o = i;
    if (o < 0 || (h = nearest(s, o, 1, -1)) < 0) return 0;
    memset(pa, 0, 2 * sizeof *pa);
    pa[0].kind = NNV_PATH_BOND, pa[0].atoms[0] = o, pa[0].atoms[1] = h;
    pa[0].t_start = -0.05, pa[0].t_end = 0.05;
    snprintf(names[0], 64, "O%d-H%d stretch ±0.05 Å", o + 1, h + 1);
    n = 1;
    x = nearest(s, o, 0, -1);
    if (x >= 0 && dist2(s, o, x) < 2.0 * 2.0 && (hx = nearest(s, x, 1, h)) >= 0 && dist2(s, x, hx) < 1.3 * 1.3) {
        pa[1].kind = NNV_PATH_TORSION;
        pa[1].atoms[0] = hx, pa[1].atoms[1] = x, pa[1].atoms[2] = o, pa[1].atoms[3] = h;
        pa[1].t_start = -10.0, pa[1].t_end = 10.0;
        snprintf(names[1], 64, "H%d-%s%d-O%d-H%d torsion ±10°", hx + 1, nnv_element_symbol(s->Z[x]), x + 1, o + 1,
                 h + 1);
        n = 2;
    }
    return n;
}

/* Returns NNV_OK or NNV_ENOMEM; other failures are recorded in d->msg. */
static int run_diag(study_diag *d, const nnv_potential *p, const nnv_structure *s0)
{
    nnv_structure *s = NULL;
    nnv_opt_options oo;
    nnv_opt_report rep;
    nnv_curvature *cv = NULL;
    nnv_compute_options co = {0u, 0.0, cli_max_hessian_mb()};
    nnv_md_options mo;
    nnv_path pa[2];
    nnv_error err = {0, ""};
    int code;
    memset(d, 0, sizeof *d);
    memset(&oo, 0, sizeof oo);
    if ((code = nnv_structure_copy(&s, s0, &err)) != NNV_OK) goto cleanup;
    if ((code = nnv_optimize(s, p, &oo, &rep, &err)) != NNV_OK) goto cleanup;
    d->converged = rep.converged;
    d->n_paths = diag_paths(pa, d->path_name, s);
    for (int k = 0; k < d->n_paths; k++) {
        double h = (pa[k].t_end - pa[k].t_start) / SCAN_POINTS;
        if ((code = nnv_path_scan(&d->fscan[k], p, s, &pa[k], NNV_SCAN_FORCES, h, SCAN_LEVELS, &co, &err)) !=
            NNV_OK)
            goto cleanup;
    }
    if ((code = nnv_curvature_split(&cv, p, s, &co, &err)) != NNV_OK) goto cleanup;
    d->net_share = cv->net_share, d->max_abs_net = cv->max_abs_net, d->norm_total = cv->norm_total;
    if ((code = nnv_hessian_fd_disagreement(d->fd, fd_steps, N_FD, p, s, &co, &err)) != NNV_OK) goto cleanup;
    memset(&mo, 0, sizeof mo); /* no observer */
    mo.temperature = MD_T, mo.dt = MD_DT, mo.n_steps = MD_STEPS, mo.seed = MD_SEED;
    if ((code = nnv_md_run(&d->md, p, s, &mo, &err)) != NNV_OK) goto cleanup;
    d->done = 1;
cleanup:
    if (code != NNV_OK) snprintf(d->msg, sizeof d->msg, "%s", err.message);
    nnv_curvature_free(cv);
    nnv_structure_free(s);
    return code == NNV_ENOMEM ? code : NNV_OK;
}

/* A copy of p with every symmetry function's cutoff function replaced. */
static int with_cutoff(nnv_potential **out, const nnv_potential *p, int cutoff, nnv_error *err)
{
    int code = nnv_potential_copy(out, p, err);
    if (code != NNV_OK) return code;
    for (int e = 0; e < (*out)->n_elements; e++)
        for (int k = 0; k < (*out)->elements[e].n_sf; k++) (*out)->elements[e].sf[k].cutoff = cutoff;
    return NNV_OK;
}

/* The pair (lightest and heaviest element of the potential) is stretched
 * across rc: r from rc - 0.0487 to rc + 0.0513 Å, so no grid point of any
 * level lands on rc itself. */
static int run_cut(study_cut *c, const nnv_potential *p, const int Z[2])
{
    nnv_structure *s = NULL, *s2 = NULL;
    nnv_potential *q = NULL;
    nnv_path pa;
    nnv_error err = {0, ""};
    nnv_compute_options co = {0u, 0.0, cli_max_hessian_mb()};
    double xyz[6] = {0, 0, 0, 0, 0, 0};
    int code;
    double rc = 0;
    memset(c, 0, sizeof *c);
    /* The largest radius of the symmetry functions that see the pair. */
    for (int e = 0; e < p->n_elements; e++)
        for (int j = 0; j < p->elements[e].n_sf; j++) {
            const nnv_sf *sf = &p->elements[e].sf[j];
            int zi = p->elements[e].Z;
            if ((zi == Z[0] && (sf->Zj == Z[1] || sf->Zk == Z[1])) || (zi == Z[1] && (sf->Zj == Z[0] || sf->Zk == Z[0])))
                rc = fmax(rc, sf->rc);
        }
    c->rc = rc;
    if (!(rc > 0.2)) {
        code = nnv_error_set(&err, NNV_EINPUT, "no symmetry function sees a %s-%s pair", nnv_element_symbol(Z[0]),
                             nnv_element_symbol(Z[1]));
        goto cleanup;
    }
    xyz[5] = rc - 0.0487;
    if ((code = nnv_structure_new(&s, 2, Z, xyz, &err)) != NNV_OK) goto cleanup;
    xyz[5] = rc - 0.004;
    if ((code = nnv_structure_new(&s2, 2, Z, xyz, &err)) != NNV_OK) goto cleanup;
    memset(&pa, 0, sizeof pa);
    pa.kind = NNV_PATH_BOND, pa.atoms[0] = 0, pa.atoms[1] = 1, pa.t_start = 0.0, pa.t_end = 0.1;
    for (int k = 0; k < 2; k++) {
        nnv_fd_disagreement fd;
        const double step = 1e-2;
        if ((code = with_cutoff(&q, p, k ? NNV_CUTOFF_POLY2 : NNV_CUTOFF_COS, &err)) != NNV_OK) goto cleanup;
        if ((code = nnv_path_scan(&c->f[k], q, s, &pa, NNV_SCAN_FORCES, 0.005, SCAN_LEVELS, &co, &err)) != NNV_OK)
            goto cleanup;
        if ((code = nnv_path_scan(&c->h[k], q, s, &pa, NNV_SCAN_HESSIAN, 0.005, SCAN_LEVELS, &co, &err)) != NNV_OK)
            goto cleanup;
        if ((code = nnv_hessian_fd_disagreement(&fd, &step, 1, q, s2, &co, &err)) != NNV_OK) goto cleanup;
        c->fd_near[k] = fd.max_abs;
        nnv_potential_free(q);
        q = NULL;
    }
    c->done = 1;
cleanup:
    if (code != NNV_OK) snprintf(c->msg, sizeof c->msg, "%s", err.message);
    nnv_potential_free(q);
    nnv_structure_free(s);
    nnv_structure_free(s2);
    return code == NNV_ENOMEM ? code : NNV_OK;
}

static int run_diagnostics(study *st, char *msg, size_t msglen)
{
    static const char *const names[2] = {"water", "methanol"};
    nnv_structure *s[2] = {NULL, NULL};
    nnv_error err = {0, ""};
    int code = NNV_OK, have_cut = 1, n_tasks = 3 * st->n_pots, oom = 0;
    /* The cutoff pair: the lightest and heaviest element of the first potential. */
    const nnv_potential *p0 = st->pots[0].p;
    st->cut_Z[0] = p0->elements[0].Z, st->cut_Z[1] = p0->elements[p0->n_elements - 1].Z;
    for (int k = 0; k < st->n_pots; k++) {
        const nnv_potential *p = st->pots[k].p;
        if (!nnv_potential_element(p, st->cut_Z[0]) || !nnv_potential_element(p, st->cut_Z[1])) have_cut = 0;
    }
    for (int m = 0; m < 2; m++) {
        char *base = join(st->moldir, "/", names[m]), *path = base ? join(base, ".xyz", "") : NULL;
        free(base);
        if (!path) {
            code = NNV_ENOMEM;
            goto cleanup;
        }
        if (file_exists(path)) {
            code = nnv_structure_read_xyz(&s[m], path, 0, &err);
            st->diag_names[m] = names[m];
        }
        free(path);
        if (code != NNV_OK) goto cleanup;
    }
    if (!st->quiet)
        fprintf(stderr, "nnvib study: smoothness diagnostics%s%s%s\n", s[0] ? " at water" : "",
                s[1] ? " at methanol" : "", have_cut ? ", cutoff experiment" : "");
    /* Tasks 0 .. 2n-1: molecule t / n on potential t % n; 2n .. 3n-1: the cutoff experiment. */
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1)
#endif
    for (int t = 0; t < n_tasks; t++) {
        int k = t % st->n_pots, m = t / st->n_pots, c = NNV_OK;
        if (m < 2) {
            study_diag *d = &st->diag[k][m];
            if (!s[m]) continue;
            if (!describes(st->pots[k].p, s[m])) snprintf(d->msg, sizeof d->msg, "the potential lacks an element");
            else c = run_diag(d, st->pots[k].p, s[m]);
        } else if (have_cut) {
            c = run_cut(&st->cut[k], st->pots[k].p, st->cut_Z);
        }
        if (c != NNV_OK) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
            oom = 1;
        }
    }
    if (oom) code = NNV_ENOMEM;
cleanup:
    nnv_structure_free(s[0]);
    nnv_structure_free(s[1]);
    if (code == NNV_OK) return CLI_EXIT_OK;
    snprintf(msg, msglen, "%s", code == NNV_ENOMEM ? "out of memory" : err.message);
    return cli_exit_of(code);
}

/* ---- figures -------------------------------------------------------------- */

static int count_imag(const nnv_comparison *c)
{
    int n = 0;
    for (int i = 0; c && i < c->v->n_modes; i++) n += c->v->frequencies[i] < 0;
    return n;
}

/* Sticks of the real modes of v, degenerate components (within 0.5 cm⁻¹)
 * merged with their intensities summed, normalised to the largest. */
static int mode_sticks(const nnv_vib *v, double *x, double *y)
{
    int n = 0;
    double ymax = 0;
    for (int i = 0; i < v->n_modes; i++) {
        double f = v->frequencies[i], in = v->ir_intensities ? v->ir_intensities[i] : 1.0;
        if (!(f > 0) || !isfinite(f)) continue;
        if (!isfinite(in) || in < 0) in = 0;
        if (n > 0 && fabs(f - x[n - 1]) <= 0.5) {
            y[n - 1] += in;
            continue;
        }
        x[n] = f, y[n] = in, n++;
    }
    for (int i = 0; i < n; i++) if (y[i] > ymax) ymax = y[i];
    for (int i = 0; i < n; i++) y[i] = ymax > 0 ? y[i] / ymax : 1.0;
    return n;
}

static double axis_max(const study_mol *mo, int n_pots)
{
    double f = 0;
    if (mo->tch)
        for (int b = 0; b < mo->tch->n_bands; b++) f = fmax(f, mo->tch->bands[b].freq);
    if (mo->exp)
        for (int b = 0; b < mo->exp->n_bands; b++) f = fmax(f, mo->exp->bands[b].freq);
    for (int k = 0; k < n_pots; k++)
        if (mo->cmp[k])
            for (int i = 0; i < mo->cmp[k]->v->n_modes; i++) f = fmax(f, mo->cmp[k]->v->frequencies[i]);
    return fmax(4000.0, ceil((f + 150.0) / 500.0) * 500.0);
}

static int molecule_figure(const study *st, const study_mol *mo, const char *path, nnv_error *err)
{
    nnv_plot_panel panels[1 + MAX_POTS];
    nnv_plot_series series[1 + MAX_POTS][2];
    nnv_plot_figure fig;
    char titles[1 + MAX_POTS][200], ftitle[160];
    double *buf = NULL, *tx, *ty, *mk, *ex, *ey, *x, *y;
    int nt = 0, ne = 0, n_t = mo->tch ? mo->tch->n_bands : 0, n_e = mo->exp ? mo->exp->n_bands : 0, n_m = 0;
    int code;

    for (int k = 0; k < st->n_pots; k++)
        if (mo->cmp[k]) n_m += mo->cmp[k]->v->n_modes;
    /* One block: teacher x, y, marks; experiment x, y; then every potential's x and y. */
    if (!(buf = malloc((size_t)(3 * n_t + 2 * n_e + 2 * n_m + 1) * sizeof *buf)))
        return nnv_error_set(err, NNV_ENOMEM, "out of memory");
    tx = buf, ty = tx + n_t, mk = ty + n_t, ex = mk + n_t, ey = ex + n_e, x = ey + n_e;
    memset(panels, 0, sizeof panels);
    memset(series, 0, sizeof series);
    if (mo->tch) {
        double imax = 0;
        for (int b = 0; b < n_t; b++)
            if (mo->tch->bands[b].freq > 0) {
                double in = mo->tch->bands[b].intensity;
                tx[nt] = mo->tch->bands[b].freq, ty[nt] = isfinite(in) && in > 0 ? in : 0, mk[nt] = -0.2, nt++;
            }
        for (int i = 0; i < nt; i++) imax = fmax(imax, ty[i]);
        for (int i = 0; i < nt; i++) ty[i] = imax > 0 ? ty[i] / imax : 1.0;
    }
    for (int b = 0; b < n_e; b++)
        if (mo->exp->bands[b].freq > 0) ex[ne] = mo->exp->bands[b].freq, ey[ne] = -0.5, ne++;
    snprintf(titles[0], sizeof titles[0], "references");
    panels[0].title = titles[0];
    panels[0].y_label = "norm. IR int.";
    panels[0].y_min = ne ? -0.6 : -0.05, panels[0].y_max = 1.6; /* room for the legend above the sticks */
    panels[0].series = series[0];
    if (nt) series[0][panels[0].n_series++] = (nnv_plot_series){NNV_PLOT_STICKS, "GFN2-xTB harmonic (teacher)", 0, nt, tx, ty};
    if (ne)
        series[0][panels[0].n_series++] =
            (nnv_plot_series){NNV_PLOT_STICKS, "experiment: fundamentals (position only)", 5, ne, ex, ey};
    for (int k = 0; k < st->n_pots; k++) {
        nnv_plot_panel *pn = &panels[1 + k];
        const nnv_comparison *c = mo->cmp[k];
        pn->series = series[1 + k];
        pn->y_label = "norm. IR int.";
        pn->y_min = nt ? -0.3 : -0.05, pn->y_max = 1.6;
        if (!c) {
            snprintf(titles[1 + k], sizeof titles[1 + k], "%s: failed (%s)", st->pots[k].label,
                     mo->fail_msg[k] ? mo->fail_msg[k] : "not run");
        } else {
            int nimag = count_imag(c), n;
            y = x + c->v->n_modes;
            n = mode_sticks(c->v, x, y);
            char extra[96];
            snprintf(extra, sizeof extra, "%s%s%.0d%s", c->opt.converged ? "" : ", opt. NOT converged",
                     nimag ? ", " : "", nimag, nimag ? " imaginary (not drawn)" : "");
            snprintf(titles[1 + k], sizeof titles[1 + k], "%s: MAE vs teacher %.1f cm⁻¹%s%s", st->pots[k].label,
                     c->vs_teacher ? c->vs_teacher->metrics.mae : NAN, extra,
                     c->v->ir_intensities ? "" : " (no intensities: unit sticks)");
            if (n)
                series[1 + k][pn->n_series++] =
                    (nnv_plot_series){NNV_PLOT_STICKS, st->pots[k].label, st->pots[k].colour, n, x, y};
            x = y + c->v->n_modes;
        }
        if (nt) series[1 + k][pn->n_series++] = (nnv_plot_series){NNV_PLOT_STICKS, "teacher positions", 0, nt, tx, mk};
        pn->title = titles[1 + k];
    }
    snprintf(ftitle, sizeof ftitle, "%s: harmonic stick spectra on each potential", mo->name);
    memset(&fig, 0, sizeof fig);
    fig.title = ftitle;
    fig.x_label = "wavenumber / cm⁻¹";
    fig.x_min = 0, fig.x_max = axis_max(mo, st->n_pots);
    fig.reverse_x = 1;
    fig.width = 900, fig.panel_height = 170;
    fig.n_panels = 1 + st->n_pots;
    fig.panels = panels;
    code = nnv_plot_write_svg(path, &fig, err);
    free(buf);
    return code;
}

#define N_BINS 10
#define BIN_W 500.0

static int errors_figure(const study *st, const char *path, nnv_error *err)
{
    nnv_plot_panel panels[MAX_POTS + 1];
    nnv_plot_series series[MAX_POTS + 1];
    nnv_plot_figure fig;
    char titles[MAX_POTS + 1][160], labels[MAX_POTS][96];
    double *buf = NULL, ymax = 0, xmax = 4000, bx[MAX_POTS][N_BINS], by[MAX_POTS][N_BINS];
    int nb = 0, off = 0, code, nbin[MAX_POTS];

    for (int m = 0; m < st->n_mols; m++)
        if (st->mols[m].tch) nb += st->mols[m].tch->n_bands;
    if (!(buf = malloc(2 * (size_t)(st->n_pots * nb + 1) * sizeof *buf)))
        return nnv_error_set(err, NNV_ENOMEM, "out of memory");
    memset(panels, 0, sizeof panels);
    memset(series, 0, sizeof series);
    for (int k = 0; k < st->n_pots; k++) {
        double *x = buf + off, *y = buf + st->n_pots * nb + off, bs[N_BINS] = {0};
        int n = 0, bn[N_BINS] = {0};
        study_agg g;
        for (int m = 0; m < st->n_mols; m++) {
            const nnv_assignment *a = get_asg(&st->mols[m], k, 1);
            if (!a) continue;
            for (int b = 0; b < a->n_bands; b++) {
                double f = st->mols[m].tch->bands[b].freq;
                int bin;
                if (!a->band_n_calc[b]) continue;
                x[n] = f, y[n] = a->band_calc[b] - f;
                ymax = fmax(ymax, fabs(y[n]));
                xmax = fmax(xmax, f);
                bin = (int)(f / BIN_W);
                if (bin >= N_BINS) bin = N_BINS - 1;
                if (bin < 0) bin = 0;
                bs[bin] += fabs(y[n]), bn[bin]++;
                n++;
            }
        }
        nbin[k] = 0;
        for (int b = 0; b < N_BINS; b++)
            if (bn[b]) bx[k][nbin[k]] = (b + 0.5) * BIN_W, by[k][nbin[k]] = bs[b] / bn[b], nbin[k]++;
        aggregate(&g, st, k, 1);
        off += n;
        series[k] = (nnv_plot_series){NNV_PLOT_STICKS, NULL, st->pots[k].colour, n, x, y};
        snprintf(titles[k], sizeof titles[k], "%s: ν(calc) − ν(teacher), %d bands, MAE %.1f cm⁻¹", st->pots[k].label,
                 g.n, g.mae);
        snprintf(labels[k], sizeof labels[k], "%s (MAE %.1f cm⁻¹)", st->pots[k].label, g.mae);
        panels[k].title = titles[k];
        panels[k].y_label = "error / cm⁻¹";
        panels[k].n_series = n ? 1 : 0;
        panels[k].series = &series[k];
    }
    if (!(ymax > 0)) ymax = 1.0;
    ymax *= 1.05;
    for (int k = 0; k < st->n_pots; k++) panels[k].y_min = -ymax, panels[k].y_max = ymax;
    {
        nnv_plot_series lines[MAX_POTS];
        nnv_plot_panel *pn = &panels[st->n_pots];
        double lmax = 0;
        int nl = 0;
        for (int k = 0; k < st->n_pots; k++) {
            for (int b = 0; b < nbin[k]; b++) lmax = fmax(lmax, by[k][b]);
            if (nbin[k])
                lines[nl++] = (nnv_plot_series){NNV_PLOT_LINE, labels[k], st->pots[k].colour, nbin[k], bx[k], by[k]};
        }
        snprintf(titles[st->n_pots], sizeof titles[st->n_pots],
                 "overview: MAE vs teacher per %.0f cm⁻¹ window (legend: overall MAE)", BIN_W);
        pn->title = titles[st->n_pots];
        pn->y_label = "MAE / cm⁻¹";
        pn->y_min = 0, pn->y_max = lmax > 0 ? lmax * 1.1 : 1.0;
        pn->n_series = nl;
        pn->series = lines;
        memset(&fig, 0, sizeof fig);
        fig.title = "Harmonic frequency errors against the GFN2-xTB teacher, per activation";
        fig.x_label = "teacher wavenumber ν(teacher) / cm⁻¹";
        fig.x_min = 0, fig.x_max = fmax(4000.0, ceil((xmax + 150.0) / 500.0) * 500.0);
        fig.reverse_x = 1;
        fig.width = 900, fig.panel_height = 200;
        fig.n_panels = st->n_pots + 1;
        fig.panels = panels;
        code = nnv_plot_write_svg(path, &fig, err);
    }
    free(buf);
    return code;
}

/* ---- the report ------------------------------------------------------------ */

static void fnum(FILE *f, const char *fmt, double x)
{
    if (isfinite(x)) fprintf(f, fmt, x);
    else fputs("–", f);
}

/* Markdown table cell text: '|' escaped, newlines dropped. */
static void md_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|') fputs("\\|", f);
        else if (*s == '\n' || *s == '\r') fputc(' ', f);
        else fputc(*s, f);
    }
}

/* CSV field: commas become ';' and quotes ''' so that every row splits the same way. */
static void csv_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == ',') fputc(';', f);
        else if (*s == '"') fputc('\'', f);
        else if (*s == '\n' || *s == '\r') fputc(' ', f);
        else fputc(*s, f);
    }
}

static const char *rmse_part(const char *desc)
{
    const char *r = desc ? strstr(desc, "RMSE") : NULL;
    return r ? r : "";
}


typedef struct pot_summary {
    int analysed, failed, imag, n_mols_teacher, n_mols_exp;
    study_agg t, e;
} pot_summary;

static void summarise(pot_summary *ps, const study *st, int k)
{
    memset(ps, 0, sizeof *ps);
    for (int m = 0; m < st->n_mols; m++) {
        const study_mol *mo = &st->mols[m];
        if (!mo->described) continue;
        if (k < 0) {
            if (mo->tch && mo->exp) ps->analysed++;
            if (mo->tch)
                for (int b = 0; b < mo->tch->n_bands; b++)
                    ps->imag += mo->tch->bands[b].freq < 0 ? mo->tch->bands[b].degeneracy : 0;
            continue;
        }
        if (mo->cmp[k]) ps->analysed++;
        if (!mo->cmp[k] || !mo->cmp[k]->opt.converged) ps->failed++;
        ps->imag += count_imag(mo->cmp[k]);
    }
    if (k >= 0) aggregate(&ps->t, st, k, 1);
    aggregate(&ps->e, st, k, 0);
}

static void write_findings(FILE *f, const study *st, const pot_summary *ps, const pot_summary *tps)
{
    int best = -1, worst = -1, best_e = -1;
    for (int k = 0; k < st->n_pots; k++) {
        if (!isfinite(ps[k].t.mae)) continue;
        if (best < 0 || ps[k].t.mae < ps[best].t.mae) best = k;
        if (worst < 0 || ps[k].t.mae > ps[worst].t.mae) worst = k;
        if (isfinite(ps[k].e.mae_scaled) && (best_e < 0 || ps[k].e.mae_scaled < ps[best_e].e.mae_scaled)) best_e = k;
    }
    fputs("## Findings\n\n", f);
    fputs("*Generated from the numbers above by `nnvib study`; no sentence here is written by hand.*\n\n", f);
    if (best >= 0 && worst >= 0 && best != worst) {
        fprintf(f, "- Against the teacher (the network's own error), **%s** has the lowest MAE, %.1f cm⁻¹ over %d "
                   "bands, and **%s** the highest, %.1f cm⁻¹ (%.1f× as large).",
                st->pots[best].label, ps[best].t.mae, ps[best].t.n, st->pots[worst].label, ps[worst].t.mae,
                ps[worst].t.mae / ps[best].t.mae);
        {
            int n_mid = 0;
            for (int k = 0; k < st->n_pots; k++)
                if (k != best && k != worst && isfinite(ps[k].t.mae))
                    fprintf(f, "%s %s %.1f", n_mid++ ? "," : " In between:", st->pots[k].label, ps[k].t.mae);
            if (n_mid) fputs(" cm⁻¹.", f);
        }
        fputc('\n', f);
    } else if (best >= 0) {
        fprintf(f, "- Against the teacher, %s has an MAE of %.1f cm⁻¹ over %d bands.\n", st->pots[best].label,
                ps[best].t.mae, ps[best].t.n);
    }
    if (best_e >= 0) {
        fprintf(f, "- Against experiment after the least-squares scale factor, %s is closest (MAE %.1f cm⁻¹, "
                   "c = %.4f)",
                st->pots[best_e].label, ps[best_e].e.mae_scaled, ps[best_e].e.scale);
        if (isfinite(tps->e.mae_scaled))
            fprintf(f, "; the teacher GFN2-xTB itself reaches %.1f cm⁻¹ after scaling (c = %.4f)", tps->e.mae_scaled,
                    tps->e.scale);
        fputs(".\n", f);
    }
    {
        int any = 0;
        for (int k = 0; k < st->n_pots; k++) any |= ps[k].imag > 0 || ps[k].failed > 0;
        if (any) {
            fputs("- Imaginary modes / failed or unconverged optimisations:", f);
            for (int k = 0; k < st->n_pots; k++)
                fprintf(f, "%s %s %d / %d", k ? ";" : "", st->pots[k].label, ps[k].imag, ps[k].failed);
            fputs(".\n", f);
        } else {
            fputs("- No potential produced an imaginary mode or a failed optimisation.\n", f);
        }
    }
    for (int m = 0; m < 2; m++) {
        if (!st->diag_names[m]) continue;
        fprintf(f, "- At the %s minimum: network share of the Hessian", st->diag_names[m]);
        for (int k = 0; k < st->n_pots; k++) {
            const study_diag *d = &st->diag[k][m];
            if (!d->done) continue;
            fprintf(f, "%s %s %.4f", k ? "," : "", st->pots[k].label, d->net_share);
            if (d->max_abs_net == 0.0) fputs(" (exactly 0: max |H_net| = 0)", f);
        }
        fputs("; force-continuity ratio jump(h)/jump(h/2) at the finest step along the stretch", f);
        for (int k = 0; k < st->n_pots; k++) {
            const study_diag *d = &st->diag[k][m];
            if (!d->done || d->n_paths < 1) continue;
            fprintf(f, "%s %s ", k ? "," : "", st->pots[k].label);
            fnum(f, "%.2f", d->fscan[0].ratio[SCAN_LEVELS - 2]);
        }
        fputs(" (≈2: continuous forces, ≈1: the forces jump); largest |Δν| analytic vs FD Hessian at step 1e-4 Å", f);
        for (int k = 0; k < st->n_pots; k++) {
            const study_diag *d = &st->diag[k][m];
            if (!d->done) continue;
            fprintf(f, "%s %s %.3g cm⁻¹", k ? "," : "", st->pots[k].label, d->fd[2].max_freq);
        }
        fputs("; NVE energy drift", f);
        for (int k = 0; k < st->n_pots; k++) {
            const study_diag *d = &st->diag[k][m];
            if (!d->done) continue;
            fprintf(f, "%s %s %.3g meV/ps", k ? "," : "", st->pots[k].label, 1e3 * d->md.drift_per_ps);
        }
        fputs(".\n", f);
    }
    {
        int any = 0;
        for (int k = 0; k < st->n_pots; k++) any |= st->cut[k].done;
        if (any) {
            fputs("- Cutoff: Hessian-continuity ratio at the finest step as the pair crosses rc, COS vs POLY2:", f);
            for (int k = 0; k < st->n_pots; k++)
                if (st->cut[k].done)
                {
                    fprintf(f, "%s %s ", k ? ";" : "", st->pots[k].label);
                    fnum(f, "%.2f", st->cut[k].h[0].ratio[SCAN_LEVELS - 2]);
                    fputs(" vs ", f);
                    fnum(f, "%.2f", st->cut[k].h[1].ratio[SCAN_LEVELS - 2]);
                }
            fputs(" (≈1: the Hessian jumps at rc, ≈2: continuous).\n", f);
        }
    }
    fputc('\n', f);
}

static void write_cmdline(FILE *f, const study *st)
{
    /* The BLAS thread count can flip ties in an assignment (see Makefile.am): part of the command. */
    const char *bt = getenv("OPENBLAS_NUM_THREADS");
    if (bt && *bt && strspn(bt, "0123456789") == strlen(bt)) fprintf(f, "OPENBLAS_NUM_THREADS=%s ", bt);
    fputs("nnvib", f);
    for (int i = 0; i < st->argc; i++) fprintf(f, " %s", st->argv[i]);
}

static void write_smoothness(FILE *f, const study *st)
{
    fputs("## Smoothness diagnostics\n\n", f);
    fprintf(f, "Each molecule is first optimised on each potential (L-BFGS, max |F| ≤ 1e-5 eV/Å); all numbers are "
               "from the library (`include/nnvib/diagnostics.h`, `include/nnvib/md.h`), as `nnvib smoothness` and "
               "`nnvib md` print them.\n\n");
    fprintf(f, "- **Force continuity**: the largest step-to-step change of any force component along the path "
               "with %d steps, then 2×, 4×, 8× as many; ratio = jump(h)/jump(h/2): ≈ 2 when the forces are "
               "continuous, ≈ 1 when they jump somewhere on the path.\n",
            SCAN_POINTS);
    fputs("- **Network share** ‖H_net‖_F / (‖H_net‖_F + ‖H_sf‖_F) at the minimum: the part of the Hessian that is "
          "the network's own curvature (exactly 0 for ReLU, whose second derivative vanishes).\n", f);
    fputs("- **Analytic vs finite-difference Hessian**: the largest |Δν| between the analytic Hessian's "
          "frequencies and those of central differences of the analytic forces.\n", f);
    fprintf(f, "- **NVE MD**: velocity Verlet, %.0f K Maxwell–Boltzmann start (seed %u), dt = %.1f fs, %d steps "
               "(%.1f ps): least-squares drift of the total energy and its RMS fluctuation.\n\n",
            MD_T, MD_SEED, MD_DT, MD_STEPS, MD_STEPS * MD_DT / 1000.0);
    for (int m = 0; m < 2; m++) {
        if (!st->diag_names[m]) continue;
        fprintf(f, "### %s\n\n", st->diag_names[m]);
        fputs("| activation | opt. | path | max jump h (eV/Å) | max jump h/8 (eV/Å) | ratios | network share | "
              "max abs H_net (eV/Å²) | max Δν FD 1e-2 | 1e-3 | 1e-4 (cm⁻¹) | MD drift (meV/ps) | MD RMS fluct. "
              "(meV) | MD mean T (K) |\n",
              f);
        fputs("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n", f);
        for (int k = 0; k < st->n_pots; k++) {
            const study_diag *d = &st->diag[k][m];
            if (!d->done) {
                fprintf(f, "| %s | not run: ", st->pots[k].label);
                md_text(f, d->msg);
                fputs(" | | | | | | | | | | | | |\n", f);
                continue;
            }
            for (int q = 0; q < (d->n_paths ? d->n_paths : 1); q++) {
                fprintf(f, "| %s | %s | ", st->pots[k].label, d->converged ? "conv." : "NOT conv.");
                if (d->n_paths) {
                    const nnv_scan *sc = &d->fscan[q];
                    fprintf(f, "%s | %.3e | %.3e | ", d->path_name[q], sc->level[0].max_jump,
                            sc->level[sc->n_levels - 1].max_jump);
                    for (int r = 0; r + 1 < sc->n_levels; r++) {
                        fputs(r ? ", " : "", f);
                        fnum(f, "%.2f", sc->ratio[r]);
                    }
                    fputs(" | ", f);
                } else {
                    fputs("(no O–H) | | | | ", f);
                }
                if (q == 0) {
                    fprintf(f, "%.4f | %.3e | %.3g | %.3g | %.3g | %.3g | %.3g | %.1f |\n", d->net_share,
                            d->max_abs_net, d->fd[0].max_freq, d->fd[1].max_freq, d->fd[2].max_freq,
                            1e3 * d->md.drift_per_ps, 1e3 * d->md.rms_fluctuation, d->md.mean_temperature);
                } else {
                    fputs("〃 | | | | | | | |\n", f);
                }
            }
        }
        fputc('\n', f);
    }
    {
        int any = 0;
        for (int k = 0; k < st->n_pots; k++) any |= st->cut[k].done || st->cut[k].msg[0];
        if (!any) return;
    }
    fprintf(f, "### Cutoff functions: COS (C¹) vs POLY2 (C²)\n\n");
    fprintf(f, "Every symmetry function of the potential is given the COS or the POLY2 cutoff (same rc, the largest of the functions that see the pair; the "
               "networks were trained with the cutoff the potential's description names, so only the smoothness "
               "is meaningful here, not the energies). A %s–%s pair is stretched from r = rc − 0.0487 Å to "
               "rc + 0.0513 Å with steps 0.005, 0.0025, 0.00125, 0.000625 Å: the Hessian-continuity ratio at the "
               "finest step is ≈ 1 when the Hessian jumps at rc. FD: max |H_analytic − H_FD| (eV/Å²) with a "
               "0.01 Å step at r = rc − 0.004 Å (the step crosses rc).\n\n",
            nnv_element_symbol(st->cut_Z[0]), nnv_element_symbol(st->cut_Z[1]));
    fputs("| activation | cutoff | rc (Å) | force ratios | Hessian max jump h/8 (eV/Å²) | Hessian ratios | largest "
          "jump at r (Å) | FD vs analytic near rc (eV/Å²) |\n|---|---|---|---|---|---|---|---|\n",
          f);
    for (int k = 0; k < st->n_pots; k++) {
        const study_cut *c = &st->cut[k];
        if (!c->done) {
            fprintf(f, "| %s | not run: ", st->pots[k].label);
            md_text(f, c->msg);
            fputs(" | | | | | | |\n", f);
            continue;
        }
        for (int q = 0; q < 2; q++) {
            const nnv_scan *h = &c->h[q];
            fprintf(f, "| %s | %s | %.2f | ", st->pots[k].label, q ? "POLY2" : "COS", c->rc);
            for (int r = 0; r + 1 < c->f[q].n_levels; r++) {
                fputs(r ? ", " : "", f);
                fnum(f, "%.2f", c->f[q].ratio[r]);
            }
            fprintf(f, " | %.3e | ", h->level[h->n_levels - 1].max_jump);
            for (int r = 0; r + 1 < h->n_levels; r++) {
                fputs(r ? ", " : "", f);
                fnum(f, "%.2f", h->ratio[r]);
            }
            fprintf(f, " | %.4f | %.3e |\n", c->rc - 0.0487 + h->level[h->n_levels - 1].t_at, c->fd_near[q]);
        }
    }
    fputc('\n', f);
}

static int write_report(const study *st, const char *path, nnv_error *err)
{
    nnv_ofile *of = NULL;
    FILE *f;
    pot_summary ps[MAX_POTS], tps;
    int code, n_desc = 0, n_total = 0;

    for (int m = 0; m < st->n_mols; m++) n_desc += st->mols[m].described, n_total++;
    for (int k = 0; k < st->n_pots; k++) summarise(&ps[k], st, k);
    summarise(&tps, st, -1);
    if ((code = nnv_ofile_open(&of, path, err)) != NNV_OK) return code;
    f = nnv_ofile_stream(of);
    fputs("# The activation study:", f);
    for (int k = 0; k < st->n_pots; k++) fprintf(f, "%s %s", k == 0 ? "" : " vs", st->pots[k].label);
    fputs(" against the teacher and experiment\n\n", f);
    fputs("<!-- Generated by `nnvib study`; do not edit by hand: rerun the command below. -->\n\n", f);
    fprintf(f, "Generated by nnvib %s. Regenerate with `make study`, which runs, in the source folder:\n\n```\n",
            nnv_version());
    write_cmdline(f, st);
    fputs("\n```\n\n", f);
    fprintf(f, "**What was compared.** %d molecule%s of `%s/` (%d described by every potential", n_total,
            n_total == 1 ? "" : "s", st->moldir, n_desc);
    if (st->only) fprintf(f, "; selected with `--only %s`", st->only);
    fprintf(f, "), each optimised on each potential (L-BFGS to max |F| ≤ 1e-5 eV/Å, at most 500 steps), its analytic "
               "Hessian diagonalised (harmonic analysis, IR intensities from the charge networks) and its modes "
               "assigned one-to-one to reference bands (Hungarian algorithm on |Δν|, degeneracies respected, "
               "`nnv_compare_potential`), against two references:\n\n");
    fprintf(f, "- the **teacher**: the GFN2-xTB harmonic spectrum the networks were trained to reproduce "
               "(`%s/gfn2xtb/`). This isolates the network's own error;\n",
            st->refdir);
    fprintf(f, "- **experiment**: gas-phase fundamentals (`%s/experimental/`, every value cited there).\n\n",
            st->refdir);
    fputs("**Caveats.** Experimental fundamentals are *anharmonic*: harmonic frequencies of a good surface lie above "
          "them, typically 2–5 % (most for X–H stretches), so unscaled errors against experiment mix the "
          "network's error, the teacher's error and anharmonicity; the least-squares scale factor c = Σ ν_calc "
          "ν_exp / Σ ν_calc² removes the systematic part. Several fundamentals are perturbed by Fermi resonances "
          "or are large-amplitude torsions, and modes are matched by frequency only (no symmetry labels), so two "
          "close bands can be swapped. See [reference_spectra/README.md](../reference_spectra/README.md).\n\n",
          f);
    fputs("**Statistics.** Every reference band that received a computed mode counts once (the mean of its modes); "
          "MAE, RMSE, max |Δ| and the scale factor are pooled over all bands of all molecules of one potential "
          "(the rows of [results.csv](results.csv)). A *failed* optimisation is one that did not converge (the "
          "modes are still analysed at the last geometry) or a molecule the pipeline could not analyse.\n\n",
          f);
    fputs("## Potentials\n\n| file | activation | smoothness | training RMSE (train/val/test) |\n|---|---|---|---|\n", f);
    for (int k = 0; k < st->n_pots; k++) {
        fprintf(f, "| `%s` | %s | %s | ", st->pots[k].path, st->pots[k].label,
                nnv_smoothness_name(nnv_potential_smoothness(st->pots[k].p)));
        md_text(f, rmse_part(st->pots[k].p->description));
        fputs(" |\n", f);
    }
    fputs("\nDescriptions (from the weights files):\n\n", f);
    for (int k = 0; k < st->n_pots; k++) {
        fprintf(f, "- **%s**: ", st->pots[k].label);
        md_text(f, st->pots[k].p->description ? st->pots[k].p->description : "");
        fputc('\n', f);
    }
    fputs("\n## Summary\n\n", f);
    fputs("cm⁻¹ throughout; *teacher* = against GFN2-xTB harmonic, *exp* = against experimental fundamentals; c = "
          "least-squares scale factor against experiment.\n\n",
          f);
    fputs("| activation | molecules | failed opt. | imaginary modes | MAE teacher | RMSE teacher | max teacher | "
          "MAE exp | RMSE exp | max exp | c | MAE exp scaled |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n",
          f);
    for (int k = -1; k < st->n_pots; k++) {
        const pot_summary *p = k < 0 ? &tps : &ps[k];
        if (k < 0 && tps.analysed == 0) continue;
        if (k < 0) fputs("| GFN2-xTB (teacher itself) | ", f);
        else fprintf(f, "| **%s** | ", st->pots[k].label);
        fprintf(f, "%d | ", p->analysed);
        if (k < 0) fputs("– | ", f);
        else fprintf(f, "%d | ", p->failed);
        fprintf(f, "%d | ", p->imag);
        if (k < 0) fputs("– | – | – | ", f);
        else {
            fnum(f, "%.1f | ", p->t.mae);
            fnum(f, "%.1f | ", p->t.rmse);
            fnum(f, "%.1f | ", p->t.max_abs);
        }
        fnum(f, "%.1f | ", p->e.mae);
        fnum(f, "%.1f | ", p->e.rmse);
        fnum(f, "%.1f | ", p->e.max_abs);
        fnum(f, "%.4f | ", p->e.scale);
        fnum(f, "%.1f |\n", p->e.mae_scaled);
    }
    fputs("\n![Errors against the teacher per activation](figures/errors.svg)\n\n", f);
    write_findings(f, st, ps, &tps);
    fputs("## Per molecule\n\nMAE in cm⁻¹ (T = vs teacher, E = vs experiment), imaginary modes (im); † = the "
          "optimisation did not converge. Each molecule name links to its figure: the teacher's and the "
          "experimental sticks over each potential's stick spectrum.\n\n| molecule | atoms | GFN2-xTB E |",
          f);
    for (int k = 0; k < st->n_pots; k++)
        fprintf(f, " %s T | %s E | %s im |", st->pots[k].label, st->pots[k].label, st->pots[k].label);
    fputs("\n|---|---|---|", f);
    for (int k = 0; k < st->n_pots; k++) fputs("---|---|---|", f);
    fputc('\n', f);
    for (int m = 0; m < st->n_mols; m++) {
        const study_mol *mo = &st->mols[m];
        if (!mo->described) {
            fprintf(f, "| %s | %d | not described by every potential (missing element) |\n", mo->name, mo->s->n_atoms);
            continue;
        }
        fprintf(f, "| [%s](figures/%s.svg) | %d | ", mo->name, mo->name, mo->s->n_atoms);
        fnum(f, "%.1f", mo->tch_vs_exp ? mo->tch_vs_exp->metrics.mae : NAN);
        fputs(" |", f);
        for (int k = 0; k < st->n_pots; k++) {
            const nnv_comparison *c = mo->cmp[k];
            if (!c) {
                fputs(" failed | failed | – |", f);
                continue;
            }
            fputc(' ', f);
            fnum(f, "%.1f", c->vs_teacher ? c->vs_teacher->metrics.mae : NAN);
            fputs(c->opt.converged ? "" : " †", f);
            fputs(" | ", f);
            fnum(f, "%.1f", c->vs_ref ? c->vs_ref->metrics.mae : NAN);
            fprintf(f, " | %d |", count_imag(c));
        }
        fputc('\n', f);
    }
    fputc('\n', f);
    write_smoothness(f, st);
    if (ferror(f)) {
        nnv_ofile_discard(of);
        return nnv_error_set(err, NNV_EIO, "%s: write error", path);
    }
    return nnv_ofile_commit(of, err);
}

static int write_csv(const study *st, const char *path, nnv_error *err)
{
    nnv_ofile *of = NULL;
    FILE *f;
    int code;
    if ((code = nnv_ofile_open(&of, path, err)) != NNV_OK) return code;
    f = nnv_ofile_stream(of);
    fputs("molecule,activation,potential,against,band,mode,symmetry,degeneracy,ref_cm1,calc_cm1,delta_cm1,n_modes,"
          "converged,n_imaginary\n",
          f);
    for (int m = 0; m < st->n_mols; m++) {
        const study_mol *mo = &st->mols[m];
        for (int k = 0; k < st->n_pots; k++) {
            if (!mo->cmp[k]) continue;
            for (int t = 1; t >= 0; t--) {
                const nnv_assignment *a = get_asg(mo, k, t);
                const nnv_reference *r = get_ref(mo, t);
                if (!a || !r) continue;
                for (int b = 0; b < a->n_bands; b++) {
                    fprintf(f, "%s,%s,", mo->name, st->pots[k].label);
                    csv_text(f, st->pots[k].path);
                    fprintf(f, ",%s,%d,", t ? "teacher" : "experiment", b + 1);
                    csv_text(f, r->bands[b].mode);
                    fputc(',', f);
                    csv_text(f, r->bands[b].symmetry);
                    fprintf(f, ",%d,%.2f,", r->bands[b].degeneracy, r->bands[b].freq);
                    if (a->band_n_calc[b])
                        fprintf(f, "%.2f,%.2f,", a->band_calc[b], a->band_calc[b] - r->bands[b].freq);
                    else
                        fputs(",,", f);
                    fprintf(f, "%d,%d,%d\n", a->band_n_calc[b], mo->cmp[k]->opt.converged, count_imag(mo->cmp[k]));
                }
            }
        }
    }
    if (ferror(f)) {
        nnv_ofile_discard(of);
        return nnv_error_set(err, NNV_EIO, "%s: write error", path);
    }
    return nnv_ofile_commit(of, err);
}

static int make_dir(const char *path, char *msg, size_t msglen)
{
    struct stat sb;
    if (mkdir(path, 0777) == 0 || (errno == EEXIST && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)))
        return CLI_EXIT_OK;
    snprintf(msg, msglen, "%s: cannot create the folder: %s", path, errno == EEXIST ? "not a folder" : strerror(errno));
    return CLI_EXIT_OUTPUT;
}

static int write_outputs(const study *st, char *msg, size_t msglen)
{
    nnv_error err = {0, ""};
    char *figdir = join(st->outdir, "/", "figures"), *path = NULL;
    int code = CLI_EXIT_OK, lib = NNV_OK;
    if (!figdir) goto oom;
    for (int m = 0; m < st->n_mols; m++) {
        char *base;
        if (!st->mols[m].described) continue;
        if (!(base = join(figdir, "/", st->mols[m].name)) || !(path = join(base, ".svg", ""))) {
            free(base);
            goto oom;
        }
        free(base);
        if ((lib = molecule_figure(st, &st->mols[m], path, &err)) != NNV_OK) goto lib_fail;
        free(path);
        path = NULL;
    }
    if (!(path = join(figdir, "/", "errors.svg"))) goto oom;
    if ((lib = errors_figure(st, path, &err)) != NNV_OK) goto lib_fail;
    free(path);
    if (!(path = join(st->outdir, "/", "results.csv"))) goto oom;
    if ((lib = write_csv(st, path, &err)) != NNV_OK) goto lib_fail;
    free(path);
    if (!(path = join(st->outdir, "/", "results.md"))) goto oom;
    if ((lib = write_report(st, path, &err)) != NNV_OK) goto lib_fail;
    goto cleanup;
lib_fail:
    snprintf(msg, msglen, "%s", err.message);
    code = cli_exit_of_write(lib);
    goto cleanup;
oom:
    snprintf(msg, msglen, "out of memory");
    code = CLI_EXIT_INTERNAL;
cleanup:
    free(path);
    free(figdir);
    return code;
}

/* ---- main ----------------------------------------------------------------- */

int cli_study_main(int argc, char **argv)
{
    static const int colours[MAX_POTS] = {2, 1, 3, 4, 6, 7, 0, 5};
    study st;
    nnv_error err = {0, ""};
    char msg[NNV_ERROR_MESSAGE_MAX + 128];
    int code, want_help;

    memset(&st, 0, sizeof st);
    st.argc = argc, st.argv = argv;
    msg[0] = '\0';
    if ((code = parse(&st, argc, argv, &want_help)) != CLI_EXIT_OK) return code;
    if (want_help) {
        help(stdout);
        return fflush(stdout) == 0 && !ferror(stdout) ? CLI_EXIT_OK : CLI_EXIT_OUTPUT;
    }
    for (int k = 0; k < st.n_pots; k++) {
        int lib = nnv_potential_load(&st.pots[k].p, st.pots[k].path, NULL, &err);
        if (lib != NNV_OK) {
            snprintf(msg, sizeof msg, "%s", err.message);
            code = cli_exit_of(lib);
            goto cleanup;
        }
        label_potential(&st.pots[k], 0);
        st.pots[k].colour = colours[k];
    }
    /* Two potentials with one activation: label all by their file names. */
    for (int k = 0; k < st.n_pots; k++)
        for (int j = 0; j < k; j++)
            if (strcmp(st.pots[k].label, st.pots[j].label) == 0) {
                for (int i = 0; i < st.n_pots; i++) label_potential(&st.pots[i], 1);
                j = k = st.n_pots;
            }
    if ((code = list_molecules(&st, msg, sizeof msg)) != CLI_EXIT_OK) goto cleanup;
    if ((code = load_molecules(&st, msg, sizeof msg)) != CLI_EXIT_OK) goto cleanup;
    {
        /* The folders first: a report that cannot be written should not cost the whole run. */
        char *figdir = join(st.outdir, "/", "figures");
        if (!figdir) {
            snprintf(msg, sizeof msg, "out of memory");
            code = CLI_EXIT_INTERNAL;
            goto cleanup;
        }
        if ((code = make_dir(st.outdir, msg, sizeof msg)) == CLI_EXIT_OK) code = make_dir(figdir, msg, sizeof msg);
        free(figdir);
        if (code != CLI_EXIT_OK) goto cleanup;
    }
    if ((code = run_comparisons(&st, msg, sizeof msg)) != CLI_EXIT_OK) goto cleanup;
    if ((code = run_diagnostics(&st, msg, sizeof msg)) != CLI_EXIT_OK) goto cleanup;
    code = write_outputs(&st, msg, sizeof msg);
cleanup:
    if (code != CLI_EXIT_OK) fprintf(stderr, "nnvib study: %s\n", msg);
    for (int m = 0; m < st.n_mols; m++) {
        study_mol *mo = &st.mols[m];
        free(mo->name);
        free(mo->xyz_path);
        free(mo->exp_path);
        free(mo->tch_path);
        nnv_structure_free(mo->s);
        nnv_reference_free(mo->exp);
        nnv_reference_free(mo->tch);
        nnv_assignment_free(mo->tch_vs_exp);
        for (int k = 0; k < st.n_pots; k++) {
            nnv_comparison_free(mo->cmp[k]);
            free(mo->fail_msg[k]);
        }
    }
    free(st.mols);
    for (int k = 0; k < st.n_pots; k++) nnv_potential_free(st.pots[k].p);
    return code;
}
