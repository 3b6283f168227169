/* nnvib point groups: the molecular point group of a structure (C1 ... Ih and
 * the linear Cinfv, Dinfh) with its operations and the atom permutation each
 * induces, the structure symmetrised onto that group, and the symmetry
 * species (irreducible representation) of every normal mode.
 *
 * Conventions (docs/symmetry.md has the reasons):
 *   names     Schoenflies in ASCII: C1 Cs Ci Cn Cnv Cnh S2n Dn Dnh Dnd T Td Th O
 *             Oh I Ih Cinfv Dinfh
 *   labels    Mulliken symbols in ASCII: A1, B2g, E', A2'', E1u, T2 (not F2),
 *             Sigma+, Sigmag+, Sigmau+, Pi, Piu, Pig; "?" when unclear
 *   frame     the standard orientation (axes[]): z the principal axis; planar
 *             C2v molecules in the yz plane (x perpendicular to the molecular
 *             plane, Mulliken 1955), so water is 2A1 + B2; non-planar C2v: yz
 *             is the mirror plane holding more atoms; D2/D2h: z the C2 axis
 *             through most atoms, x perpendicular to a planar molecule
 *             (otherwise the axis through fewest atoms); Dnh/Dn/Cnv with n
 *             even: C2' axes and sigma_v planes are those through more atoms
 *   linear    Cinfv and Dinfh are handled through their subgroups C2v and D2h
 *             (z the molecular axis) with the standard correlation
 *             (Sigma+ = A1, Pi = B1 + B2; Sigmag+ = Ag, Sigmau+ = B1u,
 *             Piu = B2u + B3u, ...)
 *   ops       3 x 3 row-major matrices acting on positions relative to
 *             center, in the input frame; perm[k n + i] = the atom that atom
 *             i is carried onto by operation k */
#ifndef NNVIB_SYMMETRY_H
#define NNVIB_SYMMETRY_H

#include <nnvib/core.h>
#include <nnvib/vib.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Default tolerance of nnv_point_group_detect, Å: an atom's image must lie
 *  this close to an atom of the same element and mass. */
#define NNV_SYM_TOL_DEFAULT 0.05
/** Structures above this many atoms are not searched (reported as C1). */
#define NNV_SYM_MAX_ATOMS 1000
/** Default frequency window of a degenerate set in nnv_mode_symmetry_assign, cm⁻¹. */
#define NNV_SYM_DEGENERACY_CM1 5.0
/** Size of a mode label and of a group name, with the terminating NUL. */
#define NNV_SYM_LABEL_SIZE 12
#define NNV_SYM_NAME_SIZE 8

/** A detected point group. Everything is owned by the struct. */
typedef struct nnv_point_group {
    char name[NNV_SYM_NAME_SIZE]; /**< Schoenflies in ASCII ("C2v", "Dinfh") */
    int n_atoms;
    int linear;          /**< 1 for Cinfv and Dinfh (and a single atom: "Kh" is not used, C1) */
    int order;           /**< operations in ops; Cinfv/Dinfh: of the subgroup C2v/D2h used */
    int sigma;           /**< rotational symmetry number (1 for Cinfv, 2 for Dinfh) */
    int searched;        /**< 0 when n_atoms > NNV_SYM_MAX_ATOMS (then C1, nothing searched) */
    double tol;          /**< Å, the tolerance used */
    double max_deviation;/**< Å, largest distance between an atom's image and its partner */
    double center[3];    /**< centre of mass, Å */
    double axes[9];      /**< rows: the standard x, y, z axes in the input frame */
    double *ops;         /**< order x 9 */
    int *perm;           /**< order x n_atoms */
    int *op_class;       /**< order: the class of each operation in the character table */
    int table;           /**< internal index of the character table */
} nnv_point_group;

