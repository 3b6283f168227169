/* Conformance with the independent Python/torch reference vectors in
 * <shared>/conformance: the model (energies, forces, Hessians, symmetry
 * functions, charges) and the vibrational analysis on it, and the analysis
 * alone fed the reference Hessian. Invalid inputs and rotation invariance
 * are in test_conformance_invalid.c and test_conformance_rotation.c. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nnvib.h>

#include "conformance.h"
#include "testutil.h"

/* ---- vibrational analysis against the reference ---------------------------- */

static double dot(const double *a, const double *b, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

/* Orthonormal basis of the span of k vectors of length n (rows of q, in place),
 * by modified Gram–Schmidt applied twice for stability; returns the rank. */
static int orthonormalise(double *q, int k, int n)
{
    int rank = 0;
    for (int i = 0; i < k; i++) {
        double *v = q + (size_t)rank * (size_t)n;
        if (rank != i) memcpy(v, q + (size_t)i * (size_t)n, (size_t)n * sizeof *v);
        for (int pass = 0; pass < 2; pass++)
            for (int j = 0; j < rank; j++) {
                double d = dot(v, q + (size_t)j * (size_t)n, n);
                for (int t = 0; t < n; t++) v[t] -= d * q[(size_t)j * (size_t)n + (size_t)t];
            }
        double nv = sqrt(dot(v, v, n));
        if (nv < 1e-8) continue;
        for (int t = 0; t < n; t++) v[t] /= nv;
        rank++;
    }
    return rank;
}

/* max_ij |P - P_ref|_ij for the projectors onto the spans of the group's modes. */
static double projector_distance(const double *modes, const double *ref, const int *idx,
                                 int k, int n, int *rank, int *rank_ref)
{
    double *a = malloc((size_t)k * (size_t)n * sizeof *a), *b = malloc((size_t)k * (size_t)n * sizeof *b);
    double worst = INFINITY;
    if (!a || !b) goto cleanup;
    for (int g = 0; g < k; g++) {
        memcpy(a + (size_t)g * (size_t)n, modes + (size_t)idx[g] * (size_t)n, (size_t)n * sizeof *a);
        memcpy(b + (size_t)g * (size_t)n, ref + (size_t)idx[g] * (size_t)n, (size_t)n * sizeof *b);
    }
    *rank = orthonormalise(a, k, n);
    *rank_ref = orthonormalise(b, k, n);
    worst = 0.0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double pa = 0.0, pb = 0.0;
            for (int g = 0; g < *rank; g++) pa += a[(size_t)g * (size_t)n + (size_t)i] * a[(size_t)g * (size_t)n + (size_t)j];
            for (int g = 0; g < *rank_ref; g++) pb += b[(size_t)g * (size_t)n + (size_t)i] * b[(size_t)g * (size_t)n + (size_t)j];
            if (!(fabs(pa - pb) <= worst)) worst = fabs(pa - pb);
        }
cleanup:
    free(a);
    free(b);
    return worst;
}

