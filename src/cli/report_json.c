/* The --json report: one object with stable keys (docs/json-schema.md).
 * Doubles as %.17g so they round-trip; non-finite numbers become null;
 * strings escaped, invalid UTF-8 replaced by U+FFFD so the output always parses. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <math.h>
#include <string.h>

#include "analyse.h"

#define SCHEMA_VERSION 1

static void key(FILE *f, const char *k)
{
    fputs(",\n  ", f);
    json_str(f, k);
    fputs(": ", f);
}

static void put_vec(FILE *f, const double *x, int n)
{
    fputc('[', f);
    for (int i = 0; i < n; i++) {
        if (i) fputs(", ", f);
        json_num(f, x[i]);
    }
    fputc(']', f);
}

/* rows x cols, one row a line. */
static void put_mat(FILE *f, const double *x, int rows, int cols, const char *indent)
{
    fputc('[', f);
    for (int i = 0; i < rows; i++) {
        fprintf(f, "%s\n%s  ", i ? "," : "", indent);
        put_vec(f, x + (size_t)i * (size_t)cols, cols);
    }
    if (rows) fprintf(f, "\n%s", indent);
    fputc(']', f);
}

static void put_key_num(FILE *f, const char *k, double x)
{
    key(f, k);
    json_num(f, x);
}

/* The committee object: size, kind, scale, member energies and every spread. */
static void put_committee(FILE *f, const cli_run *run)
{
    const nnv_result *r = run->r;
    int nm = run->v->n_modes, K = r->n_members;
    fprintf(f, "{\"n_members\": %d, \"kind\": ", K);
    json_str(f, nnv_committee_kind_name(run->p->committee_kind));
    json_key_num(f, ", ", "spread_scale", run->p->spread_scale);
    json_key(f, ",\n    ", "member_energies_eV");
    json_vec(f, r->member_energies, K);
    json_key_num(f, ",\n    ", "energy_std_eV", r->energy_std);
    json_key(f, ",\n    ", "force_std_eV_A");
    if (r->force_std) json_vec(f, r->force_std, run->s->n_atoms);
    else fputs("null", f);
    json_key(f, ",\n    ", "frequency_std_cm1");
    if (run->freq_std) json_vec(f, run->freq_std, nm);
    else fputs("null", f);
    json_key(f, ",\n    ", "member_frequencies_cm1");
    if (run->member_freq) {
        fputc('[', f);
        for (int m = 0; m < K; m++) {
            fputs(m ? ",\n      " : "\n      ", f);
            json_vec(f, run->member_freq + (size_t)m * (size_t)nm, nm);
        }
        fputs("\n    ]", f);
    } else {
        fputs("null", f);
    }
    fputs("}", f);
}

