/* `nnvib compare`: the report writers (table, JSON, CSV) of one molecule's
 * comparisons, kept apart from the option parsing so that another command
 * (e.g. a study over many molecules) can print the same report. The physics,
 * the per-potential pipeline optimise -> Hessian -> analysis -> assignment,
 * is the library's nnv_compare_potential (include/nnvib/compare.h). */
#ifndef NNVIB_CLI_COMPARE_H
#define NNVIB_CLI_COMPARE_H

#include <stdio.h>
#include <nnvib.h>

#include "compare_spectrum.h"

/** One molecule against one reference (and optionally the teacher), for n
 *  potentials. Everything is borrowed. */
typedef struct cli_compare_set {
    const char *xyz_path;
    const nnv_structure *s;
    const char *ref_path;
    const nnv_reference *ref;
    const char *teacher_path;        /**< NULL when no teacher */
    const nnv_reference *teacher;    /**< NULL when no teacher */
    int n;
    const char *const *pot_paths;    /**< n paths as given */
    const nnv_potential *const *pots; /**< n potentials */
    const nnv_comparison *const *cmp; /**< n results of nnv_compare_potential */
    const nnv_warnings *warnings;    /**< every warning, in order */
    const cli_spectrum_report *spectrum; /**< --spectrum report, NULL without */
} cli_compare_set;

/** The text report: per potential a summary and a per-band table. 0 or -1 (errno). */
int cli_compare_write_table(FILE *f, const cli_compare_set *c);
/** One JSON object (docs/json-schema.md, "nnvib compare --json"). 0 or -1 (errno). */
int cli_compare_write_json(FILE *f, const cli_compare_set *c);
/** CSV, one row per (potential, reference, band). 0 or -1 (errno). */
int cli_compare_write_csv(FILE *f, const cli_compare_set *c);

#endif