/* Compares v with the reference vibrational data of expected.json. */
static void compare_vib(ctx *c, const nnv_vib *v, const json_value *exp, int n_atoms, int with_ir)
{
    const int n3 = 3 * n_atoms;
    const json_value *groups = json_get(exp, "degenerate_groups");
    double *eig = NULL, *freq = NULL, *mu = NULL, *kf = NULL, *modes = NULL, *pm = NULL;
    double *ir = NULL, *ddn = NULL;
    int *group_of = NULL;
    int nm, i, k;
    size_t g;

    q_begin(c, "vib.linear");
    {
        int lin = json_bool(json_get(exp, "linear"));
        if (lin < 0) q_msg(c, "expected.json has no boolean 'linear'");
        else q_int(c, v->linear != 0, lin, "linear flag");
    }
    q_end(c);
    q_begin(c, "vib.n_rigid");
    q_int(c, v->n_rigid, jint(json_get(exp, "n_rigid_body"), -1), "rigid-body modes");
    q_end(c);
    q_begin(c, "vib.n_modes");
    nm = (int)json_len(json_get(exp, "frequencies"));
    if (!q_int(c, v->n_modes, nm, "number of modes")) {
        q_end(c);
        return; /* per-mode arrays cannot be matched up */
    }
    q_end(c);

    pm = exp_flat(c, exp, "principal_moments", 3);
    cmp_array(c, "vib.principal_moments", v->principal_moments, pm, pm ? 3 : 0,
              TOL_MOMENT_ABS, TOL_MOMENT_REL);
    if (nm == 0) goto cleanup;

    eig = exp_flat(c, exp, "eigenvalues_mw", (size_t)nm);
    freq = exp_flat(c, exp, "frequencies", (size_t)nm);
    mu = exp_flat(c, exp, "reduced_masses", (size_t)nm);
    kf = exp_flat(c, exp, "force_constants", (size_t)nm);
    modes = exp_flat(c, exp, "normal_modes", (size_t)nm * (size_t)n3);
    group_of = malloc((size_t)nm * sizeof *group_of);
    if (!group_of) { q_msg(c, "out of memory"); goto cleanup; }
    for (i = 0; i < nm; i++) group_of[i] = -1;
    for (g = 0; g < json_len(groups); g++)
        for (k = 0; k < (int)json_len(json_at(groups, g)); k++) {
            int m = jint(json_at(json_at(groups, g), (size_t)k), -1);
            if (m >= 0 && m < nm) group_of[m] = (int)g;
        }

    cmp_array(c, "vib.eigenvalues_mw", v->eigenvalues, eig, eig ? (size_t)nm : 0,
              TOL_EIG_ABS, TOL_EIG_REL);

    q_begin(c, "vib.frequencies(|nu|>50)");
    if (!v->frequencies) q_msg(c, "result array is NULL");
    else if (freq)
        for (i = 0; i < nm; i++)
            if (fabs(freq[i]) > FREQ_CUT) q_num(c, v->frequencies[i], freq[i], TOL_FREQ, 0.0, "[%d]", i);
    q_end(c);

    /* Per-mode values for non-degenerate modes; group sums of the quantities
     * that do not depend on the basis chosen inside a degenerate eigenspace. */
    q_begin(c, "vib.reduced_masses");
    if (!v->reduced_masses) q_msg(c, "result array is NULL");
    else if (mu) {
        for (i = 0; i < nm; i++)
            if (group_of[i] < 0) q_num(c, v->reduced_masses[i], mu[i], TOL_MODE_ABS, TOL_MODE_REL, "[%d]", i);
        for (g = 0; g < json_len(groups); g++) {
            double s = 0.0, sr = 0.0;
            for (i = 0; i < nm; i++)
                if (group_of[i] == (int)g) { s += 1.0 / v->reduced_masses[i]; sr += 1.0 / mu[i]; }
            q_num(c, s, sr, TOL_MODE_ABS, TOL_MODE_REL, " sum of 1/mu over degenerate group %zu", g);
        }
    }
    q_end(c);

    q_begin(c, "vib.force_constants");
    if (!v->force_constants || !v->reduced_masses) q_msg(c, "result array is NULL");
    else if (kf && mu) {
        for (i = 0; i < nm; i++)
            if (group_of[i] < 0) q_num(c, v->force_constants[i], kf[i], TOL_MODE_ABS, TOL_MODE_REL, "[%d]", i);
        /* k = c λ μ, so k/μ² = c λ/μ sums to c λ Σ 1/μ over the group */
        for (g = 0; g < json_len(groups); g++) {
            double s = 0.0, sr = 0.0;
            for (i = 0; i < nm; i++)
                if (group_of[i] == (int)g) {
                    s += v->force_constants[i] / (v->reduced_masses[i] * v->reduced_masses[i]);
                    sr += kf[i] / (mu[i] * mu[i]);
                }
            q_num(c, s, sr, TOL_MODE_ABS, TOL_MODE_REL, " sum of k/mu^2 over degenerate group %zu", g);
        }
    }
    q_end(c);

    if (!v->modes) {
        q_begin(c, "vib.normal_modes");
        q_msg(c, "result array is NULL");
        q_end(c);
    } else if (modes) {
        q_begin(c, "vib.normal_modes.norm");
        for (i = 0; i < nm; i++) {
            const double *m = v->modes + (size_t)i * (size_t)n3;
            q_num(c, sqrt(dot(m, m, n3)), 1.0, 1e-10, 0.0, "[%d]", i);
        }
        q_end(c);
        q_begin(c, "vib.normal_modes 1 - |dot(v, v_ref)| (non-degenerate, |nu|>50)");
        for (i = 0; i < nm; i++) {
            if (group_of[i] >= 0 || !freq || fabs(freq[i]) <= FREQ_CUT) continue;
            double d = fabs(dot(v->modes + (size_t)i * (size_t)n3, modes + (size_t)i * (size_t)n3, n3));
            c->qty_n++;
            if (!(1.0 - d <= c->qty_maxerr)) c->qty_maxerr = 1.0 - d;
            if (d < 1.0 - TOL_DOT) q_msg(c, "mode %d: |dot| = %.17g < 1 - %.0e", i, d, TOL_DOT);
        }
        q_end(c);
        /* vib.h: "largest-magnitude component positive"; testable only where
         * the largest component is clearly unique */
        q_begin(c, "vib.normal_modes sign convention");
        for (i = 0; i < nm; i++) {
            const double *r = modes + (size_t)i * (size_t)n3, *m = v->modes + (size_t)i * (size_t)n3;
            int imax = 0;
            double second = 0.0;
            if (group_of[i] >= 0 || !freq || fabs(freq[i]) <= FREQ_CUT) continue;
            for (k = 1; k < n3; k++)
                if (fabs(r[k]) > fabs(r[imax])) imax = k;
            for (k = 0; k < n3; k++)
                if (k != imax && fabs(r[k]) > second) second = fabs(r[k]);
            if (fabs(r[imax]) - second < 1e-6) continue;
            c->qty_n++;
            if (!(m[imax] > 0.0))
                q_msg(c, "mode %d: component %d (largest) is %.17g, reference %.17g", i, imax, m[imax], r[imax]);
        }
        q_end(c);
        q_begin(c, "vib.normal_modes max|P - P_ref| of degenerate groups (|nu|>50)");
        for (g = 0; g < json_len(groups); g++) {
            int idx[64], kk = 0, rank = 0, rank_ref = 0;
            double dist;
            for (i = 0; i < nm && kk < 64; i++)
                if (group_of[i] == (int)g) idx[kk++] = i;
            if (kk == 0 || !freq || fabs(freq[idx[0]]) <= FREQ_CUT) continue;
            dist = projector_distance(v->modes, modes, idx, kk, n3, &rank, &rank_ref);
            c->qty_n++;
            if (!(dist <= c->qty_maxerr)) c->qty_maxerr = dist;
            if (rank != kk || rank_ref != kk || !(dist <= TOL_PROJ))
                q_msg(c, "group %zu (modes %d..%d): max|P - P_ref| = %.3g (tol %.0e), rank %d / ref %d of %d",
                      g, idx[0], idx[kk - 1], dist, TOL_PROJ, rank, rank_ref, kk);
        }
        q_end(c);
    }

    if (with_ir) {
        ir = exp_flat(c, exp, "ir_intensities", (size_t)nm);
        ddn = exp_flat(c, exp, "dipole_derivatives_normal", (size_t)nm * 3);
        q_begin(c, "vib.ir_intensities");
        if (!v->ir_intensities) q_msg(c, "result array is NULL (dipole derivatives were given)");
        else if (ir) {
            for (i = 0; i < nm; i++)
                if (group_of[i] < 0) q_num(c, v->ir_intensities[i], ir[i], TOL_MODE_ABS, TOL_MODE_REL, "[%d]", i);
            for (g = 0; g < json_len(groups); g++) {
                double s = 0.0, sr = 0.0;
                for (i = 0; i < nm; i++)
                    if (group_of[i] == (int)g) { s += v->ir_intensities[i]; sr += ir[i]; }
                q_num(c, s, sr, TOL_MODE_ABS, TOL_MODE_REL, " sum over degenerate group %zu", g);
            }
        }
        q_end(c);
        /* The reference's d mu/dQ carries the sign of its own eigenvector, not
         * that of normal_modes (checked: the signs disagree for about half the
         * modes), so only |d mu/dQ| up to one overall sign per mode is defined. */
        q_begin(c, "vib.dipole_deriv_normal (non-degenerate, up to sign)");
        if (!v->dipole_deriv_normal) q_msg(c, "result array is NULL (dipole derivatives were given)");
        else if (ddn) {
            for (i = 0; i < nm; i++) {
                double sgn;
                if (group_of[i] >= 0) continue;
                sgn = dot(v->dipole_deriv_normal + 3 * i, ddn + 3 * i, 3) < 0 ? -1.0 : 1.0;
                for (k = 0; k < 3; k++)
                    q_num(c, sgn * v->dipole_deriv_normal[3 * i + k], ddn[3 * i + k], TOL_MODE_ABS,
                          TOL_MODE_REL, "[mode %d][%c]", i, XYZ[k]);
            }
        }
        q_end(c);
    }

cleanup:
    free(eig);
    free(freq);
    free(mu);
    free(kf);
    free(modes);
    free(pm);
    free(ir);
    free(ddn);
    free(group_of);
}

