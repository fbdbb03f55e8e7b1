#!/usr/bin/env bash
# Job-array mode end to end on the local cluster: `aslsweep slurm
# --array-chunks 2 --submit` runs two array tasks (`run --slice i/2` into
# DIR/parts/i), then the merge job (afterok on the array) writes
# DIR/results.h5 (first: a chunk count above the cluster's MaxArraySize is
# refused): every task and the merge end COMPLETED with ExitCode 0:0,
# `aslsweep status DIR` says all done, and the merged cube's numbers equal
# those of a single run of the same spec under mpirun.
# usage: sweep_array.sh PATH/TO/aslsweep
. "$(dirname "$0")/lib.sh"
aslsweep=${1:?usage: sweep_array.sh ASLSWEEP}
spec=$ASLSWEEP_SOURCE_DIR/tests/slurm/data/tiny.yaml
cluster_up
out=$work_dir/run

# The cluster's own MaxArraySize (scontrol show config): one chunk more is
# refused with exit 2 naming it, before anything is written.
max=$(scontrol show config | awk '$1 == "MaxArraySize" { print $3 }')
[ -n "$max" ] || fail "scontrol show config gave no MaxArraySize"
rc=0
"$aslsweep" slurm "$spec" --out "$work_dir/too-many" --array-chunks $((max + 1)) --quiet >"$work_dir/max.err" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q "MaxArraySize is $max" "$work_dir/max.err" ||
  { cat "$work_dir/max.err" >&2; fail "--array-chunks $((max + 1)) over MaxArraySize $max not refused"; }
[ ! -e "$work_dir/too-many" ] || fail "the refused command wrote its directory"
echo "ok   --array-chunks $((max + 1)) refused: the cluster's MaxArraySize is $max"

line=$("$aslsweep" slurm "$spec" --out "$out" --nodes 1 --ntasks-per-node 1 --cpus-per-task 1 \
  --time 00:10:00 --array-chunks 2 --submit --quiet 2>"$work_dir/slurm.err") ||
  { cat "$work_dir/slurm.err" >&2; fail "aslsweep slurm --array-chunks 2 --submit failed"; }
grep -q "note: --array-chunks" "$work_dir/slurm.err" && fail "the 'array mode unavailable' note is still printed"
array=$(sed -n 's/^submitted job \([0-9][0-9]*\)$/\1/p' <<<"$line")
merge=$(sed -n 's/^submitted merge job \([0-9][0-9]*\) .*/\1/p' <<<"$line")
[ -n "$array" ] && [ -n "$merge" ] || fail "--submit printed '$line'"

state=$(wait_job "$merge" 240)
for i in 0 1; do
  log=$out/slurm-${array}_$i.out
  task_state=$(wait_job "${array}_$i" 10)
  [ "$task_state" = COMPLETED ] || { cat "$log" >&2; fail "array task $i ended $task_state"; }
  [ "$(job_field "${array}_$i" ExitCode)" = 0:0 ] || fail "array task $i: ExitCode $(job_field "${array}_$i" ExitCode)"
  grep -q "runner exited with status 0" "$log" || { cat "$log" >&2; fail "no runner exit line in $log"; }
  [ -f "$out/parts/$i/results.h5" ] || fail "array task $i wrote no part cube"
done
mlog=$(ls "$out"/slurm-*-merge.out 2>/dev/null | head -n 1)
[ "$state" = COMPLETED ] || { cat "$mlog" >&2; fail "the merge job ended $state"; }
[ "$(job_field "$merge" ExitCode)" = 0:0 ] || fail "merge: ExitCode $(job_field "$merge" ExitCode)"
grep -q "merged 2 of 2 parts" "$mlog" || { cat "$mlog" >&2; fail "no merge summary in $mlog"; }
echo "ok   array tasks ${array}_0 and ${array}_1 and merge job $merge COMPLETED, ExitCode 0:0"

"$aslsweep" status "$out" >"$work_dir/status" || { cat "$work_dir/status" >&2; fail "status: not all done"; }
read -r done failed running pending <<<"$(status_counts "$aslsweep" "$out")"
[ "$done" -gt 0 ] && [ "$failed$running$pending" = 000 ] || fail "status: $done $failed $running $pending"
# Each part holds only its slice: neither had every job done.
for i in 0 1; do
  "$aslsweep" status "$out/parts/$i" >/dev/null && fail "part $i holds every job: the slices overlap"
done

single=$work_dir/single
mpirun -n 1 "$aslsweep" run "$spec" --out "$single" --progress none >"$work_dir/single.log" 2>&1 ||
  { cat "$work_dir/single.log" >&2; fail "the single run failed"; }
cube_text "$out/results.h5" >"$work_dir/array.txt"
cube_text "$single/results.h5" >"$work_dir/single.txt"
[ -s "$work_dir/single.txt" ] || fail "no numbers read from the single run"
cmp -s "$work_dir/array.txt" "$work_dir/single.txt" || fail "the merged array run differs from a single run"
echo "ok   status says all $done jobs done; the merged cube equals a single run's numbers"
