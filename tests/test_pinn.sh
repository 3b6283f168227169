#!/bin/sh
# End-to-end tests of `nnvib pinn` (issue 21): one-line errors and exit 2 for
# bad activations and option values, exit 5 for an unwritable --svg before any
# training, the help texts, and a tiny run's table and figure (its --json is
# read by tests/test_pinn.c with the tests' own JSON parser).
# Env (set by make check): NNVIB_BIN.
set -u

bin=${NNVIB_BIN:-./nnvib}
if [ ! -x "$bin" ]; then
    echo "FAIL: program '$bin' not found or not executable (set NNVIB_BIN)"
    exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nnvib-pinn.XXXXXX") || exit 1
# shellcheck disable=SC2317 # called by the trap
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

n=0
fails=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
small="--epochs 3 --points 4 --edge-points 4 --hidden 4"

# expect STATUS DESCRIPTION ARGS...: exit STATUS with one line on stderr that
# names the subcommand, nothing on stdout.
expect() {
    want=$1 desc=$2
    shift 2
    "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if [ "$got" -eq "$want" ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q '^nnvib pinn: ' "$tmp/err" &&
        [ ! -s "$tmp/out" ]; then
        pass "$desc (exit $got)"
    else
        fail "$desc: exit $got, wanted $want"
        sed 's/^/#   /' "$tmp/err" | head -3
    fi
}

# shellcheck disable=SC2086 # $small is a list of options
{
    expect 2 "no --activation" pinn $small
    expect 2 "unknown activation" pinn --activation sigmoid $small
    expect 2 "identity is not offered" pinn --activation identity $small
    expect 2 "bad activation in a list" pinn --activation relu,tanh, $small
    expect 2 "unknown option" pinn --activation tanh --bogus
    expect 2 "a positional argument" pinn --activation tanh extra
    expect 2 "--epochs 0" pinn --activation tanh --epochs 0
    expect 2 "--epochs not a number" pinn --activation tanh --epochs 10x
    expect 2 "--hidden 0" pinn --activation tanh --hidden 0
    expect 2 "--hidden 257" pinn --activation tanh --hidden 257
    expect 2 "--hidden with nine layers" pinn --activation tanh --hidden 1,2,3,4,5,6,7,8,9
    expect 2 "--hidden with an empty width" pinn --activation tanh --hidden 8,,8
    expect 2 "--lr 2" pinn --activation tanh --lr 2
    expect 2 "--lr-final above --lr" pinn --activation tanh --lr 0.001 --lr-final 0.01 $small
    expect 2 "--alpha 0" pinn --activation tanh --alpha 0
    expect 2 "--t-end -1" pinn --activation tanh --t-end -1
    expect 2 "--points 1" pinn --activation tanh --points 1
    expect 2 "--case heat" pinn --activation tanh --case heat
    expect 2 "--seed -1" pinn --activation tanh --seed -1
    expect 5 "unwritable --svg, before training" pinn --activation tanh --epochs 10000000 --svg "$tmp/no/dir/f.svg"
}
[ ! -e "$tmp/no" ] && pass "nothing left behind" || fail "something left behind"

"$bin" pinn --help >"$tmp/out" 2>&1 && grep -q -- '--activation ACT' "$tmp/out" && grep -q 'docs/pinn.md' "$tmp/out" &&
    pass "pinn --help" || fail "pinn --help"
"$bin" --help >"$tmp/out" 2>&1 && grep -q 'pinn --activation ACT' "$tmp/out" && pass "nnvib --help names pinn" ||
    fail "nnvib --help names pinn"

# shellcheck disable=SC2086
"$bin" pinn --activation relu,gelu $small --svg "$tmp/f.svg" >"$tmp/out" 2>"$tmp/err"; st=$?
if [ $st -eq 0 ] && grep -q '^relu ' "$tmp/out" && grep -q '^gelu ' "$tmp/out" && [ ! -s "$tmp/err" ] &&
    grep -q '</svg>' "$tmp/f.svg"; then
    pass "a tiny run: table and figure"
else
    fail "a tiny run: exit $st"
    sed 's/^/#   /' "$tmp/err" | head -3
fi
# shellcheck disable=SC2086
"$bin" pinn --activation silu $small --case modes --json >"$tmp/a" 2>/dev/null &&
    "$bin" pinn --activation silu $small --case modes --json >"$tmp/b" 2>/dev/null &&
    [ "$(sed 's/"seconds": [^}]*//' "$tmp/a")" = "$(sed 's/"seconds": [^}]*//' "$tmp/b")" ] &&
    pass "two runs, same numbers" || fail "two runs, same numbers"

echo "1..$n"
[ "$fails" -eq 0 ]
