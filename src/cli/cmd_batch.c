/* `nnvib batch POTENTIAL FILE.xyz...`: analyse every frame of many XYZ files in
 * one process (one compact line or JSON line per structure, in input order),
 * optionally over several structures at once; an error stays with its structure. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Structures analysed together before their lines are printed: bounds the
 * memory held for output while keeping every job busy. */
#define BATCH_WINDOW 256
#define BATCH_MAX_JOBS 1024

/* One structure of the batch and what became of it. */
typedef struct batch_item {
    const char *path;
    int frame;         /* 1-based */
    nnv_structure *s;  /* NULL when the frame could not be read */
    char *read_error;  /* then: why */
    int read_status;   /* and its exit status */
    char *line;        /* the finished output line (with '\n') */
    int status;        /* CLI_EXIT_* */
} batch_item;

typedef struct batch_opts {
    int jobs, opt, json;
    double max_hessian_mb;
} batch_opts;

/* OpenBLAS's own threads (when the BLAS is OpenBLAS): a batch's molecules
 * are small, and waking and parking those threads for every tiny matrix cost
 * more than the products (measured: 216 molecules 1.46 s with them, 0.51 s
 * without). Weak, so that any other BLAS links too; NULL then. */
extern void openblas_set_num_threads(int) __attribute__((weak));

/* Worst first: a batch's exit status is the worst of its structures'. */
static int severity(int st)
{
    switch (st) {
    case CLI_EXIT_OK: return 0;
    case CLI_EXIT_UNRELIABLE: return 1;
    case CLI_EXIT_NOCONV: return 2;
    case CLI_EXIT_NUMERIC: return 3;
    case CLI_EXIT_INPUT: return 4;
    case CLI_EXIT_OUTPUT: return 5;
    default: return 6; /* internal */
    }
}

static const char *status_name(int st)
{
    switch (st) {
    case CLI_EXIT_OK: return "ok";
    case CLI_EXIT_NOCONV: return "not-converged";
    case CLI_EXIT_UNRELIABLE: return "unreliable";
    case CLI_EXIT_NUMERIC: return "numeric";
    case CLI_EXIT_INPUT: return "input";
    case CLI_EXIT_OUTPUT: return "output";
    default: return "internal";
    }
}

/* A text-line field: spaces would break the columns. */
static void put_name(FILE *f, const char *s)
{
    for (const char *p = s; *p; p++) fputc((*p == ' ' || *p == '\t' || *p == '\n') ? '_' : *p, f);
}

static void put_json_line(FILE *f, const batch_item *it, const nnv_analysis *a, int st, const char *msg, int opt)
{
    fputs("{\"file\": ", f);
    json_str(f, it->path);
    fprintf(f, ", \"frame\": %d, \"status\": \"%s\", \"exit_status\": %d", it->frame, status_name(st), st);
    if (a) {
        const nnv_vib *v = a->v;
        int n_imag = 0;
        for (int k = 0; k < v->n_modes; k++) n_imag += v->frequencies[k] < 0;
        fprintf(f, ", \"n_atoms\": %d, \"energy_eV\": ", a->s->n_atoms);
        json_num(f, a->r->energy);
        fprintf(f, ", \"n_modes\": %d, \"n_imaginary\": %d, \"lowest_cm1\": ", v->n_modes, n_imag);
        if (v->n_modes) json_num(f, v->frequencies[0]);
        else fputs("null", f);
        fputs(", \"highest_cm1\": ", f);
        if (v->n_modes) json_num(f, v->frequencies[v->n_modes - 1]);
        else fputs("null", f);
        fputs(", \"frequencies_cm1\": ", f);
        json_vec(f, v->frequencies, v->n_modes);
        if (opt) fprintf(f, ", \"opt\": {\"steps\": %d, \"converged\": %s}", a->opt.steps, a->opt.converged ? "true" : "false");
        fputs(", \"reliability\": ", f);
        cli_reliability_json(f, &a->reliability, NULL);
    }
    fputs(", \"error\": ", f);
    if (msg[0]) json_str(f, msg);
    else fputs("null", f);
    fputs("}\n", f);
}

static void put_text_line(FILE *f, const batch_item *it, const nnv_analysis *a, int st, char *msg)
{
    put_name(f, it->path);
    fprintf(f, " %d ", it->frame);
    if (a) {
        const nnv_vib *v = a->v;
        int n_imag = 0;
        for (int k = 0; k < v->n_modes; k++) n_imag += v->frequencies[k] < 0;
        fprintf(f, "%d %.6f %d ", a->s->n_atoms, a->r->energy, n_imag);
        if (v->n_modes) fprintf(f, "%.2f %.2f ", v->frequencies[0], v->frequencies[v->n_modes - 1]);
        else fputs("- - ", f);
    } else {
        fputs("- - - - - ", f);
    }
    fputs(status_name(st), f);
    if (a) {
        char codes[256];
        cli_reliability_codes(codes, sizeof codes, &a->reliability);
        fprintf(f, " %s", codes);
    } else {
        fputs(" -", f);
    }
    if (msg[0]) {
        /* One line per structure: no newline inside the message. */
        for (char *q = msg; *q; q++)
            if (*q == '\n' || *q == '\r') *q = ' ';
        fprintf(f, " (%s)", msg);
    }
    fputc('\n', f);
}

