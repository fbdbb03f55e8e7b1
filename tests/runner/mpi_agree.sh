#!/usr/bin/env bash
# Ranks that disagree or fail alone stop together, with one message:
#   mpi_agree.sh CASE
#   overrides   MPMD ranks given different key=value overrides: exit 2 naming
#               rank 1 and the differing line, before any cube exists
#   no-spec     rank 1 cannot read the spec (another working folder): exit 2
#               naming rank 1; a relative --out from two working folders:
#               exit 2 naming both directories
#   data        ranks whose working folders hold different BIDS data (same ids
#               and sizes): exit 2 naming rank 1 and its input fingerprints
#   faults      ASLSWEEP_FAULT=STEP:1 for every collective step: exit 1 on all
#               ranks naming rank 1, the file and the step; no hang; a
#               rerun without the fault completes
#   fsize       rank 0 under `ulimit -f 60` (the new cube does not fit): exit 1
#               on both ranks naming rank 0, the file and "File too large"
#   lock        a second run into a DIR in use: exit 2 naming the host and pid
#               of the first; the first completes untouched
#   stale-lock  DIR/.lock left by a dead process: taken over with a warning
#   out-parent  --out under missing parents: they are made (mkdir -p)
#   stall       ASLSWEEP_TEST_STALL=1 (rank 1 stops making progress, rank 0
#               waits in the next collective step) with --stall-timeout 3:
#               the run ends within seconds naming the rank and where it was;
#               the same command without the stall then completes
#   isa         run.log names each host's kernel ISA (ASLSWEEP_ISA=generic on
#               rank 1 only: both listed); ASLSWEEP_ISA=avx9000 on rank 1
#               only: exit 2 on both ranks naming the bad value, no cube
#   log-full    run.log on a full device (/dev/full): said once on stderr,
#               the run completes
# Each mpirun is bounded by `timeout`, so a hang fails the test.
# Needs ASLSWEEP in the environment (set by ctest).
. "$(dirname "$0")/lib.sh"
case_=$1
specs=$(cd "$(dirname "$0")/specs" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
plan=(--progress none)

# expect RC PATTERN LOG: the exit status and a line of the output.
expect() {
  [ "$rc" -ne 124 ] || { cat "$3"; fail "hung (killed by timeout)"; }
  [ "$rc" -eq "$1" ] || { cat "$3"; fail "exit status $rc, expected $1"; }
  grep -q -- "$2" "$3" || { cat "$3"; fail "no message matching '$2'"; }
}

case $case_ in
overrides)
  export ASLSWEEP_INTERNAL_TEST_EXECUTOR=0
  timeout 60 mpirun -n 1 "$ASLSWEEP" run "$specs/double.yaml" --out "$work/o" "${plan[@]}" seed=5 \
    : -n 1 "$ASLSWEEP" run "$specs/double.yaml" --out "$work/o" "${plan[@]}" seed=7 > "$work/out" 2>&1
  rc=$?
  expect 2 "rank 1 (host .*): its spec (after overrides) differs from rank 0's at line 2 (rank 0: 'seed: 5', rank 1: 'seed: 7')" "$work/out"
  [ ! -e "$work/o/results.h5" ] || fail "a cube was made although the ranks disagree"
  ;;
no-spec)
  export ASLSWEEP_INTERNAL_TEST_EXECUTOR=0
  mkdir "$work/a" "$work/b"
  cp "$specs/double.yaml" "$work/a/spec.yaml"
  timeout 60 mpirun -n 1 --wdir "$work/a" "$ASLSWEEP" run spec.yaml --out "$work/o" "${plan[@]}" \
    : -n 1 --wdir "$work/b" "$ASLSWEEP" run spec.yaml --out "$work/o" "${plan[@]}" > "$work/out" 2>&1
  rc=$?
  expect 2 "rank 1 (host .*): .*spec.yaml" "$work/out"
  # A relative --out from two working folders: two directories, refused.
  cp "$specs/double.yaml" "$work/b/spec.yaml"
  timeout 60 mpirun -n 1 --wdir "$work/a" "$ASLSWEEP" run spec.yaml --out o "${plan[@]}" \
    : -n 1 --wdir "$work/b" "$ASLSWEEP" run spec.yaml --out o "${plan[@]}" > "$work/out" 2>&1
  rc=$?
  expect 2 "rank 1 (host .*): its option list differs from rank 0's at line 1 (rank 0: '--out $work/a/o', rank 1: '--out $work/b/o')" "$work/out"
  ;;
