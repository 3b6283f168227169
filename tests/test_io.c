/* Unit tests of the inputs: element data, the text layer (files, lines,
 * numbers), the XYZ readers (by frame and frame after frame), CRC-32 and the
 * weights.bin reader/writer, against the spec's byte layout (files built here
 * field by field), the shared conformance vectors and known checksums. */
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

/* ==== XYZ ==================================================================== */

/* Parses text from an exact-size heap copy with no NUL after it, so that
 * AddressSanitizer catches any read past the end. */
static int parse_xyz(nnv_structure **s, const char *text, int frame, nnv_error *err)
{
    size_t n = strlen(text);
    char *copy = malloc(n ? n : 1);
    int rc;
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, text, n);
    rc = nnv_structure_parse_xyz(s, copy, n, "mol.xyz", frame, err);
    free(copy);
    return rc;
}

START_TEST(test_xyz_good)
{
    nnv_structure *s = NULL;
    nnv_error err = {0};
    int rc = parse_xyz(&s, "3\nwater\nO 0 0 0.1173\nh 0 0.7572 -0.4692\nH 0 -0.7572 -0.4692\n", 0, &err);
    ck_assert_msg(rc == NNV_OK, "%s", err.message);
    ck_assert_int_eq(s->n_atoms, 3);
    ck_assert_int_eq(s->Z[0], 8);
    ck_assert_int_eq(s->Z[1], 1);
    ck_assert_int_eq(s->Z[2], 1);
    ck_assert(s->xyz[2] == 0.1173 && s->xyz[4] == 0.7572 && s->xyz[8] == -0.4692);
    ck_assert(s->masses[0] == 15.99491461957 && s->masses[1] == 1.00782503223);
    ck_assert_str_eq(s->comment, "water");
    nnv_structure_free(s);

    /* Atomic numbers, mixed case, CRLF, tabs, padded count, no final newline. */
    rc = parse_xyz(&s, "  4 \r\n comment with spaces \r\n8\t0.0\t0.0\t0.0\r\ncl 1.5 0 0\r\nCL 0 1.5 0\r\n"
                       "Cl 0 0 1.5e0",
                   0, &err);
    ck_assert_msg(rc == NNV_OK, "%s", err.message);
    ck_assert_int_eq(s->n_atoms, 4);
    ck_assert(s->Z[0] == 8 && s->Z[1] == 17 && s->Z[2] == 17 && s->Z[3] == 17);
    ck_assert(s->xyz[9 + 2] == 1.5);
    ck_assert_str_eq(s->comment, " comment with spaces ");
    ck_assert(s->masses[1] == 34.968852682);
    nnv_structure_free(s);

    /* Extended XYZ: key=value comment and extra columns; trailing blank lines. */
    const char *ext = "2\nLattice=\"10 0 0 0 10 0 0 0 10\" Properties=species:S:1:pos:R:3:forces:R:3 "
                      "energy=-1.5 pbc=\"F F F\"\nC 0 0 0 0.1 0.2 0.3\nO 0 0 1.128 -0.1 -0.2 -0.3\n\n  \n\n";
    rc = parse_xyz(&s, ext, 0, &err);
    ck_assert_msg(rc == NNV_OK, "%s", err.message);
    ck_assert(s->n_atoms == 2 && s->Z[0] == 6 && s->Z[1] == 8 && s->xyz[5] == 1.128);
    ck_assert_ptr_nonnull(strstr(s->comment, "Properties=species:S:1:pos:R:3"));
    nnv_structure_free(s);
}
END_TEST

START_TEST(test_xyz_frames)
{
    const char *traj = "1\nframe zero\nH 0 0 0\n2\nframe one\nH 0 0 0\nH 0 0 0.74\n\n1\nframe two\nHe 1 2 3\n";
    nnv_structure *s = NULL;
    nnv_error err = {0};
    ck_assert_int_eq(parse_xyz(&s, traj, 1, &err), NNV_OK);
    ck_assert_int_eq(s->n_atoms, 2);
    ck_assert_str_eq(s->comment, "frame one");
    ck_assert(s->xyz[5] == 0.74);
    nnv_structure_free(s);
    ck_assert_int_eq(parse_xyz(&s, traj, 2, &err), NNV_OK);
    ck_assert(s->n_atoms == 1 && s->Z[0] == 2 && s->xyz[2] == 3.0);
    nnv_structure_free(s);
    ck_assert_int_eq(parse_xyz(&s, traj, 0, &err), NNV_OK);
    ck_assert_str_eq(s->comment, "frame zero");
    nnv_structure_free(s);
    s = NULL;
    ck_assert_int_eq(parse_xyz(&s, traj, 3, &err), NNV_EINPUT);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(err.message, "frame 4 ") && strstr(err.message, "3 frames"), "%s", err.message);
    ck_assert_int_eq(parse_xyz(&s, traj, 7, &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "frame 8 ") && strstr(err.message, "3 frames"), "%s", err.message);
    ck_assert_int_ne(parse_xyz(&s, traj, -1, &err), NNV_OK);
}
END_TEST

/* One bad input: rejected as bad input, and the message holds every needle. */
static void xyz_bad(const char *text, int frame, const char *n1, const char *n2)
{
    nnv_structure *s = NULL;
    nnv_error err = {0};
    int rc = parse_xyz(&s, text, frame, &err);
    ck_assert_msg(rc == NNV_EINPUT, "accepted (rc %d): %s", rc, text);
    ck_assert_ptr_null(s);
    ck_assert_msg(strncmp(err.message, "mol.xyz: ", 9) == 0, "no file name: %s", err.message);
    ck_assert_msg(strchr(err.message, '\n') == NULL, "not one line: %s", err.message);
    ck_assert_msg(!n1 || strstr(err.message, n1), "'%s' not in: %s", n1, err.message);
    ck_assert_msg(!n2 || strstr(err.message, n2), "'%s' not in: %s", n2, err.message);
}

START_TEST(test_xyz_bad)
{
    nnv_structure *s = NULL;
    nnv_error err = {0};
    /* The brief's example, word for word. */
    ck_assert_int_eq(parse_xyz(&s, "3\nc\nH 0 0 0\nH 0 1.2.3 0\nH 1.2.3 0 0\n", 0, &err), NNV_EINPUT);
    ck_assert_int_eq(parse_xyz(&s, "2\nc\nH 0 0 0\nH 1.2.3 0 0\n", 0, &err), NNV_EINPUT);
    ck_assert_str_eq(err.message, "mol.xyz: line 4: field 'x' of atom 2: not a number: \"1.2.3\"");

    xyz_bad("", 0, "line 1", "empty");
    xyz_bad(" \n\n", 0, "line 1", "empty");
    xyz_bad("3\nc\nH 0 0 0\nH 0 0 1\n", 0, "line 5", "2 of 3 atoms");  /* too few lines */
    xyz_bad("3\nc\nH 0 0 0\nH 0 0 1", 0, "line 5", "2 of 3 atoms");
    xyz_bad("2\nc\nH 0 0 0\n\nH 0 0 1\n", 0, "line 4", "atom 2");        /* blank line inside */
    xyz_bad("abc\nc\nH 0 0 0\n", 0, "line 1", "\"abc\"");
    xyz_bad("-3\nc\nH 0 0 0\n", 0, "line 1", "\"-3\"");
    xyz_bad("0\nc\n", 0, "line 1", "\"0\"");
    xyz_bad("3.0\nc\nH 0 0 0\n", 0, "line 1", "\"3.0\"");
    xyz_bad("3 atoms\nc\nH 0 0 0\n", 0, "line 1", NULL);
    xyz_bad("99999999999999999999\nc\n", 0, "line 1", "1000000");
    xyz_bad("2000000\nc\nH 0 0 0\n", 0, "line 1", "1000000");
    xyz_bad("1\n", 0, "line 2", "comment");
    xyz_bad("2\nc\nH 0 0 0\nXx 0 0 1\n", 0, "line 4", "\"Xx\"");
    xyz_bad("2\nc\nH 0 0 0\n119 0 0 1\n", 0, "line 4", "\"119\"");
    xyz_bad("2\nc\nH 0 0 0\nH 0 0\n", 0, "line 4", "atom 2");
    xyz_bad("2\nc\nH 0 0 0\nH 0 zz 1\n", 0, "line 4", "field 'y' of atom 2: not a number: \"zz\"");
    xyz_bad("2\nc\nH 0 0 0\nH 0 0 1,5\n", 0, "line 4", "field 'z'");
    xyz_bad("2\nc\nH 0 0 0\nH 0 0 nan\n", 0, "line 4", "field 'z' of atom 2: not a finite number");
    xyz_bad("2\nc\nH 0 0 0\nH inf 0 0\n", 0, "line 4", "field 'x'");
    xyz_bad("2\nc\nH 0 0 0\nH -Infinity 0 0\n", 0, "line 4", "field 'x'");
    xyz_bad("2\nc\nH 0 0 0\nH 1e999 0 0\n", 0, "line 4", "field 'x'");
    xyz_bad("2\nc\nH 1 1 1\nO 1 1 1\n", 0, "atoms 1 (line 3) and 2 (line 4)", "0 Å");
    xyz_bad("3\nc\nH 0 0 0\nO 5 0 0\nH 5.03 0.04 0\n", 0, "atoms 2 (line 4) and 3 (line 5)", "0.05 Å");
    xyz_bad("2\nc\nH 0 0 0\nH 0 0 1\nH 0 0 2\n", 0, "line 5", "more atoms");  /* count too small */
    xyz_bad("1\nc\nH 0 0 0\n1\nc\n", 1, "line 6", "0 of 1");             /* frame 1 is cut short */
    /* A frame before the one asked for is broken. */
    xyz_bad("1\nc\nH 0 0 0\nx\nc\nH 0 0 0\n1\nc\nH 0 0 0\n", 2, "line 4", "frame 2");
}
END_TEST

