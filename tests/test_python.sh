#!/bin/sh
# The Python package (python/nnvib) on the freshly built libnnvib: struct
# layouts against the C headers, the program's numbers, errors, and ASE's own
# Vibrations on water (tests/python/check_nnvib.py). Exit 77 (skip) when no
# python3 with NumPy and ASE is found (Debian: python3-numpy, python3-ase).
set -u
BIN=${NNVIB_BIN:-./nnvib}
SRC=${NNVIB_SRCDIR:-.}
BUILD=${NNVIB_BUILDDIR:-.}

PY=
for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import numpy, ase.vibrations' 2>/dev/null; then
        PY=$p
        break
    fi
done
if [ -z "$PY" ]; then
    echo "SKIP: no python3 with NumPy and ASE (Debian: python3-numpy python3-ase)"
    exit 77
fi
NNVIB_LIBRARY="$BUILD/.libs/libnnvib.so"
if [ ! -f "$NNVIB_LIBRARY" ]; then
    echo "FAIL: $NNVIB_LIBRARY not built"
    exit 1
fi
export NNVIB_LIBRARY
# A library built with --enable-sanitizers cannot be loaded into python3
# without preloading the ASan runtime (the interpreter is not instrumented);
# the normal build runs these checks.
if ldd "$NNVIB_LIBRARY" 2>/dev/null | grep -q libasan; then
    echo "SKIP: libnnvib is built with AddressSanitizer; python3 cannot load it (the normal build runs this test)"
    exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nnvib-py.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
# One BLAS/OpenMP thread: the machine is shared, and the numbers do not need more.
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 PYTHONPATH="$SRC/python" PYTHONDONTWRITEBYTECODE=1 \
    "$PY" "$SRC/tests/python/check_nnvib.py" "$SRC" "$BIN" "${CC:-cc}" "$tmp"
