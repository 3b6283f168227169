/* committee.c: committees of potentials that share their symmetry functions
 * (format version 2): building one from plain potentials, taking a member
 * out as a plain potential, and the per-element networks through which the
 * assembly (model.c) evaluates a committee's mean and its members. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_internal.h"

const char *nnv_committee_kind_name(int kind)
{
    switch (kind) {
    case NNV_COMMITTEE_FULL: return "full";
    case NNV_COMMITTEE_SHALLOW: return "shallow";
    default: return "unknown";
    }
}

/* ---- views: networks whose weights belong to another network -------------- */

/* Member m of a shallow network (last layer n_out = K): the same layers, the
 * last one narrowed to row m. Only dst->layers is owned. */
static int shallow_view(nnv_network *dst, const nnv_network *src, int m)
{
    int L = src->n_layers;
    nnv_layer *last;
    memset(dst, 0, sizeof *dst);
    if (!(dst->layers = malloc((size_t)L * sizeof *dst->layers))) return NNV_ENOMEM;
    memcpy(dst->layers, src->layers, (size_t)L * sizeof *dst->layers);
    dst->n_layers = L;
    last = &dst->layers[L - 1];
    last->W = src->layers[L - 1].W + (size_t)m * (size_t)last->n_in;
    last->b = src->layers[L - 1].b + m;
    last->n_out = 1;
    return NNV_OK;
}

/* Frees only what a view owns: its layer array. */
static void view_free(nnv_network *v)
{
    free(v->layers);
    memset(v, 0, sizeof *v);
}

/* x_0 + sum_{m>0} (x_m - x_0) / K over K values spaced `stride` apart: the
 * mean, exactly x_0 when every x_m equals it. */
static double mean_of(const double *x, int K, size_t stride)
{
    double acc = 0.0;
    for (int m = 1; m < K; m++) acc += x[(size_t)m * stride] - x[0];
    return x[0] + acc / K;
}

/* A shallow network with its last layer replaced by the mean of its K rows
 * (only for an identity last layer, where the mean of the outputs is the
 * output of the mean row). Owns the last layer's W and b and the layer array. */
static int mean_view(nnv_network *dst, const nnv_network *src, int K)
{
    const nnv_layer *sl = &src->layers[src->n_layers - 1];
    nnv_layer *last;
    int rc = shallow_view(dst, src, 0);
    if (rc != NNV_OK) return rc;
    last = &dst->layers[dst->n_layers - 1];
    last->W = malloc((size_t)sl->n_in * sizeof *last->W);
    last->b = malloc(sizeof *last->b);
    if (!last->W || !last->b) {
        free(last->W);
        free(last->b);
        view_free(dst);
        return NNV_ENOMEM;
    }
    for (int i = 0; i < sl->n_in; i++) last->W[i] = mean_of(sl->W + i, K, (size_t)sl->n_in);
    last->b[0] = mean_of(sl->b, K, 1);
    return NNV_OK;
}

/* ---- the networks the assembly evaluates ------------------------------------ */

int cm_nets_init(cm_nets *c, const nnv_potential *p, const nnv_element_model *em)
{
    int K = p->n_members;
    memset(c, 0, sizeof *c);
    if (K <= 0) {
        c->mean = &em->energy;
        c->charge = em->charge.n_layers > 0 ? &em->charge : NULL;
        return NNV_OK;
    }
    c->K = K;
    if (p->committee_kind == NNV_COMMITTEE_FULL) {
        c->members = em->members;
        c->qmembers = em->member_charges;
        return NNV_OK;
    }
    c->charge = em->charge.n_layers > 0 ? &em->charge : NULL;
    /* Member m is a view of the shared layers narrowed to output m: its
     * output and input gradient give the member energies and forces. */
    if (!(c->own_views = calloc((size_t)K, sizeof *c->own_views))) return NNV_ENOMEM;
    for (int m = 0; m < K; m++)
        if (shallow_view(&c->own_views[m], &em->energy, m) != NNV_OK) {
            cm_nets_free(c);
            return NNV_ENOMEM;
        }
    c->members = c->own_views;
    if (em->energy.layers[em->energy.n_layers - 1].activation == NNV_ACT_IDENTITY) {
        /* One network gives the mean and its derivatives at single-network
         * cost (a non-linear last layer does not commute with the mean: then
         * the K members are averaged). */
        if (mean_view(&c->own_mean, &em->energy, K) != NNV_OK) {
            cm_nets_free(c);
            return NNV_ENOMEM;
        }
        c->mean = &c->own_mean;
    }
    return NNV_OK;
}

