/* potential_io.c: reads and validates weights.bin (format version 1, and
 * version 2, a committee and/or a novelty block: docs/nnp-format.md
 * sections 3, 5 and 6) byte for byte;
 * every rejection names the file, the byte offset and the field, in the
 * wording of the reference reader. The writer is potential_write.c. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/weights_format.h"

/* The format allows files of about 2 TB (118 element blocks of 4096 SF
 * records and two networks of 64 layers 4096 units wide), but no trained
 * Behler-Parrinello network comes near 4 GiB (a large one holds 10^5
 * weights, under 1 MB), and reading more from a pipe or a device would
 * exhaust memory before any field could be checked. */
#define WEIGHTS_MAX_BYTES ((size_t)4 << 30)

/* ---- number formatting ------------------------------------------------------ */

/* Shortest text that reads back as x, in Python's repr style ("0.0", "-5.0",
 * "0.5", "1e-05", "nan", "inf"), so messages read as the reference's do. */
static const char *fmt_num(char buf[40], double x)
{
    int p, e;
    char tmp[40];
    if (isnan(x)) return "nan";
    if (isinf(x)) return x > 0 ? "inf" : "-inf";
    for (p = 1; p < 17; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, x);
        if (strtod(tmp, NULL) == x) break;
    }
    snprintf(tmp, sizeof tmp, "%.*e", p - 1, x);
    e = atoi(strchr(tmp, 'e') + 1);
    if (e >= -4 && e < 16) {
        int decimals = p - 1 - e;
        snprintf(buf, 40, "%.*f", decimals > 0 ? decimals : 0, x);
        if (!strchr(buf, '.')) strcat(buf, ".0");
    } else {
        memcpy(buf, tmp, sizeof tmp);
    }
    return buf;
}

/* ---- the reader ----------------------------------------------------------- */

typedef struct {
    const unsigned char *buf;
    size_t len, pos;
    const char *name;
    nnv_error *err;
    nnv_warnings *warn;
    char field[192]; /* name of the field read last (or being read) */
    size_t off;      /* its byte offset */
} reader;

PRINTF_LIKE(2, 3) static void set_field(reader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->field, sizeof r->field, fmt, ap);
    va_end(ap);
    r->off = r->pos;
}

/* Rejects the current field: "NAME: byte offset N: field 'F': <why>". */
PRINTF_LIKE(2, 3) static int reject(reader *r, const char *fmt, ...)
{
    char why[NNV_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return nnv_error_set(r->err, NNV_EINPUT, "%s: byte offset %zu: field '%s': %s", r->name,
                         r->off, r->field, why);
}

PRINTF_LIKE(2, 3) static void warn(reader *r, const char *fmt, ...)
{
    char why[NNV_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    nnv_warnings_add(r->warn, "%s: byte offset %zu: field '%s': %s", r->name, r->off, r->field,
                     why);
}

/* Claims n bytes at the current position for the current field. */
static int take(reader *r, size_t n, const unsigned char **at)
{
    size_t left = r->len - r->pos;
    *at = NULL;
    r->off = r->pos;
    if (left < n)
        return reject(r, "file is shorter than its fields say (field needs %zu bytes, %zu left; "
                         "file size %zu)",
                      n, left, r->len);
    *at = r->buf + r->pos;
    r->pos += n;
    return NNV_OK;
}

static uint32_t load_u32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static double load_f64(const unsigned char *b)
{
    uint64_t u = 0;
    double d;
    for (int i = 7; i >= 0; i--) u = u << 8 | b[i];
    memcpy(&d, &u, sizeof d);
    return d;
}

static int rd_u32(reader *r, uint32_t *v)
{
    const unsigned char *at;
    int rc = take(r, 4, &at);
    if (rc == NNV_OK) *v = load_u32(at);
    return rc;
}

/* A count in lo..hi. */
static int rd_count(reader *r, uint32_t lo, uint32_t hi, uint32_t *v)
{
    int rc = rd_u32(r, v);
    if (rc != NNV_OK) return rc;
    if (*v < lo || *v > hi) return reject(r, "count %u out of range %u..%u", *v, lo, hi);
    return NNV_OK;
}

/* An f64; every f64 of the format must be finite. */
static int rd_f64(reader *r, double *v)
{
    const unsigned char *at;
    char nb[40];
    int rc = take(r, 8, &at);
    if (rc != NNV_OK) return rc;
    *v = load_f64(at);
    if (!isfinite(*v)) return reject(r, "non-finite number (%s)", fmt_num(nb, *v));
    return NNV_OK;
}

/* Index of the first byte of an invalid UTF-8 sequence in s[0..n), or n when
 * all is valid (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF). */
static size_t utf8_invalid_at(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k;
        unsigned cp, min;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) k = 1, cp = c & 0x1f, min = 0x80;
        else if (c >= 0xe0 && c <= 0xef) k = 2, cp = c & 0x0f, min = 0x800;
        else if (c >= 0xf0 && c <= 0xf4) k = 3, cp = c & 0x07, min = 0x10000;
        else return i;
        if (n - i <= k) return i;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80) return i;
            cp = cp << 6 | (s[i + j] & 0x3fu);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
        i += k + 1;
    }
    return n;
}

