/* A small strict recursive-descent JSON reader for the tests: the conformance
 * vectors are JSON, and the library itself needs no JSON input. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

typedef struct parser {
    const char *s;
    size_t len, pos;
    int depth;
    char *errbuf;
    size_t errlen;
    int failed;
} parser;

static void fail(parser *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void fail(parser *p, const char *fmt, ...)
{
    va_list ap;
    int k;
    if (p->failed) return; /* the first error is the informative one */
    p->failed = 1;
    if (!p->errbuf || p->errlen == 0) return;
    k = snprintf(p->errbuf, p->errlen, "byte offset %zu: ", p->pos);
    if (k < 0 || (size_t)k >= p->errlen) return;
    va_start(ap, fmt);
    vsnprintf(p->errbuf + k, p->errlen - (size_t)k, fmt, ap);
    va_end(ap);
}

static void skip_ws(parser *p)
{
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->pos++;
    }
}

static json_value *new_value(parser *p, json_type t)
{
    json_value *v = calloc(1, sizeof *v);
    if (!v) fail(p, "out of memory");
    else v->type = t;
    return v;
}

/* Growable arrays of items and of keys (separate functions keep the types
 * exact instead of punning through void **). */
static int push_item(json_value ***arr, size_t *count, size_t *cap, json_value *item)
{
    if (*count == *cap) {
        size_t nc = *cap ? 2 * *cap : 8;
        json_value **na = realloc(*arr, nc * sizeof *na);
        if (!na) return -1;
        *arr = na;
        *cap = nc;
    }
    (*arr)[(*count)++] = item;
    return 0;
}

static int push_key(char ***arr, size_t *count, size_t *cap, char *key)
{
    if (*count == *cap) {
        size_t nc = *cap ? 2 * *cap : 8;
        char **na = realloc(*arr, nc * sizeof *na);
        if (!na) return -1;
        *arr = na;
        *cap = nc;
    }
    (*arr)[(*count)++] = key;
    return 0;
}

static int match_literal(parser *p, const char *lit)
{
    size_t n = strlen(lit);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, lit, n) != 0) return 0;
    p->pos += n;
    return 1;
}

static int hex4(parser *p, unsigned *out)
{
    unsigned u = 0;
    size_t i;
    if (p->len - p->pos < 4) { fail(p, "truncated \\u escape"); return -1; }
    for (i = 0; i < 4; i++) {
        char c = p->s[p->pos + i];
        u <<= 4;
        if (c >= '0' && c <= '9') u |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') u |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') u |= (unsigned)(c - 'A' + 10);
        else { fail(p, "bad hex digit in \\u escape"); return -1; }
    }
    p->pos += 4;
    *out = u;
    return 0;
}

