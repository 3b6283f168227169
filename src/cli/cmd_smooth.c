/* nnvib smoothness: the smoothness diagnostics of one molecule on one
 * potential (force and Hessian continuity along a bond stretch and/or a
 * torsion, the network's share of the Hessian, analytic vs finite-difference
 * Hessian), as a text report or JSON (docs/cli.md, docs/json-schema.md). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_PATHS 8
#define N_FD_STEPS 4

typedef struct smooth_opts {
    const char *xyz, *pot;
    nnv_path paths[MAX_PATHS];
    int n_paths;
    double range;  /* Å, half width of bond paths */
    double angle;  /* degrees, half width of torsion paths */
    long points;   /* steps at the coarsest level */
    long levels;
    int json, opt, quiet, no_hessian_scan;
} smooth_opts;

/* "I,J[,K,L]": n atom numbers from 1 into 0-based atoms; 0 or -1. */
static int parse_atoms(const char *s, int n, int *atoms)
{
    const char *c = s;
    for (int k = 0; k < n; k++) {
        char num[16];
        size_t len = strcspn(c, ",");
        long v;
        if (len == 0 || len >= sizeof num || (k + 1 < n) != (c[len] == ',')) return -1;
        memcpy(num, c, len);
        num[len] = '\0';
        if (args_long(num, 1, 1000000000L, &v) != 0) return -1;
        atoms[k] = (int)v - 1;
        c += len + (c[len] == ',');
    }
    return 0;
}

/* --bond I,J and --torsion I,J,K,L, repeatable: one path each. */
static int take_path(smooth_opts *o, const char *val, int kind, char *msg, size_t msglen)
{
    nnv_path *pa;
    if (o->n_paths == MAX_PATHS) {
        snprintf(msg, msglen, "too many --bond/--torsion paths (at most %d)", MAX_PATHS);
        return CLI_EXIT_USAGE;
    }
    pa = &o->paths[o->n_paths];
    memset(pa, 0, sizeof *pa);
    pa->kind = kind;
    if (parse_atoms(val, kind == NNV_PATH_TORSION ? 4 : 2, pa->atoms) != 0) return CLI_EXIT_USAGE;
    o->n_paths++;
    return CLI_EXIT_OK;
}

static int take_bond(void *ctx, const char *val, char *msg, size_t msglen)
{
    return take_path(ctx, val, NNV_PATH_BOND, msg, msglen);
}

static int take_torsion(void *ctx, const char *val, char *msg, size_t msglen)
{
    return take_path(ctx, val, NNV_PATH_TORSION, msg, msglen);
}

/* CLI_EXIT_OK, ARGS_DONE after --help, or an exit status with msg. */
static int parse(smooth_opts *o, int argc, char **argv, char *msg, size_t msglen)
{
    const char *pos[64];
    int n_pos = 0, st;
    const arg_spec opts[] = {
        {.name = "bond", .kind = ARG_CALL, .metavar = "I,J", .help = "stretch: move atom J along I->J (repeatable)",
         .expect = "I,J (atom numbers from 1)", .call = take_bond, .ctx = o},
        {.name = "torsion", .kind = ARG_CALL, .metavar = "I,J,K,L",
         .help = "rotate the atoms on L's side about the J-K bond (repeatable)\n[default: --bond between atom 1 and its "
         "nearest neighbour]", .expect = "I,J,K,L (atom numbers from 1)", .call = take_torsion, .ctx = o},
        {.name = "range", .kind = ARG_DOUBLE, .dest = &o->range, .metavar = "A",
         .help = "half width of bond paths, Angstrom [0.05]", .expect = "a half width in (0, 2] Angstrom", .lo = 0,
         .hi = 2, .open = ARG_OPEN_LO},
        {.name = "angle", .kind = ARG_DOUBLE, .dest = &o->angle, .metavar = "D",
         .help = "half width of torsion paths, degrees [10]", .expect = "a half width in (0, 180] degrees", .lo = 0,
         .hi = 180, .open = ARG_OPEN_LO},
        {.name = "points", .kind = ARG_LONG, .dest = &o->points, .metavar = "N",
         .help = "steps over the path at the coarsest level [50]", .expect = "an integer 1..10000", .lo = 1,
         .hi = 10000},
        {.name = "levels", .kind = ARG_LONG, .dest = &o->levels, .metavar = "L",
         .help = "step sizes h, h/2, ..., h/2^(L-1), 2..8 [4]", .expect = "an integer 2..8", .lo = 2,
         .hi = NNV_SCAN_MAX_LEVELS},
        {.name = "no-hessian-scan", .kind = ARG_FLAG, .dest = &o->no_hessian_scan, .help = "scan the forces only"},
        {.name = "opt", .kind = ARG_FLAG, .dest = &o->opt, .help = "relax the molecule on the potential first"},
        {.name = "json", .kind = ARG_FLAG, .dest = &o->json, .help = "JSON on stdout (docs/json-schema.md)"},
        ARG_SPEC_QUIET(&o->quiet), ARG_SPEC_HELP, {0},
    };
    const arg_command cmd = {
        .program = "nnvib smoothness", .usage = "MOLECULE.xyz POTENTIAL [options]",
        .summary = "Smoothness diagnostics of a potential at a molecule: force and Hessian continuity\n"
                   "along paths, the network's share of the Hessian, analytic vs finite-difference\n"
                   "Hessian. See docs/cli.md.",
        .opts = opts, .min_pos = 2, .max_pos = 2, .positional = "MOLECULE.xyz POTENTIAL",
        .exits = ARGS_EXITS_BASIC | ARG_EXIT(CLI_EXIT_NUMERIC) | ARG_EXIT(CLI_EXIT_OUTPUT)};
    memset(o, 0, sizeof *o);
    o->range = 0.05, o->angle = 10.0, o->points = 50, o->levels = 4;
    if (argc > (int)(sizeof pos / sizeof pos[0]) - 1) {
        snprintf(msg, msglen, "too many arguments (see nnvib smoothness --help)");
        return CLI_EXIT_USAGE;
    }
    st = args_parse(&cmd, argc, argv, pos, &n_pos, msg, msglen);
    if (st == CLI_EXIT_OK) o->xyz = pos[0], o->pot = pos[1];
    return st;
}

