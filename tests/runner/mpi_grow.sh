#!/usr/bin/env bash
# A study that grows (docs/runner.md, "Growing a study"), with the test
# double executor on specs/double.yaml:
#   mpi_grow.sh CASE NRANKS
#   add-model     a second model: only its jobs run
#   add-nav       a third Nav: only the new cells run
#   shift         Nav 1 put first and a metric added: every index moves, the
#                 train jobs are reused (their checkpoints renamed) and the
#                 infer jobs rerun on them without any healing
#   change-param  one model's hyper-parameter: only that model's train and
#                 infer jobs rerun; plan --against names the parameter
#   remove-model  a model dropped: its checkpoints and the old cube go to
#                 DIR/attic/<time>/, nothing is deleted
#   old-cube      a cube without content keys is still refused (exit 2)
#   fault         a failure while growing (ASLSWEEP_FAULT=grow:0) stops every
#                 rank, leaves the old cube and files as they were; the rerun grows
#   data-changed  the same spec on BIDS data whose files changed: every job
#                 reruns (plan --against says why), an unchanged rerun resumes
#   real          the real executor on specs/baselines.yaml: a model added
#                 (volumes kept under the new indices), then the phantom
#                 changed (every job reruns, the old phantom to the attic)
#   real-unet     the real executor on specs/unet.yaml: Nav 2 put before Nav 4
#                 and a metric added; the trained U-Nets are reused under new
#                 indices and the new infer jobs run on their checkpoints
#   slice         a grown spec run as 2 job-array parts (--slice i/2 on the old
#                 parts), then merged: equal to an unsliced run of the final spec;
#                 each part reruns none of the jobs it had done, and a second
#                 growth that only drops a model runs no job in either part
#   kill          kill -9 of rank 0 in the middle of a grown run (old rows
#                 adopted, some new jobs done); the same command again ends
#                 equal to a from-scratch run, the attic unchanged
# slice and kill add a tuned baseline (`sigma: auto`) to the U-Net and the
# identity, so /jobs/chosen_param is carried and compared too.
# Each grown cube must equal (cube_digest: metrics, per-image metrics, job
# cells, status, seeds, losses, checksums, chosen_param) a from-scratch run of
# the final spec.
. "$(dirname "$0")/lib.sh"
case_=$1 n=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ASLSWEEP_INTERNAL_TEST_EXECUTOR=0
spec=$(cd "$(dirname "$0")/specs" && pwd)/double.yaml

run() { # DIR overrides...
  local dir=$1; shift
  mpirun -n "$n" "$ASLSWEEP" run "$spec" --out "$dir" --progress none "$@" > "$work/out" 2>&1 \
    || { cat "$work/out"; fail "run --out $dir $*"; }
}

# The last run line of DIR/run.log must read "J jobs, D already done", and
# no checkpoint had to be healed.
expect_done() {
  local line
  line=$(grep ' run runner-double' "$1/run.log" | tail -1)
  echo "$line" | grep -q ": $2 jobs, $3 already done," || fail "expected $2 jobs, $3 already done: $line"
  grep -q 'resume: .* rerun' "$1/run.log" && fail "checkpoints had to be healed: $(grep resume: "$1/run.log")"
  return 0
}

# The grown cube equals a from-scratch run of the final spec.
same_as_scratch() {
  local dir=$1; shift
  run "$work/ref" "$@"
  diff <("$CUBE_DIGEST" "$dir/results.h5" main) <("$CUBE_DIGEST" "$work/ref/results.h5" main) \
    || fail "the grown cube differs from a from-scratch run"
  read -r total done_ < <(job_counts "$dir/results.h5")
  [ "$total" = "$done_" ] || fail "grown cube: $done_ of $total jobs done"
  # Reused rows sit at new indices: their checksums must have been redone.
  "$ASLSWEEP" verify "$dir" > "$work/verify.out" 2>&1 || { cat "$work/verify.out"; fail "verify of the grown cube"; }
}

