/* nnvib-sample internals: the GFN2-xTB teacher (libxtb wrapper with rotation
 * and unit conversion, geometry optimisation, finite-difference Hessian and
 * dipole derivatives), the curvature labels (random probes, Hessian-vector
 * products), the options and the frame writer shared by the sampler's files.
 * Not installed. */
#ifndef NNVIB_SAMPLE_H
#define NNVIB_SAMPLE_H

#include <stdint.h>

#include "internal.h"

/* ---- random numbers and curvature labels (hvp.c; no libxtb) ---------------- */

/* A splitmix64 stream (rng_splitmix64) with a spare normal deviate. */
typedef struct smp_rng {
    uint64_t s;
    int have_spare;
    double spare;
} smp_rng;

/* Uniform in (0, 1): 53 random bits, never 0. */
double smp_uniform(smp_rng *r);

/* Standard normal (Box–Muller, both values used). */
double smp_gauss(smp_rng *r);

/* Orthonormal basis of the rigid-body space of n atoms at xyz (Å, 3n):
 * the 3 translations, then the rotations about the centroid, longest first;
 * a rotation that a linear geometry lacks (its part orthogonal to the others
 * shorter than 1e-4 of the longest) is left out. basis has room for 6 x 3n
 * (row k = vector k). Returns the count: 6, 5 (linear, diatomics), 3 (one
 * atom). */
int smp_rigid_basis(double *basis, int n, const double *xyz);

/* min(k, 3n - rigid count) orthonormal probe vectors (rows of probes, room
 * for k x 3n, dimensionless) orthogonal to smp_rigid_basis(xyz), drawn from
 * rng: Gaussian vectors with the rigid-body space and the earlier probes
 * projected out, normalised. *n_probes receives their count. NNV_OK,
 * NNV_EUSAGE (n < 1 or k < 0) or NNV_ENOMEM. */
int smp_hvp_probes(double *probes, int *n_probes, int n, const double *xyz, int k, smp_rng *rng,
                   nnv_error *err);

/* A gradient (eV/Å) at x (Å, 3n): NNV_OK or a status with err filled. */
typedef int (*smp_grad_fn)(void *ctx, const double *x, double *grad, nnv_error *err);

/* hv = H v (eV/Å² for a unit v) by central differences of grad along v:
 * (g(x + h v) - g(x - h v)) / (2h), two gradient calls; h in Å (> 0). */
int smp_fd_hvp(double *hv, int n3, const double *x, const double *v, double h, smp_grad_fn grad, void *ctx,
               nnv_error *err);

/* ---- the GFN2-xTB teacher (teacher_xtb.c) ---------------------------------- */

typedef struct smp_teacher smp_teacher;

/* A GFN2-xTB calculator for one neutral molecule (n atoms, atomic numbers Z;
 * closed shell unless the electron count is odd). accuracy is xtb's numerical
 * accuracy (smaller = tighter); xyz (Å) sets up the calculator. */
int smp_teacher_new(smp_teacher **out, int n, const int *Z, const double *xyz, double accuracy,
                    nnv_error *err);
void smp_teacher_free(smp_teacher *t);

/* Energy (eV), gradient (eV/Å, 3n, may be NULL) and dipole (e·Å, may be NULL)
 * at xyz (Å). The geometry goes to xtb rotated by R (3x3 row-major, applied to
 * every position; NULL = identity) and the gradient and dipole are rotated
 * back, because libxtb 6.5.1 returns wrong gradients for some axis-aligned
 * geometries. Each call starts its SCF from scratch so the labels do not
 * depend on the order of the calls. */
int smp_teacher_eval(smp_teacher *t, const double *xyz, const double *R, double *energy,
                     double *grad, double dipole[3], nnv_error *err);

/* Number of xtb single points so far. */
long smp_teacher_calls(const smp_teacher *t);

/* Relax xyz (Å, in place) with our L-BFGS (opt_lbfgs) on the teacher's
 * surface until max |gradient component| <= gtol (eV/Å). */
