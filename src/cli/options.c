/* Command-line parsing for nnvib: GNU-style long options (also --opt=VALUE),
 * a few short ones, and full validation of every value before any work. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum opt_id {
    OPT_FRAME, OPT_MASS, OPT_CHARGE, OPT_LINEAR, OPT_HESSIAN, OPT_FD_STEP, OPT_CHECK,
    OPT_OPT, OPT_OPT_FMAX, OPT_OPT_STEPS, OPT_JSON, OPT_JSON_HESSIAN, OPT_MODES,
    OPT_OUTPUT, OPT_QUIET, OPT_HELP, OPT_VERSION,
    OPT_CML, OPT_MOLDEN, OPT_EXTXYZ,
    OPT_JCAMP, OPT_JCAMP_PEAKS, OPT_FWHM, OPT_LINESHAPE, OPT_TEMPERATURE, OPT_PRESSURE,
    OPT_SYMMETRY_NUMBER, OPT_MULTIPLICITY, OPT_QRRHO,
    OPT_LENGTH_UNIT, OPT_ENERGY_UNIT
};

typedef struct opt_def {
    const char *name; /* long name without "--" */
    char short_name;  /* 0: none */
    int has_arg;      /* 0 none, 1 required, 2 optional (only as --name=VALUE) */
    int id;
} opt_def;

/* Long names match exactly (no abbreviations): --opt is a prefix of --opt-fmax. */
static const opt_def OPTIONS[] = {
    {"frame", 0, 1, OPT_FRAME},           {"mass", 0, 1, OPT_MASS},
    {"charge", 0, 1, OPT_CHARGE},         {"linear", 0, 1, OPT_LINEAR},
    {"hessian", 0, 1, OPT_HESSIAN},       {"fd-step", 0, 1, OPT_FD_STEP},
    {"check", 0, 0, OPT_CHECK},           {"opt", 0, 0, OPT_OPT},
    {"opt-fmax", 0, 1, OPT_OPT_FMAX},     {"opt-steps", 0, 1, OPT_OPT_STEPS},
    {"json", 0, 0, OPT_JSON},             {"json-hessian", 0, 0, OPT_JSON_HESSIAN},
    {"modes", 0, 0, OPT_MODES},           {"output", 'o', 1, OPT_OUTPUT},
    {"quiet", 'q', 0, OPT_QUIET},         {"help", 'h', 0, OPT_HELP},
    {"version", 'V', 0, OPT_VERSION},
    {"cml", 0, 1, OPT_CML},             {"molden", 0, 1, OPT_MOLDEN},
    {"extxyz", 0, 1, OPT_EXTXYZ},
    {"jcamp", 0, 1, OPT_JCAMP},           {"jcamp-peaks", 0, 1, OPT_JCAMP_PEAKS},
    {"fwhm", 0, 1, OPT_FWHM},             {"lineshape", 0, 1, OPT_LINESHAPE},
    {"temperature", 0, 1, OPT_TEMPERATURE}, {"pressure", 0, 1, OPT_PRESSURE},
    {"symmetry-number", 0, 1, OPT_SYMMETRY_NUMBER}, {"multiplicity", 0, 1, OPT_MULTIPLICITY},
    {"qrrho", 0, 2, OPT_QRRHO},
    {"length-unit", 0, 1, OPT_LENGTH_UNIT}, {"energy-unit", 0, 1, OPT_ENERGY_UNIT},
};
#define N_OPTIONS (sizeof OPTIONS / sizeof OPTIONS[0])