d=$work/d
case $case_ in
add-model)
  run "$d" sweep.model=unet3d
  # plan --json and the cube carry the same content keys.
  "$ASLSWEEP" plan "$spec" --json sweep.model=unet3d > "$work/plan.json" || fail "plan --json"
  /usr/bin/python3 - "$work/plan.json" "$d/results.h5" <<'PY' || fail "content keys of plan and cube differ"
import h5py, json, sys
plan = [j["content_key"] for j in json.load(open(sys.argv[1]))["jobs"]]
with h5py.File(sys.argv[2], "r") as f:
    cube = [k.decode() for k in f["jobs/content_key"][...]]
assert len(plan) == 36 and all(len(k) == 32 for k in plan), plan
assert plan == cube, (plan[:2], cube[:2])
PY
  "$ASLSWEEP" plan "$spec" --against "$d" | head -1 | grep -q ': 36 reuse, 18 run, 0 rerun, 0 retire' \
    || fail "plan --against: $("$ASLSWEEP" plan "$spec" --against "$d" | head -1)"
  run "$d"
  expect_done "$d" 54 36
  grep -q 'grow: .* 36 jobs reused, 18 new, 0 changed, 0 retired' "$d/run.log" || fail "no grow line"
  same_as_scratch "$d"
  ;;
add-nav)
  run "$d" 'sweep.nav=[2, 4]'
  run "$d"
  expect_done "$d" 54 36
  same_as_scratch "$d"
  ;;
shift)
  run "$d" 'metrics=[ssim, psnr]'
  cp "$d/checkpoints/job-00000.ckpt" "$work/old-0.ckpt"
  run "$d" 'sweep.nav=[1, 2, 4, 8]'
  # 24 train jobs, 18 of them reused; 48 infer jobs, all rerun (new metric).
  expect_done "$d" 72 18
  # Nav 1 brings 6 train jobs before the old first one.
  cmp "$work/old-0.ckpt" "$d/checkpoints/job-00006.ckpt" || fail "old train job 0 is not new job 6"
  same_as_scratch "$d" 'sweep.nav=[1, 2, 4, 8]'
  ;;
change-param)
  run "$d"
  "$ASLSWEEP" plan "$spec" --against "$d" models.unet3d.base_channels=8 > "$work/plan"
  head -1 "$work/plan" | grep -q ': 18 reuse, 0 run, 36 rerun, 0 retire' || fail "plan: $(head -1 "$work/plan")"
  grep ' rerun ' "$work/plan" | grep -v -q 'model=unet3d' && fail "a job of another model reruns"
  grep -q 'train .*rerun .*(model.base_channels)$' "$work/plan" || fail "the changed part is not named"
  "$ASLSWEEP" plan "$spec" --against "$d" --json models.unet3d.base_channels=8 > "$work/plan.json"
  /usr/bin/python3 - "$work/plan.json" <<'PY' || fail "plan --against --json"
import json, sys
p = json.load(open(sys.argv[1]))
acts = [j["action"] for j in p["jobs"]]
assert acts.count("reuse") == 18 and acts.count("rerun") == 36, acts
assert all(len(j["content_key"]) == 32 for j in p["jobs"])
assert all("model=identity" in j["key"] for j in p["jobs"] if j["action"] == "reuse")
PY
  run "$d" models.unet3d.base_channels=8
  expect_done "$d" 54 18
  same_as_scratch "$d" models.unet3d.base_channels=8
  ;;
