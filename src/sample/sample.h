/* nnvib-sample internals: the GFN2-xTB teacher (libxtb wrapper with rotation
 * and unit conversion, geometry optimisation, finite-difference Hessian and
 * dipole derivatives) and the curvature labels (random probes, Hessian-vector
 * products) shared by the sampler's files. Not installed. */
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

#endif
