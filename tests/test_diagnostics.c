/* Unit tests of the smoothness diagnostics and NVE MD against physics: forces
 * of a ReLU network jump along a path and those of a tanh network do not; a
 * ReLU network has no curvature of its own; a COS cutoff makes the Hessian
 * jump at rc and POLY2 does not; velocity Verlet conserves energy with
 * errors ~ dt², is time-reversible and reproducible from its seed, calls its
 * observer at step 0 and every k steps and stops when it says so. */
#define _POSIX_C_SOURCE 200809L /* mkstemp */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "internal.h"
#include "testutil.h"

static uint64_t rng_state;
static double srand1(void) /* xorshift64*, in [-1, 1) */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return 2.0 * (double)((rng_state * 2685821657736338717ull) >> 11) / 9007199254740992.0 - 1.0;
}

static void toy_network(nnv_network *net, int n_in, int act)
{
    net->n_layers = 3;
    net->layers = calloc(3, sizeof *net->layers);
    for (int l = 0; l < 3; l++) {
        nnv_layer *ly = &net->layers[l];
        ly->n_in = l == 0 ? n_in : 24;
        ly->n_out = l == 2 ? 1 : 24;
        ly->activation = l == 2 ? NNV_ACT_IDENTITY : act;
        ly->W = malloc((size_t)(ly->n_in * ly->n_out) * sizeof *ly->W);
        ly->b = malloc((size_t)ly->n_out * sizeof *ly->b);
        for (int i = 0; i < ly->n_in * ly->n_out; i++) ly->W[i] = 3.0 * srand1() / sqrt(ly->n_in);
        for (int i = 0; i < ly->n_out; i++) ly->b[i] = 0.5 * srand1();
    }
}

/* H and O: radial SFs (three widths per neighbour element) and type-9 angular
 * SFs, all with the given cutoff and radius; random weights from a fixed seed,
 * so the ReLU and tanh potentials share everything but the activation. */
static nnv_potential *toy_potential(int act, int cutoff, double rc)
{
    static const int Zs[2] = {1, 8};
    nnv_potential *p = calloc(1, sizeof *p);
    rng_state = 0x2545F4914F6CDD1Dull;
    p->description = calloc(1, 1);
    p->n_elements = 2;
    p->elements = calloc(2, sizeof *p->elements);
    for (int e = 0; e < 2; e++) {
        nnv_element_model *em = &p->elements[e];
        int k = 0;
        em->Z = Zs[e];
        em->E0 = -1.0;
        em->sf = calloc(12, sizeof *em->sf);
        for (int j = 0; j < 2; j++)
            for (int v = 0; v < 3; v++) {
                nnv_sf *sf = &em->sf[k++];
                sf->type = 2, sf->Zj = Zs[j], sf->cutoff = cutoff, sf->rc = rc;
                sf->eta = 0.05 + 0.6 * v, sf->rs = 0.0, sf->shift = 0.3, sf->scale = 1.0;
                sf->gmin = 0, sf->gmax = 100;
            }
        for (int j = 0; j < 2; j++)
            for (int kk = j; kk < 2; kk++)
                for (int v = 0; v < 2; v++) {
                    nnv_sf *sf = &em->sf[k++];
                    sf->type = 9, sf->Zj = Zs[j], sf->Zk = Zs[kk], sf->cutoff = cutoff, sf->rc = rc;
                    sf->eta = 0.1, sf->zeta = 1.0 + v, sf->lambda = v ? 1.0 : -1.0;
                    sf->shift = 0.1, sf->scale = 1.0, sf->gmin = 0, sf->gmax = 100;
                }
        em->n_sf = k;
        toy_network(&em->energy, em->n_sf, act);
    }
    return p;
}

static nnv_structure *make_structure(int n, const int *Z, const double *xyz)
{
    nnv_structure *s = NULL;
    nnv_error err;
    ck_assert_int_eq(nnv_structure_new(&s, n, Z, xyz, &err), NNV_OK);
    return s;
}

static nnv_structure *water(void)
{
    static const int Z[3] = {8, 1, 1};
    static const double x[9] = {0.0, 0.0, 0.1173, 0.0, 0.7572, -0.4692, 0.0, -0.7572, -0.4692};
    return make_structure(3, Z, x);
}

/* ---- paths ---------------------------------------------------------------- */

static double dist(const double *x, int i, int j)
{
    double d = 0;
    for (int q = 0; q < 3; q++) d += (x[3 * i + q] - x[3 * j + q]) * (x[3 * i + q] - x[3 * j + q]);
    return sqrt(d);
}

