/* Unit tests of the structure inputs: the text layer under every reader
 * (whole files, lines, tokens, numbers), the XYZ reader by frame and frame
 * after frame, and the structure API. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "testutil.h"

/* ==== the text layer (src/base/text.c) ====================================== */

static txt_span S(const char *s) { return txt_span_str(s); }

START_TEST(test_text_numbers)
{
    double v = -1;
    long l = -1;
    char big[300];
    /* One rule for every reader: strtod syntax, the whole token, finite. */
    ck_assert_int_eq(txt_parse_number(S("1.5"), &v), TXT_OK);
    ck_assert(v == 1.5);
    ck_assert_int_eq(txt_parse_number(S("-2e-3"), &v), TXT_OK);
    ck_assert(v == -2e-3);
    ck_assert_int_eq(txt_parse_number(S("0x1p3"), &v), TXT_OK);
    ck_assert(v == 8.0);
    ck_assert_int_eq(txt_parse_number(S("1e-400"), &v), TXT_OK); /* underflow: the nearest double */
    ck_assert(v == 0.0);
    ck_assert_int_eq(txt_parse_number(S(""), &v), TXT_EBAD);
    ck_assert_int_eq(txt_parse_number(S(" 1"), &v), TXT_EBAD); /* no leading blank */
    ck_assert_int_eq(txt_parse_number(S("1 "), &v), TXT_EBAD);
    ck_assert_int_eq(txt_parse_number(S("1.2.3"), &v), TXT_EBAD);
    ck_assert_int_eq(txt_parse_number(S("1,5"), &v), TXT_EBAD);
    ck_assert_int_eq(txt_parse_number(S("abc"), &v), TXT_EBAD);
    ck_assert_int_eq(txt_parse_number((txt_span){"1\0" "2", 3}, &v), TXT_EBAD);
    ck_assert_int_eq(txt_parse_number(S("1e999"), &v), TXT_ERANGE); /* overflow to inf */
    ck_assert_int_eq(txt_parse_number(S("-1e999"), &v), TXT_ERANGE);
    ck_assert_int_eq(txt_parse_number(S("inf"), &v), TXT_ERANGE);
    ck_assert_int_eq(txt_parse_number(S("-Infinity"), &v), TXT_ERANGE);
    ck_assert_int_eq(txt_parse_number(S("nan"), &v), TXT_ERANGE);
    ck_assert(v == 0.0); /* untouched on failure */
    /* Only part of a longer text: the span's end is the token's end. */
    ck_assert_int_eq(txt_parse_number((txt_span){"12345", 2}, &v), TXT_OK);
    ck_assert(v == 12.0);
    memset(big, '1', sizeof big);
    ck_assert_int_eq(txt_parse_number((txt_span){big, TXT_NUMBER_MAX}, &v), TXT_OK);
    ck_assert_int_eq(txt_parse_number((txt_span){big, TXT_NUMBER_MAX + 1}, &v), TXT_EBAD);

    ck_assert_int_eq(txt_parse_long(S("42"), 1, 100, &l), TXT_OK);
    ck_assert_int_eq(l, 42);
    ck_assert_int_eq(txt_parse_long(S("+7"), 1, 100, &l), TXT_OK);
    ck_assert_int_eq(l, 7);
    ck_assert_int_eq(txt_parse_long(S("-3"), -5, 5, &l), TXT_OK);
    ck_assert_int_eq(l, -3);
    ck_assert_int_eq(txt_parse_long(S("0"), 1, 100, &l), TXT_ERANGE);
    ck_assert_int_eq(l, 1); /* the nearer bound */
    ck_assert_int_eq(txt_parse_long(S("101"), 1, 100, &l), TXT_ERANGE);
    ck_assert_int_eq(l, 100);
    ck_assert_int_eq(txt_parse_long(S("99999999999999999999999"), 1, 100, &l), TXT_ERANGE);
    ck_assert_int_eq(l, 100);
    ck_assert_int_eq(txt_parse_long(S("-99999999999999999999999"), 1, 100, &l), TXT_ERANGE);
    ck_assert_int_eq(l, 1);
    ck_assert_int_eq(txt_parse_long(S("3.0"), 1, 100, &l), TXT_EBAD);
    ck_assert_int_eq(txt_parse_long(S("1e2"), 1, 1000, &l), TXT_EBAD);
    ck_assert_int_eq(txt_parse_long(S("0x10"), 0, 100, &l), TXT_EBAD);
    ck_assert_int_eq(txt_parse_long(S(" 5"), 0, 100, &l), TXT_EBAD);
    ck_assert_int_eq(txt_parse_long(S("- 5"), -9, 9, &l), TXT_EBAD);
    ck_assert_int_eq(txt_parse_long(S("+"), 0, 9, &l), TXT_EBAD);
    ck_assert_int_eq(txt_parse_long(S(""), 0, 9, &l), TXT_EBAD);
}
END_TEST

