/* nnvib-bench: times forces, the analytic Hessian (1 and all OpenMP threads),
 * the finite-difference Hessian, and the vibrational analysis on water
 * clusters of ~3 to ~3000 atoms, and prints every ratio from one run
 * (`make bench`; bench/README.md explains the columns). */
#define _POSIX_C_SOURCE 200809L /* sysconf */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "bench.h"

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
