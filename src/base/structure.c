/* structure.c: a molecule (atomic numbers, positions, masses): construction,
 * copies, masses and the centre of mass. Reading XYZ files is src/io/xyz.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/base_internal.h"

/* ---- construction -------------------------------------------------------- */

nnv_structure *st_alloc(int n_atoms, const char *comment, size_t comment_len)
{
    nnv_structure *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->n_atoms = n_atoms;
    s->Z = malloc((size_t)n_atoms * sizeof *s->Z);
    s->xyz = malloc((size_t)n_atoms * 3 * sizeof *s->xyz);
    s->masses = malloc((size_t)n_atoms * sizeof *s->masses);
    s->comment = malloc(comment_len + 1);
    if (!s->Z || !s->xyz || !s->masses || !s->comment) {
        nnv_structure_free(s);
        return NULL;
    }
    if (comment_len) memcpy(s->comment, comment, comment_len);
    s->comment[comment_len] = '\0';
    return s;
}

int nnv_structure_new(nnv_structure **out, int n_atoms, const int *Z, const double *xyz,
                      nnv_error *err)
{
    nnv_structure *s = NULL;
    int rc = NNV_OK;
    if (!out) return nnv_error_set(err, NNV_EUSAGE, "nnv_structure_new: out is NULL");
    *out = NULL;
    if (n_atoms < 1 || n_atoms > ST_MAX_ATOMS || !Z || !xyz)
        return nnv_error_set(err, NNV_EUSAGE, "nnv_structure_new: need 1..%d atoms, got %d",
                             ST_MAX_ATOMS, n_atoms);
    for (int i = 0; i < n_atoms; i++) {
        if (Z[i] < 1 || Z[i] > NNV_MAX_Z)
            return nnv_error_set(err, NNV_EINPUT, "atom %d: atomic number %d out of range 1..%d",
                                 i + 1, Z[i], NNV_MAX_Z);
        for (int c = 0; c < 3; c++)
            if (!isfinite(xyz[3 * i + c]))
                return nnv_error_set(err, NNV_EINPUT, "atom %d: non-finite coordinate %c",
                                     i + 1, "xyz"[c]);
    }
    s = st_alloc(n_atoms, "", 0);
    if (!s) {
        rc = nnv_error_set(err, NNV_ENOMEM, "out of memory for a structure of %d atoms", n_atoms);
        goto cleanup;
    }
    memcpy(s->Z, Z, (size_t)n_atoms * sizeof *Z);
    memcpy(s->xyz, xyz, (size_t)n_atoms * 3 * sizeof *xyz);
    for (int i = 0; i < n_atoms; i++) s->masses[i] = nnv_element_mass(Z[i]);
    *out = s;
    s = NULL;
cleanup:
    nnv_structure_free(s);
    return rc;
}

int nnv_structure_copy(nnv_structure **out, const nnv_structure *s, nnv_error *err)
{
    nnv_structure *c = NULL;
    int rc = NNV_OK;
    if (!out || !s) return nnv_error_set(err, NNV_EUSAGE, "nnv_structure_copy: NULL argument");
    *out = NULL;
    c = st_alloc(s->n_atoms, s->comment ? s->comment : "", s->comment ? strlen(s->comment) : 0);
    if (!c) {
        rc = nnv_error_set(err, NNV_ENOMEM, "out of memory copying a structure of %d atoms",
                           s->n_atoms);
        goto cleanup;
    }
    memcpy(c->Z, s->Z, (size_t)s->n_atoms * sizeof *c->Z);
    memcpy(c->xyz, s->xyz, (size_t)s->n_atoms * 3 * sizeof *c->xyz);
    memcpy(c->masses, s->masses, (size_t)s->n_atoms * sizeof *c->masses);
    *out = c;
    c = NULL;
cleanup:
    nnv_structure_free(c);
    return rc;
}

int nnv_structure_set_mass(nnv_structure *s, int index, double mass, nnv_error *err)
{
    if (!s) return nnv_error_set(err, NNV_EUSAGE, "nnv_structure_set_mass: structure is NULL");
    if (index < 0 || index >= s->n_atoms)
        return nnv_error_set(err, NNV_EUSAGE, "mass override: atom %d does not exist (1..%d)",
                             index + 1, s->n_atoms);
    if (!isfinite(mass) || mass <= 0.0)
        return nnv_error_set(err, NNV_EUSAGE,
                             "mass override for atom %d: mass must be finite and > 0, got %g",
                             index + 1, mass);
    s->masses[index] = mass;
    return NNV_OK;
}

void nnv_structure_com(const nnv_structure *s, double com[3])
{
    double m = 0.0;
    com[0] = com[1] = com[2] = 0.0;
    if (!s) return;
    for (int i = 0; i < s->n_atoms; i++) {
        m += s->masses[i];
        for (int c = 0; c < 3; c++) com[c] += s->masses[i] * s->xyz[3 * i + c];
    }
    if (m > 0.0)
        for (int c = 0; c < 3; c++) com[c] /= m;
}

void nnv_structure_free(nnv_structure *s)
{
    if (!s) return;
    FREE_ALL(s->Z, s->xyz, s->masses, s->comment, s);
}
