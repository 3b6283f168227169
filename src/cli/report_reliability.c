/* The reliability verdict as every program prints it: the table's lines under
 * the header, the JSON object, the one-word batch column with its reason
 * codes, and the stderr line. One place, so the words never drift apart. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

void cli_reliability_table(FILE *f, const nnv_reliability *r)
{
    fprintf(f, " reliability        : %s", nnv_verdict_name(r->verdict));
    if (r->verdict == NNV_VERDICT_OK)
        fprintf(f, " (within the calibrated bounds: %s%srange check, guards)\n",
                r->has_committee ? "committee spread, " : "", r->has_novelty ? "novelty, " : "");
    else
        fprintf(f, " (%d reason%s; docs/reliability.md)\n", r->n_reasons, r->n_reasons == 1 ? "" : "s");
    for (int k = 0; k < r->n_reasons; k++)
        fprintf(f, "                      - [%s] %s\n", nnv_verdict_name(r->reason_verdict[k]), r->reason[k]);
}

/* A number, or null when the input was not available. */
static void num_or_null(FILE *f, const char *sep, const char *key, int have, double x)
{
    json_key(f, sep, key);
    if (have) json_num(f, x);
    else fputs("null", f);
}

void cli_reliability_json(FILE *f, const nnv_reliability *r, const char *indent)
{
    /* indent NULL: one line (the JSON lines of nnvib batch). */
    char sep[64], open[64], item[64], close_list[64], close_obj[64];
    if (indent) {
        snprintf(sep, sizeof sep, ",\n%s  ", indent);
        snprintf(open, sizeof open, "{\n%s  ", indent);
        snprintf(item, sizeof item, "\n%s    ", indent);
        snprintf(close_list, sizeof close_list, "\n%s  ", indent);
        snprintf(close_obj, sizeof close_obj, "\n%s}", indent);
    } else {
        snprintf(sep, sizeof sep, ", ");
        snprintf(open, sizeof open, "{");
        snprintf(item, sizeof item, "%s", "");
        snprintf(close_list, sizeof close_list, "%s", "");
        snprintf(close_obj, sizeof close_obj, "}");
    }
    fputs(open, f);
    json_key(f, "", "verdict");
    json_str(f, nnv_verdict_name(r->verdict));
    json_key(f, sep, "reasons");
    fputc('[', f);
    for (int k = 0; k < r->n_reasons; k++) {
        fprintf(f, "%s%s{\"code\": ", k ? (indent ? "," : ", ") : "", item);
        json_str(f, nnv_reason_name(r->reason_code[k]));
        fputs(", \"verdict\": ", f);
        json_str(f, nnv_verdict_name(r->reason_verdict[k]));
        fputs(", \"message\": ", f);
        json_str(f, r->reason[k]);
        fputc('}', f);
    }
    if (r->n_reasons) fputs(close_list, f);
    fputc(']', f);
    json_key(f, sep, "committee");
    json_bool(f, r->has_committee);
    num_or_null(f, sep, "mean_frequency_std_cm1", r->has_committee && r->max_freq_std_mode >= 0, r->mean_freq_std);
    num_or_null(f, sep, "max_frequency_std_cm1", r->has_committee && r->max_freq_std_mode >= 0, r->max_freq_std);
    num_or_null(f, sep, "max_force_std_eV_A", r->has_committee && r->max_force_std_atom >= 0, r->max_force_std);
    json_key(f, sep, "novelty");
    json_bool(f, r->has_novelty);
    num_or_null(f, sep, "max_novelty_d2_over_q99", r->has_novelty && r->max_novelty_atom >= 0, r->max_novelty);
    json_key(f, sep, "max_novelty_atom");
    if (r->has_novelty && r->max_novelty_atom >= 0) fprintf(f, "%d", r->max_novelty_atom + 1);
    else fputs("null", f);
    json_key(f, sep, "n_novel_atoms");
    fprintf(f, "%d", r->n_novel_atoms);
    json_key(f, sep, "n_extrapolations");
    fprintf(f, "%d", r->n_extrapolations);
    json_key(f, sep, "n_imaginary");
    fprintf(f, "%d", r->n_imaginary);
    fputs(close_obj, f);
}

void cli_reliability_codes(char *buf, size_t n, const nnv_reliability *r)
{
    size_t used = 0;
    int w = snprintf(buf, n, "%s", nnv_verdict_name(r->verdict));
    if (w < 0 || (size_t)w >= n) return;
    used = (size_t)w;
    for (int k = 0; k < r->n_reasons; k++) {
        w = snprintf(buf + used, n - used, "%c%s", k ? ',' : ':', nnv_reason_name(r->reason_code[k]));
        if (w < 0 || (size_t)w >= n - used) return;
        used += (size_t)w;
    }
}

void cli_reliability_stderr(const char *program, const nnv_reliability *r)
{
    if (r->verdict == NNV_VERDICT_OK) return;
    fprintf(stderr, "%s: warning: reliability %s:", program, nnv_verdict_name(r->verdict));
    for (int k = 0; k < r->n_reasons; k++) fprintf(stderr, "%s %s", k ? ";" : "", r->reason[k]);
    fputc('\n', stderr);
}
