/* Synthetic data for the trainer's tests: Morse pairs with fixed atomic
 * charges, labelled exactly and reproducibly from a seed. */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "toyset.h"

static uint64_t lcg_state;
static double urand(void)
{
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(lcg_state >> 11) * 0x1.0p-53;
}

void morse_label(ds_frame *fr)
{
    static const double D = 1.0, a = 1.6, r0 = 1.3;
    int N = fr->n_atoms;
    double qm = 0.0, xm[3] = {0, 0, 0};
    fr->energy = 0.0;
    fr->has_energy = 1;
    memset(fr->forces, 0, 3 * (size_t)N * sizeof *fr->forces);
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++) {
            double d[3], r = 0.0, ex, dE;
            for (int q = 0; q < 3; q++) d[q] = fr->xyz[3 * j + q] - fr->xyz[3 * i + q], r += d[q] * d[q];
            r = sqrt(r);
            ex = exp(-a * (r - r0));
            fr->energy += D * (1 - ex) * (1 - ex) - D;
            dE = 2 * D * (1 - ex) * a * ex;
            for (int q = 0; q < 3; q++) {
                fr->forces[3 * i + q] += dE * d[q] / r;
                fr->forces[3 * j + q] -= dE * d[q] / r;
            }
        }
    for (int i = 0; i < N; i++) {
        qm += (fr->Z[i] == 1 ? 0.3 : fr->Z[i] == 6 ? -0.1 : -0.4) / N;
        for (int q = 0; q < 3; q++) xm[q] += fr->xyz[3 * i + q] / N;
    }
    fr->has_dipole = 1;
    for (int q = 0; q < 3; q++) fr->dipole[q] = 0.0;
    for (int i = 0; i < N; i++) {
        double qi = (fr->Z[i] == 1 ? 0.3 : fr->Z[i] == 6 ? -0.1 : -0.4) - qm;
        for (int q = 0; q < 3; q++) fr->dipole[q] += qi * (fr->xyz[3 * i + q] - xm[q]);
    }
}

void toy_add_hvp(ds_frame *fr, int k, uint64_t seed)
{
    static const double D = 1.0, a = 1.6, r0 = 1.3; /* morse_label's */
    int N = fr->n_atoms;
    size_t n3 = 3 * (size_t)N;
    lcg_state = seed;
    free(fr->hvp_probe);
    free(fr->hvp);
    fr->n_hvp = k;
    fr->hvp_probe = malloc((size_t)k * n3 * sizeof *fr->hvp_probe);
    fr->hvp = calloc((size_t)k * n3, sizeof *fr->hvp);
    ck_assert(fr->hvp_probe && fr->hvp);
    for (int p = 0; p < k; p++) {
        double *v = fr->hvp_probe + (size_t)p * n3, *hv = fr->hvp + (size_t)p * n3, l = 0.0;
        for (size_t j = 0; j < n3; j++) v[j] = urand() - 0.5, l += v[j] * v[j];
        for (size_t j = 0; j < n3; j++) v[j] /= sqrt(l);
        /* Pair (i, j) with d = x_j - x_i, u = d / r: the block
         * K = E'' u u^T + E'/r (1 - u u^T) acts on w = v_j - v_i. */
        for (int i = 0; i < N; i++)
            for (int j = i + 1; j < N; j++) {
                double d[3], r = 0.0, ex, d1, d2, w[3], uw = 0.0;
                for (int q = 0; q < 3; q++) d[q] = fr->xyz[3 * j + q] - fr->xyz[3 * i + q], r += d[q] * d[q];
                r = sqrt(r);
                ex = exp(-a * (r - r0));
                d1 = 2 * D * a * ex * (1 - ex);
                d2 = 2 * D * a * a * ex * (2 * ex - 1);
                for (int q = 0; q < 3; q++) w[q] = v[3 * j + q] - v[3 * i + q], uw += d[q] / r * w[q];
                for (int q = 0; q < 3; q++) {
                    double kw = d2 * uw * d[q] / r + d1 / r * (w[q] - uw * d[q] / r);
                    hv[3 * j + q] += kw;
                    hv[3 * i + q] -= kw;
                }
            }
    }
}

void make_set(ds_set *s, int n_frames, uint64_t seed)
{
    static const int elems[3] = {1, 6, 8};
    lcg_state = seed;
    memset(s, 0, sizeof *s);
    for (int f = 0; f < n_frames; f++) {
        ds_frame fr;
        int N = 3 + f % 3, placed = 0;
        memset(&fr, 0, sizeof fr);
        fr.n_atoms = N;
        fr.Z = malloc((size_t)N * sizeof *fr.Z);
        fr.xyz = malloc(3 * (size_t)N * sizeof *fr.xyz);
        fr.forces = malloc(3 * (size_t)N * sizeof *fr.forces);
        fr.info = strdup("molecule=toy");
        /* Every frame has H, C and O so every element is seen. */
        for (int i = 0; i < N; i++) fr.Z[i] = i < 3 ? elems[i] : elems[(int)(urand() * 3)];
        while (placed < N) {
            double *x = fr.xyz + 3 * placed;
            int ok = 1;
            for (int q = 0; q < 3; q++) x[q] = 2.4 * urand();
            for (int j = 0; j < placed && ok; j++) {
                double r2 = 0.0;
                for (int q = 0; q < 3; q++) r2 += (x[q] - fr.xyz[3 * j + q]) * (x[q] - fr.xyz[3 * j + q]);
                ok = r2 > 0.9 * 0.9;
            }
            placed += ok;
        }
        morse_label(&fr);
        ck_assert_int_eq(ds_append(s, &fr, NULL), NNV_OK);
        ds_frame_free(&fr);
    }
}

void toy_options(train_options *o, sfgen_options *so, int h1, int h2, int act)
{
    sfgen_defaults(so);
    so->n_radial = 3;
    so->n_ang_eta = 1;
    so->rc = 4.0;
    train_defaults(o);
    o->n_hidden = 2;
    o->hidden[0] = h1;
    o->hidden[1] = h2;
    o->activation = act;
}

int toy_same_network(const nnv_network *a, const nnv_network *b)
{
    if (a->n_layers != b->n_layers) return 0;
    for (int l = 0; l < a->n_layers; l++) {
        const nnv_layer *x = &a->layers[l], *y = &b->layers[l];
        if (x->n_in != y->n_in || x->n_out != y->n_out) return 0;
        if (memcmp(x->W, y->W, (size_t)x->n_in * (size_t)x->n_out * sizeof *x->W) != 0) return 0;
        if (memcmp(x->b, y->b, (size_t)x->n_out * sizeof *x->b) != 0) return 0;
    }
    return 1;
}
