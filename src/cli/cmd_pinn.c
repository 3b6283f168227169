/* nnvib pinn: the heat-equation PINN (the library's nnv_pinn_train) for one or
 * more activations, one at a time on the same points and initial weights, as
 * a table or JSON, with an optional SVG figure (docs/pinn.md, docs/cli.md). */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define MAX_RUNS 16

typedef struct pinn_cli {
    nnv_pinn_options o;
    int acts[MAX_RUNS], n_acts;
    int json, quiet;
    const char *svg;
} pinn_cli;

static const char *const ALLOWED[] = {"relu", "softplus", "tanh", "silu", "gelu"};
#define N_ALLOWED ((int)(sizeof ALLOWED / sizeof ALLOWED[0]))

/* "tanh", "relu,tanh" or "all": the activations, in the order given. */
static int take_activation(void *ctx, const char *val, char *msg, size_t msglen)
{
    pinn_cli *c = ctx;
    const char *s = val;
    c->n_acts = 0;
    if (strcmp(val, "all") == 0) {
        for (int k = 0; k < N_ALLOWED; k++) c->acts[c->n_acts++] = nnv_activation_from_name(ALLOWED[k]);
        return CLI_EXIT_OK;
    }
    for (;;) {
        char name[32], q[64];
        size_t len = strcspn(s, ",");
        int act = -1;
        if (len > 0 && len < sizeof name) {
            memcpy(name, s, len);
            name[len] = '\0';
            for (int k = 0; k < N_ALLOWED; k++)
                if (strcmp(name, ALLOWED[k]) == 0) act = nnv_activation_from_name(name);
        }
        if (act < 0) {
            args_quote(q, sizeof q, val);
            snprintf(msg, msglen, "expected relu, softplus, tanh, silu, gelu, a comma-separated list of them or all, "
                     "got \"%s\"", q);
            return CLI_EXIT_USAGE;
        }
        if (c->n_acts == MAX_RUNS) {
            snprintf(msg, msglen, "at most %d activations", MAX_RUNS);
            return CLI_EXIT_USAGE;
        }
        c->acts[c->n_acts++] = act;
        if (s[len] != ',') return CLI_EXIT_OK;
        s += len + 1;
    }
}

