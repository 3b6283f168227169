/* Unit tests of the heat-equation PINN (issue 21): the network's u_x, u_t,
 * u_xx against finite differences for every activation, the weight gradient
 * of the loss (and of every derivative stream) against central differences,
 * ReLU's u_xx and u_xx share exactly 0, the exact solution against the PDE,
 * determinism, a short run that lowers the loss, option checks, the figure,
 * and the CLI's --json read back by the tests' JSON parser. */
#define _POSIX_C_SOURCE 200809L /* popen */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "json.h"
#include "testutil.h"

static const int ACTS[] = {NNV_ACT_RELU, NNV_ACT_SOFTPLUS, NNV_ACT_TANH, NNV_ACT_SILU, NNV_ACT_GELU};
#define N_ACTS ((int)(sizeof ACTS / sizeof ACTS[0]))

/* A small network 2-6-5-1 with Glorot weights and biases drawn too (zero
 * biases would put every ReLU kink through the origin). */
static void small_net(pinn_net *n, double **theta, int act, uint64_t seed)
{
    const int width[2] = {6, 5};
    uint64_t rng = seed;
    pinn_net_init(n, act, 2, width, 1.5);
    *theta = malloc((size_t)n->n_params * sizeof **theta);
    ck_assert_ptr_nonnull(*theta);
    pinn_net_glorot(n, *theta, &rng);
    for (int l = 0; l < n->n_layers; l++)
        for (int o = 0; o < n->size[l + 1]; o++) (*theta)[n->boff[l] + (size_t)o] = rng_open_unit(&rng) - 0.5;
}

/* u and its derivatives at one point. */
static void eval1(const pinn_net *n, const double *theta, double x, double t, double d[4], pinn_ws *ws)
{
    pinn_net_forward(n, theta, 1, &x, &t, 2, &d[0], &d[1], &d[2], &d[3], ws);
}

/* The ReLU pattern (a' of every hidden unit) at one point, to skip finite
 * differences that cross a kink. */
static void pattern(const pinn_net *n, const pinn_ws *ws, double *p)
{
    int k = 0;
    for (int l = 0; l + 1 < n->n_layers; l++)
        for (int o = 0; o < n->size[l + 1]; o++) p[k++] = ws->a1[l][o];
}

static int same_pattern(const pinn_net *n, const double *theta, const double pts[][2], int np, pinn_ws *ws)
{
    double ref[64], p[64], d[4];
    size_t units = (size_t)(n->size[1] + n->size[2]);
    eval1(n, theta, pts[0][0], pts[0][1], d, ws);
    pattern(n, ws, ref);
    for (int k = 1; k < np; k++) {
        eval1(n, theta, pts[k][0], pts[k][1], d, ws);
        pattern(n, ws, p);
        if (memcmp(ref, p, units * sizeof *p) != 0) return 0;
    }
    return 1;
}

START_TEST(test_input_derivatives)
{
    /* h = 1e-5: central differences err by ~h^2 |u'''| ~ 1e-10 plus ~1e-11 of
     * rounding, against O(1) derivatives. */
    const double h = 1e-5;
    int act = ACTS[_i], checked = 0;
    pinn_net n;
    pinn_ws ws = {0};
    double *theta;
    uint64_t rng = 99;
    small_net(&n, &theta, act, 7);
    ck_assert_int_eq(pinn_ws_alloc(&ws, &n, 4), NNV_OK);
    for (int k = 0; k < 40; k++) {
        double x = rng_open_unit(&rng), t = 1.5 * rng_open_unit(&rng), d[4], px[4], mx[4], pt[4], mt[4];
        const double pts[5][2] = {{x, t}, {x + h, t}, {x - h, t}, {x, t + h}, {x, t - h}};
        if (act == NNV_ACT_RELU && !same_pattern(&n, theta, pts, 5, &ws)) continue;
        eval1(&n, theta, x + h, t, px, &ws);
        eval1(&n, theta, x - h, t, mx, &ws);
        eval1(&n, theta, x, t + h, pt, &ws);
        eval1(&n, theta, x, t - h, mt, &ws);
        eval1(&n, theta, x, t, d, &ws);
        double fx = (px[0] - mx[0]) / (2 * h), ft = (pt[0] - mt[0]) / (2 * h), fxx = (px[1] - mx[1]) / (2 * h);
        ck_assert_msg(tu_close(d[1], fx, 1e-7, 1e-6), "%s u_x %.12g, FD %.12g", nnv_activation_name(act), d[1], fx);
        ck_assert_msg(tu_close(d[2], ft, 1e-7, 1e-6), "%s u_t %.12g, FD %.12g", nnv_activation_name(act), d[2], ft);
        ck_assert_msg(tu_close(d[3], fxx, 1e-7, 1e-6), "%s u_xx %.12g, FD %.12g", nnv_activation_name(act), d[3],
                      fxx);
        checked++;
    }
    ck_assert_int_ge(checked, 20);
    pinn_ws_free(&ws);
    free(theta);
}
END_TEST

