/* JSON numbers, strings and small arrays for every report of the programs:
 * doubles as %.17g so they round-trip, non-finite numbers as null, strings
 * escaped with invalid UTF-8 replaced, so no report can be invalid JSON. */
#include <math.h>
#include <string.h>

#include "json.h"

void json_num(FILE *f, double x)
{
    if (isfinite(x)) fprintf(f, "%.17g", x);
    else fputs("null", f);
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t len;
    unsigned cp;
    if (s[0] < 0x80) return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2;
        cp = s[0] & 0x1fu;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3;
        cp = s[0] & 0x0fu;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4;
        cp = s[0] & 0x07u;
    } else {
        return 0;
    }
    if (len > n) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    /* overlong forms, surrogates and code points beyond U+10FFFF */
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

void json_str(FILE *f, const char *str)
{
    const unsigned char *s = (const unsigned char *)(str ? str : "");
    size_t n = strlen((const char *)s);
    fputc('"', f);
    while (n > 0) {
        size_t len = utf8_len(s, n);
        if (len == 0) {
            fputs("\\ufffd", f);
            len = 1;
        } else if (len > 1) {
            fwrite(s, 1, len, f);
        } else if (*s == '"' || *s == '\\') {
            fputc('\\', f);
            fputc(*s, f);
        } else if (*s == '\n') {
            fputs("\\n", f);
        } else if (*s == '\r') {
            fputs("\\r", f);
        } else if (*s == '\t') {
            fputs("\\t", f);
        } else if (*s < 0x20 || *s == 0x7f) {
            fprintf(f, "\\u%04x", *s);
        } else {
            fputc(*s, f);
        }
        s += len;
        n -= len;
    }
    fputc('"', f);
}

void json_bool(FILE *f, int b) { fputs(b ? "true" : "false", f); }

void json_vec(FILE *f, const double *x, int n)
{
    fputc('[', f);
    for (int i = 0; i < n; i++) {
        if (i) fputs(", ", f);
        json_num(f, x[i]);
    }
    fputc(']', f);
}

void json_ivec(FILE *f, const int *x, int n)
{
    fputc('[', f);
    for (int i = 0; i < n; i++) fprintf(f, "%s%d", i ? ", " : "", x[i]);
    fputc(']', f);
}

void json_key(FILE *f, const char *sep, const char *key)
{
    fputs(sep, f);
    json_str(f, key);
    fputs(": ", f);
}

void json_key_num(FILE *f, const char *sep, const char *key, double x)
{
    json_key(f, sep, key);
    json_num(f, x);
}

void json_fields(FILE *f, const char *sep, const json_field *x, int n)
{
    for (int i = 0; i < n; i++) json_key_num(f, i ? ", " : sep, x[i].key, x[i].value);
}
