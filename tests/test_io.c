/* Unit tests of the inputs common to every reader: element data, CRC-32, and
 * the weights.bin reader/writer on the shared conformance vectors (valid
 * files round-trip to the byte, invalid ones are refused naming the field).
 * The structure inputs are in test_xyz.c, the spec layout in test_weights.c. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, opendir */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "testutil.h"

/* ==== elements ============================================================== */

START_TEST(test_element_symbols)
{
    ck_assert_str_eq(nnv_element_symbol(1), "H");
    ck_assert_str_eq(nnv_element_symbol(17), "Cl");
    ck_assert_str_eq(nnv_element_symbol(26), "Fe");
    ck_assert_str_eq(nnv_element_symbol(54), "Xe");
    ck_assert_str_eq(nnv_element_symbol(92), "U");
    ck_assert_str_eq(nnv_element_symbol(118), "Og");
    ck_assert_ptr_null(nnv_element_symbol(0));
    ck_assert_ptr_null(nnv_element_symbol(119));
    ck_assert_ptr_null(nnv_element_symbol(-1));

    ck_assert_int_eq(nnv_element_from_symbol("H"), 1);
    ck_assert_int_eq(nnv_element_from_symbol("h"), 1);
    ck_assert_int_eq(nnv_element_from_symbol("cl"), 17);
    ck_assert_int_eq(nnv_element_from_symbol("CL"), 17);
    ck_assert_int_eq(nnv_element_from_symbol("cL"), 17);
    ck_assert_int_eq(nnv_element_from_symbol("og"), 118);
    ck_assert_int_eq(nnv_element_from_symbol("8"), 8);
    ck_assert_int_eq(nnv_element_from_symbol("1"), 1);
    ck_assert_int_eq(nnv_element_from_symbol("118"), 118);
    const char *bad[] = {"", "X", "Hh", "Xx", "119", "0", "08", "+8", "-1", " 8", "H ", "8a", "C1",
                         "1000", "Chlorine"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(nnv_element_from_symbol(bad[i]) == 0, "\"%s\" accepted", bad[i]);
    ck_assert_int_eq(nnv_element_from_symbol(NULL), 0);
    /* Every symbol maps back to its own Z. */
    for (int Z = 1; Z <= NNV_MAX_Z; Z++)
        ck_assert_int_eq(nnv_element_from_symbol(nnv_element_symbol(Z)), Z);
}
END_TEST

START_TEST(test_element_masses)
{
    /* The spec's values (section 1), which must be exact. */
    ck_assert(nnv_element_mass(1) == 1.00782503223);
    ck_assert(nnv_element_mass(6) == 12.0);
    ck_assert(nnv_element_mass(7) == 14.00307400443);
    ck_assert(nnv_element_mass(8) == 15.99491461957);
    ck_assert(nnv_element_mass(9) == 18.99840316273);
    ck_assert(nnv_element_mass(16) == 31.9720711744);
    ck_assert(nnv_element_mass(17) == 34.968852682);
    ck_assert(nnv_element_mass(35) == 78.9183376);
    ck_assert(nnv_element_mass(53) == 126.9044719);
    /* NIST AME values of 4He, 84Kr, 132Xe, 56Fe, 238U. */
    ck_assert(nnv_element_mass(2) == 4.00260325413);
    ck_assert(nnv_element_mass(36) == 83.9114977282);
    ck_assert(nnv_element_mass(54) == 131.9041550856);
    ck_assert(nnv_element_mass(26) == 55.93493633);
    ck_assert(nnv_element_mass(92) == 238.0507884);
    ck_assert(nnv_element_mass(0) == 0.0 && nnv_element_mass(119) == 0.0);
    /* An isotope mass lies within 0.25 u of its mass number A, and Z <= A <= 2.7 Z
     * for every isotope of interest; masses grow with Z except where the most
     * abundant isotopes cross (Ar/K, Co/Ni, Te/I, ...), never by more than 3.5 u (130Te -> 127I). */
    for (int Z = 1; Z <= NNV_MAX_Z; Z++) {
        double m = nnv_element_mass(Z), A = round(m);
        ck_assert_msg(fabs(m - A) < 0.25 && A >= Z && A <= 2.7 * Z + 1, "Z=%d mass %g", Z, m);
        if (Z > 1) ck_assert_msg(m > nnv_element_mass(Z - 1) - 3.5, "Z=%d mass %g", Z, m);
    }
}
END_TEST

/* ==== CRC-32 ================================================================= */

START_TEST(test_crc32)
{
    /* The standard check value of CRC-32/ISO-HDLC (zlib, PNG). */
    ck_assert_uint_eq(nnv_crc32((const unsigned char *)"123456789", 9), 0xCBF43926u);
    ck_assert_uint_eq(nnv_crc32((const unsigned char *)"", 0), 0u);
    ck_assert_uint_eq(nnv_crc32((const unsigned char *)"a", 1), 0xE8B7BE43u);
    ck_assert_uint_eq(nnv_crc32((const unsigned char *)"The quick brown fox jumps over the lazy dog", 43),
                      0x414FA339u);
}
END_TEST

/* ==== the shared conformance vectors =========================================== */

static const struct {
    const char *file, *field;
    size_t offset;
} invalid_table[] = {
    {"bad_magic.bin", "magic", 0},
    {"bad_version.bin", "version", 8},
    {"unknown_flag_bit.bin", "flags", 12},
    {"description_too_long.bin", "description_length", 16},
    {"zero_elements.bin", "n_elements", 209},
    {"element_Z_119.bin", "element[0].Z", 213},
    {"E0_nan.bin", "element[0](Z=1).E0", 217},
    {"zero_sf.bin", "element[0](Z=1).n_sf", 225},
    {"sf_type_4.bin", "element[0](Z=1).sf[0].type", 229},
    {"sf_names_missing_element.bin", "element[0](Z=1).sf[0].Zj", 233},
    {"cutoff_code_3.bin", "element[0](Z=1).sf[0].cutoff_type", 241},
    {"rc_zero.bin", "element[0](Z=1).sf[0].rc", 245},
    {"rc_negative.bin", "element[0](Z=1).sf[0].rc", 245},
    {"rc_inf.bin", "element[0](Z=1).sf[0].rc", 245},
    {"eta_nan.bin", "element[0](Z=1).sf[0].eta", 261},
    {"scale_zero.bin", "element[0](Z=1).sf[0].scale", 301},
    {"n_layers_zero.bin", "element[0](Z=1).energy_network.n_layers", 709},
    {"n_layers_65.bin", "element[0](Z=1).energy_network.n_layers", 709},
    {"size0_not_n_sf.bin", "element[0](Z=1).energy_network.size[0]", 713},
    {"last_size_not_1.bin", "element[0](Z=1).energy_network.size[3]", 725},
    {"activation_8.bin", "element[0](Z=1).energy_network.layer[0].activation", 729},
    {"weight_inf.bin", "element[0](Z=1).energy_network.layer[0].W[0][0]", 741},
    {"crc_mismatch_weight_sign_flipped.bin", "crc32", 4197},
    {"truncated_by_1.bin", "crc32", 4197},
    {"truncated_mid_header.bin", "version", 8},
    {"trailing_byte.bin", "end of file", 4201},
    {"empty_file.bin", "magic", 0},
    {"zeta_below_1.bin", "element[0](Z=1).sf[1].zeta", 373},
    {"lambda_half.bin", "element[0](Z=1).sf[1].lambda", 381},
    {"lambda_zero.bin", "element[0](Z=1).sf[1].lambda", 381},
    {"elements_not_ascending.bin", "element[1].Z", 1293},
};
#define N_INVALID (sizeof invalid_table / sizeof invalid_table[0])

static int conformance_dir(char *buf, size_t n, const char *sub)
{
    snprintf(buf, n, "%s/conformance%s", tu_shared_dir(), sub);
    if (!tu_is_dir(buf)) {
        fprintf(stderr, "test_io: SKIP: %s not found (set NNVIB_SHARED to the shared folder)\n", buf);
        return 0;
    }
    return 1;
}

START_TEST(test_conformance_invalid)
{
    char dir[4096], path[4400], want[300];
    DIR *d;
    struct dirent *de;
    int seen = 0;
    if (!conformance_dir(dir, sizeof dir, "/invalid")) return;
    for (size_t i = 0; i < N_INVALID; i++) {
        nnv_potential *p = NULL;
        nnv_error err = {0};
        snprintf(path, sizeof path, "%s/%s", dir, invalid_table[i].file);
        int rc = nnv_potential_read(&p, path, &err);
        ck_assert_msg(rc == NNV_EINPUT, "%s: not rejected as bad input (rc %d: %s)", invalid_table[i].file, rc,
                      err.message);
        ck_assert_ptr_null(p);
        snprintf(want, sizeof want, ": byte offset %zu: field '%s': ", invalid_table[i].offset,
                 invalid_table[i].field);
        ck_assert_msg(strstr(err.message, want) && strncmp(err.message, path, strlen(path)) == 0,
                      "%s: expected \"%s\" in \"%s\"", invalid_table[i].file, want, err.message);
    }
    /* Every .bin in the folder must be in the table above. */
    d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    while ((de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name), i;
        if (n < 4 || strcmp(de->d_name + n - 4, ".bin") != 0) continue;
        for (i = 0; i < N_INVALID; i++)
            if (strcmp(de->d_name, invalid_table[i].file) == 0) break;
        if (i == N_INVALID) {
            nnv_potential *p = NULL;
            nnv_error err = {0};
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            int rc = nnv_potential_read(&p, path, &err);
            nnv_potential_free(p);
            ck_abort_msg("%s: new file in invalid/ not in test_io's table (rc %d: %s)", de->d_name, rc,
                         err.message);
        }
        seen++;
    }
    closedir(d);
    ck_assert_int_eq(seen, (int)N_INVALID);
}
END_TEST

/* What conformance/README.md's table says about some cases: activation codes
 * used and charge networks, checked against what the reader found. */
static void check_case_features(const char *name, const nnv_potential *p)
{
    static const struct {
        const char *name;
        unsigned acts; /* bit per activation code */
        int charges, smooth;
    } known[] = {
        {"case000", 1u << 0 | 1u << 7, 0, NNV_C1},
        {"case001", 1u << 0 | 1u << 1 | 1u << 4 | 1u << 5 | 1u << 6 | 1u << 7, 1, NNV_C0},
        {"case003", 1u << 0 | 1u << 1 | 1u << 3 | 1u << 6 | 1u << 7, 1, NNV_C0},
        {"case005", 1u << 0 | 1u << 4 | 1u << 5, 0, NNV_C1},
        {"exact_act2", 1u << 0 | 1u << 2, 1, NNV_C1},
    };
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
        unsigned acts = 0, cutoffs = 0;
        if (strcmp(name, known[k].name) != 0) continue;
        for (int e = 0; e < p->n_elements; e++) {
            const nnv_element_model *el = &p->elements[e];
            for (int l = 0; l < el->energy.n_layers; l++) acts |= 1u << el->energy.layers[l].activation;
            for (int l = 0; l < el->charge.n_layers; l++) acts |= 1u << el->charge.layers[l].activation;
            for (int s = 0; s < el->n_sf; s++) cutoffs |= 1u << el->sf[s].cutoff;
        }
        ck_assert_msg(acts == known[k].acts, "%s: activations 0x%x, README says 0x%x", name, acts, known[k].acts);
        ck_assert_msg(cutoffs == 7u, "%s: cutoffs 0x%x", name, cutoffs);
        ck_assert_int_eq((p->flags & 1u) != 0, known[k].charges);
        ck_assert_int_eq(nnv_potential_smoothness(p), known[k].smooth);
    }
}

