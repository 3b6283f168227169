/* tools/nnvib-study, the computations: every molecule on every potential
 * through nnv_compare_potential, then the smoothness diagnostics (path scans,
 * curvature split, FD disagreement, NVE MD) and the cutoff experiment. */
#define _POSIX_C_SOURCE 200809L /* strdup */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "study.h"

static const double fd_steps[N_FD] = {1e-2, 1e-3, 1e-4};

int study_describes(const nnv_potential *p, const nnv_structure *s)
{
    for (int i = 0; i < s->n_atoms; i++)
        if (!nnv_potential_element(p, s->Z[i])) return 0;
    return 1;
}

/* The teacher's harmonic frequencies (each band repeated by its degeneracy)
 * assigned to the experimental bands: the teacher's own error. */
static int teacher_vs_exp(study_mol *mo, nnv_error *err)
{
    int n = 0, k = 0, code;
    double *f;
    if (!mo->tch || !mo->exp) return NNV_OK;
    for (int b = 0; b < mo->tch->n_bands; b++) n += mo->tch->bands[b].degeneracy;
    if (!(f = malloc((size_t)(n ? n : 1) * sizeof *f))) return nnv_error_set(err, NNV_ENOMEM, "out of memory");
    for (int b = 0; b < mo->tch->n_bands; b++)
        for (int g = 0; g < mo->tch->bands[b].degeneracy; g++) f[k++] = mo->tch->bands[b].freq;
    code = nnv_assign_modes(&mo->tch_vs_exp, n, f, mo->exp, err);
    free(f);
    return code;
}

int study_run_comparisons(study *st, char *msg, size_t msglen)
{
    nnv_analysis_options o;
    nnv_error err = {0, ""};
    int code, n_tasks = st->n_mols * st->n_pots;
    memset(&o, 0, sizeof o);
    o.optimize = 1;
    o.max_hessian_mb = cli_max_hessian_mb();
    for (int m = 0; m < st->n_mols; m++)
        if (st->mols[m].described && (code = teacher_vs_exp(&st->mols[m], &err)) != NNV_OK) {
            snprintf(msg, msglen, "%s", err.message);
            return cli_exit_of(code);
        }
    if (!st->quiet)
        fprintf(stderr, STUDY_PROGRAM ": %d molecules x %d potentials: optimise, Hessian, assign\n", st->n_mols,
                st->n_pots);
    /* The (molecule, potential) runs are independent and the library keeps no
     * global state: share them out over the threads. */
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1)
#endif
    for (int t = 0; t < n_tasks; t++) {
        study_mol *mo = &st->mols[t / st->n_pots];
        int k = t % st->n_pots;
        nnv_error e = {0, ""};
        if (!mo->described) continue;
        mo->status[k] = nnv_compare_potential(&mo->cmp[k], mo->s, st->pots[k].p, mo->exp, mo->tch, &o, &e);
        if (mo->status[k] != NNV_OK) mo->fail_msg[k] = strdup(e.message);
    }
    for (int t = 0; t < n_tasks; t++) {
        study_mol *mo = &st->mols[t / st->n_pots];
        int k = t % st->n_pots;
        if (mo->status[k] == NNV_OK) continue;
        if (mo->status[k] == NNV_ENOMEM || !mo->fail_msg[k]) {
            snprintf(msg, msglen, "out of memory");
            return CLI_EXIT_INTERNAL;
        }
        /* A numerical failure is a finding of the study, not the end of it. */
        if (!st->quiet)
            fprintf(stderr, STUDY_PROGRAM ": %s on %s failed: %s\n", mo->name, st->pots[k].path, mo->fail_msg[k]);
    }
    return CLI_EXIT_OK;
}

/* ---- smoothness diagnostics and the cutoff experiment ---------------------- */

static double dist2(const nnv_structure *s, int i, int j)
{
    double d = 0;
    for (int q = 0; q < 3; q++) d += (s->xyz[3 * i + q] - s->xyz[3 * j + q]) * (s->xyz[3 * i + q] - s->xyz[3 * j + q]);
    return d;
}

/* The nearest atom to i with atomic number Z (Z = 0: any heavy atom), other
 * than the atoms in excl; -1 when none. */
static int nearest(const nnv_structure *s, int i, int Z, int excl)
{
    int best = -1;
    for (int j = 0; j < s->n_atoms; j++) {
        if (j == i || j == excl) continue;
        if (Z ? s->Z[j] != Z : s->Z[j] == 1) continue;
        if (best < 0 || dist2(s, i, j) < dist2(s, i, best)) best = j;
    }
    return best;
}

/* Paths of the diagnostics: the O-H stretch (the first O and its nearest H)
 * and, when the O has a heavy neighbour X with an H of its own, the torsion
 * H-X-O-H. Returns the number of paths (0 without an O-H). */
