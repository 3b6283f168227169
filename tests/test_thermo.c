/* Unit tests of the thermochemistry (thermo.c), the symmetry-number detector,
 * the broadening (spectrum.c) and the JCAMP-DX writers (out_jcamp.c).
 * Reference values are computed here from the textbook formulas written out
 * in molar SI units (McQuarrie, Statistical Mechanics, ch. 8; Grimme, Chem.
 * Eur. J. 2012, 18, 9955), by a path independent of thermo.c's, and checked
 * against measured standard entropies (NIST-JANAF tables).
 *
 * `test_thermo --eval T P SIGMA MULT LINEAR MASS I1 I2 I3 [QRRHO_CUTOFF|-] NU...`
 * prints ZPE U H S G (eV, eV/K) for tests/test_thermo_ase.sh. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "testutil.h"

/* CODATA 2018 */
#define H_PLANCK 6.62607015e-34   /* J s */
#define K_B 1.380649e-23          /* J/K */
#define N_A 6.02214076e23         /* 1/mol */
#define C_CM 2.99792458e10        /* cm/s */
#define E_CHARGE 1.602176634e-19  /* C = J/eV */
#define AMU 1.66053906660e-27     /* kg */
#define R_GAS (K_B * N_A)         /* J/(mol K) */
#define J_MOL_TO_EV (1.0 / (N_A * E_CHARGE))
#define PI 3.14159265358979323846

#define M_O 15.99491461957
#define M_H 1.00782503223
#define M_C 12.0
#define M_AR 39.9623831237

/* ---- hand formulas, molar SI (J/mol, J/(mol K)) ----------------------------- */
typedef struct hand {
    double zpe, u, h, s, g; /* J/mol and J/(mol K) */
    double s_trans, s_rot, s_vib, u_vib;
} hand;

/* θ_v = hcν̃/k; rotational constants B = h/(8π²cI) (cm⁻¹), θ_r = hcB/k;
 * Λ = h/√(2πmkT); S_t = R[ln(kT/(pΛ³)) + 5/2]; non-linear S_r =
 * R[ln(√π/σ · √(T³/(θAθBθC))) + 3/2]; linear S_r = R[ln(T/(σθ)) + 1];
 * S_v = R Σ[(θ/T)/(e^{θ/T}−1) − ln(1−e^{−θ/T})]; U_v = R Σ θ(½ + 1/(e^{θ/T}−1));
 * U = 3/2RT + U_rot + U_v; H = U + RT; G = H − TS. */
static hand hand_rrho(double T, double p_bar, int sigma, int mult, int linear, double mass_u,
                      const double I_uA2[3], int n, const double *nu)
{
    hand r = {0};
    double lambda = H_PLANCK / sqrt(2 * PI * mass_u * AMU * K_B * T);
    r.s_trans = R_GAS * (log(K_B * T / (p_bar * 1e5 * lambda * lambda * lambda)) + 2.5);
    double u_rot = 0;
    if (linear == 1) {
        double B = H_PLANCK / (8 * PI * PI * C_CM * I_uA2[2] * AMU * 1e-20);
        double theta = H_PLANCK * C_CM * B / K_B;
        r.s_rot = R_GAS * (log(T / (sigma * theta)) + 1.0);
        u_rot = R_GAS * T;
    } else if (linear == 0) {
        double th[3];
        for (int a = 0; a < 3; a++) {
            double B = H_PLANCK / (8 * PI * PI * C_CM * I_uA2[a] * AMU * 1e-20);
            th[a] = H_PLANCK * C_CM * B / K_B;
        }
        double q = sqrt(PI) / sigma * sqrt(T * T * T / (th[0] * th[1] * th[2]));
        r.s_rot = R_GAS * (log(q) + 1.5);
        u_rot = 1.5 * R_GAS * T;
    }
    for (int i = 0; i < n; i++) {
        if (nu[i] <= 0) continue;
        double th = H_PLANCK * C_CM * nu[i] / K_B, y = th / T;
        r.zpe += R_GAS * th / 2;
        r.u_vib += R_GAS * th * (0.5 + 1.0 / (exp(y) - 1.0));
        r.s_vib += R_GAS * (y / (exp(y) - 1.0) - log(1.0 - exp(-y)));
    }
    r.u = 1.5 * R_GAS * T + u_rot + r.u_vib;
    r.h = r.u + R_GAS * T;
    r.s = r.s_trans + r.s_rot + r.s_vib + R_GAS * log((double)mult);
    r.g = r.h - T * r.s;
    return r;
}

#define EV(x) ((x) * J_MOL_TO_EV)

