/* Ideal-gas RRHO thermochemistry (translation, rotation, vibration, electronic
 * spin) with Grimme's quasi-RRHO entropy for low modes, and the rotational
 * symmetry number of the detected point group. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <nnvib.h>

/* The SI constants of units.h under short names (CODATA 2018). */
#define PLANCK_J_S      NNV_PLANCK_J_S
#define BOLTZMANN_J_K   NNV_BOLTZMANN_J_K
#define LIGHT_CM_S      NNV_LIGHT_CM_S
#define EV_J            NNV_ELEMENTARY_CHARGE_C
#define AMU_KG          NNV_ATOMIC_MASS_KG
#define BAR_PA          1.0e5
#define PI              3.14159265358979323846
#define K_EV            NNV_BOLTZMANN_EV_K
#define HC_EV_CM        (PLANCK_J_S * LIGHT_CM_S / EV_J)    /* eV·cm: E = hc·ν̃ */
/* Grimme's average molecular moment of inertia for the qRRHO free rotor,
 * B_av = 1e-44 kg m² (Chem. Eur. J. 2012, 18, 9955, eq. 5; also xtb). */
#define QRRHO_BAV_KG_M2 1.0e-44
#define QRRHO_ALPHA     4.0

/* Entropy (in units of k) of a free 1-D rotor standing in for a mode of
 * wavenumber nu (cm⁻¹): μ = h/(8π²ν) with ν in s⁻¹, reduced against B_av,
 * S/k = ½ + ln √(8π³ μ' kT / h²) (Grimme 2012, eqs. 4–6). */
static double free_rotor_s_over_k(double nu, double T)
{
    double nu_hz = nu * LIGHT_CM_S;
    double mu = PLANCK_J_S / (8.0 * PI * PI * nu_hz);
    double mu_eff = mu * QRRHO_BAV_KG_M2 / (mu + QRRHO_BAV_KG_M2);
    return 0.5 + log(sqrt(8.0 * PI * PI * PI * mu_eff * BOLTZMANN_J_K * T) / PLANCK_J_S);
}

/* Rotational temperature Θ = h²/(8π² I k) of a moment I in u Å². */
static double rot_temperature(double I_uA2)
{
    double I = I_uA2 * AMU_KG * 1e-20;
    return PLANCK_J_S * PLANCK_J_S / (8.0 * PI * PI * I * BOLTZMANN_J_K);
}

static int resolve_options(nnv_thermo *t, const nnv_thermo_options *opt, nnv_error *err)
{
    nnv_thermo_options o = {0};
    if (opt) o = *opt;
    if (!(o.temperature >= 0) || !isfinite(o.temperature))
        return nnv_error_set(err, NNV_EUSAGE, "temperature %g K: must be > 0", o.temperature);
    if (!(o.pressure >= 0) || !isfinite(o.pressure))
        return nnv_error_set(err, NNV_EUSAGE, "pressure %g bar: must be > 0", o.pressure);
    if (o.symmetry_number < 0)
        return nnv_error_set(err, NNV_EUSAGE, "symmetry number %d: must be >= 1",
                             o.symmetry_number);
    if (o.multiplicity < 0)
        return nnv_error_set(err, NNV_EUSAGE, "multiplicity %d: must be >= 1", o.multiplicity);
    if (!(o.qrrho_cutoff >= 0) || !isfinite(o.qrrho_cutoff))
        return nnv_error_set(err, NNV_EUSAGE, "qRRHO cutoff %g cm-1: must be > 0",
                             o.qrrho_cutoff);
    t->temperature = o.temperature > 0 ? o.temperature : NNV_THERMO_DEFAULT_T;
    t->pressure = o.pressure > 0 ? o.pressure : NNV_THERMO_DEFAULT_P;
    t->symmetry_number = o.symmetry_number > 0 ? o.symmetry_number : 1;
    t->multiplicity = o.multiplicity > 0 ? o.multiplicity : 1;
    t->qrrho = o.qrrho ? 1 : 0;
    t->qrrho_cutoff = o.qrrho_cutoff > 0 ? o.qrrho_cutoff : NNV_THERMO_DEFAULT_QRRHO_CUTOFF;
    return NNV_OK;
}

