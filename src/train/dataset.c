/* dataset.c: extended-XYZ training data (the format ASE reads and writes):
 * frames of species, positions, forces and curvature labels (probe vectors and
 * Hessian-vector products), with energy= and dipole= labels on the comment
 * line; a reader that names line and field on every error, and a writer. */
#define ZLIB_CONST /* const next_in: the raw bytes are only read */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "train.h"

#define DS_MAX_ATOMS 100000
#define DS_MAX_COLUMNS 1000 /* columns of one Properties entry */
/* A probe is a unit vector: its norm as read may differ from 1 by rounding of
 * the printed components only (nnvib-sample's 8 decimals: ~1e-8). */
#define DS_PROBE_NORM_TOL 1e-6

void ds_frame_free(ds_frame *fr)
{
    if (!fr) return;
    FREE_ALL(fr->Z, fr->xyz, fr->forces, fr->info, fr->hvp_probe, fr->hvp);
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
    c.hvp_probe = fr->n_hvp > 0 ? malloc((size_t)fr->n_hvp * n3 * sizeof *c.hvp_probe) : NULL;
    c.hvp = fr->n_hvp > 0 ? malloc((size_t)fr->n_hvp * n3 * sizeof *c.hvp) : NULL;
    if (!c.Z || !c.xyz || (fr->forces && !c.forces) || !c.info || (fr->n_hvp > 0 && (!c.hvp_probe || !c.hvp)))
        goto nomem;
    memcpy(c.Z, fr->Z, (size_t)fr->n_atoms * sizeof *c.Z);
    memcpy(c.xyz, fr->xyz, n3 * sizeof *c.xyz);
    if (fr->forces) memcpy(c.forces, fr->forces, n3 * sizeof *c.forces);
    if (fr->n_hvp > 0) {
        memcpy(c.hvp_probe, fr->hvp_probe, (size_t)fr->n_hvp * n3 * sizeof *c.hvp_probe);
        memcpy(c.hvp, fr->hvp, (size_t)fr->n_hvp * n3 * sizeof *c.hvp);
    }
    strcpy(c.info, fr->info ? fr->info : "");
    s->frames[s->n_frames++] = c;
    return NNV_OK;
nomem:
    ds_frame_free(&c);
    return nnv_error_set(err, NNV_ENOMEM, "out of memory for a frame of %d atoms", fr->n_atoms);
}

/* ---- reading -------------------------------------------------------------- */

typedef struct cursor {
    txt_cursor t;
    const char *name;
} cursor;

/* The next line (without its newline) or 0 at the end of the text. */
static int next_line(cursor *c, const char **b, size_t *n)
{
    txt_span l;
    if (!txt_next_line(&c->t, &l)) return 0;
    *b = l.s;
    *n = l.n;
    return 1;
}

static int parse_num(txt_span t, double *v) { return txt_parse_number(t, v) != TXT_OK; }

/* A piece of a line for a message. */
#define QUOTE(q, b, n) txt_quote(q, (txt_span){b, n})

typedef struct columns {
    int total;  /* columns in an atom line */
    int species, pos, forces, znum; /* first column of each, -1 when absent */
    /* Curvature labels: first column of hvp_probe_k and hvp_k at [k - 1], -1
     * when absent; n_hvp the largest k of either (all 1..n_hvp present in
     * pairs once parse_properties accepted them). */
    int n_hvp;
    int probe[DS_MAX_HVP], product[DS_MAX_HVP];
} columns;

static int key_is(const char *k, size_t kn, const char *name)
{
    size_t n = strlen(name);
    if (kn != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)k[i]) != tolower((unsigned char)name[i])) return 0;
    return 1;
}

/* The index k of a curvature-label name "<prefix>k" (prefix case-blind, as
 * the other names): 1..DS_MAX_HVP; 0 when the name is not prefix + digits;
 * -1 for a bad index (0, a leading zero, too large). */
static int hvp_index(const char *k, size_t kn, const char *prefix)
{
    size_t n = strlen(prefix);
    long v = 0;
    if (kn <= n || !key_is(k, n, prefix)) return 0;
    for (size_t i = n; i < kn; i++) {
        if (!isdigit((unsigned char)k[i])) return 0;
        if (v <= DS_MAX_HVP) v = 10 * v + (k[i] - '0');
    }
    if (k[n] == '0' || v < 1 || v > DS_MAX_HVP) return -1;
    return (int)v;
}

