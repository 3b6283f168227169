/* Training internals: extended-XYZ data sets, symmetry-function presets and the
 * Behler–Parrinello trainer (losses with double backpropagation, Adam). Used by
 * nnvib-train, nnvib-sample and the training tests (tests/test_dataset_io.c,
 * test_train.c, test_train_run.c); not installed. */
#ifndef NNVIB_TRAIN_H
#define NNVIB_TRAIN_H

#include <stdint.h>
#include <stdio.h>

#include "internal.h"

/* ---- data sets (dataset.c) -------------------------------------------------
 * One configuration of an extended-XYZ file: `Properties=` names the columns
 * (species, pos, forces, and the curvature labels hvp_probe_K, hvp_K in any
 * order; others skipped), `energy=` and `dipole="x y z"` the labels; any
 * other key=value pair is kept verbatim in `info` so a written file keeps it.
 * Units: Å, eV, eV/Å, e·Å, eV/Å². */
#define DS_MAX_HVP 100 /* curvature labels per frame */
typedef struct ds_frame {
    int n_atoms;
    int *Z;            /* n_atoms */
    double *xyz;       /* 3N, Å */
    double *forces;    /* 3N, eV/Å, or NULL when the frame has no forces column */
    int has_energy;
    double energy;     /* eV (total energy) */
    int has_dipole;
    double dipole[3];  /* e·Å */
    char *info;        /* the other key=value pairs, space-separated; never NULL */
    /* Curvature labels (columns hvp_probe_k:R:3 and hvp_k:R:3, k = 1..n_hvp):
     * probe k is hvp_probe[k*3N .. k*3N+3N), a unit vector in 3N-space
     * (dimensionless), and hvp[k*3N ..] the teacher's Hessian times it, H v
     * (eV/Å², the full product: not projected). NULL when n_hvp is 0. */
    int n_hvp;
    double *hvp_probe; /* n_hvp x 3N */
    double *hvp;       /* n_hvp x 3N, eV/Å² */
} ds_frame;

typedef struct ds_set {
    int n_frames;
    int cap;
    ds_frame *frames;
} ds_set;

/* Parse every frame of extended-XYZ text; `name` is used in messages (which
 * name the line and the field). *out is emptied first. Frames without any
 * label are parsed (plain XYZ reads); ds_read is the data set's gate. */
int ds_parse(ds_set *out, const char *text, size_t len, const char *name, nnv_error *err);

/* Read a data set: a file with the gzip magic is decompressed with zlib.
 * When crc is not NULL it receives the CRC-32 of the file's bytes as stored
 * on disk (the data set's fingerprint). Every frame must carry a label
 * (energy=, dipole=, a forces column or curvature labels): an unlabelled one
 * (nnvib-sample --candidates writes them) is NNV_EINPUT naming the file, the
 * frame and its line, so that it cannot slip into training or evaluation. */
int ds_read(ds_set *out, const char *path, uint32_t *crc, nnv_error *err);

/* As ds_read, but unlabelled frames are accepted: the active-learning
 * candidates that nnvib-train --select scores by committee disagreement. */
int ds_read_candidates(ds_set *out, const char *path, uint32_t *crc, nnv_error *err);

/* The value of key in a frame's info text ("k=v k2=\"a b\""), copied into buf
 * (n bytes); an empty string when the key is absent, so those frames still
 * form a group. Returns the value's full length: longer than n - 1 means it
 * was cut. */
size_t ds_info_value(const char *info, const char *key, char *buf, size_t n);

/* 1 when fr carries no label at all (see ds_read). */
int ds_frame_unlabelled(const ds_frame *fr);

/* Append a deep copy of fr. */
int ds_append(ds_set *s, const ds_frame *fr, nnv_error *err);

/* Write one frame (ASE-readable: species, pos and, when present, forces and
 * hvp_probe_1, hvp_1, ...; energy=, dipole=, pbc="F F F", then fr->info).
 * NNV_OK, NNV_EIO, or NNV_EUSAGE when n_hvp is outside 0..DS_MAX_HVP. */
int ds_write_frame(FILE *f, const ds_frame *fr);

