/* One frame of extended XYZ (the dialect of ASE's ase.io.extxyz), the only
 * code that writes the format: normal modes, MD trajectories, teacher data
 * and training sets all call xyzw_frame with their own columns and formats. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdarg.h>
#include <stdio.h>

#include "output/output_internal.h"

int xyzw_frame(FILE *f, int n_atoms, const int *Z, const xyzw_column *cols, int n_cols, const char *comment_fmt, ...)
{
    int ok = fprintf(f, "%d\nProperties=species:S:1", n_atoms) > 0;

    /* Every column is real-valued (R): species is the only string column. */
    for (int c = 0; c < n_cols; c++) ok &= fprintf(f, ":%s:R:%d", cols[c].name, cols[c].n_comp) > 0;
    if (comment_fmt && comment_fmt[0]) {
        va_list ap;
        ok &= fputc(' ', f) != EOF;
        va_start(ap, comment_fmt);
        ok &= vfprintf(f, comment_fmt, ap) >= 0;
        va_end(ap);
    }
    ok &= fputc('\n', f) != EOF;
    for (int i = 0; i < n_atoms && ok; i++) {
        const char *sym = nnv_element_symbol(Z[i]);
        ok &= fprintf(f, "%-2s", sym ? sym : "X") > 0;
        for (int c = 0; c < n_cols; c++)
            for (int q = 0; q < cols[c].n_comp; q++) {
                double v = cols[c].values ? cols[c].values[(size_t)i * (size_t)cols[c].n_comp + (size_t)q] : 0.0;
                ok &= fputc(' ', f) != EOF;
                ok &= fprintf(f, cols[c].format, v) > 0;
            }
        ok &= fputc('\n', f) != EOF;
    }
    return ok && !ferror(f) ? NNV_OK : NNV_EIO;
}