static double dihedral(const double *x, int i, int j, int k, int l)
{
    double b1[3], b2[3], b3[3], n1[3], n2[3], m[3], y, z, nb2;
    for (int q = 0; q < 3; q++) {
        b1[q] = x[3 * j + q] - x[3 * i + q];
        b2[q] = x[3 * k + q] - x[3 * j + q];
        b3[q] = x[3 * l + q] - x[3 * k + q];
    }
#define CROSS(o, a, b) (o[0] = a[1] * b[2] - a[2] * b[1], o[1] = a[2] * b[0] - a[0] * b[2], o[2] = a[0] * b[1] - a[1] * b[0])
    CROSS(n1, b1, b2);
    CROSS(n2, b2, b3);
    CROSS(m, n1, b2);
#undef CROSS
    nb2 = sqrt(b2[0] * b2[0] + b2[1] * b2[1] + b2[2] * b2[2]);
    z = n1[0] * n2[0] + n1[1] * n2[1] + n1[2] * n2[2];
    y = (m[0] * n2[0] + m[1] * n2[1] + m[2] * n2[2]) / nb2;
    return atan2(y, z) * 180.0 / 3.14159265358979323846;
}

START_TEST(test_path_geometry)
{
    /* Hydrogen peroxide H-O-O-H: turning about O-O moves only the second H. */
    static const int Z[4] = {1, 8, 8, 1};
    static const double x0[12] = {0.84, 0.0, 0.90, 0.0, 0.0, 0.73, 0.0, 0.0, -0.73, -0.84, 0.30, -0.90};
    nnv_structure *s = make_structure(4, Z, x0);
    nnv_path pa = {NNV_PATH_TORSION, {0, 1, 2, 3}, {0, 0, 0}, -30, 30};
    double x[12], d0 = dihedral(x0, 0, 1, 2, 3), dd;
    nnv_error err;
    ck_assert_int_eq(diag_path_point(x, &pa, s, 25.0, &err), NNV_OK);
    dd = fmod(dihedral(x, 0, 1, 2, 3) - d0 + 540.0, 360.0) - 180.0;
    ck_assert_msg(tu_close(dd, 25.0, 1e-9, 0), "dihedral moved by %g", dd);
    for (int q = 0; q < 9; q++) ck_assert(x[q] == x0[q]); /* H1, O1, O2 fixed */
    ck_assert(tu_close(dist(x, 2, 3), dist(x0, 2, 3), 1e-12, 0));
    ck_assert(tu_close(dist(x, 1, 3), dist(x0, 1, 3), 1e-12, 0));
    /* A bond path changes that distance by t. */
    pa = (nnv_path){NNV_PATH_BOND, {1, 2, 0, 0}, {0, 0, 0}, -0.1, 0.1};
    ck_assert_int_eq(diag_path_point(x, &pa, s, 0.07, &err), NNV_OK);
    ck_assert(tu_close(dist(x, 1, 2), dist(x0, 1, 2) + 0.07, 1e-12, 0));
    /* Bad paths are refused with a message, not a crash. */
    pa.atoms[1] = 1;
    ck_assert_int_eq(nnv_path_check(&pa, s, &err), NNV_EUSAGE);
    pa = (nnv_path){NNV_PATH_BOND, {0, 7, 0, 0}, {0, 0, 0}, -0.1, 0.1};
    ck_assert_int_eq(nnv_path_check(&pa, s, &err), NNV_EUSAGE);
    pa = (nnv_path){NNV_PATH_ATOM, {0, 0, 0, 0}, {0, 0, 0}, -0.1, 0.1};
    ck_assert_int_eq(nnv_path_check(&pa, s, &err), NNV_EUSAGE);
    pa = (nnv_path){NNV_PATH_BOND, {0, 1, 0, 0}, {0, 0, 0}, 0.1, 0.1};
    ck_assert_int_eq(nnv_path_check(&pa, s, &err), NNV_EUSAGE);
    nnv_structure_free(s);
}
END_TEST

/* ---- force continuity: ReLU vs tanh -------------------------------------- */

