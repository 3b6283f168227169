#!/bin/sh
# End-to-end tests of `nnvib smoothness` and `nnvib md` on the shipped
# potentials: exit statuses and one-line errors for bad options, the JSON
# output (parsed when python3 is present), the trajectory file (frame count,
# reproducible from the seed, read by ASE when python3-ase is installed,
# nothing left when it cannot be written).
# Env (set by make check): NNVIB_BIN, NNVIB_SRCDIR.
set -u

bin=${NNVIB_BIN:-./nnvib}
src=${NNVIB_SRCDIR:-.}
if [ ! -x "$bin" ]; then
    echo "FAIL: program '$bin' not found or not executable (set NNVIB_BIN)"
    exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nnvib-smd.XXXXXX") || exit 1
# shellcheck disable=SC2317 # called by the trap
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

n=0
fails=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
w=$src/molecules/water.xyz
m=$src/molecules/methanol.xyz
tanh=$src/weights/hcno-tanh.bin
relu=$src/weights/hcno-relu.bin

# expect STATUS DESCRIPTION ARGS...: exit STATUS with one line on stderr, nothing on stdout.
expect() {
    want=$1 desc=$2
    shift 2
    "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if [ "$got" -eq "$want" ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && [ ! -s "$tmp/out" ]; then
        pass "$desc (exit $got)"
    else
        fail "$desc: exit $got, wanted $want"
        sed 's/^/#   /' "$tmp/err" | head -3
    fi
}

expect 2 "md: unknown option" md "$w" "$tanh" --bogus
expect 2 "md: --dt 0" md "$w" "$tanh" --dt 0
expect 2 "md: --dt not a number" md "$w" "$tanh" --dt 0.5x
expect 2 "md: --steps -3" md "$w" "$tanh" --steps -3
expect 2 "md: --temperature missing value" md "$w" "$tanh" --temperature
expect 2 "md: --seed negative" md "$w" "$tanh" --seed -1
expect 2 "md: --every 0" md "$w" "$tanh" --every 0
expect 2 "md: one positional" md "$w"
expect 3 "md: missing molecule" md "$tmp/none.xyz" "$tanh"
expect 5 "md: unwritable trajectory" md "$w" "$tanh" --steps 2 --traj "$tmp/no/dir/t.xyz"
[ ! -e "$tmp/no" ] && pass "md: nothing left behind" || fail "md: something left behind"
# A device that refuses the bytes: the frame writer's failure is exit 5 too.
if [ -w /dev/full ]; then
    expect 5 "md: trajectory on a full device" md "$w" "$tanh" --steps 200 --every 1 --traj /dev/full
fi
expect 2 "smoothness: unknown option" smoothness "$w" "$tanh" --bogus
expect 2 "smoothness: --bond 1" smoothness "$w" "$tanh" --bond 1
expect 2 "smoothness: --bond 1,1" smoothness "$w" "$tanh" --bond 1,1
expect 2 "smoothness: --bond 1,9 (out of range)" smoothness "$w" "$tanh" --bond 1,9
expect 2 "smoothness: --torsion 1,2,3" smoothness "$w" "$tanh" --torsion 1,2,3
expect 2 "smoothness: --levels 9" smoothness "$w" "$tanh" --levels 9
expect 3 "smoothness: missing potential" smoothness "$w" "$tmp/none.bin"

# md: text and trajectory; the same seed gives the same file.
if "$bin" md "$w" "$tanh" --steps 40 --dt 0.5 --every 10 --traj "$tmp/a.xyz" >"$tmp/out" 2>"$tmp/err" &&
    grep -q "drift (LSQ slope)" "$tmp/out"; then pass "md: text report"; else fail "md: text report"; fi
