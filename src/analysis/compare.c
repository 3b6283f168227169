/* The per-potential comparison pipeline: optimise a copy of the molecule on
 * the potential, compute the analytic Hessian (and dipole derivatives), run the
 * harmonic analysis and assign its frequencies to one or two references. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <nnvib.h>

void nnv_compare_options_init(nnv_compare_options *o)
{
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->optimize = 1;
    o->linear = NNV_LINEAR_AUTO;
}

void nnv_comparison_free(nnv_comparison *c)
{
    if (!c) return;
    nnv_structure_free(c->s);
    nnv_result_free(c->r);
    nnv_vib_free(c->v);
    nnv_assignment_free(c->vs_ref);
    nnv_assignment_free(c->vs_teacher);
    free(c);
}

static int finite_all(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return 0;
    return 1;
}

int nnv_compare_potential(nnv_comparison **out, const nnv_structure *s, const nnv_potential *p,
                          const nnv_reference *ref, const nnv_reference *teacher, const nnv_compare_options *o,
                          nnv_error *err)
{
    nnv_compare_options def;
    nnv_comparison *c = NULL;
    unsigned want = NNV_WANT_FORCES | NNV_WANT_HESSIAN;
    size_t n3;
    int rc;

    if (!out) return nnv_error_set(err, NNV_EUSAGE, "nnv_compare_potential: no output pointer");
    *out = NULL;
    if (!s || !p) return nnv_error_set(err, NNV_EUSAGE, "nnv_compare_potential: no structure or potential");
    if (!o) {
        nnv_compare_options_init(&def);
        o = &def;
    }
    c = calloc(1, sizeof *c);
    if (!c) return nnv_error_set(err, NNV_ENOMEM, "nnv_compare_potential: out of memory");
    rc = nnv_structure_copy(&c->s, s, err);
    if (rc != NNV_OK) goto cleanup;
    if (o->optimize) {
        c->optimized = 1;
        rc = nnv_optimize(c->s, p, &o->opt, &c->opt, err);
        if (rc != NNV_OK) goto cleanup;
    }
    if (p->flags & NNV_FLAG_CHARGES) want |= NNV_WANT_CHARGES | NNV_WANT_DIPOLE_DERIV;
    rc = nnv_compute(&c->r, p, c->s, &(nnv_compute_options){want, o->total_charge, o->max_hessian_mb}, err);
    if (rc != NNV_OK) goto cleanup;
    n3 = 3 * (size_t)c->s->n_atoms;
    if (!isfinite(c->r->energy) || !c->r->forces || !c->r->hessian || !finite_all(c->r->forces, n3) ||
        !finite_all(c->r->hessian, n3 * n3)) {
        rc = nnv_error_set(err, NNV_ENUMERIC, "non-finite energy, forces or Hessian at the %s geometry",
                           c->optimized ? "optimised" : "input");
        goto cleanup;
    }
    c->max_force = 0;
    for (size_t i = 0; i < n3; i++)
        if (fabs(c->r->forces[i]) > c->max_force) c->max_force = fabs(c->r->forces[i]);
    rc = nnv_vib_analyse(&c->v, c->s->n_atoms, c->s->xyz, c->s->masses, c->r->hessian, c->r->dipole_deriv,
                         o->linear, err);
    if (rc != NNV_OK) goto cleanup;
    if (ref) {
        rc = nnv_assign_modes(&c->vs_ref, c->v->n_modes, c->v->frequencies, ref, err);
        if (rc != NNV_OK) goto cleanup;
    }
    if (teacher) {
        rc = nnv_assign_modes(&c->vs_teacher, c->v->n_modes, c->v->frequencies, teacher, err);
        if (rc != NNV_OK) goto cleanup;
    }
cleanup:
    if (rc == NNV_OK) *out = c;
    else nnv_comparison_free(c);
    return rc;
}
