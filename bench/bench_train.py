#!/usr/bin/env python3
"""bench_train.py: nnvib-train's training speed against the trainer of commit
e830a7f (per-atom loops), same data, model options and thread count, one run.

Used by `make bench-train` (bench/README.md explains the numbers). Old and new
run alternately at each thread count on a deterministic subset of the
GFN2-xTB data set; configurations/s come from the per-epoch --log CSV
(seconds since the start), epochs 2..E, so the setup (SFs and their
Jacobians) is left out; peak memory is each child's maxrss (os.wait4)."""
import argparse
import gzip
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BASELINE_COMMIT = "e830a7f"
# The shipped recipe's model options (tools/make-potentials).
RECIPE = ("--hidden 64,64 --radial 8 --angular-eta 1 --rc 5.5 --cutoff poly2 --energy-weight 20 "
          "--force-weight 1 --dipole-weight 1 --batch 32 --seed 20240601").split()


def subset(src, dst, every):
    """Every `every`-th configuration of src (the first, then every N-th): a
    deterministic sample over all molecules and temperatures (the file is
    ordered by molecule)."""
    n_in = n_out = 0
    with gzip.open(src, "rt") as f, open(dst, "w") as out:
        while True:
            head = f.readline()
            if not head.strip():
                break
            n = int(head)
            block = [head] + [f.readline() for _ in range(n + 1)]
            if n_in % every == 0:
                out.writelines(block)
                n_out += 1
            n_in += 1
    return n_in, n_out


def build_baseline(src, tmp, shared):
    """The nnvib-train of BASELINE_COMMIT, built in a temporary git worktree
    (configure + only the objects nnvib-train needs)."""
    wt = os.path.join(tmp, "baseline")
    t0 = time.time()
    subprocess.run(["git", "-C", src, "worktree", "add", "--detach", "-q", wt, BASELINE_COMMIT], check=True)
    try:
        conf = ["./configure", "-q"] + (["--with-shared=" + shared] if shared else [])
        for cmd in (["autoreconf", "-fi"], conf, ["make", "-j2", "nnvib-train"]):
            subprocess.run(cmd, cwd=wt, check=True, stdout=subprocess.DEVNULL)
        exe = os.path.join(tmp, "nnvib-train-" + BASELINE_COMMIT)
        shutil.copy2(os.path.join(wt, "nnvib-train"), exe)
    finally:
        subprocess.run(["git", "-C", src, "worktree", "remove", "--force", wt], check=False)
    print("baseline %s built in %.0f s (git worktree add, autoreconf, configure, make nnvib-train)"
          % (BASELINE_COMMIT, time.time() - t0), flush=True)
    return exe


