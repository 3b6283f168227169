/* The nnvib program's own interfaces: parsed options, exit statuses and the
 * bundle of finished results that the table and JSON writers print. */
#ifndef NNVIB_CLI_H
#define NNVIB_CLI_H

#include <stdio.h>
#include <nnvib.h>

#include "args.h"
#include "json.h"

/** A --mass INDEX=VALUE override; index counted from 1 as in the XYZ file. */
typedef struct cli_mass {
    int index;
    double mass; /**< u */
} cli_mass;

typedef struct cli_options {
    const char *xyz_path;
    const char *weights_path;
    const char *output_path; /**< NULL: stdout */
    int frame;               /**< 1-based */
    cli_mass *masses;
    int n_masses;
    int have_charge;
    double charge;           /**< e */
    int linear;              /**< enum nnv_linear */
    int hessian_fd;          /**< 1: analyse the finite-difference Hessian */
    double fd_step;          /**< Å */
    int check;
    int opt;
    double opt_fmax;         /**< eV/Å */
    int opt_steps;
    int json, json_hessian, modes, quiet, help, version;
    const char *cml_path;    /**< --cml FILE, or NULL */
    const char *molden_path; /**< --molden FILE, or NULL */
    const char *extxyz_path; /**< --extxyz FILE, or NULL */
    /* thermochemistry and JCAMP-DX spectra (issue 4; cli/thermo_spectrum.c) */
    const char *jcamp_path;       /**< --jcamp: broadened spectrum, NULL = none */
    const char *jcamp_peaks_path; /**< --jcamp-peaks: stick spectrum, NULL = none */
    double fwhm;                  /**< cm⁻¹ */
    int lineshape;                /**< enum nnv_lineshape */
    double temperature;           /**< K */
    double pressure;              /**< bar */
    int symmetry_number;          /**< 0: detect */
    int multiplicity;
    int qrrho;
    double qrrho_cutoff;          /**< cm⁻¹ */
    /* n2p2 potential directories (issue 7; cli/cmd_convert.c) */
    int n2p2_length_unit;         /**< enum nnv_n2p2_length_unit, 0 = from input.nn */
    int n2p2_energy_unit;         /**< enum nnv_n2p2_energy_unit, 0 = from input.nn */
} cli_options;

/** Parse argv into o (defaults filled in). On a usage error returns
 *  CLI_EXIT_USAGE with a one-line message (without "nnvib: ") in msg. */
int cli_parse_options(cli_options *o, int argc, char **argv, char *msg, size_t msglen);
void cli_options_free(cli_options *o);
/** The --help text (usage, options, exit statuses). */
void cli_print_help(FILE *f);

/** Everything the writers print. The writers only format these numbers. */
typedef struct cli_run {
    const cli_options *opt;
    const nnv_structure *s;       /**< final geometry (after --opt) */
    const nnv_potential *p;
    const nnv_result *r;
    const nnv_vib *v;
    const double *hessian;        /**< the Hessian analysed, 3N x 3N, eV/Å² */
    double max_force;             /**< max |force component|, eV/Å */
    int smoothness;               /**< enum nnv_smoothness */
    const nnv_opt_report *opt_report; /**< NULL without --opt */
    const nnv_fd_disagreement *fd_check; /**< NULL without --check */
    nnv_warnings warnings;        /**< every warning, in order */
    int extrap_index;             /**< index in warnings of the extrapolation summary, or -1 */
    nnv_warnings extrap_details;  /**< the lines listed under that summary */
    const nnv_thermo *thermo;     /**< thermochemistry, NULL when not computed */
    int symmetry_detected;        /**< 1: σ from nnv_symmetry_number, 0: --symmetry-number */
} cli_run;

/** Write the text report; 0 or -1 on a write error (errno set). */
int cli_write_table(FILE *f, const cli_run *run);
/** Write the JSON object; 0 or -1 on a write error (errno set). */
int cli_write_json(FILE *f, const cli_run *run);

/** Write the --cml, --molden and --extxyz files that were asked for (each
 *  complete or absent); CLI_EXIT_OK, or CLI_EXIT_OUTPUT / CLI_EXIT_INTERNAL
 *  with a one-line message (without "nnvib: ") in msg. */
int cli_write_files(const cli_run *run, char *msg, size_t msglen);

/** Thermochemistry of the run (σ detected unless --symmetry-number) into *t,
 *  then run->thermo = t; and the --jcamp / --jcamp-peaks files (each complete
 *  or absent). CLI_EXIT_* with a one-line message in msg on failure. */
int cli_thermo(cli_run *run, nnv_thermo *t, char *msg, size_t msglen);
int cli_write_jcamp(cli_run *run, char *msg, size_t msglen);
/** The thermochemistry block of the text table; the JSON object's value. 0 or -1. */
int cli_write_thermo_table(FILE *f, const cli_run *run);
int cli_write_thermo_json(FILE *f, const cli_run *run);

/** `nnvib convert ...` (argv[0] = "convert"): the whole subcommand; an exit status. */
int cli_convert_main(int argc, char **argv);
/** `nnvib compare ...` (argv[0] = "compare"; cli/cmd_compare.c): the whole subcommand; an exit status. */
int cli_compare_main(int argc, char **argv);
/** "bohr"/"angstrom" (kind "length") or "hartree"/"ev" (kind "energy") -> enum nnv_n2p2_*; 0 or -1. */
int cli_parse_unit(const char *kind, const char *val, int *out);

/* ---- option helpers shared by every subcommand (cli/options.c) ---- */
/** Value of option `name` at argv[*i]: "--name=V", "--name V", or with shortc
 *  != 0 also "-cV" / "-c V"; *matched = 1 when argv[*i] is that option. NULL
 *  when the value is missing. */
const char *cli_opt_value(int argc, char **argv, int *i, const char *name, char shortc, int *matched);
/** Strict number parsers (the whole string, no leading blank, finite, in
 *  [lo, hi]); 0 or -1. */
int cli_parse_double(const char *s, double *out);
int cli_parse_long(const char *s, long lo, long hi, long *out);

/* ---- smoothness diagnostics and NVE MD (issue 5; cli/cmd_smooth.c, cli/cmd_md.c,
 * cli/cmd_diag_common.c) ---- */
/** `nnvib smoothness ...` / `nnvib md ...` (argv[0] = the subcommand); an exit status. */
int cli_smooth_main(int argc, char **argv);
int cli_md_main(int argc, char **argv);
/** "I,J[,K,L]" (n numbers, 1-based) -> 0-based atoms; 0 or -1. */
int cli_diag_atoms(const char *s, int n, int *atoms);
/** Read the molecule and potential and, with opt, relax the molecule (rep filled);
 *  an exit status with a one-line message in msg on failure. */
int cli_diag_load(nnv_structure **s, nnv_potential **p, const char *xyz, const char *pot, int opt,
                  nnv_opt_report *rep, char *msg, size_t msglen);

/* ---- batch mode (issue 8; cli/cmd_batch.c) ---- */
/** `nnvib batch POTENTIAL FILE...` (argv[0] = "batch"): the whole subcommand; an exit status. */
int cli_batch_main(int argc, char **argv);

#endif
