/* backprop.c: the loss of a batch of configurations (energies, forces and
 * dipoles) and its exact gradient with respect to the weights, by forward
 * passes and double backpropagation for the force term, on OpenMP threads.
 *
 * Forces are F = -sum_i (S J_i)^T g_i with g_i = dN/ds at s_i, so the force
 * loss depends on the weights through g_i. Its gradient is
 *   dL/dw = sum_i d/dw [ -g_i . u_i ],   u_i = S J_i dL/dF   (u_i held fixed),
 * and g . u is the directional derivative of N along u: a forward tangent pass
 * in direction u, then one reverse pass through primal and tangent together
 * (A. Griewank, A. Walther, "Evaluating Derivatives", SIAM 2008, ch. 5; the
 * same trick as in n2p2's force training, A. Singraber et al., JCTC 15, 3075
 * (2019)). The SF values and Jacobians are computed once per configuration by
 * the library's own symmetry-function code and kept. */
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "curvature.h"
#include "trainer_internal.h"

/* ---- networks on the flat parameter vector --------------------------------------- */

/* Forward pass: z, y, a', a'' of every unit (layout nt->uoff). */
static void nn_forward(const tr_net *nt, const double *th, const double *x, double *z, double *y, double *da,
                       double *d2a)
{
    for (int l = 0; l < nt->n_layers; l++) {
        int ni = nt->size[l], no = nt->size[l + 1];
        const double *in = l ? y + nt->uoff[l - 1] : x;
        const double *W = th + nt->woff[l], *b = th + nt->boff[l];
        for (int o = 0; o < no; o++) {
            const double *w = W + (size_t)o * (size_t)ni;
            double s = b[o];
            int u = nt->uoff[l] + o;
            for (int i = 0; i < ni; i++) s += w[i] * in[i];
            z[u] = s;
            net_activation(nt->act[l], nt->param, s, &y[u], &da[u], &d2a[u]);
        }
    }
}

/* g = dN/dx (size[0]) by reverse mode; tmp holds 2 x the widest layer. */
static void nn_input_grad(const tr_net *nt, const double *th, const double *da, double *g, double *tmp, int wmax)
{
    double *cur = tmp, *prev = tmp + wmax;
    cur[0] = 1.0;
    for (int l = nt->n_layers - 1; l >= 0; l--) {
        int ni = nt->size[l], no = nt->size[l + 1];
        const double *W = th + nt->woff[l];
        double *dst = l ? prev : g;
        memset(dst, 0, (size_t)ni * sizeof *dst);
        for (int o = 0; o < no; o++) {
            double e = cur[o] * da[nt->uoff[l] + o];
            const double *w = W + (size_t)o * (size_t)ni;
            if (e == 0.0) continue;
            for (int i = 0; i < ni; i++) dst[i] += e * w[i];
        }
        if (l) {
            double *t = cur;
            cur = prev;
            prev = t;
        }
    }
}

/* Adds to grad the weight gradient of cE * N(x) + cT * (dN/dx . u) (u may be
 * NULL: cT is then ignored). Needs the forward buffers of x; scratch holds
 * 2 * units + 4 * wmax doubles. */
static void nn_backward(const tr_net *nt, const double *th, const double *x, const double *y, const double *da,
                        const double *d2a, const double *u, double cE, double cT, double *grad,
                        double *scratch, int wmax)
{
    int L = nt->n_layers;
    double *zdot = scratch, *ydot = scratch + nt->units;
    double *yb = ydot + nt->units, *ydb = yb + wmax, *ybp = ydb + wmax, *ydbp = ybp + wmax;
    if (u) {
        for (int l = 0; l < L; l++) {
            int ni = nt->size[l], no = nt->size[l + 1];
            const double *in = l ? ydot + nt->uoff[l - 1] : u;
            const double *W = th + nt->woff[l];
            for (int o = 0; o < no; o++) {
                const double *w = W + (size_t)o * (size_t)ni;
                double s = 0.0;
                int k = nt->uoff[l] + o;
                for (int i = 0; i < ni; i++) s += w[i] * in[i];
                zdot[k] = s;
                ydot[k] = da[k] * s;
            }
        }
    }
    yb[0] = cE;
    ydb[0] = u ? cT : 0.0;
    for (int l = L - 1; l >= 0; l--) {
        int ni = nt->size[l], no = nt->size[l + 1];
        const double *W = th + nt->woff[l];
        const double *yin = l ? y + nt->uoff[l - 1] : x;
        const double *ydin = u ? (l ? ydot + nt->uoff[l - 1] : u) : NULL;
        double *gW = grad + nt->woff[l], *gb = grad + nt->boff[l];
        if (l) {
            memset(ybp, 0, (size_t)ni * sizeof *ybp);
            memset(ydbp, 0, (size_t)ni * sizeof *ydbp);
        }
        for (int o = 0; o < no; o++) {
            int k = nt->uoff[l] + o;
            double zb = yb[o] * da[k], zdb = 0.0;
            const double *w = W + (size_t)o * (size_t)ni;
            double *gw = gW + (size_t)o * (size_t)ni;
            if (u) {
                zb += ydb[o] * d2a[k] * zdot[k];
                zdb = ydb[o] * da[k];
            }
            gb[o] += zb;
            if (zb != 0.0)
                for (int i = 0; i < ni; i++) gw[i] += zb * yin[i];
            if (zdb != 0.0)
                for (int i = 0; i < ni; i++) gw[i] += zdb * ydin[i];
            if (l) {
                for (int i = 0; i < ni; i++) {
                    ybp[i] += w[i] * zb;
                    ydbp[i] += w[i] * zdb;
                }
            }
        }
        if (l) {
            memcpy(yb, ybp, (size_t)ni * sizeof *yb);
            memcpy(ydb, ydbp, (size_t)ni * sizeof *ydb);
        }
    }
}

