/* nnvib-sample internals: the GFN2-xTB teacher (libxtb wrapper with rotation
 * and unit conversion, geometry optimisation, finite-difference Hessian and
 * dipole derivatives) shared by the sampler's files. Not installed. */
#ifndef NNVIB_SAMPLE_H
#define NNVIB_SAMPLE_H

#include "internal.h"

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

#endif
