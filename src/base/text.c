/* text.c: the text layer under every reader: whole files with a size cap,
 * lines, blanks and tokens over byte ranges, and the one number parser. */
#define _POSIX_C_SOURCE 200809L /* fileno */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/base_internal.h"

/* ---- whole files ------------------------------------------------------------ */

/* The cap in words for a message: MiB when it is a whole number of them. */
static void cap_text(char *dst, size_t n, size_t max_bytes)
{
    if (max_bytes >= ((size_t)1 << 20) && max_bytes % ((size_t)1 << 20) == 0)
        snprintf(dst, n, "%zu MiB", max_bytes >> 20);
    else
        snprintf(dst, n, "%zu bytes", max_bytes);
}

static int too_large(const char *path, size_t max_bytes, nnv_error *err)
{
    char cap[48];
    cap_text(cap, sizeof cap, max_bytes);
    return nnv_error_set(err, NNV_EINPUT, "%s: larger than %s, the limit for this kind of file", path, cap);
}

static int out_of_memory(const char *path, nnv_error *err)
{
    return nnv_error_set(err, NNV_ENOMEM, "%s: out of memory reading the file", path);
}

int txt_head_text(const unsigned char *b, size_t n, const char *path, nnv_error *err)
{
    const unsigned char *z = memchr(b, 0, n);
    if (!z) return NNV_OK;
    return nnv_error_set(err, NNV_EINPUT, "%s: byte offset %zu: a NUL byte: not a text file", path, (size_t)(z - b));
}

int txt_read_file(const char *path, size_t max_bytes, unsigned char **buf, size_t *len, nnv_error *err)
{
    return txt_read_file_head(path, max_bytes, NULL, buf, len, err);
}

int txt_read_file_head(const char *path, size_t max_bytes, txt_head_fn head, unsigned char **buf, size_t *len,
                       nnv_error *err)
{
    FILE *f = NULL;
    unsigned char *b = NULL;
    size_t n = 0, cap = 65536;
    struct stat st;
    int rc = NNV_OK;

    *buf = NULL;
    *len = 0;
    if (!(f = fopen(path, "rb"))) return nnv_error_set(err, NNV_EIO, "%s: cannot open: %s", path, strerror(errno));
    /* A regular file says its size: refuse it before reading, and read it
     * into one buffer of that size (no doubling, no copy). */
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        rc = nnv_error_set(err, NNV_EIO, "%s: a folder, not a file", path);
        goto cleanup;
    }
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
        if ((uintmax_t)st.st_size > (uintmax_t)max_bytes) {
            rc = too_large(path, max_bytes, err);
            goto cleanup;
        }
        cap = (size_t)st.st_size + 1;
    }
    if (!(b = malloc(cap))) {
        rc = out_of_memory(path, err);
        goto cleanup;
    }
    /* Pipes, and files that grow while read, take growing chunks; the cap is
     * checked on what was actually read. */
    for (;;) {
        size_t got;
        if (n + 1 >= cap) {
            int ch = fgetc(f);
            unsigned char *nb;
            if (ch == EOF) break; /* full and at the end: no growth */
            cap = cap > SIZE_MAX / 2 ? SIZE_MAX : 2 * cap;
            if (!(nb = realloc(b, cap))) {
                rc = out_of_memory(path, err);
                goto cleanup;
            }
            b = nb;
            b[n++] = (unsigned char)ch;
        }
        got = fread(b + n, 1, cap - 1 - n, f);
        n += got;
        /* The head once (the first chunk, or the whole of a short file):
         * /dev/zero as a molecule fails here, not after a GiB. */
        if (head && (n >= TXT_HEAD_BYTES || got == 0)) {
            if ((rc = head(b, n < TXT_HEAD_BYTES ? n : TXT_HEAD_BYTES, path, err)) != NNV_OK) goto cleanup;
            head = NULL;
        }
        if (n > max_bytes) {
            rc = too_large(path, max_bytes, err);
            goto cleanup;
        }
        if (got == 0) break;
    }
    if (ferror(f)) {
        rc = nnv_error_set(err, NNV_EIO, "%s: read error: %s", path, strerror(errno));
        goto cleanup;
    }
    if (head && (rc = head(b, n < TXT_HEAD_BYTES ? n : TXT_HEAD_BYTES, path, err)) != NNV_OK) goto cleanup;
    b[n] = '\0';
    *buf = b;
    *len = n;
    b = NULL;
cleanup:
    fclose(f);
    free(b);
    return rc;
}

int txt_parse_file(const char *path, size_t max_bytes, txt_head_fn head, txt_parse_fn parse, void *out,
                   nnv_error *err)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    int rc = txt_read_file_head(path, max_bytes, head, &buf, &len, err);
    if (rc == NNV_OK) rc = parse(out, (const char *)buf, len, path, err);
    free(buf);
    return rc;
}

/* ---- spans, lines and tokens ----------------------------------------------------- */

txt_span txt_span_str(const char *s)
{
    txt_span t = {s ? s : "", s ? strlen(s) : 0};
    return t;
}

int txt_span_is(txt_span t, const char *word)
{
    size_t n = strlen(word);
    return t.n == n && memcmp(t.s, word, n) == 0;
}