/** The point group of a structure: candidate rotation axes and mirror planes
 *  through atoms, midpoints and normals of equivalent pairs and the principal
 *  axes of inertia are tested, the operations found are closed into a group,
 *  the group is named, and its exact operations in the standard orientation
 *  are checked once more against the atoms (all within tol).
 *  @param[out] out   the group, free with nnv_point_group_free
 *  @param Z, xyz, masses  n_atoms atomic numbers, positions (Å), masses (u);
 *                    equivalent atoms need equal Z and mass (1e-6 u)
 *  @param tol        Å, > 0; 0 = NNV_SYM_TOL_DEFAULT
 *  @return NNV_OK; NNV_EUSAGE (NULL argument, n_atoms < 1, tol < 0 or not
 *          finite); NNV_EINPUT (a non-finite position, a mass not > 0);
 *          NNV_ENOMEM. */
int nnv_point_group_detect(nnv_point_group **out, int n_atoms, const int *Z, const double *xyz,
                           const double *masses, double tol, nnv_error *err);

/** Release g (NULL is fine). */
void nnv_point_group_free(nnv_point_group *g);

/** The structure symmetrised onto g: each atom replaced by the average over
 *  the group's operations of the image of its partner, so the result has
 *  exactly g's symmetry (up to rounding); the centre of mass stays put.
 *  @param[out] out  n_atoms x 3, Å (may equal xyz)
 *  @param xyz       the positions g was detected on
 *  @return NNV_OK, NNV_EUSAGE (NULL argument). */
int nnv_point_group_symmetrize(double *out, const nnv_point_group *g, const double *xyz, nnv_error *err);

/** The irreducible representations of g's table (for Cinfv/Dinfh the Sigma
 *  and Pi species only): their number, ASCII name and dimension. */
int nnv_point_group_n_irreps(const nnv_point_group *g);
const char *nnv_point_group_irrep_name(const nnv_point_group *g, int i);
int nnv_point_group_irrep_dim(const nnv_point_group *g, int i);

/** How many vibrations of each species the geometry alone predicts: the
 *  reducible representation Gamma_3N (unmoved atoms x trace) minus
 *  translations and rotations, reduced on g's table.
 *  @param[out] counts  nnv_point_group_n_irreps(g) values (degenerate sets count once)
 *  @return NNV_OK, NNV_EUSAGE (NULL argument), NNV_ENUMERIC (the reduction is
 *          not integral: the table does not fit the operations). */
int nnv_point_group_gamma_vib(int *counts, const nnv_point_group *g, nnv_error *err);

/** The species of every normal mode of an analysis. */
typedef struct nnv_mode_symmetry {
    int n_modes;
    char (*labels)[NNV_SYM_LABEL_SIZE]; /**< n_modes labels, "?" when unclear */
    int *irrep;          /**< n_modes irrep indices, -1 when unclear */
    int *set_start;      /**< n_modes: first mode of the degenerate set of each mode */
    int n_unclear;       /**< modes labelled "?" */
    char status[256];    /**< "" when every mode is labelled; else why the first "?" */
} nnv_mode_symmetry;

/** Label each normal mode of v by the irreducible representation of its
 *  mass-weighted eigenvector: the characters of a set of modes under each
 *  operation of g (trace of the operation on the set) reduced on g's table.
 *  Modes are taken one at a time, a degenerate set (2 to 5 consecutive modes
 *  within degeneracy_cm1) only when the single mode does not reduce to one
 *  species; a set that reduces to no single species of its dimension is
 *  labelled "?" (accidental near-degeneracy, or a geometry or Hessian that
 *  breaks the symmetry) and status says which modes and why.
 *  @param[out] out  the labels, free with nnv_mode_symmetry_free
 *  @param g         the group of the geometry v was computed at
 *  @param masses    the n_atoms masses of the analysis, u
 *  @param degeneracy_cm1  cm⁻¹, >= 0; 0 = NNV_SYM_DEGENERACY_CM1
 *  @return NNV_OK; NNV_EUSAGE (NULL argument, atom counts that differ, a
 *          negative window); NNV_ENOMEM. */
int nnv_mode_symmetry_assign(nnv_mode_symmetry **out, const nnv_point_group *g, const nnv_vib *v,
                             const double *masses, double degeneracy_cm1, nnv_error *err);

/** Release m (NULL is fine). */
void nnv_mode_symmetry_free(nnv_mode_symmetry *m);

#ifdef __cplusplus
}
#endif
#endif
