/* nnvib-sample: GFN2-xTB teacher data for training. Per molecule: optimise,
 * harmonic analysis (teacher Hessian + dipole derivatives through our
 * nnv_vib_analyse), then normal-mode sampling at several temperatures plus
 * Cartesian noise and uniform scalings, written as ASE-readable extended XYZ
 * (with --candidates unlabelled; --label labels given frames, label.c). */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xtb.h>

#include "cli/args.h"
#include "sample.h"

#ifndef SMP_XTB_VERSION
#define SMP_XTB_VERSION "unknown" /* set from pkg-config by Makefile.am */
#endif
#define SMP_MAX_ATTEMPTS 200
/* Modes below this are rigid-body leftovers or too floppy for linear
 * normal-mode displacements; they are not sampled. */
#define SMP_MIN_FREQ 50.0

/* ---- command line -------------------------------------------------------- */

/* A list of up to SMP_MAX_T numbers separated by commas, into out/n. */
static int smp_parse_list(const char *s, double *out, int *n)
{
    *n = 0;
    while (*s) {
        char buf[64];
        size_t len = strcspn(s, ",");
        if (len == 0 || len >= sizeof buf || *n >= SMP_MAX_T) return -1;
        memcpy(buf, s, len);
        buf[len] = '\0';
        if (args_double(buf, &out[(*n)++]) != 0) return -1;
        s += len;
        if (*s == ',' && !*++s) return -1;
    }
    return *n > 0 ? 0 : -1;
}

static int smp_take_temperatures(void *ctx, const char *val, char *msg, size_t msglen)
{
    smp_options *o = ctx;
    (void)msg, (void)msglen;
    if (smp_parse_list(val, o->temps, &o->n_temps) != 0) return CLI_EXIT_USAGE;
    for (int k = 0; k < o->n_temps; k++)
        if (!(o->temps[k] > 0.0)) return CLI_EXIT_USAGE;
    return CLI_EXIT_OK;
}

static int smp_take_scalings(void *ctx, const char *val, char *msg, size_t msglen)
{
    smp_options *o = ctx;
    (void)msg, (void)msglen;
    if (!strcmp(val, "none")) {
        o->n_scalings = 0;
        return CLI_EXIT_OK;
    }
    if (smp_parse_list(val, o->scalings, &o->n_scalings) != 0) return CLI_EXIT_USAGE;
    for (int k = 0; k < o->n_scalings; k++)
        if (!(o->scalings[k] > 0.5 && o->scalings[k] < 2.0)) return CLI_EXIT_USAGE;
    return CLI_EXIT_OK;
}

/* The options into o and the molecules into files (room for argc entries).
 * CLI_EXIT_OK, ARGS_DONE after --help, or an exit status with msg. */