remove-model)
  run "$d"
  run "$d" sweep.model=identity
  expect_done "$d" 18 18
  attic=$(ls -d "$d"/attic/*/ | head -1)
  [ -f "$attic/results.h5" ] || fail "the old cube is not in the attic"
  [ "$(ls "$attic/checkpoints" | grep -c '^job-.*\.ckpt$')" = 18 ] \
    || fail "expected the 18 unet3d checkpoints in the attic: $(ls "$attic/checkpoints")"
  [ -z "$(ls "$d/checkpoints")" ] || fail "checkpoints of retired jobs left in place"
  same_as_scratch "$d" sweep.model=identity
  ;;
old-cube)
  run "$d"
  /usr/bin/python3 - "$d/results.h5" <<'PY' || fail "removing content keys"
import h5py, sys
with h5py.File(sys.argv[1], "r+") as f:
    del f["jobs/content_key"]
PY
  mpirun -n "$n" "$ASLSWEEP" run "$spec" --out "$d" --progress none seed=7 > "$work/out" 2>&1
  rc=$?
  [ $rc -eq 2 ] || { cat "$work/out"; fail "old cube, changed spec: exit status $rc, expected 2"; }
  grep -q "content keys.*--force-new" "$work/out" || { cat "$work/out"; fail "no message naming --force-new"; }
  [ ! -d "$d/attic" ] || fail "a refused run moved files"
  "$ASLSWEEP" plan "$spec" --against "$d" > "$work/out" 2>&1
  [ $? -eq 2 ] && grep -q "content keys" "$work/out" || { cat "$work/out"; fail "plan --against an old cube"; }
  "$ASLSWEEP" plan "$spec" --against "$work/nowhere" > "$work/out" 2>&1
  [ $? -eq 2 ] && grep -q "no results cube" "$work/out" || { cat "$work/out"; fail "plan --against a missing DIR"; }
  ;;
fault)
  run "$d" sweep.model=unet3d
  before=$("$CUBE_DIGEST" "$d/results.h5" main)
  ls -R "$d/checkpoints" > "$work/files.before"
  ASLSWEEP_FAULT=grow:0 mpirun -n "$n" "$ASLSWEEP" run "$spec" --out "$d" --progress none > "$work/out" 2>&1
  rc=$?
  [ $rc -eq 1 ] || { cat "$work/out"; fail "a failed growth: exit status $rc, expected 1"; }
  grep -q "grow failed (fault injected" "$work/out" || { cat "$work/out"; fail "no message"; }
  [ "$("$CUBE_DIGEST" "$d/results.h5" main)" = "$before" ] || fail "the old cube changed"
  [ ! -e "$d/results.h5.creating" ] || fail "the half-grown cube was left behind"
  diff "$work/files.before" <(ls -R "$d/checkpoints") || fail "job files moved"
  [ ! -d "$d/attic" ] || fail "a failed growth made an attic"
  run "$d"
  expect_done "$d" 54 36
  same_as_scratch "$d"
  ;;
data-changed)
  "$ASLSWEEP" phantom --out "$work/bids" --subjects 4 --shape 24,24,12 --timepoints 16 --seed 3 \
    > /dev/null || fail "phantom"
  sed "s|^  phantom:.*|  bids: $work/bids|; /^    subjects:/d; /^    shape:/d; /^    timepoints:/d" \
    "$spec" > "$work/spec.yaml"
  spec=$work/spec.yaml
  run "$d" sweep.model=identity
  run "$d" sweep.model=identity
  expect_done "$d" 18 18
  grep -q 'grow:' "$d/run.log" && fail "an unchanged rerun grew the study"
  # The same spec, one input file edited.
  printf 'edited\n' >> "$work/bids/README"
  "$ASLSWEEP" plan "$spec" --against "$d" sweep.model=identity > "$work/plan"
  head -1 "$work/plan" | grep -q ': 0 reuse, 0 run, 18 rerun, 0 retire' || fail "plan: $(head -1 "$work/plan")"
  grep -q 'rerun .*(data files or engine version)$' "$work/plan" || fail "no reason: $(sed -n 3p "$work/plan")"
  run "$d" sweep.model=identity
  expect_done "$d" 18 0
  grep -q 'grow: .* this spec, but the inputs changed: 0 jobs reused, 0 new, 18 changed' "$d/run.log" \
    || fail "no grow line for changed inputs"
  ;;
real)
  unset ASLSWEEP_INTERNAL_TEST_EXECUTOR
  spec=$(cd "$(dirname "$0")/specs" && pwd)/baselines.yaml
  run "$d" sweep.model=identity
  run "$d"
  grep ' run runner-baselines' "$d/run.log" | tail -1 | grep -q ': 32 jobs, 16 already done,' \
    || fail "expected 16 of 32 jobs reused: $(grep ' run runner' "$d/run.log" | tail -1)"
  same_as_scratch "$d"
  diff <(ls "$d/volumes") <(ls "$work/ref/volumes") || fail "volumes differ from a from-scratch run"
  run "$d" data.phantom.timepoints=16
  grep -q 'grow: .* 0 jobs reused, 0 new, 32 changed, 0 retired' "$d/run.log" || fail "no grow line"
  attic=$(ls -d "$d"/attic/*/ | tail -1)
  [ -f "$attic/data/dataset_description.json" ] && [ -f "$attic/results.h5" ] \
    || fail "the old phantom and cube are not in one attic folder: $(ls -R "$d/attic" | head)"
  rm -rf "$work/ref"
  same_as_scratch "$d" data.phantom.timepoints=16
  ;;
