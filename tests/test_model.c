/* Unit tests of the model: activations, cutoffs, symmetry functions, networks,
 * neighbour lists and the assembled energy/forces/Hessian, checked against
 * finite differences and physical invariances (not against stored output). */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

/* Deterministic generator so failures reproduce (xorshift64*). */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static double urand(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}
static double srand1(void) { return 2.0 * urand() - 1.0; }

/* ---- activations and cutoffs --------------------------------------------- */

START_TEST(test_activation_derivatives)
{
    const double xs[] = {-7.3, -2.0, -0.4, 0.3, 1.1, 2.9, 8.0};
    for (int act = 0; act < NNV_ACT_COUNT; act++) {
        for (size_t t = 0; t < sizeof xs / sizeof xs[0]; t++) {
            double x = xs[t], h = 1e-5, a, da, d2a, ap, dap, d2ap, am, dam, d2am;
            net_activation(act, 0.7, x, &a, &da, &d2a);
            net_activation(act, 0.7, x + h, &ap, &dap, &d2ap);
            net_activation(act, 0.7, x - h, &am, &dam, &d2am);
            ck_assert_msg(tu_close(da, (ap - am) / (2 * h), 1e-8, 1e-7), "act %d x %g: a' %g vs fd %g", act, x, da,
                          (ap - am) / (2 * h));
            ck_assert_msg(tu_close(d2a, (dap - dam) / (2 * h), 1e-7, 1e-6), "act %d x %g: a'' %g vs fd %g", act, x,
                          d2a, (dap - dam) / (2 * h));
        }
    }
}
END_TEST

START_TEST(test_activation_values)
{
    double a, da, d2a;
    net_activation(NNV_ACT_SOFTPLUS, 0, 800.0, &a, &da, &d2a); /* no overflow */
    ck_assert(tu_close(a, 800.0, 1e-12, 0));
    net_activation(NNV_ACT_SSP, 0, 0.0, &a, &da, &d2a);
    ck_assert(fabs(a) < 1e-300);
    net_activation(NNV_ACT_SSP, 0, 1e-10, &a, &da, &d2a); /* ln((1+e^x)/2) ~ x/2 */
    ck_assert(tu_close(a, 0.5e-10, 0, 1e-9));
    net_activation(NNV_ACT_SSP, 0, -900.0, &a, &da, &d2a);
    ck_assert(tu_close(a, -log(2.0), 1e-15, 0));
    net_activation(NNV_ACT_GELU, 0, 1.0, &a, &da, &d2a);
    ck_assert(tu_close(a, 0.8413447460685429, 1e-15, 0));
    net_activation(NNV_ACT_RELU, 0, 0.0, &a, &da, &d2a); /* spec: a'(0) = 0 */
    ck_assert(a == 0.0 && da == 0.0 && d2a == 0.0);
    net_activation(NNV_ACT_CELU, 0.5, 0.0, &a, &da, &d2a); /* spec: a''(0) = 1/alpha */
    ck_assert(a == 0.0 && da == 1.0 && d2a == 2.0);
}
END_TEST

START_TEST(test_cutoff_derivatives)
{
    for (int type = 0; type < 3; type++) {
        for (double alpha = 0.0; alpha < 0.6; alpha += 0.5) {
            for (double r = 0.3; r < 6.0; r += 0.37) {
                double rc = 5.2, h = 1e-6, f, df, d2f, fp, dfp, d2fp, fm, dfm, d2fm;
                sf_cutoff(type, rc, alpha, r, &f, &df, &d2f);
                sf_cutoff(type, rc, alpha, r + h, &fp, &dfp, &d2fp);
                sf_cutoff(type, rc, alpha, r - h, &fm, &dfm, &d2fm);
                ck_assert_msg(tu_close(df, (fp - fm) / (2 * h), 1e-8, 1e-7), "cutoff %d r %g", type, r);
                ck_assert_msg(tu_close(d2f, (dfp - dfm) / (2 * h), 1e-7, 1e-6), "cutoff %d r %g", type, r);
                if (r >= rc) ck_assert(f == 0.0 && df == 0.0 && d2f == 0.0);
            }
        }
    }
    /* Smoothness at rc: COS is C1 (f'' jumps to 0), POLY2 and TANHU are C2. */
    {
        double f, df, d2f;
        sf_cutoff(NNV_CUTOFF_COS, 4.0, 0, 4.0 - 1e-9, &f, &df, &d2f);
        ck_assert(fabs(df) < 1e-8 && d2f > 0.3);
        sf_cutoff(NNV_CUTOFF_POLY2, 4.0, 0, 4.0 - 1e-9, &f, &df, &d2f);
        ck_assert(fabs(d2f) < 1e-6);
        sf_cutoff(NNV_CUTOFF_TANHU, 4.0, 0, 4.0 - 1e-9, &f, &df, &d2f);
        ck_assert(fabs(d2f) < 1e-6);
    }
}
END_TEST