START_TEST(test_xyz_many_atoms)
{
    /* 20^3 atoms on a 1 Å grid: no close pair, and the check stays fast;
     * then one atom moved next to another far away in the list. */
    int n = 8000;
    size_t cap = (size_t)n * 40 + 64, len = 0;
    char *text = malloc(cap);
    nnv_structure *s = NULL;
    nnv_error err = {0};
    len += (size_t)snprintf(text + len, cap - len, "%d\ngrid\n", n);
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, cap - len, "Ar %d %d %d\n", i % 20, (i / 20) % 20, i / 400);
    ck_assert_int_eq(nnv_structure_parse_xyz(&s, text, len, "grid.xyz", 0, &err), NNV_OK);
    ck_assert_int_eq(s->n_atoms, n);
    nnv_structure_free(s);
    /* Atom 7999 (line 8001) is at (19,19,19); put atom 8000 0.06 Å from atom 2 (1,0,0). */
    char *last = text + len - 1;
    while (last > text && last[-1] != '\n') last--;
    len = (size_t)(last - text);
    len += (size_t)snprintf(text + len, cap - len, "Ar 1.06 0 0\n");
    ck_assert_int_eq(nnv_structure_parse_xyz(&s, text, len, "grid.xyz", 0, &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "atoms 2 (line 4) and 8000 (line 8002)") && strstr(err.message, "0.06"),
                  "%s", err.message);
    free(text);
}
END_TEST

START_TEST(test_xyz_missing_element_file)
{
    char path[4096];
    nnv_structure *s = NULL;
    nnv_error err = {0};
    snprintf(path, sizeof path, "%s/conformance/invalid/missing_element.xyz", tu_shared_dir());
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "test_io: SKIP missing_element.xyz: %s not found (set NNVIB_SHARED)\n", path);
        return;
    }
    /* Valid XYZ: the element check belongs to the model, not the reader. */
    ck_assert_msg(nnv_structure_read_xyz(&s, path, 0, &err) == NNV_OK, "%s", err.message);
    ck_assert_int_eq(s->n_atoms, 4);
    ck_assert_int_eq(s->Z[3], 16);
    ck_assert(s->xyz[3 * 3 + 2] == 4.0014586905);
    nnv_structure_free(s);
    ck_assert_int_eq(nnv_structure_read_xyz(&s, "/nonexistent/x.xyz", 0, &err), NNV_EIO);
    ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/x.xyz"));
}
END_TEST

START_TEST(test_structure_api)
{
    int Z[2] = {8, 1};
    double xyz[6] = {0, 0, 0, 1.0, 0, 0};
    nnv_structure *s = NULL, *c = NULL;
    nnv_error err = {0};
    double com[3];
    ck_assert_int_eq(nnv_structure_new(&s, 2, Z, xyz, &err), NNV_OK);
    ck_assert_str_eq(s->comment, "");
    ck_assert(s->masses[0] == 15.99491461957 && s->masses[1] == 1.00782503223);
    nnv_structure_com(s, com);
    ck_assert(tu_close(com[0], 1.00782503223 / (15.99491461957 + 1.00782503223), 1e-15, 0));
    ck_assert(com[1] == 0.0 && com[2] == 0.0);

    ck_assert_int_eq(nnv_structure_set_mass(s, 1, 2.01410177812, &err), NNV_OK);
    nnv_structure_com(s, com);
    ck_assert(tu_close(com[0], 2.01410177812 / (15.99491461957 + 2.01410177812), 1e-15, 0));
    ck_assert_int_ne(nnv_structure_set_mass(s, 2, 1.0, &err), NNV_OK);
    ck_assert_int_ne(nnv_structure_set_mass(s, -1, 1.0, &err), NNV_OK);
    ck_assert_int_ne(nnv_structure_set_mass(s, 0, 0.0, &err), NNV_OK);
    ck_assert_int_ne(nnv_structure_set_mass(s, 0, -1.0, &err), NNV_OK);
    ck_assert_int_ne(nnv_structure_set_mass(s, 0, NAN, &err), NNV_OK);
    ck_assert_int_ne(nnv_structure_set_mass(s, 0, INFINITY, &err), NNV_OK);
    ck_assert(s->masses[0] == 15.99491461957);

    ck_assert_int_eq(nnv_structure_copy(&c, s, &err), NNV_OK);
    ck_assert(c != s && c->Z != s->Z && c->masses[1] == 2.01410177812 && c->xyz[3] == 1.0);
    nnv_structure_free(c);
    nnv_structure_free(s);
    nnv_structure_free(NULL);

    Z[1] = 119;
    ck_assert_int_ne(nnv_structure_new(&s, 2, Z, xyz, &err), NNV_OK);
    Z[1] = 1;
    xyz[4] = NAN;
    ck_assert_int_ne(nnv_structure_new(&s, 2, Z, xyz, &err), NNV_OK);
    ck_assert_int_ne(nnv_structure_new(&s, 0, Z, xyz, &err), NNV_OK);
}
END_TEST

/* ==== weights.bin: a small potential built here, field by field ============ */

typedef struct {
    unsigned char *b;
    size_t n, cap;
} bytes;

static size_t put(bytes *B, const void *src, size_t k)
{
    size_t at = B->n;
    if (B->n + k > B->cap) {
        B->cap = 2 * (B->n + k) + 256;
        B->b = realloc(B->b, B->cap);
        ck_assert_ptr_nonnull(B->b);
    }
    memcpy(B->b + B->n, src, k);
    B->n += k;
    return at;
}

static size_t put_u32(bytes *B, uint32_t v)
{
    unsigned char c[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    return put(B, c, 4);
}

static void poke_u32(unsigned char *b, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++) b[at + (size_t)i] = (unsigned char)(v >> (8 * i));
}

static void poke_f64(unsigned char *b, size_t at, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    for (int i = 0; i < 8; i++) b[at + (size_t)i] = (unsigned char)(u >> (8 * i));
}

static size_t put_f64(bytes *B, double d)
{
    unsigned char c[8];
    poke_f64(c, 0, d);
    return put(B, c, 8);
}

enum { F_TYPE, F_ZJ, F_ZK, F_CUT, F_RC, F_ALPHA, F_ETA, F_RS, F_ZETA, F_LAMBDA, F_SHIFT, F_SCALE, F_GMIN,
       F_GMAX, F_COUNT };

typedef struct {
    size_t n_layers, size[4], act[3], param[3], W[3], b[3];
} net_layout;

typedef struct {
    size_t flags, dlen, desc, n_el, crc;
    struct {
        size_t Z, E0, n_sf, sf[3][F_COUNT];
        net_layout energy, charge;
    } el[2];
} layout;

/* Description with 2-, 3- and 4-byte UTF-8 characters: "é", "€", U+1F600. */
static const char DESC[] = "test potential H/O \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 end";
#define DESC_EURO 22  /* index of the euro sign's first byte */
#define DESC_EMOJI 26 /* index of the 4-byte character */

static void put_sf(bytes *B, size_t *off, uint32_t type, uint32_t Zj, uint32_t Zk, uint32_t cut, double rc,
                   double alpha, double eta, double rs, double zeta, double lambda, double shift, double scale,
                   double gmin, double gmax)
{
    uint32_t u[4] = {type, Zj, Zk, cut};
    double d[10] = {rc, alpha, eta, rs, zeta, lambda, shift, scale, gmin, gmax};
    for (int i = 0; i < 4; i++) off[i] = put_u32(B, u[i]);
    for (int i = 0; i < 10; i++) off[4 + i] = put_f64(B, d[i]);
}