START_TEST(test_text_lines_tokens)
{
    static const char text[] = "a b\r\n\n  c\t d  e \nlast";
    txt_cursor c;
    txt_span l, tok[3], f[4];
    char q[TXT_QUOTE_SIZE], long_token[60];

    txt_cursor_init(&c, text, strlen(text));
    ck_assert(txt_next_line(&c, &l) && c.line == 1 && txt_span_is(l, "a b"));
    ck_assert(txt_next_line(&c, &l) && c.line == 2 && l.n == 0 && txt_is_blank(l));
    ck_assert(txt_next_line(&c, &l) && c.line == 3 && !txt_is_blank(l));
    ck_assert(txt_span_is(txt_trim(l), "c\t d  e"));
    /* Up to max tokens, counting one more so that "too many" shows. */
    ck_assert_int_eq(txt_split(l, tok, 3), 3);
    ck_assert(txt_span_is(tok[0], "c") && txt_span_is(tok[1], "d") && txt_span_is(tok[2], "e"));
    ck_assert_int_eq(txt_split(l, tok, 2), 3);
    ck_assert_int_eq(txt_split(l, NULL, 0), 1);
    ck_assert(txt_next_line(&c, &l) && c.line == 4 && txt_span_is(l, "last"));
    ck_assert(!txt_next_line(&c, &l));
    ck_assert_int_eq(c.line, 4);

    /* A final newline does not start an empty line; an empty text has none. */
    txt_cursor_init(&c, "x\n", 2);
    ck_assert(txt_next_line(&c, &l) && !txt_next_line(&c, &l));
    txt_cursor_init(&c, "", 0);
    ck_assert(!txt_next_line(&c, &l));
    /* JCAMP-DX: a CR alone ends a line too, CRLF once. */
    txt_cursor_init(&c, "a\rb\r\nc\n\rd", 9);
    c.lone_cr = 1;
    ck_assert(txt_next_line(&c, &l) && txt_span_is(l, "a"));
    ck_assert(txt_next_line(&c, &l) && txt_span_is(l, "b"));
    ck_assert(txt_next_line(&c, &l) && txt_span_is(l, "c"));
    ck_assert(txt_next_line(&c, &l) && l.n == 0);
    ck_assert(txt_next_line(&c, &l) && txt_span_is(l, "d") && c.line == 5);

    /* TSV: empty fields count. */
    ck_assert_int_eq(txt_split_char(S("a\t\tb\t"), '\t', f, 4), 4);
    ck_assert(txt_span_is(f[0], "a") && f[1].n == 0 && txt_span_is(f[2], "b") && f[3].n == 0);
    ck_assert_int_eq(txt_split_char(S("a\tb\tc"), '\t', f, 2), 3);
    ck_assert_int_eq(txt_split_char(S(""), '\t', f, 4), 1);

    /* Quoting for messages: control bytes shown as '?', long tokens cut. */
    ck_assert_str_eq(txt_quote(q, S("ab\x01\tc\x7f")), "ab??c?");
    memset(long_token, 'x', sizeof long_token);
    txt_quote(q, (txt_span){long_token, sizeof long_token});
    ck_assert_int_eq((int)strlen(q), TXT_QUOTE_MAX + 3);
    ck_assert_str_eq(q + TXT_QUOTE_MAX, "...");
    ck_assert_str_eq(txt_quote(q, (txt_span){long_token, TXT_QUOTE_MAX}), q); /* exactly the cap: no "..." */
    ck_assert_int_eq((int)strlen(q), TXT_QUOTE_MAX);
}
END_TEST

