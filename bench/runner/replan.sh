#!/usr/bin/env bash
# Re-planning a grown study at 10,000 jobs, with the test double executor:
#   replan.sh ASLSWEEP [REPEATS]          (default 3 repeats; medians printed)
# The study: 150 U-Nets and 256 identity baselines on 3 folds, 2 M0 settings
# and Navs [1, 2, 4, 8] (13,344 jobs), run once. The grown spec drops Nav 1,
# the first label, so every one of its 10,008 jobs moves to a new index
# (10,008 reused, 3,336 retired, nothing left to run). Measured, each against
# a reference in the same run:
#   plan        `plan NEW` (expansion only)     vs `plan NEW --against DIR`
#   run         a resume of the old spec on a copy of DIR (nothing to do)
#               vs the grown run on DIR (adoption: read and match the old
#               cube, build the new one and carry 10,008 rows into it, row
#               checksums, move 900 checkpoints to the attic, renumber 2,700)
# Run times are run_sweep's own ("finished ... in S s", no mpirun start).
# One line per figure; bench/runner/RESULTS.md has a recorded run.
set -eu
aslsweep=$1
repeats=${2:-3}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export ASLSWEEP_INTERNAL_TEST_EXECUTOR=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
spec=$work/spec.yaml
{
  printf '%s\n' "name: replan-bench" "seed: 5" "data:" "  phantom:" "    subjects: 6" \
    "    shape: [24, 24, 12]" "    timepoints: 16" "grid: [16, 16, 16]" "folds: 3" \
    "snr_groups: {k: 2}" "train:" "  epochs: 2" "  batch: 1" "models:"
  names=()
  for i in $(seq -f %03g 0 149); do echo "  u$i: {kind: unet3d, base_channels: 4}"; names+=("u$i"); done
  for i in $(seq -f %03g 0 255); do echo "  b$i: {kind: identity}"; names+=("b$i"); done
  printf '%s\n' "metrics: [ssim, psnr, nmae]" "sweep:" "  strategy: windowed" "  nav: [2, 4, 8]" \
    "  m0: [off, on]" "  snr_group: all"
  (IFS=,; echo "  model: [${names[*]}]")
} > "$spec"
old=('sweep.nav=[1, 2, 4, 8]')

now() { date +%s.%N; }
# Median of the numbers on stdin.
median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
wall() { # command... -> seconds
  local t0 t1
  t0=$(now)
  "$@" > /dev/null 2>&1
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", b - a}'
}
sweep_s() { grep ' finished: ' "$1/run.log" | tail -1 | sed 's/.* in \([0-9.]*\) s.*/\1/'; }

mpirun -n 2 "$aslsweep" run "$spec" --out "$work/d0" --progress none "${old[@]}" > "$work/first" 2>&1 ||
  { cat "$work/first"; exit 1; }
"$aslsweep" plan "$spec" --against "$work/d0" | head -1 | grep -q ': 10008 reuse, 0 run, 0 rerun, 3336 retire' ||
  { echo "unexpected plan: $("$aslsweep" plan "$spec" --against "$work/d0" | head -1)"; exit 1; }
for r in $(seq "$repeats"); do
  wall "$aslsweep" plan "$spec" >> "$work/plan"
  wall "$aslsweep" plan "$spec" --against "$work/d0" >> "$work/against"
  wall "$aslsweep" plan "$spec" --against "$work/d0" --json >> "$work/against_json"
  rm -rf "$work/a" "$work/b"
  cp -a "$work/d0" "$work/a"
  cp -a "$work/d0" "$work/b"
  mpirun -n 2 "$aslsweep" run "$spec" --out "$work/a" --progress none "${old[@]}" > /dev/null 2>&1
  sweep_s "$work/a" >> "$work/resume"
  mpirun -n 2 "$aslsweep" run "$spec" --out "$work/b" --progress none > /dev/null 2>&1
  grep -q 'grow: .* 10008 jobs reused, 0 new, 0 changed, 3336 retired' "$work/b/run.log" ||
    { echo "the grown run did not grow as expected"; exit 1; }
  sweep_s "$work/b" >> "$work/grow"
done
p=$(median < "$work/plan") a=$(median < "$work/against") j=$(median < "$work/against_json")
rs=$(median < "$work/resume") g=$(median < "$work/grow")
echo "plan jobs=10008 wall=$p s (reference: expansion only)"
echo "plan_against jobs=10008 old=13344 wall=$a s ratio=$(awk -v a="$a" -v p="$p" 'BEGIN{printf "%.1f", a/p}')"
echo "plan_against_json jobs=10008 old=13344 wall=$j s"
echo "run_resume jobs=13344 nothing_to_do sweep=$rs s (reference)"
echo "run_grown jobs=10008 reused=10008 retired=3336 sweep=$g s adoption~=$(awk -v g="$g" -v r="$rs" 'BEGIN{printf "%.2f", g-r}') s"
