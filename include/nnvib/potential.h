/* nnvib potentials: the Behler–Parrinello model parameters and the weights.bin
 * format, version 1 (one potential) and version 2 (a committee of potentials
 * sharing their symmetry functions); docs/nnp-format.md is the byte-exact contract. */
#ifndef NNVIB_POTENTIAL_H
#define NNVIB_POTENTIAL_H

#include <stdint.h>
#include <nnvib/core.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Symmetry-function types (n2p2 numbering). */
enum nnv_sf_type { NNV_SF_RADIAL = 2, NNV_SF_ANGULAR_NARROW = 3, NNV_SF_ANGULAR_WIDE = 9 };

/** Cutoff codes of this format (not n2p2's numbers). */
enum nnv_cutoff { NNV_CUTOFF_COS = 0, NNV_CUTOFF_POLY2 = 1, NNV_CUTOFF_TANHU = 2 };

/** Activation codes. */
enum nnv_activation {
    NNV_ACT_IDENTITY = 0,
    NNV_ACT_RELU = 1,
    NNV_ACT_SOFTPLUS = 2,
    NNV_ACT_TANH = 3,
    NNV_ACT_SILU = 4,
    NNV_ACT_GELU = 5,
    NNV_ACT_SSP = 6, /**< shifted softplus */
    NNV_ACT_CELU = 7,
    NNV_ACT_COUNT = 8
};

/** Smoothness classes, ordered so that the weakest is the smallest. */
enum nnv_smoothness { NNV_C0 = 0, NNV_C1 = 1, NNV_C2 = 2, NNV_CINF = 99 };

/** One symmetry function. */
typedef struct nnv_sf {
    int type;      /**< 2, 3 or 9 */
    int Zj, Zk;    /**< neighbour elements (Zk = 0 for type 2) */
    int cutoff;    /**< enum nnv_cutoff */
    double rc, cutoff_alpha, eta, rs, zeta, lambda;
    double shift, scale; /**< s = (G - shift) * scale */
    double gmin, gmax;   /**< range of unscaled G in the training set */
} nnv_sf;

/** One dense layer: y = a(W x + b), W row-major n_out x n_in. */
typedef struct nnv_layer {
    int activation;
    double param; /**< celu alpha; 0 for the others */
    int n_in, n_out;
    double *W;
    double *b;
} nnv_layer;

/** Feed-forward network; n_layers == 0 means "absent". Its last layer has one
 *  output, except for the energy network of a shallow committee (n_members). */
typedef struct nnv_network {
    int n_layers;
    nnv_layer *layers;
} nnv_network;

/** Parameters of one element. Where the networks are depends on the
 *  potential's committee kind (nnv_potential.n_members, committee_kind):
 *  - a single potential: `energy`, and `charge` with charge networks;
 *  - NNV_COMMITTEE_FULL: `members[m]` and, with charge networks,
 *    `member_charges[m]` (m < n_members); `energy` and `charge` are absent;
 *  - NNV_COMMITTEE_SHALLOW: `energy`, whose last layer has n_members outputs
 *    (output m is member m's atomic energy network), and `charge` (one for
 *    all members); `members` and `member_charges` are NULL.
 *  Code that reads `energy` directly must check n_members first. */
typedef struct nnv_element_model {
    int Z;
    double E0;
    int n_sf;
    nnv_sf *sf;
    nnv_network energy;
    nnv_network charge; /**< n_layers == 0 unless the potential has charge networks */
    nnv_network *members;        /**< full committee: n_members energy networks; else NULL */
    nnv_network *member_charges; /**< full committee with charge networks: n_members; else NULL */
} nnv_element_model;

#define NNV_FLAG_CHARGES 1u
#define NNV_FLAG_COMMITTEE 2u /**< format version 2: a committee block follows the description */
#define NNV_FLAG_NOVELTY 4u   /**< format version 2: a novelty block follows the element blocks */

/** Quantiles of the training atoms' d² kept in a novelty block: 50, 90, 99,
 *  99.9 % and the maximum (docs/novelty.md). */
#define NNV_NOVELTY_NQ 5

