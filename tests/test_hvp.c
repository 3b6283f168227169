/* Unit tests of the curvature labels' numerics (src/sample/hvp.c, no libxtb):
 * probe vectors (unit, orthonormal, orthogonal to translations and rotations,
 * reproducible, isotropic) and the central-difference Hessian-vector product
 * against analytic Hessians. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sample/sample.h"
#include "testutil.h"

#define MAXN 8

/* Water (bent), carbon dioxide on a tilted axis (linear), a diatomic, one
 * atom, and an 8-atom cluster. */
static const double WATER[9] = {0.0, 0.0, 0.1173, 0.0, 0.7572, -0.4692, 0.0, -0.7572, -0.4692};
static const double CO2[9] = {0.3, -0.2, 0.1, 0.3 + 0.6712, -0.2 + 0.6712, 0.1 + 0.6712,
                              0.3 - 0.6712, -0.2 - 0.6712, 0.1 - 0.6712};
static const double H2[6] = {0.1, 0.2, 0.3, 0.5, 0.6, 0.1};
static const double ATOM[3] = {1.0, 2.0, 3.0};
static double CLUSTER[3 * MAXN];

static void make_cluster(void)
{
    uint64_t s = 7;
    for (int j = 0; j < 3 * MAXN; j++) CLUSTER[j] = 3.0 * rng_open_unit(&s) - 1.5;
}

/* The raw rigid-body vectors, built here independently of hvp.c: the three
 * translations and the three rotations e_a x (x_i - c) about the centroid. */
static void raw_rigid(int n, const double *x, double r[6][3 * MAXN])
{
    double c[3] = {0, 0, 0};
    memset(r, 0, 6 * sizeof r[0]);
    for (int i = 0; i < n; i++)
        for (int a = 0; a < 3; a++) c[a] += x[3 * i + a] / n;
    for (int i = 0; i < n; i++) {
        double d[3] = {x[3 * i] - c[0], x[3 * i + 1] - c[1], x[3 * i + 2] - c[2]};
        for (int a = 0; a < 3; a++) r[a][3 * i + a] = 1.0;
        r[3][3 * i + 1] = -d[2], r[3][3 * i + 2] = d[1];
        r[4][3 * i + 0] = d[2], r[4][3 * i + 2] = -d[0];
        r[5][3 * i + 0] = -d[1], r[5][3 * i + 1] = d[0];
    }
}

