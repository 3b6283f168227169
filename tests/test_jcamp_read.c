/* Unit tests of the JCAMP-DX reader (jcamp_read.c): the NIST WebBook IR files
 * of the shared folder (expected values copied by hand from each header and
 * last data line), hand-made compressed files with known values, a round
 * trip through our writers, and malformed files that must be refused. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "testutil.h"
#include <nnvib/jcamp.h>

static nnv_jcamp_spectrum *parse_ok(const char *text)
{
    nnv_jcamp_spectrum *s = NULL;
    nnv_error err = {0};
    int rc = nnv_jcamp_parse(&s, text, strlen(text), "inline.jdx", &err);
    ck_assert_msg(rc == NNV_OK, "parse failed: %s", err.message);
    ck_assert_ptr_nonnull(s);
    return s;
}

static void check_y(const nnv_jcamp_spectrum *s, int n, const double *y)
{
    ck_assert_int_eq(s->n_points, n);
    for (int i = 0; i < n; i++)
        ck_assert_msg(tu_close(s->y[i], y[i], 1e-12, 1e-12), "y[%d] = %g, expected %g", i,
                      s->y[i], y[i]);
}

static void check_x(const nnv_jcamp_spectrum *s, double x0, double dx)
{
    for (int i = 0; i < s->n_points; i++)
        ck_assert_msg(tu_close(s->x[i], x0 + i * dx, 1e-9, 1e-12), "x[%d] = %g, expected %g",
                      i, s->x[i], x0 + i * dx);
}

#define HEAD(yunits, yf, x0, x1, n)                                                       \
    "##TITLE=test\n##JCAMP-DX=4.24\n##DATA TYPE=INFRARED SPECTRUM\n##XUNITS=1/CM\n"      \
    "##YUNITS=" yunits "\n##XFACTOR=1\n##YFACTOR=" yf "\n##FIRSTX=" x0 "\n##LASTX=" x1   \
    "\n##NPOINTS=" n "\n"

/* ---- NIST WebBook files ---- */

typedef struct nist_case {
    const char *file;
    int npoints;
    double firstx, lastx, firsty, lasty;
    int transmittance, absorbance;
} nist_case;

static const nist_case NIST[] = {
    {"acetonitrile.jdx", 14106, 574.928, 3975.077, -7.20e-07, 8379028 * 11.368e-14, 0, 0},
    {"ammonia.jdx", 3578, 453.094, 3798.49, 0.899, 0.8530, 1, 0},
    {"carbon dioxide.jdx", 3573, 458.879, 3797.21, 0.973, 0.9974, 1, 0},
    {"carbon monoxide.jdx", 3574, 457.865, 3803.38, 0.961, 0.9950, 1, 0},
    {"ethylene oxide.jdx", 14106, 574.928, 3975.077, -1.00e-06, 20794 * 18.189e-13, 0, 0},
    {"hydrogen sulfide.jdx", 3570, 457.891, 3797.58, 0.992, 0.7317, 1, 0},
    {"methane.jdx", 3583, 449.47, 3801.32, 0.953, 0.9970, 1, 0},
    {"ozone.jdx", 2600, 402.089, 3795.05, 0.963, 0.6250, 1, 0},
    {"sulfur dioxide.jdx", 2465, 270.054, 3999.36, 0.0, 0.8992, 1, 0},
    {"water.jdx", 880, 450.0, 3966.0, 0.006095, 1587 * 0.000062833, 0, 1},
};

