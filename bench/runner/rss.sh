#!/usr/bin/env bash
# Peak memory per rank at scale, with the test double executor doing no work:
#   rss.sh RUN_DRIVER [REPEAT...]        (default repeats: 2000 20000)
# Each repeat R is the plan of overhead.sh with --repeat R (50 R jobs) on 2
# ranks; every rank runs under /usr/bin/time -v. One line per rank and plan:
#   rss jobs=J rank=R role=manager|worker max_rss=M MB wall=S s
set -eu
driver=$(readlink -f "$1")
shift
repeats=${*:-2000 20000}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/wrap.sh" <<'W'
#!/usr/bin/env bash
exec /usr/bin/time -v -o "$RSS_DIR/rank-$OMPI_COMM_WORLD_RANK.time" "$@"
W
chmod +x "$work/wrap.sh"
for r in $repeats; do
  rm -rf "$work/r" "$work"/rank-*.time
  RSS_DIR=$work ASLSWEEP_INTERNAL_TEST_EXECUTOR=0 mpirun -x RSS_DIR -n 2 "$work/wrap.sh" "$driver" \
    "$work/r" --nav 5 --models 5 --trainable 0 --repeat "$r" --folds 2 --subjects 6 --quiet > /dev/null
  for k in 0 1; do
    role=worker
    [ "$k" = 0 ] && role=manager
    awk -v j=$((50 * r)) -v k="$k" -v role="$role" '
      /Maximum resident set size/ {rss = $NF}
      /Elapsed \(wall clock\)/ {n = split($NF, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]}
      END {printf "rss jobs=%d rank=%d role=%s max_rss=%.0f MB wall=%.1f s\n", j, k, role, rss / 1024, s}' \
      "$work/rank-$k.time"
  done
done
