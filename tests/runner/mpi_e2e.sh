#!/usr/bin/env bash
# End to end with the real binary and the real executor on tiny phantoms:
#   mpi_e2e.sh CASE NRANKS
#   baselines   identity + gaussian: every job done, dimension scales
#               attached, identity's denoised stage equals its input stage,
#               gaussian's does not, montage volumes kept (packed, at most
#               one file per rank); a rerun redoes nothing; `aslsweep status`
#               agrees
#   keep        keep_volumes sample / all / none: the expected number of
#               kept images, at most one volumes file per rank, and the
#               montage renders from the packed file
#   unet        a tiny U-Net trained and scored next to identity
#   unet-kill   kill -9 of a worker during training, rerun: the numbers equal
#               those of an uninterrupted run bitwise
#   unet-signal the same with SIGUSR1 to mpirun (exit 3, clean stop)
#   corrupt     a BIDS dataset with one truncated NIfTI: the jobs that need
#               that subject fail naming it, the others complete
#   zero-deltam one subject whose label volumes equal its controls (all-zero
#               difference images): only its jobs fail, naming its file; the
#               cube is written
# Needs ASLSWEEP, CUBE_CHECK and CUBE_DIGEST in the environment (set by ctest).
. "$(dirname "$0")/lib.sh"
case_=$1 n=$2
specs=$(cd "$(dirname "$0")/specs" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() { mpirun -n "$n" "$ASLSWEEP" run "$@" --progress lines; }

case $case_ in
baselines)
  run "$specs/baselines.yaml" --out "$work/b" > "$work/out" 2>&1 || { cat "$work/out"; fail "run"; }
  "$ASLSWEEP" status "$work/b" > "$work/status" || { cat "$work/status"; fail "status: not all done"; }
  grep -q "^total *32 *0 *0 *0" "$work/status" || { cat "$work/status"; fail "status totals"; }
  "$CUBE_CHECK" "$work/b/results.h5" scales main || fail "dimension scales"
  "$CUBE_CHECK" "$work/b/results.h5" gap main identity | tee "$work/gap_id"
  awk '{ if ($NF + 0 > 1e-4) exit 1 }' "$work/gap_id" || fail "identity changed its input"
  "$CUBE_CHECK" "$work/b/results.h5" gap main gaussian | tee "$work/gap_g"
  awk '{ if ($NF + 0 < 1e-3) exit 1 }' "$work/gap_g" || fail "gaussian left its input unchanged"
  [ "$("$KEPT_VOLUMES" list "$work/b" | wc -l)" = 48 ] || fail "expected 48 kept images (16 cells x 3)"
  "$CUBE_DIGEST" "$work/b/results.h5" main > "$work/d1"
  run "$specs/baselines.yaml" --out "$work/b" > "$work/out2" 2>&1 || fail "rerun"
  grep -q "32 already done" "$work/b/run.log" || fail "the rerun did not find 32 jobs done"
  "$CUBE_DIGEST" "$work/b/results.h5" main | diff "$work/d1" - || fail "the rerun changed the cube"
  ;;
keep)
  # 16 cells x 2 folds, 4 subjects (2 tested per fold), 3 images each.
  for mode in sample:48 all:192 none:0; do
    k=${mode%%:*} want=${mode#*:} d=$work/keep-$k
    run "$specs/baselines.yaml" --out "$d" keep_volumes="$k" > "$work/out" 2>&1 || { cat "$work/out"; fail "run ($k)"; }
    got=$("$KEPT_VOLUMES" list "$d" | wc -l)
    [ "$got" = "$want" ] || fail "keep_volumes: $k kept $got images, expected $want"
    files=$(find "$d" \( -path "$d/data" -o -path "$d/logs" \) -prune -o -type f -print | grep -cv -e '/results.h5$' -e '/run.log$' -e '/.lock$' -e '/data.key$' -e '/.fingerprints$')
    [ "$files" -le "$n" ] || { find "$d" -type f; fail "keep_volumes: $k left $files side files on $n ranks"; }
    [ "$k" = none ] || ! ls "$d/volumes" | grep -qv '^rank-[0-9]*\.h5$' || fail "a volumes file other than rank-R.h5"
  done
  # Every kept image of `sample` is its cell's first subject (sub-01 here:
  # the test subjects are split over the folds, sub-01 among them).
  "$KEPT_VOLUMES" list "$work/keep-sample" | awk '$2 != "sub-01" { exit 1 }' || fail "sample kept another subject"
  key=$("$KEPT_VOLUMES" list "$work/keep-sample" | awk '$3 == "denoised" { print $1; exit }')
  "$ASLSWEEP" plot "$work/keep-sample/results.h5" --montage --job "$key" --size 64 -o "$work/m.png" \
    > "$work/out" 2>&1 || { cat "$work/out"; fail "montage from the packed file"; }
  [ "$(od -An -c -j1 -N3 "$work/m.png" | tr -d ' ')" = PNG ] || fail "the montage is not a PNG"
  "$ASLSWEEP" plot "$work/keep-none/results.h5" --montage --job "$key" -o "$work/n.png" > "$work/out" 2>&1
  [ $? = 2 ] && grep -q "keep_volumes" "$work/out" || { cat "$work/out"; fail "montage without kept volumes: exit 2 naming keep_volumes"; }
  ;;
unet)
  run "$specs/unet.yaml" --out "$work/u" > "$work/out" 2>&1 || { cat "$work/out"; fail "run"; }
  "$ASLSWEEP" status "$work/u" || fail "status: not all done"
  "$CUBE_CHECK" "$work/u/results.h5" gap main unet3d || fail "no U-Net cells"
  ls "$work/u/checkpoints/"job-*.ckpt > /dev/null || fail "no checkpoints"
  "$CUBE_CHECK" "$work/u/results.h5" losses || fail "training losses"
  ;;
