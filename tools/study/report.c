/* tools/nnvib-study, the report: docs/results.md (what was compared, the
 * summary, generated findings, per molecule, smoothness) and docs/results.csv
 * (one row per band), each written atomically through nnv_ofile. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "study.h"

/* A number, or "–" where there is none (no bands, a failed run), so that
 * every table keeps its columns. */
static void fnum(FILE *f, const char *fmt, double x)
{
    const char *pc, *end;
    if (isfinite(x)) {
        fprintf(f, fmt, x);
        return;
    }
    /* The dash replaces the conversion only: the text around it stays. */
    pc = strchr(fmt, '%');
    if (!pc) {
        fputs(fmt, f);
        return;
    }
    for (end = pc + 1; *end && strchr("0123456789.+- #'", *end); end++) {}
    fwrite(fmt, 1, (size_t)(pc - fmt), f);
    fputs("–", f);
    fputs(*end ? end + 1 : end, f);
}

/* Markdown table cell text: '|' escaped, newlines dropped. */
static void md_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|') fputs("\\|", f);
        else if (*s == '\n' || *s == '\r') fputc(' ', f);
        else fputc(*s, f);
    }
}

/* The training RMSEs of a potential: its description from "RMSE" on, where
 * nnvib-train writes them. */
static const char *rmse_part(const char *desc)
{
    const char *r = desc ? strstr(desc, "RMSE") : NULL;
    return r ? r : "";
}

/* The distinct groups of the molecules of one set, sorted; their number. */
static int list_groups(const study *st, const char *set, char (*names)[32], int cap)
{
    int n = 0;
    for (int m = 0; m < st->n_mols; m++) {
        const study_mol *mo = &st->mols[m];
        if (!mo->set || strcmp(mo->set, set) != 0 || !mo->groups) continue;
        for (const char *c = mo->groups; *c;) {
            size_t len = strcspn(c, ",");
            int seen = 0;
            if (len > 0 && len < 32) {
                for (int j = 0; j < n && !seen; j++) seen = strlen(names[j]) == len && !strncmp(names[j], c, len);
                if (!seen && n < cap) {
                    int at = n++;
                    memcpy(names[at], c, len);
                    names[at][len] = '\0';
                    /* Insertion keeps them sorted. */
                    while (at > 0 && strcmp(names[at - 1], names[at]) > 0) {
                        char t[32];
                        memcpy(t, names[at], 32), memcpy(names[at], names[at - 1], 32), memcpy(names[at - 1], t, 32);
                        at--;
                    }
                }
            }
            c += len;
            if (*c == ',') c++;
        }
    }
    return n;
}

/* --sets: the summary again per set (where the potentials were trained and
 * where not), and per functional group of the held-out and the large
 * molecules, so a transfer error is never hidden in a pooled number. */
