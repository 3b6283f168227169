/* Continuity diagnostics along a path: moves atoms along a bond, a torsion or a
 * direction, and measures the largest step-to-step jump of the forces or the
 * Hessian as the step shrinks (jump ~ h for a continuous quantity, ~ const
 * where the path crosses a kink of a ReLU network or a C1 cutoff). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_internal.h"
#include "model/model_internal.h"

#define DEG (3.14159265358979323846 / 180.0)
/* Enough for any sensible scan; a guard against hours of evaluations. */
#define SCAN_MAX_POINTS 1000000L

/* A path resolved against one structure: which atoms move and how. */
typedef struct path_geo {
    int n3;
    const double *x0;
    int kind;
    double origin[3], axis[3]; /* unit axis (bond / direction / rotation axis) */
    unsigned char *moves;      /* torsion: 1 for the atoms that turn */
    int atom;                  /* bond / atom paths: the moving atom */
} path_geo;

static double norm3(const double *v) { return sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]); }

int nnv_path_check(const nnv_path *path, const nnv_structure *s, nnv_error *err)
{
    static const int used[3] = {2, 4, 1};
    int n;
    if (!path || !s || s->n_atoms < 1 || !s->xyz) return nnv_error_set(err, NNV_EUSAGE, "path: no path or structure");
    if (path->kind < NNV_PATH_BOND || path->kind > NNV_PATH_ATOM)
        return nnv_error_set(err, NNV_EUSAGE, "path: unknown kind %d", path->kind);
    n = used[path->kind];
    for (int a = 0; a < n; a++) {
        if (path->atoms[a] < 0 || path->atoms[a] >= s->n_atoms)
            return nnv_error_set(err, NNV_EUSAGE, "path: atom %d out of range 1..%d", path->atoms[a] + 1, s->n_atoms);
        for (int b = 0; b < a; b++)
            if (path->atoms[a] == path->atoms[b])
                return nnv_error_set(err, NNV_EUSAGE, "path: atom %d given twice", path->atoms[a] + 1);
    }
    if (!isfinite(path->t_start) || !isfinite(path->t_end) || !(path->t_start < path->t_end))
        return nnv_error_set(err, NNV_EUSAGE, "path: range [%g, %g] must be finite with start < end", path->t_start,
                             path->t_end);
    if (path->kind == NNV_PATH_ATOM) {
        double d = norm3(path->direction);
        if (!isfinite(d) || d == 0.0) return nnv_error_set(err, NNV_EUSAGE, "path: direction must be finite and non-zero");
    } else {
        int i = path->kind == NNV_PATH_BOND ? path->atoms[0] : path->atoms[1];
        int j = path->kind == NNV_PATH_BOND ? path->atoms[1] : path->atoms[2];
        double d[3];
        for (int q = 0; q < 3; q++) d[q] = s->xyz[3 * j + q] - s->xyz[3 * i + q];
        if (!(norm3(d) > 0.0))
            return nnv_error_set(err, NNV_EUSAGE, "path: atoms %d and %d coincide", i + 1, j + 1);
    }
    return NNV_OK;
}

static void geo_free(path_geo *g) { free(g->moves); }

