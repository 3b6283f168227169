/* Unit tests of the training data sets: extended XYZ read (plain and gzip,
 * ASE's layouts) and written, the one extended-XYZ frame writer read back,
 * curvature labels (hvp_probe_K, hvp_K) kept, and a clear error for each kind
 * of malformed frame. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, open_memstream, strdup */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "testutil.h"
#include "toyset.h"

/* ---- extended XYZ ------------------------------------------------------------------ */

START_TEST(test_extxyz_roundtrip)
{
    ds_set a, b;
    char dir[] = "/tmp/nnvib-test-train-XXXXXX", path[128];
    nnv_error err;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/set.extxyz", dir);
    make_set(&a, 7, 42);
    a.frames[2].has_dipole = 0; /* optional labels stay optional */
    ck_assert_int_eq(ds_write(&a, path, &err), NNV_OK);
    ck_assert_int_eq(ds_read(&b, path, NULL, &err), NNV_OK);
    ck_assert_int_eq(b.n_frames, a.n_frames);
    for (int f = 0; f < a.n_frames; f++) {
        const ds_frame *x = &a.frames[f], *y = &b.frames[f];
        ck_assert_int_eq(x->n_atoms, y->n_atoms);
        ck_assert_int_eq(y->has_energy, 1);
        ck_assert_int_eq(y->has_dipole, x->has_dipole);
        ck_assert(tu_close(y->energy, x->energy, 1e-9, 0));
        ck_assert_str_eq(y->info, "molecule=toy");
        ck_assert_ptr_nonnull(y->forces);
        for (int i = 0; i < x->n_atoms; i++) {
            ck_assert_int_eq(x->Z[i], y->Z[i]);
            for (int q = 0; q < 3; q++) {
                ck_assert(tu_close(y->xyz[3 * i + q], x->xyz[3 * i + q], 1e-9, 0));
                ck_assert(tu_close(y->forces[3 * i + q], x->forces[3 * i + q], 1e-9, 0));
            }
        }
        if (x->has_dipole)
            for (int q = 0; q < 3; q++) ck_assert(tu_close(y->dipole[q], x->dipole[q], 1e-9, 0));
    }
    /* The gzip path gives the same frames. */
    {
        char cmd[300], gz[140];
        ds_set c;
        snprintf(gz, sizeof gz, "%s.gz", path);
        snprintf(cmd, sizeof cmd, "gzip -c '%s' > '%s'", path, gz);
        if (system(cmd) == 0) {
            uint32_t crc = 0;
            ck_assert_int_eq(ds_read(&c, gz, &crc, &err), NNV_OK);
            ck_assert_int_eq(c.n_frames, a.n_frames);
            ck_assert(tu_close(c.frames[6].energy, a.frames[6].energy, 1e-9, 0));
            ck_assert_uint_ne(crc, 0);
            ds_free(&c);
            unlink(gz);
        }
    }
    unlink(path);
    rmdir(dir);
    ds_free(&a);
    ds_free(&b);
}
END_TEST

/* Write len bytes as one gzip member, appended when `append`. */
static void write_gz(const char *path, const char *text, size_t len, int append)
{
    gzFile g = gzopen(path, append ? "ab" : "wb");
    ck_assert_ptr_nonnull(g);
    ck_assert_int_eq(gzwrite(g, text, (unsigned)len), (int)len);
    ck_assert_int_eq(gzclose(g), Z_OK);
}

