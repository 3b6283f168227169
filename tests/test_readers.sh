#!/bin/sh
# Our CML, Molden and extended-XYZ files opened by the real readers: Open Babel
# (obabel), Jmol headless (JmolData.jar from libjmol-java), JSpecView (inside
# that jar) and ASE (python3-ase); first the program's exit status 5 when a
# file cannot be written.
# What each reader reports is compared with the numbers of the same run's JSON
# report. A part is skipped only when its reader is missing (exit 77 when all
# are); the Debian packages are in .ci/run.
# Env (set by make check): NNVIB_BIN, NNVIB_SRCDIR, NNVIB_SHARED; optional
# JMOLDATA_JAR (path of JmolData.jar).
set -u

bin=${NNVIB_BIN:-./nnvib}
src=${NNVIB_SRCDIR:-.}
shared=${NNVIB_SHARED:-}
if [ ! -x "$bin" ]; then
    echo "FAIL: program '$bin' not found or not executable (set NNVIB_BIN)"
    exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nnvib-readers.XXXXXX") || exit 1
# shellcheck disable=SC2317 # called by the trap
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

n=0
fails=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
show() { sed 's/^/#   /' "$1" | head -n "${2:-8}"; }

# ---- the program's side: exit status 5 and nothing left when a file fails ----
mol=$src/molecules/methane.xyz
pot=$src/weights/test-CH-softplus-random.bin
# expect_output_error KEPT DESCRIPTION ARGS...: exit 5, one line on stderr
# naming the file, nothing on stdout, no -o report, and in $tmp no new file
# but KEPT complete ones written before the failure (and stdout/stderr).
expect_output_error() {
    kept=$1 desc=$2
    shift 2
    before=$(ls -A "$tmp" | wc -l)
    "$bin" -q -o "$tmp/report.txt" "$@" "$mol" "$pot" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    after=$(ls -A "$tmp" | wc -l)
    if [ "$rc" -eq 5 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q '^nnvib: .*cannot write' "$tmp/err" &&
        [ ! -s "$tmp/out" ] && [ ! -e "$tmp/report.txt" ] && [ "$after" -eq $((before + 2 + kept)) ]; then
        pass "$desc: exit 5, $(cat "$tmp/err")"
    else
        fail "$desc: exit $rc (expected 5), files before/after $before/$after"
        show "$tmp/err"
        ls -A "$tmp" | sed 's/^/#   /'
    fi
    rm -f "$tmp/out" "$tmp/err"
}
expect_output_error 0 "--cml into a missing folder" --cml "$tmp/missing/x.cml"
mkdir "$tmp/adir"
expect_output_error 0 "--molden onto a folder" --molden "$tmp/adir"
expect_output_error 1 "--extxyz into a missing folder after a good --cml" --cml "$tmp/ok.cml" --extxyz "$tmp/missing/x.xyz"
if grep -q '</cml>' "$tmp/ok.cml" 2>/dev/null; then pass "the --cml file written before the failure is complete"; else fail "--cml before the failure"; fi
rm -f "$tmp/ok.cml"
"$bin" -q --extxyz "" "$mol" "$pot" >/dev/null 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 2 ]; then pass "--extxyz '': usage error (exit 2)"; else fail "--extxyz '': exit $rc, expected 2"; fi
rm -rf "$tmp/adir" "$tmp/err"
if "$bin" -q -o "$tmp/r.txt" --cml "$tmp/a.cml" --molden "$tmp/a.molden" --extxyz "$tmp/a.xyz" "$mol" "$pot" &&
    [ -s "$tmp/r.txt" ] && [ -s "$tmp/a.cml" ] && [ -s "$tmp/a.molden" ] && [ -s "$tmp/a.xyz" ] &&
    [ "$(ls -A "$tmp" | wc -l)" -eq 4 ]; then
    pass "all three files and the report written, no temporary left"
else
    fail "writing all three files"
    ls -A "$tmp" | sed 's/^/#   /'
