/* Conformance with the independent Python/torch reference vectors in
 * <shared>/conformance: model, vibrational analysis (also fed the reference
 * Hessian alone), rejection of invalid inputs, and rotation invariance. */
#define _POSIX_C_SOURCE 200809L /* strdup, strtok_r */
#include <check.h>
#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nnvib.h>

#include "json.h"
#include "testutil.h"

/* ---- tolerances (shared/conformance/README.md) --------------------------- */
#define TOL_ENERGY 1e-10      /* eV, abs */
#define TOL_FORCE 1e-9        /* eV/Å, abs */
#define TOL_HESS_ABS 1e-7     /* eV/Å², abs ... */
#define TOL_HESS_REL 1e-9     /* ... or rel */
#define TOL_SF_ABS 1e-12
#define TOL_SF_REL 1e-10
#define TOL_EIG_ABS 4e-8      /* eV/(Å² u): what 1e-4 cm⁻¹ allows at 50 cm⁻¹ */
#define TOL_EIG_REL 1e-9      /* only matters above |λ| = 40 (~3300 cm⁻¹) */
#define TOL_FREQ 1e-4         /* cm⁻¹, where |ν| > FREQ_CUT */
#define FREQ_CUT 50.0
#define TOL_MODE_REL 1e-6     /* reduced masses, force constants, IR intensities */
#define TOL_MODE_ABS 1e-8
#define TOL_CHARGE 1e-12      /* e and e Å */
#define TOL_DIPDERIV 1e-9     /* e */
#define TOL_DOT 1e-8          /* |dot(v, v_ref)| >= 1 - TOL_DOT */
/* A rotation of one unit vector by θ gives |dot| = cos θ and ||vvᵀ - uuᵀ||_max
 * <= θ; 1e-6 is far stricter than the 1.4e-4 rad TOL_DOT allows, yet far looser
 * than the ~1e-12 a float64 eigensolver reaches for a symmetry-enforced group. */
#define TOL_PROJ 1e-6
#define TOL_MASS_REL 1e-9     /* isotope tables may differ in the last digits */
#define TOL_MOMENT_ABS 1e-9   /* u Å² (linear molecules have a zero moment) */
#define TOL_MOMENT_REL 1e-10
/* rotation/translation invariance */
#define TOL_ROT_ENERGY 1e-9
#define TOL_ROT_FREQ 1e-5

#define MAX_PRINT_PER_QTY 8

/* ---- the data found at start-up (read-only once the suite runs) ----------- */
static char g_dir[4096];      /* <shared>/conformance */
static char **g_cases;        /* case folders with expected.json, sorted */
static int g_n_cases;
static char **g_smooth;       /* cases whose activations are all C-infinity */
static int g_n_smooth;
static json_value *g_invalid; /* invalid/index.json */

/* ---- failure bookkeeping: every failing comparison is printed ------------- */
typedef struct ctx {
    const char *name;   /* case */
    const char *part;   /* "model", "analysis", "rotation", "invalid" */
    int n_fail;
    const char *qty;    /* quantity being compared */
    int qty_fail, qty_n;
    double qty_maxerr;
} ctx;

static void q_begin(ctx *c, const char *qty)
{
    c->qty = qty;
    c->qty_fail = c->qty_n = 0;
    c->qty_maxerr = 0.0;
}

static void q_end(ctx *c)
{
    static int verbose = -1; /* NNVIB_CONF_VERBOSE=1: a line per quantity */
    if (verbose < 0) verbose = getenv("NNVIB_CONF_VERBOSE") != NULL;
    if (verbose && c->qty_fail == 0 && c->qty_n > 0)
        fprintf(stderr, "     %s [%s] %s: %d compared, largest |got - expected| = %.3g\n", c->name, c->part,
                c->qty, c->qty_n, c->qty_maxerr);
    if (c->qty_fail > 0 && c->qty_n > 0)
        fprintf(stderr, "FAIL %s [%s] %s: %d of %d comparisons failed, largest |got - expected| = %.3g\n",
                c->name, c->part, c->qty, c->qty_fail, c->qty_n, c->qty_maxerr);
    c->qty = NULL;
}

