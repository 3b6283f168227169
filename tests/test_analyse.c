/* Unit tests of the analysis pipeline (analyse.c) on the shipped tanh
 * potential: nnv_analyse against its steps taken one by one, its defaults,
 * the finite-difference Hessian mode, its warnings and its refusals. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

/* ---- the analysis pipeline ----------------------------------------------------- */

#define SAME(a, b, n) (memcmp((a), (b), (size_t)(n) * sizeof *(a)) == 0)

/* The pipeline's tests run on the shipped tanh potential (a checked fixture). */
static nnv_potential *tanh_pot;
static void pipeline_setup(void) { tanh_pot = tu_potential("hcno-tanh.bin"); }
static void pipeline_teardown(void)
{
    nnv_potential_free(tanh_pot);
    tanh_pot = NULL;
}

/* nnv_analyse gives, to the bit, what its steps give one by one (as nnvib,
 * nnvib batch and nnv_compare_potential took them before it existed): with
 * and without optimisation, with and without charge networks. */
START_TEST(test_analyse_equals_steps)
{
    static const struct { const char *pot, *mol; int opt; } cases[2] = {
        {"hcno-tanh.bin", "methanol.xyz", 1}, {"test-CH-softplus-random.bin", "methane.xyz", 0}};
    for (int c = 0; c < 2; c++) {
        nnv_potential *p = tu_potential(cases[c].pot);
        nnv_structure *s = tu_molecule(cases[c].mol), *t = NULL;
        nnv_analysis_options ao;
        nnv_analysis *a = NULL;
        nnv_comparison *cmp = NULL;
        nnv_opt_options oo = {0, 0, 0};
        nnv_opt_report rep = {0, 0, 0, 0, 0};
        nnv_result *r = NULL;
        nnv_vib *v = NULL;
        nnv_error err;
        int charges, n3 = 3 * s->n_atoms;
        unsigned want;
        double max_f = 0;
        double *x0 = malloc((size_t)n3 * sizeof *x0);
        memcpy(x0, s->xyz, (size_t)n3 * sizeof *x0);
        /* The first case without its charge networks. */
        if (c == 0) p->flags &= ~NNV_FLAG_CHARGES;
        charges = (p->flags & NNV_FLAG_CHARGES) != 0;
        ck_assert_int_eq(charges, c == 1);
        want = NNV_WANT_FORCES | NNV_WANT_HESSIAN | (charges ? NNV_WANT_CHARGES | NNV_WANT_DIPOLE_DERIV : 0u);

        ck_assert_int_eq(nnv_structure_copy(&t, s, &err), NNV_OK);
        if (cases[c].opt) ck_assert_int_eq(nnv_optimize(t, p, &oo, &rep, &err), NNV_OK);
        ck_assert_int_eq(nnv_compute(&r, p, t, TU_WANT(want), &err), NNV_OK);
        ck_assert_int_eq(nnv_vib_analyse(&v, t->n_atoms, t->xyz, t->masses, r->hessian, r->dipole_deriv,
                                         NNV_LINEAR_AUTO, &err), NNV_OK);
        for (int k = 0; k < n3; k++) max_f = fmax(max_f, fabs(r->forces[k]));

        memset(&ao, 0, sizeof ao);
        ao.optimize = cases[c].opt;
        ck_assert_msg(nnv_analyse(&a, p, s, &ao, &err) == NNV_OK, "%s", err.message);
        ck_assert(SAME(s->xyz, x0, n3)); /* the input is left as it was */
        ck_assert(SAME(a->s->xyz, t->xyz, n3));
        ck_assert_int_eq(a->optimized, cases[c].opt);
        ck_assert(a->opt.steps == rep.steps && a->opt.converged == rep.converged && a->opt.energy == rep.energy);
        ck_assert(a->r->energy == r->energy && SAME(a->r->forces, r->forces, n3));
        ck_assert(SAME(a->r->hessian, r->hessian, n3 * n3) && a->hessian == a->r->hessian);
        ck_assert_ptr_null(a->hessian_fd);
        ck_assert_int_eq(a->has_fd_check, 0);
        ck_assert(a->max_force == max_f);
        ck_assert_int_eq(a->smoothness, nnv_potential_smoothness(p));
        ck_assert_int_eq(a->v->n_modes, v->n_modes);
        ck_assert(SAME(a->v->frequencies, v->frequencies, v->n_modes) && SAME(a->v->modes, v->modes, v->n_modes * n3));
        if (charges) {
            ck_assert(SAME(a->r->dipole_deriv, r->dipole_deriv, 3 * n3));
            ck_assert(SAME(a->v->ir_intensities, v->ir_intensities, v->n_modes));
        } else {
            ck_assert_ptr_null(a->v->ir_intensities);
        }
        /* The comparison pipeline is the same analysis. */
        ck_assert_int_eq(nnv_compare_potential(&cmp, s, p, NULL, NULL, &ao, &err), NNV_OK);
        ck_assert(cmp->optimized == a->optimized && cmp->max_force == a->max_force);
        ck_assert(SAME(cmp->s->xyz, a->s->xyz, n3) && cmp->r->energy == a->r->energy);
        ck_assert(SAME(cmp->v->frequencies, a->v->frequencies, v->n_modes));
        nnv_comparison_free(cmp);
        nnv_analysis_free(a);
        nnv_vib_free(v);
        nnv_result_free(r);
        nnv_structure_free(t);
        nnv_structure_free(s);
        nnv_potential_free(p);
        free(x0);
    }
}
END_TEST

