#!/usr/bin/env bash
# BIDS-ASL datasets as clinical studies have them, through the real binary:
#   bids_sessions.sh CASE ASLSWEEP [VALIDATOR_DIR]
#   cli        a fixture with two sessions, two runs and a multi-delay series
#              (dataset-level sidecar inherited, one scan without
#              PostLabelingDelay, masks in a derivatives folder) through
#              inspect and validate; each bad input exits 2 naming its file
#   sweep      the same fixture through a tiny identity-model sweep: every job
#              done, subject labels per scan, one fold per participant
#   validator  bids-validator on the phantom: 0 errors (skips, exit 77, when
#              VALIDATOR_DIR holds no validator: scripts/setup installs it)
set -u
case_=$1 aslsweep=$2 vdir=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

phantom() { # DIR SUBJECTS
  "$aslsweep" phantom --out "$1" --subjects "$2" --shape 24,24,12 --timepoints 8 --seed 3 > /dev/null \
    || fail "phantom"
}

# put SRC_SUB DEST_DIR STEM [M0]: one phantom series under a new name.
put() {
  local src=$work/ph/$1/perf/$1 dest=$2 stem=$3
  mkdir -p "$dest"
  cp "${src}_asl.nii.gz" "$dest/${stem}_asl.nii.gz"
  cp "${src}_aslcontext.tsv" "$dest/${stem}_aslcontext.tsv"
}

# A mask from the phantom's derivatives, under a derivatives dataset's name.
put_mask() { # SRC_SUB REL_DIR STEM
  mkdir -p "$work/masks/$2"
  cp "$work/ph/derivatives/phantom/$1/perf/$1_desc-brain_mask.nii.gz" \
    "$work/masks/$2/$3_desc-brain_mask.nii.gz"
}

make_fixture() {
  phantom "$work/ph" 4
  local ds=$work/ds
  mkdir -p "$ds"
  cp "$work/ph/dataset_description.json" "$work/ph/README" "$ds/"
  printf 'participant_id\nsub-01\nsub-02\n' > "$ds/participants.tsv"
  # Dataset level: what every scan shares (BIDS inheritance).
  printf '{"ArterialSpinLabelingType": "PCASL", "M0Type": "Separate", "LabelingDuration": 1.8,\n "BackgroundSuppression": true, "MagneticFieldStrength": 3}\n' > "$ds/asl.json"
  local p=$ds/sub-01/ses-1/perf
  put sub-01 "$p" sub-01_ses-1_run-1
  printf '{"PostLabelingDelay": 1.8}\n' > "$p/sub-01_ses-1_run-1_asl.json"
  put sub-02 "$p" sub-01_ses-1_run-2 # no sidecar of its own, no delay at all
  cp "$work/ph/sub-01/perf/sub-01_m0scan.nii.gz" "$p/sub-01_ses-1_m0scan.nii.gz" # one M0, both runs
  put_mask sub-01 sub-01/ses-1/perf sub-01_ses-1
  # Session 2: the 8 pairs at two delays (first 4 pairs 1.5 s, last 4 2.0 s).
  p=$ds/sub-01/ses-2/perf
  put sub-03 "$p" sub-01_ses-2
  cp "$work/ph/sub-03/perf/sub-03_m0scan.nii.gz" "$p/sub-01_ses-2_m0scan.nii.gz"
  printf '{"PostLabelingDelay": [1.5,1.5,1.5,1.5,1.5,1.5,1.5,1.5,2.0,2.0,2.0,2.0,2.0,2.0,2.0,2.0]}\n' \
    > "$p/sub-01_ses-2_asl.json"
  put_mask sub-03 sub-01/ses-2/perf sub-01_ses-2
  p=$ds/sub-02/ses-1/perf
  put sub-04 "$p" sub-02_ses-1
  cp "$work/ph/sub-04/perf/sub-04_m0scan.nii.gz" "$p/sub-02_ses-1_m0scan.nii.gz"
  printf '{"PostLabelingDelay": 1.8}\n' > "$p/sub-02_ses-1_asl.json"
  put_mask sub-04 sub-02/ses-1/perf sub-02_ses-1
  mkdir -p "$ds/sub-02/ses-2/anat" # a session without perf/: not an ASL session
}

