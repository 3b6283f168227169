#!/bin/sh
# libnnvib exports only nnv_-prefixed symbols (one public prefix), and the
# public header compiles on its own as C11 and as C++ (with C linkage).
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
# As C++ declarations: every header inside extern "C", nothing C-only in them.
cxx=${CXX:-}
[ -n "$cxx" ] || for c in c++ g++ clang++; do command -v "$c" >/dev/null 2>&1 && { cxx=$c; break; }; done
if [ -z "$cxx" ]; then
    echo "SKIP part: no C++ compiler (c++, g++, clang++): the C++ check did not run"
else
    printf '#include <nnvib.h>\nint main() { nnv_error e; nnv_structure *s = 0; nnv_structure_free(s);\n  return nnv_error_set(&e, NNV_OK, "x") + (nnv_version() != 0); }\n' > "$tmp/h.cpp"
    if ! $cxx -std=c++11 -Wall -Wextra -Wpedantic -Werror -I"${NNVIB_SRCDIR:-.}/include" -c "$tmp/h.cpp" -o "$tmp/hpp.o"; then
        echo "FAIL: include/nnvib.h does not compile as C++ ($cxx)"; exit 1
    fi
    if ! nm "$tmp/hpp.o" | grep -q ' U nnv_structure_free$'; then
        echo "FAIL: the C++ object does not call nnv_structure_free by its C name (extern \"C\" missing?)"; exit 1
    fi
    echo "PASS: header compiles as C++ ($cxx) with C linkage"
fi
