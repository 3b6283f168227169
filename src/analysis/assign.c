/* Assignment of computed modes to reference bands: the Hungarian algorithm for
 * a rectangular cost matrix, the expansion of degenerate bands into slots, and
 * the error metrics (MAE, RMSE, max, least-squares scale factor). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_internal.h"

/* A cost matrix larger than this is refused rather than allocated and
 * worked on for minutes (the algorithm is cubic): 2000 modes x 2000 bands is
 * far beyond any molecule whose fundamentals are tabulated. */
#define ASSIGN_MAX_ENTRIES 4000000.0
/* Weight of the tie-breaking Δν² term in nnv_assign_modes, per cm⁻¹. */
#define ASSIGN_TIE_BREAK 1e-7
/* Added to the cost of a pair of different species (asg_assign_masked). */
#define ASSIGN_FORBIDDEN 1e7

/* Rows 1..n to distinct columns 1..m (n <= m), minimum total cost: the
 * shortest-augmenting-path form of the Hungarian method with row and column
 * potentials u, v (Kuhn 1955; Munkres 1957; Jonker & Volgenant, Computing 38,
 * 325 (1987)). One row is added per phase; each phase is O(nm), so O(n²m).
 * c(i, j) reads the cost of 0-based row i, column j. p[j] = row of column j. */
