/* Unit tests of the vibrational analysis (vib.c) against spring models with
 * hand-derived normal modes, of the L-BFGS optimiser (optimize.c) on
 * analytic functions and, when the model is available, on a real potential,
 * and of the analysis pipeline (analyse.c) against its steps taken one by one. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

#define M_C 12.0
#define M_O 15.99491461957
#define M_H 1.00782503223

/* ---- spring models ----------------------------------------------------------
 * E = sum over springs of k/2 (|r_ij| - r0)^2 at r = r0: the Hessian is
 * k u u^T on the diagonal blocks and -k u u^T off them (u the unit bond vector);
 * it is exactly translation- and rotation-invariant. */
typedef struct spring { int i, j; double k; } spring;

static void add_springs(double *H, int n_atoms, const double *xyz, const spring *sp, int n_sp)
{
    int n = 3 * n_atoms;
    for (int s = 0; s < n_sp; s++) {
        int i = sp[s].i, j = sp[s].j;
        double u[3], len = 0.0;
        for (int c = 0; c < 3; c++) {
            u[c] = xyz[3 * j + c] - xyz[3 * i + c];
            len += u[c] * u[c];
        }
        len = sqrt(len);
        for (int c = 0; c < 3; c++) u[c] /= len;
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) {
                double v = sp[s].k * u[a] * u[b];
                H[(3 * i + a) * n + 3 * i + b] += v;
                H[(3 * j + a) * n + 3 * j + b] += v;
                H[(3 * i + a) * n + 3 * j + b] -= v;
                H[(3 * j + a) * n + 3 * i + b] -= v;
            }
    }
}

static double *spring_hessian(int n_atoms, const double *xyz, const spring *sp, int n_sp)
{
    double *H = calloc((size_t)(9 * n_atoms * n_atoms), sizeof *H);
    ck_assert_ptr_nonnull(H);
    add_springs(H, n_atoms, xyz, sp, n_sp);
    return H;
}

static double lam_to_cm1(double lam) { return (lam < 0 ? -1.0 : 1.0) * sqrt(fabs(lam)) * NNV_CM1_FACTOR; }

/* Methane-like: C at the origin, H on alternate cube corners, C-H springs k1
 * and H-H springs k2 (the tetrahedron of H is rigid, so no zero modes). */
static const double ch4_xyz[15] = {0, 0, 0, 0.629, 0.629, 0.629, -0.629, -0.629, 0.629,
                                   -0.629, 0.629, -0.629, 0.629, -0.629, -0.629};
static const double ch4_m[5] = {M_C, M_H, M_H, M_H, M_H};
static const spring ch4_sp[10] = {{0, 1, 30.0}, {0, 2, 30.0}, {0, 3, 30.0}, {0, 4, 30.0}, {1, 2, 3.0},
                                  {1, 3, 3.0},  {1, 4, 3.0},  {2, 3, 3.0},  {2, 4, 3.0},  {3, 4, 3.0}};

/* Water-like triangle in a general orientation, all three pairs bonded. */
static const double h2o_xyz[9] = {0.1, -0.2, 0.3, 0.85, 0.39, 0.31, -0.62, 0.41, 0.25};
static const double h2o_m[3] = {M_O, M_H, M_H};
static const spring h2o_sp[3] = {{0, 1, 50.0}, {0, 2, 50.0}, {1, 2, 5.0}};

static nnv_vib *analyse_ok(int n_atoms, const double *xyz, const double *m, const double *H,
                           const double *dd, int linear)
{
    nnv_vib *v = NULL;
    nnv_error err = {0, ""};
    int rc = nnv_vib_analyse(&v, n_atoms, xyz, m, H, dd, linear, &err);
    ck_assert_msg(rc == NNV_OK, "nnv_vib_analyse failed: %s", err.message);
    ck_assert_ptr_nonnull(v);
    return v;
}

START_TEST(test_diatomic)
{
    /* CO along a skew direction; frequency sqrt(k/mu_red) with mu_red = m1 m2/(m1+m2).
     * Spec's reduced mass 1/sum|l|^2 for a two-atom stretch works out to
     * m1 m2 (m1+m2)/(m1^2+m2^2) (= mu_red only for equal masses). */
    const double k = 120.0, u[3] = {0.48, -0.6, 0.64}, r0 = 1.128;
    double xyz[6] = {0.3, 0.2, -0.1, 0, 0, 0};
    for (int c = 0; c < 3; c++) xyz[3 + c] = xyz[c] + r0 * u[c];
    const double m[2] = {M_C, M_O};
    spring sp = {0, 1, k};
    double *H = spring_hessian(2, xyz, &sp, 1);
    nnv_vib *v = analyse_ok(2, xyz, m, H, NULL, NNV_LINEAR_AUTO);
    double mured = M_C * M_O / (M_C + M_O);
    double mug = M_C * M_O * (M_C + M_O) / (M_C * M_C + M_O * M_O);
    ck_assert_int_eq(v->linear, 1);
    ck_assert_int_eq(v->n_rigid, 5);
    ck_assert_int_eq(v->n_modes, 1);
    ck_assert(tu_close(v->principal_moments[0], 0.0, 1e-12, 0));
    ck_assert(tu_close(v->principal_moments[2], mured * r0 * r0, 0, 1e-12));
    ck_assert(tu_close(v->eigenvalues[0], k / mured, 0, 1e-12));
    ck_assert(tu_close(v->frequencies[0], sqrt(k / mured) * NNV_CM1_FACTOR, 1e-8, 0));
    ck_assert(tu_close(v->reduced_masses[0], mug, 0, 1e-12));
    ck_assert(tu_close(v->force_constants[0], k / mured * mug * NNV_MDYN_A_PER_EV_A2, 0, 1e-12));
    /* Mode: atoms move along u in opposite senses, amplitudes inverse to mass. */
    double norm = sqrt(1.0 / (M_C * M_C) + 1.0 / (M_O * M_O));
    for (int c = 0; c < 3; c++) {
        ck_assert(tu_close(fabs(v->modes[c]), fabs(u[c]) / M_C / norm, 1e-12, 0));
        ck_assert(tu_close(v->modes[c] * v->modes[3 + c], -u[c] * u[c] / (M_C * M_O * norm * norm), 1e-12, 0));
    }
    ck_assert_ptr_null(v->ir_intensities);
    nnv_vib_free(v);

    /* Homonuclear: mu = m (Gaussian convention), force constant 2 k. */
    const double mh[2] = {M_H, M_H};
    v = analyse_ok(2, xyz, mh, H, NULL, NNV_LINEAR_AUTO);
    ck_assert(tu_close(v->frequencies[0], sqrt(2.0 * k / M_H) * NNV_CM1_FACTOR, 1e-8, 0));
    ck_assert(tu_close(v->reduced_masses[0], M_H, 0, 1e-12));
    ck_assert(tu_close(v->force_constants[0], 2.0 * k * NNV_MDYN_A_PER_EV_A2, 0, 1e-12));
    nnv_vib_free(v);
    free(H);
}
END_TEST

