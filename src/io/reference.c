/* Reference spectra: the experimental-fundamentals TSV, the teacher's harmonic
 * TSV and JCAMP-DX peak tables, read into one list of bands (nnv_reference). */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/base_internal.h"

/* Harmonic rows closer than this (cm⁻¹) are components of one degenerate mode:
 * the teacher's file prints two decimals, so true degeneracies print equal. */
#define REF_DEGENERATE_TOL 0.01
#define REF_MAX_DEGENERACY 6
#define REF_MAX_BANDS 20000
#define REF_MAX_FREQ 1e6 /* cm⁻¹: beyond any vibration */
#define REF_MAX_COLUMNS 64

enum { COL_MODE, COL_SYM, COL_FREQ, COL_DEG, COL_IRACT, COL_INT, COL_SRC, COL_NOTES, COL_COUNT };
static const char *const col_names[COL_COUNT] = {"mode",      "symmetry",            "freq_cm1", "degeneracy",
                                                 "ir_active", "ir_intensity_km_mol", "source",   "notes"};

const char *nnv_reference_kind_name(int kind)
{
    switch (kind) {
    case NNV_REF_EXPERIMENTAL: return "experimental fundamentals";
    case NNV_REF_HARMONIC: return "harmonic";
    case NNV_REF_PEAK_TABLE: return "peak table";
    default: return "unknown";
    }
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static char *dup_s(const char *s) { return dup_n(s, strlen(s)); }

static void band_clear(nnv_ref_band *b)
{
    FREE_ALL(b->mode, b->symmetry, b->source, b->notes);
    memset(b, 0, sizeof *b);
}

void nnv_reference_free(nnv_reference *r)
{
    if (!r) return;
    for (int i = 0; i < r->n_bands; i++) band_clear(&r->bands[i]);
    FREE_ALL(r->bands, r->name, r->molecule, r->point_group, r);
}

static nnv_reference *ref_new(const char *name)
{
    nnv_reference *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->name = dup_s(name);
    r->molecule = dup_s("");
    r->point_group = dup_s("");
    if (!r->name || !r->molecule || !r->point_group) {
        nnv_reference_free(r);
        return NULL;
    }
    return r;
}

/* Room for one more band (zeroed); NULL when out of memory. */
static nnv_ref_band *band_push(nnv_reference *r, int *cap)
{
    if (r->n_bands == *cap) {
        int nc = *cap ? 2 * *cap : 16;
        nnv_ref_band *nb = realloc(r->bands, (size_t)nc * sizeof *nb);
        if (!nb) return NULL;
        r->bands = nb;
        *cap = nc;
    }
    memset(&r->bands[r->n_bands], 0, sizeof r->bands[0]);
    return &r->bands[r->n_bands++];
}

/* "# key: value" comment: copy value into *dst (replacing it). */
static int comment_key(const char *line, size_t n, const char *key, char **dst)
{
    size_t kl = strlen(key), i = 1;
    while (i < n && line[i] == ' ') i++;
    if (n - i <= kl || strncmp(line + i, key, kl) != 0 || line[i + kl] != ':') return NNV_OK;
    i += kl + 1;
    while (i < n && line[i] == ' ') i++;
    char *v = dup_n(line + i, n - i);
    if (!v) return NNV_ENOMEM;
    free(*dst);
    *dst = v;
    return NNV_OK;
}

/* Merge consecutive harmonic components of equal frequency into one band. */
static int merge_degenerate(nnv_reference *r, nnv_error *err)
{
    int w = 0;
    for (int i = 0; i < r->n_bands;) {
        int j = i + 1;
        while (j < r->n_bands && fabs(r->bands[j].freq - r->bands[i].freq) <= REF_DEGENERATE_TOL &&
               j - i < REF_MAX_DEGENERACY)
            j++;
        nnv_ref_band b = r->bands[i];
        if (j - i > 1) {
            double f = 0, in = 0;
            for (int k = i; k < j; k++) {
                f += r->bands[k].freq;
                in += r->bands[k].intensity;
            }
            size_t len = strlen(r->bands[i].mode) + strlen(r->bands[j - 1].mode) + 2;
            char *label = malloc(len);
            if (!label) return nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", r->name);
            snprintf(label, len, "%s-%s", r->bands[i].mode, r->bands[j - 1].mode);
            free(b.mode);
            b.mode = label;
            b.freq = f / (j - i);
            /* Intensity of the band: the sum over its components. */
            b.intensity = in;
            b.degeneracy = j - i;
            for (int k = i + 1; k < j; k++) band_clear(&r->bands[k]);
        }
        r->bands[w++] = b;
        i = j;
    }
    r->n_bands = w;
    return NNV_OK;
}

static int parse_tsv(nnv_reference *r, const char *buf, size_t len, nnv_error *err)
{
    const char *name = r->name;
    int col_of[COL_COUNT], n_cols = 0, have_header = 0, cap = 0, rc = NNV_OK;
    long line_no = 0;
    txt_cursor cur;
    txt_span l;
    char shown[TXT_QUOTE_SIZE];

    for (int c = 0; c < COL_COUNT; c++) col_of[c] = -1;
    txt_cursor_init(&cur, buf, len);
    while (txt_next_line(&cur, &l)) {
        const char *line = l.s;
        size_t n = l.n;
        line_no = cur.line;
        if (memchr(line, '\0', n))
            return nnv_error_set(err, NNV_EINPUT, "%s:%ld: NUL byte in the line (not a text file)", name, line_no);
        if (txt_is_blank(l)) continue;
        if (line[0] == '#') {
            if (!have_header) {
                if ((rc = comment_key(line, n, "molecule", &r->molecule)) != NNV_OK ||
                    (rc = comment_key(line, n, "point_group", &r->point_group)) != NNV_OK)
                    return nnv_error_set(err, rc, "%s: out of memory", name);
            }
            continue;
        }
        txt_span fs[REF_MAX_COLUMNS];
        int nf = txt_split_char(l, '\t', fs, REF_MAX_COLUMNS);
        if (nf > REF_MAX_COLUMNS)
            return nnv_error_set(err, NNV_EINPUT, "%s:%ld: more than %d tab-separated columns", name, line_no,
                                 REF_MAX_COLUMNS);
        if (!have_header) {
            for (int f = 0; f < nf; f++)
                for (int c = 0; c < COL_COUNT; c++)
                    if (txt_span_is(fs[f], col_names[c])) {
                        if (col_of[c] >= 0)
                            return nnv_error_set(err, NNV_EINPUT, "%s:%ld: column %d: \"%s\" appears twice in the header",
                                                 name, line_no, f + 1, col_names[c]);
                        col_of[c] = f;
                    }
            if (col_of[COL_FREQ] < 0)
                return nnv_error_set(err, NNV_EINPUT,
                                     "%s:%ld: header has no freq_cm1 column (expected a tab-separated header such as "
                                     "\"mode<TAB>symmetry<TAB>freq_cm1<TAB>degeneracy...\", got \"%s\")",
                                     name, line_no, txt_quote(shown, l));
            r->kind = col_of[COL_DEG] >= 0 ? NNV_REF_EXPERIMENTAL : NNV_REF_HARMONIC;
            n_cols = nf;
            have_header = 1;
            continue;
        }
        if (nf != n_cols)
            return nnv_error_set(err, NNV_EINPUT, "%s:%ld: %d tab-separated column%s, the header has %d", name,
                                 line_no, nf, nf == 1 ? "" : "s", n_cols);
        if (r->n_bands >= REF_MAX_BANDS)
            return nnv_error_set(err, NNV_EINPUT, "%s:%ld: more than %d bands", name, line_no, REF_MAX_BANDS);
        nnv_ref_band *b = band_push(r, &cap);
        if (!b) return nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", name);
        b->degeneracy = 1;
        b->ir_active = -1;
        b->intensity = NAN;
#define FIELD(c) fs[col_of[c]]
#define BAD(c, what)                                                                                      \
    return nnv_error_set(err, NNV_EINPUT, "%s:%ld: column %d (%s): expected %s, got \"%s\"", name, line_no, \
                         col_of[c] + 1, col_names[c], what, txt_quote(shown, FIELD(c)))
        b->mode = col_of[COL_MODE] >= 0 ? dup_n(FIELD(COL_MODE).s, FIELD(COL_MODE).n) : dup_s("");
        b->symmetry = col_of[COL_SYM] >= 0 ? dup_n(FIELD(COL_SYM).s, FIELD(COL_SYM).n) : dup_s("");
        b->source = col_of[COL_SRC] >= 0 ? dup_n(FIELD(COL_SRC).s, FIELD(COL_SRC).n) : dup_s("");
        b->notes = col_of[COL_NOTES] >= 0 ? dup_n(FIELD(COL_NOTES).s, FIELD(COL_NOTES).n) : dup_s("");
        if (!b->mode || !b->symmetry || !b->source || !b->notes)
            return nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", name);
        if (txt_parse_number(FIELD(COL_FREQ), &b->freq) != TXT_OK || fabs(b->freq) > REF_MAX_FREQ)
            BAD(COL_FREQ, "a wavenumber in cm-1");
        if (r->kind == NNV_REF_EXPERIMENTAL && !(b->freq > 0)) BAD(COL_FREQ, "a fundamental > 0 cm-1");
        if (col_of[COL_DEG] >= 0) {
            long d;
            if (txt_parse_long(FIELD(COL_DEG), 1, REF_MAX_DEGENERACY, &d) != TXT_OK) BAD(COL_DEG, "an integer 1..6");
            b->degeneracy = (int)d;
        }
        if (col_of[COL_IRACT] >= 0) {
            if (txt_span_is(FIELD(COL_IRACT), "yes")) b->ir_active = 1;
            else if (txt_span_is(FIELD(COL_IRACT), "no")) b->ir_active = 0;
            else if (FIELD(COL_IRACT).n != 0) BAD(COL_IRACT, "yes, no or nothing");
        }
        if (col_of[COL_INT] >= 0 && FIELD(COL_INT).n > 0)
            if (txt_parse_number(FIELD(COL_INT), &b->intensity) != TXT_OK || b->intensity < 0)
                BAD(COL_INT, "an intensity >= 0 in km/mol or nothing");
#undef BAD
#undef FIELD
    }
    if (!have_header) return nnv_error_set(err, NNV_EINPUT, "%s: no header line (and no bands)", name);
    if (r->n_bands == 0) return nnv_error_set(err, NNV_EINPUT, "%s:%ld: no bands after the header", name, line_no);
    if (r->kind == NNV_REF_HARMONIC) return merge_degenerate(r, err);
    return NNV_OK;
}

static int upper_contains(const char *s, const char *what)
{
    size_t n = strlen(what);
    for (; *s; s++) {
        size_t k = 0;
        while (k < n && s[k] && toupper((unsigned char)s[k]) == what[k]) k++;
        if (k == n) return 1;
    }
    return 0;
}

static int parse_peaks(nnv_reference *r, const char *buf, size_t len, nnv_error *err)
{
    nnv_jcamp_spectrum *sp = NULL;
    int rc = nnv_jcamp_parse(&sp, buf, len, r->name, err), cap = 0;
    if (rc != NNV_OK) return rc;
    r->kind = NNV_REF_PEAK_TABLE;
    if (!sp->is_peak_table) {
        rc = nnv_error_set(err, NNV_EINPUT,
                           "%s: a JCAMP-DX continuous spectrum (%s), not a ##PEAK TABLE: a reference needs a list "
                           "of bands (compare a measured spectrum with --spectrum)",
                           r->name, sp->form == NNV_JCAMP_XYPOINTS ? "##XYPOINTS" : "##XYDATA");
        goto cleanup;
    }
    if (sp->x_units[0] && !upper_contains(sp->x_units, "1/CM")) {
        rc = nnv_error_set(err, NNV_EINPUT, "%s: ##XUNITS=%s: expected 1/CM (wavenumbers)", r->name, sp->x_units);
        goto cleanup;
    }
    free(r->molecule);
    r->molecule = dup_s(sp->title);
    if (!r->molecule) {
        rc = nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", r->name);
        goto cleanup;
    }
    for (int i = 0; i < sp->n_points; i++) {
        nnv_ref_band *b;
        if (!(sp->x[i] > 0) || sp->x[i] > REF_MAX_FREQ) {
            rc = nnv_error_set(err, NNV_EINPUT, "%s: ##PEAK TABLE peak %d: X = %g is not a wavenumber > 0 cm-1",
                               r->name, i + 1, sp->x[i]);
            goto cleanup;
        }
        if (r->n_bands >= REF_MAX_BANDS) {
            rc = nnv_error_set(err, NNV_EINPUT, "%s: more than %d peaks", r->name, REF_MAX_BANDS);
            goto cleanup;
        }
        if (!(b = band_push(r, &cap))) {
            rc = nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", r->name);
            goto cleanup;
        }
        char label[32];
        snprintf(label, sizeof label, "peak%d", i + 1);
        b->mode = dup_s(label);
        b->symmetry = dup_s("");
        b->source = dup_s(sp->title);
        b->notes = dup_s("");
        if (!b->mode || !b->symmetry || !b->source || !b->notes) {
            rc = nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", r->name);
            goto cleanup;
        }
        b->freq = sp->x[i];
        b->degeneracy = 1;
        b->ir_active = 1;
        b->intensity = upper_contains(sp->y_units, "KM/MOL") ? sp->y[i] : NAN;
    }
cleanup:
    nnv_jcamp_free(sp);
    return rc;
}

int nnv_reference_parse(nnv_reference **out, const char *buf, size_t len, const char *name, nnv_error *err)
{
    nnv_reference *r = NULL;
    size_t k = 0;
    int rc;
    if (!out) return nnv_error_set(err, NNV_EUSAGE, "nnv_reference_parse: no output pointer");
    *out = NULL;
    if (!buf && len > 0) return nnv_error_set(err, NNV_EUSAGE, "nnv_reference_parse: no buffer");
    if (!name) name = "(reference)";
    if (!(r = ref_new(name))) return nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", name);
    while (k < len && isspace((unsigned char)buf[k])) k++;
    if (len - k >= 2 && buf[k] == '#' && buf[k + 1] == '#') rc = parse_peaks(r, buf, len, err);
    else rc = parse_tsv(r, buf ? buf : "", len, err);
    if (rc != NNV_OK) {
        nnv_reference_free(r);
        return rc;
    }
    *out = r;
    return NNV_OK;
}

static int parse_text(void *out, const char *text, size_t len, const char *name, nnv_error *err)
{
    return nnv_reference_parse(out, text, len, name, err);
}

int nnv_reference_read(nnv_reference **out, const char *path, nnv_error *err)
{
    if (!out || !path) return nnv_error_set(err, NNV_EUSAGE, "nnv_reference_read: no file name");
    *out = NULL;
    return txt_parse_file(path, TXT_MAX_REFERENCE, txt_head_text, parse_text, out, err);
}
