/* Harmonic vibrational analysis: mass-weight the Hessian, remove the rigid-body
 * (Eckart) space exactly by diagonalising in its orthogonal complement, and turn
 * the eigenpairs into frequencies, normal modes, reduced masses, force constants
 * and IR intensities (spec section 4; Wilson, Decius & Cross, "Molecular
 * Vibrations", ch. 2; Miller, Handy & Adams, J. Chem. Phys. 72, 99 (1980) for the
 * projection). */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_internal.h"

/* Spec: linear when the smallest principal moment is below this times the largest. */
#define VIB_LINEAR_RATIO 1e-8
/* A rotation about an axis with a moment this small (relative) has no usable
 * direction: forcing "non-linear" on such a geometry is refused. */
#define VIB_RANK_RATIO 1e-12
/* Mode components whose sizes agree to this (relative) are ties for the sign rule. */
#define VIB_TIE_RATIO 1e-9

void nnv_vib_free(nnv_vib *v)
{
    if (!v) return;
    FREE_ALL(v->eigenvalues, v->frequencies, v->reduced_masses, v->force_constants, v->modes, v->ir_intensities,
             v->dipole_deriv_normal, v);
}

static int vib_check_inputs(int n_atoms, const double *xyz, const double *masses,
                            const double *hessian, const double *dipole_deriv, int linear,
                            nnv_error *err)
{
    if (n_atoms < 1)
        return nnv_error_set(err, NNV_EUSAGE, "vib: n_atoms = %d, must be >= 1", n_atoms);
    if (!xyz || !masses || !hessian)
        return nnv_error_set(err, NNV_EUSAGE, "vib: positions, masses and Hessian must not be NULL");
    if (linear != NNV_LINEAR_AUTO && linear != NNV_LINEAR_NO && linear != NNV_LINEAR_YES)
        return nnv_error_set(err, NNV_EUSAGE,
                             "vib: linear = %d, must be NNV_LINEAR_AUTO (0), NNV_LINEAR_NO (1) or NNV_LINEAR_YES (2)",
                             linear);
    size_t n = 3 * (size_t)n_atoms;
    for (int i = 0; i < n_atoms; i++) {
        if (!isfinite(masses[i]) || masses[i] <= 0.0)
            return nnv_error_set(err, NNV_EINPUT, "vib: mass of atom %d is %g u, must be finite and > 0",
                                 i + 1, masses[i]);
        for (int c = 0; c < 3; c++)
            if (!isfinite(xyz[3 * i + c]))
                return nnv_error_set(err, NNV_EINPUT, "vib: position of atom %d, component %c is not finite",
                                     i + 1, "xyz"[c]);
    }
    for (size_t a = 0; a < n; a++)
        for (size_t b = 0; b < n; b++)
            if (!isfinite(hessian[a * n + b]))
                return nnv_error_set(err, NNV_EINPUT,
                                     "vib: Hessian element at row %zu, column %zu (1-based) is not finite",
                                     a + 1, b + 1);
    if (dipole_deriv)
        for (size_t a = 0; a < 3; a++)
            for (size_t b = 0; b < n; b++)
                if (!isfinite(dipole_deriv[a * n + b]))
                    return nnv_error_set(err, NNV_EINPUT,
                                         "vib: dipole derivative at row %zu, column %zu (1-based) is not finite",
                                         a + 1, b + 1);
    return NNV_OK;
}

/* Inertia tensor about the centre of mass, its principal moments (ascending)
 * and axes (column k of axes, stored axes[3*c + k], belongs to moment k). */
