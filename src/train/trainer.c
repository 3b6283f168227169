/* trainer.c: fits the element networks of a Behler–Parrinello potential to
 * energies, forces and (optionally) dipoles: Adam on mini-batches, the
 * learning-rate schedules (plateau, exponential, cosine), early stopping on a
 * validation split, the RMSEs and the description written into the potential.
 * The loss and its gradient are in backprop.c. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trainer_internal.h"

/* ---- training loop ------------------------------------------------------------------- */

void train_defaults(train_options *o)
{
    memset(o, 0, sizeof *o);
    o->n_hidden = 2;
    o->hidden[0] = o->hidden[1] = 32;
    o->activation = NNV_ACT_TANH;
    o->act_param = 1.0;
    o->epochs = 1000;
    o->batch = 32;
    o->lr = 1e-3;
    o->lr_min = 1e-5;
    o->lr_decay = 0.5;
    o->lr_patience = 10;
    o->lr_schedule = TRAIN_LR_PLATEAU;
    o->patience = 40;
    o->energy_weight = 1.0;
    o->force_weight = 0.1;
    o->dipole_weight = 0.0;
    o->hvp_weight = 0.0;
    o->hvp_probes = DS_MAX_HVP;
    o->val_frac = 0.1;
    o->test_frac = 0.1;
    o->seed = 1;
    o->nll_weight = 1e-3;
    o->nll_warmup = 10;
    o->nll_floor = 0.005;
    o->teacher = "unknown";
    o->data_name = "(data)";
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void rmses(tr_problem *pb, const int *idx, int n, double *loss, double out[TR_N_TERMS])
{
    double sse[TR_N_TERMS], cnt[TR_N_TERMS];
    for (int q = 0; q < TR_N_TERMS; q++) out[q] = NAN;
    *loss = NAN;
    if (n == 0 || tr_loss(pb, idx, n, loss, NULL, sse) != NNV_OK) return;
    tr_counts(pb, idx, n, cnt);
    for (int q = 0; q < TR_N_TERMS; q++)
        if (cnt[q] > 0) out[q] = sqrt(sse[q] / cnt[q]);
}

static int describe(nnv_potential *p, const tr_problem *pb, const train_options *o, const sfgen_options *sfo,
                    const train_report *rep)
{
    char buf[4096], sched[96], *d;
    int n = 0;
    if (o->lr_schedule == TRAIN_LR_PLATEAU) snprintf(sched, sizeof sched, "plateau decay %.2f", o->lr_decay);
    else
        snprintf(sched, sizeof sched, "%s schedule to %.3g over %d epochs",
                 o->lr_schedule == TRAIN_LR_EXP ? "exponential" : "cosine", o->lr_min, o->epochs);
    n += snprintf(buf + n, sizeof buf - (size_t)n,
                  "nnvib-train Behler-Parrinello potential. Teacher: %s. Data set: %s (CRC-32 %08x, %d configurations, "
                  "%d atoms), split by configuration train/validation/test %d/%d/%d with seed %llu",
                  o->teacher, o->data_name, (unsigned)o->data_crc,
                  rep->n_train - rep->n_extra + rep->n_val + rep->n_test, rep->n_atoms_total - rep->n_atoms_extra,
                  rep->n_train - rep->n_extra, rep->n_val, rep->n_test, (unsigned long long)o->seed);
    if (rep->n_extra)
        n += snprintf(buf + n, sizeof buf - (size_t)n,
                      ", plus %d training-only configurations (%d atoms) from %.200s (CRC-32 %08x)", rep->n_extra,
                      rep->n_atoms_extra, o->extra_name ? o->extra_name : "another data set",
                      (unsigned)o->extra_crc);
    n += snprintf(buf + n, sizeof buf - (size_t)n, ". Elements:");
    for (int e = 0; e < pb->n_el && n < (int)sizeof buf - 64; e++)
        n += snprintf(buf + n, sizeof buf - (size_t)n, " %s (%d SFs)", nnv_element_symbol(p->elements[e].Z),
                      p->elements[e].n_sf);
    if (pb->K > 1)
        n += snprintf(buf + n, sizeof buf - (size_t)n,
                      ". Shallow ensemble of %d members: each element's energy network has %d outputs on shared "
                      "hidden layers; loss on the members' mean plus, after %d warm-up epochs, w_nll %.3g x the "
                      "Gaussian negative log-likelihood of the mean's per-atom force error under the members' spread "
                      "(variance floor (%.3g eV/A)^2)",
                      pb->K, pb->K, o->nll_warmup, o->nll_weight, o->nll_floor);
    if (o->member > 0)
        n += snprintf(buf + n, sizeof buf - (size_t)n,
                      ". Committee member %d: the split and scaling of the seed, its own initial weights and batch "
                      "order%s",
                      o->member, o->bootstrap ? ", a bootstrap resample of the training configurations" : "");
    if (o->init)
        n += snprintf(buf + n, sizeof buf - (size_t)n, ". Training continued from the weights of %.200s%s",
                      o->init_name ? o->init_name : "another potential",
                      o->keep_scaling ? ", keeping its symmetry functions' shift and scale" : "");
    n += snprintf(buf + n, sizeof buf - (size_t)n,
                  ". Symmetry functions: sfgen preset, %d radial per element (type 2) and type 9 angular with "
                  "%d eta, zeta 1,2,4, lambda +-1 per element pair, rc %.2f A, %s cutoff",
                  sfo->n_radial, sfo->n_ang_eta, sfo->rc,
                  sfo->cutoff == NNV_CUTOFF_COS ? "cos" : sfo->cutoff == NNV_CUTOFF_POLY2 ? "poly2" : "tanhu");
    if (sfo->n_ang_shells > 0)
        n += snprintf(buf + n, sizeof buf - (size_t)n, ", plus %d shifted angular shells per pair within %.2f A",
                      sfo->n_ang_shells, sfo->rc_ang > 0.0 ? sfo->rc_ang : sfo->rc);
    n += snprintf(buf + n, sizeof buf - (size_t)n,
                  "; constant ones dropped; shift = mean, scale = 1/std over the training set. Networks: hidden");
    for (int l = 0; l < o->n_hidden; l++) n += snprintf(buf + n, sizeof buf - (size_t)n, "%s%d", l ? "," : " ", o->hidden[l]);
    n += snprintf(buf + n, sizeof buf - (size_t)n,
                  ", activation %s, identity output; charge networks: %s. Loss: w_E %.3g x per-atom energy MSE + "
                  "w_F %.3g x force MSE + w_mu %.3g x dipole MSE; Adam lr %.3g, batch %d, %s; "
                  "epochs run %d, best (kept) %d, %.0f s. RMSE train/val/test: energy %.3f/%.3f/%.3f meV/atom, "
                  "forces %.1f/%.1f/%.1f meV/A",
                  nnv_activation_name(o->activation), pb->charges ? "yes" : "no", o->energy_weight, o->force_weight,
                  o->dipole_weight, o->lr, o->batch, sched, rep->epochs, rep->best_epoch, rep->seconds,
                  1e3 * rep->rmse_e[0], 1e3 * rep->rmse_e[1], 1e3 * rep->rmse_e[2], 1e3 * rep->rmse_f[0],
                  1e3 * rep->rmse_f[1], 1e3 * rep->rmse_f[2]);
    if (pb->charges)
        n += snprintf(buf + n, sizeof buf - (size_t)n, ", dipole %.4f/%.4f/%.4f e*A", rep->rmse_mu[0],
                      rep->rmse_mu[1], rep->rmse_mu[2]);
    if (o->hvp_weight > 0.0)
        n += snprintf(buf + n, sizeof buf - (size_t)n,
                      "; curvature: w_H %.3g x MSE of Hessian-vector products on the teacher's probes (at most %d "
                      "per configuration), H.v RMSE train/val/test %.3f/%.3f/%.3f eV/A^2",
                      o->hvp_weight, o->hvp_probes, rep->rmse_hv[0], rep->rmse_hv[1], rep->rmse_hv[2]);
    snprintf(buf + n, sizeof buf - (size_t)n, ".");
    if (!(d = malloc(strlen(buf) + 1))) return NNV_ENOMEM;
    strcpy(d, buf);
    free(p->description);
    p->description = d;
    return NNV_OK;
}

/* The annealed rate of epoch ep (1-based): lr at the first epoch, lr_min at
 * the last. A zero lr_min with EXP would never leave lr, so it anneals to
 * 1e-3 lr instead (documented with --lr-min). */
static double scheduled_lr(const train_options *o, int ep)
{
    double t = o->epochs > 1 ? (double)(ep - 1) / (o->epochs - 1) : 1.0;
    double lo = o->lr_min > 0.0 ? o->lr_min : 1e-3 * o->lr;
    if (lo > o->lr) lo = o->lr;
    if (o->lr_schedule == TRAIN_LR_EXP) return o->lr * pow(lo / o->lr, t);
    return lo + 0.5 * (o->lr - lo) * (1.0 + cos(3.14159265358979323846 * t));
}

int train_run(nnv_potential **out, const ds_set *data, int n_el, const int *Z, const sfgen_options *sfo,
              const train_options *o, train_progress_fn progress, void *ctx, train_report *rep, nnv_error *err)
{
    nnv_potential *pot = NULL;
    tr_problem *pb = NULL;
    int *order = NULL, *tr = NULL, *va = NULL, *te = NULL, n = data->n_frames, ntr, nva, nte, rc;
    /* Frames [ns, n) are training-only (train_options.n_split). */
    int ns = o->n_split > 0 && o->n_split < n ? o->n_split : n;
    int np, since_best = 0, since_decay = 0, has_mu = 0, has_ef = 0;
    double *grad = NULL, *m1 = NULL, *m2 = NULL, *best = NULL, lr = o->lr, best_val = INFINITY, t0 = now_seconds();
    double b1t = 1.0, b2t = 1.0;
    rng r = {o->seed};
    uint64_t init_seed = o->seed;
    int *boot = NULL; /* the member's bootstrap resample of tr (train_options.bootstrap) */

    *out = NULL;
    memset(rep, 0, sizeof *rep);
    if (n < 1) return nnv_error_set(err, NNV_EINPUT, "%s: no configurations", o->data_name);
    for (int f = 0; f < n; f++) {
        has_mu |= data->frames[f].has_dipole;
        has_ef |= data->frames[f].has_energy || data->frames[f].forces != NULL;
        rep->n_atoms_total += data->frames[f].n_atoms;
        if (f >= ns) rep->n_atoms_extra += data->frames[f].n_atoms;
    }
    if (!has_ef)
        return nnv_error_set(err, NNV_EINPUT, "%s: no configuration has an energy= or a forces column",
                             o->data_name);
    if (o->dipole_weight > 0.0 && !has_mu)
        return nnv_error_set(err, NNV_EINPUT, "%s: dipole weight > 0 but no configuration has a dipole", o->data_name);
    if (o->shallow && (o->shallow < NNV_COMMITTEE_MIN || o->shallow > NNV_COMMITTEE_MAX))
        return nnv_error_set(err, NNV_EUSAGE, "a shallow ensemble has %d to %d members, not %d", NNV_COMMITTEE_MIN,
                             NNV_COMMITTEE_MAX, o->shallow);
    /* Its members share one run's data: a resample per member cannot be had. */
    if (o->shallow && o->bootstrap)
        return nnv_error_set(err, NNV_EUSAGE, "a shallow ensemble trains all members on the same configurations "
                             "(no bootstrap)");
    if (o->shallow && !(o->nll_weight >= 0.0 && o->nll_floor > 0.0 && o->nll_warmup >= 0))
        return nnv_error_set(err, NNV_EUSAGE, "shallow ensemble: NLL weight %g, floor %g, warm-up %d: need weight "
                             ">= 0, floor > 0, warm-up >= 0", o->nll_weight, o->nll_floor, o->nll_warmup);

    /* Split by configuration, fixed seed. */
    order = malloc((size_t)n * sizeof *order);
    if (!order) return nnv_error_set(err, NNV_ENOMEM, "out of memory");
    train_split(ns, o->val_frac, o->test_frac, &r.s, order, &nva, &nte);
    /* Training-only frames extend the training part, after the split. */
    for (int f = ns; f < n; f++) order[f] = f;
    rep->n_extra = n - ns;
    ntr = n - nte - nva;
    te = order;
    va = order + nte;
    tr = order + nte + nva;
    rep->n_train = ntr, rep->n_val = nva, rep->n_test = nte;

    if ((rc = sfgen_make(&pot, n_el, Z, sfo, err)) != NNV_OK) goto cleanup;
    if ((rc = tr_problem_new(&pb, pot, data, tr, ntr, o, err)) != NNV_OK) goto cleanup;
    /* A committee member keeps the split and the scaling (fitted on tr above)
     * and takes its own stream for the weights, the batches and a bootstrap. */
    if (o->member > 0) {
        uint64_t ms = o->seed ^ ((uint64_t)0x9e3779b97f4a7c15u * (uint64_t)o->member);
        r.s = rng_splitmix64(&ms);
        init_seed = r.s;
        if (o->bootstrap) {
            if (!(boot = malloc((size_t)(ntr > 0 ? ntr : 1) * sizeof *boot))) {
                rc = nnv_error_set(err, NNV_ENOMEM, "out of memory");
                goto cleanup;
            }
            for (int k = 0; k < ntr; k++) boot[k] = tr[rng_next(&r) % (uint64_t)ntr];
        }
    }
    /* --init supplies every weight and E0, so the random start is skipped. */
    if (o->init) {
        if ((rc = tr_load_init(pb, o, err)) != NNV_OK) goto cleanup;
    } else {
        tr_init(pb, init_seed, tr, ntr);
    }
    np = pb->n_params;
    grad = calloc((size_t)np, sizeof *grad);
    m1 = calloc((size_t)np, sizeof *m1);
    m2 = calloc((size_t)np, sizeof *m2);
    best = malloc((size_t)np * sizeof *best);
    if (!grad || !m1 || !m2 || !best) {
        rc = nnv_error_set(err, NNV_ENOMEM, "out of memory for %d parameters", np);
        goto cleanup;
    }
    memcpy(best, pb->theta, (size_t)np * sizeof *best);
    rep->setup_seconds = now_seconds() - t0;

    for (int ep = 1; ep <= o->epochs; ep++) {
        double tl = 0.0, vl, vr[TR_N_TERMS], ts;
        int nb = 0;
        train_epoch info;
        int *fit = boot ? boot : tr;
        if (o->lr_schedule != TRAIN_LR_PLATEAU) lr = scheduled_lr(o, ep);
        /* The NLL term starts after the warm-up; the validation loss means
         * something else from then on, so the best epoch is sought anew. */
        if (pb->K > 1 && ep == o->nll_warmup + 1 && o->nll_weight > 0.0) {
            tr_set_nll_weight(pb, o->nll_weight);
            best_val = INFINITY;
            since_best = since_decay = 0;
        }
        shuffle(fit, ntr, &r);
        ts = now_seconds();
        for (int b0 = 0; b0 < ntr; b0 += o->batch) {
            int bn = ntr - b0 < o->batch ? ntr - b0 : o->batch;
            double l;
            if (tr_loss(pb, fit + b0, bn, &l, grad, NULL) != NNV_OK) {
                rc = nnv_error_set(err, NNV_ENOMEM, "out of memory in a training step");
                goto cleanup;
            }
            if (!isfinite(l)) {
                rc = nnv_error_set(err, NNV_ENUMERIC, "epoch %d: the loss is not finite (learning rate too large?)", ep);
                goto cleanup;
            }
            tl += l;
            nb++;
            opt_adam_step(np, pb->theta, grad, m1, m2, lr, &b1t, &b2t);
        }
        ts = now_seconds() - ts;
        rep->step_seconds += ts;
        if (nva > 0) rmses(pb, va, nva, &vl, vr);
        else rmses(pb, tr, ntr, &vl, vr);
        memset(&info, 0, sizeof info);
        info.epoch = ep;
        info.lr = lr;
        info.train_loss = tl / (nb ? nb : 1);
        info.val_loss = vl;
        info.conf_per_s = ts > 0.0 ? ntr / ts : 0.0;
        info.val_rmse_e = vr[0], info.val_rmse_f = vr[1], info.val_rmse_mu = vr[2], info.val_rmse_hv = vr[3];
        rep->epochs = ep;
        if (vl < best_val) {
            best_val = vl;
            rep->best_epoch = ep;
            memcpy(best, pb->theta, (size_t)np * sizeof *best);
            since_best = since_decay = 0;
            info.best = 1;
        } else {
            since_best++;
            if (o->lr_schedule == TRAIN_LR_PLATEAU && ++since_decay >= o->lr_patience) {
                lr *= o->lr_decay;
                since_decay = 0;
            }
        }
        info.seconds = now_seconds() - t0;
        if (progress) progress(ctx, &info);
        if (since_best >= o->patience || (o->lr_schedule == TRAIN_LR_PLATEAU && lr < o->lr_min)) break;
    }
    memcpy(pb->theta, best, (size_t)np * sizeof *best);
    {
        const int *sets[3] = {tr, va, te};
        int counts[3] = {ntr, nva, nte};
        for (int k = 0; k < 3; k++) {
            double l, v[TR_N_TERMS];
            rmses(pb, sets[k], counts[k], &l, v);
            rep->rmse_e[k] = v[0], rep->rmse_f[k] = v[1], rep->rmse_mu[k] = v[2], rep->rmse_hv[k] = v[3];
        }
    }
    rep->seconds = now_seconds() - t0;
    if (tr_export(pb) != NNV_OK || describe(pot, pb, o, sfo, rep) != NNV_OK) {
        rc = nnv_error_set(err, NNV_ENOMEM, "out of memory");
        goto cleanup;
    }
    /* A shallow ensemble is a committee file; train_shallow calibrates it. */
    if (pb->K > 1) {
        pot->flags |= NNV_FLAG_COMMITTEE;
        pot->n_members = pb->K;
        pot->committee_kind = NNV_COMMITTEE_SHALLOW;
        pot->spread_scale = 1.0;
    }
    *out = pot;
    pot = NULL;
cleanup:
    tr_problem_free(pb);
    nnv_potential_free(pot);
    FREE_ALL(order, grad, m1, m2, best, boot);
    return rc;
}
