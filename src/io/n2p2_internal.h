/* n2p2_internal.h: what the three files of the n2p2 importer share: the
 * conversion state (conv), the texts of the potential, and the steps that
 * n2p2.c runs in order (settings of input.nn, scaling.data, weights files). */
#ifndef NNVIB_N2P2_INTERNAL_H
#define NNVIB_N2P2_INTERNAL_H

#include "model/model_internal.h"
#include <nnvib/n2p2.h>

#define MAX_SF 4096
#define MAX_LAYERS 64
#define MAX_LAYER_SIZE 4096

/* n2p2's cutoff numbering (CutoffFunction::CutoffType). */
enum { CT_HARD = 0, CT_COS = 1, CT_TANHU = 2, CT_TANH = 3, CT_EXP = 4, CT_POLY1 = 5, CT_POLY2 = 6,
       CT_POLY3 = 7, CT_POLY4 = 8 };

/* n2p2's scaling types (SymFnc::ScalingType). */
enum { ST_NONE, ST_SCALE, ST_CENTER, ST_SCALECENTER, ST_SCALESIGMA };

/* One of the potential's texts, read whole; its lines are cut into C strings
 * in place as n2p2_next_line hands them out. */
typedef struct text_file {
    char *path; /* dir/name, as used in messages */
    char *buf;  /* the whole file and a NUL after it */
    size_t len; /* bytes in buf, without the final NUL */
} text_file;

typedef struct kw_entry {
    const char *key;
    char **arg;
    int n_arg;
    int line; /* 1-based */
} kw_entry;

typedef struct unit_hint {
    int line;     /* 0: none */
    char word[32];
} unit_hint;

typedef struct sf_in {
    int line, type, ec, e1, e2; /* element indices in ascending Z; e2 = -1 for radial */
    double eta, rs, rc, zeta, lambda;  /* as written in input.nn */
    double k_eta, k_rs, k_rc;          /* n2p2's internal (normalised) values, for sorting */
} sf_in;

typedef struct conv {
    const char *dir; /* the directory, or the caller's name for texts in memory */
    /* Texts in memory (nnv_n2p2_parse) when from_memory, else files in dir. */
    int from_memory;
    const char *mem_input, *mem_scaling;
    size_t mem_input_len, mem_scaling_len;
    const char *const *mem_weights;
    const size_t *mem_weights_len;
    int mem_n_weights;
    text_file in, sc;
    kw_entry *kw;
    int n_kw;
    unit_hint length_hint, energy_hint;
    /* settings */
    int normalize;
    double mean_energy, conv_energy, conv_length;
    int n_el;
    int Z[NNV_MAX_Z];
    double atom_energy[NNV_MAX_Z];
    int cutoff_n2p2, cutoff_ours, cutoff_line;
    double cutoff_alpha;
    int scaling;
    double smin, smax;
    int n_hidden;
    int nodes[MAX_LAYERS];
    int act[MAX_LAYERS + 1];
    char act_letter[MAX_LAYERS + 1];
    int normalize_nodes;
    sf_in *sf;      /* all SFs, grouped by element after sorting */
    int n_sf_total;
    int sf_begin[NNV_MAX_Z + 1];
    double length_factor, energy_factor; /* Å and eV per training unit */
    const char *length_source, *energy_source;
    nnv_warnings warn;
} conv;

/* ---- n2p2_text.c: the texts and their tokens ---- */

/* dir/name, malloc'd (free() it); NULL when out of memory. */
char *n2p2_join_path(const char *dir, const char *name);

/* One of the potential's texts, from its file or from memory. `e` is the
 * element index (ascending Z) for a weights file, -1 for the other two. */
int n2p2_load_text(conv *c, text_file *tf, const char *name, int e, nnv_error *err);
void n2p2_text_free(text_file *tf);
/* The next line of tf (c runs over tf->buf) as a C string cut in place; NULL
 * at the end. Its number is c->line. */
char *n2p2_next_line(text_file *tf, txt_cursor *c);
/* Split s in place at blanks into C strings (the settings keep pointers to
 * them); fills at most max pointers, returns how many tokens there are. */
int n2p2_split(char *s, char **tok, int max);
/* The whole token a finite number (txt_parse_number): 0, else -1. */
int n2p2_num(const char *s, double *v);
/* The whole token a decimal integer in [lo, hi] (txt_parse_long): 0, else -1. */
int n2p2_int(const char *s, long lo, long hi, int *v);
/* A token quoted for a message into q (TXT_QUOTE_SIZE bytes). */
const char *n2p2_quote(char *q, const char *s);

/* ---- n2p2_settings.c: input.nn ---- */

/* Read input.nn into c: keywords, type, normalisation, elements, cutoff,
 * symmetry functions (in n2p2's order), scaling mode, networks; the unit
 * hints of its comments. */
int n2p2_read_settings(conv *c, nnv_error *err);
void n2p2_free_settings(conv *c);

/* ---- n2p2_data.c: scaling.data and weights.NNN.data ---- */

/* The scaling of every symmetry function of p from scaling.data. */
int n2p2_read_scaling(conv *c, nnv_potential *p, nnv_error *err);
/* Element e's network of n_layers layers of sizes size[0..n_layers] from
 * its weights file. */
int n2p2_read_weights(conv *c, int e, nnv_network *net, int n_layers, const int *size, nnv_error *err);

#endif