void cli_print_help(FILE *f)
{
    fputs(
        "Usage: nnvib [options] molecule.xyz weights.bin|n2p2-directory\n"
        "       nnvib convert --from n2p2 DIR -o weights.bin   (see nnvib convert --help)\n"
        "       nnvib smoothness molecule.xyz POTENTIAL [options]   (see its --help)\n"
        "       nnvib md molecule.xyz POTENTIAL [options]           (see its --help)\n"
        "       nnvib compare molecule.xyz POTENTIAL... --ref FILE [options]   (see its --help)\n"
        "       nnvib batch POTENTIAL FILE.xyz... [--jobs N]        (see its --help)\n"
        "Harmonic vibrational analysis with the exact analytic Hessian of a\n"
        "Behler-Parrinello neural-network potential (weights.bin, format version 1).\n"
        "\n"
        "Input:\n"
        "  --frame K            use frame K (from 1) of a multi-frame XYZ file [1]\n"
        "  --mass INDEX=MASS    mass of atom INDEX (from 1, as in the XYZ file) in u;\n"
        "                       repeatable (e.g. --mass 3=2.01410177812 for D)\n"
        "  --charge Q           total charge in e, for potentials with charge networks [0]\n"
        "  --length-unit bohr|angstrom, --energy-unit hartree|ev  units of the training\n"
        "                       data of an n2p2 potential directory [from input.nn]\n"
        "Analysis:\n"
        "  --linear auto|yes|no treat the molecule as linear (5 rigid-body modes) [auto]\n"
        "  --hessian analytic|fd  analyse the analytic Hessian, or central differences\n"
        "                       of the analytic forces (a cross-check) [analytic]\n"
        "  --fd-step H          finite-difference step in A, 0 < H < 0.1 [0.001]\n"
        "  --check              compute both Hessians and report their largest\n"
        "                       differences and the largest frequency difference\n"
        "  --opt                relax the geometry first (L-BFGS on the potential)\n"
        "  --opt-fmax F         convergence: max |force component| in eV/A [1e-5]\n"
        "  --opt-steps N        at most N optimisation steps [500]\n"
        "Output:\n"
        "  --json               one JSON object instead of the text table\n"
        "  --json-hessian       add the Hessian to the JSON (implies --json)\n"
        "  --modes              print the normal modes in the text table\n"
        "  -o, --output FILE    write to FILE (complete or not at all) instead of stdout\n"
        "  --cml FILE           also write CML: atoms, bonds, frequencies, modes, IR\n"
        "                       stick spectrum (Open Babel, Avogadro, Jmol, JSpecView)\n"
        "  --molden FILE        also write a Molden file with the normal modes (Jmol,\n"
        "                       Molden, Open Babel)\n"
        "  --extxyz FILE        also write extended XYZ: the structure, then one frame\n"
        "                       per mode with a 'mode' column (ASE)\n"
        "  --jcamp FILE         also write the IR spectrum, broadened, as JCAMP-DX 4.24\n"
        "  --jcamp-peaks FILE   also write the IR stick spectrum as a JCAMP-DX peak table\n"
        "  --fwhm W             band full width at half maximum in cm-1 [10]\n"
        "  --lineshape lorentzian|gaussian  band shape (area = IR intensity) [lorentzian]\n"
        "Thermochemistry (ideal gas, rigid rotor, harmonic oscillator):\n"
        "  --temperature T      in K [298.15]\n"
        "  --pressure P         in bar [1]\n"
        "  --symmetry-number N  rotational symmetry number [detected from the geometry]\n"
        "  --multiplicity M     spin multiplicity 2S+1 [1]\n"
        "  --qrrho[=CUTOFF]     Grimme's quasi-RRHO entropy for modes below about\n"
        "                       CUTOFF cm-1 (free-rotor interpolation, as xtb) [50]\n"
        "  -q, --quiet          no warnings on stderr (they stay in the output)\n"
        "  -h, --help           this text\n"
        "  -V, --version        the program version\n"
        "Options take their value as --opt VALUE or --opt=VALUE.\n"
        "\n"
        "Exit status:\n"
        "  0  success\n"
        "  1  internal error or out of memory\n"
        "  2  usage error (bad option or argument)\n"
        "  3  bad input (XYZ file, weights file, element missing from the potential,\n"
        "     mass index beyond the number of atoms, frame beyond the file)\n"
        "  4  numerical failure (LAPACK failure, non-finite energy or Hessian)\n"
        "  5  cannot write the output\n"
        "  6  --opt did not converge (the analysis is still printed, at the last geometry)\n",
        f);
}

/* Copy arbitrary user text into a message without control characters (one line). */
static void quote(char *dst, size_t n, const char *src)
{
    size_t i = 0;
    for (; *src && i + 4 < n; src++) dst[i++] = ((unsigned char)*src < 0x20 || *src == 0x7f) ? '?' : *src;
    if (*src && n >= 4) {
        dst[i++] = '.'; dst[i++] = '.'; dst[i++] = '.';
    }
    dst[i < n ? i : n - 1] = '\0';
}

static int usage_error(char *msg, size_t msglen, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int usage_error(char *msg, size_t msglen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, msglen, fmt, ap);
    va_end(ap);
    return CLI_EXIT_USAGE;
}

