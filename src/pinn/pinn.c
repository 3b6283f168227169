/* The heat-equation PINN: collocation points, the loss (mean squared PDE
 * residual u_t - alpha u_xx plus initial and boundary terms) with its exact
 * weight gradient, full-batch Adam, and the scores against the exact solution
 * on a fixed grid (nnv_pinn_train; docs/pinn.md). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_internal.h"
#include "pinn/pinn_internal.h"

#define PI 3.14159265358979323846

double nnv_pinn_exact(int pde_case, double alpha, double x, double t)
{
    double k = alpha * PI * PI;
    switch (pde_case) {
    case NNV_PINN_SIN: return sin(PI * x) * exp(-k * t);
    case NNV_PINN_MODES: return sin(PI * x) * exp(-k * t) + 0.5 * sin(3.0 * PI * x) * exp(-9.0 * k * t);
    default: return NAN;
    }
}

/* A double option: 0 takes the default; else it must lie in (lo, hi]. */
static int opt_double(double *v, double def, double lo, double hi, const char *name, nnv_error *err)
{
    if (*v == 0.0) *v = def;
    if (!(*v > lo && *v <= hi))
        return nnv_error_set(err, NNV_EUSAGE, "pinn: %s %g: allowed (%g, %g]", name, *v, lo, hi);
    return NNV_OK;
}

static int opt_int(int *v, int def, int lo, int hi, const char *name, nnv_error *err)
{
    if (*v == 0) *v = def;
    if (*v < lo || *v > hi) return nnv_error_set(err, NNV_EUSAGE, "pinn: %s %d: allowed %d..%d", name, *v, lo, hi);
    return NNV_OK;
}

int pinn_options(nnv_pinn_options *o, const nnv_pinn_options *given, nnv_error *err)
{
    int rc;
    if (given) *o = *given;
    else memset(o, 0, sizeof *o);
    if (o->activation == 0) o->activation = NNV_ACT_TANH;
    if (o->activation != NNV_ACT_RELU && o->activation != NNV_ACT_SOFTPLUS && o->activation != NNV_ACT_TANH &&
        o->activation != NNV_ACT_SILU && o->activation != NNV_ACT_GELU)
        return nnv_error_set(err, NNV_EUSAGE, "pinn: activation %d: one of relu, softplus, tanh, silu, gelu",
                             o->activation);
    if (o->pde_case != NNV_PINN_SIN && o->pde_case != NNV_PINN_MODES)
        return nnv_error_set(err, NNV_EUSAGE, "pinn: case %d: sin (0) or modes (1)", o->pde_case);
    if ((rc = opt_int(&o->n_hidden, 3, 1, NNV_PINN_MAX_HIDDEN, "hidden layers", err))) return rc;
    for (int l = 0; l < o->n_hidden; l++)
        if ((rc = opt_int(&o->width[l], 32, 1, NNV_PINN_MAX_WIDTH, "hidden width", err))) return rc;
    for (int l = o->n_hidden; l < NNV_PINN_MAX_HIDDEN; l++) o->width[l] = 0;
    if ((rc = opt_int(&o->epochs, 4000, 1, 10000000, "epochs", err))) return rc;
    if ((rc = opt_double(&o->lr, 3e-3, 0.0, 1.0, "learning rate", err))) return rc;
    if ((rc = opt_double(&o->lr_final, o->lr < 1e-5 ? o->lr : 1e-5, 0.0, o->lr, "final learning rate", err)))
        return rc;
    if ((rc = opt_double(&o->alpha, 0.1, 0.0, 10.0, "alpha", err))) return rc;
    if ((rc = opt_double(&o->t_end, 1.0, 0.0, 100.0, "T", err))) return rc;
    if ((rc = opt_int(&o->n_side, 32, 2, 1000, "residual grid side", err))) return rc;
    if ((rc = opt_int(&o->n_edge, 64, 2, 100000, "edge points", err))) return rc;
    if ((rc = opt_double(&o->w_ic, 1.0, 0.0, 1e6, "initial-condition weight", err))) return rc;
    if ((rc = opt_double(&o->w_bc, 1.0, 0.0, 1e6, "boundary weight", err))) return rc;
    if ((rc = opt_int(&o->grid_x, 101, 2, 2001, "grid points in x", err))) return rc;
    if ((rc = opt_int(&o->grid_t, 101, 2, 2001, "grid points in t", err))) return rc;
    return NNV_OK;
}

