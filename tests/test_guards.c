/* Numerical guards and limits (docs/limits.md): overlapping atoms, fragments
 * far apart, atoms outside every cutoff, NaN/Inf in structures and networks,
 * the Hessian memory budget, and the OpenMP assembly against serial and
 * finite differences. The rule checked throughout: a clear error or finite
 * numbers, never a NaN or infinity handed back as a result. */
#define _POSIX_C_SOURCE 200809L /* setenv, unsetenv */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "internal.h"
#include "testutil.h"

#define WANT_ALL (NNV_WANT_FORCES | NNV_WANT_HESSIAN | NNV_WANT_CHARGES | NNV_WANT_DIPOLE_DERIV)

/* The shipped H/C test potential (random weights, softplus, charge networks). */
static nnv_potential *load_ch(void)
{
    char path[4096];
    nnv_potential *p = NULL;
    nnv_error err;
    snprintf(path, sizeof path, "%s/weights/test-CH-softplus-random.bin", tu_srcdir());
    ck_assert_msg(nnv_potential_read(&p, path, &err) == NNV_OK, "%s", err.message);
    return p;
}

/* Methane (molecules/methane.xyz geometry) shifted by (dx, dy, dz). */
static void methane(int *Z, double *xyz, double dx, double dy, double dz)
{
    static const double pos[15] = {0, 0, 0, 0.6276, 0.6276, 0.6276, 0.6276, -0.6276, -0.6276,
                                   -0.6276, 0.6276, -0.6276, -0.6276, -0.6276, 0.6276};
    for (int i = 0; i < 5; i++) {
        Z[i] = i == 0 ? 6 : 1;
        xyz[3 * i] = pos[3 * i] + dx;
        xyz[3 * i + 1] = pos[3 * i + 1] + dy;
        xyz[3 * i + 2] = pos[3 * i + 2] + dz;
    }
}

static int all_finite(const double *v, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (!isfinite(v[k])) return 0;
    return 1;
}

/* Either an error with a message, or every requested result finite. */
static void assert_error_or_finite(int rc, const nnv_result *r, const nnv_error *err, int n)
{
    size_t n3 = 3 * (size_t)n;
    if (rc != NNV_OK) {
        ck_assert_ptr_null(r);
        ck_assert_msg(err->message[0] != '\0', "error %d without a message", rc);
        return;
    }
    ck_assert(isfinite(r->energy));
    ck_assert(all_finite(r->atomic_energies, (size_t)n));
    if (r->forces) ck_assert(all_finite(r->forces, n3));
    if (r->hessian) ck_assert(all_finite(r->hessian, n3 * n3));
    if (r->charges) ck_assert(all_finite(r->charges, (size_t)n) && all_finite(r->dipole, 3));
    if (r->dipole_deriv) ck_assert(all_finite(r->dipole_deriv, 3 * n3));
}

/* ---- overlapping and coincident atoms --------------------------------------- */

START_TEST(test_overlap_rejected_by_reader)
{
    const char *text = "3\nclose pair\nC 0 0 0\nH 0 0 1.09\nH 0 0.05 1.09\n";
    nnv_structure *s = NULL;
    nnv_error err;
    ck_assert_int_eq(nnv_structure_parse_xyz(&s, text, strlen(text), "close.xyz", 0, &err), NNV_EINPUT);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(err.message, "atoms 2 (line 4) and 3 (line 5)") != NULL, "%s", err.message);
}
END_TEST

/* Built in memory the 0.1 Å rule does not apply: coincident atoms must still
 * give finite numbers or an error (r = 0 makes unit vectors 0/0). */
START_TEST(test_coincident_atoms_in_memory)
{
    nnv_potential *p = load_ch();
    int Z[5];
    double xyz[15];
    nnv_structure *s = NULL;
    nnv_result *r = NULL;
    nnv_error err = {0, ""};
    methane(Z, xyz, 0, 0, 0);
    xyz[3] = xyz[6] = 0.5, xyz[4] = xyz[7] = 0.5, xyz[5] = xyz[8] = 0.5; /* H1 on H2 */
    ck_assert_int_eq(nnv_structure_new(&s, 5, Z, xyz, &err), NNV_OK);
    int rc = nnv_compute(&r, p, s, TU_WANT(WANT_ALL), &err);
    assert_error_or_finite(rc, r, &err, 5);
    nnv_result_free(r);
    nnv_structure_free(s);
    nnv_potential_free(p);
}
END_TEST

