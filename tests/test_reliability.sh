#!/bin/sh
# End-to-end tests of the reliability verdict (docs/reliability.md): a training
# molecule on its own potential is ok with exit 0; a molecule the potential never
# saw is flagged with the novelty reason; a ReLU network is unreliable with exit 7
# in the table, --json, batch and compare; a committee reports its spreads.
# Env (set by make check): NNVIB_BIN, NNVIB_SRCDIR. Exit 77 = skipped.
set -u

bin=${NNVIB_BIN:-./nnvib}
src=${NNVIB_SRCDIR:-.}
w=$src/weights
mol=$src/molecules
new=$mol/hcno/xyz/ethanol_anti.xyz # a held-out molecule of the library (molecules.tsv)
if [ ! -x "$bin" ]; then
    echo "FAIL: program '$bin' not found or not executable (set NNVIB_BIN)"
    exit 1
fi
if [ ! -r "$w/hcno-tanh.bin" ] || [ ! -r "$new" ] || ! command -v python3 >/dev/null 2>&1; then
    echo "SKIP: no shipped potential, library molecule or python3 under NNVIB_SRCDIR='$src'"
    exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nnvib-rel.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

n=0
fails=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
show() { sed 's/^/#   /' "$1" | head -n "${2:-5}"; }
# jget FILE EXPR: a Python expression on the parsed JSON object d.
jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

grep -q "^ethanol_anti	.*	heldout	" "$mol/hcno/molecules.tsv" || fail "ethanol_anti is no longer held out: pick another"

# ---- ok: a training molecule at its minimum on its own potential -----------
for a in tanh softplus; do
    "$bin" --opt "$mol/water.xyz" "$w/hcno-$a.bin" >"$tmp/t" 2>"$tmp/err"
    rc=$?
    if [ $rc -eq 0 ] && grep -q '^ reliability        : ok (within the calibrated bounds: novelty, range check' "$tmp/t" &&
        ! grep -q 'reliability' "$tmp/err"; then
        pass "$a, water --opt: ok, exit 0, no verdict warning"
    else fail "$a, water --opt: exit $rc"; show "$tmp/t" 6; show "$tmp/err"; fi
done

# ---- flagged: a molecule the 27-molecule potentials never saw ---------------
"$bin" --opt --json "$new" "$w/hcno-tanh.bin" >"$tmp/j" 2>"$tmp/err"
rc=$?
if { [ $rc -eq 0 ] || [ $rc -eq 7 ]; } &&
    [ "$(jget "$tmp/j" "d['reliability']['verdict'] != 'ok' and 'novelty' in [r['code'] for r in d['reliability']['reasons']] and d['reliability']['max_novelty_d2_over_q99'] > 1")" = True ]; then
    pass "held-out ethanol on tanh: $(jget "$tmp/j" "d['reliability']['verdict']") with the novelty reason (exit $rc)"
else fail "held-out ethanol not flagged by novelty: exit $rc"; show "$tmp/err"; fi
if [ $rc -eq 7 ]; then
    if tail -n 1 "$tmp/err" | grep -q '^nnvib: the results are written, but the reliability verdict is unreliable: '; then
        pass "exit 7 names the first reason on the last stderr line"
    else fail "exit 7 without its line"; show "$tmp/err"; fi
fi

# ---- unreliable: ReLU --------------------------------------------------------
"$bin" "$mol/water.xyz" "$w/hcno-relu.bin" >"$tmp/t" 2>"$tmp/err"
rc=$?
if [ $rc -eq 7 ] && grep -q '^ reliability        : unreliable' "$tmp/t" && grep -q '\[unreliable\] the potential is only C0' "$tmp/t" &&
    grep -q 'vibrational mode' "$tmp/t"; then
    pass "relu table: unreliable (C0), full report, exit 7"
else fail "relu table: exit $rc"; show "$tmp/t" 8; fi
"$bin" -q --json "$mol/water.xyz" "$w/hcno-relu.bin" >"$tmp/j" 2>"$tmp/err"
rc=$?
if [ $rc -eq 7 ] && [ "$(jget "$tmp/j" "d['reliability']['reasons'][0]['code'], d['reliability']['verdict']")" = "c0 unreliable" ] &&
    [ "$(wc -l <"$tmp/err" | tr -d ' ')" -eq 1 ]; then
    pass "relu --json -q: reasons[0] c0, exit 7, one stderr line"
else fail "relu --json: exit $rc"; show "$tmp/err"; fi

# ---- batch: the VERDICT column and the JSON object; exit 7 only when worst ---
"$bin" batch "$w/hcno-relu.bin" "$mol/water.xyz" >"$tmp/b" 2>"$tmp/err"
rc=$?
if [ $rc -eq 7 ] && grep -q ' unreliable unreliable:c0[a-z_,]* (the potential is only C0' "$tmp/b"; then
    pass "batch relu: status unreliable, VERDICT unreliable:c0, exit 7"
else fail "batch relu: exit $rc"; show "$tmp/b"; fi
"$bin" batch --opt "$w/hcno-tanh.bin" "$mol/water.xyz" >"$tmp/b" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && grep -q ' ok ok$' "$tmp/b"; then pass "batch tanh water --opt: ok ok, exit 0"
else fail "batch tanh: exit $rc"; show "$tmp/b"; fi
"$bin" batch --json "$w/hcno-tanh.bin" "$mol/water.xyz" >"$tmp/b" 2>"$tmp/err"
if [ "$(jget "$tmp/b" "d['reliability']['verdict'], [r['code'] for r in d['reliability']['reasons']]")" = "uncertain ['not_stationary']" ]; then
    pass "batch --json: the reliability object (uncertain: not_stationary without --opt)"
else fail "batch --json reliability"; show "$tmp/b"; fi

# ---- compare: per potential, and exit 7 for the unreliable one --------------
ref=$src/reference_spectra/experimental/water.tsv
if [ -r "$ref" ]; then
    "$bin" compare -q --json "$mol/water.xyz" "$w/hcno-tanh.bin" "$w/hcno-relu.bin" --ref "$ref" >"$tmp/c" 2>"$tmp/err"
    rc=$?
    if { [ $rc -eq 7 ] || [ $rc -eq 6 ]; } &&
        [ "$(jget "$tmp/c" "[p['reliability']['verdict'] for p in d['potentials']]")" = "['ok', 'unreliable']" ]; then
        pass "compare: tanh ok, relu unreliable, exit $rc"
    else fail "compare: exit $rc"; show "$tmp/err"; fi
fi

# ---- a committee: its spreads are inputs ------------------------------------
lib=$w/hcno-lib-softplus.bin
if [ -r "$lib" ]; then
    "$bin" --opt --json "$mol/water.xyz" "$lib" >"$tmp/j" 2>"$tmp/err"
    rc=$?
    if { [ $rc -eq 0 ] || [ $rc -eq 7 ]; } &&
        [ "$(jget "$tmp/j" "d['reliability']['committee'] and d['reliability']['novelty'] and d['reliability']['mean_frequency_std_cm1'] > 0 and d['reliability']['max_force_std_eV_A'] > 0")" = True ]; then
        pass "committee: mean frequency spread $(jget "$tmp/j" "round(d['reliability']['mean_frequency_std_cm1'],1)") cm-1, force spread and novelty reported"
    else fail "committee spreads missing: exit $rc"; show "$tmp/err"; fi
fi

echo "1..$n"
[ $fails -eq 0 ]