/* W[o][i] = w0 + o + i/10 (so row-major order is checkable), b[o] = -w0 - o. */
static void put_net(bytes *B, net_layout *L, int n_layers, const uint32_t *size, const uint32_t *act,
                    const double *param, double w0)
{
    L->n_layers = put_u32(B, (uint32_t)n_layers);
    for (int l = 0; l <= n_layers; l++) L->size[l] = put_u32(B, size[l]);
    for (int l = 0; l < n_layers; l++) {
        L->act[l] = put_u32(B, act[l]);
        L->param[l] = put_f64(B, param[l]);
        L->W[l] = B->n;
        for (uint32_t o = 0; o < size[l + 1]; o++)
            for (uint32_t i = 0; i < size[l]; i++) put_f64(B, w0 + o + i / 10.0);
        L->b[l] = B->n;
        for (uint32_t o = 0; o < size[l + 1]; o++) put_f64(B, -w0 - o);
    }
}

static void fix_crc(unsigned char *b, size_t n) { poke_u32(b, n - 4, nnv_crc32(b, n - 4)); }

/* H (Z=1): three SFs (types 2, 2, 3), network 3 -> 2 (tanh) -> 1 (identity);
 * O (Z=8): two SFs (types 2, 9), network 2 -> 1 (celu, alpha 0.8).
 * With charges: H charge net 3 -> 1 (identity), O charge net 2 -> 1 (softplus). */
static bytes build(int charges, layout *L)
{
    bytes B = {0};
    put(&B, "NNVIBW01", 8);
    put_u32(&B, 1);
    L->flags = put_u32(&B, charges ? 1u : 0u);
    L->dlen = put_u32(&B, (uint32_t)strlen(DESC));
    L->desc = put(&B, DESC, strlen(DESC));
    L->n_el = put_u32(&B, 2);

    L->el[0].Z = put_u32(&B, 1);
    L->el[0].E0 = put_f64(&B, -13.6);
    L->el[0].n_sf = put_u32(&B, 3);
    put_sf(&B, L->el[0].sf[0], 2, 1, 0, 0, 6.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.1, 2.0, 0.0, 3.0);
    put_sf(&B, L->el[0].sf[1], 2, 8, 0, 1, 5.5, 0.25, 1.0, 0.5, 0.0, 0.0, 0.2, 1.5, 0.1, 2.0);
    put_sf(&B, L->el[0].sf[2], 3, 1, 8, 2, 5.0, 0.0, 0.1, 0.0, 2.0, -1.0, 0.3, 0.5, 0.0, 1.0);
    {
        uint32_t size[3] = {3, 2, 1}, act[2] = {NNV_ACT_TANH, NNV_ACT_IDENTITY};
        double param[2] = {0, 0};
        put_net(&B, &L->el[0].energy, 2, size, act, param, 0.5);
    }
    if (charges) {
        uint32_t size[2] = {3, 1}, act[1] = {NNV_ACT_IDENTITY};
        double param[1] = {0};
        put_net(&B, &L->el[0].charge, 1, size, act, param, 0.01);
    }

    L->el[1].Z = put_u32(&B, 8);
    L->el[1].E0 = put_f64(&B, -432.1);
    L->el[1].n_sf = put_u32(&B, 2);
    put_sf(&B, L->el[1].sf[0], 2, 1, 0, 2, 4.0, 0.0, 2.0, 0.9, 0.0, 0.0, -0.1, 3.0, 0.0, 2.5);
    put_sf(&B, L->el[1].sf[1], 9, 1, 1, 1, 4.5, 0.5, 0.2, 0.0, 1.0, 1.0, 0.0, 0.25, 0.0, 4.0);
    {
        uint32_t size[2] = {2, 1}, act[1] = {NNV_ACT_CELU};
        double param[1] = {0.8};
        put_net(&B, &L->el[1].energy, 1, size, act, param, -0.3);
    }
    if (charges) {
        uint32_t size[2] = {2, 1}, act[1] = {NNV_ACT_SOFTPLUS};
        double param[1] = {0};
        put_net(&B, &L->el[1].charge, 1, size, act, param, 0.02);
    }
    L->crc = put_u32(&B, 0);
    fix_crc(B.b, B.n);
    return B;
}

/* Parses an exact-size heap copy (so ASan sees any overread). */
static int parse_bytes(nnv_potential **p, const unsigned char *b, size_t n, nnv_error *err)
{
    unsigned char *copy = malloc(n ? n : 1);
    int rc;
    ck_assert_ptr_nonnull(copy);
    if (n) memcpy(copy, b, n);
    rc = nnv_potential_parse(p, copy, n, "crafted.bin", err);
    free(copy);
    return rc;
}

static void expect_reject_bytes(const unsigned char *b, size_t n, const char *field, size_t off,
                                const char *why, int line)
{
    nnv_potential *p = NULL;
    nnv_error err = {0};
    char want[256];
    int rc = parse_bytes(&p, b, n, &err);
    ck_assert_msg(rc == NNV_EINPUT, "line %d: accepted (rc %d), expected a rejection of %s", line, rc, field);
    ck_assert_ptr_null(p);
    snprintf(want, sizeof want, "crafted.bin: byte offset %zu: field '%s': ", off, field);
    ck_assert_msg(strncmp(err.message, want, strlen(want)) == 0, "line %d: expected \"%s...\", got \"%s\"", line,
                  want, err.message);
    ck_assert_msg(!why || strstr(err.message, why), "line %d: '%s' not in \"%s\"", line, why, err.message);
}

/* Mutations of the valid file: one field changed, the CRC recomputed. */
static void reject_u32(const bytes *B, size_t at, uint32_t v, const char *field, size_t off, const char *why,
                       int line)
{
    unsigned char *c = malloc(B->n);
    memcpy(c, B->b, B->n);
    poke_u32(c, at, v);
    fix_crc(c, B->n);
    expect_reject_bytes(c, B->n, field, off, why, line);
    free(c);
}

static void reject_f64(const bytes *B, size_t at, double v, const char *field, const char *why, int line)
{
    unsigned char *c = malloc(B->n);
    memcpy(c, B->b, B->n);
    poke_f64(c, at, v);
    fix_crc(c, B->n);
    expect_reject_bytes(c, B->n, field, at, why, line);
    free(c);
}

#define REJECT_U32(at, v, field, why) reject_u32(&B, (at), (v), (field), (at), (why), __LINE__)
#define REJECT_F64(at, v, field, why) reject_f64(&B, (at), (v), (field), (why), __LINE__)