/* ---- test: the model and the analysis on it, one case ---------------------- */

/* The structure as read: atom count, Z, positions exactly, masses. */
static void compare_structure(ctx *c, const nnv_structure *s, const json_value *exp)
{
    int n = jint(json_get(exp, "n_atoms"), -1);
    const json_value *Z = json_get(exp, "Z");
    double *pos = NULL, *mass = NULL;
    q_begin(c, "structure.n_atoms");
    if (!q_int(c, s->n_atoms, n, "atoms")) { q_end(c); return; }
    q_end(c);
    q_begin(c, "structure.Z");
    for (int i = 0; i < n; i++) {
        char what[32];
        snprintf(what, sizeof what, "Z[%d]", i);
        q_int(c, s->Z ? s->Z[i] : -1, jint(json_at(Z, (size_t)i), -1), what);
    }
    q_end(c);
    /* the xyz text's decimals must become exactly the doubles Python's float() gives */
    pos = exp_flat(c, exp, "positions", (size_t)3 * (size_t)n);
    cmp_atoms3(c, "structure.positions", s->xyz, pos, pos ? n : 0, 0.0, 0.0);
    mass = exp_flat(c, exp, "masses", (size_t)n);
    cmp_array(c, "structure.masses", s->masses, mass, mass ? (size_t)n : 0, 0.0, TOL_MASS_REL);
    free(pos);
    free(mass);
}

