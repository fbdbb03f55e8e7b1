#!/usr/bin/env bash
# A sweep whose time limit falls mid-run finishes anyway, with the cube of an
# uninterrupted run:
#   the generated script asks for a short --time with a --grace warning;
#   Slurm's USR1 reaches the batch shell, which passes it to the srun step;
#   the runner checkpoints and exits 3; the script requeues the job;
#   the next start resumes the run directory and the job ends COMPLETED with
#   Restarts >= 1; every job is done and the metrics and job statuses equal
#   those of the same sweep run straight through under mpirun.
# usage: sweep_requeue.sh PATH/TO/aslsweep
. "$(dirname "$0")/lib.sh"
aslsweep=${1:?usage: sweep_requeue.sh ASLSWEEP}
spec=$ASLSWEEP_SOURCE_DIR/tests/slurm/data/tiny.yaml
# slurmctld checks time limits every 30 s or so and signals a job at the
# first check that finds less than --grace left: with this limit and grace
# each start gets 15-45 s of work before USR1 and keeps 45 s to stop. So
# that the first start is still running when USR1 comes, whatever the
# machine's speed or load, job 0 is held at its first safe point until a
# signal arrives (ASLSWEEP_TEST_HOLD_JOB, a test hook; once per run
# directory, so the requeued start runs it straight through).
limit=00:01:30
grace=75
cluster_up
epochs=train.epochs=2
out=$work_dir/run
ref=$work_dir/ref

line=$(ASLSWEEP_TEST_HOLD_JOB=0 "$aslsweep" slurm "$spec" --out "$out" --nodes 1 --ntasks-per-node 2 --cpus-per-task 1 \
  --time "$limit" --grace "$grace" --submit --quiet "$epochs") || fail "aslsweep slurm --submit failed"
id=$(sed -n 's/^submitted job \([0-9][0-9]*\)$/\1/p' <<<"$line")
[ -n "$id" ] || fail "--submit printed '$line'"
wait_running "$id" 30
start=$SECONDS
# While the requeued job waits to be eligible again (about 30 s), run the
# same sweep straight through, outside Slurm, for the reference cube.
for ((i = 0; i < 300; i++)); do
  [ "$(job_field "$id" Restarts)" -ge 1 ] && break
  case $(job_field "$id" JobState) in COMPLETED | FAILED | CANCELLED | TIMEOUT) break ;; esac
  sleep 0.5
done
mpirun -n 2 "$aslsweep" run "$spec" --out "$ref" --threads-per-rank 1 --progress lines "$epochs" \
  >"$work_dir/ref.log" 2>&1 || { cat "$work_dir/ref.log" >&2; fail "the uninterrupted reference run failed"; }
state=$(wait_job "$id" 420)
log=$out/slurm-$id.out
echo "job $id ended $state after $((SECONDS - start)) s with $(job_field "$id" Restarts) restarts"
[ "$state" = COMPLETED ] || { cat "$log" >&2; fail "the sweep job ended $state"; }
[ "$(job_field "$id" ExitCode)" = 0:0 ] || fail "ExitCode $(job_field "$id" ExitCode)"
[ "$(job_field "$id" Restarts)" -ge 1 ] || { cat "$log" >&2; fail "the job was never requeued"; }
grep -q "holding job 0 until a signal" "$log" || { cat "$log" >&2; fail "job 0 was not held"; }
grep -q "USR1 received" "$log" || { cat "$log" >&2; fail "no USR1 reached the batch script"; }
grep -q "runner exited with status 3" "$log" || { cat "$log" >&2; fail "the runner did not exit 3"; }
grep -q "jobs remain: requeued $id" "$log" || { cat "$log" >&2; fail "the script did not requeue"; }
grep -q "runner exited with status 0" "$log" || { cat "$log" >&2; fail "no final runner exit 0"; }
grep '^aslsweep:' "$log"
echo "ok   USR1 before the limit -> runner exit 3 -> requeued -> COMPLETED"

"$aslsweep" status "$out" >/dev/null || { "$aslsweep" status "$out"; fail "not every job is done"; }
cube_text "$ref/results.h5" >"$work_dir/ref.txt"
cube_text "$out/results.h5" >"$work_dir/run.txt"
[ -s "$work_dir/ref.txt" ] || fail "no metrics found in the reference cube"
cmp -s "$work_dir/ref.txt" "$work_dir/run.txt" ||
  { diff "$work_dir/ref.txt" "$work_dir/run.txt" | head -20 >&2; fail "the requeued run's cube differs"; }
echo "ok   the requeued run's cube equals an uninterrupted run's ($(wc -l <"$work_dir/ref.txt") lines of metrics and statuses)"
