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
#include <dirent.h>
#include <fcntl.h>
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

static void set_threads(int n)
{
#ifdef _OPENMP
    omp_set_num_threads(n);
#else
    (void)n;
#endif
}

/* Shortest time of stmt over repeats lasting at least min_s, and at least
 * bench_reps of them: on a shared machine the minimum is the least disturbed. */
static int bench_reps = 2;
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

/* ---- the PyTorch side by side (--torch) --------------------------------------------- */

/* The script to run, and up to which cluster size (torch's autograd Hessian
 * is a backward pass per row: its cost grows much faster than ours). */
typedef struct torch_opts {
    const char *python, *script, *potential;
    int max_atoms;
} torch_opts;

/* The value of " key=" in a `torch ...` line; 0 when absent. */
static int line_value(const char *line, const char *key, double *out)
{
    char pat[64];
    const char *at;
    snprintf(pat, sizeof pat, " %s=", key);
    at = strstr(line, pat);
    if (!at) return 0;
    *out = strtod(at + strlen(pat), NULL);
    return 1;
}

/* The larger of two deviations, NaN winning (fmax would hide it). */
static double worse(double a, double b)
{
    return isnan(a) || isnan(b) ? NAN : fmax(a, b);
}

/* Write the cluster (XYZ, every double exactly) and nnvib's energy, forces
 * and Hessian (native f64) to a temporary folder, run the script on them with
 * 1 and n_threads threads, and keep its times and deviations. */
