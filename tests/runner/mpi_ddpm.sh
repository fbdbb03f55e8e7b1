#!/usr/bin/env bash
# A diffusion model on the sweep's model axis: ddpm3d train and infer jobs
# complete under mpirun -n 2 with finite train losses (the runner trains it on
# the noise-prediction MSE even though the spec's loss is l1), its rows reach
# the cube and the table, and its kept volumes include the uncertainty map
# (the SD of 2 samples: positive somewhere).
# Needs ASLSWEEP in the environment (set by ctest).
. "$(dirname "$0")/lib.sh"
specs=$(cd "$(dirname "$0")/specs" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
d=$work/run
mpirun -n 2 "$ASLSWEEP" run "$specs/ddpm.yaml" --out "$d" --progress lines --threads-per-rank 1 \
  > "$work/out" 2>&1 || { cat "$work/out"; fail "run"; }
"$ASLSWEEP" status "$d" > "$work/status" || { cat "$work/status"; fail "not every job is done"; }
"$ASLSWEEP" table "$d/results.h5" --cols model --rows nav --metric nmae > "$work/table" 2>&1 \
  || { cat "$work/table"; fail "table"; }
cat "$work/table"
grep -q "ddpm" "$work/table" || fail "no ddpm3d column in the table"
"$ASLSWEEP" export "$d/results.h5" --format csv > "$work/all.csv" || fail "export"
n=$(grep -cE ',ddpm,sub-[^,]+,[0-9]+,denoised,nmae,' "$work/all.csv" || true)
[ "$n" -ge 4 ] || fail "expected a denoised NMAE per test subject for ddpm, found $n"
unc=$(ls "$d"/volumes/*_uncertainty.nii.gz 2>/dev/null | head -1)
[ -n "$unc" ] || fail "no uncertainty map kept for the ddpm3d infer jobs"
# SSIM refuses a reference that is constant inside the volume: a map of SDs
# (never negative) that scores is positive somewhere.
"$ASLSWEEP" metrics --ref "$unc" --pred "$unc" > /dev/null 2>&1 || fail "the uncertainty map is constant"
echo "PASS"
