#!/bin/sh
# JCAMP-DX output read by an independent reader: npm `jcampconverter` (run with
# node, installed from the npm registry into a temporary folder) must parse
# `nnvib --jcamp` and `--jcamp-peaks` files of methane (test potential, with
# charge networks) into the grid, NPOINTS, first/last X and Y that the header
# states, and into the spectrum recomputed here in Python from the JSON
# frequencies and intensities with the textbook band shapes.
# Exit 77 (skip) when node, npm or python3 is missing or npm cannot install.
set -u
BIN=${NNVIB_BIN:-./nnvib}
SRC=${NNVIB_SRCDIR:-.}
MOL="$SRC/molecules/methane.xyz"
POT="$SRC/weights/test-CH-softplus-random.bin"

for tool in node npm python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "SKIP: $tool not found (Debian: nodejs npm python3)"
        exit 77
    fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nnvib-jcamp.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

if ! (cd "$tmp" && timeout 300 npm install --prefix "$tmp" --no-audit --no-fund \
        --no-package-lock --loglevel=error jcampconverter@12 >"$tmp/npm.log" 2>&1); then
    echo "SKIP: npm install jcampconverter failed (no network to the npm registry?):"
    tail -5 "$tmp/npm.log"
    exit 77
fi

fail=0
for shape in lorentzian gaussian; do
    fwhm=10
    [ "$shape" = gaussian ] && fwhm=20
    if ! "$BIN" -q --opt --json --lineshape "$shape" --fwhm "$fwhm" --jcamp "$tmp/$shape.jdx" \
            --jcamp-peaks "$tmp/peaks.jdx" -o "$tmp/$shape.json" "$MOL" "$POT"; then
        echo "FAIL: nnvib exited with $? for $shape"
        fail=1
        continue
    fi
    # jcampconverter's view of both files, as JSON.
    if ! NODE_PATH="$tmp/node_modules" node -e '
        const { convert } = require("jcampconverter");
        const fs = require("fs");
        const out = {};
        for (const [k, f] of [["xy", process.argv[1]], ["peaks", process.argv[2]]]) {
            const e = convert(fs.readFileSync(f, "utf8")).flatten[0];
            const s = e.spectra[0];
            out[k] = { x: s.data.x, y: s.data.y, firstX: s.firstX, lastX: s.lastX,
                       nbPoints: s.nbPoints, firstY: s.firstY, dataType: e.dataType,
                       xUnits: s.xUnits, yUnits: s.yUnits, bytes: fs.statSync(f).size };
        }
        fs.writeFileSync(process.argv[3], JSON.stringify(out));
    ' "$tmp/$shape.jdx" "$tmp/peaks.jdx" "$tmp/$shape.read.json" 2>"$tmp/node.log"; then
        echo "FAIL: jcampconverter could not read the files:"
        cat "$tmp/node.log"
        fail=1
        continue
    fi
    python3 - "$tmp/$shape.json" "$tmp/$shape.read.json" "$shape" "$fwhm" <<'EOF' || fail=1
import json, math, sys
ours = json.load(open(sys.argv[1]))
read = json.load(open(sys.argv[2]))
shape, fwhm = sys.argv[3], float(sys.argv[4])
nu, inten = ours["frequencies_cm1"], ours["ir_intensities_km_mol"]
ok = True
def check(cond, what):
    global ok
    if not cond:
        ok = False
        print("FAIL:", shape, what)

