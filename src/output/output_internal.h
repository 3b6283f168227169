/* The output layer's internal interfaces: checks and title handling shared by
 * the CML, Molden and extended-XYZ writers. Not installed, not exported. */
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

/* ---- plots (plot_svg.c) ---------------------------------------------------------
 * The palette colour index % NNV_PLOT_N_COLOURS as "#rrggbb" (static). */
const char *plot_colour(int index);

#endif