data)
  for d in a b; do
    mkdir "$work/$d"
    "$ASLSWEEP" phantom --out "$work/$d/bids" --subjects 4 --shape 24,24,12 --timepoints 8 \
      --seed $([ $d = a ] && echo 3 || echo 4) > /dev/null || fail "phantom"
    sed "s|^  phantom:.*|  bids: bids|; /^    subjects:/d; /^    shape:/d; /^    timepoints:/d" \
      "$specs/baselines.yaml" > "$work/$d/spec.yaml"
  done
  timeout 120 mpirun -n 1 --wdir "$work/a" "$ASLSWEEP" run spec.yaml --out "$work/o" "${plan[@]}" \
    : -n 1 --wdir "$work/b" "$ASLSWEEP" run spec.yaml --out "$work/o" "${plan[@]}" > "$work/out" 2>&1
  rc=$?
  expect 2 "rank 1 (host .*): its data (subjects, time points, input fingerprints) differs from rank 0's at line 1" "$work/out"
  [ ! -e "$work/o/results.h5" ] || fail "a cube was made although the ranks hold different data"
  ;;
faults)
  export ASLSWEEP_INTERNAL_TEST_EXECUTOR=0
  for step in prepare create rename open finish; do
    rm -rf "$work/f"
    ASLSWEEP_FAULT=$step:1 timeout 60 mpirun -n 2 "$ASLSWEEP" run "$specs/double.yaml" \
      --out "$work/f" "${plan[@]}" sweep.nav=2 sweep.m0=off > "$work/out" 2>&1
    rc=$?
    expect 1 "rank 1 (host .*): $work/f.*: $step failed (fault injected by ASLSWEEP_FAULT=$step:1)" \
      "$work/out"
    [ "$(grep -c 'fault injected' "$work/out")" -eq 1 ] || { cat "$work/out"; fail "$step: not one message"; }
    timeout 60 mpirun -n 2 "$ASLSWEEP" run "$specs/double.yaml" --out "$work/f" "${plan[@]}" \
      sweep.nav=2 sweep.m0=off > "$work/out2" 2>&1 || { cat "$work/out2"; fail "$step: rerun without the fault"; }
    echo "ok: fault at $step"
  done
  ;;
fsize)
  export ASLSWEEP_INTERNAL_TEST_EXECUTOR=0
  timeout 60 mpirun -n 1 bash -c "ulimit -f 60; exec \"\$0\" \"\$@\"" "$ASLSWEEP" run \
    "$specs/double.yaml" --out "$work/u" "${plan[@]}" \
    : -n 1 "$ASLSWEEP" run "$specs/double.yaml" --out "$work/u" "${plan[@]}" > "$work/out" 2>&1
  rc=$?
  expect 1 "rank 0 (host .*): $work/u/results.h5.creating: cannot write the new cube (File too large)" "$work/out"
  [ ! -e "$work/u/results.h5" ] || fail "a cube appeared although it could not be written"
  ;;
lock)
  export ASLSWEEP_INTERNAL_TEST_EXECUTOR=100
  timeout 120 mpirun -n 1 "$ASLSWEEP" run "$specs/double.yaml" --out "$work/l" "${plan[@]}" \
    sweep.nav=2 > "$work/first" 2>&1 &
  mpi=$!
  wait_done "$work/l/run.log" 1 60 || fail "the first run finished no job in 60 s"
  pid=$(pgrep -f "aslsweep run $specs/double.yaml --out $work/l" | while read -r p; do
    [ "$(ps -o comm= -p "$p")" = aslsweep ] && echo "$p"; done)
  [ -n "$pid" ] || fail "no pid for the first run"
  timeout 60 mpirun -n 2 "$ASLSWEEP" run "$specs/double.yaml" --out "$work/l" "${plan[@]}" \
    sweep.nav=2 > "$work/out" 2>&1
  rc=$?
  expect 2 "$work/l/.lock: another run (pid $pid on this host $(hostname)" "$work/out"
  wait $mpi || { cat "$work/first"; fail "the first run did not complete"; }
  read -r total done_ < <(job_counts "$work/l/results.h5")
  [ "$total" = "$done_" ] || fail "first run: $done_ of $total done"
  [ ! -s "$work/l/.lock" ] || fail "the lock file still names a holder after the run"
  ;;
