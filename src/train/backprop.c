/* backprop.c: the loss of a batch of configurations (energies, forces,
 * dipoles and, through curvature.c, Hessian-vector products) and its exact gradient with respect to the weights, by batched
 * network passes (batchnet.c) over fixed chunks of configurations on OpenMP
 * threads, summed in chunk order (the same bits for any thread count).
 *
 * Forces are F = -sum_i (S J_i)^T g_i with g_i = dN/ds at s_i, so the force
 * loss depends on the weights through g_i. Its gradient is
 *   dL/dw = sum_i d/dw [ -g_i . u_i ],   u_i = S J_i dL/dF   (u_i held fixed),
 * and g . u is the directional derivative of N along u: a forward tangent pass
 * in direction u, then one reverse pass through primal and tangent together
 * (A. Griewank, A. Walther, "Evaluating Derivatives", SIAM 2008, ch. 5; the
 * same trick as in n2p2's force training, A. Singraber et al., JCTC 15, 3075
 * (2019)). The SF values and Jacobians are computed once per configuration by
 * the library's own symmetry-function code and kept (problem.c); contracting
 * them with g and dL/dF is a dgemv per atom (OpenBLAS's vector kernels: the
 * plain dot-product loop, a serial chain of additions, took a quarter of a
 * training step). */
#include <cblas.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "curvature.h"
#include "trainer_internal.h"

/* A chunk's sums: the loss, then the plain sum of squares of each term. */
#define CHUNK_SUM (1 + TR_N_TERMS)

/* ---- a thread's workspace ------------------------------------------------------------ */

/* One element's atoms in a chunk, one row each; K = pb->K outputs of the
 * energy network (the members of a shallow ensemble, 1 otherwise). Row
 * blocks are n rows apart (the chunk's atoms of this element). */
typedef struct tr_rows {
    int n, cap;
    double *x;            /* (1 + K) cap x n_sf: scaled SFs, then K blocks of force-loss tangents u */
    double *g;            /* K cap x n_sf: dN_k/ds, block k for output k */
    double *yb, *ydb, *qb; /* seeds: energy (cap x K), tangent (K blocks of cap x K), charge output (cap) */
    bn_ws e, q;           /* energy and charge network */
} tr_rows;

struct tr_ws {
    tr_rows *el;          /* n_el */
    int *row;             /* per atom of the chunk (frames in turn): its row */
    /* One frame, 3A = 3 max_atoms each: F the members' mean, Fm member k's
     * forces at k 3A, dF dL/dF_k at k 3A, dm dL/dF of the mean; dloc max_D. */
    double *F, *Fm, *dF, *dm, *dloc;
    tr_curv_ws curv;      /* the curvature term (when w_H > 0) */
    int status;           /* NNV_ENOMEM when the curvature scratch could not grow */
};

static void ws_free(tr_ws *w, int n_el)
{
    if (!w) return;
    if (w->el)
        for (int e = 0; e < n_el; e++) {
            FREE_ALL(w->el[e].x, w->el[e].yb); /* g, ydb, qb live in these */
            bn_ws_free(&w->el[e].e);
            bn_ws_free(&w->el[e].q);
        }
    FREE_ALL(w->el, w->row, w->F);
    tr_curv_ws_free(&w->curv);
}

static int ws_alloc(tr_ws *w, const tr_problem *pb)
{
    size_t A = (size_t)pb->max_atoms;
    memset(w, 0, sizeof *w);
    w->el = calloc((size_t)pb->n_el, sizeof *w->el);
    w->row = malloc((size_t)TR_CHUNK * A * sizeof *w->row);
    w->F = malloc((6 * A * (1 + (size_t)pb->K) + (size_t)pb->max_D) * sizeof *w->F);
    if (!w->el || !w->row || !w->F) goto nomem;
    w->Fm = w->F + 3 * A;
    w->dF = w->Fm + 3 * A * (size_t)pb->K;
    w->dm = w->dF + 3 * A * (size_t)pb->K;
    w->dloc = w->dm + 3 * A;
    for (int e = 0; e < pb->n_el; e++) {
        tr_rows *er = &w->el[e];
        size_t cap = (size_t)TR_CHUNK * (size_t)(pb->max_el_atoms[e] > 0 ? pb->max_el_atoms[e] : 1);
        size_t ns = (size_t)pb->enet[e].size[0], K = (size_t)pb->K;
        er->cap = (int)cap;
        er->x = malloc((1 + 2 * K) * cap * ns * sizeof *er->x);
        er->yb = malloc((K + K * K + 1) * cap * sizeof *er->yb);
        if (!er->x || !er->yb) goto nomem;
        er->g = er->x + (1 + K) * cap * ns;
        er->ydb = er->yb + K * cap;
        er->qb = er->ydb + K * K * cap;
        if (bn_ws_alloc(&er->e, &pb->enet[e], (int)cap, pb->K) != NNV_OK) goto nomem;
        if (pb->charges && bn_ws_alloc(&er->q, &pb->qnet[e], (int)cap, 0) != NNV_OK) goto nomem;
    }
    if (pb->wH > 0.0 && tr_curv_ws_alloc(&w->curv, pb) != NNV_OK) goto nomem;
    return NNV_OK;
nomem:
    ws_free(w, pb->n_el);
    return NNV_ENOMEM;
}

