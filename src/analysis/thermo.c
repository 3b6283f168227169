/* Ideal-gas RRHO thermochemistry (translation, rotation, vibration, electronic
 * spin) with Grimme's quasi-RRHO entropy for low modes, and a rotational
 * symmetry-number detector (order of the proper-rotation group). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <nnvib.h>

/* The SI constants of units.h under short names (CODATA 2018). */
#define PLANCK_J_S      NNV_PLANCK_J_S
#define BOLTZMANN_J_K   NNV_BOLTZMANN_J_K
#define LIGHT_CM_S      NNV_LIGHT_CM_S
#define EV_J            NNV_ELEMENTARY_CHARGE_C
#define AMU_KG          NNV_ATOMIC_MASS_KG
#define BAR_PA          1.0e5
#define PI              3.14159265358979323846
#define K_EV            NNV_BOLTZMANN_EV_K
#define HC_EV_CM        (PLANCK_J_S * LIGHT_CM_S / EV_J)    /* eV·cm: E = hc·ν̃ */
/* Grimme's average molecular moment of inertia for the qRRHO free rotor,
 * B_av = 1e-44 kg m² (Chem. Eur. J. 2012, 18, 9955, eq. 5; also xtb). */
#define QRRHO_BAV_KG_M2 1.0e-44
#define QRRHO_ALPHA     4.0

/* Entropy (in units of k) of a free 1-D rotor standing in for a mode of
 * wavenumber nu (cm⁻¹): μ = h/(8π²ν) with ν in s⁻¹, reduced against B_av,
 * S/k = ½ + ln √(8π³ μ' kT / h²) (Grimme 2012, eqs. 4–6). */
static double free_rotor_s_over_k(double nu, double T)
{
    double nu_hz = nu * LIGHT_CM_S;
    double mu = PLANCK_J_S / (8.0 * PI * PI * nu_hz);
    double mu_eff = mu * QRRHO_BAV_KG_M2 / (mu + QRRHO_BAV_KG_M2);
    return 0.5 + log(sqrt(8.0 * PI * PI * PI * mu_eff * BOLTZMANN_J_K * T) / PLANCK_J_S);
}

/* Rotational temperature Θ = h²/(8π² I k) of a moment I in u Å². */
static double rot_temperature(double I_uA2)
{
    double I = I_uA2 * AMU_KG * 1e-20;
    return PLANCK_J_S * PLANCK_J_S / (8.0 * PI * PI * I * BOLTZMANN_J_K);
}

static int resolve_options(nnv_thermo *t, const nnv_thermo_options *opt, nnv_error *err)
{
    nnv_thermo_options o = {0};
    if (opt) o = *opt;
    if (!(o.temperature >= 0) || !isfinite(o.temperature))
        return nnv_error_set(err, NNV_EUSAGE, "temperature %g K: must be > 0", o.temperature);
    if (!(o.pressure >= 0) || !isfinite(o.pressure))
        return nnv_error_set(err, NNV_EUSAGE, "pressure %g bar: must be > 0", o.pressure);
    if (o.symmetry_number < 0)
        return nnv_error_set(err, NNV_EUSAGE, "symmetry number %d: must be >= 1",
                             o.symmetry_number);
    if (o.multiplicity < 0)
        return nnv_error_set(err, NNV_EUSAGE, "multiplicity %d: must be >= 1", o.multiplicity);
    if (!(o.qrrho_cutoff >= 0) || !isfinite(o.qrrho_cutoff))
        return nnv_error_set(err, NNV_EUSAGE, "qRRHO cutoff %g cm-1: must be > 0",
                             o.qrrho_cutoff);
    t->temperature = o.temperature > 0 ? o.temperature : NNV_THERMO_DEFAULT_T;
    t->pressure = o.pressure > 0 ? o.pressure : NNV_THERMO_DEFAULT_P;
    t->symmetry_number = o.symmetry_number > 0 ? o.symmetry_number : 1;
    t->multiplicity = o.multiplicity > 0 ? o.multiplicity : 1;
    t->qrrho = o.qrrho ? 1 : 0;
    t->qrrho_cutoff = o.qrrho_cutoff > 0 ? o.qrrho_cutoff : NNV_THERMO_DEFAULT_QRRHO_CUTOFF;
    return NNV_OK;
}

