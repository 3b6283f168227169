/* JCAMP-DX 4.24 reader: labelled header, ##XYDATA=(X++(Y..Y)) in AFFN and the
 * ASDF compressed forms (SQZ, DIF with the Y check, DUP, PAC), ##XYPOINTS and
 * ##PEAK TABLE. McDonald & Wilks, Appl. Spectrosc. 42 (1988) 151. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base_internal.h"
#include <nnvib/jcamp.h>

#define JC_MAX_POINTS 10000000      /* same ceiling as nnv_spectrum_broaden */
#define JC_LABEL_MAX 64

enum { TOK_ABS = 0, TOK_DIF = 1, TOK_DUP = 2 };

typedef struct jc_state {
    const char *name;
    nnv_error *err;
    nnv_jcamp_spectrum *s;
    /* raw values, before factors */
    double *xr, *yr;
    size_t n, cap;
    /* XYDATA line checks: index of the line's first point and its X */
    int *chk_idx, *chk_line;
    double *chk_x;
    size_t nchk, capchk;
    int have_firstx, have_lastx, have_npoints, have_data;
    long npoints;
    int width;          /* columns per point of (XY..XY), (XYW..XYW) */
    int in_data;        /* 0 header, 1 XYDATA, 2 XYPOINTS / PEAK TABLE */
    int data_line0;     /* line of the data label */
    int last_was_dif;   /* the previous XYDATA line ended in DIF form */
    double last_y;
    double *pending;    /* (XY..XY) values waiting for their group to fill */
    int npending;
} jc_state;

static int jc_fail(jc_state *st, int line, const char *field, const char *what)
{
    return nnv_error_set(st->err, NNV_EINPUT, "%s: line %d: %s: %s", st->name, line, field,
                         what);
}

/* Label comparison ignores case, spaces, '-', '/' and '_' (JCAMP-DX 4.24 §4.2). */
static void norm_label(const char *a, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < JC_LABEL_MAX; i++) {
        unsigned char c = (unsigned char)a[i];
        if (c == ' ' || c == '\t' || c == '-' || c == '/' || c == '_') continue;
        out[k++] = (char)toupper(c);
    }
    out[k] = '\0';
}

static char *trim_dup(const char *v)
{
    while (*v == ' ' || *v == '\t') v++;
    size_t n = strlen(v);
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t')) n--;
    char *r = malloc(n + 1);
    if (r) {
        memcpy(r, v, n);
        r[n] = '\0';
    }
    return r;
}

static int push_point(jc_state *st, int line, double x, double y)
{
    if (st->n >= (size_t)JC_MAX_POINTS)
        return jc_fail(st, line, "data", "more than 10^7 points");
    if (st->have_npoints && (long)st->n >= st->npoints)
        return nnv_error_set(st->err, NNV_EINPUT,
                             "%s: line %d: ##NPOINTS=%ld but the data hold more points",
                             st->name, line, st->npoints);
    if (st->n == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 1024;
        double *a = realloc(st->xr, cap * sizeof *a);
        if (!a) return nnv_error_set(st->err, NNV_ENOMEM, "%s: out of memory", st->name);
        st->xr = a;
        a = realloc(st->yr, cap * sizeof *a);
        if (!a) return nnv_error_set(st->err, NNV_ENOMEM, "%s: out of memory", st->name);
        st->yr = a;
        st->cap = cap;
    }
    st->xr[st->n] = x;
    st->yr[st->n] = y;
    st->n++;
    return NNV_OK;
}

static int parse_header_number(jc_state *st, int line, const char *label, const char *v,
                               double *out)
{
    txt_span t = txt_trim(txt_span_str(v));
    if (txt_parse_number(t, out) != TXT_OK) {
        char what[96], q[TXT_QUOTE_SIZE];
        snprintf(what, sizeof what, "not a number: \"%s\"", txt_quote(q, t));
        return jc_fail(st, line, label, what);
    }
    return NNV_OK;
}

