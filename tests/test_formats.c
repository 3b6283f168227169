/* Unit tests of the CML writer (out_cml.c): the file is parsed back with
 * libxml2 (well-formed, namespaces declared, counts and numbers right),
 * titles with markup or bad bytes are escaped or replaced, and a single atom
 * gives atoms only (also in Molden and extended XYZ). The other writers are
 * tested in test_writers.c. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "internal.h"
#include "testutil.h"

#define NS_CML "http://www.xml-cml.org/schema"
#define NS_MOLPRO "http://www.molpro.net/schema/molpro2006"

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
    tu_fixture fx;
    char *dir = tu_tmpdir(), path[256];
    nnv_error err = {0, ""};
    xmlDocPtr doc;
    xmlNodePtr root, mol, arr, prop, val, vibs, spec, peaks;
    double buf[64], sum_ir[4] = {0, 0, 0, 0}, peak_x[4];
    int n, i, k, npk, group;
    char *text;
    size_t len;

    tu_fixture_methane(&fx);
    snprintf(path, sizeof path, "%s/m.cml", dir);
    ck_assert_msg(nnv_cml_write(path, fx.s, fx.r, fx.v, NULL, &err) == NNV_OK, "%s", err.message);
    ck_assert_int_eq(tu_dir_entries(dir), 1); /* no temporary left */

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
    tu_fixture_free(&fx);
    tu_rmtree(dir);
}
END_TEST

START_TEST(test_cml_imaginary_and_thermo)
{
    tu_fixture fx;
    char *dir = tu_tmpdir(), path[256];
    nnv_error err = {0, ""};
    nnv_thermo t;
    nnv_write_info info;
    xmlDocPtr doc;
    xmlNodePtr mol, prop;
    double buf[8];

    tu_fixture_water(&fx, NULL);
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
    tu_fixture_free(&fx);
    tu_rmtree(dir);
}
END_TEST

/* Markup in a title is escaped by libxml2; bytes XML cannot hold (a control
 * character, invalid UTF-8) are replaced; valid UTF-8 survives. */
START_TEST(test_cml_escaping)
{
    tu_fixture fx;
    char *dir = tu_tmpdir(), path[256];
    nnv_error err = {0, ""};
    xmlDocPtr doc;
    xmlNodePtr mol;
    xmlChar *title;
    char *text;

    tu_fixture_water(&fx, "a<b & \"c\" 'd' ]]> \x01 \xff \xc3\xa9</molecule>");
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
    tu_fixture_free(&fx);
    tu_rmtree(dir);
}
END_TEST

/* Intensities but no real mode: no spectrum at all (JSpecView fails on an
 * empty peakList), and no me:vibFreqs; me:imFreqs holds all three. */
START_TEST(test_cml_all_imaginary)
{
    tu_fixture fx;
    char *dir = tu_tmpdir(), path[256];
    nnv_error err = {0, ""};
    xmlDocPtr doc;
    xmlNodePtr mol;
    double buf[8];

    tu_fixture_water(&fx, NULL);
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
    tu_fixture_free(&fx);
    tu_rmtree(dir);
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
    TCase *tc = tcase_create("cml");
    tcase_add_test(tc, test_cml_methane);
    tcase_add_test(tc, test_cml_imaginary_and_thermo);
    tcase_add_test(tc, test_cml_escaping);
    tcase_add_test(tc, test_cml_all_imaginary);
    tcase_add_test(tc, test_single_atom);
    suite_add_tcase(su, tc);
    return tu_run(su);
}
