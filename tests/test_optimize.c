/* Unit tests of the L-BFGS optimiser (optimize.c) on analytic functions
 * (convergence, NaN and failing callbacks, the step limit) and, when the
 * shared conformance potential is there, of nnv_optimize on a real one. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"
#include "testutil.h"

/* ---- optimiser ------------------------------------------------------------ */

static int quad_fn(void *ctx, const double *x, double *f, double *g, nnv_error *err)
{
    (void)ctx;
    (void)err;
    static const double a[6] = {1, 2, 5, 10, 50, 100}, c[6] = {1, -2, 3, 0.5, -0.25, 2};
    *f = 7.0;
    for (int i = 0; i < 6; i++) {
        *f += 0.5 * a[i] * (x[i] - c[i]) * (x[i] - c[i]);
        g[i] = a[i] * (x[i] - c[i]);
    }
    return NNV_OK;
}

static int rosen_fn(void *ctx, const double *x, double *f, double *g, nnv_error *err)
{
    (void)ctx;
    (void)err;
    double a = 1 - x[0], b = x[1] - x[0] * x[0];
    *f = a * a + 100 * b * b;
    g[0] = -2 * a - 400 * x[0] * b;
    g[1] = 200 * b;
    return NNV_OK;
}

/* A quadratic that becomes NaN beyond x0 = 0.5 (on the way to its minimum). */
static int nan_fn(void *ctx, const double *x, double *f, double *g, nnv_error *err)
{
    (void)ctx;
    (void)err;
    *f = (x[0] - 1) * (x[0] - 1);
    g[0] = 2 * (x[0] - 1);
    if (x[0] > 0.5) *f = NAN;
    return NNV_OK;
}

static int fail_fn(void *ctx, const double *x, double *f, double *g, nnv_error *err)
{
    (void)ctx;
    (void)x;
    (void)f;
    (void)g;
    return nnv_error_set(err, NNV_EIO, "callback failed");
}

START_TEST(test_lbfgs_quadratic)
{
    double x[6] = {0, 0, 0, 0, 0, 0};
    opt_lbfgs_options o = {200, 1e-10, 0.5, 3, 10};
    opt_lbfgs_report r;
    nnv_error err = {0, ""};
    ck_assert_int_eq(opt_lbfgs(6, x, quad_fn, NULL, &o, &r, &err), NNV_OK);
    ck_assert_int_eq(r.converged, 1);
    ck_assert(r.gmax <= 1e-10);
    const double c[6] = {1, -2, 3, 0.5, -0.25, 2};
    for (int i = 0; i < 6; i++) ck_assert(tu_close(x[i], c[i], 1e-10, 0));
    ck_assert(tu_close(r.f, 7.0, 1e-15, 0));
    ck_assert(r.steps > 1 && r.steps < 100);
}
END_TEST

START_TEST(test_lbfgs_rosenbrock)
{
    double x[2] = {-1.2, 1.0};
    opt_lbfgs_options o = {2000, 1e-9, 0.5, 1, 10};
    opt_lbfgs_report r;
    nnv_error err = {0, ""};
    ck_assert_int_eq(opt_lbfgs(2, x, rosen_fn, NULL, &o, &r, &err), NNV_OK);
    ck_assert_int_eq(r.converged, 1);
    ck_assert(tu_close(x[0], 1.0, 1e-8, 0));
    ck_assert(tu_close(x[1], 1.0, 1e-8, 0));
    ck_assert(r.f < 1e-16);

    /* Step limit: not converged, still NNV_OK, exactly max_steps taken. */
    double y[2] = {-1.2, 1.0};
    o.max_steps = 3;
    ck_assert_int_eq(opt_lbfgs(2, y, rosen_fn, NULL, &o, &r, &err), NNV_OK);
    ck_assert_int_eq(r.converged, 0);
    ck_assert_int_eq(r.steps, 3);
    ck_assert(r.f < 24.2); /* f(-1.2, 1) = 24.2: the steps went downhill */
}
END_TEST

