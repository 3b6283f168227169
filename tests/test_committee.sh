#!/bin/sh
# End-to-end tests of committees in the programs: nnvib convert --committee,
# --member and --info, and the analysis's spreads in the text table and JSON.
# Env (set by make check): NNVIB_BIN, NNVIB_SRCDIR. Exit 77 = skipped.
set -u

bin=${NNVIB_BIN:-./nnvib}
src=${NNVIB_SRCDIR:-.}
w=$src/weights
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nnvib-committee.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

n=0
fails=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; sed 's/^/#   /' "$tmp/err" | head -n 5; }
: >"$tmp/err"

# expect_status STATUS DESCRIPTION ARGS...: exit STATUS; on failure one line on stderr.
expect_status() {
    want=$1 desc=$2
    shift 2
    "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$rc" -ne "$want" ]; then
        fail "$desc (exit $rc, expected $want)"
    elif [ "$want" -ne 0 ] && [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
        fail "$desc (not one line on stderr)"
    else
        pass "$desc"
    fi
}

expect_status 0 "convert --committee of three potentials" convert --committee "$w/hcno-silu.bin" \
    "$w/hcno-tanh.bin" "$w/hcno-gelu.bin" --spread-scale 2 -o "$tmp/c.bin"
if grep -q "committee of 3 members (full), spread_scale 2" "$tmp/out"; then pass "summary names the committee"
else fail "summary names the committee"; fi
expect_status 0 "convert --info of the committee" convert --info "$tmp/c.bin"
if grep -q "read $tmp/c.bin: committee of 3 members" "$tmp/out"; then pass "--info reads it back"
else fail "--info reads it back"; fi
expect_status 0 "convert --member 1" convert --member 1 "$tmp/c.bin" -o "$tmp/m1.bin"
if cmp -s "$tmp/m1.bin" "$w/hcno-silu.bin"; then pass "member 1 is the first file byte for byte"
else fail "member 1 is the first file byte for byte"; fi
expect_status 2 "--member beyond the committee" convert --member 4 "$tmp/c.bin" -o "$tmp/x.bin"
expect_status 3 "--member of a plain potential" convert --member 1 "$w/hcno-silu.bin" -o "$tmp/x.bin"
expect_status 2 "--committee of one potential" convert --committee "$w/hcno-silu.bin" -o "$tmp/x.bin"
expect_status 3 "--committee of potentials with other elements" convert --committee "$w/hcno-silu.bin" \
    "$w/test-CH-softplus-random.bin" -o "$tmp/x.bin"
expect_status 3 "--kind shallow of members with different hidden layers" convert --committee --kind shallow \
    "$w/hcno-silu.bin" "$w/hcno-tanh.bin" -o "$tmp/x.bin"
expect_status 2 "two modes at once" convert --info --member 1 "$tmp/c.bin"
if [ -e "$tmp/x.bin" ]; then fail "no output file after a refusal"; else pass "no output file after a refusal"; fi

expect_status 0 "analysis with a committee (table)" "$src/molecules/water.xyz" "$tmp/c.bin" -q
if grep -q "energy std         : " "$tmp/out" && grep -q "max force std      : " "$tmp/out" &&
    grep -q "+-sigma" "$tmp/out" && [ "$(grep -c '^ *[0-9]  *[0-9.]* *+- *[0-9.]*' "$tmp/out")" -eq 3 ]; then
    pass "table shows the energy std, the max force std and a sigma per mode"
else
    fail "table shows the energy std, the max force std and a sigma per mode"
fi

if command -v python3 >/dev/null 2>&1; then
    expect_status 0 "analysis with a committee (JSON)" "$src/molecules/water.xyz" "$tmp/c.bin" -q --json
    if python3 - "$tmp/out" <<'PY'
import json, math, sys
d = json.load(open(sys.argv[1]))
c = d["committee"]
K, nm, n = c["n_members"], d["n_modes"], d["n_atoms"]
assert K == 3 and c["kind"] == "full" and c["spread_scale"] == 2, c
e = c["member_energies_eV"]
mean = sum(e) / K
assert abs(mean - d["energy_eV"]) < 1e-9, (mean, d["energy_eV"])
sd = 2 * math.sqrt(sum((x - mean) ** 2 for x in e) / (K - 1))
assert abs(sd - c["energy_std_eV"]) < 1e-9, (sd, c["energy_std_eV"])
assert len(c["force_std_eV_A"]) == n and all(x > 0 for x in c["force_std_eV_A"])
mf, fs = c["member_frequencies_cm1"], c["frequency_std_cm1"]
assert len(mf) == K and all(len(r) == nm for r in mf) and len(fs) == nm
for k in range(nm):
    col = [mf[m][k] for m in range(K)]
    mu = sum(col) / K
    want = 2 * math.sqrt(sum((x - mu) ** 2 for x in col) / (K - 1))
    assert abs(want - fs[k]) < 1e-9 * max(1, want), (k, want, fs[k])
    assert abs(mu - d["frequencies_cm1"][k]) < 0.02 * d["frequencies_cm1"][k]
PY
    then pass "JSON committee object consistent"; else fail "JSON committee object consistent"; fi
    "$bin" "$src/molecules/water.xyz" "$w/hcno-silu.bin" -q --json >"$tmp/out" 2>"$tmp/err"
    if python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["committee"] is None' "$tmp/out"; then
        pass "JSON committee is null for a single potential"
    else
        fail "JSON committee is null for a single potential"
    fi
fi

echo "1..$n"
[ "$fails" -eq 0 ]
