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

/* Per-unit arrays in the order of BUF_UNITS, then 10 adjoint vectors of wmax. */
enum { U_Z, U_A1, U_A2, U_A3, U_Y, U_ZA, U_ZB, U_ZW, U_YA, U_YB, U_YW, U_ZZ, U_YY, BUF_UNITS };

int cn_ws_alloc(cn_ws *w, const tr_net *nt)
{
    int wmax = bn_widest(nt);
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
            a3[k] = second ? net_activation3(nt->act[l], nt->param, s) : 0.0;
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

/* ---- batched ------------------------------------------------------------------------- */

int cnb_ws_reserve(cnb_ws *w, const tr_net *nt, int R)
{
    int width = bn_widest(nt);
    size_t per, W5, W1, off = 0;
    if (w->buf && w->rows >= R && w->width >= width && w->n_layers >= nt->n_layers) return NNV_OK;
    if (w->rows > R) R = w->rows;
    if (w->width > width) width = w->width;
    free(w->buf);
    W1 = (size_t)R * (size_t)width;
    W5 = CNB_BLOCKS * W1;
    per = 2 * W5 + 3 * W1;
    w->buf = malloc((4 * W1 + (size_t)nt->n_layers * per + 2 * W5) * sizeof *w->buf);
    if (!w->buf) {
        w->rows = w->width = w->n_layers = 0;
        return NNV_ENOMEM;
    }
    w->rows = R, w->width = width, w->n_layers = nt->n_layers;
    w->in = w->buf;
    off = 4 * W1;
    for (int l = 0; l < nt->n_layers; l++) {
        w->z[l] = w->buf + off, off += W5;
        w->y[l] = w->buf + off, off += W5;
        w->a1[l] = w->buf + off, off += W1;
        w->a2[l] = w->buf + off, off += W1;
        w->a3[l] = w->buf + off, off += W1;
    }
    w->adj = w->buf + off, off += W5;
    w->zbar = w->buf + off;
    return NNV_OK;
}

void cnb_ws_free(cnb_ws *w)
{
    if (!w) return;
    free(w->buf);
    memset(w, 0, sizeof *w);
}

/* Forward pass of nblk blocks (2: P, W; 5: all). Block b of layer l's z, y
 * starts at row b R (ld = size[l + 1]). */
static void cnb_forward(const tr_net *nt, const double *th, int R, int nblk, cnb_ws *ws)
{
    for (int l = 0; l < nt->n_layers; l++) {
        int ni = nt->size[l], no = nt->size[l + 1], nin_blk = l ? nblk : (nblk == 5 ? 4 : 2);
        const double *in = l ? ws->y[l - 1] : ws->in, *W = th + nt->woff[l], *bias = th + nt->boff[l];
        double *z = ws->z[l], *y = ws->y[l], *a1 = ws->a1[l], *a2 = ws->a2[l], *a3 = ws->a3[l];
        size_t blk = (size_t)R * (size_t)no;
        bn_mm(0, 1, nin_blk * R, no, ni, in, ni, W, ni, 0.0, z, no);
        if (nin_blk < nblk) memset(z + (size_t)CNB_S * blk, 0, blk * sizeof *z);
        for (int r = 0; r < R; r++) {
            for (int o = 0; o < no; o++) {
                size_t k = (size_t)r * (size_t)no + (size_t)o;
                double zw = z[CNB_W * blk + k];
                z[k] += bias[o];
                net_activation(nt->act[l], nt->param, z[k], &y[k], &a1[k], &a2[k]);
                y[CNB_W * blk + k] = a1[k] * zw;
                if (nblk == 5) {
                    double zb = z[CNB_B * blk + k];
                    a3[k] = net_activation3(nt->act[l], nt->param, z[k]);
                    y[CNB_A * blk + k] = a1[k] * z[CNB_A * blk + k];
                    y[CNB_B * blk + k] = a1[k] * zb;
                    y[CNB_S * blk + k] = a2[k] * zb * zw + a1[k] * z[CNB_S * blk + k];
                }
            }
        }
    }
}

void cnb_grad_hvp(const tr_net *nt, const double *th, int R, double *g, double *hw, cnb_ws *ws)
{
    int L = nt->n_layers;
    cnb_forward(nt, th, R, 2, ws);
    /* Seeds of the output's tangent along w (its x-adjoint through the primal
     * rows is H w, through the tangent rows g), then back layer by layer. */
    for (int r = 0; r < R; r++) ws->adj[r] = 0.0, ws->adj[R + r] = 1.0;
    for (int l = L - 1; l >= 0; l--) {
        int ni = nt->size[l], no = nt->size[l + 1];
        size_t blk = (size_t)R * (size_t)no;
        const double *a1 = ws->a1[l], *a2 = ws->a2[l], *z = ws->z[l], *W = th + nt->woff[l];
        double *zb = ws->zbar;
        for (size_t k = 0; k < blk; k++) {
            double yp = ws->adj[k], yw = ws->adj[blk + k];
            zb[k] = yp * a1[k] + yw * a2[k] * z[blk + k];
            zb[blk + k] = yw * a1[k];
        }
        if (l) {
            bn_mm(0, 0, 2 * R, ni, no, zb, no, W, ni, 0.0, ws->adj, ni);
        } else {
            bn_mm(0, 0, R, ni, no, zb, no, W, ni, 0.0, hw, ni);
            bn_mm(0, 0, R, ni, no, zb + blk, no, W, ni, 0.0, g, ni);
        }
    }
}

void cnb_backward(const tr_net *nt, const double *th, int R, double *grad, cnb_ws *ws)
{
    int L = nt->n_layers;
    cnb_forward(nt, th, R, 5, ws);
    /* Seeds: 1 on the output's tangent along a and on its mixed term. */
    for (int r = 0; r < R; r++) {
        for (int b = 0; b < CNB_BLOCKS; b++) ws->adj[(size_t)b * (size_t)R + (size_t)r] = 0.0;
        ws->adj[(size_t)CNB_A * (size_t)R + (size_t)r] = 1.0;
        ws->adj[(size_t)CNB_S * (size_t)R + (size_t)r] = 1.0;
    }
    for (int l = L - 1; l >= 0; l--) {
        int ni = nt->size[l], no = nt->size[l + 1], nin_blk = l ? 5 : 4;
        size_t blk = (size_t)R * (size_t)no;
        const double *a1 = ws->a1[l], *a2 = ws->a2[l], *a3 = ws->a3[l], *z = ws->z[l], *W = th + nt->woff[l];
        const double *in = l ? ws->y[l - 1] : ws->in, *Y = ws->adj;
        double *zb = ws->zbar, *gb = grad + nt->boff[l];
        for (size_t k = 0; k < blk; k++) {
            double yp = Y[k], yw = Y[CNB_W * blk + k], ya = Y[CNB_A * blk + k], yb = Y[CNB_B * blk + k];
            double ys = Y[CNB_S * blk + k];
            double za = z[CNB_A * blk + k], zbv = z[CNB_B * blk + k], zw = z[CNB_W * blk + k];
            double zs = z[CNB_S * blk + k];
            zb[k] = yp * a1[k] + a2[k] * (ya * za + yb * zbv + yw * zw) + ys * (a3[k] * zbv * zw + a2[k] * zs);
            zb[CNB_W * blk + k] = yw * a1[k] + ys * a2[k] * zbv;
            zb[CNB_A * blk + k] = ya * a1[k];
            zb[CNB_B * blk + k] = yb * a1[k] + ys * a2[k] * zw;
            zb[CNB_S * blk + k] = ys * a1[k];
        }
        for (int r = 0; r < R; r++)
            for (int o = 0; o < no; o++) gb[o] += zb[(size_t)r * (size_t)no + (size_t)o];
        /* Each block's adjoint pairs with the same block of the layer input
         * (the S block's input is zero at layer 0). */
        bn_mm(1, 0, no, ni, nin_blk * R, zb, no, in, ni, 1.0, grad + nt->woff[l], ni);
        if (l) bn_mm(0, 0, 5 * R, ni, no, zb, no, W, ni, 0.0, ws->adj, ni);
    }
}
