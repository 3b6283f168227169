# Checks an nnvib-sample extended-XYZ data set (the exact layout the trainer
# and ASE read) and the physics every teacher label must obey: finite numbers,
# zero net force and zero net torque (an isolated molecule; a gradient rotated
# back the wrong way breaks the torque), symbols H/C/N/O only. Prints one
# summary line "frames F atoms A molecules M" or the first problem, exit 1.
# Variables: -v maxf=... largest |net force| component allowed (eV/Å),
#            -v maxtorque=... largest |net torque| component (eV),
#            -v first=... config index of each molecule's first frame (default 0;
#            configs must then count up by one).
function fail(msg) { printf "line %d: %s\n", NR, msg; bad = 1; exit 1 }
function isnum(s) { return s ~ /^[-+]?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/ }
function abs(x) { return x < 0 ? -x : x }
BEGIN {
    if (maxf == "") maxf = 1e-6
    if (maxtorque == "") maxtorque = 1e-4
    first += 0
    state = 0
}
{
    if (state == 0) {
        if ($0 !~ /^[0-9]+$/ || $1 < 1) fail("expected an atom count, got '" $0 "'")
        n = $1 + 0; state = 1; next
    }
    if (state == 1) {
        re = "^Properties=species:S:1:pos:R:3:forces:R:3 energy=([^ ]+) dipole=\"([^ ]+) ([^ ]+) ([^ \"]+)\" pbc=\"F F F\" molecule=([A-Za-z0-9_]+) T=([^ ]+) config=([0-9]+)$"
        if ($0 !~ re) fail("comment line not in the nnvib-sample layout: " $0)
        line = $0
        sub(/^.* energy=/, "", line); e = line; sub(/ .*/, "", e)
        sub(/^.* dipole="/, "", line); split(line, d, /[ "]/)
        m = $0; sub(/^.* molecule=/, "", m); sub(/ .*/, "", m)
        t = $0; sub(/^.* T=/, "", t); sub(/ .*/, "", t)
        c = $0; sub(/^.* config=/, "", c)
        if (!isnum(e) || !isnum(d[1]) || !isnum(d[2]) || !isnum(d[3]) || !isnum(t)) fail("non-numeric energy, dipole or T")
        if (!(m in natoms)) { natoms[m] = n; nmol++; expect[m] = first }
        if (natoms[m] != n) fail("molecule " m " with " n " atoms, before " natoms[m])
        if (c + 0 != expect[m]) fail("molecule " m ": config " c ", expected " expect[m])
        expect[m]++
        for (a = 1; a <= 3; a++) { sf[a] = 0; tq[a] = 0; cen[a] = 0 }
        k = 0; state = 2; frames++; next
    }
    if (NF != 7) fail("atom line needs 7 fields: " $0)
    if ($1 !~ /^(H|C|N|O)$/) fail("element " $1 " is not H, C, N or O")
    for (f = 2; f <= 7; f++) if (!isnum($f)) fail("field " f " is not a finite number: " $f)
    k++; atoms++
    x[k] = $2; y[k] = $3; z[k] = $4; fx[k] = $5; fy[k] = $6; fz[k] = $7
    if (k == n) {
        for (i = 1; i <= n; i++) { cen[1] += x[i] / n; cen[2] += y[i] / n; cen[3] += z[i] / n }
        for (i = 1; i <= n; i++) {
            sf[1] += fx[i]; sf[2] += fy[i]; sf[3] += fz[i]
            rx = x[i] - cen[1]; ry = y[i] - cen[2]; rz = z[i] - cen[3]
            tq[1] += ry * fz[i] - rz * fy[i]; tq[2] += rz * fx[i] - rx * fz[i]; tq[3] += rx * fy[i] - ry * fx[i]
        }
        for (a = 1; a <= 3; a++) {
            if (abs(sf[a]) > maxf) fail("frame " frames ": net force " sf[a] " eV/A")
            if (abs(tq[a]) > maxtorque) fail("frame " frames ": net torque " tq[a] " eV")
        }
        state = 0
    }
}
END {
    if (bad) exit 1
    if (state != 0) { printf "truncated frame at the end\n"; exit 1 }
    if (frames == 0) { printf "no frames\n"; exit 1 }
    printf "frames %d atoms %d molecules %d\n", frames, atoms, nmol
}
