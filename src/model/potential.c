/* potential.c: queries on a loaded potential (element lookup, smoothness
 * class, activation names) and its release; reading and writing live in potential_io.c. */
#include <stdlib.h>
#include <string.h>

#include <nnvib.h>

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

static void network_free(nnv_network *net)
{
    if (!net->layers) return;
    for (int l = 0; l < net->n_layers; l++) {
        free(net->layers[l].W);
        free(net->layers[l].b);
    }
    free(net->layers);
}

void nnv_potential_free(nnv_potential *p)
{
    if (!p) return;
    if (p->elements) {
        for (int e = 0; e < p->n_elements; e++) {
            free(p->elements[e].sf);
            network_free(&p->elements[e].energy);
            network_free(&p->elements[e].charge);
        }
        free(p->elements);
    }
    free(p->description);
    nnv_warnings_clear(&p->warnings);
    free(p);
}
