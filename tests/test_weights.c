/* Unit tests of the weights.bin reader and writer against the spec's byte
 * layout: a small potential built here field by field, every field mutated,
 * truncated and fuzzed, warnings, and serialisation of invalid potentials. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "testutil.h"

/* ==== weights.bin: a small potential built here, field by field ============ */

typedef struct {
    unsigned char *b;
    size_t n, cap;
} bytes;

static size_t put(bytes *B, const void *src, size_t k)
{
    size_t at = B->n;
    if (B->n + k > B->cap) {
        B->cap = 2 * (B->n + k) + 256;
        B->b = realloc(B->b, B->cap);
        ck_assert_ptr_nonnull(B->b);
    }
    memcpy(B->b + B->n, src, k);
    B->n += k;
    return at;
}

static size_t put_u32(bytes *B, uint32_t v)
{
    unsigned char c[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    return put(B, c, 4);
}

static void poke_u32(unsigned char *b, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++) b[at + (size_t)i] = (unsigned char)(v >> (8 * i));
}

static void poke_f64(unsigned char *b, size_t at, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    for (int i = 0; i < 8; i++) b[at + (size_t)i] = (unsigned char)(u >> (8 * i));
}

static size_t put_f64(bytes *B, double d)
{
    unsigned char c[8];
    poke_f64(c, 0, d);
    return put(B, c, 8);
}

enum { F_TYPE, F_ZJ, F_ZK, F_CUT, F_RC, F_ALPHA, F_ETA, F_RS, F_ZETA, F_LAMBDA, F_SHIFT, F_SCALE, F_GMIN,
       F_GMAX, F_COUNT };

typedef struct {
    size_t n_layers, size[4], act[3], param[3], W[3], b[3];
} net_layout;

typedef struct {
    size_t flags, dlen, desc, n_el, crc;
    struct {
        size_t Z, E0, n_sf, sf[3][F_COUNT];
        net_layout energy, charge;
    } el[2];
} layout;

/* Description with 2-, 3- and 4-byte UTF-8 characters: "é", "€", U+1F600. */
static const char DESC[] = "test potential H/O \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 end";
#define DESC_EURO 22  /* index of the euro sign's first byte */
#define DESC_EMOJI 26 /* index of the 4-byte character */

static void put_sf(bytes *B, size_t *off, uint32_t type, uint32_t Zj, uint32_t Zk, uint32_t cut, double rc,
                   double alpha, double eta, double rs, double zeta, double lambda, double shift, double scale,
                   double gmin, double gmax)
{
    uint32_t u[4] = {type, Zj, Zk, cut};
    double d[10] = {rc, alpha, eta, rs, zeta, lambda, shift, scale, gmin, gmax};
    for (int i = 0; i < 4; i++) off[i] = put_u32(B, u[i]);
    for (int i = 0; i < 10; i++) off[4 + i] = put_f64(B, d[i]);
}

/* W[o][i] = w0 + o + i/10 (so row-major order is checkable), b[o] = -w0 - o. */
static void put_net(bytes *B, net_layout *L, int n_layers, const uint32_t *size, const uint32_t *act,
                    const double *param, double w0)
{
    L->n_layers = put_u32(B, (uint32_t)n_layers);
    for (int l = 0; l <= n_layers; l++) L->size[l] = put_u32(B, size[l]);
    for (int l = 0; l < n_layers; l++) {
        L->act[l] = put_u32(B, act[l]);
        L->param[l] = put_f64(B, param[l]);
        L->W[l] = B->n;
        for (uint32_t o = 0; o < size[l + 1]; o++)
            for (uint32_t i = 0; i < size[l]; i++) put_f64(B, w0 + o + i / 10.0);
        L->b[l] = B->n;
        for (uint32_t o = 0; o < size[l + 1]; o++) put_f64(B, -w0 - o);
    }
}

static void fix_crc(unsigned char *b, size_t n) { poke_u32(b, n - 4, nnv_crc32(b, n - 4)); }

/* H (Z=1): three SFs (types 2, 2, 3), network 3 -> 2 (tanh) -> 1 (identity);
 * O (Z=8): two SFs (types 2, 9), network 2 -> 1 (celu, alpha 0.8).
 * With charges: H charge net 3 -> 1 (identity), O charge net 2 -> 1 (softplus). */
