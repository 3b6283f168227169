/* The analysis command's thermochemistry: calls the library for the RRHO
 * thermochemistry (with the detected symmetry number) and formats it for the
 * text table and the JSON. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <math.h>
#include <string.h>

#include "analyse.h"

/* J/(mol K) and cal/(mol K) per eV/K */
#define J_MOLK_PER_EV_K (NNV_KJ_MOL_PER_EV * 1000.0)
#define CAL_MOLK_PER_EV_K (NNV_KCAL_MOL_PER_EV * 1000.0)

int cli_thermo(cli_run *run, nnv_thermo *t, char *msg, size_t msglen)
{
    const cli_options *o = run->opt;
    const nnv_structure *s = run->s;
    nnv_error err = {0, ""};
    nnv_thermo_options to;
    double mass = 0;
    int code, sigma = o->symmetry_number;

    for (int i = 0; i < s->n_atoms; i++) mass += s->masses[i];
    run->symmetry_detected = 0;
    if (sigma == 0) {
        /* σ of the point group the analysis detected on this geometry */
        if (run->pg) sigma = run->pg->sigma;
        else if ((code = nnv_symmetry_number(&sigma, s->n_atoms, s->Z, s->xyz, s->masses, o->symmetry_tol, &err)) !=
                 NNV_OK)
            goto fail;
        run->symmetry_detected = 1;
    }
    memset(&to, 0, sizeof to);
    to.temperature = o->temperature;
    to.pressure = o->pressure;
    to.symmetry_number = sigma;
    to.multiplicity = o->multiplicity;
    to.qrrho = o->qrrho;
    to.qrrho_cutoff = o->qrrho_cutoff;
    code = nnv_thermo_compute(t, run->v, mass, &to, &run->warnings, &err);
    if (code != NNV_OK) goto fail;
    run->thermo = t;
    return CLI_EXIT_OK;
fail:
    snprintf(msg, msglen, "%s", err.message[0] ? err.message : nnv_strerror(code));
    return code == NNV_ENOMEM ? CLI_EXIT_INTERNAL : code == NNV_EUSAGE ? CLI_EXIT_USAGE
                                                                        : CLI_EXIT_NUMERIC;
}

static void energy_row(FILE *f, const char *name, double ev)
{
    fprintf(f, " %-26s %14.8f %14.6f %14.6f %14.10f\n", name, ev, ev * NNV_KCAL_MOL_PER_EV,
            ev * NNV_KJ_MOL_PER_EV, ev / NNV_HARTREE_EV);
}

static void entropy_row(FILE *f, const char *name, double evk)
{
    fprintf(f, " %-26s %14.8e %14.6f %14.6f\n", name, evk, evk * CAL_MOLK_PER_EV_K,
            evk * J_MOLK_PER_EV_K);
}

static const char *rotor_name(int r)
{
    return r == NNV_ROTOR_ATOM ? "atom" : r == NNV_ROTOR_LINEAR ? "linear" : "non-linear";
}

#define TRULE "------------------------------------------------------------------------------\n"