START_TEST(test_co2_linear)
{
    /* O-C-O on the z axis with C-O springs only: symmetric stretch sqrt(k/m_O),
     * asymmetric stretch sqrt(k (1/m_O + 2/m_C)), two zero bends. */
    const double k = 100.0, r = 1.16;
    const double xyz[9] = {0, 0, -r, 0, 0, 0, 0, 0, r};
    const double m[3] = {M_O, M_C, M_O};
    const spring sp[2] = {{0, 1, k}, {1, 2, k}};
    double *H = spring_hessian(3, xyz, sp, 2);
    nnv_vib *v = analyse_ok(3, xyz, m, H, NULL, NNV_LINEAR_AUTO);
    ck_assert_int_eq(v->linear, 1);
    ck_assert_int_eq(v->n_rigid, 5);
    ck_assert_int_eq(v->n_modes, 4);
    ck_assert(fabs(v->eigenvalues[0]) < 1e-10 && fabs(v->eigenvalues[1]) < 1e-10);
    ck_assert(tu_close(v->frequencies[2], sqrt(k / M_O) * NNV_CM1_FACTOR, 1e-8, 0));
    ck_assert(tu_close(v->frequencies[3], sqrt(k * (1 / M_O + 2 / M_C)) * NNV_CM1_FACTOR, 1e-8, 0));
    ck_assert(tu_close(v->reduced_masses[2], M_O, 0, 1e-12)); /* only the O atoms move */
    /* Symmetric stretch: C still, O atoms apart along z. */
    const double *ms = v->modes + 2 * 9;
    ck_assert(tu_close(ms[5], 0.0, 1e-12, 0));
    /* The two O components tie in size: the first one is made positive. */
    ck_assert(tu_close(ms[2], sqrt(0.5), 1e-12, 0));
    ck_assert(tu_close(ms[8], -sqrt(0.5), 1e-12, 0));
    nnv_vib_free(v);

    /* Add a bend term kb/2 (x1 - 2 x2 + x3)^2 in x and y: the doubly degenerate
     * bend then has lambda = kb (2/m_O + 4/m_C). */
    const double kb = 2.0, w[3] = {1, -2, 1};
    for (int c = 0; c < 2; c++)
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) H[(3 * a + c) * 9 + 3 * b + c] += kb * w[a] * w[b];
    v = analyse_ok(3, xyz, m, H, NULL, NNV_LINEAR_AUTO);
    double lb = kb * (2 / M_O + 4 / M_C);
    ck_assert(tu_close(v->eigenvalues[0], lb, 0, 1e-12));
    ck_assert(tu_close(v->eigenvalues[1], lb, 0, 1e-12));
    ck_assert(tu_close(v->frequencies[0], lam_to_cm1(lb), 1e-8, 0));
    nnv_vib_free(v);

    /* Forcing non-linear on an exactly linear geometry is refused. */
    nnv_error err = {0, ""};
    v = NULL;
    ck_assert_int_eq(nnv_vib_analyse(&v, 3, xyz, m, H, NULL, NNV_LINEAR_NO, &err), NNV_EINPUT);
    ck_assert_ptr_null(v);
    ck_assert(strstr(err.message, "linear") != NULL);
    free(H);
}
END_TEST

START_TEST(test_water)
{
    double *H = spring_hessian(3, h2o_xyz, h2o_sp, 3);
    nnv_vib *v = analyse_ok(3, h2o_xyz, h2o_m, H, NULL, NNV_LINEAR_AUTO);
    ck_assert_int_eq(v->linear, 0);
    ck_assert_int_eq(v->n_rigid, 6);
    ck_assert_int_eq(v->n_modes, 3);
    for (int k = 0; k < 3; k++) ck_assert(v->frequencies[k] > 100.0);
    /* Sum of eigenvalues = trace of M^-1/2 H M^-1/2 (the rigid modes carry 0):
     * sum over springs of k (1/m_i + 1/m_j). */
    double tr = 0.0, ref = 0.0;
    for (int k = 0; k < 3; k++) tr += v->eigenvalues[k];
    for (int s = 0; s < 3; s++) ref += h2o_sp[s].k * (1 / h2o_m[h2o_sp[s].i] + 1 / h2o_m[h2o_sp[s].j]);
    ck_assert(tu_close(tr, ref, 0, 1e-12));
    nnv_vib_free(v);

    /* Linear override on a bent molecule keeps 5 rigid modes, 4 vibrations; the
     * rotation left in the vibrational space shows up as a zero mode. */
    v = analyse_ok(3, h2o_xyz, h2o_m, H, NULL, NNV_LINEAR_YES);
    ck_assert_int_eq(v->linear, 1);
    ck_assert_int_eq(v->n_rigid, 5);
    ck_assert_int_eq(v->n_modes, 4);
    ck_assert(fabs(v->eigenvalues[0]) < 1e-10);
    ck_assert(v->frequencies[1] > 100.0);
    nnv_vib_free(v);
    free(H);
}
END_TEST

