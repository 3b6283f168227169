/* The shared conformance cases: discovery, loading a case, and the
 * comparisons that print every failure (conformance.h). */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformance.h"
#include "testutil.h"

#define MAX_PRINT_PER_QTY 8

/* ---- the data found at start-up (read-only once the suite runs) ----------- */
char g_dir[4096];
char **g_cases;
int g_n_cases;
char **g_smooth;
int g_n_smooth;

/* ---- failure bookkeeping: every failing comparison is printed ------------- */
void q_begin(ctx *c, const char *qty)
{
    c->qty = qty;
    c->qty_fail = c->qty_n = 0;
    c->qty_maxerr = 0.0;
}

void q_end(ctx *c)
{
    static int verbose = -1; /* NNVIB_CONF_VERBOSE=1: a line per quantity */
    if (verbose < 0) verbose = getenv("NNVIB_CONF_VERBOSE") != NULL;
    if (verbose && c->qty_fail == 0 && c->qty_n > 0)
        fprintf(stderr, "     %s [%s] %s: %d compared, largest |got - expected| = %.3g\n", c->name, c->part,
                c->qty, c->qty_n, c->qty_maxerr);
    if (c->qty_fail > 0 && c->qty_n > 0)
        fprintf(stderr, "FAIL %s [%s] %s: %d of %d comparisons failed, largest |got - expected| = %.3g\n",
                c->name, c->part, c->qty, c->qty_fail, c->qty_n, c->qty_maxerr);
    c->qty = NULL;
}

void q_msg(ctx *c, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "FAIL %s [%s] %s: ", c->name, c->part, c->qty ? c->qty : "-");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    c->n_fail++;
    c->qty_fail++;
}

int q_num(ctx *c, double got, double expected, double abs_tol, double rel_tol, const char *idxfmt, ...)
{
    double d = fabs(got - expected);
    c->qty_n++;
    if (!(d <= c->qty_maxerr)) c->qty_maxerr = d; /* NaN sticks */
    if (tu_close(got, expected, abs_tol, rel_tol)) return 1;
    c->n_fail++;
    if (c->qty_fail++ < MAX_PRINT_PER_QTY) {
        char idx[96];
        va_list ap;
        va_start(ap, idxfmt);
        vsnprintf(idx, sizeof idx, idxfmt, ap);
        va_end(ap);
        fprintf(stderr, "FAIL %s [%s] %s%s: got %.17g expected %.17g (|diff| %.3g, tol abs %.1g rel %.1g)\n",
                c->name, c->part, c->qty ? c->qty : "", idx, got, expected, d, abs_tol, rel_tol);
    } else if (c->qty_fail == MAX_PRINT_PER_QTY + 1) {
        fprintf(stderr, "FAIL %s [%s] %s: (further failures of this quantity not printed)\n",
                c->name, c->part, c->qty ? c->qty : "");
    }
    return 0;
}

int q_int(ctx *c, long got, long expected, const char *what)
{
    c->qty_n++;
    if (got == expected) return 1;
    q_msg(c, "%s: got %ld expected %ld", what, got, expected);
    return 0;
}

/* ---- access to expected.json ---------------------------------------------- */

/* An integer-valued number as int; dflt when absent, not integral or out of
 * range (a cast of NaN or of a huge double would be undefined behaviour). */
int jint(const json_value *v, int dflt)
{
    double x = json_num(v);
    if (!(x >= -1e9 && x <= 1e9) || x != floor(x)) return dflt;
    return (int)x;
}

/* Flattened numbers of key, which must hold exactly n of them; NULL (and a
 * recorded failure) otherwise. */
double *exp_flat(ctx *c, const json_value *exp, const char *key, size_t n)
{
    size_t got = 0;
    double *a = json_num_flatten(json_get(exp, key), &got);
    if (!a) {
        q_msg(c, "expected.json has no numeric array '%s'", key);
        return NULL;
    }
    if (got != n) {
        q_msg(c, "expected.json '%s' holds %zu numbers, expected %zu", key, got, n);
        free(a);
        return NULL;
    }
    return a;
}

void cmp_array(ctx *c, const char *qty, const double *got, const double *expected, size_t n, double abs_tol,
               double rel_tol)
{
    size_t i;
    q_begin(c, qty);
    if (!got) q_msg(c, "result array is NULL");
    else if (expected)
        for (i = 0; i < n; i++) q_num(c, got[i], expected[i], abs_tol, rel_tol, "[%zu]", i);
    q_end(c);
}

/* x,y,z names for messages */
const char *const XYZ = "xyz";

void cmp_atoms3(ctx *c, const char *qty, const double *got, const double *expected, int n_atoms, double abs_tol,
                double rel_tol)
{
    int i, k;
    q_begin(c, qty);
    if (!got) q_msg(c, "result array is NULL");
    else if (expected)
        for (i = 0; i < n_atoms; i++)
            for (k = 0; k < 3; k++)
                q_num(c, got[3 * i + k], expected[3 * i + k], abs_tol, rel_tol, "[atom %d][%c]", i, XYZ[k]);
    q_end(c);
}

/* ---- loading a case --------------------------------------------------------- */

json_value *load_expected(const char *name)
{
    char path[4600], err[512];
    json_value *exp;
    snprintf(path, sizeof path, "%s/%s/expected.json", g_dir, name);
    exp = json_parse_file(path, err, sizeof err);
    if (!exp) fprintf(stderr, "FAIL %s: cannot parse expected.json: %s\n", name, err);
    return exp;
}

/* Reads weights.bin and molecule.xyz of a case and applies mass_overrides.
 * Returns 0 when both are loaded (failures are recorded in c). */