static void clear_hvp(columns *col)
{
    col->n_hvp = 0;
    for (int k = 0; k < DS_MAX_HVP; k++) col->probe[k] = col->product[k] = -1;
}

/* A curvature-label entry of Properties (index k of kind "hvp_probe_" or
 * "hvp_") at first column `first`, checked; *slot receives the column. */
static int take_hvp(const cursor *c, const char *name, size_t nn, char type, long ncols, int k, int first,
                    int *slot, columns *col, nnv_error *err)
{
    char q[TXT_QUOTE_SIZE];
    if (k < 0)
        return nnv_error_set(err, NNV_EINPUT, "%s: line %d: field 'Properties': '%s' (columns %d-%ld): bad index "
                             "(1..%d, no leading zero)", c->name, c->t.line, QUOTE(q, name, nn), first + 1,
                             first + ncols, DS_MAX_HVP);
    if (toupper((unsigned char)type) != 'R' || ncols != 3)
        return nnv_error_set(err, NNV_EINPUT, "%s: line %d: field 'Properties': '%s' (columns %d-%ld) must be R:3",
                             c->name, c->t.line, QUOTE(q, name, nn), first + 1, first + ncols);
    if (*slot >= 0)
        return nnv_error_set(err, NNV_EINPUT, "%s: line %d: field 'Properties': '%s' (columns %d-%d) repeats "
                             "columns %d-%d", c->name, c->t.line, QUOTE(q, name, nn), first + 1, first + 3,
                             *slot + 1, *slot + 3);
    *slot = first;
    if (k > col->n_hvp) col->n_hvp = k;
    return NNV_OK;
}

/* Every k in 1..n_hvp has its probe and its product. */
static int check_hvp_pairs(const cursor *c, const columns *col, nnv_error *err)
{
    for (int k = 0; k < col->n_hvp; k++) {
        int p = col->probe[k], h = col->product[k];
        if (p < 0 && h < 0) {
            int last = col->probe[col->n_hvp - 1] >= 0 ? col->probe[col->n_hvp - 1] : col->product[col->n_hvp - 1];
            return nnv_error_set(err, NNV_EINPUT, "%s: line %d: field 'Properties': curvature label %d (columns "
                                 "%d-%d) but none numbered %d: the numbering has a gap", c->name, c->t.line,
                                 col->n_hvp, last + 1, last + 3, k + 1);
        }
        if (h < 0)
            return nnv_error_set(err, NNV_EINPUT, "%s: line %d: field 'Properties': 'hvp_probe_%d' (columns %d-%d) "
                                 "without its product 'hvp_%d'", c->name, c->t.line, k + 1, p + 1, p + 3, k + 1);
        if (p < 0)
            return nnv_error_set(err, NNV_EINPUT, "%s: line %d: field 'Properties': 'hvp_%d' (columns %d-%d) "
                                 "without its probe 'hvp_probe_%d'", c->name, c->t.line, k + 1, h + 1, h + 3, k + 1);
    }
    return NNV_OK;
}

