#!/usr/bin/env bash
# Scan labels of 44 to 127 characters (sessions, acquisitions and runs, as
# real BIDS datasets name them) through a sweep, with the test double on
# NRANKS ranks:
#   mpi_long_labels.sh NRANKS
# run -> status, verify, /subjects/id and the subject axis hold every label
# whole (pairs that differ only past character 31 stay apart) -> table
# and plot read the cube, export (CSV, JSON) names them -> two --slice
# parts merged equal the single run (cube_digest) -> a rerun resumes with
# nothing redone -> a grown spec keeps them; the real executor runs them too (export, a
# montage by subject).
# Needs ASLSWEEP and CUBE_DIGEST in the environment (set by ctest).
. "$(dirname "$0")/lib.sh"
n=$1
work=$(mktemp -d)
trap "rm -rf $work" EXIT
export ASLSWEEP_INTERNAL_TEST_EXECUTOR=0

# 91 characters of session label make the second participant's scan labels
# 127 characters long, the most a sweep takes.
ses2=$(printf 'followupvisit%.0s' $(seq 7))
labels=(
  sub-CAMCAN0001_ses-baseline_acq-pcasl_run-01
  sub-CAMCAN0001_ses-baseline_acq-pcasl_run-02
  sub-CAMCAN0002_ses-${ses2}_acq-pcasl_run-01
  sub-CAMCAN0002_ses-${ses2}_acq-pcasl_run-02
)
[ ${#labels[0]} -eq 44 ] && [ ${#labels[3]} -eq 127 ] || fail "fixture label lengths"

"$ASLSWEEP" phantom --out "$work/ph" --subjects 4 --shape 24,24,12 --timepoints 8 --seed 3 > /dev/null ||
  fail "phantom"
ds=$work/ds
mkdir -p "$ds"
cp "$work/ph/dataset_description.json" "$work/ph/README" "$ds/"
printf 'participant_id\nsub-CAMCAN0001\nsub-CAMCAN0002\n' > "$ds/participants.tsv"
printf '{"ArterialSpinLabelingType": "PCASL", "M0Type": "Separate", "LabelingDuration": 1.8,\n "PostLabelingDelay": 1.8, "BackgroundSuppression": true, "MagneticFieldStrength": 3}\n' \
  > "$ds/asl.json"
for i in 0 1 2 3; do
  l=${labels[$i]} src=$work/ph/sub-0$((i + 1))/perf/sub-0$((i + 1))
  sub=${l%%_*} rest=${l#*_}
  p=$ds/$sub/${rest%%_*}/perf
  mkdir -p "$p"
  cp "${src}_asl.nii.gz" "$p/${l}_asl.nii.gz"
  cp "${src}_aslcontext.tsv" "$p/${l}_aslcontext.tsv"
  cp "${src}_m0scan.nii.gz" "$p/${l}_m0scan.nii.gz"
done

spec=$work/long.yaml
cat > "$spec" <<YAML
name: long-labels
seed: 5
data:
  bids: $ds
grid: [16, 16, 16]
folds: 2
snr_groups: {k: 2}
train: {epochs: 2, batch: 1}
models:
  unet3d: {kind: unet3d, base_channels: 4}
  identity: {kind: identity}
metrics: [ssim, psnr, nmae]
sweep:
  strategy: windowed
  nav: [2, 4]
  m0: [off]
  snr_group: all
  model: [unet3d, identity]
YAML
run() { mpirun -n "$n" "$ASLSWEEP" run "$spec" --progress none "$@"; }

"$ASLSWEEP" validate "$spec" > "$work/v" 2>&1 || { cat "$work/v"; fail "validate"; }
run --out "$work/one" > "$work/one.out" 2>&1 || { cat "$work/one.out"; fail "run"; }
"$ASLSWEEP" status "$work/one" > "$work/status" 2>&1 || { cat "$work/status"; fail "status"; }
grep -q "^total  *12  *0  *0  *0" "$work/status" || { cat "$work/status"; fail "expected 12 jobs done"; }
"$ASLSWEEP" verify "$work/one" > "$work/verify" 2>&1 || { cat "$work/verify"; fail "verify"; }

# The cube: every label whole in /subjects/id and in the subject axes.
/usr/bin/python3 - "$work/one/results.h5" "${labels[@]}" <<'PY' || fail "the cube does not hold the labels"
import sys, h5py
want = sorted(sys.argv[2:])
with h5py.File(sys.argv[1], "r") as f:
    dec = lambda a: [x.decode() for x in a[()]]
    assert f.attrs["format_version"] == 3, f.attrs["format_version"]
    assert dec(f["subjects/id"]) == want, dec(f["subjects/id"])
    assert dec(f["subjects/subject"]) == want
    assert f["subjects/id"].dtype.itemsize == 128
    assert dec(f["main/subject"]) == want, dec(f["main/subject"])
print("ok: the cube holds", len(want), "labels of", [len(w) for w in want], "characters")
PY

# table and plot read the cube (subjects are pooled there: the
# experiment's subject axis must match /subjects/id); export names every
# label whole.
"$ASLSWEEP" table "$work/one/results.h5" --experiment main --metric ssim --format csv \
  > "$work/table.csv" 2> "$work/table.err" || { cat "$work/table.err"; fail "table"; }
# Each cell pools the 4 scans (n = 4): none was lost or merged with another.
grep -q '^main,ssim,denoised,"unet3d, nav=4",[0-9.]*,[0-9.]*,4,' "$work/table.csv" ||
  { cat "$work/table.csv"; fail "table: the unet3d, nav=4 cell does not pool 4 scans"; }
"$ASLSWEEP" plot "$work/one/results.h5" --experiment main --x nav --hue model --metric ssim \
  -o "$work/nav.svg" > "$work/plot.out" 2>&1 || { cat "$work/plot.out"; fail "plot"; }
[ -s "$work/nav.svg" ] || fail "plot: no figure"
"$ASLSWEEP" export "$work/one/results.h5" --format csv -o "$work/t.csv" || fail "export csv"
"$ASLSWEEP" export "$work/one/results.h5" --format json -o "$work/t.json" || fail "export json"
for l in "${labels[@]}"; do
  grep -q ",$l," "$work/t.csv" || fail "export csv: no rows of $l"
  grep -q "\"$l\"" "$work/t.json" || fail "export json: no rows of $l"
done

# Two job-array parts merged equal the single run.
for i in 0 1; do
  run --out "$work/parts/$i" --slice "$i/2" > "$work/slice$i.out" 2>&1 ||
    { cat "$work/slice$i.out"; fail "slice $i/2"; }
done
"$ASLSWEEP" merge --out "$work/m" "$work"/parts/{0,1} > "$work/merge.out" 2>&1 ||
  { cat "$work/merge.out"; fail "merge"; }
"$CUBE_DIGEST" "$work/one/results.h5" main > "$work/one.digest"
"$CUBE_DIGEST" "$work/m/results.h5" main | diff "$work/one.digest" - ||
  fail "2 slices merged differ from a single run"
"$ASLSWEEP" export "$work/m/results.h5" --format csv -o "$work/m.csv" || fail "export of the merge"
# The same rows up to the job's status (seconds, rank and host vary).
diff <(cut -d, -f1-14 "$work/t.csv") <(cut -d, -f1-14 "$work/m.csv") > /dev/null ||
  fail "the merge exports other rows"

# A rerun resumes: nothing redone.
run --out "$work/one" > "$work/again.out" 2>&1 || { cat "$work/again.out"; fail "resume"; }
grep ' run long-labels' "$work/one/run.log" | tail -1 | grep -q ": 12 jobs, 12 already done," ||
  { cat "$work/one/run.log"; fail "the resume redid jobs"; }

# A grown spec (another Nav) keeps the labels and the done jobs.
run --out "$work/one" 'sweep.nav=[1, 2, 4]' > "$work/grow.out" 2>&1 ||
  { cat "$work/grow.out"; fail "growth"; }
grep ' run long-labels' "$work/one/run.log" | tail -1 | grep -q ": 18 jobs, 12 already done," ||
  { grep ' run long-labels' "$work/one/run.log"; fail "growth did not keep the done jobs"; }
"$ASLSWEEP" verify "$work/one" > "$work/verify" 2>&1 || { cat "$work/verify"; fail "verify grown"; }
"$ASLSWEEP" export "$work/one/results.h5" --format csv -o "$work/g.csv" || fail "export grown"
for l in "${labels[@]}"; do
  [ "$(grep -c ",$l," "$work/g.csv")" -gt "$(grep -c ",$l," "$work/t.csv")" ] ||
    fail "grown cube: no new rows of $l"
done

# The real executor loads the scans by their long labels and keeps their
# montage volumes under them.
unset ASLSWEEP_INTERNAL_TEST_EXECUTOR
sed -i 's/model: \[unet3d, identity\]/model: [identity]/; s/nav: \[2, 4\]/nav: [2]/' "$spec"
run --out "$work/real" > "$work/real.out" 2>&1 || { cat "$work/real.out"; fail "run (real executor)"; }
"$ASLSWEEP" status "$work/real" > "$work/status" 2>&1 || { cat "$work/status"; fail "status (real)"; }
grep -q "^total  *2  *0  *0  *0" "$work/status" || { cat "$work/status"; fail "expected 2 jobs done"; }
"$ASLSWEEP" export "$work/real/results.h5" --format csv -o "$work/r.csv" || fail "export (real)"
for l in "${labels[@]}"; do
  grep -q ",$l,.*,denoised,ssim,0\.[0-9]" "$work/r.csv" || fail "real executor: no ssim of $l"
done
"$ASLSWEEP" plot "$work/real/results.h5" --montage --subject "${labels[0]}" \
  --job main/strategy=windowed/nav=2/m0=off/snr_group=all/model=identity/fold=1 \
  -o "$work/montage.png" > "$work/montage.out" 2>&1 || { cat "$work/montage.out"; fail "montage"; }
[ -s "$work/montage.png" ] || fail "montage: no figure"
echo "ok: labels of 44-127 characters run, read, merge, resume and grow"
