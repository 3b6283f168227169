/* sfgen.c: automatic symmetry-function presets for a set of elements (radial
 * grids of shifted Gaussians per neighbour element, wide angular functions per
 * element pair) and their scaling from the training set.
 *
 * The functions are Behler's (J. Behler, J. Chem. Phys. 134, 074106 (2011));
 * the grid follows the usual recipe of evenly spaced shifted Gaussians whose
 * widths match the spacing (M. Gastegger et al., J. Chem. Phys. 148, 241709
 * (2018) for weighted variants), so every distance in the cutoff sphere is seen
 * by two or three functions. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train.h"

void sfgen_defaults(sfgen_options *o)
{
    o->cutoff = NNV_CUTOFF_POLY2;
    o->rc = 5.5;
    o->n_radial = 8;
    o->n_ang_eta = 2;
    o->n_ang_shells = 0;
    o->rc_ang = 0.0;
}

static const double ZETAS[3] = {1.0, 2.0, 4.0};

int sfgen_count(const sfgen_options *o, int n_el)
{
    return n_el * o->n_radial + n_el * (n_el + 1) / 2 * (o->n_ang_eta + o->n_ang_shells) * 3 * 2;
}

/* The six type-9 functions (ζ 1, 2, 4 × λ ±1) of one element pair, one η
 * and rs, from sf[k] on; the index after them. */
static int add_angular(nnv_sf *sf, int k, int Zj, int Zk, int cutoff, double rc, double eta, double rs)
{
    for (int z = 0; z < 3; z++)
        for (int l = 0; l < 2; l++, k++) {
            sf[k].type = NNV_SF_ANGULAR_WIDE;
            sf[k].Zj = Zj;
            sf[k].Zk = Zk;
            sf[k].cutoff = cutoff;
            sf[k].rc = rc;
            sf[k].eta = eta;
            sf[k].rs = rs;
            sf[k].zeta = ZETAS[z];
            sf[k].lambda = l ? 1.0 : -1.0;
            sf[k].scale = 1.0;
        }
    return k;
}

int sfgen_make(nnv_potential **out, int n_el, const int *Z, const sfgen_options *o, nnv_error *err)
{
    nnv_potential *p = NULL;
    int rc = NNV_OK, nsf;
    double r0 = 0.8, r1, dr, rca, a0, da;

    *out = NULL;
    if (n_el < 1 || n_el > NNV_MAX_Z) return nnv_error_set(err, NNV_EUSAGE, "sfgen: need 1..%d elements", NNV_MAX_Z);
    for (int e = 0; e < n_el; e++)
        if (Z[e] < 1 || Z[e] > NNV_MAX_Z || (e && Z[e] <= Z[e - 1]))
            return nnv_error_set(err, NNV_EUSAGE, "sfgen: elements must be distinct, ascending, 1..%d", NNV_MAX_Z);
    if (!(o->rc > 2.0 && o->rc <= 20.0) || o->n_radial < 1 || o->n_radial > 64 || o->n_ang_eta < 0 ||
        o->n_ang_eta > 16 || o->n_ang_shells < 0 || o->n_ang_shells > 16 ||
        !(o->rc_ang == 0.0 || (o->rc_ang > 2.0 && o->rc_ang <= o->rc)) ||
        (o->cutoff != NNV_CUTOFF_COS && o->cutoff != NNV_CUTOFF_POLY2 && o->cutoff != NNV_CUTOFF_TANHU))
        return nnv_error_set(err, NNV_EUSAGE,
                             "sfgen: options out of range (rc 2..20 A, 1..64 radial, 0..16 eta, 0..16 shells, "
                             "angular rc 2..rc)");
    nsf = sfgen_count(o, n_el);
    if (nsf > 4096) return nnv_error_set(err, NNV_EUSAGE, "sfgen: %d symmetry functions per element (at most 4096)", nsf);

    /* Shifted Gaussians from r0 to rc - 1 Å (the last one still sees the
     * cutoff's tail); width = spacing so neighbours overlap. */
    r1 = o->rc - 1.0;
    dr = o->n_radial > 1 ? (r1 - r0) / (o->n_radial - 1) : 1.0;
    /* Angular shells from 0.9 Å (an X-H bond) to rca - 0.8 Å, spaced and as
     * wide as the radial grid's logic; one shell: 1.2 Å wide around 1.2 Å. */
    rca = o->rc_ang > 0.0 ? o->rc_ang : o->rc;
    a0 = o->n_ang_shells > 1 ? 0.9 : 1.2;
    da = o->n_ang_shells > 1 ? (rca - 0.8 - a0) / (o->n_ang_shells - 1) : 1.2;

    p = calloc(1, sizeof *p);
    if (!p) goto nomem;
    p->n_elements = n_el;
    p->elements = calloc((size_t)n_el, sizeof *p->elements);
    p->description = calloc(1, 1);
    if (!p->elements || !p->description) goto nomem;
    for (int e = 0; e < n_el; e++) {
        nnv_element_model *em = &p->elements[e];
        int k = 0;
        em->Z = Z[e];
        em->n_sf = nsf;
        em->sf = calloc((size_t)nsf, sizeof *em->sf);
        if (!em->sf) goto nomem;
        for (int j = 0; j < n_el; j++)
            for (int g = 0; g < o->n_radial; g++) {
                nnv_sf *sf = &em->sf[k++];
                sf->type = NNV_SF_RADIAL;
                sf->Zj = Z[j];
                sf->cutoff = o->cutoff;
                sf->rc = o->rc;
                sf->rs = o->n_radial > 1 ? r0 + g * dr : 0.0;
                sf->eta = o->n_radial > 1 ? 1.0 / (dr * dr) : 0.5;
                sf->scale = 1.0;
            }
        for (int j = 0; j < n_el; j++)
            for (int j2 = j; j2 < n_el; j2++)
                for (int g = 0; g < o->n_ang_eta; g++)
                    /* η from 0.05 to 0.5 Å⁻²: the first shell alone, then the whole molecule. */
                    k = add_angular(em->sf, k, Z[j], Z[j2], o->cutoff, o->rc,
                                    o->n_ang_eta > 1 ? 0.05 * pow(10.0, (double)g / (o->n_ang_eta - 1)) : 0.15, 0.0);
        /* Shifted angular functions (ANI's angular shells, in type 9's form):
         * both neighbours near the same distance rs, narrow enough that a
         * C-H at 1.1 Å and a C-C at 1.5 Å fall in different shells, so the
         * network sees which bonds make an angle, not only its cosine. */
        for (int j = 0; j < n_el; j++)
            for (int j2 = j; j2 < n_el; j2++)
                for (int g = 0; g < o->n_ang_shells; g++)
                    k = add_angular(em->sf, k, Z[j], Z[j2], o->cutoff, rca, 1.0 / (da * da), a0 + g * da);
    }
    *out = p;
    return NNV_OK;
nomem:
    rc = nnv_error_set(err, NNV_ENOMEM, "sfgen: out of memory");
    nnv_potential_free(p);
    return rc;
}

