/* Unit tests of the comparison with reference spectra: the Hungarian
 * assignment (hand-made cases with known optima, and exhaustive brute force
 * on random small matrices), degenerate bands and rectangular cases, the
 * metrics on known numbers, and the reference reader on good and bad files. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

/* ---- Hungarian ------------------------------------------------------------ */

/* Every row (or column, on the smaller side) used once, no column twice. */
static void check_matching(int n, int m, const int *rc)
{
    int used[16] = {0}, n_pairs = 0;
    for (int i = 0; i < n; i++) {
        if (rc[i] < 0) continue;
        ck_assert_int_lt(rc[i], m);
        ck_assert_int_eq(used[rc[i]], 0);
        used[rc[i]] = 1;
        n_pairs++;
    }
    ck_assert_int_eq(n_pairs, n < m ? n : m);
}

START_TEST(hungarian_square_known)
{
    /* Optimum 1 + 2 + 2 = 5 (row 0 -> 1, row 1 -> 0, row 2 -> 2); greedy by
     * rows would take 1 + 5 (+ 3) or worse. */
    const double c[9] = {4, 1, 3, 2, 0, 5, 3, 2, 2};
    int rc[3];
    double total = -1;
    ck_assert_int_eq(asg_min_cost(3, 3, c, rc, &total, NULL), NNV_OK);
    ck_assert(tu_close(total, 5, 1e-12, 0));
    ck_assert_int_eq(rc[0], 1);
    ck_assert_int_eq(rc[1], 0);
    ck_assert_int_eq(rc[2], 2);
}
END_TEST

START_TEST(hungarian_rectangular_known)
{
    /* 2 rows x 4 columns: row 0 best at col 3 (1), row 1 best at col 3 too
     * (0), so one must yield: 0->2 (2) + 1->3 (0) = 2 beats 0->3 (1) + 1->1 (5). */
    const double c[8] = {9, 7, 2, 1, 8, 5, 6, 0};
    int rc[2], rc_t[4];
    double ct[8], total;
    ck_assert_int_eq(asg_min_cost(2, 4, c, rc, &total, NULL), NNV_OK);
    ck_assert(tu_close(total, 2, 1e-12, 0));
    ck_assert_int_eq(rc[0], 2);
    ck_assert_int_eq(rc[1], 3);
    /* The transpose (4 rows x 2 columns): same optimum, two rows unassigned. */
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 4; j++) ct[j * 2 + i] = c[i * 4 + j];
    ck_assert_int_eq(asg_min_cost(4, 2, ct, rc_t, &total, NULL), NNV_OK);
    ck_assert(tu_close(total, 2, 1e-12, 0));
    ck_assert_int_eq(rc_t[0], -1);
    ck_assert_int_eq(rc_t[1], -1);
    ck_assert_int_eq(rc_t[2], 0);
    ck_assert_int_eq(rc_t[3], 1);
}
END_TEST

START_TEST(hungarian_empty_and_ties)
{
    const double tie[16] = {3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3};
    int rc[4] = {7, 7, 7, 7};
    double total = -1;
    nnv_error err = {0, ""};
    /* 0 x n and n x 0: nothing to assign, every row unassigned. */
    ck_assert_int_eq(asg_min_cost(0, 5, NULL, NULL, &total, NULL), NNV_OK);
    ck_assert(total == 0);
    ck_assert_int_eq(asg_min_cost(3, 0, NULL, rc, &total, NULL), NNV_OK);
    ck_assert_int_eq(rc[0], -1);
    ck_assert_int_eq(rc[2], -1);
    /* All costs equal: any perfect matching is optimal. */
    ck_assert_int_eq(asg_min_cost(4, 4, tie, rc, &total, NULL), NNV_OK);
    ck_assert(tu_close(total, 12, 1e-12, 0));
    check_matching(4, 4, rc);
    /* Bad arguments are refused, not crashed on. */
    {
        double bad[4] = {1, NAN, 2, 3};
        ck_assert_int_eq(asg_min_cost(2, 2, bad, rc, &total, &err), NNV_EUSAGE);
        ck_assert_ptr_nonnull(strstr(err.message, "row 1, column 2"));
        ck_assert_int_eq(asg_min_cost(-1, 2, bad, rc, &total, NULL), NNV_EUSAGE);
    }
}
END_TEST

