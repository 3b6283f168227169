/* n2p2.c: import of n2p2 second-generation Behler–Parrinello potentials
 * (input.nn, scaling.data, weights.NNN.data) into an nnv_potential in Å/eV,
 * reproducing n2p2's own conventions; docs/n2p2.md is the user-facing account.
 *
 * The conventions follow n2p2's source (CompPhysVienna/n2p2, libnnp): Settings.cpp
 * (comments '#' and '!', repeated keywords), Mode.cpp (normalisation, scaling
 * modes, cutoff setup, network topology, weight files), SymFncExpRad/ExpAngn/
 * ExpAngw.cpp (parameters and sort order), SymFnc.cpp (scaling formulas),
 * NeuralNetwork.cpp (connection order, normalize_nodes, activations),
 * Prediction.cpp (E = sum NN / conv_energy + N mean_energy + sum atom_energy). */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model/model_internal.h"
#include <nnvib/n2p2.h>

#define MAX_FILE_BYTES ((size_t)512 << 20) /* no real n2p2 file comes close */
#define MAX_SF 4096
#define MAX_LAYERS 64
#define MAX_LAYER_SIZE 4096
#define MAX_DESCRIPTION 8192

/* n2p2's cutoff numbering (CutoffFunction::CutoffType). */
enum { CT_HARD = 0, CT_COS = 1, CT_TANHU = 2, CT_TANH = 3, CT_EXP = 4, CT_POLY1 = 5, CT_POLY2 = 6,
       CT_POLY3 = 7, CT_POLY4 = 8 };

/* n2p2's scaling types (SymFnc::ScalingType). */
enum { ST_NONE, ST_SCALE, ST_CENTER, ST_SCALECENTER, ST_SCALESIGMA };

/* ---- text files ------------------------------------------------------------ */

typedef struct text_file {
    char *path;  /* dir/name, as used in messages */
    char *buf;   /* the whole file; lines NUL-terminated in place */
    char **line; /* start of each line (0-based; messages count from 1) */
    int n_lines;
    size_t len; /* bytes in buf, without the final NUL */
} text_file;

static void tf_free(text_file *tf)
{
    free(tf->path);
    free(tf->buf);
    free(tf->line);
    memset(tf, 0, sizeof *tf);
}

static char *join_path(const char *dir, const char *name)
{
    size_t nd = strlen(dir), nn = strlen(name);
    int slash = nd > 0 && dir[nd - 1] != '/';
    char *p = malloc(nd + (size_t)slash + nn + 1);
    if (!p) return NULL;
    memcpy(p, dir, nd);
    if (slash) p[nd] = '/';
    memcpy(p + nd + (size_t)slash, name, nn + 1);
    return p;
}

/* Split tf->buf (len bytes, one spare byte after them) into lines (LF or
 * CRLF) in place; refuses NUL bytes, which no text file holds. */
static int tf_split(text_file *tf, size_t len, nnv_error *err)
{
    int n = 1;
    tf->buf[len] = '\0';
    tf->len = len;
    for (size_t i = 0; i < len; i++) {
        if (tf->buf[i] == '\0') {
            int ln = 1;
            for (size_t j = 0; j < i; j++) ln += tf->buf[j] == '\n';
            return nnv_error_set(err, NNV_EINPUT, "%s line %d: NUL byte: not a text file", tf->path, ln);
        }
        if (tf->buf[i] == '\n') {
            if (n == INT_MAX) return nnv_error_set(err, NNV_EINPUT, "%s: too many lines", tf->path);
            n++;
        }
    }
    if (!(tf->line = malloc((size_t)n * sizeof *tf->line)))
        return nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", tf->path);
    tf->n_lines = 0;
    {
        char *s = tf->buf, *end = tf->buf + len;
        while (s <= end) {
            char *nl = memchr(s, '\n', (size_t)(end - s));
            char *e = nl ? nl : end;
            if (!nl && s == end) break; /* no empty line after a final newline */
            *e = '\0';
            if (e > s && e[-1] == '\r') e[-1] = '\0';
            tf->line[tf->n_lines++] = s;
            s = e + 1;
        }
    }
    return NNV_OK;
}

/* Read a whole text file and split it into lines. */
static int tf_read(text_file *tf, const char *dir, const char *name, nnv_error *err)
{
    FILE *f = NULL;
    size_t len = 0, cap = 0, got;
    int rc = NNV_OK;
    char *grown;

    memset(tf, 0, sizeof *tf);
    if (!(tf->path = join_path(dir, name))) return nnv_error_set(err, NNV_ENOMEM, "out of memory");
    f = fopen(tf->path, "rb");
    if (!f) {
        rc = nnv_error_set(err, NNV_EIO, "%s: cannot open: %s", tf->path, strerror(errno));
        goto cleanup;
    }
    for (;;) {
        if (len + 65536 + 1 > cap) {
            size_t ncap = cap ? 2 * cap : 65536 + 1;
            if (ncap > MAX_FILE_BYTES + 65536 + 1) ncap = MAX_FILE_BYTES + 65536 + 1;
            if (ncap <= len + 1) {
                rc = nnv_error_set(err, NNV_EINPUT, "%s: larger than %zu bytes, not an n2p2 file",
                                   tf->path, MAX_FILE_BYTES);
                goto cleanup;
            }
            if (!(grown = realloc(tf->buf, ncap))) {
                rc = nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", tf->path);
                goto cleanup;
            }
            tf->buf = grown;
            cap = ncap;
        }
        got = fread(tf->buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0) break;
        if (len > MAX_FILE_BYTES) {
            rc = nnv_error_set(err, NNV_EINPUT, "%s: larger than %zu bytes, not an n2p2 file",
                               tf->path, MAX_FILE_BYTES);
            goto cleanup;
        }
    }
    if (ferror(f)) {
        rc = nnv_error_set(err, NNV_EIO, "%s: read error: %s", tf->path, strerror(errno));
        goto cleanup;
    }
    if (!tf->buf && !(tf->buf = malloc(1))) {
        rc = nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", tf->path);
        goto cleanup;
    }
    rc = tf_split(tf, len, err);
cleanup:
    if (f) fclose(f);
    if (rc != NNV_OK) tf_free(tf);
    return rc;
}

/* The same from text in memory (copied: lines are cut in place). */
static int tf_from_memory(text_file *tf, const char *dir, const char *name, const char *text, size_t len,
                          nnv_error *err)
{
    int rc;
    memset(tf, 0, sizeof *tf);
    if (!(tf->path = join_path(dir, name))) return nnv_error_set(err, NNV_ENOMEM, "out of memory");
    if (len > MAX_FILE_BYTES) {
        rc = nnv_error_set(err, NNV_EINPUT, "%s: larger than %zu bytes, not an n2p2 file", tf->path,
                           MAX_FILE_BYTES);
        goto cleanup;
    }
    if (!(tf->buf = malloc(len + 1))) {
        rc = nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", tf->path);
        goto cleanup;
    }
    if (len) memcpy(tf->buf, text, len);
    rc = tf_split(tf, len, err);
cleanup:
    if (rc != NNV_OK) tf_free(tf);
    return rc;
}

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

/* Split s in place at blanks; fills at most max pointers, returns the count. */
static int split(char *s, char **tok, int max)
{
    int n = 0;
    while (*s) {
        while (is_blank(*s)) s++;
        if (!*s) break;
        if (n < max) tok[n] = s;
        n++;
        while (*s && !is_blank(*s)) s++;
        if (*s) *s++ = '\0';
    }
    return n;
}

/* Whole token a finite double (strtod; nothing left over). */
static int parse_num(const char *s, double *v)
{
    char *end;
    double x;
    if (!s || !*s) return -1;
    errno = 0;
    x = strtod(s, &end);
    if (end == s || *end != '\0' || !isfinite(x) || (errno == ERANGE && fabs(x) > 1)) return -1;
    *v = x;
    return 0;
}

static int parse_int(const char *s, long lo, long hi, int *v)
{
    char *end;
    long x;
    if (!s || !*s) return -1;
    errno = 0;
    x = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE || x < lo || x > hi) return -1;
    *v = (int)x;
    return 0;
}

