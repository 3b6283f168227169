/* Unit tests of the outputs other programs reuse: the XYZ writer (out_xyz.c),
 * the Hessian files (out_hessian.c) parsed back here by readers written from
 * the formats, not from the writer, and the isotope table (elements.c) with
 * the physics of an isotope substitution (Teller-Redlich product rule). */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

/* eV/Å² per Hartree/bohr², from CODATA 2018 written out here. */
#define AU_TO_EV_A2 (27.211386245988 / (0.529177210903 * 0.529177210903))

static nnv_potential *pot;
static nnv_analysis *water;

static void setup(void)
{
    nnv_structure *s = tu_molecule("water.xyz");
    nnv_analysis_options o;
    nnv_error err = {0, ""};
    pot = tu_potential("hcno-tanh.bin");
    memset(&o, 0, sizeof o);
    o.optimize = 1;
    o.opt.fmax = 1e-6;
    o.opt.max_steps = 500;
    ck_assert_msg(nnv_analyse(&water, pot, s, &o, &err) == NNV_OK, "%s", err.message);
    nnv_structure_free(s);
}

static void teardown(void)
{
    nnv_analysis_free(water);
    nnv_potential_free(pot);
}

/* ---- isotope labels ----------------------------------------------------------- */

START_TEST(test_isotope_table)
{
    static const struct {
        const char *label;
        int Z;
        double mass; /* NIST, Atomic Weights and Isotopic Compositions */
    } cases[] = {{"D", 1, 2.01410177812},     {"T", 1, 3.0160492779},     {"2H", 1, 2.01410177812},
                 {"1H", 1, 1.00782503223},    {"12C", 6, 12.0},           {"13C", 6, 13.00335483507},
                 {"13c", 6, 13.00335483507},  {"14N", 7, 14.00307400443}, {"15N", 7, 15.00010889888},
                 {"16O", 8, 15.99491461957},  {"17O", 8, 16.99913175650}, {"18O", 8, 17.99915961286}};
    nnv_error err = {0, ""};
    int Z;
    double m;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ck_assert_int_eq(nnv_isotope_mass(cases[i].label, &Z, &m, &err), NNV_OK);
        ck_assert_int_eq(Z, cases[i].Z);
        ck_assert_msg(m == cases[i].mass, "%s: %.12f", cases[i].label, m);
    }
    /* the most abundant isotope by label is bit for bit the default mass */
    ck_assert_int_eq(nnv_isotope_mass("16O", &Z, &m, &err), NNV_OK);
    ck_assert(m == nnv_element_mass(8));
    ck_assert_int_eq(nnv_isotope_mass("1H", &Z, &m, &err), NNV_OK);
    ck_assert(m == nnv_element_mass(1));
    static const char *bad[] = {"", "X", "13", "C13", "19O", "2D", "DD", "13Q"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err.message[0] = '\0';
        ck_assert_int_eq(nnv_isotope_mass(bad[i], &Z, &m, &err), NNV_EINPUT);
        ck_assert_msg(strstr(err.message, "unknown label") != NULL, "%s", err.message);
    }
    ck_assert_int_eq(nnv_isotope_mass(NULL, &Z, &m, &err), NNV_EUSAGE);
}
END_TEST

/* D2O against H2O on the same Hessian: every frequency drops, the stretches
 * by about the reduced-mass ratio sqrt(mu_OH / mu_OD), and the product of the
 * frequency ratios obeys the Teller-Redlich rule exactly (harmonic, at a
 * stationary point):
 *   prod nu'/nu = sqrt( prod_i (m_i/m'_i)^3 (M'/M)^3 I'_A I'_B I'_C / (I_A I_B I_C) ). */
START_TEST(test_isotope_shift)
{
    const nnv_structure *s = water->s;
    const nnv_vib *h = water->v;
    nnv_vib *d = NULL;
    nnv_error err = {0, ""};
    double md[3], mh[3], M = 0, Md = 0, lhs = 1, rhs = 1, mu_oh, mu_od;
    int Z;
    ck_assert_int_eq(nnv_isotope_mass("D", &Z, &md[1], &err), NNV_OK);
    md[0] = s->masses[0];
    md[2] = md[1];
    for (int i = 0; i < 3; i++) {
        mh[i] = s->masses[i];
        M += mh[i];
        Md += md[i];
        rhs *= pow(mh[i] / md[i], 3);
    }
    ck_assert_int_eq(nnv_vib_analyse(&d, 3, s->xyz, md, water->hessian, NULL, NNV_LINEAR_AUTO, &err), NNV_OK);
    ck_assert_int_eq(d->n_modes, 3);
    rhs *= pow(Md / M, 3);
    for (int k = 0; k < 3; k++) {
        rhs *= d->principal_moments[k] / h->principal_moments[k];
        lhs *= d->frequencies[k] / h->frequencies[k];
        ck_assert_msg(d->frequencies[k] < h->frequencies[k], "mode %d: %g >= %g", k + 1, d->frequencies[k],
                      h->frequencies[k]);
    }
    rhs = sqrt(rhs);
    ck_assert_msg(tu_close(lhs, rhs, 0, 1e-6), "product rule: %.9f vs %.9f", lhs, rhs);
    /* the O-H stretches: ratio near sqrt(mu_OH/mu_OD) = 0.7276 (1/sqrt 2 for an infinitely heavy O) */
    mu_oh = mh[0] * mh[1] / (mh[0] + mh[1]);
    mu_od = md[0] * md[1] / (md[0] + md[1]);
    for (int k = 1; k < 3; k++) {
        double ratio = d->frequencies[k] / h->frequencies[k];
        ck_assert_msg(fabs(ratio / sqrt(mu_oh / mu_od) - 1) < 0.02, "stretch %d: ratio %.4f", k + 1, ratio);
        ck_assert_msg(fabs(ratio * sqrt(2.0) - 1) < 0.05, "stretch %d: ratio %.4f", k + 1, ratio);
    }
    nnv_vib_free(d);
}
END_TEST