/* ---- random networks and potentials -------------------------------------- */

static void random_network(nnv_network *net, int n_in, int n_hidden_layers, int width, int act)
{
    net->n_layers = n_hidden_layers + 1;
    net->layers = calloc((size_t)net->n_layers, sizeof *net->layers);
    for (int l = 0; l < net->n_layers; l++) {
        nnv_layer *ly = &net->layers[l];
        ly->n_in = l == 0 ? n_in : width;
        ly->n_out = l == net->n_layers - 1 ? 1 : width;
        ly->activation = l == net->n_layers - 1 ? NNV_ACT_IDENTITY : act;
        ly->param = ly->activation == NNV_ACT_CELU ? 0.8 : 0.0;
        ly->W = malloc((size_t)(ly->n_in * ly->n_out) * sizeof *ly->W);
        ly->b = malloc((size_t)ly->n_out * sizeof *ly->b);
        for (int i = 0; i < ly->n_in * ly->n_out; i++) ly->W[i] = srand1() / sqrt(ly->n_in);
        for (int i = 0; i < ly->n_out; i++) ly->b[i] = 0.3 * srand1();
    }
}

START_TEST(test_network_derivatives)
{
    const int acts[] = {NNV_ACT_SOFTPLUS, NNV_ACT_TANH, NNV_ACT_SILU, NNV_ACT_GELU, NNV_ACT_SSP, NNV_ACT_CELU};
    for (size_t t = 0; t < sizeof acts / sizeof acts[0]; t++) {
        nnv_network net;
        net_workspace ws = {0, 0, NULL, 0};
        int n = 5;
        double x[5], g[5], H[25], gp[5], gm[5], y, h = 1e-6;
        random_network(&net, n, 2, 7, acts[t]);
        for (int i = 0; i < n; i++) x[i] = srand1();
        ck_assert_int_eq(net_eval(&net, x, &y, g, H, &ws), NNV_OK);
        for (int i = 0; i < n; i++) {
            double yp, ym, x0 = x[i];
            x[i] = x0 + h;
            net_eval(&net, x, &yp, gp, NULL, &ws);
            x[i] = x0 - h;
            net_eval(&net, x, &ym, gm, NULL, &ws);
            x[i] = x0;
            ck_assert_msg(tu_close(g[i], (yp - ym) / (2 * h), 1e-8, 1e-7), "act %d grad %d", acts[t], i);
            for (int j = 0; j < n; j++)
                ck_assert_msg(tu_close(H[i * n + j], (gp[j] - gm[j]) / (2 * h), 1e-7, 1e-6),
                              "act %d hess %d %d: %g vs %g", acts[t], i, j, H[i * n + j], (gp[j] - gm[j]) / (2 * h));
        }
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) ck_assert(fabs(H[i * n + j] - H[j * n + i]) < 1e-12);
        {
            /* nnv_potential_free owns the freeing logic: borrow it. */
            nnv_potential *holder = calloc(1, sizeof *holder);
            holder->n_elements = 1;
            holder->elements = calloc(1, sizeof *holder->elements);
            holder->elements[0].energy = net;
            nnv_potential_free(holder);
        }
        net_workspace_free(&ws);
    }
}
END_TEST

