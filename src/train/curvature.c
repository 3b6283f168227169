/* curvature.c: the trainer's curvature term, w_H |H_NN v - H_teacher v|^2 over
 * the probes of a configuration, and its exact weight gradient.
 *
 * E = sum_i N(s_i(x)), so the network's Hessian times a probe v is
 *   H v = sum_i [ K_i^T g_i + (S J_i)^T Hn_i w_i ],  w_i = S J_i v_i,
 * with g_i = dN/ds, Hn_i = d2N/ds2 at s_i and K_i = S dJ_i/dx . v_i the
 * derivative of the scaled Jacobian along the probe (v_i: the probe's
 * components on atom i's environment). K_i and w_i do not depend on the
 * weights and are computed once, exactly (sf_jacobian_dir). With
 * rho = dL/d(H v) the gradient is that of sum_i [a_i . g_i + b_i^T Hn_i w_i],
 * a_i = K_i rho_i, b_i = S J_i rho_i, which curvnet.c differentiates. */
#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "curvature.h"
#include "model/model_internal.h"

void tr_curv_free(tr_curv *c)
{
    if (!c) return;
    FREE_ALL(c->v, c->ref, c->K, c->w);
    memset(c, 0, sizeof *c);
}

int tr_curv_setup(tr_curv *c, const tr_frame *t, const ds_frame *d, const nnv_potential *pot, const nb_list *nb,
                  int n_probes, nnv_error *err)
{
    int N = t->n_atoms, max_m = 0, rc = NNV_OK;
    size_t n3 = 3 * (size_t)N, ns = t->s_off[N], nj = t->j_off[N];
    int *Zn = NULL;
    double *rel = NULL, *r = NULL, *J = NULL, *loc = NULL;
    memset(c, 0, sizeof *c);
    if (n_probes > d->n_hvp) n_probes = d->n_hvp;
    if (n_probes <= 0) return NNV_OK;
    for (int i = 0; i < N; i++)
        if (nb->offset[i + 1] - nb->offset[i] > max_m) max_m = nb->offset[i + 1] - nb->offset[i];
    c->n = n_probes;
    c->v = malloc((size_t)n_probes * n3 * sizeof *c->v);
    c->ref = malloc((size_t)n_probes * n3 * sizeof *c->ref);
    c->K = malloc((size_t)n_probes * nj * sizeof *c->K);
    c->w = malloc((size_t)n_probes * ns * sizeof *c->w);
    Zn = malloc(((size_t)max_m + 1) * sizeof *Zn);
    rel = malloc(3 * ((size_t)max_m + 1) * sizeof *rel);
    r = malloc(((size_t)max_m + 1) * sizeof *r);
    loc = malloc(3 * ((size_t)max_m + 1) * sizeof *loc);
    J = malloc((t->s_off[N] ? nj : 1) * sizeof *J);
    if (!c->v || !c->ref || !c->K || !c->w || !Zn || !rel || !r || !loc || !J) {
        rc = nnv_error_set(err, NNV_ENOMEM, "out of memory for the curvature labels");
        tr_curv_free(c);
        goto done;
    }
    memcpy(c->v, d->hvp_probe, (size_t)n_probes * n3 * sizeof *c->v);
    memcpy(c->ref, d->hvp, (size_t)n_probes * n3 * sizeof *c->ref);
    for (int i = 0; i < N; i++) {
        const nnv_element_model *em = &pot->elements[t->el[i]];
        sf_env env = {nb->offset[i + 1] - nb->offset[i], Zn, rel, r};
        int D = 3 * (env.m + 1);
        const double *SJ = t->SJ + t->j_off[i];
        nb_env(nb, i, d->Z, d->xyz, Zn, rel, r);
        for (int p = 0; p < n_probes; p++) {
            double *K = c->K + (size_t)p * nj + t->j_off[i], *w = c->w + (size_t)p * ns + t->s_off[i];
            tr_gather_local(t, i, c->v + (size_t)p * n3, loc);
            sf_jacobian_dir(em, &env, loc, J, K);
            for (int k = 0; k < em->n_sf; k++) {
                double *Kr = K + (size_t)k * (size_t)D, s = 0.0;
                const double *row = SJ + (size_t)k * (size_t)D;
                for (int q = 0; q < D; q++) {
                    Kr[q] *= em->sf[k].scale;
                    s += row[q] * loc[q];
                }
                w[k] = s;
            }
        }
    }
done:
    FREE_ALL(Zn, rel, r, J, loc);
    return rc;
}

int tr_curv_ws_alloc(tr_curv_ws *w, const tr_problem *pb)
{
    size_t A = (size_t)pb->max_atoms, S = (size_t)pb->max_sf, D = (size_t)pb->max_D;
    memset(w, 0, sizeof *w);
    for (int e = 0; e < pb->n_el; e++)
        if (cn_ws_alloc(&w->net, &pb->cnet[e]) != NNV_OK) goto nomem;
    w->vec = malloc((2 * S + D) * sizeof *w->vec);
    w->atoms = malloc(A * sizeof *w->atoms);
    if (!w->vec || !w->atoms) goto nomem;
    if (pb->ctheta != pb->theta && !(w->gc = calloc((size_t)pb->n_params, sizeof *w->gc))) goto nomem;
    return NNV_OK;
nomem:
    tr_curv_ws_free(w);
    return NNV_ENOMEM;
}

