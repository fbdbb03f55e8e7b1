#!/usr/bin/env bash
# Cube size per job and the readers' peak memory at scale, with the test
# double executor doing no work on 2 ranks (the plan of overhead.sh with
# --repeat R: 50 R infer jobs, --trainable 0):
#   cube.sh RUN_DRIVER ASLSWEEP [REPEAT...]        (default repeats: 2000 20000)
# With OLD_RUN_DRIVER and OLD_ASLSWEEP set (the binaries of another build,
# e.g. the one before the compact layout) each repeat is measured with both,
# one after the other, so the ratio is taken under the same load. With
# CUBE_KEEP=DIR the run directories are kept as DIR/<build>-<jobs> (to
# measure readers again later). One line a build and plan:
#   cube build=new|old jobs=J version=V bytes=B per_job=P run=S s status_rss=M MB
#        table_rss=M MB export_rss=M MB verify_rss=M MB
set -eu
driver=$(readlink -f "$1")
aslsweep=$(readlink -f "$2")
shift 2
repeats=${*:-2000 20000}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

rss() { # command... -> "MB" of its peak resident set (output discarded)
  /usr/bin/time -v -o "$work/time" "$@" > /dev/null 2>&1 || true
  awk '/Maximum resident set size/ {printf "%.0f", $NF / 1024}' "$work/time"
}

measure() { # build run_driver aslsweep repeat
  local build=$1 drv=$2 cli=$3 r=$4 t0 t1 dir=$work/r
  [ -n "${CUBE_KEEP:-}" ] && dir=$CUBE_KEEP/$build-$((50 * r))
  rm -rf "$dir"
  t0=$(date +%s.%N)
  ASLSWEEP_INTERNAL_TEST_EXECUTOR=0 mpirun -n 2 "$drv" "$dir" --nav 5 --models 5 \
    --trainable 0 --repeat "$r" --folds 2 --subjects 6 --quiet > /dev/null
  t1=$(date +%s.%N)
  local cube=$dir/results.h5 bytes v
  bytes=$(stat -c %s "$cube")
  v=$(h5dump -a /format_version "$cube" | awk '/\(0\)/ {print $2}')
  local s t e y
  s=$(rss "$cli" status "$dir")
  t=$(rss "$cli" table "$cube")
  e=$(rss "$cli" export "$cube" --format csv)
  y=$(rss "$cli" verify "$dir")
  awk -v b="$build" -v j=$((50 * r)) -v v="$v" -v by="$bytes" -v t0="$t0" -v t1="$t1" \
    -v s="$s" -v t="$t" -v e="$e" -v y="$y" 'BEGIN {
      printf "cube build=%s jobs=%d version=%s bytes=%d per_job=%.0f run=%.1f s status_rss=%s MB table_rss=%s MB export_rss=%s MB verify_rss=%s MB\n",
        b, j, v, by, by / j, t1 - t0, s, t, e, y }'
}

for r in $repeats; do
  measure new "$driver" "$aslsweep" "$r"
  if [ -n "${OLD_RUN_DRIVER:-}" ] && [ -n "${OLD_ASLSWEEP:-}" ]; then
    measure old "$(readlink -f "$OLD_RUN_DRIVER")" "$(readlink -f "$OLD_ASLSWEEP")" "$r"
  fi
done