fi
rm -f "$tmp"/a.* "$tmp/r.txt"

# The comparisons are written in Python (standard library only).
py=
for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null 2>&1; then py=$p; break; fi
done
if [ -z "$py" ]; then
    echo "SKIP: python3 not found (needed to compare the readers' numbers; Debian package python3)"
    [ "$fails" -eq 0 ] && exit 77
    exit 1
fi
# ASE may live in the system Python only (python3-ase), not in a user's python3.
pyase=
for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import ase.io' >/dev/null 2>&1; then pyase=$p; break; fi
done
have_obabel=0
command -v obabel >/dev/null 2>&1 && have_obabel=1
jar=${JMOLDATA_JAR:-}
if [ -z "$jar" ]; then
    for j in /usr/share/java/JmolData.jar $(dpkg -L libjmol-java 2>/dev/null | grep '/JmolData[^/]*\.jar$'); do
        if [ -f "$j" ]; then jar=$j; break; fi
    done
fi
have_jmol=0
if [ -n "$jar" ] && [ -f "$jar" ] && command -v java >/dev/null 2>&1; then have_jmol=1; fi
# JSpecView (inside JmolData.jar) is driven by a small Java program run from
# source, which needs the JDK compiler module.
have_jsv=0
if [ "$have_jmol" = 1 ] && java --list-modules 2>/dev/null | grep -q '^jdk.compiler'; then have_jsv=1; fi

[ "$have_obabel" = 1 ] || echo "# SKIP part: obabel not found (Debian package openbabel)"
[ "$have_jmol" = 1 ] || echo "# SKIP part: JmolData.jar or java not found (Debian packages libjmol-java, default-jre-headless)"
[ -n "$pyase" ] || echo "# SKIP part: python3 with ASE not found (Debian package python3-ase)"
[ "$have_jmol" = 0 ] || [ "$have_jsv" = 1 ] ||
    echo "# SKIP part: the JSpecView check needs java's jdk.compiler module (java File.java)"
if [ "$have_obabel" = 0 ] && [ "$have_jmol" = 0 ] && [ -z "$pyase" ]; then
    echo "SKIP: no reader available (openbabel, libjmol-java, python3-ase)"
    [ "$fails" -eq 0 ] && exit 77
    exit 1
fi

# check MODE JSON READER_OUTPUT [FILE]: compare a reader's output with the JSON
# report; prints one summary line, exit status 0 when they agree.
cat >"$tmp/check.py" <<'EOF'
import json, math, re, sys

BOHR = 0.529177210903
mode, ref_path, out_path = sys.argv[1], sys.argv[2], sys.argv[3]
ref = json.load(open(ref_path))
out = open(out_path, errors="replace").read()
freqs = ref["frequencies_cm1"]
modes = [[c for atom in m for c in atom] for m in ref["normal_modes"]]
ir = ref.get("ir_intensities_km_mol")
n_atoms = ref["n_atoms"]
problems = []

def close(a, b, tol):
    return abs(a - b) <= tol

def need(cond, what):
    if not cond:
        problems.append(what)
    return cond

def unit(v):
    s = math.sqrt(sum(x * x for x in v))
    return [x / s for x in v] if s > 0 else v

def section(text, name):
    """Lines of a Molden section up to the next [..] line."""
    lines, inside = [], False
    for line in text.splitlines():
        if line.startswith("["):
            inside = line.strip().upper() == name.upper()
            continue
        if inside and line.strip():
            lines.append(line)
    return lines

if mode == "ob-xyz":
    lines = out.splitlines()
    need(lines and lines[0].strip() == str(n_atoms), "atom count line %r" % (lines[:1],))
    atoms = [l.split() for l in lines[2:2 + n_atoms]]
    for i, a in enumerate(atoms):
        need(a[0] == ref["symbols"][i], "atom %d symbol %s != %s" % (i + 1, a[0], ref["symbols"][i]))
        for c in range(3):
            need(close(float(a[1 + c]), ref["positions_A"][i][c], 1e-4), "atom %d coordinate %d" % (i + 1, c))
    summary = "%d atoms" % len(atoms)