START_TEST(test_single_atom)
{
    const double xyz[3] = {1, 2, 3}, m[1] = {M_O}, H[9] = {0};
    nnv_vib *v = analyse_ok(1, xyz, m, H, NULL, NNV_LINEAR_AUTO);
    ck_assert_int_eq(v->n_modes, 0);
    ck_assert_int_eq(v->n_rigid, 3);
    nnv_vib_free(v);
    nnv_vib_free(NULL);
}
END_TEST

START_TEST(test_methane)
{
    double *H = spring_hessian(5, ch4_xyz, ch4_sp, 10);
    nnv_vib *v = analyse_ok(5, ch4_xyz, ch4_m, H, NULL, NNV_LINEAR_AUTO);
    ck_assert_int_eq(v->linear, 0);
    ck_assert_int_eq(v->n_modes, 9);
    /* Spherical top: three equal moments 8 m_H a^2 (a = 0.629). */
    for (int k = 0; k < 3; k++)
        ck_assert(tu_close(v->principal_moments[k], 8 * M_H * 0.629 * 0.629, 0, 1e-12));
    /* A1 breathing mode: H radial, C still, lambda = (k1 + 4 k2)/m_H (each H-H
     * distance changes by sqrt(8/3) times the radial step), mu = m_H. */
    double la1 = (30.0 + 4 * 3.0) / M_H;
    int found = -1;
    for (int k = 0; k < 9; k++) {
        ck_assert(v->frequencies[k] > 100.0);
        if (tu_close(v->eigenvalues[k], la1, 0, 1e-10)) found = k;
    }
    ck_assert_msg(found >= 0, "A1 mode with lambda %g not found", la1);
    ck_assert(tu_close(v->reduced_masses[found], M_H, 0, 1e-10));
    const double *a1 = v->modes + (size_t)found * 15;
    double sg = 1.0; /* all H components tie in size: the first, H1 x, is positive */
    for (int c = 0; c < 3; c++) ck_assert(fabs(a1[c]) < 1e-10);
    for (int i = 1; i < 5; i++)
        for (int c = 0; c < 3; c++) ck_assert(tu_close(sg * a1[3 * i + c], ch4_xyz[3 * i + c] / 0.629 / sqrt(12.0), 1e-10, 0));
    /* Td symmetry: eigenvalue multiplicities 1 + 2 + 3 + 3. */
    int groups[9], ng = 0, cnt = 1;
    for (int k = 1; k <= 9; k++) {
        if (k < 9 && tu_close(v->eigenvalues[k], v->eigenvalues[k - 1], 0, 1e-9)) { cnt++; continue; }
        groups[ng++] = cnt;
        cnt = 1;
    }
    int ones = 0, twos = 0, threes = 0;
    for (int g = 0; g < ng; g++) {
        ones += groups[g] == 1;
        twos += groups[g] == 2;
        threes += groups[g] == 3;
    }
    ck_assert_int_eq(ones, 1);
    ck_assert_int_eq(twos, 1);
    ck_assert_int_eq(threes, 2);
    nnv_vib_free(v);
    free(H);
}
END_TEST

/* Mode properties on any result: M-orthonormality of sqrt(mu) l, orthogonality
 * to translations and rotations, H l = lambda M l, sign convention. */
static void check_modes(const nnv_vib *v, const double *xyz, const double *m, const double *H)
{
    int N = v->n_atoms, n = 3 * N;
    double com[3] = {0, 0, 0}, mt = 0;
    for (int i = 0; i < N; i++) {
        mt += m[i];
        for (int c = 0; c < 3; c++) com[c] += m[i] * xyz[3 * i + c];
    }
    for (int c = 0; c < 3; c++) com[c] /= mt;
    for (int k = 0; k < v->n_modes; k++) {
        const double *a = v->modes + (size_t)k * (size_t)n;
        double big = 0, nrm = 0;
        int ib = 0;
        for (int j = 0; j < n; j++) {
            nrm += a[j] * a[j];
            if (fabs(a[j]) > big) { big = fabs(a[j]); ib = j; }
        }
        ck_assert(tu_close(nrm, 1.0, 1e-12, 0));
        /* Sign rule: the first component of (tied, to 1e-9) largest size is positive. */
        for (int j = 0; j < ib; j++)
            if (fabs(a[j]) >= big * (1 - 1e-9)) { ib = j; break; }
        ck_assert_msg(a[ib] > 0, "mode %d: largest component negative", k);
        for (int l = 0; l < v->n_modes; l++) {
            const double *b = v->modes + (size_t)l * (size_t)n;
            double s = 0;
            for (int j = 0; j < n; j++) s += m[j / 3] * a[j] * b[j];
            s /= sqrt(v->reduced_masses[k] * v->reduced_masses[l]); /* mode = sqrt(mu) l */
            ck_assert_msg(tu_close(s, k == l ? 1.0 : 0.0, 1e-10, 0), "modes %d, %d: M-overlap %g", k, l, s);
        }
        double tr[3] = {0, 0, 0}, rot[3] = {0, 0, 0};
        for (int i = 0; i < N; i++) {
            const double *d = a + 3 * i;
            double r[3] = {xyz[3 * i] - com[0], xyz[3 * i + 1] - com[1], xyz[3 * i + 2] - com[2]};
            for (int c = 0; c < 3; c++) tr[c] += m[i] * d[c];
            rot[0] += m[i] * (r[1] * d[2] - r[2] * d[1]);
            rot[1] += m[i] * (r[2] * d[0] - r[0] * d[2]);
            rot[2] += m[i] * (r[0] * d[1] - r[1] * d[0]);
        }
        for (int c = 0; c < 3; c++) {
            ck_assert(fabs(tr[c]) < 1e-10);
            if (!v->linear) ck_assert(fabs(rot[c]) < 1e-10);
        }
        for (int j = 0; j < n; j++) {
            double hv = 0;
            for (int l = 0; l < n; l++) hv += H[j * n + l] * a[l];
            ck_assert_msg(tu_close(hv, v->eigenvalues[k] * m[j / 3] * a[j], 1e-9, 0),
                          "mode %d: H l != lambda M l at %d", k, j);
        }
    }
}

