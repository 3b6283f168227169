#!/bin/sh
# libnnvib exports only nnv_-prefixed symbols (one public prefix), and the
# public header compiles on its own as C11 and as C++ declarations.
set -u
lib="${NNVIB_BUILDDIR:-.}/.libs/libnnvib.so"
if [ ! -f "$lib" ]; then echo "SKIP: $lib not built (static-only build?)"; exit 77; fi
if ! command -v nm >/dev/null 2>&1; then echo "SKIP: nm not found"; exit 77; fi
bad=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBR]$/ {print $3}' | grep -v '^nnv_' || true)
if [ -n "$bad" ]; then echo "FAIL: non-nnv_ symbols exported:"; echo "$bad"; exit 1; fi
n=$(nm -D --defined-only "$lib" | awk '$2 == "T"' | grep -c ' nnv_')
echo "exported functions: $n, all nnv_"
[ "$n" -gt 10 ] || { echo "FAIL: too few exported functions ($n)"; exit 1; }
cc=${CC:-cc}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
printf '#include <nnvib.h>\nint main(void) { nnv_error e; return nnv_error_set(&e, NNV_OK, "x"); }\n' > "$tmp/h.c"
if ! $cc -std=c11 -Wall -Wextra -Wpedantic -Werror -I"${NNVIB_SRCDIR:-.}/include" -c "$tmp/h.c" -o "$tmp/h.o"; then
    echo "FAIL: include/nnvib.h does not compile alone"; exit 1
fi
echo "PASS: header compiles alone"
