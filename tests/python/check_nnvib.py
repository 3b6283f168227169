# The Python package against the C library and ASE (run by tests/test_python.sh):
# struct layouts, the program's numbers, forces, errors, ASE's Vibrations.
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

import nnvib
from nnvib import _lib

SRC, BIN, CC, TMP = sys.argv[1:5]
failures = []


def check(ok, what):
    print("%s: %s" % ("ok  " if ok else "FAIL", what))
    if not ok:
        failures.append(what)


# 1. Every mirrored struct has the C layout: a C program prints sizeof and
# offsetof of every field that ctypes knows, compiled against the headers.
lines = ['#include <stdio.h>', '#include <stddef.h>', '#include <nnvib.h>', 'int main(void) {']
for st in _lib.STRUCTS:
    lines.append('printf("%s %%zu\\n", sizeof(%s));' % (st.__name__, st.__name__))
    for name, _ in st._fields_:
        lines.append('printf("%s.%s %%zu\\n", offsetof(%s, %s));' % (st.__name__, name, st.__name__, name))
lines.append('return 0; }')
csrc = os.path.join(TMP, "layout.c")
with open(csrc, "w") as f:
    f.write("\n".join(lines) + "\n")
exe = os.path.join(TMP, "layout")
subprocess.run(CC.split() + ["-std=c11", "-I", os.path.join(SRC, "include"), "-o", exe, csrc], check=True)
c_layout = dict(l.split() for l in subprocess.run([exe], check=True, capture_output=True,
                                                  text=True).stdout.splitlines())
bad = []
for st in _lib.STRUCTS:
    if int(c_layout[st.__name__]) != _lib.ctypes.sizeof(st):
        bad.append("sizeof %s: C %s, ctypes %d" % (st.__name__, c_layout[st.__name__], _lib.ctypes.sizeof(st)))
    for name, _ in st._fields_:
        off = getattr(st, name).offset
        if int(c_layout["%s.%s" % (st.__name__, name)]) != off:
            bad.append("offsetof %s.%s: C %s, ctypes %d" % (st.__name__, name,
                                                          c_layout["%s.%s" % (st.__name__, name)], off))
check(not bad, "ctypes layouts of %d structs match the C headers %s" % (len(_lib.STRUCTS), bad))

# 2. The package gives the program's numbers: nnvib --opt --json on water.
pot_path = os.path.join(SRC, "weights", "hcno-tanh.bin")
water_path = os.path.join(SRC, "molecules", "water.xyz")
out = subprocess.run([BIN, "-q", "--opt", "--json", water_path, pot_path], capture_output=True, text=True)
j = json.loads(out.stdout)
pot = nnvib.Potential(pot_path)
check(pot.elements == [1, 6, 7, 8] and pot.activation == ["tanh"] and pot.committee_size == 0
      and abs(pot.cutoff - 5.5) < 1e-12 and pot.description.startswith("nnvib-train"), "potential metadata")
numbers, xyz = [], []
with open(water_path) as f:
    n = int(f.readline())
    f.readline()
    for _ in range(n):
        t = f.readline().split()
        numbers.append(t[0])
        xyz.append([float(x) for x in t[1:4]])
a = pot.analyse(numbers, xyz, optimize=True)
f_json = np.array(j["frequencies_cm1"])
check(np.allclose(a.frequencies, f_json, rtol=1e-9, atol=0), "frequencies as nnvib --opt --json: %s vs %s"
      % (a.frequencies, f_json))
check(a.point_group == j.get("point_group", "C2v") == "C2v" and a.mode_symmetries == ["A1", "A1", "B2"],
      "point group %s, species %s" % (a.point_group, a.mode_symmetries))
check(a.verdict == "ok" and a.converged and a.modes.shape == (3, 3, 3)
      and a.ir_intensities is not None and np.all(a.ir_intensities > 0), "verdict, modes, IR intensities")
check(np.allclose(np.einsum("kij,kij->k", a.modes, a.modes), 1.0, atol=1e-12), "modes normalised")