xy = read["xy"]
x, y = xy["x"], xy["y"]
n = len(x)
check(xy["nbPoints"] == n, "NPOINTS %s != %d values read" % (xy["nbPoints"], n))
check(x[0] == xy["firstX"] and x[-1] == xy["lastX"], "first/last X differ from FIRSTX/LASTX")
check(abs(y[0] - xy["firstY"]) <= 1e-9 * max(1.0, abs(y[0])), "first Y differs from FIRSTY")
check(xy["xUnits"] == "1/CM", "XUNITS %s" % xy["xUnits"])
check(xy["bytes"] >= 400 and read["peaks"]["bytes"] >= 400, "a file under 400 bytes")
# The grid: 1 cm-1 spacing, covering 400-4000 and every band +- 10 FWHM.
check(all(abs((x[i + 1] - x[i]) - 1.0) < 1e-9 for i in range(n - 1)), "spacing is not 1 cm-1")
lo = min([400.0] + [v - 10 * fwhm for v in nu if v > 0])
hi = max([4000.0] + [v + 10 * fwhm for v in nu if v > 0])
check(x[0] <= max(lo, 0) and x[-1] >= hi, "grid %g..%g does not cover %g..%g" % (x[0], x[-1], lo, hi))
# Y recomputed from the stick spectrum with the textbook area-normalised shapes.
def band(x0, xx):
    d = xx - x0
    if shape == "gaussian":
        s = fwhm / (2 * math.sqrt(2 * math.log(2)))
        return math.exp(-d * d / (2 * s * s)) / (s * math.sqrt(2 * math.pi))
    g = fwhm / 2
    return g / math.pi / (d * d + g * g)
ref = [sum(I * band(v, xx) for v, I in zip(nu, inten) if v > 0) for xx in x]
ymax = max(ref)
err = max(abs(a - b) for a, b in zip(y, ref))
check(err <= 1e-6 * ymax, "Y differs from the recomputed spectrum by %.3g (max %.3g)" % (err, ymax))
# Trapezoid integral = sum of intensities, less the band tails beyond the grid.
integ = sum((y[i] + y[i + 1]) / 2 * (x[i + 1] - x[i]) for i in range(n - 1))
def inside(v):
    a, b = x[0] - v, x[-1] - v
    if shape == "gaussian":
        s = fwhm / (2 * math.sqrt(2 * math.log(2))) * math.sqrt(2)
        return 0.5 * (math.erf(b / s) - math.erf(a / s))
    g = fwhm / 2
    return (math.atan(b / g) - math.atan(a / g)) / math.pi
expect = sum(I * inside(v) for v, I in zip(nu, inten) if v > 0)
check(abs(integ - expect) <= 1e-4 * sum(inten), "integral %.8g != %.8g" % (integ, expect))
check(abs(integ - sum(inten)) <= 5e-3 * sum(inten), "integral %.8g far from sum %.8g" % (integ, sum(inten)))

pk = read["peaks"]
real = sorted((v, I) for v, I in zip(nu, inten) if v > 0)
check(pk["nbPoints"] == len(real) == len(pk["x"]), "peak count %s != %d" % (pk["nbPoints"], len(real)))
check(pk["yUnits"] == "KM/MOL", "peak YUNITS %s" % pk["yUnits"])
check(all(abs(a - v) < 1e-6 for a, (v, I) in zip(pk["x"], real)), "peak positions differ")
check(all(abs(b - I) <= 1e-9 * max(1.0, I) for b, (v, I) in zip(pk["y"], real)), "peak intensities differ")
print("%s: jcampconverter read NPOINTS=%d X %g..%g, first Y %.6g, last Y %.6g; max |Y - ref| = %.2g "
      "(max Y %.4g); integral %.6f of sum %.6f km/mol; %d peaks" %
      (shape, n, x[0], x[-1], y[0], y[-1], err, ymax, integ, sum(inten), len(pk["x"])))
sys.exit(0 if ok else 1)
EOF
done

# A file that cannot be written: exit status 5 (docs/exit-status.md), nothing left behind.
"$BIN" -q --jcamp "$tmp/no/such/dir/x.jdx" "$MOL" "$POT" >/dev/null 2>"$tmp/err.txt"
st=$?
if [ $st -ne 5 ] || [ -e "$tmp/no/such/dir/x.jdx" ]; then
    echo "FAIL: --jcamp into a missing folder: exit $st (expected 5)"
    cat "$tmp/err.txt"
    fail=1
fi
exit $fail
