#!/usr/bin/env bash
# Workers hold no job list (docs/runner.md, "Memory per rank"):
#   mpi_worker_plan.sh table N R
#     N ranks run the synthetic plan of 50 R jobs (train and infer) with
#     run_driver, whose ranks other than 0 get the plan without its jobs;
#     every job is done, each worker took its jobs from the job messages and
#     never had more than a job and its train job's slots (4 pages) of its
#     job table in memory, and the cube equals, bitwise, one written by a
#     single rank (no job messages) and one whose workers had the full plan.
#   mpi_worker_plan.sh memory N R
#     the same plan without train jobs; each worker's peak resident memory
#     stays under 64 MB while rank 0 holds all 50 R jobs.
# Needs RUN_DRIVER and CUBE_DIGEST in the environment (set by ctest).
. "$(dirname "$0")/lib.sh"
mode=$1 n=$2 r=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ASLSWEEP_INTERNAL_TEST_EXECUTOR=0

check_workers() { # $1: output of the run, $2: jobs in the plan
  local k
  for k in $(seq 1 $((n - 1))); do
    grep -q "^memory rank=$k jobs_in_plan=0 " "$1" || { cat "$1"; fail "rank $k was given jobs"; }
  done
  grep -q "^memory rank=0 jobs_in_plan=$2 " "$1" || { cat "$1"; fail "rank 0 does not hold $2 jobs"; }
}

case $mode in
table)
  plan=(--nav 5 --models 5 --trainable 1 --repeat "$r" --folds 2 --quiet)
  ASLSWEEP_TEST_JOB_TABLE=1 ASLSWEEP_TEST_MEMORY=1 mpirun -n "$n" "$RUN_DRIVER" "$work/w" \
    "${plan[@]}" > "$work/out" 2>&1 || { cat "$work/out"; fail "run with $n ranks"; }
  jobs=$(awk '/^summary:/{print $2}' "$work/out")
  [ "$jobs" = $((60 * r)) ] || { cat "$work/out"; fail "expected $((60 * r)) jobs, got $jobs"; }
  read -r total done_ < <(job_counts "$work/w/results.h5")
  [ "$total" = "$jobs" ] && [ "$done_" = "$jobs" ] || fail "$done_ of $total jobs done"
  check_workers "$work/out" "$jobs"
  taken=$(awk '/^job table /{for (i = 1; i <= NF; i++) if ($i ~ /^taken=/) {sub("taken=", "", $i); s += $i}} END {print s + 0}' "$work/out")
  [ "$(grep -c '^job table ' "$work/out")" = $((n - 1)) ] || { cat "$work/out"; fail "not every worker reported its table"; }
  [ "$taken" -gt 0 ] || { cat "$work/out"; fail "the workers took no job message"; }
  awk '/^job table /{for (i = 1; i <= NF; i++) if ($i ~ /^max_resident_pages=/) {sub("max_resident_pages=", "", $i); if ($i + 0 > 4 || $i + 0 < 1) bad = 1}} END {exit bad}' \
    "$work/out" || { cat "$work/out"; fail "a worker held more than one job's slots of its table"; }
  # The jobs the workers ran are the ones whose /jobs/rank is not 0.
  by_workers=$(h5dump -d /jobs/rank -y -w 0 "$work/w/results.h5" | awk '/DATA/{d=1; next} d' |
    tr -s ', ' '\n\n' | grep -E '^-?[0-9]+$' | awk '$1 > 0' | wc -l)
  [ "$by_workers" = "$taken" ] || fail "workers took $taken job messages but ran $by_workers jobs"
  mpirun -n 1 "$RUN_DRIVER" "$work/one" "${plan[@]}" > /dev/null 2>&1 || fail "1-rank run"
  mpirun -n "$n" "$RUN_DRIVER" "$work/full" "${plan[@]}" --worker-jobs > /dev/null 2>&1 ||
    fail "run whose workers have the full plan"
  diff <("$CUBE_DIGEST" "$work/one/results.h5" main) <("$CUBE_DIGEST" "$work/w/results.h5" main) ||
    fail "workers without a job list give another cube than 1 rank"
  diff <("$CUBE_DIGEST" "$work/full/results.h5" main) <("$CUBE_DIGEST" "$work/w/results.h5" main) ||
    fail "workers without a job list give another cube than workers with one"
  ;;
memory)
  ASLSWEEP_TEST_MEMORY=1 mpirun -n "$n" "$RUN_DRIVER" "$work/m" --nav 5 --models 5 --trainable 0 \
    --repeat "$r" --folds 2 --quiet > "$work/out" 2>&1 || { cat "$work/out"; fail "run with $n ranks"; }
  check_workers "$work/out" $((50 * r))
  awk '/^memory rank=/{split($2, a, "="); split($4, b, "="); if (a[2] > 0 && b[2] + 0 >= 65536) bad = 1}
       END {exit bad}' "$work/out" || { cat "$work/out"; fail "a worker's peak memory is 64 MB or more"; }
  ;;
*) fail "unknown mode $mode" ;;
esac
echo "ok: $mode with $n ranks"