void tr_ws_release(tr_problem *pb)
{
    for (int t = 0; t < pb->n_ws; t++) ws_free(&pb->ws[t], pb->n_el);
    FREE_ALL(pb->ws, pb->chunk_grad, pb->chunk_sum);
    pb->n_ws = pb->n_chunk_grad = pb->n_chunk_sum = 0;
}

/* At least n_ws thread workspaces, n_grad chunk gradients and n_sum chunk
 * sums: allocated on the first call that needs them, reused afterwards. */
static int ws_reserve(tr_problem *pb, int n_ws, int n_grad, int n_sum)
{
    if (pb->n_ws < n_ws) {
        tr_ws *w = realloc(pb->ws, (size_t)n_ws * sizeof *w);
        if (!w) return NNV_ENOMEM;
        pb->ws = w;
        for (; pb->n_ws < n_ws; pb->n_ws++)
            if (ws_alloc(&pb->ws[pb->n_ws], pb) != NNV_OK) return NNV_ENOMEM;
    }
    if (pb->n_chunk_grad < n_grad) {
        double *g = realloc(pb->chunk_grad, (size_t)n_grad * (size_t)pb->n_params * sizeof *g);
        if (!g) return NNV_ENOMEM;
        pb->chunk_grad = g;
        pb->n_chunk_grad = n_grad;
    }
    if (pb->n_chunk_sum < n_sum) {
        double *s = realloc(pb->chunk_sum, CHUNK_SUM * (size_t)n_sum * sizeof *s);
        if (!s) return NNV_ENOMEM;
        pb->chunk_sum = s;
        pb->n_chunk_sum = n_sum;
    }
    return NNV_OK;
}

/* ---- one chunk ---------------------------------------------------------------------- */

/* The rows of frames idx[0..nb) by element, their forward passes and, when
 * want_g, their input gradients. */
static void chunk_forward(const tr_problem *pb, const int *idx, int nb, tr_ws *w, int want_g)
{
    int a = 0;
    for (int e = 0; e < pb->n_el; e++) w->el[e].n = 0;
    for (int b = 0; b < nb; b++) {
        const tr_frame *t = &pb->fr[idx[b]];
        for (int i = 0; i < t->n_atoms; i++, a++) {
            tr_rows *er = &w->el[t->el[i]];
            size_t ns = t->s_off[i + 1] - t->s_off[i];
            w->row[a] = er->n;
            memcpy(er->x + (size_t)er->n++ * ns, t->s + t->s_off[i], ns * sizeof *er->x);
        }
    }
    for (int e = 0; e < pb->n_el; e++) {
        tr_rows *er = &w->el[e];
        if (!er->n) continue;
        bn_forward(&pb->enet[e], pb->theta, er->n, er->x, &er->e);
        if (pb->charges) bn_forward(&pb->qnet[e], pb->theta, er->n, er->x, &er->q);
        if (!want_g) continue;
        if (pb->K == 1) bn_input_grad(&pb->enet[e], pb->theta, er->n, NULL, &er->e, er->g);
        else bn_input_jac(&pb->enet[e], pb->theta, er->n, &er->e, er->g);
    }
}

/* Output k of network nt in row r. */
static double out_of(const tr_net *nt, const bn_ws *b, int r, int k)
{
    return b->y[nt->n_layers - 1][(size_t)r * (size_t)nt->size[nt->n_layers] + (size_t)k];
}

/* Energy, forces (into w->F, the members' into w->Fm, when want_f) and
 * dipole of frame t, whose atoms' rows are row[0..N). A shallow ensemble's E
 * and F are its members' means. */