elif mode == "ob-cml":
    # obabel -ocml -xp: frequencies come back (2 decimals) only from me:vibFreqs.
    m = re.search(r'dictRef="me:vibFreqs">\s*<array[^>]*>([^<]*)</array>', out)
    real = [f for f in freqs if f > 0]
    got = [float(x) for x in m.group(1).split()] if m else []
    need(m is not None or not real, "no me:vibFreqs in Open Babel's output")
    need(len(got) == len(real), "%d frequencies read, %d real modes" % (len(got), len(real)))
    for a, b in zip(got, real):
        need(close(a, b, 0.006), "frequency %.2f != %.4f" % (a, b))
    need(len(re.findall(r"<atom ", out)) == n_atoms, "atom count")
    th = ref.get("thermochemistry")
    if th:
        for key, dref in (("zpe_eV", "zeroPointEnergy"), ("g_eV", "gibbsEnergy"), ("h_eV", "enthalpy")):
            mm = re.search(r'dictRef="nnvib:%s">\s*<scalar>([^<]*)<' % dref, out)
            need(mm and close(float(mm.group(1)), th[key], 1e-8), "%s property" % dref)
    summary = "%d atoms, me:vibFreqs %d values (real modes %d)%s" % (
        len(re.findall(r"<atom ", out)), len(got), len(real), ", ZPE/H/G properties" if th else "")

elif mode == "ob-molden":
    # Open Babel drops modes with |frequency| < 10 cm^-1 when reading Molden.
    keep = [k for k, f in enumerate(freqs) if abs(f) >= 10]
    got_f = [float(l.split()[0]) for l in section(out, "[FREQ]")]
    got_i = [float(l.split()[0]) for l in section(out, "[INT]")]
    vib = []
    for line in out.splitlines()[out.splitlines().index("[FR-NORM-COORD]") + 1:] if "[FR-NORM-COORD]" in out else []:
        if "ibration" in line:
            vib.append([])
        elif vib and len(line.split()) == 3:
            vib[-1].extend(float(x) for x in line.split())
    need(len(got_f) == len(keep), "%d frequencies back, expected %d" % (len(got_f), len(keep)))
    need(len(vib) == len(keep), "%d modes back, expected %d" % (len(vib), len(keep)))
    for j, k in enumerate(keep[:len(got_f)]):
        need(close(got_f[j], freqs[k], 1e-4), "frequency %g != %g" % (got_f[j], freqs[k]))
    if ir:
        need(len(got_i) == len(keep), "%d intensities back, expected %d" % (len(got_i), len(keep)))
        for j, k in enumerate(keep[:len(got_i)]):
            need(close(got_i[j], ir[k], 1e-4), "intensity %g != %g" % (got_i[j], ir[k]))
    else:
        need(not got_i, "intensities appeared")
    for j, k in enumerate(keep[:len(vib)]):
        need(len(vib[j]) == 3 * n_atoms, "mode %d has %d components" % (k + 1, len(vib[j])))
        need(all(close(a, b, 1e-6) for a, b in zip(vib[j], modes[k])), "mode %d displacements" % (k + 1))
    summary = "%d frequencies, %d intensities, %d modes" % (len(got_f), len(got_i), len(vib))

