#!/bin/sh
# Thermochemistry against ASE's IdealGasThermo (python3-ase), an independent
# implementation of the same ideal-gas RRHO formulas:
#  1. water, CO2 and a triplet at other T/p, from given frequencies, through
#     `tests/test_thermo --eval` (the library call nnv_thermo_rrho);
#  2. end to end: `nnvib --opt --json` on methane with the test potential, ASE
#     fed the JSON geometry, masses and frequencies.
# Both with CODATA 2018 constants: agreement to 1e-9 relative is expected.
# Exit 77 (skip) when no python3 with ASE is found.
set -u
BIN=${NNVIB_BIN:-./nnvib}
SRC=${NNVIB_SRCDIR:-.}
BUILD=${NNVIB_BUILDDIR:-.}
EVAL="$BUILD/tests/test_thermo"

PY=
for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import ase.thermochemistry' 2>/dev/null; then
        PY=$p
        break
    fi
done
if [ -z "$PY" ]; then
    echo "SKIP: no python3 with ASE (Debian: python3-ase)"
    exit 77
fi
if [ ! -x "$EVAL" ]; then
    echo "FAIL: $EVAL not built"
    exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nnvib-ase.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

if ! "$BIN" -q --opt --json -o "$tmp/methane.json" "$SRC/molecules/methane.xyz" \
        "$SRC/weights/test-CH-softplus-random.bin"; then
    echo "FAIL: nnvib on methane"
    exit 1
fi

"$PY" - "$EVAL" "$tmp/methane.json" <<'EOF'
import json, subprocess, sys
import numpy as np
from ase import Atoms
import ase.thermochemistry
from ase.thermochemistry import IdealGasThermo
from ase.units import create_units

# ASE defaults to CODATA 2014; nnvib uses CODATA 2018: give ASE the same.
units = create_units("2018")
ase.thermochemistry.units = units
TOL = 1e-9

evalbin, mjson = sys.argv[1], sys.argv[2]
ok = True

def ase_numbers(atoms, nu, geometry, sigma, mult, T, p_bar):
    th = IdealGasThermo(vib_energies=[v * units.invcm for v in nu if v > 0],
                        geometry=geometry, potentialenergy=0.0, atoms=atoms,
                        symmetrynumber=sigma, spin=(mult - 1) / 2.0)
    P = p_bar * 1e5
    return dict(zpe=th.get_ZPE_correction(), h=th.get_enthalpy(T, verbose=False),
                s=th.get_entropy(T, P, verbose=False), g=th.get_gibbs_energy(T, P, verbose=False))

def compare(name, ours, ref):
    global ok
    line = []
    for k in ("zpe", "h", "s", "g"):
        a, b = ours[k], ref[k]
        # G = H - TS can be near 0: compare it on the scale of H and TS.
        scale = abs(ref["h"]) + abs(ref["h"] - ref["g"]) if k == "g" else abs(b)
        good = abs(a - b) <= TOL * scale + 1e-15
        ok = ok and good
        line.append("%s %.9g vs ASE %.9g%s" % (k.upper(), a, b, "" if good else " FAIL"))
    print("%s: %s" % (name, "; ".join(line)))

def ours_eval(T, P, sigma, mult, linear, mass, I, nu):
    out = subprocess.run([evalbin, "--eval", repr(T), repr(P), str(sigma), str(mult), str(linear),
                          repr(mass), *(repr(float(x)) for x in I), "-", *(repr(v) for v in nu)],
                         check=True, capture_output=True, text=True).stdout.split()
    zpe, u, h, s, g = map(float, out)
    return dict(zpe=zpe, h=h, s=s, g=g)

# Water, geometry of molecules/water.xyz, most abundant isotopes, NIST fundamentals.
mO, mH, mC = 15.99491461957, 1.00782503223, 12.0
water = Atoms("OH2", positions=[(0, 0, 0.1173), (0, 0.7572, -0.4692), (0, -0.7572, -0.4692)],
              masses=[mO, mH, mH])
nu_w = [1594.7, 3657.1, 3755.9]
I = sorted(water.get_moments_of_inertia())
for (T, P, mult) in ((298.15, 1.0, 1), (500.0, 2.0, 3)):
    compare("water T=%g K p=%g bar mult=%d" % (T, P, mult),
            ours_eval(T, P, 2, mult, 0, sum(water.get_masses()), I, nu_w),
            ase_numbers(water, nu_w, "nonlinear", 2, mult, T, P))

co2 = Atoms("CO2", positions=[(0, 0, 0), (0, 0, 1.16), (0, 0, -1.16)], masses=[mC, mO, mO])
nu_c = [667.4, 667.4, 1333.0, 2349.1]
I = sorted(co2.get_moments_of_inertia())
compare("CO2 T=298.15 K", ours_eval(298.15, 1.0, 2, 1, 1, sum(co2.get_masses()), I, nu_c),
        ase_numbers(co2, nu_c, "linear", 2, 1, 298.15, 1.0))

# End to end through the program's JSON.
j = json.load(open(mjson))
t = j["thermochemistry"]
atoms = Atoms(j["symbols"], positions=j["positions_A"], masses=j["masses_u"])
geometry = "linear" if j["linear"] else "nonlinear"
if t["symmetry_number"] != 12:
    ok = False
    print("FAIL: methane symmetry number %d, expected 12" % t["symmetry_number"])
compare("methane (nnvib --json, sigma %d detected)" % t["symmetry_number"],
        dict(zpe=t["zpe_eV"], h=t["h_eV"], s=t["s_eV_K"], g=t["g_eV"]),
        ase_numbers(atoms, j["frequencies_cm1"], geometry, t["symmetry_number"], 1, 298.15, 1.0))
sys.exit(0 if ok else 1)
EOF