static int write_sets(FILE *f, const study *st, nnv_error *err)
{
    const char *sets[16];
    char groups[64][32];
    int n_sets = study_list_sets(st, sets, 16), code;
    if (n_sets == 0) return NNV_OK;
    fprintf(f, "## Per set\n\nThe molecules' sets from `%s`: *train* molecules are those the potentials were "
               "trained on (their own configurations, so an in-distribution number), *heldout* molecules were never "
               "trained on (the transfer error a user should expect on a new small molecule), *large* ones are "
               "larger than any training molecule. Median = the median over molecules of the per-molecule MAE "
               "against the teacher.\n\n",
            st->sets_path);
    fputs("| set | activation | molecules | failed opt. | imaginary modes | MAE teacher | median MAE teacher | max "
          "teacher | MAE exp |\n|---|---|---|---|---|---|---|---|---|\n",
          f);
    for (int q = 0; q < n_sets; q++)
        for (int k = 0; k < st->n_pots; k++) {
            study_summary ps;
            double med;
            study_subset sub = {sets[q], NULL};
            if ((code = study_summarise_subset(&ps, &med, st, k, sub, err)) != NNV_OK) return code;
            fprintf(f, "| %s | %s | %d | %d | %d | ", sets[q], st->pots[k].label, ps.analysed, ps.failed, ps.imag);
            fnum(f, "%.1f | ", ps.t.mae);
            fnum(f, "%.1f | ", med);
            fnum(f, "%.1f | ", ps.t.max_abs);
            fnum(f, "%.1f |\n", ps.e.mae);
        }
    for (int q = 0; q < n_sets; q++) {
        int n_groups;
        if (strcmp(sets[q], "train") == 0) continue;
        n_groups = list_groups(st, sets[q], groups, 64);
        if (n_groups == 0) continue;
        fprintf(f, "\n### %s molecules by functional group\n\nMAE against the teacher, cm⁻¹ (molecules in the group; a "
                   "molecule counts in each of its groups).\n\n| group | molecules |",
                sets[q]);
        for (int k = 0; k < st->n_pots; k++) fprintf(f, " %s |", st->pots[k].label);
        fputs("\n|---|---|", f);
        for (int k = 0; k < st->n_pots; k++) fputs("---|", f);
        fputc('\n', f);
        for (int g = 0; g < n_groups; g++) {
            study_subset sub = {sets[q], groups[g]};
            int n_mol = 0;
            for (int m = 0; m < st->n_mols; m++) n_mol += study_in_subset(&st->mols[m], sub);
            fprintf(f, "| %s | %d |", groups[g], n_mol);
            for (int k = 0; k < st->n_pots; k++) {
                study_summary ps;
                double med;
                if ((code = study_summarise_subset(&ps, &med, st, k, sub, err)) != NNV_OK) return code;
                fputc(' ', f);
                fnum(f, "%.1f", ps.t.mae);
                fputs(" |", f);
            }
            fputc('\n', f);
        }
    }
    fputc('\n', f);
    return NNV_OK;
}

