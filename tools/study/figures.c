/* tools/nnvib-study, the figures: per molecule the reference sticks over each
 * potential's stick spectrum, and the errors against the teacher per potential
 * (nnv_plot_write_svg, which writes each file atomically). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "study.h"

/* Sticks of the real modes of v, degenerate components (within 0.5 cm⁻¹)
 * merged with their intensities summed, normalised to the largest. */
static int mode_sticks(const nnv_vib *v, double *x, double *y)
{
    int n = 0;
    double ymax = 0;
    for (int i = 0; i < v->n_modes; i++) {
        double f = v->frequencies[i], in = v->ir_intensities ? v->ir_intensities[i] : 1.0;
        if (!(f > 0) || !isfinite(f)) continue;
        if (!isfinite(in) || in < 0) in = 0;
        if (n > 0 && fabs(f - x[n - 1]) <= 0.5) {
            y[n - 1] += in;
            continue;
        }
        x[n] = f, y[n] = in, n++;
    }
    for (int i = 0; i < n; i++) if (y[i] > ymax) ymax = y[i];
    for (int i = 0; i < n; i++) y[i] = ymax > 0 ? y[i] / ymax : 1.0;
    return n;
}

/* The end of the wavenumber axis: past every band and mode with room for the
 * highest stick, in steps of 500 cm⁻¹, never below 4000 (figures compare). */
static double axis_max(const study_mol *mo, int n_pots)
{
    double f = 0;
    if (mo->tch)
        for (int b = 0; b < mo->tch->n_bands; b++) f = fmax(f, mo->tch->bands[b].freq);
    if (mo->exp)
        for (int b = 0; b < mo->exp->n_bands; b++) f = fmax(f, mo->exp->bands[b].freq);
    for (int k = 0; k < n_pots; k++)
        if (mo->cmp[k])
            for (int i = 0; i < mo->cmp[k]->v->n_modes; i++) f = fmax(f, mo->cmp[k]->v->frequencies[i]);
    return fmax(4000.0, ceil((f + 150.0) / 500.0) * 500.0);
}

