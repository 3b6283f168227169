#!/bin/sh
# End to end: tools/active-learn for 2 rounds on water and ammonia with tiny
# committees (4 members of 4,4 tanh, 5 epochs), seconds long:
#  - the rounds' data grow by the selected and labelled candidates per molecule
#    (log.tsv, molecules.tsv), each round's candidates drawn with its own seed;
#  - labelled frames keep the candidates' comment fields and carry teacher labels;
#  - nnvib-train refuses to train on the unlabelled candidates (file and frame named);
#  - nnvib-sample --label reproduces the labels of sampled frames;
#  - resumable: with the last steps' outputs removed, a second run redoes only
#    those (byte-identical results) and a third run does nothing.
# Exit 77 (skip) when nnvib-sample was not built (configure found no libxtb)
# or python3 is missing.
set -u
SRC=${NNVIB_SRCDIR:-.}
BUILD=${NNVIB_BUILDDIR:-.}
SAMPLE="$BUILD/nnvib-sample"
TRAIN="$BUILD/nnvib-train"
if [ ! -x "$SAMPLE" ]; then
    echo "SKIP: nnvib-sample not built (configure found no libxtb; Debian: libxtb-dev)"
    exit 77
fi
[ -x /usr/bin/python3 ] || { echo "SKIP: /usr/bin/python3 not found"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nnvib-al.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

W="$tmp/work"
al() {
    "$SRC/tools/active-learn" --sample "$SAMPLE" --train "$TRAIN" --rounds 2 --committee 4 \
        --train-args "--hidden 4,4 --epochs 5" --seed 11 --temperatures 300,1000 --per-temperature 5 \
        --threshold 0 --max-per-molecule 3 --group-by molecule "$W" "$SRC/molecules/water.xyz" "$SRC/molecules/ammonia.xyz"
}
if ! al >"$tmp/log1" 2>"$tmp/err1"; then
    cat "$tmp/err1"
    echo "FAIL: tools/active-learn"
    exit 1
fi

# Round 0: minimum + 2 x 2 thermal per molecule; 3 more per molecule a round.
expect='molecule	round_0	round_1	round_2
water	5	8	11
ammonia	5	8	11'
[ "$(cat "$W/molecules.tsv")" = "$expect" ] || fail "molecules.tsv: $(cat "$W/molecules.tsv")"
rows=$(awk -F'\t' 'NR > 1 { printf "%s:%s:%s:%s:%s ", $1, $2, $4, $7, $8 }' "$W/log.tsv")
[ "$rows" = "0:10:20:6:6 1:16:20:6:6 2:22:-:-:- " ] || fail "log.tsv rounds: $rows"
# The disagreement columns are numbers > 0 where there was a selection.
awk -F'\t' 'NR > 1 && $4 != "-" && !($9 > 0 && $10 >= $9) { bad = 1 } END { exit bad }' "$W/log.tsv" ||
    fail "log.tsv disagreement statistics: $(cat "$W/log.tsv")"

# New candidates every round: other seeds, other geometries.
grep -q 'seed=12 unlabelled=T' "$W/round-000/candidates.extxyz" || fail "round 0 candidates not drawn with seed 12"
grep -q 'seed=13 unlabelled=T' "$W/round-001/candidates.extxyz" || fail "round 1 candidates not drawn with seed 13"
c0=$(sed -n 3p "$W/round-000/candidates.extxyz")
c1=$(sed -n 3p "$W/round-001/candidates.extxyz")
[ "$c0" != "$c1" ] || fail "rounds 0 and 1 drew the same first candidate"

# Labelled frames: the teacher's labels, the candidates' fields, no marker.
"$TRAIN" --evaluate "$W/round-002/committee.bin" "$W/round-001/labelled.extxyz" >"$tmp/eval" 2>&1 ||
    fail "nnvib-train does not read the labelled frames: $(cat "$tmp/eval")"
# Teacher forces of an isolated molecule sum to zero.
net=$(awk '/^[0-9]+$/ { if (fr) out(); fr++; next } /^Properties/ { next }
           { for (a = 1; a <= 3; a++) s[a] += $(a + 4) }
           function out() { for (a = 1; a <= 3; a++) { if (s[a] > 1e-6 || s[a] < -1e-6) print s[a]; s[a] = 0 } }
           END { out() }' "$W/round-001/labelled.extxyz")
[ -z "$net" ] || fail "labelled frames with a net force: $net"
n_lab=$(grep -c ' energy=.* molecule=.* T=.* config=[0-9]* seed=13 sigma_f=' "$W/round-001/labelled.extxyz")
[ "$n_lab" = 6 ] || fail "expected 6 labelled frames with their candidate fields, got $n_lab"
! grep -q unlabelled "$W/round-001/labelled.extxyz" || fail "a labelled frame still says unlabelled"

# Training on candidates is an error naming the file and the frame.
"$TRAIN" -q --epochs 1 "$W/round-000/candidates.extxyz" -o "$tmp/x.bin" 2>"$tmp/err"
st=$?
[ $st = 3 ] || fail "training on candidates: exit $st, expected 3"
grep -q 'candidates.extxyz: line 1: frame 1: no label' "$tmp/err" || fail "message: $(cat "$tmp/err")"

# --label on frames nnvib-sample labelled itself gives back their labels.
"$SAMPLE" --temperatures 300 --per-temperature 2 --per-mode 0 --scalings 1.01 -o "$tmp/ref.extxyz" \
    "$SRC/molecules/water.xyz" 2>/dev/null || fail "nnvib-sample on water"
"$SAMPLE" --label "$tmp/ref.extxyz" -o "$tmp/relabelled.extxyz" 2>/dev/null || fail "nnvib-sample --label"
check=$(awk '
    function abs(v) { return v < 0 ? -v : v }
    FNR == 1 { file++; fr = 0 }
    /^[0-9]+$/ { fr++; k = 0; next }
    /^Properties/ { e = $0; sub(/^.* energy=/, "", e); sub(/ .*/, "", e); E[file, fr] = e
                    c = $0; sub(/^.*pbc="F F F" /, "", c); C[file, fr] = c; n = fr; next }
    { k++; for (a = 1; a <= 3; a++) F[file, fr, k, a] = $(a + 4) }
    END {
        if (n != 4) print "frames " n
        for (f = 1; f <= n; f++) {
            if (abs(E[1, f] - E[2, f]) > 1e-6) print "energy " E[1, f] " vs " E[2, f]
            if (C[1, f] != C[2, f]) print "fields " C[1, f] " vs " C[2, f]
            for (k = 1; k <= 3; k++) for (a = 1; a <= 3; a++)
                if (abs(F[1, f, k, a] - F[2, f, k, a]) > 1e-5) { print "force " F[1, f, k, a] " vs " F[2, f, k, a]; exit }
        }
    }' "$tmp/ref.extxyz" "$tmp/relabelled.extxyz")
[ -z "$check" ] || fail "--label does not reproduce the sampled labels: $check"

# Curvature labels on request, read back by the trainer.
"$SAMPLE" --label "$W/round-000/selected.extxyz" --hvp-probes 1 -o "$tmp/hvp.extxyz" 2>/dev/null ||
    fail "nnvib-sample --label --hvp-probes 1"
n_hvp=$(grep -c 'Properties=species:S:1:pos:R:3:forces:R:3:hvp_probe_1:R:3:hvp_1:R:3 ' "$tmp/hvp.extxyz")
[ "$n_hvp" = 6 ] || fail "expected 6 frames with one curvature label, got $n_hvp"
"$TRAIN" --evaluate "$W/round-002/committee.bin" "$tmp/hvp.extxyz" 2>&1 | grep -q 'Hv rmse' ||
    fail "the trainer does not read the curvature labels of --label"

# Resume: the last label, append and training steps removed, as a killed run
# would leave them; only they run again, with byte-identical results.
for f in round-001/labelled.extxyz round-002/data.extxyz round-002/committee.bin round-002/train.txt; do
    cp "$W/$f" "$tmp/$(echo "$f" | tr / _)"
done
rm -r "$W/round-001/labelled.extxyz" "$W/round-002"
if ! al >"$tmp/log2" 2>"$tmp/err2"; then
    cat "$tmp/err2"
    fail "the resumed run"
fi
steps=$(grep -c '^active-learn: \$' "$tmp/err2")
[ "$steps" = 2 ] || fail "the resumed run ran $steps steps, expected 2 (label, train): $(grep '^active-learn: \$' "$tmp/err2")"
grep -q -- '--candidates' "$tmp/err2" && fail "the resumed run drew candidates again"
for f in round-001/labelled.extxyz round-002/data.extxyz round-002/committee.bin; do
    cmp -s "$W/$f" "$tmp/$(echo "$f" | tr / _)" || fail "$f differs after resuming"
done
cmp -s "$tmp/log1" "$tmp/log2" || fail "log.tsv differs after resuming"
al >/dev/null 2>"$tmp/err3" || fail "the third run"
! grep -q '^active-learn: \$' "$tmp/err3" || fail "a complete run ran steps again: $(cat "$tmp/err3")"

[ $fails -eq 0 ] || exit 1
echo "active learning: 2 rounds, resumable, labels reproduced"
