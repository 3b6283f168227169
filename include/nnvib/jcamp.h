/* nnvib JCAMP-DX reader: IR spectra in JCAMP-DX 4.24 (XYDATA with AFFN and the
 * compressed ASDF forms, XYPOINTS, PEAK TABLE), e.g. the NIST WebBook files. */
#ifndef NNVIB_JCAMP_H
#define NNVIB_JCAMP_H

#include <stddef.h>

#include <nnvib/core.h>

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

#ifdef __cplusplus
}
#endif
#endif
