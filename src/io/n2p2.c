/* n2p2.c: import of n2p2 second-generation Behler–Parrinello potentials
 * (input.nn, scaling.data, weights.NNN.data) into an nnv_potential in Å/eV,
 * reproducing n2p2's own conventions; docs/n2p2.md is the user-facing account.
 * This file holds the units, the assembly and the public entry points;
 * n2p2_settings.c reads input.nn, n2p2_data.c the numbers, n2p2_text.c
 * holds the texts and their tokens for both.
 *
 * The conventions follow n2p2's source (CompPhysVienna/n2p2, libnnp): Settings.cpp
 * (comments '#' and '!', repeated keywords), Mode.cpp (normalisation, scaling
 * modes, cutoff setup, network topology, weight files), SymFncExpRad/ExpAngn/
 * ExpAngw.cpp (parameters and sort order), SymFnc.cpp (scaling formulas),
 * NeuralNetwork.cpp (connection order, normalize_nodes, activations),
 * Prediction.cpp (E = sum NN / conv_energy + N mean_energy + sum atom_energy). */
#define _XOPEN_SOURCE 700 /* realpath */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/n2p2_internal.h"

#define MAX_DESCRIPTION 8192

/* Text for the potential's description, which must be UTF-8: printable
 * ASCII only, at most n-1 bytes. */