/* The committee block of a version-2 header. */
static int read_committee(reader *r, nnv_potential *p)
{
    uint32_t v;
    char a[40];
    int rc;
    set_field(r, "committee.n_members");
    if ((rc = rd_count(r, NNV_COMMITTEE_MIN, NNV_COMMITTEE_MAX, &v)) != NNV_OK) return rc;
    p->n_members = (int)v;
    set_field(r, "committee.kind");
    if ((rc = rd_u32(r, &v)) != NNV_OK) return rc;
    if (v != NNV_COMMITTEE_FULL && v != NNV_COMMITTEE_SHALLOW)
        return reject(r, "unknown committee kind %u (0 = full members, 1 = shallow ensemble)", v);
    p->committee_kind = (int)v;
    set_field(r, "committee.spread_scale");
    if ((rc = rd_f64(r, &p->spread_scale)) != NNV_OK) return rc;
    if (!(p->spread_scale > 0)) return reject(r, "spread_scale must be > 0, got %s", fmt_num(a, p->spread_scale));
    return NNV_OK;
}

static int read_header(reader *r, nnv_potential *p)
{
    const unsigned char *at;
    uint32_t v, dlen;
    size_t bad;
    int rc;

    set_field(r, "magic");
    if ((rc = take(r, MAGIC_LEN, &at)) != NNV_OK) return rc;
    if (memcmp(at, MAGIC, MAGIC_LEN) != 0) {
        char shown[4 * MAGIC_LEN + 1], *q = shown;
        for (int i = 0; i < MAGIC_LEN; i++) {
            if (at[i] >= 0x20 && at[i] < 0x7f && at[i] != '\'' && at[i] != '\\') *q++ = (char)at[i];
            else q += sprintf(q, "\\x%02x", at[i]);
        }
        *q = '\0';
        return reject(r, "wrong magic b'%s', expected b'%s'", shown, MAGIC);
    }
    set_field(r, "version");
    if ((rc = rd_u32(r, &v)) != NNV_OK) return rc;
    if (v != FORMAT_VERSION && v != FORMAT_VERSION_COMMITTEE)
        return reject(r, "unsupported version %u, expected %u or %u (committee)", v, FORMAT_VERSION,
                      FORMAT_VERSION_COMMITTEE);
    set_field(r, "flags");
    if ((rc = rd_u32(r, &p->flags)) != NNV_OK) return rc;
    if (v == FORMAT_VERSION && (p->flags & ~NNV_FLAG_CHARGES))
        return reject(r, "unknown flag bits set (flags=0x%08x; only bit 0 is defined%s)", p->flags,
                      (p->flags & NNV_FLAG_COMMITTEE) ? " in version 1; bit 1, a committee, needs version 2" : "");
    if (v == FORMAT_VERSION_COMMITTEE && (p->flags & ~(NNV_FLAG_CHARGES | NNV_FLAG_COMMITTEE | NNV_FLAG_NOVELTY)))
        return reject(r, "unknown flag bits set (flags=0x%08x; only bits 0, 1 and 2 are defined in version 2)",
                      p->flags);
    /* Version 2 carries an extension (a committee, bit 1, or a novelty
     * block, bit 2, or both), so that a version-1 file whose version field
     * was changed is still rejected, at that field. */
    if (v == FORMAT_VERSION_COMMITTEE && !(p->flags & (NNV_FLAG_COMMITTEE | NNV_FLAG_NOVELTY))) {
        r->off = MAGIC_LEN;
        snprintf(r->field, sizeof r->field, "version");
        return reject(r, "unsupported version 2 without the committee flag (flags=0x%08x; version 2 is a committee "
                         "file, flag bit 1, or has a novelty block, flag bit 2)", p->flags);
    }
    set_field(r, "description_length");
    if ((rc = rd_count(r, 0, MAX_DESCRIPTION, &dlen)) != NNV_OK) return rc;
    set_field(r, "description");
    if ((rc = take(r, dlen, &at)) != NNV_OK) return rc;
    bad = utf8_invalid_at(at, dlen);
    if (bad < dlen) {
        r->off += bad;
        return reject(r, "not valid UTF-8 (byte 0x%02x at index %zu of the description)", at[bad],
                      bad);
    }
    /* The in-memory copy is NUL-terminated, so a NUL inside could not be
     * written back unchanged; refuse it rather than silently cut the text. */
    if (dlen && memchr(at, 0, dlen)) {
        bad = (size_t)((const unsigned char *)memchr(at, 0, dlen) - at);
        r->off += bad;
        return reject(r, "contains a NUL character (index %zu), which nnvib cannot keep", bad);
    }
    p->description = malloc((size_t)dlen + 1);
    if (!p->description) return nnv_error_set(r->err, NNV_ENOMEM, "%s: out of memory", r->name);
    if (dlen) memcpy(p->description, at, dlen);
    p->description[dlen] = '\0';
    return (p->flags & NNV_FLAG_COMMITTEE) ? read_committee(r, p) : NNV_OK;
}

