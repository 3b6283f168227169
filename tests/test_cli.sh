#!/bin/sh
# End-to-end tests of the nnvib program on the shared conformance cases: the
# table and JSON outputs against expected.json, exit statuses and one-line
# errors for every class of bad input, and the all-or-nothing -o file.
# Env (set by make check): NNVIB_BIN, NNVIB_SHARED, NNVIB_SRCDIR. Exit 77 = skipped.
set -u

bin=${NNVIB_BIN:-./nnvib}
shared=${NNVIB_SHARED:-}
conf=$shared/conformance
if [ -z "$shared" ] || [ ! -d "$conf" ]; then
    echo "SKIP: no conformance folder (NNVIB_SHARED='$shared'); the CLI tests need it"
    exit 77
fi
if [ ! -x "$bin" ]; then
    echo "FAIL: program '$bin' not found or not executable (set NNVIB_BIN)"
    exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nnvib-cli.XXXXXX") || exit 1
# shellcheck disable=SC2317 # called by the trap
cleanup() { chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

n=0
fails=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
show() { sed 's/^/#   /' "$1" | head -n "${2:-5}"; }

have_py=0
if command -v python3 >/dev/null 2>&1; then have_py=1; else echo "# python3 not found: JSON checks skipped"; fi

# expect_error STATUS DESCRIPTION ARGS...: the program must exit with STATUS,
# print exactly one line on stderr ("nnvib: ...") and nothing on stdout.
expect_error() {
    want=$1 desc=$2
    shift 2
    "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    lines=$(wc -l <"$tmp/err" | tr -d ' ')
    if [ "$rc" -eq "$want" ] && [ "$lines" -eq 1 ] && grep -q '^nnvib: ' "$tmp/err" && [ ! -s "$tmp/out" ]; then
        pass "$desc: exit $rc, one line: $(cat "$tmp/err")"
    else
        fail "$desc: exit $rc (expected $want), $lines line(s) on stderr, $(wc -c <"$tmp/out" | tr -d ' ') bytes on stdout"
        show "$tmp/err"
    fi
}

# ---- JSON checks (python3), against expected.json of the reference ---------
cat >"$tmp/check.py" <<'EOF'
import json, math, sys

def load(path):
    with open(path) as f:
        return json.load(f)

def args(case):
    """CLI options that reproduce the case's masses and total charge."""
    e = load(case + "/expected.json")
    out = ["--mass=%d=%.17g" % (int(i) + 1, m) for i, m in sorted(e.get("mass_overrides", {}).items())]
    q = e.get("total_charge", 0) or 0
    if q:
        out.append("--charge=%.17g" % q)
    print(" ".join(out))
    return 0

KEYS = ["program", "version", "schema_version", "molecule_file", "potential_file",
        "potential_description", "n_atoms", "symbols", "Z", "masses_u", "positions_A",
        "energy_eV", "forces_eV_A", "max_force_eV_A", "linear", "n_rigid_body",
        "principal_moments_uA2", "smoothness", "frequencies_cm1", "eigenvalues_eV_A2_u",
        "reduced_masses_u", "force_constants_mdyn_A", "normal_modes", "warnings",
        "extrapolation_warnings", "optimization", "committee"]
CHARGE_KEYS = ["total_charge_e", "charges_e", "dipole_eA", "dipole_derivatives_e",
               "ir_intensities_km_mol"]

def compare(out, case):
    """Frequencies within the conformance tolerance: 1e-4 cm-1 where |nu| > 50,
    else the eigenvalue within 4e-8 eV/(A^2 u); plus structure and keys."""
    o, e = load(out), load(case + "/expected.json")
    bad = []
    for k in KEYS:
        if k not in o:
            bad.append("missing key " + k)
    if bad:
        print("; ".join(bad)); return 1
    if o["schema_version"] != 1 or o["program"] != "nnvib":
        bad.append("schema_version/program")
    n = e["n_atoms"]
    if o["n_atoms"] != n or o["Z"] != e["Z"] or o["symbols"] != e["symbols"]:
        bad.append("atoms differ")
    if any(abs(a - b) > 1e-12 for a, b in zip(o["masses_u"], e["masses"])):
        bad.append("masses differ")
    if abs(o["energy_eV"] - e["energy"]) > 1e-10:
        bad.append("energy %r vs %r" % (o["energy_eV"], e["energy"]))
    if o["linear"] != bool(e["linear"]) or o["n_rigid_body"] != e["n_rigid_body"]:
        bad.append("linear/n_rigid_body %r %r vs %r %r" % (o["linear"], o["n_rigid_body"], e["linear"], e["n_rigid_body"]))
    f, fe = o["frequencies_cm1"], e["frequencies"]
    lam, lame = o["eigenvalues_eV_A2_u"], e["eigenvalues_mw"]
    if len(f) != len(fe) or len(o["normal_modes"]) != len(fe):
        bad.append("%d modes, expected %d" % (len(f), len(fe)))
    else:
        for k in range(len(fe)):
            ok = abs(f[k] - fe[k]) <= 1e-4 if abs(fe[k]) > 50 else abs(lam[k] - lame[k]) <= 4e-8
            if not ok:
                bad.append("mode %d: %.8f cm-1, expected %.8f" % (k + 1, f[k], fe[k]))
            if len(o["normal_modes"][k]) != n or any(len(r) != 3 for r in o["normal_modes"][k]):
                bad.append("normal_modes shape")
    got = sorted((w["atom"] - 1, w["sf"] - 1) for w in o["extrapolation_warnings"])
    exp = sorted((w["atom"], w["sf"]) for w in e.get("extrapolation_warnings", []))
    if got != exp:
        bad.append("extrapolation warnings %r, expected %r" % (got, exp))
    if "charges" in e:
        for k in CHARGE_KEYS:
            if k not in o:
                bad.append("missing key " + k)
        if not bad:
            if any(abs(a - b) > 1e-10 for a, b in zip(o["charges_e"], e["charges"])):
                bad.append("charges differ")
            # the sum over modes does not depend on the basis chosen in degenerate groups
            si, se = sum(o["ir_intensities_km_mol"]), sum(e["ir_intensities"])
            if abs(si - se) > 1e-6 * max(1.0, abs(se)):
                bad.append("sum of IR intensities %r vs %r" % (si, se))
    if bad:
        print("; ".join(bad[:5])); return 1
    return 0

def hessian(out, case):
    o, e = load(out), load(case + "/expected.json")
    h, he = o.get("hessian_eV_A2"), e["hessian"]
    if h is None or len(h) != len(he):
        print("no or wrong-sized hessian_eV_A2"); return 1
    for i in range(len(he)):
        for j in range(len(he)):
            d = abs(h[i][j] - he[i][j])
            if d > 1e-7 and d > 1e-9 * abs(he[i][j]):
                print("H[%d][%d] = %r, expected %r" % (i, j, h[i][j], he[i][j])); return 1
    return 0

def fdcheck(out1, out2):
    """Central differences err by O(h^2): halving the step must cut the largest
    element difference by 4 (it would not if the analytic Hessian were wrong,
    since then the difference tends to a non-zero limit), and at h = 1e-3 A the
    difference must be small."""
    c1, c2 = load(out1).get("fd_check"), load(out2).get("fd_check")
    if not c1 or not c2:
        print("no fd_check"); return 1
    ratio = c1["max_abs_diff_eV_A2"] / c2["max_abs_diff_eV_A2"]
    print("h=1e-3: max|dH| %.2e eV/A2 (rel %.1e), max|dnu| %.1e cm-1; h=5e-4: ratio %.3f"
          % (c1["max_abs_diff_eV_A2"], c1["max_rel_diff"], c1["max_freq_diff_cm1"], ratio))
    ok = c1["step_A"] == 1e-3 and c2["step_A"] == 5e-4 and 3.5 < ratio < 4.5 \
        and 0 <= c1["max_rel_diff"] < 1e-4 and 0 <= c1["max_freq_diff_cm1"] < 0.5
    return 0 if ok else 1

def opt(out, rc):
    o = load(out)["optimization"]
    if o is None or o["converged"] != (rc == 0) or o["steps"] < 0:
        print("optimization %r with exit %d" % (o, rc)); return 1
    return 0

def valid(path):
    load(path); return 0

mode = sys.argv[1]
try:
    sys.exit({"args": lambda: args(sys.argv[2]),
              "compare": lambda: compare(sys.argv[2], sys.argv[3]),
              "hessian": lambda: hessian(sys.argv[2], sys.argv[3]),
              "fdcheck": lambda: fdcheck(sys.argv[2], sys.argv[3]),
              "opt": lambda: opt(sys.argv[2], int(sys.argv[3])),
              "valid": lambda: valid(sys.argv[2])}[mode]())
except (ValueError, KeyError, TypeError, OSError) as ex:
    print("%s: %s" % (type(ex).__name__, ex)); sys.exit(1)
EOF
py() { python3 "$tmp/check.py" "$@"; }

# ---- every conformance case: table and JSON -------------------------------
# Exit 0, or 7 when the verdict is unreliable (a ReLU case): then the last
# stderr line says so and the report is complete.
done_rc() { [ "$1" -eq 0 ] || { [ "$1" -eq 7 ] && tail -n 1 "$tmp/err" | grep -q 'reliability verdict is unreliable'; }; }
for dir in "$conf"/case* "$conf"/exact_act*; do
    [ -d "$dir" ] || continue
    c=$(basename "$dir")
    extra=""
    if [ $have_py -eq 1 ]; then extra=$(py args "$dir"); fi
    # shellcheck disable=SC2086 # $extra is a list of options
    "$bin" $extra "$dir/molecule.xyz" "$dir/weights.bin" >"$tmp/table" 2>"$tmp/err"
    rc=$?
    if done_rc $rc && grep -q 'vibrational mode' "$tmp/table" && grep -q 'total energy' "$tmp/table"; then
        pass "$c: table"
    else
        fail "$c: table, exit $rc"
        show "$tmp/err"
    fi
    [ $have_py -eq 1 ] || continue
    # shellcheck disable=SC2086
    "$bin" --json $extra "$dir/molecule.xyz" "$dir/weights.bin" >"$tmp/json" 2>"$tmp/err"
    rc=$?
    if done_rc $rc && python3 -c 'import json,sys; json.load(sys.stdin)' <"$tmp/json" && py compare "$tmp/json" "$dir" >"$tmp/why"; then
        pass "$c: --json parses and matches expected.json"
    else
        fail "$c: --json, exit $rc: $(cat "$tmp/why" 2>/dev/null)"
        show "$tmp/err"
    fi
done

c0=$conf/case000
xyz=$c0/molecule.xyz
w=$c0/weights.bin

# ---- options that change the result ----------------------------------------
if [ $have_py -eq 1 ]; then
    "$bin" --json-hessian "$xyz" "$w" >"$tmp/json" 2>/dev/null
    rc=$?
    if [ $rc -eq 0 ] && py hessian "$tmp/json" "$c0" >"$tmp/why"; then pass "--json-hessian: Hessian matches expected.json"
    else fail "--json-hessian: exit $rc: $(cat "$tmp/why")"; fi

    # case007 has a deuterium on atom 3: without --mass its frequencies must differ
    "$bin" --json "$conf/case007/molecule.xyz" "$conf/case007/weights.bin" >"$tmp/json" 2>/dev/null
    if ! py compare "$tmp/json" "$conf/case007" >/dev/null; then pass "case007 without --mass differs from the deuterated reference"
    else fail "case007 without --mass matches the deuterated reference (--mass has no effect?)"; fi

    # --frame: frame 2 of a two-frame file is case000's molecule
    { awk 'NR == 3 { print $1, $2 + 0.1, $3, $4; next } { print }' "$xyz"; cat "$xyz"; } >"$tmp/two.xyz"
    "$bin" --json --frame 2 "$tmp/two.xyz" "$w" >"$tmp/json" 2>/dev/null
    rc=$?
    if [ $rc -eq 0 ] && py compare "$tmp/json" "$c0" >"$tmp/why"; then pass "--frame 2 reads the second frame"
    else fail "--frame 2: exit $rc: $(cat "$tmp/why")"; fi
    "$bin" --json --frame=1 "$tmp/two.xyz" "$w" >"$tmp/json" 2>/dev/null
    if ! py compare "$tmp/json" "$c0" >/dev/null; then pass "--frame=1 reads the first (different) frame"
    else fail "--frame=1 gave the second frame's results"; fi

    # --check on a smooth potential (identity/silu/gelu activations, CO2)
    "$bin" --json --check "$conf/case005/molecule.xyz" "$conf/case005/weights.bin" >"$tmp/json" 2>/dev/null
    rc=$?
    "$bin" --json --check --fd-step 5e-4 "$conf/case005/molecule.xyz" "$conf/case005/weights.bin" >"$tmp/json2" 2>/dev/null
    if [ $rc -eq 0 ] && py fdcheck "$tmp/json" "$tmp/json2" >"$tmp/why"; then pass "--check on case005: $(cat "$tmp/why")"
    else fail "--check on case005: exit $rc: $(cat "$tmp/why")"; fi

    # --hessian fd gives the reference frequencies to finite-difference accuracy
    "$bin" --json --hessian=fd "$xyz" "$w" >"$tmp/json" 2>/dev/null
    rc=$?
    if [ $rc -eq 0 ] && python3 - "$tmp/json" "$c0/expected.json" >"$tmp/why" <<'EOF'
import json, sys
o, e = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
d = max(abs(a - b) for a, b in zip(o["frequencies_cm1"], e["frequencies"]))
print("max |dnu| = %.2e cm-1" % d)
sys.exit(0 if o["hessian_method"] == "fd" and d < 0.5 else 1)
EOF
    then pass "--hessian fd: $(cat "$tmp/why")"; else fail "--hessian fd: exit $rc: $(cat "$tmp/why")"; fi

    # --opt: converged (exit 0) or not (exit 6), said the same way in the JSON
    "$bin" --json --opt --opt-steps 200 "$xyz" "$w" >"$tmp/json" 2>"$tmp/err"
    rc=$?
    # case 0's toy potential pulls two H atoms together within 200 steps: the
    # guard of an unphysical surface (exit 4, no report) is the right answer there.
    if [ $rc -eq 4 ] && grep -q "unphysical surface" "$tmp/err" && [ ! -s "$tmp/json" ]; then
        pass "--opt: exit 4, stopped by the close-contact guard: $(cat "$tmp/err")"
    elif { [ $rc -eq 0 ] || [ $rc -eq 6 ]; } && py opt "$tmp/json" $rc >"$tmp/why"; then pass "--opt: exit $rc, reported in the JSON"
    else fail "--opt: exit $rc: $(cat "$tmp/why")"; show "$tmp/err"; fi
    "$bin" --opt --opt-steps 1 --opt-fmax 1e-12 "$xyz" "$w" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ $rc -eq 6 ] && grep -q 'vibrational mode' "$tmp/out" && [ "$(tail -n 1 "$tmp/err" | cut -c1-12)" = "nnvib: --opt" ]; then
        pass "--opt not converged: exit 6, analysis still printed"
    else fail "--opt not converged: exit $rc"; show "$tmp/err"; fi

    # a description with quotes, backslashes, control characters and UTF-8
    # must come back unchanged from the JSON (and stay on one line in the table)
    python3 - "$w" "$tmp/desc.bin" >"$tmp/desc.txt" <<'EOF'