static bytes build(int charges, layout *L)
{
    bytes B = {0};
    put(&B, "NNVIBW01", 8);
    put_u32(&B, 1);
    L->flags = put_u32(&B, charges ? 1u : 0u);
    L->dlen = put_u32(&B, (uint32_t)strlen(DESC));
    L->desc = put(&B, DESC, strlen(DESC));
    L->n_el = put_u32(&B, 2);

    L->el[0].Z = put_u32(&B, 1);
    L->el[0].E0 = put_f64(&B, -13.6);
    L->el[0].n_sf = put_u32(&B, 3);
    put_sf(&B, L->el[0].sf[0], 2, 1, 0, 0, 6.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.1, 2.0, 0.0, 3.0);
    put_sf(&B, L->el[0].sf[1], 2, 8, 0, 1, 5.5, 0.25, 1.0, 0.5, 0.0, 0.0, 0.2, 1.5, 0.1, 2.0);
    put_sf(&B, L->el[0].sf[2], 3, 1, 8, 2, 5.0, 0.0, 0.1, 0.0, 2.0, -1.0, 0.3, 0.5, 0.0, 1.0);
    {
        uint32_t size[3] = {3, 2, 1}, act[2] = {NNV_ACT_TANH, NNV_ACT_IDENTITY};
        double param[2] = {0, 0};
        put_net(&B, &L->el[0].energy, 2, size, act, param, 0.5);
    }
    if (charges) {
        uint32_t size[2] = {3, 1}, act[1] = {NNV_ACT_IDENTITY};
        double param[1] = {0};
        put_net(&B, &L->el[0].charge, 1, size, act, param, 0.01);
    }

    L->el[1].Z = put_u32(&B, 8);
    L->el[1].E0 = put_f64(&B, -432.1);
    L->el[1].n_sf = put_u32(&B, 2);
    put_sf(&B, L->el[1].sf[0], 2, 1, 0, 2, 4.0, 0.0, 2.0, 0.9, 0.0, 0.0, -0.1, 3.0, 0.0, 2.5);
    put_sf(&B, L->el[1].sf[1], 9, 1, 1, 1, 4.5, 0.5, 0.2, 0.0, 1.0, 1.0, 0.0, 0.25, 0.0, 4.0);
    {
        uint32_t size[2] = {2, 1}, act[1] = {NNV_ACT_CELU};
        double param[1] = {0.8};
        put_net(&B, &L->el[1].energy, 1, size, act, param, -0.3);
    }
    if (charges) {
        uint32_t size[2] = {2, 1}, act[1] = {NNV_ACT_SOFTPLUS};
        double param[1] = {0};
        put_net(&B, &L->el[1].charge, 1, size, act, param, 0.02);
    }
    L->crc = put_u32(&B, 0);
    fix_crc(B.b, B.n);
    return B;
}

/* Parses an exact-size heap copy (so ASan sees any overread). */
static int parse_bytes(nnv_potential **p, const unsigned char *b, size_t n, nnv_error *err)
{
    unsigned char *copy = malloc(n ? n : 1);
    int rc;
    ck_assert_ptr_nonnull(copy);
    if (n) memcpy(copy, b, n);
    rc = nnv_potential_parse(p, copy, n, "crafted.bin", err);
    free(copy);
    return rc;
}

static void expect_reject_bytes(const unsigned char *b, size_t n, const char *field, size_t off,
                                const char *why, int line)
{
    nnv_potential *p = NULL;
    nnv_error err = {0};
    char want[256];
    int rc = parse_bytes(&p, b, n, &err);
    ck_assert_msg(rc == NNV_EINPUT, "line %d: accepted (rc %d), expected a rejection of %s", line, rc, field);
    ck_assert_ptr_null(p);
    snprintf(want, sizeof want, "crafted.bin: byte offset %zu: field '%s': ", off, field);
    ck_assert_msg(strncmp(err.message, want, strlen(want)) == 0, "line %d: expected \"%s...\", got \"%s\"", line,
                  want, err.message);
    ck_assert_msg(!why || strstr(err.message, why), "line %d: '%s' not in \"%s\"", line, why, err.message);
}

/* Mutations of the valid file: one field changed, the CRC recomputed. */
static void reject_u32(const bytes *B, size_t at, uint32_t v, const char *field, size_t off, const char *why,
                       int line)
{
    unsigned char *c = malloc(B->n);
    memcpy(c, B->b, B->n);
    poke_u32(c, at, v);
    fix_crc(c, B->n);
    expect_reject_bytes(c, B->n, field, off, why, line);
    free(c);
}

