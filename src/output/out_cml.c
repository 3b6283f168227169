/* CML writer, the only libxml2 user: the document is built as a libxml2 tree
 * (so escaping and namespaces are libxml2's job) and saved atomically. The
 * layout serves the readers that exist, each of which takes a different part
 * (docs/formats.md): Open Babel and Avogadro the <molecule>, Open Babel the
 * me:vibFreqs property, Jmol the Molpro-namespace normal modes, JSpecView the
 * infrared <spectrum>. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/chvalid.h>
#include <libxml/tree.h>
#include <libxml/xmlstring.h>

#include "model/model_internal.h"
#include "output/output_internal.h"

#define NS_CML "http://www.xml-cml.org/schema"
/* Jmol switches to its Molpro-XML reader (which reads normal modes) when this
 * text appears in the first 16 KB; it still reads the CML atoms and bonds. */
#define NS_MOLPRO "http://www.molpro.net/schema/molpro2006"
/* MESMER's dictionary: me:vibFreqs is the property Open Babel reads frequencies from. */
#define NS_ME "http://www.chem.leeds.ac.uk/mesmer"
#define NS_NNVIB "urn:x-nnvib:dictionary"
#define NS_XSD "http://www.w3.org/2001/XMLSchema"
#define NS_DC "http://purl.org/dc/elements/1.1/"

#define TITLE_MAX 1024
/* Longest number written: "%.12e" or "%.10f" of a finite double (|x| < 1.8e308). */
#define NUM_MAX 400
/* Frequencies closer than this (cm⁻¹) are one peak of the stick spectrum:
 * symmetry-degenerate modes absorb at one wavenumber with the summed intensity. */
#define PEAK_MERGE_CM1 1e-2

typedef struct cml_ctx {
    xmlNsPtr cml, molpro;
    int failed; /* set on the first allocation failure; later calls do nothing */
    char *buf;  /* scratch for number lists */
    size_t cap;
} cml_ctx;

static xmlNodePtr child(cml_ctx *c, xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *text)
{
    xmlNodePtr n;
    if (c->failed || !parent) {
        c->failed = 1;
        return NULL;
    }
    /* xmlNewTextChild escapes the text (xmlNewChild would not escape '&'). */
    n = xmlNewTextChild(parent, ns, BAD_CAST name, text ? BAD_CAST text : NULL);
    if (!n) c->failed = 1;
    return n;
}

static void attr(cml_ctx *c, xmlNodePtr node, const char *name, const char *value)
{
    if (c->failed || !node) {
        c->failed = 1;
        return;
    }
    if (!xmlNewProp(node, BAD_CAST name, BAD_CAST value)) c->failed = 1;
}

PRINTF_LIKE(4, 5) static void attrf(cml_ctx *c, xmlNodePtr node, const char *name, const char *fmt, ...)
{
    char v[NUM_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v, sizeof v, fmt, ap);
    va_end(ap);
    attr(c, node, name, v);
}

/* Format n numbers (x[i * stride], printf format fmt) into c->buf, separated
 * by spaces and a line break every `per_line` numbers. */
static const char *numbers(cml_ctx *c, const double *x, size_t n, size_t stride, const char *fmt,
                           size_t per_line)
{
    size_t len = 0;
    if (c->failed) return NULL;
    for (size_t i = 0; i < n; i++) {
        char num[NUM_MAX];
        int w = snprintf(num, sizeof num, fmt, x[i * stride]);
        size_t need = len + (size_t)(w > 0 ? w : 0) + 2;
        if (need > c->cap) {
            size_t cap = need > 2 * c->cap ? need : 2 * c->cap;
            char *grown = realloc(c->buf, cap);
            if (!grown) {
                c->failed = 1;
                return NULL;
            }
            c->buf = grown;
            c->cap = cap;
        }
        if (i > 0) c->buf[len++] = (per_line && i % per_line == 0) ? '\n' : ' ';
        memcpy(c->buf + len, num, (size_t)(w > 0 ? w : 0));
        len += (size_t)(w > 0 ? w : 0);
    }
    if (!c->buf) {
        c->buf = malloc(1);
        if (!c->buf) {
            c->failed = 1;
            return NULL;
        }
        c->cap = 1;
    }
    c->buf[len] = '\0';
    return c->buf;
}