static int geo_prepare(path_geo *g, const nnv_path *path, const nnv_structure *s, nnv_error *err)
{
    int status, N = s->n_atoms, *pairs = NULL, nb = 0, *stack = NULL, top = 0;
    memset(g, 0, sizeof *g);
    if ((status = nnv_path_check(path, s, err)) != NNV_OK) return status;
    g->n3 = 3 * N;
    g->x0 = s->xyz;
    g->kind = path->kind;
    if (path->kind == NNV_PATH_ATOM) {
        double d = norm3(path->direction);
        for (int q = 0; q < 3; q++) g->axis[q] = path->direction[q] / d;
        g->atom = path->atoms[0];
        return NNV_OK;
    }
    {
        int i = path->kind == NNV_PATH_BOND ? path->atoms[0] : path->atoms[1];
        int j = path->kind == NNV_PATH_BOND ? path->atoms[1] : path->atoms[2];
        double d[3], n;
        for (int q = 0; q < 3; q++) d[q] = s->xyz[3 * j + q] - s->xyz[3 * i + q];
        n = norm3(d);
        for (int q = 0; q < 3; q++) g->axis[q] = d[q] / n, g->origin[q] = s->xyz[3 * i + q];
        g->atom = j;
    }
    if (path->kind == NNV_PATH_BOND) return NNV_OK;

    /* Torsion: the atoms reachable from k without passing through j turn. */
    {
        int j = path->atoms[1], k = path->atoms[2], l = path->atoms[3];
        g->moves = calloc((size_t)N, 1);
        stack = malloc((size_t)N * sizeof *stack);
        if (!g->moves || !stack) {
            status = nnv_error_set(err, NNV_ENOMEM, "path: out of memory");
            goto cleanup;
        }
        if ((status = bonds_guess(&pairs, &nb, N, s->Z, s->xyz, err)) != NNV_OK) goto cleanup;
        g->moves[k] = 1;
        stack[top++] = k;
        while (top > 0) {
            int a = stack[--top];
            for (int b = 0; b < nb; b++) {
                int u = pairs[2 * b], v = pairs[2 * b + 1], o;
                if (u != a && v != a) continue;
                o = u == a ? v : u;
                if (o == j && a == k) continue; /* the axis bond itself */
                if (!g->moves[o]) {
                    g->moves[o] = 1;
                    stack[top++] = o;
                }
            }
        }
        if (g->moves[j] || !g->moves[l]) {
            /* A ring through j-k (or l not on k's side): turn l alone. */
            memset(g->moves, 0, (size_t)N);
            g->moves[l] = 1;
        }
        g->moves[k] = 0; /* on the axis */
    }
cleanup:
    free(pairs);
    free(stack);
    if (status != NNV_OK) geo_free(g);
    return status;
}

static void geo_point(const path_geo *g, double t, double *xyz)
{
    memcpy(xyz, g->x0, (size_t)g->n3 * sizeof *xyz);
    if (g->kind != NNV_PATH_TORSION) {
        for (int q = 0; q < 3; q++) xyz[3 * g->atom + q] += t * g->axis[q];
        return;
    }
    {
        /* Rodrigues: v' = v cos + (u x v) sin + u (u.v)(1 - cos); turning by
         * -t about j->k raises the dihedral i-j-k-l (IUPAC sign) by t. */
        double c = cos(t * DEG), sn = -sin(t * DEG);
        const double *u = g->axis;
        for (int a = 0; a < g->n3 / 3; a++) {
            double v[3], uv, w[3];
            if (!g->moves[a]) continue;
            for (int q = 0; q < 3; q++) v[q] = g->x0[3 * a + q] - g->origin[q];
            uv = u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
            w[0] = u[1] * v[2] - u[2] * v[1];
            w[1] = u[2] * v[0] - u[0] * v[2];
            w[2] = u[0] * v[1] - u[1] * v[0];
            for (int q = 0; q < 3; q++) xyz[3 * a + q] = g->origin[q] + v[q] * c + w[q] * sn + u[q] * uv * (1 - c);
        }
    }
}

int diag_path_point(double *xyz, const nnv_path *path, const nnv_structure *s, double t, nnv_error *err)
{
    path_geo g;
    int status;
    if (!xyz || !isfinite(t)) return nnv_error_set(err, NNV_EUSAGE, "path point: no output or t not finite");
    if ((status = geo_prepare(&g, path, s, err)) != NNV_OK) return status;
    geo_point(&g, t, xyz);
    geo_free(&g);
    return NNV_OK;
}

