/* NVE molecular dynamics: velocity Verlet on the analytic forces, a seeded
 * Maxwell–Boltzmann start, and the energy-conservation figures (drift per ps,
 * RMS fluctuation) that tell a smooth potential from a kinked one. Frames go
 * to the caller's observer: the analysis writes no files. */
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

int nnv_md_run(nnv_md_report *rep, const nnv_potential *p, const nnv_structure *s, const nnv_md_options *o,
               nnv_error *err)
{
    static const nnv_md_options defaults = {0.0, 0.0, 0, 0, NULL, NULL, 0};
    nnv_md_state *st = NULL;
    double *E = NULL, tsum = 0.0, esum = 0.0, mean, tmid, se, stt, ste, dt;
    int status, n, every;

    if (!rep) return nnv_error_set(err, NNV_EUSAGE, "md: no report");
    memset(rep, 0, sizeof *rep);
    if (!o) o = &defaults;
    /* Zero means the default (md.h): a zero-initialised struct is a run. */
    if (o->n_steps < 0) return nnv_error_set(err, NNV_EUSAGE, "md: %d steps, must be >= 0 (0: 1000)", o->n_steps);
    if (!(o->dt >= 0.0) || !isfinite(o->dt))
        return nnv_error_set(err, NNV_EUSAGE, "md: time step %g fs must be finite and >= 0 (0: 0.5 fs)", o->dt);
    if (o->every < 0)
        return nnv_error_set(err, NNV_EUSAGE, "md: observer stride %d, must be >= 0 (0: 10)", o->every);
    n = o->n_steps ? o->n_steps : 1000;
    dt = o->dt > 0.0 ? o->dt : 0.5;
    every = o->every ? o->every : 10;
    if (!(E = malloc(((size_t)n + 1) * sizeof *E))) return nnv_error_set(err, NNV_ENOMEM, "md: out of memory");
    if ((status = nnv_md_new(&st, p, s, err)) != NNV_OK) goto cleanup;
    if ((status = nnv_md_maxwell_boltzmann(st, o->temperature, o->seed, err)) != NNV_OK) goto cleanup;
    rep->dt = dt;
    for (int k = 0; k <= n; k++) {
        double ekin;
        int extrap = 0;
        if (k > 0) {
            if ((status = md_step(st, dt, &extrap, err)) != NNV_OK) goto cleanup;
            rep->n_extrapolating += extrap;
        }
        ekin = nnv_md_kinetic(st);
        E[k] = st->epot + ekin;
        if (!isfinite(E[k])) {
            status = nnv_error_set(err, NNV_ENUMERIC, "md: step %d: non-finite energy (the run blew up)", k);
            goto cleanup;
        }
        {
            double temp = nnv_md_temperature(st), bound = NNV_MD_MAX_DEVIATION_PER_ATOM * s->n_atoms;
            double tmax = NNV_MD_MAX_HEATING * o->temperature + NNV_MD_MAX_HEATING_K;
            if (fabs(E[k] - E[0]) > bound || temp > tmax) {
                /* The observer sees the step that broke the guard, so a
                 * trajectory ends where the run went wrong. */
                if (o->observe && k % every != 0 && o->observe(o->observe_ctx, st, k, err) == NNV_OK) rep->n_frames++;
                rep->aborted = 1;
                rep->n_steps = k;
                if (fabs(E[k] - E[0]) > bound)
                    status = nnv_error_set(err, NNV_ENUMERIC,
                                           "md: step %d (%.4g fs): the total energy moved %.4g eV from the start, "
                                           "beyond %.2g eV (%.2g eV per atom): energy is not conserved (a potential "
                                           "that is not smooth there, or dt too large); stopped",
                                           k, k * dt, E[k] - E[0], bound, NNV_MD_MAX_DEVIATION_PER_ATOM);
                else
                    status = nnv_error_set(err, NNV_ENUMERIC,
                                           "md: step %d (%.4g fs): temperature %.4g K, far above the start (%.4g K; "
                                           "limit %.4g K): atoms falling together on the potential; stopped",
                                           k, k * dt, temp, o->temperature, tmax);
                goto cleanup;
            }
        }
        tsum += nnv_md_temperature(st);
        esum += st->epot;
        if (o->observe && k % every == 0) {
            if ((status = o->observe(o->observe_ctx, st, k, err)) != NNV_OK) goto cleanup;
            rep->n_frames++;
        }
    }
    rep->n_steps = n;
    rep->e_start = E[0];
    rep->e_end = E[n];
    rep->mean_temperature = tsum / (n + 1);
    rep->mean_epot = esum / (n + 1);
    /* Least-squares slope of E against t (fs), relative to E[0] and the mean
     * time so that the sums do not lose digits; then per ps. */
    mean = 0.0;
    for (int k = 0; k <= n; k++) mean += (E[k] - E[0]) / (n + 1);
    tmid = 0.5 * n * dt;
    stt = ste = 0.0;
    for (int k = 0; k <= n; k++) {
        double dt_ = k * dt - tmid, de = E[k] - E[0] - mean;
        stt += dt_ * dt_;
        ste += dt_ * de;
        if (fabs(E[k] - E[0]) > rep->max_deviation) rep->max_deviation = fabs(E[k] - E[0]);
    }
    rep->drift_per_ps = stt > 0.0 ? ste / stt * 1000.0 : 0.0;
    se = 0.0;
    for (int k = 0; k <= n; k++) se += (E[k] - E[0] - mean) * (E[k] - E[0] - mean);
    rep->rms_fluctuation = sqrt(se / (n + 1));
cleanup:
    nnv_md_free(st);
    free(E);
    return status;
}
