/* Unit tests of the file writers (out_cml.c, out_molden.c, out_extxyz.c) and
 * their helpers (bonds.c, files.c and its public nnv_ofile): the CML is parsed back with libxml2
 * (well-formed, namespaces declared, counts and numbers right), the Molden and
 * extended-XYZ files with small readers written here, failed writes leave
 * nothing, and titles with markup or bad bytes are escaped or replaced. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "internal.h"
#include "testutil.h"

#define NS_CML "http://www.xml-cml.org/schema"
#define NS_MOLPRO "http://www.molpro.net/schema/molpro2006"
#define BOHR 0.529177210903

/* ---- fixtures ----------------------------------------------------------- */

typedef struct fixture {
    nnv_structure *s;
    nnv_potential *p;
    nnv_result *r;
    nnv_vib *v;
} fixture;

/* Methane with the shipped test potential (it has charge networks, so the
 * analysis has IR intensities); the numbers come from the library. */
static void methane(fixture *fx)
{
    char xyz[1024], bin[1024];
    nnv_error err = {0, ""};
    memset(fx, 0, sizeof *fx);
    snprintf(xyz, sizeof xyz, "%s/molecules/methane.xyz", tu_srcdir());
    snprintf(bin, sizeof bin, "%s/weights/test-CH-softplus-random.bin", tu_srcdir());
    ck_assert_msg(nnv_structure_read_xyz(&fx->s, xyz, 0, &err) == NNV_OK, "%s", err.message);
    ck_assert_msg(nnv_potential_read(&fx->p, bin, &err) == NNV_OK, "%s", err.message);
    ck_assert_msg(nnv_compute(&fx->r, fx->p, fx->s,
                              TU_WANT(NNV_WANT_FORCES | NNV_WANT_HESSIAN | NNV_WANT_CHARGES | NNV_WANT_DIPOLE_DERIV),
                              &err) == NNV_OK,
                  "%s", err.message);
    ck_assert_msg(nnv_vib_analyse(&fx->v, fx->s->n_atoms, fx->s->xyz, fx->s->masses, fx->r->hessian,
                                  fx->r->dipole_deriv, NNV_LINEAR_AUTO, &err) == NNV_OK,
                  "%s", err.message);
    ck_assert_ptr_nonnull(fx->v->ir_intensities);
    ck_assert_int_eq(fx->v->n_modes, 9);
}

/* A hand-made water analysis with one imaginary mode and no intensities
 * (the writers only format numbers, so they need not be physical). */
static void water_synthetic(fixture *fx, const char *comment)
{
    static const int Z[3] = {8, 1, 1};
    static const double xyz[9] = {0, 0, 0.1173, 0, 0.7572, -0.4692, 0, -0.7572, -0.4692};
    static const double freq[3] = {-120.5, 1595.25, 3657.125};
    nnv_error err = {0, ""};
    memset(fx, 0, sizeof *fx);
    ck_assert(nnv_structure_new(&fx->s, 3, Z, xyz, &err) == NNV_OK);
    if (comment) {
        free(fx->s->comment);
        fx->s->comment = strdup(comment);
        ck_assert_ptr_nonnull(fx->s->comment);
    }
    fx->v = calloc(1, sizeof *fx->v);
    ck_assert_ptr_nonnull(fx->v);
    fx->v->n_atoms = 3;
    fx->v->n_rigid = 6;
    fx->v->n_modes = 3;
    fx->v->frequencies = malloc(3 * sizeof(double));
    fx->v->modes = malloc(27 * sizeof(double));
    ck_assert(fx->v->frequencies && fx->v->modes);
    memcpy(fx->v->frequencies, freq, sizeof freq);
    for (int k = 0; k < 27; k++) fx->v->modes[k] = 0.01 * (k + 1) * ((k % 2) ? -1 : 1);
}

static void fixture_free(fixture *fx)
{
    nnv_vib_free(fx->v);
    nnv_result_free(fx->r);
    nnv_potential_free(fx->p);
    nnv_structure_free(fx->s);
}

static int dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

/* ---- small XML helpers ---------------------------------------------------- */

static int is_elem(xmlNodePtr n, const char *name, const char *ns)
{
    return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name) && n->ns &&
           !strcmp((const char *)n->ns->href, ns);
}

static xmlNodePtr first_child(xmlNodePtr parent, const char *name, const char *ns)
{
    for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next)
        if (is_elem(c, name, ns)) return c;
    return NULL;
}

static int count_children(xmlNodePtr parent, const char *name, const char *ns)
{
    int n = 0;
    for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next) n += is_elem(c, name, ns);
    return n;
}

static double attr_num(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetProp(n, BAD_CAST name);
    double x;
    ck_assert_msg(v != NULL, "attribute %s missing on <%s>", name, n->name);
    x = strtod((const char *)v, NULL);
    xmlFree(v);
    return x;
}

static int attr_is(xmlNodePtr n, const char *name, const char *want)
{
    xmlChar *v = xmlGetProp(n, BAD_CAST name);
    int ok = v && !strcmp((const char *)v, want);
    xmlFree(v);
    return ok;
}

/* The numbers of an element's text; returns how many (at most max). */
static int text_numbers(xmlNodePtr n, double *out, int max)
{
    xmlChar *t = xmlNodeGetContent(n);
    char *p = (char *)t, *end;
    int k = 0;
    while (p) {
        double x = strtod(p, &end);
        if (end == p) break;
        if (k < max) out[k] = x;
        k++;
        p = end;
    }
    xmlFree(t);
    return k;
}

