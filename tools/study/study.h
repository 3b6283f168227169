/* tools/nnvib-study: the data of one run of the activation study, filled in
 * this order by main.c (loading), run.c (computing), stats.c (pooling) and
 * read by report.c and figures.c (writing). Public library API only. */
#ifndef NNVIB_STUDY_H
#define NNVIB_STUDY_H

#include <stddef.h>

#include <nnvib.h>

/** The name in messages and in the report's command line (the path from the
 *  source folder, where `make study` runs it). */
#define STUDY_PROGRAM "nnvib-study"
#define STUDY_COMMAND "tools/nnvib-study"

#define MAX_POTS 8
#define MAX_MOLS 2000
/* The smoothness diagnostics: FD steps, NVE MD, the path scans. */
#define N_FD 3
#define MD_STEPS 2000
#define MD_DT 0.5
#define MD_T 300.0
#define MD_SEED 20240601u
#define SCAN_POINTS 50
#define SCAN_LEVELS 4

typedef struct study_pot {
    const char *path;
    nnv_potential *p;
    char label[64];
    int act;        /* enum nnv_activation of the hidden layers, -1 when mixed */
    int colour;
} study_pot;

typedef struct study_mol {
    char *name;
    char *xyz_path;
    nnv_structure *s;
    nnv_reference *exp;  /* NULL when the folder has no file */
    nnv_reference *tch;
    char *exp_path, *tch_path;
    char *set, *groups;  /* --sets: train/heldout/large and comma-separated groups; NULL without it */
    int described;       /* every potential has every element */
    nnv_comparison *cmp[MAX_POTS];
    int status[MAX_POTS];
    char *fail_msg[MAX_POTS];
    nnv_assignment *tch_vs_exp; /* the teacher's own harmonic frequencies against experiment */
} study_mol;

/* Smoothness diagnostics of one potential at one molecule. */
typedef struct study_diag {
    int done;
    char msg[NNV_ERROR_MESSAGE_MAX];
    int converged;
    int n_paths;
    char path_name[2][64];
    nnv_scan fscan[2];
    double net_share, max_abs_net, norm_total;
    nnv_fd_disagreement fd[N_FD];
    nnv_md_report md;
} study_diag;

/* The cutoff experiment: one potential with every SF's cutoff set to COS or POLY2. */
typedef struct study_cut {
    int done;
    char msg[NNV_ERROR_MESSAGE_MAX];
    nnv_scan f[2], h[2];     /* [0] COS, [1] POLY2 */
    double fd_near[2];       /* max |dH| FD step 1e-2 vs analytic, pair 0.004 A inside rc */
    double rc;               /* the largest cutoff radius of the potential, Å */
} study_cut;

/* One row of the summary: a potential, or the teacher itself against experiment. */
typedef struct study_summary {
    int analysed, failed, imag;
    nnv_metrics t, e; /* pooled against the teacher (zeros for the teacher's row), against experiment */
} study_summary;

typedef struct study {
    const char *moldir, *refdir, *outdir, *only;
    const char *teacher_dir; /* the teacher's spectra [REFDIR/gfn2xtb] */
    const char *sets_path;   /* --sets: the molecule table, NULL without it */
    int quiet;
    int argc;
    char **argv;    /* the command line as given (the report repeats it), argv[0] left out */
    study_pot pots[MAX_POTS];
    int n_pots;
    study_mol *mols;
    int n_mols;
    nnv_structure *diag_s[2];   /* water and methanol of the molecules folder, NULL when absent */
    const char *diag_names[2];  /* their names, NULL when absent */
    study_diag diag[MAX_POTS][2];
    study_cut cut[MAX_POTS];
    int cut_Z[2];
    study_summary sum[MAX_POTS];
    study_summary teacher_sum;
} study;

/* ---- run.c: the comparisons and the experiments ---- */
/** 1 when p has every element of s. */
int study_describes(const nnv_potential *p, const nnv_structure *s);
/** Every described molecule on every potential (nnv_compare_potential), and the
 *  teacher against experiment. A CLI_EXIT_* status, msg set on failure; a
 *  numerical failure of one run is a finding (mols[m].fail_msg), not a failure. */
int study_run_comparisons(study *st, char *msg, size_t msglen);
/** The smoothness diagnostics at st->diag_s and the cutoff experiment; what
 *  cannot run is recorded in its msg. A CLI_EXIT_* status (out of memory). */
int study_run_diagnostics(study *st, char *msg, size_t msglen);

/* ---- stats.c: pooled statistics through the library ---- */
/** The assignment of potential k (k = -1: the teacher) against the teacher or experiment; NULL when none. */
const nnv_assignment *study_asg(const study_mol *mo, int k, int vs_teacher);
const nnv_reference *study_ref(const study_mol *mo, int vs_teacher);
/** Imaginary modes of a comparison (0 for NULL). */
int study_count_imag(const nnv_comparison *c);
/** st->sum and st->teacher_sum from the comparisons; NNV_OK or NNV_ENOMEM. */
int study_summarise(study *st, nnv_error *err);

/** A subset of the molecules for the per-set and per-group tables: those of
 *  set (NULL: any) that are in group (NULL: any). */
typedef struct study_subset {
    const char *set, *group;
} study_subset;
/** The summary row of potential k over a subset (as st->sum[k], which is the
 *  whole), plus the median per-molecule MAE against the teacher. */
int study_summarise_subset(study_summary *ps, double *median_mae, const study *st, int k, study_subset sub,
                           nnv_error *err);
int study_in_subset(const study_mol *mo, study_subset sub);

/* ---- sets.c: --sets, the molecule table ---- */
/** Each molecule's set and groups from st->sets_path; every molecule must have
 *  a row (rows of other molecules are ignored). A CLI_EXIT_* status. */
int study_read_sets(study *st, char *msg, size_t msglen);
/** 1 when group is one of mo's comma-separated groups. */
int study_in_group(const study_mol *mo, const char *group);
/** The names of the sets in report order (train, heldout, large, then others); their number. */
int study_list_sets(const study *st, const char **names, int cap);

/* ---- report.c: docs/results.md and docs/results.csv ---- */
int study_write_report(const study *st, const char *path, nnv_error *err);
int study_write_csv(const study *st, const char *path, nnv_error *err);

/* ---- output.c: helpers of the writers ---- */
/** Commit a written file, or drop it on a write error: never half a report. */
int study_commit(nnv_ofile *of, const char *path, nnv_error *err);
/** A CSV field: commas become ';' and double quotes single ones, so every row splits the same way. */
void study_csv_text(FILE *f, const char *s);

/* ---- verdict.c: the reliability verdicts against the teacher ---- */
/** An analysis further than this from the teacher (MAE, cm⁻¹) must not be "ok" (issue 19). */
#define STUDY_OFF_CM1 30.0
/** The section "Reliability verdict" of results.md: per potential and set the
 *  verdicts, the false alarms on training molecules and the misses (analyses
 *  off by more than STUDY_OFF_CM1 with verdict ok). */
void study_write_verdicts(FILE *f, const study *st);
/** DIR/reliability.csv: one row per molecule and potential with the MAE
 *  against the teacher and every input of the verdict (tools/calibrate-reliability reads it). */
int study_write_reliability_csv(const study *st, const char *path, nnv_error *err);

/* ---- figures.c: the SVG figures ---- */
int study_molecule_figure(const study *st, const study_mol *mo, const char *path, nnv_error *err);
int study_errors_figure(const study *st, const char *path, nnv_error *err);

#endif
