/* nnvib-bench --batch: many small molecules in one `nnvib batch` against one
 * `nnvib` process per molecule. */
#define _POSIX_C_SOURCE 200809L /* fork, mkdtemp, setenv */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

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
void bench_batch(const char *bin, const char *ppath, int n)
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

