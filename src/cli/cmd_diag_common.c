/* Pieces shared by `nnvib smoothness` and `nnvib md`: atom lists and loading
 * the molecule and potential (with an optional --opt). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

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
    if ((code = nnv_potential_load(p, pot, NULL, &err)) != NNV_OK) goto fail;
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
    return cli_exit_of(code);
}