/* Write a whole set to path (to a temporary name, renamed when complete). */
int ds_write(const ds_set *s, const char *path, nnv_error *err);

void ds_frame_free(ds_frame *fr);
void ds_free(ds_set *s);

/* ---- symmetry-function presets (sfgen.c) ---------------------------------- */
typedef struct sfgen_options {
    int cutoff;      /* enum nnv_cutoff, default POLY2 (C², smooth Hessians) */
    double rc;       /* Å, default 5.5 */
    int n_radial;    /* shifted Gaussians per neighbour element, default 8 */
    int n_ang_eta;   /* η values of the angular functions, default 2 */
    int n_ang_shells; /* shifted angular functions: radial shells per element pair, default 0 */
    double rc_ang;   /* Å, cutoff of the shifted angular functions; 0: rc */
} sfgen_options;

void sfgen_defaults(sfgen_options *o);

/* Number of SFs per element the preset gives for n_el elements. */
int sfgen_count(const sfgen_options *o, int n_el);

/* A potential with one block per element (Z ascending, distinct), each with the
 * preset SFs (shift 0, scale 1, gmin = gmax = 0) and no networks yet. */
int sfgen_make(nnv_potential **out, int n_el, const int *Z, const sfgen_options *o, nnv_error *err);

/* Fit the scaling of element em from its SF values G (n_rows x em->n_sf,
 * row-major, training atoms only): shift = mean, scale = 1/std, gmin/gmax =
 * observed range. SFs that are constant on the training set (range below
 * 1e-8 of their magnitude, or never non-zero) are dropped from em->sf;
 * keep (em->n_sf on entry) receives 1 for kept SFs. Returns the new count. */
int sfgen_fit_scaling(nnv_element_model *em, const double *G, size_t n_rows, int *keep);

/* Only gmin/gmax of every SF of em from G (n_rows x em->n_sf), shift and
 * scale untouched: the range check of a potential whose scaling is kept. */
void sfgen_fit_range(nnv_element_model *em, const double *G, size_t n_rows);

/* Two numbers stored in weights.bin agree to rounding (1e-9 relative): a file
 * made by the same code from the same options reproduces them. */
int sfgen_same_number(double a, double b);

/* The first field in which two SFs differ ("type or neighbours", "cutoff",
 * "parameters", or with scaling != 0 also "scaling"), NULL when they agree
 * to 1e-9 relative. */
const char *sfgen_sf_differs(const nnv_sf *a, const nnv_sf *b, int scaling);

/* ---- trainer (trainer.c; the split in split.c) -------------------------------- */
#define TR_MAX_HIDDEN 8

/* Learning-rate schedules. PLATEAU reacts to validation stalls; EXP and COSINE
 * anneal from lr to lr_min over the epoch budget whatever validation does,
 * so the last epochs always run at a small rate (Adam's noise floor at a
 * fixed rate is what kept the plateau runs above their targets). */
enum { TRAIN_LR_PLATEAU = 0, TRAIN_LR_EXP = 1, TRAIN_LR_COSINE = 2 };

