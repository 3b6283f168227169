/* Unit tests of the n2p2 importer (src/n2p2.c, nnvib convert): the shared n2p2
 * example potentials against the energies, forces, Hessians and SF order that
 * n2p2's own nnp-predict produced; n2p2's SF sorting on a hand-made input.nn in
 * scrambled order (tests/data/n2p2/scrambled); a clear error, naming file and
 * line, for each class of malformed or unsupported input; round trip through
 * weights.bin; and the nnvib program's convert subcommand and direct use. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, opendir */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "json.h"
#include "testutil.h"

#define EV_PER_HA 27.211386245988
#define A_PER_BOHR 0.529177210903

/* ---- helpers ------------------------------------------------------------------- */

static char *cat(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *p = malloc(na + nb + 2);
    ck_assert_ptr_nonnull(p);
    memcpy(p, a, na);
    p[na] = '/';
    memcpy(p + na + 1, b, nb + 1);
    return p;
}

static char *shared_example(const char *name)
{
    char *tp = cat(tu_shared_dir(), "third_party/n2p2"), *d = cat(tp, name);
    free(tp);
    return d;
}

static char *scrambled_dir(void)
{
    return cat(tu_srcdir(), "tests/data/n2p2/scrambled");
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    ck_assert(fwrite(text, 1, strlen(text), f) == strlen(text));
    ck_assert(fclose(f) == 0);
}

/* A fresh temporary folder holding a copy of the regular files of src. */
static char *copy_to_temp(const char *src)
{
    char tmpl[] = "/tmp/nnvib-n2p2.XXXXXX";
    char *dir;
    DIR *d;
    struct dirent *de;
    ck_assert_ptr_nonnull(mkdtemp(tmpl));
    dir = strdup(tmpl);
    d = opendir(src);
    ck_assert_msg(d != NULL, "cannot open %s", src);
    while ((de = readdir(d)) != NULL) {
        char *from, *to, *text;
        struct stat st;
        if (de->d_name[0] == '.') continue;
        from = cat(src, de->d_name);
        if (stat(from, &st) == 0 && S_ISREG(st.st_mode)) {
            to = cat(dir, de->d_name);
            text = tu_read_file(from, NULL);
            ck_assert_msg(text != NULL, "cannot read %s", from);
            write_text(to, text);
            free(text);
            free(to);
        }
        free(from);
    }
    closedir(d);
    return dir;
}

static void remove_temp(char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    if (d) {
        while ((de = readdir(d)) != NULL) {
            char *p;
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
            p = cat(dir, de->d_name);
            unlink(p);
            free(p);
        }
        closedir(d);
    }
    rmdir(dir);
    free(dir);
}

/* Replace the first line of dir/name that equals `old` by `new` (NULL: delete
 * it); with old == NULL, append `new` as a last line. Returns the 1-based line. */
static int patch(const char *dir, const char *name, const char *old, const char *new_line)
{
    char *path = cat(dir, name), *text = tu_read_file(path, NULL), *out, *s;
    size_t cap;
    int ln = 0, found = 0;
    ck_assert_msg(text != NULL, "cannot read %s", path);
    cap = strlen(text) + (new_line ? strlen(new_line) : 0) + 4;
    out = calloc(cap, 1);
    ck_assert_ptr_nonnull(out);
    s = text;
    while (*s) {
        char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        ln++;
        if (!found && old && len == strlen(old) && strncmp(s, old, len) == 0) {
            found = ln;
            if (new_line) {
                strcat(out, new_line);
                strcat(out, "\n");
            }
        } else {
            strncat(out, s, len);
            strcat(out, "\n");
        }
        s += len + (nl ? 1 : 0);
    }
    if (!old) {
        strcat(out, new_line);
        strcat(out, "\n");
        found = ln + 1;
    }
    ck_assert_msg(found, "%s: line \"%s\" not found", path, old);
    write_text(path, out);
    free(out);
    free(text);
    free(path);
    return found;
}

static nnv_potential *convert_ok(const char *dir, int lu, int eu)
{
    nnv_potential *p = NULL;
    nnv_error err = {0, ""};
    nnv_n2p2_options o = {lu, eu};
    int rc = nnv_n2p2_read(&p, dir, &o, &err);
    ck_assert_msg(rc == NNV_OK, "%s: %s", dir, err.message);
    ck_assert_ptr_nonnull(p);
    return p;
}

static double rel_err(double x, double ref) { return fabs(x - ref) / fabs(ref); }

/* ---- the shared n2p2 examples against n2p2's nnp-predict --------------------------- */

typedef struct ref_data {
    char *dir;
    json_value *ref;
} ref_data;

static int load_reference(ref_data *r)
{
    char errbuf[256], *path;
    r->dir = shared_example("H2O_RPBE-D3");
    path = cat(r->dir, "reference.json");
    r->ref = NULL;
    if (tu_is_dir(r->dir)) {
        r->ref = json_parse_file(path, errbuf, sizeof errbuf);
        ck_assert_msg(r->ref != NULL, "%s", errbuf);
    }
    free(path);
    if (!r->ref) {
        printf("SKIP: %s not found (set NNVIB_SHARED): n2p2 reference tests skipped\n", r->dir);
        free(r->dir);
        r->dir = NULL;
        return 0;
    }
    return 1;
}

static void free_reference(ref_data *r)
{
    json_free(r->ref);
    free(r->dir);
}

static nnv_result *compute_structure(const nnv_potential *p, const char *dir, const char *name, unsigned want,
                                     nnv_structure **s_out)
{
    char file[256], *sdir = cat(dir, "structures"), *path;
    nnv_structure *s = NULL;
    nnv_result *r = NULL;
    nnv_error err = {0, ""};
    snprintf(file, sizeof file, "%s.xyz", name);
    path = cat(sdir, file);
    ck_assert_msg(nnv_structure_read_xyz(&s, path, 0, &err) == NNV_OK, "%s", err.message);
    ck_assert_msg(nnv_compute(&r, p, s, TU_WANT(want), &err) == NNV_OK, "%s", err.message);
    free(sdir);
    free(path);
    if (s_out) *s_out = s;
    else nnv_structure_free(s);
    return r;
}

/* README criteria: |dE| <= 1e-8 |E|, max |dF| <= 1e-6 eV/A; offset-free checks:
 * atomic energies (without mean_energy) <= 1e-9 eV, dimer - 2 monomer <= 1e-7 eV. */