START_TEST(test_weights_layout)
{
    /* The reader puts every field where the byte layout says. */
    layout L;
    bytes B = build(1, &L);
    nnv_potential *p = NULL;
    nnv_error err = {0};
    ck_assert_msg(parse_bytes(&p, B.b, B.n, &err) == NNV_OK, "%s", err.message);
    ck_assert_uint_eq(p->flags, 1u);
    ck_assert_str_eq(p->description, DESC);
    ck_assert_int_eq(p->warnings.count, 0);
    ck_assert_int_eq(p->n_elements, 2);
    const nnv_element_model *H = &p->elements[0], *O = &p->elements[1];
    ck_assert(H->Z == 1 && H->E0 == -13.6 && H->n_sf == 3 && O->Z == 8 && O->E0 == -432.1 && O->n_sf == 2);
    const nnv_sf *s = &H->sf[1];
    ck_assert(s->type == 2 && s->Zj == 8 && s->Zk == 0 && s->cutoff == 1 && s->rc == 5.5 &&
              s->cutoff_alpha == 0.25 && s->eta == 1.0 && s->rs == 0.5 && s->shift == 0.2 && s->scale == 1.5 &&
              s->gmin == 0.1 && s->gmax == 2.0);
    s = &H->sf[2];
    ck_assert(s->type == 3 && s->Zj == 1 && s->Zk == 8 && s->cutoff == 2 && s->zeta == 2.0 && s->lambda == -1.0);
    s = &O->sf[1];
    ck_assert(s->type == 9 && s->Zj == 1 && s->Zk == 1 && s->lambda == 1.0 && s->gmax == 4.0);
    ck_assert_int_eq(H->energy.n_layers, 2);
    const nnv_layer *l0 = &H->energy.layers[0], *l1 = &H->energy.layers[1];
    ck_assert(l0->n_in == 3 && l0->n_out == 2 && l0->activation == NNV_ACT_TANH && l0->param == 0.0);
    ck_assert(l1->n_in == 2 && l1->n_out == 1 && l1->activation == NNV_ACT_IDENTITY);
    /* Row-major: W[o][i] = 0.5 + o + i/10 at W[o * n_in + i]. */
    ck_assert(l0->W[1 * 3 + 2] == 0.5 + 1 + 2 / 10.0 && l0->W[0 * 3 + 1] == 0.5 + 0.1);
    ck_assert(l0->b[1] == -1.5 && l1->b[0] == -0.5);
    ck_assert(O->energy.layers[0].activation == NNV_ACT_CELU && O->energy.layers[0].param == 0.8);
    ck_assert(H->charge.n_layers == 1 && H->charge.layers[0].n_in == 3 && H->charge.layers[0].W[2] == 0.01 + 0.2);
    ck_assert(O->charge.layers[0].activation == NNV_ACT_SOFTPLUS && O->charge.layers[0].b[0] == -0.02);

    ck_assert_ptr_eq(nnv_potential_element(p, 1), H);
    ck_assert_ptr_eq(nnv_potential_element(p, 8), O);
    ck_assert_ptr_null(nnv_potential_element(p, 6));
    ck_assert_ptr_null(nnv_potential_element(p, 0));
    ck_assert_ptr_null(nnv_potential_element(p, 119));
    ck_assert_ptr_null(nnv_potential_element(NULL, 1));

    /* serialize() gives back the very bytes built here. */
    unsigned char *out = NULL;
    size_t n = 0;
    ck_assert_msg(nnv_potential_serialize(&out, &n, p, &err) == NNV_OK, "%s", err.message);
    ck_assert(n == B.n && memcmp(out, B.b, n) == 0);
    free(out);
    nnv_potential_free(p);
    free(B.b);

    /* Without charge networks, too. */
    B = build(0, &L);
    ck_assert_msg(parse_bytes(&p, B.b, B.n, &err) == NNV_OK, "%s", err.message);
    ck_assert(p->flags == 0 && p->elements[0].charge.n_layers == 0 && p->elements[1].charge.n_layers == 0);
    ck_assert_msg(nnv_potential_serialize(&out, &n, p, &err) == NNV_OK, "%s", err.message);
    ck_assert(n == B.n && memcmp(out, B.b, n) == 0);
    free(out);
    nnv_potential_free(p);
    free(B.b);
    nnv_potential_free(NULL);
}
END_TEST

START_TEST(test_weights_smoothness)
{
    layout L;
    bytes B = build(1, &L);
    nnv_potential *p = NULL;
    nnv_error err = {0};
    ck_assert_int_eq(parse_bytes(&p, B.b, B.n, &err), NNV_OK);
    /* celu (C1) and COS (C1) are the weakest here. */
    ck_assert_int_eq(nnv_potential_smoothness(p), NNV_C1);
    p->elements[0].sf[0].cutoff = NNV_CUTOFF_POLY2;
    ck_assert_int_eq(nnv_potential_smoothness(p), NNV_C1); /* still celu */
    p->elements[1].energy.layers[0].activation = NNV_ACT_GELU;
    ck_assert_int_eq(nnv_potential_smoothness(p), NNV_C2); /* POLY2, TANHU */
    p->elements[0].charge.layers[0].activation = NNV_ACT_RELU;
    ck_assert_int_eq(nnv_potential_smoothness(p), NNV_C0); /* relu in a charge network counts */
    p->elements[0].charge.layers[0].activation = NNV_ACT_SSP;
    p->elements[1].sf[1].cutoff = NNV_CUTOFF_COS;
    ck_assert_int_eq(nnv_potential_smoothness(p), NNV_C1);
    ck_assert_str_eq(nnv_smoothness_name(NNV_C0), "C0");
    ck_assert_str_eq(nnv_smoothness_name(NNV_C1), "C1");
    ck_assert_str_eq(nnv_smoothness_name(NNV_C2), "C2");
    ck_assert_str_eq(nnv_smoothness_name(NNV_CINF), "C-infinity");
    /* the names round-trip, and codes or names outside the enum are refused */
    for (int a = 0; a < NNV_ACT_COUNT; a++)
        ck_assert_int_eq(nnv_activation_from_name(nnv_activation_name(a)), a);
    ck_assert_str_eq(nnv_activation_name(NNV_ACT_SOFTPLUS), "softplus");
    ck_assert_str_eq(nnv_activation_name(NNV_ACT_COUNT), "unknown");
    ck_assert_str_eq(nnv_activation_name(-1), "unknown");
    ck_assert_int_eq(nnv_activation_from_name("unknown"), -1);
    ck_assert_int_eq(nnv_activation_from_name("Tanh"), -1);
    ck_assert_int_eq(nnv_activation_from_name(NULL), -1);
    nnv_potential_free(p);
    free(B.b);
}
END_TEST