typedef struct train_options {
    int n_hidden;                 /* hidden layers, default 2 */
    int hidden[TR_MAX_HIDDEN];    /* widths, default 32, 32 */
    int activation;               /* hidden activation (enum nnv_activation), default tanh */
    double act_param;             /* celu α, default 1 */
    int epochs;                   /* at most, default 1000 */
    int batch;                    /* configurations per mini-batch, default 32 */
    double lr;                    /* Adam learning rate, default 1e-3 */
    double lr_min;                /* stop when the rate decays below this, default 1e-5 */
    double lr_decay;              /* factor on plateau, default 0.5 */
    int lr_patience;              /* epochs without validation gain before decay, default 10 */
    int lr_schedule;              /* TRAIN_LR_PLATEAU (default), TRAIN_LR_EXP or TRAIN_LR_COSINE */
    int patience;                 /* early stop after this many, default 40 */
    double energy_weight;         /* w_E on the per-atom energy MSE (eV²), default 1 */
    double force_weight;          /* w_F on the force MSE ((eV/Å)²), default 0.1 */
    double dipole_weight;         /* w_μ on the dipole MSE ((e·Å)²); > 0 trains charge networks, default 0 */
    double val_frac, test_frac;   /* split by configuration, defaults 0.1, 0.1 */
    uint64_t seed;                /* split, initial weights, batches; default 1 */
    const char *teacher;          /* for the description, default "unknown" */
    const char *data_name;        /* for the description */
    uint32_t data_crc;            /* CRC-32 of the data file, for the description */
    const nnv_potential *init;    /* continue from these weights instead of random ones; NULL: random */
    const char *init_name;        /* its file name, for messages and the description */
    /* With init: take each element's symmetry functions and their shift and
     * scale from init (the inputs its weights were trained on) instead of
     * refitting them; gmin/gmax still come from this run's training frames.
     * Lets a potential be refined on more data without changing its inputs. */
    int keep_scaling;
    /* Frames [0, n_split) are split into training/validation/test; frames
     * [n_split, n) join the training set only, so the validation and test
     * sets are those of the first n_split frames alone. 0: every frame. */
    int n_split;
    const char *extra_name;       /* file of the training-only frames, for the description */
    uint32_t extra_crc;           /* its CRC-32 */
    /* Curvature supervision: w_H on the MSE of the Hessian-vector products
     * H v of the frames' curvature labels ((eV/Å²)², per component); 0 (the
     * default) ignores the labels. hvp_probes: at most this many probes of a
     * frame are used (default all, DS_MAX_HVP). */
    double hvp_weight;
    int hvp_probes;
    /* Committee member (train_committee): 0 for a single potential; m >= 1
     * keeps the split, symmetry functions and scaling (they depend on the seed
     * and the data only) and draws the initial weights and the batch order
     * from the seed mixed with m. bootstrap: member m also trains on a
     * resample (with replacement, seeded by m) of the training configurations. */
    int member;
    int bootstrap;
    /* Shallow ensemble (train_shallow): K >= 2 gives every element one
     * energy network with K outputs (shared hidden layers), trained in one
     * run; 0: one output. The loss is on the members' mean, plus after
     * nll_warmup epochs nll_weight times the Gaussian negative
     * log-likelihood of the mean's per-atom force error under the members'
     * spread, whose variance is floored by nll_floor² (nll_floor in eV/Å);
     * see tr_loss. Defaults 0, 1e-3, 10, 0.005. */
    int shallow;
    double nll_weight;
    int nll_warmup;
    double nll_floor;
} train_options;

void train_defaults(train_options *o);

/* Statistics of one epoch, passed to the progress callback. RMSEs in eV/atom,
 * eV/Å and e·Å; NAN where the set has no such label. */
typedef struct train_epoch {
    int epoch;
    double lr, train_loss, val_loss;
    double val_rmse_e, val_rmse_f, val_rmse_mu;
    double val_rmse_hv; /* eV/Å², per component of H v; NAN without curvature labels */
    double seconds; /* since the start of training */
    double conf_per_s; /* training configurations per second of this epoch's
                        * mini-batch steps (validation and setup excluded) */
    int best;       /* 1 when this epoch is the best so far on validation */
} train_epoch;

typedef void (*train_progress_fn)(void *ctx, const train_epoch *ep);

typedef struct train_report {
    int n_train, n_val, n_test;      /* configurations (n_train includes n_extra) */
    int n_extra;                     /* training-only frames (train_options.n_split) */
    int n_atoms_extra;               /* their atoms (included in n_atoms_total) */
    int n_atoms_total;
    int epochs, best_epoch;
    double seconds;
    double setup_seconds; /* SFs, Jacobians and initial weights, before epoch 1 */
    double step_seconds;  /* mini-batch steps of all epochs: n_train * epochs / this
                           * is the training speed in configurations per second */
    double rmse_e[3], rmse_f[3], rmse_mu[3]; /* train, val, test: eV/atom, eV/Å, e·Å */
    double rmse_hv[3];                       /* train, val, test: eV/Å² (NAN: no labels used) */
} train_report;

