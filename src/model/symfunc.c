/* Behler–Parrinello symmetry functions (types 2, 3, 9) and their cutoffs: values,
 * exact first derivatives and exact second derivatives with respect to the
 * positions of the central atom and its neighbours.
 *
 * J. Behler, J. Chem. Phys. 134, 074106 (2011) for the functions; n2p2's type
 * numbers. An angular term is a function of the two bond vectors a = x_j - x_i
 * and b = x_k - x_i only, so its value, gradient and Hessian are built in those
 * six variables as a product of factors (angular part, one radial-times-cutoff
 * factor per distance) and then mapped onto the three atoms. */
#include <math.h>
#include <string.h>

#include "model/model_internal.h"

void sf_cutoff(int type, double rc, double alpha, double r, double *f, double *df, double *d2f)
{
    *f = *df = *d2f = 0.0;
    if (r >= rc) return;
    switch (type) {
    case NNV_CUTOFF_COS: {
        double k = 3.14159265358979323846 / rc, s = sin(k * r), c = cos(k * r);
        *f = 0.5 * (c + 1.0);
        *df = -0.5 * k * s;
        *d2f = -0.5 * k * k * c;
        break;
    }
    case NNV_CUTOFF_POLY2: {
        double ri = alpha * rc, w = rc - ri, x;
        if (r <= ri) {
            *f = 1.0;
            return;
        }
        x = (r - ri) / w;
        *f = ((15.0 - 6.0 * x) * x - 10.0) * x * x * x + 1.0;
        *df = -30.0 * x * x * (x - 1.0) * (x - 1.0) / w;
        *d2f = -60.0 * x * (2.0 * x - 1.0) * (x - 1.0) / (w * w);
        break;
    }
    case NNV_CUTOFF_TANHU: {
        double t = tanh(1.0 - r / rc), s = 1.0 - t * t;
        *f = t * t * t;
        *df = -3.0 * t * t * s / rc;
        *d2f = 6.0 * t * s * (1.0 - 2.0 * t * t) / (rc * rc);
        break;
    }
    default:
        break;
    }
}

/* phi(r) = exp(-eta (r - rs)^2) fc(r): the factor each distance contributes. */
static void radial_factor(const nnv_sf *sf, double r, double *v, double *d1, double *d2)
{
    double f, df, d2f, x = r - sf->rs, e, de, d2e;
    sf_cutoff(sf->cutoff, sf->rc, sf->cutoff_alpha, r, &f, &df, &d2f);
    e = exp(-sf->eta * x * x);
    de = -2.0 * sf->eta * x * e;
    d2e = (4.0 * sf->eta * sf->eta * x * x - 2.0 * sf->eta) * e;
    *v = e * f;
    *d1 = de * f + e * df;
    *d2 = d2e * f + 2.0 * de * df + e * d2f;
}

static int is_integer(double z) { return z == floor(z) && z < 1e6; }

/* A(c) = 2^(1-zeta) (1 + lambda c)^zeta and derivatives with respect to c. The
 * base is used as it is for zeta = 1 (its curvature at a collinear triple
 * matters for linear bends); for non-integer zeta a non-positive base gives the
 * limits 0 (spec section 2). Integer zeta is a plain polynomial. */
static void angular_factor(const nnv_sf *sf, double c, double *v, double *d1, double *d2)
{
    double z = sf->zeta, l = sf->lambda, b = 1.0 + l * c, pre = pow(2.0, 1.0 - z);
    if (z == 1.0) {
        *v = pre * b;
        *d1 = pre * l;
        *d2 = 0.0;
        return;
    }
    if (!is_integer(z) && b <= 0.0) {
        *v = *d1 = *d2 = 0.0;
        return;
    }
    *v = pre * pow(b, z);
    *d1 = pre * l * z * pow(b, z - 1.0);
    *d2 = pre * l * l * z * (z - 1.0) * pow(b, z - 2.0);
}

static int pair_matches(const nnv_sf *sf, int zj, int zk)
{
    return (zj == sf->Zj && zk == sf->Zk) || (zj == sf->Zk && zk == sf->Zj);
}

double sf_max_cutoff(const nnv_element_model *em)
{
    double rc = 0.0;
    for (int k = 0; k < em->n_sf; k++)
        if (em->sf[k].rc > rc) rc = em->sf[k].rc;
    return rc;
}

