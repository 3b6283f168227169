/* Minimal JSON reader for the tests (stub). */
#ifndef NNVIB_TEST_JSON_H
#define NNVIB_TEST_JSON_H
#endif
