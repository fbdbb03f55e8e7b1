#!/usr/bin/env bash
# Baselines tuned per fold on a noisy phantom (noise x4, Nav 2): every
# infer job of the `sigma: auto` gaussian logs its choice in DIR/run.log
# ("tuned job J KEY: sigma=S (training NMAE ...)"); with that much noise the
# choice is larger than the smallest candidate (0.5), and the tuned model's
# test NMAE is no worse than the gaussian with sigma fixed at 0.5.
# Needs ASLSWEEP in the environment (set by ctest).
. "$(dirname "$0")/lib.sh"
specs=$(cd "$(dirname "$0")/specs" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$ASLSWEEP" phantom --out "$work/data" --subjects 4 --shape 24,24,16 --timepoints 8 --noise 4 \
  --seed 3 --threads 1 > "$work/out" 2>&1 || { cat "$work/out"; fail "phantom"; }
mpirun -n 1 "$ASLSWEEP" run "$specs/baseline_tune.yaml" --out "$work/r" --progress none \
  --threads-per-rank 1 "data.bids=$work/data" > "$work/out" 2>&1 || { cat "$work/out"; fail "run"; }
grep " tuned job " "$work/r/run.log" | tee "$work/tuned"
[ "$(grep -c 'model=gaussian_auto/fold=.*: sigma=' "$work/tuned")" = 2 ] || fail "not one tuning line per fold"
grep -q "gaussian_small" "$work/tuned" && fail "a fixed sigma was tuned"
awk '{ split($0, a, "sigma="); split(a[2], b, " "); if (b[1] + 0 <= 0.5) exit 1 }' "$work/tuned" \
  || fail "auto chose the smallest sigma on a noisy phantom"
"$ASLSWEEP" export "$work/r/results.h5" --format csv --summary > "$work/sum.csv" || fail "export"
auto=$(awk -F, '$6 == "gaussian_auto" && $7 == "denoised" && $8 == "nmae" { print $10 }' "$work/sum.csv")
small=$(awk -F, '$6 == "gaussian_small" && $7 == "denoised" && $8 == "nmae" { print $10 }' "$work/sum.csv")
echo "test NMAE: auto $auto, sigma 0.5 $small"
awk -v a="$auto" -v s="$small" 'BEGIN { exit !(a != "" && s != "" && a <= s + 1e-6) }' \
  || fail "tuned NMAE $auto worse than sigma 0.5's $small"
echo "PASS"