START_TEST(test_relu_uxx_zero)
{
    /* ReLU is piecewise linear in (x, t): its u_xx is exactly 0 wherever it is
     * defined, whatever the weights. */
    pinn_net n;
    pinn_ws ws = {0};
    double *theta, d[4];
    uint64_t rng = 5;
    small_net(&n, &theta, NNV_ACT_RELU, 11);
    ck_assert_int_eq(pinn_ws_alloc(&ws, &n, 1), NNV_OK);
    for (int k = 0; k < 1000; k++) {
        eval1(&n, theta, rng_open_unit(&rng), 1.5 * rng_open_unit(&rng), d, &ws);
        ck_assert(d[3] == 0.0);
    }
    pinn_ws_free(&ws);
    free(theta);
}
END_TEST

/* J = sum_r cu u + cx u_x + ct u_t + cxx u_xx over a few points. */
static double functional(const pinn_net *n, const double *theta, const double *x, const double *t, const double *c,
                         int R, pinn_ws *ws)
{
    double u[8], ux[8], ut[8], uxx[8], s = 0.0;
    pinn_net_forward(n, theta, R, x, t, 2, u, ux, ut, uxx, ws);
    for (int r = 0; r < R; r++) s += c[r] * u[r] + c[8 + r] * ux[r] + c[16 + r] * ut[r] + c[24 + r] * uxx[r];
    return s;
}

START_TEST(test_weight_gradient_streams)
{
    /* Every weight's derivative of a random combination of all four outputs
     * at 8 points: the reverse pass through the Taylor streams, a''' included.
     * h = 1e-6 on O(1) weights; ReLU kinks that a step crosses are rare and
     * show as isolated failures, so ReLU gets biases away from them (seeded). */
    int act = ACTS[_i];
    pinn_net n;
    pinn_ws ws = {0};
    double *theta, *g, x[8], t[8], c[32], h = 1e-6;
    uint64_t rng = 3;
    small_net(&n, &theta, act, 21);
    g = calloc((size_t)n.n_params, sizeof *g);
    ck_assert_int_eq(pinn_ws_alloc(&ws, &n, 8), NNV_OK);
    for (int r = 0; r < 8; r++) x[r] = rng_open_unit(&rng), t[r] = 1.5 * rng_open_unit(&rng);
    for (int k = 0; k < 32; k++) c[k] = rng_open_unit(&rng) - 0.5;
    functional(&n, theta, x, t, c, 8, &ws);
    pinn_net_backward(&n, theta, 8, 2, c, c + 8, c + 16, c + 24, g, &ws);
    for (int p = 0; p < n.n_params; p++) {
        double keep = theta[p], fp, fm, fd;
        theta[p] = keep + h;
        fp = functional(&n, theta, x, t, c, 8, &ws);
        theta[p] = keep - h;
        fm = functional(&n, theta, x, t, c, 8, &ws);
        theta[p] = keep;
        fd = (fp - fm) / (2 * h);
        ck_assert_msg(tu_close(g[p], fd, 1e-7, 1e-5), "%s parameter %d: %.12g, FD %.12g", nnv_activation_name(act), p,
                      g[p], fd);
    }
    pinn_ws_free(&ws);
    FREE_ALL(theta, g);
}
END_TEST

