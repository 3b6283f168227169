/* nnvib md: an NVE molecular-dynamics run of one molecule on one potential
 * (the library's nnv_md_run) and its energy-conservation figures, as text or
 * JSON, with an optional extended-XYZ trajectory (docs/cli.md). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void md_help(FILE *f)
{
    fputs("Usage: nnvib md MOLECULE.xyz POTENTIAL [options]\n"
          "Microcanonical (NVE) velocity-Verlet molecular dynamics from a Maxwell-Boltzmann\n"
          "start; reports the energy drift per ps and the RMS energy fluctuation. See docs/cli.md.\n"
          "\n"
          "  --temperature K      initial temperature, K, >= 0 [300]\n"
          "  --dt FS              time step, fs, (0, 10] [0.5]\n"
          "  --steps N            number of steps, 1..10000000 [1000]\n"
          "  --seed S             seed of the velocities, 0..2^64-1 [1]\n"
          "  --traj FILE          write the trajectory as extended XYZ (complete or not at all)\n"
          "  --every K            a trajectory frame every K steps (and step 0) [10]\n"
          "  --opt                relax the molecule on the potential first\n"
          "  --json               JSON on stdout (docs/json-schema.md)\n"
          "  -q, --quiet          no warnings on stderr\n"
          "  -h, --help           this text\n"
          "\n"
          "Exit status: 0 success, 1 internal error, 2 usage error, 3 bad input,\n"
          "4 numerical failure (the run blew up), 5 cannot write the output.\n",
          f);
}

/* The observer that writes the trajectory: ctx is the open nnv_ofile. */
static int traj_frame(void *ctx, const nnv_md_state *st, int step, nnv_error *err)
{
    return nnv_extxyz_write_md_frame(ctx, st, step, err);
}

static int usage(const char *msg, const char *arg)
{
    fprintf(stderr, "nnvib md: %s%s%s%s (see nnvib md --help)\n", msg, arg ? " \"" : "", arg ? arg : "",
            arg ? "\"" : "");
    return CLI_EXIT_USAGE;
}