static void reject_f64(const bytes *B, size_t at, double v, const char *field, const char *why, int line)
{
    unsigned char *c = malloc(B->n);
    memcpy(c, B->b, B->n);
    poke_f64(c, at, v);
    fix_crc(c, B->n);
    expect_reject_bytes(c, B->n, field, at, why, line);
    free(c);
}

#define REJECT_U32(at, v, field, why) reject_u32(&B, (at), (v), (field), (at), (why), __LINE__)
#define REJECT_F64(at, v, field, why) reject_f64(&B, (at), (v), (field), (why), __LINE__)

START_TEST(test_weights_layout)
{
    /* The reader puts every field where the byte layout says. */
    layout L;
    bytes B = build(1, &L);
    nnv_potential *p = NULL;
    nnv_error err = {0};
    ck_assert_msg(parse_bytes(&p, B.b, B.n, &err) == NNV_OK, "%s", err.message);
    ck_assert_uint_eq(p->flags, 1u);
    ck_assert_str_eq(p->description, DESC);
    ck_assert_int_eq(p->warnings.count, 0);
    ck_assert_int_eq(p->n_elements, 2);
    const nnv_element_model *H = &p->elements[0], *O = &p->elements[1];
    ck_assert(H->Z == 1 && H->E0 == -13.6 && H->n_sf == 3 && O->Z == 8 && O->E0 == -432.1 && O->n_sf == 2);
    const nnv_sf *s = &H->sf[1];
    ck_assert(s->type == 2 && s->Zj == 8 && s->Zk == 0 && s->cutoff == 1 && s->rc == 5.5 &&
              s->cutoff_alpha == 0.25 && s->eta == 1.0 && s->rs == 0.5 && s->shift == 0.2 && s->scale == 1.5 &&
              s->gmin == 0.1 && s->gmax == 2.0);
    s = &H->sf[2];
    ck_assert(s->type == 3 && s->Zj == 1 && s->Zk == 8 && s->cutoff == 2 && s->zeta == 2.0 && s->lambda == -1.0);
    s = &O->sf[1];
    ck_assert(s->type == 9 && s->Zj == 1 && s->Zk == 1 && s->lambda == 1.0 && s->gmax == 4.0);
    ck_assert_int_eq(H->energy.n_layers, 2);
    const nnv_layer *l0 = &H->energy.layers[0], *l1 = &H->energy.layers[1];
    ck_assert(l0->n_in == 3 && l0->n_out == 2 && l0->activation == NNV_ACT_TANH && l0->param == 0.0);
    ck_assert(l1->n_in == 2 && l1->n_out == 1 && l1->activation == NNV_ACT_IDENTITY);
    /* Row-major: W[o][i] = 0.5 + o + i/10 at W[o * n_in + i]. */
    ck_assert(l0->W[1 * 3 + 2] == 0.5 + 1 + 2 / 10.0 && l0->W[0 * 3 + 1] == 0.5 + 0.1);
    ck_assert(l0->b[1] == -1.5 && l1->b[0] == -0.5);
    ck_assert(O->energy.layers[0].activation == NNV_ACT_CELU && O->energy.layers[0].param == 0.8);
    ck_assert(H->charge.n_layers == 1 && H->charge.layers[0].n_in == 3 && H->charge.layers[0].W[2] == 0.01 + 0.2);
    ck_assert(O->charge.layers[0].activation == NNV_ACT_SOFTPLUS && O->charge.layers[0].b[0] == -0.02);

    ck_assert_ptr_eq(nnv_potential_element(p, 1), H);
    ck_assert_ptr_eq(nnv_potential_element(p, 8), O);
    ck_assert_ptr_null(nnv_potential_element(p, 6));
    ck_assert_ptr_null(nnv_potential_element(p, 0));
    ck_assert_ptr_null(nnv_potential_element(p, 119));
    ck_assert_ptr_null(nnv_potential_element(NULL, 1));

    /* serialize() gives back the very bytes built here. */
    unsigned char *out = NULL;
    size_t n = 0;
    ck_assert_msg(nnv_potential_serialize(&out, &n, p, &err) == NNV_OK, "%s", err.message);
    ck_assert(n == B.n && memcmp(out, B.b, n) == 0);
    free(out);
    nnv_potential_free(p);
    free(B.b);

    /* Without charge networks, too. */
    B = build(0, &L);
    ck_assert_msg(parse_bytes(&p, B.b, B.n, &err) == NNV_OK, "%s", err.message);
    ck_assert(p->flags == 0 && p->elements[0].charge.n_layers == 0 && p->elements[1].charge.n_layers == 0);
    ck_assert_msg(nnv_potential_serialize(&out, &n, p, &err) == NNV_OK, "%s", err.message);
    ck_assert(n == B.n && memcmp(out, B.b, n) == 0);
    free(out);
    nnv_potential_free(p);
    free(B.b);
    nnv_potential_free(NULL);
}
END_TEST