START_TEST(test_text_read_file)
{
    char dir[] = "/tmp/nnvib-test-text-XXXXXX", path[128];
    unsigned char *buf = (unsigned char *)"not touched";
    size_t len = 7;
    nnv_error err = {0, ""};
    FILE *f;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/hundred.txt", dir);
    ck_assert_ptr_nonnull(f = fopen(path, "wb"));
    for (int i = 0; i < 100; i++) fputc('a' + i % 26, f);
    ck_assert_int_eq(fclose(f), 0);

    /* Exactly the cap is allowed, and the text ends in a NUL it does not count. */
    ck_assert_int_eq(txt_read_file(path, 100, &buf, &len, &err), NNV_OK);
    ck_assert_int_eq((int)len, 100);
    ck_assert(buf[0] == 'a' && buf[99] == 'a' + 99 % 26 && buf[100] == '\0');
    free(buf);
    /* One byte more than the cap: bad input naming the file and the limit. */
    ck_assert_int_eq(txt_read_file(path, 99, &buf, &len, &err), NNV_EINPUT);
    ck_assert_ptr_null(buf);
    ck_assert_int_eq((int)len, 0);
    ck_assert_msg(strstr(err.message, path) && strstr(err.message, "99 bytes"), "%s", err.message);
    /* A device is read in chunks and stopped at the cap: never to the end. */
    ck_assert_int_eq(txt_read_file("/dev/zero", (size_t)1 << 20, &buf, &len, &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "/dev/zero") && strstr(err.message, "1 MiB"), "%s", err.message);
    /* An empty file is read, as an empty text. */
    ck_assert_int_eq(txt_read_file("/dev/null", 10, &buf, &len, &err), NNV_OK);
    ck_assert(len == 0 && buf && buf[0] == '\0');
    free(buf);
    ck_assert_int_eq(txt_read_file(dir, 10, &buf, &len, &err), NNV_EIO); /* "read error" once */
    ck_assert_msg(strstr(err.message, "a folder, not a file"), "%s", err.message);
    ck_assert_int_eq(txt_read_file("/nonexistent/x.txt", 10, &buf, &len, &err), NNV_EIO);
    ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/x.txt"));
    /* The readers go through the same door, each with its cap; a text
     * reader stops at the first NUL byte of the first chunk, and the weights
     * reader at a wrong magic, so /dev/zero fails at once, not at the cap. */
    {
        nnv_jcamp_spectrum *sp = NULL;
        nnv_structure *st = NULL;
        nnv_potential *pot = NULL;
        nnv_reference *ref = NULL;
        ck_assert_int_eq(nnv_jcamp_read(&sp, "/dev/zero", &err), NNV_EINPUT);
        ck_assert_str_eq(err.message, "/dev/zero: byte offset 0: a NUL byte: not a text file");
        ck_assert_int_eq(nnv_structure_read_xyz(&st, "/dev/zero", 0, &err), NNV_EINPUT);
        ck_assert_str_eq(err.message, "/dev/zero: byte offset 0: a NUL byte: not a text file");
        ck_assert_int_eq(nnv_reference_read(&ref, "/dev/zero", &err), NNV_EINPUT);
        ck_assert_msg(strstr(err.message, "not a text file"), "%s", err.message);
        ck_assert_int_eq(nnv_potential_read(&pot, "/dev/zero", &err), NNV_EINPUT);
        ck_assert_msg(strstr(err.message, "field 'magic'"), "%s", err.message);
        ck_assert_ptr_null(st);
        ck_assert_ptr_null(pot);
    }
    /* A NUL byte inside a short text file is found by the same check. */
    ck_assert_ptr_nonnull(f = fopen(path, "wb"));
    fputs("1\nc\nH 0 0", f);
    fputc(0, f);
    fputs(" 0\n", f);
    ck_assert_int_eq(fclose(f), 0);
    {
        nnv_structure *st = NULL;
        ck_assert_int_eq(nnv_structure_read_xyz(&st, path, 0, &err), NNV_EINPUT);
        ck_assert_msg(strstr(err.message, "byte offset 9: a NUL byte"), "%s", err.message);
    }
    unlink(path);
    rmdir(dir);
}
END_TEST

/* ==== XYZ ==================================================================== */

/* Parses text from an exact-size heap copy with no NUL after it, so that
 * AddressSanitizer catches any read past the end. */
static int parse_xyz(nnv_structure **s, const char *text, int frame, nnv_error *err)
{
    size_t n = strlen(text);
    char *copy = malloc(n ? n : 1);
    int rc;
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, text, n);
    rc = nnv_structure_parse_xyz(s, copy, n, "mol.xyz", frame, err);
    free(copy);
    return rc;
}

START_TEST(test_xyz_good)
{
    nnv_structure *s = NULL;
    nnv_error err = {0};
    int rc = parse_xyz(&s, "3\nwater\nO 0 0 0.1173\nh 0 0.7572 -0.4692\nH 0 -0.7572 -0.4692\n", 0, &err);
    ck_assert_msg(rc == NNV_OK, "%s", err.message);
    ck_assert_int_eq(s->n_atoms, 3);
    ck_assert_int_eq(s->Z[0], 8);
    ck_assert_int_eq(s->Z[1], 1);
    ck_assert_int_eq(s->Z[2], 1);
    ck_assert(s->xyz[2] == 0.1173 && s->xyz[4] == 0.7572 && s->xyz[8] == -0.4692);
    ck_assert(s->masses[0] == 15.99491461957 && s->masses[1] == 1.00782503223);
    ck_assert_str_eq(s->comment, "water");
    nnv_structure_free(s);

    /* Atomic numbers, mixed case, CRLF, tabs, padded count, no final newline. */
    rc = parse_xyz(&s, "  4 \r\n comment with spaces \r\n8\t0.0\t0.0\t0.0\r\ncl 1.5 0 0\r\nCL 0 1.5 0\r\n"
                       "Cl 0 0 1.5e0",
                   0, &err);
    ck_assert_msg(rc == NNV_OK, "%s", err.message);
    ck_assert_int_eq(s->n_atoms, 4);
    ck_assert(s->Z[0] == 8 && s->Z[1] == 17 && s->Z[2] == 17 && s->Z[3] == 17);
    ck_assert(s->xyz[9 + 2] == 1.5);
    ck_assert_str_eq(s->comment, " comment with spaces ");
    ck_assert(s->masses[1] == 34.968852682);
    nnv_structure_free(s);

    /* Extended XYZ: key=value comment and extra columns; trailing blank lines. */
    const char *ext = "2\nLattice=\"10 0 0 0 10 0 0 0 10\" Properties=species:S:1:pos:R:3:forces:R:3 "
                      "energy=-1.5 pbc=\"F F F\"\nC 0 0 0 0.1 0.2 0.3\nO 0 0 1.128 -0.1 -0.2 -0.3\n\n  \n\n";
    rc = parse_xyz(&s, ext, 0, &err);
    ck_assert_msg(rc == NNV_OK, "%s", err.message);
    ck_assert(s->n_atoms == 2 && s->Z[0] == 6 && s->Z[1] == 8 && s->xyz[5] == 1.128);
    ck_assert_ptr_nonnull(strstr(s->comment, "Properties=species:S:1:pos:R:3"));
    nnv_structure_free(s);
}
END_TEST

