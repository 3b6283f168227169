/* nnvib-sample --label: the teacher's labels for configurations chosen
 * elsewhere (active learning's selected candidates), each frame keeping its
 * own comment fields so the labelled set says where every frame came from. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample.h"

/* The comment keys a labelled frame writes itself, or that describe the
 * unlabelled file only: dropped from the kept fields. */
static int replaced_key(const char *k, size_t n)
{
    static const char *const keys[] = {"Properties", "energy", "dipole", "pbc", "unlabelled", "Lattice"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        size_t m = strlen(keys[i]), j;
        if (m != n) continue;
        for (j = 0; j < n && tolower((unsigned char)k[j]) == tolower((unsigned char)keys[i][j]); j++) {}
        if (j == n) return 1;
    }
    return 0;
}

/* The comment's key=value pairs (values bare or quoted) except the replaced
 * ones, space-separated into tail (len bytes). 0, or -1 when they do not fit. */
static int kept_fields(const char *comment, char *tail, size_t len)
{
    const char *s = comment;
    size_t used = 0;
    tail[0] = 0;
    while (*s) {
        const char *start, *eq;
        size_t n;
        while (*s == ' ' || *s == '\t') s++;
        if (!*s) break;
        start = s;
        s = txt_pair_end(s);
        n = (size_t)(s - start);
        eq = memchr(start, '=', n);
        if (replaced_key(start, eq ? (size_t)(eq - start) : n)) continue;
        if (used + n + 2 > len) return -1;
        if (used) tail[used++] = ' ';
        memcpy(tail + used, start, n);
        used += n;
        tail[used] = 0;
    }
    return 0;
}

/* The Properties of the comment, when given, must begin with species and
 * positions: the structure reader takes the first four columns as those. */
static int columns_ok(const char *comment)
{
    const char *p = strstr(comment, "Properties=");
    if (!p || (p != comment && p[-1] != ' ' && p[-1] != '\t')) return 1;
    p += strlen("Properties=");
    if (*p == '"') p++;
    return strncmp(p, "species:S:1:pos:R:3", 19) == 0;
}

static int same_atoms(const smp_teacher *t, int n_t, const int *Z_t, const nnv_structure *s)
{
    if (!t || n_t != s->n_atoms) return 0;
    return memcmp(Z_t, s->Z, (size_t)n_t * sizeof *Z_t) == 0;
}

/* 1 when the file has no bytes: an empty selection, nothing to label. */
static int empty_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    int empty = f && fgetc(f) == EOF;
    if (f) fclose(f);
    return empty;
}

int smp_label_file(const smp_options *o, smp_out *out, long *failed, nnv_error *err)
{
    nnv_xyz_reader *rd = NULL;
    nnv_structure *s = NULL;
    smp_teacher *t = NULL;
    smp_hvp curv = {0, NULL, NULL};
    double *g = NULL;
    int *Z_t = NULL, n_t = 0, rc, frame = 0;
    long hvp_failed = 0;
    char tail[4096];
    *failed = 0;
    if (empty_file(o->label)) return NNV_OK;
    if ((rc = nnv_xyz_open(&rd, o->label, err)) != NNV_OK) return rc;
    for (;; frame++) {
        double R[9], e, mu[3];
        size_t n3;
        nnv_error e2;
        if ((rc = nnv_xyz_next(rd, &s, err)) != NNV_OK || !s) break;
        n3 = 3 * (size_t)s->n_atoms;
        if (!columns_ok(s->comment)) {
            rc = nnv_error_set(err, NNV_EINPUT, "%s: frame %d: field 'Properties': must begin with "
                               "species:S:1:pos:R:3", o->label, frame + 1);
            break;
        }
        if (kept_fields(s->comment, tail, sizeof tail) != 0) {
            rc = nnv_error_set(err, NNV_EINPUT, "%s: frame %d: comment line: the fields to keep exceed %zu bytes",
                               o->label, frame + 1, sizeof tail - 1);
            break;
        }
        /* One calculator per run of frames of the same atoms. */
        if (!same_atoms(t, n_t, Z_t, s)) {
            int *nz = realloc(Z_t, (size_t)s->n_atoms * sizeof *nz);
            double *ng = realloc(g, n3 * sizeof *ng), *np, *nh;
            if (nz) Z_t = nz;
            if (ng) g = ng;
            np = realloc(curv.probes, ((size_t)o->hvp_probes * n3 + 1) * sizeof *np);
            if (np) curv.probes = np;
            nh = realloc(curv.hv, ((size_t)o->hvp_probes * n3 + 1) * sizeof *nh);
            if (nh) curv.hv = nh;
            if (!nz || !ng || !np || !nh) {
                rc = nnv_error_set(err, NNV_ENOMEM, "%s: frame %d: out of memory", o->label, frame + 1);
                break;
            }
            smp_teacher_free(t);
            t = NULL;
            n_t = 0;
            if ((rc = smp_teacher_new(&t, s->n_atoms, s->Z, s->xyz, o->accuracy, err)) != NNV_OK) break;
            n_t = s->n_atoms;
            memcpy(Z_t, s->Z, (size_t)n_t * sizeof *Z_t);
        }
        /* The frame's streams come from its own comment, so its rotation and
         * probes do not depend on which other frames the file holds. */
        {
            smp_rng rng = {o->seed ^ smp_hash(s->comment), 0, 0.0};
            smp_rng prng = {smp_probe_seed(o->seed ^ smp_hash(s->comment)), 0, 0.0};
            smp_rotation(&rng, R);
            if (smp_teacher_eval(t, s->xyz, R, &e, g, mu, &e2) != NNV_OK) {
                fprintf(stderr, "nnvib-sample: %s: frame %d left out: %s\n", o->label, frame + 1, e2.message);
                (*failed)++;
                nnv_structure_free(s);
                s = NULL;
                continue;
            }
            if ((rc = smp_curvature(o, t, &prng, frame, s->n_atoms, s->xyz, R, &curv, &hvp_failed, err)) != NNV_OK)
                break;
        }
        if ((rc = smp_write_frame(out, s->n_atoms, s->Z, s->xyz, e, g, mu, &curv, tail, err)) != NNV_OK) break;
        nnv_structure_free(s);
        s = NULL;
    }
    if (o->hvp_probes > 0 && hvp_failed > 0)
        fprintf(stderr, "nnvib-sample: %s: H.v labels failed for %ld configurations\n", o->label, hvp_failed);
    nnv_structure_free(s);
    nnv_xyz_close(rd);
    smp_teacher_free(t);
    FREE_ALL(g, Z_t, curv.probes, curv.hv);
    return rc;
}