/* A potential for H, C, O with every SF type and cutoff, random weights. */
static nnv_potential *random_potential(int act, double zeta_extra)
{
    static const int Zs[3] = {1, 6, 8};
    nnv_potential *p = calloc(1, sizeof *p);
    p->description = calloc(1, 1);
    p->n_elements = 3;
    p->elements = calloc(3, sizeof *p->elements);
    for (int e = 0; e < 3; e++) {
        nnv_element_model *em = &p->elements[e];
        int k = 0;
        em->Z = Zs[e];
        em->E0 = -10.0 * (e + 1);
        em->n_sf = 3 * 2 + 6 * 2 + 6 * 2;
        em->sf = calloc((size_t)em->n_sf, sizeof *em->sf);
        for (int j = 0; j < 3; j++)
            for (int v = 0; v < 2; v++) {
                nnv_sf *sf = &em->sf[k++];
                sf->type = 2, sf->Zj = Zs[j], sf->cutoff = (j + v) % 3, sf->rc = 3.5 + v;
                sf->cutoff_alpha = sf->cutoff == NNV_CUTOFF_POLY2 ? 0.2 * v : 0.0;
                sf->eta = 0.5 + v, sf->rs = 0.5 * v, sf->shift = 0.1, sf->scale = 0.9;
                sf->gmin = 0, sf->gmax = 10;
            }
        for (int type = 3; type <= 9; type += 6)
            for (int j = 0; j < 3; j++)
                for (int kk = j; kk < 3; kk++)
                    for (int v = 0; v < 2; v++) {
                        nnv_sf *sf = &em->sf[k++];
                        if (k > em->n_sf) abort();
                        sf->type = type, sf->Zj = Zs[j], sf->Zk = Zs[kk], sf->cutoff = (j + kk + v) % 3;
                        sf->rc = 4.0 + v, sf->cutoff_alpha = 0.0, sf->eta = 0.1 + 0.2 * v, sf->rs = 0.3 * v;
                        sf->zeta = v ? 1.0 : 2.0 + zeta_extra, sf->lambda = (j + v) % 2 ? 1.0 : -1.0;
                        sf->shift = 0.05, sf->scale = 1.3, sf->gmin = 0, sf->gmax = 10;
                    }
        em->n_sf = k;
        random_network(&em->energy, em->n_sf, 2, 6, act);
        random_network(&em->charge, em->n_sf, 1, 4, NNV_ACT_TANH);
    }
    p->flags = NNV_FLAG_CHARGES;
    return p;
}

/* A 6-atom H/C/O cluster (methanol-like), not symmetric. */
static nnv_structure *random_cluster(void)
{
    static const int Z[6] = {6, 8, 1, 1, 1, 1};
    static const double x0[18] = {0.0, 0.0, 0.0, 1.42, 0.0, 0.0, -0.36, 1.03, 0.0, -0.36, -0.5, 0.89,
                                  -0.36, -0.5, -0.89, 1.75, 0.9, 0.0};
    nnv_structure *s = calloc(1, sizeof *s);
    s->n_atoms = 6;
    s->Z = malloc(sizeof Z);
    memcpy(s->Z, Z, sizeof Z);
    s->xyz = malloc(sizeof x0);
    for (int i = 0; i < 18; i++) s->xyz[i] = x0[i] + 0.05 * srand1();
    s->masses = malloc(6 * sizeof *s->masses);
    for (int i = 0; i < 6; i++) s->masses[i] = Z[i] == 1 ? 1.00782503223 : Z[i] == 6 ? 12.0 : 15.99491461957;
    s->comment = calloc(1, 1);
    return s;
}

