/* xyz_comment.c: the key=value pairs of an extended XYZ comment line (ASE's
 * dialect) that the structure reader needs: Properties= and the cell. */
#include <stdio.h>
#include <string.h>

#include "io/xyz_internal.h"

/* 1 when the span is word, ignoring case (ASE writes Properties, Lattice and
 * pbc, other writers vary the case). */
static int span_is_nocase(txt_span t, const char *word)
{
    size_t n = strlen(word);
    if (t.n != n) return 0;
    for (size_t i = 0; i < n; i++) {
        char a = t.s[i], b = word[i];
        if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z') b = (char)(b - 'A' + 'a');
        if (a != b) return 0;
    }
    return 1;
}

/* One word: "quoted" (quotes dropped), {braced} (kept) or up to a blank or
 * stop (stop is '=' for keys, 0 for values). */
static txt_span take_word(txt_span *rest, char stop)
{
    txt_span w = {rest->s, 0};
    size_t i = 0;
    if (rest->n && (rest->s[0] == '"' || rest->s[0] == '{')) {
        char close = rest->s[0] == '"' ? '"' : '}';
        for (i = 1; i < rest->n && rest->s[i] != close; i++)
            if (rest->s[i] == '\\' && i + 1 < rest->n) i++;
        if (close == '"') {
            w.s = rest->s + 1;
            w.n = i - 1;
        } else {
            w.n = i < rest->n ? i + 1 : i;
        }
        if (i < rest->n) i++;
    } else {
        while (i < rest->n && !txt_is_space(rest->s[i]) && rest->s[i] != stop) i++;
        w.n = i;
    }
    rest->s += i;
    rest->n -= i;
    return w;
}

/* The next key and value (an empty value for a key without '='); 0 at the end. */
static int next_pair(txt_span *rest, txt_span *key, txt_span *val)
{
    while (rest->n && txt_is_space(rest->s[0])) rest->s++, rest->n--;
    if (!rest->n) return 0;
    *key = take_word(rest, '=');
    val->s = rest->s;
    val->n = 0;
    if (rest->n && rest->s[0] == '=') {
        rest->s++, rest->n--;
        *val = take_word(rest, 0);
    }
    if (key->n == 0 && rest->n) rest->s++, rest->n--; /* a stray '=': no loop */
    return 1;
}

static int bad_properties(const char *name, int line, const char *of, const char *what, txt_span v,
                          nnv_error *err)
{
    char q[TXT_QUOTE_SIZE];
    return nnv_error_set(err, NNV_EINPUT, "%s: line %d: field 'Properties'%s: %s in \"%s\"", name, line, of, what,
                         txt_quote(q, v));
}

/* Properties=name:type:count:name:type:count... */
static int read_properties(txt_span v, const char *name, int line, const char *of, xyz_columns *cols, nnv_error *err)
{
    txt_span rest = v;
    int col = 0, k = 0;
    cols->species = cols->pos = -1;
    while (rest.n) {
        txt_span f[3];
        long count;
        for (int j = 0; j < 3; j++) {
            const char *colon = memchr(rest.s, ':', rest.n);
            size_t n = colon ? (size_t)(colon - rest.s) : rest.n;
            if (!rest.n && j > 0) return bad_properties(name, line, of, "an entry without type and count", v, err);
            f[j].s = rest.s;
            f[j].n = n;
            rest.s += colon ? n + 1 : n;
            rest.n -= colon ? n + 1 : n;
        }
        k++;
        if (f[0].n == 0) return bad_properties(name, line, of, "an empty column name", v, err);
        if (f[1].n != 1 || !strchr("SRIL", f[1].s[0]))
            return bad_properties(name, line, of, "a type that is not S, R, I or L", v, err);
        if (txt_parse_long(f[2], 1, XYZ_MAX_COLUMNS, &count) != TXT_OK || col + count > XYZ_MAX_COLUMNS)
            return bad_properties(name, line, of, "a column count that is not 1..1000 in all", v, err);
        if (txt_span_is(f[0], "species")) {
            if (f[1].s[0] != 'S' || count != 1)
                return bad_properties(name, line, of, "species must be S:1 (the element symbol)", v, err);
            cols->species = col;
        } else if (txt_span_is(f[0], "pos")) {
            if (f[1].s[0] != 'R' || count != 3)
                return bad_properties(name, line, of, "pos must be R:3 (x y z in Angstrom)", v, err);
            cols->pos = col;
        }
        col += (int)count;
    }
    if (cols->species < 0 || cols->pos < 0)
        return bad_properties(name, line, of, cols->species < 0 ? "no species column" : "no pos column", v, err);
    cols->n = col;
    cols->declared = 1;
    return NNV_OK;
}

int xyz_comment_columns(txt_span comment, const char *name, int line, const char *of, xyz_columns *cols,
                        nnv_error *err)
{
    txt_span rest = comment, key, val;
    char q[TXT_QUOTE_SIZE];
    int lattice = 0, pbc = 0;
    cols->species = 0;
    cols->pos = 1;
    cols->n = 4;
    cols->declared = 0;
    while (next_pair(&rest, &key, &val)) {
        lattice |= span_is_nocase(key, "Lattice");
        pbc |= span_is_nocase(key, "pbc");
        if (span_is_nocase(key, "pbc") && memchr(val.s, 'T', val.n))
            return nnv_error_set(err, NNV_EINPUT,
                                 "%s: line %d: comment line%s: pbc=\"%s\": periodic systems are not supported yet", name,
                                 line, of, txt_quote(q, val));
        if (span_is_nocase(key, "Properties")) {
            int rc = read_properties(val, name, line, of, cols, err);
            if (rc != NNV_OK) return rc;
        }
    }
    /* As ASE reads it: a Lattice without pbc is periodic in all three
     * directions; with pbc="F F F" it is only a box around a molecule. */
    if (lattice && !pbc)
        return nnv_error_set(err, NNV_EINPUT,
                             "%s: line %d: comment line%s: Lattice= without pbc= means a periodic cell: periodic "
                             "systems are not supported yet (add pbc=\"F F F\" for an isolated molecule)",
                             name, line, of);
    return NNV_OK;
}
