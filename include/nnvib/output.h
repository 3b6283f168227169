/* nnvib output files for chemistry tools: CML (Open Babel, Avogadro, Jmol,
 * JSpecView), Molden (Jmol, Open Babel, Molden, Avogadro >= 1.100) and extended
 * XYZ (ASE), each with the normal modes. The layouts and the reasons for them
 * are in docs/formats.md. Frames of MD trajectories as extended XYZ. And the
 * atomic output file those writers use (nnv_ofile), for a program's own
 * outputs.
 *
 * The writers only format results they are given (they compute no physics).
 * Every file is written atomically: under a temporary name in the target's
 * folder, renamed over the target only when complete; on failure neither the
 * target nor a temporary file is left (an existing target is untouched).
 *
 * Units in the files: Å, eV, cm⁻¹ (negative = imaginary, except in CML's
 * me:imFreqs, which holds magnitudes), km/mol, u, e; Molden's [FR-COORD] in
 * bohr (1 bohr = 0.529177210903 Å, CODATA 2018). */
#ifndef NNVIB_OUTPUT_H
#define NNVIB_OUTPUT_H

#include <stdio.h>
#include <nnvib/core.h>
#include <nnvib/structure.h>
#include <nnvib/model.h>
#include <nnvib/vib.h>
#include <nnvib/thermo.h>
#include <nnvib/units.h>
#include <nnvib/md.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Descriptive extras for the writers; every field may be NULL (a NULL
 *  nnv_write_info means all NULL). */
typedef struct nnv_write_info {
    const char *title;        /**< molecule title; NULL: the structure's comment */
    const char *program;      /**< producing program; NULL: "nnvib" */
    const char *version;      /**< its version; NULL: not written */
    const nnv_thermo *thermo; /**< thermochemistry to include (CML), or NULL */
} nnv_write_info;

/** Write a CML file (libxml2): one <molecule> with atoms (Å), bonds from
 *  covalent radii, and a propertyList (energy, frequencies as me:vibFreqs and
 *  me:imFreqs, IR intensities, reduced masses, force constants, charges,
 *  thermochemistry); the normal modes as Molpro-namespace
 *  <vibrations>/<normalCoordinate> (Jmol); and, with IR intensities, an
 *  infrared <spectrum> with a peakList of the real modes (JSpecView).
 *  Uses libxml2's tree API only; a program that calls it from several threads
 *  should call libxml2's xmlInitParser() once first, as libxml2 asks.
 *  @param path  output file
 *  @param s     the structure (required)
 *  @param r     model results (energy, charges) or NULL
 *  @param v     harmonic analysis or NULL (no frequencies, modes, spectrum)
 *  @param info  extras or NULL
 *  @param[out] err  error record, may be NULL
 *  @return NNV_OK; NNV_EUSAGE for NULL arguments or atom counts that do not
 *          match; NNV_EINPUT for non-finite numbers; NNV_EIO when the file
 *          cannot be written; NNV_ENOMEM. */
int nnv_cml_write(const char *path, const nnv_structure *s, const nnv_result *r, const nnv_vib *v,
                  const nnv_write_info *info, nnv_error *err);

/** Write a Molden file: [Molden Format], [Title], [Atoms] Angs, and with a
 *  harmonic analysis [FREQ] (cm⁻¹, negative = imaginary), [INT] (km/mol, when
 *  v has IR intensities), [FR-COORD] (bohr) and [FR-NORM-COORD] (normalised
 *  Cartesian displacements, one `vibration N` block per mode).
 *  Arguments and return values as nnv_cml_write (r is not used). */
int nnv_molden_write(const char *path, const nnv_structure *s, const nnv_result *r, const nnv_vib *v,
                     const nnv_write_info *info, nnv_error *err);

/** Write an extended-XYZ file (ASE's dialect): frame 0 is the equilibrium
 *  structure, then one frame per mode, each with the columns species, pos (Å),
 *  masses (u) and mode (normalised Cartesian displacement; zeros in frame 0),
 *  and in the comment line the mode's number, frequency (cm⁻¹) and, when
 *  known, its IR intensity and the energy (eV).
 *  Arguments and return values as nnv_cml_write. */
int nnv_extxyz_write(const char *path, const nnv_structure *s, const nnv_result *r, const nnv_vib *v,
                     const nnv_write_info *info, nnv_error *err);

/** Write a plain XYZ file of one geometry: the atom count, the comment line,
 *  then `Symbol x y z` in Å (%16.10f). Every chemistry program reads it.
 *  @param path     output file
 *  @param s        the structure (required)
 *  @param comment  the comment line (control characters become spaces, at
 *                  most 1023 bytes); NULL: the structure's comment
 *  @param[out] err error record, may be NULL
 *  @return as nnv_cml_write. */
int nnv_xyz_write(const char *path, const nnv_structure *s, const char *comment, nnv_error *err);

/** Hessian file formats for nnv_hessian_write. */
enum nnv_hessian_format {
    NNV_HESSIAN_ORCA = 1,     /**< ORCA .hess: $hessian in blocks of 5 columns, $atoms with masses */
    NNV_HESSIAN_TURBOMOLE = 2 /**< Turbomole/xtb `hessian`: $hessian, full rows, 5 per line */
};

/** The format a Hessian file's name asks for: NNV_HESSIAN_ORCA for a name
 *  ending in ".hess", else NNV_HESSIAN_TURBOMOLE (xtb's file is `hessian`). */
int nnv_hessian_format_from_path(const char *path);

