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

#ifdef __cplusplus
}
#endif
#endif
