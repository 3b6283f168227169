#!/bin/sh
# The SVG plot writer (src/plot_svg.c): its output must be well-formed XML
# that xmllint accepts, carry the legend labels (escaped) and hold no NaN.
set -u
bin="${NNVIB_BUILDDIR:-.}/tests/svg_sample"
if ! command -v xmllint >/dev/null 2>&1; then
    echo "test_plot_svg: SKIP: xmllint not found (Debian package libxml2-utils)"
    exit 77
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
for mode in two single; do
    out="$tmp/$mode.svg"
    "$bin" "$out" $mode || { echo "FAIL: svg_sample $mode exited $?"; fail=1; continue; }
    xmllint --noout "$out" || { echo "FAIL: xmllint rejects $mode.svg"; fail=1; }
    # the root is an SVG 1.1 element in the SVG namespace
    root=$(xmllint --xpath 'name(/*)' "$out" 2>/dev/null)
    [ "$root" = "svg" ] || { echo "FAIL: $mode.svg: root element '$root'"; fail=1; }
    grep -q 'version="1.1"' "$out" || { echo "FAIL: $mode.svg: no version=\"1.1\""; fail=1; }
    for label in 'measured &lt;NIST&gt; &amp; &quot;gas&quot;' 'sticks &#39;km/mol&#39;' 'tanh ν-scaled'; do
        grep -qF "$label" "$out" || { echo "FAIL: $mode.svg: legend label '$label' missing"; fail=1; }
    done
    if grep -Eqi '(^|[^a-z])(nan|inf)([^a-z]|$)' "$out"; then echo "FAIL: $mode.svg contains nan/inf"; fail=1; fi
done
# the second panel (two-panel figure only) and its non-UTF-8 byte, shown as '?'
grep -qF 'relu bad byte ? end' "$tmp/two.svg" || { echo "FAIL: bad byte not replaced"; fail=1; }
grep -qF 'relu bad byte' "$tmp/single.svg" && { echo "FAIL: single.svg shows panel 2"; fail=1; }
[ "$(grep -c '<clipPath' "$tmp/two.svg")" = 2 ] || { echo "FAIL: two.svg: not 2 panels"; fail=1; }
# a write into a missing folder fails and leaves nothing behind
if "$bin" "$tmp/missing/x.svg" 2>/dev/null; then echo "FAIL: wrote into a missing folder"; fail=1; fi
[ $fail = 0 ] && echo "test_plot_svg: ok"
exit $fail