/* ---- fragments far apart, atoms outside every cutoff ------------------------- */

START_TEST(test_fragments_1e6_apart)
{
    nnv_potential *p = load_ch();
    int Z[10];
    double xyz[30];
    nnv_structure *one = NULL, *two = NULL;
    nnv_result *r1 = NULL, *r2 = NULL;
    nnv_error err;
    methane(Z, xyz, 0, 0, 0);
    ck_assert_int_eq(nnv_structure_new(&one, 5, Z, xyz, &err), NNV_OK);
    methane(Z + 5, xyz + 15, 1e6, -1e6, 1e6);
    ck_assert_int_eq(nnv_structure_new(&two, 10, Z, xyz, &err), NNV_OK);
    ck_assert_int_eq(nnv_compute(&r1, p, one, TU_WANT(WANT_ALL), &err), NNV_OK);
    ck_assert_msg(nnv_compute(&r2, p, two, TU_WANT(WANT_ALL), &err) == NNV_OK, "%s", err.message);
    /* Each fragment alone: twice the energy, the same forces and blocks.
     * At 1e6 Å a coordinate carries ~1e-10 Å of round-off, hence the tolerances. */
    ck_assert_msg(tu_close(r2->energy, 2 * r1->energy, 1e-6, 0), "%.12g vs %.12g", r2->energy, 2 * r1->energy);
    for (int a = 0; a < 15; a++) {
        ck_assert(tu_close(r2->forces[a], r1->forces[a], 1e-6, 0));
        ck_assert(tu_close(r2->forces[15 + a], r1->forces[a], 1e-6, 0));
        for (int b = 0; b < 15; b++) {
            ck_assert(tu_close(r2->hessian[a * 30 + b], r1->hessian[a * 15 + b], 1e-5, 0));
            ck_assert(tu_close(r2->hessian[(15 + a) * 30 + 15 + b], r1->hessian[a * 15 + b], 1e-5, 0));
            /* No interaction between the fragments: exactly zero. */
            ck_assert(r2->hessian[a * 30 + 15 + b] == 0.0 && r2->hessian[(15 + a) * 30 + b] == 0.0);
        }
    }
    nnv_result_free(r1);
    nnv_result_free(r2);
    nnv_structure_free(one);
    nnv_structure_free(two);
    nnv_potential_free(p);
}
END_TEST

START_TEST(test_atoms_outside_every_cutoff)
{
    nnv_potential *p = load_ch();
    const nnv_element_model *h = nnv_potential_element(p, 1), *c = nnv_potential_element(p, 6);
    int Z[3] = {1, 6, 1};
    double xyz[9] = {0, 0, 0, 20, 0, 0, 0, 0, -25}; /* every cutoff is below 6 Å */
    nnv_structure *s = NULL;
    nnv_result *r = NULL;
    nnv_vib *v = NULL;
    nnv_error err;
    double eh, ec, zeros[32];
    ck_assert_int_eq(nnv_structure_new(&s, 3, Z, xyz, &err), NNV_OK);
    ck_assert_int_eq(nnv_compute(&r, p, s, TU_WANT(WANT_ALL), &err), NNV_OK);
    /* No neighbours: every G is 0 and nothing depends on the positions, so
     * the energy is sum E0 + N((0 - shift) * scale), forces and Hessian 0. */
    {
        net_workspace ws = {0, 0, NULL, 0};
        for (int k = 0; k < h->n_sf; k++) zeros[k] = -h->sf[k].shift * h->sf[k].scale;
        ck_assert_int_eq(net_eval(&h->energy, zeros, &eh, NULL, NULL, &ws), NNV_OK);
        for (int k = 0; k < c->n_sf; k++) zeros[k] = -c->sf[k].shift * c->sf[k].scale;
        ck_assert_int_eq(net_eval(&c->energy, zeros, &ec, NULL, NULL, &ws), NNV_OK);
        net_workspace_free(&ws);
    }
    ck_assert(tu_close(r->energy, 2 * (h->E0 + eh) + c->E0 + ec, 1e-9, 1e-12));
    for (int a = 0; a < 9; a++) {
        ck_assert(r->forces[a] == 0.0);
        for (int b = 0; b < 9; b++) ck_assert(r->hessian[a * 9 + b] == 0.0);
    }
    /* The analysis of a zero Hessian: zero frequencies, no NaN. */
    ck_assert_int_eq(nnv_vib_analyse(&v, 3, s->xyz, s->masses, r->hessian, r->dipole_deriv, NNV_LINEAR_AUTO, &err),
                     NNV_OK);
    for (int k = 0; k < v->n_modes; k++) ck_assert(isfinite(v->frequencies[k]) && fabs(v->frequencies[k]) < 1e-3);
    nnv_vib_free(v);
    nnv_result_free(r);
    nnv_structure_free(s);
    nnv_potential_free(p);
}
END_TEST