/* "32,32,32": the hidden layers' widths. */
static int take_hidden(void *ctx, const char *val, char *msg, size_t msglen)
{
    pinn_cli *c = ctx;
    const char *s = val;
    int n = 0;
    (void)msg, (void)msglen;
    for (;;) {
        char num[16];
        size_t len = strcspn(s, ",");
        long v;
        if (n == NNV_PINN_MAX_HIDDEN || len == 0 || len >= sizeof num) return CLI_EXIT_USAGE;
        memcpy(num, s, len);
        num[len] = '\0';
        if (args_long(num, 1, NNV_PINN_MAX_WIDTH, &v) != 0) return CLI_EXIT_USAGE;
        c->o.width[n++] = (int)v;
        if (s[len] != ',') break;
        s += len + 1;
    }
    c->o.n_hidden = n;
    return CLI_EXIT_OK;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void put_json(FILE *f, const nnv_pinn_result *r, double seconds)
{
    const json_field nums[] = {
        {"rel_l2_error", r->rel_l2_error}, {"max_abs_error", r->max_abs_error}, {"residual_rms", r->residual_rms},
        {"ut_rms", r->ut_rms}, {"uxx_rms", r->uxx_rms}, {"uxx_share", r->uxx_share},
        {"uxx_share_init", r->uxx_share_init}, {"loss_initial", r->loss[0]}, {"loss_final", r->loss[r->epochs]},
        {"alpha", r->alpha}, {"T", r->t_end}, {"lr", r->lr}, {"lr_final", r->lr_final}, {"seconds", seconds}};
    fputs("{\"program\": \"nnvib\", \"version\": ", f);
    json_str(f, nnv_version());
    fputs(", \"command\": \"pinn\", \"activation\": ", f);
    json_str(f, nnv_activation_name(r->activation));
    fputs(", \"case\": ", f);
    json_str(f, r->pde_case == NNV_PINN_SIN ? "sin" : "modes");
    fprintf(f, ", \"epochs\": %d, \"seed\": %" PRIu64 ", \"hidden\": ", r->epochs, r->seed);
    json_ivec(f, r->width, r->n_hidden);
    fprintf(f, ", \"n_params\": %d, \"n_residual\": %d, \"n_edge\": %d", r->n_params, r->n_residual,
            r->n_edge_points);
    json_fields(f, ", ", nums, (int)(sizeof nums / sizeof nums[0]));
    fputs("}\n", f);
}

static void put_header(const nnv_pinn_result *r)
{
    printf("nnvib pinn: u_t = %g u_xx on x in [0, 1], t in [0, %g], u(x, 0) = %s, u(0, t) = u(1, t) = 0\n", r->alpha,
           r->t_end, r->pde_case == NNV_PINN_SIN ? "sin(pi x)" : "sin(pi x) + 0.5 sin(3 pi x)");
    printf("network 2");
    for (int l = 0; l < r->n_hidden; l++) printf("-%d", r->width[l]);
    printf("-1 (%d parameters); %d residual + %d initial/boundary points; %d full-batch Adam epochs, lr %g -> %g; "
           "seed %" PRIu64 "\n", r->n_params, r->n_residual, r->n_edge_points, r->epochs, r->lr, r->lr_final,
           r->seed);
    printf("errors on a %d x %d grid; uxx_share: share of the residual loss's weight gradient through u_xx\n\n",
           r->grid_x, r->grid_t);
    printf("%-10s %12s %12s %12s %12s %12s %10s %10s %12s %9s\n", "activation", "rel_L2_err", "max_abs_err",
           "residual", "rms_u_t", "rms_a*u_xx", "uxx_share", "(initial)", "final_loss", "seconds");
}

int cli_main_pinn(int argc, char **argv)
{
    static const arg_choice cases[] = {{"sin", NNV_PINN_SIN}, {"modes", NNV_PINN_MODES}, {NULL, 0}};
    pinn_cli c;
    nnv_pinn_result *res[MAX_RUNS] = {NULL};
    nnv_error err = {0, ""};
    char msg[NNV_ERROR_MESSAGE_MAX + 64];
    const char *pos[2];
    int n_pos = 0, st, given_act = 0;
    const arg_spec opts[] = {
        {.name = "activation", .kind = ARG_CALL, .metavar = "ACT",
         .help = "hidden activation: relu, softplus, tanh, silu, gelu, a list\n(relu,tanh) or all (run one after "
                 "the other) [required]",
         .call = take_activation, .ctx = &c, .given = &given_act},
        {.name = "case", .kind = ARG_CHOICE, .dest = &c.o.pde_case, .metavar = "sin|modes",
         .help = "u(x, 0) = sin(pi x), or sin(pi x) + 0.5 sin(3 pi x) [sin]", .choices = cases},
        {.name = "epochs", .kind = ARG_INT, .dest = &c.o.epochs, .metavar = "N",
         .help = "full-batch Adam steps, 1..10000000 [4000]", .expect = "an integer 1..10000000", .lo = 1,
         .hi = 10000000},
        {.name = "hidden", .kind = ARG_CALL, .metavar = "W,W,...",
         .help = "hidden layer widths, 1..8 layers of 1..256 [32,32,32]",
         .expect = "1 to 8 comma-separated widths, each 1..256", .call = take_hidden, .ctx = &c},
        {.name = "seed", .kind = ARG_UINT64, .dest = &c.o.seed, .metavar = "S",
         .help = "seed of the collocation points and initial weights [1]", .expect = "an integer 0..2^64-1"},
        {.name = "lr", .kind = ARG_DOUBLE, .dest = &c.o.lr, .metavar = "X", .help = "first learning rate, (0, 1] [0.003]",
         .expect = "a learning rate in (0, 1]", .lo = 0, .hi = 1, .open = ARG_OPEN_LO},
        {.name = "lr-final", .kind = ARG_DOUBLE, .dest = &c.o.lr_final, .metavar = "X",
         .help = "last learning rate, (0, --lr], geometric decay [1e-5]", .expect = "a learning rate in (0, 1]",
         .lo = 0, .hi = 1, .open = ARG_OPEN_LO},
        {.name = "alpha", .kind = ARG_DOUBLE, .dest = &c.o.alpha, .metavar = "A", .help = "diffusivity, (0, 10] [0.1]",
         .expect = "a diffusivity in (0, 10]", .lo = 0, .hi = 10, .open = ARG_OPEN_LO},
        {.name = "t-end", .kind = ARG_DOUBLE, .dest = &c.o.t_end, .metavar = "T", .help = "end time, (0, 100] [1]",
         .expect = "an end time in (0, 100]", .lo = 0, .hi = 100, .open = ARG_OPEN_LO},
        {.name = "points", .kind = ARG_INT, .dest = &c.o.n_side, .metavar = "N",
         .help = "residual points: one in each cell of an N x N grid, 2..1000 [32]", .expect = "an integer 2..1000",
         .lo = 2, .hi = 1000},
        {.name = "edge-points", .kind = ARG_INT, .dest = &c.o.n_edge, .metavar = "N",
         .help = "points on t = 0 and on each boundary, 2..100000 [64]", .expect = "an integer 2..100000", .lo = 2,
         .hi = 100000},
        {.name = "svg", .kind = ARG_STRING, .dest = &c.svg, .metavar = "FILE",
         .help = "write the figure: profiles at four times and the error at T"},
        {.name = "json", .kind = ARG_FLAG, .dest = &c.json,
         .help = "one JSON object per activation on stdout (docs/pinn.md)"},
        ARG_SPEC_QUIET(&c.quiet), ARG_SPEC_HELP, {0},
    };
    const arg_command cmd = {
        .program = "nnvib pinn", .usage = "--activation ACT [options]",
        .summary = "A physics-informed network for the heat equation u_t = alpha u_xx, trained with its\n"
                   "exact u_t and u_xx, scored against the exact solution. See docs/pinn.md.",
        .opts = opts, .min_pos = 0, .max_pos = 0, .positional = "no arguments",
        .exits = ARG_EXIT(CLI_EXIT_OK) | ARG_EXIT(CLI_EXIT_INTERNAL) | ARG_EXIT(CLI_EXIT_USAGE) |
                 ARG_EXIT(CLI_EXIT_NUMERIC) | ARG_EXIT(CLI_EXIT_OUTPUT)}; /* no input files */

    memset(&c, 0, sizeof c);
    c.o.seed = 1;
    st = args_parse(&cmd, argc, argv, pos, &n_pos, msg, sizeof msg);
    if (st == ARGS_DONE) return CLI_EXIT_OK;
    if (st != CLI_EXIT_OK) return args_fail("nnvib pinn", st, msg);
    if (!given_act || c.n_acts == 0)
        return args_fail("nnvib pinn", CLI_EXIT_USAGE, "--activation is required (relu, softplus, tanh, silu, gelu or all)");

    msg[0] = '\0';
    /* An unwritable --svg fails now, not after minutes of training. */
    if (c.svg) {
        nnv_ofile *probe = NULL;
        int code = nnv_ofile_open(&probe, c.svg, &err);
        nnv_ofile_discard(probe);
        if (code != NNV_OK) {
            snprintf(msg, sizeof msg, "%s", err.message);
            st = cli_exit_of_write(code);
            goto cleanup;
        }
    }
    for (int k = 0; k < c.n_acts; k++) {
        double t0 = now_seconds(), secs;
        int code;
        c.o.activation = c.acts[k];
        code = nnv_pinn_train(&res[k], &c.o, &err);
        if (code != NNV_OK) {
            st = cli_lib_failed(code, &err, msg, sizeof msg);
            goto cleanup;
        }
        secs = now_seconds() - t0;
        if (c.json) {
            put_json(stdout, res[k], secs);
        } else {
            const nnv_pinn_result *r = res[k];
            if (k == 0) put_header(r);
            printf("%-10s %12.4e %12.4e %12.4e %12.4e %12.4e %10.4f %10.4f %12.4e %9.1f\n",
                   nnv_activation_name(r->activation), r->rel_l2_error, r->max_abs_error, r->residual_rms, r->ut_rms,
                   r->uxx_rms, r->uxx_share, r->uxx_share_init, r->loss[r->epochs], secs);
        }
        fflush(stdout);
    }
    if (c.svg) {
        int code = nnv_pinn_write_svg(c.svg, (const nnv_pinn_result *const *)res, c.n_acts, &err);
        if (code != NNV_OK) {
            snprintf(msg, sizeof msg, "%s", err.message);
            st = cli_exit_of_write(code);
            goto cleanup;
        }
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        snprintf(msg, sizeof msg, "cannot write to standard output: %s", strerror(errno));
        st = CLI_EXIT_OUTPUT;
    }
cleanup:
    for (int k = 0; k < MAX_RUNS; k++) nnv_pinn_result_free(res[k]);
    if (st != CLI_EXIT_OK) args_fail("nnvib pinn", st, msg);
    return st;
}
