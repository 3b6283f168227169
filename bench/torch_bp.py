#!/usr/bin/python3
"""torch_bp.py: the Behler-Parrinello potential of shared/spec/nnp-format.md in
PyTorch (float64), with forces and the Hessian by autograd as TorchANI and
SchNetPack do it, for the side-by-side timing in `make bench` (bench/README.md).

    torch_bp.py WEIGHTS XYZ [--ref REF.bin] [--threads 1,2] [--reps 2] [--min-time 0.5]
    torch_bp.py --selftest [CONFORMANCE_DIR]

REF.bin (written by nnvib-bench on the same machine): native-endian f64
energy, forces[3N], hessian[3N*3N] from nnvib, for the columns dE, dF, dH.
Output: one line per thread count,
    torch atoms=N threads=T nl_ms=.. energy_ms=.. force_ms=.. hess_ms=.. dE=.. dF=.. dH=.. dHrel=..
Exit status: 0 ok, 1 self-test mismatch, 2 usage, 3 bad weights or structure file,
77 self-test skipped (no conformance folder).
"""
import argparse
import json
import math
import os
import struct
import sys
import time
import zlib

import numpy as np
import torch

SYMBOLS = (
    "H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr "
    "Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb "
    "Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf Es Fm Md No Lr Rf "
    "Db Sg Bh Hs Mt Ds Rg Cn Nh Fl Mc Lv Ts Og").split()
Z_OF = {s.lower(): z + 1 for z, s in enumerate(SYMBOLS)}


class BadInput(Exception):
    """A weights or structure file that does not follow the spec (exit 3)."""


# ---- weights.bin (spec section 3) -------------------------------------------------------


class _Reader:
    def __init__(self, path, data):
        self.path, self.data, self.pos = path, data, 0

    def take(self, fmt, field):
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise BadInput("%s: byte %d: file ends inside %s" % (self.path, self.pos, field))
        vals = struct.unpack_from(fmt, self.data, self.pos)
        at = self.pos
        self.pos += size
        for v in vals:
            if isinstance(v, float) and not math.isfinite(v):
                raise BadInput("%s: byte %d: %s is not finite" % (self.path, at, field))
        return vals if len(vals) > 1 else vals[0]

    def fail(self, at, msg):
        raise BadInput("%s: byte %d: %s" % (self.path, at, msg))


def _read_network(rd, n_in, what):
    at = rd.pos
    n_layers = rd.take("<I", what + " n_layers")
    if not 1 <= n_layers <= 64:
        rd.fail(at, "%s n_layers %d not in 1..64" % (what, n_layers))
    at = rd.pos
    sizes = rd.take("<%dI" % (n_layers + 1), what + " size")
    if any(not 1 <= s <= 4096 for s in sizes) or sizes[0] != n_in or sizes[-1] != 1:
        rd.fail(at, "%s layer sizes %s do not fit (n_in %d, n_out 1, each 1..4096)" % (what, sizes, n_in))
    layers = []
    for l in range(n_layers):
        at = rd.pos
        act = rd.take("<I", "%s layer %d activation" % (what, l))
        if act > 7:
            rd.fail(at, "%s layer %d: unknown activation code %d" % (what, l, act))
        at = rd.pos
        param = rd.take("<d", "%s layer %d param" % (what, l))
        if act == 7 and param <= 0:
            rd.fail(at, "%s layer %d: celu param %g <= 0" % (what, l, param))
        n_o, n_i = sizes[l + 1], sizes[l]
        W = np.array(rd.take("<%dd" % (n_o * n_i), "%s layer %d W" % (what, l)), dtype=np.float64)
        b = np.array(rd.take("<%dd" % n_o, "%s layer %d b" % (what, l)), dtype=np.float64)
        layers.append((act, param, W.reshape(n_o, n_i), b.reshape(n_o)))
    return layers


