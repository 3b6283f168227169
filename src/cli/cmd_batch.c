/* `nnvib batch POTENTIAL FILE.xyz...`: analyse every frame of many XYZ files in
 * one process (one compact line or JSON line per structure, in input order),
 * optionally over several structures at once; an error stays with its structure. */
#define _POSIX_C_SOURCE 200809L
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cli.h"
#include "internal.h"

/* Structures analysed together before their lines are printed: bounds the
 * memory held for output while keeping every job busy. */
#define BATCH_WINDOW 256
#define BATCH_MAX_JOBS 1024

/* One structure of the batch: where its text is, and what became of it. */
typedef struct batch_item {
    const char *path;
    int frame;               /* 1-based */
    const char *text;        /* the frame (count line to the next frame's count line), or NULL */
    size_t len;
    char *read_error;        /* the file could not be read or split here: this message */
    int read_status;         /* its exit status */
    char *line;              /* the finished output line (with '\n') */
    int status;              /* CLI_EXIT_* */
} batch_item;

typedef struct batch_opts {
    int jobs, opt, json;
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
    case CLI_EXIT_NOCONV: return 1;
    case CLI_EXIT_NUMERIC: return 2;
    case CLI_EXIT_INPUT: return 3;
    case CLI_EXIT_OUTPUT: return 4;
    default: return 5; /* internal */
    }
}

static const char *status_name(int st)
{
    switch (st) {
    case CLI_EXIT_OK: return "ok";
    case CLI_EXIT_NOCONV: return "not-converged";
    case CLI_EXIT_NUMERIC: return "numeric";
    case CLI_EXIT_INPUT: return "input";
    case CLI_EXIT_OUTPUT: return "output";
    default: return "internal";
    }
}

/* A growing string (the output line under construction). */
typedef struct sbuf {
    char *s;
    size_t n, cap;
    int oom;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    int k;
    if (b->oom) return;
    for (;;) {
        va_start(ap, fmt);
        k = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (k < 0) {
            b->oom = 1;
            return;
        }
        if (b->s && b->n + (size_t)k < b->cap) {
            b->n += (size_t)k;
            return;
        }
        size_t cap = b->cap ? b->cap : 256;
        while (cap <= b->n + (size_t)k) cap *= 2;
        char *t = realloc(b->s, cap);
        if (!t) {
            b->oom = 1;
            return;
        }
        b->s = t;
        b->cap = cap;
    }
}

/* A JSON string literal by the writer of every other JSON output (which also
 * replaces invalid UTF-8, as a file name may hold), through a memory stream. */
static void sb_json_str(sbuf *b, const char *s)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (!m) {
        b->oom = 1;
        return;
    }
    json_str(m, s);
    if (fclose(m) != 0 || !text) b->oom = 1;
    else sb_printf(b, "%s", text);
    free(text);
}

static void sb_json_num(sbuf *b, double x)
{
    if (isfinite(x)) sb_printf(b, "%.17g", x);
    else sb_printf(b, "null");
}

/* A text-line field: spaces would break the columns. */
static void sb_name(sbuf *b, const char *s)
{
    for (const char *p = s; *p; p++) sb_printf(b, "%c", (*p == ' ' || *p == '\t' || *p == '\n') ? '_' : *p);
}