/* Smallest total over every injective map of the smaller side into the
 * larger one (exhaustive, for n, m <= 7). */
static double brute(int n, int m, const double *c, int row, int *used, double acc)
{
    double best = HUGE_VAL;
    if (n <= m) {
        if (row == n) return acc;
        for (int j = 0; j < m; j++) {
            if (used[j]) continue;
            used[j] = 1;
            double v = brute(n, m, c, row + 1, used, acc + c[row * m + j]);
            used[j] = 0;
            if (v < best) best = v;
        }
    } else {
        /* columns as the smaller side */
        if (row == m) return acc;
        for (int i = 0; i < n; i++) {
            if (used[i]) continue;
            used[i] = 1;
            double v = brute(n, m, c, row + 1, used, acc + c[i * m + row]);
            used[i] = 0;
            if (v < best) best = v;
        }
    }
    return best;
}

static unsigned long long rng_state = 88172645463325252ull;
static double rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

START_TEST(hungarian_brute_force)
{
    double c[49], total;
    int rc[7], used[7];
    int n_cases = 0;
    for (int rep = 0; rep < 40; rep++)
        for (int n = 1; n <= 7; n++)
            for (int m = 1; m <= 7; m++) {
                if (rep >= 4 && (n + m) % 3 != rep % 3) continue; /* keep the run short */
                /* Half of the cases with small integers, so that ties are common. */
                for (int k = 0; k < n * m; k++) c[k] = rep % 2 ? floor(rnd() * 4) : rnd() * 1000;
                ck_assert_int_eq(asg_min_cost(n, m, c, rc, &total, NULL), NNV_OK);
                check_matching(n, m, rc);
                memset(used, 0, sizeof used);
                double best = brute(n, m, c, 0, used, 0);
                double sum = 0;
                for (int i = 0; i < n; i++)
                    if (rc[i] >= 0) sum += c[i * m + rc[i]];
                ck_assert_msg(tu_close(total, best, 1e-9, 1e-12), "%dx%d: %.12g vs brute force %.12g", n, m, total, best);
                ck_assert(tu_close(sum, total, 1e-9, 1e-12));
                n_cases++;
            }
    ck_assert_int_gt(n_cases, 500);
}
END_TEST

/* ---- assignment to bands ---------------------------------------------------- */

/* A reference built in memory from "freq:degeneracy" pairs. */
static nnv_reference *make_ref(int n, const double *freq, const int *deg)
{
    char buf[4096];
    size_t k = (size_t)snprintf(buf, sizeof buf, "mode\tfreq_cm1\tdegeneracy\n");
    nnv_reference *r = NULL;
    for (int i = 0; i < n; i++)
        k += (size_t)snprintf(buf + k, sizeof buf - k, "nu%d\t%.10g\t%d\n", i + 1, freq[i], deg[i]);
    ck_assert_int_eq(nnv_reference_parse(&r, buf, k, "made.tsv", NULL), NNV_OK);
    return r;
}

START_TEST(assign_degenerate_bands)
{
    /* Methane-like: the f2 bands take three modes each, e takes two. */
    const double rf[4] = {1306, 1534, 2917, 3019};
    const int rd[4] = {3, 2, 1, 3};
    const double calc[9] = {1300, 1302, 1304, 1540, 1542, 2900, 3000, 3003, 3006};
    nnv_reference *r = make_ref(4, rf, rd);
    nnv_assignment *a = NULL;
    ck_assert_int_eq(nnv_assign_modes(&a, 9, calc, r, NULL), NNV_OK);
    ck_assert_int_eq(a->band_n_calc[0], 3);
    ck_assert_int_eq(a->band_n_calc[1], 2);
    ck_assert_int_eq(a->band_n_calc[2], 1);
    ck_assert_int_eq(a->band_n_calc[3], 3);
    ck_assert(tu_close(a->band_calc[0], 1302, 1e-9, 0));
    ck_assert(tu_close(a->band_calc[1], 1541, 1e-9, 0));
    ck_assert(tu_close(a->band_calc[2], 2900, 1e-9, 0));
    ck_assert(tu_close(a->band_calc[3], 3003, 1e-9, 0));
    for (int i = 0; i < 3; i++) ck_assert_int_eq(a->calc_band[i], 0);
    ck_assert_int_eq(a->calc_band[5], 2);
    /* Band errors -4, +7, -17, -16: MAE 11, max 17. */
    ck_assert_int_eq(a->metrics.n_pairs, 4);
    ck_assert(tu_close(a->metrics.mae, 11, 1e-9, 0));
    ck_assert(tu_close(a->metrics.max_abs, 17, 1e-9, 0));
    ck_assert(tu_close(a->metrics.mean_signed, -7.5, 1e-9, 0));
    ck_assert_int_eq(a->metrics.n_unassigned_calc, 0);
    ck_assert_int_eq(a->metrics.n_unassigned_ref, 0);
    /* Σ|Δ| over the nine modes: 6+4+2 + 6+8 + 17 + 19+16+13 = 91. */
    ck_assert(tu_close(a->total_cost, 91, 1e-9, 0));
    nnv_assignment_free(a);
    nnv_reference_free(r);
}
END_TEST