/* <property dictRef title><scalar|array dataType units [size]>text</..></property>:
 * exactly one value element, the form every reader of CML properties expects. */
static void property(cml_ctx *c, xmlNodePtr list, const char *dictref, const char *title, int is_array,
                     size_t size, const char *units, const char *datatype, const char *text)
{
    xmlNodePtr p = child(c, list, c->cml, "property", NULL), val;
    attr(c, p, "dictRef", dictref);
    if (title) attr(c, p, "title", title);
    val = child(c, p, c->cml, is_array ? "array" : "scalar", text);
    attr(c, val, "dataType", datatype);
    if (is_array) attrf(c, val, "size", "%zu", size);
    if (units) attr(c, val, "units", units);
}

static void scalar(cml_ctx *c, xmlNodePtr list, const char *dictref, const char *title, const char *units,
                   const char *fmt, double x)
{
    property(c, list, dictref, title, 0, 1, units, "xsd:double", numbers(c, &x, 1, 1, fmt, 0));
}

/* The title as text libxml2 can store: invalid UTF-8 and characters XML 1.0
 * forbids (most control characters) become '?'. */
static void xml_title(char *dst, size_t n, const char *src)
{
    size_t i = 0;
    const unsigned char *p = (const unsigned char *)(src ? src : "");
    while (*p && i + 5 < n) {
        int len = 4, ch = xmlGetUTF8Char(p, &len);
        if (ch < 0 || len <= 0) {
            dst[i++] = '?';
            p++;
            continue;
        }
        if (!xmlIsCharQ(ch) || ch == '\n' || ch == '\r' || ch == '\t') dst[i++] = ch < 0x20 ? ' ' : '?';
        else {
            memcpy(dst + i, p, (size_t)len);
            i += (size_t)len;
        }
        p += len;
    }
    dst[i] = '\0';
}

static xmlNodePtr add_molecule(cml_ctx *c, xmlNodePtr root, const nnv_structure *s, const int *bonds, int n_bonds,
                         const char *title)
{
    xmlNodePtr mol = child(c, root, c->cml, "molecule", NULL), arr;
    int n = s->n_atoms, *nh = NULL;

    attr(c, mol, "id", "m1");
    if (title[0]) attr(c, mol, "title", title);
    /* hydrogenCount = bonded H atoms, all explicit: without it Open Babel adds
     * implicit hydrogens to atoms whose bonds (order 1) fall short of valence. */
    nh = calloc((size_t)n, sizeof *nh);
    if (!nh) {
        c->failed = 1;
        return NULL;
    }
    for (int b = 0; b < n_bonds; b++) {
        if (s->Z[bonds[2 * b + 1]] == 1) nh[bonds[2 * b]]++;
        if (s->Z[bonds[2 * b]] == 1) nh[bonds[2 * b + 1]]++;
    }
    arr = child(c, mol, c->cml, "atomArray", NULL);
    for (int i = 0; i < n; i++) {
        xmlNodePtr a = child(c, arr, c->cml, "atom", NULL);
        attrf(c, a, "id", "a%d", i + 1);
        attr(c, a, "elementType", nnv_element_symbol(s->Z[i]));
        attrf(c, a, "x3", "%.10f", s->xyz[3 * i]);
        attrf(c, a, "y3", "%.10f", s->xyz[3 * i + 1]);
        attrf(c, a, "z3", "%.10f", s->xyz[3 * i + 2]);
        attrf(c, a, "hydrogenCount", "%d", nh[i]);
    }
    free(nh);
    if (n_bonds > 0) {
        arr = child(c, mol, c->cml, "bondArray", NULL);
        for (int b = 0; b < n_bonds; b++) {
            xmlNodePtr bond = child(c, arr, c->cml, "bond", NULL);
            attrf(c, bond, "id", "b%d", b + 1);
            attrf(c, bond, "atomRefs2", "a%d a%d", bonds[2 * b] + 1, bonds[2 * b + 1] + 1);
            attr(c, bond, "order", "1");
        }
    }
    return mol;
}

