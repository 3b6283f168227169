/* nnvib reliability verdict: one word (ok, uncertain, unreliable) and its
 * reasons for every harmonic analysis, from what the potential can say about
 * itself (committee spread, novelty of the atoms' environments, symmetry
 * functions outside their training range, smoothness) and what the analysis
 * found (optimisation, stationarity, imaginary modes). docs/reliability.md
 * explains the choice of inputs and the calibration of the thresholds. */
#ifndef NNVIB_RELIABILITY_H
#define NNVIB_RELIABILITY_H

#include <nnvib/core.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The verdict, ordered: a worse verdict has a larger value. */
enum nnv_verdict {
    NNV_VERDICT_OK = 0,         /**< nothing the program knows of argues against the numbers */
    NNV_VERDICT_UNCERTAIN = 1,  /**< usable with care: one input is outside the calibrated "ok" region */
    NNV_VERDICT_UNRELIABLE = 2  /**< the program cannot stand behind the numbers */
};

/** Thresholds of the verdict. A zero (or negative) field takes its default,
 *  so a zero-initialised struct is the calibrated set (docs/reliability.md). */
typedef struct nnv_reliability_thresholds {
    double novelty_uncertain;    /**< max over atoms of d²/q99(element) above which: uncertain */
    double novelty_unreliable;   /**< ... above which: unreliable */
    double freq_std_uncertain;   /**< committee: mean per-mode sigma_nu, cm⁻¹, above which: uncertain */
    double freq_std_unreliable;  /**< ... above which: unreliable */
    double force_std_uncertain;  /**< committee: max per-atom sigma_F, eV/Å, above which: uncertain */
    double force_std_unreliable; /**< ... above which: unreliable */
    double stationary_fmax;      /**< without optimisation: max |F component|, eV/Å, above which: uncertain */
    double imaginary_cm1;        /**< |imaginary frequency|, cm⁻¹, above which a mode counts (at a stationary point) */
} nnv_reliability_thresholds;

/** The calibrated defaults (docs/reliability.md). */
#define NNV_REL_NOVELTY_UNCERTAIN 1.0
#define NNV_REL_NOVELTY_UNRELIABLE 4.0
#define NNV_REL_FREQ_STD_UNCERTAIN 10.0
#define NNV_REL_FREQ_STD_UNRELIABLE 80.0
#define NNV_REL_FORCE_STD_UNCERTAIN 0.5
#define NNV_REL_FORCE_STD_UNRELIABLE 2.0
#define NNV_REL_STATIONARY_FMAX 1e-2
#define NNV_REL_IMAGINARY_CM1 20.0

/** Reasons (bits of nnv_reliability.reasons). */
enum nnv_reason {
    NNV_REASON_C0 = 1u << 0,              /**< ReLU layers: the Hessian is not meaningful */
    NNV_REASON_NOT_CONVERGED = 1u << 1,   /**< --opt did not converge (or stalled) */
    NNV_REASON_NOT_STATIONARY = 1u << 2,  /**< no optimisation and forces above stationary_fmax */
    NNV_REASON_IMAGINARY = 1u << 3,       /**< imaginary modes at a stationary point */
    NNV_REASON_EXTRAPOLATION = 1u << 4,   /**< symmetry functions outside their training range */
    NNV_REASON_NOVELTY = 1u << 5,         /**< an atom's environment unlike the training atoms */
    NNV_REASON_FREQ_SPREAD = 1u << 6,     /**< committee disagrees on the frequencies */
    NNV_REASON_FORCE_SPREAD = 1u << 7,    /**< committee disagrees on the forces */
    NNV_REASON_NO_ESTIMATE = 1u << 8      /**< neither a committee nor novelty statistics: nothing to judge by */
};

#define NNV_RELIABILITY_MAX_REASONS 10
#define NNV_RELIABILITY_REASON_LEN 256

/** A verdict with its reasons and the numbers behind them. */
typedef struct nnv_reliability {
    int verdict;                 /**< enum nnv_verdict */
    unsigned reasons;            /**< enum nnv_reason bits */
    int n_reasons;
    char reason[NNV_RELIABILITY_MAX_REASONS][NNV_RELIABILITY_REASON_LEN]; /**< one sentence each, worst first */
    int reason_verdict[NNV_RELIABILITY_MAX_REASONS]; /**< the verdict each reason alone gives */
    unsigned reason_code[NNV_RELIABILITY_MAX_REASONS]; /**< the enum nnv_reason bit of each reason */
    /* committee (has_committee = 1 when the potential is one) */
    int has_committee;
    double mean_freq_std;        /**< mean over modes of sigma_nu, cm⁻¹ */
    double max_freq_std;         /**< cm⁻¹ */
    int max_freq_std_mode;       /**< 0-based mode index, or -1 */
    double max_force_std;        /**< max over atoms of sigma_F, eV/Å */
    int max_force_std_atom;      /**< 0-based, or -1 */
    /* novelty (has_novelty = 1 when the potential carries the statistics) */
    int has_novelty;
    double max_novelty;          /**< max over atoms of d²/q99(element) (+inf on overflow) */
    int max_novelty_atom;        /**< 0-based, or -1 */
    int n_novel_atoms;           /**< atoms with d²/q99 > novelty_uncertain */
    /* the rest */
    int n_extrapolations;        /**< symmetry-function values outside [gmin, gmax] */
    int n_extrapolating_atoms;
    int n_imaginary;             /**< modes below -imaginary_cm1 */
} nnv_reliability;

/** "ok", "uncertain", "unreliable" ("?" for anything else). */
const char *nnv_verdict_name(int verdict);

/** Short machine name of one reason bit ("c0", "not_converged", "not_stationary",
 *  "imaginary", "extrapolation", "novelty", "frequency_spread", "force_spread",
 *  "no_estimate"); NULL for anything else. */
const char *nnv_reason_name(unsigned reason);

/** Fill t's zero or negative fields with the defaults; NaN and infinite
 *  thresholds are an error. */
int nnv_reliability_thresholds_resolve(nnv_reliability_thresholds *t, nnv_error *err);

#ifdef __cplusplus
}
#endif
#endif
