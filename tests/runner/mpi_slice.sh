#!/usr/bin/env bash
# Job-array slices and their merge, with the real binary:
#   mpi_slice.sh CASE NRANKS
#   double      test double: specs/double.yaml as K=3 slices (--slice i/3), one
#               after another, then `merge` -> the numbers of a single run,
#               bitwise; each part is marked (slice attribute, /jobs/slice)
#               and counts only its slice; rerunning a slice resumes it
#               (nothing redone); a part refuses another slice or a whole run
#               (exit 2); merging twice replaces the cube; a part given twice
#               (a duplicate) warns and still gives the same numbers
#   baselines   real executor on specs/baselines.yaml: the same, plus every
#               montage volume of the single run is in DIR/volumes
#   unet        real executor, a tiny U-Net trained: K=3 slices + merge equal
#               a single run bitwise (metrics, per-image metrics, losses)
#   signal      a slice stopped by SIGUSR1 (to mpirun) exits 3 with jobs of
#               its slice left; rerunning it finishes the part, and the
#               merge still equals a single run bitwise
#   other-spec  merge refuses parts of two specs (exit 2) and names the part
#   missing     merge without one part's cube exits 1, names every job of
#               that slice, and still writes a cube `status` reads
# Needs ASLSWEEP and CUBE_DIGEST in the environment (set by ctest).
. "$(dirname "$0")/lib.sh"
case_=$1 n=$2
specs=$(cd "$(dirname "$0")/specs" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/parts"
run() { mpirun -n "$n" "$ASLSWEEP" run "$@" --progress none; }

# slices SPEC K [overrides...]: runs the K slices into $work/parts/i.
slices() {
  local spec=$1 k=$2 i
  shift 2
  for ((i = 0; i < k; i++)); do
    run "$spec" --out "$work/parts/$i" --slice "$i/$k" "$@" > "$work/slice$i.out" 2>&1 ||
      { cat "$work/slice$i.out"; fail "slice $i/$k"; }
  done
}

# Runs SPEC whole and as 3 slices, merges, compares the digests.
same_as_single() {
  local spec=$1
  run "$spec" --out "$work/one" > "$work/one.out" 2>&1 || { cat "$work/one.out"; fail "single run"; }
  slices "$spec" 3
  "$ASLSWEEP" merge --out "$work/m" "$work"/parts/{0,1,2} > "$work/merge.out" 2>&1 ||
    { cat "$work/merge.out"; fail "merge exit status $?"; }
  "$CUBE_DIGEST" "$work/one/results.h5" main > "$work/one.digest"
  "$CUBE_DIGEST" "$work/m/results.h5" main | diff "$work/one.digest" - ||
    fail "3 slices merged differ from a single run"
  "$ASLSWEEP" status "$work/m" > "$work/status" || { cat "$work/status"; fail "status of the merge"; }
  h5ls "$work/m/results.h5/jobs" | grep -q '^slice ' && fail "the merged cube keeps /jobs/slice"
  return 0
}

# Keys of the jobs of slice $2 in part cube $1 (from /jobs/slice and /jobs/key).
slice_keys() {
  paste -d ' ' \
    <(h5dump -d /jobs/slice -w 0 -y "$1" | sed -n '/DATA {/{n;p}' | tr -d ' ' | tr ',' '\n') \
    <(h5dump -d /jobs/key -w 0 -y "$1" | sed -n '/DATA {/{n;p}' | sed 's/^ *"//; s/"$//; s/", "/\n/g') |
    awk -v s="$2" '$1 == s { print $2 }'
}

case $case_ in
double)
  export ASLSWEEP_INTERNAL_TEST_EXECUTOR=0
  same_as_single "$specs/double.yaml"
  grep -q "54 of 54 jobs done" "$work/merge.out" || { cat "$work/merge.out"; fail "merge summary"; }
  h5dump -a slice "$work/parts/1/results.h5" | grep -q '"1/3"' || fail "part 1 lacks slice=1/3"
  read -r total done_ < <(job_counts "$work/parts/1/results.h5")
  [ "$total" = 54 ] && [ "$done_" -gt 0 ] && [ "$done_" -lt 54 ] || fail "part 1: $done_ of $total done"
  grep -q "^$done_ jobs: $done_ done, 0 failed, 0 pending" "$work/slice1.out" ||
    { cat "$work/slice1.out"; fail "the slice's summary does not count its own jobs only"; }
  run "$specs/double.yaml" --out "$work/parts/1" --slice 1/3 > "$work/again" 2>&1 || fail "rerun of a slice"
  grep -q "slice 1/3: $done_ jobs, $done_ already done" "$work/parts/1/run.log" || fail "the rerun redid jobs"
  run "$specs/double.yaml" --out "$work/parts/1" --slice 2/3 > "$work/wrong" 2>&1
  [ $? -eq 2 ] && grep -q "holds slice 1/3, not 2/3" "$work/wrong" || { cat "$work/wrong"; fail "another slice accepted"; }
  run "$specs/double.yaml" --out "$work/parts/1" > "$work/whole" 2>&1
  [ $? -eq 2 ] && grep -q "rerun it with --slice 1/3" "$work/whole" || { cat "$work/whole"; fail "a whole run accepted on a part"; }
  ino=$(stat -c %i "$work/m/results.h5")
  "$ASLSWEEP" merge --out "$work/m" "$work"/parts/{0,1,2} "$work/parts/1" > "$work/merge2.out" 2>&1 ||
    { cat "$work/merge2.out"; fail "second merge with a duplicate part"; }
  grep -q "warning: job .* is done in .*/parts/1 and in .*/parts/1: taking" "$work/merge2.out" ||
    { cat "$work/merge2.out"; fail "no duplicate warning"; }
  [ "$(stat -c %i "$work/m/results.h5")" != "$ino" ] || fail "the second merge did not replace the cube"
  [ ! -e "$work/m/results.h5.merging" ] || fail "temporary file left behind"
  "$CUBE_DIGEST" "$work/m/results.h5" main | diff "$work/one.digest" - || fail "second merge differs"
  ;;