# 3. Forces are minus the energy's gradient; the Hessian the forces' (central
# differences, step 1e-4 A: errors ~1e-8).
rng = np.random.default_rng(7)
x0 = np.array(xyz) + rng.normal(scale=0.05, size=(3, 3))
F = pot.forces(numbers, x0)
H = pot.hessian(numbers, x0)
h = 1e-4
Fd = np.zeros((3, 3))
Hd = np.zeros((9, 9))
for i in range(9):
    xp, xm = x0.copy().ravel(), x0.copy().ravel()
    xp[i] += h
    xm[i] -= h
    Fd.ravel()[i] = -(pot.energy(numbers, xp.reshape(3, 3)) - pot.energy(numbers, xm.reshape(3, 3))) / (2 * h)
    Hd[:, i] = -(pot.forces(numbers, xp.reshape(3, 3)) - pot.forces(numbers, xm.reshape(3, 3))).ravel() / (2 * h)
check(np.max(np.abs(F - Fd)) < 1e-6, "forces = -dE/dx, max diff %.2e eV/A" % np.max(np.abs(F - Fd)))
check(np.max(np.abs(H - Hd)) < 1e-5 and np.array_equal(H, H.T),
      "Hessian = -dF/dx and symmetric, max diff %.2e eV/A^2" % np.max(np.abs(H - Hd)))

# Short names as the program resolves them (the repository's weights/ here).
short = nnvib.Potential("tanh")
check(os.path.samefile(short.path, pot_path) and nnvib.find_potential("hcno-lib-tanh").endswith("hcno-lib-tanh.bin"),
      "short names: tanh -> %s" % short.path)

# 4. Errors arrive as exceptions with the library's message.
try:
    nnvib.Potential(os.path.join(TMP, "missing.bin"))
    check(False, "missing potential raises")
except nnvib.FileError as e:
    check(e.code == -3 and "missing.bin" in str(e) and isinstance(e, OSError), "FileError: %s" % e)
try:
    pot.energy([79, 1], [[0, 0, 0], [0, 0, 1.5]])
    check(False, "missing element raises")
except nnvib.InputError as e:
    check(e.code == -1 and "Z=79" in str(e), "InputError: %s" % e)
try:
    pot.energy([8, 1], [[0, 0, 0]])
    check(False, "shape mismatch raises")
except nnvib.UsageError as e:
    check(isinstance(e, ValueError), "UsageError: %s" % e)

# 5. ASE: its own finite-difference Vibrations, and the analytic Hessian
# through VibrationsData, at the nnvib-optimised geometry with nnvib's masses.
try:
    from ase import Atoms
    from ase.vibrations import Vibrations
except ImportError:
    print("ASE not importable: skipping the ASE part")
    sys.exit(1 if failures else 0)
from nnvib.ase import Calculator

atoms = Atoms(numbers=a.numbers, positions=a.positions, masses=a.masses)
atoms.calc = Calculator(pot)
check(abs(atoms.get_potential_energy() - a.energy) < 1e-9, "ASE energy %.10f eV" % atoms.get_potential_energy())
for kw, tol in (({}, 1.0), ({"delta": 0.002}, 0.1)):
    vib = Vibrations(atoms, name=os.path.join(TMP, "vib%d" % len(kw)), **kw)
    vib.run()
    fa = np.sort(vib.get_frequencies().real)[-3:]
    d = np.max(np.abs(fa - a.frequencies))
    check(d < tol, "ase.vibrations.Vibrations %s: %s cm-1, max |diff| %.3f < %g cm-1" % (kw or "defaults", fa, d, tol))
vd = atoms.calc.get_vibrations(atoms)
fv = np.sort(vd.get_frequencies().real)[-3:]
rel = np.max(np.abs(fv / a.frequencies - 1))
check(rel < 1e-6, "VibrationsData.from_2d on the analytic Hessian: max rel diff %.1e < 1e-6" % rel)
atoms.pbc = True
try:
    atoms.calc.get_hessian(atoms)
    check(False, "periodic atoms refused")
except NotImplementedError:
    check(True, "periodic atoms refused")

sys.exit(1 if failures else 0)