void tr_curv_ws_free(tr_curv_ws *w)
{
    if (!w) return;
    cn_ws_free(&w->net);
    cnb_ws_free(&w->nb);
    FREE_ALL(w->hv, w->rho, w->vec, w->G, w->HW, w->atoms, w->gc);
    w->cap_rows = 0;
    w->cap_hv = 0;
}

/* Room for R rows of the widest input and n_hv products (3N each, all probes). */
static int reserve(tr_curv_ws *w, const tr_problem *pb, int R, size_t n_hv)
{
    if ((size_t)R > w->cap_rows) {
        size_t n = (size_t)R * (size_t)pb->max_sf;
        double *g = realloc(w->G, n * sizeof *g), *h;
        if (!g) return NNV_ENOMEM;
        w->G = g;
        if (!(h = realloc(w->HW, n * sizeof *h))) return NNV_ENOMEM;
        w->HW = h;
        w->cap_rows = (size_t)R;
    }
    if (n_hv > w->cap_hv) {
        double *a = realloc(w->hv, n_hv * sizeof *a), *b;
        if (!a) return NNV_ENOMEM;
        w->hv = a;
        if (!(b = realloc(w->rho, n_hv * sizeof *b))) return NNV_ENOMEM;
        w->rho = b;
        w->cap_hv = n_hv;
    }
    return NNV_OK;
}

/* The atoms of element e in frame t into w->atoms; their count. */
static int atoms_of(const tr_frame *t, int e, int *atoms)
{
    int n = 0;
    for (int i = 0; i < t->n_atoms; i++)
        if (t->el[i] == e) atoms[n++] = i;
    return n;
}

/* Fills input blocks P (the atoms' SFs) and W (S J_i v_i) for rows
 * r = p Ne + j (probe p, j-th atom of the element). */
static void fill_pw(const tr_frame *t, const tr_curv *c, const int *atoms, int Ne, int n_in, double *P, double *W)
{
    size_t ns = t->s_off[t->n_atoms];
    for (int p = 0; p < c->n; p++)
        for (int j = 0; j < Ne; j++) {
            size_t r = (size_t)p * (size_t)Ne + (size_t)j, o = t->s_off[atoms[j]];
            memcpy(P + r * (size_t)n_in, t->s + o, (size_t)n_in * sizeof *P);
            memcpy(W + r * (size_t)n_in, c->w + (size_t)p * ns + o, (size_t)n_in * sizeof *W);
        }
}

/* H_NN v of every probe into w->hv (probe p at p 3N): per element, the
 * networks' g and H w of all its atoms and probes in one batched pass. */
static int frame_hv(const tr_problem *pb, const tr_frame *t, const tr_curv *c, tr_curv_ws *w)
{
    int N = t->n_atoms;
    size_t n3 = 3 * (size_t)N, nj = t->j_off[N];
    double *loc = w->vec;
    if (reserve(w, pb, c->n * N, (size_t)c->n * n3) != NNV_OK) return NNV_ENOMEM;
    memset(w->hv, 0, (size_t)c->n * n3 * sizeof *w->hv);
    for (int e = 0; e < pb->n_el; e++) {
        const tr_net *nt = &pb->cnet[e];
        int Ne = atoms_of(t, e, w->atoms), n = nt->size[0], R = c->n * Ne;
        if (Ne == 0) continue;
        if (cnb_ws_reserve(&w->nb, nt, R) != NNV_OK) return NNV_ENOMEM;
        fill_pw(t, c, w->atoms, Ne, n, cnb_in(&w->nb, CNB_P, R, n), cnb_in(&w->nb, CNB_W, R, n));
        cnb_grad_hvp(nt, pb->ctheta, R, w->G, w->HW, &w->nb);
        for (int p = 0; p < c->n; p++) {
            for (int j = 0; j < Ne; j++) {
                int i = w->atoms[j], m = t->nb_off[i + 1] - t->nb_off[i], D = 3 * (m + 1);
                size_t r = (size_t)p * (size_t)Ne + (size_t)j;
                const double *SJ = t->SJ + t->j_off[i], *K = c->K + (size_t)p * nj + t->j_off[i];
                const double *g = w->G + r * (size_t)n, *hw = w->HW + r * (size_t)n;
                double *hv = w->hv + (size_t)p * n3;
                /* K^T g + (S J)^T H w: two dgemv (BLAS vector kernels; the
                 * arrays are read once each). */
                cblas_dgemv(CblasRowMajor, CblasTrans, n, D, 1.0, K, D, g, 1, 0.0, loc, 1);
                cblas_dgemv(CblasRowMajor, CblasTrans, n, D, 1.0, SJ, D, hw, 1, 1.0, loc, 1);
                tr_scatter_local(t, i, 1.0, loc, hv);
            }
        }
    }
    return NNV_OK;
}

