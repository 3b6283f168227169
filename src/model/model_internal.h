/* The model layer's internal interfaces: cutoff functions, activations,
 * symmetry functions, networks, neighbour lists and covalent bonds. Used by
 * the model itself, by the readers that check potentials, by the analysis
 * and by the trainer; not installed, not exported. */
#ifndef NNVIB_MODEL_INTERNAL_H
#define NNVIB_MODEL_INTERNAL_H

#include <stddef.h>
#include "base/base_internal.h"

/* ---- cutoff functions (symfunc.c) ------------------------------------------
 * fc and its first two derivatives with respect to r, zero for r >= rc. */
void sf_cutoff(int type, double rc, double alpha, double r, double *f, double *df, double *d2f);

/* ---- activations (network.c) ----------------------------------------------
 * a(x), a'(x), a''(x) for activation code `act` with parameter `param`. */
void net_activation(int act, double param, double x, double *a, double *da, double *d2a);
/* a'''(x); NAN for an unknown code. */
double net_activation3(int act, double param, double x);

/* ---- symmetry functions (symfunc.c) --------------------------------------
 * The environment of one central atom: its m neighbours within the largest
 * cutoff of its element. Local atom 0 is the central atom, local atom n (1..m)
 * is neighbour n-1; local coordinate vectors have D = 3(m+1) components. */
typedef struct sf_env {
    int m;
    const int *Z;      /* m neighbour atomic numbers */
    const double *rel; /* m x 3, x_j - x_i, Å */
    const double *r;   /* m distances, Å */
} sf_env;

/* The largest cutoff radius of the element's SFs: its neighbour-list cutoff. */
double sf_max_cutoff(const nnv_element_model *em);

/* Unscaled G of every SF of the element, in file order. */
void sf_values(const nnv_element_model *em, const sf_env *env, double *G);

/* Jacobian J (n_sf x D, row-major, overwritten) of G with respect to the local
 * coordinates, and, when H is not NULL, H += sum_k w[k] d2G_k/dx dx (D x D). */
void sf_derivatives(const nnv_element_model *em, const sf_env *env, const double *w,
                    double *J, double *H);

/* J as above and K (n_sf x D, overwritten) = d2G_k/dx2 . dir per row k: the
 * derivative of J along the local displacement dir (D components), exact.
 * The trainer's curvature loss needs it per probe direction. */
void sf_jacobian_dir(const nnv_element_model *em, const sf_env *env, const double *dir, double *J, double *K);

/* ---- networks (network.c) -------------------------------------------------- */
typedef struct net_workspace {
    int cap_units;  /* largest layer width seen */
    int cap_in;     /* largest input width seen */
    double *buf;
    size_t buf_len;
} net_workspace;

/* Output of the network at x; its gradient (n_in) and Hessian (n_in x n_in)
 * with respect to x when grad / hess are not NULL. Returns NNV_ENOMEM only. */
int net_eval(const nnv_network *net, const double *x, double *out, double *grad, double *hess,
             net_workspace *ws);
void net_workspace_free(net_workspace *ws);

/* ---- networks of a potential (potential.c) ----------------------------------
 * Deep copy of src into dst (1, or 0 when memory runs out: dst then holds a
 * partial copy for potential_network_free); release of one network (left
 * zeroed) and of an array of n networks (NULL is fine). */
int potential_network_copy(nnv_network *dst, const nnv_network *src);
void potential_network_free(nnv_network *net);
void potential_networks_free(nnv_network *nets, int n);

/* ---- committees in the assembly (committee.c) -------------------------------
 * The networks the assembly evaluates for one element: a single potential's
 * as they are, a committee's mean and members. The mean of a committee is
 * exact (E is linear in the members, so are its derivatives); it is formed
 * as x_0 + sum_m (x_m - x_0) / K, so that identical members give member 0's
 * numbers bit for bit. */
typedef struct cm_nets {
    int K;                       /* members; 0 for a single potential */
    const nnv_network *mean;     /* evaluated once for the mean output, gradient and Hessian: the
                                    energy network, or a shallow committee's with its last layer
                                    averaged over the members (identity last layer); NULL: the mean
                                    of K member evaluations */
    const nnv_network *members;  /* the K member networks (a shallow committee's as views): their
                                    outputs and gradients, averaged when mean is NULL */
    const nnv_network *charge;   /* the charge network (single, shallow), or NULL */
    const nnv_network *qmembers; /* full committee with charges: K charge networks, averaged */
    nnv_network own_mean;        /* storage of the averaged view (only its last layer is owned) */
    nnv_network *own_views;      /* storage of member views (only the layer arrays are owned) */
} cm_nets;