elif mode in ("jmol-cml", "jmol-molden"):
    # Lines printed by the Jmol script: MODELS n / MODEL i natoms freq-text / V x y z.
    models, cur = [], None
    count = None
    for line in out.splitlines():
        if line.startswith("MODELS "):
            count = int(line.split()[1])
        elif line.startswith("MODEL "):
            parts = line.split()
            cur = {"natoms": int(parts[2]), "freq": float(parts[3]) if len(parts) > 3 else None, "v": []}
            models.append(cur)
        elif line.startswith("V ") and cur is not None:
            cur["v"].append([float(x) for x in line.split()[1:4]] if "none" not in line else None)
    need(count == len(freqs) + 1, "%s models, expected %d (one per mode + the structure)" % (count, len(freqs) + 1))
    need(len(models) == len(freqs) + 1, "%d models listed" % len(models))
    for i, m in enumerate(models):
        need(m["natoms"] == n_atoms, "model %d has %d atoms" % (i, m["natoms"]))
        if i == 0:
            continue
        k = i - 1
        if k >= len(freqs):
            break
        need(m["freq"] is not None and close(m["freq"], freqs[k], 1e-4),
             "model %d frequency %s != %.6f" % (i, m["freq"], freqs[k]))
        if not need(all(v is not None for v in m["v"]) and len(m["v"]) == n_atoms,
                    "model %d lacks vibration vectors" % i):
            continue
        flat = [c for v in m["v"] for c in v]
        if mode == "jmol-cml":
            need(all(close(a, b, 2e-6) for a, b in zip(flat, modes[k])), "model %d vectors differ" % i)
        else:
            # Jmol reads [FR-NORM-COORD] as bohr and shows it in Å: same direction, scaled by 0.529177.
            s = math.sqrt(sum(x * x for x in flat))
            need(close(s, BOHR, 1e-5), "model %d: vector norm %g, expected %g (bohr -> A)" % (i, s, BOHR))
            need(all(close(a, b, 2e-6) for a, b in zip(unit(flat), unit(modes[k]))), "model %d vectors differ" % i)
    summary = "%s models, %d with vibration vectors" % (count, sum(1 for m in models[1:] if m["v"] and m["v"][0] is not None))

elif mode == "jsv":
    # JSpecView's CMLReader: one stick spectrum, a peak per distinct real
    # frequency (degenerate modes within 0.01 cm^-1 summed), 1/CM and KM/MOL.
    peaks = []
    for f, y in zip(freqs, ir):
        if f <= 0:
            continue
        if peaks and abs(f - peaks[-1][0]) <= 1e-2:
            peaks[-1][1] += y
        else:
            peaks.append([f, y])
    head = re.search(r"^POINTS (\d+) XUNITS (\S+) YUNITS (\S+) CONTINUOUS (\S+) TYPE (.*)$", out, re.M)
    pts = [[float(x) for x in l.split()[1:3]] for l in out.splitlines() if l.startswith("P ")]
    need(re.search(r"^SPECTRA 1$", out, re.M), "not one spectrum")
    need(head and head.group(2) == "1/CM" and head.group(3) == "KM/MOL", "units %s" % (head.groups() if head else None,))
    need(head and head.group(4) == "false" and "INFRARED" in head.group(5), "not an infrared stick spectrum")
    need(len(pts) == len(peaks), "%d peaks, expected %d" % (len(pts), len(peaks)))
    for (x, y), (f, i) in zip(pts, peaks):
        need(close(x, f, 1e-5) and close(y, i, 1e-5), "peak (%g, %g) != (%g, %g)" % (x, y, f, i))
    summary = "%d peaks (%s, %s)" % (len(pts), head.group(2) if head else "?", head.group(3) if head else "?")