START_TEST(test_weights_smoothness)
{
    layout L;
    bytes B = build(1, &L);
    nnv_potential *p = NULL;
    nnv_error err = {0};
    ck_assert_int_eq(parse_bytes(&p, B.b, B.n, &err), NNV_OK);
    /* celu (C1) and COS (C1) are the weakest here. */
    ck_assert_int_eq(nnv_potential_smoothness(p), NNV_C1);
    p->elements[0].sf[0].cutoff = NNV_CUTOFF_POLY2;
    ck_assert_int_eq(nnv_potential_smoothness(p), NNV_C1); /* still celu */
    p->elements[1].energy.layers[0].activation = NNV_ACT_GELU;
    ck_assert_int_eq(nnv_potential_smoothness(p), NNV_C2); /* POLY2, TANHU */
    p->elements[0].charge.layers[0].activation = NNV_ACT_RELU;
    ck_assert_int_eq(nnv_potential_smoothness(p), NNV_C0); /* relu in a charge network counts */
    p->elements[0].charge.layers[0].activation = NNV_ACT_SSP;
    p->elements[1].sf[1].cutoff = NNV_CUTOFF_COS;
    ck_assert_int_eq(nnv_potential_smoothness(p), NNV_C1);
    ck_assert_str_eq(nnv_smoothness_name(NNV_C0), "C0");
    ck_assert_str_eq(nnv_smoothness_name(NNV_C1), "C1");
    ck_assert_str_eq(nnv_smoothness_name(NNV_C2), "C2");
    ck_assert_str_eq(nnv_smoothness_name(NNV_CINF), "C-infinity");
    /* the names round-trip, and codes or names outside the enum are refused */
    for (int a = 0; a < NNV_ACT_COUNT; a++)
        ck_assert_int_eq(nnv_activation_from_name(nnv_activation_name(a)), a);
    ck_assert_str_eq(nnv_activation_name(NNV_ACT_SOFTPLUS), "softplus");
    ck_assert_str_eq(nnv_activation_name(NNV_ACT_COUNT), "unknown");
    ck_assert_str_eq(nnv_activation_name(-1), "unknown");
    ck_assert_int_eq(nnv_activation_from_name("unknown"), -1);
    ck_assert_int_eq(nnv_activation_from_name("Tanh"), -1);
    ck_assert_int_eq(nnv_activation_from_name(NULL), -1);
    nnv_potential_free(p);
    free(B.b);
}
END_TEST

