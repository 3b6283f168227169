/* Unit tests of the n2p2 importer on a hand-made input.nn with its symmetry
 * functions in scrambled order (tests/data/n2p2/scrambled): n2p2's SF sorting,
 * the scaling rows and weights landing where n2p2 puts them, units, node
 * normalisation and the other output-layer and scaling variants. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

/* ---- the hand-made potential with scrambled SFs ---------------------------------------- */

/* Expected order, derived by hand from n2p2's SymFnc*::operator<: type, rc,
 * eta, rs, zeta, lambda, then neighbour elements (angular pairs ascending). */
typedef struct want_sf {
    int type, Zj, Zk;
    double eta, rs, rc, zeta, lambda;
} want_sf;

static const want_sf WANT_H[7] = {
    {2, 8, 0, 0.1, 2.0, 5.0, 0, 0},     /* rc 5 first */
    {2, 1, 0, 0.5, 0.0, 6.0, 0, 0},     /* rs 0 */
    {2, 1, 0, 0.5, 1.0, 6.0, 0, 0},     /* rs 1, H before O */
    {2, 8, 0, 0.5, 1.0, 6.0, 0, 0},
    {3, 1, 8, 0.05, 0.0, 6.0, 2, -1},   /* "O H" stored as H-O; lambda -1 first */
    {3, 1, 8, 0.05, 0.0, 6.0, 2, 1},
    {9, 1, 1, 0.05, 0.5, 6.0, 1, 1},    /* optional rs */
};
static const want_sf WANT_O[5] = {
    {2, 1, 0, 0.01, 0, 6.0, 0, 0},
    {2, 8, 0, 0.01, 0, 6.0, 0, 0},
    {3, 1, 1, 0.01, 0, 6.0, 1, 1},
    {3, 1, 8, 0.01, 0, 6.0, 1, 1},
    {9, 1, 8, 0.01, 0, 6.0, 4, 1},
};

static void check_order(const nnv_element_model *el, const want_sf *w, int n, double lf)
{
    ck_assert_int_eq(el->n_sf, n);
    for (int k = 0; k < n; k++) {
        const nnv_sf *s = &el->sf[k];
        ck_assert_msg(s->type == w[k].type && s->Zj == w[k].Zj && s->Zk == w[k].Zk,
                      "Z=%d SF %d: type %d %d-%d, expected %d %d-%d", el->Z, k + 1, s->type, s->Zj, s->Zk,
                      w[k].type, w[k].Zj, w[k].Zk);
        ck_assert(tu_close(s->eta, w[k].eta / (lf * lf), 0, 1e-15));
        ck_assert(tu_close(s->rs, w[k].rs * lf, 0, 1e-15));
        ck_assert(tu_close(s->rc, w[k].rc * lf, 0, 1e-15));
        ck_assert(s->zeta == w[k].zeta && s->lambda == w[k].lambda);
        ck_assert_int_eq(s->cutoff, NNV_CUTOFF_POLY2);
        ck_assert(s->cutoff_alpha == 0.2);
    }
}

START_TEST(test_scrambled_order)
{
    char *dir = tu_n2p2_scrambled();
    nnv_potential *p = tu_n2p2_convert(dir, 0, 0);
    const nnv_element_model *H = nnv_potential_element(p, 1), *O = nnv_potential_element(p, 8);
    ck_assert_int_eq(p->n_elements, 2);
    ck_assert_ptr_nonnull(H);
    ck_assert_ptr_nonnull(O);
    check_order(H, WANT_H, 7, 1.0);
    check_order(O, WANT_O, 5, 1.0);
    ck_assert_int_eq(p->warnings.count, 0);
    nnv_potential_free(p);
    free(dir);
}
END_TEST

/* scaling.data row k of element e (n2p2's sorted order) lands on SF k; the
 * scale+center formula with Smin -1, Smax 1 is reproduced for any G. */
START_TEST(test_scrambled_scaling)
{
    char *dir = tu_n2p2_scrambled();
    nnv_potential *p = tu_n2p2_convert(dir, 0, 0);
    for (int e = 0; e < 2; e++) {
        const nnv_element_model *el = &p->elements[e];
        for (int k = 0; k < el->n_sf; k++) {
            const nnv_sf *s = &el->sf[k];
            /* the file: H rows min k, max 10+k, mean 5+k; O rows min 100+k, max 120+k, mean 110+k */
            double mn = el->Z == 1 ? k + 1 : 100 + k + 1, mx = mn + (el->Z == 1 ? 10 : 20);
            double mean = el->Z == 1 ? 5 + k + 1 : 110 + k + 1;
            ck_assert(s->gmin == mn && s->gmax == mx);
            for (double G = -3; G <= 130; G += 7.5) {
                double n2p2 = -1.0 + (1.0 - -1.0) * (G - mean) / (mx - mn);
                ck_assert(tu_close((G - s->shift) * s->scale, n2p2, 1e-13, 1e-13));
            }
        }
    }
    nnv_potential_free(p);
    free(dir);
}
END_TEST

