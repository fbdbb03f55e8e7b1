#!/usr/bin/env bash
# Row checksums, with the test double on specs/double.yaml (54 jobs):
#   mpi_integrity.sh resume NRANKS
#     a clean run verifies ("ok: 54 rows verified"); one bit flipped in one
#     /main/metrics cell makes verify, status, table and export exit 1 naming
#     that job's key and experiment; `run` on the directory reruns exactly
#     that job, and the cube ends bitwise equal to the clean run. A flipped
#     train loss names its train job. A cube without /jobs/checksum (as
#     written before checksums) reads as unverified: verify and status exit 0
#     with a note.
#   mpi_integrity.sh merge NRANKS
#     two slices, a bit flipped in a part: merge exits 1 naming the job and
#     leaves it pending; rerunning that slice and merging again gives the
#     numbers of a single run.
# Needs ASLSWEEP, CUBE_DIGEST and CUBE_FLIP in the environment (set by ctest).
. "$(dirname "$0")/lib.sh"
mode=$1 n=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
spec=$(cd "$(dirname "$0")/specs" && pwd)/double.yaml
export ASLSWEEP_INTERNAL_TEST_EXECUTOR=0
run() { mpirun -n "$n" "$ASLSWEEP" run "$spec" --progress none "$@"; }

# The job index in cell 0 of /main/job, and that job's key.
job_of_cell0() {
  h5dump -d /main/job -w 0 -y "$1" | sed -n '/DATA {/,$p' | sed -n 2p | tr ',' ' ' | awk '{print $1}'
}
key_of_cell0() {
  local j
  j=$(job_of_cell0 "$1")
  [ "$j" -ge 0 ] 2>/dev/null || return 0
  h5dump -d /jobs/key -w 0 -y "$1" | sed -n '/DATA {/,$p' | sed -n 2p |
    sed 's/^ *"//; s/"$//; s/", "/\n/g' | sed -n "$((j + 1))p"
}

run --out "$work/ref" > "$work/ref.out" 2>&1 || { cat "$work/ref.out"; fail "reference run"; }
"$ASLSWEEP" verify "$work/ref" > "$work/v.out" || fail "verify of a clean run"
grep -qx "ok: 54 rows verified" "$work/v.out" || { cat "$work/v.out"; fail "verify output"; }
"$CUBE_DIGEST" "$work/ref/results.h5" main > "$work/ref.digest" || fail "digest"
grep -q '^/jobs/checksum ' "$work/ref.digest" || fail "no /jobs/checksum in a new cube"

# expect_named CMD...: exits 1 and names the job key and experiment main.
expect_named() {
  "$@" > "$work/named.out" 2>&1
  local rc=$?
  [ $rc -eq 1 ] || { cat "$work/named.out"; fail "$*: exit $rc, expected 1"; }
  grep -qF "job $key (experiment main): checksum mismatch" "$work/named.out" ||
    { cat "$work/named.out"; fail "$* does not name $key"; }
}

case $mode in
resume)
  cp -r "$work/ref" "$work/run"
  cube=$work/run/results.h5
  key=$(key_of_cell0 "$cube")
  [ -n "$key" ] || fail "no job owns cell 0"
  "$CUBE_FLIP" "$cube" /main/metrics 0 20 || fail "flip"
  expect_named "$ASLSWEEP" verify "$work/run"
  [ "$(grep -c 'checksum mismatch' "$work/named.out")" -eq 1 ] || fail "verify names more than one row"
  expect_named "$ASLSWEEP" status "$work/run"
  expect_named "$ASLSWEEP" status "$work/run" --json
  /usr/bin/python3 - "$work/named.out" "$key" <<'PY' || fail "status --json does not list the failing row"
