#!/usr/bin/env bash
# Job logs at scale: wall time and files written in DIR/logs, with the test
# double executor doing no work, 2 ranks (or RANKS), the plan of overhead.sh
# with --repeat R (50 R jobs).
#   logs.sh RUN_DRIVER [REPEAT...]             (default repeat: 2000)
# With OLD_RUN_DRIVER set (a build of another commit), each figure is taken
# for both builds one after the other, so a ratio shares the machine's load.
# With NOLOG=1, the new build also runs with DIR/logs made a plain file, so
# no job log is written (one warning per rank): the run's cost without logs.
# After the new build's run, `aslsweep log` (ASLSWEEP, default next to the
# driver's build) reads the logs: one key (the last block written) and
# --failed, with their wall time and peak memory.
# One line per build and plan, then one per reader command:
#   logs build=new|old|nolog jobs=J ranks=N wall=S s files=F log_bytes=B
#   reader jobs=J cmd=key|failed wall=S s max_rss=M MB
set -eu
driver=$(readlink -f "$1")
shift
repeats=${*:-2000}
ranks=${RANKS:-2}
aslsweep=$(readlink -f "${ASLSWEEP:-$(dirname "$driver")/../../cli/aslsweep}")
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

one() { # build driver repeat
  rm -rf "$work/r"
  if [ "$1" = nolog ]; then mkdir -p "$work/r" && : > "$work/r/logs"; fi
  local t0 t1
  t0=$(date +%s.%N)
  ASLSWEEP_INTERNAL_TEST_EXECUTOR=0 mpirun -n "$ranks" "$2" "$work/r" --nav 5 --models 5 \
    --trainable 0 --repeat "$3" --folds 2 --subjects 6 --quiet > /dev/null 2>&1
  t1=$(date +%s.%N)
  local files bytes
  files=$(find "$work/r/logs" -type f | wc -l)
  [ "$1" != nolog ] || files=0
  bytes=$(du -sb "$work/r/logs" | cut -f1)
  awk -v b="$1" -v j=$((50 * $3)) -v n="$ranks" -v s="$(echo "$t1 - $t0" | bc)" -v f="$files" \
    -v by="$bytes" 'BEGIN{printf "logs build=%s jobs=%d ranks=%d wall=%.1f s files=%d log_bytes=%d\n", b, j, n, s, f, by}'
}

reader() { # jobs name args...
  local j=$1 name=$2
  shift 2
  /usr/bin/time -v -o "$work/time" "$aslsweep" log "$work/r" "$@" > /dev/null
  awk -v j="$j" -v c="$name" '
    /Maximum resident set size/ {rss = $NF}
    /Elapsed \(wall clock\)/ {n = split($NF, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]}
    END {printf "reader jobs=%d cmd=%s wall=%.1f s max_rss=%.0f MB\n", j, c, s, rss / 1024}' "$work/time"
}

for r in $repeats; do
  [ -z "${OLD_RUN_DRIVER:-}" ] || one old "$(readlink -f "$OLD_RUN_DRIVER")" "$r"
  one new "$driver" "$r"
  last=$(sed -n 's/^== \(.*\): attempt started .*/\1/p' "$work/r/logs/$(ls "$work/r/logs" | tail -n 1)" | tail -n 1)
  reader $((50 * r)) key "$last"
  reader $((50 * r)) failed --failed
  [ -z "${NOLOG:-}" ] || one nolog "$driver" "$r"
done
