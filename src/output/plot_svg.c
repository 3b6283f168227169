/* SVG 1.1 writer for simple scientific figures: line and stick series in one
 * or more panels stacked vertically on a shared (optionally reversed) x axis,
 * round-number ticks, legends, the Okabe–Ito colour-blind-safe palette. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/base_internal.h"
#include <nnvib/plot.h>

#define MARGIN_LEFT 72
#define MARGIN_RIGHT 24
#define MARGIN_TOP 16
#define TITLE_SPACE 28
#define MARGIN_BOTTOM 52
#define PANEL_GAP 12
#define TICK_LEN 5
#define FONT "font-family=\"Helvetica, Arial, sans-serif\""
#define CLAMP_PX 1.0e5 /* pixel coordinates beyond this are clamped (clipped anyway) */

/* Okabe & Ito, "Color Universal Design" (2008); black first for a reference. */
static const char *const PALETTE[NNV_PLOT_N_COLOURS] = {
    "#000000", "#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442",
};

const char *plot_colour(int index)
{
    if (index < 0) index = -index;
    return PALETTE[index % NNV_PLOT_N_COLOURS];
}

/* ---- text ----------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s that XML 1.0 allows (no controls,
 * surrogates or U+FFFE/U+FFFF), or 0. */
static int xml_char_len(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80) return (c >= 0x20 && c != 0x7f) ? 1 : 0;
    int len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
    if (!len || c > 0xf4) return 0;
    unsigned cp = c & (0xffu >> (len + 1));
    for (int k = 1; k < len; k++) {
        if ((s[k] & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (s[k] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff))) return 0;
    if ((cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff) return 0;
    if (cp >= 0x80 && cp <= 0x9f) return 0; /* C1 controls: allowed but unhelpful */
    return len;
}

static void put_text(FILE *f, const char *t)
{
    const unsigned char *s = (const unsigned char *)(t ? t : "");
    while (*s) {
        int len = xml_char_len(s);
        if (len == 0) {
            fputc('?', f);
            s++;
            continue;
        }
        if (len == 1) {
            switch (*s) {
            case '&': fputs("&amp;", f); break;
            case '<': fputs("&lt;", f); break;
            case '>': fputs("&gt;", f); break;
            case '"': fputs("&quot;", f); break;
            case '\'': fputs("&#39;", f); break;
            default: fputc(*s, f);
            }
        } else {
            fwrite(s, 1, (size_t)len, f);
        }
        s += len;
    }
}

/* Characters shown (UTF-8 sequences count once), for the legend's width. */
static int text_width(const char *t)
{
    int n = 0;
    for (const unsigned char *s = (const unsigned char *)(t ? t : ""); *s; s++)
        if ((*s & 0xc0) != 0x80) n++;
    return n;
}

/* ---- axes ----------------------------------------------------------------- */

/* A round step (1, 2 or 5 × 10^k) giving about `target` intervals. */
static double nice_step(double range, int target)
{
    double raw = range / target;
    double mag = pow(10.0, floor(log10(raw)));
    double f = raw / mag;
    return (f < 1.5 ? 1.0 : f < 3.0 ? 2.0 : f < 7.0 ? 5.0 : 10.0) * mag;
}

static void tick_label(char *buf, size_t n, double v, double step)
{
    int dec = (int)-floor(log10(step) + 1e-9);
    if (fabs(v) < 1e-9 * step) v = 0; /* no "-0" */
    if (fabs(v) >= 1e15 || step < 1e-12 || dec > 12)
        snprintf(buf, n, "%g", v);
    else
        snprintf(buf, n, "%.*f", dec > 0 ? dec : 0, v);
}

typedef struct axis {
    double min, max;
    double p0, p1; /* pixel positions of min and max */
} axis;

static double ax_px(const axis *a, double v)
{
    double p = a->p0 + (v - a->min) / (a->max - a->min) * (a->p1 - a->p0);
    return p > CLAMP_PX ? CLAMP_PX : p < -CLAMP_PX ? -CLAMP_PX : p;
}

/* Automatic range of values: the data, widened when flat or empty. */
static void auto_range(double *lo, double *hi, int any, double margin)
{
    if (!any) {
        *lo = 0;
        *hi = 1;
        return;
    }
    if (*hi == *lo) {
        double d = *lo != 0 ? 0.5 * fabs(*lo) : 0.5;
        *lo -= d;
        *hi += d;
        return;
    }
    double m = margin * (*hi - *lo);
    *lo -= m;
    *hi += m;
}

/* ---- checks ---------------------------------------------------------------- */

static int check_figure(const nnv_plot_figure *fig, nnv_error *err)
{
    if (!fig || fig->n_panels < 1 || !fig->panels)
        return nnv_error_set(err, NNV_EUSAGE, "plot: no panels");
    if (!isfinite(fig->x_min) || !isfinite(fig->x_max))
        return nnv_error_set(err, NNV_EINPUT, "plot: x range not finite");
    if ((fig->x_min != 0 || fig->x_max != 0) && !(fig->x_max > fig->x_min))
        return nnv_error_set(err, NNV_EUSAGE, "plot: x range %g..%g: max must exceed min",
                             fig->x_min, fig->x_max);
    if (fig->width != 0 && (fig->width < 100 || fig->width > 20000))
        return nnv_error_set(err, NNV_EUSAGE, "plot: width %d px: allowed 100..20000", fig->width);
    if (fig->panel_height != 0 && (fig->panel_height < 100 || fig->panel_height > 20000))
        return nnv_error_set(err, NNV_EUSAGE, "plot: panel height %d px: allowed 100..20000",
                             fig->panel_height);
    if (fig->n_panels > 100)
        return nnv_error_set(err, NNV_EUSAGE, "plot: %d panels: at most 100", fig->n_panels);
    for (int p = 0; p < fig->n_panels; p++) {
        const nnv_plot_panel *pn = &fig->panels[p];
        if (!isfinite(pn->y_min) || !isfinite(pn->y_max))
            return nnv_error_set(err, NNV_EINPUT, "plot: panel %d: y range not finite", p + 1);
        if ((pn->y_min != 0 || pn->y_max != 0) && !(pn->y_max > pn->y_min))
            return nnv_error_set(err, NNV_EUSAGE, "plot: panel %d: y range %g..%g: max must exceed min",
                                 p + 1, pn->y_min, pn->y_max);
        if (pn->n_series > NNV_PLOT_MAX_SERIES)
            return nnv_error_set(err, NNV_EUSAGE, "plot: panel %d: %d series: at most %d", p + 1,
                                 pn->n_series, NNV_PLOT_MAX_SERIES);
        if (pn->n_series < 0 || (pn->n_series > 0 && !pn->series))
            return nnv_error_set(err, NNV_EINPUT, "plot: panel %d: %d series without data", p + 1,
                                 pn->n_series);
        for (int s = 0; s < pn->n_series; s++) {
            const nnv_plot_series *se = &pn->series[s];
            if (se->kind != NNV_PLOT_LINE && se->kind != NNV_PLOT_STICKS)
                return nnv_error_set(err, NNV_EUSAGE, "plot: panel %d series %d: unknown kind %d",
                                     p + 1, s + 1, se->kind);
            if (se->n < 0 || (se->n > 0 && (!se->x || !se->y)))
                return nnv_error_set(err, NNV_EINPUT, "plot: panel %d series %d: %d points without data",
                                     p + 1, s + 1, se->n);
            for (int i = 0; i < se->n; i++)
                if (!isfinite(se->x[i]) || !isfinite(se->y[i]))
                    return nnv_error_set(err, NNV_EINPUT,
                                         "plot: panel %d series %d point %d is not finite", p + 1,
                                         s + 1, i + 1);
        }
    }
    return NNV_OK;
}

/* ---- drawing ------------------------------------------------------------- */

/* y range of a panel: given, or the data (sticks also reach 0) with a margin. */
static void panel_y_range(const nnv_plot_panel *pn, const axis *ax, double *lo, double *hi)
{
    if (pn->y_min != 0 || pn->y_max != 0) {
        *lo = pn->y_min;
        *hi = pn->y_max;
        return;
    }
    int any = 0;
    *lo = INFINITY;
    *hi = -INFINITY;
    for (int s = 0; s < pn->n_series; s++) {
        const nnv_plot_series *se = &pn->series[s];
        for (int i = 0; i < se->n; i++) {
            if (se->x[i] < ax->min || se->x[i] > ax->max) continue;
            double y = se->y[i];
            if (y < *lo) *lo = y;
            if (y > *hi) *hi = y;
            if (se->kind == NNV_PLOT_STICKS) {
                if (0 < *lo) *lo = 0;
                if (0 > *hi) *hi = 0;
            }
            any = 1;
        }
    }
    auto_range(lo, hi, any, 0.05);
}

static void draw_ticks_x(FILE *f, const axis *ax, double y_bottom, int labels)
{
    double step = nice_step(ax->max - ax->min, 8);
    for (double t = ceil(ax->min / step - 1e-9) * step; t <= ax->max + 1e-9 * step; t += step) {
        double px = ax_px(ax, t);
        fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", px, y_bottom, px,
                y_bottom + TICK_LEN);
        if (labels) {
            char buf[64];
            tick_label(buf, sizeof buf, t, step);
            fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\" stroke=\"none\" fill=\"#000000\">%s</text>\n",
                    px, y_bottom + TICK_LEN + 14, buf);
        }
    }
}

