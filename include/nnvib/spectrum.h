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

void nnv_spectrum_free(nnv_spectrum *s);

/** Value of one area-normalised band of unit area centred at x0, at x
 *  (cm⁻¹⁻¹): Lorentzian (γ/π)/((x−x0)² + γ²), γ = fwhm/2, or Gaussian
 *  exp(−(x−x0)²/2σ²)/(σ√(2π)), σ = fwhm/(2√(2 ln 2)). */
double nnv_lineshape_value(int lineshape, double fwhm, double x0, double x);

/** Text fields of a JCAMP-DX file (NULL = a default). */
typedef struct nnv_jcamp_info {
    const char *title;   /**< ##TITLE= (one line); default "nnvib spectrum" */
    const char *origin;  /**< ##ORIGIN=; default "nnvib <version>" */
    const char *owner;   /**< ##OWNER=; default "public domain" */
    const char *comment; /**< extra ##$COMMENT= text (one line), may be NULL */
} nnv_jcamp_info;

/** Write a broadened spectrum as JCAMP-DX 4.24 `##DATA TYPE=INFRARED SPECTRUM`,
 *  `##XUNITS=1/CM`, `##YUNITS=ARBITRARY UNITS` (km/mol per cm⁻¹, said in a
 *  comment), AFFN `##XYDATA=(X++(Y..Y))` with integer Y and a YFACTOR. The
 *  file is written to a temporary name and renamed; it is at least 400 bytes.
 *  @return NNV_OK, NNV_EINPUT for an empty spectrum or non-finite y, NNV_EIO. */
int nnv_jcamp_write_spectrum(const char *path, const nnv_spectrum *s,
                             const nnv_jcamp_info *info, nnv_error *err);

/** Write sticks as JCAMP-DX 4.24 `##DATA TYPE=INFRARED PEAK TABLE` with
 *  `##PEAK TABLE=(XY..XY)` (X cm⁻¹, Y km/mol, `##YUNITS=KM/MOL`). Sticks at
 *  positions <= 0 are left out; intensity may be NULL (every Y = 1, said in a
 *  comment). Temporary name + rename; at least 400 bytes.
 *  @return NNV_OK, NNV_EINPUT (no stick with a positive position, non-finite
 *          value), NNV_EIO. */
int nnv_jcamp_write_peaks(const char *path, int n_sticks, const double *position,
                          const double *intensity, const nnv_jcamp_info *info,
                          nnv_error *err);

#ifdef __cplusplus
}
#endif
#endif