void sf_values(const nnv_element_model *em, const sf_env *env, double *G)
{
    int m = env->m;
    memset(G, 0, (size_t)em->n_sf * sizeof *G);
    for (int k = 0; k < em->n_sf; k++) {
        const nnv_sf *sf = &em->sf[k];
        if (sf->type != NNV_SF_RADIAL) continue;
        for (int j = 0; j < m; j++) {
            double v, d1, d2;
            if (env->Z[j] != sf->Zj || env->r[j] >= sf->rc) continue;
            radial_factor(sf, env->r[j], &v, &d1, &d2);
            G[k] += v;
        }
    }
    for (int j = 0; j < m; j++) {
        for (int kk = j + 1; kk < m; kk++) {
            const double *a = env->rel + 3 * j, *b = env->rel + 3 * kk;
            double r1 = env->r[j], r2 = env->r[kk], d[3], r3, c;
            for (int q = 0; q < 3; q++) d[q] = b[q] - a[q];
            r3 = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
            c = (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) / (r1 * r2);
            for (int k = 0; k < em->n_sf; k++) {
                const nnv_sf *sf = &em->sf[k];
                double A, p1, p2, p3 = 1.0, t1, t2;
                if (sf->type == NNV_SF_RADIAL || r1 >= sf->rc || r2 >= sf->rc) continue;
                if (!pair_matches(sf, env->Z[j], env->Z[kk])) continue;
                if (sf->type == NNV_SF_ANGULAR_NARROW) {
                    if (r3 >= sf->rc) continue;
                    radial_factor(sf, r3, &p3, &t1, &t2);
                }
                angular_factor(sf, c, &A, &t1, &t2);
                radial_factor(sf, r1, &p1, &t1, &t2);
                radial_factor(sf, r2, &p2, &t1, &t2);
                G[k] += A * p1 * p2 * p3;
            }
        }
    }
}

/* A scalar function of (a, b) with its gradient and Hessian in those 6 variables. */
typedef struct d6 {
    double v, g[6], h[6][6];
} d6;

/* Geometry shared by every SF of one neighbour pair (j, k). */
typedef struct pair_geom {
    double r[3];        /* |a|, |b|, |b - a| */
    double gr[3][6];    /* gradients of the three distances */
    double hr[3][6][6]; /* their Hessians */
    double c, gc[6], hc[6][6];
} pair_geom;

/* d|v|/d(a,b) and d2|v|/d(a,b)^2 for v = sa*a + sb*b with sa, sb in {-1, 0, 1}. */
static void distance_derivs(const double *v, double r, double sa, double sb, double *g, double (*h)[6])
{
    double u[3], co[2] = {sa, sb};
    for (int q = 0; q < 3; q++) u[q] = v[q] / r;
    for (int s = 0; s < 2; s++)
        for (int q = 0; q < 3; q++) g[3 * s + q] = co[s] * u[q];
    for (int s = 0; s < 2; s++)
        for (int t = 0; t < 2; t++)
            for (int p = 0; p < 3; p++)
                for (int q = 0; q < 3; q++)
                    h[3 * s + p][3 * t + q] =
                        co[s] * co[t] * (((p == q) ? 1.0 : 0.0) - u[p] * u[q]) / r;
}

static void pair_geometry(const double *a, const double *b, double r1, double r2, pair_geom *pg,
                          int want_hess)
{
    double d[3], ah[3], bh[3], c;
    for (int q = 0; q < 3; q++) {
        d[q] = b[q] - a[q];
        ah[q] = a[q] / r1;
        bh[q] = b[q] / r2;
    }
    pg->r[0] = r1;
    pg->r[1] = r2;
    pg->r[2] = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
    c = ah[0] * bh[0] + ah[1] * bh[1] + ah[2] * bh[2];
    pg->c = c;
    distance_derivs(a, r1, 1.0, 0.0, pg->gr[0], pg->hr[0]);
    distance_derivs(b, r2, 0.0, 1.0, pg->gr[1], pg->hr[1]);
    distance_derivs(d, pg->r[2], -1.0, 1.0, pg->gr[2], pg->hr[2]);
    /* c = a_hat . b_hat: dc/da = (b_hat - c a_hat)/|a|, and the Hessian blocks
     * (3c aa' - ba' - ab' - c I)/|a|^2, (I - bb' - aa' + c ab')/(|a||b|), ... */
    for (int q = 0; q < 3; q++) {
        pg->gc[q] = (bh[q] - c * ah[q]) / r1;
        pg->gc[3 + q] = (ah[q] - c * bh[q]) / r2;
    }
    if (!want_hess) return;
    for (int p = 0; p < 3; p++) {
        for (int q = 0; q < 3; q++) {
            double I = (p == q) ? 1.0 : 0.0;
            pg->hc[p][q] = (3.0 * c * ah[p] * ah[q] - bh[p] * ah[q] - ah[p] * bh[q] - c * I) / (r1 * r1);
            pg->hc[3 + p][3 + q] =
                (3.0 * c * bh[p] * bh[q] - ah[p] * bh[q] - bh[p] * ah[q] - c * I) / (r2 * r2);
            pg->hc[p][3 + q] = (I - bh[p] * bh[q] - ah[p] * ah[q] + c * ah[p] * bh[q]) / (r1 * r2);
        }
    }
    for (int p = 0; p < 3; p++)
        for (int q = 0; q < 3; q++) pg->hc[3 + q][p] = pg->hc[p][3 + q];
}