real-unet)
  unset ASLSWEEP_INTERNAL_TEST_EXECUTOR
  spec=$(cd "$(dirname "$0")/specs" && pwd)/unet.yaml
  run "$d" 'metrics=[ssim, psnr]' 'sweep.nav=[4]'
  cp "$d/checkpoints/job-00000.ckpt" "$work/old-0.ckpt"
  run "$d"
  grep ' run runner-unet' "$d/run.log" | tail -1 | grep -q ': 24 jobs, 4 already done,' \
    || fail "expected the 4 train jobs reused: $(grep ' run runner' "$d/run.log" | tail -1)"
  grep -q 'resume: .* rerun' "$d/run.log" && fail "checkpoints had to be healed"
  cmp "$work/old-0.ckpt" "$d/checkpoints/job-00004.ckpt" || fail "old train job 0 is not new job 4"
  same_as_scratch "$d"
  ;;
slice)
  tuned=('models.tuned={kind: gaussian, sigma: auto}' 'sweep.model=[unet3d, identity, tuned]')
  parts() { # overrides...: runs both parts, $work/parts/i
    local i
    for i in 0 1; do run "$work/parts/$i" --slice "$i/2" "$@"; done
  }
  # "J D" of the last run line of part $1: its slice's jobs, how many were done.
  part_counts() {
    grep ' run runner-double slice' "$work/parts/$1/run.log" | tail -1 \
      | sed 's/.*: \([0-9]*\) jobs, \([0-9]*\) already done.*/\1 \2/'
  }
  # First one baseline on two Navs; then the U-Net, the identity, a Nav put
  # first and M0 on: a plain split of the grown plan would move old jobs to
  # the other part (the costly train jobs go first, then the baselines fill
  # in plan order, which the new Nav shifts).
  parts 'models.tuned={kind: gaussian, sigma: auto}' 'sweep.model=[tuned]' 'sweep.nav=[4, 8]' \
    'sweep.m0=off'
  declare -A before
  for i in 0 1; do read -r _ before[$i] < <(job_counts "$work/parts/$i/results.h5"); done
  parts "${tuned[@]}"
  for i in 0 1; do
    read -r a b < <(part_counts $i)
    [ "$b" = "${before[$i]}" ] && [ "$a" -gt "$b" ] \
      || fail "part $i: $a jobs, $b already done; expected its ${before[$i]} old jobs reused"
    grep -q "grow: .* ${before[$i]} jobs reused" "$work/parts/$i/run.log" || fail "part $i: no grow line"
    h5dump -a slice "$work/parts/$i/results.h5" | grep -q "\"$i/2\"" || fail "part $i lost its slice mark"
  done
  "$ASLSWEEP" merge --out "$work/m" "$work"/parts/{0,1} > "$work/merge.out" 2>&1 \
    || { cat "$work/merge.out"; fail "merge of the grown parts"; }
  grep -q "warning" "$work/merge.out" && { cat "$work/merge.out"; fail "a job done in two parts"; }
  same_as_scratch "$work/m" "${tuned[@]}"
  # The same grown parts again: nothing runs.
  for i in 0 1; do
    run "$work/parts/$i" --slice "$i/2" "${tuned[@]}"
    read -r a b < <(part_counts $i)
    [ "$a" = "$b" ] || fail "part $i: a rerun ran jobs ($a jobs, $b already done)"
  done
  # A model dropped: every remaining job of each part was done there.
  dropped=('models.tuned={kind: gaussian, sigma: auto}' 'sweep.model=[identity, tuned]')
  parts "${dropped[@]}"
  for i in 0 1; do
    read -r a b < <(part_counts $i)
    [ "$a" = "$b" ] && [ "$a" -gt 0 ] || fail "part $i ran jobs after a model was dropped ($a, $b)"
  done
  "$ASLSWEEP" merge --out "$work/m2" "$work"/parts/{0,1} > "$work/merge.out" 2>&1 \
    || { cat "$work/merge.out"; fail "merge after dropping a model"; }
  rm -rf "$work/ref"
  same_as_scratch "$work/m2" "${dropped[@]}"
  # A part grows only as the slice it is: another K is refused, nothing moved.
  before_digest=$("$CUBE_DIGEST" "$work/parts/0/results.h5" main)
  mpirun -n "$n" "$ASLSWEEP" run "$spec" --out "$work/parts/0" --slice 0/3 --progress none \
    "${tuned[@]}" > "$work/out" 2>&1
  rc=$?
  [ $rc -eq 2 ] && grep -q "written for another spec.*--force-new" "$work/out" \
    || { cat "$work/out"; fail "a part grown as another slice count: exit status $rc"; }
  [ "$("$CUBE_DIGEST" "$work/parts/0/results.h5" main)" = "$before_digest" ] || fail "the refused part changed"
  ;;