import struct, sys, zlib
b = open(sys.argv[1], "rb").read()
n = struct.unpack_from("<I", b, 16)[0]
d = 'say "hi" \\ back\\slash\x01\x1f\ttab\nnewline \u00c5ngstr\u00f6m \U0001f600 </script>'.encode()
body = b[:16] + struct.pack("<I", len(d)) + d + b[20 + n:-4]
open(sys.argv[2], "wb").write(body + struct.pack("<I", zlib.crc32(body) & 0xffffffff))
sys.stdout.write(d.decode())
EOF
    "$bin" -q --json "$xyz" "$tmp/desc.bin" >"$tmp/json" 2>"$tmp/err"
    rc=$?
    if [ $rc -eq 0 ] && python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["potential_description"] != open(sys.argv[2], encoding="utf-8", newline="").read())' "$tmp/json" "$tmp/desc.txt"; then
        pass "description with quotes, backslashes, control characters, UTF-8 round-trips through the JSON"
    else fail "description escaping: exit $rc"; show "$tmp/err"; fi
    "$bin" -q "$xyz" "$tmp/desc.bin" >"$tmp/out" 2>&1
    if [ "$(grep -c 'say "hi"' "$tmp/out")" -eq 1 ] && grep 'say "hi"' "$tmp/out" | grep -q 'newline'; then
        pass "description kept on one line in the table"
    else fail "description broke the table header"; fi