int nnv_thermo_rrho(nnv_thermo *out, int n_atoms, double mass, const double moments[3],
                    int linear, int n_freq, const double *freq, const nnv_thermo_options *opt,
                    nnv_warnings *warn, nnv_error *err)
{
    nnv_thermo t;
    memset(&t, 0, sizeof t);
    int rc = NNV_OK;
    if (!out) return nnv_error_set(err, NNV_EUSAGE, "thermochemistry: no output struct");
    if ((rc = resolve_options(&t, opt, err)) != NNV_OK) goto cleanup;
    if (n_atoms < 1) {
        rc = nnv_error_set(err, NNV_EINPUT, "thermochemistry: %d atoms", n_atoms);
        goto cleanup;
    }
    if (!(mass > 0) || !isfinite(mass)) {
        rc = nnv_error_set(err, NNV_EINPUT, "thermochemistry: total mass %g u: must be > 0", mass);
        goto cleanup;
    }
    if (n_freq < 0 || (n_freq > 0 && !freq)) {
        rc = nnv_error_set(err, NNV_EINPUT, "thermochemistry: %d frequencies", n_freq);
        goto cleanup;
    }
    t.mass = mass;
    const double T = t.temperature, kT = K_EV * T;

    /* Translation: U = 3/2 kT, Sackur–Tetrode S = k[ln((2πmkT/h²)^{3/2} kT/p) + 5/2]. */
    {
        double m = mass * AMU_KG, kTJ = BOLTZMANN_J_K * T;
        double lam = 2.0 * PI * m * kTJ / (PLANCK_J_S * PLANCK_J_S);
        double q_per_V = lam * sqrt(lam); /* (2πmkT/h²)^{3/2}, m⁻³ */
        t.u_trans = 1.5 * kT;
        t.cv_trans = 1.5 * K_EV;
        t.s_trans = K_EV * (log(q_per_V * kTJ / (t.pressure * BAR_PA)) + 2.5);
    }

    /* Rotation: classical rigid rotor (high-temperature limit). */
    if (n_atoms == 1) {
        t.rotor = NNV_ROTOR_ATOM;
    } else {
        if (!moments) {
            rc = nnv_error_set(err, NNV_EINPUT, "thermochemistry: no moments of inertia");
            goto cleanup;
        }
        double sigma = t.symmetry_number;
        if (linear) {
            t.rotor = NNV_ROTOR_LINEAR;
            double I = moments[2];
            if (!(I > 0) || !isfinite(I)) {
                rc = nnv_error_set(err, NNV_EINPUT,
                                   "thermochemistry: moment of inertia %g u A^2: must be > 0", I);
                goto cleanup;
            }
            t.rot_temperatures[0] = rot_temperature(I);
            t.u_rot = kT;
            t.cv_rot = K_EV;
            t.s_rot = K_EV * (log(T / (sigma * t.rot_temperatures[0])) + 1.0);
        } else {
            t.rotor = NNV_ROTOR_NONLINEAR;
            double prod = 1.0;
            for (int a = 0; a < 3; a++) {
                if (!(moments[a] > 0) || !isfinite(moments[a])) {
                    rc = nnv_error_set(err, NNV_EINPUT,
                                       "thermochemistry: moment of inertia %d = %g u A^2: must be "
                                       "> 0 for a non-linear molecule", a + 1, moments[a]);
                    goto cleanup;
                }
                t.rot_temperatures[a] = rot_temperature(moments[a]);
                prod *= T / t.rot_temperatures[a];
            }
            t.u_rot = 1.5 * kT;
            t.cv_rot = 1.5 * K_EV;
            t.s_rot = K_EV * (log(sqrt(PI * prod) / sigma) + 1.5);
        }
    }

    /* Vibration: harmonic oscillators; imaginary and zero modes left out. */
    for (int i = 0; i < n_freq; i++) {
        double nu = freq[i];
        if (!isfinite(nu)) {
            rc = nnv_error_set(err, NNV_EINPUT, "thermochemistry: frequency %d is not finite",
                               i + 1);
            goto cleanup;
        }
        if (nu <= 0) {
            t.n_imaginary++;
            continue;
        }
        t.n_modes_used++;
        double e = HC_EV_CM * nu, x = e / kT;
        double em1 = expm1(x); /* e^x − 1, overflows to inf for tiny T: then terms → 0 */
        double occ = isinf(em1) ? 0.0 : 1.0 / em1;
        t.zpe += 0.5 * e;
        t.u_vib += 0.5 * e + e * occ;
        double s_ho = x * occ - log1p(-exp(-x));
        double cv = isinf(em1) ? 0.0 : x * x * (em1 + 1.0) * occ * occ;
        if (!isfinite(cv)) cv = 0.0;
        t.cv_vib += K_EV * cv;
        if (t.qrrho) {
            /* Head-Gordon damping w = 1/(1 + (ω0/ω)^4): harmonic entropy for
             * high modes, free-rotor entropy for low ones (entropy only, as xtb). */
            double w = 1.0 / (1.0 + pow(t.qrrho_cutoff / nu, QRRHO_ALPHA));
            s_ho = w * s_ho + (1.0 - w) * free_rotor_s_over_k(nu, T);
        }
        t.s_vib += K_EV * s_ho;
    }
    if (t.n_imaginary > 0 && warn)
        nnv_warnings_add(warn, "thermochemistry: %d imaginary or zero mode%s left out", t.n_imaginary,
                         t.n_imaginary == 1 ? "" : "s");

    t.u_elec = 0.0;
    t.s_elec = K_EV * log((double)t.multiplicity);

    t.u = t.u_trans + t.u_rot + t.u_vib + t.u_elec;
    t.h = t.u + kT;
    t.s = t.s_trans + t.s_rot + t.s_vib + t.s_elec;
    t.cv = t.cv_trans + t.cv_rot + t.cv_vib;
    t.cp = t.cv + K_EV;
    t.ts = T * t.s;
    t.g = t.h - t.ts;
    if (!isfinite(t.g) || !isfinite(t.s)) {
        rc = nnv_error_set(err, NNV_ENUMERIC, "thermochemistry: non-finite result at T = %g K", T);
        goto cleanup;
    }
    *out = t;
cleanup:
    return rc;
}

