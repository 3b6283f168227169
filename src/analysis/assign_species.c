/* Assignment of computed modes to reference bands of the same symmetry
 * species: the reference's labels in nnvib's ASCII spelling, the axis
 * conventions under which B labels differ between sources, and the count of
 * bands whose modes change against matching by frequency alone. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_internal.h"

void nnv_species_ascii(char *out, size_t len, const char *label)
{
    static const struct {
        const char *utf8, *ascii;
    } map[] = {{"\xCE\xA3", "Sigma"}, {"\xCE\xA0", "Pi"}, {"\xCE\x94", "Delta"}, {"\xCE\xA6", "Phi"},
               {"\xE2\x88\x9E", "inf"}, {"\xE2\x80\xB2", "'"}, {"\xE2\x80\xB3", "''"}, {"\xE2\x81\xBA", "+"},
               {"\xE2\x81\xBB", "-"}, {"\xE2\x88\x92", "-"}};
    size_t o = 0;
    if (!out || len == 0) return;
    out[0] = '\0';
    if (!label) return;
    while (*label == ' ' || *label == '\t') label++;
    for (const char *p = label; *p && o + 1 < len;) {
        size_t k, nm = sizeof map / sizeof map[0];
        for (k = 0; k < nm; k++)
            if (strncmp(p, map[k].utf8, strlen(map[k].utf8)) == 0) break;
        const char *piece = k < nm ? map[k].ascii : NULL;
        char one[2] = {*p, '\0'};
        if (!piece) {
            if (*p == ' ' || *p == '\t') break;
            piece = one;
        }
        for (const char *q = piece; *q && o + 1 < len; q++) out[o++] = *q;
        p += k < nm ? strlen(map[k].utf8) : 1;
    }
    out[o] = '\0';
    /* Mulliken letters: capital first letter (F is written T), g/u and digits as they are */
    if (out[0] && islower((unsigned char)out[0])) out[0] = (char)toupper((unsigned char)out[0]);
    if (out[0] == 'F' && (out[1] == '\0' || isdigit((unsigned char)out[1]) || out[1] == 'g' || out[1] == 'u'))
        out[0] = 'T';
    /* point groups: "Cs", "C2v", "Dinfh" keep lower-case tails; species too */
}

/* Relabellings of B species between axis conventions, as digit permutations. */
static int axis_perms(const char *group, int perms[6][3])
{
    static const int all[6][3] = {{1, 2, 3}, {2, 1, 3}, {1, 3, 2}, {3, 2, 1}, {2, 3, 1}, {3, 1, 2}};
    int n = 1;
    if (!strcmp(group, "D2") || !strcmp(group, "D2h")) n = 6;
    else if (!strcmp(group, "C2v") || !strcmp(group, "C4v") || !strcmp(group, "C6v") || !strcmp(group, "D4h") ||
             !strcmp(group, "D6h") || !strcmp(group, "D4") || !strcmp(group, "D6"))
        n = 2;
    memcpy(perms, all, sizeof all);
    return n;
}

static void relabel(char *out, size_t len, const char *label, const int *perm)
{
    snprintf(out, len, "%s", label);
    if (out[0] == 'B' && out[1] >= '1' && out[1] <= '3') out[1] = (char)('0' + perm[out[1] - '1']);
}

static int n_assigned(const nnv_assignment *a)
{
    int n = 0;
    for (int b = 0; b < a->n_bands; b++) n += a->band_n_calc[b];
    return n;
}

int nnv_assign_modes_species(nnv_assignment **out, int n_calc, const double *freq_calc,
                             const nnv_mode_symmetry *species, const char *point_group,
                             const nnv_reference *ref, nnv_error *err)
{
    nnv_assignment *plain = NULL, *best = NULL, *try_ = NULL;
    unsigned char *allowed = NULL;
    char (*ref_sp)[NNV_SYM_LABEL_SIZE] = NULL, group[NNV_SYM_LABEL_SIZE];
    int rc, perms[6][3];
    if (!out) return nnv_error_set(err, NNV_EUSAGE, "nnv_assign_modes_species: no output pointer");
    *out = NULL;
    if ((rc = nnv_assign_modes(&plain, n_calc, freq_calc, ref, err)) != NNV_OK) return rc;
    nnv_species_ascii(group, sizeof group, ref->point_group);
    const pg_table *t = point_group ? pg_table_get(pg_table_find(point_group)) : NULL;
    int usable = species && species->n_modes == n_calc && t && strcmp(group, point_group) == 0 && ref->n_bands > 0;
    if (usable) {
        ref_sp = calloc((size_t)ref->n_bands, sizeof *ref_sp);
        allowed = malloc((size_t)n_calc * (size_t)ref->n_bands + 1);
        if (!ref_sp || !allowed) {
            rc = nnv_error_set(err, NNV_ENOMEM, "nnv_assign_modes_species: out of memory");
            goto cleanup;
        }
    }
    /* every band must carry a species of the group's table */
    for (int b = 0; usable && b < ref->n_bands; b++) {
        int found = 0;
        nnv_species_ascii(ref_sp[b], sizeof ref_sp[b], ref->bands[b].symmetry);
        for (int r = 0; r < t->n_irreps && !found; r++) found = strcmp(ref_sp[b], t->irrep[r]) == 0;
        usable = found;
    }
    if (!usable) {
        *out = plain;
        plain = NULL;
        goto cleanup;
    }
    int np = axis_perms(point_group, perms);
    for (int k = 0; k < np; k++) {
        for (int i = 0; i < n_calc; i++) {
            char lab[NNV_SYM_LABEL_SIZE];
            relabel(lab, sizeof lab, species->labels[i], perms[k]);
            for (int b = 0; b < ref->n_bands; b++)
                allowed[(size_t)i * (size_t)ref->n_bands + (size_t)b] =
                    strcmp(species->labels[i], "?") == 0 || strcmp(lab, ref_sp[b]) == 0;
        }
        if ((rc = asg_assign_masked(&try_, n_calc, freq_calc, ref, allowed, err)) != NNV_OK) goto cleanup;
        /* the axis convention of the file: most modes placed, then least cost */
        if (!best || n_assigned(try_) > n_assigned(best) ||
            (n_assigned(try_) == n_assigned(best) && try_->total_cost < best->total_cost - 1e-9)) {
            nnv_assignment_free(best);
            best = try_;
        } else {
            nnv_assignment_free(try_);
        }
        try_ = NULL;
    }
    best->species_restricted = 1;
    for (int b = 0; b < ref->n_bands; b++) {
        int same = 1;
        for (int i = 0; i < n_calc && same; i++)
            same = (best->calc_band[i] == b) == (plain->calc_band[i] == b);
        best->n_species_changed += !same;
    }
    *out = best;
    best = NULL;
cleanup:
    nnv_assignment_free(plain);
    nnv_assignment_free(best);
    nnv_assignment_free(try_);
    FREE_ALL(allowed, ref_sp);
    return rc;
}
