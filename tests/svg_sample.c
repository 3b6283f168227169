/* Writes sample figures with the SVG plot writer for tests/test_plot_svg.sh:
 * two panels, line and stick series, reversed x, labels that need escaping,
 * non-ASCII text and a byte that is not UTF-8. Usage: svg_sample OUT.svg [single].
 * Without arguments (as `make check` runs it) it writes the figure into a
 * temporary folder and checks the escaped labels are in it. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nnvib.h>

#define N 400

int main(int argc, char **argv)
{
    static double x[N], ref[N], calc[N];
    double sx[3] = {1595, 3657, 3756}, sy[3] = {0.8, 0.1, 1.0};
    nnv_error err = {0};
    char dir[] = "/tmp/nnvib-svg-XXXXXX", path[64];
    const char *out = argv[1];
    if (argc < 2) {
        if (!mkdtemp(dir)) {
            perror("svg_sample: mkdtemp");
            return 1;
        }
        snprintf(path, sizeof path, "%s/sample.svg", dir);
        out = path;
    }
    for (int i = 0; i < N; i++) {
        x[i] = 400 + i * 9.0;
        ref[i] = exp(-pow((x[i] - 1600) / 40, 2)) + exp(-pow((x[i] - 3750) / 60, 2));
        calc[i] = 0.8 * exp(-pow((x[i] - 1640) / 30, 2)) + exp(-pow((x[i] - 3800) / 30, 2));
    }
    nnv_plot_series s1[] = {
        {NNV_PLOT_LINE, "measured <NIST> & \"gas\"", 0, N, x, ref},
        {NNV_PLOT_LINE, "tanh \xce\xbd-scaled", -1, N, x, calc},
        {NNV_PLOT_STICKS, "sticks 'km/mol'", -1, 3, sx, sy},
    };
    nnv_plot_series s2[] = {
        {NNV_PLOT_LINE, "measured <NIST> & \"gas\"", 0, N, x, ref},
        {NNV_PLOT_LINE, "relu bad byte \xff end", -1, N, x, calc},
    };
    nnv_plot_panel panels[] = {
        {"panel <1>", "absorbance (norm.)", 0, 0, 3, s1},
        {"panel 2 & more", NULL, -0.1, 1.2, 2, s2},
    };
    nnv_plot_figure fig = {"water: computed vs measured & <escaped>", "wavenumber / cm\xe2\x81\xbb\xc2\xb9",
                           0, 0, 1, 0, 0, 2, panels};
    if (argc > 2 && strcmp(argv[2], "single") == 0) fig.n_panels = 1;
    if (nnv_plot_write_svg(out, &fig, &err) != NNV_OK) {
        fprintf(stderr, "svg_sample: %s\n", err.message);
        return 1;
    }
    if (argc >= 2) return 0;

    /* self-check: the escaped labels are there, nothing non-finite */
    int fail = 0;
    FILE *f = fopen(out, "rb");
    static char buf[1 << 20];
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f) fclose(f);
    buf[n] = '\0';
    const char *want[] = {"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\"",
                          "measured &lt;NIST&gt; &amp; &quot;gas&quot;", "sticks &#39;km/mol&#39;",
                          "relu bad byte ? end", "</svg>"};
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++)
        if (!strstr(buf, want[k])) {
            fprintf(stderr, "svg_sample: FAIL: '%s' not in %s\n", want[k], out);
            fail = 1;
        }
    if (strstr(buf, "nan") || strstr(buf, "inf")) {
        fprintf(stderr, "svg_sample: FAIL: nan/inf in %s\n", out);
        fail = 1;
    }
    remove(out);
    rmdir(dir);
    if (!fail) printf("svg_sample: ok (%zu bytes)\n", n);
    return fail;
}
