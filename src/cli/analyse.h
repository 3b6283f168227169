/* The harmonic-analysis command (`nnvib molecule.xyz POTENTIAL`): its parsed
 * options and the bundle of finished results that its writers (text table,
 * JSON, thermochemistry, extra files) format. Shared by cmd_analyse.c and the
 * report_*.c files only. */
#ifndef NNVIB_CLI_ANALYSE_H
#define NNVIB_CLI_ANALYSE_H

#include "cli.h"

/** A --mass INDEX=VALUE override; index counted from 1 as in the XYZ file. */
typedef struct cli_mass {
    int index;
    double mass;    /**< u */
    int Z;          /**< an isotope label's element, 0 for a number */
    char label[8];  /**< the isotope label as given ("D", "13C"), "" for a number */
} cli_mass;

typedef struct cli_options {
    const char *xyz_path;
    const char *weights_path;
    char *weights_resolved;  /**< weights_path's storage when a short name was resolved (potential_path.c) */
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
    int symmetrize;          /**< --symmetrize: the start geometry onto its point group */
    double symmetry_tol;     /**< --symmetry-tol, Å (0 = the library's default) */
    int json, json_hessian, modes, quiet;
    const char *cml_path;    /**< --cml FILE, or NULL */
    const char *molden_path; /**< --molden FILE, or NULL */
    const char *extxyz_path; /**< --extxyz FILE, or NULL */
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
    int n2p2_length_unit;         /**< enum nnv_n2p2_length_unit, 0 = from input.nn */
    int n2p2_energy_unit;         /**< enum nnv_n2p2_energy_unit, 0 = from input.nn */
    double scale;                 /**< --scale: frequency scale factor, 0 = none */
    const char *xyz_out_path;     /**< --write-xyz FILE: the analysed geometry, or NULL */
    const char *hessian_out_path; /**< --write-hessian FILE, or NULL */
    int hessian_format;           /**< --hessian-format: enum nnv_hessian_format, 0 = from the extension */
} cli_options;

/** Parse the command's argv into o (defaults filled in); more_usage as for
 *  cli_main_analyse. CLI_EXIT_OK, ARGS_DONE after --help/--version, or an
 *  exit status with a one-line message in msg. Free o with cli_options_free. */
int cli_options_parse(cli_options *o, int argc, char **argv, const char *more_usage, char *msg, size_t msglen);
void cli_options_free(cli_options *o);

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
    int symmetry_detected;        /**< 1: σ of the detected point group, 0: --symmetry-number */
    const double *freq_std;       /**< committee: sigma of each mode's frequency, cm⁻¹; else NULL */
    const double *member_freq;    /**< committee: K x n_modes member frequencies, cm⁻¹; else NULL */
    const nnv_reliability *rel;   /**< the verdict and its reasons */
    const nnv_point_group *pg;    /**< the point group of s */
    const nnv_mode_symmetry *msym;/**< the species of v's modes */
    int symmetrized;              /**< 1: --symmetrize moved the start geometry */
    double symmetrize_shift;      /**< largest displacement by --symmetrize, Å */
} cli_run;

/** The isotope label of atom i (from 0) given by --mass (the last --mass of
 *  that atom wins), or NULL when its mass is the default or a number. */
const char *cli_isotope_label(const cli_options *o, int i);
/** How the analysed geometry came about: "optimised (--opt)", "symmetrised
 *  (--symmetrize)" or "as read". */
const char *cli_geometry_source(const cli_run *run);

/** The text report (report_table.c); 0 or -1 on a write error (errno set). */
int cli_write_table(FILE *f, const cli_run *run);
/** The JSON object (report_json.c); 0 or -1 on a write error (errno set). */
int cli_write_json(FILE *f, const cli_run *run);

/** Thermochemistry of the run (σ detected unless --symmetry-number) into *t,
 *  then run->thermo = t (report_thermo.c). CLI_EXIT_* with a one-line message
 *  in msg on failure. */
int cli_thermo(cli_run *run, nnv_thermo *t, char *msg, size_t msglen);
/** The thermochemistry block of the text table; the JSON object's value. 0 or -1. */
int cli_write_thermo_table(FILE *f, const cli_run *run);
int cli_write_thermo_json(FILE *f, const cli_run *run);

/** The --jcamp and --jcamp-peaks files, then the --cml, --molden and --extxyz
 *  files that were asked for (report_files.c), each complete or absent;
 *  CLI_EXIT_OK or an exit status with a one-line message in msg. */
int cli_write_jcamp(cli_run *run, char *msg, size_t msglen);
int cli_write_files(const cli_run *run, char *msg, size_t msglen);

#endif
