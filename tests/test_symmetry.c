/* Unit tests of the point groups and mode species (pointgroup.c, chartab.c,
 * irreps.c): the known point group of every shipped molecule, also randomly
 * rotated, moved and perturbed; the species counts of the vibrations from the
 * geometry alone (Gamma_vib) and from the modes of the shipped tanh potential
 * at its optimised geometries; symmetrisation. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

#define PI 3.14159265358979323846

/* The known point groups (Herzberg; NIST CCCBDB) of the shipped molecules
 * (molecules/NAME.xyz) and their Gamma_vib in the standard orientation. */
static const struct {
    const char *name, *group, *gamma;
} known[] = {
    {"acetaldehyde", "Cs", "10A' + 5A''"},
    {"acetonitrile", "C3v", "4A1 + 4E"},
    {"acetylene", "Dinfh", "2Sigmag+ + Sigmau+ + Pig + Piu"},
    {"allene", "D2d", "3A1 + B1 + 3B2 + 4E"},
    {"ammonia", "C3v", "2A1 + 2E"},
    {"benzene", "D6h", "2A1g + A2g + 2B2g + E1g + 4E2g + A2u + 2B1u + 2B2u + 3E1u + 2E2u"},
    {"carbon_dioxide", "Dinfh", "Sigmag+ + Sigmau+ + Piu"},
    {"carbon_monoxide", "Cinfv", "Sigma+"},
    {"cyclopropane", "D3h", "3A1' + A2' + 4E' + A1'' + 2A2'' + 3E''"},
    /* Mulliken: the heavy-atom plane is yz (Shimanouchi's tables swap B1/B2) */
    {"dimethyl_ether", "C2v", "7A1 + 4A2 + 4B1 + 6B2"},
    {"ethane", "D3d", "3A1g + 3Eg + A1u + 2A2u + 3Eu"},
    /* x perpendicular to the plane, z along C=C */
    {"ethylene", "D2h", "3Ag + B2g + 2B3g + Au + 2B1u + 2B2u + B3u"},
    {"ethylene_oxide", "C2v", "5A1 + 3A2 + 3B1 + 4B2"},
    {"formaldehyde", "C2v", "3A1 + B1 + 2B2"},
    {"formic_acid", "Cs", "7A' + 2A''"},
    {"hydrazine", "C2", "7A + 5B"},
    {"hydrogen", "Dinfh", "Sigmag+"},
    {"hydrogen_cyanide", "Cinfv", "2Sigma+ + Pi"},
    {"hydrogen_peroxide", "C2", "4A + 2B"},
    {"hydroxylamine", "Cs", "6A' + 3A''"},
    {"methane", "Td", "A1 + E + 2T2"},
    {"methanol", "Cs", "8A' + 4A''"},
    {"methylamine", "Cs", "9A' + 6A''"},
    {"nitric_acid", "Cs", "7A' + 2A''"},
    {"nitrous_oxide", "Cinfv", "2Sigma+ + Pi"},
    {"ozone", "C2v", "2A1 + B2"},
    {"water", "C2v", "2A1 + B2"},
};
#define N_KNOWN ((int)(sizeof known / sizeof known[0]))

/* "2A1 + B2" from counts per irrep. */
static void counts_text(char *buf, size_t len, const nnv_point_group *g, const int *counts)
{
    buf[0] = '\0';
    for (int r = 0; r < nnv_point_group_n_irreps(g); r++) {
        if (!counts[r]) continue;
        size_t u = strlen(buf);
        if (counts[r] > 1)
            snprintf(buf + u, len - u, "%s%d%s", u ? " + " : "", counts[r], nnv_point_group_irrep_name(g, r));
        else
            snprintf(buf + u, len - u, "%s%s", u ? " + " : "", nnv_point_group_irrep_name(g, r));
    }
}

