#!/bin/sh
# End-to-end tests of the point group and mode species in nnvib's outputs: the
# table header and sym column, the --json keys point_group / mode_symmetries
# (one label per frequency, degenerate sets equal), --symmetrize and
# --symmetry-tol, and sigma of the thermochemistry from the group.
# Env (set by make check): NNVIB_BIN, NNVIB_SRCDIR. Exit 77 = skipped.
set -u

bin=${NNVIB_BIN:-./nnvib}
src=${NNVIB_SRCDIR:-.}
w=$src/weights/hcno-tanh.bin
if [ ! -x "$bin" ]; then
    echo "FAIL: program '$bin' not found or not executable (set NNVIB_BIN)"
    exit 1
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "SKIP: python3 not found (the JSON checks need it)"
    exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nnvib-sym.XXXXXX") || exit 1
# shellcheck disable=SC2317 # called by the trap
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

n=0
fails=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }

# check_json FILE GROUP LABELS SYMMETRIZED: the keys exist, agree with each
# other and with the expected values (LABELS: comma-separated, "" = any).
check_json() {
    python3 - "$@" <<'EOF'
import json, sys
path, group, labels, symmetrized = sys.argv[1:5]
d = json.load(open(path))
m = d["mode_symmetries"]
f = d["frequencies_cm1"]
assert d["point_group"] == group, "point_group %r, expected %r" % (d["point_group"], group)
assert d["symmetrized"] == (symmetrized == "true"), "symmetrized %r" % d["symmetrized"]
assert len(m) == len(f) == d["n_modes"], "%d labels, %d frequencies" % (len(m), len(f))
assert all(isinstance(x, str) and x and x.isascii() for x in m), m
if labels:
    assert m == labels.split(","), "labels %s, expected %s" % (m, labels)
# a degenerate species (E, T, Pi ...) comes in sets of equal frequency
i = 0
dim = {"E": 2, "T": 3, "P": 2, "G": 4, "H": 5}
while i < len(m):
    d_ = dim.get(m[i][0], 1)
    assert m[i:i + d_] == [m[i]] * d_, "set at mode %d: %s" % (i + 1, m[i:i + d_])
    assert max(f[i:i + d_]) - min(f[i:i + d_]) < 0.5, "set at mode %d: %s" % (i + 1, f[i:i + d_])
    i += d_
EOF
}

run_json() { # NAME GROUP LABELS SYMMETRIZED ARGS...
    name=$1 group=$2 labels=$3 sym=$4
    shift 4
    "$bin" --json -q "$@" >"$tmp/json" 2>"$tmp/err"
    rc=$?
    if [ $rc -eq 0 ] && check_json "$tmp/json" "$group" "$labels" "$sym" >"$tmp/why" 2>&1; then
        pass "$name: --json point_group $group, mode_symmetries consistent"
    else
        fail "$name: exit $rc: $(tail -n 1 "$tmp/why") $(cat "$tmp/err")"
    fi
}

m=$src/molecules
run_json water C2v "A1,A1,B2" false --opt "$m/water.xyz" "$w"
run_json ammonia C3v "" false --opt "$m/ammonia.xyz" "$w"
run_json methane Td "" false --opt "$m/methane.xyz" "$w"
run_json benzene D6h "" false --opt "$m/benzene.xyz" "$w"
run_json "carbon dioxide" Dinfh "Piu,Piu,Sigmag+,Sigmau+" false --opt "$m/carbon_dioxide.xyz" "$w"
run_json "hydrogen cyanide" Cinfv "Pi,Pi,Sigma+,Sigma+" false --opt "$m/hydrogen_cyanide.xyz" "$w"

# The table: the group in the header, a species on every mode line, sigma
# from the group in the thermochemistry.
"$bin" -q --opt "$m/methane.xyz" "$w" >"$tmp/table" 2>/dev/null
if grep -q '^ point group        : Td ' "$tmp/table" &&
    [ "$(grep -cE '^ +[0-9]+ +[0-9.]+ .* (A1|E|T2)$' "$tmp/table")" -eq 9 ] &&
    grep -q 'symmetry number 12 (point group Td)' "$tmp/table"; then
    pass "table: point group Td in the header, 9 labelled mode lines, sigma 12 from the group"
else
    fail "table: $(grep -E 'point group|symmetry number' "$tmp/table")"
fi

# A water with one O-H 0.02 A longer: C2v at the default 0.05 A, only the
# molecular plane (Cs) at 0.001 A; --symmetrize makes it exactly C2v.
cat >"$tmp/w.xyz" <<'EOF'
3
water, one O-H stretched by 0.02 A
O 0.000000 0.000000 0.117300
H 0.000000 0.757200 -0.469200
H 0.000000 -0.772000 -0.481700
EOF
run_json "distorted water" C2v "" false "$tmp/w.xyz" "$w"
run_json "distorted water, --symmetry-tol 0.001" Cs "" false --symmetry-tol 0.001 "$tmp/w.xyz" "$w"
run_json "distorted water, --symmetrize" C2v "A1,A1,B2" true --symmetrize --symmetry-tol 0.05 "$tmp/w.xyz" "$w"
"$bin" --json -q --symmetrize --opt "$tmp/w.xyz" "$w" >"$tmp/json" 2>/dev/null
if python3 - "$tmp/json" <<'EOF'
import json, sys, math
d = json.load(open(sys.argv[1]))
p = d["positions_A"]
r1 = math.dist(p[0], p[1]); r2 = math.dist(p[0], p[2])
assert d["point_group"] == "C2v" and abs(r1 - r2) < 1e-9, (d["point_group"], r1, r2)
EOF
then pass "--symmetrize --opt: the optimised water keeps C2v, equal O-H to 1e-9 A"
else fail "--symmetrize --opt: not symmetric"; fi

"$bin" --symmetry-tol 0 "$m/water.xyz" "$w" >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -q 'symmetry-tol' "$tmp/err"; then pass "--symmetry-tol 0 refused (exit 2)"
else fail "--symmetry-tol 0: exit $rc: $(cat "$tmp/err")"; fi

echo "1..$n"
[ "$fails" -eq 0 ]