int cli_write_thermo_table(FILE *f, const cli_run *run)
{
    const nnv_thermo *t = run->thermo;
    if (!t) return 0;
    fputs("\n" TRULE " Thermochemistry: ideal gas, rigid rotor, harmonic oscillator\n" TRULE, f);
    fprintf(f, " temperature %.2f K, pressure %g bar, multiplicity %d\n", t->temperature,
            t->pressure, t->multiplicity);
    if (run->symmetry_detected && run->pg)
        fprintf(f, " symmetry number %d (point group %s), rotor %s", t->symmetry_number, run->pg->name,
                rotor_name(t->rotor));
    else
        fprintf(f, " symmetry number %d (%s), rotor %s", t->symmetry_number,
                run->symmetry_detected ? "detected from the geometry" : "--symmetry-number", rotor_name(t->rotor));
    if (t->rotor == NNV_ROTOR_LINEAR)
        fprintf(f, ", rotational temperature %.5f K", t->rot_temperatures[0]);
    else if (t->rotor == NNV_ROTOR_NONLINEAR)
        fprintf(f, ", rotational temperatures %.5f %.5f %.5f K", t->rot_temperatures[0],
                t->rot_temperatures[1], t->rot_temperatures[2]);
    fprintf(f, "\n total mass %.6f u, %d vibrational mode%s used", t->mass, t->n_modes_used,
            t->n_modes_used == 1 ? "" : "s");
    if (t->n_imaginary) fprintf(f, ", %d imaginary left out", t->n_imaginary);
    fputc('\n', f);
    if (t->qrrho)
        fprintf(f, " quasi-RRHO: vibrational entropy interpolated to free rotors below ~%g cm^-1 "
                   "(Grimme 2012)\n", t->qrrho_cutoff);
    fprintf(f, "\n %-26s %14s %14s %14s %14s\n", "(corrections to E)", "eV", "kcal/mol", "kJ/mol",
            "Hartree");
    energy_row(f, "zero-point energy", t->zpe);
    energy_row(f, "U = ZPE + thermal energy", t->u);
    energy_row(f, "H = U + kT", t->h);
    energy_row(f, "T*S", t->ts);
    energy_row(f, "G = H - TS", t->g);
    fprintf(f, "\n %-26s %14s %14s %14s\n", "entropy", "eV/K", "cal/(mol K)", "J/(mol K)");
    entropy_row(f, "translational", t->s_trans);
    entropy_row(f, "rotational", t->s_rot);
    entropy_row(f, "vibrational", t->s_vib);
    entropy_row(f, "electronic", t->s_elec);
    entropy_row(f, "total S", t->s);
    entropy_row(f, "Cv", t->cv);
    entropy_row(f, "Cp", t->cp);
    fprintf(f, "\n E + H = %.10f eV   E + G = %.10f eV\n", run->r->energy + t->h,
            run->r->energy + t->g);
    return ferror(f) ? -1 : 0;
}

int cli_write_thermo_json(FILE *f, const cli_run *run)
{
    const nnv_thermo *t = run->thermo;
    if (!t) {
        fputs("null", f);
        return ferror(f) ? -1 : 0;
    }
    fputs("{", f);
    json_key_num(f, "", "temperature_K", t->temperature);
    json_key_num(f, ", ", "pressure_bar", t->pressure);
    fprintf(f, ", \"symmetry_number\": %d, \"symmetry_number_detected\": %s", t->symmetry_number,
            run->symmetry_detected ? "true" : "false");
    fprintf(f, ", \"multiplicity\": %d, \"rotor\": \"%s\"", t->multiplicity, rotor_name(t->rotor));
    fprintf(f, ", \"qrrho\": %s", t->qrrho ? "true" : "false");
    if (t->qrrho) json_key_num(f, ", ", "qrrho_cutoff_cm1", t->qrrho_cutoff);
    fprintf(f, ", \"n_modes_used\": %d, \"n_imaginary_excluded\": %d", t->n_modes_used,
            t->n_imaginary);
    json_key_num(f, ", ", "mass_u", t->mass);
    {
        /* Three lines: the totals, the parts, the totals added to the energy. */
        const json_field totals[] = {{"zpe_eV", t->zpe}, {"u_eV", t->u}, {"h_eV", t->h}, {"ts_eV", t->ts},
                                     {"g_eV", t->g}, {"s_eV_K", t->s}, {"cv_eV_K", t->cv}, {"cp_eV_K", t->cp}};
        const json_field parts[] = {{"u_trans_eV", t->u_trans}, {"u_rot_eV", t->u_rot}, {"u_vib_eV", t->u_vib},
                                    {"s_trans_eV_K", t->s_trans}, {"s_rot_eV_K", t->s_rot},
                                    {"s_vib_eV_K", t->s_vib}, {"s_elec_eV_K", t->s_elec}};
        const json_field plus[] = {{"energy_plus_h_eV", run->r->energy + t->h},
                                   {"energy_plus_g_eV", run->r->energy + t->g}};
        json_fields(f, ",\n    ", totals, (int)(sizeof totals / sizeof totals[0]));
        json_fields(f, ",\n    ", parts, (int)(sizeof parts / sizeof parts[0]));
        json_fields(f, ",\n    ", plus, (int)(sizeof plus / sizeof plus[0]));
    }
    fputs("}", f);
    return ferror(f) ? -1 : 0;
}