START_TEST(test_rpbe_energies_forces)
{
    ref_data rd;
    nnv_potential *p;
    const json_value *structs, *model;
    double mean_energy, max_e_rel = 0, max_f = 0, max_ai = 0, e_mono = 0, e_dimer = 0;
    if (!load_reference(&rd)) return;
    p = convert_ok(rd.dir, 0, 0);
    structs = json_get(rd.ref, "structures");
    model = json_get(json_get(rd.ref, "energy_model"), "normalization");
    mean_energy = json_num(json_get(model, "mean_energy"));
    ck_assert(isfinite(mean_energy));
    ck_assert_int_ge((int)json_len(structs), 7);
    for (size_t i = 0; i < json_len(structs); i++) {
        const char *name = json_key_at(structs, i);
        const json_value *st = json_at(structs, i);
        size_t nf = 0, na = 0;
        double *fref = json_num_flatten(json_get(st, "forces_eV_per_A"), &nf);
        double *aref = json_num_flatten(json_get(st, "atomic_energies_Ha_without_mean_energy"), &na);
        double eref = json_num(json_get(st, "energy_eV"));
        nnv_structure *s = NULL;
        nnv_result *r = compute_structure(p, rd.dir, name, NNV_WANT_FORCES, &s);
        double e_rel = rel_err(r->energy, eref), f_err = 0, ai_err = 0;
        ck_assert_int_eq((int)nf, 3 * r->n_atoms);
        ck_assert_int_eq((int)na, r->n_atoms);
        for (size_t k = 0; k < nf; k++) f_err = fmax(f_err, fabs(r->forces[k] - fref[k]));
        for (int a = 0; a < r->n_atoms; a++) {
            /* ours = E0 + f NN = EV (mean_energy + NN/conv_energy); n2p2's file has NN/conv_energy in Ha */
            double ours = r->atomic_energies[a] - EV_PER_HA * mean_energy;
            ai_err = fmax(ai_err, fabs(ours - EV_PER_HA * aref[a]));
        }
        printf("n2p2 %-24s N=%2d  |dE|/|E| = %.2e  max|dF| = %.2e eV/A  max|dE_atom| = %.2e eV\n", name,
               r->n_atoms, e_rel, f_err, ai_err);
        ck_assert_msg(e_rel <= 1e-8, "%s: E = %.12f, n2p2 %.12f", name, r->energy, eref);
        ck_assert_msg(f_err <= 1e-6, "%s: max |dF| = %g eV/A", name, f_err);
        ck_assert_msg(ai_err <= 1e-9, "%s: max atomic energy error %g eV", name, ai_err);
        if (strcmp(name, "monomer") == 0) e_mono = r->energy;
        if (strcmp(name, "dimer") == 0) e_dimer = r->energy;
        max_e_rel = fmax(max_e_rel, e_rel);
        max_f = fmax(max_f, f_err);
        max_ai = fmax(max_ai, ai_err);
        /* n2p2 warns for the same atoms (its bounds are [Gmin, Gmax] widened by 1000 eps). */
        {
            const json_value *atoms = json_get(json_get(st, "extrapolation_warnings"), "atoms_with_warnings_1based");
            int *flag = calloc((size_t)r->n_atoms, sizeof *flag);
            for (int x = 0; x < r->n_extrapolations; x++) flag[r->extrapolations[x].atom] = 1;
            for (size_t k = 0; k < json_len(atoms); k++) {
                int a = (int)json_num(json_at(atoms, k)) - 1;
                ck_assert_msg(flag[a] == 1, "%s: n2p2 warns for atom %d, nnvib does not", name, a + 1);
                flag[a] = 2;
            }
            for (int a = 0; a < r->n_atoms; a++)
                ck_assert_msg(flag[a] != 1, "%s: nnvib warns for atom %d, n2p2 does not", name, a + 1);
            free(flag);
        }
        free(fref);
        free(aref);
        nnv_result_free(r);
        nnv_structure_free(s);
    }
    {
        double dref = json_num(json_get(json_get(rd.ref, "derived"), "dimer_minus_2_monomer_eV"));
        double d = e_dimer - 2 * e_mono;
        printf("n2p2 dimer - 2 monomer: %.12f eV, n2p2 %.12f, |d| = %.2e eV\n", d, dref, fabs(d - dref));
        ck_assert(fabs(d - dref) <= 1e-7);
    }
    printf("n2p2 H2O_RPBE-D3 maxima: |dE|/|E| %.2e, |dF| %.2e eV/A, |dE_atom| %.2e eV\n", max_e_rel, max_f, max_ai);
    nnv_potential_free(p);
    free_reference(&rd);
}
END_TEST

/* The analytic Hessian against n2p2's finite differences of its own forces
 * (README: |dH| <= 1e-3 eV/A^2, ten times their step error), and the harmonic
 * frequencies against those of n2p2's Hessian (README: <= 0.1 cm-1). */
START_TEST(test_rpbe_hessian)
{
    ref_data rd;
    nnv_potential *p;
    const char *names[] = {"monomer", "dimer"};
    if (!load_reference(&rd)) return;
    p = convert_ok(rd.dir, 0, 0);
    for (int i = 0; i < 2; i++) {
        const json_value *st = json_get(json_get(rd.ref, "structures"), names[i]);
        size_t rows = 0, cols = 0;
        double *h = json_num_matrix(json_get(json_get(st, "hessian_fd"), "matrix"), &rows, &cols), m = 0;
        nnv_structure *s = NULL;
        nnv_vib *v = NULL;
        nnv_error err = {0, ""};
        size_t nfr = 0;
        double *fref = json_num_flatten(json_get(json_get(st, "harmonic_frequencies"), "frequencies_cm1"), &nfr);
        double fm = 0;
        nnv_result *r = compute_structure(p, rd.dir, names[i], NNV_WANT_FORCES | NNV_WANT_HESSIAN, &s);
        ck_assert_ptr_nonnull(h);
        ck_assert_msg(nnv_vib_analyse(&v, s->n_atoms, s->xyz, s->masses, r->hessian, NULL, NNV_LINEAR_AUTO, &err) ==
                          NNV_OK, "%s", err.message);
        ck_assert_int_eq(v->n_modes, (int)nfr);
        for (int k = 0; k < v->n_modes; k++) fm = fmax(fm, fabs(v->frequencies[k] - fref[k]));
        printf("n2p2 %-8s max |nu - nu(n2p2 FD Hessian)| = %.4f cm-1\n", names[i], fm);
        ck_assert_msg(fm <= 0.1, "%s: %g cm-1", names[i], fm);
        nnv_vib_free(v);
        nnv_structure_free(s);
        free(fref);
        ck_assert_int_eq((int)rows, 3 * r->n_atoms);
        ck_assert_int_eq((int)cols, 3 * r->n_atoms);
        for (size_t k = 0; k < rows * cols; k++) m = fmax(m, fabs(r->hessian[k] - h[k]));
        printf("n2p2 %-8s max |H - H_fd(n2p2)| = %.2e eV/A^2\n", names[i], m);
        ck_assert_msg(m <= 1e-3, "%s: %g", names[i], m);
        free(h);
        nnv_result_free(r);
    }
    nnv_potential_free(p);
    free_reference(&rd);
}
END_TEST

/* n2p2's sorted order (reference.json, from nnp-predict's log) and its scaled
 * inputs of the monomer (structure.out, 9 digits) match the converted SFs. */
