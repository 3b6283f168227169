/* Test helpers. */
#ifndef NNVIB_TESTUTIL_H
#define NNVIB_TESTUTIL_H
#endif
