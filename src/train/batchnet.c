/* batchnet.c: one element's network over many atoms at once, as row-matrix
 * products (cblas_dgemm): forward pass, input gradient, forward tangents and
 * the reverse pass that gives the weight gradient of energy and tangent terms.
 *
 * Rows are atoms. A layer's buffer holds M = (1 + T) R rows: R primal rows,
 * then T blocks of R tangent rows (block t, row r: direction t of atom r), so
 * the weight gradient of primal and tangent terms is one product over all M
 * rows and curvature work can add directions as more blocks. Column counts
 * are the layer widths, so an output layer of n_out > 1 (committees) needs
 * only wider seeds. Activations are the model's (net_activation), tanh and
 * silu by vectorising loops that agree with it to a few units in the last
 * place, so the trainer fits the function nnv_compute evaluates. */
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trainer_internal.h"

/* ---- activations over arrays ---------------------------------------------------------
 * The trainer evaluates millions of units per epoch, and glibc's tanh and
 * exp are scalar calls (14-20 ns each with their branches), so tanh and
 * silu use an expm1 of their own, written without branches or calls so that
 * the loops vectorise. y = k ln2 + r, |r| <= ln2/2 (Cody-Waite reduction, ln2
 * split so that k ln2_hi is exact), expm1(r) by its Taylor series to r^13
 * (truncation below 1e-17 relative); then e^y = 2^k expm1(r) + 2^k and
 * expm1(y) = 2^k expm1(r) + (2^k - 1), which keeps the relative accuracy near
 * y = 0, where 1 - e^y would cancel. Arguments must lie in [-700, 0] (2^k
 * stays a normal number) or be NaN, which propagates. */
static inline double exp_parts(double y, double *p2k)
{
    const double log2e = 1.4426950408889634, ln2_hi = 0x1.62e42fee00000p-1, ln2_lo = 0x1.a39ef35793c76p-33;
    const double shift = 0x1.8p52; /* adding it rounds to an integer held in the low mantissa bits */
    double t = y * log2e + shift, k = t - shift, r = (y - k * ln2_hi) - k * ln2_lo, q;
    uint64_t bits;
    q = 1.0 / 6227020800.0;
    q = q * r + 1.0 / 479001600.0;
    q = q * r + 1.0 / 39916800.0;
    q = q * r + 1.0 / 3628800.0;
    q = q * r + 1.0 / 362880.0;
    q = q * r + 1.0 / 40320.0;
    q = q * r + 1.0 / 5040.0;
    q = q * r + 1.0 / 720.0;
    q = q * r + 1.0 / 120.0;
    q = q * r + 1.0 / 24.0;
    q = q * r + 1.0 / 6.0;
    q = q * r + 0.5;
    memcpy(&bits, &t, sizeof bits);
    bits = (bits + 1023u) << 52;
    memcpy(p2k, &bits, sizeof *p2k);
    return r + r * r * q;
}

/* expm1(y) and exp(y), y in [-700, 0] or NaN. */
static inline double expm1_neg(double y)
{
    double p2k, q = exp_parts(y, &p2k);
    return p2k * q + (p2k - 1.0);
}

static inline double exp_neg(double y)
{
    double p2k, q = exp_parts(y, &p2k);
    return p2k * q + p2k;
}

/* The clamp is a loop of its own and every select picks a value computed on
 * both paths: GCC does not if-convert (so not vectorise) a loop in which a
 * floating-point operation would run on one branch only. */
#ifdef _OPENMP
#define NET_SIMD _Pragma("omp simd")
#else
#define NET_SIMD
#endif

/* y[i] = -c |x[i]| clamped to [-700, 0] (NaN stays NaN). */
static void neg_abs_clamped(size_t n, double c, const double *x, double *y)
{
    NET_SIMD
    for (size_t i = 0; i < n; i++) {
        double v = -c * fabs(x[i]);
        y[i] = v < -700.0 ? -700.0 : v;
    }
}