START_TEST(assign_rectangular_and_imaginary)
{
    const double rf[3] = {1595, 3657, 3756};
    const int rd[3] = {1, 1, 1};
    nnv_reference *r = make_ref(3, rf, rd);
    nnv_assignment *a = NULL;
    /* More computed than reference, and an imaginary mode nearest in |ν|. */
    const double more[6] = {-1590, 120, 1600, 3650, 3760, 4500};
    ck_assert_int_eq(nnv_assign_modes(&a, 6, more, r, NULL), NNV_OK);
    ck_assert_int_eq(a->calc_band[0], -1);
    ck_assert_int_eq(a->calc_band[1], -1);
    ck_assert_int_eq(a->calc_band[2], 0);
    ck_assert_int_eq(a->calc_band[3], 1);
    ck_assert_int_eq(a->calc_band[4], 2);
    ck_assert_int_eq(a->calc_band[5], -1);
    ck_assert_int_eq(a->metrics.n_imaginary, 1);
    ck_assert_int_eq(a->metrics.n_unassigned_calc, 2);
    ck_assert_int_eq(a->metrics.n_unassigned_ref, 0);
    ck_assert_int_eq(a->metrics.n_pairs, 3);
    nnv_assignment_free(a);
    /* Missing modes: two computed for three bands (e.g. a truncated calculation). */
    const double fewer[2] = {1500, 3700};
    ck_assert_int_eq(nnv_assign_modes(&a, 2, fewer, r, NULL), NNV_OK);
    ck_assert_int_eq(a->metrics.n_pairs, 2);
    ck_assert_int_eq(a->metrics.n_unassigned_ref, 1);
    ck_assert_int_eq(a->metrics.n_unassigned_calc, 0);
    /* 3700 is 43 from 3657 and 56 from 3756: it goes to 3657. */
    ck_assert_int_eq(a->calc_band[1], 1);
    ck_assert(isnan(a->band_calc[2]));
    ck_assert_int_eq(a->band_n_calc[2], 0);
    nnv_assignment_free(a);
    /* No computed modes at all. */
    ck_assert_int_eq(nnv_assign_modes(&a, 0, NULL, r, NULL), NNV_OK);
    ck_assert_int_eq(a->metrics.n_pairs, 0);
    ck_assert_int_eq(a->metrics.n_unassigned_ref, 3);
    ck_assert(isnan(a->metrics.mae));
    nnv_assignment_free(a);
    nnv_reference_free(r);
}
END_TEST

START_TEST(assign_optimal_not_greedy)
{
    /* Nearest-first would give 1090 -> 1100 (10) and 1200 -> 1000 (200), 210 in
     * all; the optimum is 1090 -> 1000 (90) + 1200 -> 1100 (100) = 190. */
    const double rf[2] = {1000, 1100};
    const int rd[2] = {1, 1};
    const double calc[2] = {1090, 1200};
    nnv_reference *r = make_ref(2, rf, rd);
    nnv_assignment *a = NULL;
    ck_assert_int_eq(nnv_assign_modes(&a, 2, calc, r, NULL), NNV_OK);
    ck_assert(tu_close(a->total_cost, 190, 1e-9, 0));
    ck_assert_int_eq(a->calc_band[0], 0);
    ck_assert_int_eq(a->calc_band[1], 1);
    nnv_assignment_free(a);
    nnv_reference_free(r);
}
END_TEST

