/* nnvib vibrational analysis: mass weighting, Eckart projection of translations
 * and rotations, LAPACK diagonalisation, normal modes, reduced masses, force
 * constants, IR intensities; and geometry optimisation on the potential. */
#ifndef NNVIB_VIB_H
#define NNVIB_VIB_H

#include <nnvib/core.h>
#include <nnvib/potential.h>
#include <nnvib/structure.h>

#ifdef __cplusplus
extern "C" {
#endif

/** cm⁻¹ per sqrt(eV/(Å²·u)) (CODATA 2018). */
#define NNV_CM1_FACTOR 521.4708983725066
/** mdyn/Å per eV/Å². */
#define NNV_MDYN_A_PER_EV_A2 0.1602176634
/** km/mol per (e/u^½)². */
#define NNV_KM_MOL_FACTOR 974.8801118349581

/** Linear-molecule detection. */
enum nnv_linear { NNV_LINEAR_AUTO = -1, NNV_LINEAR_NO = 0, NNV_LINEAR_YES = 1 };

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
 *  masses (u). dipole_deriv (3 x 3N, e) may be NULL. linear is enum nnv_linear. */
int nnv_vib_analyse(nnv_vib **out, int n_atoms, const double *xyz, const double *masses,
                    const double *hessian, const double *dipole_deriv, int linear,
                    nnv_error *err);

void nnv_vib_free(nnv_vib *v);

/** Options for nnv_optimize (zero-initialised struct = defaults). */
typedef struct nnv_opt_options {
    int max_steps;      /**< default 500 */
    double fmax;        /**< convergence on max |force component|, eV/Å; default 1e-5 */
    double max_step;    /**< largest displacement of one atom per step, Å; default 0.2 */
} nnv_opt_options;

typedef struct nnv_opt_report {
    int steps;
    int converged;      /**< 1 when max force <= fmax */
    double energy;      /**< final energy, eV */
    double max_force;   /**< final max |force component|, eV/Å */
} nnv_opt_report;

/** Relax s->xyz in place (L-BFGS with a backtracking line search). Returns
 *  NNV_OK with report->converged = 0 when the step limit is reached: the caller
 *  reports it. */
int nnv_optimize(nnv_structure *s, const nnv_potential *p, const nnv_opt_options *opt,
                 nnv_opt_report *report, nnv_error *err);

#ifdef __cplusplus
}
#endif
#endif