static void write_findings(FILE *f, const study *st)
{
    const study_summary *ps = st->sum, *tps = &st->teacher_sum;
    int best = -1, worst = -1, best_e = -1;
    for (int k = 0; k < st->n_pots; k++) {
        if (!isfinite(ps[k].t.mae)) continue;
        if (best < 0 || ps[k].t.mae < ps[best].t.mae) best = k;
        if (worst < 0 || ps[k].t.mae > ps[worst].t.mae) worst = k;
        if (isfinite(ps[k].e.mae_scaled) && (best_e < 0 || ps[k].e.mae_scaled < ps[best_e].e.mae_scaled)) best_e = k;
    }
    fputs("## Findings\n\n", f);
    fputs("*Generated from the numbers above by `" STUDY_COMMAND "`; no sentence here is written by hand.*\n\n", f);
    if (best >= 0 && worst >= 0 && best != worst) {
        fprintf(f, "- Against the teacher (the network's own error), **%s** has the lowest MAE, %.1f cm⁻¹ over %d "
                   "bands, and **%s** the highest, %.1f cm⁻¹ (%.1f× as large).",
                st->pots[best].label, ps[best].t.mae, ps[best].t.n_pairs, st->pots[worst].label, ps[worst].t.mae,
                ps[worst].t.mae / ps[best].t.mae);
        {
            int n_mid = 0;
            for (int k = 0; k < st->n_pots; k++)
                if (k != best && k != worst && isfinite(ps[k].t.mae))
                    fprintf(f, "%s %s %.1f", n_mid++ ? "," : " In between:", st->pots[k].label, ps[k].t.mae);
            if (n_mid) fputs(" cm⁻¹.", f);
        }
        fputc('\n', f);
    } else if (best >= 0) {
        fprintf(f, "- Against the teacher, %s has an MAE of %.1f cm⁻¹ over %d bands.\n", st->pots[best].label,
                ps[best].t.mae, ps[best].t.n_pairs);
    }
    if (best_e >= 0) {
        fprintf(f, "- Against experiment after the least-squares scale factor, %s is closest (MAE %.1f cm⁻¹, "
                   "c = %.4f)",
                st->pots[best_e].label, ps[best_e].e.mae_scaled, ps[best_e].e.scale);
        if (isfinite(tps->e.mae_scaled))
            fprintf(f, "; the teacher GFN2-xTB itself reaches %.1f cm⁻¹ after scaling (c = %.4f)", tps->e.mae_scaled,
                    tps->e.scale);
        fputs(".\n", f);
    }
    {
        int any = 0;
        for (int k = 0; k < st->n_pots; k++) any |= ps[k].imag > 0 || ps[k].failed > 0;
        if (any) {
            fputs("- Imaginary modes / failed or unconverged optimisations:", f);
            for (int k = 0; k < st->n_pots; k++)
                fprintf(f, "%s %s %d / %d", k ? ";" : "", st->pots[k].label, ps[k].imag, ps[k].failed);
            fputs(".\n", f);
        } else {
            fputs("- No potential produced an imaginary mode or a failed optimisation.\n", f);
        }
    }
    for (int m = 0; m < 2; m++) {
        if (!st->diag_names[m]) continue;
        fprintf(f, "- At the %s minimum: network share of the Hessian", st->diag_names[m]);
        for (int k = 0; k < st->n_pots; k++) {
            const study_diag *d = &st->diag[k][m];
            if (!d->done) continue;
            fprintf(f, "%s %s %.4f", k ? "," : "", st->pots[k].label, d->net_share);
            if (d->max_abs_net == 0.0) fputs(" (exactly 0: max |H_net| = 0)", f);
        }
        fputs("; force-continuity ratio jump(h)/jump(h/2) at the finest step along the stretch", f);
        for (int k = 0; k < st->n_pots; k++) {
            const study_diag *d = &st->diag[k][m];
            if (!d->done || d->n_paths < 1) continue;
            fprintf(f, "%s %s ", k ? "," : "", st->pots[k].label);
            fnum(f, "%.2f", d->fscan[0].ratio[SCAN_LEVELS - 2]);
        }
        fputs(" (≈2: continuous forces, ≈1: the forces jump); largest |Δν| analytic vs FD Hessian at step 1e-4 Å", f);
        for (int k = 0; k < st->n_pots; k++) {
            const study_diag *d = &st->diag[k][m];
            if (!d->done) continue;
            fprintf(f, "%s %s %.3g cm⁻¹", k ? "," : "", st->pots[k].label, d->fd[2].max_freq);
        }
        fputs("; NVE energy drift", f);
        for (int k = 0; k < st->n_pots; k++) {
            const study_diag *d = &st->diag[k][m];
            if (!d->done) continue;
            fprintf(f, "%s %s %.3g meV/ps", k ? "," : "", st->pots[k].label, 1e3 * d->md.drift_per_ps);
        }
        fputs(".\n", f);
    }
    {
        int any = 0;
        for (int k = 0; k < st->n_pots; k++) any |= st->cut[k].done;
        if (any) {
            fputs("- Cutoff: Hessian-continuity ratio at the finest step as the pair crosses rc, COS vs POLY2:", f);
            for (int k = 0; k < st->n_pots; k++)
                if (st->cut[k].done)
                {
                    fprintf(f, "%s %s ", k ? ";" : "", st->pots[k].label);
                    fnum(f, "%.2f", st->cut[k].h[0].ratio[SCAN_LEVELS - 2]);
                    fputs(" vs ", f);
                    fnum(f, "%.2f", st->cut[k].h[1].ratio[SCAN_LEVELS - 2]);
                }
            fputs(" (≈1: the Hessian jumps at rc, ≈2: continuous).\n", f);
        }
    }
    fputc('\n', f);
}

static void write_cmdline(FILE *f, const study *st)
{
    /* The BLAS thread count can flip ties in an assignment (see Makefile.am): part of the command. */
    const char *bt = getenv("OPENBLAS_NUM_THREADS");
    if (bt && *bt && strspn(bt, "0123456789") == strlen(bt)) fprintf(f, "OPENBLAS_NUM_THREADS=%s ", bt);
    fputs(STUDY_COMMAND, f);
    for (int i = 0; i < st->argc; i++) fprintf(f, " %s", st->argv[i]);
}

