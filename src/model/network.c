/* Feed-forward atomic networks: activations with exact first, second and
 * third derivatives, and the network's output, gradient and Hessian with
 * respect to its inputs (the scaled symmetry functions).
 *
 * The Hessian of a scalar network output with respect to its input is
 *   H = sum_l Jz_l^T diag(dE/dy_l * a_l''(z_l)) Jz_l,   Jz_l = dz_l/dx,
 * since the pre-activations z_l are linear in the previous layer's outputs and
 * the only curvature comes from the activations: one backward pass for dE/dy,
 * then one forward sweep of the Jacobians. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_internal.h"

/* sigma(x) and sigma(x)(1 - sigma(x)) without cancellation for large |x|. */
static void logistic(double x, double *s, double *s1)
{
    double e = exp(-fabs(x)), d = 1.0 + e;
    *s = x >= 0.0 ? 1.0 / d : e / d;
    *s1 = e / (d * d);
}

void net_activation(int act, double param, double x, double *a, double *da, double *d2a)
{
    double s, s1;
    switch (act) {
    case NNV_ACT_IDENTITY:
        *a = x, *da = 1.0, *d2a = 0.0;
        break;
    case NNV_ACT_RELU:
        /* a'(0) = 0 and a'' = 0 everywhere, as the spec fixes. */
        *a = x > 0.0 ? x : 0.0, *da = x > 0.0 ? 1.0 : 0.0, *d2a = 0.0;
        break;
    case NNV_ACT_SOFTPLUS:
        logistic(x, &s, &s1);
        *a = x > 0.0 ? x + log1p(exp(-x)) : log1p(exp(x));
        *da = s, *d2a = s1;
        break;
    case NNV_ACT_SSP:
        /* ln((1 + e^x)/2) written so that neither overflow nor cancellation
         * near x = 0 loses digits. */
        logistic(x, &s, &s1);
        *a = x > 0.0 ? x + log1p(0.5 * expm1(-x)) : log1p(0.5 * expm1(x));
        *da = s, *d2a = s1;
        break;
    case NNV_ACT_TANH: {
        double t = tanh(x);
        *a = t, *da = 1.0 - t * t, *d2a = -2.0 * t * (1.0 - t * t);
        break;
    }
    case NNV_ACT_SILU:
        logistic(x, &s, &s1);
        *a = x * s, *da = s + x * s1, *d2a = s1 * (2.0 + x * (1.0 - 2.0 * s));
        break;
    case NNV_ACT_GELU: {
        double phi = exp(-0.5 * x * x) * 0.39894228040143267794; /* 1/sqrt(2 pi) */
        double Phi = 0.5 * erfc(-x * 0.70710678118654752440);
        /* phi underflows to 0 long before x*x overflows; keep 0 * inf out. */
        *a = x * Phi, *da = Phi + x * phi, *d2a = phi > 0.0 ? phi * (2.0 - x * x) : 0.0;
        break;
    }
    case NNV_ACT_CELU:
        if (x > 0.0) {
            *a = x, *da = 1.0, *d2a = 0.0;
        } else { /* x = 0 takes this branch: a'' = 1/alpha there (spec) */
            double e = exp(x / param);
            *a = param * (e - 1.0), *da = e, *d2a = e / param;
        }
        break;
    default:
        *a = *da = *d2a = NAN;
        break;
    }
}

/* a''' for the trainer's curvature loss and the PINN's loss gradient (both need
 * the weight gradient of a second input derivative). */
double net_activation3(int act, double param, double x)
{
    double a, a1, a2;
    switch (act) {
    case NNV_ACT_SOFTPLUS:
    case NNV_ACT_SSP: { /* a' = s (logistic), a'' = s(1-s), a''' = s(1-s)(1-2s) */
        net_activation(act, param, x, &a, &a1, &a2);
        return a2 * (1.0 - 2.0 * a1);
    }
    case NNV_ACT_TANH: {
        double t = tanh(x), s = 1.0 - t * t;
        return s * (6.0 * t * t - 2.0);
    }
    case NNV_ACT_SILU: { /* a = x s: a''' = 3 s'' + x s''' */
        double s, s1, s2, s3;
        logistic(x, &s, &s1);
        s2 = s1 * (1.0 - 2.0 * s);
        s3 = s1 * ((1.0 - 2.0 * s) * (1.0 - 2.0 * s) - 2.0 * s1);
        return 3.0 * s2 + x * s3;
    }
    case NNV_ACT_GELU: { /* a'' = phi (2 - x^2), a''' = phi (x^3 - 4x) */
        double phi = exp(-0.5 * x * x) * 0.39894228040143267794;
        return phi > 0.0 ? phi * x * (x * x - 4.0) : 0.0;
    }
    case NNV_ACT_CELU:
        return x > 0.0 ? 0.0 : exp(x / param) / (param * param);
    case NNV_ACT_IDENTITY:
    case NNV_ACT_RELU:
        return 0.0;
    default:
        return NAN;
    }
}

void net_workspace_free(net_workspace *ws)
{
    if (!ws) return;
    free(ws->buf);
    memset(ws, 0, sizeof *ws);
}

