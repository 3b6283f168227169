/* Character tables of the point groups nnvib labels modes in (Cotton,
 * "Chemical Applications of Group Theory", 3rd ed., appendix; Mulliken's
 * symbols in ASCII), each class described by its operations in the standard
 * orientation, and the lookup of an operation's class. */
#include <math.h>
#include <string.h>

#include "analysis/analysis_internal.h"

#define PI 3.14159265358979323846
#define PHI 1.6180339887498949 /* (1 + sqrt 5)/2: the C5 characters of I and Ih */
#define PSI (1.0 - PHI)

/* Class shorthands: E, C_n^k, S_n^k, sigma, i with the axis constraint. */
#define cE {PG_E, 0, 1, PG_AX_ANY}
#define cI {PG_I, 0, 1, PG_AX_ANY}
#define cC(k, n, ax) {PG_C, k, n, ax}
#define cS(k, n, ax) {PG_S, k, n, ax}
#define cM(ax) {PG_SIGMA, 1, 2, ax}

static const pg_table tables[] = {
    {"C1", 1, 1, {cE}, 1, {"A"}, {{1}}},
    {"Cs", 1, 2, {cE, cM(PG_AX_ANY)}, 2, {"A'", "A''"}, {{1, 1}, {1, -1}}},
    {"Ci", 1, 2, {cE, cI}, 2, {"Ag", "Au"}, {{1, 1}, {1, -1}}},
    {"C2", 2, 2, {cE, cC(1, 2, PG_AX_Z)}, 2, {"A", "B"}, {{1, 1}, {1, -1}}},
    /* C3's complex pair E as one real row (characters 2, -1): its norm is 2 */
    {"C3", 3, 2, {cE, cC(1, 3, PG_AX_Z)}, 2, {"A", "E"}, {{1, 1}, {2, -1}}},
    {"C2h", 2, 4, {cE, cC(1, 2, PG_AX_Z), cI, cM(PG_AX_Z)}, 4, {"Ag", "Bg", "Au", "Bu"},
     {{1, 1, 1, 1}, {1, -1, 1, -1}, {1, 1, -1, -1}, {1, -1, -1, 1}}},
    /* sigma_v(xz) has its normal along y, sigma_v'(yz) along x */
    {"C2v", 2, 4, {cE, cC(1, 2, PG_AX_Z), cM(PG_AX_Y), cM(PG_AX_X)}, 4, {"A1", "A2", "B1", "B2"},
     {{1, 1, 1, 1}, {1, 1, -1, -1}, {1, -1, 1, -1}, {1, -1, -1, 1}}},
    {"C3v", 3, 3, {cE, cC(1, 3, PG_AX_Z), cM(PG_AX_P)}, 3, {"A1", "A2", "E"},
     {{1, 1, 1}, {1, 1, -1}, {2, -1, 0}}},
    {"C4v", 4, 5, {cE, cC(1, 4, PG_AX_Z), cC(1, 2, PG_AX_Z), cM(PG_AX_PX), cM(PG_AX_PD)}, 5,
     {"A1", "A2", "B1", "B2", "E"},
     {{1, 1, 1, 1, 1}, {1, 1, 1, -1, -1}, {1, -1, 1, 1, -1}, {1, -1, 1, -1, 1}, {2, 0, -2, 0, 0}}},
    {"C6v", 6, 6,
     {cE, cC(1, 6, PG_AX_Z), cC(1, 3, PG_AX_Z), cC(1, 2, PG_AX_Z), cM(PG_AX_PX), cM(PG_AX_PD)}, 6,
     {"A1", "A2", "B1", "B2", "E1", "E2"},
     {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, -1, -1}, {1, -1, 1, -1, 1, -1}, {1, -1, 1, -1, -1, 1},
      {2, 1, -1, -2, 0, 0}, {2, -1, -1, 2, 0, 0}}},
    {"D2", 2, 4, {cE, cC(1, 2, PG_AX_Z), cC(1, 2, PG_AX_Y), cC(1, 2, PG_AX_X)}, 4,
     {"A", "B1", "B2", "B3"}, {{1, 1, 1, 1}, {1, 1, -1, -1}, {1, -1, 1, -1}, {1, -1, -1, 1}}},
    {"D3", 3, 3, {cE, cC(1, 3, PG_AX_Z), cC(1, 2, PG_AX_P)}, 3, {"A1", "A2", "E"},
     {{1, 1, 1}, {1, 1, -1}, {2, -1, 0}}},
    {"D2h", 2, 8,
     {cE, cC(1, 2, PG_AX_Z), cC(1, 2, PG_AX_Y), cC(1, 2, PG_AX_X), cI, cM(PG_AX_Z), cM(PG_AX_Y),
      cM(PG_AX_X)},
     8, {"Ag", "B1g", "B2g", "B3g", "Au", "B1u", "B2u", "B3u"},
     {{1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, -1, -1, 1, 1, -1, -1}, {1, -1, 1, -1, 1, -1, 1, -1},
      {1, -1, -1, 1, 1, -1, -1, 1}, {1, 1, 1, 1, -1, -1, -1, -1}, {1, 1, -1, -1, -1, -1, 1, 1},
      {1, -1, 1, -1, -1, 1, -1, 1}, {1, -1, -1, 1, -1, 1, 1, -1}}},
    {"D2d", 2, 5, {cE, cS(1, 4, PG_AX_Z), cC(1, 2, PG_AX_Z), cC(1, 2, PG_AX_P), cM(PG_AX_P)}, 5,
     {"A1", "A2", "B1", "B2", "E"},
     {{1, 1, 1, 1, 1}, {1, 1, 1, -1, -1}, {1, -1, 1, 1, -1}, {1, -1, 1, -1, 1}, {2, 0, -2, 0, 0}}},
    {"D3h", 3, 6,
     {cE, cC(1, 3, PG_AX_Z), cC(1, 2, PG_AX_P), cM(PG_AX_Z), cS(1, 3, PG_AX_Z), cM(PG_AX_P)}, 6,
     {"A1'", "A2'", "E'", "A1''", "A2''", "E''"},
     {{1, 1, 1, 1, 1, 1}, {1, 1, -1, 1, 1, -1}, {2, -1, 0, 2, -1, 0}, {1, 1, 1, -1, -1, -1},
      {1, 1, -1, -1, -1, 1}, {2, -1, 0, -2, 1, 0}}},
    {"D3d", 3, 6, {cE, cC(1, 3, PG_AX_Z), cC(1, 2, PG_AX_P), cI, cS(1, 6, PG_AX_Z), cM(PG_AX_P)}, 6,
     {"A1g", "A2g", "Eg", "A1u", "A2u", "Eu"},
     {{1, 1, 1, 1, 1, 1}, {1, 1, -1, 1, 1, -1}, {2, -1, 0, 2, -1, 0}, {1, 1, 1, -1, -1, -1},
      {1, 1, -1, -1, -1, 1}, {2, -1, 0, -2, 1, 0}}},
    {"D4h", 4, 10,
     {cE, cC(1, 4, PG_AX_Z), cC(1, 2, PG_AX_Z), cC(1, 2, PG_AX_PX), cC(1, 2, PG_AX_PD), cI,
      cS(1, 4, PG_AX_Z), cM(PG_AX_Z), cM(PG_AX_PX), cM(PG_AX_PD)},
     10, {"A1g", "A2g", "B1g", "B2g", "Eg", "A1u", "A2u", "B1u", "B2u", "Eu"},
     {{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, -1, -1, 1, 1, 1, -1, -1},
      {1, -1, 1, 1, -1, 1, -1, 1, 1, -1}, {1, -1, 1, -1, 1, 1, -1, 1, -1, 1},
      {2, 0, -2, 0, 0, 2, 0, -2, 0, 0}, {1, 1, 1, 1, 1, -1, -1, -1, -1, -1},
      {1, 1, 1, -1, -1, -1, -1, -1, 1, 1}, {1, -1, 1, 1, -1, -1, 1, -1, -1, 1},
      {1, -1, 1, -1, 1, -1, 1, -1, 1, -1}, {2, 0, -2, 0, 0, -2, 0, 2, 0, 0}}},
    /* sigma_v holds the C2' axes, sigma_d the C2'' axes */
    {"D6h", 6, 12,
     {cE, cC(1, 6, PG_AX_Z), cC(1, 3, PG_AX_Z), cC(1, 2, PG_AX_Z), cC(1, 2, PG_AX_PX),
      cC(1, 2, PG_AX_PD), cI, cS(1, 3, PG_AX_Z), cS(1, 6, PG_AX_Z), cM(PG_AX_Z), cM(PG_AX_PD),
      cM(PG_AX_PX)},
     12, {"A1g", "A2g", "B1g", "B2g", "E1g", "E2g", "A1u", "A2u", "B1u", "B2u", "E1u", "E2u"},
     {{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, -1, -1, 1, 1, 1, 1, -1, -1},
      {1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1}, {1, -1, 1, -1, -1, 1, 1, -1, 1, -1, -1, 1},
      {2, 1, -1, -2, 0, 0, 2, 1, -1, -2, 0, 0}, {2, -1, -1, 2, 0, 0, 2, -1, -1, 2, 0, 0},
      {1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1}, {1, 1, 1, 1, -1, -1, -1, -1, -1, -1, 1, 1},
      {1, -1, 1, -1, 1, -1, -1, 1, -1, 1, -1, 1}, {1, -1, 1, -1, -1, 1, -1, 1, -1, 1, 1, -1},
      {2, 1, -1, -2, 0, 0, -2, -1, 1, 2, 0, 0}, {2, -1, -1, 2, 0, 0, -2, 1, 1, -2, 0, 0}}},
    {"Td", 2, 5, {cE, cC(1, 3, PG_AX_ANY), cC(1, 2, PG_AX_ANY), cS(1, 4, PG_AX_ANY), cM(PG_AX_ANY)}, 5,
     {"A1", "A2", "E", "T1", "T2"},
     {{1, 1, 1, 1, 1}, {1, 1, 1, -1, -1}, {2, -1, 2, 0, 0}, {3, 0, -1, 1, -1}, {3, 0, -1, -1, 1}}},
    /* C2 (on the C4 axes) and C2' (face diagonals); sigma_h normal to a C4 axis */
    {"Oh", 4, 10,
     {cE, cC(1, 3, PG_AX_ANY), cC(1, 2, PG_AX_NC4), cC(1, 4, PG_AX_ANY), cC(1, 2, PG_AX_C4), cI,
      cS(1, 4, PG_AX_ANY), cS(1, 6, PG_AX_ANY), cM(PG_AX_C4), cM(PG_AX_NC4)},
     10, {"A1g", "A2g", "Eg", "T1g", "T2g", "A1u", "A2u", "Eu", "T1u", "T2u"},
     {{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, -1, -1, 1, 1, -1, 1, 1, -1},
      {2, -1, 0, 0, 2, 2, 0, -1, 2, 0}, {3, 0, -1, 1, -1, 3, 1, 0, -1, -1},
      {3, 0, 1, -1, -1, 3, -1, 0, -1, 1}, {1, 1, 1, 1, 1, -1, -1, -1, -1, -1},
      {1, 1, -1, -1, 1, -1, 1, -1, -1, 1}, {2, -1, 0, 0, 2, -2, 0, 1, -2, 0},
      {3, 0, -1, 1, -1, -3, -1, 0, 1, 1}, {3, 0, 1, -1, -1, -3, 1, 0, 1, -1}}},
    {"Ih", 5, 10,
     {cE, cC(1, 5, PG_AX_ANY), cC(2, 5, PG_AX_ANY), cC(1, 3, PG_AX_ANY), cC(1, 2, PG_AX_ANY), cI,
      cS(1, 10, PG_AX_ANY), cS(3, 10, PG_AX_ANY), cS(1, 6, PG_AX_ANY), cM(PG_AX_ANY)},
     10, {"Ag", "T1g", "T2g", "Gg", "Hg", "Au", "T1u", "T2u", "Gu", "Hu"},
     {{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, {3, PHI, PSI, 0, -1, 3, PSI, PHI, 0, -1},
      {3, PSI, PHI, 0, -1, 3, PHI, PSI, 0, -1}, {4, -1, -1, 1, 0, 4, -1, -1, 1, 0},
      {5, 0, 0, -1, 1, 5, 0, 0, -1, 1}, {1, 1, 1, 1, 1, -1, -1, -1, -1, -1},
      {3, PHI, PSI, 0, -1, -3, -PSI, -PHI, 0, 1}, {3, PSI, PHI, 0, -1, -3, -PHI, -PSI, 0, 1},
      {4, -1, -1, 1, 0, -4, 1, 1, -1, 0}, {5, 0, 0, -1, 1, -5, 0, 0, 1, -1}}},
    /* Linear groups on their subgroups: Sigma and Pi only (a Delta would not
     * be orthogonal to Sigma+ there, and vibrations have none). */
    {"Cinfv", 2, 4, {cE, cC(1, 2, PG_AX_Z), cM(PG_AX_Y), cM(PG_AX_X)}, 3, {"Sigma+", "Sigma-", "Pi"},
     {{1, 1, 1, 1}, {1, 1, -1, -1}, {2, -2, 0, 0}}},
    {"Dinfh", 2, 8,
     {cE, cC(1, 2, PG_AX_Z), cC(1, 2, PG_AX_Y), cC(1, 2, PG_AX_X), cI, cM(PG_AX_Z), cM(PG_AX_Y),
      cM(PG_AX_X)},
     6, {"Sigmag+", "Sigmau+", "Sigmag-", "Sigmau-", "Pig", "Piu"},
     {{1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, -1, -1, -1, -1, 1, 1}, {1, 1, -1, -1, 1, 1, -1, -1},
      {1, 1, 1, 1, -1, -1, -1, -1}, {2, -2, 0, 0, 2, -2, 0, 0}, {2, -2, 0, 0, -2, 2, 0, 0}}},
};