static int read_sf(reader *r, const char *pre, int k, nnv_sf *sf)
{
    uint32_t v;
    char a[40], b[40];
    int rc;

    set_field(r, "%s.sf[%d].type", pre, k);
    if ((rc = rd_u32(r, &v)) != NNV_OK) return rc;
    if (v != NNV_SF_RADIAL && v != NNV_SF_ANGULAR_NARROW && v != NNV_SF_ANGULAR_WIDE)
        return reject(r, "unknown symmetry function type %u", v);
    sf->type = (int)v;
    set_field(r, "%s.sf[%d].Zj", pre, k);
    if ((rc = rd_u32(r, &v)) != NNV_OK) return rc;
    if (v < 1 || v > NNV_MAX_Z) return reject(r, "atomic number %u out of range 1..%d", v, NNV_MAX_Z);
    sf->Zj = (int)v;
    set_field(r, "%s.sf[%d].Zk", pre, k);
    if ((rc = rd_u32(r, &v)) != NNV_OK) return rc;
    if (sf->type == NNV_SF_RADIAL && v != 0)
        return reject(r, "Zk must be 0 for a type-2 symmetry function, got %u", v);
    if (sf->type != NNV_SF_RADIAL && (v < 1 || v > NNV_MAX_Z))
        return reject(r, "atomic number %u out of range 1..%d", v, NNV_MAX_Z);
    sf->Zk = (int)v;
    set_field(r, "%s.sf[%d].cutoff_type", pre, k);
    if ((rc = rd_u32(r, &v)) != NNV_OK) return rc;
    if (v > NNV_CUTOFF_TANHU) return reject(r, "unknown cutoff code %u", v);
    sf->cutoff = (int)v;

    set_field(r, "%s.sf[%d].rc", pre, k);
    if ((rc = rd_f64(r, &sf->rc)) != NNV_OK) return rc;
    if (!(sf->rc > 0)) return reject(r, "rc must be > 0, got %s", fmt_num(a, sf->rc));
    set_field(r, "%s.sf[%d].cutoff_alpha", pre, k);
    if ((rc = rd_f64(r, &sf->cutoff_alpha)) != NNV_OK) return rc;
    if (!(sf->cutoff_alpha >= 0 && sf->cutoff_alpha < 1))
        return reject(r, "cutoff_alpha must be in [0, 1), got %s", fmt_num(a, sf->cutoff_alpha));
    set_field(r, "%s.sf[%d].eta", pre, k);
    if ((rc = rd_f64(r, &sf->eta)) != NNV_OK) return rc;
    set_field(r, "%s.sf[%d].rs", pre, k);
    if ((rc = rd_f64(r, &sf->rs)) != NNV_OK) return rc;
    set_field(r, "%s.sf[%d].zeta", pre, k);
    if ((rc = rd_f64(r, &sf->zeta)) != NNV_OK) return rc;
    if (sf->type == NNV_SF_RADIAL && sf->zeta != 0)
        warn(r, "zeta = %s is ignored by a type-2 symmetry function (stored as 0)",
             fmt_num(a, sf->zeta));
    if (sf->type != NNV_SF_RADIAL && !(sf->zeta >= 1))
        return reject(r, "zeta must be >= 1, got %s", fmt_num(a, sf->zeta));
    set_field(r, "%s.sf[%d].lambda", pre, k);
    if ((rc = rd_f64(r, &sf->lambda)) != NNV_OK) return rc;
    if (sf->type == NNV_SF_RADIAL && sf->lambda != 0)
        warn(r, "lambda = %s is ignored by a type-2 symmetry function (stored as 0)",
             fmt_num(a, sf->lambda));
    if (sf->type != NNV_SF_RADIAL && sf->lambda != 1 && sf->lambda != -1)
        return reject(r, "lambda must be -1 or +1, got %s", fmt_num(a, sf->lambda));
    set_field(r, "%s.sf[%d].shift", pre, k);
    if ((rc = rd_f64(r, &sf->shift)) != NNV_OK) return rc;
    set_field(r, "%s.sf[%d].scale", pre, k);
    if ((rc = rd_f64(r, &sf->scale)) != NNV_OK) return rc;
    if (sf->scale == 0) return reject(r, "scale must not be 0");
    set_field(r, "%s.sf[%d].gmin", pre, k);
    if ((rc = rd_f64(r, &sf->gmin)) != NNV_OK) return rc;
    set_field(r, "%s.sf[%d].gmax", pre, k);
    if ((rc = rd_f64(r, &sf->gmax)) != NNV_OK) return rc;
    if (sf->gmin > sf->gmax)
        warn(r, "gmin %s > gmax %s: every value of this symmetry function will be reported as "
                "extrapolation",
             fmt_num(a, sf->gmin), fmt_num(b, sf->gmax));
    return NNV_OK;
}

