/* Unit tests of active learning's selection (src/train/select.c) and the
 * unlabelled path of the data-set reader: the disagreement of a tiny committee
 * against its members evaluated one by one, the candidates with the largest
 * spread chosen, per-molecule caps, thresholds, ties and determinism, and
 * training data that refuses an unlabelled frame naming the file and frame. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "train/train.h"

/* ---- hand-made scores ------------------------------------------------------ */

/* A candidate set of n one-atom frames, frame f in molecule mol[f] (NULL: no
 * molecule key). */
static void make_cands(ds_set *s, int n, const char *const *mol)
{
    memset(s, 0, sizeof *s);
    for (int f = 0; f < n; f++) {
        int Z = 1;
        double x[3] = {0.1 * f, 0, 0};
        char info[64] = "";
        ds_frame fr = {1, &Z, x, NULL, 0, 0.0, 0, {0, 0, 0}, info, 0, NULL, NULL};
        nnv_error err;
        if (mol[f]) snprintf(info, sizeof info, "molecule=%s T=300 config=%d unlabelled=T", mol[f], f);
        ck_assert_int_eq(ds_append(s, &fr, &err), NNV_OK);
    }
}

static void select_ok(const ds_set *c, const al_score *sc, const al_select_options *o, int *sel_out, int *n_out,
                      al_group *g_out, int *ng_out, al_group *all)
{
    int *sel = NULL, ns = 0, ng = 0;
    al_group *g = NULL;
    nnv_error err;
    ck_assert_msg(al_select(&sel, &ns, &g, &ng, all, c, sc, o, &err) == NNV_OK, "%s", err.message);
    memcpy(sel_out, sel, (size_t)ns * sizeof *sel);
    if (g_out) memcpy(g_out, g, (size_t)ng * sizeof *g);
    *n_out = ns;
    if (ng_out) *ng_out = ng;
    free(sel);
    free(g);
}

START_TEST(test_select_rank_cap_threshold)
{
    static const char *const mol[10] = {"a", "b", "a", "a", "b", "a", "b", "a", "a", "b"};
    /* sigma_f (eV/Å) per frame; a's ranking: 8 (0.9), 3 (0.5), 0 (0.3), 7 (0.2), 2, 5 (under) */
    static const double f[10] = {0.3, 0.04, 0.01, 0.5, 0.2, 0.049, 0.06, 0.2, 0.9, 0.05};
    ds_set c;
    al_score sc[10];
    al_select_options o;
    al_group g[4], all;
    int sel[10], ns, ng;
    make_cands(&c, 10, mol);
    for (int k = 0; k < 10; k++) sc[k] = (al_score){f[k], 1e-3, k == 8, 0};
    al_select_defaults(&o);
    ck_assert(tu_close(o.threshold_f, 0.05, 0, 0));
    o.max_per_molecule = 3;
    select_ok(&c, sc, &o, sel, &ns, g, &ng, &all);
    /* Groups in order of appearance; a: the three largest; b: 0.2 and 0.06
     * only (0.05 is not above 0.05, 0.04 under). */
    ck_assert_int_eq(ng, 2);
    ck_assert_str_eq(g[0].name, "a");
    ck_assert_str_eq(g[1].name, "b");
    ck_assert_int_eq(ns, 5);
    ck_assert_int_eq(sel[0], 8);
    ck_assert_int_eq(sel[1], 3);
    ck_assert_int_eq(sel[2], 0);
    ck_assert_int_eq(sel[3], 4);
    ck_assert_int_eq(sel[4], 6);
    ck_assert_int_eq(g[0].n_candidates, 6);
    ck_assert_int_eq(g[0].n_above, 4);
    ck_assert_int_eq(g[0].n_selected, 3);
    ck_assert_int_eq(g[0].n_extrapolating, 1);
    ck_assert_int_eq(g[1].n_above, 2);
    ck_assert_int_eq(g[1].n_selected, 2);
    /* a: 0.01 0.049 0.2 0.3 0.5 0.9 -> median 0.25; b: 0.04 0.05 0.06 0.2 -> 0.055 */
    ck_assert(tu_close(g[0].median_f, 0.25, 1e-15, 0));
    ck_assert(tu_close(g[0].max_f, 0.9, 0, 0));
    ck_assert(tu_close(g[1].median_f, 0.055, 1e-15, 0));
    ck_assert_int_eq(all.n_candidates, 10);
    ck_assert_int_eq(all.n_above, 6);
    ck_assert_int_eq(all.n_selected, 5);
    /* all 10: sorted 0.01 0.04 0.049 0.05 0.06 0.2 0.2 0.3 0.5 0.9 -> 0.13 */
    ck_assert(tu_close(all.median_f, 0.13, 1e-15, 0));
    /* A cap of 0 selects nothing but still counts. */
    o.max_per_molecule = 0;
    select_ok(&c, sc, &o, sel, &ns, g, &ng, &all);
    ck_assert_int_eq(ns, 0);
    ck_assert_int_eq(all.n_above, 6);
    /* A higher threshold: only 0.9 and 0.5 (a) and none in b. */
    o.max_per_molecule = 20;
    o.threshold_f = 0.3;
    select_ok(&c, sc, &o, sel, &ns, g, &ng, &all);
    ck_assert_int_eq(ns, 2);
    ck_assert_int_eq(sel[0], 8);
    ck_assert_int_eq(sel[1], 3);
    /* The energy threshold adds frame 1 (b, sigma_f 0.04) by its energy spread. */
    sc[1].sigma_e = 0.01;
    o.threshold_e = 0.005;
    select_ok(&c, sc, &o, sel, &ns, g, &ng, &all);
    ck_assert_int_eq(ns, 3);
    ck_assert_int_eq(sel[2], 1);
    ds_free(&c);
}
END_TEST