/** Write the Cartesian Hessian (not mass-weighted) as another program writes
 *  it, in Hartree/bohr² (1 eV/Å² = 0.0102908 Eh/bohr², CODATA 2018):
 *  ORCA's .hess ($act_energy in Hartree, $hessian: the full 3N x 3N matrix in
 *  blocks of five columns, %19.10E; $atoms: symbol, mass (u), position
 *  (bohr)), read by orca_vib and `xtb thermo --orca`; or xtb's `hessian`
 *  ($hessian: each row of the full matrix on lines of five, %15.10f), read by
 *  `xtb thermo`. Rows and columns run over atoms, then x, y, z.
 *  @param path     output file
 *  @param format   enum nnv_hessian_format; 0: from the name
 *                  (nnv_hessian_format_from_path)
 *  @param s        the structure (positions, masses)
 *  @param hessian  3N x 3N, row-major, eV/Å²
 *  @param energy   the energy in eV (ORCA's $act_energy; NAN writes 0)
 *  @param[out] err error record, may be NULL
 *  @return NNV_OK; NNV_EUSAGE for NULL arguments or an unknown format;
 *          NNV_EINPUT for a non-finite number; NNV_EIO; NNV_ENOMEM. */
int nnv_hessian_write(const char *path, int format, const nnv_structure *s, const double *hessian, double energy,
                      nnv_error *err);

/* ---- atomic output files ------------------------------------------------------ */

/** An output file written atomically, as the writers above write theirs:
 *  under a temporary name in the target's folder (same file system), renamed
 *  over the target by nnv_ofile_commit only when complete, so a reader never
 *  sees half a file and a failure leaves neither a partial file nor a
 *  temporary one (an existing target stays as it was). A symbolic link is
 *  followed: its target is replaced and the link stays. A replaced file keeps
 *  its permission bits (and, where allowed, its owner); a new one is 0644.
 *  A target that exists and is not a regular file (/dev/null, a FIFO, a
 *  terminal) is written in place, since a rename would replace the device;
 *  /dev/stdout, /dev/stderr, /dev/fd/N and /proc/self/fd/N are written
 *  through a copy of that descriptor (at its offset, as the shell would). */
typedef struct nnv_ofile nnv_ofile;

/** Open path for writing (the temporary file is created now, so an
 *  unwritable target fails before any work).
 *  @param[out] out  the open file, NULL on failure; finish it with
 *                   nnv_ofile_commit or nnv_ofile_discard
 *  @param path  the target (copied)
 *  @param[out] err  error record naming the path, may be NULL
 *  @return NNV_OK; NNV_EUSAGE when out is NULL or path NULL or empty;
 *          NNV_EIO when the folder is missing or not writable or path is a
 *          folder; NNV_ENOMEM. */
int nnv_ofile_open(nnv_ofile **out, const char *path, nnv_error *err);

/** The stream to write to, until nnv_ofile_commit or nnv_ofile_discard
 *  (do not fclose it).
 *  @param f  an open file, or NULL
 *  @return the stream, NULL when f is NULL */
FILE *nnv_ofile_stream(nnv_ofile *f);

/** The temporary file's name, so that a program's signal handler can remove
 *  it (unlink is async-signal-safe) if the program is killed before the
 *  commit; valid until nnv_ofile_commit or nnv_ofile_discard.
 *  @param f  an open file, or NULL
 *  @return the name; NULL when f is NULL or written in place (no temporary) */
const char *nnv_ofile_temp_path(const nnv_ofile *f);

/** Finish the file: flush, sync and rename it over the target (a device or
 *  pipe: flush and close). f is freed whatever the outcome; on failure the
 *  temporary file is removed and an existing target is untouched.
 *  @param f  an open file
 *  @param[out] err  error record naming the path and the reason, may be NULL
 *  @return NNV_OK; NNV_EIO when a write, the flush, the sync or the rename
 *          failed (a full disk shows here at the latest); NNV_EUSAGE when f
 *          is NULL. */
int nnv_ofile_commit(nnv_ofile *f, nnv_error *err);

/** Drop an unfinished file: the temporary file is removed (a device or pipe
 *  is just closed), the target is untouched, and f is freed.
 *  @param f  an open file, or NULL (nothing happens) */
void nnv_ofile_discard(nnv_ofile *f);

/* ---- MD trajectories ------------------------------------------------------------ */

/** Write one frame of an MD trajectory (extended XYZ, ASE's dialect) to f:
 *  per atom species, pos (Å, %16.10f), velocities (Å/fs) and forces (eV/Å)
 *  (both %16.10e); in the comment line pbc="F F F", step, time (fs),
 *  energy (the potential energy), kinetic_energy and total_energy (eV) and
 *  temperature (K, the kinetic temperature with dof = 3N - 3).
 *  A trajectory is this writer called from an nnv_md_observer, e.g.
 *      static int frame(void *ctx, const nnv_md_state *st, int step, nnv_error *err)
 *      { return nnv_extxyz_write_md_frame(ctx, st, step, err); }
 *  with observe_ctx an nnv_ofile, committed after nnv_md_run.
 *  @param f     an open output file (nnv_ofile_open)
 *  @param st    the state to write
 *  @param step  the step number written as step=
 *  @param[out] err  error record naming the file, may be NULL
 *  @return NNV_OK; NNV_EUSAGE when f or st is NULL; NNV_EIO when a write
 *          failed (e.g. a full disk; the frame may be partly written: discard
 *          the file). */
int nnv_extxyz_write_md_frame(nnv_ofile *f, const nnv_md_state *st, int step, nnv_error *err);

#ifdef __cplusplus
}
#endif
#endif