static int smp_parse_args(int argc, char **argv, smp_options *o, const char **files, int *n_files, char *msg,
                          size_t msglen)
{
    static const double T0[] = {100, 300, 600, 1000, 1500};
    static const double S0[] = {0.96, 0.98, 0.99, 1.01, 1.02, 1.04};
    int given[32] = {0}, st;
    arg_spec opts[] = {
        {.name = "output", .short_name = 'o', .kind = ARG_STRING, .dest = &o->output, .metavar = "FILE",
         .help = "data set (extended XYZ; default: standard output)"},
        {.name = "spectra-dir", .short_name = 's', .kind = ARG_STRING, .dest = &o->spectra_dir, .metavar = "DIR",
         .help = "also write DIR/NAME.tsv (harmonic spectrum) and DIR/NAME.opt.xyz", .expect = "a folder"},
        {.name = "temperatures", .kind = ARG_CALL, .metavar = "LIST",
         .help = "sampling temperatures, K [100,300,600,1000,1500]",
         .expect = "up to 32 temperatures > 0 separated by commas", .call = smp_take_temperatures, .ctx = o},
        {.name = "per-temperature", .kind = ARG_INT, .dest = &o->per_temp, .metavar = "N",
         .help = "configurations per temperature [24]", .expect = "an integer 0..100000", .lo = 0, .hi = 100000},
        {.name = "per-mode", .kind = ARG_INT, .dest = &o->per_mode, .metavar = "M",
         .help = "plus M per sampled vibrational mode and temperature [1]", .expect = "an integer 0..1000", .lo = 0,
         .hi = 1000},
        {.name = "scalings", .kind = ARG_CALL, .metavar = "LIST",
         .help = "uniform scalings of the optimised geometry, or none\n[0.96,0.98,0.99,1.01,1.02,1.04]",
         .expect = "none, or up to 32 factors in (0.5, 2) separated by commas", .call = smp_take_scalings, .ctx = o},
        {.name = "noise", .kind = ARG_DOUBLE, .dest = &o->noise, .metavar = "S",
         .help = "sigma of the Cartesian noise, Angstrom [0.01]", .expect = "a number from 0 to 0.2", .lo = 0,
         .hi = 0.2},
        {.name = "seed", .kind = ARG_UINT64, .dest = &o->seed, .metavar = "N", .help = "random seed [20240601]"},
        {.name = "accuracy", .kind = ARG_DOUBLE, .dest = &o->accuracy, .metavar = "A",
         .help = "xtb accuracy (smaller = tighter) [0.01]", .expect = "a number from 1e-4 to 1000", .lo = 1e-4,
         .hi = 1000},
        {.name = "step", .kind = ARG_DOUBLE, .dest = &o->step, .metavar = "H",
         .help = "finite-difference step for the Hessian, Angstrom [0.005]", .expect = "a step in (0, 0.1]", .lo = 0,
         .hi = 0.1, .open = ARG_OPEN_LO},
        {.name = "gtol", .kind = ARG_DOUBLE, .dest = &o->gtol, .metavar = "G",
         .help = "optimisation threshold, max |gradient|, eV/Angstrom [1e-4]", .expect = "a number > 0", .lo = 0,
         .hi = HUGE_VAL, .open = ARG_OPEN_LO},
        {.name = "harmonic-only", .kind = ARG_FLAG, .dest = &o->harmonic_only,
         .help = "optimise and write spectra; no sampling"},
        {.name = "hvp-probes", .kind = ARG_INT, .dest = &o->hvp_probes, .metavar = "K",
         .help = "curvature labels: K random unit probes v (internal space) and the\n"
                 "teacher's H v per selected configuration, 2 xtb calls each [0]",
         .expect = "an integer 0..100", .lo = 0, .hi = 100},
        {.name = "hvp-every", .kind = ARG_INT, .dest = &o->hvp_every, .metavar = "N",
         .help = "probes for configurations 0, N, 2N, ... of each molecule [1]", .expect = "an integer 1..1000000",
         .lo = 1, .hi = 1000000},
        {.name = "hvp-step", .kind = ARG_DOUBLE, .dest = &o->hvp_step, .metavar = "H",
         .help = "central-difference step along a probe, Angstrom [0.001]", .expect = "a step in (0, 0.1]", .lo = 0,
         .hi = 0.1, .open = ARG_OPEN_LO},
        {.section = "Active learning (docs/training.md):"},
        {.name = "candidates", .kind = ARG_FLAG, .dest = &o->candidates,
         .help = "write the sampled configurations without labels (no minimum, no\n"
                 "scalings; marked unlabelled=T, with seed=): per molecule only the\n"
                 "optimisation and the Hessian cost xtb calls; a new --seed draws new ones"},
        {.name = "label", .kind = ARG_STRING, .dest = &o->label, .metavar = "FILE",
         .help = "label the configurations of the extended XYZ FILE instead (energy,\n"
                 "forces, dipole, and curvature labels with --hvp-probes), keeping their\n"
                 "comment fields; no MOLECULE.xyz arguments"},
        ARG_SPEC_HELP, {0},
    };
    const arg_command cmd = {
        .program = "nnvib-sample", .usage = "[options] MOLECULE.xyz...\n--label FILE [-o OUT] [--hvp-probes K] [--seed N] [--accuracy A]",
        .summary = "Make GFN2-xTB (libxtb) teacher data: optimise each molecule, compute the\n"
                   "teacher's harmonic spectrum, sample configurations, write extended XYZ.\n"
                   "The molecule's name is its file name without .xyz. Progress and a summary per\n"
                   "molecule go to standard error. Run with OMP_NUM_THREADS=1: threads make small\n"
                   "molecules slower.",
        .opts = opts, .min_pos = 0, .max_pos = -1, .positional = "at least one molecule",
        .exits = ARG_EXIT(CLI_EXIT_OK) | ARG_EXIT(CLI_EXIT_INTERNAL) | ARG_EXIT(CLI_EXIT_USAGE),
        .epilogue = "A molecule that fails, or an output that cannot be written, ends the run with 1.\n"};
    size_t n_opts = sizeof opts / sizeof opts[0] - 1;
    if (n_opts > sizeof given / sizeof given[0]) {
        snprintf(msg, msglen, "internal error: %zu options", n_opts);
        return CLI_EXIT_INTERNAL;
    }
    memset(o, 0, sizeof *o);
    memcpy(o->temps, T0, sizeof T0);
    o->n_temps = 5;
    memcpy(o->scalings, S0, sizeof S0);
    o->n_scalings = 6;
    o->per_temp = 24;
    o->per_mode = 1;
    o->noise = 0.01;
    o->seed = 20240601;
    o->accuracy = 0.01;
    o->step = 0.005;
    o->gtol = 1e-4;
    o->hvp_every = 1;
    o->hvp_step = 0.001;
    for (size_t k = 0; k < n_opts; k++) opts[k].given = &given[k];
    if ((st = args_parse(&cmd, argc, argv, files, n_files, msg, msglen)) != CLI_EXIT_OK) return st;
    /* Labelling takes the teacher's and the curvature labels' options only. */
    for (size_t k = 0; k < n_opts && o->label; k++) {
        const char *nm = opts[k].name;
        if (nm && given[k] && strcmp(nm, "label") && strcmp(nm, "output") && strcmp(nm, "seed") &&
            strcmp(nm, "accuracy") && strncmp(nm, "hvp-", 4)) {
            snprintf(msg, msglen, "--%s cannot be combined with --label", nm);
            return CLI_EXIT_USAGE;
        }
    }
    if (o->label && *n_files > 0) snprintf(msg, msglen, "--label takes no MOLECULE.xyz arguments");
    else if (!o->label && *n_files == 0) snprintf(msg, msglen, "expected at least one molecule");
    else if (o->candidates && (o->hvp_probes > 0 || o->harmonic_only))
        snprintf(msg, msglen, "--%s cannot be combined with --candidates (no labels)",
                 o->hvp_probes > 0 ? "hvp-probes" : "harmonic-only");
    else return CLI_EXIT_OK;
    return CLI_EXIT_USAGE;
}

