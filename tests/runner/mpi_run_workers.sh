#!/usr/bin/env bash
# `aslsweep run` expands the jobs on rank 0 only (docs/runner.md, "Memory
# per rank"):
#   mpi_run_workers.sh table N M
#     N ranks run a spec of M identity models and a U-Net (test double,
#     16 M + 16 infer jobs per fold x 10 folds, 160 train jobs); every worker
#     was started with no job of its own (given=0), took its jobs from job
#     messages and held at most a job and its train job's slots; run.log
#     notes each rank's peak memory; the cube equals one run on 1 rank, and
#     so does the merge of two --slice parts run on N ranks each.
#   mpi_run_workers.sh bigspec N M
#     a spec of M defined models (over 64 KiB of text) runs, resumes, grows
#     and tables.
#   mpi_run_workers.sh memory N M
#     the same spec without the U-Net: every worker's peak memory (run.log)
#     stays under 64 MB while rank 0 holds all 160 M jobs.
# Needs ASLSWEEP and CUBE_DIGEST in the environment (set by ctest).
. "$(dirname "$0")/lib.sh"
mode=$1 n=$2 m=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ASLSWEEP_INTERNAL_TEST_EXECUTOR=0

spec() { # $1: 1 to add the U-Net
  printf 'name: run-workers\nseed: 3\ndata:\n  phantom:\n    subjects: 10\n    shape: [16, 16, 12]\n'
  printf '    timepoints: 32\ngrid: [16, 16, 16]\nfolds: 10\nkeep_volumes: none\ntrain: {epochs: 2}\n'
  printf 'metrics: [ssim, psnr, nmae]\nmodels:\n'
  [ "$1" = 1 ] && printf '  unet: {kind: unet3d, base_channels: 4}\n'
  for i in $(seq 1 "$m"); do printf '  m%05d: {kind: identity}\n' "$i"; done
  printf 'sweep:\n  strategy: [windowed, interleaved]\n  nav: [2, 4, 8, 16]\n  m0: [off, on]\n'
  printf '  snr_group: all\n  model: [%s' "$([ "$1" = 1 ] && echo 'unet, ')"
  for i in $(seq 1 "$m"); do printf '%sm%05d' "$([ "$i" = 1 ] || echo ', ')" "$i"; done
  printf ']\n'
}

peak() { # run.log, "rank 0" | "at most" -> MB
  grep 'peak memory:' "$1" | tail -1 | sed -n "s/.*$2 \([0-9.]*\) MB.*/\1/p"
}

case $mode in
table)
  spec 1 > "$work/s.yaml"
  jobs=$((160 * (m + 1) + 160))
  ASLSWEEP_TEST_JOB_TABLE=1 mpirun -n "$n" "$ASLSWEEP" run "$work/s.yaml" --out "$work/w" \
    --progress none > "$work/out" 2>&1 || { cat "$work/out"; fail "run with $n ranks"; }
  grep -q "^$jobs jobs: $jobs done, 0 failed" "$work/out" || { cat "$work/out"; fail "not $jobs jobs done"; }
  [ "$(grep -c '^job table ' "$work/out")" = $((n - 1)) ] || { cat "$work/out"; fail "not every worker reported"; }
  awk '/^job table /{for (i = 1; i <= NF; i++) {split($i, kv, "=");
         if (kv[1] == "given" && kv[2] != 0) bad = 1;
         if (kv[1] == "taken" && kv[2] < 1) bad = 1;
         if (kv[1] == "max_resident_pages" && (kv[2] > 4 || kv[2] < 1)) bad = 1}} END {exit bad}' \
    "$work/out" || { cat "$work/out"; fail "a worker expanded jobs, took none, or held more than a job's slots"; }
  grep -q "peak memory: rank 0 [0-9.]* MB (the plan of $jobs jobs), other ranks at most [0-9.]* MB" \
    "$work/w/run.log" || { cat "$work/w/run.log"; fail "run.log has no peak memory line"; }
  mpirun -n 1 "$ASLSWEEP" run "$work/s.yaml" --out "$work/one" --progress none > /dev/null 2>&1 ||
    fail "1-rank run"
  diff <("$CUBE_DIGEST" "$work/one/results.h5" main) <("$CUBE_DIGEST" "$work/w/results.h5" main) ||
    fail "workers without a job list give another cube than 1 rank"
  # A spec error that only the expansion finds (Nav above Nt): workers no
  # longer expand, so rank 0 alone sees it; every rank stops with exit 2 and
  # rank 0's file:line:col message, and nothing is written.
  sed 's/^  nav: \[2, 4, 8, 16\]$/  nav: [2, 64]/' "$work/s.yaml" > "$work/bad.yaml"
  grep -q "nav: \[2, 64\]" "$work/bad.yaml" || fail "the bad spec was not made"
  timeout 120 mpirun -n "$n" "$ASLSWEEP" run "$work/bad.yaml" --out "$work/bad" --progress none \
    > "$work/bad.out" 2>&1
  rc=$?
  [ $rc -eq 2 ] || { cat "$work/bad.out"; fail "a spec error found by the expansion: exit $rc, not 2"; }
  grep -q "bad.yaml:[0-9]*:[0-9]*: error: nav 64 is larger than Nt" "$work/bad.out" ||
    { cat "$work/bad.out"; fail "no file:line:col message for the Nav error"; }
  [ -e "$work/bad" ] && fail "a refused spec left its --out directory behind"
  # Two --slice parts on N ranks each (a plan above CUBE_PACK_MIN jobs, so
  # the slice marks are compressed and written collectively), merged: the
  # same cube again.
  for i in 0 1; do
    timeout 120 mpirun -n "$n" "$ASLSWEEP" run "$work/s.yaml" --out "$work/parts/$i" --slice "$i/2" \
      --progress none > "$work/part$i.out" 2>&1 || { cat "$work/part$i.out"; fail "slice $i/2 on $n ranks"; }
  done
  "$ASLSWEEP" merge --out "$work/merged" "$work/parts/0" "$work/parts/1" > "$work/merge.out" 2>&1 ||
    { cat "$work/merge.out"; fail "merge of the slices"; }
  diff <("$CUBE_DIGEST" "$work/one/results.h5" main) <("$CUBE_DIGEST" "$work/merged/results.h5" main) ||
    fail "merged slices give another cube than 1 rank"
  # The merge moves cells in blocks: blocks of a few cells (crossing every
  # dimension's boundaries) give the same cube.
  for b in 1 700 5000; do
    ASLSWEEP_TEST_MERGE_BLOCK=$b "$ASLSWEEP" merge --out "$work/merged$b" "$work/parts/0" \
      "$work/parts/1" > "$work/merge$b.out" 2>&1 || { cat "$work/merge$b.out"; fail "merge in blocks of $b bytes"; }
    diff <("$CUBE_DIGEST" "$work/merged/results.h5" main) <("$CUBE_DIGEST" "$work/merged$b/results.h5" main) ||
      fail "a merge in blocks of $b bytes gives another cube"
  done
  ;;