START_TEST(test_weights_rejections)
{
    layout L;
    bytes B = build(1, &L);
    const size_t *h0 = L.el[0].sf[0], *h2 = L.el[0].sf[2], *o0 = L.el[1].sf[0];
    const net_layout *hn = &L.el[0].energy;
    const char *H0 = "element[0](Z=1).sf[0].", *HN = "element[0](Z=1).energy_network.";
    char f[160];
#define FLD(pre, name) (snprintf(f, sizeof f, "%s%s", (pre), (name)), f)

    /* Header. */
    REJECT_U32(0, 0x41414141u, "magic", "wrong magic b'AAAABW01'");
    REJECT_U32(8, 2, "version", "unsupported version 2");
    REJECT_U32(8, 0, "version", NULL);
    REJECT_U32(L.flags, 4, "flags", "0x00000004");
    REJECT_U32(L.flags, 0x80000001u, "flags", "0x80000001");
    REJECT_U32(L.dlen, 65537, "description_length", "65537");
    REJECT_U32(L.n_el, 0, "n_elements", "count 0");
    REJECT_U32(L.n_el, 119, "n_elements", "119");
    /* Element blocks. */
    REJECT_U32(L.el[0].Z, 0, "element[0].Z", "atomic number 0");
    REJECT_U32(L.el[0].Z, 119, "element[0].Z", "atomic number 119");
    REJECT_U32(L.el[1].Z, 1, "element[1].Z", "ascending");
    reject_u32(&B, L.el[0].Z, 9, "element[1].Z", L.el[1].Z, "(Z=8 after Z=9)", __LINE__);
    REJECT_F64(L.el[0].E0, NAN, "element[0](Z=1).E0", "non-finite number (nan)");
    REJECT_F64(L.el[1].E0, -INFINITY, "element[1](Z=8).E0", "non-finite number (-inf)");
    REJECT_U32(L.el[0].n_sf, 0, "element[0](Z=1).n_sf", "count 0 out of range 1..4096");
    REJECT_U32(L.el[0].n_sf, 4097, "element[0](Z=1).n_sf", "count 4097 out of range 1..4096");
    /* SF records. */
    REJECT_U32(h0[F_TYPE], 4, FLD(H0, "type"), "unknown symmetry function type 4");
    REJECT_U32(h0[F_TYPE], 1, FLD(H0, "type"), NULL);
    REJECT_U32(h0[F_ZJ], 0, FLD(H0, "Zj"), "atomic number 0");
    REJECT_U32(h0[F_ZJ], 119, FLD(H0, "Zj"), "119");
    REJECT_U32(h0[F_ZK], 1, FLD(H0, "Zk"), "Zk must be 0");  /* non-zero Zk on type 2 */
    REJECT_U32(h2[F_ZK], 0, "element[0](Z=1).sf[2].Zk", "atomic number 0");
    REJECT_U32(h0[F_CUT], 3, FLD(H0, "cutoff_type"), "unknown cutoff code 3");
    REJECT_F64(h0[F_RC], 0.0, FLD(H0, "rc"), "rc must be > 0, got 0.0");
    REJECT_F64(h0[F_RC], -5.0, FLD(H0, "rc"), "got -5.0");
    REJECT_F64(h0[F_RC], INFINITY, FLD(H0, "rc"), "non-finite number (inf)");
    REJECT_F64(h0[F_ALPHA], 1.0, FLD(H0, "cutoff_alpha"), "got 1.0");
    REJECT_F64(h0[F_ALPHA], -0.25, FLD(H0, "cutoff_alpha"), "got -0.25");
    REJECT_F64(h0[F_ALPHA], NAN, FLD(H0, "cutoff_alpha"), "non-finite");
    REJECT_F64(h0[F_ETA], NAN, FLD(H0, "eta"), "non-finite");
    REJECT_F64(h0[F_RS], INFINITY, FLD(H0, "rs"), "non-finite");
    REJECT_F64(h0[F_ZETA], NAN, FLD(H0, "zeta"), "non-finite");
    REJECT_F64(h0[F_LAMBDA], NAN, FLD(H0, "lambda"), "non-finite");
    REJECT_F64(h0[F_SHIFT], NAN, FLD(H0, "shift"), "non-finite");
    REJECT_F64(h0[F_SCALE], 0.0, FLD(H0, "scale"), "scale must not be 0");
    REJECT_F64(h0[F_SCALE], -0.0, FLD(H0, "scale"), "scale must not be 0");
    REJECT_F64(h0[F_SCALE], INFINITY, FLD(H0, "scale"), "non-finite");
    REJECT_F64(h0[F_GMIN], NAN, FLD(H0, "gmin"), "non-finite number (nan)");
    REJECT_F64(h0[F_GMAX], INFINITY, FLD(H0, "gmax"), "non-finite");
    REJECT_F64(h2[F_ZETA], 0.5, "element[0](Z=1).sf[2].zeta", "zeta must be >= 1, got 0.5");
    REJECT_F64(h2[F_ZETA], 0.0, "element[0](Z=1).sf[2].zeta", NULL);
    REJECT_F64(h2[F_LAMBDA], 0.5, "element[0](Z=1).sf[2].lambda", "lambda must be -1 or +1, got 0.5");
    REJECT_F64(h2[F_LAMBDA], 0.0, "element[0](Z=1).sf[2].lambda", NULL);
    REJECT_F64(h2[F_LAMBDA], 2.0, "element[0](Z=1).sf[2].lambda", NULL);
    REJECT_F64(L.el[1].sf[1][F_ZETA], 0.999, "element[1](Z=8).sf[1].zeta", NULL);
    /* An SF naming an element without a block: the offset of that Zj/Zk. */
    REJECT_U32(o0[F_ZJ], 26, "element[1](Z=8).sf[0].Zj", "names element Z=26");
    REJECT_U32(h2[F_ZK], 6, "element[0](Z=1).sf[2].Zk", "names element Z=6");
    /* Networks. */
    REJECT_U32(hn->n_layers, 0, FLD(HN, "n_layers"), "count 0 out of range 1..64");
    REJECT_U32(hn->n_layers, 65, FLD(HN, "n_layers"), "count 65 out of range 1..64");
    REJECT_U32(hn->size[0], 4, FLD(HN, "size[0]"), "size[0]=4 but n_sf=3");
    REJECT_U32(hn->size[1], 0, FLD(HN, "size[1]"), "count 0 out of range 1..4096");
    REJECT_U32(hn->size[1], 4097, FLD(HN, "size[1]"), "count 4097 out of range 1..4096");
    REJECT_U32(hn->size[2], 2, FLD(HN, "size[2]"), "size[n_layers]=2, must be 1");
    REJECT_U32(hn->act[0], 8, FLD(HN, "layer[0].activation"), "unknown activation code 8");
    REJECT_U32(L.el[1].charge.act[0], 99, "element[1](Z=8).charge_network.layer[0].activation", NULL);
    REJECT_F64(L.el[1].energy.param[0], 0.0, "element[1](Z=8).energy_network.layer[0].param", "got 0.0");
    REJECT_F64(L.el[1].energy.param[0], -1.0, "element[1](Z=8).energy_network.layer[0].param", "got -1.0");
    REJECT_F64(hn->param[0], NAN, FLD(HN, "layer[0].param"), "non-finite");
    REJECT_F64(hn->W[0] + 8 * (1 * 3 + 2), NAN, FLD(HN, "layer[0].W[1][2]"), "non-finite number (nan)");
    REJECT_F64(hn->W[1] + 8, -INFINITY, FLD(HN, "layer[1].W[0][1]"), "non-finite");
    REJECT_F64(hn->b[0] + 8, INFINITY, FLD(HN, "layer[0].b[1]"), "non-finite");
    REJECT_F64(L.el[0].charge.b[0], NAN, "element[0](Z=1).charge_network.layer[0].b[0]", NULL);

    /* Description: not valid UTF-8 (offset of the bad sequence). */
    {
        static const struct {
            size_t at;
            const char *bytes;
            size_t n;
        } bad[] = {
            {DESC_EURO, "\xc0\x80\x41", 3},          /* overlong NUL */
            {DESC_EURO, "\xe0\x82\xac", 3},          /* overlong euro */
            {DESC_EURO, "\xed\xa0\x80", 3},          /* surrogate U+D800 */
            {DESC_EMOJI, "\xf4\x90\x80\x80", 4},     /* U+110000 */
            {DESC_EMOJI, "\xf8\x88\x80\x80", 4},     /* 5-byte form */
            {DESC_EURO, "\x80", 1},                  /* lone continuation byte */
            {DESC_EURO, "\xff", 1},
            {DESC_EURO, "\xe2\x82\x41", 3},          /* truncated sequence */
            {sizeof DESC - 2, "\xe2", 1},            /* truncated at the end of the text */
            {4, "\x00", 1},                          /* NUL: cannot be kept in a C string */
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            unsigned char *c = malloc(B.n);
            memcpy(c, B.b, B.n);
            memcpy(c + L.desc + bad[i].at, bad[i].bytes, bad[i].n);
            fix_crc(c, B.n);
            expect_reject_bytes(c, B.n, "description", L.desc + bad[i].at, NULL, (int)(1000 + i));
            free(c);
        }
    }
    /* CRC: a flipped bit with the old CRC; a wrong stored CRC. */
    {
        unsigned char *c = malloc(B.n);
        memcpy(c, B.b, B.n);
        c[hn->W[0] + 7] ^= 0x80; /* sign of W[0][0] */
        expect_reject_bytes(c, B.n, "crc32", L.crc, "CRC mismatch", __LINE__);
        memcpy(c, B.b, B.n);
        c[B.n - 1] ^= 1;
        expect_reject_bytes(c, B.n, "crc32", L.crc, "CRC mismatch", __LINE__);
        free(c);
    }
    /* Charge flag set on a file without charge networks. */
    {
        layout L0;
        bytes B0 = build(0, &L0);
        poke_u32(B0.b, L0.flags, 1);
        fix_crc(B0.b, B0.n);
        nnv_potential *p = NULL;
        nnv_error err = {0};
        ck_assert_int_eq(parse_bytes(&p, B0.b, B0.n, &err), NNV_EINPUT);
        free(B0.b);
    }
    free(B.b);
#undef FLD
}
END_TEST

START_TEST(test_weights_length)
{
    layout L;
    bytes B = build(1, &L);
    nnv_potential *p = NULL;
    nnv_error err = {0};
    /* Every truncation is rejected as too short, naming the field cut off. */
    for (size_t n = 0; n < B.n; n++) {
        int rc = parse_bytes(&p, B.b, n, &err);
        ck_assert_msg(rc == NNV_EINPUT, "prefix of %zu bytes accepted", n);
        ck_assert_msg(strstr(err.message, "file is shorter than its fields say") &&
                          strncmp(err.message, "crafted.bin: byte offset ", 25) == 0,
                      "prefix %zu: %s", n, err.message);
    }
    {
        char want[200];
        snprintf(want, sizeof want, "field 'crc32': file is shorter than its fields say (field needs 4 bytes, 3 "
                 "left; file size %zu)", B.n - 1);
        parse_bytes(&p, B.b, B.n - 1, &err);
        ck_assert_msg(strstr(err.message, want), "%s", err.message);
    }
    /* Trailing bytes. */
    {
        unsigned char *c = malloc(B.n + 3);
        memcpy(c, B.b, B.n);
        memset(c + B.n, 0, 3);
        expect_reject_bytes(c, B.n + 3, "end of file", B.n, "(3 trailing bytes)", __LINE__);
        free(c);
    }
    /* A file that claims huge arrays is rejected without allocating them:
     * a 4096 x 4096 first layer in a file of a few hundred bytes. */
    {
        unsigned char *c = malloc(B.n);
        memcpy(c, B.b, B.n);
        poke_u32(c, L.el[0].n_sf, 4096);
        fix_crc(c, B.n);
        ck_assert_int_eq(parse_bytes(&p, c, B.n, &err), NNV_EINPUT);
        free(c);
    }
    free(B.b);
}
END_TEST