/* Weights in NeuralNetwork::setConnections order: connection t (1-based) of the
 * H file is t/1000, of the O file -t/1000; per layer the weights with the
 * start neuron outermost, then the biases. The output layer carries
 * 1/conv_energy = 0.5; E0 = mean_energy + atom_energy. */
START_TEST(test_scrambled_weights)
{
    char *dir = tu_n2p2_scrambled();
    nnv_potential *p = tu_n2p2_convert(dir, 0, 0);
    for (int e = 0; e < 2; e++) {
        const nnv_element_model *el = &p->elements[e];
        double sign = el->Z == 1 ? 1 : -1;
        int t = 0;
        ck_assert_int_eq(el->energy.n_layers, 3);
        ck_assert_int_eq(el->energy.layers[0].activation, NNV_ACT_TANH);
        ck_assert_int_eq(el->energy.layers[1].activation, NNV_ACT_SOFTPLUS);
        ck_assert_int_eq(el->energy.layers[2].activation, NNV_ACT_IDENTITY);
        for (int l = 0; l < 3; l++) {
            const nnv_layer *L = &el->energy.layers[l];
            double f = l == 2 ? 0.5 : 1.0;
            for (int i = 0; i < L->n_in; i++)
                for (int o = 0; o < L->n_out; o++) {
                    t++;
                    ck_assert_msg(tu_close(L->W[o * L->n_in + i], f * sign * t / 1000.0, 0, 1e-15),
                                  "Z=%d layer %d W[%d][%d] = %g, want %g", el->Z, l, o, i, L->W[o * L->n_in + i],
                                  f * sign * t / 1000.0);
                }
            for (int o = 0; o < L->n_out; o++) {
                t++;
                ck_assert(tu_close(L->b[o], f * sign * t / 1000.0, 0, 1e-15));
            }
        }
        ck_assert(el->E0 == -0.5 + (el->Z == 1 ? -13.6 : -2000.0));
    }
    nnv_potential_free(p);
    free(dir);
}
END_TEST

static int same_model(const nnv_potential *a, const nnv_potential *b)
{
    if (a->n_elements != b->n_elements) return 0;
    for (int e = 0; e < a->n_elements; e++) {
        const nnv_element_model *x = &a->elements[e], *y = &b->elements[e];
        if (x->Z != y->Z || x->E0 != y->E0 || x->n_sf != y->n_sf) return 0;
        if (memcmp(x->sf, y->sf, (size_t)x->n_sf * sizeof *x->sf) != 0) return 0;
        if (x->energy.n_layers != y->energy.n_layers) return 0;
        for (int l = 0; l < x->energy.n_layers; l++) {
            const nnv_layer *L = &x->energy.layers[l], *M = &y->energy.layers[l];
            if (L->n_in != M->n_in || L->n_out != M->n_out || L->activation != M->activation) return 0;
            if (memcmp(L->W, M->W, (size_t)L->n_in * (size_t)L->n_out * sizeof *L->W) != 0) return 0;
            if (memcmp(L->b, M->b, (size_t)L->n_out * sizeof *L->b) != 0) return 0;
        }
    }
    return 1;
}

/* The order of the symfunction_short lines does not matter (they are sorted). */
START_TEST(test_scrambled_permutation_invariant)
{
    char *src = tu_n2p2_scrambled(), *tmp = tu_copy_to_temp(src);
    nnv_potential *a = tu_n2p2_convert(src, 0, 0), *b;
    /* move two lines to the end, in reverse */
    tu_patch_line(tmp, "input.nn", "symfunction_short H 3 O H 0.05 -1.0 2.0 6.0", NULL);
    tu_patch_line(tmp, "input.nn", "symfunction_short O 2 O 0.01 0.0 6.0", NULL);
    tu_patch_line(tmp, "input.nn", NULL, "symfunction_short O 2 O 0.01 0.0 6.0");
    tu_patch_line(tmp, "input.nn", NULL, "symfunction_short H 3 H O 0.05 -1.0 2.0 6.0"); /* pair written reversed */
    b = tu_n2p2_convert(tmp, 0, 0);
    ck_assert(same_model(a, b));
    nnv_potential_free(a);
    nnv_potential_free(b);
    tu_rmtree(tmp);
    free(src);
}
END_TEST

/* Explicit units win over the comment (with a warning); Bohr scales rc, rs by
 * 0.529177210903 and eta by its inverse square; Hartree scales E0 and the output. */
START_TEST(test_scrambled_units)
{
    char *dir = tu_n2p2_scrambled();
    nnv_potential *p = tu_n2p2_convert(dir, NNV_N2P2_BOHR, NNV_N2P2_HARTREE);
    const nnv_element_model *H = nnv_potential_element(p, 1);
    check_order(H, WANT_H, 7, TU_A_PER_BOHR);
    ck_assert_int_eq(p->warnings.count, 2);
    ck_assert_ptr_nonnull(strstr(p->warnings.messages[0], "input.nn line 6"));
    ck_assert(tu_close(H->E0, (-0.5 - 13.6) * TU_EV_PER_HA, 0, 1e-15));
    ck_assert(tu_close(H->energy.layers[2].W[0], 0.5 * TU_EV_PER_HA * 33 / 1000.0, 0, 1e-15));
    nnv_potential_free(p);
    free(dir);
}
END_TEST