int nnv_thermo_rrho(nnv_thermo *out, int n_atoms, double mass, const double moments[3],
                    int linear, int n_freq, const double *freq, const nnv_thermo_options *opt,
                    nnv_warnings *warn, nnv_error *err)
{
    nnv_thermo t;
    memset(&t, 0, sizeof t);
    int rc = NNV_OK;
    if (!out) return nnv_error_set(err, NNV_EUSAGE, "thermochemistry: no output struct");
    if ((rc = resolve_options(&t, opt, err)) != NNV_OK) goto cleanup;
    if (n_atoms < 1) {
        rc = nnv_error_set(err, NNV_EINPUT, "thermochemistry: %d atoms", n_atoms);
        goto cleanup;
    }
    if (!(mass > 0) || !isfinite(mass)) {
        rc = nnv_error_set(err, NNV_EINPUT, "thermochemistry: total mass %g u: must be > 0", mass);
        goto cleanup;
    }
    if (n_freq < 0 || (n_freq > 0 && !freq)) {
        rc = nnv_error_set(err, NNV_EINPUT, "thermochemistry: %d frequencies", n_freq);
        goto cleanup;
    }
    t.mass = mass;
    const double T = t.temperature, kT = K_EV * T;

    /* Translation: U = 3/2 kT, Sackur–Tetrode S = k[ln((2πmkT/h²)^{3/2} kT/p) + 5/2]. */
    {
        double m = mass * AMU_KG, kTJ = BOLTZMANN_J_K * T;
        double lam = 2.0 * PI * m * kTJ / (PLANCK_J_S * PLANCK_J_S);
        double q_per_V = lam * sqrt(lam); /* (2πmkT/h²)^{3/2}, m⁻³ */
        t.u_trans = 1.5 * kT;
        t.cv_trans = 1.5 * K_EV;
        t.s_trans = K_EV * (log(q_per_V * kTJ / (t.pressure * BAR_PA)) + 2.5);
    }

    /* Rotation: classical rigid rotor (high-temperature limit). */
    if (n_atoms == 1) {
        t.rotor = NNV_ROTOR_ATOM;
    } else {
        if (!moments) {
            rc = nnv_error_set(err, NNV_EINPUT, "thermochemistry: no moments of inertia");
            goto cleanup;
        }
        double sigma = t.symmetry_number;
        if (linear) {
            t.rotor = NNV_ROTOR_LINEAR;
            double I = moments[2];
            if (!(I > 0) || !isfinite(I)) {
                rc = nnv_error_set(err, NNV_EINPUT,
                                   "thermochemistry: moment of inertia %g u A^2: must be > 0", I);
                goto cleanup;
            }
            t.rot_temperatures[0] = rot_temperature(I);
            t.u_rot = kT;
            t.cv_rot = K_EV;
            t.s_rot = K_EV * (log(T / (sigma * t.rot_temperatures[0])) + 1.0);
        } else {
            t.rotor = NNV_ROTOR_NONLINEAR;
            double prod = 1.0;
            for (int a = 0; a < 3; a++) {
                if (!(moments[a] > 0) || !isfinite(moments[a])) {
                    rc = nnv_error_set(err, NNV_EINPUT,
                                       "thermochemistry: moment of inertia %d = %g u A^2: must be "
                                       "> 0 for a non-linear molecule", a + 1, moments[a]);
                    goto cleanup;
                }
                t.rot_temperatures[a] = rot_temperature(moments[a]);
                prod *= T / t.rot_temperatures[a];
            }
            t.u_rot = 1.5 * kT;
            t.cv_rot = 1.5 * K_EV;
            t.s_rot = K_EV * (log(sqrt(PI * prod) / sigma) + 1.5);
        }
    }

    /* Vibration: harmonic oscillators; imaginary and zero modes left out. */
    for (int i = 0; i < n_freq; i++) {
        double nu = freq[i];
        if (!isfinite(nu)) {
            rc = nnv_error_set(err, NNV_EINPUT, "thermochemistry: frequency %d is not finite",
                               i + 1);
            goto cleanup;
        }
        if (nu <= 0) {
            t.n_imaginary++;
            continue;
        }
        t.n_modes_used++;
        double e = HC_EV_CM * nu, x = e / kT;
        double em1 = expm1(x); /* e^x − 1, overflows to inf for tiny T: then terms → 0 */
        double occ = isinf(em1) ? 0.0 : 1.0 / em1;
        t.zpe += 0.5 * e;
        t.u_vib += 0.5 * e + e * occ;
        double s_ho = x * occ - log1p(-exp(-x));
        double cv = isinf(em1) ? 0.0 : x * x * (em1 + 1.0) * occ * occ;
        if (!isfinite(cv)) cv = 0.0;
        t.cv_vib += K_EV * cv;
        if (t.qrrho) {
            /* Head-Gordon damping w = 1/(1 + (ω0/ω)^4): harmonic entropy for
             * high modes, free-rotor entropy for low ones (entropy only, as xtb). */
            double w = 1.0 / (1.0 + pow(t.qrrho_cutoff / nu, QRRHO_ALPHA));
            s_ho = w * s_ho + (1.0 - w) * free_rotor_s_over_k(nu, T);
        }
        t.s_vib += K_EV * s_ho;
    }
    if (t.n_imaginary > 0 && warn)
        nnv_warnings_add(warn, "thermochemistry: %d imaginary or zero mode%s left out", t.n_imaginary,
                         t.n_imaginary == 1 ? "" : "s");

    t.u_elec = 0.0;
    t.s_elec = K_EV * log((double)t.multiplicity);

    t.u = t.u_trans + t.u_rot + t.u_vib + t.u_elec;
    t.h = t.u + kT;
    t.s = t.s_trans + t.s_rot + t.s_vib + t.s_elec;
    t.cv = t.cv_trans + t.cv_rot + t.cv_vib;
    t.cp = t.cv + K_EV;
    t.ts = T * t.s;
    t.g = t.h - t.ts;
    if (!isfinite(t.g) || !isfinite(t.s)) {
        rc = nnv_error_set(err, NNV_ENUMERIC, "thermochemistry: non-finite result at T = %g K", T);
        goto cleanup;
    }
    *out = t;
cleanup:
    return rc;
}

