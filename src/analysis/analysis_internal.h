/* The analysis layer's internal interfaces: the generic L-BFGS minimiser, the
 * building blocks of the spectra and the assignment, path points.
 * Not installed, not exported. */
#ifndef NNVIB_ANALYSIS_INTERNAL_H
#define NNVIB_ANALYSIS_INTERNAL_H

#include "base/base_internal.h"

/* ---- optimiser (optimize.c) -------------------------------------------------
 * Generic L-BFGS minimiser with an Armijo backtracking line search, used by
 * nnv_optimize and testable on analytic functions. The callback returns NNV_OK
 * or a negative status (filling err) and writes f(x) and its gradient. */
typedef int (*opt_fn)(void *ctx, const double *x, double *f, double *grad, nnv_error *err);

/* What zeros in nnv_opt_options stand for (nnv_optimize; nnv_analyse names
 * the convergence threshold in its warning). */
#define OPT_DEFAULT_MAX_STEPS 500
#define OPT_DEFAULT_FMAX 1e-5
#define OPT_DEFAULT_MAX_STEP 0.2

typedef struct opt_lbfgs_options {
    int max_steps;   /* accepted steps at most (> 0) */
    double gtol;     /* converged when max |grad component| <= gtol */
    double max_step; /* largest Euclidean length of one block of `block` components per step */
    int block;       /* components per block (3 for atoms, 1 for plain vectors) */
    int memory;      /* number of stored (s, y) pairs, >= 1 */
} opt_lbfgs_options;

typedef struct opt_lbfgs_report {
    int steps;       /* accepted steps */
    int converged;   /* 1 when max |grad| <= gtol at the returned x */
    int n_evals;     /* calls of fn */
    double f;        /* f at the returned x */
    double gmax;     /* max |grad component| at the returned x */
    int stalled;     /* stopped after NNV_OPT_STALL_STEPS steps without progress */
} opt_lbfgs_report;

/* Minimise fn from x (length n, overwritten with the best point found).
 * Returns NNV_OK (also when not converged: see rep->converged), NNV_ENUMERIC
 * for a non-finite f or gradient, or the callback's status. */
int opt_lbfgs(int n, double *x, opt_fn fn, void *ctx, const opt_lbfgs_options *o,
              opt_lbfgs_report *rep, nnv_error *err);

/* One Adam step (D. P. Kingma, J. Ba, arXiv:1412.6980; beta1 0.9, beta2 0.999,
 * eps 1e-8) on the np parameters theta with gradient grad: the moments m1, m2
 * (zero at the start) and the running powers *b1t, *b2t (1 at the start) are
 * updated in place. */
void opt_adam_step(int np, double *theta, const double *grad, double *m1, double *m2, double lr, double *b1t,
                   double *b2t);

/* ---- spectra (spectrum.c, similarity.c) --------------------------------------
 * The building blocks of nnv_spectrum_broaden and nnv_spectral_compare. */
/* Value of one area-normalised band of unit area centred at x0, at x
 * (cm⁻¹⁻¹): Lorentzian (γ/π)/((x−x0)² + γ²), γ = fwhm/2, or Gaussian
 * exp(−(x−x0)²/2σ²)/(σ√(2π)), σ = fwhm/(2√(2 ln 2)). */
double spc_lineshape_value(int lineshape, double fwhm, double x0, double x);


/* Resample (x_in, y_in) onto the uniform grid x_i = x_first + i·dx: y_out[i]
 * is the mean of the piecewise-linear interpolant of the input over the cell
 * [x_i − dx/2, x_i + dx/2] (cut to the input range). Inside one input interval
 * that is plain linear interpolation; where the input is finer than the grid
 * it averages the input points; a linear function is reproduced exactly.
 * @param x_in  n_in >= 2 strictly ascending values
 * @return NNV_OK, NNV_EUSAGE (n_out < 1, dx <= 0, a grid point outside
 *         [x_in[0], x_in[n_in−1]]), NNV_EINPUT (non-finite or not strictly
 *         ascending input). */
int spc_resample(double *y_out, int n_out, double x_first, double dx, int n_in,
                 const double *x_in, const double *y_in, nnv_error *err);

/* Pearson correlation r = Σ(a−ā)(b−b̄)/√(Σ(a−ā)² Σ(b−b̄)²) and cosine
 * similarity Σab/√(Σa² Σb²) of two vectors of n values (either output may be
 * NULL). Both lie in [−1, 1].
 * @return NNV_OK, NNV_EINPUT (n < 2, a non-finite value, a vector of zero
 *         norm, or when pearson is asked for, of zero variance). */
int spc_similarity(double *pearson, double *cosine, int n, const double *a, const double *b,
                   nnv_error *err);

/* Smooth y (n values on a uniform grid of spacing dx, in place) with a
 * unit-area Gaussian of the given FWHM (cm⁻¹); the ends are treated by
 * renormalising the kernel over the points that exist.
 * @return NNV_OK, NNV_EUSAGE (n < 1, dx or fwhm not > 0), NNV_EINPUT
 *         (non-finite y), NNV_ENOMEM. */