int nnv_thermo_compute(nnv_thermo *out, const nnv_vib *vib, double mass,
                       const nnv_thermo_options *opt, nnv_warnings *warn, nnv_error *err)
{
    if (!vib) return nnv_error_set(err, NNV_EUSAGE, "thermochemistry: no vibrational analysis");
    return nnv_thermo_rrho(out, vib->n_atoms, mass, vib->principal_moments, vib->linear,
                           vib->n_modes, vib->frequencies, opt, warn, err);
}

/* ---- rotational symmetry number ------------------------------------------- */

#define SYM_MAX_ATOMS 500
#define SYM_MAX_ORDER 8    /* largest C_n looked for */
#define SYM_MAX_GROUP 120  /* above the order of I (60): a guard against loops */
#define SYM_ROT_TOL 0.02   /* entries of two rotation matrices taken as equal */

typedef struct sym_ctx {
    int n;
    const int *Z;
    const double *m;
    double *x;        /* n x 3, centred on the centre of mass */
    double tol;
    double (*rot)[9]; /* found rotations (group elements) */
    int n_rot;
} sym_ctx;

static void rot_matrix(double *R, const double *u, double angle)
{
    double c = cos(angle), s = sin(angle), C = 1.0 - c;
    double x = u[0], y = u[1], z = u[2];
    R[0] = c + x * x * C;     R[1] = x * y * C - z * s; R[2] = x * z * C + y * s;
    R[3] = y * x * C + z * s; R[4] = c + y * y * C;     R[5] = y * z * C - x * s;
    R[6] = z * x * C - y * s; R[7] = z * y * C + x * s; R[8] = c + z * z * C;
}