static void write_smoothness(FILE *f, const study *st)
{
    fputs("## Smoothness diagnostics\n\n", f);
    fprintf(f, "Each molecule is first optimised on each potential (L-BFGS, max |F| ≤ 1e-5 eV/Å); all numbers are "
               "from the library (`include/nnvib/diagnostics.h`, `include/nnvib/md.h`), as `nnvib smoothness` and "
               "`nnvib md` print them.\n\n");
    fprintf(f, "- **Force continuity**: the largest step-to-step change of any force component along the path "
               "with %d steps, then 2×, 4×, 8× as many; ratio = jump(h)/jump(h/2): ≈ 2 when the forces are "
               "continuous, ≈ 1 when they jump somewhere on the path.\n",
            SCAN_POINTS);
    fputs("- **Network share** ‖H_net‖_F / (‖H_net‖_F + ‖H_sf‖_F) at the minimum: the part of the Hessian that is "
          "the network's own curvature (exactly 0 for ReLU, whose second derivative vanishes).\n", f);
    fputs("- **Analytic vs finite-difference Hessian**: the largest |Δν| between the analytic Hessian's "
          "frequencies and those of central differences of the analytic forces.\n", f);
    fprintf(f, "- **NVE MD**: velocity Verlet, %.0f K Maxwell–Boltzmann start (seed %u), dt = %.1f fs, %d steps "
               "(%.1f ps): least-squares drift of the total energy and its RMS fluctuation.\n\n",
            MD_T, MD_SEED, MD_DT, MD_STEPS, MD_STEPS * MD_DT / 1000.0);
    for (int m = 0; m < 2; m++) {
        if (!st->diag_names[m]) continue;
        fprintf(f, "### %s\n\n", st->diag_names[m]);
        fputs("| activation | opt. | path | max jump h (eV/Å) | max jump h/8 (eV/Å) | ratios | network share | "
              "max abs H_net (eV/Å²) | max Δν FD 1e-2 | 1e-3 | 1e-4 (cm⁻¹) | MD drift (meV/ps) | MD RMS fluct. "
              "(meV) | MD mean T (K) |\n",
              f);
        fputs("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n", f);
        for (int k = 0; k < st->n_pots; k++) {
            const study_diag *d = &st->diag[k][m];
            if (!d->done) {
                fprintf(f, "| %s | not run: ", st->pots[k].label);
                md_text(f, d->msg);
                fputs(" | | | | | | | | | | | | |\n", f);
                continue;
            }
            for (int q = 0; q < (d->n_paths ? d->n_paths : 1); q++) {
                fprintf(f, "| %s | %s | ", st->pots[k].label, d->converged ? "conv." : "NOT conv.");
                if (d->n_paths) {
                    const nnv_scan *sc = &d->fscan[q];
                    fprintf(f, "%s | %.3e | %.3e | ", d->path_name[q], sc->level[0].max_jump,
                            sc->level[sc->n_levels - 1].max_jump);
                    for (int r = 0; r + 1 < sc->n_levels; r++) {
                        fputs(r ? ", " : "", f);
                        fnum(f, "%.2f", sc->ratio[r]);
                    }
                    fputs(" | ", f);
                } else {
                    fputs("(no O–H) | | | | ", f);
                }
                if (q == 0) {
                    fprintf(f, "%.4f | %.3e | %.3g | %.3g | %.3g | %.3g | %.3g | %.1f |\n", d->net_share,
                            d->max_abs_net, d->fd[0].max_freq, d->fd[1].max_freq, d->fd[2].max_freq,
                            1e3 * d->md.drift_per_ps, 1e3 * d->md.rms_fluctuation, d->md.mean_temperature);
                } else {
                    fputs("〃 | | | | | | | |\n", f);
                }
            }
        }
        fputc('\n', f);
    }
    {
        int any = 0;
        for (int k = 0; k < st->n_pots; k++) any |= st->cut[k].done || st->cut[k].msg[0];
        if (!any) return;
    }
    fprintf(f, "### Cutoff functions: COS (C¹) vs POLY2 (C²)\n\n");
    fprintf(f, "Every symmetry function of the potential is given the COS or the POLY2 cutoff (same rc, the largest of the functions that see the pair; the "
               "networks were trained with the cutoff the potential's description names, so only the smoothness "
               "is meaningful here, not the energies). A %s–%s pair is stretched from r = rc − 0.0487 Å to "
               "rc + 0.0513 Å with steps 0.005, 0.0025, 0.00125, 0.000625 Å: the Hessian-continuity ratio at the "
               "finest step is ≈ 1 when the Hessian jumps at rc. FD: max |H_analytic − H_FD| (eV/Å²) with a "
               "0.01 Å step at r = rc − 0.004 Å (the step crosses rc).\n\n",
            nnv_element_symbol(st->cut_Z[0]), nnv_element_symbol(st->cut_Z[1]));
    fputs("| activation | cutoff | rc (Å) | force ratios | Hessian max jump h/8 (eV/Å²) | Hessian ratios | largest "
          "jump at r (Å) | FD vs analytic near rc (eV/Å²) |\n|---|---|---|---|---|---|---|---|\n",
          f);
    for (int k = 0; k < st->n_pots; k++) {
        const study_cut *c = &st->cut[k];
        if (!c->done) {
            fprintf(f, "| %s | not run: ", st->pots[k].label);
            md_text(f, c->msg);
            fputs(" | | | | | | |\n", f);
            continue;
        }
        for (int q = 0; q < 2; q++) {
            const nnv_scan *h = &c->h[q];
            fprintf(f, "| %s | %s | %.2f | ", st->pots[k].label, q ? "POLY2" : "COS", c->rc);
            for (int r = 0; r + 1 < c->f[q].n_levels; r++) {
                fputs(r ? ", " : "", f);
                fnum(f, "%.2f", c->f[q].ratio[r]);
            }
            fprintf(f, " | %.3e | ", h->level[h->n_levels - 1].max_jump);
            for (int r = 0; r + 1 < h->n_levels; r++) {
                fputs(r ? ", " : "", f);
                fnum(f, "%.2f", h->ratio[r]);
            }
            fprintf(f, " | %.4f | %.3e |\n", c->rc - 0.0487 + h->level[h->n_levels - 1].t_at, c->fd_near[q]);
        }
    }
    fputc('\n', f);
}