static const char *verdict(const nnv_scan *sc)
{
    double r = sc->ratio[sc->n_levels - 2];
    if (sc->level[sc->n_levels - 1].max_jump == 0.0)
        return "constant: no change at the finest step, so no ratio (a path outside every cutoff, or a quantity "
               "the path does not move)";
    if (r >= 1.6) return "continuous";
    if (r <= 1.3) return "jumps";
    return "unclear";
}

static void path_name(char *buf, size_t n, const nnv_path *pa)
{
    if (pa->kind == NNV_PATH_BOND)
        snprintf(buf, n, "bond %d-%d", pa->atoms[0] + 1, pa->atoms[1] + 1);
    else
        snprintf(buf, n, "torsion %d-%d-%d-%d", pa->atoms[0] + 1, pa->atoms[1] + 1, pa->atoms[2] + 1,
                 pa->atoms[3] + 1);
}

static void text_scan(FILE *f, const nnv_scan *sc, const nnv_path *pa, int n3)
{
    const char *u = pa->kind == NNV_PATH_TORSION ? "deg" : "A";
    int hess = sc->quantity == NNV_SCAN_HESSIAN;
    fprintf(f, "  %s: largest step-to-step change of the %s\n", hess ? "Hessian" : "forces",
            hess ? "Hessian (eV/A^2)" : "forces (eV/A)");
    fprintf(f, "    %10s %7s %14s %11s %14s %7s\n", u[0] == 'd' ? "h (deg)" : "h (A)", "steps", "max jump",
            u[0] == 'd' ? "at t (deg)" : "at t (A)", "component", "ratio");
    for (int k = 0; k < sc->n_levels; k++) {
        const nnv_scan_level *lv = &sc->level[k];
        char comp[48];
        if (hess)
            snprintf(comp, sizeof comp, "%d%c,%d%c", lv->component / n3 / 3 + 1, "xyz"[lv->component / n3 % 3],
                     lv->component % n3 / 3 + 1, "xyz"[lv->component % n3 % 3]);
        else
            snprintf(comp, sizeof comp, "atom %d %c", lv->component / 3 + 1, "xyz"[lv->component % 3]);
        fprintf(f, "    %10.6f %7d %14.6e %11.5f %14s", lv->h, lv->n_steps, lv->max_jump, lv->t_at, comp);
        /* A ratio with a zero finer jump is undefined, not a number. */
        if (k > 0 && !isnan(sc->ratio[k - 1])) fprintf(f, " %7.3f\n", sc->ratio[k - 1]);
        else fputs("       -\n", f);
    }
    fprintf(f, "    verdict: %s%s\n", verdict(sc),
            sc->level[sc->n_levels - 1].max_jump == 0.0 ? "" : " (ratio ~2: continuous, jump ~ h; ~1: a jump on the path)");
}