/* One header label with its whole value (continuation lines included). */
static int commit_label(jc_state *st, int line, const char *label, const char *raw,
                        const char *value)
{
    nnv_jcamp_spectrum *s = st->s;
    char field[JC_LABEL_MAX + 8];
    snprintf(field, sizeof field, "##%s", raw);
    char **str = NULL;
    double *num = NULL;
    if (!strcmp(label, "TITLE")) str = &s->title;
    else if (!strcmp(label, "DATATYPE")) str = &s->data_type;
    else if (!strcmp(label, "XUNITS")) str = &s->x_units;
    else if (!strcmp(label, "YUNITS")) str = &s->y_units;
    else if (!strcmp(label, "XFACTOR")) num = &s->xfactor;
    else if (!strcmp(label, "YFACTOR")) num = &s->yfactor;
    else if (!strcmp(label, "FIRSTX")) num = &s->firstx;
    else if (!strcmp(label, "LASTX")) num = &s->lastx;
    else if (!strcmp(label, "FIRSTY")) num = &s->firsty;
    else if (!strcmp(label, "NPOINTS")) {
        double d;
        int rc = parse_header_number(st, line, field, value, &d);
        if (rc != NNV_OK) return rc;
        /* The arrays grow with the data actually read, so a huge NPOINTS is
         * never allocated up front; it is still refused when no file could
         * hold it. */
        if (d != floor(d) || d < 1 || d > JC_MAX_POINTS)
            return jc_fail(st, line, field, "must be a whole number from 1 to 10^7");
        st->npoints = (long)d;
        st->have_npoints = 1;
        return NNV_OK;
    }
    if (str) {
        char *t = trim_dup(value);
        if (!t) return nnv_error_set(st->err, NNV_ENOMEM, "%s: out of memory", st->name);
        free(*str);
        *str = t;
        return NNV_OK;
    }
    if (num) {
        int rc = parse_header_number(st, line, field, value, num);
        if (rc != NNV_OK) return rc;
        if (num == &s->firstx) st->have_firstx = 1;
        if (num == &s->lastx) st->have_lastx = 1;
        if ((num == &s->xfactor || num == &s->yfactor) && *num == 0)
            return jc_fail(st, line, field, "must not be zero");
    }
    return NNV_OK;
}

/* SQZ and DIF share one code: `zero` stands for 0, `pos`..`pos`+8 for 1..9
 * and `neg`..`neg`+8 for -1..-9. Writes the signed leading digit into num and
 * returns its length. */
static size_t lead_digit(unsigned char c, char zero, char pos, char neg, char *num)
{
    if (c == (unsigned char)zero) {
        num[0] = '0';
        return 1;
    }
    if (c >= (unsigned char)pos && c <= (unsigned char)(pos + 8)) {
        num[0] = (char)('1' + (c - (unsigned char)pos));
        return 1;
    }
    num[0] = '-';
    num[1] = (char)('1' + (c - (unsigned char)neg));
    return 2;
}

/* One ASDF token starting at *pp. kind: TOK_ABS (AFFN, PAC or SQZ), TOK_DIF or
 * TOK_DUP (then *val is the count). Returns 0 at the end of the line, 1 for a
 * token, -1 for a character that starts no token (*pp left on it). */
static int next_token(const char **pp, int *kind, double *val)
{
    const char *p = *pp;
    while (*p == ' ' || *p == '\t' || *p == ',' || *p == ';') p++;
    *pp = p;
    if (!*p) return 0;
    char num[80];
    size_t k = 0;
    unsigned char c = (unsigned char)*p;
    if (c == '+' || c == '-' || c == '.' || isdigit(c)) {
        *kind = TOK_ABS;
        if (c == '+' || c == '-') num[k++] = (char)*p++;
    } else if (c == '@' || (c >= 'A' && c <= 'I') || (c >= 'a' && c <= 'i')) {
        *kind = TOK_ABS;
        k = lead_digit(c, '@', 'A', 'a', num);
        p++;
    } else if (c == '%' || (c >= 'J' && c <= 'R') || (c >= 'j' && c <= 'r')) {
        *kind = TOK_DIF;
        k = lead_digit(c, '%', 'J', 'j', num);
        p++;
    } else if ((c >= 'S' && c <= 'Z') || c == 's') {
        *kind = TOK_DUP;
        num[k++] = (char)(c == 's' ? '9' : '1' + (c - 'S'));
        p++;
    } else {
        return -1;
    }
    int digits = k > 0 && isdigit((unsigned char)num[k - 1]);
    while (isdigit((unsigned char)*p) && k < 60) {
        num[k++] = *p++;
        digits = 1;
    }
    if (*kind != TOK_DUP && *p == '.' && k < 60) {
        num[k++] = *p++;
        while (isdigit((unsigned char)*p) && k < 60) {
            num[k++] = *p++;
            digits = 1;
        }
    }
    /* An exponent only as E/e followed by a sign and a digit: "450E5" is the
     * AFFN 450 followed by the SQZ value 55, not 450·10^5. */
    if (*kind == TOK_ABS && digits && (*p == 'E' || *p == 'e') &&
        (p[1] == '+' || p[1] == '-') && isdigit((unsigned char)p[2])) {
        num[k++] = *p++;
        num[k++] = *p++;
        while (isdigit((unsigned char)*p) && k < 70) num[k++] = *p++;
    }
    if (!digits || isdigit((unsigned char)*p) || k >= 70) {
        *pp = p;
        return -1;
    }
    num[k] = '\0';
    *val = strtod(num, NULL);
    *pp = p;
    return isfinite(*val) ? 1 : -1;
}

