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
         "  --eig N           compare dsyevd and dsyevr at the size of N atoms [300; 0: never]\n"
         "  --batch N         time N small molecules in one `nnvib batch` against N `nnvib` processes\n"
         "                    [1000; 0: never]; the program is $NNVIB_BIN, else ./nnvib\n"
         "  --reps N          time every column at least N times (and 0.5 s), keep the shortest [2]");
}

int main(int argc, char **argv)
{
    char pbuf[4096], sizes_buf[256] = "3,30,100,300,1000,3000";
    const char *ppath = NULL;
    int fd_max = 100, vib_max = 3000, eig_n = 300, n_threads = 1, n_rows = 0, batch_n = 1000;
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
    printf("\n%6s %10s %11s %11s %7s %12s %9s %9s %10s %9s %9s %8s %8s\n", "atoms", "force ms", "hess1 ms",
           "hessN ms", "omp x", "FD hess ms", "FD/anal", "anal/frc", "vib ms", "hess MiB", "peak MiB", "cpu/wall",
           "m2/atom");
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
        printf(" %9.1f %9.1f %8.2f %8.0f\n", rw->hess_mib, rw->peak_mib, rw->cpu_hessN,
               rw->pairs / rw->n_atoms);
        fflush(stdout);
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
    if (batch_n > 0) {
        const char *bin = getenv("NNVIB_BIN");
        bench_batch(bin && *bin ? bin : "./nnvib", ppath, batch_n);
    }
    nnv_potential_free(p);
    return 0;
}