/* n consecutive finite f64s named NAME[o][i] (cols > 0) or NAME[o] (cols == 0).
 * The array is allocated only when the file holds all of it, so a forged
 * size cannot make the reader allocate what the file does not back. */
static int read_f64_array(reader *r, const char *pre, size_t rows, size_t cols, double **out)
{
    size_t n = rows * (cols ? cols : 1);
    double *a = NULL;
    int rc = NNV_OK;
    *out = NULL;
    if (r->len - r->pos >= n * 8) {
        a = malloc(n * sizeof *a);
        if (!a) return nnv_error_set(r->err, NNV_ENOMEM, "%s: out of memory for %s", r->name, pre);
    }
    for (size_t k = 0; k < n; k++) {
        double v = 0.0;
        if (r->len - r->pos < 8 || !isfinite(v = load_f64(r->buf + r->pos))) {
            /* Name the field only now: formatting it for every weight is slow. */
            if (cols) set_field(r, "%s[%zu][%zu]", pre, k / cols, k % cols);
            else set_field(r, "%s[%zu]", pre, k);
            rc = rd_f64(r, &v);
            goto cleanup;
        }
        r->pos += 8;
        if (a) a[k] = v; /* a is NULL only when the file ends inside the array */
    }
    *out = a;
    a = NULL;
cleanup:
    free(a);
    return rc;
}

/* A network whose last layer has n_out outputs (1, or a shallow
 * committee's n_members). */