START_TEST(test_xyz_frames)
{
    const char *traj = "1\nframe zero\nH 0 0 0\n2\nframe one\nH 0 0 0\nH 0 0 0.74\n\n1\nframe two\nHe 1 2 3\n";
    nnv_structure *s = NULL;
    nnv_error err = {0};
    ck_assert_int_eq(parse_xyz(&s, traj, 1, &err), NNV_OK);
    ck_assert_int_eq(s->n_atoms, 2);
    ck_assert_str_eq(s->comment, "frame one");
    ck_assert(s->xyz[5] == 0.74);
    nnv_structure_free(s);
    ck_assert_int_eq(parse_xyz(&s, traj, 2, &err), NNV_OK);
    ck_assert(s->n_atoms == 1 && s->Z[0] == 2 && s->xyz[2] == 3.0);
    nnv_structure_free(s);
    ck_assert_int_eq(parse_xyz(&s, traj, 0, &err), NNV_OK);
    ck_assert_str_eq(s->comment, "frame zero");
    nnv_structure_free(s);
    s = NULL;
    ck_assert_int_eq(parse_xyz(&s, traj, 3, &err), NNV_EINPUT);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(err.message, "frame 4 ") && strstr(err.message, "3 frames"), "%s", err.message);
    ck_assert_int_eq(parse_xyz(&s, traj, 7, &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "frame 8 ") && strstr(err.message, "3 frames"), "%s", err.message);
    ck_assert_int_ne(parse_xyz(&s, traj, -1, &err), NNV_OK);
}
END_TEST

/* One bad input: rejected as bad input, and the message holds every needle. */
static void xyz_bad(const char *text, int frame, const char *n1, const char *n2)
{
    nnv_structure *s = NULL;
    nnv_error err = {0};
    int rc = parse_xyz(&s, text, frame, &err);
    ck_assert_msg(rc == NNV_EINPUT, "accepted (rc %d): %s", rc, text);
    ck_assert_ptr_null(s);
    ck_assert_msg(strncmp(err.message, "mol.xyz: ", 9) == 0, "no file name: %s", err.message);
    ck_assert_msg(strchr(err.message, '\n') == NULL, "not one line: %s", err.message);
    ck_assert_msg(!n1 || strstr(err.message, n1), "'%s' not in: %s", n1, err.message);
    ck_assert_msg(!n2 || strstr(err.message, n2), "'%s' not in: %s", n2, err.message);
}