static void frame_outputs(const tr_problem *pb, const tr_frame *t, tr_ws *w, const int *row, int want_f, double *E,
                          double mu[3])
{
    int N = t->n_atoms, K = pb->K;
    size_t A3 = 3 * (size_t)pb->max_atoms, n3 = 3 * (size_t)N;
    double Em[NNV_COMMITTEE_MAX];
    for (int k = 0; k < K; k++) Em[k] = 0.0;
    mu[0] = mu[1] = mu[2] = 0.0;
    if (want_f)
        for (int k = 0; k < K; k++) memset(w->Fm + (size_t)k * A3, 0, n3 * sizeof *w->Fm);
    for (int i = 0; i < N; i++) {
        int e = t->el[i], r = row[i];
        const tr_rows *er = &w->el[e];
        for (int k = 0; k < K; k++) Em[k] += pb->E0[e] + out_of(&pb->enet[e], &er->e, r, k);
        /* The neutrality correction q_i = qt_i - mean(qt) is folded into xc
         * (positions minus their mean): sum_i q_i x_i = sum_i qt_i xc_i. */
        if (pb->charges) {
            double qt = out_of(&pb->qnet[e], &er->q, r, 0);
            for (int q = 0; q < 3; q++) mu[q] += qt * t->xc[3 * i + q];
        }
        if (want_f) {
            int ns = pb->enet[e].size[0], D = 3 * (t->nb_off[i + 1] - t->nb_off[i] + 1);
            const double *SJ = t->SJ + t->j_off[i];
            for (int k = 0; k < K; k++) {
                const double *g = er->g + ((size_t)k * (size_t)er->n + (size_t)r) * (size_t)ns;
                cblas_dgemv(CblasRowMajor, CblasTrans, ns, D, 1.0, SJ, D, g, 1, 0.0, w->dloc, 1);
                tr_scatter_local(t, i, -1.0, w->dloc, w->Fm + (size_t)k * A3);
            }
        }
    }
    /* Summed in member order and divided by K: with K = 1 the same bits as
     * the single network's. */
    *E = 0.0;
    for (int k = 0; k < K; k++) *E += Em[k];
    *E /= K;
    if (want_f)
        for (size_t c = 0; c < n3; c++) {
            double f = 0.0;
            for (int k = 0; k < K; k++) f += w->Fm[(size_t)k * A3 + c];
            w->F[c] = f / K;
        }
}

/* The shallow ensemble's force NLL of frame t (K > 1): added to *loss, and
 * its derivative with respect to the mean's forces added to w->dm and the
 * members' own part (through the spread) written into w->dF. See tr_loss. */
static void frame_nll(const tr_problem *pb, const tr_frame *t, tr_ws *w, double nrm, double *loss)
{
    int K = pb->K;
    size_t A3 = 3 * (size_t)pb->max_atoms;
    double cv = 1.0 / (3.0 * (K - 1));
    for (int i = 0; i < t->n_atoms; i++) {
        double v = 0.0, e2 = 0.0, s, dLds;
        for (int k = 0; k < K; k++)
            for (int q = 0; q < 3; q++) {
                double dv = w->Fm[(size_t)k * A3 + (size_t)(3 * i + q)] - w->F[3 * i + q];
                v += dv * dv;
            }
        for (int q = 0; q < 3; q++) {
            double d = w->F[3 * i + q] - t->f_ref[3 * i + q];
            e2 += d * d;
        }
        s = cv * v + pb->nll_var;
        *loss += nrm * (e2 / s + 3.0 * log(s));
        dLds = nrm * (3.0 / s - e2 / (s * s));
        for (int q = 0; q < 3; q++) {
            size_t c = (size_t)(3 * i + q);
            w->dm[c] += 2.0 * nrm * (w->F[c] - t->f_ref[c]) / s;
            /* ds/dF_k = 2 cv (F_k - F̄): the mean's own change cancels, as
             * the deviations sum to zero. */
            for (int k = 0; k < K; k++)
                w->dF[(size_t)k * A3 + c] = dLds * 2.0 * cv * (w->Fm[(size_t)k * A3 + c] - w->F[c]);
        }
    }
}

/* Loss terms of the frames idx[0..nb) with normalisers nrm (and nll, the
 * NLL term's) into acc (loss, then the plain sums of the TR_N_TERMS terms)
 * and, when grad is not NULL, their weight gradient added to grad. */
