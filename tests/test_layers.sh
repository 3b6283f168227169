#!/bin/sh
# The house plan holds on the built objects (docs/architecture.md): no call
# cycle between files, calls only down the layers, and the programs reach the
# library only through its nnv_ functions. Needs python3 and nm (skipped
# without them).
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found"; exit 77; }
command -v nm >/dev/null 2>&1 || { echo "SKIP: nm not found"; exit 77; }
exec python3 "${NNVIB_SRCDIR:-.}/tests/layers.py" "${NNVIB_BUILDDIR:-.}"
