/* nnvib novelty: how far an atom's environment lies from the training atoms
 * of its element, as a Mahalanobis distance in the scaled symmetry-function
 * space (statistics stored in the potential, flag bit 2; docs/novelty.md). */
#ifndef NNVIB_NOVELTY_H
#define NNVIB_NOVELTY_H

#include <nnvib/core.h>
#include <nnvib/model.h>
#include <nnvib/potential.h>
#include <nnvib/structure.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The ridge r added to the covariance of the scaled SFs (which have unit
 *  variance on the training set) unless the caller gives another: large
 *  enough that near-collinear SF directions (variance ~1e-8) do not turn
 *  round-off into alarms, small against the unit variances. */
#define NNV_NOVELTY_RIDGE 1e-3

/** The scaled SF vectors s = (G − shift)·scale of every atom of s, what the
 *  networks see: atom i's n_sf(Z_i) values start at Σ_{j<i} n_sf(Z_j).
 *  @param[out] out  malloc'd array (free()); NULL on failure
 *  @return NNV_OK, NNV_EUSAGE (NULL argument), NNV_EINPUT (an element without
 *          a block, naming the atom), NNV_ENOMEM. */
int nnv_novelty_sf(double **out, const nnv_potential *p, const nnv_structure *s, nnv_error *err);

/** Fit one element's statistics from n_rows scaled SF vectors (rows, row-major
 *  n_rows x n_sf): mean, covariance C (divided by n_rows), the Cholesky factor
 *  of C + ridge·I and the quantiles of the rows' own d² (nearest rank: the
 *  ⌈p·n⌉-th smallest). out's arrays are allocated (release with
 *  nnv_novelty_element_clear).
 *  @return NNV_OK, NNV_EUSAGE (NULL argument, n_rows < 1, n_sf < 1, ridge not
 *          finite or < 0), NNV_EINPUT (a non-finite value, naming row and
 *          column), NNV_ENUMERIC (C + ridge·I not positive definite: give a
 *          ridge > 0), NNV_ENOMEM. */
int nnv_novelty_element_fit(nnv_novelty_element *out, const double *rows, size_t n_rows, int n_sf, double ridge,
                            nnv_error *err);

/** Release the arrays of one element's statistics (zeroed; NULL is fine). */
void nnv_novelty_element_clear(nnv_novelty_element *el);

/** d² = |L⁻¹(s − mean)|² / n_sf of one scaled SF vector s (n_sf values):
 *  about 1 inside the training distribution (NaN only when memory runs out). */
double nnv_novelty_d2(const nnv_novelty_element *el, const double *s);

/** Give p a novelty block (replacing any it has) fitted per element e on
 *  rows[e] (n_rows[e] x p->elements[e].n_sf scaled SF vectors of its training
 *  atoms), and set flag bit 2. p is unchanged on failure.
 *  @return as nnv_novelty_element_fit (the message names the element). */
int nnv_novelty_fit(nnv_potential *p, const double *const *rows, const size_t *n_rows, double ridge,
                    nnv_error *err);

/** Remove p's novelty block and clear flag bit 2 (nothing when it has none). */
void nnv_novelty_clear(nnv_potential *p);

/** Per-atom novelty d² of structure s against the statistics stored in p.
 *  Invariant under rotation, translation and permutation of the atoms (the
 *  symmetry functions are). An atom whose d² overflows gets +inf.
 *  @param d2_per_atom  s->n_atoms values (filled on success)
 *  @return NNV_OK, NNV_EUSAGE (NULL argument), NNV_EINPUT (p has no novelty
 *          block: "no novelty statistics", the caller's "unavailable"; or an
 *          element without a block, naming the atom), NNV_ENOMEM. */
int nnv_novelty(const nnv_potential *p, const nnv_structure *s, double *d2_per_atom, nnv_error *err);

/** nnv_novelty from the SF values nnv_compute already evaluated for s on p
 *  (r->sf_values), so an analysis does not compute them twice. Same values
 *  and statuses; NNV_EUSAGE also when r is not a result of s on p. */
int nnv_novelty_of_result(const nnv_potential *p, const nnv_structure *s, const nnv_result *r, double *d2_per_atom,
                          nnv_error *err);

#ifdef __cplusplus
}
#endif
#endif
