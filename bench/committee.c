/* bench/nnvib-bench-committee: the cost of nnv_compute with the Hessian on a
 * committee of K members of each kind, relative to one potential. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <nnvib.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Shortest of reps evaluations of energy, forces, Hessian, charges, dipole
 * derivatives. */
static double best(const nnv_potential *p, const nnv_structure *s, int reps)
{
    nnv_compute_options co = {NNV_WANT_FORCES | NNV_WANT_HESSIAN | NNV_WANT_CHARGES | NNV_WANT_DIPOLE_DERIV, 0, 0};
    double b = 1e30;
    nnv_error err;
    for (int r = 0; r < reps; r++) {
        nnv_result *res = NULL;
        double t0 = now(), t;
        if (nnv_compute(&res, p, s, &co, &err) != NNV_OK) {
            fprintf(stderr, "nnvib-bench-committee: %s\n", err.message);
            exit(1);
        }
        t = now() - t0;
        if (t < b) b = t;
        nnv_result_free(res);
    }
    return b;
}

int main(int argc, char **argv)
{
    const char *pot = argc > 1 ? argv[1] : "weights/hcno-silu.bin", *mol = argc > 2 ? argv[2] : "molecules/benzene.xyz";
    int reps = argc > 3 ? atoi(argv[3]) : 5, K = argc > 4 ? atoi(argv[4]) : 8;
    nnv_potential *base = NULL, *m[NNV_COMMITTEE_MAX], *c = NULL;
    nnv_structure *s = NULL;
    nnv_error err;
    double t1;
    if (argc > 5 || reps < 1 || K < NNV_COMMITTEE_MIN || K > NNV_COMMITTEE_MAX) {
        fprintf(stderr, "usage: nnvib-bench-committee [POTENTIAL [MOLECULE.xyz [REPS [K]]]]\n");
        return 2;
    }
    if (nnv_potential_read(&base, pot, &err) != NNV_OK || nnv_structure_read_xyz(&s, mol, 0, &err) != NNV_OK) {
        fprintf(stderr, "nnvib-bench-committee: %s\n", err.message);
        return 1;
    }
    t1 = best(base, s, reps);
    printf("%s, %s (%d atoms), E+F+H+dipole derivatives, best of %d\n", pot, mol, s->n_atoms, reps);
    printf("  single potential        %9.4f s\n", t1);
    for (int kind = NNV_COMMITTEE_FULL; kind <= NNV_COMMITTEE_SHALLOW; kind++) {
        double t;
        /* Members differ in their last layer only, so both kinds can be built. */
        for (int k = 0; k < K; k++) {
            if (nnv_potential_copy(&m[k], base, &err) != NNV_OK) return 1;
            for (int e = 0; e < m[k]->n_elements; e++) {
                nnv_network *n = &m[k]->elements[e].energy;
                nnv_layer *L = &n->layers[n->n_layers - 1];
                for (int i = 0; i < L->n_in; i++) L->W[i] *= 1.0 + 0.01 * k;
            }
        }
        if (nnv_committee_build(&c, (const nnv_potential *const *)m, K, kind, 1.0, &err) != NNV_OK) {
            fprintf(stderr, "nnvib-bench-committee: %s\n", err.message);
            return 1;
        }
        t = best(c, s, reps);
        printf("  committee of %2d, %-7s %9.4f s = %5.2f x single\n", K, nnv_committee_kind_name(kind), t, t / t1);
        nnv_potential_free(c);
        for (int k = 0; k < K; k++) nnv_potential_free(m[k]);
    }
    /* Once more, so that the order of the runs (caches, clock) shows. */
    printf("  single potential again  %9.4f s\n", best(base, s, reps));
    nnv_structure_free(s);
    nnv_potential_free(base);
    return 0;
}
