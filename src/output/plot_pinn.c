/* The PINN figure (docs/pinn.md): per activation, the network's u(x, t) at
 * four times over the exact solution, then every activation's error at t = T;
 * drawn by the one SVG writer, nnv_plot_write_svg. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base_internal.h"

#define MAX_RESULTS 16
#define N_TIMES 4

int nnv_pinn_write_svg(const char *path, const nnv_pinn_result *const *results, int n, nnv_error *err)
{
    nnv_plot_panel panels[MAX_RESULTS + 1];
    nnv_plot_series series[MAX_RESULTS][2 * N_TIMES], errs[MAX_RESULTS];
    char titles[MAX_RESULTS][160], labels[MAX_RESULTS][N_TIMES][32], fig_title[160];
    double *diff;
    const nnv_pinn_result *r0;
    nnv_plot_figure fig;
    int rc;

    if (n < 1 || n > MAX_RESULTS || !results)
        return nnv_error_set(err, NNV_EUSAGE, "pinn figure: %d results: allowed 1..%d", n, MAX_RESULTS);
    for (int k = 0; k < n; k++)
        if (!results[k] || !results[k]->u || results[k]->grid_x < 2 || results[k]->grid_t < 2 ||
            results[k]->grid_x != results[0]->grid_x)
            return nnv_error_set(err, NNV_EUSAGE, "pinn figure: result %d is missing or on another grid", k + 1);
    r0 = results[0];
    diff = malloc((size_t)n * (size_t)r0->grid_x * sizeof *diff);
    if (!diff) return nnv_error_set(err, NNV_ENOMEM, "pinn figure: out of memory");
    memset(panels, 0, sizeof panels);
    memset(series, 0, sizeof series);
    memset(errs, 0, sizeof errs);
    for (int k = 0; k < n; k++) {
        const nnv_pinn_result *r = results[k];
        int nx = r->grid_x, last = r->grid_t - 1;
        for (int q = 0; q < N_TIMES; q++) {
            int row = (int)((long)last * q / (N_TIMES - 1));
            nnv_plot_series *ex = &series[k][q], *nn = &series[k][N_TIMES + q];
            snprintf(labels[k][q], sizeof labels[k][q], "t = %.3g", r->t[row]);
            *ex = (nnv_plot_series){NNV_PLOT_LINE, q == 0 ? "exact" : NULL, 0, nx, r->x,
                                    r->u_exact + (size_t)row * (size_t)nx};
            *nn = (nnv_plot_series){NNV_PLOT_LINE, labels[k][q], 1 + q, nx, r->x, r->u + (size_t)row * (size_t)nx};
        }
        snprintf(titles[k], sizeof titles[k], "%s: relative L2 error %.2e, u_xx share %.3g",
                 nnv_activation_name(r->activation), r->rel_l2_error, r->uxx_share);
        panels[k] = (nnv_plot_panel){titles[k], "u(x, t)", 0, 0, 2 * N_TIMES, series[k]};
        double *dk = diff + (size_t)k * (size_t)nx;
        for (int i = 0; i < nx; i++)
            dk[i] = r->u[(size_t)last * (size_t)nx + (size_t)i] - r->u_exact[(size_t)last * (size_t)nx + (size_t)i];
        errs[k] = (nnv_plot_series){NNV_PLOT_LINE, nnv_activation_name(r->activation), -1, nx, r->x, dk};
    }
    panels[n] = (nnv_plot_panel){"error at t = T", "u - u_exact", 0, 0, n, errs};
    snprintf(fig_title, sizeof fig_title, "PINN for u_t = %g u_xx, u(x, 0) = %s, t in [0, %g]: network (colours) and exact (black)",
             r0->alpha, r0->pde_case == NNV_PINN_SIN ? "sin(pi x)" : "sin(pi x) + 0.5 sin(3 pi x)", r0->t_end);
    memset(&fig, 0, sizeof fig);
    fig.title = fig_title;
    fig.x_label = "x";
    fig.x_min = 0.0, fig.x_max = 1.0;
    fig.width = 900;
    fig.panel_height = 220;
    fig.n_panels = n + 1;
    fig.panels = panels;
    rc = nnv_plot_write_svg(path, &fig, err);
    free(diff);
    return rc;
}
