/* The GFN2-xTB teacher: libxtb's C API behind one call that takes Å and
 * returns eV, eV/Å and e·Å, plus the teacher's own harmonic analysis inputs
 * (optimised geometry, finite-difference Hessian and dipole derivatives) and
 * its Hessian-vector products. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <xtb.h>

#include "sample.h"

struct smp_teacher {
    int n;
    int *Z;
    double accuracy;
    long calls;
    double *work; /* 3n rotated positions (Bohr), 3n gradient (Eh/Bohr) */
    xtb_TEnvironment env;
    xtb_TMolecule mol;
    xtb_TCalculator calc;
};

/* The text of xtb's error stack (which this also empties). */
static int smp_xtb_error(smp_teacher *t, nnv_error *err, const char *what)
{
    char buf[400];
    int len = (int)sizeof buf;
    buf[0] = '\0';
    xtb_getError(t->env, buf, &len);
    buf[sizeof buf - 1] = '\0';
    for (char *c = buf; *c; c++)
        if (*c == '\n') *c = ' ';
    return nnv_error_set(err, NNV_ENUMERIC, "xtb: %s failed: %s", what, buf);
}

static void smp_rotate(const double *R, const double *in, double *out, int transpose)
{
    double v[3] = {in[0], in[1], in[2]};
    for (int a = 0; a < 3; a++) {
        double s = 0.0;
        for (int b = 0; b < 3; b++) s += (transpose ? R[3 * b + a] : R[3 * a + b]) * v[b];
        out[a] = s;
    }
}

int smp_teacher_new(smp_teacher **out, int n, const int *Z, const double *xyz, double accuracy,
                    nnv_error *err)
{
    int rc = NNV_OK;
    smp_teacher *t = NULL;
    *out = NULL;
    if (n < 1 || !(accuracy > 0.0)) {
        rc = nnv_error_set(err, NNV_EUSAGE, "xtb teacher: need at least one atom and accuracy > 0");
        goto cleanup;
    }
    t = calloc(1, sizeof *t);
    if (!t) { rc = nnv_error_set(err, NNV_ENOMEM, "xtb teacher: out of memory"); goto cleanup; }
    t->n = n;
    t->accuracy = accuracy;
    t->Z = malloc((size_t)n * sizeof *t->Z);
    t->work = malloc((size_t)6 * (size_t)n * sizeof *t->work);
    if (!t->Z || !t->work) {
        rc = nnv_error_set(err, NNV_ENOMEM, "xtb teacher: out of memory");
        goto cleanup;
    }
    memcpy(t->Z, Z, (size_t)n * sizeof *Z);
    for (int i = 0; i < 3 * n; i++) t->work[i] = xyz[i] / NNV_BOHR_ANGSTROM;
    t->env = xtb_newEnvironment();
    if (!t->env) { rc = nnv_error_set(err, NNV_ENOMEM, "xtb: cannot create environment"); goto cleanup; }
    xtb_setVerbosity(t->env, XTB_VERBOSITY_MUTED);
    /* Neutral; an odd electron count (odd sum of Z) gets one unpaired electron. */
    double charge = 0.0;
    int uhf = 0;
    for (int i = 0; i < n; i++) uhf += Z[i];
    uhf %= 2;
    t->mol = xtb_newMolecule(t->env, &n, t->Z, t->work, &charge, &uhf, NULL, NULL);
    if (xtb_checkEnvironment(t->env) || !t->mol) { rc = smp_xtb_error(t, err, "newMolecule"); goto cleanup; }
    t->calc = xtb_newCalculator();
    xtb_loadGFN2xTB(t->env, t->mol, t->calc, NULL);
    if (xtb_checkEnvironment(t->env)) { rc = smp_xtb_error(t, err, "loadGFN2xTB"); goto cleanup; }
    xtb_setAccuracy(t->env, t->calc, accuracy);
    xtb_setMaxIter(t->env, t->calc, 500);
    if (xtb_checkEnvironment(t->env)) { rc = smp_xtb_error(t, err, "setAccuracy"); goto cleanup; }
    *out = t;
    t = NULL;
cleanup:
    smp_teacher_free(t);
    return rc;
}

void smp_teacher_free(smp_teacher *t)
{
    if (!t) return;
    if (t->calc) xtb_delCalculator(&t->calc);
    if (t->mol) xtb_delMolecule(&t->mol);
    if (t->env) xtb_delEnvironment(&t->env);
    free(t->Z);
    free(t->work);
    free(t);
}

long smp_teacher_calls(const smp_teacher *t) { return t->calls; }

