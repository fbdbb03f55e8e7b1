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
# The montage of a ddpm3d job has a fifth panel (the uncertainty map): it is
# wider than an identity job's.
png_width() { od -An -tu1 -j16 -N4 "$1" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }'; }
ddpm_job=$(basename "$unc" | cut -d_ -f1)
id_job=$(ls "$d"/volumes/*_denoised.nii.gz | xargs -n1 basename | cut -d_ -f1 | sort -u | grep -vx "$ddpm_job" \
  | while read -r j; do [ -f "$(ls "$d"/volumes/"$j"_*_uncertainty.nii.gz 2>/dev/null | head -1)" ] || echo "$j"; done | head -1)
[ -n "$id_job" ] || fail "no identity job volumes"
"$ASLSWEEP" plot "$d/results.h5" --montage --job "$ddpm_job" --size 64 -o "$work/ddpm.png" || fail "ddpm montage"
"$ASLSWEEP" plot "$d/results.h5" --montage --job "$id_job" --size 64 -o "$work/id.png" || fail "identity montage"
[ "$(png_width "$work/ddpm.png")" -gt "$(png_width "$work/id.png")" ] || fail "no uncertainty panel in the ddpm montage"
echo "PASS"
