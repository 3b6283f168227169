/* libFuzzer harness for the JCAMP-DX reader (nnv_jcamp_parse): any bytes. An
 * accepted spectrum must be usable: its point count matches its arrays, every
 * X and Y is finite, and a rejection always says why. */
#include <math.h>
#include <stdlib.h>

#include "fuzz.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nnv_jcamp_spectrum *sp = NULL;
    nnv_error err = {0, ""};
    int rc = nnv_jcamp_parse(&sp, (const char *)data, size, "fuzz.jdx", &err);
    if (rc == NNV_OK) {
        FUZZ_ASSERT(sp != NULL && sp->n_points >= 1 && sp->x && sp->y);
        for (int i = 0; i < sp->n_points; i++) FUZZ_ASSERT(isfinite(sp->x[i]) && isfinite(sp->y[i]));
        FUZZ_ASSERT(sp->title && sp->x_units && sp->y_units);
    } else {
        FUZZ_ASSERT(sp == NULL && err.message[0] != '\0');
    }
    nnv_jcamp_free(sp);
    return 0;
}