/* The <property> with this dictRef under the molecule's propertyList. */
static xmlNodePtr find_property(xmlNodePtr mol, const char *dictref)
{
    xmlNodePtr list = first_child(mol, "propertyList", NS_CML);
    for (xmlNodePtr c = list ? list->children : NULL; c; c = c->next)
        if (is_elem(c, "property", NS_CML) && attr_is(c, "dictRef", dictref)) return c;
    return NULL;
}

static xmlDocPtr parse_ok(const char *path)
{
    /* No network, no entities: only well-formedness and namespaces matter. */
    xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR);
    ck_assert_msg(doc != NULL, "libxml2 cannot parse %s", path);
    return doc;
}

/* ---- CML -------------------------------------------------------------------- */

START_TEST(test_cml_methane)
{
    fixture fx;
    char *dir = tu_tmpdir(), path[256];
    nnv_error err = {0, ""};
    xmlDocPtr doc;
    xmlNodePtr root, mol, arr, prop, val, vibs, spec, peaks;
    double buf[64], sum_ir[4] = {0, 0, 0, 0}, peak_x[4];
    int n, i, k, npk, group;
    char *text;
    size_t len;

    methane(&fx);
    snprintf(path, sizeof path, "%s/m.cml", dir);
    ck_assert_msg(nnv_cml_write(path, fx.s, fx.r, fx.v, NULL, &err) == NNV_OK, "%s", err.message);
    ck_assert_int_eq(dir_entries(dir), 1); /* no temporary left */

    /* Jmol picks its Molpro reader from the first 16 KB of text. */
    text = tu_read_file(path, &len);
    ck_assert_ptr_nonnull(text);
    ck_assert_msg(strstr(text, "http://www.molpro.net/") && strstr(text, "http://www.molpro.net/") - text < 16384,
                  "molpro namespace not in the first 16 KB");
    ck_assert_msg(!strchr(text, '\t'), "tab in CML");
    free(text);

    doc = parse_ok(path);
    root = xmlDocGetRootElement(doc);
    ck_assert(is_elem(root, "cml", NS_CML));
    ck_assert_ptr_nonnull(xmlSearchNsByHref(doc, root, BAD_CAST NS_MOLPRO));
    /* Exactly one molecule, a direct child of <cml> (Avogadro reads only that). */
    ck_assert_int_eq(count_children(root, "molecule", NS_CML), 1);
    mol = first_child(root, "molecule", NS_CML);
    ck_assert(attr_is(mol, "id", "m1"));

    arr = first_child(mol, "atomArray", NS_CML);
    ck_assert_int_eq(count_children(arr, "atom", NS_CML), 5);
    i = 0;
    for (xmlNodePtr a = arr->children; a; a = a->next) {
        char id[16];
        if (!is_elem(a, "atom", NS_CML)) continue;
        snprintf(id, sizeof id, "a%d", i + 1);
        ck_assert(attr_is(a, "id", id));
        ck_assert(attr_is(a, "elementType", i == 0 ? "C" : "H"));
        ck_assert(tu_close(attr_num(a, "x3"), fx.s->xyz[3 * i], 1e-9, 0));
        ck_assert(tu_close(attr_num(a, "y3"), fx.s->xyz[3 * i + 1], 1e-9, 0));
        ck_assert(tu_close(attr_num(a, "z3"), fx.s->xyz[3 * i + 2], 1e-9, 0));
        /* All H explicit: C carries 4, each H none. */
        ck_assert(attr_is(a, "hydrogenCount", i == 0 ? "4" : "0"));
        i++;
    }
    /* Methane has four C-H bonds and no H-H bond (H...H = 1.78 A). */
    arr = first_child(mol, "bondArray", NS_CML);
    ck_assert_int_eq(count_children(arr, "bond", NS_CML), 4);
    for (xmlNodePtr b = arr->children; b; b = b->next) {
        xmlChar *refs;
        if (!is_elem(b, "bond", NS_CML)) continue;
        refs = xmlGetProp(b, BAD_CAST "atomRefs2");
        ck_assert_msg(refs && !strncmp((const char *)refs, "a1 a", 4), "bond %s", refs);
        xmlFree(refs);
    }

    /* Every property holds exactly one scalar or array, and every dictRef
     * prefix is a declared namespace. */
    for (xmlNodePtr p = first_child(mol, "propertyList", NS_CML)->children; p; p = p->next) {
        xmlChar *ref;
        char prefix[32];
        const char *colon;
        if (p->type != XML_ELEMENT_NODE) continue;
        ck_assert(is_elem(p, "property", NS_CML));
        ck_assert_int_eq(count_children(p, "scalar", NS_CML) + count_children(p, "array", NS_CML), 1);
        n = 0;
        for (xmlNodePtr c = p->children; c; c = c->next) n += c->type == XML_ELEMENT_NODE;
        ck_assert_int_eq(n, 1);
        ref = xmlGetProp(p, BAD_CAST "dictRef");
        ck_assert_ptr_nonnull(ref);
        colon = strchr((const char *)ref, ':');
        ck_assert_ptr_nonnull(colon);
        snprintf(prefix, sizeof prefix, "%.*s", (int)(colon - (const char *)ref), (const char *)ref);
        ck_assert_msg(xmlSearchNs(doc, p, BAD_CAST prefix) != NULL, "prefix %s undeclared", prefix);
        xmlFree(ref);
    }
    prop = find_property(mol, "me:vibFreqs");
    ck_assert_ptr_nonnull(prop);
    val = first_child(prop, "array", NS_CML);
    ck_assert(attr_is(val, "units", "cm-1"));
    ck_assert(attr_is(val, "size", "9"));
    ck_assert_int_eq(text_numbers(val, buf, 64), 9);
    for (k = 0; k < 9; k++) ck_assert(tu_close(buf[k], fx.v->frequencies[k], 1e-5, 0));
    ck_assert_ptr_null(find_property(mol, "me:imFreqs"));
    prop = find_property(mol, "nnvib:irIntensities");
    ck_assert_ptr_nonnull(prop);
    ck_assert_int_eq(text_numbers(first_child(prop, "array", NS_CML), buf, 64), 9);
    for (k = 0; k < 9; k++) ck_assert(tu_close(buf[k], fx.v->ir_intensities[k], 1e-5, 0));
    prop = find_property(mol, "nnvib:potentialEnergy");
    ck_assert_ptr_nonnull(prop);
    ck_assert_int_eq(text_numbers(first_child(prop, "scalar", NS_CML), buf, 64), 1);
    ck_assert(tu_close(buf[0], fx.r->energy, 1e-9, 0));

    /* Modes: a Molpro-namespace <vibrations> after the molecule, one
     * normalCoordinate of 3N numbers per mode. */
    vibs = first_child(root, "vibrations", NS_MOLPRO);
    ck_assert_ptr_nonnull(vibs);
    ck_assert_int_eq(count_children(vibs, "normalCoordinate", NS_MOLPRO), 9);
    k = 0;
    for (xmlNodePtr c = vibs->children; c; c = c->next) {
        if (!is_elem(c, "normalCoordinate", NS_MOLPRO)) continue;
        ck_assert(attr_is(c, "units", "inverseCentimetre"));
        ck_assert(tu_close(attr_num(c, "wavenumber"), fx.v->frequencies[k], 1e-5, 0));
        ck_assert_int_eq(text_numbers(c, buf, 64), 15);
        for (i = 0; i < 15; i++) ck_assert(tu_close(buf[i], fx.v->modes[15 * k + i], 1e-9, 0));
        k++;
    }
    {
        int after = 0;
        for (xmlNodePtr c = root->children; c; c = c->next) {
            if (c == mol) after = 1;
            if (c == vibs) ck_assert_msg(after, "vibrations before the molecule");
        }
    }

    /* Stick spectrum: Td methane has 4 distinct frequencies (A1 + E + 2 T2),
     * so 4 peaks, each with the summed intensity of its degenerate modes. */
    spec = first_child(root, "spectrum", NS_CML);
    ck_assert_ptr_nonnull(spec);
    ck_assert(attr_is(spec, "type", "infrared"));
    ck_assert(attr_is(spec, "moleculeRef", "m1"));
    ck_assert_ptr_null(first_child(spec, "molecule", NS_CML));
    ck_assert_ptr_null(first_child(spec, "sample", NS_CML));
    peaks = first_child(spec, "peakList", NS_CML);
    ck_assert_int_eq(count_children(peaks, "peak", NS_CML), 4);
    for (k = 0, group = -1; k < 9; k++) {
        if (k == 0 || fabs(fx.v->frequencies[k] - fx.v->frequencies[k - 1]) > 1e-3) peak_x[++group] = fx.v->frequencies[k];
        sum_ir[group] += fx.v->ir_intensities[k];
    }
    ck_assert_int_eq(group, 3);
    npk = 0;
    for (xmlNodePtr c = peaks->children; c; c = c->next) {
        if (!is_elem(c, "peak", NS_CML)) continue;
        ck_assert(attr_is(c, "xUnits", "cm-1"));
        ck_assert(attr_is(c, "yUnits", "km/mol"));
        ck_assert(tu_close(attr_num(c, "xValue"), peak_x[npk], 1e-5, 0));
        ck_assert(tu_close(attr_num(c, "yValue"), sum_ir[npk], 1e-5, 0));
        npk++;
    }
    xmlFreeDoc(doc);
    fixture_free(&fx);
    tu_rmtree(dir);
}
END_TEST

