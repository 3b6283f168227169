/* nnvib units: every physical constant and unit factor the library and its
 * programs use, defined once (CODATA 2018; the SI-defining constants are exact
 * since 2019, the atomic mass constant and the Bohr radius are measured).
 * Internal units: Å, eV, u, e, fs; wavenumbers cm⁻¹. */
#ifndef NNVIB_UNITS_H
#define NNVIB_UNITS_H

/* ---- SI constants ------------------------------------------------------- */
/** Planck constant h, J s (exact). */
#define NNV_PLANCK_J_S 6.62607015e-34
/** Boltzmann constant k, J/K (exact). */
#define NNV_BOLTZMANN_J_K 1.380649e-23
/** Speed of light c, cm/s (exact). */
#define NNV_LIGHT_CM_S 2.99792458e10
/** Elementary charge e, C (exact): also J per eV. */
#define NNV_ELEMENTARY_CHARGE_C 1.602176634e-19
/** Atomic mass constant u, kg. */
#define NNV_ATOMIC_MASS_KG 1.66053906660e-27

/* ---- energies ------------------------------------------------------------- */
/** Boltzmann constant, eV/K: k/e = 8.617333262... × 10⁻⁵ eV/K, the ten
 *  digits CODATA 2018 prints (2·10⁻¹¹ relative below the exact quotient of
 *  the SI values above). The committed training data were drawn with it, so
 *  `make data` reproduces them byte for byte. */
#define NNV_BOLTZMANN_EV_K 8.617333262e-5
/** eV per hartree. */
#define NNV_HARTREE_EV 27.211386245988
/** kcal/mol per eV (e·N_A / 4184 J). */
#define NNV_KCAL_MOL_PER_EV 23.06054783061903
/** kJ/mol per eV (e·N_A / 1000 J). */
#define NNV_KJ_MOL_PER_EV 96.48533212331002

/* ---- lengths and dipoles ---------------------------------------------------- */
/** Bohr radius, Å. */
#define NNV_BOHR_ANGSTROM 0.529177210903
/** Debye per e·Å (1 e·Å = 4.80320471 D). */
#define NNV_DEBYE_PER_EA 4.80320471

/* ---- vibrations ----------------------------------------------------------------- */
/** cm⁻¹ per sqrt(eV/(Å²·u)): a mass-weighted Hessian eigenvalue λ in
 *  eV/(Å²·u) is the wavenumber NNV_CM1_FACTOR·√λ. */
#define NNV_CM1_FACTOR 521.4708983725066
/** mdyn/Å per eV/Å². */
#define NNV_MDYN_A_PER_EV_A2 0.1602176634
/** km/mol per (e/u^½)²: IR intensity of a mode from its dipole derivative. */
#define NNV_KM_MOL_FACTOR 974.8801118349581

/* ---- dynamics ------------------------------------------------------------------- */
/** Energy of 1 u·Å²/fs² in eV: 1 u·Å²/fs² = 1.66053906660e-17 J = 103.6426965... eV. */
#define NNV_EV_PER_UA2FS2 (1.66053906660e-17 / 1.602176634e-19)
/** Å/fs² per (eV/Å)/u: a = F/m · NNV_ACCEL_FACTOR (= 1/NNV_EV_PER_UA2FS2 = 9.64853321...e-3). */
#define NNV_ACCEL_FACTOR (1.0 / NNV_EV_PER_UA2FS2)

#endif
