/* The reports of `nnvib compare` (text table, JSON, CSV) for one molecule's
 * comparisons with one or more potentials: numbers only formatted here. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "compare.h"
#include "compare_spectrum.h"

#define CMP_SCHEMA_VERSION 1

/* ---- text table ---------------------------------------------------------- */

/* Text on one line: control characters as spaces, at most max bytes. */
static void put_text(FILE *f, const char *s, size_t max)
{
    size_t n = 0;
    for (; s && s[n] && n < max; n++) fputc((unsigned char)s[n] < 0x20 || s[n] == 0x7f ? ' ' : s[n], f);
    if (s && s[n]) fputs(" ...", f);
}

static void put_metrics_line(FILE *f, const char *what, const nnv_metrics *m)
{
    fprintf(f, "  %-14s %d band%s assigned", what, m->n_pairs, m->n_pairs == 1 ? "" : "s");
    if (m->n_pairs > 0)
        fprintf(f, ": MAE %.1f  RMSE %.1f  max %.1f  mean signed %+.1f cm-1\n"
                   "  %-14s scale factor %.4f -> MAE %.1f  RMSE %.1f  max %.1f cm-1\n",
                m->mae, m->rmse, m->max_abs, m->mean_signed, "", m->scale, m->mae_scaled, m->rmse_scaled,
                m->max_abs_scaled);
    else
        fputc('\n', f);
    fprintf(f, "  %-14s unassigned: %d computed mode%s, %d reference band%s\n", "", m->n_unassigned_calc,
            m->n_unassigned_calc == 1 ? "" : "s", m->n_unassigned_ref, m->n_unassigned_ref == 1 ? "" : "s");
}

/* Mean teacher frequency of the computed modes assigned to experimental band
 * b (each mode counted with the teacher band it was assigned to); NaN if none. */
static double teacher_of_band(const nnv_comparison *c, const nnv_reference *t, int b)
{
    double sum = 0;
    int n = 0;
    if (!c->vs_teacher) return NAN;
    for (int i = 0; i < c->vs_ref->n_calc; i++)
        if (c->vs_ref->calc_band[i] == b && c->vs_teacher->calc_band[i] >= 0) {
            sum += t->bands[c->vs_teacher->calc_band[i]].freq;
            n++;
        }
    return n ? sum / n : NAN;
}

/* A label in a column of `width` characters: control bytes as '?', cut at
 * width characters on a UTF-8 boundary, padded by characters (not bytes), so
 * "Σg+" lines up. */
static void put_label(FILE *f, const char *s, int width)
{
    int chars = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xc0) != 0x80) {
            if (chars == width) break;
            chars++;
        }
        fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
    }
    for (; chars < width; chars++) fputc(' ', f);
}

static void put_cell(FILE *f, const char *fmt, double x, int width)
{
    if (isfinite(x)) fprintf(f, fmt, width, x);
    else fprintf(f, "%*s", width, "-");
}

static void put_ref_header(FILE *f, const char *what, const char *path, const nnv_reference *r)
{
    int slots = 0;
    for (int b = 0; b < r->n_bands; b++) slots += r->bands[b].degeneracy;
    fprintf(f, "%-10s %s (%s, %d band%s, %d mode%s", what, path, nnv_reference_kind_name(r->kind), r->n_bands,
            r->n_bands == 1 ? "" : "s", slots, slots == 1 ? "" : "s");
    if (r->point_group[0]) {
        fputs(", ", f);
        put_text(f, r->point_group, 40);
    }
    fputs(")\n", f);
}

