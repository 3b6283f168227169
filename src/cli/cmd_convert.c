/* `nnvib convert`: an n2p2 potential folder into a weights.bin file, K plain
 * potentials into a committee (format version 2), a committee's member back
 * into a plain potential, and a summary of any potential. The work itself is
 * the library's (nnv_potential_load, nnv_committee_build/_member, _write). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_POS (NNV_COMMITTEE_MAX + 1)

/* One element's networks as "n_sf-64-64-1" (the layer sizes). */
static void print_network(const nnv_network *net, int n_sf)
{
    printf("%d", n_sf);
    for (int l = 0; l < net->n_layers; l++) printf("-%d", net->layers[l].n_out);
}

/* The one-line summary: elements, SF counts, networks, and a committee's size,
 * kind and spread scale. */
static void print_summary(const char *what, const char *path, const nnv_potential *p)
{
    printf("nnvib convert: %s %s:", what, path);
    if (p->n_members > 0)
        printf(" committee of %d members (%s), spread_scale %g;", p->n_members,
               nnv_committee_kind_name(p->committee_kind), p->spread_scale);
    for (int e = 0; e < p->n_elements; e++) {
        const nnv_element_model *el = &p->elements[e];
        printf("%s %s %d SFs, network ", e ? ";" : "", nnv_element_symbol(el->Z), el->n_sf);
        print_network(el->members ? &el->members[0] : &el->energy, el->n_sf);
        if (el->members) printf(" x %d", p->n_members);
    }
    printf("%s\n", (p->flags & NNV_FLAG_CHARGES) ? "; charge networks" : "");
}

/* The potential of each mode: an n2p2 folder, a committee of files, a member. */
static int make_potential(nnv_potential **out, int from, int committee, int member, int kind, double scale,
                          const char *const *pos, int n_pos, const nnv_n2p2_options *units, int quiet,
                          nnv_error *err, char *msg, size_t msglen)
{
    nnv_potential *mb[MAX_POS] = {0}, *in = NULL;
    int code = NNV_OK, n = 0;
    if (from) {
        if (!nnv_n2p2_is_potential_dir(pos[0])) {
            snprintf(msg, msglen, "%s: not a directory holding input.nn (an n2p2 potential: input.nn, scaling.data, "
                     "weights.NNN.data)", pos[0]);
            return NNV_EINPUT;
        }
        code = nnv_potential_load(out, pos[0], units, err);
        if (code == NNV_OK && !quiet) cli_print_warnings("nnvib convert", &(*out)->warnings);
        return code;
    }
    if (member) {
        if ((code = nnv_potential_load(&in, pos[0], units, err)) != NNV_OK) return code;
        if (in->n_members == 0) {
            snprintf(msg, msglen, "%s: not a committee (format version 2), so it has no members", pos[0]);
            code = NNV_EINPUT;
        } else if (member > in->n_members) {
            snprintf(msg, msglen, "--member %d: %s has %d members", member, pos[0], in->n_members);
            code = NNV_EUSAGE;
        } else {
            code = nnv_committee_member(out, in, member - 1, err);
        }
        nnv_potential_free(in);
        return code;
    }
    (void)committee;
    for (n = 0; n < n_pos && code == NNV_OK; n++) {
        code = nnv_potential_load(&mb[n], pos[n], units, err);
        if (code == NNV_OK && !quiet) cli_print_warnings("nnvib convert", &mb[n]->warnings);
        if (code != NNV_OK) break;
    }
    if (code == NNV_OK) {
        code = nnv_committee_build(out, (const nnv_potential *const *)mb, n_pos, kind, scale, err);
        /* The library counts members from 0; the command line from 1. */
        if (code == NNV_EINPUT) {
            int m = -1;
            char *at = strstr(err->message, "member ");
            if (at && sscanf(at, "member %d", &m) == 1 && m >= 0 && m < n_pos)
                snprintf(msg, msglen, "%s (member %d is %s)", err->message, m, pos[m]);
        }
    }
    for (int k = 0; k < n_pos; k++) nnv_potential_free(mb[k]);
    return code;
}

