/* Unit tests of the n2p2 importer's refusals: a clear error, naming file and
 * line, for each class of malformed or unsupported input; missing files;
 * garbage never crashes; texts in memory (nnv_n2p2_parse) convert as files
 * do; a network larger than its weights file is refused before allocation. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "testutil.h"

/* ---- malformed and unsupported inputs: one clear error each ---------------------------- */

typedef struct bad_case {
    const char *what;
    const char *file;     /* file to patch */
    const char *old_line; /* NULL: append */
    const char *new_line; /* NULL: delete */
    const char *must[3];  /* substrings the message must contain (besides the file name) */
    int line_from_patch;  /* 1: the message must name the patched line ("line N") */
} bad_case;

#define SF_LINE "symfunction_short H 2 O 0.5 1.0 6.0"
#define ACT_LINE "global_activation_short     t p l"
#define CUT_LINE "cutoff_type          6 0.2        # POLY2 with inner cutoff alpha 0.2"
#define W1 "  1.0000000000000000E-03 a         1     0     1     1     1"
#define SC1 "         1          1    1.000   11.000    6.000    1.100"

static const bad_case BAD[] = {
    {"missing keyword", "input.nn", ACT_LINE, NULL, {"required keyword global_activation_short", NULL}, 0},
    {"missing elements", "input.nn", "elements             O H          # listed against atomic-number order on purpose",
     NULL, {"required keyword elements", NULL}, 0},
    {"unknown activation", "input.nn", ACT_LINE, "global_activation_short t x l", {"unknown activation 2 \"x\"", NULL}, 1},
    {"unsupported activation", "input.nn", ACT_LINE, "global_activation_short s t l", {"logistic", "cannot be expressed"}, 1},
    {"activation count", "input.nn", ACT_LINE, "global_activation_short t l", {"expected 3", NULL}, 1},
    {"nodes count", "input.nn", "global_nodes_short          3 2", "global_nodes_short 3", {"global_hidden_layers_short", NULL}, 1},
    {"unsupported cutoff POLY1", "input.nn", CUT_LINE, "cutoff_type 5", {"POLY1", "cannot be expressed"}, 1},
    {"unsupported cutoff HARD", "input.nn", CUT_LINE, "cutoff_type 0", {"HARD", NULL}, 1},
    {"COS with inner cutoff", "input.nn", CUT_LINE, "cutoff_type 1 0.5", {"COS", "alpha 0.5"}, 1},
    {"cutoff alpha out of range", "input.nn", CUT_LINE, "cutoff_type 6 1.0", {"outside [0, 1)", NULL}, 1},
    {"compact SF type", "input.nn", SF_LINE, "symfunction_short H 21 O H 1.0 5.0 0.0 180.0 1", {"type 21", "cannot be expressed"}, 1},
    {"unknown SF type", "input.nn", SF_LINE, "symfunction_short H 7 O 0.5 1.0 6.0", {"unknown type 7", NULL}, 1},
    {"SF field count", "input.nn", SF_LINE, "symfunction_short H 2 O 0.5 1.0", {"expected <element> 2", NULL}, 1},
    {"SF lambda", "input.nn", SF_LINE, "symfunction_short H 3 O H 0.05 0.5 2.0 6.0", {"lambda 0.5", NULL}, 1},
    {"SF zeta", "input.nn", SF_LINE, "symfunction_short H 9 O H 0.05 1 0.5 6.0", {"zeta 0.5", NULL}, 1},
    {"SF rc", "input.nn", SF_LINE, "symfunction_short H 2 O 0.5 1.0 0", {"rc 0 must be > 0", NULL}, 1},
    {"SF element", "input.nn", SF_LINE, "symfunction_short H 2 C 0.5 1.0 6.0", {"\"C\" is not in the elements list", NULL}, 1},
    {"SF number", "input.nn", SF_LINE, "symfunction_short H 2 O 0.5d0 1.0 6.0", {"eta \"0.5d0\"", NULL}, 1},
    {"partial normalisation", "input.nn", "conv_energy     2.0", NULL, {"conv_energy is missing", NULL}, 0},
    {"duplicate keyword", "input.nn", NULL, "cutoff_type 2", {"given again", NULL}, 1},
    {"element count", "input.nn", "number_of_elements   2", "number_of_elements 3", {"number_of_elements", NULL}, 0},
    {"4G potential", "input.nn", NULL, "nnp_type 4G-HDNNP", {"4G-HDNNP", "cannot be expressed"}, 1},
    {"per-element nodes", "input.nn", NULL, "element_nodes_short H 4 2", {"not supported", NULL}, 1},
    {"equal scale limits", "input.nn", "scale_max_short      1.0", "scale_max_short -1.0", {"scale_max_short = scale_min_short", NULL}, 1},
    {"no unit comment", "input.nn", "# Length unit : Angstrom", NULL, {"length unit of the training data is unknown", "--length-unit"}, 0},
    {"unknown unit comment", "input.nn", "# Energy unit : eV", "# Energy unit : kcal/mol", {"\"kcal/mol\"", NULL}, 1},
    {"weights: one value missing", "weights.008.data", " -1.0000000000000000E-03", NULL, {"28 values, expected 29", "5-3-2-1"}, 0},
    {"weights: one value too many", "weights.008.data", NULL, "0.5", {"more values than the 29", NULL}, 1},
    {"weights: not a number", "weights.008.data", " -1.0000000000000000E-03", "-1.0D-03", {"\"-1.0D-03\" is not a finite number", NULL}, 1},
    {"weights: annotation out of order", "weights.001.data", W1, "  1.0000000000000000E-03 a         1     0     1     1     2",
     {"annotation does not match", "weight from layer 0 neuron 1 to layer 1 neuron 1"}, 1},
    {"scaling: row mismatch", "scaling.data", SC1, "         1          2    1.000   11.000    6.000    1.100",
     {"symmetry function 2", "expected element index 1 (H), symmetry function 1"}, 1},
    {"scaling: row missing", "scaling.data", "         2          5  105.000  125.000  115.000    2.000", NULL, {"11 data rows, expected 12", "missing from element O symmetry function 5"}, 0},
    {"scaling: Gmax = Gmin", "scaling.data", SC1, "         1          1    1.000    1.000    6.000    1.100",
     {"sf_max = sf_min", "input.nn line 31"}, 1},
    {"scaling: columns", "scaling.data", SC1, "         1          1    1.000   11.000", {"expected 5 or 6 columns", NULL}, 1},
};

