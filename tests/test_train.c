/* Unit tests of the training code: extended-XYZ reading (plain and gzip) and writing, the
 * symmetry-function presets, the exact loss gradient (double backpropagation)
 * against finite differences for every activation, agreement of the trainer's
 * forward pass with nnv_compute, and a short training run end to end. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "../src/train/train.h"
#include "testutil.h"

/* ---- synthetic data: Morse pairs with fixed atomic charges ------------------------- */

static uint64_t lcg_state;
static double urand(void)
{
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(lcg_state >> 11) * 0x1.0p-53;
}

/* E = sum_pairs D (1 - exp(-a (r - r0)))^2 - D, exact forces, dipole of fixed
 * charges (H +0.3, C -0.1, O -0.4) made neutral by their mean. Independent of
 * nnvib's model, so learning it means the trainer learns. */
static void morse_label(ds_frame *fr)
{
    static const double D = 1.0, a = 1.6, r0 = 1.3;
    int N = fr->n_atoms;
    double qm = 0.0, xm[3] = {0, 0, 0};
    fr->energy = 0.0;
    fr->has_energy = 1;
    memset(fr->forces, 0, 3 * (size_t)N * sizeof *fr->forces);
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++) {
            double d[3], r = 0.0, ex, dE;
            for (int q = 0; q < 3; q++) d[q] = fr->xyz[3 * j + q] - fr->xyz[3 * i + q], r += d[q] * d[q];
            r = sqrt(r);
            ex = exp(-a * (r - r0));
            fr->energy += D * (1 - ex) * (1 - ex) - D;
            dE = 2 * D * (1 - ex) * a * ex;
            for (int q = 0; q < 3; q++) {
                fr->forces[3 * i + q] += dE * d[q] / r;
                fr->forces[3 * j + q] -= dE * d[q] / r;
            }
        }
    for (int i = 0; i < N; i++) {
        qm += (fr->Z[i] == 1 ? 0.3 : fr->Z[i] == 6 ? -0.1 : -0.4) / N;
        for (int q = 0; q < 3; q++) xm[q] += fr->xyz[3 * i + q] / N;
    }
    fr->has_dipole = 1;
    for (int q = 0; q < 3; q++) fr->dipole[q] = 0.0;
    for (int i = 0; i < N; i++) {
        double qi = (fr->Z[i] == 1 ? 0.3 : fr->Z[i] == 6 ? -0.1 : -0.4) - qm;
        for (int q = 0; q < 3; q++) fr->dipole[q] += qi * (fr->xyz[3 * i + q] - xm[q]);
    }
}

static void make_set(ds_set *s, int n_frames, uint64_t seed)
{
    static const int elems[3] = {1, 6, 8};
    lcg_state = seed;
    memset(s, 0, sizeof *s);
    for (int f = 0; f < n_frames; f++) {
        ds_frame fr;
        int N = 3 + f % 3, placed = 0;
        memset(&fr, 0, sizeof fr);
        fr.n_atoms = N;
        fr.Z = malloc((size_t)N * sizeof *fr.Z);
        fr.xyz = malloc(3 * (size_t)N * sizeof *fr.xyz);
        fr.forces = malloc(3 * (size_t)N * sizeof *fr.forces);
        fr.info = strdup("molecule=toy");
        /* Every frame has H, C and O so every element is seen. */
        for (int i = 0; i < N; i++) fr.Z[i] = i < 3 ? elems[i] : elems[(int)(urand() * 3)];
        while (placed < N) {
            double *x = fr.xyz + 3 * placed;
            int ok = 1;
            for (int q = 0; q < 3; q++) x[q] = 2.4 * urand();
            for (int j = 0; j < placed && ok; j++) {
                double r2 = 0.0;
                for (int q = 0; q < 3; q++) r2 += (x[q] - fr.xyz[3 * j + q]) * (x[q] - fr.xyz[3 * j + q]);
                ok = r2 > 0.9 * 0.9;
            }
            placed += ok;
        }
        morse_label(&fr);
        ck_assert_int_eq(ds_append(s, &fr, NULL), NNV_OK);
        ds_frame_free(&fr);
    }
}

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
    {
        ds_set s;
        nnv_error err;
        ck_assert_int_eq(ds_read(&s, "/nonexistent/x.extxyz", NULL, &err), NNV_EIO);
        ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/x.extxyz"));
    }
}
END_TEST

/* ---- presets ------------------------------------------------------------------------ */

static void add_dummy_net(nnv_network *net, int n_in)
{
    net->n_layers = 1;
    net->layers = calloc(1, sizeof *net->layers);
    net->layers[0].n_in = n_in;
    net->layers[0].n_out = 1;
    net->layers[0].W = calloc((size_t)n_in, sizeof(double));
    net->layers[0].b = calloc(1, sizeof(double));
}