/* Whole string a finite double: no leading blanks, nothing left over, no overflow. */
int cli_parse_double(const char *s, double *out)
{
    char *end;
    double v;
    if (!s || !*s || *s == ' ' || *s == '\t' || *s == '\n') return -1;
    errno = 0;
    v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

int cli_parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v;
    if (!s || !*s || *s == ' ' || *s == '\t' || *s == '\n') return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

static int parse_double(const char *s, double *out) { return cli_parse_double(s, out); }

static int parse_int(const char *s, int lo, int hi, int *out)
{
    long v;
    if (cli_parse_long(s, lo, hi, &v) != 0) return -1;
    *out = (int)v;
    return 0;
}

const char *cli_opt_value(int argc, char **argv, int *i, const char *name, char shortc, int *matched)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    *matched = 0;
    if (a[0] == '-' && a[1] == '-' && strncmp(a + 2, name, n) == 0 && (a[2 + n] == '\0' || a[2 + n] == '=')) {
        *matched = 1;
        if (a[2 + n] == '=') return a + 3 + n;
        return *i + 1 < argc ? argv[++*i] : NULL;
    }
    if (shortc && a[0] == '-' && a[1] == shortc) {
        *matched = 1;
        if (a[2]) return a + 2;
        return *i + 1 < argc ? argv[++*i] : NULL;
    }
    return NULL;
}

/* INDEX=MASS with INDEX >= 1 and MASS finite > 0; the upper bound of INDEX is
 * the number of atoms, checked once the file is read (a bad-input status). */
static int parse_mass(const char *s, cli_mass *m)
{
    const char *eq = strchr(s, '=');
    char idx[32];
    size_t len;
    if (!eq) return -1;
    len = (size_t)(eq - s);
    if (len == 0 || len >= sizeof idx) return -1;
    memcpy(idx, s, len);
    idx[len] = '\0';
    if (parse_int(idx, 1, INT_MAX, &m->index) != 0) return -1;
    if (parse_double(eq + 1, &m->mass) != 0 || !(m->mass > 0)) return -1;
    return 0;
}