fi

# ---- help, version, warnings ------------------------------------------------
if "$bin" --help >"$tmp/out" 2>"$tmp/err" && grep -q '^Usage: nnvib' "$tmp/out" && grep -q 'Exit status' "$tmp/out" && [ ! -s "$tmp/err" ]; then
    pass "--help"
else fail "--help"; fi
if "$bin" -V >"$tmp/out" 2>&1 && grep -q '^nnvib [0-9]' "$tmp/out"; then pass "-V: $(cat "$tmp/out")"; else fail "-V"; fi
"$bin" "$xyz" "$w" >"$tmp/out" 2>"$tmp/err"
if grep -q 'not a stationary point' "$tmp/err" && grep -q 'not a stationary point' "$tmp/out"; then
    pass "non-stationary geometry warned on stderr and in the table"
else fail "no stationary-point warning for case000 (random geometry)"; fi
if "$bin" -q "$xyz" "$w" >"$tmp/out" 2>"$tmp/err" && [ ! -s "$tmp/err" ]; then pass "-q: nothing on stderr"; else fail "-q: stderr not empty"; show "$tmp/err"; fi
"$bin" --json "$conf/case012/molecule.xyz" "$conf/case012/weights.bin" >"$tmp/out" 2>"$tmp/err"
if [ "$(grep -c 'outside' "$tmp/err")" -ge 1 ] && [ "$(grep -v ': warning: reliability ' "$tmp/err" | grep -c 'symmetry-function value')" -eq 1 ]; then
    pass "extrapolation summarised once on stderr"
