/* nnvib PINN: a physics-informed network u(x, t) for the 1-D heat equation
 * u_t = alpha u_xx, trained with the exact u_t, u_xx of the network and the
 * exact weight gradient of its loss: the second half of the project's argument
 * that a network's smoothness decides whether its second derivatives mean
 * anything (docs/pinn.md). */
#ifndef NNVIB_PINN_H
#define NNVIB_PINN_H

#include <stdint.h>
#include <nnvib/core.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Initial conditions on x in [0, 1] (Dirichlet u(0, t) = u(1, t) = 0), each
 *  with its exact solution. */
enum nnv_pinn_case {
    NNV_PINN_SIN = 0,  /**< u(x, 0) = sin(pi x): u = sin(pi x) e^(-alpha pi^2 t) */
    NNV_PINN_MODES = 1 /**< u(x, 0) = sin(pi x) + 0.5 sin(3 pi x): each mode decays as e^(-alpha k^2 pi^2 t) */
};

/** Most hidden layers and widest hidden layer. */
#define NNV_PINN_MAX_HIDDEN 8
#define NNV_PINN_MAX_WIDTH 256

/** Options of nnv_pinn_train; zeros mean the defaults in brackets. The
 *  collocation points and the initial weights depend on the seed and the
 *  sizes only, never on the activation. */
typedef struct nnv_pinn_options {
    int activation;  /**< enum nnv_activation of the hidden layers: relu, softplus, tanh, silu or gelu
                          [0: tanh]; the output layer is linear */
    int pde_case;    /**< enum nnv_pinn_case [sin] */
    int n_hidden;    /**< hidden layers, 1..NNV_PINN_MAX_HIDDEN [3] */
    int width[NNV_PINN_MAX_HIDDEN]; /**< units of each hidden layer, 1..NNV_PINN_MAX_WIDTH [32] */
    int epochs;      /**< full-batch Adam steps, 1..10^7 [4000] */
    double lr;       /**< Adam learning rate of the first step, (0, 1] [0.003] */
    double lr_final; /**< of the last step, (0, lr]; geometric in between [1e-5] */
    uint64_t seed;   /**< collocation points and Glorot-uniform initial weights (0 is a seed too) */
    double alpha;    /**< diffusivity, (0, 10] [0.1] */
    double t_end;    /**< T: t in [0, T], (0, 100] [1] */
    int n_side;      /**< PDE residual points: one at random in each cell of an n_side x n_side grid
                          over [0, 1] x [0, T], 2..1000 [32] */
    int n_edge;      /**< points on the initial line and on each boundary, 2..100000 [64] */
    double w_ic, w_bc; /**< weights of the initial and boundary terms of the loss, (0, 10^6] [1, 1] */
    int grid_x, grid_t; /**< the evaluation grid (uniform, ends included), 2..2001 [101, 101] */
} nnv_pinn_options;

/** What nnv_pinn_train reports; free with nnv_pinn_result_free. Every RMS and
 *  error is over the evaluation grid, not the collocation points. */
typedef struct nnv_pinn_result {
    int activation, pde_case, n_hidden, width[NNV_PINN_MAX_HIDDEN];
    int epochs;          /**< Adam steps taken */
    int n_params;        /**< weights and biases */
    int n_residual, n_edge_points; /**< collocation points: residual, initial + boundary */
    double alpha, t_end, lr, lr_final; /**< the options used (defaults filled in) */
    uint64_t seed;
    double rel_l2_error; /**< ||u - u_exact|| / ||u_exact|| */
    double max_abs_error;
    double residual_rms; /**< RMS of u_t - alpha u_xx */
    double ut_rms;       /**< RMS of u_t */
    double uxx_rms;      /**< RMS of alpha u_xx: exactly 0 for relu */
    double uxx_share;    /**< at the final weights: |G_xx| / (|G_t| + |G_xx|), G_t and G_xx the two parts
                              of the gradient of the residual loss w.r.t. the weights, through u_t
                              and through u_xx (docs/pinn.md); exactly 0 for relu */
    double uxx_share_init; /**< the same at the initial weights */
    double *loss;        /**< epochs + 1 values: the loss before each step, then after the last */
    int grid_x, grid_t;
    double *x, *t;       /**< grid_x and grid_t grid coordinates */
    double *u, *u_exact; /**< grid_t x grid_x, row k at time t[k] */
} nnv_pinn_result;

/** Train the PINN of o (NULL: all defaults) and evaluate it. Deterministic:
 *  one thread, the same bits for the same options on every run.
 *  @return NNV_OK, NNV_EUSAGE (an option out of range, an activation other
 *          than the five), NNV_ENUMERIC (the loss became non-finite),
 *          NNV_ENOMEM. */
int nnv_pinn_train(nnv_pinn_result **out, const nnv_pinn_options *o, nnv_error *err);

/** Release a result (NULL is fine). */
void nnv_pinn_result_free(nnv_pinn_result *r);

/** The exact solution of case pde_case at (x, t) (NaN for an unknown case). */
double nnv_pinn_exact(int pde_case, double alpha, double x, double t);

/** The figure of n results of one case (docs/pinn.md): per result a panel of
 *  u(x, t) at four times against the exact solution, then one panel of the
 *  error u - u_exact at t = T for every result; standalone SVG written
 *  atomically (nnv_plot_write_svg).
 *  @return NNV_OK, NNV_EUSAGE (n outside 1..16, NULL results), NNV_EIO,
 *          NNV_ENOMEM. */
int nnv_pinn_write_svg(const char *path, const nnv_pinn_result *const *results, int n, nnv_error *err);

#ifdef __cplusplus
}
#endif
#endif