static int read_network(reader *r, const char *pre, int n_sf, uint32_t n_out, nnv_network *net)
{
    uint32_t n_layers, size[MAX_LAYERS + 1], v;
    char name[192], a[40];
    int rc;

    set_field(r, "%s.n_layers", pre);
    if ((rc = rd_count(r, 1, MAX_LAYERS, &n_layers)) != NNV_OK) return rc;
    for (uint32_t l = 0; l <= n_layers; l++) {
        set_field(r, "%s.size[%u]", pre, l);
        if ((rc = rd_count(r, 1, MAX_LAYER_SIZE, &size[l])) != NNV_OK) return rc;
        if (l == 0 && size[0] != (uint32_t)n_sf)
            return reject(r, "layer size chain does not fit: size[0]=%u but n_sf=%d", size[0], n_sf);
        if (l == n_layers && size[l] != n_out)
            return reject(r, "layer size chain does not fit: size[n_layers]=%u, must be %u%s", size[l], n_out,
                          n_out > 1 ? " (n_members of a shallow committee)" : "");
    }
    net->layers = calloc(n_layers, sizeof *net->layers);
    if (!net->layers) return nnv_error_set(r->err, NNV_ENOMEM, "%s: out of memory", r->name);
    net->n_layers = (int)n_layers;
    for (uint32_t l = 0; l < n_layers; l++) {
        nnv_layer *L = &net->layers[l];
        L->n_in = (int)size[l];
        L->n_out = (int)size[l + 1];
        set_field(r, "%s.layer[%u].activation", pre, l);
        if ((rc = rd_u32(r, &v)) != NNV_OK) return rc;
        if (v >= NNV_ACT_COUNT) return reject(r, "unknown activation code %u", v);
        L->activation = (int)v;
        set_field(r, "%s.layer[%u].param", pre, l);
        if ((rc = rd_f64(r, &L->param)) != NNV_OK) return rc;
        if (L->activation == NNV_ACT_CELU && !(L->param > 0))
            return reject(r, "celu needs param (alpha) > 0, got %s", fmt_num(a, L->param));
        if (L->activation != NNV_ACT_CELU && L->param != 0)
            warn(r, "param = %s is ignored by activation %d (only celu uses it)",
                 fmt_num(a, L->param), L->activation);
        snprintf(name, sizeof name, "%s.layer[%u].W", pre, l);
        if ((rc = read_f64_array(r, name, size[l + 1], size[l], &L->W)) != NNV_OK) return rc;
        snprintf(name, sizeof name, "%s.layer[%u].b", pre, l);
        if ((rc = read_f64_array(r, name, size[l + 1], 0, &L->b)) != NNV_OK) return rc;
    }
    return NNV_OK;
}

static int read_element(reader *r, int e, int prev_Z, const nnv_potential *p, nnv_element_model *el,
                        size_t *sf_offset)
{
    uint32_t v;
    char pre[64], net[128];
    int rc, charges = (p->flags & NNV_FLAG_CHARGES) != 0, K = p->n_members;

    set_field(r, "element[%d].Z", e);
    if ((rc = rd_u32(r, &v)) != NNV_OK) return rc;
    if (v < 1 || v > NNV_MAX_Z) return reject(r, "atomic number %u out of range 1..%d", v, NNV_MAX_Z);
    if ((int)v <= prev_Z)
        return reject(r, "element blocks must be in ascending Z, each Z once (Z=%u after Z=%d)", v,
                      prev_Z);
    el->Z = (int)v;
    snprintf(pre, sizeof pre, "element[%d](Z=%d)", e, el->Z);
    set_field(r, "%s.E0", pre);
    if ((rc = rd_f64(r, &el->E0)) != NNV_OK) return rc;
    set_field(r, "%s.n_sf", pre);
    if ((rc = rd_count(r, 1, MAX_SF, &v)) != NNV_OK) return rc;
    el->sf = calloc(v, sizeof *el->sf);
    if (!el->sf) return nnv_error_set(r->err, NNV_ENOMEM, "%s: out of memory", r->name);
    el->n_sf = (int)v;
    *sf_offset = r->pos;
    for (int k = 0; k < el->n_sf; k++)
        if ((rc = read_sf(r, pre, k, &el->sf[k])) != NNV_OK) return rc;
    if (K > 0 && p->committee_kind == NNV_COMMITTEE_FULL) {
        /* The member arrays have K entries from the start, so that a
         * partial block is freed whole. */
        if (!(el->members = calloc((size_t)K, sizeof *el->members)) ||
            (charges && !(el->member_charges = calloc((size_t)K, sizeof *el->member_charges))))
            return nnv_error_set(r->err, NNV_ENOMEM, "%s: out of memory", r->name);
        for (int m = 0; m < K; m++) {
            snprintf(net, sizeof net, "%s.member[%d].energy_network", pre, m);
            if ((rc = read_network(r, net, el->n_sf, 1, &el->members[m])) != NNV_OK) return rc;
            if (charges) {
                snprintf(net, sizeof net, "%s.member[%d].charge_network", pre, m);
                if ((rc = read_network(r, net, el->n_sf, 1, &el->member_charges[m])) != NNV_OK) return rc;
            }
        }
        return NNV_OK;
    }
    snprintf(net, sizeof net, "%s.energy_network", pre);
    if ((rc = read_network(r, net, el->n_sf, K > 0 ? (uint32_t)K : 1, &el->energy)) != NNV_OK) return rc;
    if (charges) {
        snprintf(net, sizeof net, "%s.charge_network", pre);
        if ((rc = read_network(r, net, el->n_sf, 1, &el->charge)) != NNV_OK) return rc;
    }
    return NNV_OK;
}