stale-lock)
  export ASLSWEEP_INTERNAL_TEST_EXECUTOR=0
  mkdir -p "$work/s"
  sleep 0 & dead=$!; wait $dead
  echo "$(hostname) $dead 1700000000" > "$work/s/.lock"
  timeout 60 mpirun -n 2 "$ASLSWEEP" run "$specs/double.yaml" --out "$work/s" "${plan[@]}" \
    sweep.nav=2 sweep.m0=off > "$work/out" 2>&1
  rc=$?
  expect 0 "warning: $work/s/.lock: taking over the lock of pid $dead" "$work/out"
  ;;
out-parent)
  export ASLSWEEP_INTERNAL_TEST_EXECUTOR=0
  timeout 60 mpirun -n 2 "$ASLSWEEP" run "$specs/double.yaml" --out "$work/x/y/z" "${plan[@]}" \
    sweep.nav=2 sweep.m0=off > "$work/out" 2>&1
  rc=$?
  expect 0 "" "$work/out"
  [ -f "$work/x/y/z/results.h5" ] || fail "no cube under the new parents"
  ;;
log-full)
  export ASLSWEEP_INTERNAL_TEST_EXECUTOR=0
  mkdir "$work/g"
  ln -s /dev/full "$work/g/run.log"
  timeout 60 mpirun -n 2 "$ASLSWEEP" run "$specs/double.yaml" --out "$work/g" "${plan[@]}" \
    sweep.nav=2 sweep.m0=off > "$work/out" 2>&1
  rc=$?
  expect 0 "warning: $work/g/run.log: cannot write (No space left on device)" "$work/out"
  [ "$(grep -c 'run.log: cannot write' "$work/out")" -eq 1 ] || fail "the warning is not given once"
  ;;
isa)
  export ASLSWEEP_INTERNAL_TEST_EXECUTOR=0
  timeout 60 mpirun -n 1 "$ASLSWEEP" run "$specs/double.yaml" --out "$work/i" "${plan[@]}" \
    : -n 1 -x ASLSWEEP_ISA=generic "$ASLSWEEP" run "$specs/double.yaml" --out "$work/i" "${plan[@]}" \
    > "$work/out" 2>&1
  rc=$?
  expect 0 "" "$work/out"
  grep -q "isa .*=generic" "$work/i/run.log" || { cat "$work/i/run.log"; fail "run.log lacks rank 1's isa"; }
  timeout 60 mpirun -n 1 "$ASLSWEEP" run "$specs/double.yaml" --out "$work/j" "${plan[@]}" \
    : -n 1 -x ASLSWEEP_ISA=avx9000 "$ASLSWEEP" run "$specs/double.yaml" --out "$work/j" "${plan[@]}" \
    > "$work/out" 2>&1
  rc=$?
  expect 2 "ASLSWEEP_ISA=avx9000: unknown instruction set" "$work/out"
  [ ! -e "$work/j/results.h5" ] || fail "a cube was made although a rank's ISA is unusable"
  ;;
stall)
  export ASLSWEEP_INTERNAL_TEST_EXECUTOR=0
  start=$(date +%s)
  ASLSWEEP_TEST_STALL=1 timeout 60 mpirun -n 2 "$ASLSWEEP" run "$specs/double.yaml" --out "$work/s" \
    "${plan[@]}" --stall-timeout 3 > "$work/out" 2>&1
  rc=$?
  [ "$rc" -ne 124 ] || { cat "$work/out"; fail "the stalled run hung until the test's timeout"; }
  [ "$rc" -ne 0 ] || { cat "$work/out"; fail "the stalled run exited 0"; }
  grep -q "rank [01] (host .*): no progress for [0-9]* s (last at: .*); stopping the run (--stall-timeout 3)" \
    "$work/out" || { cat "$work/out"; fail "no watchdog message"; }
  [ $(( $(date +%s) - start )) -lt 40 ] || fail "the watchdog took too long"
  timeout 60 mpirun -n 2 "$ASLSWEEP" run "$specs/double.yaml" --out "$work/s" "${plan[@]}" \
    --stall-timeout 30 > "$work/out2" 2>&1 || { cat "$work/out2"; fail "rerun after the stall"; }
  ;;
*) fail "unknown case $case_" ;;
esac
echo "ok: $case_"
