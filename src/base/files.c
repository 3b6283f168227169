/* File helpers: atomic output files (write under a temporary name in the
 * target's folder, then rename over the target, so a file is either complete
 * or absent), for the library (af_*) and its users (nnv_ofile_*). */
#define _POSIX_C_SOURCE 200809L /* mkstemp, fsync, fchmod, fdopen */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base_internal.h"

/* mkstemp needs a name that ends in XXXXXX; the suffix keeps it next to the
 * target (same file system, so rename is atomic) and recognisable. */
#define AF_SUFFIX ".tmpXXXXXX"

int af_open(af_file *af, const char *path, nnv_error *err)
{
    int fd = -1, rc = NNV_OK;

    af->f = NULL;
    af->tmp = NULL;
    af->path = path;
    af->direct = 0;
    if (!path || !*path) return nnv_error_set(err, NNV_EUSAGE, "output file name is empty");
    {
        /* A device or pipe (/dev/null, /dev/stdout, a FIFO) is written in
         * place: renaming a temporary file over it would replace the device
         * with a plain file (as root, /dev/null itself). */
        struct stat st;
        if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
            if (S_ISDIR(st.st_mode)) return nnv_error_set(err, NNV_EIO, "cannot write %s: it is a folder", path);
            if (!(af->f = fopen(path, "w")))
                return nnv_error_set(err, NNV_EIO, "cannot write %s: %s", path, strerror(errno));
            af->direct = 1;
            return NNV_OK;
        }
    }
    af->tmp = malloc(strlen(path) + sizeof AF_SUFFIX);
    if (!af->tmp) return nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", path);
    strcpy(af->tmp, path);
    strcat(af->tmp, AF_SUFFIX);
    fd = mkstemp(af->tmp);
    if (fd < 0) {
        rc = nnv_error_set(err, NNV_EIO, "cannot write %s: %s", path, strerror(errno));
        goto cleanup;
    }
    /* mkstemp creates the file 0600; an output file is for everyone to read
     * (a fixed mode, since reading the umask would change process state). */
    if (fchmod(fd, 0644) != 0 || !(af->f = fdopen(fd, "w"))) {
        rc = nnv_error_set(err, NNV_EIO, "cannot write %s: %s", path, strerror(errno));
        goto cleanup;
    }
    fd = -1;
cleanup:
    if (rc != NNV_OK) {
        if (fd >= 0) {
            close(fd);
            remove(af->tmp);
        }
        free(af->tmp);
        af->tmp = NULL;
    }
    return rc;
}

int af_commit(af_file *af, nnv_error *err)
{
    int ok, rc = NNV_OK;

    if (af->direct) {
        ok = af->f && fflush(af->f) == 0 && !ferror(af->f);
        if (af->f && fclose(af->f) != 0) ok = 0;
        af->f = NULL;
        af->direct = 0;
        return ok ? NNV_OK : nnv_error_set(err, NNV_EIO, "cannot write %s: %s", af->path, strerror(errno));
    }
    if (!af->tmp || !af->f) return nnv_error_set(err, NNV_EUSAGE, "af_commit: no open file");
    ok = fflush(af->f) == 0 && !ferror(af->f) && fsync(fileno(af->f)) == 0;
    if (!ok) rc = nnv_error_set(err, NNV_EIO, "cannot write %s: %s", af->path, strerror(errno));
    if (fclose(af->f) != 0 && rc == NNV_OK)
        rc = nnv_error_set(err, NNV_EIO, "cannot write %s: %s", af->path, strerror(errno));
    af->f = NULL;
    if (rc == NNV_OK && rename(af->tmp, af->path) != 0)
        rc = nnv_error_set(err, NNV_EIO, "cannot write %s: rename from %s failed: %s", af->path, af->tmp,
                           strerror(errno));
    if (rc != NNV_OK) remove(af->tmp);
    free(af->tmp);
    af->tmp = NULL;
    return rc;
}

void af_discard(af_file *af)
{
    if (af->f) fclose(af->f);
    af->f = NULL;
    af->direct = 0;
    if (af->tmp) {
        remove(af->tmp);
        free(af->tmp);
    }
    af->tmp = NULL;
}

/* ---- the public face of af_* (include/nnvib/output.h) ---------------------- */

int nnv_ofile_open(nnv_ofile **out, const char *path, nnv_error *err)
{
    nnv_ofile *f = NULL;
    int rc;

    if (!out) return nnv_error_set(err, NNV_EUSAGE, "nnv_ofile_open: no place for the file");
    *out = NULL;
    if (!path || !*path) return nnv_error_set(err, NNV_EUSAGE, "output file name is empty");
    /* The path is copied: af_file keeps a pointer to it until the commit. */
    if (!(f = calloc(1, sizeof *f)) || !(f->path = strdup(path))) {
        free(f);
        return nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", path);
    }
    if ((rc = af_open(&f->af, f->path, err)) != NNV_OK) {
        free(f->path);
        free(f);
        return rc;
    }
    *out = f;
    return NNV_OK;
}

FILE *nnv_ofile_stream(nnv_ofile *f) { return f ? f->af.f : NULL; }

int nnv_ofile_commit(nnv_ofile *f, nnv_error *err)
{
    int rc;
    if (!f) return nnv_error_set(err, NNV_EUSAGE, "nnv_ofile_commit: no file");
    rc = af_commit(&f->af, err);
    nnv_ofile_discard(f); /* after af_commit only frees */
    return rc;
}

void nnv_ofile_discard(nnv_ofile *f)
{
    if (!f) return;
    af_discard(&f->af);
    free(f->path);
    free(f);
}