START_TEST(test_conformance_roundtrip)
{
    char dir[4096], path[4400], tmpdir[] = "/tmp/nnvib-test-io-XXXXXX", out[64];
    DIR *d;
    struct dirent *de;
    int n_cases = 0;
    if (!conformance_dir(dir, sizeof dir, "")) return;
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(out, sizeof out, "%s/w.bin", tmpdir);
    d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    while ((de = readdir(d)) != NULL) {
        nnv_potential *p = NULL, *q = NULL;
        nnv_error err = {0};
        unsigned char *bytes_out = NULL;
        size_t len_file = 0, len_out = 0;
        char *file;
        if (de->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s/weights.bin", dir, de->d_name);
        if (access(path, R_OK) != 0) continue;
        file = tu_read_file(path, &len_file);
        ck_assert_ptr_nonnull(file);
        ck_assert_msg(nnv_potential_read(&p, path, &err) == NNV_OK, "%s: %s", path, err.message);
        ck_assert_int_eq(p->warnings.count, 0);
        check_case_features(de->d_name, p);
        ck_assert_msg(nnv_potential_serialize(&bytes_out, &len_out, p, &err) == NNV_OK, "%s", err.message);
        ck_assert_msg(len_out == len_file && memcmp(bytes_out, file, len_file) == 0,
                      "%s: serialize() does not reproduce the file", path);
        free(bytes_out);
        /* write() then read() round-trips too, over an existing file as well. */
        for (int twice = 0; twice < 2; twice++) {
            char *again;
            size_t len_again = 0;
            ck_assert_msg(nnv_potential_write(out, p, &err) == NNV_OK, "%s", err.message);
            again = tu_read_file(out, &len_again);
            ck_assert(again && len_again == len_file && memcmp(again, file, len_file) == 0);
            free(again);
        }
        ck_assert_msg(nnv_potential_read(&q, out, &err) == NNV_OK, "%s", err.message);
        ck_assert(q->n_elements == p->n_elements && q->flags == p->flags &&
                  strcmp(q->description, p->description) == 0);
        nnv_potential_free(q);
        nnv_potential_free(p);
        free(file);
        n_cases++;
    }
    closedir(d);
    ck_assert_msg(n_cases >= 24, "only %d conformance cases found", n_cases);
    /* Nothing but the written file is left: no temporaries. */
    ck_assert_int_eq(unlink(out), 0);
    ck_assert_int_eq(rmdir(tmpdir), 0);
    /* Unwritable destination: an I/O error, no partial file. */
    {
        nnv_potential *p = NULL;
        nnv_error err = {0};
        snprintf(path, sizeof path, "%s/case000/weights.bin", dir);
        ck_assert_int_eq(nnv_potential_read(&p, path, &err), NNV_OK);
        ck_assert_int_eq(nnv_potential_write("/nonexistent-dir/w.bin", p, &err), NNV_EIO);
        ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent-dir/w.bin"));
        nnv_potential_free(p);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("io");
    TCase *tc;

    tc = tcase_create("elements");
    tcase_add_test(tc, test_element_symbols);
    tcase_add_test(tc, test_element_masses);
    tcase_add_test(tc, test_crc32);
    suite_add_tcase(s, tc);

    tc = tcase_create("conformance");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_conformance_invalid);
    tcase_add_test(tc, test_conformance_roundtrip);
    suite_add_tcase(s, tc);

    return tu_run(s);
}