START_TEST(test_nist)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/refdata/jcamp", tu_shared_dir());
    if (!tu_is_dir(dir)) {
        fprintf(stderr, "test_jcamp_read: SKIP NIST files: %s not found\n", dir);
        return;
    }
    for (size_t k = 0; k < sizeof NIST / sizeof NIST[0]; k++) {
        const nist_case *c = &NIST[k];
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, c->file);
        if (access(path, R_OK) != 0) {
            fprintf(stderr, "test_jcamp_read: SKIP %s: not found\n", path);
            continue;
        }
        nnv_jcamp_spectrum *s = NULL;
        nnv_error err = {0};
        int rc = nnv_jcamp_read(&s, path, &err);
        ck_assert_msg(rc == NNV_OK, "%s: %s", c->file, err.message);
        ck_assert_msg(s->n_points == c->npoints, "%s: %d points, expected %d", c->file,
                      s->n_points, c->npoints);
        ck_assert_int_eq(s->form, NNV_JCAMP_XYDATA);
        ck_assert_msg(tu_close(s->x[0], c->firstx, 0, 1e-6), "%s: first X", c->file);
        ck_assert_msg(tu_close(s->x[s->n_points - 1], c->lastx, 0, 1e-6), "%s: last X",
                      c->file);
        /* FIRSTY is written with 3 or 4 significant digits ("-1.00E-06"). */
        ck_assert_msg(tu_close(s->y[0], c->firsty, 1e-12, 5e-3), "%s: first Y %g vs FIRSTY %g",
                      c->file, s->y[0], c->firsty);
        ck_assert_msg(tu_close(s->y[s->n_points - 1], c->lasty, 1e-15, 1e-9),
                      "%s: last Y %g, expected %g", c->file, s->y[s->n_points - 1], c->lasty);
        ck_assert_int_eq(s->is_transmittance, c->transmittance);
        ck_assert_int_eq(s->is_absorbance, c->absorbance);
        ck_assert(strlen(s->title) > 0);
        if (s->is_transmittance)
            for (int i = 0; i < s->n_points; i++)
                ck_assert_msg(s->y[i] > -0.1 && s->y[i] < 1.5, "%s: T[%d] = %g", c->file, i,
                              s->y[i]);
        fprintf(stderr, "test_jcamp_read: %s: %d points, X %.6g..%.6g, Y0 %.6g OK\n", c->file,
                s->n_points, s->x[0], s->x[s->n_points - 1], s->y[0]);
        nnv_jcamp_free(s);
    }
}
END_TEST

/* ---- hand-made compressed files ---- */

START_TEST(test_sqz)
{
    /* @=0, A1=11, B2=22, c3=-33 | D4=44, e5=-55, F6=66, G7=77 (YFACTOR 0.5) */
    nnv_jcamp_spectrum *s = parse_ok(HEAD("ABSORBANCE", "0.5", "100", "107", "8")
                                     "##XYDATA=(X++(Y..Y))\n100@A1B2c3\n104D4e5F6G7\n##END=\n");
    const double y[] = {0, 5.5, 11, -16.5, 22, -27.5, 33, 38.5};
    check_y(s, 8, y);
    check_x(s, 100, 1);
    ck_assert_int_eq(s->is_absorbance, 1);
    ck_assert_int_eq(s->is_transmittance, 0);
    nnv_jcamp_free(s);
}
END_TEST

START_TEST(test_dif_ycheck_descending)
{
    /* A0=10, K=+2, L=+3, %=+0, n=-5 (line ends in DIF: next line repeats 10);
     * J0=+10, O=+6; the last line holds only the Y check 26. X descends. */
    nnv_jcamp_spectrum *s = parse_ok(HEAD("TRANSMITTANCE", "1", "1000", "994", "7")
                                     "##XYDATA=(X++(Y..Y))\n1000A0KL%n\n996A0J0O\n994B6\n"
                                     "##END=\n");
    const double y[] = {10, 12, 15, 15, 10, 20, 26};
    check_y(s, 7, y);
    check_x(s, 1000, -1);
    ck_assert_int_eq(s->is_transmittance, 1);
    nnv_jcamp_free(s);
}
END_TEST

START_TEST(test_dif_absolute_line_end)
{
    /* Lines that end in an absolute value carry no Y check. */
    /* 10 11 12 0 | 15 16 15 (the last line ends in DIF with nothing after it) */
    nnv_jcamp_spectrum *s = NULL;
    nnv_error err = {0};
    const char *t = HEAD("ABSORBANCE", "1", "0", "6", "7")
        "##XYDATA=(X++(Y..Y))\n0A0JJ@\n4A5Jj\n##END=\n";
    ck_assert_msg(nnv_jcamp_parse(&s, t, strlen(t), "x", &err) == NNV_OK, "%s", err.message);
    const double y[] = {10, 11, 12, 0, 15, 16, 15};
    check_y(s, 7, y);
    nnv_jcamp_free(s);
}
END_TEST