START_TEST(test_sfgen_presets)
{
    static const int Z[4] = {1, 6, 7, 8};
    sfgen_options o;
    nnv_potential *p = NULL;
    nnv_error err;
    unsigned char *buf = NULL;
    size_t len = 0;
    sfgen_defaults(&o);
    ck_assert_int_eq(o.cutoff, NNV_CUTOFF_POLY2);
    /* 4 elements: 8 radial x 4 + 10 pairs x 2 eta x 3 zeta x 2 lambda. */
    ck_assert_int_eq(sfgen_count(&o, 4), 32 + 120);
    ck_assert_int_eq(sfgen_make(&p, 4, Z, &o, &err), NNV_OK);
    ck_assert_int_eq(p->n_elements, 4);
    for (int e = 0; e < 4; e++) {
        const nnv_element_model *em = &p->elements[e];
        int radial[119] = {0}, pairs[119][119], n_ang = 0;
        memset(pairs, 0, sizeof pairs);
        ck_assert_int_eq(em->Z, Z[e]);
        ck_assert_int_eq(em->n_sf, 152);
        for (int k = 0; k < em->n_sf; k++) {
            const nnv_sf *sf = &em->sf[k];
            ck_assert_int_eq(sf->cutoff, NNV_CUTOFF_POLY2);
            ck_assert(sf->rc == 5.5 && sf->eta > 0);
            if (sf->type == NNV_SF_RADIAL) {
                ck_assert_int_eq(sf->Zk, 0);
                radial[sf->Zj]++;
            } else {
                ck_assert_int_eq(sf->type, NNV_SF_ANGULAR_WIDE);
                ck_assert(sf->Zj <= sf->Zk);
                ck_assert(sf->lambda == 1.0 || sf->lambda == -1.0);
                ck_assert(sf->zeta == 1.0 || sf->zeta == 2.0 || sf->zeta == 4.0);
                pairs[sf->Zj][sf->Zk]++;
                n_ang++;
            }
        }
        for (int j = 0; j < 4; j++) {
            ck_assert_int_eq(radial[Z[j]], 8);
            for (int k = j; k < 4; k++) ck_assert_int_eq(pairs[Z[j]][Z[k]], 12);
        }
        ck_assert_int_eq(n_ang, 120);
        add_dummy_net(&p->elements[e].energy, em->n_sf);
    }
    ck_assert_int_eq(nnv_potential_serialize(&buf, &len, p, &err), NNV_OK);
    free(buf);
    nnv_potential_free(p);

    /* COS selectable; scaling drops constant functions and fits the rest. */
    o.cutoff = NNV_CUTOFF_COS;
    o.n_radial = 2;
    o.n_ang_eta = 0;
    ck_assert_int_eq(sfgen_make(&p, 1, Z, &o, &err), NNV_OK);
    ck_assert_int_eq(p->elements[0].sf[0].cutoff, NNV_CUTOFF_COS);
    {
        double G[3 * 2] = {1.0, 5.0, 2.0, 5.0, 3.0, 5.0};
        int keep[2];
        ck_assert_int_eq(sfgen_fit_scaling(&p->elements[0], G, 3, keep), 1);
        ck_assert(keep[0] == 1 && keep[1] == 0);
        ck_assert(tu_close(p->elements[0].sf[0].shift, 2.0, 1e-15, 0));
        ck_assert(tu_close(p->elements[0].sf[0].scale, 1.0 / sqrt(2.0 / 3.0), 1e-14, 0));
        ck_assert(p->elements[0].sf[0].gmin == 1.0 && p->elements[0].sf[0].gmax == 3.0);
    }
    nnv_potential_free(p);
    /* Bad element lists are refused. */
    {
        int bad[2] = {8, 1};
        ck_assert_int_eq(sfgen_make(&p, 2, bad, &o, &err), NNV_EUSAGE);
    }
}
END_TEST

/* ---- the loss gradient ------------------------------------------------------------- */

static tr_problem *toy_problem(nnv_potential **pot, ds_set *data, int act, double wE, double wF, double wM)
{
    static const int Z[3] = {1, 6, 8};
    sfgen_options so;
    train_options o;
    tr_problem *pb = NULL;
    nnv_error err;
    sfgen_defaults(&so);
    so.n_radial = 3;
    so.n_ang_eta = 1;
    so.rc = 4.0;
    train_defaults(&o);
    o.n_hidden = 2;
    o.hidden[0] = 6;
    o.hidden[1] = 5;
    o.activation = act;
    o.act_param = 0.7;
    o.energy_weight = wE;
    o.force_weight = wF;
    o.dipole_weight = wM;
    ck_assert_int_eq(sfgen_make(pot, 3, Z, &so, &err), NNV_OK);
    ck_assert_msg(tr_problem_new(&pb, *pot, data, NULL, 0, &o, &err) == NNV_OK, "%s", err.message);
    tr_init(pb, 7, NULL, 0);
    /* Biases away from zero so every activation is exercised off its kink. */
    for (int p = 0; p < tr_n_params(pb); p++) tr_params(pb)[p] += 0.05 * sin(1.7 * p);
    return pb;
}

static void check_gradient(int act, double wE, double wF, double wM)
{
    ds_set data;
    nnv_potential *pot = NULL;
    tr_problem *pb;
    int idx[4] = {0, 1, 2, 3}, np, worst = -1;
    double *g, *th, L, Lp, Lm, h = 1e-6, maxerr = 0.0, gmax = 0.0;
    make_set(&data, 4, 99);
    pb = toy_problem(&pot, &data, act, wE, wF, wM);
    np = tr_n_params(pb);
    th = tr_params(pb);
    g = malloc((size_t)np * sizeof *g);
    ck_assert_int_eq(tr_loss(pb, idx, 4, &L, g, NULL), NNV_OK);
    ck_assert(L > 0 && isfinite(L));
    for (int p = 0; p < np; p++) {
        double t = th[p], fd, e;
        th[p] = t + h;
        tr_loss(pb, idx, 4, &Lp, NULL, NULL);
        th[p] = t - h;
        tr_loss(pb, idx, 4, &Lm, NULL, NULL);
        th[p] = t;
        fd = (Lp - Lm) / (2 * h);
        e = fabs(fd - g[p]);
        if (fabs(g[p]) > gmax) gmax = fabs(g[p]);
        if (e > maxerr) maxerr = e, worst = p;
    }
    /* Central differences at h = 1e-6 are good to ~1e-8 relative here. */
    ck_assert_msg(gmax > 0 && maxerr <= 1e-6 * (1.0 + gmax),
                  "activation %d (wE %g wF %g wM %g): max |grad - FD| = %.3e at %d, max |grad| %.3e", act, wE, wF,
                  wM, maxerr, worst, gmax);
    free(g);
    tr_problem_free(pb);
    nnv_potential_free(pot);
    ds_free(&data);
}

START_TEST(test_gradient_energy)
{
    check_gradient(_i, 1.0, 0.0, 0.0);
}
END_TEST

START_TEST(test_gradient_forces)
{
    check_gradient(_i, 0.0, 1.0, 0.0);
}
END_TEST

START_TEST(test_gradient_dipole)
{
    check_gradient(_i, 0.0, 0.0, 1.0);
}
END_TEST