void cm_nets_free(cm_nets *c)
{
    if (!c) return;
    if (c->own_mean.layers) {
        nnv_layer *last = &c->own_mean.layers[c->own_mean.n_layers - 1];
        free(last->W);
        free(last->b);
        view_free(&c->own_mean);
    }
    if (c->own_views) {
        for (int m = 0; m < c->K; m++) view_free(&c->own_views[m]);
        free(c->own_views);
    }
    memset(c, 0, sizeof *c);
}

void cm_work_free(cm_work *w)
{
    if (!w) return;
    FREE_ALL(w->g, w->H, w->acc_g, w->acc_H);
    net_workspace_free(&w->net);
    memset(w, 0, sizeof *w);
}

static int work_reserve(cm_work *w, size_t n)
{
    if (w->cap >= n && w->g) return NNV_OK;
    FREE_ALL(w->g, w->H, w->acc_g, w->acc_H);
    w->g = malloc(n * sizeof *w->g);
    w->acc_g = malloc(n * sizeof *w->acc_g);
    w->H = malloc(n * n * sizeof *w->H);
    w->acc_H = malloc(n * n * sizeof *w->acc_H);
    w->cap = (w->g && w->acc_g && w->H && w->acc_H) ? n : 0;
    return w->cap ? NNV_OK : NNV_ENOMEM;
}

/* The mean over K networks evaluated one by one (x_0 + sum (x_m - x_0) / K
 * for the output, gradient and Hessian); the members' outputs into Em and
 * gradients into gm when not NULL. */
static int mean_of_members(const nnv_network *nets, int K, int n, const double *s, double *E, double *g,
                           double *H, double *Em, double *gm, cm_work *w)
{
    size_t nn = (size_t)n * (size_t)n;
    double accE = 0.0, e;
    int want_g = g || gm;
    if ((want_g || H) && work_reserve(w, (size_t)n) != NNV_OK) return NNV_ENOMEM;
    if (want_g) memset(w->acc_g, 0, (size_t)n * sizeof *w->acc_g);
    if (H) memset(w->acc_H, 0, nn * sizeof *w->acc_H);
    for (int m = 0; m < K; m++) {
        double *gmm = !want_g ? NULL : gm ? gm + (size_t)m * (size_t)n : m == 0 && g ? g : w->g;
        double *Hm = !H ? NULL : m == 0 ? H : w->H;
        if (net_eval(&nets[m], s, &e, gmm, Hm, &w->net) != NNV_OK) return NNV_ENOMEM;
        if (Em) Em[m] = e;
        if (m == 0) {
            *E = e;
            if (g && gmm != g) memcpy(g, gmm, (size_t)n * sizeof *g);
            continue;
        }
        accE += e - *E;
        if (g)
            for (int k = 0; k < n; k++) w->acc_g[k] += gmm[k] - g[k];
        if (H)
            for (size_t k = 0; k < nn; k++) w->acc_H[k] += Hm[k] - H[k];
    }
    *E += accE / K;
    if (g)
        for (int k = 0; k < n; k++) g[k] += w->acc_g[k] / K;
    if (H)
        for (size_t k = 0; k < nn; k++) H[k] += w->acc_H[k] / K;
    return NNV_OK;
}

