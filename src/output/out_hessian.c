/* The Hessian for other programs (--write-hessian): ORCA's .hess file and the
 * Turbomole/xtb $hessian file, in their units (Hartree/bohr²) and layouts, so
 * that orca_vib, xtb thermo, Chemcraft and their readers take nnvib's Hessian. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "output/output_internal.h"

/* eV/Å² to Hartree/bohr². */
#define HESS_AU (NNV_BOHR_ANGSTROM * NNV_BOHR_ANGSTROM / NNV_HARTREE_EV)
#define ORCA_COLS 5 /* ORCA 4 and later: five columns per block */

int nnv_hessian_format_from_path(const char *path)
{
    size_t n = path ? strlen(path) : 0;
    return n >= 5 && strcmp(path + n - 5, ".hess") == 0 ? NNV_HESSIAN_ORCA : NNV_HESSIAN_TURBOMOLE;
}

/* ORCA's .hess (the layout orca_freq writes): $act_* headers, $hessian as
 * blocks of five columns with the column numbers above and the row number
 * first (%19.10E as ORCA 4+), $atoms with mass (u) and position (bohr). */
static void write_orca(FILE *f, const nnv_structure *s, const double *h, double energy)
{
    int n3 = 3 * s->n_atoms;
    fputs("\n$orca_hessian_file\n\n$act_atom\n  0\n\n$act_coord\n  0\n\n", f);
    fprintf(f, "$act_energy\n  %.12f\n\n", isfinite(energy) ? energy / NNV_HARTREE_EV : 0.0);
    fprintf(f, "$hessian\n%d\n", n3);
    for (int c0 = 0; c0 < n3; c0 += ORCA_COLS) {
        int c1 = c0 + ORCA_COLS < n3 ? c0 + ORCA_COLS : n3;
        fputs("            ", f);
        for (int j = c0; j < c1; j++) fprintf(f, "%19d", j);
        /* ORCA ends this line in blanks, and xtb's reader counts a column
         * only when a blank follows it. */
        fputs("    \n", f);
        for (int i = 0; i < n3; i++) {
            fprintf(f, "%7d     ", i);
            for (int j = c0; j < c1; j++) fprintf(f, "%19.10E", h[(size_t)i * (size_t)n3 + (size_t)j] * HESS_AU);
            fputc('\n', f);
        }
    }
    fprintf(f, "\n#\n# The atoms: label  mass(u) coordinates (bohr)\n#\n$atoms\n%d\n", s->n_atoms);
    for (int i = 0; i < s->n_atoms; i++)
        fprintf(f, " %-2s %12.5f %20.12f %20.12f %20.12f\n", nnv_element_symbol(s->Z[i]), s->masses[i],
                s->xyz[3 * i] / NNV_BOHR_ANGSTROM, s->xyz[3 * i + 1] / NNV_BOHR_ANGSTROM,
                s->xyz[3 * i + 2] / NNV_BOHR_ANGSTROM);
    fputs("\n$end\n\n", f);
}

/* xtb's `hessian` file (what xtb --hess writes and xtb thermo reads by
 * default; Turbomole's $hessian without mass weighting): each row of the full
 * matrix on lines of five, (5x,5f15.10) as xtb writes it. */
static void write_turbomole(FILE *f, const nnv_structure *s, const double *h)
{
    int n3 = 3 * s->n_atoms;
    fputs("$hessian\n", f); /* in column 1: xtb looks for "$hessian" there */
    for (int i = 0; i < n3; i++)
        for (int j = 0; j < n3; j++) {
            if (j % 5 == 0) fputs("     ", f);
            fprintf(f, "%15.10f", h[(size_t)i * (size_t)n3 + (size_t)j] * HESS_AU);
            if (j % 5 == 4 || j == n3 - 1) fputc('\n', f);
        }
    fputs("$end\n", f);
}

int nnv_hessian_write(const char *path, int format, const nnv_structure *s, const double *hessian, double energy,
                      nnv_error *err)
{
    af_file af = {NULL, NULL, NULL, 0};
    size_t n3;
    int rc;

    if ((rc = out_check("Hessian writer", path, s, NULL, NULL, err)) != NNV_OK) return rc;
    if (!hessian) return nnv_error_set(err, NNV_EUSAGE, "Hessian writer (%s): no Hessian", path);
    if (!s->masses) return nnv_error_set(err, NNV_EUSAGE, "Hessian writer (%s): the structure has no masses", path);
    if (format == 0) format = nnv_hessian_format_from_path(path);
    if (format != NNV_HESSIAN_ORCA && format != NNV_HESSIAN_TURBOMOLE)
        return nnv_error_set(err, NNV_EUSAGE, "Hessian writer (%s): unknown format %d", path, format);
    n3 = 3 * (size_t)s->n_atoms;
    for (size_t k = 0; k < n3 * n3; k++)
        if (!isfinite(hessian[k]))
            return nnv_error_set(err, NNV_EINPUT, "Hessian writer (%s): element (%zu, %zu) is not finite", path,
                                 k / n3 + 1, k % n3 + 1);
    if ((rc = af_open(&af, path, err)) != NNV_OK) return rc;
    if (format == NNV_HESSIAN_ORCA) write_orca(af.f, s, hessian, energy);
    else write_turbomole(af.f, s, hessian);
    rc = af_commit(&af, err);
    af_discard(&af);
    return rc;
}
