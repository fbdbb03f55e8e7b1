#!/usr/bin/env bash
# `aslsweep denoise` against the runner: a tiny U-Net (M0 channel on) is
# trained per fold by `aslsweep run`, then applied by `aslsweep denoise` to
# the first test subject of fold 0. The output must have the series' matrix
# and affine, one volume per pre-averaged image, and its first volume must
# equal the runner's own denoised volume (DIR/volumes/) up to float rounding;
# then the refusals: missing, corrupt or mismatched checkpoint/sidecar, M0
# needed but absent, Nav larger than the scan, nav_post too large.
# Needs ASLSWEEP, KEPT_VOLUMES and DENOISE_COMPARE in the environment (set by ctest).
. "$(dirname "$0")/lib.sh"
specs=$(cd "$(dirname "$0")/specs" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
d=$work/run
mpirun -n 1 "$ASLSWEEP" run "$specs/denoise.yaml" --out "$d" --progress none --threads-per-rank 1 \
  > "$work/out" 2>&1 || { cat "$work/out"; fail "run"; }
ck=$d/checkpoints/job-00000.ckpt # fold 0's train job; infer job 2 uses it
[ -f "$ck.json" ] || fail "no checkpoint sidecar"
grep -q '"nav": 2' "$ck.json" && grep -q '"m0": true' "$ck.json" && grep -q '"strategy": "interleaved"' "$ck.json" \
  || { cat "$ck.json"; fail "sidecar content"; }
# Job 2 is fold 0's infer job; its first test subject's kept denoised image.
read -r key sub < <("$KEPT_VOLUMES" list "$d" | sort | awk '$1 ~ /fold=0$/ && $3 == "denoised" { print $1, $2; exit }')
[ -n "${sub:-}" ] || fail "the runner kept no denoised volume for fold 0"
kept=$work/kept.nii.gz
"$KEPT_VOLUMES" get "$d" "$key" "$sub" denoised "$kept" || fail "reading the kept volume"
p=$d/data/$sub/perf
# expect_fail STATUS PATTERN ARGS...: denoise exits STATUS with PATTERN on stderr.
expect_fail() {
  local want=$1 pat=$2
  shift 2
  "$ASLSWEEP" denoise "$@" -o "$work/bad.nii.gz" > "$work/err" 2>&1
  local rc=$?
  [ "$rc" = "$want" ] || { cat "$work/err"; fail "exit $rc, expected $want: $*"; }
  grep -q -- "$pat" "$work/err" || { cat "$work/err"; fail "no '$pat' in the message: $*"; }
}

# The runner's path: default aslcontext (beside the series), the subject's M0 and mask.
"$ASLSWEEP" denoise --checkpoint "$ck" --asl "$p/${sub}_asl.nii.gz" --m0 "$p/${sub}_m0scan.nii.gz" \
  --mask "$d/data/derivatives/phantom/$sub/perf/${sub}_desc-brain_mask.nii.gz" -o "$work/den.nii.gz" --threads 1 > "$work/out" 2>&1 \
  || { cat "$work/out"; fail "denoise"; }
read -r diff big < <("$DENOISE_COMPARE" "$work/den.nii.gz" 0 "$kept" "$p/${sub}_asl.nii.gz" 4) \
  || fail "output shape or affine"
echo "largest difference from the runner's volume: $diff (largest value $big)"
awk -v d="$diff" -v b="$big" 'BEGIN { exit !(b > 0 && d <= 1e-5 * b) }' || fail "values differ: $diff"
# nav_post: 4 images -> 2 final volumes; mask derived from M0 without --mask.
"$ASLSWEEP" denoise --checkpoint "$ck" --asl "$p/${sub}_asl.nii.gz" --m0 "$p/${sub}_m0scan.nii.gz" \
  -o "$work/post.nii.gz" --nav-post 2 > "$work/out" 2>&1 || { cat "$work/out"; fail "denoise --nav-post 2"; }
grep -q "mask from-M0" "$work/out" || { cat "$work/out"; fail "mask not derived from M0"; }
"$DENOISE_COMPARE" "$work/post.nii.gz" 0 "$kept" "$p/${sub}_asl.nii.gz" 2 > /dev/null || fail "nav_post 2 shape"

# --aslcontext with the first two volumes as m0scan: M0 from them (no --m0),
# 7 pairs -> 3 images at Nav 2 (the trailing point dropped).
{ echo volume_type; echo m0scan; echo m0scan; tail -n +4 "$p/${sub}_aslcontext.tsv"; } > "$work/ctx.tsv"
"$ASLSWEEP" denoise --checkpoint "$ck" --asl "$p/${sub}_asl.nii.gz" --aslcontext "$work/ctx.tsv" \
  -o "$work/incl.nii.gz" > "$work/out" 2>&1 || { cat "$work/out"; fail "denoise with m0scan rows"; }
grep -q "7 difference images, Nav 2 -> 3 images.*M0 used, mask from-M0" "$work/out" \
  || { cat "$work/out"; fail "m0scan rows not used as M0"; }
"$DENOISE_COMPARE" "$work/incl.nii.gz" 0 "$kept" "$p/${sub}_asl.nii.gz" 3 > /dev/null || fail "m0scan shape"

asl=(--asl "$p/${sub}_asl.nii.gz")
m0=(--m0 "$p/${sub}_m0scan.nii.gz")
expect_fail 2 "cannot read the checkpoint" --checkpoint "$work/none.ckpt" "${asl[@]}" "${m0[@]}"
cp "$ck" "$work/trunc.ckpt" && cp "$ck.json" "$work/trunc.ckpt.json"
truncate -s 1000 "$work/trunc.ckpt"
expect_fail 2 "trunc.ckpt" --checkpoint "$work/trunc.ckpt" "${asl[@]}" "${m0[@]}"
cp "$ck" "$work/lone.ckpt"
expect_fail 2 "lone.ckpt.json: missing" --checkpoint "$work/lone.ckpt" "${asl[@]}" "${m0[@]}"
cp "$ck" "$work/grid.ckpt" && sed 's/"grid": \[16, 16, 16\]/"grid": [32, 16, 16]/' "$ck.json" > "$work/grid.ckpt.json"
expect_fail 2 "do not belong together" --checkpoint "$work/grid.ckpt" "${asl[@]}" "${m0[@]}"
cp "$ck" "$work/ch.ckpt" && sed -e 's/"m0": true/"m0": false/' -e 's/"in_channels": 2/"in_channels": 1/' "$ck.json" > "$work/ch.ckpt.json"
expect_fail 2 "do not belong together" --checkpoint "$work/ch.ckpt" "${asl[@]}" "${m0[@]}"
cp "$ck" "$work/json.ckpt" && head -c 60 "$ck.json" > "$work/json.ckpt.json"
expect_fail 2 "json.ckpt.json" --checkpoint "$work/json.ckpt" "${asl[@]}" "${m0[@]}"
expect_fail 2 "give the M0 image with --m0" --checkpoint "$ck" "${asl[@]}"
expect_fail 2 "use 1..4" --checkpoint "$ck" "${asl[@]}" "${m0[@]}" --nav-post 5
# One difference image (a 1-volume deltam series) against Nav 2.
"$ASLSWEEP" denoise --checkpoint "$ck" "${asl[@]}" "${m0[@]}" --nav-post 4 -o "$work/one.nii.gz" > /dev/null 2>&1 \
  || fail "denoise --nav-post 4"
expect_fail 2 "fewer than the checkpoint's Nav = 2" --checkpoint "$ck" --asl "$work/one.nii.gz" "${m0[@]}"
expect_fail 2 "required" --asl "$p/${sub}_asl.nii.gz"
"$ASLSWEEP" denoise --help | grep -q -- "--nav-post" || fail "--help"
echo "PASS"
