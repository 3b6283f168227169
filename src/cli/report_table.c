/* The default text report, in the spirit of Gaussian/xtb/Psi4: a header block
 * (inputs, energy, smoothness, charges, warnings), the frequency table and,
 * with --modes, the normal modes three to a block. Formats numbers only. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <math.h>
#include <string.h>

#include "analyse.h"

#define RULE "------------------------------------------------------------------------------\n"
#define DESCRIPTION_MAX 300 /* bytes of the description shown; the JSON has all of it */

/* Print text on one line: control characters as spaces, cut (on a UTF-8
 * character boundary) after max bytes. */
static void put_line_text(FILE *f, const char *text, size_t max)
{
    size_t n = 0;
    const unsigned char *s = (const unsigned char *)(text ? text : "");
    for (; s[n] && n < max; n++) fputc((s[n] < 0x20 || s[n] == 0x7f) ? ' ' : s[n], f);
    if (s[n]) {
        while ((s[n] & 0xc0) == 0x80) fputc(s[n++], f); /* finish the character */
        if (s[n]) fputs(" ...", f);
    }
    fputc('\n', f);
}

/* Frequency in a 13-wide field: 1234.5678 or 123.4567i. */
static void put_freq(FILE *f, double nu)
{
    if (!isfinite(nu)) fprintf(f, "%12s ", "nan");
    else if (nu < 0) fprintf(f, "%12.4fi", -nu);
    else fprintf(f, "%12.4f ", nu);
}

static const char *smoothness_note(int sm)
{
    switch (sm) {
    case NNV_C0:
        return "ReLU layers: a pure ReLU network has zero curvature almost everywhere and\n"
               "                      the curvature jumps at every kink, so the Hessian and the\n"
               "                      frequencies are not meaningful";
    case NNV_C1:
        return "second derivatives jump (e.g. COS cutoff at rc, celu at 0): the Hessian\n"
               "                      is exact where defined but not continuous";
    default: return NULL;
    }
}

static void put_modes(FILE *f, const cli_run *run)
{
    const nnv_vib *v = run->v;
    const nnv_structure *s = run->s;
    int n3 = 3 * s->n_atoms;
    fputs("\nNormal modes (normalised Cartesian displacements)\n", f);
    for (int k0 = 0; k0 < v->n_modes; k0 += 3) {
        int nk = v->n_modes - k0 < 3 ? v->n_modes - k0 : 3;
        fputs("\n              ", f);
        for (int k = k0; k < k0 + nk; k++) fprintf(f, "%22d      ", k + 1);
        fputs("\n Frequencies --", f);
        for (int k = k0; k < k0 + nk; k++) {
            fprintf(f, "%14s", "");
            put_freq(f, v->frequencies[k]);
            fputc(' ', f);
        }
        fputs("\n Red. masses --", f);
        for (int k = k0; k < k0 + nk; k++) fprintf(f, "%26.4f  ", v->reduced_masses[k]);
        fputs("\n Frc consts  --", f);
        for (int k = k0; k < k0 + nk; k++) fprintf(f, "%26.4f  ", v->force_constants[k]);
        if (v->ir_intensities) {
            fputs("\n IR Inten    --", f);
            for (int k = k0; k < k0 + nk; k++) fprintf(f, "%26.4f  ", v->ir_intensities[k]);
        }
        fputs("\n  Atom   Z", f);
        for (int k = k0; k < k0 + nk; k++) fprintf(f, "      %8s%9s%9s  ", "X", "Y", "Z");
        fputc('\n', f);
        for (int i = 0; i < s->n_atoms; i++) {
            fprintf(f, "%6d%4d", i + 1, s->Z[i]);
            for (int k = k0; k < k0 + nk; k++) {
                const double *m = v->modes + (size_t)k * (size_t)n3 + 3 * i;
                fprintf(f, "      %8.4f %8.4f %8.4f ", m[0], m[1], m[2]);
            }
            fputc('\n', f);
        }
    }
}

/* Shared with the JSON and the files' writers (here, below them all, so the
 * report files call no file that calls them). */