static void run_torch(row *rw, const nnv_structure *s, const nnv_result *r, const torch_opts *to, int n_threads)
{
    char dir[] = "/tmp/nnvib-bench-torch.XXXXXX", xyz[4200] = "", ref[4200] = "", threads[32], reps[16];
    char out[16384], *line, *save = NULL;
    size_t n3 = 3 * (size_t)s->n_atoms, got = 0;
    int fds[2], status = 0, seen1 = 0, seenN = 0, wrote;
    ssize_t k;
    FILE *f;
    pid_t pid;
    if (!mkdtemp(dir)) {
        snprintf(rw->torch_note, sizeof rw->torch_note, "no temporary folder: %s", strerror(errno));
        return;
    }
    snprintf(xyz, sizeof xyz, "%s/cluster.xyz", dir);
    snprintf(ref, sizeof ref, "%s/nnvib.f64", dir);
#define WRITE_OK(cond)                                                                                     \
    do {                                                                                                   \
        if (!(cond)) {                                                                                     \
            snprintf(rw->torch_note, sizeof rw->torch_note, "cannot write %s: %s", dir, strerror(errno));  \
            goto cleanup;                                                                                  \
        }                                                                                                  \
    } while (0)
    f = fopen(xyz, "w");
    WRITE_OK(f);
    fprintf(f, "%d\nnnvib-bench water cluster\n", s->n_atoms);
    for (int i = 0; i < s->n_atoms; i++)
        fprintf(f, "%s %.17g %.17g %.17g\n", nnv_element_symbol(s->Z[i]), s->xyz[3 * i], s->xyz[3 * i + 1],
                s->xyz[3 * i + 2]);
    WRITE_OK(fclose(f) == 0);
    f = fopen(ref, "wb");
    WRITE_OK(f);
    wrote = fwrite(&r->energy, sizeof(double), 1, f) == 1 && fwrite(r->forces, sizeof(double), n3, f) == n3 &&
            fwrite(r->hessian, sizeof(double), n3 * n3, f) == n3 * n3;
    WRITE_OK((fclose(f) == 0) & wrote);
#undef WRITE_OK
    if (n_threads > 1) snprintf(threads, sizeof threads, "1,%d", n_threads);
    else snprintf(threads, sizeof threads, "1");
    snprintf(reps, sizeof reps, "%d", bench_reps);
    if (pipe(fds) != 0) {
        snprintf(rw->torch_note, sizeof rw->torch_note, "pipe: %s", strerror(errno));
        goto cleanup;
    }
    fflush(stdout);
    pid = fork();
    if (pid < 0) {
        snprintf(rw->torch_note, sizeof rw->torch_note, "fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        goto cleanup;
    }
    if (pid == 0) {
        char *argv[] = {(char *)to->python, (char *)to->script, (char *)to->potential, xyz, "--ref", ref,
                        "--threads", threads, "--reps", reps, NULL};
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execv(to->python, argv);
        _exit(127);
    }
    close(fds[1]);
    /* Keep the first 16 KiB; read on to EOF so the script never blocks. */
    for (;;) {
        char sink[4096], *dst = got < sizeof out - 1 ? out + got : sink;
        k = read(fds[0], dst, dst == sink ? sizeof sink : sizeof out - 1 - got);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        if (dst != sink) got += (size_t)k;
    }
    out[got] = '\0';
    close(fds[0]);
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(rw->torch_note, sizeof rw->torch_note, "%s %s exited with %s %d (its message is above)",
                 to->python, to->script, WIFEXITED(status) ? "status" : "signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        goto cleanup;
    }
    for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        double t = 0, hess = 0, force = 0, v;
        if (strncmp(line, "torch ", 6) != 0 || !line_value(line, "threads", &t) ||
            !line_value(line, "hess_ms", &hess) || !line_value(line, "force_ms", &force))
            continue;
        if ((int)t == 1) rw->t_torch1 = 1e-3 * hess, seen1 = 1;
        if ((int)t == n_threads) rw->t_torchN = 1e-3 * hess, rw->t_torch_forceN = 1e-3 * force, seenN = 1;
        if (line_value(line, "dE", &v)) rw->torch_dE = worse(rw->torch_dE, v);
        if (line_value(line, "dF", &v)) rw->torch_dF = worse(rw->torch_dF, v);
        if (line_value(line, "dH", &v)) rw->torch_dH = worse(rw->torch_dH, v);
        if (line_value(line, "dHrel", &v)) rw->torch_dHrel = worse(rw->torch_dHrel, v);
    }
    if (seen1 && seenN) rw->torch_ok = 1;
    else
        snprintf(rw->torch_note, sizeof rw->torch_note, "no `torch ... threads=%d` line from %s",
                 seen1 ? n_threads : 1, to->script);
cleanup:
    if (*xyz) unlink(xyz);
    if (*ref) unlink(ref);
    rmdir(dir);
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
static int in_child(void (*work)(void *arg, void *out), void *arg, void *out, size_t size, int *sig)
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

static int run_child(row *rw, const nnv_potential *p, int n_mol, int fd_max, int vib_max, int eig_at, int n_threads,
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

/* ---- parallel ceiling: two single-thread jobs at once ------------------------------- */

/* Start and end of every repeat of one job (CLOCK_MONOTONIC is one clock for
 * all processes, so the jobs' repeats can be lined up). */
#define SPAN_MAX 64
typedef struct spans {
    int n;
    double t0[SPAN_MAX], t1[SPAN_MAX];
} spans;

/* k (1 or 2) processes each repeating the 1-thread analytic Hessian (at least
 * 1 s and bench_reps times), released at the same moment by closing a pipe
 * they all wait on. -1 when a job could not run. */
static int hess_jobs(spans *sp, int k, const nnv_potential *p, const nnv_structure *s)
{
    int go[2], res[2][2], started = 0, rc = 0;
    pid_t pid[2];
    if (pipe(go) != 0) return -1;
    for (int j = 0; j < k; j++) {
        if (pipe(res[j]) != 0) {
            rc = -1;
            break;
        }
        fflush(stdout);
        pid[j] = fork();
        if (pid[j] < 0) {
            close(res[j][0]);
            close(res[j][1]);
            rc = -1;
            break;
        }
        if (pid[j] == 0) {
            spans out;
            char c;
            double start;
            memset(&out, 0, sizeof out);
            close(go[1]);
            close(res[j][0]);
            if (read(go[0], &c, 1) < 0) _exit(2); /* EOF: the parent has let every job go */
            set_threads(1);
            start = now();
            do {
                nnv_result *r = NULL;
                out.t0[out.n] = now();
                if (nnv_compute(&r, p, s, &(nnv_compute_options){.want = NNV_WANT_HESSIAN}, NULL) != NNV_OK) _exit(2);
                out.t1[out.n] = now();
                nnv_result_free(r);
                out.n++;
            } while ((now() - start < 1.0 || out.n < bench_reps) && out.n < SPAN_MAX);
            if (write(res[j][1], &out, sizeof out) != (ssize_t)sizeof out) _exit(2);
            _exit(0);
        }
        close(res[j][1]);
        started++;
    }
    close(go[0]);
    close(go[1]);
    for (int j = 0; j < started; j++) {
        int status;
        if (read(res[j][0], &sp[j], sizeof sp[j]) != (ssize_t)sizeof sp[j] || sp[j].n < 1) rc = -1;
        close(res[j][0]);
        if (waitpid(pid[j], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) rc = -1;
    }
    return rc;
}

/* Shortest repeat of job a that ran (all but 5 % of it) while job b was
 * busy: the two jobs never start or stop at exactly the same moment. */
static double concurrent_best(const spans *a, const spans *b)
{
    double lo = b->t0[0], hi = b->t1[b->n - 1], best = HUGE_VAL, most = -1, at_most = HUGE_VAL;
    for (int q = 0; q < a->n; q++) {
        double len = a->t1[q] - a->t0[q], ov = fmin(a->t1[q], hi) - fmax(a->t0[q], lo);
        if (ov >= 0.95 * len) best = fmin(best, len);
        if (ov / len > most) most = ov / len, at_most = len;
    }
    return best < HUGE_VAL ? best : at_most; /* else: the most overlapped repeat */
}

typedef struct ceil_res {
    int ok;
    double t_alone, t_conc[2];
    char note[200];
} ceil_res;

typedef struct ceiling_args {
    const nnv_potential *p;
    int n_mol;
} ceiling_args;

/* In a child (that has never started OpenMP threads, so its own children can
 * use OpenMP safely after fork): the same cluster as measure() builds, the
 * 1-thread Hessian alone, then twice at the same time.  The ceiling is the
 * throughput of the two jobs relative to one alone, t_alone (1/t_a + 1/t_b),
 * i.e. 2 t_alone / t_concurrent: what two perfectly independent threads get
 * from this machine (memory bandwidth, shared cache, clock, other tenants). */
static void ceiling_work(void *arg, void *out)
{
    const ceiling_args *c = arg;
    ceil_res *cr = out;
    nnv_error err = {0, ""};
    nnv_structure *s = water_cluster(c->n_mol, &err);
    spans alone, two[2];
    memset(cr, 0, sizeof *cr);
    if (!s) snprintf(cr->note, sizeof cr->note, "cluster: %s", err.message);
    else if (hess_jobs(&alone, 1, c->p, s) != 0 || hess_jobs(two, 2, c->p, s) != 0)
        snprintf(cr->note, sizeof cr->note, "a Hessian job failed");
    else {
        cr->t_alone = HUGE_VAL;
        for (int q = 0; q < alone.n; q++) cr->t_alone = fmin(cr->t_alone, alone.t1[q] - alone.t0[q]);
        cr->t_conc[0] = concurrent_best(&two[0], &two[1]);
        cr->t_conc[1] = concurrent_best(&two[1], &two[0]);
        cr->ok = 1;
    }
    nnv_structure_free(s);
}

static void run_ceiling(row *rw, const nnv_potential *p, int n_mol)
{
    ceiling_args c = {p, n_mol};
    ceil_res cr;
    int sig;
    if (in_child(ceiling_work, &c, &cr, sizeof cr, &sig) != 0) {
        snprintf(rw->ceil_note, sizeof rw->ceil_note, "the measuring process died");
        return;
    }
    rw->ceil_ok = cr.ok;
    snprintf(rw->ceil_note, sizeof rw->ceil_note, "%s", cr.note);
    if (cr.ok) {
        rw->t_alone = cr.t_alone;
        rw->t_conc[0] = cr.t_conc[0];
        rw->t_conc[1] = cr.t_conc[1];
        rw->ceiling = cr.t_alone * (1.0 / cr.t_conc[0] + 1.0 / cr.t_conc[1]);
    }
}

/* ---- batch mode against one process per molecule ----------------------------------- */

/* Run argv (stdout and stderr to /dev/null); wall seconds, and user + sys of
 * the child added to *cpu. -1 when it could not run or exited with 1 or 2. */
static double run_program(char *const argv[], double *cpu)
{
    struct rusage r0, r1;
    double t0 = now();
    int status;
    pid_t pid;
    getrusage(RUSAGE_CHILDREN, &r0);
    fflush(stdout);
    pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) == 1 ||
        WEXITSTATUS(status) == 2 || WEXITSTATUS(status) == 127)
        return -1;
    getrusage(RUSAGE_CHILDREN, &r1);
    *cpu += (double)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) + 1e-6 * (double)(r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) +
            (double)(r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) + 1e-6 * (double)(r1.ru_stime.tv_usec - r0.ru_stime.tv_usec);
    return now() - t0;
}

