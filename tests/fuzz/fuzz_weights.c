/* libFuzzer harness for the weights.bin reader (nnv_potential_parse). Each
 * input is parsed as given and once more with its last four bytes replaced by
 * the CRC of the rest, so that mutations reach the validation past the CRC.
 * An accepted potential must serialise and read back, and evaluating it on a
 * small molecule must give finite results or a clear error, never NaN; a
 * committee (version 2) also finite spreads, and members that write as
 * version-1 files (version 2 with a novelty block, whose d² must be >= 0). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "internal.h"

static int all_finite(const double *v, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (!isfinite(v[k])) return 0;
    return 1;
}

/* Up to four atoms of the potential's elements on a distorted tetrahedron,
 * about 1 Å apart, so every SF type sees neighbours and angles. */
static void evaluate(const nnv_potential *p)
{
    static const double pos[12] = {0.0, 0.0, 0.0,  0.96, 0.05, 0.0,
                                   -0.3, 0.91, 0.02, 0.1, 0.2, 1.05};
    int Z[4], n = 4;
    nnv_structure *s = NULL;
    nnv_result *r = NULL;
    nnv_error err = {0, ""};
    for (int i = 0; i < n; i++) Z[i] = p->elements[i % p->n_elements].Z;
    if (nnv_structure_new(&s, n, Z, pos, &err) != NNV_OK) return;
    nnv_compute_options co = {NNV_WANT_FORCES | NNV_WANT_HESSIAN | NNV_WANT_CHARGES | NNV_WANT_DIPOLE_DERIV, 0.0, 0.0};
    int rc = nnv_compute(&r, p, s, &co, &err);
    if (rc == NNV_OK) {
        size_t n3 = 3 * (size_t)n;
        FUZZ_ASSERT(isfinite(r->energy));
        FUZZ_ASSERT(all_finite(r->forces, n3));
        FUZZ_ASSERT(all_finite(r->hessian, n3 * n3));
        if (r->has_charges) {
            FUZZ_ASSERT(all_finite(r->charges, (size_t)n));
            FUZZ_ASSERT(all_finite(r->dipole, 3));
            FUZZ_ASSERT(all_finite(r->dipole_deriv, 3 * n3));
        }
        FUZZ_ASSERT(r->n_members == p->n_members);
        if (r->n_members > 0) {
            FUZZ_ASSERT(all_finite(r->member_energies, (size_t)r->n_members) && isfinite(r->energy_std) &&
                        r->energy_std >= 0.0);
            FUZZ_ASSERT(all_finite(r->member_forces, (size_t)r->n_members * n3) &&
                        all_finite(r->force_std, (size_t)n));
        }
    } else {
        FUZZ_ASSERT(r == NULL && err.code == rc && err.message[0] != '\0');
    }
    nnv_result_free(r);
    /* The novelty block (flag bit 2): a d² >= 0 per atom (+inf at most), or a clear error. */
    if (p->novelty) {
        double d2[4];
        rc = nnv_novelty(p, s, d2, &err);
        if (rc == NNV_OK)
            for (int i = 0; i < n; i++) FUZZ_ASSERT(d2[i] >= 0.0);
        else
            FUZZ_ASSERT(err.code == rc && err.message[0] != '\0');
    }
    nnv_structure_free(s);
}

static void one(const uint8_t *data, size_t size)
{
    nnv_potential *p = NULL, *q = NULL;
    nnv_error err = {0, ""};
    unsigned char *buf = NULL;
    size_t len = 0;
    int rc = nnv_potential_parse(&p, data, size, "fuzz.bin", &err);
    if (rc != NNV_OK) {
        FUZZ_ASSERT(p == NULL && rc < 0 && err.code == rc && err.message[0] != '\0');
        return;
    }
    FUZZ_ASSERT(p->n_elements >= 1);
    (void)nnv_smoothness_name(nnv_potential_smoothness(p));
    /* What the reader accepts, the writer writes, and the result reads back
     * and writes again to the same bytes. */
    FUZZ_ASSERT(nnv_potential_serialize(&buf, &len, p, &err) == NNV_OK);
    FUZZ_ASSERT(nnv_potential_parse(&q, buf, len, "round-trip", &err) == NNV_OK);
    {
        unsigned char *buf2 = NULL;
        size_t len2 = 0;
        FUZZ_ASSERT(nnv_potential_serialize(&buf2, &len2, q, &err) == NNV_OK);
        FUZZ_ASSERT(len2 == len && memcmp(buf2, buf, len) == 0);
        free(buf2);
    }
    evaluate(p);
    /* Every member of a committee comes out as a plain potential that the
     * writer accepts (version 1; version 2 when it keeps a novelty block). */
    for (int m = 0; m < p->n_members; m++) {
        nnv_potential *x = NULL;
        unsigned char *bx = NULL;
        size_t nx = 0;
        FUZZ_ASSERT(nnv_committee_member(&x, p, m, &err) == NNV_OK);
        FUZZ_ASSERT(nnv_potential_serialize(&bx, &nx, x, &err) == NNV_OK && bx[8] == (x->novelty ? 2 : 1));
        free(bx);
        nnv_potential_free(x);
    }
    free(buf);
    nnv_potential_free(q);
    nnv_potential_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    one(data, size);
    if (size > 4) {
        uint8_t *fixed = malloc(size);
        uint32_t crc;
        if (!fixed) return 0;
        memcpy(fixed, data, size);
        crc = nnv_crc32(fixed, size - 4);
        for (int k = 0; k < 4; k++) fixed[size - 4 + (size_t)k] = (uint8_t)(crc >> (8 * k));
        if (memcmp(fixed, data, size) != 0) one(fixed, size);
        free(fixed);
    }
    return 0;
}
