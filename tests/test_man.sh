#!/bin/sh
# The man pages generated at build time (tools/help2man.sh, into man/) carry
# every option of their programs' --help, and of each nnvib subcommand's;
# groff reads them without a warning when it is installed.
set -u
BUILD=${NNVIB_BUILDDIR:-.}
SUBCOMMANDS="compare batch convert smoothness md pinn"
fail=0

# The options of one help text: every -x and --name in the option column.
options_of() {
    awk '/^  -/ { t = substr($0, 3); if (match(t, /   */)) t = substr(t, 1, RSTART - 1); print t }' |
        grep -oE -- '(^|[ ,])--?[A-Za-z0-9][A-Za-z0-9-]*' | sed 's/^[ ,]//' | sort -u
}

check_page() { # PAGE PROGRAM [SUBCOMMAND]
    page=$1
    shift
    if [ ! -s "$page" ]; then
        echo "FAIL: $page missing or empty"
        fail=1
        return
    fi
    text=$(sed 's/\\-/-/g; s/\\e/\\/g' "$page")
    n=0
    for o in $("$@" --help | options_of); do
        n=$((n + 1))
        if ! printf '%s\n' "$text" | grep -qF -e "$o"; then
            echo "FAIL: $page lacks $o of '$* --help'"
            fail=1
        fi
    done
    echo "ok: $page has the $n options of '$* --help'"
    [ "$n" -gt 0 ] || { echo "FAIL: no options found in '$* --help'"; fail=1; }
}

check_page "$BUILD/man/nnvib.1" "$BUILD/nnvib"
for sub in $SUBCOMMANDS; do
    check_page "$BUILD/man/nnvib.1" "$BUILD/nnvib" "$sub"
done
check_page "$BUILD/man/nnvib-train.1" "$BUILD/nnvib-train"
if [ -x "$BUILD/nnvib-sample" ]; then
    check_page "$BUILD/man/nnvib-sample.1" "$BUILD/nnvib-sample"
fi
# Every subcommand of `nnvib --help` has its section (a new one must be added
# to the page's list in Makefile.am).
for sub in $("$BUILD/nnvib" --help | sed -n 's/^       nnvib \([a-z]*\) .*/\1/p'); do
    if ! grep -q "^\.SH \"NNVIB $(echo "$sub" | tr a-z A-Z)\"" "$BUILD/man/nnvib.1"; then
        echo "FAIL: man/nnvib.1 has no section for 'nnvib $sub'"
        fail=1
    fi
done
if command -v groff >/dev/null 2>&1; then
    for page in "$BUILD"/man/*.1; do
        w=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
        if [ -n "$w" ]; then
            echo "FAIL: groff warns on $page: $w"
            fail=1
        fi
    done
fi
exit $fail
