/* Conformance: rotation and translation invariance on the smooth cases of
 * <shared>/conformance (energy, forces, Hessian, dipole and frequencies of a
 * randomly moved molecule against the original, rotated). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <nnvib.h>

#include "conformance.h"
#include "testutil.h"

/* Deterministic uniform numbers in [0, 1) (splitmix64), so a failure reproduces. */
static double next_uniform(unsigned long long *state)
{
    unsigned long long z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniformly random rotation from a random unit quaternion (Shoemake 1992). */
static void random_rotation(double R[3][3], unsigned long long *state)
{
    const double twopi = 6.283185307179586;
    double u1 = next_uniform(state), u2 = next_uniform(state), u3 = next_uniform(state);
    double x = sqrt(1 - u1) * sin(twopi * u2), y = sqrt(1 - u1) * cos(twopi * u2);
    double z = sqrt(u1) * sin(twopi * u3), w = sqrt(u1) * cos(twopi * u3);
    R[0][0] = 1 - 2 * (y * y + z * z); R[0][1] = 2 * (x * y - z * w);     R[0][2] = 2 * (x * z + y * w);
    R[1][0] = 2 * (x * y + z * w);     R[1][1] = 1 - 2 * (x * x + z * z); R[1][2] = 2 * (y * z - x * w);
    R[2][0] = 2 * (x * z - y * w);     R[2][1] = 2 * (y * z + x * w);     R[2][2] = 1 - 2 * (x * x + y * y);
}

static void rotate3(double R[3][3], const double *a, double *out)
{
    for (int k = 0; k < 3; k++) out[k] = R[k][0] * a[0] + R[k][1] * a[1] + R[k][2] * a[2];
}

START_TEST(test_rotation_case)
{
    ctx c = {g_smooth[_i], "rotation+translation invariance", 0, NULL, 0, 0, 0.0};
    json_value *exp = load_expected(c.name);
    nnv_potential *p = NULL;
    nnv_structure *s = NULL, *s1 = NULL;
    nnv_result *r0 = NULL, *r1 = NULL;
    nnv_vib *v0 = NULL, *v1 = NULL;
    nnv_error err = {0, ""};
    double R[3][3], t[3], *hr = NULL;
    unsigned long long seed = 0x6E6E766962ull + (unsigned long long)_i;
    unsigned want;
    int n, n3, charges, rc;
    double Q;

    ck_assert_msg(exp != NULL, "%s: expected.json unreadable", c.name);
    charges = case_has_charges(exp);
    Q = json_num(json_get(exp, "total_charge"));
    if (load_case(&c, exp, &p, &s) != 0) goto cleanup;
    n = s->n_atoms;
    n3 = 3 * n;
    want = NNV_WANT_FORCES | NNV_WANT_HESSIAN | (charges ? NNV_WANT_CHARGES : 0u);
    q_begin(&c, "setup");
    random_rotation(R, &seed);
    for (int k = 0; k < 3; k++) t[k] = 6.0 * next_uniform(&seed) - 3.0;
    if ((rc = nnv_structure_copy(&s1, s, &err)) != NNV_OK) { q_msg(&c, "copy: %s", err.message); goto cleanup_q; }
    for (int i = 0; i < n; i++) {
        rotate3(R, s->xyz + 3 * i, s1->xyz + 3 * i);
        for (int k = 0; k < 3; k++) s1->xyz[3 * i + k] += t[k];
    }
    if ((rc = nnv_compute(&r0, p, s, &(nnv_compute_options){want, Q, 0.0}, &err)) != NNV_OK || !r0) {
        q_msg(&c, "nnv_compute (original) = %d: %s", rc, err.message);
        goto cleanup_q;
    }
    if ((rc = nnv_compute(&r1, p, s1, &(nnv_compute_options){want, Q, 0.0}, &err)) != NNV_OK || !r1) {
        q_msg(&c, "nnv_compute (moved) = %d: %s", rc, err.message);
        goto cleanup_q;
    }
    if (!r0->forces || !r1->forces || !r0->hessian || !r1->hessian) {
        q_msg(&c, "forces or Hessian NULL");
        goto cleanup_q;
    }
    q_end(&c);

    q_begin(&c, "energy (moved vs original)");
    q_num(&c, r1->energy, r0->energy, TOL_ROT_ENERGY, 0.0, "%s", "");
    q_end(&c);
    q_begin(&c, "forces (moved vs R * original)");
    for (int i = 0; i < n; i++) {
        double fr[3];
        rotate3(R, r0->forces + 3 * i, fr);
        for (int k = 0; k < 3; k++)
            q_num(&c, r1->forces[3 * i + k], fr[k], TOL_FORCE, 0.0, "[atom %d][%c]", i, XYZ[k]);
    }
    q_end(&c);
    /* H' = R H Rᵀ block by block */
    hr = calloc((size_t)n3 * (size_t)n3, sizeof *hr);
    q_begin(&c, "hessian (moved vs R H R^T)");
    if (!hr) { q_msg(&c, "out of memory"); goto cleanup_q; }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) {
                    double sum = 0.0;
                    for (int k = 0; k < 3; k++)
                        for (int l = 0; l < 3; l++)
                            sum += R[a][k] * r0->hessian[(3 * i + k) * n3 + 3 * j + l] * R[b][l];
                    hr[(3 * i + a) * n3 + 3 * j + b] = sum;
                }
    for (int i = 0; i < n3; i++)
        for (int j = 0; j < n3; j++)
            q_num(&c, r1->hessian[i * n3 + j], hr[i * n3 + j], TOL_HESS_ABS, TOL_HESS_REL, "[%d][%d]", i, j);
    q_end(&c);
    if (charges) {
        double dr[3];
        rotate3(R, r0->dipole, dr);
        q_begin(&c, "dipole (moved vs R * original)");
        for (int k = 0; k < 3; k++) q_num(&c, r1->dipole[k], dr[k], TOL_CHARGE, 0.0, "[%c]", XYZ[k]);
        q_end(&c);
    }

    q_begin(&c, "frequencies (moved vs original, |nu|>50)");
    if ((rc = nnv_vib_analyse(&v0, n, s->xyz, s->masses, r0->hessian, NULL, NNV_LINEAR_AUTO, &err)) != NNV_OK || !v0) {
        q_msg(&c, "nnv_vib_analyse (original) = %d: %s", rc, err.message);
        goto cleanup_q;
    }
    if ((rc = nnv_vib_analyse(&v1, n, s1->xyz, s1->masses, r1->hessian, NULL, NNV_LINEAR_AUTO, &err)) != NNV_OK || !v1) {
        q_msg(&c, "nnv_vib_analyse (moved) = %d: %s", rc, err.message);
        goto cleanup_q;
    }
    q_int(&c, v1->linear != 0, v0->linear != 0, "linear flag");
    if (q_int(&c, v1->n_modes, v0->n_modes, "number of modes") && v0->frequencies && v1->frequencies)
        for (int i = 0; i < v0->n_modes; i++)
            if (fabs(v0->frequencies[i]) > FREQ_CUT)
                q_num(&c, v1->frequencies[i], v0->frequencies[i], TOL_ROT_FREQ, 0.0, "[%d]", i);
cleanup_q:
    q_end(&c);
cleanup:
    free(hr);
    nnv_vib_free(v0);
    nnv_vib_free(v1);
    nnv_result_free(r0);
    nnv_result_free(r1);
    nnv_structure_free(s1);
    nnv_structure_free(s);
    nnv_potential_free(p);
    json_free(exp);
    finish(&c);
}
END_TEST

static void add_tests(Suite *suite)
{
    select_smooth();
    fprintf(stderr, "conformance: %d cases in %s, %d smooth ones for the rotation test\n", g_n_cases, g_dir,
            g_n_smooth);
    if (g_n_smooth > 0) {
        TCase *tc = tcase_create("rotation");
        tcase_set_timeout(tc, 300);
        tcase_add_loop_test(tc, test_rotation_case, 0, g_n_smooth);
        suite_add_tcase(suite, tc);
    }
}

int main(void)
{
    return conf_main("conformance_rotation", add_tests);
}
