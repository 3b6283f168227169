/* The analysis pipeline (nnv_analyse): copy, optionally relax, evaluate,
 * optionally difference the forces, analyse the harmonic modes, and collect
 * the warnings that belong with the results. Written once here for the
 * program, `nnvib batch`, the comparison with references
 * (nnv_compare_potential) and the finite-difference diagnostics
 * (nnv_hessian_fd_disagreement), which all ran these steps themselves. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_internal.h"

void nnv_analysis_free(nnv_analysis *a)
{
    if (!a) return;
    nnv_structure_free(a->s);
    nnv_result_free(a->r);
    free(a->hessian_fd);
    free(a->member_frequencies);
    free(a->frequency_std);
    nnv_vib_free(a->v);
    nnv_point_group_free(a->point_group);
    nnv_mode_symmetry_free(a->mode_symmetry);
    nnv_warnings_clear(&a->warnings);
    free(a);
}

/* The cross-check figures of an analytic Hessian ha and a central-difference
 * one hf (nn elements) and of their harmonic analyses va and vf. */
static void fd_figures(nnv_fd_disagreement *d, double step, const double *ha, const double *hf, size_t nn,
                       const nnv_vib *va, const nnv_vib *vf)
{
    double hmax = 0.0;
    memset(d, 0, sizeof *d);
    d->step = step;
    for (size_t k = 0; k < nn; k++) {
        if (fabs(ha[k]) > hmax) hmax = fabs(ha[k]);
        if (fabs(ha[k] - hf[k]) > d->max_abs) d->max_abs = fabs(ha[k] - hf[k]);
    }
    d->max_rel = hmax > 0.0 ? d->max_abs / hmax : 0.0;
    for (int m = 0; m < va->n_modes && m < vf->n_modes; m++)
        if (fabs(va->frequencies[m] - vf->frequencies[m]) > d->max_freq)
            d->max_freq = fabs(va->frequencies[m] - vf->frequencies[m]);
}

/* The one-line summary of the SF values outside their training range (the
 * program lists the values themselves under it). */
static void warn_extrapolation(nnv_analysis *a)
{
    int n = a->r->n_extrapolations;
    if (n == 0) return;
    a->extrapolation_warning = a->warnings.count;
    nnv_warnings_add(&a->warnings,
                     "%d symmetry-function value%s outside the training range [gmin, gmax]: the network "
                     "extrapolates there and the results may be unreliable",
                     n, n == 1 ? "" : "s");
}

/* Symmetrise a's copy of the structure onto its detected point group. */
static int symmetrize(nnv_analysis *a, double tol, nnv_error *err)
{
    nnv_point_group *g = NULL;
    size_t n3 = 3 * (size_t)a->s->n_atoms;
    double *x = malloc(n3 * sizeof *x);
    int status = x ? NNV_OK : nnv_error_set(err, NNV_ENOMEM, "nnv_analyse: out of memory (symmetrize)");
    if (status == NNV_OK)
        status = nnv_point_group_detect(&g, a->s->n_atoms, a->s->Z, a->s->xyz, a->s->masses, tol, err);
    if (status == NNV_OK) status = nnv_point_group_symmetrize(x, g, a->s->xyz, err);
    if (status == NNV_OK) {
        for (size_t k = 0; k < n3; k += 3) {
            double d = sqrt((x[k] - a->s->xyz[k]) * (x[k] - a->s->xyz[k]) +
                            (x[k + 1] - a->s->xyz[k + 1]) * (x[k + 1] - a->s->xyz[k + 1]) +
                            (x[k + 2] - a->s->xyz[k + 2]) * (x[k + 2] - a->s->xyz[k + 2]));
            if (d > a->symmetrize_shift) a->symmetrize_shift = d;
        }
        memcpy(a->s->xyz, x, n3 * sizeof *x);
        a->symmetrized = 1;
    }
    nnv_point_group_free(g);
    free(x);
    return status;
}

