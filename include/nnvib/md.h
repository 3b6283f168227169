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
 *  Fails as nnv_compute does. Free with nnv_md_free. */
int nnv_md_new(nnv_md_state **out, const nnv_potential *p, const nnv_structure *s, nnv_error *err);
void nnv_md_free(nnv_md_state *st);

/** Maxwell–Boltzmann velocities at temperature T (K) from a seeded generator
 *  (splitmix64 + Box–Muller; the same seed gives the same velocities on every
 *  platform), then the centre-of-mass momentum removed and the velocities
 *  rescaled so that the kinetic temperature is exactly T with dof = 3N - 3.
 *  The angular momentum is NOT removed: in vacuum it is conserved, and the
 *  thermal rotation is part of the sampled motion. One atom: velocities 0. */
int nnv_md_maxwell_boltzmann(nnv_md_state *st, double temperature, uint64_t seed, nnv_error *err);

/** Remove the centre-of-mass velocity (mass-weighted). */
void nnv_md_remove_com(nnv_md_state *st);

/** Kinetic energy (eV) and kinetic temperature 2 Ekin / (dof kB) (K; 0 when dof = 0). */
double nnv_md_kinetic(const nnv_md_state *st);
double nnv_md_temperature(const nnv_md_state *st);

/** One velocity-Verlet step of dt fs (Swope et al., J. Chem. Phys. 76, 637
 *  (1982)): v += dt/2 a; x += dt v; new forces; v += dt/2 a.
 *  @return NNV_OK, NNV_EUSAGE (dt not finite or <= 0), or nnv_compute's status
 *          (the positions have then moved already: discard the state). */
int nnv_md_step(nnv_md_state *st, double dt, nnv_error *err);

/** Options of nnv_md_run (every field must be set). */
typedef struct nnv_md_options {
    double temperature;    /**< K, >= 0, initial Maxwell–Boltzmann temperature */
    double dt;             /**< fs, > 0 */
    int n_steps;           /**< >= 1 */
    uint64_t seed;
    const char *traj_path; /**< extended-XYZ trajectory, or NULL for none */
    int every;             /**< a frame every `every` steps (and step 0), >= 1 */
} nnv_md_options;

/** Figures of a run. Total energy E = Epot + Ekin, sampled at every step. */
typedef struct nnv_md_report {
    int n_steps;
    int n_frames;           /**< frames written to the trajectory */
    double dt;              /**< fs */
    double e_start;         /**< E at t = 0, eV */
    double e_end;           /**< E at the end, eV */
    double drift_per_ps;    /**< least-squares slope of E(t), eV/ps */
    double rms_fluctuation; /**< sqrt(mean (E - mean E)²), eV */
    double max_deviation;   /**< max |E(t) - E(0)|, eV */
    double mean_temperature; /**< K, over all samples including t = 0 */
    double mean_epot;       /**< eV */
    int n_extrapolating;    /**< steps at which some SF was outside its training range */
} nnv_md_report;

/** Run NVE MD from s: Maxwell–Boltzmann start (nnv_md_maxwell_boltzmann), then
 *  o->n_steps velocity-Verlet steps; the trajectory (when asked) is written
 *  atomically as extended XYZ with species, pos (Å), velocities (Å/fs) and
 *  forces (eV/Å) per atom, and step, time (fs), energy (Epot, eV),
 *  kinetic_energy, total_energy (eV) and temperature (K) per frame.
 *  @return NNV_OK; NNV_EUSAGE for bad options; NNV_EIO when the trajectory
 *          cannot be written (no partial file is left); nnv_compute's status. */
int nnv_md_run(nnv_md_report *report, const nnv_potential *p, const nnv_structure *s, const nnv_md_options *o,
               nnv_error *err);

#ifdef __cplusplus
}
#endif
#endif
