#!/bin/sh
# The committed GFN2-xTB training sets: the data set the potentials are split
# and trained on (weights/data/gfn2xtb-hcno.extxyz.gz) and the training-only
# hot set (gfn2xtb-hcno-hot.extxyz.gz). Each: intact (its sha256 file), every
# frame in the documented extended-XYZ layout with finite numbers, zero net
# force and torque (tests/extxyz_check.awk), at least 20 molecules, every
# molecule a shipped molecules/ file with the same elements in the same
# order, and, when python3-ase is installed, readable by ase.io.read with
# energy, forces and dipole. The hot set must hold no T=0 frame (those repeat
# frames of the main set, which may be test configurations). The sets with
# curvature labels (gfn2xtb-hcno-hvp.extxyz.gz, gfn2xtb-hcno-hot-hvp...), when
# present, must be those sets plus the labels.
# Needs no xtb: CI checks the data without regenerating it.
set -u
SRC=${NNVIB_SRCDIR:-.}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nnvib-data.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

PY=
for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import ase.io' 2>/dev/null; then PY=$p; break; fi
done
[ -n "$PY" ] || echo "note: no python3 with ASE (Debian: python3-ase); ASE read checks skipped"

# check_set NAME FIRST_CONFIG: the checks above on weights/data/NAME, whose
# molecules start at config FIRST_CONFIG ($min_frames frames at least);
# leaves the plain text in $tmp/data.extxyz.
check_set() {
    name=$1
    first=$2
    data="$SRC/weights/data/$name"
    if [ ! -f "$data" ]; then
        fail "$data missing"
        return
    fi
    if command -v sha256sum >/dev/null 2>&1; then
        (cd "$SRC/weights/data" && sha256sum -c --quiet "$name.sha256") || fail "$name: sha256 mismatch"
    fi
    gzip -dc "$data" >"$tmp/data.extxyz" || { fail "cannot gunzip $data"; return; }

    summary=$(awk -v first="$first" -f "$SRC/tests/extxyz_check.awk" "$tmp/data.extxyz")
    echo "$name: $summary"
    # shellcheck disable=SC2086
    set -- $summary
    nframes=0
    if [ "${1:-}" != frames ]; then
        fail "$name: format: $summary"
    else
        nframes=$2
        [ "$2" -ge "$min_frames" ] || fail "$name: only $2 frames"
        [ "$6" -ge 20 ] || fail "$name: only $6 molecules"
    fi

    # Element sequence of the first frame of every molecule vs molecules/NAME.xyz.
    awk '/^Properties/ { m = $0; sub(/^.* molecule=/, "", m); sub(/ .*/, "", m); take = !(m in seen); seen[m] = 1
                         if (take) printf "%s", m; next }
         /^[0-9]+$/ { if (take) printf "\n"; take = 0; next }
         take { printf " %s", $1 }
         END { if (take) printf "\n" }' "$tmp/data.extxyz" | sed '/^$/d' >"$tmp/first"
    while read -r mol elements; do
        f="$SRC/molecules/$mol.xyz"
        if [ ! -f "$f" ]; then fail "$name: molecule $mol has no molecules/$mol.xyz"; continue; fi
        want=$(awk 'NR > 2 && NF >= 4 { printf "%s%s", sep, $1; sep = " " }' "$f")
        [ "$want" = "$elements" ] || fail "$name: $mol: data set atoms '$elements', molecules/$mol.xyz '$want'"
    done <"$tmp/first"

    if [ -n "$PY" ]; then
        if out=$("$PY" - "$tmp/data.extxyz" "$nframes" <<'EOF' 2>&1
import sys, math, ase.io
frames = ase.io.read(sys.argv[1], index=':')
assert len(frames) == int(sys.argv[2]), (len(frames), sys.argv[2])
for a in frames:
    e = a.get_potential_energy(); f = a.get_forces(); d = a.get_dipole_moment()
    assert math.isfinite(e) and f.shape == (len(a), 3) and len(d) == 3
    assert 'molecule' in a.info and 'T' in a.info and 'config' in a.info
print(len(frames))
EOF
); then
            echo "$name: ASE read $out frames"
        else
            fail "$name: ASE: $out"
        fi
    fi
}

min_frames=3000
check_set gfn2xtb-hcno.extxyz.gz 0
# The hot set starts at config 7: the minimum and its six scalings are dropped.
min_frames=1000
check_set gfn2xtb-hcno-hot.extxyz.gz 7
n0=$(grep -c ' T=0 ' "$tmp/data.extxyz")
[ "$n0" -eq 0 ] || fail "gfn2xtb-hcno-hot.extxyz.gz: $n0 frames at T=0 (they repeat frames of the main set)"

# The sets with curvature labels, when present: intact, and each its set
# without them plus two labels per configuration (tools/compare-hvp-data).
for name in gfn2xtb-hcno gfn2xtb-hcno-hot; do
    [ -f "$SRC/weights/data/$name-hvp.extxyz.gz" ] || continue
    if command -v sha256sum >/dev/null 2>&1; then
        (cd "$SRC/weights/data" && sha256sum -c --quiet "$name-hvp.extxyz.gz.sha256") ||
            fail "$name-hvp.extxyz.gz: sha256 mismatch"
    fi
    if command -v python3 >/dev/null 2>&1; then
        out=$(python3 "$SRC/tools/compare-hvp-data" "$SRC/weights/data/$name.extxyz.gz" \
            "$SRC/weights/data/$name-hvp.extxyz.gz" 2 2>&1) || fail "$name-hvp.extxyz.gz: $out"
        echo "$name-hvp.extxyz.gz: $(echo "$out" | tail -n 1)"
    fi
done

# The active-learning data on the HCNO library, when present: intact, every
# frame labelled (energy= on its comment line), and only molecules of the
# library's train set: a held-out or large molecule in training data would
# make every transfer number of issue 18 an in-distribution one.
for data in "$SRC"/weights/data/al-hcno/round-*-data.extxyz.gz; do
    [ -f "$data" ] || continue
    name=$(basename "$data")
    if command -v sha256sum >/dev/null 2>&1; then
        (cd "$SRC/weights/data/al-hcno" && sha256sum -c --quiet "$name.sha256") || fail "al-hcno/$name: sha256 mismatch"
    fi
    out=$(gzip -dc "$data" | awk -F'\t' -v table="$SRC/molecules/hcno/molecules.tsv" '
        BEGIN { while ((getline l < table) > 0) { split(l, c, "\t"); if (l !~ /^#/) set[c[1]] = c[4] } }
        /^Properties/ { n++; if ($0 !~ / energy=/) unl++
                        m = $0; sub(/^.* molecule=/, "", m); sub(/ .*/, "", m)
                        if (set[m] != "train") { bad++; if (!first) first = m } }
        END { printf "%d %d %d %s\n", n, unl, bad, first }')
    # shellcheck disable=SC2086
    set -- $out
    echo "al-hcno/$name: $1 frames"
    [ "${1:-0}" -ge 1000 ] || fail "al-hcno/$name: only ${1:-0} frames"
    [ "${2:-1}" -eq 0 ] || fail "al-hcno/$name: $2 frames without energy="
    [ "${3:-1}" -eq 0 ] || fail "al-hcno/$name: $3 frames of molecules outside the train set (first: ${4:-?})"
done

[ "$fails" -eq 0 ] || exit 1
echo "PASS: committed data sets"
