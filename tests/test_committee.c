/* Unit tests of committee potentials (weights.bin version 2): building them
 * from perturbed copies of the shipped potentials, the byte-exact round trip,
 * every new rejection rule, the mean and spreads of nnv_compute against the
 * members evaluated one by one, and the per-mode frequency spread. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

#define SMALL "test-CH-softplus-random.bin" /* C/H, charge networks, 4.5 kB */

/* ---- test committees ---------------------------------------------------------- */

/* A seeded generator (xorshift64*), uniform in [-1, 1). */
static double rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return (double)((*s * 2685821657736338717ull) >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

/* Multiply every weight and bias of layers from..n_layers-1 by 1 + amp u. */
static void perturb(nnv_network *net, int from, double amp, uint64_t *seed)
{
    for (int l = from; l < net->n_layers; l++) {
        nnv_layer *L = &net->layers[l];
        for (size_t k = 0; k < (size_t)L->n_in * (size_t)L->n_out; k++) L->W[k] *= 1.0 + amp * rnd(seed);
        for (int o = 0; o < L->n_out; o++) L->b[o] *= 1.0 + amp * rnd(seed);
    }
}

/* Drops the charge networks of p (a plain potential). */
static void drop_charges(nnv_potential *p)
{
    p->flags &= ~NNV_FLAG_CHARGES;
    for (int e = 0; e < p->n_elements; e++) potential_network_free(&p->elements[e].charge);
}

/* K copies of weights/name; member m > 0 perturbed by amp (all layers for a
 * full committee, only the energy networks' last layer for a shallow one). */
static nnv_potential **members_of(const char *name, int K, int kind, double amp, int charges, uint64_t seed)
{
    nnv_potential **mb = calloc((size_t)K, sizeof *mb);
    nnv_potential *base = tu_potential(name);
    nnv_error err;
    ck_assert_ptr_nonnull(mb);
    if (!charges) drop_charges(base);
    for (int m = 0; m < K; m++) {
        ck_assert_int_eq(nnv_potential_copy(&mb[m], base, &err), NNV_OK);
        if (m == 0 || amp == 0.0) continue;
        for (int e = 0; e < mb[m]->n_elements; e++) {
            nnv_element_model *el = &mb[m]->elements[e];
            perturb(&el->energy, kind == NNV_COMMITTEE_FULL ? 0 : el->energy.n_layers - 1, amp, &seed);
            if (kind == NNV_COMMITTEE_FULL && charges) perturb(&el->charge, 0, amp, &seed);
        }
    }
    nnv_potential_free(base);
    return mb;
}

static void members_free(nnv_potential **mb, int K)
{
    for (int m = 0; m < K; m++) nnv_potential_free(mb[m]);
    free(mb);
}

static nnv_potential *committee(nnv_potential **mb, int K, int kind, double scale)
{
    nnv_potential *c = NULL;
    nnv_error err;
    int rc = nnv_committee_build(&c, (const nnv_potential *const *)mb, K, kind, scale, &err);
    ck_assert_msg(rc == NNV_OK, "%s", err.message);
    ck_assert_int_eq(c->n_members, K);
    return c;
}

static nnv_result *compute(const nnv_potential *p, const nnv_structure *s, unsigned want)
{
    nnv_result *r = NULL;
    nnv_error err;
    int rc = nnv_compute(&r, p, s, TU_WANT(want), &err);
    ck_assert_msg(rc == NNV_OK, "%s", err.message);
    return r;
}

static void serialize(const nnv_potential *p, unsigned char **b, size_t *n)
{
    nnv_error err;
    int rc = nnv_potential_serialize(b, n, p, &err);
    ck_assert_msg(rc == NNV_OK, "%s", err.message);
}

#define ALL (unsigned)(NNV_WANT_FORCES | NNV_WANT_HESSIAN | NNV_WANT_CHARGES | NNV_WANT_DIPOLE_DERIV)

/* ---- format: round trip ---------------------------------------------------- */

static void round_trip(int kind, int charges)
{
    nnv_potential **mb = members_of(SMALL, 3, kind, 0.05, charges, 11);
    nnv_potential *c = committee(mb, 3, kind, 1.7), *q = NULL, *cp = NULL;
    unsigned char *b1, *b2, *b3;
    size_t n1, n2, n3;
    nnv_error err;
    serialize(c, &b1, &n1);
    ck_assert_int_eq(b1[8], 2);                             /* version 2 */
    ck_assert_int_eq(b1[12], charges ? 3 : 2);              /* committee flag, charge flag */
    ck_assert_msg(nnv_potential_parse(&q, b1, n1, "rt", &err) == NNV_OK, "%s", err.message);
    ck_assert_int_eq(q->n_members, 3);
    ck_assert_int_eq(q->committee_kind, kind);
    ck_assert(q->spread_scale == 1.7);
    serialize(q, &b2, &n2);
    ck_assert_uint_eq(n1, n2);
    ck_assert(memcmp(b1, b2, n1) == 0);
    ck_assert_int_eq(nnv_potential_copy(&cp, q, &err), NNV_OK);
    serialize(cp, &b3, &n3);
    ck_assert_uint_eq(n1, n3);
    ck_assert(memcmp(b1, b3, n1) == 0);
    /* Member m taken out is member m as given (the gmin/gmax of identical
     * SFs do not change), byte for byte as a version-1 file. */
    for (int m = 0; m < 3; m++) {
        nnv_potential *x = NULL;
        unsigned char *bx, *bm;
        size_t nx, nm;
        ck_assert_int_eq(nnv_committee_member(&x, q, m, &err), NNV_OK);
        serialize(x, &bx, &nx);
        serialize(mb[m], &bm, &nm);
        ck_assert_int_eq(bx[8], 1);
        ck_assert_uint_eq(nx, nm);
        ck_assert_msg(memcmp(bx, bm, nx) == 0, "member %d differs", m);
        free(bx);
        free(bm);
        nnv_potential_free(x);
    }
    free(b1);
    free(b2);
    free(b3);
    nnv_potential_free(q);
    nnv_potential_free(cp);
    nnv_potential_free(c);
    members_free(mb, 3);
}

START_TEST(test_round_trip)
{
    round_trip(NNV_COMMITTEE_FULL, 1);
    round_trip(NNV_COMMITTEE_FULL, 0);
    round_trip(NNV_COMMITTEE_SHALLOW, 1);
    round_trip(NNV_COMMITTEE_SHALLOW, 0);
}
END_TEST

START_TEST(test_v1_unchanged)
{
    /* A shipped version-1 file is written back byte for byte. */
    char path[4096];
    size_t n = 0, m = 0;
    unsigned char *b;
    char *raw;
    nnv_potential *p = tu_potential(SMALL);
    snprintf(path, sizeof path, "%s/weights/%s", tu_srcdir(), SMALL);
    raw = tu_read_file(path, &n);
    ck_assert_ptr_nonnull(raw);
    serialize(p, &b, &m);
    ck_assert_uint_eq(n, m);
    ck_assert(memcmp(raw, b, n) == 0);
    ck_assert_int_eq(p->n_members, 0);
    free(raw);
    free(b);
    nnv_potential_free(p);
}
END_TEST

/* ---- format: rejections ------------------------------------------------------ */

static uint32_t get_u32(const unsigned char *b, size_t at)
{
    return (uint32_t)b[at] | (uint32_t)b[at + 1] << 8 | (uint32_t)b[at + 2] << 16 | (uint32_t)b[at + 3] << 24;
}

static void set_u32(unsigned char *b, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++) b[at + (size_t)i] = (unsigned char)(v >> (8 * i));
}