/* ---- per-thread workspace and one configuration ----------------------------------- */

typedef struct tr_ws {
    double *z, *y, *da, *d2a;     /* per atom: max_units each */
    double *qz, *qy, *qda, *qd2a; /* charge network, per atom */
    double *g;                    /* per atom: max_sf */
    double *tmp, *scratch, *u, *dloc;
    double *F, *dF, *qt;
    double *grad;
    double loss, sse[TR_N_TERMS];
    int wmax;
    int status; /* NNV_ENOMEM when the curvature scratch could not grow */
    tr_curv_ws curv;
} tr_ws;

static void ws_free(tr_ws *w)
{
    FREE_ALL(w->z, w->qz, w->g, w->tmp, w->F, w->grad);
    tr_curv_ws_free(&w->curv);
}

static int ws_alloc(tr_ws *w, const tr_problem *pb, int want_grad)
{
    size_t U = (size_t)pb->max_units, A = (size_t)pb->max_atoms, S = (size_t)pb->max_sf;
    memset(w, 0, sizeof *w);
    w->wmax = pb->max_sf;
    for (int e = 0; e < pb->n_el; e++)
        for (int l = 0; l <= pb->enet[e].n_layers; l++)
            if (pb->enet[e].size[l] > w->wmax) w->wmax = pb->enet[e].size[l];
    w->z = malloc(4 * U * A * sizeof *w->z);
    w->qz = pb->charges ? malloc(4 * U * A * sizeof *w->qz) : NULL;
    w->g = malloc(S * A * sizeof *w->g);
    w->tmp = malloc((2 * (size_t)w->wmax + 2 * U + 4 * (size_t)w->wmax + S + (size_t)pb->max_D) * sizeof *w->tmp);
    w->F = malloc(9 * A * sizeof *w->F);
    w->grad = want_grad ? calloc((size_t)pb->n_params, sizeof *w->grad) : NULL;
    if (!w->z || (pb->charges && !w->qz) || !w->g || !w->tmp || !w->F || (want_grad && !w->grad) ||
        (pb->wH > 0.0 && tr_curv_ws_alloc(&w->curv, pb) != NNV_OK)) {
        ws_free(w);
        return NNV_ENOMEM;
    }
    w->y = w->z + U * A;
    w->da = w->y + U * A;
    w->d2a = w->da + U * A;
    if (w->qz) {
        w->qy = w->qz + U * A;
        w->qda = w->qy + U * A;
        w->qd2a = w->qda + U * A;
    }
    w->scratch = w->tmp + 2 * (size_t)w->wmax;
    w->u = w->scratch + 2 * U + 4 * (size_t)w->wmax;
    w->dloc = w->u + S;
    w->dF = w->F + 3 * A;
    w->qt = w->dF + 3 * A;
    return NNV_OK;
}

/* Energy, forces (when want_f) and dipole (with charge networks) of frame t,
 * leaving every atom's forward buffers and input gradient in w. */