static int parse_properties(const cursor *c, const char *v, size_t vn, columns *col, nnv_error *err)
{
    const char *p = v, *end = v + vn;
    int field = 0, rc, idx;
    char q[TXT_QUOTE_SIZE];
    col->total = 0;
    col->species = col->pos = col->forces = col->znum = -1;
    clear_hvp(col);
    while (p < end) {
        const char *part[3];
        size_t pn[3];
        long ncols;
        for (int k = 0; k < 3; k++) {
            const char *e = memchr(p, ':', (size_t)(end - p));
            if (!e) e = end;
            part[k] = p;
            pn[k] = (size_t)(e - p);
            if (k < 2 && e == end)
                return nnv_error_set(err, NNV_EINPUT,
                                     "%s: line %d: field 'Properties': entry %d is not name:type:columns",
                                     c->name, c->t.line, field + 1);
            p = e < end ? e + 1 : e;
        }
        if (txt_parse_long((txt_span){part[2], pn[2]}, 1, DS_MAX_COLUMNS, &ncols) != TXT_OK)
            return nnv_error_set(err, NNV_EINPUT, "%s: line %d: field 'Properties': bad column count '%s'",
                                 c->name, c->t.line, QUOTE(q, part[2], pn[2]));
        if (pn[1] != 1 || !strchr("SRIL", toupper((unsigned char)part[1][0])))
            return nnv_error_set(err, NNV_EINPUT, "%s: line %d: field 'Properties': bad type '%s' (S, R, I or L)",
                                 c->name, c->t.line, QUOTE(q, part[1], pn[1]));
        if (key_is(part[0], pn[0], "species") && ncols == 1) col->species = col->total;
        else if (key_is(part[0], pn[0], "pos") && ncols == 3) col->pos = col->total;
        else if ((key_is(part[0], pn[0], "forces") || key_is(part[0], pn[0], "force")) && ncols == 3)
            col->forces = col->total;
        else if (key_is(part[0], pn[0], "Z") && ncols == 1) col->znum = col->total;
        else if ((idx = hvp_index(part[0], pn[0], "hvp_probe_")) != 0) {
            if ((rc = take_hvp(c, part[0], pn[0], part[1][0], ncols, idx, col->total,
                               idx > 0 ? &col->probe[idx - 1] : NULL, col, err)) != NNV_OK)
                return rc;
        } else if ((idx = hvp_index(part[0], pn[0], "hvp_")) != 0) {
            if ((rc = take_hvp(c, part[0], pn[0], part[1][0], ncols, idx, col->total,
                               idx > 0 ? &col->product[idx - 1] : NULL, col, err)) != NNV_OK)
                return rc;
        }
        col->total += (int)ncols;
        field++;
    }
    if (col->species < 0 && col->znum >= 0) col->species = col->znum;
    if (col->species < 0 || col->pos < 0)
        return nnv_error_set(err, NNV_EINPUT, "%s: line %d: field 'Properties': needs species:S:1 and pos:R:3",
                             c->name, c->t.line);
    return check_hvp_pairs(c, col, err);
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
    int rc;
    char q[TXT_QUOTE_SIZE];
    col->total = 4;
    col->species = 0, col->pos = 1, col->forces = -1, col->znum = -1;
    clear_hvp(col);
    while (i < n) {
        size_t ks, ke, vs = 0, ve = 0;
        int has_val = 0;
        while (i < n && txt_is_space(b[i])) i++;
        if (i >= n) break;
        ks = i;
        while (i < n && b[i] != '=' && !txt_is_space(b[i])) i++;
        ke = i;
        if (i < n && b[i] == '=') {
            has_val = 1;
            i++;
            if (i < n && b[i] == '"') {
                vs = ++i;
                while (i < n && b[i] != '"') i += (b[i] == '\\' && i + 1 < n) ? 2 : 1;
                if (i >= n)
                    return nnv_error_set(err, NNV_EINPUT, "%s: line %d: field '%s': unterminated quote", c->name,
                                         c->t.line, QUOTE(q, b + ks, ke - ks));
                ve = i++;
            } else {
                vs = i;
                while (i < n && !txt_is_space(b[i])) i++;
                ve = i;
            }
        }
        if (ke == ks)
            return nnv_error_set(err, NNV_EINPUT, "%s: line %d: comment: '=' without a key", c->name, c->t.line);
        if (key_is(b + ks, ke - ks, "Properties") && has_val) {
            if ((rc = parse_properties(c, b + vs, ve - vs, col, err)) != NNV_OK) return rc;
        } else if (key_is(b + ks, ke - ks, "energy") && has_val) {
            if (parse_num((txt_span){b + vs, ve - vs}, &fr->energy))
                return nnv_error_set(err, NNV_EINPUT, "%s: line %d: field 'energy': bad number '%s'", c->name,
                                     c->t.line, QUOTE(q, b + vs, ve - vs));
            fr->has_energy = 1;
        } else if (key_is(b + ks, ke - ks, "dipole") && has_val) {
            txt_span t[3];
            if (txt_split((txt_span){b + vs, ve - vs}, t, 3) != 3 || parse_num(t[0], &fr->dipole[0]) ||
                parse_num(t[1], &fr->dipole[1]) || parse_num(t[2], &fr->dipole[2]))
                return nnv_error_set(err, NNV_EINPUT, "%s: line %d: field 'dipole': need three numbers, got '%s'",
                                     c->name, c->t.line, QUOTE(q, b + vs, ve - vs));
            fr->has_dipole = 1;
        } else if (key_is(b + ks, ke - ks, "pbc")) {
            /* Written again by ds_write_frame; finite clusters only. */
        } else if (info_add(&fr->info, &ilen, b + ks, i - ks) != NNV_OK) {
            return nnv_error_set(err, NNV_ENOMEM, "%s: line %d: out of memory", c->name, c->t.line);
        }
    }
    return NNV_OK;
}

