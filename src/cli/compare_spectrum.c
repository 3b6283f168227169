/* The --spectrum part of `nnvib compare`: each potential's computed IR stick
 * spectrum against a measured JCAMP-DX spectrum (similarity per window, strong
 * band positions), as text, as one JSON value and as an SVG overlay. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compare_spectrum.h"
#include <nnvib/plot.h>
#include <nnvib/similarity.h>

struct cli_spectrum_report {
    char *jdx_path;
    char *title;        /* ##TITLE of the measured file */
    char *x_units, *y_units;
    int source;         /* enum nnv_absorbance_source */
    double baseline;
    double x_lo, x_hi;  /* measured range, cm⁻¹ */
    double fwhm, scale;
    int lineshape;
    int n;              /* computed spectra */
    char **label;
    nnv_spectral_result **res;
};

static char *copy_str(const char *s)
{
    if (!s) s = "";
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c) memcpy(c, s, n);
    return c;
}

void cli_spectrum_report_free(cli_spectrum_report *r)
{
    if (!r) return;
    for (int i = 0; i < r->n; i++) {
        if (r->label) free(r->label[i]);
        if (r->res) nnv_spectral_result_free(r->res[i]);
    }
    free(r->label);
    free(r->res);
    free(r->jdx_path);
    free(r->title);
    free(r->x_units);
    free(r->y_units);
    free(r);
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static int write_svg(const cli_spectrum_report *r, const char *path, nnv_error *err)
{
    int rc = NNV_OK, np = r->n > 0 ? r->n : 1;
    double *x = NULL;
    nnv_plot_series *ser = calloc((size_t)np * 2, sizeof *ser);
    nnv_plot_panel *pan = calloc((size_t)np, sizeof *pan);
    char title[512];
    if (!ser || !pan) {
        rc = nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", path);
        goto cleanup;
    }
    if (r->n > 0) {
        const nnv_spectral_result *g = r->res[0];
        x = malloc((size_t)g->n_points * sizeof *x);
        if (!x) {
            rc = nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", path);
            goto cleanup;
        }
        for (int i = 0; i < g->n_points; i++) x[i] = g->x_first + i * g->dx;
    }
    /* One panel per computed spectrum, each over the same measured curve. */
    for (int k = 0; k < r->n; k++) {
        const nnv_spectral_result *g = r->res[k];
        ser[2 * k] = (nnv_plot_series){NNV_PLOT_LINE, "measured", 0, g->n_points, x, g->measured};
        ser[2 * k + 1] = (nnv_plot_series){NNV_PLOT_LINE, r->label[k], 1 + k % (NNV_PLOT_N_COLOURS - 1),
                                           g->n_points, x, g->computed};
        pan[k] = (nnv_plot_panel){r->label[k], "absorbance (max = 1)", -0.05, 1.1, 2, &ser[2 * k]};
    }
    if (r->n == 0) pan[0] = (nnv_plot_panel){"no computed spectrum", "absorbance (max = 1)", -0.05, 1.1, 0, ser};
    snprintf(title, sizeof title, "IR: computed (Lorentzian-broadened, FWHM %g cm-1) vs %s", r->fwhm,
             base_name(r->jdx_path));
    if (r->lineshape == NNV_LINESHAPE_GAUSSIAN)
        snprintf(title, sizeof title, "IR: computed (Gaussian-broadened, FWHM %g cm-1) vs %s", r->fwhm,
                 base_name(r->jdx_path));
    nnv_plot_figure fig = {title, "wavenumber / cm\xe2\x81\xbb\xc2\xb9", r->x_lo, r->x_hi, 1, 0,
                           r->n > 2 ? 220 : 300, np, pan};
    if (!(r->x_hi > r->x_lo)) fig.x_min = fig.x_max = 0;
    rc = nnv_plot_write_svg(path, &fig, err);
cleanup:
    free(x);
    free(ser);
    free(pan);
    return rc;
}

int cli_spectrum_compare(cli_spectrum_report **out, const cli_spectrum_options *o, int n,
                         const cli_spectrum_input *in, char *msg, size_t msglen)
{
    cli_spectrum_report *r = NULL;
    nnv_jcamp_spectrum *js = NULL;
    nnv_xy_spectrum *a = NULL;
    nnv_error err = {0};
    int st = CLI_EXIT_OK, rc;

    *out = NULL;
    if (!o || !o->jdx_path || n < 0 || (n > 0 && !in)) {
        snprintf(msg, msglen, "--spectrum: no measured spectrum given");
        return CLI_EXIT_USAGE;
    }
    if (!(o->fwhm >= 0) || !isfinite(o->fwhm) || !(o->scale >= 0) || !isfinite(o->scale)) {
        snprintf(msg, msglen, "--fwhm %g, scale %g: must be positive numbers", o->fwhm, o->scale);
        return CLI_EXIT_USAGE;
    }
    if ((rc = nnv_jcamp_read(&js, o->jdx_path, &err)) != NNV_OK ||
        (rc = nnv_jcamp_to_absorbance(&a, js, NULL, &err)) != NNV_OK) {
        snprintf(msg, msglen, "--spectrum: %s", err.message);
        st = cli_exit_of(rc);
        goto cleanup;
    }
    r = calloc(1, sizeof *r);
    if (!r || !(r->jdx_path = copy_str(o->jdx_path)) || !(r->title = copy_str(js->title)) ||
        !(r->x_units = copy_str(js->x_units)) || !(r->y_units = copy_str(js->y_units)) ||
        (n > 0 && (!(r->label = calloc((size_t)n, sizeof *r->label)) ||
                   !(r->res = calloc((size_t)n, sizeof *r->res)))))
        goto nomem;
    r->source = a->source;
    r->baseline = a->baseline;
    r->x_lo = a->x[0] > NNV_SPECTRAL_X_MIN ? a->x[0] : NNV_SPECTRAL_X_MIN;
    r->x_hi = a->x[a->n_points - 1] < NNV_SPECTRAL_X_MAX ? a->x[a->n_points - 1] : NNV_SPECTRAL_X_MAX;
    r->fwhm = o->fwhm > 0 ? o->fwhm : NNV_SPECTRAL_DEFAULT_FWHM;
    r->scale = o->scale > 0 ? o->scale : 1.0;
    r->lineshape = o->lineshape;

    nnv_spectral_options so = {0};
    so.fwhm = r->fwhm;
    so.lineshape = o->lineshape;
    so.scale = r->scale;
    for (int k = 0; k < n; k++) {
        const char *label = in[k].label ? in[k].label : "computed";
        if (!(r->label[k] = copy_str(label))) goto nomem;
        r->n = k + 1;
        rc = nnv_spectral_compare(&r->res[k], a, in[k].n_modes, in[k].freq, in[k].intensity, &so, &err);
        if (rc != NNV_OK) {
            snprintf(msg, msglen, "--spectrum: %s against %s: %s", label, o->jdx_path, err.message);
            st = cli_exit_of(rc);
            goto cleanup;
        }
    }
    if (n > 0) { /* the grid as used (rounded to whole steps) */
        r->x_lo = r->res[0]->x_first;
        r->x_hi = r->res[0]->x_first + (r->res[0]->n_points - 1) * r->res[0]->dx;
    }
    if (o->svg_path && (rc = write_svg(r, o->svg_path, &err)) != NNV_OK) {
        snprintf(msg, msglen, "--svg: %s", err.message);
        st = cli_exit_of_write(rc);
        goto cleanup;
    }
    *out = r;
    r = NULL;
    goto cleanup;
nomem:
    snprintf(msg, msglen, "--spectrum: out of memory");
    st = CLI_EXIT_INTERNAL;
cleanup:
    cli_spectrum_report_free(r);
    nnv_xy_spectrum_free(a);
    nnv_jcamp_free(js);
    return st;
}

/* ---- text ------------------------------------------------------------------ */

static const char *source_name(int s)
{
    return s == NNV_FROM_TRANSMITTANCE ? "transmittance"
           : s == NNV_FROM_PERCENT_T   ? "percent transmittance"
                                       : "absorbance";
}

/* One line of text: control characters shown as spaces. */
static void put_line_text(FILE *f, const char *s)
{
    for (; s && *s; s++) fputc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, f);
}

