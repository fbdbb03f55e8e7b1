#!/usr/bin/env bash
# Scheduling behaviour with the test double executor:
#   mpi_sched.sh CASE NRANKS
#   same-numbers   any rank count gives the cube of a 1-rank run, bitwise
#   more-ranks     more ranks than jobs (2 jobs, 4 ranks): completes, idle ranks just stop
#   failures       a subject with corrupt data: the jobs that need it fail with
#                  its error, the others complete; --max-failures 0 stops early
#   readonly       an output directory that cannot be written: clear error,
#                  no cube, nothing claimed done
#   cost-order     (1 rank) jobs start longest estimated cost first, and an
#                  infer job only after its train job is done
#   heal-checkpoint a finished study whose infer jobs are made pending again,
#                  one train checkpoint deleted and one truncated: the rerun
#                  reruns those two train jobs, then the infer jobs, and the
#                  cube equals an uninterrupted run's bitwise
#   spec-changed   rerunning DIR with another seed grows the study (every job
#                  changed, the old cube in DIR/attic); --force-new still starts over
# Runs the real binary on specs/double.yaml with the test double executor.
# Needs ASLSWEEP and CUBE_DIGEST in the environment (set by ctest).
. "$(dirname "$0")/lib.sh"
case_=$1 n=$2
work=$(mktemp -d)
trap 'chattr -i "$work/ro" 2>/dev/null; chmod -R u+w "$work"; rm -rf "$work"' EXIT
export ASLSWEEP_INTERNAL_TEST_EXECUTOR=0
spec=$(cd "$(dirname "$0")/specs" && pwd)/double.yaml
plan=(--progress none)

case $case_ in
same-numbers)
  mpirun -n 1 "$ASLSWEEP" run "$spec" --out "$work/one" "${plan[@]}" || fail "1-rank run"
  mpirun -n "$n" "$ASLSWEEP" run "$spec" --out "$work/many" "${plan[@]}" || fail "$n-rank run"
  diff <("$CUBE_DIGEST" "$work/one/results.h5" main) <("$CUBE_DIGEST" "$work/many/results.h5" main) \
    || fail "$n ranks give other numbers than 1 rank"
  ;;
more-ranks)
  mpirun -n "$n" "$ASLSWEEP" run "$spec" --out "$work/r" --progress none \
    sweep.nav=2 sweep.m0=off sweep.model=identity folds=2 \
    || fail "run with $n ranks and one job"
  read -r total done_ < <(job_counts "$work/r/results.h5")
  [ "$total" = 2 ] && [ "$done_" = 2 ] || fail "expected 2 jobs done, got $done_ of $total"
  ;;
failures)
  ASLSWEEP_TEST_FAIL_SUBJECT=sub-03 mpirun -n "$n" "$ASLSWEEP" run "$spec" --out "$work/f" "${plan[@]}" \
    > "$work/out" 2>&1
  rc=$?
  [ $rc -eq 1 ] || { cat "$work/out"; fail "exit status $rc with failed jobs, expected 1"; }
  read -r total done_ < <(job_counts "$work/f/results.h5")
  [ "$done_" -gt 0 ] && [ "$done_" -lt "$total" ] || fail "$done_ of $total done: expected a mix"
  # The error texts: the heap's raw bytes (docs/cube.md, /jobs/error_text).
  h5dump -d /jobs/error_text -b LE -o "$work/errors.bin" "$work/f/results.h5" > /dev/null ||
    fail "cannot read /jobs/error_text"
  grep -aq "sub-03: corrupt data" "$work/errors.bin" \
    || fail "/jobs/error_text does not name the bad subject"
  grep -aq "not run: its train job" "$work/errors.bin" \
    || fail "infer jobs of a failed train job are not marked"
  grep -q "FAILED job" "$work/f/run.log" || fail "run.log lists no failed job"
  # The same with --max-failures 0: stops after the first failure.
  ASLSWEEP_TEST_FAIL_SUBJECT=sub-03 mpirun -n "$n" "$ASLSWEEP" run "$spec" --out "$work/g" "${plan[@]}" \
    --max-failures 0 > "$work/out2" 2>&1
  [ $? -eq 1 ] || fail "--max-failures 0: expected exit status 1"
  grep -q "aborting: 1 jobs failed" "$work/g/run.log" || fail "--max-failures did not abort"
  read -r total2 done2 < <(job_counts "$work/g/results.h5")
  [ "$done2" -lt "$done_" ] || fail "--max-failures 0 ran as many jobs ($done2) as without it"
  ;;
