/* nnvib analysis pipeline: from a structure and a potential to the harmonic
 * analysis in one call, the way the nnvib program, `nnvib batch`, `nnvib
 * compare` and the diagnostics run it: copy the structure, optionally relax
 * the copy, evaluate energy, forces and the analytic Hessian (with charges and
 * dipole derivatives when the potential has charge networks), optionally the
 * central-difference Hessian (analysed instead, or compared with the analytic
 * one), the harmonic analysis, and the warnings a reader of the results
 * should see. Units as in core.h. */
#ifndef NNVIB_ANALYSIS_H
#define NNVIB_ANALYSIS_H

#include <nnvib/core.h>
#include <nnvib/model.h>
#include <nnvib/optimize.h>
#include <nnvib/potential.h>
#include <nnvib/reliability.h>
#include <nnvib/structure.h>
#include <nnvib/symmetry.h>
#include <nnvib/vib.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Which Hessian the harmonic analysis uses. */
enum nnv_hessian_kind {
    NNV_HESSIAN_ANALYTIC = 0, /**< the exact analytic Hessian (default) */
    NNV_HESSIAN_FD = 1        /**< central differences of the analytic forces (a cross-check) */
};

/** Central-difference step of nnv_analyse when none is given, Å. */
#define NNV_FD_STEP_DEFAULT 1e-3

/** Above this max |force component| (eV/Å) an unrelaxed structure is "not a
 *  stationary point" (a warning of nnv_analyse). */
#define NNV_STATIONARY_FMAX 1e-3

/** Options of nnv_analyse. A zero-initialised struct (or NULL) means the
 *  defaults: no optimisation, the analytic Hessian, linearity detected, total
 *  charge 0, step 1e-3 Å, the optimiser's and the budget's defaults. */
typedef struct nnv_analysis_options {
    int optimize;          /**< 1: relax the copy with nnv_optimize first (default 0) */
    nnv_opt_options opt;   /**< the optimiser's settings (zeros = its defaults, 500 steps, 1e-5 eV/Å) */
    double total_charge;   /**< e, used with charge networks (default 0) */
    int linear;            /**< enum nnv_linear (default NNV_LINEAR_AUTO) */
    int hessian;           /**< enum nnv_hessian_kind: the Hessian analysed (default analytic) */
    int fd_check;          /**< 1: compute both Hessians and the cross-check figures */
    double fd_step;        /**< central-difference step, Å, >= 0; 0 = NNV_FD_STEP_DEFAULT */
    double max_hessian_mb; /**< Hessian budget of nnv_compute, MiB (0 = its default, 2048) */
    nnv_reliability_thresholds reliability; /**< thresholds of the verdict (zeros = the calibrated defaults) */
    int symmetrize;        /**< 1: symmetrise the copy onto its detected point group first (before
                                optimize, which keeps the symmetry: the potential is invariant) */
    double symmetry_tol;   /**< point-group tolerance, Å (0 = NNV_SYM_TOL_DEFAULT) */
} nnv_analysis_options;

/** Analytic against central-difference Hessian at one step. */
typedef struct nnv_fd_disagreement {
    double step;     /**< Å */
    double max_abs;  /**< max |H_analytic - H_fd|, eV/Å² */
    double max_rel;  /**< max_abs / max |H_analytic| (0 when H is 0) */
    double max_freq; /**< max |nu_analytic - nu_fd| over modes in ascending order, cm⁻¹ */
} nnv_fd_disagreement;

/** The results of nnv_analyse; everything is owned by the struct. */
typedef struct nnv_analysis {
    nnv_structure *s;        /**< the geometry analysed: a copy of the input, relaxed when optimize */
    int optimized;           /**< 1 when the optimiser ran */
    nnv_opt_report opt;      /**< its report (zeros when it did not run) */
    nnv_result *r;           /**< energy, forces, SF values, extrapolations, charges and dipole
                                  derivatives (charge networks), and the analytic Hessian unless only
                                  the finite-difference one was asked for (then r->hessian is NULL) */
    double *hessian_fd;      /**< the central-difference Hessian, 3N x 3N, eV/Å², or NULL */
    const double *hessian;   /**< the Hessian analysed: r->hessian or hessian_fd */
    nnv_vib *v;              /**< the harmonic analysis of `hessian` (IR intensities with charge networks) */
    double max_force;        /**< max |force component| at s, eV/Å */
    int smoothness;          /**< enum nnv_smoothness of the potential */
    int has_fd_check;        /**< 1 when fd_check holds the cross-check figures */
    nnv_fd_disagreement fd_check; /**< analytic against central differences (with o->fd_check) */
    nnv_warnings warnings;   /**< in order: the potential is only C0, the optimisation did not
                                  converge, not a stationary point (without optimisation), the
                                  extrapolation summary */
    int extrapolation_warning; /**< index in warnings of the extrapolation summary, or -1 */
    /* A committee potential (r->n_members = K > 0): nnv_committee_mode_spread
     * of v (every member's Hessian projected on the mean's modes). */
    double *member_frequencies; /**< K x v->n_modes, cm⁻¹, or NULL for a single potential */
    double *frequency_std;      /**< v->n_modes, sigma_nu,k in cm⁻¹ (spread_scale x sample std), or NULL */
    nnv_reliability reliability; /**< the verdict on these results and its reasons (reliability.h) */
    nnv_point_group *point_group;  /**< the point group of s (symmetry.h) */
    nnv_mode_symmetry *mode_symmetry; /**< the species of v's modes in point_group */
    int symmetrized;         /**< 1 when the input copy was symmetrised (options.symmetrize) */
    double symmetrize_shift; /**< largest displacement of an atom by the symmetrisation, Å */
} nnv_analysis;

/** The analysis pipeline: copy s; relax the copy on p when o->optimize (not
 *  converging is not an error: see opt.converged and the warning); evaluate
 *  energy, forces and the analytic Hessian, with charges and dipole
 *  derivatives when p has charge networks; the central-difference Hessian
 *  when o->hessian is NNV_HESSIAN_FD or o->fd_check; run nnv_vib_analyse on
 *  the Hessian chosen by o->hessian; with o->fd_check also analyse the other
 *  one and fill fd_check (nnv_hessian_fd_disagreement's figures); for a
 *  committee the mean's analysis and its per-mode spread (frequency_std);
 *  last the reliability verdict (committee spread, novelty, ranges,
 *  smoothness, optimisation, stationarity, imaginary modes). With
 *  o->symmetrize the copy is first symmetrised onto its point group; after
 *  the harmonic analysis the point group of the geometry analysed and the
 *  species of the modes (a warning when some are unclear).
 *  @param[out] out  the results, free with nnv_analysis_free
 *  @param p, s      potential and structure (s is not changed)
 *  @param o         options; NULL = defaults
 *  @return NNV_OK;
 *          NNV_EUSAGE for a NULL argument or an option out of range (hessian
 *          kind, a negative or non-finite fd_step, a non-finite threshold, or what nnv_optimize,
 *          nnv_compute or nnv_vib_analyse refuse);
 *          NNV_EINPUT for an element the potential lacks or a bad structure;
 *          NNV_ENUMERIC for a non-finite result or a failed diagonalisation;
 *          NNV_ENOMEM when out of memory or over the Hessian budget. */
int nnv_analyse(nnv_analysis **out, const nnv_potential *p, const nnv_structure *s,
                const nnv_analysis_options *o, nnv_error *err);

/** Release a and everything it owns; NULL is accepted. */
void nnv_analysis_free(nnv_analysis *a);

#ifdef __cplusplus
}
#endif
#endif