int cm_eval_energy(const cm_nets *c, int n, const double *s, double *E, double *g, double *H, double *Em,
                   double *gm, cm_work *w)
{
    if (!c->K) return net_eval(c->mean, s, E, g, H, &w->net);
    if (!c->mean) return mean_of_members(c->members, c->K, n, s, E, g, H, Em, gm, w);
    if (net_eval(c->mean, s, E, g, H, &w->net) != NNV_OK) return NNV_ENOMEM;
    /* The members' outputs and gradients, without their Hessians. */
    for (int m = 0; m < c->K; m++)
        if (net_eval(&c->members[m], s, &Em[m], gm ? gm + (size_t)m * (size_t)n : NULL, NULL, &w->net) != NNV_OK)
            return NNV_ENOMEM;
    return NNV_OK;
}

int cm_eval_charge(const cm_nets *c, int n, const double *s, double *q, double *gq, cm_work *w)
{
    if (c->qmembers) return mean_of_members(c->qmembers, c->K, n, s, q, gq, NULL, NULL, NULL, w);
    return net_eval(c->charge, s, q, gq, NULL, &w->net);
}

/* ---- checks and spreads of nnv_compute ---------------------------------------- */

/* Every element has the networks its committee kind says it has, so that a
 * potential built in memory cannot make the assembly read what is absent. */
int cm_check_networks(const nnv_potential *p, nnv_error *err)
{
    int K = p->n_members, full = K > 0 && p->committee_kind == NNV_COMMITTEE_FULL;
    int charges = (p->flags & NNV_FLAG_CHARGES) != 0;
    if (K < 0 || K == 1 || K > NNV_COMMITTEE_MAX ||
        (K > 0 && p->committee_kind != NNV_COMMITTEE_FULL && p->committee_kind != NNV_COMMITTEE_SHALLOW) ||
        (K > 0 && !(p->spread_scale > 0.0 && isfinite(p->spread_scale))))
        return nnv_error_set(err, NNV_EUSAGE, "nnv_compute: committee of %d members, kind %d, spread_scale %g: "
                             "not a valid committee", K, p->committee_kind, p->spread_scale);
    for (int e = 0; e < p->n_elements; e++) {
        const nnv_element_model *el = &p->elements[e];
        int ok = 1;
        if (full) {
            ok = el->members && (!charges || el->member_charges);
            for (int m = 0; ok && m < K; m++)
                ok = el->members[m].n_layers > 0 && (!charges || el->member_charges[m].n_layers > 0);
        } else {
            ok = el->energy.n_layers > 0 && el->energy.layers &&
                 el->energy.layers[el->energy.n_layers - 1].n_out == (K > 0 ? K : 1) &&
                 (!charges || el->charge.n_layers > 0);
        }
        if (!ok)
            return nnv_error_set(err, NNV_EUSAGE, "nnv_compute: element Z=%d lacks the networks of a %s", el->Z,
                                 K > 0 ? (full ? "full committee" : "shallow committee") : "potential");
    }
    return NNV_OK;
}

/* The members' energies (atomic ones summed in atom order), their spread
 * and, with forces, each atom's force spread: spread_scale times the sample
 * standard deviation over the K members (divided by K - 1), of the energy,
 * and of the three force components together (the RMS of their deviations). */
