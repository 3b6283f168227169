/* curvnet.h: second-order directional passes of one atomic network for the
 * curvature (Hessian-vector product) loss of the trainer. Private to src/train
 * and its unit tests. */
#ifndef NNVIB_CURVNET_H
#define NNVIB_CURVNET_H

#include "trainer_internal.h"

/* a'''(x) of activation `act` (parameter `param`); a, a', a'' come from the
 * model's own net_activation. */
double cn_activation3(int act, double param, double x);

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

#endif
