/* tools/nnvib-study: the activation study behind `make study` and the report
 * docs/results.md. The options, the loading of potentials, molecules and
 * references, and the order of the steps; run.c, stats.c, report.c and
 * figures.c do the work. A report generator for the project's own
 * documentation, on the public library API (docs/study.md). */
#define _POSIX_C_SOURCE 200809L /* opendir, mkdir, strdup */

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "cli/args.h"
#include "study.h"

/* A path from a format ("%s/%s.xyz"); NULL when out of memory. */
static char *pathf(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
static char *pathf(const char *fmt, ...)
{
    va_list ap;
    char *d;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !(d = malloc((size_t)n + 1))) return NULL;
    va_start(ap, fmt);
    vsnprintf(d, (size_t)n + 1, fmt, ap);
    va_end(ap);
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
 * every energy network (a full committee's first member's), else the file
 * name without folder and extension. */
static void label_potential(study_pot *sp, int by_file)
{
    int act = -2;
    const char *base, *dot;
    size_t len;
    for (int e = 0; e < sp->p->n_elements; e++) {
        const nnv_element_model *el = &sp->p->elements[e];
        const nnv_network *nw = el->members ? &el->members[0] : &el->energy;
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

/* ---- loading -------------------------------------------------------------- */

/* REFDIR/SUB/MOL.tsv (REFDIR/MOL.tsv when SUB is NULL) into *out; a missing
 * file is no error (*out stays NULL). */
static int read_ref(nnv_reference **out, char **path_out, const char *refdir, const char *sub, const char *mol,
                    char *msg, size_t msglen)
{
    nnv_error err = {0, ""};
    char *path = sub ? pathf("%s/%s/%s.tsv", refdir, sub, mol) : pathf("%s/%s.tsv", refdir, mol);
    int code;
    *out = NULL;
    *path_out = NULL;
    if (!path) {
        snprintf(msg, msglen, "out of memory");
        return CLI_EXIT_INTERNAL;
    }
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
}

/* The names of the molecules (MOLDIR/NAME.xyz, those of --only), sorted so
 * that the report does not depend on the order the folder lists them in. */
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
        if (!(name = strdup(de->d_name))) goto oom;
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

/* Each molecule with its references, and whether every potential describes it. */
static int load_molecules(study *st, char *msg, size_t msglen)
{
    nnv_error err = {0, ""};
    int code;
    for (int m = 0; m < st->n_mols; m++) {
        study_mol *mo = &st->mols[m];
        if (!(mo->xyz_path = pathf("%s/%s.xyz", st->moldir, mo->name))) {
            snprintf(msg, msglen, "out of memory");
            return CLI_EXIT_INTERNAL;
        }
        if ((code = nnv_structure_read_xyz(&mo->s, mo->xyz_path, 0, &err)) != NNV_OK) {
            snprintf(msg, msglen, "%s", err.message);
            return cli_exit_of(code);
        }
        if ((code = read_ref(&mo->exp, &mo->exp_path, st->refdir, "experimental", mo->name, msg, msglen)) != 0)
            return code;
        if ((code = st->teacher_dir
                        ? read_ref(&mo->tch, &mo->tch_path, st->teacher_dir, NULL, mo->name, msg, msglen)
                        : read_ref(&mo->tch, &mo->tch_path, st->refdir, "gfn2xtb", mo->name, msg, msglen)) != 0)
            return code;
        mo->described = 1;
        for (int k = 0; k < st->n_pots; k++) mo->described &= study_describes(st->pots[k].p, mo->s);
    }
    return CLI_EXIT_OK;
}

/* path as a folder: made, or already one. */
static int make_dir(const char *path, char *msg, size_t msglen)
{
    struct stat sb;
    if (mkdir(path, 0777) == 0 || (errno == EEXIST && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)))
        return CLI_EXIT_OK;
    snprintf(msg, msglen, "%s: cannot create the folder: %s", path, errno == EEXIST ? "not a folder" : strerror(errno));
    return CLI_EXIT_OUTPUT;
}

/* The molecules of the smoothness diagnostics, water and methanol, from the
 * molecules folder whatever --only says (the diagnostics are a fixed set). */
static int load_diag_molecules(study *st, char *msg, size_t msglen)
{
    static const char *const names[2] = {"water", "methanol"};
    nnv_error err = {0, ""};
    for (int m = 0; m < 2; m++) {
        char *path = pathf("%s/%s.xyz", st->moldir, names[m]);
        int code = NNV_OK;
        if (!path) {
            snprintf(msg, msglen, "out of memory");
            return CLI_EXIT_INTERNAL;
        }
        if (file_exists(path)) {
            code = nnv_structure_read_xyz(&st->diag_s[m], path, 0, &err);
            st->diag_names[m] = names[m];
        }
        free(path);
        if (code != NNV_OK) {
            snprintf(msg, msglen, "%s", err.message);
            return cli_exit_of(code);
        }
    }
    return CLI_EXIT_OK;
}

/* The figures, results.csv, then results.md, which links to them; each file
 * complete or absent (the library's writers and nnv_ofile are atomic). */
static int write_outputs(const study *st, char *msg, size_t msglen)
{
    nnv_error err = {0, ""};
    char *path = NULL;
    int lib = NNV_OK;
    for (int m = 0; m < st->n_mols && lib == NNV_OK; m++) {
        if (!st->mols[m].described) continue;
        if (!(path = pathf("%s/figures/%s.svg", st->outdir, st->mols[m].name))) goto oom;
        lib = study_molecule_figure(st, &st->mols[m], path, &err);
        free(path);
    }
    if (lib == NNV_OK) {
        if (!(path = pathf("%s/figures/errors.svg", st->outdir))) goto oom;
        lib = study_errors_figure(st, path, &err);
        free(path);
    }
    if (lib == NNV_OK) {
        if (!(path = pathf("%s/results.csv", st->outdir))) goto oom;
        lib = study_write_csv(st, path, &err);
        free(path);
    }
    if (lib == NNV_OK) {
        if (!(path = pathf("%s/reliability.csv", st->outdir))) goto oom;
        lib = study_write_reliability_csv(st, path, &err);
        free(path);
    }
    if (lib == NNV_OK) {
        if (!(path = pathf("%s/results.md", st->outdir))) goto oom;
        lib = study_write_report(st, path, &err);
        free(path);
    }
    if (lib == NNV_OK) return CLI_EXIT_OK;
    snprintf(msg, msglen, "%s", err.message);
    return cli_exit_of_write(lib);
oom:
    snprintf(msg, msglen, "out of memory");
    return CLI_EXIT_INTERNAL;
}

/* --only A,B,...: names separated by single commas (an empty name would
 * match no file: a usage error rather than "no such molecule"). */
static int take_only(void *ctx, const char *value, char *msg, size_t msglen)
{
    (void)msg, (void)msglen;
    if (!value || !*value || value[0] == ',' || strstr(value, ",,") || value[strlen(value) - 1] == ',')
        return CLI_EXIT_USAGE;
    *(const char **)ctx = value;
    return CLI_EXIT_OK;
}

/* The options into st; the potentials' paths into st->pots. */
static int parse(study *st, int argc, char **argv, char *msg, size_t msglen)
{
    const arg_spec opts[] = {
        {.name = "molecules", .kind = ARG_STRING, .dest = &st->moldir, .metavar = "DIR",
         .help = "molecules, one XYZ file each [molecules]", .expect = "a folder"},
        {.name = "refdir", .kind = ARG_STRING, .dest = &st->refdir, .metavar = "DIR",
         .help = "reference spectra: DIR/experimental/<mol>.tsv and\nDIR/gfn2xtb/<mol>.tsv [reference_spectra]",
         .expect = "a folder"},
        {.name = "teacher", .kind = ARG_STRING, .dest = &st->teacher_dir, .metavar = "DIR",
         .help = "the teacher's spectra DIR/<mol>.tsv [REFDIR/gfn2xtb]", .expect = "a folder"},
        {.name = "sets", .kind = ARG_STRING, .dest = &st->sets_path, .metavar = "FILE",
         .help = "molecule table (name, groups, set columns): the summary per set\n"
                 "(train, heldout, large) and per functional group", .expect = "a file"},
        {.name = "out", .kind = ARG_STRING, .dest = &st->outdir, .metavar = "DIR",
         .help = "where the report goes [docs]", .expect = "a folder"},
        {.name = "only", .kind = ARG_CALL, .metavar = "A,B,...", .call = take_only, .ctx = &st->only,
         .help = "only these molecules (file names without .xyz)",
         .expect = "molecule names separated by commas"},
        {.name = "quiet", .short_name = 'q', .kind = ARG_FLAG, .dest = &st->quiet, .help = "no progress on stderr"},
        ARG_SPEC_HELP,
        {.name = NULL}};
    const arg_command cmd = {
        .program = STUDY_PROGRAM, .usage = "[options] POTENTIAL...",
        .summary = "The activation study: every molecule of a folder on every potential against the\n"
                   "experimental fundamentals and the GFN2-xTB teacher, the smoothness diagnostics,\n"
                   "and the report DIR/results.md, DIR/results.csv, DIR/figures/*.svg. `make study`\n"
                   "runs it for docs/results.md; see docs/study.md.",
        .opts = opts, .min_pos = 1, .max_pos = MAX_POTS, .positional = "one to 8 POTENTIAL files",
        .exits = ARGS_EXITS_BASIC | ARG_EXIT(CLI_EXIT_OUTPUT)};
    const char **pos = malloc((size_t)argc * sizeof *pos);
    int n_pos = 0, code;
    if (!pos) {
        snprintf(msg, msglen, "out of memory");
        return CLI_EXIT_INTERNAL;
    }
    st->moldir = "molecules", st->refdir = "reference_spectra", st->outdir = "docs";
    code = args_parse(&cmd, argc, argv, pos, &n_pos, msg, msglen);
    for (int k = 0; code == CLI_EXIT_OK && k < n_pos; k++) st->pots[st->n_pots++].path = pos[k];
    free(pos);
    return code;
}

static void free_study(study *st)
{
    for (int m = 0; m < st->n_mols; m++) {
        study_mol *mo = &st->mols[m];
        free(mo->name);
        free(mo->xyz_path);
        free(mo->exp_path);
        free(mo->tch_path);
        free(mo->set);
        free(mo->groups);
        nnv_structure_free(mo->s);
        nnv_reference_free(mo->exp);
        nnv_reference_free(mo->tch);
        nnv_assignment_free(mo->tch_vs_exp);
        for (int k = 0; k < st->n_pots; k++) {
            nnv_comparison_free(mo->cmp[k]);
            free(mo->fail_msg[k]);
        }
    }
    free(st->mols);
    nnv_structure_free(st->diag_s[0]);
    nnv_structure_free(st->diag_s[1]);
    for (int k = 0; k < st->n_pots; k++) nnv_potential_free(st->pots[k].p);
    free(st->argv);
}

int main(int argc, char **argv)
{
    static const int colours[MAX_POTS] = {2, 1, 3, 4, 6, 7, 0, 5};
    study st;
    nnv_error err = {0, ""};
    char msg[NNV_ERROR_MESSAGE_MAX + 128];
    int code;

    memset(&st, 0, sizeof st);
    msg[0] = '\0';
    /* The report repeats the command line as given: keep it before the
     * parser permutes argv. */
    if (!(st.argv = malloc((size_t)argc * sizeof *st.argv)))
        return args_fail(STUDY_PROGRAM, CLI_EXIT_INTERNAL, "out of memory");
    st.argc = argc - 1;
    memcpy(st.argv, argv + 1, (size_t)st.argc * sizeof *st.argv);
    if ((code = parse(&st, argc, argv, msg, sizeof msg)) != CLI_EXIT_OK) {
        free(st.argv);
        return code == ARGS_DONE ? CLI_EXIT_OK : args_fail(STUDY_PROGRAM, code, msg);
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
    if (st.sets_path && (code = study_read_sets(&st, msg, sizeof msg)) != CLI_EXIT_OK) goto cleanup;
    {
        /* The folders first: a report that cannot be written should not cost the whole run. */
        char *figdir = pathf("%s/figures", st.outdir);
        if (!figdir) {
            snprintf(msg, sizeof msg, "out of memory");
            code = CLI_EXIT_INTERNAL;
            goto cleanup;
        }
        if ((code = make_dir(st.outdir, msg, sizeof msg)) == CLI_EXIT_OK) code = make_dir(figdir, msg, sizeof msg);
        free(figdir);
        if (code != CLI_EXIT_OK) goto cleanup;
    }
    if ((code = load_diag_molecules(&st, msg, sizeof msg)) != CLI_EXIT_OK) goto cleanup;
    if ((code = study_run_comparisons(&st, msg, sizeof msg)) != CLI_EXIT_OK) goto cleanup;
    if ((code = study_run_diagnostics(&st, msg, sizeof msg)) != CLI_EXIT_OK) goto cleanup;
    {
        int lib = study_summarise(&st, &err);
        if (lib != NNV_OK) {
            snprintf(msg, sizeof msg, "%s", err.message);
            code = cli_exit_of(lib);
            goto cleanup;
        }
    }
    code = write_outputs(&st, msg, sizeof msg);
cleanup:
    if (code != CLI_EXIT_OK) args_fail(STUDY_PROGRAM, code, msg);
    free_study(&st);
    return code;
}
