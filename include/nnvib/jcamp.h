/* nnvib JCAMP-DX reader: IR spectra in JCAMP-DX 4.24 (XYDATA with AFFN and the
 * compressed ASDF forms, XYPOINTS, PEAK TABLE), e.g. the NIST WebBook files. */
#ifndef NNVIB_JCAMP_H
#define NNVIB_JCAMP_H

#include <stddef.h>

#include <nnvib/core.h>
#include <nnvib/spectrum.h>

#ifdef __cplusplus
extern "C" {
#endif

/** How the data were stored in the file. */
enum nnv_jcamp_form {
    NNV_JCAMP_XYDATA = 0,     /**< ##XYDATA=(X++(Y..Y)), equally spaced X */
    NNV_JCAMP_XYPOINTS = 1,   /**< ##XYPOINTS=(XY..XY) */
    NNV_JCAMP_PEAK_TABLE = 2  /**< ##PEAK TABLE=(XY..XY) (or XYW, XYM: extra columns dropped) */
};

/** A spectrum read from a JCAMP-DX file. X and Y are in the file's real units
 *  (##XUNITS, ##YUNITS: usually 1/CM and TRANSMITTANCE or ABSORBANCE), that is
 *  after XFACTOR and YFACTOR. For XYDATA, x[i] = FIRSTX + i·(LASTX−FIRSTX)/
 *  (NPOINTS−1) (X may descend); the X at the start of each data line is only
 *  checked. Strings are never NULL ("" when the label is absent). */
typedef struct nnv_jcamp_spectrum {
    char *title;        /**< ##TITLE= */
    char *data_type;    /**< ##DATA TYPE=, e.g. "INFRARED SPECTRUM" */
    char *x_units;      /**< ##XUNITS=, e.g. "1/CM" */
    char *y_units;      /**< ##YUNITS=, e.g. "TRANSMITTANCE" */
    int form;           /**< enum nnv_jcamp_form */
    int is_peak_table;  /**< 1 for ##PEAK TABLE */
    int is_transmittance; /**< 1 when ##YUNITS says TRANSMITTANCE */
    int is_absorbance;  /**< 1 when ##YUNITS says ABSORBANCE */
    int n_points;
    double *x;          /**< n_points values, XUNITS */
    double *y;          /**< n_points values, YUNITS */
    double xfactor, yfactor; /**< as in the file (1 when absent) */
    double firstx, lastx;    /**< ##FIRSTX, ##LASTX in XUNITS (NaN when absent) */
    double firsty;           /**< ##FIRSTY in YUNITS (NaN when absent) */
} nnv_jcamp_spectrum;

/** Read a JCAMP-DX file (the first block with data, up to its ##END=).
 *  @param[out] out  new spectrum, free with nnv_jcamp_free
 *  @return NNV_OK, NNV_EINPUT for a malformed or unsupported file (the
 *          message names the file, the line and the field; ##NPOINTS must
 *          equal the number of points read), NNV_EIO, NNV_ENOMEM. */
int nnv_jcamp_read(nnv_jcamp_spectrum **out, const char *path, nnv_error *err);

/** As nnv_jcamp_read, from len bytes in memory; name is used in messages. */
int nnv_jcamp_parse(nnv_jcamp_spectrum **out, const char *buf, size_t len,
                    const char *name, nnv_error *err);

/** Free a spectrum (NULL is fine). */
void nnv_jcamp_free(nnv_jcamp_spectrum *s);

/* ---- to absorbance ---------------------------------------------------------- */

/** Default transmittance floor: T below it is clipped, so A <= 3. */
#define NNV_ABSORBANCE_T_FLOOR 1.0e-3
/** Default baseline: this percentile of the absorbance is subtracted. */
#define NNV_ABSORBANCE_BASELINE_PERCENTILE 5.0

/** Options for nnv_jcamp_to_absorbance (a zero-initialised struct = defaults). */
typedef struct nnv_absorbance_options {
    double t_floor;   /**< transmittance floor (fraction, 0 < t_floor < 1); 0 = NNV_ABSORBANCE_T_FLOOR */
    double baseline_percentile; /**< 0..100 (0 = NNV_ABSORBANCE_BASELINE_PERCENTILE); negative = keep the baseline */
} nnv_absorbance_options;

/** Convert a read JCAMP-DX spectrum to absorbance versus wavenumber.
 *  X units: 1/CM (also written CM-1, CM^-1), MICROMETERS (MICRONS, UM) or
 *  NANOMETERS (NM), case-insensitive; X is turned into cm⁻¹ and sorted
 *  ascending. Y: TRANSMITTANCE (a fraction, or percent when YUNITS says
 *  PERCENT or % or any value exceeds 2) becomes A = −log10(max(T, t_floor));
 *  any other Y unit except REFLECTANCE and EMISSION is taken as proportional
 *  to absorbance (ABSORBANCE, the NIST QUANT-IR "(micromol/mol)-1m-1 (base
 *  10)", ARBITRARY UNITS) and kept. Then the baseline percentile is subtracted.
 *  @param[out] out  new spectrum, free with nnv_xy_spectrum_free
 *  @return NNV_OK, NNV_EINPUT (a peak table, fewer than 2 points, unknown X or
 *          Y units, a non-finite or non-positive wavenumber, repeated X),
 *          NNV_EUSAGE (bad option), NNV_ENOMEM. */
int nnv_jcamp_to_absorbance(nnv_xy_spectrum **out, const nnv_jcamp_spectrum *in,
                            const nnv_absorbance_options *opt, nnv_error *err);

/* ---- writers ---------------------------------------------------------------- */

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