int tr_curv_hv(const tr_problem *pb, const tr_frame *t, const tr_curv *c, int p, tr_curv_ws *w, double *hv)
{
    size_t n3 = 3 * (size_t)t->n_atoms;
    if (frame_hv(pb, t, c, w) != NNV_OK) return NNV_ENOMEM;
    memcpy(hv, w->hv + (size_t)p * n3, n3 * sizeof *hv);
    return NNV_OK;
}

int tr_curv_loss(const tr_problem *pb, const tr_frame *t, const tr_curv *c, double nrm, tr_curv_ws *w,
                 double *loss, double *sse, double *grad)
{
    int N = t->n_atoms;
    size_t n3 = 3 * (size_t)N, tot = (size_t)c->n * n3, nj = t->j_off[N];
    double *loc = w->vec;
    if (frame_hv(pb, t, c, w) != NNV_OK) return NNV_ENOMEM;
    for (size_t q = 0; q < tot; q++) {
        double d = w->hv[q] - c->ref[q];
        *sse += d * d;
        *loss += nrm * d * d;
        w->rho[q] = 2.0 * nrm * d;
    }
    if (!grad) return NNV_OK;
    for (int e = 0; e < pb->n_el; e++) {
        const tr_net *nt = &pb->cnet[e];
        int Ne = atoms_of(t, e, w->atoms), n = nt->size[0], R = c->n * Ne;
        double *A, *B;
        if (Ne == 0) continue;
        if (cnb_ws_reserve(&w->nb, nt, R) != NNV_OK) return NNV_ENOMEM;
        fill_pw(t, c, w->atoms, Ne, n, cnb_in(&w->nb, CNB_P, R, n), cnb_in(&w->nb, CNB_W, R, n));
        A = cnb_in(&w->nb, CNB_A, R, n);
        B = cnb_in(&w->nb, CNB_B, R, n);
        for (int p = 0; p < c->n; p++) {
            for (int j = 0; j < Ne; j++) {
                int i = w->atoms[j], m = t->nb_off[i + 1] - t->nb_off[i], D = 3 * (m + 1);
                size_t r = (size_t)p * (size_t)Ne + (size_t)j;
                const double *SJ = t->SJ + t->j_off[i], *K = c->K + (size_t)p * nj + t->j_off[i];
                tr_gather_local(t, i, w->rho + (size_t)p * n3, loc);
                /* a = K rho, b = S J rho (dot products as dgemv: a plain loop is
                 * a serial chain of additions). */
                cblas_dgemv(CblasRowMajor, CblasNoTrans, n, D, 1.0, K, D, loc, 1, 0.0, A + r * (size_t)n, 1);
                cblas_dgemv(CblasRowMajor, CblasNoTrans, n, D, 1.0, SJ, D, loc, 1, 0.0, B + r * (size_t)n, 1);
            }
        }
        cnb_backward(nt, pb->ctheta, R, grad, &w->nb);
    }
    return NNV_OK;
}

void tr_curv_sync(tr_problem *pb)
{
    if (pb->ctheta == pb->theta) return;
    memcpy(pb->ctheta, pb->theta, (size_t)pb->n_params * sizeof *pb->ctheta);
    for (int e = 0; e < pb->n_el; e++) {
        const tr_net *nt = &pb->enet[e];
        int L = nt->n_layers - 1, ni = nt->size[L], K = pb->K;
        const double *W = pb->theta + nt->woff[L], *b = pb->theta + nt->boff[L];
        double *wm = pb->ctheta + nt->woff[L], sb = 0.0;
        for (int i = 0; i < ni; i++) {
            double s = 0.0;
            for (int k = 0; k < K; k++) s += W[(size_t)k * (size_t)ni + (size_t)i];
            wm[i] = s / K;
        }
        for (int k = 0; k < K; k++) sb += b[k];
        pb->ctheta[nt->boff[L]] = sb / K;
    }
}

void tr_curv_fold(const tr_problem *pb, double *gc, double *grad)
{
    size_t np = (size_t)pb->n_params;
    /* The mean's output weights are (1/K) sum_k of the heads' rows, so each
     * head's row receives 1/K of their gradient; every other weight is shared. */
    for (int e = 0; e < pb->n_el; e++) {
        const tr_net *nt = &pb->enet[e];
        int L = nt->n_layers - 1, ni = nt->size[L], K = pb->K;
        double *gw = gc + nt->woff[L], *gb = gc + nt->boff[L];
        for (int i = 0; i < ni; i++) {
            double g = gw[i] / K;
            for (int k = 0; k < K; k++) grad[nt->woff[L] + (size_t)k * (size_t)ni + (size_t)i] += g;
            gw[i] = 0.0;
        }
        for (int k = 0; k < K; k++) grad[nt->boff[L] + (size_t)k] += gb[0] / K;
        gb[0] = 0.0;
    }
    for (size_t p = 0; p < np; p++) {
        grad[p] += gc[p];
        gc[p] = 0.0;
    }
}
