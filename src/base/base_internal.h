/* The base layer's internal interfaces (random numbers, atomic output files,
 * the text layer every reader stands on, structure allocation): shared by every
 * layer above, not installed, not exported. */
#ifndef NNVIB_BASE_INTERNAL_H
#define NNVIB_BASE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <nnvib.h>

/* ---- memory ----------------------------------------------------------------
 * FREE_ALL(a, b, ...): free() every pointer of the list (NULL is fine), so a
 * struct's _free function, or a function's cleanup, says what it owns in one
 * statement. */
void mem_free_all(void *const *ptrs, size_t n);
#define FREE_ALL(...) \
    mem_free_all((void *const[]){__VA_ARGS__}, sizeof((void *const[]){__VA_ARGS__}) / sizeof(void *))

/* printf-style argument checking where the compiler offers it; placed before
 * a function's declaration specifiers, definitions included. */
#if defined(__GNUC__)
#define PRINTF_LIKE(fmt, first) __attribute__((format(printf, fmt, first)))
#else
#define PRINTF_LIKE(fmt, first)
#endif

/* ---- random numbers ---------------------------------------------------------
 * splitmix64 (Steele, Lea & Flood, OOPSLA 2014): our own generator, so a seed
 * gives the same data set, initial weights and MD velocities on every libc.
 * Callers keep their own normal deviates: changing how one is drawn would
 * change committed data and weights. */
static inline uint64_t rng_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform in (0, 1) from 53 random bits, never 0 (safe under log). */
static inline double rng_open_unit(uint64_t *state)
{
    return ((double)(rng_splitmix64(state) >> 11) + 0.5) * 0x1.0p-53;
}

/* ---- atomic files (files.c) -------------------------------------------------
 * Output files are written under a temporary name in the target's folder and
 * renamed over the target only when complete, so a reader never sees half a
 * file and a failure leaves neither a partial file nor a temporary one (an
 * existing target stays as it was). Between af_open and af_commit write to
 * af->f; af_discard drops an unfinished file (no-op after af_commit). */
typedef struct af_file {
    FILE *f;
    char *tmp;        /* temporary path: the target (path with its symbolic links
                         resolved) and AF_SUFFIX; NULL when closed or direct */
    const char *path; /* the target as named (not copied), for messages */
    int direct;       /* a device, pipe or descriptor (/dev/stdout): written in place */
} af_file;

int af_open(af_file *af, const char *path, nnv_error *err);
int af_commit(af_file *af, nnv_error *err);
void af_discard(af_file *af);

/* ---- text input (text.c) ----------------------------------------------------
 * One way for every reader to take a file in, cut it into lines and tokens and
 * turn tokens into numbers, so that a number or a line means the same in an
 * XYZ file, a reference table, a JCAMP-DX spectrum, an n2p2 potential and a
 * training set. Text is a byte range that need not end in NUL. */

/* Each reader's cap on the bytes of one file (docs/limits.md): a mistaken path
 * (a device, a huge log) fails with a message instead of filling memory. */
#define TXT_MAX_XYZ ((size_t)1 << 30)      /* 10^6 atoms at ~1 KiB a line, or long trajectories */
#define TXT_MAX_EXTXYZ ((size_t)1 << 30)   /* training sets, uncompressed */
#define TXT_MAX_JCAMP ((size_t)64 << 20)   /* 10^7 compressed points; NIST files are kilobytes */
#define TXT_MAX_REFERENCE ((size_t)16 << 20) /* 20 000 bands (or a JCAMP-DX peak table) */
#define TXT_MAX_N2P2 ((size_t)64 << 20)    /* input.nn, scaling.data, weights.NNN.data each */

/* Read a whole file (regular file or pipe) into *buf (malloc'd, free() it),
 * followed by one NUL byte that *len does not count. A file longer than
 * max_bytes: NNV_EINPUT naming the file and the limit; cannot open or read:
 * NNV_EIO; NNV_ENOMEM. On failure *buf is NULL and *len 0. */
int txt_read_file(const char *path, size_t max_bytes, unsigned char **buf, size_t *len, nnv_error *err);
/* A check of a file's first bytes (at most TXT_HEAD_BYTES), run as soon as
 * they are read, so that a device or a wrong file fails at once instead of
 * after the cap (/dev/zero as a molecule or a potential). */
#define TXT_HEAD_BYTES ((size_t)65536)
typedef int (*txt_head_fn)(const unsigned char *b, size_t n, const char *path, nnv_error *err);
/* txt_read_file with head (NULL: none) checked on the first bytes. */
int txt_read_file_head(const char *path, size_t max_bytes, txt_head_fn head, unsigned char **buf, size_t *len,
                       nnv_error *err);