START_TEST(test_cml_imaginary_and_thermo)
{
    fixture fx;
    char *dir = tu_tmpdir(), path[256];
    nnv_error err = {0, ""};
    nnv_thermo t;
    nnv_write_info info;
    xmlDocPtr doc;
    xmlNodePtr mol, prop;
    double buf[8];

    water_synthetic(&fx, NULL);
    memset(&t, 0, sizeof t);
    t.temperature = 298.15;
    t.pressure = 1.0;
    t.symmetry_number = 2;
    t.zpe = 0.5625;
    t.u = 0.625;
    t.h = 0.65;
    t.s = 1.953125e-3;
    t.g = 0.0625;
    memset(&info, 0, sizeof info);
    info.thermo = &t;
    snprintf(path, sizeof path, "%s/w.cml", dir);
    ck_assert_msg(nnv_cml_write(path, fx.s, NULL, fx.v, &info, &err) == NNV_OK, "%s", err.message);
    doc = parse_ok(path);
    mol = first_child(xmlDocGetRootElement(doc), "molecule", NS_CML);
    /* Water: two O-H bonds, no H-H bond (1.51 A > 1.2 x 0.62 A). */
    ck_assert_int_eq(count_children(first_child(mol, "bondArray", NS_CML), "bond", NS_CML), 2);
    /* Real ones in me:vibFreqs, the imaginary one as a positive magnitude. */
    prop = find_property(mol, "me:vibFreqs");
    ck_assert_int_eq(text_numbers(first_child(prop, "array", NS_CML), buf, 8), 2);
    ck_assert(buf[0] == 1595.25 && buf[1] == 3657.125);
    prop = find_property(mol, "me:imFreqs");
    ck_assert_ptr_nonnull(prop);
    ck_assert_int_eq(text_numbers(first_child(prop, "array", NS_CML), buf, 8), 1);
    ck_assert(buf[0] == 120.5);
    prop = find_property(mol, "nnvib:wavenumbers");
    ck_assert_int_eq(text_numbers(first_child(prop, "array", NS_CML), buf, 8), 3);
    ck_assert(buf[0] == -120.5);
    /* No intensities: no spectrum, no intensity property. */
    ck_assert_ptr_null(find_property(mol, "nnvib:irIntensities"));
    ck_assert_ptr_null(first_child(xmlDocGetRootElement(doc), "spectrum", NS_CML));
    /* Thermochemistry as properties (values are exact binary fractions). */
    ck_assert_int_eq(text_numbers(first_child(find_property(mol, "nnvib:zeroPointEnergy"), "scalar", NS_CML), buf, 8), 1);
    ck_assert(buf[0] == 0.5625);
    ck_assert_int_eq(text_numbers(first_child(find_property(mol, "nnvib:gibbsEnergy"), "scalar", NS_CML), buf, 8), 1);
    ck_assert(buf[0] == 0.0625);
    ck_assert_int_eq(text_numbers(first_child(find_property(mol, "nnvib:entropy"), "scalar", NS_CML), buf, 8), 1);
    ck_assert(tu_close(buf[0], 1.953125e-3, 0, 1e-12));
    ck_assert_int_eq(text_numbers(first_child(find_property(mol, "nnvib:symmetryNumber"), "scalar", NS_CML), buf, 8), 1);
    ck_assert(buf[0] == 2);
    ck_assert_ptr_nonnull(find_property(mol, "nnvib:enthalpy"));
    ck_assert_ptr_nonnull(find_property(mol, "nnvib:internalEnergy"));
    xmlFreeDoc(doc);
    fixture_free(&fx);
    tu_rmtree(dir);
}
END_TEST

