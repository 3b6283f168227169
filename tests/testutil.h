/* Helpers shared by the unit tests: one comparison metric, paths to data. */
#ifndef NNVIB_TESTUTIL_H
#define NNVIB_TESTUTIL_H

#include <stddef.h>
#include <check.h>
#include <nnvib.h>

/* 1 when |x - ref| <= abs_tol or |x - ref| <= rel_tol * |ref|, else 0 (NaN never passes). */
int tu_close(double x, double ref, double abs_tol, double rel_tol);

/* Scaled error |x - y| / (1 + max(|x|, |y|)) (libxc style). */
double tu_scaled_err(double x, double y);

/* The shared data folder (env NNVIB_SHARED, default ../shared from the source
 * tree) and the source tree (env NNVIB_SRCDIR, default "."). Never NULL. */
const char *tu_shared_dir(void);
const char *tu_srcdir(void);

/* 1 when path exists and is a directory. */
int tu_is_dir(const char *path);

/* Read a whole file into a NUL-terminated malloc'd buffer; NULL on failure. */
char *tu_read_file(const char *path, size_t *len);

/* The shipped potential weights/NAME and molecule molecules/NAME (NAME with
 * its extension) of the source tree; the calling test fails when they cannot
 * be read. */
nnv_potential *tu_potential(const char *name);
nnv_structure *tu_molecule(const char *name);

/* nnv_compute's options for `want` alone (total charge 0, default budget), as
 * most tests ask: nnv_compute(&r, p, s, TU_WANT(NNV_WANT_FORCES), &err). */
#define TU_WANT(want) (&(nnv_compute_options){(want), 0.0, 0.0})

/* Runs every test of s (CK_NORMAL) and frees it: a test program's exit
 * status, EXIT_SUCCESS when no test failed, else EXIT_FAILURE. */
int tu_run(Suite *s);

/* ---- temporary folders and files (the test fails when one cannot be made) -- */

/* "a/b", malloc'd. */
char *tu_join(const char *a, const char *b);

/* A fresh folder /tmp/nnvib-test.XXXXXX, its path malloc'd. */
char *tu_tmpdir(void);

/* Removes the files and empty folders in dir, dir itself, and frees dir. */
void tu_rmtree(char *dir);

/* The number of entries in dir besides . and .. */
int tu_dir_entries(const char *dir);

/* Writes text to path. */
void tu_write_text(const char *path, const char *text);

/* A fresh temporary folder holding a copy of the regular files of src. */
char *tu_copy_to_temp(const char *src);

/* Replace the first line of dir/name that equals `old` by `new_line` (NULL:
 * delete it); with old == NULL, append `new_line` as a last line. Returns the
 * 1-based line. */
int tu_patch_line(const char *dir, const char *name, const char *old, const char *new_line);

/* ---- n2p2 potentials -------------------------------------------------------- */

/* n2p2's units, written out here rather than taken from the library's units.h. */
#define TU_EV_PER_HA 27.211386245988
#define TU_A_PER_BOHR 0.529177210903

/* The hand-made n2p2 potential with its symmetry functions in scrambled order
 * (tests/data/n2p2/scrambled of the source tree), the path malloc'd. */
char *tu_n2p2_scrambled(void);

/* nnv_n2p2_read of dir with length and energy units lu, eu (0: from the
 * files); the test fails when it does not convert. */
nnv_potential *tu_n2p2_convert(const char *dir, int lu, int eu);

/* ---- analyses for the writers' tests ---------------------------------------- */

typedef struct tu_fixture {
    nnv_structure *s;
    nnv_potential *p;
    nnv_result *r;
    nnv_vib *v;
} tu_fixture;

/* Methane with the shipped test potential (it has charge networks, so the
 * analysis has IR intensities); the numbers come from the library. */
void tu_fixture_methane(tu_fixture *fx);

/* A hand-made water analysis with one imaginary mode and no intensities
 * (the writers only format numbers, so they need not be physical); comment,
 * when not NULL, replaces the structure's comment. No potential, no result. */
void tu_fixture_water(tu_fixture *fx, const char *comment);

void tu_fixture_free(tu_fixture *fx);

#endif