void pinn_problem_free(pinn_problem *pb)
{
    if (!pb) return;
    FREE_ALL(pb->rx, pb->rt, pb->vx, pb->vt, pb->vu, pb->vw);
    pinn_ws_free(&pb->ws);
    memset(pb, 0, sizeof *pb);
}

int pinn_problem_init(pinn_problem *pb, const nnv_pinn_options *o, uint64_t *rng, nnv_error *err)
{
    int ns = o->n_side, ne = o->n_edge, k = 0;
    double T = o->t_end;
    memset(pb, 0, sizeof *pb);
    pinn_net_init(&pb->net, o->activation, o->n_hidden, o->width, T);
    pb->alpha = o->alpha;
    pb->n_res = ns * ns;
    pb->n_val = 3 * ne;
    pb->rx = malloc((size_t)pb->n_res * sizeof *pb->rx);
    pb->rt = malloc((size_t)pb->n_res * sizeof *pb->rt);
    pb->vx = malloc((size_t)pb->n_val * sizeof *pb->vx);
    pb->vt = malloc((size_t)pb->n_val * sizeof *pb->vt);
    pb->vu = malloc((size_t)pb->n_val * sizeof *pb->vu);
    pb->vw = malloc((size_t)pb->n_val * sizeof *pb->vw);
    if (!pb->rx || !pb->rt || !pb->vx || !pb->vt || !pb->vu || !pb->vw ||
        pinn_ws_alloc(&pb->ws, &pb->net, PINN_BLOCK) != NNV_OK) {
        pinn_problem_free(pb);
        return nnv_error_set(err, NNV_ENOMEM, "pinn: out of memory for %d collocation points", ns * ns + 3 * ne);
    }
    /* One point at random in each cell: covers the domain evenly without the
     * aliasing of a regular grid. */
    for (int i = 0; i < ns; i++)
        for (int j = 0; j < ns; j++, k++) {
            pb->rx[k] = (i + rng_open_unit(rng)) / ns;
            pb->rt[k] = T * (j + rng_open_unit(rng)) / ns;
        }
    for (int i = 0; i < ne; i++) {
        double x = (i + rng_open_unit(rng)) / ne;
        pb->vx[i] = x, pb->vt[i] = 0.0;
        pb->vu[i] = nnv_pinn_exact(o->pde_case, o->alpha, x, 0.0);
        pb->vw[i] = o->w_ic / ne;
    }
    for (int i = 0; i < 2 * ne; i++) {
        pb->vx[ne + i] = i < ne ? 0.0 : 1.0;
        pb->vt[ne + i] = T * ((i % ne) + rng_open_unit(rng)) / ne;
        pb->vu[ne + i] = 0.0;
        pb->vw[ne + i] = o->w_bc / (2 * ne);
    }
    return NNV_OK;
}

