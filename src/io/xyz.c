/* xyz.c: the reader of (extended) XYZ files, the way every structure enters
 * nnvib: one frame by its number, or every frame in turn (nnv_xyz_*). */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/xyz_internal.h"

#define XYZ_MIN_DISTANCE 0.1 /* Å: closer atoms are a typo, not a molecule */
/* Å: a double holds a coordinate this large to 1.2e-7 Å; at 1e15 Å only to
 * 0.125 Å, and water's frequencies come out 70-290 cm-1 off. Farther
 * coordinates are refused, not silently rounded (docs/limits.md). */
#define XYZ_MAX_COORDINATE 1e9

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

/* ---- one frame ----------------------------------------------------------------- */

/* Atom count: a positive decimal integer, digits only (no sign), the rule by
 * which `nnvib batch` and other XYZ readers tell a count line. 1 with *count
 * set; -1 when the text is anything else (*count 0); -2 when it is a number
 * beyond ST_MAX_ATOMS (*count that number, LONG_MAX if larger still). */
static int parse_count(txt_span l, long *count)
{
    long v = 0;
    *count = 0;
    l = txt_trim(l);
    if (l.n == 0 || l.s[0] < '0' || l.s[0] > '9') return -1;
    switch (txt_parse_long(l, 0, LONG_MAX, &v)) {
    case TXT_OK: break;
    case TXT_ERANGE: *count = LONG_MAX; return -2;
    default: return -1;
    }
    if (v == 0) return -1;
    *count = v;
    return v > ST_MAX_ATOMS ? -2 : 1;
}

/* Reads the next frame's count line, skipping blank lines between frames.
 * Returns 1 with *count set, 0 at the end of the file, or an error code (then
 * *count > 0 when the line was a number, too large). */
static int read_count(txt_cursor *c, const char *name, int frame, long *count, nnv_error *err)
{
    txt_span l;
    char q[TXT_QUOTE_SIZE];
    int kind;
    *count = 0;
    do {
        if (!txt_next_line(c, &l)) return 0;
    } while (txt_is_blank(l) && frame > 0);
    kind = parse_count(l, count);
    l = txt_trim(l);
    if (kind == -2)
        return nnv_error_set(err, NNV_EINPUT, "%s: line %d: atom count of frame %d: %s is more than %d atoms",
                             name, c->line, frame + 1, txt_quote(q, l), ST_MAX_ATOMS);
    if (kind < 0) {
        if (l.n == 0)
            return nnv_error_set(err, NNV_EINPUT, "%s: line %d: atom count of frame %d: empty line", name,
                                 c->line, frame + 1);
        return nnv_error_set(err, NNV_EINPUT, "%s: line %d: atom count of frame %d: not a positive integer: \"%s\"",
                             name, c->line, frame + 1, txt_quote(q, l));
    }
    return 1;
}

/* The frame's lines after its count: the comment, then `count` atom lines,
 * checked to exist (without parsing them) so that nothing is allocated for a
 * count the file cannot back. On success c is after the comment line. */
static int read_shape(txt_cursor *c, const char *name, int frame, long count, txt_span *comment, nnv_error *err)
{
    int count_line = c->line;
    txt_cursor ahead;
    txt_span l;
    if (!txt_next_line(c, comment))
        return nnv_error_set(err, NNV_EINPUT, "%s: line %d: file ends before the comment line of frame %d", name,
                             c->line + 1, frame + 1);
    ahead = *c;
    for (long k = 0; k < count; k++)
        if (!txt_next_line(&ahead, &l))
            return nnv_error_set(err, NNV_EINPUT,
                                 "%s: line %d: file ends after %ld of %ld atoms of frame %d (count on line %d)",
                                 name, ahead.line + 1, k, count, frame + 1, count_line);
    return NNV_OK;
}

static void skip_lines(txt_cursor *c, long n)
{
    txt_span l;
    for (long k = 0; k < n && txt_next_line(c, &l); k++) {
    }
}

