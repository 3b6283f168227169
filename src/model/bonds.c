/* Bonds guessed from interatomic distances and covalent radii, for writers
 * whose readers need explicit connectivity (CML: without a bondArray Open Babel
 * adds implicit hydrogens). Connectivity only; bond orders are not perceived. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdlib.h>

#include "model/model_internal.h"

/* Covalent radii in Å for Z = 1..96: B. Cordero, V. Gómez, A. E. Platero-Prats,
 * M. Revés, J. Echeverría, E. Cremades, F. Barragán and S. Alvarez, "Covalent
 * radii revisited", Dalton Trans. 2008, 2832–2838 (Table 2; C sp3, Mn, Fe, Co
 * low spin). The same numbers as ase.data.covalent_radii. */
static const double CORDERO_2008[97] = {
    0.00,
    0.31, 0.28, 1.28, 0.96, 0.84, 0.76, 0.71, 0.66, 0.57, 0.58,
    1.66, 1.41, 1.21, 1.11, 1.07, 1.05, 1.02, 1.06, 2.03, 1.76,
    1.70, 1.60, 1.53, 1.39, 1.39, 1.32, 1.26, 1.24, 1.32, 1.22,
    1.22, 1.20, 1.19, 1.20, 1.20, 1.16, 2.20, 1.95, 1.90, 1.75,
    1.64, 1.54, 1.47, 1.46, 1.42, 1.39, 1.45, 1.44, 1.42, 1.39,
    1.39, 1.38, 1.39, 1.40, 2.44, 2.15, 2.07, 2.04, 2.03, 2.01,
    1.99, 1.98, 1.98, 1.96, 1.94, 1.92, 1.92, 1.89, 1.90, 1.87,
    1.87, 1.75, 1.70, 1.62, 1.51, 1.44, 1.41, 1.36, 1.36, 1.32,
    1.45, 1.46, 1.48, 1.40, 1.50, 1.50, 2.60, 2.21, 2.15, 2.06,
    2.00, 1.96, 1.90, 1.87, 1.80, 1.69,
};

/* Cordero et al. give no radius beyond Cm; 1.5 Å (about the late actinides'
 * trend) keeps such atoms bonded to their neighbours rather than isolated. */
#define RADIUS_UNKNOWN 1.50

double bonds_covalent_radius(int Z)
{
    if (Z >= 1 && Z <= 96) return CORDERO_2008[Z];
    return RADIUS_UNKNOWN;
}

static int cmp_pair(const void *a, const void *b)
{
    const int *p = a, *q = b;
    if (p[0] != q[0]) return p[0] < q[0] ? -1 : 1;
    return (p[1] > q[1]) - (p[1] < q[1]);
}

int bonds_guess(int **pairs, int *n_bonds, int n_atoms, const int *Z, const double *xyz, nnv_error *err)
{
    nb_list nb = {0, NULL, NULL};
    double *cut = NULL, rmax = 0;
    int *out = NULL, n = 0, rc = NNV_OK;

    *pairs = NULL;
    *n_bonds = 0;
    if (n_atoms < 2) return NNV_OK;
    cut = malloc((size_t)n_atoms * sizeof *cut);
    if (!cut) {
        rc = nnv_error_set(err, NNV_ENOMEM, "bonds: out of memory");
        goto cleanup;
    }
    for (int i = 0; i < n_atoms; i++)
        if (bonds_covalent_radius(Z[i]) > rmax) rmax = bonds_covalent_radius(Z[i]);
    /* Each atom's search radius covers its bond to the largest atom present. */
    for (int i = 0; i < n_atoms; i++) cut[i] = BONDS_SCALE * (bonds_covalent_radius(Z[i]) + rmax);
    if ((rc = nb_build(&nb, n_atoms, xyz, cut, err)) != NNV_OK) goto cleanup;
    for (int pass = 0; pass < 2; pass++) {
        n = 0;
        for (int i = 0; i < n_atoms; i++)
            for (int k = nb.offset[i]; k < nb.offset[i + 1]; k++) {
                int j = nb.index[k];
                double d2 = 0, lim = BONDS_SCALE * (bonds_covalent_radius(Z[i]) + bonds_covalent_radius(Z[j]));
                if (j <= i) continue;
                for (int c = 0; c < 3; c++) d2 += (xyz[3 * i + c] - xyz[3 * j + c]) * (xyz[3 * i + c] - xyz[3 * j + c]);
                if (d2 > lim * lim) continue;
                if (pass == 1) {
                    out[2 * n] = i;
                    out[2 * n + 1] = j;
                }
                n++;
            }
        if (pass == 0) {
            if (n == 0) goto cleanup;
            out = malloc(2 * (size_t)n * sizeof *out);
            if (!out) {
                rc = nnv_error_set(err, NNV_ENOMEM, "bonds: out of memory");
                goto cleanup;
            }
        }
    }
    qsort(out, (size_t)n, 2 * sizeof *out, cmp_pair);
    *pairs = out;
    *n_bonds = n;
    out = NULL;
cleanup:
    free(out);
    free(cut);
    nb_free(&nb);
    return rc;
}