static int vib_inertia(int n_atoms, const double *xyz, const double *masses, double com[3],
                       double moments[3], double axes[9], nnv_error *err)
{
    double mtot = 0.0;
    com[0] = com[1] = com[2] = 0.0;
    for (int i = 0; i < n_atoms; i++) {
        mtot += masses[i];
        for (int c = 0; c < 3; c++) com[c] += masses[i] * xyz[3 * i + c];
    }
    for (int c = 0; c < 3; c++) com[c] /= mtot;
    double tens[9] = {0};
    for (int i = 0; i < n_atoms; i++) {
        double r[3] = {xyz[3 * i] - com[0], xyz[3 * i + 1] - com[1], xyz[3 * i + 2] - com[2]};
        double r2 = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++)
                tens[3 * a + b] += masses[i] * ((a == b ? r2 : 0.0) - r[a] * r[b]);
    }
    lapack_int info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', 3, tens, 3, moments);
    if (info != 0)
        return nnv_error_set(err, NNV_ENUMERIC, "vib: LAPACKE_dsyev on the inertia tensor failed (info %d)",
                             (int)info);
    memcpy(axes, tens, sizeof tens);
    for (int k = 0; k < 3; k++)
        if (moments[k] < 0.0) moments[k] = 0.0; /* round-off below an exact zero */
    return NNV_OK;
}

/* Columns of R (column-major, n x n_rigid): mass-weighted translations and
 * rotations about the principal axes through the centre of mass, each of unit
 * norm. About principal axes these are mutually orthogonal analytically; the QR
 * that follows only needs them independent. Rotation k is skipped when skip[k]. */
static int vib_rigid_vectors(double *R, int n_atoms, const double *xyz, const double *masses,
                             const double com[3], const double axes[9], const int skip[3])
{
    size_t n = 3 * (size_t)n_atoms;
    int col = 0;
    for (int a = 0; a < 3; a++, col++) {
        double *v = R + (size_t)col * n;
        memset(v, 0, n * sizeof *v);
        for (int i = 0; i < n_atoms; i++) v[3 * i + a] = sqrt(masses[i]);
    }
    for (int k = 0; k < 3; k++) {
        if (skip[k]) continue;
        double p[3] = {axes[k], axes[3 + k], axes[6 + k]};
        double *v = R + (size_t)col * n;
        for (int i = 0; i < n_atoms; i++) {
            double r[3] = {xyz[3 * i] - com[0], xyz[3 * i + 1] - com[1], xyz[3 * i + 2] - com[2]};
            double sm = sqrt(masses[i]);
            v[3 * i + 0] = sm * (p[1] * r[2] - p[2] * r[1]);
            v[3 * i + 1] = sm * (p[2] * r[0] - p[0] * r[2]);
            v[3 * i + 2] = sm * (p[0] * r[1] - p[1] * r[0]);
        }
        col++;
    }
    for (int c = 0; c < col; c++) {
        double *v = R + (size_t)c * n;
        double s = 0.0;
        for (size_t j = 0; j < n; j++) s += v[j] * v[j];
        s = sqrt(s);
        for (size_t j = 0; j < n; j++) v[j] /= s;
    }
    return col;
}

