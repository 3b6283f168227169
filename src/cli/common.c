/* What every subcommand of nnvib needs around the library calls: the report's
 * destination, the Hessian budget from the environment, loading a molecule
 * and a potential, and turning a library failure into one error line. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_out_open(cli_out *o, const char *path, char *msg, size_t msglen)
{
    nnv_error e = {0, ""};
    o->f = stdout;
    o->of = NULL;
    o->path = path;
    if (!path) return CLI_EXIT_OK;
    if (nnv_ofile_open(&o->of, path, &e) != NNV_OK) {
        snprintf(msg, msglen, "%s", e.message);
        return e.code == NNV_ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_OUTPUT;
    }
    o->f = nnv_ofile_stream(o->of);
    return CLI_EXIT_OK;
}

void cli_out_abort(cli_out *o)
{
    nnv_ofile_discard(o->of);
    o->of = NULL;
    o->f = NULL;
}

int cli_out_close(cli_out *o, char *msg, size_t msglen)
{
    nnv_error e = {0, ""};
    nnv_ofile *of = o->of;
    if (!of) {
        int ok = fflush(stdout) == 0 && !ferror(stdout);
        if (!ok) snprintf(msg, msglen, "cannot write to standard output: %s", strerror(errno));
        return ok ? CLI_EXIT_OK : CLI_EXIT_OUTPUT;
    }
    o->f = NULL;
    o->of = NULL; /* the commit frees it */
    if (nnv_ofile_commit(of, &e) != NNV_OK) {
        snprintf(msg, msglen, "%s", e.message);
        return CLI_EXIT_OUTPUT;
    }
    return CLI_EXIT_OK;
}

int cli_out_failed(const cli_out *o, char *msg, size_t msglen)
{
    snprintf(msg, msglen, "cannot write %s: %s", o->path ? o->path : "to standard output", strerror(errno));
    return CLI_EXIT_OUTPUT;
}

int cli_lib_failed(int code, const nnv_error *err, char *msg, size_t msglen)
{
    snprintf(msg, msglen, "%s", err && err->message[0] ? err->message : nnv_strerror(code));
    return cli_exit_of(code);
}

int cli_load(nnv_structure **s, nnv_potential **p, const char *xyz, const char *pot, int opt, nnv_opt_report *rep,
             char *msg, size_t msglen)
{
    nnv_error err = {0, ""};
    int code;
    *s = NULL;
    *p = NULL;
    if ((code = nnv_structure_read_xyz(s, xyz, 0, &err)) != NNV_OK) goto fail;
    if ((code = nnv_potential_load(p, pot, NULL, &err)) != NNV_OK) goto fail;
    if (opt && (code = nnv_optimize(*s, *p, NULL, rep, &err)) != NNV_OK) goto fail;
    return CLI_EXIT_OK;
fail:
    nnv_structure_free(*s);
    nnv_potential_free(*p);
    *s = NULL;
    *p = NULL;
    return cli_lib_failed(code, &err, msg, msglen);
}

void cli_print_warnings(const char *program, const nnv_warnings *w)
{
    for (int i = 0; w && i < w->count; i++) fprintf(stderr, "%s: warning: %s\n", program, w->messages[i]);
}