START_TEST(test_continuity_relu_vs_tanh)
{
    nnv_structure *s = water();
    nnv_path bond = {NNV_PATH_BOND, {0, 1, 0, 0}, {0, 0, 0}, -0.2, 0.2};
    nnv_path tors = {NNV_PATH_ATOM, {2, 0, 0, 0}, {0.3, 1.0, -0.2}, -0.2, 0.2};
    const nnv_path *paths[2] = {&bond, &tors};
    nnv_error err;
    for (int k = 0; k < 2; k++) {
        nnv_potential *relu = toy_potential(NNV_ACT_RELU, NNV_CUTOFF_POLY2, 4.0);
        nnv_potential *tanh_ = toy_potential(NNV_ACT_TANH, NNV_CUTOFF_POLY2, 4.0);
        nnv_scan sr, st;
        ck_assert_int_eq(nnv_path_scan(&sr, relu, s, paths[k], NNV_SCAN_FORCES, 0.008, 4, NULL, &err), NNV_OK);
        ck_assert_int_eq(nnv_path_scan(&st, tanh_, s, paths[k], NNV_SCAN_FORCES, 0.008, 4, NULL, &err), NNV_OK);
        ck_assert_int_eq(st.level[3].n_steps, 400);
        for (int l = 0; l < 3; l++) {
            /* Continuous forces: jump ~ h, halved with h (up to O(h) curvature terms). */
            ck_assert_msg(st.ratio[l] > 1.8 && st.ratio[l] < 2.2, "tanh path %d ratio %d = %g", k, l, st.ratio[l]);
        }
        /* ReLU: the finest steps still jump by about as much as the coarse ones. */
        ck_assert_msg(sr.ratio[2] > 0.9 && sr.ratio[2] < 1.3, "relu path %d last ratio %g", k, sr.ratio[2]);
        ck_assert_msg(sr.level[3].max_jump > 0.3 * sr.level[0].max_jump, "relu jump shrank: %g -> %g",
                      sr.level[0].max_jump, sr.level[3].max_jump);
        /* The kink is in the same place at the two finest levels. */
        ck_assert_msg(fabs(sr.level[3].t_at - sr.level[2].t_at) <= sr.level[2].h + 1e-12, "kink at %g vs %g",
                      sr.level[3].t_at, sr.level[2].t_at);
        nnv_potential_free(relu);
        nnv_potential_free(tanh_);
    }
    nnv_structure_free(s);
}
END_TEST

/* ---- curvature split ------------------------------------------------------ */

START_TEST(test_curvature_split)
{
    static const int Z[4] = {8, 1, 1, 8};
    static const double x[12] = {0.0, 0.0, 0.1173, 0.0, 0.7572, -0.4692, 0.0, -0.7572, -0.4692, 0.3, 0.2, 2.6};
    nnv_structure *s = make_structure(4, Z, x);
    nnv_error err;
    for (int act = 0; act < 2; act++) {
        nnv_potential *p = toy_potential(act ? NNV_ACT_TANH : NNV_ACT_RELU, NNV_CUTOFF_POLY2, 4.0);
        nnv_curvature *c = NULL;
        nnv_result *r = NULL;
        size_t n3 = 12;
        ck_assert_int_eq(nnv_curvature_split(&c, p, s, NULL, &err), NNV_OK);
        ck_assert_int_eq(nnv_compute(&r, p, s, TU_WANT(NNV_WANT_HESSIAN), &err), NNV_OK);
        for (size_t k = 0; k < n3 * n3; k++)
            ck_assert_msg(fabs(r->hessian[k] - c->h_net[k] - c->h_sf[k]) <= 1e-10, "H_net + H_sf != H at %zu", k);
        ck_assert(c->closure <= 1e-10);
        /* Both parts exactly symmetric, as the Hessian (each local block is). */
        for (size_t a = 0; a < n3; a++)
            for (size_t b = 0; b < a; b++)
                ck_assert(c->h_net[a * n3 + b] == c->h_net[b * n3 + a] && c->h_sf[a * n3 + b] == c->h_sf[b * n3 + a]);
        /* The split is nnv_compute's own assembly: its total is the same to the bit. */
        {
            nnv_result *r2 = NULL;
            double *hn = NULL, *hs = NULL;
            ck_assert_int_eq(model_compute(&r2, &hn, &hs, p, s, TU_WANT(NNV_WANT_HESSIAN), &err), NNV_OK);
            ck_assert(memcmp(r2->hessian, r->hessian, n3 * n3 * sizeof *r->hessian) == 0);
            ck_assert(memcmp(hn, c->h_net, n3 * n3 * sizeof *hn) == 0 && memcmp(hs, c->h_sf, n3 * n3 * sizeof *hs) == 0);
            nnv_result_free(r2);
            free(hn);
            free(hs);
        }
        ck_assert(c->norm_sf > 1e-3);
        if (act == 0) {
            /* a'' = 0 for ReLU: no curvature of the network's own, exactly. */
            ck_assert_msg(c->max_abs_net == 0.0 && c->norm_net == 0.0 && c->net_share == 0.0,
                          "ReLU H_net max %g", c->max_abs_net);
        } else {
            ck_assert_msg(c->norm_net > 1e-2 * c->norm_sf && c->net_share > 0.01, "tanh share %g", c->net_share);
        }
        nnv_result_free(r);
        nnv_curvature_free(c);
        nnv_potential_free(p);
    }
    nnv_structure_free(s);
}
END_TEST

/* The split of a cluster large enough for the model's threads (64 atoms and
 * more) is the same to the bit on 1 and 2 threads; its budget counts the
 * Hessian and both parts. */