/* `of` names the frame in messages that would not otherwise ("" or " of frame 3");
 * cols says where the symbol and x y z are (xyz_comment_columns). */
static int parse_atom(txt_span l, const xyz_columns *cols, const char *name, int lineno, long k, const char *of,
                      int *Z, double x[3], nnv_error *err)
{
    txt_span tok[4], rest = l, one;
    char q[TXT_QUOTE_SIZE];
    int nt = 0;
    /* tok: the symbol, then x y z, picked from their columns. */
    while (nt <= cols->n && txt_next_token(&rest, &one)) {
        if (nt == cols->species) tok[0] = one;
        else if (nt >= cols->pos && nt < cols->pos + 3) tok[1 + nt - cols->pos] = one;
        nt++;
    }
    if (nt == 0)
        return nnv_error_set(err, NNV_EINPUT,
                             "%s: line %d: atom %ld%s: empty line where %s was expected "
                             "(fewer atoms than the count says?)",
                             name, lineno, k + 1, of, cols->declared ? "an atom" : "'Symbol x y z'");
    if (cols->declared && nt != cols->n)
        return nnv_error_set(err, NNV_EINPUT, "%s: line %d: atom %ld%s: %s%d field%s where Properties= declares %d",
                             name, lineno, k + 1, of, nt > cols->n ? "more than " : "", nt > cols->n ? cols->n : nt,
                             nt == 1 ? "" : "s", cols->n);
    if (nt < 4)
        return nnv_error_set(err, NNV_EINPUT, "%s: line %d: atom %ld%s: expected 'Symbol x y z', found %d field%s",
                             name, lineno, k + 1, of, nt, nt == 1 ? "" : "s");
    {
        char sym[8];
        *Z = 0;
        if (tok[0].n < sizeof sym) {
            memcpy(sym, tok[0].s, tok[0].n);
            sym[tok[0].n] = '\0';
            *Z = nnv_element_from_symbol(sym);
        }
        if (*Z == 0)
            return nnv_error_set(err, NNV_EINPUT, "%s: line %d: atom %ld%s: unknown element \"%s\"", name, lineno,
                                 k + 1, of, txt_quote(q, tok[0]));
    }
    for (int c = 0; c < 3; c++) {
        int rc = txt_parse_number(tok[c + 1], &x[c]);
        if (rc != TXT_OK)
            return nnv_error_set(err, NNV_EINPUT, "%s: line %d: field '%c' of atom %ld%s: %s: \"%s\"", name, lineno,
                                 "xyz"[c], k + 1, of, rc == TXT_ERANGE ? "not a finite number" : "not a number",
                                 txt_quote(q, tok[c + 1]));
        if (fabs(x[c]) > XYZ_MAX_COORDINATE)
            return nnv_error_set(err, NNV_EINPUT,
                                 "%s: line %d: field '%c' of atom %ld%s: %s A is too far from the origin (limit %.0e A: "
                                 "a double holds it only to %.2g A); move the molecule near the origin",
                                 name, lineno, "xyz"[c], k + 1, of, txt_quote(q, tok[c + 1]), XYZ_MAX_COORDINATE,
                                 nextafter(fabs(x[c]), HUGE_VAL) - fabs(x[c]));
    }
    return NNV_OK;
}

/* The atoms of a frame whose shape read_shape has checked; c is after the
 * comment line and ends after the last atom line. */