/* The split of n configurations by configuration: order[0..n) receives the
 * test indices, then the validation ones, then the training ones, and
 * *n_test, *n_val their counts (both 0 when they would leave no training
 * configuration). *state is the splitmix64 state, seeded with the seed and
 * advanced, so train_run's batches continue the same stream. */
void train_split(int n, double val_frac, double test_frac, uint64_t *state, int *order, int *n_val,
                 int *n_test);

/* Train per-element networks on `data` for the elements Z[0..n_el) (ascending),
 * with the SF preset `sfo`. The result carries the description (provenance and
 * test RMSEs). Frames with an element outside Z are rejected naming the frame. */
int train_run(nnv_potential **out, const ds_set *data, int n_el, const int *Z,
              const sfgen_options *sfo, const train_options *o, train_progress_fn progress,
              void *ctx, train_report *rep, nnv_error *err);

/* ---- evaluation (evaluate.c) ------------------------------------------------
 * Error sums of one group of configurations, predicted by nnv_compute (the
 * code nnvib itself runs, not the trainer's copy). */
typedef struct train_eval_group {
    char name[64];            /* "all", or the value of the grouping key ("" when absent) */
    int n_frames, n_atoms;
    int n_e, n_f, n_mu;       /* configurations with energies, force and dipole components */
    double sse_e;             /* Σ ((E - E_ref)/N)², eV² */
    double sse_f;             /* Σ |ΔF|² over components, (eV/Å)² */
    double sse_mu;            /* Σ |Δμ|² over components, (e·Å)² */
    double max_e, max_f;      /* largest |ΔE|/N (eV) and |ΔF| component (eV/Å) */
    int n_extrapolating;      /* configurations with a symmetry function outside [gmin, gmax] */
    /* The same sums over the configurations inside the training range only
     * (no extrapolation): the error where the potential interpolates. */
    int n_frames_in, n_e_in, n_f_in;
    double sse_e_in, sse_f_in;
    /* Curvature labels (frames with hvp columns): the analytic Hessian of p
     * times each probe against the teacher's product. */
    int n_hv;                 /* H v components */
    double sse_hv;            /* Σ |H v - (H v)_ref|², (eV/Å²)² */
    /* Committee potentials: the predicted per-atom force spread s_i
     * (nnv_result.force_std, calibrated) against the error e_i = |ΔF_i|/√3 (the
     * RMS over the atom's three components, the quantity s_i estimates). */
    int n_sigma;              /* atoms with a spread (0: not a committee) */
    double sum_z2;            /* Σ e_i²/s_i²: 1 per atom when the spread is calibrated */
    int n_within1, n_within2; /* atoms with e_i <= s_i, <= 2 s_i */
    double spearman;          /* rank correlation of s_i and e_i ("all" group only; NAN otherwise) */
} train_eval_group;

/* Evaluate p on the frames idx[0..n_idx) of data (every frame when idx is
 * NULL). (*out)[0] is the whole set; with key
 * (e.g. "T" or "molecule") one more group per distinct value of key= in the
 * frames' info, in order of first appearance. Dipoles count only when p has
 * charge networks. The caller frees *out. */
int train_evaluate(train_eval_group **out, int *n_out, const nnv_potential *p, const ds_set *data,
                   const int *idx, int n_idx, const char *key, double total_charge, nnv_error *err);

/* ---- committees (committee_train.c) -----------------------------------------
 * K full members trained one after another with train_run (o->member = 1..K,
 * everything else from o), assembled into one committee file (kind full), its
 * spread_scale calibrated on the validation configurations so that the
 * per-atom force spread matches the error there: s² = mean_i(e_i²/σ_i²) with
 * σ_i the raw spread (Kellner & Ceriotti, Mach. Learn.: Sci. Technol. 5,
 * 035006 (2024), the NLL-optimal scale). reps[0..K) receive each member's
 * report; progress gets member m's epochs with ctx (train_committee_epoch). */
typedef struct train_committee_progress {
    int member, n_members;
    train_progress_fn fn;
    void *ctx;
} train_committee_progress;

