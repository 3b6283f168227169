/* The PINN's network u(x, t): u, u_x, u_t and u_xx exactly, by forward-mode
 * Taylor propagation through the layers, and the exact weight gradient of any
 * linear combination of them, by one reverse pass through that propagation.
 *
 * With z = W y + b and y' = a(z) per hidden layer, the input derivatives
 * travel as streams beside the values (Griewank & Walther, "Evaluating
 * Derivatives", 2nd ed., 2008, ch. 13):
 *   z_x = W y_x,  z_t = W y_t,  z_xx = W y_xx,
 *   y'_x = a'(z) z_x,  y'_t = a'(z) z_t,  y'_xx = a''(z) z_x^2 + a'(z) z_xx,
 * starting from the scaled inputs (xi, tau) with y_x = (2, 0), y_t = (0, 2/T),
 * y_xx = 0; the output layer is linear. u_xx therefore only ever holds a''
 * terms and a' times earlier a'' terms: for ReLU (a'' = 0) it is exactly 0.
 * The reverse pass needs a''' (net_activation3) for the a'' in y'_xx. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_internal.h"
#include "pinn/pinn_internal.h"

enum { S_V, S_X, S_T, S_XX, N_STREAMS };

void pinn_net_init(pinn_net *n, int act, int n_hidden, const int *width, double t_end)
{
    size_t off = 0;
    memset(n, 0, sizeof *n);
    n->act = act;
    n->n_layers = n_hidden + 1;
    n->size[0] = 2;
    for (int l = 0; l < n_hidden; l++) n->size[l + 1] = width[l];
    n->size[n->n_layers] = 1;
    for (int l = 0; l < n->n_layers; l++) {
        n->woff[l] = off;
        off += (size_t)n->size[l] * (size_t)n->size[l + 1];
        n->boff[l] = off;
        off += (size_t)n->size[l + 1];
    }
    n->n_params = (int)off;
    n->in_scale[0] = 2.0;
    n->in_scale[1] = 2.0 / t_end;
}

void pinn_net_glorot(const pinn_net *n, double *theta, uint64_t *rng)
{
    for (int l = 0; l < n->n_layers; l++) {
        int ni = n->size[l], no = n->size[l + 1];
        double lim = sqrt(6.0 / (ni + no));
        for (size_t k = 0; k < (size_t)ni * (size_t)no; k++)
            theta[n->woff[l] + k] = lim * (2.0 * rng_open_unit(rng) - 1.0);
        memset(theta + n->boff[l], 0, (size_t)no * sizeof *theta);
    }
}

void pinn_ws_free(pinn_ws *w)
{
    if (!w) return;
    free(w->buf);
    memset(w, 0, sizeof *w);
}

int pinn_ws_alloc(pinn_ws *w, const pinn_net *n, int cap)
{
    size_t total = 0, c = (size_t)cap;
    int widest = 0;
    double *p;
    pinn_ws_free(w);
    for (int l = 0; l <= n->n_layers; l++) {
        if (n->size[l] > widest) widest = n->size[l];
        total += N_STREAMS * c * (size_t)n->size[l];
        if (l < n->n_layers) total += 6 * c * (size_t)n->size[l + 1];
    }
    total += 2 * N_STREAMS * c * (size_t)widest;
    w->buf = malloc(total * sizeof *w->buf);
    if (!w->buf) return NNV_ENOMEM;
    w->cap = cap, w->width = widest;
    p = w->buf;
    for (int l = 0; l <= n->n_layers; l++) {
        size_t s = c * (size_t)n->size[l];
        w->y[l] = p, p += N_STREAMS * s;
    }
    for (int l = 0; l < n->n_layers; l++) {
        size_t s = c * (size_t)n->size[l + 1];
        w->a1[l] = p, p += s;
        w->a2[l] = p, p += s;
        w->a3[l] = p, p += s;
        w->zx[l] = p, p += s;
        w->zt[l] = p, p += s;
        w->zxx[l] = p, p += s;
    }
    w->adj = p, p += N_STREAMS * c * (size_t)widest;
    w->adj_in = p;
    return NNV_OK;
}

/* Z (R x no) = Y (R x ni) W with W^T stored as wt (ni x no), plus b when not
 * NULL: rows of W^T added in turn, so the inner loop runs along contiguous
 * memory without a carried sum. */
static void layer_product(int R, int ni, int no, const double *Y, const double *wt, const double *b, double *Z)
{
    for (int r = 0; r < R; r++) {
        double *z = Z + (size_t)r * (size_t)no;
        const double *y = Y + (size_t)r * (size_t)ni;
        if (b) memcpy(z, b, (size_t)no * sizeof *z);
        else memset(z, 0, (size_t)no * sizeof *z);
        for (int i = 0; i < ni; i++) {
            const double *w = wt + (size_t)i * (size_t)no, yi = y[i];
            for (int o = 0; o < no; o++) z[o] += yi * w[o];
        }
    }
}

