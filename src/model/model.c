/* Assembles the Behler–Parrinello energy E = sum_i [E0(Z_i) + N_Zi(s(G_i))],
 * its forces, its exact Hessian, the charges and dipole of the charge networks
 * and the dipole derivatives, atom by atom over local environments.
 *
 * For atom i with SF Jacobian J = dG/dx (local coordinates) and scales S:
 *   dE_i/dx   = (S J)^T g,             g = dN/ds
 *   d2E_i/dx2 = (S J)^T H_N (S J) + sum_k g_k S_k d2G_k/dx2,   H_N = d2N/ds2
 * (J. Behler, M. Parrinello, PRL 98, 146401 (2007) for the model).
 * On request (model_compute) the two terms are also kept apart, as H_net and
 * H_sf, for the curvature diagnostics: the same assembly, not a second one. */
#define _DEFAULT_SOURCE /* madvise */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "model/model_internal.h"

/* Limits (docs/limits.md). The Hessian is dense, 3N x 3N doubles, and the
 * analysis needs several more matrices of that size: refuse before allocating
 * beyond the budget (MiB, for the Hessian and the local blocks of one batch of
 * atoms together), which the caller's max_hessian_mb can change. Below
 * OMP_MIN_ATOMS atoms threads cost more than they save.
 * LOCAL_BATCH_MB bounds the local blocks kept between evaluation and scatter. */
#define HESSIAN_BUDGET_MB_DEFAULT 2048.0
#define OMP_MIN_ATOMS 64
#define LOCAL_BATCH_MB 48.0

/* Per-thread scratch, sized for the largest environment and SF count (and
 * the committee's K member gradients gm). */
typedef struct work {
    int *Zn;
    double *rel, *r;
    double *G, *s, *gE, *HE, *gq, *w;
    double *J, *T, *gm;
    cm_work cm;
} work;

/* One atom's terms in local coordinates (D = 3(m+1)), kept until they are
 * added to the global arrays: forces f[D], dipole-derivative weights dq[D]
 * and the symmetric D x D Hessian block h; with the split also its two
 * parts h_net and h_sf (each symmetric; NULL otherwise); for a committee
 * the members' forces fm[K x D] (NULL otherwise). */
typedef struct local_terms {
    double *f, *dq, *h, *h_net, *h_sf, *fm;
} local_terms;

static void work_free(work *wk)
{
    FREE_ALL(wk->Zn, wk->rel, wk->r, wk->G, wk->s, wk->gE, wk->HE, wk->gq, wk->w, wk->J, wk->T, wk->gm);
    cm_work_free(&wk->cm);
}

static int work_alloc(work *wk, int max_m, int max_sf, int want_hess, int K)
{
    size_t D = 3 * (size_t)(max_m + 1), ns = (size_t)max_sf;
    memset(wk, 0, sizeof *wk);
    wk->Zn = malloc(((size_t)max_m + 1) * sizeof *wk->Zn);
    wk->rel = malloc(D * sizeof *wk->rel);
    wk->r = malloc(((size_t)max_m + 1) * sizeof *wk->r);
    wk->G = malloc(ns * sizeof *wk->G);
    wk->s = malloc(ns * sizeof *wk->s);
    wk->gE = malloc(ns * sizeof *wk->gE);
    wk->gq = malloc(ns * sizeof *wk->gq);
    wk->w = malloc(ns * sizeof *wk->w);
    wk->J = malloc(ns * D * sizeof *wk->J);
    if (want_hess) {
        wk->HE = malloc(ns * ns * sizeof *wk->HE);
        wk->T = malloc(ns * D * sizeof *wk->T);
    }
    if (K > 0) wk->gm = malloc((size_t)K * ns * sizeof *wk->gm);
    if (!wk->Zn || !wk->rel || !wk->r || !wk->G || !wk->s || !wk->gE || !wk->gq || !wk->w || !wk->J ||
        (want_hess && (!wk->HE || !wk->T)) || (K > 0 && !wk->gm))
        return NNV_ENOMEM;
    return NNV_OK;
}