int train_committee(nnv_potential **out, const ds_set *data, int n_el, const int *Z, const sfgen_options *sfo,
                    const train_options *o, int n_members, train_committee_progress *progress,
                    train_report *reps, double *spread_scale, nnv_error *err);

/* A shallow ensemble of n_members trained in one run (train_run with
 * o->shallow = n_members: shared hidden layers, one output per member, the
 * NLL loss of tr_loss), written as a committee of kind shallow and
 * calibrated as train_committee's. No bootstrap, no curvature term. */
int train_shallow(nnv_potential **out, const ds_set *data, int n_el, const int *Z, const sfgen_options *sfo,
                  const train_options *o, int n_members, train_progress_fn progress, void *ctx, train_report *rep,
                  double *spread_scale, nnv_error *err);

/* The spread_scale that calibrates committee c's per-atom force spread on the
 * frames idx[0..n) of data (see train_committee). NNV_EINPUT when c is not a
 * committee or no atom has a positive spread. */
int train_spread_scale(const nnv_potential *c, const ds_set *data, const int *idx, int n, double *scale,
                       nnv_error *err);

/* ---- active learning: selection by committee disagreement (select.c) -------
 * A candidate's disagreement is the committee's calibrated spread there
 * (nnv_compute): sigma_f the largest per-atom force sigma (eV/Å), sigma_e the
 * energy sigma per atom (eV/atom). */
typedef struct al_score {
    double sigma_f, sigma_e; /* INFINITY both when the members overflowed (failed) */
    int extrapolating;       /* a symmetry function outside the training range */
    int failed;              /* nnv_compute said NNV_ENUMERIC */
} al_score;

/* scores[0..n_frames) of the candidates under committee p (a committee:
 * NNV_EINPUT otherwise; an error names the configuration). */
int al_score_frames(al_score *scores, const nnv_potential *p, const ds_set *cands, nnv_error *err);

typedef struct al_select_options {
    double threshold_f;   /* eligible when sigma_f > this (eV/Å), default 0.05 */
    double threshold_e;   /* or when sigma_e > this (eV/atom), default INFINITY (off) */
    int max_per_molecule; /* at most this many per group (0: none), default 20 */
    const char *key;      /* the comment key(s) that name the group, default "molecule"; several
                           * separated by commas ("molecule,T": a cap per molecule and temperature) */
} al_select_options;

void al_select_defaults(al_select_options *o);

/* One group's row of the selection table. Medians and maxima over all its
 * candidates (NAN when it has none). */
typedef struct al_group {
    char name[64]; /* the key's value ("" when absent) */
    int n_candidates, n_above, n_selected, n_extrapolating, n_failed;
    double median_f, max_f, median_e, max_e;
} al_group;

/* The selection: per group (order of first appearance in cands) the eligible
 * candidates ranked by sigma_f, then sigma_e, both descending, then by frame
 * index (ascending), the first max_per_molecule of them. A total order: the
 * same candidates and scores always give the same frames in the same order.
 * *selected (frame indices, groups one after another, each in rank order)
 * and *groups are the caller's to free; *all is the whole set as one row.
 * NNV_OK, NNV_EUSAGE (a negative
 * threshold or cap), NNV_EINPUT (a key value over 63 bytes), NNV_ENOMEM. */
int al_select(int **selected, int *n_selected, al_group **groups, int *n_groups, al_group *all,
              const ds_set *cands, const al_score *scores, const al_select_options *o, nnv_error *err);

/* Record sc in fr's info as sigma_f= and sigma_e= (replacing earlier ones). */
int al_tag_frame(ds_frame *fr, const al_score *sc, nnv_error *err);

/* nnvib-train --select (select_cmd.c, part of the program): read the
 * candidates and the committee, select, write out (atomically) and print the
 * per-molecule table and summary. Returns an exit status. */
typedef struct al_select_cli {
    const char *candidates, *committee, *output;
    al_select_options opt;
} al_select_cli;
int al_select_command(const al_select_cli *c);
/* ---- novelty statistics (novelty_train.c) ------------------------------------
 * The training frames of the split train_run makes with o's seed, val_frac,
 * test_frac and n_split (training part of the first n_split frames, then the
 * training-only frames): *idx malloc'd, *n_idx entries. */