/* The novelty block (flag bit 2): per element, in the order of the element
 * blocks, the statistics of nnv_novelty_element (docs/nnp-format.md section 6). */
static int read_novelty(reader *r, nnv_potential *p)
{
    char pre[64], name[96], a[40], b[40];
    uint32_t v;
    int rc;
    if (!(p->novelty = calloc((size_t)p->n_elements, sizeof *p->novelty)))
        return nnv_error_set(r->err, NNV_ENOMEM, "%s: out of memory", r->name);
    for (int e = 0; e < p->n_elements; e++) {
        const nnv_element_model *el = &p->elements[e];
        nnv_novelty_element *nv = &p->novelty[e];
        size_t n = (size_t)el->n_sf, diag_at;
        snprintf(pre, sizeof pre, "novelty[%d](Z=%d)", e, el->Z);
        set_field(r, "%s.n_sf", pre);
        if ((rc = rd_u32(r, &v)) != NNV_OK) return rc;
        if (v != (uint32_t)el->n_sf)
            return reject(r, "n_sf %u does not match the element block's n_sf %d", v, el->n_sf);
        nv->n_sf = el->n_sf;
        set_field(r, "%s.n_atoms", pre);
        if ((rc = rd_count(r, 1, 0x7fffffffu, &v)) != NNV_OK) return rc;
        nv->n_atoms = (int)v;
        set_field(r, "%s.ridge", pre);
        if ((rc = rd_f64(r, &nv->ridge)) != NNV_OK) return rc;
        if (!(nv->ridge >= 0)) return reject(r, "ridge must be >= 0, got %s", fmt_num(a, nv->ridge));
        snprintf(name, sizeof name, "%s.mean", pre);
        if ((rc = read_f64_array(r, name, n, 0, &nv->mean)) != NNV_OK) return rc;
        diag_at = r->pos;
        snprintf(name, sizeof name, "%s.L", pre);
        if ((rc = read_f64_array(r, name, n * (n + 1) / 2, 0, &nv->chol)) != NNV_OK) return rc;
        /* A zero or negative diagonal would divide by zero or flip signs in
         * the forward substitution: d² would be meaningless. */
        for (size_t i = 0; i < n; i++) {
            size_t k = i * (i + 1) / 2 + i;
            if (nv->chol[k] > 0) continue;
            r->pos = diag_at + 8 * k;
            set_field(r, "%s.L[%zu]", pre, k);
            return reject(r, "diagonal element L[%zu][%zu] = %s must be > 0", i, i, fmt_num(a, nv->chol[k]));
        }
        for (int q = 0; q < NNV_NOVELTY_NQ; q++) {
            set_field(r, "%s.quantile[%d]", pre, q);
            if ((rc = rd_f64(r, &nv->quantile[q])) != NNV_OK) return rc;
            if (!(nv->quantile[q] >= (q ? nv->quantile[q - 1] : 0.0)))
                return reject(r, "quantiles must be >= 0 and ascending (50, 90, 99, 99.9 %%, max): %s after %s",
                              fmt_num(a, nv->quantile[q]), q ? fmt_num(b, nv->quantile[q - 1]) : "0.0");
        }
    }
    return NNV_OK;
}

/* An SF may name an element whose block comes later, so this waits until all
 * blocks are read; it reports the offset of the Zj or Zk field itself. */
