#!/usr/bin/env bash
# Job logs at scale: wall time and files written in DIR/logs, with the test
# double executor doing no work, 2 ranks (or RANKS), the plan of overhead.sh
# with --repeat R (50 R jobs).
#   logs.sh RUN_DRIVER [REPEAT...]             (default repeat: 2000)
# With OLD_RUN_DRIVER set (a build of another commit), each figure is taken
# for both builds one after the other, so a ratio shares the machine's load.
# One line per build and plan:
#   logs build=new|old jobs=J ranks=N wall=S s files=F log_bytes=B
set -eu
driver=$(readlink -f "$1")
shift
repeats=${*:-2000}
ranks=${RANKS:-2}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

one() { # build driver repeat
  rm -rf "$work/r"
  local t0 t1
  t0=$(date +%s.%N)
  ASLSWEEP_INTERNAL_TEST_EXECUTOR=0 mpirun -n "$ranks" "$2" "$work/r" --nav 5 --models 5 \
    --trainable 0 --repeat "$3" --folds 2 --subjects 6 --quiet > /dev/null
  t1=$(date +%s.%N)
  local files bytes
  files=$(find "$work/r/logs" -type f | wc -l)
  bytes=$(du -sb "$work/r/logs" | cut -f1)
  awk -v b="$1" -v j=$((50 * $3)) -v n="$ranks" -v s="$(echo "$t1 - $t0" | bc)" -v f="$files" \
    -v by="$bytes" 'BEGIN{printf "logs build=%s jobs=%d ranks=%d wall=%.1f s files=%d log_bytes=%d\n", b, j, n, s, f, by}'
}

for r in $repeats; do
  [ -z "${OLD_RUN_DRIVER:-}" ] || one old "$(readlink -f "$OLD_RUN_DRIVER")" "$r"
  one new "$driver" "$r"
done