/* Sum, minimum and maximum of column k of G (n_rows x ns). */
static double column_range(const double *G, size_t n_rows, int ns, int k, double *lo, double *hi)
{
    double sum = 0.0;
    *lo = INFINITY, *hi = -INFINITY;
    for (size_t r = 0; r < n_rows; r++) {
        double v = G[r * (size_t)ns + (size_t)k];
        sum += v;
        if (v < *lo) *lo = v;
        if (v > *hi) *hi = v;
    }
    return sum;
}

int sfgen_fit_scaling(nnv_element_model *em, const double *G, size_t n_rows, int *keep)
{
    int ns = em->n_sf, kept = 0;
    for (int k = 0; k < ns; k++) {
        double lo, hi, mean = column_range(G, n_rows, ns, k, &lo, &hi), var = 0.0;
        nnv_sf *sf = &em->sf[k];
        if (n_rows) mean /= (double)n_rows;
        for (size_t r = 0; r < n_rows; r++) {
            double d = G[r * (size_t)ns + (size_t)k] - mean;
            var += d * d;
        }
        if (n_rows) var /= (double)n_rows;
        /* A function that never changes carries no information and would need
         * scale = 1/0: drop it. */
        keep[k] = n_rows > 0 && hi - lo > 1e-8 * fmax(1.0, fabs(hi)) && var > 0.0;
        if (!keep[k]) continue;
        sf->shift = mean;
        sf->scale = 1.0 / sqrt(var);
        sf->gmin = lo;
        sf->gmax = hi;
        em->sf[kept++] = *sf;
    }
    if (kept == 0) {
        /* The format needs one SF: keep the first, unscaled. */
        keep[0] = 1;
        em->sf[0].shift = 0.0;
        em->sf[0].scale = 1.0;
        em->sf[0].gmin = n_rows ? G[0] : 0.0;
        em->sf[0].gmax = em->sf[0].gmin;
        kept = 1;
    }
    em->n_sf = kept;
    return kept;
}

void sfgen_fit_range(nnv_element_model *em, const double *G, size_t n_rows)
{
    for (int k = 0; k < em->n_sf && n_rows; k++)
        column_range(G, n_rows, em->n_sf, k, &em->sf[k].gmin, &em->sf[k].gmax);
}

int sfgen_same_number(double a, double b) { return fabs(a - b) <= 1e-9 * fmax(1.0, fmax(fabs(a), fabs(b))); }

const char *sfgen_sf_differs(const nnv_sf *x, const nnv_sf *y, int scaling)
{
    if (x->type != y->type || x->Zj != y->Zj || x->Zk != y->Zk) return "type or neighbours";
    if (x->cutoff != y->cutoff || !sfgen_same_number(x->rc, y->rc) ||
        !sfgen_same_number(x->cutoff_alpha, y->cutoff_alpha))
        return "cutoff";
    if (!sfgen_same_number(x->eta, y->eta) || !sfgen_same_number(x->rs, y->rs) ||
        !sfgen_same_number(x->zeta, y->zeta) || !sfgen_same_number(x->lambda, y->lambda))
        return "parameters";
    if (scaling && (!sfgen_same_number(x->shift, y->shift) || !sfgen_same_number(x->scale, y->scale)))
        return "scaling";
    return NULL;
}
