/* Table-driven option parsing on getopt_long, and the --help text printed
 * from the same table: every program of the project parses and documents its
 * options here, so they all accept the same syntax and fail the same way. */
#define _GNU_SOURCE /* getopt_long */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <nnvib.h>

#include "args.h"

/* Long-only options get getopt values above every char. */
#define LONG_VAL_BASE 256
/* Help layout: options from column 2, their text from column 23. */
#define HELP_INDENT 2
#define HELP_TEXT_COL 23

void args_quote(char *dst, size_t n, const char *src)
{
    size_t i = 0;
    if (n == 0) return;
    for (; src && *src && i + 4 < n; src++) dst[i++] = ((unsigned char)*src < 0x20 || *src == 0x7f) ? '?' : *src;
    if (src && *src && n >= 4) {
        dst[i++] = '.';
        dst[i++] = '.';
        dst[i++] = '.';
    }
    dst[i < n ? i : n - 1] = '\0';
}

int args_fail(const char *program, int status, const char *msg)
{
    char q[1024];
    args_quote(q, sizeof q, msg && *msg ? msg : "internal error");
    fprintf(stderr, "%s: %s\n", program, q);
    return status;
}

/* EIO counts as bad input here; calls that write a file use
 * cli_exit_of_write, so every writer maps its failure the same way. */
int cli_exit_of(int code)
{
    switch (code) {
    case NNV_OK: return CLI_EXIT_OK;
    case NNV_EINPUT:
    case NNV_EIO: return CLI_EXIT_INPUT;
    case NNV_ENUMERIC: return CLI_EXIT_NUMERIC;
    case NNV_EUSAGE: return CLI_EXIT_USAGE;
    default: return CLI_EXIT_INTERNAL;
    }
}

int cli_exit_of_write(int code)
{
    return code == NNV_EIO ? CLI_EXIT_OUTPUT : cli_exit_of(code);
}

/* The library reads no environment: every program takes its Hessian budget
 * from here, so they all read the variable by the same rule. */
double cli_max_hessian_mb(void)
{
    const char *env = getenv("NNVIB_MAX_HESSIAN_MB");
    char *end;
    double v;
    if (!env || !*env) return 0.0;
    v = strtod(env, &end);
    return end != env && *end == '\0' && v > 0 && isfinite(v) ? v : 0.0;
}

static int set_msg(char *msg, size_t msglen, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int set_msg(char *msg, size_t msglen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, msglen, fmt, ap);
    va_end(ap);
    return CLI_EXIT_USAGE;
}

/* Whole string, no leading blank, nothing left over, finite. */
int args_double(const char *s, double *out)
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

int args_long(const char *s, long lo, long hi, long *out)
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

static int parse_uint64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!s || !*s) return -1;
    for (; *s; s++) {
        unsigned d;
        if (*s < '0' || *s > '9') return -1;
        d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10) return -1;
        v = 10 * v + d;
    }
    *out = v;
    return 0;
}

static int in_range(const arg_spec *o, double v)
{
    int lo_ok = (o->open & ARG_OPEN_LO) ? v > o->lo : v >= o->lo;
    int hi_ok = (o->open & ARG_OPEN_HI) ? v < o->hi : v <= o->hi;
    return lo_ok && hi_ok;
}

static size_t n_specs(const arg_spec *t)
{
    size_t n = 0;
    while (t[n].name || t[n].section) n++;
    return n;
}

/* "a, b or c" into dst. */
static void list_choices(char *dst, size_t n, const arg_choice *c)
{
    size_t used = 0;
    dst[0] = '\0';
    for (int i = 0; c && c[i].name; i++) {
        const char *sep = i == 0 ? "" : c[i + 1].name ? ", " : " or ";
        int k = snprintf(dst + used, n - used, "%s%s", sep, c[i].name);
        if (k < 0 || (size_t)k >= n - used) return;
        used += (size_t)k;
    }
}