/* ---- one molecule ---------------------------------------------------------- */

/* "dir/carbon_dioxide.xyz" -> "carbon_dioxide" (into buf). */
static void smp_name(const char *path, char *buf, size_t len)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    snprintf(buf, len, "%s", b);
    size_t l = strlen(buf);
    if (l > 4 && !strcmp(buf + l - 4, ".xyz")) buf[l - 4] = '\0';
    for (char *c = buf; *c; c++)
        if (*c == ' ' || *c == '"' || *c == '=') *c = '_';
}

/* Cordero et al., Dalton Trans. 2008, 2832; 1.0 Å for anything else. */
static double smp_rcov(int Z)
{
    switch (Z) {
    case 1: return 0.31;
    case 6: return 0.76;
    case 7: return 0.71;
    case 8: return 0.66;
    case 9: return 0.57;
    case 16: return 1.05;
    case 17: return 1.02;
    default: return 1.0;
    }
}

/* A sampled geometry is kept only if no two atoms came much closer than in
 * the minimum and no bond was stretched to breaking: xtb labels there are
 * far outside what a spectrum needs and can make the SCF fail. */
static int smp_reasonable(int n, const int *Z, const double *x0, const double *x)
{
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            double d0 = 0, d = 0;
            for (int a = 0; a < 3; a++) {
                double u = x0[3 * i + a] - x0[3 * j + a], v = x[3 * i + a] - x[3 * j + a];
                d0 += u * u;
                d += v * v;
            }
            d0 = sqrt(d0);
            d = sqrt(d);
            if (d < 0.5 || d < 0.6 * d0) return 0;
            if (d0 < 1.25 * (smp_rcov(Z[i]) + smp_rcov(Z[j])) && d > 1.5 * d0) return 0;
        }
    return 1;
}

