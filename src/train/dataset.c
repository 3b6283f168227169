/* dataset.c: extended-XYZ training data (the format ASE reads and writes):
 * frames of species, positions, forces, with energy= and dipole= labels on the
 * comment line; a reader that names line and field on every error, and a writer. */
#define _POSIX_C_SOURCE 200809L /* popen, pclose, mkstemp, fdopen */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "train.h"

#define DS_MAX_ATOMS 100000
#define SHOW 40 /* longest excerpt of a bad token in a message */

void ds_frame_free(ds_frame *fr)
{
    if (!fr) return;
    free(fr->Z);
    free(fr->xyz);
    free(fr->forces);
    free(fr->info);
    memset(fr, 0, sizeof *fr);
}

void ds_free(ds_set *s)
{
    if (!s) return;
    for (int i = 0; i < s->n_frames; i++) ds_frame_free(&s->frames[i]);
    free(s->frames);
    memset(s, 0, sizeof *s);
}

static int grow(ds_set *s)
{
    if (s->n_frames < s->cap) return NNV_OK;
    int c = s->cap ? 2 * s->cap : 64;
    ds_frame *f = realloc(s->frames, (size_t)c * sizeof *f);
    if (!f) return NNV_ENOMEM;
    s->frames = f;
    s->cap = c;
    return NNV_OK;
}

int ds_append(ds_set *s, const ds_frame *fr, nnv_error *err)
{
    ds_frame c;
    size_t n3 = 3 * (size_t)fr->n_atoms;
    memset(&c, 0, sizeof c);
    if (grow(s) != NNV_OK) goto nomem;
    c = *fr;
    c.Z = malloc((size_t)fr->n_atoms * sizeof *c.Z);
    c.xyz = malloc(n3 * sizeof *c.xyz);
    c.forces = fr->forces ? malloc(n3 * sizeof *c.forces) : NULL;
    c.info = malloc(strlen(fr->info ? fr->info : "") + 1);
    if (!c.Z || !c.xyz || (fr->forces && !c.forces) || !c.info) goto nomem;
    memcpy(c.Z, fr->Z, (size_t)fr->n_atoms * sizeof *c.Z);
    memcpy(c.xyz, fr->xyz, n3 * sizeof *c.xyz);
    if (fr->forces) memcpy(c.forces, fr->forces, n3 * sizeof *c.forces);
    strcpy(c.info, fr->info ? fr->info : "");
    s->frames[s->n_frames++] = c;
    return NNV_OK;
nomem:
    ds_frame_free(&c);
    return nnv_error_set(err, NNV_ENOMEM, "out of memory for a frame of %d atoms", fr->n_atoms);
}

/* ---- reading -------------------------------------------------------------- */

typedef struct cursor {
    const char *p, *end;
    int line;
    const char *name;
} cursor;

/* The next line (without its newline) or 0 at the end of the text. */
static int next_line(cursor *c, const char **b, size_t *n)
{
    const char *e;
    if (c->p >= c->end) return 0;
    e = memchr(c->p, '\n', (size_t)(c->end - c->p));
    if (!e) e = c->end;
    *b = c->p;
    *n = (size_t)(e - c->p);
    if (*n && (*b)[*n - 1] == '\r') (*n)--;
    c->p = e < c->end ? e + 1 : e;
    c->line++;
    return 1;
}

static int only_space(const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isspace((unsigned char)b[i])) return 0;
    return 1;
}

static int parse_num(const char *tok, size_t n, double *v)
{
    char buf[64], *end;
    if (n == 0 || n >= sizeof buf) return -1;
    memcpy(buf, tok, n);
    buf[n] = 0;
    errno = 0;
    *v = strtod(buf, &end);
    if (end != buf + n || errno == ERANGE || !isfinite(*v)) return -1;
    return 0;
}

/* Split b[0..n) on blanks into at most max tokens; returns the count (max+1 when more). */
static int tokens(const char *b, size_t n, const char **tb, size_t *tn, int max)
{
    int k = 0;
    size_t i = 0;
    while (i < n) {
        while (i < n && isspace((unsigned char)b[i])) i++;
        if (i >= n) break;
        if (k == max) return max + 1;
        tb[k] = b + i;
        while (i < n && !isspace((unsigned char)b[i])) i++;
        tn[k] = (size_t)(b + i - tb[k]);
        k++;
    }
    return k;
}