START_TEST(test_weights_fuzz)
{
    /* Every byte replaced by a few values, CRC fixed or not: the reader
     * either accepts or rejects as bad input, and never crashes (run under
     * ASan/UBSan with --enable-sanitizers). */
    layout L;
    bytes B = build(1, &L);
    unsigned char *c = malloc(B.n);
    const unsigned char vals[] = {0x00, 0xff, 0x80, 0x7f, 0x01};
    int accepted = 0;
    for (size_t i = 0; i < B.n; i++) {
        for (size_t v = 0; v < sizeof vals; v++) {
            for (int crc = 0; crc < 2; crc++) {
                nnv_potential *p = NULL;
                nnv_error err = {0};
                int rc;
                memcpy(c, B.b, B.n);
                c[i] = vals[v] == B.b[i] ? (unsigned char)~vals[v] : vals[v];
                if (crc) fix_crc(c, B.n);
                rc = nnv_potential_parse(&p, c, B.n, "fuzz.bin", &err);
                ck_assert_msg(rc == NNV_OK || rc == NNV_EINPUT, "byte %zu: rc %d", i, rc);
                if (rc == NNV_OK) {
                    ck_assert_msg(crc, "byte %zu changed without a CRC fix but accepted", i);
                    accepted++;
                } else {
                    ck_assert_ptr_null(p);
                }
                nnv_potential_free(p);
            }
        }
    }
    ck_assert(accepted > 0); /* changes in weights are legal */
    free(c);
    free(B.b);
}
END_TEST

START_TEST(test_weights_warnings)
{
    layout L;
    bytes B = build(1, &L);
    struct {
        size_t at;
        double v;
        const char *field;
    } w[] = {
        {L.el[0].energy.param[0], 0.5, "element[0](Z=1).energy_network.layer[0].param"}, /* tanh with param */
        {L.el[0].charge.param[0], -2.0, "element[0](Z=1).charge_network.layer[0].param"},
        {L.el[0].sf[0][F_GMIN], 5.0, "element[0](Z=1).sf[0].gmax"},                     /* gmin > gmax */
        {L.el[0].sf[0][F_ZETA], 1.0, "element[0](Z=1).sf[0].zeta"},                     /* type 2 */
        {L.el[1].sf[0][F_LAMBDA], -1.0, "element[1](Z=8).sf[0].lambda"},
    };
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        nnv_potential *p = NULL;
        nnv_error err = {0};
        unsigned char *c = malloc(B.n);
        char want[200];
        memcpy(c, B.b, B.n);
        poke_f64(c, w[i].at, w[i].v);
        fix_crc(c, B.n);
        ck_assert_msg(parse_bytes(&p, c, B.n, &err) == NNV_OK, "case %zu: %s", i, err.message);
        ck_assert_int_eq(p->warnings.count, 1);
        snprintf(want, sizeof want, "crafted.bin: byte offset %zu: field '%s'",
                 i == 2 ? L.el[0].sf[0][F_GMAX] : w[i].at, w[i].field);
        ck_assert_msg(strstr(p->warnings.messages[0], want), "case %zu: %s", i, p->warnings.messages[0]);
        nnv_potential_free(p);
        free(c);
    }
    free(B.b);
}
END_TEST