/* n frames made from the shipped molecules (each atom moved by up to 0.01 Å,
 * so no two frames are the same): one multi-frame file for `nnvib batch` and
 * one file per frame for separate `nnvib` processes, timed in this run. */
static void bench_batch(const char *bin, const char *ppath, int n)
{
    char moldir[4096], dir[] = "/tmp/nnvib-bench-batch.XXXXXX", path[4200], all[4200], real[4200], libdir[8400];
    const char *src = getenv("NNVIB_SRCDIR");
    nnv_structure *mols[64];
    int n_mols = 0, ok = 1;
    DIR *d;
    struct dirent *de;
    double t_batch = -1, t_batch2 = -1, t_proc = 0, c_batch = 0, c_batch2 = 0, c_proc = 0;
    FILE *fa;
    snprintf(moldir, sizeof moldir, "%s/molecules", src ? src : ".");
    /* An uninstalled nnvib is a libtool wrapper script that sets up the
     * library path on every start: time the real program, as installed. */
    {
        const char *slash = strrchr(bin, '/');
        int dl = slash ? (int)(slash - bin) : 1;
        const char *dn = slash ? bin : ".";
        snprintf(real, sizeof real, "%.*s/.libs/nnvib", dl, dn);
        if (access(real, X_OK) == 0) {
            const char *old = getenv("LD_LIBRARY_PATH");
            snprintf(libdir, sizeof libdir, "%.*s/.libs%s%s", dl, dn, old && *old ? ":" : "", old ? old : "");
            setenv("LD_LIBRARY_PATH", libdir, 1);
            bin = real;
        }
    }
    if (access(bin, X_OK) != 0 || !(d = opendir(moldir))) {
        printf("batch: skipped (no %s or no %s; run from the build folder via make bench)\n", bin, moldir);
        return;
    }
    while ((de = readdir(d)) && n_mols < 64) {
        nnv_error err;
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".xyz") != 0) continue;
        snprintf(path, sizeof path, "%s/%s", moldir, de->d_name);
        if (nnv_structure_read_xyz(&mols[n_mols], path, 0, &err) == NNV_OK) n_mols++;
    }
    closedir(d);
    if (n_mols == 0 || !mkdtemp(dir)) {
        printf("batch: skipped (no molecules or no temporary folder)\n");
        for (int k = 0; k < n_mols; k++) nnv_structure_free(mols[k]);
        return;
    }
    snprintf(all, sizeof all, "%s/all.xyz", dir);
    fa = fopen(all, "w");
    for (int f = 0; f < n && fa; f++) {
        const nnv_structure *m = mols[f % n_mols];
        FILE *fs;
        snprintf(path, sizeof path, "%s/f%04d.xyz", dir, f);
        if (!(fs = fopen(path, "w"))) {
            ok = 0;
            break;
        }
        for (int w = 0; w < 2; w++) {
            FILE *o = w ? fs : fa;
            fprintf(o, "%d\nframe %d\n", m->n_atoms, f + 1);
        }
        for (int i = 0; i < m->n_atoms; i++) {
            double x[3];
            for (int q = 0; q < 3; q++) x[q] = m->xyz[3 * i + q] + 0.01 * (2 * urand() - 1);
            for (int w = 0; w < 2; w++)
                fprintf(w ? fs : fa, "%s %.8f %.8f %.8f\n", nnv_element_symbol(m->Z[i]), x[0], x[1], x[2]);
        }
        if (fclose(fs) != 0) ok = 0;
    }
    if (!fa || fclose(fa) != 0) ok = 0;
    if (ok) {
        char *a1[] = {(char *)bin, "batch", (char *)ppath, all, "--jobs", "1", NULL};
        char *a2[] = {(char *)bin, "batch", (char *)ppath, all, "--jobs", "2", NULL};
        t_batch = run_program(a1, &c_batch);
        t_batch2 = run_program(a2, &c_batch2);
        for (int f = 0; f < n && t_proc >= 0; f++) {
            char *a3[] = {(char *)bin, path, (char *)ppath, NULL};
            double t;
            snprintf(path, sizeof path, "%s/f%04d.xyz", dir, f);
            t = run_program(a3, &c_proc);
            t_proc = t < 0 ? -1 : t_proc + t;
        }
    }
    if (ok && t_batch > 0 && t_batch2 > 0 && t_proc > 0)
        printf("batch: %d molecules (%d shipped, perturbed): one `nnvib batch` %.2f s wall (%.2f s cpu), --jobs 2 "
               "%.2f s (%.2f s cpu); %d `nnvib` processes %.2f s (%.2f s cpu): processes/batch %.1fx, "
               "processes/batch --jobs 2 %.1fx\n",
               n, n_mols, t_batch, c_batch, t_batch2, c_batch2, n, t_proc, c_proc, t_proc / t_batch,
               t_proc / t_batch2);
    else
        printf("batch: failed (%s)\n", ok ? "a run of nnvib failed" : "cannot write the frames");
    for (int f = 0; f < n; f++) {
        snprintf(path, sizeof path, "%s/f%04d.xyz", dir, f);
        unlink(path);
    }
    unlink(all);
    rmdir(dir);
    for (int k = 0; k < n_mols; k++) nnv_structure_free(mols[k]);
}