/* The curvature labels of atom i (0-based) from its tokens. */
static int parse_hvp_atom(const cursor *c, const columns *col, const txt_span *tok, int i, ds_frame *fr,
                          nnv_error *err)
{
    size_t n3 = 3 * (size_t)fr->n_atoms;
    char q[TXT_QUOTE_SIZE];
    for (int k = 0; k < col->n_hvp; k++)
        for (int kind = 0; kind < 2; kind++) {
            int first = kind ? col->product[k] : col->probe[k];
            double *dst = (kind ? fr->hvp : fr->hvp_probe) + (size_t)k * n3 + 3 * (size_t)i;
            for (int a = 0; a < 3; a++) {
                int st = txt_parse_number(tok[first + a], &dst[a]);
                if (st != TXT_OK)
                    return nnv_error_set(err, NNV_EINPUT, "%s: line %d: atom %d: field '%s%d' (column %d): %s '%s'",
                                         c->name, c->t.line, i + 1, kind ? "hvp_" : "hvp_probe_", k + 1, first + a + 1,
                                         st == TXT_ERANGE ? "non-finite value" : "bad number",
                                         txt_quote(q, tok[first + a]));
            }
        }
    return NNV_OK;
}

/* Every probe of the frame whose comment is on line `line` is a unit vector. */
static int check_probe_norms(const cursor *c, int line, const columns *col, const ds_frame *fr, nnv_error *err)
{
    size_t n3 = 3 * (size_t)fr->n_atoms;
    for (int k = 0; k < fr->n_hvp; k++) {
        const double *v = fr->hvp_probe + (size_t)k * n3;
        double s = 0.0;
        for (size_t j = 0; j < n3; j++) s += v[j] * v[j];
        s = sqrt(s);
        if (!(fabs(s - 1.0) <= DS_PROBE_NORM_TOL))
            return nnv_error_set(err, NNV_EINPUT, "%s: line %d: field 'hvp_probe_%d' (columns %d-%d): norm %.10g, "
                                 "not 1 within %g", c->name, line, k + 1, col->probe[k] + 1, col->probe[k] + 3, s,
                                 DS_PROBE_NORM_TOL);
    }
    return NNV_OK;
}

