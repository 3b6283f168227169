/* Checks and helpers shared by the file writers (CML, Molden, extended XYZ):
 * consistent, finite inputs and a one-line title safe for each format. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <math.h>
#include <string.h>

#include "output/output_internal.h"

static int finite_all(const double *x, size_t n, size_t *bad)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) {
            *bad = i;
            return 0;
        }
    return 1;
}

int out_check(const char *what, const char *path, const nnv_structure *s, const nnv_result *r,
              const nnv_vib *v, nnv_error *err)
{
    size_t n3, bad = 0;

    if (!path || !*path) return nnv_error_set(err, NNV_EUSAGE, "%s: no output file name", what);
    if (!s || s->n_atoms < 1 || !s->Z || !s->xyz)
        return nnv_error_set(err, NNV_EUSAGE, "%s (%s): no structure", what, path);
    n3 = 3 * (size_t)s->n_atoms;
    if (r && r->n_atoms != s->n_atoms)
        return nnv_error_set(err, NNV_EUSAGE, "%s (%s): results for %d atoms, structure has %d", what, path,
                             r->n_atoms, s->n_atoms);
    if (v && v->n_atoms != s->n_atoms)
        return nnv_error_set(err, NNV_EUSAGE, "%s (%s): analysis for %d atoms, structure has %d", what, path,
                             v->n_atoms, s->n_atoms);
    for (int i = 0; i < s->n_atoms; i++)
        if (!nnv_element_symbol(s->Z[i]))
            return nnv_error_set(err, NNV_EINPUT, "%s (%s): atom %d: atomic number %d out of range", what, path,
                                 i + 1, s->Z[i]);
    if (!finite_all(s->xyz, n3, &bad))
        return nnv_error_set(err, NNV_EINPUT, "%s (%s): atom %zu: non-finite position", what, path, bad / 3 + 1);
    if (s->masses && !finite_all(s->masses, (size_t)s->n_atoms, &bad))
        return nnv_error_set(err, NNV_EINPUT, "%s (%s): atom %zu: non-finite mass", what, path, bad + 1);
    if (r && !isfinite(r->energy)) return nnv_error_set(err, NNV_EINPUT, "%s (%s): non-finite energy", what, path);
    if (r && r->has_charges && r->charges && !finite_all(r->charges, (size_t)s->n_atoms, &bad))
        return nnv_error_set(err, NNV_EINPUT, "%s (%s): atom %zu: non-finite charge", what, path, bad + 1);
    if (v && v->n_modes > 0) {
        size_t m = (size_t)v->n_modes;
        if (v->n_modes > (int)n3 || !v->frequencies || !v->modes)
            return nnv_error_set(err, NNV_EUSAGE, "%s (%s): inconsistent analysis (%d modes)", what, path,
                                 v->n_modes);
        if (!finite_all(v->frequencies, m, &bad))
            return nnv_error_set(err, NNV_EINPUT, "%s (%s): mode %zu: non-finite frequency", what, path, bad + 1);
        if (!finite_all(v->modes, m * n3, &bad))
            return nnv_error_set(err, NNV_EINPUT, "%s (%s): mode %zu: non-finite displacement", what, path,
                                 bad / n3 + 1);
        if (v->ir_intensities && !finite_all(v->ir_intensities, m, &bad))
            return nnv_error_set(err, NNV_EINPUT, "%s (%s): mode %zu: non-finite IR intensity", what, path,
                                 bad + 1);
        if (v->reduced_masses && !finite_all(v->reduced_masses, m, &bad))
            return nnv_error_set(err, NNV_EINPUT, "%s (%s): mode %zu: non-finite reduced mass", what, path,
                                 bad + 1);
        if (v->force_constants && !finite_all(v->force_constants, m, &bad))
            return nnv_error_set(err, NNV_EINPUT, "%s (%s): mode %zu: non-finite force constant", what, path,
                                 bad + 1);
    }
    return NNV_OK;
}

void out_title(char *dst, size_t n, const char *title, const char *avoid, const char *repl)
{
    size_t i = 0;

    if (n == 0) return;
    for (; title && *title && i + 1 < n; title++) {
        unsigned char c = (unsigned char)*title;
        const char *hit = avoid ? strchr(avoid, (char)c) : NULL;
        if (c < 0x20 || c == 0x7f) dst[i++] = ' ';
        else if (hit && c) dst[i++] = repl[hit - avoid];
        else dst[i++] = (char)c;
    }
    /* A cut must not split a UTF-8 sequence: drop its lead and continuation bytes. */
    if (title && *title && i > 0) {
        size_t j = i;
        while (j > 0 && ((unsigned char)dst[j - 1] & 0xC0) == 0x80) j--;
        if (j > 0 && ((unsigned char)dst[j - 1] & 0xC0) == 0xC0) {
            unsigned char lead = (unsigned char)dst[j - 1];
            size_t len = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
            if (i - (j - 1) < len) i = j - 1;
        }
    }
    while (i > 0 && dst[i - 1] == ' ') i--;
    dst[i] = '\0';
}
