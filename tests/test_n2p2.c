/* Unit tests of the n2p2 importer (src/io/n2p2*.c, nnvib convert) on the
 * shared n2p2 example potentials: energies, forces, Hessians and SF order
 * against what n2p2's own nnp-predict produced, the round trip through
 * weights.bin, and the nnvib program's convert subcommand and direct use.
 * n2p2's SF sorting is checked in test_n2p2_scrambled.c, the refusals of
 * malformed input in test_n2p2_errors.c. */
#define _POSIX_C_SOURCE 200809L /* access, unlink */
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

/* ---- helpers ------------------------------------------------------------------- */

static char *shared_example(const char *name)
{
    char *tp = tu_join(tu_shared_dir(), "third_party/n2p2"), *d = tu_join(tp, name);
    free(tp);
    return d;
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
    path = tu_join(r->dir, "reference.json");
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
    char file[256], *sdir = tu_join(dir, "structures"), *path;
    nnv_structure *s = NULL;
    nnv_result *r = NULL;
    nnv_error err = {0, ""};
    snprintf(file, sizeof file, "%s.xyz", name);
    path = tu_join(sdir, file);
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
    p = tu_n2p2_convert(rd.dir, 0, 0);
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
            double ours = r->atomic_energies[a] - TU_EV_PER_HA * mean_energy;
            ai_err = fmax(ai_err, fabs(ours - TU_EV_PER_HA * aref[a]));
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
    p = tu_n2p2_convert(rd.dir, 0, 0);
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
    p = tu_n2p2_convert(rd.dir, 0, 0);
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
            ck_assert(tu_close(sf->eta, eta / (TU_A_PER_BOHR * TU_A_PER_BOHR), 0, 1e-14));
            ck_assert(tu_close(sf->rs, rs * TU_A_PER_BOHR, 1e-15, 1e-14));
            ck_assert(tu_close(sf->rc, rc * TU_A_PER_BOHR, 0, 1e-14));
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
    pb = tu_n2p2_convert(blyp, 0, 0);
    pr = tu_n2p2_convert(rpbe, 0, 0);
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
    p = tu_n2p2_convert(dir, 0, 0);
    scr = tu_n2p2_scrambled();
    tmp = tu_copy_to_temp(scr); /* any scratch folder */
    free(scr);
    file = tu_join(tmp, "weights.bin");
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
    tu_rmtree(tmp);
    free(dir);
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
    char *dir = shared_example("H2O_RPBE-D3"), *scr = tu_n2p2_scrambled(), *tmp, *out, *xyz, cmd[4096];
    nnv_potential *a, *b = NULL;
    nnv_error err = {0, ""};
    nnv_result *ra, *rb;
    if (!bin || access(bin, X_OK) != 0 || !tu_is_dir(dir)) {
        printf("SKIP: nnvib program (NNVIB_BIN) or %s missing: CLI tests skipped\n", dir);
        free(dir);
        free(scr);
        return;
    }
    tmp = tu_copy_to_temp(scr);
    out = tu_join(tmp, "w.bin");
    snprintf(cmd, sizeof cmd, "'%s' convert --from n2p2 '%s' -o '%s' >/dev/null", bin, dir, out);
    ck_assert_int_eq(run(cmd), 0);
    ck_assert_msg(nnv_potential_read(&b, out, &err) == NNV_OK, "%s", err.message);
    a = tu_n2p2_convert(dir, 0, 0);
    ra = compute_structure(a, dir, "hexamer_ring", NNV_WANT_FORCES, NULL);
    rb = compute_structure(b, dir, "hexamer_ring", NNV_WANT_FORCES, NULL);
    ck_assert(ra->energy == rb->energy);
    nnv_result_free(ra);
    nnv_result_free(rb);
    /* direct use: the directory in place of weights.bin */
    xyz = tu_join(dir, "structures/monomer.xyz");
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
    tu_patch_line(tmp, "weights.008.data", " -1.0000000000000000E-03", NULL);
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
    tu_rmtree(tmp);
    free(dir);
    free(scr);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("n2p2");
    TCase *tc;

    tc = tcase_create("n2p2_reference");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_rpbe_energies_forces);
    tcase_add_test(tc, test_rpbe_hessian);
    tcase_add_test(tc, test_rpbe_sf_order_and_inputs);
    tcase_add_test(tc, test_blyp_converts);
    tcase_add_test(tc, test_roundtrip);
    suite_add_tcase(s, tc);

    tc = tcase_create("cli");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_cli);
    suite_add_tcase(s, tc);

    return tu_run(s);
}