START_TEST(test_gradient_all)
{
    check_gradient(_i, 1.0, 0.3, 0.5);
}
END_TEST

/* The trainer's own forward pass agrees with the library's model on the
 * exported file: energy, forces (sign and scaling of the SF Jacobians) and dipole. */
START_TEST(test_export_matches_model)
{
    ds_set data;
    nnv_potential *pot = NULL;
    tr_problem *pb;
    nnv_error err;
    make_set(&data, 5, 5);
    pb = toy_problem(&pot, &data, _i, 1.0, 1.0, 1.0);
    ck_assert_int_eq(tr_export(pb), NNV_OK);
    for (int f = 0; f < data.n_frames; f++) {
        const ds_frame *d = &data.frames[f];
        nnv_structure *s = NULL;
        nnv_result *r = NULL;
        double E, F[15], mu[3];
        ck_assert_int_eq(nnv_structure_new(&s, d->n_atoms, d->Z, d->xyz, &err), NNV_OK);
        ck_assert_int_eq(nnv_compute(&r, pot, s, TU_WANT(NNV_WANT_FORCES | NNV_WANT_CHARGES), &err), NNV_OK);
        ck_assert_int_eq(tr_predict(pb, f, &E, F, mu), NNV_OK);
        ck_assert(tu_close(E, r->energy, 1e-10, 1e-12));
        for (int c = 0; c < 3 * d->n_atoms; c++) ck_assert(tu_close(F[c], r->forces[c], 1e-10, 1e-9));
        ck_assert(r->has_charges);
        for (int q = 0; q < 3; q++) ck_assert(tu_close(mu[q], r->dipole[q], 1e-10, 1e-9));
        nnv_result_free(r);
        nnv_structure_free(s);
    }
    tr_problem_free(pb);
    nnv_potential_free(pot);
    ds_free(&data);
}
END_TEST

/* train_evaluate against offsets put into the labels by hand: the RMSEs and
 * the grouping by a comment key (quoted values, a missing key) are known exactly. */
START_TEST(test_evaluate)
{
    static const char *const info[4] = {"T=100 molecule=toy", "molecule=toy T=100",
                                        "note=\"T=9 x\" T=300", "molecule=toy"};
    static const double dE[4] = {0.01, -0.02, 0.005, 0.0}; /* eV per atom */
    ds_set data;
    nnv_potential *pot = NULL;
    tr_problem *pb;
    nnv_error err;
    train_eval_group *g = NULL;
    int n = 0;
    make_set(&data, 4, 11);
    pb = toy_problem(&pot, &data, NNV_ACT_TANH, 1.0, 1.0, 1.0);
    ck_assert_int_eq(tr_export(pb), NNV_OK);
    for (int f = 0; f < 4; f++) {
        ds_frame *d = &data.frames[f];
        nnv_structure *s = NULL;
        nnv_result *r = NULL;
        ck_assert_int_eq(nnv_structure_new(&s, d->n_atoms, d->Z, d->xyz, &err), NNV_OK);
        ck_assert_int_eq(nnv_compute(&r, pot, s, TU_WANT(NNV_WANT_FORCES | NNV_WANT_CHARGES), &err), NNV_OK);
        d->energy = r->energy - dE[f] * d->n_atoms;
        memcpy(d->forces, r->forces, 3 * (size_t)d->n_atoms * sizeof *d->forces);
        memcpy(d->dipole, r->dipole, sizeof d->dipole);
        if (f == 1) d->forces[4] -= 0.05;
        if (f == 2) d->dipole[1] -= 0.03;
        free(d->info);
        d->info = strdup(info[f]);
        nnv_result_free(r);
        nnv_structure_free(s);
    }
    ck_assert_int_eq(train_evaluate(&g, &n, pot, &data, NULL, 0, "T", 0.0, &err), NNV_OK);
    ck_assert_int_eq(n, 4);
    ck_assert_str_eq(g[0].name, "all");
    ck_assert_str_eq(g[1].name, "100");
    ck_assert_str_eq(g[2].name, "300");
    ck_assert_str_eq(g[3].name, "");
    ck_assert_int_eq(g[0].n_frames, 4);
    ck_assert_int_eq(g[1].n_frames, 2);
    ck_assert_int_eq(g[0].n_atoms, data.frames[0].n_atoms + data.frames[1].n_atoms + data.frames[2].n_atoms +
                                       data.frames[3].n_atoms);
    ck_assert(tu_close(g[0].sse_e, 1e-4 + 4e-4 + 2.5e-5, 1e-15, 1e-9));
    ck_assert(tu_close(g[1].sse_e, 1e-4 + 4e-4, 1e-15, 1e-9));
    ck_assert(tu_close(g[1].max_e, 0.02, 1e-15, 1e-9));
    ck_assert(tu_close(g[1].sse_f, 0.0025, 1e-15, 1e-9));
    ck_assert(tu_close(g[1].max_f, 0.05, 1e-15, 1e-9));
    ck_assert(tu_close(g[2].sse_f, 0.0, 1e-20, 0.0));
    ck_assert(tu_close(g[2].sse_mu, 9e-4, 1e-15, 1e-9));
    ck_assert_int_eq(g[2].n_mu, 3);
    ck_assert(tu_close(g[3].sse_e, 0.0, 1e-20, 0.0));
    ck_assert_int_eq(g[0].n_f, 3 * g[0].n_atoms);
    /* every frame is inside the training range: the in-range sums are the sums */
    ck_assert_int_eq(g[0].n_extrapolating, 0);
    ck_assert_int_eq(g[0].n_frames_in, 4);
    ck_assert_int_eq(g[0].n_f_in, g[0].n_f);
    ck_assert(tu_close(g[0].sse_e_in, g[0].sse_e, 1e-18, 1e-12));
    ck_assert(tu_close(g[1].sse_f_in, 0.0025, 1e-15, 1e-9));
    free(g);
    /* A range no G can fall in puts every frame outside: nothing is left in range. */
    {
        double lo[8], hi[8];
        ck_assert_int_le(pot->n_elements, 8);
        for (int e = 0; e < pot->n_elements; e++) {
            lo[e] = pot->elements[e].sf[0].gmin, hi[e] = pot->elements[e].sf[0].gmax;
            pot->elements[e].sf[0].gmin = pot->elements[e].sf[0].gmax = -1.0;
        }
        ck_assert_int_eq(train_evaluate(&g, &n, pot, &data, NULL, 0, NULL, 0.0, &err), NNV_OK);
        ck_assert_int_eq(g[0].n_extrapolating, 4);
        ck_assert_int_eq(g[0].n_frames_in, 0);
        ck_assert_int_eq(g[0].n_e_in + g[0].n_f_in, 0);
        ck_assert(g[0].sse_e_in == 0.0 && g[0].sse_f_in == 0.0 && g[0].sse_e > 0.0);
        free(g);
        for (int e = 0; e < pot->n_elements; e++) pot->elements[e].sf[0].gmin = lo[e], pot->elements[e].sf[0].gmax = hi[e];
    }
    /* Without a key: only the whole set. */
    ck_assert_int_eq(train_evaluate(&g, &n, pot, &data, NULL, 0, NULL, 0.0, &err), NNV_OK);
    ck_assert_int_eq(n, 1);
    ck_assert(tu_close(g[0].sse_mu, 9e-4, 1e-15, 1e-9));
    free(g);
    /* A subset (what --split picks), groups in the order of the subset. */
    {
        const int idx[2] = {2, 0};
        ck_assert_int_eq(train_evaluate(&g, &n, pot, &data, idx, 2, "T", 0.0, &err), NNV_OK);
        ck_assert_int_eq(n, 3);
        ck_assert_int_eq(g[0].n_frames, 2);
        ck_assert_str_eq(g[1].name, "300");
        ck_assert_str_eq(g[2].name, "100");
        ck_assert(tu_close(g[0].sse_e, 2.5e-5 + 1e-4, 1e-15, 1e-9));
        ck_assert(tu_close(g[0].sse_f, 0.0, 1e-20, 0.0));
        free(g);
    }
    /* A value longer than a group name holds is refused, not cut (two values
     * sharing their first 63 characters would fall into one group). */
    free(data.frames[1].info);
    data.frames[1].info = strdup("molecule=\"0123456789012345678901234567890123456789012345678901234567890123\"");
    ck_assert_int_eq(train_evaluate(&g, &n, pot, &data, NULL, 0, "molecule", 0.0, &err), NNV_EINPUT);
    ck_assert_ptr_null(g);
    ck_assert_ptr_nonnull(strstr(err.message, "configuration 2: the value of molecule is longer than 63"));
    data.frames[1].info[strlen(data.frames[1].info) - 2] = '"'; /* 63 characters: accepted */
    data.frames[1].info[strlen(data.frames[1].info) - 1] = 0;
    ck_assert_int_eq(train_evaluate(&g, &n, pot, &data, NULL, 0, "molecule", 0.0, &err), NNV_OK);
    ck_assert_int_eq(n, 4); /* all, toy, the long one, and frame 3 without the key */
    ck_assert_str_eq(g[2].name, "012345678901234567890123456789012345678901234567890123456789012");
    free(g);
    /* A frame with an element the potential lacks: an error naming the configuration. */
    data.frames[2].Z[0] = 7;
    ck_assert_int_ne(train_evaluate(&g, &n, pot, &data, NULL, 0, "T", 0.0, &err), NNV_OK);
    ck_assert_ptr_null(g);
    ck_assert_ptr_nonnull(strstr(err.message, "configuration 3"));
    tr_problem_free(pb);
    nnv_potential_free(pot);
    ds_free(&data);
}
END_TEST

