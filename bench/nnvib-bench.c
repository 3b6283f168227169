/* nnvib-bench: times forces, the analytic Hessian (1 and all OpenMP threads),
 * the finite-difference Hessian, and the vibrational analysis on water
 * clusters of ~3 to ~3000 atoms, and prints every ratio from one run
 * (`make bench`; bench/README.md explains the columns). */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, fork, getrusage */
#include <errno.h>
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

#include <nnvib.h>

/* One size's figures, sent from the child that measured them (seconds, MiB). */
typedef struct row {
    int n_atoms, fd_measured, ok;
    double t_force, t_hess1, t_hessN, t_fd, t_vib, peak_mib, hess_mib;
    double t_evd, t_evr, evr_diff; /* dsyevd vs dsyevr, when asked for at this size */
    char note[200];
} row;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* xorshift64*: the clusters are the same on every machine. */
static uint64_t rng = 0x2545F4914F6CDD1Dull;
static double urand(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (double)((rng * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

/* n_mol water molecules (O-H 0.9572 Å, H-O-H 104.52°) on the points of a
 * cubic lattice nearest to its centre, spacing for 1 g/cm³ (29.9 Å³ per
 * molecule), each jittered by up to 0.15 Å and randomly turned. */
static nnv_structure *water_cluster(int n_mol, nnv_error *err)
{
    const double a = cbrt(18.01528 * 1.66053907 / 1.0), roh = 0.9572, half = 0.5 * 104.52 * 3.14159265358979323846 / 180.0;
    int side = 1, n = 3 * n_mol, *Z = NULL, m = 0, rc;
    double *xyz = NULL, *pts = NULL, *d = NULL;
    nnv_structure *s = NULL;
    while (side * side * side < n_mol) side++;
    side += 2; /* room to pick a roughly spherical set */
    pts = malloc(3 * (size_t)side * side * side * sizeof *pts);
    d = malloc((size_t)side * side * side * sizeof *d);
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

static void set_threads(int n)
{
#ifdef _OPENMP
    omp_set_num_threads(n);
#else
    (void)n;
#endif
}

/* Mean time of fn over repeats lasting at least min_s (at least once). */
#define TIME_IT(out, min_s, stmt)                                                                          \
    do {                                                                                                   \
        int reps_ = 0;                                                                                     \
        double t0_ = now(), el_;                                                                           \
        do {                                                                                               \
            stmt;                                                                                          \
            reps_++;                                                                                       \
            el_ = now() - t0_;                                                                             \
        } while (el_ < (min_s));                                                                           \
        (out) = el_ / reps_;                                                                               \
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
static void measure(row *rw, const nnv_potential *p, int n_mol, int fd_max, int vib_max, int eig_at, int n_threads)
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
        if (nnv_compute(&r, p, s, 0.0, (want), &err) != NNV_OK) {                                            \
            snprintf(rw->note, sizeof rw->note, "nnv_compute: %s", err.message);                             \
            goto done;                                                                                       \
        }                                                                                                    \
    } while (0)
    TIME_IT(rw->t_force, 0.5, RUN(NNV_WANT_FORCES));
    set_threads(1);
    TIME_IT(rw->t_hess1, 0.5, RUN(NNV_WANT_HESSIAN));
    set_threads(n_threads);
    TIME_IT(rw->t_hessN, 0.5, RUN(NNV_WANT_HESSIAN));
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
done:
    getrusage(RUSAGE_SELF, &ru);
    rw->peak_mib = ru.ru_maxrss / 1024.0; /* kB on Linux */
    free(fd);
    nnv_vib_free(v);
    nnv_result_free(r);
    nnv_structure_free(s);
}

static int run_child(row *rw, const nnv_potential *p, int n_mol, int fd_max, int vib_max, int eig_at, int n_threads)
{
    int fds[2];
    pid_t pid;
    memset(rw, 0, sizeof *rw);
    if (pipe(fds) != 0) return -1;
    fflush(stdout);
    pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        row out;
        memset(&out, 0, sizeof out);
        close(fds[0]);
        measure(&out, p, n_mol, fd_max, vib_max, eig_at, n_threads);
        if (write(fds[1], &out, sizeof out) != (ssize_t)sizeof out) _exit(2);
        _exit(0);
    }
    close(fds[1]);
    ssize_t got = read(fds[0], rw, sizeof *rw);
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    if (got != (ssize_t)sizeof *rw) {
        snprintf(rw->note, sizeof rw->note, "the measuring process died (signal %d): out of memory?",
                 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
        return -1;
    }
    return 0;
}

static const char *default_potential(char *buf, size_t n)
{
    const char *src = getenv("NNVIB_SRCDIR"), *shared = getenv("NNVIB_SHARED");
    snprintf(buf, n, "%s/weights/hcno-tanh.bin", src ? src : ".");
    if (access(buf, R_OK) == 0) return buf;
    snprintf(buf, n, "%s/conformance/case015/weights.bin", shared ? shared : "../shared");
    if (access(buf, R_OK) == 0) return buf;
    return NULL;
}

static void usage(void)
{
    puts("Usage: nnvib-bench [--potential FILE] [--sizes N,N,...] [--fd-max N] [--vib-max N] [--eig N]\n"
         "  --potential FILE  weights.bin with H and O [weights/hcno-tanh.bin, else\n"
         "                    $NNVIB_SHARED/conformance/case015/weights.bin]\n"
         "  --sizes           atoms per cluster, rounded to whole waters [3,30,100,300,1000,3000]\n"
         "  --fd-max N        measure the FD Hessian up to N atoms, estimate it above [100]\n"
         "  --vib-max N       run the vibrational analysis up to N atoms [3000]\n"
         "  --eig N           compare dsyevd and dsyevr at the size of N atoms [300; 0: never]");
}

int main(int argc, char **argv)
{
    char pbuf[4096], sizes_buf[256] = "3,30,100,300,1000,3000";
    const char *ppath = NULL;
    int fd_max = 100, vib_max = 3000, eig_n = 300, n_threads = 1, n_rows = 0;
    row rows[32];
    nnv_potential *p = NULL;
    nnv_error err;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage();
            return 0;
        }
        if (!val) {
            usage();
            return 2;
        }
        if (strcmp(a, "--potential") == 0) ppath = val;
        else if (strcmp(a, "--sizes") == 0) snprintf(sizes_buf, sizeof sizes_buf, "%s", val);
        else if (strcmp(a, "--fd-max") == 0) fd_max = atoi(val);
        else if (strcmp(a, "--vib-max") == 0) vib_max = atoi(val);
        else if (strcmp(a, "--eig") == 0) eig_n = atoi(val);
        else {
            usage();
            return 2;
        }
        i++;
    }
    if (!ppath) ppath = default_potential(pbuf, sizeof pbuf);
    if (!ppath) {
        fprintf(stderr, "nnvib-bench: no potential: give --potential FILE (H and O)\n");
        return 2;
    }
    if (nnv_potential_read(&p, ppath, &err) != NNV_OK) {
        fprintf(stderr, "nnvib-bench: %s\n", err.message);
        return 2;
    }
    if (!nnv_potential_element(p, 1) || !nnv_potential_element(p, 8)) {
        fprintf(stderr, "nnvib-bench: %s has no H or no O block\n", ppath);
        nnv_potential_free(p);
        return 2;
    }
#ifdef _OPENMP
    n_threads = omp_get_max_threads();
#endif
    printf("nnvib-bench: water clusters at 1 g/cm3, potential %s\n", ppath);
    printf("threads: %d (OMP_NUM_THREADS), cores online: %ld; times are wall-clock on a possibly shared machine\n",
           n_threads, sysconf(_SC_NPROCESSORS_ONLN));
    printf("\n%6s %10s %11s %11s %7s %12s %9s %9s %10s %9s %9s\n", "atoms", "force ms", "hess1 ms", "hessN ms",
           "omp x", "FD hess ms", "FD/anal", "anal/frc", "vib ms", "hess MiB", "peak MiB");
    for (char *tok = strtok(sizes_buf, ","); tok && n_rows < 32; tok = strtok(NULL, ",")) {
        int n_mol = (int)lround(atof(tok) / 3.0), eig_at;
        row *rw = &rows[n_rows];
        if (n_mol < 1) n_mol = 1;
        eig_at = eig_n > 0 && (int)lround(eig_n / 3.0) == n_mol ? 3 * n_mol : -1;
        run_child(rw, p, n_mol, fd_max, vib_max, eig_at, n_threads);
        n_rows++;
        if (!rw->ok) {
            printf("%6d  failed: %s (peak %.0f MiB)\n", 3 * n_mol, rw->note, rw->peak_mib);
            continue;
        }
        printf("%6d %10.3f %11.3f %11.3f %7.2f %11.1f%s %9.1f %9.2f ", rw->n_atoms, 1e3 * rw->t_force,
               1e3 * rw->t_hess1, 1e3 * rw->t_hessN, rw->t_hess1 / rw->t_hessN, 1e3 * rw->t_fd,
               rw->fd_measured ? "m" : "e", rw->t_fd / rw->t_hessN, rw->t_hessN / rw->t_force);
        if (rw->t_vib > 0) printf("%10.1f", 1e3 * rw->t_vib);
        else printf("%10s", "-");
        printf(" %9.1f %9.1f\n", rw->hess_mib, rw->peak_mib);
        fflush(stdout);
    }
    printf("\nhess1/hessN: analytic Hessian (nnv_compute, forces included) on 1 / %d threads;"
           " omp x = hess1/hessN.\n", n_threads);
    printf("FD hess: nnv_hessian_fd, 6N force calls; m = measured, e = estimated as 6N x force time.\n");
    printf("FD/anal and anal/frc use the %d-thread times. vib: nnv_vib_analyse (projection, dsyevd).\n",
           n_threads);
    printf("peak MiB: maxrss of the process that ran that size (everything above, incl. the FD matrix).\n");
    /* Scaling of the assembly between the sizes nearest 300 and 3000 atoms. */
    {
        const row *lo = NULL, *hi = NULL;
        for (int k = 0; k < n_rows; k++) {
            if (!rows[k].ok) continue;
            if (!lo || abs(rows[k].n_atoms - 300) < abs(lo->n_atoms - 300)) lo = &rows[k];
            if (!hi || abs(rows[k].n_atoms - 3000) < abs(hi->n_atoms - 3000)) hi = &rows[k];
        }
        if (lo && hi && hi->n_atoms > lo->n_atoms) {
            double lr = log((double)hi->n_atoms / lo->n_atoms);
            printf("scaling exponent of the analytic Hessian, %d -> %d atoms: %.3f (1 thread), %.3f (%d threads)\n",
                   lo->n_atoms, hi->n_atoms, log(hi->t_hess1 / lo->t_hess1) / lr,
                   log(hi->t_hessN / lo->t_hessN) / lr, n_threads);
        }
        for (int k = 0; k < n_rows; k++)
            if (rows[k].ok && rows[k].t_evd > 0)
                printf("eigensolver at %d atoms (mass-weighted Hessian, %d x %d, all vectors): dsyevd %.1f ms, "
                       "dsyevr %.1f ms, max eigenvalue difference %.2e eV/(A^2 u)\n",
                       rows[k].n_atoms, 3 * rows[k].n_atoms, 3 * rows[k].n_atoms, 1e3 * rows[k].t_evd,
                       1e3 * rows[k].t_evr, rows[k].evr_diff);
    }
    nnv_potential_free(p);
    return 0;
}
