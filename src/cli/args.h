/* The command-line backbone shared by nnvib, its subcommands, nnvib-train,
 * nnvib-sample and the study tool: one table describes a command's options
 * (name, value type, range, help text); one parser on getopt_long validates
 * every value before any work, and one printer writes the --help text from the
 * same table. Program code, not part of libnnvib. */
#ifndef NNVIB_CLI_ARGS_H
#define NNVIB_CLI_ARGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/** Exit statuses of every program (docs/exit-status.md). */
enum cli_exit {
    CLI_EXIT_OK = 0,
    CLI_EXIT_INTERNAL = 1, /**< internal error, out of memory */
    CLI_EXIT_USAGE = 2,    /**< bad option or argument */
    CLI_EXIT_INPUT = 3,    /**< bad input file, missing element, bad index */
    CLI_EXIT_NUMERIC = 4,  /**< LAPACK failure, non-finite result, a run that blew up */
    CLI_EXIT_OUTPUT = 5,   /**< cannot write the output */
    CLI_EXIT_NOCONV = 6,   /**< an optimisation did not converge (results still written) */
    CLI_EXIT_UNRELIABLE = 7 /**< results written, but their reliability verdict is "unreliable" */
};

/** Returned by args_parse after --help or --version was printed (and
 *  flushed): the program has nothing more to do and exits with 0. */
#define ARGS_DONE (-1)

/** How an option's value is read into `dest`. */
enum arg_kind {
    ARG_FLAG,    /**< no value; *(int *)dest = 1 */
    ARG_STRING,  /**< *(const char **)dest = the value (not copied); never empty */
    ARG_DOUBLE,  /**< *(double *)dest, finite, within [lo, hi] (open ends by `open`) */
    ARG_INT,     /**< *(int *)dest, a whole decimal number within [lo, hi] */
    ARG_LONG,    /**< *(long *)dest, a whole decimal number within [lo, hi] */
    ARG_UINT64,  /**< *(uint64_t *)dest, 0 .. 2^64-1 */
    ARG_CHOICE,  /**< *(int *)dest = the value of the matching name of `choices` */
    ARG_CALL,    /**< call(ctx, value, msg, msglen) (repeatable or structured values) */
    ARG_HELP,    /**< print the help text to standard output and stop */
    ARG_VERSION  /**< print "PROGRAM VERSION" to standard output and stop */
};

/** Open ends of a numeric range (bit flags). */
enum { ARG_OPEN_LO = 1, ARG_OPEN_HI = 2 };

typedef struct arg_choice {
    const char *name;
    int value;
} arg_choice;

/** One option. A table of them ends with an entry whose name and section are NULL. */
typedef struct arg_spec {
    const char *name;          /**< long name without "--" (matched exactly, no abbreviations) */
    char short_name;           /**< 0: none */
    int kind;                  /**< enum arg_kind */
    void *dest;                /**< where the value goes (see arg_kind) */
    const char *metavar;       /**< value placeholder in the help ("FILE"); NULL for flags */
    const char *help;          /**< help text; '\n' starts a continuation line */
    const char *expect;        /**< what a bad value should have been, for the message
                                    ("a number > 0 and < 0.1"); NULL for choices (listed) */
    double lo, hi;             /**< range of ARG_DOUBLE/ARG_INT/ARG_LONG */
    int open;                  /**< ARG_OPEN_LO | ARG_OPEN_HI */
    const arg_choice *choices; /**< ARG_CHOICE: ends with a NULL name */
    /** ARG_CALL: read value (NULL for an optional value not given) into ctx;
     *  CLI_EXIT_OK, CLI_EXIT_USAGE (msg set, or empty: "expected <expect>"),
     *  or CLI_EXIT_INTERNAL (out of memory). */
    int (*call)(void *ctx, const char *value, char *msg, size_t msglen);
    void *ctx;                 /**< ARG_CALL */
    int optional_value;        /**< ARG_CALL only: the value as --name=VALUE, or as the next argument
                                    when that is a number (--name 100); else NULL */
    const char *section;       /**< with name NULL: a heading line in the help */
    int *given;                /**< set to 1 when the option was given (may be NULL): for
                                    rules between options ("--split needs --evaluate") */
} arg_spec;