/* The machine's parallel ceiling next to the OpenMP speed-up. */
static void print_ceiling(const row *rows, int n_rows, int ceil_min, int n_threads)
{
    int any = 0;
    if (ceil_min <= 0) {
        printf("\nparallel ceiling: not measured (--ceiling 0)\n");
        return;
    }
    for (int k = 0; k < n_rows; k++) {
        const row *rw = &rows[k];
        if (!rw->ok || rw->n_atoms < ceil_min) continue;
        if (!any)
            printf("\nparallel ceiling: the 1-thread analytic Hessian alone and in two processes at once\n"
                   "%6s %11s %11s %11s %8s %7s %9s\n", "atoms", "alone ms", "2-proc a ms", "2-proc b ms", "ceiling",
                   "omp x", "omp/ceil");
        any = 1;
        if (!rw->ceil_ok) {
            printf("%6d  failed: %s\n", rw->n_atoms, rw->ceil_note);
            continue;
        }
        printf("%6d %11.3f %11.3f %11.3f %8.2f %7.2f %9.2f\n", rw->n_atoms, 1e3 * rw->t_alone, 1e3 * rw->t_conc[0],
               1e3 * rw->t_conc[1], rw->ceiling, rw->t_hess1 / rw->t_hessN, rw->t_hess1 / rw->t_hessN / rw->ceiling);
    }
    if (!any) {
        printf("\nparallel ceiling: no size of %d atoms or more (--ceiling N)\n", ceil_min);
        return;
    }
    printf("ceiling = t_alone (1/t_a + 1/t_b): throughput of two independent 1-thread jobs relative to one alone\n"
           "  (2.00 = the machine gives two jobs twice the work; below: shared memory bandwidth and cache,\n"
           "  clock, other tenants). omp x = hess1/hessN above (%d threads); omp/ceil = the share of what\n"
           "  the machine allows that OpenMP reaches (with 2 threads).\n", n_threads);
}

