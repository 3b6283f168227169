#!/bin/sh
# End-to-end test of the study tool tools/nnvib-study (`make study`) on two
# molecules (water, formaldehyde) with the three shipped potentials: exit 0,
# results.md with the summary table (three activation rows with numbers), the
# SVG figures well-formed (xmllint), the CSV rectangular, the pooled MAE of the
# summary equal to the mean |delta| that awk recomputes from the CSV, and the
# exit statuses of a missing molecules folder, an unknown molecule, bad options,
# too many potentials and an output folder that cannot be made.
# Env (set by make check): NNVIB_BUILDDIR, NNVIB_SRCDIR. Exit 77 = skipped.
set -u

bin=${NNVIB_BUILDDIR:-.}/tools/nnvib-study
src=${NNVIB_SRCDIR:-.}
if [ ! -x "$bin" ]; then
    echo "FAIL: program '$bin' not found or not executable (set NNVIB_BUILDDIR)"
    exit 1
fi
pots="$src/weights/hcno-relu.bin $src/weights/hcno-softplus.bin $src/weights/hcno-tanh.bin"
for f in "$src/molecules/water.xyz" "$src/molecules/formaldehyde.xyz" "$src/reference_spectra/README.md" $pots; do
    [ -r "$f" ] || { echo "SKIP: $f not found (NNVIB_SRCDIR='$src')"; exit 77; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nnvib-study.XXXXXX") || exit 1
# shellcheck disable=SC2317 # called by the trap
cleanup() { chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

n=0
fails=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
show() { sed 's/^/#   /' "$1" | head -n "${2:-5}"; }

# shellcheck disable=SC2086 # $pots is a list
"$bin" -q --molecules "$src/molecules" --refdir "$src/reference_spectra" --out "$tmp/out" \
    --only water,formaldehyde $pots >"$tmp/stdout" 2>"$tmp/stderr"
st=$?
if [ "$st" -eq 0 ]; then pass "study on water,formaldehyde exits 0"; else fail "study exits $st"; show "$tmp/stderr"; fi
md=$tmp/out/results.md
csv=$tmp/out/results.csv

# The summary table: one row per activation, every cell a number (MAE columns).
for act in relu softplus tanh; do
    row=$(grep "^| \*\*$act\*\* |" "$md" 2>/dev/null)
    if [ -n "$row" ] && echo "$row" | awk -F'|' '{ for (i = 3; i <= 13; i++) if ($i !~ /^ *-?[0-9][0-9.]* *$/) exit 1 }'; then
        pass "summary row for $act with numbers"
    else
        fail "summary row for $act: '$row'"
    fi
done
if grep -q "^| molecule | atoms |" "$md" && grep -q "(figures/water.svg)" "$md" && grep -q "(figures/formaldehyde.svg)" "$md" &&
    ! grep -q "(figures/methane.svg)" "$md"; then
    pass "per-molecule table lists exactly the selected molecules"
else
    fail "per-molecule table"
fi
if grep -q "## Smoothness diagnostics" "$md" && grep -q "## Findings" "$md" && grep -q "COS" "$md" &&
    grep -q "make study" "$md"; then
    pass "smoothness section, findings, cutoff experiment and the regenerating command present"
else
    fail "sections missing from results.md"
fi
# ReLU: no curvature of its own (the network share printed exactly 0).
if grep "^| relu | conv" "$md" | head -n 1 | awk -F'|' '{ exit !($8 + 0 == 0 && $9 + 0 == 0) }'; then
    pass "ReLU network share is 0 at the water minimum"
else
    fail "ReLU network share not 0"; grep "^| relu |" "$md" | head -n 2
fi

# Figures: one per molecule and the error overview, each well-formed XML.
for fig in water formaldehyde errors; do
    if [ -s "$tmp/out/figures/$fig.svg" ]; then pass "figure $fig.svg written"; else fail "figure $fig.svg missing"; fi
done
if command -v xmllint >/dev/null 2>&1; then
    for fig in water formaldehyde errors; do
        if xmllint --noout "$tmp/out/figures/$fig.svg" 2>"$tmp/xml"; then
            pass "$fig.svg is well-formed XML"
        else
            fail "$fig.svg is not well-formed"; show "$tmp/xml"
        fi
    done
else
    echo "# xmllint not found (Debian libxml2-utils): the SVG well-formedness checks are skipped"
fi
if ls "$tmp/out/figures" | grep -q '\.tmp\|^\.'; then fail "temporary files left behind"; else pass "no temporary files left"; fi

# The CSV: header + rows, the same number of fields everywhere, both references.
if awk -F, 'NR == 1 { nf = NF; next } NF != nf { bad = 1 } END { exit bad || NR < 2 || nf != 15 }' "$csv"; then
    pass "results.csv is rectangular (15 columns)"
else
    fail "results.csv column count varies"; show "$csv"
fi
rows=$(awk -F, '$1 == "water" && $2 == "tanh" && $4 == "teacher"' "$csv" | wc -l)
if [ "$rows" -eq 3 ]; then pass "water/tanh has 3 teacher bands in the CSV"; else fail "water/tanh teacher rows: $rows"; fi

# Aggregation: the summary's MAE vs teacher and vs experiment for each activation
# equal the mean |delta| over that activation's CSV rows (pooled over bands).
for act in relu softplus tanh; do
    for ag in teacher experiment; do
        col=6
        [ "$ag" = experiment ] && col=9
        printed=$(grep "^| \*\*$act\*\* |" "$md" | awk -F'|' -v c="$col" '{ gsub(/ /, "", $c); print $c }')
        recomputed=$(awk -F, -v a="$act" -v g="$ag" '$2 == a && $4 == g && $11 != "" {
                d = $11 < 0 ? -$11 : $11; s += d; k++ } END { if (k) printf "%.1f", s / k }' "$csv")
        # The CSV rounds to 0.01 cm-1: allow 0.1 in the mean of one decimal (plus
        # round-off: 42.4 - 42.5 is -0.1000000000000014).
        if [ -n "$printed" ] && [ -n "$recomputed" ] &&
            awk -v x="$printed" -v y="$recomputed" 'BEGIN { d = x - y; exit !(d <= 0.1 + 1e-9 && d >= -0.1 - 1e-9) }'; then
            pass "$act MAE vs $ag: printed $printed = recomputed $recomputed"
        else
            fail "$act MAE vs $ag: printed '$printed', recomputed from CSV '$recomputed'"
        fi
    done
done
# The per-molecule MAE vs teacher of water (tanh) is its three bands' mean too.
pm=$(grep "^| \[water\]" "$md" | awk -F'|' '{ gsub(/[ †]/, "", $11); print $11 }')
rc=$(awk -F, '$1 == "water" && $2 == "tanh" && $4 == "teacher" { d = $11 < 0 ? -$11 : $11; s += d; k++ }
        END { if (k) printf "%.1f", s / k }' "$csv")
if awk -v x="$pm" -v y="$rc" 'BEGIN { d = x - y; exit !(x != "" && d <= 0.1 && d >= -0.1) }'; then
    pass "water tanh per-molecule MAE $pm = $rc from the CSV"
else
    fail "water tanh per-molecule MAE '$pm' vs '$rc'"
fi

# --sets: the per-set and per-group tables, their MAE equal to the CSV's
# rows of that set; a molecule without a row, a table without a header.
printf 'name\tsmiles\tgroups\tset\n# a comment\nwater\tO\tinorganic\ttrain\nformaldehyde\tC=O\taldehyde,carbonyl\theldout\nmethanol\tCO\talcohol\theldout\n' >"$tmp/sets.tsv"
"$bin" -q --molecules "$src/molecules" --refdir "$src/reference_spectra" --out "$tmp/s1" --sets "$tmp/sets.tsv" \
    --only water,formaldehyde,methanol "$src/weights/hcno-tanh.bin" >/dev/null 2>"$tmp/err"
st=$?
if [ "$st" -eq 0 ] && grep -q "^## Per set" "$tmp/s1/results.md" && grep -q "^### heldout molecules by functional group" "$tmp/s1/results.md"; then
    pass "--sets: per-set and per-group sections"
else
    fail "--sets: exit $st"; show "$tmp/err"
fi
printed=$(grep "^| heldout | tanh |" "$tmp/s1/results.md" | awk -F'|' '{ gsub(/ /, "", $7); print $7 }')
recomputed=$(awk -F, '$2 == "tanh" && $4 == "teacher" && $15 == "heldout" && $11 != "" {
        d = $11 < 0 ? -$11 : $11; s += d; k++ } END { if (k) printf "%.1f", s / k }' "$tmp/s1/results.csv")
if [ -n "$printed" ] && awk -v x="$printed" -v y="$recomputed" 'BEGIN { d = x - y; exit !(y != "" && d <= 0.1 + 1e-9 && d >= -0.1 - 1e-9) }'; then
    pass "heldout tanh MAE $printed = $recomputed from the CSV's heldout rows"
else
    fail "heldout tanh MAE: printed '$printed', recomputed '$recomputed'"
fi
grp=$(grep "^| alcohol | 1 |" "$tmp/s1/results.md" | awk -F'|' '{ gsub(/ /, "", $4); print $4 }')
mol=$(grep "^| \[methanol\]" "$tmp/s1/results.md" | awk -F'|' '{ gsub(/[ †]/, "", $5); print $5 }')
if [ -n "$grp" ] && [ "$grp" = "$mol" ]; then pass "group alcohol = its one molecule, methanol ($grp)"; else fail "group alcohol '$grp' vs methanol '$mol'"; fi
grep -v "^methanol" "$tmp/sets.tsv" >"$tmp/sets2.tsv"
"$bin" -q --molecules "$src/molecules" --out "$tmp/s2" --sets "$tmp/sets2.tsv" --only water,methanol \
    "$src/weights/hcno-tanh.bin" >/dev/null 2>"$tmp/err"
st=$?
if [ "$st" -eq 3 ] && grep -q "no row for molecule methanol" "$tmp/err"; then pass "--sets without a molecule's row exits 3"; else fail "missing row: exit $st"; show "$tmp/err"; fi
grep -v "^name" "$tmp/sets.tsv" >"$tmp/sets3.tsv"
"$bin" -q --molecules "$src/molecules" --out "$tmp/s3" --sets "$tmp/sets3.tsv" --only water \
    "$src/weights/hcno-tanh.bin" >/dev/null 2>"$tmp/err"
st=$?
if [ "$st" -eq 3 ] && grep -q "header" "$tmp/err"; then pass "--sets without a header exits 3"; else fail "no header: exit $st"; show "$tmp/err"; fi

# Exit statuses.
# shellcheck disable=SC2086
"$bin" -q --molecules "$tmp/no-such-dir" --out "$tmp/o2" $pots >/dev/null 2>"$tmp/err"
st=$?
if [ "$st" -eq 3 ] && [ ! -e "$tmp/o2" ]; then pass "missing molecules folder exits 3"; else fail "missing folder: exit $st"; show "$tmp/err"; fi
# shellcheck disable=SC2086
"$bin" -q --molecules "$src/molecules" --out "$tmp/o3" --only water,unobtainium $pots >/dev/null 2>"$tmp/err"
st=$?
if [ "$st" -eq 3 ]; then pass "unknown --only molecule exits 3"; else fail "unknown molecule: exit $st"; fi
# shellcheck disable=SC2086
"$bin" --frobnicate $pots >/dev/null 2>"$tmp/err"
st=$?
if [ "$st" -eq 2 ] && grep -q "unknown option" "$tmp/err"; then pass "bad option exits 2"; else fail "bad option: exit $st"; fi
"$bin" >/dev/null 2>&1
st=$?
if [ "$st" -eq 2 ]; then pass "no potential exits 2"; else fail "no potential: exit $st"; fi
# shellcheck disable=SC2086
"$bin" $pots $pots $pots >/dev/null 2>&1
st=$?
if [ "$st" -eq 2 ]; then pass "nine potentials exit 2"; else fail "nine potentials: exit $st"; fi
"$bin" --only "" "$src/weights/hcno-tanh.bin" >/dev/null 2>&1
st=$?
if [ "$st" -eq 2 ]; then pass "empty --only exits 2"; else fail "empty --only: exit $st"; fi
"$bin" -q --molecules "$src/molecules" --out "$tmp/o4" --only water "$tmp/missing.bin" >/dev/null 2>&1
st=$?
if [ "$st" -eq 3 ]; then pass "missing potential exits 3"; else fail "missing potential: exit $st"; fi
: >"$tmp/plainfile"
"$bin" -q --molecules "$src/molecules" --out "$tmp/plainfile" --only water "$src/weights/hcno-tanh.bin" \
    >/dev/null 2>"$tmp/err"
st=$?
if [ "$st" -eq 5 ] && [ ! -s "$tmp/plainfile" ]; then pass "unwritable --out exits 5"; else fail "unwritable --out: exit $st"; fi
if "$bin" --help | grep -q "Usage: nnvib-study"; then pass "--help"; else fail "--help"; fi

echo "1..$n"
[ "$fails" -eq 0 ]
