/* Unit tests of the spectral similarity (similarity.c) and the SVG writer's
 * input checks (plot_svg.c): similarity of synthetic spectra with answers
 * known in closed form, transmittance to absorbance on known numbers,
 * resampling of linear functions, planted peaks, bad input, and the NIST
 * WebBook spectra of the shared folder (known fundamentals, refdata). */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "testutil.h"
#include <nnvib/plot.h>
#include <nnvib/similarity.h>

#define PI 3.14159265358979323846

static double lorentz(double x, double x0, double g)
{
    return g / (PI * ((x - x0) * (x - x0) + g * g));
}

/* ---- Pearson and cosine ---- */

START_TEST(test_identical)
{
    enum { N = 500 };
    double a[N];
    for (int i = 0; i < N; i++) a[i] = lorentz(i, 200, 7) + 0.3 * lorentz(i, 350, 3);
    double r = 0, c = 0;
    ck_assert_int_eq(spc_similarity(&r, &c, N, a, a, NULL), NNV_OK);
    ck_assert(tu_close(r, 1, 1e-14, 0));
    ck_assert(tu_close(c, 1, 1e-14, 0));
    /* both are invariant to a positive scale; Pearson also to an offset */
    double b[N];
    for (int i = 0; i < N; i++) b[i] = 1e-9 * a[i];
    ck_assert_int_eq(spc_similarity(&r, &c, N, a, b, NULL), NNV_OK);
    ck_assert(tu_close(r, 1, 1e-12, 0) && tu_close(c, 1, 1e-12, 0));
    for (int i = 0; i < N; i++) b[i] = 5 + 2 * a[i];
    ck_assert_int_eq(spc_similarity(&r, NULL, N, a, b, NULL), NNV_OK);
    ck_assert(tu_close(r, 1, 1e-12, 0));
}
END_TEST

/* Two unit-area Lorentzians of HWHM g, centres d apart, on [−W, W]. In closed
 * form: ∫L_a L_b = (2g/π)/(d² + 4g²) (their convolution, a Lorentzian of HWHM
 * 2g), so the cosine on the whole line is 4g²/(d² + 4g²) = 1/2 for d = 2g.
 * Pearson on the finite interval subtracts the means: ∫a = (2/π)atan(W/g),
 * ∫b = (atan((W−d)/g) + atan((W+d)/g))/π, and ∫(a−ā)(b−b̄) = ∫ab − ∫a∫b/(2W)
 * (the integrals of products beyond W are O(g/W³), negligible here). */
START_TEST(test_shifted_lorentzians)
{
    const double g = 5, d = 10, W = 2000, h = 0.05;
    int n = (int)(2 * W / h) + 1;
    double *a = malloc((size_t)n * sizeof *a), *b = malloc((size_t)n * sizeof *b);
    ck_assert(a && b);
    for (int i = 0; i < n; i++) {
        double x = -W + i * h;
        a[i] = lorentz(x, 0, g);
        b[i] = lorentz(x, d, g);
    }
    double r, c;
    ck_assert_int_eq(spc_similarity(&r, &c, n, a, b, NULL), NNV_OK);
    double cos_exact = 4 * g * g / (d * d + 4 * g * g);
    ck_assert_msg(tu_close(c, cos_exact, 2e-4, 0), "cosine %.8f, expected %.8f", c, cos_exact);
    double L = 2 * W;
    double ia = 2 / PI * atan(W / g), ib = (atan((W - d) / g) + atan((W + d) / g)) / PI;
    double iab = (2 * g / PI) / (d * d + 4 * g * g), iaa = 1 / (2 * PI * g);
    double r_exact = (iab - ia * ib / L) / sqrt((iaa - ia * ia / L) * (iaa - ib * ib / L));
    ck_assert_msg(tu_close(r, r_exact, 2e-4, 0), "pearson %.8f, expected %.8f", r, r_exact);
    ck_assert(r < c); /* the subtracted means only lower it */
    free(a);
    free(b);
}
END_TEST

START_TEST(test_orthogonal_and_anti)
{
    enum { N = 360 };
    double s[N], co[N], m[N], box1[N] = {0}, box2[N] = {0};
    for (int i = 0; i < N; i++) {
        s[i] = sin(2 * PI * i / N);
        co[i] = cos(2 * PI * i / N);
        m[i] = 3 - 2 * s[i];
        if (i < 100) box1[i] = 1 + (i % 7);
        if (i > 200) box2[i] = 2;
    }
    double r, c;
    ck_assert_int_eq(spc_similarity(&r, &c, N, s, co, NULL), NNV_OK);
    ck_assert(tu_close(r, 0, 1e-12, 0) && tu_close(c, 0, 1e-12, 0));
    ck_assert_int_eq(spc_similarity(NULL, &c, N, box1, box2, NULL), NNV_OK);
    ck_assert(c == 0); /* no overlap at all */
    ck_assert_int_eq(spc_similarity(&r, NULL, N, s, m, NULL), NNV_OK);
    ck_assert(tu_close(r, -1, 1e-13, 0));
    for (int i = 0; i < N; i++) m[i] = -s[i];
    ck_assert_int_eq(spc_similarity(&r, &c, N, s, m, NULL), NNV_OK);
    ck_assert(tu_close(r, -1, 1e-13, 0) && tu_close(c, -1, 1e-13, 0));
}
END_TEST