static void chunk_loss(const tr_problem *pb, const int *idx, int nb, const double nrm[TR_N_TERMS], double nll,
                       tr_ws *w, double *grad, double acc[CHUNK_SUM])
{
    int want_g = 0, any_f = 0, any_mu = 0, a = 0, K = pb->K, use_nll = K > 1 && nll > 0.0;
    size_t A3 = 3 * (size_t)pb->max_atoms;
    for (int q = 0; q < CHUNK_SUM; q++) acc[q] = 0.0;
    for (int b = 0; b < nb; b++) {
        const tr_frame *t = &pb->fr[idx[b]];
        want_g |= t->has_f && (pb->wF > 0.0 || use_nll || !grad);
        any_f |= t->has_f && (pb->wF > 0.0 || use_nll);
        any_mu |= t->has_mu && pb->charges;
    }
    chunk_forward(pb, idx, nb, w, want_g);
    for (int b = 0; b < nb; b++) {
        const tr_frame *t = &pb->fr[idx[b]];
        const int *row = w->row + a;
        int N = t->n_atoms, use_f = t->has_f && (pb->wF > 0.0 || use_nll), calc_f = t->has_f && (use_f || !grad);
        double E, mu[3], cE = 0.0, cmu[3] = {0, 0, 0};
        a += N;
        frame_outputs(pb, t, w, row, calc_f, &E, mu);
        if (t->has_e) {
            double d = (E - t->e_ref) / N;
            acc[1] += d * d;
            acc[0] += nrm[0] * d * d;
            cE = 2.0 * nrm[0] * d / N;
        }
        if (calc_f) {
            for (int c = 0; c < 3 * N; c++) {
                double d = w->F[c] - t->f_ref[c];
                acc[2] += d * d;
                acc[0] += nrm[1] * d * d;
                w->dm[c] = 2.0 * nrm[1] * d;
            }
            for (int k = 0; k < K; k++) memset(w->dF + (size_t)k * A3, 0, 3 * (size_t)N * sizeof *w->dF);
            if (use_nll) frame_nll(pb, t, w, nll, &acc[0]);
            /* F̄ = (1/K) sum_k F_k. */
            for (int k = 0; k < K; k++)
                for (int c = 0; c < 3 * N; c++) w->dF[(size_t)k * A3 + (size_t)c] += w->dm[c] / K;
        }
        if (t->has_mu && pb->charges) {
            for (int q = 0; q < 3; q++) {
                double d = mu[q] - t->mu_ref[q];
                acc[3] += d * d;
                acc[0] += nrm[2] * d * d;
                cmu[q] = 2.0 * nrm[2] * d;
            }
        }
        /* The curvature term adds its own gradient (its passes are separate). */
        if (t->curv.n > 0 && pb->wH > 0.0) {
            double *gh = grad && K > 1 ? w->curv.gc : grad;
            /* With K > 1 the term's gradient is that of the mean network: kept
             * apart and folded into the heads once per chunk. */
            if (tr_curv_loss(pb, t, &t->curv, nrm[3], &w->curv, &acc[0], &acc[4], gh) != NNV_OK)
                w->status = NNV_ENOMEM;
        }
        if (!grad) continue;
        /* Seeds of the reverse pass: cE/K on every atom's member energies;
         * with forces, tangent block k is u_k = S J dL/dF_k with weight -1 on
         * output k (F_k = -(S J)^T g_k). */
        for (int i = 0; i < N; i++) {
            int e = t->el[i], r = row[i], ns = pb->enet[e].size[0];
            tr_rows *er = &w->el[e];
            for (int k = 0; k < K; k++) {
                double *ydb = er->ydb + ((size_t)k * (size_t)er->n + (size_t)r) * (size_t)K;
                er->yb[(size_t)r * (size_t)K + (size_t)k] = cE / K;
                memset(ydb, 0, (size_t)K * sizeof *ydb);
                ydb[k] = use_f ? -1.0 : 0.0;
            }
            er->qb[r] = cmu[0] * t->xc[3 * i] + cmu[1] * t->xc[3 * i + 1] + cmu[2] * t->xc[3 * i + 2];
            if (!any_f) continue;
            for (int k = 0; k < K; k++) {
                double *u = er->x + ((size_t)(1 + k) * (size_t)er->n + (size_t)r) * (size_t)ns;
                int D = 3 * (t->nb_off[i + 1] - t->nb_off[i] + 1);
                const double *SJ = t->SJ + t->j_off[i];
                if (!use_f) {
                    memset(u, 0, (size_t)ns * sizeof *u);
                    continue;
                }
                tr_gather_local(t, i, w->dF + (size_t)k * A3, w->dloc);
                cblas_dgemv(CblasRowMajor, CblasNoTrans, ns, D, 1.0, SJ, D, w->dloc, 1, 0.0, u, 1);
            }
        }
    }
    if (!grad) return;
    if (K > 1 && pb->wH > 0.0) tr_curv_fold(pb, w->curv.gc, grad);
    for (int e = 0; e < pb->n_el; e++) {
        tr_rows *er = &w->el[e];
        if (!er->n) continue;
        if (any_f) bn_tangent(&pb->enet[e], pb->theta, er->n, K, er->x, &er->e);
        bn_backward(&pb->enet[e], pb->theta, er->n, any_f ? K : 0, er->x, er->yb, er->ydb, &er->e, grad);
        if (any_mu) bn_backward(&pb->qnet[e], pb->theta, er->n, 0, er->x, er->qb, NULL, &er->q, grad);
    }
}

