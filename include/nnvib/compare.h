/* nnvib comparison of computed harmonic frequencies with a reference: the
 * optimal one-to-one assignment of computed modes to reference bands
 * (Hungarian algorithm on |Δν|, degeneracies respected), the error metrics,
 * and the whole per-potential pipeline (nnv_analyse, then the assignment)
 * that `nnvib compare` runs and that a study over many molecules and
 * potentials can call as it is. */
#ifndef NNVIB_COMPARE_H
#define NNVIB_COMPARE_H

#include <nnvib/analysis.h>
#include <nnvib/core.h>
#include <nnvib/model.h>
#include <nnvib/potential.h>
#include <nnvib/reference.h>
#include <nnvib/structure.h>
#include <nnvib/symmetry.h>
#include <nnvib/vib.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Error figures of computed against reference frequencies (cm⁻¹). */
typedef struct nnv_metrics {
    int n_pairs;          /**< reference bands with at least one assigned computed mode */
    double mae;           /**< mean |ν_calc − ν_ref| over the pairs, cm⁻¹ (NaN when n_pairs = 0) */
    double rmse;          /**< root mean square of ν_calc − ν_ref, cm⁻¹ */
    double max_abs;       /**< largest |ν_calc − ν_ref|, cm⁻¹ */
    double mean_signed;   /**< mean of ν_calc − ν_ref, cm⁻¹ */
    double scale;         /**< least-squares factor c = Σ ν_calc ν_ref / Σ ν_calc² */
    double mae_scaled;    /**< the same figures for c·ν_calc against ν_ref */
    double rmse_scaled;
    double max_abs_scaled;
    int n_imaginary;      /**< computed modes with ν < 0 (never assigned) */
    int n_unassigned_calc; /**< real computed modes left without a band */
    int n_unassigned_ref;  /**< reference bands left without any computed mode */
} nnv_metrics;

/** Fill m from n paired frequencies (cm⁻¹): calc[i] is compared with ref[i].
 *  Only the pair figures are set (the three counts are set to 0). With n = 0
 *  every figure is NaN. NNV_EUSAGE for n < 0, NULL arrays with n > 0 or a
 *  non-finite frequency. */
int nnv_compare_frequencies(nnv_metrics *m, int n, const double *calc, const double *ref, nnv_error *err);

/** Computed modes assigned to the bands of one reference. */
typedef struct nnv_assignment {
    int n_calc;
    int *calc_band;     /**< n_calc: band (index into the reference's bands) of each computed mode, -1 none */
    int n_bands;
    int *band_n_calc;   /**< n_bands: computed modes the band received (0 .. its degeneracy) */
    double *band_calc;  /**< n_bands: mean frequency of those modes, cm⁻¹, NaN when none */
    double total_cost;  /**< Σ |ν_calc − ν_ref| over assigned modes, cm⁻¹ (the minimised quantity) */
    nnv_metrics metrics; /**< over the bands, each band counted once with its mean frequency */
    int species_restricted; /**< 1: only modes and bands of equal species were paired (nnv_assign_modes_species) */
    int n_species_changed;  /**< with species_restricted: bands whose modes differ from the frequency-only assignment */
} nnv_assignment;

/** Assign n_calc computed frequencies (cm⁻¹, negative = imaginary) to the
 *  bands of ref. A band of degeneracy g is g slots, each taking one computed
 *  mode; the cost of mode i in a slot of band b is |ν_i − ν_b|, and the
 *  assignment minimising the total is found by the Hungarian algorithm. Ties in
 *  the total (common: all modes on one side of their bands) are broken
 *  towards the smaller Σ Δν² by adding 1e-7·Δν² to each cost, so the result
 *  does not flip with rounding; total_cost is still Σ|Δν|. Imaginary
 *  modes and bands with ν ≤ 0 take no part. Symmetry labels are not used here:
 *  nnv_assign_modes_species restricts the pairs to equal species.
 *  Metrics: each band with at least one mode is one pair (the mean of its
 *  modes against ν_b).
 *  @param[out] out  free with nnv_assignment_free
 *  @return NNV_OK, NNV_EUSAGE (NULL out or ref, a negative count or NULL
 *          frequencies), NNV_EINPUT (a non-finite frequency), NNV_ENOMEM. */
