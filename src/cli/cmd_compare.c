/* `nnvib compare`: one molecule, one or more potentials, one reference (and
 * optionally the teacher's harmonic spectrum): the options and the run of the
 * library's per-potential pipeline (nnv_compare_potential); the reports are
 * compare_report.c's. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compare.h"
#include "compare_spectrum.h"

typedef struct cmp_args {
    const char *xyz, *ref, *teacher, *csv, *output, *spectrum, *svg;
    const char **pots;
    int n_pots, json, quiet, no_opt, opt_steps;
    double fwhm, opt_fmax, charge;
} cmp_args;

/* The options into a (a->pots points into pos, room for argc entries).
 * CLI_EXIT_OK, ARGS_DONE after --help, or an exit status with msg. */
static int parse_args(cmp_args *a, int argc, char **argv, const char **pos, char *msg, size_t msglen)
{
    int n_pos = 0, st;
    const arg_spec opts[] = {
        {.name = "ref", .kind = ARG_STRING, .dest = &a->ref, .metavar = "FILE",
         .help = "reference bands (required): experimental fundamentals\n(reference_spectra/experimental/*.tsv), a "
         "harmonic TSV or a\nJCAMP-DX ##PEAK TABLE"},
        {.name = "teacher", .kind = ARG_STRING, .dest = &a->teacher, .metavar = "FILE",
         .help = "a second reference, the teacher's harmonic spectrum\n(reference_spectra/gfn2xtb/*.tsv): isolates the "
         "network's error"},
        {.name = "no-opt", .kind = ARG_FLAG, .dest = &a->no_opt,
         .help = "analyse the geometry as given (no optimisation)"},
        {.name = "opt-fmax", .kind = ARG_DOUBLE, .dest = &a->opt_fmax, .metavar = "F",
         .help = "convergence: max |force component| in eV/A [1e-5]", .expect = "a force in eV/A in (0, 10]", .lo = 0,
         .hi = 10, .open = ARG_OPEN_LO},
        {.name = "opt-steps", .kind = ARG_INT, .dest = &a->opt_steps, .metavar = "N",
         .help = "at most N optimisation steps [500]", .expect = "an integer 1..1000000", .lo = 1, .hi = 1000000},
        {.name = "charge", .kind = ARG_DOUBLE, .dest = &a->charge, .metavar = "Q",
         .help = "total charge in e, for potentials with charge networks [0]",
         .expect = "a finite number (total charge in e) within +-1000", .lo = -1000, .hi = 1000},
        {.name = "json", .kind = ARG_FLAG, .dest = &a->json,
         .help = "JSON report instead of the table (docs/json-schema.md)"},
        {.name = "csv", .kind = ARG_STRING, .dest = &a->csv, .metavar = "FILE",
         .help = "also write one CSV row per potential, reference and band"},
        {.name = "output", .short_name = 'o', .kind = ARG_STRING, .dest = &a->output, .metavar = "FILE",
         .help = "write the report to FILE instead of standard output"},
        {.name = "spectrum", .kind = ARG_STRING, .dest = &a->spectrum, .metavar = "FILE.jdx",
         .help = "also compare the IR stick spectra with a measured spectrum"},
        {.name = "svg", .kind = ARG_STRING, .dest = &a->svg, .metavar = "FILE",
         .help = "with --spectrum: overlay figure"},
        {.name = "fwhm", .kind = ARG_DOUBLE, .dest = &a->fwhm, .metavar = "W",
         .help = "with --spectrum: broadening of the computed sticks, cm-1 [30]",
         .expect = "a width in cm-1 in [0.01, 10000]", .lo = 0.01, .hi = 10000},
        ARG_SPEC_QUIET(&a->quiet), ARG_SPEC_HELP, {0},
    };
    const arg_command cmd = {
        .program = "nnvib compare", .usage = "MOLECULE.xyz POTENTIAL... --ref FILE [options]",
        .summary = "For each potential: optimise the molecule on it, harmonic analysis with the\n"
                   "analytic Hessian, then assign the computed modes to the reference bands\n"
                   "(optimal one-to-one assignment on |delta nu|, degeneracies respected) and\n"
                   "report MAE, RMSE, max error, the least-squares scale factor and the errors\n"
                   "after scaling. See docs/cli.md.",
        .opts = opts, .min_pos = 2, .max_pos = -1, .positional = "the molecule file and the potential file(s)",
        .exits = ARGS_EXIT_ALL,
        .epilogue = "After an optimisation that did not converge, the comparison is made at the\n"
                    "last geometry and reported in full.\n"};
    memset(a, 0, sizeof *a);
    a->opt_fmax = 1e-5;
    a->opt_steps = 500;
    st = args_parse(&cmd, argc, argv, pos, &n_pos, msg, msglen);
    if (st != CLI_EXIT_OK) return st;
    a->xyz = pos[0];
    a->pots = pos + 1;
    a->n_pots = n_pos - 1;
    if (!a->ref)
        snprintf(msg, msglen, "--ref FILE is required (e.g. reference_spectra/experimental/water.tsv; see nnvib "
                 "compare --help)");
    else if ((a->svg || a->fwhm > 0) && !a->spectrum)
        snprintf(msg, msglen, "--svg and --fwhm need --spectrum FILE.jdx (see nnvib compare --help)");
    else
        return CLI_EXIT_OK;
    return CLI_EXIT_USAGE;
}

