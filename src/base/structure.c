/* structure.c: a molecule (atomic numbers, positions, masses) and the reader of
 * (extended) XYZ files, the way every structure enters nnvib. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base_internal.h"

#define XYZ_MAX_ATOMS 1000000
#define XYZ_MIN_DISTANCE 0.1 /* Å: closer atoms are a typo, not a molecule */
#define TOKEN_SHOW 40        /* longest excerpt of a bad token quoted in a message */

/* ---- construction -------------------------------------------------------- */

static nnv_structure *structure_alloc(int n_atoms)
{
    nnv_structure *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->n_atoms = n_atoms;
    s->Z = malloc((size_t)n_atoms * sizeof *s->Z);
    s->xyz = malloc((size_t)n_atoms * 3 * sizeof *s->xyz);
    s->masses = malloc((size_t)n_atoms * sizeof *s->masses);
    if (!s->Z || !s->xyz || !s->masses) {
        nnv_structure_free(s);
        return NULL;
    }
    return s;
}

static char *copy_bytes(const char *src, size_t n)
{
    char *d = malloc(n + 1);
    if (!d) return NULL;
    if (n) memcpy(d, src, n);
    d[n] = '\0';
    return d;
}

int nnv_structure_new(nnv_structure **out, int n_atoms, const int *Z, const double *xyz,
                      nnv_error *err)
{
    nnv_structure *s = NULL;
    int rc = NNV_OK;
    if (!out) return nnv_error_set(err, NNV_EUSAGE, "nnv_structure_new: out is NULL");
    *out = NULL;
    if (n_atoms < 1 || n_atoms > XYZ_MAX_ATOMS || !Z || !xyz)
        return nnv_error_set(err, NNV_EUSAGE, "nnv_structure_new: need 1..%d atoms, got %d",
                             XYZ_MAX_ATOMS, n_atoms);
    for (int i = 0; i < n_atoms; i++) {
        if (Z[i] < 1 || Z[i] > NNV_MAX_Z)
            return nnv_error_set(err, NNV_EINPUT, "atom %d: atomic number %d out of range 1..%d",
                                 i + 1, Z[i], NNV_MAX_Z);
        for (int c = 0; c < 3; c++)
            if (!isfinite(xyz[3 * i + c]))
                return nnv_error_set(err, NNV_EINPUT, "atom %d: non-finite coordinate %c",
                                     i + 1, "xyz"[c]);
    }
    s = structure_alloc(n_atoms);
    if (!s || !(s->comment = copy_bytes("", 0))) {
        rc = nnv_error_set(err, NNV_ENOMEM, "out of memory for a structure of %d atoms", n_atoms);
        goto cleanup;
    }
    memcpy(s->Z, Z, (size_t)n_atoms * sizeof *Z);
    memcpy(s->xyz, xyz, (size_t)n_atoms * 3 * sizeof *xyz);
    for (int i = 0; i < n_atoms; i++) s->masses[i] = nnv_element_mass(Z[i]);
    *out = s;
    s = NULL;
cleanup:
    nnv_structure_free(s);
    return rc;
}

int nnv_structure_copy(nnv_structure **out, const nnv_structure *s, nnv_error *err)
{
    nnv_structure *c = NULL;
    int rc = NNV_OK;
    if (!out || !s) return nnv_error_set(err, NNV_EUSAGE, "nnv_structure_copy: NULL argument");
    *out = NULL;
    c = structure_alloc(s->n_atoms);
    if (!c || !(c->comment = copy_bytes(s->comment ? s->comment : "",
                                        s->comment ? strlen(s->comment) : 0))) {
        rc = nnv_error_set(err, NNV_ENOMEM, "out of memory copying a structure of %d atoms",
                           s->n_atoms);
        goto cleanup;
    }
    memcpy(c->Z, s->Z, (size_t)s->n_atoms * sizeof *c->Z);
    memcpy(c->xyz, s->xyz, (size_t)s->n_atoms * 3 * sizeof *c->xyz);
    memcpy(c->masses, s->masses, (size_t)s->n_atoms * sizeof *c->masses);
    *out = c;
    c = NULL;
cleanup:
    nnv_structure_free(c);
    return rc;
}