START_TEST(test_dup)
{
    /* A0 T: 10 10; J U: 11 12 13 (DUP of a DIF repeats the step); @ s: nine 0;
     * the next line is AFFN with no Y check since the line ended absolute. */
    nnv_jcamp_spectrum *s = parse_ok(HEAD("ABSORBANCE", "1", "500", "515", "16")
                                     "##XYDATA=(X++(Y..Y))\n500A0TJU@s\n514 5 6\n##END=\n");
    const double y[] = {10, 10, 11, 12, 13, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 6};
    check_y(s, 16, y);
    nnv_jcamp_free(s);
    /* A multi-digit DUP count: S2 = 12 copies. */
    s = parse_ok(HEAD("ABSORBANCE", "1", "0", "11", "12") "##XYDATA=(X++(Y..Y))\n0C3S2\n##END=\n");
    for (int i = 0; i < 12; i++) ck_assert(s->y[i] == 33);
    nnv_jcamp_free(s);
}
END_TEST

START_TEST(test_pac_xfactor)
{
    nnv_jcamp_spectrum *s = parse_ok(
        "##TITLE=pac\n##JCAMP-DX=4.24\n##DATA TYPE=INFRARED SPECTRUM\n##XUNITS=1/CM\n"
        "##YUNITS=ABSORBANCE\n##XFACTOR=10\n##YFACTOR=2\n##FIRSTX=100\n##LASTX=104\n"
        "##NPOINTS=5\n##XYDATA=(X++(Y..Y))\n10+5-3+12.5-0.25 7\n##END=\n");
    const double y[] = {10, -6, 25, -0.5, 14};
    check_y(s, 5, y);
    check_x(s, 100, 1);
    nnv_jcamp_free(s);
}
END_TEST

START_TEST(test_crlf_labels_continuation)
{
    /* CRLF, labels spelt with case, spaces, '-', '_', '/', $$ comments and a
     * title continued over two lines. */
    nnv_jcamp_spectrum *s = parse_ok(
        "##TITLE=first part $$ a comment\r\n  second part\r\n##jcamp-dx=4.24\r\n"
        "##Data_Type=INFRARED SPECTRUM\r\n##x units=1/CM\r\n##Y-UNITS=Transmittance\r\n"
        "##x_factor=1\r\n##Y/Factor=0.001\r\n##first x=3000\r\n##LAST_X=2990\r\n"
        "##N Points=6\r\n##$custom=ignored\r\n##XYDATA=(X++(Y..Y)) $$ data\r\n"
        "3000 900 910 920 $$ three\r\n2994 930 940 950\r\n##END=\r\n");
    const double y[] = {0.9, 0.91, 0.92, 0.93, 0.94, 0.95};
    check_y(s, 6, y);
    check_x(s, 3000, -2);
    ck_assert_str_eq(s->title, "first part second part");
    ck_assert_str_eq(s->x_units, "1/CM");
    ck_assert_str_eq(s->data_type, "INFRARED SPECTRUM");
    ck_assert_int_eq(s->is_transmittance, 1);
    nnv_jcamp_free(s);
}
END_TEST

START_TEST(test_peak_table)
{
    nnv_jcamp_spectrum *s = parse_ok(
        "##TITLE=sticks\n##JCAMP-DX=4.24\n##DATA TYPE=INFRARED PEAK TABLE\n##XUNITS=1/CM\n"
        "##YUNITS=KM/MOL\n##XFACTOR=1\n##YFACTOR=1\n##NPOINTS=3\n##PEAK TABLE=(XY..XY)\n"
        "1595.5, 12.3 3657.1,4.5\n3756, 50\n##END=\n");
    ck_assert_int_eq(s->form, NNV_JCAMP_PEAK_TABLE);
    ck_assert_int_eq(s->is_peak_table, 1);
    const double x[] = {1595.5, 3657.1, 3756}, y[] = {12.3, 4.5, 50};
    check_y(s, 3, y);
    for (int i = 0; i < 3; i++) ck_assert(tu_close(s->x[i], x[i], 0, 1e-15));
    nnv_jcamp_free(s);
    s = parse_ok("##TITLE=pts\n##XFACTOR=2\n##YFACTOR=3\n##XYPOINTS=(XYW..XYW)\n"
                 "1 2 9; 3 4 9\n##END=\n");
    ck_assert_int_eq(s->form, NNV_JCAMP_XYPOINTS);
    ck_assert_int_eq(s->n_points, 2);
    ck_assert(s->x[0] == 2 && s->y[0] == 6 && s->x[1] == 6 && s->y[1] == 12);
    nnv_jcamp_free(s);
}
END_TEST

/* ---- round trip through our writers ---- */