static nnv_point_group *detect(const nnv_structure *s, double tol)
{
    nnv_point_group *g = NULL;
    nnv_error err = {0, ""};
    ck_assert_msg(nnv_point_group_detect(&g, s->n_atoms, s->Z, s->xyz, s->masses, tol, &err) == NNV_OK,
                  "%s", err.message);
    return g;
}

static nnv_structure *molecule(int k)
{
    char name[64];
    snprintf(name, sizeof name, "%s.xyz", known[k].name);
    return tu_molecule(name);
}

static double uniform(uint64_t *state) { return (double)(rng_splitmix64(state) >> 11) * 0x1.0p-53; }

/* A random rotation (uniform quaternion), a translation of up to 5 Å and a
 * displacement of `noise` Å in a random direction for every atom. */
static void shake(nnv_structure *s, uint64_t seed, double noise)
{
    uint64_t st = seed;
    double q[4], n2 = 0;
    for (int a = 0; a < 4; a++) q[a] = uniform(&st) - 0.5, n2 += q[a] * q[a];
    for (int a = 0; a < 4; a++) q[a] /= sqrt(n2);
    double w = q[0], x = q[1], y = q[2], z = q[3];
    double R[9] = {1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
                   2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
                   2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)};
    double t[3] = {10 * uniform(&st) - 5, 10 * uniform(&st) - 5, 10 * uniform(&st) - 5};
    for (int i = 0; i < s->n_atoms; i++) {
        double *p = s->xyz + 3 * i, r[3];
        for (int a = 0; a < 3; a++) r[a] = R[3 * a] * p[0] + R[3 * a + 1] * p[1] + R[3 * a + 2] * p[2];
        double d[3] = {uniform(&st) - 0.5, uniform(&st) - 0.5, uniform(&st) - 0.5};
        double dl = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
        for (int a = 0; a < 3; a++) p[a] = r[a] + t[a] + noise * d[a] / dl;
    }
}

START_TEST(shipped_groups)
{
    for (int k = 0; k < N_KNOWN; k++) {
        nnv_structure *s = molecule(k);
        nnv_point_group *g = detect(s, 0);
        ck_assert_msg(strcmp(g->name, known[k].group) == 0, "%s: %s, expected %s", known[k].name, g->name,
                      known[k].group);
        ck_assert_msg(g->max_deviation < 0.01, "%s: deviation %g A", known[k].name, g->max_deviation);
        nnv_point_group_free(g);
        nnv_structure_free(s);
    }
}
END_TEST

START_TEST(rotated_perturbed_groups)
{
    for (int k = 0; k < N_KNOWN; k++)
        for (uint64_t seed = 1; seed <= 4; seed++) {
            nnv_structure *s = molecule(k);
            shake(s, 1000 * seed + (uint64_t)k, 0.005);
            nnv_point_group *g = detect(s, 0);
            ck_assert_msg(strcmp(g->name, known[k].group) == 0, "%s seed %d: %s, expected %s", known[k].name,
                          (int)seed, g->name, known[k].group);
            nnv_point_group_free(g);
            nnv_structure_free(s);
        }
}
END_TEST

/* Gamma_vib from the operations alone: independent of any potential. */
START_TEST(gamma_vib_counts)
{
    for (int k = 0; k < N_KNOWN; k++) {
        nnv_structure *s = molecule(k);
        shake(s, 77 + (uint64_t)k, 0.002);
        nnv_point_group *g = detect(s, 0);
        int counts[PG_MAX_IRREPS], dof = 0;
        char text[256];
        nnv_error err = {0, ""};
        ck_assert_msg(nnv_point_group_gamma_vib(counts, g, &err) == NNV_OK, "%s: %s", known[k].name, err.message);
        counts_text(text, sizeof text, g, counts);
        ck_assert_msg(strcmp(text, known[k].gamma) == 0, "%s: %s, expected %s", known[k].name, text,
                      known[k].gamma);
        for (int r = 0; r < nnv_point_group_n_irreps(g); r++) dof += counts[r] * nnv_point_group_irrep_dim(g, r);
        ck_assert_int_eq(dof, 3 * s->n_atoms - (g->linear ? 5 : 6));
        nnv_point_group_free(g);
        nnv_structure_free(s);
    }
}
END_TEST