# expect_bad DESCRIPTION WORD... -- CMD...: exit 2 and every WORD in stderr.
expect_bad() {
  local what=$1 words=() rc
  shift
  while [ "$1" != -- ]; do words+=("$1"); shift; done
  shift
  "$@" > "$work/bad.out" 2> "$work/bad.err"
  rc=$?
  [ $rc -eq 2 ] || { cat "$work/bad.out" "$work/bad.err"; fail "$what: exit $rc, expected 2"; }
  echo "$what:"; grep -h -v "^subject \|^summary" "$work/bad.err" "$work/bad.out" | cut -c1-400 | sed 's/^/  /'
  for w in "${words[@]}"; do
    grep -qF -- "$w" "$work/bad.err" "$work/bad.out" || { cat "$work/bad.err" "$work/bad.out"; fail "$what: no '$w'"; }
  done
}

spec() { # FILE PLD_LINE
  cat > "$1" <<YAML
name: sessions
seed: 7
data:
  bids: $work/ds
  masks: $work/masks
$2
grid: [16, 16, 16]
folds: 2
snr_groups: {k: 2}
train: {epochs: 1, batch: 1}
models:
  identity: {kind: identity}
metrics: [ssim, nmae]
sweep:
  strategy: [windowed]
  nav: [1, 2]
  m0: [off]
  snr_group: all
  model: [identity]
YAML
}

case $case_ in
cli)
  make_fixture
  ds=$work/ds
  "$aslsweep" inspect "$ds" --pld 1.5 --masks "$work/masks" > "$work/out" 2>&1 || { cat "$work/out"; fail "inspect"; }
  cat "$work/out"
  for l in sub-01_ses-1_run-1 sub-01_ses-1_run-2 sub-01_ses-2 sub-02_ses-1; do
    grep -q "^$l  *ok " "$work/out" || fail "inspect: no usable row $l"
  done
  [ "$(grep -c '^sub-' "$work/out")" -eq 4 ] || fail "inspect: expected 4 scans"
  grep -q "^sub-01_ses-2 .* 8 *4 PCASL" "$work/out" || fail "PLD 1.5 s: 8 volumes, 4 difference images"
  grep "^sub-01_ses-1_run-2 " "$work/out" | grep -q "warning: sidecar lacks PostLabelingDelay" \
    || fail "missing delay: no warning"
  grep "^sub-01_ses-1_run-2 " "$work/out" | grep -q " PCASL *Separate *file " \
    || fail "run-2 did not inherit the dataset sidecar or find the session's M0 and mask"
  "$aslsweep" inspect "$ds" --pld all --participant-label 01 --session-label 2 --masks "$work/masks" \
    > "$work/out2" 2>&1 || { cat "$work/out2"; fail "inspect --pld all"; }
  grep -q "^sub-01_ses-2_pld-1500ms  *ok " "$work/out2" || fail "no 1.5 s scan"
  grep -q "^sub-01_ses-2_pld-2000ms  *ok " "$work/out2" || fail "no 2.0 s scan"
  [ "$(grep -c '^sub-' "$work/out2")" -eq 2 ] || { cat "$work/out2"; fail "filters: expected 2 scans"; }
  spec "$work/all.yaml" "  pld: all"
  "$aslsweep" validate "$work/all.yaml" > "$work/v" 2>&1 || { cat "$work/v"; fail "validate pld: all"; }
  grep -q "^ok: " "$work/v" || fail "validate output"
  # Bad input: exit 2, the file named, what to do.
  expect_bad "multi-delay without a choice" sub-01_ses-2_asl.json "data.pld" -- "$aslsweep" inspect "$ds"
  spec "$work/nopld.yaml" ""
  expect_bad "multi-delay in a spec" nopld.yaml:4: sub-01_ses-2_asl.json "data.pld" -- \
    "$aslsweep" validate "$work/nopld.yaml"
  expect_bad "unknown participant" '"09" does not exist' -- "$aslsweep" inspect "$ds" --participant-label 09
  spec "$work/p.yaml" "  participants: ['01', '07']"
  expect_bad "unknown participant in a spec" p.yaml:4: '"07" does not exist' -- "$aslsweep" validate "$work/p.yaml"
  spec "$work/s.yaml" "  sessions: ['3']"
  expect_bad "unknown session" 'session "3"' -- "$aslsweep" validate "$work/s.yaml"
  expect_bad "bad pld" "data.pld must be" -- "$aslsweep" validate <(spec /dev/stdout "  pld: soon")
  mkdir -p "$ds/sub-02/ses-3/perf"
  expect_bad "session without ASL" "sub-02/ses-3/perf" "no ASL series" -- "$aslsweep" validate "$work/all.yaml"
  expect_bad "session without ASL (inspect)" "sub-02_ses-3_asl.nii.gz" "missing ASL series" -- \
    "$aslsweep" inspect "$ds" --pld 1.5
  rmdir "$ds/sub-02/ses-3/perf" "$ds/sub-02/ses-3"
  tsv=$ds/sub-02/ses-1/perf/sub-02_ses-1_aslcontext.tsv
  cp "$tsv" "$work/tsv"
  echo control >> "$tsv"
  expect_bad "aslcontext rows" sub-02_ses-1_asl.nii.gz "lists 17 rows" -- "$aslsweep" inspect "$ds" --pld 1.5
  sed -i '3s/.*/tagged/' "$tsv"
  expect_bad "unknown volume_type" "sub-02_ses-1_aslcontext.tsv:3" "tagged" -- "$aslsweep" inspect "$ds" --pld 1.5
  cp "$work/tsv" "$tsv"
  m0=$ds/sub-02/ses-1/perf/sub-02_ses-1_m0scan.nii.gz
  "$aslsweep" phantom --out "$work/other" --subjects 1 --shape 20,24,12 --timepoints 1 > /dev/null || fail "phantom"
  cp "$work/other/sub-01/perf/sub-01_m0scan.nii.gz" "$m0"
  expect_bad "M0 on another grid" sub-02_ses-1_m0scan.nii.gz "does not match the ASL grid" -- \
    "$aslsweep" inspect "$ds" --pld 1.5
  ;;