/* Analyse one structure as `nnvib FILE POT [--opt]` would and build its line. */
static void analyse_item(batch_item *it, const nnv_potential *p, const batch_opts *bo)
{
    nnv_error err = {0, ""};
    nnv_structure *s = NULL;
    nnv_analysis *a = NULL;
    nnv_analysis_options ao;
    const nnv_vib *v = NULL;
    char msg[NNV_ERROR_MESSAGE_MAX + 1100];
    char name[1024];
    int st = CLI_EXIT_OK, code = NNV_OK, n_imag = 0;
    sbuf b = {NULL, 0, 0, 0};

    msg[0] = '\0';
    snprintf(name, sizeof name, "%s:frame %d", it->path, it->frame);
    if (it->read_error) {
        st = it->read_status;
        snprintf(msg, sizeof msg, "%s", it->read_error);
        goto report;
    }
    code = nnv_structure_parse_xyz(&s, it->text, it->len, name, 0, &err);
    if (code != NNV_OK) goto lib_fail;
    /* The defaults of the analysis are those of nnvib [--opt]. */
    memset(&ao, 0, sizeof ao);
    ao.optimize = bo->opt;
    ao.max_hessian_mb = cli_max_hessian_mb();
    code = nnv_analyse(&a, p, s, &ao, &err);
    if (code != NNV_OK) goto lib_fail;
    v = a->v;
    for (int k = 0; k < v->n_modes; k++) n_imag += v->frequencies[k] < 0;
    if (a->optimized && !a->opt.converged) {
        st = CLI_EXIT_NOCONV;
        snprintf(msg, sizeof msg, "--opt: not converged in %d steps (max force %.3e eV/A > %g eV/A)", a->opt.steps,
                 a->opt.max_force, 1e-5);
    }
    goto report;

lib_fail:
    st = cli_exit_of(code);
    if (st == CLI_EXIT_USAGE) st = CLI_EXIT_INTERNAL; /* the batch built the call: not the user's usage */
    snprintf(msg, sizeof msg, "%s", err.message[0] ? err.message : nnv_strerror(code));
report:
    if (bo->json) {
        sb_printf(&b, "{\"file\": ");
        sb_json_str(&b, it->path);
        sb_printf(&b, ", \"frame\": %d, \"status\": \"%s\", \"exit_status\": %d", it->frame, status_name(st), st);
        if (v) {
            sb_printf(&b, ", \"n_atoms\": %d, \"energy_eV\": ", s->n_atoms);
            sb_json_num(&b, a->r->energy);
            sb_printf(&b, ", \"n_modes\": %d, \"n_imaginary\": %d, \"lowest_cm1\": ", v->n_modes, n_imag);
            if (v->n_modes) sb_json_num(&b, v->frequencies[0]);
            else sb_printf(&b, "null");
            sb_printf(&b, ", \"highest_cm1\": ");
            if (v->n_modes) sb_json_num(&b, v->frequencies[v->n_modes - 1]);
            else sb_printf(&b, "null");
            sb_printf(&b, ", \"frequencies_cm1\": [");
            for (int k = 0; k < v->n_modes; k++) {
                if (k) sb_printf(&b, ", ");
                sb_json_num(&b, v->frequencies[k]);
            }
            sb_printf(&b, "]");
            if (bo->opt)
                sb_printf(&b, ", \"opt\": {\"steps\": %d, \"converged\": %s}", a->opt.steps,
                          a->opt.converged ? "true" : "false");
        }
        sb_printf(&b, ", \"error\": ");
        if (msg[0]) sb_json_str(&b, msg);
        else sb_printf(&b, "null");
        sb_printf(&b, "}\n");
    } else {
        sb_name(&b, it->path);
        sb_printf(&b, " %d ", it->frame);
        if (v) {
            sb_printf(&b, "%d %.6f %d ", s->n_atoms, a->r->energy, n_imag);
            if (v->n_modes) sb_printf(&b, "%.2f %.2f ", v->frequencies[0], v->frequencies[v->n_modes - 1]);
            else sb_printf(&b, "- - ");
        } else {
            sb_printf(&b, "- - - - - ");
        }
        sb_printf(&b, "%s", status_name(st));
        if (msg[0]) {
            /* One line per structure: no newline inside the message. */
            for (char *q = msg; *q; q++)
                if (*q == '\n' || *q == '\r') *q = ' ';
            sb_printf(&b, " (%s)", msg);
        }
        sb_printf(&b, "\n");
    }
    if (b.oom) {
        free(b.s);
        b.s = NULL;
        st = CLI_EXIT_INTERNAL;
    }
    it->line = b.s;
    it->status = st;
    nnv_analysis_free(a);
    nnv_structure_free(s);
}