int nnv_path_scan(nnv_scan *out, const nnv_potential *p, const nnv_structure *s, const nnv_path *path,
                  int quantity, double h, int n_levels, const nnv_compute_options *o, nnv_error *err)
{
    path_geo g = {0};
    nnv_structure tmp = {0};
    nnv_compute_options co = {NNV_WANT_FORCES, 0.0, o ? o->max_hessian_mb : 0.0};
    nnv_result *r = NULL;
    double *prev = NULL, range;
    long n0, total;
    size_t len;
    int status;

    if (!out || !p) return nnv_error_set(err, NNV_EUSAGE, "path scan: no output or potential");
    memset(out, 0, sizeof *out);
    if (quantity != NNV_SCAN_FORCES && quantity != NNV_SCAN_HESSIAN)
        return nnv_error_set(err, NNV_EUSAGE, "path scan: unknown quantity %d", quantity);
    if (n_levels < 2 || n_levels > NNV_SCAN_MAX_LEVELS)
        return nnv_error_set(err, NNV_EUSAGE, "path scan: %d levels, expected 2..%d", n_levels, NNV_SCAN_MAX_LEVELS);
    if (!(h > 0.0) || !isfinite(h)) return nnv_error_set(err, NNV_EUSAGE, "path scan: step %g must be > 0", h);
    if ((status = geo_prepare(&g, path, s, err)) != NNV_OK) goto cleanup;
    range = path->t_end - path->t_start;
    /* Whole steps only, so that every finer grid contains the coarser one. */
    n0 = lround(range / h);
    if (n0 < 1) n0 = 1;
    total = 0;
    for (int k = 0; k < n_levels; k++) total += (n0 << k) + 1;
    if (!(range / h < (double)SCAN_MAX_POINTS) || total > SCAN_MAX_POINTS) {
        status = nnv_error_set(err, NNV_EUSAGE, "path scan: range %g / step %g over %d levels needs more than %ld "
                               "points", range, h, n_levels, SCAN_MAX_POINTS);
        goto cleanup;
    }
    tmp = *s;
    if (quantity == NNV_SCAN_HESSIAN) co.want = NNV_WANT_HESSIAN;
    len = quantity == NNV_SCAN_FORCES ? (size_t)g.n3 : (size_t)g.n3 * (size_t)g.n3;
    tmp.xyz = malloc((size_t)g.n3 * sizeof *tmp.xyz);
    prev = malloc(len * sizeof *prev);
    if (!tmp.xyz || !prev) {
        status = nnv_error_set(err, NNV_ENOMEM, "path scan: out of memory");
        goto cleanup;
    }
    out->quantity = quantity;
    out->n_levels = n_levels;
    for (int k = 0; k < n_levels; k++) {
        nnv_scan_level *lv = &out->level[k];
        long n = n0 << k;
        lv->h = range / (double)n;
        lv->n_steps = (int)n;
        lv->max_jump = 0.0;
        lv->t_at = path->t_start;
        for (long i = 0; i <= n; i++) {
            double t = i == n ? path->t_end : path->t_start + (double)i * lv->h;
            const double *q;
            geo_point(&g, t, tmp.xyz);
            status = nnv_compute(&r, p, &tmp, &co, err);
            if (status != NNV_OK) goto cleanup;
            q = quantity == NNV_SCAN_FORCES ? r->forces : r->hessian;
            if (i > 0)
                for (size_t c = 0; c < len; c++) {
                    double d = fabs(q[c] - prev[c]);
                    if (d > lv->max_jump) lv->max_jump = d, lv->t_at = t - lv->h, lv->component = (int)c;
                }
            memcpy(prev, q, len * sizeof *prev);
            nnv_result_free(r);
            r = NULL;
        }
    }
    for (int k = 0; k + 1 < n_levels; k++)
        out->ratio[k] = out->level[k + 1].max_jump > 0.0 ? out->level[k].max_jump / out->level[k + 1].max_jump : NAN;
cleanup:
    nnv_result_free(r);
    free(tmp.xyz);
    free(prev);
    geo_free(&g);
    return status;
}