typedef struct columns {
    int total;  /* columns in an atom line */
    int species, pos, forces, znum; /* first column of each, -1 when absent */
} columns;

static int key_is(const char *k, size_t kn, const char *name)
{
    size_t n = strlen(name);
    if (kn != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)k[i]) != tolower((unsigned char)name[i])) return 0;
    return 1;
}

static int parse_properties(const cursor *c, const char *v, size_t vn, columns *col, nnv_error *err)
{
    const char *p = v, *end = v + vn;
    int field = 0;
    col->total = 0;
    col->species = col->pos = col->forces = col->znum = -1;
    while (p < end) {
        const char *part[3];
        size_t pn[3];
        int ncols;
        double dn;
        for (int q = 0; q < 3; q++) {
            const char *e = memchr(p, ':', (size_t)(end - p));
            if (!e) e = end;
            part[q] = p;
            pn[q] = (size_t)(e - p);
            if (q < 2 && e == end)
                return nnv_error_set(err, NNV_EINPUT,
                                     "%s: line %d: field 'Properties': entry %d is not name:type:columns",
                                     c->name, c->line, field + 1);
            p = e < end ? e + 1 : e;
        }
        if (parse_num(part[2], pn[2], &dn) || dn < 1 || dn > 1000 || dn != floor(dn))
            return nnv_error_set(err, NNV_EINPUT, "%s: line %d: field 'Properties': bad column count '%.*s'",
                                 c->name, c->line, (int)(pn[2] < SHOW ? pn[2] : SHOW), part[2]);
        if (pn[1] != 1 || !strchr("SRIL", toupper((unsigned char)part[1][0])))
            return nnv_error_set(err, NNV_EINPUT, "%s: line %d: field 'Properties': bad type '%.*s' (S, R, I or L)",
                                 c->name, c->line, (int)(pn[1] < SHOW ? pn[1] : SHOW), part[1]);
        ncols = (int)dn;
        if (key_is(part[0], pn[0], "species") && ncols == 1) col->species = col->total;
        else if (key_is(part[0], pn[0], "pos") && ncols == 3) col->pos = col->total;
        else if ((key_is(part[0], pn[0], "forces") || key_is(part[0], pn[0], "force")) && ncols == 3)
            col->forces = col->total;
        else if (key_is(part[0], pn[0], "Z") && ncols == 1) col->znum = col->total;
        col->total += ncols;
        field++;
    }
    if (col->species < 0 && col->znum >= 0) col->species = col->znum;
    if (col->species < 0 || col->pos < 0)
        return nnv_error_set(err, NNV_EINPUT, "%s: line %d: field 'Properties': needs species:S:1 and pos:R:3",
                             c->name, c->line);
    return NNV_OK;
}

/* Append "key=value" text to the info string. */
static int info_add(char **info, size_t *len, const char *t, size_t n)
{
    char *s = realloc(*info, *len + n + 2);
    if (!s) return NNV_ENOMEM;
    if (*len) s[(*len)++] = ' ';
    memcpy(s + *len, t, n);
    *len += n;
    s[*len] = 0;
    *info = s;
    return NNV_OK;
}

/* The comment line: key=value pairs, values bare or in double quotes (with \"
 * escapes), keys alone as flags. */
