/* n2p2_data.c: the numbers of an n2p2 potential: scaling.data (one row per
 * symmetry function, SymFnc::setScalingType) and weights.NNN.data (one value
 * a line in NeuralNetwork::setConnections order). */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/n2p2_internal.h"

/* The next data row of tf (blank lines and '#' comments skipped), split into
 * at most 8 tokens; how many tokens it has, or -1 at the end of the text. */
static int next_row(text_file *tf, txt_cursor *cur, char **tok)
{
    char *s;
    while ((s = n2p2_next_line(tf, cur)) != NULL) {
        while (txt_is_space(*s)) s++;
        if (*s != '\0' && *s != '#') return n2p2_split(s, tok, 8);
    }
    return -1;
}

/* ---- scaling.data ------------------------------------------------------------------- */

int n2p2_read_scaling(conv *c, nnv_potential *p, nnv_error *err)
{
    int rc, e = 0, k = 0, rows = 0, n;
    char *tok[8];
    txt_cursor cur;
    if ((rc = n2p2_load_text(c, &c->sc, "scaling.data", -1, err)) != NNV_OK) return rc;
    txt_cursor_init(&cur, c->sc.buf, c->sc.len);
    while ((n = next_row(&c->sc, &cur, tok)) >= 0) {
        int ei, ki;
        double g[4] = {0, 0, 0, 0};
        nnv_sf *sf;
        const sf_in *src;
        rows++;
        if (e >= c->n_el)
            return nnv_error_set(err, NNV_EINPUT, "%s line %d: one row too many: input.nn defines %d symmetry "
                                 "functions", c->sc.path, cur.line, c->n_sf_total);
        if (n < 5 || n > 6)
            return nnv_error_set(err, NNV_EINPUT, "%s line %d: expected 5 or 6 columns (e_index sf_index sf_min "
                                 "sf_max sf_mean [sf_sigma]), got %d", c->sc.path, cur.line, n);
        if (n2p2_int(tok[0], 1, NNV_MAX_Z, &ei) != 0 || n2p2_int(tok[1], 1, INT_MAX, &ki) != 0)
            return nnv_error_set(err, NNV_EINPUT, "%s line %d: e_index and sf_index must be positive integers",
                                 c->sc.path, cur.line);
        if (ei != e + 1 || ki != k + 1)
            return nnv_error_set(err, NNV_EINPUT, "%s line %d: row for element index %d, symmetry function %d; "
                                 "expected element index %d (%s), symmetry function %d (n2p2's sorted order)",
                                 c->sc.path, cur.line, ei, ki, e + 1, nnv_element_symbol(c->Z[e]), k + 1);
        for (int i = 2; i < n; i++)
            if (n2p2_num(tok[i], &g[i - 2]) != 0) {
                static const char *col[] = {"sf_min", "sf_max", "sf_mean", "sf_sigma"};
                char q[TXT_QUOTE_SIZE];
                n2p2_quote(q, tok[i]);
                return nnv_error_set(err, NNV_EINPUT, "%s line %d: %s \"%s\" is not a finite number", c->sc.path,
                                     cur.line, col[i - 2], q);
            }
        sf = &p->elements[e].sf[k];
        src = &c->sf[c->sf_begin[e] + k];
        sf->gmin = g[0];
        sf->gmax = g[1];
        /* SymFnc::setScalingType and scale(): s = Smin + f (G - centre). */
        switch (c->scaling) {
        case ST_NONE: sf->shift = 0; sf->scale = 1; break;
        case ST_CENTER: sf->shift = g[2]; sf->scale = 1; break;
        case ST_SCALE:
        case ST_SCALECENTER: {
            double f, centre = c->scaling == ST_SCALE ? g[0] : g[2];
            if (g[1] == g[0])
                return nnv_error_set(err, NNV_EINPUT, "%s line %d: sf_max = sf_min = %g (element %s, symmetry "
                                     "function %d, input.nn line %d): the scaled value (G - Gmin)/(Gmax - Gmin) "
                                     "is undefined", c->sc.path, cur.line, g[0], nnv_element_symbol(c->Z[e]), k + 1,
                                     src->line);
            f = (c->smax - c->smin) / (g[1] - g[0]);
            sf->scale = f;
            sf->shift = c->smin == 0 ? centre : centre - c->smin / f;
            break;
        }
        case ST_SCALESIGMA: {
            double f;
            if (n < 6 || !(g[3] > 0))
                return nnv_error_set(err, NNV_EINPUT, "%s line %d: scale_symmetry_functions_sigma needs a "
                                     "sf_sigma > 0 in column 6 (element %s, symmetry function %d)", c->sc.path,
                                     cur.line, nnv_element_symbol(c->Z[e]), k + 1);
            f = (c->smax - c->smin) / g[3];
            sf->scale = f;
            sf->shift = c->smin == 0 ? g[2] : g[2] - c->smin / f;
            break;
        }
        default: break;
        }
        if (!isfinite(sf->scale) || !isfinite(sf->shift) || sf->scale == 0)
            return nnv_error_set(err, NNV_EINPUT, "%s line %d: the scaling of element %s symmetry function %d is "
                                 "not finite or zero (shift %g, scale %g)", c->sc.path, cur.line,
                                 nnv_element_symbol(c->Z[e]), k + 1, sf->shift, sf->scale);
        if (++k == p->elements[e].n_sf) {
            k = 0;
            e++;
        }
    }
    if (e < c->n_el)
        return nnv_error_set(err, NNV_EINPUT, "%s: %d data rows, expected %d (one per symmetry function in "
                             "input.nn); missing from element %s symmetry function %d on", c->sc.path, rows,
                             c->n_sf_total, nnv_element_symbol(c->Z[e]), k + 1);
    return NNV_OK;
}

