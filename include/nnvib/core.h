/* nnvib core: status codes, the error record, warnings lists and element data.
 *
 * Conventions for the whole library (written once, here):
 *   units      Å (length), eV (energy), u (mass), e (charge), cm⁻¹ (wavenumber);
 *              forces eV/Å, Hessian eV/Å², mass-weighted eigenvalues eV/(Å²·u)
 *   arrays     flat row-major double *: positions xyz[3*i + c]; Hessian
 *              h[(3*i + a) * 3N + (3*j + b)] (rows and columns x1, y1, z1, x2, ...)
 *   indices    atoms are counted from 0 in the API, from 1 in messages and on the
 *              command line (as in the XYZ file)
 *   frequency  negative = imaginary
 *   status     functions that can fail return NNV_OK (0) or a negative NNV_E* code
 *              and fill the caller's nnv_error (which may be NULL)
 */
#ifndef NNVIB_CORE_H
#define NNVIB_CORE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Status codes. */
enum nnv_status {
    NNV_OK = 0,
    NNV_EINPUT = -1,   /**< malformed or unsupported input (file, option, structure) */
    NNV_ENUMERIC = -2, /**< numerical failure (LAPACK, non-finite result, no convergence) */
    NNV_EIO = -3,      /**< cannot open, read or write a file */
    NNV_ENOMEM = -4,   /**< out of memory */
    NNV_EUSAGE = -5    /**< an argument out of its documented range */
};

#define NNV_ERROR_MESSAGE_MAX 512

/** Error record: the code and a one-line message naming file, line or byte
 *  offset and field. Plain struct, owned by the caller, one per thread. */
typedef struct nnv_error {
    int code;
    char message[NNV_ERROR_MESSAGE_MAX];
} nnv_error;

/** Fill err (if not NULL) with code and a printf-style message; returns code. */
int nnv_error_set(nnv_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/** The library's version, e.g. "0.2.0" (static string). */
const char *nnv_version(void);

/** Short English name of a status code ("bad input", ...). */
const char *nnv_strerror(int code);

/** A growable list of warning messages (the library never prints). */
typedef struct nnv_warnings {
    int count;
    int capacity;
    char **messages;
} nnv_warnings;

/** Append a warning (silently dropped if memory runs out). */
void nnv_warnings_add(nnv_warnings *w, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/** Release the messages; the struct is left empty and reusable. */
void nnv_warnings_clear(nnv_warnings *w);

/* ---- elements ---------------------------------------------------------- */

#define NNV_MAX_Z 118

/** Element symbol ("H", "He", ...) for 1 <= Z <= 118, NULL otherwise. */
const char *nnv_element_symbol(int Z);

/** Atomic number of a symbol (case-insensitive, "h" = "H") or of a decimal
 *  atomic number ("8"); 0 when unknown. */
int nnv_element_from_symbol(const char *symbol);

/** Mass of the most abundant isotope of element Z in u (NIST/AME), or the
 *  longest-lived isotope for elements without stable ones; 0 if Z is out of range. */
double nnv_element_mass(int Z);

/** The isotope named by label: "D" or "T" (hydrogen-2 and -3), or a mass
 *  number and an element symbol ("2H", "13C", "18O"; letters case-insensitive),
 *  for the isotopes of H, C, N, O, F, S and Cl in the library's table
 *  (NIST/AME masses, the table nnv_element_mass takes its values from, so
 *  "16O" is exactly nnv_element_mass(8)).
 *  @param      label  the label
 *  @param[out] Z      its element's atomic number
 *  @param[out] mass   its mass in u
 *  @param[out] err    the message on failure (may be NULL)
 *  @return NNV_OK; NNV_EINPUT for a label not in the table (the message lists
 *          the known ones); NNV_EUSAGE for a NULL argument */
int nnv_isotope_mass(const char *label, int *Z, double *mass, nnv_error *err);

#ifdef __cplusplus
}
#endif
#endif
