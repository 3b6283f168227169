/* potential_write.c: writes weights.bin (docs/nnp-format.md): format version 1
 * for a single potential, byte for byte as the reader read it, and version 2
 * for a committee or a potential with a novelty block; every file is read back before it is handed out, so the
 * writer never produces what the reader (potential_io.c) rejects. */
#include <stdlib.h>
#include <string.h>

#include "io/weights_format.h"

static unsigned char *put_u32(unsigned char *q, uint32_t v)
{
    for (int i = 0; i < 4; i++) q[i] = (unsigned char)(v >> (8 * i));
    return q + 4;
}

static unsigned char *put_f64(unsigned char *q, double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    for (int i = 0; i < 8; i++) q[i] = (unsigned char)(u >> (8 * i));
    return q + 8;
}

/* What the byte layout cannot express at all (the layer sizes are stored
 * once, as a chain, ending in n_out outputs); everything else is checked by
 * reading the result back. */
static int check_network_shape(const nnv_network *net, int n_sf, int n_out, int Z, const char *which,
                               size_t *bytes, nnv_error *err)
{
    if (net->n_layers < 1 || net->n_layers > (int)MAX_LAYERS || !net->layers)
        return nnv_error_set(err, NNV_EINPUT,
                             "potential: element Z=%d: %s network: %d layers, must be 1..%u", Z,
                             which, net->n_layers, MAX_LAYERS);
    *bytes += 4 + 4 * ((size_t)net->n_layers + 1);
    for (int l = 0; l < net->n_layers; l++) {
        const nnv_layer *L = &net->layers[l];
        int want_in = l ? net->layers[l - 1].n_out : n_sf;
        int want_out = l == net->n_layers - 1 ? n_out : L->n_out;
        if (L->n_in != want_in || L->n_out != want_out || L->n_out < 1 ||
            L->n_out > (int)MAX_LAYER_SIZE || L->n_in < 1 || L->n_in > (int)MAX_LAYER_SIZE)
            return nnv_error_set(err, NNV_EINPUT,
                                 "potential: element Z=%d: %s network layer %d: layer size chain "
                                 "does not fit (%d -> %d; expected %d inputs%s, sizes 1..%u)",
                                 Z, which, l, L->n_in, L->n_out, want_in,
                                 l == net->n_layers - 1 ? (n_out > 1 ? " and n_members outputs" : " and 1 output") : "",
                                 MAX_LAYER_SIZE);
        if (!L->W || !L->b)
            return nnv_error_set(err, NNV_EUSAGE,
                                 "potential: element Z=%d: %s network layer %d: W or b is NULL", Z,
                                 which, l);
        *bytes += 4 + 8 + 8 * ((size_t)L->n_out * (size_t)L->n_in + (size_t)L->n_out);
    }
    return NNV_OK;
}

static unsigned char *put_network(unsigned char *q, const nnv_network *net)
{
    q = put_u32(q, (uint32_t)net->n_layers);
    q = put_u32(q, (uint32_t)net->layers[0].n_in);
    for (int l = 0; l < net->n_layers; l++) q = put_u32(q, (uint32_t)net->layers[l].n_out);
    for (int l = 0; l < net->n_layers; l++) {
        const nnv_layer *L = &net->layers[l];
        size_t nw = (size_t)L->n_out * (size_t)L->n_in;
        q = put_u32(q, (uint32_t)L->activation);
        q = put_f64(q, L->param);
        for (size_t k = 0; k < nw; k++) q = put_f64(q, L->W[k]);
        for (int o = 0; o < L->n_out; o++) q = put_f64(q, L->b[o]);
    }
    return q;
}

/* The committee fields of p agree with its flags and its element blocks
 * hold the networks of its kind (network shapes are checked by the caller). */
static int check_committee(const nnv_potential *p, nnv_error *err)
{
    int K = p->n_members, committee = (p->flags & NNV_FLAG_COMMITTEE) != 0;
    if (committee != (K != 0))
        return nnv_error_set(err, NNV_EINPUT, "potential: %d committee members but flag bit 1 (committee) is %s", K,
                             committee ? "set" : "not set");
    if (!K) {
        for (int e = 0; e < p->n_elements; e++)
            if (p->elements[e].members || p->elements[e].member_charges)
                return nnv_error_set(err, NNV_EINPUT, "potential: element Z=%d has committee members but the "
                                     "potential is not a committee (n_members 0)", p->elements[e].Z);
        return NNV_OK;
    }
    if (K < NNV_COMMITTEE_MIN || K > NNV_COMMITTEE_MAX)
        return nnv_error_set(err, NNV_EINPUT, "potential: %d committee members, must be %d..%d", K,
                             NNV_COMMITTEE_MIN, NNV_COMMITTEE_MAX);
    if (p->committee_kind != NNV_COMMITTEE_FULL && p->committee_kind != NNV_COMMITTEE_SHALLOW)
        return nnv_error_set(err, NNV_EINPUT, "potential: unknown committee kind %d", p->committee_kind);
    for (int e = 0; e < p->n_elements; e++) {
        const nnv_element_model *el = &p->elements[e];
        int full = p->committee_kind == NNV_COMMITTEE_FULL;
        if (full && (!el->members || el->energy.n_layers || el->charge.n_layers ||
                     (!!el->member_charges != !!(p->flags & NNV_FLAG_CHARGES))))
            return nnv_error_set(err, NNV_EINPUT, "potential: element Z=%d: a full committee keeps its networks in "
                                 "members (and member_charges with charge networks) only", el->Z);
        if (!full && (el->members || el->member_charges))
            return nnv_error_set(err, NNV_EINPUT, "potential: element Z=%d: a shallow committee keeps its networks "
                                 "in energy and charge, not in members", el->Z);
    }
    return NNV_OK;
}

