#!/usr/bin/env bash
# scripts/fidelity_report on a tiny run of examples/fidelity.yaml (8 phantom
# subjects of 16x16x16, 2 folds, 1 epoch, one rank): the report must hold
# every finding with numbers (n, means, difference with its CI, p, Holm p,
# verdict) on every metric, every cited `aslsweep table` command must run,
# the text around the generated section must survive a rewrite, and bad
# input must be refused. The numbers of one epoch mean nothing; the test
# guards the report, not the findings.
# Needs ASLSWEEP in the environment (set by ctest).
. "$(dirname "$0")/lib.sh"
root="$(cd "$(dirname "$0")/../.." && pwd)"
/usr/bin/python3 -c 'import numpy, scipy.stats' 2>/dev/null || { echo "SKIP: python3-scipy missing"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$ASLSWEEP" run "$root/examples/fidelity.yaml" --out "$work/run" --progress none \
  data.phantom.subjects=8 folds=2 train.epochs=1 'data.phantom.shape=[16,16,16]' \
  'grid=[16,16,16]' > "$work/run.out" 2>&1 || { tail -20 "$work/run.out"; fail "tiny fidelity run"; }
cube="$work/run/results.h5"
report="$root/scripts/fidelity_report"

"$report" "$cube" -o "$work/doc.md" > "$work/out" 2>&1 || { cat "$work/out"; fail "report on a done cube"; }
cat "$work/doc.md"
num='-?[0-9]+\.[0-9]+'
p='([0-9.]+(e-[0-9]+)?)'
for i in 1 2 3 4 5 6 7 8 9; do
  # | i | claim | A vs B | cells | n | A | B | d [lo, hi] | test | p | p_holm | verdict |
  grep -Eq "^\| $i \| [^|]+ \| [^|]+ vs [^|]+ \| [^|]+ \| [0-9]+ \| $num \| $num \| $num \[$num, $num\] \| [^|]+ \| $p \| $p \| (yes|no)[^|]* \|$" \
    "$work/doc.md" || fail "finding $i: no row with n, means, CI, p and verdict"
  grep -Eq "^\| $i \| $num \[$num, $num\] \| $num \[$num, $num\] \| $num \[$num, $num\] \| [^|]+ / [^|]+ / [^|]+ \|$" \
    "$work/doc.md" || fail "finding $i: no row on every metric"
  cmd=$(grep -E "^$i\. \`aslsweep table " "$work/doc.md" | sed -E 's/^[0-9]+\. `aslsweep (.*)`$/\1/')
  [ -n "$cmd" ] || fail "finding $i: no command"
  eval "\"\$ASLSWEEP\" $cmd" > /dev/null || fail "finding $i: the cited command fails: $cmd"
done
[ "$(grep -c '^| [0-9] | ' "$work/doc.md")" -eq 18 ] || fail "want 9 findings in each of two tables"

# The prose around the markers stays; the section between them is replaced.
{ echo "# Title"; echo "prose before"; echo "<!-- fidelity_report:begin -->"; echo "stale";
  echo "<!-- fidelity_report:end -->"; echo "prose after"; } > "$work/doc2.md"
"$report" "$cube" -o "$work/doc2.md" > /dev/null || fail "report into a doc with markers"
grep -q '^prose before$' "$work/doc2.md" && grep -q '^prose after$' "$work/doc2.md" || fail "prose lost"
grep -q '^stale$' "$work/doc2.md" && fail "the old section stayed"
grep -Eq '^\| 9 \| ' "$work/doc2.md" || fail "no findings between the markers"

# Bad input: exit 2 with a message; a cube without the fidelity experiments: exit 1.
"$report" "$work/none.h5" -o "$work/x.md" 2> "$work/err"; rc=$?
[ $rc -eq 2 ] && grep -q 'no such file' "$work/err" || fail "missing cube: rc $rc, $(cat "$work/err")"
"$report" "$cube" --bogus 2> "$work/err"; rc=$?
[ $rc -eq 2 ] && grep -q 'unknown option --bogus' "$work/err" || fail "bad option: rc $rc"
"$report" --help | grep -q 'usage: scripts/fidelity_report' || fail "--help"
"$ASLSWEEP" run "$root/examples/fidelity.yaml" --out "$work/main" --progress none \
  data.phantom.subjects=4 folds=2 train.epochs=1 'data.phantom.shape=[16,16,16]' 'grid=[16,16,16]' \
  'experiments={main: {model: [identity]}}' 'sweep.snr_group=all' > "$work/run2.out" 2>&1 ||
  { tail -5 "$work/run2.out"; fail "identity-only run"; }
"$report" "$work/main/results.h5" -o "$work/x.md" 2> "$work/err"; rc=$?
[ $rc -eq 1 ] && grep -q 'is this a cube of examples/fidelity.yaml' "$work/err" ||
  fail "a cube without the findings: rc $rc, $(cat "$work/err")"
echo "fidelity report: ok"