memory)
  spec 0 > "$work/s.yaml"
  mpirun -n "$n" "$ASLSWEEP" run "$work/s.yaml" --out "$work/w" --progress none > "$work/out" 2>&1 ||
    { cat "$work/out"; fail "run with $n ranks"; }
  grep -q "^$((160 * m)) jobs: $((160 * m)) done" "$work/out" || { cat "$work/out"; fail "jobs not done"; }
  mgr=$(peak "$work/w/run.log" "rank 0") wrk=$(peak "$work/w/run.log" "at most")
  echo "peak memory: rank 0 $mgr MB, workers at most $wrk MB ($((160 * m)) jobs)"
  awk -v w="$wrk" 'BEGIN{exit !(w > 0 && w < 64)}' || fail "a worker's peak memory is $wrk MB, not under 64 MB"
  awk -v w="$wrk" -v g="$mgr" 'BEGIN{exit !(g > w)}' || fail "rank 0 ($mgr MB) holds no more than a worker ($wrk MB)"
  ;;
bigspec)
  # A spec of over 64 KiB (M models defined, two swept): its text is a cube
  # attribute larger than an HDF5 object header message, which the cube
  # keeps in dense attribute storage. Run, resume, grow, read.
  big() { # models swept, as a YAML list
    printf 'name: big-spec\nseed: 3\ndata:\n  phantom:\n    subjects: 4\n    shape: [16, 16, 12]\n'
    printf '    timepoints: 8\ngrid: [16, 16, 16]\nfolds: 2\nmetrics: [ssim, psnr, nmae]\nmodels:\n'
    for i in $(seq 1 "$m"); do printf '  model_with_a_longer_name_%05d: {kind: gaussian, sigma: 0.5}\n' "$i"; done
    printf 'sweep: {strategy: windowed, nav: 2, m0: off, snr_group: all, model: %s}\n' "$1"
  }
  big '[model_with_a_longer_name_00001, model_with_a_longer_name_00002]' > "$work/s.yaml"
  [ "$(wc -c < "$work/s.yaml")" -gt 65536 ] || fail "the test spec is not over 64 KiB"
  mpirun -n "$n" "$ASLSWEEP" run "$work/s.yaml" --out "$work/b" --progress none > "$work/out" 2>&1 ||
    { cat "$work/out"; fail "run of a spec over 64 KiB"; }
  grep -q "^4 jobs: 4 done" "$work/out" || { cat "$work/out"; fail "not 4 jobs done"; }
  mpirun -n "$n" "$ASLSWEEP" run "$work/s.yaml" --out "$work/b" --progress none > "$work/out" 2>&1 ||
    { cat "$work/out"; fail "resume"; }
  grep -q "^4 jobs: 4 done" "$work/out" && grep -q "4 already done" "$work/b/run.log" ||
    { cat "$work/out" "$work/b/run.log"; fail "the resume ran jobs again"; }
  big '[model_with_a_longer_name_00001, model_with_a_longer_name_00002, model_with_a_longer_name_00003]' > "$work/s.yaml"
  mpirun -n "$n" "$ASLSWEEP" run "$work/s.yaml" --out "$work/b" --progress none > "$work/out" 2>&1 ||
    { cat "$work/out"; fail "growth"; }
  grep -q "^6 jobs: 6 done" "$work/out" || { cat "$work/out"; fail "growth: not 6 jobs done"; }
  "$ASLSWEEP" table "$work/b/results.h5" > "$work/table" 2>&1 || { cat "$work/table"; fail "table"; }
  grep -q "model_with_a_longer_name_00003" "$work/table" || { cat "$work/table"; fail "table lacks the new model"; }
  ;;
*) fail "unknown mode $mode" ;;
esac
echo "ok: $mode with $n ranks"