static size_t put_utf8(char *dst, unsigned cp)
{
    if (cp < 0x80) { dst[0] = (char)cp; return 1; }
    if (cp < 0x800) {
        dst[0] = (char)(0xC0 | (cp >> 6));
        dst[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        dst[0] = (char)(0xE0 | (cp >> 12));
        dst[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        dst[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    dst[0] = (char)(0xF0 | (cp >> 18));
    dst[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    dst[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    dst[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Parses a string starting at the opening quote into a malloc'd buffer. The
 * decoded text is never longer than the escaped source, so one allocation of
 * the source span suffices. */
static char *parse_string_raw(parser *p, size_t *out_len)
{
    size_t start, end, n = 0;
    char *buf = NULL;
    if (p->pos >= p->len || p->s[p->pos] != '"') { fail(p, "expected '\"'"); return NULL; }
    p->pos++;
    start = p->pos;
    /* find the closing quote to size the buffer */
    for (end = start; end < p->len && p->s[end] != '"'; end++)
        if (p->s[end] == '\\') end++;
    if (end >= p->len) { fail(p, "unterminated string"); return NULL; }
    buf = malloc(end - start + 1);
    if (!buf) { fail(p, "out of memory"); return NULL; }
    while (p->pos < end) {
        unsigned char c = (unsigned char)p->s[p->pos];
        if (c < 0x20) { fail(p, "control character in string"); goto error; }
        if (c != '\\') { buf[n++] = (char)c; p->pos++; continue; }
        p->pos++;
        c = (unsigned char)p->s[p->pos++];
        switch (c) {
        case '"': buf[n++] = '"'; break;
        case '\\': buf[n++] = '\\'; break;
        case '/': buf[n++] = '/'; break;
        case 'b': buf[n++] = '\b'; break;
        case 'f': buf[n++] = '\f'; break;
        case 'n': buf[n++] = '\n'; break;
        case 'r': buf[n++] = '\r'; break;
        case 't': buf[n++] = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (hex4(p, &cp) != 0) goto error;
            if (cp >= 0xDC00 && cp <= 0xDFFF) { fail(p, "lone low surrogate"); goto error; }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (!match_literal(p, "\\u")) { fail(p, "lone high surrogate"); goto error; }
                if (hex4(p, &lo) != 0) goto error;
                if (lo < 0xDC00 || lo > 0xDFFF) { fail(p, "bad low surrogate"); goto error; }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            /* 6 source bytes (12 for a pair) always cover the <= 4 UTF-8 bytes */
            n += put_utf8(buf + n, cp);
            break;
        }
        default:
            p->pos--;
            fail(p, "bad escape '\\%c'", c);
            goto error;
        }
        if (p->pos > end) { fail(p, "escape runs past the closing quote"); goto error; }
    }
    p->pos = end + 1;
    buf[n] = '\0';
    *out_len = n;
    return buf;
error:
    free(buf);
    return NULL;
}

static json_value *parse_number(parser *p)
{
    size_t start = p->pos, n;
    char tmp[128];
    char *endp = NULL;
    json_value *v;
    const char *s = p->s;
    /* Validate the strict JSON number grammar first; strtod accepts more
     * (hex, inf, leading '+', "1."), which a strict reader must refuse. */
    if (p->pos < p->len && s[p->pos] == '-') p->pos++;
    if (p->pos >= p->len) { fail(p, "truncated number"); return NULL; }
    if (s[p->pos] == '0') {
        p->pos++;
    } else if (s[p->pos] >= '1' && s[p->pos] <= '9') {
        while (p->pos < p->len && s[p->pos] >= '0' && s[p->pos] <= '9') p->pos++;
    } else {
        fail(p, "bad number");
        return NULL;
    }
    if (p->pos < p->len && s[p->pos] == '.') {
        p->pos++;
        if (p->pos >= p->len || s[p->pos] < '0' || s[p->pos] > '9') { fail(p, "digit expected after '.'"); return NULL; }
        while (p->pos < p->len && s[p->pos] >= '0' && s[p->pos] <= '9') p->pos++;
    }
    if (p->pos < p->len && (s[p->pos] == 'e' || s[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->len && (s[p->pos] == '+' || s[p->pos] == '-')) p->pos++;
        if (p->pos >= p->len || s[p->pos] < '0' || s[p->pos] > '9') { fail(p, "digit expected in exponent"); return NULL; }
        while (p->pos < p->len && s[p->pos] >= '0' && s[p->pos] <= '9') p->pos++;
    }
    n = p->pos - start;
    if (n >= sizeof tmp) { p->pos = start; fail(p, "number longer than %zu characters", sizeof tmp - 1); return NULL; }
    memcpy(tmp, s + start, n);
    tmp[n] = '\0';
    v = new_value(p, JSON_NUMBER);
    if (!v) return NULL;
    /* strtod rounds correctly (glibc), so shortest-repr doubles round-trip;
     * overflow to inf is accepted as the nearest representable reading */
    v->number = strtod(tmp, &endp);
    if (endp != tmp + n) { p->pos = start; fail(p, "bad number"); free(v); return NULL; }
    return v;
}

static json_value *parse_value(parser *p);

static json_value *parse_array(parser *p)
{
    json_value *v = new_value(p, JSON_ARRAY);
    size_t cap = 0;
    if (!v) return NULL;
    p->pos++; /* '[' */
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == ']') { p->pos++; return v; }
    for (;;) {
        json_value *item = parse_value(p);
        if (!item) goto error;
        if (push_item(&v->items, &v->count, &cap, item) != 0) {
            json_free(item);
            fail(p, "out of memory");
            goto error;
        }
        skip_ws(p);
        if (p->pos >= p->len) { fail(p, "unterminated array"); goto error; }
        if (p->s[p->pos] == ',') { p->pos++; continue; }
        if (p->s[p->pos] == ']') { p->pos++; return v; }
        fail(p, "expected ',' or ']'");
        goto error;
    }
error:
    json_free(v);
    return NULL;
}

static json_value *parse_object(parser *p)
{
    json_value *v = new_value(p, JSON_OBJECT);
    size_t cap = 0, kcount = 0, kcap = 0;
    if (!v) return NULL;
    p->pos++; /* '{' */
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == '}') { p->pos++; return v; }
    for (;;) {
        size_t klen;
        char *key;
        json_value *item;
        skip_ws(p);
        key = parse_string_raw(p, &klen);
        if (!key) goto error;
        if (push_key(&v->keys, &kcount, &kcap, key) != 0) {
            free(key);
            fail(p, "out of memory");
            goto error;
        }
        skip_ws(p);
        if (p->pos >= p->len || p->s[p->pos] != ':') { fail(p, "expected ':'"); goto error; }
        p->pos++;
        item = parse_value(p);
        if (!item) goto error;
        if (push_item(&v->items, &v->count, &cap, item) != 0) {
            json_free(item);
            fail(p, "out of memory");
            goto error;
        }
        skip_ws(p);
        if (p->pos >= p->len) { fail(p, "unterminated object"); goto error; }
        if (p->s[p->pos] == ',') { p->pos++; continue; }
        if (p->s[p->pos] == '}') { p->pos++; return v; }
        fail(p, "expected ',' or '}'");
        goto error;
    }
error:
    /* keys may outnumber items by one: free the extra key here */
    if (kcount > v->count) free(v->keys[kcount - 1]);
    json_free(v);
    return NULL;
}

static json_value *parse_value(parser *p)
{
    json_value *v = NULL;
    skip_ws(p);
    if (p->pos >= p->len) { fail(p, "unexpected end of input"); return NULL; }
    if (p->depth >= JSON_MAX_DEPTH) { fail(p, "nesting deeper than %d", JSON_MAX_DEPTH); return NULL; }
    p->depth++;
    switch (p->s[p->pos]) {
    case '{': v = parse_object(p); break;
    case '[': v = parse_array(p); break;
    case '"': {
        size_t n;
        char *str = parse_string_raw(p, &n);
        if (!str) break;
        v = new_value(p, JSON_STRING);
        if (!v) { free(str); break; }
        v->string = str;
        v->string_len = n;
        break;
    }
    case 't':
    case 'f':
    case 'n':
        if (match_literal(p, "true")) {
            if ((v = new_value(p, JSON_BOOL))) v->boolean = 1;
        } else if (match_literal(p, "false")) {
            v = new_value(p, JSON_BOOL);
        } else if (match_literal(p, "null")) {
            v = new_value(p, JSON_NULL);
        } else {
            fail(p, "unknown literal");
        }
        break;
    default:
        v = parse_number(p);
        break;
    }
    p->depth--;
    return v;
}

json_value *json_parse(const char *text, size_t len, char *errbuf, size_t errlen)
{
    parser p;
    json_value *v;
    memset(&p, 0, sizeof p);
    p.s = text;
    p.len = text ? len : 0;
    p.errbuf = errbuf;
    p.errlen = errlen;
    if (errbuf && errlen) errbuf[0] = '\0';
    v = parse_value(&p);
    if (!v) return NULL;
    skip_ws(&p);
    if (p.pos != p.len) {
        fail(&p, "trailing characters after the document");
        json_free(v);
        return NULL;
    }
    return v;
}

json_value *json_parse_file(const char *path, char *errbuf, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;
    json_value *v = NULL;
    char inner[256];
    if (!f) {
        if (errbuf && errlen) snprintf(errbuf, errlen, "%s: cannot open", path);
        return NULL;
    }
    for (;;) {
        size_t got;
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 65536;
            char *nb = realloc(buf, nc);
            if (!nb) {
                if (errbuf && errlen) snprintf(errbuf, errlen, "%s: out of memory", path);
                goto cleanup;
            }
            buf = nb;
            cap = nc;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    if (ferror(f)) {
        if (errbuf && errlen) snprintf(errbuf, errlen, "%s: read error", path);
        goto cleanup;
    }
    v = json_parse(buf, n, inner, sizeof inner);
    if (!v && errbuf && errlen) snprintf(errbuf, errlen, "%s: %s", path, inner);
cleanup:
    free(buf);
    fclose(f);
    return v;
}

void json_free(json_value *v)
{
    size_t i;
    if (!v) return;
    for (i = 0; i < v->count; i++) {
        json_free(v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->string);
    free(v);
}

const json_value *json_get(const json_value *obj, const char *key)
{
    size_t i;
    if (!obj || obj->type != JSON_OBJECT || !key) return NULL;
    for (i = 0; i < obj->count; i++)
        if (strcmp(obj->keys[i], key) == 0) return obj->items[i];
    return NULL;
}

size_t json_len(const json_value *v)
{
    if (!v || (v->type != JSON_ARRAY && v->type != JSON_OBJECT)) return 0;
    return v->count;
}

const json_value *json_at(const json_value *v, size_t i)
{
    if (!v || (v->type != JSON_ARRAY && v->type != JSON_OBJECT) || i >= v->count) return NULL;
    return v->items[i];
}

const char *json_key_at(const json_value *obj, size_t i)
{
    if (!obj || obj->type != JSON_OBJECT || i >= obj->count) return NULL;
    return obj->keys[i];
}

int json_is_number(const json_value *v) { return v && v->type == JSON_NUMBER; }
int json_is_array(const json_value *v) { return v && v->type == JSON_ARRAY; }
int json_is_object(const json_value *v) { return v && v->type == JSON_OBJECT; }

double json_num(const json_value *v)
{
    return json_is_number(v) ? v->number : NAN;
}

int json_bool(const json_value *v)
{
    return (v && v->type == JSON_BOOL) ? v->boolean : -1;
}

const char *json_str(const json_value *v)
{
    return (v && v->type == JSON_STRING) ? v->string : NULL;
}

/* Counts number leaves; -1 when a non-number, non-array leaf is found. */
static long count_leaves(const json_value *v, int depth)
{
    size_t i;
    long total = 0;
    if (depth > JSON_MAX_DEPTH) return -1;
    if (v->type == JSON_NUMBER) return 1;
    if (v->type != JSON_ARRAY) return -1;
    for (i = 0; i < v->count; i++) {
        long k = count_leaves(v->items[i], depth + 1);
        if (k < 0) return -1;
        total += k;
    }
    return total;
}

static void collect_leaves(const json_value *v, double *out, size_t *k)
{
    size_t i;
    if (v->type == JSON_NUMBER) { out[(*k)++] = v->number; return; }
    for (i = 0; i < v->count; i++) collect_leaves(v->items[i], out, k);
}

double *json_num_flatten(const json_value *v, size_t *n)
{
    long total;
    double *out;
    size_t k = 0;
    *n = 0;
    if (!json_is_array(v)) return NULL;
    total = count_leaves(v, 0);
    if (total < 0) return NULL;
    out = malloc((size_t)(total > 0 ? total : 1) * sizeof *out);
    if (!out) return NULL;
    collect_leaves(v, out, &k);
    *n = k;
    return out;
}

double *json_num_matrix(const json_value *v, size_t *rows, size_t *cols)
{
    size_t r, c, nr, nc = 0;
    double *out;
    *rows = *cols = 0;
    if (!json_is_array(v)) return NULL;
    nr = v->count;
    for (r = 0; r < nr; r++) {
        const json_value *row = v->items[r];
        if (!json_is_array(row)) return NULL;
        if (r == 0) nc = row->count;
        else if (row->count != nc) return NULL;
        for (c = 0; c < nc; c++)
            if (!json_is_number(row->items[c])) return NULL;
    }
    out = malloc((nr * nc > 0 ? nr * nc : 1) * sizeof *out);
    if (!out) return NULL;
    for (r = 0; r < nr; r++)
        for (c = 0; c < nc; c++) out[r * nc + c] = v->items[r]->items[c]->number;
    *rows = nr;
    *cols = nc;
    return out;
}