int cli_main_compare(int argc, char **argv)
{
    cmp_args a;
    const char **pos = NULL;
    nnv_error err = {0, ""};
    nnv_structure *s = NULL;
    nnv_reference *ref = NULL, *teacher = NULL;
    nnv_potential **pots = NULL;
    nnv_comparison **cmp = NULL;
    cli_spectrum_input *sin = NULL;
    cli_spectrum_report *srep = NULL;
    nnv_warnings warn = {0, 0, NULL};
    nnv_ofile *csv = NULL;
    cli_out out = {NULL, NULL, NULL, -1};
    nnv_analysis_options co;
    cli_compare_set set;
    char msg[NNV_ERROR_MESSAGE_MAX + 256];
    int st, code, noconv = 0, n_sin = 0, csv_slot = -1;
    const char *noconv_path = "";
    const char *unreliable_path = NULL;

    msg[0] = '\0';
    if (!(pos = malloc(((size_t)argc + 1) * sizeof *pos)))
        return args_fail("nnvib compare", CLI_EXIT_INTERNAL, "out of memory");
    st = parse_args(&a, argc, argv, pos, msg, sizeof msg);
    if (st != CLI_EXIT_OK) {
        free(pos);
        return st == ARGS_DONE ? CLI_EXIT_OK : args_fail("nnvib compare", st, msg);
    }
    /* No output over an input or another output. */
    {
        cli_path *paths = calloc((size_t)a.n_pots + 7, sizeof *paths);
        int np = 0;
        if (!paths) {
            st = CLI_EXIT_INTERNAL;
            snprintf(msg, sizeof msg, "out of memory");
            goto cleanup;
        }
        paths[np++] = (cli_path){a.xyz, "molecule", 0};
        for (int k = 0; k < a.n_pots; k++) paths[np++] = (cli_path){a.pots[k], "potential", 0};
        paths[np++] = (cli_path){a.ref, "--ref", 0};
        paths[np++] = (cli_path){a.teacher, "--teacher", 0};
        paths[np++] = (cli_path){a.spectrum, "--spectrum", 0};
        paths[np++] = (cli_path){a.output, "-o", 1};
        paths[np++] = (cli_path){a.csv, "--csv", 1};
        paths[np++] = (cli_path){a.svg, "--svg", 1};
        st = cli_check_paths(paths, np, msg, sizeof msg);
        free(paths);
        if (st != CLI_EXIT_OK) goto cleanup;
    }
    /* Outputs first, so an unwritable target fails before any work. */
    if ((st = cli_out_open(&out, a.output, msg, sizeof msg)) != CLI_EXIT_OK) goto cleanup;
    if (a.csv && nnv_ofile_open(&csv, a.csv, &err) != NNV_OK) goto out_fail;
    if (csv && nnv_ofile_temp_path(csv)) csv_slot = cli_tmp_register(nnv_ofile_temp_path(csv));

    if ((st = cli_check_order(a.xyz, a.n_pots ? a.pots[0] : NULL, "MOLECULE.xyz POTENTIAL...", msg, sizeof msg)) !=
        CLI_EXIT_OK)
        goto cleanup;
    if ((code = nnv_structure_read_xyz(&s, a.xyz, 0, &err)) != NNV_OK) goto lib_fail;
    if ((code = nnv_reference_read(&ref, a.ref, &err)) != NNV_OK) goto lib_fail;
    if (a.teacher && (code = nnv_reference_read(&teacher, a.teacher, &err)) != NNV_OK) goto lib_fail;
    if (ref->kind != NNV_REF_EXPERIMENTAL)
        nnv_warnings_add(&warn, "--ref %s is a %s reference, not experimental fundamentals", a.ref,
                         nnv_reference_kind_name(ref->kind));
    if (teacher && teacher->kind != NNV_REF_HARMONIC)
        nnv_warnings_add(&warn, "--teacher %s is a %s reference, not a harmonic spectrum", a.teacher,
                         nnv_reference_kind_name(teacher->kind));
    pots = calloc((size_t)a.n_pots, sizeof *pots);
    cmp = calloc((size_t)a.n_pots, sizeof *cmp);
    sin = calloc((size_t)a.n_pots, sizeof *sin);
    if (!pots || !cmp || !sin) {
        code = nnv_error_set(&err, NNV_ENOMEM, "out of memory");
        goto lib_fail;
    }
    /* Every input is read before the first (slow) optimisation. */
    for (int k = 0; k < a.n_pots; k++) {
        if ((code = nnv_potential_load(&pots[k], a.pots[k], NULL, &err)) != NNV_OK) goto lib_fail;
        if ((st = cli_check_elements(s, a.xyz, pots[k], a.pots[k], msg, sizeof msg)) != CLI_EXIT_OK) goto cleanup;
        for (int i = 0; i < pots[k]->warnings.count; i++)
            nnv_warnings_add(&warn, "%s", pots[k]->warnings.messages[i]);
        if (nnv_potential_smoothness(pots[k]) == NNV_C0)
            nnv_warnings_add(&warn, "%s is only C0 (ReLU layers): its Hessian and frequencies are not meaningful",
                             a.pots[k]);
    }

    memset(&co, 0, sizeof co);
    co.optimize = !a.no_opt;
    co.opt.fmax = a.opt_fmax;
    co.opt.max_steps = a.opt_steps;
    co.total_charge = a.charge;
    co.max_hessian_mb = cli_max_hessian_mb();
    for (int k = 0; k < a.n_pots; k++) {
        code = nnv_compare_potential(&cmp[k], s, pots[k], ref, teacher, &co, &err);
        if (code != NNV_OK) {
            char tmp[NNV_ERROR_MESSAGE_MAX];
            snprintf(tmp, sizeof tmp, "%s", err.message);
            nnv_error_set(&err, code, "%s with %s: %s", a.xyz, a.pots[k], tmp);
            goto lib_fail;
        }
        if (cmp[k]->optimized && !cmp[k]->opt.converged) {
            if (!noconv) noconv_path = a.pots[k];
            noconv++;
            nnv_warnings_add(&warn, "%s: optimisation did not converge in %d steps (max force %.3e eV/A > %g); "
                             "compared at the last geometry", a.pots[k], cmp[k]->opt.steps, cmp[k]->opt.max_force,
                             a.opt_fmax);
        }
        if (cmp[k]->reliability.verdict == NNV_VERDICT_UNRELIABLE && !unreliable_path) unreliable_path = a.pots[k];
        if (cmp[k]->r->n_extrapolations > 0)
            nnv_warnings_add(&warn, "%s: %d symmetry-function value%s outside the training range: the network "
                             "extrapolates", a.pots[k], cmp[k]->r->n_extrapolations,
                             cmp[k]->r->n_extrapolations == 1 ? "" : "s");
        if (cmp[k]->v->ir_intensities) {
            sin[n_sin].label = a.pots[k];
            sin[n_sin].n_modes = cmp[k]->v->n_modes;
            sin[n_sin].freq = cmp[k]->v->frequencies;
            sin[n_sin].intensity = cmp[k]->v->ir_intensities;
            n_sin++;
        } else if (a.spectrum) {
            nnv_warnings_add(&warn, "--spectrum: %s has no charge networks (no IR intensities): left out", a.pots[k]);
        }
    }
    if (a.spectrum) {
        cli_spectrum_options so;
        memset(&so, 0, sizeof so);
        so.jdx_path = a.spectrum;
        so.svg_path = a.svg;
        so.fwhm = a.fwhm; /* 0: the default */
        so.lineshape = NNV_LINESHAPE_LORENTZIAN;
        st = cli_spectrum_compare(&srep, &so, n_sin, sin, msg, sizeof msg);
        if (st != CLI_EXIT_OK) goto cleanup;
    }

    memset(&set, 0, sizeof set);
    set.xyz_path = a.xyz;
    set.s = s;
    set.ref_path = a.ref;
    set.ref = ref;
    set.teacher_path = a.teacher;
    set.teacher = teacher;
    set.n = a.n_pots;
    set.pot_paths = a.pots;
    set.pots = (const nnv_potential *const *)pots;
    set.cmp = (const nnv_comparison *const *)cmp;
    set.warnings = &warn;
    set.spectrum = srep;

    if (a.csv && cli_compare_write_csv(nnv_ofile_stream(csv), &set) != 0) {
        snprintf(msg, sizeof msg, "cannot write %s: %s", a.csv, strerror(errno));
        st = CLI_EXIT_OUTPUT;
        goto cleanup;
    }
    if (a.csv) {
        code = nnv_ofile_commit(csv, &err); /* frees csv */
        csv = NULL;
        if (code != NNV_OK) goto out_fail;
    }
    if (!a.quiet) cli_print_warnings("nnvib compare", &warn);
    if ((a.json ? cli_compare_write_json(out.f, &set) : cli_compare_write_table(out.f, &set)) != 0) {
        st = cli_out_failed(&out, msg, sizeof msg);
        goto cleanup;
    }
    if ((st = cli_out_close(&out, msg, sizeof msg)) != CLI_EXIT_OK) goto cleanup;
    if (noconv) {
        snprintf(msg, sizeof msg, "optimisation not converged for %s%s (compared at the last geometry; see "
                 "the report)", noconv_path, noconv > 1 ? " and others" : "");
        st = CLI_EXIT_NOCONV;
    } else if (unreliable_path) {
        snprintf(msg, sizeof msg, "the comparison is written, but the reliability verdict of %s is unreliable (see "
                 "the report)", unreliable_path);
        st = CLI_EXIT_UNRELIABLE;
    }
    goto cleanup;

out_fail:
    st = err.code == NNV_ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_OUTPUT;
    snprintf(msg, sizeof msg, "%s", err.message);
    goto cleanup;
lib_fail:
    st = cli_lib_failed(code, &err, msg, sizeof msg);
cleanup:
    if (st != CLI_EXIT_OK) args_fail("nnvib compare", st, msg);
    cli_out_abort(&out);
    nnv_ofile_discard(csv);
    cli_tmp_unregister(csv_slot);
    cli_spectrum_report_free(srep);
    for (int k = 0; k < a.n_pots; k++) {
        if (cmp) nnv_comparison_free(cmp[k]);
        if (pots) nnv_potential_free(pots[k]);
    }
    free(cmp);
    free(pots);
    free(sin);
    nnv_warnings_clear(&warn);
    nnv_reference_free(teacher);
    nnv_reference_free(ref);
    nnv_structure_free(s);
    free(pos);
    return st;
}