static void add_properties(cml_ctx *c, xmlNodePtr mol, const nnv_structure *s, const nnv_result *r,
                           const nnv_vib *v, const nnv_thermo *t)
{
    xmlNodePtr list;
    int nm = v ? v->n_modes : 0, n_real = 0, n_imag = 0;
    double *sel = NULL;

    if (!r && nm == 0 && !t) return;
    list = child(c, mol, c->cml, "propertyList", NULL);
    if (r) scalar(c, list, "nnvib:potentialEnergy", "potential energy", "eV", "%.10f", r->energy);
    if (nm > 0) {
        sel = malloc((size_t)nm * sizeof *sel);
        if (!sel) {
            c->failed = 1;
            return;
        }
        for (int k = 0; k < nm; k++)
            if (v->frequencies[k] > 0) sel[n_real++] = v->frequencies[k];
        /* Open Babel reads frequencies only from a property whose dictRef
         * contains "vibFreqs"; MESMER's convention keeps imaginary ones apart,
         * as positive magnitudes in me:imFreqs. */
        if (n_real > 0)
            property(c, list, "me:vibFreqs", "real vibrational frequencies", 1, (size_t)n_real, "cm-1",
                     "xsd:double", numbers(c, sel, (size_t)n_real, 1, "%.6f", 0));
        for (int k = 0; k < nm; k++)
            if (v->frequencies[k] < 0) sel[n_imag++] = -v->frequencies[k];
        if (n_imag > 0)
            property(c, list, "me:imFreqs", "imaginary frequencies (magnitudes)", 1, (size_t)n_imag, "cm-1",
                     "xsd:double", numbers(c, sel, (size_t)n_imag, 1, "%.6f", 0));
        free(sel);
        /* The per-mode data below follow this list, in the order of the modes. */
        property(c, list, "nnvib:wavenumbers", "harmonic wavenumbers of all modes, negative = imaginary", 1,
                 (size_t)nm, "cm-1", "xsd:double", numbers(c, v->frequencies, (size_t)nm, 1, "%.6f", 0));
        if (v->ir_intensities)
            property(c, list, "nnvib:irIntensities", "IR intensities (double harmonic)", 1, (size_t)nm, "km/mol",
                     "xsd:double", numbers(c, v->ir_intensities, (size_t)nm, 1, "%.6f", 0));
        if (v->reduced_masses)
            property(c, list, "nnvib:reducedMasses", "reduced masses", 1, (size_t)nm, "u", "xsd:double",
                     numbers(c, v->reduced_masses, (size_t)nm, 1, "%.8f", 0));
        if (v->force_constants)
            property(c, list, "nnvib:forceConstants", "force constants", 1, (size_t)nm, "mdyn/A", "xsd:double",
                     numbers(c, v->force_constants, (size_t)nm, 1, "%.8f", 0));
    }
    if (r && r->has_charges && r->charges) {
        property(c, list, "nnvib:partialCharges", "atomic partial charges", 1, (size_t)s->n_atoms, "e",
                 "xsd:double", numbers(c, r->charges, (size_t)s->n_atoms, 1, "%.10f", 0));
        property(c, list, "nnvib:dipole", "dipole moment about the centre of mass", 1, 3, "e*A", "xsd:double",
                 numbers(c, r->dipole, 3, 1, "%.10f", 0));
    }
    if (t) {
        char num[16];
        /* Energies are corrections to the potential energy (eV); the dictRefs
         * avoid "ZPE", which Open Babel would take as the molecule's energy. */
        scalar(c, list, "nnvib:temperature", "temperature", "K", "%.6f", t->temperature);
        scalar(c, list, "nnvib:pressure", "pressure", "bar", "%.6f", t->pressure);
        snprintf(num, sizeof num, "%d", t->symmetry_number);
        property(c, list, "nnvib:symmetryNumber", "rotational symmetry number", 0, 1, NULL, "xsd:integer", num);
        scalar(c, list, "nnvib:zeroPointEnergy", "zero-point energy", "eV", "%.10f", t->zpe);
        scalar(c, list, "nnvib:internalEnergy", "internal energy U (incl. ZPE), correction to the potential energy",
               "eV", "%.10f", t->u);
        scalar(c, list, "nnvib:enthalpy", "enthalpy H = U + kT, correction to the potential energy", "eV", "%.10f",
               t->h);
        scalar(c, list, "nnvib:entropy", "entropy S", "eV/K", "%.12e", t->s);
        scalar(c, list, "nnvib:gibbsEnergy", "Gibbs energy G = H - TS, correction to the potential energy", "eV",
               "%.10f", t->g);
        scalar(c, list, "nnvib:heatCapacityCp", "heat capacity Cp", "eV/K", "%.12e", t->cp);
    }
}