static int set_value(cli_options *o, const opt_def *d, const char *flag, const char *val,
                     char *msg, size_t msglen)
{
    char q[80];
    quote(q, sizeof q, val ? val : "");
    switch (d->id) {
    case OPT_FRAME:
        if (parse_int(val, 1, INT_MAX, &o->frame) != 0)
            return usage_error(msg, msglen, "%s: expected a frame number >= 1, got \"%s\"", flag, q);
        break;
    case OPT_MASS: {
        cli_mass m, *grown;
        if (parse_mass(val, &m) != 0)
            return usage_error(msg, msglen,
                               "%s: expected INDEX=MASS (atom INDEX >= 1, MASS a number > 0 in u), got \"%s\"",
                               flag, q);
        grown = realloc(o->masses, (size_t)(o->n_masses + 1) * sizeof *grown);
        if (!grown) {
            snprintf(msg, msglen, "out of memory");
            return CLI_EXIT_INTERNAL;
        }
        o->masses = grown;
        o->masses[o->n_masses++] = m;
        break;
    }
    case OPT_CHARGE:
        if (parse_double(val, &o->charge) != 0)
            return usage_error(msg, msglen, "%s: expected a finite number (total charge in e), got \"%s\"",
                               flag, q);
        o->have_charge = 1;
        break;
    case OPT_LINEAR:
        if (strcmp(val, "auto") == 0) o->linear = NNV_LINEAR_AUTO;
        else if (strcmp(val, "yes") == 0) o->linear = NNV_LINEAR_YES;
        else if (strcmp(val, "no") == 0) o->linear = NNV_LINEAR_NO;
        else return usage_error(msg, msglen, "%s: expected auto, yes or no, got \"%s\"", flag, q);
        break;
    case OPT_HESSIAN:
        if (strcmp(val, "analytic") == 0) o->hessian_fd = 0;
        else if (strcmp(val, "fd") == 0) o->hessian_fd = 1;
        else return usage_error(msg, msglen, "%s: expected analytic or fd, got \"%s\"", flag, q);
        break;
    case OPT_FD_STEP:
        if (parse_double(val, &o->fd_step) != 0 || !(o->fd_step > 0 && o->fd_step < 0.1))
            return usage_error(msg, msglen, "%s: expected a number > 0 and < 0.1, got \"%s\"", flag, q);
        break;
    case OPT_OPT_FMAX:
        if (parse_double(val, &o->opt_fmax) != 0 || !(o->opt_fmax > 0))
            return usage_error(msg, msglen, "%s: expected a number > 0 (eV/A), got \"%s\"", flag, q);
        break;
    case OPT_OPT_STEPS:
        if (parse_int(val, 1, 10000000, &o->opt_steps) != 0)
            return usage_error(msg, msglen, "%s: expected an integer from 1 to 10000000, got \"%s\"", flag, q);
        break;
    case OPT_OUTPUT:
        if (!*val) return usage_error(msg, msglen, "%s: expected a file name, got \"\"", flag);
        o->output_path = val;
        break;
    case OPT_LENGTH_UNIT:
        if (cli_parse_unit("length", val, &o->n2p2_length_unit) != 0)
            return usage_error(msg, msglen, "%s: expected bohr or angstrom, got \"%s\"", flag, q);
        break;
    case OPT_ENERGY_UNIT:
        if (cli_parse_unit("energy", val, &o->n2p2_energy_unit) != 0)
            return usage_error(msg, msglen, "%s: expected hartree or ev, got \"%s\"", flag, q);
        break;
    case OPT_CML:
    case OPT_MOLDEN:
    case OPT_EXTXYZ:
        if (!*val) return usage_error(msg, msglen, "%s: expected a file name, got \"\"", flag);
        if (d->id == OPT_CML) o->cml_path = val;
        else if (d->id == OPT_MOLDEN) o->molden_path = val;
        else o->extxyz_path = val;
        break;
    case OPT_JCAMP:
    case OPT_JCAMP_PEAKS:
        if (!*val) return usage_error(msg, msglen, "%s: expected a file name, got \"\"", flag);
        if (d->id == OPT_JCAMP) o->jcamp_path = val;
        else o->jcamp_peaks_path = val;
        break;
    case OPT_FWHM:
        if (parse_double(val, &o->fwhm) != 0 || !(o->fwhm >= 0.01 && o->fwhm <= 10000))
            return usage_error(msg, msglen, "%s: expected a width from 0.01 to 10000 (cm-1), got \"%s\"",
                               flag, q);
        break;
    case OPT_LINESHAPE:
        if (strcmp(val, "lorentzian") == 0) o->lineshape = NNV_LINESHAPE_LORENTZIAN;
        else if (strcmp(val, "gaussian") == 0) o->lineshape = NNV_LINESHAPE_GAUSSIAN;
        else return usage_error(msg, msglen, "%s: expected lorentzian or gaussian, got \"%s\"", flag, q);
        break;
    case OPT_TEMPERATURE:
        if (parse_double(val, &o->temperature) != 0 || !(o->temperature > 0 && o->temperature <= 1e6))
            return usage_error(msg, msglen, "%s: expected a temperature > 0 and <= 1e6 (K), got \"%s\"",
                               flag, q);
        break;
    case OPT_PRESSURE:
        if (parse_double(val, &o->pressure) != 0 || !(o->pressure > 0 && o->pressure <= 1e9))
            return usage_error(msg, msglen, "%s: expected a pressure > 0 and <= 1e9 (bar), got \"%s\"",
                               flag, q);
        break;
    case OPT_SYMMETRY_NUMBER:
        if (parse_int(val, 1, 1000, &o->symmetry_number) != 0)
            return usage_error(msg, msglen, "%s: expected an integer from 1 to 1000, got \"%s\"", flag, q);
        break;
    case OPT_MULTIPLICITY:
        if (parse_int(val, 1, 1000, &o->multiplicity) != 0)
            return usage_error(msg, msglen, "%s: expected an integer from 1 to 1000, got \"%s\"", flag, q);
        break;
    case OPT_QRRHO:
        o->qrrho = 1;
        if (val && (parse_double(val, &o->qrrho_cutoff) != 0 ||
                    !(o->qrrho_cutoff > 0 && o->qrrho_cutoff <= 10000)))
            return usage_error(msg, msglen, "%s: expected a cutoff > 0 and <= 10000 (cm-1), got \"%s\"",
                               flag, q);
        break;
    case OPT_CHECK: o->check = 1; break;
    case OPT_OPT: o->opt = 1; break;
    case OPT_JSON: o->json = 1; break;
    case OPT_JSON_HESSIAN: o->json = o->json_hessian = 1; break;
    case OPT_MODES: o->modes = 1; break;
    case OPT_QUIET: o->quiet = 1; break;
    case OPT_HELP: o->help = 1; break;
    case OPT_VERSION: o->version = 1; break;
    default: break;
    }
    return CLI_EXIT_OK;
}