void txt_cursor_init(txt_cursor *c, const char *text, size_t len)
{
    c->p = text;
    c->end = text ? text + len : text;
    c->line = 0;
    c->lone_cr = 0;
}

int txt_next_line(txt_cursor *c, txt_span *line)
{
    const char *q, *next;
    if (!c->p || c->p >= c->end) return 0;
    line->s = c->p;
    if (c->lone_cr) {
        for (q = c->p; q < c->end && *q != '\n' && *q != '\r'; q++) {
        }
        next = q;
        if (next < c->end && *next == '\r') next++;
        if (next < c->end && *next == '\n') next++;
        line->n = (size_t)(q - c->p);
    } else {
        q = memchr(c->p, '\n', (size_t)(c->end - c->p));
        next = q ? q + 1 : c->end;
        line->n = (size_t)((q ? q : c->end) - c->p);
        if (line->n && line->s[line->n - 1] == '\r') line->n--;
    }
    c->p = next;
    c->line++;
    return 1;
}

int txt_is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f'; }

txt_span txt_trim(txt_span t)
{
    while (t.n && txt_is_space(t.s[0])) t.s++, t.n--;
    while (t.n && txt_is_space(t.s[t.n - 1])) t.n--;
    return t;
}

int txt_is_blank(txt_span t) { return txt_trim(t).n == 0; }

int txt_next_token(txt_span *rest, txt_span *tok)
{
    size_t i = 0, start;
    while (i < rest->n && txt_is_space(rest->s[i])) i++;
    if (i >= rest->n) {
        rest->s += rest->n;
        rest->n = 0;
        return 0;
    }
    start = i;
    while (i < rest->n && !txt_is_space(rest->s[i])) i++;
    tok->s = rest->s + start;
    tok->n = i - start;
    rest->s += i;
    rest->n -= i;
    return 1;
}

const char *txt_pair_end(const char *s)
{
    while (*s && *s != ' ' && *s != '\t') {
        if (*s == '"') {
            const char *q = strchr(s + 1, '"');
            s = q ? q + 1 : s + strlen(s);
        } else {
            s++;
        }
    }
    return s;
}

int txt_split(txt_span t, txt_span *tok, int max)
{
    txt_span one;
    int k = 0;
    while (k <= max && txt_next_token(&t, &one)) {
        if (k < max) tok[k] = one;
        k++;
    }
    return k;
}

int txt_split_char(txt_span t, char sep, txt_span *field, int max)
{
    int k = 0;
    for (;;) {
        const char *q = t.n ? memchr(t.s, sep, t.n) : NULL;
        size_t n = q ? (size_t)(q - t.s) : t.n;
        if (k < max) {
            field[k].s = t.s;
            field[k].n = n;
        }
        if (++k > max || !q) return k;
        t.s = q + 1;
        t.n -= n + 1;
    }
}

/* ---- numbers ------------------------------------------------------------------ */

/* The token as a C string (strtod and strtol need one); 0 when it cannot be one. */
static int token_copy(txt_span t, char buf[TXT_NUMBER_MAX + 1])
{
    if (t.n == 0 || t.n > TXT_NUMBER_MAX || txt_is_space(t.s[0]) || t.s[0] == '\n') return 0;
    memcpy(buf, t.s, t.n);
    buf[t.n] = '\0';
    /* A NUL inside would end the copy early and pass for the whole token. */
    return memchr(buf, '\0', t.n) == NULL;
}

int txt_parse_number(txt_span t, double *v)
{
    char buf[TXT_NUMBER_MAX + 1], *end;
    double x;
    if (!token_copy(t, buf)) return TXT_EBAD;
    /* strtod rounds correctly, so a value is exactly the double the text
     * gives; overflow yields ±HUGE_VAL (inf), refused with inf and nan text. */
    x = strtod(buf, &end);
    if (end != buf + t.n) return TXT_EBAD;
    if (!isfinite(x)) return TXT_ERANGE;
    *v = x;
    return TXT_OK;
}

int txt_parse_long(txt_span t, long min, long max, long *v)
{
    char buf[TXT_NUMBER_MAX + 1], *end;
    long x;
    size_t i;
    if (!token_copy(t, buf)) return TXT_EBAD;
    /* Digits only after the sign: strtol alone would take "0x1f" in base 0
     * and blanks after the sign never. */
    i = (buf[0] == '+' || buf[0] == '-') ? 1 : 0;
    if (buf[i] < '0' || buf[i] > '9') return TXT_EBAD;
    errno = 0;
    x = strtol(buf, &end, 10);
    if (end != buf + t.n) return TXT_EBAD;
    if (errno == ERANGE || x < min || x > max) {
        *v = (x < min || (errno == ERANGE && x == LONG_MIN)) ? min : max;
        return TXT_ERANGE;
    }
    *v = x;
    return TXT_OK;
}

/* ---- messages ------------------------------------------------------------------ */

const char *txt_quote(char *buf, txt_span t)
{
    size_t n = t.n > TXT_QUOTE_MAX ? TXT_QUOTE_MAX : t.n;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)t.s[i];
        buf[i] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
    }
    if (t.n > TXT_QUOTE_MAX) memcpy(buf + n, "...", 3), n += 3;
    buf[n] = '\0';
    return buf;
}