static int parse_frame(cursor *c, const char *cb, size_t cn, ds_frame *fr, nnv_error *err)
{
    const char *b;
    size_t n;
    txt_span first, *tok = NULL;
    long count;
    columns col;
    int rc, N, count_line = c->t.line;
    char q[TXT_QUOTE_SIZE];

    memset(fr, 0, sizeof *fr);
    if (txt_split((txt_span){cb, cn}, &first, 1) != 1 || txt_parse_long(first, 1, DS_MAX_ATOMS, &count) != TXT_OK)
        return nnv_error_set(err, NNV_EINPUT, "%s: line %d: field 'atom count': need an integer 1..%d, got '%s'",
                             c->name, c->t.line, DS_MAX_ATOMS, QUOTE(q, cb, cn));
    N = (int)count;
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
    if (col.n_hvp > 0) {
        fr->n_hvp = col.n_hvp;
        fr->hvp_probe = malloc((size_t)col.n_hvp * 3 * (size_t)N * sizeof *fr->hvp_probe);
        fr->hvp = malloc((size_t)col.n_hvp * 3 * (size_t)N * sizeof *fr->hvp);
        if (!fr->hvp_probe || !fr->hvp) goto nomem;
    }
    if (!(tok = malloc(((size_t)col.total + 1) * sizeof *tok))) goto nomem;
    for (int i = 0; i < N; i++) {
        int k;
        if (!next_line(c, &b, &n)) {
            rc = nnv_error_set(err, NNV_EINPUT, "%s: line %d: atom %d: file ends (the count line says %d atoms)",
                               c->name, c->t.line + 1, i + 1, N);
            goto fail;
        }
        k = txt_split((txt_span){b, n}, tok, col.total);
        if (k < col.total) {
            rc = nnv_error_set(err, NNV_EINPUT, "%s: line %d: atom %d: %d columns, Properties gives %d",
                               c->name, c->t.line, i + 1, k, col.total);
            goto fail;
        }
        {
            char sym[16];
            size_t sn = tok[col.species].n;
            if (sn >= sizeof sym) sn = sizeof sym - 1;
            memcpy(sym, tok[col.species].s, sn);
            sym[sn] = 0;
            fr->Z[i] = nnv_element_from_symbol(sym);
            if (fr->Z[i] < 1) {
                rc = nnv_error_set(err, NNV_EINPUT, "%s: line %d: atom %d: field 'species': unknown element '%s'",
                                   c->name, c->t.line, i + 1, txt_quote(q, tok[col.species]));
                goto fail;
            }
        }
        for (int k3 = 0; k3 < 3; k3++) {
            static const char *const pn[3] = {"x", "y", "z"}, *const fn[3] = {"fx", "fy", "fz"};
            int cp = col.pos + k3;
            if (parse_num(tok[cp], &fr->xyz[3 * i + k3])) {
                rc = nnv_error_set(err, NNV_EINPUT, "%s: line %d: atom %d: field '%s': bad number '%s'", c->name,
                                   c->t.line, i + 1, pn[k3], txt_quote(q, tok[cp]));
                goto fail;
            }
            if (col.forces < 0) continue;
            cp = col.forces + k3;
            if (parse_num(tok[cp], &fr->forces[3 * i + k3])) {
                rc = nnv_error_set(err, NNV_EINPUT, "%s: line %d: atom %d: field '%s': bad number '%s'", c->name,
                                   c->t.line, i + 1, fn[k3], txt_quote(q, tok[cp]));
                goto fail;
            }
        }
        if (col.n_hvp > 0 && (rc = parse_hvp_atom(c, &col, tok, i, fr, err)) != NNV_OK) goto fail;
    }
    if ((rc = check_probe_norms(c, count_line + 1, &col, fr, err)) != NNV_OK) goto fail;
    free(tok);
    return NNV_OK;
nomem:
    rc = nnv_error_set(err, NNV_ENOMEM, "%s: line %d: out of memory for %d atoms", c->name, count_line, N);
fail:
    free(tok);
    ds_frame_free(fr);
    return rc;
}

/* Bounds on the labels, far beyond any molecule (docs/training.md): a value
 * past them is a corrupt file (energy=1e308), refused here by frame and field
 * rather than ending as a non-finite loss blamed on the learning rate. */
#define DS_MAX_ENERGY_PER_ATOM 1e6 /* eV; all-electron heavy atoms are ~1e5 */
#define DS_MAX_FORCE 1e4           /* eV/Å; hot MD reaches ~1e2 */
#define DS_MAX_DIPOLE 1e4          /* e·Å */
#define DS_MAX_COORD 1e6           /* Å */