START_TEST(test_select_ties_and_determinism)
{
    static const char *const mol[6] = {"m", "m", "m", "m", NULL, NULL};
    ds_set c;
    al_score sc[6];
    al_select_options o;
    al_group g[4], all;
    int sel[6], sel2[6], ns, ns2, ng;
    make_cands(&c, 6, mol);
    /* Equal force spreads: the larger energy spread first, then the earlier frame. */
    sc[0] = (al_score){0.2, 0.001, 0, 0};
    sc[1] = (al_score){0.2, 0.003, 0, 0};
    sc[2] = (al_score){0.2, 0.001, 0, 0};
    sc[3] = (al_score){INFINITY, INFINITY, 0, 1}; /* an overflowing committee ranks first */
    sc[4] = (al_score){0.1, 0.0, 0, 0};
    sc[5] = (al_score){0.3, 0.0, 0, 0};
    al_select_defaults(&o);
    o.max_per_molecule = 3;
    select_ok(&c, sc, &o, sel, &ns, g, &ng, &all);
    ck_assert_int_eq(ng, 2);
    ck_assert_str_eq(g[1].name, ""); /* frames without the key form their own group */
    ck_assert_int_eq(ns, 5);
    ck_assert_int_eq(sel[0], 3);
    ck_assert_int_eq(sel[1], 1);
    ck_assert_int_eq(sel[2], 0);
    ck_assert_int_eq(sel[3], 5);
    ck_assert_int_eq(sel[4], 4);
    ck_assert_int_eq(g[0].n_failed, 1);
    /* The same input gives the same output, every time. */
    for (int rep = 0; rep < 3; rep++) {
        select_ok(&c, sc, &o, sel2, &ns2, NULL, NULL, &all);
        ck_assert_int_eq(ns2, ns);
        ck_assert_mem_eq(sel2, sel, (size_t)ns * sizeof *sel);
    }
    /* Grouping by another key: T (all frames with one value, two without). */
    o.key = "T";
    select_ok(&c, sc, &o, sel, &ns, g, &ng, &all);
    ck_assert_int_eq(ng, 2);
    ck_assert_str_eq(g[0].name, "300");
    /* Two keys: a cap per molecule and temperature. */
    o.key = "molecule,T";
    select_ok(&c, sc, &o, sel, &ns, g, &ng, &all);
    ck_assert_int_eq(ng, 2);
    ck_assert_str_eq(g[0].name, "m,300");
    ck_assert_str_eq(g[1].name, ",");
    ck_assert_int_eq(g[0].n_candidates, 4);
    ck_assert_int_eq(ns, 5);
    /* Bad options. */
    {
        int *s = NULL, n = 0, ngr = 0;
        al_group *gr = NULL;
        nnv_error err;
        o.threshold_f = -1.0;
        ck_assert_int_eq(al_select(&s, &n, &gr, &ngr, &all, &c, sc, &o, &err), NNV_EUSAGE);
        ck_assert_ptr_null(s);
    }
    ds_free(&c);
}
END_TEST

START_TEST(test_select_tag)
{
    static const char *const mol[1] = {"w"};
    ds_set c;
    nnv_error err;
    make_cands(&c, 1, mol);
    ck_assert_int_eq(al_tag_frame(&c.frames[0], &(al_score){0.125, 0.0025, 0, 0}, &err), NNV_OK);
    ck_assert_str_eq(c.frames[0].info, "molecule=w T=300 config=0 unlabelled=T sigma_f=0.125 sigma_e=0.0025");
    /* Tagged again (a candidate selected in a later round): one score, the new one. */
    ck_assert_int_eq(al_tag_frame(&c.frames[0], &(al_score){0.5, 0.01, 0, 0}, &err), NNV_OK);
    ck_assert_str_eq(c.frames[0].info, "molecule=w T=300 config=0 unlabelled=T sigma_f=0.5 sigma_e=0.01");
    ds_free(&c);
}
END_TEST