/* Normal modes as in Molpro's XML: Jmol's reader clones the atom set read so
 * far for each <normalCoordinate>, so this must follow the </molecule>. */
static void add_vibrations(cml_ctx *c, xmlNodePtr root, const nnv_vib *v)
{
    xmlNodePtr vibs = child(c, root, c->molpro, "vibrations", NULL);
    size_t n3 = 3 * (size_t)v->n_atoms;
    attr(c, vibs, "moleculeRef", "m1");
    for (int k = 0; k < v->n_modes; k++) {
        const char *text = numbers(c, v->modes + (size_t)k * n3, n3, 1, "%.10f", 3);
        xmlNodePtr nc = child(c, vibs, c->molpro, "normalCoordinate", text);
        attrf(c, nc, "id", "mode%d", k + 1);
        attrf(c, nc, "wavenumber", "%.6f", v->frequencies[k]);
        attr(c, nc, "units", "inverseCentimetre");
    }
}

/* The stick IR spectrum of the real modes for JSpecView, which reads the first
 * <spectrum> only; linked to the molecule by moleculeRef, not by a nested
 * <molecule> (Open Babel would read that as a second molecule). */
static void add_spectrum(cml_ctx *c, xmlNodePtr root, const nnv_vib *v, const char *title)
{
    xmlNodePtr sp = child(c, root, c->cml, "spectrum", NULL), peaks;
    int np = 0;
    attr(c, sp, "id", "ir1");
    attr(c, sp, "type", "infrared");
    attr(c, sp, "moleculeRef", "m1");
    attr(c, sp, "title", title[0] ? title : "computed IR spectrum");
    peaks = child(c, sp, c->cml, "peakList", NULL);
    for (int k = 0; k < v->n_modes; k++) {
        double x = v->frequencies[k], y = v->ir_intensities[k];
        xmlNodePtr pk;
        if (!(x > 0)) continue;
        while (k + 1 < v->n_modes && fabs(v->frequencies[k + 1] - x) <= PEAK_MERGE_CM1) y += v->ir_intensities[++k];
        pk = child(c, peaks, c->cml, "peak", NULL);
        attrf(c, pk, "id", "p%d", ++np);
        attrf(c, pk, "xValue", "%.6f", x);
        attr(c, pk, "xUnits", "cm-1");
        attrf(c, pk, "yValue", "%.6f", y);
        attr(c, pk, "yUnits", "km/mol");
    }
}

