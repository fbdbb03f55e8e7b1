#!/usr/bin/env bash
# A sweep submitted through the generated script runs to the end on Slurm:
# 2 tasks under srun (rank 0 runs jobs too), the job ends COMPLETED with
# ExitCode 0:0, `aslsweep status` reports every job done, and the log shows
# the runner's summary and no requeue. A run the runner refuses ends FAILED
# with its exit status; run by hand the script uses mpirun, same cube.
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

# A failing run is FAILED in accounting with the runner's exit status: the
# same DIR with another spec (an override), whose cube lacks the content keys
# a grown study needs, is refused by the runner (exit 2), and the script
# neither hides the status nor requeues.
/usr/bin/python3 - "$out/results.h5" <<'PY' || fail "removing the cube's content keys"
import h5py, sys
with h5py.File(sys.argv[1], "r+") as f:
    del f["jobs/content_key"]
PY
line=$("$aslsweep" slurm "$spec" --out "$out" --nodes 1 --ntasks-per-node 2 --cpus-per-task 1 \
  --time 00:10:00 --submit --quiet train.epochs=2) || fail "second aslsweep slurm --submit failed"
id=$(sed -n 's/^submitted job \([0-9][0-9]*\)$/\1/p' <<<"$line")
state=$(wait_job "$id" 120)
[ "$state" = FAILED ] || { cat "$out/slurm-$id.out" >&2; fail "a refused run ended $state"; }
[ "$(job_field "$id" ExitCode)" = 2:0 ] || fail "refused run: ExitCode $(job_field "$id" ExitCode), not 2:0"
grep -q "requeue" "$out/slurm-$id.out" && fail "a refused run tried to requeue"
echo "ok   a run the runner refuses is FAILED with ExitCode 2:0, no requeue"

# Outside Slurm the same script runs its ranks under mpirun.
plain=$work_dir/plain
"$aslsweep" slurm "$spec" --out "$plain" --nodes 1 --ntasks-per-node 2 --cpus-per-task 1 --quiet ||
  fail "aslsweep slurm for the mpirun run failed"
(unset SLURM_CONF && bash "$plain/submit.sbatch") >"$work_dir/plain.log" 2>&1 ||
  { cat "$work_dir/plain.log" >&2; fail "the script run by hand failed"; }
grep -q "runner exited with status 0" "$work_dir/plain.log" || fail "no runner exit line by hand"
"$aslsweep" status "$plain" >/dev/null || fail "the script run by hand left jobs undone"
cube_text "$out/results.h5" >"$work_dir/slurm.txt"
cube_text "$plain/results.h5" >"$work_dir/plain.txt"
cmp -s "$work_dir/slurm.txt" "$work_dir/plain.txt" || fail "srun and mpirun runs gave different cubes"
echo "ok   run by hand, the script uses mpirun and gives the same cube as under srun"
