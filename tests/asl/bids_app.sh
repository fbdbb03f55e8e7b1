#!/usr/bin/env bash
# `aslsweep denoise BIDS_DIR OUT_DIR participant` (the BIDS-App form):
#   bids_app.sh CASE ASLSWEEP [VALIDATOR_DIR]
#   bad   each bad input exits 2 naming the file and what to fix, and writes
#         nothing (a stand-in checkpoint: every refusal comes before the
#         network is loaded)
#   app   a fixture with 2 participants, 2 sessions x 2 runs and a
#         multi-delay series: inspect -> a tiny U-Net sweep (M0 on) ->
#         denoise into a derivatives folder; the validator's errors (0), the
#         sidecars (sources, SHA-256 of the checkpoint, scales), the NIfTI
#         header (pixdim[4] = the TR, qform/sform of the source, descrip), and
#         the voxels equal, bit for bit, the single-scan form's with the same
#         M0 and mask given explicitly
set -u
case_=$1 aslsweep=$2 vdir=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# put SRC_SUB DEST_DIR STEM: one phantom series (and its M0) under a new name.
put() {
  local src=$work/ph/$1/perf/$1
  mkdir -p "$2"
  cp "${src}_asl.nii.gz" "$2/$3_asl.nii.gz"
  cp "${src}_aslcontext.tsv" "$2/$3_aslcontext.tsv"
  cp "${src}_m0scan.nii.gz" "$2/$3_m0scan.nii.gz"
}

put_mask() { # SRC_SUB REL_DIR STEM
  mkdir -p "$work/masks/$2"
  cp "$work/ph/derivatives/phantom/$1/perf/$1_desc-brain_mask.nii.gz" "$work/masks/$2/$3_desc-brain_mask.nii.gz"
}

# sub-01: ses-1 run-1/run-2, ses-2 run-1 and a multi-delay run-2 (first 4
# pairs at 1.5 s, last 4 at 2.0 s); sub-02: ses-1, and a scan whose label
# is longer than 31 characters (as real datasets' are). Dataset-level
# sidecar inherited; masks in a derivatives folder outside the dataset.
long=sub-02_ses-baselinevisit_acq-pcasl3d
longdir=sub-02/ses-baselinevisit/perf
make_fixture() {
  "$aslsweep" phantom --out "$work/ph" --subjects 6 --shape 24,24,12 --timepoints 8 --seed 3 > /dev/null \
    || fail "phantom"
  local ds=$work/ds i=1 p
  mkdir -p "$ds"
  cp "$work/ph/dataset_description.json" "$work/ph/README" "$ds/"
  printf 'participant_id\nsub-01\nsub-02\n' > "$ds/participants.tsv"
  printf '{"ArterialSpinLabelingType": "PCASL", "M0Type": "Separate", "LabelingDuration": 1.8,\n "PostLabelingDelay": 1.8, "RepetitionTimePreparation": 4.0, "BackgroundSuppression": true,\n "MagneticFieldStrength": 3}\n' > "$ds/asl.json"
  for ses in 1 2; do
    for run in 1 2; do
      p=$ds/sub-01/ses-$ses/perf
      put sub-0$i "$p" sub-01_ses-${ses}_run-$run
      put_mask sub-0$i sub-01/ses-$ses/perf sub-01_ses-${ses}_run-$run
      i=$((i + 1))
    done
  done
  printf '{"PostLabelingDelay": [1.5,1.5,1.5,1.5,1.5,1.5,1.5,1.5,2.0,2.0,2.0,2.0,2.0,2.0,2.0,2.0]}\n' \
    > "$ds/sub-01/ses-2/perf/sub-01_ses-2_run-2_asl.json"
  put sub-05 "$ds/$longdir" $long
  put_mask sub-05 $longdir $long
  put sub-06 "$ds/sub-02/ses-1/perf" sub-02_ses-1
  put_mask sub-06 sub-02/ses-1/perf sub-02_ses-1
}