/* Markup in a title is escaped by libxml2; bytes XML cannot hold (a control
 * character, invalid UTF-8) are replaced; valid UTF-8 survives. */
START_TEST(test_cml_escaping)
{
    fixture fx;
    char *dir = tu_tmpdir(), path[256];
    nnv_error err = {0, ""};
    xmlDocPtr doc;
    xmlNodePtr mol;
    xmlChar *title;
    char *text;

    water_synthetic(&fx, "a<b & \"c\" 'd' ]]> \x01 \xff \xc3\xa9</molecule>");
    snprintf(path, sizeof path, "%s/e.cml", dir);
    ck_assert_msg(nnv_cml_write(path, fx.s, NULL, fx.v, NULL, &err) == NNV_OK, "%s", err.message);
    text = tu_read_file(path, NULL);
    ck_assert_ptr_nonnull(text);
    ck_assert_ptr_null(strstr(text, "a<b"));
    ck_assert_ptr_nonnull(strstr(text, "a&lt;b &amp;"));
    free(text);
    doc = parse_ok(path);
    mol = first_child(xmlDocGetRootElement(doc), "molecule", NS_CML);
    ck_assert_int_eq(count_children(xmlDocGetRootElement(doc), "molecule", NS_CML), 1);
    title = xmlGetProp(mol, BAD_CAST "title");
    ck_assert_str_eq((const char *)title, "a<b & \"c\" 'd' ]]>   ? \xc3\xa9</molecule>");
    xmlFree(title);
    xmlFreeDoc(doc);
    fixture_free(&fx);
    tu_rmtree(dir);
}
END_TEST

/* Intensities but no real mode: no spectrum at all (JSpecView fails on an
 * empty peakList), and no me:vibFreqs; me:imFreqs holds all three. */
START_TEST(test_cml_all_imaginary)
{
    fixture fx;
    char *dir = tu_tmpdir(), path[256];
    nnv_error err = {0, ""};
    xmlDocPtr doc;
    xmlNodePtr mol;
    double buf[8];

    water_synthetic(&fx, NULL);
    fx.v->frequencies[1] = -50.0;
    fx.v->frequencies[2] = -10.0;
    fx.v->ir_intensities = calloc(3, sizeof(double));
    ck_assert_ptr_nonnull(fx.v->ir_intensities);
    snprintf(path, sizeof path, "%s/i.cml", dir);
    ck_assert_msg(nnv_cml_write(path, fx.s, NULL, fx.v, NULL, &err) == NNV_OK, "%s", err.message);
    doc = parse_ok(path);
    mol = first_child(xmlDocGetRootElement(doc), "molecule", NS_CML);
    ck_assert_ptr_null(first_child(xmlDocGetRootElement(doc), "spectrum", NS_CML));
    ck_assert_ptr_null(find_property(mol, "me:vibFreqs"));
    ck_assert_int_eq(text_numbers(first_child(find_property(mol, "me:imFreqs"), "array", NS_CML), buf, 8), 3);
    ck_assert(buf[0] == 120.5 && buf[1] == 50.0 && buf[2] == 10.0);
    ck_assert_int_eq(count_children(first_child(xmlDocGetRootElement(doc), "vibrations", NS_MOLPRO),
                                    "normalCoordinate", NS_MOLPRO),
                     3);
    xmlFreeDoc(doc);
    fixture_free(&fx);
    tu_rmtree(dir);
}
END_TEST