/* Store one option's value; flag is the option as written ("--frame", "-o"). */
static int take_value(const arg_command *cmd, const arg_spec *o, const char *flag, const char *val, char *msg,
                      size_t msglen)
{
    char q[80];
    args_quote(q, sizeof q, val ? val : "");
    switch (o->kind) {
    case ARG_FLAG:
        *(int *)o->dest = 1;
        return CLI_EXIT_OK;
    case ARG_STRING:
        if (!*val) return set_msg(msg, msglen, "%s: expected %s, got \"\"", flag, o->expect ? o->expect : "a file name");
        *(const char **)o->dest = val;
        return CLI_EXIT_OK;
    case ARG_DOUBLE: {
        double v;
        if (args_double(val, &v) != 0 || !in_range(o, v))
            return set_msg(msg, msglen, "%s: expected %s, got \"%s\"", flag, o->expect ? o->expect : "a number", q);
        *(double *)o->dest = v;
        return CLI_EXIT_OK;
    }
    case ARG_INT:
    case ARG_LONG: {
        long v;
        if (args_long(val, (long)o->lo, (long)o->hi, &v) != 0 || !in_range(o, (double)v))
            return set_msg(msg, msglen, "%s: expected %s, got \"%s\"", flag,
                           o->expect ? o->expect : "a whole number", q);
        if (o->kind == ARG_INT) *(int *)o->dest = (int)v;
        else *(long *)o->dest = v;
        return CLI_EXIT_OK;
    }
    case ARG_UINT64:
        if (parse_uint64(val, (uint64_t *)o->dest) != 0)
            return set_msg(msg, msglen, "%s: expected %s, got \"%s\"", flag,
                           o->expect ? o->expect : "an integer from 0 to 2^64-1", q);
        return CLI_EXIT_OK;
    case ARG_CHOICE: {
        char list[256];
        for (int i = 0; o->choices && o->choices[i].name; i++)
            if (strcmp(val, o->choices[i].name) == 0) {
                *(int *)o->dest = o->choices[i].value;
                return CLI_EXIT_OK;
            }
        list_choices(list, sizeof list, o->choices);
        return set_msg(msg, msglen, "%s: expected %s, got \"%s\"", flag, list, q);
    }
    case ARG_CALL: {
        int st;
        msg[0] = '\0';
        st = o->call(o->ctx, val, msg, msglen);
        if (st == CLI_EXIT_USAGE && !msg[0])
            set_msg(msg, msglen, "%s: expected %s, got \"%s\"", flag, o->expect ? o->expect : "another value", q);
        else if (st == CLI_EXIT_USAGE) {
            char inner[512];
            snprintf(inner, sizeof inner, "%s", msg);
            set_msg(msg, msglen, "%s: %s", flag, inner);
        } else if (st == CLI_EXIT_INTERNAL && !msg[0]) {
            snprintf(msg, msglen, "out of memory");
        }
        return st;
    }
    case ARG_HELP:
        args_help(stdout, cmd);
        return ARGS_DONE;
    case ARG_VERSION:
        printf("%s %s\n", cmd->program, cmd->version ? cmd->version : "");
        return ARGS_DONE;
    default:
        snprintf(msg, msglen, "%s: option table entry of unknown kind %d", flag, o->kind);
        return CLI_EXIT_INTERNAL;
    }
}

/* The option as the user wrote it, for messages: "--name" (up to any '=')
 * or "-c". */
static void written_as(char *dst, size_t n, const char *arg, int short_c)
{
    if (arg && arg[0] == '-' && arg[1] == '-') {
        char q[128];
        const char *eq = strchr(arg, '=');
        args_quote(q, sizeof q, arg);
        if (eq && (size_t)(eq - arg) < sizeof q) q[eq - arg] = '\0';
        snprintf(dst, n, "%s", q);
    } else {
        char c[2] = {(char)short_c, '\0'}, q[8];
        args_quote(q, sizeof q, c);
        snprintf(dst, n, "-%s", q);
    }
}

/* 1 when arg ("--name" or "--name=...") spells the long name exactly:
 * getopt_long would also take an unambiguous abbreviation, which a script
 * must not rely on (a new option can make it ambiguous). */
