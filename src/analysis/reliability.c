/* The reliability verdict of a harmonic analysis (nnv_analysis.reliability):
 * each input gives ok, uncertain or unreliable on its own calibrated
 * thresholds, the verdict is the worst of them, and every input that is not
 * ok leaves a one-sentence reason. docs/reliability.md has the calibration. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_internal.h"

const char *nnv_verdict_name(int verdict)
{
    switch (verdict) {
    case NNV_VERDICT_OK: return "ok";
    case NNV_VERDICT_UNCERTAIN: return "uncertain";
    case NNV_VERDICT_UNRELIABLE: return "unreliable";
    default: return "?";
    }
}

const char *nnv_reason_name(unsigned reason)
{
    switch (reason) {
    case NNV_REASON_C0: return "c0";
    case NNV_REASON_NOT_CONVERGED: return "not_converged";
    case NNV_REASON_NOT_STATIONARY: return "not_stationary";
    case NNV_REASON_IMAGINARY: return "imaginary";
    case NNV_REASON_EXTRAPOLATION: return "extrapolation";
    case NNV_REASON_NOVELTY: return "novelty";
    case NNV_REASON_FREQ_SPREAD: return "frequency_spread";
    case NNV_REASON_FORCE_SPREAD: return "force_spread";
    case NNV_REASON_NO_ESTIMATE: return "no_estimate";
    default: return NULL;
    }
}

static int resolve_one(double *x, double def, const char *name, nnv_error *err)
{
    if (isnan(*x) || isinf(*x))
        return nnv_error_set(err, NNV_EUSAGE, "reliability threshold %s = %g: must be finite", name, *x);
    if (*x <= 0.0) *x = def;
    return NNV_OK;
}

int nnv_reliability_thresholds_resolve(nnv_reliability_thresholds *t, nnv_error *err)
{
    int rc;
    if (!t) return nnv_error_set(err, NNV_EUSAGE, "nnv_reliability_thresholds_resolve: NULL argument");
    if ((rc = resolve_one(&t->novelty_uncertain, NNV_REL_NOVELTY_UNCERTAIN, "novelty_uncertain", err)) ||
        (rc = resolve_one(&t->novelty_unreliable, NNV_REL_NOVELTY_UNRELIABLE, "novelty_unreliable", err)) ||
        (rc = resolve_one(&t->freq_std_uncertain, NNV_REL_FREQ_STD_UNCERTAIN, "freq_std_uncertain", err)) ||
        (rc = resolve_one(&t->freq_std_unreliable, NNV_REL_FREQ_STD_UNRELIABLE, "freq_std_unreliable", err)) ||
        (rc = resolve_one(&t->force_std_uncertain, NNV_REL_FORCE_STD_UNCERTAIN, "force_std_uncertain", err)) ||
        (rc = resolve_one(&t->force_std_unreliable, NNV_REL_FORCE_STD_UNRELIABLE, "force_std_unreliable", err)) ||
        (rc = resolve_one(&t->stationary_fmax, NNV_REL_STATIONARY_FMAX, "stationary_fmax", err)) ||
        (rc = resolve_one(&t->imaginary_cm1, NNV_REL_IMAGINARY_CM1, "imaginary_cm1", err)))
        return rc;
    return NNV_OK;
}

/* The verdict a value gives against its two thresholds. */
static int level(double x, double uncertain, double unreliable)
{
    if (x > unreliable) return NNV_VERDICT_UNRELIABLE;
    if (x > uncertain) return NNV_VERDICT_UNCERTAIN;
    return NNV_VERDICT_OK;
}

