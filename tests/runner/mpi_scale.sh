#!/usr/bin/env bash
# No list that truncates: a spec with 300 models (names of 31 characters)
# and 201 experiments (names of 31 characters: 200 with one model each, one
# with all 300) goes through validate, run (test double), status, verify,
# table, run --slice and merge with every name intact; names of 32
# characters are refused at validate naming the limit; messages that list
# names say how many they leave out; plot refuses more than 64 x labels.
# Needs ASLSWEEP and CUBE_DIGEST in the environment (set by ctest).
. "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ASLSWEEP_INTERNAL_TEST_EXECUTOR=0
spec=$work/scale.yaml
model() { printf 'identity_model_with_a_long_n%03d' "$1"; }        # 31 characters
exper() { printf 'experiment_with_a_long_name_%03d' "$1"; }        # 31 characters
all=all_300_models_in_one_experimen                              # 31 characters
{
  cat <<'YAML'
name: runner-scale
seed: 7
data:
  phantom:
    subjects: 4
    shape: [16, 16, 12]
    timepoints: 8
grid: [16, 16, 16]
folds: 2
train:
  epochs: 2
  batch: 1
metrics: [ssim, psnr, nmae]
models:
YAML
  for i in $(seq 1 300); do echo "  $(model "$i"): {kind: identity}"; done
  printf 'sweep:\n  strategy: windowed\n  nav: 2\n  m0: off\n  snr_group: all\n  model: ['
  for i in $(seq 1 300); do printf '%s%s' "$([ "$i" = 1 ] || echo ', ')" "$(model "$i")"; done
  printf ']\nexperiments:\n  %s: ~\n' "$all"
  for i in $(seq 1 200); do printf '  %s:\n    model: %s\n' "$(exper "$i")" "$(model "$i")"; done
} > "$spec"
[ ${#all} -eq 31 ] && [ "$(exper 200 | wc -c)" -eq 31 ] && [ "$(model 300 | wc -c)" -eq 31 ] ||
  fail "test names are not 31 characters"

"$ASLSWEEP" validate "$spec" > "$work/validate.out" 2>&1 || { cat "$work/validate.out"; fail "validate"; }
grep -q "^ok: 1000 jobs (0 train, 1000 infer)" "$work/validate.out" || { cat "$work/validate.out"; fail "job count"; }

# An unknown model among 300: exit 2 at its line:col, the list counted, not cut.
sed "s/^    model: $(model 200)\$/    model: $(model 999)/" "$spec" > "$work/bad.yaml"
"$ASLSWEEP" validate "$work/bad.yaml" > "$work/bad.out" 2>&1
[ $? -eq 2 ] || { cat "$work/bad.out"; fail "validate of an unknown model: not exit 2"; }
grep -q "bad.yaml:[0-9]*:[0-9]*: error: unknown value '$(model 999)'.* more (300 in all)\$" "$work/bad.out" ||
  { cat "$work/bad.out"; fail "unknown model message"; }

# One character more than the limit: refused at validate, the limit named.
sed "s/^  $(exper 7):\$/  $(exper 7)x:/" "$spec" > "$work/long.yaml"
"$ASLSWEEP" validate "$work/long.yaml" > "$work/long.out" 2>&1
[ $? -eq 2 ] || { cat "$work/long.out"; fail "a 32-character experiment name: not exit 2"; }
grep -q "long.yaml:[0-9]*:[0-9]*: error: experiment name '$(exper 7)x' must be 1..31" "$work/long.out" ||
  { cat "$work/long.out"; fail "long name message"; }
sed "s/^  $(model 9): /  $(model 9)x: /" "$spec" > "$work/longm.yaml"
"$ASLSWEEP" validate "$work/longm.yaml" > "$work/longm.out" 2>&1
[ $? -eq 2 ] || { cat "$work/longm.out"; fail "a 32-character model name: not exit 2"; }
grep -q "model name '$(model 9)x' must be 1..31 characters" "$work/longm.out" ||
  { cat "$work/longm.out"; fail "long model name message"; }

mpirun -n 2 "$ASLSWEEP" run "$spec" --out "$work/one" --progress none > "$work/run.out" 2>&1 ||
  { cat "$work/run.out"; fail "run"; }
"$ASLSWEEP" status "$work/one" > "$work/status.out" 2>&1 || { cat "$work/status.out"; fail "status"; }
for name in "$all" "$(exper 1)" "$(exper 137)" "$(exper 200)"; do
  grep -q "^$name  *[0-9]" "$work/status.out" || { cat "$work/status.out"; fail "status has no row $name"; }
done
[ "$(grep -c '^experiment_with_a_long_name_' "$work/status.out")" -eq 200 ] || fail "status rows: not 200"
grep -q "^total  *1000  *0  *0  *0" "$work/status.out" || { cat "$work/status.out"; fail "status total"; }
"$ASLSWEEP" verify "$work/one" | grep -qx "ok: 1000 rows verified" || fail "verify"

"$ASLSWEEP" table "$work/one/results.h5" --experiment "$all" --rows model --format csv \
  > "$work/table.csv" 2> "$work/table.err" || { cat "$work/table.err"; fail "table of $all"; }
for i in 1 256 257 300; do
  grep -q "$(model "$i")" "$work/table.csv" || fail "table has no row for $(model "$i")"
done
"$ASLSWEEP" table "$work/one/results.h5" --experiment "$(exper 200)" > /dev/null 2>&1 ||
  fail "table of $(exper 200)"

# Lists in messages say how many they leave out rather than stop mid-name.
"$ASLSWEEP" table "$work/one/results.h5" --experiment nope > /dev/null 2> "$work/nope.err" &&
  fail "table of an unknown experiment"
grep -q "more (201 in all))" "$work/nope.err" || { cat "$work/nope.err"; fail "experiment list cut silently"; }
"$ASLSWEEP" table "$work/one/results.h5" --experiment "$all" --where model=nope > /dev/null \
  2> "$work/where.err" && fail "table with an unknown model"
grep -q "more (300 in all))" "$work/where.err" || { cat "$work/where.err"; fail "model list cut silently"; }

# A figure has room for 64 labels along x: 300 models are refused, naming the limit.
"$ASLSWEEP" plot "$work/one/results.h5" --experiment "$all" --x model -o "$work/m.png" \
  > /dev/null 2> "$work/plot.err"
[ $? -eq 2 ] || { cat "$work/plot.err"; fail "plot of 300 models: not exit 2"; }
grep -q "has 300 model labels, a figure shows at most 64" "$work/plot.err" || { cat "$work/plot.err"; fail "plot message"; }

mkdir -p "$work/parts"
for i in 0 1; do
  mpirun -n 2 "$ASLSWEEP" run "$spec" --out "$work/parts/$i" --slice "$i/2" --progress none \
    > "$work/s$i.out" 2>&1 || { cat "$work/s$i.out"; fail "slice $i"; }
done
"$ASLSWEEP" merge --out "$work/m" "$work/parts/0" "$work/parts/1" > "$work/merge.out" 2>&1 ||
  { cat "$work/merge.out"; fail "merge"; }
"$CUBE_DIGEST" "$work/one/results.h5" "$all" "$(exper 1)" "$(exper 200)" > "$work/one.digest"
"$CUBE_DIGEST" "$work/m/results.h5" "$all" "$(exper 1)" "$(exper 200)" | diff "$work/one.digest" - ||
  fail "the merge differs from a single run"
"$ASLSWEEP" status "$work/m" > "$work/mstatus.out" 2>&1 || { cat "$work/mstatus.out"; fail "status of the merge"; }
[ "$(grep -c '^experiment_with_a_long_name_' "$work/mstatus.out")" -eq 200 ] || fail "merged status rows"
echo "ok: 300 models, 201 experiments"