void nnv_result_free(nnv_result *r)
{
    if (!r) return;
    FREE_ALL(r->atomic_energies, r->forces, r->hessian, r->sf_offset, r->sf_values, r->extrapolations, r->raw_charges,
             r->charges, r->dipole_deriv, r->member_energies, r->member_forces, r->force_std, r);
}

static int add_extrapolation(nnv_result *r, int *cap, int atom, int k, double v, const nnv_sf *sf)
{
    if (r->n_extrapolations == *cap) {
        int c = *cap ? 2 * *cap : 16;
        nnv_extrapolation *e = realloc(r->extrapolations, (size_t)c * sizeof *e);
        if (!e) return NNV_ENOMEM;
        r->extrapolations = e;
        *cap = c;
    }
    r->extrapolations[r->n_extrapolations++] = (nnv_extrapolation){atom, k, v, sf->gmin, sf->gmax};
    return NNV_OK;
}

/* What every atom's evaluation reads (shared, read-only across threads). */
typedef struct eval_ctx {
    const nnv_structure *s;
    const nnv_element_model **em;
    const nb_list *nb;
    nnv_result *r;
    size_t n3;
    int want_f, want_h, want_q, want_dq;
    const double *xbar;
    double *h_net, *h_sf; /* the split's global 3N x 3N parts, NULL without it */
    const nnv_element_model *el0; /* the potential's first element block: em[i] - el0 indexes nets */
    const cm_nets *nets;          /* per element block */
    int K;                        /* committee members, 0 for a single potential */
    double *member_atomic;        /* committee: N x K atomic energies of the members */
} eval_ctx;

/* Lower triangle of the D x D block H := its upper triangle. */
static inline void mirror_upper(double *H, int D)
{
    for (int a = 0; a < D; a++)
        for (int b = a + 1; b < D; b++) H[(size_t)b * (size_t)D + (size_t)a] = H[(size_t)a * (size_t)D + (size_t)b];
}

/* Upper triangle of H += (S J)^T T, T = H_N (S J): the network's own
 * curvature (symmetric, so half the work). SJ and T are ns x D. */
static inline void add_network_term(double *H, const double *SJ, const double *T, int ns, int D)
{
    for (int k = 0; k < ns; k++) {
        const double *jrow = SJ + (size_t)k * (size_t)D, *trow = T + (size_t)k * (size_t)D;
        for (int a = 0; a < D; a++) {
            double ja = jrow[a];
            double *hrow = H + (size_t)a * (size_t)D;
            if (ja == 0.0) continue;
            for (int b = a; b < D; b++) hrow[b] += ja * trow[b];
        }
    }
}

/* Atom i's energy, SF values and raw charge (its own slots of r), and its
 * terms of the forces, Hessian and dipole derivatives in local coordinates
 * (into lt, added to the global arrays later by scatter_atom).
 * Returns NNV_OK, NNV_ENOMEM, or NNV_ENUMERIC for a non-finite energy. */
