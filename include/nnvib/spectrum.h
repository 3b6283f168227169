/* nnvib spectra: a stick spectrum broadened onto a uniform wavenumber grid
 * (area-normalised Lorentzian or Gaussian bands), and the JCAMP-DX 4.24
 * writers for the broadened (XYDATA) and the stick (PEAK TABLE) spectrum. */
#ifndef NNVIB_SPECTRUM_H
#define NNVIB_SPECTRUM_H

#include <nnvib/core.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Band shapes. */
enum nnv_lineshape { NNV_LINESHAPE_LORENTZIAN = 0, NNV_LINESHAPE_GAUSSIAN = 1 };

/** Default full width at half maximum, cm⁻¹. */
#define NNV_SPECTRUM_DEFAULT_FWHM 10.0

/** Options for nnv_spectrum_broaden (a zero-initialised struct = defaults). */
typedef struct nnv_spectrum_options {
    double fwhm;    /**< full width at half maximum, cm⁻¹; 0 = NNV_SPECTRUM_DEFAULT_FWHM */
    int lineshape;  /**< enum nnv_lineshape; default Lorentzian */
    double x_min;   /**< grid start, cm⁻¹; x_min = x_max = 0: automatic (see below) */
    double x_max;   /**< grid end, cm⁻¹ */
    double dx;      /**< grid spacing, cm⁻¹; 0 = 1 cm⁻¹, or fwhm/4 when that is smaller */
} nnv_spectrum_options;

/** A spectrum on the uniform grid x_i = x_first + i·dx, i = 0 .. n_points−1.
 *  y is the band density in km/mol per cm⁻¹: every band is area-normalised,
 *  so ∫ y dx over all wavenumbers equals the sum of the stick intensities. */
typedef struct nnv_spectrum {
    int n_points;
    double x_first;  /**< cm⁻¹ */
    double dx;       /**< cm⁻¹ */
    double fwhm;     /**< cm⁻¹, as used */
    int lineshape;   /**< enum nnv_lineshape, as used */
    double *y;       /**< n_points values, km/mol per cm⁻¹ */
} nnv_spectrum;

/** Broaden sticks (position cm⁻¹, intensity km/mol) onto a grid. Sticks at
 *  positions <= 0 (imaginary modes) are left out. The automatic grid runs from
 *  min(400, lowest stick − 10·fwhm) (not below 0) to max(4000, highest stick +
 *  10·fwhm), rounded outwards to whole multiples of dx.
 *  @param[out] out  new spectrum, free with nnv_spectrum_free
 *  @return NNV_OK, NNV_EUSAGE for a bad option (fwhm/dx < 0, x_max <= x_min,
 *          unknown lineshape, more than 10⁷ points), NNV_EINPUT for a
 *          non-finite stick, NNV_ENOMEM. */
int nnv_spectrum_broaden(nnv_spectrum **out, int n_sticks, const double *position,
                         const double *intensity, const nnv_spectrum_options *opt,
                         nnv_error *err);

/** Free a spectrum (NULL is fine). */
void nnv_spectrum_free(nnv_spectrum *s);

/** What the Y values of the file were. */
enum nnv_absorbance_source {
    NNV_FROM_ABSORBANCE = 0,    /**< absorbance or a quantity proportional to it (kept) */
    NNV_FROM_TRANSMITTANCE = 1, /**< transmittance as a fraction: A = −log10 T */
    NNV_FROM_PERCENT_T = 2      /**< transmittance in percent: A = −log10(T/100) */
};

/** A spectrum on strictly ascending, not necessarily uniform, wavenumbers. */
typedef struct nnv_xy_spectrum {
    int n_points;
    double *x;        /**< cm⁻¹, strictly ascending */
    double *y;        /**< absorbance (base 10, or the file's absorbance-like unit) */
    int source;       /**< enum nnv_absorbance_source */
    double baseline;  /**< the offset that was subtracted from y (0 when kept) */
} nnv_xy_spectrum;

/** Free a spectrum read or converted (NULL is fine). */
void nnv_xy_spectrum_free(nnv_xy_spectrum *s);

#ifdef __cplusplus
}
#endif
#endif