static int reserve(net_workspace *ws, size_t n)
{
    if (ws->buf_len >= n) return NNV_OK;
    free(ws->buf);
    ws->buf = malloc(n * sizeof *ws->buf);
    ws->buf_len = ws->buf ? n : 0;
    return ws->buf ? NNV_OK : NNV_ENOMEM;
}

int net_eval(const nnv_network *net, const double *x, double *out, double *grad, double *hess,
             net_workspace *ws)
{
    int L = net->n_layers, n0 = net->layers[0].n_in, maxw = n0;
    size_t total = 0, need;
    double *z, *da, *d2a, *y, *adj, *Ja, *Jb;
    size_t off[65]; /* start of each layer's units; n_layers <= 64 by the format */

    for (int l = 0; l < L; l++) {
        total += (size_t)net->layers[l].n_out;
        if (net->layers[l].n_out > maxw) maxw = net->layers[l].n_out;
    }
    if (L < 1 || L > 64) return NNV_EUSAGE;
    /* z, a', a'' per unit; y and dE/dy with the input; two Jacobian buffers. */
    need = 3 * total + 2 * (total + (size_t)n0) + (hess ? 2 * (size_t)maxw * (size_t)n0 : 0);
    if (reserve(ws, need) != NNV_OK) return NNV_ENOMEM;
    z = ws->buf;
    da = z + total;
    d2a = da + total;
    y = d2a + total;          /* y[0 .. n0) is the input, then each layer's output */
    adj = y + total + n0;     /* dE/dy, same layout as y */
    Ja = adj + total + n0;
    Jb = Ja + (hess ? (size_t)maxw * (size_t)n0 : 0);

    memcpy(y, x, (size_t)n0 * sizeof *y);
    off[0] = 0;
    for (int l = 0; l < L; l++) {
        const nnv_layer *ly = &net->layers[l];
        const double *in = (l == 0) ? y : y + n0 + off[l - 1];
        double *yo = y + n0 + off[l];
        for (int o = 0; o < ly->n_out; o++) {
            const double *w = ly->W + (size_t)o * (size_t)ly->n_in;
            double s = ly->b[o];
            for (int i = 0; i < ly->n_in; i++) s += w[i] * in[i];
            z[off[l] + (size_t)o] = s;
            net_activation(ly->activation, ly->param, s, &yo[o], &da[off[l] + (size_t)o],
                           &d2a[off[l] + (size_t)o]);
        }
        off[l + 1] = off[l] + (size_t)ly->n_out;
    }
    *out = y[(size_t)n0 + off[L - 1]];
    if (!grad && !hess) return NNV_OK;

    /* Backward: adj holds dE/dy for every layer's output and for the input. */
    adj[(size_t)n0 + off[L - 1]] = 1.0;
    for (int l = L - 1; l >= 0; l--) {
        const nnv_layer *ly = &net->layers[l];
        double *ain = (l == 0) ? adj : adj + n0 + off[l - 1];
        const double *aout = adj + n0 + off[l];
        memset(ain, 0, (size_t)ly->n_in * sizeof *ain);
        for (int o = 0; o < ly->n_out; o++) {
            const double *w = ly->W + (size_t)o * (size_t)ly->n_in;
            double e = aout[o] * da[off[l] + (size_t)o];
            if (e == 0.0) continue;
            for (int i = 0; i < ly->n_in; i++) ain[i] += e * w[i];
        }
    }
    if (grad) memcpy(grad, adj, (size_t)n0 * sizeof *grad);
    if (!hess) return NNV_OK;

    /* Forward sweep of Jacobians: Ja = dy_{l}/dx (n_in x n0), Jb = dz_l/dx. */
    memset(hess, 0, (size_t)n0 * (size_t)n0 * sizeof *hess);
    for (int l = 0; l < L; l++) {
        const nnv_layer *ly = &net->layers[l];
        const double *aout = adj + n0 + off[l];
        for (int o = 0; o < ly->n_out; o++) {
            const double *w = ly->W + (size_t)o * (size_t)ly->n_in;
            double *row = Jb + (size_t)o * (size_t)n0, c;
            if (l == 0) {
                memcpy(row, w, (size_t)n0 * sizeof *row);
            } else {
                memset(row, 0, (size_t)n0 * sizeof *row);
                for (int i = 0; i < ly->n_in; i++) {
                    const double *ja = Ja + (size_t)i * (size_t)n0;
                    if (w[i] == 0.0) continue;
                    for (int q = 0; q < n0; q++) row[q] += w[i] * ja[q];
                }
            }
            c = aout[o] * d2a[off[l] + (size_t)o];
            if (c != 0.0) {
                for (int p = 0; p < n0; p++) {
                    double cp = c * row[p];
                    if (cp == 0.0) continue;
                    for (int q = 0; q < n0; q++) hess[(size_t)p * (size_t)n0 + (size_t)q] += cp * row[q];
                }
            }
        }
        /* Ja <- diag(a') Jb for the next layer. */
        for (int o = 0; o < ly->n_out; o++) {
            double s = da[off[l] + (size_t)o];
            const double *src = Jb + (size_t)o * (size_t)n0;
            double *dst = Ja + (size_t)o * (size_t)n0;
            for (int q = 0; q < n0; q++) dst[q] = s * src[q];
        }
    }
    return NNV_OK;
}
