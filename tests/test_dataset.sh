#!/bin/sh
# The committed GFN2-xTB training set (weights/data/gfn2xtb-hcno.extxyz.gz):
# intact (its sha256 file), every frame in the documented extended-XYZ layout
# with finite numbers, zero net force and torque (tests/extxyz_check.awk),
# at least 20 molecules and 3000 frames, every molecule a shipped molecules/
# file with the same elements in the same order, and, when python3-ase is
# installed, readable by ase.io.read with energy, forces and dipole.
# Needs no xtb: CI checks the data without regenerating it.
set -u
SRC=${NNVIB_SRCDIR:-.}
DATA="$SRC/weights/data/gfn2xtb-hcno.extxyz.gz"
if [ ! -f "$DATA" ]; then
    echo "FAIL: $DATA missing"
    exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nnvib-data.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

if command -v sha256sum >/dev/null 2>&1; then
    (cd "$SRC/weights/data" && sha256sum -c --quiet gfn2xtb-hcno.extxyz.gz.sha256) || fail "sha256 mismatch"
fi
gzip -dc "$DATA" >"$tmp/data.extxyz" || { echo "FAIL: cannot gunzip $DATA"; exit 1; }

summary=$(awk -f "$SRC/tests/extxyz_check.awk" "$tmp/data.extxyz")
echo "data set: $summary"
set -- $summary
nframes=0
if [ "${1:-}" != frames ]; then
    fail "format: $summary"
else
    nframes=$2
    [ "$2" -ge 3000 ] || fail "only $2 frames"
    [ "$6" -ge 20 ] || fail "only $6 molecules"
fi

# Element sequence of the first frame of every molecule vs molecules/NAME.xyz.
awk '/^Properties/ { m = $0; sub(/^.* molecule=/, "", m); sub(/ .*/, "", m); take = !(m in seen); seen[m] = 1
                     if (take) printf "%s", m; next }
     /^[0-9]+$/ { if (take) printf "\n"; take = 0; next }
     take { printf " %s", $1 }
     END { if (take) printf "\n" }' "$tmp/data.extxyz" | sed '/^$/d' >"$tmp/first"
while read -r name elements; do
    f="$SRC/molecules/$name.xyz"
    if [ ! -f "$f" ]; then fail "molecule $name has no molecules/$name.xyz"; continue; fi
    want=$(awk 'NR > 2 && NF >= 4 { printf "%s%s", sep, $1; sep = " " }' "$f")
    [ "$want" = "$elements" ] || fail "$name: data set atoms '$elements', molecules/$name.xyz '$want'"
done <"$tmp/first"

PY=
for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import ase.io' 2>/dev/null; then PY=$p; break; fi
done
if [ -z "$PY" ]; then
    echo "note: no python3 with ASE (Debian: python3-ase); ASE read check skipped"
else
    out=$("$PY" - "$tmp/data.extxyz" "$nframes" <<'EOF' 2>&1
import sys, math, ase.io
frames = ase.io.read(sys.argv[1], index=':')
assert len(frames) == int(sys.argv[2]), (len(frames), sys.argv[2])
for a in frames:
    e = a.get_potential_energy(); f = a.get_forces(); d = a.get_dipole_moment()
    assert math.isfinite(e) and f.shape == (len(a), 3) and len(d) == 3
    assert 'molecule' in a.info and 'T' in a.info and 'config' in a.info
print(len(frames))
EOF
) && echo "ASE read $out frames" || fail "ASE: $out"
fi

[ "$fails" -eq 0 ] || exit 1
echo "PASS: committed data set"
