/* nnvib-novelty: the calibration tool of the novelty measure (docs/novelty.md):
 * per molecule (optionally relaxed on the potential first) or per data-set
 * configuration of one part of the training split, the largest per-atom d²,
 * its atom, and the per-SF range check's count, one line each. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "train.h"

/* One line: NAME n_atoms max_d2 atom element d2/q99.9 of that element, the
 * number of SF values outside [gmin, gmax], and the energy per atom (eV). */
static int report(const char *name, const nnv_potential *p, const nnv_structure *s, nnv_error *err)
{
    double *d2 = malloc((size_t)s->n_atoms * sizeof *d2), best = -1;
    nnv_result *r = NULL;
    int at = 0, st;
    if (!d2) return nnv_error_set(err, NNV_ENOMEM, "out of memory");
    if ((st = nnv_novelty(p, s, d2, err)) != NNV_OK) goto done;
    if ((st = nnv_compute(&r, p, s, &(nnv_compute_options){0, 0.0, 0.0}, err)) != NNV_OK) goto done;
    for (int i = 0; i < s->n_atoms; i++)
        if (d2[i] > best) best = d2[i], at = i;
    {
        const nnv_element_model *em = nnv_potential_element(p, s->Z[at]);
        const nnv_novelty_element *nv = &p->novelty[em - p->elements];
        printf("%-28s %4d %12.4f %4d %-2s %10.3f %5d %12.5f\n", name, s->n_atoms, best, at + 1,
               nnv_element_symbol(s->Z[at]), best / nv->quantile[3], r->n_extrapolations, r->energy / s->n_atoms);
    }
done:
    nnv_result_free(r);
    free(d2);
    return st;
}

int main(int argc, char **argv)
{
    static const arg_choice parts[] = {{"train", 1}, {"val", 2}, {"test", 3}, {NULL, 0}};
    const char *data = NULL, *pos[4096];
    int opt = 0, part = 3, n_pos = 0, st, rc = 0;
    double val = 0.1, test = 0.1;
    uint64_t seed = 1;
    char msg[1024];
    nnv_error err = {0, ""};
    nnv_potential *p = NULL;
    const arg_spec opts[] = {
        {.name = "opt", .kind = ARG_FLAG, .dest = &opt, .help = "relax each molecule on the potential first"},
        {.name = "data", .kind = ARG_STRING, .dest = &data, .metavar = "FILE",
         .help = "the configurations of one part of FILE's split instead of molecules"},
        {.name = "part", .kind = ARG_CHOICE, .dest = &part, .metavar = "PART", .help = "train|val|test [test]",
         .choices = parts},
        {.name = "seed", .kind = ARG_UINT64, .dest = &seed, .metavar = "N", .help = "seed of the split [1]"},
        {.name = "val-frac", .kind = ARG_DOUBLE, .dest = &val, .metavar = "X", .help = "validation share [0.1]",
         .lo = 0, .hi = 0.5},
        {.name = "test-frac", .kind = ARG_DOUBLE, .dest = &test, .metavar = "X", .help = "test share [0.1]",
         .lo = 0, .hi = 0.5},
        ARG_SPEC_HELP, {0},
    };
    const arg_command cmd = {
        .program = "nnvib-novelty",
        .usage = "[--opt] POTENTIAL MOLECULE.xyz...\n       nnvib-novelty --data DATA [--part P --seed N] POTENTIAL",
        .summary = "Largest per-atom novelty d2 of each molecule or configuration (docs/novelty.md):\n"
                   "name, atoms, max d2, its atom and element, max d2 / the element's 99.9 % training\n"
                   "quantile, SF values outside [gmin, gmax], energy per atom (eV).",
        .opts = opts, .min_pos = 1, .max_pos = 4000, .positional = "potential and molecules",
        .exits = ARGS_EXITS_BASIC};
    st = args_parse(&cmd, argc, argv, pos, &n_pos, msg, sizeof msg);
    if (st == ARGS_DONE) return 0;
    if (st != CLI_EXIT_OK) return args_fail("nnvib-novelty", st, msg);
    if ((st = nnv_potential_read(&p, pos[0], &err)) != NNV_OK) goto fail;
    printf("# %-26s %4s %12s %4s %-2s %10s %5s %12s\n", "name", "N", "max_d2", "atom", "el", "/q99.9", "extrap",
           "E/atom_eV");
    if (data) {
        ds_set set = {0, 0, NULL};
        int *order = NULL, nva, nte, lo, hi;
        uint64_t state = seed;
        if ((st = ds_read(&set, data, NULL, &err)) != NNV_OK) goto fail;
        order = malloc((size_t)set.n_frames * sizeof *order);
        if (!order) return 1;
        train_split(set.n_frames, val, test, &state, order, &nva, &nte);
        lo = part == 3 ? 0 : part == 2 ? nte : nte + nva;
        hi = part == 3 ? nte : part == 2 ? nte + nva : set.n_frames;
        for (int k = lo; k < hi && st == NNV_OK; k++) {
            const ds_frame *d = &set.frames[order[k]];
            nnv_structure *s = NULL;
            char name[64] = "?";
            const char *m = strstr(d->info, "molecule=");
            if (m) sscanf(m + 9, "%63s", name);
            if ((st = nnv_structure_new(&s, d->n_atoms, d->Z, d->xyz, &err)) == NNV_OK) st = report(name, p, s, &err);
            nnv_structure_free(s);
        }
        free(order);
        ds_free(&set);
        if (st != NNV_OK) goto fail;
    }
    for (int k = 1; k < n_pos; k++) {
        nnv_structure *s = NULL;
        nnv_opt_report orep;
        const char *base = strrchr(pos[k], '/');
        if ((st = nnv_structure_read_xyz(&s, pos[k], 0, &err)) != NNV_OK) goto fail;
        if (opt && (st = nnv_optimize(s, p, &(nnv_opt_options){0, 0.0, 0.0}, &orep, &err)) != NNV_OK) {
            nnv_structure_free(s);
            goto fail;
        }
        if (opt && !orep.converged) fprintf(stderr, "nnvib-novelty: %s: not converged\n", pos[k]);
        st = report(base ? base + 1 : pos[k], p, s, &err);
        nnv_structure_free(s);
        if (st != NNV_OK) goto fail;
    }
    nnv_potential_free(p);
    return rc;
fail:
    fprintf(stderr, "nnvib-novelty: %s\n", err.message);
    nnv_potential_free(p);
    return 1;
}