START_TEST(test_rpbe_sf_order_and_inputs)
{
    ref_data rd;
    nnv_potential *p;
    const json_value *order, *values;
    nnv_result *r;
    nnv_structure *s = NULL;
    double max_s = 0;
    if (!load_reference(&rd)) return;
    p = convert_ok(rd.dir, 0, 0);
    order = json_get(json_get(rd.ref, "n2p2_symmetry_function_order"), "order");
    ck_assert_int_eq((int)json_len(order), 2);
    for (size_t e = 0; e < json_len(order); e++) {
        const nnv_element_model *el = nnv_potential_element(p, nnv_element_from_symbol(json_key_at(order, e)));
        const json_value *list = json_at(order, e);
        ck_assert_ptr_nonnull(el);
        ck_assert_int_eq(el->n_sf, (int)json_len(list));
        for (int k = 0; k < el->n_sf; k++) {
            const json_value *ent = json_at(list, (size_t)k);
            char text[256], *tok[12], *sv;
            int n = 0, type, Zj, Zk = 0;
            double eta, rs = 0, rc, zeta = 0, lambda = 0;
            const nnv_sf *sf = &el->sf[k];
            ck_assert_int_eq((int)json_num(json_at(ent, 0)), k + 1);
            snprintf(text, sizeof text, "%s", json_str(json_at(ent, 2)));
            for (char *t = strtok_r(text, " ", &sv); t && n < 12; t = strtok_r(NULL, " ", &sv)) tok[n++] = t;
            type = atoi(tok[2]);
            Zj = nnv_element_from_symbol(tok[3]);
            if (type == 2) {
                eta = atof(tok[4]);
                rs = atof(tok[5]);
                rc = atof(tok[6]);
            } else {
                Zk = nnv_element_from_symbol(tok[4]);
                if (Zk < Zj) { int t = Zj; Zj = Zk; Zk = t; }
                eta = atof(tok[5]);
                lambda = atof(tok[6]);
                zeta = atof(tok[7]);
                rc = atof(tok[8]);
                if (n > 9) rs = atof(tok[9]);
            }
            ck_assert_int_eq(sf->type, type);
            ck_assert_int_eq(sf->Zj, Zj);
            ck_assert_int_eq(sf->Zk, Zk);
            ck_assert_int_eq(sf->cutoff, NNV_CUTOFF_TANHU);
            ck_assert(tu_close(sf->eta, eta / (A_PER_BOHR * A_PER_BOHR), 0, 1e-14));
            ck_assert(tu_close(sf->rs, rs * A_PER_BOHR, 1e-15, 1e-14));
            ck_assert(tu_close(sf->rc, rc * A_PER_BOHR, 0, 1e-14));
            ck_assert(sf->zeta == zeta && sf->lambda == lambda);
        }
    }
    values = json_get(json_get(json_get(json_get(rd.ref, "structures"), "monomer"),
                               "scaled_symmetry_functions_as_printed_9digits"), "values");
    r = compute_structure(p, rd.dir, "monomer", 0, &s);
    ck_assert_int_eq((int)json_len(values), r->n_atoms);
    for (int a = 0; a < r->n_atoms; a++) {
        const nnv_element_model *el = nnv_potential_element(p, s->Z[a]);
        const json_value *row = json_at(values, (size_t)a);
        ck_assert_int_eq((int)json_len(row), el->n_sf);
        for (int k = 0; k < el->n_sf; k++) {
            double g = r->sf_values[r->sf_offset[a] + k];
            double sc = (g - el->sf[k].shift) * el->sf[k].scale, ref = json_num(json_at(row, (size_t)k));
            /* %16.8E: 9 significant digits */
            ck_assert_msg(fabs(sc - ref) <= 6e-9 * fmax(fabs(ref), 1e-3), "atom %d SF %d: %.10g vs %.10g", a + 1,
                          k + 1, sc, ref);
            max_s = fmax(max_s, fabs(sc - ref));
        }
    }
    printf("n2p2 monomer scaled SF inputs: max |d| = %.2e (n2p2 printed 9 digits)\n", max_s);
    nnv_result_free(r);
    nnv_structure_free(s);
    nnv_potential_free(p);
    free_reference(&rd);
}
END_TEST

/* The second example (same input.nn, other weights): converts, the same SF
 * order as RPBE, and a finite, different water energy. No n2p2 numbers exist
 * for it, so this is a consistency test only. */
START_TEST(test_blyp_converts)
{
    char *blyp = shared_example("H2O_BLYP-D3"), *rpbe = shared_example("H2O_RPBE-D3");
    nnv_potential *pb, *pr;
    nnv_result *rb, *rr;
    if (!tu_is_dir(blyp) || !tu_is_dir(rpbe)) {
        printf("SKIP: %s not found (set NNVIB_SHARED)\n", blyp);
        free(blyp);
        free(rpbe);
        return;
    }
    pb = convert_ok(blyp, 0, 0);
    pr = convert_ok(rpbe, 0, 0);
    ck_assert_int_eq(pb->n_elements, 2);
    for (int e = 0; e < 2; e++) {
        ck_assert_int_eq(pb->elements[e].n_sf, pr->elements[e].n_sf);
        for (int k = 0; k < pb->elements[e].n_sf; k++) {
            ck_assert(pb->elements[e].sf[k].type == pr->elements[e].sf[k].type);
            ck_assert(pb->elements[e].sf[k].eta == pr->elements[e].sf[k].eta);
            ck_assert(pb->elements[e].sf[k].Zj == pr->elements[e].sf[k].Zj);
        }
    }
    rb = compute_structure(pb, rpbe, "dimer", NNV_WANT_FORCES, NULL);
    rr = compute_structure(pr, rpbe, "dimer", NNV_WANT_FORCES, NULL);
    ck_assert(isfinite(rb->energy) && rb->energy != rr->energy);
    /* Both are water: the same mean energy per atom, within an eV per molecule. */
    ck_assert_msg(fabs(rb->energy - rr->energy) < 2.0, "BLYP %g vs RPBE %g", rb->energy, rr->energy);
    nnv_result_free(rb);
    nnv_result_free(rr);
    nnv_potential_free(pb);
    nnv_potential_free(pr);
    free(blyp);
    free(rpbe);
}
END_TEST

/* converted -> weights.bin -> read: bit-identical energies and forces. */
START_TEST(test_roundtrip)
{
    char *dir = shared_example("H2O_RPBE-D3"), *tmp, *file, *scr;
    nnv_potential *p, *q = NULL;
    nnv_error err = {0, ""};
    const char *names[] = {"monomer", "dimer", "cluster20_dodecahedron"};
    if (!tu_is_dir(dir)) {
        printf("SKIP: %s not found (set NNVIB_SHARED)\n", dir);
        free(dir);
        return;
    }
    p = convert_ok(dir, 0, 0);
    scr = scrambled_dir();
    tmp = copy_to_temp(scr); /* any scratch folder */
    free(scr);
    file = cat(tmp, "weights.bin");
    ck_assert_msg(nnv_potential_write(file, p, &err) == NNV_OK, "%s", err.message);
    ck_assert_msg(nnv_potential_read(&q, file, &err) == NNV_OK, "%s", err.message);
    ck_assert_str_eq(q->description, p->description);
    for (int i = 0; i < 3; i++) {
        nnv_result *a = compute_structure(p, dir, names[i], NNV_WANT_FORCES, NULL);
        nnv_result *b = compute_structure(q, dir, names[i], NNV_WANT_FORCES, NULL);
        ck_assert(a->energy == b->energy);
        for (int k = 0; k < 3 * a->n_atoms; k++) ck_assert(a->forces[k] == b->forces[k]);
        nnv_result_free(a);
        nnv_result_free(b);
    }
    nnv_potential_free(p);
    nnv_potential_free(q);
    free(file);
    remove_temp(tmp);
    free(dir);
}
END_TEST

/* ---- the hand-made potential with scrambled SFs ---------------------------------------- */

/* Expected order, derived by hand from n2p2's SymFnc*::operator<: type, rc,
 * eta, rs, zeta, lambda, then neighbour elements (angular pairs ascending). */