/* ---- the batch ------------------------------------------------------------------------ */

void tr_set_nll_weight(tr_problem *pb, double w) { pb->wN = w; }

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
    double cnt[TR_N_TERMS], nrm[TR_N_TERMS], nll;
    int nch = (n + TR_CHUNK - 1) / TR_CHUNK, nt = 1, status = NNV_OK;
    size_t np = (size_t)pb->n_params;

#ifdef _OPENMP
    nt = omp_get_max_threads();
#endif
    if (nt > nch) nt = nch > 0 ? nch : 1;
    tr_counts(pb, idx, n, cnt);
    if (pb->wH > 0.0) tr_curv_sync(pb);
    nrm[0] = cnt[0] > 0 ? pb->wE / cnt[0] : 0.0;
    nrm[1] = cnt[1] > 0 ? pb->wF / cnt[1] : 0.0;
    nrm[2] = cnt[2] > 0 ? pb->wM / cnt[2] : 0.0;
    nrm[3] = cnt[3] > 0 ? pb->wH / cnt[3] : 0.0;
    nll = cnt[1] > 0 ? pb->wN / cnt[1] : 0.0;
    /* One chunk writes the gradient in place; more need one buffer each. */
    if (ws_reserve(pb, nt, grad && nch > 1 ? nch : 0, nch) != NNV_OK) return NNV_ENOMEM;
    for (int t = 0; t < nt; t++) pb->ws[t].status = NNV_OK;
    /* Which thread takes a chunk does not matter: each chunk is computed
     * whole by one thread in its own workspace and output slot. */
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
#endif
    for (int c = 0; c < nch; c++) {
        int tid = 0, lo = c * TR_CHUNK, nb = n - lo < TR_CHUNK ? n - lo : TR_CHUNK;
        double *g = !grad ? NULL : nch > 1 ? pb->chunk_grad + (size_t)c * np : grad;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        if (g) memset(g, 0, np * sizeof *g);
        chunk_loss(pb, idx + lo, nb, nrm, nll, &pb->ws[tid], g, pb->chunk_sum + CHUNK_SUM * (size_t)c);
    }
    for (int t = 0; t < nt; t++)
        if (pb->ws[t].status != NNV_OK) status = pb->ws[t].status;
    *loss = 0.0;
    if (sse)
        for (int q = 0; q < TR_N_TERMS; q++) sse[q] = 0.0;
    for (int c = 0; c < nch; c++) {
        const double *s = pb->chunk_sum + CHUNK_SUM * (size_t)c;
        *loss += s[0];
        if (sse)
            for (int q = 0; q < TR_N_TERMS; q++) sse[q] += s[q + 1];
    }
    if (grad && nch > 1) {
        memcpy(grad, pb->chunk_grad, np * sizeof *grad);
        for (int c = 1; c < nch; c++) {
            const double *g = pb->chunk_grad + (size_t)c * np;
            for (size_t p = 0; p < np; p++) grad[p] += g[p];
        }
    } else if (grad && nch == 0) {
        memset(grad, 0, np * sizeof *grad);
    }
    return status;
}

int tr_predict(tr_problem *pb, int f, double *energy, double *forces, double *dipole)
{
    const tr_frame *t = &pb->fr[f];
    double mu[3];
    tr_ws *w;
    if (ws_reserve(pb, 1, 0, 0) != NNV_OK) return NNV_ENOMEM;
    w = &pb->ws[0];
    chunk_forward(pb, &f, 1, w, forces != NULL);
    frame_outputs(pb, t, w, w->row, forces != NULL, energy, mu);
    if (forces) memcpy(forces, w->F, 3 * (size_t)t->n_atoms * sizeof *forces);
    if (dipole) memcpy(dipole, mu, sizeof mu);
    return NNV_OK;
}

int tr_predict_hv(tr_problem *pb, int f, int p, double *hv)
{
    tr_curv_ws w;
    const tr_frame *t = &pb->fr[f];
    int rc;
    if (p < 0 || p >= t->curv.n) return NNV_EINPUT;
    if (tr_curv_ws_alloc(&w, pb) != NNV_OK) return NNV_ENOMEM;
    tr_curv_sync(pb);
    rc = tr_curv_hv(pb, t, &t->curv, p, &w, hv);
    tr_curv_ws_free(&w);
    return rc;
}