static void compare_sf(ctx *c, const nnv_result *r, const json_value *exp, int n)
{
    const json_value *sfv = json_get(exp, "sf_values");
    q_begin(c, "sf_values");
    if (!r->sf_values || !r->sf_offset) { q_msg(c, "result array is NULL"); q_end(c); return; }
    if (json_len(sfv) != (size_t)n) { q_msg(c, "expected.json sf_values has %zu rows", json_len(sfv)); q_end(c); return; }
    if (r->sf_offset[0] != 0) q_msg(c, "sf_offset[0] = %d, expected 0", r->sf_offset[0]);
    for (int i = 0; i < n; i++) {
        const json_value *row = json_at(sfv, (size_t)i);
        int cnt = r->sf_offset[i + 1] - r->sf_offset[i];
        if (cnt != (int)json_len(row)) {
            q_msg(c, "atom %d has %d SF values, expected %zu", i, cnt, json_len(row));
            continue;
        }
        for (int k = 0; k < cnt; k++)
            q_num(c, r->sf_values[r->sf_offset[i] + k], json_num(json_at(row, (size_t)k)), TOL_SF_ABS,
                  TOL_SF_REL, "[atom %d][sf %d]", i, k);
    }
    q_end(c);
}

static void compare_extrapolations(ctx *c, const nnv_result *r, const json_value *exp)
{
    const json_value *w = json_get(exp, "extrapolation_warnings");
    size_t nw = json_len(w), i;
    int k;
    q_begin(c, "extrapolation_warnings");
    if (!json_is_array(w)) { q_msg(c, "expected.json has no array 'extrapolation_warnings'"); q_end(c); return; }
    if (r->n_extrapolations > 0 && !r->extrapolations) { q_msg(c, "n_extrapolations > 0 but array NULL"); q_end(c); return; }
    q_int(c, r->n_extrapolations, (long)nw, "number of (atom, sf) warnings");
    for (i = 0; i < nw; i++) {
        const json_value *e = json_at(w, i);
        int atom = jint(json_get(e, "atom"), -1), sf = jint(json_get(e, "sf"), -1), found = 0;
        for (k = 0; k < r->n_extrapolations; k++) {
            const nnv_extrapolation *x = &r->extrapolations[k];
            if (x->atom != atom || x->sf != sf) continue;
            found = 1;
            q_num(c, x->value, json_num(json_get(e, "value")), TOL_SF_ABS, TOL_SF_REL, "[atom %d, sf %d].value", atom, sf);
            q_num(c, x->gmin, json_num(json_get(e, "gmin")), 0.0, 0.0, "[atom %d, sf %d].gmin", atom, sf);
            q_num(c, x->gmax, json_num(json_get(e, "gmax")), 0.0, 0.0, "[atom %d, sf %d].gmax", atom, sf);
            break;
        }
        if (!found) q_msg(c, "missing warning for (atom %d, sf %d)", atom, sf);
    }
    for (k = 0; k < r->n_extrapolations; k++) {
        const nnv_extrapolation *x = &r->extrapolations[k];
        int listed = 0;
        for (i = 0; i < nw && !listed; i++)
            listed = jint(json_get(json_at(w, i), "atom"), -1) == x->atom
                     && jint(json_get(json_at(w, i), "sf"), -1) == x->sf;
        if (!listed)
            q_msg(c, "unexpected warning for (atom %d, sf %d): G = %.17g, range [%.17g, %.17g]",
                  x->atom, x->sf, x->value, x->gmin, x->gmax);
    }
    q_end(c);
}