int cli_spectrum_report_table(FILE *f, const cli_spectrum_report *r)
{
    if (!r) return 0;
    fputs("measured   ", f);
    put_line_text(f, r->jdx_path);
    fputs(" (\"", f);
    put_line_text(f, r->title);
    fprintf(f, "\"): %s", source_name(r->source));
    if (r->source != NNV_FROM_ABSORBANCE) fputs(" -> absorbance -log10 T", f);
    fprintf(f, ", baseline %.4g subtracted; compared over %.0f-%.0f cm-1\n", r->baseline, r->x_lo,
            r->x_hi);
    fprintf(f, "computed   sticks x %g, %s FWHM %g cm-1; measured peaks after %g cm-1 Gaussian smoothing\n",
            r->scale, r->lineshape == NNV_LINESHAPE_GAUSSIAN ? "Gaussian" : "Lorentzian", r->fwhm,
            r->n > 0 ? r->res[0]->smooth_fwhm : NNV_SPECTRAL_DEFAULT_SMOOTH);
    if (r->n == 0) {
        fputs("(no potential with IR intensities to compare)\n", f);
        return ferror(f) ? -1 : 0;
    }
    const nnv_spectral_result *g = r->res[0];
    fputs("windows   ", f);
    for (int w = 0; w < NNV_SPECTRAL_N_WINDOWS; w++)
        fprintf(f, " %s %.0f-%.0f%s", g->window[w].name, g->window[w].lo, g->window[w].hi,
                w + 1 < NNV_SPECTRAL_N_WINDOWS ? "," : " cm-1\n");
    fprintf(f, "\n%-28s", "similarity (Pearson/cosine)");
    for (int w = 0; w < NNV_SPECTRAL_N_WINDOWS; w++) fprintf(f, " %15s", g->window[w].name);
    fprintf(f, " %8s %9s\n", "matched", "MAE cm-1");
    for (int k = 0; k < r->n; k++) {
        const nnv_spectral_result *s = r->res[k];
        /* long paths keep their end, where the file name is */
        char lab[28];
        size_t ll = strlen(r->label[k]);
        if (ll < sizeof lab) snprintf(lab, sizeof lab, "%s", r->label[k]);
        else snprintf(lab, sizeof lab, "...%s", r->label[k] + ll - (sizeof lab - 4));
        fputc(' ', f);
        put_line_text(f, lab);
        fprintf(f, "%*s", (int)(27 - strlen(lab)) > 0 ? (int)(27 - strlen(lab)) : 0, "");
        for (int w = 0; w < NNV_SPECTRAL_N_WINDOWS; w++) {
            if (s->window[w].valid)
                fprintf(f, "   %6.3f %6.3f", s->window[w].pearson, s->window[w].cosine);
            else
                fprintf(f, " %15s", "n/a");
        }
        fprintf(f, " %4d/%-3d", s->n_matched, s->n_bands);
        if (s->n_matched > 0) fprintf(f, " %9.1f\n", s->mae);
        else fprintf(f, " %9s\n", "n/a");
    }
    for (int k = 0; k < r->n; k++) {
        const nnv_spectral_result *s = r->res[k];
        fputs("\nstrong bands of ", f);
        put_line_text(f, r->label[k]);
        fputs(":\n   calc cm-1   meas cm-1   delta cm-1   I km/mol\n", f);
        for (int b = 0; b < s->n_bands; b++) {
            const nnv_band_match *m = &s->bands[b];
            if (m->matched)
                fprintf(f, "   %9.1f   %9.1f   %+10.1f   %8.2f\n", m->calc, m->meas, m->delta,
                        m->intensity);
            else
                fprintf(f, "   %9.1f   %9s   %10s   %8.2f\n", m->calc, "-", "-", m->intensity);
        }
        if (s->n_bands == 0) fputs("   (none in the measured range)\n", f);
    }
    return ferror(f) ? -1 : 0;
}