/* Line starting at p (up to '\n' or end): its end (exclusive of the newline). */
static const char *line_end(const char *p, const char *end)
{
    const char *q = memchr(p, '\n', (size_t)(end - p));
    return q ? q : end;
}

static const char *next_line(const char *p, const char *end)
{
    const char *q = line_end(p, end);
    return q < end ? q + 1 : end;
}

static int is_blank_line(const char *p, const char *e)
{
    for (; p < e; p++)
        if (*p != ' ' && *p != '\t' && *p != '\r') return 0;
    return 1;
}

/* A count line: optional blanks, a positive decimal integer, optional blanks. */
static long count_of(const char *p, const char *e)
{
    long n = 0;
    int digits = 0;
    while (p < e && (*p == ' ' || *p == '\t')) p++;
    while (p < e && *p >= '0' && *p <= '9') {
        if (n > 100000000L) return -1;
        n = 10 * n + (*p++ - '0');
        digits++;
    }
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r')) p++;
    return digits && p == e && n > 0 ? n : -1;
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

/* Split a file's text into frames. Each frame's text runs from its count
 * line to the next frame's count line (so the reader can tell a count that
 * is too small); a count line that is not a number ends the file there. */
static int split_frames(const char *path, const char *text, size_t len, batch_item **items, size_t *n,
                        size_t *cap)
{
    const char *p = text, *end = text + len;
    int frame = 0;
    for (;;) {
        const char *e, *q;
        long count;
        batch_item *it;
        /* Blank lines between frames (and at the end) are allowed. */
        while (p < end && frame > 0 && is_blank_line(p, line_end(p, end))) p = next_line(p, end);
        if (p >= end) {
            if (frame > 0) return NNV_OK;
        }
        if (!(it = push_item(items, n, cap))) return NNV_ENOMEM;
        it->path = path;
        it->frame = ++frame;
        it->text = p;
        e = line_end(p, end);
        count = count_of(p, e);
        if (count < 0) {
            /* The reader names what is wrong; nothing after it can be found. */
            it->len = (size_t)(end - p);
            return NNV_OK;
        }
        q = next_line(p, end);
        for (long k = 0; k < count + 1 && q < end; k++) q = next_line(q, end);
        {
            const char *t = q;
            while (t < end && is_blank_line(t, line_end(t, end))) t = next_line(t, end);
            it->len = (size_t)(next_line(t, end) - p);
            p = t;
        }
        if (p >= end) return NNV_OK;
    }
}

static void usage(FILE *f)
{
    fputs("Usage: nnvib batch POTENTIAL FILE.xyz... [--jobs N] [--opt] [--json]\n"
          "Analyse every frame of every XYZ file with the potential (weights.bin or n2p2\n"
          "directory), one line per structure in input order:\n"
          "  FILE FRAME N_ATOMS ENERGY_eV N_IMAGINARY LOWEST_cm-1 HIGHEST_cm-1 STATUS [(message)]\n"
          "  --jobs N   analyse N structures at a time (each on one thread) [1]\n"
          "  --opt      relax each structure first (as nnvib --opt)\n"
          "  --json     one JSON object per line instead (docs/cli.md)\n"
          "A failing structure is reported on its line and the batch goes on. Exit status:\n"
          "the worst of the structures' (input 3 > numeric 4 > not converged 6 > ok 0;\n"
          "1 internal), 2 for a usage error, 3 when the potential cannot be read.\n",
          f);
}

int cli_batch_main(int argc, char **argv)
{
    batch_opts bo = {1, 0, 0};
    const char *pot_path = NULL;
    const char **files = NULL;
    unsigned char **texts = NULL;
    int n_files = 0, st = CLI_EXIT_OK, worst = CLI_EXIT_OK;
    nnv_potential *p = NULL;
    nnv_error err = {0, ""};
    batch_item *items = NULL;
    size_t n_items = 0, cap = 0;

    files = calloc((size_t)argc + 1, sizeof *files);
    texts = calloc((size_t)argc + 1, sizeof *texts);
    if (!files || !texts) {
        fprintf(stderr, "nnvib batch: out of memory\n");
        st = CLI_EXIT_INTERNAL;
        goto cleanup;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            st = fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_OUTPUT;
            goto cleanup;
        } else if (strcmp(a, "--opt") == 0) {
            bo.opt = 1;
        } else if (strcmp(a, "--json") == 0) {
            bo.json = 1;
        } else if (strcmp(a, "--jobs") == 0 || strncmp(a, "--jobs=", 7) == 0) {
            const char *val = a[6] == '=' ? a + 7 : (i + 1 < argc ? argv[++i] : NULL);
            long j;
            if (!val) {
                fprintf(stderr, "nnvib batch: --jobs needs a value\n");
                st = CLI_EXIT_USAGE;
                goto cleanup;
            }
            if (cli_parse_long(val, 1, BATCH_MAX_JOBS, &j) != 0) {
                fprintf(stderr, "nnvib batch: --jobs %s: expected an integer from 1 to %d\n", val, BATCH_MAX_JOBS);
                st = CLI_EXIT_USAGE;
                goto cleanup;
            }
            bo.jobs = (int)j;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "nnvib batch: unknown option '%s' (see nnvib batch --help)\n", a);
            st = CLI_EXIT_USAGE;
            goto cleanup;
        } else if (!pot_path) {
            pot_path = a;
        } else {
            files[n_files++] = a;
        }
    }
    if (!pot_path || n_files == 0) {
        fprintf(stderr, "nnvib batch: expected a potential and at least one XYZ file (see nnvib batch --help)\n");
        st = CLI_EXIT_USAGE;
        goto cleanup;
    }
    if (nnv_potential_load(&p, pot_path, NULL, &err) != NNV_OK) {
        fprintf(stderr, "nnvib batch: %s\n", err.message);
        st = err.code == NNV_ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_INPUT;
        goto cleanup;
    }

    if (openblas_set_num_threads) openblas_set_num_threads(1);

    /* Every file is read and split before any work, so the output order is
     * the input order however the structures are shared out. */
    for (int f = 0; f < n_files; f++) {
        size_t len = 0;
        nnv_error e = {0, ""};
        int code = af_read_all(files[f], &texts[f], &len, &e), rc;
        if (code == NNV_OK && len == 0) {
            code = NNV_EINPUT;
            snprintf(e.message, sizeof e.message, "%s: line 1: empty file, expected an atom count", files[f]);
        }
        if (code != NNV_OK) {
            batch_item *it = push_item(&items, &n_items, &cap);
            if (!it || !(it->read_error = strdup(e.message))) goto nomem;
            it->path = files[f];
            it->frame = 1;
            it->read_status = code == NNV_ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_INPUT;
            continue;
        }
        rc = split_frames(files[f], (const char *)texts[f], len, &items, &n_items, &cap);
        if (rc != NNV_OK) goto nomem;
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
                fprintf(stderr, "nnvib batch: cannot write to standard output: %s\n", strerror(errno));
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
        fprintf(stderr, "nnvib batch: cannot write to standard output: %s\n", strerror(errno));
        st = CLI_EXIT_OUTPUT;
        goto cleanup;
    }
    st = worst;
    goto cleanup;
nomem:
    fprintf(stderr, "nnvib batch: out of memory\n");
    st = CLI_EXIT_INTERNAL;
cleanup:
    for (size_t k = 0; k < n_items; k++) {
        free(items[k].line);
        free(items[k].read_error);
    }
    free(items);
    if (texts)
        for (int f = 0; f < n_files; f++) free(texts[f]);
    free(texts);
    free(files);
    nnv_potential_free(p);
    return st;
}
