/* The nnvib program's extra output files (--cml, --molden, --extxyz): hands
 * the finished results to the library's writers and maps a failure to exit
 * status 5. Each file is complete or absent (the writers write atomically). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef int (*writer_fn)(const char *, const nnv_structure *, const nnv_result *, const nnv_vib *,
                         const nnv_write_info *, nnv_error *);

int cli_write_files(const cli_run *run, char *msg, size_t msglen)
{
    const cli_options *o = run->opt;
    const struct {
        const char *path;
        writer_fn fn;
    } files[] = {
        {o->cml_path, nnv_cml_write},
        {o->molden_path, nnv_molden_write},
        {o->extxyz_path, nnv_extxyz_write},
    };
    nnv_write_info info;

    memset(&info, 0, sizeof info);
    info.program = "nnvib";
    info.version = nnv_version();
    info.thermo = run->thermo;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        nnv_error err = {0, ""};
        int code;
        if (!files[i].path) continue;
        code = files[i].fn(files[i].path, run->s, run->r, run->v, &info, &err);
        if (code != NNV_OK) {
            snprintf(msg, msglen, "%s", err.message[0] ? err.message : nnv_strerror(code));
            return code == NNV_ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_OUTPUT;
        }
    }
    return CLI_EXIT_OK;
}