/* 1 when R maps every atom onto an atom of the same element and mass. */
static int sym_maps(const sym_ctx *c, const double *R)
{
    for (int i = 0; i < c->n; i++) {
        const double *p = c->x + 3 * i;
        double q[3];
        for (int a = 0; a < 3; a++) q[a] = R[3 * a] * p[0] + R[3 * a + 1] * p[1] + R[3 * a + 2] * p[2];
        int found = 0;
        for (int j = 0; j < c->n && !found; j++) {
            if (c->Z[j] != c->Z[i] || fabs(c->m[j] - c->m[i]) > 1e-6) continue;
            const double *r = c->x + 3 * j;
            double d2 = (q[0] - r[0]) * (q[0] - r[0]) + (q[1] - r[1]) * (q[1] - r[1]) +
                        (q[2] - r[2]) * (q[2] - r[2]);
            found = d2 <= c->tol * c->tol;
        }
        if (!found) return 0;
    }
    return 1;
}

/* Add R to the list unless present; returns 1 if added, 0 if known, -1 if full. */
static int sym_add(sym_ctx *c, const double *R)
{
    for (int k = 0; k < c->n_rot; k++) {
        int same = 1;
        for (int e = 0; e < 9 && same; e++) same = fabs(c->rot[k][e] - R[e]) <= SYM_ROT_TOL;
        if (same) return 0;
    }
    if (c->n_rot >= SYM_MAX_GROUP) return -1;
    memcpy(c->rot[c->n_rot++], R, sizeof c->rot[0]);
    return 1;
}

/* Try C_n (n = 2..SYM_MAX_ORDER) about the direction v; record the largest n found. */
static void sym_try_axis(sym_ctx *c, const double *v)
{
    double len = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    if (len < 1e-3) return;
    double u[3] = {v[0] / len, v[1] / len, v[2] / len};
    for (int n = SYM_MAX_ORDER; n >= 2; n--) {
        double R[9];
        rot_matrix(R, u, 2.0 * PI / n);
        if (sym_maps(c, R)) {
            for (int k = 1; k < n; k++) {
                rot_matrix(R, u, 2.0 * PI * k / n);
                sym_add(c, R);
            }
            return;
        }
    }
}

static int is_linear(const sym_ctx *c)
{
    /* Direction of the farthest atom from the centre; all others on that line. */
    int far = 0;
    double best = -1;
    for (int i = 0; i < c->n; i++) {
        const double *p = c->x + 3 * i;
        double d = p[0] * p[0] + p[1] * p[1] + p[2] * p[2];
        if (d > best) best = d, far = i;
    }
    if (best < c->tol * c->tol) return 1;
    const double *f = c->x + 3 * far;
    double L = sqrt(best), u[3] = {f[0] / L, f[1] / L, f[2] / L};
    for (int i = 0; i < c->n; i++) {
        const double *p = c->x + 3 * i;
        double t = p[0] * u[0] + p[1] * u[1] + p[2] * u[2];
        double d[3] = {p[0] - t * u[0], p[1] - t * u[1], p[2] - t * u[2]};
        if (d[0] * d[0] + d[1] * d[1] + d[2] * d[2] > c->tol * c->tol) return 0;
    }
    return 1;
}