int cm_spread(nnv_result *r, const double *member_atomic, double scale, nnv_error *err)
{
    int K = r->n_members, N = r->n_atoms;
    size_t n3 = 3 * (size_t)N;
    double mean, ss = 0.0;
    for (int m = 0; m < K; m++) {
        double e = 0.0;
        for (int i = 0; i < N; i++) e += member_atomic[(size_t)i * (size_t)K + (size_t)m];
        if (!isfinite(e))
            return nnv_error_set(err, NNV_ENUMERIC, "committee member %d: the total energy is not finite", m + 1);
        r->member_energies[m] = e;
    }
    mean = r->member_energies[0];
    {
        double acc = 0.0;
        for (int m = 1; m < K; m++) acc += r->member_energies[m] - r->member_energies[0];
        mean += acc / K;
    }
    for (int m = 0; m < K; m++) ss += (r->member_energies[m] - mean) * (r->member_energies[m] - mean);
    r->energy_std = scale * sqrt(ss / (K - 1));
    if (!isfinite(r->energy_std)) return nnv_error_set(err, NNV_ENUMERIC, "the committee's energy spread overflows");
    if (!r->member_forces) return NNV_OK;
    for (size_t k = 0; k < (size_t)K * n3; k++)
        if (!isfinite(r->member_forces[k]))
            return nnv_error_set(err, NNV_ENUMERIC, "committee member %zu: atom %zu: force component %c is not finite",
                                 k / n3 + 1, k % n3 / 3 + 1, "xyz"[k % 3]);
    for (int i = 0; i < N; i++) {
        double sq = 0.0;
        for (int c = 0; c < 3; c++) {
            const double *f = r->member_forces + 3 * (size_t)i + (size_t)c;
            double acc = 0.0, fbar;
            for (int m = 1; m < K; m++) acc += f[(size_t)m * n3] - f[0];
            fbar = f[0] + acc / K;
            for (int m = 0; m < K; m++) sq += (f[(size_t)m * n3] - fbar) * (f[(size_t)m * n3] - fbar);
        }
        r->force_std[i] = scale * sqrt(sq / (3.0 * (K - 1)));
    }
    for (int i = 0; i < N; i++)
        if (!isfinite(r->force_std[i]))
            return nnv_error_set(err, NNV_ENUMERIC, "atom %d: the committee's force spread overflows", i + 1);
    return NNV_OK;
}

/* ---- members as plain potentials ----------------------------------------------- */

int cm_member_view(nnv_potential **view, const nnv_potential *c, int m)
{
    nnv_potential *v = calloc(1, sizeof *v);
    *view = NULL;
    if (!v) return NNV_ENOMEM;
    *v = *c; /* description, warnings and SF arrays stay c's */
    v->flags &= ~NNV_FLAG_COMMITTEE;
    v->n_members = 0;
    v->committee_kind = 0;
    v->spread_scale = 0.0;
    if (!(v->elements = calloc((size_t)c->n_elements, sizeof *v->elements))) {
        free(v);
        return NNV_ENOMEM;
    }
    for (int e = 0; e < c->n_elements; e++) {
        const nnv_element_model *s = &c->elements[e];
        nnv_element_model *d = &v->elements[e];
        d->Z = s->Z;
        d->E0 = s->E0;
        d->n_sf = s->n_sf;
        d->sf = s->sf;
        if (c->committee_kind == NNV_COMMITTEE_FULL) {
            /* Borrowed whole: the layer array is copied so that every view
             * owns exactly its layer arrays. */
            if (shallow_view(&d->energy, &s->members[m], 0) != NNV_OK) goto nomem;
            if (s->member_charges && shallow_view(&d->charge, &s->member_charges[m], 0) != NNV_OK) goto nomem;
        } else {
            if (shallow_view(&d->energy, &s->energy, m) != NNV_OK) goto nomem;
            if (s->charge.n_layers > 0 && shallow_view(&d->charge, &s->charge, 0) != NNV_OK) goto nomem;
        }
    }
    *view = v;
    return NNV_OK;
nomem:
    cm_view_free(v);
    return NNV_ENOMEM;
}

void cm_view_free(nnv_potential *view)
{
    if (!view) return;
    for (int e = 0; view->elements && e < view->n_elements; e++) {
        view_free(&view->elements[e].energy);
        view_free(&view->elements[e].charge);
    }
    free(view->elements);
    free(view);
}

int nnv_committee_member(nnv_potential **out, const nnv_potential *c, int m, nnv_error *err)
{
    nnv_potential *v = NULL;
    int rc;
    if (!out) return nnv_error_set(err, NNV_EUSAGE, "nnv_committee_member: no output");
    *out = NULL;
    if (!c || c->n_members < NNV_COMMITTEE_MIN || !c->elements)
        return nnv_error_set(err, NNV_EUSAGE, "nnv_committee_member: not a committee");
    if (m < 0 || m >= c->n_members)
        return nnv_error_set(err, NNV_EUSAGE, "nnv_committee_member: member %d out of range 0..%d", m,
                             c->n_members - 1);
    if (cm_member_view(&v, c, m) != NNV_OK)
        return nnv_error_set(err, NNV_ENOMEM, "nnv_committee_member: out of memory");
    rc = nnv_potential_copy(out, v, err);
    cm_view_free(v);
    return rc;
}