int nnv_cml_write(const char *path, const nnv_structure *s, const nnv_result *r, const nnv_vib *v,
                  const nnv_write_info *info, nnv_error *err)
{
    cml_ctx c;
    xmlDocPtr doc = NULL;
    xmlNodePtr root, meta, m, mol;
    xmlChar *text = NULL;
    af_file af = {NULL, NULL, NULL, 0};
    char title[TITLE_MAX], creator[TITLE_MAX], raw[TITLE_MAX];
    int *bonds = NULL, n_bonds = 0, size = 0, rc, has_ir;

    memset(&c, 0, sizeof c);
    if ((rc = out_check("CML writer", path, s, r, v, err)) != NNV_OK) return rc;
    xml_title(title, sizeof title, info && info->title ? info->title : s->comment);
    snprintf(raw, sizeof raw, "%s%s%s", info && info->program ? info->program : "nnvib",
             info && info->version ? " " : "", info && info->version ? info->version : "");
    xml_title(creator, sizeof creator, raw);
    if ((rc = bonds_guess(&bonds, &n_bonds, s->n_atoms, s->Z, s->xyz, err)) != NNV_OK) goto cleanup;

    doc = xmlNewDoc(BAD_CAST "1.0");
    root = doc ? xmlNewDocNode(doc, NULL, BAD_CAST "cml", NULL) : NULL;
    if (!root) {
        c.failed = 1;
        goto built;
    }
    xmlDocSetRootElement(doc, root);
    c.cml = xmlNewNs(root, BAD_CAST NS_CML, NULL);
    c.molpro = xmlNewNs(root, BAD_CAST NS_MOLPRO, BAD_CAST "molpro");
    if (!c.cml || !c.molpro || !xmlNewNs(root, BAD_CAST NS_ME, BAD_CAST "me") ||
        !xmlNewNs(root, BAD_CAST NS_NNVIB, BAD_CAST "nnvib") || !xmlNewNs(root, BAD_CAST NS_XSD, BAD_CAST "xsd") ||
        !xmlNewNs(root, BAD_CAST NS_DC, BAD_CAST "dc")) {
        c.failed = 1;
        goto built;
    }
    xmlSetNs(root, c.cml);
    meta = child(&c, root, c.cml, "metadataList", NULL);
    m = child(&c, meta, c.cml, "metadata", NULL);
    attr(&c, m, "name", "dc:creator");
    attr(&c, m, "content", creator);
    if (title[0]) {
        m = child(&c, meta, c.cml, "metadata", NULL);
        attr(&c, m, "name", "dc:title");
        attr(&c, m, "content", title);
    }
    mol = add_molecule(&c, root, s, bonds, n_bonds, title);
    add_properties(&c, mol, s, r, v, info ? info->thermo : NULL);
    /* JSpecView fails on an empty peakList: a spectrum needs a real mode. */
    has_ir = 0;
    for (int k = 0; v && v->ir_intensities && k < v->n_modes; k++) has_ir |= v->frequencies[k] > 0;
    if (v && v->n_modes > 0) add_vibrations(&c, root, v);
    if (has_ir) add_spectrum(&c, root, v, title);
built:
    if (c.failed) {
        rc = nnv_error_set(err, NNV_ENOMEM, "CML writer (%s): out of memory building the document", path);
        goto cleanup;
    }
    xmlDocDumpFormatMemoryEnc(doc, &text, &size, "UTF-8", 1);
    if (!text || size <= 0) {
        rc = nnv_error_set(err, NNV_ENOMEM, "CML writer (%s): libxml2 could not serialise the document", path);
        goto cleanup;
    }
    if ((rc = af_open(&af, path, err)) != NNV_OK) goto cleanup;
    fwrite(text, 1, (size_t)size, af.f);
    rc = af_commit(&af, err);
cleanup:
    af_discard(&af);
    xmlFree(text);
    xmlFreeDoc(doc);
    free(c.buf);
    free(bonds);
    return rc;
}
