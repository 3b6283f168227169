/* libFuzzer harness for the reference-spectrum reader (nnv_reference_parse):
 * any bytes. An accepted reference must be usable by the assignment: at least
 * one band, finite frequencies, degeneracies >= 1, strings present; and the
 * assignment of a few made-up modes to it must succeed. A rejection says why. */
#include <math.h>
#include <stdlib.h>

#include "fuzz.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nnv_reference *r = NULL;
    nnv_assignment *a = NULL;
    nnv_error err = {0, ""};
    static const double modes[] = {-120.0, 500.0, 1595.0, 1600.0, 3000.0, 3700.0};
    int rc = nnv_reference_parse(&r, (const char *)data, size, "fuzz.tsv", &err);
    if (rc == NNV_OK) {
        FUZZ_ASSERT(r != NULL && r->n_bands >= 1 && r->bands && r->name && r->molecule && r->point_group);
        for (int i = 0; i < r->n_bands; i++) {
            const nnv_ref_band *b = &r->bands[i];
            FUZZ_ASSERT(isfinite(b->freq) && b->degeneracy >= 1);
            FUZZ_ASSERT(b->mode && b->symmetry && b->source && b->notes);
            FUZZ_ASSERT(b->ir_active >= -1 && b->ir_active <= 1);
        }
        if (r->n_bands <= 1000) {
            rc = nnv_assign_modes(&a, 6, modes, r, &err);
            FUZZ_ASSERT(rc == NNV_OK && a != NULL);
            FUZZ_ASSERT(a->metrics.n_imaginary == 1);
        }
    } else {
        FUZZ_ASSERT(r == NULL && err.message[0] != '\0');
    }
    nnv_assignment_free(a);
    nnv_reference_free(r);
    return 0;
}
