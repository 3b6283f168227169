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
    if [ "$got" -eq "$want" ] && grep -Eq -- "$pat" err.txt; then pass "$desc (exit $got)"; else
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

if [ "$fails" -gt 0 ]; then echo "# $fails of $n failed"; exit 1; fi
echo "# all $n passed"
