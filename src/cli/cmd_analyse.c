/* `nnvib [options] molecule.xyz POTENTIAL`: the harmonic analysis of one
 * molecule. Its option table, then the run: read the inputs, call the
 * library's pipeline (nnv_analyse), thermochemistry and the extra files, then
 * the table or JSON report; every failure one line and an exit status. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyse.h"

#define EXTRAP_LINES_MAX 10

/* One INDEX=MASS or INDEX=LABEL (D, 13C, 18O...): INDEX >= 1 and MASS finite
 * > 0; the upper bound of INDEX, and that a label's element is the atom's,
 * are checked once the file is read. */
static int take_one_mass(cli_options *o, const char *val, size_t n, char *msg, size_t msglen)
{
    char item[64], *eq;
    long index;
    double mass;
    cli_mass m;
    cli_mass *grown;
    if (n == 0 || n >= sizeof item) return CLI_EXIT_USAGE;
    memcpy(item, val, n);
    item[n] = '\0';
    if (!(eq = strchr(item, '=')) || eq == item) return CLI_EXIT_USAGE;
    *eq++ = '\0';
    memset(&m, 0, sizeof m);
    if (args_long(item, 1, INT_MAX, &index) != 0) return CLI_EXIT_USAGE;
    if (args_double(eq, &mass) == 0) {
        /* Sane masses: an electron is 0.00055 u, the heaviest nucleus ~300 u;
         * 1e-300 gave frequencies of 1e150 cm-1 without a word. */
        if (!(mass >= 1e-3 && mass <= 1e6)) return CLI_EXIT_USAGE;
    } else {
        nnv_error err = {0, ""};
        size_t digits = strspn(eq, "0123456789");
        if (!isalnum((unsigned char)eq[0])) return CLI_EXIT_USAGE; /* a bad number, not a label */
        if (nnv_isotope_mass(eq, &m.Z, &mass, &err) != NNV_OK) {
            snprintf(msg, msglen, "%s", err.message);
            return CLI_EXIT_USAGE;
        }
        /* shown as chemists write it: "18O" for 18o, D and T as given */
        if (digits == 0) snprintf(m.label, sizeof m.label, "%c", toupper((unsigned char)eq[0]));
        else snprintf(m.label, sizeof m.label, "%.*s%s", (int)(digits < 4 ? digits : 4), eq, nnv_element_symbol(m.Z));
    }
    m.index = (int)index;
    m.mass = mass;
    if (!(grown = realloc(o->masses, (size_t)(o->n_masses + 1) * sizeof *grown))) return CLI_EXIT_INTERNAL;
    o->masses = grown;
    o->masses[o->n_masses++] = m;
    return CLI_EXIT_OK;
}

/* --mass, repeatable, each a comma-separated list (--mass 2=D,3=D). */
static int take_mass(void *ctx, const char *val, char *msg, size_t msglen)
{
    for (;;) {
        size_t n = strcspn(val, ",");
        int st = take_one_mass(ctx, val, n, msg, msglen);
        if (st != CLI_EXIT_OK || !val[n]) return st;
        val += n + 1;
    }
}

/* --qrrho[=CUTOFF]: on, with the cutoff when one is given. */
static int take_qrrho(void *ctx, const char *val, char *msg, size_t msglen)
{
    cli_options *o = ctx;
    (void)msg;
    (void)msglen;
    o->qrrho = 1;
    if (val && (args_double(val, &o->qrrho_cutoff) != 0 || !(o->qrrho_cutoff > 0 && o->qrrho_cutoff <= 10000)))
        return CLI_EXIT_USAGE;
    return CLI_EXIT_OK;
}

void cli_options_free(cli_options *o)
{
    free(o->masses);
    free(o->weights_resolved);
    o->weights_resolved = NULL;
    o->masses = NULL;
    o->n_masses = 0;
}

