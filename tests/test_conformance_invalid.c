/* Conformance: every invalid input of <shared>/conformance/invalid (index.json)
 * is refused as bad input, with a message naming the file and the field (or
 * the atom and its element). */
#define _POSIX_C_SOURCE 200809L /* strtok_r */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nnvib.h>

#include "conformance.h"
#include "testutil.h"

static json_value *g_invalid; /* invalid/index.json */

static int is_ident(int ch) { return isalnum(ch) || ch == '_'; }

/* Case-insensitive: does msg[at..] start with word w (length n)? */
static int starts_with_ci(const char *msg, const char *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!msg[i] || tolower((unsigned char)msg[i]) != tolower((unsigned char)w[i])) return 0;
    return 1;
}

/* Does the message name the field of the index entry? The index spells fields
 * as paths ("element[0].E0", "sf.rc", "size[n_layers]", "crc32 (file too
 * short)"); readers may insert context ("element[0](Z=1).sf[0].rc"). So: drop
 * a trailing " (...)" remark, then find the dot-separated components in order,
 * each as a whole word; a numeric index must match exactly, a symbolic one
 * ("n_layers") matches any number, and an index the field omits ("sf") may be
 * present in the message ("sf[0]"). */
static int message_names_field(const char *msg, const char *field)
{
    char f[256], *comp, *save = NULL;
    const char *pos = msg;
    char *paren;
    snprintf(f, sizeof f, "%s", field);
    paren = strstr(f, " (");
    if (paren) *paren = '\0';
    for (comp = strtok_r(f, ".", &save); comp; comp = strtok_r(NULL, ".", &save)) {
        size_t nlen = strcspn(comp, "[");
        const char *q, *found = NULL;
        for (q = pos; *q && !found; q++) {
            const char *t, *ip;
            if (q > msg && is_ident((unsigned char)q[-1])) continue;
            if (!starts_with_ci(q, comp, nlen)) continue;
            t = q + nlen;
            ip = comp + nlen;
            while (*ip == '[') { /* indices given by the field */
                const char *close = strchr(ip, ']');
                size_t ilen;
                int numeric = 1;
                if (!close || *t != '[') break;
                ilen = (size_t)(close - ip - 1);
                for (size_t k = 0; k < ilen; k++) numeric &= isdigit((unsigned char)ip[1 + k]) != 0;
                t++;
                if (numeric) {
                    if (strncmp(t, ip + 1, ilen) != 0 || t[ilen] != ']') break;
                    t += ilen + 1;
                } else if (strncmp(t, ip + 1, ilen) == 0 && t[ilen] == ']') {
                    t += ilen + 1;
                } else {
                    if (!isdigit((unsigned char)*t)) break;
                    while (isdigit((unsigned char)*t)) t++;
                    if (*t != ']') break;
                    t++;
                }
                ip = close + 1;
            }
            if (*ip == '[') continue; /* an index did not match */
            while (*t == '[' && isdigit((unsigned char)t[1])) { /* indices the field omits */
                const char *u = t + 1;
                while (isdigit((unsigned char)*u)) u++;
                if (*u != ']') break;
                t = u + 1;
            }
            if (is_ident((unsigned char)*t)) continue;
            found = t;
        }
        if (!found) return 0;
        pos = found;
    }
    return 1;
}

/* Is `tok` present as a stand-alone word (not part of a longer name)? */
static int has_token(const char *msg, const char *tok)
{
    size_t n = strlen(tok);
    for (const char *q = strstr(msg, tok); q; q = strstr(q + 1, tok))
        if ((q == msg || !isalpha((unsigned char)q[-1])) && !isalpha((unsigned char)q[n])) return 1;
    return 0;
}

