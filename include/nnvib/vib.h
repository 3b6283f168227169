/* nnvib vibrational analysis: mass weighting, Eckart projection of translations
 * and rotations, LAPACK diagonalisation, normal modes, reduced masses, force
 * constants, IR intensities. */
#ifndef NNVIB_VIB_H
#define NNVIB_VIB_H

#include <nnvib/core.h>
#include <nnvib/potential.h>
#include <nnvib/structure.h>
#include <nnvib/units.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Linear-molecule treatment: detected (the default of a zero-initialised
 *  option), or forced either way. */
enum nnv_linear { NNV_LINEAR_AUTO = 0, NNV_LINEAR_NO = 1, NNV_LINEAR_YES = 2 };

typedef struct nnv_vib {
    int n_atoms;
    int linear;            /**< 1 if treated as linear */
    int n_rigid;           /**< 3 (atom), 5 (linear) or 6 */
    int n_modes;           /**< 3N - n_rigid (0 for one atom) */
    double principal_moments[3]; /**< u Å², ascending */
    double *eigenvalues;   /**< n_modes, eV/(Å²·u), ascending */
    double *frequencies;   /**< n_modes, cm⁻¹, negative = imaginary */
    double *reduced_masses;   /**< n_modes, u */
    double *force_constants;  /**< n_modes, mdyn/Å, signed */
    double *modes;         /**< n_modes x 3N, normalised Cartesian displacements,
                                largest-magnitude component positive */
    double *ir_intensities;   /**< n_modes, km/mol, or NULL without dipole derivatives */
    double *dipole_deriv_normal; /**< n_modes x 3, e/u^½, or NULL */
} nnv_vib;

/** Harmonic analysis of a Hessian (eV/Å², 3N x 3N) at positions xyz (Å) with
 *  masses (u). dipole_deriv (3 x 3N, e) may be NULL. linear is enum nnv_linear.
 *  @param[out] out  the analysis, free with nnv_vib_free
 *  @return NNV_OK; NNV_EUSAGE (n_atoms < 1, NULL arrays, an unknown linear
 *          code); NNV_EINPUT (a mass not finite and > 0, a non-finite position,
 *          Hessian element or dipole derivative, all atoms at one point, or
 *          "non-linear" forced on a linear geometry); NNV_ENUMERIC (LAPACK
 *          failed); NNV_ENOMEM. */
int nnv_vib_analyse(nnv_vib **out, int n_atoms, const double *xyz, const double *masses,
                    const double *hessian, const double *dipole_deriv, int linear,
                    nnv_error *err);

/** Free an analysis (NULL is fine). */
void nnv_vib_free(nnv_vib *v);

/** The frequencies of v's modes under another Hessian (eV/Å², 3N x 3N) at the
 *  same geometry: nu_k from the Rayleigh quotient lambda_k = L_k^T M^-1/2 H
 *  M^-1/2 L_k (L_k the unit mass-weighted eigenvector of mode k), signed like
 *  v->frequencies. To first order in H - (v's Hessian) this is the frequency
 *  of mode k under H, without matching modes; for H = v's Hessian it is
 *  v->frequencies exactly up to rounding.
 *  @param[out] freq  v->n_modes values, cm⁻¹, caller-allocated
 *  @return NNV_OK, NNV_EUSAGE (NULL argument), NNV_ENUMERIC, NNV_ENOMEM. */
int nnv_vib_project(double *freq, const nnv_vib *v, const double *masses, const double *hessian, nnv_error *err);

/** Per-mode frequency spread of a committee potential p (n_members = K >= 2)
 *  at structure s, whose mean Hessian's analysis is v: each member's analytic
 *  Hessian (computed one at a time) projected on v's modes (nnv_vib_project),
 *  and sigma_nu,k = p->spread_scale x the sample standard deviation over the K
 *  members (divided by K - 1). Projection rather than diagonalising each
 *  member: it is each member's frequency of the mean's mode k to first order
 *  (perturbation theory), and mode matching is ill-defined for near-degenerate
 *  modes. Within a degenerate group of the mean the modes are one basis of the
 *  group (LAPACK's), and each member is projected on that basis as it is: the
 *  individual spreads of such a group depend on that choice (only the sum of
 *  its projected eigenvalues, a trace, does not), so read them together.
 *  @param[out] member_freq  K x n_modes, member m's mode k at [m n_modes + k],
 *                           cm⁻¹, malloc'd (free())
 *  @param[out] freq_std     n_modes, cm⁻¹, malloc'd (free())
 *  @param max_hessian_mb    Hessian budget of nnv_compute (0: its default)
 *  @return NNV_OK, NNV_EUSAGE (NULL argument, p not a committee, v of another
 *          structure), or the status of nnv_compute / nnv_vib_project. */
int nnv_committee_mode_spread(double **member_freq, double **freq_std, const nnv_potential *p,
                              const nnv_structure *s, const nnv_vib *v, double max_hessian_mb, nnv_error *err);

#ifdef __cplusplus
}
#endif
#endif