typedef struct want_sf {
    int type, Zj, Zk;
    double eta, rs, rc, zeta, lambda;
} want_sf;

static const want_sf WANT_H[7] = {
    {2, 8, 0, 0.1, 2.0, 5.0, 0, 0},     /* rc 5 first */
    {2, 1, 0, 0.5, 0.0, 6.0, 0, 0},     /* rs 0 */
    {2, 1, 0, 0.5, 1.0, 6.0, 0, 0},     /* rs 1, H before O */
    {2, 8, 0, 0.5, 1.0, 6.0, 0, 0},
    {3, 1, 8, 0.05, 0.0, 6.0, 2, -1},   /* "O H" stored as H-O; lambda -1 first */
    {3, 1, 8, 0.05, 0.0, 6.0, 2, 1},
    {9, 1, 1, 0.05, 0.5, 6.0, 1, 1},    /* optional rs */
};
static const want_sf WANT_O[5] = {
    {2, 1, 0, 0.01, 0, 6.0, 0, 0},
    {2, 8, 0, 0.01, 0, 6.0, 0, 0},
    {3, 1, 1, 0.01, 0, 6.0, 1, 1},
    {3, 1, 8, 0.01, 0, 6.0, 1, 1},
    {9, 1, 8, 0.01, 0, 6.0, 4, 1},
};

static void check_order(const nnv_element_model *el, const want_sf *w, int n, double lf)
{
    ck_assert_int_eq(el->n_sf, n);
    for (int k = 0; k < n; k++) {
        const nnv_sf *s = &el->sf[k];
        ck_assert_msg(s->type == w[k].type && s->Zj == w[k].Zj && s->Zk == w[k].Zk,
                      "Z=%d SF %d: type %d %d-%d, expected %d %d-%d", el->Z, k + 1, s->type, s->Zj, s->Zk,
                      w[k].type, w[k].Zj, w[k].Zk);
        ck_assert(tu_close(s->eta, w[k].eta / (lf * lf), 0, 1e-15));
        ck_assert(tu_close(s->rs, w[k].rs * lf, 0, 1e-15));
        ck_assert(tu_close(s->rc, w[k].rc * lf, 0, 1e-15));
        ck_assert(s->zeta == w[k].zeta && s->lambda == w[k].lambda);
        ck_assert_int_eq(s->cutoff, NNV_CUTOFF_POLY2);
        ck_assert(s->cutoff_alpha == 0.2);
    }
}

START_TEST(test_scrambled_order)
{
    char *dir = scrambled_dir();
    nnv_potential *p = convert_ok(dir, 0, 0);
    const nnv_element_model *H = nnv_potential_element(p, 1), *O = nnv_potential_element(p, 8);
    ck_assert_int_eq(p->n_elements, 2);
    ck_assert_ptr_nonnull(H);
    ck_assert_ptr_nonnull(O);
    check_order(H, WANT_H, 7, 1.0);
    check_order(O, WANT_O, 5, 1.0);
    ck_assert_int_eq(p->warnings.count, 0);
    nnv_potential_free(p);
    free(dir);
}
END_TEST

/* scaling.data row k of element e (n2p2's sorted order) lands on SF k; the
 * scale+center formula with Smin -1, Smax 1 is reproduced for any G. */
START_TEST(test_scrambled_scaling)
{
    char *dir = scrambled_dir();
    nnv_potential *p = convert_ok(dir, 0, 0);
    for (int e = 0; e < 2; e++) {
        const nnv_element_model *el = &p->elements[e];
        for (int k = 0; k < el->n_sf; k++) {
            const nnv_sf *s = &el->sf[k];
            /* the file: H rows min k, max 10+k, mean 5+k; O rows min 100+k, max 120+k, mean 110+k */
            double mn = el->Z == 1 ? k + 1 : 100 + k + 1, mx = mn + (el->Z == 1 ? 10 : 20);
            double mean = el->Z == 1 ? 5 + k + 1 : 110 + k + 1;
            ck_assert(s->gmin == mn && s->gmax == mx);
            for (double G = -3; G <= 130; G += 7.5) {
                double n2p2 = -1.0 + (1.0 - -1.0) * (G - mean) / (mx - mn);
                ck_assert(tu_close((G - s->shift) * s->scale, n2p2, 1e-13, 1e-13));
            }
        }
    }
    nnv_potential_free(p);
    free(dir);
}
END_TEST

/* Weights in NeuralNetwork::setConnections order: connection t (1-based) of the
 * H file is t/1000, of the O file -t/1000; per layer the weights with the
 * start neuron outermost, then the biases. The output layer carries
 * 1/conv_energy = 0.5; E0 = mean_energy + atom_energy. */
START_TEST(test_scrambled_weights)
{
    char *dir = scrambled_dir();
    nnv_potential *p = convert_ok(dir, 0, 0);
    for (int e = 0; e < 2; e++) {
        const nnv_element_model *el = &p->elements[e];
        double sign = el->Z == 1 ? 1 : -1;
        int t = 0;
        ck_assert_int_eq(el->energy.n_layers, 3);
        ck_assert_int_eq(el->energy.layers[0].activation, NNV_ACT_TANH);
        ck_assert_int_eq(el->energy.layers[1].activation, NNV_ACT_SOFTPLUS);
        ck_assert_int_eq(el->energy.layers[2].activation, NNV_ACT_IDENTITY);
        for (int l = 0; l < 3; l++) {
            const nnv_layer *L = &el->energy.layers[l];
            double f = l == 2 ? 0.5 : 1.0;
            for (int i = 0; i < L->n_in; i++)
                for (int o = 0; o < L->n_out; o++) {
                    t++;
                    ck_assert_msg(tu_close(L->W[o * L->n_in + i], f * sign * t / 1000.0, 0, 1e-15),
                                  "Z=%d layer %d W[%d][%d] = %g, want %g", el->Z, l, o, i, L->W[o * L->n_in + i],
                                  f * sign * t / 1000.0);
                }
            for (int o = 0; o < L->n_out; o++) {
                t++;
                ck_assert(tu_close(L->b[o], f * sign * t / 1000.0, 0, 1e-15));
            }
        }
        ck_assert(el->E0 == -0.5 + (el->Z == 1 ? -13.6 : -2000.0));
    }
    nnv_potential_free(p);
    free(dir);
}
END_TEST

static int same_model(const nnv_potential *a, const nnv_potential *b)
{
    if (a->n_elements != b->n_elements) return 0;
    for (int e = 0; e < a->n_elements; e++) {
        const nnv_element_model *x = &a->elements[e], *y = &b->elements[e];
        if (x->Z != y->Z || x->E0 != y->E0 || x->n_sf != y->n_sf) return 0;
        if (memcmp(x->sf, y->sf, (size_t)x->n_sf * sizeof *x->sf) != 0) return 0;
        if (x->energy.n_layers != y->energy.n_layers) return 0;
        for (int l = 0; l < x->energy.n_layers; l++) {
            const nnv_layer *L = &x->energy.layers[l], *M = &y->energy.layers[l];
            if (L->n_in != M->n_in || L->n_out != M->n_out || L->activation != M->activation) return 0;
            if (memcmp(L->W, M->W, (size_t)L->n_in * (size_t)L->n_out * sizeof *L->W) != 0) return 0;
            if (memcmp(L->b, M->b, (size_t)L->n_out * sizeof *L->b) != 0) return 0;
        }
    }
    return 1;
}