# expect_bad DESCRIPTION WORD... -- ARGS...: `aslsweep denoise ARGS` exits 2
# with every WORD in its messages.
expect_bad() {
  local what=$1 words=() rc
  shift
  while [ "$1" != -- ]; do words+=("$1"); shift; done
  shift
  "$aslsweep" denoise "$@" > "$work/bad.out" 2> "$work/bad.err"
  rc=$?
  [ $rc -eq 2 ] || { cat "$work/bad.out" "$work/bad.err"; fail "$what: exit $rc, expected 2"; }
  echo "$what:"; head -c 600 "$work/bad.err" | head -2 | sed 's/^/  /'
  for w in "${words[@]}"; do
    grep -qF -- "$w" "$work/bad.err" || { cat "$work/bad.err"; fail "$what: no '$w'"; }
  done
  grep -q "Segmentation\|Aborted\|runtime error" "$work/bad.err" && fail "$what: crashed"
  return 0
}

case $case_ in
bad)
  make_fixture
  ds=$work/ds out=$work/out
  head -c 4096 /dev/urandom > "$work/fake.ckpt"
  printf '{"format": "aslsweep-checkpoint", "version": 1, "strategy": "interleaved", "nav": 2,\n "nav_post": 1, "m0": true, "remainder": "drop", "model": {"name": "u", "kind": "unet3d"}}\n' \
    > "$work/fake.ckpt.json"
  ck=(--checkpoint "$work/fake.ckpt" --masks "$work/masks")
  expect_bad "multi-delay without --pld" sub-01_ses-2_run-2_asl.json "--pld SECONDS" -- "$ds" "$out" participant "${ck[@]}"
  expect_bad "a delay the series lacks" sub-01_ses-2_run-2_asl.json "1.5, 2" -- "$ds" "$out" participant "${ck[@]}" --pld 1.8
  expect_bad "unknown participant" '"07" does not exist' -- "$ds" "$out" participant "${ck[@]}" --pld 1.5 --participant-label 01 07
  expect_bad "unknown session" 'session "4"' -- "$ds" "$out" participant "${ck[@]}" --pld 1.5 --session-label 4
  mkdir -p "$ds/sub-02/ses-3/perf"
  expect_bad "session without ASL" "sub-02/ses-3/perf" "no ASL series" -- "$ds" "$out" participant "${ck[@]}" --session-label 3
  rmdir "$ds/sub-02/ses-3/perf" "$ds/sub-02/ses-3"
  expect_bad "OUT_DIR equal to BIDS_DIR" "same folder as the BIDS dataset" -- "$ds" "$ds/" participant "${ck[@]}"
  expect_bad "OUT_DIR inside BIDS_DIR" "inside the BIDS dataset" "give another OUT_DIR" -- "$ds" "$ds/derivatives/den" participant "${ck[@]}"
  [ -e "$ds/derivatives" ] && fail "a refused OUT_DIR was created inside the dataset"
  expect_bad "OUT_DIR holding another dataset" "already holds a dataset generated by 'aslsweep phantom'" -- \
    "$ds" "$work/ph" participant "${ck[@]}"
  expect_bad "group level" "no group level" -- "$ds" "$out" group "${ck[@]}"
  expect_bad "no checkpoint" "--checkpoint is required" -- "$ds" "$out" participant
  expect_bad "checkpoint without its sidecar" "README.json: missing" "copy it together" -- \
    "$ds" "$out" participant --checkpoint "$work/ph/README"
  p=$ds/$longdir
  printf '{"M0Type": "Absent"}\n' > "$p/${long}_asl.json"
  expect_bad "M0 channel, M0Type Absent" ${long}_asl.json "M0Type is Absent" "m0=off" -- \
    "$ds" "$out" participant "${ck[@]}" --participant-label 02 --session-label baselinevisit
  rm "$p/${long}_asl.json"
  [ -e "$out" ] && fail "a refusal before any scan was read left $out behind"
  # A checkpoint that does not load is found before the first output: no
  # dataset_description.json, no OUT_DIR.
  expect_bad "corrupt checkpoint" "fake.ckpt" -- "$ds" "$out" participant "${ck[@]}" --pld 1.5 \
    --participant-label 01
  [ -e "$out" ] && fail "a corrupt checkpoint left $out behind"
  tsv=$p/${long}_aslcontext.tsv
  cp "$tsv" "$work/tsv"
  echo control >> "$tsv"
  expect_bad "aslcontext rows" ${long}_asl.nii.gz "lists 17 rows" "one row per volume" -- \
    "$ds" "$out" participant "${ck[@]}" --participant-label 02 --session-label baselinevisit
  sed -i '3s/.*/tagged/' "$tsv"
  expect_bad "unknown volume_type" "${long}_aslcontext.tsv:3" "tagged" -- \
    "$ds" "$out" participant "${ck[@]}" --participant-label 02 --session-label baselinevisit
  cp "$work/tsv" "$tsv"
  "$aslsweep" phantom --out "$work/other" --subjects 1 --shape 20,24,12 --timepoints 1 > /dev/null || fail "phantom"
  cp "$work/other/sub-01/perf/sub-01_m0scan.nii.gz" "$p/${long}_m0scan.nii.gz"
  expect_bad "M0 on another grid" ${long}_m0scan.nii.gz "does not match the ASL grid" "resample" -- \
    "$ds" "$out" participant "${ck[@]}" --participant-label 02 --session-label baselinevisit
  ls -A "$out" | grep -q . && [ -n "$(find "$out" -name '*.nii*')" ] && fail "a refused scan left an output"
  [ -z "$(find "$out" -name '.aslsweep-tmp-*')" ] || fail "scratch folder left behind"
  # A sweep takes the long label (the results cube stores 127 characters)...
  printf 'name: long\nfolds: 2\ndata:\n  bids: %s\n  pld: 1.5\ngrid: [16, 16, 16]\nmodels:\n  identity: {kind: identity}\nsweep:\n  nav: [1]\n  model: [identity]\n' \
    "$ds" > "$work/long.yaml"
  "$aslsweep" validate "$work/long.yaml" > "$work/v.out" 2> "$work/v.err" ||
    { cat "$work/v.out" "$work/v.err"; fail "validate: a 36-character label must be taken"; }
  # ... and refuses one over 127 by name, with the limit, not cut.
  ses=$(printf 'x%.0s' $(seq 120))
  mkdir -p "$work/ds2/sub-03/ses-$ses/perf"
  cp "$ds/dataset_description.json" "$ds/asl.json" "$work/ds2/"
  for f in asl.nii.gz aslcontext.tsv m0scan.nii.gz; do
    cp "$ds/sub-02/ses-1/perf/sub-02_ses-1_$f" "$work/ds2/sub-03/ses-$ses/perf/sub-03_ses-${ses}_$f"
  done
  sed "s|$ds|$work/ds2|" "$work/long.yaml" > "$work/long2.yaml"
  "$aslsweep" validate "$work/long2.yaml" > "$work/v.out" 2> "$work/v.err"
  [ $? -eq 2 ] || { cat "$work/v.out" "$work/v.err"; fail "validate: a 131-character label must be refused"; }
  cat "$work/v.err"
  grep -q "long2.yaml:4:.*sub-03_ses-${ses}_asl.nii.gz: scan label of 131 characters; aslsweep takes at most 127" \
    "$work/v.err" || fail "validate: message"
  ;;
