/* nnvib: the command-line program. Reads a molecule and a potential, calls the
 * library's analysis pipeline (nnv_analyse), maps its status codes to exit
 * statuses and hands the results to the table or JSON writer; no physics here. */
#define _POSIX_C_SOURCE 200809L
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define EXTRAP_LINES_MAX 10

/* The one line an error prints; the message already names file, line, field. */
static int fail(int status, const char *msg)
{
    fprintf(stderr, "nnvib: %s\n", msg && *msg ? msg : "internal error");
    return status;
}

/* Add a warning unless the same text is already there (reader warnings once each). */
static void warn_once(nnv_warnings *w, const char *text)
{
    for (int i = 0; i < w->count; i++)
        if (strcmp(w->messages[i], text) == 0) return;
    nnv_warnings_add(w, "%s", text);
}

/* The analysis's warnings after the program's own, and the values outside
 * the training range listed under the library's summary line. */
static void add_analysis_warnings(cli_run *run, const nnv_analysis *a)
{
    const nnv_result *r = a->r;
    const nnv_structure *s = a->s;
    int n = r->n_extrapolations, base = run->warnings.count;
    for (int i = 0; i < a->warnings.count; i++) nnv_warnings_add(&run->warnings, "%s", a->warnings.messages[i]);
    if (a->extrapolation_warning < 0) return;
    run->extrap_index = base + a->extrapolation_warning;
    for (int i = 0; i < n && i < EXTRAP_LINES_MAX; i++) {
        const nnv_extrapolation *e = &r->extrapolations[i];
        nnv_warnings_add(&run->extrap_details, "atom %d (%s) SF %d: G = %.6g outside [%.6g, %.6g]",
                         e->atom + 1, nnv_element_symbol(s->Z[e->atom]), e->sf + 1, e->value, e->gmin,
                         e->gmax);
    }
    if (n > EXTRAP_LINES_MAX) nnv_warnings_add(&run->extrap_details, "... and %d more", n - EXTRAP_LINES_MAX);
}

static void print_warnings(const cli_run *run)
{
    for (int i = 0; i < run->warnings.count; i++) {
        fprintf(stderr, "nnvib: warning: %s\n", run->warnings.messages[i]);
        if (i == run->extrap_index)
            for (int j = 0; j < run->extrap_details.count; j++)
                fprintf(stderr, "nnvib:   %s\n", run->extrap_details.messages[j]);
    }
}

static int write_report(FILE *f, const cli_run *run)
{
    return run->opt->json ? cli_write_json(f, run) : cli_write_table(f, run);
}

/* The report goes through the same atomic-file helper as every other output
 * (nnv_ofile): opened before any work, so an unwritable target fails fast, and
 * renamed over the target only when complete. stdout is written directly. */
typedef struct out_file {
    FILE *f;
    nnv_ofile *of; /* NULL: stdout */
} out_file;

static int out_open(out_file *out, const char *path, char *msg, size_t msglen)
{
    nnv_error e = {0, ""};
    out->f = stdout;
    out->of = NULL;
    if (!path) return CLI_EXIT_OK;
    if (nnv_ofile_open(&out->of, path, &e) != NNV_OK) {
        snprintf(msg, msglen, "%s", e.message);
        return e.code == NNV_ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_OUTPUT;
    }
    out->f = nnv_ofile_stream(out->of);
    return CLI_EXIT_OK;
}

/* Drop an unfinished report (no-op for stdout or after out_close). */
static void out_abort(out_file *out)
{
    nnv_ofile_discard(out->of);
    out->of = NULL;
    out->f = NULL;
}

static int out_close(out_file *out, char *msg, size_t msglen)
{
    nnv_error e = {0, ""};
    nnv_ofile *of = out->of;
    if (!of) {
        int ok = fflush(stdout) == 0 && !ferror(stdout);
        if (!ok) snprintf(msg, msglen, "cannot write to standard output: %s", strerror(errno));
        return ok ? CLI_EXIT_OK : CLI_EXIT_OUTPUT;
    }
    out->f = NULL;
    out->of = NULL; /* the commit frees it */
    if (nnv_ofile_commit(of, &e) != NNV_OK) {
        snprintf(msg, msglen, "%s", e.message);
        return CLI_EXIT_OUTPUT;
    }
    return CLI_EXIT_OK;
}