/* The species of the modes of the shipped tanh potential at its own minimum
 * (nnvib --opt) add up to Gamma_vib, with no mode left unlabelled. */
START_TEST(mode_species_tanh)
{
    nnv_potential *p = tu_potential("hcno-tanh.bin");
    for (int k = 0; k < N_KNOWN; k++) {
        nnv_structure *s = molecule(k);
        nnv_analysis_options o;
        memset(&o, 0, sizeof o);
        o.optimize = 1;
        nnv_analysis *a = NULL;
        nnv_error err = {0, ""};
        ck_assert_msg(nnv_analyse(&a, p, s, &o, &err) == NNV_OK, "%s: %s", known[k].name, err.message);
        nnv_point_group *g = detect(a->s, 0);
        /* GFN2-xTB, the teacher, has a planar trans H2O2 (C2h) minimum, and so
         * has the potential it taught (the experimental one is C2, 112 deg) */
        int h2o2 = strcmp(known[k].name, "hydrogen_peroxide") == 0;
        const char *group = h2o2 ? "C2h" : known[k].group, *gamma = h2o2 ? "3Ag + Au + 2Bu" : known[k].gamma;
        ck_assert_msg(strcmp(g->name, group) == 0, "%s after --opt: %s", known[k].name, g->name);
        nnv_mode_symmetry *m = NULL;
        ck_assert_int_eq(nnv_mode_symmetry_assign(&m, g, a->v, a->s->masses, 0, &err), NNV_OK);
        ck_assert_msg(m->n_unclear == 0, "%s: %s", known[k].name, m->status);
        int counts[PG_MAX_IRREPS] = {0};
        for (int i = 0; i < m->n_modes; i++)
            if (m->set_start[i] == i) counts[m->irrep[i]]++;
        char text[256];
        counts_text(text, sizeof text, g, counts);
        ck_assert_msg(strcmp(text, gamma) == 0, "%s modes: %s, expected %s", known[k].name, text, gamma);
        /* a degenerate set has the dimension of its species and one frequency */
        for (int i = 0; i < m->n_modes; i++) {
            int st = m->set_start[i];
            ck_assert_int_eq(m->irrep[i], m->irrep[st]);
            ck_assert_msg(fabs(a->v->frequencies[i] - a->v->frequencies[st]) < 0.5, "%s mode %d",
                          known[k].name, i + 1);
        }
        nnv_mode_symmetry_free(m);
        nnv_point_group_free(g);
        nnv_analysis_free(a);
        nnv_structure_free(s);
    }
    nnv_potential_free(p);
}
END_TEST

/* Water's labels in order of frequency (bend, symmetric, antisymmetric
 * stretch) do not depend on how the input is oriented. */
START_TEST(water_labels_any_orientation)
{
    nnv_potential *p = tu_potential("hcno-tanh.bin");
    for (uint64_t seed = 0; seed < 3; seed++) {
        nnv_structure *s = tu_molecule("water.xyz");
        if (seed) shake(s, seed, 0.0);
        nnv_analysis_options o;
        memset(&o, 0, sizeof o);
        o.optimize = 1;
        nnv_analysis *a = NULL;
        nnv_error err = {0, ""};
        ck_assert_int_eq(nnv_analyse(&a, p, s, &o, &err), NNV_OK);
        nnv_point_group *g = detect(a->s, 0);
        nnv_mode_symmetry *m = NULL;
        ck_assert_int_eq(nnv_mode_symmetry_assign(&m, g, a->v, a->s->masses, 0, &err), NNV_OK);
        ck_assert_int_eq(m->n_modes, 3);
        ck_assert_str_eq(m->labels[0], "A1");
        ck_assert_str_eq(m->labels[1], "A1");
        ck_assert_str_eq(m->labels[2], "B2");
        nnv_mode_symmetry_free(m);
        nnv_point_group_free(g);
        nnv_analysis_free(a);
        nnv_structure_free(s);
    }
    nnv_potential_free(p);
}
END_TEST