/* One line of ##XYDATA=(X++(Y..Y)). */
static int xydata_line(jc_state *st, int line, const char *text)
{
    const char *p = text;
    int kind, rc, t;
    double v;
    t = next_token(&p, &kind, &v);
    if (t == 0) return NNV_OK; /* blank line */
    if (t < 0 || kind != TOK_ABS) return jc_fail(st, line, "##XYDATA", "bad X value");
    double xcheck = v;
    int ycheck = st->last_was_dif && st->n > 0; /* first Y repeats the last one */
    size_t first = ycheck ? st->n - 1 : st->n;
    int have_prev = 0, prev_kind = TOK_ABS, nvals = 0;
    double prev_val = 0, y = 0;
    for (;;) {
        t = next_token(&p, &kind, &v);
        if (t == 0) break;
        if (t < 0) {
            char what[64];
            if (*p) snprintf(what, sizeof what, "bad Y value at '%c'", *p);
            else snprintf(what, sizeof what, "bad Y value at the end of the line");
            return jc_fail(st, line, "##XYDATA", what);
        }
        long reps = 1;
        if (kind == TOK_DUP) {
            if (!have_prev) return jc_fail(st, line, "##XYDATA", "DUP count before any value");
            if (v < 1 || v > JC_MAX_POINTS)
                return jc_fail(st, line, "##XYDATA", "DUP count out of range");
            /* Bounded before it is expanded: a few bytes of DUP counts must
             * not build 10^7 points before the count is found wrong. */
            if (!st->have_npoints)
                return jc_fail(st, line, "##XYDATA", "DUP count without ##NPOINTS before the data (needed to bound them)");
            if (v - 1 > (double)st->npoints - (double)st->n)
                return nnv_error_set(st->err, NNV_EINPUT,
                                     "%s: line %d: ##NPOINTS=%ld but a DUP count of %.0f makes more points", st->name,
                                     line, st->npoints, v);
            reps = (long)v - 1;
            kind = prev_kind;
            v = prev_val;
        } else if (kind == TOK_DIF && !have_prev) {
            return jc_fail(st, line, "##XYDATA", "DIF value with no value before it on the line");
        }
        for (long r = 0; r < reps; r++) {
            y = kind == TOK_DIF ? y + v : v;
            if (!isfinite(y)) return jc_fail(st, line, "##XYDATA", "value out of range");
            if (ycheck && nvals == 0) {
                /* The Y check of DIF form: compare, then drop the duplicate. */
                if (fabs(y - st->last_y) > 1e-6 * fmax(1.0, fabs(y)))
                    return jc_fail(st, line, "##XYDATA",
                                   "Y check value differs from the last Y of the line before");
            } else if ((rc = push_point(st, line, 0.0, y)) != NNV_OK) {
                return rc;
            }
            nvals++;
        }
        have_prev = 1;
        prev_kind = kind;
        prev_val = v;
    }
    if (nvals == 0) return jc_fail(st, line, "##XYDATA", "X value with no Y values");
    st->last_was_dif = prev_kind == TOK_DIF;
    st->last_y = y;
    if (st->nchk == st->capchk) {
        size_t cap = st->capchk ? st->capchk * 2 : 256;
        int *a = realloc(st->chk_idx, cap * sizeof *a);
        if (!a) return nnv_error_set(st->err, NNV_ENOMEM, "%s: out of memory", st->name);
        st->chk_idx = a;
        a = realloc(st->chk_line, cap * sizeof *a);
        if (!a) return nnv_error_set(st->err, NNV_ENOMEM, "%s: out of memory", st->name);
        st->chk_line = a;
        double *d = realloc(st->chk_x, cap * sizeof *d);
        if (!d) return nnv_error_set(st->err, NNV_ENOMEM, "%s: out of memory", st->name);
        st->chk_x = d;
        st->capchk = cap;
    }
    st->chk_idx[st->nchk] = (int)first;
    st->chk_line[st->nchk] = line;
    st->chk_x[st->nchk] = xcheck;
    st->nchk++;
    return NNV_OK;
}