app)
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
  make_fixture
  ds=$work/ds out=$work/deriv
  "$aslsweep" inspect "$ds" --pld 1.5 --masks "$work/masks" > "$work/inspect" 2>&1 || { cat "$work/inspect"; fail "inspect"; }
  cat "$work/inspect"
  [ "$(grep -c '^sub-0[12]_ses-.* ok ' "$work/inspect")" -eq 6 ] || fail "inspect: expected 6 usable scans"
  grep -q "^$long  *ok " "$work/inspect" || fail "inspect: the long label"
  # Columns line up whatever the labels' lengths: the status column starts
  # at one offset on the header and every row.
  [ "$(grep -v '^summary' "$work/inspect" | awk '{ print index($0, " " $2 " ") }' | sort -u | wc -l)" -eq 1 ] ||
    { cat "$work/inspect"; fail "inspect: the columns do not line up"; }

  cat > "$work/spec.yaml" <<YAML
name: bids-app
seed: 7
data:
  bids: $ds
  sessions: ['1', '2']  # the cube holds 31-character labels: ses-baselinevisit's is longer
  masks: $work/masks
  pld: 1.5
grid: [16, 16, 16]
folds: 2
snr_groups: {k: 2}
train: {epochs: 1, batch: 2, patches_per_volume: 1}
models:
  unet3d: {kind: unet3d, base_channels: 4}
metrics: [ssim, nmae]
sweep:
  strategy: [interleaved]
  nav: [2]
  m0: [on]
  snr_group: all
  model: [unet3d]