static int parse_atoms(nnv_structure **out, txt_cursor *c, const char *name, int frame, long count,
                       txt_span comment, const char *of, nnv_error *err)
{
    nnv_structure *s = NULL;
    txt_span l;
    int rc = NNV_OK, count_line = c->line - 1;
    char q[TXT_QUOTE_SIZE];
    xyz_columns cols;

    if ((rc = xyz_comment_columns(comment, name, c->line, of, &cols, err)) != NNV_OK) return rc;
    s = st_alloc((int)count, comment.s, comment.n);
    if (!s) {
        rc = nnv_error_set(err, NNV_ENOMEM, "%s: out of memory for %ld atoms", name, count);
        goto cleanup;
    }
    for (long k = 0; k < count; k++) {
        txt_next_line(c, &l);
        rc = parse_atom(l, &cols, name, c->line, k, of, &s->Z[k], &s->xyz[3 * k], err);
        if (rc != NNV_OK) goto cleanup;
        s->masses[k] = nnv_element_mass(s->Z[k]);
    }

    /* Catch a count that is too small: what follows must be another frame
     * (a count line) or nothing but blank lines. Only a look ahead: the next
     * frame is read from c. */
    {
        txt_cursor ahead = *c;
        long next;
        int more;
        while ((more = txt_next_line(&ahead, &l)) && txt_is_blank(l)) {
        }
        if (more && parse_count(l, &next) == -1) {
            rc = nnv_error_set(err, NNV_EINPUT,
                               "%s: line %d: expected the atom count of frame %d or the end of "
                               "the file, found \"%s\" (more atoms than the %ld on line %d?)",
                               name, ahead.line, frame + 2, txt_quote(q, txt_trim(l)), count, count_line);
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
                               "%s: atoms %d (line %d) and %d (line %d)%s are %.4g Å apart, closer than %.1f Å",
                               name, i + 1, count_line + 2 + i, j + 1, count_line + 2 + j, of, d, XYZ_MIN_DISTANCE);
            goto cleanup;
        }
    }
    *out = s;
    s = NULL;
cleanup:
    nnv_structure_free(s);
    return rc;
}

static int empty_file(const char *name, nnv_error *err)
{
    return nnv_error_set(err, NNV_EINPUT, "%s: line 1: empty file, expected an atom count", name);
}

/* ---- frame by number --------------------------------------------------------- */

int nnv_structure_parse_xyz(nnv_structure **out, const char *text, size_t len,
                            const char *name, int frame, nnv_error *err)
{
    txt_cursor c;
    txt_span comment = {"", 0};
    long count = 0;
    int rc;
    if (!out) return nnv_error_set(err, NNV_EUSAGE, "nnv_structure_parse_xyz: out is NULL");
    *out = NULL;
    if (!name) name = "(xyz)";
    if (!text && len) return nnv_error_set(err, NNV_EUSAGE, "%s: NULL text", name);
    if (frame < 0) return nnv_error_set(err, NNV_EUSAGE, "%s: frame %d: frames count from 0", name, frame);
    if (len == 0 || txt_is_blank((txt_span){text, len})) return empty_file(name, err);
    txt_cursor_init(&c, text, len);

    /* Skip the frames before the one asked for, checking only their shape. */
    for (int f = 0; f <= frame; f++) {
        rc = read_count(&c, name, f, &count, err);
        if (rc == 0)
            return nnv_error_set(err, NNV_EINPUT,
                                 "%s: frame %d does not exist: the file has %d frame%s", name,
                                 frame + 1, f, f == 1 ? "" : "s");
        if (rc < 0) return rc;
        if ((rc = read_shape(&c, name, f, count, &comment, err)) != NNV_OK) return rc;
        if (f < frame) skip_lines(&c, count);
    }
    return parse_atoms(out, &c, name, frame, count, comment, "", err);
}

typedef struct frame_request {
    nnv_structure **out;
    int frame;
} frame_request;

static int parse_frame(void *req, const char *text, size_t len, const char *name, nnv_error *err)
{
    const frame_request *r = req;
    return nnv_structure_parse_xyz(r->out, text, len, name, r->frame, err);
}

int nnv_structure_read_xyz(nnv_structure **out, const char *path, int frame, nnv_error *err)
{
    frame_request req = {out, frame};
    if (!out || !path) return nnv_error_set(err, NNV_EUSAGE, "nnv_structure_read_xyz: NULL argument");
    *out = NULL;
    return txt_parse_file(path, TXT_MAX_XYZ, txt_head_text, parse_frame, &req, err);
}