int nnv_structure_set_mass(nnv_structure *s, int index, double mass, nnv_error *err)
{
    if (!s) return nnv_error_set(err, NNV_EUSAGE, "nnv_structure_set_mass: structure is NULL");
    if (index < 0 || index >= s->n_atoms)
        return nnv_error_set(err, NNV_EUSAGE, "mass override: atom %d does not exist (1..%d)",
                             index + 1, s->n_atoms);
    if (!isfinite(mass) || mass <= 0.0)
        return nnv_error_set(err, NNV_EUSAGE,
                             "mass override for atom %d: mass must be finite and > 0, got %g",
                             index + 1, mass);
    s->masses[index] = mass;
    return NNV_OK;
}

void nnv_structure_com(const nnv_structure *s, double com[3])
{
    double m = 0.0;
    com[0] = com[1] = com[2] = 0.0;
    if (!s) return;
    for (int i = 0; i < s->n_atoms; i++) {
        m += s->masses[i];
        for (int c = 0; c < 3; c++) com[c] += s->masses[i] * s->xyz[3 * i + c];
    }
    if (m > 0.0)
        for (int c = 0; c < 3; c++) com[c] /= m;
}

void nnv_structure_free(nnv_structure *s)
{
    if (!s) return;
    free(s->Z);
    free(s->xyz);
    free(s->masses);
    free(s->comment);
    free(s);
}

/* ---- line and token scanning over a buffer that need not end in NUL ------ */

typedef struct {
    const char *p, *end;
    int lineno; /* number of the line last returned, 1-based */
} cursor;

typedef struct {
    const char *s;
    size_t n;
} span;

/* Next line without its "\n" or "\r\n"; 0 at the end of the buffer. */
static int next_line(cursor *c, span *line)
{
    const char *q;
    if (c->p >= c->end) return 0;
    q = memchr(c->p, '\n', (size_t)(c->end - c->p));
    line->s = c->p;
    line->n = (size_t)((q ? q : c->end) - c->p);
    if (line->n && line->s[line->n - 1] == '\r') line->n--;
    c->p = q ? q + 1 : c->end;
    c->lineno++;
    return 1;
}

static int is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f'; }

static int is_blank(span l)
{
    for (size_t i = 0; i < l.n; i++)
        if (!is_space(l.s[i])) return 0;
    return 1;
}

/* Split into up to max whitespace-separated tokens; returns how many were found
 * (counting at most max + 1 so callers can tell "more than enough"). */
static int split(span l, span *tok, int max)
{
    int k = 0;
    size_t i = 0;
    while (i < l.n) {
        while (i < l.n && is_space(l.s[i])) i++;
        if (i >= l.n) break;
        if (k < max) tok[k].s = l.s + i;
        size_t start = i;
        while (i < l.n && !is_space(l.s[i])) i++;
        if (k < max) tok[k].n = i - start;
        if (++k > max) break;
    }
    return k;
}

static span trim(span l)
{
    while (l.n && is_space(l.s[0])) l.s++, l.n--;
    while (l.n && is_space(l.s[l.n - 1])) l.n--;
    return l;
}

static int show_len(span t) { return (int)(t.n > TOKEN_SHOW ? TOKEN_SHOW : t.n); }
static const char *show_more(span t) { return t.n > TOKEN_SHOW ? "..." : ""; }

/* Atom count: a positive decimal integer; -1 when the text is anything else,
 * -2 when it is a number beyond XYZ_MAX_ATOMS. */
static long parse_count(span l)
{
    long v = 0;
    l = trim(l);
    if (l.n == 0) return -1;
    for (size_t i = 0; i < l.n; i++) {
        if (l.s[i] < '0' || l.s[i] > '9') return -1;
        if (v <= XYZ_MAX_ATOMS) v = 10 * v + (l.s[i] - '0');
    }
    if (v == 0) return -1;
    return v > XYZ_MAX_ATOMS ? -2 : v;
}

