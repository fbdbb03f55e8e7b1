#!/usr/bin/python3
"""Writes tests/analysis/stats_fixture.txt: inputs and scipy/numpy results
for analysis/'s statistics, read by tests/analysis/test_stats.c.

Run with Debian's /usr/bin/python3 (python3-scipy); the output is committed,
so the C tests never need Python.

Line formats (whitespace separated, floats as Python repr):
  summary N x1..xN  mean sd median q1 q3
  ttest N x.. y..   t p
  wilcoxon N x.. y..  T p exact
  holm M p1..pM  adj1..adjM
Holm is computed here directly from its definition (statsmodels is not
installed), independently of the C code's sort-and-running-max form.
"""
import os
import sys

import numpy as np
from scipy import stats

EXACT_MAX = 50  # scipy's 'auto' limit for the exact distribution


def fmt(values):
    return " ".join(repr(float(v)) for v in values)


def summary_line(x):
    x = np.asarray(x, dtype=float)
    q1, med, q3 = np.percentile(x, [25, 50, 75])
    return "summary %d %s %s" % (len(x), fmt(x), fmt([x.mean(), x.std(ddof=1), med, q1, q3]))


def ttest_line(x, y):
    res = stats.ttest_rel(x, y)
    return "ttest %d %s %s %s" % (len(x), fmt(x), fmt(y), fmt([res.statistic, res.pvalue]))


def wilcoxon_line(x, y):
    d = np.asarray(x) - np.asarray(y)
    nz = d[d != 0]
    ties = len(np.unique(np.abs(nz))) != len(nz)
    exact = len(d) <= EXACT_MAX and len(nz) == len(d) and not ties
    res = stats.wilcoxon(x, y, zero_method="wilcox", correction=False,
                         method="exact" if exact else "approx")
    return "wilcoxon %d %s %s %s %d" % (len(x), fmt(x), fmt(y),
                                        fmt([res.statistic, res.pvalue]), int(exact))


def holm(p):
    p = np.asarray(p, dtype=float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    adj = np.empty(m)
    for rank, i in enumerate(order):
        # max over all smaller-or-equal ranks of (m - j) * p_(j), capped at 1
        adj[i] = min(1.0, max((m - j) * p[order[j]] for j in range(rank + 1)))
    return adj


def holm_line(p):
    return "holm %d %s %s" % (len(p), fmt(p), fmt(holm(p)))


def main():
    rng = np.random.default_rng(20261125)
    lines = []
    for n in (2, 5, 6, 11, 30):
        lines.append(summary_line(rng.normal(0.7, 0.05, n)))
    for n, effect in ((3, 0.01), (6, 0.02), (10, 0.005), (25, 0.03), (12, 0.2)):
        x = rng.normal(0.7, 0.05, n)
        lines.append(ttest_line(x + effect + rng.normal(0, 0.02, n), x))
    # Exact distribution: small n, continuous values (no ties, no zeros).
    for n, effect in ((5, 0.01), (6, 0.05), (10, 0.0), (20, 0.01), (40, 0.005), (50, 0.003)):
        x = rng.normal(0.7, 0.05, n)
        lines.append(wilcoxon_line(x + effect + rng.normal(0, 0.02, n), x))
    # Normal approximation: large n; ties; zeros; ties and zeros.
    x = rng.normal(0.7, 0.05, 60)
    lines.append(wilcoxon_line(x + 0.004 + rng.normal(0, 0.02, 60), x))
    a = np.round(rng.normal(0.7, 0.05, 15), 2)
    lines.append(wilcoxon_line(a + np.round(rng.normal(0.01, 0.02, 15), 2), a))
    b = rng.normal(0.7, 0.05, 12)
    c = b + rng.normal(0.01, 0.02, 12)
    c[[2, 7]] = b[[2, 7]]
    lines.append(wilcoxon_line(c, b))
    e = np.array([1, 2, 2, 3, 3, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], dtype=float)
    f = e + np.array([0, 1, -1, 2, 2, -2, 0, 3, 3, 3, -4, 5, 6, 7, 8, -9, 10, 11], dtype=float)
    lines.append(wilcoxon_line(f, e))
    lines.append(holm_line([0.01, 0.04, 0.03, 0.005]))
    lines.append(holm_line([0.2, 0.001, 0.6, 0.04, 0.04, 0.9, 0.011]))
    lines.append(holm_line(rng.uniform(0, 0.1, 9)))
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stats_fixture.txt")
    with open(out, "w") as fh:
        fh.write("# written by make_stats_fixtures.py (scipy %s, numpy %s)\n"
                 % (__import__("scipy").__version__, np.__version__))
        fh.write("\n".join(lines) + "\n")
    print("wrote %d cases to %s" % (len(lines), out), file=sys.stderr)


if __name__ == "__main__":
    main()
