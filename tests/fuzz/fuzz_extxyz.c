/* libFuzzer harness for the trainer's extended-XYZ reader (ds_parse in
 * src/train/dataset.c). An accepted data set must hold usable frames, and
 * writing them out and reading them back must give the same atoms. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "train/train.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ds_set set = {0, 0, NULL}, back = {0, 0, NULL};
    nnv_error err = {0, ""};
    char *text = NULL;
    size_t len = 0;
    FILE *f;
    int rc = ds_parse(&set, (const char *)data, size, "fuzz.extxyz", &err);
    if (rc != NNV_OK) {
        FUZZ_ASSERT(rc < 0 && err.code == rc && err.message[0] != '\0');
        ds_free(&set);
        return 0;
    }
    for (int k = 0; k < set.n_frames; k++) {
        const ds_frame *fr = &set.frames[k];
        FUZZ_ASSERT(fr->n_atoms >= 1 && fr->info != NULL);
        for (int i = 0; i < fr->n_atoms; i++) {
            FUZZ_ASSERT(fr->Z[i] >= 1 && fr->Z[i] <= NNV_MAX_Z);
            for (int c = 0; c < 3; c++) FUZZ_ASSERT(isfinite(fr->xyz[3 * i + c]));
        }
    }
    f = open_memstream(&text, &len);
    if (f) {
        int ok = 1;
        for (int k = 0; k < set.n_frames && ok; k++) ok = ds_write_frame(f, &set.frames[k]) == NNV_OK;
        fclose(f);
        if (ok) {
            FUZZ_ASSERT(ds_parse(&back, text, len, "round-trip", &err) == NNV_OK);
            FUZZ_ASSERT(back.n_frames == set.n_frames);
            for (int k = 0; k < set.n_frames; k++) {
                FUZZ_ASSERT(back.frames[k].n_atoms == set.frames[k].n_atoms);
                for (int i = 0; i < set.frames[k].n_atoms; i++)
                    FUZZ_ASSERT(back.frames[k].Z[i] == set.frames[k].Z[i]);
            }
        }
        free(text);
    }
    ds_free(&back);
    ds_free(&set);
    return 0;
}
