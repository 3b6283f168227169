/* Hessian by central differences of the analytic forces: a cross-check of the
 * analytic Hessian (CLI --hessian fd / --check), never the default. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <nnvib.h>

int nnv_hessian_fd(double *hessian, const nnv_potential *p, const nnv_structure *s, double step,
                   nnv_error *err)
{
    static const nnv_compute_options forces = {NNV_WANT_FORCES, 0.0, 0.0};
    nnv_structure tmp;
    nnv_result *rp = NULL, *rm = NULL;
    size_t n3;
    int status = NNV_OK;

    if (!s || s->n_atoms < 1 || !(step > 0.0) || !isfinite(step))
        return nnv_error_set(err, NNV_EUSAGE, "finite-difference Hessian: step must be finite and > 0");
    n3 = 3 * (size_t)s->n_atoms;
    tmp = *s;
    tmp.xyz = malloc(n3 * sizeof *tmp.xyz);
    if (!tmp.xyz) return nnv_error_set(err, NNV_ENOMEM, "finite-difference Hessian: out of memory");
    memcpy(tmp.xyz, s->xyz, n3 * sizeof *tmp.xyz);
    for (size_t a = 0; a < n3; a++) {
        tmp.xyz[a] = s->xyz[a] + step;
        if ((status = nnv_compute(&rp, p, &tmp, &forces, err)) != NNV_OK) goto cleanup;
        tmp.xyz[a] = s->xyz[a] - step;
        if ((status = nnv_compute(&rm, p, &tmp, &forces, err)) != NNV_OK) goto cleanup;
        tmp.xyz[a] = s->xyz[a];
        for (size_t b = 0; b < n3; b++) hessian[a * n3 + b] = -(rp->forces[b] - rm->forces[b]) / (2.0 * step);
        nnv_result_free(rp);
        nnv_result_free(rm);
        rp = rm = NULL;
    }
    for (size_t a = 0; a < n3; a++)
        for (size_t b = a + 1; b < n3; b++) {
            double v = 0.5 * (hessian[a * n3 + b] + hessian[b * n3 + a]);
            hessian[a * n3 + b] = hessian[b * n3 + a] = v;
        }
    /* Finite forces can still differ by more than the largest double: never
     * hand back inf, as nnv_compute never does. */
    for (size_t k = 0; k < n3 * n3; k++)
        if (!isfinite(hessian[k])) {
            status = nnv_error_set(err, NNV_ENUMERIC, "finite-difference Hessian element (%zu, %zu) is not finite "
                                   "(the forces' differences overflow)", k / n3 + 1, k % n3 + 1);
            goto cleanup;
        }
cleanup:
    nnv_result_free(rp);
    nnv_result_free(rm);
    free(tmp.xyz);
    return status;
}