/* Analytic forces vs -dE/dx and analytic Hessian vs -dF/dx by central differences. */
static void check_against_fd(nnv_potential *p, nnv_structure *s, double tol_f, double tol_h)
{
    nnv_error err;
    nnv_result *r = NULL, *rp = NULL, *rm = NULL;
    int n3 = 3 * s->n_atoms;
    double h = 1e-5;
    ck_assert_int_eq(nnv_compute(&r, p, s, TU_WANT(NNV_WANT_FORCES | NNV_WANT_HESSIAN), &err), NNV_OK);
    for (int a = 0; a < n3; a++) {
        double x0 = s->xyz[a];
        s->xyz[a] = x0 + h;
        ck_assert_int_eq(nnv_compute(&rp, p, s, TU_WANT(NNV_WANT_FORCES), &err), NNV_OK);
        s->xyz[a] = x0 - h;
        ck_assert_int_eq(nnv_compute(&rm, p, s, TU_WANT(NNV_WANT_FORCES), &err), NNV_OK);
        s->xyz[a] = x0;
        ck_assert_msg(tu_close(r->forces[a], -(rp->energy - rm->energy) / (2 * h), tol_f, tol_f),
                      "force %d: %.10g vs fd %.10g", a, r->forces[a], -(rp->energy - rm->energy) / (2 * h));
        for (int b = 0; b < n3; b++) {
            double fd = -(rp->forces[b] - rm->forces[b]) / (2 * h);
            ck_assert_msg(tu_close(r->hessian[a * n3 + b], fd, tol_h, tol_h), "H[%d][%d] = %.10g, fd %.10g", a, b,
                          r->hessian[a * n3 + b], fd);
        }
        nnv_result_free(rp);
        nnv_result_free(rm);
    }
    /* Exactly symmetric, and translation invariance: each row sums to 0 over x (y, z) of all atoms. */
    for (int a = 0; a < n3; a++) {
        double sum[3] = {0, 0, 0};
        for (int b = 0; b < n3; b++) {
            ck_assert(r->hessian[a * n3 + b] == r->hessian[b * n3 + a]);
            sum[b % 3] += r->hessian[a * n3 + b];
        }
        for (int q = 0; q < 3; q++) ck_assert_msg(fabs(sum[q]) < 1e-9, "row %d sum %g", a, sum[q]);
    }
    nnv_result_free(r);
}

START_TEST(test_model_fd_smooth)
{
    const int acts[] = {NNV_ACT_SOFTPLUS, NNV_ACT_TANH, NNV_ACT_SILU, NNV_ACT_GELU, NNV_ACT_SSP};
    for (size_t t = 0; t < sizeof acts / sizeof acts[0]; t++) {
        nnv_potential *p = random_potential(acts[t], t % 2 ? 0.0 : 1.5);
        nnv_structure *s = random_cluster();
        check_against_fd(p, s, 1e-7, 1e-6);
        nnv_structure_free(s);
        nnv_potential_free(p);
    }
}
END_TEST

/* Linear molecule, zeta = 1 and 2 with collinear triples: the bending curvature
 * comes from d2(cos)/dx2 and must match differences of forces. */
START_TEST(test_model_fd_collinear)
{
    nnv_potential *p = random_potential(NNV_ACT_TANH, 0.0);
    nnv_structure *s = random_cluster();
    s->n_atoms = 3;
    s->Z[0] = 8, s->Z[1] = 6, s->Z[2] = 8;
    s->masses[0] = s->masses[2] = 15.99491461957, s->masses[1] = 12.0;
    for (int i = 0; i < 9; i++) s->xyz[i] = 0.0;
    s->xyz[2] = -1.16, s->xyz[8] = 1.16;
    check_against_fd(p, s, 1e-7, 1e-6);
    nnv_structure_free(s);
    nnv_potential_free(p);
}
END_TEST

static void rotate(double R[3][3], const double *t, int n, const double *in, double *out)
{
    for (int i = 0; i < n; i++)
        for (int a = 0; a < 3; a++)
            out[3 * i + a] = R[a][0] * in[3 * i] + R[a][1] * in[3 * i + 1] + R[a][2] * in[3 * i + 2] + t[a];
}