int nnv_assign_modes(nnv_assignment **out, int n_calc, const double *freq_calc, const nnv_reference *ref,
                     nnv_error *err);

/** A reference's species label or point group in nnvib's ASCII spelling
 *  (symmetry.h): "a1" -> "A1", "e''" -> "E''", "f2" -> "T2", "Σg+" -> "Sigmag+",
 *  "Πu" -> "Piu", "D∞h" -> "Dinfh"; stops at a blank; "" for NULL. */
void nnv_species_ascii(char *out, size_t len, const char *label);

/** nnv_assign_modes restricted to equal species: computed mode i may take a
 *  slot of band b only when species->labels[i] is the band's symmetry (in ASCII,
 *  nnv_species_ascii); a mode labelled "?" may take any band. Used only when
 *  the reference's point group is point_group and every band carries a
 *  species of its table; otherwise the result is nnv_assign_modes's
 *  (species_restricted = 0). B labels that depend on the choice of axes
 *  (C2v B1/B2 with the molecule in xz or yz; D2/D2h B1/B2/B3; the C2'/C2''
 *  choice of C4v, C6v, D4h, D6h) are tried in every convention and the one
 *  that pairs most modes, then at least total cost, is kept: sources differ
 *  (Shimanouchi puts planar C2v molecules in xz, Mulliken in yz). A pair of
 *  different species is never made, so a band may stay empty when the counts
 *  differ. n_species_changed counts the bands whose modes differ from
 *  nnv_assign_modes's.
 *  @param species the labels of the n_calc modes (species->n_modes = n_calc), or NULL (then unrestricted)
 *  @param point_group  the computed modes' group (ASCII Schoenflies), or NULL
 *  @return as nnv_assign_modes. */
int nnv_assign_modes_species(nnv_assignment **out, int n_calc, const double *freq_calc,
                             const nnv_mode_symmetry *species, const char *point_group,
                             const nnv_reference *ref, nnv_error *err);

/** Free an assignment (NULL is fine). */
void nnv_assignment_free(nnv_assignment *a);

/** One potential's run on one molecule and its comparisons. The first seven
 *  fields are taken over from nnv_analyse's results. */
typedef struct nnv_comparison {
    nnv_structure *s;        /**< geometry analysed (after the optimisation) */
    int optimized;           /**< 1 when the optimiser ran */
    nnv_opt_report opt;      /**< its report (zeros when it did not run) */
    nnv_result *r;           /**< energy, forces, Hessian (and dipole derivatives with charge networks) */
    nnv_vib *v;              /**< harmonic analysis (IR intensities with charge networks) */
    double max_force;        /**< max |force component| at s, eV/Å */
    nnv_reliability reliability; /**< the analysis's verdict (reliability.h) */
    nnv_assignment *vs_ref;      /**< against the reference, NULL when none was given */
    nnv_assignment *vs_teacher;  /**< against the second reference (e.g. the teacher), NULL when none */
    nnv_point_group *point_group;     /**< the point group of s */
    nnv_mode_symmetry *mode_symmetry; /**< the species of v's modes */
} nnv_comparison;

/** The per-potential pipeline: nnv_analyse (copy s, relax the copy on p when
 *  o->optimize, where non-convergence is NOT an error: see out->opt.converged;
 *  the Hessian and dipole derivatives when p has charge networks; the
 *  harmonic analysis, point group and species), then assign the frequencies
 *  to ref and to teacher (either may be NULL) with nnv_assign_modes_species
 *  (equal species when the reference carries them, else by frequency).
 *  @param[out] out  the results, free with nnv_comparison_free
 *  @param o         nnv_analyse's options; NULL or zeros = its defaults, which
 *                   do NOT optimise: a comparison at the minimum sets o->optimize
 *  @return NNV_OK, NNV_EUSAGE (NULL out, s or p), or the failing step's status
 *          (nnv_analyse, nnv_assign_modes). */
int nnv_compare_potential(nnv_comparison **out, const nnv_structure *s, const nnv_potential *p,
                          const nnv_reference *ref, const nnv_reference *teacher,
                          const nnv_analysis_options *o, nnv_error *err);

/** Release c and everything it owns; NULL is accepted. */
void nnv_comparison_free(nnv_comparison *c);

#ifdef __cplusplus
}
#endif
#endif
