/* libFuzzer harness for the XYZ readers: nnv_structure_parse_xyz on any bytes,
 * frames 0 and 1, then the frame iterator over all of them. A structure that
 * is accepted must be usable: finite coordinates, known elements, positive
 * masses, atoms at least 0.1 Å apart; the iterator ends, frame by frame. */
#include <math.h>
#include <stdlib.h>

#include "fuzz.h"
#include "internal.h"

static void check_structure(const nnv_structure *s)
{
    FUZZ_ASSERT(s->n_atoms >= 1 && s->comment != NULL);
    for (int i = 0; i < s->n_atoms; i++) {
        FUZZ_ASSERT(s->Z[i] >= 1 && s->Z[i] <= NNV_MAX_Z);
        FUZZ_ASSERT(isfinite(s->masses[i]) && s->masses[i] > 0.0);
        for (int c = 0; c < 3; c++) FUZZ_ASSERT(isfinite(s->xyz[3 * i + c]));
    }
    /* The 0.1 Å rule, checked by brute force on small structures (the reader
     * uses a cell list, so this is an independent check). */
    if (s->n_atoms <= 200)
        for (int i = 0; i < s->n_atoms; i++)
            for (int j = i + 1; j < s->n_atoms; j++) {
                double r2 = 0.0;
                for (int c = 0; c < 3; c++) {
                    double d = s->xyz[3 * j + c] - s->xyz[3 * i + c];
                    r2 += d * d;
                }
                FUZZ_ASSERT(r2 >= 0.01);
            }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int frame = 0; frame < 2; frame++) {
        nnv_structure *s = NULL, *c = NULL;
        nnv_error err = {0, ""};
        int rc = nnv_structure_parse_xyz(&s, (const char *)data, size, "fuzz.xyz", frame, &err);
        if (rc == NNV_OK) {
            double com[3];
            FUZZ_ASSERT(s != NULL);
            check_structure(s);
            int moderate = 1;
            for (int k = 0; k < 3 * s->n_atoms; k++)
                if (fabs(s->xyz[k]) > 1e150) moderate = 0;
            nnv_structure_com(s, com);
            if (moderate)
                for (int k = 0; k < 3; k++) FUZZ_ASSERT(isfinite(com[k]));
            FUZZ_ASSERT(nnv_structure_copy(&c, s, &err) == NNV_OK);
        } else {
            /* A rejection always says why. */
            FUZZ_ASSERT(s == NULL && rc < 0 && err.code == rc && err.message[0] != '\0');
        }
        nnv_structure_free(c);
        nnv_structure_free(s);
    }
    {
        nnv_xyz_reader *r = NULL;
        nnv_error err = {0, ""};
        int last = -1;
        FUZZ_ASSERT(nnv_xyz_open_memory(&r, (const char *)data, size, "fuzz.xyz", &err) == NNV_OK);
        /* Every call reads a frame or ends the file, and a frame takes a line
         * at least: never more calls than lines, plus the one that ends. */
        for (size_t calls = 0;; calls++) {
            nnv_structure *s = NULL;
            int rc = nnv_xyz_next(r, &s, &err);
            FUZZ_ASSERT(calls <= size + 1);
            if (rc == NNV_OK && !s) break;
            if (rc == NNV_OK) check_structure(s);
            else FUZZ_ASSERT(s == NULL && rc < 0 && err.code == rc && err.message[0] != '\0');
            FUZZ_ASSERT(nnv_xyz_frame(r) == last + 1);
            last = nnv_xyz_frame(r);
            nnv_structure_free(s);
        }
        nnv_xyz_close(r);
    }
    return 0;
}