/* Separators between the numbers of a data line (JCAMP-DX 4.24 §5.9). */
static int is_separator(char c) { return c == ' ' || c == '\t' || c == ',' || c == ';'; }

/* One line of (XY..XY) data: plain numbers, grouped width at a time. */
static int xypoints_line(jc_state *st, int line, const char *text, const char *field)
{
    const char *p = text;
    for (;;) {
        txt_span t;
        double d;
        while (is_separator(*p)) p++;
        if (!*p) return NNV_OK;
        t.s = p;
        while (*p && !is_separator(*p)) p++;
        t.n = (size_t)(p - t.s);
        if (txt_parse_number(t, &d) != TXT_OK) {
            char what[64];
            snprintf(what, sizeof what, "bad number at '%.12s'", t.s);
            return jc_fail(st, line, field, what);
        }
        st->pending[st->npending++] = d;
        if (st->npending == st->width) {
            st->npending = 0;
            int rc = push_point(st, line, st->pending[0], st->pending[1]);
            if (rc != NNV_OK) return rc;
        }
    }
}

/* Start of a data section: check its variable list. */
static int start_data(jc_state *st, int line, const char *label, const char *raw,
                      const char *value)
{
    char form[JC_LABEL_MAX];
    char field[JC_LABEL_MAX + 8];
    snprintf(field, sizeof field, "##%s", raw);
    if (st->have_data) return jc_fail(st, line, field, "a second data section in the block");
    norm_label(value, strlen(value), form);
    st->have_data = 1;
    st->data_line0 = line;
    if (!strcmp(label, "XYDATA")) {
        if (strcmp(form, "(X++(Y..Y))"))
            return jc_fail(st, line, field, "only (X++(Y..Y)) is supported");
        st->in_data = 1;
        st->s->form = NNV_JCAMP_XYDATA;
        return NNV_OK;
    }
    if (!strcmp(form, "(XY..XY)")) st->width = 2;
    else if (!strcmp(form, "(XYW..XYW)") || !strcmp(form, "(XYM..XYM)")) st->width = 3;
    else return jc_fail(st, line, field, "only (XY..XY), (XYW..XYW) or (XYM..XYM) is supported");
    st->in_data = 2;
    st->s->form = strcmp(label, "PEAKTABLE") ? NNV_JCAMP_XYPOINTS : NNV_JCAMP_PEAK_TABLE;
    st->s->is_peak_table = st->s->form == NNV_JCAMP_PEAK_TABLE;
    return NNV_OK;
}

static int contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && toupper((unsigned char)hay[i]) == needle[i]) i++;
        if (i == n) return 1;
    }
    return 0;
}

