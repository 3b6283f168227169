/* Molecular point-group detection (nnv_point_group_detect): find operations
 * that map the atoms onto themselves, close them into a group, name it, and
 * rebuild its exact operations in the standard orientation. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_internal.h"

#define PI 3.14159265358979323846
#define PG_MAX_ORDER 8    /* largest C_n searched (S_2n up to S16) */
#define PG_CAP 121        /* above the order of Ih (120): noise defeated the tolerance */
#define PG_SAME_OP 0.2    /* max |entry| difference of two noisy matrices of one operation */
#define PG_DIR_SAME 0.9999 /* |cos| above which two candidate directions are one */

typedef struct pg_ctx {
    int n;
    const int *Z;
    const double *m;
    double *x;        /* n x 3, centred on the centre of mass */
    double tol;
    int *used;        /* n: scratch of maps() */
    double (*ops)[9]; /* PG_CAP operations found */
    int n_ops;
    double (*dirs)[3]; /* candidate directions tried */
    int n_dirs, cap_dirs;
} pg_ctx;

/* ---- small linear algebra ------------------------------------------------- */

static void mat_mul(double *C, const double *A, const double *B)
{
    double T[9];
    for (int r = 0; r < 3; r++)
        for (int s = 0; s < 3; s++)
            T[3 * r + s] = A[3 * r] * B[s] + A[3 * r + 1] * B[3 + s] + A[3 * r + 2] * B[6 + s];
    memcpy(C, T, sizeof T);
}