YAML
  mpirun -n 1 "$aslsweep" run "$work/spec.yaml" --out "$work/r" --progress none --threads-per-rank 1 > "$work/run" 2>&1 \
    || { cat "$work/run"; fail "run"; }
  ck=$work/r/checkpoints/job-00000.ckpt
  [ -f "$ck.json" ] || fail "no checkpoint"
  "$aslsweep" denoise "$ds" "$out" participant --checkpoint "$ck" --pld 1.5 --masks "$work/masks" --threads 1 \
    > "$work/den" 2>&1 || { cat "$work/den"; fail "denoise (BIDS-App)"; }
  cat "$work/den"
  for s in sub-01/ses-1/perf/sub-01_ses-1_run-1 sub-01/ses-1/perf/sub-01_ses-1_run-2 \
    sub-01/ses-2/perf/sub-01_ses-2_run-1 sub-01/ses-2/perf/sub-01_ses-2_run-2 $longdir/$long \
    sub-02/ses-1/perf/sub-02_ses-1; do
    [ -f "$out/${s}_desc-denoised_asl.nii.gz" ] && [ -f "$out/${s}_desc-denoised_asl.json" ] || fail "no output for $s"
  done
  [ "$(find "$out" -name '*.nii.gz' | wc -l)" -eq 6 ] || fail "expected 6 outputs"
  grep -q "sub-01_ses-2_run-2_desc-denoised_asl.nii.gz: 4 difference images, Nav 2 -> 2 images" "$work/den" \
    || fail "multi-delay series: the 1.5 s delay's 4 pairs"
  sha=$(sha256sum "$ck" | cut -d' ' -f1)
  /usr/bin/python3 - "$out" "$ds" "$ck" "$sha" "$here/nifti_fields.py" <<'PY' || fail "derivatives content"
import json, os, sys, importlib.util
out, ds, ck, sha, nf = sys.argv[1:]
spec = importlib.util.spec_from_file_location("nf", nf); m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
d = json.load(open(f"{out}/dataset_description.json"))
assert d["DatasetType"] == "derivative" and d["BIDSVersion"], d
g = d["GeneratedBy"][0]
assert g["Name"] == "aslsweep" and g["Version"] and "denoise" in g["CommandLine"] and "participant" in g["CommandLine"], g
assert d["SourceDatasets"][0]["URL"] == "file://" + os.path.realpath(ds), d
stem = "sub-01/ses-1/perf/sub-01_ses-1_run-1"
c = json.load(open(f"{out}/{stem}_desc-denoised_asl.json"))
want = ["bids:raw:" + stem + "_asl.nii.gz", "bids:raw:" + stem + "_aslcontext.tsv", "bids:raw:" + stem + "_m0scan.nii.gz"]
assert c["Sources"][:3] == want and c["Sources"][3].startswith("file://") and c["Sources"][3].endswith("_desc-brain_mask.nii.gz"), c["Sources"]
assert c["CheckpointSHA256"] == sha and c["Checkpoint"] == os.path.realpath(ck), c
k = json.load(open(ck + ".json"))
assert (c["ModelKind"], c["Strategy"], c["Nav"], c["NavPost"], c["M0Channel"]) == (k["model"]["kind"], k["strategy"], k["nav"], k["nav_post"], k["m0"]), c
assert c["M0Type"] == "Separate" and c["RepetitionTime"] == 4.0 and c["SkullStripped"] is False, c
assert len(c["NormalizationScale"]) == c["PreAveragedImages"] == 4 and all(s > 0 for s in c["NormalizationScale"]), c
assert c["M0NormalizationScale"] > 0 and c["AslsweepVersion"] == g["Version"], c
c2 = json.load(open(f"{out}/sub-01/ses-2/perf/sub-01_ses-2_run-2_desc-denoised_asl.json"))
assert c2["PostLabelingDelay"] == 1.5 and c2["DifferenceImages"] == 4, c2
h, src = m.read(f"{out}/{stem}_desc-denoised_asl.nii.gz"), m.read(f"{ds}/{stem}_asl.nii.gz")
assert h["pixdim"][4] == 4.0, h["pixdim"]
assert h["xyzt_units"] == 2 | 8, h["xyzt_units"]
assert h["descrip"].startswith("aslsweep " + g["Version"]), h["descrip"]
for key in ("qform_code", "sform_code", "quatern", "srow"):
    assert h[key] == src[key], (key, h[key], src[key])