int nnv_vib_analyse(nnv_vib **out, int n_atoms, const double *xyz, const double *masses,
                    const double *hessian, const double *dipole_deriv, int linear,
                    nnv_error *err)
{
    int rc = NNV_OK;
    nnv_vib *v = NULL;
    double *Hm = NULL, *Q = NULL, *tau = NULL, *T = NULL, *K = NULL, *L = NULL, *isqm = NULL;
    if (!out) return nnv_error_set(err, NNV_EUSAGE, "vib: out must not be NULL");
    *out = NULL;
    rc = vib_check_inputs(n_atoms, xyz, masses, hessian, dipole_deriv, linear, err);
    if (rc) goto cleanup;

    size_t n = 3 * (size_t)n_atoms;
    v = calloc(1, sizeof *v);
    if (!v) { rc = nnv_error_set(err, NNV_ENOMEM, "vib: out of memory"); goto cleanup; }
    v->n_atoms = n_atoms;

    double com[3], axes[9];
    rc = vib_inertia(n_atoms, xyz, masses, com, v->principal_moments, axes, err);
    if (rc) goto cleanup;
    const double *pm = v->principal_moments;

    int skip[3] = {0, 0, 0};
    if (n_atoms == 1) {
        v->linear = 0;
        v->n_rigid = 3;
        skip[0] = skip[1] = skip[2] = 1;
    } else {
        if (!(pm[2] > 0.0)) {
            rc = nnv_error_set(err, NNV_EINPUT, "vib: all %d atoms are at the same position", n_atoms);
            goto cleanup;
        }
        int geom_linear = pm[0] < VIB_LINEAR_RATIO * pm[2];
        v->linear = linear == NNV_LINEAR_AUTO ? geom_linear : linear == NNV_LINEAR_YES;
        if (!v->linear && pm[0] <= VIB_RANK_RATIO * pm[2]) {
            rc = nnv_error_set(err, NNV_EINPUT,
                               "vib: treated as non-linear, but the geometry is linear (principal moments "
                               "%.6g, %.6g, %.6g u A^2): only 5 rigid-body modes exist",
                               pm[0], pm[1], pm[2]);
            goto cleanup;
        }
        /* Linear: the rotation about the axis of the smallest moment is dropped. */
        skip[0] = v->linear;
        v->n_rigid = v->linear ? 5 : 6;
    }
    if ((size_t)v->n_rigid > n) {
        /* Cannot happen for N >= 2 (3N >= 6 > 5 for a diatomic); kept as a guard. */
        rc = nnv_error_set(err, NNV_EINPUT, "vib: %d atoms cannot have %d rigid-body modes", n_atoms, v->n_rigid);
        goto cleanup;
    }
    size_t nr = (size_t)v->n_rigid, nv = n - nr;
    v->n_modes = (int)nv;

    v->eigenvalues = calloc(nv + 1, sizeof *v->eigenvalues);
    v->frequencies = calloc(nv + 1, sizeof *v->frequencies);
    v->reduced_masses = calloc(nv + 1, sizeof *v->reduced_masses);
    v->force_constants = calloc(nv + 1, sizeof *v->force_constants);
    v->modes = calloc(nv * n + 1, sizeof *v->modes);
    if (dipole_deriv) {
        v->ir_intensities = calloc(nv + 1, sizeof *v->ir_intensities);
        v->dipole_deriv_normal = calloc(3 * nv + 1, sizeof *v->dipole_deriv_normal);
    }
    if (!v->eigenvalues || !v->frequencies || !v->reduced_masses || !v->force_constants || !v->modes ||
        (dipole_deriv && (!v->ir_intensities || !v->dipole_deriv_normal))) {
        rc = nnv_error_set(err, NNV_ENOMEM, "vib: out of memory for %zu modes", nv);
        goto cleanup;
    }
    if (nv == 0) goto done;

    Hm = malloc(n * n * sizeof *Hm);
    Q = calloc(n * n, sizeof *Q); /* dorgqr NaN-checks all n x n entries, not only the nr filled columns */
    tau = malloc(n * sizeof *tau);
    T = malloc(n * nv * sizeof *T);
    K = malloc(nv * nv * sizeof *K);
    L = malloc(n * nv * sizeof *L);
    isqm = malloc(n * sizeof *isqm);
    if (!Hm || !Q || !tau || !T || !K || !L || !isqm) {
        rc = nnv_error_set(err, NNV_ENOMEM, "vib: out of memory for a %zu x %zu Hessian", n, n);
        goto cleanup;
    }
    for (size_t j = 0; j < n; j++) isqm[j] = 1.0 / sqrt(masses[j / 3]);
    /* Symmetrised, mass-weighted Hessian (symmetric, so row- or column-major alike). */
    for (size_t a = 0; a < n; a++)
        for (size_t b = 0; b < n; b++)
            Hm[a * n + b] = 0.5 * (hessian[a * n + b] + hessian[b * n + a]) * isqm[a] * isqm[b];

    /* Orthonormal basis of the complement of the rigid-body space: the last
     * n - nr columns of the full Q of a Householder QR of the rigid vectors. */
    vib_rigid_vectors(Q, n_atoms, xyz, masses, com, axes, skip);
    lapack_int info = LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (lapack_int)n, (lapack_int)nr, Q, (lapack_int)n, tau);
    if (info == 0)
        info = LAPACKE_dorgqr(LAPACK_COL_MAJOR, (lapack_int)n, (lapack_int)n, (lapack_int)nr, Q,
                              (lapack_int)n, tau);
    if (info != 0) {
        rc = nnv_error_set(err, NNV_ENUMERIC, "vib: QR of the rigid-body vectors failed (LAPACK info %d)",
                           (int)info);
        goto cleanup;
    }
    const double *D = Q + nr * n; /* n x nv, column-major */

    /* K = D^T Hm D, the Hessian restricted to the vibrational space. */
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)nv, (int)n, 1.0, Hm, (int)n, D,
                (int)n, 0.0, T, (int)n);
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)nv, (int)nv, (int)n, 1.0, D, (int)n, T,
                (int)n, 0.0, K, (int)nv);
    for (size_t a = 0; a < nv; a++)
        for (size_t b = a + 1; b < nv; b++) {
            double s = 0.5 * (K[a * nv + b] + K[b * nv + a]);
            K[a * nv + b] = K[b * nv + a] = s;
        }
    info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'U', (lapack_int)nv, K, (lapack_int)nv, v->eigenvalues);
    if (info != 0) {
        rc = nnv_error_set(err, NNV_ENUMERIC, "vib: LAPACKE_dsyevd on the %zu x %zu projected Hessian failed "
                           "(info %d)", nv, nv, (int)info);
        goto cleanup;
    }
    /* Mass-weighted unit eigenvectors L_k = D y_k (column k of L). */
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)nv, (int)nv, 1.0, D, (int)n, K,
                (int)nv, 0.0, L, (int)n);

    for (size_t k = 0; k < nv; k++) {
        double lam = v->eigenvalues[k];
        double *Lk = L + k * n;
        double *mode = v->modes + k * n;
        double norm2 = 0.0, big = -1.0;
        size_t ibig = 0;
        for (size_t j = 0; j < n; j++) {
            mode[j] = Lk[j] * isqm[j];
            norm2 += mode[j] * mode[j];
            if (fabs(mode[j]) > big) { big = fabs(mode[j]); ibig = j; }
        }
        /* Symmetry makes components tie in size exactly, and round-off then
         * picks the winner at random: treat sizes within VIB_TIE_RATIO as tied
         * and take the first, so the sign is reproducible. */
        for (size_t j = 0; j < ibig; j++)
            if (fabs(mode[j]) >= big * (1.0 - VIB_TIE_RATIO)) { ibig = j; break; }
        /* The sign convention is applied to L as well, so dmu/dQ matches the stored mode. */
        double sgn = mode[ibig] < 0.0 ? -1.0 : 1.0;
        double inv = sgn / sqrt(norm2);
        double mu = 1.0 / norm2;
        v->frequencies[k] = (lam < 0.0 ? -1.0 : 1.0) * sqrt(fabs(lam)) * NNV_CM1_FACTOR;
        v->reduced_masses[k] = mu;
        v->force_constants[k] = lam * mu * NNV_MDYN_A_PER_EV_A2;
        if (dipole_deriv) {
            double d2 = 0.0;
            for (size_t a = 0; a < 3; a++) {
                double s = 0.0;
                for (size_t b = 0; b < n; b++) s += dipole_deriv[a * n + b] * mode[b];
                s *= sgn;
                v->dipole_deriv_normal[3 * (size_t)k + a] = s;
                d2 += s * s;
            }
            v->ir_intensities[k] = NNV_KM_MOL_FACTOR * d2;
        }
        for (size_t j = 0; j < n; j++) mode[j] *= inv;
        if (!isfinite(v->frequencies[k]) || !isfinite(mu)) {
            rc = nnv_error_set(err, NNV_ENUMERIC, "vib: mode %zu has a non-finite frequency or reduced mass",
                               k + 1);
            goto cleanup;
        }
    }

done:
    *out = v;
    v = NULL;
cleanup:
    nnv_vib_free(v);
    FREE_ALL(Hm, Q, tau, T, K, L, isqm);
    return rc;
}