int study_molecule_figure(const study *st, const study_mol *mo, const char *path, nnv_error *err)
{
    nnv_plot_panel panels[1 + MAX_POTS];
    nnv_plot_series series[1 + MAX_POTS][2];
    nnv_plot_figure fig;
    char titles[1 + MAX_POTS][200], ftitle[160];
    double *buf = NULL, *tx, *ty, *mk, *ex, *ey, *x, *y;
    int nt = 0, ne = 0, n_t = mo->tch ? mo->tch->n_bands : 0, n_e = mo->exp ? mo->exp->n_bands : 0, n_m = 0;
    int code;

    for (int k = 0; k < st->n_pots; k++)
        if (mo->cmp[k]) n_m += mo->cmp[k]->v->n_modes;
    /* One block: teacher x, y, marks; experiment x, y; then every potential's x and y. */
    if (!(buf = malloc((size_t)(3 * n_t + 2 * n_e + 2 * n_m + 1) * sizeof *buf)))
        return nnv_error_set(err, NNV_ENOMEM, "out of memory");
    tx = buf, ty = tx + n_t, mk = ty + n_t, ex = mk + n_t, ey = ex + n_e, x = ey + n_e;
    memset(panels, 0, sizeof panels);
    memset(series, 0, sizeof series);
    if (mo->tch) {
        double imax = 0;
        for (int b = 0; b < n_t; b++)
            if (mo->tch->bands[b].freq > 0) {
                double in = mo->tch->bands[b].intensity;
                tx[nt] = mo->tch->bands[b].freq, ty[nt] = isfinite(in) && in > 0 ? in : 0, mk[nt] = -0.2, nt++;
            }
        for (int i = 0; i < nt; i++) imax = fmax(imax, ty[i]);
        for (int i = 0; i < nt; i++) ty[i] = imax > 0 ? ty[i] / imax : 1.0;
    }
    for (int b = 0; b < n_e; b++)
        if (mo->exp->bands[b].freq > 0) ex[ne] = mo->exp->bands[b].freq, ey[ne] = -0.5, ne++;
    snprintf(titles[0], sizeof titles[0], "references");
    panels[0].title = titles[0];
    panels[0].y_label = "norm. IR int.";
    panels[0].y_min = ne ? -0.6 : -0.05, panels[0].y_max = 1.6; /* room for the legend above the sticks */
    panels[0].series = series[0];
    if (nt) series[0][panels[0].n_series++] = (nnv_plot_series){NNV_PLOT_STICKS, "GFN2-xTB harmonic (teacher)", 0, nt, tx, ty};
    if (ne)
        series[0][panels[0].n_series++] =
            (nnv_plot_series){NNV_PLOT_STICKS, "experiment: fundamentals (position only)", 5, ne, ex, ey};
    for (int k = 0; k < st->n_pots; k++) {
        nnv_plot_panel *pn = &panels[1 + k];
        const nnv_comparison *c = mo->cmp[k];
        pn->series = series[1 + k];
        pn->y_label = "norm. IR int.";
        pn->y_min = nt ? -0.3 : -0.05, pn->y_max = 1.6;
        if (!c) {
            snprintf(titles[1 + k], sizeof titles[1 + k], "%s: failed (%s)", st->pots[k].label,
                     mo->fail_msg[k] ? mo->fail_msg[k] : "not run");
        } else {
            int nimag = study_count_imag(c), n;
            y = x + c->v->n_modes;
            n = mode_sticks(c->v, x, y);
            char extra[96];
            snprintf(extra, sizeof extra, "%s%s%.0d%s", c->opt.converged ? "" : ", opt. NOT converged",
                     nimag ? ", " : "", nimag, nimag ? " imaginary (not drawn)" : "");
            snprintf(titles[1 + k], sizeof titles[1 + k], "%s: MAE vs teacher %.1f cm⁻¹%s%s", st->pots[k].label,
                     c->vs_teacher ? c->vs_teacher->metrics.mae : NAN, extra,
                     c->v->ir_intensities ? "" : " (no intensities: unit sticks)");
            if (n)
                series[1 + k][pn->n_series++] =
                    (nnv_plot_series){NNV_PLOT_STICKS, st->pots[k].label, st->pots[k].colour, n, x, y};
            x = y + c->v->n_modes;
        }
        if (nt) series[1 + k][pn->n_series++] = (nnv_plot_series){NNV_PLOT_STICKS, "teacher positions", 0, nt, tx, mk};
        pn->title = titles[1 + k];
    }
    snprintf(ftitle, sizeof ftitle, "%s: harmonic stick spectra on each potential", mo->name);
    memset(&fig, 0, sizeof fig);
    fig.title = ftitle;
    fig.x_label = "wavenumber / cm⁻¹";
    fig.x_min = 0, fig.x_max = axis_max(mo, st->n_pots);
    fig.reverse_x = 1;
    fig.width = 900, fig.panel_height = 170;
    fig.n_panels = 1 + st->n_pots;
    fig.panels = panels;
    code = nnv_plot_write_svg(path, &fig, err);
    free(buf);
    return code;
}

/* The overview panel: the MAE in 500 cm⁻¹ windows, the last one open-ended. */
#define N_BINS 10
#define BIN_W 500.0

