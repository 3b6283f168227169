/* nnvib geometry optimisation: relaxing a molecule on a potential (L-BFGS with
 * a backtracking line search and a per-atom step cap) to the stationary point
 * that a harmonic analysis needs. */
#ifndef NNVIB_OPTIMIZE_H
#define NNVIB_OPTIMIZE_H

#include <nnvib/core.h>
#include <nnvib/potential.h>
#include <nnvib/structure.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Options for nnv_optimize (zero-initialised struct = defaults). */
typedef struct nnv_opt_options {
    int max_steps;      /**< default 500 */
    double fmax;        /**< convergence on max |force component|, eV/Å; default 1e-5 */
    double max_step;    /**< largest displacement of one atom per step, Å; default 0.2 */
} nnv_opt_options;

typedef struct nnv_opt_report {
    int steps;
    int converged;      /**< 1 when max force <= fmax */
    double energy;      /**< final energy, eV */
    double max_force;   /**< final max |force component|, eV/Å */
    int stalled;        /**< 1 when stopped early: NNV_OPT_STALL_STEPS steps without progress */
} nnv_opt_report;

/** Steps without progress (max |force| down by 1 %, or the energy by
 *  1e-6 eV, below their best) after which the optimiser gives up. */
#define NNV_OPT_STALL_STEPS 100
/** Guards of an unphysical surface: no two atoms closer than this (Å, the
 *  XYZ reader's limit) and the energy never this far below the start (eV per
 *  atom; a bond is a few eV, an atom's whole binding less than ~10). */
#define NNV_OPT_MIN_DISTANCE 0.1
#define NNV_OPT_MAX_FALL_PER_ATOM 5.0

/** Relax s->xyz in place (L-BFGS with a backtracking line search). Returns
 *  NNV_OK with report->converged = 0 when the step limit is reached or the
 *  run stalled (report->stalled): the caller reports it. NNV_ENUMERIC,
 *  with s->xyz left as given, when the surface is unphysical: two atoms
 *  closer than NNV_OPT_MIN_DISTANCE, or the energy more than
 *  NNV_OPT_MAX_FALL_PER_ATOM eV per atom below the start (atoms falling
 *  together on a network that extrapolates). */
int nnv_optimize(nnv_structure *s, const nnv_potential *p, const nnv_opt_options *opt,
                 nnv_opt_report *report, nnv_error *err);

#ifdef __cplusplus
}
#endif
#endif