START_TEST(test_weights_rejections)
{
    layout L;
    bytes B = build(1, &L);
    const size_t *h0 = L.el[0].sf[0], *h2 = L.el[0].sf[2], *o0 = L.el[1].sf[0];
    const net_layout *hn = &L.el[0].energy;
    const char *H0 = "element[0](Z=1).sf[0].", *HN = "element[0](Z=1).energy_network.";
    char f[160];
#define FLD(pre, name) (snprintf(f, sizeof f, "%s%s", (pre), (name)), f)

    /* Header. */
    REJECT_U32(0, 0x41414141u, "magic", "wrong magic b'AAAABW01'");
    REJECT_U32(8, 2, "version", "unsupported version 2");
    REJECT_U32(8, 0, "version", NULL);
    REJECT_U32(L.flags, 4, "flags", "0x00000004");
    REJECT_U32(L.flags, 0x80000001u, "flags", "0x80000001");
    REJECT_U32(L.dlen, 65537, "description_length", "65537");
    REJECT_U32(L.n_el, 0, "n_elements", "count 0");
    REJECT_U32(L.n_el, 119, "n_elements", "119");
    /* Element blocks. */
    REJECT_U32(L.el[0].Z, 0, "element[0].Z", "atomic number 0");
    REJECT_U32(L.el[0].Z, 119, "element[0].Z", "atomic number 119");
    REJECT_U32(L.el[1].Z, 1, "element[1].Z", "ascending");
    reject_u32(&B, L.el[0].Z, 9, "element[1].Z", L.el[1].Z, "(Z=8 after Z=9)", __LINE__);
    REJECT_F64(L.el[0].E0, NAN, "element[0](Z=1).E0", "non-finite number (nan)");
    REJECT_F64(L.el[1].E0, -INFINITY, "element[1](Z=8).E0", "non-finite number (-inf)");
    REJECT_U32(L.el[0].n_sf, 0, "element[0](Z=1).n_sf", "count 0 out of range 1..4096");
    REJECT_U32(L.el[0].n_sf, 4097, "element[0](Z=1).n_sf", "count 4097 out of range 1..4096");
    /* SF records. */
    REJECT_U32(h0[F_TYPE], 4, FLD(H0, "type"), "unknown symmetry function type 4");
    REJECT_U32(h0[F_TYPE], 1, FLD(H0, "type"), NULL);
    REJECT_U32(h0[F_ZJ], 0, FLD(H0, "Zj"), "atomic number 0");
    REJECT_U32(h0[F_ZJ], 119, FLD(H0, "Zj"), "119");
    REJECT_U32(h0[F_ZK], 1, FLD(H0, "Zk"), "Zk must be 0");  /* non-zero Zk on type 2 */
    REJECT_U32(h2[F_ZK], 0, "element[0](Z=1).sf[2].Zk", "atomic number 0");
    REJECT_U32(h0[F_CUT], 3, FLD(H0, "cutoff_type"), "unknown cutoff code 3");
    REJECT_F64(h0[F_RC], 0.0, FLD(H0, "rc"), "rc must be > 0, got 0.0");
    REJECT_F64(h0[F_RC], -5.0, FLD(H0, "rc"), "got -5.0");
    REJECT_F64(h0[F_RC], INFINITY, FLD(H0, "rc"), "non-finite number (inf)");
    REJECT_F64(h0[F_ALPHA], 1.0, FLD(H0, "cutoff_alpha"), "got 1.0");
    REJECT_F64(h0[F_ALPHA], -0.25, FLD(H0, "cutoff_alpha"), "got -0.25");
    REJECT_F64(h0[F_ALPHA], NAN, FLD(H0, "cutoff_alpha"), "non-finite");
    REJECT_F64(h0[F_ETA], NAN, FLD(H0, "eta"), "non-finite");
    REJECT_F64(h0[F_RS], INFINITY, FLD(H0, "rs"), "non-finite");
    REJECT_F64(h0[F_ZETA], NAN, FLD(H0, "zeta"), "non-finite");
    REJECT_F64(h0[F_LAMBDA], NAN, FLD(H0, "lambda"), "non-finite");
    REJECT_F64(h0[F_SHIFT], NAN, FLD(H0, "shift"), "non-finite");
    REJECT_F64(h0[F_SCALE], 0.0, FLD(H0, "scale"), "scale must not be 0");
    REJECT_F64(h0[F_SCALE], -0.0, FLD(H0, "scale"), "scale must not be 0");
    REJECT_F64(h0[F_SCALE], INFINITY, FLD(H0, "scale"), "non-finite");
    REJECT_F64(h0[F_GMIN], NAN, FLD(H0, "gmin"), "non-finite number (nan)");
    REJECT_F64(h0[F_GMAX], INFINITY, FLD(H0, "gmax"), "non-finite");
    REJECT_F64(h2[F_ZETA], 0.5, "element[0](Z=1).sf[2].zeta", "zeta must be >= 1, got 0.5");
    REJECT_F64(h2[F_ZETA], 0.0, "element[0](Z=1).sf[2].zeta", NULL);
    REJECT_F64(h2[F_LAMBDA], 0.5, "element[0](Z=1).sf[2].lambda", "lambda must be -1 or +1, got 0.5");
    REJECT_F64(h2[F_LAMBDA], 0.0, "element[0](Z=1).sf[2].lambda", NULL);
    REJECT_F64(h2[F_LAMBDA], 2.0, "element[0](Z=1).sf[2].lambda", NULL);
    REJECT_F64(L.el[1].sf[1][F_ZETA], 0.999, "element[1](Z=8).sf[1].zeta", NULL);
    /* An SF naming an element without a block: the offset of that Zj/Zk. */
    REJECT_U32(o0[F_ZJ], 26, "element[1](Z=8).sf[0].Zj", "names element Z=26");
    REJECT_U32(h2[F_ZK], 6, "element[0](Z=1).sf[2].Zk", "names element Z=6");
    /* Networks. */
    REJECT_U32(hn->n_layers, 0, FLD(HN, "n_layers"), "count 0 out of range 1..64");
    REJECT_U32(hn->n_layers, 65, FLD(HN, "n_layers"), "count 65 out of range 1..64");
    REJECT_U32(hn->size[0], 4, FLD(HN, "size[0]"), "size[0]=4 but n_sf=3");
    REJECT_U32(hn->size[1], 0, FLD(HN, "size[1]"), "count 0 out of range 1..4096");
    REJECT_U32(hn->size[1], 4097, FLD(HN, "size[1]"), "count 4097 out of range 1..4096");
    REJECT_U32(hn->size[2], 2, FLD(HN, "size[2]"), "size[n_layers]=2, must be 1");
    REJECT_U32(hn->act[0], 8, FLD(HN, "layer[0].activation"), "unknown activation code 8");
    REJECT_U32(L.el[1].charge.act[0], 99, "element[1](Z=8).charge_network.layer[0].activation", NULL);
    REJECT_F64(L.el[1].energy.param[0], 0.0, "element[1](Z=8).energy_network.layer[0].param", "got 0.0");
    REJECT_F64(L.el[1].energy.param[0], -1.0, "element[1](Z=8).energy_network.layer[0].param", "got -1.0");
    REJECT_F64(hn->param[0], NAN, FLD(HN, "layer[0].param"), "non-finite");
    REJECT_F64(hn->W[0] + 8 * (1 * 3 + 2), NAN, FLD(HN, "layer[0].W[1][2]"), "non-finite number (nan)");
    REJECT_F64(hn->W[1] + 8, -INFINITY, FLD(HN, "layer[1].W[0][1]"), "non-finite");
    REJECT_F64(hn->b[0] + 8, INFINITY, FLD(HN, "layer[0].b[1]"), "non-finite");
    REJECT_F64(L.el[0].charge.b[0], NAN, "element[0](Z=1).charge_network.layer[0].b[0]", NULL);

    /* Description: not valid UTF-8 (offset of the bad sequence). */
    {
        static const struct {
            size_t at;
            const char *bytes;
            size_t n;
        } bad[] = {
            {DESC_EURO, "\xc0\x80\x41", 3},          /* overlong NUL */
            {DESC_EURO, "\xe0\x82\xac", 3},          /* overlong euro */
            {DESC_EURO, "\xed\xa0\x80", 3},          /* surrogate U+D800 */
            {DESC_EMOJI, "\xf4\x90\x80\x80", 4},     /* U+110000 */
            {DESC_EMOJI, "\xf8\x88\x80\x80", 4},     /* 5-byte form */
            {DESC_EURO, "\x80", 1},                  /* lone continuation byte */
            {DESC_EURO, "\xff", 1},
            {DESC_EURO, "\xe2\x82\x41", 3},          /* truncated sequence */
            {sizeof DESC - 2, "\xe2", 1},            /* truncated at the end of the text */
            {4, "\x00", 1},                          /* NUL: cannot be kept in a C string */
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            unsigned char *c = malloc(B.n);
            memcpy(c, B.b, B.n);
            memcpy(c + L.desc + bad[i].at, bad[i].bytes, bad[i].n);
            fix_crc(c, B.n);
            expect_reject_bytes(c, B.n, "description", L.desc + bad[i].at, NULL, (int)(1000 + i));
            free(c);
        }
    }
    /* CRC: a flipped bit with the old CRC; a wrong stored CRC. */
    {
        unsigned char *c = malloc(B.n);
        memcpy(c, B.b, B.n);
        c[hn->W[0] + 7] ^= 0x80; /* sign of W[0][0] */
        expect_reject_bytes(c, B.n, "crc32", L.crc, "CRC mismatch", __LINE__);
        memcpy(c, B.b, B.n);
        c[B.n - 1] ^= 1;
        expect_reject_bytes(c, B.n, "crc32", L.crc, "CRC mismatch", __LINE__);
        free(c);
    }
    /* Charge flag set on a file without charge networks. */
    {
        layout L0;
        bytes B0 = build(0, &L0);
        poke_u32(B0.b, L0.flags, 1);
        fix_crc(B0.b, B0.n);
        nnv_potential *p = NULL;
        nnv_error err = {0};
        ck_assert_int_eq(parse_bytes(&p, B0.b, B0.n, &err), NNV_EINPUT);
        free(B0.b);
    }
    free(B.b);
#undef FLD
}
END_TEST