START_TEST(assign_ties_order_preserving)
{
    /* Both modes above both bands: either assignment costs Σ|Δ| = 25, so the
     * choice must not be left to rounding. The tie-break picks the
     * order-preserving one (1110 -> 1100, 1120 -> 1105; Σ Δ² 325 against
     * 425), whatever order the modes come in. */
    const double rf[2] = {1100, 1105};
    const int rd[2] = {1, 1};
    const double up[2] = {1110, 1120}, down[2] = {1120, 1110};
    nnv_reference *r = make_ref(2, rf, rd);
    nnv_assignment *a = NULL;
    ck_assert_int_eq(nnv_assign_modes(&a, 2, up, r, NULL), NNV_OK);
    ck_assert_int_eq(a->calc_band[0], 0);
    ck_assert_int_eq(a->calc_band[1], 1);
    ck_assert(tu_close(a->total_cost, 25, 1e-12, 0));
    nnv_assignment_free(a);
    ck_assert_int_eq(nnv_assign_modes(&a, 2, down, r, NULL), NNV_OK);
    ck_assert_int_eq(a->calc_band[0], 1);
    ck_assert_int_eq(a->calc_band[1], 0);
    ck_assert(tu_close(a->total_cost, 25, 1e-12, 0));
    nnv_assignment_free(a);
    nnv_reference_free(r);
}
END_TEST

/* ---- metrics --------------------------------------------------------------------- */

START_TEST(metrics_known_numbers)
{
    const double ref[3] = {1000, 2000, 3000};
    const double calc[3] = {1010, 2000, 2990};
    double scaled[3];
    nnv_metrics m;
    ck_assert_int_eq(nnv_compare_frequencies(&m, 3, calc, ref, NULL), NNV_OK);
    ck_assert_int_eq(m.n_pairs, 3);
    ck_assert(tu_close(m.mae, 20.0 / 3, 1e-12, 0));
    ck_assert(tu_close(m.rmse, sqrt(200.0 / 3), 1e-12, 0));
    ck_assert(tu_close(m.max_abs, 10, 1e-12, 0));
    ck_assert(tu_close(m.mean_signed, 0, 1e-12, 0));
    /* c = (1010e3 + 4e6 + 8.97e6) / (1020100 + 4e6 + 8940100) = 13980000 / 13960200 */
    ck_assert(tu_close(m.scale, 13980000.0 / 13960200.0, 0, 1e-14));
    /* A harmonic set that is the reference divided by 0.96: the scale factor
     * is exactly 0.96 and the scaled errors vanish. */
    for (int i = 0; i < 3; i++) scaled[i] = ref[i] / 0.96;
    ck_assert_int_eq(nnv_compare_frequencies(&m, 3, scaled, ref, NULL), NNV_OK);
    ck_assert(tu_close(m.scale, 0.96, 0, 1e-14));
    ck_assert(m.mae_scaled < 1e-9 && m.rmse_scaled < 1e-9 && m.max_abs_scaled < 1e-9);
    ck_assert(tu_close(m.mae, (1000 + 2000 + 3000) * (1 / 0.96 - 1) / 3, 1e-9, 0));
    /* No pairs: NaN figures, not zeros. */
    ck_assert_int_eq(nnv_compare_frequencies(&m, 0, NULL, NULL, NULL), NNV_OK);
    ck_assert(isnan(m.mae) && isnan(m.scale));
}
END_TEST

/* ---- reference reader ------------------------------------------------------------ */

static nnv_reference *read_src(const char *rel)
{
    char path[4096];
    nnv_reference *r = NULL;
    nnv_error err = {0, ""};
    snprintf(path, sizeof path, "%s/%s", tu_srcdir(), rel);
    ck_assert_msg(nnv_reference_read(&r, path, &err) == NNV_OK, "%s", err.message);
    return r;
}

