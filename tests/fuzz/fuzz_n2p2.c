/* libFuzzer harness for the n2p2 importer (nnv_n2p2_parse, the in-memory core
 * of nnv_n2p2_read). An input is the potential's files joined by NUL bytes:
 *
 *   input.nn \0 scaling.data \0 weights(lowest Z) \0 weights(next Z) ...
 *
 * (NUL separates because no text file may hold one: the importer refuses it.)
 * An accepted potential must match the element count, serialise, read back
 * and evaluate to finite numbers or a clear error; a rejection must say why. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "internal.h"

#define MAX_PARTS 16

static int all_finite(const double *v, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (!isfinite(v[k])) return 0;
    return 1;
}

/* Three atoms of the potential's elements about 1 Å apart, so every SF type
 * sees neighbours and an angle. */
static void evaluate(const nnv_potential *p)
{
    static const double pos[9] = {0.0, 0.0, 0.0, 0.96, 0.05, 0.0, -0.3, 0.91, 0.02};
    int Z[3], n = 3;
    nnv_structure *s = NULL;
    nnv_result *r = NULL;
    nnv_error err = {0, ""};
    for (int i = 0; i < n; i++) Z[i] = p->elements[i % p->n_elements].Z;
    if (nnv_structure_new(&s, n, Z, pos, &err) != NNV_OK) return;
    int rc = nnv_compute(&r, p, s, &(nnv_compute_options){.want = NNV_WANT_FORCES | NNV_WANT_HESSIAN}, &err);
    if (rc == NNV_OK) {
        size_t n3 = 3 * (size_t)n;
        FUZZ_ASSERT(isfinite(r->energy));
        FUZZ_ASSERT(all_finite(r->forces, n3));
        FUZZ_ASSERT(all_finite(r->hessian, n3 * n3));
    } else {
        FUZZ_ASSERT(r == NULL && err.code == rc && err.message[0] != '\0');
    }
    nnv_result_free(r);
    nnv_structure_free(s);
}

static void check_accepted(nnv_potential *p, int n_weights)
{
    nnv_potential *q = NULL;
    nnv_error err = {0, ""};
    unsigned char *buf = NULL;
    size_t len = 0;
    FUZZ_ASSERT(p->n_elements >= 1 && p->n_elements == n_weights);
    FUZZ_ASSERT(p->description != NULL);
    FUZZ_ASSERT(nnv_potential_serialize(&buf, &len, p, &err) == NNV_OK);
    FUZZ_ASSERT(nnv_potential_parse(&q, buf, len, "round-trip", &err) == NNV_OK);
    FUZZ_ASSERT(q->n_elements == p->n_elements);
    free(buf);
    nnv_potential_free(q);
    evaluate(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *part[MAX_PARTS];
    size_t len[MAX_PARTS];
    int n = 0;
    size_t start = 0;
    nnv_potential *p = NULL;
    nnv_error err = {0, ""};
    int rc;

    for (size_t i = 0; i <= size && n < MAX_PARTS; i++)
        if (i == size || data[i] == 0) {
            part[n] = (const char *)data + start;
            len[n] = i - start;
            n++;
            start = i + 1;
        }
    if (n < 2) { /* no scaling.data: the importer sees an empty one */
        part[1] = NULL;
        len[1] = 0;
        n = 2;
    }
    /* Units from the input.nn comments, as nnvib convert does by default. */
    rc = nnv_n2p2_parse(&p, part[0], len[0], part[1], len[1], part + 2, len + 2, n - 2, "fuzz", NULL, &err);
    if (rc == NNV_OK) {
        FUZZ_ASSERT(p != NULL);
        check_accepted(p, n - 2);
        nnv_potential_free(p);
        /* Explicit units other than the comments': other conversion factors
         * (and the warning path); must again succeed or fail cleanly. */
        {
            nnv_n2p2_options opt = {NNV_N2P2_BOHR, NNV_N2P2_HARTREE};
            nnv_error err2 = {0, ""};
            p = NULL;
            rc = nnv_n2p2_parse(&p, part[0], len[0], part[1], len[1], part + 2, len + 2, n - 2, NULL, &opt,
                                &err2);
            if (rc == NNV_OK) {
                check_accepted(p, n - 2);
                nnv_potential_free(p);
            } else {
                FUZZ_ASSERT(p == NULL && rc < 0 && err2.code == rc && err2.message[0] != '\0');
            }
        }
    } else {
        FUZZ_ASSERT(p == NULL && rc < 0 && err.code == rc && err.message[0] != '\0');
    }
    return 0;
}
