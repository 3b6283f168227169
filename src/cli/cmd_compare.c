/* nnvib compare: one molecule, one or more potentials, one reference (and
 * optionally the teacher's harmonic spectrum): options, the run of the
 * library's per-potential pipeline (nnv_compare_potential) and the report
 * writers (table, JSON, CSV); numbers only formatted here. */
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
#include "compare.h"
#include "compare_spectrum.h"

#define CMP_SCHEMA_VERSION 1

/* ---- text table ---------------------------------------------------------- */

/* Text on one line: control characters as spaces, at most max bytes. */
static void put_text(FILE *f, const char *s, size_t max)
{
    size_t n = 0;
    for (; s && s[n] && n < max; n++) fputc((unsigned char)s[n] < 0x20 || s[n] == 0x7f ? ' ' : s[n], f);
    if (s && s[n]) fputs(" ...", f);
}

static void put_metrics_line(FILE *f, const char *what, const nnv_metrics *m)
{
    fprintf(f, "  %-14s %d band%s assigned", what, m->n_pairs, m->n_pairs == 1 ? "" : "s");
    if (m->n_pairs > 0)
        fprintf(f, ": MAE %.1f  RMSE %.1f  max %.1f  mean signed %+.1f cm-1\n"
                   "  %-14s scale factor %.4f -> MAE %.1f  RMSE %.1f  max %.1f cm-1\n",
                m->mae, m->rmse, m->max_abs, m->mean_signed, "", m->scale, m->mae_scaled, m->rmse_scaled,
                m->max_abs_scaled);
    else
        fputc('\n', f);
    fprintf(f, "  %-14s unassigned: %d computed mode%s, %d reference band%s\n", "", m->n_unassigned_calc,
            m->n_unassigned_calc == 1 ? "" : "s", m->n_unassigned_ref, m->n_unassigned_ref == 1 ? "" : "s");
}

/* Mean teacher frequency of the computed modes assigned to experimental band
 * b (each mode counted with the teacher band it was assigned to); NaN if none. */
static double teacher_of_band(const nnv_comparison *c, const nnv_reference *t, int b)
{
    double sum = 0;
    int n = 0;
    if (!c->vs_teacher) return NAN;
    for (int i = 0; i < c->vs_ref->n_calc; i++)
        if (c->vs_ref->calc_band[i] == b && c->vs_teacher->calc_band[i] >= 0) {
            sum += t->bands[c->vs_teacher->calc_band[i]].freq;
            n++;
        }
    return n ? sum / n : NAN;
}

/* A label in a column of `width` characters: control bytes as '?', cut at
 * width characters on a UTF-8 boundary, padded by characters (not bytes), so
 * "Σg+" lines up. */
static void put_label(FILE *f, const char *s, int width)
{
    int chars = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xc0) != 0x80) {
            if (chars == width) break;
            chars++;
        }
        fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
    }
    for (; chars < width; chars++) fputc(' ', f);
}

static void put_cell(FILE *f, const char *fmt, double x, int width)
{
    if (isfinite(x)) fprintf(f, fmt, width, x);
    else fprintf(f, "%*s", width, "-");
}

static void put_ref_header(FILE *f, const char *what, const char *path, const nnv_reference *r)
{
    int slots = 0;
    for (int b = 0; b < r->n_bands; b++) slots += r->bands[b].degeneracy;
    fprintf(f, "%-10s %s (%s, %d band%s, %d mode%s", what, path, nnv_reference_kind_name(r->kind), r->n_bands,
            r->n_bands == 1 ? "" : "s", slots, slots == 1 ? "" : "s");
    if (r->point_group[0]) {
        fputs(", ", f);
        put_text(f, r->point_group, 40);
    }
    fputs(")\n", f);
}