sweep)
  make_fixture
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
  spec "$work/all.yaml" "  pld: all"
  mpirun -n 1 "$aslsweep" run "$work/all.yaml" --out "$work/r" --progress lines > "$work/out" 2>&1 \
    || { cat "$work/out"; fail "run"; }
  "$aslsweep" status "$work/r" > "$work/status" || { cat "$work/status"; fail "status: not all done"; }
  cat "$work/status"
  grep -q "^total  *4  *0  *0  *0" "$work/status" || fail "expected 4 jobs done (2 Nav x 2 folds)"
  "$aslsweep" export "$work/r/results.h5" --format csv -o "$work/t.csv" || fail "export"
  for l in sub-01_ses-1_run-1 sub-01_ses-1_run-2 sub-01_ses-2_pld-1500ms sub-01_ses-2_pld-2000ms sub-02_ses-1; do
    grep -q ",$l," "$work/t.csv" || fail "no cube rows for $l"
  done
  /usr/bin/python3 - "$work/r/results.h5" <<'PY' || fail "folds split a participant"
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    ids = [x.decode() if isinstance(x, bytes) else x for x in f["subjects/id"][()]]
    folds = list(f["subjects/fold"][()])
by = {}
for i, k in zip(ids, folds):
    by.setdefault(i.split("_")[0], set()).add(int(k))
print(dict(zip(ids, folds)))
sys.exit(0 if len(ids) == 5 and all(len(v) == 1 for v in by.values()) and len(by) == 2 else 1)
PY
  ;;
validator)
  v=$vdir/bin/bids-validator-deno
  [ -x "$v" ] || { echo "SKIP: no bids-validator in $vdir (run scripts/setup to install it)"; exit 77; }
  phantom "$work/ph" 2
  PYTHONPATH=$vdir "$v" --format json "$work/ph" > "$work/v.json" 2> "$work/v.err"
  /usr/bin/python3 - "$work/v.json" <<'PY' || { cat "$work/v.err"; fail "the validator reports errors"; }
import json, sys
d = json.load(open(sys.argv[1]))
errors = [i for i in d["issues"]["issues"] if i["severity"] == "error"]
for e in errors: print("error:", e["code"], e.get("location"))
print(len(errors), "errors,", len(d["issues"]["issues"]) - len(errors), "warnings")
sys.exit(1 if errors else 0)
PY
  # The check can fail: a mask in the raw tree (where the phantom used to
  # write it) is an error.
  cp "$work/ph/derivatives/phantom/sub-01/perf/sub-01_desc-brain_mask.nii.gz" "$work/ph/sub-01/perf/"
  PYTHONPATH=$vdir "$v" --format json "$work/ph" > "$work/v2.json" 2> /dev/null
  /usr/bin/python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if any(i["severity"] == "error" for i in d["issues"]["issues"]) else 1)' \
    "$work/v2.json" || fail "the validator accepts a mask in the raw tree"
  ;;
*) fail "unknown case $case_" ;;
esac
echo "ok: $case_"