/* A coordinate: the whole token must be a number (strtod syntax). */
static int parse_number(span t, double *v)
{
    char buf[80];
    char *endp;
    if (t.n == 0 || t.n >= sizeof buf) return 0;
    memcpy(buf, t.s, t.n);
    buf[t.n] = '\0';
    /* strtod rounds correctly, so positions are exactly the doubles the text
     * gives; overflow yields inf, which the caller rejects as non-finite. */
    *v = strtod(buf, &endp);
    return endp == buf + t.n;
}

/* ---- the close-contact check ---------------------------------------------
 * Sorting atoms by 0.1 Å grid cell keeps the check O(N log N), so a large
 * file cannot make it hang; any pair closer than 0.1 Å shares a cell or
 * neighbouring cells. */

typedef struct {
    int64_t c[3];
    int atom;
} cell_entry;

static int cell_cmp(const void *a, const void *b)
{
    const cell_entry *x = a, *y = b;
    for (int k = 0; k < 3; k++)
        if (x->c[k] != y->c[k]) return x->c[k] < y->c[k] ? -1 : 1;
    return (x->atom > y->atom) - (x->atom < y->atom);
}

static int64_t cell_of(double x)
{
    double c = floor(x / XYZ_MIN_DISTANCE);
    if (c > 1e15) c = 1e15;
    if (c < -1e15) c = -1e15;
    return (int64_t)c;
}

/* First index in sorted e[0..n) whose cell is >= key (atom ignored). */
static size_t cell_lower_bound(const cell_entry *e, size_t n, const int64_t key[3])
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int less = 0;
        for (int k = 0; k < 3; k++)
            if (e[mid].c[k] != key[k]) {
                less = e[mid].c[k] < key[k];
                break;
            }
        if (less) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static int same_cell(const cell_entry *e, const int64_t key[3])
{
    return e->c[0] == key[0] && e->c[1] == key[1] && e->c[2] == key[2];
}

/* Finds the close pair (i < j) that comes first in (i, j) order; *found = 0
 * when there is none. Returns NNV_ENOMEM if the scratch array cannot be had. */
static int find_close_pair(const double *xyz, int n, int *found, int *pi, int *pj, double *pd)
{
    cell_entry *e = malloc((size_t)n * sizeof *e);
    *found = 0;
    if (!e) return NNV_ENOMEM;
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < 3; k++) e[i].c[k] = cell_of(xyz[3 * i + k]);
        e[i].atom = i;
    }
    qsort(e, (size_t)n, sizeof *e, cell_cmp);
    for (size_t a = 0; a < (size_t)n; a++) {
        int i = e[a].atom;
        for (int d = 0; d < 27; d++) {
            int64_t key[3] = {e[a].c[0] + d / 9 - 1, e[a].c[1] + (d / 3) % 3 - 1,
                              e[a].c[2] + d % 3 - 1};
            for (size_t b = cell_lower_bound(e, (size_t)n, key); b < (size_t)n && same_cell(&e[b], key);
                 b++) {
                int j = e[b].atom;
                double r2 = 0.0;
                if (j <= i) continue;
                for (int k = 0; k < 3; k++) {
                    double dx = xyz[3 * j + k] - xyz[3 * i + k];
                    r2 += dx * dx;
                }
                if (r2 < XYZ_MIN_DISTANCE * XYZ_MIN_DISTANCE &&
                    (!*found || i < *pi || (i == *pi && j < *pj))) {
                    *found = 1;
                    *pi = i;
                    *pj = j;
                    *pd = sqrt(r2);
                }
            }
        }
    }
    free(e);
    return NNV_OK;
}

/* ---- the XYZ reader --------------------------------------------------------- */

/* Reads the next frame's count line, skipping blank lines between frames.
 * Returns 1 with *count set, 0 at the end of the file, or an error code. */