/* Zero-initialised options, NULL options and the defaults spelt out agree. */
START_TEST(test_analyse_zero_options_are_defaults)
{
    const nnv_potential *p = tanh_pot;
    nnv_structure *s = tu_molecule("water.xyz");
    nnv_analysis_options zero, spelt;
    nnv_analysis *a[4] = {NULL, NULL, NULL, NULL};
    nnv_error err;
    memset(&zero, 0, sizeof zero);
    spelt = zero;
    spelt.linear = NNV_LINEAR_AUTO;
    spelt.hessian = NNV_HESSIAN_ANALYTIC;
    spelt.fd_step = NNV_FD_STEP_DEFAULT;
    spelt.max_hessian_mb = 2048;
    ck_assert_int_eq(nnv_analyse(&a[0], p, s, NULL, &err), NNV_OK);
    ck_assert_int_eq(nnv_analyse(&a[1], p, s, &zero, &err), NNV_OK);
    ck_assert_int_eq(nnv_analyse(&a[2], p, s, &spelt, &err), NNV_OK);
    for (int k = 1; k < 3; k++) {
        ck_assert(a[k]->optimized == 0 && a[k]->v->n_modes == a[0]->v->n_modes);
        ck_assert(SAME(a[k]->v->frequencies, a[0]->v->frequencies, a[0]->v->n_modes));
        nnv_analysis_free(a[k]);
        a[k] = NULL;
    }
    /* The optimiser's zeros and its documented defaults; the step's zero and 1e-3 A. */
    zero.optimize = spelt.optimize = 1;
    zero.fd_check = spelt.fd_check = 1;
    spelt.opt.max_steps = 500, spelt.opt.fmax = 1e-5, spelt.opt.max_step = 0.2;
    ck_assert_int_eq(nnv_analyse(&a[1], p, s, &zero, &err), NNV_OK);
    ck_assert_int_eq(nnv_analyse(&a[2], p, s, &spelt, &err), NNV_OK);
    ck_assert(a[1]->opt.converged && a[1]->opt.steps == a[2]->opt.steps);
    ck_assert(SAME(a[1]->s->xyz, a[2]->s->xyz, 9));
    ck_assert(a[1]->has_fd_check && a[1]->fd_check.step == 1e-3);
    ck_assert(memcmp(&a[1]->fd_check, &a[2]->fd_check, sizeof a[1]->fd_check) == 0);
    for (int k = 0; k < 3; k++) nnv_analysis_free(a[k]);
    nnv_structure_free(s);
}
END_TEST

