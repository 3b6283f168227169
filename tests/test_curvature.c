/* Unit tests of the pieces of the trainer's curvature loss: the activations'
 * third derivatives, the exact directional derivative of the SF Jacobian, and
 * one network's Hessian-vector product and the weight gradient of its first-
 * and second-order directional derivatives, each against finite differences
 * and against the library's own analytic network Hessian. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "testutil.h"
#include "toyset.h"

/* One OpenBLAS thread, as nnvib-train sets (weak: any BLAS links). */
extern void openblas_set_num_threads(int) __attribute__((weak));
#include "model/model_internal.h"
#include "train/curvnet.h"

static const int ACTS[] = {NNV_ACT_RELU, NNV_ACT_SOFTPLUS, NNV_ACT_SSP, NNV_ACT_TANH,
                           NNV_ACT_SILU, NNV_ACT_GELU,     NNV_ACT_CELU};
#define N_ACTS ((int)(sizeof ACTS / sizeof ACTS[0]))
#define CELU_ALPHA 1.3

static double urand(uint64_t *s) { return (double)(rng_splitmix64(s) >> 11) * 0x1.0p-53 * 2.0 - 1.0; }

START_TEST(test_activation_third_derivative)
{
    /* a''' against a central difference of the model's a'' (h = 1e-5: error
     * ~1e-10 truncation + 1e-11 rounding on O(1) values). */
    for (int k = 0; k < N_ACTS; k++) {
        int act = ACTS[k];
        for (double x = -7.25; x <= 7.0; x += 0.5) {
            double a, d1, p2, m2, h = 1e-5, want, got = net_activation3(act, CELU_ALPHA, x);
            net_activation(act, CELU_ALPHA, x + h, &a, &d1, &p2);
            net_activation(act, CELU_ALPHA, x - h, &a, &d1, &m2);
            want = (p2 - m2) / (2.0 * h);
            ck_assert_msg(tu_close(got, want, 1e-8, 1e-6), "%s x=%g: a'''=%.12g, FD %.12g",
                          nnv_activation_name(act), x, got, want);
        }
    }
    ck_assert(isnan(net_activation3(99, 0.0, 1.0)));
}
END_TEST

/* ---- SF Jacobian along a direction --------------------------------------------------- */

typedef struct env_buf {
    int m, Zn[256];
    double rel[768], r[256];
} env_buf;

static void make_env(const nnv_potential *p, const nnv_structure *s, const double *xyz, int i, env_buf *e,
                     sf_env *env)
{
    nb_list nb;
    nnv_error err;
    double cut[64];
    for (int a = 0; a < s->n_atoms; a++) cut[a] = sf_max_cutoff(nnv_potential_element(p, s->Z[a]));
    ck_assert_int_eq(nb_build(&nb, s->n_atoms, xyz, cut, &err), NNV_OK);
    e->m = nb.offset[i + 1] - nb.offset[i];
    nb_env(&nb, i, s->Z, xyz, e->Zn, e->rel, e->r);
    nb_free(&nb);
    env->m = e->m, env->Z = e->Zn, env->rel = e->rel, env->r = e->r;
}

