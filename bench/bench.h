/* nnvib-bench's parts (bench/README.md explains the columns): one cluster
 * size measured in a child process (measure.c), the machine's parallel
 * ceiling (ceiling.c), the PyTorch side by side (torch.c) and batch mode
 * (batch.c); the options and the report are in nnvib-bench.c. */
#ifndef NNVIB_BENCH_H
#define NNVIB_BENCH_H

#include <stddef.h>

#include <nnvib.h>

/* One size's figures, sent from the child that measured them (seconds, MiB). */
typedef struct row {
    int n_atoms, fd_measured, ok;
    double t_force, t_hess1, t_hessN, t_fd, t_vib, peak_mib, hess_mib;
    double t_evd, t_evr, evr_diff; /* dsyevd vs dsyevr, when asked for at this size */
    double cpu_hessN;              /* (user + sys) / wall over the all-thread Hessian repeats */
    double pairs;                  /* sum over atoms of m^2, m = neighbours within the cutoff */
    char note[200];
    /* The PyTorch side-by-side (--torch): autograd Hessian on 1 and N threads,
     * and the largest deviations from nnvib's energy, forces and Hessian. */
    int torch_ok;
    double t_torch_forceN, t_torch1, t_torchN, torch_dE, torch_dF, torch_dH, torch_dHrel;
    char torch_note[200];
    /* Parallel ceiling: the 1-thread Hessian alone, and in each of two
     * processes running at the same time. */
    int ceil_ok;
    double t_alone, t_conc[2], ceiling;
    char ceil_note[200];
} row;

/* The script to run, and up to which cluster size (torch's autograd Hessian
 * is a backward pass per row: its cost grows much faster than ours). */
typedef struct torch_opts {
    const char *python, *script, *potential;
    int max_atoms;
} torch_opts;

/* ---- measure.c ---------------------------------------------------------------- */

/* Every timing is repeated at least this often (--reps). */
extern int bench_reps;

/* CLOCK_MONOTONIC in seconds. */
double now(void);
/* Uniform in [0, 1), the same sequence on every machine. */
double urand(void);
/* The OpenMP threads of what follows (nothing without OpenMP). */
void set_threads(int n);
nnv_structure *water_cluster(int n_mol, nnv_error *err);
int in_child(void (*work)(void *arg, void *out), void *arg, void *out, size_t size, int *sig);
/* One size's row, measured in a child; -1 (and a note) when the child died. */
int run_child(row *rw, const nnv_potential *p, int n_mol, int fd_max, int vib_max, int eig_at, int n_threads,
              const torch_opts *to);

/* ---- torch.c, ceiling.c, batch.c --------------------------------------------- */

void run_torch(row *rw, const nnv_structure *s, const nnv_result *r, const torch_opts *to, int n_threads);
void print_torch(const row *rows, int n_rows, const torch_opts *to, int n_threads);
/* The parallel ceiling at this size, into rw->ceil_*. */
void run_ceiling(row *rw, const nnv_potential *p, int n_mol);
void print_ceiling(const row *rows, int n_rows, int ceil_min, int n_threads);
void bench_batch(const char *bin, const char *ppath, int n);

#endif