int study_write_report(const study *st, const char *path, nnv_error *err)
{
    nnv_ofile *of = NULL;
    FILE *f;
    const study_summary *ps = st->sum, *tps = &st->teacher_sum;
    int code, n_desc = 0, n_total = 0;

    for (int m = 0; m < st->n_mols; m++) n_desc += st->mols[m].described, n_total++;
    if ((code = nnv_ofile_open(&of, path, err)) != NNV_OK) return code;
    f = nnv_ofile_stream(of);
    fputs("# The activation study:", f);
    for (int k = 0; k < st->n_pots; k++) fprintf(f, "%s %s", k == 0 ? "" : " vs", st->pots[k].label);
    fputs(" against the teacher and experiment\n\n", f);
    fputs("<!-- Generated by `" STUDY_COMMAND "`; do not edit by hand: rerun the command below. -->\n\n", f);
    fprintf(f, "Generated by nnvib %s. Regenerate with `make study`, which runs, in the source folder:\n\n```\n",
            nnv_version());
    write_cmdline(f, st);
    fputs("\n```\n\n", f);
    fprintf(f, "**What was compared.** %d molecule%s of `%s/` (%d described by every potential", n_total,
            n_total == 1 ? "" : "s", st->moldir, n_desc);
    if (st->only) fprintf(f, "; selected with `--only %s`", st->only);
    fprintf(f, "), each optimised on each potential (L-BFGS to max |F| ≤ 1e-5 eV/Å, at most 500 steps), its analytic "
               "Hessian diagonalised (harmonic analysis, IR intensities from the charge networks) and its modes "
               "assigned one-to-one to reference bands (Hungarian algorithm on |Δν|, degeneracies respected, "
               "`nnv_compare_potential`), against two references:\n\n");
    fprintf(f, "- the **teacher**: the GFN2-xTB harmonic spectrum the networks were trained to reproduce "
               "(`%s/gfn2xtb/`). This isolates the network's own error;\n",
            st->refdir);
    fprintf(f, "- **experiment**: gas-phase fundamentals (`%s/experimental/`, every value cited there).\n\n",
            st->refdir);
    fputs("**Caveats.** Experimental fundamentals are *anharmonic*: harmonic frequencies of a good surface lie above "
          "them, typically 2–5 % (most for X–H stretches), so unscaled errors against experiment mix the "
          "network's error, the teacher's error and anharmonicity; the least-squares scale factor c = Σ ν_calc "
          "ν_exp / Σ ν_calc² removes the systematic part. Several fundamentals are perturbed by Fermi resonances "
          "or are large-amplitude torsions, and modes are matched by frequency only (no symmetry labels), so two "
          "close bands can be swapped. See [reference_spectra/README.md](../reference_spectra/README.md).\n\n",
          f);
    fputs("**Statistics.** Every reference band that received a computed mode counts once (the mean of its modes); "
          "MAE, RMSE, max |Δ| and the scale factor are pooled over all bands of all molecules of one potential "
          "(the rows of [results.csv](results.csv)). A *failed* optimisation is one that did not converge (the "
          "modes are still analysed at the last geometry) or a molecule the pipeline could not analyse.\n\n",
          f);
    fputs("## Potentials\n\n| file | activation | smoothness | training RMSE (train/val/test) |\n|---|---|---|---|\n", f);
    for (int k = 0; k < st->n_pots; k++) {
        fprintf(f, "| `%s` | %s | %s | ", st->pots[k].path, st->pots[k].label,
                nnv_smoothness_name(nnv_potential_smoothness(st->pots[k].p)));
        md_text(f, rmse_part(st->pots[k].p->description));
        fputs(" |\n", f);
    }
    fputs("\nDescriptions (from the weights files):\n\n", f);
    for (int k = 0; k < st->n_pots; k++) {
        fprintf(f, "- **%s**: ", st->pots[k].label);
        md_text(f, st->pots[k].p->description ? st->pots[k].p->description : "");
        fputc('\n', f);
    }
    fputs("\n## Summary\n\n", f);
    fputs("cm⁻¹ throughout; *teacher* = against GFN2-xTB harmonic, *exp* = against experimental fundamentals; c = "
          "least-squares scale factor against experiment.\n\n",
          f);
    fputs("| activation | molecules | failed opt. | imaginary modes | MAE teacher | RMSE teacher | max teacher | "
          "MAE exp | RMSE exp | max exp | c | MAE exp scaled |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n",
          f);
    for (int k = -1; k < st->n_pots; k++) {
        const study_summary *p = k < 0 ? tps : &ps[k];
        if (k < 0 && tps->analysed == 0) continue;
        if (k < 0) fputs("| GFN2-xTB (teacher itself) | ", f);
        else fprintf(f, "| **%s** | ", st->pots[k].label);
        fprintf(f, "%d | ", p->analysed);
        if (k < 0) fputs("– | ", f);
        else fprintf(f, "%d | ", p->failed);
        fprintf(f, "%d | ", p->imag);
        if (k < 0) fputs("– | – | – | ", f);
        else {
            fnum(f, "%.1f | ", p->t.mae);
            fnum(f, "%.1f | ", p->t.rmse);
            fnum(f, "%.1f | ", p->t.max_abs);
        }
        fnum(f, "%.1f | ", p->e.mae);
        fnum(f, "%.1f | ", p->e.rmse);
        fnum(f, "%.1f | ", p->e.max_abs);
        fnum(f, "%.4f | ", p->e.scale);
        fnum(f, "%.1f |\n", p->e.mae_scaled);
    }
    fputs("\n![Errors against the teacher per activation](figures/errors.svg)\n\n", f);
    if ((code = write_sets(f, st, err)) != NNV_OK) {
        nnv_ofile_discard(of);
        return code;
    }
    write_findings(f, st);
    study_write_verdicts(f, st);
    fputs("## Per molecule\n\nMAE in cm⁻¹ (T = vs teacher, E = vs experiment), imaginary modes (im); † = the "
          "optimisation did not converge. Each molecule name links to its figure: the teacher's and the "
          "experimental sticks over each potential's stick spectrum.\n\n| molecule | atoms | GFN2-xTB E |",
          f);
    for (int k = 0; k < st->n_pots; k++)
        fprintf(f, " %s T | %s E | %s im |", st->pots[k].label, st->pots[k].label, st->pots[k].label);
    fputs("\n|---|---|---|", f);
    for (int k = 0; k < st->n_pots; k++) fputs("---|---|---|", f);
    fputc('\n', f);
    for (int m = 0; m < st->n_mols; m++) {
        const study_mol *mo = &st->mols[m];
        if (!mo->described) {
            fprintf(f, "| %s | %d | not described by every potential (missing element) |\n", mo->name, mo->s->n_atoms);
            continue;
        }
        fprintf(f, "| [%s](figures/%s.svg) | %d | ", mo->name, mo->name, mo->s->n_atoms);
        fnum(f, "%.1f", mo->tch_vs_exp ? mo->tch_vs_exp->metrics.mae : NAN);
        fputs(" |", f);
        for (int k = 0; k < st->n_pots; k++) {
            const nnv_comparison *c = mo->cmp[k];
            if (!c) {
                fputs(" failed | failed | – |", f);
                continue;
            }
            fputc(' ', f);
            fnum(f, "%.1f", c->vs_teacher ? c->vs_teacher->metrics.mae : NAN);
            fputs(c->opt.converged ? "" : " †", f);
            fputs(" | ", f);
            fnum(f, "%.1f", c->vs_ref ? c->vs_ref->metrics.mae : NAN);
            fprintf(f, " | %d |", study_count_imag(c));
        }
        fputc('\n', f);
    }
    fputc('\n', f);
    write_smoothness(f, st);
    return study_commit(of, path, err);
}