/* Shape checks of an element's networks, adding their bytes. */
static int check_element_networks(const nnv_potential *p, const nnv_element_model *el, size_t *bytes,
                                  nnv_error *err)
{
    int charges = (p->flags & NNV_FLAG_CHARGES) != 0, K = p->n_members, rc;
    if (K && p->committee_kind == NNV_COMMITTEE_FULL) {
        for (int m = 0; m < K; m++) {
            if ((rc = check_network_shape(&el->members[m], el->n_sf, 1, el->Z, "member energy", bytes, err)) !=
                NNV_OK)
                return rc;
            if (charges && (rc = check_network_shape(&el->member_charges[m], el->n_sf, 1, el->Z, "member charge",
                                                     bytes, err)) != NNV_OK)
                return rc;
        }
        return NNV_OK;
    }
    if ((rc = check_network_shape(&el->energy, el->n_sf, K ? K : 1, el->Z, "energy", bytes, err)) != NNV_OK)
        return rc;
    if (charges) return check_network_shape(&el->charge, el->n_sf, 1, el->Z, "charge", bytes, err);
    if (el->charge.n_layers != 0)
        return nnv_error_set(err, NNV_EINPUT,
                             "potential: element Z=%d has a charge network but flag bit 0 "
                             "(charge networks present) is not set", el->Z);
    return NNV_OK;
}

/* The novelty block agrees with flag bit 2 and with the element blocks;
 * adds its bytes. Values are checked by reading the result back. */
static int check_novelty(const nnv_potential *p, size_t *bytes, nnv_error *err)
{
    int has = (p->flags & NNV_FLAG_NOVELTY) != 0;
    if (has != (p->novelty != NULL))
        return nnv_error_set(err, NNV_EINPUT, "potential: novelty statistics %s but flag bit 2 (novelty) is %s",
                             p->novelty ? "present" : "absent", has ? "set" : "not set");
    for (int e = 0; has && e < p->n_elements; e++) {
        const nnv_novelty_element *nv = &p->novelty[e];
        size_t n = (size_t)p->elements[e].n_sf;
        if (nv->n_sf != p->elements[e].n_sf || !nv->mean || !nv->chol)
            return nnv_error_set(err, NNV_EINPUT, "potential: element Z=%d: novelty statistics for %d symmetry "
                                 "functions, the element has %d (or mean/L missing)", p->elements[e].Z, nv->n_sf,
                                 p->elements[e].n_sf);
        *bytes += 4 + 4 + 8 + 8 * (n + n * (n + 1) / 2 + NNV_NOVELTY_NQ);
    }
    return NNV_OK;
}

static unsigned char *put_novelty(unsigned char *q, const nnv_potential *p)
{
    for (int e = 0; e < p->n_elements; e++) {
        const nnv_novelty_element *nv = &p->novelty[e];
        size_t n = (size_t)nv->n_sf;
        q = put_u32(q, (uint32_t)nv->n_sf);
        q = put_u32(q, (uint32_t)nv->n_atoms);
        q = put_f64(q, nv->ridge);
        for (size_t k = 0; k < n; k++) q = put_f64(q, nv->mean[k]);
        for (size_t k = 0; k < n * (n + 1) / 2; k++) q = put_f64(q, nv->chol[k]);
        for (int k = 0; k < NNV_NOVELTY_NQ; k++) q = put_f64(q, nv->quantile[k]);
    }
    return q;
}