typedef struct cm_work {
    size_t cap;                /* n_in the buffers hold */
    double *g, *H, *acc_g, *acc_H;
    net_workspace net;
} cm_work;

/* The cm_nets of element em of p (NNV_OK, NNV_ENOMEM); cm_nets_free releases
 * what it owns (a zeroed struct is fine). */
int cm_nets_init(cm_nets *c, const nnv_potential *p, const nnv_element_model *em);
void cm_nets_free(cm_nets *c);
void cm_work_free(cm_work *w);

/* One atom's energy terms at the n scaled SFs s: the (mean) network output
 * *E, its gradient g and Hessian H (n x n) when not NULL, and for a committee
 * the member outputs Em[K] and, when gm is not NULL, gradients gm (K x n).
 * Returns NNV_OK or NNV_ENOMEM. */
int cm_eval_energy(const cm_nets *c, int n, const double *s, double *E, double *g, double *H, double *Em,
                   double *gm, cm_work *w);
/* The (mean) raw charge *q and its gradient gq (when not NULL). */
int cm_eval_charge(const cm_nets *c, int n, const double *s, double *q, double *gq, cm_work *w);

/* Every element has the networks its committee kind needs (NNV_OK, or
 * NNV_EUSAGE naming the element); the members' energies and the spreads of
 * nnv_compute from the N x K member atomic energies and r->member_forces. */
int cm_check_networks(const nnv_potential *p, nnv_error *err);
int cm_spread(nnv_result *r, const double *member_atomic, double scale, nnv_error *err);

/* A committee member as a plain potential whose arrays belong to c (its
 * layer arrays, element blocks and the view itself belong to *view): free
 * with cm_view_free, never nnv_potential_free. NNV_OK, NNV_ENOMEM. */
int cm_member_view(nnv_potential **view, const nnv_potential *c, int m);
void cm_view_free(nnv_potential *view);

/* ---- neighbours (neighbours.c) ---------------------------------------------
 * For every atom i, the atoms j != i with |x_j - x_i| < cutoff[i], found with
 * a cell list (sorted cells, so memory stays O(N) however sparse the molecule). */
typedef struct nb_list {
    int n_atoms;
    int *offset; /* n_atoms + 1 */
    int *index;  /* neighbours of i: index[offset[i] .. offset[i+1]) */
} nb_list;

int nb_build(nb_list *out, int n_atoms, const double *xyz, const double *cutoff, nnv_error *err);
void nb_free(nb_list *nb);

/* The sf_env arrays of atom i (Z and xyz of the whole structure): Zn, rel
 * and r must hold its neighbour count of entries. */
void nb_env(const nb_list *nb, int i, const int *Z, const double *xyz, int *Zn, double *rel, double *r);

/* ---- the assembly (model.c) ------------------------------------------------
 * nnv_compute, and with h_net and h_sf not NULL also the Hessian's two parts
 * from the same per-atom work: the network's own curvature
 * H_net = sum_i (S J_i)^T H_N (S J_i) and the symmetry functions' curvature
 * H_sf = sum_i sum_k g_k S_k d2G_k/dx2, each a symmetric 3N x 3N array
 * (free()) kept as its own local block and summed in atom order, like the
 * Hessian (which the split implies, and which stays bit-identical). H_net is
 * exactly 0 where the network has no curvature (ReLU). The budget
 * (o->max_hessian_mb) counts the three matrices. Both NULL: nnv_compute. */
int model_compute(nnv_result **out, double **h_net, double **h_sf, const nnv_potential *p,
                  const nnv_structure *s, const nnv_compute_options *o, nnv_error *err);

/* ---- bonds from covalent radii (bonds.c) ------------------------------------
 * Atoms i < j are bonded when |x_i - x_j| <= BONDS_SCALE * (r_i + r_j) with the
 * covalent radii of Cordero et al. (2008). *pairs (malloc'd, 2 * *n_bonds ints,
 * each pair i < j, sorted) is NULL when there are no bonds. */
#define BONDS_SCALE 1.2
double bonds_covalent_radius(int Z);
int bonds_guess(int **pairs, int *n_bonds, int n_atoms, const int *Z, const double *xyz,
                nnv_error *err);

#endif