const char *cli_isotope_label(const cli_options *o, int i)
{
    for (int k = o->n_masses - 1; k >= 0; k--)
        if (o->masses[k].index == i + 1) return o->masses[k].label[0] ? o->masses[k].label : NULL;
    return NULL;
}

const char *cli_geometry_source(const cli_run *run)
{
    if (run->opt_report) return "optimised (--opt)";
    return run->symmetrized ? "symmetrised (--symmetrize)" : "as read";
}

/* The geometry analysed, as Gaussian's "Standard orientation" and xtb's final
 * structure: element and x y z first (what scripts cut out), then the mass
 * and the isotope label of a --mass given by label. */
static void put_geometry(FILE *f, const cli_run *run)
{
    const nnv_structure *s = run->s;
    fprintf(f, "\n Geometry analysed (A), %s\n   atom  element          x               y               z"
               "          mass (u)   isotope\n", cli_geometry_source(run));
    for (int i = 0; i < s->n_atoms; i++) {
        const char *iso = cli_isotope_label(run->opt, i);
        fprintf(f, " %6d  %-2s %16.10f %16.10f %16.10f %16.10f   %s\n", i + 1, nnv_element_symbol(s->Z[i]),
                s->xyz[3 * i], s->xyz[3 * i + 1], s->xyz[3 * i + 2], s->masses[i], iso ? iso : "-");
    }
}

/* A committee's size and spreads: its energy is the members' mean. */
static void put_committee(FILE *f, const cli_run *run)
{
    const nnv_result *r = run->r;
    int worst = 0;
    fprintf(f, " committee          : %d members (%s), mean shown; standard deviations x %g\n", r->n_members,
            nnv_committee_kind_name(run->p->committee_kind), run->p->spread_scale);
    fprintf(f, " energy std         : %.6f eV\n", r->energy_std);
    if (!r->force_std) return;
    for (int i = 1; i < run->s->n_atoms; i++)
        if (r->force_std[i] > r->force_std[worst]) worst = i;
    fprintf(f, " max force std      : %.3e eV/A (atom %d %s)\n", r->force_std[worst], worst + 1,
            nnv_element_symbol(run->s->Z[worst]));
}