int smp_teacher_optimise(smp_teacher *t, double *xyz, const double *R, double gtol, int max_steps,
                         opt_lbfgs_report *rep, nnv_error *err);

/* Hessian (eV/Å², 3n x 3n, symmetrised) and dipole derivatives (e, 3 x 3n)
 * by central differences of analytic gradients and dipoles with step h (Å). */
int smp_teacher_hessian(smp_teacher *t, const double *xyz, const double *R, double h,
                        double *hess, double *dipole_deriv, nnv_error *err);

/* hv = H v (eV/Å², 3n) at xyz along the unit vector v by smp_fd_hvp with step
 * h (Å), both xtb calls in the rotation R (as smp_teacher_eval). */
int smp_teacher_hvp(smp_teacher *t, const double *xyz, const double *R, double h, const double *v, double *hv,
                    nnv_error *err);

/* ---- the sampler's options and frames (frames.c) --------------------------- */
#define SMP_MAX_T 32

typedef struct smp_options {
    const char *output;
    const char *spectra_dir;
    double temps[SMP_MAX_T];
    int n_temps;
    double scalings[SMP_MAX_T];
    int n_scalings;
    int per_temp;
    int per_mode;
    double noise;
    uint64_t seed;
    double accuracy;
    double step;
    double gtol;
    int harmonic_only;
    int hvp_probes;   /* curvature labels per selected configuration, 0 = none */
    int hvp_every;    /* every this-many-th configuration of a molecule gets them */
    double hvp_step;  /* central-difference step along a probe, Å */
    int candidates;   /* --candidates: sampled geometries only, no teacher labels */
    const char *label; /* --label FILE: label the frames of FILE instead of sampling */
} smp_options;

/* The data set being written and its frame count. */
typedef struct smp_out {
    FILE *f;
    long frames;
} smp_out;

/* The curvature labels of one configuration: n_hvp probes (rows of 3n,
 * dimensionless) and the teacher's products H v (eV/Å²); n_hvp = 0 for none. */
typedef struct smp_hvp {
    int n_hvp;
    double *probes, *hv;
} smp_hvp;

/* Uniformly distributed rotation (3x3 row-major) from r. */
void smp_rotation(smp_rng *r, double R[9]);

/* FNV-1a of a text: a molecule's (or a frame's) own stream, whatever the order. */
uint64_t smp_hash(const char *s);

/* The curvature probes' stream of a molecule (see frames.c). */
uint64_t smp_probe_seed(uint64_t molecule_seed);

/* v, or 0 when it is zero to the printed precision (no -0). */
double smp_z(double v);

/* One labelled frame: positions x (Å), forces -grad (eV/Å), the curvature
 * labels c, and the comment "energy= dipole= pbc= " followed by tail (the
 * frame's own key=value fields). NNV_OK, NNV_ENOMEM or NNV_EIO. */
int smp_write_frame(smp_out *out, int n_atoms, const int *Z, const double *x, double e, const double *grad,
                    const double *mu, const smp_hvp *c, const char *tail, nnv_error *err);

/* The curvature labels of configuration `config` at x when the options ask
 * for them (o->hvp_probes, o->hvp_every), probes from prng; a failed SCF
 * leaves c->n_hvp = 0 and counts in *failed. */
int smp_curvature(const smp_options *o, smp_teacher *t, smp_rng *prng, int config, int n, const double *x,
                  const double *R, smp_hvp *c, long *failed, nnv_error *err);

/* ---- labelling given configurations (label.c) ------------------------------ */

/* nnvib-sample --label: teacher energy, forces, dipole (and curvature labels
 * as o asks) for every frame of o->label, written to out with the frame's own
 * comment fields (energy=, dipole=, pbc=, Properties= and the candidates'
 * unlabelled marker replaced). A frame whose SCF fails is left out and
 * counted in *failed. NNV_OK or the status of the first input/output error. */
int smp_label_file(const smp_options *o, smp_out *out, long *failed, nnv_error *err);

#endif
