/* The base layer's internal interfaces (random numbers, atomic output files,
 * whole-file input): shared by every layer above, not installed, not exported. */
#ifndef NNVIB_BASE_INTERNAL_H
#define NNVIB_BASE_INTERNAL_H

#include <stdint.h>
#include <stdio.h>
#include <nnvib.h>

/* ---- random numbers ---------------------------------------------------------
 * splitmix64 (Steele, Lea & Flood, OOPSLA 2014): our own generator, so a seed
 * gives the same data set, initial weights and MD velocities on every libc.
 * Callers keep their own normal deviates: changing how one is drawn would
 * change committed data and weights. */
static inline uint64_t rng_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform in (0, 1) from 53 random bits, never 0 (safe under log). */
static inline double rng_open_unit(uint64_t *state)
{
    return ((double)(rng_splitmix64(state) >> 11) + 0.5) * 0x1.0p-53;
}

/* ---- atomic files (files.c) -------------------------------------------------
 * Output files are written under a temporary name in the target's folder and
 * renamed over the target only when complete, so a reader never sees half a
 * file and a failure leaves neither a partial file nor a temporary one (an
 * existing target stays as it was). Between af_open and af_commit write to
 * af->f; af_discard drops an unfinished file (no-op after af_commit). */
typedef struct af_file {
    FILE *f;
    char *tmp;        /* temporary path, NULL when closed or direct */
    const char *path; /* the target (not copied) */
    int direct;       /* the target is a device or pipe (e.g. /dev/null): written in place */
} af_file;

int af_open(af_file *af, const char *path, nnv_error *err);

/* Read a whole file (regular file or pipe) into *buf (malloc'd, free() it). */
int af_read_all(const char *path, unsigned char **buf, size_t *len, nnv_error *err);
int af_commit(af_file *af, nnv_error *err);
void af_discard(af_file *af);

/* The public atomic output file (include/nnvib/output.h): an af_file with its
 * own copy of the path, so writers of the layers above can name it. */
struct nnv_ofile {
    af_file af;
    char *path;
};

#endif