static int parse_comment(const cursor *c, const char *b, size_t n, ds_frame *fr, columns *col,
                         nnv_error *err)
{
    size_t i = 0, ilen = 0;
    int have_props = 0, rc;
    col->total = 4;
    col->species = 0, col->pos = 1, col->forces = -1, col->znum = -1;
    while (i < n) {
        size_t ks, ke, vs = 0, ve = 0;
        int has_val = 0;
        while (i < n && isspace((unsigned char)b[i])) i++;
        if (i >= n) break;
        ks = i;
        while (i < n && b[i] != '=' && !isspace((unsigned char)b[i])) i++;
        ke = i;
        if (i < n && b[i] == '=') {
            has_val = 1;
            i++;
            if (i < n && b[i] == '"') {
                vs = ++i;
                while (i < n && b[i] != '"') i += (b[i] == '\\' && i + 1 < n) ? 2 : 1;
                if (i >= n)
                    return nnv_error_set(err, NNV_EINPUT, "%s: line %d: field '%.*s': unterminated quote",
                                         c->name, c->line, (int)(ke - ks < SHOW ? ke - ks : SHOW), b + ks);
                ve = i++;
            } else {
                vs = i;
                while (i < n && !isspace((unsigned char)b[i])) i++;
                ve = i;
            }
        }
        if (ke == ks)
            return nnv_error_set(err, NNV_EINPUT, "%s: line %d: comment: '=' without a key", c->name, c->line);
        if (key_is(b + ks, ke - ks, "Properties") && has_val) {
            if ((rc = parse_properties(c, b + vs, ve - vs, col, err)) != NNV_OK) return rc;
            have_props = 1;
        } else if (key_is(b + ks, ke - ks, "energy") && has_val) {
            if (parse_num(b + vs, ve - vs, &fr->energy))
                return nnv_error_set(err, NNV_EINPUT, "%s: line %d: field 'energy': bad number '%.*s'",
                                     c->name, c->line, (int)(ve - vs < SHOW ? ve - vs : SHOW), b + vs);
            fr->has_energy = 1;
        } else if (key_is(b + ks, ke - ks, "dipole") && has_val) {
            const char *tb[4];
            size_t tn[4];
            if (tokens(b + vs, ve - vs, tb, tn, 3) != 3 || parse_num(tb[0], tn[0], &fr->dipole[0]) ||
                parse_num(tb[1], tn[1], &fr->dipole[1]) || parse_num(tb[2], tn[2], &fr->dipole[2]))
                return nnv_error_set(err, NNV_EINPUT, "%s: line %d: field 'dipole': need three numbers, got '%.*s'",
                                     c->name, c->line, (int)(ve - vs < SHOW ? ve - vs : SHOW), b + vs);
            fr->has_dipole = 1;
        } else if (key_is(b + ks, ke - ks, "pbc")) {
            /* Written again by ds_write_frame; finite clusters only. */
        } else if (info_add(&fr->info, &ilen, b + ks, i - ks) != NNV_OK) {
            return nnv_error_set(err, NNV_ENOMEM, "%s: line %d: out of memory", c->name, c->line);
        }
    }
    (void)have_props;
    return NNV_OK;
}