START_TEST(test_curvature_split_threads)
{
    enum { N_MOL = 24 };
    int Z[3 * N_MOL];
    double x[9 * N_MOL];
    nnv_potential *p = toy_potential(NNV_ACT_TANH, NNV_CUTOFF_POLY2, 4.0);
    nnv_structure *s;
    nnv_curvature *c[2] = {NULL, NULL};
    nnv_error err;
    size_t nn = 81 * (size_t)N_MOL * N_MOL;
    double mib;
    for (int m = 0; m < N_MOL; m++) {
        static const double w[9] = {0.0, 0.0, 0.1173, 0.0, 0.7572, -0.4692, 0.0, -0.7572, -0.4692};
        for (int a = 0; a < 3; a++) {
            Z[3 * m + a] = a ? 1 : 8;
            x[9 * m + 3 * a] = w[3 * a] + 3.1 * (m % 3);
            x[9 * m + 3 * a + 1] = w[3 * a + 1] + 3.1 * (m / 3 % 4);
            x[9 * m + 3 * a + 2] = w[3 * a + 2] + 3.1 * (m / 12);
        }
    }
    s = make_structure(3 * N_MOL, Z, x);
    {
#ifdef _OPENMP
        int saved = omp_get_max_threads();
#endif
        for (int t = 0; t < 2; t++) {
#ifdef _OPENMP
            omp_set_num_threads(t + 1);
#endif
            ck_assert_msg(nnv_curvature_split(&c[t], p, s, NULL, &err) == NNV_OK, "%s", err.message);
        }
#ifdef _OPENMP
        omp_set_num_threads(saved);
#endif
    }
    ck_assert(c[0]->closure <= 1e-9 && c[0]->net_share > 0.0);
    ck_assert(memcmp(c[0]->h_net, c[1]->h_net, nn * sizeof(double)) == 0);
    ck_assert(memcmp(c[0]->h_sf, c[1]->h_sf, nn * sizeof(double)) == 0);
    ck_assert(c[0]->norm_total == c[1]->norm_total && c[0]->closure == c[1]->closure);
    /* Room for one 3N x 3N matrix but not three: the split is refused, the Hessian is not. */
    mib = 1.5 * (double)nn * sizeof(double) / 1048576.0;
    nnv_curvature_free(c[1]);
    c[1] = NULL;
    ck_assert_int_eq(nnv_curvature_split(&c[1], p, s, &(nnv_compute_options){0u, 0.0, mib}, &err), NNV_ENOMEM);
    ck_assert_msg(strstr(err.message, "3 x 3N x 3N") != NULL, "%s", err.message);
    ck_assert_ptr_null(c[1]);
    {
        nnv_result *r = NULL;
        ck_assert_int_eq(nnv_compute(&r, p, s, &(nnv_compute_options){NNV_WANT_HESSIAN, 0.0, mib}, &err), NNV_OK);
        nnv_result_free(r);
    }
    nnv_curvature_free(c[0]);
    nnv_structure_free(s);
    nnv_potential_free(p);
}
END_TEST

/* ---- analytic vs finite-difference Hessian -------------------------------- */

START_TEST(test_fd_disagreement)
{
    nnv_structure *s = water();
    nnv_potential *p = toy_potential(NNV_ACT_TANH, NNV_CUTOFF_POLY2, 4.0);
    const double steps[3] = {1e-2, 1e-3, 1e-4};
    nnv_fd_disagreement d[3];
    nnv_error err;
    ck_assert_int_eq(nnv_hessian_fd_disagreement(d, steps, 3, p, s, NULL, &err), NNV_OK);
    /* Central differences: error ~ step², so 1e-2 -> 1e-3 shrinks it ~100 times. */
    ck_assert_msg(d[0].max_abs / d[1].max_abs > 50 && d[0].max_abs / d[1].max_abs < 150, "ratio %g",
                  d[0].max_abs / d[1].max_abs);
    ck_assert(d[2].max_rel < 1e-7);
    ck_assert(d[0].max_freq > d[2].max_freq);
    ck_assert_int_eq(nnv_hessian_fd_disagreement(d, steps, 0, p, s, NULL, &err), NNV_EUSAGE);
    nnv_potential_free(p);
    nnv_structure_free(s);
}
END_TEST

/* ---- cutoffs: COS (C1) vs POLY2 (C2) -------------------------------------- */

