/* nnvib-train --select: the program side of active learning's selection
 * (select.c): read candidates and committee, write the chosen frames, print
 * the per-molecule disagreement table that a round's log keeps. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "train.h"

/* A number in meV units, or "-" for none. */
static void print_mev(double v, int prec)
{
    if (isnan(v)) printf(" %9s", "-");
    else if (isinf(v)) printf(" %9s", "overflow");
    else printf(" %9.*f", prec, 1e3 * v);
}

static void print_row(const al_group *g, const char *label)
{
    printf("%-30s %8d %8d %8d", label, g->n_candidates, g->n_above, g->n_selected);
    print_mev(g->median_f, 1);
    print_mev(g->max_f, 1);
    print_mev(g->median_e, 2);
    print_mev(g->max_e, 2);
    printf(" %8d\n", g->n_extrapolating);
}

int al_select_command(const al_select_cli *c)
{
    nnv_error err = {0, ""};
    nnv_potential *pot = NULL;
    ds_set cands = {0, 0, NULL}, out = {0, 0, NULL};
    al_score *sc = NULL;
    al_group *g = NULL, all;
    int *sel = NULL, n_sel = 0, ng = 0, st, rc = 0;
    if ((st = nnv_potential_read(&pot, c->committee, &err)) != NNV_OK) goto fail;
    if ((st = ds_read_candidates(&cands, c->candidates, NULL, &err)) != NNV_OK) goto fail;
    if (!(sc = malloc((size_t)cands.n_frames * sizeof *sc))) {
        st = nnv_error_set(&err, NNV_ENOMEM, "out of memory");
        goto fail;
    }
    if ((st = al_score_frames(sc, pot, &cands, &err)) != NNV_OK) {
        nnv_error inner = err;
        nnv_error_set(&err, st, "%s: %s", st == NNV_EINPUT && pot->n_members < 2 ? c->committee : c->candidates,
                      inner.message);
        goto fail;
    }
    if ((st = al_select(&sel, &n_sel, &g, &ng, &all, &cands, sc, &c->opt, &err)) != NNV_OK) goto fail;
    for (int k = 0; k < n_sel && st == NNV_OK; k++)
        if ((st = ds_append(&out, &cands.frames[sel[k]], &err)) == NNV_OK)
            st = al_tag_frame(&out.frames[out.n_frames - 1], &sc[sel[k]], &err);
    if (st != NNV_OK) goto fail;
    /* An empty selection is an empty file: the next step sees at once that
     * the round has nothing to label. */
    if (c->output && (st = ds_write(&out, c->output, &err)) != NNV_OK) {
        fprintf(stderr, "nnvib-train: %s\n", err.message);
        rc = st == NNV_ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_OUTPUT;
        goto cleanup;
    }
    printf("# committee disagreement of %s (%d members, spread scale %.4g) on %s; eligible: sigma_f > %g eV/A",
           c->committee, pot->n_members, pot->spread_scale, c->candidates, c->opt.threshold_f);
    if (isfinite(c->opt.threshold_e)) printf(" or sigma_e > %g eV/atom", c->opt.threshold_e);
    printf("; at most %d per %s\n", c->opt.max_per_molecule, c->opt.key);
    printf("%-30s %8s %8s %8s %9s %9s %9s %9s %8s\n", "# group", "cands", "above", "selected", "sigF med",
           "sigF max", "sigE med", "sigE max", "extrap");
    printf("%-30s %8s %8s %8s %9s %9s %9s %9s %8s\n", "#", "", "", "", "meV/A", "meV/A", "meV/atom", "meV/atom", "");
    for (int k = 0; k < ng; k++) {
        char label[96];
        snprintf(label, sizeof label, "%s=%s", c->opt.key, *g[k].name ? g[k].name : "(none)");
        print_row(&g[k], label);
    }
    print_row(&all, "all");
    printf("summary: candidates %d above %d fraction_above %.4f selected %d median_sigma_f %.6g max_sigma_f %.6g "
           "median_sigma_e %.6g max_sigma_e %.6g extrapolating %d overflow %d\n",
           all.n_candidates, all.n_above, all.n_candidates ? (double)all.n_above / all.n_candidates : 0.0,
           all.n_selected, all.median_f, all.max_f, all.median_e, all.max_e, all.n_extrapolating, all.n_failed);
    if (fflush(stdout) != 0 || ferror(stdout)) rc = CLI_EXIT_OUTPUT;
    goto cleanup;
fail:
    fprintf(stderr, "nnvib-train: %s\n", err.message);
    rc = st == NNV_ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_INPUT;
cleanup:
    FREE_ALL(sc, g, sel);
    ds_free(&cands);
    ds_free(&out);
    nnv_potential_free(pot);
    return rc;
}