/* Water: CCCBDB experimental geometry (molecules/water.xyz), in the yz plane
 * with C2 along z, so the inertia tensor about the centre of mass is diagonal:
 * Ixx = Σm(y²+z²), Iyy = Σmz², Izz = Σmy². */
static const double w_xyz[9] = {0, 0, 0.1173, 0, 0.7572, -0.4692, 0, -0.7572, -0.4692};
static const double w_m[3] = {M_O, M_H, M_H};
static const double w_nu[3] = {1594.7, 3657.1, 3755.9}; /* fundamentals, NIST */

static void water_moments(double I[3], double *mass)
{
    double M = 0, zc = 0;
    for (int i = 0; i < 3; i++) M += w_m[i], zc += w_m[i] * w_xyz[3 * i + 2];
    zc /= M;
    double Ixx = 0, Iyy = 0, Izz = 0;
    for (int i = 0; i < 3; i++) {
        double y = w_xyz[3 * i + 1], z = w_xyz[3 * i + 2] - zc;
        Ixx += w_m[i] * (y * y + z * z);
        Iyy += w_m[i] * z * z;
        Izz += w_m[i] * y * y;
    }
    /* ascending */
    I[0] = Iyy < Izz ? Iyy : Izz;
    I[1] = Iyy < Izz ? Izz : Iyy;
    I[2] = Ixx;
    *mass = M;
}

#define TIGHT 1e-9

START_TEST(test_water_hand)
{
    double I[3], M;
    water_moments(I, &M);
    nnv_thermo_options o = {.symmetry_number = 2};
    nnv_thermo t;
    nnv_error err = {0};
    ck_assert_int_eq(nnv_thermo_rrho(&t, 3, M, I, 0, 3, w_nu, &o, NULL, &err), NNV_OK);
    hand h = hand_rrho(298.15, 1.0, 2, 1, 0, M, I, 3, w_nu);
    ck_assert(tu_close(t.zpe, EV(h.zpe), 0, TIGHT));
    ck_assert(tu_close(t.u_vib, EV(h.u_vib), 0, TIGHT));
    ck_assert(tu_close(t.s_trans, EV(h.s_trans), 0, TIGHT));
    ck_assert(tu_close(t.s_rot, EV(h.s_rot), 0, TIGHT));
    ck_assert(tu_close(t.s_vib, EV(h.s_vib), 0, TIGHT));
    ck_assert(tu_close(t.u, EV(h.u), 0, TIGHT));
    ck_assert(tu_close(t.h, EV(h.h), 0, TIGHT));
    ck_assert(tu_close(t.s, EV(h.s), 0, TIGHT));
    ck_assert(tu_close(t.g, EV(h.g), 0, TIGHT));
    ck_assert_int_eq(t.rotor, NNV_ROTOR_NONLINEAR);
    ck_assert_int_eq(t.n_modes_used, 3);
    /* Measured: S°(H2O, g, 298.15 K, 1 bar) = 188.834 J/(mol K) (NIST-JANAF);
     * RRHO with the fundamentals is within a few tenths. */
    ck_assert(tu_close(t.s / J_MOL_TO_EV, 188.834, 0.5, 0));
    printf("water 298.15 K: ZPE %.6f eV (hand %.6f), H %.6f eV (hand %.6f), S %.9f eV/K "
           "(hand %.9f) = %.3f J/(mol K), G %.6f eV (hand %.6f)\n",
           t.zpe, EV(h.zpe), t.h, EV(h.h), t.s, EV(h.s), t.s / J_MOL_TO_EV, t.g, EV(h.g));
}
END_TEST

START_TEST(test_co2_linear)
{
    /* O=C=O, r = 1.1600 Å: I = 2 m_O r² about the centre. */
    double r = 1.1600, I2 = 2 * M_O * r * r;
    double I[3] = {0, I2, I2}, M = M_C + 2 * M_O;
    double nu[4] = {667.4, 667.4, 1333.0, 2349.1};
    nnv_thermo_options o = {.symmetry_number = 2};
    nnv_thermo t;
    ck_assert_int_eq(nnv_thermo_rrho(&t, 3, M, I, 1, 4, nu, &o, NULL, NULL), NNV_OK);
    hand h = hand_rrho(298.15, 1.0, 2, 1, 1, M, I, 4, nu);
    ck_assert_int_eq(t.rotor, NNV_ROTOR_LINEAR);
    ck_assert(tu_close(t.s_rot, EV(h.s_rot), 0, TIGHT));
    ck_assert(tu_close(t.u_rot, EV(R_GAS * 298.15), 0, TIGHT));
    ck_assert(tu_close(t.h, EV(h.h), 0, TIGHT));
    ck_assert(tu_close(t.s, EV(h.s), 0, TIGHT));
    ck_assert(tu_close(t.g, EV(h.g), 0, TIGHT));
    /* S°(CO2, g, 298.15 K) = 213.785 J/(mol K) (NIST-JANAF). */
    ck_assert(tu_close(t.s / J_MOL_TO_EV, 213.785, 0.5, 0));
}
END_TEST