START_TEST(test_sf_jacobian_direction)
{
    nnv_potential *p = tu_potential("hcno-tanh.bin");
    nnv_structure *s = tu_molecule("methanol.xyz");
    uint64_t seed = 17;
    ck_assert_int_le(s->n_atoms, 64);
    for (int i = 0; i < s->n_atoms; i++) {
        const nnv_element_model *em = nnv_potential_element(p, s->Z[i]);
        env_buf eb, ebp, ebm;
        sf_env env, envp, envm;
        int n = em->n_sf, D;
        double *J, *J2, *K, *H, *w, *dir, *Jp, *Jm, *xyz = malloc(3 * (size_t)s->n_atoms * sizeof *xyz);
        double dirg[3 * 64], h = 1e-5;
        make_env(p, s, s->xyz, i, &eb, &env);
        D = 3 * (env.m + 1);
        J = malloc((size_t)n * (size_t)D * sizeof *J);
        J2 = malloc((size_t)n * (size_t)D * sizeof *J2);
        K = malloc((size_t)n * (size_t)D * sizeof *K);
        Jp = malloc((size_t)n * (size_t)D * sizeof *Jp);
        Jm = malloc((size_t)n * (size_t)D * sizeof *Jm);
        H = calloc((size_t)D * (size_t)D, sizeof *H);
        w = malloc((size_t)n * sizeof *w);
        dir = malloc((size_t)D * sizeof *dir);
        for (int c = 0; c < 3 * s->n_atoms; c++) dirg[c] = urand(&seed);
        /* The local direction: central atom, then its neighbours in list order;
         * the neighbour order is that of nb_env, recovered from the positions. */
        for (int q = 0; q < 3; q++) dir[q] = dirg[3 * i + q];
        for (int j = 0; j < env.m; j++) {
            int found = -1;
            for (int a = 0; a < s->n_atoms; a++) {
                double d = 0.0;
                for (int q = 0; q < 3; q++) {
                    double t = s->xyz[3 * a + q] - s->xyz[3 * i + q] - env.rel[3 * j + q];
                    d += t * t;
                }
                if (a != i && d < 1e-20) found = a;
            }
            ck_assert_int_ge(found, 0);
            for (int q = 0; q < 3; q++) dir[3 * (j + 1) + q] = dirg[3 * found + q];
        }
        for (int k = 0; k < n; k++) w[k] = urand(&seed);
        sf_jacobian_dir(em, &env, dir, J, K);
        sf_derivatives(em, &env, w, J2, H);
        ck_assert_int_eq(memcmp(J, J2, (size_t)n * (size_t)D * sizeof *J), 0);
        /* sum_k w_k K_k = (sum_k w_k d2G_k) dir = H dir */
        for (int c = 0; c < D; c++) {
            double lhs = 0.0, rhs = 0.0, scale = 0.0;
            for (int k = 0; k < n; k++) lhs += w[k] * K[(size_t)k * (size_t)D + (size_t)c];
            for (int d = 0; d < D; d++) {
                rhs += H[(size_t)c * (size_t)D + (size_t)d] * dir[d];
                scale += fabs(H[(size_t)c * (size_t)D + (size_t)d] * dir[d]);
            }
            ck_assert_msg(fabs(lhs - rhs) <= 1e-12 * (1.0 + scale), "atom %d comp %d: %.15g vs %.15g", i, c, lhs,
                          rhs);
        }
        /* K against central differences of the analytic J along the global
         * direction (the environment moves rigidly with it). */
        for (int a = 0; a < 3 * s->n_atoms; a++) xyz[a] = s->xyz[a] + h * dirg[a];
        make_env(p, s, xyz, i, &ebp, &envp);
        sf_derivatives(em, &envp, NULL, Jp, NULL);
        for (int a = 0; a < 3 * s->n_atoms; a++) xyz[a] = s->xyz[a] - h * dirg[a];
        make_env(p, s, xyz, i, &ebm, &envm);
        sf_derivatives(em, &envm, NULL, Jm, NULL);
        ck_assert_int_eq(envp.m, env.m);
        ck_assert_int_eq(envm.m, env.m);
        for (size_t c = 0; c < (size_t)n * (size_t)D; c++) {
            double fd = (Jp[c] - Jm[c]) / (2.0 * h);
            ck_assert_msg(tu_close(K[c], fd, 1e-7, 1e-6), "atom %d entry %zu: K %.12g FD %.12g", i, c, K[c], fd);
        }
        free(J), free(J2), free(K), free(Jp), free(Jm), free(H), free(w), free(dir), free(xyz);
    }
    nnv_structure_free(s);
    nnv_potential_free(p);
}
END_TEST

/* ---- one network -------------------------------------------------------------------- */

enum { NIN = 6, NP_MAX = 200 };

/* A 6-5-4-1 network with activation act on the hidden layers, its parameters
 * random in [-1, 1] (large enough to use the activations' curvature). */
static void toy_net(tr_net *nt, int act, double *th, int *np, uint64_t *seed)
{
    static const int size[4] = {NIN, 5, 4, 1};
    size_t n = 0;
    memset(nt, 0, sizeof *nt);
    nt->n_layers = 3;
    nt->param = CELU_ALPHA;
    for (int l = 0; l <= 3; l++) nt->size[l] = size[l];
    for (int l = 0; l < 3; l++) {
        nt->act[l] = l == 2 ? NNV_ACT_IDENTITY : act;
        nt->woff[l] = n;
        n += (size_t)size[l] * (size_t)size[l + 1];
        nt->boff[l] = n;
        n += (size_t)size[l + 1];
        nt->uoff[l + 1] = nt->uoff[l] + size[l + 1];
    }
    nt->units = nt->uoff[3];
    *np = (int)n;
    for (size_t k = 0; k < n; k++) th[k] = urand(seed);
}

