#!/bin/sh
# Consistency of the committed HCNO molecule library (molecules/hcno/, reference_spectra/gfn2xtb-hcno/):
# the list, the split (issue 18's counts), every minimum and spectrum; needs no xtb, no Open Babel.
#  - molecules.tsv: 5 columns, unique lower_snake_case names, known groups, set train|heldout|large;
#  - every row has molecules/hcno/xyz/NAME.xyz (H/C/N/O only, comment "NAME | SMILES | set=SET")
#    and reference_spectra/gfn2xtb-hcno/NAME.tsv with 3N-6 modes (3N-5 for a linear minimum), none
#    imaginary, and an "ok" line in log.tsv;
#  - heavy atoms 2-7 in train/heldout (the 27 shipped molecules excepted), 8-13 in large;
#  - >= 300 molecules (conformers of one molecule count once) with 2-7 heavy atoms, >= 45 and
#    >= 15 % of them held out, 15-25 large, >= 10 molecules with two conformers in the same set,
#    every group in train and held out for >= 2 molecules, the 27 shipped molecules all train;
#  - with /usr/bin/python3: the set column is what the split rule of tools/make-molecules gives.
set -u
SRC=${NNVIB_SRCDIR:-.}
H=$SRC/molecules/hcno
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

[ -f "$H/molecules.tsv" ] || { echo "FAIL: $H/molecules.tsv missing"; exit 1; }

