/* Transitional: the option-value reader that `nnvib study` still uses until
 * it moves to tools/ (issue 16); the other subcommands use args.c. */
#include <string.h>

#include "cli.h"

const char *cli_opt_value(int argc, char **argv, int *i, const char *name, char shortc, int *matched);

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
