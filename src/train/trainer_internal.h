/* The trainer's private interfaces, shared by its files (split.c, problem.c,
 * batchnet.c, backprop.c, weights.c, trainer.c): the seeded generator, the
 * layout of a training problem and the batched network passes. The programs
 * use train.h only; the unit tests may use this header too. */
#ifndef NNVIB_TRAINER_INTERNAL_H
#define NNVIB_TRAINER_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "train.h"

#define TR_MAX_LAYERS (TR_MAX_HIDDEN + 1)

/* ---- random numbers (own generator: results do not depend on the C library) */

typedef struct rng {
    uint64_t s;
} rng;

static inline uint64_t rng_next(rng *r) { return rng_splitmix64(&r->s); }

static inline double rng_uniform(rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

static inline double rng_normal(rng *r)
{
    double u1 = rng_uniform(r), u2 = rng_uniform(r);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static inline void shuffle(int *v, int n, rng *r)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(rng_next(r) % (uint64_t)(i + 1)), t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
}

/* ---- a training problem (problem.c) -------------------------------------------
 * Networks live on one flat parameter vector (theta); each frame keeps its
 * scaled SFs and their Jacobians, computed once. */
typedef struct tr_net {
    int n_layers;
    int size[TR_MAX_LAYERS + 1];
    int act[TR_MAX_LAYERS];
    double param;
    size_t woff[TR_MAX_LAYERS], boff[TR_MAX_LAYERS];
    int uoff[TR_MAX_LAYERS + 1]; /* start of layer l's units in per-atom buffers */
    int units;
} tr_net;

/* The curvature labels of one frame and what the loss needs of them that does
 * not change during training (curvature.c). */
typedef struct tr_curv {
    int n;       /* probes used (0: none) */
    double *v;   /* n x 3N unit probes */
    double *ref; /* n x 3N teacher H v, eV/Å² */
    double *K;   /* per probe, per atom: S dJ_i/dx . v_i (n_sf x D_i, layout of SJ) */
    double *w;   /* per probe, per atom: S J_i v_i (n_sf, layout of s) */
} tr_curv;

typedef struct tr_frame {
    int n_atoms;
    int *el;          /* element index per atom */
    int has_e, has_f, has_mu;
    double e_ref, mu_ref[3];
    double *f_ref;    /* 3N or NULL */
    double *xc;       /* positions minus their arithmetic mean (dipoles), 3N */
    int *nb_off, *nb; /* neighbours of atom i: nb[nb_off[i] .. nb_off[i+1]) */
    size_t *s_off, *j_off;
    double *s;        /* scaled SFs, all atoms */
    double *SJ;       /* S J_i (n_sf x D_i) per atom */
    tr_curv curv;     /* curvature labels in use */
} tr_frame;

/* Atom i's environment as local coordinates (itself, then its neighbours in
 * list order; D = 3(m + 1), the layout of its SJ columns): loc = the
 * components of the 3N vector v on it, and back, v += alpha loc. */
static inline void tr_gather_local(const tr_frame *t, int i, const double *v, double *loc)
{
    const int *nb = t->nb + t->nb_off[i];
    int m = t->nb_off[i + 1] - t->nb_off[i];
    for (int q = 0; q < 3; q++) loc[q] = v[3 * i + q];
    for (int j = 1; j <= m; j++)
        for (int q = 0; q < 3; q++) loc[3 * j + q] = v[3 * nb[j - 1] + q];
}

static inline void tr_scatter_local(const tr_frame *t, int i, double alpha, const double *loc, double *v)
{
    const int *nb = t->nb + t->nb_off[i];
    int m = t->nb_off[i + 1] - t->nb_off[i];
    for (int q = 0; q < 3; q++) v[3 * i + q] += alpha * loc[q];
    for (int j = 1; j <= m; j++)
        for (int q = 0; q < 3; q++) v[3 * nb[j - 1] + q] += alpha * loc[3 * j + q];
}

/* Configurations per chunk of a loss evaluation: a batch is cut into chunks
 * of this many configurations (the last may be shorter) whatever the number
 * of threads, each chunk's loss and gradient are computed by one thread, and
 * the chunks are summed in their order, so the result is the same bitwise for
 * any OMP_NUM_THREADS. */
#define TR_CHUNK 16

typedef struct tr_ws tr_ws; /* a thread's workspace (backprop.c) */

struct tr_problem {
    nnv_potential *pot;
    int n_el, el_of_Z[NNV_MAX_Z + 1];
    int n_frames;
    tr_frame *fr;
    int charges;
    tr_net enet[NNV_MAX_Z], qnet[NNV_MAX_Z];
    int n_params;
    double *theta;
    double E0[NNV_MAX_Z];
    double wE, wF, wM, wH;
    /* Shallow ensemble: K outputs of every energy network (1: a single
     * potential); wN the weight of the force NLL term (0 during warm-up),
     * nll_var its variance floor, (eV/Å)². */
    int K;
    double wN, nll_var;
    /* What the curvature passes see (curvature.c): one output per network.
     * With K > 1 that is the ensemble's mean: cnet[e] is enet[e] cut to one
     * output, and ctheta a copy of theta whose output row 0 of every energy
     * network holds the K rows' mean (the output layer is linear, so this
     * network's output is the members' mean); tr_curv_sync refreshes it from
     * theta. With K = 1, cnet = enet and ctheta = theta. */
    tr_net cnet[NNV_MAX_Z];
    double *ctheta;
    int max_atoms, max_sf, max_D, max_units;
    int max_el_atoms[NNV_MAX_Z]; /* most atoms of element e in one frame */
    /* Workspaces of tr_loss, grown on demand and then reused (backprop.c). */
    tr_ws *ws;
    int n_ws;
    double *chunk_grad; /* one gradient per chunk of a batch */
    int n_chunk_grad;
    double *chunk_sum;  /* loss and sse per chunk, 4 each */
    int n_chunk_sum;
};

/* Frees the workspaces of tr_loss (backprop.c). */
void tr_ws_release(tr_problem *pb);

/* ---- batched network passes (batchnet.c) ---------------------------------------
 * One network over R rows (atoms) by matrix products. Layer buffers hold
 * M = (1 + T) R rows: the R primal rows, then T blocks of R tangent rows
 * (direction t of atom r in row (1 + t) R + r); the input x of bn_tangent and
 * bn_backward is laid out the same way (ld = n_in), and bn_forward reads its
 * first R rows. Outputs are R x n_out (size[n_layers]); seeds have that shape. */
typedef struct bn_ws {
    int rows, dirs;                 /* capacity: primal rows and tangent blocks */
    double *z[TR_MAX_LAYERS];       /* z of primal rows, then zdot of tangent rows */
    double *y[TR_MAX_LAYERS];       /* y, then ydot */
    double *a1[TR_MAX_LAYERS];      /* a'(z), primal rows */
    double *a2[TR_MAX_LAYERS];      /* a''(z), primal rows */
    double *adj[2];                 /* adjoints, M x widest layer each */
    double *buf;
} bn_ws;

/* a(x), a'(x), a''(x) of activation act for x[0..n), as net_activation
 * (src/model) gives them: tanh and silu by loops that vectorise (agreeing
 * with net_activation to a few units in the last place), the others by
 * net_activation itself. */
void bn_activation(int act, double param, size_t n, const double *x, double *a, double *da, double *d2a);

int bn_ws_alloc(bn_ws *w, const tr_net *nt, int rows, int dirs);

/* C (m x n) = op(A) op(B) + beta C, row-major (ta/tb: 1 = transposed), by
 * cblas_dgemm; nothing for an empty C. The batched passes' one product. */
void bn_mm(int ta, int tb, int m, int n, int k, const double *A, int lda, const double *B, int ldb, double beta,
           double *C, int ldc);

/* The widest layer of nt, inputs included. */
int bn_widest(const tr_net *nt);
void bn_ws_free(bn_ws *w);

/* Forward pass of rows x[0..R) (R x n_in): outputs in w->y[n_layers - 1]. */
void bn_forward(const tr_net *nt, const double *th, int R, const double *x, bn_ws *w);

/* g (R x n_in) = seed^T dN/dx per row (seed R x n_out; NULL: all ones, the
 * gradient of the single output). Needs bn_forward. */
void bn_input_grad(const tr_net *nt, const double *th, int R, const double *seed, bn_ws *w, double *g);

/* The input gradient of every output at once: g (n_out R x n_in), block k
 * row r = dN_k/dx at row r, by one reverse pass over n_out R adjoint rows
 * (w needs dirs >= n_out - 1). Needs bn_forward. */
void bn_input_jac(const tr_net *nt, const double *th, int R, bn_ws *w, double *g);

/* Forward tangents of the T direction blocks of x (rows R .. (1 + T) R):
 * zdot, ydot into the tangent rows of w->z, w->y. Needs bn_forward. */
void bn_tangent(const tr_net *nt, const double *th, int R, int T, const double *x, bn_ws *w);

/* Adds to grad (the flat parameter vector's layout) the weight gradient of
 *   sum_r [ yb_r . N(x_r) + sum_t ydb_{t,r} . (dN/dx at x_r) u_{t,r} ],
 * u_{t,r} the tangent rows of x; yb is R x n_out, ydb T R x n_out (NULL when
 * T = 0). Needs bn_forward and, with T > 0, bn_tangent; overwrites w->adj. */
void bn_backward(const tr_net *nt, const double *th, int R, int T, const double *x, const double *yb,
                 const double *ydb, bn_ws *w, double *grad);

/* ---- continuing from a potential (weights.c) ---------------------------------- */

/* --keep-scaling: pot's SFs become o->init's, with their shift and scale
 * (an SF this run's preset does not make is refused). */
int tr_adopt_scaling(nnv_potential *pot, const train_options *o, nnv_error *err);

/* --init: continue from a potential this trainer wrote with the same options
 * (pb's parameters and E0 from o->init, every input checked to match). */
int tr_load_init(tr_problem *pb, const train_options *o, nnv_error *err);

#endif
