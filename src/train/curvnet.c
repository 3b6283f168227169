/* curvnet.c: one atomic network's input Hessian-vector product and the weight
 * gradient of first- and second-order directional derivatives, the network
 * half of the trainer's curvature loss (the SF half is in problem.c).
 *
 * With z_l = W_l y_{l-1} + b_l, y_l = a(z_l), tangents along a direction d
 * are zd_l = W_l yd_{l-1}, yd_l = a'(z_l) zd_l, and the mixed second-order
 * term along (b, w) is zz_l = W_l yy_{l-1}, yy_l = a''(z_l) zb_l zw_l +
 * a'(z_l) zz_l (yy_0 = 0): the output's yd is d . dN/dx and its yy is
 * b^T (d2N/dx2) w. The reverse pass through all of them gives the weight
 * gradient (Griewank & Walther, "Evaluating Derivatives", 2008, ch. 13). */
#include <stdlib.h>
#include <string.h>

#include "curvnet.h"
#include "model/model_internal.h"

double cn_activation3(int act, double param, double x)
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
        double e = exp(-fabs(x)), d = 1.0 + e;
        double s = x >= 0.0 ? 1.0 / d : e / d, s1 = e / (d * d);
        double s2 = s1 * (1.0 - 2.0 * s), s3 = s1 * ((1.0 - 2.0 * s) * (1.0 - 2.0 * s) - 2.0 * s1);
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

/* Per-unit arrays in the order of BUF_UNITS, then 10 adjoint vectors of wmax. */
enum { U_Z, U_A1, U_A2, U_A3, U_Y, U_ZA, U_ZB, U_ZW, U_YA, U_YB, U_YW, U_ZZ, U_YY, BUF_UNITS };

int cn_ws_alloc(cn_ws *w, const tr_net *nt)
{
    int wmax = 1;
    for (int l = 0; l <= nt->n_layers; l++)
        if (nt->size[l] > wmax) wmax = nt->size[l];
    if (w->buf && w->units >= nt->units && w->wmax >= wmax) return NNV_OK;
    free(w->buf);
    w->units = nt->units > w->units ? nt->units : w->units;
    w->wmax = wmax > w->wmax ? wmax : w->wmax;
    w->buf = malloc(((size_t)BUF_UNITS * (size_t)w->units + 10 * (size_t)w->wmax) * sizeof *w->buf);
    return w->buf ? NNV_OK : NNV_ENOMEM;
}

void cn_ws_free(cn_ws *w)
{
    if (!w) return;
    free(w->buf);
    w->buf = NULL;
    w->units = w->wmax = 0;
}

static double *arr(cn_ws *ws, int which) { return ws->buf + (size_t)which * (size_t)ws->units; }

/* Forward pass with the tangents that are not NULL (second order when b and
 * w both are given). */
static void forward(const tr_net *nt, const double *th, const double *x, const double *a, const double *b,
                    const double *w, cn_ws *ws)
{
    double *z = arr(ws, U_Z), *a1 = arr(ws, U_A1), *a2 = arr(ws, U_A2), *a3 = arr(ws, U_A3), *y = arr(ws, U_Y);
    double *za = arr(ws, U_ZA), *zb = arr(ws, U_ZB), *zw = arr(ws, U_ZW);
    double *ya = arr(ws, U_YA), *yb = arr(ws, U_YB), *yw = arr(ws, U_YW), *zz = arr(ws, U_ZZ), *yy = arr(ws, U_YY);
    int second = b && w;
    for (int l = 0; l < nt->n_layers; l++) {
        int ni = nt->size[l], no = nt->size[l + 1], u0 = nt->uoff[l], p0 = l ? nt->uoff[l - 1] : 0;
        const double *in = l ? y + p0 : x, *inA = l ? ya + p0 : a, *inB = l ? yb + p0 : b;
        const double *inW = l ? yw + p0 : w, *inY = l ? yy + p0 : NULL;
        const double *W = th + nt->woff[l], *bias = th + nt->boff[l];
        for (int o = 0; o < no; o++) {
            const double *wr = W + (size_t)o * (size_t)ni;
            double s = bias[o], sa = 0.0, sb = 0.0, sw = 0.0, sz = 0.0;
            int k = u0 + o;
            for (int i = 0; i < ni; i++) {
                s += wr[i] * in[i];
                if (a) sa += wr[i] * inA[i];
                if (b) sb += wr[i] * inB[i];
                if (w) sw += wr[i] * inW[i];
                if (second && inY) sz += wr[i] * inY[i];
            }
            z[k] = s;
            net_activation(nt->act[l], nt->param, s, &y[k], &a1[k], &a2[k]);
            a3[k] = second ? cn_activation3(nt->act[l], nt->param, s) : 0.0;
            za[k] = sa, zb[k] = sb, zw[k] = sw, zz[k] = sz;
            ya[k] = a1[k] * sa, yb[k] = a1[k] * sb, yw[k] = a1[k] * sw;
            yy[k] = second ? a2[k] * sb * sw + a1[k] * sz : 0.0;
        }
    }
}

