/* Spectral similarity: measured JCAMP-DX spectra as absorbance on ascending
 * wavenumbers, resampling onto a uniform grid, Pearson and cosine similarity,
 * Gaussian smoothing, peak picking with prominence, and the comparison of
 * computed sticks with a measured spectrum (docs/spectrum-comparison.md). */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_internal.h"
#include <nnvib/similarity.h>

#define MIN_WINDOW_POINTS 10
#define MERGE_CM1 1.0 /* sticks closer than this are one band (degenerate modes) */
#define MAX_GRID_POINTS 10000000

/* ---- absorbance ---------------------------------------------------------- */

/* Upper-case copy of s without blanks, cut to n−1 bytes. */
static void squeeze_upper(char *dst, size_t n, const char *s)
{
    size_t k = 0;
    for (; s && *s && k + 1 < n; s++)
        if (!isspace((unsigned char)*s)) dst[k++] = (char)toupper((unsigned char)*s);
    dst[k] = '\0';
}

typedef struct xy_pair {
    double x, y;
} xy_pair;

static int cmp_pair(const void *a, const void *b)
{
    double u = ((const xy_pair *)a)->x, v = ((const xy_pair *)b)->x;
    return (u > v) - (u < v);
}

static int cmp_double(const void *a, const void *b)
{
    double u = *(const double *)a, v = *(const double *)b;
    return (u > v) - (u < v);
}

void nnv_xy_spectrum_free(nnv_xy_spectrum *s)
{
    if (!s) return;
    free(s->x);
    free(s->y);
    free(s);
}