START_TEST(test_loss_gradient)
{
    /* The loss itself (residual + initial + boundary terms) on a small
     * problem, every weight against a central difference, and the residual
     * gradient's u_t and u_xx parts adding up to it. */
    int act = ACTS[_i];
    nnv_pinn_options o = {0};
    pinn_problem pb;
    nnv_error err = {0, ""};
    double *theta, *g, *parts, *g_nores, l, h = 1e-6;
    uint64_t rng = 17;
    o.activation = act, o.n_hidden = 2, o.width[0] = 6, o.width[1] = 5, o.n_side = 5, o.n_edge = 3, o.t_end = 1.5;
    o.w_ic = 2.0, o.w_bc = 0.5;
    ck_assert_int_eq(pinn_options(&o, &o, &err), NNV_OK);
    ck_assert_int_eq(pinn_problem_init(&pb, &o, &rng, &err), NNV_OK);
    theta = malloc((size_t)pb.net.n_params * sizeof *theta);
    g = malloc((size_t)pb.net.n_params * sizeof *g);
    g_nores = malloc((size_t)pb.net.n_params * sizeof *g);
    parts = malloc(2 * (size_t)pb.net.n_params * sizeof *parts);
    pinn_net_glorot(&pb.net, theta, &rng);
    for (int l2 = 0; l2 < pb.net.n_layers; l2++)
        for (int k = 0; k < pb.net.size[l2 + 1]; k++) theta[pb.net.boff[l2] + (size_t)k] = rng_open_unit(&rng) - 0.5;
    ck_assert_int_eq(pinn_loss(&pb, theta, &l, g, parts), NNV_OK);
    ck_assert(l > 0.0);
    for (int p = 0; p < pb.net.n_params; p++) {
        double keep = theta[p], fp, fm, fd;
        theta[p] = keep + h;
        pinn_loss(&pb, theta, &fp, NULL, NULL);
        theta[p] = keep - h;
        pinn_loss(&pb, theta, &fm, NULL, NULL);
        theta[p] = keep;
        fd = (fp - fm) / (2 * h);
        ck_assert_msg(tu_close(g[p], fd, 1e-7, 1e-5), "%s parameter %d: %.12g, FD %.12g", nnv_activation_name(act), p,
                      g[p], fd);
    }
    /* The residual term's gradient = its u_t part + its u_xx part: with the
     * initial and boundary weights near 0, the rest is what they add. */
    {
        nnv_pinn_options o2 = o;
        pinn_problem pb2;
        uint64_t rng2 = 17;
        o2.w_ic = o2.w_bc = 1e-300;
        ck_assert_int_eq(pinn_problem_init(&pb2, &o2, &rng2, &err), NNV_OK);
        pinn_loss(&pb2, theta, &l, g_nores, NULL);
        for (int p = 0; p < pb.net.n_params; p++)
            ck_assert(tu_close(parts[p] + parts[pb.net.n_params + p], g_nores[p], 1e-12, 1e-10));
        if (act == NNV_ACT_RELU)
            for (int p = 0; p < pb.net.n_params; p++) ck_assert(parts[pb.net.n_params + p] == 0.0);
        pinn_problem_free(&pb2);
    }
    pinn_problem_free(&pb);
    FREE_ALL(theta, g, parts, g_nores);
}
END_TEST

START_TEST(test_exact_solution)
{
    /* Both cases satisfy u_t = alpha u_xx (central differences), the initial
     * condition and the boundaries. */
    for (int c = NNV_PINN_SIN; c <= NNV_PINN_MODES; c++)
        for (double x = 0.1; x < 1.0; x += 0.2)
            for (double t = 0.1; t < 1.0; t += 0.3) {
                double a = 0.3, h = 1e-4, u = nnv_pinn_exact(c, a, x, t);
                double ut = (nnv_pinn_exact(c, a, x, t + h) - nnv_pinn_exact(c, a, x, t - h)) / (2 * h);
                double uxx = (nnv_pinn_exact(c, a, x + h, t) - 2 * u + nnv_pinn_exact(c, a, x - h, t)) / (h * h);
                ck_assert_msg(fabs(ut - a * uxx) < 1e-5, "case %d x=%g t=%g: %g vs %g", c, x, t, ut, a * uxx);
                ck_assert(fabs(nnv_pinn_exact(c, a, 0.0, t)) < 1e-15 && fabs(nnv_pinn_exact(c, a, 1.0, t)) < 1e-15);
            }
    ck_assert(tu_close(nnv_pinn_exact(NNV_PINN_SIN, 0.1, 0.5, 0.0), 1.0, 1e-15, 0));
    ck_assert(tu_close(nnv_pinn_exact(NNV_PINN_MODES, 0.1, 0.5, 0.0), 0.5, 1e-15, 0));
    ck_assert(isnan(nnv_pinn_exact(7, 0.1, 0.5, 0.0)));
}
END_TEST