/* ---- JSON ------------------------------------------------------------------ */

int cli_spectrum_report_json(FILE *f, const cli_spectrum_report *r)
{
    if (!r) return fputs("null", f) < 0 ? -1 : 0;
    fputs("{\n    \"measured\": {\"file\": ", f);
    json_str(f, r->jdx_path);
    fputs(", \"title\": ", f);
    json_str(f, r->title);
    fputs(", \"x_units\": ", f);
    json_str(f, r->x_units);
    fputs(", \"y_units\": ", f);
    json_str(f, r->y_units);
    fputs(", \"converted_from\": ", f);
    json_str(f, source_name(r->source));
    json_key_num(f, ", ", "baseline", r->baseline);
    fputs(", \"range_cm1\": [", f);
    json_num(f, r->x_lo);
    fputs(", ", f);
    json_num(f, r->x_hi);
    fputs("]", f);
    if (r->n > 0) {
        const nnv_spectral_result *g = r->res[0];
        json_key_num(f, ",\n      ", "smoothing_fwhm_cm1", g->smooth_fwhm);
        fputs(", \"peaks_cm1\": [", f);
        for (int q = 0; q < g->n_peaks; q++) {
            if (q) fputs(", ", f);
            json_num(f, g->peaks[q].centre);
        }
        fputs("]", f);
    }
    fputs("},\n    \"fwhm_cm1\": ", f);
    json_num(f, r->fwhm);
    fputs(", \"lineshape\": ", f);
    json_str(f, r->lineshape == NNV_LINESHAPE_GAUSSIAN ? "gaussian" : "lorentzian");
    json_key_num(f, ", ", "scale", r->scale);
    json_key_num(f, ", ", "grid_step_cm1", r->n > 0 ? r->res[0]->dx : 1.0);
    fputs(",\n    \"spectra\": [", f);
    for (int k = 0; k < r->n; k++) {
        const nnv_spectral_result *s = r->res[k];
        fputs(k ? ",\n      {\"label\": " : "\n      {\"label\": ", f);
        json_str(f, r->label[k]);
        fputs(",\n       \"windows\": [", f);
        for (int w = 0; w < NNV_SPECTRAL_N_WINDOWS; w++) {
            const nnv_spectral_window *cw = &s->window[w];
            fputs(w ? ", {\"name\": " : "{\"name\": ", f);
            json_str(f, cw->name);
            json_key_num(f, ", ", "lo_cm1", cw->lo);
            json_key_num(f, ", ", "hi_cm1", cw->hi);
            fprintf(f, ", \"n_points\": %d, \"pearson\": ", cw->n_points);
            if (cw->valid) json_num(f, cw->pearson);
            else fputs("null", f);
            fputs(", \"cosine\": ", f);
            if (cw->valid) json_num(f, cw->cosine);
            else fputs("null", f);
            fputc('}', f);
        }
        fputs("],\n       \"bands\": [", f);
        for (int b = 0; b < s->n_bands; b++) {
            const nnv_band_match *m = &s->bands[b];
            fputs(b ? ", {\"calc_cm1\": " : "{\"calc_cm1\": ", f);
            json_num(f, m->calc);
            json_key_num(f, ", ", "intensity_km_mol", m->intensity);
            fputs(", \"meas_cm1\": ", f);
            if (m->matched) json_num(f, m->meas);
            else fputs("null", f);
            fputs(", \"delta_cm1\": ", f);
            if (m->matched) json_num(f, m->delta);
            else fputs("null", f);
            fputc('}', f);
        }
        fprintf(f, "],\n       \"n_matched\": %d, \"mae_cm1\": ", s->n_matched);
        if (s->n_matched > 0) json_num(f, s->mae);
        else fputs("null", f);
        fputc('}', f);
    }
    fputs(r->n ? "\n    ]\n  }" : "]\n  }", f);
    return ferror(f) ? -1 : 0;
}
