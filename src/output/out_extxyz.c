/* Extended-XYZ writer (the dialect of ASE's ase.io.extxyz): the equilibrium
 * structure, then one frame per normal mode with the mode as a per-atom
 * `mode` column and its frequency in the comment line's key=value pairs. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdio.h>

#include "output/output_internal.h"

#define TITLE_MAX 256

/* One frame; k < 0 is the equilibrium frame (mode column zero). */
static void write_frame(FILE *f, const nnv_structure *s, const nnv_result *r, const nnv_vib *v, int k,
                        const char *title, const char *program, const char *version)
{
    size_t n3 = 3 * (size_t)s->n_atoms;
    const double *m = k >= 0 ? v->modes + (size_t)k * n3 : NULL;

    fprintf(f, "%d\n", s->n_atoms);
    /* pbc="F F F": a molecule in vacuum; no Lattice, so ASE makes no cell. */
    fputs("Properties=species:S:1:pos:R:3:masses:R:1:mode:R:3 pbc=\"F F F\"", f);
    if (k >= 0) {
        fprintf(f, " mode_index=%d frequency=%.6f imaginary=%s", k + 1, v->frequencies[k],
                v->frequencies[k] < 0 ? "T" : "F");
        if (v->ir_intensities) fprintf(f, " ir_intensity=%.6f", v->ir_intensities[k]);
        if (v->reduced_masses) fprintf(f, " reduced_mass=%.8f", v->reduced_masses[k]);
        if (v->force_constants) fprintf(f, " force_constant=%.8f", v->force_constants[k]);
    } else {
        fputs(" mode_index=0", f);
    }
    if (r) fprintf(f, " energy=%.10f", r->energy);
    fprintf(f, " program=\"%s%s%s\"", program, version ? " " : "", version ? version : "");
    if (title[0]) fprintf(f, " title=\"%s\"", title);
    fputc('\n', f);
    for (int i = 0; i < s->n_atoms; i++) {
        double mass = s->masses ? s->masses[i] : nnv_element_mass(s->Z[i]);
        fprintf(f, "%-2s %16.10f %16.10f %16.10f %14.8f %14.10f %14.10f %14.10f\n", nnv_element_symbol(s->Z[i]),
                s->xyz[3 * i], s->xyz[3 * i + 1], s->xyz[3 * i + 2], mass, m ? m[3 * i] : 0.0,
                m ? m[3 * i + 1] : 0.0, m ? m[3 * i + 2] : 0.0);
    }
}

int nnv_extxyz_write(const char *path, const nnv_structure *s, const nnv_result *r, const nnv_vib *v,
                     const nnv_write_info *info, nnv_error *err)
{
    af_file af = {NULL, NULL, NULL, 0};
    char title[TITLE_MAX], program[64], version[64];
    int rc, nm;

    if ((rc = out_check("extended-XYZ writer", path, s, r, v, err)) != NNV_OK) return rc;
    nm = v ? v->n_modes : 0;
    /* Inside a quoted value ASE's parser treats '"' and '\' specially. */
    out_title(title, sizeof title, info && info->title ? info->title : s->comment, "\"\\", "'/");
    out_title(program, sizeof program, info && info->program ? info->program : "nnvib", "\"\\ ", "'/_");
    out_title(version, sizeof version, info && info->version ? info->version : "", "\"\\ ", "'/_");
    if ((rc = af_open(&af, path, err)) != NNV_OK) return rc;
    for (int k = -1; k < nm; k++) write_frame(af.f, s, r, v, k, title, program, version[0] ? version : NULL);
    rc = af_commit(&af, err);
    af_discard(&af);
    return rc;
}