elif mode == "ase":
    import ase.io
    frames = ase.io.read(sys.argv[4], index=":")
    need(len(frames) == len(freqs) + 1, "%d frames, expected %d" % (len(frames), len(freqs) + 1))
    for i, a in enumerate(frames):
        need(len(a) == n_atoms, "frame %d: %d atoms" % (i, len(a)))
        need(a.get_chemical_symbols() == ref["symbols"], "frame %d symbols" % i)
        need(all(close(x, y, 1e-9) for p, q in zip(a.get_positions(), ref["positions_A"]) for x, y in zip(p, q)),
             "frame %d positions" % i)
        need(all(close(x, y, 1e-7) for x, y in zip(a.get_masses(), ref["masses_u"])), "frame %d masses" % i)
        need("mode" in a.arrays and a.arrays["mode"].shape == (n_atoms, 3), "frame %d: no mode array" % i)
        need(a.info.get("mode_index") == i, "frame %d: mode_index %r" % (i, a.info.get("mode_index")))
        if i == 0:
            need(not a.arrays["mode"].any(), "frame 0 mode column not zero")
            continue
        k = i - 1
        need(close(a.info.get("frequency", float("nan")), freqs[k], 1e-5), "frame %d frequency" % i)
        need(a.info.get("imaginary") == (freqs[k] < 0), "frame %d imaginary flag" % i)
        if ir:
            need(close(a.info.get("ir_intensity", float("nan")), ir[k], 1e-5), "frame %d intensity" % i)
        need(all(close(x, y, 1e-9) for x, y in zip(a.arrays["mode"].ravel(), modes[k])), "frame %d mode" % i)
    summary = "%d frames with mode arrays" % len(frames)
else:
    sys.exit("unknown mode " + mode)

if problems:
    print("; ".join(problems[:6]) + (" (+%d more)" % (len(problems) - 6) if len(problems) > 6 else ""))
    sys.exit(1)
print(summary)
EOF

# JSpecView's own CML reader on a file (the class is package-private, so it is
# made accessible; JSpecView's viewer looks it up the same way, by name).
mkdir "$tmp/jsv"
cat >"$tmp/jsv/JsvCheck.java" <<'EOF'
import java.io.BufferedReader;
import java.io.FileReader;
import jspecview.api.SourceReader;
import jspecview.common.Coordinate;
import jspecview.common.Spectrum;
import jspecview.source.JDXSource;

public class JsvCheck {
    public static void main(String[] a) throws Exception {
        java.lang.reflect.Constructor<?> k = Class.forName("jspecview.source.CMLReader").getDeclaredConstructor();
        k.setAccessible(true);
        SourceReader r = (SourceReader) k.newInstance();
        JDXSource src = r.getSource(a[0], new BufferedReader(new FileReader(a[0])));
        System.out.println("SPECTRA " + src.getNumberOfSpectra());
        Spectrum s = src.getJDXSpectrum(0);
        Coordinate[] xy = s.getXYCoords();
        System.out.println("POINTS " + xy.length + " XUNITS " + s.getXUnits() + " YUNITS " + s.getYUnits()
                           + " CONTINUOUS " + s.isContinuous() + " TYPE " + s.getDataType());
        for (Coordinate c : xy) System.out.println("P " + c.getXVal() + " " + c.getYVal());
    }
}
EOF

# The Jmol script: one model per mode, with its frequency and vibration vectors.
jmol_script() {
    cat <<EOF
load "$1"
var n = getProperty("modelInfo.modelCount")
print "MODELS " + n
for (var m = 0; m < n; m++) {
  var a = {modelindex=@m}
  var f = getProperty("modelInfo.models[" + (m + 1) + "].modelProperties.Frequency")
  print "MODEL " + m + " " + a.size + " " + f
  for (var i = 1; i <= a.size; i++) {
    var v = a[i].vxyz
    if (v.type == "point") { print "V " + v.x + " " + v.y + " " + v.z } else { print "V none" }
  }
}
EOF
}