/* Copy user text into a message: printable ASCII only, at most n-1 bytes. */
static void printable(char *dst, size_t n, const char *src)
{
    size_t i = 0;
    for (; *src && i + 1 < n; src++) {
        unsigned char c = (unsigned char)*src;
        dst[i++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    dst[i] = '\0';
}

/* ---- input.nn keywords ----------------------------------------------------------- */

typedef struct kw_entry {
    const char *key;
    char **arg;
    int n_arg;
    int line; /* 1-based */
} kw_entry;

typedef struct unit_hint {
    int line;     /* 0: none */
    char word[32];
} unit_hint;

typedef struct sf_in {
    int line, type, ec, e1, e2; /* element indices in ascending Z; e2 = -1 for radial */
    double eta, rs, rc, zeta, lambda;  /* as written in input.nn */
    double k_eta, k_rs, k_rc;          /* n2p2's internal (normalised) values, for sorting */
} sf_in;

typedef struct conv {
    const char *dir; /* the directory, or the caller's name for texts in memory */
    /* Texts in memory (nnv_n2p2_parse) when from_memory, else files in dir. */
    int from_memory;
    const char *mem_input, *mem_scaling;
    size_t mem_input_len, mem_scaling_len;
    const char *const *mem_weights;
    const size_t *mem_weights_len;
    int mem_n_weights;
    text_file in, sc;
    kw_entry *kw;
    int n_kw;
    unit_hint length_hint, energy_hint;
    /* settings */
    int normalize;
    double mean_energy, conv_energy, conv_length;
    int n_el;
    int Z[NNV_MAX_Z];
    double atom_energy[NNV_MAX_Z];
    int cutoff_n2p2, cutoff_ours, cutoff_line;
    double cutoff_alpha;
    int scaling;
    double smin, smax;
    int n_hidden;
    int nodes[MAX_LAYERS];
    int act[MAX_LAYERS + 1];
    char act_letter[MAX_LAYERS + 1];
    int normalize_nodes;
    sf_in *sf;      /* all SFs, grouped by element after sorting */
    int n_sf_total;
    int sf_begin[NNV_MAX_Z + 1];
    double length_factor, energy_factor; /* Å and eV per training unit */
    const char *length_source, *energy_source;
    nnv_warnings warn;
} conv;

/* One of the potential's texts, from its file or from memory. `e` is the
 * element index (ascending Z) for a weights file, -1 for the other two. */
static int load_text(conv *c, text_file *tf, const char *name, int e, nnv_error *err)
{
    const char *text;
    size_t len;
    if (!c->from_memory) return tf_read(tf, c->dir, name, err);
    if (e < 0) {
        int is_input = strcmp(name, "input.nn") == 0;
        text = is_input ? c->mem_input : c->mem_scaling;
        len = is_input ? c->mem_input_len : c->mem_scaling_len;
    } else {
        if (c->mem_n_weights != c->n_el)
            return nnv_error_set(err, NNV_EINPUT, "%s: %d weights text%s given for the %d element%s of input.nn "
                                 "(one per element, in ascending atomic number)", c->dir, c->mem_n_weights,
                                 c->mem_n_weights == 1 ? "" : "s", c->n_el, c->n_el == 1 ? "" : "s");
        text = c->mem_weights[e];
        len = c->mem_weights_len[e];
    }
    return tf_from_memory(tf, c->dir, name, text ? text : "", text ? len : 0, err);
}

static const kw_entry *kw_first(const conv *c, const char *key, int *count)
{
    const kw_entry *first = NULL;
    int n = 0;
    for (int i = 0; i < c->n_kw; i++)
        if (strcmp(c->kw[i].key, key) == 0) {
            if (!first) first = &c->kw[i];
            n++;
        }
    if (count) *count = n;
    return first;
}

/* A keyword that n2p2 allows once: NULL when absent, an error when repeated. */
static int kw_single(const conv *c, const char *key, const kw_entry **out, nnv_error *err)
{
    int n;
    const kw_entry *e = kw_first(c, key, &n);
    *out = e;
    if (n > 1) {
        int second = 0;
        for (int i = 0; i < c->n_kw; i++)
            if (strcmp(c->kw[i].key, key) == 0 && &c->kw[i] != e) {
                second = c->kw[i].line;
                break;
            }
        return nnv_error_set(err, NNV_EINPUT, "%s line %d: keyword %s given again (first on line %d); "
                             "n2p2 allows it once", c->in.path, second, key, e->line);
    }
    return NNV_OK;
}

static int kw_required(const conv *c, const char *key, const kw_entry **out, nnv_error *err)
{
    int rc = kw_single(c, key, out, err);
    if (rc != NNV_OK) return rc;
    if (!*out)
        return nnv_error_set(err, NNV_EINPUT, "%s: required keyword %s is missing", c->in.path, key);
    return NNV_OK;
}

static int kw_nargs(const conv *c, const kw_entry *e, int lo, int hi, const char *what, nnv_error *err)
{
    if (e->n_arg < lo || e->n_arg > hi)
        return nnv_error_set(err, NNV_EINPUT, "%s line %d: %s: expected %s, got %d value%s", c->in.path,
                             e->line, e->key, what, e->n_arg, e->n_arg == 1 ? "" : "s");
    return NNV_OK;
}

static int kw_num(const conv *c, const kw_entry *e, int i, double *v, nnv_error *err)
{
    char q[64];
    if (parse_num(e->arg[i], v) != 0) {
        printable(q, sizeof q, e->arg[i]);
        return nnv_error_set(err, NNV_EINPUT, "%s line %d: %s: value %d \"%s\" is not a finite number",
                             c->in.path, e->line, e->key, i + 1, q);
    }
    return NNV_OK;
}

/* "# Length unit : Bohr" style comments (n2p2's example potentials carry them). */
static void find_hint(const char *comment, const char *label, int line, unit_hint *h)
{
    size_t nl = strlen(label), i;
    char low[256];
    const char *p;
    for (i = 0; comment[i] && i + 1 < sizeof low; i++) {
        char ch = comment[i];
        low[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
    }
    low[i] = '\0';
    if (h->line || !(p = strstr(low, label))) return;
    p += nl;
    while (is_blank(*p)) p++;
    if (*p != ':' && *p != '=') return;
    p++;
    while (is_blank(*p)) p++;
    for (i = 0; p[i] && !is_blank(p[i]) && p[i] != ',' && p[i] != '(' && p[i] != ';' && i + 1 < sizeof h->word;
         i++)
        h->word[i] = p[i];
    h->word[i] = '\0';
    if (i) h->line = line;
}

static int parse_settings(conv *c, nnv_error *err)
{
    int cap = 0, rc = NNV_OK;
    for (int ln = 0; ln < c->in.n_lines; ln++) {
        char *s = c->in.line[ln], *cut;
        int n;
        kw_entry *e;
        /* n2p2 cuts at the first '#', then at the first '!' (Settings::parseLines). */
        if ((cut = strchr(s, '#')) != NULL) {
            find_hint(cut + 1, "length unit", ln + 1, &c->length_hint);
            find_hint(cut + 1, "energy unit", ln + 1, &c->energy_hint);
            *cut = '\0';
        }
        if ((cut = strchr(s, '!')) != NULL) *cut = '\0';
        n = split(s, NULL, 0);
        if (n == 0) continue;
        if (c->n_kw == cap) {
            int ncap = cap ? 2 * cap : 64;
            kw_entry *g = realloc(c->kw, (size_t)ncap * sizeof *g);
            if (!g) return nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", c->in.path);
            c->kw = g;
            cap = ncap;
        }
        e = &c->kw[c->n_kw];
        memset(e, 0, sizeof *e);
        e->line = ln + 1;
        /* split() ran once to count and wrote NULs between tokens; walk them. */
        {
            char *p = s;
            char **tok = malloc((size_t)n * sizeof *tok);
            if (!tok) return nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", c->in.path);
            for (int t = 0; t < n; t++) {
                while (*p == '\0' || is_blank(*p)) p++;
                tok[t] = p;
                p += strlen(p);
            }
            e->key = tok[0];
            e->arg = tok + 1;
            e->n_arg = n - 1;
        }
        c->n_kw++;
    }
    return rc;
}

static void free_settings(conv *c)
{
    for (int i = 0; i < c->n_kw; i++) free(c->kw[i].arg - 1);
    free(c->kw);
    c->kw = NULL;
    c->n_kw = 0;
}

/* ---- the settings n2p2 uses for prediction ------------------------------------ */

static int setup_type(conv *c, nnv_error *err)
{
    const kw_entry *a, *b;
    int rc;
    if ((rc = kw_single(c, "nnp_type", &a, err)) != NNV_OK) return rc;
    if ((rc = kw_single(c, "nn_type", &b, err)) != NNV_OK) return rc;
    if (a && b)
        return nnv_error_set(err, NNV_EINPUT, "%s lines %d and %d: both nnp_type and its alias nn_type",
                             c->in.path, a->line, b->line);
    if (!a) a = b;
    if (a) {
        const char *v = a->n_arg ? a->arg[0] : "";
        if (a->n_arg != 1 || !(strcmp(v, "2G-HDNNP") == 0 || strcmp(v, "2") == 0 || strcmp(v, "0") == 0)) {
            char q[64];
            printable(q, sizeof q, v);
            return nnv_error_set(err, NNV_EINPUT,
                                 "%s line %d: %s \"%s\": only second-generation short-range potentials "
                                 "(2G-HDNNP) can be converted; charge and electrostatics networks "
                                 "(4G-HDNNP, Q-HDNNP) cannot be expressed in weights.bin version 1",
                                 c->in.path, a->line, a->key, q);
        }
    }
    return NNV_OK;
}

static int setup_normalisation(conv *c, nnv_error *err)
{
    const char *names[3] = {"mean_energy", "conv_energy", "conv_length"};
    const kw_entry *e[3];
    double v[3] = {0, 1, 1};
    int present = 0, rc;
    for (int i = 0; i < 3; i++) {
        if ((rc = kw_single(c, names[i], &e[i], err)) != NNV_OK) return rc;
        present += e[i] != NULL;
    }
    if (present == 0) {
        c->normalize = 0;
        c->mean_energy = 0;
        c->conv_energy = 1;
        c->conv_length = 1;
        return NNV_OK;
    }
    if (present != 3) {
        int have = e[0] ? 0 : e[1] ? 1 : 2, miss = !e[0] ? 0 : !e[1] ? 1 : 2;
        return nnv_error_set(err, NNV_EINPUT,
                             "%s line %d: %s is given but %s is missing: n2p2 uses all or none of "
                             "mean_energy, conv_energy and conv_length", c->in.path, e[have]->line,
                             names[have], names[miss]);
    }
    for (int i = 0; i < 3; i++) {
        if ((rc = kw_nargs(c, e[i], 1, 1, "one number", err)) != NNV_OK) return rc;
        if ((rc = kw_num(c, e[i], 0, &v[i], err)) != NNV_OK) return rc;
        if (i > 0 && !(v[i] > 0))
            return nnv_error_set(err, NNV_EINPUT, "%s line %d: %s must be > 0, got %g", c->in.path,
                                 e[i]->line, names[i], v[i]);
    }
    c->normalize = 1;
    c->mean_energy = v[0];
    c->conv_energy = v[1];
    c->conv_length = v[2];
    return NNV_OK;
}

static int element_index(const conv *c, const char *sym)
{
    for (int i = 0; i < c->n_el; i++)
        if (strcmp(nnv_element_symbol(c->Z[i]), sym) == 0) return i;
    return -1;
}

static int bad_element(const conv *c, const kw_entry *e, const char *sym, nnv_error *err)
{
    char q[64];
    printable(q, sizeof q, sym);
    return nnv_error_set(err, NNV_EINPUT, "%s line %d: %s: element \"%s\" is not in the elements list",
                         c->in.path, e->line, e->key, q);
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int setup_elements(conv *c, nnv_error *err)
{
    const kw_entry *ne, *el;
    int n, rc;
    int ae_line[NNV_MAX_Z] = {0};
    if ((rc = kw_required(c, "number_of_elements", &ne, err)) != NNV_OK) return rc;
    if ((rc = kw_required(c, "elements", &el, err)) != NNV_OK) return rc;
    if (ne->n_arg != 1 || parse_int(ne->arg[0], 1, NNV_MAX_Z, &n) != 0)
        return nnv_error_set(err, NNV_EINPUT, "%s line %d: number_of_elements: expected one integer "
                             "from 1 to %d", c->in.path, ne->line, NNV_MAX_Z);
    if (el->n_arg != n)
        return nnv_error_set(err, NNV_EINPUT, "%s line %d: elements lists %d element%s but "
                             "number_of_elements (line %d) says %d", c->in.path, el->line, el->n_arg,
                             el->n_arg == 1 ? "" : "s", ne->line, n);
    for (int i = 0; i < n; i++) {
        int Z = nnv_element_from_symbol(el->arg[i]);
        char q[64];
        /* n2p2 matches symbols exactly ("H", not "h" or "1"). */
        if (Z == 0 || strcmp(nnv_element_symbol(Z), el->arg[i]) != 0) {
            printable(q, sizeof q, el->arg[i]);
            return nnv_error_set(err, NNV_EINPUT, "%s line %d: elements: \"%s\" is not an element symbol",
                                 c->in.path, el->line, q);
        }
        for (int j = 0; j < i; j++)
            if (c->Z[j] == Z)
                return nnv_error_set(err, NNV_EINPUT, "%s line %d: elements: %s listed twice",
                                     c->in.path, el->line, el->arg[i]);
        c->Z[i] = Z;
    }
    /* n2p2's element index is the rank by atomic number (ElementMap). */
    qsort(c->Z, (size_t)n, sizeof c->Z[0], cmp_int);
    c->n_el = n;

    for (int i = 0; i < c->n_kw; i++) {
        const kw_entry *e = &c->kw[i];
        int k;
        double v;
        if (strcmp(e->key, "atom_energy") != 0) continue;
        if ((rc = kw_nargs(c, e, 2, 2, "an element and a number", err)) != NNV_OK) return rc;
        if ((k = element_index(c, e->arg[0])) < 0) return bad_element(c, e, e->arg[0], err);
        if ((rc = kw_num(c, e, 1, &v, err)) != NNV_OK) return rc;
        if (ae_line[k])
            return nnv_error_set(err, NNV_EINPUT, "%s line %d: atom_energy for %s given again (first on "
                                 "line %d)", c->in.path, e->line, e->arg[0], ae_line[k]);
        ae_line[k] = e->line;
        c->atom_energy[k] = v;
    }
    return NNV_OK;
}

static int setup_cutoff(conv *c, nnv_error *err)
{
    const kw_entry *e;
    int rc, t;
    static const char *names[] = {"HARD", "COS", "TANHU", "TANH", "EXP", "POLY1", "POLY2", "POLY3", "POLY4"};
    if ((rc = kw_required(c, "cutoff_type", &e, err)) != NNV_OK) return rc;
    if ((rc = kw_nargs(c, e, 1, 2, "a cutoff type and an optional inner-cutoff alpha", err)) != NNV_OK)
        return rc;
    if (parse_int(e->arg[0], 0, 8, &t) != 0) {
        char q[64];
        printable(q, sizeof q, e->arg[0]);
        return nnv_error_set(err, NNV_EINPUT, "%s line %d: cutoff_type \"%s\" is not one of n2p2's cutoff "
                             "types 0..8", c->in.path, e->line, q);
    }
    c->cutoff_alpha = 0;
    if (e->n_arg == 2) {
        if ((rc = kw_num(c, e, 1, &c->cutoff_alpha, err)) != NNV_OK) return rc;
        if (!(c->cutoff_alpha >= 0 && c->cutoff_alpha < 1))
            return nnv_error_set(err, NNV_EINPUT, "%s line %d: cutoff_type: alpha %g outside [0, 1)",
                                 c->in.path, e->line, c->cutoff_alpha);
    }
    c->cutoff_n2p2 = t;
    c->cutoff_line = e->line;
    switch (t) {
    case CT_COS:
        if (c->cutoff_alpha != 0)
            return nnv_error_set(err, NNV_EINPUT,
                                 "%s line %d: cutoff_type 1 (COS) with inner cutoff alpha %g cannot be "
                                 "expressed: the weights.bin COS cutoff has no inner cutoff",
                                 c->in.path, e->line, c->cutoff_alpha);
        c->cutoff_ours = NNV_CUTOFF_COS;
        break;
    case CT_TANHU:
        /* n2p2 ignores alpha for TANHU (it only logs a warning), and so does the format. */
        if (c->cutoff_alpha != 0)
            nnv_warnings_add(&c->warn, "%s line %d: cutoff_type 2 (TANHU) ignores the inner-cutoff alpha "
                             "%g, as n2p2 does", c->in.path, e->line, c->cutoff_alpha);
        c->cutoff_alpha = 0;
        c->cutoff_ours = NNV_CUTOFF_TANHU;
        break;
    case CT_POLY2: c->cutoff_ours = NNV_CUTOFF_POLY2; break;
    default:
        return nnv_error_set(err, NNV_EINPUT,
                             "%s line %d: cutoff_type %d (%s) cannot be expressed in weights.bin "
                             "version 1, which has COS (n2p2 1, alpha 0), TANHU (n2p2 2) and POLY2 "
                             "(n2p2 6)", c->in.path, e->line, t, names[t]);
    }
    return NNV_OK;
}

static int cmp_sf(const void *pa, const void *pb)
{
    const sf_in *a = pa, *b = pb;
#define CMP(x, y) do { if ((x) < (y)) return -1; if ((x) > (y)) return 1; } while (0)
    /* SymFnc*::operator< : element, type, cutoff type and alpha (the same for
     * all here), rc, eta, rs, [zeta, lambda,] e1, [e2]; on n2p2's internal values. */
    CMP(a->ec, b->ec);
    CMP(a->type, b->type);
    CMP(a->k_rc, b->k_rc);
    CMP(a->k_eta, b->k_eta);
    CMP(a->k_rs, b->k_rs);
    if (a->type != NNV_SF_RADIAL) {
        CMP(a->zeta, b->zeta);
        CMP(a->lambda, b->lambda);
    }
    CMP(a->e1, b->e1);
    CMP(a->e2, b->e2);
    /* Equal keys mean identical functions; any order is n2p2's, keep the file's. */
    CMP(a->line, b->line);
#undef CMP
    return 0;
}

static int parse_sf(conv *c, const kw_entry *e, sf_in *s, nnv_error *err)
{
    int rc, type, k;
    char q[64];
    static const char *fields_rad[] = {"eta", "rs", "rc"};
    static const char *fields_ang[] = {"eta", "lambda", "zeta", "rc", "rs"};
    double v[5] = {0, 0, 0, 0, 0};

    if (e->n_arg < 2)
        return nnv_error_set(err, NNV_EINPUT, "%s line %d: symfunction_short: expected <element> <type> "
                             "<parameters...>", c->in.path, e->line);
    if ((s->ec = element_index(c, e->arg[0])) < 0) return bad_element(c, e, e->arg[0], err);
    if (parse_int(e->arg[1], 0, 1000, &type) != 0) {
        printable(q, sizeof q, e->arg[1]);
        return nnv_error_set(err, NNV_EINPUT, "%s line %d: symfunction_short: type \"%s\" is not an "
                             "integer", c->in.path, e->line, q);
    }
    s->line = e->line;
    s->type = type;
    if (type == 2) {
        if ((rc = kw_nargs(c, e, 6, 6, "<element> 2 <neighbour> <eta> <rs> <rc>", err)) != NNV_OK) return rc;
        if ((s->e1 = element_index(c, e->arg[2])) < 0) return bad_element(c, e, e->arg[2], err);
        s->e2 = -1;
        for (k = 0; k < 3; k++)
            if (parse_num(e->arg[3 + k], &v[k]) != 0) {
                printable(q, sizeof q, e->arg[3 + k]);
                return nnv_error_set(err, NNV_EINPUT, "%s line %d: symfunction_short type 2: %s \"%s\" is not "
                                     "a finite number", c->in.path, e->line, fields_rad[k], q);
            }
        s->eta = v[0];
        s->rs = v[1];
        s->rc = v[2];
        s->zeta = s->lambda = 0;
    } else if (type == 3 || type == 9) {
        if ((rc = kw_nargs(c, e, 8, 9, "<element> 3|9 <neighbour1> <neighbour2> <eta> <lambda> <zeta> <rc> "
                           "[<rs>]", err)) != NNV_OK)
            return rc;
        if ((s->e1 = element_index(c, e->arg[2])) < 0) return bad_element(c, e, e->arg[2], err);
        if ((s->e2 = element_index(c, e->arg[3])) < 0) return bad_element(c, e, e->arg[3], err);
        if (s->e1 > s->e2) { /* SymFncBaseExpAng::setParameters: ascending element index */
            int t = s->e1;
            s->e1 = s->e2;
            s->e2 = t;
        }
        for (k = 0; k < e->n_arg - 4; k++)
            if (parse_num(e->arg[4 + k], &v[k]) != 0) {
                printable(q, sizeof q, e->arg[4 + k]);
                return nnv_error_set(err, NNV_EINPUT, "%s line %d: symfunction_short type %d: %s \"%s\" is not "
                                     "a finite number", c->in.path, e->line, type, fields_ang[k], q);
            }
        s->eta = v[0];
        s->lambda = v[1];
        s->zeta = v[2];
        s->rc = v[3];
        s->rs = v[4]; /* optional, 0 by default */
        if (s->lambda != 1 && s->lambda != -1)
            return nnv_error_set(err, NNV_EINPUT, "%s line %d: symfunction_short type %d: lambda %g cannot be "
                                 "expressed (weights.bin allows -1 and +1)", c->in.path, e->line, type,
                                 s->lambda);
        if (!(s->zeta >= 1))
            return nnv_error_set(err, NNV_EINPUT, "%s line %d: symfunction_short type %d: zeta %g cannot be "
                                 "expressed (weights.bin needs zeta >= 1)", c->in.path, e->line, type, s->zeta);
    } else if (type == 12 || type == 13 || (type >= 20 && type <= 25)) {
        return nnv_error_set(err, NNV_EINPUT,
                             "%s line %d: symfunction_short type %d (%s) cannot be expressed in weights.bin "
                             "version 1, which has types 2, 3 and 9", c->in.path, e->line, type,
                             type < 20 ? "element-weighted" : "polynomial, compact support");
    } else {
        return nnv_error_set(err, NNV_EINPUT, "%s line %d: symfunction_short: unknown type %d (n2p2 knows 2, 3, "
                             "9, 12, 13, 20-25; weights.bin version 1 takes 2, 3 and 9)", c->in.path, e->line,
                             type);
    }
    if (!(s->rc > 0))
        return nnv_error_set(err, NNV_EINPUT, "%s line %d: symfunction_short: cutoff radius rc %g must be > 0",
                             c->in.path, e->line, s->rc);
    /* n2p2 sorts after changing the length unit (Mode::setupSymmetryFunctions):
     * same operations here so that ties and near-ties order as they do there. */
    s->k_eta = s->eta;
    s->k_rs = s->rs;
    s->k_rc = s->rc;
    if (c->normalize) {
        s->k_eta /= c->conv_length * c->conv_length;
        s->k_rs *= c->conv_length;
        s->k_rc *= c->conv_length;
    }
    /* A NaN or Inf key would make the sort's comparison inconsistent. */
    if (!isfinite(s->k_eta) || !isfinite(s->k_rs) || !isfinite(s->k_rc))
        return nnv_error_set(err, NNV_EINPUT, "%s line %d: symfunction_short: eta, rs or rc is not finite in "
                             "n2p2's normalised units (conv_length %g)", c->in.path, e->line, c->conv_length);
    return NNV_OK;
}

static int setup_symfuncs(conv *c, nnv_error *err)
{
    int n, rc, k = 0;
    kw_first(c, "symfunction_short", &n);
    if (n == 0)
        return nnv_error_set(err, NNV_EINPUT, "%s: required keyword symfunction_short is missing", c->in.path);
    if (!(c->sf = calloc((size_t)n, sizeof *c->sf)))
        return nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", c->in.path);
    for (int i = 0; i < c->n_kw; i++) {
        if (strcmp(c->kw[i].key, "symfunction_short") != 0) continue;
        if ((rc = parse_sf(c, &c->kw[i], &c->sf[k], err)) != NNV_OK) return rc;
        k++;
    }
    c->n_sf_total = n;
    qsort(c->sf, (size_t)n, sizeof *c->sf, cmp_sf);
    for (int e = 0, i = 0; e <= c->n_el; e++) {
        while (i < n && c->sf[i].ec < e) i++;
        c->sf_begin[e] = i;
    }
    for (int e = 0; e < c->n_el; e++) {
        int m = c->sf_begin[e + 1] - c->sf_begin[e];
        if (m == 0)
            return nnv_error_set(err, NNV_EINPUT, "%s: element %s has no symfunction_short lines", c->in.path,
                                 nnv_element_symbol(c->Z[e]));
        if (m > MAX_SF)
            return nnv_error_set(err, NNV_EINPUT, "%s: element %s has %d symmetry functions; weights.bin "
                                 "allows at most %d", c->in.path, nnv_element_symbol(c->Z[e]), m, MAX_SF);
    }
    return NNV_OK;
}

static int setup_scaling_mode(conv *c, nnv_error *err)
{
    const kw_entry *sc, *ce, *si, *lo, *hi;
    int rc;
    if ((rc = kw_single(c, "scale_symmetry_functions", &sc, err)) != NNV_OK) return rc;
    if ((rc = kw_single(c, "center_symmetry_functions", &ce, err)) != NNV_OK) return rc;
    if ((rc = kw_single(c, "scale_symmetry_functions_sigma", &si, err)) != NNV_OK) return rc;
    if ((rc = kw_single(c, "scale_min_short", &lo, err)) != NNV_OK) return rc;
    if ((rc = kw_single(c, "scale_max_short", &hi, err)) != NNV_OK) return rc;
    /* The order of Mode::setupSymmetryFunctionScaling: sigma only counts alone. */
    if (sc && !ce) c->scaling = ST_SCALE;
    else if (!sc && ce) c->scaling = ST_CENTER;
    else if (sc && ce) c->scaling = ST_SCALECENTER;
    else if (si) c->scaling = ST_SCALESIGMA;
    else c->scaling = ST_NONE;
    if (si && (sc || ce))
        nnv_warnings_add(&c->warn, "%s line %d: scale_symmetry_functions_sigma is overridden by %s (line %d), "
                         "as in n2p2", c->in.path, si->line, sc ? sc->key : ce->key, sc ? sc->line : ce->line);
    c->smin = 0;
    c->smax = 1;
    if (c->scaling == ST_SCALE || c->scaling == ST_SCALECENTER || c->scaling == ST_SCALESIGMA) {
        if (lo) {
            if ((rc = kw_nargs(c, lo, 1, 1, "one number", err)) != NNV_OK) return rc;
            if ((rc = kw_num(c, lo, 0, &c->smin, err)) != NNV_OK) return rc;
        }
        if (hi) {
            if ((rc = kw_nargs(c, hi, 1, 1, "one number", err)) != NNV_OK) return rc;
            if ((rc = kw_num(c, hi, 0, &c->smax, err)) != NNV_OK) return rc;
        }
        if (c->smax == c->smin)
            return nnv_error_set(err, NNV_EINPUT, "%s line %d: scale_max_short = scale_min_short = %g: every "
                                 "scaled symmetry function would be constant", c->in.path,
                                 hi ? hi->line : lo ? lo->line : 0, c->smin);
    }
    return NNV_OK;
}

static int activation_of(char letter)
{
    switch (letter) {
    case 'l': return NNV_ACT_IDENTITY;
    case 't': return NNV_ACT_TANH;
    case 'p': return NNV_ACT_SOFTPLUS;
    case 'r': return NNV_ACT_RELU;
    default: return -1;
    }
}

static const char *n2p2_activation_name(const char *s)
{
    static const struct { const char *code, *name; } known[] = {
        {"s", "logistic"}, {"g", "Gaussian"}, {"c", "cosine"}, {"S", "reverse logistic"},
        {"e", "exponential"}, {"h", "harmonic"}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(s, known[i].code) == 0) return known[i].name;
    return NULL;
}

static int setup_networks(conv *c, nnv_error *err)
{
    const kw_entry *hl, *no, *ac, *nn;
    static const char *per_element[] = {"element_hidden_layers_short", "element_nodes_short",
                                        "element_activation_short"};
    int rc;
    for (size_t i = 0; i < 3; i++) {
        const kw_entry *e = kw_first(c, per_element[i], NULL);
        if (e)
            return nnv_error_set(err, NNV_EINPUT, "%s line %d: %s (per-element network shapes) is not supported "
                                 "by this importer; use the global_*_short keywords", c->in.path, e->line,
                                 per_element[i]);
    }
    if ((rc = kw_required(c, "global_hidden_layers_short", &hl, err)) != NNV_OK) return rc;
    if ((rc = kw_required(c, "global_nodes_short", &no, err)) != NNV_OK) return rc;
    if ((rc = kw_required(c, "global_activation_short", &ac, err)) != NNV_OK) return rc;
    if ((rc = kw_single(c, "normalize_nodes", &nn, err)) != NNV_OK) return rc;
    c->normalize_nodes = nn != NULL;
    if (hl->n_arg != 1 || parse_int(hl->arg[0], 1, MAX_LAYERS - 2, &c->n_hidden) != 0)
        return nnv_error_set(err, NNV_EINPUT, "%s line %d: global_hidden_layers_short: expected one integer "
                             "from 1 to %d", c->in.path, hl->line, MAX_LAYERS - 2);
    if (no->n_arg != c->n_hidden)
        return nnv_error_set(err, NNV_EINPUT, "%s line %d: global_nodes_short lists %d layer size%s but "
                             "global_hidden_layers_short (line %d) says %d", c->in.path, no->line, no->n_arg,
                             no->n_arg == 1 ? "" : "s", hl->line, c->n_hidden);
    for (int i = 0; i < c->n_hidden; i++)
        if (parse_int(no->arg[i], 1, MAX_LAYER_SIZE, &c->nodes[i]) != 0) {
            char q[64];
            printable(q, sizeof q, no->arg[i]);
            return nnv_error_set(err, NNV_EINPUT, "%s line %d: global_nodes_short: layer size \"%s\" is not an "
                                 "integer from 1 to %d", c->in.path, no->line, q, MAX_LAYER_SIZE);
        }
    if (ac->n_arg != c->n_hidden + 1)
        return nnv_error_set(err, NNV_EINPUT, "%s line %d: global_activation_short lists %d activation%s; "
                             "expected %d (one per hidden layer, then the output layer)", c->in.path, ac->line,
                             ac->n_arg, ac->n_arg == 1 ? "" : "s", c->n_hidden + 1);
    for (int i = 0; i <= c->n_hidden; i++) {
        const char *a = ac->arg[i];
        int code = strlen(a) == 1 ? activation_of(a[0]) : -1;
        if (code < 0) {
            char q[64];
            const char *name = n2p2_activation_name(a);
            printable(q, sizeof q, a);
            if (name)
                return nnv_error_set(err, NNV_EINPUT, "%s line %d: global_activation_short: activation %d \"%s\" "
                                     "(n2p2's %s) cannot be expressed; supported: l t p r (identity, tanh, "
                                     "softplus, relu)", c->in.path, ac->line, i + 1, q, name);
            return nnv_error_set(err, NNV_EINPUT, "%s line %d: global_activation_short: unknown activation %d "
                                 "\"%s\"; supported: l t p r (identity, tanh, softplus, relu)", c->in.path,
                                 ac->line, i + 1, q);
        }
        c->act[i] = code;
        c->act_letter[i] = a[0];
    }
    return NNV_OK;
}

/* ---- units ----------------------------------------------------------------------- */

static int hint_length(const char *w)
{
    char low[32];
    size_t i;
    for (i = 0; w[i] && i + 1 < sizeof low; i++) low[i] = (w[i] >= 'A' && w[i] <= 'Z') ? (char)(w[i] + 32) : w[i];
    low[i] = '\0';
    if (!strcmp(low, "bohr") || !strcmp(low, "a0") || !strcmp(low, "au") || !strcmp(low, "a.u.")) return NNV_N2P2_BOHR;
    if (!strcmp(low, "angstrom") || !strcmp(low, "ang") || !strcmp(low, "a") || !strcmp(low, "aa") ||
        !strcmp(w, "\xc3\x85") || !strcmp(low, "\xc3\xa5ngstr\xc3\xb6m"))
        return NNV_N2P2_ANGSTROM;
    return 0;
}

static int hint_energy(const char *w)
{
    char low[32];
    size_t i;
    for (i = 0; w[i] && i + 1 < sizeof low; i++) low[i] = (w[i] >= 'A' && w[i] <= 'Z') ? (char)(w[i] + 32) : w[i];
    low[i] = '\0';
    if (!strcmp(low, "ha") || !strcmp(low, "hartree") || !strcmp(low, "eh") || !strcmp(low, "au") ||
        !strcmp(low, "a.u."))
        return NNV_N2P2_HARTREE;
    if (!strcmp(low, "ev")) return NNV_N2P2_EV;
    return 0;
}

static int decide_unit(conv *c, int given, const unit_hint *h, int (*map)(const char *), const char *what,
                       const char *choices, int *unit, const char **source, nnv_error *err)
{
    int from_hint = h->line ? map(h->word) : 0;
    char q[64];
    printable(q, sizeof q, h->word);
    if (given) {
        *unit = given;
        *source = "given explicitly";
        if (h->line && from_hint != given)
            nnv_warnings_add(&c->warn, "%s line %d says the %s unit is \"%s\", but %s was given explicitly; "
                             "using the explicit unit", c->in.path, h->line, what, q,
                             given == NNV_N2P2_BOHR ? "Bohr" : given == NNV_N2P2_ANGSTROM ? "Angstrom"
                             : given == NNV_N2P2_HARTREE ? "Hartree" : "eV");
        return NNV_OK;
    }
    if (!h->line)
        return nnv_error_set(err, NNV_EINPUT, "%s: the %s unit of the training data is unknown (no \"# %s "
                             "unit : ...\" comment); give it explicitly (--%s-unit %s)", c->in.path, what,
                             what[0] == 'l' ? "Length" : "Energy", what, choices);
    if (!from_hint)
        return nnv_error_set(err, NNV_EINPUT, "%s line %d: %s unit \"%s\" is not one nnvib converts (%s); give "
                             "it explicitly (--%s-unit %s)", c->in.path, h->line, what, q, choices, what, choices);
    *unit = from_hint;
    *source = "from the input.nn comment";
    return NNV_OK;
}

static int setup_units(conv *c, const nnv_n2p2_options *opt, nnv_error *err)
{
    int lu = 0, eu = 0, rc;
    int glu = opt ? opt->length_unit : 0, geu = opt ? opt->energy_unit : 0;
    if (glu < 0 || glu > 2 || geu < 0 || geu > 2)
        return nnv_error_set(err, NNV_EUSAGE, "nnv_n2p2_read: unit code out of range");
    if ((rc = decide_unit(c, glu, &c->length_hint, hint_length, "length", "bohr|angstrom", &lu,
                          &c->length_source, err)) != NNV_OK)
        return rc;
    if ((rc = decide_unit(c, geu, &c->energy_hint, hint_energy, "energy", "hartree|ev", &eu,
                          &c->energy_source, err)) != NNV_OK)
        return rc;
    c->length_factor = lu == NNV_N2P2_BOHR ? NNV_BOHR_ANGSTROM : 1.0;
    c->energy_factor = eu == NNV_N2P2_HARTREE ? NNV_HARTREE_EV : 1.0;
    return NNV_OK;
}

/* ---- scaling.data ------------------------------------------------------------------- */

static int read_scaling(conv *c, nnv_potential *p, nnv_error *err)
{
    int rc, e = 0, k = 0, rows = 0;
    char *tok[8];
    if ((rc = load_text(c, &c->sc, "scaling.data", -1, err)) != NNV_OK) return rc;
    for (int ln = 0; ln < c->sc.n_lines; ln++) {
        char *s = c->sc.line[ln];
        int n, ei, ki;
        double g[4] = {0, 0, 0, 0};
        nnv_sf *sf;
        const sf_in *src;
        while (is_blank(*s)) s++;
        if (*s == '\0' || *s == '#') continue;
        n = split(s, tok, 8);
        rows++;
        if (e >= c->n_el)
            return nnv_error_set(err, NNV_EINPUT, "%s line %d: one row too many: input.nn defines %d symmetry "
                                 "functions", c->sc.path, ln + 1, c->n_sf_total);
        if (n < 5 || n > 6)
            return nnv_error_set(err, NNV_EINPUT, "%s line %d: expected 5 or 6 columns (e_index sf_index sf_min "
                                 "sf_max sf_mean [sf_sigma]), got %d", c->sc.path, ln + 1, n);
        if (parse_int(tok[0], 1, NNV_MAX_Z, &ei) != 0 || parse_int(tok[1], 1, INT_MAX, &ki) != 0)
            return nnv_error_set(err, NNV_EINPUT, "%s line %d: e_index and sf_index must be positive integers",
                                 c->sc.path, ln + 1);
        if (ei != e + 1 || ki != k + 1)
            return nnv_error_set(err, NNV_EINPUT, "%s line %d: row for element index %d, symmetry function %d; "
                                 "expected element index %d (%s), symmetry function %d (n2p2's sorted order)",
                                 c->sc.path, ln + 1, ei, ki, e + 1, nnv_element_symbol(c->Z[e]), k + 1);
        for (int i = 2; i < n; i++)
            if (parse_num(tok[i], &g[i - 2]) != 0) {
                static const char *col[] = {"sf_min", "sf_max", "sf_mean", "sf_sigma"};
                char q[64];
                printable(q, sizeof q, tok[i]);
                return nnv_error_set(err, NNV_EINPUT, "%s line %d: %s \"%s\" is not a finite number", c->sc.path,
                                     ln + 1, col[i - 2], q);
            }
        sf = &p->elements[e].sf[k];
        src = &c->sf[c->sf_begin[e] + k];
        sf->gmin = g[0];
        sf->gmax = g[1];
        /* SymFnc::setScalingType and scale(): s = Smin + f (G - centre). */
        switch (c->scaling) {
        case ST_NONE: sf->shift = 0; sf->scale = 1; break;
        case ST_CENTER: sf->shift = g[2]; sf->scale = 1; break;
        case ST_SCALE:
        case ST_SCALECENTER: {
            double f, centre = c->scaling == ST_SCALE ? g[0] : g[2];
            if (g[1] == g[0])
                return nnv_error_set(err, NNV_EINPUT, "%s line %d: sf_max = sf_min = %g (element %s, symmetry "
                                     "function %d, input.nn line %d): the scaled value (G - Gmin)/(Gmax - Gmin) "
                                     "is undefined", c->sc.path, ln + 1, g[0], nnv_element_symbol(c->Z[e]), k + 1,
                                     src->line);
            f = (c->smax - c->smin) / (g[1] - g[0]);
            sf->scale = f;
            sf->shift = c->smin == 0 ? centre : centre - c->smin / f;
            break;
        }
        case ST_SCALESIGMA: {
            double f;
            if (n < 6 || !(g[3] > 0))
                return nnv_error_set(err, NNV_EINPUT, "%s line %d: scale_symmetry_functions_sigma needs a "
                                     "sf_sigma > 0 in column 6 (element %s, symmetry function %d)", c->sc.path,
                                     ln + 1, nnv_element_symbol(c->Z[e]), k + 1);
            f = (c->smax - c->smin) / g[3];
            sf->scale = f;
            sf->shift = c->smin == 0 ? g[2] : g[2] - c->smin / f;
            break;
        }
        default: break;
        }
        if (!isfinite(sf->scale) || !isfinite(sf->shift) || sf->scale == 0)
            return nnv_error_set(err, NNV_EINPUT, "%s line %d: the scaling of element %s symmetry function %d is "
                                 "not finite or zero (shift %g, scale %g)", c->sc.path, ln + 1,
                                 nnv_element_symbol(c->Z[e]), k + 1, sf->shift, sf->scale);
        if (++k == p->elements[e].n_sf) {
            k = 0;
            e++;
        }
    }
    if (e < c->n_el)
        return nnv_error_set(err, NNV_EINPUT, "%s: %d data rows, expected %d (one per symmetry function in "
                             "input.nn); missing from element %s symmetry function %d on", c->sc.path, rows,
                             c->n_sf_total, nnv_element_symbol(c->Z[e]), k + 1);
    return NNV_OK;
}

/* ---- weights.NNN.data ------------------------------------------------------------------ */

static int alloc_network(nnv_network *net, int n_layers, const int *size, nnv_error *err)
{
    if (!(net->layers = calloc((size_t)n_layers, sizeof *net->layers)))
        return nnv_error_set(err, NNV_ENOMEM, "out of memory");
    net->n_layers = n_layers;
    for (int l = 0; l < n_layers; l++) {
        nnv_layer *L = &net->layers[l];
        L->n_in = size[l];
        L->n_out = size[l + 1];
        L->W = calloc((size_t)L->n_in * (size_t)L->n_out, sizeof *L->W);
        L->b = calloc((size_t)L->n_out, sizeof *L->b);
        if (!L->W || !L->b) return nnv_error_set(err, NNV_ENOMEM, "out of memory");
    }
    return NNV_OK;
}

/* One value per data line in NeuralNetwork::setConnections order: per layer,
 * the weights with the start neuron as the outer loop, then the biases. When
 * the line carries n2p2's annotation columns (t index l_s n_s l_e n_e for
 * weights, t index l_e n_e for biases) they must name that same connection. */
static int read_weights(conv *c, int e, nnv_network *net, int n_layers, const int *size, nnv_error *err)
{
    text_file wf;
    char name[32], *tok[8], shape[64 * 8];
    int rc = NNV_OK, l = 0, j = 0, k = 0, bias = 0, t = 0, expected = 0, done = 0;
    size_t off = 0;

    /* At most 63 layers of at most 4096 nodes: fewer than INT_MAX values. */
    for (int i = 0; i < n_layers; i++) expected += size[i + 1] * (size[i] + 1);
    off += (size_t)snprintf(shape, sizeof shape, "%d", size[0]);
    for (int i = 0; i < n_layers && off < sizeof shape; i++)
        off += (size_t)snprintf(shape + off, sizeof shape - off, "-%d", size[i + 1]);
    snprintf(name, sizeof name, "weights.%03d.data", c->Z[e]);
    if ((rc = load_text(c, &wf, name, e, err)) != NNV_OK) return rc;
    /* A value takes a line of at least two bytes: a file too short for the
     * network is refused before its (possibly huge) matrices are allocated. */
    if ((size_t)expected > wf.len / 2 + 1) {
        rc = nnv_error_set(err, NNV_EINPUT, "%s: %zu bytes cannot hold the %d values of the %s network of %s "
                           "(input.nn)", wf.path, wf.len, expected, shape, nnv_element_symbol(c->Z[e]));
        goto cleanup;
    }
    if ((rc = alloc_network(net, n_layers, size, err)) != NNV_OK) goto cleanup;
    for (int ln = 0; ln < wf.n_lines; ln++) {
        char *s = wf.line[ln];
        int n;
        double v;
        nnv_layer *L;
        while (is_blank(*s)) s++;
        if (*s == '\0' || *s == '#') continue;
        n = split(s, tok, 8);
        if (done) {
            rc = nnv_error_set(err, NNV_EINPUT, "%s line %d: more values than the %d of the %s network of %s "
                               "(input.nn)", wf.path, ln + 1, expected, shape, nnv_element_symbol(c->Z[e]));
            goto cleanup;
        }
        if (parse_num(tok[0], &v) != 0) {
            char q[64];
            printable(q, sizeof q, tok[0]);
            rc = nnv_error_set(err, NNV_EINPUT, "%s line %d: \"%s\" is not a finite number", wf.path, ln + 1, q);
            goto cleanup;
        }
        L = &net->layers[l];
        if (n >= 2 && (strcmp(tok[1], "a") == 0 || strcmp(tok[1], "b") == 0)) {
            int ok = 1, x[5];
            int want_n = bias ? 5 : 7;
            if (n != want_n || strcmp(tok[1], bias ? "b" : "a") != 0) ok = 0;
            for (int i = 2; ok && i < n; i++)
                if (parse_int(tok[i], 0, INT_MAX, &x[i - 2]) != 0) ok = 0;
            if (ok && bias) ok = x[0] == t + 1 && x[1] == l + 1 && x[2] == k + 1;
            if (ok && !bias) ok = x[0] == t + 1 && x[1] == l && x[2] == j + 1 && x[3] == l + 1 && x[4] == k + 1;
            if (!ok) {
                if (bias)
                    rc = nnv_error_set(err, NNV_EINPUT, "%s line %d: annotation does not match n2p2's order: "
                                       "expected connection %d = bias of layer %d neuron %d (\"b %d %d %d\")",
                                       wf.path, ln + 1, t + 1, l + 1, k + 1, t + 1, l + 1, k + 1);
                else
                    rc = nnv_error_set(err, NNV_EINPUT, "%s line %d: annotation does not match n2p2's order: "
                                       "expected connection %d = weight from layer %d neuron %d to layer %d "
                                       "neuron %d (\"a %d %d %d %d %d\")", wf.path, ln + 1, t + 1, l, j + 1,
                                       l + 1, k + 1, t + 1, l, j + 1, l + 1, k + 1);
                goto cleanup;
            }
        }
        if (!bias) {
            L->W[(size_t)k * (size_t)L->n_in + (size_t)j] = v;
            if (++k == L->n_out) {
                k = 0;
                if (++j == L->n_in) {
                    j = 0;
                    bias = 1;
                }
            }
        } else {
            L->b[k] = v;
            if (++k == L->n_out) {
                k = 0;
                bias = 0;
                if (++l == net->n_layers) done = 1;
            }
        }
        t++;
    }
    if (!done)
        rc = nnv_error_set(err, NNV_EINPUT, "%s: %d values, expected %d for the %s network of %s (input.nn: %d "
                           "symmetry functions, global_nodes_short, one output)", wf.path, t, expected, shape,
                           nnv_element_symbol(c->Z[e]), net->layers[0].n_in);
cleanup:
    tf_free(&wf);
    return rc;
}

/* ---- assembly ------------------------------------------------------------------------- */

static void scale_layer(nnv_layer *L, double f)
{
    for (size_t i = 0; i < (size_t)L->n_in * (size_t)L->n_out; i++) L->W[i] *= f;
    for (int o = 0; o < L->n_out; o++) L->b[o] *= f;
}

static int build_element(conv *c, int e, nnv_potential *p, nnv_error *err)
{
    nnv_element_model *el = &p->elements[e];
    int n_sf = c->sf_begin[e + 1] - c->sf_begin[e], rc;
    int size[MAX_LAYERS + 2], n_layers = c->n_hidden + 1;
    double lf = c->length_factor, out_f = c->energy_factor / c->conv_energy;
    el->Z = c->Z[e];
    el->n_sf = n_sf;
    if (!(el->sf = calloc((size_t)n_sf, sizeof *el->sf))) return nnv_error_set(err, NNV_ENOMEM, "out of memory");
    for (int k = 0; k < n_sf; k++) {
        const sf_in *s = &c->sf[c->sf_begin[e] + k];
        nnv_sf *d = &el->sf[k];
        d->type = s->type;
        d->Zj = c->Z[s->e1];
        d->Zk = s->type == NNV_SF_RADIAL ? 0 : c->Z[s->e2];
        d->cutoff = c->cutoff_ours;
        d->cutoff_alpha = c->cutoff_ours == NNV_CUTOFF_POLY2 ? c->cutoff_alpha : 0;
        /* G is dimensionless and unchanged by a change of length unit when
         * eta scales as 1/L^2 and rs, rc as L: scaling.data carries over as is. */
        d->rc = s->rc * lf;
        d->rs = s->rs * lf;
        d->eta = s->eta / (lf * lf);
        d->zeta = s->zeta;
        d->lambda = s->lambda;
        d->scale = 1;
        if (!isfinite(d->rc) || !isfinite(d->rs) || !isfinite(d->eta))
            return nnv_error_set(err, NNV_EINPUT, "%s line %d: symfunction_short: eta, rs or rc is not finite "
                                 "once converted to Angstrom", c->in.path, s->line);
    }
    size[0] = n_sf;
    for (int i = 0; i < c->n_hidden; i++) size[i + 1] = c->nodes[i];
    size[n_layers] = 1;
    if ((rc = read_weights(c, e, &el->energy, n_layers, size, err)) != NNV_OK) return rc;
    for (int l = 0; l < n_layers; l++) el->energy.layers[l].activation = c->act[l];
    /* normalize_nodes: n2p2 divides W x + b of every layer by its input count. */
    if (c->normalize_nodes)
        for (int l = 0; l < n_layers; l++) scale_layer(&el->energy.layers[l], 1.0 / el->energy.layers[l].n_in);
    /* E_i = E0 + f NN_i with f = (eV per unit) / conv_energy: folded into the
     * output layer when it is linear, else into an extra 1 -> 1 identity layer. */
    if (out_f != 1) {
        nnv_network *net = &el->energy;
        if (net->layers[n_layers - 1].activation == NNV_ACT_IDENTITY) {
            scale_layer(&net->layers[n_layers - 1], out_f);
        } else {
            nnv_layer *g = realloc(net->layers, (size_t)(n_layers + 1) * sizeof *g);
            if (!g) return nnv_error_set(err, NNV_ENOMEM, "out of memory");
            net->layers = g;
            memset(&g[n_layers], 0, sizeof g[n_layers]);
            net->n_layers = n_layers + 1;
            g[n_layers].activation = NNV_ACT_IDENTITY;
            g[n_layers].n_in = g[n_layers].n_out = 1;
            g[n_layers].W = malloc(sizeof(double));
            g[n_layers].b = malloc(sizeof(double));
            if (!g[n_layers].W || !g[n_layers].b) return nnv_error_set(err, NNV_ENOMEM, "out of memory");
            g[n_layers].W[0] = out_f;
            g[n_layers].b[0] = 0;
        }
    }
    el->E0 = c->energy_factor * (c->mean_energy + c->atom_energy[e]);
    return NNV_OK;
}

static int describe(conv *c, nnv_potential *p, nnv_error *err)
{
    static const char *scal[] = {"none (s = G)", "scale (s = Smin + (Smax-Smin)(G-Gmin)/(Gmax-Gmin))",
                                 "center (s = G - Gmean)",
                                 "scale+center (s = Smin + (Smax-Smin)(G-Gmean)/(Gmax-Gmin))",
                                 "sigma (s = Smin + (Smax-Smin)(G-Gmean)/Gsigma)"};
    static const char *cut[] = {"HARD", "COS", "TANHU", "TANH", "EXP", "POLY1", "POLY2", "POLY3", "POLY4"};
    /* Texts in memory have no directory: the caller's name stands for it. */
    char dir[1024], *abs = c->from_memory ? NULL : realpath(c->dir, NULL), *d;
    size_t off = 0;
    printable(dir, sizeof dir, abs ? abs : c->dir);
    free(abs);
    if (!(d = malloc(MAX_DESCRIPTION))) return nnv_error_set(err, NNV_ENOMEM, "out of memory");
#define ADD(...) do { if (off < MAX_DESCRIPTION) off += (size_t)snprintf(d + off, MAX_DESCRIPTION - off, __VA_ARGS__); } while (0)
    ADD("n2p2 potential converted by nnvib from %s%s (input.nn, scaling.data, weights.NNN.data). ", dir,
        c->from_memory ? " (texts in memory)" : "");
    ADD("Training units: length %s (%s), energy %s (%s); converted to Angstrom and eV with 1 Bohr = "
        "0.529177210903 A, 1 Ha = 27.211386245988 eV (CODATA 2018). ",
        c->length_factor == 1 ? "Angstrom" : "Bohr", c->length_source,
        c->energy_factor == 1 ? "eV" : "Hartree", c->energy_source);
    if (c->normalize)
        ADD("Normalisation: mean_energy %.17g, conv_energy %.17g, conv_length %.17g. ", c->mean_energy,
            c->conv_energy, c->conv_length);
    else
        ADD("No data-set normalisation. ");
    ADD("atom_energy:");
    for (int e = 0; e < c->n_el; e++) ADD(" %s %.17g", nnv_element_symbol(c->Z[e]), c->atom_energy[e]);
    ADD(". Scaling: %s, Smin %g, Smax %g. Cutoff: n2p2 type %d (%s), alpha %g. Networks:", scal[c->scaling],
        c->smin, c->smax, c->cutoff_n2p2, cut[c->cutoff_n2p2], c->cutoff_alpha);
    for (int e = 0; e < c->n_el; e++) {
        ADD(" %s %d", nnv_element_symbol(c->Z[e]), p->elements[e].n_sf);
        for (int i = 0; i < c->n_hidden; i++) ADD("-%d", c->nodes[i]);
        ADD("-1%s", e + 1 < c->n_el ? "," : "");
    }
    ADD(", activations %.*s%s.", c->n_hidden + 1, c->act_letter, c->normalize_nodes ? ", normalize_nodes" : "");
#undef ADD
    if (off >= MAX_DESCRIPTION) d[MAX_DESCRIPTION - 1] = '\0';
    p->description = d;
    return NNV_OK;
}

int nnv_n2p2_is_potential_dir(const char *path)
{
    struct stat st;
    char *f;
    int ok;
    if (!path || stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) return 0;
    if (!(f = join_path(path, "input.nn"))) return 0;
    ok = stat(f, &st) == 0 && S_ISREG(st.st_mode);
    free(f);
    return ok;
}

/* The conversion proper, shared by the directory reader and the in-memory
 * parser: c says where the texts come from. */
static int convert(conv *c, nnv_potential **out, const nnv_n2p2_options *opt, nnv_error *err)
{
    nnv_potential *p = NULL;
    unsigned char *bytes = NULL;
    size_t n_bytes = 0;
    int rc;

    *out = NULL;
    if ((rc = load_text(c, &c->in, "input.nn", -1, err)) != NNV_OK) goto cleanup;
    if ((rc = parse_settings(c, err)) != NNV_OK) goto cleanup;
    if ((rc = setup_type(c, err)) != NNV_OK) goto cleanup;
    if ((rc = setup_normalisation(c, err)) != NNV_OK) goto cleanup;
    if ((rc = setup_elements(c, err)) != NNV_OK) goto cleanup;
    if ((rc = setup_cutoff(c, err)) != NNV_OK) goto cleanup;
    if ((rc = setup_symfuncs(c, err)) != NNV_OK) goto cleanup;
    if ((rc = setup_scaling_mode(c, err)) != NNV_OK) goto cleanup;
    if ((rc = setup_networks(c, err)) != NNV_OK) goto cleanup;
    if ((rc = setup_units(c, opt, err)) != NNV_OK) goto cleanup;

    if (!(p = calloc(1, sizeof *p)) || !(p->elements = calloc((size_t)c->n_el, sizeof *p->elements))) {
        rc = nnv_error_set(err, NNV_ENOMEM, "out of memory");
        goto cleanup;
    }
    p->n_elements = c->n_el;
    for (int e = 0; e < c->n_el; e++)
        if ((rc = build_element(c, e, p, err)) != NNV_OK) goto cleanup;
    if ((rc = read_scaling(c, p, err)) != NNV_OK) goto cleanup;
    if ((rc = describe(c, p, err)) != NNV_OK) goto cleanup;
    /* The writer's validation is the reader's: a potential that passes it
     * can be written and read back by every reader. */
    if ((rc = nnv_potential_serialize(&bytes, &n_bytes, p, err)) != NNV_OK) goto cleanup;
    p->warnings = c->warn;
    memset(&c->warn, 0, sizeof c->warn);
    *out = p;
    p = NULL;
cleanup:
    free(bytes);
    nnv_potential_free(p);
    nnv_warnings_clear(&c->warn);
    free(c->sf);
    free_settings(c);
    tf_free(&c->in);
    tf_free(&c->sc);
    return rc;
}

int nnv_n2p2_read(nnv_potential **out, const char *dir, const nnv_n2p2_options *opt, nnv_error *err)
{
    conv c;
    if (!out || !dir) return nnv_error_set(err, NNV_EUSAGE, "nnv_n2p2_read: NULL argument");
    memset(&c, 0, sizeof c);
    c.dir = dir;
    return convert(&c, out, opt, err);
}

int nnv_n2p2_parse(nnv_potential **out, const char *input_nn, size_t input_len, const char *scaling,
                   size_t scaling_len, const char *const *weights, const size_t *weights_len, int n_weights,
                   const char *name, const nnv_n2p2_options *opt, nnv_error *err)
{
    conv c;
    if (out) *out = NULL;
    if (!out || (!input_nn && input_len) || (!scaling && scaling_len) || n_weights < 0 ||
        (n_weights > 0 && (!weights || !weights_len)))
        return nnv_error_set(err, NNV_EUSAGE, "nnv_n2p2_parse: NULL argument or negative count");
    for (int i = 0; i < n_weights; i++)
        if (!weights[i] && weights_len[i])
            return nnv_error_set(err, NNV_EUSAGE, "nnv_n2p2_parse: weights text %d is NULL", i + 1);
    memset(&c, 0, sizeof c);
    c.dir = name ? name : "n2p2";
    c.from_memory = 1;
    c.mem_input = input_nn;
    c.mem_input_len = input_len;
    c.mem_scaling = scaling;
    c.mem_scaling_len = scaling_len;
    c.mem_weights = weights;
    c.mem_weights_len = weights_len;
    c.mem_n_weights = n_weights;
    return convert(&c, out, opt, err);
}
