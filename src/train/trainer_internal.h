/* The trainer's private interfaces, shared by its files (split.c, problem.c,
 * backprop.c, weights.c, trainer.c): the seeded generator and the layout of a
 * training problem. The programs and the tests use train.h only. */
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
    int max_atoms, max_sf, max_D, max_units;
};

/* ---- continuing from a potential (weights.c) ---------------------------------- */

/* --keep-scaling: pot's SFs become o->init's, with their shift and scale
 * (an SF this run's preset does not make is refused). */
int tr_adopt_scaling(nnv_potential *pot, const train_options *o, nnv_error *err);

/* --init: continue from a potential this trainer wrote with the same options
 * (pb's parameters and E0 from o->init, every input checked to match). */
int tr_load_init(tr_problem *pb, const train_options *o, nnv_error *err);

#endif
