/* committee_modes.c: the per-mode frequency spread of a committee potential,
 * each member's Hessian projected on the normal modes of the mean. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_internal.h"

/* Why projection and not diagonalising each member: to first order in a
 * member's deviation dH from the mean, the eigenvalue of mode k moves by
 * L_k^T dH L_k (L_k the unit mass-weighted eigenvector), so the Rayleigh
 * quotient is the member's frequency of that mode to first order, and it
 * needs no matching of member modes to mean modes, which is ill-defined when
 * modes are (near-)degenerate and mix freely under a small perturbation. */
int nnv_vib_project(double *freq, const nnv_vib *v, const double *masses, const double *hessian, nnv_error *err)
{
    size_t n3;
    double *Hd;
    if (!freq || !v || !masses || !hessian)
        return nnv_error_set(err, NNV_EUSAGE, "nnv_vib_project: NULL argument");
    n3 = 3 * (size_t)v->n_atoms;
    if (!(Hd = malloc(n3 * sizeof *Hd))) return nnv_error_set(err, NNV_ENOMEM, "nnv_vib_project: out of memory");
    for (int k = 0; k < v->n_modes; k++) {
        /* The Cartesian mode d = M^-1/2 L / |.|: L^T M^-1/2 H M^-1/2 L =
         * d^T H d / d^T M d, whatever d's normalisation. */
        const double *d = v->modes + (size_t)k * n3;
        double num = 0.0, den = 0.0, lam;
        for (size_t a = 0; a < n3; a++) {
            const double *row = hessian + a * n3;
            double s = 0.0;
            for (size_t b = 0; b < n3; b++) s += row[b] * d[b];
            Hd[a] = s;
        }
        for (size_t a = 0; a < n3; a++) {
            num += d[a] * Hd[a];
            den += masses[a / 3] * d[a] * d[a];
        }
        lam = num / den;
        freq[k] = (lam < 0.0 ? -1.0 : 1.0) * sqrt(fabs(lam)) * NNV_CM1_FACTOR;
        if (!isfinite(freq[k])) {
            free(Hd);
            return nnv_error_set(err, NNV_ENUMERIC, "nnv_vib_project: mode %d: non-finite projected frequency", k + 1);
        }
    }
    free(Hd);
    return NNV_OK;
}

int nnv_committee_mode_spread(double **member_freq, double **freq_std, const nnv_potential *p, const nnv_structure *s,
                              const nnv_vib *v, double max_hessian_mb, nnv_error *err)
{
    int K, nm, rc = NNV_OK;
    double *mf = NULL, *sd = NULL;
    nnv_compute_options co = {NNV_WANT_HESSIAN, 0.0, max_hessian_mb};

    if (!member_freq || !freq_std) return nnv_error_set(err, NNV_EUSAGE, "nnv_committee_mode_spread: no output");
    *member_freq = *freq_std = NULL;
    if (!p || !s || !v || p->n_members < NNV_COMMITTEE_MIN || v->n_atoms != s->n_atoms)
        return nnv_error_set(err, NNV_EUSAGE, "nnv_committee_mode_spread: %s",
                             !p || !s || !v ? "NULL argument"
                             : p->n_members < NNV_COMMITTEE_MIN ? "the potential is not a committee"
                                                                : "the analysis is of another structure");
    K = p->n_members;
    nm = v->n_modes;
    mf = calloc((size_t)K * (size_t)(nm > 0 ? nm : 1), sizeof *mf);
    sd = calloc((size_t)(nm > 0 ? nm : 1), sizeof *sd);
    if (!mf || !sd) {
        rc = nnv_error_set(err, NNV_ENOMEM, "nnv_committee_mode_spread: out of memory");
        goto cleanup;
    }
    /* One member Hessian at a time: K x 9N^2 doubles would not fit where
     * one does. */
    for (int m = 0; m < K && nm > 0; m++) {
        nnv_potential *x = NULL;
        nnv_result *r = NULL;
        if ((rc = nnv_committee_member(&x, p, m, err)) == NNV_OK && (rc = nnv_compute(&r, x, s, &co, err)) == NNV_OK)
            rc = nnv_vib_project(mf + (size_t)m * (size_t)nm, v, s->masses, r->hessian, err);
        nnv_result_free(r);
        nnv_potential_free(x);
        if (rc != NNV_OK) goto cleanup;
    }
    for (int k = 0; k < nm; k++) {
        /* x_0 + sum (x_m - x_0) / K: identical members give a spread of 0 exactly. */
        double mean = 0.0, ss = 0.0, x0 = mf[k];
        for (int m = 1; m < K; m++) mean += mf[(size_t)m * (size_t)nm + (size_t)k] - x0;
        mean = x0 + mean / K;
        for (int m = 0; m < K; m++) {
            double d = mf[(size_t)m * (size_t)nm + (size_t)k] - mean;
            ss += d * d;
        }
        sd[k] = p->spread_scale * sqrt(ss / (K - 1));
    }
    *member_freq = mf;
    *freq_std = sd;
    mf = sd = NULL;
cleanup:
    free(mf);
    free(sd);
    return rc;
}