/* A structure of lower symmetry than the Hessian's modes assume: a water
 * Hessian-free check that "?" and a status appear when characters are not
 * clean (a mode vector that is no species at all). */
START_TEST(unclear_mode)
{
    nnv_structure *s = tu_molecule("water.xyz");
    nnv_point_group *g = detect(s, 0);
    nnv_vib v;
    double modes[9], freq[1] = {1000.0};
    memset(&v, 0, sizeof v);
    v.n_atoms = 3;
    v.n_modes = 1;
    v.frequencies = freq;
    v.modes = modes;
    /* one H moves, the other does not: half A1, half B2 */
    memset(modes, 0, sizeof modes);
    int h = s->Z[0] == 1 ? 0 : 1;
    modes[3 * h] = 1.0;
    nnv_mode_symmetry *m = NULL;
    nnv_error err = {0, ""};
    ck_assert_int_eq(nnv_mode_symmetry_assign(&m, g, &v, s->masses, 0, &err), NNV_OK);
    ck_assert_str_eq(m->labels[0], "?");
    ck_assert_int_eq(m->irrep[0], -1);
    ck_assert_int_eq(m->n_unclear, 1);
    ck_assert_msg(strstr(m->status, "mode 1") != NULL, "%s", m->status);
    nnv_mode_symmetry_free(m);
    nnv_point_group_free(g);
    nnv_structure_free(s);
}
END_TEST

START_TEST(symmetrize)
{
    static const char *names[] = {"water", "benzene", "methane", "ethane", "allene", "carbon_dioxide",
                                  "acetonitrile", "cyclopropane"};
    for (int k = 0; k < (int)(sizeof names / sizeof names[0]); k++) {
        char file[64];
        snprintf(file, sizeof file, "%s.xyz", names[k]);
        nnv_structure *s = tu_molecule(file);
        shake(s, 5 + (uint64_t)k, 0.01);
        nnv_point_group *g = detect(s, 0);
        int n = s->n_atoms;
        double *x1 = malloc(3 * (size_t)n * sizeof *x1), *x2 = malloc(3 * (size_t)n * sizeof *x2);
        ck_assert_int_eq(nnv_point_group_symmetrize(x1, g, s->xyz, NULL), NNV_OK);
        double moved = 0, com0[3], com1[3] = {0, 0, 0}, M = 0;
        nnv_structure_com(s, com0);
        for (int i = 0; i < n; i++) {
            double d2 = 0;
            for (int a = 0; a < 3; a++) {
                d2 += (x1[3 * i + a] - s->xyz[3 * i + a]) * (x1[3 * i + a] - s->xyz[3 * i + a]);
                com1[a] += s->masses[i] * x1[3 * i + a];
            }
            M += s->masses[i];
            moved = fmax(moved, sqrt(d2));
        }
        ck_assert_msg(moved < g->tol, "%s moved %g A", names[k], moved);
        for (int a = 0; a < 3; a++) ck_assert(fabs(com1[a] / M - com0[a]) < 1e-10);
        /* the symmetrised structure has the group to 1e-9 A, and a second pass
         * changes nothing */
        nnv_point_group *g1 = NULL;
        ck_assert_int_eq(nnv_point_group_detect(&g1, n, s->Z, x1, s->masses, 1e-6, NULL), NNV_OK);
        ck_assert_str_eq(g1->name, g->name);
        ck_assert_msg(g1->max_deviation < 1e-9, "%s %g", names[k], g1->max_deviation);
        ck_assert_int_eq(nnv_point_group_symmetrize(x2, g1, x1, NULL), NNV_OK);
        for (int e = 0; e < 3 * n; e++) ck_assert(fabs(x2[e] - x1[e]) < 1e-10);
        nnv_point_group_free(g1);
        free(x1);
        free(x2);
        nnv_point_group_free(g);
        nnv_structure_free(s);
    }
}
END_TEST