/* After ##END=: real X and Y, NPOINTS and the per-line X checks. */
static int finish(jc_state *st, int end_line)
{
    nnv_jcamp_spectrum *s = st->s;
    char what[160];
    if (!st->have_data)
        return nnv_error_set(st->err, NNV_EINPUT,
                             "%s: line %d: no ##XYDATA, ##XYPOINTS or ##PEAK TABLE before ##END=",
                             st->name, end_line);
    if (st->width && st->npending != 0)
        return jc_fail(st, end_line, "data", "the last point is incomplete");
    if (st->n == 0) return jc_fail(st, st->data_line0, "data", "no data points");
    if (st->have_npoints && (long)st->n != st->npoints) {
        snprintf(what, sizeof what, "##NPOINTS=%ld but %zu points were read", st->npoints,
                 st->n);
        return jc_fail(st, end_line, "##NPOINTS", what);
    }
    size_t n = st->n;
    if (s->form == NNV_JCAMP_XYDATA) {
        if (!st->have_firstx || !st->have_lastx)
            return jc_fail(st, st->data_line0, "##XYDATA", "needs ##FIRSTX and ##LASTX");
        double step = n > 1 ? (s->lastx - s->firstx) / (double)(n - 1) : 0;
        for (size_t i = 0; i < n; i++) st->xr[i] = s->firstx + (double)i * step;
        if (n > 1) st->xr[n - 1] = s->lastx;
        /* The X starting each line is a check value, often rounded or built
         * from a rounded DELTAX: allow two steps of drift. */
        double tol = 2 * fabs(step) + 1e-6 * fmax(fabs(s->firstx), fabs(s->lastx));
        for (size_t k = 0; k < st->nchk; k++) {
            double xc = st->chk_x[k] * s->xfactor, xe = st->xr[st->chk_idx[k]];
            if (!(fabs(xc - xe) <= tol)) {
                snprintf(what, sizeof what, "line X %.10g but point %d is at X %.10g", xc,
                         st->chk_idx[k] + 1, xe);
                return jc_fail(st, st->chk_line[k], "##XYDATA", what);
            }
        }
    } else {
        for (size_t i = 0; i < n; i++) st->xr[i] *= s->xfactor;
    }
    for (size_t i = 0; i < n; i++) {
        st->yr[i] *= s->yfactor;
        if (!isfinite(st->yr[i]) || !isfinite(st->xr[i]))
            return jc_fail(st, st->data_line0, "data", "a value overflows after the factors");
    }
    s->n_points = (int)n;
    s->x = st->xr;
    s->y = st->yr;
    st->xr = st->yr = NULL;
    s->is_transmittance = s->y_units && contains_ci(s->y_units, "TRANSMITTANCE");
    s->is_absorbance = s->y_units && contains_ci(s->y_units, "ABSORBANCE");
    return NNV_OK;
}

