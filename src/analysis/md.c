/* NVE molecular dynamics: velocity Verlet on the analytic forces, a seeded
 * Maxwell–Boltzmann start, and the energy-conservation figures (drift per ps,
 * RMS fluctuation) that tell a smooth potential from a kinked one. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/base_internal.h"

/* ---- random numbers (the generator of internal.h) ------------------------ */
typedef struct md_rng {
    uint64_t s;
} md_rng;

/* Uniform in (0, 1), never 0 (log below). */
static double md_uniform(md_rng *r) { return rng_open_unit(&r->s); }

/* Box–Muller; one normal per call (the second is dropped: simpler, still exact). */
static double md_normal(md_rng *r)
{
    double u1 = md_uniform(r), u2 = md_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

void nnv_md_free(nnv_md_state *st)
{
    if (!st) return;
    free(st->vel);
    free(st->forces);
    nnv_structure_free(st->s);
    free(st);
}

/* Forces and energy at st->xyz. */
static int md_eval(nnv_md_state *st, int *extrapolating, nnv_error *err)
{
    nnv_result *r = NULL;
    int status = nnv_compute(&r, st->p, st->s, &(nnv_compute_options){.want = NNV_WANT_FORCES}, err);
    if (status != NNV_OK) return status;
    memcpy(st->forces, r->forces, 3 * (size_t)st->n_atoms * sizeof *st->forces);
    st->epot = r->energy;
    if (extrapolating) *extrapolating = r->n_extrapolations > 0;
    nnv_result_free(r);
    return NNV_OK;
}

int nnv_md_new(nnv_md_state **out, const nnv_potential *p, const nnv_structure *s, nnv_error *err)
{
    nnv_md_state *st = NULL;
    size_t n3;
    int status;
    if (!out) return nnv_error_set(err, NNV_EUSAGE, "md: no output");
    *out = NULL;
    if (!p || !s || s->n_atoms < 1) return nnv_error_set(err, NNV_EUSAGE, "md: empty structure");
    n3 = 3 * (size_t)s->n_atoms;
    if (!(st = calloc(1, sizeof *st))) return nnv_error_set(err, NNV_ENOMEM, "md: out of memory");
    if ((status = nnv_structure_copy(&st->s, s, err)) != NNV_OK) goto cleanup;
    for (int i = 0; i < s->n_atoms; i++)
        if (!(isfinite(s->masses[i]) && s->masses[i] > 0.0)) {
            status = nnv_error_set(err, NNV_EINPUT, "md: atom %d: mass %g u, must be finite and > 0", i + 1,
                                   s->masses[i]);
            goto cleanup;
        }
    st->n_atoms = s->n_atoms;
    st->dof = 3 * s->n_atoms - 3;
    st->p = p;
    st->xyz = st->s->xyz;
    st->vel = calloc(n3, sizeof *st->vel);
    st->forces = calloc(n3, sizeof *st->forces);
    if (!st->vel || !st->forces) {
        status = nnv_error_set(err, NNV_ENOMEM, "md: out of memory (%d atoms)", s->n_atoms);
        goto cleanup;
    }
    if ((status = md_eval(st, NULL, err)) != NNV_OK) goto cleanup;
    *out = st;
    st = NULL;
cleanup:
    nnv_md_free(st);
    return status;
}

void nnv_md_remove_com(nnv_md_state *st)
{
    double p[3] = {0, 0, 0}, M = 0.0;
    for (int i = 0; i < st->n_atoms; i++) {
        M += st->s->masses[i];
        for (int q = 0; q < 3; q++) p[q] += st->s->masses[i] * st->vel[3 * i + q];
    }
    for (int i = 0; i < st->n_atoms; i++)
        for (int q = 0; q < 3; q++) st->vel[3 * i + q] -= p[q] / M;
}

double nnv_md_kinetic(const nnv_md_state *st)
{
    double k = 0.0;
    for (int i = 0; i < st->n_atoms; i++)
        for (int q = 0; q < 3; q++) k += 0.5 * st->s->masses[i] * st->vel[3 * i + q] * st->vel[3 * i + q];
    return k * NNV_EV_PER_UA2FS2;
}

double nnv_md_temperature(const nnv_md_state *st)
{
    return st->dof > 0 ? 2.0 * nnv_md_kinetic(st) / (st->dof * NNV_BOLTZMANN_EV_K) : 0.0;
}

int nnv_md_maxwell_boltzmann(nnv_md_state *st, double temperature, uint64_t seed, nnv_error *err)
{
    md_rng rng = {seed};
    double T0;
    if (!st) return nnv_error_set(err, NNV_EUSAGE, "md: no state");
    if (!(temperature >= 0.0) || !isfinite(temperature))
        return nnv_error_set(err, NNV_EUSAGE, "md: temperature %g K must be finite and >= 0", temperature);
    /* sigma_v = sqrt(kB T / m), in Å/fs. */
    for (int i = 0; i < st->n_atoms; i++) {
        double sd = sqrt(NNV_BOLTZMANN_EV_K * temperature / (st->s->masses[i] * NNV_EV_PER_UA2FS2));
        for (int q = 0; q < 3; q++) st->vel[3 * i + q] = sd * md_normal(&rng);
    }
    nnv_md_remove_com(st);
    /* A few atoms sample T poorly (water: 6 degrees of freedom): start at T exactly. */
    T0 = nnv_md_temperature(st);
    for (int a = 0; a < 3 * st->n_atoms; a++) st->vel[a] = T0 > 0.0 ? st->vel[a] * sqrt(temperature / T0) : 0.0;
    return NNV_OK;
}

static int md_step(nnv_md_state *st, double dt, int *extrapolating, nnv_error *err)
{
    int n3 = 3 * st->n_atoms, status;
    if (!(dt > 0.0) || !isfinite(dt)) return nnv_error_set(err, NNV_EUSAGE, "md: time step %g fs must be > 0", dt);
    for (int a = 0; a < n3; a++) {
        st->vel[a] += 0.5 * dt * NNV_ACCEL_FACTOR * st->forces[a] / st->s->masses[a / 3];
        st->xyz[a] += dt * st->vel[a];
    }
    if ((status = md_eval(st, extrapolating, err)) != NNV_OK) return status;
    for (int a = 0; a < n3; a++) st->vel[a] += 0.5 * dt * NNV_ACCEL_FACTOR * st->forces[a] / st->s->masses[a / 3];
    st->time += dt;
    return NNV_OK;
}

int nnv_md_step(nnv_md_state *st, double dt, nnv_error *err)
{
    if (!st) return nnv_error_set(err, NNV_EUSAGE, "md: no state");
    return md_step(st, dt, NULL, err);
}

static void write_frame(FILE *f, const nnv_md_state *st, int step, double ekin)
{
    fprintf(f, "%d\n", st->n_atoms);
    fprintf(f,
            "Properties=species:S:1:pos:R:3:velocities:R:3:forces:R:3 pbc=\"F F F\" step=%d time=%.6f "
            "energy=%.10f kinetic_energy=%.10f total_energy=%.10f temperature=%.6f\n",
            step, st->time, st->epot, ekin, st->epot + ekin, nnv_md_temperature(st));
    for (int i = 0; i < st->n_atoms; i++) {
        const double *x = st->xyz + 3 * i, *v = st->vel + 3 * i, *F = st->forces + 3 * i;
        fprintf(f, "%-2s %16.10f %16.10f %16.10f %16.10e %16.10e %16.10e %16.10e %16.10e %16.10e\n",
                nnv_element_symbol(st->s->Z[i]), x[0], x[1], x[2], v[0], v[1], v[2], F[0], F[1], F[2]);
    }
}

int nnv_md_run(nnv_md_report *rep, const nnv_potential *p, const nnv_structure *s, const nnv_md_options *o,
               nnv_error *err)
{
    nnv_md_state *st = NULL;
    af_file af = {NULL, NULL, NULL, 0};
    double *E = NULL, tsum = 0.0, esum = 0.0, mean, tmid, se, stt, ste;
    int status, n;

    if (!rep || !o) return nnv_error_set(err, NNV_EUSAGE, "md: no options or report");
    memset(rep, 0, sizeof *rep);
    if (o->n_steps < 1) return nnv_error_set(err, NNV_EUSAGE, "md: %d steps, need at least 1", o->n_steps);
    if (!(o->dt > 0.0) || !isfinite(o->dt)) return nnv_error_set(err, NNV_EUSAGE, "md: time step %g fs must be > 0", o->dt);
    if (o->traj_path && o->every < 1)
        return nnv_error_set(err, NNV_EUSAGE, "md: trajectory stride %d, must be >= 1", o->every);
    n = o->n_steps;
    if (!(E = malloc(((size_t)n + 1) * sizeof *E))) return nnv_error_set(err, NNV_ENOMEM, "md: out of memory");
    if ((status = nnv_md_new(&st, p, s, err)) != NNV_OK) goto cleanup;
    if ((status = nnv_md_maxwell_boltzmann(st, o->temperature, o->seed, err)) != NNV_OK) goto cleanup;
    if (o->traj_path && (status = af_open(&af, o->traj_path, err)) != NNV_OK) goto cleanup;
    rep->dt = o->dt;
    for (int k = 0; k <= n; k++) {
        double ekin;
        int extrap = 0;
        if (k > 0) {
            if ((status = md_step(st, o->dt, &extrap, err)) != NNV_OK) goto cleanup;
            rep->n_extrapolating += extrap;
        }
        ekin = nnv_md_kinetic(st);
        E[k] = st->epot + ekin;
        if (!isfinite(E[k])) {
            status = nnv_error_set(err, NNV_ENUMERIC, "md: step %d: non-finite energy (the run blew up)", k);
            goto cleanup;
        }
        tsum += nnv_md_temperature(st);
        esum += st->epot;
        if (af.f && k % o->every == 0) {
            write_frame(af.f, st, k, ekin);
            rep->n_frames++;
        }
    }
    if (af.f && (status = af_commit(&af, err)) != NNV_OK) goto cleanup;
    rep->n_steps = n;
    rep->e_start = E[0];
    rep->e_end = E[n];
    rep->mean_temperature = tsum / (n + 1);
    rep->mean_epot = esum / (n + 1);
    /* Least-squares slope of E against t (fs), relative to E[0] and the mean
     * time so that the sums do not lose digits; then per ps. */
    mean = 0.0;
    for (int k = 0; k <= n; k++) mean += (E[k] - E[0]) / (n + 1);
    tmid = 0.5 * n * o->dt;
    stt = ste = 0.0;
    for (int k = 0; k <= n; k++) {
        double dt_ = k * o->dt - tmid, de = E[k] - E[0] - mean;
        stt += dt_ * dt_;
        ste += dt_ * de;
        if (fabs(E[k] - E[0]) > rep->max_deviation) rep->max_deviation = fabs(E[k] - E[0]);
    }
    rep->drift_per_ps = stt > 0.0 ? ste / stt * 1000.0 : 0.0;
    se = 0.0;
    for (int k = 0; k <= n; k++) se += (E[k] - E[0] - mean) * (E[k] - E[0] - mean);
    rep->rms_fluctuation = sqrt(se / (n + 1));
cleanup:
    af_discard(&af);
    nnv_md_free(st);
    free(E);
    return status;
}
