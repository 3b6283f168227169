/* The PINN layer's internal interfaces: the network u(x, t) with its exact
 * input derivatives and weight gradients (pinn_net.c), and the problem the
 * trainer and the unit tests share (pinn.c). Not installed, not exported. */
#ifndef NNVIB_PINN_INTERNAL_H
#define NNVIB_PINN_INTERNAL_H

#include <stddef.h>
#include "base/base_internal.h"

/* ---- the network (pinn_net.c) ------------------------------------------------
 * A fully connected network of the inputs xi = 2x - 1 and tau = 2t/T - 1
 * (scaled to [-1, 1]) with n_hidden activated layers and one linear output.
 * Parameters are flat: for each layer l, its weights as W^T (n_in x n_out,
 * row-major: the row of input i holds its weight to every output), then its
 * biases. */
#define PINN_MAX_LAYERS (NNV_PINN_MAX_HIDDEN + 1)

typedef struct pinn_net {
    int act;                         /* enum nnv_activation of the hidden layers */
    int n_layers;                    /* weight layers: hidden + output */
    int size[PINN_MAX_LAYERS + 1];   /* size[0] = 2 inputs ... size[n_layers] = 1 */
    size_t woff[PINN_MAX_LAYERS], boff[PINN_MAX_LAYERS];
    int n_params;
    double in_scale[2];              /* d xi/dx = 2, d tau/dt = 2/T */
} pinn_net;

/* The layout of a network with the given hidden layers, activation and T. */
void pinn_net_init(pinn_net *n, int act, int n_hidden, const int *width, double t_end);

/* Glorot-uniform weights (Glorot & Bengio, AISTATS 2010) from *rng, zero
 * biases: the same numbers for every activation. */
void pinn_net_glorot(const pinn_net *n, double *theta, uint64_t *rng);

/* Scratch of one block of at most cap rows (its forward pass is what the
 * backward pass differentiates). */
typedef struct pinn_ws {
    int cap, width;
    double *buf;
    double *y[PINN_MAX_LAYERS + 1]; /* each layer's input (and the output) streams: 4 x cap x size */
    double *a1[PINN_MAX_LAYERS], *a2[PINN_MAX_LAYERS], *a3[PINN_MAX_LAYERS]; /* cap x size */
    double *zx[PINN_MAX_LAYERS], *zt[PINN_MAX_LAYERS], *zxx[PINN_MAX_LAYERS]; /* cap x size */
    double *adj, *adj_in;           /* 4 x cap x widest */
} pinn_ws;

/* Rows per block of the trainer's passes (the workspace's capacity). */
#define PINN_BLOCK 64

int pinn_ws_alloc(pinn_ws *w, const pinn_net *n, int cap);
void pinn_ws_free(pinn_ws *w);

/* u at the R <= ws->cap points (x[r], t[r]) and, with order 2, u_x, u_t and
 * u_xx exactly (forward-mode Taylor propagation, docs/pinn.md); outputs not
 * asked for may be NULL (all but u with order 0). */
void pinn_net_forward(const pinn_net *n, const double *theta, int R, const double *x, const double *t, int order,
                      double *u, double *ux, double *ut, double *uxx, pinn_ws *ws);

/* Adds to grad (n_params) the weight gradient of
 *   sum_r cu[r] u_r + cx[r] ux_r + ct[r] ut_r + cxx[r] uxx_r
 * at the points of the last pinn_net_forward (same R and order; with order 0
 * only cu is read; NULL coefficients count as zeros). */
void pinn_net_backward(const pinn_net *n, const double *theta, int R, int order, const double *cu,
                       const double *cx, const double *ct, const double *cxx, double *grad, pinn_ws *ws);

/* ---- the problem (pinn.c) -------------------------------------------------------
 * The options with defaults filled in and checked (NNV_OK, NNV_EUSAGE). */
int pinn_options(nnv_pinn_options *o, const nnv_pinn_options *given, nnv_error *err);

/* Collocation points and loss weights of the options: n_res residual points
 * (rx, rt), n_val points (vx, vt) where u should equal vu, each term of the
 * loss weighted by vw: the initial line first, then x = 0, then x = 1. The
 * points are drawn from *rng (which the initial weights continue). */
typedef struct pinn_problem {
    pinn_net net;
    double alpha;
    int n_res, n_val;
    double *rx, *rt;
    double *vx, *vt, *vu, *vw;
    pinn_ws ws; /* scratch of pinn_loss */
} pinn_problem;

int pinn_problem_init(pinn_problem *pb, const nnv_pinn_options *o, uint64_t *rng, nnv_error *err);
void pinn_problem_free(pinn_problem *pb);

/* The loss
 *   L = (1/n_res) sum (u_t - alpha u_xx)^2 + sum_k vw_k (u_k - vu_k)^2
 * at theta, and when grad is not NULL its gradient. With parts (2 x n_params)
 * not NULL, also the residual term's gradient split into its u_t part (row 0)
 * and its u_xx part (row 1). NNV_OK or NNV_ENOMEM. */
int pinn_loss(pinn_problem *pb, const double *theta, double *loss, double *grad, double *parts);

#endif