# Pass 1 (awk over the list, every xyz and tsv): one line per row, "name set key heavy groups",
# and FAIL lines. key = the molecule (conformer suffix removed), so conformers count once.
rows=$(mktemp "${TMPDIR:-/tmp}/hcno-rows.XXXXXX") || exit 99
trap 'rm -f "$rows"' EXIT INT TERM
awk -F'\t' -v H="$H" -v SPEC="$SRC/reference_spectra/gfn2xtb-hcno" -v MOLS="$SRC/molecules" '
    function failm(m) { print "FAIL: " m; }
    function abs(v) { return v < 0 ? -v : v }
    BEGIN {
        nv = split("hydrocarbon alkene alkyne cumulene aromatic heteroaromatic ring alcohol ether " \
                   "aldehyde ketone acid ester anhydride amide amine imine nitrile isocyanide " \
                   "isocyanate nitro nitrate nitrite nitroso n_oxide peroxide hydrazine azo " \
                   "inorganic conformer", v, " ")
        for (i = 1; i <= nv; i++) vocab[v[i]] = 1
        while ((getline line < (H "/log.tsv")) > 0) {
            split(line, c, "\t"); logstat[c[1]] = c[9]
        }
    }
    /^#/ || /^$/ { next }
    !header { header = 1
        if ($0 != "name\tsmiles\tgroups\tset\tstart") failm("molecules.tsv header: " $0)
        next }
    {
        where = "molecules.tsv:" NR
        if (NF != 5) { failm(where ": " NF " columns, expected 5"); next }
        name = $1; set = $4
        if (name !~ /^[a-z0-9]+(_[a-z0-9]+)*$/) failm(where ": name \"" name "\" not lower_snake_case")
        if (name in seen) failm(where ": duplicate name " name)
        seen[name] = 1
        if (set != "train" && set != "heldout" && set != "large") failm(where ": set \"" set "\"")
        ng = split($3, g, ",")
        for (i = 1; i <= ng; i++) if (!(g[i] in vocab)) failm(where ": group \"" g[i] "\" not in the vocabulary")
        shipped = ($5 ~ /^file:molecules\/[a-z0-9_]+\.xyz$/)
        key = name
        if ($3 ~ /(^|,)conformer(,|$)/) sub(/_(anti|syn|gauche|cis|trans)$/, "", key)
        if (logstat[name] != "ok") failm(name ": no ok line in log.tsv")

        # The minimum.
        f = H "/xyz/" name ".xyz"
        if ((getline line < f) <= 0) { failm(name ": " f " missing"); next }
        n = line + 0
        getline comment < f
        want = name " | " $2 " | set=" set " | "
        if (index(comment, want) != 1) failm(f ": comment does not start with \"" want "\"")
        heavy = 0; k = 0
        while ((getline line < f) > 0) {
            if (line ~ /^[ \t]*$/) continue
            k++; split(line, a, " ")
            if (a[1] !~ /^(H|C|N|O)$/) failm(f ": atom " k ": element \"" a[1] "\" (H, C, N, O only)")
            if (a[1] != "H") heavy++
            x[k] = a[2]; y[k] = a[3]; z[k] = a[4]
        }
        close(f)
        if (k != n) failm(f ": " k " atoms, header says " n)
        # Linear when every atom lies on the line through atoms 1 and 2 (within 1e-3 A).
        linear = 1
        if (n > 2) {
            dx = x[2] - x[1]; dy = y[2] - y[1]; dz = z[2] - z[1]; d = sqrt(dx*dx + dy*dy + dz*dz)
            for (i = 3; i <= n; i++) {
                ex = x[i] - x[1]; ey = y[i] - y[1]; ez = z[i] - z[1]
                cx = dy*ez - dz*ey; cy = dz*ex - dx*ez; cz = dx*ey - dy*ex
                if (sqrt(cx*cx + cy*cy + cz*cz) / d > 1e-3) linear = 0
            }
        }
        nmodes = (n == 1) ? 0 : 3 * n - (linear ? 5 : 6)
        if (shipped) { if (heavy > 7) failm(name ": shipped molecule with " heavy " heavy atoms") }
        else if (set == "large") { if (heavy < 8 || heavy > 13) failm(name ": large with " heavy " heavy atoms (8-13)") }
        else if (heavy < 2 || heavy > 7) failm(name ": " set " with " heavy " heavy atoms (2-7)")

        # The spectrum.
        t = SPEC "/" name ".tsv"; m = 0; hdr = 0
        while ((getline line < t) > 0) {
            if (line ~ /^#/) continue
            if (!hdr) { hdr = 1
                if (line !~ /^mode\tfreq_cm1\t/) failm(t ": header \"" line "\""); continue }
            m++; split(line, s, "\t")
            if (s[1] != m) failm(t ": row " m " has mode " s[1])
            if (s[2] + 0 < 0) failm(t ": mode " m " imaginary (" s[2] " cm-1) at the minimum")
        }
        close(t)
        if (!hdr) failm(t " missing or empty")
        else if (m != nmodes) failm(t ": " m " modes, expected " nmodes " (" n " atoms" (linear ? ", linear" : "") ")")
        print "ROW\t" name "\t" set "\t" key "\t" heavy "\t" $3 "\t" shipped
    }' "$H/molecules.tsv" >"$rows"
grep '^FAIL' "$rows"
fails=$((fails + $(grep -c '^FAIL' "$rows")))

# Pass 2: the counts of issue 18 over the molecules (keys).
summary=$(grep '^ROW' "$rows" | awk -F'\t' -v MOLS="$SRC/molecules" '
    function failm(m) { print "FAIL: " m; }
    {
        name = $2; set = $3; key = $4; heavy = $5; shipped = $7
        if (key in kset && kset[key] != set) failm(key ": conformers in sets " kset[key] " and " set)
        kset[key] = set; nconf[key]++
        if (shipped) { if (set != "train") failm(name ": shipped molecule in " set); ship[name] = 1 }
        if (set == "large") { large++; next }
        if (heavy >= 2 && heavy <= 7 && !(key in small)) { small[key] = 1; nsmall++; if (set == "heldout") nheld++ }
        ng = split($6, g, ",")
        for (i = 1; i <= ng; i++) if (!((g[i] SUBSEP key) in gk)) { gk[g[i], key] = 1; cnt[g[i], set]++; groups[g[i]] = 1 }
    }
    END {
        for (k in nconf) if (nconf[k] == 2) pairs++; else if (nconf[k] > 2) failm(k ": " nconf[k] " conformers")
        if (nsmall < 300) failm(nsmall " molecules with 2-7 heavy atoms (>= 300)")
        if (nheld < 45 || nheld < 0.15 * nsmall) failm(nheld " of " nsmall " held out (>= 45 and >= 15 %)")
        if (large < 15 || large > 25) failm(large " large molecules (15-25)")
        if (pairs < 10) failm(pairs " molecules with two conformers (>= 10)")
        for (gr in groups) {
            if (cnt[gr, "train"] < 1) failm("group " gr ": no training molecule")
            if (cnt[gr, "heldout"] < 2) failm("group " gr ": " cnt[gr, "heldout"] + 0 " held out (>= 2)")
        }
        cmd = "ls " MOLS "/*.xyz"
        while ((cmd | getline f) > 0) { sub(/.*\//, "", f); sub(/\.xyz$/, "", f); nship++
            if (!(f in ship)) failm("shipped molecule " f " not in the library as train") }
        close(cmd)
        if (nship != 27) failm(nship " files in molecules/ (27 expected)")
        printf "molecules 2-7 heavy %d, held out %d, large %d, conformer pairs %d\n", nsmall, nheld, large, pairs
    }')
echo "$summary" | grep '^FAIL'
fails=$((fails + $(echo "$summary" | grep -c '^FAIL')))
echo "$summary" | grep -v '^FAIL'

# The set column follows the documented split rule (the tool prints the rows that differ).
if [ -x /usr/bin/python3 ]; then
    if out=$(cd "$SRC" && /usr/bin/python3 tools/make-molecules --split 2>&1); then
        diff=$(echo "$out" | tail -n +2)
        [ -z "$diff" ] || fail "set column differs from the split rule: $diff"
    else
        fail "tools/make-molecules --split: $out"
    fi
else
    echo "note: /usr/bin/python3 missing, split rule not checked"
fi

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "PASS"