int nnv_jcamp_to_absorbance(nnv_xy_spectrum **out, const nnv_jcamp_spectrum *in,
                            const nnv_absorbance_options *opt, nnv_error *err)
{
    nnv_absorbance_options o = {0};
    nnv_xy_spectrum *s = NULL;
    xy_pair *pair = NULL;
    double *sorted = NULL;
    char xu[64], yu[64];
    int rc = NNV_OK, n, xkind;

    if (!out) return nnv_error_set(err, NNV_EUSAGE, "absorbance: no output pointer");
    *out = NULL;
    if (opt) o = *opt;
    if (!in) return nnv_error_set(err, NNV_EUSAGE, "absorbance: no spectrum");
    if (!isfinite(o.t_floor) || o.t_floor < 0 || o.t_floor >= 1)
        return nnv_error_set(err, NNV_EUSAGE, "absorbance: transmittance floor %g: must be in (0, 1)",
                             o.t_floor);
    if (!isfinite(o.baseline_percentile) || o.baseline_percentile > 100)
        return nnv_error_set(err, NNV_EUSAGE, "absorbance: baseline percentile %g: must be <= 100",
                             o.baseline_percentile);
    double floor_t = o.t_floor > 0 ? o.t_floor : NNV_ABSORBANCE_T_FLOOR;
    double pct = o.baseline_percentile == 0 ? NNV_ABSORBANCE_BASELINE_PERCENTILE
                                            : o.baseline_percentile;
    const char *title = in->title && *in->title ? in->title : "(untitled)";
    n = in->n_points;
    if (in->is_peak_table || in->form == NNV_JCAMP_PEAK_TABLE)
        return nnv_error_set(err, NNV_EINPUT,
                             "%s: a peak table, not a continuous spectrum: cannot compare", title);
    if (n < 2 || !in->x || !in->y)
        return nnv_error_set(err, NNV_EINPUT, "%s: %d points: need at least 2", title, n);

    squeeze_upper(xu, sizeof xu, in->x_units);
    squeeze_upper(yu, sizeof yu, in->y_units);
    if (strstr(xu, "1/CM") || strstr(xu, "CM-1") || strstr(xu, "CM^-1") || strstr(xu, "CM^-^1") ||
        strstr(xu, "CM**-1") || strstr(xu, "WAVENUMBER"))
        xkind = 0;
    else if (strstr(xu, "MICROM") || strstr(xu, "MICRON") || !strcmp(xu, "UM"))
        xkind = 1;
    else if (strstr(xu, "NANOM") || !strcmp(xu, "NM"))
        xkind = 2;
    else
        return nnv_error_set(err, NNV_EINPUT,
                             "%s: ##XUNITS=%s: expected 1/CM, MICROMETERS or NANOMETERS", title,
                             in->x_units && *in->x_units ? in->x_units : "(absent)");
    if (strstr(yu, "REFLECTANCE") || strstr(yu, "EMISSION"))
        return nnv_error_set(err, NNV_EINPUT,
                             "%s: ##YUNITS=%s: expected transmittance or absorbance", title,
                             in->y_units);

    s = calloc(1, sizeof *s);
    pair = malloc((size_t)n * sizeof *pair);
    sorted = malloc((size_t)n * sizeof *sorted);
    if (!s || !pair || !sorted) goto nomem;

    int transmittance = in->is_transmittance || strstr(yu, "TRANSMITTANCE") != NULL;
    int percent = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(in->x[i]) || !isfinite(in->y[i])) {
            rc = nnv_error_set(err, NNV_EINPUT, "%s: point %d is not finite", title, i + 1);
            goto cleanup;
        }
        if (transmittance && in->y[i] > 2) percent = 1;
    }
    if (transmittance && (strstr(yu, "PERCENT") || strchr(yu, '%'))) percent = 1;
    s->source = !transmittance ? NNV_FROM_ABSORBANCE : percent ? NNV_FROM_PERCENT_T
                                                               : NNV_FROM_TRANSMITTANCE;

    for (int i = 0; i < n; i++) {
        double x = in->x[i], y = in->y[i];
        if (!(x > 0)) {
            rc = nnv_error_set(err, NNV_EINPUT, "%s: point %d: X = %g %s is not positive", title,
                               i + 1, x, in->x_units);
            goto cleanup;
        }
        if (xkind == 1) x = 1.0e4 / x;
        if (xkind == 2) x = 1.0e7 / x;
        if (transmittance) {
            double t = percent ? y / 100.0 : y;
            y = -log10(t > floor_t ? t : floor_t);
        }
        pair[i].x = x;
        pair[i].y = y;
    }
    /* Files store X ascending or descending; anything else is sorted, and a
     * repeated X is refused rather than guessed at. */
    int asc = 1, desc = 1;
    for (int i = 1; i < n; i++) {
        if (!(pair[i].x > pair[i - 1].x)) asc = 0;
        if (!(pair[i].x < pair[i - 1].x)) desc = 0;
    }
    if (desc)
        for (int i = 0, j = n - 1; i < j; i++, j--) {
            xy_pair t = pair[i];
            pair[i] = pair[j];
            pair[j] = t;
        }
    else if (!asc)
        qsort(pair, (size_t)n, sizeof *pair, cmp_pair);
    for (int i = 1; i < n; i++)
        if (!(pair[i].x > pair[i - 1].x)) {
            rc = nnv_error_set(err, NNV_EINPUT, "%s: wavenumber %g cm-1 appears twice", title,
                               pair[i].x);
            goto cleanup;
        }

    s->x = malloc((size_t)n * sizeof *s->x);
    s->y = malloc((size_t)n * sizeof *s->y);
    if (!s->x || !s->y) goto nomem;
    s->n_points = n;
    for (int i = 0; i < n; i++) {
        s->x[i] = pair[i].x;
        s->y[i] = sorted[i] = pair[i].y;
    }
    if (pct >= 0) {
        /* A low percentile is the transparent part of the spectrum: an offset
         * there (scattering, a reference cell mismatch) is not absorption. */
        qsort(sorted, (size_t)n, sizeof *sorted, cmp_double);
        double pos = pct / 100.0 * (n - 1);
        int k = (int)floor(pos);
        if (k >= n - 1) k = n - 2;
        double f = pos - k;
        s->baseline = sorted[k] + f * (sorted[k + 1] - sorted[k]);
        for (int i = 0; i < n; i++) s->y[i] -= s->baseline;
    }
    *out = s;
    s = NULL;
    goto cleanup;
nomem:
    rc = nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", title);
cleanup:
    nnv_xy_spectrum_free(s);
    free(pair);
    free(sorted);
    return rc;
}

/* ---- resampling ---------------------------------------------------------- */

