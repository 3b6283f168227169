/* Geometry optimisation: a generic L-BFGS minimiser (Nocedal & Wright,
 * "Numerical Optimization", 2nd ed., alg. 7.4 two-loop recursion, alg. 3.1
 * backtracking with the Armijo condition) and nnv_optimize, which relaxes a
 * structure on the potential's energy surface with it; and the Adam step the
 * network trainers (nnvib-train, the PINN) share. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_internal.h"

#define OPT_DEFAULT_MEMORY 10
#define OPT_ARMIJO_C1 1e-4
#define OPT_MAX_BACKTRACK 40

static double opt_dot(int n, const double *a, const double *b)
{
    double s = 0.0;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

static double opt_absmax(int n, const double *a)
{
    double m = 0.0;
    for (int i = 0; i < n; i++)
        if (fabs(a[i]) > m) m = fabs(a[i]);
    return m;
}

static int opt_all_finite(int n, const double *a)
{
    for (int i = 0; i < n; i++)
        if (!isfinite(a[i])) return 0;
    return 1;
}

/* One evaluation, with the non-finite check every caller needs. */
static int opt_eval(opt_fn fn, void *ctx, int n, const double *x, double *f, double *g,
                    opt_lbfgs_report *rep, nnv_error *err)
{
    rep->n_evals++;
    int rc = fn(ctx, x, f, g, err);
    if (rc) return rc;
    if (!isfinite(*f))
        return nnv_error_set(err, NNV_ENUMERIC, "optimiser: non-finite function value at evaluation %d",
                             rep->n_evals);
    if (!opt_all_finite(n, g))
        return nnv_error_set(err, NNV_ENUMERIC, "optimiser: non-finite gradient at evaluation %d",
                             rep->n_evals);
    return NNV_OK;
}

