/* nnvib-bench --torch: the same model in PyTorch (bench/torch_bp.py) on the
 * same clusters, its times and how far its results are from nnvib's. */
#define _POSIX_C_SOURCE 200809L /* fork, mkdtemp, strtok_r */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

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
void run_torch(row *rw, const nnv_structure *s, const nnv_result *r, const torch_opts *to, int n_threads)
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


/* The PyTorch side by side: times on the same thread counts, and how far its
 * energy, forces and Hessian are from nnvib's. */
void print_torch(const row *rows, int n_rows, const torch_opts *to, int n_threads)
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