static int check_labels(const cursor *c, int line, int frame, const ds_frame *fr, nnv_error *err)
{
    static const char *const xyz[3] = {"x", "y", "z"}, *const fxyz[3] = {"fx", "fy", "fz"};
    const int N = fr->n_atoms;
    if (fr->has_energy && !(fabs(fr->energy) <= DS_MAX_ENERGY_PER_ATOM * N))
        return nnv_error_set(err, NNV_EINPUT,
                             "%s: frame %d (line %d): field 'energy': %.6g eV is %.3g eV per atom, beyond the "
                             "%.0e eV per atom any molecule has (a corrupt value?)",
                             c->name, frame, line, fr->energy, fr->energy / N, DS_MAX_ENERGY_PER_ATOM);
    for (int k = 0; fr->has_dipole && k < 3; k++)
        if (!(fabs(fr->dipole[k]) <= DS_MAX_DIPOLE))
            return nnv_error_set(err, NNV_EINPUT,
                                 "%s: frame %d (line %d): field 'dipole' %s: %.6g e*A, beyond %.0e e*A (a corrupt "
                                 "value?)", c->name, frame, line, xyz[k], fr->dipole[k], DS_MAX_DIPOLE);
    for (int i = 0; i < 3 * N; i++) {
        if (!(fabs(fr->xyz[i]) <= DS_MAX_COORD))
            return nnv_error_set(err, NNV_EINPUT,
                                 "%s: frame %d (line %d): atom %d: field '%s': %.6g A, beyond %.0e A (a corrupt "
                                 "value?)", c->name, frame, line + 2 + i / 3, i / 3 + 1, xyz[i % 3], fr->xyz[i],
                                 DS_MAX_COORD);
        if (fr->forces && !(fabs(fr->forces[i]) <= DS_MAX_FORCE))
            return nnv_error_set(err, NNV_EINPUT,
                                 "%s: frame %d (line %d): atom %d: field '%s': %.6g eV/A, beyond %.0e eV/A (a "
                                 "corrupt value?)", c->name, frame, line + 2 + i / 3, i / 3 + 1, fxyz[i % 3],
                                 fr->forces[i], DS_MAX_FORCE);
    }
    return NNV_OK;
}