static int parse_frame(cursor *c, const char *cb, size_t cn, ds_frame *fr, nnv_error *err)
{
    const char *b;
    size_t n, tn[1];
    const char *tb[1];
    double dn;
    columns col;
    int rc, N, count_line = c->line;
    const char **ab = NULL;
    size_t *an = NULL;

    memset(fr, 0, sizeof *fr);
    if (tokens(cb, cn, tb, tn, 1) != 1 || parse_num(tb[0], tn[0], &dn) || dn != floor(dn) || dn < 1 ||
        dn > DS_MAX_ATOMS)
        return nnv_error_set(err, NNV_EINPUT, "%s: line %d: field 'atom count': need an integer 1..%d, got '%.*s'",
                             c->name, c->line, DS_MAX_ATOMS, (int)(cn < SHOW ? cn : SHOW), cb);
    N = (int)dn;
    fr->n_atoms = N;
    fr->Z = malloc((size_t)N * sizeof *fr->Z);
    fr->xyz = malloc(3 * (size_t)N * sizeof *fr->xyz);
    fr->info = calloc(1, 1);
    if (!fr->Z || !fr->xyz || !fr->info) goto nomem;
    if (!next_line(c, &b, &n)) {
        rc = nnv_error_set(err, NNV_EINPUT, "%s: line %d: comment line: file ends after the atom count",
                           c->name, count_line + 1);
        goto fail;
    }
    if ((rc = parse_comment(c, b, n, fr, &col, err)) != NNV_OK) goto fail;
    if (col.forces >= 0 && !(fr->forces = malloc(3 * (size_t)N * sizeof *fr->forces))) goto nomem;
    ab = malloc(((size_t)col.total + 1) * sizeof *ab);
    an = malloc(((size_t)col.total + 1) * sizeof *an);
    if (!ab || !an) goto nomem;
    for (int i = 0; i < N; i++) {
        int k;
        if (!next_line(c, &b, &n)) {
            rc = nnv_error_set(err, NNV_EINPUT, "%s: line %d: atom %d: file ends (the count line says %d atoms)",
                               c->name, c->line + 1, i + 1, N);
            goto fail;
        }
        k = tokens(b, n, ab, an, col.total);
        if (k < col.total) {
            rc = nnv_error_set(err, NNV_EINPUT, "%s: line %d: atom %d: %d columns, Properties gives %d",
                               c->name, c->line, i + 1, k, col.total);
            goto fail;
        }
        {
            char sym[16];
            size_t sn = an[col.species];
            if (sn >= sizeof sym) sn = sizeof sym - 1;
            memcpy(sym, ab[col.species], sn);
            sym[sn] = 0;
            fr->Z[i] = nnv_element_from_symbol(sym);
            if (fr->Z[i] < 1) {
                rc = nnv_error_set(err, NNV_EINPUT, "%s: line %d: atom %d: field 'species': unknown element '%s'",
                                   c->name, c->line, i + 1, sym);
                goto fail;
            }
        }
        for (int q = 0; q < 3; q++) {
            static const char *const pn[3] = {"x", "y", "z"}, *const fn[3] = {"fx", "fy", "fz"};
            int cp = col.pos + q;
            if (parse_num(ab[cp], an[cp], &fr->xyz[3 * i + q])) {
                rc = nnv_error_set(err, NNV_EINPUT, "%s: line %d: atom %d: field '%s': bad number '%.*s'", c->name,
                                   c->line, i + 1, pn[q], (int)(an[cp] < SHOW ? an[cp] : SHOW), ab[cp]);
                goto fail;
            }
            if (col.forces < 0) continue;
            cp = col.forces + q;
            if (parse_num(ab[cp], an[cp], &fr->forces[3 * i + q])) {
                rc = nnv_error_set(err, NNV_EINPUT, "%s: line %d: atom %d: field '%s': bad number '%.*s'", c->name,
                                   c->line, i + 1, fn[q], (int)(an[cp] < SHOW ? an[cp] : SHOW), ab[cp]);
                goto fail;
            }
        }
    }
    free(ab);
    free(an);
    return NNV_OK;
nomem:
    rc = nnv_error_set(err, NNV_ENOMEM, "%s: line %d: out of memory for %d atoms", c->name, count_line, N);
fail:
    free(ab);
    free(an);
    ds_frame_free(fr);
    return rc;
}