readonly)
  mkdir "$work/ro"
  chattr +i "$work/ro" 2>/dev/null || chmod 555 "$work/ro"
  mpirun -n "$n" "$ASLSWEEP" run "$spec" --out "$work/ro" "${plan[@]}" > "$work/out" 2>&1
  rc=$?
  [ $rc -ne 0 ] || fail "a read-only output directory was accepted"
  grep -q "not writable\|cannot create" "$work/out" || { cat "$work/out"; fail "no clear error"; }
  [ ! -e "$work/ro/results.h5" ] || fail "a cube appeared in the read-only directory"
  ;;
spec-changed)
  mpirun -n "$n" "$ASLSWEEP" run "$spec" --out "$work/s" "${plan[@]}" || fail "first run"
  # Another seed changes every job's content key: the study grows with
  # nothing reused, and the old cube goes to the attic.
  mpirun -n "$n" "$ASLSWEEP" run "$spec" --out "$work/s" "${plan[@]}" seed=7 > "$work/out" 2>&1 \
    || { cat "$work/out"; fail "changed spec"; }
  grep -q 'grow: .* 0 jobs reused, 0 new, 54 changed' "$work/s/run.log" || fail "no grow line in run.log"
  ls "$work"/s/attic/*/results.h5 > /dev/null || fail "the old cube is not in the attic"
  mpirun -n "$n" "$ASLSWEEP" run "$spec" --out "$work/s" "${plan[@]}" seed=7 --force-new || fail "--force-new"
  read -r total done_ < <(job_counts "$work/s/results.h5")
  [ "$total" = "$done_" ] || fail "--force-new run incomplete"
  ;;
heal-checkpoint)
  mpirun -n "$n" "$ASLSWEEP" run "$spec" --out "$work/ref" "${plan[@]}" || fail "reference run"
  mpirun -n "$n" "$ASLSWEEP" run "$spec" --out "$work/h" "${plan[@]}" || fail "first run"
  n_train=$("$ASLSWEEP" plan "$spec" | grep -c ' train ')
  [ "$n_train" -gt 2 ] || fail "the plan has $n_train train jobs"
  /usr/bin/python3 - "$work/h/results.h5" "$n_train" <<'PY' || fail "marking infer jobs pending"
import h5py, sys
with h5py.File(sys.argv[1], "r+") as f:
    s = f["jobs/status"][...]
    s[int(sys.argv[2]):] = 0
    f["jobs/status"][...] = s
PY
  rm "$work/h/checkpoints/job-00000.ckpt"
  truncate -s 10 "$work/h/checkpoints/job-00001.ckpt"
  mpirun -n "$n" "$ASLSWEEP" run "$spec" --out "$work/h" "${plan[@]}" > "$work/out" 2>&1 \
    || { cat "$work/out"; fail "the rerun did not heal the lost checkpoints"; }
  grep -q "resume: 2 done train jobs rerun for a missing or corrupt checkpoint" "$work/h/run.log" \
    || { cat "$work/h/run.log"; fail "run.log does not say which train jobs were rerun"; }
  grep -q "job-00000.ckpt: checkpoint missing" "$work/out" || fail "no warning naming the missing checkpoint"
  diff <("$CUBE_DIGEST" "$work/ref/results.h5" main) <("$CUBE_DIGEST" "$work/h/results.h5" main) \
    || fail "the healed cube differs from an uninterrupted run"
  ;;
cost-order)
  # Nav listed out of cost order, so plan order and cost order differ.
  mpirun -n 1 "$ASLSWEEP" run "$spec" --out "$work/o" "${plan[@]}" "sweep.nav=[8,2,4]" || fail "run"
  "$ASLSWEEP" plan "$spec" "sweep.nav=[8,2,4]" | awk '!/^#/{print $1, $2, $3, $4}' > "$work/plan.txt"
  grep -o ' done job [0-9]*' "$work/o/run.log" | awk '{print $3}' > "$work/order.txt"
  awk 'NR == FNR { kind[$1] = $2; need[$1] = $3; cost[$1] = $4; next }
       { j = $1; seen[j] = 1
         if (need[j] != "-" && !(need[j] in seen)) { print "job " j " ran before its train job " need[j]; bad = 1 }
         if (kind[j] == "train") {
           if (n_train && cost[j] > last + 0) { print "train job " j " (cost " cost[j] ") after a cheaper one"; bad = 1 }
           last = cost[j]; n_train++ } }
       END { if (n_train == 0) { print "no train jobs"; bad = 1 }; exit bad }' \
    "$work/plan.txt" "$work/order.txt" || fail "scheduling order"
  ;;
*) fail "unknown case $case_" ;;
esac
echo "ok: $case_ with $n ranks"
