/* nnvib spectral similarity: a measured IR spectrum (JCAMP-DX) as absorbance
 * on ascending wavenumbers, resampling onto a common grid, Pearson and cosine
 * similarity over stated windows, peak picking, and the matching of the
 * strongest computed bands to measured peaks (docs/spectrum-comparison.md). */
#ifndef NNVIB_SIMILARITY_H
#define NNVIB_SIMILARITY_H

#include <nnvib/core.h>
#include <nnvib/spectrum.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A peak of a spectrum. Prominence is the height above the higher of the two
 *  lowest points met on each side before a higher point (or the end); the
 *  half-prominence interval is where the peak stays above height −
 *  prominence/2, and its midpoint (centre) is the position used for band
 *  matching: it follows a flat saturated band top, where the maximum does not. */
typedef struct nnv_peak {
    double x;          /**< position of the maximum (parabolic vertex through 3 points), cm⁻¹ */
    double height;     /**< y at the maximum */
    double prominence; /**< y units */
    double left, right; /**< the half-prominence interval, cm⁻¹ */
    double centre;     /**< (left + right)/2, cm⁻¹ */
} nnv_peak;

/* ---- computed versus measured -------------------------------------------- */

/** Default FWHM (cm⁻¹) of the computed bands for the comparison: broad enough
 *  to stand for the unresolved rotational P/R envelope of gas-phase bands
 *  (measured on the NIST spectra: docs/spectrum-comparison.md). */
#define NNV_SPECTRAL_DEFAULT_FWHM 30.0
/** Default FWHM (cm⁻¹) of the Gaussian smoothing of the measured absorbance
 *  before peak picking: it merges the P and R branches of a band (about
 *  50 cm⁻¹ apart for CO at room temperature) into one peak near the origin. */
#define NNV_SPECTRAL_DEFAULT_SMOOTH 30.0
/** The common grid never extends beyond [NNV_SPECTRAL_X_MIN, NNV_SPECTRAL_X_MAX] cm⁻¹. */
#define NNV_SPECTRAL_X_MIN 400.0
#define NNV_SPECTRAL_X_MAX 4000.0
/** Number of similarity windows: "full" 500–4000, "fingerprint" 500–1500,
 *  "xh_stretch" 2500–4000 cm⁻¹, each cut to the common grid. */
#define NNV_SPECTRAL_N_WINDOWS 3

/** Options of nnv_spectral_compare (a zero-initialised struct = defaults). */
typedef struct nnv_spectral_options {
    double fwhm;            /**< cm⁻¹ of the computed bands; 0 = NNV_SPECTRAL_DEFAULT_FWHM */
    int lineshape;          /**< enum nnv_lineshape; default Lorentzian */
    double dx;              /**< grid spacing, cm⁻¹; 0 = 1, or fwhm/4 when that is smaller (>= 0.25) */
    double scale;           /**< factor applied to computed wavenumbers; 0 = 1 */
    double smooth_fwhm;     /**< Gaussian smoothing of the measured absorbance before peak
                                 picking, cm⁻¹; 0 = NNV_SPECTRAL_DEFAULT_SMOOTH; negative = none */
    double peak_height;     /**< measured peaks: min height / max; 0 = 0.05 */
    double peak_prominence; /**< measured peaks: min prominence / max; 0 = 0.02 */
    int n_strong;           /**< at most this many computed bands are matched; 0 = 6 */
    double strong_fraction; /**< ... those with intensity >= this · strongest; 0 = 0.05 */
    double max_shift;       /**< cm⁻¹; no measured peak this close: unmatched; 0 = 150 */
} nnv_spectral_options;

/** Similarity over one window. */
typedef struct nnv_spectral_window {
    const char *name; /**< "full", "fingerprint", "xh_stretch" (static) */
    double lo, hi;    /**< cm⁻¹ as used (the nominal window cut to the grid) */
    int n_points;     /**< grid points in the window */
    int valid;        /**< 0: under 10 points, no computed band (positive intensity)
                           inside, or a spectrum flat or zero there */
    double pearson, cosine; /**< 0 when not valid */
} nnv_spectral_window;

/** One strong computed band and its measured partner. */
typedef struct nnv_band_match {
    double calc;      /**< cm⁻¹ (scaled; sticks closer than 1 cm⁻¹ merged) */
    double intensity; /**< km/mol (summed over merged sticks) */
    int matched;      /**< 1 when a measured peak lies within max_shift */
    double meas;      /**< centre of the nearest measured peak, cm⁻¹ (0 when unmatched) */
    double delta;     /**< calc − meas, cm⁻¹ (0 when unmatched) */
} nnv_band_match;

typedef struct nnv_spectral_result {
    nnv_spectral_window window[NNV_SPECTRAL_N_WINDOWS];
    int n_bands;           /**< strong computed bands inside the grid, strongest first */
    nnv_band_match *bands;
    int n_matched;
    double mae;            /**< mean |delta| of the matched bands, cm⁻¹ (0 when none) */
    int n_peaks;           /**< measured peaks (after smoothing), highest first */
    nnv_peak *peaks;
    /** The common grid and both spectra on it, each scaled to maximum 1. */
    int n_points;
    double x_first, dx;    /**< cm⁻¹ */
    double *measured;      /**< n_points values */
    double *computed;      /**< n_points values */
    double fwhm, smooth_fwhm; /**< cm⁻¹, as used (smooth_fwhm 0 = none) */
} nnv_spectral_result;

/** Compare computed sticks (wavenumber cm⁻¹, negative = imaginary and left
 *  out; IR intensity km/mol) with a measured absorbance spectrum: broaden the
 *  scaled sticks onto the common grid (measured range ∩ [400, 4000] cm⁻¹),
 *  resample the measured spectrum onto it, compute the windowed similarities,
 *  pick peaks on the (smoothed) measured spectrum and match the strongest
 *  computed bands to the nearest peak centre (several bands may share a peak).
 *  @param[out] out  new result, free with nnv_spectral_result_free
 *  @return NNV_OK, NNV_EUSAGE (a bad option), NNV_EINPUT (no positive stick,
 *          non-finite stick, measured spectrum under 2 points or not
 *          overlapping [400, 4000] by 10 grid points, or nowhere positive),
 *          NNV_ENOMEM. */
int nnv_spectral_compare(nnv_spectral_result **out, const nnv_xy_spectrum *measured,
                         int n_sticks, const double *freq, const double *intensity,
                         const nnv_spectral_options *opt, nnv_error *err);

/** Free a comparison result (NULL is fine). */
void nnv_spectral_result_free(nnv_spectral_result *r);

#ifdef __cplusplus
}
#endif
#endif
