/* JCAMP-DX 4.24 writers: a broadened IR spectrum as AFFN (X++(Y..Y)) XYDATA
 * and a stick spectrum as a (XY..XY) PEAK TABLE, in the header order and the
 * plain forms that JSpecView and jcampconverter read (docs/thermochemistry.md). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base_internal.h"


#define LINE_MAX_CHARS 80  /* JCAMP-DX: lines of at most 80 characters */
#define MIN_FILE_BYTES 400 /* JSpecView misreads shorter files */
#define Y_INT_MAX 1.0e6    /* largest integer Y in XYDATA (7 significant digits) */

typedef struct jbuf {
    char *s;
    size_t len, cap;
    int failed; /* out of memory */
} jbuf;

PRINTF_LIKE(2, 3) static void jb_printf(jbuf *b, const char *fmt, ...)
{
    if (b->failed) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = 1;
            return;
        }
        if (b->s && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap : 4096;
        while (cap <= b->len + (size_t)n) cap *= 2;
        char *t = realloc(b->s, cap);
        if (!t) {
            b->failed = 1;
            return;
        }
        b->s = t;
        b->cap = cap;
    }
}

/* A one-line header value: control characters become spaces and a "##"
 * (which would start a new label) becomes "# #". */
static void jb_text(jbuf *b, const char *label, const char *text)
{
    jb_printf(b, "##%s=", label);
    for (const char *p = text; p && *p; p++) {
        char c = *p;
        if ((unsigned char)c < 0x20 || c == 0x7f) c = ' ';
        if (c == '#' && p[1] == '#') {
            jb_printf(b, "# ");
            continue;
        }
        jb_printf(b, "%c", c);
    }
    jb_printf(b, "\n");
}

static void jb_head(jbuf *b, const nnv_jcamp_info *info, const char *data_type)
{
    char origin[64];
    snprintf(origin, sizeof origin, "nnvib %s", nnv_version());
    jb_text(b, "TITLE", info && info->title && *info->title ? info->title : "nnvib spectrum");
    jb_printf(b, "##JCAMP-DX=4.24\n");
    jb_printf(b, "##DATA TYPE=%s\n", data_type);
    jb_text(b, "ORIGIN", info && info->origin ? info->origin : origin);
    jb_text(b, "OWNER", info && info->owner ? info->owner : "public domain");
}

/* Pad with a comment so the file reaches MIN_FILE_BYTES once `tail` more bytes follow. */
static void jb_pad(jbuf *b, size_t tail)
{
    static const char note[] = "##$COMMENT=padding: some JCAMP-DX readers misread files "
                               "shorter than 400 bytes";
    if (b->len + tail >= MIN_FILE_BYTES) return;
    jb_printf(b, "%s", note);
    while (!b->failed && b->len + tail + 1 < MIN_FILE_BYTES) jb_printf(b, ".");
    jb_printf(b, "\n");
}

/* The whole text is built in memory first, so the file is written in one go
 * through the shared temporary-name-and-rename helper (src/base/files.c). */
static int finish(jbuf *b, const char *path, nnv_error *err)
{
    af_file af = {0};
    int rc;
    if (b->failed) return nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", path);
    if ((rc = af_open(&af, path, err)) != NNV_OK) return rc;
    if (fwrite(b->s, 1, b->len, af.f) != b->len) {
        af_discard(&af);
        return nnv_error_set(err, NNV_EIO, "%s: write failed", path);
    }
    return af_commit(&af, err);
}