/* Compose a scalar function f(s) with s(a, b) given by (gs, hs). */
static void compose(double f, double df, double d2f, const double *gs, double (*hs)[6], d6 *out,
                    int want_hess)
{
    out->v = f;
    for (int p = 0; p < 6; p++) out->g[p] = df * gs[p];
    if (!want_hess) return;
    for (int p = 0; p < 6; p++)
        for (int q = 0; q < 6; q++) out->h[p][q] = d2f * gs[p] * gs[q] + df * hs[p][q];
}

/* x *= y (product rule, to second order). */
static void multiply(d6 *x, const d6 *y, int want_hess)
{
    if (want_hess) {
        for (int p = 0; p < 6; p++)
            for (int q = 0; q < 6; q++)
                x->h[p][q] = x->h[p][q] * y->v + x->v * y->h[p][q] + x->g[p] * y->g[q] +
                             y->g[p] * x->g[q];
    }
    for (int p = 0; p < 6; p++) x->g[p] = x->g[p] * y->v + x->v * y->g[p];
    x->v *= y->v;
}

/* Add one angular term (central atom 0, neighbours at local atoms lj, lk) to
 * row `row` of J, w * its Hessian to H, and its Hessian times dir to Krow
 * (when Krow is not NULL; then H is not used). */
static void scatter_angular(const d6 *t, int lj, int lk, double w, double *Jrow, double *H, int D,
                            const double *dir, double *Krow)
{
    static const double coef[3][2] = {{-1.0, -1.0}, {1.0, 0.0}, {0.0, 1.0}};
    int at[3] = {0, lj, lk};
    for (int q = 0; q < 3; q++) {
        Jrow[3 * lj + q] += t->g[q];
        Jrow[3 * lk + q] += t->g[3 + q];
        Jrow[q] -= t->g[q] + t->g[3 + q];
    }
    if (Krow) {
        /* The term depends on x only through a = x_j - x_i and b = x_k - x_i:
         * its Hessian times dir is C^T h C dir with C the (a, b) map. */
        double ab[6], hab[6];
        for (int q = 0; q < 3; q++) {
            ab[q] = dir[3 * lj + q] - dir[q];
            ab[3 + q] = dir[3 * lk + q] - dir[q];
        }
        for (int p = 0; p < 6; p++) {
            double s = 0.0;
            for (int q = 0; q < 6; q++) s += t->h[p][q] * ab[q];
            hab[p] = s;
        }
        for (int q = 0; q < 3; q++) {
            Krow[3 * lj + q] += hab[q];
            Krow[3 * lk + q] += hab[3 + q];
            Krow[q] -= hab[q] + hab[3 + q];
        }
        return;
    }
    if (!H || w == 0.0) return;
    for (int X = 0; X < 3; X++) {
        for (int Y = 0; Y < 3; Y++) {
            double *blk = H + (size_t)(3 * at[X]) * (size_t)D + (size_t)(3 * at[Y]);
            for (int p = 0; p < 3; p++) {
                for (int q = 0; q < 3; q++) {
                    double s = 0.0;
                    for (int u = 0; u < 2; u++)
                        for (int v = 0; v < 2; v++)
                            s += coef[X][u] * coef[Y][v] * t->h[3 * u + p][3 * v + q];
                    blk[(size_t)p * (size_t)D + (size_t)q] += w * s;
                }
            }
        }
    }
}

