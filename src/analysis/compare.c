/* The per-potential comparison pipeline: the analysis pipeline (nnv_analyse)
 * on a copy of the molecule, then the assignment of its frequencies to one or
 * two references. */
#include <stdlib.h>
#include <string.h>

#include <nnvib.h>

void nnv_comparison_free(nnv_comparison *c)
{
    if (!c) return;
    nnv_structure_free(c->s);
    nnv_result_free(c->r);
    nnv_vib_free(c->v);
    nnv_assignment_free(c->vs_ref);
    nnv_assignment_free(c->vs_teacher);
    nnv_point_group_free(c->point_group);
    nnv_mode_symmetry_free(c->mode_symmetry);
    free(c);
}

int nnv_compare_potential(nnv_comparison **out, const nnv_structure *s, const nnv_potential *p,
                          const nnv_reference *ref, const nnv_reference *teacher, const nnv_analysis_options *o,
                          nnv_error *err)
{
    nnv_comparison *c = NULL;
    nnv_analysis *a = NULL;
    int rc;

    if (!out) return nnv_error_set(err, NNV_EUSAGE, "nnv_compare_potential: no output pointer");
    *out = NULL;
    if (!s || !p) return nnv_error_set(err, NNV_EUSAGE, "nnv_compare_potential: no structure or potential");
    c = calloc(1, sizeof *c);
    if (!c) return nnv_error_set(err, NNV_ENOMEM, "nnv_compare_potential: out of memory");
    if ((rc = nnv_analyse(&a, p, s, o, err)) != NNV_OK) goto cleanup;
    /* The comparison keeps what its readers need and owns it from here. */
    c->s = a->s, a->s = NULL;
    c->r = a->r, a->r = NULL;
    c->v = a->v, a->v = NULL;
    c->optimized = a->optimized;
    c->opt = a->opt;
    c->max_force = a->max_force;
    c->reliability = a->reliability;
    c->point_group = a->point_group, a->point_group = NULL;
    c->mode_symmetry = a->mode_symmetry, a->mode_symmetry = NULL;
    if (ref && (rc = nnv_assign_modes_species(&c->vs_ref, c->v->n_modes, c->v->frequencies, c->mode_symmetry,
                                              c->point_group->name, ref, err)) != NNV_OK)
        goto cleanup;
    if (teacher &&
        (rc = nnv_assign_modes_species(&c->vs_teacher, c->v->n_modes, c->v->frequencies, c->mode_symmetry,
                                       c->point_group->name, teacher, err)) != NNV_OK)
        goto cleanup;
cleanup:
    nnv_analysis_free(a);
    if (rc == NNV_OK) *out = c;
    else nnv_comparison_free(c);
    return rc;
}
