/* tools/nnvib-study, the pooled statistics: every assigned band of every
 * molecule becomes one (calc, ref) pair and the library's
 * nnv_compare_frequencies computes MAE, RMSE, max and the scale factor. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "study.h"

const nnv_assignment *study_asg(const study_mol *mo, int k, int vs_teacher)
{
    if (k < 0) return vs_teacher ? NULL : mo->tch_vs_exp;
    if (!mo->cmp[k]) return NULL;
    return vs_teacher ? mo->cmp[k]->vs_teacher : mo->cmp[k]->vs_ref;
}

const nnv_reference *study_ref(const study_mol *mo, int vs_teacher)
{
    return vs_teacher ? mo->tch : mo->exp;
}

int study_count_imag(const nnv_comparison *c)
{
    int n = 0;
    for (int i = 0; c && i < c->v->n_modes; i++) n += c->v->frequencies[i] < 0;
    return n;
}

/* Pool potential k (k = -1: the teacher) against one reference. A band counts
 * once, with the mean of its computed modes, as in nnv_assign_modes' own
 * metrics: so the pooled figures are those of one assignment over all the
 * molecules, and a molecule with more bands weighs more. */
int study_in_subset(const study_mol *mo, study_subset sub)
{
    if (sub.set && (!mo->set || strcmp(mo->set, sub.set) != 0)) return 0;
    return !sub.group || study_in_group(mo, sub.group);
}

static int pool(nnv_metrics *g, const study *st, int k, int vs_teacher, study_subset sub, nnv_error *err)
{
    double *calc, *ref;
    int n = 0, code;
    for (int m = 0; m < st->n_mols; m++) {
        const nnv_assignment *a = study_asg(&st->mols[m], k, vs_teacher);
        if (!study_in_subset(&st->mols[m], sub)) continue;
        if (!a || !study_ref(&st->mols[m], vs_teacher)) continue;
        for (int b = 0; b < a->n_bands; b++) n += a->band_n_calc[b] != 0;
    }
    if (!(calc = malloc(2 * (size_t)(n ? n : 1) * sizeof *calc)))
        return nnv_error_set(err, NNV_ENOMEM, "out of memory");
    ref = calc + n;
    n = 0;
    for (int m = 0; m < st->n_mols; m++) {
        const nnv_assignment *a = study_asg(&st->mols[m], k, vs_teacher);
        const nnv_reference *r = study_ref(&st->mols[m], vs_teacher);
        if (!a || !r || !study_in_subset(&st->mols[m], sub)) continue;
        for (int b = 0; b < a->n_bands; b++)
            if (a->band_n_calc[b]) calc[n] = a->band_calc[b], ref[n] = r->bands[b].freq, n++;
    }
    code = nnv_compare_frequencies(g, n, calc, ref, err);
    free(calc);
    return code;
}

/* One row of the summary (k = -1: the teacher itself, against experiment only). */
static int summarise(study_summary *ps, const study *st, int k, study_subset sub, nnv_error *err)
{
    int code;
    memset(ps, 0, sizeof *ps);
    for (int m = 0; m < st->n_mols; m++) {
        const study_mol *mo = &st->mols[m];
        if (!mo->described || !study_in_subset(mo, sub)) continue;
        if (k < 0) {
            if (mo->tch && mo->exp) ps->analysed++;
            if (mo->tch)
                for (int b = 0; b < mo->tch->n_bands; b++)
                    ps->imag += mo->tch->bands[b].freq < 0 ? mo->tch->bands[b].degeneracy : 0;
            continue;
        }
        if (mo->cmp[k]) ps->analysed++;
        if (!mo->cmp[k] || !mo->cmp[k]->opt.converged) ps->failed++;
        ps->imag += study_count_imag(mo->cmp[k]);
    }
    if (k >= 0 && (code = pool(&ps->t, st, k, 1, sub, err)) != NNV_OK) return code;
    return pool(&ps->e, st, k, 0, sub, err);
}

int study_summarise(study *st, nnv_error *err)
{
    const study_subset all = {NULL, NULL};
    int code;
    for (int k = 0; k < st->n_pots; k++)
        if ((code = summarise(&st->sum[k], st, k, all, err)) != NNV_OK) return code;
    return summarise(&st->teacher_sum, st, -1, all, err);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int study_summarise_subset(study_summary *ps, double *median_mae, const study *st, int k, study_subset sub,
                           nnv_error *err)
{
    double *v;
    int n = 0, code;
    if ((code = summarise(ps, st, k, sub, err)) != NNV_OK) return code;
    /* The median molecule: one bad molecule moves the pooled MAE, not this. */
    if (!(v = malloc((size_t)(st->n_mols ? st->n_mols : 1) * sizeof *v)))
        return nnv_error_set(err, NNV_ENOMEM, "out of memory");
    for (int m = 0; m < st->n_mols; m++) {
        const nnv_assignment *a = study_asg(&st->mols[m], k, 1);
        if (a && st->mols[m].tch && study_in_subset(&st->mols[m], sub) && a->metrics.n_pairs > 0)
            v[n++] = a->metrics.mae;
    }
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    *median_mae = n == 0 ? NAN : n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    free(v);
    return NNV_OK;
}