/* ---- a short training run --------------------------------------------------------- */

typedef struct seen {
    int n;
    double first, best;
} seen;

static void on_epoch(void *ctx, const train_epoch *ep)
{
    seen *s = ctx;
    if (s->n++ == 0) s->first = ep->val_loss;
    if (ep->val_loss < s->best) s->best = ep->val_loss;
}

START_TEST(test_training_run)
{
    static const int Z[3] = {1, 6, 8};
    ds_set data;
    sfgen_options so;
    train_options o;
    train_report rep;
    nnv_potential *pot = NULL, *back = NULL;
    nnv_error err;
    seen sn = {0, 0.0, INFINITY};
    char dir[] = "/tmp/nnvib-test-train-XXXXXX", path[128];

    make_set(&data, 60, 2024);
    sfgen_defaults(&so);
    so.n_radial = 4;
    so.n_ang_eta = 1;
    so.rc = 4.0;
    train_defaults(&o);
    o.hidden[0] = o.hidden[1] = 8;
    o.activation = NNV_ACT_SOFTPLUS;
    o.epochs = 40;
    o.batch = 8;
    o.lr = 3e-3;
    o.dipole_weight = 1.0;
    o.teacher = "Morse toy";
    ck_assert_msg(train_run(&pot, &data, 3, Z, &so, &o, on_epoch, &sn, &rep, &err) == NNV_OK, "%s", err.message);
    ck_assert_int_eq(rep.n_train + rep.n_val + rep.n_test, 60);
    ck_assert_int_eq(rep.n_test, 6);
    ck_assert_int_eq(sn.n, rep.epochs);
    /* Learning happened: the validation loss fell well below its first value. */
    ck_assert_msg(sn.best < 0.5 * sn.first, "validation loss %g -> %g", sn.first, sn.best);
    ck_assert(isfinite(rep.rmse_e[2]) && isfinite(rep.rmse_f[2]) && isfinite(rep.rmse_mu[2]));
    ck_assert_ptr_nonnull(strstr(pot->description, "Teacher: Morse toy"));
    ck_assert_ptr_nonnull(strstr(pot->description, "activation softplus"));
    ck_assert_uint_eq(pot->flags, NNV_FLAG_CHARGES);

    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/toy.bin", dir);
    ck_assert_int_eq(nnv_potential_write(path, pot, &err), NNV_OK);
    ck_assert_msg(nnv_potential_read(&back, path, &err) == NNV_OK, "%s", err.message);
    {
        nnv_structure *s = NULL;
        nnv_result *r = NULL;
        const ds_frame *d = &data.frames[0];
        ck_assert_int_eq(nnv_structure_new(&s, d->n_atoms, d->Z, d->xyz, &err), NNV_OK);
        ck_assert_int_eq(nnv_compute(&r, back, s, TU_WANT(NNV_WANT_HESSIAN | NNV_WANT_DIPOLE_DERIV), &err), NNV_OK);
        ck_assert(isfinite(r->energy) && r->hessian && r->dipole_deriv);
        nnv_result_free(r);
        nnv_structure_free(s);
    }
    /* train_split with the training seed gives back the test set: nnv_compute
     * on the written file scores it as the trainer did. */
    {
        int order[60], nva = -1, nte = -1, n = 0, bad = 0;
        uint64_t state = o.seed;
        train_eval_group *g = NULL;
        train_split(60, o.val_frac, o.test_frac, &state, order, &nva, &nte);
        ck_assert_int_eq(nte, rep.n_test);
        ck_assert_int_eq(nva, rep.n_val);
        ck_assert_msg(train_evaluate(&g, &n, back, &data, order, nte, NULL, 0.0, &err) == NNV_OK, "%s", err.message);
        ck_assert_int_eq(g[0].n_frames, nte);
        bad += !tu_close(sqrt(g[0].sse_e / g[0].n_e), rep.rmse_e[2], 1e-12, 1e-8);
        bad += !tu_close(sqrt(g[0].sse_f / g[0].n_f), rep.rmse_f[2], 1e-12, 1e-8);
        bad += !tu_close(sqrt(g[0].sse_mu / g[0].n_mu), rep.rmse_mu[2], 1e-12, 1e-8);
        ck_assert_msg(bad == 0, "test split RMSEs %g %g %g, trainer %g %g %g", sqrt(g[0].sse_e / g[0].n_e),
                      sqrt(g[0].sse_f / g[0].n_f), sqrt(g[0].sse_mu / g[0].n_mu), rep.rmse_e[2], rep.rmse_f[2],
                      rep.rmse_mu[2]);
        free(g);
        /* the validation part follows the test part */
        ck_assert_msg(train_evaluate(&g, &n, back, &data, order + nte, nva, NULL, 0.0, &err) == NNV_OK, "%s",
                      err.message);
        ck_assert(tu_close(sqrt(g[0].sse_f / g[0].n_f), rep.rmse_f[1], 1e-12, 1e-8));
        free(g);
    }
    unlink(path);
    rmdir(dir);
    nnv_potential_free(back);
    nnv_potential_free(pot);
    ds_free(&data);
}
END_TEST