int cli_md_main(int argc, char **argv)
{
    const char *xyz = NULL, *pot = NULL, *traj_path = NULL, *val;
    nnv_md_options mo;
    nnv_ofile *traj = NULL;
    nnv_md_report rep;
    nnv_opt_report orep = {0, 0, 0, 0};
    nnv_structure *s = NULL;
    nnv_potential *p = NULL;
    nnv_error err = {0, ""};
    char msg[NNV_ERROR_MESSAGE_MAX + 64];
    int n_pos = 0, only_pos = 0, json = 0, opt = 0, quiet = 0, matched, st, code;
    long lv;

    memset(&mo, 0, sizeof mo);
    mo.temperature = 300.0, mo.dt = 0.5, mo.n_steps = 1000, mo.seed = 1, mo.every = 10;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_pos || a[0] != '-' || a[1] == '\0') {
            if (n_pos == 0) xyz = a;
            else if (n_pos == 1) pot = a;
            n_pos++;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            md_help(stdout);
            return fflush(stdout) == 0 && !ferror(stdout) ? CLI_EXIT_OK : CLI_EXIT_OUTPUT;
        }
        if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            quiet = 1;
            continue;
        }
        if (strcmp(a, "--json") == 0) {
            json = 1;
            continue;
        }
        if (strcmp(a, "--opt") == 0) {
            opt = 1;
            continue;
        }
        val = cli_opt_value(argc, argv, &i, "temperature", 0, &matched);
        if (matched) {
            if (cli_parse_double(val, &mo.temperature) != 0 || mo.temperature < 0 || mo.temperature > 1e5)
                return usage("--temperature: expected a temperature in [0, 100000] K, got", val ? val : "");
            continue;
        }
        val = cli_opt_value(argc, argv, &i, "dt", 0, &matched);
        if (matched) {
            if (cli_parse_double(val, &mo.dt) != 0 || !(mo.dt > 0) || mo.dt > 10.0)
                return usage("--dt: expected a time step in (0, 10] fs, got", val ? val : "");
            continue;
        }
        val = cli_opt_value(argc, argv, &i, "steps", 0, &matched);
        if (matched) {
            if (cli_parse_long(val, 1, 10000000L, &lv) != 0)
                return usage("--steps: expected an integer 1..10000000, got", val ? val : "");
            mo.n_steps = (int)lv;
            continue;
        }
        val = cli_opt_value(argc, argv, &i, "every", 0, &matched);
        if (matched) {
            if (cli_parse_long(val, 1, 10000000L, &lv) != 0)
                return usage("--every: expected an integer 1..10000000, got", val ? val : "");
            mo.every = (int)lv;
            continue;
        }
        val = cli_opt_value(argc, argv, &i, "seed", 0, &matched);
        if (matched) {
            char *end;
            if (!val || !(*val >= '0' && *val <= '9')) return usage("--seed: expected an integer 0..2^64-1, got", val ? val : "");
            mo.seed = (uint64_t)strtoull(val, &end, 10);
            if (*end != '\0' || (mo.seed == UINT64_MAX && strcmp(val, "18446744073709551615") != 0))
                return usage("--seed: expected an integer 0..2^64-1, got", val);
            continue;
        }
        val = cli_opt_value(argc, argv, &i, "traj", 0, &matched);
        if (matched) {
            if (!val || !*val) return usage("--traj: expected a file name", NULL);
            traj_path = val;
            continue;
        }
        return usage("unknown option", a);
    }
    if (n_pos != 2) return usage("expected MOLECULE.xyz and POTENTIAL", NULL);

    msg[0] = '\0';
    if ((st = cli_diag_load(&s, &p, xyz, pot, opt, &orep, msg, sizeof msg)) != CLI_EXIT_OK) goto cleanup;
    if (opt && !orep.converged && !quiet)
        fprintf(stderr, "nnvib md: warning: --opt did not converge in %d steps (max force %.3e eV/A)\n", orep.steps,
                orep.max_force);
    /* Opened only now, as the library did: a bad molecule or potential is
     * reported before an unwritable trajectory. */
    if (traj_path) {
        if ((code = nnv_ofile_open(&traj, traj_path, &err)) != NNV_OK) {
            snprintf(msg, sizeof msg, "%s", err.message);
            st = cli_exit_of_write(code);
            goto cleanup;
        }
        mo.observe = traj_frame;
        mo.observe_ctx = traj;
    }
    code = nnv_md_run(&rep, p, s, &mo, &err);
    /* Complete before the report is printed (--traj /dev/stdout). */
    if (code == NNV_OK && traj) {
        code = nnv_ofile_commit(traj, &err);
        traj = NULL;
    }
    if (code != NNV_OK) {
        snprintf(msg, sizeof msg, "%s", err.message);
        /* A trajectory that cannot be written is an output failure. */
        st = cli_exit_of_write(code);
        goto cleanup;
    }
    if (rep.n_extrapolating && !quiet)
        fprintf(stderr, "nnvib md: warning: at %d of %d steps some symmetry function was outside its training "
                "range (the network extrapolates there)\n", rep.n_extrapolating, rep.n_steps);
    if (json) {
        printf("{\"program\": \"nnvib\", \"version\": \"%s\", \"command\": \"md\", \"n_atoms\": %d, "
               "\"smoothness\": \"%s\", \"optimized\": %s, \"temperature\": %.10g, \"dt\": %.10g, \"steps\": %d, "
               "\"seed\": %" PRIu64 ", \"duration_ps\": %.10g, \"e_start\": %.12g, \"e_end\": %.12g, "
               "\"drift_per_ps\": %.10g, \"drift_per_ps_per_atom\": %.10g, \"rms_fluctuation\": %.10g, "
               "\"max_deviation\": %.10g, \"mean_temperature\": %.10g, \"mean_epot\": %.12g, "
               "\"extrapolating_steps\": %d, \"trajectory\": ",
               nnv_version(), s->n_atoms, nnv_smoothness_name(nnv_potential_smoothness(p)), opt ? "true" : "false",
               mo.temperature, mo.dt, rep.n_steps, mo.seed, rep.n_steps * mo.dt / 1000.0, rep.e_start, rep.e_end,
               rep.drift_per_ps, rep.drift_per_ps / s->n_atoms, rep.rms_fluctuation, rep.max_deviation,
               rep.mean_temperature, rep.mean_epot, rep.n_extrapolating);
        if (traj_path) {
            /* The path as a JSON string: escape quotes, backslashes and control bytes. */
            putchar('"');
            for (const char *c = traj_path; *c; c++) {
                if (*c == '"' || *c == '\\') printf("\\%c", *c);
                else if ((unsigned char)*c < 0x20) printf("\\u%04x", (unsigned)(unsigned char)*c);
                else putchar(*c);
            }
            printf("\", \"frames\": %d}\n", rep.n_frames);
        } else {
            printf("null, \"frames\": 0}\n");
        }
    } else {
        printf("nnvib md: %s with %s (%d atoms, potential %s)%s\n", xyz, pot, s->n_atoms,
               nnv_smoothness_name(nnv_potential_smoothness(p)), opt ? ", relaxed first (--opt)" : "");
        printf("NVE velocity Verlet: %d steps of %g fs (%g ps), start at %g K (Maxwell-Boltzmann, seed %" PRIu64
               ", centre-of-mass momentum removed)\n",
               rep.n_steps, mo.dt, rep.n_steps * mo.dt / 1000.0, mo.temperature, mo.seed);
        printf("  total energy at start   %16.8f eV\n", rep.e_start);
        printf("  total energy at end     %16.8f eV\n", rep.e_end);
        printf("  drift (LSQ slope)       %16.6e eV/ps  (%.6e eV/ps per atom)\n", rep.drift_per_ps,
               rep.drift_per_ps / s->n_atoms);
        printf("  RMS fluctuation         %16.6e eV\n", rep.rms_fluctuation);
        printf("  max |E(t) - E(0)|       %16.6e eV\n", rep.max_deviation);
        printf("  mean temperature        %16.3f K\n", rep.mean_temperature);
        printf("  mean potential energy   %16.8f eV\n", rep.mean_epot);
        if (traj_path) printf("  trajectory              %s (%d frames, every %d steps)\n", traj_path, rep.n_frames, mo.every);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        snprintf(msg, sizeof msg, "cannot write to standard output");
        st = CLI_EXIT_OUTPUT;
    }
cleanup:
    nnv_ofile_discard(traj); /* an unfinished trajectory leaves nothing */
    if (st != CLI_EXIT_OK) fprintf(stderr, "nnvib md: %s\n", msg);
    nnv_potential_free(p);
    nnv_structure_free(s);
    return st;
}
