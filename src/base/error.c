/* Status codes, the caller-owned error record and warning lists: the library's
 * only way to tell its caller what went wrong (it never prints or exits). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nnvib.h>

/* A message is one line whatever bytes a caller's value (a path, a label)
 * carried into it: control characters become '?'. */
static void one_line(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) *s = '?';
}

int nnv_error_set(nnv_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        one_line(err->message);
    }
    return code;
}

const char *nnv_strerror(int code)
{
    switch (code) {
    case NNV_OK: return "success";
    case NNV_EINPUT: return "bad input";
    case NNV_ENUMERIC: return "numerical failure";
    case NNV_EIO: return "I/O error";
    case NNV_ENOMEM: return "out of memory";
    case NNV_EUSAGE: return "bad argument";
    default: return "unknown error";
    }
}

void nnv_warnings_add(nnv_warnings *w, const char *fmt, ...)
{
    char buf[NNV_ERROR_MESSAGE_MAX];
    va_list ap;
    if (!w) return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    one_line(buf);
    if (w->count == w->capacity) {
        int cap = w->capacity ? 2 * w->capacity : 8;
        char **m = realloc(w->messages, (size_t)cap * sizeof *m);
        if (!m) return;
        w->messages = m;
        w->capacity = cap;
    }
    w->messages[w->count] = malloc(strlen(buf) + 1);
    if (!w->messages[w->count]) return;
    strcpy(w->messages[w->count], buf);
    w->count++;
}

void nnv_warnings_clear(nnv_warnings *w)
{
    if (!w) return;
    for (int i = 0; i < w->count; i++) free(w->messages[i]);
    free(w->messages);
    w->messages = NULL;
    w->count = w->capacity = 0;
}