static void draw_ticks_y(FILE *f, const axis *ay, double x_left)
{
    double step = nice_step(ay->max - ay->min, 5);
    for (double t = ceil(ay->min / step - 1e-9) * step; t <= ay->max + 1e-9 * step; t += step) {
        double py = ax_px(ay, t);
        char buf[64];
        tick_label(buf, sizeof buf, t, step);
        fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", x_left - TICK_LEN, py,
                x_left, py);
        fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"end\" stroke=\"none\" fill=\"#000000\">%s</text>\n",
                x_left - TICK_LEN - 3, py + 4, buf);
    }
}

static void draw_panel(FILE *f, const nnv_plot_figure *fig, int p, const axis *ax, double top,
                       double bottom, int last)
{
    const nnv_plot_panel *pn = &fig->panels[p];
    double left = MARGIN_LEFT, right = (fig->width ? fig->width : 800) - MARGIN_RIGHT;
    axis ay = {0, 1, bottom, top};
    panel_y_range(pn, ax, &ay.min, &ay.max);

    fprintf(f, "<clipPath id=\"clip%d\"><rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"/>"
               "</clipPath>\n",
            p + 1, left, top, right - left, bottom - top);
    fprintf(f, "<g stroke=\"#000000\" stroke-width=\"1\" fill=\"none\" font-size=\"12\" " FONT ">\n");
    fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"/>\n", left, top,
            right - left, bottom - top);
    draw_ticks_x(f, ax, bottom, last);
    draw_ticks_y(f, &ay, left);
    fprintf(f, "</g>\n");
    if (pn->y_label && *pn->y_label) {
        double cy = 0.5 * (top + bottom);
        fprintf(f, "<text x=\"16\" y=\"%.2f\" transform=\"rotate(-90 16 %.2f)\" text-anchor=\"middle\" "
                   "font-size=\"13\" " FONT ">", cy, cy);
        put_text(f, pn->y_label);
        fputs("</text>\n", f);
    }

    /* series, clipped to the box; colours: explicit, else the next unused */
    int used[NNV_PLOT_N_COLOURS] = {0}, next = 0;
    int colour[NNV_PLOT_MAX_SERIES];
    int ns = pn->n_series;
    for (int s = 0; s < ns; s++)
        if (pn->series[s].colour >= 0) used[pn->series[s].colour % NNV_PLOT_N_COLOURS] = 1;
    for (int s = 0; s < ns; s++) {
        const nnv_plot_series *se = &pn->series[s];
        int c = se->colour;
        if (c < 0) {
            int tries = 0;
            while (used[next % NNV_PLOT_N_COLOURS] && tries++ < NNV_PLOT_N_COLOURS) next++;
            c = next++ % NNV_PLOT_N_COLOURS;
            used[c] = 1;
        }
        colour[s] = c;
        fprintf(f, "<g clip-path=\"url(#clip%d)\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" "
                   "stroke-linejoin=\"round\">\n",
                p + 1, plot_colour(c));
        if (se->kind == NNV_PLOT_LINE && se->n > 0) {
            fputs("<polyline points=\"", f);
            for (int i = 0; i < se->n; i++)
                fprintf(f, "%s%.2f,%.2f", i ? " " : "", ax_px(ax, se->x[i]), ax_px(&ay, se->y[i]));
            fputs("\"/>\n", f);
        } else if (se->kind == NNV_PLOT_STICKS) {
            double y0 = ax_px(&ay, 0 < ay.min ? ay.min : 0 > ay.max ? ay.max : 0);
            for (int i = 0; i < se->n; i++) {
                double px = ax_px(ax, se->x[i]);
                fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", px, y0, px,
                        ax_px(&ay, se->y[i]));
            }
        }
        fputs("</g>\n", f);
    }

    if (pn->title && *pn->title) {
        fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"13\" font-weight=\"bold\" " FONT ">",
                left + 8, top + 18);
        put_text(f, pn->title);
        fputs("</text>\n", f);
    }

    /* legend: top right, inside the box, on a white ground */
    int nl = 0, wmax = 0;
    for (int s = 0; s < ns; s++)
        if (pn->series[s].label && *pn->series[s].label) {
            int w = text_width(pn->series[s].label);
            if (w > wmax) wmax = w;
            nl++;
        }
    if (nl == 0) return;
    double lw = 40 + 7.0 * (wmax > 60 ? 60 : wmax), lh = 8 + 16.0 * nl;
    double lx = right - lw - 8, ly = top + 8;
    fprintf(f, "<g class=\"legend\" font-size=\"12\" " FONT ">\n");
    fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#ffffff\" "
               "fill-opacity=\"0.85\" stroke=\"#999999\" stroke-width=\"0.5\"/>\n",
            lx, ly, lw, lh);
    int k = 0;
    for (int s = 0; s < ns; s++) {
        const nnv_plot_series *se = &pn->series[s];
        if (!se->label || !*se->label) continue;
        double yy = ly + 4 + 16.0 * k + 8;
        const char *col = plot_colour(colour[s]);
        if (se->kind == NNV_PLOT_STICKS)
            fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\" "
                       "stroke-width=\"1.5\"/>\n",
                    lx + 18, yy - 6, lx + 18, yy + 6, col);
        else
            fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\" "
                       "stroke-width=\"2\"/>\n",
                    lx + 6, yy, lx + 30, yy, col);
        fprintf(f, "<text x=\"%.2f\" y=\"%.2f\">", lx + 36, yy + 4);
        put_text(f, se->label);
        fputs("</text>\n", f);
        k++;
    }
    fputs("</g>\n", f);
}