START_TEST(reader_shipped_files)
{
    nnv_reference *r = read_src("reference_spectra/experimental/water.tsv");
    ck_assert_int_eq(r->kind, NNV_REF_EXPERIMENTAL);
    ck_assert_str_eq(r->molecule, "water");
    ck_assert_str_eq(r->point_group, "C2v");
    ck_assert_int_eq(r->n_bands, 3);
    /* Shimanouchi (1972): 3657, 1595, 3756 cm-1. */
    ck_assert(r->bands[0].freq == 3657 && r->bands[1].freq == 1595 && r->bands[2].freq == 3756);
    ck_assert_str_eq(r->bands[2].symmetry, "b1");
    ck_assert_int_eq(r->bands[2].ir_active, 1);
    ck_assert(isnan(r->bands[0].intensity));
    ck_assert_ptr_nonnull(strstr(r->bands[0].source, "Shimanouchi1972"));
    nnv_reference_free(r);

    r = read_src("reference_spectra/experimental/methane.tsv");
    ck_assert_int_eq(r->n_bands, 4);
    ck_assert_int_eq(r->bands[2].degeneracy, 3);
    ck_assert_int_eq(r->bands[0].ir_active, 0);
    nnv_reference_free(r);

    r = read_src("reference_spectra/experimental/ozone.tsv");
    ck_assert(tu_close(r->bands[0].intensity, 1.0, 1e-12, 0));
    ck_assert(tu_close(r->bands[0].freq, 1103.14, 1e-9, 0));
    nnv_reference_free(r);

    /* The teacher's file: nine component rows merge into four bands. */
    r = read_src("reference_spectra/gfn2xtb/methane.tsv");
    ck_assert_int_eq(r->kind, NNV_REF_HARMONIC);
    ck_assert_int_eq(r->n_bands, 4);
    ck_assert_int_eq(r->bands[0].degeneracy, 3);
    ck_assert_int_eq(r->bands[1].degeneracy, 2);
    ck_assert_int_eq(r->bands[2].degeneracy, 1);
    ck_assert_int_eq(r->bands[3].degeneracy, 3);
    ck_assert_str_eq(r->bands[0].mode, "1-3");
    ck_assert(tu_close(r->bands[0].freq, 1385.94, 1e-9, 0));
    ck_assert(tu_close(r->bands[3].intensity, 3 * 29.37, 1e-9, 0));
    nnv_reference_free(r);
}
END_TEST

START_TEST(reader_peak_table)
{
    const char *ok = "##TITLE=water peaks\n##JCAMP-DX=4.24\n##DATA TYPE=INFRARED PEAK TABLE\n##XUNITS=1/CM\n"
                     "##YUNITS=KM/MOL\n##NPOINTS=3\n##PEAK TABLE=(XY..XY)\n1595.0,70.0 3657.0,5.0\n3756.0,50.0\n"
                     "##END=\n";
    const char *spec = "##TITLE=s\n##JCAMP-DX=4.24\n##DATA TYPE=INFRARED SPECTRUM\n##XUNITS=1/CM\n"
                       "##YUNITS=ABSORBANCE\n##FIRSTX=1000\n##LASTX=1003\n##XFACTOR=1\n##YFACTOR=1\n"
                       "##NPOINTS=4\n##XYDATA=(X++(Y..Y))\n1000 0.1 0.2 0.3 0.4\n##END=\n";
    nnv_reference *r = NULL;
    nnv_error err = {0, ""};
    ck_assert_int_eq(nnv_reference_parse(&r, ok, strlen(ok), "p.jdx", &err), NNV_OK);
    ck_assert_int_eq(r->kind, NNV_REF_PEAK_TABLE);
    ck_assert_int_eq(r->n_bands, 3);
    ck_assert(r->bands[1].freq == 3657.0);
    ck_assert(r->bands[2].intensity == 50.0);
    ck_assert_str_eq(r->molecule, "water peaks");
    nnv_reference_free(r);
    r = NULL;
    ck_assert_int_eq(nnv_reference_parse(&r, spec, strlen(spec), "s.jdx", &err), NNV_EINPUT);
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(err.message, "s.jdx"));
    ck_assert_ptr_nonnull(strstr(err.message, "PEAK TABLE"));
}
END_TEST

/* Each malformed file: rejected with NNV_EINPUT, a message naming the file,
 * the line and (where there is one) the column. */
