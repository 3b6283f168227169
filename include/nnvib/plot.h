/* nnvib plots: a small writer of standalone SVG 1.1 figures (line and stick
 * series, one or more panels stacked vertically and sharing the x axis), for
 * spectra over a reference (nnvib compare, nnvib study). */
#ifndef NNVIB_PLOT_H
#define NNVIB_PLOT_H

#include <nnvib/core.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Series kinds. */
enum nnv_plot_kind {
    NNV_PLOT_LINE = 0,  /**< a polyline through the points, in x order as given */
    NNV_PLOT_STICKS = 1 /**< a vertical line from y = 0 to each point */
};

/** Number of colours in the palette (Okabe & Ito 2008, safe for the common
 *  colour-vision deficiencies): black, blue, vermillion, bluish green, orange,
 *  reddish purple, sky blue, yellow. */
#define NNV_PLOT_N_COLOURS 8

/** One data series. */
typedef struct nnv_plot_series {
    int kind;            /**< enum nnv_plot_kind */
    const char *label;   /**< legend text (UTF-8); NULL or "" = not in the legend */
    int colour;          /**< palette index >= 0; −1 = the panel's next unused colour in order */
    int n;               /**< number of points (0 allowed) */
    const double *x, *y; /**< n values each, finite */
} nnv_plot_series;

/** Most series in one panel. */
#define NNV_PLOT_MAX_SERIES 64

/** One panel: an x–y axis box. */
typedef struct nnv_plot_panel {
    const char *title;   /**< written at the panel's top left, may be NULL */
    const char *y_label; /**< may be NULL */
    double y_min, y_max; /**< both 0 = automatic (data range with 5 % margin, 0 included for sticks) */
    int n_series;        /**< 0 .. NNV_PLOT_MAX_SERIES */
    const nnv_plot_series *series;
} nnv_plot_panel;

/** A figure: panels stacked top to bottom, sharing the x axis (ticks and
 *  label under the lowest panel). */
typedef struct nnv_plot_figure {
    const char *title;   /**< above the first panel, may be NULL */
    const char *x_label; /**< may be NULL */
    double x_min, x_max; /**< both 0 = automatic (the range of all data) */
    int reverse_x;       /**< 1: x decreases to the right (IR convention for wavenumbers) */
    int width;           /**< px; 0 = 800 */
    int panel_height;    /**< px per panel; 0 = 300 */
    int n_panels;        /**< >= 1 */
    const nnv_plot_panel *panels;
} nnv_plot_figure;

/** Write the figure as a standalone SVG 1.1 file (temporary name + rename).
 *  Text is XML-escaped; control characters and bytes that are not UTF-8 become
 *  '?'. Data outside the axis ranges are clipped to the panel.
 *  @return NNV_OK, NNV_EINPUT (a non-finite value or range, n < 0, a series
 *          without data), NNV_EUSAGE (no panels, unknown kind, x_max <= x_min
 *          or y_max <= y_min when given, size out of 100..20000 px,
 *          over 100 panels or NNV_PLOT_MAX_SERIES series in a panel), NNV_EIO,
 *          NNV_ENOMEM. */
int nnv_plot_write_svg(const char *path, const nnv_plot_figure *fig, nnv_error *err);

#ifdef __cplusplus
}
#endif
#endif