/* ---- NaN and Inf in the input ------------------------------------------------- */

START_TEST(test_nonfinite_positions_refused)
{
    nnv_potential *p = load_ch();
    const double bad[3] = {NAN, INFINITY, -INFINITY};
    int Z[5];
    double xyz[15];
    methane(Z, xyz, 0, 0, 0);
    for (int t = 0; t < 3; t++) {
        nnv_structure *s = NULL;
        nnv_result *r = NULL;
        nnv_error err = {0, ""};
        ck_assert_int_eq(nnv_structure_new(&s, 5, Z, xyz, &err), NNV_OK);
        s->xyz[3 * 3 + 1] = bad[t]; /* atom 4, y: after construction, as a caller might */
        ck_assert_int_eq(nnv_compute(&r, p, s, TU_WANT(NNV_WANT_FORCES), &err), NNV_EINPUT);
        ck_assert_ptr_null(r);
        ck_assert_msg(strstr(err.message, "atom 4") && strstr(err.message, "not finite"), "%s", err.message);
        nnv_structure_free(s);
        s = NULL;
        /* The constructor refuses it too. */
        xyz[10] = bad[t];
        ck_assert_int_eq(nnv_structure_new(&s, 5, Z, xyz, &err), NNV_EINPUT);
        ck_assert_ptr_null(s);
        xyz[10] = -0.6276;
    }
    nnv_potential_free(p);
}
END_TEST

START_TEST(test_nonfinite_mass_and_charge_refused)
{
    nnv_potential *p = load_ch(); /* has charge networks: masses enter the dipole */
    int Z[5];
    double xyz[15];
    nnv_structure *s = NULL;
    nnv_result *r = NULL;
    nnv_error err;
    methane(Z, xyz, 0, 0, 0);
    ck_assert_int_eq(nnv_structure_new(&s, 5, Z, xyz, &err), NNV_OK);
    ck_assert_int_eq(nnv_compute(&r, p, s, &(nnv_compute_options){WANT_ALL, NAN, 0.0}, &err), NNV_EINPUT);
    ck_assert_ptr_null(r);
    s->masses[2] = NAN;
    ck_assert_int_eq(nnv_compute(&r, p, s, TU_WANT(WANT_ALL), &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "atom 3") != NULL, "%s", err.message);
    ck_assert_ptr_null(r);
    nnv_structure_free(s);
    nnv_potential_free(p);
}
END_TEST

START_TEST(test_vib_refuses_nonfinite_hessian)
{
    double xyz[6] = {0, 0, 0, 0, 0, 1.1}, m[2] = {12, 16}, h[36] = {0};
    nnv_vib *v = NULL;
    nnv_error err;
    h[7] = NAN;
    ck_assert_int_eq(nnv_vib_analyse(&v, 2, xyz, m, h, NULL, NNV_LINEAR_AUTO, &err), NNV_EINPUT);
    ck_assert_ptr_null(v);
}
END_TEST