int cli_compare_write_table(FILE *f, const cli_compare_set *c)
{
    fprintf(f, "nnvib %s compare\n", nnv_version());
    fprintf(f, "%-10s %s (%d atoms)\n", "molecule", c->xyz_path, c->s->n_atoms);
    put_ref_header(f, "reference", c->ref_path, c->ref);
    if (c->teacher) put_ref_header(f, "teacher", c->teacher_path, c->teacher);
    fputs("Modes are matched to bands by frequency (optimal one-to-one assignment on |delta|, a band\n"
          "of degeneracy g takes g modes, its value is their mean), only within one symmetry species\n"
          "when the reference carries species of the detected point group (B1/B2/B3 in the file's\n"
          "axis convention). Imaginary modes are never assigned.\n",
          f);
    for (int k = 0; k < c->n; k++) {
        const nnv_comparison *r = c->cmp[k];
        const nnv_metrics *m = &r->vs_ref->metrics;
        fprintf(f, "\n== potential %s (%s)\n", c->pot_paths[k], nnv_smoothness_name(nnv_potential_smoothness(c->pots[k])));
        if (r->optimized)
            fprintf(f, "  optimisation: %s in %d steps, energy %.8f eV, max force %.2e eV/A\n",
                    r->opt.converged ? "converged" : "NOT CONVERGED", r->opt.steps, r->r->energy, r->max_force);
        else
            fprintf(f, "  no optimisation (--no-opt): energy %.8f eV, max force %.2e eV/A\n", r->r->energy,
                    r->max_force);
        cli_reliability_table(f, &r->reliability);
        fprintf(f, "  %d vibrational modes, %d imaginary\n", r->v->n_modes, m->n_imaginary);
        fprintf(f, "  point group %s: ", r->point_group ? r->point_group->name : "?");
        if (r->vs_ref->species_restricted)
            fprintf(f, "assignment restricted to equal species, %d band%s differ%s from frequency-only\n",
                    r->vs_ref->n_species_changed, r->vs_ref->n_species_changed == 1 ? "" : "s",
                    r->vs_ref->n_species_changed == 1 ? "s" : "");
        else
            fprintf(f, "matched by frequency only (the reference's point group is %s)\n",
                    c->ref->point_group[0] ? c->ref->point_group : "not given");
        put_metrics_line(f, "vs reference:", m);
        if (r->vs_teacher) put_metrics_line(f, "vs teacher:", &r->vs_teacher->metrics);
        fprintf(f, "\n  %-8s %-6s %2s %10s %10s %9s %-7s", "band", "sym", "g", "ref", "calc", "calc-ref", "calc-sym");
        if (c->teacher) fprintf(f, " %10s %9s", "teacher", "calc-tch");
        fprintf(f, "\n  %-8s %-6s %2s %10s %10s %9s %-7s", "", "", "", "(cm-1)", "(cm-1)", "(cm-1)", "");
        if (c->teacher) fprintf(f, " %10s %9s", "(cm-1)", "(cm-1)");
        fputc('\n', f);
        for (int b = 0; b < c->ref->n_bands; b++) {
            const nnv_ref_band *rb = &c->ref->bands[b];
            double calc = r->vs_ref->band_calc[b];
            fputs("  ", f);
            put_label(f, rb->mode, 8);
            fputc(' ', f);
            put_label(f, rb->symmetry, 6);
            fprintf(f, " %2d ", rb->degeneracy);
            put_cell(f, "%*.1f", rb->freq, 10);
            fputc(' ', f);
            put_cell(f, "%*.1f", calc, 10);
            fputc(' ', f);
            put_cell(f, "%+*.1f", calc - rb->freq, 9);
            {
                const char *lab = "-";
                for (int i = 0; i < r->v->n_modes && r->mode_symmetry; i++)
                    if (r->vs_ref->calc_band[i] == b) lab = r->mode_symmetry->labels[i];
                fprintf(f, " %-8s", lab);
            }
            if (c->teacher) {
                double t = teacher_of_band(r, c->teacher, b);
                fputc(' ', f);
                put_cell(f, "%*.1f", t, 10);
                fputc(' ', f);
                put_cell(f, "%+*.1f", calc - t, 9);
            }
            if (r->vs_ref->band_n_calc[b] < rb->degeneracy && r->vs_ref->band_n_calc[b] > 0)
                fprintf(f, "  (%d of %d modes)", r->vs_ref->band_n_calc[b], rb->degeneracy);
            fputc('\n', f);
        }
        if (m->n_unassigned_calc > 0 || m->n_imaginary > 0) {
            fputs("  not assigned:", f);
            for (int i = 0; i < r->v->n_modes; i++)
                if (r->vs_ref->calc_band[i] < 0) {
                    double nu = r->v->frequencies[i];
                    if (nu < 0) fprintf(f, " %.1fi", -nu);
                    else fprintf(f, " %.1f", nu);
                }
            fputs(" cm-1\n", f);
        }
    }
    if (c->spectrum) {
        fputs("\n== measured spectrum\n", f);
        if (cli_spectrum_report_table(f, c->spectrum) != 0) return -1;
    }
    if (c->warnings && c->warnings->count > 0) {
        fputs("\nWarnings:\n", f);
        for (int i = 0; i < c->warnings->count; i++) {
            fputs("  * ", f);
            put_text(f, c->warnings->messages[i], 1000);
            fputc('\n', f);
        }
    }
    return ferror(f) ? -1 : 0;
}

