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
} nnv_opt_report;

/** Relax s->xyz in place (L-BFGS with a backtracking line search). Returns
 *  NNV_OK with report->converged = 0 when the step limit is reached: the caller
 *  reports it. */
int nnv_optimize(nnv_structure *s, const nnv_potential *p, const nnv_opt_options *opt,
                 nnv_opt_report *report, nnv_error *err);

#ifdef __cplusplus
}
#endif
#endif