int spc_smooth_gaussian(double *y, int n, double dx, double fwhm, nnv_error *err);


/* Local maxima of y(x) (x strictly ascending) with height >= min_height·max(y)
 * and prominence >= min_prominence·max(y); a flat top counts once, at its
 * middle. Sorted by decreasing height.
 * @param[out] peaks  malloc'd array (free()), NULL when *n_peaks is 0
 * @return NNV_OK, NNV_EUSAGE (fractions outside [0, 1)), NNV_EINPUT (n < 3,
 *         non-finite values, x not ascending, max(y) <= 0), NNV_ENOMEM. */
int spc_find_peaks(nnv_peak **peaks, int *n_peaks, int n, const double *x, const double *y,
                   double min_height, double min_prominence, nnv_error *err);

/* ---- assignment (assign.c) ----------------------------------------------------
 * Minimum-cost assignment (Hungarian algorithm with potentials, Kuhn 1955 /
 * Munkres 1957, in the O(n²m) shortest-augmenting-path form of Jonker and
 * Volgenant 1987). cost is n_rows × n_cols, row-major, every entry finite.
 * Exactly min(n_rows, n_cols) pairs are made (no row or column twice) with the
 * smallest total cost; the rest stay unassigned. Either count may be 0.
 * row_col: n_rows entries, the column of each row or -1 (may be NULL if
 * n_rows = 0); total: the sum of the chosen costs (may be NULL). Returns
 * NNV_OK, NNV_EUSAGE (negative count, NULL array, non-finite cost, more than
 * 4·10⁶ entries) or NNV_ENOMEM. */
int asg_min_cost(int n_rows, int n_cols, const double *cost, int *row_col, double *total, nnv_error *err);

/* nnv_assign_modes with allowed[i n_bands + b] = 0 forbidding computed mode i
 * in band b (NULL: everything allowed); a forbidden pair is never kept. */
int asg_assign_masked(nnv_assignment **out, int n_calc, const double *freq_calc, const nnv_reference *ref,
                      const unsigned char *allowed, nnv_error *err);

/* ---- paths (diag_path.c) ------------------------------------------------------
 * The positions at t along a checked path (xyz: 3N, caller-allocated). */
int diag_path_point(double *xyz, const nnv_path *path, const nnv_structure *s, double t, nnv_error *err);

/* ---- reliability (reliability.c) --------------------------------------------
 * Fill a->reliability from the finished analysis a of potential p with the
 * thresholds given (zeros = defaults). NNV_OK, NNV_EUSAGE (a non-finite
 * threshold), NNV_ENOMEM, or nnv_novelty's error. */
int analysis_reliability(nnv_analysis *a, const nnv_potential *p, const nnv_reliability_thresholds *given,
                         nnv_error *err);

/* ---- point groups (pointgroup.c, chartab.c, irreps.c) -----------------------
 * A character table names its classes by what their operations are in the
 * standard orientation (type, angle 2 pi k/n, where the axis lies), so an
 * exact operation of the detected group finds its class without conjugacy
 * bookkeeping. Real tables: complex-conjugate pairs (C3's E) are one row. */
enum { PG_E, PG_C, PG_S, PG_SIGMA, PG_I };
/* Where the axis of the proper part (the normal of a mirror) lies:
 * anywhere; along z, x or y; perpendicular to z (any, or in the set of the
 * x axis, the directions at multiples of 2 pi/n, or the bisecting set;
 * mirrors go by the in-plane direction perpendicular to z); along a
 * coordinate axis (the C4 axes of O/Oh) or not. */
enum { PG_AX_ANY, PG_AX_Z, PG_AX_X, PG_AX_Y, PG_AX_P, PG_AX_PX, PG_AX_PD, PG_AX_C4, PG_AX_NC4 };
typedef struct pg_class {
    int type, k, n, axis;
} pg_class;
#define PG_MAX_CLASSES 12
#define PG_MAX_IRREPS 12
typedef struct pg_table {
    const char *name;
    int n;        /* order of the principal axis (PG_AX_PX/PD) */
    int n_classes;
    pg_class cls[PG_MAX_CLASSES];
    int n_irreps;
    const char *irrep[PG_MAX_IRREPS];
    double chi[PG_MAX_IRREPS][PG_MAX_CLASSES];
} pg_table;

/* The table of a group name (Cinfv and Dinfh: their Sigma/Pi rows over the
 * classes of C2v and D2h), as an index (-1 when there is none) and by index. */
int pg_table_find(const char *name);
const pg_table *pg_table_get(int index);
/* The class in t of the operation S (3 x 3, standard orientation), or -1. */
int pg_class_of(const pg_table *t, const double *S);
/* det (+1/-1), angle in [0, pi] and unit axis of the proper part det*S. */
void pg_op_axis_angle(const double *S, int *det, double *angle, double *axis);

#endif