/* ---- weights.NNN.data ------------------------------------------------------------------ */

static int alloc_network(nnv_network *net, int n_layers, const int *size, nnv_error *err)
{
    if (!(net->layers = calloc((size_t)n_layers, sizeof *net->layers)))
        return nnv_error_set(err, NNV_ENOMEM, "out of memory");
    net->n_layers = n_layers;
    for (int l = 0; l < n_layers; l++) {
        nnv_layer *L = &net->layers[l];
        L->n_in = size[l];
        L->n_out = size[l + 1];
        L->W = calloc((size_t)L->n_in * (size_t)L->n_out, sizeof *L->W);
        L->b = calloc((size_t)L->n_out, sizeof *L->b);
        if (!L->W || !L->b) return nnv_error_set(err, NNV_ENOMEM, "out of memory");
    }
    return NNV_OK;
}

/* One value per data line in NeuralNetwork::setConnections order: per layer,
 * the weights with the start neuron as the outer loop, then the biases. When
 * the line carries n2p2's annotation columns (t index l_s n_s l_e n_e for
 * weights, t index l_e n_e for biases) they must name that same connection. */
int n2p2_read_weights(conv *c, int e, nnv_network *net, int n_layers, const int *size, nnv_error *err)
{
    text_file wf;
    char name[32], *tok[8], shape[64 * 8];
    int rc = NNV_OK, l = 0, j = 0, k = 0, bias = 0, t = 0, expected = 0, done = 0, n;
    txt_cursor cur;
    size_t off = 0;

    /* At most 63 layers of at most 4096 nodes: fewer than INT_MAX values. */
    for (int i = 0; i < n_layers; i++) expected += size[i + 1] * (size[i] + 1);
    off += (size_t)snprintf(shape, sizeof shape, "%d", size[0]);
    for (int i = 0; i < n_layers && off < sizeof shape; i++)
        off += (size_t)snprintf(shape + off, sizeof shape - off, "-%d", size[i + 1]);
    snprintf(name, sizeof name, "weights.%03d.data", c->Z[e]);
    if ((rc = n2p2_load_text(c, &wf, name, e, err)) != NNV_OK) return rc;
    txt_cursor_init(&cur, wf.buf, wf.len);
    /* A value takes a line of at least two bytes: a file too short for the
     * network is refused before its (possibly huge) matrices are allocated. */
    if ((size_t)expected > wf.len / 2 + 1) {
        rc = nnv_error_set(err, NNV_EINPUT, "%s: %zu bytes cannot hold the %d values of the %s network of %s "
                           "(input.nn)", wf.path, wf.len, expected, shape, nnv_element_symbol(c->Z[e]));
        goto cleanup;
    }
    if ((rc = alloc_network(net, n_layers, size, err)) != NNV_OK) goto cleanup;
    while ((n = next_row(&wf, &cur, tok)) >= 0) {
        double v;
        nnv_layer *L;
        if (done) {
            rc = nnv_error_set(err, NNV_EINPUT, "%s line %d: more values than the %d of the %s network of %s "
                               "(input.nn)", wf.path, cur.line, expected, shape, nnv_element_symbol(c->Z[e]));
            goto cleanup;
        }
        if (n2p2_num(tok[0], &v) != 0) {
            char q[TXT_QUOTE_SIZE];
            n2p2_quote(q, tok[0]);
            rc = nnv_error_set(err, NNV_EINPUT, "%s line %d: \"%s\" is not a finite number", wf.path, cur.line, q);
            goto cleanup;
        }
        L = &net->layers[l];
        if (n >= 2 && (strcmp(tok[1], "a") == 0 || strcmp(tok[1], "b") == 0)) {
            int ok = 1, x[5];
            int want_n = bias ? 5 : 7;
            if (n != want_n || strcmp(tok[1], bias ? "b" : "a") != 0) ok = 0;
            for (int i = 2; ok && i < n; i++)
                if (n2p2_int(tok[i], 0, INT_MAX, &x[i - 2]) != 0) ok = 0;
            if (ok && bias) ok = x[0] == t + 1 && x[1] == l + 1 && x[2] == k + 1;
            if (ok && !bias) ok = x[0] == t + 1 && x[1] == l && x[2] == j + 1 && x[3] == l + 1 && x[4] == k + 1;
            if (!ok) {
                if (bias)
                    rc = nnv_error_set(err, NNV_EINPUT, "%s line %d: annotation does not match n2p2's order: "
                                       "expected connection %d = bias of layer %d neuron %d (\"b %d %d %d\")",
                                       wf.path, cur.line, t + 1, l + 1, k + 1, t + 1, l + 1, k + 1);
                else
                    rc = nnv_error_set(err, NNV_EINPUT, "%s line %d: annotation does not match n2p2's order: "
                                       "expected connection %d = weight from layer %d neuron %d to layer %d "
                                       "neuron %d (\"a %d %d %d %d %d\")", wf.path, cur.line, t + 1, l, j + 1,
                                       l + 1, k + 1, t + 1, l, j + 1, l + 1, k + 1);
                goto cleanup;
            }
        }
        if (!bias) {
            L->W[(size_t)k * (size_t)L->n_in + (size_t)j] = v;
            if (++k == L->n_out) {
                k = 0;
                if (++j == L->n_in) {
                    j = 0;
                    bias = 1;
                }
            }
        } else {
            L->b[k] = v;
            if (++k == L->n_out) {
                k = 0;
                bias = 0;
                if (++l == net->n_layers) done = 1;
            }
        }
        t++;
    }
    if (!done)
        rc = nnv_error_set(err, NNV_EINPUT, "%s: %d values, expected %d for the %s network of %s (input.nn: %d "
                           "symmetry functions, global_nodes_short, one output)", wf.path, t, expected, shape,
                           nnv_element_symbol(c->Z[e]), net->layers[0].n_in);
cleanup:
    n2p2_text_free(&wf);
    return rc;
}
