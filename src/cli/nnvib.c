/* nnvib: the command-line program. Reads a molecule and a potential, calls the
 * library (optimise, compute, analyse), maps its status codes to exit statuses
 * and hands the results to the table or JSON writer; no physics here. */
#define _POSIX_C_SOURCE 200809L
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "internal.h"

#define STATIONARY_FMAX 1e-3 /* eV/Å: above this the point is not stationary */
#define EXTRAP_LINES_MAX 10

/* The one line an error prints; the message already names file, line, field. */
static int fail(int status, const char *msg)
{
    fprintf(stderr, "nnvib: %s\n", msg && *msg ? msg : "internal error");
    return status;
}

static int all_finite(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return 0;
    return 1;
}

static double max_abs(const double *x, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(x[i]) > m) m = fabs(x[i]);
    return m;
}

/* Add a warning unless the same text is already there (reader warnings once each). */
static void warn_once(nnv_warnings *w, const char *text)
{
    for (int i = 0; i < w->count; i++)
        if (strcmp(w->messages[i], text) == 0) return;
    nnv_warnings_add(w, "%s", text);
}

static void summarise_extrapolation(cli_run *run)
{
    const nnv_result *r = run->r;
    const nnv_structure *s = run->s;
    int n = r->n_extrapolations;
    if (n == 0) return;
    run->extrap_index = run->warnings.count;
    nnv_warnings_add(&run->warnings,
                     "%d symmetry-function value%s outside the training range [gmin, gmax]: the network "
                     "extrapolates there and the results may be unreliable",
                     n, n == 1 ? "" : "s");
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
 * (src/atomic_file.c, compiled into the program since the library does not
 * export it): opened before any work, so an unwritable target fails fast, and
 * renamed over the target only when complete. stdout is written directly. */
typedef struct out_file {
    FILE *f;
    af_file af; /* af.f == NULL: stdout */
} out_file;

static int out_open(out_file *out, const char *path, char *msg, size_t msglen)
{
    nnv_error e = {0, ""};
    out->f = stdout;
    memset(&out->af, 0, sizeof out->af);
    if (!path) return CLI_EXIT_OK;
    if (af_open(&out->af, path, &e) != NNV_OK) {
        snprintf(msg, msglen, "%s", e.message);
        return e.code == NNV_ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_OUTPUT;
    }
    out->f = out->af.f;
    return CLI_EXIT_OK;
}

/* Drop an unfinished report (no-op for stdout or after out_close). */
static void out_abort(out_file *out)
{
    af_discard(&out->af);
    out->f = NULL;
}

static int out_close(out_file *out, char *msg, size_t msglen)
{
    nnv_error e = {0, ""};
    if (!out->af.f) {
        int ok = fflush(stdout) == 0 && !ferror(stdout);
        if (!ok) snprintf(msg, msglen, "cannot write to standard output: %s", strerror(errno));
        return ok ? CLI_EXIT_OK : CLI_EXIT_OUTPUT;
    }
    out->f = NULL;
    if (af_commit(&out->af, &e) != NNV_OK) {
        snprintf(msg, msglen, "%s", e.message);
        return CLI_EXIT_OUTPUT;
    }
    return CLI_EXIT_OK;
}

/* Largest element and frequency differences between the analytic and the
 * finite-difference Hessians (both already computed by the library). */
static void compare_hessians(cli_fd_check *c, const double *ha, const double *hf, size_t nn,
                             const nnv_vib *va, const nnv_vib *vf)
{
    double hmax = max_abs(ha, nn);
    c->max_abs_diff = 0;
    for (size_t i = 0; i < nn; i++)
        if (fabs(ha[i] - hf[i]) > c->max_abs_diff) c->max_abs_diff = fabs(ha[i] - hf[i]);
    c->max_rel_diff = hmax > 0 ? c->max_abs_diff / hmax : 0;
    c->max_freq_diff = 0;
    for (int k = 0; k < va->n_modes && k < vf->n_modes; k++) {
        double d = fabs(va->frequencies[k] - vf->frequencies[k]);
        if (d > c->max_freq_diff) c->max_freq_diff = d;
    }
}

static int run_analysis(const cli_options *o)
{
    nnv_error err = {0, ""};
    nnv_structure *s = NULL;
    nnv_potential *p = NULL;
    nnv_result *r = NULL;
    nnv_vib *v = NULL, *v_other = NULL;
    double *h_fd = NULL;
    nnv_opt_report rep = {0, 0, 0, 0};
    cli_fd_check check = {0, 0, 0, 0};
    nnv_thermo thermo;
    cli_run run;
    out_file out = {NULL, {NULL, NULL, NULL, 0}};
    char msg[NNV_ERROR_MESSAGE_MAX + 256];
    int st = CLI_EXIT_OK, code, noconv = 0, has_charges;
    unsigned want;
    size_t n3, nn;

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

    has_charges = (p->flags & NNV_FLAG_CHARGES) != 0;
    if (o->have_charge && !has_charges)
        nnv_warnings_add(&run.warnings, "--charge %g ignored: the potential has no charge networks", o->charge);
    run.smoothness = nnv_potential_smoothness(p);
    if (run.smoothness == NNV_C0)
        nnv_warnings_add(&run.warnings,
                         "the potential is only C0 (ReLU layers): a ReLU network has zero curvature almost "
                         "everywhere and jumps at its kinks, so the Hessian and the frequencies are not "
                         "meaningful");

    if (o->opt) {
        nnv_opt_options oo;
        memset(&oo, 0, sizeof oo);
        oo.max_steps = o->opt_steps;
        oo.fmax = o->opt_fmax;
        code = nnv_optimize(s, p, &oo, &rep, &err);
        if (code != NNV_OK) goto lib_fail;
        run.opt_report = &rep;
        if (!rep.converged) {
            noconv = 1;
            nnv_warnings_add(&run.warnings,
                             "geometry optimisation did not converge in %d steps (max force %.3e eV/A > %g); "
                             "the analysis is at the last geometry",
                             rep.steps, rep.max_force, o->opt_fmax);
        }
    }

    want = NNV_WANT_FORCES;
    if (!o->hessian_fd || o->check) want |= NNV_WANT_HESSIAN;
    if (has_charges) want |= NNV_WANT_CHARGES | NNV_WANT_DIPOLE_DERIV;
    code = nnv_compute(&r, p, s, &(nnv_compute_options){want, o->charge, cli_max_hessian_mb()}, &err);
    if (code != NNV_OK) goto lib_fail;
    n3 = 3 * (size_t)s->n_atoms;
    nn = n3 * n3;
    if (!isfinite(r->energy) || !r->forces || !all_finite(r->forces, n3) ||
        ((want & NNV_WANT_HESSIAN) && (!r->hessian || !all_finite(r->hessian, nn)))) {
        snprintf(msg, sizeof msg, "%s: non-finite energy, forces or Hessian from potential %s",
                 o->xyz_path, o->weights_path);
        st = CLI_EXIT_NUMERIC;
        goto cleanup;
    }
    run.s = s;
    run.p = p;
    run.r = r;
    run.max_force = max_abs(r->forces, n3);
    if (!o->opt && run.max_force > STATIONARY_FMAX)
        nnv_warnings_add(&run.warnings,
                         "not a stationary point: max |force component| = %.3e eV/A > %g eV/A; the "
                         "frequencies are those of a non-equilibrium geometry (relax first with --opt)",
                         run.max_force, STATIONARY_FMAX);
    summarise_extrapolation(&run);

    if (o->hessian_fd || o->check) {
        h_fd = malloc(nn * sizeof *h_fd);
        if (!h_fd) {
            snprintf(msg, sizeof msg, "out of memory");
            st = CLI_EXIT_INTERNAL;
            goto cleanup;
        }
        code = nnv_hessian_fd(h_fd, p, s, o->fd_step, &err);
        if (code != NNV_OK) goto lib_fail;
        if (!all_finite(h_fd, nn)) {
            snprintf(msg, sizeof msg, "%s: non-finite finite-difference Hessian", o->xyz_path);
            st = CLI_EXIT_NUMERIC;
            goto cleanup;
        }
    }
    run.hessian = o->hessian_fd ? h_fd : r->hessian;
    code = nnv_vib_analyse(&v, s->n_atoms, s->xyz, s->masses, run.hessian, r->dipole_deriv, o->linear, &err);
    if (code != NNV_OK) goto lib_fail;
    run.v = v;
    if (o->check) {
        const double *other = o->hessian_fd ? r->hessian : h_fd;
        code = nnv_vib_analyse(&v_other, s->n_atoms, s->xyz, s->masses, other, NULL, o->linear, &err);
        if (code != NNV_OK) goto lib_fail;
        check.step = o->fd_step;
        compare_hessians(&check, r->hessian, h_fd, nn, o->hessian_fd ? v_other : v, o->hessian_fd ? v : v_other);
        run.fd_check = &check;
    }

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
        snprintf(msg, sizeof msg, "--opt: not converged in %d steps (max force %.3e eV/A > %g eV/A)", rep.steps,
                 rep.max_force, o->opt_fmax);
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
    nnv_vib_free(v_other);
    nnv_vib_free(v);
    free(h_fd);
    nnv_result_free(r);
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
    if (argc > 1 && strcmp(argv[1], "study") == 0) return cli_study_main(argc - 1, argv + 1);
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