/* The order of the symfunction_short lines does not matter (they are sorted). */
START_TEST(test_scrambled_permutation_invariant)
{
    char *src = scrambled_dir(), *tmp = copy_to_temp(src);
    nnv_potential *a = convert_ok(src, 0, 0), *b;
    /* move two lines to the end, in reverse */
    patch(tmp, "input.nn", "symfunction_short H 3 O H 0.05 -1.0 2.0 6.0", NULL);
    patch(tmp, "input.nn", "symfunction_short O 2 O 0.01 0.0 6.0", NULL);
    patch(tmp, "input.nn", NULL, "symfunction_short O 2 O 0.01 0.0 6.0");
    patch(tmp, "input.nn", NULL, "symfunction_short H 3 H O 0.05 -1.0 2.0 6.0"); /* pair written reversed */
    b = convert_ok(tmp, 0, 0);
    ck_assert(same_model(a, b));
    nnv_potential_free(a);
    nnv_potential_free(b);
    remove_temp(tmp);
    free(src);
}
END_TEST

/* Explicit units win over the comment (with a warning); Bohr scales rc, rs by
 * 0.529177210903 and eta by its inverse square; Hartree scales E0 and the output. */
START_TEST(test_scrambled_units)
{
    char *dir = scrambled_dir();
    nnv_potential *p = convert_ok(dir, NNV_N2P2_BOHR, NNV_N2P2_HARTREE);
    const nnv_element_model *H = nnv_potential_element(p, 1);
    check_order(H, WANT_H, 7, A_PER_BOHR);
    ck_assert_int_eq(p->warnings.count, 2);
    ck_assert_ptr_nonnull(strstr(p->warnings.messages[0], "input.nn line 6"));
    ck_assert(tu_close(H->E0, (-0.5 - 13.6) * EV_PER_HA, 0, 1e-15));
    ck_assert(tu_close(H->energy.layers[2].W[0], 0.5 * EV_PER_HA * 33 / 1000.0, 0, 1e-15));
    nnv_potential_free(p);
    free(dir);
}
END_TEST

/* normalize_nodes divides W x + b of every layer by its number of inputs. */
START_TEST(test_scrambled_normalize_nodes)
{
    char *src = scrambled_dir(), *tmp = copy_to_temp(src);
    nnv_potential *a = convert_ok(src, 0, 0), *b;
    patch(tmp, "input.nn", NULL, "normalize_nodes");
    b = convert_ok(tmp, 0, 0);
    for (int e = 0; e < 2; e++)
        for (int l = 0; l < 3; l++) {
            const nnv_layer *L = &a->elements[e].energy.layers[l], *M = &b->elements[e].energy.layers[l];
            for (int i = 0; i < L->n_in * L->n_out; i++) ck_assert(tu_close(M->W[i], L->W[i] / L->n_in, 0, 1e-15));
            for (int o = 0; o < L->n_out; o++) ck_assert(tu_close(M->b[o], L->b[o] / L->n_in, 0, 1e-15));
        }
    nnv_potential_free(a);
    nnv_potential_free(b);
    remove_temp(tmp);
    free(src);
}
END_TEST

/* A non-linear output layer gets the energy factor as an extra 1 -> 1 layer;
 * the other scaling modes map onto shift and scale. */
START_TEST(test_scrambled_variants)
{
    char *src = scrambled_dir(), *tmp = copy_to_temp(src);
    nnv_potential *p;
    const nnv_sf *s;
    patch(tmp, "input.nn", "global_activation_short     t p l", "global_activation_short t p r");
    patch(tmp, "input.nn", "center_symmetry_functions", NULL); /* scale only */
    p = convert_ok(tmp, 0, 0);
    ck_assert_int_eq(p->elements[0].energy.n_layers, 4);
    ck_assert_int_eq(p->elements[0].energy.layers[2].activation, NNV_ACT_RELU);
    ck_assert_int_eq(p->elements[0].energy.layers[3].activation, NNV_ACT_IDENTITY);
    ck_assert(p->elements[0].energy.layers[3].W[0] == 0.5 && p->elements[0].energy.layers[3].b[0] == 0);
    ck_assert(tu_close(p->elements[0].energy.layers[2].W[0], 33 / 1000.0, 0, 1e-15));
    s = &p->elements[0].sf[0]; /* min 1, max 11: s = -1 + 2 (G - 1)/10 */
    ck_assert(tu_close((6 - s->shift) * s->scale, 0.0, 1e-15, 0));
    ck_assert(tu_close((1 - s->shift) * s->scale, -1.0, 1e-15, 0));
    nnv_potential_free(p);
    patch(tmp, "input.nn", "scale_symmetry_functions", "scale_symmetry_functions_sigma");
    p = convert_ok(tmp, 0, 0);
    s = &p->elements[0].sf[0]; /* mean 6, sigma 1.1: s = -1 + 2 (G - 6)/1.1 */
    ck_assert(tu_close((6 - s->shift) * s->scale, -1.0, 1e-14, 0));
    ck_assert(tu_close((7.1 - s->shift) * s->scale, 1.0, 1e-14, 0));
    nnv_potential_free(p);
    patch(tmp, "input.nn", "scale_symmetry_functions_sigma", "center_symmetry_functions");
    p = convert_ok(tmp, 0, 0);
    s = &p->elements[0].sf[0];
    ck_assert(s->shift == 6 && s->scale == 1);
    nnv_potential_free(p);
    patch(tmp, "input.nn", "center_symmetry_functions", NULL); /* no scaling at all */
    patch(tmp, "input.nn", "cutoff_type          6 0.2        # POLY2 with inner cutoff alpha 0.2",
          "cutoff_type 2 0.3");
    p = convert_ok(tmp, 0, 0);
    s = &p->elements[0].sf[0];
    ck_assert(s->shift == 0 && s->scale == 1);
    ck_assert(s->cutoff == NNV_CUTOFF_TANHU && s->cutoff_alpha == 0);
    ck_assert_int_eq(p->warnings.count, 1); /* TANHU ignores alpha */
    nnv_potential_free(p);
    remove_temp(tmp);
    free(src);
}
END_TEST

/* ---- malformed and unsupported inputs: one clear error each ---------------------------- */

typedef struct bad_case {
    const char *what;
    const char *file;     /* file to patch */
    const char *old_line; /* NULL: append */
    const char *new_line; /* NULL: delete */
    const char *must[3];  /* substrings the message must contain (besides the file name) */
    int line_from_patch;  /* 1: the message must name the patched line ("line N") */
} bad_case;

#define SF_LINE "symfunction_short H 2 O 0.5 1.0 6.0"
#define ACT_LINE "global_activation_short     t p l"
#define CUT_LINE "cutoff_type          6 0.2        # POLY2 with inner cutoff alpha 0.2"
#define W1 "  1.0000000000000000E-03 a         1     0     1     1     1"
#define SC1 "         1          1    1.000   11.000    6.000    1.100"