baselines)
  same_as_single "$specs/baselines.yaml"
  "$KEPT_VOLUMES" list "$work/one" | awk '{ print $1, $2, $3 }' | sort > "$work/one.vol"
  "$KEPT_VOLUMES" list "$work/m" | awk '{ print $1, $2, $3 }' | sort | diff "$work/one.vol" - ||
    fail "merged volumes differ from a single run's"
  [ -s "$work/one.vol" ] || fail "the single run kept no volumes"
  [ "$(ls "$work/m/volumes")" = merged.h5 ] || fail "the merge packed its volumes into other files than merged.h5"
  while read -r key sub kind; do
    "$KEPT_VOLUMES" get "$work/one" "$key" "$sub" "$kind" "$work/a.nii.gz" &&
      "$KEPT_VOLUMES" get "$work/m" "$key" "$sub" "$kind" "$work/b.nii.gz" || fail "reading $key $sub $kind"
    cmp -s "$work/a.nii.gz" "$work/b.nii.gz" || fail "volume $key $sub $kind differs"
  done < "$work/one.vol"
  ;;
unet)
  same_as_single "$specs/unet.yaml"
  "$CUBE_DIGEST" "$work/m/results.h5" | grep -q "^jobs 24 done 24" || fail "not every job done"
  ;;