START_TEST(test_round_trip)
{
    char dir[] = "/tmp/nnvib-jcamp-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/spec.jdx", dir);
    enum { N = 700 };
    double y[N];
    double ymax = 0;
    for (int i = 0; i < N; i++) {
        double x = 400 + 2.5 * i;
        y[i] = exp(-pow((x - 1200) / 80, 2)) * 3.7 + 0.05 * sin(x / 30);
        if (fabs(y[i]) > ymax) ymax = fabs(y[i]);
    }
    nnv_spectrum sp = {.n_points = N, .x_first = 400, .dx = 2.5, .fwhm = 10, .y = y};
    nnv_error err = {0};
    ck_assert_msg(nnv_jcamp_write_spectrum(path, &sp, NULL, &err) == NNV_OK, "%s", err.message);
    nnv_jcamp_spectrum *s = NULL;
    ck_assert_msg(nnv_jcamp_read(&s, path, &err) == NNV_OK, "%s", err.message);
    ck_assert_int_eq(s->n_points, N);
    check_x(s, 400, 2.5);
    /* The writer stores integer Y with the largest at 10^6. */
    for (int i = 0; i < N; i++)
        ck_assert_msg(tu_close(s->y[i], y[i], 0.6e-6 * ymax, 0), "y[%d]", i);
    nnv_jcamp_free(s);
    unlink(path);

    snprintf(path, sizeof path, "%s/peaks.jdx", dir);
    const double pos[] = {3750.125, 1600.5, -20, 3650.25}, inten[] = {60, 50.5, 1, 3.25};
    ck_assert_msg(nnv_jcamp_write_peaks(path, 4, pos, inten, NULL, &err) == NNV_OK, "%s",
                  err.message);
    ck_assert_msg(nnv_jcamp_read(&s, path, &err) == NNV_OK, "%s", err.message);
    ck_assert_int_eq(s->is_peak_table, 1);
    ck_assert_int_eq(s->n_points, 3);
    const double px[] = {1600.5, 3650.25, 3750.125}, py[] = {50.5, 3.25, 60};
    for (int i = 0; i < 3; i++) {
        ck_assert(tu_close(s->x[i], px[i], 1e-6, 0));
        ck_assert(tu_close(s->y[i], py[i], 0, 1e-9));
    }
    nnv_jcamp_free(s);
    unlink(path);
    rmdir(dir);
}
END_TEST

/* ---- malformed input ---- */

typedef struct bad_case {
    const char *what, *text, *needle;
} bad_case;

#define H4 HEAD("ABSORBANCE", "1", "0", "3", "4")
static const bad_case BAD[] = {
    {"truncated", H4 "##XYDATA=(X++(Y..Y))\n0 1 2\n", "line 12"},
    {"NPOINTS mismatch", H4 "##XYDATA=(X++(Y..Y))\n0 1 2 3\n##END=\n", "line 13"},
    {"NPOINTS exceeded", H4 "##XYDATA=(X++(Y..Y))\n0 1 2 3 4 5\n##END=\n", "line 12"},
    /* A DUP count beyond NPOINTS fails before any point is expanded. */
    {"DUP beyond NPOINTS", H4 "##XYDATA=(X++(Y..Y))\n0 1V999999\n##END=\n", "DUP count of 4999999"},
    /* Without NPOINTS (546 bytes once built 10^7 points before failing). */
    {"DUP without NPOINTS", "##TITLE=test\n##JCAMP-DX=4.24\n##DATA TYPE=INFRARED SPECTRUM\n##XUNITS=1/CM\n"
                            "##YUNITS=ABSORBANCE\n##XFACTOR=1\n##YFACTOR=1\n##FIRSTX=0\n##LASTX=3\n"
                            "##XYDATA=(X++(Y..Y))\n0 1V999999\n##END=\n", "needed to bound"},
    {"bad header number", HEAD("ABSORBANCE", "1", "abc", "3", "4") "##XYDATA=(X++(Y..Y))\n"
                          "0 1 2 3 4\n##END=\n", "line 8"},
    {"bad data character", H4 "##XYDATA=(X++(Y..Y))\n0 1 2\n2 3 ?\n##END=\n", "line 13"},
    {"missing XYDATA", H4 "##END=\n", "line 11"},
    {"DUP before a value", H4 "##XYDATA=(X++(Y..Y))\n0 S3\n##END=\n", "line 12"},
    {"huge NPOINTS", HEAD("ABSORBANCE", "1", "0", "3", "99999999999") "##XYDATA=(X++(Y..Y))\n"
                     "0 1 2 3 4\n##END=\n", "line 10"},
    {"Y check mismatch", H4 "##XYDATA=(X++(Y..Y))\n0A0J\n1B0J\n##END=\n", "line 13"},
    {"label without =", H4 "##XYDATA\n0 1 2 3\n##END=\n", "line 11"},
    {"no FIRSTX", "##TITLE=x\n##NPOINTS=2\n##XYDATA=(X++(Y..Y))\n0 1 2\n##END=\n", "line 3"},
    {"unsupported form", H4 "##XYDATA=(X++(R..R))\n0 1 2 3\n##END=\n", "line 11"},
    {"incomplete pair", "##TITLE=x\n##PEAK TABLE=(XY..XY)\n1,2 3\n##END=\n", "line 4"},
    {"bad peak number", "##TITLE=x\n##PEAK TABLE=(XY..XY)\n1,2 3,x4\n##END=\n", "line 3"},
    {"line X off", HEAD("ABSORBANCE", "1", "0", "7", "8") "##XYDATA=(X++(Y..Y))\n0 1 2 3 4\n"
                   "0 5 6 7 8\n##END=\n", "line 13"},
    {"empty", "", "line 0"},
};

