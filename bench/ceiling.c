/* nnvib-bench --ceiling: what two independent 1-thread jobs get from this
 * machine, the ceiling an OpenMP speed-up is measured against. */
#define _POSIX_C_SOURCE 200809L /* fork */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

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

void run_ceiling(row *rw, const nnv_potential *p, int n_mol)
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


/* The machine's parallel ceiling next to the OpenMP speed-up. */
void print_ceiling(const row *rows, int n_rows, int ceil_min, int n_threads)
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