/* ---- atomic writes ------------------------------------------------------- */

START_TEST(test_atomic_failures)
{
    fixture fx;
    char *dir = tu_tmpdir(), path[256];
    nnv_error err = {0, ""};
    int (*writers[3])(const char *, const nnv_structure *, const nnv_result *, const nnv_vib *,
                      const nnv_write_info *, nnv_error *) = {nnv_cml_write, nnv_molden_write, nnv_extxyz_write};

    water_synthetic(&fx, NULL);
    for (int w = 0; w < 3; w++) {
        /* A folder that does not exist: fails before anything is created. */
        snprintf(path, sizeof path, "%s/missing/out.file", dir);
        err.message[0] = '\0';
        ck_assert_int_eq(writers[w](path, fx.s, NULL, fx.v, NULL, &err), NNV_EIO);
        ck_assert_msg(strstr(err.message, path) != NULL, "message does not name the file: %s", err.message);
        ck_assert_int_eq(dir_entries(dir), 0);
        /* A target that is a folder: the rename fails after the whole file was
         * written, and the temporary must be gone too. */
        snprintf(path, sizeof path, "%s/adir", dir);
        ck_assert_int_eq(mkdir(path, 0700), 0);
        ck_assert_int_eq(writers[w](path, fx.s, NULL, fx.v, NULL, &err), NNV_EIO);
        ck_assert_int_eq(dir_entries(dir), 1);
        ck_assert_int_eq(rmdir(path), 0);
    }
    /* Bad input is refused before any file is opened. */
    fx.v->frequencies[1] = NAN;
    snprintf(path, sizeof path, "%s/nan.cml", dir);
    ck_assert_int_eq(nnv_cml_write(path, fx.s, NULL, fx.v, NULL, &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "mode 2") != NULL, "%s", err.message);
    fx.v->frequencies[1] = 1595.25;
    fx.v->n_atoms = 4;
    ck_assert_int_eq(nnv_molden_write(path, fx.s, NULL, fx.v, NULL, &err), NNV_EUSAGE);
    fx.v->n_atoms = 3;
    ck_assert_int_eq(nnv_extxyz_write(NULL, fx.s, NULL, fx.v, NULL, &err), NNV_EUSAGE);
    ck_assert_int_eq(dir_entries(dir), 0);
    /* An existing target is replaced whole. */
    snprintf(path, sizeof path, "%s/old.molden", dir);
    {
        FILE *f = fopen(path, "w");
        char *text;
        ck_assert_ptr_nonnull(f);
        fputs("old contents\n", f);
        fclose(f);
        ck_assert_int_eq(nnv_molden_write(path, fx.s, NULL, fx.v, NULL, &err), NNV_OK);
        text = tu_read_file(path, NULL);
        ck_assert_ptr_nonnull(text);
        ck_assert_msg(!strncmp(text, "[Molden Format]\n", 16), "%.40s", text);
        free(text);
    }
    ck_assert_int_eq(dir_entries(dir), 1);
    fixture_free(&fx);
    tu_rmtree(dir);
}
END_TEST