void cn_grad_hvp(const tr_net *nt, const double *th, const double *x, const double *w, double *g, double *hw,
                 cn_ws *ws)
{
    const double *a1 = arr(ws, U_A1), *a2 = arr(ws, U_A2), *zw = arr(ws, U_ZW);
    double *adj = ws->buf + (size_t)BUF_UNITS * (size_t)ws->units;
    double *yb = adj, *wb = adj + ws->wmax, *yb2 = adj + 2 * ws->wmax, *wb2 = adj + 3 * ws->wmax;
    forward(nt, th, x, NULL, NULL, w, ws);
    /* Reverse of the output's tangent yw = w . dN/dx: its x-adjoint through
     * the primal chain is (d2N/dx2) w, through the tangent chain dN/dx. */
    yb[0] = 0.0, wb[0] = 1.0;
    for (int l = nt->n_layers - 1; l >= 0; l--) {
        int ni = nt->size[l], no = nt->size[l + 1], u0 = nt->uoff[l];
        const double *W = th + nt->woff[l];
        double *ybi = l ? yb2 : hw, *wbi = l ? wb2 : g;
        memset(ybi, 0, (size_t)ni * sizeof *ybi);
        memset(wbi, 0, (size_t)ni * sizeof *wbi);
        for (int o = 0; o < no; o++) {
            int k = u0 + o;
            double zwb = wb[o] * a1[k], zbar = yb[o] * a1[k] + wb[o] * a2[k] * zw[k];
            const double *wr = W + (size_t)o * (size_t)ni;
            for (int i = 0; i < ni; i++) {
                ybi[i] += wr[i] * zbar;
                wbi[i] += wr[i] * zwb;
            }
        }
        if (l) {
            memcpy(yb, yb2, (size_t)ni * sizeof *yb);
            memcpy(wb, wb2, (size_t)ni * sizeof *wb);
        }
    }
}

void cn_backward(const tr_net *nt, const double *th, const double *x, const double *a, const double *b,
                 const double *w, double ca, double cb, double *grad, cn_ws *ws)
{
    const double *a1 = arr(ws, U_A1), *a2 = arr(ws, U_A2), *a3 = arr(ws, U_A3), *y = arr(ws, U_Y);
    const double *za = arr(ws, U_ZA), *zb = arr(ws, U_ZB), *zw = arr(ws, U_ZW);
    const double *ya = arr(ws, U_YA), *ybv = arr(ws, U_YB), *yw = arr(ws, U_YW), *zz = arr(ws, U_ZZ);
    const double *yy = arr(ws, U_YY);
    double *adj = ws->buf + (size_t)BUF_UNITS * (size_t)ws->units;
    size_t W0 = (size_t)ws->wmax;
    /* Adjoints of y, ya, yb, yw, yy of the current layer's outputs, then of
     * its inputs. */
    double *cur[5], *nxt[5];
    if (!a) ca = 0.0;
    if (!b) cb = 0.0;
    if (ca == 0.0 && cb == 0.0) return;
    forward(nt, th, x, ca != 0.0 ? a : NULL, cb != 0.0 ? b : NULL, cb != 0.0 ? w : NULL, ws);
    for (int q = 0; q < 5; q++) {
        cur[q] = adj + (size_t)q * W0;
        nxt[q] = adj + (size_t)(5 + q) * W0;
    }
    cur[0][0] = 0.0, cur[1][0] = ca, cur[2][0] = 0.0, cur[3][0] = 0.0, cur[4][0] = cb;
    for (int l = nt->n_layers - 1; l >= 0; l--) {
        int ni = nt->size[l], no = nt->size[l + 1], u0 = nt->uoff[l], p0 = l ? nt->uoff[l - 1] : 0;
        const double *in = l ? y + p0 : x, *inA = l ? ya + p0 : a, *inB = l ? ybv + p0 : b;
        const double *inW = l ? yw + p0 : w, *inY = l ? yy + p0 : NULL;
        const double *W = th + nt->woff[l];
        double *gW = grad + nt->woff[l], *gb = grad + nt->boff[l];
        if (l)
            for (int q = 0; q < 5; q++) memset(nxt[q], 0, (size_t)ni * sizeof *nxt[q]);
        for (int o = 0; o < no; o++) {
            int k = u0 + o;
            double Yb = cur[0][o], Ab = cur[1][o], Bb = cur[2][o], Wb = cur[3][o], YYb = cur[4][o];
            double zzb = YYb * a1[k], zab = Ab * a1[k];
            double zbb = Bb * a1[k] + YYb * a2[k] * zw[k], zwb = Wb * a1[k] + YYb * a2[k] * zb[k];
            double zbar = Yb * a1[k] + a2[k] * (Ab * za[k] + Bb * zb[k] + Wb * zw[k]) +
                          YYb * (a3[k] * zb[k] * zw[k] + a2[k] * zz[k]);
            const double *wr = W + (size_t)o * (size_t)ni;
            double *gw = gW + (size_t)o * (size_t)ni;
            gb[o] += zbar;
            for (int i = 0; i < ni; i++) {
                double s = zbar * in[i];
                if (zab != 0.0) s += zab * inA[i];
                if (zbb != 0.0) s += zbb * inB[i];
                if (zwb != 0.0) s += zwb * inW[i];
                if (inY && zzb != 0.0) s += zzb * inY[i];
                gw[i] += s;
            }
            if (l) {
                for (int i = 0; i < ni; i++) {
                    nxt[0][i] += wr[i] * zbar;
                    nxt[1][i] += wr[i] * zab;
                    nxt[2][i] += wr[i] * zbb;
                    nxt[3][i] += wr[i] * zwb;
                    nxt[4][i] += wr[i] * zzb;
                }
            }
        }
        if (l)
            for (int q = 0; q < 5; q++) {
                double *t = cur[q];
                cur[q] = nxt[q];
                nxt[q] = t;
            }
    }
}