/* A quick run: 2-16-16-1, 150 epochs on 8 x 8 points. */
static nnv_pinn_result *quick(int act, int epochs)
{
    nnv_pinn_options o = {0};
    nnv_pinn_result *r = NULL;
    nnv_error err = {0, ""};
    o.activation = act, o.n_hidden = 2, o.width[0] = o.width[1] = 16, o.epochs = epochs, o.n_side = 8;
    o.n_edge = 16, o.grid_x = 21, o.grid_t = 11, o.seed = 4, o.lr_final = 1e-3;
    ck_assert_msg(nnv_pinn_train(&r, &o, &err) == NNV_OK, "%s", err.message);
    return r;
}

START_TEST(test_training_lowers_loss)
{
    nnv_pinn_result *r = quick(NNV_ACT_TANH, 150);
    ck_assert_int_eq(r->epochs, 150);
    ck_assert_msg(r->loss[150] < 0.2 * r->loss[0], "loss %g -> %g", r->loss[0], r->loss[150]);
    ck_assert(r->uxx_share > 0.0 && r->uxx_share < 1.0 && r->uxx_rms > 0.0);
    ck_assert(r->rel_l2_error > 0.0 && r->rel_l2_error < 1.0);
    /* the grid: ends included */
    ck_assert(r->x[0] == 0.0 && r->x[20] == 1.0 && r->t[10] == 1.0);
    ck_assert(tu_close(r->u_exact[20 * 0 + 10], 1.0, 1e-15, 0));
    nnv_pinn_result_free(r);
}
END_TEST

START_TEST(test_relu_share_zero)
{
    nnv_pinn_result *r = quick(NNV_ACT_RELU, 20);
    ck_assert(r->uxx_share == 0.0 && r->uxx_share_init == 0.0 && r->uxx_rms == 0.0);
    ck_assert(r->ut_rms > 0.0);
    nnv_pinn_result_free(r);
}
END_TEST

START_TEST(test_deterministic)
{
    /* Same options, same bits: loss history, solution and scores. */
    for (int k = 0; k < N_ACTS; k += 2) {
        nnv_pinn_result *a = quick(ACTS[k], 30), *b = quick(ACTS[k], 30);
        ck_assert(memcmp(a->loss, b->loss, 31 * sizeof *a->loss) == 0);
        ck_assert(memcmp(a->u, b->u, 21 * 11 * sizeof *a->u) == 0);
        ck_assert(memcmp(&a->rel_l2_error, &b->rel_l2_error, sizeof a->rel_l2_error) == 0);
        ck_assert(memcmp(&a->uxx_share, &b->uxx_share, sizeof a->uxx_share) == 0);
        nnv_pinn_result_free(a);
        nnv_pinn_result_free(b);
    }
}
END_TEST

START_TEST(test_same_start_every_activation)
{
    /* The collocation points and initial weights do not depend on the
     * activation: the initial loss's edge terms differ only through u. Check
     * the points and weights directly. */
    nnv_pinn_options o = {0};
    pinn_problem a, b;
    nnv_error err = {0, ""};
    uint64_t ra = 8, rb = 8;
    double wa[400], wb[400];
    o.activation = NNV_ACT_RELU, o.n_hidden = 1, o.width[0] = 10, o.n_side = 4, o.n_edge = 4;
    ck_assert_int_eq(pinn_options(&o, &o, &err), NNV_OK);
    ck_assert_int_eq(pinn_problem_init(&a, &o, &ra, &err), NNV_OK);
    o.activation = NNV_ACT_GELU;
    ck_assert_int_eq(pinn_problem_init(&b, &o, &rb, &err), NNV_OK);
    ck_assert(memcmp(a.rx, b.rx, 16 * sizeof *a.rx) == 0 && memcmp(a.vt, b.vt, 12 * sizeof *a.vt) == 0);
    pinn_net_glorot(&a.net, wa, &ra);
    pinn_net_glorot(&b.net, wb, &rb);
    ck_assert(memcmp(wa, wb, (size_t)a.net.n_params * sizeof *wa) == 0);
    pinn_problem_free(&a);
    pinn_problem_free(&b);
}
END_TEST