/* --hessian fd: the central-difference Hessian is analysed (the analytic one
 * is not even computed); with the cross-check both are, and the figures are
 * those of nnv_hessian_fd_disagreement whichever Hessian is analysed. */
START_TEST(test_analyse_fd_mode)
{
    const nnv_potential *p = tanh_pot;
    nnv_structure *s = tu_molecule("ammonia.xyz");
    nnv_analysis_options ao;
    nnv_analysis *an = NULL, *fd = NULL, *ck = NULL;
    nnv_fd_disagreement d;
    nnv_error err;
    const double step = 2e-3;
    size_t n3 = 3 * (size_t)s->n_atoms;
    double *h = malloc(n3 * n3 * sizeof *h);
    memset(&ao, 0, sizeof ao);
    ck_assert_int_eq(nnv_analyse(&an, p, s, &ao, &err), NNV_OK);
    ao.hessian = NNV_HESSIAN_FD;
    ao.fd_step = step;
    ck_assert_int_eq(nnv_analyse(&fd, p, s, &ao, &err), NNV_OK);
    ck_assert_ptr_null(fd->r->hessian);
    ck_assert(fd->hessian == fd->hessian_fd && fd->hessian_fd != NULL && !fd->has_fd_check);
    ck_assert_int_eq(nnv_hessian_fd(h, p, s, step, &err), NNV_OK);
    ck_assert(SAME(fd->hessian_fd, h, n3 * n3));
    ck_assert_int_eq(fd->v->n_modes, an->v->n_modes);
    for (int k = 0; k < an->v->n_modes; k++)
        ck_assert_msg(fabs(fd->v->frequencies[k] - an->v->frequencies[k]) < 1.0, "mode %d: %g vs %g", k,
                      fd->v->frequencies[k], an->v->frequencies[k]);
    ao.fd_check = 1;
    ck_assert_int_eq(nnv_analyse(&ck, p, s, &ao, &err), NNV_OK);
    ck_assert(ck->has_fd_check && ck->hessian == ck->hessian_fd && ck->r->hessian != NULL);
    ck_assert(SAME(ck->v->frequencies, fd->v->frequencies, fd->v->n_modes));
    ck_assert_int_eq(nnv_hessian_fd_disagreement(&d, &step, 1, p, s, NULL, &err), NNV_OK);
    ck_assert(memcmp(&d, &ck->fd_check, sizeof d) == 0);
    ck_assert(d.step == step && d.max_abs > 0 && d.max_rel > 0 && d.max_rel < 1e-3 && d.max_freq < 1.0);
    nnv_analysis_free(an);
    nnv_analysis_free(fd);
    nnv_analysis_free(ck);
    free(h);
    nnv_structure_free(s);
}
END_TEST