#define N_TABLES ((int)(sizeof tables / sizeof tables[0]))

int pg_table_find(const char *name)
{
    for (int i = 0; i < N_TABLES; i++)
        if (strcmp(tables[i].name, name) == 0) return i;
    return -1;
}

const pg_table *pg_table_get(int index)
{
    return index >= 0 && index < N_TABLES ? &tables[index] : NULL;
}

void pg_op_axis_angle(const double *S, int *det, double *angle, double *axis)
{
    double d = S[0] * (S[4] * S[8] - S[5] * S[7]) - S[1] * (S[3] * S[8] - S[5] * S[6]) +
               S[2] * (S[3] * S[7] - S[4] * S[6]);
    double sgn = d < 0 ? -1.0 : 1.0, R[9];
    for (int e = 0; e < 9; e++) R[e] = sgn * S[e];
    double c = 0.5 * (R[0] + R[4] + R[8] - 1.0);
    if (c > 1) c = 1;
    if (c < -1) c = -1;
    double th = acos(c);
    double a[3] = {R[7] - R[5], R[2] - R[6], R[3] - R[1]};
    double len = sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
    if (th > PI - 0.3) {
        /* near pi the antisymmetric part vanishes: R + I = 2 u u^T */
        int best = 0;
        for (int r = 1; r < 3; r++)
            if (R[4 * r] > R[4 * best]) best = r;
        for (int r = 0; r < 3; r++) a[r] = R[3 * r + best] + (r == best ? 1.0 : 0.0);
        len = sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
    }
    if (len < 1e-12) {
        a[0] = 0, a[1] = 0, a[2] = 1, len = 1;
    }
    for (int r = 0; r < 3; r++) axis[r] = a[r] / len;
    *det = d < 0 ? -1 : 1;
    *angle = th;
}

