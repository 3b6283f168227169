/* nnvib smoothness diagnostics: how continuous the forces and the Hessian of a
 * potential are along a path (a bond stretch, a torsion, one atom moved), how
 * much of the Hessian is the network's own curvature, and how far the
 * analytic Hessian is from finite differences of the forces.
 *
 * Why: a ReLU network's gradient jumps at every kink its inputs cross and its
 * own second derivative is zero almost everywhere, so its Hessian is only the
 * symmetry functions' curvature; a COS cutoff (C1) makes the Hessian jump when
 * a pair crosses rc. These routines measure both. Units as in core.h
 * (Å, eV, eV/Å, eV/Å², cm⁻¹); torsion angles in degrees. */
#ifndef NNVIB_DIAGNOSTICS_H
#define NNVIB_DIAGNOSTICS_H

#include <nnvib/analysis.h>
#include <nnvib/core.h>
#include <nnvib/model.h>
#include <nnvib/potential.h>
#include <nnvib/structure.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Kinds of path. */
enum nnv_path_kind {
    NNV_PATH_BOND = 0,    /**< atoms[1] moves along the unit vector atoms[0] -> atoms[1]; t in Å */
    NNV_PATH_TORSION = 1, /**< the dihedral atoms[0..3] raised by t degrees (IUPAC sign) by turning, about
                               the atoms[1]-atoms[2] axis, the atoms on
                               atoms[3]'s side (those bonded to atoms[2] through atoms other than
                               atoms[1], bonds from covalent radii); when atoms[1] and atoms[2] are
                               in one ring, only atoms[3] turns */
    NNV_PATH_ATOM = 2     /**< atoms[0] moves along `direction` (normalised internally); t in Å */
};

/** A path x(t) through configuration space; t = 0 is the given structure. */
typedef struct nnv_path {
    int kind;            /**< enum nnv_path_kind */
    int atoms[4];        /**< 0-based; bond: 2 used, torsion: 4, atom: 1 */
    double direction[3]; /**< NNV_PATH_ATOM only; need not be normalised */
    double t_start, t_end; /**< range of t (Å or degrees), t_start < t_end */
} nnv_path;

/** What a scan compares between neighbouring points of the path. */
enum nnv_scan_quantity {
    NNV_SCAN_FORCES = 0, /**< the 3N analytic forces, eV/Å */
    NNV_SCAN_HESSIAN = 1 /**< the 3N x 3N analytic Hessian, eV/Å² */
};

/** One scan at one step size. */
typedef struct nnv_scan_level {
    double h;        /**< step in t (Å or degrees) */
    int n_steps;     /**< steps taken: ceil((t_end - t_start) / h) */
    double max_jump; /**< max over steps n of max |Q(t_{n+1}) - Q(t_n)| over components */
    double t_at;     /**< t at the start of that step (the jump lies in [t_at, t_at + h]) */
    int component;   /**< index of the component that jumped most (3*atom + axis, or row*3N + col) */
} nnv_scan_level;

#define NNV_SCAN_MAX_LEVELS 8

/** A scan repeated with h, h/2, h/4, ...: the ratio jump(h) / jump(h/2) is
 *  about 2 when Q is continuous (the jump shrinks in proportion to the step)
 *  and about 1 when Q jumps somewhere on the path (the jump stays). */
typedef struct nnv_scan {
    int quantity;   /**< enum nnv_scan_quantity */
    int n_levels;
    nnv_scan_level level[NNV_SCAN_MAX_LEVELS];
    double ratio[NNV_SCAN_MAX_LEVELS - 1]; /**< level[k].max_jump / level[k+1].max_jump;
                                                NaN when the finer jump is 0 */
} nnv_scan;

/** Check a path against a structure (atom indices in range and distinct, the
 *  bond or axis of non-zero length, a non-zero direction, t_start < t_end,
 *  finite numbers). NNV_OK or NNV_EUSAGE with a message. */
int nnv_path_check(const nnv_path *path, const nnv_structure *s, nnv_error *err);

