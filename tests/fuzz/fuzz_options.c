/* libFuzzer harness for the nnvib command-line parser (cli_options_parse, on
 * the table-driven args_parse):
 * the input is split at NUL bytes into argv[1..]. A parse either succeeds
 * with values in their documented ranges or fails with a one-line message. */
#include <stdlib.h>
#include <string.h>

#include "cli/analyse.h"
#include "fuzz.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1), *argv[MAX_ARGS + 2];
    char msg[512];
    cli_options o;
    int argc = 1, st;
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    argv[0] = "nnvib";
    for (size_t k = 0; k <= size && argc <= MAX_ARGS;) {
        argv[argc++] = text + k;
        k += strlen(text + k) + 1;
    }
    argv[argc] = NULL;
    st = cli_options_parse(&o, argc, argv, NULL, msg, sizeof msg);
    if (st == CLI_EXIT_OK) {
        FUZZ_ASSERT(o.frame >= 1);
        FUZZ_ASSERT(o.fd_step > 0 && o.fd_step < 0.1);
        FUZZ_ASSERT(o.opt_fmax > 0 && o.opt_steps >= 1);
        FUZZ_ASSERT(o.linear >= NNV_LINEAR_AUTO && o.linear <= NNV_LINEAR_YES);
        for (int i = 0; i < o.n_masses; i++) FUZZ_ASSERT(o.masses[i].index >= 1 && o.masses[i].mass > 0);
        FUZZ_ASSERT(o.xyz_path && o.weights_path);
        cli_options_free(&o);
    } else if (st != ARGS_DONE) { /* ARGS_DONE: --help or --version was printed */
        FUZZ_ASSERT(msg[0] != '\0' && strchr(msg, '\n') == NULL);
    }
    free(text);
    return 0;
}
