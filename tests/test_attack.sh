#!/bin/sh
# Regression tests for the holes found by attacking the programs (issue 19,
# section 3) and the guards where the physics breaks (section 2): output files
# through links, descriptors and over inputs, their modes and signals, the
# readers' edges, the messages, and the guards of --opt, md and the options.
# Env (set by make check): NNVIB_BIN, NNVIB_SRCDIR. Exit 77 = skipped.
set -u

bin=${NNVIB_BIN:-./nnvib}
src=${NNVIB_SRCDIR:-.}
pot=$src/weights/hcno-tanh.bin
mol=$src/molecules
if [ ! -x "$bin" ]; then
    echo "FAIL: program '$bin' not found or not executable (set NNVIB_BIN)"
    exit 1
fi
if [ ! -r "$pot" ] || [ ! -r "$mol/water.xyz" ]; then
    echo "SKIP: no shipped potential or molecules under NNVIB_SRCDIR='$src'"
    exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nnvib-attack.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP
cp "$mol/water.xyz" "$tmp/water.xyz" && cp "$pot" "$tmp/w.bin" || exit 1
cd "$tmp" || exit 1

n=0
fails=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
show() { sed 's/^/#   /' "$1" | head -n "${2:-5}"; }

# expect STATUS PATTERN DESCRIPTION ARGS...: nnvib ARGS must exit with STATUS
# and its stderr must match the extended regular expression PATTERN.
expect() {
    want=$1 pat=$2 desc=$3
    shift 3
    "$bin" "$@" >out.txt 2>err.txt
    got=$?
    if [ "$got" -eq "$want" ] && { [ -z "$pat" ] || grep -Eq -- "$pat" err.txt; }; then pass "$desc (exit $got)"; else
        fail "$desc: exit $got (expected $want), stderr not matching /$pat/"
        show err.txt
    fi
}
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }

# ---- output files -------------------------------------------------------------
echo old >real.txt
chmod 600 real.txt
ln -s real.txt link.txt
"$bin" -q -o link.txt water.xyz w.bin
check "-o through a symbolic link writes its target, the link stays" \
    '[ -L link.txt ] && grep -q "vibrational modes" real.txt'
check "a replaced file keeps its mode (0600)" '[ "$(stat -c %a real.txt)" = 600 ]'
echo old >private.txt
chmod 640 private.txt
"$bin" -q -o private.txt water.xyz w.bin
check "-o over a 0640 file keeps 0640" '[ "$(stat -c %a private.txt)" = 640 ] && grep -q "vibrational modes" private.txt'
ln -s new.txt dangling.txt
"$bin" -q -o dangling.txt water.xyz w.bin
check "-o through a dangling link creates its target" '[ -L dangling.txt ] && [ -s new.txt ]'
check "a new file is 0644" '[ "$(stat -c %a new.txt)" = 644 ]'
echo first >app.txt
{ echo second; "$bin" -q -o /dev/stdout water.xyz w.bin; } >>app.txt
check "-o /dev/stdout appends at the shell's offset (nothing before it lost)" \
    '[ "$(head -n 2 app.txt | tr "\n" " ")" = "first second " ] && grep -q "vibrational modes" app.txt'
"$bin" -q -o /proc/self/fd/1 water.xyz w.bin >fd.txt
check "-o /proc/self/fd/1 writes to standard output" 'grep -q "vibrational modes" fd.txt'
if command -v mkfifo >/dev/null 2>&1 && mkfifo fifo; then
    cat fifo >fifo.txt &
    "$bin" -q -o fifo water.xyz w.bin
    wait
    check "-o FIFO is written in place" '[ -p fifo ] && grep -q "vibrational modes" fifo.txt'
fi
check "no temporary file left" '! ls | grep -q "\.tmp"'

# ---- an output over an input or over another output: usage error, nothing written
cmp w.bin "$pot" || fail "setup: w.bin differs from the shipped potential"
expect 2 "--extxyz w.bin: the same file as the potential" "--extxyz over the potential refused" \
    --extxyz w.bin water.xyz w.bin