START_TEST(test_ofile)
{
    /* The public atomic output file: the target appears only at the commit,
     * a discard or a failure leaves nothing, devices are written in place. */
    char *dir = tu_tmpdir(), path[256], *text;
    nnv_ofile *f = NULL;
    nnv_error err = {0, ""};
    FILE *s;

    snprintf(path, sizeof path, "%s/out.txt", dir);
    ck_assert_int_eq(nnv_ofile_open(&f, path, &err), NNV_OK);
    ck_assert_ptr_nonnull(s = nnv_ofile_stream(f));
    fputs("complete\n", s);
    ck_assert_int_eq(access(path, F_OK), -1); /* not there before the commit */
    ck_assert_int_eq(dir_entries(dir), 1);    /* the temporary file */
    ck_assert_int_eq(nnv_ofile_commit(f, &err), NNV_OK);
    text = tu_read_file(path, NULL);
    ck_assert_str_eq(text, "complete\n");
    free(text);
    ck_assert_int_eq(dir_entries(dir), 1);
    /* A discard keeps the old target and removes the temporary file. */
    ck_assert_int_eq(nnv_ofile_open(&f, path, &err), NNV_OK);
    fputs("half", nnv_ofile_stream(f));
    nnv_ofile_discard(f);
    text = tu_read_file(path, NULL);
    ck_assert_str_eq(text, "complete\n");
    free(text);
    ck_assert_int_eq(dir_entries(dir), 1);
    nnv_ofile_discard(NULL);
    /* Unwritable targets: a missing folder fails at the open, naming the file;
     * a folder as target at the open too. */
    snprintf(path, sizeof path, "%s/missing/out.txt", dir);
    ck_assert_int_eq(nnv_ofile_open(&f, path, &err), NNV_EIO);
    ck_assert_ptr_null(f); /* set even on failure (it held a discarded file) */
    ck_assert_msg(strstr(err.message, path) != NULL, "%s", err.message);
    ck_assert_int_eq(nnv_ofile_open(&f, dir, &err), NNV_EIO);
    ck_assert_int_eq(nnv_ofile_open(&f, "", &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_ofile_open(&f, NULL, &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_ofile_open(NULL, path, &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_ofile_commit(NULL, &err), NNV_EUSAGE);
    ck_assert_ptr_null(nnv_ofile_stream(NULL));
    ck_assert_int_eq(dir_entries(dir), 1);
    /* /dev/null stays a device (a rename would replace it when run as root). */
    ck_assert_int_eq(nnv_ofile_open(&f, "/dev/null", &err), NNV_OK);
    fputs("gone\n", nnv_ofile_stream(f));
    ck_assert_int_eq(nnv_ofile_commit(f, &err), NNV_OK);
    {
        struct stat st;
        ck_assert_int_eq(stat("/dev/null", &st), 0);
        ck_assert(S_ISCHR(st.st_mode));
    }
    /* A device that refuses the bytes fails at the commit, naming it. */
    if (access("/dev/full", W_OK) == 0) {
        ck_assert_int_eq(nnv_ofile_open(&f, "/dev/full", &err), NNV_OK);
        fputs("no room\n", nnv_ofile_stream(f));
        ck_assert_int_eq(nnv_ofile_commit(f, &err), NNV_EIO);
        ck_assert_msg(strstr(err.message, "/dev/full") != NULL, "%s", err.message);
    }
    tu_rmtree(dir);
}
END_TEST

/* ---- Molden: read back with a reader written from the format description -- */

typedef struct molden_data {
    int n_atoms, n_freq, n_int, n_frc, n_modes, mode_lines_ok;
    char sym[16][8];
    double xyz[48], freq[64], inten[64], frc[48], modes[64 * 48];
    char order[16][32];
    int n_sections;
} molden_data;

static void molden_read(const char *path, molden_data *d)
{
    char *text = tu_read_file(path, NULL), *line, *save = NULL;
    char section[32] = "";
    int mode = -1, row = 0;
    ck_assert_ptr_nonnull(text);
    memset(d, 0, sizeof *d);
    d->mode_lines_ok = 1;
    ck_assert_msg(!strncmp(text, "[Molden Format]\n", 16), "first line");
    ck_assert_msg(!strchr(text, '\t'), "tab in Molden file");
    ck_assert_msg(!strstr(text, "\n\n"), "blank line in Molden file");
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        double a, b, c;
        int idx, z;
        char s[8];
        if (line[0] == '[') {
            sscanf(line, "%31[^\n]", section);
            ck_assert(d->n_sections < 16);
            snprintf(d->order[d->n_sections++], 32, "%s", section);
            continue;
        }
        if (!strcmp(section, "[Atoms] Angs")) {
            ck_assert_int_eq(sscanf(line, "%7s %d %d %lf %lf %lf", s, &idx, &z, &a, &b, &c), 6);
            ck_assert_int_eq(idx, d->n_atoms + 1);
            ck_assert_int_eq(z, nnv_element_from_symbol(s));
            snprintf(d->sym[d->n_atoms], 8, "%s", s);
            d->xyz[3 * d->n_atoms] = a;
            d->xyz[3 * d->n_atoms + 1] = b;
            d->xyz[3 * d->n_atoms + 2] = c;
            d->n_atoms++;
        } else if (!strcmp(section, "[FREQ]")) {
            ck_assert_int_eq(sscanf(line, "%lf", &d->freq[d->n_freq++]), 1);
        } else if (!strcmp(section, "[INT]")) {
            ck_assert_int_eq(sscanf(line, "%lf", &d->inten[d->n_int++]), 1);
        } else if (!strcmp(section, "[FR-COORD]")) {
            ck_assert_int_eq(sscanf(line, "%7s %lf %lf %lf", s, &a, &b, &c), 4);
            ck_assert_str_eq(s, d->sym[d->n_frc]);
            d->frc[3 * d->n_frc] = a;
            d->frc[3 * d->n_frc + 1] = b;
            d->frc[3 * d->n_frc + 2] = c;
            d->n_frc++;
        } else if (!strcmp(section, "[FR-NORM-COORD]")) {
            if (sscanf(line, " vibration %d", &idx) == 1) {
                if (mode >= 0 && row != d->n_atoms) d->mode_lines_ok = 0;
                mode++;
                row = 0;
                ck_assert_int_eq(idx, mode + 1);
                d->n_modes++;
            } else {
                ck_assert_int_eq(sscanf(line, "%lf %lf %lf", &a, &b, &c), 3);
                ck_assert(mode >= 0 && row < d->n_atoms);
                d->modes[mode * 3 * d->n_atoms + 3 * row] = a;
                d->modes[mode * 3 * d->n_atoms + 3 * row + 1] = b;
                d->modes[mode * 3 * d->n_atoms + 3 * row + 2] = c;
                row++;
            }
        }
    }
    if (mode >= 0 && row != d->n_atoms) d->mode_lines_ok = 0;
    free(text);
}

START_TEST(test_molden_methane)
{
    fixture fx;
    char *dir = tu_tmpdir(), path[256];
    nnv_error err = {0, ""};
    molden_data *d = malloc(sizeof *d);
    static const char *order[] = {"[Molden Format]", "[Title]", "[Atoms] Angs", "[FREQ]", "[INT]", "[FR-COORD]",
                                  "[FR-NORM-COORD]"};

    ck_assert_ptr_nonnull(d);
    methane(&fx);
    snprintf(path, sizeof path, "%s/m.molden", dir);
    ck_assert_msg(nnv_molden_write(path, fx.s, fx.r, fx.v, NULL, &err) == NNV_OK, "%s", err.message);
    molden_read(path, d);
    ck_assert_int_eq(d->n_sections, 7);
    for (int i = 0; i < 7; i++) ck_assert_str_eq(d->order[i], order[i]);
    ck_assert_int_eq(d->n_atoms, 5);
    ck_assert_int_eq(d->n_frc, 5);
    for (int i = 0; i < 15; i++) {
        ck_assert(tu_close(d->xyz[i], fx.s->xyz[i], 1e-9, 0));
        /* [FR-COORD] in bohr: 0.6276 A = 1.18599... bohr, not the Å value. */
        ck_assert(tu_close(d->frc[i] * BOHR, fx.s->xyz[i], 1e-9, 0));
    }
    ck_assert(tu_close(fabs(d->frc[3]), 0.6276 / BOHR, 1e-9, 0));
    ck_assert_int_eq(d->n_freq, 9);
    ck_assert_int_eq(d->n_int, 9);
    ck_assert_int_eq(d->n_modes, 9);
    ck_assert(d->mode_lines_ok);
    for (int k = 0; k < 9; k++) {
        ck_assert(tu_close(d->freq[k], fx.v->frequencies[k], 1e-5, 0));
        ck_assert(tu_close(d->inten[k], fx.v->ir_intensities[k], 1e-5, 0));
        for (int i = 0; i < 15; i++) ck_assert(tu_close(d->modes[15 * k + i], fx.v->modes[15 * k + i], 1e-7, 0));
    }
    free(d);
    fixture_free(&fx);
    tu_rmtree(dir);
}
END_TEST

START_TEST(test_molden_no_intensities)
{
    fixture fx;
    char *dir = tu_tmpdir(), path[256], *text;
    nnv_error err = {0, ""};
    molden_data *d = malloc(sizeof *d);

    ck_assert_ptr_nonnull(d);
    water_synthetic(&fx, "water [test]\twith a tab");
    snprintf(path, sizeof path, "%s/w.molden", dir);
    ck_assert_msg(nnv_molden_write(path, fx.s, NULL, fx.v, NULL, &err) == NNV_OK, "%s", err.message);
    molden_read(path, d);
    ck_assert_int_eq(d->n_sections, 6); /* no [INT] */
    ck_assert_int_eq(d->n_freq, 3);
    ck_assert(d->freq[0] == -120.5); /* imaginary: negative */
    ck_assert_int_eq(d->n_int, 0);
    /* '[' in the title would start a section for every reader. */
    text = tu_read_file(path, NULL);
    ck_assert_ptr_nonnull(strstr(text, "[Title]\nwater (test) with a tab\n"));
    free(text);
    free(d);
    fixture_free(&fx);
    tu_rmtree(dir);
}
END_TEST

/* ---- extended XYZ ----------------------------------------------------------- */

START_TEST(test_extxyz_methane)
{
    fixture fx;
    char *dir = tu_tmpdir(), path[256], *text, *line, *save = NULL;
    nnv_error err = {0, ""};
    int frame = -1, atom = 0, natoms = 0, expect_header = 1, expect_comment = 0;

    methane(&fx);
    snprintf(path, sizeof path, "%s/m.extxyz", dir);
    ck_assert_msg(nnv_extxyz_write(path, fx.s, fx.r, fx.v, NULL, &err) == NNV_OK, "%s", err.message);
    text = tu_read_file(path, NULL);
    ck_assert_ptr_nonnull(text);
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (expect_header) {
            ck_assert_int_eq(sscanf(line, "%d", &natoms), 1);
            ck_assert_int_eq(natoms, 5);
            frame++;
            atom = 0;
            expect_header = 0;
            expect_comment = 1;
        } else if (expect_comment) {
            char key[64];
            double f;
            ck_assert_ptr_nonnull(strstr(line, "Properties=species:S:1:pos:R:3:masses:R:1:mode:R:3"));
            ck_assert_ptr_nonnull(strstr(line, "pbc=\"F F F\""));
            snprintf(key, sizeof key, "mode_index=%d ", frame);
            ck_assert_msg(strstr(line, key) != NULL, "frame %d: %s", frame, line);
            if (frame > 0) {
                const char *q = strstr(line, "frequency=");
                ck_assert_ptr_nonnull(q);
                f = strtod(q + 10, NULL);
                ck_assert(tu_close(f, fx.v->frequencies[frame - 1], 1e-5, 0));
                ck_assert_ptr_nonnull(strstr(line, "ir_intensity="));
            } else {
                ck_assert_ptr_null(strstr(line, "frequency="));
            }
            expect_comment = 0;
        } else {
            char sym[8];
            double x[7];
            ck_assert_int_eq(sscanf(line, "%7s %lf %lf %lf %lf %lf %lf %lf", sym, &x[0], &x[1], &x[2], &x[3], &x[4],
                                    &x[5], &x[6]),
                             8);
            ck_assert_str_eq(sym, nnv_element_symbol(fx.s->Z[atom]));
            for (int c = 0; c < 3; c++) {
                ck_assert(tu_close(x[c], fx.s->xyz[3 * atom + c], 1e-9, 0));
                ck_assert(tu_close(x[4 + c], frame == 0 ? 0.0 : fx.v->modes[15 * (frame - 1) + 3 * atom + c], 1e-9, 0));
            }
            ck_assert(tu_close(x[3], fx.s->masses[atom], 1e-7, 0));
            if (++atom == natoms) expect_header = 1;
        }
    }
    ck_assert_int_eq(frame, 9); /* equilibrium + 9 modes */
    ck_assert(expect_header);
    free(text);
    fixture_free(&fx);
    tu_rmtree(dir);
}
END_TEST

/* ---- bonds ------------------------------------------------------------------ */

START_TEST(test_bonds)
{
    /* Cordero et al. 2008, Table 2. */
    ck_assert(bonds_covalent_radius(1) == 0.31);
    ck_assert(bonds_covalent_radius(6) == 0.76);
    ck_assert(bonds_covalent_radius(8) == 0.66);
    ck_assert(bonds_covalent_radius(26) == 1.32);
    ck_assert(bonds_covalent_radius(96) == 1.69);
    {
        /* CO2 (C=O 1.16 A): two bonds, O...O 2.32 A is not one. */
        int Z[3] = {6, 8, 8}, *pairs = NULL, n = -1;
        double xyz[9] = {0, 0, 0, 0, 0, 1.16, 0, 0, -1.16};
        ck_assert_int_eq(bonds_guess(&pairs, &n, 3, Z, xyz, NULL), NNV_OK);
        ck_assert_int_eq(n, 2);
        ck_assert(pairs[0] == 0 && pairs[1] == 1 && pairs[2] == 0 && pairs[3] == 2);
        free(pairs);
    }
    {
        /* H2 at 0.74 A is bonded (limit 1.2 x 0.62 = 0.744 A); at 0.80 A not. */
        int Z[2] = {1, 1}, *pairs = NULL, n = -1;
        double xyz[6] = {0, 0, 0, 0.74, 0, 0};
        ck_assert_int_eq(bonds_guess(&pairs, &n, 2, Z, xyz, NULL), NNV_OK);
        ck_assert_int_eq(n, 1);
        free(pairs);
        xyz[3] = 0.80;
        ck_assert_int_eq(bonds_guess(&pairs, &n, 2, Z, xyz, NULL), NNV_OK);
        ck_assert_int_eq(n, 0);
        ck_assert_ptr_null(pairs);
    }
    {
        int Z[1] = {8}, *pairs = NULL, n = -1;
        double xyz[3] = {0, 0, 0};
        ck_assert_int_eq(bonds_guess(&pairs, &n, 1, Z, xyz, NULL), NNV_OK);
        ck_assert_int_eq(n, 0);
    }
}
END_TEST

/* One atom: no modes, a CML with atoms only and a one-frame extended XYZ. */
START_TEST(test_single_atom)
{
    int Z[1] = {18};
    double xyz[3] = {0, 0, 0};
    nnv_structure *s = NULL;
    char *dir = tu_tmpdir(), path[256], *text;
    nnv_error err = {0, ""};
    xmlDocPtr doc;

    ck_assert(nnv_structure_new(&s, 1, Z, xyz, &err) == NNV_OK);
    snprintf(path, sizeof path, "%s/ar.cml", dir);
    ck_assert_msg(nnv_cml_write(path, s, NULL, NULL, NULL, &err) == NNV_OK, "%s", err.message);
    doc = parse_ok(path);
    ck_assert_ptr_null(first_child(xmlDocGetRootElement(doc), "vibrations", NS_MOLPRO));
    ck_assert_int_eq(count_children(first_child(first_child(xmlDocGetRootElement(doc), "molecule", NS_CML),
                                                "atomArray", NS_CML),
                                    "atom", NS_CML),
                     1);
    xmlFreeDoc(doc);
    snprintf(path, sizeof path, "%s/ar.molden", dir);
    ck_assert_int_eq(nnv_molden_write(path, s, NULL, NULL, NULL, &err), NNV_OK);
    text = tu_read_file(path, NULL);
    ck_assert_ptr_null(strstr(text, "[FREQ]"));
    free(text);
    snprintf(path, sizeof path, "%s/ar.xyz", dir);
    ck_assert_int_eq(nnv_extxyz_write(path, s, NULL, NULL, NULL, &err), NNV_OK);
    text = tu_read_file(path, NULL);
    ck_assert_msg(!strncmp(text, "1\n", 2) && strstr(text, "\nAr ") && !strstr(strstr(text, "\nAr ") + 1, "\n1\n"),
                  "%s", text);
    free(text);
    nnv_structure_free(s);
    tu_rmtree(dir);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("formats");
    TCase *tc = tcase_create("writers");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_cml_methane);
    tcase_add_test(tc, test_cml_imaginary_and_thermo);
    tcase_add_test(tc, test_cml_escaping);
    tcase_add_test(tc, test_cml_all_imaginary);
    tcase_add_test(tc, test_atomic_failures);
    tcase_add_test(tc, test_ofile);
    tcase_add_test(tc, test_molden_methane);
    tcase_add_test(tc, test_molden_no_intensities);
    tcase_add_test(tc, test_extxyz_methane);
    tcase_add_test(tc, test_bonds);
    tcase_add_test(tc, test_single_atom);
    suite_add_tcase(su, tc);
    sr = srunner_create(su);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