/* The build targets baseline x86-64 (2 doubles per SSE2 vector); on x86-64
 * GCC also makes an AVX2+FMA copy (4 per vector), chosen at load time by
 * the CPU, which halves the activations' share of a training step. One
 * machine always runs the same copy, so results stay reproducible. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#define BN_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define BN_CLONES
#endif

BN_CLONES
void bn_activation(int act, double param, size_t n, const double *x, double *a, double *da, double *d2a)
{
    switch (act) {
    case NNV_ACT_TANH:
        /* tanh|x| = -m / (2 + m), m = expm1(-2|x|): no cancellation near 0. */
        neg_abs_clamped(n, 2.0, x, d2a);
        NET_SIMD
        for (size_t i = 0; i < n; i++) {
            double m = expm1_neg(d2a[i]), t = -m / (2.0 + m);
            t = x[i] < 0.0 ? -t : t;
            a[i] = t, da[i] = 1.0 - t * t, d2a[i] = -2.0 * t * (1.0 - t * t);
        }
        break;
    case NNV_ACT_SILU:
        /* network.c's logistic(), with e = exp(-|x|). */
        neg_abs_clamped(n, 1.0, x, d2a);
        NET_SIMD
        for (size_t i = 0; i < n; i++) {
            double v = x[i], e = exp_neg(d2a[i]), d = 1.0 + e;
            double s = (v >= 0.0 ? 1.0 : e) / d, s1 = e / (d * d);
            a[i] = v * s, da[i] = s + v * s1, d2a[i] = s1 * (2.0 + v * (1.0 - 2.0 * s));
        }
        break;
    default: /* the others (log1p, erfc, a branch in celu): the scalar code */
        for (size_t i = 0; i < n; i++) net_activation(act, param, x[i], &a[i], &da[i], &d2a[i]);
        break;
    }
}

/* C (m x n) = A op B + beta C, row-major; ta/tb: 1 = transposed. */
void bn_mm(int ta, int tb, int m, int n, int k, const double *A, int lda, const double *B, int ldb, double beta,
           double *C, int ldc)
{
    if (m <= 0 || n <= 0) return;
    cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, 1.0, A, lda,
                B, ldb, beta, C, ldc);
}

int bn_widest(const tr_net *nt)
{
    int w = 1;
    for (int l = 0; l <= nt->n_layers; l++)
        if (nt->size[l] > w) w = nt->size[l];
    return w;
}

void bn_ws_free(bn_ws *w)
{
    if (!w) return;
    free(w->buf);
    memset(w, 0, sizeof *w);
}

int bn_ws_alloc(bn_ws *w, const tr_net *nt, int rows, int dirs)
{
    size_t M = (size_t)rows * (size_t)(1 + dirs), R = (size_t)rows, total = 0, off = 0;
    int L = nt->n_layers, wmax = bn_widest(nt);
    memset(w, 0, sizeof *w);
    for (int l = 0; l < L; l++) total += (2 * M + 2 * R) * (size_t)nt->size[l + 1];
    total += 2 * M * (size_t)wmax;
    if (!(w->buf = malloc((total ? total : 1) * sizeof *w->buf))) return NNV_ENOMEM;
    for (int l = 0; l < L; l++) {
        size_t no = (size_t)nt->size[l + 1];
        w->z[l] = w->buf + off, off += M * no;
        w->y[l] = w->buf + off, off += M * no;
        w->a1[l] = w->buf + off, off += R * no;
        w->a2[l] = w->buf + off, off += R * no;
    }
    w->adj[0] = w->buf + off, off += M * (size_t)wmax;
    w->adj[1] = w->buf + off;
    w->rows = rows;
    w->dirs = dirs;
    return NNV_OK;
}

void bn_forward(const tr_net *nt, const double *th, int R, const double *x, bn_ws *w)
{
    for (int l = 0; l < nt->n_layers; l++) {
        int ni = nt->size[l], no = nt->size[l + 1], act = nt->act[l];
        const double *in = l ? w->y[l - 1] : x, *b = th + nt->boff[l];
        double *z = w->z[l], *y = w->y[l], *a1 = w->a1[l], *a2 = w->a2[l];
        for (int r = 0; r < R; r++) memcpy(z + (size_t)r * (size_t)no, b, (size_t)no * sizeof *z);
        bn_mm(0, 1, R, no, ni, in, ni, th + nt->woff[l], ni, 1.0, z, no);
        if (act == NNV_ACT_IDENTITY) {
            size_t n = (size_t)R * (size_t)no;
            memcpy(y, z, n * sizeof *y);
            for (size_t k = 0; k < n; k++) a1[k] = 1.0, a2[k] = 0.0;
        } else {
            bn_activation(act, nt->param, (size_t)R * (size_t)no, z, y, a1, a2);
        }
    }
}

void bn_input_grad(const tr_net *nt, const double *th, int R, const double *seed, bn_ws *w, double *g)
{
    int L = nt->n_layers, no = nt->size[L];
    double *d = w->adj[0], *dn = w->adj[1];
    const double *a1 = w->a1[L - 1];
    for (size_t k = 0; k < (size_t)R * (size_t)no; k++) d[k] = (seed ? seed[k] : 1.0) * a1[k];
    for (int l = L - 1; l >= 1; l--) {
        int ni = nt->size[l];
        double *t;
        bn_mm(0, 0, R, ni, nt->size[l + 1], d, nt->size[l + 1], th + nt->woff[l], ni, 0.0, dn, ni);
        a1 = w->a1[l - 1];
        for (size_t k = 0; k < (size_t)R * (size_t)ni; k++) dn[k] *= a1[k];
        t = d, d = dn, dn = t;
    }
    bn_mm(0, 0, R, nt->size[0], nt->size[1], d, nt->size[1], th + nt->woff[0], nt->size[0], 0.0, g, nt->size[0]);
}