START_TEST(test_weights_serialize_validates)
{
    layout L;
    bytes B = build(1, &L);
    nnv_potential *p = NULL;
    nnv_error err = {0};
    unsigned char *out = NULL;
    size_t n = 0;
    ck_assert_int_eq(parse_bytes(&p, B.b, B.n, &err), NNV_OK);

    p->elements[0].sf[1].rc = -1.0;
    ck_assert_int_eq(nnv_potential_serialize(&out, &n, p, &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "'element[0](Z=1).sf[1].rc'"), "%s", err.message);
    ck_assert_ptr_null(out);
    p->elements[0].sf[1].rc = 5.5;

    p->elements[1].sf[1].lambda = 0.0;
    ck_assert_int_eq(nnv_potential_serialize(&out, &n, p, &err), NNV_EINPUT);
    p->elements[1].sf[1].lambda = 1.0;

    p->elements[0].energy.layers[1].n_in = 3; /* chain 3 -> 2, then 3 -> 1 */
    ck_assert_int_eq(nnv_potential_serialize(&out, &n, p, &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "chain"), "%s", err.message);
    p->elements[0].energy.layers[1].n_in = 2;

    p->flags = 0; /* charge networks present but not flagged */
    ck_assert_int_eq(nnv_potential_serialize(&out, &n, p, &err), NNV_EINPUT);
    p->flags = 6;
    ck_assert_int_eq(nnv_potential_serialize(&out, &n, p, &err), NNV_EINPUT);
    p->flags = 1;

    p->elements[1].Z = 1; /* not ascending */
    ck_assert_int_eq(nnv_potential_serialize(&out, &n, p, &err), NNV_EINPUT);
    p->elements[1].Z = 8;

    p->description[0] = (char)0xff;
    ck_assert_int_eq(nnv_potential_serialize(&out, &n, p, &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "'description'"), "%s", err.message);
    p->description[0] = 't';

    ck_assert_int_eq(nnv_potential_serialize(&out, &n, p, &err), NNV_OK);
    ck_assert(n == B.n && memcmp(out, B.b, n) == 0);
    free(out);

    /* A potential that cannot be written leaves no file, temporary or not. */
    {
        char dir[] = "/tmp/nnvib-test-io-XXXXXX", path[64];
        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(path, sizeof path, "%s/w.bin", dir);
        p->elements[0].E0 = NAN;
        ck_assert_int_eq(nnv_potential_write(path, p, &err), NNV_EINPUT);
        ck_assert_int_eq(rmdir(dir), 0); /* fails unless the folder is empty */
    }
    nnv_potential_free(p);
    free(B.b);
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

/* ==== the text layer (src/base/text.c) ====================================== */

static txt_span S(const char *s) { return txt_span_str(s); }

START_TEST(test_text_numbers)
{
    double v = -1;
    long l = -1;
    char big[300];
    /* One rule for every reader: strtod syntax, the whole token, finite. */
    ck_assert_int_eq(txt_parse_number(S("1.5"), &v), TXT_OK);
    ck_assert(v == 1.5);
    ck_assert_int_eq(txt_parse_number(S("-2e-3"), &v), TXT_OK);
    ck_assert(v == -2e-3);
    ck_assert_int_eq(txt_parse_number(S("0x1p3"), &v), TXT_OK);
    ck_assert(v == 8.0);
    ck_assert_int_eq(txt_parse_number(S("1e-400"), &v), TXT_OK); /* underflow: the nearest double */
    ck_assert(v == 0.0);
    ck_assert_int_eq(txt_parse_number(S(""), &v), TXT_EBAD);
    ck_assert_int_eq(txt_parse_number(S(" 1"), &v), TXT_EBAD); /* no leading blank */
    ck_assert_int_eq(txt_parse_number(S("1 "), &v), TXT_EBAD);
    ck_assert_int_eq(txt_parse_number(S("1.2.3"), &v), TXT_EBAD);
    ck_assert_int_eq(txt_parse_number(S("1,5"), &v), TXT_EBAD);
    ck_assert_int_eq(txt_parse_number(S("abc"), &v), TXT_EBAD);
    ck_assert_int_eq(txt_parse_number((txt_span){"1\0" "2", 3}, &v), TXT_EBAD);
    ck_assert_int_eq(txt_parse_number(S("1e999"), &v), TXT_ERANGE); /* overflow to inf */
    ck_assert_int_eq(txt_parse_number(S("-1e999"), &v), TXT_ERANGE);
    ck_assert_int_eq(txt_parse_number(S("inf"), &v), TXT_ERANGE);
    ck_assert_int_eq(txt_parse_number(S("-Infinity"), &v), TXT_ERANGE);
    ck_assert_int_eq(txt_parse_number(S("nan"), &v), TXT_ERANGE);
    ck_assert(v == 0.0); /* untouched on failure */
    /* Only part of a longer text: the span's end is the token's end. */
    ck_assert_int_eq(txt_parse_number((txt_span){"12345", 2}, &v), TXT_OK);
    ck_assert(v == 12.0);
    memset(big, '1', sizeof big);
    ck_assert_int_eq(txt_parse_number((txt_span){big, TXT_NUMBER_MAX}, &v), TXT_OK);
    ck_assert_int_eq(txt_parse_number((txt_span){big, TXT_NUMBER_MAX + 1}, &v), TXT_EBAD);

    ck_assert_int_eq(txt_parse_long(S("42"), 1, 100, &l), TXT_OK);
    ck_assert_int_eq(l, 42);
    ck_assert_int_eq(txt_parse_long(S("+7"), 1, 100, &l), TXT_OK);
    ck_assert_int_eq(l, 7);
    ck_assert_int_eq(txt_parse_long(S("-3"), -5, 5, &l), TXT_OK);
    ck_assert_int_eq(l, -3);
    ck_assert_int_eq(txt_parse_long(S("0"), 1, 100, &l), TXT_ERANGE);
    ck_assert_int_eq(l, 1); /* the nearer bound */
    ck_assert_int_eq(txt_parse_long(S("101"), 1, 100, &l), TXT_ERANGE);
    ck_assert_int_eq(l, 100);
    ck_assert_int_eq(txt_parse_long(S("99999999999999999999999"), 1, 100, &l), TXT_ERANGE);
    ck_assert_int_eq(l, 100);
    ck_assert_int_eq(txt_parse_long(S("-99999999999999999999999"), 1, 100, &l), TXT_ERANGE);
    ck_assert_int_eq(l, 1);
    ck_assert_int_eq(txt_parse_long(S("3.0"), 1, 100, &l), TXT_EBAD);
    ck_assert_int_eq(txt_parse_long(S("1e2"), 1, 1000, &l), TXT_EBAD);
    ck_assert_int_eq(txt_parse_long(S("0x10"), 0, 100, &l), TXT_EBAD);
    ck_assert_int_eq(txt_parse_long(S(" 5"), 0, 100, &l), TXT_EBAD);
    ck_assert_int_eq(txt_parse_long(S("- 5"), -9, 9, &l), TXT_EBAD);
    ck_assert_int_eq(txt_parse_long(S("+"), 0, 9, &l), TXT_EBAD);
    ck_assert_int_eq(txt_parse_long(S(""), 0, 9, &l), TXT_EBAD);
}
END_TEST

START_TEST(test_text_lines_tokens)
{
    static const char text[] = "a b\r\n\n  c\t d  e \nlast";
    txt_cursor c;
    txt_span l, tok[3], f[4];
    char q[TXT_QUOTE_SIZE], long_token[60];

    txt_cursor_init(&c, text, strlen(text));
    ck_assert(txt_next_line(&c, &l) && c.line == 1 && txt_span_is(l, "a b"));
    ck_assert(txt_next_line(&c, &l) && c.line == 2 && l.n == 0 && txt_is_blank(l));
    ck_assert(txt_next_line(&c, &l) && c.line == 3 && !txt_is_blank(l));
    ck_assert(txt_span_is(txt_trim(l), "c\t d  e"));
    /* Up to max tokens, counting one more so that "too many" shows. */
    ck_assert_int_eq(txt_split(l, tok, 3), 3);
    ck_assert(txt_span_is(tok[0], "c") && txt_span_is(tok[1], "d") && txt_span_is(tok[2], "e"));
    ck_assert_int_eq(txt_split(l, tok, 2), 3);
    ck_assert_int_eq(txt_split(l, NULL, 0), 1);
    ck_assert(txt_next_line(&c, &l) && c.line == 4 && txt_span_is(l, "last"));
    ck_assert(!txt_next_line(&c, &l));
    ck_assert_int_eq(c.line, 4);

    /* A final newline does not start an empty line; an empty text has none. */
    txt_cursor_init(&c, "x\n", 2);
    ck_assert(txt_next_line(&c, &l) && !txt_next_line(&c, &l));
    txt_cursor_init(&c, "", 0);
    ck_assert(!txt_next_line(&c, &l));
    /* JCAMP-DX: a CR alone ends a line too, CRLF once. */
    txt_cursor_init(&c, "a\rb\r\nc\n\rd", 9);
    c.lone_cr = 1;
    ck_assert(txt_next_line(&c, &l) && txt_span_is(l, "a"));
    ck_assert(txt_next_line(&c, &l) && txt_span_is(l, "b"));
    ck_assert(txt_next_line(&c, &l) && txt_span_is(l, "c"));
    ck_assert(txt_next_line(&c, &l) && l.n == 0);
    ck_assert(txt_next_line(&c, &l) && txt_span_is(l, "d") && c.line == 5);

    /* TSV: empty fields count. */
    ck_assert_int_eq(txt_split_char(S("a\t\tb\t"), '\t', f, 4), 4);
    ck_assert(txt_span_is(f[0], "a") && f[1].n == 0 && txt_span_is(f[2], "b") && f[3].n == 0);
    ck_assert_int_eq(txt_split_char(S("a\tb\tc"), '\t', f, 2), 3);
    ck_assert_int_eq(txt_split_char(S(""), '\t', f, 4), 1);

    /* Quoting for messages: control bytes shown as '?', long tokens cut. */
    ck_assert_str_eq(txt_quote(q, S("ab\x01\tc\x7f")), "ab??c?");
    memset(long_token, 'x', sizeof long_token);
    txt_quote(q, (txt_span){long_token, sizeof long_token});
    ck_assert_int_eq((int)strlen(q), TXT_QUOTE_MAX + 3);
    ck_assert_str_eq(q + TXT_QUOTE_MAX, "...");
    ck_assert_str_eq(txt_quote(q, (txt_span){long_token, TXT_QUOTE_MAX}), q); /* exactly the cap: no "..." */
    ck_assert_int_eq((int)strlen(q), TXT_QUOTE_MAX);
}
END_TEST

START_TEST(test_text_read_file)
{
    char dir[] = "/tmp/nnvib-test-text-XXXXXX", path[128];
    unsigned char *buf = (unsigned char *)"not touched";
    size_t len = 7;
    nnv_error err = {0, ""};
    FILE *f;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/hundred.txt", dir);
    ck_assert_ptr_nonnull(f = fopen(path, "wb"));
    for (int i = 0; i < 100; i++) fputc('a' + i % 26, f);
    ck_assert_int_eq(fclose(f), 0);

    /* Exactly the cap is allowed, and the text ends in a NUL it does not count. */
    ck_assert_int_eq(txt_read_file(path, 100, &buf, &len, &err), NNV_OK);
    ck_assert_int_eq((int)len, 100);
    ck_assert(buf[0] == 'a' && buf[99] == 'a' + 99 % 26 && buf[100] == '\0');
    free(buf);
    /* One byte more than the cap: bad input naming the file and the limit. */
    ck_assert_int_eq(txt_read_file(path, 99, &buf, &len, &err), NNV_EINPUT);
    ck_assert_ptr_null(buf);
    ck_assert_int_eq((int)len, 0);
    ck_assert_msg(strstr(err.message, path) && strstr(err.message, "99 bytes"), "%s", err.message);
    /* A device is read in chunks and stopped at the cap: never to the end. */
    ck_assert_int_eq(txt_read_file("/dev/zero", (size_t)1 << 20, &buf, &len, &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "/dev/zero") && strstr(err.message, "1 MiB"), "%s", err.message);
    /* An empty file is read, as an empty text. */
    ck_assert_int_eq(txt_read_file("/dev/null", 10, &buf, &len, &err), NNV_OK);
    ck_assert(len == 0 && buf && buf[0] == '\0');
    free(buf);
    ck_assert_int_eq(txt_read_file("/nonexistent/x.txt", 10, &buf, &len, &err), NNV_EIO);
    ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/x.txt"));
    /* The readers go through the same door, each with its cap. */
    {
        nnv_jcamp_spectrum *sp = NULL;
        ck_assert_int_eq(nnv_jcamp_read(&sp, "/dev/zero", &err), NNV_EINPUT);
        ck_assert_msg(strstr(err.message, "larger than 64 MiB"), "%s", err.message);
    }
    unlink(path);
    rmdir(dir);
}
END_TEST

/* ==== the XYZ frame iterator ==================================================== */

START_TEST(test_xyz_reader)
{
    /* Frame 0 good; frame 1 a bad coordinate (fails alone); frame 2 good
     * after blank lines; frame 3 atoms too close; frame 4 a count too large
     * to be real; frame 5 good; then a count line that is no number. */
    static const char text[] = "2\nzero\nO 0 0 0\nH 0 0 1\n"        /* lines 1-4 */
                               "1\none\nH 0 x 0\n"                  /* lines 5-7 */
                               "\n\n1\ntwo\nHe 1 2 3\n"             /* lines 8-12 */
                               "2\nthree\nH 0 0 0\nH 0 0 0.05\n"    /* lines 13-16 */
                               "2000000\nfour\n"                    /* lines 17-18 */
                               "1\nfive\nNe 0 0 0\n"                /* lines 19-21: skipped with frame 4 */
                               "x\nsix\n";                          /* lines 22-23 */
    nnv_xyz_reader *r = NULL;
    nnv_structure *s = NULL;
    nnv_error err = {0, ""};
    ck_assert_int_eq(nnv_xyz_open_memory(&r, text, strlen(text), "traj.xyz", &err), NNV_OK);
    ck_assert_int_eq(nnv_xyz_frame(r), -1);

    ck_assert_int_eq(nnv_xyz_next(r, &s, &err), NNV_OK);
    ck_assert(s && s->n_atoms == 2 && nnv_xyz_frame(r) == 0);
    ck_assert_str_eq(s->comment, "zero");
    nnv_structure_free(s);

    ck_assert_int_eq(nnv_xyz_next(r, &s, &err), NNV_EINPUT);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(nnv_xyz_frame(r), 1);
    ck_assert_str_eq(err.message, "traj.xyz: line 7: field 'y' of atom 1 of frame 2: not a number: \"x\"");

    ck_assert_int_eq(nnv_xyz_next(r, &s, &err), NNV_OK);
    ck_assert(s && s->n_atoms == 1 && s->Z[0] == 2 && s->xyz[2] == 3.0 && nnv_xyz_frame(r) == 2);
    nnv_structure_free(s);

    ck_assert_int_eq(nnv_xyz_next(r, &s, &err), NNV_EINPUT);
    ck_assert_int_eq(nnv_xyz_frame(r), 3);
    ck_assert_msg(strstr(err.message, "traj.xyz: atoms 1 (line 15) and 2 (line 16) of frame 4 are"), "%s",
                  err.message);

    /* A number, if too large: this frame fails, the reader goes on past the
     * lines it claims (here the rest of the file). */
    ck_assert_int_eq(nnv_xyz_next(r, &s, &err), NNV_EINPUT);
    ck_assert_int_eq(nnv_xyz_frame(r), 4);
    ck_assert_str_eq(err.message, "traj.xyz: line 17: atom count of frame 5: 2000000 is more than 1000000 atoms");
    ck_assert_int_eq(nnv_xyz_next(r, &s, &err), NNV_OK);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(nnv_xyz_frame(r), 4);
    nnv_xyz_close(r);

    /* A count line that is no number ends the file after it is reported
     * (the frame before it fails too: its count looks too small). */
    {
        static const char t2[] = "1\na\nH 0 0 0\nx\nb\nH 0 0 0\n1\nc\nH 0 0 0\n";
        ck_assert_int_eq(nnv_xyz_open_memory(&r, t2, strlen(t2), NULL, &err), NNV_OK);
        ck_assert_int_eq(nnv_xyz_next(r, &s, &err), NNV_EINPUT);
        ck_assert_str_eq(err.message, "(xyz): line 4: expected the atom count of frame 2 or the end of the file, "
                                      "found \"x\" (more atoms than the 1 on line 1?)");
        ck_assert_int_eq(nnv_xyz_next(r, &s, &err), NNV_EINPUT);
        ck_assert_str_eq(err.message, "(xyz): line 4: atom count of frame 2: not a positive integer: \"x\"");
        ck_assert_int_eq(nnv_xyz_frame(r), 1);
        ck_assert_int_eq(nnv_xyz_next(r, &s, &err), NNV_OK);
        ck_assert_ptr_null(s);
        ck_assert_int_eq(nnv_xyz_next(r, &s, &err), NNV_OK); /* and stays at the end */
        ck_assert_ptr_null(s);
        nnv_xyz_close(r);
    }
    /* A count too small: the frame fails on the extra atom line, which then
     * cannot start a frame. */
    {
        static const char t3[] = "1\na\nH 0 0 0\nH 0 0 1\n";
        ck_assert_int_eq(nnv_xyz_open_memory(&r, t3, strlen(t3), "t3.xyz", &err), NNV_OK);
        ck_assert_int_eq(nnv_xyz_next(r, &s, &err), NNV_EINPUT);
        ck_assert_ptr_nonnull(strstr(err.message, "line 4: expected the atom count of frame 2"));
        ck_assert_int_eq(nnv_xyz_next(r, &s, &err), NNV_EINPUT);
        ck_assert_ptr_nonnull(strstr(err.message, "line 4: atom count of frame 2: not a positive integer"));
        ck_assert_int_eq(nnv_xyz_next(r, &s, &err), NNV_OK);
        ck_assert_ptr_null(s);
        nnv_xyz_close(r);
    }
    /* An empty file is an error, once. */
    ck_assert_int_eq(nnv_xyz_open_memory(&r, " \t", 2, "e.xyz", &err), NNV_OK);
    ck_assert_int_eq(nnv_xyz_next(r, &s, &err), NNV_EINPUT);
    ck_assert_str_eq(err.message, "e.xyz: line 1: empty file, expected an atom count");
    ck_assert_int_eq(nnv_xyz_frame(r), 0);
    ck_assert_int_eq(nnv_xyz_next(r, &s, &err), NNV_OK);
    ck_assert_ptr_null(s);
    nnv_xyz_close(r);
    /* Usage errors, and NULL accepted where documented. */
    ck_assert_int_eq(nnv_xyz_open_memory(&r, NULL, 3, "n.xyz", &err), NNV_EUSAGE);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(nnv_xyz_next(NULL, &s, &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_xyz_frame(NULL), -1);
    nnv_xyz_close(NULL);
    ck_assert_int_eq(nnv_xyz_open(&r, "/nonexistent/t.xyz", &err), NNV_EIO);
    ck_assert_ptr_null(r);
}
END_TEST

/* Every frame of a file through the iterator equals nnv_structure_read_xyz
 * of that frame, from a file on disk. */
START_TEST(test_xyz_reader_matches_read_xyz)
{
    char dir[] = "/tmp/nnvib-test-xyz-XXXXXX", path[128];
    static const char traj[] = "1\nframe zero\nH 0 0 0\n2\nframe one\nH 0 0 0\nH 0 0 0.74\n\n1\nframe two\nHe 1 2 3\n";
    nnv_xyz_reader *r = NULL;
    nnv_structure *s = NULL, *t = NULL;
    nnv_error err = {0, ""};
    FILE *f;
    int n = 0;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/traj.xyz", dir);
    ck_assert_ptr_nonnull(f = fopen(path, "wb"));
    fputs(traj, f);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(nnv_xyz_open(&r, path, &err), NNV_OK);
    while (nnv_xyz_next(r, &s, &err) == NNV_OK && s) {
        ck_assert_int_eq(nnv_xyz_frame(r), n);
        ck_assert_int_eq(nnv_structure_read_xyz(&t, path, n, &err), NNV_OK);
        ck_assert_int_eq(s->n_atoms, t->n_atoms);
        ck_assert_str_eq(s->comment, t->comment);
        ck_assert(memcmp(s->xyz, t->xyz, 3 * (size_t)s->n_atoms * sizeof *s->xyz) == 0);
        ck_assert(memcmp(s->Z, t->Z, (size_t)s->n_atoms * sizeof *s->Z) == 0);
        nnv_structure_free(s);
        nnv_structure_free(t);
        n++;
    }
    ck_assert_int_eq(n, 3);
    nnv_xyz_close(r);
    unlink(path);
    rmdir(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("io");
    TCase *tc;
    SRunner *sr;
    int failed;

    tc = tcase_create("elements");
    tcase_add_test(tc, test_element_symbols);
    tcase_add_test(tc, test_element_masses);
    tcase_add_test(tc, test_crc32);
    suite_add_tcase(s, tc);

    tc = tcase_create("xyz");
    tcase_add_test(tc, test_xyz_good);
    tcase_add_test(tc, test_xyz_frames);
    tcase_add_test(tc, test_xyz_bad);
    tcase_add_test(tc, test_xyz_many_atoms);
    tcase_add_test(tc, test_xyz_missing_element_file);
    tcase_add_test(tc, test_structure_api);
    tcase_add_test(tc, test_xyz_reader);
    tcase_add_test(tc, test_xyz_reader_matches_read_xyz);
    suite_add_tcase(s, tc);

    tc = tcase_create("text");
    tcase_add_test(tc, test_text_numbers);
    tcase_add_test(tc, test_text_lines_tokens);
    tcase_add_test(tc, test_text_read_file);
    suite_add_tcase(s, tc);

    tc = tcase_create("weights");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_weights_layout);
    tcase_add_test(tc, test_weights_smoothness);
    tcase_add_test(tc, test_weights_rejections);
    tcase_add_test(tc, test_weights_length);
    tcase_add_test(tc, test_weights_fuzz);
    tcase_add_test(tc, test_weights_warnings);
    tcase_add_test(tc, test_weights_serialize_validates);
    suite_add_tcase(s, tc);

    tc = tcase_create("conformance");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_conformance_invalid);
    tcase_add_test(tc, test_conformance_roundtrip);
    suite_add_tcase(s, tc);

    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
