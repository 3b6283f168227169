/* Internal interfaces shared by the library's files and its unit tests; not
 * installed, not exported (libnnvib exports only ^nnv_ symbols). */
#ifndef NNVIB_INTERNAL_H
#define NNVIB_INTERNAL_H

#include <nnvib.h>

/* ---- cutoff functions (symfunc.c) ------------------------------------------
 * fc and its first two derivatives with respect to r, zero for r >= rc. */
void sf_cutoff(int type, double rc, double alpha, double r, double *f, double *df, double *d2f);

/* ---- activations (network.c) ----------------------------------------------
 * a(x), a'(x), a''(x) for activation code `act` with parameter `param`. */
void net_activation(int act, double param, double x, double *a, double *da, double *d2a);

#endif
