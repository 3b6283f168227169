/* nnvib model evaluation: energy, forces, analytic Hessian, charges and dipole
 * derivatives of a Behler–Parrinello potential for one finite structure. */
#ifndef NNVIB_MODEL_H
#define NNVIB_MODEL_H

#include <nnvib/core.h>
#include <nnvib/potential.h>
#include <nnvib/structure.h>

#ifdef __cplusplus
extern "C" {
#endif

/** What to compute (energy and SF values are always computed). */
enum nnv_want {
    NNV_WANT_FORCES = 1u,
    NNV_WANT_HESSIAN = 2u,
    NNV_WANT_CHARGES = 4u,       /**< charges and dipole (needs charge networks) */
    NNV_WANT_DIPOLE_DERIV = 8u   /**< d mu / d x, 3 x 3N (needs charge networks) */
};

/** One symmetry function outside its training range [gmin, gmax]. */
typedef struct nnv_extrapolation {
    int atom;  /**< 0-based */
    int sf;    /**< 0-based index in the element's SF list */
    double value, gmin, gmax;
} nnv_extrapolation;

/** Results of one evaluation. Arrays not asked for are NULL. */
typedef struct nnv_result {
    int n_atoms;
    double energy;            /**< eV */
    double *atomic_energies;  /**< n_atoms, E0 + N(s(G)), eV */
    double *forces;           /**< 3N, eV/Å */
    double *hessian;          /**< 3N x 3N, eV/Å², symmetric */
    int *sf_offset;           /**< n_atoms + 1: atom i's SF values are sf_values[sf_offset[i] ..] */
    double *sf_values;        /**< unscaled G of every atom, in file order */
    int n_extrapolations;
    nnv_extrapolation *extrapolations;
    int has_charges;
    double total_charge;      /**< Q used for the neutrality correction, e */
    double *raw_charges;      /**< n_atoms, e */
    double *charges;          /**< n_atoms, e */
    double dipole[3];         /**< e Å, about the centre of mass */
    double *dipole_deriv;     /**< 3 x 3N, d mu_alpha / d x_b, e */
    /* A committee (nnv_potential.n_members > 0): everything above is the mean
     * of the members (exact: E is linear in them), and the spread is below.
     * Each standard deviation is spread_scale times the sample one (the sum of
     * squared deviations from the mean divided by K - 1). */
    int n_members;            /**< K, the committee's members; 0 for a single potential */
    double *member_energies;  /**< K, each member's total energy, eV (committee only) */
    double energy_std;        /**< sigma_E = spread_scale x sample std of member_energies, eV; 0 for a
                                   single potential */
    double *member_forces;    /**< K x 3N, member m's forces at [m * 3N + 3i + c], eV/Å (committee,
                                   with forces) */
    double *force_std;        /**< n_atoms, sigma_F,i = spread_scale x sqrt(sum_m |F_i,m - mean_m F_i,m|^2
                                   / (3 (K - 1))), the RMS over the three components of atom i's
                                   force deviations, eV/Å (committee, with forces) */
} nnv_result;

/** Options of nnv_compute. A zero-initialised struct (or NULL) asks for the
 *  energy and SF values only, total charge 0 and the default Hessian budget. */
typedef struct nnv_compute_options {
    unsigned want;         /**< enum nnv_want bits; NNV_WANT_HESSIAN implies the forces */
    double total_charge;   /**< Q for the neutrality correction, e; used only with charge networks */
    double max_hessian_mb; /**< budget for the 3N x 3N Hessian and the local blocks of one batch
                                of atoms, MiB; 0 = 2048 (about 5460 atoms) */
} nnv_compute_options;

/** Evaluate the potential: the energy and SF values always, the rest as
 *  o->want asks. A committee gives its members' mean in the usual fields,
 *  the member energies and energy spread always, the member forces and force
 *  spread with the forces. The library reads no environment variable: the budget is
 *  o->max_hessian_mb (the nnvib programs take it from NNVIB_MAX_HESSIAN_MB).
 *  Nothing non-finite is ever returned.
 *  @param[out] out  the results, free with nnv_result_free
 *  @param p, s      potential and structure
 *  @param o         what to compute and how; NULL = energy only
 *  @return NNV_OK;
 *          NNV_EUSAGE for a NULL or empty structure or potential, a potential
 *          without the networks its committee kind needs, or a negative
 *          or non-finite max_hessian_mb;
 *          NNV_EINPUT for an element the potential has no block for, a
 *          non-finite position, mass or total charge (the message names the atom);
 *          NNV_ENUMERIC when the networks give a non-finite energy, force,
 *          Hessian element, charge or dipole derivative (named), or the total
 *          energy overflows;
 *          NNV_ENOMEM when out of memory or when the 3N x 3N Hessian would
 *          exceed the Hessian budget (checked before allocating). */
int nnv_compute(nnv_result **out, const nnv_potential *p, const nnv_structure *s,
                const nnv_compute_options *o, nnv_error *err);

/** Hessian by central differences of the analytic forces (a cross-check, not
 *  the default), symmetrised: 6N force evaluations.
 *  @param[out] hessian  3N x 3N, eV/Å², caller-allocated
 *  @param p, s          potential and structure
 *  @param step          displacement, Å, finite and > 0
 *  @return NNV_OK, NNV_EUSAGE (bad step or empty structure), NNV_ENUMERIC (a
 *          non-finite element), or the status of nnv_compute. */
int nnv_hessian_fd(double *hessian, const nnv_potential *p, const nnv_structure *s,
                   double step, nnv_error *err);

/** Release r and its arrays; NULL is accepted. */
void nnv_result_free(nnv_result *r);

#ifdef __cplusplus
}
#endif
#endif