START_TEST(test_xyz_bad)
{
    nnv_structure *s = NULL;
    nnv_error err = {0};
    /* The brief's example, word for word. */
    ck_assert_int_eq(parse_xyz(&s, "3\nc\nH 0 0 0\nH 0 1.2.3 0\nH 1.2.3 0 0\n", 0, &err), NNV_EINPUT);
    ck_assert_int_eq(parse_xyz(&s, "2\nc\nH 0 0 0\nH 1.2.3 0 0\n", 0, &err), NNV_EINPUT);
    ck_assert_str_eq(err.message, "mol.xyz: line 4: field 'x' of atom 2: not a number: \"1.2.3\"");

    xyz_bad("", 0, "line 1", "empty");
    xyz_bad(" \n\n", 0, "line 1", "empty");
    xyz_bad("3\nc\nH 0 0 0\nH 0 0 1\n", 0, "line 5", "2 of 3 atoms");  /* too few lines */
    xyz_bad("3\nc\nH 0 0 0\nH 0 0 1", 0, "line 5", "2 of 3 atoms");
    xyz_bad("2\nc\nH 0 0 0\n\nH 0 0 1\n", 0, "line 4", "atom 2");        /* blank line inside */
    xyz_bad("abc\nc\nH 0 0 0\n", 0, "line 1", "\"abc\"");
    xyz_bad("-3\nc\nH 0 0 0\n", 0, "line 1", "\"-3\"");
    xyz_bad("0\nc\n", 0, "line 1", "\"0\"");
    xyz_bad("3.0\nc\nH 0 0 0\n", 0, "line 1", "\"3.0\"");
    xyz_bad("3 atoms\nc\nH 0 0 0\n", 0, "line 1", NULL);
    xyz_bad("99999999999999999999\nc\n", 0, "line 1", "1000000");
    xyz_bad("2000000\nc\nH 0 0 0\n", 0, "line 1", "1000000");
    xyz_bad("1\n", 0, "line 2", "comment");
    xyz_bad("2\nc\nH 0 0 0\nXx 0 0 1\n", 0, "line 4", "\"Xx\"");
    xyz_bad("2\nc\nH 0 0 0\n119 0 0 1\n", 0, "line 4", "\"119\"");
    xyz_bad("2\nc\nH 0 0 0\nH 0 0\n", 0, "line 4", "atom 2");
    xyz_bad("2\nc\nH 0 0 0\nH 0 zz 1\n", 0, "line 4", "field 'y' of atom 2: not a number: \"zz\"");
    xyz_bad("2\nc\nH 0 0 0\nH 0 0 1,5\n", 0, "line 4", "field 'z'");
    xyz_bad("2\nc\nH 0 0 0\nH 0 0 nan\n", 0, "line 4", "field 'z' of atom 2: not a finite number");
    xyz_bad("2\nc\nH 0 0 0\nH inf 0 0\n", 0, "line 4", "field 'x'");
    xyz_bad("2\nc\nH 0 0 0\nH -Infinity 0 0\n", 0, "line 4", "field 'x'");
    xyz_bad("2\nc\nH 0 0 0\nH 1e999 0 0\n", 0, "line 4", "field 'x'");
    /* Far from the origin: refused, not rounded (1e15 Å holds only 0.125 Å). */
    xyz_bad("2\nc\nH 1e15 0 0\nH 1e15 0 0.74\n", 0, "line 3", "field 'x' of atom 1: 1e15 A is too far from the origin");
    xyz_bad("1\nc\nH 0 0 -1e300\n", 0, "line 3", "field 'z'");
    xyz_bad("2\nc\nH 1 1 1\nO 1 1 1\n", 0, "atoms 1 (line 3) and 2 (line 4)", "0 Å");
    xyz_bad("3\nc\nH 0 0 0\nO 5 0 0\nH 5.03 0.04 0\n", 0, "atoms 2 (line 4) and 3 (line 5)", "0.05 Å");
    xyz_bad("2\nc\nH 0 0 0\nH 0 0 1\nH 0 0 2\n", 0, "line 5", "more atoms");  /* count too small */
    xyz_bad("1\nc\nH 0 0 0\n1\nc\n", 1, "line 6", "0 of 1");             /* frame 1 is cut short */
    /* A frame before the one asked for is broken. */
    xyz_bad("1\nc\nH 0 0 0\nx\nc\nH 0 0 0\n1\nc\nH 0 0 0\n", 2, "line 4", "frame 2");
}
END_TEST

START_TEST(test_xyz_properties)
{
    nnv_structure *s = NULL;
    nnv_error err = {0};
    /* species and pos anywhere, other columns skipped by their widths:
     * Z:I:1 before pos was once read as x. */
    ck_assert_int_eq(parse_xyz(&s, "2\nProperties=species:S:1:Z:I:1:pos:R:3 pbc=\"F F F\"\n"
                                    "O 8 0.5 1.5 2.5\nH 1 0.5 1.5 3.5\n", 0, &err), NNV_OK);
    ck_assert_int_eq(s->Z[0], 8);
    ck_assert(s->xyz[0] == 0.5 && s->xyz[1] == 1.5 && s->xyz[2] == 2.5 && s->xyz[5] == 3.5);
    nnv_structure_free(s);
    s = NULL;
    /* pos first, quoted value, lower-case key, a vector column between. */
    ck_assert_int_eq(parse_xyz(&s, "1\nenergy=1 properties=\"pos:R:3:forces:R:3:species:S:1\"\n"
                                    "-1 2 3 9 9 9 N\n", 0, &err), NNV_OK);
    ck_assert_int_eq(s->Z[0], 7);
    ck_assert(s->xyz[0] == -1 && s->xyz[1] == 2 && s->xyz[2] == 3);
    nnv_structure_free(s);
    s = NULL;
    /* Types checked, widths honoured, the cell refused. */
    xyz_bad("1\nProperties=species:S:1:pos:I:3\nH 0 0 0\n", 0, "line 2", "pos must be R:3");
    xyz_bad("1\nProperties=species:R:1:pos:R:3\nH 0 0 0\n", 0, "line 2", "species must be S:1");
    xyz_bad("1\nProperties=species:S:1:pos:R:3:Z:X:1\nH 0 0 0 1\n", 0, "line 2", "not S, R, I or L");
    xyz_bad("1\nProperties=species:S:1:Z:I\nH 0 0 0\n", 0, "line 2", "Properties");
    xyz_bad("1\nProperties=species:S:1:Z:I:1\nH 1\n", 0, "line 2", "no pos column");
    xyz_bad("1\nProperties=species:S:1:Z:I:1:pos:R:3\nH 0 0 0\n", 0, "line 3", "4 fields where Properties= declares 5");
    xyz_bad("1\nProperties=species:S:1:pos:R:3\nH 0 0 0 7\n", 0, "line 3", "more than 4 fields");
    xyz_bad("1\nLattice=\"10 0 0 0 10 0 0 0 10\" Properties=species:S:1:pos:R:3\nH 0 0 0\n", 0, "line 2",
            "periodic systems are not supported yet");
    xyz_bad("1\nLattice=\"10 0 0 0 10 0 0 0 10\" pbc=\"F T F\"\nH 0 0 0\n", 0, "line 2", "pbc=\"F T F\"");
    xyz_bad("1\npbc=\"T T T\"\nH 0 0 0\n", 0, "line 2", "periodic systems are not supported yet");
    /* A plain comment with words and '=' is still a plain XYZ file. */
    ck_assert_int_eq(parse_xyz(&s, "1\nwater | type=re = x \"unclosed\nH 0 0 0 extra\n", 0, &err), NNV_OK);
    nnv_structure_free(s);
}
END_TEST

