/* Molden file writer: atoms, frequencies, IR intensities and normal modes in
 * the layout that Jmol, Open Babel, Molden and Avogadro (>= 1.100) all read.
 * Format: G. Schaftenaar, https://www.theochem.ru.nl/molden/molden_format.html;
 * reader quirks in docs/formats.md. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdio.h>

#include "output/output_internal.h"

#define TITLE_MAX 256

int nnv_molden_write(const char *path, const nnv_structure *s, const nnv_result *r, const nnv_vib *v,
                     const nnv_write_info *info, nnv_error *err)
{
    af_file af = {NULL, NULL, NULL, 0};
    char title[TITLE_MAX];
    int rc, n, nm;
    FILE *f;

    if ((rc = out_check("Molden writer", path, s, r, v, err)) != NNV_OK) return rc;
    n = s->n_atoms;
    nm = v ? v->n_modes : 0;
    /* '[' starts a section for every reader, so the title must not hold one. */
    out_title(title, sizeof title, info && info->title ? info->title : s->comment, "[]", "()");
    if ((rc = af_open(&af, path, err)) != NNV_OK) return rc;
    f = af.f;

    /* Spaces only, no blank line inside a section: Open Babel stops a section
     * at the first line that does not parse and lost modes after a blank one. */
    fputs("[Molden Format]\n", f);
    fprintf(f, "[Title]\n%s\n", title[0] ? title : "nnvib");
    /* Say the unit: Open Babel and Avogadro default to Å, Jmol to bohr. */
    fputs("[Atoms] Angs\n", f);
    for (int i = 0; i < n; i++)
        fprintf(f, "%-2s %5d %3d %16.10f %16.10f %16.10f\n", nnv_element_symbol(s->Z[i]), i + 1, s->Z[i],
                s->xyz[3 * i], s->xyz[3 * i + 1], s->xyz[3 * i + 2]);
    if (nm > 0) {
        size_t n3 = 3 * (size_t)n;
        fputs("[FREQ]\n", f);
        for (int k = 0; k < nm; k++) fprintf(f, "%14.6f\n", v->frequencies[k]);
        if (v->ir_intensities) {
            fputs("[INT]\n", f);
            for (int k = 0; k < nm; k++) fprintf(f, "%14.6f\n", v->ir_intensities[k]);
        }
        fputs("[FR-COORD]\n", f);
        for (int i = 0; i < n; i++)
            fprintf(f, "%-2s %16.10f %16.10f %16.10f\n", nnv_element_symbol(s->Z[i]),
                    s->xyz[3 * i] / NNV_BOHR_ANGSTROM, s->xyz[3 * i + 1] / NNV_BOHR_ANGSTROM,
                    s->xyz[3 * i + 2] / NNV_BOHR_ANGSTROM);
        /* Last section: Open Babel's reader consumes the line that ends the
         * last vibration block, so a section after it would be skipped. */
        fputs("[FR-NORM-COORD]\n", f);
        for (int k = 0; k < nm; k++) {
            const double *m = v->modes + (size_t)k * n3;
            fprintf(f, " vibration %d\n", k + 1);
            for (int i = 0; i < n; i++)
                fprintf(f, "%14.8f %14.8f %14.8f\n", m[3 * i], m[3 * i + 1], m[3 * i + 2]);
        }
    }
    rc = af_commit(&af, err);
    af_discard(&af);
    return rc;
}