int cli_write_json(FILE *f, const cli_run *run)
{
    const nnv_structure *s = run->s;
    const nnv_result *r = run->r;
    const nnv_vib *v = run->v;
    const cli_options *o = run->opt;
    int n = s->n_atoms, n3 = 3 * n;

    fputs("{\n  \"program\": \"nnvib\"", f);
    key(f, "version"); json_str(f, nnv_version());
    key(f, "schema_version"); fprintf(f, "%d", SCHEMA_VERSION);
    key(f, "reliability"); cli_reliability_json(f, run->rel, "  ");
    key(f, "molecule_file"); json_str(f, o->xyz_path);
    key(f, "frame"); fprintf(f, "%d", o->frame);
    key(f, "molecule_comment"); json_str(f, s->comment);
    key(f, "potential_file"); json_str(f, o->weights_path);
    key(f, "potential_description"); json_str(f, run->p->description);
    key(f, "n_atoms"); fprintf(f, "%d", n);
    key(f, "symbols"); fputc('[', f);
    for (int i = 0; i < n; i++) {
        if (i) fputs(", ", f);
        json_str(f, nnv_element_symbol(s->Z[i]));
    }
    fputc(']', f);
    key(f, "Z"); fputc('[', f);
    for (int i = 0; i < n; i++) fprintf(f, "%s%d", i ? ", " : "", s->Z[i]);
    fputc(']', f);
    key(f, "masses_u"); put_vec(f, s->masses, n);
    key(f, "isotopes"); fputc('[', f);
    for (int i = 0; i < n; i++) {
        const char *iso = cli_isotope_label(o, i);
        if (i) fputs(", ", f);
        if (iso) json_str(f, iso);
        else fputs("null", f);
    }
    fputc(']', f);
    key(f, "positions_A"); put_mat(f, s->xyz, n, 3, "  ");
    key(f, "geometry_source"); json_str(f, run->opt_report ? "optimized" : run->symmetrized ? "symmetrized" : "input");
    put_key_num(f, "energy_eV", r->energy);
    key(f, "forces_eV_A"); put_mat(f, r->forces, n, 3, "  ");
    put_key_num(f, "max_force_eV_A", run->max_force);
    key(f, "linear"); fputs(v->linear ? "true" : "false", f);
    key(f, "n_rigid_body"); fprintf(f, "%d", v->n_rigid);
    key(f, "principal_moments_uA2"); put_vec(f, v->principal_moments, 3);
    key(f, "smoothness"); json_str(f, nnv_smoothness_name(run->smoothness));
    key(f, "hessian_method"); json_str(f, o->hessian_fd ? "fd" : "analytic");
    if (o->hessian_fd) put_key_num(f, "fd_step_A", o->fd_step);
    key(f, "n_modes"); fprintf(f, "%d", v->n_modes);
    {
        int n_imag = 0;
        for (int k = 0; k < v->n_modes; k++) n_imag += v->frequencies[k] < 0;
        key(f, "n_imaginary"); fprintf(f, "%d", n_imag);
    }
    key(f, "point_group"); json_str(f, run->pg ? run->pg->name : "C1");
    put_key_num(f, "point_group_tolerance_A", run->pg ? run->pg->tol : NNV_SYM_TOL_DEFAULT);
    key(f, "symmetrized"); fputs(run->symmetrized ? "true" : "false", f);
    key(f, "frequencies_cm1"); put_vec(f, v->frequencies, v->n_modes);
    if (o->scale > 0) {
        put_key_num(f, "frequency_scale", o->scale);
        key(f, "scaled_frequencies_cm1"); fputc('[', f);
        for (int k = 0; k < v->n_modes; k++) {
            if (k) fputs(", ", f);
            json_num(f, o->scale * v->frequencies[k]);
        }
        fputc(']', f);
    }
    key(f, "mode_symmetries"); fputc('[', f);
    for (int k = 0; k < v->n_modes; k++) {
        if (k) fputs(", ", f);
        json_str(f, run->msym ? run->msym->labels[k] : "?");
    }
    fputc(']', f);
    key(f, "eigenvalues_eV_A2_u"); put_vec(f, v->eigenvalues, v->n_modes);
    key(f, "reduced_masses_u"); put_vec(f, v->reduced_masses, v->n_modes);
    key(f, "force_constants_mdyn_A"); put_vec(f, v->force_constants, v->n_modes);
    key(f, "normal_modes"); fputc('[', f);
    for (int k = 0; k < v->n_modes; k++) {
        fprintf(f, "%s\n    ", k ? "," : "");
        put_mat(f, v->modes + (size_t)k * (size_t)n3, n, 3, "    ");
    }
    fprintf(f, "%s]", v->n_modes ? "\n  " : "");

    key(f, "warnings"); fputc('[', f);
    for (int i = 0; i < run->warnings.count; i++) {
        fprintf(f, "%s\n    ", i ? "," : "");
        json_str(f, run->warnings.messages[i]);
    }
    fprintf(f, "%s]", run->warnings.count ? "\n  " : "");

    key(f, "extrapolation_warnings"); fputc('[', f);
    for (int i = 0; i < r->n_extrapolations; i++) {
        const nnv_extrapolation *e = &r->extrapolations[i];
        fprintf(f, "%s\n    {\"atom\": %d, \"symbol\": ", i ? "," : "", e->atom + 1);
        json_str(f, nnv_element_symbol(s->Z[e->atom]));
        fprintf(f, ", \"sf\": %d, \"value\": ", e->sf + 1);
        json_num(f, e->value);
        json_key_num(f, ", ", "gmin", e->gmin);
        json_key_num(f, ", ", "gmax", e->gmax);
        fputc('}', f);
    }
    fprintf(f, "%s]", r->n_extrapolations ? "\n  " : "");

    key(f, "committee");
    if (r->n_members > 0) put_committee(f, run);
    else fputs("null", f);

    key(f, "optimization");
    if (run->opt_report) {
        const nnv_opt_report *q = run->opt_report;
        fprintf(f, "{\"steps\": %d, \"converged\": %s, \"energy_eV\": ", q->steps,
                q->converged ? "true" : "false");
        json_num(f, q->energy);
        fputs(", \"max_force_eV_A\": ", f);
        json_num(f, q->max_force);
        fputc('}', f);
    } else {
        fputs("null", f);
    }

    if (r->has_charges) {
        put_key_num(f, "total_charge_e", r->total_charge);
        key(f, "raw_charges_e"); put_vec(f, r->raw_charges, n);
        key(f, "charges_e"); put_vec(f, r->charges, n);
        key(f, "dipole_eA"); put_vec(f, r->dipole, 3);
        if (r->dipole_deriv) {
            key(f, "dipole_derivatives_e");
            put_mat(f, r->dipole_deriv, 3, n3, "  ");
        }
        if (v->ir_intensities) {
            key(f, "ir_intensities_km_mol");
            put_vec(f, v->ir_intensities, v->n_modes);
        }
    }
    if (run->fd_check) {
        const nnv_fd_disagreement *c = run->fd_check;
        key(f, "fd_check");
        fputs("{\"step_A\": ", f);
        json_num(f, c->step);
        fputs(", \"max_abs_diff_eV_A2\": ", f);
        json_num(f, c->max_abs);
        json_key_num(f, ", ", "max_rel_diff", c->max_rel);
        json_key_num(f, ", ", "max_freq_diff_cm1", c->max_freq);
        fputc('}', f);
    }
    if (run->thermo) {
        key(f, "thermochemistry");
        cli_write_thermo_json(f, run);
    }
    if (o->json_hessian) {
        key(f, "hessian_eV_A2");
        put_mat(f, run->hessian, n3, n3, "  ");
    }
    fputs("\n}\n", f);
    return ferror(f) ? -1 : 0;
}
