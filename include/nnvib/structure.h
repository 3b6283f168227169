/* nnvib structures: atoms, positions and masses, and the XYZ readers (one
 * frame by number, or frame after frame). */
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

/** Make a structure from arrays (copied); masses default to the most abundant isotopes.
 *  @param[out] out  the structure, free with nnv_structure_free
 *  @return NNV_OK, NNV_EUSAGE (NULL arrays, n_atoms outside 1..10⁶),
 *          NNV_EINPUT (an atomic number outside 1..118, a non-finite
 *          coordinate; the message names the atom), NNV_ENOMEM. */
int nnv_structure_new(nnv_structure **out, int n_atoms, const int *Z, const double *xyz,
                      nnv_error *err);

/** Deep copy. @return NNV_OK, NNV_EUSAGE (NULL argument), NNV_ENOMEM. */
int nnv_structure_copy(nnv_structure **out, const nnv_structure *s, nnv_error *err);

/** Read frame `frame` (0-based) of an XYZ or extended-XYZ file.
 *  Lines: atom count, comment, then `Symbol x y z [extra columns ignored]` in Å;
 *  symbols are case-insensitive, atomic numbers accepted. Errors name the file,
 *  the line and the field. Atoms closer than 0.1 Å are rejected. The frames
 *  before the one asked for are checked for their shape (count, comment, that
 *  many lines) but not parsed; a file is at most 1 GiB (docs/limits.md).
 *  @param[out] out    the structure (free with nnv_structure_free); NULL on failure
 *  @param      path   the file
 *  @param      frame  which frame, from 0
 *  @param[out] err    the message on failure (may be NULL)
 *  @return NNV_OK; NNV_EIO when the file cannot be opened or read; NNV_EINPUT for
 *          malformed text, a missing frame or a file over the size limit;
 *          NNV_EUSAGE for a NULL argument or a negative frame; NNV_ENOMEM */
int nnv_structure_read_xyz(nnv_structure **out, const char *path, int frame, nnv_error *err);

/** As nnv_structure_read_xyz, from text in memory.
 *  @param[out] out    the structure (free with nnv_structure_free); NULL on failure
 *  @param      text   len bytes of XYZ text, not necessarily NUL-terminated
 *  @param      len    its length in bytes
 *  @param      name   the name used in messages (NULL: "(xyz)")
 *  @param      frame  which frame, from 0
 *  @param[out] err    the message on failure (may be NULL)
 *  @return NNV_OK; NNV_EINPUT for malformed text or a missing frame; NNV_EUSAGE
 *          for a NULL out, NULL text with len > 0 or a negative frame; NNV_ENOMEM */
int nnv_structure_parse_xyz(nnv_structure **out, const char *text, size_t len,
                            const char *name, int frame, nnv_error *err);

/** An XYZ file read frame after frame (nnv_xyz_open, nnv_xyz_next, nnv_xyz_close).
 *  A frame that is malformed but whose count line is a number fails alone: the
 *  next call goes on with the frame that starts count + 2 lines after its count
 *  line. A count line that is not a number is reported, and ends the file,
 *  since nothing tells where a next frame would start. Each frame is read by
 *  the rules and with the messages of nnv_structure_read_xyz; messages about
 *  an atom or a close pair also name the frame ("atom 2 of frame 1"). Line
 *  numbers count from the start of the file; frames count from 1 in
 *  messages (as atoms do, core.h) and from 0 in the API. */
typedef struct nnv_xyz_reader nnv_xyz_reader;

/** Open an XYZ file for reading frame after frame (the file is read whole, at
 *  most 1 GiB; docs/limits.md).
 *  @param[out] out   the reader (close with nnv_xyz_close); NULL on failure
 *  @param      path  the file, also its name in messages
 *  @param[out] err   the message on failure (may be NULL)
 *  @return NNV_OK; NNV_EIO when the file cannot be opened or read; NNV_EINPUT
 *          when it is over the size limit; NNV_EUSAGE for a NULL argument; NNV_ENOMEM */
int nnv_xyz_open(nnv_xyz_reader **out, const char *path, nnv_error *err);

/** As nnv_xyz_open, over text in memory. The text is not copied: it must stay
 *  unchanged until nnv_xyz_close.
 *  @param[out] out   the reader (close with nnv_xyz_close); NULL on failure
 *  @param      text  len bytes of XYZ text, not necessarily NUL-terminated
 *  @param      len   its length in bytes
 *  @param      name  the name used in messages (copied; NULL: "(xyz)")
 *  @param[out] err   the message on failure (may be NULL)
 *  @return NNV_OK; NNV_EUSAGE for a NULL out or NULL text with len > 0; NNV_ENOMEM */
int nnv_xyz_open_memory(nnv_xyz_reader **out, const char *text, size_t len, const char *name,
                        nnv_error *err);

/** The next frame.
 *  @param      r    the reader
 *  @param[out] s    the frame's structure (free with nnv_structure_free); NULL at
 *                   the end of the file and on failure
 *  @param[out] err  the message on failure (may be NULL)
 *  @return NNV_OK, with *s NULL once every frame has been read (and on every
 *          call after that); NNV_EINPUT for a malformed frame (the message names
 *          the file, the line and the frame; call again for the frames after
 *          it) or for an empty file; NNV_EUSAGE for a NULL argument; NNV_ENOMEM */
int nnv_xyz_next(nnv_xyz_reader *r, nnv_structure **s, nnv_error *err);

/** The index (from 0) of the frame that nnv_xyz_next last returned or failed
 *  on; -1 before the first frame or for a NULL reader. */
int nnv_xyz_frame(const nnv_xyz_reader *r);

/** Release a reader and the text it read; NULL is accepted. */
void nnv_xyz_close(nnv_xyz_reader *r);

/** Override the mass of atom `index` (0-based) in u; must be finite and > 0.
 *  @return NNV_OK, NNV_EUSAGE (NULL structure, index out of range, a mass
 *          not finite and > 0). */
int nnv_structure_set_mass(nnv_structure *s, int index, double mass, nnv_error *err);

/** Centre of mass (with s->masses), Å. */
void nnv_structure_com(const nnv_structure *s, double com[3]);

/** Free a structure (NULL is fine). */
void nnv_structure_free(nnv_structure *s);

#ifdef __cplusplus
}
#endif
#endif
