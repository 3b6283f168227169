/* potential_load.c: one entry point for every potential format a program
 * accepts on its command line: an n2p2 directory (input.nn, scaling.data,
 * weights.NNN.data) or a weights.bin file, told apart by what is on disk. */
#define _POSIX_C_SOURCE 200809L /* stat */
#include <sys/stat.h>

#include <nnvib.h>

int nnv_potential_load(nnv_potential **out, const char *path, const struct nnv_n2p2_options *o, nnv_error *err)
{
    struct stat st;
    int code;
    if (!out) return nnv_error_set(err, NNV_EUSAGE, "nnv_potential_load: no output");
    *out = NULL;
    if (!path) return nnv_error_set(err, NNV_EUSAGE, "nnv_potential_load: no path");
    if (nnv_n2p2_is_potential_dir(path)) return nnv_n2p2_read(out, path, o, err);
    /* A directory that is not an n2p2 potential: say what was expected rather
     * than let the weights.bin reader fail to read a directory. */
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return nnv_error_set(err, NNV_EINPUT,
                             "%s: a directory without input.nn: expected a weights.bin file or an n2p2 "
                             "potential directory (input.nn, scaling.data, weights.NNN.data)", path);
    code = nnv_potential_read(out, path, err);
    /* weights.bin is always in Å and eV: units asked for an n2p2 conversion
     * have nothing to convert, which the caller should hear about. */
    if (code == NNV_OK && o && (o->length_unit || o->energy_unit))
        nnv_warnings_add(&(*out)->warnings, "--length-unit/--energy-unit ignored: %s is a weights.bin file "
                         "(always in Angstrom and eV); they apply to n2p2 potential directories", path);
    return code;
}