/* Analyse one structure as `nnvib FILE POT [--opt]` would and build its line. */
static void analyse_item(batch_item *it, const nnv_potential *p, const batch_opts *bo)
{
    nnv_error err = {0, ""};
    nnv_analysis *a = NULL;
    nnv_analysis_options ao;
    char msg[NNV_ERROR_MESSAGE_MAX + 1100];
    int st = CLI_EXIT_OK, code;
    size_t len = 0;
    FILE *f;

    msg[0] = '\0';
    if (!it->s) {
        st = it->read_status;
        snprintf(msg, sizeof msg, "%s", it->read_error);
    } else {
        /* The defaults of the analysis are those of nnvib [--opt]. */
        memset(&ao, 0, sizeof ao);
        ao.optimize = bo->opt;
        ao.max_hessian_mb = bo->max_hessian_mb;
        code = nnv_analyse(&a, p, it->s, &ao, &err);
        if (code != NNV_OK) {
            st = cli_lib_failed(code, &err, msg, sizeof msg);
            if (st == CLI_EXIT_USAGE) st = CLI_EXIT_INTERNAL; /* the batch built the call: not the user's usage */
        } else if (a->optimized && !a->opt.converged) {
            st = CLI_EXIT_NOCONV;
            snprintf(msg, sizeof msg, "--opt: %s %d steps (max force %.3e eV/A > %g eV/A)",
                     a->opt.stalled ? "stalled (no progress) after" : "not converged in", a->opt.steps,
                     a->opt.max_force, 1e-5);
        } else if (a->reliability.verdict == NNV_VERDICT_UNRELIABLE) {
            st = CLI_EXIT_UNRELIABLE;
            snprintf(msg, sizeof msg, "%s", a->reliability.reason[0]);
        }
    }
    if ((f = open_memstream(&it->line, &len))) {
        if (bo->json) put_json_line(f, it, a, st, msg, bo->opt);
        else put_text_line(f, it, a, st, msg);
        if (fclose(f) != 0) {
            free(it->line);
            it->line = NULL;
        }
    }
    it->status = it->line ? st : CLI_EXIT_INTERNAL;
    nnv_analysis_free(a);
}

/* Append an item; NULL when out of memory. */
static batch_item *push_item(batch_item **items, size_t *n, size_t *cap)
{
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 64;
        batch_item *t = realloc(*items, c * sizeof *t);
        if (!t) return NULL;
        *items = t;
        *cap = c;
    }
    memset(&(*items)[*n], 0, sizeof **items);
    return &(*items)[(*n)++];
}

/* Every frame of one file as an item: a structure, or why it is none (a
 * frame that cannot be read fails alone, as the library's reader decides). */
static int read_frames(const char *path, batch_item **items, size_t *n, size_t *cap)
{
    nnv_xyz_reader *r = NULL;
    nnv_error e = {0, ""};
    int code = nnv_xyz_open(&r, path, &e);
    for (;;) {
        nnv_structure *s = NULL;
        batch_item *it;
        if (code == NNV_OK) code = nnv_xyz_next(r, &s, &e);
        if (code == NNV_OK && !s) break;
        if (code == NNV_ENOMEM || !(it = push_item(items, n, cap))) {
            nnv_structure_free(s);
            nnv_xyz_close(r);
            return NNV_ENOMEM;
        }
        it->path = path;
        it->frame = r && nnv_xyz_frame(r) >= 0 ? nnv_xyz_frame(r) + 1 : 1;
        it->s = s;
        if (code != NNV_OK) {
            it->read_status = cli_exit_of(code);
            if (!(it->read_error = strdup(e.message))) {
                nnv_xyz_close(r);
                return NNV_ENOMEM;
            }
            if (!r) break; /* the file itself could not be read */
            code = NNV_OK;
        }
    }
    nnv_xyz_close(r);
    return NNV_OK;
}

