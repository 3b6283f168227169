/* nnvib output files for chemistry tools: CML (Open Babel, Avogadro, Jmol,
 * JSpecView), Molden (Jmol, Open Babel, Molden, Avogadro >= 1.100) and extended
 * XYZ (ASE), each with the normal modes. The layouts and the reasons for them
 * are in docs/formats.md.
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

#include <nnvib/core.h>
#include <nnvib/structure.h>
#include <nnvib/model.h>
#include <nnvib/vib.h>
#include <nnvib/thermo.h>
#include <nnvib/units.h>

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

#ifdef __cplusplus
}
#endif
#endif