kill)
  tuned=('models.tuned={kind: gaussian, sigma: auto}' 'sweep.model=[unet3d, identity, tuned]')
  run "$d" "${tuned[@]}" 'sweep.nav=[2, 4]' models.unet3d.base_channels=8
  base=$(grep -c ' done job ' "$d/run.log")
  # 100 ms per epoch or subject: the kill lands while new jobs run.
  ASLSWEEP_INTERNAL_TEST_EXECUTOR=100 mpirun -n "$n" "$ASLSWEEP" run "$spec" --out "$d" --progress none \
    "${tuned[@]}" > "$work/killed.out" 2>&1 &
  mpi=$!
  wait_done "$d/run.log" $((base + 4)) 60 || { kill -9 $mpi; fail "no new jobs finished in 60 s"; }
  kill -9 "$(rank_pid $mpi 0)"
  wait $mpi && fail "the killed run exited 0"
  grep -q "grow: .* 24 jobs reused, 24 new, 24 changed, 0 retired" "$d/run.log" \
    || fail "the killed run did not grow: $(grep grow: "$d/run.log")"
  read -r total done_before < <(job_counts "$d/results.h5")
  [ "$done_before" -ge $((24 + 4)) ] && [ "$done_before" -lt "$total" ] \
    || fail "after the kill $done_before of $total jobs done; expected the 24 reused, some new, not all"
  attic=$(ls -d "$d"/attic/*/)
  [ "$(echo "$attic" | wc -l)" = 1 ] || fail "expected one attic folder: $attic"
  (cd "$attic" && find . -type f | sort | xargs md5sum) > "$work/attic.before"
  grep -q '/results.h5$' "$work/attic.before" || fail "the old cube is not in the attic"
  grep -q '/checkpoints/job-' "$work/attic.before" || fail "the changed U-Net checkpoints are not in the attic"
  run "$d" "${tuned[@]}"
  expect_done "$d" "$total" "$done_before"
  [ "$(ls -d "$d"/attic/*/)" = "$attic" ] || fail "the rerun made another attic folder"
  (cd "$attic" && find . -type f | sort | xargs md5sum) | diff "$work/attic.before" - \
    || fail "the attic changed"
  same_as_scratch "$d" "${tuned[@]}"
  ;;
*) fail "unknown case $case_" ;;
esac
echo "ok: $case_"
