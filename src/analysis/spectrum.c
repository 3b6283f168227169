/* Broadening of a stick spectrum onto a uniform wavenumber grid with
 * area-normalised Lorentzian or Gaussian bands, so the spectrum integrates to
 * the sum of the stick intensities (IR intensities in km/mol are band integrals). */
#include <math.h>
#include <stdlib.h>

#include "analysis/analysis_internal.h"

#define PI 3.14159265358979323846
#define MAX_POINTS 10000000
#define TAIL_FWHM 10.0 /* automatic grid: this many FWHM beyond the outer sticks */

double spc_lineshape_value(int lineshape, double fwhm, double x0, double x)
{
    double d = x - x0;
    if (lineshape == NNV_LINESHAPE_GAUSSIAN) {
        double sigma = fwhm / (2.0 * sqrt(2.0 * log(2.0)));
        return exp(-d * d / (2.0 * sigma * sigma)) / (sigma * sqrt(2.0 * PI));
    }
    double g = 0.5 * fwhm;
    return g / (PI * (d * d + g * g));
}

void nnv_spectrum_free(nnv_spectrum *s)
{
    if (!s) return;
    free(s->y);
    free(s);
}

int nnv_spectrum_broaden(nnv_spectrum **out, int n_sticks, const double *position,
                         const double *intensity, const nnv_spectrum_options *opt,
                         nnv_error *err)
{
    nnv_spectrum_options o = {0};
    nnv_spectrum *s = NULL;
    int rc = NNV_OK;
    if (!out) return nnv_error_set(err, NNV_EUSAGE, "spectrum: no output pointer");
    *out = NULL;
    if (opt) o = *opt;
    if (n_sticks < 0 || (n_sticks > 0 && (!position || !intensity)))
        return nnv_error_set(err, NNV_EUSAGE, "spectrum: %d sticks without data", n_sticks);
    if (!(o.fwhm >= 0) || !isfinite(o.fwhm))
        return nnv_error_set(err, NNV_EUSAGE, "spectrum: FWHM %g cm-1: must be > 0", o.fwhm);
    if (!(o.dx >= 0) || !isfinite(o.dx))
        return nnv_error_set(err, NNV_EUSAGE, "spectrum: grid spacing %g cm-1: must be > 0", o.dx);
    if (o.lineshape != NNV_LINESHAPE_LORENTZIAN && o.lineshape != NNV_LINESHAPE_GAUSSIAN)
        return nnv_error_set(err, NNV_EUSAGE, "spectrum: unknown line shape %d", o.lineshape);
    if (!isfinite(o.x_min) || !isfinite(o.x_max))
        return nnv_error_set(err, NNV_EUSAGE, "spectrum: grid limits not finite");
    for (int i = 0; i < n_sticks; i++)
        if (!isfinite(position[i]) || !isfinite(intensity[i]))
            return nnv_error_set(err, NNV_EINPUT, "spectrum: stick %d is not finite", i + 1);

    double fwhm = o.fwhm > 0 ? o.fwhm : NNV_SPECTRUM_DEFAULT_FWHM;
    /* 1 cm⁻¹ resolves bands of 10 cm⁻¹; narrower bands need ≥ 4 points per FWHM
     * for the sum over the grid to stay close to the integral. */
    double dx = o.dx > 0 ? o.dx : (fwhm / 4.0 < 1.0 ? fwhm / 4.0 : 1.0);
    double lo = o.x_min, hi = o.x_max;
    if (lo == 0 && hi == 0) {
        lo = 400.0;
        hi = 4000.0;
        for (int i = 0; i < n_sticks; i++) {
            if (position[i] <= 0) continue;
            if (position[i] - TAIL_FWHM * fwhm < lo) lo = position[i] - TAIL_FWHM * fwhm;
            if (position[i] + TAIL_FWHM * fwhm > hi) hi = position[i] + TAIL_FWHM * fwhm;
        }
        if (lo < 0) lo = 0;
        lo = floor(lo / dx) * dx;
        hi = ceil(hi / dx) * dx;
    }
    if (!(hi > lo))
        return nnv_error_set(err, NNV_EUSAGE, "spectrum: grid end %g <= start %g cm-1", hi, lo);
    double np = floor((hi - lo) / dx + 0.5) + 1.0;
    if (np > MAX_POINTS || np < 2)
        return nnv_error_set(err, NNV_EUSAGE,
                             "spectrum: %.0f grid points (from %g to %g cm-1 by %g): allowed 2..%d",
                             np, lo, hi, dx, MAX_POINTS);

    s = calloc(1, sizeof *s);
    if (!s) goto nomem;
    s->n_points = (int)np;
    s->x_first = lo;
    s->dx = dx;
    s->fwhm = fwhm;
    s->lineshape = o.lineshape;
    s->y = calloc((size_t)s->n_points, sizeof *s->y);
    if (!s->y) goto nomem;
    for (int k = 0; k < n_sticks; k++) {
        if (position[k] <= 0) continue;
        for (int i = 0; i < s->n_points; i++)
            s->y[i] += intensity[k] * spc_lineshape_value(o.lineshape, fwhm, position[k],
                                                          lo + i * dx);
    }
    *out = s;
    s = NULL;
    goto cleanup;
nomem:
    rc = nnv_error_set(err, NNV_ENOMEM, "spectrum: out of memory");
cleanup:
    nnv_spectrum_free(s);
    return rc;
}