def read_weights(path):
    """Return {Z: {'E0', 'sf': [dict], 'net': [(act, param, W, b)]}} (charge networks skipped)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise BadInput("%s: %s" % (path, e.strerror))
    rd = _Reader(path, data)
    if rd.take("<8s", "magic") != b"NNVIBW01":
        rd.fail(0, "magic is not NNVIBW01")
    if rd.take("<I", "version") != 1:
        rd.fail(8, "version is not 1")
    flags = rd.take("<I", "flags")
    if flags & ~1:
        rd.fail(12, "unknown flag bits 0x%x" % flags)
    dlen = rd.take("<I", "description_length")
    if dlen > 65536:
        rd.fail(16, "description_length %d > 65536" % dlen)
    at = rd.pos
    desc = rd.take("<%ds" % dlen, "description")
    try:
        desc.decode("utf-8")
    except UnicodeDecodeError:
        rd.fail(at, "description is not valid UTF-8")
    at = rd.pos
    n_el = rd.take("<I", "n_elements")
    if not 1 <= n_el <= 118:
        rd.fail(at, "n_elements %d not in 1..118" % n_el)
    elements = {}
    last_z = 0
    for _ in range(n_el):
        at = rd.pos
        Z = rd.take("<I", "Z")
        if not 1 <= Z <= 118 or Z <= last_z:
            rd.fail(at, "Z %d out of 1..118 or not ascending" % Z)
        last_z = Z
        E0 = rd.take("<d", "E0")
        at = rd.pos
        n_sf = rd.take("<I", "n_sf")
        if not 1 <= n_sf <= 4096:
            rd.fail(at, "n_sf %d not in 1..4096" % n_sf)
        sfs = []
        for k in range(n_sf):
            at = rd.pos
            t, zj, zk, ct = rd.take("<4I", "Z=%d sf %d" % (Z, k))
            rc, alpha, eta, rs, zeta, lam, shift, scale, gmin, gmax = rd.take("<10d", "Z=%d sf %d" % (Z, k))
            if t not in (2, 3, 9):
                rd.fail(at, "Z=%d sf %d: unknown type %d" % (Z, k, t))
            if ct > 2:
                rd.fail(at + 12, "Z=%d sf %d: unknown cutoff_type %d" % (Z, k, ct))
            if t == 2 and zk != 0:
                rd.fail(at + 8, "Z=%d sf %d: Zk %d in a type-2 record" % (Z, k, zk))
            if rc <= 0 or not 0 <= alpha < 1 or scale == 0:
                rd.fail(at + 16, "Z=%d sf %d: rc <= 0, cutoff_alpha outside [0,1) or scale 0" % (Z, k))
            if t != 2 and (lam not in (-1.0, 1.0) or zeta < 1):
                rd.fail(at + 48, "Z=%d sf %d: lambda not +-1 or zeta < 1" % (Z, k))
            sfs.append(dict(type=t, zj=zj, zk=zk, cut=ct, rc=rc, alpha=alpha, eta=eta, rs=rs, zeta=zeta,
                            lam=lam, shift=shift, scale=scale))
        net = _read_network(rd, n_sf, "Z=%d energy network" % Z)
        if flags & 1:
            _read_network(rd, n_sf, "Z=%d charge network" % Z)
        elements[Z] = dict(E0=E0, sf=sfs, net=net)
    at = rd.pos
    crc = rd.take("<I", "crc32")
    if crc != zlib.crc32(data[:at]) & 0xFFFFFFFF:
        rd.fail(at, "crc32 mismatch")
    if rd.pos != len(data):
        rd.fail(rd.pos, "%d bytes after the crc32" % (len(data) - rd.pos))
    for Z, e in elements.items():
        for k, s in enumerate(e["sf"]):
            for zz in (s["zj"], s["zk"]) if s["type"] != 2 else (s["zj"],):
                if zz not in elements:
                    raise BadInput("%s: Z=%d sf %d names element %d that has no block" % (path, Z, k, zz))
    return elements


def read_xyz(path):
    try:
        with open(path) as f:
            lines = f.read().splitlines()
        n = int(lines[0].split()[0])
        Z, xyz = [], []
        for i in range(n):
            tok = lines[2 + i].split()
            z = Z_OF.get(tok[0].lower()) or (int(tok[0]) if tok[0].isdigit() else 0)
            if not 1 <= z <= 118:
                raise BadInput("%s: line %d: unknown element %r" % (path, 3 + i, tok[0]))
            Z.append(z)
            xyz.append([float(t) for t in tok[1:4]])
    except (OSError, ValueError, IndexError) as e:
        raise BadInput("%s: not a readable XYZ file (%s)" % (path, e))
    return np.array(Z, dtype=np.int64), np.array(xyz, dtype=np.float64)


# ---- the model -------------------------------------------------------------------------


def _activation(code, param, x):
    if code == 0:
        return x
    if code == 1:
        return torch.relu(x)  # its backward takes a'(0) = 0, as the spec asks
    if code == 2:
        return torch.logaddexp(x, torch.zeros_like(x))  # exact, no large-x linearisation
    if code == 3:
        return torch.tanh(x)
    if code == 4:
        return x * torch.sigmoid(x)
    if code == 5:
        return 0.5 * x * (1.0 + torch.erf(x * (1.0 / math.sqrt(2.0))))
    if code == 6:
        return torch.logaddexp(x, torch.zeros_like(x)) - math.log(2.0)
    # celu: clamping the exp argument keeps the unused branch finite (no inf*0
    # in double backward); x = 0 takes the x <= 0 branch: a' = 1, a'' = 1/alpha.
    neg = param * (torch.exp(torch.clamp(x, max=0.0) / param) - 1.0)
    return torch.where(x > 0, x, neg)


_ONES3 = torch.ones(3, dtype=torch.float64)


def _norm(v):
    # torch.linalg.norm or .sum(1) along a length-3 axis is 5-8x slower than a
    # matrix-vector product on the CPU (torch 1.13)
    return torch.sqrt((v * v) @ _ONES3)


def _power(b, zeta):
    """b^zeta by the spec's rules: zeta = 1 as it is; else 0 (and zero
    derivatives) where round-off makes b <= 0.  Integer powers by repeated
    squaring: torch.pow is 7x slower than multiplies (torch 1.13)."""
    if isinstance(zeta, torch.Tensor):  # a row of non-integer zetas
        return torch.pow(b.clamp(min=0.0), zeta)
    if zeta == 1.0:
        return b
    b = b.clamp(min=0.0)
    n, out = int(zeta), None
    while n:
        if n & 1:
            out = b if out is None else out * b
        n >>= 1
        if n:
            b = b * b
    return out


def _cutoffs(r, groups):
    """fc for every distinct cutoff: r (M,) -> (M, C), one block of columns
    per cutoff type (groups: (type, rc row, alpha row))."""
    r = r[:, None]
    cols = []
    for ct, rc, alpha in groups:
        if ct == 0:
            f = 0.5 * (torch.cos(r * (math.pi / rc)) + 1.0)
        elif ct == 1:
            x = (r - alpha * rc) / (rc - alpha * rc)
            f = torch.where(r <= alpha * rc, torch.ones(1, dtype=torch.float64),
                            ((15.0 - 6.0 * x) * x - 10.0) * x * x * x + 1.0)
        else:
            th = torch.tanh(1.0 - r / rc)
            f = th * th * th
        cols.append(torch.where(r < rc, f, torch.zeros(1, dtype=torch.float64)))
    return cols[0] if len(cols) == 1 else torch.cat(cols, dim=1)


class BPModel:
    """Behler-Parrinello energy for one fixed structure's neighbour lists.

    As in TorchANI's AEVComputer: every distinct radial SF parameter set is
    evaluated on every pair in one (pairs x params) tensor op; the angular terms
    are the outer product of a radial part (cutoff, eta, rs) and an angular part
    (zeta, lambda), each evaluated once per triplet; one index_add scatters the
    terms into the SF vectors of the central atoms.  No Python loop over atoms
    or SFs runs inside autograd."""

    def __init__(self, elements, Z, xyz):
        self.n = len(Z)
        for i, z in enumerate(Z):
            if int(z) not in elements:
                raise BadInput("atom %d: element %s has no block in the weights" % (i + 1, SYMBOLS[z - 1]))
        offs = np.zeros(self.n + 1, dtype=np.int64)
        for i, z in enumerate(Z):
            offs[i + 1] = offs[i] + len(elements[int(z)]["sf"])
        self.n_g = int(offs[-1])  # slot n_g absorbs terms a central element has no SF for
        # Distinct parameter sets, each cutoff type a contiguous block of
        # cutoff columns, zeta = 1 first, then integer zetas, then the rest.
        sfs = [s for e in elements.values() for s in e["sf"]]
        cut_keys = {key: q for q, key in enumerate(sorted({(s["cut"], s["rc"], s["alpha"]) for s in sfs}))}
        ck = lambda s: cut_keys[(s["cut"], s["rc"], s["alpha"])]
        rad_keys = {key: q for q, key in enumerate(sorted({(ck(s), s["eta"], s["rs"]) for s in sfs if s["type"] == 2}))}
        geo_keys = {key: q for q, key in enumerate(sorted({(ck(s), s["type"], s["eta"], s["rs"])
                                                           for s in sfs if s["type"] != 2}))}
        zorder = lambda key: (key[0] != 1.0, key[0] != int(key[0]), key)
        za_keys = {key: q for q, key in enumerate(sorted({(s["zeta"], s["lam"]) for s in sfs if s["type"] != 2},
                                                         key=zorder))}
        rc_rad = max([s["rc"] for s in sfs if s["type"] == 2], default=0.0)
        rc_ang = max([s["rc"] for s in sfs if s["type"] != 2], default=0.0)
        self.cuts = list(cut_keys)
        self.cut_groups = []  # (cutoff type, first column, rc row, alpha row)
        for ct in sorted({key[0] for key in self.cuts}):
            cols = [q for q, key in enumerate(self.cuts) if key[0] == ct]
            self.cut_groups.append((ct, torch.tensor([[self.cuts[q][1] for q in cols]], dtype=torch.float64),
                                    torch.tensor([[self.cuts[q][2] for q in cols]], dtype=torch.float64)))
        # angular parameter sets: the (geo, za) combinations some SF uses
        combos = sorted({(geo_keys[(ck(s), s["type"], s["eta"], s["rs"])], za_keys[(s["zeta"], s["lam"])])
                         for s in sfs if s["type"] != 2})
        combo_idx = {c: q for q, c in enumerate(combos)}
        zs = sorted(elements)
        zidx = {z: q for q, z in enumerate(zs)}
        nz = len(zs)
        # target[Zc, Zj(, Zk), param] = the SF's index in Zc's list, -1 when Zc has none
        rad_t = np.full((nz, nz, max(len(rad_keys), 1)), -1, dtype=np.int64)
        ang_t = np.full((nz, nz, nz, max(len(combos), 1)), -1, dtype=np.int64)
        for zc, e in elements.items():
            c = zidx[zc]
            for k, s in enumerate(e["sf"]):
                if s["type"] == 2:
                    rad_t[c, zidx[s["zj"]], rad_keys[(ck(s), s["eta"], s["rs"])]] = k
                else:
                    u = combo_idx[(geo_keys[(ck(s), s["type"], s["eta"], s["rs"])], za_keys[(s["zeta"], s["lam"])])]
                    ang_t[c, zidx[s["zj"]], zidx[s["zk"]], u] = k
                    ang_t[c, zidx[s["zk"]], zidx[s["zj"]], u] = k
        zi = np.array([zidx[int(z)] for z in Z], dtype=np.int64)
        row = lambda keys, q, dt=torch.float64: torch.tensor([[key[q] for key in keys]], dtype=dt)

        # Neighbour lists at this geometry, outside autograd.
        d = np.sqrt(((xyz[:, None, :] - xyz[None, :, :]) ** 2).sum(-1))
        np.fill_diagonal(d, np.inf)
        self.rad = self.ang = None
        if rad_keys:
            pi, pj = np.nonzero(d < rc_rad)
            keys = list(rad_keys)
            self.rad = dict(i=torch.from_numpy(pi), j=torch.from_numpy(pj), m=len(pi), eta=row(keys, 1),
                            rs=row(keys, 2), cut=self._cut_columns([key[0] for key in keys]),
                            tgt=self._targets(rad_t[zi[pi], zi[pj]], offs[pi]))
        if geo_keys:
            ti, tj, tk = [], [], []
            for i in range(self.n):
                nb = np.nonzero(d[i] < rc_ang)[0]
                a, b = np.triu_indices(len(nb), 1)
                ti.append(np.full(len(a), i, dtype=np.int64))
                tj.append(nb[a])
                tk.append(nb[b])
            ti, tj, tk = (np.concatenate(v) for v in (ti, tj, tk))
            geo, za = list(geo_keys), list(za_keys)
            t3 = row(geo, 1) == 3
            # One power per distinct integer zeta (repeated squaring), one
            # tensor-exponent pow for all non-integer ones.
            zgroups, lo = [], 0
            while lo < len(za):
                z = za[lo][0]
                whole = z == int(z)
                hi = lo + 1
                while hi < len(za) and (za[hi][0] == z if whole else za[hi][0] != int(za[hi][0])):
                    hi += 1
                zgroups.append((row(za[lo:hi], 1), z if whole else row(za[lo:hi], 0)))
                lo = hi
            # TorchANI's outer product of the two parts when every combination
            # is used, else the used combinations only.
            full = len(combos) == len(geo) * len(za)
            gi = torch.tensor([g for g, _ in combos], dtype=torch.int64)
            ai = torch.tensor([a for _, a in combos], dtype=torch.int64)
            self.ang = dict(i=torch.from_numpy(ti), j=torch.from_numpy(tj), k=torch.from_numpy(tk), m=len(ti),
                            cut=self._cut_columns([key[0] for key in geo]), eta=row(geo, 2), rs=row(geo, 3),
                            t3=t3, any_t3=bool(t3.any()), all_t3=bool(t3.all()),
                            pref=2.0 ** (1.0 - row(za, 0)), zgroups=zgroups, full=full, gi=gi, ai=ai,
                            tgt=self._targets(ang_t[zi[ti], zi[tj], zi[tk]], offs[ti]))
        # Networks, per element, with each atom's SF slice in the flat G vector.
        self.nets = []
        self.e0 = 0.0
        for z in zs:
            atoms = np.nonzero(Z == z)[0]
            if len(atoms) == 0:
                continue
            e = elements[z]
            self.e0 += e["E0"] * len(atoms)
            gidx = torch.from_numpy((offs[atoms][:, None] + np.arange(len(e["sf"]))[None, :]).reshape(-1))
            shift = torch.tensor([s["shift"] for s in e["sf"]], dtype=torch.float64)
            scale = torch.tensor([s["scale"] for s in e["sf"]], dtype=torch.float64)
            layers = [(a, p, torch.from_numpy(W.copy()), torch.from_numpy(b.copy())) for a, p, W, b in e["net"]]
            self.nets.append((gidx, shift, scale, layers))

    def _cut_columns(self, cols):
        """Index of each parameter's cutoff in _cutoffs' columns; None when they all share the only one."""
        return None if len(self.cuts) == 1 else torch.tensor(cols, dtype=torch.int64)

    def _targets(self, tgt, centre_offset):
        return torch.from_numpy(np.where(tgt >= 0, centre_offset[:, None] + tgt, self.n_g).reshape(-1))

    def _fc(self, r, cut):
        f = _cutoffs(r, self.cut_groups)
        return f if cut is None else f.index_select(1, cut)

    def energy(self, pos):
        G = torch.zeros(self.n_g + 1, dtype=torch.float64)
        R = self.rad
        if R is not None and R["m"] > 0:
            r = _norm(pos.index_select(0, R["j"]) - pos.index_select(0, R["i"]))[:, None]
            dr = r - R["rs"]
            terms = torch.exp(-R["eta"] * dr * dr) * self._fc(r[:, 0], R["cut"])
            G = G.index_add(0, R["tgt"], terms.reshape(-1))
        A = self.ang
        if A is not None and A["m"] > 0:
            pi = pos.index_select(0, A["i"])
            vij = pos.index_select(0, A["j"]) - pi
            vik = pos.index_select(0, A["k"]) - pi
            rij, rik = _norm(vij), _norm(vik)
            cos = ((vij * vik) @ _ONES3) / (rij * rik)
            # radial part, triplets x (cutoff, type, eta, rs)
            rs = A["rs"]
            dij, dik = rij[:, None] - rs, rik[:, None] - rs
            ex = dij * dij + dik * dik
            fc = self._fc(rij, A["cut"]) * self._fc(rik, A["cut"])
            if A["any_t3"]:  # type 3 also has the j-k distance
                rjk = _norm(pos.index_select(0, A["k"]) - pos.index_select(0, A["j"]))
                djk = rjk[:, None] - rs
                fjk, exjk = self._fc(rjk, A["cut"]), djk * djk
                if not A["all_t3"]:
                    one = torch.ones(1, dtype=torch.float64)
                    fjk, exjk = torch.where(A["t3"], fjk, one), torch.where(A["t3"], exjk, one - 1.0)
                ex, fc = ex + exjk, fc * fjk
            rad = torch.exp(-A["eta"] * ex) * fc
            # angular part, triplets x (zeta, lambda)
            # per distinct zeta (no slicing of a tensor in the graph: its
            # backward would allocate and copy full-size zeros)
            c = cos[:, None]
            ang = torch.cat([_power(1.0 + lam * c, z) for lam, z in A["zgroups"]], dim=1)
            ang = A["pref"] * ang
            if A["full"]:
                terms = rad[:, :, None] * ang[:, None, :]
            else:
                terms = rad.index_select(1, A["gi"]) * ang.index_select(1, A["ai"])
            G = G.index_add(0, A["tgt"], terms.reshape(-1))
        E = torch.zeros((), dtype=torch.float64) + self.e0
        for gidx, shift, scale, layers in self.nets:
            x = (G.index_select(0, gidx).reshape(-1, len(shift)) - shift) * scale
            for act, param, W, b in layers:
                x = _activation(act, param, x @ W.T + b)
            E = E + x.sum()
        return E


# ---- energy, forces, Hessian -------------------------------------------------------------


def forces(model, xyz):
    pos = xyz.clone().requires_grad_(True)
    E = model.energy(pos)
    (g,) = torch.autograd.grad(E, pos)
    return E.detach(), -g


def hessian_rows(model, xyz):
    """Forces with create_graph, then one backward pass per Hessian row."""
    pos = xyz.clone().requires_grad_(True)
    E = model.energy(pos)
    (g,) = torch.autograd.grad(E, pos, create_graph=True)
    g = g.reshape(-1)
    n3 = g.numel()
    H = torch.empty(n3, n3, dtype=torch.float64)
    for a in range(n3):
        (row,) = torch.autograd.grad(g[a], pos, retain_graph=a + 1 < n3)
        H[a] = row.reshape(-1)
    return E.detach(), -g.detach(), H


def hessian_functional(model, xyz, vectorize=False):
    """torch.autograd.functional.hessian (plus a force call, as the rows method gives them)."""
    E, F = forces(model, xyz)
    n3 = xyz.numel()
    H = torch.autograd.functional.hessian(lambda p: model.energy(p.reshape(-1, 3)), xyz.reshape(-1),
                                          vectorize=vectorize)
    return E, F, H.reshape(n3, n3)


HESSIAN_METHODS = {
    "rows": hessian_rows,
    "functional": hessian_functional,
    "functional-vec": lambda m, x: hessian_functional(m, x, vectorize=True),
}


def best_time(fn, reps, min_time):
    """Shortest of repeats lasting >= min_time s and at least reps of them (as nnvib-bench)."""
    best, t0, n, out = math.inf, time.perf_counter(), 0, None
    while n < reps or time.perf_counter() - t0 < min_time:
        s = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - s)
        n += 1
    return best, out


def read_ref(path, n):
    n3 = 3 * n
    try:
        raw = np.fromfile(path, dtype=np.float64)
    except OSError as e:
        raise BadInput("%s: %s" % (path, e.strerror))
    if raw.size != 1 + n3 + n3 * n3:
        raise BadInput("%s: %d doubles, expected %d (energy, 3N forces, 3N x 3N Hessian)"
                       % (path, raw.size, 1 + n3 + n3 * n3))
    return raw[0], raw[1:1 + n3], raw[1 + n3:].reshape(n3, n3)


def run(args):
    torch.set_num_interop_threads(1)
    elements = read_weights(args.weights)
    Z, xyz_np = read_xyz(args.xyz)
    model = BPModel(elements, Z, xyz_np)
    xyz = torch.from_numpy(xyz_np.copy())
    ref = read_ref(args.ref, len(Z)) if args.ref else None
    hess = HESSIAN_METHODS[args.method]
    for t in [int(v) for v in args.threads.split(",")]:
        torch.set_num_threads(t)
        # The neighbour lists are built once per structure, outside autograd
        # (as TorchANI), so nl_ms is reported but not in the other times.
        t_nl, _ = best_time(lambda: BPModel(elements, Z, xyz_np), 1, 0.0)
        with torch.no_grad():
            t_e, _ = best_time(lambda: model.energy(xyz), args.reps, args.min_time)
        t_f, _ = best_time(lambda: forces(model, xyz), args.reps, args.min_time)
        t_h, (E, F, H) = best_time(lambda: hess(model, xyz), args.reps, args.min_time)
        line = "torch atoms=%d threads=%d method=%s nl_ms=%.3f energy_ms=%.3f force_ms=%.3f hess_ms=%.3f" % (
            len(Z), torch.get_num_threads(), args.method, 1e3 * t_nl, 1e3 * t_e, 1e3 * t_f, 1e3 * t_h)
        if ref is not None:
            E0, F0, H0 = ref
            Hn = H.numpy()
            dH = np.abs(Hn - H0).max()
            line += " E=%.12f dE=%.3e dF=%.3e dH=%.3e dHrel=%.3e asym=%.3e" % (
                float(E), abs(float(E) - E0), np.abs(F.numpy() - F0).max(), dH, dH / max(np.abs(H0).max(), 1e-300),
                np.abs(Hn - Hn.T).max())
        print(line, flush=True)
    return 0


# ---- self-test against the conformance vectors ---------------------------------------------


def selftest(folder):
    if not folder:
        shared = os.environ.get("NNVIB_SHARED") or os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                                "..", "..", "shared")
        folder = os.path.join(shared, "conformance")
    if not os.path.isfile(os.path.join(folder, "README.md")):
        print("torch_bp selftest: skipped: no conformance folder %s (set NNVIB_SHARED or give the folder)" % folder)
        return 77
    torch.set_num_threads(1)
    cases = sorted(c for c in os.listdir(folder) if os.path.isfile(os.path.join(folder, c, "expected.json")))
    bad = 0
    for c in cases:
        with open(os.path.join(folder, c, "expected.json")) as f:
            exp = json.load(f)
        elements = read_weights(os.path.join(folder, c, "weights.bin"))
        Z, xyz = read_xyz(os.path.join(folder, c, "molecule.xyz"))
        model = BPModel(elements, Z, xyz)
        E, F, H = hessian_rows(model, torch.from_numpy(xyz.copy()))
        H = H.numpy()
        Hs = 0.5 * (H + H.T)
        H0 = np.array(exp["hessian"])
        dE = abs(float(E) - exp["energy"])
        dF = np.abs(F.numpy() - np.array(exp["forces"]).reshape(-1)).max()
        herr = np.abs(Hs - H0)
        hok = np.all((herr <= 1e-7) | (herr <= 1e-9 * np.abs(H0)))
        ok = dE <= 1e-10 and dF <= 1e-9 and hok
        bad += not ok
        print("%-11s N=%2d dE=%.2e dF=%.2e dH=%.2e %s" % (c, len(Z), dE, dF, herr.max(), "ok" if ok else "MISMATCH"))
    # Bad files must be refused with exit 3, not crash: the invalid/ inputs.
    inv = os.path.join(folder, "invalid", "index.json")
    if os.path.isfile(inv):
        with open(inv) as f:
            idx = json.load(f)
        entries = idx if isinstance(idx, list) else idx.get("files", idx.get("entries", []))
        refused = total = 0
        for ent in entries:
            name = ent.get("file") if isinstance(ent, dict) else ent
            if not name or not name.endswith((".bin", ".xyz")):
                continue
            total += 1
            try:
                if name.endswith(".bin"):
                    read_weights(os.path.join(folder, "invalid", name))
                else:  # a structure with an element the weights have no block for
                    w = read_weights(os.path.join(folder, "invalid", ent["weights"]))
                    BPModel(w, *read_xyz(os.path.join(folder, "invalid", name)))
            except BadInput:
                refused += 1
        print("invalid/: %d of %d bad inputs refused" % (refused, total))
        bad += refused != total
    print("torch_bp selftest: %s (%d cases)" % ("MISMATCH" if bad else "all agree", len(cases)))
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("weights", nargs="?")
    ap.add_argument("xyz", nargs="?")
    ap.add_argument("--ref", help="nnvib's energy, forces and Hessian (raw f64) for dE, dF, dH")
    ap.add_argument("--threads", default="1", help="comma-separated thread counts [1]")
    ap.add_argument("--reps", type=int, default=2, help="at least this many repeats per time [2]")
    ap.add_argument("--min-time", type=float, default=0.5, help="repeat each time for at least this long, s [0.5]")
    ap.add_argument("--method", choices=sorted(HESSIAN_METHODS), default="rows",
                    help="autograd Hessian: per-row backward of the forces (rows, the default: the fastest "
                         "here), torch.autograd.functional.hessian (functional), or its vmap form")
    ap.add_argument("--selftest", nargs="?", const="", metavar="CONFORMANCE_DIR",
                    help="compare with every conformance case's expected energy, forces, Hessian")
    args = ap.parse_args()
    try:
        if args.selftest is not None:
            return selftest(args.selftest)
        if not args.weights or not args.xyz:
            ap.print_usage(sys.stderr)
            return 2
        return run(args)
    except BadInput as e:
        print("torch_bp: %s" % e, file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