int nnv_plot_write_svg(const char *path, const nnv_plot_figure *fig, nnv_error *err)
{
    af_file af = {0};
    int rc = check_figure(fig, err);
    if (rc) return rc;
    if (!path || !*path) return nnv_error_set(err, NNV_EUSAGE, "plot: no output file name");

    int width = fig->width ? fig->width : 800;
    int ph = fig->panel_height ? fig->panel_height : 300;
    int has_title = fig->title && *fig->title;
    double top0 = MARGIN_TOP + (has_title ? TITLE_SPACE : 0);
    double height = top0 + fig->n_panels * (double)ph + (fig->n_panels - 1) * PANEL_GAP + MARGIN_BOTTOM;

    /* shared x axis */
    axis ax = {fig->x_min, fig->x_max, MARGIN_LEFT, width - MARGIN_RIGHT};
    if (fig->x_min == 0 && fig->x_max == 0) {
        int any = 0;
        ax.min = INFINITY;
        ax.max = -INFINITY;
        for (int p = 0; p < fig->n_panels; p++)
            for (int s = 0; s < fig->panels[p].n_series; s++) {
                const nnv_plot_series *se = &fig->panels[p].series[s];
                for (int i = 0; i < se->n; i++) {
                    if (se->x[i] < ax.min) ax.min = se->x[i];
                    if (se->x[i] > ax.max) ax.max = se->x[i];
                    any = 1;
                }
            }
        auto_range(&ax.min, &ax.max, any, 0.0);
    }
    if (!(ax.max > ax.min) || !isfinite(ax.max - ax.min))
        return nnv_error_set(err, NNV_EINPUT, "plot: x range %g..%g cannot be drawn", ax.min, ax.max);
    if (fig->reverse_x) {
        double t = ax.p0;
        ax.p0 = ax.p1;
        ax.p1 = t;
    }

    rc = af_open(&af, path, err);
    if (rc) return rc;
    FILE *f = af.f;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%.0f\" "
               "viewBox=\"0 0 %d %.0f\">\n",
            width, height, width, height);
    fputs("<title>", f);
    put_text(f, has_title ? fig->title : "nnvib plot");
    fputs("</title>\n", f);
    fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%.0f\" fill=\"#ffffff\"/>\n", width, height);
    if (has_title) {
        fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\" font-size=\"15\" " FONT ">",
                0.5 * width, MARGIN_TOP + 14.0);
        put_text(f, fig->title);
        fputs("</text>\n", f);
    }
    double bottom = 0;
    for (int p = 0; p < fig->n_panels; p++) {
        double top = top0 + p * (double)(ph + PANEL_GAP);
        bottom = top + ph;
        draw_panel(f, fig, p, &ax, top, bottom, p == fig->n_panels - 1);
    }
    if (fig->x_label && *fig->x_label) {
        fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\" font-size=\"13\" " FONT ">",
                0.5 * (MARGIN_LEFT + width - MARGIN_RIGHT), bottom + TICK_LEN + 36);
        put_text(f, fig->x_label);
        fputs("</text>\n", f);
    }
    fputs("</svg>\n", f);
    rc = af_commit(&af, err);
    if (rc) af_discard(&af);
    return rc;
}