START_TEST(test_atom)
{
    /* Argon: translation only; S°(Ar, g, 298.15 K, 1 bar) = 154.846 J/(mol K) (JANAF). */
    nnv_thermo t;
    ck_assert_int_eq(nnv_thermo_rrho(&t, 1, M_AR, NULL, 0, 0, NULL, NULL, NULL, NULL), NNV_OK);
    hand h = hand_rrho(298.15, 1.0, 1, 1, -1, M_AR, NULL, 0, NULL);
    ck_assert_int_eq(t.rotor, NNV_ROTOR_ATOM);
    ck_assert(tu_close(t.s, EV(h.s_trans), 0, TIGHT));
    ck_assert(tu_close(t.s / J_MOL_TO_EV, 154.846, 0.02, 0));
    ck_assert(tu_close(t.h, EV(2.5 * R_GAS * 298.15), 0, TIGHT));
    ck_assert(t.zpe == 0 && t.s_rot == 0 && t.s_vib == 0);
    /* Sackur–Tetrode scales as −k ln p: 10 bar lowers S by R ln 10. */
    nnv_thermo t10;
    nnv_thermo_options o = {.pressure = 10};
    ck_assert_int_eq(nnv_thermo_rrho(&t10, 1, M_AR, NULL, 0, 0, NULL, &o, NULL, NULL), NNV_OK);
    ck_assert(tu_close(t.s - t10.s, EV(R_GAS * log(10.0)), 0, TIGHT));
}
END_TEST

START_TEST(test_low_temperature)
{
    double I[3], M;
    water_moments(I, &M);
    nnv_thermo_options o = {.temperature = 1.0};
    nnv_thermo t;
    ck_assert_int_eq(nnv_thermo_rrho(&t, 3, M, I, 0, 3, w_nu, &o, NULL, NULL), NNV_OK);
    /* θ_v/T > 2000: every oscillator is in its ground state. */
    ck_assert(tu_close(t.u_vib, t.zpe, 1e-15, 0));
    ck_assert(t.s_vib >= 0 && t.s_vib < 1e-300 + 1e-30);
    ck_assert(t.cv_vib < 1e-30);
    /* ZPE = ½ Σ hcν̃ at any temperature. */
    double zpe = 0;
    for (int i = 0; i < 3; i++) zpe += 0.5 * H_PLANCK * C_CM * w_nu[i] / E_CHARGE;
    ck_assert(tu_close(t.zpe, zpe, 0, TIGHT));
    /* The other end, T → ∞: the classical kT per mode (the ZPE cancels against
     * −hν/2 of the thermal part; next term hν²/(12kT)). */
    o.temperature = 1e7;
    ck_assert_int_eq(nnv_thermo_rrho(&t, 3, M, I, 0, 3, w_nu, &o, NULL, NULL), NNV_OK);
    ck_assert(tu_close(t.u_vib, 3 * K_B * 1e7 / E_CHARGE, 0, 1e-6));
}
END_TEST

START_TEST(test_linear_vs_nonlinear)
{
    double I[3] = {1.0, 10.0, 10.0}, nu[1] = {1000};
    nnv_thermo lin, non;
    ck_assert_int_eq(nnv_thermo_rrho(&lin, 2, 20, I, 1, 1, nu, NULL, NULL, NULL), NNV_OK);
    ck_assert_int_eq(nnv_thermo_rrho(&non, 3, 20, I, 0, 1, nu, NULL, NULL, NULL), NNV_OK);
    double kT = K_B * 298.15 / E_CHARGE, k = K_B / E_CHARGE;
    ck_assert(tu_close(lin.u_rot, kT, 0, TIGHT));
    ck_assert(tu_close(non.u_rot, 1.5 * kT, 0, TIGHT));
    ck_assert(tu_close(lin.cv_rot, k, 0, TIGHT));
    ck_assert(tu_close(non.cv_rot, 1.5 * k, 0, TIGHT));
    ck_assert(tu_close(non.cp - non.cv, k, 0, TIGHT));
    /* Symmetry number: S_rot drops by k ln σ. */
    nnv_thermo s3;
    nnv_thermo_options o = {.symmetry_number = 3};
    ck_assert_int_eq(nnv_thermo_rrho(&s3, 3, 20, I, 0, 1, nu, &o, NULL, NULL), NNV_OK);
    ck_assert(tu_close(non.s_rot - s3.s_rot, k * log(3.0), 0, TIGHT));
    /* Non-linear with a zero moment is refused. */
    double I0[3] = {0, 10, 10};
    nnv_error err = {0};
    ck_assert_int_eq(nnv_thermo_rrho(&non, 3, 20, I0, 0, 1, nu, NULL, NULL, &err), NNV_EINPUT);
    ck_assert_ptr_nonnull(strstr(err.message, "moment"));
}
END_TEST

