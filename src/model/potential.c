/* potential.c: queries on a loaded potential (element lookup, smoothness
 * class, activation names), its deep copy and its release, committees
 * included; reading and writing live in src/io, building committees and
 * taking their members apart in committee.c. */
#include <stdlib.h>
#include <string.h>

#include "model/model_internal.h"

const nnv_element_model *nnv_potential_element(const nnv_potential *p, int Z)
{
    int lo = 0, hi;
    if (!p || !p->elements) return NULL;
    hi = p->n_elements - 1;
    /* Blocks are in ascending Z (the reader enforces it). */
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (p->elements[mid].Z == Z) return &p->elements[mid];
        if (p->elements[mid].Z < Z) lo = mid + 1;
        else hi = mid - 1;
    }
    return NULL;
}

/* Smoothness tables of spec section 2; an unknown code counts as the worst. */
static int activation_smoothness(int act)
{
    switch (act) {
    case NNV_ACT_IDENTITY:
    case NNV_ACT_SOFTPLUS:
    case NNV_ACT_TANH:
    case NNV_ACT_SILU:
    case NNV_ACT_GELU:
    case NNV_ACT_SSP: return NNV_CINF;
    case NNV_ACT_CELU: return NNV_C1;
    default: return NNV_C0; /* relu */
    }
}

static int cutoff_smoothness(int cutoff)
{
    switch (cutoff) {
    case NNV_CUTOFF_COS: return NNV_C1;
    case NNV_CUTOFF_POLY2:
    case NNV_CUTOFF_TANHU: return NNV_C2;
    default: return NNV_C0;
    }
}

static int network_smoothness(const nnv_network *net, int s)
{
    for (int l = 0; l < net->n_layers; l++) {
        int a = activation_smoothness(net->layers[l].activation);
        if (a < s) s = a;
    }
    return s;
}

int nnv_potential_smoothness(const nnv_potential *p)
{
    int s = NNV_CINF;
    if (!p) return s;
    for (int e = 0; e < p->n_elements; e++) {
        const nnv_element_model *el = &p->elements[e];
        for (int k = 0; k < el->n_sf; k++) {
            int c = cutoff_smoothness(el->sf[k].cutoff);
            if (c < s) s = c;
        }
        s = network_smoothness(&el->energy, s);
        s = network_smoothness(&el->charge, s);
        for (int m = 0; m < p->n_members && el->members; m++) s = network_smoothness(&el->members[m], s);
        for (int m = 0; m < p->n_members && el->member_charges; m++)
            s = network_smoothness(&el->member_charges[m], s);
    }
    return s;
}

const char *nnv_smoothness_name(int smoothness)
{
    switch (smoothness) {
    case NNV_C0: return "C0";
    case NNV_C1: return "C1";
    case NNV_C2: return "C2";
    case NNV_CINF: return "C-infinity";
    default: return "unknown";
    }
}

/* The names of the command lines (--activation) and of file descriptions. */
static const char *const activation_names[NNV_ACT_COUNT] = {"identity", "relu", "softplus", "tanh",
                                                            "silu",     "gelu", "ssp",      "celu"};

const char *nnv_activation_name(int act)
{
    return act >= 0 && act < NNV_ACT_COUNT ? activation_names[act] : "unknown";
}

int nnv_activation_from_name(const char *name)
{
    for (int a = 0; name && a < NNV_ACT_COUNT; a++)
        if (strcmp(name, activation_names[a]) == 0) return a;
    return -1;
}

void potential_network_free(nnv_network *net)
{
    if (!net->layers) return;
    for (int l = 0; l < net->n_layers; l++) {
        free(net->layers[l].W);
        free(net->layers[l].b);
    }
    free(net->layers);
    memset(net, 0, sizeof *net);
}

/* n networks (NULL stays NULL), released by potential_networks_free. */
static nnv_network *networks_copy(const nnv_network *src, int n, int *ok)
{
    nnv_network *d;
    if (!src || n <= 0 || !*ok) return NULL;
    if (!(d = calloc((size_t)n, sizeof *d))) {
        *ok = 0;
        return NULL;
    }
    for (int m = 0; m < n && *ok; m++) *ok = potential_network_copy(&d[m], &src[m]);
    return d;
}

void potential_networks_free(nnv_network *nets, int n)
{
    if (!nets) return;
    for (int m = 0; m < n; m++) potential_network_free(&nets[m]);
    free(nets);
}

/* A malloc'd copy of n bytes; *ok = 0 when memory runs out (n = 0 gives NULL). */
static void *dup_bytes(const void *src, size_t n, int *ok)
{
    void *d;
    if (!src || n == 0) return NULL;
    if (!(d = malloc(n))) {
        *ok = 0;
        return NULL;
    }
    memcpy(d, src, n);
    return d;
}

/* Copy a network's layers into dst (zeroed first, so that network_free can
 * release a partial copy); 1, or 0 when memory runs out. */
