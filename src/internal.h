/* Internal interfaces shared by the library's files and its unit tests; not
 * installed, not exported (libnnvib exports only ^nnv_ symbols). */
#ifndef NNVIB_INTERNAL_H
#define NNVIB_INTERNAL_H

#include <stdint.h>
#include <stdio.h>
#include <nnvib.h>

/* ---- random numbers ---------------------------------------------------------
 * splitmix64 (Steele, Lea & Flood, OOPSLA 2014): our own generator, so a seed
 * gives the same data set, initial weights and MD velocities on every libc.
 * Callers keep their own normal deviates: changing how one is drawn would
 * change committed data and weights. */
static inline uint64_t rng_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform in (0, 1) from 53 random bits, never 0 (safe under log). */
static inline double rng_open_unit(uint64_t *state)
{
    return ((double)(rng_splitmix64(state) >> 11) + 0.5) * 0x1.0p-53;
}

/* ---- cutoff functions (symfunc.c) ------------------------------------------
 * fc and its first two derivatives with respect to r, zero for r >= rc. */
void sf_cutoff(int type, double rc, double alpha, double r, double *f, double *df, double *d2f);

/* ---- activations (network.c) ----------------------------------------------
 * a(x), a'(x), a''(x) for activation code `act` with parameter `param`. */
void net_activation(int act, double param, double x, double *a, double *da, double *d2a);

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

/* ---- optimiser (optimize.c) -------------------------------------------------
 * Generic L-BFGS minimiser with an Armijo backtracking line search, used by
 * nnv_optimize and testable on analytic functions. The callback returns NNV_OK
 * or a negative status (filling err) and writes f(x) and its gradient. */
typedef int (*opt_fn)(void *ctx, const double *x, double *f, double *grad, nnv_error *err);

typedef struct opt_lbfgs_options {
    int max_steps;   /* accepted steps at most (> 0) */
    double gtol;     /* converged when max |grad component| <= gtol */
    double max_step; /* largest Euclidean length of one block of `block` components per step */
    int block;       /* components per block (3 for atoms, 1 for plain vectors) */
    int memory;      /* number of stored (s, y) pairs, >= 1 */
} opt_lbfgs_options;

typedef struct opt_lbfgs_report {
    int steps;       /* accepted steps */
    int converged;   /* 1 when max |grad| <= gtol at the returned x */
    int n_evals;     /* calls of fn */
    double f;        /* f at the returned x */
    double gmax;     /* max |grad component| at the returned x */
} opt_lbfgs_report;

/* Minimise fn from x (length n, overwritten with the best point found).
 * Returns NNV_OK (also when not converged: see rep->converged), NNV_ENUMERIC
 * for a non-finite f or gradient, or the callback's status. */
int opt_lbfgs(int n, double *x, opt_fn fn, void *ctx, const opt_lbfgs_options *o,
              opt_lbfgs_report *rep, nnv_error *err);

/* ---- atomic files (atomic_file.c) -------------------------------------------
 * Output files are written under a temporary name in the target's folder and
 * renamed over the target only when complete, so a reader never sees half a
 * file and a failure leaves neither a partial file nor a temporary one (an
 * existing target stays as it was). Between af_open and af_commit write to
 * af->f; af_discard drops an unfinished file (no-op after af_commit). */
typedef struct af_file {
    FILE *f;
    char *tmp;        /* temporary path, NULL when closed or direct */
    const char *path; /* the target (not copied) */
    int direct;       /* the target is a device or pipe (e.g. /dev/null): written in place */
} af_file;

int af_open(af_file *af, const char *path, nnv_error *err);
/* Read a whole file (regular file or pipe) into *buf (malloc'd, free() it). */
int af_read_all(const char *path, unsigned char **buf, size_t *len, nnv_error *err);
int af_commit(af_file *af, nnv_error *err);
void af_discard(af_file *af);

/* ---- bonds from covalent radii (bonds.c) ------------------------------------
 * Atoms i < j are bonded when |x_i - x_j| <= BONDS_SCALE * (r_i + r_j) with the
 * covalent radii of Cordero et al. (2008). *pairs (malloc'd, 2 * *n_bonds ints,
 * each pair i < j, sorted) is NULL when there are no bonds. */
#define BONDS_SCALE 1.2
double bonds_covalent_radius(int Z);
int bonds_guess(int **pairs, int *n_bonds, int n_atoms, const int *Z, const double *xyz,
                nnv_error *err);

/* ---- output writers (out_common.c) ------------------------------------------
 * Checks shared by nnv_write_cml/molden/extxyz: path and structure present,
 * atom counts of r and v equal to s's, every number finite. `what` names the
 * writer in messages. */
int out_check(const char *what, const char *path, const nnv_structure *s, const nnv_result *r,
              const nnv_vib *v, nnv_error *err);
/* The title to write (info->title, else s->comment) as one line of at most
 * n - 1 bytes: control characters become spaces, and bytes in `avoid` become
 * `repl` (e.g. "[]" for Molden, whose readers take '[' as a section start). */
void out_title(char *dst, size_t n, const char *title, const char *avoid, const char *repl);

#endif