START_TEST(test_malformed)
{
    for (size_t k = 0; k < sizeof BAD / sizeof BAD[0]; k++) {
        nnv_jcamp_spectrum *s = NULL;
        nnv_error err = {0};
        int rc = nnv_jcamp_parse(&s, BAD[k].text, strlen(BAD[k].text), "bad.jdx", &err);
        ck_assert_msg(rc == NNV_EINPUT, "%s: rc %d (%s)", BAD[k].what, rc, err.message);
        ck_assert_ptr_null(s);
        ck_assert_msg(strstr(err.message, "bad.jdx") && strstr(err.message, BAD[k].needle),
                      "%s: message \"%s\" lacks \"%s\"", BAD[k].what, err.message,
                      BAD[k].needle);
        ck_assert_msg(!strchr(err.message, '\n'), "%s: multi-line message", BAD[k].what);
    }
    /* A NUL byte */
    const char nul[] = "##TITLE=a\0b\n##END=\n";
    nnv_jcamp_spectrum *s = NULL;
    nnv_error err = {0};
    ck_assert_int_eq(nnv_jcamp_parse(&s, nul, sizeof nul - 1, "bad.jdx", &err), NNV_EINPUT);
    ck_assert_ptr_nonnull(strstr(err.message, "line 1"));
    /* A missing file */
    ck_assert_int_eq(nnv_jcamp_read(&s, "/nonexistent/x.jdx", &err), NNV_EIO);
}
END_TEST

/* Every prefix of a compressed file either parses or is refused cleanly. */
START_TEST(test_every_prefix)
{
    const char *t = HEAD("TRANSMITTANCE", "1", "1000", "994", "7")
        "##XYDATA=(X++(Y..Y))\n1000A0KL%n\n996A0J0O\n994B6\n##END=\n";
    size_t n = strlen(t);
    for (size_t len = 0; len <= n; len++) {
        char *b = malloc(len + 1);
        memcpy(b, t, len);
        nnv_jcamp_spectrum *s = NULL;
        nnv_error err = {0};
        int rc = nnv_jcamp_parse(&s, b, len, "prefix.jdx", &err);
        ck_assert_msg(rc == NNV_OK || rc == NNV_EINPUT, "prefix %zu: rc %d", len, rc);
        ck_assert_msg((rc == NNV_OK) == (s != NULL), "prefix %zu", len);
        ck_assert_msg(rc == NNV_EINPUT || len + 1 >= n, "prefix %zu accepted", len);
        nnv_jcamp_free(s);
        free(b);
    }
}
END_TEST

int main(void)
{
    Suite *su = suite_create("jcamp_read");
    TCase *tc = tcase_create("jcamp_read");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_nist);
    tcase_add_test(tc, test_sqz);
    tcase_add_test(tc, test_dif_ycheck_descending);
    tcase_add_test(tc, test_dif_absolute_line_end);
    tcase_add_test(tc, test_dup);
    tcase_add_test(tc, test_pac_xfactor);
    tcase_add_test(tc, test_crlf_labels_continuation);
    tcase_add_test(tc, test_peak_table);
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_malformed);
    tcase_add_test(tc, test_every_prefix);
    suite_add_tcase(su, tc);
    SRunner *sr = srunner_create(su);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