static int read_count(cursor *c, const char *name, int frame, long *count, nnv_error *err)
{
    span l;
    do {
        if (!next_line(c, &l)) return 0;
    } while (is_blank(l) && frame > 0);
    *count = parse_count(l);
    if (*count == -2) {
        l = trim(l);
        return nnv_error_set(err, NNV_EINPUT,
                             "%s: line %d: atom count of frame %d: %.*s%s is more than %d atoms",
                             name, c->lineno, frame, show_len(l), l.s, show_more(l), XYZ_MAX_ATOMS);
    }
    if (*count < 0) {
        l = trim(l);
        if (l.n == 0)
            return nnv_error_set(err, NNV_EINPUT, "%s: line %d: atom count of frame %d: empty line",
                                 name, c->lineno, frame);
        return nnv_error_set(err, NNV_EINPUT,
                             "%s: line %d: atom count of frame %d: not a positive integer: \"%.*s%s\"",
                             name, c->lineno, frame, show_len(l), l.s, show_more(l));
    }
    return 1;
}

static int read_comment(cursor *c, const char *name, int frame, span *comment, nnv_error *err)
{
    if (!next_line(c, comment))
        return nnv_error_set(err, NNV_EINPUT,
                             "%s: line %d: file ends before the comment line of frame %d",
                             name, c->lineno + 1, frame);
    return NNV_OK;
}

/* Makes sure `count` atom lines follow (without parsing them), so nothing is
 * allocated for a count the file cannot back. */
static int check_atom_lines(cursor c, const char *name, int frame, long count, int count_line,
                            nnv_error *err)
{
    span l;
    for (long k = 0; k < count; k++) {
        if (!next_line(&c, &l))
            return nnv_error_set(err, NNV_EINPUT,
                                 "%s: line %d: file ends after %ld of %ld atoms of frame %d "
                                 "(count on line %d)",
                                 name, c.lineno + 1, k, count, frame, count_line);
    }
    return NNV_OK;
}

static int parse_atom(span l, const char *name, int lineno, long k, int *Z, double x[3],
                      nnv_error *err)
{
    span tok[4];
    int nt = split(l, tok, 4);
    if (nt == 0)
        return nnv_error_set(err, NNV_EINPUT,
                             "%s: line %d: atom %ld: empty line where 'Symbol x y z' was expected "
                             "(fewer atoms than the count says?)",
                             name, lineno, k + 1);
    if (nt < 4)
        return nnv_error_set(err, NNV_EINPUT,
                             "%s: line %d: atom %ld: expected 'Symbol x y z', found %d field%s",
                             name, lineno, k + 1, nt, nt == 1 ? "" : "s");
    {
        char sym[8];
        *Z = 0;
        if (tok[0].n < sizeof sym) {
            memcpy(sym, tok[0].s, tok[0].n);
            sym[tok[0].n] = '\0';
            *Z = nnv_element_from_symbol(sym);
        }
        if (*Z == 0)
            return nnv_error_set(err, NNV_EINPUT, "%s: line %d: atom %ld: unknown element \"%.*s%s\"",
                                 name, lineno, k + 1, show_len(tok[0]), tok[0].s, show_more(tok[0]));
    }
    for (int c = 0; c < 3; c++) {
        span t = tok[c + 1];
        if (!parse_number(t, &x[c]))
            return nnv_error_set(err, NNV_EINPUT,
                                 "%s: line %d: field '%c' of atom %ld: not a number: \"%.*s%s\"",
                                 name, lineno, "xyz"[c], k + 1, show_len(t), t.s, show_more(t));
        if (!isfinite(x[c]))
            return nnv_error_set(err, NNV_EINPUT,
                                 "%s: line %d: field '%c' of atom %ld: not a finite number: \"%.*s%s\"",
                                 name, lineno, "xyz"[c], k + 1, show_len(t), t.s, show_more(t));
    }
    return NNV_OK;
}