int opt_lbfgs(int n, double *x, opt_fn fn, void *ctx, const opt_lbfgs_options *o,
              opt_lbfgs_report *rep, nnv_error *err)
{
    int rc = NNV_OK;
    double *g = NULL, *d = NULL, *xt = NULL, *gt = NULL, *S = NULL, *Y = NULL, *rho = NULL, *alp = NULL;
    opt_lbfgs_report local;
    if (!rep) rep = &local;
    memset(rep, 0, sizeof *rep);
    if (n < 1 || !x || !fn || !o)
        return nnv_error_set(err, NNV_EUSAGE, "optimiser: bad arguments (n = %d)", n);
    if (o->max_steps < 1 || o->memory < 1 || o->block < 1 || n % o->block != 0 || !(o->gtol >= 0.0) ||
        !(o->max_step > 0.0) || !isfinite(o->max_step))
        return nnv_error_set(err, NNV_EUSAGE,
                             "optimiser: options out of range (max_steps %d, memory %d, block %d, gtol %g, "
                             "max_step %g)", o->max_steps, o->memory, o->block, o->gtol, o->max_step);
    if (!opt_all_finite(n, x))
        return nnv_error_set(err, NNV_EINPUT, "optimiser: starting point is not finite");

    size_t nn = (size_t)n, m = (size_t)o->memory;
    g = malloc(nn * sizeof *g);
    d = malloc(nn * sizeof *d);
    xt = malloc(nn * sizeof *xt);
    gt = malloc(nn * sizeof *gt);
    S = malloc(m * nn * sizeof *S);
    Y = malloc(m * nn * sizeof *Y);
    rho = malloc(m * sizeof *rho);
    alp = malloc(m * sizeof *alp);
    if (!g || !d || !xt || !gt || !S || !Y || !rho || !alp) {
        rc = nnv_error_set(err, NNV_ENOMEM, "optimiser: out of memory for %d variables", n);
        goto cleanup;
    }

    double f;
    rc = opt_eval(fn, ctx, n, x, &f, g, rep, err);
    if (rc) goto cleanup;
    int n_pairs = 0, newest = -1; /* ring buffer of (s, y) pairs */
    /* Progress: a new lowest max |g| (by 1 %) or f (by 1e-6). On a kinked
     * surface (ReLU) L-BFGS can creep for hours at a fixed max |g|. */
    double best_g = opt_absmax(n, g), best_f = f;
    int since_progress = 0;

    for (;;) {
        if (opt_absmax(n, g) <= o->gtol) { rep->converged = 1; break; }
        if (rep->steps >= o->max_steps) break;

        /* Two-loop recursion: d = -H g with H0 = gamma I from the newest pair. */
        memcpy(d, g, nn * sizeof *d);
        for (int t = 0; t < n_pairs; t++) {
            size_t i = (size_t)((newest - t + (int)m) % (int)m);
            alp[i] = rho[i] * opt_dot(n, S + i * nn, d);
            for (size_t j = 0; j < nn; j++) d[j] -= alp[i] * Y[i * nn + j];
        }
        if (n_pairs > 0) {
            const double *sn = S + (size_t)newest * nn, *yn = Y + (size_t)newest * nn;
            double gamma = opt_dot(n, sn, yn) / opt_dot(n, yn, yn);
            for (size_t j = 0; j < nn; j++) d[j] *= gamma;
        }
        for (int t = n_pairs - 1; t >= 0; t--) {
            size_t i = (size_t)((newest - t + (int)m) % (int)m);
            double b = rho[i] * opt_dot(n, Y + i * nn, d);
            for (size_t j = 0; j < nn; j++) d[j] += (alp[i] - b) * S[i * nn + j];
        }
        for (size_t j = 0; j < nn; j++) d[j] = -d[j];
        double slope = opt_dot(n, g, d);
        if (!(slope < 0.0) || !opt_all_finite(n, d)) {
            /* Not a descent direction: the curvature pairs no longer describe
             * this region, so start afresh with steepest descent. */
            n_pairs = 0;
            for (size_t j = 0; j < nn; j++) d[j] = -g[j];
            slope = -opt_dot(n, g, g);
        }

        /* Trust cap: no block (atom) moves further than max_step. */
        double longest = 0.0;
        for (size_t j = 0; j < nn; j += (size_t)o->block) {
            double l2 = 0.0;
            for (size_t c = 0; c < (size_t)o->block; c++) l2 += d[j + c] * d[j + c];
            if (l2 > longest) longest = l2;
        }
        longest = sqrt(longest);
        if (longest > o->max_step) {
            double sc = o->max_step / longest;
            for (size_t j = 0; j < nn; j++) d[j] *= sc;
            slope *= sc;
        }

        /* Backtracking on the Armijo condition, quadratic interpolation
         * safeguarded to [0.1, 0.5] of the previous trial. */
        double alpha = 1.0, ft = 0.0;
        int accepted = 0;
        for (int ls = 0; ls <= OPT_MAX_BACKTRACK; ls++) {
            for (size_t j = 0; j < nn; j++) xt[j] = x[j] + alpha * d[j];
            rc = opt_eval(fn, ctx, n, xt, &ft, gt, rep, err);
            if (rc) goto cleanup;
            if (ft <= f + OPT_ARMIJO_C1 * alpha * slope) { accepted = 1; break; }
            double denom = 2.0 * (ft - f - slope * alpha);
            double anew = denom > 0.0 ? -slope * alpha * alpha / denom : 0.5 * alpha;
            if (!(anew >= 0.1 * alpha)) anew = 0.1 * alpha;
            if (anew > 0.5 * alpha) anew = 0.5 * alpha;
            alpha = anew;
        }
        if (!accepted) {
            if (n_pairs > 0) { n_pairs = 0; continue; } /* retry once as steepest descent */
            break; /* no decrease even downhill: round-off floor; report not converged */
        }

        /* Keep the pair only with positive curvature, so H stays positive definite. */
        int slot = (newest + 1) % (int)m;
        double *sn = S + (size_t)slot * nn, *yn = Y + (size_t)slot * nn;
        for (size_t j = 0; j < nn; j++) {
            sn[j] = xt[j] - x[j];
            yn[j] = gt[j] - g[j];
        }
        double sy = opt_dot(n, sn, yn);
        if (sy > 1e-12 * sqrt(opt_dot(n, sn, sn) * opt_dot(n, yn, yn))) {
            rho[slot] = 1.0 / sy;
            newest = slot;
            if (n_pairs < (int)m) n_pairs++;
        }
        memcpy(x, xt, nn * sizeof *x);
        memcpy(g, gt, nn * sizeof *g);
        f = ft;
        rep->steps++;
        {
            double gm = opt_absmax(n, g);
            int progress = gm < 0.99 * best_g || f < best_f - 1e-6;
            if (gm < best_g) best_g = gm;
            if (f < best_f) best_f = f;
            since_progress = progress ? 0 : since_progress + 1;
            if (since_progress >= NNV_OPT_STALL_STEPS && opt_absmax(n, g) > o->gtol) {
                rep->stalled = 1;
                break;
            }
        }
    }
    rep->f = f;
    rep->gmax = opt_absmax(n, g);

cleanup:
    FREE_ALL(g, d, xt, gt, S, Y, rho, alp);
    return rc;
}

/* ---- relaxing a structure on the potential -------------------------------- */

typedef struct opt_model_ctx {
    const nnv_potential *p;
    nnv_structure *s;
    int have_start;
    double e_start;
} opt_model_ctx;

/* The closest pair below NNV_OPT_MIN_DISTANCE, if any (O(N^2), as one force
 * evaluation is at least that with its neighbour search). */
static int opt_close_pair(const nnv_structure *s, int *pi, int *pj, double *pd)
{
    for (int i = 0; i < s->n_atoms; i++)
        for (int j = i + 1; j < s->n_atoms; j++) {
            double r2 = 0.0;
            for (int k = 0; k < 3; k++) {
                double d = s->xyz[3 * j + k] - s->xyz[3 * i + k];
                r2 += d * d;
            }
            if (r2 < NNV_OPT_MIN_DISTANCE * NNV_OPT_MIN_DISTANCE) {
                *pi = i, *pj = j, *pd = sqrt(r2);
                return 1;
            }
        }
    return 0;
}