/* The annealing schedules set the rate of each epoch from the budget alone:
 * lr first, lr_min last, geometric (exp) or arithmetic (cosine) mean halfway,
 * and no early stop when validation stalls before the budget is spent. */
typedef struct rates {
    int n;
    double lr[8];
} rates;

static void on_rate(void *ctx, const train_epoch *ep)
{
    rates *r = ctx;
    if (r->n < 8) r->lr[r->n] = ep->lr;
    r->n++;
}

START_TEST(test_lr_schedules)
{
    static const int Z[3] = {1, 6, 8};
    static const int kinds[2] = {TRAIN_LR_EXP, TRAIN_LR_COSINE};
    ds_set data;
    sfgen_options so;
    train_options o;
    train_report rep;
    nnv_error err;

    make_set(&data, 20, 7);
    sfgen_defaults(&so);
    so.n_radial = 2;
    so.n_ang_eta = 1;
    so.rc = 4.0;
    for (int k = 0; k < 2; k++) {
        nnv_potential *pot = NULL;
        rates r = {0, {0}};
        train_defaults(&o);
        o.hidden[0] = o.hidden[1] = 4;
        o.epochs = 5;
        o.batch = 4;
        o.lr = 4e-3;
        o.lr_min = 1e-3;
        o.lr_patience = 1; /* the plateau rule would halve after any stall; the schedule ignores it */
        o.patience = 1000;
        o.lr_schedule = kinds[k];
        ck_assert_msg(train_run(&pot, &data, 3, Z, &so, &o, on_rate, &r, &rep, &err) == NNV_OK, "%s", err.message);
        ck_assert_int_eq(r.n, 5);
        ck_assert_double_eq_tol(r.lr[0], 4e-3, 1e-15);
        ck_assert_double_eq_tol(r.lr[4], 1e-3, 1e-15);
        ck_assert_double_eq_tol(r.lr[2], kinds[k] == TRAIN_LR_EXP ? 2e-3 : 2.5e-3, 1e-15);
        for (int e = 1; e < 5; e++) ck_assert(r.lr[e] < r.lr[e - 1]);
        ck_assert_ptr_nonnull(strstr(pot->description, kinds[k] == TRAIN_LR_EXP ? "exponential schedule to 0.001 over 5"
                                                                                 : "cosine schedule to 0.001 over 5"));
        nnv_potential_free(pot);
    }
    ds_free(&data);
}
END_TEST

/* --init continues from a potential: with a vanishing rate the run returns
 * the same weights and errors, and a potential made with other inputs
 * (symmetry functions, split, activation, charges) is refused by name. */
static void tiny_options(train_options *o, sfgen_options *so)
{
    sfgen_defaults(so);
    so->n_radial = 3;
    so->n_ang_eta = 1;
    so->rc = 4.0;
    train_defaults(o);
    o->hidden[0] = o->hidden[1] = 5;
    o->activation = NNV_ACT_SILU;
    o->epochs = 4;
    o->batch = 4;
    o->lr = 3e-3;
    o->dipole_weight = 1.0;
    o->seed = 11;
}