/* ---- every frame in turn ----------------------------------------------------------- */

struct nnv_xyz_reader {
    char *name;          /* for messages */
    unsigned char *file; /* the file's bytes (nnv_xyz_open), NULL for text in memory */
    const char *text;
    size_t len;
    txt_cursor c;        /* at the next frame's count line (or the blank lines before it) */
    int next;            /* index of the frame the next call reads */
    int last;            /* index of the frame last returned or failed, -1 before */
    int done;            /* the end, or a count line that is not a number */
};

static int reader_new(nnv_xyz_reader **out, const char *name, nnv_error *err)
{
    nnv_xyz_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->name = malloc(strlen(name) + 1))) {
        free(r);
        return nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", name);
    }
    strcpy(r->name, name);
    r->last = -1;
    *out = r;
    return NNV_OK;
}

int nnv_xyz_open_memory(nnv_xyz_reader **out, const char *text, size_t len, const char *name, nnv_error *err)
{
    int rc;
    if (!out) return nnv_error_set(err, NNV_EUSAGE, "nnv_xyz_open_memory: out is NULL");
    *out = NULL;
    if (!name) name = "(xyz)";
    if (!text && len) return nnv_error_set(err, NNV_EUSAGE, "%s: NULL text", name);
    if ((rc = reader_new(out, name, err)) != NNV_OK) return rc;
    (*out)->text = text ? text : "";
    (*out)->len = len;
    txt_cursor_init(&(*out)->c, (*out)->text, len);
    return NNV_OK;
}

int nnv_xyz_open(nnv_xyz_reader **out, const char *path, nnv_error *err)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    int rc;
    if (!out || !path) return nnv_error_set(err, NNV_EUSAGE, "nnv_xyz_open: NULL argument");
    *out = NULL;
    if ((rc = txt_read_file_head(path, TXT_MAX_XYZ, txt_head_text, &buf, &len, err)) != NNV_OK) return rc;
    if ((rc = nnv_xyz_open_memory(out, (const char *)buf, len, path, err)) != NNV_OK) {
        free(buf);
        return rc;
    }
    (*out)->file = buf;
    return NNV_OK;
}

int nnv_xyz_next(nnv_xyz_reader *r, nnv_structure **s, nnv_error *err)
{
    txt_cursor after_count;
    txt_span comment;
    long count = 0;
    char of[40];
    int rc, frame;
    if (s) *s = NULL;
    if (!r || !s) return nnv_error_set(err, NNV_EUSAGE, "nnv_xyz_next: NULL argument");
    if (r->done) return NNV_OK;
    frame = r->next;
    if (frame == 0 && (r->len == 0 || txt_is_blank((txt_span){r->text, r->len}))) {
        r->done = 1;
        r->last = 0;
        return empty_file(r->name, err);
    }
    rc = read_count(&r->c, r->name, frame, &count, err);
    if (rc == 0) {
        r->done = 1;
        return NNV_OK;
    }
    r->last = frame;
    r->next = frame + 1;
    /* A count line that is no number leaves nothing to find the next frame by. */
    if (rc < 0 && count == 0) {
        r->done = 1;
        return rc;
    }
    /* Whatever fails below, the next frame starts `count` + 1 lines on, as
     * the count line says: a bad frame fails alone. */
    after_count = r->c;
    skip_lines(&r->c, count == LONG_MAX ? count : count + 1);
    if (rc < 0) return rc;
    snprintf(of, sizeof of, " of frame %d", frame + 1);
    if ((rc = read_shape(&after_count, r->name, frame, count, &comment, err)) != NNV_OK) return rc;
    return parse_atoms(s, &after_count, r->name, frame, count, comment, of, err);
}

int nnv_xyz_frame(const nnv_xyz_reader *r) { return r ? r->last : -1; }

void nnv_xyz_close(nnv_xyz_reader *r)
{
    if (!r) return;
    free(r->file);
    free(r->name);
    free(r);
}