static double dot(int n, const double *a, const double *b)
{
    double s = 0.0;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

/* k probes at x: the count, unit norms, mutual and rigid-body orthogonality. */
static void check_probes(int n, const double *x, int k, int expect_count)
{
    int n3 = 3 * n, got = -1;
    double P[3 * MAXN * 3 * MAXN], r[6][3 * MAXN];
    smp_rng rng = {12345, 0, 0.0};
    nnv_error err;
    ck_assert_int_eq(smp_hvp_probes(P, &got, n, x, k, &rng, &err), NNV_OK);
    ck_assert_int_eq(got, expect_count);
    raw_rigid(n, x, r);
    for (int p = 0; p < got; p++) {
        const double *v = P + p * n3;
        ck_assert_msg(fabs(dot(n3, v, v) - 1.0) < 1e-14, "probe %d: |v|^2 = %.17g", p, dot(n3, v, v));
        for (int q = 0; q < p; q++)
            ck_assert_msg(fabs(dot(n3, v, P + q * n3)) < 1e-13, "probes %d, %d overlap", p, q);
        for (int b = 0; b < 6; b++) {
            double l = sqrt(dot(n3, r[b], r[b]));
            if (l < 1e-12) continue; /* the rotation about a linear molecule's axis is zero */
            ck_assert_msg(fabs(dot(n3, v, r[b])) / l < 1e-12, "probe %d along rigid vector %d: %.3g", p, b,
                          dot(n3, v, r[b]) / l);
        }
    }
}

START_TEST(test_rigid_basis)
{
    double B[6 * 3 * MAXN];
    make_cluster();
    ck_assert_int_eq(smp_rigid_basis(B, 3, WATER), 6);
    ck_assert_int_eq(smp_rigid_basis(B, 3, CO2), 5);
    ck_assert_int_eq(smp_rigid_basis(B, 2, H2), 5);
    ck_assert_int_eq(smp_rigid_basis(B, 1, ATOM), 3);
    ck_assert_int_eq(smp_rigid_basis(B, MAXN, CLUSTER), 6);
    /* Orthonormal, and spanning the raw vectors: each raw vector minus its
     * projection onto the basis vanishes. */
    double r[6][3 * MAXN];
    int n3 = 3 * MAXN;
    raw_rigid(MAXN, CLUSTER, r);
    for (int a = 0; a < 6; a++) {
        for (int b = 0; b <= a; b++)
            ck_assert(fabs(dot(n3, B + a * n3, B + b * n3) - (a == b)) < 1e-14);
        double rest[3 * MAXN];
        memcpy(rest, r[a], sizeof rest);
        for (int b = 0; b < 6; b++) {
            double c = dot(n3, rest, B + b * n3);
            for (int j = 0; j < n3; j++) rest[j] -= c * B[b * n3 + j];
        }
        ck_assert(sqrt(dot(n3, rest, rest)) < 1e-13 * (1.0 + sqrt(dot(n3, r[a], r[a]))));
    }
    /* A bent molecule a hair from linear keeps its third rotation; at 1e-6
     * Å off the axis (moment ratio ~1e-12, below vib.c's 1e-8) it is linear. */
    double bent[9], nearly[9];
    memcpy(bent, CO2, sizeof bent);
    memcpy(nearly, CO2, sizeof nearly);
    bent[0] += 1e-3;
    nearly[0] += 1e-6;
    ck_assert_int_eq(smp_rigid_basis(B, 3, bent), 6);
    ck_assert_int_eq(smp_rigid_basis(B, 3, nearly), 5);
}
END_TEST

START_TEST(test_probes_orthogonal)
{
    make_cluster();
    check_probes(3, WATER, 2, 2);
    check_probes(3, WATER, 5, 3); /* 3N - 6 = 3: no more directions */
    check_probes(3, CO2, 4, 4);   /* linear: 3N - 5 = 4 */
    check_probes(3, CO2, 9, 4);
    check_probes(2, H2, 2, 1);    /* a diatomic has one internal direction: the bond */
    check_probes(1, ATOM, 2, 0);
    check_probes(MAXN, CLUSTER, 7, 7);
    check_probes(MAXN, CLUSTER, 18, 18); /* the whole internal space */
    /* The diatomic's probe is the bond direction up to sign. */
    {
        double P[6], b[6];
        int got;
        smp_rng rng = {99, 0, 0.0};
        nnv_error err;
        ck_assert_int_eq(smp_hvp_probes(P, &got, 2, H2, 1, &rng, &err), NNV_OK);
        for (int a = 0; a < 3; a++) b[a] = H2[a] - H2[3 + a], b[3 + a] = -b[a];
        ck_assert(fabs(fabs(dot(6, P, b)) / sqrt(dot(6, b, b)) - 1.0) < 1e-14);
    }
}
END_TEST

START_TEST(test_probes_deterministic)
{
    double A[3 * MAXN * 4], B[3 * MAXN * 4];
    int na, nb;
    nnv_error err;
    make_cluster();
    smp_rng r1 = {20240601, 0, 0.0}, r2 = {20240601, 0, 0.0}, r3 = {20240602, 0, 0.0};
    ck_assert_int_eq(smp_hvp_probes(A, &na, MAXN, CLUSTER, 4, &r1, &err), NNV_OK);
    ck_assert_int_eq(smp_hvp_probes(B, &nb, MAXN, CLUSTER, 4, &r2, &err), NNV_OK);
    ck_assert_int_eq(na, 4);
    ck_assert(memcmp(A, B, sizeof A) == 0);
    ck_assert(r1.s == r2.s && r1.have_spare == r2.have_spare);
    ck_assert_int_eq(smp_hvp_probes(B, &nb, MAXN, CLUSTER, 4, &r3, &err), NNV_OK);
    ck_assert(memcmp(A, B, sizeof A) != 0);
    /* The next draw continues the stream: another set. */
    ck_assert_int_eq(smp_hvp_probes(B, &nb, MAXN, CLUSTER, 4, &r1, &err), NNV_OK);
    ck_assert(memcmp(A, B, sizeof A) != 0);
    ck_assert_int_eq(smp_hvp_probes(B, &nb, 0, CLUSTER, 4, &r1, &err), NNV_EUSAGE);
    ck_assert_int_eq(smp_hvp_probes(B, &nb, MAXN, CLUSTER, -1, &r1, &err), NNV_EUSAGE);
}
END_TEST

/* Uniform on the internal sphere: for a fixed internal unit vector e,
 * E[(v.e)^2] = 1/d (d = 3N - 6 = 18) with variance (2d - 2)/(d^2 (d + 2)).
 * Over 20000 draws the mean's standard deviation is 0.92 % of 1/d, so 5 % is
 * over five of them (and the seed is fixed: the test cannot flake). */
START_TEST(test_probes_isotropic)
{
    double B[6 * 3 * MAXN], e[3 * MAXN], v[3 * MAXN];
    int n3 = 3 * MAXN, d = n3 - 6, got;
    smp_rng rng = {4242, 0, 0.0}, er = {77, 0, 0.0};
    nnv_error err;
    make_cluster();
    ck_assert_int_eq(smp_rigid_basis(B, MAXN, CLUSTER), 6);
    for (int t = 0; t < 3; t++) {
        double s = 0.0, l;
        for (int j = 0; j < n3; j++) e[j] = smp_gauss(&er);
        for (int b = 0; b < 6; b++) {
            double c = dot(n3, e, B + b * n3);
            for (int j = 0; j < n3; j++) e[j] -= c * B[b * n3 + j];
        }
        l = sqrt(dot(n3, e, e));
        for (int j = 0; j < n3; j++) e[j] /= l;
        for (int draw = 0; draw < 20000; draw++) {
            ck_assert_int_eq(smp_hvp_probes(v, &got, MAXN, CLUSTER, 1, &rng, &err), NNV_OK);
            s += dot(n3, v, e) * dot(n3, v, e);
        }
        s /= 20000;
        ck_assert_msg(fabs(s * d - 1.0) < 0.05, "E[(v.e)^2] d = %.4f, expected 1", s * d);
    }
}
END_TEST

/* ---- central differences ---------------------------------------------------- */

/* f(x) = x.A x / 2 + sum_i q_i x_i^4 / 24: g = A x + q x^3 / 6 is cubic, so the
 * central difference along v is exactly H v + h^2/6 q v^3 (componentwise). */
typedef struct quartic {
    int n;
    double A[12 * 12], q[12];
    int calls, fail_at;
} quartic;

static int quartic_grad(void *ctx, const double *x, double *g, nnv_error *err)
{
    quartic *f = ctx;
    if (++f->calls == f->fail_at) return nnv_error_set(err, NNV_ENUMERIC, "test: SCF failed");
    for (int i = 0; i < f->n; i++) {
        g[i] = f->q[i] * x[i] * x[i] * x[i] / 6.0;
        for (int j = 0; j < f->n; j++) g[i] += f->A[i * f->n + j] * x[j];
    }
    return NNV_OK;
}

START_TEST(test_fd_hvp_quartic)
{
    quartic f;
    double x[12], v[12], hv[12];
    uint64_t s = 3;
    nnv_error err;
    memset(&f, 0, sizeof f);
    f.n = 12;
    for (int i = 0; i < 12; i++) {
        for (int j = 0; j <= i; j++) f.A[i * 12 + j] = f.A[j * 12 + i] = rng_open_unit(&s) - 0.5 + 5.0 * (i == j);
        f.q[i] = 20.0 * (rng_open_unit(&s) - 0.5);
        x[i] = rng_open_unit(&s) - 0.5;
        v[i] = rng_open_unit(&s) - 0.5;
    }
    const double steps[3] = {0.001, 0.01, 0.1};
    for (int t = 0; t < 3; t++) {
        double h = steps[t];
        f.calls = 0;
        ck_assert_int_eq(smp_fd_hvp(hv, 12, x, v, h, quartic_grad, &f, &err), NNV_OK);
        ck_assert_int_eq(f.calls, 2);
        for (int i = 0; i < 12; i++) {
            double exact = f.q[i] * x[i] * x[i] / 2.0 * v[i], trunc = h * h / 6.0 * f.q[i] * v[i] * v[i] * v[i];
            for (int j = 0; j < 12; j++) exact += f.A[i * 12 + j] * v[j];
            ck_assert_msg(fabs(hv[i] - exact - trunc) < 1e-9, "h %g component %d: %.12g vs %.12g + %.3g", h, i,
                          hv[i], exact, trunc);
        }
    }
    /* A failing gradient call is passed on; a bad step or size refused. */
    f.calls = 0;
    f.fail_at = 2;
    ck_assert_int_eq(smp_fd_hvp(hv, 12, x, v, 0.001, quartic_grad, &f, &err), NNV_ENUMERIC);
    ck_assert_ptr_nonnull(strstr(err.message, "SCF failed"));
    ck_assert_int_eq(smp_fd_hvp(hv, 12, x, v, 0.0, quartic_grad, &f, &err), NNV_EUSAGE);
    ck_assert_int_eq(smp_fd_hvp(hv, 12, x, v, -1e-3, quartic_grad, &f, &err), NNV_EUSAGE);
    ck_assert_int_eq(smp_fd_hvp(hv, 0, x, v, 1e-3, quartic_grad, &f, &err), NNV_EUSAGE);
}
END_TEST

/* A molecule-like function: Morse pairs, E = sum D (1 - exp(-a (r - r0)))^2,
 * with its analytic Hessian; the error of the central difference falls as h^2
 * (ratio 4 per halving) until rounding. */
static void morse(int n, const double *x, double *g, double *H)
{
    const double D = 4.0, a = 2.0, r0 = 1.0;
    int n3 = 3 * n;
    if (g) memset(g, 0, (size_t)n3 * sizeof *g);
    if (H) memset(H, 0, (size_t)n3 * (size_t)n3 * sizeof *H);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            double d[3], r = 0.0;
            for (int c = 0; c < 3; c++) d[c] = x[3 * i + c] - x[3 * j + c], r += d[c] * d[c];
            r = sqrt(r);
            double e = exp(-a * (r - r0));
            double dE = 2.0 * D * a * e * (1.0 - e), d2E = 2.0 * D * a * a * e * (2.0 * e - 1.0);
            for (int c = 0; c < 3; c++) {
                if (g) g[3 * i + c] += dE * d[c] / r, g[3 * j + c] -= dE * d[c] / r;
                if (!H) continue;
                for (int b = 0; b < 3; b++) {
                    double u = d[c] * d[b] / (r * r);
                    double k = d2E * u + dE / r * ((c == b) - u);
                    H[(3 * i + c) * n3 + 3 * i + b] += k;
                    H[(3 * j + c) * n3 + 3 * j + b] += k;
                    H[(3 * i + c) * n3 + 3 * j + b] -= k;
                    H[(3 * j + c) * n3 + 3 * i + b] -= k;
                }
            }
        }
}