static int diag_paths(nnv_path *pa, char names[2][64], const nnv_structure *s)
{
    int o = -1, h, x, hx, n = 0;
    for (int i = 0; i < s->n_atoms && o < 0; i++)
        if (s->Z[i] == 8) o = i;
    if (o < 0 || (h = nearest(s, o, 1, -1)) < 0) return 0;
    memset(pa, 0, 2 * sizeof *pa);
    pa[0].kind = NNV_PATH_BOND, pa[0].atoms[0] = o, pa[0].atoms[1] = h;
    pa[0].t_start = -0.05, pa[0].t_end = 0.05;
    snprintf(names[0], 64, "O%d-H%d stretch ±0.05 Å", o + 1, h + 1);
    n = 1;
    x = nearest(s, o, 0, -1);
    if (x >= 0 && dist2(s, o, x) < 2.0 * 2.0 && (hx = nearest(s, x, 1, h)) >= 0 && dist2(s, x, hx) < 1.3 * 1.3) {
        pa[1].kind = NNV_PATH_TORSION;
        pa[1].atoms[0] = hx, pa[1].atoms[1] = x, pa[1].atoms[2] = o, pa[1].atoms[3] = h;
        pa[1].t_start = -10.0, pa[1].t_end = 10.0;
        snprintf(names[1], 64, "H%d-%s%d-O%d-H%d torsion ±10°", hx + 1, nnv_element_symbol(s->Z[x]), x + 1, o + 1,
                 h + 1);
        n = 2;
    }
    return n;
}

/* Returns NNV_OK or NNV_ENOMEM; other failures are recorded in d->msg. */
static int run_diag(study_diag *d, const nnv_potential *p, const nnv_structure *s0)
{
    nnv_structure *s = NULL;
    nnv_opt_options oo;
    nnv_opt_report rep;
    nnv_curvature *cv = NULL;
    nnv_compute_options co = {0u, 0.0, cli_max_hessian_mb()};
    nnv_md_options mo;
    nnv_path pa[2];
    nnv_error err = {0, ""};
    int code;
    memset(d, 0, sizeof *d);
    memset(&oo, 0, sizeof oo);
    if ((code = nnv_structure_copy(&s, s0, &err)) != NNV_OK) goto cleanup;
    if ((code = nnv_optimize(s, p, &oo, &rep, &err)) != NNV_OK) goto cleanup;
    d->converged = rep.converged;
    d->n_paths = diag_paths(pa, d->path_name, s);
    for (int k = 0; k < d->n_paths; k++) {
        double h = (pa[k].t_end - pa[k].t_start) / SCAN_POINTS;
        if ((code = nnv_path_scan(&d->fscan[k], p, s, &pa[k], NNV_SCAN_FORCES, h, SCAN_LEVELS, &co, &err)) !=
            NNV_OK)
            goto cleanup;
    }
    if ((code = nnv_curvature_split(&cv, p, s, &co, &err)) != NNV_OK) goto cleanup;
    d->net_share = cv->net_share, d->max_abs_net = cv->max_abs_net, d->norm_total = cv->norm_total;
    if ((code = nnv_hessian_fd_disagreement(d->fd, fd_steps, N_FD, p, s, &co, &err)) != NNV_OK) goto cleanup;
    memset(&mo, 0, sizeof mo); /* no observer */
    mo.temperature = MD_T, mo.dt = MD_DT, mo.n_steps = MD_STEPS, mo.seed = MD_SEED;
    if ((code = nnv_md_run(&d->md, p, s, &mo, &err)) != NNV_OK) goto cleanup;
    d->done = 1;
cleanup:
    if (code != NNV_OK) snprintf(d->msg, sizeof d->msg, "%s", err.message);
    nnv_curvature_free(cv);
    nnv_structure_free(s);
    return code == NNV_ENOMEM ? code : NNV_OK;
}

/* A copy of p with every symmetry function's cutoff function replaced. */
static int with_cutoff(nnv_potential **out, const nnv_potential *p, int cutoff, nnv_error *err)
{
    int code = nnv_potential_copy(out, p, err);
    if (code != NNV_OK) return code;
    for (int e = 0; e < (*out)->n_elements; e++)
        for (int k = 0; k < (*out)->elements[e].n_sf; k++) (*out)->elements[e].sf[k].cutoff = cutoff;
    return NNV_OK;
}

/* The pair (lightest and heaviest element of the potential) is stretched
 * across rc: r from rc - 0.0487 to rc + 0.0513 Å, so no grid point of any
 * level lands on rc itself. */