START_TEST(test_xyz_many_atoms)
{
    /* 20^3 atoms on a 1 Å grid: no close pair, and the check stays fast;
     * then one atom moved next to another far away in the list. */
    int n = 8000;
    size_t cap = (size_t)n * 40 + 64, len = 0;
    char *text = malloc(cap);
    nnv_structure *s = NULL;
    nnv_error err = {0};
    len += (size_t)snprintf(text + len, cap - len, "%d\ngrid\n", n);
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, cap - len, "Ar %d %d %d\n", i % 20, (i / 20) % 20, i / 400);
    ck_assert_int_eq(nnv_structure_parse_xyz(&s, text, len, "grid.xyz", 0, &err), NNV_OK);
    ck_assert_int_eq(s->n_atoms, n);
    nnv_structure_free(s);
    /* Atom 7999 (line 8001) is at (19,19,19); put atom 8000 0.06 Å from atom 2 (1,0,0). */
    char *last = text + len - 1;
    while (last > text && last[-1] != '\n') last--;
    len = (size_t)(last - text);
    len += (size_t)snprintf(text + len, cap - len, "Ar 1.06 0 0\n");
    ck_assert_int_eq(nnv_structure_parse_xyz(&s, text, len, "grid.xyz", 0, &err), NNV_EINPUT);
    ck_assert_msg(strstr(err.message, "atoms 2 (line 4) and 8000 (line 8002)") && strstr(err.message, "0.06"),
                  "%s", err.message);
    free(text);
}
END_TEST

START_TEST(test_xyz_missing_element_file)
{
    char path[4096];
    nnv_structure *s = NULL;
    nnv_error err = {0};
    snprintf(path, sizeof path, "%s/conformance/invalid/missing_element.xyz", tu_shared_dir());
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "test_xyz: SKIP missing_element.xyz: %s not found (set NNVIB_SHARED)\n", path);
        return;
    }
    /* Valid XYZ: the element check belongs to the model, not the reader. */
    ck_assert_msg(nnv_structure_read_xyz(&s, path, 0, &err) == NNV_OK, "%s", err.message);
    ck_assert_int_eq(s->n_atoms, 4);
    ck_assert_int_eq(s->Z[3], 16);
    ck_assert(s->xyz[3 * 3 + 2] == 4.0014586905);
    nnv_structure_free(s);
    ck_assert_int_eq(nnv_structure_read_xyz(&s, "/nonexistent/x.xyz", 0, &err), NNV_EIO);
    ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/x.xyz"));
}
END_TEST

START_TEST(test_structure_api)
{
    int Z[2] = {8, 1};
    double xyz[6] = {0, 0, 0, 1.0, 0, 0};
    nnv_structure *s = NULL, *c = NULL;
    nnv_error err = {0};
    double com[3];
    ck_assert_int_eq(nnv_structure_new(&s, 2, Z, xyz, &err), NNV_OK);
    ck_assert_str_eq(s->comment, "");
    ck_assert(s->masses[0] == 15.99491461957 && s->masses[1] == 1.00782503223);
    nnv_structure_com(s, com);
    ck_assert(tu_close(com[0], 1.00782503223 / (15.99491461957 + 1.00782503223), 1e-15, 0));
    ck_assert(com[1] == 0.0 && com[2] == 0.0);

    ck_assert_int_eq(nnv_structure_set_mass(s, 1, 2.01410177812, &err), NNV_OK);
    nnv_structure_com(s, com);
    ck_assert(tu_close(com[0], 2.01410177812 / (15.99491461957 + 2.01410177812), 1e-15, 0));
    ck_assert_int_ne(nnv_structure_set_mass(s, 2, 1.0, &err), NNV_OK);
    ck_assert_int_ne(nnv_structure_set_mass(s, -1, 1.0, &err), NNV_OK);
    ck_assert_int_ne(nnv_structure_set_mass(s, 0, 0.0, &err), NNV_OK);
    ck_assert_int_ne(nnv_structure_set_mass(s, 0, -1.0, &err), NNV_OK);
    ck_assert_int_ne(nnv_structure_set_mass(s, 0, NAN, &err), NNV_OK);
    ck_assert_int_ne(nnv_structure_set_mass(s, 0, INFINITY, &err), NNV_OK);
    ck_assert(s->masses[0] == 15.99491461957);

    ck_assert_int_eq(nnv_structure_copy(&c, s, &err), NNV_OK);
    ck_assert(c != s && c->Z != s->Z && c->masses[1] == 2.01410177812 && c->xyz[3] == 1.0);
    nnv_structure_free(c);
    nnv_structure_free(s);
    nnv_structure_free(NULL);

    Z[1] = 119;
    ck_assert_int_ne(nnv_structure_new(&s, 2, Z, xyz, &err), NNV_OK);
    Z[1] = 1;
    xyz[4] = NAN;
    ck_assert_int_ne(nnv_structure_new(&s, 2, Z, xyz, &err), NNV_OK);
    ck_assert_int_ne(nnv_structure_new(&s, 0, Z, xyz, &err), NNV_OK);
}
END_TEST