int nnv_thermo_compute(nnv_thermo *out, const nnv_vib *vib, double mass,
                       const nnv_thermo_options *opt, nnv_warnings *warn, nnv_error *err)
{
    if (!vib) return nnv_error_set(err, NNV_EUSAGE, "thermochemistry: no vibrational analysis");
    return nnv_thermo_rrho(out, vib->n_atoms, mass, vib->principal_moments, vib->linear,
                           vib->n_modes, vib->frequencies, opt, warn, err);
}

/* ---- rotational symmetry number ------------------------------------------- */

/* The point-group detector decides (symmetry.h): σ is the number of proper
 * rotations of the detected group (2 for Dinfh, 1 for Cinfv). */
int nnv_symmetry_number(int *sigma, int n_atoms, const int *Z, const double *xyz,
                        const double *masses, double tol, nnv_error *err)
{
    nnv_point_group *g = NULL;
    if (!sigma || n_atoms < 1 || !Z || !xyz || !masses)
        return nnv_error_set(err, NNV_EINPUT, "symmetry number: no atoms");
    *sigma = 1;
    if (!(tol >= 0)) return nnv_error_set(err, NNV_EUSAGE, "symmetry tolerance %g A < 0", tol);
    int rc = nnv_point_group_detect(&g, n_atoms, Z, xyz, masses, tol, err);
    if (rc == NNV_OK) *sigma = g->sigma;
    nnv_point_group_free(g);
    return rc;
}