static void set_f64(unsigned char *b, size_t at, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    for (int i = 0; i < 8; i++) b[at + (size_t)i] = (unsigned char)(u >> (8 * i));
}

/* Parse a copy of b with the u32 (or f64) at `at` replaced and the CRC
 * recomputed: it must be rejected with a message naming the offset and field. */
static void expect_reject(const unsigned char *b, size_t n, size_t at, int is_f64, uint32_t u, double d,
                          size_t want_off, const char *field)
{
    unsigned char *x = malloc(n);
    nnv_potential *p = NULL;
    nnv_error err;
    char want[256];
    memcpy(x, b, n);
    if (is_f64)
        set_f64(x, at, d);
    else
        set_u32(x, at, u);
    set_u32(x, n - 4, nnv_crc32(x, n - 4));
    ck_assert_int_eq(nnv_potential_parse(&p, x, n, "c.bin", &err), NNV_EINPUT);
    ck_assert_ptr_null(p);
    snprintf(want, sizeof want, "c.bin: byte offset %zu: field '%s'", want_off, field);
    ck_assert_msg(strstr(err.message, want) != NULL, "'%s' lacks '%s'", err.message, want);
    free(x);
}

START_TEST(test_rejections)
{
    for (int kind = 0; kind < 2; kind++) {
        nnv_potential **mb = members_of(SMALL, 3, kind, 0.05, 1, 5);
        nnv_potential *c = committee(mb, 3, kind, 1.0);
        unsigned char *b;
        size_t n, dl, cb, el, net;
        serialize(c, &b, &n);
        dl = get_u32(b, 16);
        cb = 20 + dl; /* the committee block */
        expect_reject(b, n, cb, 0, 1, 0, cb, "committee.n_members");
        expect_reject(b, n, cb, 0, 65, 0, cb, "committee.n_members");
        expect_reject(b, n, cb, 0, 0, 0, cb, "committee.n_members");
        expect_reject(b, n, cb + 4, 0, 2, 0, cb + 4, "committee.kind");
        expect_reject(b, n, cb + 8, 1, 0, 0.0, cb + 8, "committee.spread_scale");
        expect_reject(b, n, cb + 8, 1, 0, -1.0, cb + 8, "committee.spread_scale");
        expect_reject(b, n, cb + 8, 1, 0, NAN, cb + 8, "committee.spread_scale");
        expect_reject(b, n, cb + 8, 1, 0, INFINITY, cb + 8, "committee.spread_scale");
        /* version 2 without the committee flag; version 1 with it; other bits */
        expect_reject(b, n, 12, 0, 1, 0, 8, "version");
        expect_reject(b, n, 12, 0, 0, 0, 8, "version");
        expect_reject(b, n, 8, 0, 1, 0, 12, "flags");
        expect_reject(b, n, 12, 0, 11, 0, 12, "flags"); /* bit 3: bit 2 is the novelty block */
        expect_reject(b, n, 8, 0, 3, 0, 8, "version");
        /* The last layer of element 0's first energy network: n_members for
         * a shallow committee, 1 for a full one. */
        el = cb + 16 + 4;                               /* after n_elements */
        net = el + 4 + 8 + 4 + get_u32(b, el + 12) * (size_t)(4 * 4 + 10 * 8);
        {
            uint32_t L = get_u32(b, net), last = get_u32(b, net + 4 + 4 * L);
            char field[96];
            ck_assert_uint_eq(last, kind ? 3u : 1u);
            snprintf(field, sizeof field, kind ? "element[0](Z=%u).energy_network.size[%u]"
                                               : "element[0](Z=%u).member[0].energy_network.size[%u]",
                     get_u32(b, el), L);
            expect_reject(b, n, net + 4 + 4 * L, 0, kind ? 1u : 3u, 0, net + 4 + 4 * L, field);
            expect_reject(b, n, net + 4 + 4 * L, 0, 2, 0, net + 4 + 4 * L, field);
            if (kind == NNV_COMMITTEE_SHALLOW) {
                /* The charge network that follows has one output, not n_members. */
                size_t q = net + 4 + 4 * ((size_t)L + 1);
                for (uint32_t l = 0; l < L; l++) {
                    size_t nin = get_u32(b, net + 4 + 4 * l), nout = get_u32(b, net + 8 + 4 * l);
                    q += 4 + 8 + 8 * (nin * nout + nout);
                }
                uint32_t QL = get_u32(b, q);
                ck_assert_uint_eq(get_u32(b, q + 4 + 4 * QL), 1u);
                snprintf(field, sizeof field, "element[0](Z=%u).charge_network.size[%u]", get_u32(b, el), QL);
                expect_reject(b, n, q + 4 + 4 * QL, 0, 3, 0, q + 4 + 4 * QL, field);
            }
        }
        free(b);
        nnv_potential_free(c);
        members_free(mb, 3);
    }
    {
        /* Flipping a version-1 file's version field is still a rejection. */
        nnv_potential *p = tu_potential(SMALL);
        unsigned char *b;
        size_t n;
        serialize(p, &b, &n);
        expect_reject(b, n, 8, 0, 2, 0, 8, "version");
        free(b);
        nnv_potential_free(p);
    }
}
END_TEST