/* ∫ of the piecewise-linear interpolant over [a, b] (x_in[0] <= a < b <=
 * x_in[n−1]), starting the walk at interval *k (advanced for the next call). */
static double interp_integral(int n, const double *x, const double *y, double a, double b, int *k)
{
    int j = *k;
    while (j < n - 2 && x[j + 1] <= a) j++;
    *k = j;
    double sum = 0, t0 = a;
    while (t0 < b && j < n - 1) {
        double h = x[j + 1] - x[j];
        double t1 = b < x[j + 1] ? b : x[j + 1];
        double y0 = y[j] + (y[j + 1] - y[j]) * ((t0 - x[j]) / h);
        double y1 = y[j] + (y[j + 1] - y[j]) * ((t1 - x[j]) / h);
        sum += (t1 - t0) * 0.5 * (y0 + y1);
        t0 = t1;
        j++;
    }
    return sum;
}

int spc_resample(double *y_out, int n_out, double x_first, double dx, int n_in,
                 const double *x_in, const double *y_in, nnv_error *err)
{
    if (!y_out || n_out < 1)
        return nnv_error_set(err, NNV_EUSAGE, "resample: %d output points", n_out);
    if (!(dx > 0) || !isfinite(dx) || !isfinite(x_first))
        return nnv_error_set(err, NNV_EUSAGE, "resample: grid start %g, step %g cm-1", x_first, dx);
    if (n_in < 2 || !x_in || !y_in)
        return nnv_error_set(err, NNV_EINPUT, "resample: %d input points: need at least 2", n_in);
    for (int i = 0; i < n_in; i++) {
        if (!isfinite(x_in[i]) || !isfinite(y_in[i]))
            return nnv_error_set(err, NNV_EINPUT, "resample: input point %d is not finite", i + 1);
        if (i > 0 && !(x_in[i] > x_in[i - 1]))
            return nnv_error_set(err, NNV_EINPUT, "resample: input x not ascending at point %d",
                                 i + 1);
    }
    double lo = x_in[0], hi = x_in[n_in - 1], tol = 1e-9 * dx;
    double last = x_first + (n_out - 1) * dx;
    if (x_first < lo - tol || last > hi + tol)
        return nnv_error_set(err, NNV_EUSAGE,
                             "resample: grid %g..%g cm-1 beyond the data range %g..%g cm-1",
                             x_first, last, lo, hi);
    int k = 0;
    for (int i = 0; i < n_out; i++) {
        double c = x_first + i * dx;
        double a = c - 0.5 * dx, b = c + 0.5 * dx;
        if (a < lo) a = lo;
        if (b > hi) b = hi;
        if (!(b > a)) { /* only when the grid point sits on an end within tol */
            y_out[i] = c <= lo ? y_in[0] : y_in[n_in - 1];
            continue;
        }
        y_out[i] = interp_integral(n_in, x_in, y_in, a, b, &k) / (b - a);
    }
    return NNV_OK;
}

/* ---- similarity ---------------------------------------------------------- */

int spc_similarity(double *pearson, double *cosine, int n, const double *a, const double *b,
                   nnv_error *err)
{
    if (n < 2 || !a || !b)
        return nnv_error_set(err, NNV_EINPUT, "similarity: %d points: need at least 2", n);
    double ma = 0, mb = 0, amax = 0, bmax = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(a[i]) || !isfinite(b[i]))
            return nnv_error_set(err, NNV_EINPUT, "similarity: point %d is not finite", i + 1);
        ma += a[i];
        mb += b[i];
        if (fabs(a[i]) > amax) amax = fabs(a[i]);
        if (fabs(b[i]) > bmax) bmax = fabs(b[i]);
    }
    if (amax == 0 || bmax == 0)
        return nnv_error_set(err, NNV_EINPUT, "similarity: spectrum %s is zero everywhere",
                             amax == 0 ? "1" : "2");
    ma /= n;
    mb /= n;
    /* Scaled by the largest value so that tiny spectra neither underflow nor
     * look flat; the scale cancels in both ratios. */
    double saa = 0, sbb = 0, sab = 0, caa = 0, cbb = 0, cab = 0;
    for (int i = 0; i < n; i++) {
        double u = a[i] / amax, v = b[i] / bmax;
        double du = (a[i] - ma) / amax, dv = (b[i] - mb) / bmax;
        caa += u * u;
        cbb += v * v;
        cab += u * v;
        saa += du * du;
        sbb += dv * dv;
        sab += du * dv;
    }
    if (pearson) {
        /* Rounding of the mean leaves ~1e-16 per point in a constant vector. */
        double flat = n * 1e-24;
        if (saa <= flat || sbb <= flat)
            return nnv_error_set(err, NNV_EINPUT,
                                 "similarity: spectrum %s is constant: correlation undefined",
                                 saa <= flat ? "1" : "2");
        double r = sab / sqrt(saa * sbb);
        *pearson = r > 1 ? 1 : r < -1 ? -1 : r;
    }
    if (cosine) {
        double c = cab / sqrt(caa * cbb);
        *cosine = c > 1 ? 1 : c < -1 ? -1 : c;
    }
    return NNV_OK;
}