/* The folded angle in [0, pi] of the proper part of a class's operations. */
static double class_angle(const pg_class *c)
{
    double a = 0;
    if (c->type == PG_C) a = 2 * PI * c->k / c->n;
    else if (c->type == PG_S) a = PI + 2 * PI * c->k / c->n;
    else if (c->type == PG_SIGMA) a = PI;
    a = fmod(a, 2 * PI);
    return a > PI ? 2 * PI - a : a;
}

static int axis_ok(const pg_table *t, const pg_class *c, const double *u)
{
    const double eps = 1e-3;
    switch (c->axis) {
    case PG_AX_ANY: return 1;
    case PG_AX_Z: return fabs(u[2]) > 1 - eps;
    case PG_AX_X: return fabs(u[0]) > 1 - eps;
    case PG_AX_Y: return fabs(u[1]) > 1 - eps;
    case PG_AX_P: return fabs(u[2]) < eps;
    case PG_AX_C4: return fabs(u[0]) > 1 - eps || fabs(u[1]) > 1 - eps || fabs(u[2]) > 1 - eps;
    case PG_AX_NC4: return !(fabs(u[0]) > 1 - eps || fabs(u[1]) > 1 - eps || fabs(u[2]) > 1 - eps);
    default: break;
    }
    if (fabs(u[2]) > eps) return 0;
    /* a mirror goes by its in-plane direction z x normal */
    double d0 = c->type == PG_SIGMA ? -u[1] : u[0], d1 = c->type == PG_SIGMA ? u[0] : u[1];
    double phi = atan2(d1, d0);
    if (phi < 0) phi += PI;
    double step = 2 * PI / t->n, r = fmod(phi, step);
    if (c->axis == PG_AX_PX) return r < eps || r > step - eps;
    return fabs(r - 0.5 * step) < eps;
}

int pg_class_of(const pg_table *t, const double *S)
{
    int det;
    double angle, u[3];
    pg_op_axis_angle(S, &det, &angle, u);
    for (int k = 0; k < t->n_classes; k++) {
        const pg_class *c = &t->cls[k];
        int cdet = (c->type == PG_S || c->type == PG_SIGMA || c->type == PG_I) ? -1 : 1;
        if (cdet != det || fabs(class_angle(c) - angle) > 1e-4) continue;
        if (angle < 1e-4 || axis_ok(t, c, u)) return k;
    }
    return -1;
}