/* The head of a text file: NNV_EINPUT at a NUL byte ("not a text file"). */
int txt_head_text(const unsigned char *b, size_t n, const char *path, nnv_error *err);
/* A reader's parser of text in memory: fills what out points to, names the
 * text `name` in messages. */
typedef int (*txt_parse_fn)(void *out, const char *text, size_t len, const char *name, nnv_error *err);
/* Read path (at most max_bytes, as txt_read_file) and parse its text with
 * parse(out, text, len, path, err): every reader's read-from-a-file entry. */
int txt_parse_file(const char *path, size_t max_bytes, txt_head_fn head, txt_parse_fn parse, void *out,
                   nnv_error *err);

/* A piece of text: n bytes at s, not NUL-terminated. */
typedef struct txt_span {
    const char *s;
    size_t n;
} txt_span;

/* A span over a NUL-terminated string. */
txt_span txt_span_str(const char *s);
/* 1 when the span holds exactly the string word. */
int txt_span_is(txt_span t, const char *word);

/* Lines of a text, in order. */
typedef struct txt_cursor {
    const char *p, *end;
    int line;    /* number of the line last returned, 1-based; 0 before the first */
    int lone_cr; /* set: a CR alone also ends a line (JCAMP-DX from classic Mac OS) */
} txt_cursor;

void txt_cursor_init(txt_cursor *c, const char *text, size_t len);
/* The next line without its "\n" or "\r\n" (with lone_cr, also "\r"); 0 at the
 * end of the text (a final newline does not start an empty last line). */
int txt_next_line(txt_cursor *c, txt_span *line);

/* Blanks inside a line: space, tab, CR, VT, FF (C isspace without the newline). */
int txt_is_space(char ch);
txt_span txt_trim(txt_span t);
/* 1 when t is empty or only blanks. */
int txt_is_blank(txt_span t);
/* The next blank-separated token of *rest (consumed from *rest); 0 when none. */
int txt_next_token(txt_span *rest, txt_span *tok);
/* The end of the key=value pair of an extended XYZ comment that starts at s:
 * the first space or tab outside double quotes (the end of s when none). */
const char *txt_pair_end(const char *s);
/* Up to max blank-separated tokens of t into tok[]; returns how many there are,
 * counting at most max + 1, so a caller can tell "too many". */
int txt_split(txt_span t, txt_span *tok, int max);
/* Fields of t separated by the byte sep (TSV: '\t'), empty fields included;
 * fills up to max, returns how many there are (at most max + 1). */
int txt_split_char(txt_span t, char sep, txt_span *field, int max);

/* Results of the number parsers. */
enum { TXT_OK = 0, TXT_EBAD = -1, TXT_ERANGE = -2 };
/* Tokens longer than this are no number: no double needs more. */
#define TXT_NUMBER_MAX 255
/* The whole token a number in strtod syntax (no leading blank, nothing left
 * over): TXT_OK; not a number: TXT_EBAD; inf, nan or beyond the doubles
 * (overflow): TXT_ERANGE. An underflow is the nearest double (0 or subnormal). */
int txt_parse_number(txt_span t, double *v);
/* The whole token a decimal integer (optional sign, digits) in [min, max]:
 * TXT_OK; not an integer: TXT_EBAD; outside the range: TXT_ERANGE with *v the
 * nearer bound. */
int txt_parse_long(txt_span t, long min, long max, long *v);

/* Bytes a quoted token takes in a message, with its NUL. */
#define TXT_QUOTE_MAX 40
#define TXT_QUOTE_SIZE (TXT_QUOTE_MAX + 4)
/* A token fit for a one-line message into buf (TXT_QUOTE_SIZE bytes): control
 * bytes as '?', at most TXT_QUOTE_MAX bytes then "..."; returns buf. */
const char *txt_quote(char *buf, txt_span t);

/* ---- structures (structure.c) -------------------------------------------- */

#define ST_MAX_ATOMS 1000000

/* A structure of n_atoms with its comment copied from comment[0..comment_len);
 * Z, xyz and masses are allocated, not filled. NULL when out of memory. */
nnv_structure *st_alloc(int n_atoms, const char *comment, size_t comment_len);

/* The public atomic output file (include/nnvib/output.h): an af_file with its
 * own copy of the path, so writers of the layers above can name it. */
struct nnv_ofile {
    af_file af;
    char *path;
};

#endif