static int opt_model_fn(void *vctx, const double *x, double *f, double *grad, nnv_error *err)
{
    opt_model_ctx *c = vctx;
    nnv_result *r = NULL;
    size_t n = 3 * (size_t)c->s->n_atoms;
    int ai = 0, aj = 0;
    double d = 0.0;
    memcpy(c->s->xyz, x, n * sizeof *x);
    if (opt_close_pair(c->s, &ai, &aj, &d))
        return nnv_error_set(err, NNV_ENUMERIC,
                             "--opt: atoms %d (%s) and %d (%s) came %.3g A apart, closer than %.1f A: the potential "
                             "pulls them together (an unphysical surface, likely extrapolation); no result",
                             ai + 1, nnv_element_symbol(c->s->Z[ai]), aj + 1, nnv_element_symbol(c->s->Z[aj]), d,
                             NNV_OPT_MIN_DISTANCE);
    static const nnv_compute_options forces = {NNV_WANT_FORCES, 0.0, 0.0};
    int rc = nnv_compute(&r, c->p, c->s, &forces, err);
    if (rc) goto cleanup;
    if (!c->have_start) {
        c->have_start = 1;
        c->e_start = r->energy;
    } else if (r->energy < c->e_start - NNV_OPT_MAX_FALL_PER_ATOM * c->s->n_atoms) {
        rc = nnv_error_set(err, NNV_ENUMERIC,
                           "--opt: the energy fell from %.6f to %.6f eV, %.3g eV per atom, more than the %.0f eV per "
                           "atom a relaxation can release: an unphysical surface (likely extrapolation); no result",
                           c->e_start, r->energy, (c->e_start - r->energy) / c->s->n_atoms,
                           NNV_OPT_MAX_FALL_PER_ATOM);
        goto cleanup;
    }
    if (!r || !r->forces) {
        rc = nnv_error_set(err, NNV_ENUMERIC, "optimize: the model returned no forces");
        goto cleanup;
    }
    *f = r->energy;
    for (size_t j = 0; j < n; j++) grad[j] = -r->forces[j];
cleanup:
    nnv_result_free(r);
    return rc;
}

int nnv_optimize(nnv_structure *s, const nnv_potential *p, const nnv_opt_options *opt,
                 nnv_opt_report *report, nnv_error *err)
{
    int rc = NNV_OK;
    double *x = NULL, *orig = NULL;
    if (report) memset(report, 0, sizeof *report);
    if (!s || !p || s->n_atoms < 1 || !s->xyz)
        return nnv_error_set(err, NNV_EUSAGE, "optimize: structure and potential must be given");
    opt_lbfgs_options o = {OPT_DEFAULT_MAX_STEPS, OPT_DEFAULT_FMAX, OPT_DEFAULT_MAX_STEP, 3, OPT_DEFAULT_MEMORY};
    if (opt) {
        if (opt->max_steps < 0 || !(opt->fmax >= 0.0) || !(opt->max_step >= 0.0) || !isfinite(opt->max_step))
            return nnv_error_set(err, NNV_EUSAGE,
                                 "optimize: options out of range (max_steps %d, fmax %g eV/A, max_step %g A)",
                                 opt->max_steps, opt->fmax, opt->max_step);
        if (opt->max_steps > 0) o.max_steps = opt->max_steps;
        if (opt->fmax > 0.0) o.gtol = opt->fmax;
        if (opt->max_step > 0.0) o.max_step = opt->max_step;
    }
    int n = 3 * s->n_atoms;
    x = malloc((size_t)n * sizeof *x);
    orig = malloc((size_t)n * sizeof *orig);
    if (!x || !orig) {
        rc = nnv_error_set(err, NNV_ENOMEM, "optimize: out of memory");
        goto cleanup;
    }
    memcpy(x, s->xyz, (size_t)n * sizeof *x);
    memcpy(orig, s->xyz, (size_t)n * sizeof *orig);
    opt_model_ctx ctx = {p, s, 0, 0.0};
    opt_lbfgs_report r;
    rc = opt_lbfgs(n, x, opt_model_fn, &ctx, &o, &r, err);
    if (rc) {
        memcpy(s->xyz, orig, (size_t)n * sizeof *orig); /* leave the caller's geometry untouched */
        goto cleanup;
    }
    memcpy(s->xyz, x, (size_t)n * sizeof *x); /* the last evaluation may have been a rejected trial */
    if (report) {
        report->steps = r.steps;
        report->converged = r.converged;
        report->energy = r.f;
        report->max_force = r.gmax;
        report->stalled = r.stalled;
    }
cleanup:
    free(x);
    free(orig);
    return rc;
}

void opt_adam_step(int np, double *theta, const double *grad, double *m1, double *m2, double lr, double *b1t,
                   double *b2t)
{
    *b1t *= 0.9;
    *b2t *= 0.999;
    for (int p = 0; p < np; p++) {
        m1[p] = 0.9 * m1[p] + 0.1 * grad[p];
        m2[p] = 0.999 * m2[p] + 0.001 * grad[p] * grad[p];
        theta[p] -= lr * (m1[p] / (1.0 - *b1t)) / (sqrt(m2[p] / (1.0 - *b2t)) + 1e-8);
    }
}