void pinn_net_forward(const pinn_net *n, const double *theta, int R, const double *x, const double *t, int order,
                      double *u, double *ux, double *ut, double *uxx, pinn_ws *ws)
{
    int ns = order == 2 ? N_STREAMS : 1, L = n->n_layers;
    size_t c = (size_t)ws->cap;
    double *y0 = ws->y[0];
    for (int r = 0; r < R; r++) {
        y0[2 * r] = n->in_scale[0] * x[r] - 1.0;
        y0[2 * r + 1] = n->in_scale[1] * t[r] - 1.0;
        if (ns == 1) continue;
        y0[2 * (c + (size_t)r)] = n->in_scale[0], y0[2 * (c + (size_t)r) + 1] = 0.0;
        y0[2 * (2 * c + (size_t)r)] = 0.0, y0[2 * (2 * c + (size_t)r) + 1] = n->in_scale[1];
        y0[2 * (3 * c + (size_t)r)] = 0.0, y0[2 * (3 * c + (size_t)r) + 1] = 0.0;
    }
    for (int l = 0; l < L; l++) {
        int ni = n->size[l], no = n->size[l + 1];
        size_t si = c * (size_t)ni, so = c * (size_t)no;
        const double *wt = theta + n->woff[l], *b = theta + n->boff[l];
        double *Y = ws->y[l], *Z = ws->y[l + 1];
        for (int s = 0; s < ns; s++) layer_product(R, ni, no, Y + (size_t)s * si, wt, s == S_V ? b : NULL, Z + (size_t)s * so);
        if (l == L - 1) break; /* the output layer is linear */
        for (size_t k = 0; k < (size_t)R * (size_t)no; k++) {
            double a, a1, a2, z = Z[k];
            net_activation(n->act, 0.0, z, &a, &a1, &a2);
            Z[k] = a;
            ws->a1[l][k] = a1;
            if (ns == 1) continue;
            double zx = Z[so + k], zt = Z[2 * so + k], zxx = Z[3 * so + k];
            ws->a2[l][k] = a2;
            ws->a3[l][k] = net_activation3(n->act, 0.0, z);
            ws->zx[l][k] = zx, ws->zt[l][k] = zt, ws->zxx[l][k] = zxx;
            Z[so + k] = a1 * zx;
            Z[2 * so + k] = a1 * zt;
            Z[3 * so + k] = a2 * zx * zx + a1 * zxx;
        }
    }
    {
        const double *out = ws->y[L];
        for (int r = 0; r < R; r++) {
            u[r] = out[r];
            if (ns == 1) continue;
            if (ux) ux[r] = out[c + (size_t)r];
            if (ut) ut[r] = out[2 * c + (size_t)r];
            if (uxx) uxx[r] = out[3 * c + (size_t)r];
        }
    }
}

void pinn_net_backward(const pinn_net *n, const double *theta, int R, int order, const double *cu,
                       const double *cx, const double *ct, const double *cxx, double *grad, pinn_ws *ws)
{
    int ns = order == 2 ? N_STREAMS : 1, L = n->n_layers;
    size_t c = (size_t)ws->cap;
    const double *coef[N_STREAMS] = {cu, cx, ct, cxx};
    double *adj = ws->adj, *adj_in = ws->adj_in;

    /* The output is linear: its z-adjoints are the coefficients. */
    for (int s = 0; s < ns; s++)
        for (int r = 0; r < R; r++) adj[(size_t)s * c + (size_t)r] = coef[s] ? coef[s][r] : 0.0;
    for (int l = L - 1; l >= 0; l--) {
        int ni = n->size[l], no = n->size[l + 1];
        size_t si = c * (size_t)ni, so = c * (size_t)no;
        const double *wt = theta + n->woff[l], *Y = ws->y[l];
        double *gw = grad + n->woff[l], *gb = grad + n->boff[l];
        if (l < L - 1) { /* adj holds dL/dy' of this layer's outputs: turn it into dL/dz */
            for (size_t k = 0; k < (size_t)R * (size_t)no; k++) {
                double a1 = ws->a1[l][k];
                if (ns == 1) {
                    adj[k] *= a1;
                    continue;
                }
                double a2 = ws->a2[l][k], zx = ws->zx[l][k];
                double bv = adj[k], bx = adj[so + k], bt = adj[2 * so + k], bxx = adj[3 * so + k];
                adj[k] = bv * a1 + bx * a2 * zx + bt * a2 * ws->zt[l][k] +
                         bxx * (ws->a3[l][k] * zx * zx + a2 * ws->zxx[l][k]);
                adj[so + k] = bx * a1 + 2.0 * bxx * a2 * zx;
                adj[2 * so + k] = bt * a1;
                adj[3 * so + k] = bxx * a1;
            }
        }
        /* dL/dW^T[i][o] = sum_r,s y_s[r][i] zbar_s[r][o]; dL/db = sum_r zbar_v. */
        for (int s = 0; s < ns; s++)
            for (int r = 0; r < R; r++) {
                const double *y = Y + (size_t)s * si + (size_t)r * (size_t)ni;
                const double *zb = adj + (size_t)s * so + (size_t)r * (size_t)no;
                for (int i = 0; i < ni; i++) {
                    double yi = y[i], *g = gw + (size_t)i * (size_t)no;
                    if (yi == 0.0) continue;
                    for (int o = 0; o < no; o++) g[o] += yi * zb[o];
                }
                if (s == S_V)
                    for (int o = 0; o < no; o++) gb[o] += zb[o];
            }
        if (l == 0) break;
        /* dL/dy of the layer's inputs: zbar W. */
        for (int s = 0; s < ns; s++)
            for (int r = 0; r < R; r++) {
                const double *zb = adj + (size_t)s * so + (size_t)r * (size_t)no;
                double *yb = adj_in + (size_t)s * si + (size_t)r * (size_t)ni;
                for (int i = 0; i < ni; i++) {
                    const double *w = wt + (size_t)i * (size_t)no;
                    double acc = 0.0;
                    for (int o = 0; o < no; o++) acc += zb[o] * w[o];
                    yb[i] = acc;
                }
            }
        {
            double *tmp = adj;
            adj = adj_in, adj_in = tmp;
        }
    }
}
