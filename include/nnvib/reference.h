/* nnvib reference spectra: the bands a computed spectrum is compared with,
 * read from the project's experimental-fundamentals TSV, the GFN2-xTB teacher's
 * harmonic TSV (reference_spectra/README.md describes both) or a JCAMP-DX
 * ##PEAK TABLE file. */
#ifndef NNVIB_REFERENCE_H
#define NNVIB_REFERENCE_H

#include <stddef.h>

#include <nnvib/core.h>

#ifdef __cplusplus
extern "C" {
#endif

/** What the numbers of a reference are. */
enum nnv_reference_kind {
    NNV_REF_EXPERIMENTAL = 0, /**< observed (anharmonic) fundamentals, one row per band with its degeneracy */
    NNV_REF_HARMONIC = 1,     /**< a computed harmonic spectrum (the teacher's), one row per mode component */
    NNV_REF_PEAK_TABLE = 2    /**< peak positions of a JCAMP-DX ##PEAK TABLE */
};

/** One reference band. Strings are never NULL ("" when the file has none). */
typedef struct nnv_ref_band {
    char *mode;        /**< label, e.g. "nu3", or "4-6" for merged harmonic components */
    char *symmetry;    /**< irreducible-representation label as in the file (not interpreted) */
    double freq;       /**< cm⁻¹; harmonic files: negative = imaginary */
    int degeneracy;    /**< number of modes the band stands for (>= 1) */
    int ir_active;     /**< 1 yes, 0 no, -1 unknown */
    double intensity;  /**< km/mol, NaN when unknown (peak tables: NaN unless YUNITS is KM/MOL) */
    char *source;      /**< citation of the value */
    char *notes;
} nnv_ref_band;

/** A reference spectrum. */
typedef struct nnv_reference {
    int kind;          /**< enum nnv_reference_kind */
    char *name;        /**< file name as given (used in messages) */
    char *molecule;    /**< "# molecule:" comment (experimental TSV), peak table ##TITLE, else "" */
    char *point_group; /**< "# point_group:" comment, else "" */
    int n_bands;
    nnv_ref_band *bands; /**< in file order */
} nnv_reference;

/** Read a reference file; the format is recognised from its content:
 *  - a file whose first non-blank characters are "##" is JCAMP-DX and must hold
 *    a ##PEAK TABLE in 1/CM (read with nnv_jcamp_parse; a continuous spectrum
 *    is rejected: it is not a list of bands);
 *  - otherwise a tab-separated table: '#' comment lines and blank lines are
 *    skipped, the first other line is the header. A header with a `degeneracy`
 *    column is the experimental format (columns mode, symmetry, freq_cm1,
 *    degeneracy, ir_active, ir_intensity_km_mol, source, notes; freq_cm1 > 0);
 *    without it, the harmonic format (mode, freq_cm1, ir_intensity_km_mol,
 *    reduced_mass_u), in which consecutive rows whose freq_cm1 differ by at
 *    most 0.01 cm⁻¹ are merged into one band of that degeneracy (mean
 *    frequency, summed intensity). Only freq_cm1 is required; unknown
 *    columns are ignored. At most 20000 bands.
 *  @param[out] out  new reference, free with nnv_reference_free
 *  @return NNV_OK; NNV_EINPUT for a malformed file (the message names the
 *          file, the line and the column), NNV_EIO, NNV_ENOMEM. */
int nnv_reference_read(nnv_reference **out, const char *path, nnv_error *err);

/** As nnv_reference_read, from len bytes in memory; name is used in messages. */
int nnv_reference_parse(nnv_reference **out, const char *buf, size_t len, const char *name,
                        nnv_error *err);

/** "experimental fundamentals", "harmonic" or "peak table". */
const char *nnv_reference_kind_name(int kind);

/** Free a reference (NULL is fine). */
void nnv_reference_free(nnv_reference *r);

#ifdef __cplusplus
}
#endif
#endif
