/* Unit tests of the other file writers (out_molden.c, out_extxyz.c) and the
 * writers' helpers (bonds.c, files.c and its public nnv_ofile): the Molden and
 * extended-XYZ files read back with small readers written here, failed
 * writes leave nothing, Cordero radii and bond counts. */
#define _POSIX_C_SOURCE 200809L /* strtok_r */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "testutil.h"

/* ---- atomic writes ------------------------------------------------------- */

START_TEST(test_atomic_failures)
{
    tu_fixture fx;
    char *dir = tu_tmpdir(), path[256];
    nnv_error err = {0, ""};
    int (*writers[3])(const char *, const nnv_structure *, const nnv_result *, const nnv_vib *,
                      const nnv_write_info *, nnv_error *) = {nnv_cml_write, nnv_molden_write, nnv_extxyz_write};

    tu_fixture_water(&fx, NULL);
    for (int w = 0; w < 3; w++) {
        /* A folder that does not exist: fails before anything is created. */
        snprintf(path, sizeof path, "%s/missing/out.file", dir);
        err.message[0] = '\0';
        ck_assert_int_eq(writers[w](path, fx.s, NULL, fx.v, NULL, &err), NNV_EIO);
        ck_assert_msg(strstr(err.message, path) != NULL, "message does not name the file: %s", err.message);
        ck_assert_int_eq(tu_dir_entries(dir), 0);
        /* A target that is a folder: the rename fails after the whole file was
         * written, and the temporary must be gone too. */
        snprintf(path, sizeof path, "%s/adir", dir);
        ck_assert_int_eq(mkdir(path, 0700), 0);
        ck_assert_int_eq(writers[w](path, fx.s, NULL, fx.v, NULL, &err), NNV_EIO);
        ck_assert_int_eq(tu_dir_entries(dir), 1);
        ck_assert_int_eq(rmdir(path), 0);
    }
    /* Bad input is refused before any file is opened. */
    fx.v->frequencies[1] = NAN;
    snprintf(path, sizeof path, "%s/nan.cml", dir);
    ck_assert_int_eq(nnv_cml_write(path, fx.s, NULL, fx.v, NULL, &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "mode 2") != NULL, "%s", err.message);
    fx.v->frequencies[1] = 1595.25;
    fx.v->n_atoms = 4;
    ck_assert_int_eq(nnv_molden_write(path, fx.s, NULL, fx.v, NULL, &err), NNV_EUSAGE);
    fx.v->n_atoms = 3;
    ck_assert_int_eq(nnv_extxyz_write(NULL, fx.s, NULL, fx.v, NULL, &err), NNV_EUSAGE);
    ck_assert_int_eq(tu_dir_entries(dir), 0);
    /* An existing target is replaced whole. */
    snprintf(path, sizeof path, "%s/old.molden", dir);
    {
        FILE *f = fopen(path, "w");
        char *text;
        ck_assert_ptr_nonnull(f);
        fputs("old contents\n", f);
        fclose(f);
        ck_assert_int_eq(nnv_molden_write(path, fx.s, NULL, fx.v, NULL, &err), NNV_OK);
        text = tu_read_file(path, NULL);
        ck_assert_ptr_nonnull(text);
        ck_assert_msg(!strncmp(text, "[Molden Format]\n", 16), "%.40s", text);
        free(text);
    }
    ck_assert_int_eq(tu_dir_entries(dir), 1);
    tu_fixture_free(&fx);
    tu_rmtree(dir);
}
END_TEST