int nnv_symmetry_number(int *sigma, int n_atoms, const int *Z, const double *xyz,
                        const double *masses, double tol, nnv_error *err)
{
    int rc = NNV_OK;
    sym_ctx c = {0};
    if (!sigma || n_atoms < 1 || !Z || !xyz || !masses)
        return nnv_error_set(err, NNV_EINPUT, "symmetry number: no atoms");
    *sigma = 1;
    if (n_atoms == 1) return NNV_OK;
    if (!(tol >= 0)) return nnv_error_set(err, NNV_EUSAGE, "symmetry tolerance %g A < 0", tol);
    /* Large molecules: the candidate search is O(N^4); σ = 1 is the usual answer. */
    if (n_atoms > SYM_MAX_ATOMS) return NNV_OK;
    c.n = n_atoms;
    c.Z = Z;
    c.m = masses;
    c.tol = tol > 0 ? tol : 0.05;
    c.x = malloc(3 * (size_t)n_atoms * sizeof *c.x);
    c.rot = malloc(SYM_MAX_GROUP * sizeof *c.rot);
    if (!c.x || !c.rot) {
        rc = nnv_error_set(err, NNV_ENOMEM, "symmetry number: out of memory");
        goto cleanup;
    }
    double com[3] = {0, 0, 0}, M = 0;
    for (int i = 0; i < n_atoms; i++) {
        for (int a = 0; a < 3; a++) com[a] += masses[i] * xyz[3 * i + a];
        M += masses[i];
    }
    if (!(M > 0)) {
        rc = nnv_error_set(err, NNV_EINPUT, "symmetry number: total mass %g u", M);
        goto cleanup;
    }
    for (int i = 0; i < n_atoms; i++)
        for (int a = 0; a < 3; a++) c.x[3 * i + a] = xyz[3 * i + a] - com[a] / M;

    if (is_linear(&c)) {
        /* D∞h (σ = 2) when inversion through the centre maps the molecule onto itself. */
        double inv[9] = {-1, 0, 0, 0, -1, 0, 0, 0, -1};
        *sigma = sym_maps(&c, inv) ? 2 : 1;
        goto cleanup;
    }

    double I[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    sym_add(&c, I);
    /* Candidate axes: through atoms, through midpoints of symmetry-equivalent
     * pairs (same element, same distance from the centre), and normal to the
     * plane of such a pair. The group closure below supplies any axis missed,
     * as long as generators were found. */
    for (int i = 0; i < n_atoms; i++) {
        const double *p = c.x + 3 * i;
        sym_try_axis(&c, p);
        double ri = sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]);
        for (int j = i + 1; j < n_atoms; j++) {
            const double *q = c.x + 3 * j;
            if (Z[i] != Z[j] || fabs(masses[i] - masses[j]) > 1e-6) continue;
            double rj = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2]);
            if (fabs(ri - rj) > c.tol) continue;
            double mid[3] = {p[0] + q[0], p[1] + q[1], p[2] + q[2]};
            double nrm[3] = {p[1] * q[2] - p[2] * q[1], p[2] * q[0] - p[0] * q[2],
                             p[0] * q[1] - p[1] * q[0]};
            sym_try_axis(&c, mid);
            sym_try_axis(&c, nrm);
        }
    }
    /* Closure: products of known rotations until nothing new appears. */
    for (int grew = 1; grew;) {
        grew = 0;
        int n0 = c.n_rot;
        for (int a = 0; a < n0; a++)
            for (int b = 0; b < n0; b++) {
                double P[9];
                for (int r = 0; r < 3; r++)
                    for (int s = 0; s < 3; s++)
                        P[3 * r + s] = c.rot[a][3 * r] * c.rot[b][s] +
                                       c.rot[a][3 * r + 1] * c.rot[b][3 + s] +
                                       c.rot[a][3 * r + 2] * c.rot[b][6 + s];
                int added = sym_add(&c, P);
                if (added < 0) {
                    /* More elements than any point group: noise defeated the
                     * tolerances; claim no symmetry rather than a wrong σ. */
                    c.n_rot = 1;
                    goto done;
                }
                if (added > 0) grew = 1;
            }
    }
done:
    *sigma = c.n_rot;
cleanup:
    free(c.x);
    free(c.rot);
    return rc;
}