/* The PyTorch side by side: times on the same thread counts, and how far its
 * energy, forces and Hessian are from nnvib's. */
static void print_torch(const row *rows, int n_rows, const torch_opts *to, int n_threads)
{
    if (!to->script) {
        printf("\nPyTorch comparison: not requested (--torch SCRIPT; `make bench` passes it when "
               "/usr/bin/python3 can import torch)\n");
        return;
    }
    printf("\nPyTorch side by side: %s, autograd Hessian (one backward pass of the forces per row), up to %d atoms\n"
           "%6s %11s %11s %8s %11s %11s %8s %11s %8s %9s %9s %9s %9s\n",
           to->script, to->max_atoms, "atoms", "hess1 ms", "torch1 ms", "t/n 1", "hessN ms", "torchN ms", "t/n N",
           "t frc ms", "t/n frc", "max|dE|", "max|dF|", "max|dH|", "dH rel");
    for (int k = 0; k < n_rows; k++) {
        const row *rw = &rows[k];
        if (!rw->ok || rw->n_atoms > to->max_atoms) continue;
        if (!rw->torch_ok) {
            printf("%6d  failed: %s\n", rw->n_atoms, rw->torch_note);
            continue;
        }
        printf("%6d %11.3f %11.3f %8.1f %11.3f %11.3f %8.1f %11.3f %8.1f %9.2e %9.2e %9.2e %9.2e\n", rw->n_atoms,
               1e3 * rw->t_hess1, 1e3 * rw->t_torch1, rw->t_torch1 / rw->t_hess1, 1e3 * rw->t_hessN,
               1e3 * rw->t_torchN, rw->t_torchN / rw->t_hessN, 1e3 * rw->t_torch_forceN,
               rw->t_torch_forceN / rw->t_force, rw->torch_dE, rw->torch_dF, rw->torch_dH, rw->torch_dHrel);
    }
    printf("torch1/torchN: energy, forces (create_graph) and the Hessian from the positions, 1 / %d threads\n"
           "  (torch.set_num_threads; neighbour lists built once beforehand, not timed); t/n = torch / nnvib at the\n"
           "  same thread count; t frc = torch forces (%d threads), t/n frc against `force ms`. max|dE| eV, max|dF|\n"
           "  eV/A, max|dH| eV/A^2: largest deviation from nnvib; dH rel = max|dH| / max|H|.\n",
           n_threads, n_threads);
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
         "                   [--batch N] [--reps N] [--torch SCRIPT] [--torch-max N] [--python EXE] [--ceiling N]\n"
         "  --potential FILE  weights.bin with H and O [weights/hcno-tanh.bin, else\n"
         "                    $NNVIB_SHARED/conformance/case015/weights.bin]\n"
         "  --sizes           atoms per cluster, rounded to whole waters [3,30,100,300,1000,3000]\n"
         "  --fd-max N        measure the FD Hessian up to N atoms, estimate it above [100]\n"
         "  --vib-max N       run the vibrational analysis up to N atoms [3000]\n"
         "  --eig N           compare dsyevd and dsyevr at the size of N atoms [300; 0: never]\n"
         "  --batch N         time N small molecules in one `nnvib batch` against N `nnvib` processes\n"
         "                    [1000; 0: never]; the program is $NNVIB_BIN, else ./nnvib\n"
         "  --reps N          time every column at least N times (and 0.5 s), keep the shortest [2]\n"
         "  --torch SCRIPT    also run bench/torch_bp.py (the same model in PyTorch, autograd Hessian) on\n"
         "                    each cluster, on 1 and all threads, and compare its results with nnvib's [off]\n"
         "  --torch-max N     run the PyTorch model up to N atoms [100]\n"
         "  --python EXE      the Python with torch that runs SCRIPT [/usr/bin/python3]\n"
         "  --ceiling N       from N atoms up, time two 1-thread Hessians in two processes at once:\n"
         "                    the machine's own parallel ceiling [300; 0: never]");
}