START_TEST(test_cutoff_hessian_jump)
{
    /* An O-H pair 2.9 A apart, rc = 3.0: the stretch crosses rc at t = 0.1. */
    static const int Z[2] = {8, 1};
    static const double x[6] = {0, 0, 0, 0.0, 0.0, 2.9013};
    nnv_structure *s = make_structure(2, Z, x);
    nnv_path pa = {NNV_PATH_BOND, {0, 1, 0, 0}, {0, 0, 0}, 0.0, 0.0};
    nnv_error err;
    double r0 = dist(s->xyz, 0, 1), fd_cos = 0.0;
    pa.t_start = 2.95 - r0, pa.t_end = 3.05 - r0; /* r0 = 2.9013: no grid point lands on rc */
    for (int c = 0; c < 2; c++) {
        nnv_potential *p = toy_potential(NNV_ACT_TANH, c ? NNV_CUTOFF_POLY2 : NNV_CUTOFF_COS, 3.0);
        nnv_scan sh, sf;
        ck_assert_int_eq(nnv_path_scan(&sh, p, s, &pa, NNV_SCAN_HESSIAN, 0.005, 4, NULL, &err), NNV_OK);
        ck_assert_int_eq(nnv_path_scan(&sf, p, s, &pa, NNV_SCAN_FORCES, 0.005, 4, NULL, &err), NNV_OK);
        /* Forces are continuous for both (both cutoffs are at least C1). */
        ck_assert_msg(sf.ratio[2] > 1.7 && sf.ratio[2] < 2.3, "cutoff %d force ratio %g", c, sf.ratio[2]);
        if (c == 0) {
            ck_assert_msg(sh.ratio[2] > 0.9 && sh.ratio[2] < 1.2, "COS Hessian ratio %g", sh.ratio[2]);
            /* The jump is where the pair crosses rc. */
            ck_assert_msg(fabs(r0 + sh.level[3].t_at - 3.0) <= sh.level[3].h + 1e-9, "COS jump at r = %g",
                          r0 + sh.level[3].t_at);
        } else {
            ck_assert_msg(sh.ratio[2] > 1.7 && sh.ratio[2] < 2.3, "POLY2 Hessian ratio %g", sh.ratio[2]);
        }
        {
            /* The pair 0.004 A inside rc: a 0.01 A finite-difference step crosses
             * rc, a 0.001 A one does not. Across the COS cutoff's jump of f'' the
             * FD Hessian stays off by O(1) of the jump; with POLY2 it is O(step²). */
            nnv_structure *s2 = NULL;
            const double steps[2] = {1e-2, 1e-3};
            nnv_fd_disagreement d[2];
            ck_assert_int_eq(nnv_structure_copy(&s2, s, &err), NNV_OK);
            s2->xyz[5] = 3.0 - 0.004;
            ck_assert_int_eq(nnv_hessian_fd_disagreement(d, steps, 2, p, s2, NULL, &err), NNV_OK);
            fprintf(stderr, "cutoff %s near rc: FD disagreement %.3e (1e-2), %.3e (1e-3) eV/A^2\n", c ? "POLY2" : "COS",
                    d[0].max_abs, d[1].max_abs);
            if (c == 0) fd_cos = d[0].max_abs;
            else ck_assert_msg(fd_cos > 20.0 * d[0].max_abs, "COS %g vs POLY2 %g", fd_cos, d[0].max_abs);
            nnv_structure_free(s2);
        }
        nnv_potential_free(p);
    }
    nnv_structure_free(s);
}
END_TEST

/* ---- molecular dynamics --------------------------------------------------- */

START_TEST(test_md_units)
{
    /* The MD unit, checked against the independent wavenumber constant of
     * vib.h: omega = sqrt(eV/(A^2 u)) = sqrt(NNV_ACCEL_FACTOR) rad/fs, and
     * nu~ = omega / (2 pi c) with c = 2.99792458e10 cm/s. */
    double nu = sqrt(NNV_ACCEL_FACTOR) * 1e15 / (2.0 * 3.14159265358979323846 * 2.99792458e10);
    ck_assert_msg(tu_close(nu, NNV_CM1_FACTOR, 0, 1e-9), "%.12g vs %.12g", nu, NNV_CM1_FACTOR);
    ck_assert(tu_close(NNV_EV_PER_UA2FS2, 103.6427, 1e-4, 0));
}
END_TEST

