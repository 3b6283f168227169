#!/bin/sh
# End to end: nnvib-train --committee K --shallow on 40 water configurations
# of the committed data set, the file read back by nnvib (convert --info, the
# analysis's committee object), --evaluate's spread line, and the refused
# option combinations.
# Env (set by make check): NNVIB_BIN, NNVIB_BUILDDIR, NNVIB_SRCDIR. Exit 77 = skipped.
set -u

bin=${NNVIB_BIN:-./nnvib}
build=${NNVIB_BUILDDIR:-.}
src=${NNVIB_SRCDIR:-.}
train=$build/nnvib-train
data=$src/weights/data/gfn2xtb-hcno.extxyz.gz
[ -x "$train" ] && [ -f "$data" ] || exit 77
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nnvib-shallow.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

n=0
fails=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; sed 's/^/#   /' "$tmp/err" | head -n 5; }
: >"$tmp/err"

# expect_status STATUS DESCRIPTION PROGRAM ARGS...: exit STATUS; a refusal is one line on stderr.
expect_status() {
    want=$1 desc=$2 prog=$3
    shift 3
    "$prog" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$rc" -ne "$want" ]; then
        fail "$desc (exit $rc, expected $want)"
    elif [ "$want" -ne 0 ] && [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
        fail "$desc (not one line on stderr)"
    else
        pass "$desc"
    fi
}

# The first 40 water configurations (3 atoms: 5 lines each).
gzip -dc "$data" | awk '/molecule=water /{k++; if (k <= 40) { print prev; print; for (i = 0; i < 3; i++) { getline; print } } } { prev = $0 }' \
    >"$tmp/water.extxyz"
if [ "$(grep -c 'molecule=water ' "$tmp/water.extxyz")" -eq 40 ]; then pass "40 water configurations"
else fail "40 water configurations"; fi

small="--epochs 6 --hidden 6,6 --radial 3 --angular-eta 1 --activation silu --force-weight 1 --val-frac 0.2 --test-frac 0.2"
expect_status 0 "train a shallow ensemble of 3" "$train" -q $small --nll-warmup 2 --committee 3 --shallow \
    "$tmp/water.extxyz" -o "$tmp/s.bin"
if grep -q "s.bin: shallow ensemble of 3 members, force spread scale" "$tmp/out" &&
    grep -q "committee force spread per atom (calibrated)" "$tmp/out"; then
    pass "summary names the shallow ensemble and its test spread"
else
    fail "summary names the shallow ensemble and its test spread"
fi
expect_status 0 "convert --info reads it" "$bin" convert --info "$tmp/s.bin"
if grep -q "committee of 3 members (shallow)" "$tmp/out"; then pass "--info: 3 members, kind shallow"
else fail "--info: 3 members, kind shallow"; fi
expect_status 0 "--evaluate on it" "$train" --evaluate "$tmp/s.bin" "$tmp/water.extxyz"
if grep -q "committee force spread per atom" "$tmp/out"; then pass "--evaluate prints the spread line"
else fail "--evaluate prints the spread line"; fi

if command -v python3 >/dev/null 2>&1; then
    # A few epochs on a toy set: the heads disagree by thousands of cm-1, so the
    # verdict is unreliable and the complete report exits 7 (docs/reliability.md).
    expect_status 7 "analysis of water with it (JSON; unreliable: the heads disagree)" "$bin" "$src/molecules/water.xyz" "$tmp/s.bin" -q --json
    if python3 - "$tmp/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = d["committee"]
assert c["n_members"] == 3 and c["kind"] == "shallow" and c["spread_scale"] > 0, c
e = c["member_energies_eV"]
assert len(e) == 3 and abs(sum(e) / 3 - d["energy_eV"]) < 1e-9
assert len(c["force_std_eV_A"]) == d["n_atoms"] and len(c["frequency_std_cm1"]) == d["n_modes"]
PY
    then pass "JSON committee object of kind shallow"; else fail "JSON committee object of kind shallow"; fi
fi

expect_status 0 "continue it with --init (an active-learning round)" "$train" -q $small --epochs 2 --committee 3 \
    --shallow --init "$tmp/s.bin" "$tmp/water.extxyz" -o "$tmp/s2.bin"
if grep -q "Training continued from the weights of" "$tmp/s2.bin"; then pass "the description says where it started"
else fail "the description says where it started"; fi
# The curvature term trains the ensemble's mean (water of the active-learning
# set, which carries Hessian-vector labels).
al=$src/weights/data/al-hcno/round-004-data.extxyz.gz
if [ -f "$al" ]; then
    gzip -dc "$al" | awk '/molecule=water /{k++; if (k <= 30) { print prev; print; for (i = 0; i < 3; i++) { getline; print } } } { prev = $0 }' \
        >"$tmp/water-hvp.extxyz"
    expect_status 0 "a shallow ensemble with the curvature term (--hvp-weight)" "$train" -q $small --nll-warmup 2 \
        --committee 3 --shallow --hvp-weight 0.1 "$tmp/water-hvp.extxyz" -o "$tmp/h.bin"
    if grep -q "curvature: w_H 0.1" "$tmp/h.bin" && grep -q "shallow ensemble of 3 members" "$tmp/out"; then
        pass "its description names the curvature term"
    else
        fail "its description names the curvature term"
    fi
fi
expect_status 2 "--init with a shallow ensemble of another size" "$train" -q $small --committee 2 --shallow \
    --init "$tmp/s.bin" "$tmp/water.extxyz" -o "$tmp/x.bin"
expect_status 2 "--shallow without --committee" "$train" --shallow "$tmp/water.extxyz" -o "$tmp/x.bin"
expect_status 2 "--shallow with --bootstrap" "$train" --committee 2 --shallow --bootstrap "$tmp/water.extxyz" \
    -o "$tmp/x.bin"
expect_status 2 "--nll-weight without --shallow" "$train" --committee 2 --nll-weight 0.1 "$tmp/water.extxyz" \
    -o "$tmp/x.bin"
expect_status 2 "--nll-floor 0" "$train" --committee 2 --shallow --nll-floor 0 "$tmp/water.extxyz" -o "$tmp/x.bin"
if [ -e "$tmp/x.bin" ]; then fail "no output file after a refusal"; else pass "no output file after a refusal"; fi

echo "1..$n"
[ "$fails" -eq 0 ]