int cli_compare_write_table(FILE *f, const cli_compare_set *c)
{
    fprintf(f, "nnvib %s compare\n", nnv_version());
    fprintf(f, "%-10s %s (%d atoms)\n", "molecule", c->xyz_path, c->s->n_atoms);
    put_ref_header(f, "reference", c->ref_path, c->ref);
    if (c->teacher) put_ref_header(f, "teacher", c->teacher_path, c->teacher);
    fputs("Modes are matched to bands by frequency alone (optimal one-to-one assignment on |delta|,\n"
          "a band of degeneracy g takes g modes, its value is their mean); symmetry labels are not\n"
          "used (no point-group detection). Imaginary modes are never assigned.\n",
          f);
    for (int k = 0; k < c->n; k++) {
        const nnv_comparison *r = c->cmp[k];
        const nnv_metrics *m = &r->vs_ref->metrics;
        fprintf(f, "\n== potential %s (%s)\n", c->pot_paths[k], nnv_smoothness_name(nnv_potential_smoothness(c->pots[k])));
        if (r->optimized)
            fprintf(f, "  optimisation: %s in %d steps, energy %.8f eV, max force %.2e eV/A\n",
                    r->opt.converged ? "converged" : "NOT CONVERGED", r->opt.steps, r->r->energy, r->max_force);
        else
            fprintf(f, "  no optimisation (--no-opt): energy %.8f eV, max force %.2e eV/A\n", r->r->energy,
                    r->max_force);
        fprintf(f, "  %d vibrational modes, %d imaginary\n", r->v->n_modes, m->n_imaginary);
        put_metrics_line(f, "vs reference:", m);
        if (r->vs_teacher) put_metrics_line(f, "vs teacher:", &r->vs_teacher->metrics);
        fprintf(f, "\n  %-8s %-6s %2s %10s %10s %9s", "band", "sym", "g", "ref", "calc", "calc-ref");
        if (c->teacher) fprintf(f, " %10s %9s", "teacher", "calc-tch");
        fprintf(f, "\n  %-8s %-6s %2s %10s %10s %9s", "", "", "", "(cm-1)", "(cm-1)", "(cm-1)");
        if (c->teacher) fprintf(f, " %10s %9s", "(cm-1)", "(cm-1)");
        fputc('\n', f);
        for (int b = 0; b < c->ref->n_bands; b++) {
            const nnv_ref_band *rb = &c->ref->bands[b];
            double calc = r->vs_ref->band_calc[b];
            fputs("  ", f);
            put_label(f, rb->mode, 8);
            fputc(' ', f);
            put_label(f, rb->symmetry, 6);
            fprintf(f, " %2d ", rb->degeneracy);
            put_cell(f, "%*.1f", rb->freq, 10);
            fputc(' ', f);
            put_cell(f, "%*.1f", calc, 10);
            fputc(' ', f);
            put_cell(f, "%+*.1f", calc - rb->freq, 9);
            if (c->teacher) {
                double t = teacher_of_band(r, c->teacher, b);
                fputc(' ', f);
                put_cell(f, "%*.1f", t, 10);
                fputc(' ', f);
                put_cell(f, "%+*.1f", calc - t, 9);
            }
            if (r->vs_ref->band_n_calc[b] < rb->degeneracy && r->vs_ref->band_n_calc[b] > 0)
                fprintf(f, "  (%d of %d modes)", r->vs_ref->band_n_calc[b], rb->degeneracy);
            fputc('\n', f);
        }
        if (m->n_unassigned_calc > 0 || m->n_imaginary > 0) {
            fputs("  not assigned:", f);
            for (int i = 0; i < r->v->n_modes; i++)
                if (r->vs_ref->calc_band[i] < 0) {
                    double nu = r->v->frequencies[i];
                    if (nu < 0) fprintf(f, " %.1fi", -nu);
                    else fprintf(f, " %.1f", nu);
                }
            fputs(" cm-1\n", f);
        }
    }
    if (c->spectrum) {
        fputs("\n== measured spectrum\n", f);
        if (cli_spectrum_report_table(f, c->spectrum) != 0) return -1;
    }
    if (c->warnings && c->warnings->count > 0) {
        fputs("\nWarnings:\n", f);
        for (int i = 0; i < c->warnings->count; i++) {
            fputs("  * ", f);
            put_text(f, c->warnings->messages[i], 1000);
            fputc('\n', f);
        }
    }
    return ferror(f) ? -1 : 0;
}

/* ---- JSON ------------------------------------------------------------------ */

static void j_vec(FILE *f, const double *x, int n)
{
    fputc('[', f);
    for (int i = 0; i < n; i++) {
        if (i) fputs(", ", f);
        json_num(f, x[i]);
    }
    fputc(']', f);
}