START_TEST(test_weights_length)
{
    layout L;
    bytes B = build(1, &L);
    nnv_potential *p = NULL;
    nnv_error err = {0};
    /* Every truncation is rejected as too short, naming the field cut off. */
    for (size_t n = 0; n < B.n; n++) {
        int rc = parse_bytes(&p, B.b, n, &err);
        ck_assert_msg(rc == NNV_EINPUT, "prefix of %zu bytes accepted", n);
        ck_assert_msg(strstr(err.message, "file is shorter than its fields say") &&
                          strncmp(err.message, "crafted.bin: byte offset ", 25) == 0,
                      "prefix %zu: %s", n, err.message);
    }
    {
        char want[200];
        snprintf(want, sizeof want, "field 'crc32': file is shorter than its fields say (field needs 4 bytes, 3 "
                 "left; file size %zu)", B.n - 1);
        parse_bytes(&p, B.b, B.n - 1, &err);
        ck_assert_msg(strstr(err.message, want), "%s", err.message);
    }
    /* Trailing bytes. */
    {
        unsigned char *c = malloc(B.n + 3);
        memcpy(c, B.b, B.n);
        memset(c + B.n, 0, 3);
        expect_reject_bytes(c, B.n + 3, "end of file", B.n, "(3 trailing bytes)", __LINE__);
        free(c);
    }
    /* A file that claims huge arrays is rejected without allocating them:
     * a 4096 x 4096 first layer in a file of a few hundred bytes. */
    {
        unsigned char *c = malloc(B.n);
        memcpy(c, B.b, B.n);
        poke_u32(c, L.el[0].n_sf, 4096);
        fix_crc(c, B.n);
        ck_assert_int_eq(parse_bytes(&p, c, B.n, &err), NNV_EINPUT);
        free(c);
    }
    free(B.b);
}
END_TEST

