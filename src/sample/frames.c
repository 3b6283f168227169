/* nnvib-sample's shared pieces: random rotations and per-molecule streams, the
 * labelled frame writer and the curvature labels, used by the sampling of
 * molecules (nnvib-sample.c) and the labelling of given frames (label.c). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "sample.h"

/* Uniformly distributed rotation from a uniform unit quaternion (Shoemake,
 * Graphics Gems III, 1992). */
void smp_rotation(smp_rng *r, double R[9])
{
    const double tau = 2.0 * 3.14159265358979323846;
    double u1 = smp_uniform(r), u2 = smp_uniform(r), u3 = smp_uniform(r);
    double a = sqrt(1.0 - u1), b = sqrt(u1);
    double w = a * sin(tau * u2), x = a * cos(tau * u2), y = b * sin(tau * u3), z = b * cos(tau * u3);
    R[0] = 1 - 2 * (y * y + z * z); R[1] = 2 * (x * y - z * w);     R[2] = 2 * (x * z + y * w);
    R[3] = 2 * (x * y + z * w);     R[4] = 1 - 2 * (x * x + z * z); R[5] = 2 * (y * z - x * w);
    R[6] = 2 * (x * z - y * w);     R[7] = 2 * (y * z + x * w);     R[8] = 1 - 2 * (x * x + y * y);
}

/* FNV-1a, to give every molecule its own stream whatever the order of files. */
uint64_t smp_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h;
}

/* The probes' own stream, from the molecule's seed mixed with a constant
 * ("hvp_prob") and scrambled once: drawing probes never advances the stream
 * of the configurations, so a file with curvature labels holds the same
 * configurations, energies, forces and dipoles as one without. */
uint64_t smp_probe_seed(uint64_t molecule_seed)
{
    uint64_t s = molecule_seed ^ 0x6876705f70726f62ULL;
    return rng_splitmix64(&s);
}

/* Values that are zero to the printed precision print as 0, not -0. */
double smp_z(double v) { return fabs(v) < 5e-11 ? 0.0 : v; }

int smp_write_frame(smp_out *out, int n_atoms, const int *Z, const double *x, double e, const double *grad,
                    const double *mu, const smp_hvp *c, const char *tail, nnv_error *err)
{
    size_t n3 = 3 * (size_t)n_atoms;
    int n_cols = 2 + 2 * c->n_hvp, rc;
    double *pos = malloc((2 + 2 * (size_t)c->n_hvp) * n3 * sizeof *pos);
    xyzw_column *cols = malloc((size_t)n_cols * sizeof *cols);
    char(*names)[24] = malloc(2 * (size_t)c->n_hvp * sizeof *names + 1);
    if (!pos || !cols || !names) {
        FREE_ALL(pos, cols, names);
        return nnv_error_set(err, NNV_ENOMEM, "output: out of memory at frame %ld", out->frames + 1);
    }
    /* The forces are minus the teacher's gradient. */
    for (size_t a = 0; a < n3; a++) {
        pos[a] = smp_z(x[a]);
        pos[n3 + a] = smp_z(-grad[a]);
    }
    cols[0] = (xyzw_column){"pos", 3, pos, "%16.10f"};
    cols[1] = (xyzw_column){"forces", 3, pos + n3, "%16.10f"};
    for (int k = 0; k < c->n_hvp; k++) {
        double *p = pos + (2 + 2 * (size_t)k) * n3, *h = p + n3;
        for (size_t a = 0; a < n3; a++) {
            double pa = c->probes[(size_t)k * n3 + a], ha = c->hv[(size_t)k * n3 + a];
            p[a] = fabs(pa) < 5e-9 ? 0.0 : pa; /* no -0 at the printed precision */
            h[a] = fabs(ha) < 5e-7 ? 0.0 : ha;
        }
        snprintf(names[2 * k], sizeof names[0], "hvp_probe_%d", k + 1);
        snprintf(names[2 * k + 1], sizeof names[0], "hvp_%d", k + 1);
        /* Eight decimals keep a probe's norm 1 to ~1e-8 and six decimals of
         * H v (eV/Å²) are 100x finer than the labels' accuracy (~1e-5 of
         * |H v| ~ 10), so the data set does not grow by noise digits. */
        cols[2 + 2 * k] = (xyzw_column){names[2 * k], 3, p, "%12.8f"};
        cols[3 + 2 * k] = (xyzw_column){names[2 * k + 1], 3, h, "%14.6f"};
    }
    rc = xyzw_frame(out->f, n_atoms, Z, cols, n_cols, "energy=%.10f dipole=\"%.10f %.10f %.10f\" pbc=\"F F F\" %s", e,
                    smp_z(mu[0]), smp_z(mu[1]), smp_z(mu[2]), tail);
    FREE_ALL(pos, cols, names);
    out->frames++;
    if (rc != NNV_OK) return nnv_error_set(err, NNV_EIO, "output: write error after frame %ld", out->frames);
    return NNV_OK;
}

/* The curvature labels of configuration `config` at x, for the options'
 * selection: probes from the probes' stream, then H v along each by central
 * differences of xtb gradients in the rotation R of the configuration's own
 * call. A displaced SCF that fails leaves the configuration without labels
 * (counted in *failed) rather than ending the run. */
int smp_curvature(const smp_options *o, smp_teacher *t, smp_rng *prng, int config, int n, const double *x,
                  const double *R, smp_hvp *c, long *failed, nnv_error *err)
{
    int rc;
    c->n_hvp = 0;
    if (o->hvp_probes == 0 || config % o->hvp_every != 0) return NNV_OK;
    if ((rc = smp_hvp_probes(c->probes, &c->n_hvp, n, x, o->hvp_probes, prng, err)) != NNV_OK) return rc;
    for (int k = 0; k < c->n_hvp; k++) {
        nnv_error e2;
        rc = smp_teacher_hvp(t, x, R, o->hvp_step, c->probes + (size_t)k * 3 * (size_t)n,
                             c->hv + (size_t)k * 3 * (size_t)n, &e2);
        if (rc == NNV_ENOMEM) return nnv_error_set(err, rc, "%s", e2.message);
        if (rc != NNV_OK) {
            c->n_hvp = 0;
            (*failed)++;
            break;
        }
    }
    return NNV_OK;
}

