/* nnvib structures: atoms, positions and masses, and the XYZ reader. */
#ifndef NNVIB_STRUCTURE_H
#define NNVIB_STRUCTURE_H

#include <nnvib/core.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A finite molecule. All arrays are owned by the struct. */
typedef struct nnv_structure {
    int n_atoms;
    int *Z;          /**< atomic numbers, n_atoms */
    double *xyz;     /**< positions, 3*n_atoms, Å */
    double *masses;  /**< masses, n_atoms, u (most abundant isotope unless overridden) */
    char *comment;   /**< the XYZ comment line (without newline), never NULL */
} nnv_structure;

/** Make a structure from arrays (copied); masses default to the most abundant isotopes. */
int nnv_structure_new(nnv_structure **out, int n_atoms, const int *Z, const double *xyz,
                      nnv_error *err);

/** Deep copy. */
int nnv_structure_copy(nnv_structure **out, const nnv_structure *s, nnv_error *err);

/** Read frame `frame` (0-based) of an XYZ or extended-XYZ file.
 *  Lines: atom count, comment, then `Symbol x y z [extra columns ignored]` in Å;
 *  symbols are case-insensitive, atomic numbers accepted. Errors name the file,
 *  the line and the field. Atoms closer than 0.1 Å are rejected. */
int nnv_structure_read_xyz(nnv_structure **out, const char *path, int frame, nnv_error *err);

/** As nnv_structure_read_xyz, from memory; `name` is used in messages. */
int nnv_structure_parse_xyz(nnv_structure **out, const char *text, size_t len,
                            const char *name, int frame, nnv_error *err);

/** Override the mass of atom `index` (0-based) in u; must be finite and > 0. */
int nnv_structure_set_mass(nnv_structure *s, int index, double mass, nnv_error *err);

/** Centre of mass (with s->masses), Å. */
void nnv_structure_com(const nnv_structure *s, double com[3]);

void nnv_structure_free(nnv_structure *s);

#ifdef __cplusplus
}
#endif
#endif
