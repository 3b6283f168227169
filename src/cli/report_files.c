/* The analysis command's extra files (--jcamp, --jcamp-peaks, --cml, --molden,
 * --extxyz, --write-xyz, --write-hessian): hands the finished results to the
 * library's writers and maps a failure to an exit status. Each file is
 * complete or absent. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyse.h"

typedef int (*writer_fn)(const char *, const nnv_structure *, const nnv_result *, const nnv_vib *,
                         const nnv_write_info *, nnv_error *);

int cli_write_files(const cli_run *run, char *msg, size_t msglen)
{
    const cli_options *o = run->opt;
    const struct {
        const char *path;
        writer_fn fn;
    } files[] = {
        {o->cml_path, nnv_cml_write},
        {o->molden_path, nnv_molden_write},
        {o->extxyz_path, nnv_extxyz_write},
    };
    nnv_write_info info;

    memset(&info, 0, sizeof info);
    info.program = "nnvib";
    info.version = nnv_version();
    info.thermo = run->thermo;
    if (o->xyz_out_path || o->hessian_out_path) {
        nnv_error err = {0, ""};
        int code = NNV_OK;
        if (o->xyz_out_path) {
            /* key=value pairs, quoted where a value may hold spaces, so ASE's
             * reader takes them into atoms.info. */
            char comment[1024];
            snprintf(comment, sizeof comment,
                     "energy=%.10f energy_unit=eV optimized=%s geometry=\"%s\" potential=\"%s\" molecule=\"%s\" "
                     "program=\"nnvib %s\"", run->r->energy, run->opt_report ? "T" : "F", cli_geometry_source(run),
                     o->weights_path, o->xyz_path, nnv_version());
            code = nnv_xyz_write(o->xyz_out_path, run->s, comment, &err);
        }
        if (code == NNV_OK && o->hessian_out_path)
            code = nnv_hessian_write(o->hessian_out_path, o->hessian_format, run->s, run->hessian, run->r->energy,
                                     &err);
        if (code != NNV_OK) {
            snprintf(msg, msglen, "%s", err.message[0] ? err.message : nnv_strerror(code));
            return code == NNV_ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_OUTPUT;
        }
    }
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        nnv_error err = {0, ""};
        int code;
        if (!files[i].path) continue;
        code = files[i].fn(files[i].path, run->s, run->r, run->v, &info, &err);
        if (code != NNV_OK) {
            snprintf(msg, msglen, "%s", err.message[0] ? err.message : nnv_strerror(code));
            return code == NNV_ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_OUTPUT;
        }
    }
    return CLI_EXIT_OK;
}

int cli_write_jcamp(cli_run *run, char *msg, size_t msglen)
{
    const cli_options *o = run->opt;
    const nnv_vib *v = run->v;
    nnv_error err = {0, ""};
    nnv_spectrum *sp = NULL;
    double *ones = NULL;
    const double *inten = v->ir_intensities;
    char title[256], comment[512];
    int code = NNV_OK, st = CLI_EXIT_OK;

    if (!o->jcamp_path && !o->jcamp_peaks_path) return CLI_EXIT_OK;
    int n_real = 0;
    for (int k = 0; k < v->n_modes; k++) n_real += v->frequencies[k] > 0;
    if (n_real == 0) {
        /* An atom, or only imaginary modes: refuse rather than write an empty spectrum. */
        snprintf(msg, msglen, "%s: no real vibrational mode, no IR spectrum to write",
                 o->jcamp_path ? o->jcamp_path : o->jcamp_peaks_path);
        return CLI_EXIT_INPUT;
    }
    snprintf(title, sizeof title, "%s",
             run->s->comment && run->s->comment[0] ? run->s->comment : o->xyz_path);
    snprintf(comment, sizeof comment, "molecule %s (frame %d), potential %s", o->xyz_path,
             o->frame, o->weights_path);
    nnv_jcamp_info info = {title, NULL, NULL, comment};
    if (!inten) {
        /* Without charge networks there are no intensities: every band gets
         * area 1 (said in the file and as a warning), positions only. */
        nnv_warnings_add(&run->warnings, "JCAMP-DX: the potential has no charge networks, so no IR "
                                         "intensities: every band is written with intensity 1");
        ones = malloc(((size_t)v->n_modes + 1) * sizeof *ones);
        if (!ones) {
            snprintf(msg, msglen, "out of memory");
            return CLI_EXIT_INTERNAL;
        }
        for (int k = 0; k < v->n_modes; k++) ones[k] = 1.0;
    }
    if (o->jcamp_path) {
        nnv_spectrum_options so;
        memset(&so, 0, sizeof so);
        so.fwhm = o->fwhm;
        so.lineshape = o->lineshape;
        code = nnv_spectrum_broaden(&sp, v->n_modes, v->frequencies, inten ? inten : ones, &so,
                                    &err);
        if (code == NNV_OK) {
            char c2[600];
            if (!inten) {
                snprintf(c2, sizeof c2, "%s; no IR intensities (no charge networks): every band "
                                        "has area 1", comment);
                info.comment = c2;
            }
            code = nnv_jcamp_write_spectrum(o->jcamp_path, sp, &info, &err);
            info.comment = comment;
        }
        if (code != NNV_OK) goto fail;
    }
    if (o->jcamp_peaks_path) {
        code = nnv_jcamp_write_peaks(o->jcamp_peaks_path, v->n_modes, v->frequencies, inten, &info,
                                     &err);
        if (code != NNV_OK) goto fail;
    }
    goto cleanup;
fail:
    snprintf(msg, msglen, "%s", err.message[0] ? err.message : nnv_strerror(code));
    st = code == NNV_ENOMEM ? CLI_EXIT_INTERNAL : code == NNV_EIO ? CLI_EXIT_OUTPUT
                                                                  : CLI_EXIT_INPUT;
cleanup:
    nnv_spectrum_free(sp);
    free(ones);
    return st;
}