int ds_parse(ds_set *out, const char *text, size_t len, const char *name, nnv_error *err)
{
    cursor c = {text, text + len, 0, name ? name : "(data)"};
    const char *b;
    size_t n;
    int rc = NNV_OK;

    memset(out, 0, sizeof *out);
    if (memchr(text, 0, len))
        return nnv_error_set(err, NNV_EINPUT, "%s: byte %zu: NUL byte in a text file", c.name,
                             (size_t)((const char *)memchr(text, 0, len) - text));
    while (next_line(&c, &b, &n)) {
        ds_frame fr;
        if (only_space(b, n)) {
            /* Blank lines are allowed only at the end of the file. */
            const char *b2;
            size_t n2;
            int l0 = c.line;
            while (next_line(&c, &b2, &n2))
                if (!only_space(b2, n2)) {
                    rc = nnv_error_set(err, NNV_EINPUT, "%s: line %d: field 'atom count': empty line", c.name, l0);
                    goto cleanup;
                }
            break;
        }
        if ((rc = parse_frame(&c, b, n, &fr, err)) != NNV_OK) goto cleanup;
        if (grow(out) != NNV_OK) {
            ds_frame_free(&fr);
            rc = nnv_error_set(err, NNV_ENOMEM, "%s: out of memory after %d frames", c.name, out->n_frames);
            goto cleanup;
        }
        out->frames[out->n_frames++] = fr;
    }
    if (out->n_frames == 0) rc = nnv_error_set(err, NNV_EINPUT, "%s: line 1: field 'atom count': no frames", c.name);
cleanup:
    if (rc != NNV_OK) ds_free(out);
    return rc;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Slurp a stream into a NUL-terminated buffer. */
static int slurp(FILE *f, char **buf, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    if (!b) return NNV_ENOMEM;
    for (;;) {
        size_t got;
        if (cap - n < 4096) {
            char *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                return NNV_ENOMEM;
            }
            b = nb;
            cap *= 2;
        }
        got = fread(b + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
    }
    if (ferror(f)) {
        free(b);
        return NNV_EIO;
    }
    b[n] = 0;
    *buf = b;
    *len = n;
    return NNV_OK;
}

int ds_read(ds_set *out, const char *path, uint32_t *crc, nnv_error *err)
{
    FILE *f = NULL;
    char *raw = NULL, *text = NULL, *cmd = NULL;
    size_t rawlen = 0, len = 0;
    int rc = NNV_OK;

    memset(out, 0, sizeof *out);
    if (!path) return nnv_error_set(err, NNV_EUSAGE, "ds_read: path is NULL");
    f = fopen(path, "rb");
    if (!f) return nnv_error_set(err, NNV_EIO, "%s: cannot open: %s", path, strerror(errno));
    rc = slurp(f, &raw, &rawlen);
    fclose(f);
    f = NULL;
    if (rc != NNV_OK) {
        rc = nnv_error_set(err, rc, "%s: cannot read the file", path);
        goto cleanup;
    }
    if (crc) *crc = nnv_crc32((const unsigned char *)raw, rawlen);
    if (ends_with(path, ".gz")) {
        /* Quote the path for the shell: every ' becomes '\''. */
        size_t q = 0;
        int st;
        for (const char *s = path; *s; s++) q += (*s == '\'') ? 4 : 1;
        cmd = malloc(q + 32);
        if (!cmd) goto nomem;
        {
            char *w = cmd + strlen(strcpy(cmd, "gzip -dc -- '"));
            for (const char *s = path; *s; s++) {
                if (*s == '\'') {
                    memcpy(w, "'\\''", 4);
                    w += 4;
                } else {
                    *w++ = *s;
                }
            }
            *w = 0;
        }
        strcat(cmd, "' 2>/dev/null");
        f = popen(cmd, "r");
        if (!f) {
            rc = nnv_error_set(err, NNV_EIO, "%s: cannot run gzip -dc: %s", path, strerror(errno));
            goto cleanup;
        }
        rc = slurp(f, &text, &len);
        st = pclose(f);
        f = NULL;
        if (rc != NNV_OK) {
            rc = nnv_error_set(err, rc, "%s: cannot read the output of gzip -dc", path);
            goto cleanup;
        }
        if (st != 0) {
            rc = nnv_error_set(err, NNV_EINPUT, "%s: byte 0: gzip -dc failed (not a gzip file, or truncated)", path);
            goto cleanup;
        }
    } else {
        text = raw;
        len = rawlen;
        raw = NULL;
    }
    rc = ds_parse(out, text, len, path, err);
    goto cleanup;
nomem:
    rc = nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", path);
cleanup:
    free(raw);
    free(text);
    free(cmd);
    return rc;
}

/* ---- writing --------------------------------------------------------------- */

int ds_write_frame(FILE *f, const ds_frame *fr)
{
    /* %.17g: every double reads back to the same bits. */
    xyzw_column cols[2] = {{"pos", 3, fr->xyz, "%24.17g"}, {"forces", 3, fr->forces, "%24.17g"}};
    char labels[160] = ""; /* energy and dipole: four numbers of at most 24 characters */
    int n = 0;
    if (fr->has_energy) n += snprintf(labels + n, sizeof labels - (size_t)n, "energy=%.17g ", fr->energy);
    if (fr->has_dipole)
        snprintf(labels + n, sizeof labels - (size_t)n, "dipole=\"%.17g %.17g %.17g\" ", fr->dipole[0],
                 fr->dipole[1], fr->dipole[2]);
    return xyzw_frame(f, fr->n_atoms, fr->Z, cols, fr->forces ? 2 : 1, "%spbc=\"F F F\"%s%s", labels,
                      fr->info && fr->info[0] ? " " : "", fr->info ? fr->info : "");
}

int ds_write(const ds_set *s, const char *path, nnv_error *err)
{
    af_file af;
    int rc = af_open(&af, path, err);
    if (rc != NNV_OK) return rc;
    for (int i = 0; i < s->n_frames && rc == NNV_OK; i++)
        if (ds_write_frame(af.f, &s->frames[i]) != NNV_OK)
            rc = nnv_error_set(err, NNV_EIO, "%s: write failed at frame %d: %s", path, i + 1, strerror(errno));
    if (rc == NNV_OK) rc = af_commit(&af, err);
    af_discard(&af);
    return rc;
}