/* ==== the XYZ frame iterator ==================================================== */

START_TEST(test_xyz_reader)
{
    /* Frame 0 good; frame 1 a bad coordinate (fails alone); frame 2 good
     * after blank lines; frame 3 atoms too close; frame 4 a count too large
     * to be real; frame 5 good; then a count line that is no number. */
    static const char text[] = "2\nzero\nO 0 0 0\nH 0 0 1\n"        /* lines 1-4 */
                               "1\none\nH 0 x 0\n"                  /* lines 5-7 */
                               "\n\n1\ntwo\nHe 1 2 3\n"             /* lines 8-12 */
                               "2\nthree\nH 0 0 0\nH 0 0 0.05\n"    /* lines 13-16 */
                               "2000000\nfour\n"                    /* lines 17-18 */
                               "1\nfive\nNe 0 0 0\n"                /* lines 19-21: skipped with frame 4 */
                               "x\nsix\n";                          /* lines 22-23 */
    nnv_xyz_reader *r = NULL;
    nnv_structure *s = NULL;
    nnv_error err = {0, ""};
    ck_assert_int_eq(nnv_xyz_open_memory(&r, text, strlen(text), "traj.xyz", &err), NNV_OK);
    ck_assert_int_eq(nnv_xyz_frame(r), -1);

    ck_assert_int_eq(nnv_xyz_next(r, &s, &err), NNV_OK);
    ck_assert(s && s->n_atoms == 2 && nnv_xyz_frame(r) == 0);
    ck_assert_str_eq(s->comment, "zero");
    nnv_structure_free(s);

    ck_assert_int_eq(nnv_xyz_next(r, &s, &err), NNV_EINPUT);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(nnv_xyz_frame(r), 1);
    ck_assert_str_eq(err.message, "traj.xyz: line 7: field 'y' of atom 1 of frame 2: not a number: \"x\"");

    ck_assert_int_eq(nnv_xyz_next(r, &s, &err), NNV_OK);
    ck_assert(s && s->n_atoms == 1 && s->Z[0] == 2 && s->xyz[2] == 3.0 && nnv_xyz_frame(r) == 2);
    nnv_structure_free(s);

    ck_assert_int_eq(nnv_xyz_next(r, &s, &err), NNV_EINPUT);
    ck_assert_int_eq(nnv_xyz_frame(r), 3);
    ck_assert_msg(strstr(err.message, "traj.xyz: atoms 1 (line 15) and 2 (line 16) of frame 4 are"), "%s",
                  err.message);

    /* A number, if too large: this frame fails, the reader goes on past the
     * lines it claims (here the rest of the file). */
    ck_assert_int_eq(nnv_xyz_next(r, &s, &err), NNV_EINPUT);
    ck_assert_int_eq(nnv_xyz_frame(r), 4);
    ck_assert_str_eq(err.message, "traj.xyz: line 17: atom count of frame 5: 2000000 is more than 1000000 atoms");
    ck_assert_int_eq(nnv_xyz_next(r, &s, &err), NNV_OK);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(nnv_xyz_frame(r), 4);
    nnv_xyz_close(r);

    /* A count line that is no number ends the file after it is reported
     * (the frame before it fails too: its count looks too small). */
    {
        static const char t2[] = "1\na\nH 0 0 0\nx\nb\nH 0 0 0\n1\nc\nH 0 0 0\n";
        ck_assert_int_eq(nnv_xyz_open_memory(&r, t2, strlen(t2), NULL, &err), NNV_OK);
        ck_assert_int_eq(nnv_xyz_next(r, &s, &err), NNV_EINPUT);
        ck_assert_str_eq(err.message, "(xyz): line 4: expected the atom count of frame 2 or the end of the file, "
                                      "found \"x\" (more atoms than the 1 on line 1?)");
        ck_assert_int_eq(nnv_xyz_next(r, &s, &err), NNV_EINPUT);
        ck_assert_str_eq(err.message, "(xyz): line 4: atom count of frame 2: not a positive integer: \"x\"");
        ck_assert_int_eq(nnv_xyz_frame(r), 1);
        ck_assert_int_eq(nnv_xyz_next(r, &s, &err), NNV_OK);
        ck_assert_ptr_null(s);
        ck_assert_int_eq(nnv_xyz_next(r, &s, &err), NNV_OK); /* and stays at the end */
        ck_assert_ptr_null(s);
        nnv_xyz_close(r);
    }
    /* A count too small: the frame fails on the extra atom line, which then
     * cannot start a frame. */
    {
        static const char t3[] = "1\na\nH 0 0 0\nH 0 0 1\n";
        ck_assert_int_eq(nnv_xyz_open_memory(&r, t3, strlen(t3), "t3.xyz", &err), NNV_OK);
        ck_assert_int_eq(nnv_xyz_next(r, &s, &err), NNV_EINPUT);
        ck_assert_ptr_nonnull(strstr(err.message, "line 4: expected the atom count of frame 2"));
        ck_assert_int_eq(nnv_xyz_next(r, &s, &err), NNV_EINPUT);
        ck_assert_ptr_nonnull(strstr(err.message, "line 4: atom count of frame 2: not a positive integer"));
        ck_assert_int_eq(nnv_xyz_next(r, &s, &err), NNV_OK);
        ck_assert_ptr_null(s);
        nnv_xyz_close(r);
    }
    /* An empty file is an error, once. */
    ck_assert_int_eq(nnv_xyz_open_memory(&r, " \t", 2, "e.xyz", &err), NNV_OK);
    ck_assert_int_eq(nnv_xyz_next(r, &s, &err), NNV_EINPUT);
    ck_assert_str_eq(err.message, "e.xyz: line 1: empty file, expected an atom count");
    ck_assert_int_eq(nnv_xyz_frame(r), 0);
    ck_assert_int_eq(nnv_xyz_next(r, &s, &err), NNV_OK);
    ck_assert_ptr_null(s);
    nnv_xyz_close(r);
    /* Usage errors, and NULL accepted where documented. */
    ck_assert_int_eq(nnv_xyz_open_memory(&r, NULL, 3, "n.xyz", &err), NNV_EUSAGE);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(nnv_xyz_next(NULL, &s, &err), NNV_EUSAGE);
    ck_assert_int_eq(nnv_xyz_frame(NULL), -1);
    nnv_xyz_close(NULL);
    ck_assert_int_eq(nnv_xyz_open(&r, "/nonexistent/t.xyz", &err), NNV_EIO);
    ck_assert_ptr_null(r);
}
END_TEST