/* ---- smoothing ----------------------------------------------------------- */

int spc_smooth_gaussian(double *y, int n, double dx, double fwhm, nnv_error *err)
{
    double *w = NULL, *t = NULL;
    int rc = NNV_OK;
    if (!y || n < 1) return nnv_error_set(err, NNV_EUSAGE, "smooth: %d points", n);
    if (!(dx > 0) || !isfinite(dx) || !(fwhm > 0) || !isfinite(fwhm))
        return nnv_error_set(err, NNV_EUSAGE, "smooth: step %g, FWHM %g cm-1: must be > 0", dx,
                             fwhm);
    for (int i = 0; i < n; i++)
        if (!isfinite(y[i]))
            return nnv_error_set(err, NNV_EINPUT, "smooth: point %d is not finite", i + 1);
    double sigma = fwhm / (2.0 * sqrt(2.0 * log(2.0))) / dx; /* in grid steps */
    double hw = ceil(5.0 * sigma);                           /* exp(−12.5): negligible */
    int h = hw < n ? (int)hw : n;
    w = malloc((size_t)(h + 1) * sizeof *w);
    t = malloc((size_t)n * sizeof *t);
    if (!w || !t) {
        rc = nnv_error_set(err, NNV_ENOMEM, "smooth: out of memory");
        goto cleanup;
    }
    for (int j = 0; j <= h; j++) w[j] = exp(-0.5 * (j / sigma) * (j / sigma));
    for (int i = 0; i < n; i++) {
        double s = 0, ws = 0;
        int j0 = i - h < 0 ? -i : -h, j1 = i + h >= n ? n - 1 - i : h;
        for (int j = j0; j <= j1; j++) {
            double wj = w[j < 0 ? -j : j];
            s += wj * y[i + j];
            ws += wj;
        }
        t[i] = s / ws;
    }
    memcpy(y, t, (size_t)n * sizeof *y);
cleanup:
    free(w);
    free(t);
    return rc;
}

/* ---- peaks --------------------------------------------------------------- */

static int cmp_peak(const void *a, const void *b)
{
    const nnv_peak *p = a, *q = b;
    if (p->height != q->height) return p->height < q->height ? 1 : -1;
    return (p->x > q->x) - (p->x < q->x);
}

/* x where the segment (x0, y0)–(x1, y1) crosses level (y0, y1 on both sides). */
static double crossing(double x0, double y0, double x1, double y1, double level)
{
    if (y1 == y0) return 0.5 * (x0 + x1);
    return x0 + (level - y0) * (x1 - x0) / (y1 - y0);
}