/* The warnings the program prints, in its order and words. */
START_TEST(test_analyse_warnings)
{
    nnv_potential *relu = tu_potential("hcno-relu.bin");
    nnv_structure *ethane = tu_molecule("ethane.xyz"), *water = tu_molecule("water.xyz");
    nnv_analysis_options ao;
    nnv_analysis *a = NULL;
    nnv_error err;
    int n_sf = 0;
    memset(&ao, 0, sizeof ao);
    /* An unrelaxed structure on a smooth potential. */
    ck_assert_int_eq(nnv_analyse(&a, tanh_pot, ethane, &ao, &err), NNV_OK);
    ck_assert_int_eq(a->warnings.count, 1);
    ck_assert_int_eq(a->extrapolation_warning, -1);
    ck_assert_msg(strstr(a->warnings.messages[0], "not a stationary point: max |force component| = ") ==
                          a->warnings.messages[0] &&
                      strstr(a->warnings.messages[0], " eV/A > 0.001 eV/A; the frequencies are those of a "
                                                      "non-equilibrium geometry (relax first with --opt)"),
                  "%s", a->warnings.messages[0]);
    nnv_analysis_free(a);
    /* ReLU, one optimisation step (not converged), every SF value outside a
     * training range narrowed to nothing. */
    for (int e = 0; e < relu->n_elements; e++)
        for (int k = 0; k < relu->elements[e].n_sf; k++) relu->elements[e].sf[k].gmin = relu->elements[e].sf[k].gmax = -1;
    for (int i = 0; i < water->n_atoms; i++) n_sf += nnv_potential_element(relu, water->Z[i])->n_sf;
    ao.optimize = 1;
    ao.opt.max_steps = 1;
    ck_assert_int_eq(nnv_analyse(&a, relu, water, &ao, &err), NNV_OK);
    ck_assert_int_eq(a->warnings.count, 3);
    ck_assert_str_eq(a->warnings.messages[0], "the potential is only C0 (ReLU layers): a ReLU network has zero "
                     "curvature almost everywhere and jumps at its kinks, so the Hessian and the frequencies are "
                     "not meaningful");
    ck_assert_msg(strstr(a->warnings.messages[1], "geometry optimisation did not converge in 1 steps (max force ") ==
                          a->warnings.messages[1] &&
                      strstr(a->warnings.messages[1], " eV/A > 1e-05); the analysis is at the last geometry"),
                  "%s", a->warnings.messages[1]);
    ck_assert_int_eq(a->extrapolation_warning, 2);
    ck_assert_int_eq(a->r->n_extrapolations, n_sf);
    {
        char want[256];
        snprintf(want, sizeof want, "%d symmetry-function values outside the training range [gmin, gmax]: the "
                 "network extrapolates there and the results may be unreliable", n_sf);
        ck_assert_str_eq(a->warnings.messages[2], want);
    }
    nnv_analysis_free(a);
    nnv_structure_free(ethane);
    nnv_structure_free(water);
    nnv_potential_free(relu);
}
END_TEST