static const bad_case BAD[] = {
    {"missing keyword", "input.nn", ACT_LINE, NULL, {"required keyword global_activation_short", NULL}, 0},
    {"missing elements", "input.nn", "elements             O H          # listed against atomic-number order on purpose",
     NULL, {"required keyword elements", NULL}, 0},
    {"unknown activation", "input.nn", ACT_LINE, "global_activation_short t x l", {"unknown activation 2 \"x\"", NULL}, 1},
    {"unsupported activation", "input.nn", ACT_LINE, "global_activation_short s t l", {"logistic", "cannot be expressed"}, 1},
    {"activation count", "input.nn", ACT_LINE, "global_activation_short t l", {"expected 3", NULL}, 1},
    {"nodes count", "input.nn", "global_nodes_short          3 2", "global_nodes_short 3", {"global_hidden_layers_short", NULL}, 1},
    {"unsupported cutoff POLY1", "input.nn", CUT_LINE, "cutoff_type 5", {"POLY1", "cannot be expressed"}, 1},
    {"unsupported cutoff HARD", "input.nn", CUT_LINE, "cutoff_type 0", {"HARD", NULL}, 1},
    {"COS with inner cutoff", "input.nn", CUT_LINE, "cutoff_type 1 0.5", {"COS", "alpha 0.5"}, 1},
    {"cutoff alpha out of range", "input.nn", CUT_LINE, "cutoff_type 6 1.0", {"outside [0, 1)", NULL}, 1},
    {"compact SF type", "input.nn", SF_LINE, "symfunction_short H 21 O H 1.0 5.0 0.0 180.0 1", {"type 21", "cannot be expressed"}, 1},
    {"unknown SF type", "input.nn", SF_LINE, "symfunction_short H 7 O 0.5 1.0 6.0", {"unknown type 7", NULL}, 1},
    {"SF field count", "input.nn", SF_LINE, "symfunction_short H 2 O 0.5 1.0", {"expected <element> 2", NULL}, 1},
    {"SF lambda", "input.nn", SF_LINE, "symfunction_short H 3 O H 0.05 0.5 2.0 6.0", {"lambda 0.5", NULL}, 1},
    {"SF zeta", "input.nn", SF_LINE, "symfunction_short H 9 O H 0.05 1 0.5 6.0", {"zeta 0.5", NULL}, 1},
    {"SF rc", "input.nn", SF_LINE, "symfunction_short H 2 O 0.5 1.0 0", {"rc 0 must be > 0", NULL}, 1},
    {"SF element", "input.nn", SF_LINE, "symfunction_short H 2 C 0.5 1.0 6.0", {"\"C\" is not in the elements list", NULL}, 1},
    {"SF number", "input.nn", SF_LINE, "symfunction_short H 2 O 0.5d0 1.0 6.0", {"eta \"0.5d0\"", NULL}, 1},
    {"partial normalisation", "input.nn", "conv_energy     2.0", NULL, {"conv_energy is missing", NULL}, 0},
    {"duplicate keyword", "input.nn", NULL, "cutoff_type 2", {"given again", NULL}, 1},
    {"element count", "input.nn", "number_of_elements   2", "number_of_elements 3", {"number_of_elements", NULL}, 0},
    {"4G potential", "input.nn", NULL, "nnp_type 4G-HDNNP", {"4G-HDNNP", "cannot be expressed"}, 1},
    {"per-element nodes", "input.nn", NULL, "element_nodes_short H 4 2", {"not supported", NULL}, 1},
    {"equal scale limits", "input.nn", "scale_max_short      1.0", "scale_max_short -1.0", {"scale_max_short = scale_min_short", NULL}, 1},
    {"no unit comment", "input.nn", "# Length unit : Angstrom", NULL, {"length unit of the training data is unknown", "--length-unit"}, 0},
    {"unknown unit comment", "input.nn", "# Energy unit : eV", "# Energy unit : kcal/mol", {"\"kcal/mol\"", NULL}, 1},
    {"weights: one value missing", "weights.008.data", " -1.0000000000000000E-03", NULL, {"28 values, expected 29", "5-3-2-1"}, 0},
    {"weights: one value too many", "weights.008.data", NULL, "0.5", {"more values than the 29", NULL}, 1},
    {"weights: not a number", "weights.008.data", " -1.0000000000000000E-03", "-1.0D-03", {"\"-1.0D-03\" is not a finite number", NULL}, 1},
    {"weights: annotation out of order", "weights.001.data", W1, "  1.0000000000000000E-03 a         1     0     1     1     2",
     {"annotation does not match", "weight from layer 0 neuron 1 to layer 1 neuron 1"}, 1},
    {"scaling: row mismatch", "scaling.data", SC1, "         1          2    1.000   11.000    6.000    1.100",
     {"symmetry function 2", "expected element index 1 (H), symmetry function 1"}, 1},
    {"scaling: row missing", "scaling.data", "         2          5  105.000  125.000  115.000    2.000", NULL, {"11 data rows, expected 12", "missing from element O symmetry function 5"}, 0},
    {"scaling: Gmax = Gmin", "scaling.data", SC1, "         1          1    1.000    1.000    6.000    1.100",
     {"sf_max = sf_min", "input.nn line 31"}, 1},
    {"scaling: columns", "scaling.data", SC1, "         1          1    1.000   11.000", {"expected 5 or 6 columns", NULL}, 1},
};

START_TEST(test_malformed)
{
    const bad_case *b = &BAD[_i];
    char *src = scrambled_dir(), *tmp = copy_to_temp(src), want_line[32];
    nnv_potential *p = NULL;
    nnv_error err = {0, ""};
    int ln = patch(tmp, b->file, b->old_line, b->new_line), rc;
    rc = nnv_n2p2_read(&p, tmp, NULL, &err);
    ck_assert_msg(rc == NNV_EINPUT, "%s: status %d, message \"%s\"", b->what, rc, err.message);
    ck_assert_ptr_null(p);
    ck_assert_msg(strstr(err.message, b->file) != NULL, "%s: \"%s\" does not name %s", b->what, err.message,
                  b->file);
    snprintf(want_line, sizeof want_line, "line %d:", ln);
    if (b->line_from_patch)
        ck_assert_msg(strstr(err.message, want_line) != NULL, "%s: \"%s\" does not name %s", b->what, err.message,
                      want_line);
    for (int k = 0; k < 3 && b->must[k]; k++)
        ck_assert_msg(strstr(err.message, b->must[k]) != NULL, "%s: \"%s\" lacks \"%s\"", b->what, err.message,
                      b->must[k]);
    ck_assert_msg(strchr(err.message, '\n') == NULL, "%s: message is not one line", b->what);
    printf("malformed %-32s -> %s\n", b->what, err.message);
    remove_temp(tmp);
    free(src);
}
END_TEST

/* Missing files, and a directory that is no potential at all. */
START_TEST(test_missing_files)
{
    char *src = scrambled_dir(), *tmp = copy_to_temp(src), *f;
    nnv_potential *p = NULL;
    nnv_error err = {0, ""};
    f = cat(tmp, "weights.008.data");
    unlink(f);
    ck_assert_int_eq(nnv_n2p2_read(&p, tmp, NULL, &err), NNV_EIO);
    ck_assert_ptr_nonnull(strstr(err.message, "weights.008.data"));
    free(f);
    f = cat(tmp, "scaling.data");
    unlink(f);
    free(f);
    ck_assert_int_eq(nnv_n2p2_read(&p, tmp, NULL, &err), NNV_EIO);
    ck_assert_int_eq(nnv_n2p2_is_potential_dir(tmp), 1);
    f = cat(tmp, "input.nn");
    unlink(f);
    free(f);
    ck_assert_int_eq(nnv_n2p2_is_potential_dir(tmp), 0);
    ck_assert_int_eq(nnv_n2p2_read(&p, tmp, NULL, &err), NNV_EIO);
    ck_assert_ptr_nonnull(strstr(err.message, "input.nn"));
    ck_assert_ptr_null(p);
    ck_assert_int_eq(nnv_n2p2_read(NULL, tmp, NULL, &err), NNV_EUSAGE);
    remove_temp(tmp);
    free(src);
}
END_TEST