static void derivs_radial(const nnv_sf *sf, const sf_env *env, const double *w, int k, double *Jrow,
                          double *H, int D, const double *dir, double *Krow)
{
    for (int j = 0; j < env->m; j++) {
        double v, d1, d2, u[3], r = env->r[j];
        int lj = j + 1;
        if (env->Z[j] != sf->Zj || r >= sf->rc) continue;
        radial_factor(sf, r, &v, &d1, &d2);
        for (int q = 0; q < 3; q++) {
            u[q] = env->rel[3 * j + q] / r;
            Jrow[3 * lj + q] += d1 * u[q];
            Jrow[q] -= d1 * u[q];
        }
        if (Krow) {
            /* Depends on x only through d = x_j - x_i: h (dir_j - dir_i) with
             * h = d2 u u' + d1 (I - u u') / r. */
            double dd[3], ud = 0.0;
            for (int q = 0; q < 3; q++) {
                dd[q] = dir[3 * lj + q] - dir[q];
                ud += u[q] * dd[q];
            }
            for (int p = 0; p < 3; p++) {
                double h = d2 * u[p] * ud + d1 * (dd[p] - u[p] * ud) / r;
                Krow[3 * lj + p] += h;
                Krow[p] -= h;
            }
            continue;
        }
        if (!H || !w || w[k] == 0.0) continue;
        for (int p = 0; p < 3; p++) {
            for (int q = 0; q < 3; q++) {
                double I = (p == q) ? 1.0 : 0.0;
                double h = w[k] * (d2 * u[p] * u[q] + d1 * (I - u[p] * u[q]) / r);
                H[(size_t)(3 * lj + p) * (size_t)D + (size_t)(3 * lj + q)] += h;
                H[(size_t)p * (size_t)D + (size_t)q] += h;
                H[(size_t)p * (size_t)D + (size_t)(3 * lj + q)] -= h;
                H[(size_t)(3 * lj + p) * (size_t)D + (size_t)q] -= h;
            }
        }
    }
}

/* J, and either H += sum_k w_k d2G_k (w, H not NULL) or K = d2G_k dir per
 * row (dir, K not NULL). */
static void derivs(const nnv_element_model *em, const sf_env *env, const double *w, double *J, double *H,
                   const double *dir, double *K)
{
    int m = env->m, D = 3 * (m + 1), want_hess = (H != NULL && w != NULL) || K != NULL;
    size_t nJ = (size_t)em->n_sf * (size_t)D;
    memset(J, 0, nJ * sizeof *J);
    if (K) {
        memset(K, 0, nJ * sizeof *K);
        H = NULL;
    }
    for (int k = 0; k < em->n_sf; k++)
        if (em->sf[k].type == NNV_SF_RADIAL)
            derivs_radial(&em->sf[k], env, w, k, J + (size_t)k * (size_t)D, want_hess ? H : NULL, D, dir,
                          K ? K + (size_t)k * (size_t)D : NULL);
    for (int j = 0; j < m; j++) {
        for (int kk = j + 1; kk < m; kk++) {
            pair_geom pg;
            int have_geom = 0;
            for (int k = 0; k < em->n_sf; k++) {
                const nnv_sf *sf = &em->sf[k];
                d6 t, f;
                double v, d1, d2;
                int hk;
                if (sf->type == NNV_SF_RADIAL || env->r[j] >= sf->rc || env->r[kk] >= sf->rc) continue;
                if (!pair_matches(sf, env->Z[j], env->Z[kk])) continue;
                if (!have_geom) {
                    pair_geometry(env->rel + 3 * j, env->rel + 3 * kk, env->r[j], env->r[kk], &pg,
                                  want_hess);
                    have_geom = 1;
                }
                if (sf->type == NNV_SF_ANGULAR_NARROW && pg.r[2] >= sf->rc) continue;
                hk = K ? 1 : want_hess && w[k] != 0.0;
                angular_factor(sf, pg.c, &v, &d1, &d2);
                compose(v, d1, d2, pg.gc, pg.hc, &t, hk);
                for (int d = 0; d < (sf->type == NNV_SF_ANGULAR_NARROW ? 3 : 2); d++) {
                    radial_factor(sf, pg.r[d], &v, &d1, &d2);
                    compose(v, d1, d2, pg.gr[d], pg.hr[d], &f, hk);
                    multiply(&t, &f, hk);
                }
                scatter_angular(&t, j + 1, kk + 1, hk && !K ? w[k] : 0.0, J + (size_t)k * (size_t)D,
                                hk ? H : NULL, D, dir, K ? K + (size_t)k * (size_t)D : NULL);
            }
        }
    }
}

void sf_derivatives(const nnv_element_model *em, const sf_env *env, const double *w, double *J,
                    double *H)
{
    derivs(em, env, w, J, H, NULL, NULL);
}

void sf_jacobian_dir(const nnv_element_model *em, const sf_env *env, const double *dir, double *J, double *K)
{
    derivs(em, env, NULL, J, NULL, dir, K);
}