START_TEST(test_similarity_bad)
{
    double a[4] = {1, 2, 3, 4}, z[4] = {0}, k[4] = {2, 2, 2, 2}, bad[4] = {1, NAN, 3, 4};
    double inf[4] = {1, 2, INFINITY, 4}, r, c;
    nnv_error err = {0};
    ck_assert_int_eq(spc_similarity(&r, &c, 1, a, a, &err), NNV_EINPUT);
    ck_assert_int_eq(spc_similarity(&r, &c, 4, a, NULL, &err), NNV_EINPUT);
    ck_assert_int_eq(spc_similarity(&r, &c, 4, a, bad, &err), NNV_EINPUT);
    ck_assert_int_eq(spc_similarity(&r, &c, 4, inf, a, &err), NNV_EINPUT);
    ck_assert_int_eq(spc_similarity(&r, &c, 4, a, z, &err), NNV_EINPUT);
    ck_assert_int_eq(spc_similarity(&r, NULL, 4, k, a, &err), NNV_EINPUT);
    ck_assert_ptr_nonnull(strstr(err.message, "constant"));
    /* a constant spectrum still has a cosine */
    ck_assert_int_eq(spc_similarity(NULL, &c, 4, k, a, &err), NNV_OK);
    ck_assert(tu_close(c, 10 / sqrt(4 * 30.0), 1e-14, 0));
}
END_TEST

/* ---- transmittance to absorbance ---- */

static nnv_jcamp_spectrum fake(const char *xu, const char *yu, int n, double *x, double *y)
{
    nnv_jcamp_spectrum s;
    memset(&s, 0, sizeof s);
    s.title = "fake";
    s.x_units = (char *)xu;
    s.y_units = (char *)yu;
    s.is_transmittance = strstr(yu, "TRANSMITTANCE") != NULL;
    s.is_absorbance = strstr(yu, "ABSORBANCE") != NULL;
    s.n_points = n;
    s.x = x;
    s.y = y;
    return s;
}

START_TEST(test_absorbance)
{
    double x[5] = {4000, 3000, 2000, 1000, 500}; /* descending, as in NIST files */
    double t[5] = {0.1, 1.0, 0.01, 0.5, 0.0};
    nnv_absorbance_options keep = {0, -1};
    nnv_xy_spectrum *a = NULL;
    nnv_jcamp_spectrum s = fake("1/CM", "TRANSMITTANCE", 5, x, t);
    ck_assert_int_eq(nnv_jcamp_to_absorbance(&a, &s, &keep, NULL), NNV_OK);
    ck_assert_int_eq(a->n_points, 5);
    ck_assert_int_eq(a->source, NNV_FROM_TRANSMITTANCE);
    /* ascending: 500 (T=0 -> floor 1e-3 -> 3), 1000 (log10 2), 2000 (2), 3000 (0), 4000 (1) */
    double xe[5] = {500, 1000, 2000, 3000, 4000}, ae[5] = {3, 0.30102999566398120, 2, 0, 1};
    for (int i = 0; i < 5; i++) {
        ck_assert(a->x[i] == xe[i]);
        ck_assert_msg(tu_close(a->y[i], ae[i], 1e-14, 0), "A[%d] = %.17g", i, a->y[i]);
    }
    nnv_xy_spectrum_free(a);

    /* percent transmittance, by unit and by value; a floor of 0.01 */
    double tp[5] = {10, 100, 1, 50, 0};
    nnv_absorbance_options fl = {0.01, -1};
    s = fake("1/CM", "PERCENT TRANSMITTANCE", 5, x, tp);
    ck_assert_int_eq(nnv_jcamp_to_absorbance(&a, &s, &fl, NULL), NNV_OK);
    ck_assert_int_eq(a->source, NNV_FROM_PERCENT_T);
    for (int i = 0; i < 4; i++) ck_assert(tu_close(a->y[i + 1], ae[i + 1], 1e-14, 0));
    ck_assert(tu_close(a->y[0], 2, 1e-14, 0)); /* T = 0 clipped at 0.01 */
    nnv_xy_spectrum_free(a);
    s = fake("1/CM", "TRANSMITTANCE", 5, x, tp);
    ck_assert_int_eq(nnv_jcamp_to_absorbance(&a, &s, &keep, NULL), NNV_OK);
    ck_assert_int_eq(a->source, NNV_FROM_PERCENT_T);
    ck_assert(tu_close(a->y[4], 1, 1e-14, 0));
    nnv_xy_spectrum_free(a);

    /* absorbance kept; the median (50th percentile) of {5,1,4,2,3} = 3 removed */
    double ab[5] = {5, 1, 4, 2, 3};
    nnv_absorbance_options med = {0, 50};
    s = fake("cm-1", "ABSORBANCE", 5, x, ab);
    ck_assert_int_eq(nnv_jcamp_to_absorbance(&a, &s, &med, NULL), NNV_OK);
    ck_assert_int_eq(a->source, NNV_FROM_ABSORBANCE);
    ck_assert(tu_close(a->baseline, 3, 1e-14, 0));
    ck_assert(tu_close(a->y[4], 2, 1e-14, 0) && tu_close(a->y[0], 0, 1e-14, 0));
    nnv_xy_spectrum_free(a);
    /* the default: 5th percentile of {1,2,3,4,5} = 1 + 0.05*4*(2-1) = 1.2 */
    s = fake("1/CM", "(micromol/mol)-1m-1 (base 10)", 5, x, ab);
    ck_assert_int_eq(nnv_jcamp_to_absorbance(&a, &s, NULL, NULL), NNV_OK);
    ck_assert(tu_close(a->baseline, 1.2, 1e-14, 0));
    nnv_xy_spectrum_free(a);

    /* micrometres and nanometres: 2.5 um = 4000 cm-1, 5 um = 2000; 2500 nm = 4000 */
    double um[3] = {2.5, 5, 10}, nm[3] = {2500, 5000, 10000}, y3[3] = {0.5, 0.5, 0.5};
    s = fake("MICROMETERS", "TRANSMITTANCE", 3, um, y3);
    ck_assert_int_eq(nnv_jcamp_to_absorbance(&a, &s, &keep, NULL), NNV_OK);
    ck_assert(tu_close(a->x[0], 1000, 1e-12, 0) && tu_close(a->x[2], 4000, 1e-12, 0));
    nnv_xy_spectrum_free(a);
    s = fake("NANOMETERS", "ABSORBANCE", 3, nm, y3);
    ck_assert_int_eq(nnv_jcamp_to_absorbance(&a, &s, &keep, NULL), NNV_OK);
    ck_assert(tu_close(a->x[1], 2000, 1e-12, 0));
    nnv_xy_spectrum_free(a);
    /* unsorted X is sorted with its Y */
    double xu[4] = {1000, 3000, 2000, 4000}, yu4[4] = {1, 3, 2, 4};
    s = fake("1/CM", "ABSORBANCE", 4, xu, yu4);
    ck_assert_int_eq(nnv_jcamp_to_absorbance(&a, &s, &keep, NULL), NNV_OK);
    for (int i = 0; i < 4; i++) ck_assert(a->x[i] == 1000.0 * (i + 1) && a->y[i] == i + 1);
    nnv_xy_spectrum_free(a);
}
END_TEST