else fail "extrapolation warnings not summarised once"; show "$tmp/err" 10; fi
# 12 isolated O atoms extrapolate 12 times as often as one: the summary gives
# the total, lists at most 10 and says how many more
printf '1\none O\nO 0 0 0\n' >"$tmp/one.xyz"
{ echo 12; echo "12 isolated O"; for i in 0 1 2 3 4 5 6 7 8 9 10 11; do echo "O $((i * 20)) 0 0"; done; } >"$tmp/many.xyz"
"$bin" "$tmp/one.xyz" "$w" >/dev/null 2>"$tmp/err1"
"$bin" "$tmp/many.xyz" "$w" >"$tmp/out" 2>"$tmp/err"
one=$(sed -n 's/^nnvib: warning: \([0-9]*\) symmetry-function value.*/\1/p' "$tmp/err1")
many=$(sed -n 's/^nnvib: warning: \([0-9]*\) symmetry-function value.*/\1/p' "$tmp/err")
if [ -n "$one" ] && [ "$one" -ge 1 ] && [ "$many" = "$((12 * one))" ] && [ "$(grep -c '^nnvib:   atom' "$tmp/err")" -eq 10 ] \
    && grep -q "^nnvib:   \.\.\. and $((12 * one - 10)) more" "$tmp/err" && grep -q "and $((12 * one - 10)) more" "$tmp/out"; then
    pass "extrapolation: $many warnings summarised in 10 lines and '... and $((many - 10)) more'"