/* ---- building a committee ------------------------------------------------------ */

/* Name of the first SF parameter in which a and b differ, or NULL. */
static const char *sf_differs(const nnv_sf *a, const nnv_sf *b)
{
    if (a->type != b->type) return "type";
    if (a->Zj != b->Zj) return "Zj";
    if (a->Zk != b->Zk) return "Zk";
    if (a->cutoff != b->cutoff) return "cutoff";
    if (a->rc != b->rc) return "rc";
    if (a->cutoff_alpha != b->cutoff_alpha) return "cutoff_alpha";
    if (a->eta != b->eta) return "eta";
    if (a->rs != b->rs) return "rs";
    if (a->zeta != b->zeta) return "zeta";
    if (a->lambda != b->lambda) return "lambda";
    if (a->shift != b->shift) return "shift";
    if (a->scale != b->scale) return "scale";
    return NULL;
}

static int layer_equal(const nnv_layer *a, const nnv_layer *b)
{
    size_t nw = (size_t)a->n_in * (size_t)a->n_out;
    if (a->activation != b->activation || a->param != b->param || a->n_in != b->n_in || a->n_out != b->n_out)
        return 0;
    for (size_t k = 0; k < nw; k++)
        if (a->W[k] != b->W[k]) return 0;
    for (int o = 0; o < a->n_out; o++)
        if (a->b[o] != b->b[o]) return 0;
    return 1;
}

static int network_equal(const nnv_network *a, const nnv_network *b)
{
    if (a->n_layers != b->n_layers) return 0;
    for (int l = 0; l < a->n_layers; l++)
        if (!layer_equal(&a->layers[l], &b->layers[l])) return 0;
    return 1;
}

/* A network the committee can take: layers with weights, one output. */
static int usable_network(const nnv_network *n)
{
    if (n->n_layers < 1 || !n->layers) return 0;
    for (int l = 0; l < n->n_layers; l++)
        if (!n->layers[l].W || !n->layers[l].b || n->layers[l].n_in < 1 || n->layers[l].n_out < 1) return 0;
    return n->layers[n->n_layers - 1].n_out == 1;
}