START_TEST(test_weights_fuzz)
{
    /* Every byte replaced by a few values, CRC fixed or not: the reader
     * either accepts or rejects as bad input, and never crashes (run under
     * ASan/UBSan with --enable-sanitizers). */
    layout L;
    bytes B = build(1, &L);
    unsigned char *c = malloc(B.n);
    const unsigned char vals[] = {0x00, 0xff, 0x80, 0x7f, 0x01};
    int accepted = 0;
    for (size_t i = 0; i < B.n; i++) {
        for (size_t v = 0; v < sizeof vals; v++) {
            for (int crc = 0; crc < 2; crc++) {
                nnv_potential *p = NULL;
                nnv_error err = {0};
                int rc;
                memcpy(c, B.b, B.n);
                c[i] = vals[v] == B.b[i] ? (unsigned char)~vals[v] : vals[v];
                if (crc) fix_crc(c, B.n);
                rc = nnv_potential_parse(&p, c, B.n, "fuzz.bin", &err);
                ck_assert_msg(rc == NNV_OK || rc == NNV_EINPUT, "byte %zu: rc %d", i, rc);
                if (rc == NNV_OK) {
                    ck_assert_msg(crc, "byte %zu changed without a CRC fix but accepted", i);
                    accepted++;
                } else {
                    ck_assert_ptr_null(p);
                }
                nnv_potential_free(p);
            }
        }
    }
    ck_assert(accepted > 0); /* changes in weights are legal */
    free(c);
    free(B.b);
}
END_TEST