START_TEST(test_model_invariance)
{
    nnv_potential *p = random_potential(NNV_ACT_SOFTPLUS, 0.0);
    nnv_structure *s = random_cluster();
    nnv_result *r0 = NULL, *r1 = NULL;
    nnv_error err;
    double c = cos(0.7), sn = sin(0.7), R[3][3] = {{c, -sn, 0}, {sn, c, 0}, {0, 0, 1}}, t[3] = {3.1, -2.0, 0.4};
    double *x0 = malloc(18 * sizeof *x0), R2[3][3];
    int n3 = 18;
    /* Combine with a rotation about x so all axes mix. */
    double c2 = cos(-1.1), s2 = sin(-1.1), Rx[3][3] = {{1, 0, 0}, {0, c2, -s2}, {0, s2, c2}};
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            R2[a][b] = 0;
            for (int k = 0; k < 3; k++) R2[a][b] += Rx[a][k] * R[k][b];
        }
    memcpy(x0, s->xyz, 18 * sizeof *x0);
    ck_assert_int_eq(nnv_compute(&r0, p, s, TU_WANT(NNV_WANT_FORCES | NNV_WANT_HESSIAN | NNV_WANT_DIPOLE_DERIV), &err),
                     NNV_OK);
    rotate(R2, t, 6, x0, s->xyz);
    ck_assert_int_eq(nnv_compute(&r1, p, s, TU_WANT(NNV_WANT_FORCES | NNV_WANT_HESSIAN | NNV_WANT_DIPOLE_DERIV), &err),
                     NNV_OK);
    ck_assert(tu_close(r1->energy, r0->energy, 1e-10, 0));
    /* F' = R F and H' = R H R^T blockwise. */
    for (int i = 0; i < 6; i++) {
        double f[3];
        rotate(R2, (double[3]){0, 0, 0}, 1, r0->forces + 3 * i, f);
        for (int a = 0; a < 3; a++) ck_assert(tu_close(r1->forces[3 * i + a], f[a], 1e-10, 0));
    }
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++)
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) {
                    double v = 0;
                    for (int k = 0; k < 3; k++)
                        for (int l = 0; l < 3; l++)
                            v += R2[a][k] * r0->hessian[(3 * i + k) * n3 + 3 * j + l] * R2[b][l];
                    ck_assert(tu_close(r1->hessian[(3 * i + a) * n3 + 3 * j + b], v, 1e-9, 0));
                }
    /* Charges are invariant, the dipole rotates. */
    for (int i = 0; i < 6; i++) ck_assert(tu_close(r1->charges[i], r0->charges[i], 1e-12, 0));
    {
        double mu[3];
        rotate(R2, (double[3]){0, 0, 0}, 1, r0->dipole, mu);
        for (int a = 0; a < 3; a++) ck_assert(tu_close(r1->dipole[a], mu[a], 1e-12, 0));
    }
    /* Frequencies and IR intensities are scalars: the rotated, translated copy
     * must give the same ones (the projection and the dipole derivatives both
     * have to rotate with the molecule for that). */
    {
        nnv_vib *v0 = NULL, *v1 = NULL;
        double imax = 0.0;
        ck_assert_int_eq(nnv_vib_analyse(&v0, 6, x0, s->masses, r0->hessian, r0->dipole_deriv, NNV_LINEAR_AUTO, &err),
                         NNV_OK);
        ck_assert_int_eq(nnv_vib_analyse(&v1, 6, s->xyz, s->masses, r1->hessian, r1->dipole_deriv, NNV_LINEAR_AUTO,
                                         &err),
                         NNV_OK);
        ck_assert_int_eq(v0->n_modes, 12);
        ck_assert_int_eq(v1->n_modes, 12);
        for (int k = 0; k < 12; k++) imax = fmax(imax, v0->ir_intensities[k]);
        ck_assert(imax > 0.0);
        for (int k = 0; k < 12; k++) {
            ck_assert(tu_close(v1->frequencies[k], v0->frequencies[k], 1e-6, 1e-9));
            ck_assert(tu_close(v1->ir_intensities[k], v0->ir_intensities[k], 1e-9 * imax, 1e-7));
        }
        nnv_vib_free(v0);
        nnv_vib_free(v1);
    }
    nnv_result_free(r0);
    nnv_result_free(r1);
    free(x0);
    nnv_structure_free(s);
    nnv_potential_free(p);
}
END_TEST

/* d mu / dx against central differences of the dipole, with a non-zero total
 * charge so the centre-of-mass term matters. */