int cli_write_table(FILE *f, const cli_run *run)
{
    const cli_options *o = run->opt;
    const nnv_structure *s = run->s;
    const nnv_result *r = run->r;
    const nnv_vib *v = run->v;
    const char *note = smoothness_note(run->smoothness);
    int n_imag = 0;

    fprintf(f, RULE " nnvib %s  harmonic vibrational analysis, analytic NNP Hessian\n" RULE, nnv_version());
    cli_reliability_table(f, run->rel);
    fprintf(f, " molecule file      : %s (frame %d)\n", o->xyz_path, o->frame);
    fputs(" comment            : ", f);
    put_line_text(f, s->comment, DESCRIPTION_MAX);
    fprintf(f, " potential file     : %s\n", o->weights_path);
    fputs(" description        : ", f);
    put_line_text(f, run->p->description, DESCRIPTION_MAX);
    fprintf(f, " atoms              : %d\n", s->n_atoms);
    fprintf(f, " total energy       : %.10f eV\n", r->energy);
    if (r->n_members > 0) put_committee(f, run);
    fprintf(f, " max force          : %.3e eV/A%s\n", run->max_force,
            o->opt ? "" : (run->max_force > NNV_STATIONARY_FMAX ? "  (not a stationary point)" : ""));
    fprintf(f, " geometry           : %s, %d rigid-body modes projected out%s\n",
            v->linear ? "linear" : "non-linear", v->n_rigid,
            o->linear == NNV_LINEAR_AUTO ? "" : " (set by --linear)");
    fprintf(f, " principal moments  : %.6f %.6f %.6f u A^2\n", v->principal_moments[0],
            v->principal_moments[1], v->principal_moments[2]);
    if (run->pg) {
        fprintf(f, " point group        : %s (tolerance %g A, largest deviation %.1e A)\n", run->pg->name,
                run->pg->tol, run->pg->max_deviation);
        if (run->symmetrized)
            fprintf(f, "                      start geometry symmetrised (--symmetrize): atoms moved <= %.1e A\n",
                    run->symmetrize_shift);
    }
    fprintf(f, " smoothness         : %s\n", nnv_smoothness_name(run->smoothness));
    if (note) fprintf(f, "                      %s\n", note);
    if (o->hessian_fd) fprintf(f, " Hessian            : central differences of the forces, step %g A\n", o->fd_step);
    else fputs(" Hessian            : analytic\n", f);

    if (run->opt_report) {
        const nnv_opt_report *q = run->opt_report;
        fprintf(f, " optimisation       : %s after %d steps (fmax %g eV/A)\n",
                q->converged ? "converged" : "NOT CONVERGED", q->steps, o->opt_fmax);
        fprintf(f, "                      final energy %.10f eV, max force %.3e eV/A\n", q->energy,
                q->max_force);
    }
    if (run->fd_check) {
        const nnv_fd_disagreement *c = run->fd_check;
        fprintf(f, " FD check (step %g A): max |H_analytic - H_fd| = %.3e eV/A^2 (relative %.3e)\n",
                c->step, c->max_abs, c->max_rel);
        fprintf(f, "                      max frequency difference = %.3e cm^-1\n", c->max_freq);
    }

    if (r->has_charges) {
        double mu = sqrt(r->dipole[0] * r->dipole[0] + r->dipole[1] * r->dipole[1] +
                         r->dipole[2] * r->dipole[2]);
        fprintf(f, "\n Charges (e), total charge %g e\n   atom        charge\n", r->total_charge);
        for (int i = 0; i < s->n_atoms; i++)
            fprintf(f, " %4d %-3s %12.8f\n", i + 1, nnv_element_symbol(s->Z[i]), r->charges[i]);
        fprintf(f, " dipole (e A)       : %12.8f %12.8f %12.8f   |mu| = %.8f e A = %.6f D\n", r->dipole[0],
                r->dipole[1], r->dipole[2], mu, mu * NNV_DEBYE_PER_EA);
    }

    if (run->warnings.count) {
        fprintf(f, "\n Warnings (%d)\n", run->warnings.count);
        for (int i = 0; i < run->warnings.count; i++) {
            fprintf(f, "  * %s\n", run->warnings.messages[i]);
            if (i == run->extrap_index)
                for (int j = 0; j < run->extrap_details.count; j++)
                    fprintf(f, "      %s\n", run->extrap_details.messages[j]);
        }
    }

    put_geometry(f, run);

    /* the species last, so the numeric columns stay where parsers expect them;
     * the scaled column only with --scale, so the default layout is unchanged */
    fputs("\n" RULE "   mode   frequency ", f);
    if (o->scale > 0) fputs("     scaled   ", f);
    fputs(run->freq_std ? "     +-sigma   reduced mass" : "    reduced mass", f);
    fputs("   force constant   IR intensity  sym\n            (cm^-1)  ", f);
    if (o->scale > 0) fprintf(f, "  x %-8g  ", o->scale);
    fputs(run->freq_std ? "    (cm^-1)        (u)" : "        (u)", f);
    fputs("          (mdyn/A)         (km/mol)\n" RULE, f);
    for (int k = 0; k < v->n_modes; k++) {
        const char *sym = run->msym ? run->msym->labels[k] : "?";
        fprintf(f, " %5d  ", k + 1);
        put_freq(f, v->frequencies[k]);
        if (o->scale > 0) put_freq(f, o->scale * v->frequencies[k]);
        if (run->freq_std) fprintf(f, " +-%9.4f", run->freq_std[k]);
        fprintf(f, " %12.6f   %14.6f ", v->reduced_masses[k], v->force_constants[k]);
        if (v->ir_intensities) fprintf(f, "  %14.6f  %s\n", v->ir_intensities[k], sym);
        else fprintf(f, "  %14s  %s\n", "-", sym);
        n_imag += v->frequencies[k] < 0;
    }
    fputs(RULE, f);
    fprintf(f, " %d vibrational mode%s, %d imaginary%s\n", v->n_modes, v->n_modes == 1 ? "" : "s", n_imag,
            n_imag ? " (shown as 123.4567i)" : "");

    if (run->thermo) cli_write_thermo_table(f, run);
    if (o->modes && v->n_modes > 0) put_modes(f, run);
    return ferror(f) ? -1 : 0;
}
