#!/usr/bin/env bash
# `aslsweep slurm` end to end, without running the sweep itself:
#   bad values exit 2 with a message naming the option, and create nothing;
#   the printed script is the written DIR/submit.sbatch and is valid bash;
#   on a real cluster, --submit hands it to sbatch, prints the job id, and
#   Slurm reads every option as meant (nodes, tasks, CPUs, limit, partition,
#   requeue, log path, held by an --extra line so nothing runs);
#   --array-chunks submits a job array and a merge job held by afterok on it;
#   without counts the suggestion uses the node's CPU count from sinfo.
# usage: cli.sh PATH/TO/aslsweep
. "$(dirname "$0")/lib.sh"
shopt -s extglob
aslsweep=${1:?usage: cli.sh ASLSWEEP}
spec=$ASLSWEEP_SOURCE_DIR/tests/slurm/data/tiny.yaml
cluster_up
out=$work_dir/run

# Refused: "option value" then the text the message must hold.
refuse() {
  local want=$1 msg rc=0
  shift
  msg=$("$aslsweep" slurm "$spec" --out "$out" "$@" 2>&1 >/dev/null) || rc=$?
  [ "$rc" = 2 ] || fail "slurm $* exited $rc, not 2"
  grep -qF -- "$want" <<<"$msg" || fail "slurm $*: message '$msg' lacks '$want'"
  [ ! -e "$out" ] || fail "slurm $* created $out"
}
refuse "--time '90'" --time 90
refuse "--time '1:00'" --time 1:00
refuse "--time '1-25:00:00'" --time 1-25:00:00
refuse "--nodes '0'" --nodes 0
refuse "--nodes '-2'" --nodes -2
refuse "--ntasks-per-node '0'" --ntasks-per-node 0
refuse "--cpus-per-task 'abc'" --cpus-per-task abc
refuse "--partition 'a b'" --partition "a b"
refuse "--mem 'lots'" --mem lots
refuse "--extra '--hold'" --extra --hold
refuse "not shorter than --time 00:02:00" --time 00:02:00 --grace 200
refuse "unknown option or missing value: '--bogus'" --bogus
refuse "expected key.path=value" stray
refuse "expected an integer" train.epochs=zero
echo "ok   bad values are refused with exit 2 and a message, nothing created"

printed=$("$aslsweep" slurm "$spec" --out "$out" --nodes 1 --ntasks-per-node 2 --cpus-per-task 1 \
  --time 00:05:00 --partition debug --grace 60 --extra "#SBATCH --hold") || fail "generation failed"
[ -x "$out/submit.sbatch" ] || fail "no executable $out/submit.sbatch"
[ "$printed" = "$(cat "$out/submit.sbatch")" ] || fail "printed script differs from the file"
bash -n "$out/submit.sbatch" || fail "submit.sbatch is not valid bash"
grep -qx "#SBATCH --signal=B:USR1@60" "$out/submit.sbatch" || fail "no --signal line"
grep -qx "spec=$spec" "$out/submit.sbatch" || fail "spec path not absolute"
echo "ok   the printed script is DIR/submit.sbatch, valid bash"

line=$("$aslsweep" slurm "$spec" --out "$out" --nodes 1 --ntasks-per-node 2 --cpus-per-task 1 \
  --time 00:05:00 --partition debug --grace 60 --extra "#SBATCH --hold" --submit --quiet) ||
  fail "--submit failed"
id=$(sed -n 's/^submitted job \([0-9][0-9]*\)$/\1/p' <<<"$line")
[ -n "$id" ] || fail "--submit printed '$line', not 'submitted job N'"
# Field $2 of job $1 matches the glob $3.
expect() {
  local got
  got=$(job_field "$1" "$2")
  # shellcheck disable=SC2053 # $3 is a pattern
  [[ $got == $3 ]] || fail "job $1: $2=$got, expected $3"
}
expect "$id" JobState PENDING
expect "$id" Reason JobHeldUser
expect "$id" NumNodes "1?(-1)"
expect "$id" NumTasks 2
expect "$id" CPUs/Task 1
expect "$id" TimeLimit 00:05:00
expect "$id" Partition debug
expect "$id" Requeue 1
expect "$id" StdOut "$(cd "$out" && pwd -P)/slurm-$id.out"
expect "$id" Command "$(cd "$out" && pwd -P)/submit.sbatch"
scancel "$id"
echo "ok   --submit: Slurm reads nodes, tasks, CPUs, limit, partition, requeue, log path"

rm -rf "$out"
line=$("$aslsweep" slurm "$spec" --out "$out" --ntasks-per-node 2 --array-chunks 3 \
  --extra "#SBATCH --hold" --submit --quiet 2>"$work_dir/array.err") || fail "array --submit failed"
if ! "$aslsweep" merge --help >/dev/null 2>&1; then
  grep -q "note: --array-chunks needs" "$work_dir/array.err" || fail "no note that merge is missing"
fi
array=$(sed -n 's/^submitted job \([0-9][0-9]*\)$/\1/p' <<<"$line")
merge=$(sed -n 's/^submitted merge job \([0-9][0-9]*\) .*/\1/p' <<<"$line")
[ -n "$array" ] && [ -n "$merge" ] || fail "array --submit printed '$line'"
[ -d "$out/parts" ] && [ -x "$out/merge.sbatch" ] || fail "no parts/ or merge.sbatch"
bash -n "$out/merge.sbatch" || fail "merge.sbatch is not valid bash"
expect "$array" ArrayTaskId 0-2
expect "$merge" Dependency "afterok:${array}_\\*(unfulfilled)"
scancel "$array" "$merge"
echo "ok   --array-chunks: a 3-task array and a merge job waiting on it"

# The tiny plan could use 4 workers; the one-node test partition caps it.
"$aslsweep" slurm "$spec" --out "$out" --quiet || fail "generation without counts failed"
grep -q "^# Allocation: 1 node x 2 tasks x 1 CPUs = 2 workers, rank 0 among them ($(nproc --all) cores per node)" \
  "$out/submit.sbatch" || fail "suggestion did not use sinfo's CPU count: $(grep '^# Alloc' "$out/submit.sbatch")"
echo "ok   counts not given are suggested from the plan, sinfo's CPUs and node count"
