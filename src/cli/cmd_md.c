/* nnvib md: an NVE molecular-dynamics run of one molecule on one potential
 * (the library's nnv_md_run) and its energy-conservation figures, as text or
 * JSON, with an optional extended-XYZ trajectory (docs/cli.md). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The observer that writes the trajectory: ctx is the open nnv_ofile. */
static int traj_frame(void *ctx, const nnv_md_state *st, int step, nnv_error *err)
{
    return nnv_extxyz_write_md_frame(ctx, st, step, err);
}

/* The report as one JSON object (docs/json-schema.md). */
static void put_json(const nnv_md_options *mo, const nnv_md_report *rep, const nnv_structure *s,
                     const nnv_potential *p, int opt, const char *traj_path)
{
    FILE *f = stdout;
    fputs("{\"program\": \"nnvib\", \"version\": ", f);
    json_str(f, nnv_version());
    fprintf(f, ", \"command\": \"md\", \"n_atoms\": %d, \"smoothness\": ", s->n_atoms);
    json_str(f, nnv_smoothness_name(nnv_potential_smoothness(p)));
    fputs(", \"optimized\": ", f);
    json_bool(f, opt);
    json_key_num(f, ", ", "temperature", mo->temperature);
    json_key_num(f, ", ", "dt", mo->dt);
    fprintf(f, ", \"steps\": %d, \"seed\": %" PRIu64, rep->n_steps, mo->seed);
    json_key_num(f, ", ", "duration_ps", rep->n_steps * mo->dt / 1000.0);
    json_key_num(f, ", ", "e_start", rep->e_start);
    json_key_num(f, ", ", "e_end", rep->e_end);
    json_key_num(f, ", ", "drift_per_ps", rep->drift_per_ps);
    json_key_num(f, ", ", "drift_per_ps_per_atom", rep->drift_per_ps / s->n_atoms);
    json_key_num(f, ", ", "rms_fluctuation", rep->rms_fluctuation);
    json_key_num(f, ", ", "max_deviation", rep->max_deviation);
    json_key_num(f, ", ", "mean_temperature", rep->mean_temperature);
    json_key_num(f, ", ", "mean_epot", rep->mean_epot);
    fprintf(f, ", \"extrapolating_steps\": %d, \"trajectory\": ", rep->n_extrapolating);
    if (traj_path) json_str(f, traj_path);
    else fputs("null", f);
    fprintf(f, ", \"frames\": %d}\n", traj_path ? rep->n_frames : 0);
}