static void j_reference(FILE *f, const char *path, const nnv_reference *r)
{
    if (!r) {
        fputs("null", f);
        return;
    }
    fputs("{\"file\": ", f);
    json_str(f, path);
    fputs(", \"kind\": ", f);
    json_str(f, nnv_reference_kind_name(r->kind));
    fputs(", \"molecule\": ", f);
    json_str(f, r->molecule);
    fputs(", \"point_group\": ", f);
    json_str(f, r->point_group);
    fputs(", \"bands\": [", f);
    for (int b = 0; b < r->n_bands; b++) {
        const nnv_ref_band *x = &r->bands[b];
        fputs(b ? ",\n      {\"mode\": " : "\n      {\"mode\": ", f);
        json_str(f, x->mode);
        fputs(", \"symmetry\": ", f);
        json_str(f, x->symmetry);
        fputs(", \"freq_cm1\": ", f);
        json_num(f, x->freq);
        fprintf(f, ", \"degeneracy\": %d, \"ir_active\": %s, \"ir_intensity_km_mol\": ", x->degeneracy,
                x->ir_active < 0 ? "null" : x->ir_active ? "true" : "false");
        json_num(f, x->intensity);
        fputs(", \"source\": ", f);
        json_str(f, x->source);
        fputc('}', f);
    }
    fputs("]}", f);
}

static void j_assignment(FILE *f, const nnv_assignment *a, const nnv_reference *r)
{
    const nnv_metrics *m;
    if (!a) {
        fputs("null", f);
        return;
    }
    m = &a->metrics;
    fprintf(f, "{\"n_pairs\": %d, \"mae_cm1\": ", m->n_pairs);
    json_num(f, m->mae);
    fputs(", \"rmse_cm1\": ", f);
    json_num(f, m->rmse);
    fputs(", \"max_abs_cm1\": ", f);
    json_num(f, m->max_abs);
    fputs(", \"mean_signed_cm1\": ", f);
    json_num(f, m->mean_signed);
    fputs(", \"scale_factor\": ", f);
    json_num(f, m->scale);
    fputs(", \"mae_scaled_cm1\": ", f);
    json_num(f, m->mae_scaled);
    fputs(", \"rmse_scaled_cm1\": ", f);
    json_num(f, m->rmse_scaled);
    fputs(", \"max_abs_scaled_cm1\": ", f);
    json_num(f, m->max_abs_scaled);
    fprintf(f, ", \"n_imaginary\": %d, \"n_unassigned_calc\": %d, \"n_unassigned_ref\": %d", m->n_imaginary,
            m->n_unassigned_calc, m->n_unassigned_ref);
    fputs(", \"total_abs_cm1\": ", f);
    json_num(f, a->total_cost);
    fputs(",\n      \"bands\": [", f);
    for (int b = 0; b < a->n_bands; b++) {
        fprintf(f, "%s{\"band\": %d, \"mode\": ", b ? ", " : "", b + 1);
        json_str(f, r->bands[b].mode);
        fputs(", \"ref_cm1\": ", f);
        json_num(f, r->bands[b].freq);
        fputs(", \"calc_cm1\": ", f);
        json_num(f, a->band_calc[b]);
        fputs(", \"delta_cm1\": ", f);
        json_num(f, a->band_calc[b] - r->bands[b].freq);
        fprintf(f, ", \"n_modes\": %d}", a->band_n_calc[b]);
    }
    fputs("],\n      \"mode_band\": [", f);
    for (int i = 0; i < a->n_calc; i++) {
        if (i) fputs(", ", f);
        if (a->calc_band[i] < 0) fputs("null", f);
        else fprintf(f, "%d", a->calc_band[i] + 1);
    }
    fputs("]}", f);
}

