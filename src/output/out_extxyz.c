/* Extended-XYZ writers (the dialect of ASE's ase.io.extxyz): the normal modes
 * (the equilibrium structure, then one frame per mode with the mode as a
 * per-atom `mode` column and its frequency in the comment line's key=value
 * pairs), and one frame of an MD trajectory. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/output_internal.h"

#define TITLE_MAX 256
/* The comment line's key=value text: five numbers of at most ~330 characters
 * each ("%.6f" of a finite double), title, program, version and the keys. */
#define COMMENT_MAX 4096

/* One frame; k < 0 is the equilibrium frame (mode column zero). */
static int write_frame(FILE *f, const nnv_structure *s, const double *masses, const nnv_result *r, const nnv_vib *v,
                       int k, const char *title, const char *program, const char *version)
{
    size_t n3 = 3 * (size_t)s->n_atoms;
    char c[COMMENT_MAX];
    int n;
    xyzw_column cols[3] = {{"pos", 3, s->xyz, "%16.10f"},
                           {"masses", 1, masses, "%14.8f"},
                           {"mode", 3, k >= 0 ? v->modes + (size_t)k * n3 : NULL, "%14.10f"}};

    /* pbc="F F F": a molecule in vacuum; no Lattice, so ASE makes no cell. */
    n = snprintf(c, sizeof c, "pbc=\"F F F\"");
    if (k >= 0) {
        n += snprintf(c + n, sizeof c - (size_t)n, " mode_index=%d frequency=%.6f imaginary=%s", k + 1,
                      v->frequencies[k], v->frequencies[k] < 0 ? "T" : "F");
        if (v->ir_intensities) n += snprintf(c + n, sizeof c - (size_t)n, " ir_intensity=%.6f", v->ir_intensities[k]);
        if (v->reduced_masses) n += snprintf(c + n, sizeof c - (size_t)n, " reduced_mass=%.8f", v->reduced_masses[k]);
        if (v->force_constants)
            n += snprintf(c + n, sizeof c - (size_t)n, " force_constant=%.8f", v->force_constants[k]);
    } else {
        n += snprintf(c + n, sizeof c - (size_t)n, " mode_index=0");
    }
    if (r) n += snprintf(c + n, sizeof c - (size_t)n, " energy=%.10f", r->energy);
    n += snprintf(c + n, sizeof c - (size_t)n, " program=\"%s%s%s\"", program, version ? " " : "",
                  version ? version : "");
    if (title[0]) snprintf(c + n, sizeof c - (size_t)n, " title=\"%s\"", title);
    return xyzw_frame(f, s->n_atoms, s->Z, cols, 3, "%s", c);
}

int nnv_extxyz_write(const char *path, const nnv_structure *s, const nnv_result *r, const nnv_vib *v,
                     const nnv_write_info *info, nnv_error *err)
{
    af_file af = {NULL, NULL, NULL, 0};
    char title[TITLE_MAX], program[64], version[64];
    double *masses = NULL;
    int rc, nm;

    if ((rc = out_check("extended-XYZ writer", path, s, r, v, err)) != NNV_OK) return rc;
    nm = v ? v->n_modes : 0;
    /* Inside a quoted value ASE's parser treats '"' and '\' specially. */
    out_title(title, sizeof title, info && info->title ? info->title : s->comment, "\"\\", "'/");
    out_title(program, sizeof program, info && info->program ? info->program : "nnvib", "\"\\ ", "'/_");
    out_title(version, sizeof version, info && info->version ? info->version : "", "\"\\ ", "'/_");
    if (!s->masses) {
        /* A structure without masses: the most abundant isotopes' masses. */
        if (!(masses = malloc((size_t)s->n_atoms * sizeof *masses)))
            return nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", path);
        for (int i = 0; i < s->n_atoms; i++) masses[i] = nnv_element_mass(s->Z[i]);
    }
    if ((rc = af_open(&af, path, err)) != NNV_OK) goto cleanup;
    for (int k = -1; k < nm; k++)
        if (write_frame(af.f, s, s->masses ? s->masses : masses, r, v, k, title, program,
                        version[0] ? version : NULL) != NNV_OK)
            break; /* af_commit sees the stream's error and reports it with the path */
    rc = af_commit(&af, err);
cleanup:
    af_discard(&af);
    free(masses);
    return rc;
}

int nnv_extxyz_write_md_frame(nnv_ofile *f, const nnv_md_state *st, int step, nnv_error *err)
{
    xyzw_column cols[3] = {{"pos", 3, NULL, "%16.10f"}, {"velocities", 3, NULL, "%16.10e"},
                           {"forces", 3, NULL, "%16.10e"}};
    double ekin;

    if (!f || !f->af.f || !st) return nnv_error_set(err, NNV_EUSAGE, "MD frame writer: no file or no state");
    cols[0].values = st->xyz, cols[1].values = st->vel, cols[2].values = st->forces;
    ekin = nnv_md_kinetic(st);
    if (xyzw_frame(f->af.f, st->n_atoms, st->s->Z, cols, 3,
                   "pbc=\"F F F\" step=%d time=%.6f energy=%.10f kinetic_energy=%.10f total_energy=%.10f "
                   "temperature=%.6f",
                   step, st->time, st->epot, ekin, st->epot + ekin, nnv_md_temperature(st)) != NNV_OK)
        return nnv_error_set(err, NNV_EIO, "cannot write %s: %s", f->path, strerror(errno));
    return NNV_OK;
}