int spc_find_peaks(nnv_peak **peaks, int *n_peaks, int n, const double *x, const double *y,
                   double min_height, double min_prominence, nnv_error *err)
{
    nnv_peak *p = NULL;
    int np = 0, cap = 0, rc = NNV_OK;
    if (!peaks || !n_peaks) return nnv_error_set(err, NNV_EUSAGE, "peaks: no output pointer");
    *peaks = NULL;
    *n_peaks = 0;
    if (!(min_height >= 0 && min_height < 1) || !(min_prominence >= 0 && min_prominence < 1))
        return nnv_error_set(err, NNV_EUSAGE,
                             "peaks: height fraction %g, prominence fraction %g: must be in [0, 1)",
                             min_height, min_prominence);
    if (n < 3 || !x || !y)
        return nnv_error_set(err, NNV_EINPUT, "peaks: %d points: need at least 3", n);
    double ymax = -INFINITY;
    for (int i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i]))
            return nnv_error_set(err, NNV_EINPUT, "peaks: point %d is not finite", i + 1);
        if (i > 0 && !(x[i] > x[i - 1]))
            return nnv_error_set(err, NNV_EINPUT, "peaks: x not ascending at point %d", i + 1);
        if (y[i] > ymax) ymax = y[i];
    }
    if (!(ymax > 0))
        return nnv_error_set(err, NNV_EINPUT, "peaks: the spectrum is nowhere positive");
    double hmin = min_height * ymax, pmin = min_prominence * ymax;

    for (int i = 1; i < n - 1; i++) {
        if (!(y[i] > y[i - 1])) continue;
        int j = i; /* a flat top i..j counts once */
        while (j + 1 < n && y[j + 1] == y[i]) j++;
        if (j + 1 >= n || !(y[j + 1] < y[i])) {
            i = j;
            continue;
        }
        double h = y[i];
        if (h >= hmin) {
            /* Prominence as in topography (and scipy.signal.peak_prominences):
             * walk each way until a higher point, the lowest point met is the
             * base on that side, the higher of the two bases is the key col. */
            double lmin = h, rmin = h;
            for (int k = i - 1; k >= 0 && y[k] <= h; k--)
                if (y[k] < lmin) lmin = y[k];
            for (int k = j + 1; k < n && y[k] <= h; k++)
                if (y[k] < rmin) rmin = y[k];
            double prom = h - (lmin > rmin ? lmin : rmin);
            if (prom >= pmin && prom > 0) {
                double level = h - 0.5 * prom, left = x[0], right = x[n - 1];
                for (int k = i - 1; k >= 0; k--)
                    if (y[k] <= level) {
                        left = crossing(x[k], y[k], x[k + 1], y[k + 1], level);
                        break;
                    }
                for (int k = j + 1; k < n; k++)
                    if (y[k] <= level) {
                        right = crossing(x[k - 1], y[k - 1], x[k], y[k], level);
                        break;
                    }
                double xv = 0.5 * (x[i] + x[j]);
                if (i == j) {
                    /* Vertex of the parabola through the maximum and its two
                     * neighbours (any spacing). */
                    double x0 = x[i - 1], x1 = x[i], x2 = x[i + 1];
                    double y0 = y[i - 1], y1 = y[i], y2 = y[i + 1];
                    double num = (x1 - x0) * (x1 - x0) * (y1 - y2) - (x1 - x2) * (x1 - x2) * (y1 - y0);
                    double den = (x1 - x0) * (y1 - y2) - (x1 - x2) * (y1 - y0);
                    if (den != 0) {
                        double v = x1 - 0.5 * num / den;
                        if (isfinite(v) && v > x0 && v < x2) xv = v;
                    }
                }
                if (np == cap) {
                    int nc = cap ? 2 * cap : 16;
                    nnv_peak *t = realloc(p, (size_t)nc * sizeof *p);
                    if (!t) {
                        rc = nnv_error_set(err, NNV_ENOMEM, "peaks: out of memory");
                        goto cleanup;
                    }
                    p = t;
                    cap = nc;
                }
                p[np].x = xv;
                p[np].height = h;
                p[np].prominence = prom;
                p[np].left = left;
                p[np].right = right;
                p[np].centre = 0.5 * (left + right);
                np++;
            }
        }
        i = j;
    }
    if (np > 1) qsort(p, (size_t)np, sizeof *p, cmp_peak);
    if (np > 0) {
        *peaks = p;
        *n_peaks = np;
        p = NULL;
    }
cleanup:
    free(p);
    return rc;
}

/* ---- computed versus measured ------------------------------------------ */

