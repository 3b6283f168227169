#!/bin/sh
# The outputs a chemist reuses, end to end: isotope labels for --mass (D2O
# bit for bit as the typed masses; wrong element or unknown label: status 2),
# --scale (table column, JSON values, bounds), the "Geometry analysed" block
# and --write-xyz (read back by nnvib: the same frequencies; by ASE when
# installed: energy and flags from the comment line), and
# --write-hessian read by xtb's own reader (`xtb thermo`, ORCA .hess and xtb
# hessian): its frequencies from our Hessian match ours. The xtb part is
# skipped when xtb is missing (Debian: xtb); exit 77 only when python3 is.
set -u
BIN=${NNVIB_BIN:-./nnvib}
SRC=${NNVIB_SRCDIR:-.}
POT="$SRC/weights/hcno-tanh.bin"
W="$SRC/molecules/water.xyz"

command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nnvib-reuse.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0
no() { echo "FAIL: $*"; fail=1; }

# ---- isotopes: labels are the typed masses, bit for bit -------------------------
"$BIN" -q --json --mass 2=D,3=D "$W" "$POT" > "$tmp/d2o-label.json" || no "--mass 2=D,3=D"
"$BIN" -q --json --mass 2=D --mass 3=D "$W" "$POT" > "$tmp/d2o-rep.json" || no "--mass 2=D --mass 3=D"
"$BIN" -q --json --mass 2=2.01410177812 --mass 3=2.01410177812 "$W" "$POT" > "$tmp/d2o-num.json" || no "numeric D"
"$BIN" -q --json "$W" "$POT" > "$tmp/h2o.json" || no "plain water"
for f in label rep; do
    grep '"frequencies_cm1"' "$tmp/d2o-$f.json" > "$tmp/a"
    grep '"frequencies_cm1"' "$tmp/d2o-num.json" > "$tmp/b"
    cmp -s "$tmp/a" "$tmp/b" || no "D2O by label ($f) differs from the typed masses: $(cat "$tmp/a") / $(cat "$tmp/b")"
done
python3 - "$tmp/h2o.json" "$tmp/d2o-label.json" <<'PY' || fail=1
import json, math, sys
h, d = (json.load(open(p)) for p in sys.argv[1:3])
assert d["isotopes"] == [None, "D", "D"], d["isotopes"]
assert h["isotopes"] == [None, None, None], h["isotopes"]
ok = True
for k, (a, b) in enumerate(zip(h["frequencies_cm1"], d["frequencies_cm1"])):
    r = b / a
    # O-H to O-D: about 1/sqrt(2), a little above (finite O mass)
    if not (b < a and abs(r * math.sqrt(2) - 1) < 0.05):
        print(f"FAIL: mode {k+1}: H2O {a:.2f}, D2O {b:.2f}, ratio {r:.4f}"); ok = False
sys.exit(0 if ok else 1)
PY
"$BIN" -q --mass 2=D "$W" "$POT" | grep -Eq '^ +2  H .* D$' || no "the table does not show atom 2 as D"
"$BIN" -q --mass 1=D "$W" "$POT" >/dev/null 2>"$tmp/err"; st=$?
[ "$st" = 2 ] && grep -q "D is an isotope of H, but atom 1" "$tmp/err" || no "--mass 1=D on O: status $st, $(cat "$tmp/err")"
[ "$(wc -l < "$tmp/err")" = 1 ] || no "--mass 1=D: not one line"
"$BIN" -q --mass 1=19O "$W" "$POT" >/dev/null 2>"$tmp/err"; st=$?
[ "$st" = 2 ] && grep -q "unknown label" "$tmp/err" || no "--mass 1=19O: status $st, $(cat "$tmp/err")"
"$BIN" -q --json --mass 1=18O "$W" "$POT" | grep -q '17.99915961286' || no "--mass 1=18O: mass not in the JSON"

# ---- --scale ---------------------------------------------------------------------
"$BIN" -q --json --scale 0.96 "$W" "$POT" > "$tmp/s.json" || no "--scale 0.96"
python3 - "$tmp/s.json" <<'PY' || fail=1
import json, sys
j = json.load(open(sys.argv[1]))
assert j["frequency_scale"] == 0.96
for a, b in zip(j["frequencies_cm1"], j["scaled_frequencies_cm1"]):
    assert abs(b - 0.96 * a) <= 1e-12 * abs(a), (a, b)
PY
grep -q scaled_frequencies "$tmp/h2o.json" && no "scaled frequencies without --scale"
"$BIN" -q --scale 0.96 "$W" "$POT" > "$tmp/s.txt"
python3 - "$tmp/s.txt" "$tmp/s.json" <<'PY' || fail=1
import json, re, sys
j = json.load(open(sys.argv[2]))
rows = [l.split() for l in open(sys.argv[1]) if re.match(r"^ +\d+ +\d+\.\d{4} +\d+\.\d{4} ", l)]
assert len(rows) == j["n_modes"], rows
for r, a, b in zip(rows, j["frequencies_cm1"], j["scaled_frequencies_cm1"]):
    assert abs(float(r[1]) - a) < 6e-5 and abs(float(r[2]) - b) < 6e-5, (r, a, b)
PY
for bad in 0 -1 2.01 nan; do
    "$BIN" -q --scale "$bad" "$W" "$POT" >/dev/null 2>&1; st=$?
    [ "$st" = 2 ] || no "--scale $bad: status $st"
done

