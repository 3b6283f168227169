/* nnvib n2p2 import: reads an n2p2 (RuNNer-style) second-generation
 * Behler–Parrinello potential directory (input.nn, scaling.data,
 * weights.NNN.data) into an in-memory nnv_potential in Å and eV
 * (docs/n2p2.md lists every convention and what is refused). */
#ifndef NNVIB_N2P2_H
#define NNVIB_N2P2_H

#include <nnvib/core.h>
#include <nnvib/potential.h>
#include <nnvib/units.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Length unit of the training data (and so of the SF parameters in input.nn). */
enum nnv_n2p2_length_unit {
    NNV_N2P2_LENGTH_AUTO = 0, /**< from an input.nn comment "# Length unit : Bohr"; error when absent */
    NNV_N2P2_BOHR = 1,
    NNV_N2P2_ANGSTROM = 2
};

/** Energy unit of the training data (and so of mean_energy, atom_energy). */
enum nnv_n2p2_energy_unit {
    NNV_N2P2_ENERGY_AUTO = 0, /**< from an input.nn comment "# Energy unit : Ha"; error when absent */
    NNV_N2P2_HARTREE = 1,
    NNV_N2P2_EV = 2
};

/** Conversion options; all-zero (memset or {0}) means "units from input.nn". */
typedef struct nnv_n2p2_options {
    int length_unit; /**< enum nnv_n2p2_length_unit */
    int energy_unit; /**< enum nnv_n2p2_energy_unit */
} nnv_n2p2_options;

/** Read the n2p2 potential in directory `dir` and convert it.
 *
 * Reproduces n2p2's own evaluation: its per-element sorting of the symmetry
 * functions (network input order and scaling.data row order), its scaling
 * modes, the data-set normalisation (mean_energy, conv_energy, conv_length),
 * atom_energy offsets, normalize_nodes and its weight order; lengths are
 * converted to Å and energies to eV. Anything the weights.bin format cannot
 * express is refused with a message naming the file, the line and the field.
 * Non-fatal findings go to (*out)->warnings.
 * @param[out] out  the potential (free with nnv_potential_free)
 * @param[in]  dir  directory holding input.nn, scaling.data, weights.NNN.data
 * @param[in]  opt  units of the training data; NULL = both from input.nn
 * @return NNV_OK, NNV_EINPUT (malformed or unsupported), NNV_EIO, NNV_ENOMEM */
int nnv_n2p2_read(nnv_potential **out, const char *dir, const nnv_n2p2_options *opt,
                  nnv_error *err);

/** Convert an n2p2 potential whose files are already in memory.
 *
 * The same conversion as nnv_n2p2_read (which reads the files and calls the
 * same code), for callers that hold the texts (archives, the fuzz harness).
 * Texts need no terminating NUL; a NUL byte inside one is refused as in a file.
 * @param[out] out          the potential (free with nnv_potential_free)
 * @param[in]  input_nn     text of input.nn, input_len bytes
 * @param[in]  scaling      text of scaling.data, scaling_len bytes
 * @param[in]  weights      texts of the weights.NNN.data files, one per element
 *                          in ascending atomic number (n2p2's element index,
 *                          the order of the file names: weights.001 before
 *                          weights.008), whatever the order of the elements line
 * @param[in]  weights_len  their lengths in bytes
 * @param[in]  n_weights    their count; must equal number_of_elements
 * @param[in]  name         stands for the directory in messages and the
 *                          description ("NAME/input.nn line 3: ..."); NULL = "n2p2"
 * @param[in]  opt          units of the training data; NULL = both from input.nn
 * @return NNV_OK, NNV_EINPUT (malformed, unsupported, or n_weights does not
 *         match the elements), NNV_EUSAGE (NULL text with a nonzero length),
 *         NNV_ENOMEM */
int nnv_n2p2_parse(nnv_potential **out, const char *input_nn, size_t input_len, const char *scaling,
                   size_t scaling_len, const char *const *weights, const size_t *weights_len, int n_weights,
                   const char *name, const nnv_n2p2_options *opt, nnv_error *err);

/** 1 when `path` is a directory holding a file named input.nn, else 0. */
int nnv_n2p2_is_potential_dir(const char *path);

#ifdef __cplusplus
}
#endif
#endif