static int check_sf_elements(reader *r, const nnv_potential *p, const size_t *sf_offset)
{
    for (int e = 0; e < p->n_elements; e++) {
        const nnv_element_model *el = &p->elements[e];
        for (int k = 0; k < el->n_sf; k++) {
            const nnv_sf *sf = &el->sf[k];
            int zs[2] = {sf->Zj, sf->Zk};
            for (int t = 0; t < (sf->type == NNV_SF_RADIAL ? 1 : 2); t++) {
                if (nnv_potential_element(p, zs[t])) continue;
                r->pos = sf_offset[e] + (size_t)k * SF_RECORD_BYTES +
                         (t ? SF_ZK_OFFSET : SF_ZJ_OFFSET);
                set_field(r, "element[%d](Z=%d).sf[%d].%s", e, el->Z, k, t ? "Zk" : "Zj");
                return reject(r, "names element Z=%d, for which the file has no element block",
                              zs[t]);
            }
        }
    }
    return NNV_OK;
}

int nnv_potential_parse(nnv_potential **out, const unsigned char *buf, size_t len,
                        const char *name, nnv_error *err)
{
    nnv_potential *p = NULL;
    reader r;
    uint32_t n_el, stored, computed;
    size_t sf_offset[NNV_MAX_Z];
    size_t crc_at;
    int rc;

    if (!out) return nnv_error_set(err, NNV_EUSAGE, "nnv_potential_parse: out is NULL");
    *out = NULL;
    if (!buf && len) return nnv_error_set(err, NNV_EUSAGE, "nnv_potential_parse: NULL buffer");
    memset(&r, 0, sizeof r);
    r.buf = buf;
    r.len = buf ? len : 0;
    r.name = name ? name : "(weights)";
    r.err = err;
    p = calloc(1, sizeof *p);
    if (!p) return nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", r.name);
    r.warn = &p->warnings;

    if ((rc = read_header(&r, p)) != NNV_OK) goto cleanup;
    set_field(&r, "n_elements");
    if ((rc = rd_count(&r, 1, NNV_MAX_Z, &n_el)) != NNV_OK) goto cleanup;
    p->elements = calloc(n_el, sizeof *p->elements);
    if (!p->elements) {
        rc = nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", r.name);
        goto cleanup;
    }
    for (uint32_t e = 0; e < n_el; e++) {
        p->n_elements = (int)e + 1; /* so that a partial block is freed too */
        rc = read_element(&r, (int)e, e ? p->elements[e - 1].Z : 0, p, &p->elements[e], &sf_offset[e]);
        if (rc != NNV_OK) goto cleanup;
    }
    if ((p->flags & NNV_FLAG_NOVELTY) && (rc = read_novelty(&r, p)) != NNV_OK) goto cleanup;
    crc_at = r.pos;
    if ((rc = check_sf_elements(&r, p, sf_offset)) != NNV_OK) goto cleanup;
    r.pos = crc_at;
    set_field(&r, "crc32");
    if ((rc = rd_u32(&r, &stored)) != NNV_OK) goto cleanup;
    if (r.pos != r.len) {
        set_field(&r, "end of file");
        rc = reject(&r, "file is longer than its fields say (%zu trailing bytes)", r.len - r.pos);
        goto cleanup;
    }
    computed = nnv_crc32(buf, crc_at);
    if (stored != computed) {
        r.off = crc_at;
        snprintf(r.field, sizeof r.field, "crc32");
        rc = reject(&r, "CRC mismatch: stored 0x%08x, computed 0x%08x", stored, computed);
        goto cleanup;
    }
    *out = p;
    p = NULL;
    rc = NNV_OK;
cleanup:
    nnv_potential_free(p);
    return rc;
}

static int parse_bytes(void *out, const char *bytes, size_t len, const char *name, nnv_error *err)
{
    return nnv_potential_parse(out, (const unsigned char *)bytes, len, name, err);
}

/* A file that does not start with the magic fails on its first bytes, with
 * the parser's own message (a stream such as /dev/zero is not read to 4 GiB). */
static int check_magic(const unsigned char *b, size_t n, const char *path, nnv_error *err)
{
    nnv_potential *p = NULL;
    if (n < MAGIC_LEN || memcmp(b, MAGIC, MAGIC_LEN) == 0) return NNV_OK;
    return nnv_potential_parse(&p, b, MAGIC_LEN, path, err);
}

int nnv_potential_read(nnv_potential **out, const char *path, nnv_error *err)
{
    if (!out || !path) return nnv_error_set(err, NNV_EUSAGE, "nnv_potential_read: NULL argument");
    *out = NULL;
    return txt_parse_file(path, WEIGHTS_MAX_BYTES, check_magic, parse_bytes, out, err);
}