/* A candidate: species and positions, the sampling's comment fields and the
 * unlabelled marker in tail; no energy, forces or dipole (nnvib-train
 * --select reads it, nnvib-sample --label labels it). */
static int smp_write_candidate(smp_out *out, const nnv_structure *s, const double *x, const char *tail,
                               nnv_error *err)
{
    size_t n3 = 3 * (size_t)s->n_atoms;
    double *pos = malloc(n3 * sizeof *pos);
    int rc;
    if (!pos) return nnv_error_set(err, NNV_ENOMEM, "output: out of memory at frame %ld", out->frames + 1);
    for (size_t a = 0; a < n3; a++) pos[a] = smp_z(x[a]);
    rc = xyzw_frame(out->f, s->n_atoms, s->Z, &(xyzw_column){"pos", 3, pos, "%16.10f"}, 1, "pbc=\"F F F\" %s", tail);
    free(pos);
    out->frames++;
    if (rc != NNV_OK) return nnv_error_set(err, NNV_EIO, "output: write error after frame %ld", out->frames);
    return NNV_OK;
}

static int smp_write_spectra(const smp_options *o, const char *name, const nnv_structure *s,
                             const double *x, double e, const opt_lbfgs_report *rep, const nnv_vib *v,
                             nnv_error *err)
{
    int rc = NNV_OK;
    char path[4096];
    af_file af = {NULL, NULL, NULL, 0};
    FILE *f;
    /* Both files go through a temporary name and a rename, so an interrupted
     * run never leaves half a reference spectrum behind. */
    snprintf(path, sizeof path, "%s/%s.opt.xyz", o->spectra_dir, name);
    if ((rc = af_open(&af, path, err)) != NNV_OK) goto cleanup;
    f = af.f;
    fprintf(f, "%d\n%s | GFN2-xTB optimised (libxtb %s, accuracy %g, max|grad| %.1e eV/A) E=%.10f eV | start: %s\n",
            s->n_atoms, name, SMP_XTB_VERSION, o->accuracy, rep->gmax, e, s->comment);
    for (int i = 0; i < s->n_atoms; i++)
        fprintf(f, "%-2s %16.10f %16.10f %16.10f\n", nnv_element_symbol(s->Z[i]), smp_z(x[3 * i]),
                smp_z(x[3 * i + 1]), smp_z(x[3 * i + 2]));
    if ((rc = af_commit(&af, err)) != NNV_OK) goto cleanup;
    snprintf(path, sizeof path, "%s/%s.tsv", o->spectra_dir, name);
    if ((rc = af_open(&af, path, err)) != NNV_OK) goto cleanup;
    f = af.f;
    fprintf(f, "# GFN2-xTB HARMONIC spectrum of %s -- computed, NOT EXPERIMENT.\n", name);
    fprintf(f, "# Teacher: GFN2-xTB (libxtb %s), accuracy %g; geometry %s.opt.xyz (L-BFGS, max|grad| %.1e eV/A).\n",
            SMP_XTB_VERSION, o->accuracy, name, rep->gmax);
    fprintf(f, "# Hessian and dipole derivatives: central differences of xtb gradients/dipoles, step %g A;\n", o->step);
    fprintf(f, "# frequencies, reduced masses and IR intensities from nnv_vib_analyse (%s, %d modes).\n",
            v->linear ? "linear" : "non-linear", v->n_modes);
    fprintf(f, "# Made by nnvib-sample; negative freq_cm1 = imaginary.\n");
    fprintf(f, "mode\tfreq_cm1\tir_intensity_km_mol\treduced_mass_u\n");
    for (int k = 0; k < v->n_modes; k++)
        fprintf(f, "%d\t%.2f\t%.4f\t%.4f\n", k + 1, v->frequencies[k], v->ir_intensities ? v->ir_intensities[k] : 0.0,
                v->reduced_masses[k]);
    rc = af_commit(&af, err);
cleanup:
    af_discard(&af);
    return rc;
}