START_TEST(test_dipole_derivatives_fd)
{
    nnv_potential *p = random_potential(NNV_ACT_TANH, 0.0);
    nnv_structure *s = random_cluster();
    nnv_result *r = NULL, *rp = NULL, *rm = NULL;
    nnv_error err;
    double h = 1e-6, Q = -1.0;
    int n3 = 18;
    ck_assert_int_eq(nnv_compute(&r, p, s, &(nnv_compute_options){NNV_WANT_CHARGES | NNV_WANT_DIPOLE_DERIV, Q, 0.0}, &err),
                     NNV_OK);
    {
        double sum = 0;
        for (int i = 0; i < 6; i++) sum += r->charges[i];
        ck_assert(tu_close(sum, Q, 1e-12, 0));
    }
    for (int b = 0; b < n3; b++) {
        double x0 = s->xyz[b];
        s->xyz[b] = x0 + h;
        ck_assert_int_eq(nnv_compute(&rp, p, s, &(nnv_compute_options){NNV_WANT_CHARGES, Q, 0.0}, &err), NNV_OK);
        s->xyz[b] = x0 - h;
        ck_assert_int_eq(nnv_compute(&rm, p, s, &(nnv_compute_options){NNV_WANT_CHARGES, Q, 0.0}, &err), NNV_OK);
        s->xyz[b] = x0;
        for (int a = 0; a < 3; a++) {
            double fd = (rp->dipole[a] - rm->dipole[a]) / (2 * h);
            ck_assert_msg(tu_close(r->dipole_deriv[a * n3 + b], fd, 1e-7, 1e-7), "dmu[%d][%d] %g vs %g", a, b,
                          r->dipole_deriv[a * n3 + b], fd);
        }
        nnv_result_free(rp);
        nnv_result_free(rm);
    }
    nnv_result_free(r);
    nnv_structure_free(s);
    nnv_potential_free(p);
}
END_TEST

START_TEST(test_neighbours_vs_brute_force)
{
    int n = 300;
    double *x = malloc(3 * (size_t)n * sizeof *x), *cut = malloc((size_t)n * sizeof *cut);
    nb_list nb;
    nnv_error err;
    for (int i = 0; i < 3 * n; i++) x[i] = 12.0 * urand();
    x[0] = 1e7; /* one atom far away: memory must not blow up */
    for (int i = 0; i < n; i++) cut[i] = 1.5 + urand();
    ck_assert_int_eq(nb_build(&nb, n, x, cut, &err), NNV_OK);
    for (int i = 0; i < n; i++) {
        int cnt = 0;
        for (int j = 0; j < n; j++) {
            double d2 = 0;
            if (j == i) continue;
            for (int q = 0; q < 3; q++) d2 += (x[3 * j + q] - x[3 * i + q]) * (x[3 * j + q] - x[3 * i + q]);
            if (d2 < cut[i] * cut[i]) {
                int found = 0;
                for (int k = nb.offset[i]; k < nb.offset[i + 1]; k++) found |= nb.index[k] == j;
                ck_assert_msg(found, "atom %d misses neighbour %d", i, j);
                cnt++;
            }
        }
        ck_assert_int_eq(cnt, nb.offset[i + 1] - nb.offset[i]);
    }
    nb_free(&nb);
    free(x);
    free(cut);
}
END_TEST

/* The model refuses an element it has no network for, naming the atom. */
START_TEST(test_missing_element_rejected)
{
    nnv_potential *p = random_potential(NNV_ACT_TANH, 0.0);
    nnv_structure *s = random_cluster();
    nnv_result *r = NULL;
    nnv_error err;
    s->Z[3] = 16;
    ck_assert_int_eq(nnv_compute(&r, p, s, TU_WANT(NNV_WANT_FORCES), &err), NNV_EINPUT);
    ck_assert_ptr_null(r);
    ck_assert_msg(strstr(err.message, "atom 4") && strstr(err.message, "S"), "%s", err.message);
    nnv_structure_free(s);
    nnv_potential_free(p);
}
END_TEST

/* One atom: no neighbours, zero forces and Hessian, and no vibrational modes. */
START_TEST(test_single_atom)
{
    nnv_potential *p = random_potential(NNV_ACT_TANH, 0.0);
    nnv_structure *s = random_cluster();
    nnv_result *r = NULL;
    nnv_vib *v = NULL;
    nnv_error err;
    s->n_atoms = 1;
    ck_assert_int_eq(nnv_compute(&r, p, s, TU_WANT(NNV_WANT_FORCES | NNV_WANT_HESSIAN), &err), NNV_OK);
    for (int a = 0; a < 3; a++) ck_assert(r->forces[a] == 0.0);
    for (int a = 0; a < 9; a++) ck_assert(r->hessian[a] == 0.0);
    ck_assert(isfinite(r->energy));
    ck_assert_int_eq(nnv_vib_analyse(&v, 1, s->xyz, s->masses, r->hessian, NULL, NNV_LINEAR_AUTO, &err), NNV_OK);
    ck_assert_int_eq(v->n_modes, 0);
    ck_assert_int_eq(v->n_rigid, 3);
    nnv_vib_free(v);
    nnv_result_free(r);
    nnv_structure_free(s);
    nnv_potential_free(p);
}
END_TEST

