/* nnvib thermochemistry: ideal-gas, rigid-rotor / harmonic-oscillator (RRHO)
 * zero-point energy, internal energy, enthalpy, entropy and Gibbs energy from
 * harmonic frequencies, optionally with Grimme's quasi-RRHO treatment of low
 * modes; and the rotational symmetry number of a molecule. */
#ifndef NNVIB_THERMO_H
#define NNVIB_THERMO_H

#include <nnvib/core.h>
#include <nnvib/vib.h>
#include <nnvib/units.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Default temperature, K. */
#define NNV_THERMO_DEFAULT_T 298.15
/** Default pressure, bar. */
#define NNV_THERMO_DEFAULT_P 1.0
/** Default quasi-RRHO rotor cutoff ω0, cm⁻¹ (xtb's default `sthr`). */
#define NNV_THERMO_DEFAULT_QRRHO_CUTOFF 50.0

/** Options for the thermochemistry (a zero-initialised struct = defaults:
 *  298.15 K, 1 bar, σ = 1, singlet, plain RRHO). Negative values are refused. */
typedef struct nnv_thermo_options {
    double temperature;  /**< K; 0 = NNV_THERMO_DEFAULT_T */
    double pressure;     /**< bar; 0 = NNV_THERMO_DEFAULT_P */
    int symmetry_number; /**< rotational symmetry number σ; 0 = 1 */
    int multiplicity;    /**< spin multiplicity 2S+1; 0 = 1 */
    int qrrho;           /**< 1: Grimme quasi-RRHO entropy for low modes */
    double qrrho_cutoff; /**< ω0 of the qRRHO damping, cm⁻¹; 0 = NNV_THERMO_DEFAULT_QRRHO_CUTOFF */
} nnv_thermo_options;

/** Rotor types in nnv_thermo.rotor. */
enum nnv_rotor { NNV_ROTOR_ATOM = 0, NNV_ROTOR_LINEAR = 1, NNV_ROTOR_NONLINEAR = 2 };

/** Thermochemistry of one molecule. Energies are corrections to the potential
 *  (electronic) energy in eV, entropies and heat capacity in eV/K. Plain
 *  struct, no allocations (nothing to free). */
typedef struct nnv_thermo {
    /* conditions actually used (defaults resolved) */
    double temperature;  /**< K */
    double pressure;     /**< bar */
    int symmetry_number; /**< σ */
    int multiplicity;    /**< 2S+1 */
    int rotor;           /**< enum nnv_rotor */
    int qrrho;           /**< 1 when the quasi-RRHO entropy was used */
    double qrrho_cutoff; /**< cm⁻¹ (meaningful when qrrho = 1) */
    int n_modes_used;    /**< real modes included */
    int n_imaginary;     /**< imaginary (and zero) modes excluded */
    double mass;         /**< total mass, u */
    double rot_temperatures[3]; /**< rotational temperatures Θ = h²/(8π²Ik), K
                                     (one for a linear rotor, none for an atom; unused = 0) */
    /* results */
    double zpe;          /**< zero-point energy ½Σhν, eV */
    double u_trans, u_rot, u_vib, u_elec; /**< thermal energy of each part, eV
                                             (u_vib includes the ZPE) */
    double s_trans, s_rot, s_vib, s_elec; /**< entropy of each part, eV/K */
    double cv_trans, cv_rot, cv_vib;      /**< heat capacity at constant volume, eV/K */
    double u;            /**< U = ZPE + thermal energy, eV */
    double h;            /**< H = U + kT, eV */
    double s;            /**< S, total, eV/K */
    double cv;           /**< Cv, total, eV/K */
    double cp;           /**< Cp = Cv + k, eV/K */
    double ts;           /**< T·S, eV */
    double g;            /**< G = H − TS, eV */
} nnv_thermo;

/** Thermochemistry from harmonic frequencies.
 *  @param[out] out        filled on success
 *  @param n_atoms         number of atoms (>= 1)
 *  @param mass            total mass, u
 *  @param moments         principal moments of inertia, u Å², ascending (as in
 *                         nnv_vib.principal_moments); ignored for one atom
 *  @param linear          1 for a linear molecule (rotor from the largest moment)
 *  @param n_freq          number of frequencies
 *  @param freq            frequencies, cm⁻¹; values <= 0 (imaginary) are excluded
 *                         with a warning
 *  @param opt             options, NULL = defaults
 *  @param warn            warnings (imaginary modes, missing symmetry), may be NULL
 *  @param[out] err        error record, may be NULL
 *  @return NNV_OK, NNV_EUSAGE for options out of range, NNV_EINPUT for
 *          inconsistent input (non-positive mass or moment). */
int nnv_thermo_rrho(nnv_thermo *out, int n_atoms, double mass, const double moments[3],
                    int linear, int n_freq, const double *freq, const nnv_thermo_options *opt,
                    nnv_warnings *warn, nnv_error *err);

/** Thermochemistry of a harmonic analysis (nnv_vib_analyse result) for a
 *  molecule of total mass `mass` (u): nnv_thermo_rrho on vib's data.
 *  @return NNV_OK, NNV_EUSAGE (NULL vib or out), or nnv_thermo_rrho's status. */
int nnv_thermo_compute(nnv_thermo *out, const nnv_vib *vib, double mass,
                       const nnv_thermo_options *opt, nnv_warnings *warn, nnv_error *err);

/** Rotational symmetry number σ: the number of proper rotations of the point
 *  group nnv_point_group_detect finds (symmetry.h) with tolerance `tol` Å
 *  (0 = NNV_SYM_TOL_DEFAULT, 0.05 Å): atoms of equal Z and mass must map onto
 *  each other. Linear molecules give 1 (Cinfv) or 2 (Dinfh), an atom 1;
 *  molecules of more than NNV_SYM_MAX_ATOMS atoms are not searched (σ = 1).
 *  @param[out] sigma   σ >= 1
 *  @return NNV_OK, NNV_EINPUT for n_atoms < 1, NULL arrays or a bad mass or
 *          position, NNV_EUSAGE for tol < 0, NNV_ENOMEM. */
int nnv_symmetry_number(int *sigma, int n_atoms, const int *Z, const double *xyz,
                        const double *masses, double tol, nnv_error *err);

#ifdef __cplusplus
}
#endif
#endif