static double smp_now(void)
{
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int smp_molecule(const smp_options *o, const char *path, smp_out *out, nnv_error *err)
{
    int rc = NNV_OK;
    nnv_structure *s = NULL;
    smp_teacher *t = NULL;
    nnv_vib *v = NULL;
    double *x0 = NULL, *x = NULL, *g = NULL, *hess = NULL, *dd = NULL, *amp = NULL;
    smp_hvp curv = {0, NULL, NULL};
    long hvp_failed = 0;
    char name[256];
    double t0 = smp_now();
    smp_name(path, name, sizeof name);
    if ((rc = nnv_structure_read_xyz(&s, path, 0, err))) goto cleanup;
    int n = s->n_atoms, n3 = 3 * n;
    x0 = malloc((size_t)n3 * sizeof *x0);
    x = malloc((size_t)n3 * sizeof *x);
    g = malloc((size_t)n3 * sizeof *g);
    hess = malloc((size_t)n3 * (size_t)n3 * sizeof *hess);
    dd = malloc((size_t)3 * (size_t)n3 * sizeof *dd);
    amp = malloc((size_t)n3 * sizeof *amp);
    curv.probes = malloc(((size_t)o->hvp_probes * (size_t)n3 + 1) * sizeof *curv.probes);
    curv.hv = malloc(((size_t)o->hvp_probes * (size_t)n3 + 1) * sizeof *curv.hv);
    if (!x0 || !x || !g || !hess || !dd || !amp || !curv.probes || !curv.hv) {
        rc = nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", path);
        goto cleanup;
    }
    smp_rng rng = {o->seed ^ smp_hash(name), 0, 0.0};
    smp_rng prng = {smp_probe_seed(o->seed ^ smp_hash(name)), 0, 0.0};
    /* One rotation for the optimisation and the Hessian keeps the finite
     * differences consistent while avoiding axis-aligned input to xtb. */
    double R0[9], R[9], e0, mu[3];
    smp_rotation(&rng, R0);
    memcpy(x0, s->xyz, (size_t)n3 * sizeof *x0);
    if ((rc = smp_teacher_new(&t, n, s->Z, x0, o->accuracy, err))) goto cleanup;
    opt_lbfgs_report rep;
    memset(&rep, 0, sizeof rep);
    if (n > 1 && (rc = smp_teacher_optimise(t, x0, R0, o->gtol, 2000, &rep, err))) goto cleanup;
    if (n > 1 && !rep.converged) {
        rc = nnv_error_set(err, NNV_ENUMERIC, "%s: optimisation not converged after %d steps (max|grad| %.2e eV/A)",
                           path, rep.steps, rep.gmax);
        goto cleanup;
    }
    if ((rc = smp_teacher_eval(t, x0, R0, &e0, g, mu, err))) goto cleanup;
    if ((rc = smp_teacher_hessian(t, x0, R0, o->step, hess, dd, err))) goto cleanup;
    if ((rc = nnv_vib_analyse(&v, n, x0, s->masses, hess, dd, NNV_LINEAR_AUTO, err))) goto cleanup;
    if (o->spectra_dir && (rc = smp_write_spectra(o, name, s, x0, e0, &rep, v, err))) goto cleanup;

    int n_sampled = 0;
    for (int k = 0; k < v->n_modes; k++) n_sampled += v->frequencies[k] >= SMP_MIN_FREQ;
    int config = 0;
    long rejected = 0;
    char tail[512];
    /* Candidates skip the minimum and the scalings: they are the same in every
     * round, and the seed set of active learning holds the minimum already. */
    if (!o->harmonic_only && !o->candidates) {
        /* The minimum itself, then uniform scalings about the centroid (bond
         * compression and stretching the thermal samples cover thinly). */
        smp_rotation(&rng, R);
        if ((rc = smp_teacher_eval(t, x0, R, &e0, g, mu, err))) goto cleanup;
        if ((rc = smp_curvature(o, t, &prng, config, n, x0, R, &curv, &hvp_failed, err))) goto cleanup;
        snprintf(tail, sizeof tail, "molecule=%s T=%g config=%d", name, 0.0, config++);
        if ((rc = smp_write_frame(out, n, s->Z, x0, e0, g, mu, &curv, tail, err))) goto cleanup;
        double c[3] = {0, 0, 0};
        for (int i = 0; i < n; i++)
            for (int a = 0; a < 3; a++) c[a] += x0[3 * i + a] / n;
        for (int k = 0; k < o->n_scalings; k++) {
            double e;
            for (int i = 0; i < n; i++)
                for (int a = 0; a < 3; a++) x[3 * i + a] = c[a] + o->scalings[k] * (x0[3 * i + a] - c[a]);
            smp_rotation(&rng, R);
            if ((rc = smp_teacher_eval(t, x, R, &e, g, mu, err))) goto cleanup;
            if ((rc = smp_curvature(o, t, &prng, config, n, x, R, &curv, &hvp_failed, err))) goto cleanup;
            snprintf(tail, sizeof tail, "molecule=%s T=%g config=%d", name, 0.0, config++);
            if ((rc = smp_write_frame(out, n, s->Z, x, e, g, mu, &curv, tail, err))) goto cleanup;
        }
    }
    if (!o->harmonic_only) {
        /* Classical harmonic (Boltzmann) normal-mode sampling: along the
         * normalised Cartesian mode d_k the energy is k_k a²/2 with
         * k_k = λ_k μ_k (eV/Å²), so a_k ~ N(0, sqrt(kB T / k_k)). */
        int per_t = o->per_temp + o->per_mode * n_sampled;
        for (int it = 0; it < o->n_temps; it++) {
            double T = o->temps[it];
            for (int c2 = 0; c2 < per_t; c2++) {
                double e = 0.0;
                int ok = 0;
                for (int attempt = 0; attempt < SMP_MAX_ATTEMPTS && !ok; attempt++) {
                    memcpy(x, x0, (size_t)n3 * sizeof *x);
                    for (int k = 0; k < v->n_modes; k++) {
                        double kf = v->eigenvalues[k] * v->reduced_masses[k];
                        amp[k] = v->frequencies[k] >= SMP_MIN_FREQ ? sqrt(NNV_BOLTZMANN_EV_K * T / kf) * smp_gauss(&rng) : 0.0;
                        for (size_t j = 0; j < (size_t)n3; j++) x[j] += amp[k] * v->modes[(size_t)k * (size_t)n3 + j];
                    }
                    for (int j = 0; j < n3; j++) x[j] += o->noise * smp_gauss(&rng);
                    smp_rotation(&rng, R);
                    if (!smp_reasonable(n, s->Z, x0, x)) { rejected++; continue; }
                    if (o->candidates) { ok = 1; break; }
                    nnv_error e2;
                    if (smp_teacher_eval(t, x, R, &e, g, mu, &e2)) { rejected++; continue; }
                    ok = 1;
                }
                if (!ok) {
                    rc = nnv_error_set(err, NNV_ENUMERIC, "%s: no acceptable configuration at %g K after %d attempts",
                                       path, T, SMP_MAX_ATTEMPTS);
                    goto cleanup;
                }
                if (o->candidates) {
                    snprintf(tail, sizeof tail, "molecule=%s T=%g config=%d seed=%llu unlabelled=T", name, T,
                             config++, (unsigned long long)o->seed);
                    if ((rc = smp_write_candidate(out, s, x, tail, err))) goto cleanup;
                    continue;
                }
                if ((rc = smp_curvature(o, t, &prng, config, n, x, R, &curv, &hvp_failed, err))) goto cleanup;
                snprintf(tail, sizeof tail, "molecule=%s T=%g config=%d", name, T, config++);
                if ((rc = smp_write_frame(out, n, s->Z, x, e, g, mu, &curv, tail, err))) goto cleanup;
            }
        }
    }
    fprintf(stderr, "%-18s %2d atoms  opt %3d steps max|g| %.1e eV/A  E %.6f eV  configs %4d  rejected %3ld  "
                    "xtb calls %5ld  %.2f s",
            name, n, rep.steps, rep.gmax, e0, config, rejected, smp_teacher_calls(t), smp_now() - t0);
    if (o->hvp_probes > 0) fprintf(stderr, "  H.v labels failed %ld", hvp_failed);
    fprintf(stderr, "\n  harmonic (cm-1 / km/mol):");
    for (int k = 0; k < v->n_modes; k++)
        fprintf(stderr, " %.2f/%.2f", v->frequencies[k], v->ir_intensities ? v->ir_intensities[k] : 0.0);
    fputc('\n', stderr);
cleanup:
    nnv_vib_free(v);
    smp_teacher_free(t);
    nnv_structure_free(s);
    FREE_ALL(x0, x, g, hess, dd, amp, curv.probes, curv.hv);
    return rc;
}

int main(int argc, char **argv)
{
    smp_options o;
    const char **files = malloc(((size_t)argc + 1) * sizeof *files);
    char msg[512];
    int n_files = 0, st;
    if (!files) return args_fail("nnvib-sample", CLI_EXIT_INTERNAL, "out of memory");
    st = smp_parse_args(argc, argv, &o, files, &n_files, msg, sizeof msg);
    if (st != CLI_EXIT_OK) {
        free(files);
        return st == ARGS_DONE ? 0 : args_fail("nnvib-sample", st, msg);
    }
    smp_out out = {stdout, 0};
    af_file af = {NULL, NULL, NULL, 0};
    if (o.output && !o.harmonic_only) {
        nnv_error e = {0, ""};
        if (af_open(&af, o.output, &e) != NNV_OK) {
            fprintf(stderr, "nnvib-sample: %s\n", e.message);
            return 1;
        }
        out.f = af.f;
    }
    int status = 0;
    long label_failed = 0;
    double t0 = smp_now();
    if (o.label) {
        nnv_error err = {0, ""};
        if (smp_label_file(&o, &out, &label_failed, &err)) {
            fprintf(stderr, "nnvib-sample: %s\n", err.message);
            status = 1;
        }
    }
    for (int i = 0; i < n_files; i++) {
        nnv_error err = {0, ""};
        if (smp_molecule(&o, files[i], &out, &err)) {
            fprintf(stderr, "nnvib-sample: %s\n", err.message);
            status = 1;
            break;
        }
    }
    if (out.f == stdout) {
        if (fflush(stdout) != 0) {
            fprintf(stderr, "nnvib-sample: standard output: write error\n");
            status = 1;
        }
    } else if (status == 0) {
        nnv_error e = {0, ""};
        if (af_commit(&af, &e) != NNV_OK) {
            fprintf(stderr, "nnvib-sample: %s\n", e.message);
            status = 1;
        }
    }
    af_discard(&af); /* drops the unfinished data set after an error */
    free(files);
    fprintf(stderr, "nnvib-sample: %ld configurations%s, %.1f s%s\n", out.frames,
            o.candidates ? " (unlabelled candidates)" : "", smp_now() - t0, status ? " (stopped on error)" : "");
    if (o.label) fprintf(stderr, "nnvib-sample: %ld configurations of %s left out (the SCF failed)\n", label_failed, o.label);
    return status;
}