# ---- the geometry analysed: table block, --write-xyz -----------------------------
"$BIN" -q --opt --json --write-xyz "$tmp/opt.xyz" "$SRC/molecules/methanol.xyz" "$POT" > "$tmp/opt.json" ||
    no "--opt --write-xyz"
"$BIN" -q --opt "$SRC/molecules/methanol.xyz" "$POT" > "$tmp/opt.txt"
"$BIN" -q --json "$tmp/opt.xyz" "$POT" > "$tmp/re.json" || no "nnvib cannot read its own --write-xyz"
head -2 "$tmp/opt.xyz" | tail -1 | grep -q 'optimized=T geometry="optimised (--opt)"' || no "xyz comment: $(sed -n 2p "$tmp/opt.xyz")"
python3 - "$tmp/opt.json" "$tmp/re.json" "$tmp/opt.txt" <<'PY' || fail=1
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["geometry_source"] == "optimized" and b["geometry_source"] == "input"
for p, q in zip(a["positions_A"], b["positions_A"]):
    assert max(abs(x - y) for x, y in zip(p, q)) < 1e-10, (p, q)
for x, y in zip(a["frequencies_cm1"], b["frequencies_cm1"]):
    assert abs(x - y) < 1e-3, (x, y)
# the table's block: element and x y z as in the JSON
lines = open(sys.argv[3]).read().split(" Geometry analysed (A), optimised (--opt)\n")[1].splitlines()[1:1 + a["n_atoms"]]
for l, sym, p in zip(lines, a["symbols"], a["positions_A"]):
    f = l.split()
    assert f[1] == sym and all(abs(float(u) - v) < 1e-10 for u, v in zip(f[2:5], p)), (l, p)
PY

# ASE reads the comment line's key=value pairs (when a python3 with ASE is here)
for py in python3 /usr/bin/python3; do
    if "$py" -c 'import ase.io' 2>/dev/null; then
        "$py" - "$tmp/opt.xyz" "$tmp/opt.json" <<'PY' || no "ASE does not read --write-xyz as written"
import ase.io, json, sys
a = ase.io.read(sys.argv[1])
j = json.load(open(sys.argv[2]))
assert a.get_chemical_symbols() == j["symbols"]
assert abs(a.get_potential_energy() - j["energy_eV"]) < 1e-9, a.get_potential_energy()
assert a.info["optimized"] is True and a.info["energy_unit"] == "eV", a.info
assert abs(a.positions - j["positions_A"]).max() < 1e-10
print("ok: ASE reads the --write-xyz file (energy, flags, positions)")
PY
        break
    fi
done

# ---- --write-hessian read by xtb thermo ---------------------------------------------
if command -v xtb >/dev/null 2>&1; then
    for mol in water ammonia methanol; do
        "$BIN" -q --opt --write-xyz "$tmp/$mol.xyz" --write-hessian "$tmp/$mol.hess" "$SRC/molecules/$mol.xyz" \
            "$POT" > /dev/null || no "$mol: --write-hessian .hess"
        # xtb weighs with its isotope-averaged masses (NIST, as in xtb's
        # atomicmass table): give nnvib the same ones to compare frequencies.
        masses=$(awk 'BEGIN { m["H"] = 1.00794075; m["C"] = 12.01073590; m["N"] = 14.00670321; m["O"] = 15.99940492 }
                      NR > 2 && NF >= 4 { printf "%s%d=%.8f", (n++ ? "," : ""), NR - 2, m[$1] }' "$tmp/$mol.xyz")
        "$BIN" -q --json --mass "$masses" "$tmp/$mol.xyz" "$POT" > "$tmp/$mol.json" || no "$mol: xtb masses"
        "$BIN" -q --opt --hessian-format xtb --write-hessian "$tmp/$mol.tm" "$SRC/molecules/$mol.xyz" "$POT" \
            >/dev/null || no "$mol: --hessian-format xtb"
        for fmt in orca tm; do
            # xtb thermo [--orca] GEOMETRY HESSIAN; it writes files in its working folder
            if [ $fmt = orca ]; then set -- --orca "$tmp/$mol.xyz" "$tmp/$mol.hess"; else set -- "$tmp/$mol.xyz" "$tmp/$mol.tm"; fi
            (cd "$tmp" && timeout 120 xtb thermo "$@" 2>&1 | grep '^eigval') > "$tmp/$mol.$fmt.eig" ||
                no "$mol: xtb thermo could not read the $fmt file"
            python3 - "$tmp/$mol.json" "$tmp/$mol.$fmt.eig" "$mol $fmt" <<'PY' || fail=1
import json, sys
j = json.load(open(sys.argv[1]))
vals = [float(x) for l in open(sys.argv[2]) for x in l.split(":")[1].split()]
nu = sorted(j["frequencies_cm1"])
xt = sorted(vals)[len(vals) - len(nu):]      # drop the rigid-body modes
# xtb prints 0.01 cm-1; the files hold 11 significant digits.
bad = [(a, b) for a, b in zip(nu, xt) if not abs(a - b) <= 0.011 + 1e-7 * abs(a)]
if len(xt) != len(nu) or bad:
    print(f"FAIL: {sys.argv[3]}: xtb thermo {xt}, nnvib {nu}"); sys.exit(1)
print(f"ok: {sys.argv[3]}: max |xtb - nnvib| = {max(abs(a - b) for a, b in zip(nu, xt)):.3f} cm-1 over {len(nu)} modes")
PY
        done
    done
else
    echo "note: xtb not found (Debian: xtb): the Hessian files are not read back by xtb thermo"
fi
[ "$fail" = 0 ] && echo "PASS: test_reuse.sh"
exit "$fail"
