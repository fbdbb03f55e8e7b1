#!/usr/bin/env bash
# Peak memory per rank at scale, with the test double executor doing no work:
#   rss.sh RUN_DRIVER [REFERENCE_DRIVER]
# Environment: REPEATS (default "2000 20000"), RANKS (default "2 8").
# Each repeat R is the plan of overhead.sh with --repeat R (50 R jobs), run
# on each rank count with every rank under /usr/bin/time -v; with a
# reference driver (another build's run_driver) that one runs first, right
# before, on the same plan. One line per binary, plan and rank count:
#   rss build=new|ref jobs=J ranks=N wall=S s per_job=P ms manager=M MB worker=W MB
# wall is run_sweep's own time (as run_driver prints it), per_job = wall / J,
# manager is rank 0's peak RSS, worker the largest of the other ranks'.
set -eu
driver=$(readlink -f "$1")
ref=${2:+$(readlink -f "$2")}
repeats=${REPEATS:-2000 20000}
ranks=${RANKS:-2 8}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/wrap.sh" <<'W'
#!/usr/bin/env bash
exec /usr/bin/time -v -o "$RSS_DIR/rank-$OMPI_COMM_WORLD_RANK.time" "$@"
W
chmod +x "$work/wrap.sh"

measure() { # build-name driver repeat ranks
  rm -rf "$work/r" "$work"/rank-*.time
  local s
  s=$(RSS_DIR=$work ASLSWEEP_INTERNAL_TEST_EXECUTOR=0 mpirun -x RSS_DIR -n "$4" "$work/wrap.sh" "$2" \
    "$work/r" --nav 5 --models 5 --trainable 0 --repeat "$3" --folds 2 --subjects 6 --quiet |
    awk '/^summary/{print $(NF-1)}')
  for k in $(seq 0 $(($4 - 1))); do
    awk -v k="$k" '/Maximum resident set size/ {print k, $NF}' "$work/rank-$k.time"
  done | awk -v b="$1" -v j=$((50 * $3)) -v n="$4" -v s="$s" '
    $1 == 0 {m = $2} $1 > 0 && $2 > w {w = $2}
    END {printf "rss build=%s jobs=%d ranks=%d wall=%.1f s per_job=%.3f ms manager=%.0f MB worker=%.0f MB\n",
         b, j, n, s, 1000 * s / j, m / 1024, w / 1024}'
}

for r in $repeats; do
  for n in $ranks; do
    [ -z "$ref" ] || measure ref "$ref" "$r" "$n"
    measure new "$driver" "$r" "$n"
  done
done