START_TEST(test_mode_properties)
{
    double *H = spring_hessian(5, ch4_xyz, ch4_sp, 10);
    nnv_vib *v = analyse_ok(5, ch4_xyz, ch4_m, H, NULL, NNV_LINEAR_AUTO);
    check_modes(v, ch4_xyz, ch4_m, H);
    nnv_vib_free(v);
    free(H);
    H = spring_hessian(3, h2o_xyz, h2o_sp, 3);
    v = analyse_ok(3, h2o_xyz, h2o_m, H, NULL, NNV_LINEAR_AUTO);
    check_modes(v, h2o_xyz, h2o_m, H);
    nnv_vib_free(v);
    free(H);
}
END_TEST

/* Random rotation (from a random unit quaternion) and translation. */
static void random_motion(double *out, const double *xyz, int N, unsigned seed)
{
    srand(seed);
    double q[4], n = 0;
    for (int c = 0; c < 4; c++) {
        q[c] = (double)rand() / RAND_MAX - 0.5;
        n += q[c] * q[c];
    }
    n = sqrt(n);
    for (int c = 0; c < 4; c++) q[c] /= n;
    double w = q[0], x = q[1], y = q[2], z = q[3];
    double R[3][3] = {{1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)},
                      {2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)},
                      {2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)}};
    double t[3];
    for (int c = 0; c < 3; c++) t[c] = 10.0 * ((double)rand() / RAND_MAX - 0.5);
    for (int i = 0; i < N; i++)
        for (int a = 0; a < 3; a++) {
            out[3 * i + a] = t[a];
            for (int b = 0; b < 3; b++) out[3 * i + a] += R[a][b] * xyz[3 * i + b];
        }
}

/* Bend of a linear triatomic: kb/2 |sum_i w_i d_perp,i|^2 with weights w that
 * annihilate translations (sum w = 0) and rotations (sum w_i z_i = 0, z the
 * position along the axis u); d_perp is the displacement across the axis. */
static void add_linear_bend(double *H, const double *xyz, double kb)
{
    double u[3], len = 0, z[3], w[3];
    for (int c = 0; c < 3; c++) {
        u[c] = xyz[6 + c] - xyz[c];
        len += u[c] * u[c];
    }
    len = sqrt(len);
    for (int c = 0; c < 3; c++) u[c] /= len;
    for (int i = 0; i < 3; i++) z[i] = u[0] * xyz[3 * i] + u[1] * xyz[3 * i + 1] + u[2] * xyz[3 * i + 2];
    w[0] = z[1] - z[2];
    w[1] = z[2] - z[0];
    w[2] = z[0] - z[1];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++)
                    H[(3 * i + a) * 9 + 3 * j + b] += kb * w[i] * w[j] * ((a == b) - u[a] * u[b]);
}

START_TEST(test_invariance)
{
    double *H0 = spring_hessian(5, ch4_xyz, ch4_sp, 10);
    nnv_vib *v0 = analyse_ok(5, ch4_xyz, ch4_m, H0, NULL, NNV_LINEAR_AUTO);
    double xyz[15];
    for (unsigned seed = 1; seed <= 5; seed++) {
        random_motion(xyz, ch4_xyz, 5, seed);
        double *H = spring_hessian(5, xyz, ch4_sp, 10);
        nnv_vib *v = analyse_ok(5, xyz, ch4_m, H, NULL, NNV_LINEAR_AUTO);
        ck_assert_int_eq(v->n_modes, 9);
        /* Per-mode reduced masses depend on the basis inside degenerate groups;
         * their inverse sum, trace(P M^-1), does not. */
        double s0 = 0, s1 = 0;
        for (int k = 0; k < 9; k++) {
            ck_assert(tu_close(v->frequencies[k], v0->frequencies[k], 1e-8, 0));
            s0 += 1 / v0->reduced_masses[k];
            s1 += 1 / v->reduced_masses[k];
        }
        ck_assert(tu_close(s1, s0, 0, 1e-12));
        check_modes(v, xyz, ch4_m, H);
        nnv_vib_free(v);
        free(H);
    }
    nnv_vib_free(v0);
    free(H0);

    /* A linear molecule off-axis: HCN-like springs along a random direction. */
    const double lin[9] = {0, 0, -1.06, 0, 0, 0, 0, 0, 1.15};
    const double ml[3] = {M_H, M_C, 14.00307400443};
    const spring sl[3] = {{0, 1, 60}, {1, 2, 180}, {0, 2, 1}};
    H0 = spring_hessian(3, lin, sl, 3);
    add_linear_bend(H0, lin, 0.5);
    v0 = analyse_ok(3, lin, ml, H0, NULL, NNV_LINEAR_AUTO);
    ck_assert(v0->frequencies[0] > 10.0);
    random_motion(xyz, lin, 3, 42);
    double *H = spring_hessian(3, xyz, sl, 3);
    add_linear_bend(H, xyz, 0.5);
    nnv_vib *v = analyse_ok(3, xyz, ml, H, NULL, NNV_LINEAR_AUTO);
    ck_assert_int_eq(v->linear, 1);
    ck_assert_int_eq(v->n_modes, 4);
    for (int k = 0; k < 4; k++) ck_assert(tu_close(v->frequencies[k], v0->frequencies[k], 1e-8, 0));
    for (int k = 2; k < 4; k++) ck_assert(tu_close(v->reduced_masses[k], v0->reduced_masses[k], 0, 1e-10));
    nnv_vib_free(v0);
    nnv_vib_free(v);
    free(H0);
    free(H);
}
END_TEST

