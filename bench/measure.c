/* nnvib-bench, one cluster size: the water clusters, the timings of
 * forces, the analytic Hessian (1 and all OpenMP threads), the
 * finite-difference Hessian, the vibrational analysis and the eigensolvers,
 * in a child process so that each size has its own peak memory. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, fork, getrusage */
#include <lapacke.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "bench.h"

double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* xorshift64*: the clusters are the same on every machine. */
static uint64_t rng = 0x2545F4914F6CDD1Dull;
double urand(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (double)((rng * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

/* n_mol water molecules (O-H 0.9572 Å, H-O-H 104.52°) on the points of a
 * cubic lattice nearest to its centre, spacing for 1 g/cm³ (29.9 Å³ per
 * molecule), each jittered by up to 0.15 Å and randomly turned. */
nnv_structure *water_cluster(int n_mol, nnv_error *err)
{
    const double a = cbrt(18.01528 * 1.66053907 / 1.0), roh = 0.9572, half = 0.5 * 104.52 * 3.14159265358979323846 / 180.0;
    int side = 1, n = 3 * n_mol, *Z = NULL, m = 0, rc;
    double *xyz = NULL, *pts = NULL, *d = NULL;
    nnv_structure *s = NULL;
    while (side * side * side < n_mol) side++;
    side += 2; /* room to pick a roughly spherical set */
    pts = malloc(3 * (size_t)side * (size_t)side * (size_t)side * sizeof *pts);
    d = malloc((size_t)side * (size_t)side * (size_t)side * sizeof *d);
    Z = malloc((size_t)n * sizeof *Z);
    xyz = malloc(3 * (size_t)n * sizeof *xyz);
    if (!pts || !d || !Z || !xyz) goto done;
    for (int i = 0; i < side; i++)
        for (int j = 0; j < side; j++)
            for (int k = 0; k < side; k++, m++) {
                double c = 0.5 * (side - 1);
                pts[3 * m] = a * (i - c), pts[3 * m + 1] = a * (j - c), pts[3 * m + 2] = a * (k - c);
                /* Tiny tie-breaker so the nearest-first order is total. */
                d[m] = pts[3 * m] * pts[3 * m] + pts[3 * m + 1] * pts[3 * m + 1] + pts[3 * m + 2] * pts[3 * m + 2] +
                       1e-9 * m;
            }
    for (int w = 0; w < n_mol; w++) {
        int best = -1;
        double q[4], R[9], loc[3][3] = {{0, 0, 0}, {roh * sin(half), 0, roh * cos(half)},
                                         {-roh * sin(half), 0, roh * cos(half)}};
        for (int t = 0; t < m; t++)
            if (d[t] >= 0 && (best < 0 || d[t] < d[best])) best = t;
        d[best] = -1;
        /* A random unit quaternion, then its rotation matrix. */
        double nq = 0;
        for (int t = 0; t < 4; t++) q[t] = 2 * urand() - 1, nq += q[t] * q[t];
        nq = sqrt(nq);
        for (int t = 0; t < 4; t++) q[t] /= nq;
        R[0] = 1 - 2 * (q[2] * q[2] + q[3] * q[3]), R[1] = 2 * (q[1] * q[2] - q[0] * q[3]),
        R[2] = 2 * (q[1] * q[3] + q[0] * q[2]);
        R[3] = 2 * (q[1] * q[2] + q[0] * q[3]), R[4] = 1 - 2 * (q[1] * q[1] + q[3] * q[3]),
        R[5] = 2 * (q[2] * q[3] - q[0] * q[1]);
        R[6] = 2 * (q[1] * q[3] - q[0] * q[2]), R[7] = 2 * (q[2] * q[3] + q[0] * q[1]),
        R[8] = 1 - 2 * (q[1] * q[1] + q[2] * q[2]);
        for (int at = 0; at < 3; at++) {
            Z[3 * w + at] = at == 0 ? 8 : 1;
            for (int c = 0; c < 3; c++) {
                double v = pts[3 * best + c] + 0.15 * (2 * urand() - 1) * (at == 0);
                for (int k = 0; k < 3; k++) v += R[3 * c + k] * loc[at][k];
                xyz[3 * (3 * w + at) + c] = v;
            }
        }
        /* Hydrogens follow their oxygen's jitter. */
        for (int at = 1; at < 3; at++)
            for (int c = 0; c < 3; c++) xyz[3 * (3 * w + at) + c] += xyz[3 * (3 * w) + c] - pts[3 * best + c];
    }
    rc = nnv_structure_new(&s, n, Z, xyz, err);
    if (rc != NNV_OK) s = NULL;
done:
    free(pts);
    free(d);
    free(Z);
    free(xyz);
    return s;
}

static double cpu_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_sec +
           1e-6 * (double)ru.ru_stime.tv_usec;
}

/* Sum over atoms of m_i^2 (m_i: neighbours within the element's largest
 * cutoff): the number of angular pairs, i.e. the work the model itself does. */
static double pair_work(const nnv_potential *p, const nnv_structure *s)
{
    double sum = 0.0;
    for (int i = 0; i < s->n_atoms; i++) {
        const nnv_element_model *e = nnv_potential_element(p, s->Z[i]);
        double rc = 0.0, m = 0.0;
        for (int k = 0; e && k < e->n_sf; k++) rc = fmax(rc, e->sf[k].rc);
        for (int j = 0; j < s->n_atoms; j++) {
            double d2 = 0.0;
            for (int q = 0; q < 3; q++) d2 += pow(s->xyz[3 * j + q] - s->xyz[3 * i + q], 2);
            if (j != i && d2 < rc * rc) m += 1.0;
        }
        sum += m * m;
    }
    return sum;
}

void set_threads(int n)
{
#ifdef _OPENMP
    omp_set_num_threads(n);
#else
    (void)n;
#endif
}

/* Shortest time of stmt over repeats lasting at least min_s, and at least
 * bench_reps of them: on a shared machine the minimum is the least disturbed. */
int bench_reps = 2;
#define TIME_IT(out, min_s, stmt)                                                                          \
    do {                                                                                                   \
        int reps_ = 0;                                                                                     \
        double t0_ = now(), best_ = HUGE_VAL;                                                              \
        do {                                                                                               \
            double s_ = now();                                                                             \
            stmt;                                                                                          \
            best_ = fmin(best_, now() - s_);                                                               \
            reps_++;                                                                                       \
        } while (now() - t0_ < (min_s) || reps_ < bench_reps);                                             \
        (out) = best_;                                                                                     \
    } while (0)

/* dsyevd vs dsyevr (all eigenpairs) on the mass-weighted Hessian. */
static void compare_eigensolvers(row *rw, const nnv_structure *s, const double *H)
{
    size_t n = 3 * (size_t)s->n_atoms;
    double *A = malloc(n * n * sizeof *A), *B = malloc(n * n * sizeof *B), *w1 = malloc(n * sizeof *w1),
           *w2 = malloc(n * sizeof *w2), *Zv = malloc(n * n * sizeof *Zv), t0;
    lapack_int *isuppz = malloc(2 * n * sizeof *isuppz), m_found = 0;
    if (!A || !B || !w1 || !w2 || !Zv || !isuppz) goto done;
    for (size_t a = 0; a < n; a++)
        for (size_t b = 0; b < n; b++)
            A[a * n + b] = H[a * n + b] / sqrt(s->masses[a / 3] * s->masses[b / 3]);
    memcpy(B, A, n * n * sizeof *A);
    t0 = now();
    if (LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'U', (lapack_int)n, A, (lapack_int)n, w1) != 0) goto done;
    rw->t_evd = now() - t0;
    t0 = now();
    if (LAPACKE_dsyevr(LAPACK_COL_MAJOR, 'V', 'A', 'U', (lapack_int)n, B, (lapack_int)n, 0, 0, 0, 0, 0.0, &m_found,
                       w2, Zv, (lapack_int)n, isuppz) != 0)
        goto done;
    rw->t_evr = now() - t0;
    for (size_t k = 0; k < n; k++) rw->evr_diff = fmax(rw->evr_diff, fabs(w1[k] - w2[k]));
done:
    free(A);
    free(B);
    free(w1);
    free(w2);
    free(Zv);
    free(isuppz);
}

/* Everything for one size, in a child process so that maxrss is this size's. */
static void measure(row *rw, const nnv_potential *p, int n_mol, int fd_max, int vib_max, int eig_at, int n_threads,
                    const torch_opts *to)
{
    nnv_error err = {0, ""};
    nnv_structure *s = water_cluster(n_mol, &err);
    nnv_result *r = NULL;
    nnv_vib *v = NULL;
    double *fd = NULL;
    struct rusage ru;
    size_t n3;
    if (!s) {
        snprintf(rw->note, sizeof rw->note, "cluster: %s", err.message);
        return;
    }
    rw->n_atoms = s->n_atoms;
    n3 = 3 * (size_t)s->n_atoms;
    rw->hess_mib = (double)n3 * (double)n3 * 8.0 / 1048576.0;
    set_threads(n_threads);
#define RUN(want)                                                                                            \
    do {                                                                                                     \
        nnv_result_free(r);                                                                                  \
        r = NULL;                                                                                            \
        if (nnv_compute(&r, p, s, &(nnv_compute_options){(want), 0.0, 0.0}, &err) != NNV_OK) {                  \
            snprintf(rw->note, sizeof rw->note, "nnv_compute: %s", err.message);                             \
            goto done;                                                                                       \
        }                                                                                                    \
    } while (0)
    TIME_IT(rw->t_force, 0.5, RUN(NNV_WANT_FORCES));
    set_threads(1);
    TIME_IT(rw->t_hess1, 0.5, RUN(NNV_WANT_HESSIAN));
    set_threads(n_threads);
    {
        double c0 = cpu_now(), w0 = now(), el;
        TIME_IT(rw->t_hessN, 0.5, RUN(NNV_WANT_HESSIAN));
        el = now() - w0;
        rw->cpu_hessN = (cpu_now() - c0) / el; /* cpu/wall over all the repeats */
    }
    rw->pairs = pair_work(p, s);
    if (s->n_atoms <= fd_max) {
        fd = malloc(n3 * n3 * sizeof *fd);
        if (!fd) {
            snprintf(rw->note, sizeof rw->note, "no memory for the FD Hessian");
            goto done;
        }
        TIME_IT(rw->t_fd, 0.0, nnv_hessian_fd(fd, p, s, 1e-3, &err));
        rw->fd_measured = 1;
    } else {
        rw->t_fd = 6.0 * s->n_atoms * rw->t_force; /* 6N force calls */
    }
    if (s->n_atoms == eig_at) compare_eigensolvers(rw, s, r->hessian);
    if (s->n_atoms <= vib_max) {
        double t0 = now();
        if (nnv_vib_analyse(&v, s->n_atoms, s->xyz, s->masses, r->hessian, NULL, NNV_LINEAR_AUTO, &err) != NNV_OK) {
            snprintf(rw->note, sizeof rw->note, "nnv_vib_analyse: %s", err.message);
            goto done;
        }
        rw->t_vib = now() - t0;
    }
    rw->ok = 1;
    /* Last, so that nothing else runs while either side is timed. */
    if (to->script && s->n_atoms <= to->max_atoms) run_torch(rw, s, r, to, n_threads);
done:
    getrusage(RUSAGE_SELF, &ru);
    rw->peak_mib = (double)ru.ru_maxrss / 1024.0; /* kB on Linux */
    free(fd);
    nnv_vib_free(v);
    nnv_result_free(r);
    nnv_structure_free(s);
}

/* Run work(arg, out) in a forked child and copy its out (size bytes) back
 * through a pipe: each size gets its own maxrss, and a child killed by the
 * OOM killer costs one row, not the run. -1 (and *sig, the signal) when the
 * child did not deliver. */
int in_child(void (*work)(void *arg, void *out), void *arg, void *out, size_t size, int *sig)
{
    int fds[2], status = 0;
    ssize_t got;
    pid_t pid;
    *sig = 0;
    if (pipe(fds) != 0) return -1;
    fflush(stdout);
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        work(arg, out);
        if (write(fds[1], out, size) != (ssize_t)size) _exit(2);
        _exit(0);
    }
    close(fds[1]);
    got = read(fds[0], out, size);
    close(fds[0]);
    waitpid(pid, &status, 0);
    if (got != (ssize_t)size) {
        *sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        return -1;
    }
    return 0;
}

typedef struct measure_args {
    const nnv_potential *p;
    int n_mol, fd_max, vib_max, eig_at, n_threads;
    const torch_opts *to;
} measure_args;

static void measure_work(void *arg, void *out)
{
    const measure_args *m = arg;
    memset(out, 0, sizeof(row));
    measure(out, m->p, m->n_mol, m->fd_max, m->vib_max, m->eig_at, m->n_threads, m->to);
}

int run_child(row *rw, const nnv_potential *p, int n_mol, int fd_max, int vib_max, int eig_at, int n_threads,
                     const torch_opts *to)
{
    measure_args m = {p, n_mol, fd_max, vib_max, eig_at, n_threads, to};
    int sig;
    if (in_child(measure_work, &m, rw, sizeof *rw, &sig) != 0) {
        memset(rw, 0, sizeof *rw);
        snprintf(rw->note, sizeof rw->note, "the measuring process died (signal %d): out of memory?", sig);
        return -1;
    }
    return 0;
}

