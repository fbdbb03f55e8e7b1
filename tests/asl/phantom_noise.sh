#!/usr/bin/env bash
# scripts/phantom_noise.py on a small phantom written by the binary: one row
# per subject with its tier, a positive single-pair temporal SNR and a
# non-thermal share in (0, 1]; the share is exactly 1 when both folders hold
# the noise-free phantom. Guards the script against the phantom's layout
# (the brain mask lives under derivatives/phantom/).
#   phantom_noise.sh ASLSWEEP
set -u
bin=$1
root="$(cd "$(dirname "$0")/../.." && pwd)"
/usr/bin/python3 -c 'import numpy' 2>/dev/null || { echo "SKIP: python3-numpy missing"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$bin" phantom --out "$work/p1" --subjects 3 --shape 16,16,8 --timepoints 6 --seed 5 --threads 1 \
  > /dev/null || fail "phantom"
"$bin" phantom --out "$work/p0" --subjects 3 --shape 16,16,8 --timepoints 6 --seed 5 --threads 1 \
  --noise 0 > /dev/null || fail "phantom --noise 0"
/usr/bin/python3 "$root/scripts/phantom_noise.py" "$work/p1" "$work/p0" > "$work/out" 2>&1 ||
  { cat "$work/out"; fail "phantom_noise.py"; }
cat "$work/out"
awk 'NR > 1 {
       n++
       if ($1 !~ /^sub-0[1-3]$/ || ($2 != "low" && $2 != "high") || !($3 > 0) || !($4 > 0 && $4 <= 1))
         { print "FAIL: bad row: " $0; bad = 1 }
     }
     END { if (n != 3) { print "FAIL: " n " rows, want 3"; bad = 1 }; exit bad }' "$work/out" ||
  fail "rows"
/usr/bin/python3 "$root/scripts/phantom_noise.py" "$work/p0" "$work/p0" > "$work/out0" ||
  fail "phantom_noise.py on the noise-free phantom"
[ "$(awk 'NR > 1 && $4 == "1.000"' "$work/out0" | wc -l)" -eq 3 ] || { cat "$work/out0"; fail "share != 1"; }
/usr/bin/python3 "$root/scripts/phantom_noise.py" "$work/none" "$work/p0" 2> "$work/err"; rc=$?
[ $rc -eq 2 ] || fail "a folder that is no phantom: rc $rc, want 2"
echo "phantom_noise: ok"