check "the potential is untouched" 'cmp -s w.bin "$pot"'
expect 2 "the same file as the molecule" "-o over the molecule refused" -o water.xyz water.xyz w.bin
ln -s water.xyz alias.xyz
expect 2 "the same file as the molecule" "-o over the molecule through a link refused" -o alias.xyz water.xyz w.bin
expect 2 "--cml X: the same file as -o" "-o X --cml X refused" -o X --cml X water.xyz w.bin
check "X not written" '[ ! -e X ]'
expect 2 "--traj water.xyz: the same file as the molecule" "md --traj over the molecule refused" \
    md --traj water.xyz water.xyz w.bin
expect 2 "-o w.bin: the same file as the input" "convert -o over its input refused" convert --member 1 w.bin -o w.bin
check "the molecule is untouched" 'cmp -s water.xyz "$mol/water.xyz"'
expect 0 "" "-o /dev/null --cml /dev/null is allowed (devices are written in place)" \
    -q -o /dev/null --cml /dev/null water.xyz w.bin

# ---- SIGTERM / SIGINT remove the temporary file ---------------------------------
# wait_tmp PREFIX: wait (up to 20 s) for PREFIX.tmp* to exist.
wait_tmp() {
    k=0
    while [ $k -lt 200 ] && ! ls | grep -q "^$1\.tmp"; do sleep 0.1; k=$((k + 1)); done
}
"$bin" md water.xyz w.bin --steps 10000000 --traj traj.xyz >/dev/null 2>&1 &
pid=$!
wait_tmp traj.xyz
kill -TERM $pid
wait $pid
rc=$?
check "SIGTERM during md --traj: killed by the signal (status $rc), no trajectory, no temporary" \
    '[ $rc -eq 143 ] && ! ls | grep -q "^traj\.xyz"'
# The report is opened before the molecule is read: a FIFO nobody writes keeps
# the program waiting with its temporary file open.
mkfifo molfifo
"$bin" -o report.txt molfifo w.bin >/dev/null 2>&1 &
pid=$!
wait_tmp report.txt
kill -INT $pid
wait $pid
rc=$?
check "SIGINT during -o: killed by the signal (status $rc), no report, no temporary" \
    '[ $rc -eq 130 ] && ! ls | grep -q "^report\.txt"'

# ---- readers and messages -------------------------------------------------------
printf '3\nProperties=species:S:1:Z:I:1:pos:R:3\nO 8 0 0 0.1173\nH 1 0 0.757 -0.469\nH 1 0 -0.757 -0.469\n' >props.xyz
printf '3\nx\nO 0 0 0.1173\nH 0 0.757 -0.469\nH 0 -0.757 -0.469\n' >plain.xyz
"$bin" -q --json props.xyz w.bin >a.json && "$bin" -q --json plain.xyz w.bin >b.json
check "Properties= with a Z column: read as the plain file (same energy)" \
    '[ "$(grep -o "\"energy\": [^,]*" a.json | head -n 1)" = "$(grep -o "\"energy\": [^,]*" b.json | head -n 1)" ] && [ -s a.json ]'
printf '3\npbc="T T T" Lattice="9 0 0 0 9 0 0 0 9"\nO 0 0 0.1173\nH 0 0.757 -0.469\nH 0 -0.757 -0.469\n' >cell.xyz
expect 3 "periodic systems are not supported yet" "a periodic cell is refused" cell.xyz w.bin
expect 3 "/dev/zero: byte offset 0: a NUL byte: not a text file" "/dev/zero as molecule fails at once" \
    /dev/zero w.bin
expect 3 "field 'magic'" "/dev/zero as potential fails at once" water.xyz /dev/zero
mkdir folder
expect 3 "folder: a folder, not a file" "a folder as molecule says so" folder w.bin
expect 2 "w.bin is a potential .* swap them: water.xyz w.bin" "swapped arguments explained" w.bin water.xyz
expect 2 "batch takes the potential first" "batch's order explained" batch water.xyz w.bin
printf '1\nsilicon\nSi 0 0 0\n' >si.xyz
expect 3 "si.xyz: atom 1 is Si, an element the potential w.bin does not have \(it has H C N O\)" \
    "a missing element names the potential and its elements" si.xyz w.bin