unet-kill|unet-signal)
  run "$specs/unet.yaml" --out "$work/ref" > "$work/out" 2>&1 || { cat "$work/out"; fail "reference run"; }
  "$CUBE_DIGEST" "$work/ref/results.h5" main > "$work/ref.digest"
  # mpirun itself in the background (not through run()), so that $! is its
  # pid and rank_pid finds the ranks among its children.
  mpirun -n "$n" "$ASLSWEEP" run "$specs/unet.yaml" --out "$work/k" --progress lines --grace 20 \
    > "$work/out1" 2>&1 &
  mpi=$!
  wait_done "$work/k/run.log" 2 60 || fail "no job finished"
  if [ "$case_" = unet-kill ]; then
    kill -9 "$(rank_pid $mpi $((n - 1)))"
    wait $mpi && fail "the killed run exited 0"
  else
    kill -USR1 $mpi # mpirun forwards SIGUSR1 to every rank
    wait $mpi
    rc=$?
    [ $rc -eq 3 ] || { cat "$work/out1"; fail "SIGUSR1: exit status $rc, expected 3"; }
  fi
  read -r total done_ < <(job_counts "$work/k/results.h5")
  [ "$done_" -lt "$total" ] || fail "the run completed before the interruption"
  partial=$(ls "$work/k/checkpoints" | wc -l)
  run "$specs/unet.yaml" --out "$work/k" > "$work/out2" 2>&1 || { cat "$work/out2"; fail "resume"; }
  "$CUBE_DIGEST" "$work/k/results.h5" main | diff "$work/ref.digest" - \
    || fail "resumed cube differs from the uninterrupted one"
  echo "stopped with $done_ of $total done ($partial checkpoints on disk); identical after resume"
  ;;
corrupt)
  "$ASLSWEEP" phantom --out "$work/bids" --subjects 4 --shape 24,24,12 --timepoints 8 --seed 3 \
    > /dev/null || fail "phantom"
  f=$work/bids/sub-02/perf/sub-02_asl.nii.gz
  head -c 300 "$f" > "$f.cut" && mv "$f.cut" "$f"
  sed "s|^  phantom:.*|  bids: $work/bids|; /^    subjects:/d; /^    shape:/d; /^    timepoints:/d" \
    "$specs/baselines.yaml" > "$work/spec.yaml"
  run "$work/spec.yaml" --out "$work/c" > "$work/out" 2>&1
  rc=$?
  [ $rc -eq 1 ] || { cat "$work/out"; fail "exit status $rc, expected 1 (some jobs failed)"; }
  "$ASLSWEEP" status "$work/c" > "$work/status"
  cat "$work/status"
  grep -q "^total *16 *16 *0 *0" "$work/status" || fail "expected 16 done and 16 failed"
  grep -q "sub-02" "$work/status" || fail "the failure does not name the subject"
  ;;
zero-deltam)
  "$ASLSWEEP" phantom --out "$work/bids" --subjects 4 --shape 24,24,12 --timepoints 8 --seed 3 \
    > /dev/null || fail "phantom"
  f=$work/bids/sub-02/perf/sub-02_asl.nii.gz
  # Every label volume becomes a copy of the control before it (int16, 352-byte header).
  /usr/bin/python3 - "$f" <<'PY' || fail "rewriting the label volumes"
import gzip, struct, sys
d = bytearray(gzip.open(sys.argv[1]).read())
dim = struct.unpack("<8h", d[40:56]); n = dim[1] * dim[2] * dim[3] * 2; off = 352
for t in range(1, dim[4], 2):
    d[off + t * n:off + (t + 1) * n] = d[off + (t - 1) * n:off + t * n]
gzip.open(sys.argv[1], "wb").write(bytes(d))
PY
  sed "s|^  phantom:.*|  bids: $work/bids|; /^    subjects:/d; /^    shape:/d; /^    timepoints:/d" \
    "$specs/baselines.yaml" > "$work/spec.yaml"
  run "$work/spec.yaml" --out "$work/z" > "$work/out" 2>&1
  rc=$?
  [ $rc -eq 1 ] || { cat "$work/out"; fail "exit status $rc, expected 1 (some jobs failed)"; }
  [ -f "$work/z/results.h5" ] || fail "no cube written"
  "$ASLSWEEP" status "$work/z" > "$work/status"
  cat "$work/status"
  grep -q "^total *16 *16 *0 *0" "$work/status" || fail "expected 16 done and 16 failed"
  grep -q "sub-02_asl.nii.gz: every difference image is zero" "$work/status" \
    || fail "the failure does not name the file"
  ;;
*) fail "unknown case $case_" ;;
esac
echo "ok: $case_ with $n ranks"