/** A command: how it is called and what it says about itself. */
typedef struct arg_command {
    const char *program;   /**< "nnvib", "nnvib compare", "nnvib-train": prefixes messages */
    const char *usage;     /**< the text after "Usage: PROGRAM " ('\n' for more usage lines,
                                each again prefixed by "       PROGRAM ") */
    const char *summary;   /**< paragraph under the usage lines (may be NULL) */
    const arg_spec *opts;  /**< the table */
    int min_pos, max_pos;  /**< how many positional arguments (max_pos -1: no limit) */
    const char *positional; /**< what they are, for the count message ("molecule.xyz weights.bin") */
    unsigned exits;        /**< the exit statuses it can end with: ARG_EXIT(CLI_EXIT_...) | ...;
                                the help lists them in the words of docs/exit-status.md */
    const char *epilogue;  /**< after the exit statuses, what is particular to this command; may be NULL */
    const char *version;   /**< printed by ARG_VERSION */
} arg_command;

/** The options every command has, the same everywhere: -h/--help, -V/--version
 *  and -q/--quiet (warnings off; flag an int). */
#define ARG_SPEC_HELP {.name = "help", .short_name = 'h', .kind = ARG_HELP, .help = "this text"}
#define ARG_SPEC_VERSION {.name = "version", .short_name = 'V', .kind = ARG_VERSION, .help = "the program version"}
#define ARG_SPEC_QUIET(flag) \
    {.name = "quiet", .short_name = 'q', .kind = ARG_FLAG, .dest = (flag), .help = "no warnings on stderr"}

/** The bit of an exit status in arg_command.exits. */
#define ARG_EXIT(status) (1u << (status))
/** The statuses every command can end with: success, internal, usage, input. */
#define ARGS_EXITS_BASIC (ARG_EXIT(CLI_EXIT_OK) | ARG_EXIT(CLI_EXIT_INTERNAL) | ARG_EXIT(CLI_EXIT_USAGE) | \
                         ARG_EXIT(CLI_EXIT_INPUT))
/** Every status of docs/exit-status.md. */
#define ARGS_EXIT_ALL (ARGS_EXITS_BASIC | ARG_EXIT(CLI_EXIT_NUMERIC) | ARG_EXIT(CLI_EXIT_OUTPUT) | \
                       ARG_EXIT(CLI_EXIT_NOCONV) | ARG_EXIT(CLI_EXIT_UNRELIABLE))

/** Parse argv[1..argc) (GNU style: options and positional arguments in any
 *  order, "--" ends the options, --name=VALUE or --name VALUE, -xVALUE or
 *  -x VALUE, short flags clustered). pos receives the positional arguments
 *  (room for argc entries), *n_pos their count. argv is permuted.
 *  @return CLI_EXIT_OK; ARGS_DONE after --help or --version (printed);
 *          CLI_EXIT_USAGE with a one-line message in msg (without the
 *          program prefix); CLI_EXIT_OUTPUT when the help could not be
 *          written; CLI_EXIT_INTERNAL when out of memory. */
int args_parse(const arg_command *cmd, int argc, char **argv, const char **pos, int *n_pos, char *msg,
               size_t msglen);

/** The help text of cmd. */
void args_help(FILE *f, const arg_command *cmd);

/** The exit status of a library status code (docs/exit-status.md): NNV_EIO
 *  counts as bad input (a file that cannot be read). */
int cli_exit_of(int code);
/** As cli_exit_of, for a call that writes a file: its NNV_EIO is the
 *  output's failure (CLI_EXIT_OUTPUT). */
int cli_exit_of_write(int code);

/** The Hessian budget of every program (docs/limits.md): the environment
 *  variable NNVIB_MAX_HESSIAN_MB in MiB when it is a positive finite number,
 *  else 0 (the library's default). The library reads no environment. */
double cli_max_hessian_mb(void);

/** Print "PROGRAM: MESSAGE" on stderr (one line, control characters as '?')
 *  and return status: the single error line every program ends with. */
int args_fail(const char *program, int status, const char *msg);

/** Strict number parsers for values outside a table (whole string, no
 *  leading blank, finite, within [lo, hi]): 0 or -1. */
int args_double(const char *s, double *out);
int args_long(const char *s, long lo, long hi, long *out);

/** Copy user text into a message without control characters, cut with "..."
 *  to fit n bytes. */
void args_quote(char *dst, size_t n, const char *src);

#endif