static void expect_init_refused(const ds_set *data, const nnv_potential *init, train_options *o,
                                const sfgen_options *so, const char *fragment)
{
    static const int Z[3] = {1, 6, 8};
    nnv_potential *pot = NULL;
    train_report rep;
    nnv_error err = {0, ""};
    o->init = init;
    o->init_name = "first.bin";
    ck_assert_int_eq(train_run(&pot, data, 3, Z, so, o, NULL, NULL, &rep, &err), NNV_EINPUT);
    ck_assert_ptr_null(pot);
    ck_assert_msg(strstr(err.message, "first.bin") && strstr(err.message, fragment), "'%s' lacks '%s'", err.message,
                  fragment);
}

/* The potential the --init tests continue from: tiny options, 30 toy frames. */
static nnv_potential *train_first(ds_set *data, train_options *o, sfgen_options *so, train_report *rep)
{
    static const int Z[3] = {1, 6, 8};
    nnv_potential *first = NULL;
    nnv_error err;
    make_set(data, 30, 5);
    tiny_options(o, so);
    ck_assert_msg(train_run(&first, data, 3, Z, so, o, NULL, NULL, rep, &err) == NNV_OK, "%s", err.message);
    return first;
}

START_TEST(test_init_continues)
{
    static const int Z[3] = {1, 6, 8};
    ds_set data;
    sfgen_options so;
    train_options o;
    train_report r1, r2;
    nnv_potential *first = NULL, *again = NULL;
    nnv_error err;
    int differ = 0;

    first = train_first(&data, &o, &so, &r1);
    o.init = first;
    o.init_name = "first.bin";
    o.epochs = 1;
    o.lr = 1e-300;
    ck_assert_msg(train_run(&again, &data, 3, Z, &so, &o, NULL, NULL, &r2, &err) == NNV_OK, "%s", err.message);
    for (int k = 0; k < 3; k++) {
        ck_assert_double_eq_tol(r2.rmse_e[k], r1.rmse_e[k], 1e-12);
        ck_assert_double_eq_tol(r2.rmse_f[k], r1.rmse_f[k], 1e-12);
        ck_assert_double_eq_tol(r2.rmse_mu[k], r1.rmse_mu[k], 1e-12);
    }
    for (int e = 0; e < 3; e++) {
        const nnv_element_model *a = &first->elements[e], *b = &again->elements[e];
        differ += a->E0 != b->E0;
        for (int l = 0; l < a->energy.n_layers; l++) {
            const nnv_layer *x = &a->energy.layers[l], *y = &b->energy.layers[l];
            for (int k = 0; k < x->n_in * x->n_out; k++) differ += fabs(x->W[k] - y->W[k]) > 1e-12;
            for (int k = 0; k < x->n_out; k++) differ += fabs(x->b[k] - y->b[k]) > 1e-12;
        }
    }
    ck_assert_int_eq(differ, 0);
    ck_assert_ptr_nonnull(strstr(again->description, "continued from the weights of first.bin"));
    nnv_potential_free(again);

    tiny_options(&o, &so);
    o.activation = NNV_ACT_TANH;
    expect_init_refused(&data, first, &o, &so, "activation silu, the options give tanh");
    tiny_options(&o, &so);
    o.hidden[1] = 6;
    expect_init_refused(&data, first, &o, &so, "layer 2 is 5x5, the options give 6x5");
    tiny_options(&o, &so);
    so.n_radial = 4;
    expect_init_refused(&data, first, &o, &so, "symmetry functions, this run makes");
    tiny_options(&o, &so);
    o.seed = 12; /* another split: other scaling */
    expect_init_refused(&data, first, &o, &so, "scaling differ");
    tiny_options(&o, &so);
    o.dipole_weight = 0.0;
    expect_init_refused(&data, first, &o, &so, "has charge networks");
    nnv_potential_free(first);
    ds_free(&data);
}
END_TEST

/* Refining a potential on more data (--extra-train, --keep-scaling): the extra
 * frames join the training set only, so validation and test are the same
 * configurations as before; the kept inputs leave the weights' predictions
 * unchanged while gmin/gmax widen to the new frames. */
START_TEST(test_extra_training_frames)
{
    static const int Z[3] = {1, 6, 8};
    ds_set data, extra;
    sfgen_options so;
    train_options o;
    train_report r1, r2;
    nnv_potential *first = NULL, *again = NULL;
    nnv_error err;
    int widened = 0;

    first = train_first(&data, &o, &so, &r1);
    /* Compressed copies of other frames: shorter distances than any training frame. */
    make_set(&extra, 12, 9);
    for (int f = 0; f < extra.n_frames; f++) {
        for (int k = 0; k < 3 * extra.frames[f].n_atoms; k++) extra.frames[f].xyz[k] *= 0.85;
        morse_label(&extra.frames[f]);
        ck_assert_int_eq(ds_append(&data, &extra.frames[f], NULL), NNV_OK);
    }
    o.n_split = 30;
    o.extra_name = "hot.extxyz";
    o.init = first;
    o.init_name = "first.bin";
    o.keep_scaling = 1;
    o.epochs = 1;
    o.lr = 1e-300;
    ck_assert_msg(train_run(&again, &data, 3, Z, &so, &o, NULL, NULL, &r2, &err) == NNV_OK, "%s", err.message);
    ck_assert_int_eq(r2.n_extra, 12);
    ck_assert_int_eq(r2.n_train, r1.n_train + 12);
    ck_assert_int_eq(r2.n_val, r1.n_val);
    ck_assert_int_eq(r2.n_test, r1.n_test);
    for (int k = 1; k < 3; k++) { /* same validation and test configurations, same weights */
        ck_assert_double_eq_tol(r2.rmse_e[k], r1.rmse_e[k], 1e-12);
        ck_assert_double_eq_tol(r2.rmse_f[k], r1.rmse_f[k], 1e-12);
    }
    for (int e = 0; e < 3; e++) {
        const nnv_element_model *a = &first->elements[e], *b = &again->elements[e];
        ck_assert_int_eq(b->n_sf, a->n_sf);
        for (int k = 0; k < a->n_sf; k++) {
            ck_assert_ptr_null(sfgen_sf_differs(&a->sf[k], &b->sf[k], 1));
            ck_assert(b->sf[k].gmin <= a->sf[k].gmin && b->sf[k].gmax >= a->sf[k].gmax);
            widened += b->sf[k].gmin < a->sf[k].gmin || b->sf[k].gmax > a->sf[k].gmax;
        }
    }
    ck_assert_int_gt(widened, 0);
    ck_assert_ptr_nonnull(strstr(again->description, "30 configurations"));
    ck_assert_ptr_nonnull(strstr(again->description, "plus 12 training-only configurations"));
    ck_assert_ptr_nonnull(strstr(again->description, "from hot.extxyz"));
    ck_assert_ptr_nonnull(strstr(again->description, "). Elements: H (")); /* the clause in its place */
    ck_assert_ptr_nonnull(strstr(again->description, "keeping its symmetry functions' shift and scale"));
    nnv_potential_free(again);

    /* Without --keep-scaling the extra frames change the fitted scaling: refused. */
    o.keep_scaling = 0;
    expect_init_refused(&data, first, &o, &so, "scaling differ");
    /* Kept scaling still needs the same symmetry-function options. */
    o.keep_scaling = 1;
    so.rc = 4.5;
    expect_init_refused(&data, first, &o, &so, "is not one of this run's preset");
    nnv_potential_free(first);
    ds_free(&extra);
    ds_free(&data);
}
END_TEST