import json, sys
doc = json.load(open(sys.argv[1]))
bad = doc["verify"]["failing"]
assert len(bad) == 1 and sys.argv[2] in bad[0]["what"], bad
assert doc["verify"]["has_checksums"] and doc["total"]["done"] == doc["jobs"], doc["total"]
PY
  expect_named "$ASLSWEEP" table "$cube"
  expect_named "$ASLSWEEP" export "$cube" --format csv
  run --out "$work/run" > "$work/resume.out" 2>&1 || { cat "$work/resume.out"; fail "resume"; }
  grep -q "53 already done" "$work/run/run.log" || fail "resume did not keep the 53 intact jobs"
  [ "$(grep -c ' done job ' "$work/run/run.log")" -eq 55 ] || fail "resume ran more than one job"
  grep ' done job ' "$work/run/run.log" | tail -1 | grep -qF " $key " || fail "resume reran another job"
  "$ASLSWEEP" verify "$work/run" > /dev/null || fail "verify after resume"
  "$CUBE_DIGEST" "$cube" main | diff "$work/ref.digest" - || fail "resumed cube differs from the clean run"
  # A train job's loss: named as a train job.
  "$CUBE_FLIP" "$cube" /jobs/train_loss 1 3 || fail "flip a loss"
  "$ASLSWEEP" verify "$work/run" > "$work/t.out" 2>&1 && fail "verify missed a flipped loss"
  grep -q "(train): checksum mismatch" "$work/t.out" || { cat "$work/t.out"; fail "train row not named"; }
  # A cube from before checksums: unverified, with a note, exit 0.
  cp -r "$work/ref" "$work/old"
  "$CUBE_FLIP" "$work/old/results.h5" /jobs/checksum drop || fail "drop"
  "$ASLSWEEP" verify "$work/old" > "$work/o.out" 2>&1 || { cat "$work/o.out"; fail "verify of an old cube"; }
  grep -q "54 committed rows are unverified" "$work/o.out" || { cat "$work/o.out"; fail "no note"; }
  "$ASLSWEEP" status "$work/old" > "$work/os.out" 2>&1 || { cat "$work/os.out"; fail "status of an old cube"; }
  grep -q "unverified" "$work/os.out" || fail "status gives no note for an old cube"
  "$ASLSWEEP" table "$work/old/results.h5" > /dev/null 2>&1 || fail "table of an old cube"
  ;;
merge)
  mkdir -p "$work/parts"
  for i in 0 1; do
    run --out "$work/parts/$i" --slice "$i/2" > "$work/s$i.out" 2>&1 || { cat "$work/s$i.out"; fail "slice $i"; }
  done
  part=$work/parts/0/results.h5
  key=$(key_of_cell0 "$part")
  # Cell 0 may belong to the other slice: flip it in the part whose job it is.
  if [ "$(job_of_cell0 "$part")" = "-1" ]; then
    part=$work/parts/1/results.h5
    key=$(key_of_cell0 "$part")
  fi
  "$CUBE_FLIP" "$part" /main/metrics 0 7 || fail "flip"
  expect_named "$ASLSWEEP" merge --out "$work/m" "$work/parts/0" "$work/parts/1"
  grep -qF "  $key (pending)" "$work/named.out" || { cat "$work/named.out"; fail "the job is not left pending"; }
  expect_named "$ASLSWEEP" verify "$(dirname "$part")"
  slice=${part%/results.h5}
  slice=${slice##*/}
  run --out "$work/parts/$slice" --slice "$slice/2" > "$work/r.out" 2>&1 || { cat "$work/r.out"; fail "rerun slice"; }
  "$ASLSWEEP" merge --out "$work/m" "$work/parts/0" "$work/parts/1" > "$work/m.out" 2>&1 ||
    { cat "$work/m.out"; fail "merge after the rerun"; }
  "$ASLSWEEP" verify "$work/m" > /dev/null || fail "verify of the merge"
  "$CUBE_DIGEST" "$work/m/results.h5" main | diff "$work/ref.digest" - || fail "merge differs from a single run"
  ;;
*) fail "unknown mode $mode" ;;
esac
echo "ok: integrity $mode with $n ranks"
