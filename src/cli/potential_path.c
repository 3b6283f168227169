/* Potentials by short name (`nnvib water.xyz tanh`): where the programs look
 * for shipped and installed potentials, and `nnvib --list-potentials`. */
#define _XOPEN_SOURCE 700 /* realpath, readlink */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* Set by Makefile.am; empty when this file is compiled elsewhere (no
 * installed or source-tree directory is searched then). */
#ifndef NNVIB_PKGDATADIR
#define NNVIB_PKGDATADIR ""
#endif
#ifndef NNVIB_ABS_SRCDIR
#define NNVIB_ABS_SRCDIR ""
#endif
#ifndef NNVIB_ABS_BUILDDIR
#define NNVIB_ABS_BUILDDIR ""
#endif

#define DIR_MAX 4
#define PATHLEN 4096

typedef struct search_dirs {
    int n;
    char dir[DIR_MAX][PATHLEN];
    const char *what[DIR_MAX];
} search_dirs;

static int is_dir(const char *path)
{
    struct stat st;
    return path[0] && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Add dir (when it exists and is not there yet under another spelling). */
static void add_dir(search_dirs *d, const char *dir, const char *what)
{
    char real[PATH_MAX];
    if (d->n >= DIR_MAX || !is_dir(dir) || !realpath(dir, real) || strlen(real) >= PATHLEN) return;
    for (int i = 0; i < d->n; i++)
        if (strcmp(d->dir[i], real) == 0) return;
    strcpy(d->dir[d->n], real);
    d->what[d->n++] = what;
}

/* 1 when this process is a program of the build tree (the libtool wrapper
 * runs .libs/lt-nnvib or .libs/nnvib): then the source tree's weights/ is
 * searched, as if installed. Linux's /proc; elsewhere never. */
static int run_from_build_tree(void)
{
    char exe[PATH_MAX], build[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0 || !NNVIB_ABS_BUILDDIR[0] || !realpath(NNVIB_ABS_BUILDDIR, build)) return 0;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash) return 0;
    *slash = '\0';
    size_t len = strlen(build);
    if (strncmp(exe, build, len) != 0) return 0;
    return exe[len] == '\0' || strcmp(exe + len, "/.libs") == 0;
}

/* The search order: NNVIB_DATA_DIR (laid out as $(pkgdatadir): its weights/
 * folder; without one, the folder itself holds the potentials), the installed $(pkgdatadir)/weights, the source tree's weights/. */
static void search_dirs_get(search_dirs *d)
{
    char buf[PATHLEN];
    const char *env = getenv("NNVIB_DATA_DIR");
    d->n = 0;
    if (env && env[0]) {
        if (snprintf(buf, sizeof buf, "%s/weights", env) < (int)sizeof buf && is_dir(buf))
            add_dir(d, buf, "NNVIB_DATA_DIR");
        else
            add_dir(d, env, "NNVIB_DATA_DIR");
    }
    if (NNVIB_PKGDATADIR[0] && snprintf(buf, sizeof buf, "%s/weights", NNVIB_PKGDATADIR) < (int)sizeof buf)
        add_dir(d, buf, "installed");
    if (NNVIB_ABS_SRCDIR[0] && run_from_build_tree() &&
        snprintf(buf, sizeof buf, "%s/weights", NNVIB_ABS_SRCDIR) < (int)sizeof buf)
        add_dir(d, buf, "source tree");
}

char *cli_potential_resolve(const char *arg)
{
    search_dirs d;
    char buf[PATHLEN];
    /* A path that exists always wins; so does anything that names a folder. */
    if (!arg[0] || strchr(arg, '/') || access(arg, F_OK) == 0) return strdup(arg);
    search_dirs_get(&d);
    for (int i = 0; i < d.n; i++) {
        static const char *const pattern[] = {"%s/%s", "%s/%s.bin", "%s/hcno-%s.bin"};
        for (size_t k = 0; k < sizeof pattern / sizeof pattern[0]; k++) {
            int n = snprintf(buf, sizeof buf, pattern[k], d.dir[i], arg);
            if (n > 0 && n < (int)sizeof buf && is_file(buf)) return strdup(buf);
        }
    }
    /* Not found: the reader reports the argument as given. */
    return strdup(arg);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The weights.bin files of one folder, sorted; *n of them (free each and the array). */
static char **list_bin(const char *dir, int *n)
{
    DIR *dp = opendir(dir);
    char **names = NULL;
    int cap = 0;
    struct dirent *e;
    *n = 0;
    if (!dp) return NULL;
    while ((e = readdir(dp))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".bin") != 0 || e->d_name[0] == '.') continue;
        if (*n == cap) {
            char **more = realloc(names, (size_t)(cap = cap ? 2 * cap : 16) * sizeof *names);
            if (!more) break;
            names = more;
        }
        if (!(names[*n] = strdup(e->d_name))) break;
        (*n)++;
    }
    closedir(dp);
    if (names) qsort(names, (size_t)*n, sizeof *names, by_name);
    return names;
}