/* A failure that is not a numeric comparison (missing data, wrong count, status). */
static void q_msg(ctx *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void q_msg(ctx *c, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "FAIL %s [%s] %s: ", c->name, c->part, c->qty ? c->qty : "-");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    c->n_fail++;
    c->qty_fail++;
}

/* Compare got with expected; on failure print case, quantity, index, both values. */
static int q_num(ctx *c, double got, double expected, double abs_tol, double rel_tol,
                 const char *idxfmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;
static int q_num(ctx *c, double got, double expected, double abs_tol, double rel_tol,
                 const char *idxfmt, ...)
{
    double d = fabs(got - expected);
    c->qty_n++;
    if (!(d <= c->qty_maxerr)) c->qty_maxerr = d; /* NaN sticks */
    if (tu_close(got, expected, abs_tol, rel_tol)) return 1;
    c->n_fail++;
    if (c->qty_fail++ < MAX_PRINT_PER_QTY) {
        char idx[96];
        va_list ap;
        va_start(ap, idxfmt);
        vsnprintf(idx, sizeof idx, idxfmt, ap);
        va_end(ap);
        fprintf(stderr, "FAIL %s [%s] %s%s: got %.17g expected %.17g (|diff| %.3g, tol abs %.1g rel %.1g)\n",
                c->name, c->part, c->qty ? c->qty : "", idx, got, expected, d, abs_tol, rel_tol);
    } else if (c->qty_fail == MAX_PRINT_PER_QTY + 1) {
        fprintf(stderr, "FAIL %s [%s] %s: (further failures of this quantity not printed)\n",
                c->name, c->part, c->qty ? c->qty : "");
    }
    return 0;
}

static int q_int(ctx *c, long got, long expected, const char *what)
{
    c->qty_n++;
    if (got == expected) return 1;
    q_msg(c, "%s: got %ld expected %ld", what, got, expected);
    return 0;
}

/* ---- access to expected.json ---------------------------------------------- */

/* An integer-valued number as int; dflt when absent, not integral or out of
 * range (a cast of NaN or of a huge double would be undefined behaviour). */
static int jint(const json_value *v, int dflt)
{
    double x = json_num(v);
    if (!(x >= -1e9 && x <= 1e9) || x != floor(x)) return dflt;
    return (int)x;
}

/* Flattened numbers of key, which must hold exactly n of them; NULL (and a
 * recorded failure) otherwise. */
static double *exp_flat(ctx *c, const json_value *exp, const char *key, size_t n)
{
    size_t got = 0;
    double *a = json_num_flatten(json_get(exp, key), &got);
    if (!a) {
        q_msg(c, "expected.json has no numeric array '%s'", key);
        return NULL;
    }
    if (got != n) {
        q_msg(c, "expected.json '%s' holds %zu numbers, expected %zu", key, got, n);
        free(a);
        return NULL;
    }
    return a;
}

static void cmp_array(ctx *c, const char *qty, const double *got, const double *expected,
                      size_t n, double abs_tol, double rel_tol)
{
    size_t i;
    q_begin(c, qty);
    if (!got) q_msg(c, "result array is NULL");
    else if (expected)
        for (i = 0; i < n; i++) q_num(c, got[i], expected[i], abs_tol, rel_tol, "[%zu]", i);
    q_end(c);
}

/* x,y,z names for messages */
static const char *const XYZ = "xyz";

static void cmp_atoms3(ctx *c, const char *qty, const double *got, const double *expected,
                       int n_atoms, double abs_tol, double rel_tol)
{
    int i, k;
    q_begin(c, qty);
    if (!got) q_msg(c, "result array is NULL");
    else if (expected)
        for (i = 0; i < n_atoms; i++)
            for (k = 0; k < 3; k++)
                q_num(c, got[3 * i + k], expected[3 * i + k], abs_tol, rel_tol, "[atom %d][%c]", i, XYZ[k]);
    q_end(c);
}

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

/* ---- loading a case --------------------------------------------------------- */

static json_value *load_expected(const char *name)
{
    char path[4600], err[512];
    json_value *exp;
    snprintf(path, sizeof path, "%s/%s/expected.json", g_dir, name);
    exp = json_parse_file(path, err, sizeof err);
    if (!exp) fprintf(stderr, "FAIL %s: cannot parse expected.json: %s\n", name, err);
    return exp;
}

/* Reads weights.bin and molecule.xyz of a case and applies mass_overrides.
 * Returns 0 when both are loaded (failures are recorded in c). */
static int load_case(ctx *c, const json_value *exp, nnv_potential **p, nnv_structure **s)
{
    char path[4600];
    nnv_error err = {0, ""};
    const json_value *ov = json_get(exp, "mass_overrides");
    int rc;
    size_t i;

    *p = NULL;
    *s = NULL;
    q_begin(c, "load");
    snprintf(path, sizeof path, "%s/%s/weights.bin", g_dir, c->name);
    rc = nnv_potential_read(p, path, &err);
    if (rc != NNV_OK || !*p) {
        q_msg(c, "nnv_potential_read(%s) = %d (%s): %s", path, rc, nnv_strerror(rc), err.message);
        goto fail;
    }
    snprintf(path, sizeof path, "%s/%s/molecule.xyz", g_dir, c->name);
    rc = nnv_structure_read_xyz(s, path, 0, &err);
    if (rc != NNV_OK || !*s) {
        q_msg(c, "nnv_structure_read_xyz(%s) = %d (%s): %s", path, rc, nnv_strerror(rc), err.message);
        goto fail;
    }
    for (i = 0; i < json_len(ov); i++) {
        const char *key = json_key_at(ov, i);
        char *end = NULL;
        long idx = strtol(key, &end, 10);
        double m = json_num(json_at(ov, i));
        if (!end || *end != '\0' || idx < 0 || idx >= (*s)->n_atoms) {
            q_msg(c, "mass_overrides key '%s' is not an atom index", key);
            goto fail;
        }
        rc = nnv_structure_set_mass(*s, (int)idx, m, &err);
        if (rc != NNV_OK) {
            q_msg(c, "nnv_structure_set_mass(%ld, %.17g) = %d: %s", idx, m, rc, err.message);
            goto fail;
        }
    }
    q_end(c);
    return 0;
fail:
    q_end(c);
    nnv_structure_free(*s);
    nnv_potential_free(*p);
    *s = NULL;
    *p = NULL;
    return -1;
}

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

static int case_has_charges(const json_value *exp)
{
    return json_get(exp, "charges") != NULL;
}

/* ---- test: the model and the analysis on it, one case ---------------------- */

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

static void finish(ctx *c)
{
    if (c->n_fail == 0) fprintf(stderr, "ok   %s [%s]\n", c->name, c->part);
    ck_assert_msg(c->n_fail == 0, "%s [%s]: %d comparison(s) failed (details on stderr)", c->name, c->part,
                  c->n_fail);
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

/* ---- test: invalid inputs ---------------------------------------------------- */

static int is_ident(int ch) { return isalnum(ch) || ch == '_'; }

/* Case-insensitive: does msg[at..] start with word w (length n)? */
static int starts_with_ci(const char *msg, const char *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!msg[i] || tolower((unsigned char)msg[i]) != tolower((unsigned char)w[i])) return 0;
    return 1;
}

/* Does the message name the field of the index entry? The index spells fields
 * as paths ("element[0].E0", "sf.rc", "size[n_layers]", "crc32 (file too
 * short)"); readers may insert context ("element[0](Z=1).sf[0].rc"). So: drop
 * a trailing " (...)" remark, then find the dot-separated components in order,
 * each as a whole word; a numeric index must match exactly, a symbolic one
 * ("n_layers") matches any number, and an index the field omits ("sf") may be
 * present in the message ("sf[0]"). */
static int message_names_field(const char *msg, const char *field)
{
    char f[256], *comp, *save = NULL;
    const char *pos = msg;
    char *paren;
    snprintf(f, sizeof f, "%s", field);
    paren = strstr(f, " (");
    if (paren) *paren = '\0';
    for (comp = strtok_r(f, ".", &save); comp; comp = strtok_r(NULL, ".", &save)) {
        size_t nlen = strcspn(comp, "[");
        const char *q, *found = NULL;
        for (q = pos; *q && !found; q++) {
            const char *t, *ip;
            if (q > msg && is_ident((unsigned char)q[-1])) continue;
            if (!starts_with_ci(q, comp, nlen)) continue;
            t = q + nlen;
            ip = comp + nlen;
            while (*ip == '[') { /* indices given by the field */
                const char *close = strchr(ip, ']');
                size_t ilen;
                int numeric = 1;
                if (!close || *t != '[') break;
                ilen = (size_t)(close - ip - 1);
                for (size_t k = 0; k < ilen; k++) numeric &= isdigit((unsigned char)ip[1 + k]) != 0;
                t++;
                if (numeric) {
                    if (strncmp(t, ip + 1, ilen) != 0 || t[ilen] != ']') break;
                    t += ilen + 1;
                } else if (strncmp(t, ip + 1, ilen) == 0 && t[ilen] == ']') {
                    t += ilen + 1;
                } else {
                    if (!isdigit((unsigned char)*t)) break;
                    while (isdigit((unsigned char)*t)) t++;
                    if (*t != ']') break;
                    t++;
                }
                ip = close + 1;
            }
            if (*ip == '[') continue; /* an index did not match */
            while (*t == '[' && isdigit((unsigned char)t[1])) { /* indices the field omits */
                const char *u = t + 1;
                while (isdigit((unsigned char)*u)) u++;
                if (*u != ']') break;
                t = u + 1;
            }
            if (is_ident((unsigned char)*t)) continue;
            found = t;
        }
        if (!found) return 0;
        pos = found;
    }
    return 1;
}

/* Is `tok` present as a stand-alone word (not part of a longer name)? */
static int has_token(const char *msg, const char *tok)
{
    size_t n = strlen(tok);
    for (const char *q = strstr(msg, tok); q; q = strstr(q + 1, tok))
        if ((q == msg || !isalpha((unsigned char)q[-1])) && !isalpha((unsigned char)q[n])) return 1;
    return 0;
}

START_TEST(test_invalid_entry)
{
    const json_value *e = json_at(g_invalid, (size_t)_i);
    const char *file = json_str(json_get(e, "file")), *field = json_str(json_get(e, "field"));
    ctx c = {file ? file : "?", "invalid", 0, NULL, 0, 0, 0.0};
    char path[4600], wpath[4600];
    nnv_error err = {0, ""};
    nnv_potential *p = NULL;
    nnv_structure *s = NULL;
    nnv_result *r = NULL;
    int rc;
    size_t fl;

    ck_assert_msg(file && field, "invalid/index.json entry %d lacks file or field", _i);
    snprintf(path, sizeof path, "%s/invalid/%s", g_dir, file);
    fl = strlen(file);
    q_begin(&c, "rejection");
    if (fl > 4 && strcmp(file + fl - 4, ".xyz") == 0) {
        const char *w = json_str(json_get(e, "weights"));
        if (!w) { q_msg(&c, "index entry has no 'weights'"); goto cleanup; }
        snprintf(wpath, sizeof wpath, "%s/invalid/%s", g_dir, w);
        rc = nnv_potential_read(&p, wpath, &err);
        if (rc != NNV_OK || !p) { q_msg(&c, "weights %s not readable: %d %s", wpath, rc, err.message); goto cleanup; }
        rc = nnv_structure_read_xyz(&s, path, 0, &err);
        if (rc != NNV_OK || !s) { q_msg(&c, "xyz not readable: %d %s", rc, err.message); goto cleanup; }
        err.code = 0;
        err.message[0] = '\0';
        rc = nnv_compute(&r, p, s, TU_WANT(NNV_WANT_FORCES | NNV_WANT_HESSIAN), &err);
        if (rc != NNV_EINPUT) q_msg(&c, "nnv_compute returned %d (%s), expected NNV_EINPUT", rc, nnv_strerror(rc));
        else if (!has_token(err.message, "atom") || !has_token(err.message, "S"))
            q_msg(&c, "message does not name the atom and its element (\"atom\", \"S\"): \"%s\"", err.message);
        else fprintf(stderr, "     %s -> \"%s\"\n", file, err.message);
    } else {
        rc = nnv_potential_read(&p, path, &err);
        if (rc != NNV_EINPUT) {
            q_msg(&c, "nnv_potential_read returned %d (%s), expected NNV_EINPUT (%s)", rc, nnv_strerror(rc),
                  err.message);
        } else {
            if (err.code != rc) q_msg(&c, "err.code = %d, status %d", err.code, rc);
            if (!message_names_field(err.message, field))
                q_msg(&c, "message does not name field '%s': \"%s\"", field, err.message);
            if (!strstr(err.message, file))
                q_msg(&c, "message does not name the file '%s': \"%s\"", file, err.message);
            if (c.n_fail == 0) fprintf(stderr, "     %s -> \"%s\"\n", file, err.message);
        }
    }
cleanup:
    q_end(&c);
    nnv_result_free(r);
    nnv_structure_free(s);
    nnv_potential_free(p);
    finish(&c);
}
END_TEST

/* The field matcher decides what the reader tests accept, so test it too. */
START_TEST(test_field_matcher)
{
    ck_assert(message_names_field("x.bin: byte offset 0: field 'magic': wrong", "magic"));
    ck_assert(message_names_field("f: element[0](Z=1).E0: nan", "element[0].E0"));
    ck_assert(!message_names_field("f: element[1](Z=1).E0: nan", "element[0].E0"));
    ck_assert(message_names_field("f: 'element[0](Z=1).sf[3].rc': rc must", "sf.rc"));
    ck_assert(!message_names_field("f: field 'crc32': CRC mismatch", "sf.rc"));
    ck_assert(message_names_field("f: 'energy_network.size[3]': chain", "size[n_layers]"));
    ck_assert(message_names_field("f: size[n_layers] is 2", "size[n_layers]"));
    ck_assert(!message_names_field("f: 'sizes[3]'", "size[n_layers]"));
    ck_assert(message_names_field("f: layer[0].W[0][0]: inf", "W[0][0]"));
    ck_assert(!message_names_field("f: layer[0].W[0][1]: inf", "W[0][0]"));
    ck_assert(message_names_field("f: offset 4197: field 'crc32': short", "crc32 (file too short)"));
    ck_assert(message_names_field("f: End of file expected", "end of file (file too long)"));
    ck_assert(!message_names_field("f: n_layers_total", "n_layers"));
    ck_assert(has_token("atom 4 (S): no block", "S"));
    ck_assert(!has_token("Sulphur atom 4", "S"));
}
END_TEST

/* ---- test: rotation + translation invariance -------------------------------- */

/* Deterministic uniform numbers in [0, 1) (splitmix64), so a failure reproduces. */
static double next_uniform(unsigned long long *state)
{
    unsigned long long z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniformly random rotation from a random unit quaternion (Shoemake 1992). */
static void random_rotation(double R[3][3], unsigned long long *state)
{
    const double twopi = 6.283185307179586;
    double u1 = next_uniform(state), u2 = next_uniform(state), u3 = next_uniform(state);
    double x = sqrt(1 - u1) * sin(twopi * u2), y = sqrt(1 - u1) * cos(twopi * u2);
    double z = sqrt(u1) * sin(twopi * u3), w = sqrt(u1) * cos(twopi * u3);
    R[0][0] = 1 - 2 * (y * y + z * z); R[0][1] = 2 * (x * y - z * w);     R[0][2] = 2 * (x * z + y * w);
    R[1][0] = 2 * (x * y + z * w);     R[1][1] = 1 - 2 * (x * x + z * z); R[1][2] = 2 * (y * z - x * w);
    R[2][0] = 2 * (x * z - y * w);     R[2][1] = 2 * (y * z + x * w);     R[2][2] = 1 - 2 * (x * x + y * y);
}

static void rotate3(double R[3][3], const double *a, double *out)
{
    for (int k = 0; k < 3; k++) out[k] = R[k][0] * a[0] + R[k][1] * a[1] + R[k][2] * a[2];
}

START_TEST(test_rotation_case)
{
    ctx c = {g_smooth[_i], "rotation+translation invariance", 0, NULL, 0, 0, 0.0};
    json_value *exp = load_expected(c.name);
    nnv_potential *p = NULL;
    nnv_structure *s = NULL, *s1 = NULL;
    nnv_result *r0 = NULL, *r1 = NULL;
    nnv_vib *v0 = NULL, *v1 = NULL;
    nnv_error err = {0, ""};
    double R[3][3], t[3], *hr = NULL;
    unsigned long long seed = 0x6E6E766962ull + (unsigned long long)_i;
    unsigned want;
    int n, n3, charges, rc;
    double Q;

    ck_assert_msg(exp != NULL, "%s: expected.json unreadable", c.name);
    charges = case_has_charges(exp);
    Q = json_num(json_get(exp, "total_charge"));
    if (load_case(&c, exp, &p, &s) != 0) goto cleanup;
    n = s->n_atoms;
    n3 = 3 * n;
    want = NNV_WANT_FORCES | NNV_WANT_HESSIAN | (charges ? NNV_WANT_CHARGES : 0u);
    q_begin(&c, "setup");
    random_rotation(R, &seed);
    for (int k = 0; k < 3; k++) t[k] = 6.0 * next_uniform(&seed) - 3.0;
    if ((rc = nnv_structure_copy(&s1, s, &err)) != NNV_OK) { q_msg(&c, "copy: %s", err.message); goto cleanup_q; }
    for (int i = 0; i < n; i++) {
        rotate3(R, s->xyz + 3 * i, s1->xyz + 3 * i);
        for (int k = 0; k < 3; k++) s1->xyz[3 * i + k] += t[k];
    }
    if ((rc = nnv_compute(&r0, p, s, &(nnv_compute_options){want, Q, 0.0}, &err)) != NNV_OK || !r0) {
        q_msg(&c, "nnv_compute (original) = %d: %s", rc, err.message);
        goto cleanup_q;
    }
    if ((rc = nnv_compute(&r1, p, s1, &(nnv_compute_options){want, Q, 0.0}, &err)) != NNV_OK || !r1) {
        q_msg(&c, "nnv_compute (moved) = %d: %s", rc, err.message);
        goto cleanup_q;
    }
    if (!r0->forces || !r1->forces || !r0->hessian || !r1->hessian) {
        q_msg(&c, "forces or Hessian NULL");
        goto cleanup_q;
    }
    q_end(&c);

    q_begin(&c, "energy (moved vs original)");
    q_num(&c, r1->energy, r0->energy, TOL_ROT_ENERGY, 0.0, "%s", "");
    q_end(&c);
    q_begin(&c, "forces (moved vs R * original)");
    for (int i = 0; i < n; i++) {
        double fr[3];
        rotate3(R, r0->forces + 3 * i, fr);
        for (int k = 0; k < 3; k++)
            q_num(&c, r1->forces[3 * i + k], fr[k], TOL_FORCE, 0.0, "[atom %d][%c]", i, XYZ[k]);
    }
    q_end(&c);
    /* H' = R H Rᵀ block by block */
    hr = calloc((size_t)n3 * (size_t)n3, sizeof *hr);
    q_begin(&c, "hessian (moved vs R H R^T)");
    if (!hr) { q_msg(&c, "out of memory"); goto cleanup_q; }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) {
                    double sum = 0.0;
                    for (int k = 0; k < 3; k++)
                        for (int l = 0; l < 3; l++)
                            sum += R[a][k] * r0->hessian[(3 * i + k) * n3 + 3 * j + l] * R[b][l];
                    hr[(3 * i + a) * n3 + 3 * j + b] = sum;
                }
    for (int i = 0; i < n3; i++)
        for (int j = 0; j < n3; j++)
            q_num(&c, r1->hessian[i * n3 + j], hr[i * n3 + j], TOL_HESS_ABS, TOL_HESS_REL, "[%d][%d]", i, j);
    q_end(&c);
    if (charges) {
        double dr[3];
        rotate3(R, r0->dipole, dr);
        q_begin(&c, "dipole (moved vs R * original)");
        for (int k = 0; k < 3; k++) q_num(&c, r1->dipole[k], dr[k], TOL_CHARGE, 0.0, "[%c]", XYZ[k]);
        q_end(&c);
    }

    q_begin(&c, "frequencies (moved vs original, |nu|>50)");
    if ((rc = nnv_vib_analyse(&v0, n, s->xyz, s->masses, r0->hessian, NULL, NNV_LINEAR_AUTO, &err)) != NNV_OK || !v0) {
        q_msg(&c, "nnv_vib_analyse (original) = %d: %s", rc, err.message);
        goto cleanup_q;
    }
    if ((rc = nnv_vib_analyse(&v1, n, s1->xyz, s1->masses, r1->hessian, NULL, NNV_LINEAR_AUTO, &err)) != NNV_OK || !v1) {
        q_msg(&c, "nnv_vib_analyse (moved) = %d: %s", rc, err.message);
        goto cleanup_q;
    }
    q_int(&c, v1->linear != 0, v0->linear != 0, "linear flag");
    if (q_int(&c, v1->n_modes, v0->n_modes, "number of modes") && v0->frequencies && v1->frequencies)
        for (int i = 0; i < v0->n_modes; i++)
            if (fabs(v0->frequencies[i]) > FREQ_CUT)
                q_num(&c, v1->frequencies[i], v0->frequencies[i], TOL_ROT_FREQ, 0.0, "[%d]", i);
cleanup_q:
    q_end(&c);
cleanup:
    free(hr);
    nnv_vib_free(v0);
    nnv_vib_free(v1);
    nnv_result_free(r0);
    nnv_result_free(r1);
    nnv_structure_free(s1);
    nnv_structure_free(s);
    nnv_potential_free(p);
    json_free(exp);
    finish(&c);
}
END_TEST

/* ---- discovery ---------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_list(char **list, int n)
{
    for (int i = 0; i < n; i++) free(list[i]);
    free(list);
}

/* Case folders holding expected.json, sorted by name. */
static int scan_cases(void)
{
    DIR *d = opendir(g_dir);
    struct dirent *de;
    int cap = 0;
    if (!d) return -1;
    while ((de = readdir(d)) != NULL) {
        char path[4600];
        FILE *f;
        if (de->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s/expected.json", g_dir, de->d_name);
        if (!(f = fopen(path, "rb"))) continue;
        fclose(f);
        if (g_n_cases == cap) {
            int nc = cap ? 2 * cap : 32;
            char **nl = realloc(g_cases, (size_t)nc * sizeof *nl);
            if (!nl) break;
            g_cases = nl;
            cap = nc;
        }
        if (!(g_cases[g_n_cases] = strdup(de->d_name))) break;
        g_n_cases++;
    }
    closedir(d);
    if (g_n_cases > 1) qsort(g_cases, (size_t)g_n_cases, sizeof *g_cases, cmp_str);
    return 0;
}

/* Cases whose manifest entry lists only C-infinity activations: relu (1) and
 * celu (7) have kinks where round-off in a rotated frame could cross a branch. */
static void select_smooth(void)
{
    char path[4200], errbuf[512];
    json_value *man;
    snprintf(path, sizeof path, "%s/manifest.json", g_dir);
    man = json_parse_file(path, errbuf, sizeof errbuf);
    if (!man) {
        fprintf(stderr, "WARNING: no usable manifest.json (%s): rotation tests skipped\n", errbuf);
        return;
    }
    g_smooth = calloc((size_t)g_n_cases + 1, sizeof *g_smooth);
    for (size_t i = 0; g_smooth && i < json_len(man); i++) {
        const json_value *e = json_at(man, i), *acts = json_get(e, "activations");
        const char *name = json_str(json_get(e, "case"));
        int smooth = json_is_array(acts) && json_len(acts) > 0, listed = 0;
        for (size_t k = 0; k < json_len(acts); k++) {
            double a = json_num(json_at(acts, k));
            if (!(a == 0 || a == 2 || a == 3 || a == 4 || a == 5 || a == 6)) smooth = 0;
        }
        for (int k = 0; name && k < g_n_cases; k++) listed |= strcmp(g_cases[k], name) == 0;
        if (smooth && listed && g_n_smooth < g_n_cases) g_smooth[g_n_smooth++] = strdup(name);
    }
    json_free(man);
}

int main(void)
{
    Suite *suite;
    SRunner *sr;
    TCase *tc;
    char path[4200], errbuf[512];
    int failed;

    snprintf(g_dir, sizeof g_dir, "%s/conformance", tu_shared_dir());
    if (!tu_is_dir(g_dir)) {
        fprintf(stderr, "SKIP: conformance folder %s is absent (set NNVIB_SHARED): "
                        "NO CONFORMANCE TESTS WERE RUN\n", g_dir);
        return 77;
    }
    if (scan_cases() != 0 || g_n_cases == 0) {
        fprintf(stderr, "FAIL: %s exists but holds no case folder with expected.json\n", g_dir);
        return 1;
    }
    select_smooth();
    suite = suite_create("conformance");
    snprintf(path, sizeof path, "%s/invalid/index.json", g_dir);
    g_invalid = json_parse_file(path, errbuf, sizeof errbuf);
    fprintf(stderr, "conformance: %d cases in %s, %d smooth ones for the rotation test, %zu invalid inputs\n",
            g_n_cases, g_dir, g_n_smooth, json_len(g_invalid));

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
    tc = tcase_create("invalid");
    tcase_add_test(tc, test_field_matcher);
    if (g_invalid) {
        tcase_add_loop_test(tc, test_invalid_entry, 0, (int)json_len(g_invalid));
    } else {
        /* the folder is there, so a missing index is a broken data set */
        fprintf(stderr, "FAIL: %s\n", errbuf);
    }
    suite_add_tcase(suite, tc);
    if (g_n_smooth > 0) {
        tc = tcase_create("rotation");
        tcase_set_timeout(tc, 300);
        tcase_add_loop_test(tc, test_rotation_case, 0, g_n_smooth);
        suite_add_tcase(suite, tc);
    }

    sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    free_list(g_cases, g_n_cases);
    free_list(g_smooth, g_n_smooth);
    json_free(g_invalid);
    return (failed == 0 && g_invalid) ? 0 : 1;
}