/* Every frame of a file through the iterator equals nnv_structure_read_xyz
 * of that frame, from a file on disk. */
START_TEST(test_xyz_reader_matches_read_xyz)
{
    char dir[] = "/tmp/nnvib-test-xyz-XXXXXX", path[128];
    static const char traj[] = "1\nframe zero\nH 0 0 0\n2\nframe one\nH 0 0 0\nH 0 0 0.74\n\n1\nframe two\nHe 1 2 3\n";
    nnv_xyz_reader *r = NULL;
    nnv_structure *s = NULL, *t = NULL;
    nnv_error err = {0, ""};
    FILE *f;
    int n = 0;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/traj.xyz", dir);
    ck_assert_ptr_nonnull(f = fopen(path, "wb"));
    fputs(traj, f);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(nnv_xyz_open(&r, path, &err), NNV_OK);
    while (nnv_xyz_next(r, &s, &err) == NNV_OK && s) {
        ck_assert_int_eq(nnv_xyz_frame(r), n);
        ck_assert_int_eq(nnv_structure_read_xyz(&t, path, n, &err), NNV_OK);
        ck_assert_int_eq(s->n_atoms, t->n_atoms);
        ck_assert_str_eq(s->comment, t->comment);
        ck_assert(memcmp(s->xyz, t->xyz, 3 * (size_t)s->n_atoms * sizeof *s->xyz) == 0);
        ck_assert(memcmp(s->Z, t->Z, (size_t)s->n_atoms * sizeof *s->Z) == 0);
        nnv_structure_free(s);
        nnv_structure_free(t);
        n++;
    }
    ck_assert_int_eq(n, 3);
    nnv_xyz_close(r);
    unlink(path);
    rmdir(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("xyz");
    TCase *tc;

    tc = tcase_create("xyz");
    tcase_add_test(tc, test_xyz_good);
    tcase_add_test(tc, test_xyz_frames);
    tcase_add_test(tc, test_xyz_bad);
    tcase_add_test(tc, test_xyz_properties);
    tcase_add_test(tc, test_xyz_many_atoms);
    tcase_add_test(tc, test_xyz_missing_element_file);
    tcase_add_test(tc, test_structure_api);
    tcase_add_test(tc, test_xyz_reader);
    tcase_add_test(tc, test_xyz_reader_matches_read_xyz);
    suite_add_tcase(s, tc);

    tc = tcase_create("text");
    tcase_add_test(tc, test_text_numbers);
    tcase_add_test(tc, test_text_lines_tokens);
    tcase_add_test(tc, test_text_read_file);
    suite_add_tcase(s, tc);

    return tu_run(s);
}