/* A slice of the committed GFN2-xTB data set reads and trains. */
START_TEST(test_committed_data)
{
    char path[1024];
    ds_set all, part;
    nnv_error err;
    snprintf(path, sizeof path, "%s/weights/data/gfn2xtb-hcno.extxyz.gz", tu_srcdir());
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "test_committed_data: SKIP: %s not present\n", path);
        return;
    }
    ck_assert_msg(ds_read(&all, path, NULL, &err) == NNV_OK, "%s", err.message);
    ck_assert(all.n_frames > 0);
    memset(&part, 0, sizeof part);
    for (int f = 0; f < all.n_frames; f++) {
        ck_assert(all.frames[f].has_energy && all.frames[f].forces);
        if (f % (all.n_frames / 40 + 1) == 0) ds_append(&part, &all.frames[f], NULL);
    }
    {
        int seen_z[NNV_MAX_Z + 1] = {0}, Z[NNV_MAX_Z], nZ = 0;
        sfgen_options so;
        train_options o;
        train_report rep;
        nnv_potential *pot = NULL;
        seen sn = {0, 0.0, INFINITY};
        for (int f = 0; f < part.n_frames; f++)
            for (int i = 0; i < part.frames[f].n_atoms; i++) seen_z[part.frames[f].Z[i]] = 1;
        for (int z = 1; z <= NNV_MAX_Z; z++)
            if (seen_z[z]) Z[nZ++] = z;
        sfgen_defaults(&so);
        so.n_radial = 4;
        so.n_ang_eta = 1;
        train_defaults(&o);
        o.hidden[0] = o.hidden[1] = 8;
        o.epochs = 8;
        o.batch = 4;
        o.val_frac = 0.2;
        ck_assert_msg(train_run(&pot, &part, nZ, Z, &so, &o, on_epoch, &sn, &rep, &err) == NNV_OK, "%s",
                      err.message);
        ck_assert_msg(sn.best < sn.first, "validation loss %g -> %g", sn.first, sn.best);
        nnv_potential_free(pot);
    }
    ds_free(&part);
    ds_free(&all);
}
END_TEST