START_TEST(test_ir_diatomic)
{
    /* Fixed charges -q, +q: d mu_a / d x_(i,b) = q_i delta_ab, so along the
     * stretch d mu/dQ = q / sqrt(mu_red) and I = 974.88 q^2 / mu_red. */
    const double q = 0.37, xyz[6] = {0.1, 0.2, 0.3, 0.1 + 0.6, 0.2 - 0.8, 0.3};
    const double m[2] = {M_C, M_O};
    spring sp = {0, 1, 100.0};
    double *H = spring_hessian(2, xyz, &sp, 1);
    double dd[18] = {0};
    for (int a = 0; a < 3; a++) {
        dd[a * 6 + a] = -q;
        dd[a * 6 + 3 + a] = q;
    }
    nnv_vib *v = analyse_ok(2, xyz, m, H, dd, NNV_LINEAR_AUTO);
    double mured = M_C * M_O / (M_C + M_O);
    ck_assert_ptr_nonnull(v->ir_intensities);
    ck_assert(tu_close(v->ir_intensities[0], NNV_KM_MOL_FACTOR * q * q / mured, 0, 1e-12));
    /* dmu/dQ points along the bond (0.6, -0.8, 0), sign following the stored mode. */
    const double *dq = v->dipole_deriv_normal;
    double amp = q / sqrt(mured);
    ck_assert(tu_close(fabs(dq[0]), 0.6 * amp, 1e-12, 0));
    ck_assert(tu_close(fabs(dq[1]), 0.8 * amp, 1e-12, 0));
    ck_assert(fabs(dq[2]) < 1e-12);
    /* The stored mode moves O (+) along +d mu/dQ relative to C: same sign as
     * q (x_O - x_C) projected on the mode. */
    double proj = 0;
    for (int c = 0; c < 3; c++) proj += q * (v->modes[3 + c] - v->modes[c]) * dq[c];
    ck_assert(proj > 0);
    nnv_vib_free(v);
    free(H);
}
END_TEST

