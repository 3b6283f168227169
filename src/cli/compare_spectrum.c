/* The --spectrum part of `nnvib compare` (placeholder until the spectral
 * comparison lands: every call reports that it is not available). */
#include <stdio.h>
#include <stdlib.h>
#include "cli.h"
#include "compare_spectrum.h"

struct cli_spectrum_report {
    int unused;
};

int cli_spectrum_compare(cli_spectrum_report **out, const cli_spectrum_options *o, int n,
                         const cli_spectrum_input *in, char *msg, size_t msglen)
{
    (void)o, (void)n, (void)in;
    *out = NULL;
    snprintf(msg, msglen, "--spectrum: comparison with measured spectra is not implemented yet");
    return CLI_EXIT_USAGE;
}

int cli_spectrum_report_table(FILE *f, const cli_spectrum_report *r)
{
    (void)f, (void)r;
    return 0;
}

int cli_spectrum_report_json(FILE *f, const cli_spectrum_report *r)
{
    (void)r;
    return fputs("null", f) < 0 ? -1 : 0;
}

void cli_spectrum_report_free(cli_spectrum_report *r)
{
    free(r);
}