frames=$(awk 'NR == 1 { n = $1 } /step=/ { f++ } END { print f + 0 }' "$tmp/a.xyz")
lines=$(wc -l <"$tmp/a.xyz")
[ "$frames" -eq 5 ] && [ "$lines" -eq 25 ] && pass "md: 5 frames of 3 atoms" || fail "md: $frames frames, $lines lines"
"$bin" md "$w" "$tanh" --steps 40 --dt 0.5 --every 10 --traj "$tmp/b.xyz" >/dev/null 2>&1
cmp -s "$tmp/a.xyz" "$tmp/b.xyz" && pass "md: same seed, same trajectory" || fail "md: same seed differs"
"$bin" md "$w" "$tanh" --steps 40 --dt 0.5 --every 10 --seed 2 --traj "$tmp/c.xyz" >/dev/null 2>&1
cmp -s "$tmp/a.xyz" "$tmp/c.xyz" && fail "md: other seed, same trajectory" || pass "md: other seed differs"

# The trajectory read by ASE (python3-ase; it may live in the system Python
# only): five frames with their keys, velocities and forces.
pyase=
for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import ase.io' >/dev/null 2>&1; then pyase=$p; break; fi
done
if [ -z "$pyase" ]; then
    echo "# SKIP part: python3 with ASE not found (Debian package python3-ase): trajectory not read by ASE"
elif "$pyase" - "$tmp/a.xyz" >"$tmp/why" 2>&1 <<'PY'
import sys, ase.io
frames = ase.io.read(sys.argv[1], index=":")
assert len(frames) == 5, "%d frames" % len(frames)
for k, a in enumerate(frames):
    assert a.get_chemical_symbols() == ["O", "H", "H"], a.get_chemical_symbols()
    assert a.info["step"] == 10 * k and abs(a.info["time"] - 5.0 * k) < 1e-9, a.info
    e = a.info["energy"] if "energy" in a.info else a.get_potential_energy()
    assert abs(a.info["total_energy"] - e - a.info["kinetic_energy"]) < 1e-9, a.info
    assert a.arrays["velocities"].shape == (3, 3)
    f = a.arrays["forces"] if "forces" in a.arrays else a.get_forces()
    assert f.shape == (3, 3)
assert abs(frames[0].info["temperature"] - 300.0) < 1e-6, frames[0].info
print("%d frames, step %d last" % (len(frames), frames[-1].info["step"]))
PY
then pass "md: ase.io.read reads the trajectory: $(cat "$tmp/why")"; else fail "md: ase.io.read of the trajectory: $(tail -n 1 "$tmp/why")"; fi

# JSON outputs.
"$bin" md "$m" "$tanh" --steps 20 --json >"$tmp/md.json" 2>"$tmp/err"; st=$?
[ $st -eq 0 ] && pass "md --json runs" || fail "md --json: exit $st"
"$bin" smoothness "$w" "$relu" --bond 1,2 --torsion 2,1,3,3 --points 10 --levels 3 >/dev/null 2>&1
[ $? -eq 2 ] && pass "smoothness: repeated atom in torsion refused" || fail "smoothness: repeated torsion atom"
"$bin" smoothness "$w" "$relu" --bond 1,2 --points 20 --levels 3 --json >"$tmp/sm.json" 2>"$tmp/err"; st=$?
[ $st -eq 0 ] && pass "smoothness --json runs" || fail "smoothness --json: exit $st"
if command -v python3 >/dev/null 2>&1; then
    if python3 - "$tmp/md.json" "$tmp/sm.json" <<'PY'
import json, sys
md = json.load(open(sys.argv[1]))
sm = json.load(open(sys.argv[2]))
assert md["command"] == "md" and md["steps"] == 20 and md["n_atoms"] == 6
assert md["rms_fluctuation"] >= 0 and md["trajectory"] is None
assert sm["command"] == "smoothness" and sm["smoothness"] == "C0"
c = sm["curvature"]
assert c["norm_net"] == 0 and c["max_abs_net"] == 0 and c["net_share"] == 0, c   # ReLU
assert c["closure"] < 1e-10
assert len(sm["paths"]) == 1 and len(sm["paths"][0]["forces"]["levels"]) == 3
assert len(sm["fd_disagreement"]) == 4
PY
    then pass "JSON content"; else fail "JSON content"; fi
else
    echo "# python3 not found: JSON content not checked"
fi

echo "1..$n"
[ "$fails" -eq 0 ]