int cli_main_md(int argc, char **argv)
{
    const char *traj_path = NULL, *pos[64];
    nnv_md_options mo;
    nnv_ofile *traj = NULL;
    nnv_md_report rep;
    nnv_opt_report orep = {0, 0, 0, 0, 0};
    nnv_structure *s = NULL;
    nnv_potential *p = NULL;
    nnv_error err = {0, ""};
    char msg[NNV_ERROR_MESSAGE_MAX + 64];
    int n_pos = 0, json = 0, opt = 0, quiet = 0, st, code, traj_slot = -1;
    const arg_spec opts[] = {
        {.name = "temperature", .kind = ARG_DOUBLE, .dest = &mo.temperature, .metavar = "K",
         .help = "initial temperature, K, >= 0 [300]", .expect = "a temperature in [0, 100000] K", .lo = 0,
         .hi = 1e5},
        {.name = "dt", .kind = ARG_DOUBLE, .dest = &mo.dt, .metavar = "FS", .help = "time step, fs, (0, 10] [0.5]",
         .expect = "a time step in (0, 10] fs", .lo = 0, .hi = 10, .open = ARG_OPEN_LO},
        {.name = "steps", .kind = ARG_INT, .dest = &mo.n_steps, .metavar = "N",
         .help = "number of steps, 1..10000000 [1000]", .expect = "an integer 1..10000000", .lo = 1, .hi = 10000000},
        {.name = "seed", .kind = ARG_UINT64, .dest = &mo.seed, .metavar = "S",
         .help = "seed of the velocities, 0..2^64-1 [1]", .expect = "an integer 0..2^64-1"},
        {.name = "traj", .kind = ARG_STRING, .dest = &traj_path, .metavar = "FILE",
         .help = "write the trajectory as extended XYZ (complete or not at all)"},
        {.name = "every", .kind = ARG_INT, .dest = &mo.every, .metavar = "K",
         .help = "a trajectory frame every K steps (and step 0) [10]", .expect = "an integer 1..10000000", .lo = 1,
         .hi = 10000000},
        {.name = "opt", .kind = ARG_FLAG, .dest = &opt, .help = "relax the molecule on the potential first"},
        {.name = "json", .kind = ARG_FLAG, .dest = &json, .help = "JSON on stdout (docs/json-schema.md)"},
        ARG_SPEC_QUIET(&quiet), ARG_SPEC_HELP, {0},
    };
    const arg_command cmd = {
        .program = "nnvib md", .usage = "MOLECULE.xyz POTENTIAL [options]",
        .summary = "Microcanonical (NVE) velocity-Verlet molecular dynamics from a Maxwell-Boltzmann\n"
                   "start; reports the energy drift per ps and the RMS energy fluctuation. See docs/cli.md.",
        .opts = opts, .min_pos = 2, .max_pos = 2, .positional = "MOLECULE.xyz POTENTIAL",
        .exits = ARGS_EXITS_BASIC | ARG_EXIT(CLI_EXIT_NUMERIC) | ARG_EXIT(CLI_EXIT_OUTPUT)};
    const char *xyz, *pot;

    memset(&mo, 0, sizeof mo);
    mo.temperature = 300.0, mo.dt = 0.5, mo.n_steps = 1000, mo.seed = 1, mo.every = 10;
    if (argc > (int)(sizeof pos / sizeof pos[0]) - 1)
        return args_fail("nnvib md", CLI_EXIT_USAGE, "too many arguments (see nnvib md --help)");
    st = args_parse(&cmd, argc, argv, pos, &n_pos, msg, sizeof msg);
    if (st == ARGS_DONE) return CLI_EXIT_OK;
    if (st != CLI_EXIT_OK) return args_fail("nnvib md", st, msg);
    xyz = pos[0], pot = pos[1];

    msg[0] = '\0';
    {
        const cli_path paths[] = {{xyz, "molecule", 0}, {pot, "potential", 0}, {traj_path, "--traj", 1}};
        if ((st = cli_check_paths(paths, 3, msg, sizeof msg)) != CLI_EXIT_OK) goto cleanup;
    }
    if ((st = cli_load(&s, &p, xyz, pot, opt, &orep, msg, sizeof msg)) != CLI_EXIT_OK) goto cleanup;
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
        if (nnv_ofile_temp_path(traj)) traj_slot = cli_tmp_register(nnv_ofile_temp_path(traj));
        mo.observe = traj_frame;
        mo.observe_ctx = traj;
    }
    code = nnv_md_run(&rep, p, s, &mo, &err);
    if (code != NNV_OK && rep.aborted && traj) {
        /* A guard stopped the run: keep the trajectory up to that step (it
         * shows what went wrong) and say so; the status stays the failure. */
        nnv_error werr = {0, ""};
        int wcode = nnv_ofile_commit(traj, &werr);
        traj = NULL;
        snprintf(msg, sizeof msg, "%s; the trajectory up to that step (%d frames, the last at step %d) is in %s%s",
                 err.message, rep.n_frames, rep.n_steps, traj_path, wcode == NNV_OK ? "" : " (could not be written)");
        st = CLI_EXIT_NUMERIC;
        goto cleanup;
    }
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
        put_json(&mo, &rep, s, p, opt, traj_path);
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
        snprintf(msg, sizeof msg, "cannot write to standard output: %s", strerror(errno));
        st = CLI_EXIT_OUTPUT;
    }
cleanup:
    nnv_ofile_discard(traj); /* an unfinished trajectory leaves nothing */
    cli_tmp_unregister(traj_slot);
    if (st != CLI_EXIT_OK) args_fail("nnvib md", st, msg);
    nnv_potential_free(p);
    nnv_structure_free(s);
    return st;
}