int cli_compare_write_json(FILE *f, const cli_compare_set *c)
{
    fputs("{\"program\": \"nnvib\", \"command\": \"compare\", \"version\": ", f);
    json_str(f, nnv_version());
    fprintf(f, ", \"schema_version\": %d,\n  \"molecule_file\": ", CMP_SCHEMA_VERSION);
    json_str(f, c->xyz_path);
    fprintf(f, ", \"n_atoms\": %d, \"symmetry_used\": false,\n  \"reference\": ", c->s->n_atoms);
    j_reference(f, c->ref_path, c->ref);
    fputs(",\n  \"teacher\": ", f);
    j_reference(f, c->teacher_path, c->teacher);
    fputs(",\n  \"potentials\": [", f);
    for (int k = 0; k < c->n; k++) {
        const nnv_comparison *r = c->cmp[k];
        fputs(k ? ",\n    {\"file\": " : "\n    {\"file\": ", f);
        json_str(f, c->pot_paths[k]);
        fputs(", \"description\": ", f);
        json_str(f, c->pots[k]->description);
        fputs(", \"smoothness\": ", f);
        json_str(f, nnv_smoothness_name(nnv_potential_smoothness(c->pots[k])));
        fputs(",\n      \"optimization\": ", f);
        if (r->optimized) {
            fprintf(f, "{\"steps\": %d, \"converged\": %s, \"energy_eV\": ", r->opt.steps,
                    r->opt.converged ? "true" : "false");
            json_num(f, r->opt.energy);
            fputs(", \"max_force_eV_A\": ", f);
            json_num(f, r->opt.max_force);
            fputc('}', f);
        } else {
            fputs("null", f);
        }
        fputs(", \"energy_eV\": ", f);
        json_num(f, r->r->energy);
        fputs(", \"max_force_eV_A\": ", f);
        json_num(f, r->max_force);
        fprintf(f, ", \"n_modes\": %d,\n      \"frequencies_cm1\": ", r->v->n_modes);
        j_vec(f, r->v->frequencies, r->v->n_modes);
        fputs(",\n      \"ir_intensities_km_mol\": ", f);
        if (r->v->ir_intensities) j_vec(f, r->v->ir_intensities, r->v->n_modes);
        else fputs("null", f);
        fputs(",\n      \"vs_reference\": ", f);
        j_assignment(f, r->vs_ref, c->ref);
        fputs(",\n      \"vs_teacher\": ", f);
        j_assignment(f, r->vs_teacher, c->teacher);
        fputc('}', f);
    }
    fputs("],\n  \"warnings\": [", f);
    for (int i = 0; c->warnings && i < c->warnings->count; i++) {
        if (i) fputs(", ", f);
        json_str(f, c->warnings->messages[i]);
    }
    fputc(']', f);
    if (c->spectrum) {
        fputs(",\n  \"spectrum\": ", f);
        if (cli_spectrum_report_json(f, c->spectrum) != 0) return -1;
    }
    fputs("\n}\n", f);
    return ferror(f) ? -1 : 0;
}

/* ---- CSV ------------------------------------------------------------------- */