int load_case(ctx *c, const json_value *exp, nnv_potential **p, nnv_structure **s)
{
    char path[4600];
    nnv_error err = {0, ""};
    const json_value *ov = json_get(exp, "mass_overrides");
    int rc;
    size_t i;

    *p = NULL;
    *s = NULL;
    q_begin(c, "load");
    snprintf(path, sizeof path, "%s/%s/weights.bin", g_dir, c->name);
    rc = nnv_potential_read(p, path, &err);
    if (rc != NNV_OK || !*p) {
        q_msg(c, "nnv_potential_read(%s) = %d (%s): %s", path, rc, nnv_strerror(rc), err.message);
        goto fail;
    }
    snprintf(path, sizeof path, "%s/%s/molecule.xyz", g_dir, c->name);
    rc = nnv_structure_read_xyz(s, path, 0, &err);
    if (rc != NNV_OK || !*s) {
        q_msg(c, "nnv_structure_read_xyz(%s) = %d (%s): %s", path, rc, nnv_strerror(rc), err.message);
        goto fail;
    }
    for (i = 0; i < json_len(ov); i++) {
        const char *key = json_key_at(ov, i);
        char *end = NULL;
        long idx = strtol(key, &end, 10);
        double m = json_num(json_at(ov, i));
        if (!end || *end != '\0' || idx < 0 || idx >= (*s)->n_atoms) {
            q_msg(c, "mass_overrides key '%s' is not an atom index", key);
            goto fail;
        }
        rc = nnv_structure_set_mass(*s, (int)idx, m, &err);
        if (rc != NNV_OK) {
            q_msg(c, "nnv_structure_set_mass(%ld, %.17g) = %d: %s", idx, m, rc, err.message);
            goto fail;
        }
    }
    q_end(c);
    return 0;
fail:
    q_end(c);
    nnv_structure_free(*s);
    nnv_potential_free(*p);
    *s = NULL;
    *p = NULL;
    return -1;
}

int case_has_charges(const json_value *exp)
{
    return json_get(exp, "charges") != NULL;
}

void finish(ctx *c)
{
    if (c->n_fail == 0) fprintf(stderr, "ok   %s [%s]\n", c->name, c->part);
    ck_assert_msg(c->n_fail == 0, "%s [%s]: %d comparison(s) failed (details on stderr)", c->name, c->part,
                  c->n_fail);
}

/* ---- discovery ---------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_list(char **list, int n)
{
    for (int i = 0; i < n; i++) free(list[i]);
    free(list);
}

/* Case folders holding expected.json, sorted by name. */
static int scan_cases(void)
{
    DIR *d = opendir(g_dir);
    struct dirent *de;
    int cap = 0;
    if (!d) return -1;
    while ((de = readdir(d)) != NULL) {
        char path[4600];
        FILE *f;
        if (de->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s/expected.json", g_dir, de->d_name);
        if (!(f = fopen(path, "rb"))) continue;
        fclose(f);
        if (g_n_cases == cap) {
            int nc = cap ? 2 * cap : 32;
            char **nl = realloc(g_cases, (size_t)nc * sizeof *nl);
            if (!nl) break;
            g_cases = nl;
            cap = nc;
        }
        if (!(g_cases[g_n_cases] = strdup(de->d_name))) break;
        g_n_cases++;
    }
    closedir(d);
    if (g_n_cases > 1) qsort(g_cases, (size_t)g_n_cases, sizeof *g_cases, cmp_str);
    return 0;
}

/* Cases whose manifest entry lists only C-infinity activations: relu (1) and
 * celu (7) have kinks where round-off in a rotated frame could cross a branch. */
void select_smooth(void)
{
    char path[4200], errbuf[512];
    json_value *man;
    snprintf(path, sizeof path, "%s/manifest.json", g_dir);
    man = json_parse_file(path, errbuf, sizeof errbuf);
    if (!man) {
        fprintf(stderr, "WARNING: no usable manifest.json (%s): rotation tests skipped\n", errbuf);
        return;
    }
    g_smooth = calloc((size_t)g_n_cases + 1, sizeof *g_smooth);
    for (size_t i = 0; g_smooth && i < json_len(man); i++) {
        const json_value *e = json_at(man, i), *acts = json_get(e, "activations");
        const char *name = json_str(json_get(e, "case"));
        int smooth = json_is_array(acts) && json_len(acts) > 0, listed = 0;
        for (size_t k = 0; k < json_len(acts); k++) {
            double a = json_num(json_at(acts, k));
            if (!(a == 0 || a == 2 || a == 3 || a == 4 || a == 5 || a == 6)) smooth = 0;
        }
        for (int k = 0; name && k < g_n_cases; k++) listed |= strcmp(g_cases[k], name) == 0;
        if (smooth && listed && g_n_smooth < g_n_cases) g_smooth[g_n_smooth++] = strdup(name);
    }
    json_free(man);
}

int conf_main(const char *name, void (*add_tests)(Suite *suite))
{
    Suite *suite;
    int rc;
    snprintf(g_dir, sizeof g_dir, "%s/conformance", tu_shared_dir());
    if (!tu_is_dir(g_dir)) {
        fprintf(stderr, "SKIP: conformance folder %s is absent (set NNVIB_SHARED): "
                        "NO CONFORMANCE TESTS WERE RUN\n", g_dir);
        return 77;
    }
    if (scan_cases() != 0 || g_n_cases == 0) {
        fprintf(stderr, "FAIL: %s exists but holds no case folder with expected.json\n", g_dir);
        return 1;
    }
    suite = suite_create(name);
    add_tests(suite);
    rc = tu_run(suite);
    free_list(g_cases, g_n_cases);
    free_list(g_smooth, g_n_smooth);
    return rc;
}