/* Noise beyond the tolerance lowers the group instead of failing. */
START_TEST(noise_beyond_tolerance)
{
    nnv_structure *s = tu_molecule("methane.xyz");
    shake(s, 3, 0.2);
    nnv_point_group *g = detect(s, 0);
    ck_assert_msg(strcmp(g->name, "Td") != 0, "%s", g->name);
    ck_assert_int_ge(g->order, 1);
    nnv_point_group_free(g);
    nnv_structure_free(s);
}
END_TEST

/* The rotational symmetry number of thermochemistry is the detector's. */
START_TEST(symmetry_number_agrees)
{
    static const int sigma[] = {1, 3, 2, 4, 3, 12, 2, 1, 6, 2, 6, 4, 2, 2, 1, 2, 2, 1, 2, 1, 12, 1, 1, 1, 1, 2, 2};
    for (int k = 0; k < N_KNOWN; k++) {
        nnv_structure *s = molecule(k);
        nnv_point_group *g = detect(s, 0);
        int sg = 0;
        ck_assert_int_eq(nnv_symmetry_number(&sg, s->n_atoms, s->Z, s->xyz, s->masses, 0, NULL), NNV_OK);
        ck_assert_msg(sg == sigma[k] && g->sigma == sigma[k], "%s: %d %d, expected %d", known[k].name, sg,
                      g->sigma, sigma[k]);
        nnv_point_group_free(g);
        nnv_structure_free(s);
    }
}
END_TEST