int cli_options_parse(cli_options *o, int argc, char **argv, const char *more_usage, char *msg, size_t msglen)
{
    static const arg_choice linear[] = {{"auto", NNV_LINEAR_AUTO}, {"yes", NNV_LINEAR_YES}, {"no", NNV_LINEAR_NO},
                                        {NULL, 0}};
    static const arg_choice hessian[] = {{"analytic", 0}, {"fd", 1}, {NULL, 0}};
    static const arg_choice lineshape[] = {{"lorentzian", NNV_LINESHAPE_LORENTZIAN},
                                           {"gaussian", NNV_LINESHAPE_GAUSSIAN}, {NULL, 0}};
    static const arg_choice length[] = {{"bohr", NNV_N2P2_BOHR}, {"angstrom", NNV_N2P2_ANGSTROM}, {NULL, 0}};
    static const arg_choice energy[] = {{"hartree", NNV_N2P2_HARTREE}, {"ev", NNV_N2P2_EV}, {NULL, 0}};
    static const arg_choice hess_format[] = {{"orca", NNV_HESSIAN_ORCA}, {"turbomole", NNV_HESSIAN_TURBOMOLE},
                                             {"xtb", NNV_HESSIAN_TURBOMOLE}, {NULL, 0}};
    int json_hessian = 0;
    const arg_spec opts[] = {
        {.section = "Input:"},
        {.name = "frame", .kind = ARG_INT, .dest = &o->frame, .metavar = "K",
         .help = "use frame K (from 1) of a multi-frame XYZ file [1]", .expect = "a frame number >= 1", .lo = 1,
         .hi = INT_MAX},
        {.name = "mass", .kind = ARG_CALL, .metavar = "INDEX=MASS|ISOTOPE",
         .help = "mass of atom INDEX (from 1, as in the XYZ file) in u, or\nan isotope: D, T, 13C, 15N, 18O ...; comma lists, and\nrepeatable (e.g. --mass 2=D,3=D, --mass 3=2.01410177812)",
         .expect = "INDEX=MASS or INDEX=ISOTOPE (atom INDEX >= 1, MASS in u from 0.001 to 1e6, ISOTOPE such as D, "
                   "13C, 18O)", .call = take_mass, .ctx = o},
        {.name = "charge", .kind = ARG_DOUBLE, .dest = &o->charge, .metavar = "Q",
         .help = "total charge in e, for potentials with charge networks [0]",
         .expect = "a total charge in e from -100 to 100", .lo = -100, .hi = 100},
        {.name = "length-unit", .kind = ARG_CHOICE, .dest = &o->n2p2_length_unit, .metavar = "bohr|angstrom",
         .help = "length unit of an n2p2 potential folder's training data\n[from input.nn]", .choices = length},
        {.name = "energy-unit", .kind = ARG_CHOICE, .dest = &o->n2p2_energy_unit, .metavar = "hartree|ev",
         .help = "energy unit of an n2p2 potential folder's training data\n[from input.nn]", .choices = energy},
        {.section = "Analysis:"},
        {.name = "linear", .kind = ARG_CHOICE, .dest = &o->linear, .metavar = "auto|yes|no",
         .help = "treat the molecule as linear (5 rigid-body modes) [auto]", .choices = linear},
        {.name = "hessian", .kind = ARG_CHOICE, .dest = &o->hessian_fd, .metavar = "analytic|fd",
         .help = "analyse the analytic Hessian, or central differences\nof the analytic forces (a cross-check) [analytic]",
         .choices = hessian},
        {.name = "fd-step", .kind = ARG_DOUBLE, .dest = &o->fd_step, .metavar = "H",
         .help = "finite-difference step in A, 1e-5 <= H < 0.1 [0.001]",
         .expect = "a step from 1e-5 to 0.1 A (smaller ones lose the force differences to round-off)",
         .lo = 1e-5, .hi = 0.1, .open = ARG_OPEN_HI},
        {.name = "check", .kind = ARG_FLAG, .dest = &o->check,
         .help = "compute both Hessians and report their largest\ndifferences and the largest frequency difference"},
        {.name = "opt", .kind = ARG_FLAG, .dest = &o->opt,
         .help = "relax the geometry first (L-BFGS on the potential)"},
        {.name = "opt-fmax", .kind = ARG_DOUBLE, .dest = &o->opt_fmax, .metavar = "F",
         .help = "convergence: max |force component| in eV/A [1e-5]", .expect = "a number > 0 (eV/A)", .lo = 0,
         .hi = HUGE_VAL, .open = ARG_OPEN_LO},
        {.name = "opt-steps", .kind = ARG_INT, .dest = &o->opt_steps, .metavar = "N",
         .help = "at most N optimisation steps [500]; a run without progress\nfor 100 steps stops earlier",
         .expect = "an integer from 1 to 100000", .lo = 1, .hi = 100000},
        {.name = "symmetrize", .kind = ARG_FLAG, .dest = &o->symmetrize,
         .help = "symmetrise the start geometry onto its detected point\ngroup (before --opt, which keeps the symmetry)"},
        {.name = "symmetry-tol", .kind = ARG_DOUBLE, .dest = &o->symmetry_tol, .metavar = "A",
         .help = "point-group tolerance in A: an atom's image must lie\nthis close to an equivalent atom [0.05]",
         .expect = "a tolerance from 1e-6 to 1 A", .lo = 1e-6, .hi = 1},
        {.section = "Output:"},
        {.name = "json", .kind = ARG_FLAG, .dest = &o->json, .help = "one JSON object instead of the text table"},
        {.name = "json-hessian", .kind = ARG_FLAG, .dest = &json_hessian,
         .help = "add the Hessian to the JSON (implies --json)"},
        {.name = "modes", .kind = ARG_FLAG, .dest = &o->modes, .help = "print the normal modes in the text table"},
        {.name = "output", .short_name = 'o', .kind = ARG_STRING, .dest = &o->output_path, .metavar = "FILE",
         .help = "write to FILE (complete or not at all) instead of stdout"},
        {.name = "cml", .kind = ARG_STRING, .dest = &o->cml_path, .metavar = "FILE",
         .help = "also write CML: atoms, bonds, frequencies, modes, IR\nstick spectrum (Open Babel, Avogadro, Jmol, JSpecView)"},
        {.name = "molden", .kind = ARG_STRING, .dest = &o->molden_path, .metavar = "FILE",
         .help = "also write a Molden file with the normal modes (Jmol,\nMolden, Open Babel)"},
        {.name = "extxyz", .kind = ARG_STRING, .dest = &o->extxyz_path, .metavar = "FILE",
         .help = "also write extended XYZ: the structure, then one frame\nper mode with a 'mode' column (ASE)"},
        {.name = "write-xyz", .kind = ARG_STRING, .dest = &o->xyz_out_path, .metavar = "FILE",
         .help = "also write the analysed geometry (after --opt) as XYZ"},
        {.name = "write-hessian", .kind = ARG_STRING, .dest = &o->hessian_out_path, .metavar = "FILE",
         .help = "also write the Hessian for other programs: ORCA .hess\n(FILE ending in .hess) or Turbomole/xtb $hessian"},
        {.name = "hessian-format", .kind = ARG_CHOICE, .dest = &o->hessian_format, .metavar = "orca|turbomole|xtb",
         .help = "format of --write-hessian [from the name: .hess\nis orca, else turbomole]", .choices = hess_format},
        {.name = "jcamp", .kind = ARG_STRING, .dest = &o->jcamp_path, .metavar = "FILE",
         .help = "also write the IR spectrum, broadened, as JCAMP-DX 4.24"},
        {.name = "jcamp-peaks", .kind = ARG_STRING, .dest = &o->jcamp_peaks_path, .metavar = "FILE",
         .help = "also write the IR stick spectrum as a JCAMP-DX peak table"},
        {.name = "fwhm", .kind = ARG_DOUBLE, .dest = &o->fwhm, .metavar = "W",
         .help = "band full width at half maximum in cm-1 [10]", .expect = "a width from 0.01 to 10000 (cm-1)",
         .lo = 0.01, .hi = 10000},
        {.name = "scale", .kind = ARG_DOUBLE, .dest = &o->scale, .metavar = "F",
         .help = "also show the frequencies scaled by F (e.g. 0.96); the\nspectrum files stay harmonic",
         .expect = "a scale factor > 0 and <= 2", .lo = 0, .hi = 2, .open = ARG_OPEN_LO},
        {.name = "lineshape", .kind = ARG_CHOICE, .dest = &o->lineshape, .metavar = "lorentzian|gaussian",
         .help = "band shape (area = IR intensity) [lorentzian]", .choices = lineshape},
        {.section = "Thermochemistry (ideal gas, rigid rotor, harmonic oscillator):"},
        {.name = "temperature", .kind = ARG_DOUBLE, .dest = &o->temperature, .metavar = "T", .help = "in K [298.15]",
         .expect = "a temperature > 0 and <= 1e6 (K)", .lo = 0, .hi = 1e6, .open = ARG_OPEN_LO},
        {.name = "pressure", .kind = ARG_DOUBLE, .dest = &o->pressure, .metavar = "P", .help = "in bar [1]",
         .expect = "a pressure > 0 and <= 1e9 (bar)", .lo = 0, .hi = 1e9, .open = ARG_OPEN_LO},
        {.name = "symmetry-number", .kind = ARG_INT, .dest = &o->symmetry_number, .metavar = "N",
         .help = "rotational symmetry number [detected from the geometry]", .expect = "an integer from 1 to 1000",
         .lo = 1, .hi = 1000},
        {.name = "multiplicity", .kind = ARG_INT, .dest = &o->multiplicity, .metavar = "M",
         .help = "spin multiplicity 2S+1 [1]", .expect = "an integer from 1 to 1000", .lo = 1, .hi = 1000},
        {.name = "qrrho", .kind = ARG_CALL, .metavar = "CUTOFF",
         .help = "Grimme's quasi-RRHO entropy for modes below about\nCUTOFF cm-1 (free-rotor interpolation, as xtb) [50]",
         .expect = "a cutoff > 0 and <= 10000 (cm-1)", .call = take_qrrho, .ctx = o, .optional_value = 1},
        {.section = "General:"},
        {.name = "quiet", .short_name = 'q', .kind = ARG_FLAG, .dest = &o->quiet,
         .help = "no warnings on stderr (they stay in the output)"},
        ARG_SPEC_HELP, ARG_SPEC_VERSION, {0},
    };
    char usage[2048];
    const char *pos[2];
    const char **all = NULL;
    int n_pos = 0, st;

    memset(o, 0, sizeof *o);
    o->frame = 1;
    o->charge = NAN; /* no --charge */
    o->fd_step = NNV_FD_STEP_DEFAULT;
    o->opt_fmax = 1e-5;
    o->opt_steps = 500;
    o->fwhm = NNV_SPECTRUM_DEFAULT_FWHM;
    o->temperature = NNV_THERMO_DEFAULT_T;
    o->pressure = NNV_THERMO_DEFAULT_P;
    o->multiplicity = 1;
    o->qrrho_cutoff = NNV_THERMO_DEFAULT_QRRHO_CUTOFF;
    snprintf(usage, sizeof usage, "[options] molecule.xyz weights.bin|n2p2-directory%s", more_usage ? more_usage : "");
    const arg_command cmd = {
        .program = "nnvib", .usage = usage,
        .summary = "Harmonic vibrational analysis with the exact analytic Hessian of a\n"
                   "Behler-Parrinello neural-network potential (weights.bin, format version 1, or 2:\n"
                   "a committee, whose spreads are shown too).",
        .opts = opts, .min_pos = 2, .max_pos = 2, .positional = "molecule.xyz weights.bin", .exits = ARGS_EXIT_ALL,
        .epilogue = "Bad input includes an element missing from the potential, a mass index\n"
                    "beyond the atoms and a frame beyond the file; after --opt that did not\n"
                    "converge the analysis is printed at the last geometry.\n",
        .version = nnv_version()};
    if (!(all = malloc(((size_t)argc + 1) * sizeof *all))) {
        snprintf(msg, msglen, "out of memory");
        return CLI_EXIT_INTERNAL;
    }
    st = args_parse(&cmd, argc, argv, all, &n_pos, msg, msglen);
    if (st == CLI_EXIT_OK) {
        pos[0] = all[0];
        pos[1] = all[1];
        o->xyz_path = pos[0];
        if (!(o->weights_path = o->weights_resolved = cli_potential_resolve(pos[1]))) {
            snprintf(msg, msglen, "out of memory");
            st = CLI_EXIT_INTERNAL;
        }
        o->have_charge = !isnan(o->charge);
        if (!o->have_charge) o->charge = 0.0;
        if (json_hessian) o->json = o->json_hessian = 1;
    }
    free(all);
    if (st != CLI_EXIT_OK) cli_options_free(o);
    return st;
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
        nnv_warnings_add(&run->extrap_details, "atom %d (%s) SF %d: G = %.6g outside [%.6g, %.6g]", e->atom + 1,
                         nnv_element_symbol(s->Z[e->atom]), e->sf + 1, e->value, e->gmin, e->gmax);
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

/* The molecule with its --mass overrides, and the potential with its
 * reader's warnings (once each) and the --charge remark. */
static int read_inputs(const cli_options *o, cli_run *run, nnv_structure **s, nnv_potential **p, char *msg,
                       size_t msglen)
{
    nnv_error err = {0, ""};
    int code;
    if ((code = cli_check_order(o->xyz_path, o->weights_path, "molecule.xyz POTENTIAL", msg, msglen)) != CLI_EXIT_OK)
        return code;
    if ((code = nnv_structure_read_xyz(s, o->xyz_path, o->frame - 1, &err)) != NNV_OK ||
        (code = nnv_potential_load(p, o->weights_path, &(nnv_n2p2_options){o->n2p2_length_unit, o->n2p2_energy_unit},
                                   &err)) != NNV_OK)
        return cli_lib_failed(code, &err, msg, msglen);
    if ((code = cli_check_elements(*s, o->xyz_path, *p, o->weights_path, msg, msglen)) != CLI_EXIT_OK) return code;
    for (int i = 0; i < (*p)->warnings.count; i++) warn_once(&run->warnings, (*p)->warnings.messages[i]);
    for (int i = 0; i < o->n_masses; i++) {
        const cli_mass *m = &o->masses[i];
        if (m->index > (*s)->n_atoms) {
            snprintf(msg, msglen, "--mass %d=%g: atom index %d out of range 1..%d (%s has %d atoms)", m->index,
                     m->mass, m->index, (*s)->n_atoms, o->xyz_path, (*s)->n_atoms);
            return CLI_EXIT_INPUT;
        }
        if (m->Z && m->Z != (*s)->Z[m->index - 1]) {
            snprintf(msg, msglen, "--mass %d=%s: %s is an isotope of %s, but atom %d of %s is %s", m->index, m->label,
                     m->label, nnv_element_symbol(m->Z), m->index, o->xyz_path,
                     nnv_element_symbol((*s)->Z[m->index - 1]));
            return CLI_EXIT_USAGE;
        }
        if ((code = nnv_structure_set_mass(*s, m->index - 1, m->mass, &err)) != NNV_OK)
            return cli_lib_failed(code, &err, msg, msglen);
    }
    if (o->have_charge && !((*p)->flags & NNV_FLAG_CHARGES))
        nnv_warnings_add(&run->warnings, "--charge %g ignored: the potential has no charge networks", o->charge);
    else if (o->charge != 0.0)
        nnv_warnings_add(&run->warnings,
                         "--charge %g: the charge networks of nnvib-train potentials are trained on neutral molecules; "
                         "unless this one saw charged ones, the charges, dipole and IR intensities are not "
                         "meaningful (they change 4-16x), the frequencies are unaffected", o->charge);
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
    cli_out out = {NULL, NULL, NULL, -1};
    char msg[NNV_ERROR_MESSAGE_MAX + 256];
    int st, code;

    memset(&run, 0, sizeof run);
    run.opt = o;
    run.extrap_index = -1;
    msg[0] = '\0';
    {
        const cli_path paths[] = {{o->xyz_path, "molecule", 0},         {o->weights_path, "potential", 0},
                                  {o->output_path, "-o", 1},            {o->cml_path, "--cml", 1},
                                  {o->molden_path, "--molden", 1},      {o->extxyz_path, "--extxyz", 1},
                                  {o->jcamp_path, "--jcamp", 1},        {o->jcamp_peaks_path, "--jcamp-peaks", 1},
                                  {o->xyz_out_path, "--write-xyz", 1},  {o->hessian_out_path, "--write-hessian", 1}};
        if ((st = cli_check_paths(paths, (int)(sizeof paths / sizeof paths[0]), msg, sizeof msg)) != CLI_EXIT_OK)
            goto cleanup;
    }
    if ((st = cli_out_open(&out, o->output_path, msg, sizeof msg)) != CLI_EXIT_OK) goto cleanup;
    if ((st = read_inputs(o, &run, &s, &p, msg, sizeof msg)) != CLI_EXIT_OK) goto cleanup;

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
    ao.symmetrize = o->symmetrize;
    ao.symmetry_tol = o->symmetry_tol;
    if ((code = nnv_analyse(&a, p, s, &ao, &err)) != NNV_OK) {
        st = cli_lib_failed(code, &err, msg, sizeof msg);
        goto cleanup;
    }
    run.s = a->s;
    run.p = p;
    run.r = a->r;
    run.v = a->v;
    run.freq_std = a->frequency_std;
    run.member_freq = a->member_frequencies;
    run.hessian = a->hessian;
    run.max_force = a->max_force;
    run.smoothness = a->smoothness;
    run.opt_report = a->optimized ? &a->opt : NULL;
    run.fd_check = a->has_fd_check ? &a->fd_check : NULL;
    run.rel = &a->reliability;
    run.pg = a->point_group;
    run.msym = a->mode_symmetry;
    run.symmetrized = a->symmetrized;
    run.symmetrize_shift = a->symmetrize_shift;
    add_analysis_warnings(&run, a);

    /* Thermochemistry before the files (the CML carries it); then JCAMP-DX.
     * The extra files before the report: if one cannot be written, the run
     * fails with one error line and no report (files written are complete). */
    if ((st = cli_thermo(&run, &thermo, msg, sizeof msg)) != CLI_EXIT_OK ||
        (st = cli_write_jcamp(&run, msg, sizeof msg)) != CLI_EXIT_OK ||
        (st = cli_write_files(&run, msg, sizeof msg)) != CLI_EXIT_OK)
        goto cleanup;
    if (!o->quiet) {
        print_warnings(&run);
        cli_reliability_stderr("nnvib", run.rel);
    }
    if ((o->json ? cli_write_json(out.f, &run) : cli_write_table(out.f, &run)) != 0) {
        st = cli_out_failed(&out, msg, sizeof msg);
        goto cleanup;
    }
    st = cli_out_close(&out, msg, sizeof msg);
    if (st == CLI_EXIT_OK && a->optimized && !a->opt.converged) {
        if (a->opt.stalled)
            snprintf(msg, sizeof msg, "--opt: stalled after %d steps: no progress in %d steps (max force stuck at "
                     "%.3e eV/A > %g eV/A; a kinked surface such as ReLU's?)", a->opt.steps, NNV_OPT_STALL_STEPS,
                     a->opt.max_force, o->opt_fmax);
        else
            snprintf(msg, sizeof msg, "--opt: not converged in %d steps (max force %.3e eV/A > %g eV/A)",
                     a->opt.steps, a->opt.max_force, o->opt_fmax);
        st = CLI_EXIT_NOCONV;
    } else if (st == CLI_EXIT_OK && a->reliability.verdict == NNV_VERDICT_UNRELIABLE) {
        snprintf(msg, sizeof msg, "the results are written, but the reliability verdict is unreliable: %s",
                 a->reliability.reason[0]);
        st = CLI_EXIT_UNRELIABLE;
    }
cleanup:
    if (st != CLI_EXIT_OK) args_fail("nnvib", st, msg);
    cli_out_abort(&out);
    nnv_warnings_clear(&run.warnings);
    nnv_warnings_clear(&run.extrap_details);
    nnv_analysis_free(a);
    nnv_potential_free(p);
    nnv_structure_free(s);
    return st;
}

int cli_main_analyse(int argc, char **argv, const char *more_usage)
{
    cli_options o;
    char msg[512];
    int st = cli_options_parse(&o, argc, argv, more_usage, msg, sizeof msg);
    if (st == ARGS_DONE) return CLI_EXIT_OK;
    if (st != CLI_EXIT_OK) return args_fail("nnvib", st, msg);
    st = run_analysis(&o);
    cli_options_free(&o);
    return st;
}
