/* Unit tests of the vibrational analysis (vib.c) against spring models with
 * hand-derived normal modes: frequencies, mode properties, invariance under
 * rotation and translation, IR intensities and bad input. The optimiser is
 * tested in test_optimize.c, the analysis pipeline in test_analyse.c. */
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
    return tu_run(su);
}