static const struct {
    const char *name;
    double lo, hi;
} WINDOWS[NNV_SPECTRAL_N_WINDOWS] = {
    {"full", 500.0, 4000.0},
    {"fingerprint", 500.0, 1500.0},
    {"xh_stretch", 2500.0, 4000.0},
};

typedef struct band {
    double x, i;
} band;

static int cmp_band_x(const void *a, const void *b)
{
    double u = ((const band *)a)->x, v = ((const band *)b)->x;
    return (u > v) - (u < v);
}

static int cmp_band_i(const void *a, const void *b)
{
    const band *p = a, *q = b;
    if (p->i != q->i) return p->i < q->i ? 1 : -1;
    return (p->x > q->x) - (p->x < q->x);
}

void nnv_spectral_result_free(nnv_spectral_result *r)
{
    if (!r) return;
    FREE_ALL(r->bands, r->peaks, r->measured, r->computed, r);
}

int nnv_spectral_compare(nnv_spectral_result **out, const nnv_xy_spectrum *measured,
                         int n_sticks, const double *freq, const double *intensity,
                         const nnv_spectral_options *opt, nnv_error *err)
{
    nnv_spectral_options o = {0};
    nnv_spectral_result *r = NULL;
    nnv_spectrum *sp = NULL;
    double *pos = NULL, *gx = NULL, *sm = NULL;
    band *bd = NULL;
    int rc = NNV_OK, nb = 0;

    if (!out) return nnv_error_set(err, NNV_EUSAGE, "compare: no output pointer");
    *out = NULL;
    if (opt) o = *opt;
    if (!isfinite(o.fwhm) || o.fwhm < 0 || !isfinite(o.dx) || o.dx < 0 || !isfinite(o.scale) ||
        o.scale < 0 || !isfinite(o.smooth_fwhm) || !isfinite(o.max_shift) || o.max_shift < 0)
        return nnv_error_set(err, NNV_EUSAGE,
                             "compare: FWHM %g, step %g, scale %g, smoothing %g, shift %g: must be "
                             "finite and >= 0",
                             o.fwhm, o.dx, o.scale, o.smooth_fwhm, o.max_shift);
    if (!(o.peak_height >= 0 && o.peak_height < 1) ||
        !(o.peak_prominence >= 0 && o.peak_prominence < 1) ||
        !(o.strong_fraction >= 0 && o.strong_fraction <= 1) || o.n_strong < 0)
        return nnv_error_set(err, NNV_EUSAGE,
                             "compare: peak fractions %g/%g, strong fraction %g, %d bands out of range",
                             o.peak_height, o.peak_prominence, o.strong_fraction, o.n_strong);
    if (o.lineshape != NNV_LINESHAPE_LORENTZIAN && o.lineshape != NNV_LINESHAPE_GAUSSIAN)
        return nnv_error_set(err, NNV_EUSAGE, "compare: unknown line shape %d", o.lineshape);
    double fwhm = o.fwhm > 0 ? o.fwhm : NNV_SPECTRAL_DEFAULT_FWHM;
    /* 1 cm⁻¹ resolves bands of 4 cm⁻¹ and more; narrower ones get 4 points per
     * FWHM, but not under 0.25 cm⁻¹ (the finest NIST sampling is 0.24). */
    double dx = o.dx > 0 ? o.dx : fwhm / 4 >= 1 ? 1.0 : fwhm / 4 > 0.25 ? fwhm / 4 : 0.25;
    double scale = o.scale > 0 ? o.scale : 1.0;
    double smooth = o.smooth_fwhm == 0 ? NNV_SPECTRAL_DEFAULT_SMOOTH : o.smooth_fwhm;
    double hfrac = o.peak_height > 0 ? o.peak_height : 0.05;
    double pfrac = o.peak_prominence > 0 ? o.peak_prominence : 0.02;
    int n_strong = o.n_strong > 0 ? o.n_strong : 6;
    double sfrac = o.strong_fraction > 0 ? o.strong_fraction : 0.05;
    double max_shift = o.max_shift > 0 ? o.max_shift : 150.0;

    if (!measured || measured->n_points < 2 || !measured->x || !measured->y)
        return nnv_error_set(err, NNV_EINPUT, "compare: the measured spectrum has under 2 points");
    if (n_sticks < 0 || (n_sticks > 0 && (!freq || !intensity)))
        return nnv_error_set(err, NNV_EUSAGE, "compare: %d sticks without data", n_sticks);
    int n_pos = 0;
    for (int i = 0; i < n_sticks; i++) {
        if (!isfinite(freq[i]) || !isfinite(intensity[i]))
            return nnv_error_set(err, NNV_EINPUT, "compare: stick %d is not finite", i + 1);
        if (freq[i] > 0) n_pos++;
    }
    if (n_pos == 0)
        return nnv_error_set(err, NNV_EINPUT, "compare: no computed band with a positive wavenumber");

    const double *mx = measured->x;
    int mn = measured->n_points;
    double lo = mx[0] > NNV_SPECTRAL_X_MIN ? mx[0] : NNV_SPECTRAL_X_MIN;
    double hi = mx[mn - 1] < NNV_SPECTRAL_X_MAX ? mx[mn - 1] : NNV_SPECTRAL_X_MAX;
    lo = ceil(lo / dx - 1e-9) * dx;
    hi = floor(hi / dx + 1e-9) * dx;
    double npd = floor((hi - lo) / dx + 0.5) + 1.0;
    if (!(hi > lo) || npd < MIN_WINDOW_POINTS)
        return nnv_error_set(err, NNV_EINPUT,
                             "compare: the measured range %g..%g cm-1 leaves under %d grid points "
                             "in %g..%g cm-1",
                             mx[0], mx[mn - 1], MIN_WINDOW_POINTS, NNV_SPECTRAL_X_MIN,
                             NNV_SPECTRAL_X_MAX);
    if (npd > MAX_GRID_POINTS)
        return nnv_error_set(err, NNV_EUSAGE, "compare: %.0f grid points: step %g too small", npd,
                             dx);
    int np = (int)npd;

    r = calloc(1, sizeof *r);
    pos = malloc((size_t)n_sticks * sizeof *pos);
    gx = malloc((size_t)np * sizeof *gx);
    sm = malloc((size_t)np * sizeof *sm);
    bd = malloc((size_t)n_sticks * sizeof *bd);
    if (!r || !pos || !gx || !sm || !bd) goto nomem;
    r->n_points = np;
    r->x_first = lo;
    r->dx = dx;
    r->fwhm = fwhm;
    r->smooth_fwhm = smooth > 0 ? smooth : 0;
    r->measured = malloc((size_t)np * sizeof *r->measured);
    r->computed = malloc((size_t)np * sizeof *r->computed);
    if (!r->measured || !r->computed) goto nomem;
    for (int i = 0; i < np; i++) gx[i] = lo + i * dx;

    /* measured, scaled to maximum 1 */
    rc = spc_resample(r->measured, np, lo, dx, mn, mx, measured->y, err);
    if (rc) goto cleanup;
    double mmax = 0;
    for (int i = 0; i < np; i++)
        if (r->measured[i] > mmax) mmax = r->measured[i];
    if (!(mmax > 0)) {
        rc = nnv_error_set(err, NNV_EINPUT,
                           "compare: the measured absorbance is nowhere positive in %g..%g cm-1", lo,
                           hi);
        goto cleanup;
    }
    for (int i = 0; i < np; i++) r->measured[i] /= mmax;

    /* computed, broadened on the same grid, scaled to maximum 1 */
    for (int i = 0; i < n_sticks; i++) pos[i] = freq[i] * scale;
    nnv_spectrum_options so = {.fwhm = fwhm, .lineshape = o.lineshape, .x_min = lo, .x_max = hi,
                               .dx = dx};
    rc = nnv_spectrum_broaden(&sp, n_sticks, pos, intensity, &so, err);
    if (rc) goto cleanup;
    if (sp->n_points != np) {
        rc = nnv_error_set(err, NNV_ENUMERIC, "compare: grid of %d points, broadened %d", np,
                           sp->n_points);
        goto cleanup;
    }
    double cmax = 0;
    for (int i = 0; i < np; i++)
        if (sp->y[i] > cmax) cmax = sp->y[i];
    for (int i = 0; i < np; i++) r->computed[i] = cmax > 0 ? sp->y[i] / cmax : 0;

    for (int w = 0; w < NNV_SPECTRAL_N_WINDOWS; w++) {
        nnv_spectral_window *cw = &r->window[w];
        cw->name = WINDOWS[w].name;
        cw->lo = WINDOWS[w].lo > lo ? WINDOWS[w].lo : lo;
        cw->hi = WINDOWS[w].hi < hi ? WINDOWS[w].hi : hi;
        int i0 = (int)ceil((cw->lo - lo) / dx - 1e-9), i1 = (int)floor((cw->hi - lo) / dx + 1e-9);
        cw->n_points = i1 >= i0 ? i1 - i0 + 1 : 0;
        if (cw->n_points < MIN_WINDOW_POINTS) continue;
        /* Without a computed band inside, only the tails of bands outside
         * would be correlated with whatever was measured there: meaningless. */
        int inside = 0;
        for (int i = 0; i < n_sticks && !inside; i++)
            inside = pos[i] >= cw->lo && pos[i] <= cw->hi && intensity[i] > 0;
        if (!inside) continue;
        /* A window where either spectrum is flat has no defined correlation:
         * reported as not valid instead of failing the whole comparison. */
        if (spc_similarity(&cw->pearson, &cw->cosine, cw->n_points, r->measured + i0,
                           r->computed + i0, NULL) == NNV_OK)
            cw->valid = 1;
        else
            cw->pearson = cw->cosine = 0;
    }

    /* measured peaks, after smoothing away the rotational lines */
    memcpy(sm, r->measured, (size_t)np * sizeof *sm);
    if (smooth > 0 && (rc = spc_smooth_gaussian(sm, np, dx, smooth, err))) goto cleanup;
    rc = spc_find_peaks(&r->peaks, &r->n_peaks, np, gx, sm, hfrac, pfrac, err);
    if (rc) goto cleanup;

    /* strong computed bands: degenerate sticks merged, inside the grid */
    for (int i = 0; i < n_sticks; i++)
        if (pos[i] > 0) bd[nb++] = (band){pos[i], intensity[i]};
    qsort(bd, (size_t)nb, sizeof *bd, cmp_band_x);
    int ng = 0;
    for (int i = 0; i < nb;) {
        double sx = 0, si = 0, first = bd[i].x;
        int j = i, cnt = 0;
        for (; j < nb && bd[j].x - first < MERGE_CM1; j++, cnt++) {
            sx += bd[j].x;
            si += bd[j].i;
        }
        if (first >= lo && first <= hi) bd[ng++] = (band){sx / cnt, si};
        i = j;
    }
    qsort(bd, (size_t)ng, sizeof *bd, cmp_band_i);
    int nsel = 0;
    for (int i = 0; i < ng && nsel < n_strong; i++)
        if (bd[i].i >= sfrac * bd[0].i) nsel++;
    if (nsel > 0) {
        r->bands = calloc((size_t)nsel, sizeof *r->bands);
        if (!r->bands) goto nomem;
    }
    r->n_bands = nsel;
    double sum = 0;
    for (int k = 0; k < nsel; k++) {
        nnv_band_match *m = &r->bands[k];
        m->calc = bd[k].x;
        m->intensity = bd[k].i;
        int best = -1;
        for (int q = 0; q < r->n_peaks; q++)
            if (best < 0 || fabs(r->peaks[q].centre - m->calc) < fabs(r->peaks[best].centre - m->calc))
                best = q;
        if (best >= 0 && fabs(r->peaks[best].centre - m->calc) <= max_shift) {
            m->matched = 1;
            m->meas = r->peaks[best].centre;
            m->delta = m->calc - m->meas;
            sum += fabs(m->delta);
            r->n_matched++;
        }
    }
    r->mae = r->n_matched > 0 ? sum / r->n_matched : 0;
    *out = r;
    r = NULL;
    goto cleanup;
nomem:
    rc = nnv_error_set(err, NNV_ENOMEM, "compare: out of memory");
cleanup:
    nnv_spectral_result_free(r);
    nnv_spectrum_free(sp);
    FREE_ALL(pos, gx, sm, bd);
    return rc;
}