/* One potential's line: name, elements, activation, committee size, path, and
 * the description's first line (cut to fit a terminal). */
static void print_potential(const char *name, const char *path)
{
    nnv_error err = {0, ""};
    nnv_potential *p = NULL;
    char elements[128] = "", desc[96];
    size_t used = 0;
    if (nnv_potential_load(&p, path, NULL, &err) != NNV_OK) {
        printf("%-24s (unreadable: %s)\n", name, err.message);
        return;
    }
    for (int i = 0; i < p->n_elements && used + 8 < sizeof elements; i++) {
        int w = snprintf(elements + used, sizeof elements - used, "%s%s", i ? "," : "",
                         nnv_element_symbol(p->elements[i].Z));
        if (w > 0) used += (size_t)w;
    }
    const nnv_element_model *e = p->n_elements ? &p->elements[0] : NULL;
    const nnv_network *net = !e ? NULL : (p->n_members && e->members) ? &e->members[0] : &e->energy;
    const char *act = net && net->n_layers > 1 ? nnv_activation_name(net->layers[0].activation) : "-";
    size_t dl = strcspn(p->description, "\n");
    if (dl >= sizeof desc) {
        memcpy(desc, p->description, sizeof desc - 4);
        strcpy(desc + sizeof desc - 4, "...");
    } else {
        memcpy(desc, p->description, dl);
        desc[dl] = '\0';
    }
    printf("%-24s %-10s %-10s %9d  %s\n%-24s %s\n", name, elements, act, p->n_members ? p->n_members : 1, path, "",
           desc);
    nnv_potential_free(p);
}

int cli_main_list_potentials(int argc, char **argv)
{
    static const arg_spec opts[] = {ARG_SPEC_HELP, ARG_SPEC_VERSION, {0}};
    const arg_command cmd = {
        .program = "nnvib --list-potentials", .usage = "[--help] [--version]",
        .summary = "List the potentials that `nnvib MOLECULE.xyz NAME` finds by short name: NAME is\n"
                   "a file stem (hcno-lib-tanh), or the part after hcno- (tanh). Searched in order\n"
                   "(the first match wins): NNVIB_DATA_DIR/weights (or NNVIB_DATA_DIR itself when\n"
                   "it has no weights folder), the installed " NNVIB_PKGDATADIR "/weights,\n"
                   "and the source tree's weights/ when nnvib runs from its build tree. A path\n"
                   "that exists always wins over a name. Columns: name, elements, hidden-layer\n"
                   "activation, committee size, file; then the description's first line.",
        .opts = opts, .min_pos = 0, .max_pos = 0, .positional = "", .exits = ARGS_EXITS_BASIC,
        .version = nnv_version()};
    char msg[512];
    const char *pos[2];
    int n_pos = 0, st, shown = 0;
    search_dirs d;
    char **seen = NULL;
    int n_seen = 0;

    if (argc > 2) return args_fail(cmd.program, CLI_EXIT_USAGE, "too many arguments (see nnvib --list-potentials --help)");
    st = args_parse(&cmd, argc, argv, pos, &n_pos, msg, sizeof msg);
    if (st == ARGS_DONE) return CLI_EXIT_OK;
    if (st != CLI_EXIT_OK) return args_fail(cmd.program, st, msg);
    search_dirs_get(&d);
    if (d.n == 0) {
        printf("no potential folder found (set NNVIB_DATA_DIR, or install nnvib)\n");
        return CLI_EXIT_OK;
    }
    printf("%-24s %-10s %-10s %9s  %s\n", "NAME", "ELEMENTS", "ACTIVATION", "COMMITTEE", "FILE");
    for (int i = 0; i < d.n; i++) {
        int n = 0;
        char **names = list_bin(d.dir[i], &n);
        char path[PATHLEN + 256], name[256];
        for (int k = 0; k < n; k++) {
            int dup = 0;
            size_t len = strlen(names[k]) - 4;
            if (len >= sizeof name) len = sizeof name - 1;
            memcpy(name, names[k], len);
            name[len] = '\0';
            /* A name an earlier folder has is never reached by resolution: skip it. */
            for (int j = 0; j < n_seen; j++) dup |= strcmp(seen[j], names[k]) == 0;
            if (!dup) {
                char **more = realloc(seen, (size_t)(n_seen + 1) * sizeof *seen);
                if (more) (seen = more)[n_seen++] = names[k];
                else free(names[k]);
                snprintf(path, sizeof path, "%s/%s", d.dir[i], names[k]);
                print_potential(name, path);
                shown++;
            } else {
                free(names[k]);
            }
        }
        free(names);
    }
    for (int j = 0; j < n_seen; j++) free(seen[j]);
    free(seen);
    printf("%d potential%s in:", shown, shown == 1 ? "" : "s");
    for (int i = 0; i < d.n; i++) printf(" %s (%s)%s", d.dir[i], d.what[i], i + 1 < d.n ? "," : "\n");
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_OUTPUT;
}