/* A diatomic and a linear triatomic on a real (random-weight, smooth) NNP get
 * 3N-5 modes; a bent triatomic 3N-6. */
START_TEST(test_mode_counts)
{
    nnv_potential *p = random_potential(NNV_ACT_SOFTPLUS, 0.0);
    nnv_structure *s = random_cluster();
    nnv_result *r = NULL;
    nnv_vib *v = NULL;
    nnv_error err;
    struct { int n; double x[9]; int modes; int linear; } cases[] = {
        {2, {0, 0, 0, 0.3, 0.4, 1.0}, 1, 1},
        {3, {0, 0, -1.16, 0, 0, 0, 0, 0, 1.16}, 4, 1},
        {3, {0, 0, 0, 0.96, 0, 0, -0.24, 0.93, 0}, 3, 0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        s->n_atoms = cases[c].n;
        s->Z[0] = 8, s->Z[1] = 6, s->Z[2] = 1;
        s->masses[0] = 15.99491461957, s->masses[1] = 12.0, s->masses[2] = 1.00782503223;
        memcpy(s->xyz, cases[c].x, sizeof cases[c].x);
        ck_assert_int_eq(nnv_compute(&r, p, s, TU_WANT(NNV_WANT_HESSIAN), &err), NNV_OK);
        ck_assert_int_eq(nnv_vib_analyse(&v, s->n_atoms, s->xyz, s->masses, r->hessian, NULL, NNV_LINEAR_AUTO, &err),
                         NNV_OK);
        ck_assert_int_eq(v->n_modes, cases[c].modes);
        ck_assert_int_eq(v->linear, cases[c].linear);
        nnv_vib_free(v);
        nnv_result_free(r);
    }
    nnv_structure_free(s);
    nnv_potential_free(p);
}
END_TEST

/* ---- copying and loading a potential --------------------------------------- */

/* The bytes of p as weights.bin (malloc'd), for comparing two potentials. */
static unsigned char *bytes_of(const nnv_potential *p, size_t *len)
{
    unsigned char *buf = NULL;
    nnv_error err;
    ck_assert_msg(nnv_potential_serialize(&buf, len, p, &err) == NNV_OK, "%s", err.message);
    return buf;
}

static int same_bytes(const nnv_potential *a, const nnv_potential *b)
{
    size_t la, lb;
    unsigned char *ba = bytes_of(a, &la), *bb = bytes_of(b, &lb);
    int same = la == lb && memcmp(ba, bb, la) == 0;
    free(ba);
    free(bb);
    return same;
}

/* nnv_potential_copy: the same potential (byte for byte, charge networks
 * and warnings included), and one of its own (changing it leaves the original). */
START_TEST(test_potential_copy)
{
    nnv_potential *p = tu_potential("test-CH-softplus-random.bin"), *q = NULL;
    nnv_error err;
    size_t len0, len1;
    unsigned char *before, *after;
    ck_assert(p->flags & NNV_FLAG_CHARGES);
    nnv_warnings_add(&p->warnings, "a finding of the reader");
    before = bytes_of(p, &len0);
    ck_assert_msg(nnv_potential_copy(&q, p, &err) == NNV_OK, "%s", err.message);
    ck_assert(same_bytes(p, q));
    ck_assert_int_eq(q->warnings.count, p->warnings.count);
    ck_assert_str_eq(q->warnings.messages[q->warnings.count - 1], "a finding of the reader");
    /* Change everything the copy owns. */
    q->elements[0].energy.layers[0].W[0] += 1.0;
    q->elements[0].energy.layers[0].b[0] += 1.0;
    q->elements[1].charge.layers[0].W[0] += 1.0;
    for (int e = 0; e < q->n_elements; e++)
        for (int k = 0; k < q->elements[e].n_sf; k++) q->elements[e].sf[k].cutoff = NNV_CUTOFF_POLY2;
    if (q->description[0]) q->description[0] = 'X'; /* never the terminator */
    nnv_warnings_add(&q->warnings, "only the copy's");
    after = bytes_of(p, &len1);
    ck_assert(len0 == len1 && memcmp(before, after, len0) == 0);
    ck_assert(!same_bytes(p, q));
    ck_assert_int_eq(p->warnings.count + 1, q->warnings.count);
    nnv_potential_free(p); /* the copy outlives the original */
    ck_assert(isfinite(q->elements[0].energy.layers[0].W[0]));
    ck_assert_int_eq(nnv_potential_copy(NULL, q, &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_potential_copy(&p, NULL, &err), NNV_EUSAGE);
    ck_assert_ptr_null(p);
    free(before);
    free(after);
    nnv_potential_free(q);
}
END_TEST

/* nnv_potential_load tells the formats apart: a weights.bin file, an n2p2
 * directory (the same potential as nnv_n2p2_read), a directory without
 * input.nn (a clear error), units given for a weights.bin file (a warning). */
START_TEST(test_potential_load)
{
    nnv_potential *p = NULL, *q = tu_potential("hcno-tanh.bin");
    nnv_error err;
    char dir[4096], w[4096];
    nnv_n2p2_options bohr = {NNV_N2P2_BOHR, 0};
    snprintf(w, sizeof w, "%s/weights/hcno-tanh.bin", tu_srcdir());
    ck_assert_msg(nnv_potential_load(&p, w, NULL, &err) == NNV_OK, "%s", err.message);
    ck_assert(same_bytes(p, q));
    ck_assert_int_eq(p->warnings.count, q->warnings.count);
    nnv_potential_free(p);
    ck_assert_msg(nnv_potential_load(&p, w, &bohr, &err) == NNV_OK, "%s", err.message);
    ck_assert_int_eq(p->warnings.count, q->warnings.count + 1);
    ck_assert_msg(strstr(p->warnings.messages[p->warnings.count - 1], "--length-unit/--energy-unit ignored: ") &&
                      strstr(p->warnings.messages[p->warnings.count - 1], "hcno-tanh.bin is a weights.bin file"),
                  "%s", p->warnings.messages[p->warnings.count - 1]);
    nnv_potential_free(p);
    nnv_potential_free(q);
    p = q = NULL;

    snprintf(dir, sizeof dir, "%s/weights", tu_srcdir());
    ck_assert_int_eq(nnv_potential_load(&p, dir, NULL, &err), NNV_EINPUT);
    ck_assert_ptr_null(p);
    ck_assert_msg(strstr(err.message, "a directory without input.nn: expected a weights.bin file or an n2p2"), "%s",
                  err.message);
    snprintf(dir, sizeof dir, "%s/third_party/n2p2/H2O_RPBE-D3", tu_shared_dir());
    if (tu_is_dir(dir)) {
        ck_assert_msg(nnv_potential_load(&p, dir, NULL, &err) == NNV_OK, "%s", err.message);
        ck_assert_msg(nnv_n2p2_read(&q, dir, NULL, &err) == NNV_OK, "%s", err.message);
        ck_assert(same_bytes(p, q));
        nnv_potential_free(p);
        nnv_potential_free(q);
    } else {
        fprintf(stderr, "test_potential_load: %s missing, n2p2 part skipped\n", dir);
    }
    ck_assert_int_eq(nnv_potential_load(&p, NULL, NULL, &err), NNV_EUSAGE);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_activation_derivatives);
    tcase_add_test(tc, test_activation_values);
    tcase_add_test(tc, test_cutoff_derivatives);
    tcase_add_test(tc, test_network_derivatives);
    tcase_add_test(tc, test_model_fd_smooth);
    tcase_add_test(tc, test_model_fd_collinear);
    tcase_add_test(tc, test_model_invariance);
    tcase_add_test(tc, test_dipole_derivatives_fd);
    tcase_add_test(tc, test_neighbours_vs_brute_force);
    tcase_add_test(tc, test_missing_element_rejected);
    tcase_add_test(tc, test_single_atom);
    tcase_add_test(tc, test_mode_counts);
    suite_add_tcase(s, tc);
    tc = tcase_create("potential");
    tcase_add_test(tc, test_potential_copy);
    tcase_add_test(tc, test_potential_load);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