START_TEST(test_weights_warnings)
{
    layout L;
    bytes B = build(1, &L);
    struct {
        size_t at;
        double v;
        const char *field;
    } w[] = {
        {L.el[0].energy.param[0], 0.5, "element[0](Z=1).energy_network.layer[0].param"}, /* tanh with param */
        {L.el[0].charge.param[0], -2.0, "element[0](Z=1).charge_network.layer[0].param"},
        {L.el[0].sf[0][F_GMIN], 5.0, "element[0](Z=1).sf[0].gmax"},                     /* gmin > gmax */
        {L.el[0].sf[0][F_ZETA], 1.0, "element[0](Z=1).sf[0].zeta"},                     /* type 2 */
        {L.el[1].sf[0][F_LAMBDA], -1.0, "element[1](Z=8).sf[0].lambda"},
    };
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        nnv_potential *p = NULL;
        nnv_error err = {0};
        unsigned char *c = malloc(B.n);
        char want[200];
        memcpy(c, B.b, B.n);
        poke_f64(c, w[i].at, w[i].v);
        fix_crc(c, B.n);
        ck_assert_msg(parse_bytes(&p, c, B.n, &err) == NNV_OK, "case %zu: %s", i, err.message);
        ck_assert_int_eq(p->warnings.count, 1);
        snprintf(want, sizeof want, "crafted.bin: byte offset %zu: field '%s'",
                 i == 2 ? L.el[0].sf[0][F_GMAX] : w[i].at, w[i].field);
        ck_assert_msg(strstr(p->warnings.messages[0], want), "case %zu: %s", i, p->warnings.messages[0]);
        nnv_potential_free(p);
        free(c);
    }
    free(B.b);
}
END_TEST

START_TEST(test_weights_serialize_validates)
{
    layout L;
    bytes B = build(1, &L);
    nnv_potential *p = NULL;
    nnv_error err = {0};
    unsigned char *out = NULL;
    size_t n = 0;
    ck_assert_int_eq(parse_bytes(&p, B.b, B.n, &err), NNV_OK);

    p->elements[0].sf[1].rc = -1.0;
    ck_assert_int_eq(nnv_potential_serialize(&out, &n, p, &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "'element[0](Z=1).sf[1].rc'"), "%s", err.message);
    ck_assert_ptr_null(out);
    p->elements[0].sf[1].rc = 5.5;

    p->elements[1].sf[1].lambda = 0.0;
    ck_assert_int_eq(nnv_potential_serialize(&out, &n, p, &err), NNV_EINPUT);
    p->elements[1].sf[1].lambda = 1.0;

    p->elements[0].energy.layers[1].n_in = 3; /* chain 3 -> 2, then 3 -> 1 */
    ck_assert_int_eq(nnv_potential_serialize(&out, &n, p, &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "chain"), "%s", err.message);
    p->elements[0].energy.layers[1].n_in = 2;

    p->flags = 0; /* charge networks present but not flagged */
    ck_assert_int_eq(nnv_potential_serialize(&out, &n, p, &err), NNV_EINPUT);
    p->flags = 6;
    ck_assert_int_eq(nnv_potential_serialize(&out, &n, p, &err), NNV_EINPUT);
    p->flags = 1;

    p->elements[1].Z = 1; /* not ascending */
    ck_assert_int_eq(nnv_potential_serialize(&out, &n, p, &err), NNV_EINPUT);
    p->elements[1].Z = 8;

    p->description[0] = (char)0xff;
    ck_assert_int_eq(nnv_potential_serialize(&out, &n, p, &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "'description'"), "%s", err.message);
    p->description[0] = 't';

    ck_assert_int_eq(nnv_potential_serialize(&out, &n, p, &err), NNV_OK);
    ck_assert(n == B.n && memcmp(out, B.b, n) == 0);
    free(out);

    /* A potential that cannot be written leaves no file, temporary or not. */
    {
        char dir[] = "/tmp/nnvib-test-io-XXXXXX", path[64];
        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(path, sizeof path, "%s/w.bin", dir);
        p->elements[0].E0 = NAN;
        ck_assert_int_eq(nnv_potential_write(path, p, &err), NNV_EINPUT);
        ck_assert_int_eq(rmdir(dir), 0); /* fails unless the folder is empty */
    }
    nnv_potential_free(p);
    free(B.b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("weights");
    TCase *tc;

    tc = tcase_create("weights");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_weights_layout);
    tcase_add_test(tc, test_weights_smoothness);
    tcase_add_test(tc, test_weights_rejections);
    tcase_add_test(tc, test_weights_length);
    tcase_add_test(tc, test_weights_fuzz);
    tcase_add_test(tc, test_weights_warnings);
    tcase_add_test(tc, test_weights_serialize_validates);
    suite_add_tcase(s, tc);

    return tu_run(s);
}