/* ---- a network that overflows --------------------------------------------------- */

START_TEST(test_network_overflow_energy)
{
    nnv_potential *p = load_ch();
    nnv_element_model *c = &p->elements[1];
    int Z[5];
    double xyz[15];
    nnv_structure *s = NULL;
    nnv_result *r = NULL;
    nnv_error err;
    ck_assert_int_eq(c->Z, 6);
    /* softplus(huge) = huge, times huge output weights: inf. */
    for (int k = 0; k < c->energy.layers[0].n_in * c->energy.layers[0].n_out; k++) c->energy.layers[0].W[k] *= 1e300;
    for (int k = 0; k < c->energy.layers[1].n_in; k++) c->energy.layers[1].W[k] = 1e300;
    methane(Z, xyz, 0, 0, 0);
    ck_assert_int_eq(nnv_structure_new(&s, 5, Z, xyz, &err), NNV_OK);
    for (unsigned want = 0; want <= NNV_WANT_HESSIAN; want += NNV_WANT_FORCES) {
        ck_assert_int_eq(nnv_compute(&r, p, s, TU_WANT(want), &err), NNV_ENUMERIC);
        ck_assert_ptr_null(r);
        ck_assert_msg(strstr(err.message, "atom 1") && strstr(err.message, "non-finite"), "%s", err.message);
    }
    nnv_structure_free(s);
    nnv_potential_free(p);
}
END_TEST

/* --opt on a surface that falls without bound: the energy guard stops it
 * (more than NNV_OPT_MAX_FALL_PER_ATOM below the start) before any atoms
 * collide, with NNV_ENUMERIC and no result. The random CH potential with
 * its output layers scaled by 1e4 is steep enough for the first step. */
START_TEST(test_opt_energy_fall_guard)
{
    nnv_potential *p = load_ch();
    int Z[5];
    double xyz[15];
    nnv_structure *s = NULL;
    nnv_opt_report rep;
    nnv_error err;
    for (int e = 0; e < p->n_elements; e++) {
        nnv_layer *out = &p->elements[e].energy.layers[p->elements[e].energy.n_layers - 1];
        for (int k = 0; k < out->n_in * out->n_out; k++) out->W[k] *= 1e4;
    }
    methane(Z, xyz, 0.01, -0.02, 0.03);
    xyz[3] += 0.05; /* off the symmetric point, so the forces are not zero */
    ck_assert_int_eq(nnv_structure_new(&s, 5, Z, xyz, &err), NNV_OK);
    ck_assert_int_eq(nnv_optimize(s, p, NULL, &rep, &err), NNV_ENUMERIC);
    ck_assert_msg(strstr(err.message, "the energy fell from") && strstr(err.message, "eV per atom"), "%s",
                  err.message);
    nnv_structure_free(s);
    nnv_potential_free(p);
}
END_TEST

/* A finite energy whose second derivative overflows: gelu at a pre-activation
 * of ~1e200 has a'' = phi(x) (2 - x^2) = 0 * inf (found by fuzz_weights). */
START_TEST(test_network_overflow_hessian_only)
{
    nnv_potential *p = load_ch();
    nnv_element_model *h = &p->elements[0];
    int Z[5];
    double xyz[15];
    nnv_structure *s = NULL;
    nnv_result *r = NULL;
    nnv_error err = {0, ""};
    h->energy.layers[0].activation = NNV_ACT_GELU;
    for (int k = 0; k < h->energy.layers[0].n_in * h->energy.layers[0].n_out; k++) h->energy.layers[0].W[k] = 1e200;
    methane(Z, xyz, 0, 0, 0);
    ck_assert_int_eq(nnv_structure_new(&s, 5, Z, xyz, &err), NNV_OK);
    int rc = nnv_compute(&r, p, s, TU_WANT(NNV_WANT_FORCES), &err);
    assert_error_or_finite(rc, r, &err, 5);
    nnv_result_free(r);
    r = NULL;
    rc = nnv_compute(&r, p, s, TU_WANT(WANT_ALL), &err);
    assert_error_or_finite(rc, r, &err, 5);
    if (rc != NNV_OK) ck_assert_int_eq(rc, NNV_ENUMERIC);
    nnv_result_free(r);
    nnv_structure_free(s);
    nnv_potential_free(p);
}
END_TEST