static void compare_charges(ctx *c, const nnv_result *r, const json_value *exp, int n)
{
    double *raw = exp_flat(c, exp, "raw_charges", (size_t)n), *q = exp_flat(c, exp, "charges", (size_t)n);
    double *dip = exp_flat(c, exp, "dipole", 3);
    double *dd = exp_flat(c, exp, "dipole_derivatives", (size_t)9 * (size_t)n);
    q_begin(c, "has_charges");
    q_int(c, r->has_charges != 0, 1, "has_charges");
    q_end(c);
    q_begin(c, "total_charge");
    q_num(c, r->total_charge, json_num(json_get(exp, "total_charge")), 0.0, 0.0, "%s", "");
    q_end(c);
    cmp_array(c, "raw_charges", r->raw_charges, raw, raw ? (size_t)n : 0, TOL_CHARGE, 0.0);
    cmp_array(c, "charges", r->charges, q, q ? (size_t)n : 0, TOL_CHARGE, 0.0);
    cmp_array(c, "dipole", r->dipole, dip, dip ? 3 : 0, TOL_CHARGE, 0.0);
    q_begin(c, "dipole_derivatives");
    if (!r->dipole_deriv) q_msg(c, "result array is NULL");
    else if (dd)
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3 * n; b++)
                q_num(c, r->dipole_deriv[a * 3 * n + b], dd[a * 3 * n + b], TOL_DIPDERIV, 0.0,
                      "[mu_%c][atom %d %c]", XYZ[a], b / 3, XYZ[b % 3]);
    q_end(c);
    free(raw);
    free(q);
    free(dip);
    free(dd);
}

START_TEST(test_model_case)
{
    ctx c = {g_cases[_i], "model", 0, NULL, 0, 0, 0.0};
    json_value *exp = load_expected(c.name);
    nnv_potential *p = NULL;
    nnv_structure *s = NULL;
    nnv_result *r = NULL;
    nnv_vib *v = NULL;
    nnv_error err = {0, ""};
    double *ae = NULL, *f = NULL, *h = NULL;
    int n, charges, rc;
    unsigned want;

    ck_assert_msg(exp != NULL, "%s: expected.json unreadable", c.name);
    n = jint(json_get(exp, "n_atoms"), -1);
    if (n < 1) {
        json_free(exp);
        ck_abort_msg("%s: expected.json has no valid n_atoms", c.name);
    }
    charges = case_has_charges(exp);
    if (load_case(&c, exp, &p, &s) != 0) goto cleanup;
    compare_structure(&c, s, exp);
    if (s->n_atoms != n) goto cleanup;
    q_begin(&c, "potential.flags");
    q_int(&c, (p->flags & NNV_FLAG_CHARGES) != 0, charges, "charge-network flag");
    q_end(&c);

    want = NNV_WANT_FORCES | NNV_WANT_HESSIAN | (charges ? NNV_WANT_CHARGES | NNV_WANT_DIPOLE_DERIV : 0u);
    q_begin(&c, "nnv_compute");
    rc = nnv_compute(&r, p, s, &(nnv_compute_options){want, json_num(json_get(exp, "total_charge")), 0.0}, &err);
    if (rc != NNV_OK || !r) {
        q_msg(&c, "status %d (%s): %s", rc, nnv_strerror(rc), err.message);
        q_end(&c);
        goto cleanup;
    }
    q_int(&c, r->n_atoms, n, "result n_atoms");
    q_end(&c);
    if (r->n_atoms != n) goto cleanup;

    q_begin(&c, "energy");
    q_num(&c, r->energy, json_num(json_get(exp, "energy")), TOL_ENERGY, 0.0, "%s", "");
    q_end(&c);
    ae = exp_flat(&c, exp, "atomic_energies", (size_t)n);
    cmp_array(&c, "atomic_energies", r->atomic_energies, ae, ae ? (size_t)n : 0, TOL_ENERGY, 0.0);
    f = exp_flat(&c, exp, "forces", (size_t)3 * (size_t)n);
    cmp_atoms3(&c, "forces", r->forces, f, f ? n : 0, TOL_FORCE, 0.0);
    h = exp_flat(&c, exp, "hessian", (size_t)9 * (size_t)n * (size_t)n);
    q_begin(&c, "hessian");
    if (!r->hessian) q_msg(&c, "result array is NULL");
    else if (h)
        for (int i = 0; i < 3 * n; i++)
            for (int j = 0; j < 3 * n; j++)
                q_num(&c, r->hessian[i * 3 * n + j], h[i * 3 * n + j], TOL_HESS_ABS, TOL_HESS_REL,
                      "[atom %d %c][atom %d %c]", i / 3, XYZ[i % 3], j / 3, XYZ[j % 3]);
    q_end(&c);
    compare_sf(&c, r, exp, n);
    compare_extrapolations(&c, r, exp);
    if (charges) compare_charges(&c, r, exp, n);

    if (!r->hessian || (charges && !r->dipole_deriv)) goto cleanup;
    q_begin(&c, "nnv_vib_analyse");
    rc = nnv_vib_analyse(&v, n, s->xyz, s->masses, r->hessian, charges ? r->dipole_deriv : NULL,
                         NNV_LINEAR_AUTO, &err);
    if (rc != NNV_OK || !v) {
        q_msg(&c, "status %d (%s): %s", rc, nnv_strerror(rc), err.message);
        q_end(&c);
        goto cleanup;
    }
    q_end(&c);
    compare_vib(&c, v, exp, n, charges);

cleanup:
    free(ae);
    free(f);
    free(h);
    nnv_vib_free(v);
    nnv_result_free(r);
    nnv_structure_free(s);
    nnv_potential_free(p);
    json_free(exp);
    finish(&c);
}
END_TEST

