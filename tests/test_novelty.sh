#!/bin/sh
# End-to-end tests of the novelty statistics in nnvib-train (docs/novelty.md):
# --add-novelty writes a version-2 file with flag bit 2 whose networks are
# the input's, deterministically; the options it refuses; and a short
# training run writes the block with every new potential.
# Env (set by make check): NNVIB_BUILDDIR, NNVIB_SRCDIR. Exit 77 = skipped.
set -u

build=${NNVIB_BUILDDIR:-.}
src=${NNVIB_SRCDIR:-.}
train=$build/nnvib-train
[ -x "$train" ] || { echo "skip: $train not built"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nnvib-novelty.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

n=0
fails=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; sed 's/^/#   /' "$tmp/err" | head -n 5; }
check() { if [ "$1" -eq 0 ]; then pass "$2"; else fail "$2"; fi; }
: >"$tmp/err"

# Twelve ethane configurations, displaced deterministically, with energies and forces.
awk 'NR > 2 { s[NR] = $1; x[NR] = $2; y[NR] = $3; z[NR] = $4; n = NR }
END {
    for (f = 0; f < 12; f++) {
        print n - 2
        print "Properties=species:S:1:pos:R:3:forces:R:3 energy=" (-20 - 0.01 * f) " pbc=\"F F F\" molecule=ethane"
        for (i = 3; i <= n; i++)
            printf "%s %.6f %.6f %.6f %.4f %.4f %.4f\n", s[i], x[i] + 0.08 * sin(7 * f + i), y[i] + 0.08 * sin(11 * f + 2 * i),
                   z[i] + 0.08 * sin(13 * f + 3 * i), 0.1 * sin(f + i), 0.1 * cos(f + i), 0.05 * sin(2 * f + i)
    }
}' "$src/molecules/ethane.xyz" >"$tmp/d.extxyz"

u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }

"$train" --add-novelty "$src/weights/test-CH-softplus-random.bin" --seed 3 "$tmp/d.extxyz" -o "$tmp/a.bin" \
    >"$tmp/out" 2>"$tmp/err"
check $? "--add-novelty exits 0"
check "$( [ "$(u32 "$tmp/a.bin" 8)" = 2 ] && [ "$(u32 "$tmp/a.bin" 12)" = 5 ]; echo $?)" "version 2, flags 5 (charges, novelty)"
grep -q "^novelty H: 60 training atoms, 6 SFs, ridge 0.001" "$tmp/err" && grep -q "^novelty C: 20 training atoms" "$tmp/err"
check $? "statistics of the training part: 10 of 12 configurations (1 test, 1 validation), 60 H and 20 C atoms"
"$train" --add-novelty "$src/weights/test-CH-softplus-random.bin" --seed 3 -q "$tmp/d.extxyz" -o "$tmp/b.bin" \
    >"$tmp/out" 2>"$tmp/err"
check "$(cmp -s "$tmp/a.bin" "$tmp/b.bin"; echo $?)" "the same inputs give the same bytes"
# The networks are the input's: the file is the input's bytes up to the
# element blocks' end, apart from the version and flags fields.
size=$(wc -c <"$src/weights/test-CH-softplus-random.bin")
head -c $((size - 4)) "$src/weights/test-CH-softplus-random.bin" | tail -c +17 >"$tmp/x1"
head -c $((size - 4)) "$tmp/a.bin" | tail -c +17 >"$tmp/x2"
check "$(cmp -s "$tmp/x1" "$tmp/x2"; echo $?)" "description, elements and networks unchanged"
"$train" --add-novelty "$src/weights/test-CH-softplus-random.bin" --novelty-ridge 0.01 -q "$tmp/d.extxyz" \
    -o "$tmp/c.bin" >"$tmp/out" 2>"$tmp/err"
check "$( [ $? -eq 0 ] && ! cmp -s "$tmp/a.bin" "$tmp/c.bin"; echo $?)" "--novelty-ridge changes the block"

"$train" --add-novelty "$src/weights/test-CH-softplus-random.bin" --epochs 3 "$tmp/d.extxyz" -o "$tmp/e.bin" \
    >"$tmp/out" 2>"$tmp/err"
check "$( [ $? -eq 2 ] && grep -q -- "--epochs cannot be combined with --add-novelty" "$tmp/err"; echo $?)" \
    "--add-novelty refuses training options (exit 2)"
"$train" --add-novelty "$src/weights/test-CH-softplus-random.bin" "$tmp/d.extxyz" >"$tmp/out" 2>"$tmp/err"
check "$( [ $? -eq 2 ]; echo $?)" "--add-novelty needs -o (exit 2)"
"$train" --add-novelty "$src/weights/hcno-silu.bin" --val-frac 0 --test-frac 0 -q "$tmp/d.extxyz" -o "$tmp/f.bin" \
    >"$tmp/out" 2>"$tmp/err"
check "$( [ $? -eq 3 ] && grep -q "no training atoms" "$tmp/err"; echo $?)" \
    "an element without training atoms (N, O of an HCNO potential on ethane) is refused (exit 3)"

"$train" --epochs 2 --hidden 4 -q "$tmp/d.extxyz" -o "$tmp/t.bin" >"$tmp/out" 2>"$tmp/err"
check "$( [ $? -eq 0 ] && [ "$(u32 "$tmp/t.bin" 12)" = 4 ]; echo $?)" "a trained potential carries the block (flags 4)"

echo "1..$n"
[ "$fails" -eq 0 ]
