#!/usr/bin/env bash
# Runner overhead and strong scaling, with the test double executor (so the
# numbers are the runner's: scheduling messages, cube writes, progress).
#   overhead.sh RUN_DRIVER [RANKS...]      (default ranks: 1 2 4 8)
# 1. ~2,000 jobs doing no work: wall seconds per job = runner overhead.
# 2. the same 2,000 jobs each busy 3 ms (1 ms per test subject, sleeping so
#    oversubscribed ranks do not compete for cores): speedup over 1 rank.
# One line per figure.
set -eu
driver=$1
shift
ranks=${*:-1 2 4 8}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
plan=(--nav 5 --models 5 --trainable 0 --repeat 40 --folds 2 --subjects 6 --quiet)

run() { # ms ranks -> seconds of run_sweep
  rm -rf "$work/r"
  ASLSWEEP_INTERNAL_TEST_EXECUTOR=$1 mpirun -n "$2" "$driver" "$work/r" "${plan[@]}" 2>/dev/null |
    awk '/^summary/{print $(NF-1)}'
}

for n in $ranks; do
  s=$(run 0 "$n")
  awk -v n="$n" -v s="$s" 'BEGIN{printf "overhead ranks=%d jobs=2000 wall=%.3f s per_job=%.3f ms\n", n, s, 1000*s/2000}'
done
base=""
for n in $ranks; do
  s=$(run 1 "$n")
  [ -n "$base" ] || base=$s
  workers=$(( n <= 2 ? n : n - 1 ))
  awk -v n="$n" -v w="$workers" -v s="$s" -v b="$base" \
    'BEGIN{printf "scaling ranks=%d workers=%d jobs=2000 x 3 ms wall=%.3f s speedup=%.2f efficiency_per_worker=%.0f%%\n", n, w, s, b/s, 100*b/s/w}'
done