int nnv_potential_serialize(unsigned char **buf, size_t *len, const nnv_potential *p, nnv_error *err)
{
    unsigned char *b = NULL, *q;
    nnv_potential *check = NULL;
    size_t bytes, dlen;
    int rc = NNV_OK, K;

    if (!p || !buf || !len) return nnv_error_set(err, NNV_EUSAGE, "nnv_potential_serialize: NULL argument");
    *buf = NULL;
    *len = 0;
    dlen = p->description ? strlen(p->description) : 0;
    if (p->n_elements < 1 || p->n_elements > NNV_MAX_Z || !p->elements)
        return nnv_error_set(err, NNV_EINPUT, "potential: %d elements, must be 1..%d",
                             p->n_elements, NNV_MAX_Z);
    if ((rc = check_committee(p, err)) != NNV_OK) return rc;
    K = p->n_members;
    bytes = MAGIC_LEN + 4 * 4 + dlen; /* magic, version, flags, length, text, n_elements */
    if (K) bytes += COMMITTEE_BLOCK_BYTES;
    for (int e = 0; e < p->n_elements; e++) {
        const nnv_element_model *el = &p->elements[e];
        if (el->n_sf < 1 || el->n_sf > (int)MAX_SF || !el->sf)
            return nnv_error_set(err, NNV_EINPUT, "potential: element Z=%d: %d symmetry functions, "
                                 "must be 1..%u", el->Z, el->n_sf, MAX_SF);
        bytes += 4 + 8 + 4 + (size_t)el->n_sf * SF_RECORD_BYTES;
        if ((rc = check_element_networks(p, el, &bytes, err)) != NNV_OK) return rc;
    }
    if ((rc = check_novelty(p, &bytes, err)) != NNV_OK) return rc;
    bytes += 4;

    b = malloc(bytes);
    if (!b) return nnv_error_set(err, NNV_ENOMEM, "out of memory for a %zu-byte potential", bytes);
    q = b;
    memcpy(q, MAGIC, MAGIC_LEN);
    q += MAGIC_LEN;
    /* Version 1 stays byte for byte: only a committee or a novelty block
     * makes a version-2 file. */
    q = put_u32(q, K || p->novelty ? FORMAT_VERSION_COMMITTEE : FORMAT_VERSION);
    q = put_u32(q, p->flags);
    q = put_u32(q, (uint32_t)(dlen > UINT32_MAX ? UINT32_MAX : dlen));
    if (dlen) memcpy(q, p->description, dlen);
    q += dlen;
    if (K) {
        q = put_u32(q, (uint32_t)K);
        q = put_u32(q, (uint32_t)p->committee_kind);
        q = put_f64(q, p->spread_scale);
    }
    q = put_u32(q, (uint32_t)p->n_elements);
    for (int e = 0; e < p->n_elements; e++) {
        const nnv_element_model *el = &p->elements[e];
        q = put_u32(q, (uint32_t)el->Z);
        q = put_f64(q, el->E0);
        q = put_u32(q, (uint32_t)el->n_sf);
        for (int k = 0; k < el->n_sf; k++) {
            const nnv_sf *sf = &el->sf[k];
            q = put_u32(q, (uint32_t)sf->type);
            q = put_u32(q, (uint32_t)sf->Zj);
            q = put_u32(q, (uint32_t)sf->Zk);
            q = put_u32(q, (uint32_t)sf->cutoff);
            q = put_f64(q, sf->rc);
            q = put_f64(q, sf->cutoff_alpha);
            q = put_f64(q, sf->eta);
            q = put_f64(q, sf->rs);
            q = put_f64(q, sf->zeta);
            q = put_f64(q, sf->lambda);
            q = put_f64(q, sf->shift);
            q = put_f64(q, sf->scale);
            q = put_f64(q, sf->gmin);
            q = put_f64(q, sf->gmax);
        }
        if (K && p->committee_kind == NNV_COMMITTEE_FULL) {
            for (int m = 0; m < K; m++) {
                q = put_network(q, &el->members[m]);
                if (el->member_charges) q = put_network(q, &el->member_charges[m]);
            }
        } else {
            q = put_network(q, &el->energy);
            if (p->flags & NNV_FLAG_CHARGES) q = put_network(q, &el->charge);
        }
    }
    if (p->novelty) q = put_novelty(q, p);
    q = put_u32(q, nnv_crc32(b, (size_t)(q - b)));

    /* Reading the bytes back applies every rule of the reader, so the writer
     * can never produce a file that a reader rejects. */
    if ((rc = nnv_potential_parse(&check, b, bytes, "potential to be written", err)) != NNV_OK)
        goto cleanup;
    *buf = b;
    *len = bytes;
    b = NULL;
cleanup:
    nnv_potential_free(check);
    free(b);
    return rc;
}

int nnv_potential_write(const char *path, const nnv_potential *p, nnv_error *err)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    af_file af = {NULL, NULL, NULL, 0};
    int rc;

    if (!path) return nnv_error_set(err, NNV_EUSAGE, "nnv_potential_write: path is NULL");
    if ((rc = nnv_potential_serialize(&buf, &len, p, err)) != NNV_OK) goto cleanup;
    /* A temporary file in the same folder, renamed when complete, so a
     * reader never sees half a file and a failed write leaves the old one. */
    if ((rc = af_open(&af, path, err)) != NNV_OK) goto cleanup;
    fwrite(buf, 1, len, af.f);
    rc = af_commit(&af, err);
cleanup:
    af_discard(&af);
    free(buf);
    return rc;
}
