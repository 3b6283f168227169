/* nnvib convert: the `nnvib convert --from n2p2 DIR -o weights.bin` subcommand
 * and the parser of its unit options. The conversion itself is the library's
 * (src/io/n2p2.c); so is telling the formats apart (nnv_potential_load). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_parse_unit(const char *kind, const char *val, int *out)
{
    if (!val) return -1;
    if (strcmp(kind, "length") == 0) {
        if (strcmp(val, "bohr") == 0) *out = NNV_N2P2_BOHR;
        else if (strcmp(val, "angstrom") == 0) *out = NNV_N2P2_ANGSTROM;
        else return -1;
    } else {
        if (strcmp(val, "hartree") == 0) *out = NNV_N2P2_HARTREE;
        else if (strcmp(val, "ev") == 0) *out = NNV_N2P2_EV;
        else return -1;
    }
    return 0;
}

static void convert_help(FILE *f)
{
    fputs("Usage: nnvib convert --from n2p2 DIR -o weights.bin [options]\n"
          "Convert an n2p2 (RuNNer-style) Behler-Parrinello potential directory\n"
          "(input.nn, scaling.data, weights.NNN.data) into weights.bin (format version 1),\n"
          "in Angstrom and eV. See docs/n2p2.md.\n"
          "\n"
          "  --from n2p2          input format (the only one so far); required\n"
          "  -o, --output FILE    the weights.bin to write (complete or not at all); required\n"
          "  --length-unit bohr|angstrom  length unit of the training data [from the\n"
          "                       '# Length unit : ...' comment of input.nn]\n"
          "  --energy-unit hartree|ev     energy unit of the training data [from the\n"
          "                       '# Energy unit : ...' comment of input.nn]\n"
          "  -q, --quiet          no warnings on stderr\n"
          "  -h, --help           this text\n"
          "\n"
          "Exit status: 0 success, 1 internal error, 2 usage error, 3 bad or unsupported\n"
          "input (the message names the file and line), 5 cannot write the output.\n",
          f);
}

static int usage(const char *msg, const char *arg)
{
    fprintf(stderr, "nnvib convert: %s%s%s%s (see nnvib convert --help)\n", msg, arg ? " \"" : "", arg ? arg : "",
            arg ? "\"" : "");
    return CLI_EXIT_USAGE;
}

int cli_convert_main(int argc, char **argv)
{
    const char *from = NULL, *output = NULL, *dir = NULL, *val;
    int lu = 0, eu = 0, quiet = 0, only_pos = 0, n_pos = 0, matched, code, st = CLI_EXIT_OK;
    nnv_potential *p = NULL;
    nnv_error err = {0, ""};

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_pos || a[0] != '-' || a[1] == '\0') {
            if (n_pos++ == 0) dir = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            convert_help(stdout);
            return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_OUTPUT;
        }
        if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            quiet = 1;
            continue;
        }
        val = cli_opt_value(argc, argv, &i, "from", 0, &matched);
        if (matched) {
            if (!val) return usage("--from: missing argument", NULL);
            if (strcmp(val, "n2p2") != 0) return usage("--from: supported formats: n2p2; got", val);
            from = val;
            continue;
        }
        val = cli_opt_value(argc, argv, &i, "output", 'o', &matched);
        if (matched) {
            if (!val || !*val) return usage("-o/--output: expected a file name", NULL);
            output = val;
            continue;
        }
        val = cli_opt_value(argc, argv, &i, "length-unit", 0, &matched);
        if (matched) {
            if (cli_parse_unit("length", val, &lu) != 0)
                return usage("--length-unit: expected bohr or angstrom, got", val ? val : "");
            continue;
        }
        val = cli_opt_value(argc, argv, &i, "energy-unit", 0, &matched);
        if (matched) {
            if (cli_parse_unit("energy", val, &eu) != 0)
                return usage("--energy-unit: expected hartree or ev, got", val ? val : "");
            continue;
        }
        return usage("unknown option", a);
    }
    if (!from) return usage("--from FORMAT is required (supported: n2p2)", NULL);
    if (n_pos != 1) return usage("expected one potential directory", NULL);
    if (!output) return usage("-o FILE (the weights.bin to write) is required", NULL);
    if (!nnv_n2p2_is_potential_dir(dir)) {
        fprintf(stderr, "nnvib convert: %s: not a directory holding input.nn (an n2p2 potential: input.nn, "
                "scaling.data, weights.NNN.data)\n", dir);
        return CLI_EXIT_INPUT;
    }

    code = nnv_potential_load(&p, dir, &(nnv_n2p2_options){lu, eu}, &err);
    if (code != NNV_OK) {
        fprintf(stderr, "nnvib convert: %s\n", err.message[0] ? err.message : nnv_strerror(code));
        st = code == NNV_ENOMEM ? CLI_EXIT_INTERNAL : code == NNV_EUSAGE ? CLI_EXIT_USAGE : CLI_EXIT_INPUT;
        goto cleanup;
    }
    if (!quiet)
        for (int i = 0; i < p->warnings.count; i++)
            fprintf(stderr, "nnvib convert: warning: %s\n", p->warnings.messages[i]);
    code = nnv_potential_write(output, p, &err);
    if (code != NNV_OK) {
        fprintf(stderr, "nnvib convert: %s\n", err.message[0] ? err.message : nnv_strerror(code));
        st = code == NNV_ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_OUTPUT;
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
        fprintf(stderr, "nnvib convert: cannot write to standard output: %s\n", strerror(errno));
        st = CLI_EXIT_OUTPUT;
    }
cleanup:
    nnv_potential_free(p);
    return st;
}
