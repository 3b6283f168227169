/* What every subcommand of nnvib needs around the library calls: the report's
 * destination, the Hessian budget from the environment, loading a molecule
 * and a potential, and turning a library failure into one error line. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* ---- temporary files removed on SIGINT/SIGTERM ----------------------------------
 * The library keeps no global state, so the program holds the names of the
 * temporary files it has open; the handler only unlinks them (async-signal-
 * safe) and dies of the signal. Names are copied, so a slot may outlive its
 * file: after a commit the name no longer exists and unlink does nothing. */
#define CLI_TMP_SLOTS 8
#define CLI_TMP_NAME_MAX 4096
static char tmp_names[CLI_TMP_SLOTS][CLI_TMP_NAME_MAX];
static volatile sig_atomic_t tmp_used[CLI_TMP_SLOTS];

static void remove_temporaries(int sig)
{
    for (int i = 0; i < CLI_TMP_SLOTS; i++)
        if (tmp_used[i]) unlink(tmp_names[i]);
    signal(sig, SIG_DFL);
    raise(sig);
}

int cli_tmp_register(const char *tmp)
{
    static int installed;
    size_t n = tmp ? strlen(tmp) : 0;
    if (!tmp || n >= CLI_TMP_NAME_MAX) return -1;
    if (!installed) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = remove_temporaries;
        sigemptyset(&sa.sa_mask);
        sigaddset(&sa.sa_mask, SIGINT);
        sigaddset(&sa.sa_mask, SIGTERM);
        sigaddset(&sa.sa_mask, SIGHUP);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
        installed = 1;
    }
    for (int i = 0; i < CLI_TMP_SLOTS; i++)
        if (!tmp_used[i]) {
            memcpy(tmp_names[i], tmp, n + 1);
            tmp_used[i] = 1;
            return i;
        }
    return -1;
}

void cli_tmp_unregister(int slot)
{
    if (slot >= 0 && slot < CLI_TMP_SLOTS) tmp_used[slot] = 0;
}

/* ---- outputs that would overwrite an input or each other ----------------------- */

/* 1 when a and b name the same file: by device and inode when both exist, by
 * name otherwise. Devices, pipes and descriptors (written in place) never
 * clash: -o /dev/null --cml /dev/null is fine. */
static int same_file(const char *a, const char *b, int *special)
{
    struct stat sa, sb;
    int ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;
    *special = ea && !S_ISREG(sa.st_mode);
    if (*special) return 0;
    if (ea && eb) return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    return !ea && !eb && strcmp(a, b) == 0;
}

int cli_check_paths(const cli_path *paths, int n, char *msg, size_t msglen)
{
    for (int i = 0; i < n; i++) {
        int special = 0;
        if (!paths[i].output || !paths[i].path) continue;
        for (int j = 0; j < n; j++) {
            if (j == i || !paths[j].path || (paths[j].output && j > i)) continue;
            if (!same_file(paths[i].path, paths[j].path, &special)) {
                if (special) break;
                continue;
            }
            if (paths[j].output)
                snprintf(msg, msglen, "%s %s: the same file as %s; give each output its own file", paths[i].what,
                         paths[i].path, paths[j].what);
            else
                snprintf(msg, msglen, "%s %s: the same file as the %s %s; refusing to overwrite an input",
                         paths[i].what, paths[i].path, paths[j].what, paths[j].path);
            return CLI_EXIT_USAGE;
        }
    }
    return CLI_EXIT_OK;
}

int cli_out_open(cli_out *o, const char *path, char *msg, size_t msglen)
{
    nnv_error e = {0, ""};
    o->f = stdout;
    o->of = NULL;
    o->path = path;
    o->tmp_slot = -1;
    if (!path) return CLI_EXIT_OK;
    if (nnv_ofile_open(&o->of, path, &e) != NNV_OK) {
        snprintf(msg, msglen, "%s", e.message);
        return e.code == NNV_ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_OUTPUT;
    }
    if (nnv_ofile_temp_path(o->of)) o->tmp_slot = cli_tmp_register(nnv_ofile_temp_path(o->of));
    o->f = nnv_ofile_stream(o->of);
    return CLI_EXIT_OK;
}

void cli_out_abort(cli_out *o)
{
    nnv_ofile_discard(o->of);
    cli_tmp_unregister(o->tmp_slot);
    o->tmp_slot = -1;
    o->of = NULL;
    o->f = NULL;
}

