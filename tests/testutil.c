/* Helpers shared by the unit tests: one comparison metric, paths to data,
 * the shipped potentials and molecules. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "testutil.h"

int tu_close(double x, double ref, double abs_tol, double rel_tol)
{
    double d = fabs(x - ref);
    if (!(d == d)) return 0;
    return d <= abs_tol || d <= rel_tol * fabs(ref);
}

double tu_scaled_err(double x, double y)
{
    double m = fmax(fabs(x), fabs(y));
    return fabs(x - y) / (1.0 + m);
}

const char *tu_shared_dir(void)
{
    const char *s = getenv("NNVIB_SHARED");
    return (s && *s) ? s : "../shared";
}

const char *tu_srcdir(void)
{
    const char *s = getenv("NNVIB_SRCDIR");
    return (s && *s) ? s : ".";
}

int tu_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) goto done;
    buf = malloc((size_t)n + 1);
    if (!buf) goto done;
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; goto done; }
    buf[n] = '\0';
    if (len) *len = (size_t)n;
done:
    fclose(f);
    return buf;
}

int tu_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* SRCDIR/dir/name in buf. */
static const char *src_path(char *buf, size_t n, const char *dir, const char *name)
{
    snprintf(buf, n, "%s/%s/%s", tu_srcdir(), dir, name);
    return buf;
}

nnv_potential *tu_potential(const char *name)
{
    char path[4096];
    nnv_potential *p = NULL;
    nnv_error err;
    ck_assert_msg(nnv_potential_read(&p, src_path(path, sizeof path, "weights", name), &err) == NNV_OK, "%s",
                  err.message);
    return p;
}

nnv_structure *tu_molecule(const char *name)
{
    char path[4096];
    nnv_structure *s = NULL;
    nnv_error err;
    ck_assert_msg(nnv_structure_read_xyz(&s, src_path(path, sizeof path, "molecules", name), 0, &err) == NNV_OK,
                  "%s", err.message);
    return s;
}