START_TEST(test_malformed)
{
    const bad_case *b = &BAD[_i];
    char *src = tu_n2p2_scrambled(), *tmp = tu_copy_to_temp(src), want_line[32];
    nnv_potential *p = NULL;
    nnv_error err = {0, ""};
    int ln = tu_patch_line(tmp, b->file, b->old_line, b->new_line), rc;
    rc = nnv_n2p2_read(&p, tmp, NULL, &err);
    ck_assert_msg(rc == NNV_EINPUT, "%s: status %d, message \"%s\"", b->what, rc, err.message);
    ck_assert_ptr_null(p);
    ck_assert_msg(strstr(err.message, b->file) != NULL, "%s: \"%s\" does not name %s", b->what, err.message,
                  b->file);
    snprintf(want_line, sizeof want_line, "line %d:", ln);
    if (b->line_from_patch)
        ck_assert_msg(strstr(err.message, want_line) != NULL, "%s: \"%s\" does not name %s", b->what, err.message,
                      want_line);
    for (int k = 0; k < 3 && b->must[k]; k++)
        ck_assert_msg(strstr(err.message, b->must[k]) != NULL, "%s: \"%s\" lacks \"%s\"", b->what, err.message,
                      b->must[k]);
    ck_assert_msg(strchr(err.message, '\n') == NULL, "%s: message is not one line", b->what);
    printf("malformed %-32s -> %s\n", b->what, err.message);
    tu_rmtree(tmp);
    free(src);
}
END_TEST

/* Missing files, and a directory that is no potential at all. */
START_TEST(test_missing_files)
{
    char *src = tu_n2p2_scrambled(), *tmp = tu_copy_to_temp(src), *f;
    nnv_potential *p = NULL;
    nnv_error err = {0, ""};
    f = tu_join(tmp, "weights.008.data");
    unlink(f);
    ck_assert_int_eq(nnv_n2p2_read(&p, tmp, NULL, &err), NNV_EIO);
    ck_assert_ptr_nonnull(strstr(err.message, "weights.008.data"));
    free(f);
    f = tu_join(tmp, "scaling.data");
    unlink(f);
    free(f);
    ck_assert_int_eq(nnv_n2p2_read(&p, tmp, NULL, &err), NNV_EIO);
    ck_assert_int_eq(nnv_n2p2_is_potential_dir(tmp), 1);
    f = tu_join(tmp, "input.nn");
    unlink(f);
    free(f);
    ck_assert_int_eq(nnv_n2p2_is_potential_dir(tmp), 0);
    ck_assert_int_eq(nnv_n2p2_read(&p, tmp, NULL, &err), NNV_EIO);
    ck_assert_ptr_nonnull(strstr(err.message, "input.nn"));
    ck_assert_ptr_null(p);
    ck_assert_int_eq(nnv_n2p2_read(NULL, tmp, NULL, &err), NNV_EUSAGE);
    tu_rmtree(tmp);
    free(src);
}
END_TEST