/* Can member m join member 0 (element e)? NNV_OK or NNV_EINPUT naming what differs. */
static int check_member_element(const nnv_potential *const *mb, int m, int e, int kind, nnv_error *err)
{
    const nnv_element_model *a = &mb[0]->elements[e], *b = &mb[m]->elements[e];
    const char *sym = nnv_element_symbol(a->Z) ? nnv_element_symbol(a->Z) : "?";
    int charges = (mb[0]->flags & NNV_FLAG_CHARGES) != 0;
    if (b->Z != a->Z)
        return nnv_error_set(err, NNV_EINPUT, "committee: member %d: element block %d is Z=%d, member 0's is Z=%d (%s)",
                             m, e + 1, b->Z, a->Z, sym);
    if (b->n_sf != a->n_sf)
        return nnv_error_set(err, NNV_EINPUT, "committee: member %d: element %s has %d symmetry functions, member 0 "
                             "has %d", m, sym, b->n_sf, a->n_sf);
    for (int k = 0; k < a->n_sf; k++) {
        const char *field = sf_differs(&a->sf[k], &b->sf[k]);
        if (field)
            return nnv_error_set(err, NNV_EINPUT, "committee: member %d: element %s symmetry function %d: %s differs "
                                 "from member 0's (members must share their symmetry functions)", m, sym, k + 1, field);
    }
    if (!usable_network(&b->energy) || (charges && !usable_network(&b->charge)))
        return nnv_error_set(err, NNV_EINPUT, "committee: member %d: element %s: %s network missing or not a "
                             "one-output network", m, sym, usable_network(&b->energy) ? "charge" : "energy");
    if (b->E0 != a->E0 && b->energy.layers[b->energy.n_layers - 1].activation != NNV_ACT_IDENTITY)
        return nnv_error_set(err, NNV_EINPUT, "committee: member %d: element %s: E0 differs from member 0's and the "
                             "energy network's last layer is not linear, so the difference cannot move into its bias",
                             m, sym);
    if (kind == NNV_COMMITTEE_SHALLOW) {
        const nnv_network *x = &a->energy, *y = &b->energy;
        const nnv_layer *lx, *ly;
        if (x->n_layers != y->n_layers)
            return nnv_error_set(err, NNV_EINPUT, "committee: member %d: element %s energy network has %d layers, "
                                 "member 0's %d (a shallow committee shares all but the last layer)", m, sym,
                                 y->n_layers, x->n_layers);
        for (int l = 0; l + 1 < x->n_layers; l++)
            if (!layer_equal(&x->layers[l], &y->layers[l]))
                return nnv_error_set(err, NNV_EINPUT, "committee: member %d: element %s energy network layer %d "
                                     "differs from member 0's (a shallow committee shares all but the last layer)",
                                     m, sym, l + 1);
        lx = &x->layers[x->n_layers - 1];
        ly = &y->layers[y->n_layers - 1];
        if (lx->activation != ly->activation || lx->param != ly->param || lx->n_in != ly->n_in)
            return nnv_error_set(err, NNV_EINPUT, "committee: member %d: element %s energy network's last layer has "
                                 "another activation or width than member 0's", m, sym);
        if (charges && !network_equal(&a->charge, &b->charge))
            return nnv_error_set(err, NNV_EINPUT, "committee: member %d: element %s charge network differs from "
                                 "member 0's (a shallow committee has one charge network for all members)", m, sym);
    }
    return NNV_OK;
}

/* Member 0's element blocks, SFs and networks become the committee's; the
 * other members' networks are copied into it. */
static int assemble(nnv_potential *q, const nnv_potential *const *mb, int K, int kind)
{
    int charges = (q->flags & NNV_FLAG_CHARGES) != 0, ok = 1;
    for (int e = 0; e < q->n_elements && ok; e++) {
        nnv_element_model *d = &q->elements[e];
        /* The union of the members' training ranges. */
        for (int m = 1; m < K; m++)
            for (int k = 0; k < d->n_sf; k++) {
                const nnv_sf *sf = &mb[m]->elements[e].sf[k];
                if (sf->gmin < d->sf[k].gmin) d->sf[k].gmin = sf->gmin;
                if (sf->gmax > d->sf[k].gmax) d->sf[k].gmax = sf->gmax;
            }
        if (kind == NNV_COMMITTEE_FULL) {
            if (!(d->members = calloc((size_t)K, sizeof *d->members))) return NNV_ENOMEM;
            if (charges && !(d->member_charges = calloc((size_t)K, sizeof *d->member_charges))) return NNV_ENOMEM;
            d->members[0] = d->energy;
            memset(&d->energy, 0, sizeof d->energy);
            if (charges) {
                d->member_charges[0] = d->charge;
                memset(&d->charge, 0, sizeof d->charge);
            }
            for (int m = 1; m < K && ok; m++) {
                const nnv_element_model *s = &mb[m]->elements[e];
                ok = potential_network_copy(&d->members[m], &s->energy) &&
                     (!charges || potential_network_copy(&d->member_charges[m], &s->charge));
                /* The members share E0: the difference moves into the bias
                 * (the last layer is linear, checked above). */
                if (ok && s->E0 != d->E0)
                    d->members[m].layers[d->members[m].n_layers - 1].b[0] += s->E0 - d->E0;
            }
        } else {
            nnv_layer *last = &d->energy.layers[d->energy.n_layers - 1];
            int n_in = last->n_in;
            double *W = malloc((size_t)K * (size_t)n_in * sizeof *W), *b = malloc((size_t)K * sizeof *b);
            if (!W || !b) {
                free(W);
                free(b);
                return NNV_ENOMEM;
            }
            for (int m = 0; m < K; m++) {
                const nnv_element_model *s = &mb[m]->elements[e];
                const nnv_layer *sl = &s->energy.layers[s->energy.n_layers - 1];
                memcpy(W + (size_t)m * (size_t)n_in, sl->W, (size_t)n_in * sizeof *W);
                b[m] = sl->b[0] + (s->E0 != d->E0 ? s->E0 - d->E0 : 0.0);
            }
            free(last->W);
            free(last->b);
            last->W = W;
            last->b = b;
            last->n_out = K;
        }
    }
    return ok ? NNV_OK : NNV_ENOMEM;
}