/* Free-rotor entropy of Grimme 2012 eqs. 4–6 (S/R), written out again. */
static double grimme_free_rotor(double nu, double T)
{
    double mu = H_PLANCK / (8 * PI * PI * nu * C_CM);
    double Bav = 1e-44;
    double mup = mu * Bav / (mu + Bav);
    return 0.5 + log(sqrt(8 * PI * PI * PI * mup * K_B * T / (H_PLANCK * H_PLANCK)));
}

START_TEST(test_qrrho)
{
    double I[3] = {1.0, 10.0, 11.0};
    double high[3] = {2000, 3000, 3500};
    nnv_thermo a, b;
    nnv_thermo_options q = {.qrrho = 1};
    ck_assert_int_eq(nnv_thermo_rrho(&a, 3, 30, I, 0, 3, high, NULL, NULL, NULL), NNV_OK);
    ck_assert_int_eq(nnv_thermo_rrho(&b, 3, 30, I, 0, 3, high, &q, NULL, NULL), NNV_OK);
    /* w = 1/(1 + (50/2000)^4) = 1 − 4e-7: the same entropy to that order
     * (T·ΔS below 1e-6 eV while S_rot of a mode is a few k). */
    ck_assert(fabs(b.s_vib - a.s_vib) * 298.15 < 1e-6);
    ck_assert(b.h == a.h && b.zpe == a.zpe);
    ck_assert_int_eq(b.qrrho, 1);
    ck_assert(b.qrrho_cutoff == 50.0);
    /* A 10 cm⁻¹ mode: the weighted mix of harmonic and free-rotor entropy. */
    double low[1] = {10.0};
    ck_assert_int_eq(nnv_thermo_rrho(&a, 3, 30, I, 0, 1, low, NULL, NULL, NULL), NNV_OK);
    ck_assert_int_eq(nnv_thermo_rrho(&b, 3, 30, I, 0, 1, low, &q, NULL, NULL), NNV_OK);
    double T = 298.15, y = H_PLANCK * C_CM * 10.0 / (K_B * T);
    double s_ho = y / (exp(y) - 1) - log(1 - exp(-y));
    double w = 1.0 / (1.0 + pow(50.0 / 10.0, 4));
    double expect = K_B / E_CHARGE * (w * s_ho + (1 - w) * grimme_free_rotor(10.0, T));
    ck_assert(tu_close(b.s_vib, expect, 0, TIGHT));
    ck_assert(b.s_vib < a.s_vib); /* the rotor tames the diverging harmonic entropy */
    /* Cutoff option: with ω0 = 100 cm⁻¹ the weight is (1 + 10^4)^-1. */
    q.qrrho_cutoff = 100;
    ck_assert_int_eq(nnv_thermo_rrho(&b, 3, 30, I, 0, 1, low, &q, NULL, NULL), NNV_OK);
    w = 1.0 / (1.0 + 1e4);
    expect = K_B / E_CHARGE * (w * s_ho + (1 - w) * grimme_free_rotor(10.0, T));
    ck_assert(tu_close(b.s_vib, expect, 0, TIGHT));
}
END_TEST