START_TEST(test_invalid_entry)
{
    const json_value *e = json_at(g_invalid, (size_t)_i);
    const char *file = json_str(json_get(e, "file")), *field = json_str(json_get(e, "field"));
    ctx c = {file ? file : "?", "invalid", 0, NULL, 0, 0, 0.0};
    char path[4600], wpath[4600];
    nnv_error err = {0, ""};
    nnv_potential *p = NULL;
    nnv_structure *s = NULL;
    nnv_result *r = NULL;
    int rc;
    size_t fl;

    ck_assert_msg(file && field, "invalid/index.json entry %d lacks file or field", _i);
    snprintf(path, sizeof path, "%s/invalid/%s", g_dir, file);
    fl = strlen(file);
    q_begin(&c, "rejection");
    if (fl > 4 && strcmp(file + fl - 4, ".xyz") == 0) {
        const char *w = json_str(json_get(e, "weights"));
        if (!w) { q_msg(&c, "index entry has no 'weights'"); goto cleanup; }
        snprintf(wpath, sizeof wpath, "%s/invalid/%s", g_dir, w);
        rc = nnv_potential_read(&p, wpath, &err);
        if (rc != NNV_OK || !p) { q_msg(&c, "weights %s not readable: %d %s", wpath, rc, err.message); goto cleanup; }
        rc = nnv_structure_read_xyz(&s, path, 0, &err);
        if (rc != NNV_OK || !s) { q_msg(&c, "xyz not readable: %d %s", rc, err.message); goto cleanup; }
        err.code = 0;
        err.message[0] = '\0';
        rc = nnv_compute(&r, p, s, TU_WANT(NNV_WANT_FORCES | NNV_WANT_HESSIAN), &err);
        if (rc != NNV_EINPUT) q_msg(&c, "nnv_compute returned %d (%s), expected NNV_EINPUT", rc, nnv_strerror(rc));
        else if (!has_token(err.message, "atom") || !has_token(err.message, "S"))
            q_msg(&c, "message does not name the atom and its element (\"atom\", \"S\"): \"%s\"", err.message);
        else fprintf(stderr, "     %s -> \"%s\"\n", file, err.message);
    } else {
        rc = nnv_potential_read(&p, path, &err);
        if (rc != NNV_EINPUT) {
            q_msg(&c, "nnv_potential_read returned %d (%s), expected NNV_EINPUT (%s)", rc, nnv_strerror(rc),
                  err.message);
        } else {
            if (err.code != rc) q_msg(&c, "err.code = %d, status %d", err.code, rc);
            if (!message_names_field(err.message, field))
                q_msg(&c, "message does not name field '%s': \"%s\"", field, err.message);
            if (!strstr(err.message, file))
                q_msg(&c, "message does not name the file '%s': \"%s\"", file, err.message);
            if (c.n_fail == 0) fprintf(stderr, "     %s -> \"%s\"\n", file, err.message);
        }
    }
cleanup:
    q_end(&c);
    nnv_result_free(r);
    nnv_structure_free(s);
    nnv_potential_free(p);
    finish(&c);
}
END_TEST

/* The field matcher decides what the reader tests accept, so test it too. */
START_TEST(test_field_matcher)
{
    ck_assert(message_names_field("x.bin: byte offset 0: field 'magic': wrong", "magic"));
    ck_assert(message_names_field("f: element[0](Z=1).E0: nan", "element[0].E0"));
    ck_assert(!message_names_field("f: element[1](Z=1).E0: nan", "element[0].E0"));
    ck_assert(message_names_field("f: 'element[0](Z=1).sf[3].rc': rc must", "sf.rc"));
    ck_assert(!message_names_field("f: field 'crc32': CRC mismatch", "sf.rc"));
    ck_assert(message_names_field("f: 'energy_network.size[3]': chain", "size[n_layers]"));
    ck_assert(message_names_field("f: size[n_layers] is 2", "size[n_layers]"));
    ck_assert(!message_names_field("f: 'sizes[3]'", "size[n_layers]"));
    ck_assert(message_names_field("f: layer[0].W[0][0]: inf", "W[0][0]"));
    ck_assert(!message_names_field("f: layer[0].W[0][1]: inf", "W[0][0]"));
    ck_assert(message_names_field("f: offset 4197: field 'crc32': short", "crc32 (file too short)"));
    ck_assert(message_names_field("f: End of file expected", "end of file (file too long)"));
    ck_assert(!message_names_field("f: n_layers_total", "n_layers"));
    ck_assert(has_token("atom 4 (S): no block", "S"));
    ck_assert(!has_token("Sulphur atom 4", "S"));
}
END_TEST

static void add_tests(Suite *suite)
{
    char path[4200], errbuf[512];
    TCase *tc = tcase_create("invalid");
    snprintf(path, sizeof path, "%s/invalid/index.json", g_dir);
    g_invalid = json_parse_file(path, errbuf, sizeof errbuf);
    fprintf(stderr, "conformance: %zu invalid inputs in %s/invalid\n", json_len(g_invalid), g_dir);
    tcase_add_test(tc, test_field_matcher);
    if (g_invalid) {
        tcase_add_loop_test(tc, test_invalid_entry, 0, (int)json_len(g_invalid));
    } else {
        /* the folder is there, so a missing index is a broken data set */
        fprintf(stderr, "FAIL: %s\n", errbuf);
    }
    suite_add_tcase(suite, tc);
}

int main(void)
{
    int rc = conf_main("conformance_invalid", add_tests), indexed = g_invalid != NULL;
    json_free(g_invalid);
    return rc == 0 && !indexed ? 1 : rc;
}