int nnv_committee_build(nnv_potential **out, const nnv_potential *const *members, int n_members, int kind,
                        double spread_scale, nnv_error *err)
{
    const nnv_potential *const *mb = members;
    nnv_potential *q = NULL;
    int K = n_members, rc;

    if (!out) return nnv_error_set(err, NNV_EUSAGE, "nnv_committee_build: no output");
    *out = NULL;
    if (!mb || K < NNV_COMMITTEE_MIN || K > NNV_COMMITTEE_MAX)
        return nnv_error_set(err, NNV_EUSAGE, "nnv_committee_build: %d members, must be %d..%d", K,
                             NNV_COMMITTEE_MIN, NNV_COMMITTEE_MAX);
    if (kind != NNV_COMMITTEE_FULL && kind != NNV_COMMITTEE_SHALLOW)
        return nnv_error_set(err, NNV_EUSAGE, "nnv_committee_build: kind %d, must be NNV_COMMITTEE_FULL (0) or "
                             "NNV_COMMITTEE_SHALLOW (1)", kind);
    if (!(spread_scale > 0.0) || !isfinite(spread_scale))
        return nnv_error_set(err, NNV_EUSAGE, "nnv_committee_build: spread_scale %g, must be finite and > 0",
                             spread_scale);
    for (int m = 0; m < K; m++) {
        if (!mb[m] || !mb[m]->elements || mb[m]->n_elements < 1)
            return nnv_error_set(err, NNV_EUSAGE, "nnv_committee_build: member %d is NULL or has no elements", m);
        if (mb[m]->n_members != 0 || (mb[m]->flags & NNV_FLAG_COMMITTEE))
            return nnv_error_set(err, NNV_EINPUT, "committee: member %d is itself a committee (take its members "
                                 "apart first)", m);
        if ((mb[m]->flags & NNV_FLAG_CHARGES) != (mb[0]->flags & NNV_FLAG_CHARGES))
            return nnv_error_set(err, NNV_EINPUT, "committee: member %d %s charge networks, member 0 %s", m,
                                 (mb[m]->flags & NNV_FLAG_CHARGES) ? "has" : "has no",
                                 (mb[0]->flags & NNV_FLAG_CHARGES) ? "has" : "has none");
        if (mb[m]->n_elements != mb[0]->n_elements)
            return nnv_error_set(err, NNV_EINPUT, "committee: member %d has %d elements, member 0 has %d", m,
                                 mb[m]->n_elements, mb[0]->n_elements);
        for (int e = 0; e < mb[0]->n_elements; e++)
            if ((rc = check_member_element(mb, m, e, kind, err)) != NNV_OK) return rc;
    }
    if ((rc = nnv_potential_copy(&q, mb[0], err)) != NNV_OK) return rc;
    nnv_warnings_clear(&q->warnings); /* member 0's reader findings are not the committee's */
    q->flags |= NNV_FLAG_COMMITTEE;
    q->n_members = K;
    q->committee_kind = kind;
    q->spread_scale = spread_scale;
    if (assemble(q, mb, K, kind) != NNV_OK) {
        nnv_potential_free(q);
        return nnv_error_set(err, NNV_ENOMEM, "nnv_committee_build: out of memory");
    }
    *out = q;
    return NNV_OK;
}
