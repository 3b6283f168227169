/* Pieces shared by `nnvib smoothness` and `nnvib md`: option values, number
 * parsing, loading the molecule and potential (with an optional --opt), and
 * the library-status -> exit-status mapping of docs/exit-status.md. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_diag_exit(int code)
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

const char *cli_diag_value(int argc, char **argv, int *i, const char *name, int *matched)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    *matched = 0;
    if (a[0] == '-' && a[1] == '-' && strncmp(a + 2, name, n) == 0 && (a[2 + n] == '\0' || a[2 + n] == '=')) {
        *matched = 1;
        if (a[2 + n] == '=') return a + 3 + n;
        return *i + 1 < argc ? argv[++*i] : NULL;
    }
    return NULL;
}

int cli_diag_double(const char *s, double *out)
{
    char *end;
    double v;
    if (!s || !*s) return -1;
    errno = 0;
    v = strtod(s, &end);
    if (*end != '\0' || errno == ERANGE || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

int cli_diag_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v;
    if (!s || !*s) return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (*end != '\0' || errno == ERANGE || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

int cli_diag_atoms(const char *s, int n, int *atoms)
{
    const char *c = s;
    if (!s) return -1;
    for (int k = 0; k < n; k++) {
        char *end;
        long v;
        errno = 0;
        v = strtol(c, &end, 10);
        if (end == c || errno == ERANGE || v < 1 || v > 1000000000L) return -1;
        atoms[k] = (int)v - 1;
        if (k + 1 < n) {
            if (*end != ',') return -1;
            c = end + 1;
        } else if (*end != '\0') {
            return -1;
        }
    }
    return 0;
}

int cli_diag_load(nnv_structure **s, nnv_potential **p, const char *xyz, const char *pot, int opt,
                  nnv_opt_report *rep, char *msg, size_t msglen)
{
    nnv_error err = {0, ""};
    int code;
    *s = NULL;
    *p = NULL;
    if ((code = nnv_structure_read_xyz(s, xyz, 0, &err)) != NNV_OK) goto fail;
    if ((code = cli_read_potential(p, pot, 0, 0, &err)) != NNV_OK) goto fail;
    if (opt) {
        nnv_opt_options oo;
        memset(&oo, 0, sizeof oo);
        if ((code = nnv_optimize(*s, *p, &oo, rep, &err)) != NNV_OK) goto fail;
    }
    return CLI_EXIT_OK;
fail:
    snprintf(msg, msglen, "%s", err.message);
    nnv_structure_free(*s);
    nnv_potential_free(*p);
    *s = NULL;
    *p = NULL;
    return cli_diag_exit(code);
}