static int run_cut(study_cut *c, const nnv_potential *p, const int Z[2])
{
    nnv_structure *s = NULL, *s2 = NULL;
    nnv_potential *q = NULL;
    nnv_path pa;
    nnv_error err = {0, ""};
    nnv_compute_options co = {0u, 0.0, cli_max_hessian_mb()};
    double xyz[6] = {0, 0, 0, 0, 0, 0};
    int code;
    double rc = 0;
    memset(c, 0, sizeof *c);
    /* The largest radius of the symmetry functions that see the pair. */
    for (int e = 0; e < p->n_elements; e++)
        for (int j = 0; j < p->elements[e].n_sf; j++) {
            const nnv_sf *sf = &p->elements[e].sf[j];
            int zi = p->elements[e].Z;
            if ((zi == Z[0] && (sf->Zj == Z[1] || sf->Zk == Z[1])) || (zi == Z[1] && (sf->Zj == Z[0] || sf->Zk == Z[0])))
                rc = fmax(rc, sf->rc);
        }
    c->rc = rc;
    if (!(rc > 0.2)) {
        code = nnv_error_set(&err, NNV_EINPUT, "no symmetry function sees a %s-%s pair", nnv_element_symbol(Z[0]),
                             nnv_element_symbol(Z[1]));
        goto cleanup;
    }
    xyz[5] = rc - 0.0487;
    if ((code = nnv_structure_new(&s, 2, Z, xyz, &err)) != NNV_OK) goto cleanup;
    xyz[5] = rc - 0.004;
    if ((code = nnv_structure_new(&s2, 2, Z, xyz, &err)) != NNV_OK) goto cleanup;
    memset(&pa, 0, sizeof pa);
    pa.kind = NNV_PATH_BOND, pa.atoms[0] = 0, pa.atoms[1] = 1, pa.t_start = 0.0, pa.t_end = 0.1;
    for (int k = 0; k < 2; k++) {
        nnv_fd_disagreement fd;
        const double step = 1e-2;
        if ((code = with_cutoff(&q, p, k ? NNV_CUTOFF_POLY2 : NNV_CUTOFF_COS, &err)) != NNV_OK) goto cleanup;
        if ((code = nnv_path_scan(&c->f[k], q, s, &pa, NNV_SCAN_FORCES, 0.005, SCAN_LEVELS, &co, &err)) != NNV_OK)
            goto cleanup;
        if ((code = nnv_path_scan(&c->h[k], q, s, &pa, NNV_SCAN_HESSIAN, 0.005, SCAN_LEVELS, &co, &err)) != NNV_OK)
            goto cleanup;
        if ((code = nnv_hessian_fd_disagreement(&fd, &step, 1, q, s2, &co, &err)) != NNV_OK) goto cleanup;
        c->fd_near[k] = fd.max_abs;
        nnv_potential_free(q);
        q = NULL;
    }
    c->done = 1;
cleanup:
    if (code != NNV_OK) snprintf(c->msg, sizeof c->msg, "%s", err.message);
    nnv_potential_free(q);
    nnv_structure_free(s);
    nnv_structure_free(s2);
    return code == NNV_ENOMEM ? code : NNV_OK;
}

int study_run_diagnostics(study *st, char *msg, size_t msglen)
{
    nnv_structure *const *s = st->diag_s;
    int have_cut = 1, n_tasks = 3 * st->n_pots, oom = 0;
    /* The cutoff pair: the lightest and heaviest element of the first potential. */
    const nnv_potential *p0 = st->pots[0].p;
    st->cut_Z[0] = p0->elements[0].Z, st->cut_Z[1] = p0->elements[p0->n_elements - 1].Z;
    for (int k = 0; k < st->n_pots; k++) {
        const nnv_potential *p = st->pots[k].p;
        if (!nnv_potential_element(p, st->cut_Z[0]) || !nnv_potential_element(p, st->cut_Z[1])) have_cut = 0;
    }
    if (!st->quiet)
        fprintf(stderr, STUDY_PROGRAM ": smoothness diagnostics%s%s%s\n", s[0] ? " at water" : "",
                s[1] ? " at methanol" : "", have_cut ? ", cutoff experiment" : "");
    /* Tasks 0 .. 2n-1: molecule t / n on potential t % n; 2n .. 3n-1: the cutoff experiment. */
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1)
#endif
    for (int t = 0; t < n_tasks; t++) {
        int k = t % st->n_pots, m = t / st->n_pots, c = NNV_OK;
        if (m < 2) {
            study_diag *d = &st->diag[k][m];
            if (!s[m]) continue;
            if (!study_describes(st->pots[k].p, s[m]))
                snprintf(d->msg, sizeof d->msg, "the potential lacks an element");
            else c = run_diag(d, st->pots[k].p, s[m]);
        } else if (have_cut) {
            c = run_cut(&st->cut[k], st->pots[k].p, st->cut_Z);
        }
        if (c != NNV_OK) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
            oom = 1;
        }
    }
    /* Every other failure is recorded beside its row of the report. */
    if (!oom) return CLI_EXIT_OK;
    snprintf(msg, msglen, "out of memory");
    return CLI_EXIT_INTERNAL;
}