START_TEST(test_bad_input)
{
    double *H = spring_hessian(3, h2o_xyz, h2o_sp, 3);
    nnv_vib *v = NULL;
    nnv_error err = {0, ""};
    H[1 * 9 + 2] = NAN;
    ck_assert_int_eq(nnv_vib_analyse(&v, 3, h2o_xyz, h2o_m, H, NULL, NNV_LINEAR_AUTO, &err), NNV_EINPUT);
    ck_assert_ptr_null(v);
    ck_assert_msg(strstr(err.message, "row 2, column 3") != NULL, "message: %s", err.message);
    H[1 * 9 + 2] = 0.0;
    double mbad[3] = {M_O, -1.0, M_H};
    ck_assert_int_eq(nnv_vib_analyse(&v, 3, h2o_xyz, mbad, H, NULL, NNV_LINEAR_AUTO, &err), NNV_EINPUT);
    ck_assert(strstr(err.message, "atom 2") != NULL);
    ck_assert_int_eq(nnv_vib_analyse(&v, 0, h2o_xyz, h2o_m, H, NULL, NNV_LINEAR_AUTO, &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_vib_analyse(&v, 3, h2o_xyz, h2o_m, H, NULL, 7, &err), NNV_EUSAGE);
    double same[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    ck_assert_int_eq(nnv_vib_analyse(&v, 3, same, h2o_m, H, NULL, NNV_LINEAR_AUTO, &err), NNV_EINPUT);
    double dd[27] = {0};
    dd[5] = INFINITY;
    ck_assert_int_eq(nnv_vib_analyse(&v, 3, h2o_xyz, h2o_m, H, dd, NNV_LINEAR_AUTO, &err), NNV_EINPUT);
    ck_assert_ptr_null(v);
    free(H);
}
END_TEST

START_TEST(test_asymmetric_hessian_symmetrised)
{
    /* An antisymmetric perturbation must not change anything. */
    double *H = spring_hessian(3, h2o_xyz, h2o_sp, 3);
    double *Ha = malloc(81 * sizeof *Ha);
    memcpy(Ha, H, 81 * sizeof *Ha);
    for (int a = 0; a < 9; a++)
        for (int b = a + 1; b < 9; b++) {
            Ha[a * 9 + b] += 0.01 * (a - b);
            Ha[b * 9 + a] -= 0.01 * (a - b);
        }
    nnv_vib *v = analyse_ok(3, h2o_xyz, h2o_m, H, NULL, NNV_LINEAR_AUTO);
    nnv_vib *va = analyse_ok(3, h2o_xyz, h2o_m, Ha, NULL, NNV_LINEAR_AUTO);
    for (int k = 0; k < 3; k++) ck_assert(tu_close(va->eigenvalues[k], v->eigenvalues[k], 1e-11, 0));
    nnv_vib_free(v);
    nnv_vib_free(va);
    free(H);
    free(Ha);
}
END_TEST

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
        fprintf(stderr, "test_vib: SKIP optimize on exact_act2: %s not found\n", wpath);
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

/* ---- the analysis pipeline ----------------------------------------------------- */

#define SAME(a, b, n) (memcmp((a), (b), (size_t)(n) * sizeof *(a)) == 0)

/* The pipeline's tests run on the shipped tanh potential (a checked fixture). */
static nnv_potential *tanh_pot;
static void pipeline_setup(void) { tanh_pot = tu_potential("hcno-tanh.bin"); }
static void pipeline_teardown(void)
{
    nnv_potential_free(tanh_pot);
    tanh_pot = NULL;
}

/* nnv_analyse gives, to the bit, what its steps give one by one (as nnvib,
 * nnvib batch and nnv_compare_potential took them before it existed): with
 * and without optimisation, with and without charge networks. */
START_TEST(test_analyse_equals_steps)
{
    static const struct { const char *pot, *mol; int opt; } cases[2] = {
        {"hcno-tanh.bin", "methanol.xyz", 1}, {"test-CH-softplus-random.bin", "methane.xyz", 0}};
    for (int c = 0; c < 2; c++) {
        nnv_potential *p = tu_potential(cases[c].pot);
        nnv_structure *s = tu_molecule(cases[c].mol), *t = NULL;
        nnv_analysis_options ao;
        nnv_analysis *a = NULL;
        nnv_comparison *cmp = NULL;
        nnv_opt_options oo = {0, 0, 0};
        nnv_opt_report rep = {0, 0, 0, 0};
        nnv_result *r = NULL;
        nnv_vib *v = NULL;
        nnv_error err;
        int charges, n3 = 3 * s->n_atoms;
        unsigned want;
        double max_f = 0;
        double *x0 = malloc((size_t)n3 * sizeof *x0);
        memcpy(x0, s->xyz, (size_t)n3 * sizeof *x0);
        /* The first case without its charge networks. */
        if (c == 0) p->flags &= ~NNV_FLAG_CHARGES;
        charges = (p->flags & NNV_FLAG_CHARGES) != 0;
        ck_assert_int_eq(charges, c == 1);
        want = NNV_WANT_FORCES | NNV_WANT_HESSIAN | (charges ? NNV_WANT_CHARGES | NNV_WANT_DIPOLE_DERIV : 0u);

        ck_assert_int_eq(nnv_structure_copy(&t, s, &err), NNV_OK);
        if (cases[c].opt) ck_assert_int_eq(nnv_optimize(t, p, &oo, &rep, &err), NNV_OK);
        ck_assert_int_eq(nnv_compute(&r, p, t, TU_WANT(want), &err), NNV_OK);
        ck_assert_int_eq(nnv_vib_analyse(&v, t->n_atoms, t->xyz, t->masses, r->hessian, r->dipole_deriv,
                                         NNV_LINEAR_AUTO, &err), NNV_OK);
        for (int k = 0; k < n3; k++) max_f = fmax(max_f, fabs(r->forces[k]));

        memset(&ao, 0, sizeof ao);
        ao.optimize = cases[c].opt;
        ck_assert_msg(nnv_analyse(&a, p, s, &ao, &err) == NNV_OK, "%s", err.message);
        ck_assert(SAME(s->xyz, x0, n3)); /* the input is left as it was */
        ck_assert(SAME(a->s->xyz, t->xyz, n3));
        ck_assert_int_eq(a->optimized, cases[c].opt);
        ck_assert(a->opt.steps == rep.steps && a->opt.converged == rep.converged && a->opt.energy == rep.energy);
        ck_assert(a->r->energy == r->energy && SAME(a->r->forces, r->forces, n3));
        ck_assert(SAME(a->r->hessian, r->hessian, n3 * n3) && a->hessian == a->r->hessian);
        ck_assert_ptr_null(a->hessian_fd);
        ck_assert_int_eq(a->has_fd_check, 0);
        ck_assert(a->max_force == max_f);
        ck_assert_int_eq(a->smoothness, nnv_potential_smoothness(p));
        ck_assert_int_eq(a->v->n_modes, v->n_modes);
        ck_assert(SAME(a->v->frequencies, v->frequencies, v->n_modes) && SAME(a->v->modes, v->modes, v->n_modes * n3));
        if (charges) {
            ck_assert(SAME(a->r->dipole_deriv, r->dipole_deriv, 3 * n3));
            ck_assert(SAME(a->v->ir_intensities, v->ir_intensities, v->n_modes));
        } else {
            ck_assert_ptr_null(a->v->ir_intensities);
        }
        /* The comparison pipeline is the same analysis. */
        ck_assert_int_eq(nnv_compare_potential(&cmp, s, p, NULL, NULL, &ao, &err), NNV_OK);
        ck_assert(cmp->optimized == a->optimized && cmp->max_force == a->max_force);
        ck_assert(SAME(cmp->s->xyz, a->s->xyz, n3) && cmp->r->energy == a->r->energy);
        ck_assert(SAME(cmp->v->frequencies, a->v->frequencies, v->n_modes));
        nnv_comparison_free(cmp);
        nnv_analysis_free(a);
        nnv_vib_free(v);
        nnv_result_free(r);
        nnv_structure_free(t);
        nnv_structure_free(s);
        nnv_potential_free(p);
        free(x0);
    }
}
END_TEST

/* Zero-initialised options, NULL options and the defaults spelt out agree. */
START_TEST(test_analyse_zero_options_are_defaults)
{
    const nnv_potential *p = tanh_pot;
    nnv_structure *s = tu_molecule("water.xyz");
    nnv_analysis_options zero, spelt;
    nnv_analysis *a[4] = {NULL, NULL, NULL, NULL};
    nnv_error err;
    memset(&zero, 0, sizeof zero);
    spelt = zero;
    spelt.linear = NNV_LINEAR_AUTO;
    spelt.hessian = NNV_HESSIAN_ANALYTIC;
    spelt.fd_step = NNV_FD_STEP_DEFAULT;
    spelt.max_hessian_mb = 2048;
    ck_assert_int_eq(nnv_analyse(&a[0], p, s, NULL, &err), NNV_OK);
    ck_assert_int_eq(nnv_analyse(&a[1], p, s, &zero, &err), NNV_OK);
    ck_assert_int_eq(nnv_analyse(&a[2], p, s, &spelt, &err), NNV_OK);
    for (int k = 1; k < 3; k++) {
        ck_assert(a[k]->optimized == 0 && a[k]->v->n_modes == a[0]->v->n_modes);
        ck_assert(SAME(a[k]->v->frequencies, a[0]->v->frequencies, a[0]->v->n_modes));
        nnv_analysis_free(a[k]);
        a[k] = NULL;
    }
    /* The optimiser's zeros and its documented defaults; the step's zero and 1e-3 A. */
    zero.optimize = spelt.optimize = 1;
    zero.fd_check = spelt.fd_check = 1;
    spelt.opt.max_steps = 500, spelt.opt.fmax = 1e-5, spelt.opt.max_step = 0.2;
    ck_assert_int_eq(nnv_analyse(&a[1], p, s, &zero, &err), NNV_OK);
    ck_assert_int_eq(nnv_analyse(&a[2], p, s, &spelt, &err), NNV_OK);
    ck_assert(a[1]->opt.converged && a[1]->opt.steps == a[2]->opt.steps);
    ck_assert(SAME(a[1]->s->xyz, a[2]->s->xyz, 9));
    ck_assert(a[1]->has_fd_check && a[1]->fd_check.step == 1e-3);
    ck_assert(memcmp(&a[1]->fd_check, &a[2]->fd_check, sizeof a[1]->fd_check) == 0);
    for (int k = 0; k < 3; k++) nnv_analysis_free(a[k]);
    nnv_structure_free(s);
}
END_TEST

/* --hessian fd: the central-difference Hessian is analysed (the analytic one
 * is not even computed); with the cross-check both are, and the figures are
 * those of nnv_hessian_fd_disagreement whichever Hessian is analysed. */
START_TEST(test_analyse_fd_mode)
{
    const nnv_potential *p = tanh_pot;
    nnv_structure *s = tu_molecule("ammonia.xyz");
    nnv_analysis_options ao;
    nnv_analysis *an = NULL, *fd = NULL, *ck = NULL;
    nnv_fd_disagreement d;
    nnv_error err;
    const double step = 2e-3;
    size_t n3 = 3 * (size_t)s->n_atoms;
    double *h = malloc(n3 * n3 * sizeof *h);
    memset(&ao, 0, sizeof ao);
    ck_assert_int_eq(nnv_analyse(&an, p, s, &ao, &err), NNV_OK);
    ao.hessian = NNV_HESSIAN_FD;
    ao.fd_step = step;
    ck_assert_int_eq(nnv_analyse(&fd, p, s, &ao, &err), NNV_OK);
    ck_assert_ptr_null(fd->r->hessian);
    ck_assert(fd->hessian == fd->hessian_fd && fd->hessian_fd != NULL && !fd->has_fd_check);
    ck_assert_int_eq(nnv_hessian_fd(h, p, s, step, &err), NNV_OK);
    ck_assert(SAME(fd->hessian_fd, h, n3 * n3));
    ck_assert_int_eq(fd->v->n_modes, an->v->n_modes);
    for (int k = 0; k < an->v->n_modes; k++)
        ck_assert_msg(fabs(fd->v->frequencies[k] - an->v->frequencies[k]) < 1.0, "mode %d: %g vs %g", k,
                      fd->v->frequencies[k], an->v->frequencies[k]);
    ao.fd_check = 1;
    ck_assert_int_eq(nnv_analyse(&ck, p, s, &ao, &err), NNV_OK);
    ck_assert(ck->has_fd_check && ck->hessian == ck->hessian_fd && ck->r->hessian != NULL);
    ck_assert(SAME(ck->v->frequencies, fd->v->frequencies, fd->v->n_modes));
    ck_assert_int_eq(nnv_hessian_fd_disagreement(&d, &step, 1, p, s, NULL, &err), NNV_OK);
    ck_assert(memcmp(&d, &ck->fd_check, sizeof d) == 0);
    ck_assert(d.step == step && d.max_abs > 0 && d.max_rel > 0 && d.max_rel < 1e-3 && d.max_freq < 1.0);
    nnv_analysis_free(an);
    nnv_analysis_free(fd);
    nnv_analysis_free(ck);
    free(h);
    nnv_structure_free(s);
}
END_TEST

/* The warnings the program prints, in its order and words. */
START_TEST(test_analyse_warnings)
{
    nnv_potential *relu = tu_potential("hcno-relu.bin");
    nnv_structure *ethane = tu_molecule("ethane.xyz"), *water = tu_molecule("water.xyz");
    nnv_analysis_options ao;
    nnv_analysis *a = NULL;
    nnv_error err;
    int n_sf = 0;
    memset(&ao, 0, sizeof ao);
    /* An unrelaxed structure on a smooth potential. */
    ck_assert_int_eq(nnv_analyse(&a, tanh_pot, ethane, &ao, &err), NNV_OK);
    ck_assert_int_eq(a->warnings.count, 1);
    ck_assert_int_eq(a->extrapolation_warning, -1);
    ck_assert_msg(strstr(a->warnings.messages[0], "not a stationary point: max |force component| = ") ==
                          a->warnings.messages[0] &&
                      strstr(a->warnings.messages[0], " eV/A > 0.001 eV/A; the frequencies are those of a "
                                                      "non-equilibrium geometry (relax first with --opt)"),
                  "%s", a->warnings.messages[0]);
    nnv_analysis_free(a);
    /* ReLU, one optimisation step (not converged), every SF value outside a
     * training range narrowed to nothing. */
    for (int e = 0; e < relu->n_elements; e++)
        for (int k = 0; k < relu->elements[e].n_sf; k++) relu->elements[e].sf[k].gmin = relu->elements[e].sf[k].gmax = -1;
    for (int i = 0; i < water->n_atoms; i++) n_sf += nnv_potential_element(relu, water->Z[i])->n_sf;
    ao.optimize = 1;
    ao.opt.max_steps = 1;
    ck_assert_int_eq(nnv_analyse(&a, relu, water, &ao, &err), NNV_OK);
    ck_assert_int_eq(a->warnings.count, 3);
    ck_assert_str_eq(a->warnings.messages[0], "the potential is only C0 (ReLU layers): a ReLU network has zero "
                     "curvature almost everywhere and jumps at its kinks, so the Hessian and the frequencies are "
                     "not meaningful");
    ck_assert_msg(strstr(a->warnings.messages[1], "geometry optimisation did not converge in 1 steps (max force ") ==
                          a->warnings.messages[1] &&
                      strstr(a->warnings.messages[1], " eV/A > 1e-05); the analysis is at the last geometry"),
                  "%s", a->warnings.messages[1]);
    ck_assert_int_eq(a->extrapolation_warning, 2);
    ck_assert_int_eq(a->r->n_extrapolations, n_sf);
    {
        char want[256];
        snprintf(want, sizeof want, "%d symmetry-function values outside the training range [gmin, gmax]: the "
                 "network extrapolates there and the results may be unreliable", n_sf);
        ck_assert_str_eq(a->warnings.messages[2], want);
    }
    nnv_analysis_free(a);
    nnv_structure_free(ethane);
    nnv_structure_free(water);
    nnv_potential_free(relu);
}
END_TEST

/* Options out of range and a failing step: a status, a message, no result. */
START_TEST(test_analyse_usage)
{
    nnv_analysis *a = NULL;
    nnv_error err;
    nnv_analysis_options ao = {0, {0, 0, 0}, 0.0, 0, 0, 0, 0.0, 0.0};
    nnv_structure *s = tu_molecule("water.xyz");
    ao.hessian = 2;
    ck_assert_int_eq(nnv_analyse(&a, tanh_pot, s, &ao, &err), NNV_EUSAGE);
    ao.hessian = NNV_HESSIAN_FD;
    ao.fd_step = -1e-3;
    ck_assert_int_eq(nnv_analyse(&a, tanh_pot, s, &ao, &err), NNV_EUSAGE);
    ao.fd_step = NAN;
    ck_assert_int_eq(nnv_analyse(&a, tanh_pot, s, &ao, &err), NNV_EUSAGE);
    ck_assert_ptr_null(a);
    ck_assert_int_eq(nnv_analyse(NULL, tanh_pot, s, NULL, &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_analyse(&a, NULL, s, NULL, &err), NNV_EUSAGE);
    /* A failing step's status and message come through; nothing is handed back. */
    memset(&ao, 0, sizeof ao);
    ao.max_hessian_mb = 1e-6;
    ck_assert_int_eq(nnv_analyse(&a, tanh_pot, s, &ao, &err), NNV_ENOMEM);
    ck_assert_msg(strstr(err.message, "the Hessian of 3 atoms") != NULL, "%s", err.message);
    ck_assert_ptr_null(a);
    nnv_analysis_free(NULL);
    nnv_structure_free(s);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("vib");
    TCase *tv = tcase_create("analysis");
    tcase_add_test(tv, test_diatomic);
    tcase_add_test(tv, test_co2_linear);
    tcase_add_test(tv, test_water);
    tcase_add_test(tv, test_single_atom);
    tcase_add_test(tv, test_methane);
    tcase_add_test(tv, test_mode_properties);
    tcase_add_test(tv, test_invariance);
    tcase_add_test(tv, test_ir_diatomic);
    tcase_add_test(tv, test_bad_input);
    tcase_add_test(tv, test_asymmetric_hessian_symmetrised);
    suite_add_tcase(su, tv);
    TCase *to = tcase_create("optimiser");
    tcase_add_test(to, test_lbfgs_quadratic);
    tcase_add_test(to, test_lbfgs_rosenbrock);
    tcase_add_test(to, test_lbfgs_errors);
    tcase_add_test(to, test_lbfgs_max_step);
    tcase_add_test(to, test_optimize_methane);
    suite_add_tcase(su, to);
    TCase *tp = tcase_create("pipeline");
    tcase_set_timeout(tp, 120);
    tcase_add_checked_fixture(tp, pipeline_setup, pipeline_teardown);
    tcase_add_test(tp, test_analyse_equals_steps);
    tcase_add_test(tp, test_analyse_zero_options_are_defaults);
    tcase_add_test(tp, test_analyse_fd_mode);
    tcase_add_test(tp, test_analyse_warnings);
    tcase_add_test(tp, test_analyse_usage);
    suite_add_tcase(su, tp);
    SRunner *sr = srunner_create(su);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