START_TEST(test_lbfgs_errors)
{
    double x[1] = {0.0};
    opt_lbfgs_options o = {100, 1e-10, 0.3, 1, 5};
    opt_lbfgs_report r;
    nnv_error err = {0, ""};
    ck_assert_int_eq(opt_lbfgs(1, x, nan_fn, NULL, &o, &r, &err), NNV_ENUMERIC);
    ck_assert(strstr(err.message, "non-finite") != NULL);
    x[0] = 0.0;
    ck_assert_int_eq(opt_lbfgs(1, x, fail_fn, NULL, &o, &r, &err), NNV_EIO);
    o.max_step = 0;
    ck_assert_int_eq(opt_lbfgs(1, x, quad_fn, NULL, &o, &r, &err), NNV_EUSAGE);
    o.max_step = 0.3;
    o.block = 3; /* 1 is not a multiple of 3 */
    ck_assert_int_eq(opt_lbfgs(1, x, quad_fn, NULL, &o, &r, &err), NNV_EUSAGE);
}
END_TEST

START_TEST(test_lbfgs_max_step)
{
    /* Every accepted step moves a block by at most max_step: from 0 to c = 1
     * along x0 with max_step 0.1 needs at least 10 steps. */
    double x[6] = {0, -2, 3, 0.5, -0.25, 2};
    opt_lbfgs_options o = {200, 1e-10, 0.1, 3, 10};
    opt_lbfgs_report r;
    nnv_error err = {0, ""};
    ck_assert_int_eq(opt_lbfgs(6, x, quad_fn, NULL, &o, &r, &err), NNV_OK);
    ck_assert_int_eq(r.converged, 1);
    ck_assert(r.steps >= 10);
}
END_TEST

START_TEST(test_optimize_methane)
{
    char wpath[1024], xpath[1024];
    const char *sh = tu_shared_dir();
    snprintf(wpath, sizeof wpath, "%s/conformance/exact_act2/weights.bin", sh);
    snprintf(xpath, sizeof xpath, "%s/conformance/exact_act2/molecule.xyz", sh);
    FILE *fp = fopen(wpath, "rb");
    if (!fp) {
        fprintf(stderr, "test_optimize: SKIP optimize on exact_act2: %s not found\n", wpath);
        return;
    }
    fclose(fp);
    nnv_error err = {0, ""};
    nnv_potential *p = NULL;
    nnv_structure *s = NULL;
    nnv_result *r0 = NULL, *r1 = NULL;
    ck_assert_msg(nnv_potential_read(&p, wpath, &err) == NNV_OK, "%s", err.message);
    ck_assert_msg(nnv_structure_read_xyz(&s, xpath, 0, &err) == NNV_OK, "%s", err.message);
    ck_assert_msg(nnv_compute(&r0, p, s, TU_WANT(NNV_WANT_FORCES), &err) == NNV_OK, "%s", err.message);
    nnv_opt_options o = {0, 0, 0};
    nnv_opt_report rep;
    ck_assert_msg(nnv_optimize(s, p, &o, &rep, &err) == NNV_OK, "%s", err.message);
    ck_assert_msg(rep.converged == 1, "not converged in %d steps, max force %g", rep.steps, rep.max_force);
    ck_assert(rep.max_force <= 1e-5);
    ck_assert(rep.energy < r0->energy);
    /* The report matches a fresh evaluation at the returned geometry. */
    ck_assert(nnv_compute(&r1, p, s, TU_WANT(NNV_WANT_FORCES), &err) == NNV_OK);
    ck_assert(tu_close(r1->energy, rep.energy, 1e-12, 0));
    double fm = 0;
    for (int j = 0; j < 3 * s->n_atoms; j++) fm = fmax(fm, fabs(r1->forces[j]));
    ck_assert(fm <= 1e-5);
    nnv_result_free(r0);
    nnv_result_free(r1);
    nnv_structure_free(s);
    nnv_potential_free(p);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("optimize");
    TCase *to = tcase_create("optimiser");
    tcase_add_test(to, test_lbfgs_quadratic);
    tcase_add_test(to, test_lbfgs_rosenbrock);
    tcase_add_test(to, test_lbfgs_errors);
    tcase_add_test(to, test_lbfgs_max_step);
    tcase_add_test(to, test_optimize_methane);
    suite_add_tcase(su, to);
    return tu_run(su);
}