static int spelled_exactly(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return arg && arg[0] == '-' && arg[1] == '-' && strncmp(arg + 2, name, n) == 0 &&
           (arg[2 + n] == '\0' || arg[2 + n] == '=');
}

int args_parse(const arg_command *cmd, int argc, char **argv, const char **pos, int *n_pos, char *msg,
               size_t msglen)
{
    const arg_spec *t = cmd->opts;
    size_t n = n_specs(t), n_long = 0;
    struct option *lo = NULL;
    char *optstring = NULL;
    int st = CLI_EXIT_OK, c;

    msg[0] = '\0';
    *n_pos = 0;
    lo = calloc(n + 1, sizeof *lo);
    /* "-": non-options come back in order as value 1 (no permutation, whatever
     * POSIXLY_CORRECT says); ":": a missing value is reported as ':'. */
    optstring = malloc(2 * n + 3);
    if (!lo || !optstring) {
        st = CLI_EXIT_INTERNAL;
        snprintf(msg, msglen, "out of memory");
        goto cleanup;
    }
    strcpy(optstring, "-:");
    for (size_t k = 0; k < n; k++) {
        const arg_spec *o = &t[k];
        int has_arg = o->kind == ARG_FLAG || o->kind == ARG_HELP || o->kind == ARG_VERSION
                          ? no_argument
                          : o->optional_value ? optional_argument : required_argument;
        if (!o->name) continue;
        lo[n_long].name = o->name;
        lo[n_long].has_arg = has_arg;
        lo[n_long].flag = NULL;
        lo[n_long].val = o->short_name ? (unsigned char)o->short_name : LONG_VAL_BASE + (int)k;
        n_long++;
        if (o->short_name) {
            size_t e = strlen(optstring);
            optstring[e] = o->short_name;
            optstring[e + 1] = has_arg == required_argument ? ':' : '\0';
            optstring[e + 2] = '\0';
        }
    }

    opterr = 0;
    optind = 0; /* GNU: start afresh (a program may parse more than once, e.g. the fuzz harness) */
    for (;;) {
        int li = -1;
        const arg_spec *o = NULL;
        char flag[128];
        c = getopt_long(argc, argv, optstring, lo, &li);
        if (c == -1) break;
        if (c == 1) {
            pos[(*n_pos)++] = optarg;
            continue;
        }
        if (c == ':' || c == '?') {
            for (size_t k = 0; k < n && !o; k++)
                if (t[k].name && (t[k].short_name ? (unsigned char)t[k].short_name : LONG_VAL_BASE + (int)k) == optopt)
                    o = &t[k];
            written_as(flag, sizeof flag, argv[optind - 1], optopt);
            if (c == ':') st = set_msg(msg, msglen, "%s: missing argument", flag);
            else if (o && argv[optind - 1][0] == '-' && argv[optind - 1][1] == '-')
                st = set_msg(msg, msglen, "%s: takes no argument", flag);
            else
                st = set_msg(msg, msglen, "unknown option '%s' (see %s --help)", flag, cmd->program);
            goto cleanup;
        }
        for (size_t k = 0; k < n && !o; k++)
            if (t[k].name && (t[k].short_name ? (unsigned char)t[k].short_name : LONG_VAL_BASE + (int)k) == c)
                o = &t[k];
        /* An optional value may also be the next argument when it is a
         * number (--qrrho 100 as --qrrho=100); a file name after the option
         * stays a positional argument. */
        if (o && o->optional_value && !optarg && optind < argc && argv[optind]) {
            char *end;
            errno = 0;
            double v = strtod(argv[optind], &end);
            if (end != argv[optind] && !*end && !errno && isfinite(v)) optarg = argv[optind++];
        }
        if (li >= 0) {
            /* The option's own element: before its value when that was separate. */
            const char *arg = optarg && optind >= 2 && optarg == argv[optind - 1] ? argv[optind - 2] : argv[optind - 1];
            written_as(flag, sizeof flag, arg, c);
            if (!spelled_exactly(arg, o->name)) {
                st = set_msg(msg, msglen, "unknown option '%s' (see %s --help)", flag, cmd->program);
                goto cleanup;
            }
        } else {
            snprintf(flag, sizeof flag, "-%c", c);
        }
        st = take_value(cmd, o, flag, optarg, msg, msglen);
        if (st != CLI_EXIT_OK) goto cleanup;
        if (o->given) *o->given = 1;
    }
    for (; optind < argc; optind++) pos[(*n_pos)++] = argv[optind];
    if (*n_pos < cmd->min_pos || (cmd->max_pos >= 0 && *n_pos > cmd->max_pos)) {
        if (cmd->min_pos == cmd->max_pos)
            st = set_msg(msg, msglen, "expected %d argument%s (%s), got %d (see %s --help)", cmd->min_pos,
                         cmd->min_pos == 1 ? "" : "s", cmd->positional, *n_pos, cmd->program);
        else
            st = set_msg(msg, msglen, "expected %s, got %d argument%s (see %s --help)", cmd->positional, *n_pos,
                         *n_pos == 1 ? "" : "s", cmd->program);
    }
cleanup:
    if (st == ARGS_DONE && (fflush(stdout) != 0 || ferror(stdout))) {
        snprintf(msg, msglen, "cannot write to standard output: %s", strerror(errno));
        st = CLI_EXIT_OUTPUT;
    }
    free(lo);
    free(optstring);
    return st;
}