/** Novelty statistics of one element (flag bit 2, docs/nnp-format.md section
 *  6): the training atoms' scaled SF vectors s (what the network sees) have
 *  mean `mean` and covariance C; `chol` is the lower Cholesky factor L of
 *  C + ridge·I, packed by rows (L[i][j], j <= i, at i(i+1)/2 + j), and an atom
 *  with scaled SFs s has d² = |L⁻¹(s − mean)|² / n_sf. */
typedef struct nnv_novelty_element {
    int n_sf;                            /**< the element's n_sf */
    int n_atoms;                         /**< training atoms behind the statistics (>= 1) */
    double ridge;                        /**< r >= 0 added to the diagonal of C */
    double *mean;                        /**< n_sf */
    double *chol;                        /**< n_sf (n_sf + 1) / 2, diagonal > 0 */
    double quantile[NNV_NOVELTY_NQ];     /**< d² of the training atoms: 50, 90, 99, 99.9 %, max */
} nnv_novelty_element;

/** Committee kinds (format version 2). */
enum nnv_committee_kind {
    NNV_COMMITTEE_FULL = 0,   /**< independent member networks */
    NNV_COMMITTEE_SHALLOW = 1 /**< shared hidden layers, one output per member */
};

/** Committee sizes the format allows. */
#define NNV_COMMITTEE_MIN 2
#define NNV_COMMITTEE_MAX 64

typedef struct nnv_potential {
    uint32_t flags;       /**< bit 0: charge networks present; bit 1: a committee; bit 2: novelty block */
    char *description;    /**< NUL-terminated copy of the UTF-8 description */
    int n_elements;
    nnv_element_model *elements; /**< ascending Z */
    nnv_warnings warnings;       /**< non-fatal findings of the reader */
    int n_members;        /**< committee: 2..64 members; 0 for a single potential */
    int committee_kind;   /**< enum nnv_committee_kind (committee only) */
    double spread_scale;  /**< committee: calibration factor of every reported standard deviation */
    nnv_novelty_element *novelty; /**< NULL, or n_elements entries in element order (flag bit 2) */
} nnv_potential;

struct nnv_n2p2_options; /* nnvib/n2p2.h */

/** Load the potential at path, whatever its format: an n2p2 potential
 *  directory (one holding input.nn; converted by nnv_n2p2_read with the units
 *  of o) or else a weights.bin file (nnv_potential_read). Units given for a
 *  weights.bin file are ignored with a warning in (*out)->warnings ("...
 *  ignored: PATH is a weights.bin file ...").
 *  @param[out] out  the potential, free with nnv_potential_free
 *  @param path      an n2p2 directory or a weights.bin file
 *  @param o         n2p2 units (nnvib/n2p2.h); NULL = from input.nn
 *  @return NNV_OK, NNV_EUSAGE (NULL out or path), NNV_EINPUT (malformed or
 *          unsupported, or a directory without input.nn: the message says what
 *          was expected), NNV_EIO, NNV_ENOMEM. */
int nnv_potential_load(nnv_potential **out, const char *path, const struct nnv_n2p2_options *o,
                       nnv_error *err);

/** Read and validate a weights.bin file (version 1, or version 2: a
 *  committee). Every rejection names the file, the byte offset and the field.
 *  Non-fatal findings go to (*out)->warnings.
 *  @param[out] out  the potential, free with nnv_potential_free
 *  @return NNV_OK, NNV_EIO (cannot open or read), NNV_EINPUT (any rule of
 *          the format broken, or over 4 GiB), NNV_EUSAGE (NULL argument),
 *          NNV_ENOMEM. */
int nnv_potential_read(nnv_potential **out, const char *path, nnv_error *err);

/** As nnv_potential_read, from len bytes in memory; `name` is used in
 *  messages. @return as nnv_potential_read, without NNV_EIO. */
int nnv_potential_parse(nnv_potential **out, const unsigned char *buf, size_t len,
                        const char *name, nnv_error *err);

/** Serialise p to a newly allocated buffer *buf of *len bytes (free() it),
 *  validated as the reader does: format version 1 for a single potential
 *  (byte for byte as read), version 2 for a committee.
 *  @return NNV_OK, NNV_EUSAGE (NULL argument), NNV_EINPUT (a potential the
 *          format cannot hold: the message names the element and the field),
 *          NNV_ENOMEM. */
int nnv_potential_serialize(unsigned char **buf, size_t *len, const nnv_potential *p, nnv_error *err);