int study_write_csv(const study *st, const char *path, nnv_error *err)
{
    nnv_ofile *of = NULL;
    FILE *f;
    int code;
    if ((code = nnv_ofile_open(&of, path, err)) != NNV_OK) return code;
    f = nnv_ofile_stream(of);
    fputs("molecule,activation,potential,against,band,mode,symmetry,degeneracy,ref_cm1,calc_cm1,delta_cm1,n_modes,"
          "converged,n_imaginary,set\n",
          f);
    for (int m = 0; m < st->n_mols; m++) {
        const study_mol *mo = &st->mols[m];
        for (int k = 0; k < st->n_pots; k++) {
            if (!mo->cmp[k]) continue;
            for (int t = 1; t >= 0; t--) {
                const nnv_assignment *a = study_asg(mo, k, t);
                const nnv_reference *r = study_ref(mo, t);
                if (!a || !r) continue;
                for (int b = 0; b < a->n_bands; b++) {
                    fprintf(f, "%s,%s,", mo->name, st->pots[k].label);
                    study_csv_text(f, st->pots[k].path);
                    fprintf(f, ",%s,%d,", t ? "teacher" : "experiment", b + 1);
                    study_csv_text(f, r->bands[b].mode);
                    fputc(',', f);
                    study_csv_text(f, r->bands[b].symmetry);
                    fprintf(f, ",%d,%.2f,", r->bands[b].degeneracy, r->bands[b].freq);
                    if (a->band_n_calc[b])
                        fprintf(f, "%.2f,%.2f,", a->band_calc[b], a->band_calc[b] - r->bands[b].freq);
                    else
                        fputs(",,", f);
                    fprintf(f, "%d,%d,%d,", a->band_n_calc[b], mo->cmp[k]->opt.converged,
                            study_count_imag(mo->cmp[k]));
                    study_csv_text(f, mo->set ? mo->set : "");
                    fputc('\n', f);
                }
            }
        }
    }
    return study_commit(of, path, err);
}