int cli_main_convert(int argc, char **argv)
{
    static const arg_choice from_formats[] = {{"n2p2", 1}, {NULL, 0}};
    static const arg_choice length[] = {{"bohr", NNV_N2P2_BOHR}, {"angstrom", NNV_N2P2_ANGSTROM}, {NULL, 0}};
    static const arg_choice energy[] = {{"hartree", NNV_N2P2_HARTREE}, {"ev", NNV_N2P2_EV}, {NULL, 0}};
    static const arg_choice kinds[] = {{"full", NNV_COMMITTEE_FULL}, {"shallow", NNV_COMMITTEE_SHALLOW}, {NULL, 0}};
    const char *output = NULL, *all[MAX_POS + 1];
    int from = 0, committee = 0, member = 0, info = 0, kind = NNV_COMMITTEE_FULL, quiet = 0, n_pos = 0, code, st;
    int modes;
    double scale = 1.0;
    nnv_n2p2_options units = {0, 0};
    nnv_potential *p = NULL;
    nnv_error err = {0, ""};
    char msg[NNV_ERROR_MESSAGE_MAX + 4200];
    const arg_spec opts[] = {
        {.name = "from", .kind = ARG_CHOICE, .dest = &from, .metavar = "n2p2",
         .help = "convert the potential directory DIR of this format (n2p2)", .choices = from_formats},
        {.name = "committee", .kind = ARG_FLAG, .dest = &committee,
         .help = "assemble the 2..64 plain potentials given (weights.bin files\nor n2p2 directories) into one "
                 "committee file (format version 2)"},
        {.name = "kind", .kind = ARG_CHOICE, .dest = &kind, .metavar = "full|shallow",
         .help = "--committee: independent member networks, or a shallow\nensemble (members share all but the "
                 "last layer) [full]", .choices = kinds},
        {.name = "spread-scale", .kind = ARG_DOUBLE, .dest = &scale, .metavar = "S", .lo = 0.0, .hi = 1e300,
         .open = ARG_OPEN_LO, .help = "--committee: calibration factor of every reported standard\ndeviation [1]"},
        {.name = "member", .kind = ARG_INT, .dest = &member, .metavar = "M", .lo = 1, .hi = NNV_COMMITTEE_MAX,
         .help = "write member M (from 1) of the committee given as a plain\npotential (format version 1)"},
        {.name = "info", .kind = ARG_FLAG, .dest = &info,
         .help = "print the summary of the potential given (elements, networks,\ncommittee) and write nothing"},
        {.name = "output", .short_name = 'o', .kind = ARG_STRING, .dest = &output, .metavar = "FILE",
         .help = "the weights.bin to write (complete or not at all); required\nbut with --info"},
        {.name = "length-unit", .kind = ARG_CHOICE, .dest = &units.length_unit, .metavar = "bohr|angstrom",
         .help = "length unit of an n2p2 potential's training data [from the\n'# Length unit : ...' comment of "
                 "input.nn]", .choices = length},
        {.name = "energy-unit", .kind = ARG_CHOICE, .dest = &units.energy_unit, .metavar = "hartree|ev",
         .help = "energy unit of an n2p2 potential's training data [from the\n'# Energy unit : ...' comment of "
                 "input.nn]", .choices = energy},
        ARG_SPEC_QUIET(&quiet), ARG_SPEC_HELP, {0},
    };
    const arg_command cmd = {
        .program = "nnvib convert",
        .usage = "--from n2p2 DIR -o weights.bin [options]\n"
                 "       nnvib convert --committee A.bin B.bin... -o committee.bin [--kind K] [--spread-scale S]\n"
                 "       nnvib convert --member M committee.bin -o member.bin\n"
                 "       nnvib convert --info POTENTIAL",
        .summary = "Convert an n2p2 (RuNNer-style) Behler-Parrinello potential directory\n"
                   "(input.nn, scaling.data, weights.NNN.data) into weights.bin (format version 1),\n"
                   "in Angstrom and eV (docs/n2p2.md); assemble plain potentials with the same\n"
                   "elements and symmetry functions into a committee (format version 2,\n"
                   "docs/nnp-format.md), or take one member out of it.",
        .opts = opts, .min_pos = 1, .max_pos = MAX_POS - 1, .positional = "potentials",
        .exits = ARGS_EXITS_BASIC | ARG_EXIT(CLI_EXIT_OUTPUT)};

    if (argc > (int)(sizeof all / sizeof all[0]) + 8)
        return args_fail("nnvib convert", CLI_EXIT_USAGE, "too many arguments (see nnvib convert --help)");
    st = args_parse(&cmd, argc, argv, all, &n_pos, msg, sizeof msg);
    if (st == ARGS_DONE) return CLI_EXIT_OK;
    modes = !!from + !!committee + !!member + !!info;
    if (st == CLI_EXIT_OK && modes != 1) {
        snprintf(msg, sizeof msg, "%s (see nnvib convert --help)",
                 modes ? "give one of --from, --committee, --member and --info"
                       : "--from FORMAT (supported: n2p2), --committee, --member M or --info is required");
        st = CLI_EXIT_USAGE;
    }
    if (st == CLI_EXIT_OK && !info && !output) {
        snprintf(msg, sizeof msg, "-o FILE (the weights.bin to write) is required (see nnvib convert --help)");
        st = CLI_EXIT_USAGE;
    }
    if (st == CLI_EXIT_OK && committee && (n_pos < NNV_COMMITTEE_MIN || n_pos > NNV_COMMITTEE_MAX)) {
        snprintf(msg, sizeof msg, "--committee takes %d..%d potentials, got %d", NNV_COMMITTEE_MIN,
                 NNV_COMMITTEE_MAX, n_pos);
        st = CLI_EXIT_USAGE;
    }
    if (st == CLI_EXIT_OK && !committee && n_pos != 1) {
        snprintf(msg, sizeof msg, "expected 1 argument (one potential), got %d (see nnvib convert --help)", n_pos);
        st = CLI_EXIT_USAGE;
    }
    for (int k = 0; st == CLI_EXIT_OK && !info && k < n_pos; k++) {
        const cli_path paths[] = {{all[k], "input", 0}, {output, "-o", 1}};
        st = cli_check_paths(paths, 2, msg, sizeof msg);
    }
    if (st != CLI_EXIT_OK) return args_fail("nnvib convert", st, msg);
    msg[0] = '\0';
    if (info) {
        code = nnv_potential_load(&p, all[0], &units, &err);
        if (code == NNV_OK && !quiet) cli_print_warnings("nnvib convert", &p->warnings);
    } else {
        code = make_potential(&p, from, committee, member, kind, scale, all, n_pos, &units, quiet, &err, msg,
                              sizeof msg);
    }
    if (code != NNV_OK) {
        if (msg[0])
            st = cli_exit_of(code);
        else
            st = cli_lib_failed(code, &err, msg, sizeof msg);
        goto cleanup;
    }
    if (!info && (code = nnv_potential_write(output, p, &err)) != NNV_OK) {
        st = cli_exit_of_write(code);
        snprintf(msg, sizeof msg, "%s", err.message[0] ? err.message : nnv_strerror(code));
        goto cleanup;
    }
    print_summary(info ? "read" : "wrote", info ? all[0] : output, p);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        snprintf(msg, sizeof msg, "cannot write to standard output: %s", strerror(errno));
        st = CLI_EXIT_OUTPUT;
    }
cleanup:
    if (st != CLI_EXIT_OK) args_fail("nnvib convert", st, msg);
    nnv_potential_free(p);
    return st;
}