static const struct {
    const char *text, *expect1, *expect2;
} bad_files[] = {
    {"", "bad.tsv", "no header"},
    {"# comment only\n\n", "bad.tsv", "no header"},
    {"mode\tsymmetry\n", "bad.tsv:1:", "no freq_cm1"},
    {"mode\tfreq_cm1\tdegeneracy\n", "bad.tsv:1:", "no bands"},
    {"# c\nmode\tfreq_cm1\tdegeneracy\nnu1\tabc\t1\n", "bad.tsv:3:", "column 2 (freq_cm1)"},
    {"mode\tfreq_cm1\tdegeneracy\nnu1\t1000\t1\nnu2\t1e999\t1\n", "bad.tsv:3:", "column 2 (freq_cm1)"},
    {"mode\tfreq_cm1\tdegeneracy\nnu1\t-5\t1\n", "bad.tsv:2:", "> 0"},
    {"mode\tfreq_cm1\tdegeneracy\nnu1\t1000\t0\n", "bad.tsv:2:", "column 3 (degeneracy)"},
    {"mode\tfreq_cm1\tdegeneracy\nnu1\t1000\t1.5\n", "bad.tsv:2:", "column 3 (degeneracy)"},
    {"mode\tfreq_cm1\tdegeneracy\nnu1\t1000\n", "bad.tsv:2:", "2 tab-separated columns, the header has 3"},
    {"mode\tfreq_cm1\tdegeneracy\tir_active\nnu1\t1000\t1\tmaybe\n", "bad.tsv:2:", "column 4 (ir_active)"},
    {"freq_cm1\tir_intensity_km_mol\r\n1000\t-1\r\n", "bad.tsv:2:", "column 2 (ir_intensity_km_mol)"},
    {"freq_cm1\tfreq_cm1\n1\t2\n", "bad.tsv:1:", "appears twice"},
    {"freq_cm1\n10\n2\0\n", "bad.tsv:3:", "NUL"},
    {"mode\tfreq_cm1\tdegeneracy\nnu1\t 1000\t1\n", "bad.tsv:2:", "column 2 (freq_cm1)"},
};

START_TEST(reader_malformed)
{
    const char *t = bad_files[_i].text;
    /* The NUL case has an embedded NUL: its length is counted by hand. */
    size_t len = strlen(t);
    if (strstr(t, "10\n2") && len == strlen("freq_cm1\n10\n2")) len += 2;
    nnv_reference *r = NULL;
    nnv_error err = {0, ""};
    ck_assert_int_eq(nnv_reference_parse(&r, t, len, "bad.tsv", &err), NNV_EINPUT);
    ck_assert_ptr_null(r);
    ck_assert_msg(strstr(err.message, bad_files[_i].expect1) != NULL, "case %d: \"%s\" lacks \"%s\"", _i,
                  err.message, bad_files[_i].expect1);
    ck_assert_msg(strstr(err.message, bad_files[_i].expect2) != NULL, "case %d: \"%s\" lacks \"%s\"", _i,
                  err.message, bad_files[_i].expect2);
}
END_TEST

START_TEST(reader_missing_file)
{
    nnv_reference *r = NULL;
    nnv_error err = {0, ""};
    ck_assert_int_eq(nnv_reference_read(&r, "/nonexistent/ref.tsv", &err), NNV_EIO);
    ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/ref.tsv"));
    ck_assert_ptr_null(r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("compare");
    TCase *tc = tcase_create("assign");
    tcase_add_test(tc, hungarian_square_known);
    tcase_add_test(tc, hungarian_rectangular_known);
    tcase_add_test(tc, hungarian_empty_and_ties);
    tcase_add_test(tc, hungarian_brute_force);
    tcase_add_test(tc, assign_degenerate_bands);
    tcase_add_test(tc, assign_rectangular_and_imaginary);
    tcase_add_test(tc, assign_optimal_not_greedy);
    tcase_add_test(tc, assign_ties_order_preserving);
    tcase_add_test(tc, metrics_known_numbers);
    suite_add_tcase(s, tc);
    TCase *tr = tcase_create("reference");
    tcase_add_test(tr, reader_shipped_files);
    tcase_add_test(tr, reader_peak_table);
    tcase_add_loop_test(tr, reader_malformed, 0, (int)(sizeof bad_files / sizeof bad_files[0]));
    tcase_add_test(tr, reader_missing_file);
    suite_add_tcase(s, tr);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