int nnv_structure_parse_xyz(nnv_structure **out, const char *text, size_t len,
                            const char *name, int frame, nnv_error *err)
{
    nnv_structure *s = NULL;
    cursor c;
    span l, comment = {"", 0};
    long count = 0;
    int rc = NNV_OK, count_line = 0;
    if (!out) return nnv_error_set(err, NNV_EUSAGE, "nnv_structure_parse_xyz: out is NULL");
    *out = NULL;
    if (!name) name = "(xyz)";
    if (!text && len) return nnv_error_set(err, NNV_EUSAGE, "%s: NULL text", name);
    if (frame < 0)
        return nnv_error_set(err, NNV_EUSAGE, "%s: frame %d: frames count from 0", name, frame);
    c.p = text;
    c.end = text + len;
    c.lineno = 0;
    if (len == 0 || is_blank((span){text, len}))
        return nnv_error_set(err, NNV_EINPUT, "%s: line 1: empty file, expected an atom count", name);

    /* Skip the frames before the one asked for, checking only their shape. */
    for (int f = 0; f <= frame; f++) {
        rc = read_count(&c, name, f, &count, err);
        if (rc == 0)
            return nnv_error_set(err, NNV_EINPUT,
                                 "%s: frame %d does not exist: the file has %d frame%s "
                                 "(numbered from 0)",
                                 name, frame, f, f == 1 ? "" : "s");
        if (rc < 0) return rc;
        count_line = c.lineno;
        if ((rc = read_comment(&c, name, f, &comment, err)) != NNV_OK) return rc;
        if ((rc = check_atom_lines(c, name, f, count, count_line, err)) != NNV_OK) return rc;
        if (f < frame)
            for (long k = 0; k < count; k++) next_line(&c, &l);
    }

    s = structure_alloc((int)count);
    if (!s || !(s->comment = copy_bytes(comment.s, comment.n))) {
        rc = nnv_error_set(err, NNV_ENOMEM, "%s: out of memory for %ld atoms", name, count);
        goto cleanup;
    }
    for (long k = 0; k < count; k++) {
        next_line(&c, &l);
        rc = parse_atom(l, name, c.lineno, k, &s->Z[k], &s->xyz[3 * k], err);
        if (rc != NNV_OK) goto cleanup;
        s->masses[k] = nnv_element_mass(s->Z[k]);
    }

    /* Catch a count that is too small: what follows must be another frame
     * (a count line) or nothing but blank lines. */
    {
        int more;
        while ((more = next_line(&c, &l)) && is_blank(l)) {
        }
        if (more && parse_count(l) == -1) {
            span t = trim(l);
            rc = nnv_error_set(err, NNV_EINPUT,
                               "%s: line %d: expected the atom count of frame %d or the end of "
                               "the file, found \"%.*s%s\" (more atoms than the %ld on line %d?)",
                               name, c.lineno, frame + 1, show_len(t), t.s, show_more(t), count,
                               count_line);
            goto cleanup;
        }
    }

    {
        int found, i = 0, j = 0;
        double d = 0.0;
        if (find_close_pair(s->xyz, s->n_atoms, &found, &i, &j, &d) != NNV_OK) {
            rc = nnv_error_set(err, NNV_ENOMEM, "%s: out of memory checking distances", name);
            goto cleanup;
        }
        if (found) {
            rc = nnv_error_set(err, NNV_EINPUT,
                               "%s: atoms %d (line %d) and %d (line %d) are %.4g Å apart, closer "
                               "than %.1f Å",
                               name, i + 1, count_line + 2 + i, j + 1, count_line + 2 + j, d,
                               XYZ_MIN_DISTANCE);
            goto cleanup;
        }
    }
    *out = s;
    s = NULL;
    rc = NNV_OK;
cleanup:
    nnv_structure_free(s);
    return rc;
}

int nnv_structure_read_xyz(nnv_structure **out, const char *path, int frame, nnv_error *err)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    int rc;
    if (!out || !path) return nnv_error_set(err, NNV_EUSAGE, "nnv_structure_read_xyz: NULL argument");
    *out = NULL;
    if ((rc = af_read_all(path, &buf, &len, err)) != NNV_OK) return rc;
    rc = nnv_structure_parse_xyz(out, (const char *)buf, len, path, frame, err);
    free(buf);
    return rc;
}
