/* The nnvib program's shared pieces: where a report goes (standard output or
 * a file written atomically), the Hessian budget from the environment, the
 * message and exit status of a library failure, and the subcommands' entry
 * points. Program code: it sees the library only through <nnvib.h>. */
#ifndef NNVIB_CLI_H
#define NNVIB_CLI_H

#include <stdio.h>
#include <nnvib.h>

#include "args.h"
#include "json.h"

/* ---- reports (common.c) -------------------------------------------------------- */

/** A report's destination: standard output, or a file opened before any
 *  work (so an unwritable target fails fast) and renamed over the target
 *  only when complete. */
typedef struct cli_out {
    FILE *f;
    nnv_ofile *of;    /**< NULL: standard output */
    const char *path; /**< NULL: standard output */
    int tmp_slot;     /**< its temporary file's slot (cli_tmp_register), or -1 */
} cli_out;

/** Open path (NULL: standard output). CLI_EXIT_OK, or CLI_EXIT_OUTPUT /
 *  CLI_EXIT_INTERNAL with a message in msg. */
int cli_out_open(cli_out *o, const char *path, char *msg, size_t msglen);
/** Finish the report: flush standard output or commit the file. */
int cli_out_close(cli_out *o, char *msg, size_t msglen);
/** Drop an unfinished report (nothing for standard output or after close). */
void cli_out_abort(cli_out *o);
/** CLI_EXIT_OUTPUT with "cannot write PATH: reason" in msg, for a writer
 *  that returned -1 (errno set). */
int cli_out_failed(const cli_out *o, char *msg, size_t msglen);

/** Remember a temporary file's name (copied) so that SIGINT, SIGTERM or
 *  SIGHUP remove it before the program dies of the signal (the handler is
 *  installed at the first call); the slot, or -1 when none is free. */
int cli_tmp_register(const char *tmp);
/** Forget a slot (after the commit or the discard); -1 is ignored. */
void cli_tmp_unregister(int slot);

/** A file a command reads or writes, for cli_check_paths. */
typedef struct cli_path {
    const char *path; /**< NULL: not given */
    const char *what; /**< "-o", "--cml", "molecule", "potential" ... */
    int output;
} cli_path;
/** CLI_EXIT_USAGE with a message when an output is an input or another
 *  output (the same device and inode when both exist, the same name when
 *  neither does); devices and pipes, written in place, never clash. */
int cli_check_paths(const cli_path *paths, int n, char *msg, size_t msglen);

/* ---- inputs and failures (common.c) --------------------------------------------- */

/** The exit status of a failed library call, its message copied to msg
 *  (the library's messages already name the file, line or atom). */
int cli_lib_failed(int code, const nnv_error *err, char *msg, size_t msglen);
/** Read the molecule (first frame) and the potential (weights.bin or an n2p2
 *  folder) and, with opt, relax the molecule (rep filled); an exit status with
 *  a one-line message in msg on failure. */
int cli_load(nnv_structure **s, nnv_potential **p, const char *xyz, const char *pot, int opt, nnv_opt_report *rep,
             char *msg, size_t msglen);
/** 1 when path is a regular file that starts with the weights.bin magic. */
int cli_is_weights_file(const char *path);
/** CLI_EXIT_USAGE with a message when the molecule argument xyz is a
 *  weights.bin (the arguments swapped); usage names the right order. */
int cli_check_order(const char *xyz, const char *pot, const char *usage, char *msg, size_t msglen);
/** CLI_EXIT_INPUT when an atom's element has no network in the potential,
 *  naming the molecule file, the atom, the potential file and its elements. */
int cli_check_elements(const nnv_structure *s, const char *xyz, const nnv_potential *p, const char *pot, char *msg,
                       size_t msglen);
/** Every warning on stderr as "PROGRAM: warning: TEXT". */
void cli_print_warnings(const char *program, const nnv_warnings *w);

/* The reliability verdict (report_reliability.c): the table's lines, the
 * JSON object (its lines indented by indent), "verdict[:code,code...]" for a
 * column, and one warning line on stderr when the verdict is not ok. */
void cli_reliability_table(FILE *f, const nnv_reliability *r);
void cli_reliability_json(FILE *f, const nnv_reliability *r, const char *indent);
void cli_reliability_codes(char *buf, size_t n, const nnv_reliability *r);
void cli_reliability_stderr(const char *program, const nnv_reliability *r);

/* ---- the subcommands: argv[0] is the subcommand's name; an exit status ---------------- */

/** `nnvib [options] molecule.xyz POTENTIAL` (cmd_analyse.c); more_usage: the
 *  subcommands' usage lines for the help text. */
int cli_main_analyse(int argc, char **argv, const char *more_usage);
int cli_main_batch(int argc, char **argv);
int cli_main_compare(int argc, char **argv);
int cli_main_convert(int argc, char **argv);
int cli_main_smoothness(int argc, char **argv);
int cli_main_md(int argc, char **argv);
int cli_main_pinn(int argc, char **argv);
/* ---- potentials by short name (potential_path.c) ------------------------------ */
/** The file a potential argument names, malloc'ed (NULL: out of memory): an
 *  existing path, or anything with a '/', as it is; else a short name NAME
 *  looked up as NAME, NAME.bin, hcno-NAME.bin in NNVIB_DATA_DIR/weights
 *  (NNVIB_DATA_DIR without one), the installed $(pkgdatadir)/weights and (from the build
 *  tree) the source tree's weights/; not found: the argument as it is. */
char *cli_potential_resolve(const char *arg);
/** `nnvib --list-potentials`: what cli_potential_resolve finds, by folder. */
int cli_main_list_potentials(int argc, char **argv);

#endif