int cli_out_close(cli_out *o, char *msg, size_t msglen)
{
    nnv_error e = {0, ""};
    nnv_ofile *of = o->of;
    if (!of) {
        int ok = fflush(stdout) == 0 && !ferror(stdout);
        if (!ok) snprintf(msg, msglen, "cannot write to standard output: %s", strerror(errno));
        return ok ? CLI_EXIT_OK : CLI_EXIT_OUTPUT;
    }
    o->f = NULL;
    o->of = NULL; /* the commit frees it */
    if (nnv_ofile_commit(of, &e) != NNV_OK) {
        cli_tmp_unregister(o->tmp_slot);
        o->tmp_slot = -1;
        snprintf(msg, msglen, "%s", e.message);
        return CLI_EXIT_OUTPUT;
    }
    cli_tmp_unregister(o->tmp_slot);
    o->tmp_slot = -1;
    return CLI_EXIT_OK;
}

int cli_out_failed(const cli_out *o, char *msg, size_t msglen)
{
    snprintf(msg, msglen, "cannot write %s: %s", o->path ? o->path : "to standard output", strerror(errno));
    return CLI_EXIT_OUTPUT;
}

int cli_lib_failed(int code, const nnv_error *err, char *msg, size_t msglen)
{
    snprintf(msg, msglen, "%s", err && err->message[0] ? err->message : nnv_strerror(code));
    return cli_exit_of(code);
}

int cli_is_weights_file(const char *path)
{
    char head[8];
    FILE *f;
    size_t n;
    struct stat st;
    if (!path || stat(path, &st) != 0 || !S_ISREG(st.st_mode) || !(f = fopen(path, "rb"))) return 0;
    n = fread(head, 1, sizeof head, f);
    fclose(f);
    return n == sizeof head && memcmp(head, "NNVIBW01", sizeof head) == 0;
}

int cli_check_order(const char *xyz, const char *pot, const char *usage, char *msg, size_t msglen)
{
    if (!cli_is_weights_file(xyz)) return CLI_EXIT_OK;
    snprintf(msg, msglen, "%s is a potential (weights.bin), given where the molecule goes: the order is %s%s%s",
             xyz, usage, pot && !cli_is_weights_file(pot) ? "; perhaps swap them: " : "",
             pot && !cli_is_weights_file(pot) ? pot : "");
    if (pot && !cli_is_weights_file(pot)) {
        size_t used = strlen(msg);
        snprintf(msg + used, msglen - used, " %s", xyz);
    }
    return CLI_EXIT_USAGE;
}

int cli_check_elements(const nnv_structure *s, const char *xyz, const nnv_potential *p, const char *pot, char *msg,
                       size_t msglen)
{
    for (int i = 0; i < s->n_atoms; i++) {
        int found = 0;
        size_t used;
        for (int e = 0; e < p->n_elements && !found; e++) found = p->elements[e].Z == s->Z[i];
        if (found) continue;
        used = (size_t)snprintf(msg, msglen, "%s: atom %d is %s, an element the potential %s does not have (it has",
                                xyz, i + 1, nnv_element_symbol(s->Z[i]), pot);
        for (int e = 0; e < p->n_elements && used < msglen; e++)
            used += (size_t)snprintf(msg + used, msglen - used, " %s", nnv_element_symbol(p->elements[e].Z));
        if (used < msglen) snprintf(msg + used, msglen - used, ")");
        return CLI_EXIT_INPUT;
    }
    return CLI_EXIT_OK;
}

int cli_load(nnv_structure **s, nnv_potential **p, const char *xyz, const char *pot, int opt, nnv_opt_report *rep,
             char *msg, size_t msglen)
{
    nnv_error err = {0, ""};
    int code;
    int st;
    *s = NULL;
    *p = NULL;
    char *resolved = NULL; /* pot, or the file its short name names (potential_path.c) */
    if ((st = cli_check_order(xyz, pot, "MOLECULE.xyz POTENTIAL", msg, msglen)) != CLI_EXIT_OK) return st;
    if (!(resolved = cli_potential_resolve(pot))) {
        snprintf(msg, msglen, "out of memory");
        return CLI_EXIT_INTERNAL;
    }
    code = nnv_structure_read_xyz(s, xyz, 0, &err);
    if (code == NNV_OK) code = nnv_potential_load(p, resolved, NULL, &err);
    free(resolved);
    if (code != NNV_OK) goto fail;
    if ((st = cli_check_elements(*s, xyz, *p, pot, msg, msglen)) != CLI_EXIT_OK) {
        nnv_structure_free(*s);
        nnv_potential_free(*p);
        *s = NULL;
        *p = NULL;
        return st;
    }
    if (opt && (code = nnv_optimize(*s, *p, NULL, rep, &err)) != NNV_OK) goto fail;
    return CLI_EXIT_OK;
fail:
    nnv_structure_free(*s);
    nnv_potential_free(*p);
    *s = NULL;
    *p = NULL;
    return cli_lib_failed(code, &err, msg, msglen);
}

void cli_print_warnings(const char *program, const nnv_warnings *w)
{
    for (int i = 0; w && i < w->count; i++) fprintf(stderr, "%s: warning: %s\n", program, w->messages[i]);
}