int smp_teacher_eval(smp_teacher *t, const double *xyz, const double *R, double *energy,
                     double *grad, double dipole[3], nnv_error *err)
{
    static const double I3[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    int rc = NNV_OK;
    int n = t->n;
    double *pos = t->work, *g = t->work + 3 * n;
    /* A fresh results object per call: the SCF then starts from the same guess
     * whatever was computed before, so every label is reproducible alone. */
    xtb_TResults res = xtb_newResults();
    if (!R) R = I3;
    if (!res) return nnv_error_set(err, NNV_ENOMEM, "xtb: cannot create results");
    for (int i = 0; i < n; i++) {
        smp_rotate(R, xyz + 3 * i, pos + 3 * i, 0);
        for (int a = 0; a < 3; a++) pos[3 * i + a] /= NNV_BOHR_ANGSTROM;
    }
    t->calls++;
    xtb_updateMolecule(t->env, t->mol, pos, NULL);
    if (xtb_checkEnvironment(t->env)) { rc = smp_xtb_error(t, err, "updateMolecule"); goto cleanup; }
    xtb_singlepoint(t->env, t->mol, t->calc, res);
    if (xtb_checkEnvironment(t->env)) { rc = smp_xtb_error(t, err, "singlepoint"); goto cleanup; }
    double e = 0.0, mu[3] = {0, 0, 0};
    xtb_getEnergy(t->env, res, &e);
    if (grad) xtb_getGradient(t->env, res, g);
    xtb_getDipole(t->env, res, mu);
    if (xtb_checkEnvironment(t->env)) { rc = smp_xtb_error(t, err, "reading results"); goto cleanup; }
    if (!isfinite(e)) { rc = nnv_error_set(err, NNV_ENUMERIC, "xtb: non-finite energy"); goto cleanup; }
    *energy = e * NNV_HARTREE_EV;
    if (grad) {
        for (int i = 0; i < n; i++) {
            smp_rotate(R, g + 3 * i, grad + 3 * i, 1);
            for (int a = 0; a < 3; a++) {
                grad[3 * i + a] *= NNV_HARTREE_EV / NNV_BOHR_ANGSTROM;
                if (!isfinite(grad[3 * i + a])) {
                    rc = nnv_error_set(err, NNV_ENUMERIC, "xtb: non-finite gradient on atom %d", i + 1);
                    goto cleanup;
                }
            }
        }
    }
    if (dipole) {
        smp_rotate(R, mu, dipole, 1);
        for (int a = 0; a < 3; a++) dipole[a] *= NNV_BOHR_ANGSTROM;
    }
cleanup:
    xtb_delResults(&res);
    return rc;
}

typedef struct smp_opt_ctx {
    smp_teacher *t;
    const double *R;
} smp_opt_ctx;

static int smp_opt_fn(void *ctx, const double *x, double *f, double *grad, nnv_error *err)
{
    smp_opt_ctx *c = ctx;
    return smp_teacher_eval(c->t, x, c->R, f, grad, NULL, err);
}

static int smp_grad_fn_xtb(void *ctx, const double *x, double *grad, nnv_error *err)
{
    smp_opt_ctx *c = ctx;
    double e;
    return smp_teacher_eval(c->t, x, c->R, &e, grad, NULL, err);
}

int smp_teacher_hvp(smp_teacher *t, const double *xyz, const double *R, double h, const double *v, double *hv,
                    nnv_error *err)
{
    smp_opt_ctx c = {t, R};
    return smp_fd_hvp(hv, 3 * t->n, xyz, v, h, smp_grad_fn_xtb, &c, err);
}

int smp_teacher_optimise(smp_teacher *t, double *xyz, const double *R, double gtol, int max_steps,
                         opt_lbfgs_report *rep, nnv_error *err)
{
    smp_opt_ctx c = {t, R};
    opt_lbfgs_options o = {max_steps, gtol, 0.1, 3, 20};
    return opt_lbfgs(3 * t->n, xyz, smp_opt_fn, &c, &o, rep, err);
}

int smp_teacher_hessian(smp_teacher *t, const double *xyz, const double *R, double h,
                        double *hess, double *dipole_deriv, nnv_error *err)
{
    int rc = NNV_OK;
    int n3 = 3 * t->n;
    double *x = malloc((size_t)n3 * sizeof *x);
    double *gp = malloc((size_t)n3 * sizeof *gp);
    double *gm = malloc((size_t)n3 * sizeof *gm);
    if (!x || !gp || !gm) { rc = nnv_error_set(err, NNV_ENOMEM, "xtb Hessian: out of memory"); goto cleanup; }
    memcpy(x, xyz, (size_t)n3 * sizeof *x);
    for (size_t i = 0; i < (size_t)n3; i++) {
        double ep, em, mp[3], mm[3];
        x[i] = xyz[i] + h;
        if ((rc = smp_teacher_eval(t, x, R, &ep, gp, mp, err))) goto cleanup;
        x[i] = xyz[i] - h;
        if ((rc = smp_teacher_eval(t, x, R, &em, gm, mm, err))) goto cleanup;
        x[i] = xyz[i];
        for (size_t j = 0; j < (size_t)n3; j++) hess[i * (size_t)n3 + j] = (gp[j] - gm[j]) / (2.0 * h);
        for (size_t a = 0; a < 3; a++) dipole_deriv[a * (size_t)n3 + i] = (mp[a] - mm[a]) / (2.0 * h);
    }
    for (size_t i = 0; i < (size_t)n3; i++)
        for (size_t j = 0; j < i; j++) {
            double s = 0.5 * (hess[i * (size_t)n3 + j] + hess[j * (size_t)n3 + i]);
            hess[i * (size_t)n3 + j] = hess[j * (size_t)n3 + i] = s;
        }
cleanup:
    free(x);
    free(gp);
    free(gm);
    return rc;
}