static void frame_eval(const tr_problem *pb, const tr_frame *t, tr_ws *w, int want_f, double *E, double *mu)
{
    size_t U = (size_t)pb->max_units, S = (size_t)pb->max_sf;
    int N = t->n_atoms;
    *E = 0.0;
    if (want_f) memset(w->F, 0, 3 * (size_t)N * sizeof *w->F);
    for (int i = 0; i < N; i++) {
        int e = t->el[i];
        const tr_net *nt = &pb->enet[e];
        const double *s = t->s + t->s_off[i];
        double *y = w->y + U * (size_t)i, *da = w->da + U * (size_t)i;
        nn_forward(nt, pb->theta, s, w->z + U * (size_t)i, y, da, w->d2a + U * (size_t)i);
        *E += pb->E0[e] + y[nt->uoff[nt->n_layers - 1]];
        if (pb->charges) {
            const tr_net *qn = &pb->qnet[e];
            double *qy = w->qy + U * (size_t)i;
            nn_forward(qn, pb->theta, s, w->qz + U * (size_t)i, qy, w->qda + U * (size_t)i,
                       w->qd2a + U * (size_t)i);
            w->qt[i] = qy[qn->uoff[qn->n_layers - 1]];
        }
        if (want_f) {
            int ns = nt->size[0], m = t->nb_off[i + 1] - t->nb_off[i], D = 3 * (m + 1);
            const double *SJ = t->SJ + t->j_off[i];
            double *g = w->g + S * (size_t)i;
            nn_input_grad(nt, pb->theta, da, g, w->tmp, w->wmax);
            for (int c = 0; c < D; c++) w->dloc[c] = 0.0;
            for (int k = 0; k < ns; k++) {
                const double *row = SJ + (size_t)k * (size_t)D;
                double gk = g[k];
                if (gk == 0.0) continue;
                for (int c = 0; c < D; c++) w->dloc[c] += gk * row[c];
            }
            for (int c = 0; c < D; c++) {
                int a = c / 3, atom = a ? t->nb[t->nb_off[i] + a - 1] : i;
                w->F[3 * atom + c % 3] -= w->dloc[c];
            }
        }
    }
    if (mu) {
        mu[0] = mu[1] = mu[2] = 0.0;
        if (pb->charges)
            for (int i = 0; i < N; i++)
                for (int q = 0; q < 3; q++) mu[q] += w->qt[i] * t->xc[3 * i + q];
    }
    /* The neutrality correction q_i = qt_i - mean(qt) is folded into xc
     * (positions minus their mean): sum_i q_i x_i = sum_i qt_i xc_i. */
}

/* Loss terms of frame t with normalisers nrm (per-term weights / counts), and
 * the weight gradient into w->grad when it is not NULL. */
static void frame_loss(const tr_problem *pb, const tr_frame *t, tr_ws *w, const double nrm[TR_N_TERMS])
{
    size_t U = (size_t)pb->max_units;
    int N = t->n_atoms, want_f = t->has_f && pb->wF > 0.0;
    double E, mu[3], cE = 0.0, cmu[3] = {0, 0, 0};
    frame_eval(pb, t, w, want_f || (t->has_f && !w->grad), &E, mu);
    if (t->has_e) {
        double d = (E - t->e_ref) / N;
        w->sse[0] += d * d;
        w->loss += nrm[0] * d * d;
        cE = 2.0 * nrm[0] * d / N;
    }
    if (t->has_f && (want_f || !w->grad)) {
        for (int c = 0; c < 3 * N; c++) {
            double d = w->F[c] - t->f_ref[c];
            w->sse[1] += d * d;
            w->loss += nrm[1] * d * d;
            w->dF[c] = 2.0 * nrm[1] * d;
        }
    }
    if (t->has_mu && pb->charges) {
        for (int q = 0; q < 3; q++) {
            double d = mu[q] - t->mu_ref[q];
            w->sse[2] += d * d;
            w->loss += nrm[2] * d * d;
            cmu[q] = 2.0 * nrm[2] * d;
        }
    }
    if (t->curv.n > 0 && pb->wH > 0.0)
        if (tr_curv_loss(pb, t, &t->curv, nrm[3], &w->curv, &w->loss, &w->sse[3], w->grad) != NNV_OK)
            w->status = NNV_ENOMEM;
    if (!w->grad) return;
    for (int i = 0; i < N; i++) {
        int e = t->el[i];
        const tr_net *nt = &pb->enet[e];
        const double *s = t->s + t->s_off[i];
        const double *u = NULL;
        if (want_f) {
            int ns = nt->size[0], m = t->nb_off[i + 1] - t->nb_off[i], D = 3 * (m + 1);
            const double *SJ = t->SJ + t->j_off[i];
            for (int c = 0; c < D; c++) {
                int a = c / 3, atom = a ? t->nb[t->nb_off[i] + a - 1] : i;
                w->dloc[c] = w->dF[3 * atom + c % 3];
            }
            for (int k = 0; k < ns; k++) {
                const double *row = SJ + (size_t)k * (size_t)D;
                double v = 0.0;
                for (int c = 0; c < D; c++) v += row[c] * w->dloc[c];
                w->u[k] = v;
            }
            u = w->u;
        }
        /* F depends on the weights as -(S J)^T g, hence the tangent weight -1. */
        nn_backward(nt, pb->theta, s, w->y + U * (size_t)i, w->da + U * (size_t)i, w->d2a + U * (size_t)i, u, cE,
                    -1.0, w->grad, w->scratch, w->wmax);
        if (pb->charges && t->has_mu) {
            double cq = cmu[0] * t->xc[3 * i] + cmu[1] * t->xc[3 * i + 1] + cmu[2] * t->xc[3 * i + 2];
            nn_backward(&pb->qnet[e], pb->theta, s, w->qy + U * (size_t)i, w->qda + U * (size_t)i,
                        w->qd2a + U * (size_t)i, NULL, cq, 0.0, w->grad, w->scratch, w->wmax);
        }
    }
}