static int eval_atom(const eval_ctx *x, work *wk, const local_terms *lt, int i)
{
    const nnv_structure *s = x->s;
    nnv_result *r = x->r;
    const nnv_element_model *e = x->em[i];
    int m = x->nb->offset[i + 1] - x->nb->offset[i], ns = e->n_sf, D = 3 * (m + 1);
    int want_f = x->want_f, want_h = x->want_h, want_q = x->want_q, want_dq = x->want_dq;
    sf_env env = {m, wk->Zn, wk->rel, wk->r};
    const cm_nets *cn = &x->nets[e - x->el0];
    double Ei, qt = 0.0, *Em = x->K ? x->member_atomic + (size_t)i * (size_t)x->K : NULL;

    nb_env(x->nb, i, s->Z, s->xyz, wk->Zn, wk->rel, wk->r);
    sf_values(e, &env, wk->G);
    memcpy(r->sf_values + r->sf_offset[i], wk->G, (size_t)ns * sizeof *wk->G);
    for (int k = 0; k < ns; k++) wk->s[k] = (wk->G[k] - e->sf[k].shift) * e->sf[k].scale;
    if (cm_eval_energy(cn, ns, wk->s, &Ei, want_f ? wk->gE : NULL, want_h ? wk->HE : NULL, Em,
                       want_f && Em ? wk->gm : NULL, &wk->cm) != NNV_OK)
        return NNV_ENOMEM;
    r->atomic_energies[i] = e->E0 + Ei;
    if (!isfinite(r->atomic_energies[i])) return NNV_ENUMERIC;
    for (int k = 0; Em && k < x->K; k++)
        if (!isfinite(Em[k] += e->E0)) return NNV_ENUMERIC;
    if (want_q) {
        if (cm_eval_charge(cn, ns, wk->s, &qt, want_dq ? wk->gq : NULL, &wk->cm) != NNV_OK) return NNV_ENOMEM;
        r->raw_charges[i] = qt;
    }
    if (!want_f && !want_dq) return NNV_OK;

    for (int k = 0; k < ns; k++) wk->w[k] = want_f ? wk->gE[k] * e->sf[k].scale : 0.0;
    if (want_h) memset(lt->h, 0, (size_t)D * (size_t)D * sizeof *lt->h);
    sf_derivatives(e, &env, wk->w, wk->J, want_h ? lt->h : NULL);

    /* Rows of J in the inner loop: J is read in storage order (k outer), and
     * each f[c] still sums its terms in SF order. */
    if (want_f) {
        memset(lt->f, 0, (size_t)D * sizeof *lt->f);
        for (int k = 0; k < ns; k++) {
            const double *jrow = wk->J + (size_t)k * (size_t)D;
            double wk_k = wk->w[k];
            for (int c = 0; c < D; c++) lt->f[c] -= wk_k * jrow[c];
        }
        /* The members' forces from the same J: one gradient per member. */
        if (Em) {
            memset(lt->fm, 0, (size_t)x->K * (size_t)D * sizeof *lt->fm);
            for (int mb = 0; mb < x->K; mb++) {
                double *fm = lt->fm + (size_t)mb * (size_t)D;
                const double *g = wk->gm + (size_t)mb * (size_t)ns;
                for (int k = 0; k < ns; k++) {
                    const double *jrow = wk->J + (size_t)k * (size_t)D;
                    double wk_k = g[k] * e->sf[k].scale;
                    for (int c = 0; c < D; c++) fm[c] -= wk_k * jrow[c];
                }
            }
        }
    }
    if (want_dq) {
        memset(lt->dq, 0, (size_t)D * sizeof *lt->dq);
        for (int k = 0; k < ns; k++) {
            const double *jrow = wk->J + (size_t)k * (size_t)D;
            double g = wk->gq[k] * e->sf[k].scale;
            for (int c = 0; c < D; c++) lt->dq[c] += g * jrow[c];
        }
    }
    if (want_h) {
        double *H = lt->h;
        /* The SF term sum_k w_k d2G_k is symmetric only up to round-off: take
         * its symmetric part, so that every block, and with it the global
         * sum (added in atom order), is exactly symmetric. */
        for (int a = 0; a < D; a++)
            for (int b = a + 1; b < D; b++) {
                double v = 0.5 * (H[(size_t)a * (size_t)D + (size_t)b] + H[(size_t)b * (size_t)D + (size_t)a]);
                H[(size_t)a * (size_t)D + (size_t)b] = v;
            }
        /* The split keeps the SF term as it stands now, before the network's
         * term joins it in H. */
        if (lt->h_sf) {
            memcpy(lt->h_sf, H, (size_t)D * (size_t)D * sizeof *H);
            mirror_upper(lt->h_sf, D);
        }
        /* Rows of J become rows of S J; then T = H_N (S J) and the upper
         * triangle of H += (S J)^T T. */
        for (int k = 0; k < ns; k++)
            for (int c = 0; c < D; c++) wk->J[(size_t)k * (size_t)D + (size_t)c] *= e->sf[k].scale;
        memset(wk->T, 0, (size_t)ns * (size_t)D * sizeof *wk->T);
        for (int k = 0; k < ns; k++) {
            double *trow = wk->T + (size_t)k * (size_t)D;
            for (int l = 0; l < ns; l++) {
                double h = wk->HE[(size_t)k * (size_t)ns + (size_t)l];
                const double *jrow = wk->J + (size_t)l * (size_t)D;
                if (h == 0.0) continue;
                for (int c = 0; c < D; c++) trow[c] += h * jrow[c];
            }
        }
        add_network_term(H, wk->J, wk->T, ns, D);
        mirror_upper(H, D);
        /* H_net on its own, from zero by the same sums: exactly 0 where the
         * network has no curvature (ReLU: H_N = 0). */
        if (lt->h_net) {
            memset(lt->h_net, 0, (size_t)D * (size_t)D * sizeof *lt->h_net);
            add_network_term(lt->h_net, wk->J, wk->T, ns, D);
            mirror_upper(lt->h_net, D);
        }
    }
    return NNV_OK;
}

