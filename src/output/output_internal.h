/* The output layer's internal interfaces: checks and title handling shared by
 * the CML, Molden and extended-XYZ writers, and the one extended-XYZ frame
 * writer. Not installed, not exported. */
#ifndef NNVIB_OUTPUT_INTERNAL_H
#define NNVIB_OUTPUT_INTERNAL_H

#include "base/base_internal.h"

/* ---- output writers (out_common.c) ------------------------------------------
 * Checks shared by nnv_write_cml/molden/extxyz: path and structure present,
 * atom counts of r and v equal to s's, every number finite. `what` names the
 * writer in messages. */
int out_check(const char *what, const char *path, const nnv_structure *s, const nnv_result *r,
              const nnv_vib *v, nnv_error *err);
/* The title to write (info->title, else s->comment) as one line of at most
 * n - 1 bytes: control characters become spaces, and bytes in `avoid` become
 * `repl` (e.g. "[]" for Molden, whose readers take '[' as a section start). */
void out_title(char *dst, size_t n, const char *title, const char *avoid, const char *repl);

/* ---- extended-XYZ frames (extxyz_frame.c) --------------------------------------
 * One per-atom column after species: `name` in Properties= (type R), n_comp
 * values per atom (1 or 3), row-major (NULL: zeros), each printed with
 * `format`, a printf conversion of one double (e.g. "%16.10f"). */
typedef struct xyzw_column {
    const char *name;
    int n_comp;
    const double *values;
    const char *format;
} xyzw_column;

/* Write one frame to f: the atom count; the comment line
 * "Properties=species:S:1:NAME:R:N..." built from cols, then a space and the
 * key=value text of comment_fmt (printf-style; NULL or "" for none); one line
 * per atom with the symbol ("%-2s", "X" for an unknown Z) and every column's
 * values, each after one space. The callers keep their own number formats,
 * because committed files must stay byte-for-byte reproducible.
 * Returns NNV_OK, or NNV_EIO when a write failed (errno tells why). */
int xyzw_frame(FILE *f, int n_atoms, const int *Z, const xyzw_column *cols, int n_cols, const char *comment_fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* ---- plots (plot_svg.c) ---------------------------------------------------------
 * The palette colour index % NNV_PLOT_N_COLOURS as "#rrggbb" (static). */
const char *plot_colour(int index);

#endif
