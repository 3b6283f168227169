#!/usr/bin/env python3
"""calib-analyse.py POT TAG (after calib-run.sh, same folder): join nnvib --opt --json results (json-TAG/) with the novelty d2 at the
teacher minimum and at the potential's optimised geometry; writes TAG.tsv and prints the summary."""
import json, os, subprocess, sys
pot, tag = sys.argv[1:3]
lib = os.path.join(os.environ['HCNO_TREE'], 'molecules/hcno/xyz')
spec = os.path.join(os.environ['HCNO_TREE'], 'reference_spectra/gfn2xtb-hcno')
tool = os.path.join(os.environ.get('NNVIB_BUILD', '.'), 'tools/nnvib-novelty')
shipped = set(open('shipped.txt').read().split())
names = [n for n in open('shipped.txt').read().split() + open('heldout.txt').read().split()
         if os.path.exists('json-%s/%s.rc' % (tag, n))]
os.makedirs('opt-' + tag, exist_ok=True)
res = {}
for n in names:
    rc = int(open('json-%s/%s.rc' % (tag, n)).read())
    mae = float('nan'); nimag = -1; opt_ok = 0
    try:
        d = json.load(open('json-%s/%s.json' % (tag, n)))
        fr = sorted(d['frequencies_cm1']); nimag = d['n_imaginary']
        ref = sorted(float(l.split('\t')[1]) for l in open(os.path.join(spec, n + '.tsv'))
                     if not l.startswith('#') and not l.startswith('mode'))
        if len(ref) == len(fr): mae = sum(abs(a - b) for a, b in zip(fr, ref)) / len(fr)
        pos = d['positions_A']; sym = d['symbols']
        with open('opt-%s/%s.xyz' % (tag, n), 'w') as f:
            f.write('%d\n%s optimised on %s\n' % (len(sym), n, tag))
            for s, p in zip(sym, pos): f.write('%s %.10f %.10f %.10f\n' % (s, p[0], p[1], p[2]))
        opt_ok = 1
    except Exception:
        pass
    res[n] = dict(rc=rc, mae=mae, nimag=nimag, opt_ok=opt_ok)
def nov(files):
    out = {}
    r = subprocess.run([tool, pot] + files, capture_output=True, text=True)
    for line in r.stdout.splitlines():
        if line.startswith('#'): continue
        w = line.split(); out[w[0][:-4]] = (float(w[2]), w[4], float(w[5]), int(w[6]))
    return out
amin = nov([os.path.join(lib, n + '.xyz') for n in names])
aopt = {}
for n in names:  # one by one: an optimised geometry with atoms < 0.1 A apart is refused by the reader
    if res[n]['opt_ok']: aopt.update(nov(['opt-%s/%s.xyz' % (tag, n)]))
with open(tag + '.tsv', 'w') as f:
    f.write('name\tset\texit\tmae_sorted_cm1\tn_imag\td2_min\tel_min\tratio_min\textrap_min\td2_opt\tel_opt\tratio_opt\textrap_opt\n')
    for n in names:
        r = res[n]; a = amin.get(n, (float('nan'), '?', float('nan'), -1)); o = aopt.get(n, (float('nan'), '?', float('nan'), -1))
        r.update(set='shipped' if n in shipped else 'outside', d2min=a[0], rmin=a[2], xmin=a[3], d2opt=o[0], ropt=o[2], xopt=o[3])
        f.write('%s\t%s\t%d\t%.1f\t%d\t%.4g\t%s\t%.4g\t%d\t%.4g\t%s\t%.4g\t%d\n' % (n, r['set'], r['rc'], r['mae'], r['nimag'],
                a[0], a[1], a[2], a[3], o[0], o[1], o[2], o[3]))
import math
def summary(sel, label):
    rows = [res[n] for n in names if sel(res[n])]
    if not rows: return
    def cnt(f): return sum(1 for r in rows if f(r))
    # the analysis' own geometry: d2 at the optimised structure when the optimisation produced one, else NaN
    print('%-40s n=%3d | ratio_min>1: %3d  >3: %3d  >10: %3d | ratio_opt>1: %3d  >3: %3d  >10: %3d | either>1: %3d | extrap_min>0: %3d  extrap_opt>0: %3d | no JSON: %d' % (
        label, len(rows), cnt(lambda r: r['rmin'] > 1), cnt(lambda r: r['rmin'] > 3), cnt(lambda r: r['rmin'] > 10),
        cnt(lambda r: r['ropt'] > 1), cnt(lambda r: r['ropt'] > 3), cnt(lambda r: r['ropt'] > 10),
        cnt(lambda r: r['rmin'] > 1 or r['ropt'] > 1 or not r['opt_ok']),
        cnt(lambda r: r['xmin'] > 0), cnt(lambda r: r['xopt'] > 0), cnt(lambda r: not r['opt_ok'])))
summary(lambda r: r['set'] == 'shipped', 'shipped (27 training molecules)')
summary(lambda r: r['set'] == 'outside', 'outside (held-out library)')
summary(lambda r: r['set'] == 'outside' and (r['mae'] > 30 or not r['opt_ok'] or math.isnan(r['mae'])), 'outside, off (MAE>30 or no spectrum)')
summary(lambda r: r['set'] == 'outside' and r['mae'] <= 30, 'outside, good (MAE<=30)')
