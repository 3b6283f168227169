/* Curvature labels for the teacher data: random probe directions in the
 * internal (non-rigid-body) space of a configuration, and Hessian-vector
 * products by central differences of any gradient. No libxtb here, so the unit
 * tests check it on analytic functions; also the sampler's normal deviates. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sample.h"

/* A rotation whose part orthogonal to the other rigid-body vectors is shorter
 * than this times the longest rotation vector does not exist: the geometry is
 * linear. The squared ratio, 1e-8, is vib.c's linear test on the moments of
 * inertia (the squared length of a rotation vector about the centroid is the
 * unit-mass moment about that axis). */
#define HVP_LINEAR_RATIO 1e-4
/* A Gaussian draw whose part outside the rigid-body space and the earlier
 * probes is this short (relative) is redrawn; it practically never happens. */
#define HVP_REDRAW_RATIO 1e-6

double smp_uniform(smp_rng *r) { return rng_open_unit(&r->s); }

double smp_gauss(smp_rng *r)
{
    if (r->have_spare) {
        r->have_spare = 0;
        return r->spare;
    }
    double u1 = smp_uniform(r), u2 = smp_uniform(r);
    double rad = sqrt(-2.0 * log(u1)), phi = 2.0 * 3.14159265358979323846 * u2;
    r->spare = rad * sin(phi);
    r->have_spare = 1;
    return rad * cos(phi);
}

static double dot(size_t n, const double *a, const double *b)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

/* v -= (v·b) b for each of the m orthonormal rows b of B (modified
 * Gram-Schmidt); done twice by the callers, which leaves |v·b| at rounding
 * level ("twice is enough", Giraud et al., Numer. Math. 101, 87 (2005)). */
static void project_out(size_t n, double *v, const double *B, int m)
{
    for (int k = 0; k < m; k++) {
        const double *b = B + (size_t)k * n;
        double c = dot(n, v, b);
        for (size_t i = 0; i < n; i++) v[i] -= c * b[i];
    }
}

/* r = e_a × (x_i − c) for every atom i: the rotation about axis a through c. */
static void rotation_vector(double *r, int n, const double *xyz, const double c[3], int a)
{
    for (int i = 0; i < n; i++) {
        double d[3] = {xyz[3 * i] - c[0], xyz[3 * i + 1] - c[1], xyz[3 * i + 2] - c[2]};
        r[3 * i + 0] = a == 0 ? 0.0 : a == 1 ? d[2] : -d[1];
        r[3 * i + 1] = a == 0 ? -d[2] : a == 1 ? 0.0 : d[0];
        r[3 * i + 2] = a == 0 ? d[1] : a == 1 ? -d[0] : 0.0;
    }
}

int smp_rigid_basis(double *basis, int n, const double *xyz)
{
    size_t n3 = 3 * (size_t)n;
    double c[3] = {0, 0, 0}, len[3];
    int m = 0, order[3] = {0, 1, 2};
    for (int i = 0; i < n; i++)
        for (int a = 0; a < 3; a++) c[a] += xyz[3 * i + a] / n;
    /* Translations: orthonormal as they are. */
    for (int a = 0; a < 3; a++, m++) {
        double *t = basis + (size_t)m * n3;
        for (size_t j = 0; j < n3; j++) t[j] = (j % 3 == (size_t)a) ? 1.0 / sqrt((double)n) : 0.0;
    }
    /* Rotations about the centroid, longest first, so that of a linear
     * geometry the one about its axis (the shortest) is the one dropped. */
    for (int a = 0; a < 3; a++) {
        double *r = basis + (size_t)m * n3;
        rotation_vector(r, n, xyz, c, a);
        len[a] = sqrt(dot(n3, r, r));
    }
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
            if (len[order[j]] > len[order[i]]) {
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
    double longest = len[order[0]];
    if (!(longest > 0.0)) return m; /* one atom, or all atoms at one point */
    for (int k = 0; k < 3; k++) {
        double *r = basis + (size_t)m * n3;
        rotation_vector(r, n, xyz, c, order[k]);
        project_out(n3, r, basis, m);
        project_out(n3, r, basis, m);
        double l = sqrt(dot(n3, r, r));
        if (l < HVP_LINEAR_RATIO * longest) continue; /* its slot takes the next one, if any */
        for (size_t j = 0; j < n3; j++) r[j] /= l;
        m++;
    }
    return m;
}

int smp_hvp_probes(double *probes, int *n_probes, int n, const double *xyz, int k, smp_rng *rng,
                   nnv_error *err)
{
    size_t n3 = 3 * (size_t)n;
    double *basis = NULL;
    int rc = NNV_OK;
    *n_probes = 0;
    if (n < 1 || k < 0) return nnv_error_set(err, NNV_EUSAGE, "probes: need n >= 1 atoms and k >= 0 probes");
    basis = malloc(6 * n3 * sizeof *basis);
    if (!basis) return nnv_error_set(err, NNV_ENOMEM, "probes: out of memory for %d atoms", n);
    int n_rb = smp_rigid_basis(basis, n, xyz);
    int dim = (int)n3 - n_rb;
    if (k > dim) k = dim;
    for (int p = 0; p < k; p++) {
        double *v = probes + (size_t)p * n3;
        for (;;) {
            /* A standard normal vector is isotropic, so its projection onto the
             * internal space, normalised, is uniform on that space's sphere;
             * projecting out the earlier probes too makes the k probes an
             * orthonormal set (a random k-frame), so no teacher call is spent
             * twice on one direction. */
            double full = 0.0, l;
            for (size_t j = 0; j < n3; j++) {
                v[j] = smp_gauss(rng);
                full += v[j] * v[j];
            }
            for (int pass = 0; pass < 2; pass++) {
                project_out(n3, v, basis, n_rb);
                project_out(n3, v, probes, p);
            }
            l = sqrt(dot(n3, v, v));
            if (l > HVP_REDRAW_RATIO * sqrt(full)) {
                for (size_t j = 0; j < n3; j++) v[j] /= l;
                break;
            }
        }
    }
    *n_probes = k;
    free(basis);
    return rc;
}

int smp_fd_hvp(double *hv, int n3, const double *x, const double *v, double h, smp_grad_fn grad, void *ctx,
               nnv_error *err)
{
    int rc = NNV_OK;
    size_t n = (size_t)n3;
    double *xs, *gp, *gm;
    if (n3 < 1 || !(h > 0.0))
        return nnv_error_set(err, NNV_EUSAGE, "Hessian-vector product: need 3n >= 1 coordinates and a step > 0, "
                                              "got %d and %g", n3, h);
    xs = calloc(3 * n, sizeof *xs);
    if (!xs) return nnv_error_set(err, NNV_ENOMEM, "Hessian-vector product: out of memory");
    gp = xs + n;
    gm = xs + 2 * n;
    for (size_t j = 0; j < n; j++) xs[j] = x[j] + h * v[j];
    if ((rc = grad(ctx, xs, gp, err)) != NNV_OK) goto cleanup;
    for (size_t j = 0; j < n; j++) xs[j] = x[j] - h * v[j];
    if ((rc = grad(ctx, xs, gm, err)) != NNV_OK) goto cleanup;
    /* The error is h²/6 · ∇³E[v, v, v] plus the gradient's noise / h. */
    for (size_t j = 0; j < n; j++) hv[j] = (gp[j] - gm[j]) / (2.0 * h);
cleanup:
    free(xs);
    return rc;
}