static void write_bytes(const char *path, const char *bytes, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(bytes, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

/* The reader decompresses gzip in-process (zlib, no gzip child): by the
 * content, not the name; the CRC it reports is of the bytes on disk. */
START_TEST(test_extxyz_gzip)
{
    char dir[] = "/tmp/nnvib-test-gz-XXXXXX", plain[128], gz[128], odd[128];
    ds_set a, b;
    nnv_error err = {0, ""};
    uint32_t crc = 0;
    size_t len = 0, glen = 0;
    char *text, *bytes;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(plain, sizeof plain, "%s/set.extxyz", dir);
    snprintf(gz, sizeof gz, "%s/set.extxyz.gz", dir);
    snprintf(odd, sizeof odd, "%s/set.data", dir);
    make_set(&a, 5, 11);
    ck_assert_int_eq(ds_write(&a, plain, &err), NNV_OK);
    ck_assert_ptr_nonnull(text = tu_read_file(plain, &len));

    ck_assert_int_eq(ds_read(&b, plain, &crc, &err), NNV_OK);
    ck_assert_uint_eq(crc, nnv_crc32((const unsigned char *)text, len));
    ds_free(&b);

    write_gz(gz, text, len, 0);
    ck_assert_msg(ds_read(&b, gz, &crc, &err) == NNV_OK, "%s", err.message);
    ck_assert_int_eq(b.n_frames, 5);
    ck_assert(b.frames[4].energy == a.frames[4].energy && b.frames[4].xyz[2] == a.frames[4].xyz[2]);
    ds_free(&b);
    ck_assert_ptr_nonnull(bytes = tu_read_file(gz, &glen));
    ck_assert_uint_eq(crc, nnv_crc32((const unsigned char *)bytes, glen));

    /* Compressed data under another name; two members (gzip -c a >> f). */
    write_gz(odd, text, len, 0);
    write_gz(odd, text, len, 1);
    ck_assert_msg(ds_read(&b, odd, NULL, &err) == NNV_OK, "%s", err.message);
    ck_assert_int_eq(b.n_frames, 10);
    ds_free(&b);

    /* Cut short, or followed by bytes that are no gzip member: bad input. */
    write_bytes(odd, bytes, glen / 2);
    ck_assert_int_eq(ds_read(&b, odd, NULL, &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, odd) && strstr(err.message, "truncated gzip data"), "%s", err.message);
    {
        char *more = malloc(glen + 4);
        ck_assert_ptr_nonnull(more);
        memcpy(more, bytes, glen);
        memcpy(more + glen, "junk", 4);
        write_bytes(odd, more, glen + 4);
        free(more);
    }
    ck_assert_int_eq(ds_read(&b, odd, NULL, &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "data after the end of the gzip stream"), "%s", err.message);
    /* Corrupt deflate data after a valid header. */
    bytes[glen / 2] ^= 0x55;
    bytes[glen / 2 + 1] ^= 0x55;
    write_bytes(odd, bytes, glen);
    ck_assert_int_eq(ds_read(&b, odd, NULL, &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "gzip data"), "%s", err.message);

    /* A plain file named .gz reads as the plain text it is. */
    write_bytes(gz, text, len);
    ck_assert_msg(ds_read(&b, gz, NULL, &err) == NNV_OK, "%s", err.message);
    ck_assert_int_eq(b.n_frames, 5);
    ds_free(&b);

    free(text);
    free(bytes);
    unlink(plain);
    unlink(gz);
    unlink(odd);
    rmdir(dir);
    ds_free(&a);
}
END_TEST

START_TEST(test_extxyz_ase_layout)
{
    /* Columns in another order, extra columns and keys, quoted values with
     * blanks, a Lattice-free ASE comment, CRLF line ends. */
    static const char text[] =
        "2\r\n"
        "Lattice=\"0 0 0 0 0 0 0 0 0\" Properties=forces:R:3:tag:I:1:species:S:1:pos:R:3 name=\"two words\" "
        "energy=-12.5 dipole=\"0.1 -0.2 0.3\" flag pbc=\"F F F\"\r\n"
        "0.5 0 0 7 O 0.0 0.0 0.0\r\n"
        "-0.5 0 0 8 h 0.96 0.0 0.0\r\n";
    ds_set s;
    nnv_error err;
    ck_assert_int_eq(ds_parse(&s, text, strlen(text), "ase.xyz", &err), NNV_OK);
    ck_assert_int_eq(s.n_frames, 1);
    ck_assert_int_eq(s.frames[0].Z[0], 8);
    ck_assert_int_eq(s.frames[0].Z[1], 1);
    ck_assert(tu_close(s.frames[0].xyz[3], 0.96, 1e-15, 0));
    ck_assert(tu_close(s.frames[0].forces[3], -0.5, 1e-15, 0));
    ck_assert(tu_close(s.frames[0].energy, -12.5, 1e-15, 0));
    ck_assert(tu_close(s.frames[0].dipole[1], -0.2, 1e-15, 0));
    ck_assert_ptr_nonnull(strstr(s.frames[0].info, "name=\"two words\""));
    ck_assert_ptr_nonnull(strstr(s.frames[0].info, "flag"));
    ds_free(&s);
    /* Plain XYZ: positions only, no labels. */
    ck_assert_int_eq(ds_parse(&s, "1\nwater?\nO 0 0 0\n\n\n", 19, "plain.xyz", &err), NNV_OK);
    ck_assert_int_eq(s.frames[0].has_energy, 0);
    ck_assert_ptr_null(s.frames[0].forces);
    ds_free(&s);
}
END_TEST

START_TEST(test_xyzw_frame_read_back)
{
    /* The one extended-XYZ frame writer (src/output/extxyz_frame.c), read back
     * by the training reader: columns of 1 and 3 components in the callers'
     * formats, a zero column (NULL values), columns the reader skips, the
     * comment's key=value text; then a frame with positions only. */
    static const int Z[3] = {8, 1, 1};
    static const double m[3] = {15.99491462, 1.00782503, 1.00782503};
    static const double x[9] = {0.0, 0.0, 0.1173, 0.0, 0.7572, -0.4692, 0.0, -0.7572, -0.4692};
    static const double v[9] = {1e-3, -2e-3, 0, 0, 0.0123, 0.5, -1e-7, 0, 3};
    static const double F[9] = {0.1, -0.2, 1.0 / 3.0, -0.1, 0.2, -1.0 / 3.0, 0, 0, 1e-300};
    xyzw_column cols[5] = {{"masses", 1, m, "%14.8f"},
                           {"pos", 3, x, "%16.10f"},
                           {"velocities", 3, v, "%16.10e"},
                           {"forces", 3, F, "%24.17g"},
                           {"mode", 3, NULL, "%14.10f"}};
    static const char head[] =
        "3\nProperties=species:S:1:masses:R:1:pos:R:3:velocities:R:3:forces:R:3:mode:R:3 energy=-12.5000000000 "
        "dipole=\"0.1000000000 -0.2000000000 0.3000000000\" pbc=\"F F F\" step=7\n";
    char *text = NULL;
    size_t len = 0;
    ds_set s;
    nnv_error err;
    FILE *f = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(xyzw_frame(f, 3, Z, cols, 5, "energy=%.10f dipole=\"%.10f %.10f %.10f\" pbc=\"F F F\" step=%d",
                                -12.5, 0.1, -0.2, 0.3, 7),
                     NNV_OK);
    ck_assert_int_eq(xyzw_frame(f, 3, Z, cols + 1, 1, NULL), NNV_OK);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(strncmp(text, head, strlen(head)), 0);
    ck_assert_ptr_nonnull(strstr(text, "\nO     15.99491462     0.0000000000     0.0000000000     0.1173000000 "
                                       "1.0000000000e-03 -2.0000000000e-03 0.0000000000e+00 "));
    ck_assert_ptr_nonnull(strstr(text, "0.0000000000   0.0000000000   0.0000000000\nH "));
    ck_assert_ptr_nonnull(strstr(text, "\n3\nProperties=species:S:1:pos:R:3\nO      0.0000000000"));
    ck_assert_int_eq(ds_parse(&s, text, len, "xyzw", &err), NNV_OK);
    ck_assert_int_eq(s.n_frames, 2);
    for (int k = 0; k < 2; k++) {
        const ds_frame *fr = &s.frames[k];
        ck_assert_int_eq(fr->n_atoms, 3);
        for (int i = 0; i < 3; i++) ck_assert_int_eq(fr->Z[i], Z[i]);
        for (int a = 0; a < 9; a++) ck_assert(tu_close(fr->xyz[a], x[a], 1e-15, 0));
    }
    /* %.17g gives every bit back. */
    ck_assert_ptr_nonnull(s.frames[0].forces);
    ck_assert(memcmp(s.frames[0].forces, F, sizeof F) == 0);
    ck_assert(s.frames[0].has_energy && s.frames[0].energy == -12.5);
    ck_assert(s.frames[0].has_dipole && tu_close(s.frames[0].dipole[2], 0.3, 1e-15, 0));
    ck_assert_str_eq(s.frames[0].info, "step=7");
    ck_assert(!s.frames[1].has_energy && !s.frames[1].has_dipole && !s.frames[1].forces);
    ck_assert_str_eq(s.frames[1].info, "");
    ds_free(&s);
    free(text);
    /* A write that fails is NNV_EIO (unbuffered, so the first byte fails). */
    if ((f = fopen("/dev/full", "w")) != NULL) {
        setvbuf(f, NULL, _IONBF, 0);
        ck_assert_int_eq(xyzw_frame(f, 3, Z, cols, 5, "step=%d", 1), NNV_EIO);
        fclose(f);
    }
}
END_TEST

static void expect_error(const char *text, const char *fragment)
{
    ds_set s;
    nnv_error err = {0, ""};
    int rc = ds_parse(&s, text, strlen(text), "bad.xyz", &err);
    ck_assert_msg(rc == NNV_EINPUT, "accepted: %s", text);
    ck_assert_msg(strstr(err.message, fragment) != NULL, "message '%s' lacks '%s'", err.message, fragment);
    ck_assert_int_eq(s.n_frames, 0);
}

START_TEST(test_extxyz_errors)
{
    const char *P = "Properties=species:S:1:pos:R:3:forces:R:3";
    char buf[512];
    expect_error("", "no frames");
    expect_error("x\n\nH 0 0 0\n", "line 1: field 'atom count'");
    expect_error("0\n\n", "line 1: field 'atom count'");
    snprintf(buf, sizeof buf, "1\n%s energy=abc\nH 0 0 0 0 0 0\n", P);
    expect_error(buf, "line 2: field 'energy': bad number 'abc'");
    snprintf(buf, sizeof buf, "1\n%s dipole=\"1 2\"\nH 0 0 0 0 0 0\n", P);
    expect_error(buf, "line 2: field 'dipole'");
    snprintf(buf, sizeof buf, "1\n%s energy=\"1\nH 0 0 0 0 0 0\n", P);
    expect_error(buf, "unterminated quote");
    expect_error("1\nProperties=species:S:1\nH\n", "needs species:S:1 and pos:R:3");
    expect_error("1\nProperties=species:S\nH 0 0 0\n", "field 'Properties'");
    snprintf(buf, sizeof buf, "1\n%s\nH 0 0 0 0 0\n", P);
    expect_error(buf, "line 3: atom 1: 6 columns, Properties gives 7");
    snprintf(buf, sizeof buf, "1\n%s\nXx 0 0 0 0 0 0\n", P);
    expect_error(buf, "line 3: atom 1: field 'species': unknown element 'Xx'");
    snprintf(buf, sizeof buf, "1\n%s\nH 0 0 0 0 nan 0\n", P);
    expect_error(buf, "line 3: atom 1: field 'fy': bad number 'nan'");
    snprintf(buf, sizeof buf, "2\n%s\nH 0 0 0 0 0 0\n", P);
    expect_error(buf, "line 4: atom 2: file ends");
    expect_error("1\n", "line 2: comment line: file ends");
    snprintf(buf, sizeof buf, "1\n%s\nH 0 0 0 0 0 0\n\n1\n%s\nH 0 0 0 0 0 0\n", P, P);
    expect_error(buf, "line 4: field 'atom count': empty line");
    /* Finite but absurd labels: refused by frame and field, not left to the loss. */
    snprintf(buf, sizeof buf, "1\n%s energy=-1\nH 0 0 0 0 0 0\n1\n%s energy=1e308\nH 0 0 0 0 0 0\n", P, P);
    expect_error(buf, "frame 2 (line 4): field 'energy': 1e+308 eV");
    snprintf(buf, sizeof buf, "1\n%s dipole=\"0 5e4 0\"\nH 0 0 0 0 0 0\n", P);
    expect_error(buf, "frame 1 (line 1): field 'dipole' y");
    snprintf(buf, sizeof buf, "1\n%s\nH 0 0 0 0 0 -2e4\n", P);
    expect_error(buf, "frame 1 (line 3): atom 1: field 'fz': -20000 eV/A");
    snprintf(buf, sizeof buf, "1\n%s\nH 0 1e7 0 0 0 0\n", P);
    expect_error(buf, "atom 1: field 'y'");
    /* Large but physical values pass. */
    {
        ds_set s;
        nnv_error err = {0, ""};
        snprintf(buf, sizeof buf, "2\n%s energy=-1.9e6\nAu 0 0 0 0 0 900\nAu 0 0 2.9 0 0 -900\n", P);
        ck_assert_msg(ds_parse(&s, buf, strlen(buf), "ok.xyz", &err) == NNV_OK, "%s", err.message);
        ds_free(&s);
    }
    {
        ds_set s;
        nnv_error err;
        ck_assert_int_eq(ds_read(&s, "/nonexistent/x.extxyz", NULL, &err), NNV_EIO);
        ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/x.extxyz"));
    }
}
END_TEST

/* ---- curvature labels ---------------------------------------------------------- */

START_TEST(test_hvp_roundtrip)
{
    ds_set a, b, c;
    char dir[] = "/tmp/nnvib-test-hvp-XXXXXX", path[128];
    nnv_error err;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/set.extxyz", dir);
    make_set(&a, 5, 7);
    toy_add_hvp(&a.frames[1], 2, 11);
    toy_add_hvp(&a.frames[3], 1, 12);
    a.frames[4].forces = (free(a.frames[4].forces), NULL); /* labels without forces */
    toy_add_hvp(&a.frames[4], 3, 13);
    /* A deep copy keeps them. */
    memset(&c, 0, sizeof c);
    for (int f = 0; f < a.n_frames; f++) ck_assert_int_eq(ds_append(&c, &a.frames[f], &err), NNV_OK);
    ds_free(&a);
    ck_assert_int_eq(ds_write(&c, path, &err), NNV_OK);
    ck_assert_msg(ds_read(&b, path, NULL, &err) == NNV_OK, "%s", err.message);
    ck_assert_int_eq(b.n_frames, 5);
    for (int f = 0; f < 5; f++) {
        const ds_frame *x = &c.frames[f], *y = &b.frames[f];
        size_t n = (size_t)x->n_hvp * 3 * (size_t)x->n_atoms;
        ck_assert_int_eq(y->n_hvp, x->n_hvp);
        ck_assert_int_eq(y->n_hvp, f == 1 ? 2 : f == 3 ? 1 : f == 4 ? 3 : 0);
        if (!x->n_hvp) {
            ck_assert(!y->hvp_probe && !y->hvp);
            continue;
        }
        /* %.17g: the same bits, probes and products alike. */
        ck_assert(memcmp(y->hvp_probe, x->hvp_probe, n * sizeof *x->hvp_probe) == 0);
        ck_assert(memcmp(y->hvp, x->hvp, n * sizeof *x->hvp) == 0);
        ck_assert(memcmp(y->xyz, x->xyz, 3 * (size_t)x->n_atoms * sizeof *x->xyz) == 0);
    }
    ck_assert_ptr_null(b.frames[4].forces);
    {
        char *text = tu_read_file(path, NULL);
        ck_assert_ptr_nonnull(text);
        ck_assert_ptr_nonnull(strstr(text, "Properties=species:S:1:pos:R:3:forces:R:3:hvp_probe_1:R:3:hvp_1:R:3:"
                                          "hvp_probe_2:R:3:hvp_2:R:3 energy="));
        ck_assert_ptr_nonnull(strstr(text, "Properties=species:S:1:pos:R:3:hvp_probe_1:R:3:hvp_1:R:3:"
                                          "hvp_probe_2:R:3:hvp_2:R:3:hvp_probe_3:R:3:hvp_3:R:3 energy="));
        free(text);
    }
    /* An in-memory frame with more labels than the format allows is refused. */
    c.frames[0].n_hvp = DS_MAX_HVP + 1;
    ck_assert_int_eq(ds_write(&c, path, &err), NNV_EUSAGE);
    ck_assert_ptr_nonnull(strstr(err.message, "frame 1 has 101 curvature labels"));
    c.frames[0].n_hvp = 0;
    unlink(path);
    rmdir(dir);
    ds_free(&b);
    ds_free(&c);
}
END_TEST

/* The toy labels are the exact H v: central differences of morse_label's
 * forces along each probe agree (a check of toy_add_hvp, which the trainer's
 * curvature tests may lean on). */
START_TEST(test_hvp_toy_labels)
{
    ds_set a;
    make_set(&a, 3, 5);
    for (int f = 0; f < 3; f++) {
        ds_frame *fr = &a.frames[f];
        size_t n3 = 3 * (size_t)fr->n_atoms;
        double *x0 = malloc(n3 * sizeof *x0), *fp = malloc(n3 * sizeof *fp), h = 1e-5;
        ck_assert(x0 && fp);
        toy_add_hvp(fr, 2, 100 + (uint64_t)f);
        memcpy(x0, fr->xyz, n3 * sizeof *x0);
        for (int k = 0; k < 2; k++) {
            const double *v = fr->hvp_probe + (size_t)k * n3, *hv = fr->hvp + (size_t)k * n3;
            for (size_t j = 0; j < n3; j++) fr->xyz[j] = x0[j] + h * v[j];
            morse_label(fr);
            memcpy(fp, fr->forces, n3 * sizeof *fp);
            for (size_t j = 0; j < n3; j++) fr->xyz[j] = x0[j] - h * v[j];
            morse_label(fr);
            for (size_t j = 0; j < n3; j++)
                ck_assert_msg(tu_close(-(fp[j] - fr->forces[j]) / (2 * h), hv[j], 1e-7, 1e-6), "frame %d probe %d: %g vs %g",
                              f, k, -(fp[j] - fr->forces[j]) / (2 * h), hv[j]);
        }
        memcpy(fr->xyz, x0, n3 * sizeof *x0);
        morse_label(fr);
        free(x0);
        free(fp);
    }
    ds_free(&a);
}
END_TEST

/* ASE's own order and names: products before probes, other columns between,
 * names that only look like labels skipped; a probe within 1e-6 of unit norm. */
START_TEST(test_hvp_ase_layout)
{
    static const char text[] =
        "2\n"
        "Properties=hvp_1:R:3:species:S:1:hvp_probe_x:R:3:pos:R:3:my_hvp_1:R:3:hvp_probe_1:R:3:hvpx:R:1 "
        "energy=-1.5 pbc=\"F F F\"\n"
        "1.5 -2 3e-3 H 9 9 9 0 0 0 7 7 7 0.6 0 0.0000004 5\n"
        "-1.5 2 -3e-3 H 9 9 9 0.74 0 0 7 7 7 0 0 0.8 5\n";
    ds_set s;
    nnv_error err;
    ck_assert_msg(ds_parse(&s, text, strlen(text), "ase.xyz", &err) == NNV_OK, "%s", err.message);
    ck_assert_int_eq(s.frames[0].n_hvp, 1);
    ck_assert(s.frames[0].hvp_probe[0] == 0.6 && s.frames[0].hvp_probe[2] == 4e-7 && s.frames[0].hvp_probe[5] == 0.8);
    ck_assert(s.frames[0].hvp[0] == 1.5 && s.frames[0].hvp[2] == 3e-3 && s.frames[0].hvp[4] == 2.0);
    ck_assert(s.frames[0].xyz[3] == 0.74);
    ds_free(&s);
}
END_TEST

START_TEST(test_hvp_errors)
{
    const char *P = "Properties=species:S:1:pos:R:3";
    const char *unit = "H 0 0 0 1 0 0 5 6 7";
    char buf[512];
    /* Columns 5-7 hold the probe, 8-10 the product (species is column 1). */
    snprintf(buf, sizeof buf, "1\n%s:hvp_probe_1:R:3\nH 0 0 0 1 0 0\n", P);
    expect_error(buf, "line 2: field 'Properties': 'hvp_probe_1' (columns 5-7) without its product 'hvp_1'");
    snprintf(buf, sizeof buf, "1\n%s:hvp_1:R:3\nH 0 0 0 1 0 0\n", P);
    expect_error(buf, "line 2: field 'Properties': 'hvp_1' (columns 5-7) without its probe 'hvp_probe_1'");
    snprintf(buf, sizeof buf, "1\n%s:hvp_probe_1:R:3:hvp_1:R:3:hvp_probe_3:R:3:hvp_3:R:3\n%s 0 0 1 5 6 7\n", P, unit);
    expect_error(buf, "line 2: field 'Properties': curvature label 3 (columns 11-13) but none numbered 2: the "
                      "numbering has a gap");
    snprintf(buf, sizeof buf, "1\n%s:hvp_probe_1:R:3:hvp_1:R:3:hvp_probe_1:R:3\n%s 0 0 1\n", P, unit);
    expect_error(buf, "line 2: field 'Properties': 'hvp_probe_1' (columns 11-13) repeats columns 5-7");
    snprintf(buf, sizeof buf, "1\n%s:hvp_probe_1:R:3:HVP_1:R:3:hvp_1:R:3\n%s 5 6 7\n", P, unit);
    expect_error(buf, "'hvp_1' (columns 11-13) repeats columns 8-10");
    snprintf(buf, sizeof buf, "1\n%s:hvp_probe_1:R:3:hvp_1:R:1\nH 0 0 0 1 0 0 5\n", P);
    expect_error(buf, "line 2: field 'Properties': 'hvp_1' (columns 8-8) must be R:3");
    snprintf(buf, sizeof buf, "1\n%s:hvp_probe_1:I:3:hvp_1:R:3\n%s\n", P, unit);
    expect_error(buf, "'hvp_probe_1' (columns 5-7) must be R:3");
    snprintf(buf, sizeof buf, "1\n%s:hvp_probe_0:R:3:hvp_0:R:3\n%s\n", P, unit);
    expect_error(buf, "'hvp_probe_0' (columns 5-7): bad index (1..100, no leading zero)");
    snprintf(buf, sizeof buf, "1\n%s:hvp_probe_01:R:3:hvp_01:R:3\n%s\n", P, unit);
    expect_error(buf, "'hvp_probe_01' (columns 5-7): bad index");
    snprintf(buf, sizeof buf, "1\n%s:hvp_probe_101:R:3:hvp_101:R:3\n%s\n", P, unit);
    expect_error(buf, "'hvp_probe_101' (columns 5-7): bad index");
    /* Values: not finite, not numbers, not unit probes. */
    snprintf(buf, sizeof buf, "1\n%s:hvp_probe_1:R:3:hvp_1:R:3\nH 0 0 0 1 0 0 5 nan 7\n", P);
    expect_error(buf, "line 3: atom 1: field 'hvp_1' (column 9): non-finite value 'nan'");
    snprintf(buf, sizeof buf, "1\n%s:hvp_probe_1:R:3:hvp_1:R:3\nH 0 0 0 1 0 0 5 6 1e999\n", P);
    expect_error(buf, "line 3: atom 1: field 'hvp_1' (column 10): non-finite value '1e999'");
    snprintf(buf, sizeof buf, "2\n%s:hvp_probe_1:R:3:hvp_1:R:3\n%s\nH 1 0 0 -inf 0 0 5 6 7\n", P, unit);
    expect_error(buf, "line 4: atom 2: field 'hvp_probe_1' (column 5): non-finite value '-inf'");
    snprintf(buf, sizeof buf, "1\n%s:hvp_probe_1:R:3:hvp_1:R:3\nH 0 0 0 1 x 0 5 6 7\n", P);
    expect_error(buf, "line 3: atom 1: field 'hvp_probe_1' (column 6): bad number 'x'");
    snprintf(buf, sizeof buf, "2\n%s:hvp_probe_1:R:3:hvp_1:R:3\n%s\nH 1 0 0 0.1 0 0 5 6 7\n", P, unit);
    expect_error(buf, "line 2: field 'hvp_probe_1' (columns 5-7): norm 1.004987562, not 1 within 1e-06");
    snprintf(buf, sizeof buf, "1\n%s:hvp_probe_1:R:3:hvp_1:R:3\nH 0 0 0 1.000002 0 0 5 6 7\n", P);
    expect_error(buf, "norm 1.000002, not 1 within 1e-06");
    snprintf(buf, sizeof buf, "1\n%s:hvp_probe_1:R:3:hvp_1:R:3\nH 0 0 0 0 0 0 5 6 7\n", P);
    expect_error(buf, "norm 0, not 1");
    /* The second frame of a file is checked as the first. */
    snprintf(buf, sizeof buf, "1\n%s:hvp_probe_1:R:3:hvp_1:R:3\n%s\n1\n%s:hvp_probe_1:R:3:hvp_1:R:3\nH 0 0 0 0 0.5 0 1 2 3\n",
             P, unit, P);
    expect_error(buf, "line 5: field 'hvp_probe_1' (columns 5-7): norm 0.5");
    /* Within 1e-6 of unit norm: accepted. */
    {
        ds_set s;
        nnv_error err;
        snprintf(buf, sizeof buf, "1\n%s:hvp_probe_1:R:3:hvp_1:R:3\nH 0 0 0 1.0000009 0 0 5 6 7\n", P);
        ck_assert_msg(ds_parse(&s, buf, strlen(buf), "ok.xyz", &err) == NNV_OK, "%s", err.message);
        ds_free(&s);
    }
}
END_TEST

/* For tests/test_hvp_ase.sh: a set with curvature labels written by ds_write
 * to path, and the same probes and products as plain %.17g numbers (one
 * line per frame and label: frame k, then 3N probe and 3N product values)
 * to path.values, so ASE's reading can be compared with what was written. */
static int write_for_ase(const char *path)
{
    ds_set a;
    nnv_error err;
    char vpath[4096];
    FILE *f;
    make_set(&a, 4, 21);
    toy_add_hvp(&a.frames[0], 2, 31);
    toy_add_hvp(&a.frames[2], 3, 32);
    toy_add_hvp(&a.frames[3], 1, 33);
    if (ds_write(&a, path, &err) != NNV_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    snprintf(vpath, sizeof vpath, "%s.values", path);
    if (!(f = fopen(vpath, "w"))) return 1;
    for (int fr = 0; fr < a.n_frames; fr++) {
        size_t n3 = 3 * (size_t)a.frames[fr].n_atoms;
        for (int k = 0; k < a.frames[fr].n_hvp; k++) {
            fprintf(f, "%d %d", fr, k + 1);
            for (size_t j = 0; j < n3; j++) fprintf(f, " %.17g", a.frames[fr].hvp_probe[(size_t)k * n3 + j]);
            for (size_t j = 0; j < n3; j++) fprintf(f, " %.17g", a.frames[fr].hvp[(size_t)k * n3 + j]);
            fputc('\n', f);
        }
    }
    ds_free(&a);
    return fclose(f) == 0 ? 0 : 1;
}

/* check's asserts (make_set's) need a running test. */
static const char *ase_path;
START_TEST(test_write_for_ase) { ck_assert_int_eq(write_for_ase(ase_path), 0); }
END_TEST

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-hvp") == 0) {
        Suite *w = suite_create("dataset_io --write-hvp");
        TCase *tw = tcase_create("write");
        ase_path = argv[2];
        tcase_add_test(tw, test_write_for_ase);
        suite_add_tcase(w, tw);
        return tu_run(w);
    }
    Suite *s = suite_create("dataset_io");
    TCase *tc = tcase_create("extxyz");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_extxyz_roundtrip);
    tcase_add_test(tc, test_extxyz_ase_layout);
    tcase_add_test(tc, test_extxyz_gzip);
    tcase_add_test(tc, test_xyzw_frame_read_back);
    tcase_add_test(tc, test_extxyz_errors);
    tcase_add_test(tc, test_hvp_roundtrip);
    tcase_add_test(tc, test_hvp_toy_labels);
    tcase_add_test(tc, test_hvp_ase_layout);
    tcase_add_test(tc, test_hvp_errors);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
