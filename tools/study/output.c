/* The study's small output helpers shared by its report writers: a CSV
 * field that cannot break its row, and the commit of a finished file. */
#include "study.h"

/* CSV field: commas become ';' and quotes ''' so that every row splits the same way. */
void study_csv_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == ',') fputc(';', f);
        else if (*s == '"') fputc('\'', f);
        else if (*s == '\n' || *s == '\r') fputc(' ', f);
        else fputc(*s, f);
    }
}

/* Commit a written file, or drop it on a write error: never half a report. */
int study_commit(nnv_ofile *of, const char *path, nnv_error *err)
{
    if (ferror(nnv_ofile_stream(of))) {
        nnv_ofile_discard(of);
        return nnv_error_set(err, NNV_EIO, "%s: write error", path);
    }
    return nnv_ofile_commit(of, err);
}
