/* Plain XYZ writer for one geometry (--write-xyz): the structure a run
 * analysed, readable by every chemistry program, with a caller's comment line. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdio.h>

#include "output/output_internal.h"

#define COMMENT_MAX 1024

int nnv_xyz_write(const char *path, const nnv_structure *s, const char *comment, nnv_error *err)
{
    af_file af = {NULL, NULL, NULL, 0};
    char line[COMMENT_MAX];
    int rc;

    if ((rc = out_check("XYZ writer", path, s, NULL, NULL, err)) != NNV_OK) return rc;
    /* One line: a newline in the comment would shift every atom line. */
    out_title(line, sizeof line, comment ? comment : s->comment, NULL, NULL);
    if ((rc = af_open(&af, path, err)) != NNV_OK) return rc;
    fprintf(af.f, "%d\n%s\n", s->n_atoms, line);
    /* %.10f: 1e-10 Å, far below any tolerance, and the text round-trips to the
     * same frequencies within 1e-6 cm-1. */
    for (int i = 0; i < s->n_atoms; i++)
        fprintf(af.f, "%-2s %16.10f %16.10f %16.10f\n", nnv_element_symbol(s->Z[i]), s->xyz[3 * i],
                s->xyz[3 * i + 1], s->xyz[3 * i + 2]);
    rc = af_commit(&af, err);
    af_discard(&af);
    return rc;
}