START_TEST(test_ofile)
{
    /* The public atomic output file: the target appears only at the commit,
     * a discard or a failure leaves nothing, devices are written in place. */
    char *dir = tu_tmpdir(), path[256], *text;
    nnv_ofile *f = NULL;
    nnv_error err = {0, ""};
    FILE *s;

    snprintf(path, sizeof path, "%s/out.txt", dir);
    ck_assert_int_eq(nnv_ofile_open(&f, path, &err), NNV_OK);
    ck_assert_ptr_nonnull(s = nnv_ofile_stream(f));
    fputs("complete\n", s);
    ck_assert_int_eq(access(path, F_OK), -1); /* not there before the commit */
    ck_assert_int_eq(tu_dir_entries(dir), 1);    /* the temporary file */
    ck_assert_int_eq(nnv_ofile_commit(f, &err), NNV_OK);
    text = tu_read_file(path, NULL);
    ck_assert_str_eq(text, "complete\n");
    free(text);
    ck_assert_int_eq(tu_dir_entries(dir), 1);
    /* A discard keeps the old target and removes the temporary file. */
    ck_assert_int_eq(nnv_ofile_open(&f, path, &err), NNV_OK);
    fputs("half", nnv_ofile_stream(f));
    nnv_ofile_discard(f);
    text = tu_read_file(path, NULL);
    ck_assert_str_eq(text, "complete\n");
    free(text);
    ck_assert_int_eq(tu_dir_entries(dir), 1);
    nnv_ofile_discard(NULL);
    /* Unwritable targets: a missing folder fails at the open, naming the file;
     * a folder as target at the open too. */
    snprintf(path, sizeof path, "%s/missing/out.txt", dir);
    ck_assert_int_eq(nnv_ofile_open(&f, path, &err), NNV_EIO);
    ck_assert_ptr_null(f); /* set even on failure (it held a discarded file) */
    ck_assert_msg(strstr(err.message, path) != NULL, "%s", err.message);
    ck_assert_int_eq(nnv_ofile_open(&f, dir, &err), NNV_EIO);
    ck_assert_int_eq(nnv_ofile_open(&f, "", &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_ofile_open(&f, NULL, &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_ofile_open(NULL, path, &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_ofile_commit(NULL, &err), NNV_EUSAGE);
    ck_assert_ptr_null(nnv_ofile_stream(NULL));
    ck_assert_int_eq(tu_dir_entries(dir), 1);
    /* /dev/null stays a device (a rename would replace it when run as root). */
    ck_assert_int_eq(nnv_ofile_open(&f, "/dev/null", &err), NNV_OK);
    fputs("gone\n", nnv_ofile_stream(f));
    ck_assert_int_eq(nnv_ofile_commit(f, &err), NNV_OK);
    {
        struct stat st;
        ck_assert_int_eq(stat("/dev/null", &st), 0);
        ck_assert(S_ISCHR(st.st_mode));
    }
    /* A device that refuses the bytes fails at the commit, naming it. */
    if (access("/dev/full", W_OK) == 0) {
        ck_assert_int_eq(nnv_ofile_open(&f, "/dev/full", &err), NNV_OK);
        fputs("no room\n", nnv_ofile_stream(f));
        ck_assert_int_eq(nnv_ofile_commit(f, &err), NNV_EIO);
        ck_assert_msg(strstr(err.message, "/dev/full") != NULL, "%s", err.message);
    }
    tu_rmtree(dir);
}
END_TEST

/* ---- Molden: read back with a reader written from the format description -- */

typedef struct molden_data {
    int n_atoms, n_freq, n_int, n_frc, n_modes, mode_lines_ok;
    char sym[16][8];
    double xyz[48], freq[64], inten[64], frc[48], modes[64 * 48];
    char order[16][32];
    int n_sections;
} molden_data;

static void molden_read(const char *path, molden_data *d)
{
    char *text = tu_read_file(path, NULL), *line, *save = NULL;
    char section[32] = "";
    int mode = -1, row = 0;
    ck_assert_ptr_nonnull(text);
    memset(d, 0, sizeof *d);
    d->mode_lines_ok = 1;
    ck_assert_msg(!strncmp(text, "[Molden Format]\n", 16), "first line");
    ck_assert_msg(!strchr(text, '\t'), "tab in Molden file");
    ck_assert_msg(!strstr(text, "\n\n"), "blank line in Molden file");
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        double a, b, c;
        int idx, z;
        char s[8];
        if (line[0] == '[') {
            sscanf(line, "%31[^\n]", section);
            ck_assert(d->n_sections < 16);
            snprintf(d->order[d->n_sections++], 32, "%s", section);
            continue;
        }
        if (!strcmp(section, "[Atoms] Angs")) {
            ck_assert_int_eq(sscanf(line, "%7s %d %d %lf %lf %lf", s, &idx, &z, &a, &b, &c), 6);
            ck_assert_int_eq(idx, d->n_atoms + 1);
            ck_assert_int_eq(z, nnv_element_from_symbol(s));
            snprintf(d->sym[d->n_atoms], 8, "%s", s);
            d->xyz[3 * d->n_atoms] = a;
            d->xyz[3 * d->n_atoms + 1] = b;
            d->xyz[3 * d->n_atoms + 2] = c;
            d->n_atoms++;
        } else if (!strcmp(section, "[FREQ]")) {
            ck_assert_int_eq(sscanf(line, "%lf", &d->freq[d->n_freq++]), 1);
        } else if (!strcmp(section, "[INT]")) {
            ck_assert_int_eq(sscanf(line, "%lf", &d->inten[d->n_int++]), 1);
        } else if (!strcmp(section, "[FR-COORD]")) {
            ck_assert_int_eq(sscanf(line, "%7s %lf %lf %lf", s, &a, &b, &c), 4);
            ck_assert_str_eq(s, d->sym[d->n_frc]);
            d->frc[3 * d->n_frc] = a;
            d->frc[3 * d->n_frc + 1] = b;
            d->frc[3 * d->n_frc + 2] = c;
            d->n_frc++;
        } else if (!strcmp(section, "[FR-NORM-COORD]")) {
            if (sscanf(line, " vibration %d", &idx) == 1) {
                if (mode >= 0 && row != d->n_atoms) d->mode_lines_ok = 0;
                mode++;
                row = 0;
                ck_assert_int_eq(idx, mode + 1);
                d->n_modes++;
            } else {
                ck_assert_int_eq(sscanf(line, "%lf %lf %lf", &a, &b, &c), 3);
                ck_assert(mode >= 0 && row < d->n_atoms);
                d->modes[mode * 3 * d->n_atoms + 3 * row] = a;
                d->modes[mode * 3 * d->n_atoms + 3 * row + 1] = b;
                d->modes[mode * 3 * d->n_atoms + 3 * row + 2] = c;
                row++;
            }
        }
    }
    if (mode >= 0 && row != d->n_atoms) d->mode_lines_ok = 0;
    free(text);
}

START_TEST(test_molden_methane)
{
    tu_fixture fx;
    char *dir = tu_tmpdir(), path[256];
    nnv_error err = {0, ""};
    molden_data *d = malloc(sizeof *d);
    static const char *order[] = {"[Molden Format]", "[Title]", "[Atoms] Angs", "[FREQ]", "[INT]", "[FR-COORD]",
                                  "[FR-NORM-COORD]"};

    ck_assert_ptr_nonnull(d);
    tu_fixture_methane(&fx);
    snprintf(path, sizeof path, "%s/m.molden", dir);
    ck_assert_msg(nnv_molden_write(path, fx.s, fx.r, fx.v, NULL, &err) == NNV_OK, "%s", err.message);
    molden_read(path, d);
    ck_assert_int_eq(d->n_sections, 7);
    for (int i = 0; i < 7; i++) ck_assert_str_eq(d->order[i], order[i]);
    ck_assert_int_eq(d->n_atoms, 5);
    ck_assert_int_eq(d->n_frc, 5);
    for (int i = 0; i < 15; i++) {
        ck_assert(tu_close(d->xyz[i], fx.s->xyz[i], 1e-9, 0));
        /* [FR-COORD] in bohr: 0.6276 A = 1.18599... bohr, not the Å value. */
        ck_assert(tu_close(d->frc[i] * TU_A_PER_BOHR, fx.s->xyz[i], 1e-9, 0));
    }
    ck_assert(tu_close(fabs(d->frc[3]), 0.6276 / TU_A_PER_BOHR, 1e-9, 0));
    ck_assert_int_eq(d->n_freq, 9);
    ck_assert_int_eq(d->n_int, 9);
    ck_assert_int_eq(d->n_modes, 9);
    ck_assert(d->mode_lines_ok);
    for (int k = 0; k < 9; k++) {
        ck_assert(tu_close(d->freq[k], fx.v->frequencies[k], 1e-5, 0));
        ck_assert(tu_close(d->inten[k], fx.v->ir_intensities[k], 1e-5, 0));
        for (int i = 0; i < 15; i++) ck_assert(tu_close(d->modes[15 * k + i], fx.v->modes[15 * k + i], 1e-7, 0));
    }
    free(d);
    tu_fixture_free(&fx);
    tu_rmtree(dir);
}
END_TEST

START_TEST(test_molden_no_intensities)
{
    tu_fixture fx;
    char *dir = tu_tmpdir(), path[256], *text;
    nnv_error err = {0, ""};
    molden_data *d = malloc(sizeof *d);

    ck_assert_ptr_nonnull(d);
    tu_fixture_water(&fx, "water [test]\twith a tab");
    snprintf(path, sizeof path, "%s/w.molden", dir);
    ck_assert_msg(nnv_molden_write(path, fx.s, NULL, fx.v, NULL, &err) == NNV_OK, "%s", err.message);
    molden_read(path, d);
    ck_assert_int_eq(d->n_sections, 6); /* no [INT] */
    ck_assert_int_eq(d->n_freq, 3);
    ck_assert(d->freq[0] == -120.5); /* imaginary: negative */
    ck_assert_int_eq(d->n_int, 0);
    /* '[' in the title would start a section for every reader. */
    text = tu_read_file(path, NULL);
    ck_assert_ptr_nonnull(strstr(text, "[Title]\nwater (test) with a tab\n"));
    free(text);
    free(d);
    tu_fixture_free(&fx);
    tu_rmtree(dir);
}
END_TEST

/* ---- extended XYZ ----------------------------------------------------------- */

START_TEST(test_extxyz_methane)
{
    tu_fixture fx;
    char *dir = tu_tmpdir(), path[256], *text, *line, *save = NULL;
    nnv_error err = {0, ""};
    int frame = -1, atom = 0, natoms = 0, expect_header = 1, expect_comment = 0;

    tu_fixture_methane(&fx);
    snprintf(path, sizeof path, "%s/m.extxyz", dir);
    ck_assert_msg(nnv_extxyz_write(path, fx.s, fx.r, fx.v, NULL, &err) == NNV_OK, "%s", err.message);
    text = tu_read_file(path, NULL);
    ck_assert_ptr_nonnull(text);
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (expect_header) {
            ck_assert_int_eq(sscanf(line, "%d", &natoms), 1);
            ck_assert_int_eq(natoms, 5);
            frame++;
            atom = 0;
            expect_header = 0;
            expect_comment = 1;
        } else if (expect_comment) {
            char key[64];
            double f;
            ck_assert_ptr_nonnull(strstr(line, "Properties=species:S:1:pos:R:3:masses:R:1:mode:R:3"));
            ck_assert_ptr_nonnull(strstr(line, "pbc=\"F F F\""));
            snprintf(key, sizeof key, "mode_index=%d ", frame);
            ck_assert_msg(strstr(line, key) != NULL, "frame %d: %s", frame, line);
            if (frame > 0) {
                const char *q = strstr(line, "frequency=");
                ck_assert_ptr_nonnull(q);
                f = strtod(q + 10, NULL);
                ck_assert(tu_close(f, fx.v->frequencies[frame - 1], 1e-5, 0));
                ck_assert_ptr_nonnull(strstr(line, "ir_intensity="));
            } else {
                ck_assert_ptr_null(strstr(line, "frequency="));
            }
            expect_comment = 0;
        } else {
            char sym[8];
            double x[7];
            ck_assert_int_eq(sscanf(line, "%7s %lf %lf %lf %lf %lf %lf %lf", sym, &x[0], &x[1], &x[2], &x[3], &x[4],
                                    &x[5], &x[6]),
                             8);
            ck_assert_str_eq(sym, nnv_element_symbol(fx.s->Z[atom]));
            for (int c = 0; c < 3; c++) {
                ck_assert(tu_close(x[c], fx.s->xyz[3 * atom + c], 1e-9, 0));
                ck_assert(tu_close(x[4 + c], frame == 0 ? 0.0 : fx.v->modes[15 * (frame - 1) + 3 * atom + c], 1e-9, 0));
            }
            ck_assert(tu_close(x[3], fx.s->masses[atom], 1e-7, 0));
            if (++atom == natoms) expect_header = 1;
        }
    }
    ck_assert_int_eq(frame, 9); /* equilibrium + 9 modes */
    ck_assert(expect_header);
    free(text);
    tu_fixture_free(&fx);
    tu_rmtree(dir);
}
END_TEST

/* ---- bonds ------------------------------------------------------------------ */

START_TEST(test_bonds)
{
    /* Cordero et al. 2008, Table 2. */
    ck_assert(bonds_covalent_radius(1) == 0.31);
    ck_assert(bonds_covalent_radius(6) == 0.76);
    ck_assert(bonds_covalent_radius(8) == 0.66);
    ck_assert(bonds_covalent_radius(26) == 1.32);
    ck_assert(bonds_covalent_radius(96) == 1.69);
    {
        /* CO2 (C=O 1.16 A): two bonds, O...O 2.32 A is not one. */
        int Z[3] = {6, 8, 8}, *pairs = NULL, n = -1;
        double xyz[9] = {0, 0, 0, 0, 0, 1.16, 0, 0, -1.16};
        ck_assert_int_eq(bonds_guess(&pairs, &n, 3, Z, xyz, NULL), NNV_OK);
        ck_assert_int_eq(n, 2);
        ck_assert(pairs[0] == 0 && pairs[1] == 1 && pairs[2] == 0 && pairs[3] == 2);
        free(pairs);
    }
    {
        /* H2 at 0.74 A is bonded (limit 1.2 x 0.62 = 0.744 A); at 0.80 A not. */
        int Z[2] = {1, 1}, *pairs = NULL, n = -1;
        double xyz[6] = {0, 0, 0, 0.74, 0, 0};
        ck_assert_int_eq(bonds_guess(&pairs, &n, 2, Z, xyz, NULL), NNV_OK);
        ck_assert_int_eq(n, 1);
        free(pairs);
        xyz[3] = 0.80;
        ck_assert_int_eq(bonds_guess(&pairs, &n, 2, Z, xyz, NULL), NNV_OK);
        ck_assert_int_eq(n, 0);
        ck_assert_ptr_null(pairs);
    }
    {
        int Z[1] = {8}, *pairs = NULL, n = -1;
        double xyz[3] = {0, 0, 0};
        ck_assert_int_eq(bonds_guess(&pairs, &n, 1, Z, xyz, NULL), NNV_OK);
        ck_assert_int_eq(n, 0);
    }
}
END_TEST

int main(void)
{
    Suite *su = suite_create("writers");
    TCase *tc = tcase_create("writers");
    tcase_add_test(tc, test_atomic_failures);
    tcase_add_test(tc, test_ofile);
    tcase_add_test(tc, test_molden_methane);
    tcase_add_test(tc, test_molden_no_intensities);
    tcase_add_test(tc, test_extxyz_methane);
    tcase_add_test(tc, test_bonds);
    suite_add_tcase(su, tc);
    return tu_run(su);
}