static const opt_def *find_long(const char *name, size_t len)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (strlen(OPTIONS[i].name) == len && strncmp(OPTIONS[i].name, name, len) == 0) return &OPTIONS[i];
    return NULL;
}

static const opt_def *find_short(char c)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (OPTIONS[i].short_name == c) return &OPTIONS[i];
    return NULL;
}

void cli_options_free(cli_options *o)
{
    free(o->masses);
    o->masses = NULL;
    o->n_masses = 0;
}

int cli_parse_options(cli_options *o, int argc, char **argv, char *msg, size_t msglen)
{
    const char *pos[2];
    int n_pos = 0, only_positional = 0, st = CLI_EXIT_OK;
    char q[80], flag[80];

    memset(o, 0, sizeof *o);
    o->frame = 1;
    o->linear = NNV_LINEAR_AUTO;
    o->fd_step = 1e-3;
    o->opt_fmax = 1e-5;
    o->opt_steps = 500;
    o->fwhm = NNV_SPECTRUM_DEFAULT_FWHM;
    o->lineshape = NNV_LINESHAPE_LORENTZIAN;
    o->temperature = NNV_THERMO_DEFAULT_T;
    o->pressure = NNV_THERMO_DEFAULT_P;
    o->multiplicity = 1;
    o->qrrho_cutoff = NNV_THERMO_DEFAULT_QRRHO_CUTOFF;
    msg[0] = '\0';

    for (int i = 1; i < argc && st == CLI_EXIT_OK; i++) {
        const char *a = argv[i];
        if (only_positional || a[0] != '-' || a[1] == '\0') {
            if (n_pos < 2) pos[n_pos] = a;
            n_pos++;
        } else if (strcmp(a, "--") == 0) {
            only_positional = 1;
        } else if (a[1] == '-') {
            const char *name = a + 2, *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            const opt_def *d = find_long(name, len);
            if (!d) {
                quote(q, sizeof q, a);
                if (eq) q[len + 2 < sizeof q ? len + 2 : sizeof q - 1] = '\0';
                st = usage_error(msg, msglen, "unknown option '%s' (see nnvib --help)", q);
                break;
            }
            snprintf(flag, sizeof flag, "--%s", d->name);
            if (d->has_arg == 2) {
                st = set_value(o, d, flag, eq ? eq + 1 : NULL, msg, msglen);
            } else if (d->has_arg) {
                const char *val = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
                if (!val) {
                    st = usage_error(msg, msglen, "%s: missing argument", flag);
                    break;
                }
                st = set_value(o, d, flag, val, msg, msglen);
            } else if (eq) {
                st = usage_error(msg, msglen, "%s: takes no argument", flag);
            } else {
                st = set_value(o, d, flag, NULL, msg, msglen);
            }
        } else {
            /* A cluster of short options; -oFILE and -o FILE both work. */
            for (const char *c = a + 1; *c && st == CLI_EXIT_OK; c++) {
                const opt_def *d = find_short(*c);
                if (!d) {
                    char bad[2] = {*c, '\0'};
                    quote(q, sizeof q, bad);
                    st = usage_error(msg, msglen, "unknown option '-%s' (see nnvib --help)", q);
                    break;
                }
                snprintf(flag, sizeof flag, "-%c", *c);
                if (d->has_arg) {
                    const char *val = c[1] ? c + 1 : (i + 1 < argc ? argv[++i] : NULL);
                    if (!val) st = usage_error(msg, msglen, "%s: missing argument", flag);
                    else st = set_value(o, d, flag, val, msg, msglen);
                    break;
                }
                st = set_value(o, d, flag, NULL, msg, msglen);
            }
        }
    }
    if (st == CLI_EXIT_OK && !o->help && !o->version) {
        if (n_pos != 2)
            st = usage_error(msg, msglen,
                             "expected 2 arguments (molecule.xyz weights.bin), got %d (see nnvib --help)",
                             n_pos);
        else {
            o->xyz_path = pos[0];
            o->weights_path = pos[1];
        }
    }
    if (st != CLI_EXIT_OK) cli_options_free(o);
    return st;
}