/* ---- building ------------------------------------------------------------------ */

START_TEST(test_build_refusals)
{
    nnv_potential **mb = members_of(SMALL, 2, NNV_COMMITTEE_FULL, 0.05, 1, 3), *c = NULL;
    const nnv_potential *const *cm = (const nnv_potential *const *)mb;
    nnv_error err;
    double keep;
    ck_assert_int_eq(nnv_committee_build(&c, cm, 1, 0, 1.0, &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_committee_build(&c, cm, 2, 2, 1.0, &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_committee_build(&c, cm, 2, 0, 0.0, &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_committee_build(&c, cm, 2, 0, INFINITY, &err), NNV_EUSAGE);
    keep = mb[1]->elements[1].sf[2].eta;
    mb[1]->elements[1].sf[2].eta *= 1.5;
    ck_assert_int_eq(nnv_committee_build(&c, cm, 2, 0, 1.0, &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "member 1") && strstr(err.message, "symmetry function 3") &&
                      strstr(err.message, "eta") && strstr(err.message, nnv_element_symbol(mb[0]->elements[1].Z)),
                  "%s", err.message);
    mb[1]->elements[1].sf[2].eta = keep;
    /* A shallow committee shares its hidden layers: these differ. */
    ck_assert_int_eq(nnv_committee_build(&c, cm, 2, NNV_COMMITTEE_SHALLOW, 1.0, &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "layer 1"), "%s", err.message);
    mb[1]->elements[0].Z = 7;
    ck_assert_int_eq(nnv_committee_build(&c, cm, 2, 0, 1.0, &err), NNV_EINPUT);
    ck_assert_ptr_null(c);
    members_free(mb, 2);
}
END_TEST

/* Different E0 moves into the last bias: every member keeps its energy. */
START_TEST(test_build_e0)
{
    for (int kind = 0; kind < 2; kind++) {
        nnv_potential **mb = members_of(SMALL, 3, kind, 0.05, 1, 17), *c, *x = NULL;
        nnv_structure *s = tu_molecule("methane.xyz");
        nnv_error err;
        nnv_result *rc, *rm;
        for (int e = 0; e < mb[2]->n_elements; e++) mb[2]->elements[e].E0 += 0.25 * (e + 1);
        c = committee(mb, 3, kind, 1.0);
        rc = compute(c, s, NNV_WANT_FORCES);
        ck_assert_int_eq(nnv_committee_member(&x, c, 2, &err), NNV_OK);
        ck_assert(x->elements[0].E0 == mb[0]->elements[0].E0);
        rm = compute(mb[2], s, NNV_WANT_FORCES);
        ck_assert_msg(tu_close(rc->member_energies[2], rm->energy, 1e-9, 1e-12), "%.15g vs %.15g",
                      rc->member_energies[2], rm->energy);
        nnv_result_free(rm);
        rm = compute(x, s, NNV_WANT_FORCES);
        ck_assert(tu_close(rc->member_energies[2], rm->energy, 1e-9, 1e-12));
        nnv_result_free(rm);
        nnv_result_free(rc);
        nnv_potential_free(x);
        nnv_potential_free(c);
        nnv_structure_free(s);
        members_free(mb, 3);
    }
}
END_TEST

/* ---- evaluation ---------------------------------------------------------------- */

/* Identical members: exactly the single potential, spreads 0. */
/* An in-memory committee that breaks its own rules is refused, not read. */
START_TEST(test_compute_refusals)
{
    nnv_potential **mb = members_of(SMALL, 2, NNV_COMMITTEE_FULL, 0.05, 1, 7), *c = committee(mb, 2, 0, 1.0);
    nnv_structure *s = tu_molecule("methane.xyz");
    nnv_result *r = NULL;
    nnv_error err;
    unsigned char *b = NULL;
    size_t n = 0;
    c->n_members = 1;
    ck_assert_int_eq(nnv_compute(&r, c, s, TU_WANT(NNV_WANT_FORCES), &err), NNV_EUSAGE);
    ck_assert_ptr_null(r);
    c->n_members = 2;
    c->committee_kind = NNV_COMMITTEE_SHALLOW; /* but its networks are a full committee's */
    ck_assert_int_eq(nnv_compute(&r, c, s, TU_WANT(NNV_WANT_FORCES), &err), NNV_EUSAGE);
    ck_assert_msg(strstr(err.message, "shallow committee"), "%s", err.message);
    ck_assert_int_eq(nnv_potential_serialize(&b, &n, c, &err), NNV_EINPUT);
    c->committee_kind = NNV_COMMITTEE_FULL;
    c->spread_scale = 0.0;
    ck_assert_int_eq(nnv_compute(&r, c, s, TU_WANT(NNV_WANT_FORCES), &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_potential_serialize(&b, &n, c, &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "committee.spread_scale"), "%s", err.message);
    ck_assert_ptr_null(b);
    c->spread_scale = 1.0;
    nnv_potential_free(c);
    nnv_structure_free(s);
    members_free(mb, 2);
}
END_TEST

START_TEST(test_identical_members)
{
    for (int kind = 0; kind < 2; kind++) {
        nnv_potential **mb = members_of(SMALL, 4, kind, 0.0, 1, 1), *c = committee(mb, 4, kind, 2.0);
        nnv_structure *s = tu_molecule("methane.xyz");
        nnv_result *r1 = compute(mb[0], s, ALL), *rc = compute(c, s, ALL);
        size_t n3 = 3 * (size_t)s->n_atoms;
        ck_assert(r1->energy == rc->energy);
        ck_assert_int_eq(r1->n_members, 0);
        ck_assert_int_eq(rc->n_members, 4);
        for (size_t k = 0; k < n3; k++) ck_assert(r1->forces[k] == rc->forces[k]);
        for (size_t k = 0; k < n3 * n3; k++) ck_assert(r1->hessian[k] == rc->hessian[k]);
        for (size_t k = 0; k < 3 * n3; k++) ck_assert(r1->dipole_deriv[k] == rc->dipole_deriv[k]);
        for (int i = 0; i < s->n_atoms; i++) ck_assert(r1->charges[i] == rc->charges[i]);
        for (int m = 0; m < 4; m++) ck_assert(rc->member_energies[m] == r1->energy);
        ck_assert(rc->energy_std == 0.0);
        for (int i = 0; i < s->n_atoms; i++) ck_assert(rc->force_std[i] == 0.0);
        nnv_result_free(r1);
        nnv_result_free(rc);
        nnv_potential_free(c);
        nnv_structure_free(s);
        members_free(mb, 4);
    }
}
END_TEST

/* The committee's mean E, F, H (and, full, charges and dipole derivatives)
 * against the K members evaluated one by one; the spreads against a direct
 * computation from the member energies and forces. */
static void mean_and_spread(const char *pot, const char *mol, int kind, int nonlinear_last, int K)
{
    nnv_potential **mb = members_of(pot, K, kind, 0.05, 1, 99), *c;
    nnv_structure *s = tu_molecule(mol);
    nnv_result *rc, *rm;
    size_t n3 = 3 * (size_t)s->n_atoms;
    double *H = calloc(n3 * n3, sizeof *H), *F = calloc(n3, sizeof *F), *Fm = calloc((size_t)K * n3, sizeof *Fm);
    double *Em = calloc((size_t)K, sizeof *Em), *DD = calloc(3 * n3, sizeof *DD), E = 0, hmax = 0, fbig = 0;
    double escale = 3.0;
    nnv_error err;
    if (nonlinear_last)
        for (int m = 0; m < K; m++)
            for (int e = 0; e < mb[m]->n_elements; e++) {
                nnv_network *net = &mb[m]->elements[e].energy;
                net->layers[net->n_layers - 1].activation = NNV_ACT_SOFTPLUS;
            }
    c = committee(mb, K, kind, escale);
    rc = compute(c, s, ALL);
    for (int m = 0; m < K; m++) {
        nnv_potential *x = NULL;
        ck_assert_int_eq(nnv_committee_member(&x, c, m, &err), NNV_OK);
        rm = compute(x, s, ALL);
        Em[m] = rm->energy;
        E += rm->energy / K;
        for (size_t k = 0; k < n3; k++) F[k] += rm->forces[k] / K;
        memcpy(Fm + (size_t)m * n3, rm->forces, n3 * sizeof *Fm);
        for (size_t k = 0; k < n3 * n3; k++) H[k] += rm->hessian[k] / K;
        for (size_t k = 0; k < 3 * n3; k++) DD[k] += rm->dipole_deriv[k] / K;
        nnv_result_free(rm);
        nnv_potential_free(x);
    }
    for (size_t k = 0; k < n3 * n3; k++) hmax = fmax(hmax, fabs(H[k]));
    for (size_t k = 0; k < n3; k++) fbig = fmax(fbig, fabs(F[k]));
    ck_assert(tu_close(rc->energy, E, 1e-10, 1e-12));
    for (size_t k = 0; k < n3; k++)
        ck_assert_msg(tu_close(rc->forces[k], F[k], 1e-10 * fbig, 0), "F[%zu] %.15g vs %.15g", k, rc->forces[k], F[k]);
    for (size_t k = 0; k < n3 * n3; k++)
        ck_assert_msg(tu_close(rc->hessian[k], H[k], 1e-10 * hmax, 0), "H[%zu] %.15g vs %.15g", k, rc->hessian[k],
                      H[k]);
    for (size_t k = 0; k < 3 * n3; k++) ck_assert(tu_close(rc->dipole_deriv[k], DD[k], 1e-10, 1e-9));
    /* The spreads, directly from the members. */
    {
        double ss = 0.0;
        for (int m = 0; m < K; m++) {
            ck_assert(tu_close(rc->member_energies[m], Em[m], 1e-10, 1e-12));
            ss += (Em[m] - E) * (Em[m] - E);
        }
        ck_assert(rc->energy_std > 0.0);
        ck_assert_msg(tu_close(rc->energy_std, escale * sqrt(ss / (K - 1)), 1e-9, 1e-8), "%g vs %g", rc->energy_std,
                      escale * sqrt(ss / (K - 1)));
        for (int i = 0; i < s->n_atoms; i++) {
            double sq = 0.0, want;
            for (int m = 0; m < K; m++)
                for (int a = 0; a < 3; a++) {
                    double d = Fm[(size_t)m * n3 + 3 * (size_t)i + (size_t)a] - F[3 * (size_t)i + (size_t)a];
                    sq += d * d;
                }
            want = escale * sqrt(sq / (3.0 * (K - 1)));
            if (i > 0) ck_assert(want > 0.0); /* atom 1 (C of methane) has no force by symmetry */
            ck_assert_msg(tu_close(rc->force_std[i], want, 1e-9 * fbig, 1e-7), "atom %d: %g vs %g", i,
                          rc->force_std[i], want);
            for (int m = 0; m < K; m++)
                for (int a = 0; a < 3; a++)
                    ck_assert(tu_close(rc->member_forces[(size_t)m * n3 + 3 * (size_t)i + (size_t)a],
                                       Fm[(size_t)m * n3 + 3 * (size_t)i + (size_t)a], 1e-10 * fbig, 0));
        }
    }
    /* Still a Hessian: symmetric, and the central differences of the mean
     * forces. */
    {
        double *fd = calloc(n3 * n3, sizeof *fd), worst = 0.0;
        for (size_t a = 0; a < n3; a++)
            for (size_t b = 0; b < n3; b++) ck_assert(rc->hessian[a * n3 + b] == rc->hessian[b * n3 + a]);
        ck_assert_int_eq(nnv_hessian_fd(fd, c, s, 1e-4, &err), NNV_OK);
        for (size_t k = 0; k < n3 * n3; k++) worst = fmax(worst, fabs(fd[k] - rc->hessian[k]));
        ck_assert_msg(worst < 1e-5 * hmax + 1e-6, "FD Hessian differs by %g (max |H| %g)", worst, hmax);
        free(fd);
    }
    free(H);
    free(F);
    free(Fm);
    free(Em);
    free(DD);
    nnv_result_free(rc);
    nnv_potential_free(c);
    nnv_structure_free(s);
    members_free(mb, K);
}

START_TEST(test_mean_full)
{
    mean_and_spread(SMALL, "methane.xyz", NNV_COMMITTEE_FULL, 0, 5);
}
END_TEST

START_TEST(test_mean_shallow)
{
    mean_and_spread(SMALL, "methane.xyz", NNV_COMMITTEE_SHALLOW, 0, 5);
    mean_and_spread(SMALL, "methane.xyz", NNV_COMMITTEE_SHALLOW, 1, 3); /* K evaluations */
}
END_TEST

START_TEST(test_mean_shipped)
{
    mean_and_spread("hcno-silu.bin", "water.xyz", NNV_COMMITTEE_SHALLOW, 0, 4);
    mean_and_spread("hcno-silu.bin", "water.xyz", NNV_COMMITTEE_FULL, 0, 3);
}
END_TEST

/* ---- per-mode frequency spread ------------------------------------------------ */

/* Member m's energy networks scaled by c[m] (an identity last layer): H_m =
 * c_m H_0 up to the E0 terms, which have no curvature, so every member's
 * Hessian commutes with the mean's, the modes are shared and member m's
 * frequency of mode k is sqrt(c_m / mean c) nu_k exactly. */
static void scaled_spread(int kind)
{
    enum { K = 4 };
    static const double c[K] = {1.0, 0.9, 1.15, 1.02};
    double cbar = (c[0] + c[1] + c[2] + c[3]) / K, scale = 1.3;
    nnv_potential **mb = members_of("hcno-silu.bin", K, kind, 0.0, 1, 1), *p;
    nnv_structure *s = tu_molecule("water.xyz");
    nnv_analysis *a = NULL;
    nnv_error err;
    for (int m = 0; m < K; m++)
        for (int e = 0; e < mb[m]->n_elements; e++) {
            nnv_network *net = &mb[m]->elements[e].energy;
            nnv_layer *L = &net->layers[net->n_layers - 1];
            ck_assert_int_eq(L->activation, NNV_ACT_IDENTITY);
            for (int i = 0; i < L->n_in; i++) L->W[i] *= c[m];
            L->b[0] *= c[m];
        }
    p = committee(mb, K, kind, scale);
    ck_assert_msg(nnv_analyse(&a, p, s, NULL, &err) == NNV_OK, "%s", err.message);
    ck_assert_ptr_nonnull(a->frequency_std);
    ck_assert_int_eq(a->v->n_modes, 3);
    for (int k = 0; k < a->v->n_modes; k++) {
        double nu = a->v->frequencies[k], mean = 0.0, ss = 0.0, want[K];
        for (int m = 0; m < K; m++) mean += (want[m] = sqrt(c[m] / cbar) * nu) / K;
        for (int m = 0; m < K; m++) ss += (want[m] - mean) * (want[m] - mean);
        for (int m = 0; m < K; m++)
            ck_assert_msg(tu_close(a->member_frequencies[m * 3 + k], want[m], 1e-6, 1e-9), "mode %d member %d: %.10g vs %.10g",
                          k, m, a->member_frequencies[m * 3 + k], want[m]);
        ck_assert_msg(tu_close(a->frequency_std[k], scale * sqrt(ss / (K - 1)), 1e-6, 1e-8), "mode %d: %.10g vs %.10g",
                      k, a->frequency_std[k], scale * sqrt(ss / (K - 1)));
    }
    /* The member's own diagonalisation gives the same (its Hessian commutes). */
    for (int m = 0; m < K; m++) {
        nnv_potential *x = NULL;
        nnv_analysis *am = NULL;
        ck_assert_int_eq(nnv_committee_member(&x, p, m, &err), NNV_OK);
        ck_assert_msg(nnv_analyse(&am, x, s, NULL, &err) == NNV_OK, "%s", err.message);
        ck_assert_ptr_null(am->frequency_std);
        for (int k = 0; k < 3; k++)
            ck_assert_msg(tu_close(a->member_frequencies[m * 3 + k], am->v->frequencies[k], 1e-6, 1e-9),
                          "mode %d member %d: %.10g vs own %.10g", k, m, a->member_frequencies[m * 3 + k],
                          am->v->frequencies[k]);
        nnv_analysis_free(am);
        nnv_potential_free(x);
    }
    nnv_analysis_free(a);
    nnv_potential_free(p);
    nnv_structure_free(s);
    members_free(mb, K);
}

START_TEST(test_spread_scaled)
{
    scaled_spread(NNV_COMMITTEE_FULL);
    scaled_spread(NNV_COMMITTEE_SHALLOW);
}
END_TEST

START_TEST(test_spread_identical)
{
    nnv_potential **mb = members_of("hcno-silu.bin", 3, NNV_COMMITTEE_SHALLOW, 0.0, 1, 1);
    nnv_potential *p = committee(mb, 3, NNV_COMMITTEE_SHALLOW, 1.0);
    nnv_structure *s = tu_molecule("formaldehyde.xyz");
    nnv_analysis *a = NULL, *a1 = NULL;
    nnv_error err;
    ck_assert_int_eq(nnv_analyse(&a, p, s, NULL, &err), NNV_OK);
    ck_assert_int_eq(nnv_analyse(&a1, mb[0], s, NULL, &err), NNV_OK);
    ck_assert_int_eq(a->v->n_modes, a1->v->n_modes);
    for (int k = 0; k < a->v->n_modes; k++) {
        ck_assert(a->frequency_std[k] == 0.0);
        ck_assert(a->v->frequencies[k] == a1->v->frequencies[k]);
        ck_assert(tu_close(a->member_frequencies[k], a1->v->frequencies[k], 1e-7, 1e-10));
    }
    /* Not a committee: refused. */
    {
        double *mf = NULL, *sd = NULL;
        ck_assert_int_eq(nnv_committee_mode_spread(&mf, &sd, mb[0], s, a1->v, 0.0, &err), NNV_EUSAGE);
        ck_assert_ptr_null(mf);
    }
    nnv_analysis_free(a);
    nnv_analysis_free(a1);
    nnv_potential_free(p);
    nnv_structure_free(s);
    members_free(mb, 3);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("committee");
    TCase *tf = tcase_create("format"), *te = tcase_create("evaluation");
    tcase_add_test(tf, test_round_trip);
    tcase_add_test(tf, test_v1_unchanged);
    tcase_add_test(tf, test_rejections);
    tcase_add_test(tf, test_build_refusals);
    tcase_add_test(te, test_build_e0);
    tcase_add_test(te, test_compute_refusals);
    tcase_add_test(te, test_identical_members);
    tcase_add_test(te, test_mean_full);
    tcase_add_test(te, test_mean_shallow);
    tcase_add_test(te, test_mean_shipped);
    tcase_add_test(te, test_spread_scaled);
    tcase_add_test(te, test_spread_identical);
    tcase_set_timeout(te, 240);
    suite_add_tcase(s, tf);
    suite_add_tcase(s, te);
    return tu_run(s);
}
