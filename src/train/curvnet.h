/* curvnet.h: second-order directional passes of one atomic network for the
 * curvature (Hessian-vector product) loss of the trainer. Private to src/train
 * and its unit tests. */
#ifndef NNVIB_CURVNET_H
#define NNVIB_CURVNET_H

#include "trainer_internal.h"

/* Scratch of one network's passes, sized for the widest network it is used
 * with (cn_ws_alloc may be called again for a wider one). */
typedef struct cn_ws {
    int units, wmax;
    double *buf;
} cn_ws;

int cn_ws_alloc(cn_ws *w, const tr_net *nt);
void cn_ws_free(cn_ws *w);

/* g = dN/dx and hw = (d2N/dx2) w at input x (n_in each): one forward tangent
 * pass along w and one reverse pass through primal and tangent. */
void cn_grad_hvp(const tr_net *nt, const double *th, const double *x, const double *w, double *g, double *hw,
                 cn_ws *ws);

/* Adds to grad (flat parameter layout of nt) the weight gradient of
 *   ca (a . dN/dx) + cb (b^T d2N/dx2 w)     at input x,
 * a, b, w held fixed (a or b may be NULL: its term is dropped). Forward
 * Taylor mode to second order (tangents along a, b, w and the mixed b-w
 * term), then one reverse pass; needs a''' of the activations. */
void cn_backward(const tr_net *nt, const double *th, const double *x, const double *a, const double *b,
                 const double *w, double ca, double cb, double *grad, cn_ws *ws);

/* ---- the same over many rows (atoms x probes) at once, by matrix products ----
 * Rows are stacked in blocks of R: P (the inputs x), W (the directions w),
 * then, for cnb_backward only, A, B and S (the mixed second-order term, zero
 * at the input). The caller fills the input blocks cnb_in(ws, CNB_P) ... (R x
 * n_in each, row-major) before a call. */
enum { CNB_P, CNB_W, CNB_A, CNB_B, CNB_S, CNB_BLOCKS };

typedef struct cnb_ws {
    int rows, width, n_layers; /* capacity: R, widest layer, layers */
    double *in;                /* 4 R x width: the input blocks P, W, A, B */
    double *z[TR_MAX_LAYERS], *y[TR_MAX_LAYERS];     /* 5 R x width each */
    double *a1[TR_MAX_LAYERS], *a2[TR_MAX_LAYERS], *a3[TR_MAX_LAYERS]; /* R x width */
    double *adj, *zbar;        /* 5 R x width each */
    double *buf;
} cnb_ws;

/* Capacity for R rows of nt (grows, keeps what fits). NNV_OK or NNV_ENOMEM. */
int cnb_ws_reserve(cnb_ws *w, const tr_net *nt, int R);
void cnb_ws_free(cnb_ws *w);

/* Input block b (R rows of n_in) of the next call. */
static inline double *cnb_in(cnb_ws *w, int b, int R, int n_in) { return w->in + (size_t)b * (size_t)R * (size_t)n_in; }

/* Per row r: g_r = dN/dx and hw_r = (d2N/dx2) w_r at x_r (R x n_in each),
 * from input blocks P and W; as cn_grad_hvp row by row. */
void cnb_grad_hvp(const tr_net *nt, const double *th, int R, double *g, double *hw, cnb_ws *ws);

/* Adds to grad the weight gradient of sum_r [a_r . dN/dx + b_r^T d2N/dx2 w_r]
 * at x_r, from input blocks P, W, A, B; as cn_backward row by row with
 * ca = cb = 1. */
void cnb_backward(const tr_net *nt, const double *th, int R, double *grad, cnb_ws *ws);

#endif