static int hungarian(int n, int m, const double *cost, int transposed, int *row_col)
{
    double *u = calloc((size_t)n + 1, sizeof *u), *v = calloc((size_t)m + 1, sizeof *v);
    double *minv = malloc(((size_t)m + 1) * sizeof *minv);
    int *p = calloc((size_t)m + 1, sizeof *p), *way = calloc((size_t)m + 1, sizeof *way);
    char *used = malloc((size_t)m + 1);
    int rc = NNV_OK;
    if (!u || !v || !minv || !p || !way || !used) {
        rc = NNV_ENOMEM;
        goto cleanup;
    }
#define C(i, j) (transposed ? cost[(size_t)(j) * (size_t)n + (size_t)(i)] : cost[(size_t)(i) * (size_t)m + (size_t)(j)])
    for (int i = 1; i <= n; i++) {
        int j0 = 0;
        p[0] = i;
        for (int j = 0; j <= m; j++) {
            minv[j] = HUGE_VAL;
            used[j] = 0;
        }
        do {
            int i0 = p[j0], j1 = 0;
            double delta = HUGE_VAL;
            used[j0] = 1;
            for (int j = 1; j <= m; j++) {
                if (used[j]) continue;
                double cur = C(i0 - 1, j - 1) - u[i0] - v[j];
                if (cur < minv[j]) {
                    minv[j] = cur;
                    way[j] = j0;
                }
                /* j1 == 0: some free column is always taken, so j1 stays a
                 * valid column even if a reduced cost overflowed to +inf. */
                if (minv[j] < delta || j1 == 0) {
                    delta = minv[j];
                    j1 = j;
                }
            }
            for (int j = 0; j <= m; j++) {
                if (used[j]) {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
        } while (p[j0] != 0);
        do {
            int j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
        } while (j0);
    }
#undef C
    for (int i = 0; i < n; i++) row_col[i] = -1;
    for (int j = 1; j <= m; j++)
        if (p[j] > 0) row_col[p[j] - 1] = j - 1;
cleanup:
    FREE_ALL(u, v, minv, p, way, used);
    return rc;
}

int asg_min_cost(int n_rows, int n_cols, const double *cost, int *row_col, double *total, nnv_error *err)
{
    int *col_row = NULL, rc = NNV_OK;
    double sum = 0;
    if (total) *total = 0;
    if (n_rows < 0 || n_cols < 0)
        return nnv_error_set(err, NNV_EUSAGE, "asg_min_cost: negative size %d x %d", n_rows, n_cols);
    if ((double)n_rows * (double)n_cols > ASSIGN_MAX_ENTRIES)
        return nnv_error_set(err, NNV_EUSAGE, "asg_min_cost: %d x %d cost matrix is too large", n_rows,
                             n_cols);
    if (n_rows > 0 && !row_col) return nnv_error_set(err, NNV_EUSAGE, "asg_min_cost: no output array");
    for (int i = 0; i < n_rows; i++) row_col[i] = -1;
    if (n_rows == 0 || n_cols == 0) return NNV_OK;
    if (!cost) return nnv_error_set(err, NNV_EUSAGE, "asg_min_cost: no cost matrix");
    for (size_t k = 0; k < (size_t)n_rows * (size_t)n_cols; k++)
        if (!isfinite(cost[k]))
            return nnv_error_set(err, NNV_EUSAGE, "asg_min_cost: cost of row %zu, column %zu is not finite",
                                 k / (size_t)n_cols + 1, k % (size_t)n_cols + 1);
    if (n_rows <= n_cols) {
        rc = hungarian(n_rows, n_cols, cost, 0, row_col);
    } else {
        /* More rows than columns: assign the columns to rows instead. */
        col_row = malloc((size_t)n_cols * sizeof *col_row);
        if (!col_row) return nnv_error_set(err, NNV_ENOMEM, "asg_min_cost: out of memory");
        rc = hungarian(n_cols, n_rows, cost, 1, col_row);
        if (rc == NNV_OK)
            for (int j = 0; j < n_cols; j++)
                if (col_row[j] >= 0) row_col[col_row[j]] = j;
    }
    if (rc != NNV_OK) {
        free(col_row);
        return nnv_error_set(err, rc, "asg_min_cost: out of memory");
    }
    for (int i = 0; i < n_rows; i++)
        if (row_col[i] >= 0) sum += cost[(size_t)i * (size_t)n_cols + (size_t)row_col[i]];
    if (total) *total = sum;
    free(col_row);
    return NNV_OK;
}

int nnv_compare_frequencies(nnv_metrics *m, int n, const double *calc, const double *ref, nnv_error *err)
{
    double sa = 0, s2 = 0, mx = 0, ss = 0, cr = 0, cc = 0, sa2 = 0, s22 = 0, mx2 = 0, c;
    if (!m) return nnv_error_set(err, NNV_EUSAGE, "nnv_compare_frequencies: no output");
    memset(m, 0, sizeof *m);
    m->mae = m->rmse = m->max_abs = m->mean_signed = m->scale = NAN;
    m->mae_scaled = m->rmse_scaled = m->max_abs_scaled = NAN;
    if (n < 0 || (n > 0 && (!calc || !ref)))
        return nnv_error_set(err, NNV_EUSAGE, "nnv_compare_frequencies: bad arguments (n = %d)", n);
    for (int i = 0; i < n; i++)
        if (!isfinite(calc[i]) || !isfinite(ref[i]))
            return nnv_error_set(err, NNV_EUSAGE, "nnv_compare_frequencies: pair %d is not finite", i + 1);
    m->n_pairs = n;
    if (n == 0) return NNV_OK;
    for (int i = 0; i < n; i++) {
        double d = calc[i] - ref[i];
        sa += fabs(d);
        s2 += d * d;
        ss += d;
        if (fabs(d) > mx) mx = fabs(d);
        cr += calc[i] * ref[i];
        cc += calc[i] * calc[i];
    }
    m->mae = sa / n;
    m->rmse = sqrt(s2 / n);
    m->max_abs = mx;
    m->mean_signed = ss / n;
    /* c minimises Σ (c ν_calc − ν_ref)² (the usual frequency scale factor,
     * e.g. Scott & Radom, J. Phys. Chem. 100, 16502 (1996)). */
    if (cc > 0) {
        c = cr / cc;
        m->scale = c;
        for (int i = 0; i < n; i++) {
            double d = c * calc[i] - ref[i];
            sa2 += fabs(d);
            s22 += d * d;
            if (fabs(d) > mx2) mx2 = fabs(d);
        }
        m->mae_scaled = sa2 / n;
        m->rmse_scaled = sqrt(s22 / n);
        m->max_abs_scaled = mx2;
    }
    return NNV_OK;
}

void nnv_assignment_free(nnv_assignment *a)
{
    if (!a) return;
    FREE_ALL(a->calc_band, a->band_n_calc, a->band_calc, a);
}

int nnv_assign_modes(nnv_assignment **out, int n_calc, const double *freq_calc, const nnv_reference *ref,
                     nnv_error *err)
{
    return asg_assign_masked(out, n_calc, freq_calc, ref, NULL, err);
}

int asg_assign_masked(nnv_assignment **out, int n_calc, const double *freq_calc, const nnv_reference *ref,
                      const unsigned char *allowed, nnv_error *err)
{
    nnv_assignment *a = NULL;
    int *real = NULL, *slot_band = NULL, *row_col = NULL, n_real = 0, n_slots = 0, n_imag = 0, rc = NNV_OK;
    double *cost = NULL, *pc = NULL, *pr = NULL;
    int np = 0;

    if (!out) return nnv_error_set(err, NNV_EUSAGE, "nnv_assign_modes: no output pointer");
    *out = NULL;
    if (n_calc < 0 || (n_calc > 0 && !freq_calc) || !ref || ref->n_bands < 0 || (ref->n_bands > 0 && !ref->bands))
        return nnv_error_set(err, NNV_EUSAGE, "nnv_assign_modes: bad arguments");
    for (int i = 0; i < n_calc; i++)
        if (!isfinite(freq_calc[i]))
            return nnv_error_set(err, NNV_EUSAGE, "nnv_assign_modes: computed mode %d is not finite", i + 1);
    for (int b = 0; b < ref->n_bands; b++) {
        if (!isfinite(ref->bands[b].freq) || ref->bands[b].degeneracy < 1 || ref->bands[b].degeneracy > 1000)
            return nnv_error_set(err, NNV_EUSAGE, "%s: band %d: bad frequency or degeneracy", ref->name, b + 1);
        if (ref->bands[b].freq > 0) n_slots += ref->bands[b].degeneracy;
    }

    a = calloc(1, sizeof *a);
    if (!a) goto nomem;
    a->n_calc = n_calc;
    a->n_bands = ref->n_bands;
    a->calc_band = malloc(((size_t)n_calc + 1) * sizeof *a->calc_band);
    a->band_n_calc = calloc((size_t)ref->n_bands + 1, sizeof *a->band_n_calc);
    a->band_calc = malloc(((size_t)ref->n_bands + 1) * sizeof *a->band_calc);
    real = malloc(((size_t)n_calc + 1) * sizeof *real);
    slot_band = malloc(((size_t)n_slots + 1) * sizeof *slot_band);
    if (!a->calc_band || !a->band_n_calc || !a->band_calc || !real || !slot_band) goto nomem;
    for (int i = 0; i < n_calc; i++) {
        a->calc_band[i] = -1;
        if (freq_calc[i] < 0) n_imag++;
        else real[n_real++] = i;
    }
    for (int b = 0, s = 0; b < ref->n_bands; b++)
        if (ref->bands[b].freq > 0)
            for (int g = 0; g < ref->bands[b].degeneracy; g++) slot_band[s++] = b;

    if ((double)n_real * (double)n_slots > ASSIGN_MAX_ENTRIES) {
        rc = nnv_error_set(err, NNV_EINPUT, "%s: %d bands x %d modes: too many to assign", ref->name, n_slots, n_real);
        goto cleanup;
    }
    cost = calloc((size_t)n_real * (size_t)n_slots + 1, sizeof *cost);
    row_col = malloc(((size_t)n_real + 1) * sizeof *row_col);
    if (!cost || !row_col) goto nomem;
    /* Σ|Δν| alone is often tied: when every computed mode lies on one side of
     * its bands, many assignments cost exactly the same, and rounding in the
     * eigensolver (e.g. the BLAS thread count) then picks one at random. A
     * small quadratic term breaks the tie towards the order-preserving
     * assignment; it can only prefer an assignment whose Σ|Δν| is larger by
     * ASSIGN_TIE_BREAK·ΔΣΔν² (< 0.01 cm⁻¹ per mode for errors below 300 cm⁻¹). */
    for (int i = 0; i < n_real; i++)
        for (int s = 0; s < n_slots; s++) {
            double d = freq_calc[real[i]] - ref->bands[slot_band[s]].freq;
            cost[(size_t)i * (size_t)n_slots + (size_t)s] = fabs(d) + ASSIGN_TIE_BREAK * d * d;
            if (allowed && !allowed[(size_t)real[i] * (size_t)ref->n_bands + (size_t)slot_band[s]])
                cost[(size_t)i * (size_t)n_slots + (size_t)s] += ASSIGN_FORBIDDEN;
        }
    rc = asg_min_cost(n_real, n_slots, cost, row_col, NULL, err);
    if (rc != NNV_OK) goto cleanup;
    /* a forbidden pair is taken only when the species counts leave no other
     * choice: it is no assignment */
    for (int i = 0; i < n_real; i++)
        if (allowed && row_col[i] >= 0 &&
            !allowed[(size_t)real[i] * (size_t)ref->n_bands + (size_t)slot_band[row_col[i]]])
            row_col[i] = -1;
    a->total_cost = 0.0;
    for (int i = 0; i < n_real; i++)
        if (row_col[i] >= 0) a->total_cost += fabs(freq_calc[real[i]] - ref->bands[slot_band[row_col[i]]].freq);

    for (int b = 0; b < ref->n_bands; b++) a->band_calc[b] = 0;
    for (int i = 0; i < n_real; i++) {
        if (row_col[i] < 0) continue;
        int b = slot_band[row_col[i]];
        a->calc_band[real[i]] = b;
        a->band_n_calc[b]++;
        a->band_calc[b] += freq_calc[real[i]];
    }
    pc = malloc(((size_t)ref->n_bands + 1) * sizeof *pc);
    pr = malloc(((size_t)ref->n_bands + 1) * sizeof *pr);
    if (!pc || !pr) goto nomem;
    for (int b = 0; b < ref->n_bands; b++) {
        if (a->band_n_calc[b] == 0) {
            a->band_calc[b] = NAN;
            continue;
        }
        a->band_calc[b] /= a->band_n_calc[b];
        pc[np] = a->band_calc[b];
        pr[np] = ref->bands[b].freq;
        np++;
    }
    rc = nnv_compare_frequencies(&a->metrics, np, pc, pr, err);
    if (rc != NNV_OK) goto cleanup;
    a->metrics.n_imaginary = n_imag;
    a->metrics.n_unassigned_ref = ref->n_bands - np;
    a->metrics.n_unassigned_calc = 0;
    for (int i = 0; i < n_real; i++)
        if (row_col[i] < 0) a->metrics.n_unassigned_calc++;
    goto cleanup;

nomem:
    rc = nnv_error_set(err, NNV_ENOMEM, "nnv_assign_modes: out of memory");
cleanup:
    if (rc == NNV_OK) *out = a;
    else nnv_assignment_free(a);
    FREE_ALL(real, slot_band, row_col, cost, pc, pr);
    return rc;
}