/* Print text from the current column col: '\n' continues at HELP_TEXT_COL. */
static void put_help_text(FILE *f, const char *text)
{
    for (; *text; text++) {
        fputc(*text, f);
        if (*text == '\n') fprintf(f, "%*s", HELP_TEXT_COL, "");
    }
    fputc('\n', f);
}

void args_help(FILE *f, const arg_command *cmd)
{
    const char *u = cmd->usage;
    fprintf(f, "Usage: %s ", cmd->program);
    for (; *u; u++) {
        fputc(*u, f);
        if (*u == '\n') fprintf(f, "       %s ", cmd->program);
    }
    fputc('\n', f);
    if (cmd->summary) fprintf(f, "%s\n\n", cmd->summary);
    for (const arg_spec *o = cmd->opts; o->name || o->section; o++) {
        char left[128];
        int len;
        if (!o->name) {
            fprintf(f, "%s\n", o->section);
            continue;
        }
        if (o->short_name)
            len = snprintf(left, sizeof left, "-%c, --%s", o->short_name, o->name);
        else
            len = snprintf(left, sizeof left, "--%s", o->name);
        if (o->metavar && len > 0 && (size_t)len < sizeof left)
            len += snprintf(left + len, sizeof left - (size_t)len, o->optional_value ? "[=%s]" : " %s", o->metavar);
        fprintf(f, "%*s%s", HELP_INDENT, "", left);
        if (HELP_INDENT + len + 2 <= HELP_TEXT_COL) fprintf(f, "%*s", HELP_TEXT_COL - HELP_INDENT - len, "");
        else fputs("  ", f);
        put_help_text(f, o->help ? o->help : "");
    }
    fputs("Options take their value as --name VALUE or --name=VALUE; long names are\n"
          "matched exactly (no abbreviations).\n", f);
    if (cmd->exits) {
        static const char *const meaning[] = {
            "success",
            "internal error or out of memory",
            "usage error (bad option or argument)",
            "bad input (the message names the file, line or atom)",
            "numerical failure (a non-finite result, LAPACK, a run that blew up)",
            "cannot write an output (nothing half-written is left)",
            "an optimisation did not converge (the results are still written)",
            "the results are written, but their reliability verdict is \"unreliable\"",
        };
        fputs("\nExit status:\n", f);
        for (int k = 0; k < (int)(sizeof meaning / sizeof meaning[0]); k++)
            if (cmd->exits & ARG_EXIT(k)) fprintf(f, "  %d  %s\n", k, meaning[k]);
    }
    if (cmd->epilogue) fprintf(f, "\n%s", cmd->epilogue);
}