def run(exe, data, epochs, threads, tmp, tag):
    """One training run: (configurations/s, setup s, wall s, maxrss MiB, train count, last loss, own conf/s)."""
    log = os.path.join(tmp, tag + ".csv")
    out = os.path.join(tmp, tag + ".bin")
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    cmd = [exe] + RECIPE + ["--epochs", str(epochs), "--patience", str(epochs + 1), "--log", log, "-q", "-o", out,
                            data]
    t0 = time.time()
    with open(log + ".out", "w+") as fo, open(log + ".err", "w+") as fe:
        p = subprocess.Popen(cmd, env=env, stdout=fo, stderr=fe)
        # wait4, not p.wait(): this child's own rusage (maxrss), not the
        # maximum over every child so far.
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        wall = time.time() - t0
        fo.seek(0), fe.seek(0)
        stdout, stderr = fo.read(), fe.read()
    rss = ru.ru_maxrss
    if p.returncode != 0:
        sys.exit("bench_train: %s failed (%d): %s" % (" ".join(cmd), p.returncode, stderr.strip()))
    m = re.search(r"train/val/test (\d+)/(\d+)/(\d+)", stdout)
    ntr = int(m.group(1))
    with open(log) as f:
        head = f.readline().strip().split(",")
        rows = [line.strip().split(",") for line in f if line.strip()]
    sec = [float(r[head.index("seconds")]) for r in rows]
    own = float(rows[-1][head.index("train_conf_per_s")]) if "train_conf_per_s" in head else None
    per_epoch = (sec[-1] - sec[0]) / (len(sec) - 1)
    return dict(rate=ntr / per_epoch, setup=sec[0] - per_epoch, wall=wall, rss=rss / 1024.0, ntr=ntr,
                loss=float(rows[-1][head.index("train_loss")]), own=own)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--new", required=True, help="the nnvib-train to measure")
    ap.add_argument("--baseline", default=os.environ.get("NNVIB_BASELINE"),
                    help="the old nnvib-train [env NNVIB_BASELINE; else built from " + BASELINE_COMMIT + "]")
    ap.add_argument("--src", default=".", help="the source tree (git repository and weights/data)")
    ap.add_argument("--shared", default=os.environ.get("NNVIB_SHARED"), help="configure --with-shared for the build")
    ap.add_argument("--data", help="data set [SRC/weights/data/gfn2xtb-hcno.extxyz.gz]")
    ap.add_argument("--every", type=int, default=10, help="keep every N-th configuration [10]; 1: the full set")
    ap.add_argument("--epochs", type=int, default=3, help="epochs per run, >= 2 [3]")
    ap.add_argument("--threads", default="1,2", help="OMP_NUM_THREADS values [1,2]")
    ap.add_argument("--repeat", type=int, default=1,
                    help="old/new pairs per thread count [1]; with more, the median ratio is printed too")
    a = ap.parse_args()
    if a.epochs < 2:
        sys.exit("bench_train: --epochs must be >= 2 (epoch 1 carries the setup)")
    data = a.data or os.path.join(a.src, "weights", "data", "gfn2xtb-hcno.extxyz.gz")
    tmp = tempfile.mkdtemp(prefix="nnvib-bench-train.")
    try:
        old = a.baseline or build_baseline(os.path.abspath(a.src), tmp, a.shared)
        sub = os.path.join(tmp, "subset.extxyz")
        n_in, n_out = subset(data, sub, a.every)
        print("data: %s, every %d-th configuration: %d of %d; %d epochs; options %s"
              % (data, a.every, n_out, n_in, a.epochs, " ".join(RECIPE)))
        print("old: %s\nnew: %s" % (old, a.new))
        print("load average %.2f %.2f %.2f on %d CPUs; OMP_WAIT_POLICY=%s"
              % (os.getloadavg() + (os.cpu_count(), os.environ.get("OMP_WAIT_POLICY", "(unset)"))))
        print("configurations/s: training configurations x (epochs - 1) / (log seconds of the last epoch - of "
              "epoch 1); includes each epoch's validation pass")
        print("%7s  %10s %10s %6s  %8s %8s  %8s %8s  %8s  %12s %12s"
              % ("threads", "old conf/s", "new conf/s", "ratio", "old set", "new set", "old MiB", "new MiB",
                 "new own", "old loss", "new loss"))
        for t in [int(x) for x in a.threads.split(",")]:
            ratios = []
            for k in range(a.repeat):
                o = run(old, sub, a.epochs, t, tmp, "old%d" % t)
                n = run(a.new, sub, a.epochs, t, tmp, "new%d" % t)
                ratios.append(n["rate"] / o["rate"])
                print("%7d  %10.1f %10.1f %6.2f  %7.1fs %7.1fs  %8.0f %8.0f  %8.1f  %12.6e %12.6e"
                      % (t, o["rate"], n["rate"], ratios[-1], o["setup"], n["setup"], o["rss"], n["rss"],
                         n["own"] or float("nan"), o["loss"], n["loss"]), flush=True)
            if a.repeat > 1:
                print("%7d  median ratio of %d pairs: %.2f (min %.2f, max %.2f)"
                      % (t, a.repeat, statistics.median(ratios), min(ratios), max(ratios)), flush=True)
        print("load average at the end %.2f %.2f %.2f" % os.getloadavg())
        print("(set: setup seconds before epoch 1; new own: nnvib-train's own configurations/s of the last "
              "epoch's steps, validation excluded; loss: last epoch's training loss, old and new should agree "
              "to a few digits)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