int train_split_training(int **idx, int *n_idx, const ds_set *data, const train_options *o, nnv_error *err);

/* p's novelty block (nnv_novelty_fit, flag bit 2) from every atom of the
 * frames idx[0..n_idx) (all frames when idx is NULL) with the given ridge. */
int train_novelty(nnv_potential *p, const ds_set *data, const int *idx, int n_idx, double ridge, nnv_error *err);

/* ---- lower level, exposed for the unit tests -------------------------------
 * The problem (problem.c), its loss and gradient (backprop.c), its parameters
 * in and out (weights.c); their layout is in trainer_internal.h. */
typedef struct tr_problem tr_problem;

/* Precompute scaled SFs and their Jacobians for every frame of data, with the
 * SF scaling fitted on the frames listed in fit[0..n_fit) (all when fit is
 * NULL). pot must come from sfgen_make (its SF lists are compacted and scaled
 * in place); networks are created from o (architecture, activation). */
int tr_problem_new(tr_problem **out, nnv_potential *pot, const ds_set *data, const int *fit,
                   int n_fit, const train_options *o, nnv_error *err);
void tr_problem_free(tr_problem *pb);

/* Number of trainable parameters, and the current parameter vector (owned by pb). */
int tr_n_params(const tr_problem *pb);
double *tr_params(tr_problem *pb);

/* Random initial weights (seeded), E0 by least squares on the frames in fit. */
void tr_init(tr_problem *pb, uint64_t seed, const int *fit, int n_fit);

/* The loss terms: energy, forces, dipole, curvature (H v). */
#define TR_N_TERMS 4

/* Loss over frames idx[0..n) at the current parameters and, when grad is not
 * NULL, its exact gradient (n_params):
 *   L = w_E/n_E Σ ((E - E_ref)/N)² + w_F/n_F Σ |F - F_ref|² + w_μ/n_μ Σ |μ - μ_ref|²
 *       + w_H/n_H Σ_probes |H v - (H v)_ref|²
 * with n_E, n_F, n_μ, n_H the counts of tr_counts. A shallow ensemble
 * (train_options.shallow = K) puts the mean of its K members in E and F and
 * adds the NLL term of its per-atom force spread,
 *   w_N/n_F Σ_atoms [ |F̄_i - F_ref,i|²/s_i + 3 ln s_i ],
 *   s_i = Σ_k |F_k,i - F̄_i|² / (3 (K - 1)) + nll_floor²,
 * (docs/training.md). sse (optional, TR_N_TERMS
 * entries) receives the plain sums Σ((ΔE/N)²), Σ|ΔF|², Σ|Δμ|², Σ|Δ(H v)|²
 * for RMSEs. The same bits for any number of OpenMP threads (with a
 * single-threaded BLAS); not to be called from two threads at once on one pb
 * (its workspaces live in pb). Returns NNV_OK or NNV_ENOMEM. */
int tr_loss(tr_problem *pb, const int *idx, int n, double *loss, double *grad, double *sse);

/* The weight of the shallow ensemble's force NLL term in tr_loss (0 turns
 * it off: the warm-up); no effect on a problem with one output. */
void tr_set_nll_weight(tr_problem *pb, double w);

/* Counts for idx: configurations with energies, force components, dipole
 * components, H v components of the probes used. */
void tr_counts(const tr_problem *pb, const int *idx, int n, double cnt[TR_N_TERMS]);

/* The network's H v of probe p of frame f at the current parameters (3N,
 * eV/Å²), by the trainer's own code; NNV_EINPUT when the frame has no such
 * probe in use. */
int tr_predict_hv(tr_problem *pb, int f, int p, double *hv);

/* Copy the current parameters into the potential's networks and E0. */
int tr_export(tr_problem *pb);

/* Predicted energy (eV) and forces (3N, eV/Å; may be NULL) and dipole (e·Å;
 * may be NULL) of frame f at the current parameters, by the trainer's own code. */
int tr_predict(tr_problem *pb, int f, double *energy, double *forces, double *dipole);

#endif
