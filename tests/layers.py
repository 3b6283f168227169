#!/usr/bin/env python3
"""The house plan, checked on the built objects (docs/architecture.md).

Reads the symbol tables (nm) of every object built from src/ and tools/,
draws the file-level call graph (file A calls file B when A uses a symbol
that B defines) and checks:
  1. no call cycle between files;
  2. calls go down the layers only: base <- model <- io <- analysis (and pinn,
     beside it) <- output <- training, teacher <- programs (a file may call its
     own layer);
  3. programs (src/cli, tools) call the library only through nnv_ names.
A file that defines main() (nnvib-train.c, nnvib-sample.c) is a program for
rule 2: it may call the programs' backbone in src/cli.
Usage: layers.py BUILDDIR [--graph]   (exit 0 when all hold, 1 otherwise)
"""
import os
import re
import subprocess
import sys

RANK = {"base": 0, "model": 1, "io": 2, "analysis": 3, "pinn": 3, "output": 4, "train": 5, "sample": 5,
        "cli": 6, "tools": 6}
PROGRAMS = {"cli", "tools"}
# Automake/libtool prefixes of object names ("libnnvib_core_la-model.o").
PREFIX = re.compile(r"^(lib\w+_la-|nnvib_sample-|nnvib_train-|nnvib_study-|tools_\w+-)")


def objects(build):
    """{source name 'layer/file.c': object path} for every library and program object."""
    found = {}
    for top in ("src", "tools"):
        for root, dirs, files in os.walk(os.path.join(build, top)):
            for f in files:
                if not f.endswith(".o") or f.startswith("tests_"):
                    continue
                rel = os.path.relpath(root, build).split(os.sep)
                if rel[-1] == ".libs":
                    rel = rel[:-1]
                layer = rel[1] if top == "src" and len(rel) > 1 else "tools"
                name = PREFIX.sub("", f)[:-2] + ".c"
                key = layer + "/" + name
                # The PIC copy in .libs and the plain one hold the same symbols.
                found.setdefault(key, os.path.join(root, f))
    return found


def symbols(path):
    out = subprocess.run(["nm", path], capture_output=True, text=True, check=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            used.add(parts[1])
        elif len(parts) == 3 and parts[1] in "TDBRC":
            defined.add(parts[2])
    return defined, used


def cycles(graph):
    """Strongly connected components with more than one file (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "."
    objs = objects(build)
    if not objs:
        print("no objects under %s/src: build first" % build)
        return 77
    owner, uses, rank = {}, {}, {}
    for key, path in objs.items():
        d, u = symbols(path)
        uses[key] = u
        rank[key] = RANK["cli"] if "main" in d else RANK.get(key.split("/")[0], 0)
        for s in d:
            owner.setdefault(s, key)
    graph, bad = {}, []
    for key in sorted(objs):
        layer = key.split("/")[0]
        for s in sorted(uses[key]):
            dst = owner.get(s)
            if not dst or dst == key:
                continue
            graph.setdefault(key, set()).add(dst)
            dl = dst.split("/")[0]
            if dl in PROGRAMS and layer in PROGRAMS and dl == layer:
                continue
            if rank[dst] > rank[key]:
                bad.append("%s calls %s (%s) in the higher layer %s" % (key, s, dst, dl))
            if layer in PROGRAMS and dl not in PROGRAMS and not s.startswith("nnv_"):
                bad.append("program file %s calls the internal %s (%s)" % (key, s, dst))
    for comp in cycles(graph):
        bad.append("call cycle between files: " + " -> ".join(comp))
    if "--graph" in sys.argv:
        for key in sorted(graph):
            print("%s -> %s" % (key, " ".join(sorted(graph[key]))))
    for b in bad:
        print("FAIL: " + b)
    print("%d files, %d calls between files, %d violations" %
          (len(objs), sum(len(v) for v in graph.values()), len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