START_TEST(bad_arguments)
{
    nnv_structure *s = tu_molecule("water.xyz");
    nnv_point_group *g = NULL;
    nnv_error err = {0, ""};
    ck_assert_int_eq(nnv_point_group_detect(NULL, 3, s->Z, s->xyz, s->masses, 0, &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_point_group_detect(&g, 0, s->Z, s->xyz, s->masses, 0, &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_point_group_detect(&g, 3, s->Z, s->xyz, s->masses, -1, &err), NNV_EUSAGE);
    double m[3] = {1, 0, 1};
    ck_assert_int_eq(nnv_point_group_detect(&g, 3, s->Z, s->xyz, m, 0, &err), NNV_EINPUT);
    ck_assert(strstr(err.message, "atom 2") != NULL);
    ck_assert_ptr_null(g);
    ck_assert_int_eq(nnv_point_group_symmetrize(NULL, NULL, NULL, &err), NNV_EUSAGE);
    /* one atom: C1, nothing to label */
    ck_assert_int_eq(nnv_point_group_detect(&g, 1, s->Z, s->xyz, s->masses, 0, &err), NNV_OK);
    ck_assert_str_eq(g->name, "C1");
    nnv_point_group_free(g);
    nnv_point_group_free(NULL);
    nnv_mode_symmetry_free(NULL);
    nnv_structure_free(s);
}
END_TEST

/* The file's labels in nnvib's spelling. */
START_TEST(species_ascii)
{
    static const char *in[][2] = {{"a1", "A1"}, {"b2g", "B2g"}, {"e'", "E'"}, {"a2''", "A2''"}, {"f2", "T2"},
                                  {"e1u", "E1u"}, {"\xCE\xA3g+", "Sigmag+"}, {"\xCE\xA0u", "Piu"},
                                  {"\xCE\xA3+", "Sigma+"}, {"D\xE2\x88\x9Eh", "Dinfh"}, {"C\xE2\x88\x9Ev", "Cinfv"},
                                  {"C2v", "C2v"}, {"", ""}};
    char out[NNV_SYM_LABEL_SIZE];
    for (size_t k = 0; k < sizeof in / sizeof in[0]; k++) {
        nnv_species_ascii(out, sizeof out, in[k][0]);
        ck_assert_str_eq(out, in[k][1]);
    }
}
END_TEST

/* Two close bands of different species that frequency alone swaps: the
 * species keep them apart, in the file's B1/B2 convention (Shimanouchi's b1
 * is Mulliken's B2 for a planar C2v molecule). */
START_TEST(assign_by_species)
{
    const char *tsv = "# point_group: C2v\n"
                      "mode\tsymmetry\tfreq_cm1\tdegeneracy\tir_active\tir_intensity_km_mol\tsource\tnotes\n"
                      "nu1\ta1\t1000\t1\tyes\t\ts\t\n"
                      "nu2\ta1\t2000\t1\tyes\t\ts\t\n"
                      "nu3\tb1\t2010\t1\tyes\t\ts\t\n";
    nnv_reference *r = NULL;
    nnv_error err = {0, ""};
    ck_assert_int_eq(nnv_reference_parse(&r, tsv, strlen(tsv), "t.tsv", &err), NNV_OK);
    double freq[3] = {990, 2004, 2012};
    char labels[3][NNV_SYM_LABEL_SIZE] = {"A1", "B2", "A1"};
    int irrep[3] = {0, 3, 0}, start[3] = {0, 1, 2};
    nnv_mode_symmetry ms = {3, labels, irrep, start, 0, ""};
    nnv_assignment *plain = NULL, *sp = NULL;
    ck_assert_int_eq(nnv_assign_modes(&plain, 3, freq, r, &err), NNV_OK);
    ck_assert_int_eq(plain->calc_band[1], 1); /* by frequency: 2004 -> nu2 */
    ck_assert_int_eq(nnv_assign_modes_species(&sp, 3, freq, &ms, "C2v", r, &err), NNV_OK);
    ck_assert_int_eq(sp->species_restricted, 1);
    ck_assert_int_eq(sp->calc_band[0], 0);
    ck_assert_int_eq(sp->calc_band[1], 2); /* B2 (Mulliken) = b1 (xz plane) */
    ck_assert_int_eq(sp->calc_band[2], 1);
    ck_assert_int_eq(sp->n_species_changed, 2);
    ck_assert(fabs(sp->total_cost - (10 + 6 + 12)) < 1e-9);
    nnv_assignment_free(sp);
    /* another group, or no labels: frequency only */
    ck_assert_int_eq(nnv_assign_modes_species(&sp, 3, freq, &ms, "Cs", r, &err), NNV_OK);
    ck_assert_int_eq(sp->species_restricted, 0);
    ck_assert_int_eq(sp->calc_band[1], 1);
    nnv_assignment_free(sp);
    ck_assert_int_eq(nnv_assign_modes_species(&sp, 3, freq, NULL, "C2v", r, &err), NNV_OK);
    ck_assert_int_eq(sp->species_restricted, 0);
    nnv_assignment_free(sp);
    nnv_assignment_free(plain);
    nnv_reference_free(r);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("symmetry");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, shipped_groups);
    tcase_add_test(tc, rotated_perturbed_groups);
    tcase_add_test(tc, gamma_vib_counts);
    tcase_add_test(tc, mode_species_tanh);
    tcase_add_test(tc, water_labels_any_orientation);
    tcase_add_test(tc, unclear_mode);
    tcase_add_test(tc, symmetrize);
    tcase_add_test(tc, noise_beyond_tolerance);
    tcase_add_test(tc, symmetry_number_agrees);
    tcase_add_test(tc, bad_arguments);
    tcase_add_test(tc, species_ascii);
    tcase_add_test(tc, assign_by_species);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return tu_run(suite()); }