int study_errors_figure(const study *st, const char *path, nnv_error *err)
{
    nnv_plot_panel panels[MAX_POTS + 1];
    nnv_plot_series series[MAX_POTS + 1];
    nnv_plot_figure fig;
    char titles[MAX_POTS + 1][160], labels[MAX_POTS][96];
    double *buf = NULL, ymax = 0, xmax = 4000, bx[MAX_POTS][N_BINS], by[MAX_POTS][N_BINS];
    int nb = 0, off = 0, code, nbin[MAX_POTS];

    for (int m = 0; m < st->n_mols; m++)
        if (st->mols[m].tch) nb += st->mols[m].tch->n_bands;
    if (!(buf = malloc(2 * (size_t)(st->n_pots * nb + 1) * sizeof *buf)))
        return nnv_error_set(err, NNV_ENOMEM, "out of memory");
    memset(panels, 0, sizeof panels);
    memset(series, 0, sizeof series);
    for (int k = 0; k < st->n_pots; k++) {
        double *x = buf + off, *y = buf + st->n_pots * nb + off, bs[N_BINS] = {0};
        int n = 0, bn[N_BINS] = {0};
        const nnv_metrics *g = &st->sum[k].t; /* the pooled figures of the summary */
        for (int m = 0; m < st->n_mols; m++) {
            const nnv_assignment *a = study_asg(&st->mols[m], k, 1);
            if (!a) continue;
            for (int b = 0; b < a->n_bands; b++) {
                double f = st->mols[m].tch->bands[b].freq;
                int bin;
                if (!a->band_n_calc[b]) continue;
                x[n] = f, y[n] = a->band_calc[b] - f;
                ymax = fmax(ymax, fabs(y[n]));
                xmax = fmax(xmax, f);
                bin = (int)(f / BIN_W);
                if (bin >= N_BINS) bin = N_BINS - 1;
                if (bin < 0) bin = 0;
                bs[bin] += fabs(y[n]), bn[bin]++;
                n++;
            }
        }
        nbin[k] = 0;
        for (int b = 0; b < N_BINS; b++)
            if (bn[b]) bx[k][nbin[k]] = (b + 0.5) * BIN_W, by[k][nbin[k]] = bs[b] / bn[b], nbin[k]++;
        off += n;
        series[k] = (nnv_plot_series){NNV_PLOT_STICKS, NULL, st->pots[k].colour, n, x, y};
        snprintf(titles[k], sizeof titles[k], "%s: ν(calc) − ν(teacher), %d bands, MAE %.1f cm⁻¹", st->pots[k].label,
                 g->n_pairs, g->mae);
        snprintf(labels[k], sizeof labels[k], "%s (MAE %.1f cm⁻¹)", st->pots[k].label, g->mae);
        panels[k].title = titles[k];
        panels[k].y_label = "error / cm⁻¹";
        panels[k].n_series = n ? 1 : 0;
        panels[k].series = &series[k];
    }
    if (!(ymax > 0)) ymax = 1.0;
    ymax *= 1.05;
    for (int k = 0; k < st->n_pots; k++) panels[k].y_min = -ymax, panels[k].y_max = ymax;
    {
        nnv_plot_series lines[MAX_POTS];
        nnv_plot_panel *pn = &panels[st->n_pots];
        double lmax = 0;
        int nl = 0;
        for (int k = 0; k < st->n_pots; k++) {
            for (int b = 0; b < nbin[k]; b++) lmax = fmax(lmax, by[k][b]);
            if (nbin[k])
                lines[nl++] = (nnv_plot_series){NNV_PLOT_LINE, labels[k], st->pots[k].colour, nbin[k], bx[k], by[k]};
        }
        snprintf(titles[st->n_pots], sizeof titles[st->n_pots],
                 "overview: MAE vs teacher per %.0f cm⁻¹ window (legend: overall MAE)", BIN_W);
        pn->title = titles[st->n_pots];
        pn->y_label = "MAE / cm⁻¹";
        pn->y_min = 0, pn->y_max = lmax > 0 ? lmax * 1.1 : 1.0;
        pn->n_series = nl;
        pn->series = lines;
        memset(&fig, 0, sizeof fig);
        fig.title = "Harmonic frequency errors against the GFN2-xTB teacher, per activation";
        fig.x_label = "teacher wavenumber ν(teacher) / cm⁻¹";
        fig.x_min = 0, fig.x_max = fmax(4000.0, ceil((xmax + 150.0) / 500.0) * 500.0);
        fig.reverse_x = 1;
        fig.width = 900, fig.panel_height = 200;
        fig.n_panels = st->n_pots + 1;
        fig.panels = panels;
        code = nnv_plot_write_svg(path, &fig, err);
    }
    free(buf);
    return code;
}