/* The same network as the library's nnv_network (views into th). */
static void as_network(const tr_net *nt, const double *th, nnv_network *net, nnv_layer *layers)
{
    net->n_layers = nt->n_layers;
    net->layers = layers;
    for (int l = 0; l < nt->n_layers; l++) {
        layers[l].activation = nt->act[l];
        layers[l].param = nt->act[l] == NNV_ACT_CELU ? nt->param : 0.0;
        layers[l].n_in = nt->size[l];
        layers[l].n_out = nt->size[l + 1];
        layers[l].W = (double *)(th + nt->woff[l]);
        layers[l].b = (double *)(th + nt->boff[l]);
    }
}

START_TEST(test_network_hvp)
{
    /* g and H w against the library's analytic gradient and Hessian. */
    uint64_t seed = 5;
    for (int k = 0; k < N_ACTS; k++) {
        tr_net nt;
        nnv_network net;
        nnv_layer layers[3];
        net_workspace nws = {0};
        cn_ws ws = {0};
        double th[NP_MAX], x[NIN], w[NIN], g[NIN], hw[NIN], out, g2[NIN], H[NIN * NIN];
        int np;
        toy_net(&nt, ACTS[k], th, &np, &seed);
        as_network(&nt, th, &net, layers);
        ck_assert_int_eq(cn_ws_alloc(&ws, &nt), NNV_OK);
        for (int t = 0; t < 5; t++) {
            for (int i = 0; i < NIN; i++) x[i] = 2.0 * urand(&seed), w[i] = urand(&seed);
            cn_grad_hvp(&nt, th, x, w, g, hw, &ws);
            ck_assert_int_eq(net_eval(&net, x, &out, g2, H, &nws), NNV_OK);
            for (int i = 0; i < NIN; i++) {
                double want = 0.0, scale = 0.0;
                for (int j = 0; j < NIN; j++) want += H[i * NIN + j] * w[j], scale += fabs(H[i * NIN + j] * w[j]);
                ck_assert_msg(fabs(g[i] - g2[i]) <= 1e-13 * (1.0 + fabs(g2[i])), "%s g[%d]",
                              nnv_activation_name(ACTS[k]), i);
                ck_assert_msg(fabs(hw[i] - want) <= 1e-13 * (1.0 + scale), "%s Hw[%d] %.15g vs %.15g",
                              nnv_activation_name(ACTS[k]), i, hw[i], want);
            }
        }
        cn_ws_free(&ws);
        net_workspace_free(&nws);
    }
}
END_TEST

/* phi = ca (a . g) + cb (b . H w) at x, by the forward functions only. */
static double phi(const tr_net *nt, const double *th, const double *x, const double *a, const double *b,
                  const double *w, double ca, double cb, cn_ws *ws)
{
    double g[NIN], hw[NIN], s = 0.0;
    cn_grad_hvp(nt, th, x, w, g, hw, ws);
    for (int i = 0; i < NIN; i++) s += ca * a[i] * g[i] + cb * b[i] * hw[i];
    return s;
}