/* ---- JSON ------------------------------------------------------------------ */

static void j_reference(FILE *f, const char *path, const nnv_reference *r)
{
    if (!r) {
        fputs("null", f);
        return;
    }
    fputs("{\"file\": ", f);
    json_str(f, path);
    fputs(", \"kind\": ", f);
    json_str(f, nnv_reference_kind_name(r->kind));
    fputs(", \"molecule\": ", f);
    json_str(f, r->molecule);
    fputs(", \"point_group\": ", f);
    json_str(f, r->point_group);
    fputs(", \"bands\": [", f);
    for (int b = 0; b < r->n_bands; b++) {
        const nnv_ref_band *x = &r->bands[b];
        fputs(b ? ",\n      {\"mode\": " : "\n      {\"mode\": ", f);
        json_str(f, x->mode);
        fputs(", \"symmetry\": ", f);
        json_str(f, x->symmetry);
        json_key_num(f, ", ", "freq_cm1", x->freq);
        fprintf(f, ", \"degeneracy\": %d, \"ir_active\": %s, \"ir_intensity_km_mol\": ", x->degeneracy,
                x->ir_active < 0 ? "null" : x->ir_active ? "true" : "false");
        json_num(f, x->intensity);
        fputs(", \"source\": ", f);
        json_str(f, x->source);
        fputc('}', f);
    }
    fputs("]}", f);
}

static void j_assignment(FILE *f, const nnv_assignment *a, const nnv_reference *r)
{
    const nnv_metrics *m;
    if (!a) {
        fputs("null", f);
        return;
    }
    m = &a->metrics;
    fprintf(f, "{\"n_pairs\": %d", m->n_pairs);
    {
        const json_field figures[] = {{"mae_cm1", m->mae}, {"rmse_cm1", m->rmse}, {"max_abs_cm1", m->max_abs},
                                      {"mean_signed_cm1", m->mean_signed}, {"scale_factor", m->scale},
                                      {"mae_scaled_cm1", m->mae_scaled}, {"rmse_scaled_cm1", m->rmse_scaled},
                                      {"max_abs_scaled_cm1", m->max_abs_scaled}};
        json_fields(f, ", ", figures, (int)(sizeof figures / sizeof figures[0]));
    }
    fprintf(f, ", \"n_imaginary\": %d, \"n_unassigned_calc\": %d, \"n_unassigned_ref\": %d", m->n_imaginary,
            m->n_unassigned_calc, m->n_unassigned_ref);
    json_key_num(f, ", ", "total_abs_cm1", a->total_cost);
    fprintf(f, ", \"species_restricted\": %s, \"n_species_changed\": %d", a->species_restricted ? "true" : "false",
            a->n_species_changed);
    fputs(",\n      \"bands\": [", f);
    for (int b = 0; b < a->n_bands; b++) {
        fprintf(f, "%s{\"band\": %d, \"mode\": ", b ? ", " : "", b + 1);
        json_str(f, r->bands[b].mode);
        json_key_num(f, ", ", "ref_cm1", r->bands[b].freq);
        json_key_num(f, ", ", "calc_cm1", a->band_calc[b]);
        json_key_num(f, ", ", "delta_cm1", a->band_calc[b] - r->bands[b].freq);
        fprintf(f, ", \"n_modes\": %d}", a->band_n_calc[b]);
    }
    fputs("],\n      \"mode_band\": [", f);
    for (int i = 0; i < a->n_calc; i++) {
        if (i) fputs(", ", f);
        if (a->calc_band[i] < 0) fputs("null", f);
        else fprintf(f, "%d", a->calc_band[i] + 1);
    }
    fputs("]}", f);
}