int nnv_analyse(nnv_analysis **out, const nnv_potential *p, const nnv_structure *s,
                const nnv_analysis_options *o, nnv_error *err)
{
    static const nnv_analysis_options defaults; /* zeros: the defaults */
    nnv_compute_options co;
    nnv_analysis *a = NULL;
    nnv_vib *v_other = NULL;
    double step;
    size_t n3, nn;
    int status, fd, analytic;

    if (!out) return nnv_error_set(err, NNV_EUSAGE, "nnv_analyse: no output");
    *out = NULL;
    if (!p || !s) return nnv_error_set(err, NNV_EUSAGE, "nnv_analyse: no potential or structure");
    if (!o) o = &defaults;
    if (o->hessian != NNV_HESSIAN_ANALYTIC && o->hessian != NNV_HESSIAN_FD)
        return nnv_error_set(err, NNV_EUSAGE, "nnv_analyse: hessian = %d, must be NNV_HESSIAN_ANALYTIC (0) or "
                             "NNV_HESSIAN_FD (1)", o->hessian);
    if (!(o->fd_step >= 0.0) || !isfinite(o->fd_step))
        return nnv_error_set(err, NNV_EUSAGE, "nnv_analyse: fd_step = %g A, must be finite and >= 0", o->fd_step);
    step = o->fd_step > 0.0 ? o->fd_step : NNV_FD_STEP_DEFAULT;
    fd = o->hessian == NNV_HESSIAN_FD || o->fd_check;
    analytic = o->hessian == NNV_HESSIAN_ANALYTIC || o->fd_check;

    if (!(a = calloc(1, sizeof *a))) return nnv_error_set(err, NNV_ENOMEM, "nnv_analyse: out of memory");
    a->extrapolation_warning = -1;
    a->smoothness = nnv_potential_smoothness(p);
    if (a->smoothness == NNV_C0)
        nnv_warnings_add(&a->warnings,
                         "the potential is only C0 (ReLU layers): a ReLU network has zero curvature almost "
                         "everywhere and jumps at its kinks, so the Hessian and the frequencies are not "
                         "meaningful");
    if ((status = nnv_structure_copy(&a->s, s, err)) != NNV_OK) goto cleanup;
    if (o->symmetrize && (status = symmetrize(a, o->symmetry_tol, err)) != NNV_OK) goto cleanup;
    if (o->optimize) {
        a->optimized = 1;
        if ((status = nnv_optimize(a->s, p, &o->opt, &a->opt, err)) != NNV_OK) goto cleanup;
        if (!a->opt.converged)
            nnv_warnings_add(&a->warnings,
                             "geometry optimisation did not converge in %d steps (max force %.3e eV/A > %g); "
                             "the analysis is at the last geometry",
                             a->opt.steps, a->opt.max_force, o->opt.fmax > 0.0 ? o->opt.fmax : OPT_DEFAULT_FMAX);
    }

    co.want = NNV_WANT_FORCES | (analytic ? NNV_WANT_HESSIAN : 0u) |
              ((p->flags & NNV_FLAG_CHARGES) ? NNV_WANT_CHARGES | NNV_WANT_DIPOLE_DERIV : 0u);
    co.total_charge = o->total_charge;
    co.max_hessian_mb = o->max_hessian_mb;
    if ((status = nnv_compute(&a->r, p, a->s, &co, err)) != NNV_OK) goto cleanup;
    n3 = 3 * (size_t)a->s->n_atoms;
    nn = n3 * n3;
    for (size_t k = 0; k < n3; k++)
        if (fabs(a->r->forces[k]) > a->max_force) a->max_force = fabs(a->r->forces[k]);
    if (!o->optimize && a->max_force > NNV_STATIONARY_FMAX)
        nnv_warnings_add(&a->warnings,
                         "not a stationary point: max |force component| = %.3e eV/A > %g eV/A; the "
                         "frequencies are those of a non-equilibrium geometry (relax first with --opt)",
                         a->max_force, NNV_STATIONARY_FMAX);
    warn_extrapolation(a);

    if (fd) {
        if (!(a->hessian_fd = malloc(nn * sizeof *a->hessian_fd))) {
            status = nnv_error_set(err, NNV_ENOMEM, "nnv_analyse: out of memory (finite-difference Hessian)");
            goto cleanup;
        }
        if ((status = nnv_hessian_fd(a->hessian_fd, p, a->s, step, err)) != NNV_OK) goto cleanup;
    }
    a->hessian = o->hessian == NNV_HESSIAN_FD ? a->hessian_fd : a->r->hessian;
    if ((status = nnv_vib_analyse(&a->v, a->s->n_atoms, a->s->xyz, a->s->masses, a->hessian, a->r->dipole_deriv,
                                  o->linear, err)) != NNV_OK)
        goto cleanup;
    if (o->fd_check) {
        int fd_analysed = o->hessian == NNV_HESSIAN_FD;
        if ((status = nnv_vib_analyse(&v_other, a->s->n_atoms, a->s->xyz, a->s->masses,
                                      fd_analysed ? a->r->hessian : a->hessian_fd, NULL, o->linear, err)) != NNV_OK)
            goto cleanup;
        fd_figures(&a->fd_check, step, a->r->hessian, a->hessian_fd, nn, fd_analysed ? v_other : a->v,
                   fd_analysed ? a->v : v_other);
        a->has_fd_check = 1;
    }
    if (p->n_members > 0 &&
        (status = nnv_committee_mode_spread(&a->member_frequencies, &a->frequency_std, p, a->s, a->v,
                                            o->max_hessian_mb, err)) != NNV_OK)
        goto cleanup;
    if ((status = nnv_point_group_detect(&a->point_group, a->s->n_atoms, a->s->Z, a->s->xyz, a->s->masses,
                                         o->symmetry_tol, err)) != NNV_OK ||
        (status = nnv_mode_symmetry_assign(&a->mode_symmetry, a->point_group, a->v, a->s->masses, 0, err)) != NNV_OK)
        goto cleanup;
    if (a->mode_symmetry->n_unclear > 0)
        nnv_warnings_add(&a->warnings, "symmetry: %d mode%s without a species (\"?\"): %s",
                         a->mode_symmetry->n_unclear, a->mode_symmetry->n_unclear == 1 ? "" : "s",
                         a->mode_symmetry->status);
    if ((status = analysis_reliability(a, p, &o->reliability, err)) != NNV_OK) goto cleanup;
    *out = a;
    a = NULL;
cleanup:
    nnv_vib_free(v_other);
    nnv_analysis_free(a);
    return status;
}
