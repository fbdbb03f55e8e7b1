#!/usr/bin/env bash
# Scale of `aslsweep run` itself (spec load, plan, cube, scheduler, logs),
# with the test double executor doing no work:
#   cli_scale.sh ASLSWEEP
# Environment: JOBS (default "10000 100000"), RANKS (default "2 8"),
# WORK (a scratch folder, default a new one under /tmp).
# The spec has M identity models x 4 Nav x 2 M0 x 2 strategies x 10 folds =
# 160 M infer jobs (M = JOBS / 160). One line per run:
#   cli jobs=J ranks=N wall=S s run=R s per_job=P ms manager=M MB worker=W MB
#       cube=B bytes/job files=F
# wall is the whole command (mpirun, spec, plan, cube, jobs), run what
# `aslsweep run` reports (from the first rank's start), per_job = wall / J, manager and
# worker the peak resident memory of rank 0 and of the largest other rank
# (DIR/run.log), files everything in DIR but the cube, run.log and logs/.
set -eu
bin=$(readlink -f "$1")
jobs=${JOBS:-10000 100000}
ranks=${RANKS:-2 8}
work=${WORK:-$(mktemp -d)}
mkdir -p "$work"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export ASLSWEEP_INTERNAL_TEST_EXECUTOR=0

spec() { # models -> spec text
  printf 'name: cli-scale\nseed: 3\ndata:\n  phantom:\n    subjects: 10\n    shape: [16, 16, 12]\n'
  printf '    timepoints: 32\ngrid: [16, 16, 16]\nfolds: 10\nkeep_volumes: none\n'
  printf 'metrics: [ssim, psnr, nmae]\nmodels:\n'
  for i in $(seq 1 "$1"); do printf '  m%05d: {kind: identity}\n' "$i"; done
  printf 'sweep:\n  strategy: [windowed, interleaved]\n  nav: [2, 4, 8, 16]\n  m0: [off, on]\n'
  printf '  snr_group: all\n  model: ['
  for i in $(seq 1 "$1"); do printf '%sm%05d' "$([ "$i" = 1 ] || echo ', ')" "$i"; done
  printf ']\n'
}

for j in $jobs; do
  m=$((j / 160))
  spec "$m" > "$work/spec-$j.yaml"
  for n in $ranks; do
    d=$work/run-$j-$n
    rm -rf "$d"
    t0=$(date +%s.%N)
    out=$(mpirun -n "$n" "$bin" run "$work/spec-$j.yaml" --out "$d" --progress none 2>/dev/null | tail -1)
    wall=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{print b - a}')
    sched=$(sed -n 's/.*(\([0-9.]*\) s).*/\1/p' <<< "$out")
    mem=$(grep 'peak memory:' "$d/run.log" | tail -1)
    mgr=$(sed -n 's/.*rank 0 \([0-9.]*\) MB.*/\1/p' <<< "$mem")
    wrk=$(sed -n 's/.*at most \([0-9.]*\) MB.*/\1/p' <<< "$mem")
    bytes=$(stat -c %s "$d/results.h5")
    files=$(find "$d" -path "$d/logs" -prune -o -type f -print | grep -cv -e '/results.h5$' -e '/run.log$')
    awk -v j="$((160 * m))" -v n="$n" -v w="$wall" -v s="$sched" -v mg="$mgr" -v wk="${wrk:--}" -v b="$bytes" -v f="$files" \
      'BEGIN{printf "cli jobs=%d ranks=%d wall=%.1f s run=%.1f s per_job=%.3f ms manager=%s MB worker=%s MB cube=%.0f bytes/job files=%d\n", j, n, w, s, 1000*w/j, mg, wk, b/j, f}'
    rm -rf "$d"
  done
done
