#!/bin/sh
# Curvature labels (hvp_probe_K, hvp_K) as ASE sees them: a file written by the
# training writer (ds_write, through tests/test_dataset_io --write-hvp) and one
# written by nnvib-sample --hvp-probes read with ase.io.read(f, index=':');
# atoms.arrays['hvp_probe_k'] and ['hvp_k'] must be the values written (bit for
# bit for ds_write's %.17g; for nnvib-sample, the numbers of its own columns),
# and energies, forces and positions must still reach ASE.
# Exit 77 (skip) without python3-ase; the nnvib-sample part is skipped without
# nnvib-sample (configure found no libxtb).
set -u
SRC=${NNVIB_SRCDIR:-.}
BUILD=${NNVIB_BUILDDIR:-.}
PY=
for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import ase.io' 2>/dev/null; then PY=$p; break; fi
done
if [ -z "$PY" ]; then
    echo "SKIP: no python3 with ASE (Debian: python3-ase)"
    exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nnvib-hvp-ase.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# 1. The training writer: compare with the exact values it wrote beside.
if ! "$BUILD/tests/test_dataset_io" --write-hvp "$tmp/set.extxyz"; then
    fail "test_dataset_io --write-hvp"
elif out=$("$PY" - "$tmp/set.extxyz" <<'EOF' 2>&1
import sys, ase.io
import numpy as np
frames = ase.io.read(sys.argv[1], index=':')
assert len(frames) == 4, len(frames)
want = {}
with open(sys.argv[1] + '.values') as f:
    for line in f:
        t = line.split()
        want.setdefault(int(t[0]), {})[int(t[1])] = [float(x) for x in t[2:]]
checked = 0
for i, a in enumerate(frames):
    labels = want.get(i, {})
    names = sorted(k for k in a.arrays if k.startswith('hvp'))
    assert names == sorted(['hvp_probe_%d' % k for k in labels] + ['hvp_%d' % k for k in labels]), (i, names)
    n3 = 3 * len(a)
    for k, v in labels.items():
        p, h = a.arrays['hvp_probe_%d' % k], a.arrays['hvp_%d' % k]
        assert p.shape == (len(a), 3) and h.shape == (len(a), 3), (p.shape, h.shape)
        assert np.array_equal(p.ravel(), np.array(v[:n3])), (i, k, 'probe')
        assert np.array_equal(h.ravel(), np.array(v[n3:])), (i, k, 'product')
        assert abs(np.linalg.norm(p) - 1.0) < 1e-12
        checked += 1
    assert a.get_forces().shape == (len(a), 3) and np.isfinite(a.get_potential_energy())
assert checked == 6, checked
print(checked)
EOF
); then
    echo "ds_write: ASE read $out labels, bit for bit"
else
    fail "ds_write file through ASE: $out"
fi

# 2. nnvib-sample's own file: ASE's arrays against the columns parsed here.
SAMPLE="$BUILD/nnvib-sample"
if [ -x "$SAMPLE" ]; then
    if ! OMP_NUM_THREADS=1 "$SAMPLE" --temperatures 600 --per-temperature 2 --per-mode 0 --scalings none \
            --hvp-probes 2 -o "$tmp/water.extxyz" "$SRC/molecules/water.xyz" 2>"$tmp/log"; then
        cat "$tmp/log"
        fail "nnvib-sample --hvp-probes 2 on water"
    elif out=$("$PY" - "$tmp/water.extxyz" <<'EOF' 2>&1
import sys, ase.io
import numpy as np
frames = ase.io.read(sys.argv[1], index=':')
lines = open(sys.argv[1]).read().splitlines()
assert len(frames) == 3, len(frames)
for i, a in enumerate(frames):
    head = lines[i * 5 + 1]
    assert 'Properties=species:S:1:pos:R:3:forces:R:3:hvp_probe_1:R:3:hvp_1:R:3:hvp_probe_2:R:3:hvp_2:R:3 ' in head, head
    cols = np.array([[float(x) for x in l.split()[1:]] for l in lines[i * 5 + 2:i * 5 + 5]])
    for k, c in (('positions', 0), ('hvp_probe_1', 6), ('hvp_1', 9), ('hvp_probe_2', 12), ('hvp_2', 15)):
        assert np.array_equal(a.arrays[k], cols[:, c:c + 3]), (i, k)
    assert np.array_equal(a.get_forces(), cols[:, 3:6])
    p1, p2 = a.arrays['hvp_probe_1'].ravel(), a.arrays['hvp_probe_2'].ravel()
    # Printed with 8 decimals: unit and orthogonal to that precision.
    assert abs(p1 @ p1 - 1) < 1e-7 and abs(p2 @ p2 - 1) < 1e-7 and abs(p1 @ p2) < 1e-7, (p1 @ p1, p2 @ p2, p1 @ p2)
print(len(frames))
EOF
); then
        echo "nnvib-sample: ASE read $out frames with two labels each"
    else
        fail "nnvib-sample file through ASE: $out"
    fi
else
    echo "note: nnvib-sample not built (no libxtb); its part skipped"
fi

[ "$fails" -eq 0 ] || exit 1
echo "PASS: curvature labels through ASE"