/* The program end to end: exit statuses of docs/exit-status.md and a tiny run. */
static int run(const char *bin, const char *args)
{
    char cmd[2400];
    int st;
    snprintf(cmd, sizeof cmd, "'%s' %s >/dev/null 2>&1", bin, args);
    st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(test_cli)
{
    const char *bdir = getenv("NNVIB_BUILDDIR");
    char bin[1024], dir[] = "/tmp/nnvib-test-train-XXXXXX", data[128], out[128], out2[160], args[1200];
    ds_set set;
    nnv_error err;
    nnv_potential *p = NULL;
    snprintf(bin, sizeof bin, "%s/nnvib-train", bdir ? bdir : ".");
    if (access(bin, X_OK) != 0) {
        fprintf(stderr, "test_cli: SKIP: %s not built\n", bin);
        return;
    }
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(data, sizeof data, "%s/toy.extxyz", dir);
    snprintf(out, sizeof out, "%s/toy.bin", dir);
    make_set(&set, 30, 3);
    {
        /* sampling temperatures, one frame in four without any, for --by T */
        static const char *const T[4] = {"molecule=toy T=1000", "molecule=toy T=300", "molecule=toy", "T=0"};
        for (int f = 0; f < set.n_frames; f++) {
            free(set.frames[f].info);
            set.frames[f].info = strdup(T[f % 4]);
        }
    }
    ck_assert_int_eq(ds_write(&set, data, &err), NNV_OK);
    ck_assert_int_eq(run(bin, "--help"), 0);
    ck_assert_int_eq(run(bin, ""), 2);
    ck_assert_int_eq(run(bin, "--bogus x -o y"), 2);
    snprintf(args, sizeof args, "--epochs 0 '%s' -o '%s'", data, out);
    ck_assert_int_eq(run(bin, args), 2);
    snprintf(args, sizeof args, "--activation sigmoid '%s' -o '%s'", data, out);
    ck_assert_int_eq(run(bin, args), 2);
    snprintf(args, sizeof args, "--lr-schedule linear '%s' -o '%s'", data, out);
    ck_assert_int_eq(run(bin, args), 2);
    snprintf(args, sizeof args, "--init /nonexistent.bin '%s' -o '%s'", data, out);
    ck_assert_int_eq(run(bin, args), 3);
    snprintf(args, sizeof args, "--keep-scaling '%s' -o '%s'", data, out);
    ck_assert_int_eq(run(bin, args), 2); /* --keep-scaling without --init */
    snprintf(args, sizeof args, "--keep-scaling=yes '%s' -o '%s'", data, out);
    ck_assert_int_eq(run(bin, args), 2);
    snprintf(args, sizeof args, "--extra-train /nonexistent.extxyz '%s' -o '%s'", data, out);
    ck_assert_int_eq(run(bin, args), 3);
    ck_assert_int_eq(run(bin, "/nonexistent/d.extxyz -o /tmp/x.bin"), 3);
    snprintf(args, sizeof args, "'%s' -o /nonexistent/dir/x.bin", data);
    ck_assert_int_eq(run(bin, args), 5);
    snprintf(args, sizeof args, "--elements H,C '%s' -o '%s'", data, out);
    ck_assert_int_eq(run(bin, args), 3); /* the data has O too */
    ck_assert_int_ne(access(out, F_OK), 0);
    snprintf(args, sizeof args,
             "-q --epochs 3 --lr-schedule cosine --hidden 4 --radial 2 --angular-eta 0 --activation gelu '%s' -o '%s'",
             data, out);
    ck_assert_int_eq(run(bin, args), 0);
    ck_assert_int_eq(nnv_potential_read(&p, out, &err), NNV_OK);
    ck_assert_int_eq(p->n_elements, 3);
    ck_assert_int_eq(p->elements[0].energy.layers[0].activation, NNV_ACT_GELU);
    nnv_potential_free(p);
    snprintf(args, sizeof args, "--evaluate '%s' --by molecule '%s'", out, data);
    ck_assert_int_eq(run(bin, args), 0);
    /* The refinement path end to end: the toy set again as training-only frames. */
    {
        snprintf(out2, sizeof out2, "%s/refined.bin", dir);
        snprintf(args, sizeof args,
                 "-q --epochs 1 --lr-schedule cosine --hidden 4 --radial 2 --angular-eta 0 --activation gelu "
                 "--init '%s' --keep-scaling --extra-train '%s' '%s' -o '%s'",
                 out, data, data, out2);
        ck_assert_int_eq(run(bin, args), 0);
        ck_assert_int_eq(nnv_potential_read(&p, out2, &err), NNV_OK);
        ck_assert_ptr_nonnull(strstr(p->description, "plus 30 training-only configurations"));
        nnv_potential_free(p);
        snprintf(args, sizeof args, "--evaluate '%s' --extra-train '%s' '%s'", out, data, data);
        ck_assert_int_eq(run(bin, args), 2); /* a training option */
    }
    snprintf(args, sizeof args, "--evaluate '%s' -o '%s' '%s'", out, out, data);
    ck_assert_int_eq(run(bin, args), 2); /* training options are refused */
    snprintf(args, sizeof args, "--by T '%s' -o '%s'", data, out);
    ck_assert_int_eq(run(bin, args), 2); /* --by without --evaluate */
    snprintf(args, sizeof args, "--evaluate '%s' --split test --seed 1 --test-frac 0.2 --by T '%s'", out, data);
    ck_assert_int_eq(run(bin, args), 0);
    {
        /* --by T rows sorted numerically (0 < 300 < 1000), configurations without T last */
        char cmd[1400], line[256], order[64] = "";
        FILE *pipe;
        snprintf(cmd, sizeof cmd, "'%s' --evaluate '%s' --by T '%s' 2>/dev/null", bin, out, data);
        pipe = popen(cmd, "r");
        ck_assert_ptr_nonnull(pipe);
        while (fgets(line, sizeof line, pipe))
            if (strncmp(line, "T=", 2) == 0 && strlen(order) + 16 < sizeof order)
                strncat(order, line, strcspn(line, " ") + 1);
        ck_assert_int_eq(pclose(pipe), 0);
        ck_assert_str_eq(order, "T=0 T=300 T=1000 T=(none) ");
    }
    snprintf(args, sizeof args, "--evaluate '%s' --seed 1 '%s'", out, data);
    ck_assert_int_eq(run(bin, args), 2); /* a split option without --split */
    snprintf(args, sizeof args, "--evaluate '%s' --split tests '%s'", out, data);
    ck_assert_int_eq(run(bin, args), 2);
    snprintf(args, sizeof args, "--split val '%s' -o '%s'", data, out);
    ck_assert_int_eq(run(bin, args), 2); /* --split without --evaluate */
    snprintf(args, sizeof args, "--evaluate '%s' --by 'a b' '%s'", out, data);
    ck_assert_int_eq(run(bin, args), 2);
    snprintf(args, sizeof args, "--evaluate /nonexistent.bin '%s'", data);
    ck_assert_int_eq(run(bin, args), 3);
    unlink(out);
    unlink(out2);
    unlink(data);
    rmdir(dir);
    ds_free(&set);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("train");
    TCase *tc = tcase_create("train");
    SRunner *sr;
    int failed;
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_extxyz_roundtrip);
    tcase_add_test(tc, test_extxyz_ase_layout);
    tcase_add_test(tc, test_extxyz_gzip);
    tcase_add_test(tc, test_xyzw_frame_read_back);
    tcase_add_test(tc, test_extxyz_errors);
    tcase_add_test(tc, test_sfgen_presets);
    /* Every activation code except identity (1 .. 7). */
    tcase_add_loop_test(tc, test_gradient_energy, 1, NNV_ACT_COUNT);
    tcase_add_loop_test(tc, test_gradient_forces, 1, NNV_ACT_COUNT);
    tcase_add_loop_test(tc, test_gradient_dipole, 1, NNV_ACT_COUNT);
    tcase_add_loop_test(tc, test_gradient_all, 1, NNV_ACT_COUNT);
    tcase_add_loop_test(tc, test_export_matches_model, 1, NNV_ACT_COUNT);
    tcase_add_test(tc, test_evaluate);
    tcase_add_test(tc, test_training_run);
    tcase_add_test(tc, test_lr_schedules);
    tcase_add_test(tc, test_init_continues);
    tcase_add_test(tc, test_extra_training_frames);
    tcase_add_test(tc, test_committed_data);
    tcase_add_test(tc, test_cli);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