/* Garbage must give an error, never a crash: truncations of input.nn at
 * every 7th byte, and lines of random bytes appended to each file. */
START_TEST(test_garbage)
{
    char *src = scrambled_dir(), *tmp = copy_to_temp(src), *path = cat(tmp, "input.nn");
    char *orig = tu_read_file(path, NULL), *buf;
    size_t n = strlen(orig);
    unsigned seed = 12345;
    static const char *files[3] = {"input.nn", "scaling.data", "weights.001.data"};
    buf = malloc(n + 1);
    ck_assert_ptr_nonnull(buf);
    for (size_t cut = 0; cut < n; cut += 7) {
        nnv_potential *p = NULL;
        nnv_error err = {0, ""};
        memcpy(buf, orig, cut);
        buf[cut] = '\0';
        write_text(path, buf);
        if (nnv_n2p2_read(&p, tmp, NULL, &err) == NNV_OK) nnv_potential_free(p);
        else ck_assert(err.message[0] != '\0' && p == NULL);
    }
    free(path);
    remove_temp(tmp);
    for (int trial = 0; trial < 150; trial++) {
        nnv_potential *p = NULL;
        nnv_error err = {0, ""};
        char line[64];
        int len;
        seed = seed * 1103515245u + 12345u;
        len = 1 + (int)((seed >> 16) % 60);
        for (int i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            line[i] = (char)(1 + (seed >> 16) % 255);
            if (line[i] == '\n') line[i] = ' ';
        }
        line[len] = '\0';
        tmp = copy_to_temp(src);
        patch(tmp, files[trial % 3], NULL, line);
        if (nnv_n2p2_read(&p, tmp, NULL, &err) == NNV_OK) nnv_potential_free(p);
        else ck_assert(err.message[0] != '\0' && p == NULL);
        remove_temp(tmp);
    }
    free(buf);
    free(orig);
    free(src);
}
END_TEST

/* An element in the list without symmetry functions. */
START_TEST(test_element_without_sf)
{
    char *src = scrambled_dir(), *tmp = copy_to_temp(src);
    nnv_potential *p = NULL;
    nnv_error err = {0, ""};
    patch(tmp, "input.nn", "number_of_elements   2", "number_of_elements 3");
    patch(tmp, "input.nn", "elements             O H          # listed against atomic-number order on purpose",
          "elements O H C");
    ck_assert_int_eq(nnv_n2p2_read(&p, tmp, NULL, &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "input.nn: element C has no symfunction_short lines") != NULL, "%s",
                  err.message);
    remove_temp(tmp);
    free(src);
}
END_TEST

/* ---- the program: nnvib convert and nnvib molecule.xyz DIR/ ---------------------------------- */