int cli_main_batch(int argc, char **argv)
{
    batch_opts bo = {1, 0, 0, 0.0};
    const arg_spec opts[] = {
        {.name = "jobs", .kind = ARG_INT, .dest = &bo.jobs, .metavar = "N",
         .help = "analyse N structures at a time (each on one thread) [1]", .expect = "an integer from 1 to 1024",
         .lo = 1, .hi = BATCH_MAX_JOBS},
        {.name = "opt", .kind = ARG_FLAG, .dest = &bo.opt, .help = "relax each structure first (as nnvib --opt)"},
        {.name = "json", .kind = ARG_FLAG, .dest = &bo.json,
         .help = "one JSON object per line instead (docs/cli.md)"},
        ARG_SPEC_HELP, {0},
    };
    const arg_command cmd = {
        .program = "nnvib batch", .usage = "POTENTIAL FILE.xyz... [--jobs N] [--opt] [--json]",
        .summary = "Analyse every frame of every XYZ file with the potential (weights.bin or n2p2\n"
                   "directory), one line per structure in input order:\n"
                   "  FILE FRAME N_ATOMS ENERGY_eV N_IMAGINARY LOWEST_cm-1 HIGHEST_cm-1 STATUS VERDICT [(message)]\n"
                   "VERDICT is the reliability verdict and its reason codes, e.g. ok or\n"
                   "uncertain:novelty,extrapolation (docs/reliability.md); - when there is no analysis.",
        .opts = opts, .min_pos = 2, .max_pos = -1, .positional = "a potential and at least one XYZ file",
        .exits = ARGS_EXIT_ALL,
        .epilogue = "A failing structure is reported on its line and the batch goes on; the exit\n"
                    "status is the worst of the structures' (input 3 > numeric 4 > not converged 6\n"
                    "> unreliable 7 > ok 0), 3 also when the potential cannot be read.\n"};
    const char **pos = NULL;
    char msg[NNV_ERROR_MESSAGE_MAX + 64];
    int n_pos = 0, st, worst = CLI_EXIT_OK;
    nnv_potential *p = NULL;
    nnv_error err = {0, ""};
    batch_item *items = NULL;
    size_t n_items = 0, cap = 0;
    char *pot_path = NULL; /* pos[0], or the file its short name names */

    if (!(pos = malloc(((size_t)argc + 1) * sizeof *pos))) return args_fail("nnvib batch", CLI_EXIT_INTERNAL, "out of memory");
    st = args_parse(&cmd, argc, argv, pos, &n_pos, msg, sizeof msg);
    if (st != CLI_EXIT_OK) goto cleanup;
    bo.max_hessian_mb = cli_max_hessian_mb();
    /* batch takes the potential first, unlike the other commands. */
    for (int f = 1; f < n_pos; f++)
        if (!cli_is_weights_file(pos[0]) && cli_is_weights_file(pos[f])) {
            snprintf(msg, sizeof msg, "%s is a potential (weights.bin), given after the molecules: batch takes the "
                     "potential first: nnvib batch %s %s ...", pos[f], pos[f], pos[0]);
            st = CLI_EXIT_USAGE;
            goto cleanup;
        }
    if (!(pot_path = cli_potential_resolve(pos[0]))) {
        snprintf(msg, sizeof msg, "out of memory");
        st = CLI_EXIT_INTERNAL;
        goto cleanup;
    }
    if ((st = nnv_potential_load(&p, pot_path, NULL, &err)) != NNV_OK) {
        st = err.code == NNV_ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_INPUT;
        snprintf(msg, sizeof msg, "%s", err.message);
        goto cleanup;
    }
    if (openblas_set_num_threads) openblas_set_num_threads(1);

    /* Every file is read before any work, so the output order is the input
     * order however the structures are shared out. */
    for (int f = 1; f < n_pos; f++)
        if (read_frames(pos[f], &items, &n_items, &cap) != NNV_OK) {
            snprintf(msg, sizeof msg, "out of memory");
            st = CLI_EXIT_INTERNAL;
            goto cleanup;
        }
    for (size_t w0 = 0; w0 < n_items; w0 += BATCH_WINDOW) {
        size_t w1 = w0 + BATCH_WINDOW < n_items ? w0 + BATCH_WINDOW : n_items;
        /* Inside this parallel region nnv_compute stays on its own thread. */
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(bo.jobs) if (bo.jobs > 1)
#endif
        for (long k = (long)w0; k < (long)w1; k++) analyse_item(&items[k], p, &bo);
        for (size_t k = w0; k < w1; k++) {
            batch_item *it = &items[k];
            if (it->line && fputs(it->line, stdout) == EOF) {
                snprintf(msg, sizeof msg, "cannot write to standard output: %s", strerror(errno));
                st = CLI_EXIT_OUTPUT;
                goto cleanup;
            }
            if (!it->line) fprintf(stderr, "nnvib batch: %s frame %d: out of memory\n", it->path, it->frame);
            if (severity(it->status) > severity(worst)) worst = it->status;
            free(it->line);
            it->line = NULL;
        }
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        snprintf(msg, sizeof msg, "cannot write to standard output: %s", strerror(errno));
        st = CLI_EXIT_OUTPUT;
        goto cleanup;
    }
    st = worst;
cleanup:
    if (st == ARGS_DONE) st = CLI_EXIT_OK;
    else if (st != CLI_EXIT_OK && msg[0]) args_fail("nnvib batch", st, msg);
    for (size_t k = 0; k < n_items; k++) {
        free(items[k].line);
        free(items[k].read_error);
        nnv_structure_free(items[k].s);
    }
    free(items);
    free(pot_path);
    free(pos);
    nnv_potential_free(p);
    return st;
}