static void printable(char *dst, size_t n, const char *src)
{
    size_t i = 0;
    for (; *src && i + 1 < n; src++) {
        unsigned char c = (unsigned char)*src;
        dst[i++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    dst[i] = '\0';
}

/* ---- units ----------------------------------------------------------------------- */

static int hint_length(const char *w)
{
    char low[32];
    size_t i;
    for (i = 0; w[i] && i + 1 < sizeof low; i++) low[i] = (w[i] >= 'A' && w[i] <= 'Z') ? (char)(w[i] + 32) : w[i];
    low[i] = '\0';
    if (!strcmp(low, "bohr") || !strcmp(low, "a0") || !strcmp(low, "au") || !strcmp(low, "a.u.")) return NNV_N2P2_BOHR;
    if (!strcmp(low, "angstrom") || !strcmp(low, "ang") || !strcmp(low, "a") || !strcmp(low, "aa") ||
        !strcmp(w, "\xc3\x85") || !strcmp(low, "\xc3\xa5ngstr\xc3\xb6m"))
        return NNV_N2P2_ANGSTROM;
    return 0;
}

static int hint_energy(const char *w)
{
    char low[32];
    size_t i;
    for (i = 0; w[i] && i + 1 < sizeof low; i++) low[i] = (w[i] >= 'A' && w[i] <= 'Z') ? (char)(w[i] + 32) : w[i];
    low[i] = '\0';
    if (!strcmp(low, "ha") || !strcmp(low, "hartree") || !strcmp(low, "eh") || !strcmp(low, "au") ||
        !strcmp(low, "a.u."))
        return NNV_N2P2_HARTREE;
    if (!strcmp(low, "ev")) return NNV_N2P2_EV;
    return 0;
}

static int decide_unit(conv *c, int given, const unit_hint *h, int (*map)(const char *), const char *what,
                       const char *choices, int *unit, const char **source, nnv_error *err)
{
    int from_hint = h->line ? map(h->word) : 0;
    char q[TXT_QUOTE_SIZE];
    n2p2_quote(q, h->word);
    if (given) {
        *unit = given;
        *source = "given explicitly";
        if (h->line && from_hint != given)
            nnv_warnings_add(&c->warn, "%s line %d says the %s unit is \"%s\", but %s was given explicitly; "
                             "using the explicit unit", c->in.path, h->line, what, q,
                             /* The two enums share their values (BOHR == HARTREE): name by kind. */
                             what[0] == 'l' ? (given == NNV_N2P2_BOHR ? "Bohr" : "Angstrom")
                                            : (given == NNV_N2P2_HARTREE ? "Hartree" : "eV"));
        return NNV_OK;
    }
    if (!h->line)
        return nnv_error_set(err, NNV_EINPUT, "%s: the %s unit of the training data is unknown (no \"# %s "
                             "unit : ...\" comment); give it explicitly (--%s-unit %s)", c->in.path, what,
                             what[0] == 'l' ? "Length" : "Energy", what, choices);
    if (!from_hint)
        return nnv_error_set(err, NNV_EINPUT, "%s line %d: %s unit \"%s\" is not one nnvib converts (%s); give "
                             "it explicitly (--%s-unit %s)", c->in.path, h->line, what, q, choices, what, choices);
    *unit = from_hint;
    *source = "from the input.nn comment";
    return NNV_OK;
}

static int setup_units(conv *c, const nnv_n2p2_options *opt, nnv_error *err)
{
    int lu = 0, eu = 0, rc;
    int glu = opt ? opt->length_unit : 0, geu = opt ? opt->energy_unit : 0;
    if (glu < 0 || glu > 2 || geu < 0 || geu > 2)
        return nnv_error_set(err, NNV_EUSAGE, "nnv_n2p2_read: unit code out of range");
    if ((rc = decide_unit(c, glu, &c->length_hint, hint_length, "length", "bohr|angstrom", &lu,
                          &c->length_source, err)) != NNV_OK)
        return rc;
    if ((rc = decide_unit(c, geu, &c->energy_hint, hint_energy, "energy", "hartree|ev", &eu,
                          &c->energy_source, err)) != NNV_OK)
        return rc;
    c->length_factor = lu == NNV_N2P2_BOHR ? NNV_BOHR_ANGSTROM : 1.0;
    c->energy_factor = eu == NNV_N2P2_HARTREE ? NNV_HARTREE_EV : 1.0;
    return NNV_OK;
}
/* ---- assembly ------------------------------------------------------------------------- */

static void scale_layer(nnv_layer *L, double f)
{
    for (size_t i = 0; i < (size_t)L->n_in * (size_t)L->n_out; i++) L->W[i] *= f;
    for (int o = 0; o < L->n_out; o++) L->b[o] *= f;
}

static int build_element(conv *c, int e, nnv_potential *p, nnv_error *err)
{
    nnv_element_model *el = &p->elements[e];
    int n_sf = c->sf_begin[e + 1] - c->sf_begin[e], rc;
    int size[MAX_LAYERS + 2], n_layers = c->n_hidden + 1;
    double lf = c->length_factor, out_f = c->energy_factor / c->conv_energy;
    el->Z = c->Z[e];
    el->n_sf = n_sf;
    if (!(el->sf = calloc((size_t)n_sf, sizeof *el->sf))) return nnv_error_set(err, NNV_ENOMEM, "out of memory");
    for (int k = 0; k < n_sf; k++) {
        const sf_in *s = &c->sf[c->sf_begin[e] + k];
        nnv_sf *d = &el->sf[k];
        d->type = s->type;
        d->Zj = c->Z[s->e1];
        d->Zk = s->type == NNV_SF_RADIAL ? 0 : c->Z[s->e2];
        d->cutoff = c->cutoff_ours;
        d->cutoff_alpha = c->cutoff_ours == NNV_CUTOFF_POLY2 ? c->cutoff_alpha : 0;
        /* G is dimensionless and unchanged by a change of length unit when
         * eta scales as 1/L^2 and rs, rc as L: scaling.data carries over as is. */
        d->rc = s->rc * lf;
        d->rs = s->rs * lf;
        d->eta = s->eta / (lf * lf);
        d->zeta = s->zeta;
        d->lambda = s->lambda;
        d->scale = 1;
        if (!isfinite(d->rc) || !isfinite(d->rs) || !isfinite(d->eta))
            return nnv_error_set(err, NNV_EINPUT, "%s line %d: symfunction_short: eta, rs or rc is not finite "
                                 "once converted to Angstrom", c->in.path, s->line);
    }
    size[0] = n_sf;
    for (int i = 0; i < c->n_hidden; i++) size[i + 1] = c->nodes[i];
    size[n_layers] = 1;
    if ((rc = n2p2_read_weights(c, e, &el->energy, n_layers, size, err)) != NNV_OK) return rc;
    for (int l = 0; l < n_layers; l++) el->energy.layers[l].activation = c->act[l];
    /* normalize_nodes: n2p2 divides W x + b of every layer by its input count. */
    if (c->normalize_nodes)
        for (int l = 0; l < n_layers; l++) scale_layer(&el->energy.layers[l], 1.0 / el->energy.layers[l].n_in);
    /* E_i = E0 + f NN_i with f = (eV per unit) / conv_energy: folded into the
     * output layer when it is linear, else into an extra 1 -> 1 identity layer. */
    if (out_f != 1) {
        nnv_network *net = &el->energy;
        if (net->layers[n_layers - 1].activation == NNV_ACT_IDENTITY) {
            scale_layer(&net->layers[n_layers - 1], out_f);
        } else {
            nnv_layer *g = realloc(net->layers, (size_t)(n_layers + 1) * sizeof *g);
            if (!g) return nnv_error_set(err, NNV_ENOMEM, "out of memory");
            net->layers = g;
            memset(&g[n_layers], 0, sizeof g[n_layers]);
            net->n_layers = n_layers + 1;
            g[n_layers].activation = NNV_ACT_IDENTITY;
            g[n_layers].n_in = g[n_layers].n_out = 1;
            g[n_layers].W = malloc(sizeof(double));
            g[n_layers].b = malloc(sizeof(double));
            if (!g[n_layers].W || !g[n_layers].b) return nnv_error_set(err, NNV_ENOMEM, "out of memory");
            g[n_layers].W[0] = out_f;
            g[n_layers].b[0] = 0;
        }
    }
    el->E0 = c->energy_factor * (c->mean_energy + c->atom_energy[e]);
    return NNV_OK;
}

static int describe(conv *c, nnv_potential *p, nnv_error *err)
{
    static const char *scal[] = {"none (s = G)", "scale (s = Smin + (Smax-Smin)(G-Gmin)/(Gmax-Gmin))",
                                 "center (s = G - Gmean)",
                                 "scale+center (s = Smin + (Smax-Smin)(G-Gmean)/(Gmax-Gmin))",
                                 "sigma (s = Smin + (Smax-Smin)(G-Gmean)/Gsigma)"};
    static const char *cut[] = {"HARD", "COS", "TANHU", "TANH", "EXP", "POLY1", "POLY2", "POLY3", "POLY4"};
    /* Texts in memory have no directory: the caller's name stands for it. */
    char dir[1024], *abs = c->from_memory ? NULL : realpath(c->dir, NULL), *d;
    size_t off = 0;
    printable(dir, sizeof dir, abs ? abs : c->dir);
    free(abs);
    if (!(d = malloc(MAX_DESCRIPTION))) return nnv_error_set(err, NNV_ENOMEM, "out of memory");
#define ADD(...) do { if (off < MAX_DESCRIPTION) off += (size_t)snprintf(d + off, MAX_DESCRIPTION - off, __VA_ARGS__); } while (0)
    ADD("n2p2 potential converted by nnvib from %s%s (input.nn, scaling.data, weights.NNN.data). ", dir,
        c->from_memory ? " (texts in memory)" : "");
    ADD("Training units: length %s (%s), energy %s (%s); converted to Angstrom and eV with 1 Bohr = "
        "0.529177210903 A, 1 Ha = 27.211386245988 eV (CODATA 2018). ",
        c->length_factor == 1 ? "Angstrom" : "Bohr", c->length_source,
        c->energy_factor == 1 ? "eV" : "Hartree", c->energy_source);
    if (c->normalize)
        ADD("Normalisation: mean_energy %.17g, conv_energy %.17g, conv_length %.17g. ", c->mean_energy,
            c->conv_energy, c->conv_length);
    else
        ADD("No data-set normalisation. ");
    ADD("atom_energy:");
    for (int e = 0; e < c->n_el; e++) ADD(" %s %.17g", nnv_element_symbol(c->Z[e]), c->atom_energy[e]);
    ADD(". Scaling: %s, Smin %g, Smax %g. Cutoff: n2p2 type %d (%s), alpha %g. Networks:", scal[c->scaling],
        c->smin, c->smax, c->cutoff_n2p2, cut[c->cutoff_n2p2], c->cutoff_alpha);
    for (int e = 0; e < c->n_el; e++) {
        ADD(" %s %d", nnv_element_symbol(c->Z[e]), p->elements[e].n_sf);
        for (int i = 0; i < c->n_hidden; i++) ADD("-%d", c->nodes[i]);
        ADD("-1%s", e + 1 < c->n_el ? "," : "");
    }
    ADD(", activations %.*s%s.", c->n_hidden + 1, c->act_letter, c->normalize_nodes ? ", normalize_nodes" : "");
#undef ADD
    if (off >= MAX_DESCRIPTION) d[MAX_DESCRIPTION - 1] = '\0';
    p->description = d;
    return NNV_OK;
}

int nnv_n2p2_is_potential_dir(const char *path)
{
    struct stat st;
    char *f;
    int ok;
    if (!path || stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) return 0;
    if (!(f = n2p2_join_path(path, "input.nn"))) return 0;
    ok = stat(f, &st) == 0 && S_ISREG(st.st_mode);
    free(f);
    return ok;
}

/* The conversion proper, shared by the directory reader and the in-memory
 * parser: c says where the texts come from. */
static int convert(conv *c, nnv_potential **out, const nnv_n2p2_options *opt, nnv_error *err)
{
    nnv_potential *p = NULL;
    unsigned char *bytes = NULL;
    size_t n_bytes = 0;
    int rc;

    *out = NULL;
    if ((rc = n2p2_read_settings(c, err)) != NNV_OK) goto cleanup;
    if ((rc = setup_units(c, opt, err)) != NNV_OK) goto cleanup;

    if (!(p = calloc(1, sizeof *p)) || !(p->elements = calloc((size_t)c->n_el, sizeof *p->elements))) {
        rc = nnv_error_set(err, NNV_ENOMEM, "out of memory");
        goto cleanup;
    }
    p->n_elements = c->n_el;
    for (int e = 0; e < c->n_el; e++)
        if ((rc = build_element(c, e, p, err)) != NNV_OK) goto cleanup;
    if ((rc = n2p2_read_scaling(c, p, err)) != NNV_OK) goto cleanup;
    if ((rc = describe(c, p, err)) != NNV_OK) goto cleanup;
    /* The writer's validation is the reader's: a potential that passes it
     * can be written and read back by every reader. */
    if ((rc = nnv_potential_serialize(&bytes, &n_bytes, p, err)) != NNV_OK) goto cleanup;
    p->warnings = c->warn;
    memset(&c->warn, 0, sizeof c->warn);
    *out = p;
    p = NULL;
cleanup:
    free(bytes);
    nnv_potential_free(p);
    nnv_warnings_clear(&c->warn);
    free(c->sf);
    n2p2_free_settings(c);
    n2p2_text_free(&c->in);
    n2p2_text_free(&c->sc);
    return rc;
}

int nnv_n2p2_read(nnv_potential **out, const char *dir, const nnv_n2p2_options *opt, nnv_error *err)
{
    conv c;
    if (!out || !dir) return nnv_error_set(err, NNV_EUSAGE, "nnv_n2p2_read: NULL argument");
    memset(&c, 0, sizeof c);
    c.dir = dir;
    return convert(&c, out, opt, err);
}

int nnv_n2p2_parse(nnv_potential **out, const char *input_nn, size_t input_len, const char *scaling,
                   size_t scaling_len, const char *const *weights, const size_t *weights_len, int n_weights,
                   const char *name, const nnv_n2p2_options *opt, nnv_error *err)
{
    conv c;
    if (out) *out = NULL;
    if (!out || (!input_nn && input_len) || (!scaling && scaling_len) || n_weights < 0 ||
        (n_weights > 0 && (!weights || !weights_len)))
        return nnv_error_set(err, NNV_EUSAGE, "nnv_n2p2_parse: NULL argument or negative count");
    for (int i = 0; i < n_weights; i++)
        if (!weights[i] && weights_len[i])
            return nnv_error_set(err, NNV_EUSAGE, "nnv_n2p2_parse: weights text %d is NULL", i + 1);
    memset(&c, 0, sizeof c);
    c.dir = name ? name : "n2p2";
    c.from_memory = 1;
    c.mem_input = input_nn;
    c.mem_input_len = input_len;
    c.mem_scaling = scaling;
    c.mem_scaling_len = scaling_len;
    c.mem_weights = weights;
    c.mem_weights_len = weights_len;
    c.mem_n_weights = n_weights;
    return convert(&c, out, opt, err);
}
