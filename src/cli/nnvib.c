/* nnvib: the program's entry point. A subcommand named first goes to its own
 * file; anything else is the harmonic analysis of one molecule. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *usage; /* for the main help's usage lines */
} command;

static const command COMMANDS[] = {
    {"compare", cli_main_compare, "compare molecule.xyz POTENTIAL... --ref FILE [options]"},
    {"batch", cli_main_batch, "batch POTENTIAL FILE.xyz... [--jobs N] [--opt] [--json]"},
    {"convert", cli_main_convert, "convert --from n2p2 DIR -o weights.bin"},
    {"smoothness", cli_main_smoothness, "smoothness molecule.xyz POTENTIAL [options]"},
    {"md", cli_main_md, "md molecule.xyz POTENTIAL [options]"},
    {"pinn", cli_main_pinn, "pinn --activation ACT [options]"},
    {"--list-potentials", cli_main_list_potentials, "--list-potentials"},
};
#define N_COMMANDS (sizeof COMMANDS / sizeof COMMANDS[0])

int main(int argc, char **argv)
{
    char usage[1024];
    size_t used = 0;
    if (argc > 1)
        for (size_t k = 0; k < N_COMMANDS; k++)
            if (strcmp(argv[1], COMMANDS[k].name) == 0) return COMMANDS[k].run(argc - 1, argv + 1);
    /* The main help names every subcommand, each with its own --help. */
    usage[0] = '\0';
    for (size_t k = 0; k < N_COMMANDS; k++) {
        int n = snprintf(usage + used, sizeof usage - used, "\n%-53s (see its --help)", COMMANDS[k].usage);
        if (n < 0 || (size_t)n >= sizeof usage - used) break;
        used += (size_t)n;
    }
    return cli_main_analyse(argc, argv, usage);
}
