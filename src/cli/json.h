/* The one JSON writer of the programs: every JSON report (the analysis,
 * compare, batch lines, smoothness, md) writes its numbers and strings here,
 * so every output parses and every double reads back exactly. Each report
 * still lays out its own whitespace. Program code, not part of libnnvib. */
#ifndef NNVIB_CLI_JSON_H
#define NNVIB_CLI_JSON_H

#include <stdio.h>

/** A number as %.17g (reads back to the same double), null when not finite. */
void json_num(FILE *f, double x);
/** A string with escapes, control characters as \u00XX and each byte that
 *  is not part of valid UTF-8 as U+FFFD, so the output always parses (NULL = ""). */
void json_str(FILE *f, const char *s);
/** true or false. */
void json_bool(FILE *f, int b);
/** [x0, x1, ...] of n numbers, separated by ", ". */
void json_vec(FILE *f, const double *x, int n);
/** [i0, i1, ...] of n integers. */
void json_ivec(FILE *f, const int *x, int n);
/** A key of an object: sep (e.g. ", " or ",\n  ", "" for the first), the
 *  key as a JSON string, then ": ". */
void json_key(FILE *f, const char *sep, const char *key);
/** json_key, then the number x (json_num). */
void json_key_num(FILE *f, const char *sep, const char *key, double x);

/** A key and its number, for a flat run of them (json_fields). */
typedef struct json_field {
    const char *key;
    double value;
} json_field;
/** n key-number pairs, the first after sep, the others after ", ". */
void json_fields(FILE *f, const char *sep, const json_field *x, int n);

#endif
