#!/usr/bin/env python3
"""calib-sweep.py (in the work folder, after calib-analyse.py and the nnvib-novelty runs of docs/novelty.md): how many molecules/configurations a threshold on max_atoms d2 / q(element) flags."""
import csv, math
q = {'q90': {'H': 1.181, 'C': 1.074, 'N': 1.020, 'O': 1.058},
     'q99': {'H': 4.012, 'C': 3.443, 'N': 3.825, 'O': 3.682},
     'q99.9': {'H': 21.394, 'C': 13.736, 'N': 12.865, 'O': 14.056},
     'max': {'H': 541.635, 'C': 186.779, 'N': 74.114, 'O': 113.997}}
def tool(f):
    return [(float(w[2]), w[4], int(w[6])) for w in (l.split() for l in open(f) if not l.startswith('#'))]
lib = list(csv.DictReader(open('silu.tsv'), delimiter='\t'))
sets = {
    'training molecules, teacher minimum (27)': [(float(r['d2_min']), r['el_min'], int(r['extrap_min'])) for r in lib if r['set'] == 'shipped'],
    'training molecules, --opt on silu (27)': [(float(r['d2_opt']), r['el_opt'], int(r['extrap_opt'])) for r in lib if r['set'] == 'shipped'],
    'test configurations (2197, max per configuration)': tool('test-configs-silu.txt'),
    'held-out library, teacher minimum (89)': [(float(r['d2_min']), r['el_min'], int(r['extrap_min'])) for r in lib if r['set'] == 'outside'],
    'held-out, --opt converged (exit 0) (8)': [(float(r['d2_opt']), r['el_opt'], int(r['extrap_opt'])) for r in lib if r['set'] == 'outside' and r['exit'] == '0'],
    'Open Babel 20, start geometry': tool('outside-obabel-silu.txt'),
    'Open Babel 20, after --opt (silu)': tool('outside-silu.txt'),
    'Open Babel 20, after --opt (tanh)': tool('outside-tanh.txt'),
}
print('| set | n | range check (any SF outside [gmin, gmax]) | d² > q99 | d² > q99.9 | d² > max | d² > q99 or range |')
print('|---|---|---|---|---|---|---|')
for name, rows in sets.items():
    rows = [r for r in rows if not math.isnan(r[0])]
    n = len(rows)
    f = lambda fn: '%d (%.1f %%)' % (sum(1 for r in rows if fn(r)), 100.0 * sum(1 for r in rows if fn(r)) / n)
    print('| %s | %d | %s | %s | %s | %s | %s |' % (name, n, f(lambda r: r[2] > 0), f(lambda r: r[0] > q['q99'][r[1]]),
          f(lambda r: r[0] > q['q99.9'][r[1]]), f(lambda r: r[0] > q['max'][r[1]]), f(lambda r: r[0] > q['q99'][r[1]] or r[2] > 0)))