static int run_analysis(const cli_options *o)
{
    nnv_error err = {0, ""};
    nnv_structure *s = NULL;
    nnv_potential *p = NULL;
    nnv_analysis *a = NULL;
    nnv_analysis_options ao;
    nnv_thermo thermo;
    cli_run run;
    out_file out = {NULL, NULL};
    char msg[NNV_ERROR_MESSAGE_MAX + 256];
    int st = CLI_EXIT_OK, code, noconv = 0;

    memset(&run, 0, sizeof run);
    run.opt = o;
    run.extrap_index = -1;
    msg[0] = '\0';

    st = out_open(&out, o->output_path, msg, sizeof msg);
    if (st != CLI_EXIT_OK) goto cleanup;
    code = nnv_structure_read_xyz(&s, o->xyz_path, o->frame - 1, &err);
    if (code != NNV_OK) goto lib_fail;
    code = nnv_potential_load(&p, o->weights_path, &(nnv_n2p2_options){o->n2p2_length_unit, o->n2p2_energy_unit},
                              &err);
    if (code != NNV_OK) goto lib_fail;
    for (int i = 0; i < p->warnings.count; i++) warn_once(&run.warnings, p->warnings.messages[i]);

    for (int i = 0; i < o->n_masses; i++) {
        if (o->masses[i].index > s->n_atoms) {
            snprintf(msg, sizeof msg, "--mass %d=%g: atom index %d out of range 1..%d (%s has %d atoms)",
                     o->masses[i].index, o->masses[i].mass, o->masses[i].index, s->n_atoms, o->xyz_path,
                     s->n_atoms);
            st = CLI_EXIT_INPUT;
            goto cleanup;
        }
        code = nnv_structure_set_mass(s, o->masses[i].index - 1, o->masses[i].mass, &err);
        if (code != NNV_OK) goto lib_fail;
    }
    if (o->have_charge && !(p->flags & NNV_FLAG_CHARGES))
        nnv_warnings_add(&run.warnings, "--charge %g ignored: the potential has no charge networks", o->charge);

    memset(&ao, 0, sizeof ao);
    ao.optimize = o->opt;
    ao.opt.max_steps = o->opt_steps;
    ao.opt.fmax = o->opt_fmax;
    ao.total_charge = o->charge;
    ao.linear = o->linear;
    ao.hessian = o->hessian_fd ? NNV_HESSIAN_FD : NNV_HESSIAN_ANALYTIC;
    ao.fd_check = o->check;
    ao.fd_step = o->fd_step;
    ao.max_hessian_mb = cli_max_hessian_mb();
    code = nnv_analyse(&a, p, s, &ao, &err);
    if (code != NNV_OK) goto lib_fail;
    noconv = a->optimized && !a->opt.converged;
    run.s = a->s;
    run.p = p;
    run.r = a->r;
    run.v = a->v;
    run.hessian = a->hessian;
    run.max_force = a->max_force;
    run.smoothness = a->smoothness;
    run.opt_report = a->optimized ? &a->opt : NULL;
    run.fd_check = a->has_fd_check ? &a->fd_check : NULL;
    add_analysis_warnings(&run, a);

    /* Thermochemistry before the files (the CML carries it); then JCAMP-DX. */
    st = cli_thermo(&run, &thermo, msg, sizeof msg);
    if (st != CLI_EXIT_OK) goto cleanup;
    st = cli_write_jcamp(&run, msg, sizeof msg);
    if (st != CLI_EXIT_OK) goto cleanup;
    /* The extra files first: if one cannot be written, the run fails with
     * one error line and no report (files already written are complete). */
    st = cli_write_files(&run, msg, sizeof msg);
    if (st != CLI_EXIT_OK) goto cleanup;
    if (!o->quiet) print_warnings(&run);
    if (write_report(out.f, &run) != 0) {
        snprintf(msg, sizeof msg, "cannot write %s: %s", o->output_path ? o->output_path : "to standard output",
                 strerror(errno));
        st = CLI_EXIT_OUTPUT;
        goto cleanup;
    }
    st = out_close(&out, msg, sizeof msg);
    if (st == CLI_EXIT_OK && noconv) {
        snprintf(msg, sizeof msg, "--opt: not converged in %d steps (max force %.3e eV/A > %g eV/A)", a->opt.steps,
                 a->opt.max_force, o->opt_fmax);
        st = CLI_EXIT_NOCONV;
    }
    goto cleanup;

lib_fail:
    st = cli_exit_of(code);
    snprintf(msg, sizeof msg, "%s", err.message[0] ? err.message : nnv_strerror(code));
cleanup:
    if (st != CLI_EXIT_OK) fail(st, msg);
    out_abort(&out);
    nnv_warnings_clear(&run.warnings);
    nnv_warnings_clear(&run.extrap_details);
    nnv_analysis_free(a);
    nnv_potential_free(p);
    nnv_structure_free(s);
    return st;
}

int main(int argc, char **argv)
{
    cli_options o;
    char msg[512];
    int st;
    if (argc > 1 && strcmp(argv[1], "convert") == 0) return cli_convert_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "compare") == 0) return cli_compare_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "smoothness") == 0) return cli_smooth_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "md") == 0) return cli_md_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "batch") == 0) return cli_batch_main(argc - 1, argv + 1);
    st = cli_parse_options(&o, argc, argv, msg, sizeof msg);
    if (st != CLI_EXIT_OK) return fail(st, msg);
    if (o.help || o.version) {
        if (o.help) cli_print_help(stdout);
        else printf("nnvib %s\n", nnv_version());
        st = fflush(stdout) == 0 && !ferror(stdout) ? CLI_EXIT_OK
                                                    : fail(CLI_EXIT_OUTPUT, "cannot write to standard output");
    } else {
        st = run_analysis(&o);
    }
    cli_options_free(&o);
    return st;
}
