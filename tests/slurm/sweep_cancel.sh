#!/usr/bin/env bash
# scancel mid-sweep, then submitting the same script again, resumes:
#   scancel's TERM reaches the runner through the script, which does not
#   requeue a cancelled job; the cube keeps the jobs done so far; the second
#   submission resumes DIR, ends COMPLETED, and every job is done.
# usage: sweep_cancel.sh PATH/TO/aslsweep
. "$(dirname "$0")/lib.sh"
aslsweep=${1:?usage: sweep_cancel.sh ASLSWEEP}
spec=$ASLSWEEP_SOURCE_DIR/tests/slurm/data/tiny.yaml
cluster_up
out=$work_dir/run

# 10 epochs per train job: long enough to cancel with work left.
line=$("$aslsweep" slurm "$spec" --out "$out" --nodes 1 --ntasks-per-node 2 --cpus-per-task 1 \
  --time 00:10:00 --submit --quiet train.epochs=10) || fail "aslsweep slurm --submit failed"
first=$(sed -n 's/^submitted job \([0-9][0-9]*\)$/\1/p' <<<"$line")
[ -n "$first" ] || fail "--submit printed '$line'"
wait_running "$first" 30
# Cancel once some jobs are done and some remain.
for ((i = 0; i < 240; i++)); do
  read -r done failed running pending <<<"$(status_counts "$aslsweep" "$out")"
  [ "${done:-0}" -ge 1 ] && break
  sleep 0.5
done
[ "${done:-0}" -ge 1 ] || fail "no job done within 120 s"
scancel "$first"
state=$(wait_job "$first" 60)
log=$out/slurm-$first.out
[ "$state" = CANCELLED ] || { cat "$log" >&2; fail "cancelled job ended $state"; }
read -r done1 failed1 running1 pending1 <<<"$(status_counts "$aslsweep" "$out")"
[ "$((pending1 + running1))" -ge 1 ] || fail "nothing left after scancel: cancel came too late to test resume"
[ "$done1" -ge 1 ] || fail "the cancelled run kept no done job"
grep -q "TERM received" "$log" || { cat "$log" >&2; fail "TERM did not reach the batch script"; }
grep -q "requeued" "$log" && fail "a cancelled job requeued itself"
echo "ok   scancel: TERM passed to the runner, $done1 jobs kept, $((pending1 + running1)) left, no requeue"

second=$(sbatch --parsable "$out/submit.sbatch") || fail "resubmission refused"
state=$(wait_job "$second" 240)
[ "$state" = COMPLETED ] || { cat "$out/slurm-$second.out" >&2; fail "resubmitted job ended $state"; }
"$aslsweep" status "$out" >/dev/null || { "$aslsweep" status "$out"; fail "not every job done after resume"; }
# The runner's opening line says how many jobs it found done: the resumed
# run must have started from the cancelled run's cube, not from scratch.
grep -q "jobs, $done1 already done" "$out/slurm-$second.out" ||
  { cat "$out/slurm-$second.out" >&2; fail "the resubmitted run did not start from $done1 done jobs"; }
read -r done2 failed2 running2 pending2 <<<"$(status_counts "$aslsweep" "$out")"
grep '^aslsweep:' "$log" "$out/slurm-$second.out"
echo "ok   resubmission resumed: $done2 jobs done (was $done1), COMPLETED"