START_TEST(test_bad_options)
{
    nnv_pinn_result *r = (nnv_pinn_result *)1;
    nnv_error err = {0, ""};
    nnv_pinn_options o;
    struct {
        int field;
        double value;
    } bad[] = {{0, NNV_ACT_IDENTITY + 99}, {0, NNV_ACT_CELU}, {1, 2}, {2, 9}, {2, -1}, {3, 300}, {4, -5},
               {5, 1.5}, {5, NAN}, {6, 0.5}, {7, -0.1}, {8, 1e3}, {9, 1}, {10, 1}, {11, -1}, {12, 1}};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        memset(&o, 0, sizeof o);
        switch (bad[k].field) {
        case 0: o.activation = (int)bad[k].value; break;
        case 1: o.pde_case = (int)bad[k].value; break;
        case 2: o.n_hidden = (int)bad[k].value; break;
        case 3: o.width[0] = (int)bad[k].value; break;
        case 4: o.epochs = (int)bad[k].value; break;
        case 5: o.lr = bad[k].value; break;
        case 6: o.lr = 0.01, o.lr_final = bad[k].value; break; /* above lr */
        case 7: o.alpha = bad[k].value; break;
        case 8: o.t_end = bad[k].value; break;
        case 9: o.n_side = (int)bad[k].value; break;
        case 10: o.n_edge = (int)bad[k].value; break;
        case 11: o.w_ic = bad[k].value; break;
        case 12: o.grid_x = (int)bad[k].value; break;
        }
        ck_assert_msg(nnv_pinn_train(&r, &o, &err) == NNV_EUSAGE, "case %zu", k);
        ck_assert_ptr_null(r);
        ck_assert(strncmp(err.message, "pinn: ", 6) == 0 && !strchr(err.message, '\n'));
    }
}
END_TEST

START_TEST(test_figure)
{
    nnv_pinn_result *r[2] = {quick(NNV_ACT_RELU, 5), quick(NNV_ACT_TANH, 5)};
    nnv_error err = {0, ""};
    char path[4096], *dir = tu_tmpdir();
    size_t len;
    char *text;
    snprintf(path, sizeof path, "%s/pinn.svg", dir);
    ck_assert_int_eq(nnv_pinn_write_svg(path, (const nnv_pinn_result *const *)r, 2, &err), NNV_OK);
    text = tu_read_file(path, &len);
    ck_assert_ptr_nonnull(text);
    ck_assert(strncmp(text, "<?xml", 5) == 0 && strstr(text, "</svg>") && strstr(text, "relu: relative L2 error"));
    ck_assert_int_eq(nnv_pinn_write_svg(path, (const nnv_pinn_result *const *)r, 0, &err), NNV_EUSAGE);
    remove(path);
    remove(dir);
    FREE_ALL(text, dir);
    nnv_pinn_result_free(r[0]);
    nnv_pinn_result_free(r[1]);
}
END_TEST

START_TEST(test_cli_json)
{
    /* The program's --json read back by the tests' strict JSON parser. */
    const char *bin = getenv("NNVIB_BIN");
    char cmd[4096], buf[65536], eb[256];
    size_t n;
    FILE *p;
    json_value *v;
    if (!bin) bin = "./nnvib";
    snprintf(cmd, sizeof cmd,
             "'%s' pinn --activation relu --epochs 5 --points 4 --edge-points 4 --hidden 8,8 --seed 3 --json", bin);
    p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    n = fread(buf, 1, sizeof buf - 1, p);
    ck_assert_int_eq(pclose(p), 0);
    buf[n] = '\0';
    v = json_parse(buf, n, eb, sizeof eb);
    ck_assert_msg(v != NULL, "%s: %s", eb, buf);
    ck_assert_str_eq(json_str(json_get(v, "activation")), "relu");
    ck_assert(json_num(json_get(v, "epochs")) == 5.0);
    ck_assert(json_num(json_get(v, "rel_l2_error")) > 0.0);
    ck_assert(json_num(json_get(v, "residual_rms")) >= 0.0);
    ck_assert(json_num(json_get(v, "seconds")) >= 0.0);
    ck_assert(json_num(json_get(v, "uxx_share")) == 0.0);
    ck_assert(json_num(json_get(v, "n_params")) == 2 * 8 + 8 + 8 * 8 + 8 + 8 + 1);
    json_free(v);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("pinn");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_input_derivatives, 0, N_ACTS);
    tcase_add_test(tc, test_relu_uxx_zero);
    tcase_add_loop_test(tc, test_weight_gradient_streams, 0, N_ACTS);
    tcase_add_loop_test(tc, test_loss_gradient, 0, N_ACTS);
    tcase_add_test(tc, test_exact_solution);
    tcase_add_test(tc, test_training_lowers_loss);
    tcase_add_test(tc, test_relu_share_zero);
    tcase_add_test(tc, test_deterministic);
    tcase_add_test(tc, test_same_start_every_activation);
    tcase_add_test(tc, test_bad_options);
    tcase_add_test(tc, test_figure);
    tcase_add_test(tc, test_cli_json);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return tu_run(suite()); }