/* Add row a of an atom's local D x D block (hrow) to the global row grow:
 * local atom lb is atom i (lb = 0) or its neighbour nbr[lb - 1]. */
static inline void add_local_row(double *grow, const double *hrow, const int *nbr, int i, int m)
{
    for (int lb = 0; lb <= m; lb++) {
        double *g = grow + 3 * (size_t)(lb == 0 ? i : nbr[lb - 1]);
        g[0] += hrow[3 * lb];
        g[1] += hrow[3 * lb + 1];
        g[2] += hrow[3 * lb + 2];
    }
}

/* Add atom i's local terms to the global rows that thread t of n_threads
 * owns (the rows of the atoms j with j % n_threads == t). Every thread walks
 * the atoms in the same order, so each global element sums its terms in
 * atom order whatever the thread count. */
static void scatter_atom(const eval_ctx *x, const local_terms *lt, int i, int t, int n_threads)
{
    const nnv_structure *s = x->s;
    const int *nbr = x->nb->index + x->nb->offset[i];
    int m = x->nb->offset[i + 1] - x->nb->offset[i], D = 3 * (m + 1);
    size_t n3 = x->n3;
    double dx[3];
    for (int q = 0; q < 3; q++) dx[q] = s->xyz[3 * i + q] - x->xbar[q];
    for (int la = 0; la <= m; la++) {
        int ja = la == 0 ? i : nbr[la - 1];
        if (ja % n_threads != t) continue;
        for (int p = 0; p < 3; p++) {
            int a = 3 * la + p;
            size_t ga = 3 * (size_t)ja + (size_t)p;
            if (x->want_f) x->r->forces[ga] += lt->f[a];
            if (x->want_f && lt->fm)
                for (int mb = 0; mb < x->K; mb++)
                    x->r->member_forces[(size_t)mb * n3 + ga] += lt->fm[(size_t)mb * (size_t)D + (size_t)a];
            /* The neutrality correction shifts every charge equally, so it
             * turns x - x_com into x - (geometric centre); see docs. */
            if (x->want_dq)
                for (int q = 0; q < 3; q++) x->r->dipole_deriv[(size_t)q * n3 + ga] += lt->dq[a] * dx[q];
            if (x->want_h) {
                size_t ra = (size_t)a * (size_t)D;
                add_local_row(x->r->hessian + ga * n3, lt->h + ra, nbr, i, m);
                if (x->h_net) {
                    add_local_row(x->h_net + ga * n3, lt->h_net + ra, nbr, i, m);
                    add_local_row(x->h_sf + ga * n3, lt->h_sf + ra, nbr, i, m);
                }
            }
        }
    }
}

/* A zeroed n-double array for the Hessian. From a few hundred atoms on, the
 * scatter writes 3 doubles at a time into rows tens of kB apart, and with 4 kB
 * pages nearly every write misses the TLB; transparent huge pages (where the
 * kernel gives them on request) take that cost away. */
static double *hessian_alloc(size_t n)
{
#ifdef MADV_HUGEPAGE
    const size_t huge = (size_t)2 << 20;
    if (n * sizeof(double) >= 8 * huge) {
        void *p = NULL;
        size_t bytes = (n * sizeof(double) + huge - 1) / huge * huge;
        if (posix_memalign(&p, huge, bytes) != 0) return NULL;
        (void)madvise(p, bytes, MADV_HUGEPAGE); /* advice only: 4 kB pages work too */
        memset(p, 0, n * sizeof(double));
        return p;
    }
#endif
    return calloc(n, sizeof(double));
}