START_TEST(test_md_maxwell_boltzmann)
{
    /* 400 isolated H and O atoms (10 A apart): sigma_v^2 = kB T / m, so
     * <v_H^2> / <v_O^2> = m_O / m_H; the centre-of-mass momentum is zero. */
    enum { N = 400 };
    int *Z = malloc(N * sizeof *Z);
    double *x = malloc(3 * N * sizeof *x), vh = 0, vo = 0, P[3] = {0, 0, 0};
    nnv_structure *s;
    nnv_potential *p = toy_potential(NNV_ACT_TANH, NNV_CUTOFF_POLY2, 4.0);
    nnv_md_state *st = NULL;
    nnv_error err;
    for (int i = 0; i < N; i++) {
        Z[i] = i % 2 ? 8 : 1;
        x[3 * i] = 10.0 * (i % 20), x[3 * i + 1] = 10.0 * (i / 20), x[3 * i + 2] = 0.0;
    }
    s = make_structure(N, Z, x);
    ck_assert_int_eq(nnv_md_new(&st, p, s, &err), NNV_OK);
    ck_assert_int_eq(nnv_md_maxwell_boltzmann(st, 500.0, 42, &err), NNV_OK);
    ck_assert(tu_close(nnv_md_temperature(st), 500.0, 1e-9, 0));
    for (int i = 0; i < N; i++) {
        double v2 = 0;
        for (int q = 0; q < 3; q++) v2 += st->vel[3 * i + q] * st->vel[3 * i + q], P[q] += s->masses[i] * st->vel[3 * i + q];
        if (Z[i] == 1) vh += v2;
        else vo += v2;
    }
    ck_assert_msg(tu_close(vh / vo, s->masses[1] / s->masses[0], 0, 0.2), "<vH2>/<vO2> = %g", vh / vo);
    for (int q = 0; q < 3; q++) ck_assert(fabs(P[q]) < 1e-10);
    ck_assert_int_eq(nnv_md_maxwell_boltzmann(st, -1.0, 42, &err), NNV_EUSAGE);
    nnv_md_free(st);
    nnv_structure_free(s);
    nnv_potential_free(p);
    free(Z);
    free(x);
}
END_TEST

START_TEST(test_md_energy_conservation)
{
    /* Water on the shipped tanh potential, 300 K, 400 steps of 0.25 fs (100 fs,
     * about eleven O-H stretch periods). Velocity Verlet conserves a shadow
     * energy, so E oscillates ~ dt^2 without drift. For a harmonic mode of
     * angular frequency w the relative energy error is about (w dt)^2 / 8;
     * the fastest mode (3700 cm-1, w = 0.70 rad/fs) gives 3.8e-3 at 0.25 fs,
     * times the energy in motion (3N - 3)/2 kB T = 0.078 eV: 3e-4 eV bounds the
     * RMS. A drift of 1e-3 eV/ps would add 1e-4 eV over the run, below that.
     * And halving dt must shrink the fluctuation ~4x (the dt^2 law). */
    nnv_potential *p = tu_potential("hcno-tanh.bin");
    nnv_structure *s = tu_molecule("water.xyz");
    nnv_md_options o = {300.0, 0.25, 400, 7, NULL, NULL, 1};
    nnv_md_report a, b;
    nnv_error err;
    nnv_opt_report orep;
    ck_assert_int_eq(nnv_optimize(s, p, NULL, &orep, &err), NNV_OK);
    ck_assert_int_eq(nnv_md_run(&a, p, s, &o, &err), NNV_OK);
    o.dt = 0.125, o.n_steps = 800;
    ck_assert_int_eq(nnv_md_run(&b, p, s, &o, &err), NNV_OK);
    fprintf(stderr, "md water tanh: dt 0.25: drift %.3e eV/ps rms %.3e eV max %.3e; dt 0.125: drift %.3e rms %.3e; "
            "T %.1f K\n", a.drift_per_ps, a.rms_fluctuation, a.max_deviation, b.drift_per_ps, b.rms_fluctuation,
            a.mean_temperature);
    ck_assert_msg(a.rms_fluctuation < 3e-4, "rms %g eV", a.rms_fluctuation);
    ck_assert_msg(fabs(a.drift_per_ps) < 1e-3, "drift %g eV/ps", a.drift_per_ps);
    ck_assert_msg(a.rms_fluctuation / b.rms_fluctuation > 3.0 && a.rms_fluctuation / b.rms_fluctuation < 5.0,
                  "rms ratio %g (dt^2: 4)", a.rms_fluctuation / b.rms_fluctuation);
    ck_assert(a.mean_temperature > 50 && a.mean_temperature < 300);
    nnv_structure_free(s);
    nnv_potential_free(p);
}
END_TEST

START_TEST(test_md_reversible)
{
    nnv_potential *p = tu_potential("hcno-tanh.bin");
    nnv_structure *s = tu_molecule("methanol.xyz");
    nnv_md_state *st = NULL;
    nnv_error err;
    double maxd = 0;
    ck_assert_int_eq(nnv_md_new(&st, p, s, &err), NNV_OK);
    ck_assert_int_eq(nnv_md_maxwell_boltzmann(st, 300.0, 3, &err), NNV_OK);
    for (int k = 0; k < 200; k++) ck_assert_int_eq(nnv_md_step(st, 0.5, &err), NNV_OK);
    ck_assert(dist(st->xyz, 0, 1) != dist(s->xyz, 0, 1));
    for (int a = 0; a < 3 * s->n_atoms; a++) st->vel[a] = -st->vel[a];
    for (int k = 0; k < 200; k++) ck_assert_int_eq(nnv_md_step(st, 0.5, &err), NNV_OK);
    for (int a = 0; a < 3 * s->n_atoms; a++)
        if (fabs(st->xyz[a] - s->xyz[a]) > maxd) maxd = fabs(st->xyz[a] - s->xyz[a]);
    fprintf(stderr, "md reversibility: max |dx| after 200 steps forth and back %.3e A\n", maxd);
    ck_assert_msg(maxd < 1e-8, "returned within %g A", maxd);
    ck_assert_int_eq(nnv_md_step(st, 0.0, &err), NNV_EUSAGE);
    nnv_md_free(st);
    nnv_structure_free(s);
    nnv_potential_free(p);
}
END_TEST