assert h["dim"][1:4] == src["dim"][1:4] and h["dim"][4] == 4, h["dim"]
print("sidecar, description and header: ok")
PY
  # The single-scan form with the same M0 and mask given explicitly: the
  # same voxels, bit for bit.
  s=$ds/sub-01/ses-1/perf/sub-01_ses-1_run-1
  "$aslsweep" denoise --checkpoint "$ck" --asl "${s}_asl.nii.gz" --m0 "${s}_m0scan.nii.gz" \
    --mask "$work/masks/sub-01/ses-1/perf/sub-01_ses-1_run-1_desc-brain_mask.nii.gz" -o "$work/single.nii.gz" \
    --threads 1 > /dev/null || fail "single-scan form"
  a=$(/usr/bin/python3 "$here/nifti_fields.py" "$work/single.nii.gz" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["data_sha256"])')
  b=$(/usr/bin/python3 "$here/nifti_fields.py" "$out/sub-01/ses-1/perf/sub-01_ses-1_run-1_desc-denoised_asl.nii.gz" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["data_sha256"])')
  echo "voxels: single-scan $a, BIDS-App $b"
  [ "$a" = "$b" ] || fail "the BIDS-App output differs from the single-scan form"
  # Filters: one participant's one session into a second folder.
  "$aslsweep" denoise "$ds" "$work/deriv2" participant --checkpoint "$ck" --participant-label 01 --session-label 1 \
    --masks "$work/masks" > "$work/den2" 2>&1 || { cat "$work/den2"; fail "denoise with filters"; }
  [ "$(find "$work/deriv2" -name '*.nii.gz' | wc -l)" -eq 2 ] || fail "filters: expected the 2 runs of sub-01 ses-1"
  # M0Type Included: the first two volumes marked m0scan give M0 (7 pairs left).
  p=$ds/sub-02/ses-1/perf
  printf '{"M0Type": "Included"}\n' > "$p/sub-02_ses-1_asl.json"
  { echo volume_type; echo m0scan; echo m0scan; tail -n +4 "$p/sub-02_ses-1_aslcontext.tsv"; } > "$work/ctx" \
    && mv "$work/ctx" "$p/sub-02_ses-1_aslcontext.tsv"
  "$aslsweep" denoise "$ds" "$work/deriv3" participant --checkpoint "$ck" --participant-label 02 --session-label 1 \
    > "$work/den3" 2>&1 || { cat "$work/den3"; fail "denoise, M0Type Included"; }
  grep -q "7 difference images, Nav 2 -> 3 images.*M0 used" "$work/den3" || { cat "$work/den3"; fail "Included: counts"; }
  j=$work/deriv3/sub-02/ses-1/perf/sub-02_ses-1_desc-denoised_asl.json
  grep -q '"M0": "the mean of the series. m0scan volumes (M0Type Included)"' "$j" || { cat "$j"; fail "Included: sidecar M0"; }
  grep -q '"M0Type": "Included"' "$j" || fail "Included: M0Type"
  v=$vdir/bin/bids-validator-deno
  if [ -x "$v" ]; then
    PYTHONPATH=$vdir "$v" --format json "$out" > "$work/v.json" 2> "$work/v.err"
    /usr/bin/python3 - "$work/v.json" <<'PY' || { cat "$work/v.err"; fail "the validator reports errors"; }
import json, sys
d = json.load(open(sys.argv[1]))
errors = [i for i in d["issues"]["issues"] if i["severity"] == "error"]
for e in errors: print("error:", e["code"], e.get("location"))
print("validator:", len(errors), "errors,", len(d["issues"]["issues"]) - len(errors), "warnings")
sys.exit(1 if errors else 0)
PY
    # The check can fail: an output without SkullStripped is an error.
    j=$out/$longdir/${long}_desc-denoised_asl.json
    sed -i '/SkullStripped/d' "$j"
    PYTHONPATH=$vdir "$v" --format json "$out" > "$work/v2.json" 2> /dev/null
    /usr/bin/python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if any(i["severity"] == "error" for i in d["issues"]["issues"]) else 1)' \
      "$work/v2.json" || fail "the validator accepts a derivative without SkullStripped"
  else
    echo "note: no bids-validator in $vdir (scripts/setup installs it); validator check not run"
  fi
  ;;
*) fail "unknown case $case_" ;;
esac
echo "ok: $case_"