/* Options out of range and a failing step: a status, a message, no result. */
START_TEST(test_analyse_usage)
{
    nnv_analysis *a = NULL;
    nnv_error err;
    nnv_analysis_options ao;
    nnv_structure *s = tu_molecule("water.xyz");
    memset(&ao, 0, sizeof ao);
    ao.hessian = 2;
    ck_assert_int_eq(nnv_analyse(&a, tanh_pot, s, &ao, &err), NNV_EUSAGE);
    ao.hessian = NNV_HESSIAN_FD;
    ao.fd_step = -1e-3;
    ck_assert_int_eq(nnv_analyse(&a, tanh_pot, s, &ao, &err), NNV_EUSAGE);
    ao.fd_step = NAN;
    ck_assert_int_eq(nnv_analyse(&a, tanh_pot, s, &ao, &err), NNV_EUSAGE);
    ck_assert_ptr_null(a);
    ck_assert_int_eq(nnv_analyse(NULL, tanh_pot, s, NULL, &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_analyse(&a, NULL, s, NULL, &err), NNV_EUSAGE);
    /* A failing step's status and message come through; nothing is handed back. */
    memset(&ao, 0, sizeof ao);
    ao.max_hessian_mb = 1e-6;
    ck_assert_int_eq(nnv_analyse(&a, tanh_pot, s, &ao, &err), NNV_ENOMEM);
    ck_assert_msg(strstr(err.message, "the Hessian of 3 atoms") != NULL, "%s", err.message);
    ck_assert_ptr_null(a);
    nnv_analysis_free(NULL);
    nnv_structure_free(s);
}
END_TEST

/* ---- the reliability verdict ------------------------------------------------ */

static int has_reason(const nnv_reliability *r, unsigned bit)
{
    for (int k = 0; k < r->n_reasons; k++)
        if (r->reason_code[k] == bit) return 1;
    return 0;
}

/* Reasons come worst first and the verdict is the worst of them: a ReLU
 * network is unreliable whatever else holds. */
START_TEST(test_reliability_c0)
{
    nnv_potential *relu = tu_potential("hcno-relu.bin");
    nnv_structure *s = tu_molecule("water.xyz");
    nnv_analysis *a = NULL;
    nnv_error err;
    ck_assert_int_eq(nnv_analyse(&a, relu, s, NULL, &err), NNV_OK);
    ck_assert_int_eq(a->reliability.verdict, NNV_VERDICT_UNRELIABLE);
    ck_assert(has_reason(&a->reliability, NNV_REASON_C0));
    ck_assert_int_eq(a->reliability.reason_verdict[0], NNV_VERDICT_UNRELIABLE);
    for (int k = 1; k < a->reliability.n_reasons; k++)
        ck_assert_int_le(a->reliability.reason_verdict[k], a->reliability.reason_verdict[k - 1]);
    ck_assert_str_eq(nnv_reason_name(a->reliability.reason_code[0]), "c0");
    nnv_analysis_free(a);
    nnv_structure_free(s);
    nnv_potential_free(relu);
}
END_TEST

/* Each guard input, and its threshold moving it: a displaced geometry is not
 * stationary (unless the bound is raised), a potential without committee and
 * novelty statistics has nothing to judge by, and a non-finite threshold is
 * a usage error. */
START_TEST(test_reliability_inputs)
{
    nnv_structure *s = tu_molecule("water.xyz");
    nnv_analysis *a = NULL;
    nnv_analysis_options ao;
    nnv_reliability_thresholds t;
    nnv_error err;
    nnv_novelty_clear(tanh_pot);
    s->xyz[0] += 0.05;
    memset(&ao, 0, sizeof ao);
    ck_assert_int_eq(nnv_analyse(&a, tanh_pot, s, &ao, &err), NNV_OK);
    ck_assert(has_reason(&a->reliability, NNV_REASON_NOT_STATIONARY));
    ck_assert(has_reason(&a->reliability, NNV_REASON_NO_ESTIMATE));
    ck_assert(!has_reason(&a->reliability, NNV_REASON_C0));
    ck_assert_int_eq(a->reliability.verdict, NNV_VERDICT_UNCERTAIN);
    ck_assert_int_eq(a->reliability.has_novelty, 0);
    ck_assert_int_eq(a->reliability.has_committee, 0);
    nnv_analysis_free(a);
    ao.reliability.stationary_fmax = 1e3;
    ck_assert_int_eq(nnv_analyse(&a, tanh_pot, s, &ao, &err), NNV_OK);
    ck_assert(!has_reason(&a->reliability, NNV_REASON_NOT_STATIONARY));
    nnv_analysis_free(a);
    a = NULL;
    ao.reliability.novelty_unreliable = NAN;
    ck_assert_int_eq(nnv_analyse(&a, tanh_pot, s, &ao, &err), NNV_EUSAGE);
    ck_assert_ptr_null(a);
    ck_assert_msg(strstr(err.message, "novelty_unreliable") != NULL, "%s", err.message);
    memset(&t, 0, sizeof t);
    ck_assert_int_eq(nnv_reliability_thresholds_resolve(&t, &err), NNV_OK);
    ck_assert(t.novelty_uncertain == NNV_REL_NOVELTY_UNCERTAIN && t.freq_std_unreliable == NNV_REL_FREQ_STD_UNRELIABLE);
    ck_assert_str_eq(nnv_verdict_name(NNV_VERDICT_UNCERTAIN), "uncertain");
    ck_assert_str_eq(nnv_verdict_name(7), "?");
    ck_assert_ptr_null(nnv_reason_name(3u));
    nnv_structure_free(s);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("analyse");
    TCase *tp = tcase_create("pipeline");
    tcase_set_timeout(tp, 120);
    tcase_add_checked_fixture(tp, pipeline_setup, pipeline_teardown);
    tcase_add_test(tp, test_analyse_equals_steps);
    tcase_add_test(tp, test_analyse_zero_options_are_defaults);
    tcase_add_test(tp, test_analyse_fd_mode);
    tcase_add_test(tp, test_analyse_warnings);
    tcase_add_test(tp, test_analyse_usage);
    tcase_add_test(tp, test_reliability_c0);
    tcase_add_test(tp, test_reliability_inputs);
    suite_add_tcase(su, tp);
    return tu_run(su);
}