/* normalize_nodes divides W x + b of every layer by its number of inputs. */
START_TEST(test_scrambled_normalize_nodes)
{
    char *src = tu_n2p2_scrambled(), *tmp = tu_copy_to_temp(src);
    nnv_potential *a = tu_n2p2_convert(src, 0, 0), *b;
    tu_patch_line(tmp, "input.nn", NULL, "normalize_nodes");
    b = tu_n2p2_convert(tmp, 0, 0);
    for (int e = 0; e < 2; e++)
        for (int l = 0; l < 3; l++) {
            const nnv_layer *L = &a->elements[e].energy.layers[l], *M = &b->elements[e].energy.layers[l];
            for (int i = 0; i < L->n_in * L->n_out; i++) ck_assert(tu_close(M->W[i], L->W[i] / L->n_in, 0, 1e-15));
            for (int o = 0; o < L->n_out; o++) ck_assert(tu_close(M->b[o], L->b[o] / L->n_in, 0, 1e-15));
        }
    nnv_potential_free(a);
    nnv_potential_free(b);
    tu_rmtree(tmp);
    free(src);
}
END_TEST

/* A non-linear output layer gets the energy factor as an extra 1 -> 1 layer;
 * the other scaling modes map onto shift and scale. */
START_TEST(test_scrambled_variants)
{
    char *src = tu_n2p2_scrambled(), *tmp = tu_copy_to_temp(src);
    nnv_potential *p;
    const nnv_sf *s;
    tu_patch_line(tmp, "input.nn", "global_activation_short     t p l", "global_activation_short t p r");
    tu_patch_line(tmp, "input.nn", "center_symmetry_functions", NULL); /* scale only */
    p = tu_n2p2_convert(tmp, 0, 0);
    ck_assert_int_eq(p->elements[0].energy.n_layers, 4);
    ck_assert_int_eq(p->elements[0].energy.layers[2].activation, NNV_ACT_RELU);
    ck_assert_int_eq(p->elements[0].energy.layers[3].activation, NNV_ACT_IDENTITY);
    ck_assert(p->elements[0].energy.layers[3].W[0] == 0.5 && p->elements[0].energy.layers[3].b[0] == 0);
    ck_assert(tu_close(p->elements[0].energy.layers[2].W[0], 33 / 1000.0, 0, 1e-15));
    s = &p->elements[0].sf[0]; /* min 1, max 11: s = -1 + 2 (G - 1)/10 */
    ck_assert(tu_close((6 - s->shift) * s->scale, 0.0, 1e-15, 0));
    ck_assert(tu_close((1 - s->shift) * s->scale, -1.0, 1e-15, 0));
    nnv_potential_free(p);
    tu_patch_line(tmp, "input.nn", "scale_symmetry_functions", "scale_symmetry_functions_sigma");
    p = tu_n2p2_convert(tmp, 0, 0);
    s = &p->elements[0].sf[0]; /* mean 6, sigma 1.1: s = -1 + 2 (G - 6)/1.1 */
    ck_assert(tu_close((6 - s->shift) * s->scale, -1.0, 1e-14, 0));
    ck_assert(tu_close((7.1 - s->shift) * s->scale, 1.0, 1e-14, 0));
    nnv_potential_free(p);
    tu_patch_line(tmp, "input.nn", "scale_symmetry_functions_sigma", "center_symmetry_functions");
    p = tu_n2p2_convert(tmp, 0, 0);
    s = &p->elements[0].sf[0];
    ck_assert(s->shift == 6 && s->scale == 1);
    nnv_potential_free(p);
    tu_patch_line(tmp, "input.nn", "center_symmetry_functions", NULL); /* no scaling at all */
    tu_patch_line(tmp, "input.nn", "cutoff_type          6 0.2        # POLY2 with inner cutoff alpha 0.2",
          "cutoff_type 2 0.3");
    p = tu_n2p2_convert(tmp, 0, 0);
    s = &p->elements[0].sf[0];
    ck_assert(s->shift == 0 && s->scale == 1);
    ck_assert(s->cutoff == NNV_CUTOFF_TANHU && s->cutoff_alpha == 0);
    ck_assert_int_eq(p->warnings.count, 1); /* TANHU ignores alpha */
    nnv_potential_free(p);
    tu_rmtree(tmp);
    free(src);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("n2p2_scrambled");
    TCase *tc = tcase_create("scrambled");
    tcase_add_test(tc, test_scrambled_order);
    tcase_add_test(tc, test_scrambled_scaling);
    tcase_add_test(tc, test_scrambled_weights);
    tcase_add_test(tc, test_scrambled_permutation_invariant);
    tcase_add_test(tc, test_scrambled_units);
    tcase_add_test(tc, test_scrambled_normalize_nodes);
    tcase_add_test(tc, test_scrambled_variants);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
