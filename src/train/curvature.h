/* curvature.h: the trainer's curvature (Hessian-vector product) term: setting
 * up a frame's labels and caches (tr_curv, trainer_internal.h), and the loss
 * with its exact weight gradient. Private to src/train and its unit tests. */
#ifndef NNVIB_CURVATURE_H
#define NNVIB_CURVATURE_H

#include "curvnet.h"
#include "model/model_internal.h"

/* The first n_probes (at most d->n_hvp) labels of d, whose frame t has its
 * SFs and Jacobians (t->SJ) and the neighbour list nb already; c is zeroed
 * first. NNV_OK or NNV_ENOMEM. */
int tr_curv_setup(tr_curv *c, const tr_frame *t, const ds_frame *d, const nnv_potential *pot, const nb_list *nb,
                  int n_probes, nnv_error *err);
void tr_curv_free(tr_curv *c);

/* A thread's scratch for the curvature term. */
typedef struct tr_curv_ws {
    cn_ws net;          /* row-by-row passes (the tests' reference) */
    cnb_ws nb;          /* batched passes */
    double *hv, *rho;   /* all probes' H v and dL/d(H v), cap_hv */
    double *G, *HW;     /* g and H w per row, cap_rows x max_sf */
    double *vec;        /* 2 max_sf + max_D */
    int *atoms;         /* max_atoms */
    double *gc;         /* K > 1: the term's gradient for the mean network (n_params, zero between folds) */
    size_t cap_rows, cap_hv;
} tr_curv_ws;

int tr_curv_ws_alloc(tr_curv_ws *w, const tr_problem *pb);
void tr_curv_ws_free(tr_curv_ws *w);

/* H_NN v of probe p of frame t at the current weights (3N, eV/Å²).
 * NNV_OK or NNV_ENOMEM (the scratch grows on demand). */
int tr_curv_hv(const tr_problem *pb, const tr_frame *t, const tr_curv *c, int p, tr_curv_ws *w, double *hv);

/* Adds nrm * sum_p |H_NN v_p - ref_p|² to *loss, the unweighted sum of
 * squares to *sse, and (grad not NULL) its weight gradient to grad.
 * NNV_OK or NNV_ENOMEM. */
int tr_curv_loss(const tr_problem *pb, const tr_frame *t, const tr_curv *c, double nrm, tr_curv_ws *w,
                  double *loss, double *sse, double *grad);

/* K > 1: copies theta into ctheta with each energy network's output row 0
 * set to the mean of its K rows (before any pass of the curvature term at
 * new weights). Nothing to do for K = 1. */
void tr_curv_sync(tr_problem *pb);

/* K > 1: adds gc, the curvature gradient with respect to ctheta, to grad
 * (theta's gradient) and zeroes gc. */
void tr_curv_fold(const tr_problem *pb, double *gc, double *grad);

#endif
