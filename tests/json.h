/* A small strict JSON reader for the tests (RFC 8259, no extensions): parses a
 * document into a tree; numbers go through strtod so every double round-trips. */
#ifndef NNVIB_TEST_JSON_H
#define NNVIB_TEST_JSON_H

#include <stddef.h>

/* Deeper nesting is rejected rather than risking the stack on hostile input. */
#define JSON_MAX_DEPTH 200

typedef enum json_type {
    JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT
} json_type;

typedef struct json_value json_value;
struct json_value {
    json_type type;
    int boolean;         /* JSON_BOOL */
    double number;       /* JSON_NUMBER */
    char *string;        /* JSON_STRING: UTF-8, NUL-terminated (may contain \0 via \u0000) */
    size_t string_len;
    size_t count;        /* JSON_ARRAY / JSON_OBJECT: number of items */
    json_value **items;  /* the elements, or the members' values */
    char **keys;         /* JSON_OBJECT: the members' names, in document order */
};

/* Parse text[0..len) as one JSON document (surrounding whitespace allowed).
 * Returns NULL on error and writes "byte offset N: reason" into errbuf. */
json_value *json_parse(const char *text, size_t len, char *errbuf, size_t errlen);

/* Read and parse a whole file; on error errbuf names the file. */
json_value *json_parse_file(const char *path, char *errbuf, size_t errlen);

/* Free a tree (NULL is fine). */
void json_free(json_value *v);

/* Member `key` of an object (the first one if duplicated); NULL if v is not an
 * object or has no such member. */
const json_value *json_get(const json_value *obj, const char *key);

/* Number of elements (array) or members (object); 0 for anything else or NULL. */
size_t json_len(const json_value *v);

/* Element i of an array or value of member i of an object; NULL when out of range. */
const json_value *json_at(const json_value *v, size_t i);

/* Name of member i of an object; NULL when not an object or out of range. */
const char *json_key_at(const json_value *obj, size_t i);

int json_is_number(const json_value *v);
int json_is_array(const json_value *v);
int json_is_object(const json_value *v);

/* The number, or NaN when v is not a number. */
double json_num(const json_value *v);

/* The boolean (false/true -> 0/1), or -1 when v is not a boolean. */
int json_bool(const json_value *v);

/* The string, or NULL when v is not a string. */
const char *json_str(const json_value *v);

/* All numbers of a (possibly nested, possibly ragged) array in document order,
 * as a malloc'd array; *n gets the count. NULL (and *n = 0) if v is not an
 * array, contains a non-number leaf, or memory runs out. An empty array gives
 * a non-NULL 1-element allocation with *n = 0. */
double *json_num_flatten(const json_value *v, size_t *n);

/* A rectangular rows x cols array of arrays of numbers as a malloc'd row-major
 * array. NULL if v has another shape. An empty outer array gives rows = cols = 0. */
double *json_num_matrix(const json_value *v, size_t *rows, size_t *cols);

#endif