/* ---- test: the analysis alone, fed the reference Hessian ------------------- */

START_TEST(test_analysis_case)
{
    ctx c = {g_cases[_i], "analysis of the reference Hessian", 0, NULL, 0, 0, 0.0};
    json_value *exp = load_expected(c.name);
    double *xyz = NULL, *m = NULL, *h = NULL, *dd = NULL;
    nnv_vib *v = NULL;
    nnv_error err = {0, ""};
    int n, charges, rc;

    ck_assert_msg(exp != NULL, "%s: expected.json unreadable", c.name);
    n = jint(json_get(exp, "n_atoms"), -1);
    if (n < 1) {
        json_free(exp);
        ck_abort_msg("%s: expected.json has no valid n_atoms", c.name);
    }
    charges = json_get(exp, "dipole_derivatives") != NULL;
    q_begin(&c, "inputs");
    xyz = exp_flat(&c, exp, "positions", (size_t)3 * (size_t)n);
    m = exp_flat(&c, exp, "masses", (size_t)n);
    h = exp_flat(&c, exp, "hessian", (size_t)9 * (size_t)n * (size_t)n);
    if (charges) dd = exp_flat(&c, exp, "dipole_derivatives", (size_t)9 * (size_t)n);
    q_end(&c);
    if (!xyz || !m || !h || (charges && !dd)) goto cleanup;
    q_begin(&c, "nnv_vib_analyse");
    rc = nnv_vib_analyse(&v, n, xyz, m, h, dd, NNV_LINEAR_AUTO, &err);
    if (rc != NNV_OK || !v) {
        q_msg(&c, "status %d (%s): %s", rc, nnv_strerror(rc), err.message);
        q_end(&c);
        goto cleanup;
    }
    q_end(&c);
    compare_vib(&c, v, exp, n, charges);
cleanup:
    nnv_vib_free(v);
    free(xyz);
    free(m);
    free(h);
    free(dd);
    json_free(exp);
    finish(&c);
}
END_TEST

static void add_tests(Suite *suite)
{
    TCase *tc;
    fprintf(stderr, "conformance: %d cases in %s\n", g_n_cases, g_dir);
    /* explicit, so a direct run (without make's CK_DEFAULT_TIMEOUT) or a
     * sanitizer build does not hit check's 4 s default */
    tc = tcase_create("model");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_model_case, 0, g_n_cases);
    suite_add_tcase(suite, tc);
    tc = tcase_create("analysis");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_analysis_case, 0, g_n_cases);
    suite_add_tcase(suite, tc);
}

int main(void)
{
    return conf_main("conformance", add_tests);
}