static void json_scan(FILE *f, const nnv_scan *sc)
{
    fprintf(f, "{\"levels\": [");
    for (int k = 0; k < sc->n_levels; k++) {
        const nnv_scan_level *lv = &sc->level[k];
        fputs(k ? ", {\"h\": " : "{\"h\": ", f);
        json_num(f, lv->h);
        fprintf(f, ", \"steps\": %d, \"max_jump\": ", lv->n_steps);
        json_num(f, lv->max_jump);
        json_key_num(f, ", ", "t", lv->t_at);
        fprintf(f, ", \"component\": %d}", lv->component);
    }
    fprintf(f, "], \"ratios\": [");
    for (int k = 0; k + 1 < sc->n_levels; k++) {
        if (k) fputs(", ", f);
        json_num(f, sc->ratio[k]);
    }
    fprintf(f, "], \"verdict\": \"%s\"}", verdict(sc));
}

int cli_main_smoothness(int argc, char **argv)
{
    static const double fd_steps[N_FD_STEPS] = {1e-2, 1e-3, 1e-4, 1e-5};
    smooth_opts o;
    nnv_structure *s = NULL;
    nnv_potential *p = NULL;
    nnv_opt_report rep = {0, 0, 0, 0, 0};
    nnv_curvature *cv = NULL;
    nnv_fd_disagreement fd[N_FD_STEPS];
    nnv_scan (*scans)[2] = NULL;
    nnv_compute_options co = {0u, 0.0, cli_max_hessian_mb()};
    nnv_error err = {0, ""};
    char msg[NNV_ERROR_MESSAGE_MAX + 64], name[64];
    int st, code, n3, smooth;
    FILE *f = stdout;

    if ((st = parse(&o, argc, argv, msg, sizeof msg)) == ARGS_DONE) return CLI_EXIT_OK;
    if (st != CLI_EXIT_OK) return args_fail("nnvib smoothness", st, msg);
    msg[0] = '\0';
    if ((st = cli_load(&s, &p, o.xyz, o.pot, o.opt, &rep, msg, sizeof msg)) != CLI_EXIT_OK) goto cleanup;
    n3 = 3 * s->n_atoms;
    if (o.opt && !rep.converged && !o.quiet)
        fprintf(stderr, "nnvib smoothness: warning: --opt did not converge in %d steps (max force %.3e eV/A)\n",
                rep.steps, rep.max_force);
    if (o.n_paths == 0 && s->n_atoms > 1) {
        /* Default: atom 1 and its nearest neighbour. */
        int best = 1;
        double dbest = INFINITY;
        for (int j = 1; j < s->n_atoms; j++) {
            double d = 0;
            for (int q = 0; q < 3; q++) d += (s->xyz[3 * j + q] - s->xyz[q]) * (s->xyz[3 * j + q] - s->xyz[q]);
            if (d < dbest) dbest = d, best = j;
        }
        memset(&o.paths[0], 0, sizeof o.paths[0]);
        o.paths[0].kind = NNV_PATH_BOND;
        o.paths[0].atoms[0] = 0, o.paths[0].atoms[1] = best;
        o.n_paths = 1;
    }
    for (int k = 0; k < o.n_paths; k++) {
        nnv_path *pa = &o.paths[k];
        double w = pa->kind == NNV_PATH_TORSION ? o.angle : o.range;
        pa->t_start = -w, pa->t_end = w;
        if ((code = nnv_path_check(pa, s, &err)) != NNV_OK) {
            path_name(name, sizeof name, pa);
            snprintf(msg, sizeof msg, "%s: %s (%s has %d atoms)", name, err.message, o.xyz, s->n_atoms);
            st = CLI_EXIT_USAGE;
            goto cleanup;
        }
    }
    if (o.n_paths && !(scans = calloc((size_t)o.n_paths, sizeof *scans))) {
        snprintf(msg, sizeof msg, "out of memory");
        st = CLI_EXIT_INTERNAL;
        goto cleanup;
    }
    for (int k = 0; k < o.n_paths; k++)
        for (int q = 0; q < (o.no_hessian_scan ? 1 : 2); q++) {
            nnv_path *pa = &o.paths[k];
            code = nnv_path_scan(&scans[k][q], p, s, pa, q, (pa->t_end - pa->t_start) / (double)o.points,
                                 (int)o.levels, &co, &err);
            if (code != NNV_OK) goto lib_fail;
        }
    if ((code = nnv_curvature_split(&cv, p, s, &co, &err)) != NNV_OK) goto lib_fail;
    if ((code = nnv_hessian_fd_disagreement(fd, fd_steps, N_FD_STEPS, p, s, &co, &err)) != NNV_OK) goto lib_fail;
    smooth = nnv_potential_smoothness(p);

    if (o.json) {
        fputs("{\"program\": \"nnvib\", \"version\": ", f);
        json_str(f, nnv_version());
        fprintf(f, ", \"command\": \"smoothness\", \"n_atoms\": %d, \"smoothness\": \"%s\", \"optimized\": %s, "
                   "\"paths\": [", s->n_atoms, nnv_smoothness_name(smooth), o.opt ? "true" : "false");
        for (int k = 0; k < o.n_paths; k++) {
            const nnv_path *pa = &o.paths[k];
            int na = pa->kind == NNV_PATH_TORSION ? 4 : 2;
            fprintf(f, "%s{\"kind\": \"%s\", \"atoms\": [", k ? ", " : "", pa->kind == NNV_PATH_TORSION ? "torsion" : "bond");
            for (int a = 0; a < na; a++) fprintf(f, "%s%d", a ? ", " : "", pa->atoms[a] + 1);
            json_key_num(f, "], ", "t_start", pa->t_start);
            json_key_num(f, ", ", "t_end", pa->t_end);
            fprintf(f, ", \"unit\": \"%s\", \"forces\": ", pa->kind == NNV_PATH_TORSION ? "degree" : "angstrom");
            json_scan(f, &scans[k][0]);
            fputs(", \"hessian\": ", f);
            if (o.no_hessian_scan) fputs("null", f);
            else json_scan(f, &scans[k][1]);
            fputc('}', f);
        }
        {
            const json_field curvature[] = {{"norm_total", cv->norm_total}, {"norm_net", cv->norm_net},
                                            {"norm_sf", cv->norm_sf}, {"net_share", cv->net_share},
                                            {"max_abs_net", cv->max_abs_net}, {"closure", cv->closure}};
            fputs("], \"curvature\": {", f);
            json_fields(f, "", curvature, (int)(sizeof curvature / sizeof curvature[0]));
        }
        fputs("}, \"fd_disagreement\": [", f);
        for (int k = 0; k < N_FD_STEPS; k++) {
            fputs(k ? ", {\"step\": " : "{\"step\": ", f);
            json_num(f, fd[k].step);
            json_key_num(f, ", ", "max_abs", fd[k].max_abs);
            json_key_num(f, ", ", "max_rel", fd[k].max_rel);
            json_key_num(f, ", ", "max_freq", fd[k].max_freq);
            fputc('}', f);
        }
        fputs("]}\n", f);
    } else {
        fprintf(f, "nnvib smoothness: %s with %s (%d atoms, potential %s)%s\n", o.xyz, o.pot, s->n_atoms,
                nnv_smoothness_name(smooth), o.opt ? ", relaxed first (--opt)" : "");
        for (int k = 0; k < o.n_paths; k++) {
            const nnv_path *pa = &o.paths[k];
            path_name(name, sizeof name, pa);
            fprintf(f, "\nContinuity along %s, t in [%g, %g] %s (%s)\n", name, pa->t_start, pa->t_end,
                    pa->kind == NNV_PATH_TORSION ? "deg" : "A",
                    pa->kind == NNV_PATH_TORSION ? "atoms on the last atom's side turn about the middle bond"
                                                 : "the second atom moves along the bond");
            text_scan(f, &scans[k][0], pa, n3);
            if (!o.no_hessian_scan) text_scan(f, &scans[k][1], pa, n3);
        }
        fprintf(f, "\nCurvature split of the Hessian (Frobenius norms, eV/A^2)\n");
        fprintf(f, "  ||H|| = %.6e   ||H_net|| = %.6e   ||H_sf|| = %.6e\n", cv->norm_total, cv->norm_net, cv->norm_sf);
        fprintf(f, "  network share ||H_net|| / (||H_net|| + ||H_sf||) = %.4f   max |H_net| = %.3e\n",
                cv->net_share, cv->max_abs_net);
        fprintf(f, "  closure max |H - H_net - H_sf| = %.3e\n", cv->closure);
        fprintf(f, "\nAnalytic vs finite-difference Hessian (central differences of the forces)\n");
        fprintf(f, "    %10s %16s %12s %16s\n", "step (A)", "max |dH| eV/A^2", "relative", "max |dnu| cm-1");
        for (int k = 0; k < N_FD_STEPS; k++)
            fprintf(f, "    %10.0e %16.6e %12.3e %16.6f\n", fd[k].step, fd[k].max_abs, fd[k].max_rel, fd[k].max_freq);
    }
    if (fflush(f) != 0 || ferror(f)) {
        snprintf(msg, sizeof msg, "cannot write to standard output: %s", strerror(errno));
        st = CLI_EXIT_OUTPUT;
    }
    goto cleanup;
lib_fail:
    st = cli_lib_failed(code, &err, msg, sizeof msg);
cleanup:
    if (st != CLI_EXIT_OK) args_fail("nnvib smoothness", st, msg);
    free(scans);
    nnv_curvature_free(cv);
    nnv_potential_free(p);
    nnv_structure_free(s);
    return st;
}