/* A trajectory: the public MD frame writer as the observer, into an nnv_ofile. */
static int traj_frame(void *ctx, const nnv_md_state *st, int step, nnv_error *err)
{
    return nnv_extxyz_write_md_frame(ctx, st, step, err);
}

static int run_to_file(nnv_md_report *r, const nnv_potential *p, const nnv_structure *s, nnv_md_options *o,
                       const char *path, nnv_error *err)
{
    nnv_ofile *f = NULL;
    int rc = nnv_ofile_open(&f, path, err);
    if (rc != NNV_OK) return rc;
    o->observe = traj_frame;
    o->observe_ctx = f;
    if ((rc = nnv_md_run(r, p, s, o, err)) != NNV_OK) {
        nnv_ofile_discard(f);
        return rc;
    }
    return nnv_ofile_commit(f, err);
}

START_TEST(test_md_seed)
{
    nnv_potential *p = tu_potential("hcno-softplus.bin");
    nnv_structure *s = tu_molecule("water.xyz");
    char t1[] = "/tmp/nnvib-md-XXXXXX", t2[] = "/tmp/nnvib-md-XXXXXX", t3[] = "/tmp/nnvib-md-XXXXXX";
    static const char head[] =
        "3\nProperties=species:S:1:pos:R:3:velocities:R:3:forces:R:3 pbc=\"F F F\" step=0 time=0.000000 energy=";
    char *a, *b, *c;
    size_t la, lb, lc;
    nnv_md_options o = {300.0, 0.5, 50, 11, NULL, NULL, 5};
    nnv_md_report r;
    nnv_error err;
    close(mkstemp(t1));
    close(mkstemp(t2));
    close(mkstemp(t3));
    ck_assert_int_eq(run_to_file(&r, p, s, &o, t1, &err), NNV_OK);
    ck_assert_int_eq(r.n_frames, 11);
    ck_assert_int_eq(run_to_file(&r, p, s, &o, t2, &err), NNV_OK);
    o.seed = 12;
    ck_assert_int_eq(run_to_file(&r, p, s, &o, t3, &err), NNV_OK);
    a = tu_read_file(t1, &la);
    b = tu_read_file(t2, &lb);
    c = tu_read_file(t3, &lc);
    ck_assert(a && b && c);
    ck_assert(la == lb && memcmp(a, b, la) == 0);
    ck_assert(la != lc || memcmp(a, c, la) != 0);
    ck_assert(strstr(a, "velocities:R:3") && strstr(a, "step=50 "));
    /* The frame layout, and the numbers of step 0 (at rest in the
     * Maxwell-Boltzmann sense: T exactly 300 K). */
    ck_assert_msg(!strncmp(a, head, strlen(head)), "%.120s", a);
    ck_assert_ptr_nonnull(strstr(a, " temperature=300.000000\nO  "));
    /* An unwritable trajectory fails with NNV_EIO at the open. */
    ck_assert_int_eq(run_to_file(&r, p, s, &o, "/nonexistent-dir/traj.xyz", &err), NNV_EIO);
    ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent-dir/traj.xyz"));
    /* A device that refuses the bytes stops the run at a frame, naming it. */
    if (access("/dev/full", W_OK) == 0) {
        ck_assert_int_eq(run_to_file(&r, p, s, &o, "/dev/full", &err), NNV_EIO);
        ck_assert_msg(strstr(err.message, "cannot write /dev/full") != NULL, "%s", err.message);
    }
    ck_assert_int_eq(nnv_extxyz_write_md_frame(NULL, NULL, 0, &err), NNV_EUSAGE);
    o.n_steps = -1;
    ck_assert_int_eq(nnv_md_run(&r, p, s, &o, &err), NNV_EUSAGE);
    remove(t1);
    remove(t2);
    remove(t3);
    free(a);
    free(b);
    free(c);
    nnv_structure_free(s);
    nnv_potential_free(p);
}
END_TEST

/* An observer that records the steps it sees and stops at stop_at. */
typedef struct seen {
    int n, steps[128], stop_at, stop_status;
    double time[128];
} seen;