# run_case NAME XYZ WEIGHTS: write every format, then hand each to the readers.
run_case() {
    name=$1 xyz=$2 w=$3
    d=$tmp/$name
    mkdir -p "$d"
    if ! "$bin" -q --json -o "$d/ref.json" --cml "$d/x.cml" --molden "$d/x.molden" --extxyz "$d/x.extxyz" \
        "$xyz" "$w" 2>"$d/err"; then
        fail "$name: nnvib failed"
        show "$d/err"
        return
    fi
    check() { # check DESCRIPTION MODE OUTPUT [FILE]
        if "$py" "$tmp/check.py" "$2" "$d/ref.json" "$3" ${4:+"$4"} >"$d/chk" 2>&1; then
            pass "$name: $1: $(head -n 1 "$d/chk")"
        else
            fail "$name: $1"
            show "$d/chk"
        fi
    }
    if [ "$have_obabel" = 1 ]; then
        if obabel -icml "$d/x.cml" -oxyz >"$d/ob.xyz" 2>"$d/ob.err"; then
            check "obabel -icml -oxyz reads the atoms" ob-xyz "$d/ob.xyz"
        else
            fail "$name: obabel -icml -oxyz failed"
            show "$d/ob.err"
        fi
        if obabel -icml "$d/x.cml" -ocml -xp >"$d/ob.cml" 2>"$d/ob.err"; then
            check "obabel -icml reads me:vibFreqs" ob-cml "$d/ob.cml"
        else
            fail "$name: obabel -icml -ocml -xp failed"
            show "$d/ob.err"
        fi
        if obabel -imolden "$d/x.molden" -omolden >"$d/ob.molden" 2>"$d/ob.err"; then
            check "obabel -imolden -omolden round trip" ob-molden "$d/ob.molden"
        else
            fail "$name: obabel -imolden -omolden failed"
            show "$d/ob.err"
        fi
    fi
    if [ "$have_jmol" = 1 ]; then
        for f in cml molden; do
            jmol_script "$d/x.$f" >"$d/j-$f.spt"
            if java -Djava.awt.headless=true -jar "$jar" -n -s "$d/j-$f.spt" >"$d/jmol-$f.out" 2>&1 &&
                grep -q '^MODELS ' "$d/jmol-$f.out"; then
                check "Jmol (JmolData) loads the $f file with one model per mode" "jmol-$f" "$d/jmol-$f.out"
            else
                fail "$name: Jmol could not load the $f file"
                show "$d/jmol-$f.out" 20
            fi
        done
    fi
    if [ "$have_jsv" = 1 ]; then
        if grep -q '<spectrum ' "$d/x.cml"; then
            if java -Djava.awt.headless=true -cp "$jar" "$tmp/jsv/JsvCheck.java" "$d/x.cml" >"$d/jsv.out" 2>&1; then
                check "JSpecView (its CMLReader) reads the IR stick spectrum" jsv "$d/jsv.out"
            else
                fail "$name: JSpecView could not read the CML spectrum"
                show "$d/jsv.out" 20
            fi
        elif "$py" -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if not d.get("ir_intensities_km_mol") or max(d["frequencies_cm1"]) <= 0 else 1)' "$d/ref.json"; then
            pass "$name: no IR intensities or no real mode, and no <spectrum> in the CML"
        else
            fail "$name: IR intensities but no <spectrum> in the CML"
        fi
    fi
    if [ -n "$pyase" ]; then
        if "$pyase" "$tmp/check.py" ase "$d/ref.json" /dev/null "$d/x.extxyz" >"$d/chk" 2>&1; then
            pass "$name: ase.io.read(index=':') reads the extended XYZ: $(head -n 1 "$d/chk")"
        else
            fail "$name: ase.io.read of the extended XYZ"
            show "$d/chk"
        fi
    fi
}

# The shipped molecule and potential (charge networks: IR intensities).
run_case methane "$src/molecules/methane.xyz" "$src/weights/test-CH-softplus-random.bin"
# Conformance cases: a linear molecule with charges (HCN, imaginary bends) and
# water without charges (two imaginary modes, no intensities).
conf=$shared/conformance
if [ -n "$shared" ] && [ -d "$conf/exact_act4" ] && [ -d "$conf/case000" ]; then
    run_case hcn-linear "$conf/exact_act4/molecule.xyz" "$conf/exact_act4/weights.bin"
    run_case water-imaginary "$conf/case000/molecule.xyz" "$conf/case000/weights.bin"
else
    echo "# SKIP cases: no conformance folder (NNVIB_SHARED='$shared'); only the shipped methane was tested"
fi

echo "# $n checks, $fails failed"
[ "$fails" -eq 0 ]