/* ---- a tiny committee ------------------------------------------------------- */

/* A seeded generator (xorshift64*), uniform in [-1, 1). */
static double rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return (double)((*s * 2685821657736338717ull) >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

/* Four members: the small C/H test potential without charges, members 2-4
 * with every weight scaled by 1 + 0.05 u. */
static nnv_potential *tiny_committee(double scale)
{
    nnv_potential *mb[4], *c = NULL, *base = tu_potential("test-CH-softplus-random.bin");
    nnv_error err;
    uint64_t seed = 0x5eed;
    base->flags &= ~NNV_FLAG_CHARGES;
    for (int e = 0; e < base->n_elements; e++) potential_network_free(&base->elements[e].charge);
    for (int m = 0; m < 4; m++) {
        ck_assert_int_eq(nnv_potential_copy(&mb[m], base, &err), NNV_OK);
        for (int e = 0; m > 0 && e < mb[m]->n_elements; e++) {
            nnv_network *net = &mb[m]->elements[e].energy;
            for (int l = 0; l < net->n_layers; l++) {
                nnv_layer *L = &net->layers[l];
                for (size_t k = 0; k < (size_t)L->n_in * (size_t)L->n_out; k++) L->W[k] *= 1.0 + 0.05 * rnd(&seed);
                for (int q = 0; q < L->n_out; q++) L->b[q] *= 1.0 + 0.05 * rnd(&seed);
            }
        }
    }
    ck_assert_int_eq(nnv_committee_build(&c, (const nnv_potential *const *)mb, 4, NNV_COMMITTEE_FULL, scale, &err),
                     NNV_OK);
    for (int m = 0; m < 4; m++) nnv_potential_free(mb[m]);
    nnv_potential_free(base);
    return c;
}

/* The disagreement of frame fr computed from the members one by one: the
 * largest per-atom RMS (over components) of the force deviations, and the
 * energy's sample standard deviation per atom, both times the scale. */
static void by_members(const nnv_potential *c, const ds_frame *fr, double *sf, double *se)
{
    int n3 = 3 * fr->n_atoms, K = c->n_members;
    double *F = calloc((size_t)(K * n3), sizeof *F), E[8], Em = 0.0;
    nnv_structure *s = NULL;
    nnv_error err;
    ck_assert_ptr_nonnull(F);
    ck_assert_int_eq(nnv_structure_new(&s, fr->n_atoms, fr->Z, fr->xyz, &err), NNV_OK);
    for (int m = 0; m < K; m++) {
        nnv_potential *p = NULL;
        nnv_result *r = NULL;
        ck_assert_int_eq(nnv_committee_member(&p, c, m, &err), NNV_OK);
        ck_assert_int_eq(nnv_compute(&r, p, s, &(nnv_compute_options){NNV_WANT_FORCES, 0, 0}, &err), NNV_OK);
        E[m] = r->energy;
        Em += r->energy / K;
        memcpy(F + (size_t)m * (size_t)n3, r->forces, (size_t)n3 * sizeof *F);
        nnv_result_free(r);
        nnv_potential_free(p);
    }
    *sf = 0.0;
    for (int i = 0; i < fr->n_atoms; i++) {
        double ss = 0.0;
        for (int a = 0; a < 3; a++) {
            double mean = 0.0;
            for (int m = 0; m < K; m++) mean += F[m * n3 + 3 * i + a] / K;
            for (int m = 0; m < K; m++) ss += pow(F[m * n3 + 3 * i + a] - mean, 2);
        }
        ss = c->spread_scale * sqrt(ss / (3.0 * (K - 1)));
        if (ss > *sf) *sf = ss;
    }
    *se = 0.0;
    for (int m = 0; m < K; m++) *se += (E[m] - Em) * (E[m] - Em);
    *se = c->spread_scale * sqrt(*se / (K - 1)) / fr->n_atoms;
    nnv_structure_free(s);
    free(F);
}

START_TEST(test_select_committee)
{
    /* Methane distorted by growing random displacements (7 frames, two
     * "molecules"): the committee's members agree near the data and part
     * further out, and whichever frames spread most must be the ones chosen. */
    static const double ch4[15] = {0, 0, 0, 0.629, 0.629, 0.629, -0.629, -0.629, 0.629, -0.629, 0.629, -0.629,
                                   0.629, -0.629, -0.629};
    static const int Z[5] = {6, 1, 1, 1, 1};
    nnv_potential *c = tiny_committee(1.7);
    ds_set cands = {0, 0, NULL};
    al_score sc[7];
    al_select_options o;
    al_group g[2], all;
    nnv_error err;
    uint64_t seed = 7;
    int sel[7], ns, ng;
    double ref_f[7], ref_e[7];
    for (int f = 0; f < 7; f++) {
        double x[15];
        char info[64];
        ds_frame fr = {5, (int *)Z, x, NULL, 0, 0.0, 0, {0, 0, 0}, info, 0, NULL, NULL};
        for (int k = 0; k < 15; k++) x[k] = ch4[k] + 0.05 * (f + 1) * rnd(&seed);
        snprintf(info, sizeof info, "molecule=%s config=%d", f % 2 ? "odd" : "even", f);
        ck_assert_int_eq(ds_append(&cands, &fr, &err), NNV_OK);
    }
    ck_assert_msg(al_score_frames(sc, c, &cands, &err) == NNV_OK, "%s", err.message);
    for (int f = 0; f < 7; f++) {
        by_members(c, &cands.frames[f], &ref_f[f], &ref_e[f]);
        ck_assert_msg(tu_close(sc[f].sigma_f, ref_f[f], 1e-12, 1e-9), "frame %d: sigma_f %.15g, by members %.15g", f,
                      sc[f].sigma_f, ref_f[f]);
        ck_assert_msg(tu_close(sc[f].sigma_e, ref_e[f], 1e-12, 1e-9), "frame %d: sigma_e %.15g, by members %.15g", f,
                      sc[f].sigma_e, ref_e[f]);
        ck_assert(sc[f].sigma_f > 0.0);
    }
    /* Top 2 of each molecule by the members' own spreads. */
    al_select_defaults(&o);
    o.threshold_f = 0.0;
    o.max_per_molecule = 2;
    select_ok(&cands, sc, &o, sel, &ns, g, &ng, &all);
    ck_assert_int_eq(ns, 4);
    for (int q = 0; q < 2; q++) {
        /* Group q's frames: q = 0 even, 1 odd; its two largest by reference. */
        int best = -1, second = -1;
        for (int f = q; f < 7; f += 2) {
            if (best < 0 || ref_f[f] > ref_f[best]) second = best, best = f;
            else if (second < 0 || ref_f[f] > ref_f[second]) second = f;
        }
        ck_assert_int_eq(sel[2 * q], best);
        ck_assert_int_eq(sel[2 * q + 1], second);
    }
    /* A single potential has no disagreement to offer. */
    {
        nnv_potential *one = tu_potential("test-CH-softplus-random.bin");
        ck_assert_int_eq(al_score_frames(sc, one, &cands, &err), NNV_EINPUT);
        ck_assert_ptr_nonnull(strstr(err.message, "not a committee"));
        nnv_potential_free(one);
    }
    ds_free(&cands);
    nnv_potential_free(c);
}
END_TEST

/* ---- the reader's unlabelled path ---------------------------------------------- */

START_TEST(test_unlabelled_reader)
{
    char dir[] = "/tmp/nnvib-test-select-XXXXXX", path[128];
    ds_set s;
    nnv_error err;
    /* Frame 2 (line 4) is an unlabelled candidate; frame 3 has a dipole only. */
    static const char text[] =
        "1\nProperties=species:S:1:pos:R:3:forces:R:3 energy=-1.5 molecule=h\nH 0 0 0 0.1 0 0\n"
        "2\nProperties=species:S:1:pos:R:3 pbc=\"F F F\" molecule=h2 T=300 config=4 seed=3 unlabelled=T\n"
        "H 0 0 0\nH 0.74 0 0\n"
        "1\ndipole=\"0 0 0.1\" molecule=h\nH 0 0 0\n";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/cands.extxyz", dir);
    tu_write_text(path, text);
    ck_assert_int_eq(ds_read(&s, path, NULL, &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "cands.extxyz: line 4: frame 2: no label") != NULL, "%s", err.message);
    ck_assert_ptr_nonnull(strstr(err.message, "nnvib-sample --label"));
    ck_assert_int_eq(s.n_frames, 0);
    ck_assert_msg(ds_read_candidates(&s, path, NULL, &err) == NNV_OK, "%s", err.message);
    ck_assert_int_eq(s.n_frames, 3);
    ck_assert_int_eq(ds_frame_unlabelled(&s.frames[0]), 0);
    ck_assert_int_eq(ds_frame_unlabelled(&s.frames[1]), 1);
    ck_assert_int_eq(ds_frame_unlabelled(&s.frames[2]), 0);
    ck_assert_str_eq(s.frames[1].info, "molecule=h2 T=300 config=4 seed=3 unlabelled=T");
    ds_free(&s);
    unlink(path);
    rmdir(dir);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("select");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_select_rank_cap_threshold);
    tcase_add_test(tc, test_select_ties_and_determinism);
    tcase_add_test(tc, test_select_tag);
    tcase_add_test(tc, test_select_committee);
    tcase_add_test(tc, test_unlabelled_reader);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return tu_run(suite()); }
