/* n2p2_text.c: the texts of an n2p2 potential (input.nn, scaling.data,
 * weights.NNN.data) from files or memory, cut into lines and tokens on the
 * text layer, for the settings and data readers. */
#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/n2p2_internal.h"

/* ---- the texts and their tokens ---------------------------------------------------- */

void n2p2_text_free(text_file *tf)
{
    free(tf->path);
    free(tf->buf);
    memset(tf, 0, sizeof *tf);
}

char *n2p2_join_path(const char *dir, const char *name)
{
    size_t nd = strlen(dir), nn = strlen(name);
    int slash = nd > 0 && dir[nd - 1] != '/';
    char *p = malloc(nd + (size_t)slash + nn + 1);
    if (!p) return NULL;
    memcpy(p, dir, nd);
    if (slash) p[nd] = '/';
    memcpy(p + nd + (size_t)slash, name, nn + 1);
    return p;
}

int n2p2_load_text(conv *c, text_file *tf, const char *name, int e, nnv_error *err)
{
    const char *text = NULL;
    const char *nul;
    size_t len = 0;
    int rc = NNV_OK;

    memset(tf, 0, sizeof *tf);
    if (c->from_memory && e >= 0 && c->mem_n_weights != c->n_el)
        return nnv_error_set(err, NNV_EINPUT, "%s: %d weights text%s given for the %d element%s of input.nn "
                             "(one per element, in ascending atomic number)", c->dir, c->mem_n_weights,
                             c->mem_n_weights == 1 ? "" : "s", c->n_el, c->n_el == 1 ? "" : "s");
    if (!(tf->path = n2p2_join_path(c->dir, name))) return nnv_error_set(err, NNV_ENOMEM, "out of memory");
    if (!c->from_memory) {
        unsigned char *b = NULL;
        if ((rc = txt_read_file_head(tf->path, TXT_MAX_N2P2, txt_head_text, &b, &tf->len, err)) != NNV_OK) goto cleanup;
        tf->buf = (char *)b;
    } else {
        if (e < 0) {
            int is_input = strcmp(name, "input.nn") == 0;
            text = is_input ? c->mem_input : c->mem_scaling;
            len = is_input ? c->mem_input_len : c->mem_scaling_len;
        } else {
            text = c->mem_weights[e];
            len = c->mem_weights_len[e];
        }
        if (!text) len = 0;
        /* The same cap as for a file, so that both paths refuse the same. */
        if (len > TXT_MAX_N2P2) {
            rc = nnv_error_set(err, NNV_EINPUT, "%s: larger than %zu MiB, the limit for this kind of file",
                               tf->path, TXT_MAX_N2P2 >> 20);
            goto cleanup;
        }
        /* A copy: lines are cut in place. */
        if (!(tf->buf = malloc(len + 1))) {
            rc = nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", tf->path);
            goto cleanup;
        }
        if (len) memcpy(tf->buf, text, len);
        tf->buf[len] = '\0';
        tf->len = len;
    }
    /* No text file holds a NUL byte; C strings could not hold the line. */
    if ((nul = memchr(tf->buf, '\0', tf->len)) != NULL) {
        int ln = 1;
        for (const char *q = tf->buf; q < nul; q++) ln += *q == '\n';
        rc = nnv_error_set(err, NNV_EINPUT, "%s line %d: NUL byte: not a text file", tf->path, ln);
    }
cleanup:
    if (rc != NNV_OK) n2p2_text_free(tf);
    return rc;
}

char *n2p2_next_line(text_file *tf, txt_cursor *c)
{
    txt_span l;
    char *s;
    if (!txt_next_line(c, &l)) return NULL;
    /* The cursor is past the line's end, so cutting there changes nothing
     * it has still to read. */
    s = tf->buf + (l.s - tf->buf);
    s[l.n] = '\0';
    return s;
}

int n2p2_split(char *s, char **tok, int max)
{
    txt_span rest = txt_span_str(s), t;
    int n = 0;
    while (txt_next_token(&rest, &t)) {
        char *w = s + (t.s - s);
        if (n < max) tok[n] = w;
        n++;
        /* Step over the blank after the token before it becomes the NUL. */
        if (rest.n) rest.s++, rest.n--;
        w[t.n] = '\0';
    }
    return n;
}

int n2p2_num(const char *s, double *v) { return txt_parse_number(txt_span_str(s), v) == TXT_OK ? 0 : -1; }

int n2p2_int(const char *s, long lo, long hi, int *v)
{
    long x;
    if (txt_parse_long(txt_span_str(s), lo, hi, &x) != TXT_OK) return -1;
    *v = (int)x;
    return 0;
}

const char *n2p2_quote(char *q, const char *s) { return txt_quote(q, txt_span_str(s)); }
