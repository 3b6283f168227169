/* Replays a harness's committed corpus without libFuzzer: every file under
 * $NNVIB_SRCDIR/tests/fuzz/corpus/NAME/ (the minimised seeds) and
 * tests/fuzz/regress/NAME/ (inputs that once crashed) goes through the same
 * LLVMFuzzerTestOneInput. Built by `make check`, so the sanitizer stage runs
 * the corpus under ASan+UBSan. Files given as arguments are run instead. */
#define _POSIX_C_SOURCE 200809L /* opendir, readdir */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* The options harness links the CLI with its main renamed by -Dmain=...:
 * this file's main must keep its name. */
#undef main

#ifndef FUZZ_NAME
#error "compile with -DFUZZ_NAME=\"harness\""
#endif

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0, got;
    if (!f) {
        fprintf(stderr, "replay-%s: cannot open %s\n", FUZZ_NAME, path);
        return -1;
    }
    do {
        if (len == cap) {
            unsigned char *nb = realloc(buf, cap ? 2 * cap : 4096);
            if (!nb) {
                free(buf);
                fclose(f);
                return -1;
            }
            buf = nb;
            cap = cap ? 2 * cap : 4096;
        }
        got = fread(buf + len, 1, cap - len, f);
        len += got;
    } while (got > 0);
    fclose(f);
    /* An exact-size copy, so ASan sees reads past the input's end. */
    {
        unsigned char *exact = malloc(len ? len : 1);
        if (!exact) {
            free(buf);
            return -1;
        }
        if (len) memcpy(exact, buf, len);
        free(buf);
        LLVMFuzzerTestOneInput(exact, len);
        free(exact);
    }
    return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Runs every regular file of dir in name order; returns the count, -1 on error. */
static int run_dir(const char *dir, int required)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    int n = 0, cap = 0, bad = 0;
    if (!d) {
        if (required) fprintf(stderr, "replay-%s: no corpus folder %s\n", FUZZ_NAME, dir);
        return required ? -1 : 0;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            char **nn = realloc(names, (size_t)(cap ? 2 * cap : 64) * sizeof *nn);
            if (!nn) break;
            names = nn;
            cap = cap ? 2 * cap : 64;
        }
        names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
        if (!names[n]) break;
        sprintf(names[n], "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    for (int k = 0; k < n; k++) {
        if (run_file(names[k]) != 0) bad = 1;
        free(names[k]);
    }
    free(names);
    return bad ? -1 : n;
}

int main(int argc, char **argv)
{
    const char *src = getenv("NNVIB_SRCDIR");
    char dir[4096];
    int n_corpus, n_regress;
    if (argc > 1) {
        for (int k = 1; k < argc; k++)
            if (run_file(argv[k]) != 0) return 1;
        printf("replay-%s: %d inputs ran\n", FUZZ_NAME, argc - 1);
        return 0;
    }
    if (!src) src = ".";
    snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s", src, FUZZ_NAME);
    n_corpus = run_dir(dir, 1);
    snprintf(dir, sizeof dir, "%s/tests/fuzz/regress/%s", src, FUZZ_NAME);
    n_regress = run_dir(dir, 0);
    if (n_corpus < 0 || n_regress < 0) return 1;
    if (n_corpus == 0) {
        fprintf(stderr, "replay-%s: the corpus is empty\n", FUZZ_NAME);
        return 1;
    }
    printf("replay-%s: %d corpus inputs and %d regression inputs ran without a fault\n", FUZZ_NAME,
           n_corpus, n_regress);
    return 0;
}
