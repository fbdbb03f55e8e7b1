#!/usr/bin/env bash
# Crash safety and resume, with the test double executor:
#   mpi_crash.sh MODE NRANKS     MODE: kill-worker | kill-manager | sigterm
# 1. an uninterrupted run gives the reference cube;
# 2. a second run is killed (kill -9 of a worker or of rank 0, or SIGTERM to
#    every rank as Slurm does) after some jobs are committed;
# 3. rerunning the same command completes it, redoing only what was not done;
# 4. the final numbers equal the reference bitwise (cube_digest).
# Runs the real binary on specs/double.yaml with the test double executor.
# Needs ASLSWEEP and CUBE_DIGEST in the environment (set by ctest).
. "$(dirname "$0")/lib.sh"
mode=$1 n=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
spec=$(cd "$(dirname "$0")/specs" && pwd)/double.yaml
plan=(--progress none)

ASLSWEEP_INTERNAL_TEST_EXECUTOR=0 mpirun -n "$n" "$ASLSWEEP" run "$spec" --out "$work/ref" "${plan[@]}" \
  || fail "reference run"
"$CUBE_DIGEST" "$work/ref/results.h5" main > "$work/ref.digest" || fail "digest of reference"

ASLSWEEP_INTERNAL_TEST_EXECUTOR=100 mpirun -n "$n" "$ASLSWEEP" run "$spec" --out "$work/run" "${plan[@]}" \
  --grace 5 > "$work/first.out" 2>&1 &
mpi=$!
wait_done "$work/run/run.log" 6 30 || fail "no jobs finished in 30 s"
case $mode in
  kill-worker) target=$(( n > 1 ? n - 1 : 0 )); kill -9 "$(rank_pid $mpi $target)" ;;
  kill-manager) kill -9 "$(rank_pid $mpi 0)" ;;
  sigterm) # every rank at once, as Slurm signals every task
    pids=$(for r in $(seq 0 $((n - 1))); do rank_pid $mpi $r; done)
    kill -TERM $pids ;;
esac
wait $mpi
rc=$?
if [ "$mode" = sigterm ]; then
  [ $rc -eq 3 ] || { cat "$work/first.out"; fail "SIGTERM: exit status $rc, expected 3"; }
  grep -q "interrupted" "$work/run/run.log" || fail "run.log does not say interrupted"
else
  [ $rc -ne 0 ] || fail "the killed run exited 0"
fi
read -r total done_before < <(job_counts "$work/run/results.h5")
[ "$done_before" -ge 6 ] && [ "$done_before" -lt "$total" ] \
  || fail "after the interruption $done_before of $total jobs done; expected some but not all"

ASLSWEEP_INTERNAL_TEST_EXECUTOR=0 mpirun -n "$n" "$ASLSWEEP" run "$spec" --out "$work/run" "${plan[@]}" \
  > "$work/second.out" 2>&1 || { cat "$work/second.out"; fail "resumed run"; }
grep -q "$done_before already done" "$work/run/run.log" || fail "resume did not reuse the $done_before done jobs"
"$CUBE_DIGEST" "$work/run/results.h5" main > "$work/run.digest" || fail "digest of resumed run"
diff "$work/ref.digest" "$work/run.digest" || fail "resumed cube differs from the uninterrupted one"
# DIR/logs keeps one file per rank and run (two runs here), a block per
# attempt; `aslsweep log` finds every job's history in them.
n_logs=$(ls "$work/run/logs" | wc -l)
[ "$n_logs" -ge 1 ] && [ "$n_logs" -le $((2 * n)) ] \
  || fail "$n_logs job log files for $n ranks x 2 runs (at most $((2 * n)))"
"$ASLSWEEP" plan "$spec" | awk '!/^#/{print $NF}' | sort > "$work/keys"
[ "$(wc -l < "$work/keys")" -eq "$total" ] || fail "plan lists $(wc -l < "$work/keys") keys for $total jobs"
sed -n 's/^== \(.*\): attempt started .*/\1/p' "$work/run/logs"/*.log | sort -u > "$work/logged"
diff "$work/keys" "$work/logged" > /dev/null || fail "job keys missing from DIR/logs: $(comm -23 "$work/keys" "$work/logged" | head -3)"
xargs -d '\n' "$ASLSWEEP" log "$work/run" < "$work/keys" > "$work/all.log" \
  || fail "aslsweep log with every job key"
[ "$(grep -c '^ended: done' "$work/all.log")" -ge "$total" ] || fail "aslsweep log shows fewer done attempts than jobs"
if [ "$mode" = sigterm ]; then
  awk '/^== /{sub(/^== /, ""); sub(/: attempt started .*/, ""); key = $0}
       /^ended: interrupted/{print key}' "$work/run/logs"/*.log > "$work/interrupted"
  [ -s "$work/interrupted" ] || fail "no log shows the interrupted attempt"
  while read -r key; do
    "$ASLSWEEP" log "$work/run" "$key" > "$work/one.log" || fail "aslsweep log $key"
    grep '^ended:' "$work/one.log" | tr '\n' ' ' | grep -q 'ended: interrupted.*ended: done' \
      || fail "$key: aslsweep log does not show the interrupted attempt and then the done one"
  done < "$work/interrupted"
fi
echo "ok: $mode with $n ranks: $done_before/$total done before, identical after resume"
