/* Helpers shared by the unit tests: one comparison metric, paths to data,
 * the shipped potentials and molecules, temporary folders and files, the
 * n2p2 test potential, the analyses the writers' tests write out. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, opendir, strdup */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

char *tu_join(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *p = malloc(na + nb + 2);
    ck_assert_ptr_nonnull(p);
    memcpy(p, a, na);
    p[na] = '/';
    memcpy(p + na + 1, b, nb + 1);
    return p;
}

char *tu_tmpdir(void)
{
    char *d = malloc(64);
    ck_assert_ptr_nonnull(d);
    snprintf(d, 64, "/tmp/nnvib-test.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(d));
    return d;
}

void tu_rmtree(char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[1024];
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (remove(path) != 0) rmdir(path);
    }
    if (d) closedir(d);
    rmdir(dir);
    free(dir);
}

int tu_dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

void tu_write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    ck_assert(fwrite(text, 1, strlen(text), f) == strlen(text));
    ck_assert(fclose(f) == 0);
}

char *tu_copy_to_temp(const char *src)
{
    char *dir = tu_tmpdir();
    DIR *d = opendir(src);
    struct dirent *de;
    ck_assert_msg(d != NULL, "cannot open %s", src);
    while ((de = readdir(d)) != NULL) {
        char *from, *to, *text;
        struct stat st;
        if (de->d_name[0] == '.') continue;
        from = tu_join(src, de->d_name);
        if (stat(from, &st) == 0 && S_ISREG(st.st_mode)) {
            to = tu_join(dir, de->d_name);
            text = tu_read_file(from, NULL);
            ck_assert_msg(text != NULL, "cannot read %s", from);
            tu_write_text(to, text);
            free(text);
            free(to);
        }
        free(from);
    }
    closedir(d);
    return dir;
}

int tu_patch_line(const char *dir, const char *name, const char *old, const char *new_line)
{
    char *path = tu_join(dir, name), *text = tu_read_file(path, NULL), *out, *s;
    size_t cap;
    int ln = 0, found = 0;
    ck_assert_msg(text != NULL, "cannot read %s", path);
    cap = strlen(text) + (new_line ? strlen(new_line) : 0) + 4;
    out = calloc(cap, 1);
    ck_assert_ptr_nonnull(out);
    s = text;
    while (*s) {
        char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        ln++;
        if (!found && old && len == strlen(old) && strncmp(s, old, len) == 0) {
            found = ln;
            if (new_line) {
                strcat(out, new_line);
                strcat(out, "\n");
            }
        } else {
            strncat(out, s, len);
            strcat(out, "\n");
        }
        s += len + (nl ? 1 : 0);
    }
    if (!old) {
        strcat(out, new_line);
        strcat(out, "\n");
        found = ln + 1;
    }
    ck_assert_msg(found, "%s: line \"%s\" not found", path, old);
    tu_write_text(path, out);
    free(out);
    free(text);
    free(path);
    return found;
}

char *tu_n2p2_scrambled(void)
{
    return tu_join(tu_srcdir(), "tests/data/n2p2/scrambled");
}

nnv_potential *tu_n2p2_convert(const char *dir, int lu, int eu)
{
    nnv_potential *p = NULL;
    nnv_error err = {0, ""};
    nnv_n2p2_options o = {lu, eu};
    int rc = nnv_n2p2_read(&p, dir, &o, &err);
    ck_assert_msg(rc == NNV_OK, "%s: %s", dir, err.message);
    ck_assert_ptr_nonnull(p);
    return p;
}

void tu_fixture_methane(tu_fixture *fx)
{
    char xyz[1024], bin[1024];
    nnv_error err = {0, ""};
    memset(fx, 0, sizeof *fx);
    snprintf(xyz, sizeof xyz, "%s/molecules/methane.xyz", tu_srcdir());
    snprintf(bin, sizeof bin, "%s/weights/test-CH-softplus-random.bin", tu_srcdir());
    ck_assert_msg(nnv_structure_read_xyz(&fx->s, xyz, 0, &err) == NNV_OK, "%s", err.message);
    ck_assert_msg(nnv_potential_read(&fx->p, bin, &err) == NNV_OK, "%s", err.message);
    ck_assert_msg(nnv_compute(&fx->r, fx->p, fx->s,
                              TU_WANT(NNV_WANT_FORCES | NNV_WANT_HESSIAN | NNV_WANT_CHARGES | NNV_WANT_DIPOLE_DERIV),
                              &err) == NNV_OK,
                  "%s", err.message);
    ck_assert_msg(nnv_vib_analyse(&fx->v, fx->s->n_atoms, fx->s->xyz, fx->s->masses, fx->r->hessian,
                                  fx->r->dipole_deriv, NNV_LINEAR_AUTO, &err) == NNV_OK,
                  "%s", err.message);
    ck_assert_ptr_nonnull(fx->v->ir_intensities);
    ck_assert_int_eq(fx->v->n_modes, 9);
}

void tu_fixture_water(tu_fixture *fx, const char *comment)
{
    static const int Z[3] = {8, 1, 1};
    static const double xyz[9] = {0, 0, 0.1173, 0, 0.7572, -0.4692, 0, -0.7572, -0.4692};
    static const double freq[3] = {-120.5, 1595.25, 3657.125};
    nnv_error err = {0, ""};
    memset(fx, 0, sizeof *fx);
    ck_assert(nnv_structure_new(&fx->s, 3, Z, xyz, &err) == NNV_OK);
    if (comment) {
        free(fx->s->comment);
        fx->s->comment = strdup(comment);
        ck_assert_ptr_nonnull(fx->s->comment);
    }
    fx->v = calloc(1, sizeof *fx->v);
    ck_assert_ptr_nonnull(fx->v);
    fx->v->n_atoms = 3;
    fx->v->n_rigid = 6;
    fx->v->n_modes = 3;
    fx->v->frequencies = malloc(3 * sizeof(double));
    fx->v->modes = malloc(27 * sizeof(double));
    ck_assert(fx->v->frequencies && fx->v->modes);
    memcpy(fx->v->frequencies, freq, sizeof freq);
    for (int k = 0; k < 27; k++) fx->v->modes[k] = 0.01 * (k + 1) * ((k % 2) ? -1 : 1);
}

void tu_fixture_free(tu_fixture *fx)
{
    nnv_vib_free(fx->v);
    nnv_result_free(fx->r);
    nnv_potential_free(fx->p);
    nnv_structure_free(fx->s);
}