int nnv_jcamp_write_spectrum(const char *path, const nnv_spectrum *s,
                             const nnv_jcamp_info *info, nnv_error *err)
{
    jbuf b = {0};
    long *yi = NULL;
    int rc = NNV_OK;
    if (!path) return nnv_error_set(err, NNV_EUSAGE, "JCAMP-DX: no file name");
    if (!s || s->n_points < 2 || !s->y || !(s->dx > 0))
        return nnv_error_set(err, NNV_EINPUT, "%s: empty spectrum", path);
    double ymax = 0;
    for (int i = 0; i < s->n_points; i++) {
        if (!isfinite(s->y[i]))
            return nnv_error_set(err, NNV_EINPUT, "%s: spectrum point %d is not finite", path,
                                 i + 1);
        if (fabs(s->y[i]) > ymax) ymax = fabs(s->y[i]);
    }
    /* Integer Y (AFFN without decimals is the form every reader handles) with
     * YFACTOR chosen so the largest value is 10^6. */
    double yfactor = ymax > 0 ? ymax / Y_INT_MAX : 1.0;
    yi = malloc((size_t)s->n_points * sizeof *yi);
    if (!yi) {
        rc = nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", path);
        goto cleanup;
    }
    for (int i = 0; i < s->n_points; i++) yi[i] = lround(s->y[i] / yfactor);
    double lastx = s->x_first + (s->n_points - 1) * s->dx;

    jb_head(&b, info, "INFRARED SPECTRUM");
    jb_printf(&b,
              "##$COMMENT=computed harmonic IR spectrum: sticks broadened with area-normalised "
              "%s bands, FWHM %g cm-1\n"
              "##$COMMENT=Y is the band density in km/mol per cm-1: the spectrum integrates over "
              "X to the sum of the IR intensities (km/mol)\n",
              s->lineshape == NNV_LINESHAPE_GAUSSIAN ? "Gaussian" : "Lorentzian", s->fwhm);
    if (info && info->comment) jb_text(&b, "$COMMENT", info->comment);
    jb_printf(&b, "##XUNITS=1/CM\n##YUNITS=ARBITRARY UNITS\n");
    jb_printf(&b, "##XFACTOR=1\n##YFACTOR=%.10g\n", yfactor);
    jb_printf(&b, "##FIRSTX=%.10g\n##LASTX=%.10g\n##NPOINTS=%d\n", s->x_first, lastx,
              s->n_points);
    jb_printf(&b, "##FIRSTY=%.10g\n", (double)yi[0] * yfactor);
    jb_printf(&b, "##MAXY=%.10g\n", ymax);
    jb_printf(&b, "##DELTAX=%.10g\n", s->dx);
    jb_pad(&b, 0);
    jb_printf(&b, "##XYDATA=(X++(Y..Y))\n");
    /* Each line: the X of its first Y (a check value, in X units since
     * XFACTOR = 1), then as many Y as fit in 80 characters. */
    for (int i = 0; i < s->n_points;) {
        char line[LINE_MAX_CHARS + 32];
        int n = snprintf(line, sizeof line, "%.10g", s->x_first + i * s->dx);
        while (i < s->n_points) {
            char v[24];
            int m = snprintf(v, sizeof v, " %ld", yi[i]);
            if (n + m > LINE_MAX_CHARS) break;
            memcpy(line + n, v, (size_t)m + 1);
            n += m;
            i++;
        }
        jb_printf(&b, "%s\n", line);
    }
    jb_printf(&b, "##END=\n");
    rc = finish(&b, path, err);
cleanup:
    free(b.s);
    free(yi);
    return rc;
}

int nnv_jcamp_write_peaks(const char *path, int n_sticks, const double *position,
                          const double *intensity, const nnv_jcamp_info *info,
                          nnv_error *err)
{
    jbuf b = {0};
    int *order = NULL, n = 0, rc = NNV_OK;
    if (!path) return nnv_error_set(err, NNV_EUSAGE, "JCAMP-DX: no file name");
    if (n_sticks < 0 || (n_sticks > 0 && !position))
        return nnv_error_set(err, NNV_EINPUT, "%s: no peaks", path);
    order = malloc(((size_t)n_sticks + 1) * sizeof *order);
    if (!order) {
        rc = nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", path);
        goto cleanup;
    }
    for (int i = 0; i < n_sticks; i++) {
        if (!isfinite(position[i]) || (intensity && !isfinite(intensity[i]))) {
            rc = nnv_error_set(err, NNV_EINPUT, "%s: peak %d is not finite", path, i + 1);
            goto cleanup;
        }
        if (position[i] <= 0) continue;
        /* Insertion sort by position: readers expect ascending X. */
        int k = n++;
        while (k > 0 && position[order[k - 1]] > position[i]) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = i;
    }
    if (n == 0) {
        rc = nnv_error_set(err, NNV_EINPUT, "%s: no real vibrational frequency to write", path);
        goto cleanup;
    }
    jb_head(&b, info, "INFRARED PEAK TABLE");
    jb_printf(&b, "##$COMMENT=computed harmonic IR stick spectrum: X wavenumber (cm-1), Y "
                  "%s\n", intensity ? "IR intensity (km/mol)"
                                    : "1 for every mode (no intensities: the potential has no "
                                      "charge networks)");
    if (info && info->comment) jb_text(&b, "$COMMENT", info->comment);
    jb_printf(&b, "##XUNITS=1/CM\n##YUNITS=%s\n", intensity ? "KM/MOL" : "ARBITRARY UNITS");
    jb_printf(&b, "##XFACTOR=1\n##YFACTOR=1\n");
    jb_printf(&b, "##FIRSTX=%.6f\n##LASTX=%.6f\n##NPOINTS=%d\n", position[order[0]],
              position[order[n - 1]], n);
    jb_printf(&b, "##FIRSTY=%.10g\n", intensity ? intensity[order[0]] : 1.0);
    /* Pad before the table: the size that follows is known only roughly, so
     * count the table as nothing and pad the head alone to 400 bytes. */
    jb_pad(&b, 0);
    jb_printf(&b, "##PEAK TABLE=(XY..XY)\n");
    for (int k = 0; k < n; k++)
        jb_printf(&b, "%.6f, %.10g\n", position[order[k]], intensity ? intensity[order[k]] : 1.0);
    jb_printf(&b, "##END=\n");
    rc = finish(&b, path, err);
cleanup:
    free(b.s);
    free(order);
    return rc;
}