/* ---- XYZ ------------------------------------------------------------------------ */

START_TEST(test_xyz_roundtrip)
{
    char *dir = tu_tmpdir(), *path = tu_join(dir, "w.xyz");
    nnv_structure *t = NULL;
    nnv_error err = {0, ""};
    const nnv_structure *s = water->s;
    ck_assert_int_eq(nnv_xyz_write(path, s, "energy=-1.5 two\nlines", &err), NNV_OK);
    ck_assert_int_eq(nnv_structure_read_xyz(&t, path, 0, &err), NNV_OK);
    ck_assert_str_eq(t->comment, "energy=-1.5 two lines");
    ck_assert_int_eq(t->n_atoms, s->n_atoms);
    for (int i = 0; i < 3 * s->n_atoms; i++)
        ck_assert_msg(tu_close(t->xyz[i], s->xyz[i], 1e-10, 0), "%d: %.12f %.12f", i, t->xyz[i], s->xyz[i]);
    for (int i = 0; i < s->n_atoms; i++) ck_assert_int_eq(t->Z[i], s->Z[i]);
    nnv_structure_free(t);
    /* a failed write leaves nothing */
    free(path);
    path = tu_join(dir, "missing/w.xyz");
    ck_assert_int_eq(nnv_xyz_write(path, s, NULL, &err), NNV_EIO);
    ck_assert_int_eq(tu_dir_entries(dir), 1);
    free(path);
    tu_rmtree(dir);
}
END_TEST

/* ---- Hessian files: readers written from the formats ------------------------------ */

/* ORCA .hess: after "$hessian" the dimension, then blocks: a line of column
 * numbers, then n lines "row value...". Fills h (n x n, Hartree/bohr²) and the
 * $atoms block's masses and positions (bohr); returns the dimension or -1. */
static int read_orca(const char *text, double *h, int nmax, double *mass, double *pos, double *energy)
{
    const char *p = strstr(text, "\n$hessian\n");
    int n, used, natoms;
    if (!p || sscanf(p + 10, "%d%n", &n, &used) != 1 || n > nmax) return -1;
    p += 10 + used;
    for (int c0 = 0; c0 < n; c0 += 5) {
        int nc = n - c0 < 5 ? n - c0 : 5;
        for (int j = 0; j < nc; j++) {
            int col;
            if (sscanf(p, "%d%n", &col, &used) != 1 || col != c0 + j) return -1;
            p += used;
        }
        for (int i = 0; i < n; i++) {
            int row;
            if (sscanf(p, "%d%n", &row, &used) != 1 || row != i) return -1;
            p += used;
            for (int j = 0; j < nc; j++) {
                if (sscanf(p, "%lf%n", &h[(size_t)i * (size_t)n + (size_t)(c0 + j)], &used) != 1) return -1;
                p += used;
            }
        }
    }
    if (!(p = strstr(text, "\n$atoms\n")) || sscanf(p + 8, "%d%n", &natoms, &used) != 1 || 3 * natoms != n)
        return -1;
    p += 8 + used;
    for (int i = 0; i < natoms; i++) {
        char sym[4];
        if (sscanf(p, "%3s %lf %lf %lf %lf%n", sym, &mass[i], &pos[3 * i], &pos[3 * i + 1], &pos[3 * i + 2],
                   &used) != 5)
            return -1;
        p += used;
    }
    if (!(p = strstr(text, "\n$act_energy\n")) || sscanf(p + 13, "%lf", energy) != 1) return -1;
    return strstr(text, "\n$end\n") ? n : -1;
}

/* xtb/Turbomole: "$hessian" in column 1, then the rows, each starting on a new
 * line, five numbers a line; "$end". Returns the number of values read, -1 on
 * a layout error. */