static double dot3(const double *a, const double *b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

static void cross3(double *c, const double *a, const double *b)
{
    double t[3] = {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
    memcpy(c, t, sizeof t);
}

static int unit3(double *u, const double *v)
{
    double len = sqrt(dot3(v, v));
    if (len < 1e-8) return 0;
    for (int a = 0; a < 3; a++) u[a] = v[a] / len;
    return 1;
}

static void rot_matrix(double *R, const double *u, double angle)
{
    double c = cos(angle), s = sin(angle), C = 1.0 - c;
    double x = u[0], y = u[1], z = u[2];
    R[0] = c + x * x * C;     R[1] = x * y * C - z * s; R[2] = x * z * C + y * s;
    R[3] = y * x * C + z * s; R[4] = c + y * y * C;     R[5] = y * z * C - x * s;
    R[6] = z * x * C - y * s; R[7] = z * y * C + x * s; R[8] = c + z * z * C;
}

static void mirror_matrix(double *M, const double *u)
{
    for (int r = 0; r < 3; r++)
        for (int s = 0; s < 3; s++) M[3 * r + s] = (r == s ? 1.0 : 0.0) - 2.0 * u[r] * u[s];
}

/* Eigenvectors of a symmetric 3 x 3 matrix (cyclic Jacobi), as rows of V. */
static void jacobi3(double *A, double *V)
{
    for (int e = 0; e < 9; e++) V[e] = e % 4 == 0 ? 1.0 : 0.0;
    for (int sweep = 0; sweep < 50; sweep++) {
        double off = fabs(A[1]) + fabs(A[2]) + fabs(A[5]);
        if (off < 1e-14 * (fabs(A[0]) + fabs(A[4]) + fabs(A[8]) + 1e-300)) break;
        for (int p = 0; p < 2; p++)
            for (int q = p + 1; q < 3; q++) {
                double apq = A[3 * p + q];
                if (fabs(apq) < 1e-300) continue;
                double th = 0.5 * atan2(2 * apq, A[3 * q + q] - A[3 * p + p]);
                double c = cos(th), s = sin(th);
                for (int k = 0; k < 3; k++) { /* A <- J^T A J on columns then rows */
                    double akp = A[3 * k + p], akq = A[3 * k + q];
                    A[3 * k + p] = c * akp - s * akq;
                    A[3 * k + q] = s * akp + c * akq;
                }
                for (int k = 0; k < 3; k++) {
                    double apk = A[3 * p + k], aqk = A[3 * q + k];
                    A[3 * p + k] = c * apk - s * aqk;
                    A[3 * q + k] = s * apk + c * aqk;
                }
                for (int k = 0; k < 3; k++) {
                    double vpk = V[3 * p + k], vqk = V[3 * q + k];
                    V[3 * p + k] = c * vpk - s * vqk;
                    V[3 * q + k] = s * vpk + c * vqk;
                }
            }
    }
}

/* ---- operations on the atoms ---------------------------------------------- */

static int same_kind(const pg_ctx *c, int i, int j)
{
    return c->Z[i] == c->Z[j] && fabs(c->m[i] - c->m[j]) <= 1e-6;
}

/* 1 when R carries every atom within tol of a distinct atom of its kind; the
 * partners into perm (may be NULL) and the largest distance into *dev. */
static int maps(const pg_ctx *c, const double *R, double tol, int *perm, double *dev)
{
    double worst = 0;
    memset(c->used, 0, (size_t)c->n * sizeof *c->used);
    for (int i = 0; i < c->n; i++) {
        const double *p = c->x + 3 * i;
        double q[3];
        for (int a = 0; a < 3; a++) q[a] = R[3 * a] * p[0] + R[3 * a + 1] * p[1] + R[3 * a + 2] * p[2];
        int best = -1;
        double bd = tol * tol;
        for (int j = 0; j < c->n; j++) {
            if (!same_kind(c, i, j)) continue;
            const double *r = c->x + 3 * j;
            double d2 = (q[0] - r[0]) * (q[0] - r[0]) + (q[1] - r[1]) * (q[1] - r[1]) +
                        (q[2] - r[2]) * (q[2] - r[2]);
            if (d2 <= bd) bd = d2, best = j;
        }
        if (best < 0 || c->used[best]) return 0;
        c->used[best] = 1;
        if (perm) perm[i] = best;
        if (bd > worst) worst = bd;
    }
    if (dev) *dev = sqrt(worst);
    return 1;
}

/* Add R unless known: 1 added, 0 known, -1 full. */
static int add_op(pg_ctx *c, const double *R)
{
    for (int k = 0; k < c->n_ops; k++) {
        double d = 0;
        for (int e = 0; e < 9; e++)
            if (fabs(c->ops[k][e] - R[e]) > d) d = fabs(c->ops[k][e] - R[e]);
        if (d <= PG_SAME_OP) return 0;
    }
    if (c->n_ops >= PG_CAP) return -1;
    memcpy(c->ops[c->n_ops++], R, sizeof c->ops[0]);
    return 1;
}

/* Rotations C_n (largest n first), the mirror normal to v, and S_2n about v. */
static int try_dir(pg_ctx *c, const double *v)
{
    double u[3], R[9], M[9];
    if (!unit3(u, v)) return 0;
    for (int k = 0; k < c->n_dirs; k++)
        if (fabs(dot3(c->dirs[k], u)) > PG_DIR_SAME) return 0;
    if (c->n_dirs == c->cap_dirs) {
        int cap = c->cap_dirs ? 2 * c->cap_dirs : 256;
        void *t = realloc(c->dirs, (size_t)cap * sizeof *c->dirs);
        if (!t) return NNV_ENOMEM;
        c->dirs = t;
        c->cap_dirs = cap;
    }
    memcpy(c->dirs[c->n_dirs++], u, sizeof u);
    int found = 1;
    for (int n = PG_MAX_ORDER; n >= 2 && found == 1; n--) {
        rot_matrix(R, u, 2 * PI / n);
        if (!maps(c, R, c->tol, NULL, NULL)) continue;
        found = n;
        for (int k = 1; k < n; k++) {
            rot_matrix(R, u, 2 * PI * k / n);
            if (add_op(c, R) < 0) return 1;
        }
    }
    mirror_matrix(M, u);
    if (maps(c, M, c->tol, NULL, NULL) && add_op(c, M) < 0) return 1;
    if (found >= 2) {
        rot_matrix(R, u, PI / found);
        mat_mul(R, M, R);
        if (maps(c, R, c->tol, NULL, NULL) && add_op(c, R) < 0) return 1;
    }
    return 0;
}

/* Products of known operations until nothing new appears; -1 on overflow. */
static int closure(pg_ctx *c)
{
    for (int grew = 1; grew;) {
        grew = 0;
        int n0 = c->n_ops;
        for (int a = 0; a < n0; a++)
            for (int b = 0; b < n0; b++) {
                double P[9];
                mat_mul(P, c->ops[a], c->ops[b]);
                int r = add_op(c, P);
                if (r < 0) return -1;
                if (r > 0) grew = 1;
            }
    }
    return 0;
}

/* The raw search: returns NNV_OK, NNV_ENOMEM, or 1 when the operations
 * found do not close into a point group (noise beyond the tolerance). */
static int search(pg_ctx *c, const double *inertia_axes)
{
    static const double I3[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, INV[9] = {-1, 0, 0, 0, -1, 0, 0, 0, -1};
    int rc;
    c->n_ops = 0;
    c->n_dirs = 0;
    add_op(c, I3);
    if (maps(c, INV, c->tol, NULL, NULL)) add_op(c, INV);
    for (int a = 0; a < 3; a++)
        if ((rc = try_dir(c, inertia_axes + 3 * a)) != 0) return rc;
    for (int i = 0; i < c->n; i++) {
        const double *p = c->x + 3 * i;
        if ((rc = try_dir(c, p)) != 0) return rc;
        double ri = sqrt(dot3(p, p));
        for (int j = i + 1; j < c->n; j++) {
            const double *q = c->x + 3 * j;
            if (!same_kind(c, i, j) || fabs(ri - sqrt(dot3(q, q))) > c->tol) continue;
            double mid[3] = {p[0] + q[0], p[1] + q[1], p[2] + q[2]};
            double dif[3] = {p[0] - q[0], p[1] - q[1], p[2] - q[2]}, nrm[3];
            cross3(nrm, p, q);
            if ((rc = try_dir(c, mid)) != 0 || (rc = try_dir(c, dif)) != 0 || (rc = try_dir(c, nrm)) != 0)
                return rc;
        }
    }
    return closure(c) < 0 ? 1 : NNV_OK;
}

/* ---- naming and the standard orientation ----------------------------------- */

typedef struct pg_axis {
    double u[3];
    int order;     /* proper rotations about it, plus one */
} pg_axis;

static int atoms_on_axis(const pg_ctx *c, const double *u)
{
    int k = 0;
    for (int i = 0; i < c->n; i++) {
        const double *p = c->x + 3 * i;
        double t = dot3(p, u), d[3] = {p[0] - t * u[0], p[1] - t * u[1], p[2] - t * u[2]};
        k += dot3(d, d) <= c->tol * c->tol;
    }
    return k;
}

static int atoms_in_plane(const pg_ctx *c, const double *normal)
{
    int k = 0;
    for (int i = 0; i < c->n; i++) k += fabs(dot3(c->x + 3 * i, normal)) <= c->tol;
    return k;
}

/* Any unit vector perpendicular to z. */
static void perp(double *x, const double *z)
{
    int a = 0;
    for (int b = 1; b < 3; b++)
        if (fabs(z[b]) < fabs(z[a])) a = b;
    double e[3] = {0, 0, 0};
    e[a] = 1;
    double t = dot3(e, z);
    for (int b = 0; b < 3; b++) e[b] -= t * z[b];
    unit3(x, e);
}

/* x made perpendicular to z (unit), then the right-handed frame as rows. */
static void set_frame(double *F, const double *z, const double *x)
{
    double xx[3], t = dot3(x, z), y[3];
    for (int a = 0; a < 3; a++) xx[a] = x[a] - t * z[a];
    if (!unit3(xx, xx)) perp(xx, z);
    cross3(y, z, xx);
    memcpy(F, xx, 3 * sizeof *F);
    memcpy(F + 3, y, 3 * sizeof *F);
    memcpy(F + 6, z, 3 * sizeof *F);
}

typedef struct pg_name {
    char name[NNV_SYM_NAME_SIZE];
    int family;   /* what the generators are */
    int n;        /* principal order */
    double F[9];  /* standard frame, rows x y z */
} pg_name;

enum { FAM_C1, FAM_CS, FAM_CI, FAM_CN, FAM_CNV, FAM_CNH, FAM_S2N, FAM_DN, FAM_DNH, FAM_DND,
       FAM_T, FAM_TD, FAM_TH, FAM_O, FAM_OH, FAM_I, FAM_IH };

/* "C3v" from 'C', 3, "v" (n <= 16). */
static void set_name(pg_name *g, char letter, int n, const char *suffix)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%c%d%s", letter, n % 100, suffix);
    memcpy(g->name, buf, sizeof g->name - 1);
    g->name[sizeof g->name - 1] = '\0';
}

/* Name the group of c->ops and choose its standard frame (symmetry.h). */
static void name_group(pg_name *g, const pg_ctx *c, const double *inertia_axes, const double *moments)
{
    pg_axis ax[PG_CAP];
    int n_ax = 0, n_proper = 0, has_inv = 0, n_mirror = 0;
    double mirror_n[PG_CAP][3];
    for (int k = 0; k < c->n_ops; k++) {
        int det;
        double ang, u[3];
        pg_op_axis_angle(c->ops[k], &det, &ang, u);
        if (det > 0) n_proper++;
        if (det < 0 && ang < 0.3) has_inv = 1;
        if (det < 0 && ang > PI - 0.3) memcpy(mirror_n[n_mirror++], u, sizeof u);
        if (det < 0 || ang < 0.3) continue;
        int a = 0;
        while (a < n_ax && fabs(dot3(ax[a].u, u)) < 0.98) a++;
        if (a == n_ax) {
            memcpy(ax[n_ax].u, u, sizeof u);
            ax[n_ax++].order = 1;
        }
        ax[a].order++;
    }
    int nmax = 1, n_hi = 0, p = -1;
    for (int a = 0; a < n_ax; a++) {
        if (ax[a].order >= 3) n_hi++;
        if (ax[a].order > nmax) nmax = ax[a].order, p = a;
    }
    int improper = c->n_ops > n_proper;
    memset(g, 0, sizeof *g);
    g->n = nmax;
    for (int e = 0; e < 9; e++) g->F[e] = e % 4 == 0 ? 1.0 : 0.0;

    if (n_hi >= 2) {
        /* cubic: frame along three perpendicular C2 (T, I) or C4 (O) axes */
        int want = n_proper == 24 ? 4 : 2, pick[3], np = 0;
        for (int a = 0; a < n_ax && np < 3; a++) {
            if (ax[a].order != want && !(want == 2 && ax[a].order == 2)) continue;
            int ok = 1;
            for (int b = 0; b < np; b++) ok &= fabs(dot3(ax[a].u, ax[pick[b]].u)) < 0.05;
            if (ok) pick[np++] = a;
        }
        if (np >= 2) set_frame(g->F, ax[pick[0]].u, ax[pick[1]].u);
        const char *nm;
        if (n_proper == 12) nm = !improper ? "T" : has_inv ? "Th" : "Td", g->family = !improper ? FAM_T : has_inv ? FAM_TH : FAM_TD;
        else if (n_proper == 24) nm = improper ? "Oh" : "O", g->family = improper ? FAM_OH : FAM_O;
        else nm = improper ? "Ih" : "I", g->family = improper ? FAM_IH : FAM_I;
        strcpy(g->name, nm);
        return;
    }
    if (nmax == 1) {
        g->family = c->n_ops == 1 ? FAM_C1 : has_inv ? FAM_CI : FAM_CS;
        strcpy(g->name, c->n_ops == 1 ? "C1" : has_inv ? "Ci" : "Cs");
        if (g->family == FAM_CS) {
            double x[3];
            perp(x, mirror_n[0]);
            set_frame(g->F, mirror_n[0], x);
        }
        return;
    }
    int dihedral = n_proper == 2 * nmax;
    double z[3], x[3];
    if (nmax == 2 && dihedral) {
        /* D2, D2h, D2d: three C2 axes */
        int a3[3] = {0, 1, 2}, on[3], planar = -1;
        for (int a = 0; a < 3; a++) on[a] = atoms_on_axis(c, ax[a].u);
        for (int a = 0; a < 3; a++)
            if (atoms_in_plane(c, ax[a].u) == c->n) planar = a;
        if (improper && !has_inv) {
            /* D2d: z is the S4 axis */
            for (int k = 0; k < c->n_ops; k++) {
                int det;
                double ang, u[3];
                pg_op_axis_angle(c->ops[k], &det, &ang, u);
                if (det < 0 && fabs(ang - PI / 2) < 0.3) {
                    for (int a = 0; a < 3; a++)
                        if (fabs(dot3(ax[a].u, u)) > 0.98) a3[2] = a;
                    break;
                }
            }
            set_frame(g->F, ax[a3[2]].u, ax[(a3[2] + 1) % 3].u);
            strcpy(g->name, "D2d");
            g->family = FAM_DND;
            return;
        }
        /* z through most atoms (ties: smaller moment of inertia); x
         * perpendicular to a planar molecule, else through fewest atoms */
        double mom[3];
        for (int a = 0; a < 3; a++) {
            mom[a] = 0;
            for (int b = 0; b < 3; b++) mom[a] += moments[b] * dot3(ax[a].u, inertia_axes + 3 * b) *
                                                  dot3(ax[a].u, inertia_axes + 3 * b);
        }
        for (int i = 0; i < 3; i++)
            for (int j = i + 1; j < 3; j++) {
                int ai = a3[i], aj = a3[j];
                /* order ascending by "z-ness": fewer atoms / larger moment first */
                int swap = on[ai] > on[aj] || (on[ai] == on[aj] && mom[ai] < mom[aj] - 1e-6);
                if (swap) a3[i] = aj, a3[j] = ai;
            }
        int xa = a3[0], za = a3[2];
        if (planar >= 0) {
            xa = planar;
            za = a3[2] == planar ? a3[1] : a3[2];
        }
        set_frame(g->F, ax[za].u, ax[xa].u);
        strcpy(g->name, improper ? "D2h" : "D2");
        g->family = improper ? FAM_DNH : FAM_DN;
        return;
    }
    memcpy(z, ax[p].u, sizeof z);
    int sigma_h = 0, best = -1, best_on = -1;
    for (int k = 0; k < n_mirror; k++)
        if (fabs(dot3(mirror_n[k], z)) > 0.98) sigma_h = 1;
    if (dihedral) {
        /* x along the C2' axis through most atoms */
        for (int a = 0; a < n_ax; a++) {
            if (a == p || fabs(dot3(ax[a].u, z)) > 0.05) continue;
            int on = atoms_on_axis(c, ax[a].u);
            if (on > best_on) best_on = on, best = a;
        }
        if (best >= 0) memcpy(x, ax[best].u, sizeof x);
        else perp(x, z);
        g->family = !improper ? FAM_DN : sigma_h ? FAM_DNH : FAM_DND;
        set_name(g, 'D', nmax, !improper ? "" : sigma_h ? "h" : "d");
    } else if (!improper) {
        perp(x, z);
        g->family = FAM_CN;
        set_name(g, 'C', nmax, "");
    } else if (sigma_h) {
        perp(x, z);
        g->family = FAM_CNH;
        set_name(g, 'C', nmax, "h");
    } else if (n_mirror > 0) {
        /* C2v: x normal to the plane with more atoms (Mulliken: a planar
         * molecule lies in yz); Cnv: x in the sigma_v plane with most atoms */
        for (int k = 0; k < n_mirror; k++) {
            int on = atoms_in_plane(c, mirror_n[k]);
            if (on > best_on) best_on = on, best = k;
        }
        if (nmax == 2) memcpy(x, mirror_n[best], sizeof x);
        else cross3(x, z, mirror_n[best]);
        g->family = FAM_CNV;
        set_name(g, 'C', nmax, "v");
    } else {
        perp(x, z);
        g->family = FAM_S2N;
        set_name(g, 'S', 2 * nmax, "");
    }
    set_frame(g->F, z, x);
}

/* The exact operations of the named group in its standard frame, from
 * generators closed into the group. Returns the order, or -1. */
static int ideal_ops(double (*S)[9], const pg_name *g, int variant)
{
    static const double ez[3] = {0, 0, 1}, ex[3] = {1, 0, 0};
    double gen[4][9];
    int ng = 0, n = g->n;
    double M[9], R[9];
    switch (g->family) {
    case FAM_C1: break;
    case FAM_CS: mirror_matrix(gen[ng++], ez); break;
    case FAM_CI: for (int e = 0; e < 9; e++) gen[ng][e] = e % 4 == 0 ? -1.0 : 0.0; ng++; break;
    case FAM_CN: case FAM_CNV: case FAM_CNH: case FAM_DN: case FAM_DNH: case FAM_DND:
        rot_matrix(gen[ng++], ez, 2 * PI / n);
        if (g->family == FAM_CNV) {
            double ey[3] = {0, 1, 0};
            mirror_matrix(gen[ng++], ey);
        }
        if (g->family == FAM_CNH || g->family == FAM_DNH) mirror_matrix(gen[ng++], ez);
        if (g->family >= FAM_DN) rot_matrix(gen[ng++], ex, PI);
        if (g->family == FAM_DND) {
            double phi = PI / (2 * n), nd[3] = {-sin(phi), cos(phi), 0};
            mirror_matrix(gen[ng++], nd);
        }
        break;
    case FAM_S2N:
        rot_matrix(R, ez, PI / n);
        mirror_matrix(M, ez);
        mat_mul(gen[ng++], M, R);
        break;
    default: { /* cubic and icosahedral */
        double d111[3] = {1 / sqrt(3.0), 1 / sqrt(3.0), 1 / sqrt(3.0)};
        int four = g->family == FAM_O || g->family == FAM_OH;
        rot_matrix(gen[ng++], ez, four ? PI / 2 : PI);
        rot_matrix(gen[ng++], ex, four ? PI / 2 : PI);
        rot_matrix(gen[ng++], d111, 2 * PI / 3);
        if (g->family == FAM_I || g->family == FAM_IH) {
            double ph = 0.5 * (1 + sqrt(5.0)), v[3] = {0, variant ? ph : 1, variant ? 1 : ph}, u[3];
            unit3(u, v);
            rot_matrix(gen[ng++], u, 2 * PI / 5);
        }
        if (g->family == FAM_TD) {
            double nd[3] = {1 / sqrt(2.0), -1 / sqrt(2.0), 0};
            mirror_matrix(gen[ng++], nd);
        }
        if (g->family == FAM_TH || g->family == FAM_OH || g->family == FAM_IH) {
            for (int e = 0; e < 9; e++) gen[ng][e] = e % 4 == 0 ? -1.0 : 0.0;
            ng++;
        }
    }
    }
    int count = 1;
    for (int e = 0; e < 9; e++) S[0][e] = e % 4 == 0 ? 1.0 : 0.0;
    for (int grew = 1; grew;) {
        grew = 0;
        int n0 = count;
        for (int a = 0; a < n0; a++)
            for (int b = 0; b < ng; b++) {
                double P[9];
                mat_mul(P, S[a], gen[b]);
                int known = 0;
                for (int k = 0; k < count && !known; k++) {
                    double d = 0;
                    for (int e = 0; e < 9; e++) d = fmax(d, fabs(S[k][e] - P[e]));
                    known = d < 1e-6;
                }
                if (known) continue;
                if (count >= PG_CAP) return -1;
                memcpy(S[count++], P, sizeof P);
                grew = 1;
            }
    }
    return count;
}

void nnv_point_group_free(nnv_point_group *g)
{
    if (!g) return;
    FREE_ALL(g->ops, g->perm, g->op_class);
    free(g);
}

/* Fill g's operations from the standard ones S (order k) in frame F; 0 when
 * every one maps the atoms within tol, 1 when one does not. */
static int place_ops(nnv_point_group *g, pg_ctx *c, double (*S)[9], int k, const double *F, const char *table)
{
    g->table = pg_table_find(table);
    const pg_table *t = pg_table_get(g->table);
    g->order = k;
    g->max_deviation = 0;
    memcpy(g->axes, F, sizeof g->axes);
    for (int q = 0; q < k; q++) {
        double T[9], O[9], Ft[9], dev;
        for (int r = 0; r < 3; r++)
            for (int s = 0; s < 3; s++) Ft[3 * r + s] = F[3 * s + r];
        mat_mul(T, Ft, S[q]);
        mat_mul(O, T, F);
        memcpy(g->ops + 9 * q, O, sizeof O);
        if (!maps(c, O, c->tol, g->perm + (size_t)q * (size_t)c->n, &dev)) return 1;
        if (dev > g->max_deviation) g->max_deviation = dev;
        g->op_class[q] = t ? pg_class_of(t, S[q]) : -1;
    }
    return 0;
}

int nnv_point_group_detect(nnv_point_group **out, int n_atoms, const int *Z, const double *xyz,
                           const double *masses, double tol, nnv_error *err)
{
    int rc = NNV_OK;
    pg_ctx c = {0};
    nnv_point_group *g = NULL;
    double (*S)[9] = NULL;
    if (out) *out = NULL;
    if (!out || n_atoms < 1 || !Z || !xyz || !masses)
        return nnv_error_set(err, NNV_EUSAGE, "point group: NULL argument or no atoms");
    if (!(tol >= 0) || !isfinite(tol))
        return nnv_error_set(err, NNV_EUSAGE, "point group: tolerance %g A must be >= 0", tol);
    double M = 0, com[3] = {0, 0, 0};
    for (int i = 0; i < n_atoms; i++) {
        if (!(masses[i] > 0) || !isfinite(masses[i]))
            return nnv_error_set(err, NNV_EINPUT, "point group: atom %d: mass %g u", i + 1, masses[i]);
        for (int a = 0; a < 3; a++) {
            if (!isfinite(xyz[3 * i + a]))
                return nnv_error_set(err, NNV_EINPUT, "point group: atom %d: non-finite position", i + 1);
            com[a] += masses[i] * xyz[3 * i + a];
        }
        M += masses[i];
    }
    g = calloc(1, sizeof *g);
    c.n = n_atoms;
    c.Z = Z;
    c.m = masses;
    c.tol = tol > 0 ? tol : NNV_SYM_TOL_DEFAULT;
    c.x = malloc(3 * (size_t)n_atoms * sizeof *c.x);
    c.used = malloc((size_t)n_atoms * sizeof *c.used);
    c.ops = malloc(PG_CAP * sizeof *c.ops);
    S = malloc(PG_CAP * sizeof *S);
    if (g) {
        g->ops = malloc(PG_CAP * 9 * sizeof *g->ops);
        g->perm = malloc(PG_CAP * (size_t)n_atoms * sizeof *g->perm);
        g->op_class = malloc(PG_CAP * sizeof *g->op_class);
    }
    if (!g || !c.x || !c.used || !c.ops || !S || !g->ops || !g->perm || !g->op_class) {
        rc = nnv_error_set(err, NNV_ENOMEM, "point group: out of memory");
        goto cleanup;
    }
    g->n_atoms = n_atoms;
    g->tol = c.tol;
    g->sigma = 1;
    for (int a = 0; a < 3; a++) g->center[a] = com[a] / M;
    for (int i = 0; i < n_atoms; i++)
        for (int a = 0; a < 3; a++) c.x[3 * i + a] = xyz[3 * i + a] - g->center[a];
    g->searched = n_atoms <= NNV_SYM_MAX_ATOMS;

    /* principal axes of inertia: candidates, and the frame's tie-breaker */
    double I[9] = {0}, V[9], mom[3];
    for (int i = 0; i < n_atoms; i++) {
        const double *p = c.x + 3 * i;
        double r2 = dot3(p, p);
        for (int r = 0; r < 3; r++)
            for (int s = 0; s < 3; s++) I[3 * r + s] += masses[i] * ((r == s ? r2 : 0.0) - p[r] * p[s]);
    }
    jacobi3(I, V);
    for (int a = 0; a < 3; a++) mom[a] = I[4 * a];

    /* linear: every atom on the line through the farthest one */
    int far = 0;
    for (int i = 1; i < n_atoms; i++)
        if (dot3(c.x + 3 * i, c.x + 3 * i) > dot3(c.x + 3 * far, c.x + 3 * far)) far = i;
    double zl[3];
    int linear = n_atoms > 1 && unit3(zl, c.x + 3 * far) && atoms_on_axis(&c, zl) == n_atoms;

    pg_name nm;
    memset(&nm, 0, sizeof nm);
    for (int e = 0; e < 9; e++) nm.F[e] = e % 4 == 0 ? 1.0 : 0.0;
    strcpy(nm.name, "C1");
    nm.n = 1;
    int k = 1;
    if (!g->searched || n_atoms == 1) {
        /* nothing to search: C1 */
    } else if (linear) {
        static const double INV[9] = {-1, 0, 0, 0, -1, 0, 0, 0, -1};
        double x[3];
        int inv = maps(&c, INV, c.tol, NULL, NULL);
        perp(x, zl);
        set_frame(nm.F, zl, x);
        nm.family = inv ? FAM_DNH : FAM_CNV;
        nm.n = 2;
        strcpy(nm.name, inv ? "D2h" : "C2v");
        g->linear = 1;
        g->sigma = inv ? 2 : 1;
    } else {
        int r = 1;
        /* noise beyond the tolerance can make the closure run away: halve it */
        for (int attempt = 0; attempt < 4 && r == 1; attempt++) {
            r = search(&c, V);
            if (r == 1) c.tol *= 0.5;
            else if (r != NNV_OK) {
                rc = nnv_error_set(err, NNV_ENOMEM, "point group: out of memory");
                goto cleanup;
            }
        }
        if (r == NNV_OK) name_group(&nm, &c, V, mom);
        g->tol = c.tol;
    }
    const char *tname = g->linear ? (g->sigma == 2 ? "Dinfh" : "Cinfv") : nm.name;
    k = ideal_ops(S, &nm, 0);
    int bad = k < 0 || place_ops(g, &c, S, k, nm.F, tname);
    if (bad && (nm.family == FAM_I || nm.family == FAM_IH)) {
        k = ideal_ops(S, &nm, 1);
        bad = k < 0 || place_ops(g, &c, S, k, nm.F, tname);
    }
    if (bad) {
        /* the exact group does not fit the atoms within tol: claim nothing */
        memset(&nm, 0, sizeof nm);
        for (int e = 0; e < 9; e++) nm.F[e] = e % 4 == 0 ? 1.0 : 0.0;
        strcpy(nm.name, "C1");
        g->linear = 0;
        tname = "C1";
        k = ideal_ops(S, &nm, 0);
        place_ops(g, &c, S, k, nm.F, tname);
    }
    snprintf(g->name, sizeof g->name, "%s", tname);
    if (!g->linear) {
        g->sigma = 0;
        for (int q = 0; q < g->order; q++) {
            const double *O = g->ops + 9 * q;
            double d = O[0] * (O[4] * O[8] - O[5] * O[7]) - O[1] * (O[3] * O[8] - O[5] * O[6]) +
                       O[2] * (O[3] * O[7] - O[4] * O[6]);
            g->sigma += d > 0;
        }
    }
    *out = g;
    g = NULL;
cleanup:
    nnv_point_group_free(g);
    FREE_ALL(c.x, c.used, c.ops, c.dirs, S);
    return rc;
}