/* The Hessian budget in bytes: max_hessian_mb when positive, else the default. */
static double hessian_budget(double max_hessian_mb)
{
    return (max_hessian_mb > 0.0 ? max_hessian_mb : HESSIAN_BUDGET_MB_DEFAULT) * 1048576.0;
}

/* First non-finite value of v[0..n), or n. */
static size_t first_nonfinite(const double *v, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (!isfinite(v[k])) return k;
    return n;
}

int nnv_compute(nnv_result **out, const nnv_potential *p, const nnv_structure *s, const nnv_compute_options *o,
                nnv_error *err)
{
    return model_compute(out, NULL, NULL, p, s, o, err);
}

int model_compute(nnv_result **out, double **h_net, double **h_sf, const nnv_potential *p, const nnv_structure *s,
                  const nnv_compute_options *o, nnv_error *err)
{
    static const nnv_compute_options energy_only = {0u, 0.0, 0.0};
    unsigned want;
    double total_charge, *net = NULL, *sfc = NULL;
    int N, status = NNV_OK, max_m = 0, max_sf = 1, ext_cap = 0, n_threads = 1, n_work = 0;
    int want_f, want_h, want_q, want_dq, split, fail_atom, fail_status = NNV_OK;
    size_t n3;
    const nnv_element_model **em = NULL;
    double *cutoff = NULL, xbar[3] = {0, 0, 0}, com[3] = {0, 0, 0}, mtot = 0.0;
    nb_list nb = {0, NULL, NULL};
    nnv_result *r = NULL;
    work *wks = NULL;
    double *local = NULL, budget = 0.0;
    local_terms *lts = NULL;
    size_t slot = 0;
    int batch = 1, K = 0;
    cm_nets *nets = NULL;
    double *member_atomic = NULL;
    eval_ctx ctx;

    *out = NULL;
    split = h_net != NULL;
    if (split != (h_sf != NULL)) return nnv_error_set(err, NNV_EUSAGE, "model_compute: the split needs both parts");
    if (split) *h_net = *h_sf = NULL;
    if (!o) o = &energy_only;
    want = o->want | (split ? NNV_WANT_HESSIAN : 0u);
    total_charge = o->total_charge;
    if (!p || !s || s->n_atoms < 1) return nnv_error_set(err, NNV_EUSAGE, "nnv_compute: empty structure");
    if (!(o->max_hessian_mb >= 0.0) || !isfinite(o->max_hessian_mb))
        return nnv_error_set(err, NNV_EUSAGE, "nnv_compute: max_hessian_mb = %g MiB, must be finite and >= 0",
                             o->max_hessian_mb);
    if (!s->Z || !s->xyz || !s->masses)
        return nnv_error_set(err, NNV_EUSAGE, "nnv_compute: structure without atoms, positions or masses");
    N = s->n_atoms;
    n3 = 3 * (size_t)N;
    want_q = (want & (NNV_WANT_CHARGES | NNV_WANT_DIPOLE_DERIV)) && (p->flags & NNV_FLAG_CHARGES);
    want_dq = want_q && (want & NNV_WANT_DIPOLE_DERIV);
    want_h = (want & NNV_WANT_HESSIAN) != 0;
    want_f = want_h || (want & NNV_WANT_FORCES);

    /* A NaN or infinite position would poison every neighbour's results
     * (and the cell list): refuse it, naming the atom. Masses enter the dipole. */
    for (int i = 0; i < N; i++) {
        for (int q = 0; q < 3; q++)
            if (!isfinite(s->xyz[3 * i + q]))
                return nnv_error_set(err, NNV_EINPUT, "atom %d: position %c is not finite (%g)", i + 1, "xyz"[q],
                                     s->xyz[3 * i + q]);
        if (want_q && !(isfinite(s->masses[i]) && s->masses[i] > 0.0))
            return nnv_error_set(err, NNV_EINPUT, "atom %d: mass %g u, must be finite and > 0", i + 1, s->masses[i]);
    }
    if (want_q && !isfinite(total_charge))
        return nnv_error_set(err, NNV_EINPUT, "total charge %g e is not finite", total_charge);
#ifdef _OPENMP
    /* Inside a caller's parallel region (the trainer) stay on this thread. */
    if (N >= OMP_MIN_ATOMS && !omp_in_parallel()) n_threads = omp_get_max_threads();
#endif
    if (want_h) {
        /* The Hessian itself (and the split's two parts) must fit; the local
         * blocks of a batch of atoms are fitted into what is left further
         * down (at least one atom). */
        double bytes = (split ? 3.0 : 1.0) * (double)n3 * (double)n3 * sizeof(double);
        budget = hessian_budget(o->max_hessian_mb);
        if (bytes > budget)
            return nnv_error_set(err, NNV_ENOMEM,
                                 "the Hessian of %d atoms needs %.0f MiB (%s3N x 3N doubles), above the limit of "
                                 "%.0f MiB (set NNVIB_MAX_HESSIAN_MB for the nnvib programs, or max_hessian_mb of "
                                 "nnv_compute_options, to change it; the vibrational analysis needs about 7 times "
                                 "the Hessian's size)",
                                 N, bytes / 1048576.0, split ? "with its two parts 3 x " : "",
                                 budget / 1048576.0);
        budget -= bytes;
    }

    em = malloc((size_t)N * sizeof *em);
    cutoff = malloc((size_t)N * sizeof *cutoff);
    r = calloc(1, sizeof *r);
    if (!em || !cutoff || !r) goto nomem;
    /* Reject a structure the potential cannot describe before any work. */
    for (int i = 0; i < N; i++) {
        em[i] = nnv_potential_element(p, s->Z[i]);
        if (!em[i]) {
            const char *sym = nnv_element_symbol(s->Z[i]);
            status = nnv_error_set(err, NNV_EINPUT,
                                   "atom %d (%s): element Z=%d has no block in the potential", i + 1,
                                   sym ? sym : "?", s->Z[i]);
            goto cleanup;
        }
        cutoff[i] = sf_max_cutoff(em[i]);
        if (em[i]->n_sf > max_sf) max_sf = em[i]->n_sf;
    }
    if ((status = cm_check_networks(p, err)) != NNV_OK) goto cleanup;
    K = p->n_members;
    if (!(nets = calloc((size_t)p->n_elements, sizeof *nets))) goto nomem;
    for (int e = 0; e < p->n_elements; e++)
        if (cm_nets_init(&nets[e], p, &p->elements[e]) != NNV_OK) goto nomem;
    if ((status = nb_build(&nb, N, s->xyz, cutoff, err)) != NNV_OK) goto cleanup;
    for (int i = 0; i < N; i++)
        if (nb.offset[i + 1] - nb.offset[i] > max_m) max_m = nb.offset[i + 1] - nb.offset[i];

    r->n_atoms = N;
    r->atomic_energies = calloc((size_t)N, sizeof *r->atomic_energies);
    r->sf_offset = malloc(((size_t)N + 1) * sizeof *r->sf_offset);
    if (!r->atomic_energies || !r->sf_offset) goto nomem;
    r->sf_offset[0] = 0;
    for (int i = 0; i < N; i++) r->sf_offset[i + 1] = r->sf_offset[i] + em[i]->n_sf;
    r->sf_values = malloc((size_t)r->sf_offset[N] * sizeof *r->sf_values);
    if (!r->sf_values) goto nomem;
    if (want_f && !(r->forces = calloc(n3, sizeof *r->forces))) goto nomem;
    if (want_h && !(r->hessian = hessian_alloc(n3 * n3))) goto nomem;
    if (split && (!(net = hessian_alloc(n3 * n3)) || !(sfc = hessian_alloc(n3 * n3)))) goto nomem;
    if (K > 0) {
        r->n_members = K;
        r->member_energies = calloc((size_t)K, sizeof *r->member_energies);
        member_atomic = calloc((size_t)N * (size_t)K, sizeof *member_atomic);
        if (!r->member_energies || !member_atomic) goto nomem;
        if (want_f && (!(r->member_forces = calloc((size_t)K * n3, sizeof *r->member_forces)) ||
                       !(r->force_std = calloc((size_t)N, sizeof *r->force_std))))
            goto nomem;
    }
    if (want_q) {
        r->has_charges = 1;
        r->total_charge = total_charge;
        r->raw_charges = calloc((size_t)N, sizeof *r->raw_charges);
        r->charges = calloc((size_t)N, sizeof *r->charges);
        if (!r->raw_charges || !r->charges) goto nomem;
        if (want_dq && !(r->dipole_deriv = calloc(3 * n3, sizeof *r->dipole_deriv))) goto nomem;
    }

    for (int i = 0; i < N; i++) {
        mtot += s->masses[i];
        for (int q = 0; q < 3; q++) {
            com[q] += s->masses[i] * s->xyz[3 * i + q];
            xbar[q] += s->xyz[3 * i + q] / N;
        }
    }
    for (int q = 0; q < 3; q++) com[q] /= mtot;

    /* Atoms are evaluated in batches: every thread takes the next atom of
     * the batch (dynamic, so the dense interior and sparse surface of a
     * cluster balance) and keeps its local terms; then the batch is added to
     * the global arrays, each thread owning a set of rows. No partial global
     * arrays, no reduction, and the sums do not depend on the thread count. */
    {
        size_t D = 3 * (size_t)(max_m + 1);
        double cap = LOCAL_BATCH_MB * 1048576.0;
        size_t fm_len = want_f ? (size_t)K * D : 0;
        slot = (want_f || want_dq ? 2 * D : 0) + (want_h ? D * D : 0) + (split ? 2 * D * D : 0) + fm_len;
        if (want_h && budget < cap) cap = budget;
        if (slot > 0) {
            double fit = cap / ((double)slot * sizeof(double));
            batch = fit < 1.0 ? 1 : fit > (double)N ? N : (int)fit;
        } else {
            batch = N;
        }
        if (batch < n_threads) n_threads = batch;
        if (slot > 0 && !(local = malloc((size_t)batch * slot * sizeof *local))) goto nomem;
        if (!(lts = malloc((size_t)batch * sizeof *lts))) goto nomem;
        for (int b = 0; b < batch; b++) {
            double *base = local ? local + (size_t)b * slot : NULL;
            lts[b].f = base;
            lts[b].dq = base ? base + D : NULL;
            lts[b].h = want_h ? base + 2 * D : NULL;
            lts[b].h_net = split ? base + 2 * D + D * D : NULL;
            lts[b].h_sf = split ? base + 2 * D + 2 * D * D : NULL;
            lts[b].fm = fm_len ? base + slot - fm_len : NULL;
        }
    }
    wks = calloc((size_t)n_threads, sizeof *wks);
    if (!wks) goto nomem;
    for (n_work = 0; n_work < n_threads; n_work++)
        if (work_alloc(&wks[n_work], max_m, max_sf, want_h, K) != NNV_OK) {
            n_work++;
            goto nomem;
        }

    ctx = (eval_ctx){s, em, &nb, r, n3, want_f, want_h, want_q, want_dq, xbar, net, sfc,
                     p->elements, nets, K, member_atomic};
    fail_atom = N;
    for (int i0 = 0; i0 < N && fail_status == NNV_OK; i0 += batch) {
        int i1 = i0 + batch < N ? i0 + batch : N;
#ifdef _OPENMP
#pragma omp parallel num_threads(n_threads) if (n_threads > 1)
#endif
        {
            int t = 0, nt = 1;
#ifdef _OPENMP
            t = omp_get_thread_num();
            nt = omp_get_num_threads();
#pragma omp for schedule(dynamic, 1)
#endif
            for (int i = i0; i < i1; i++) {
                int st = eval_atom(&ctx, &wks[t], &lts[i - i0], i);
                if (st != NNV_OK) {
                    /* Report the first failing atom, as a serial loop would. */
#ifdef _OPENMP
#pragma omp critical(nnv_compute_fail)
#endif
                    if (i < fail_atom) fail_atom = i, fail_status = st;
                }
            }
            /* (the omp for ends with a barrier) */
            if (fail_status == NNV_OK && (want_f || want_dq))
                for (int i = i0; i < i1; i++) scatter_atom(&ctx, &lts[i - i0], i, t, nt);
        }
    }
    if (fail_status == NNV_ENOMEM) goto nomem;
    if (fail_status != NNV_OK) {
        status = nnv_error_set(err, NNV_ENUMERIC, "atom %d: the network gave a non-finite energy", fail_atom + 1);
        goto cleanup;
    }
    /* Extrapolation warnings in atom order, from the stored SF values. */
    for (int i = 0; i < N; i++)
        for (int k = 0; k < em[i]->n_sf; k++) {
            const nnv_sf *sf = &em[i]->sf[k];
            double g = r->sf_values[r->sf_offset[i] + k];
            if ((g < sf->gmin || g > sf->gmax) && add_extrapolation(r, &ext_cap, i, k, g, sf) != NNV_OK)
                goto nomem;
        }
    r->energy = 0.0;
    for (int i = 0; i < N; i++) r->energy += r->atomic_energies[i];
    /* Finite atomic energies can still overflow in the sum (found by fuzzing:
     * E0 values near the largest double). */
    if (!isfinite(r->energy)) {
        status = nnv_error_set(err, NNV_ENUMERIC, "the total energy overflows (sum of %d finite atomic energies)", N);
        goto cleanup;
    }
    /* Never hand back NaN or inf: a network whose derivatives overflow (huge
     * weights) fails here, naming the first bad value. */
    if (want_f && first_nonfinite(r->forces, n3) < n3) {
        size_t k = first_nonfinite(r->forces, n3);
        status = nnv_error_set(err, NNV_ENUMERIC, "atom %zu: force component %c is not finite (the network's "
                               "gradient overflowed)", k / 3 + 1, "xyz"[k % 3]);
        goto cleanup;
    }
    if (want_h && first_nonfinite(r->hessian, n3 * n3) < n3 * n3) {
        size_t k = first_nonfinite(r->hessian, n3 * n3);
        status = nnv_error_set(err, NNV_ENUMERIC, "Hessian element (atom %zu %c, atom %zu %c) is not finite (the "
                               "network's second derivative overflowed)", k / n3 / 3 + 1, "xyz"[k / n3 % 3],
                               k % n3 / 3 + 1, "xyz"[k % n3 % 3]);
        goto cleanup;
    }
    if (K > 0 && (status = cm_spread(r, member_atomic, p->spread_scale, err)) != NNV_OK) goto cleanup;
    if (want_q) {
        double sum = 0.0;
        for (int i = 0; i < N; i++) sum += r->raw_charges[i];
        for (int i = 0; i < N; i++) r->charges[i] = r->raw_charges[i] - (sum - total_charge) / N;
        for (int i = 0; i < N; i++)
            for (int q = 0; q < 3; q++) r->dipole[q] += r->charges[i] * (s->xyz[3 * i + q] - com[q]);
        if (want_dq) {
            /* Moving atom j moves the centre of mass too: d(x_i - x_com)/dx_j. */
            for (int j = 0; j < N; j++)
                for (int q = 0; q < 3; q++)
                    r->dipole_deriv[(size_t)q * n3 + 3 * (size_t)j + (size_t)q] +=
                        r->charges[j] - s->masses[j] / mtot * total_charge;
        }
        if (first_nonfinite(r->charges, (size_t)N) < (size_t)N || first_nonfinite(r->dipole, 3) < 3 ||
            (want_dq && first_nonfinite(r->dipole_deriv, 3 * n3) < 3 * n3)) {
            status = nnv_error_set(err, NNV_ENUMERIC, "the charge network gave a non-finite charge, dipole or "
                                   "dipole derivative");
            goto cleanup;
        }
    }
    *out = r;
    r = NULL;
    if (split) {
        *h_net = net;
        *h_sf = sfc;
        net = sfc = NULL;
    }
    goto cleanup;
nomem:
    status = nnv_error_set(err, NNV_ENOMEM, "out of memory evaluating the potential (%d atoms)", s->n_atoms);
cleanup:
    for (int t = 0; t < n_work; t++) work_free(&wks[t]);
    free(wks);
    free(local);
    free(lts);
    nb_free(&nb);
    for (int e = 0; nets && e < p->n_elements; e++) cm_nets_free(&nets[e]);
    free(nets);
    free(member_atomic);
    free(em);
    free(cutoff);
    nnv_result_free(r);
    free(net);
    free(sfc);
    return status;
}