START_TEST(test_curvature_weight_gradient)
{
    /* The exact weight gradient of the first- and second-order directional
     * derivatives against central differences in every parameter, for every
     * activation; then each term alone (a or b NULL). h = 1e-6 on O(1)
     * parameters: truncation ~1e-12 x the third derivative, rounding ~1e-10. */
    uint64_t seed = 99;
    for (int k = 0; k < N_ACTS; k++) {
        for (int mode = 0; mode < 3; mode++) {
            tr_net nt;
            cn_ws ws = {0};
            double th[NP_MAX], grad[NP_MAX], x[NIN], a[NIN], b[NIN], w[NIN], ca = 0.7, cb = -1.9, h = 1e-6;
            int np;
            toy_net(&nt, ACTS[k], th, &np, &seed);
            ck_assert_int_eq(cn_ws_alloc(&ws, &nt), NNV_OK);
            for (int i = 0; i < NIN; i++)
                x[i] = 1.5 * urand(&seed), a[i] = urand(&seed), b[i] = urand(&seed), w[i] = urand(&seed);
            if (mode == 1) cb = 0.0;
            if (mode == 2) ca = 0.0;
            memset(grad, 0, sizeof grad);
            cn_backward(&nt, th, x, mode == 1 ? a : (mode == 2 ? NULL : a), mode == 1 ? NULL : b, w, ca, cb, grad,
                        &ws);
            for (int p = 0; p < np; p++) {
                double keep = th[p], fp, fm, fd;
                th[p] = keep + h;
                fp = phi(&nt, th, x, a, b, w, ca, cb, &ws);
                th[p] = keep - h;
                fm = phi(&nt, th, x, a, b, w, ca, cb, &ws);
                th[p] = keep;
                fd = (fp - fm) / (2.0 * h);
                ck_assert_msg(tu_close(grad[p], fd, 1e-7, 1e-6), "%s mode %d param %d: %.12g vs FD %.12g",
                              nnv_activation_name(ACTS[k]), mode, p, grad[p], fd);
            }
            cn_ws_free(&ws);
        }
    }
}
END_TEST

START_TEST(test_batched_matches_rows)
{
    /* The batched passes (matrix products over rows) give what the
     * row-by-row passes give, for every activation. */
    enum { R = 7 };
    uint64_t seed = 1234;
    for (int k = 0; k < N_ACTS; k++) {
        tr_net nt;
        cn_ws ws = {0};
        cnb_ws bw = {0};
        double th[NP_MAX], g1[R * NIN], h1[R * NIN], gr[NP_MAX], gb[NP_MAX];
        double x[R][NIN], a[R][NIN], b[R][NIN], w[R][NIN];
        int np;
        toy_net(&nt, ACTS[k], th, &np, &seed);
        ck_assert_int_eq(cn_ws_alloc(&ws, &nt), NNV_OK);
        ck_assert_int_eq(cnb_ws_reserve(&bw, &nt, R), NNV_OK);
        for (int r = 0; r < R; r++)
            for (int i = 0; i < NIN; i++)
                x[r][i] = 1.5 * urand(&seed), a[r][i] = urand(&seed), b[r][i] = urand(&seed), w[r][i] = urand(&seed);
        memcpy(cnb_in(&bw, CNB_P, R, NIN), x, sizeof x);
        memcpy(cnb_in(&bw, CNB_W, R, NIN), w, sizeof w);
        cnb_grad_hvp(&nt, th, R, g1, h1, &bw);
        memset(gr, 0, sizeof gr);
        memset(gb, 0, sizeof gb);
        for (int r = 0; r < R; r++) {
            double g[NIN], hw[NIN];
            cn_grad_hvp(&nt, th, x[r], w[r], g, hw, &ws);
            for (int i = 0; i < NIN; i++) {
                ck_assert_msg(tu_close(g1[r * NIN + i], g[i], 1e-13, 1e-12), "%s g", nnv_activation_name(ACTS[k]));
                ck_assert_msg(tu_close(h1[r * NIN + i], hw[i], 1e-13, 1e-12), "%s Hw", nnv_activation_name(ACTS[k]));
            }
            cn_backward(&nt, th, x[r], a[r], b[r], w[r], 1.0, 1.0, gr, &ws);
        }
        /* cnb_grad_hvp overwrote nothing of the inputs P, W; add A, B. */
        memcpy(cnb_in(&bw, CNB_A, R, NIN), a, sizeof a);
        memcpy(cnb_in(&bw, CNB_B, R, NIN), b, sizeof b);
        cnb_backward(&nt, th, R, gb, &bw);
        for (int p = 0; p < np; p++)
            ck_assert_msg(tu_close(gb[p], gr[p], 1e-12, 1e-11), "%s param %d: %.15g vs %.15g",
                          nnv_activation_name(ACTS[k]), p, gb[p], gr[p]);
        cn_ws_free(&ws);
        cnb_ws_free(&bw);
    }
}
END_TEST

/* ---- the curvature term of the trainer's loss ----------------------------------------- */

/* Adds n_probes curvature labels to every frame of s: random unit probes and
 * random "teacher" products (the gradient check needs no physics). */
