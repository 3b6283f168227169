/* nnvib molecular dynamics: microcanonical (NVE) velocity-Verlet runs on a
 * potential, to measure how well a potential conserves energy (a smooth one
 * drifts and fluctuates ~dt², a C0 one does not).
 *
 * Units: positions Å, velocities Å/fs, time fs, masses u, energies eV,
 * temperatures K. Accelerations: a = F/m * NNV_ACCEL_FACTOR (units.h), with F in eV/Å and
 * m in u giving Å/fs². */
#ifndef NNVIB_MD_H
#define NNVIB_MD_H

#include <stdint.h>
#include <nnvib/core.h>
#include <nnvib/potential.h>
#include <nnvib/structure.h>
#include <nnvib/units.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The state of a run: positions, velocities and the forces at the positions. */
typedef struct nnv_md_state {
    int n_atoms;
    int dof;        /**< degrees of freedom for the temperature: 3N - 3 (centre of mass fixed) */
    double time;    /**< fs */
    double *xyz;    /**< 3N, Å (the positions array of s below) */
    double *vel;    /**< 3N, Å/fs */
    double *forces; /**< 3N, eV/Å, at xyz */
    double epot;    /**< eV, at xyz */
    const nnv_potential *p;
    nnv_structure *s; /**< own copy of the structure (Z, masses, positions) */
} nnv_md_state;

/** Start a run at s's positions with zero velocities (forces evaluated).
 *  @param[out] out  the state, free with nnv_md_free
 *  @return NNV_OK, NNV_EUSAGE (NULL argument), NNV_ENOMEM, or the status of
 *          nnv_compute (NNV_EINPUT for an element without a block,
 *          NNV_ENUMERIC for non-finite forces). */
int nnv_md_new(nnv_md_state **out, const nnv_potential *p, const nnv_structure *s, nnv_error *err);
/** Free a state (NULL is fine; the potential is borrowed, not freed). */
void nnv_md_free(nnv_md_state *st);

/** Maxwell–Boltzmann velocities at temperature T (K) from a seeded generator
 *  (splitmix64 + Box–Muller; the same seed gives the same velocities on every
 *  platform), then the centre-of-mass momentum removed and the velocities
 *  rescaled so that the kinetic temperature is exactly T with dof = 3N - 3.
 *  The angular momentum is NOT removed: in vacuum it is conserved, and the
 *  thermal rotation is part of the sampled motion. One atom: velocities 0.
 *  @return NNV_OK, NNV_EUSAGE (NULL state, a negative or non-finite T). */
int nnv_md_maxwell_boltzmann(nnv_md_state *st, double temperature, uint64_t seed, nnv_error *err);

/** Remove the centre-of-mass velocity (mass-weighted). */
void nnv_md_remove_com(nnv_md_state *st);

/** Kinetic energy (eV) and kinetic temperature 2 Ekin / (dof kB) (K; 0 when dof = 0). */
double nnv_md_kinetic(const nnv_md_state *st);
double nnv_md_temperature(const nnv_md_state *st); /* see nnv_md_kinetic */

/** One velocity-Verlet step of dt fs (Swope et al., J. Chem. Phys. 76, 637
 *  (1982)): v += dt/2 a; x += dt v; new forces; v += dt/2 a.
 *  @return NNV_OK, NNV_EUSAGE (dt not finite or <= 0), or nnv_compute's status
 *          (the positions have then moved already: discard the state). */
int nnv_md_step(nnv_md_state *st, double dt, nnv_error *err);

/** An observer of a run (nnv_md_options.observe), called by nnv_md_run at
 *  step 0 and every `every` steps after it, e.g. to write a trajectory frame
 *  (nnv_extxyz_write_md_frame in nnvib/output.h).
 *  @param ctx   nnv_md_options.observe_ctx
 *  @param st    the state after `step` steps: positions, velocities, forces,
 *               potential energy and time (read only)
 *  @param step  steps done, 0 .. n_steps
 *  @param[out] err  the caller's error record (may be NULL): fill it when
 *               stopping the run with an error
 *  @return 0 (NNV_OK) to go on; any other value stops the run, and
 *          nnv_md_run returns that value. */
