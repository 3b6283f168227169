/* tools/nnvib-study, --sets: the molecule table (molecules/hcno/molecules.tsv)
 * that names each molecule's set (train, heldout, large) and functional
 * groups, so the report can say where a potential was trained and where not. */
#define _POSIX_C_SOURCE 200809L /* strdup */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "study.h"

/* Column c (0-based) of a tab-separated line into [*b, *e); 0 when absent. */
static int column(const char *line, int c, const char **b, const char **e)
{
    const char *p = line;
    for (int k = 0; k < c; k++) {
        p = strchr(p, '\t');
        if (!p) return 0;
        p++;
    }
    *b = p;
    *e = p + strcspn(p, "\t\r\n");
    return 1;
}

static int column_is(const char *line, int c, const char *name)
{
    const char *b, *e;
    return column(line, c, &b, &e) && (size_t)(e - b) == strlen(name) && strncmp(b, name, (size_t)(e - b)) == 0;
}

static char *column_dup(const char *line, int c)
{
    const char *b, *e;
    char *d;
    if (!column(line, c, &b, &e)) return NULL;
    if (!(d = malloc((size_t)(e - b) + 1))) return NULL;
    memcpy(d, b, (size_t)(e - b));
    d[e - b] = '\0';
    return d;
}

int study_read_sets(study *st, char *msg, size_t msglen)
{
    FILE *f = fopen(st->sets_path, "r");
    char line[4096];
    int lineno = 0, c_name = -1, c_groups = -1, c_set = -1, code = CLI_EXIT_OK;
    if (!f) {
        snprintf(msg, msglen, "%s: cannot open the molecule table: %s", st->sets_path, strerror(errno));
        return CLI_EXIT_INPUT;
    }
    while (fgets(line, sizeof line, f)) {
        char *name = NULL;
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            snprintf(msg, msglen, "%s:%d: line longer than %zu bytes", st->sets_path, lineno, sizeof line - 2);
            code = CLI_EXIT_INPUT;
            break;
        }
        if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0') continue;
        if (c_name < 0) {
            /* The header names the columns; their order is free. */
            for (int c = 0; c < 64; c++) {
                if (column_is(line, c, "name")) c_name = c;
                if (column_is(line, c, "groups")) c_groups = c;
                if (column_is(line, c, "set")) c_set = c;
            }
            if (c_name < 0 || c_groups < 0 || c_set < 0) {
                snprintf(msg, msglen, "%s:%d: the header must name the columns name, groups and set", st->sets_path,
                         lineno);
                code = CLI_EXIT_INPUT;
                break;
            }
            continue;
        }
        if (!(name = column_dup(line, c_name))) {
            snprintf(msg, msglen, "%s:%d: no name column", st->sets_path, lineno);
            code = CLI_EXIT_INPUT;
            break;
        }
        for (int m = 0; m < st->n_mols; m++) {
            study_mol *mo = &st->mols[m];
            if (strcmp(mo->name, name) != 0) continue;
            if (mo->set) {
                snprintf(msg, msglen, "%s:%d: molecule %s listed twice", st->sets_path, lineno, name);
                code = CLI_EXIT_INPUT;
                break;
            }
            mo->set = column_dup(line, c_set);
            mo->groups = column_dup(line, c_groups);
            if (!mo->set || !mo->groups || !*mo->set) {
                snprintf(msg, msglen, "%s:%d: molecule %s: missing set or groups column", st->sets_path, lineno, name);
                code = CLI_EXIT_INPUT;
            }
            break;
        }
        free(name);
        if (code != CLI_EXIT_OK) break;
    }
    if (code == CLI_EXIT_OK && ferror(f)) {
        snprintf(msg, msglen, "%s: read error", st->sets_path);
        code = CLI_EXIT_INPUT;
    }
    if (code == CLI_EXIT_OK && c_name < 0) {
        snprintf(msg, msglen, "%s: no header line (name, groups, set)", st->sets_path);
        code = CLI_EXIT_INPUT;
    }
    for (int m = 0; code == CLI_EXIT_OK && m < st->n_mols; m++)
        if (!st->mols[m].set) {
            snprintf(msg, msglen, "%s: no row for molecule %s of %s", st->sets_path, st->mols[m].name, st->moldir);
            code = CLI_EXIT_INPUT;
        }
    fclose(f);
    return code;
}

int study_in_group(const study_mol *mo, const char *group)
{
    size_t n = strlen(group);
    for (const char *c = mo->groups; c && *c;) {
        const char *e = strchr(c, ',');
        size_t len = e ? (size_t)(e - c) : strlen(c);
        if (len == n && strncmp(c, group, n) == 0) return 1;
        c = e ? e + 1 : NULL;
    }
    return 0;
}

/* The names of the sets in report order: train, heldout, large, then any
 * other in order of appearance. Returns their number (at most cap). */
int study_list_sets(const study *st, const char **names, int cap)
{
    static const char *const first[3] = {"train", "heldout", "large"};
    int n = 0;
    for (int q = 0; q < 3; q++)
        for (int m = 0; m < st->n_mols; m++)
            if (st->mols[m].set && strcmp(st->mols[m].set, first[q]) == 0 && n < cap) {
                names[n++] = first[q];
                break;
            }
    for (int m = 0; m < st->n_mols; m++) {
        int seen = 0;
        if (!st->mols[m].set) continue;
        for (int j = 0; j < n && !seen; j++) seen = strcmp(names[j], st->mols[m].set) == 0;
        if (!seen && n < cap) names[n++] = st->mols[m].set;
    }
    return n;
}