int main(int argc, char **argv)
{
    char pbuf[4096], sizes_buf[256] = "3,30,100,300,1000,3000";
    const char *ppath = NULL;
    int fd_max = 100, vib_max = 3000, eig_n = 300, n_threads = 1, n_rows = 0, batch_n = 1000, ceil_min = 300;
    torch_opts to = {"/usr/bin/python3", NULL, NULL, 100};
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
        else if (strcmp(a, "--batch") == 0) batch_n = atoi(val);
        else if (strcmp(a, "--reps") == 0) bench_reps = atoi(val) > 0 ? atoi(val) : 1;
        else if (strcmp(a, "--torch") == 0) to.script = val;
        else if (strcmp(a, "--torch-max") == 0) to.max_atoms = atoi(val);
        else if (strcmp(a, "--python") == 0) to.python = val;
        else if (strcmp(a, "--ceiling") == 0) ceil_min = atoi(val);
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
    to.potential = ppath;
    if (to.script && (access(to.script, R_OK) != 0 || access(to.python, X_OK) != 0)) {
        fprintf(stderr, "nnvib-bench: --torch: cannot read %s or run %s\n", to.script, to.python);
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
    printf("\n%6s %10s %11s %11s %7s %12s %9s %9s %10s %9s %9s %8s %8s\n", "atoms", "force ms", "hess1 ms",
           "hessN ms", "omp x", "FD hess ms", "FD/anal", "anal/frc", "vib ms", "hess MiB", "peak MiB", "cpu/wall",
           "m2/atom");
    for (char *tok = strtok(sizes_buf, ","); tok && n_rows < 32; tok = strtok(NULL, ",")) {
        int n_mol = (int)lround(atof(tok) / 3.0), eig_at;
        row *rw = &rows[n_rows];
        if (n_mol < 1) n_mol = 1;
        eig_at = eig_n > 0 && (int)lround(eig_n / 3.0) == n_mol ? 3 * n_mol : -1;
        run_child(rw, p, n_mol, fd_max, vib_max, eig_at, n_threads, &to);
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
        printf(" %9.1f %9.1f %8.2f %8.0f\n", rw->hess_mib, rw->peak_mib, rw->cpu_hessN,
               rw->pairs / rw->n_atoms);
        fflush(stdout);
        if (ceil_min > 0 && rw->n_atoms >= ceil_min) run_ceiling(rw, p, n_mol);
    }
    printf("\nhess1/hessN: analytic Hessian (nnv_compute, forces included) on 1 / %d threads;"
           " omp x = hess1/hessN.\n", n_threads);
    printf("FD hess: nnv_hessian_fd, 6N force calls; m = measured, e = estimated as 6N x force time.\n");
    printf("FD/anal and anal/frc use the %d-thread times. vib: nnv_vib_analyse (projection, dsyevd).\n",
           n_threads);
    printf("peak MiB: maxrss of the process that ran that size (everything above, incl. the FD matrix).\n");
    printf("cpu/wall: (user + sys) / wall of the %d-thread Hessian (%d = every thread busy); m2/atom: mean of\n"
           "  m^2, m = neighbours within the cutoff (the angular work per atom).\n", n_threads, n_threads);
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
            /* Clusters are not at fixed effective density: the surface share
             * falls with size, so the neighbours per atom still grow. */
            printf("scaling exponent of the workload itself (sum of m^2, angular pairs), %d -> %d atoms: %.3f;\n"
                   "  Hessian time per angular pair: exponent %.3f (1 thread), %.3f (%d threads)\n",
                   lo->n_atoms, hi->n_atoms, log(hi->pairs / lo->pairs) / lr,
                   log(hi->t_hess1 / lo->t_hess1 * lo->pairs / hi->pairs) / lr,
                   log(hi->t_hessN / lo->t_hessN * lo->pairs / hi->pairs) / lr, n_threads);
        }
        for (int k = 0; k < n_rows; k++)
            if (rows[k].ok && rows[k].t_evd > 0)
                printf("eigensolver at %d atoms (mass-weighted Hessian, %d x %d, all vectors): dsyevd %.1f ms, "
                       "dsyevr %.1f ms, max eigenvalue difference %.2e eV/(A^2 u)\n",
                       rows[k].n_atoms, 3 * rows[k].n_atoms, 3 * rows[k].n_atoms, 1e3 * rows[k].t_evd,
                       1e3 * rows[k].t_evr, rows[k].evr_diff);
    }
    print_ceiling(rows, n_rows, ceil_min, n_threads);
    print_torch(rows, n_rows, &to, n_threads);
    if (batch_n > 0) {
        const char *bin = getenv("NNVIB_BIN");
        bench_batch(bin && *bin ? bin : "./nnvib", ppath, batch_n);
    }
    nnv_potential_free(p);
    return 0;
}
