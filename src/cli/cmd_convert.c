/* `nnvib convert --from n2p2 DIR -o weights.bin`: an n2p2 potential folder
 * into a weights.bin file. The conversion itself is the library's
 * (nnv_potential_load reads the folder, nnv_potential_write the file). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cli_main_convert(int argc, char **argv)
{
    static const arg_choice from_formats[] = {{"n2p2", 1}, {NULL, 0}};
    static const arg_choice length[] = {{"bohr", NNV_N2P2_BOHR}, {"angstrom", NNV_N2P2_ANGSTROM}, {NULL, 0}};
    static const arg_choice energy[] = {{"hartree", NNV_N2P2_HARTREE}, {"ev", NNV_N2P2_EV}, {NULL, 0}};
    const char *output = NULL, *dir, *all[64];
    int from = 0, quiet = 0, n_pos = 0, code, st;
    nnv_n2p2_options units = {0, 0};
    nnv_potential *p = NULL;
    nnv_error err = {0, ""};
    char msg[NNV_ERROR_MESSAGE_MAX + 64];
    const arg_spec opts[] = {
        {.name = "from", .kind = ARG_CHOICE, .dest = &from, .metavar = "n2p2",
         .help = "input format (the only one so far); required", .choices = from_formats},
        {.name = "output", .short_name = 'o', .kind = ARG_STRING, .dest = &output, .metavar = "FILE",
         .help = "the weights.bin to write (complete or not at all); required"},
        {.name = "length-unit", .kind = ARG_CHOICE, .dest = &units.length_unit, .metavar = "bohr|angstrom",
         .help = "length unit of the training data [from the\n'# Length unit : ...' comment of input.nn]",
         .choices = length},
        {.name = "energy-unit", .kind = ARG_CHOICE, .dest = &units.energy_unit, .metavar = "hartree|ev",
         .help = "energy unit of the training data [from the\n'# Energy unit : ...' comment of input.nn]",
         .choices = energy},
        ARG_SPEC_QUIET(&quiet), ARG_SPEC_HELP, {0},
    };
    const arg_command cmd = {
        .program = "nnvib convert", .usage = "--from n2p2 DIR -o weights.bin [options]",
        .summary = "Convert an n2p2 (RuNNer-style) Behler-Parrinello potential directory\n"
                   "(input.nn, scaling.data, weights.NNN.data) into weights.bin (format version 1),\n"
                   "in Angstrom and eV. See docs/n2p2.md.",
        .opts = opts, .min_pos = 1, .max_pos = 1, .positional = "one potential directory",
        .exits = ARGS_EXITS_BASIC | ARG_EXIT(CLI_EXIT_OUTPUT)};

    if (argc > (int)(sizeof all / sizeof all[0]) - 1)
        return args_fail("nnvib convert", CLI_EXIT_USAGE, "too many arguments (see nnvib convert --help)");
    st = args_parse(&cmd, argc, argv, all, &n_pos, msg, sizeof msg);
    if (st == ARGS_DONE) return CLI_EXIT_OK;
    if (st == CLI_EXIT_OK && (!from || !output)) {
        snprintf(msg, sizeof msg, "%s is required (see nnvib convert --help)",
                 !from ? "--from FORMAT (supported: n2p2)" : "-o FILE (the weights.bin to write)");
        st = CLI_EXIT_USAGE;
    }
    if (st != CLI_EXIT_OK) return args_fail("nnvib convert", st, msg);
    dir = all[0];
    if (!nnv_n2p2_is_potential_dir(dir)) {
        snprintf(msg, sizeof msg, "%s: not a directory holding input.nn (an n2p2 potential: input.nn, scaling.data, "
                 "weights.NNN.data)", dir);
        return args_fail("nnvib convert", CLI_EXIT_INPUT, msg);
    }
    if ((code = nnv_potential_load(&p, dir, &units, &err)) != NNV_OK) {
        st = cli_lib_failed(code, &err, msg, sizeof msg);
        goto cleanup;
    }
    if (!quiet) cli_print_warnings("nnvib convert", &p->warnings);
    if ((code = nnv_potential_write(output, p, &err)) != NNV_OK) {
        st = cli_exit_of_write(code);
        snprintf(msg, sizeof msg, "%s", err.message[0] ? err.message : nnv_strerror(code));
        goto cleanup;
    }
    printf("nnvib convert: wrote %s:", output);
    for (int e = 0; e < p->n_elements; e++) {
        const nnv_element_model *el = &p->elements[e];
        printf("%s %s %d SFs, network %d", e ? ";" : "", nnv_element_symbol(el->Z), el->n_sf, el->n_sf);
        for (int l = 0; l < el->energy.n_layers; l++) printf("-%d", el->energy.layers[l].n_out);
    }
    printf("\n");
    if (fflush(stdout) != 0 || ferror(stdout)) {
        snprintf(msg, sizeof msg, "cannot write to standard output: %s", strerror(errno));
        st = CLI_EXIT_OUTPUT;
    }
cleanup:
    if (st != CLI_EXIT_OK) args_fail("nnvib convert", st, msg);
    nnv_potential_free(p);
    return st;
}