/* Garbage must give an error, never a crash: truncations of input.nn at
 * every 7th byte, and lines of random bytes appended to each file. */
START_TEST(test_garbage)
{
    char *src = tu_n2p2_scrambled(), *tmp = tu_copy_to_temp(src), *path = tu_join(tmp, "input.nn");
    char *orig = tu_read_file(path, NULL), *buf;
    size_t n = strlen(orig);
    unsigned seed = 12345;
    static const char *files[3] = {"input.nn", "scaling.data", "weights.001.data"};
    buf = malloc(n + 1);
    ck_assert_ptr_nonnull(buf);
    for (size_t cut = 0; cut < n; cut += 7) {
        nnv_potential *p = NULL;
        nnv_error err = {0, ""};
        memcpy(buf, orig, cut);
        buf[cut] = '\0';
        tu_write_text(path, buf);
        if (nnv_n2p2_read(&p, tmp, NULL, &err) == NNV_OK) nnv_potential_free(p);
        else ck_assert(err.message[0] != '\0' && p == NULL);
    }
    free(path);
    tu_rmtree(tmp);
    for (int trial = 0; trial < 150; trial++) {
        nnv_potential *p = NULL;
        nnv_error err = {0, ""};
        char line[64];
        int len;
        seed = seed * 1103515245u + 12345u;
        len = 1 + (int)((seed >> 16) % 60);
        for (int i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            line[i] = (char)(1 + (seed >> 16) % 255);
            if (line[i] == '\n') line[i] = ' ';
        }
        line[len] = '\0';
        tmp = tu_copy_to_temp(src);
        tu_patch_line(tmp, files[trial % 3], NULL, line);
        if (nnv_n2p2_read(&p, tmp, NULL, &err) == NNV_OK) nnv_potential_free(p);
        else ck_assert(err.message[0] != '\0' && p == NULL);
        tu_rmtree(tmp);
    }
    free(buf);
    free(orig);
    free(src);
}
END_TEST

/* An element in the list without symmetry functions. */
START_TEST(test_element_without_sf)
{
    char *src = tu_n2p2_scrambled(), *tmp = tu_copy_to_temp(src);
    nnv_potential *p = NULL;
    nnv_error err = {0, ""};
    tu_patch_line(tmp, "input.nn", "number_of_elements   2", "number_of_elements 3");
    tu_patch_line(tmp, "input.nn", "elements             O H          # listed against atomic-number order on purpose",
          "elements O H C");
    ck_assert_int_eq(nnv_n2p2_read(&p, tmp, NULL, &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "input.nn: element C has no symfunction_short lines") != NULL, "%s",
                  err.message);
    tu_rmtree(tmp);
    free(src);
}
END_TEST

/* nnv_n2p2_parse (texts in memory) is the same conversion as nnv_n2p2_read:
 * the same numbers bit for bit; it respects the given lengths (no NUL needed),
 * takes the weights in ascending atomic number and checks their count. */