void tr_counts(const tr_problem *pb, const int *idx, int n, double cnt[TR_N_TERMS])
{
    cnt[0] = cnt[1] = cnt[2] = cnt[3] = 0.0;
    for (int b = 0; b < n; b++) {
        const tr_frame *t = &pb->fr[idx[b]];
        cnt[0] += t->has_e;
        cnt[1] += t->has_f ? 3.0 * t->n_atoms : 0.0;
        cnt[2] += (t->has_mu && pb->charges) ? 3.0 : 0.0;
        cnt[3] += 3.0 * t->n_atoms * t->curv.n;
    }
}

int tr_loss(tr_problem *pb, const int *idx, int n, double *loss, double *grad, double *sse)
{
    double cnt[TR_N_TERMS], nrm[TR_N_TERMS];
    int nt = 1, status = NNV_OK;
    tr_ws *ws = NULL;

#ifdef _OPENMP
    /* Small batches are not worth a parallel region (its barriers cost more
     * than the work, badly so on a loaded machine). */
    nt = n >= 16 ? omp_get_max_threads() : 1;
    if (nt > n) nt = n > 0 ? n : 1;
#endif
    tr_counts(pb, idx, n, cnt);
    nrm[0] = cnt[0] > 0 ? pb->wE / cnt[0] : 0.0;
    nrm[1] = cnt[1] > 0 ? pb->wF / cnt[1] : 0.0;
    nrm[2] = cnt[2] > 0 ? pb->wM / cnt[2] : 0.0;
    nrm[3] = cnt[3] > 0 ? pb->wH / cnt[3] : 0.0;
    ws = calloc((size_t)nt, sizeof *ws);
    if (!ws) return NNV_ENOMEM;
    for (int t = 0; t < nt; t++)
        if (ws_alloc(&ws[t], pb, grad != NULL) != NNV_OK) {
            status = NNV_ENOMEM;
            goto cleanup;
        }
    /* Fixed partition and a reduction in thread order: the result depends on
     * the number of threads but not on scheduling. */
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static)
#endif
    for (int t = 0; t < nt; t++) {
        int lo = (int)((long long)n * t / nt), hi = (int)((long long)n * (t + 1) / nt);
        for (int b = lo; b < hi; b++) frame_loss(pb, &pb->fr[idx[b]], &ws[t], nrm);
    }
    *loss = 0.0;
    if (grad) memset(grad, 0, (size_t)pb->n_params * sizeof *grad);
    if (sse)
        for (int q = 0; q < TR_N_TERMS; q++) sse[q] = 0.0;
    for (int t = 0; t < nt; t++) {
        if (ws[t].status != NNV_OK) status = ws[t].status;
        *loss += ws[t].loss;
        if (sse)
            for (int q = 0; q < TR_N_TERMS; q++) sse[q] += ws[t].sse[q];
        if (grad)
            for (int p = 0; p < pb->n_params; p++) grad[p] += ws[t].grad[p];
    }
cleanup:
    for (int t = 0; t < nt; t++) ws_free(&ws[t]);
    free(ws);
    return status;
}

int tr_predict(tr_problem *pb, int f, double *energy, double *forces, double *dipole)
{
    tr_ws w;
    const tr_frame *t = &pb->fr[f];
    if (ws_alloc(&w, pb, 0) != NNV_OK) return NNV_ENOMEM;
    frame_eval(pb, t, &w, forces != NULL, energy, dipole);
    if (forces) memcpy(forces, w.F, 3 * (size_t)t->n_atoms * sizeof *forces);
    ws_free(&w);
    return NNV_OK;
}

int tr_predict_hv(tr_problem *pb, int f, int p, double *hv)
{
    tr_curv_ws w;
    const tr_frame *t = &pb->fr[f];
    int rc;
    if (p < 0 || p >= t->curv.n) return NNV_EINPUT;
    if (tr_curv_ws_alloc(&w, pb) != NNV_OK) return NNV_ENOMEM;
    rc = tr_curv_hv(pb, t, &t->curv, p, &w, hv);
    tr_curv_ws_free(&w);
    return rc;
}