START_TEST(test_absorbance_bad)
{
    double x[3] = {1000, 2000, 3000}, y[3] = {0.5, 0.4, 0.3}, xd[3] = {1000, 2000, 1000};
    double xn[3] = {1000, NAN, 3000}, yn[3] = {0.5, INFINITY, 0.3}, xz[3] = {0, 1, 2};
    nnv_xy_spectrum *a = NULL;
    nnv_error err = {0};
    nnv_jcamp_spectrum s = fake("HZ", "TRANSMITTANCE", 3, x, y);
    ck_assert_int_eq(nnv_jcamp_to_absorbance(&a, &s, NULL, &err), NNV_EINPUT);
    ck_assert_ptr_nonnull(strstr(err.message, "XUNITS"));
    s = fake("", "TRANSMITTANCE", 3, x, y);
    ck_assert_int_eq(nnv_jcamp_to_absorbance(&a, &s, NULL, &err), NNV_EINPUT);
    s = fake("1/CM", "REFLECTANCE", 3, x, y);
    ck_assert_int_eq(nnv_jcamp_to_absorbance(&a, &s, NULL, &err), NNV_EINPUT);
    s = fake("1/CM", "TRANSMITTANCE", 1, x, y);
    ck_assert_int_eq(nnv_jcamp_to_absorbance(&a, &s, NULL, &err), NNV_EINPUT);
    s = fake("1/CM", "TRANSMITTANCE", 3, xd, y);
    ck_assert_int_eq(nnv_jcamp_to_absorbance(&a, &s, NULL, &err), NNV_EINPUT);
    ck_assert_ptr_nonnull(strstr(err.message, "twice"));
    s = fake("1/CM", "TRANSMITTANCE", 3, xn, y);
    ck_assert_int_eq(nnv_jcamp_to_absorbance(&a, &s, NULL, &err), NNV_EINPUT);
    s = fake("1/CM", "TRANSMITTANCE", 3, x, yn);
    ck_assert_int_eq(nnv_jcamp_to_absorbance(&a, &s, NULL, &err), NNV_EINPUT);
    s = fake("1/CM", "TRANSMITTANCE", 3, xz, y);
    ck_assert_int_eq(nnv_jcamp_to_absorbance(&a, &s, NULL, &err), NNV_EINPUT);
    s = fake("1/CM", "TRANSMITTANCE", 3, x, y);
    s.is_peak_table = 1;
    s.form = NNV_JCAMP_PEAK_TABLE;
    ck_assert_int_eq(nnv_jcamp_to_absorbance(&a, &s, NULL, &err), NNV_EINPUT);
    s = fake("1/CM", "TRANSMITTANCE", 3, x, y);
    nnv_absorbance_options o1 = {1.5, 0}, o2 = {-0.1, 0}, o3 = {0, 101}, o4 = {NAN, 0};
    ck_assert_int_eq(nnv_jcamp_to_absorbance(&a, &s, &o1, &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_jcamp_to_absorbance(&a, &s, &o2, &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_jcamp_to_absorbance(&a, &s, &o3, &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_jcamp_to_absorbance(&a, &s, &o4, &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_jcamp_to_absorbance(&a, NULL, NULL, &err), NNV_EUSAGE);
    ck_assert_ptr_null(a);
}
END_TEST

/* ---- resampling ---- */

START_TEST(test_resample_linear)
{
    enum { N = 200 };
    double x[N], y[N], out[1000];
    double t = 100;
    unsigned s = 12345;
    for (int i = 0; i < N; i++) { /* irregular spacing 0.2 .. 5.2 */
        s = s * 1103515245u + 12345u;
        x[i] = t;
        y[i] = 3 * t - 7;
        t += 0.2 + 5.0 * ((s >> 16) & 0x7fff) / 32768.0;
    }
    double steps[3] = {0.1, 1.0, 13.0}; /* finer, similar, coarser than the input */
    for (int k = 0; k < 3; k++) {
        double dx = steps[k], x0 = x[0] + 0.37;
        int n = (int)((x[N - 1] - x0) / dx) + 1;
        if (n > 1000) n = 1000;
        ck_assert_int_eq(spc_resample(out, n, x0, dx, N, x, y, NULL), NNV_OK);
        for (int i = 0; i < n; i++) {
            double xi = x0 + i * dx;
            /* cells cut by an end of the data have their mean off centre */
            if (xi + 0.5 * dx > x[N - 1] || xi - 0.5 * dx < x[0]) continue;
            ck_assert_msg(tu_close(out[i], 3 * xi - 7, 1e-9, 1e-12), "dx %g: y(%g) = %.15g", dx, xi,
                          out[i]);
        }
    }
    /* exact ends: the grid may start and stop on the data ends */
    ck_assert_int_eq(spc_resample(out, 2, x[0], x[N - 1] - x[0], N, x, y, NULL), NNV_OK);
    /* averaging: a fast alternation of ±1 on a grid 10× coarser averages to ~0 */
    double xa[1001], ya[1001];
    for (int i = 0; i <= 1000; i++) {
        xa[i] = i;
        ya[i] = (i % 2) ? 1 : -1;
    }
    ck_assert_int_eq(spc_resample(out, 90, 50, 10, 1001, xa, ya, NULL), NNV_OK);
    for (int i = 0; i < 90; i++) ck_assert(fabs(out[i]) <= 0.1 + 1e-12);
}
END_TEST

START_TEST(test_resample_bad)
{
    double x[3] = {1, 2, 3}, y[3] = {1, 2, 3}, xd[3] = {1, 3, 2}, yn[3] = {1, NAN, 3}, o[10];
    nnv_error err = {0};
    ck_assert_int_eq(spc_resample(o, 3, 0.5, 1, 3, x, y, &err), NNV_EUSAGE); /* before the data */
    ck_assert_int_eq(spc_resample(o, 4, 1, 1, 3, x, y, &err), NNV_EUSAGE);   /* beyond */
    ck_assert_int_eq(spc_resample(o, 0, 1, 1, 3, x, y, &err), NNV_EUSAGE);
    ck_assert_int_eq(spc_resample(o, 2, 1, 0, 3, x, y, &err), NNV_EUSAGE);
    ck_assert_int_eq(spc_resample(o, 2, 1, -1, 3, x, y, &err), NNV_EUSAGE);
    ck_assert_int_eq(spc_resample(o, 2, NAN, 1, 3, x, y, &err), NNV_EUSAGE);
    ck_assert_int_eq(spc_resample(o, 2, 1, 1, 3, xd, y, &err), NNV_EINPUT);
    ck_assert_int_eq(spc_resample(o, 2, 1, 1, 3, x, yn, &err), NNV_EINPUT);
    ck_assert_int_eq(spc_resample(o, 2, 1, 1, 1, x, y, &err), NNV_EINPUT);
}
END_TEST

/* ---- smoothing and peaks ---- */

START_TEST(test_smooth)
{
    enum { N = 2001 };
    static double y[N];
    for (int i = 0; i < N; i++) y[i] = 4.5;
    ck_assert_int_eq(spc_smooth_gaussian(y, N, 1, 30, NULL), NNV_OK);
    for (int i = 0; i < N; i++) ck_assert(tu_close(y[i], 4.5, 1e-13, 0));
    /* a spike becomes a Gaussian of the FWHM: area kept, half height at ±15 */
    memset(y, 0, sizeof y);
    y[1000] = 1;
    ck_assert_int_eq(spc_smooth_gaussian(y, N, 1, 30, NULL), NNV_OK);
    double area = 0;
    for (int i = 0; i < N; i++) area += y[i];
    ck_assert(tu_close(area, 1, 1e-12, 0));
    ck_assert(tu_close(y[1015] / y[1000], 0.5, 2e-3, 0));
    nnv_error err = {0};
    ck_assert_int_eq(spc_smooth_gaussian(y, N, 1, 0, &err), NNV_EUSAGE);
    ck_assert_int_eq(spc_smooth_gaussian(y, N, 0, 30, &err), NNV_EUSAGE);
    ck_assert_int_eq(spc_smooth_gaussian(y, 0, 1, 30, &err), NNV_EUSAGE);
    y[3] = NAN;
    ck_assert_int_eq(spc_smooth_gaussian(y, N, 1, 30, &err), NNV_EINPUT);
}
END_TEST

START_TEST(test_peaks_planted)
{
    enum { N = 3601 };
    static double x[N], y[N];
    const double pos[3] = {1000.3, 1600.8, 3012.5}, hgt[3] = {1.0, 0.5, 0.2}, w[3] = {15, 25, 40};
    unsigned s = 7;
    for (int i = 0; i < N; i++) {
        x[i] = 400 + i;
        y[i] = 0;
        for (int k = 0; k < 3; k++) y[i] += hgt[k] * exp(-0.5 * pow((x[i] - pos[k]) / w[k], 2));
        s = s * 1103515245u + 12345u; /* noise of ±0.001: many tiny maxima to reject */
        y[i] += 0.002 * (((s >> 16) & 0x7fff) / 32768.0 - 0.5);
    }
    nnv_peak *p = NULL;
    int n = 0;
    ck_assert_int_eq(spc_find_peaks(&p, &n, N, x, y, 0.05, 0.02, NULL), NNV_OK);
    ck_assert_int_eq(n, 3);
    for (int k = 0; k < 3; k++) {
        ck_assert_msg(fabs(p[k].x - pos[k]) < 1.5, "peak %d at %g, planted %g", k, p[k].x, pos[k]);
        ck_assert_msg(fabs(p[k].centre - pos[k]) < 1.5, "centre %g", p[k].centre);
        ck_assert(tu_close(p[k].height, hgt[k], 0.003, 0));
        /* half-prominence width of a Gaussian (prominence ≈ height) = FWHM */
        ck_assert(tu_close(p[k].right - p[k].left, 2.3548 * w[k], 1.5, 0));
    }
    free(p);
    /* height threshold above the third peak: two left */
    ck_assert_int_eq(spc_find_peaks(&p, &n, N, x, y, 0.3, 0.02, NULL), NNV_OK);
    ck_assert_int_eq(n, 2);
    free(p);
    /* no threshold: the noise maxima count too */
    ck_assert_int_eq(spc_find_peaks(&p, &n, N, x, y, 0, 0, NULL), NNV_OK);
    ck_assert(n > 100);
    free(p);
}
END_TEST

/* A saturated band: a flat top from 2320 to 2380 whose highest sample sits
 * near the left edge (as in the NIST CO2 file): the centre follows the band,
 * the maximum does not. */
START_TEST(test_peaks_flat_top)
{
    enum { N = 301 };
    double x[N], y[N];
    for (int i = 0; i < N; i++) {
        x[i] = 2200 + i;
        double d = x[i] < 2320 ? 2320 - x[i] : x[i] > 2380 ? x[i] - 2380 : 0;
        y[i] = 1.7 * exp(-0.5 * (d / 10) * (d / 10));
        if (x[i] == 2325) y[i] += 0.01;
    }
    nnv_peak *p = NULL;
    int n = 0;
    ck_assert_int_eq(spc_find_peaks(&p, &n, N, x, y, 0.05, 0.02, NULL), NNV_OK);
    ck_assert_int_eq(n, 1);
    ck_assert(fabs(p[0].x - 2325) < 1);
    ck_assert_msg(fabs(p[0].centre - 2350) < 1, "centre %g", p[0].centre);
    free(p);
    /* a plateau of equal values counts once, at its middle */
    double xp[7] = {1, 2, 3, 4, 5, 6, 7}, yp[7] = {0, 1, 2, 2, 2, 1, 0};
    ck_assert_int_eq(spc_find_peaks(&p, &n, 7, xp, yp, 0, 0, NULL), NNV_OK);
    ck_assert_int_eq(n, 1);
    ck_assert(p[0].x == 4 && p[0].centre == 4 && p[0].prominence == 2);
    free(p);
}
END_TEST

START_TEST(test_peaks_bad)
{
    double x[4] = {1, 2, 3, 4}, y[4] = {0, 1, 0, 0}, yn[4] = {0, NAN, 0, 0}, yz[4] = {0, -1, 0, 0};
    double xd[4] = {1, 3, 2, 4};
    nnv_peak *p = NULL;
    int n = 5;
    nnv_error err = {0};
    ck_assert_int_eq(spc_find_peaks(&p, &n, 2, x, y, 0.1, 0.1, &err), NNV_EINPUT);
    ck_assert_int_eq(spc_find_peaks(&p, &n, 4, x, yn, 0.1, 0.1, &err), NNV_EINPUT);
    ck_assert_int_eq(spc_find_peaks(&p, &n, 4, x, yz, 0.1, 0.1, &err), NNV_EINPUT);
    ck_assert_int_eq(spc_find_peaks(&p, &n, 4, xd, y, 0.1, 0.1, &err), NNV_EINPUT);
    ck_assert_int_eq(spc_find_peaks(&p, &n, 4, x, y, -0.1, 0.1, &err), NNV_EUSAGE);
    ck_assert_int_eq(spc_find_peaks(&p, &n, 4, x, y, 0.1, 1.0, &err), NNV_EUSAGE);
    ck_assert_int_eq(spc_find_peaks(&p, &n, 4, x, y, NAN, 0.1, &err), NNV_EUSAGE);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(n, 0);
}
END_TEST

/* ---- computed versus measured ---- */

/* A "measured" spectrum made of the same Lorentzians as the sticks but shifted
 * by +12 cm⁻¹: every band matches with Δ = −12, MAE 12; identical: Pearson 1. */
START_TEST(test_compare_synthetic)
{
    enum { N = 3501 };
    static double x[N], y[N];
    const double f[5] = {1595, 3657, 3756, 1100, -120}, in[5] = {60, 5, 50, 20, 1};
    nnv_xy_spectrum m = {N, x, y, 0, 0};
    for (int pass = 0; pass < 2; pass++) {
        double shift = pass ? 12 : 0;
        for (int i = 0; i < N; i++) {
            x[i] = 450 + i;
            y[i] = 0;
            for (int k = 0; k < 4; k++) y[i] += in[k] * lorentz(x[i], f[k] + shift, 10);
        }
        nnv_spectral_result *r = NULL;
        nnv_spectral_options o = {0};
        o.fwhm = 20; /* as the "measured" bands */
        o.smooth_fwhm = -1;
        nnv_error err = {0};
        ck_assert_msg(nnv_spectral_compare(&r, &m, 5, f, in, &o, &err) == NNV_OK, "%s", err.message);
        ck_assert(r->x_first == 450 && r->dx == 1 && r->n_points == 3501);
        ck_assert(r->window[0].valid && r->window[1].valid && r->window[2].valid);
        ck_assert(r->window[0].lo == 500 && r->window[0].hi == 3950);
        ck_assert_str_eq(r->window[1].name, "fingerprint");
        if (pass == 0)
            for (int w = 0; w < 3; w++) /* the cell means of the resampling smooth a little */
                ck_assert_msg(r->window[w].pearson > 0.999 && r->window[w].cosine > 0.999,
                              "%s: %.6f %.6f", r->window[w].name, r->window[w].pearson,
                              r->window[w].cosine);
        else
            ck_assert(r->window[0].pearson < 0.9);
        /* strongest first; 5 km/mol is 8 % of the strongest: above the 5 % cut */
        ck_assert_int_eq(r->n_bands, 4);
        ck_assert(r->bands[0].calc == 1595 && r->bands[1].calc == 3756 && r->bands[2].calc == 1100);
        ck_assert_int_eq(r->n_matched, 4);
        for (int k = 0; k < 4; k++)
            ck_assert_msg(tu_close(r->bands[k].delta, -shift, 0.3, 0), "delta %g", r->bands[k].delta);
        ck_assert(tu_close(r->mae, shift, 1.0, 0));
        double mx = 0;
        for (int i = 0; i < r->n_points; i++) mx = r->measured[i] > mx ? r->measured[i] : mx;
        ck_assert(tu_close(mx, 1, 1e-15, 0));
        nnv_spectral_result_free(r);
    }
    /* one band at 1595: no computed band in the fingerprint (500–1500) or the
     * X–H window, so those are not valid; the full window is */
    nnv_spectral_result *r = NULL;
    ck_assert_int_eq(nnv_spectral_compare(&r, &m, 1, f, in, NULL, NULL), NNV_OK);
    ck_assert(r->window[0].valid && !r->window[1].valid && !r->window[2].valid);
    ck_assert(r->window[1].pearson == 0 && r->fwhm == NNV_SPECTRAL_DEFAULT_FWHM);
    nnv_spectral_result_free(r);
}
END_TEST

START_TEST(test_compare_bad)
{
    double x[5] = {500, 1000, 1500, 2000, 2500}, y[5] = {0, 1, 0, 1, 0}, yz[5] = {0};
    double xo[5] = {5000, 5100, 5200, 5300, 5400};
    double f[2] = {1000, 2000}, in[2] = {1, 1}, fneg[2] = {-5, 0}, fnan[2] = {NAN, 1000};
    nnv_xy_spectrum m = {5, x, y, 0, 0}, mz = {5, x, yz, 0, 0}, mo = {5, xo, y, 0, 0};
    nnv_spectral_result *r = NULL;
    nnv_error err = {0};
    ck_assert_int_eq(nnv_spectral_compare(&r, &m, 2, fneg, in, NULL, &err), NNV_EINPUT);
    ck_assert_int_eq(nnv_spectral_compare(&r, &m, 2, fnan, in, NULL, &err), NNV_EINPUT);
    ck_assert_int_eq(nnv_spectral_compare(&r, &m, 2, f, NULL, NULL, &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_spectral_compare(&r, &mz, 2, f, in, NULL, &err), NNV_EINPUT);
    ck_assert_int_eq(nnv_spectral_compare(&r, &mo, 2, f, in, NULL, &err), NNV_EINPUT);
    ck_assert_int_eq(nnv_spectral_compare(&r, NULL, 2, f, in, NULL, &err), NNV_EINPUT);
    nnv_spectral_options o = {0};
    o.fwhm = -1;
    ck_assert_int_eq(nnv_spectral_compare(&r, &m, 2, f, in, &o, &err), NNV_EUSAGE);
    o.fwhm = 0;
    o.lineshape = 7;
    ck_assert_int_eq(nnv_spectral_compare(&r, &m, 2, f, in, &o, &err), NNV_EUSAGE);
    o.lineshape = 0;
    o.peak_height = 1.5;
    ck_assert_int_eq(nnv_spectral_compare(&r, &m, 2, f, in, &o, &err), NNV_EUSAGE);
    o.peak_height = 0;
    o.dx = 1e-6; /* 2000 cm-1 / 1e-6 = 2e9 points */
    ck_assert_int_eq(nnv_spectral_compare(&r, &m, 2, f, in, &o, &err), NNV_EUSAGE);
    ck_assert_ptr_null(r);
    /* the good case still works */
    ck_assert_int_eq(nnv_spectral_compare(&r, &m, 2, f, in, NULL, &err), NNV_OK);
    nnv_spectral_result_free(r);
}
END_TEST

/* ---- the NIST WebBook spectra ---- */

typedef struct nist_band {
    const char *file;
    double band[2];     /* fundamentals (refdata/fundamentals.tsv), cm⁻¹; 0 = none */
    int n_smoothed;     /* the first n_smoothed bands are also found after the comparison's smoothing */
} nist_band;

/* The strongest fundamentals, Shimanouchi (1972) via refdata/fundamentals.tsv.
 * Water's bands keep a P/R dip at the origin after smoothing (the envelope
 * maxima lie ~60 cm⁻¹ out), and H2S's ν2 is weaker than its 3700 cm⁻¹
 * combination bands: both are checked on the unsmoothed spectrum only. */
static const nist_band NIST[] = {
    {"carbon dioxide.jdx", {2349, 667}, 2},
    {"water.jdx", {1595, 3756}, 0},
    {"methane.jdx", {3019, 1306}, 2},
    {"ammonia.jdx", {950, 0}, 1},
    {"sulfur dioxide.jdx", {1362, 0}, 1},
    {"ozone.jdx", {1042, 0}, 1},
    {"hydrogen sulfide.jdx", {1183, 0}, 0},
    {"acetonitrile.jdx", {1448, 0}, 1},
    {"ethylene oxide.jdx", {877, 3065}, 1}, /* 3065: smoothed into the 3006 band, −27 */
    {"carbon monoxide.jdx", {2143, 0}, 1},
};

static double nearest(const nnv_peak *p, int n, double x)
{
    double best = INFINITY;
    for (int k = 0; k < n; k++)
        if (fabs(p[k].centre - x) < fabs(best)) best = p[k].centre - x;
    return best;
}

START_TEST(test_nist)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/refdata/jcamp", tu_shared_dir());
    if (!tu_is_dir(dir)) {
        fprintf(stderr, "test_similarity: SKIP NIST spectra: %s not found\n", dir);
        return;
    }
    for (size_t k = 0; k < sizeof NIST / sizeof NIST[0]; k++) {
        const nist_band *c = &NIST[k];
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, c->file);
        nnv_jcamp_spectrum *js = NULL;
        nnv_xy_spectrum *a = NULL;
        nnv_error err = {0};
        ck_assert_msg(nnv_jcamp_read(&js, path, &err) == NNV_OK, "%s", err.message);
        ck_assert_msg(nnv_jcamp_to_absorbance(&a, js, NULL, &err) == NNV_OK, "%s: %s", c->file,
                      err.message);
        ck_assert_int_eq(a->n_points, js->n_points);
        double amax = 0;
        for (int i = 0; i < a->n_points; i++) {
            ck_assert_msg(isfinite(a->y[i]), "%s: A[%d] not finite", c->file, i);
            if (i) ck_assert(a->x[i] > a->x[i - 1]);
            if (a->y[i] > amax) amax = a->y[i];
        }
        ck_assert(amax > 0 && amax <= 3.01 + fabs(a->baseline));
        ck_assert_int_eq(a->source, js->is_transmittance ? NNV_FROM_TRANSMITTANCE : NNV_FROM_ABSORBANCE);

        /* raw: peaks of the absorbance at the file's own resolution */
        nnv_peak *p = NULL;
        int n = 0;
        ck_assert_int_eq(spc_find_peaks(&p, &n, a->n_points, a->x, a->y, 0.05, 0.02, &err), NNV_OK);
        for (int b = 0; b < 2 && c->band[b] > 0; b++) {
            double d = nearest(p, n, c->band[b]);
            if (strstr(c->file, "monoxide")) {
                /* CO has no Q branch: the raw maxima are the P and R branches,
                 * one each side of the origin within 40 cm⁻¹ */
                int below = 0, above = 0;
                for (int q = 0; q < n; q++) {
                    below |= p[q].centre < 2143 && p[q].centre > 2143 - 40;
                    above |= p[q].centre > 2143 && p[q].centre < 2143 + 40;
                }
                ck_assert_msg(below && above, "CO: P and R branches not found");
                continue;
            }
            ck_assert_msg(fabs(d) <= 15, "%s: no raw peak within 15 cm-1 of %g (nearest %+g)",
                          c->file, c->band[b], d);
        }
        free(p);

        /* smoothed as nnv_spectral_compare does it, through its result */
        double stick = c->band[0], inten = 1;
        nnv_spectral_result *r = NULL;
        ck_assert_msg(nnv_spectral_compare(&r, a, 1, &stick, &inten, NULL, &err) == NNV_OK, "%s",
                      err.message);
        for (int b = 0; b < c->n_smoothed; b++) {
            double d = nearest(r->peaks, r->n_peaks, c->band[b]);
            ck_assert_msg(fabs(d) <= 15, "%s: no smoothed peak within 15 cm-1 of %g (nearest %+g)",
                          c->file, c->band[b], d);
        }
        nnv_spectral_result_free(r);
        nnv_xy_spectrum_free(a);
        nnv_jcamp_free(js);
    }
}
END_TEST

/* ---- SVG writer: input checks (the output itself: tests/test_plot_svg.sh) ---- */

START_TEST(test_plot_bad)
{
    char dir[] = "/tmp/nnvib-plot-XXXXXX", path[64];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/p.svg", dir);
    double x[3] = {1, 2, 3}, y[3] = {1, 2, 3}, yn[3] = {1, NAN, 3};
    nnv_plot_series ok = {NNV_PLOT_LINE, "a", -1, 3, x, y};
    nnv_plot_series nan = {NNV_PLOT_LINE, "a", -1, 3, x, yn};
    nnv_plot_series kind = {9, "a", -1, 3, x, y};
    nnv_plot_series nodata = {NNV_PLOT_STICKS, "a", -1, 3, NULL, y};
    nnv_plot_panel pn = {"t", "y", 0, 0, 1, &ok};
    nnv_plot_figure fig = {"f", "x", 0, 0, 1, 0, 0, 1, &pn};
    nnv_error err = {0};
    ck_assert_int_eq(nnv_plot_write_svg(path, &fig, &err), NNV_OK);
    ck_assert_int_eq(access(path, F_OK), 0);
    remove(path);
    pn.series = &nan;
    ck_assert_int_eq(nnv_plot_write_svg(path, &fig, &err), NNV_EINPUT);
    pn.series = &kind;
    ck_assert_int_eq(nnv_plot_write_svg(path, &fig, &err), NNV_EUSAGE);
    pn.series = &nodata;
    ck_assert_int_eq(nnv_plot_write_svg(path, &fig, &err), NNV_EINPUT);
    pn.series = &ok;
    pn.y_min = 2;
    pn.y_max = 1;
    ck_assert_int_eq(nnv_plot_write_svg(path, &fig, &err), NNV_EUSAGE);
    pn.y_max = INFINITY;
    ck_assert_int_eq(nnv_plot_write_svg(path, &fig, &err), NNV_EINPUT);
    pn.y_min = pn.y_max = 0;
    fig.x_min = 5;
    fig.x_max = 5;
    ck_assert_int_eq(nnv_plot_write_svg(path, &fig, &err), NNV_EUSAGE);
    fig.x_min = fig.x_max = 0;
    fig.n_panels = 0;
    ck_assert_int_eq(nnv_plot_write_svg(path, &fig, &err), NNV_EUSAGE);
    fig.n_panels = 1;
    fig.width = 5;
    ck_assert_int_eq(nnv_plot_write_svg(path, &fig, &err), NNV_EUSAGE);
    fig.width = 0;
    ck_assert_int_eq(nnv_plot_write_svg(NULL, &fig, &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_plot_write_svg(path, NULL, &err), NNV_EUSAGE);
    /* nothing was left behind by the failures */
    ck_assert_int_ne(access(path, F_OK), 0);
    ck_assert_int_eq(rmdir(dir), 0);
    ck_assert_str_eq(plot_colour(0), "#000000");
    ck_assert_str_eq(plot_colour(NNV_PLOT_N_COLOURS + 1), plot_colour(1));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("similarity");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_identical);
    tcase_add_test(tc, test_shifted_lorentzians);
    tcase_add_test(tc, test_orthogonal_and_anti);
    tcase_add_test(tc, test_similarity_bad);
    tcase_add_test(tc, test_absorbance);
    tcase_add_test(tc, test_absorbance_bad);
    tcase_add_test(tc, test_resample_linear);
    tcase_add_test(tc, test_resample_bad);
    tcase_add_test(tc, test_smooth);
    tcase_add_test(tc, test_peaks_planted);
    tcase_add_test(tc, test_peaks_flat_top);
    tcase_add_test(tc, test_peaks_bad);
    tcase_add_test(tc, test_compare_synthetic);
    tcase_add_test(tc, test_compare_bad);
    tcase_add_test(tc, test_nist);
    tcase_add_test(tc, test_plot_bad);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