START_TEST(test_parse_in_memory)
{
    char *dir = tu_n2p2_scrambled(), *path;
    char *text[4];
    size_t len[4];
    static const char *names[4] = {"input.nn", "scaling.data", "weights.001.data", "weights.008.data"};
    nnv_potential *a = tu_n2p2_convert(dir, 0, 0), *b = NULL;
    nnv_error err = {0, ""};
    const char *w[2];
    size_t wl[2];
    for (int i = 0; i < 4; i++) {
        path = tu_join(dir, names[i]);
        text[i] = tu_read_file(path, &len[i]);
        ck_assert_msg(text[i] != NULL, "cannot read %s", path);
        free(path);
    }
    w[0] = text[2], w[1] = text[3];
    wl[0] = len[2], wl[1] = len[3];
    ck_assert_int_eq(nnv_n2p2_parse(&b, text[0], len[0], text[1], len[1], w, wl, 2, "mem", NULL, &err), NNV_OK);
    ck_assert_int_eq(b->n_elements, a->n_elements);
    for (int e = 0; e < a->n_elements; e++) {
        const nnv_element_model *x = &a->elements[e], *y = &b->elements[e];
        ck_assert_int_eq(x->Z, y->Z);
        ck_assert_int_eq(x->n_sf, y->n_sf);
        ck_assert(x->E0 == y->E0);
        ck_assert(memcmp(x->sf, y->sf, (size_t)x->n_sf * sizeof *x->sf) == 0);
        ck_assert_int_eq(x->energy.n_layers, y->energy.n_layers);
        for (int l = 0; l < x->energy.n_layers; l++) {
            const nnv_layer *L = &x->energy.layers[l], *M = &y->energy.layers[l];
            ck_assert_int_eq(L->n_in, M->n_in);
            ck_assert_int_eq(L->n_out, M->n_out);
            ck_assert(memcmp(L->W, M->W, (size_t)L->n_in * (size_t)L->n_out * sizeof *L->W) == 0);
            ck_assert(memcmp(L->b, M->b, (size_t)L->n_out * sizeof *L->b) == 0);
        }
    }
    ck_assert_ptr_nonnull(strstr(b->description, "mem"));
    nnv_potential_free(b);
    b = NULL;
    /* O's weights first (the elements line order) is refused: H's network has
     * 35 values, O's file 29. */
    w[0] = text[3], w[1] = text[2];
    wl[0] = len[3], wl[1] = len[2];
    ck_assert_int_eq(nnv_n2p2_parse(&b, text[0], len[0], text[1], len[1], w, wl, 2, "mem", NULL, &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "mem/weights.001.data: 29 values, expected 35") != NULL, "%s", err.message);
    ck_assert_ptr_null(b);
    /* One weights text for two elements. */
    ck_assert_int_eq(nnv_n2p2_parse(&b, text[0], len[0], text[1], len[1], w, wl, 1, NULL, NULL, &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "n2p2: 1 weights text given for the 2 elements") != NULL, "%s", err.message);
    /* input.nn cut before the first symfunction_short line: the length counts, not a NUL. */
    {
        const char *sf = strstr(text[0], "symfunction_short");
        ck_assert_ptr_nonnull(sf);
        ck_assert_int_eq(nnv_n2p2_parse(&b, text[0], (size_t)(sf - text[0]), text[1], len[1], w, wl, 2, "mem",
                                        NULL, &err), NNV_EINPUT);
        ck_assert_msg(strstr(err.message, "required keyword symfunction_short is missing") != NULL, "%s",
                      err.message);
    }
    /* A NUL byte inside a text, as in a file. */
    ck_assert_int_eq(nnv_n2p2_parse(&b, text[0], len[0] + 1, text[1], len[1], w, wl, 2, "mem", NULL, &err),
                     NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "NUL byte") != NULL, "%s", err.message);
    /* Caller errors. */
    ck_assert_int_eq(nnv_n2p2_parse(&b, NULL, 5, text[1], len[1], w, wl, 2, "mem", NULL, &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_n2p2_parse(&b, text[0], len[0], text[1], len[1], NULL, NULL, 2, "mem", NULL, &err),
                     NNV_EUSAGE);
    ck_assert_int_eq(nnv_n2p2_parse(NULL, text[0], len[0], text[1], len[1], w, wl, 2, "mem", NULL, &err),
                     NNV_EUSAGE);
    ck_assert_ptr_null(b);
    nnv_potential_free(a);
    for (int i = 0; i < 4; i++) free(text[i]);
    free(dir);
}
END_TEST

/* A network far larger than its weights file is refused before its matrices
 * are allocated (3 x 4096 hidden nodes would need about 270 MB). */
START_TEST(test_network_larger_than_file)
{
    char *src = tu_n2p2_scrambled(), *tmp = tu_copy_to_temp(src);
    nnv_potential *p = NULL;
    nnv_error err = {0, ""};
    tu_patch_line(tmp, "input.nn", "global_hidden_layers_short  2", "global_hidden_layers_short  3");
    tu_patch_line(tmp, "input.nn", "global_nodes_short          3 2", "global_nodes_short 4096 4096 4096");
    tu_patch_line(tmp, "input.nn", "global_activation_short     t p l", "global_activation_short t t t l");
    ck_assert_int_eq(nnv_n2p2_read(&p, tmp, NULL, &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "weights.001.data: 2215 bytes cannot hold the 33599489 values") != NULL, "%s",
                  err.message);
    ck_assert_ptr_null(p);
    tu_rmtree(tmp);
    free(src);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("n2p2_errors");
    TCase *tc = tcase_create("malformed");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_malformed, 0, (int)(sizeof BAD / sizeof BAD[0]));
    tcase_add_test(tc, test_missing_files);
    tcase_add_test(tc, test_garbage);
    tcase_add_test(tc, test_element_without_sf);
    tcase_add_test(tc, test_parse_in_memory);
    tcase_add_test(tc, test_network_larger_than_file);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