static void add_probes(ds_set *s, int n_probes, uint64_t seed)
{
    for (int f = 0; f < s->n_frames; f++) {
        ds_frame *d = &s->frames[f];
        size_t n3 = 3 * (size_t)d->n_atoms;
        d->n_hvp = n_probes;
        d->hvp_probe = malloc((size_t)n_probes * n3 * sizeof *d->hvp_probe);
        d->hvp = malloc((size_t)n_probes * n3 * sizeof *d->hvp);
        ck_assert(d->hvp_probe && d->hvp);
        for (int p = 0; p < n_probes; p++) {
            double *v = d->hvp_probe + (size_t)p * n3, nv = 0.0;
            for (size_t c = 0; c < n3; c++) v[c] = urand(&seed), nv += v[c] * v[c];
            for (size_t c = 0; c < n3; c++) v[c] /= sqrt(nv), d->hvp[(size_t)p * n3 + c] = 3.0 * urand(&seed);
        }
    }
}

/* A small trainer problem on the toy set with two probes per frame; with
 * K > 1 a shallow ensemble of K heads, wN the weight of its force NLL term. */
static tr_problem *probe_problem_k(nnv_potential **pot, ds_set *data, int act, double wF, double wH, int n_frames,
                                   int K, double wN)
{
    static const int Z[3] = {1, 6, 8};
    sfgen_options so;
    train_options o;
    tr_problem *pb = NULL;
    nnv_error err;
    make_set(data, n_frames, 31);
    add_probes(data, 2, 77);
    toy_options(&o, &so, 5, 4, act);
    o.act_param = CELU_ALPHA;
    o.energy_weight = 0.5;
    o.force_weight = wF;
    o.hvp_weight = wH;
    o.shallow = K > 1 ? K : 0;
    o.nll_floor = 0.01;
    ck_assert_int_eq(sfgen_make(pot, 3, Z, &so, &err), NNV_OK);
    ck_assert_msg(tr_problem_new(&pb, *pot, data, NULL, 0, &o, &err) == NNV_OK, "%s", err.message);
    tr_init(pb, 3, NULL, 0);
    /* Heads made to differ, so a wrong mean or fold cannot hide. */
    for (int p = 0; p < tr_n_params(pb); p++) tr_params(pb)[p] += 0.05 * sin(1.3 * p) + 0.02 * cos(0.7 * p * p);
    if (K > 1) tr_set_nll_weight(pb, wN);
    return pb;
}

static tr_problem *probe_problem(nnv_potential **pot, ds_set *data, int act, double wF, double wH, int n_frames)
{
    return probe_problem_k(pot, data, act, wF, wH, n_frames, 1, 0.0);
}

/* The trainer's H v equals the library's analytic Hessian of the exported
 * potential times the probe (with K > 1: the Hessian of the heads' mean, the
 * committee's own). */
static void check_hv_matches_model(int act, int K)
{
    ds_set data;
    nnv_potential *pot = NULL;
    tr_problem *pb = probe_problem_k(&pot, &data, act, 1.0, 1.0, 4, K, 0.1);
    nnv_error err;
    ck_assert_int_eq(tr_export(pb), NNV_OK);
    if (K > 1) { /* what train_shallow marks on the file */
        pot->flags |= NNV_FLAG_COMMITTEE;
        pot->n_members = K;
        pot->committee_kind = NNV_COMMITTEE_SHALLOW;
        pot->spread_scale = 1.0;
    }
    for (int f = 0; f < data.n_frames; f++) {
        const ds_frame *d = &data.frames[f];
        nnv_structure *s = NULL;
        nnv_result *r = NULL;
        int n3 = 3 * d->n_atoms;
        double hv[15];
        ck_assert_int_eq(nnv_structure_new(&s, d->n_atoms, d->Z, d->xyz, &err), NNV_OK);
        ck_assert_int_eq(nnv_compute(&r, pot, s, TU_WANT(NNV_WANT_HESSIAN), &err), NNV_OK);
        for (int p = 0; p < 2; p++) {
            const double *v = d->hvp_probe + (size_t)p * (size_t)n3;
            ck_assert_int_eq(tr_predict_hv(pb, f, p, hv), NNV_OK);
            for (int c = 0; c < n3; c++) {
                double want = 0.0, scale = 0.0;
                for (int q = 0; q < n3; q++) {
                    want += r->hessian[c * n3 + q] * v[q];
                    scale += fabs(r->hessian[c * n3 + q] * v[q]);
                }
                ck_assert_msg(fabs(hv[c] - want) <= 1e-10 * (1.0 + scale),
                              "%s K %d frame %d probe %d comp %d: %.12g vs %.12g", nnv_activation_name(act), K, f, p, c,
                              hv[c], want);
            }
        }
        ck_assert_int_eq(tr_predict_hv(pb, f, 2, hv), NNV_EINPUT);
        nnv_result_free(r);
        nnv_structure_free(s);
    }
    tr_problem_free(pb);
    nnv_potential_free(pot);
    ds_free(&data);
}