int potential_network_copy(nnv_network *dst, const nnv_network *src)
{
    int ok = 1;
    memset(dst, 0, sizeof *dst);
    if (src->n_layers <= 0 || !src->layers) return 1;
    if (!(dst->layers = calloc((size_t)src->n_layers, sizeof *dst->layers))) return 0;
    dst->n_layers = src->n_layers;
    for (int l = 0; l < src->n_layers && ok; l++) {
        const nnv_layer *s = &src->layers[l];
        nnv_layer *d = &dst->layers[l];
        *d = *s;
        d->W = dup_bytes(s->W, (size_t)s->n_in * (size_t)s->n_out * sizeof *s->W, &ok);
        d->b = dup_bytes(s->b, (size_t)s->n_out * sizeof *s->b, &ok);
    }
    return ok;
}

int nnv_potential_copy(nnv_potential **out, const nnv_potential *p, nnv_error *err)
{
    nnv_potential *q = NULL;
    int ok = 1;
    if (!out) return nnv_error_set(err, NNV_EUSAGE, "nnv_potential_copy: no output");
    *out = NULL;
    if (!p || p->n_elements < 0 || (p->n_elements > 0 && !p->elements))
        return nnv_error_set(err, NNV_EUSAGE, "nnv_potential_copy: no potential");
    if (!(q = calloc(1, sizeof *q))) goto nomem;
    q->flags = p->flags;
    q->n_members = p->n_members;
    q->committee_kind = p->committee_kind;
    q->spread_scale = p->spread_scale;
    q->description = dup_bytes(p->description, p->description ? strlen(p->description) + 1 : 0, &ok);
    if (p->n_elements > 0 && !(q->elements = calloc((size_t)p->n_elements, sizeof *q->elements))) goto nomem;
    q->n_elements = p->n_elements;
    for (int e = 0; e < p->n_elements && ok; e++) {
        const nnv_element_model *s = &p->elements[e];
        nnv_element_model *d = &q->elements[e];
        d->Z = s->Z;
        d->E0 = s->E0;
        d->n_sf = s->n_sf;
        d->sf = dup_bytes(s->sf, (size_t)(s->n_sf > 0 ? s->n_sf : 0) * sizeof *s->sf, &ok);
        ok = ok && potential_network_copy(&d->energy, &s->energy) && potential_network_copy(&d->charge, &s->charge);
        d->members = networks_copy(s->members, p->n_members, &ok);
        d->member_charges = networks_copy(s->member_charges, p->n_members, &ok);
    }
    if (ok && p->novelty) {
        /* The novelty block (flag bit 2) describes the same inputs, so it travels too. */
        if (!(q->novelty = calloc((size_t)p->n_elements, sizeof *q->novelty))) goto nomem;
        for (int e = 0; e < p->n_elements && ok; e++) {
            const nnv_novelty_element *s = &p->novelty[e];
            size_t n = (size_t)(s->n_sf > 0 ? s->n_sf : 0);
            q->novelty[e] = *s;
            q->novelty[e].mean = dup_bytes(s->mean, n * sizeof *s->mean, &ok);
            q->novelty[e].chol = dup_bytes(s->chol, n * (n + 1) / 2 * sizeof *s->chol, &ok);
        }
    }
    /* The reader's findings belong to the potential: they travel with it. */
    if (ok && p->warnings.count > 0) {
        if (!(q->warnings.messages = calloc((size_t)p->warnings.count, sizeof *q->warnings.messages))) goto nomem;
        q->warnings.capacity = p->warnings.count;
        for (int i = 0; i < p->warnings.count && ok; i++) {
            q->warnings.messages[i] = dup_bytes(p->warnings.messages[i], strlen(p->warnings.messages[i]) + 1, &ok);
            if (ok) q->warnings.count++;
        }
    }
    if (!ok) goto nomem;
    *out = q;
    return NNV_OK;
nomem:
    nnv_potential_free(q);
    return nnv_error_set(err, NNV_ENOMEM, "nnv_potential_copy: out of memory");
}

void nnv_potential_free(nnv_potential *p)
{
    if (!p) return;
    if (p->elements) {
        for (int e = 0; e < p->n_elements; e++) {
            free(p->elements[e].sf);
            potential_network_free(&p->elements[e].energy);
            potential_network_free(&p->elements[e].charge);
            /* The member arrays were allocated with n_members entries. */
            potential_networks_free(p->elements[e].members, p->n_members);
            potential_networks_free(p->elements[e].member_charges, p->n_members);
        }
        free(p->elements);
    }
    for (int e = 0; p->novelty && e < p->n_elements; e++) FREE_ALL(p->novelty[e].mean, p->novelty[e].chol);
    free(p->novelty);
    free(p->description);
    nnv_warnings_clear(&p->warnings);
    free(p);
}