int ds_parse(ds_set *out, const char *text, size_t len, const char *name, nnv_error *err)
{
    cursor c;
    const char *b;
    size_t n;
    int rc = NNV_OK;

    memset(out, 0, sizeof *out);
    txt_cursor_init(&c.t, text, len);
    c.name = name ? name : "(data)";
    if (memchr(text, 0, len))
        return nnv_error_set(err, NNV_EINPUT, "%s: byte %zu: NUL byte in a text file", c.name,
                             (size_t)((const char *)memchr(text, 0, len) - text));
    while (next_line(&c, &b, &n)) {
        ds_frame fr;
        if (txt_is_blank((txt_span){b, n})) {
            /* Blank lines are allowed only at the end of the file. */
            const char *b2;
            size_t n2;
            int l0 = c.t.line;
            while (next_line(&c, &b2, &n2))
                if (!txt_is_blank((txt_span){b2, n2})) {
                    rc = nnv_error_set(err, NNV_EINPUT, "%s: line %d: field 'atom count': empty line", c.name, l0);
                    goto cleanup;
                }
            break;
        }
        {
            int count_line = c.t.line;
            if ((rc = parse_frame(&c, b, n, &fr, err)) != NNV_OK) goto cleanup;
            if ((rc = check_labels(&c, count_line, out->n_frames + 1, &fr, err)) != NNV_OK) {
                ds_frame_free(&fr);
                goto cleanup;
            }
        }
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

/* zlib takes at most UINT_MAX bytes at a time; a data set is fed in one go. */
_Static_assert(TXT_MAX_EXTXYZ <= UINT_MAX, "the data-set cap must fit zlib's avail_in");

/* Decompress gzip data held in memory (one or more members, as `gzip -c a >
 * f; gzip -c b >> f` makes), into a NUL-terminated buffer of at most
 * TXT_MAX_EXTXYZ bytes. */
static int gunzip(const char *path, const unsigned char *in, size_t n, unsigned char **out, size_t *len,
                  nnv_error *err)
{
    z_stream z;
    unsigned char *b = NULL;
    size_t cap = 0, used = 0;
    int zr, rc = NNV_OK;

    *out = NULL;
    *len = 0;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", path);
    z.next_in = in;
    z.avail_in = (uInt)n;
    for (;;) {
        if (cap - used < 2) {
            size_t ncap = cap ? 2 * cap : (n < ((size_t)1 << 16) ? (size_t)1 << 18 : 4 * n);
            unsigned char *nb;
            if (used > TXT_MAX_EXTXYZ) {
                rc = nnv_error_set(err, NNV_EINPUT, "%s: larger than %zu MiB once decompressed, the limit for a "
                                   "data set", path, TXT_MAX_EXTXYZ >> 20);
                goto cleanup;
            }
            if (ncap > TXT_MAX_EXTXYZ + 2) ncap = TXT_MAX_EXTXYZ + 2;
            if (!(nb = realloc(b, ncap))) {
                rc = nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", path);
                goto cleanup;
            }
            b = nb;
            cap = ncap;
        }
        z.next_out = b + used;
        z.avail_out = (uInt)(cap - 1 - used);
        zr = inflate(&z, Z_NO_FLUSH);
        used = (size_t)(z.next_out - b);
        if (zr == Z_STREAM_END) {
            if (z.avail_in == 0) break;
            /* Another member follows, or bytes that are none. */
            if (z.avail_in < 2 || z.next_in[0] != 0x1f || z.next_in[1] != 0x8b) {
                rc = nnv_error_set(err, NNV_EINPUT, "%s: byte %zu: data after the end of the gzip stream", path,
                                   n - z.avail_in);
                goto cleanup;
            }
            inflateReset(&z);
        } else if (zr == Z_MEM_ERROR) {
            rc = nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", path);
            goto cleanup;
        } else if (zr != Z_OK && !(zr == Z_BUF_ERROR && z.avail_in > 0)) {
            /* Z_BUF_ERROR with no input left: the stream stops before its end. */
            rc = nnv_error_set(err, NNV_EINPUT, "%s: byte %zu: %s gzip data (%s)", path, n - z.avail_in,
                               zr == Z_BUF_ERROR ? "truncated" : "corrupt",
                               zr == Z_BUF_ERROR ? "unexpected end of file" : z.msg ? z.msg : "bad data");
            goto cleanup;
        }
    }
    if (used > TXT_MAX_EXTXYZ) {
        rc = nnv_error_set(err, NNV_EINPUT, "%s: larger than %zu MiB once decompressed, the limit for a data set",
                           path, TXT_MAX_EXTXYZ >> 20);
        goto cleanup;
    }
    b[used] = '\0';
    *out = b;
    *len = used;
    b = NULL;
cleanup:
    inflateEnd(&z);
    free(b);
    return rc;
}

/* gzip or text: anything else (/dev/zero) fails on its first bytes. */
static int gzip_or_text(const unsigned char *b, size_t n, const char *path, nnv_error *err)
{
    if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b) return NNV_OK;
    return txt_head_text(b, n, path, err);
}

size_t ds_info_value(const char *info, const char *key, char *buf, size_t n)
{
    size_t klen = strlen(key);
    const char *s = info;
    buf[0] = 0;
    while (*s) {
        while (*s == ' ' || *s == '\t') s++;
        if (strncmp(s, key, klen) == 0 && s[klen] == '=') {
            const char *v = s + klen + 1, *end;
            size_t len, kept;
            if (*v == '"') {
                v++;
                end = strchr(v, '"');
                if (!end) end = v + strlen(v);
            } else {
                end = v + strcspn(v, " \t");
            }
            len = (size_t)(end - v);
            kept = len < n ? len : n - 1;
            memcpy(buf, v, kept);
            buf[kept] = 0;
            return len;
        }
        /* Skip this pair, honouring quotes so a quoted value holding "k=" is not a key. */
        s = txt_pair_end(s);
    }
    return 0;
}

int ds_frame_unlabelled(const ds_frame *fr)
{
    return !fr->has_energy && !fr->has_dipole && !fr->forces && fr->n_hvp == 0;
}

/* The first unlabelled frame of s is an error; its line follows from the
 * frame sizes because frames follow each other without blank lines. */
static int check_labelled(const ds_set *s, const char *path, nnv_error *err)
{
    long line = 1;
    for (int f = 0; f < s->n_frames; f++) {
        if (ds_frame_unlabelled(&s->frames[f]))
            return nnv_error_set(err, NNV_EINPUT, "%s: line %ld: frame %d: no label (energy=, dipole=, forces or "
                                 "curvature columns): an unlabelled candidate cannot be trained on or evaluated "
                                 "(label it with nnvib-sample --label)", path, line, f + 1);
        line += s->frames[f].n_atoms + 2;
    }
    return NNV_OK;
}

static int read_set(ds_set *out, const char *path, int unlabelled_ok, uint32_t *crc, nnv_error *err)
{
    unsigned char *raw = NULL, *text = NULL;
    size_t rawlen = 0, len = 0;
    int rc;

    memset(out, 0, sizeof *out);
    if (!path) return nnv_error_set(err, NNV_EUSAGE, "ds_read: path is NULL");
    if ((rc = txt_read_file_head(path, TXT_MAX_EXTXYZ, gzip_or_text, &raw, &rawlen, err)) != NNV_OK) return rc;
    /* The CRC is of the bytes on disk: the run log then identifies the file
     * as stored, compressed or not. */
    if (crc) *crc = nnv_crc32(raw, rawlen);
    /* The gzip magic decides, not the name: zlib in-process rather than a
     * gzip child, and a plain file named .gz reads as plain text. */
    if (rawlen >= 2 && raw[0] == 0x1f && raw[1] == 0x8b) {
        if ((rc = gunzip(path, raw, rawlen, &text, &len, err)) != NNV_OK) goto cleanup;
    } else {
        text = raw;
        len = rawlen;
        raw = NULL;
    }
    if ((rc = ds_parse(out, (const char *)text, len, path, err)) != NNV_OK) goto cleanup;
    if (!unlabelled_ok && (rc = check_labelled(out, path, err)) != NNV_OK) ds_free(out);
cleanup:
    free(raw);
    free(text);
    return rc;
}

int ds_read(ds_set *out, const char *path, uint32_t *crc, nnv_error *err)
{
    return read_set(out, path, 0, crc, err);
}

int ds_read_candidates(ds_set *out, const char *path, uint32_t *crc, nnv_error *err)
{
    return read_set(out, path, 1, crc, err);
}

/* ---- writing --------------------------------------------------------------- */

int ds_write_frame(FILE *f, const ds_frame *fr)
{
    /* %.17g: every double reads back to the same bits. */
    xyzw_column cols[2 + 2 * DS_MAX_HVP] = {{"pos", 3, fr->xyz, "%24.17g"}, {"forces", 3, fr->forces, "%24.17g"}};
    char names[2 * DS_MAX_HVP][16];
    char labels[160] = ""; /* energy and dipole: four numbers of at most 24 characters */
    int n = 0, n_cols = fr->forces ? 2 : 1;
    size_t n3 = 3 * (size_t)fr->n_atoms;
    if (fr->n_hvp < 0 || fr->n_hvp > DS_MAX_HVP) return NNV_EUSAGE;
    /* Probe k and its product follow each other, as nnvib-sample writes them
     * (without forces they take the forces' slot). */
    for (int k = 0; k < fr->n_hvp; k++) {
        snprintf(names[2 * k], sizeof names[0], "hvp_probe_%d", k + 1);
        snprintf(names[2 * k + 1], sizeof names[0], "hvp_%d", k + 1);
        cols[n_cols++] = (xyzw_column){names[2 * k], 3, fr->hvp_probe + (size_t)k * n3, "%24.17g"};
        cols[n_cols++] = (xyzw_column){names[2 * k + 1], 3, fr->hvp + (size_t)k * n3, "%24.17g"};
    }
    if (fr->has_energy) n += snprintf(labels + n, sizeof labels - (size_t)n, "energy=%.17g ", fr->energy);
    if (fr->has_dipole)
        snprintf(labels + n, sizeof labels - (size_t)n, "dipole=\"%.17g %.17g %.17g\" ", fr->dipole[0],
                 fr->dipole[1], fr->dipole[2]);
    return xyzw_frame(f, fr->n_atoms, fr->Z, cols, n_cols, "%spbc=\"F F F\"%s%s", labels,
                      fr->info && fr->info[0] ? " " : "", fr->info ? fr->info : "");
}

int ds_write(const ds_set *s, const char *path, nnv_error *err)
{
    af_file af;
    int rc = af_open(&af, path, err);
    if (rc != NNV_OK) return rc;
    for (int i = 0; i < s->n_frames && rc == NNV_OK; i++)
        if ((rc = ds_write_frame(af.f, &s->frames[i])) != NNV_OK)
            rc = rc == NNV_EUSAGE ? nnv_error_set(err, rc, "%s: frame %d has %d curvature labels (0..%d)", path, i + 1,
                                                  s->frames[i].n_hvp, DS_MAX_HVP)
                                  : nnv_error_set(err, NNV_EIO, "%s: write failed at frame %d: %s", path, i + 1,
                                                  strerror(errno));
    if (rc == NNV_OK) rc = af_commit(&af, err);
    af_discard(&af);
    return rc;
}
