/* Neighbour lists by a cell list: atoms are binned into cubic cells as wide as
 * the largest cutoff and sorted by cell, so each atom only looks at the 27 cells
 * around its own. Cost grows linearly with the number of atoms at fixed density,
 * and memory stays O(N) however far apart the atoms are (no dense cell grid). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_internal.h"

typedef struct cell_atom {
    int64_t key[3];
    int atom;
} cell_atom;

static int cmp_key(const int64_t *a, const int64_t *b)
{
    for (int q = 0; q < 3; q++)
        if (a[q] != b[q]) return a[q] < b[q] ? -1 : 1;
    return 0;
}

static int cmp_cell_atom(const void *x, const void *y)
{
    const cell_atom *a = x, *b = y;
    int c = cmp_key(a->key, b->key);
    return c ? c : (a->atom < b->atom ? -1 : a->atom > b->atom);
}

static int cmp_int_fn(const void *x, const void *y)
{
    int a = *(const int *)x, b = *(const int *)y;
    return (a > b) - (a < b);
}

/* First entry whose key is >= key. */
static int lower_bound(const cell_atom *v, int n, const int64_t *key)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (cmp_key(v[mid].key, key) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

void nb_free(nb_list *nb)
{
    if (!nb) return;
    free(nb->offset);
    free(nb->index);
    memset(nb, 0, sizeof *nb);
}

static int push(nb_list *nb, size_t *cap, size_t n, int j)
{
    if (n == *cap) {
        size_t c = *cap ? 2 * *cap : 64;
        int *p = realloc(nb->index, c * sizeof *p);
        if (!p) return NNV_ENOMEM;
        nb->index = p;
        *cap = c;
    }
    nb->index[n] = j;
    return NNV_OK;
}

int nb_build(nb_list *out, int n, const double *xyz, const double *cutoff, nnv_error *err)
{
    cell_atom *cells = NULL;
    double lo[3] = {0, 0, 0}, width = 0.0;
    size_t cap = 0, count = 0;
    int status = NNV_OK;

    memset(out, 0, sizeof *out);
    out->n_atoms = n;
    out->offset = calloc((size_t)n + 1, sizeof *out->offset);
    cells = malloc((size_t)(n > 0 ? n : 1) * sizeof *cells);
    if (!out->offset || !cells) {
        status = nnv_error_set(err, NNV_ENOMEM, "neighbour list: out of memory");
        goto cleanup;
    }
    for (int i = 0; i < n; i++) {
        if (cutoff[i] > width) width = cutoff[i];
        for (int q = 0; q < 3; q++)
            if (i == 0 || xyz[3 * i + q] < lo[q]) lo[q] = xyz[3 * i + q];
    }
    if (!(width > 0.0)) width = 1.0;
    for (int i = 0; i < n; i++) {
        for (int q = 0; q < 3; q++) {
            /* Capping only merges far-away cells; the distance test below stays exact. */
            double c = floor((xyz[3 * i + q] - lo[q]) / width);
            cells[i].key[q] = c > 1e15 ? (int64_t)1e15 : (int64_t)c;
        }
        cells[i].atom = i;
    }
    qsort(cells, (size_t)n, sizeof *cells, cmp_cell_atom);

    for (int i = 0; i < n; i++) {
        int64_t key[3];
        double rc2 = cutoff[i] * cutoff[i];
        int64_t home[3];
        for (int q = 0; q < 3; q++) {
            double c = floor((xyz[3 * i + q] - lo[q]) / width);
            home[q] = c > 1e15 ? (int64_t)1e15 : (int64_t)c;
        }
        out->offset[i] = (int)count;
        for (int dx = -1; dx <= 1; dx++) {
            for (int dy = -1; dy <= 1; dy++) {
                for (int dz = -1; dz <= 1; dz++) {
                    int s;
                    key[0] = home[0] + dx, key[1] = home[1] + dy, key[2] = home[2] + dz;
                    for (s = lower_bound(cells, n, key); s < n && cmp_key(cells[s].key, key) == 0; s++) {
                        int j = cells[s].atom;
                        double d2 = 0.0;
                        if (j == i) continue;
                        for (int q = 0; q < 3; q++) {
                            double d = xyz[3 * j + q] - xyz[3 * i + q];
                            d2 += d * d;
                        }
                        if (d2 >= rc2) continue;
                        if (push(out, &cap, count, j) != NNV_OK) {
                            status = nnv_error_set(err, NNV_ENOMEM, "neighbour list: out of memory");
                            goto cleanup;
                        }
                        count++;
                    }
                }
            }
        }
        /* Sorted neighbours make results independent of the cell layout. */
        if (count > (size_t)out->offset[i])
            qsort(out->index + out->offset[i], count - (size_t)out->offset[i], sizeof(int), cmp_int_fn);
    }
    out->offset[n] = (int)count;
    /* Callers form index + offset[i] for every atom; with no pair at all the
     * array would still be NULL, and NULL + 0 is undefined behaviour. */
    if (!out->index && push(out, &cap, 0, -1) != NNV_OK)
        status = nnv_error_set(err, NNV_ENOMEM, "neighbour list: out of memory");
cleanup:
    free(cells);
    if (status != NNV_OK) nb_free(out);
    return status;
}

void nb_env(const nb_list *nb, int i, const int *Z, const double *xyz, int *Zn, double *rel, double *r)
{
    const int *nbr = nb->index + nb->offset[i];
    int m = nb->offset[i + 1] - nb->offset[i];
    for (int a = 0; a < m; a++) {
        int j = nbr[a];
        double d2 = 0.0;
        for (int q = 0; q < 3; q++) {
            rel[3 * a + q] = xyz[3 * j + q] - xyz[3 * i + q];
            d2 += rel[3 * a + q] * rel[3 * a + q];
        }
        r[a] = sqrt(d2);
        Zn[a] = Z[j];
    }
}