int nnv_jcamp_parse(nnv_jcamp_spectrum **out, const char *buf, size_t len, const char *name,
                    nnv_error *err)
{
    jc_state st = {0};
    char *line = NULL, *value = NULL;
    size_t vlen = 0, vcap = 0;
    char label[JC_LABEL_MAX] = "", raw[JC_LABEL_MAX] = "";
    int label_line = 0, rc = NNV_OK, lineno = 0, ended = 0;
    double pend[3];
    if (!out) return nnv_error_set(err, NNV_EUSAGE, "nnv_jcamp_parse: no output");
    *out = NULL;
    if (!name) name = "JCAMP-DX";
    if (!buf && len) return nnv_error_set(err, NNV_EUSAGE, "%s: no buffer", name);
    st.name = name;
    st.err = err;
    st.pending = pend;
    st.s = calloc(1, sizeof *st.s);
    line = malloc(len + 1);
    if (!st.s || !line) {
        rc = nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", name);
        goto cleanup;
    }
    st.s->xfactor = st.s->yfactor = 1.0;
    st.s->firstx = st.s->lastx = st.s->firsty = NAN;
    txt_cursor cur;
    txt_span ls;
    txt_cursor_init(&cur, buf, len);
    cur.lone_cr = 1; /* LF, CRLF or a lone CR ends a line */
    while (!ended && txt_next_line(&cur, &ls)) {
        lineno = cur.line;
        if (memchr(ls.s, '\0', ls.n)) {
            rc = jc_fail(&st, lineno, "text", "NUL byte");
            goto cleanup;
        }
        memcpy(line, ls.s, ls.n);
        line[ls.n] = '\0';
        char *cmt = strstr(line, "$$");
        if (cmt) *cmt = '\0';
        char *l = line;
        while (*l == ' ' || *l == '\t') l++;
        if (l[0] == '#' && l[1] == '#') {
            /* A new label ends the previous one. */
            if (label[0] && !st.in_data &&
                (rc = commit_label(&st, label_line, label, raw, value ? value : "")) != NNV_OK)
                goto cleanup;
            char *eq = strchr(l, '=');
            if (!eq) {
                rc = jc_fail(&st, lineno, "label", "no '=' after ##");
                goto cleanup;
            }
            size_t ln = (size_t)(eq - (l + 2));
            norm_label(l + 2, ln, label);
            snprintf(raw, sizeof raw, "%.*s", (int)(ln < 40 ? ln : 40), l + 2);
            label_line = lineno;
            st.in_data = 0;
            vlen = strlen(eq + 1);
            if (vlen + 1 > vcap) {
                size_t cap = vlen + 256;
                char *t = realloc(value, cap);
                if (!t) {
                    rc = nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", name);
                    goto cleanup;
                }
                value = t;
                vcap = cap;
            }
            memcpy(value, eq + 1, vlen + 1);
            if (!strcmp(label, "END")) {
                if (st.have_data) {
                    ended = 1;
                    label[0] = '\0';
                    break;
                }
                rc = finish(&st, lineno); /* reports the missing data section */
                goto cleanup;
            }
            if (!strcmp(label, "XYDATA") || !strcmp(label, "XYPOINTS") ||
                !strcmp(label, "PEAKTABLE")) {
                if ((rc = start_data(&st, lineno, label, raw, value)) != NNV_OK) goto cleanup;
            }
            continue;
        }
        if (st.in_data == 1) {
            if ((rc = xydata_line(&st, lineno, l)) != NNV_OK) goto cleanup;
        } else if (st.in_data == 2) {
            char field[JC_LABEL_MAX + 8];
            snprintf(field, sizeof field, "##%s", raw);
            if ((rc = xypoints_line(&st, lineno, l, field)) != NNV_OK) goto cleanup;
        } else if (label[0]) {
            /* Continuation of a header value. */
            size_t add = strlen(l);
            if (vlen + add + 2 > vcap) {
                size_t cap = (vlen + add + 2) * 2;
                char *t = realloc(value, cap);
                if (!t) {
                    rc = nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", name);
                    goto cleanup;
                }
                value = t;
                vcap = cap;
            }
            while (vlen > 0 && (value[vlen - 1] == ' ' || value[vlen - 1] == '\t')) vlen--;
            value[vlen++] = ' ';
            memcpy(value + vlen, l, add + 1);
            vlen += add;
        } else if (*l) {
            rc = jc_fail(&st, lineno, "text", "text before the first ##label");
            goto cleanup;
        }
    }
    if (!ended) {
        rc = nnv_error_set(err, NNV_EINPUT, "%s: line %d: ##END: missing (file truncated?)",
                           name, lineno);
        goto cleanup;
    }
    if ((rc = finish(&st, lineno)) != NNV_OK) goto cleanup;
    char **strs[4] = {&st.s->title, &st.s->data_type, &st.s->x_units, &st.s->y_units};
    for (int i = 0; i < 4; i++)
        if (!*strs[i] && !(*strs[i] = calloc(1, 1))) {
            rc = nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", name);
            goto cleanup;
        }
    *out = st.s;
    st.s = NULL;
cleanup:
    nnv_jcamp_free(st.s);
    FREE_ALL(st.xr, st.yr, st.chk_idx, st.chk_line, st.chk_x, line, value);
    return rc;
}

static int parse_text(void *out, const char *text, size_t len, const char *name, nnv_error *err)
{
    return nnv_jcamp_parse(out, text, len, name, err);
}

int nnv_jcamp_read(nnv_jcamp_spectrum **out, const char *path, nnv_error *err)
{
    if (!out || !path) return nnv_error_set(err, NNV_EUSAGE, "nnv_jcamp_read: no file name");
    *out = NULL;
    return txt_parse_file(path, TXT_MAX_JCAMP, txt_head_text, parse_text, out, err);
}

void nnv_jcamp_free(nnv_jcamp_spectrum *s)
{
    if (!s) return;
    FREE_ALL(s->title, s->data_type, s->x_units, s->y_units, s->x, s->y, s);
}