START_TEST(test_hv_matches_model)
{
    check_hv_matches_model(ACTS[_i], 1);
    check_hv_matches_model(ACTS[_i], 3);
}
END_TEST

static void check_loss_gradient(int act, double wF, double wH, int K, double wN)
{
    ds_set data;
    nnv_potential *pot = NULL;
    tr_problem *pb = probe_problem_k(&pot, &data, act, wF, wH, 3, K, wN);
    int idx[3] = {0, 1, 2}, np = tr_n_params(pb), worst = -1;
    double *g = malloc((size_t)np * sizeof *g), *th = tr_params(pb), L, Lp, Lm, h = 1e-6, maxerr = 0.0, gmax = 0.0;
    double sse[TR_N_TERMS], cnt[TR_N_TERMS];
    ck_assert_int_eq(tr_loss(pb, idx, 3, &L, g, sse), NNV_OK);
    tr_counts(pb, idx, 3, cnt);
    ck_assert(cnt[3] > 0 && sse[3] > 0 && isfinite(L));
    for (int p = 0; p < np; p++) {
        double t = th[p], fd;
        th[p] = t + h;
        tr_loss(pb, idx, 3, &Lp, NULL, NULL);
        th[p] = t - h;
        tr_loss(pb, idx, 3, &Lm, NULL, NULL);
        th[p] = t;
        fd = (Lp - Lm) / (2 * h);
        if (fabs(g[p]) > gmax) gmax = fabs(g[p]);
        if (fabs(fd - g[p]) > maxerr) maxerr = fabs(fd - g[p]), worst = p;
    }
    ck_assert_msg(gmax > 0 && maxerr <= 1e-6 * (1.0 + gmax),
                  "%s (wF %g wH %g K %d wN %g): max |grad - FD| %.3e at %d, max %.3e", nnv_activation_name(act), wF, wH,
                  K, wN, maxerr, worst, gmax);
    free(g);
    tr_problem_free(pb);
    nnv_potential_free(pot);
    ds_free(&data);
}

START_TEST(test_loss_gradient_curvature)
{
    /* The whole loss with the curvature term, alone and beside energy and
     * forces, against central differences in every weight. */
    check_loss_gradient(ACTS[_i], 0.0, 1.0, 1, 0.0);
    check_loss_gradient(ACTS[_i], 0.3, 0.7, 1, 0.0);
    /* A shallow ensemble: the term trains the heads' mean, beside the mean's
     * forces and the spread's NLL. */
    check_loss_gradient(ACTS[_i], 0.0, 1.0, 3, 0.0);
    check_loss_gradient(ACTS[_i], 0.3, 0.7, 3, 0.05);
}
END_TEST

START_TEST(test_curvature_off_unchanged)
{
    /* Without w_H the labels are ignored: same loss as a set without them. */
    ds_set with, without;
    nnv_potential *p1 = NULL, *p2 = NULL;
    tr_problem *a = probe_problem(&p1, &with, NNV_ACT_TANH, 1.0, 0.0, 3), *b;
    static const int Z[3] = {1, 6, 8};
    sfgen_options so;
    train_options o;
    nnv_error err;
    int idx[3] = {0, 1, 2};
    double La, Lb, sa[TR_N_TERMS], sb[TR_N_TERMS];
    make_set(&without, 3, 31);
    toy_options(&o, &so, 5, 4, NNV_ACT_TANH);
    o.energy_weight = 0.5;
    o.force_weight = 1.0;
    ck_assert_int_eq(sfgen_make(&p2, 3, Z, &so, &err), NNV_OK);
    ck_assert_int_eq(tr_problem_new(&b, p2, &without, NULL, 0, &o, &err), NNV_OK);
    tr_init(b, 3, NULL, 0); /* E0 */
    memcpy(tr_params(b), tr_params(a), (size_t)tr_n_params(a) * sizeof(double));
    ck_assert_int_eq(tr_loss(a, idx, 3, &La, NULL, sa), NNV_OK);
    ck_assert_int_eq(tr_loss(b, idx, 3, &Lb, NULL, sb), NNV_OK);
    ck_assert(La == Lb && sa[3] == 0.0 && sb[3] == 0.0);
    tr_problem_free(a);
    tr_problem_free(b);
    nnv_potential_free(p1);
    nnv_potential_free(p2);
    ds_free(&with);
    ds_free(&without);
}
END_TEST

