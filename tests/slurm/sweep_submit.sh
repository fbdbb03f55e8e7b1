#!/usr/bin/env bash
# A sweep submitted through the generated script runs to the end on Slurm:
# 2 tasks (a manager and a worker) under srun, the job ends COMPLETED with
# ExitCode 0:0, `aslsweep status` reports every job done, and the log shows
# the runner's summary and no requeue.
# usage: sweep_submit.sh PATH/TO/aslsweep
. "$(dirname "$0")/lib.sh"
aslsweep=${1:?usage: sweep_submit.sh ASLSWEEP}
spec=$ASLSWEEP_SOURCE_DIR/tests/slurm/data/tiny.yaml
cluster_up
out=$work_dir/run

line=$("$aslsweep" slurm "$spec" --out "$out" --nodes 1 --ntasks-per-node 2 --cpus-per-task 1 \
  --time 00:10:00 --submit --quiet) || fail "aslsweep slurm --submit failed"
id=$(sed -n 's/^submitted job \([0-9][0-9]*\)$/\1/p' <<<"$line")
[ -n "$id" ] || fail "--submit printed '$line'"
state=$(wait_job "$id" 240)
log=$out/slurm-$id.out
[ "$state" = COMPLETED ] || { cat "$log" >&2; fail "the sweep job ended $state"; }
[ "$(job_field "$id" ExitCode)" = 0:0 ] || fail "ExitCode $(job_field "$id" ExitCode)"
[ "$(job_field "$id" Restarts)" = 0 ] || fail "the job was requeued"
counts=$(status_counts "$aslsweep" "$out")
read -r done failed running pending <<<"$counts"
[ -n "$counts" ] && [ "$done" -gt 0 ] && [ "$failed$running$pending" = 000 ] ||
  { cat "$log" >&2; fail "status after the job: '$counts' (done failed running pending)"; }
"$aslsweep" status "$out" >/dev/null || fail "aslsweep status does not say all done"
grep -q "runner exited with status 0" "$log" || fail "no runner exit line in $log"
echo "ok   submitted sweep COMPLETED, $done jobs done, ExitCode 0:0"
