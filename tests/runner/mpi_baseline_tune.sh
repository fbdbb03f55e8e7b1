#!/usr/bin/env bash
# Baselines tuned per fold on a noisy phantom (noise x4, Nav 2): every
# infer job of the `sigma: auto` gaussian logs its choice in DIR/run.log
# ("tuned job J KEY: sigma=S (training NMAE ...)"); with that much noise the
# choice is larger than the smallest candidate (0.5), and the tuned model's
# test NMAE is no worse than the gaussian with sigma fixed at 0.5. The cube's
# /jobs/chosen_param equals the logged choice and `table --show-params` shows it.
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
# /jobs/chosen_param holds each tuned job's choice, as its log line says,
# and NaN for the fixed sigma; table --show-params prints them per cell.
/usr/bin/python3 - "$work/r/results.h5" "$work/tuned" <<'PY' > "$work/chosen" || fail "chosen_param"
import h5py, math, re, sys
with h5py.File(sys.argv[1], "r") as f:
    keys = [k.decode() for k in f["jobs/key"][...]]
    chosen = f["jobs/chosen_param"][...]
logged = {}
for line in open(sys.argv[2]):
    m = re.search(r"tuned job (\d+) (\S+): sigma=(\S+)", line)
    logged[int(m.group(1))] = float(m.group(3))
assert len(logged) == 2, logged
for j, k in enumerate(keys):
    if "gaussian_auto" in k:
        assert chosen[j] == logged[j], (k, chosen[j], logged.get(j))
    else:
        assert math.isnan(chosen[j]), (k, chosen[j])
print("/".join("%g" % v for v in sorted(set(logged.values()))))
PY
want=$(cat "$work/chosen")
"$ASLSWEEP" table "$work/r/results.h5" --metric nmae --show-params > "$work/table" || fail "table --show-params"
cat "$work/table"
grep 'gaussian_auto' "$work/table" | grep -q "(tuned $want)" || fail "table --show-params: no (tuned $want)"
grep 'gaussian_small' "$work/table" | grep -q "tuned" && fail "a fixed sigma shows a tuned value"
"$ASLSWEEP" table "$work/r/results.h5" --metric nmae > "$work/table" || fail "table"
grep -q "tuned" "$work/table" && fail "tuned values shown without --show-params"
"$ASLSWEEP" table "$work/r/results.h5" --metric nmae --show-params --format csv > "$work/table.csv" \
  || fail "table --show-params --format csv"
grep -q " tuned" "$work/table.csv" && grep -q ",$want\(,\|$\)" "$work/table.csv" \
  || { cat "$work/table.csv"; fail "csv: no tuned column holding $want"; }
"$ASLSWEEP" export "$work/r/results.h5" --format csv --summary > "$work/sum.csv" || fail "export"
auto=$(awk -F, '$6 == "gaussian_auto" && $7 == "denoised" && $8 == "nmae" { print $10 }' "$work/sum.csv")
small=$(awk -F, '$6 == "gaussian_small" && $7 == "denoised" && $8 == "nmae" { print $10 }' "$work/sum.csv")
echo "test NMAE: auto $auto, sigma 0.5 $small"
awk -v a="$auto" -v s="$small" 'BEGIN { exit !(a != "" && s != "" && a <= s + 1e-6) }' \
  || fail "tuned NMAE $auto worse than sigma 0.5's $small"
echo "PASS"