signal)
  export ASLSWEEP_INTERNAL_TEST_EXECUTOR=0
  run "$specs/double.yaml" --out "$work/one" > /dev/null 2>&1 || fail "single run"
  # mpirun itself in the background, so that $! is its pid.
  ASLSWEEP_INTERNAL_TEST_EXECUTOR=40 mpirun -n "$n" "$ASLSWEEP" run "$specs/double.yaml" \
    --out "$work/parts/0" --slice 0/2 --progress lines --grace 20 > "$work/s0.out" 2>&1 &
  mpi=$!
  wait_done "$work/parts/0/run.log" 2 60 || fail "no job of slice 0 finished"
  kill -USR1 $mpi
  wait $mpi
  rc=$?
  [ $rc -eq 3 ] || { cat "$work/s0.out"; fail "SIGUSR1: exit status $rc, expected 3"; }
  mine=$(sed -n 's/.*slice 0\/2: \([0-9]*\) jobs.*/\1/p' "$work/parts/0/run.log" | head -n 1)
  read -r total done_ < <(job_counts "$work/parts/0/results.h5")
  [ -n "$mine" ] && [ "$done_" -lt "$mine" ] || fail "slice 0 ($mine jobs) ended before the signal"
  run "$specs/double.yaml" --out "$work/parts/0" --slice 0/2 > "$work/s0b.out" 2>&1 ||
    { cat "$work/s0b.out"; fail "resume of slice 0"; }
  grep -q "^$mine jobs: $mine done" "$work/s0b.out" || { cat "$work/s0b.out"; fail "slice 0 unfinished"; }
  run "$specs/double.yaml" --out "$work/parts/1" --slice 1/2 > /dev/null 2>&1 || fail "slice 1"
  "$ASLSWEEP" merge --out "$work/m" "$work"/parts/{0,1} > "$work/merge.out" 2>&1 ||
    { cat "$work/merge.out"; fail "merge"; }
  diff <("$CUBE_DIGEST" "$work/one/results.h5" main) <("$CUBE_DIGEST" "$work/m/results.h5" main) ||
    fail "interrupted and resumed slices merged differ from a single run"
  echo "slice 0 stopped with $done_ of its $mine jobs done; identical after resume and merge"
  ;;
other-spec)
  export ASLSWEEP_INTERNAL_TEST_EXECUTOR=0
  slices "$specs/double.yaml" 2
  run "$specs/double.yaml" --out "$work/parts/x" --slice 1/2 train.epochs=3 > /dev/null 2>&1 ||
    fail "slice of the second spec"
  "$ASLSWEEP" merge --out "$work/m" "$work/parts/0" "$work/parts/x" > "$work/merge.out" 2>&1
  rc=$?
  cat "$work/merge.out"
  [ $rc -eq 2 ] || fail "merge of two specs: exit status $rc, expected 2"
  grep -q "parts/x has spec_hash" "$work/merge.out" || fail "the error does not name the part"
  [ ! -e "$work/m/results.h5" ] || fail "a cube was written from parts of two specs"
  ;;
missing)
  export ASLSWEEP_INTERNAL_TEST_EXECUTOR=0
  slices "$specs/double.yaml" 3
  mv "$work/parts/2" "$work/part2"
  "$ASLSWEEP" merge --out "$work/m" "$work"/parts/{0,1,2} > "$work/merge.out" 2>&1
  rc=$?
  [ $rc -eq 1 ] || { cat "$work/merge.out"; fail "merge with a missing part: exit status $rc, expected 1"; }
  grep -q "parts/2 has no results.h5" "$work/merge.out" || fail "no warning about the missing part"
  slice_keys "$work/part2/results.h5" 2 > "$work/keys"
  [ -s "$work/keys" ] || fail "no job keys for slice 2"
  while read -r key; do
    grep -qF "  $key (pending)" "$work/merge.out" || { cat "$work/merge.out"; fail "$key not named"; }
  done < "$work/keys"
  missing=$(wc -l < "$work/keys")
  [ "$(grep -c ' (pending)$' "$work/merge.out")" = "$missing" ] || fail "other jobs named missing"
  "$ASLSWEEP" status "$work/m" > "$work/status" && fail "status says all done"
  awk -v m="$missing" '$1 == "total" { exit !($2 == 54 - m && $5 == m) }' "$work/status" ||
    { cat "$work/status"; fail "status of the partial merge"; }
  echo "$missing jobs of slice 2 named missing"
  ;;
*) fail "unknown case $case_" ;;
esac
echo "ok: $case_ with $n ranks"
