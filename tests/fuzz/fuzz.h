/* The entry point every fuzz harness defines: libFuzzer calls it with each
 * generated input, and replay.c calls it with each committed corpus file. */
#ifndef NNVIB_FUZZ_H
#define NNVIB_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant the harness checks failed: abort so that libFuzzer records the
 * input and the replay test fails (under ASan, with a stack trace). */
#define FUZZ_ASSERT(cond)                                                                  \
    do {                                                                                   \
        if (!(cond)) fuzz_fail(__FILE__, __LINE__, #cond);                                 \
    } while (0)

void fuzz_fail(const char *file, int line, const char *what);

#endif