/** Write p as a weights.bin file at path: to a temporary name, then renamed
 *  when complete (an existing file stays as it was on failure).
 *  @return as nnv_potential_serialize, and NNV_EIO when the file cannot be written. */
int nnv_potential_write(const char *path, const nnv_potential *p, nnv_error *err);

/** A deep copy of p (every array, the description and the warnings), which
 *  the caller may change without touching p (e.g. another cutoff function).
 *  @param[out] out  the copy, free with nnv_potential_free
 *  @return NNV_OK, NNV_EUSAGE (NULL out or p), NNV_ENOMEM. */
int nnv_potential_copy(nnv_potential **out, const nnv_potential *p, nnv_error *err);

/** A committee of K plain potentials (2 <= K <= 64): one file whose members
 *  share elements and symmetry functions. Every member must have the same
 *  flags (charge networks or not), elements (same Z, in the same order) and,
 *  per element, the same symmetry functions (type, Zj, Zk, cutoff, rc,
 *  cutoff_alpha, eta, rs, zeta, lambda, shift, scale: equal as doubles); the
 *  committee's gmin/gmax are the union of the members' ranges. E0 is shared:
 *  member 0's, and a member with another E0 gets the difference added to the
 *  bias of its energy network's last layer, which needs an identity last
 *  layer. kind NNV_COMMITTEE_FULL takes every network as it is;
 *  NNV_COMMITTEE_SHALLOW needs members whose energy networks agree in every
 *  layer but the last (sizes, activations, weights, equal as doubles) and
 *  whose last layers share the activation, and equal charge networks: it
 *  stacks the last layers' rows. The description is member 0's. The
 *  committee evaluates as the mean of its members (nnv_compute).
 *  @param[out] out       the committee, free with nnv_potential_free
 *  @param members        K plain potentials (no committee among them)
 *  @param spread_scale   calibration factor of the reported standard
 *                        deviations, finite and > 0 (1: the plain sample std)
 *  @return NNV_OK, NNV_EUSAGE (NULL argument, K or kind or spread_scale out of
 *          range), NNV_EINPUT (members that cannot form a committee: the
 *          message names the member, the element and the symmetry function,
 *          layer or field that differs), NNV_ENOMEM. */
int nnv_committee_build(nnv_potential **out, const nnv_potential *const *members, int n_members, int kind,
                        double spread_scale, nnv_error *err);

/** Member m of a committee as a plain potential (a deep copy, independent of
 *  c): the committee's description, flags without the committee bit, E0 and
 *  symmetry functions, member m's energy network (and charge network: its
 *  own in a full committee, the shared one in a shallow committee), and the
 *  reader's warnings. Evaluating it gives member m's energy, forces and
 *  Hessian; nnv_potential_write writes it as a version-1 file.
 *  @param[out] out  the member, free with nnv_potential_free
 *  @param m         0 <= m < c->n_members
 *  @return NNV_OK, NNV_EUSAGE (NULL argument, c not a committee, m out of
 *          range), NNV_ENOMEM. */
int nnv_committee_member(nnv_potential **out, const nnv_potential *c, int m, nnv_error *err);

/** "full" or "shallow" for enum nnv_committee_kind; "unknown" otherwise. */
const char *nnv_committee_kind_name(int kind);

/** The parameters of element Z, or NULL when the file has no block for it. */
const nnv_element_model *nnv_potential_element(const nnv_potential *p, int Z);

/** Weakest smoothness of all activations and cutoffs (enum nnv_smoothness). */
int nnv_potential_smoothness(const nnv_potential *p);

/** "C0", "C1", "C2" or "C-infinity". */
const char *nnv_smoothness_name(int smoothness);

/** "identity", "relu", "softplus", "tanh", "silu", "gelu", "ssp", "celu" for
 * enum nnv_activation; "unknown" for any other code. */
const char *nnv_activation_name(int act);

/** The enum nnv_activation code of a name above, or -1. */
int nnv_activation_from_name(const char *name);

/** CRC-32 (zlib/PNG polynomial) of a buffer. */
uint32_t nnv_crc32(const unsigned char *buf, size_t len);

/** Free a potential (NULL is fine). */
void nnv_potential_free(nnv_potential *p);

#ifdef __cplusplus
}
#endif
#endif
