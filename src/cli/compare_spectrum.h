/* The --spectrum part of `nnvib compare`: computed stick spectra (one per
 * potential) against a measured JCAMP-DX spectrum, with an SVG overlay. */
#ifndef NNVIB_CLI_COMPARE_SPECTRUM_H
#define NNVIB_CLI_COMPARE_SPECTRUM_H

#include <stdio.h>
#include <stddef.h>

/** One computed spectrum: harmonic frequencies (cm⁻¹, negative = imaginary,
 *  left out) and IR intensities (km/mol) of one potential's analysis. */
typedef struct cli_spectrum_input {
    const char *label;        /**< e.g. the potential's file name or "tanh" */
    int n_modes;
    const double *freq;       /**< cm⁻¹ */
    const double *intensity;  /**< km/mol */
} cli_spectrum_input;

/** Options from the command line (zero = default for every number). */
typedef struct cli_spectrum_options {
    const char *jdx_path;     /**< measured spectrum, JCAMP-DX (required) */
    const char *svg_path;     /**< overlay figure, NULL = none */
    double fwhm;              /**< cm⁻¹ broadening of the computed sticks */
    int lineshape;            /**< enum nnv_lineshape */
    double scale;             /**< frequency scale factor applied to computed sticks, 0 = 1 */
} cli_spectrum_options;

typedef struct cli_spectrum_report cli_spectrum_report;

/** Read the measured spectrum, compare every input with it and write the SVG
 *  (atomically) when asked. CLI_EXIT_OK, or a CLI_EXIT_* status with a
 *  one-line message (without "nnvib: ") in msg. */
int cli_spectrum_compare(cli_spectrum_report **out, const cli_spectrum_options *o, int n,
                         const cli_spectrum_input *in, char *msg, size_t msglen);
/** The report as text (for the table) and as one JSON object value. 0 or -1 (errno). */
int cli_spectrum_report_table(FILE *f, const cli_spectrum_report *r);
int cli_spectrum_report_json(FILE *f, const cli_spectrum_report *r);
void cli_spectrum_report_free(cli_spectrum_report *r);

#endif