void bn_input_jac(const tr_net *nt, const double *th, int R, bn_ws *w, double *g)
{
    int L = nt->n_layers, K = nt->size[L];
    size_t n = (size_t)R * (size_t)K;
    double *d = w->adj[0], *dn = w->adj[1];
    const double *a1 = w->a1[L - 1];
    /* Block k's seed is output k alone: the shared layers below see K
     * adjoint blocks in one product per layer. */
    memset(d, 0, (size_t)K * n * sizeof *d);
    for (int k = 0; k < K; k++)
        for (int r = 0; r < R; r++) {
            size_t q = (size_t)r * (size_t)K + (size_t)k;
            d[(size_t)k * n + q] = a1[q];
        }
    for (int l = L - 1; l >= 1; l--) {
        int ni = nt->size[l];
        size_t m = (size_t)R * (size_t)ni;
        double *t;
        bn_mm(0, 0, K * R, ni, nt->size[l + 1], d, nt->size[l + 1], th + nt->woff[l], ni, 0.0, dn, ni);
        a1 = w->a1[l - 1];
        for (int k = 0; k < K; k++)
            for (size_t q = 0; q < m; q++) dn[(size_t)k * m + q] *= a1[q];
        t = d, d = dn, dn = t;
    }
    bn_mm(0, 0, K * R, nt->size[0], nt->size[1], d, nt->size[1], th + nt->woff[0], nt->size[0], 0.0, g,
          nt->size[0]);
}

void bn_tangent(const tr_net *nt, const double *th, int R, int T, const double *x, bn_ws *w)
{
    size_t rows = (size_t)R * (size_t)T;
    if (rows == 0) return;
    for (int l = 0; l < nt->n_layers; l++) {
        int ni = nt->size[l], no = nt->size[l + 1];
        const double *in = (l ? w->y[l - 1] : x) + (size_t)R * (size_t)ni;
        double *zd = w->z[l] + (size_t)R * (size_t)no, *yd = w->y[l] + (size_t)R * (size_t)no;
        const double *a1 = w->a1[l];
        bn_mm(0, 1, (int)rows, no, ni, in, ni, th + nt->woff[l], ni, 0.0, zd, no);
        for (int t = 0; t < T; t++) {
            size_t o = (size_t)t * (size_t)R * (size_t)no;
            for (size_t k = 0; k < (size_t)R * (size_t)no; k++) yd[o + k] = a1[k] * zd[o + k];
        }
    }
}

void bn_backward(const tr_net *nt, const double *th, int R, int T, const double *x, const double *yb,
                 const double *ydb, bn_ws *w, double *grad)
{
    int L = nt->n_layers;
    size_t M = (size_t)R * (size_t)(1 + T), P = (size_t)R * (size_t)nt->size[L];
    double *cur = w->adj[0], *nxt = w->adj[1];
    memcpy(cur, yb, P * sizeof *cur);
    if (T) memcpy(cur + P, ydb, (size_t)T * P * sizeof *cur);
    for (int l = L - 1; l >= 0; l--) {
        int ni = nt->size[l], no = nt->size[l + 1];
        size_t n = (size_t)R * (size_t)no;
        const double *a1 = w->a1[l], *a2 = w->a2[l], *in = l ? w->y[l - 1] : x;
        double *gb = grad + nt->boff[l];
        /* Adjoints of y, ydot -> of z, zdot: zb = yb a' + sum_t ydb_t a'' zdot_t,
         * zdb_t = ydb_t a'. The primal rows read the tangent rows' old values,
         * so they go first. */
        for (size_t k = 0; k < n; k++) cur[k] *= a1[k];
        for (int t = 0; t < T; t++) {
            const double *zd = w->z[l] + (size_t)(t + 1) * n;
            double *db = cur + (size_t)(t + 1) * n;
            for (size_t k = 0; k < n; k++) {
                cur[k] += db[k] * a2[k] * zd[k];
                db[k] *= a1[k];
            }
        }
        bn_mm(1, 0, no, ni, (int)M, cur, no, in, ni, 1.0, grad + nt->woff[l], ni);
        for (int r = 0; r < R; r++) {
            const double *c = cur + (size_t)r * (size_t)no;
            for (int o = 0; o < no; o++) gb[o] += c[o];
        }
        if (l) {
            double *t;
            bn_mm(0, 0, (int)M, ni, no, cur, no, th + nt->woff[l], ni, 0.0, nxt, ni);
            t = cur, cur = nxt, nxt = t;
        }
    }
}