static void add_reason(nnv_reliability *r, unsigned bit, int verdict, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static void add_reason(nnv_reliability *r, unsigned bit, int verdict, const char *fmt, ...)
{
    va_list ap;
    int k = r->n_reasons;
    if (verdict == NNV_VERDICT_OK || k >= NNV_RELIABILITY_MAX_REASONS) return;
    /* Worst first, in the order found within one verdict. */
    while (k > 0 && r->reason_verdict[k - 1] < verdict) {
        memcpy(r->reason[k], r->reason[k - 1], sizeof r->reason[k]);
        r->reason_verdict[k] = r->reason_verdict[k - 1];
        r->reason_code[k] = r->reason_code[k - 1];
        k--;
    }
    va_start(ap, fmt);
    vsnprintf(r->reason[k], sizeof r->reason[k], fmt, ap);
    va_end(ap);
    r->reason_verdict[k] = verdict;
    r->reason_code[k] = bit;
    r->n_reasons++;
    r->reasons |= bit;
    if (verdict > r->verdict) r->verdict = verdict;
}

/* Committee inputs: the mean per-mode frequency spread estimates the MAE of
 * the frequencies (for a calibrated Gaussian error, E|err| = 0.80 sigma), the
 * largest per-atom force spread catches one bad atom the modes average out. */
static void judge_committee(nnv_reliability *r, const nnv_analysis *a, const nnv_reliability_thresholds *t)
{
    int nm = a->v->n_modes, lv;
    r->has_committee = 1;
    if (a->frequency_std && nm > 0) {
        double sum = 0.0;
        for (int m = 0; m < nm; m++) {
            sum += a->frequency_std[m];
            if (r->max_freq_std_mode < 0 || a->frequency_std[m] > r->max_freq_std) {
                r->max_freq_std = a->frequency_std[m];
                r->max_freq_std_mode = m;
            }
        }
        r->mean_freq_std = sum / nm;
        lv = level(r->mean_freq_std, t->freq_std_uncertain, t->freq_std_unreliable);
        add_reason(r, NNV_REASON_FREQ_SPREAD, lv,
                   "the committee disagrees on the frequencies: mean spread %.1f cm-1 (> %g), largest %.1f cm-1 "
                   "at %.0f cm-1",
                   r->mean_freq_std, lv == NNV_VERDICT_UNRELIABLE ? t->freq_std_unreliable : t->freq_std_uncertain,
                   r->max_freq_std, a->v->frequencies[r->max_freq_std_mode]);
    }
    if (a->r->force_std) {
        for (int i = 0; i < a->s->n_atoms; i++)
            if (r->max_force_std_atom < 0 || a->r->force_std[i] > r->max_force_std) {
                r->max_force_std = a->r->force_std[i];
                r->max_force_std_atom = i;
            }
        lv = level(r->max_force_std, t->force_std_uncertain, t->force_std_unreliable);
        add_reason(r, NNV_REASON_FORCE_SPREAD, lv,
                   "the committee disagrees on the forces: spread %.3f eV/A on atom %d (%s) (> %g)",
                   r->max_force_std, r->max_force_std_atom + 1, nnv_element_symbol(a->s->Z[r->max_force_std_atom]),
                   lv == NNV_VERDICT_UNRELIABLE ? t->force_std_unreliable : t->force_std_uncertain);
    }
}

/* Novelty input: d² of each atom over its element's 99 % training quantile. */
static int judge_novelty(nnv_reliability *r, const nnv_analysis *a, const nnv_potential *p,
                         const nnv_reliability_thresholds *t, nnv_error *err)
{
    int n = a->s->n_atoms, rc, lv;
    double *d2 = malloc((size_t)(n > 0 ? n : 1) * sizeof *d2);
    if (!d2) return nnv_error_set(err, NNV_ENOMEM, "reliability: out of memory");
    if ((rc = nnv_novelty_of_result(p, a->s, a->r, d2, err)) != NNV_OK) {
        free(d2);
        return rc;
    }
    r->has_novelty = 1;
    for (int i = 0; i < n; i++) {
        const nnv_element_model *e = nnv_potential_element(p, a->s->Z[i]);
        double q99 = p->novelty[e - p->elements].quantile[2];
        double ratio = q99 > 0.0 ? d2[i] / q99 : (d2[i] > 0.0 ? INFINITY : 0.0);
        if (r->max_novelty_atom < 0 || ratio > r->max_novelty) {
            r->max_novelty = ratio;
            r->max_novelty_atom = i;
        }
        if (ratio > t->novelty_uncertain) r->n_novel_atoms++;
    }
    free(d2);
    if (r->max_novelty_atom >= 0) {
        lv = level(r->max_novelty, t->novelty_uncertain, t->novelty_unreliable);
        add_reason(r, NNV_REASON_NOVELTY, lv,
                   "%d atom%s in environments unlike the training data: atom %d (%s) at %.3g x the 99 %% "
                   "training quantile of the novelty d2 (> %g)",
                   r->n_novel_atoms, r->n_novel_atoms == 1 ? "" : "s", r->max_novelty_atom + 1,
                   nnv_element_symbol(a->s->Z[r->max_novelty_atom]), r->max_novelty,
                   lv == NNV_VERDICT_UNRELIABLE ? t->novelty_unreliable : t->novelty_uncertain);
    }
    return NNV_OK;
}

int analysis_reliability(nnv_analysis *a, const nnv_potential *p, const nnv_reliability_thresholds *given,
                         nnv_error *err)
{
    nnv_reliability *r = &a->reliability;
    nnv_reliability_thresholds t = *given;
    int rc, stationary;
    double worst_imag = 0.0;

    memset(r, 0, sizeof *r);
    r->max_freq_std_mode = r->max_force_std_atom = r->max_novelty_atom = -1;
    if ((rc = nnv_reliability_thresholds_resolve(&t, err)) != NNV_OK) return rc;

    if (a->smoothness == NNV_C0)
        add_reason(r, NNV_REASON_C0, NNV_VERDICT_UNRELIABLE,
                   "the potential is only C0 (ReLU layers): its curvature is zero almost everywhere, so the "
                   "Hessian is not that of the surface it was trained on");
    if (a->optimized && !a->opt.converged)
        add_reason(r, NNV_REASON_NOT_CONVERGED, NNV_VERDICT_UNCERTAIN,
                   "the optimisation %s after %d steps (max force %.2e eV/A): the frequencies are those of a "
                   "non-stationary geometry",
                   a->opt.stalled ? "stalled" : "did not converge", a->opt.steps, a->opt.max_force);
    if (!a->optimized && a->max_force > t.stationary_fmax)
        add_reason(r, NNV_REASON_NOT_STATIONARY, NNV_VERDICT_UNCERTAIN,
                   "not a stationary point of the potential: max force %.2e eV/A (> %g); relax with --opt",
                   a->max_force, t.stationary_fmax);
    stationary = a->optimized ? a->opt.converged : a->max_force <= t.stationary_fmax;
    for (int m = 0; m < a->v->n_modes; m++)
        if (a->v->frequencies[m] < -t.imaginary_cm1) {
            r->n_imaginary++;
            if (a->v->frequencies[m] < worst_imag) worst_imag = a->v->frequencies[m];
        }
    if (stationary && r->n_imaginary > 0)
        add_reason(r, NNV_REASON_IMAGINARY, NNV_VERDICT_UNCERTAIN,
                   "%d imaginary mode%s at a stationary point (largest %.0fi cm-1): a saddle point, or a minimum "
                   "of the potential that the reference surface does not have",
                   r->n_imaginary, r->n_imaginary == 1 ? "" : "s", -worst_imag);

    r->n_extrapolations = a->r->n_extrapolations;
    for (int k = 0; k < a->r->n_extrapolations; k++)
        if (k == 0 || a->r->extrapolations[k].atom != a->r->extrapolations[k - 1].atom) r->n_extrapolating_atoms++;
    if (r->n_extrapolations > 0)
        add_reason(r, NNV_REASON_EXTRAPOLATION, NNV_VERDICT_UNCERTAIN,
                   "%d symmetry-function value%s on %d atom%s outside the training range",
                   r->n_extrapolations, r->n_extrapolations == 1 ? "" : "s", r->n_extrapolating_atoms,
                   r->n_extrapolating_atoms == 1 ? "" : "s");

    if (p->novelty && (rc = judge_novelty(r, a, p, &t, err)) != NNV_OK) return rc;
    if (p->n_members > 0) judge_committee(r, a, &t);
    if (!r->has_novelty && !r->has_committee)
        add_reason(r, NNV_REASON_NO_ESTIMATE, NNV_VERDICT_UNCERTAIN,
                   "the potential carries neither a committee nor novelty statistics, so only the "
                   "symmetry-function ranges were checked (nnvib-train --add-novelty adds statistics)");
    return NNV_OK;
}