static int run(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(test_cli)
{
    const char *bin = getenv("NNVIB_BIN");
    char *dir = shared_example("H2O_RPBE-D3"), *scr = scrambled_dir(), *tmp, *out, *xyz, cmd[4096];
    nnv_potential *a, *b = NULL;
    nnv_error err = {0, ""};
    nnv_result *ra, *rb;
    if (!bin || access(bin, X_OK) != 0 || !tu_is_dir(dir)) {
        printf("SKIP: nnvib program (NNVIB_BIN) or %s missing: CLI tests skipped\n", dir);
        free(dir);
        free(scr);
        return;
    }
    tmp = copy_to_temp(scr);
    out = cat(tmp, "w.bin");
    snprintf(cmd, sizeof cmd, "'%s' convert --from n2p2 '%s' -o '%s' >/dev/null", bin, dir, out);
    ck_assert_int_eq(run(cmd), 0);
    ck_assert_msg(nnv_potential_read(&b, out, &err) == NNV_OK, "%s", err.message);
    a = convert_ok(dir, 0, 0);
    ra = compute_structure(a, dir, "hexamer_ring", NNV_WANT_FORCES, NULL);
    rb = compute_structure(b, dir, "hexamer_ring", NNV_WANT_FORCES, NULL);
    ck_assert(ra->energy == rb->energy);
    nnv_result_free(ra);
    nnv_result_free(rb);
    /* direct use: the directory in place of weights.bin */
    xyz = cat(dir, "structures/monomer.xyz");
    snprintf(cmd, sizeof cmd, "'%s' -q --json -o '%s/r.json' '%s' '%s/' ", bin, tmp, xyz, dir);
    ck_assert_int_eq(run(cmd), 0);
    {
        char path[4096], eb[128];
        json_value *j;
        snprintf(path, sizeof path, "%s/r.json", tmp);
        j = json_parse_file(path, eb, sizeof eb);
        ck_assert_msg(j != NULL, "%s", eb);
        ck_assert(tu_close(json_num(json_get(j, "energy_eV")), -2083.1903760188297, 0, 1e-12));
        json_free(j);
        unlink(path);
    }
    /* exit statuses: usage 2, bad input 3 */
    snprintf(cmd, sizeof cmd, "'%s' convert --from n2p2 '%s' 2>/dev/null", bin, dir);
    ck_assert_int_eq(run(cmd), 2); /* no -o */
    snprintf(cmd, sizeof cmd, "'%s' convert --from runner '%s' -o '%s' 2>/dev/null", bin, dir, out);
    ck_assert_int_eq(run(cmd), 2);
    snprintf(cmd, sizeof cmd, "'%s' convert --from n2p2 --length-unit furlong '%s' -o '%s' 2>/dev/null", bin, dir, out);
    ck_assert_int_eq(run(cmd), 2);
    snprintf(cmd, sizeof cmd, "'%s' --energy-unit kcal '%s' '%s' 2>/dev/null", bin, xyz, dir);
    ck_assert_int_eq(run(cmd), 2);
    patch(tmp, "weights.008.data", " -1.0000000000000000E-03", NULL);
    snprintf(cmd, sizeof cmd, "'%s' convert --from n2p2 '%s' -o '%s/x.bin' 2>'%s/err' >/dev/null", bin, tmp, tmp, tmp);
    ck_assert_int_eq(run(cmd), 3);
    {
        char path[4096], *e;
        snprintf(path, sizeof path, "%s/err", tmp);
        e = tu_read_file(path, NULL);
        ck_assert_ptr_nonnull(e);
        ck_assert_msg(strstr(e, "weights.008.data: 28 values, expected 29") != NULL, "%s", e);
        free(e);
        unlink(path);
    }
    snprintf(cmd, sizeof cmd, "'%s' '%s' '%s/tests' 2>/dev/null >/dev/null", bin, xyz, tu_srcdir());
    ck_assert_int_eq(run(cmd), 3); /* a directory without input.nn */
    unlink(out);
    free(xyz);
    free(out);
    nnv_potential_free(a);
    nnv_potential_free(b);
    remove_temp(tmp);
    free(dir);
    free(scr);
}
END_TEST

/* nnv_n2p2_parse (texts in memory) is the same conversion as nnv_n2p2_read:
 * the same numbers bit for bit; it respects the given lengths (no NUL needed),
 * takes the weights in ascending atomic number and checks their count. */
START_TEST(test_parse_in_memory)
{
    char *dir = scrambled_dir(), *path;
    char *text[4];
    size_t len[4];
    static const char *names[4] = {"input.nn", "scaling.data", "weights.001.data", "weights.008.data"};
    nnv_potential *a = convert_ok(dir, 0, 0), *b = NULL;
    nnv_error err = {0, ""};
    const char *w[2];
    size_t wl[2];
    for (int i = 0; i < 4; i++) {
        path = cat(dir, names[i]);
        text[i] = tu_read_file(path, &len[i]);
        ck_assert_msg(text[i] != NULL, "cannot read %s", path);
        free(path);
    }
    w[0] = text[2], w[1] = text[3];
    wl[0] = len[2], wl[1] = len[3];
    ck_assert_int_eq(nnv_n2p2_parse(&b, text[0], len[0], text[1], len[1], w, wl, 2, "mem", NULL, &err), NNV_OK);
    ck_assert_int_eq(b->n_elements, a->n_elements);
    for (int e = 0; e < a->n_elements; e++) {
        const nnv_element_model *x = &a->elements[e], *y = &b->elements[e];
        ck_assert_int_eq(x->Z, y->Z);
        ck_assert_int_eq(x->n_sf, y->n_sf);
        ck_assert(x->E0 == y->E0);
        ck_assert(memcmp(x->sf, y->sf, (size_t)x->n_sf * sizeof *x->sf) == 0);
        ck_assert_int_eq(x->energy.n_layers, y->energy.n_layers);
        for (int l = 0; l < x->energy.n_layers; l++) {
            const nnv_layer *L = &x->energy.layers[l], *M = &y->energy.layers[l];
            ck_assert_int_eq(L->n_in, M->n_in);
            ck_assert_int_eq(L->n_out, M->n_out);
            ck_assert(memcmp(L->W, M->W, (size_t)L->n_in * (size_t)L->n_out * sizeof *L->W) == 0);
            ck_assert(memcmp(L->b, M->b, (size_t)L->n_out * sizeof *L->b) == 0);
        }
    }
    ck_assert_ptr_nonnull(strstr(b->description, "mem"));
    nnv_potential_free(b);
    b = NULL;
    /* O's weights first (the elements line order) is refused: H's network has
     * 35 values, O's file 29. */
    w[0] = text[3], w[1] = text[2];
    wl[0] = len[3], wl[1] = len[2];
    ck_assert_int_eq(nnv_n2p2_parse(&b, text[0], len[0], text[1], len[1], w, wl, 2, "mem", NULL, &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "mem/weights.001.data: 29 values, expected 35") != NULL, "%s", err.message);
    ck_assert_ptr_null(b);
    /* One weights text for two elements. */
    ck_assert_int_eq(nnv_n2p2_parse(&b, text[0], len[0], text[1], len[1], w, wl, 1, NULL, NULL, &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "n2p2: 1 weights text given for the 2 elements") != NULL, "%s", err.message);
    /* input.nn cut before the first symfunction_short line: the length counts, not a NUL. */
    {
        const char *sf = strstr(text[0], "symfunction_short");
        ck_assert_ptr_nonnull(sf);
        ck_assert_int_eq(nnv_n2p2_parse(&b, text[0], (size_t)(sf - text[0]), text[1], len[1], w, wl, 2, "mem",
                                        NULL, &err), NNV_EINPUT);
        ck_assert_msg(strstr(err.message, "required keyword symfunction_short is missing") != NULL, "%s",
                      err.message);
    }
    /* A NUL byte inside a text, as in a file. */
    ck_assert_int_eq(nnv_n2p2_parse(&b, text[0], len[0] + 1, text[1], len[1], w, wl, 2, "mem", NULL, &err),
                     NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "NUL byte") != NULL, "%s", err.message);
    /* Caller errors. */
    ck_assert_int_eq(nnv_n2p2_parse(&b, NULL, 5, text[1], len[1], w, wl, 2, "mem", NULL, &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_n2p2_parse(&b, text[0], len[0], text[1], len[1], NULL, NULL, 2, "mem", NULL, &err),
                     NNV_EUSAGE);
    ck_assert_int_eq(nnv_n2p2_parse(NULL, text[0], len[0], text[1], len[1], w, wl, 2, "mem", NULL, &err),
                     NNV_EUSAGE);
    ck_assert_ptr_null(b);
    nnv_potential_free(a);
    for (int i = 0; i < 4; i++) free(text[i]);
    free(dir);
}
END_TEST

/* A network far larger than its weights file is refused before its matrices
 * are allocated (3 x 4096 hidden nodes would need about 270 MB). */
START_TEST(test_network_larger_than_file)
{
    char *src = scrambled_dir(), *tmp = copy_to_temp(src);
    nnv_potential *p = NULL;
    nnv_error err = {0, ""};
    patch(tmp, "input.nn", "global_hidden_layers_short  2", "global_hidden_layers_short  3");
    patch(tmp, "input.nn", "global_nodes_short          3 2", "global_nodes_short 4096 4096 4096");
    patch(tmp, "input.nn", "global_activation_short     t p l", "global_activation_short t t t l");
    ck_assert_int_eq(nnv_n2p2_read(&p, tmp, NULL, &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "weights.001.data: 2215 bytes cannot hold the 33599489 values") != NULL, "%s",
                  err.message);
    ck_assert_ptr_null(p);
    remove_temp(tmp);
    free(src);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("n2p2");
    TCase *tc;
    SRunner *sr;
    int failed;

    tc = tcase_create("n2p2_reference");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_rpbe_energies_forces);
    tcase_add_test(tc, test_rpbe_hessian);
    tcase_add_test(tc, test_rpbe_sf_order_and_inputs);
    tcase_add_test(tc, test_blyp_converts);
    tcase_add_test(tc, test_roundtrip);
    suite_add_tcase(s, tc);

    tc = tcase_create("scrambled");
    tcase_add_test(tc, test_scrambled_order);
    tcase_add_test(tc, test_scrambled_scaling);
    tcase_add_test(tc, test_scrambled_weights);
    tcase_add_test(tc, test_scrambled_permutation_invariant);
    tcase_add_test(tc, test_scrambled_units);
    tcase_add_test(tc, test_scrambled_normalize_nodes);
    tcase_add_test(tc, test_scrambled_variants);
    suite_add_tcase(s, tc);

    tc = tcase_create("malformed");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_malformed, 0, (int)(sizeof BAD / sizeof BAD[0]));
    tcase_add_test(tc, test_missing_files);
    tcase_add_test(tc, test_garbage);
    tcase_add_test(tc, test_element_without_sf);
    tcase_add_test(tc, test_parse_in_memory);
    tcase_add_test(tc, test_network_larger_than_file);
    suite_add_tcase(s, tc);

    tc = tcase_create("cli");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_cli);
    suite_add_tcase(s, tc);

    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