else fail "extrapolation summary of 12 isolated atoms (one atom: '$one', twelve: '$many')"; show "$tmp/err" 14; fi

# ---- bad input: exit statuses and one-line errors ---------------------------
expect_error 3 "nonexistent molecule file" "$tmp/no-such.xyz" "$w"
expect_error 3 "nonexistent weights file" "$xyz" "$tmp/no-such.bin"
: >"$tmp/empty.xyz"
expect_error 3 "empty xyz" "$tmp/empty.xyz" "$w"
printf '5\ncomment\nO 0 0 0\nH 0 0 1\n' >"$tmp/count.xyz"
expect_error 3 "atom count larger than the atoms given" "$tmp/count.xyz" "$w"
printf 'three\ncomment\nO 0 0 0\nH 0 0 1\nH 0 1 0\n' >"$tmp/count2.xyz"
expect_error 3 "atom count not a number" "$tmp/count2.xyz" "$w"
printf '3\ncomment\nO 0 0 0\nXq 0 0 1\nH 0 1 0\n' >"$tmp/elem.xyz"
expect_error 3 "unknown element" "$tmp/elem.xyz" "$w"
printf '3\ncomment\nO 0 0 0\nH 0 0 abc\nH 0 1 0\n' >"$tmp/coord.xyz"
expect_error 3 "bad coordinate" "$tmp/coord.xyz" "$w"
expect_error 3 "element missing from the potential" "$conf/invalid/missing_element.xyz" "$w"
for b in "$conf"/invalid/*.bin; do
    expect_error 3 "invalid weights $(basename "$b")" "$xyz" "$b"
done
expect_error 2 "unknown option" --bogus "$xyz" "$w"
expect_error 2 "unknown short option" -x "$xyz" "$w"
expect_error 2 "option missing its argument" "$xyz" "$w" --frame
expect_error 2 "flag given a value" --json=yes "$xyz" "$w"
expect_error 2 "one positional argument" "$xyz"
expect_error 2 "three positional arguments" "$xyz" "$w" "$w"
expect_error 2 "--fd-step abc" --fd-step abc "$xyz" "$w"
expect_error 2 "--fd-step 0" --fd-step 0 "$xyz" "$w"
expect_error 2 "--fd-step=0.1" --fd-step=0.1 "$xyz" "$w"
# The Hessian budget is the program's environment variable (docs/limits.md);
# the library reads no environment, the program passes the value down.
NNVIB_MAX_HESSIAN_MB=0.00001 "$bin" "$xyz" "$w" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 1 ] && [ "$(wc -l <"$tmp/err" | tr -d ' ')" -eq 1 ] && grep -q 'NNVIB_MAX_HESSIAN_MB' "$tmp/err" &&
    [ ! -s "$tmp/out" ]; then
    pass "NNVIB_MAX_HESSIAN_MB=0.00001: exit 1, $(cat "$tmp/err")"
else
    fail "NNVIB_MAX_HESSIAN_MB=0.00001: exit $rc (expected 1)"
    show "$tmp/err"
fi
if NNVIB_MAX_HESSIAN_MB=abc "$bin" "$xyz" "$w" >"$tmp/out" 2>"$tmp/err"; then
    pass "NNVIB_MAX_HESSIAN_MB=abc: ignored, the default budget"
else
    fail "NNVIB_MAX_HESSIAN_MB=abc: exit $? (expected 0)"
    show "$tmp/err"
fi
expect_error 2 "--fd-step nan" --fd-step nan "$xyz" "$w"
expect_error 2 "--fd-step 1e-3x" --fd-step 1e-3x "$xyz" "$w"
expect_error 2 "--frame 0" --frame 0 "$xyz" "$w"
expect_error 2 "--frame 1.5" --frame 1.5 "$xyz" "$w"
expect_error 2 "--linear maybe" --linear maybe "$xyz" "$w"
expect_error 2 "--hessian numeric" --hessian numeric "$xyz" "$w"
expect_error 2 "--charge inf" --charge inf "$xyz" "$w"
expect_error 2 "--opt-steps 0" --opt-steps 0 "$xyz" "$w"
expect_error 2 "--opt-fmax -1" --opt-fmax -1 "$xyz" "$w"
expect_error 2 "--mass without =" --mass 2 "$xyz" "$w"
expect_error 2 "--mass 0=2" --mass 0=2 "$xyz" "$w"
expect_error 2 "--mass 1=-1" --mass 1=-1 "$xyz" "$w"
expect_error 3 "--mass index beyond the atoms" --mass 4=2.014 "$xyz" "$w"
expect_error 3 "--frame beyond the file" --frame 2 "$xyz" "$w"

# ---- -o: all or nothing -------------------------------------------------------
expect_error 5 "-o into a nonexistent folder" -o "$tmp/no-such-dir/out.txt" "$xyz" "$w"
if [ ! -e "$tmp/no-such-dir" ]; then pass "-o nonexistent folder: nothing created"; else fail "-o nonexistent folder: something created"; fi
mkdir "$tmp/ro"
chmod a-w "$tmp/ro"
if touch "$tmp/ro/probe" 2>/dev/null; then
    rm -f "$tmp/ro/probe"
    echo "# skipped: read-only folder is writable here (running as root?)"
else
    expect_error 5 "-o into a read-only folder" -q --output "$tmp/ro/out.json" --json "$xyz" "$w"
    if [ -z "$(ls -A "$tmp/ro")" ]; then pass "-o read-only folder: no file left behind"; else fail "-o read-only folder: left $(ls -A "$tmp/ro")"; fi
fi
chmod u+w "$tmp/ro"
: >"$tmp/plain"
expect_error 5 "-o below a plain file" -q -o "$tmp/plain/out.txt" "$xyz" "$w"
mkdir "$tmp/isdir"
expect_error 5 "-o naming a folder" -q -o "$tmp/isdir" "$xyz" "$w"
if [ "$(find "$tmp" \( -name '.nnvib-*' -o -name '*.tmp??????' \) | wc -l)" -eq 0 ]; then pass "-o failure leaves no temporary file"
else fail "-o failure left a temporary file"; fi
# Regression: an output path that is a device or pipe is written in place. A
# rename of the temporary file over it once replaced /dev/null (run as root)
# with a plain file; a FIFO stands in for /dev/null so a relapse harms nothing.
if command -v mkfifo >/dev/null 2>&1 && mkfifo "$tmp/fifo"; then
    timeout 30 cat "$tmp/fifo" >"$tmp/fifo.out" &
    reader=$!
    "$bin" -q "$xyz" "$w" -o "$tmp/fifo" 2>"$tmp/err"
    rc=$?
    wait $reader
    if [ $rc -eq 0 ] && [ -p "$tmp/fifo" ] && grep -q "frequency" "$tmp/fifo.out"; then
        pass "-o onto a FIFO: written in place, still a FIFO"
    else fail "-o onto a FIFO: exit $rc, FIFO kept: $([ -p "$tmp/fifo" ] && echo yes || echo no)"; show "$tmp/err"; fi
    rm -f "$tmp/fifo"
    if mkfifo "$tmp/fifo"; then
        timeout 30 cat "$tmp/fifo" >/dev/null &
        reader=$!
        "$bin" -q "$xyz" "$w" --molden "$tmp/fifo" >/dev/null 2>"$tmp/err"
        rc=$?
        wait $reader
        if [ $rc -eq 0 ] && [ -p "$tmp/fifo" ]; then pass "--molden onto a FIFO: still a FIFO"
        else fail "--molden onto a FIFO: exit $rc"; show "$tmp/err"; fi
        rm -f "$tmp/fifo"
    fi
fi
if [ -w /dev/full ]; then
    "$bin" -q "$xyz" "$w" >/dev/full 2>"$tmp/err"
    rc=$?
    if [ $rc -eq 5 ] && [ "$(wc -l <"$tmp/err" | tr -d ' ')" -eq 1 ]; then pass "stdout on /dev/full: exit 5, one line"
    else fail "stdout on /dev/full: exit $rc"; show "$tmp/err"; fi
fi
mkdir "$tmp/outdir"
"$bin" -q --json "$xyz" "$w" >"$tmp/stdout.json" 2>/dev/null
"$bin" -q --json -o "$tmp/outdir/r.json" "$xyz" "$w" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && [ ! -s "$tmp/out" ] && cmp -s "$tmp/stdout.json" "$tmp/outdir/r.json" && [ "$(ls -A "$tmp/outdir")" = "r.json" ]; then
    pass "-o writes the complete report (same bytes as stdout), nothing else"
else fail "-o: exit $rc, file differs from stdout or extra files: $(ls -A "$tmp/outdir")"; fi
"$bin" -q -o"$tmp/outdir/r.txt" "$xyz" "$w" >/dev/null 2>&1
"$bin" -q "$xyz" "$w" >"$tmp/stdout.txt" 2>/dev/null
if cmp -s "$tmp/stdout.txt" "$tmp/outdir/r.txt"; then pass "-oFILE writes the table"; else fail "-oFILE table differs from stdout"; fi

echo "1..$n"
if [ $fails -ne 0 ]; then
    echo "FAIL: $fails of $n CLI tests failed"
    exit 1
fi
echo "PASS: all $n CLI tests"
exit 0