int pinn_loss(pinn_problem *pb, const double *theta, double *loss, double *grad, double *parts)
{
    const pinn_net *n = &pb->net;
    double u[PINN_BLOCK], ux[PINN_BLOCK], ut[PINN_BLOCK], uxx[PINN_BLOCK], ct[PINN_BLOCK], cxx[PINN_BLOCK];
    double l = 0.0, a = pb->alpha, inv = 1.0 / pb->n_res;
    size_t np = (size_t)n->n_params;
    if (grad) memset(grad, 0, np * sizeof *grad);
    if (parts) memset(parts, 0, 2 * np * sizeof *parts);
    for (int r0 = 0; r0 < pb->n_res; r0 += PINN_BLOCK) {
        int R = pb->n_res - r0 < PINN_BLOCK ? pb->n_res - r0 : PINN_BLOCK;
        pinn_net_forward(n, theta, R, pb->rx + r0, pb->rt + r0, 2, u, ux, ut, uxx, &pb->ws);
        for (int r = 0; r < R; r++) {
            double res = ut[r] - a * uxx[r];
            l += inv * res * res;
            ct[r] = 2.0 * inv * res;
            cxx[r] = -a * ct[r];
        }
        if (grad) pinn_net_backward(n, theta, R, 2, NULL, NULL, ct, cxx, grad, &pb->ws);
        if (parts) {
            pinn_net_backward(n, theta, R, 2, NULL, NULL, ct, NULL, parts, &pb->ws);
            pinn_net_backward(n, theta, R, 2, NULL, NULL, NULL, cxx, parts + np, &pb->ws);
        }
    }
    for (int r0 = 0; r0 < pb->n_val; r0 += PINN_BLOCK) {
        int R = pb->n_val - r0 < PINN_BLOCK ? pb->n_val - r0 : PINN_BLOCK;
        pinn_net_forward(n, theta, R, pb->vx + r0, pb->vt + r0, 0, u, NULL, NULL, NULL, &pb->ws);
        for (int r = 0; r < R; r++) {
            double d = u[r] - pb->vu[r0 + r];
            l += pb->vw[r0 + r] * d * d;
            ct[r] = 2.0 * pb->vw[r0 + r] * d; /* the value coefficient */
        }
        if (grad) pinn_net_backward(n, theta, R, 0, ct, NULL, NULL, NULL, grad, &pb->ws);
    }
    *loss = l;
    return NNV_OK;
}

/* |G_xx| / (|G_t| + |G_xx|) of the residual term's two gradient parts. */
static double uxx_share(pinn_problem *pb, const double *theta, double *parts)
{
    double l, gt = 0.0, gxx = 0.0;
    size_t np = (size_t)pb->net.n_params;
    pinn_loss(pb, theta, &l, NULL, parts);
    for (size_t k = 0; k < np; k++) gt += parts[k] * parts[k], gxx += parts[np + k] * parts[np + k];
    gt = sqrt(gt), gxx = sqrt(gxx);
    return gt + gxx > 0.0 ? gxx / (gt + gxx) : 0.0;
}

void nnv_pinn_result_free(nnv_pinn_result *r)
{
    if (!r) return;
    FREE_ALL(r->loss, r->x, r->t, r->u, r->u_exact, r);
}

/* The scores of theta on the result's grid. */
static void evaluate(nnv_pinn_result *res, pinn_problem *pb, const double *theta)
{
    double u[PINN_BLOCK], ux[PINN_BLOCK], ut[PINN_BLOCK], uxx[PINN_BLOCK], gx[PINN_BLOCK], gt[PINN_BLOCK];
    double e2 = 0.0, x2 = 0.0, r2 = 0.0, t2 = 0.0, d2 = 0.0, emax = 0.0;
    int nx = res->grid_x, N = nx * res->grid_t;
    for (int i = 0; i < nx; i++) res->x[i] = (double)i / (nx - 1);
    for (int k = 0; k < res->grid_t; k++) res->t[k] = res->t_end * k / (res->grid_t - 1);
    for (int p0 = 0; p0 < N; p0 += PINN_BLOCK) {
        int R = N - p0 < PINN_BLOCK ? N - p0 : PINN_BLOCK;
        for (int r = 0; r < R; r++) gx[r] = res->x[(p0 + r) % nx], gt[r] = res->t[(p0 + r) / nx];
        pinn_net_forward(&pb->net, theta, R, gx, gt, 2, u, ux, ut, uxx, &pb->ws);
        for (int r = 0; r < R; r++) {
            double ex = nnv_pinn_exact(res->pde_case, res->alpha, gx[r], gt[r]), d = u[r] - ex;
            double diff = res->alpha * uxx[r];
            res->u[p0 + r] = u[r], res->u_exact[p0 + r] = ex;
            e2 += d * d, x2 += ex * ex;
            if (fabs(d) > emax) emax = fabs(d);
            r2 += (ut[r] - diff) * (ut[r] - diff), t2 += ut[r] * ut[r], d2 += diff * diff;
        }
    }
    res->rel_l2_error = sqrt(e2 / x2);
    res->max_abs_error = emax;
    res->residual_rms = sqrt(r2 / N);
    res->ut_rms = sqrt(t2 / N);
    res->uxx_rms = sqrt(d2 / N);
}

