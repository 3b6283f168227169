/* The shared conformance cases (<shared>/conformance) for the programs that
 * check them (test_conformance, test_conformance_invalid,
 * test_conformance_rotation): finding them, loading one, and comparing
 * results with its expected.json within the tolerances of
 * shared/conformance/README.md, every failing comparison printed. */
#ifndef NNVIB_CONFORMANCE_H
#define NNVIB_CONFORMANCE_H

#include <stddef.h>

#include <check.h>
#include <nnvib.h>

#include "json.h"

/* ---- tolerances (shared/conformance/README.md) --------------------------- */
#define TOL_ENERGY 1e-10      /* eV, abs */
#define TOL_FORCE 1e-9        /* eV/Å, abs */
#define TOL_HESS_ABS 1e-7     /* eV/Å², abs ... */
#define TOL_HESS_REL 1e-9     /* ... or rel */
#define TOL_SF_ABS 1e-12
#define TOL_SF_REL 1e-10
#define TOL_EIG_ABS 4e-8      /* eV/(Å² u): what 1e-4 cm⁻¹ allows at 50 cm⁻¹ */
#define TOL_EIG_REL 1e-9      /* only matters above |λ| = 40 (~3300 cm⁻¹) */
#define TOL_FREQ 1e-4         /* cm⁻¹, where |ν| > FREQ_CUT */
#define FREQ_CUT 50.0
#define TOL_MODE_REL 1e-6     /* reduced masses, force constants, IR intensities */
#define TOL_MODE_ABS 1e-8
#define TOL_CHARGE 1e-12      /* e and e Å */
#define TOL_DIPDERIV 1e-9     /* e */
#define TOL_DOT 1e-8          /* |dot(v, v_ref)| >= 1 - TOL_DOT */
/* A rotation of one unit vector by θ gives |dot| = cos θ and ||vvᵀ - uuᵀ||_max
 * <= θ; 1e-6 is far stricter than the 1.4e-4 rad TOL_DOT allows, yet far looser
 * than the ~1e-12 a float64 eigensolver reaches for a symmetry-enforced group. */
#define TOL_PROJ 1e-6
#define TOL_MASS_REL 1e-9     /* isotope tables may differ in the last digits */
#define TOL_MOMENT_ABS 1e-9   /* u Å² (linear molecules have a zero moment) */
#define TOL_MOMENT_REL 1e-10
/* rotation/translation invariance */
#define TOL_ROT_ENERGY 1e-9
#define TOL_ROT_FREQ 1e-5

/* ---- the data found at start-up (read-only once the suite runs) ----------- */
extern char g_dir[4096];      /* <shared>/conformance */
extern char **g_cases;        /* case folders with expected.json, sorted */
extern int g_n_cases;
extern char **g_smooth;       /* cases whose activations are all C-infinity (after select_smooth) */
extern int g_n_smooth;

/* A conformance program's main: finds the folder and its cases, lets
 * add_tests put its test cases into the suite `name`, runs them and frees
 * the lists. The exit status: 77 (skipped) without the folder, 1 when it
 * holds no case, else that of tu_run. */
int conf_main(const char *name, void (*add_tests)(Suite *suite));
/* Cases whose manifest entry lists only C-infinity activations, in g_smooth. */
void select_smooth(void);

/* ---- failure bookkeeping: every failing comparison is printed ------------- */
typedef struct ctx {
    const char *name;   /* case */
    const char *part;   /* "model", "analysis", "rotation", "invalid" */
    int n_fail;
    const char *qty;    /* quantity being compared */
    int qty_fail, qty_n;
    double qty_maxerr;
} ctx;

void q_begin(ctx *c, const char *qty);
void q_end(ctx *c);
/* A failure that is not a numeric comparison (missing data, wrong count, status). */
void q_msg(ctx *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Compare got with expected; on failure print case, quantity, index, both values. */
int q_num(ctx *c, double got, double expected, double abs_tol, double rel_tol, const char *idxfmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;
int q_int(ctx *c, long got, long expected, const char *what);
/* Fails the running test when any comparison of c failed ("ok" on stderr otherwise). */
void finish(ctx *c);

/* ---- access to expected.json ---------------------------------------------- */

/* An integer-valued number as int; dflt when absent, not integral or out of range. */
int jint(const json_value *v, int dflt);
/* Flattened numbers of key, which must hold exactly n of them; NULL (and a
 * recorded failure) otherwise. */
double *exp_flat(ctx *c, const json_value *exp, const char *key, size_t n);
void cmp_array(ctx *c, const char *qty, const double *got, const double *expected, size_t n, double abs_tol,
               double rel_tol);
void cmp_atoms3(ctx *c, const char *qty, const double *got, const double *expected, int n_atoms, double abs_tol,
                double rel_tol);
/* x,y,z names for messages */
extern const char *const XYZ;

/* ---- loading a case --------------------------------------------------------- */

json_value *load_expected(const char *name);
/* Reads weights.bin and molecule.xyz of a case and applies mass_overrides.
 * Returns 0 when both are loaded (failures are recorded in c). */
int load_case(ctx *c, const json_value *exp, nnv_potential **p, nnv_structure **s);
int case_has_charges(const json_value *exp);

#endif
