/* n2p2_settings.c: input.nn as n2p2 reads it (Settings.cpp: comments '#'
 * and '!', keywords once or repeated) and the settings n2p2 uses for
 * prediction: normalisation, elements, cutoff, symmetry functions in n2p2's
 * sort order, scaling mode and network topology (Mode.cpp, SymFnc*.cpp). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/n2p2_internal.h"

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
    char q[TXT_QUOTE_SIZE];
    if (n2p2_num(e->arg[i], v) != 0) {
        n2p2_quote(q, e->arg[i]);
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
    while (txt_is_space(*p)) p++;
    if (*p != ':' && *p != '=') return;
    p++;
    while (txt_is_space(*p)) p++;
    for (i = 0; p[i] && !txt_is_space(p[i]) && p[i] != ',' && p[i] != '(' && p[i] != ';' && i + 1 < sizeof h->word;
         i++)
        h->word[i] = p[i];
    h->word[i] = '\0';
    if (i) h->line = line;
}

static int parse_settings(conv *c, nnv_error *err)
{
    int cap = 0;
    txt_cursor cur;
    char *s;
    txt_cursor_init(&cur, c->in.buf, c->in.len);
    while ((s = n2p2_next_line(&c->in, &cur)) != NULL) {
        char *cut, **tok;
        int n;
        size_t bound;
        kw_entry *e;
        /* n2p2 cuts at the first '#', then at the first '!' (Settings::parseLines). */
        if ((cut = strchr(s, '#')) != NULL) {
            find_hint(cut + 1, "length unit", cur.line, &c->length_hint);
            find_hint(cut + 1, "energy unit", cur.line, &c->energy_hint);
            *cut = '\0';
        }
        if ((cut = strchr(s, '!')) != NULL) *cut = '\0';
        if (txt_is_blank(txt_span_str(s))) continue;
        if (c->n_kw == cap) {
            int ncap = cap ? 2 * cap : 64;
            kw_entry *g = realloc(c->kw, (size_t)ncap * sizeof *g);
            if (!g) return nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", c->in.path);
            c->kw = g;
            cap = ncap;
        }
        /* A token and the blank after it take two bytes at least. */
        bound = strlen(s) / 2 + 1;
        if (!(tok = malloc(bound * sizeof *tok))) return nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", c->in.path);
        n = n2p2_split(s, tok, (int)bound);
        e = &c->kw[c->n_kw++];
        e->line = cur.line;
        e->key = tok[0];
        e->arg = tok + 1;
        e->n_arg = n - 1;
    }
    return NNV_OK;
}

void n2p2_free_settings(conv *c)
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
            char q[TXT_QUOTE_SIZE];
            n2p2_quote(q, v);
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
    char q[TXT_QUOTE_SIZE];
    n2p2_quote(q, sym);
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
    if (ne->n_arg != 1 || n2p2_int(ne->arg[0], 1, NNV_MAX_Z, &n) != 0)
        return nnv_error_set(err, NNV_EINPUT, "%s line %d: number_of_elements: expected one integer "
                             "from 1 to %d", c->in.path, ne->line, NNV_MAX_Z);
    if (el->n_arg != n)
        return nnv_error_set(err, NNV_EINPUT, "%s line %d: elements lists %d element%s but "
                             "number_of_elements (line %d) says %d", c->in.path, el->line, el->n_arg,
                             el->n_arg == 1 ? "" : "s", ne->line, n);
    for (int i = 0; i < n; i++) {
        int Z = nnv_element_from_symbol(el->arg[i]);
        char q[TXT_QUOTE_SIZE];
        /* n2p2 matches symbols exactly ("H", not "h" or "1"). */
        if (Z == 0 || strcmp(nnv_element_symbol(Z), el->arg[i]) != 0) {
            n2p2_quote(q, el->arg[i]);
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
    if (n2p2_int(e->arg[0], 0, 8, &t) != 0) {
        char q[TXT_QUOTE_SIZE];
        n2p2_quote(q, e->arg[0]);
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
    char q[TXT_QUOTE_SIZE];
    static const char *fields_rad[] = {"eta", "rs", "rc"};
    static const char *fields_ang[] = {"eta", "lambda", "zeta", "rc", "rs"};
    double v[5] = {0, 0, 0, 0, 0};

    if (e->n_arg < 2)
        return nnv_error_set(err, NNV_EINPUT, "%s line %d: symfunction_short: expected <element> <type> "
                             "<parameters...>", c->in.path, e->line);
    if ((s->ec = element_index(c, e->arg[0])) < 0) return bad_element(c, e, e->arg[0], err);
    if (n2p2_int(e->arg[1], 0, 1000, &type) != 0) {
        n2p2_quote(q, e->arg[1]);
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
            if (n2p2_num(e->arg[3 + k], &v[k]) != 0) {
                n2p2_quote(q, e->arg[3 + k]);
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
            if (n2p2_num(e->arg[4 + k], &v[k]) != 0) {
                n2p2_quote(q, e->arg[4 + k]);
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
    if (hl->n_arg != 1 || n2p2_int(hl->arg[0], 1, MAX_LAYERS - 2, &c->n_hidden) != 0)
        return nnv_error_set(err, NNV_EINPUT, "%s line %d: global_hidden_layers_short: expected one integer "
                             "from 1 to %d", c->in.path, hl->line, MAX_LAYERS - 2);
    if (no->n_arg != c->n_hidden)
        return nnv_error_set(err, NNV_EINPUT, "%s line %d: global_nodes_short lists %d layer size%s but "
                             "global_hidden_layers_short (line %d) says %d", c->in.path, no->line, no->n_arg,
                             no->n_arg == 1 ? "" : "s", hl->line, c->n_hidden);
    for (int i = 0; i < c->n_hidden; i++)
        if (n2p2_int(no->arg[i], 1, MAX_LAYER_SIZE, &c->nodes[i]) != 0) {
            char q[TXT_QUOTE_SIZE];
            n2p2_quote(q, no->arg[i]);
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
            char q[TXT_QUOTE_SIZE];
            const char *name = n2p2_activation_name(a);
            n2p2_quote(q, a);
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


int n2p2_read_settings(conv *c, nnv_error *err)
{
    int rc;
    if ((rc = n2p2_load_text(c, &c->in, "input.nn", -1, err)) != NNV_OK) return rc;
    if ((rc = parse_settings(c, err)) != NNV_OK) return rc;
    if ((rc = setup_type(c, err)) != NNV_OK) return rc;
    if ((rc = setup_normalisation(c, err)) != NNV_OK) return rc;
    if ((rc = setup_elements(c, err)) != NNV_OK) return rc;
    if ((rc = setup_cutoff(c, err)) != NNV_OK) return rc;
    if ((rc = setup_symfuncs(c, err)) != NNV_OK) return rc;
    if ((rc = setup_scaling_mode(c, err)) != NNV_OK) return rc;
    return setup_networks(c, err);
}