int nnv_pinn_train(nnv_pinn_result **out, const nnv_pinn_options *given, nnv_error *err)
{
    nnv_pinn_options o;
    pinn_problem pb;
    nnv_pinn_result *res = NULL;
    double *theta = NULL, *grad = NULL, *m1 = NULL, *m2 = NULL, *parts = NULL;
    double b1t = 1.0, b2t = 1.0, l;
    uint64_t rng;
    size_t np;
    int rc;

    *out = NULL;
    if ((rc = pinn_options(&o, given, err)) != NNV_OK) return rc;
    rng = o.seed;
    if ((rc = pinn_problem_init(&pb, &o, &rng, err)) != NNV_OK) return rc;
    np = (size_t)pb.net.n_params;
    theta = malloc(np * sizeof *theta);
    grad = malloc(np * sizeof *grad);
    m1 = calloc(np, sizeof *m1);
    m2 = calloc(np, sizeof *m2);
    parts = malloc(2 * np * sizeof *parts);
    res = calloc(1, sizeof *res);
    if (res) {
        res->loss = malloc(((size_t)o.epochs + 1) * sizeof *res->loss);
        res->x = malloc((size_t)o.grid_x * sizeof *res->x);
        res->t = malloc((size_t)o.grid_t * sizeof *res->t);
        res->u = malloc((size_t)o.grid_x * (size_t)o.grid_t * sizeof *res->u);
        res->u_exact = malloc((size_t)o.grid_x * (size_t)o.grid_t * sizeof *res->u_exact);
    }
    if (!theta || !grad || !m1 || !m2 || !parts || !res || !res->loss || !res->x || !res->t || !res->u ||
        !res->u_exact) {
        rc = nnv_error_set(err, NNV_ENOMEM, "pinn: out of memory for %zu parameters and %d epochs", np, o.epochs);
        goto cleanup;
    }
    pinn_net_glorot(&pb.net, theta, &rng);
    res->activation = o.activation, res->pde_case = o.pde_case, res->n_hidden = o.n_hidden;
    memcpy(res->width, o.width, sizeof res->width);
    res->n_params = pb.net.n_params, res->n_residual = pb.n_res, res->n_edge_points = pb.n_val;
    res->alpha = o.alpha, res->t_end = o.t_end, res->lr = o.lr, res->lr_final = o.lr_final, res->seed = o.seed;
    res->grid_x = o.grid_x, res->grid_t = o.grid_t;
    res->uxx_share_init = uxx_share(&pb, theta, parts);

    for (int ep = 0; ep < o.epochs; ep++) {
        /* Geometric decay from lr to lr_final: the last steps refine. */
        double f = o.epochs > 1 ? (double)ep / (o.epochs - 1) : 0.0;
        double lr = o.lr * pow(o.lr_final / o.lr, f);
        pinn_loss(&pb, theta, &l, grad, NULL);
        if (!isfinite(l)) {
            rc = nnv_error_set(err, NNV_ENUMERIC, "pinn: epoch %d: the loss is not finite (learning rate too large?)",
                               ep + 1);
            goto cleanup;
        }
        res->loss[ep] = l;
        opt_adam_step((int)np, theta, grad, m1, m2, lr, &b1t, &b2t);
    }
    pinn_loss(&pb, theta, &l, NULL, NULL);
    res->loss[o.epochs] = l;
    res->epochs = o.epochs;
    res->uxx_share = uxx_share(&pb, theta, parts);
    evaluate(res, &pb, theta);
    if (!isfinite(l) || !isfinite(res->rel_l2_error) || !isfinite(res->residual_rms)) {
        rc = nnv_error_set(err, NNV_ENUMERIC, "pinn: the trained network is not finite on the grid");
        goto cleanup;
    }
    *out = res;
    res = NULL;
cleanup:
    nnv_pinn_result_free(res);
    pinn_problem_free(&pb);
    FREE_ALL(theta, grad, m1, m2, parts);
    return rc;
}
