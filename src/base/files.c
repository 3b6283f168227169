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
/* As the kernel: more links in a row than this are a loop (open says ELOOP). */
#define AF_MAX_LINKS 40

/* The descriptor a path names (/dev/stdout, /dev/stderr, /dev/fd/N,
 * /proc/self/fd/N), or -1. Such a path is written through a copy of the
 * descriptor: reopening it would truncate a file the shell opened for
 * appending, and a rename would replace the link, not the output. */
static int named_descriptor(const char *p)
{
    const char *digits = NULL;
    long n;
    char *end;
    if (strcmp(p, "/dev/stdout") == 0) return 1;
    if (strcmp(p, "/dev/stderr") == 0) return 2;
    if (strncmp(p, "/dev/fd/", 8) == 0) digits = p + 8;
    else if (strncmp(p, "/proc/self/fd/", 14) == 0) digits = p + 14;
    if (!digits || *digits < '0' || *digits > '9') return -1;
    errno = 0;
    n = strtol(digits, &end, 10);
    return (*end || errno || n > 65535) ? -1 : (int)n;
}

/* Follow path's symbolic links (a dangling one too) to the name a rename must
 * replace, so that the link stays a link and its target gets the output. *fd
 * is set when a name on the way is an open descriptor. NULL: out of memory. */
static char *resolve_links(const char *path, int *fd)
{
    char *cur = strdup(path);
    *fd = -1;
    for (int hop = 0; cur && hop < AF_MAX_LINKS; hop++) {
        struct stat st;
        char link[4096];
        const char *slash;
        char *next;
        ssize_t n;
        size_t dirlen;
        if ((*fd = named_descriptor(cur)) >= 0) break;
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode)) break;
        n = readlink(cur, link, sizeof link - 1);
        if (n < 0 || (size_t)n >= sizeof link - 1) break; /* left to open to report */
        link[n] = '\0';
        /* A relative link is relative to the folder holding the link. */
        slash = strrchr(cur, '/');
        dirlen = (link[0] == '/' || !slash) ? 0 : (size_t)(slash - cur) + 1;
        if (!(next = malloc(dirlen + (size_t)n + 1))) {
            free(cur);
            return NULL;
        }
        memcpy(next, cur, dirlen);
        memcpy(next + dirlen, link, (size_t)n + 1);
        free(cur);
        cur = next;
    }
    return cur;
}

static int open_descriptor(af_file *af, int fd, nnv_error *err)
{
    int copy = dup(fd);
    if (copy < 0 || !(af->f = fdopen(copy, "w"))) {
        int e = errno;
        if (copy >= 0) close(copy);
        return nnv_error_set(err, NNV_EIO, "cannot write %s: %s", af->path, strerror(e));
    }
    af->direct = 1;
    return NNV_OK;
}

int af_open(af_file *af, const char *path, nnv_error *err)
{
    int fd = -1, rc = NNV_OK, named_fd;
    char *target = NULL;
    struct stat st;

    af->f = NULL;
    af->tmp = NULL;
    af->path = path;
    af->direct = 0;
    if (!path || !*path) return nnv_error_set(err, NNV_EUSAGE, "output file name is empty");
    if (!(target = resolve_links(path, &named_fd)))
        return nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", path);
    if (named_fd >= 0) {
        rc = open_descriptor(af, named_fd, err);
        goto cleanup;
    }
    /* A device or pipe (/dev/null, a FIFO, a terminal) is written in place:
     * renaming a temporary file over it would replace the device with a
     * plain file (as root, /dev/null itself). */
    if (stat(target, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode)) {
            rc = nnv_error_set(err, NNV_EIO, "cannot write %s: it is a folder", path);
        } else if (!(af->f = fopen(target, "w"))) {
            rc = nnv_error_set(err, NNV_EIO, "cannot write %s: %s", path, strerror(errno));
        } else {
            af->direct = 1;
        }
        goto cleanup;
    }
    af->tmp = malloc(strlen(target) + sizeof AF_SUFFIX);
    if (!af->tmp) {
        rc = nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", path);
        goto cleanup;
    }
    strcpy(af->tmp, target);
    strcat(af->tmp, AF_SUFFIX);
    fd = mkstemp(af->tmp);
    if (fd < 0) {
        rc = nnv_error_set(err, NNV_EIO, "cannot write %s: %s", path, strerror(errno));
        goto cleanup;
    }
    /* mkstemp creates the file 0600. A file that is replaced keeps its mode
     * (a private 0600 file stays private) and, where allowed, its owner; a new
     * one is for everyone to read (a fixed mode, since reading the umask would
     * change process state). */
    if (stat(target, &st) == 0) {
        if ((st.st_uid != geteuid() || st.st_gid != getegid()) && fchown(fd, st.st_uid, st.st_gid) != 0) {
            /* not ours to give away: the new file stays the writer's */
        }
        if (fchmod(fd, st.st_mode & 07777) != 0) rc = NNV_EIO;
    } else if (fchmod(fd, 0644) != 0) {
        rc = NNV_EIO;
    }
    if (rc != NNV_OK || !(af->f = fdopen(fd, "w"))) {
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
    free(target);
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
    if (rc == NNV_OK) {
        /* The target is the temporary name without its suffix. */
        size_t n = strlen(af->tmp) - (sizeof AF_SUFFIX - 1);
        char *target = malloc(n + 1);
        if (!target) {
            rc = nnv_error_set(err, NNV_ENOMEM, "%s: out of memory", af->path);
        } else {
            memcpy(target, af->tmp, n);
            target[n] = '\0';
            if (rename(af->tmp, target) != 0)
                rc = nnv_error_set(err, NNV_EIO, "cannot write %s: rename from %s failed: %s", af->path, af->tmp,
                                   strerror(errno));
            free(target);
        }
    }
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

const char *nnv_ofile_temp_path(const nnv_ofile *f) { return f ? f->af.tmp : NULL; }

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