expect 0 "" "--qrrho 100 works like --qrrho=100" -q --qrrho 100 water.xyz w.bin
check "--qrrho 100 used the cutoff 100" 'grep -q "below ~100 cm" out.txt'
printf '2\nfar apart\nH 0 0 0\nH 0 0 20\n' >far.xyz
expect 0 "" "smoothness on a path outside every cutoff" smoothness -q far.xyz w.bin
check "smoothness prints no nan and says why there is no ratio" '! grep -qi nan out.txt && grep -q "so no ratio" out.txt'
if [ -r "$src/tests/data/n2p2/scrambled/input.nn" ]; then
    expect 0 "but Hartree was given explicitly" "the n2p2 unit override warning names the energy unit" \
        convert --info --energy-unit hartree "$src/tests/data/n2p2/scrambled"
fi

# ---- guards where the physics breaks ---------------------------------------------
relu=$src/weights/hcno-relu.bin
rnd=$src/weights/test-CH-softplus-random.bin
if [ -r "$relu" ]; then
    expect 6 "--opt: stalled after [0-9]+ steps: no progress in 100 steps" \
        "--opt on ReLU stops when it stalls, not after 100000 steps" -q --opt --opt-steps 100000 "$mol/methanol.xyz" "$relu"
fi
expect 2 "--opt-steps" "--opt-steps 10000000 refused" --opt --opt-steps 10000000 water.xyz w.bin
if [ -r "$rnd" ]; then
    expect 4 "--opt: atoms 1 \(C\) and 2 \(C\) came .* closer than 0.1 A" \
        "--opt where atoms fall together: an error, no table" --opt "$mol/ethane.xyz" "$rnd"
    check "... and nothing on stdout" '[ ! -s out.txt ]'
    expect 4 "md: step [0-9]+ .*temperature .* far above the start.*trajectory up to that step .* is in ethane-md.xyz" \
        "md that heats up by falling together stops" md "$mol/ethane.xyz" "$rnd" --steps 2000 --traj ethane-md.xyz
    check "... and keeps the trajectory so far" '[ "$(grep -c Properties= ethane-md.xyz)" -ge 2 ]'
fi
if [ -r "$relu" ]; then
    expect 0 "" "md of methanol on ReLU (23 meV/ps drift) stays within the guard" \
        md -q "$mol/methanol.xyz" "$relu" --steps 400
fi
expect 2 "--fd-step: expected a step from 1e-5" "--fd-step 1e-300 refused" --fd-step 1e-300 water.xyz w.bin
expect 2 "--mass: expected INDEX=MASS" "--mass 1=1e-300 refused" --mass 1=1e-300 water.xyz w.bin
expect 2 "--charge: expected a total charge in e from -100 to 100" "--charge 1e308 refused" --charge 1e308 water.xyz w.bin
expect 0 "--charge 1: .*IR intensities are not meaningful" "--charge 1 warns about the IR intensities" \
    --charge 1 water.xyz w.bin
awk 'NR <= 2 { print; next } { printf "%s %.17g %.17g %.17g\n", $1, $2 + 1e15, $3 + 1e15, $4 + 1e15 }' water.xyz >far15.xyz
expect 3 "too far from the origin" "water shifted by 1e15 A refused (it gave 1639/3389/3423 cm-1)" far15.xyz w.bin
awk 'NR <= 2 { print; next } { printf "%s %.17g %.17g %.17g\n", $1, $2 + 1e6, $3 + 1e6, $4 + 1e6 }' water.xyz >far6.xyz
"$bin" -q far6.xyz w.bin | awk '$1 ~ /^[123]$/ && NF == 6 && $2 ~ /^[0-9.]+$/ { printf "%s ", $2 }' >far6.txt
"$bin" -q water.xyz w.bin | awk '$1 ~ /^[123]$/ && NF == 6 && $2 ~ /^[0-9.]+$/ { printf "%s ", $2 }' >near.txt
check "water shifted by 1e6 A: the same frequencies to 0.01 cm-1 ($(cat far6.txt))" \
    'awk "NR == FNR { for (i = 1; i <= NF; i++) a[i] = \$i; next } { for (i = 1; i <= NF; i++) if ((\$i - a[i]) > 0.01 || (a[i] - \$i) > 0.01) bad = 1 } END { exit bad || NF != 3 }" near.txt far6.txt'

if [ "$fails" -gt 0 ]; then echo "# $fails of $n failed"; exit 1; fi
echo "# all $n passed"