/* ---- limits ------------------------------------------------------------------------ */

START_TEST(test_hessian_budget)
{
    nnv_potential *p = load_ch();
    int Z[5];
    double xyz[15];
    nnv_structure *s = NULL;
    nnv_result *r = NULL;
    nnv_error err;
    methane(Z, xyz, 0, 0, 0);
    ck_assert_int_eq(nnv_structure_new(&s, 5, Z, xyz, &err), NNV_OK);
    /* 15 x 15 doubles = 1800 bytes, above a budget of 0.001 MiB. */
    ck_assert_int_eq(nnv_compute(&r, p, s, &(nnv_compute_options){NNV_WANT_HESSIAN, 0.0, 0.001}, &err),
                     NNV_ENOMEM);
    ck_assert_ptr_null(r);
    ck_assert_msg(strstr(err.message, "5 atoms") && strstr(err.message, "max_hessian_mb"), "%s", err.message);
    /* Forces need no Hessian. */
    ck_assert_int_eq(nnv_compute(&r, p, s, &(nnv_compute_options){NNV_WANT_FORCES, 0.0, 0.001}, &err), NNV_OK);
    nnv_result_free(r);
    r = NULL;
    ck_assert_int_eq(nnv_compute(&r, p, s, &(nnv_compute_options){NNV_WANT_HESSIAN, 0.0, 1.0}, &err), NNV_OK);
    nnv_result_free(r);
    r = NULL;
    /* The library reads no environment: the variable of the programs is ignored here. */
    setenv("NNVIB_MAX_HESSIAN_MB", "0.001", 1);
    ck_assert_int_eq(nnv_compute(&r, p, s, TU_WANT(NNV_WANT_HESSIAN), &err), NNV_OK);
    unsetenv("NNVIB_MAX_HESSIAN_MB");
    nnv_result_free(r);
    r = NULL;
    /* A negative or non-finite budget is the caller's mistake. */
    ck_assert_int_eq(nnv_compute(&r, p, s, &(nnv_compute_options){NNV_WANT_HESSIAN, 0.0, -1.0}, &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_compute(&r, p, s, &(nnv_compute_options){NNV_WANT_HESSIAN, 0.0, NAN}, &err), NNV_EUSAGE);
    ck_assert_ptr_null(r);
    /* NULL options: the energy alone. */
    ck_assert_int_eq(nnv_compute(&r, p, s, NULL, &err), NNV_OK);
    ck_assert(r->forces == NULL && r->hessian == NULL && isfinite(r->energy));
    nnv_result_free(r);
    nnv_structure_free(s);
    nnv_potential_free(p);
}
END_TEST

START_TEST(test_atom_count_limits)
{
    nnv_structure *s = NULL;
    nnv_error err;
    const char *text = "1000001\ntoo many\n";
    int Z[1] = {1};
    double xyz[3] = {0, 0, 0};
    ck_assert_int_eq(nnv_structure_parse_xyz(&s, text, strlen(text), "big.xyz", 0, &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "1000000") != NULL, "%s", err.message);
    ck_assert_int_eq(nnv_structure_new(&s, 1000001, Z, xyz, &err), NNV_EUSAGE);
    ck_assert_ptr_null(s);
}
END_TEST

/* A Hessian of 18 MB takes model.c's huge-page allocation: 100 methanes 7.5 Å
 * apart (beyond every cutoff) must give 100 copies of one methane's Hessian
 * on the diagonal and exact zeros everywhere else, with 1 and 2 threads. */
START_TEST(test_large_hessian_blocks)
{
    nnv_potential *p = load_ch();
    nnv_structure *one = NULL, *s = NULL;
    nnv_result *r0 = NULL, *r = NULL;
    nnv_error err;
    int n_mol = 100, n = 5 * n_mol, *Z = malloc((size_t)n * sizeof *Z);
    double *xyz = malloc(3 * (size_t)n * sizeof *xyz);
    size_t n3 = 3 * (size_t)n;
    for (int m = 0; m < n_mol; m++) methane(Z + 5 * m, xyz + 15 * m, 7.5 * (m % 5), 7.5 * (m / 5 % 5), 7.5 * (m / 25));
    ck_assert_int_eq(nnv_structure_new(&s, n, Z, xyz, &err), NNV_OK);
    ck_assert_int_eq(nnv_structure_new(&one, 5, Z, xyz, &err), NNV_OK);
    ck_assert_int_eq(nnv_compute(&r0, p, one, TU_WANT(NNV_WANT_HESSIAN), &err), NNV_OK);
    for (int threads = 1; threads <= 2; threads++) {
#ifdef _OPENMP
        omp_set_num_threads(threads);
#endif
        ck_assert_int_eq(nnv_compute(&r, p, s, TU_WANT(NNV_WANT_HESSIAN), &err), NNV_OK);
        /* One check per matrix: check's ck_assert costs a message per call. */
        size_t bad = 0, first = 0;
        for (size_t a = 0; a < n3; a++)
            for (size_t b = 0; b < n3; b++) {
                double h = r->hessian[a * n3 + b];
                int ok = a / 15 != b / 15 ? h == 0.0
                                          : tu_close(h, r0->hessian[(a % 15) * 15 + b % 15], 1e-12, 1e-10);
                if (!ok && bad++ == 0) first = a * n3 + b;
            }
        ck_assert_msg(bad == 0, "%d threads: %zu wrong elements, first H[%zu][%zu] = %g", threads, bad, first / n3,
                      first % n3, r->hessian[first]);
        nnv_result_free(r);
        r = NULL;
    }
    free(Z);
    free(xyz);
    nnv_result_free(r0);
    nnv_structure_free(one);
    nnv_structure_free(s);
    nnv_potential_free(p);
}
END_TEST

/* ---- the threaded assembly ---------------------------------------------------------- */

/* n_side^3 methanes on a 3.6 Å grid (well inside the 5.7-6 Å cutoffs), each
 * slightly turned, so OMP_MIN_ATOMS is passed and neighbours cross blocks. */
static nnv_structure *methane_grid(int n_side)
{
    int n = 5 * n_side * n_side * n_side, *Z = malloc((size_t)n * sizeof *Z);
    double *xyz = malloc(3 * (size_t)n * sizeof *xyz);
    nnv_structure *s = NULL;
    nnv_error err;
    int m = 0;
    for (int a = 0; a < n_side; a++)
        for (int b = 0; b < n_side; b++)
            for (int c = 0; c < n_side; c++, m++) {
                methane(Z + 5 * m, xyz + 15 * m, 3.6 * a, 3.6 * b + 0.1 * a, 3.6 * c - 0.07 * b);
                xyz[15 * m + 3] += 0.03 * (m % 5), xyz[15 * m + 8] -= 0.02 * (m % 3);
            }
    ck_assert_int_eq(nnv_structure_new(&s, n, Z, xyz, &err), NNV_OK);
    free(Z);
    free(xyz);
    return s;
}

START_TEST(test_threads_match_serial_and_fd)
{
    nnv_potential *p = load_ch();
    nnv_structure *s = methane_grid(3); /* 135 atoms */
    nnv_result *r1 = NULL, *r2 = NULL, *r2b = NULL;
    nnv_error err;
    size_t n3 = 3 * (size_t)s->n_atoms;
    double hmax = 0.0, *fd = malloc(n3 * sizeof *fd);
#ifdef _OPENMP
    omp_set_num_threads(1);
#endif
    ck_assert_int_eq(nnv_compute(&r1, p, s, TU_WANT(WANT_ALL), &err), NNV_OK);
#ifdef _OPENMP
    omp_set_num_threads(2);
#endif
    ck_assert_int_eq(nnv_compute(&r2, p, s, TU_WANT(WANT_ALL), &err), NNV_OK);
    ck_assert_int_eq(nnv_compute(&r2b, p, s, TU_WANT(WANT_ALL), &err), NNV_OK);
    /* Same thread count: bitwise the same. Other count: round-off only. */
    ck_assert(memcmp(r2->hessian, r2b->hessian, n3 * n3 * sizeof(double)) == 0);
    ck_assert(memcmp(r2->forces, r2b->forces, n3 * sizeof(double)) == 0);
    ck_assert(r1->energy == r2->energy);
    ck_assert_int_eq(r1->n_extrapolations, r2->n_extrapolations);
    for (int k = 0; k < r1->n_extrapolations; k++)
        ck_assert(r1->extrapolations[k].atom == r2->extrapolations[k].atom &&
                  r1->extrapolations[k].sf == r2->extrapolations[k].sf);
    for (size_t a = 0; a < n3 * n3; a++) hmax = fmax(hmax, fabs(r1->hessian[a]));
    ck_assert(hmax > 0.0);
    for (size_t a = 0; a < n3; a++) {
        ck_assert(tu_close(r2->forces[a], r1->forces[a], 1e-12, 1e-12));
        for (int q = 0; q < 3; q++) ck_assert(tu_close(r2->dipole_deriv[(size_t)q * n3 + a], r1->dipole_deriv[(size_t)q * n3 + a], 1e-12, 1e-12));
    }
    for (size_t a = 0; a < n3 * n3; a++) ck_assert(tu_close(r2->hessian[a], r1->hessian[a], 1e-12 * hmax, 0));
    /* And the rows of atoms in the first, middle and last thread blocks are
     * the derivative of the forces (central differences, computed here). */
    for (int row = 0; row < 9; row++) {
        size_t a = 3 * (size_t)(row / 3 == 0 ? 0 : row / 3 == 1 ? s->n_atoms / 2 : s->n_atoms - 1) + (size_t)(row % 3);
        double x0 = s->xyz[a], hstep = 1e-4;
        nnv_result *rp = NULL, *rm = NULL;
        s->xyz[a] = x0 + hstep;
        ck_assert_int_eq(nnv_compute(&rp, p, s, TU_WANT(NNV_WANT_FORCES), &err), NNV_OK);
        s->xyz[a] = x0 - hstep;
        ck_assert_int_eq(nnv_compute(&rm, p, s, TU_WANT(NNV_WANT_FORCES), &err), NNV_OK);
        s->xyz[a] = x0;
        for (size_t b = 0; b < n3; b++) fd[b] = -(rp->forces[b] - rm->forces[b]) / (2 * hstep);
        for (size_t b = 0; b < n3; b++)
            ck_assert_msg(tu_close(r2->hessian[a * n3 + b], fd[b], 1e-5 * hmax, 0), "H[%zu][%zu] = %g, fd %g", a, b,
                          r2->hessian[a * n3 + b], fd[b]);
        nnv_result_free(rp);
        nnv_result_free(rm);
    }
    free(fd);
    nnv_result_free(r1);
    nnv_result_free(r2);
    nnv_result_free(r2b);
    nnv_structure_free(s);
    nnv_potential_free(p);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("guards");
    TCase *tc = tcase_create("guards");
    SRunner *sr;
    int failed;
    tcase_add_test(tc, test_overlap_rejected_by_reader);
    tcase_add_test(tc, test_opt_energy_fall_guard);
    tcase_add_test(tc, test_coincident_atoms_in_memory);
    tcase_add_test(tc, test_fragments_1e6_apart);
    tcase_add_test(tc, test_atoms_outside_every_cutoff);
    tcase_add_test(tc, test_nonfinite_positions_refused);
    tcase_add_test(tc, test_nonfinite_mass_and_charge_refused);
    tcase_add_test(tc, test_vib_refuses_nonfinite_hessian);
    tcase_add_test(tc, test_network_overflow_energy);
    tcase_add_test(tc, test_network_overflow_hessian_only);
    tcase_add_test(tc, test_hessian_budget);
    tcase_add_test(tc, test_atom_count_limits);
    tcase_add_test(tc, test_threads_match_serial_and_fd);
    tcase_add_test(tc, test_large_hessian_blocks);
    suite_add_tcase(su, tc);
    sr = srunner_create(su);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