START_TEST(test_imaginary_and_options)
{
    double I[3] = {1.0, 10.0, 11.0}, nu[3] = {-120.0, 1500, 3000}, nu2[2] = {1500, 3000};
    nnv_warnings w = {0};
    nnv_thermo a, b;
    nnv_thermo_options o = {.multiplicity = 3};
    ck_assert_int_eq(nnv_thermo_rrho(&a, 3, 30, I, 0, 3, nu, &o, &w, NULL), NNV_OK);
    ck_assert_int_eq(w.count, 1);
    ck_assert_ptr_nonnull(strstr(w.messages[0], "imaginary"));
    ck_assert_int_eq(a.n_imaginary, 1);
    ck_assert_int_eq(a.n_modes_used, 2);
    ck_assert_int_eq(nnv_thermo_rrho(&b, 3, 30, I, 0, 2, nu2, &o, NULL, NULL), NNV_OK);
    ck_assert(a.g == b.g);
    ck_assert(tu_close(a.s_elec, K_B / E_CHARGE * log(3.0), 0, TIGHT));
    nnv_warnings_clear(&w);

    nnv_error err = {0};
    nnv_thermo_options bad = {.temperature = -1};
    ck_assert_int_eq(nnv_thermo_rrho(&a, 3, 30, I, 0, 2, nu2, &bad, NULL, &err), NNV_EUSAGE);
    ck_assert_ptr_nonnull(strstr(err.message, "temperature"));
    bad = (nnv_thermo_options){.pressure = NAN};
    ck_assert_int_eq(nnv_thermo_rrho(&a, 3, 30, I, 0, 2, nu2, &bad, NULL, &err), NNV_EUSAGE);
    bad = (nnv_thermo_options){.symmetry_number = -2};
    ck_assert_int_eq(nnv_thermo_rrho(&a, 3, 30, I, 0, 2, nu2, &bad, NULL, &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_thermo_rrho(&a, 3, -1, I, 0, 2, nu2, NULL, NULL, &err), NNV_EINPUT);
    double nanf[1] = {NAN};
    ck_assert_int_eq(nnv_thermo_rrho(&a, 3, 30, I, 0, 1, nanf, NULL, NULL, &err), NNV_EINPUT);
}
END_TEST

/* ---- symmetry numbers --------------------------------------------------------- */
static int sigma_of(int n, const int *Z, const double *xyz)
{
    double m[64];
    for (int i = 0; i < n; i++) m[i] = nnv_element_mass(Z[i]);
    int s = 0;
    nnv_error err = {0};
    ck_assert_int_eq(nnv_symmetry_number(&s, n, Z, xyz, m, 0, &err), NNV_OK);
    return s;
}

START_TEST(test_symmetry_numbers)
{
    int zw[3] = {8, 1, 1};
    ck_assert_int_eq(sigma_of(3, zw, w_xyz), 2); /* C2v */
    double w_bent[9];
    memcpy(w_bent, w_xyz, sizeof w_bent);
    w_bent[4] += 0.2; /* one O-H longer: Cs */
    ck_assert_int_eq(sigma_of(3, zw, w_bent), 1);

    /* NH3 (C3v): H on a circle of radius 0.94 Å, 0.38 Å below N. */
    int zn[4] = {7, 1, 1, 1};
    double nh3[12] = {0, 0, 0.1};
    for (int k = 0; k < 3; k++) {
        nh3[3 + 3 * k] = 0.94 * cos(2 * PI * k / 3);
        nh3[4 + 3 * k] = 0.94 * sin(2 * PI * k / 3);
        nh3[5 + 3 * k] = -0.28;
    }
    ck_assert_int_eq(sigma_of(4, zn, nh3), 3);

    /* CH4 (Td) = 12, CH3D-like with one H moved = 3. */
    int zc[5] = {6, 1, 1, 1, 1};
    double ch4[15] = {0, 0, 0, .629, .629, .629, -.629, -.629, .629, -.629, .629, -.629,
                      .629, -.629, -.629};
    ck_assert_int_eq(sigma_of(5, zc, ch4), 12);

    /* Benzene (D6h) = 12; ethylene (D2h) = 4. */
    int zb[12];
    double bz[36];
    for (int k = 0; k < 6; k++) {
        double a = 2 * PI * k / 6;
        zb[k] = 6;
        zb[6 + k] = 1;
        bz[3 * k] = 1.39 * cos(a), bz[3 * k + 1] = 1.39 * sin(a), bz[3 * k + 2] = 0;
        bz[18 + 3 * k] = 2.47 * cos(a), bz[19 + 3 * k] = 2.47 * sin(a), bz[20 + 3 * k] = 0;
    }
    ck_assert_int_eq(sigma_of(12, zb, bz), 12);
    int ze[6] = {6, 6, 1, 1, 1, 1};
    double eth[18] = {0, 0, 0.667, 0, 0, -0.667, 0, 0.923, 1.238, 0, -0.923, 1.238,
                      0, 0.923, -1.238, 0, -0.923, -1.238};
    ck_assert_int_eq(sigma_of(6, ze, eth), 4);

    /* SF6 (Oh) = 24. */
    int zs[7] = {16, 9, 9, 9, 9, 9, 9};
    double sf6[21] = {0, 0, 0, 1.56, 0, 0, -1.56, 0, 0, 0, 1.56, 0, 0, -1.56, 0, 0, 0, 1.56,
                      0, 0, -1.56};
    ck_assert_int_eq(sigma_of(7, zs, sf6), 24);

    /* Linear: CO2 (D∞h) = 2, HCN (C∞v) = 1; an atom = 1. */
    int zco2[3] = {6, 8, 8}, zhcn[3] = {1, 6, 7};
    double co2[9] = {0, 0, 0, 0, 0, 1.16, 0, 0, -1.16};
    double hcn[9] = {0, 0, -1.066, 0, 0, 0, 0, 0, 1.153};
    ck_assert_int_eq(sigma_of(3, zco2, co2), 2);
    ck_assert_int_eq(sigma_of(3, zhcn, hcn), 1);
    int zar[1] = {18};
    double ar[3] = {1, 2, 3};
    ck_assert_int_eq(sigma_of(1, zar, ar), 1);
    /* Isotopes break symmetry: HDO is Cs. */
    double mhdo[3] = {M_O, M_H, 2.01410177812};
    int s = 0;
    ck_assert_int_eq(nnv_symmetry_number(&s, 3, zw, w_xyz, mhdo, 0, NULL), NNV_OK);
    ck_assert_int_eq(s, 1);
}
END_TEST

/* ---- broadening ----------------------------------------------------------------- */
/* Fraction of a unit band centred at x0 lying in [a, b]. */
static double band_fraction(int shape, double fwhm, double x0, double a, double b)
{
    if (shape == NNV_LINESHAPE_GAUSSIAN) {
        double s = fwhm / (2 * sqrt(2 * log(2.0)));
        return 0.5 * (erf((b - x0) / (s * sqrt(2.0))) - erf((a - x0) / (s * sqrt(2.0))));
    }
    double g = fwhm / 2;
    return (atan((b - x0) / g) - atan((a - x0) / g)) / PI;
}

START_TEST(test_broadening)
{
    double pos[4] = {-50.0, 1000.0, 1650.5, 3700.0}, inten[4] = {99.0, 40.0, 70.0, 15.0};
    for (int shape = 0; shape <= 1; shape++) {
        nnv_spectrum_options o = {.lineshape = shape};
        nnv_spectrum *s = NULL;
        ck_assert_int_eq(nnv_spectrum_broaden(&s, 4, pos, inten, &o, NULL), NNV_OK);
        /* default grid: 400..4000 cm⁻¹ by 1 */
        ck_assert_int_eq(s->n_points, 3601);
        ck_assert(s->x_first == 400.0 && s->dx == 1.0 && s->fwhm == 10.0);
        /* Trapezoid integral = Σ I_k × (fraction of band k inside the grid),
         * to the quadrature error (tiny for ≥ 10 points per FWHM). */
        double integral = 0, expect = 0, a = 400, b = 4000;
        for (int i = 0; i < s->n_points; i++)
            integral += s->y[i] * (i == 0 || i == s->n_points - 1 ? 0.5 : 1.0) * s->dx;
        for (int k = 1; k < 4; k++) expect += inten[k] * band_fraction(shape, 10, pos[k], a, b);
        ck_assert(tu_close(integral, expect, 0, 1e-6));
        /* within 0.3 % of Σ I (the Lorentzian tails beyond the grid) */
        ck_assert(tu_close(integral, 125.0, 0, shape ? 1e-9 : 3e-3));
        /* height at a band centre on the grid: Lorentzian 2I/(π·FWHM),
         * Gaussian I·2√(ln2/π)/FWHM (plus the others' small tails). */
        double peak = s->y[1000 - 400];
        double h = shape ? 40.0 * 2 * sqrt(log(2.0) / PI) / 10 : 40.0 * 2 / (PI * 10);
        ck_assert(tu_close(peak, h, 0, shape ? 1e-9 : 2e-3));
        nnv_spectrum_free(s);
    }
    /* A low mode widens the grid downwards (to 0 at most); a narrow FWHM refines it. */
    double p2[1] = {30.0}, i2[1] = {1.0};
    nnv_spectrum_options o = {.fwhm = 2.0};
    nnv_spectrum *s = NULL;
    ck_assert_int_eq(nnv_spectrum_broaden(&s, 1, p2, i2, &o, NULL), NNV_OK);
    ck_assert(s->x_first == 10.0 && s->dx == 0.5);
    nnv_spectrum_free(s);
    nnv_error err = {0};
    o = (nnv_spectrum_options){.fwhm = -1};
    ck_assert_int_eq(nnv_spectrum_broaden(&s, 1, p2, i2, &o, &err), NNV_EUSAGE);
    ck_assert_ptr_null(s);
    o = (nnv_spectrum_options){.x_min = 500, .x_max = 100};
    ck_assert_int_eq(nnv_spectrum_broaden(&s, 1, p2, i2, &o, &err), NNV_EUSAGE);
    o = (nnv_spectrum_options){.lineshape = 7};
    ck_assert_int_eq(nnv_spectrum_broaden(&s, 1, p2, i2, &o, &err), NNV_EUSAGE);
}
END_TEST

/* ---- JCAMP-DX -------------------------------------------------------------------- */
static char tmpdir[64];

static void make_tmpdir(void)
{
    strcpy(tmpdir, "/tmp/nnvib-test-jcamp-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

/* Value of label `name` (the text after "##name="), or NULL. */
static const char *label(const char *text, const char *name)
{
    char key[64];
    snprintf(key, sizeof key, "##%s=", name);
    const char *p = strstr(text, key);
    return p ? p + strlen(key) : NULL;
}

START_TEST(test_jcamp_spectrum)
{
    make_tmpdir();
    double pos[3] = {1595.0, 3657.0, 3756.0}, inten[3] = {60.0, 5.0, 45.0};
    nnv_spectrum *s = NULL;
    ck_assert_int_eq(nnv_spectrum_broaden(&s, 3, pos, inten, NULL, NULL), NNV_OK);
    char path[128];
    snprintf(path, sizeof path, "%s/w.jdx", tmpdir);
    nnv_jcamp_info info = {.title = "water\n##END= test", .comment = "unit test"};
    nnv_error err = {0};
    ck_assert_int_eq(nnv_jcamp_write_spectrum(path, s, &info, &err), NNV_OK);
    size_t len = 0;
    char *t = tu_read_file(path, &len);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_ge(len, 400);
    /* TITLE first, the newline in it flattened, one END. */
    ck_assert(strncmp(t, "##TITLE=water ", 14) == 0);
    ck_assert_ptr_null(strstr(t, "\n##END= test"));
    /* Header order as JSpecView expects it. */
    const char *order[] = {"##TITLE=", "##JCAMP-DX=4.24", "##DATA TYPE=INFRARED SPECTRUM",
                           "##ORIGIN=", "##OWNER=", "##XUNITS=1/CM", "##YUNITS=", "##XFACTOR=",
                           "##YFACTOR=", "##FIRSTX=", "##LASTX=", "##NPOINTS=", "##FIRSTY=",
                           "##XYDATA=(X++(Y..Y))", "##END="};
    const char *prev = t;
    for (size_t k = 0; k < sizeof order / sizeof *order; k++) {
        const char *q = strstr(prev, order[k]);
        ck_assert_msg(q != NULL, "label %s missing or out of order", order[k]);
        prev = q;
    }
    ck_assert_int_eq(atoi(label(t, "NPOINTS")), 3601);
    ck_assert(atof(label(t, "FIRSTX")) == 400.0 && atof(label(t, "LASTX")) == 4000.0);
    ck_assert(atof(label(t, "DELTAX")) == 1.0);
    double yf = atof(label(t, "YFACTOR"));
    ck_assert(tu_close(atof(label(t, "FIRSTY")), s->y[0], 0.51 * yf, 0));
    /* Read XYDATA back: the X check value starts each line, lines <= 80 chars. */
    const char *p = strchr(label(t, "XYDATA"), '\n') + 1;
    int n = 0;
    double maxerr = 0;
    while (strncmp(p, "##END=", 6) != 0) {
        const char *eol = strchr(p, '\n');
        ck_assert_ptr_nonnull(eol);
        ck_assert_int_le((int)(eol - p), 80);
        char *q;
        double x = strtod(p, &q);
        ck_assert(x == 400.0 + n);
        while (q < eol) {
            double y = strtod(q, &q) * yf;
            ck_assert_int_lt(n, 3601);
            if (fabs(y - s->y[n]) > maxerr) maxerr = fabs(y - s->y[n]);
            n++;
            while (*q == ' ') q++;
        }
        p = eol + 1;
    }
    ck_assert_int_eq(n, 3601);
    ck_assert(maxerr <= 0.5 * yf * (1 + 1e-9));
    free(t);
    remove(path);

    /* A failed write leaves no file and no temporary. */
    snprintf(path, sizeof path, "%s/missing/w.jdx", tmpdir);
    ck_assert_int_eq(nnv_jcamp_write_spectrum(path, s, NULL, &err), NNV_EIO);
    ck_assert_int_ne(access(path, F_OK), 0);
    nnv_spectrum_free(s);
    ck_assert_int_eq(rmdir(tmpdir), 0); /* empty: no stray temporary file */
}
END_TEST

START_TEST(test_jcamp_peaks)
{
    make_tmpdir();
    double pos[4] = {3756.0, -80.0, 1595.0, 3657.0}, inten[4] = {45.0, 1.0, 60.0, 5.0};
    char path[128];
    snprintf(path, sizeof path, "%s/p.jdx", tmpdir);
    nnv_error err = {0};
    ck_assert_int_eq(nnv_jcamp_write_peaks(path, 4, pos, inten, NULL, &err), NNV_OK);
    size_t len = 0;
    char *t = tu_read_file(path, &len);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_ge(len, 400);
    ck_assert_ptr_nonnull(strstr(t, "##DATA TYPE=INFRARED PEAK TABLE\n"));
    ck_assert_ptr_nonnull(strstr(t, "##YUNITS=KM/MOL\n"));
    ck_assert_int_eq(atoi(label(t, "NPOINTS")), 3);
    /* imaginary left out, ascending X */
    const char *p = strchr(label(t, "PEAK TABLE"), '\n') + 1;
    double xs[3] = {1595, 3657, 3756}, ys[3] = {60, 5, 45};
    for (int k = 0; k < 3; k++) {
        char *q;
        ck_assert(strtod(p, &q) == xs[k]);
        ck_assert(*q == ',');
        ck_assert(strtod(q + 1, &q) == ys[k]);
        p = q + 1;
    }
    ck_assert(strncmp(p, "##END=", 6) == 0);
    free(t);
    remove(path);
    /* Without intensities: Y = 1 and a comment says why. */
    ck_assert_int_eq(nnv_jcamp_write_peaks(path, 4, pos, NULL, NULL, &err), NNV_OK);
    t = tu_read_file(path, &len);
    ck_assert_ptr_nonnull(strstr(t, "no intensities"));
    ck_assert_ptr_nonnull(strstr(t, "1595.000000, 1\n"));
    ck_assert_uint_ge(len, 400);
    free(t);
    remove(path);
    /* Only imaginary modes: refused, nothing written. */
    double neg[1] = {-5};
    ck_assert_int_eq(nnv_jcamp_write_peaks(path, 1, neg, NULL, NULL, &err), NNV_EINPUT);
    ck_assert_int_ne(access(path, F_OK), 0);
    ck_assert_int_eq(rmdir(tmpdir), 0);
}
END_TEST

/* ---- --eval mode for the ASE comparison ------------------------------------------ */
static int eval_main(int argc, char **argv)
{
    if (argc < 12) {
        fprintf(stderr, "usage: test_thermo --eval T P SIGMA MULT LINEAR MASS I1 I2 I3 "
                        "QRRHO_CUTOFF|- NU...\n");
        return 2;
    }
    nnv_thermo_options o = {.temperature = atof(argv[2]), .pressure = atof(argv[3]),
                            .symmetry_number = atoi(argv[4]), .multiplicity = atoi(argv[5])};
    int linear = atoi(argv[6]);
    double mass = atof(argv[7]), I[3] = {atof(argv[8]), atof(argv[9]), atof(argv[10])};
    if (strcmp(argv[11], "-") != 0) o.qrrho = 1, o.qrrho_cutoff = atof(argv[11]);
    int n = argc - 12;
    double *nu = malloc(((size_t)n + 1) * sizeof *nu);
    if (!nu) return 1;
    for (int i = 0; i < n; i++) nu[i] = atof(argv[12 + i]);
    nnv_thermo t;
    nnv_error err = {0};
    int n_atoms = linear ? 2 : 3; /* only atom vs molecule matters here */
    int rc = nnv_thermo_rrho(&t, n_atoms, mass, I, linear, n, nu, &o, NULL, &err);
    free(nu);
    if (rc != NNV_OK) {
        fprintf(stderr, "test_thermo: %s\n", err.message);
        return 1;
    }
    printf("%.12e %.12e %.12e %.12e %.12e\n", t.zpe, t.u, t.h, t.s, t.g);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--eval") == 0) return eval_main(argc, argv);
    Suite *s = suite_create("thermo");
    TCase *tc = tcase_create("thermo");
    tcase_add_test(tc, test_water_hand);
    tcase_add_test(tc, test_co2_linear);
    tcase_add_test(tc, test_atom);
    tcase_add_test(tc, test_low_temperature);
    tcase_add_test(tc, test_linear_vs_nonlinear);
    tcase_add_test(tc, test_qrrho);
    tcase_add_test(tc, test_imaginary_and_options);
    tcase_add_test(tc, test_symmetry_numbers);
    suite_add_tcase(s, tc);
    TCase *ts = tcase_create("spectrum");
    tcase_add_test(ts, test_broadening);
    tcase_add_test(ts, test_jcamp_spectrum);
    tcase_add_test(ts, test_jcamp_peaks);
    suite_add_tcase(s, ts);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