static int read_turbomole(const char *text, double *h, int n)
{
    const char *p = text;
    int count = 0;
    if (strncmp(p, "$hessian\n", 9) != 0) return -1;
    p += 9;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j += 5) {
            int nl = n - j < 5 ? n - j : 5;
            const char *eol = strchr(p, '\n');
            for (int k = 0; k < nl; k++) {
                int used;
                if (sscanf(p, "%lf%n", &h[(size_t)i * (size_t)n + (size_t)(j + k)], &used) != 1) return -1;
                p += used;
                count++;
            }
            if (!eol || p != eol) return -1; /* a row's line ends after its values */
            p = eol + 1;
        }
    return strcmp(p, "$end\n") == 0 ? count : -1;
}

START_TEST(test_hessian_orca)
{
    char *dir = tu_tmpdir(), *path = tu_join(dir, "water.hess"), *text;
    const nnv_structure *s = water->s;
    double h[81], mass[3], pos[9], e, hmax = 0;
    nnv_error err = {0, ""};
    ck_assert_int_eq(nnv_hessian_format_from_path(path), NNV_HESSIAN_ORCA);
    ck_assert_int_eq(nnv_hessian_write(path, 0, s, water->hessian, water->r->energy, &err), NNV_OK);
    ck_assert_ptr_nonnull(text = tu_read_file(path, NULL));
    ck_assert_int_eq(read_orca(text, h, 9, mass, pos, &e), 9);
    for (int k = 0; k < 81; k++) hmax = fmax(hmax, fabs(water->hessian[k]));
    for (int k = 0; k < 81; k++) {
        double back = h[k] * AU_TO_EV_A2; /* %.10E: 11 significant digits */
        ck_assert_msg(tu_close(back, water->hessian[k], 1e-10 * hmax, 1e-10), "H[%d]: %.12g vs %.12g", k, back,
                      water->hessian[k]);
    }
    for (int i = 0; i < 3; i++) {
        ck_assert(tu_close(mass[i], s->masses[i], 5e-6, 0));
        for (int c = 0; c < 3; c++)
            ck_assert(tu_close(pos[3 * i + c] * 0.529177210903, s->xyz[3 * i + c], 1e-11, 0));
    }
    ck_assert(tu_close(e * 27.211386245988, water->r->energy, 1e-9, 0));
    free(text);
    free(path);
    tu_rmtree(dir);
}
END_TEST

START_TEST(test_hessian_turbomole)
{
    char *dir = tu_tmpdir(), *path = tu_join(dir, "hessian"), *text;
    double h[81];
    nnv_error err = {0, ""};
    ck_assert_int_eq(nnv_hessian_format_from_path(path), NNV_HESSIAN_TURBOMOLE);
    ck_assert_int_eq(nnv_hessian_write(path, 0, water->s, water->hessian, NAN, &err), NNV_OK);
    ck_assert_ptr_nonnull(text = tu_read_file(path, NULL));
    ck_assert_int_eq(read_turbomole(text, h, 9), 81);
    for (int k = 0; k < 81; k++) {
        double back = h[k] * AU_TO_EV_A2; /* %15.10f: 5e-11 Eh/bohr² = 5e-9 eV/Å² */
        ck_assert_msg(tu_close(back, water->hessian[k], 6e-9, 0), "H[%d]: %.12g vs %.12g", k, back,
                      water->hessian[k]);
    }
    /* an explicit format wins over the name */
    ck_assert_int_eq(nnv_hessian_write(path, NNV_HESSIAN_ORCA, water->s, water->hessian, 0, &err), NNV_OK);
    free(text);
    ck_assert_ptr_nonnull(text = tu_read_file(path, NULL));
    ck_assert_ptr_nonnull(strstr(text, "$orca_hessian_file"));
    /* bad input: nothing written, a message naming the file */
    {
        double bad[81];
        char *p2 = tu_join(dir, "bad.hess");
        memcpy(bad, water->hessian, sizeof bad);
        bad[40] = NAN;
        ck_assert_int_eq(nnv_hessian_write(p2, 0, water->s, bad, 0, &err), NNV_EINPUT);
        ck_assert_ptr_nonnull(strstr(err.message, p2));
        ck_assert_int_eq(nnv_hessian_write(p2, 7, water->s, water->hessian, 0, &err), NNV_EUSAGE);
        ck_assert_int_eq(nnv_hessian_write(p2, 0, water->s, NULL, 0, &err), NNV_EUSAGE);
        ck_assert_int_eq(tu_dir_entries(dir), 1);
        free(p2);
    }
    free(text);
    free(path);
    tu_rmtree(dir);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("reuse");
    TCase *tc = tcase_create("reuse");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_isotope_table);
    tcase_add_test(tc, test_isotope_shift);
    tcase_add_test(tc, test_xyz_roundtrip);
    tcase_add_test(tc, test_hessian_orca);
    tcase_add_test(tc, test_hessian_turbomole);
    suite_add_tcase(su, tc);
    return tu_run(su);
}