int cli_compare_write_json(FILE *f, const cli_compare_set *c)
{
    fputs("{\"program\": \"nnvib\", \"command\": \"compare\", \"version\": ", f);
    json_str(f, nnv_version());
    fprintf(f, ", \"schema_version\": %d,\n  \"molecule_file\": ", CMP_SCHEMA_VERSION);
    json_str(f, c->xyz_path);
    fprintf(f, ", \"n_atoms\": %d, \"symmetry_used\": false,\n  \"reference\": ", c->s->n_atoms);
    j_reference(f, c->ref_path, c->ref);
    fputs(",\n  \"teacher\": ", f);
    j_reference(f, c->teacher_path, c->teacher);
    fputs(",\n  \"potentials\": [", f);
    for (int k = 0; k < c->n; k++) {
        const nnv_comparison *r = c->cmp[k];
        fputs(k ? ",\n    {\"file\": " : "\n    {\"file\": ", f);
        json_str(f, c->pot_paths[k]);
        fputs(", \"description\": ", f);
        json_str(f, c->pots[k]->description);
        fputs(", \"smoothness\": ", f);
        json_str(f, nnv_smoothness_name(nnv_potential_smoothness(c->pots[k])));
        fputs(",\n      \"reliability\": ", f);
        cli_reliability_json(f, &r->reliability, "      ");
        fputs(",\n      \"optimization\": ", f);
        if (r->optimized) {
            fprintf(f, "{\"steps\": %d, \"converged\": %s, \"energy_eV\": ", r->opt.steps,
                    r->opt.converged ? "true" : "false");
            json_num(f, r->opt.energy);
            fputs(", \"max_force_eV_A\": ", f);
            json_num(f, r->opt.max_force);
            fputc('}', f);
        } else {
            fputs("null", f);
        }
        fputs(", \"energy_eV\": ", f);
        json_num(f, r->r->energy);
        fputs(", \"max_force_eV_A\": ", f);
        json_num(f, r->max_force);
        fprintf(f, ", \"n_modes\": %d,\n      \"frequencies_cm1\": ", r->v->n_modes);
        json_vec(f, r->v->frequencies, r->v->n_modes);
        fputs(",\n      \"ir_intensities_km_mol\": ", f);
        if (r->v->ir_intensities) json_vec(f, r->v->ir_intensities, r->v->n_modes);
        else fputs("null", f);
        fputs(",\n      \"vs_reference\": ", f);
        j_assignment(f, r->vs_ref, c->ref);
        fputs(",\n      \"vs_teacher\": ", f);
        j_assignment(f, r->vs_teacher, c->teacher);
        fputc('}', f);
    }
    fputs("],\n  \"warnings\": [", f);
    for (int i = 0; c->warnings && i < c->warnings->count; i++) {
        if (i) fputs(", ", f);
        json_str(f, c->warnings->messages[i]);
    }
    fputc(']', f);
    if (c->spectrum) {
        fputs(",\n  \"spectrum\": ", f);
        if (cli_spectrum_report_json(f, c->spectrum) != 0) return -1;
    }
    fputs("\n}\n", f);
    return ferror(f) ? -1 : 0;
}

/* ---- CSV ------------------------------------------------------------------- */

/* RFC 4180 field: quoted when it holds a comma, quote or line break. */
static void csv_str(FILE *f, const char *s)
{
    if (!s || !strpbrk(s, ",\"\r\n")) {
        fputs(s ? s : "", f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void csv_num(FILE *f, double x)
{
    if (isfinite(x)) fprintf(f, "%.6f", x);
}

static void csv_rows(FILE *f, const char *pot, const char *against, const nnv_assignment *a, const nnv_reference *r)
{
    for (int b = 0; b < r->n_bands; b++) {
        csv_str(f, pot);
        fprintf(f, ",%s,%d,", against, b + 1);
        csv_str(f, r->bands[b].mode);
        fputc(',', f);
        csv_str(f, r->bands[b].symmetry);
        fprintf(f, ",%d,", r->bands[b].degeneracy);
        csv_num(f, r->bands[b].freq);
        fputc(',', f);
        csv_num(f, a->band_calc[b]);
        fputc(',', f);
        csv_num(f, a->band_calc[b] - r->bands[b].freq);
        fprintf(f, ",%d\n", a->band_n_calc[b]);
    }
}

int cli_compare_write_csv(FILE *f, const cli_compare_set *c)
{
    fputs("potential,against,band,mode,symmetry,degeneracy,ref_cm1,calc_cm1,delta_cm1,n_modes\n", f);
    for (int k = 0; k < c->n; k++) {
        csv_rows(f, c->pot_paths[k], "reference", c->cmp[k]->vs_ref, c->ref);
        if (c->cmp[k]->vs_teacher) csv_rows(f, c->pot_paths[k], "teacher", c->cmp[k]->vs_teacher, c->teacher);
    }
    return ferror(f) ? -1 : 0;
}