static int morse_grad(void *ctx, const double *x, double *g, nnv_error *err)
{
    (void)err;
    morse(*(int *)ctx, x, g, NULL);
    return NNV_OK;
}

START_TEST(test_fd_hvp_morse)
{
    int n = MAXN, n3 = 3 * MAXN, got;
    double H[3 * MAXN * 3 * MAXN], v[3 * MAXN], hv[3 * MAXN], exact[3 * MAXN], e_prev = 0.0;
    smp_rng rng = {5, 0, 0.0};
    nnv_error err;
    make_cluster();
    morse(n, CLUSTER, NULL, H);
    ck_assert_int_eq(smp_hvp_probes(v, &got, n, CLUSTER, 1, &rng, &err), NNV_OK);
    for (int i = 0; i < n3; i++) exact[i] = dot(n3, H + i * n3, v);
    for (double h = 0.02; h > 0.002; h /= 2) {
        double e = 0.0;
        ck_assert_int_eq(smp_fd_hvp(hv, n3, CLUSTER, v, h, morse_grad, &n, &err), NNV_OK);
        for (int i = 0; i < n3; i++) e += (hv[i] - exact[i]) * (hv[i] - exact[i]);
        e = sqrt(e / dot(n3, exact, exact));
        /* Measured: e = 3.05 h^2 (1/A^2) here; the h^2 law itself is the ratio. */
        ck_assert_msg(e < 4.0 * h * h, "h %g: relative error %.3g", h, e);
        if (e_prev > 0.0) ck_assert_msg(fabs(e_prev / e - 4.0) < 0.1, "h %g: error ratio %.3f, not 4", h, e_prev / e);
        e_prev = e;
    }
    /* The analytic Hessian itself is right: central differences of the
     * analytic gradient along every coordinate. */
    for (int j = 0; j < n3; j++) {
        double xp[3 * MAXN], xm[3 * MAXN], gp[3 * MAXN], gm[3 * MAXN];
        memcpy(xp, CLUSTER, sizeof xp);
        memcpy(xm, CLUSTER, sizeof xm);
        xp[j] += 1e-5, xm[j] -= 1e-5;
        morse(n, xp, gp, NULL);
        morse(n, xm, gm, NULL);
        for (int i = 0; i < n3; i++) ck_assert(fabs((gp[i] - gm[i]) / 2e-5 - H[i * n3 + j]) < 1e-6 * (1 + fabs(H[i * n3 + j])));
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hvp");
    TCase *tc = tcase_create("probes");
    tcase_add_test(tc, test_rigid_basis);
    tcase_add_test(tc, test_probes_orthogonal);
    tcase_add_test(tc, test_probes_deterministic);
    tcase_add_test(tc, test_probes_isotropic);
    suite_add_tcase(s, tc);
    tc = tcase_create("central differences");
    tcase_add_test(tc, test_fd_hvp_quartic);
    tcase_add_test(tc, test_fd_hvp_morse);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