static int record(void *ctx, const nnv_md_state *st, int step, nnv_error *err)
{
    seen *w = ctx;
    if (w->n < 128) w->steps[w->n] = step, w->time[w->n] = st->time;
    w->n++;
    if (step == w->stop_at) return nnv_error_set(err, w->stop_status, "stopped at step %d", step);
    return 0;
}

START_TEST(test_md_observer)
{
    nnv_potential *p = tu_potential("hcno-tanh.bin");
    nnv_structure *s = tu_molecule("water.xyz");
    nnv_md_options o, d;
    nnv_md_report r, rz, rn;
    nnv_error err = {0, ""};
    seen w;

    /* Step 0 and every k steps, with the state of that step. */
    memset(&o, 0, sizeof o);
    memset(&w, 0, sizeof w);
    w.stop_at = -1;
    o.temperature = 200.0, o.dt = 0.25, o.n_steps = 25, o.every = 7, o.observe = record, o.observe_ctx = &w;
    ck_assert_int_eq(nnv_md_run(&r, p, s, &o, &err), NNV_OK);
    ck_assert_int_eq(w.n, 4);
    ck_assert_int_eq(r.n_frames, 4);
    for (int k = 0; k < 4; k++) {
        ck_assert_int_eq(w.steps[k], 7 * k);
        ck_assert(tu_close(w.time[k], 0.25 * 7 * k, 1e-12, 0));
    }
    /* A nonzero return stops the run with that status and message. */
    memset(&w, 0, sizeof w);
    w.stop_at = 14, w.stop_status = NNV_EIO;
    ck_assert_int_eq(nnv_md_run(&r, p, s, &o, &err), NNV_EIO);
    ck_assert_int_eq(w.n, 3);
    ck_assert_str_eq(err.message, "stopped at step 14");
    memset(&w, 0, sizeof w);
    w.stop_at = 0, w.stop_status = 42;
    ck_assert_int_eq(nnv_md_run(&r, p, s, &o, &err), 42);
    ck_assert_int_eq(w.n, 1);
    /* Zero-initialised options (and NULL) are the documented defaults:
     * 1000 steps of 0.5 fs from rest, an observer every 10 steps. */
    memset(&o, 0, sizeof o);
    memset(&d, 0, sizeof d);
    memset(&w, 0, sizeof w);
    w.stop_at = -1;
    o.observe = record, o.observe_ctx = &w;
    d.dt = 0.5, d.n_steps = 1000, d.every = 10;
    ck_assert_int_eq(nnv_md_run(&rz, p, s, &o, &err), NNV_OK);
    ck_assert_int_eq(w.n, 101);
    ck_assert_int_eq(rz.n_frames, 101);
    ck_assert_int_eq(w.steps[100], 1000);
    ck_assert_int_eq(nnv_md_run(&r, p, s, &d, &err), NNV_OK);
    ck_assert_int_eq(nnv_md_run(&rn, p, s, NULL, &err), NNV_OK);
    ck_assert_int_eq(rz.n_steps, 1000);
    ck_assert(rz.dt == 0.5);
    ck_assert(rz.e_end == r.e_end && rz.drift_per_ps == r.drift_per_ps && rz.mean_temperature == r.mean_temperature);
    ck_assert(rn.e_end == r.e_end && rn.n_steps == 1000 && rn.n_frames == 0);
    ck_assert(rz.mean_temperature < 20.0); /* from rest: only what the forces give */
    /* Negative or non-finite options are usage errors. */
    d.every = -1;
    ck_assert_int_eq(nnv_md_run(&r, p, s, &d, &err), NNV_EUSAGE);
    d.every = 0, d.dt = -0.5;
    ck_assert_int_eq(nnv_md_run(&r, p, s, &d, &err), NNV_EUSAGE);
    d.dt = NAN;
    ck_assert_int_eq(nnv_md_run(&r, p, s, &d, &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_md_run(NULL, p, s, &d, &err), NNV_EUSAGE);
    nnv_structure_free(s);
    nnv_potential_free(p);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("diagnostics");
    TCase *tc = tcase_create("diagnostics");
    SRunner *sr;
    int failed;
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_path_geometry);
    tcase_add_test(tc, test_continuity_relu_vs_tanh);
    tcase_add_test(tc, test_curvature_split);
    tcase_add_test(tc, test_curvature_split_threads);
    tcase_add_test(tc, test_fd_disagreement);
    tcase_add_test(tc, test_cutoff_hessian_jump);
    tcase_add_test(tc, test_md_units);
    tcase_add_test(tc, test_md_maxwell_boltzmann);
    tcase_add_test(tc, test_md_energy_conservation);
    tcase_add_test(tc, test_md_reversible);
    tcase_add_test(tc, test_md_seed);
    tcase_add_test(tc, test_md_observer);
    suite_add_tcase(su, tc);
    sr = srunner_create(su);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