typedef int (*nnv_md_observer)(void *ctx, const nnv_md_state *st, int step, nnv_error *err);

/** Options of nnv_md_run. A zero-initialised struct (or a NULL pointer) means
 *  the defaults: 0.5 fs steps, 1000 of them, start at rest, no observer. */
typedef struct nnv_md_options {
    double temperature;      /**< K, >= 0: the Maxwell–Boltzmann start; 0 starts at rest */
    double dt;               /**< fs, >= 0; 0 means 0.5 */
    int n_steps;             /**< >= 0; 0 means 1000 */
    uint64_t seed;           /**< of the Maxwell–Boltzmann velocities */
    nnv_md_observer observe; /**< called at step 0 and every `every` steps, or NULL */
    void *observe_ctx;       /**< passed to observe */
    int every;               /**< observer stride in steps, >= 0; 0 means 10 */
} nnv_md_options;

/** Figures of a run. Total energy E = Epot + Ekin, sampled at every step. */
typedef struct nnv_md_report {
    int n_steps;
    int n_frames;           /**< calls of the observer (0 without one) */
    double dt;              /**< fs */
    double e_start;         /**< E at t = 0, eV */
    double e_end;           /**< E at the end, eV */
    double drift_per_ps;    /**< least-squares slope of E(t), eV/ps */
    double rms_fluctuation; /**< sqrt(mean (E - mean E)²), eV */
    double max_deviation;   /**< max |E(t) - E(0)|, eV */
    double mean_temperature; /**< K, over all samples including t = 0 */
    double mean_epot;       /**< eV */
    int n_extrapolating;    /**< steps at which some SF was outside its training range */
    int aborted;            /**< set with NNV_ENUMERIC when a guard stopped the run at step n_steps */
} nnv_md_report;

/** Guards of nnv_md_run: the total energy may not leave E(0) by more than
 *  this many eV per atom (a smooth potential at dt 0.5 fs stays below 1e-4,
 *  ReLU's methanol drifts 0.004 per ps), and the kinetic temperature may not
 *  exceed NNV_MD_MAX_HEATING times the start plus NNV_MD_MAX_HEATING_K
 *  (atoms falling together conserve energy but heat up). */
#define NNV_MD_MAX_DEVIATION_PER_ATOM 0.1
#define NNV_MD_MAX_HEATING 10.0
#define NNV_MD_MAX_HEATING_K 3000.0

/** Run NVE MD from s: Maxwell–Boltzmann start (nnv_md_maxwell_boltzmann), then
 *  n_steps velocity-Verlet steps, with the observer (when set) called at step
 *  0 and every `every` steps. The library writes no file: a trajectory is an
 *  observer that writes frames (nnv_extxyz_write_md_frame, nnvib/output.h).
 *  A run that breaks a guard (NNV_MD_MAX_DEVIATION_PER_ATOM,
 *  NNV_MD_MAX_HEATING) stops with NNV_ENUMERIC, report->aborted = 1 and
 *  report->n_steps the step it stopped at; the observer has seen that step.
 *  @param[out] report  the figures of the run (filled on NNV_OK)
 *  @param p  the potential
 *  @param s  the start structure (copied; not changed)
 *  @param o  options, or NULL for the defaults
 *  @param[out] err  error record, may be NULL
 *  @return NNV_OK; NNV_EUSAGE for a NULL report, potential or structure and
 *          for negative or non-finite options; NNV_ENUMERIC when the energy
 *          becomes non-finite (the run blew up); NNV_ENOMEM; nnv_compute's
 *          status (e.g. NNV_EINPUT for an element the potential lacks); or
 *          the observer's nonzero return value, which stopped the run. */
int nnv_md_run(nnv_md_report *report, const nnv_potential *p, const nnv_structure *s, const nnv_md_options *o,
               nnv_error *err);

#ifdef __cplusplus
}
#endif
#endif
