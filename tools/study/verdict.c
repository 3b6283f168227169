/* The study's view of the reliability verdict: how often it says ok on the
 * training molecules (false alarms otherwise) and how often an analysis far
 * from the teacher still gets ok (misses), per potential and set, and the
 * per-analysis numbers behind it for recalibration (docs/reliability.md). */
#include <math.h>
#include <string.h>

#include "study.h"

/* The MAE against the teacher of potential k on molecule mo, NaN when none. */
static double teacher_mae(const study_mol *mo, int k)
{
    const nnv_comparison *c = mo->cmp[k];
    return c && c->vs_teacher ? c->vs_teacher->metrics.mae : NAN;
}

/* One potential over one set: analyses, failures, each verdict, those off by
 * more than STUDY_OFF_CM1 and how many of them are ok (misses), and those
 * within it that are not ok (false alarms on training molecules). */
typedef struct verdict_count {
    int n, failed, v[3], off, off_ok, within_not_ok;
} verdict_count;

static void count(verdict_count *vc, const study *st, int k, const char *set)
{
    memset(vc, 0, sizeof *vc);
    for (int m = 0; m < st->n_mols; m++) {
        const study_mol *mo = &st->mols[m];
        double mae;
        int verdict;
        if (!mo->described || !study_in_subset(mo, (study_subset){set, NULL})) continue;
        vc->n++;
        if (!mo->cmp[k]) {
            vc->failed++; /* an error is a flag: no numbers were printed */
            continue;
        }
        verdict = mo->cmp[k]->reliability.verdict;
        vc->v[verdict]++;
        mae = teacher_mae(mo, k);
        if (!isfinite(mae)) continue;
        if (mae > STUDY_OFF_CM1) {
            vc->off++;
            vc->off_ok += verdict == NNV_VERDICT_OK;
        } else {
            vc->within_not_ok += verdict != NNV_VERDICT_OK;
        }
    }
}

void study_write_verdicts(FILE *f, const study *st)
{
    const char *sets[16];
    int n_sets = study_list_sets(st, sets, 16);
    fprintf(f, "## Reliability verdict\n\nEvery analysis carries a verdict (docs/reliability.md): ok, uncertain or "
               "unreliable; *failed* = stopped with an error (no frequencies printed). An analysis more than %.0f "
               "cm⁻¹ (MAE) from the teacher must not be ok: those are the *misses*. On the training molecules "
               "every verdict other than ok is a *false alarm* when the analysis is within %.0f cm⁻¹.\n\n"
               "| set | activation | analyses | ok | uncertain | unreliable | failed | off > %.0f cm⁻¹ | misses "
               "(off, ok) | not ok, within %.0f cm⁻¹ |\n|---|---|---|---|---|---|---|---|---|---|\n",
            STUDY_OFF_CM1, STUDY_OFF_CM1, STUDY_OFF_CM1, STUDY_OFF_CM1);
    for (int q = 0; q < (n_sets ? n_sets : 1); q++)
        for (int k = 0; k < st->n_pots; k++) {
            verdict_count vc;
            const char *set = n_sets ? sets[q] : NULL;
            count(&vc, st, k, set);
            fprintf(f, "| %s | %s | %d | %d | %d | %d | %d | %d | %d | %d |\n", set ? set : "all", st->pots[k].label,
                    vc.n, vc.v[0], vc.v[1], vc.v[2], vc.failed, vc.off, vc.off_ok, vc.within_not_ok);
        }
    fputc('\n', f);
}

int study_write_reliability_csv(const study *st, const char *path, nnv_error *err)
{
    nnv_ofile *of = NULL;
    FILE *f;
    int code;
    if ((code = nnv_ofile_open(&of, path, err)) != NNV_OK) return code;
    f = nnv_ofile_stream(of);
    fputs("molecule,set,groups,n_atoms,activation,potential,status,mae_teacher_cm1,converged,n_imaginary,verdict,"
          "reasons,mean_frequency_std_cm1,max_frequency_std_cm1,max_force_std_eV_A,max_novelty_d2_over_q99,"
          "n_extrapolations,max_force_eV_A\n",
          f);
    for (int m = 0; m < st->n_mols; m++) {
        const study_mol *mo = &st->mols[m];
        if (!mo->described) continue;
        for (int k = 0; k < st->n_pots; k++) {
            const nnv_comparison *c = mo->cmp[k];
            fprintf(f, "%s,", mo->name);
            study_csv_text(f, mo->set ? mo->set : "");
            fputc(',', f);
            study_csv_text(f, mo->groups ? mo->groups : "");
            fprintf(f, ",%d,%s,", mo->s->n_atoms, st->pots[k].label);
            study_csv_text(f, st->pots[k].path);
            if (!c) {
                fputs(",failed,,,,,,,,,,,\n", f);
                continue;
            }
            fprintf(f, ",ok,%.3f,%d,%d,%s,", teacher_mae(mo, k), !c->optimized || c->opt.converged,
                    study_count_imag(c), nnv_verdict_name(c->reliability.verdict));
            for (int r = 0; r < c->reliability.n_reasons; r++)
                fprintf(f, "%s%s", r ? ";" : "", nnv_reason_name(c->reliability.reason_code[r]));
            if (c->reliability.has_committee)
                fprintf(f, ",%.4g,%.4g,%.4g,", c->reliability.mean_freq_std, c->reliability.max_freq_std,
                        c->reliability.max_force_std);
            else
                fputs(",,,,", f);
            if (c->reliability.has_novelty) fprintf(f, "%.4g", c->reliability.max_novelty);
            fprintf(f, ",%d,%.4g\n", c->reliability.n_extrapolations, c->max_force);
        }
    }
    return study_commit(of, path, err);
}