START_TEST(test_evaluate_hv)
{
    /* train_evaluate scores H v: 0 against the potential's own products, and
     * exactly the planted error after one component is moved by 0.5. */
    ds_set data;
    nnv_potential *pot = NULL;
    tr_problem *pb = probe_problem(&pot, &data, NNV_ACT_GELU, 1.0, 1.0, 4);
    train_eval_group *g = NULL;
    nnv_error err;
    int ng;
    ck_assert_int_eq(tr_export(pb), NNV_OK);
    for (int f = 0; f < data.n_frames; f++)
        for (int p = 0; p < 2; p++)
            ck_assert_int_eq(tr_predict_hv(pb, f, p, data.frames[f].hvp + (size_t)p * 3 * (size_t)data.frames[f].n_atoms),
                             NNV_OK);
    ck_assert_int_eq(train_evaluate(&g, &ng, pot, &data, NULL, 0, NULL, 0.0, &err), NNV_OK);
    ck_assert_int_gt(g[0].n_hv, 0);
    ck_assert_msg(g[0].sse_hv < 1e-18, "sse %g", g[0].sse_hv);
    free(g);
    data.frames[2].hvp[4] += 0.5;
    ck_assert_int_eq(train_evaluate(&g, &ng, pot, &data, NULL, 0, NULL, 0.0, &err), NNV_OK);
    ck_assert(fabs(g[0].sse_hv - 0.25) < 1e-9);
    free(g);
    tr_problem_free(pb);
    nnv_potential_free(pot);
    ds_free(&data);
}
END_TEST

START_TEST(test_curvature_any_thread_count)
{
    /* With the curvature term, loss, error sums and gradient are the same
     * bits for 1 and 2 threads (40 frames: three chunks), for a single network
     * and a shallow ensemble. */
    ds_set data;
    nnv_potential *pot = NULL;
    tr_problem *pb = probe_problem_k(&pot, &data, NNV_ACT_SILU, 0.5, 1.0, 40, 1 + 2 * _i, 0.05);
    int idx[40], np = tr_n_params(pb);
    double L[2], sse[2][TR_N_TERMS], *g[2];
    for (int i = 0; i < 40; i++) idx[i] = 39 - i;
    for (int k = 0; k < 2; k++) {
        g[k] = malloc((size_t)np * sizeof *g[k]);
#ifdef _OPENMP
        omp_set_num_threads(k + 1);
#endif
        ck_assert_int_eq(tr_loss(pb, idx, 40, &L[k], g[k], sse[k]), NNV_OK);
    }
    ck_assert(sse[0][3] > 0.0);
    ck_assert(memcmp(&L[0], &L[1], sizeof L[0]) == 0);
    ck_assert(memcmp(sse[0], sse[1], sizeof sse[0]) == 0);
    ck_assert(memcmp(g[0], g[1], (size_t)np * sizeof *g[0]) == 0);
    free(g[0]), free(g[1]);
    tr_problem_free(pb);
    nnv_potential_free(pot);
    ds_free(&data);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("curvature");
    if (openblas_set_num_threads) openblas_set_num_threads(1);
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_activation_third_derivative);
    tcase_add_test(tc, test_sf_jacobian_direction);
    tcase_add_test(tc, test_network_hvp);
    tcase_add_test(tc, test_curvature_weight_gradient);
    tcase_add_test(tc, test_batched_matches_rows);
    tcase_add_loop_test(tc, test_hv_matches_model, 0, N_ACTS);
    tcase_add_loop_test(tc, test_loss_gradient_curvature, 0, N_ACTS);
    tcase_add_test(tc, test_curvature_off_unchanged);
    tcase_add_loop_test(tc, test_curvature_any_thread_count, 0, 2); /* K 1 and 3 */
    tcase_add_test(tc, test_evaluate_hv);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
