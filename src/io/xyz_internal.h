/* xyz_internal.h: what the XYZ reader learns from an extended XYZ comment
 * line (xyz_comment.c): where species and positions are on an atom line. */
#ifndef NNVIB_XYZ_INTERNAL_H
#define NNVIB_XYZ_INTERNAL_H

#include "base/base_internal.h"

#define XYZ_MAX_COLUMNS 1000 /* tokens one atom line may declare */

typedef struct xyz_columns {
    int species;  /* token index of the element symbol */
    int pos;      /* token index of x (y and z follow) */
    int n;        /* tokens an atom line has: at least 4 for plain XYZ, exactly n when declared */
    int declared; /* 1 when Properties= named the columns */
} xyz_columns;

/* Read comment (line `line` of name; `of` as " of frame K" or "") as an
 * extended XYZ comment: Properties= gives the columns (species:S:1 and
 * pos:R:3 anywhere, other columns skipped by their widths); without it the
 * plain order 'Symbol x y z'. A pbc with T, or Lattice= without pbc (periodic,
 * as ASE reads it): NNV_EINPUT
 * ("periodic systems are not supported yet"), as is a malformed Properties. */
int xyz_comment_columns(txt_span comment, const char *name, int line, const char *of, xyz_columns *cols,
                        nnv_error *err);

#endif
