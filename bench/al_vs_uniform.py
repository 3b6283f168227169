#!/usr/bin/python3
"""Active learning against random selection at the same number of labels.

Runs tools/active-learn (resumable) in WORK/al, then builds the control: the
same seed set plus, per round and molecule, as many candidates as active
learning labelled, drawn at random (seeded) from the same round's candidates
instead of by committee disagreement; labels them with nnvib-sample --label
and trains a committee with the same options. Both final committees are scored
on one test set (nnvib-train --evaluate). The difference between the two
isolates the selection: same candidates, same counts, same training.

Usage: bench/al_vs_uniform.py WORK --test FILE [--test-args ARGS] [--train-args ARGS]
       [--control-seed N] [active-learn options ...] -- MOLECULE.xyz...
(--control-seed: the random picks' seed, 1000 by default; another value makes
another control, WORK/uniform-N, from the same run.)
Everything before "--" that this script does not know goes to tools/active-learn.
"""
import os
import random
import re
import shlex
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def frames(path):
    """[(molecule, text of the frame)] of an extended-XYZ file."""
    out = []
    if not os.path.exists(path):
        return out
    lines = open(path).read().split("\n")
    i = 0
    while i < len(lines) and lines[i].strip():
        n = int(lines[i])
        m = re.search(r"(?:^|\s)molecule=(\S+)", lines[i + 1])
        out.append((m.group(1) if m else "", "\n".join(lines[i:i + n + 2]) + "\n"))
        i += n + 2
    return out


def run(cmd, out=None, env=None):
    print("al_vs_uniform: $ " + " ".join(shlex.quote(c) for c in cmd), file=sys.stderr, flush=True)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, env=env)
    if r.returncode != 0:
        raise SystemExit("al_vs_uniform: failed: %s" % cmd[0])
    if out:
        tmp = out + ".tmp"
        open(tmp, "wb").write(r.stdout)
        os.replace(tmp, out)
    return r.stdout.decode()


def opt(args, name, default=None):
    if name in args:
        k = args.index(name)
        v = args[k + 1]
        del args[k:k + 2]
        return v
    return default


def all_row(report):
    for ln in open(report):
        t = ln.split()
        if t and t[0] == "all" and len(t) >= 7:
            return {"configs": t[1], "E_rmse": t[3], "E_max": t[4], "F_rmse": t[5], "F_max": t[6]}
    return {}


def main(argv):
    if "--" not in argv:
        raise SystemExit(__doc__)
    k = argv.index("--")
    args, mols = argv[:k], argv[k + 1:]
    work = args.pop(0)
    test = opt(args, "--test")
    test_args = opt(args, "--test-args", "")
    train_args = opt(args, "--train-args", "")
    committee = opt(args, "--committee", "4")
    control_seed = int(opt(args, "--control-seed", "1000"))
    sample = os.environ.get("NNVIB_SAMPLE", os.path.join(TOP, "nnvib-sample"))
    train = os.environ.get("NNVIB_TRAIN", os.path.join(TOP, "nnvib-train"))
    env1 = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    al = os.path.join(work, "al")
    run([os.path.join(TOP, "tools", "active-learn"), "--sample", sample, "--train", train, "--committee", committee,
         "--train-args", train_args, "--test", test, "--test-args", test_args] + args + [al] + mols, env=env1)

    uni = os.path.join(work, "uniform" if control_seed == 1000 else "uniform-%d" % control_seed)
    os.makedirs(uni, exist_ok=True)
    data = open(os.path.join(al, "round-000", "data.extxyz")).read()
    r = 0
    while os.path.exists(os.path.join(al, "round-%03d" % r, "labelled.extxyz")):
        rd = os.path.join(al, "round-%03d" % r)
        lab = os.path.join(uni, "round-%03d-labelled.extxyz" % r)
        if not os.path.exists(lab):
            want = {}
            for m, _ in frames(os.path.join(rd, "labelled.extxyz")):
                want[m] = want.get(m, 0) + 1
            by_mol = {}
            for m, t in frames(os.path.join(rd, "candidates.extxyz")):
                by_mol.setdefault(m, []).append(t)
            rng = random.Random(control_seed + r)
            picked = []
            for m in sorted(want):
                picked += rng.sample(by_mol[m], want[m])
            sel = os.path.join(uni, "round-%03d-selected.extxyz" % r)
            open(sel, "w").write("".join(picked))
            run([sample, "--label", sel, "-o", lab], env=env1)
        data += open(lab).read()
        r += 1
    dpath = os.path.join(uni, "data.extxyz")
    open(dpath + ".tmp", "w").write(data)
    os.replace(dpath + ".tmp", dpath)
    if not os.path.exists(os.path.join(uni, "train.txt")):
        run([train, "--committee", committee, "-q"] + shlex.split(train_args) +
            [dpath, "-o", os.path.join(uni, "committee.bin")], out=os.path.join(uni, "train.txt"))
    if not os.path.exists(os.path.join(uni, "test.txt")):
        run([train, "--evaluate", os.path.join(uni, "committee.bin")] + shlex.split(test_args) + [test],
            out=os.path.join(uni, "test.txt"))
    last = os.path.join(al, "round-%03d" % r, "test.txt")
    a, u = all_row(last), all_row(os.path.join(uni, "test.txt"))
    n_al = len(frames(os.path.join(al, "round-%03d" % r, "data.extxyz")))
    print("selection\ttraining_configurations\ttest_configs\tE_rmse_meV_atom\tE_max_meV_atom\tF_rmse_meV_A\tF_max_meV_A")
    for name, n, row in (("committee disagreement", n_al, a), ("random (same counts)", len(frames(dpath)), u)):
        print("%s\t%d\t%s\t%s\t%s\t%s\t%s" % (name, n, row.get("configs"), row.get("E_rmse"), row.get("E_max"),
                                              row.get("F_rmse"), row.get("F_max")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