/** Scan a quantity along the path with steps h, h/2, ..., h/2^(n_levels-1).
 *  Every level evaluates the whole range, so a kink anywhere on the path is
 *  crossed at every level, and each level reports where its largest jump is.
 *  @param[out] out   the scan
 *  @param p, s       potential and starting structure
 *  @param path       the path (checked with nnv_path_check)
 *  @param quantity   enum nnv_scan_quantity
 *  @param h          coarsest step (Å or degrees), > 0
 *  @param n_levels   2 .. NNV_SCAN_MAX_LEVELS
 *  @param o          evaluation options: only max_hessian_mb is read (what to
 *                    compute follows from quantity); NULL = defaults
 *  @return NNV_OK, NNV_EUSAGE for bad arguments or more than 10^6 points,
 *          or the status of nnv_compute. */
int nnv_path_scan(nnv_scan *out, const nnv_potential *p, const nnv_structure *s, const nnv_path *path,
                  int quantity, double h, int n_levels, const nnv_compute_options *o, nnv_error *err);

/** The analytic Hessian split into the network's own curvature and the
 *  symmetry functions' curvature. For atom i with SF Jacobian J_i, scales S
 *  and network N (gradient g, Hessian H_N with respect to the scaled inputs s):
 *    H_net = sum_i (S J_i)^T H_N (S J_i),   H_sf = sum_i sum_k g_k S_k d2G_k/dx2.
 *  Both are computed directly (not one as the difference of the other), by
 *  nnv_compute's own assembly keeping the two terms of every atom apart, so
 *  H_net is exactly 0 for a ReLU network (a'' = 0), both parts are exactly
 *  symmetric and do not depend on the thread count, and `closure` checks the
 *  split against nnv_compute's Hessian (rounding only). */
typedef struct nnv_curvature {
    int n_atoms;
    double *h_net;      /**< 3N x 3N, eV/Å² */
    double *h_sf;       /**< 3N x 3N, eV/Å² */
    double norm_total;  /**< Frobenius norm of nnv_compute's Hessian H */
    double norm_net;    /**< ||H_net||_F */
    double norm_sf;     /**< ||H_sf||_F */
    double net_share;   /**< ||H_net||_F / (||H_net||_F + ||H_sf||_F); 0 when both are 0 */
    double max_abs_net; /**< max |H_net element| (0 exactly for ReLU hidden layers) */
    double closure;     /**< max |H - H_net - H_sf|, eV/Å² (rounding only) */
} nnv_curvature;

/** Compute the split at s.
 *  @param[out] out  the split, freed with nnv_curvature_free
 *  @param p, s      potential and structure
 *  @param o         evaluation options: only max_hessian_mb is read; NULL = defaults
 *  @return NNV_OK, NNV_EUSAGE (no output, bad options), NNV_EINPUT (missing
 *          element, non-finite position), NNV_ENUMERIC, NNV_ENOMEM (also when
 *          the Hessian and its two parts, three 3N x 3N matrices, exceed the
 *          budget). */
int nnv_curvature_split(nnv_curvature **out, const nnv_potential *p, const nnv_structure *s,
                        const nnv_compute_options *o, nnv_error *err);
/** Release c and its matrices; NULL is accepted. */
void nnv_curvature_free(nnv_curvature *c);

/** Compare the analytic Hessian with nnv_hessian_fd for each of n steps (Å):
 *  nnv_analyse's cross-check (o->fd_check; nnv_fd_disagreement is in
 *  nnvib/analysis.h) at each step, without optimisation. Frequencies from
 *  nnv_vib_analyse with s->masses and linear detection.
 *  @param[out] out  n entries, caller-allocated
 *  @param steps     n steps, Å, each finite and > 0
 *  @param p, s      potential and structure
 *  @param o         evaluation options: total_charge and max_hessian_mb are
 *                   read; NULL = defaults
 *  @return NNV_OK, NNV_EUSAGE (no steps, a bad step), or the status of the
 *          evaluation or the harmonic analysis. */
int nnv_hessian_fd_disagreement(nnv_fd_disagreement *out, const double *steps, int n,
                                const nnv_potential *p, const nnv_structure *s, const nnv_compute_options *o,
                                nnv_error *err);

#ifdef __cplusplus
}
#endif
#endif