/* RFC 4180 field: quoted when it holds a comma, quote or line break. */
static void csv_str(FILE *f, const char *s)
{
    if (!s || !strpbrk(s, ",\"\r\n")) {
        fputs(s ? s : "", f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void csv_num(FILE *f, double x)
{
    if (isfinite(x)) fprintf(f, "%.6f", x);
}

static void csv_rows(FILE *f, const char *pot, const char *against, const nnv_assignment *a, const nnv_reference *r)
{
    for (int b = 0; b < r->n_bands; b++) {
        csv_str(f, pot);
        fprintf(f, ",%s,%d,", against, b + 1);
        csv_str(f, r->bands[b].mode);
        fputc(',', f);
        csv_str(f, r->bands[b].symmetry);
        fprintf(f, ",%d,", r->bands[b].degeneracy);
        csv_num(f, r->bands[b].freq);
        fputc(',', f);
        csv_num(f, a->band_calc[b]);
        fputc(',', f);
        csv_num(f, a->band_calc[b] - r->bands[b].freq);
        fprintf(f, ",%d\n", a->band_n_calc[b]);
    }
}

int cli_compare_write_csv(FILE *f, const cli_compare_set *c)
{
    fputs("potential,against,band,mode,symmetry,degeneracy,ref_cm1,calc_cm1,delta_cm1,n_modes\n", f);
    for (int k = 0; k < c->n; k++) {
        csv_rows(f, c->pot_paths[k], "reference", c->cmp[k]->vs_ref, c->ref);
        if (c->cmp[k]->vs_teacher) csv_rows(f, c->pot_paths[k], "teacher", c->cmp[k]->vs_teacher, c->teacher);
    }
    return ferror(f) ? -1 : 0;
}

/* ---- the subcommand ---------------------------------------------------------- */

static void compare_help(FILE *f)
{
    fputs("Usage: nnvib compare MOLECULE.xyz POTENTIAL... --ref FILE [options]\n"
          "For each potential: optimise the molecule on it, harmonic analysis with the\n"
          "analytic Hessian, then assign the computed modes to the reference bands\n"
          "(optimal one-to-one assignment on |delta nu|, degeneracies respected) and\n"
          "report MAE, RMSE, max error, the least-squares scale factor and the errors\n"
          "after scaling. See docs/cli.md.\n"
          "\n"
          "  --ref FILE           reference bands (required): experimental fundamentals\n"
          "                       (reference_spectra/experimental/*.tsv), a harmonic TSV or a\n"
          "                       JCAMP-DX ##PEAK TABLE\n"
          "  --teacher FILE       a second reference, the teacher's harmonic spectrum\n"
          "                       (reference_spectra/gfn2xtb/*.tsv): isolates the network's error\n"
          "  --no-opt             analyse the geometry as given (no optimisation)\n"
          "  --opt-fmax F         convergence: max |force component| in eV/A [1e-5]\n"
          "  --opt-steps N        at most N optimisation steps [500]\n"
          "  --charge Q           total charge in e, for potentials with charge networks [0]\n"
          "  --json               JSON report instead of the table (docs/json-schema.md)\n"
          "  --csv FILE           also write one CSV row per potential, reference and band\n"
          "  -o, --output FILE    write the report to FILE instead of standard output\n"
          "  --spectrum FILE.jdx  also compare the IR stick spectra with a measured spectrum\n"
          "  --svg FILE           with --spectrum: overlay figure\n"
          "  --fwhm W             with --spectrum: broadening of the computed sticks, cm-1\n"
          "  -q, --quiet          no warnings on stderr\n"
          "  -h, --help           this text\n"
          "\n"
          "Exit status: 0 success, 1 internal error, 2 usage error, 3 bad input (molecule,\n"
          "potential or reference; the message names the file and line), 4 numerical\n"
          "failure, 5 cannot write an output, 6 an optimisation did not converge (the\n"
          "comparison is still made at the last geometry and reported in full).\n",
          f);
}

typedef struct cmp_args {
    const char *xyz, *ref, *teacher, *csv, *output, *spectrum, *svg;
    const char **pots;
    int n_pots, json, quiet, no_opt, have_fwhm, opt_steps;
    double fwhm, opt_fmax, charge;
} cmp_args;

static int usage(const char *fmt, const char *arg)
{
    fputs("nnvib: compare: ", stderr);
    fprintf(stderr, fmt, arg ? arg : "");
    fputs(" (see nnvib compare --help)\n", stderr);
    return CLI_EXIT_USAGE;
}

/* CLI_EXIT_OK, CLI_EXIT_USAGE (message printed) or -1 after --help. */
static int parse_args(cmp_args *a, int argc, char **argv)
{
    int only_pos = 0, matched;
    const char *val;
    memset(a, 0, sizeof *a);
    a->opt_fmax = 1e-5;
    a->opt_steps = 500;
    a->pots = calloc((size_t)argc + 1, sizeof *a->pots);
    if (!a->pots) {
        fputs("nnvib: compare: out of memory\n", stderr);
        return CLI_EXIT_INTERNAL;
    }
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (only_pos || s[0] != '-' || s[1] == '\0') {
            if (!a->xyz) a->xyz = s;
            else a->pots[a->n_pots++] = s;
            continue;
        }
        if (strcmp(s, "--") == 0) { only_pos = 1; continue; }
        if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
            compare_help(stdout);
            return -1;
        }
        if (strcmp(s, "-q") == 0 || strcmp(s, "--quiet") == 0) { a->quiet = 1; continue; }
        if (strcmp(s, "--json") == 0) { a->json = 1; continue; }
        if (strcmp(s, "--no-opt") == 0) { a->no_opt = 1; continue; }
#define STR_OPT(nm, sc, field)                                                          \
        val = cli_opt_value(argc, argv, &i, nm, sc, &matched);                          \
        if (matched) {                                                                  \
            if (!val || !*val) return usage("--%s: missing file name", nm);             \
            a->field = val;                                                             \
            continue;                                                                   \
        }
        STR_OPT("ref", 0, ref)
        STR_OPT("teacher", 0, teacher)
        STR_OPT("csv", 0, csv)
        STR_OPT("output", 'o', output)
        STR_OPT("spectrum", 0, spectrum)
        STR_OPT("svg", 0, svg)
#undef STR_OPT
        val = cli_opt_value(argc, argv, &i, "fwhm", 0, &matched);
        if (matched) {
            if (cli_parse_double(val, &a->fwhm) != 0 || !(a->fwhm >= 0.01 && a->fwhm <= 10000))
                return usage("--fwhm: expected a width in cm-1 in [0.01, 10000], got \"%s\"", val);
            a->have_fwhm = 1;
            continue;
        }
        val = cli_opt_value(argc, argv, &i, "opt-fmax", 0, &matched);
        if (matched) {
            if (cli_parse_double(val, &a->opt_fmax) != 0 || !(a->opt_fmax > 0 && a->opt_fmax <= 10))
                return usage("--opt-fmax: expected a force in eV/A in (0, 10], got \"%s\"", val);
            continue;
        }
        val = cli_opt_value(argc, argv, &i, "opt-steps", 0, &matched);
        if (matched) {
            double d;
            if (cli_parse_double(val, &d) != 0 || d != floor(d) || d < 1 || d > 1000000)
                return usage("--opt-steps: expected an integer 1..1000000, got \"%s\"", val);
            a->opt_steps = (int)d;
            continue;
        }
        val = cli_opt_value(argc, argv, &i, "charge", 0, &matched);
        if (matched) {
            if (cli_parse_double(val, &a->charge) != 0 || fabs(a->charge) > 1000)
                return usage("--charge: expected a finite number (total charge in e), got \"%s\"", val);
            continue;
        }
        return usage("unknown option \"%s\"", s);
    }
    if (!a->xyz) return usage("missing the molecule file%s", NULL);
    if (a->n_pots == 0) return usage("missing the potential file(s)%s", NULL);
    if (!a->ref) return usage("--ref FILE is required (e.g. reference_spectra/experimental/water.tsv)%s", NULL);
    if ((a->svg || a->have_fwhm) && !a->spectrum) return usage("--svg and --fwhm need --spectrum FILE.jdx%s", NULL);
    return CLI_EXIT_OK;
}

int cli_compare_main(int argc, char **argv)
{
    cmp_args a;
    nnv_error err = {0, ""};
    nnv_structure *s = NULL;
    nnv_reference *ref = NULL, *teacher = NULL;
    nnv_potential **pots = NULL;
    nnv_comparison **cmp = NULL;
    cli_spectrum_input *sin = NULL;
    cli_spectrum_report *srep = NULL;
    nnv_warnings warn = {0, 0, NULL};
    nnv_ofile *out = NULL, *csv = NULL;
    nnv_analysis_options co;
    cli_compare_set set;
    char msg[NNV_ERROR_MESSAGE_MAX + 256];
    int st, code, noconv = 0, n_sin = 0;
    const char *noconv_path = "";
    FILE *f;

    msg[0] = '\0';
    st = parse_args(&a, argc, argv);
    if (st != CLI_EXIT_OK) {
        free(a.pots);
        if (st < 0) return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_OUTPUT;
        return st;
    }
    /* Outputs first, so an unwritable target fails before any work. */
    if (a.output && nnv_ofile_open(&out, a.output, &err) != NNV_OK) goto out_fail;
    if (a.csv && nnv_ofile_open(&csv, a.csv, &err) != NNV_OK) goto out_fail;

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
        so.fwhm = a.have_fwhm ? a.fwhm : 0;
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
    if (!a.quiet)
        for (int i = 0; i < warn.count; i++) fprintf(stderr, "nnvib: warning: %s\n", warn.messages[i]);
    f = a.output ? nnv_ofile_stream(out) : stdout;
    if ((a.json ? cli_compare_write_json(f, &set) : cli_compare_write_table(f, &set)) != 0) {
        snprintf(msg, sizeof msg, "cannot write %s: %s", a.output ? a.output : "to standard output", strerror(errno));
        st = CLI_EXIT_OUTPUT;
        goto cleanup;
    }
    if (a.output) {
        code = nnv_ofile_commit(out, &err); /* frees out */
        out = NULL;
        if (code != NNV_OK) goto out_fail;
    } else if (fflush(stdout) != 0 || ferror(stdout)) {
        snprintf(msg, sizeof msg, "cannot write to standard output: %s", strerror(errno));
        st = CLI_EXIT_OUTPUT;
        goto cleanup;
    }
    st = CLI_EXIT_OK;
    if (noconv) {
        snprintf(msg, sizeof msg, "compare: optimisation not converged for %s%s (compared at the last geometry; see "
                 "the report)", noconv_path, noconv > 1 ? " and others" : "");
        st = CLI_EXIT_NOCONV;
    }
    goto cleanup;

out_fail:
    st = err.code == NNV_ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_OUTPUT;
    snprintf(msg, sizeof msg, "%s", err.message);
    goto cleanup;
lib_fail:
    st = cli_exit_of(code);
    snprintf(msg, sizeof msg, "%s", err.message[0] ? err.message : nnv_strerror(code));
cleanup:
    if (st != CLI_EXIT_OK) fprintf(stderr, "nnvib: %s\n", msg[0] ? msg : "internal error");
    nnv_ofile_discard(out);
    nnv_ofile_discard(csv);
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
    free(a.pots);
    return st;
}
