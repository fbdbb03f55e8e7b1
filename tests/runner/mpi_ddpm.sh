#!/usr/bin/env bash
# A diffusion model on the sweep's model axis: ddpm3d train and infer jobs
# complete under mpirun -n 2 with finite train losses (the runner trains it on
# the noise-prediction MSE even though the spec's loss is l1), its rows reach
# the cube and the table, and its kept volumes include the uncertainty map
# (the SD of 2 samples: positive somewhere).
# Needs ASLSWEEP and KEPT_VOLUMES in the environment (set by ctest).
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
"$KEPT_VOLUMES" list "$d" > "$work/kept" || fail "listing the kept volumes"
read -r ddpm_job unc_sub < <(awk '$3 == "uncertainty" { print $1, $2; exit }' "$work/kept")
[ -n "${unc_sub:-}" ] || fail "no uncertainty map kept for the ddpm3d infer jobs"
unc=$work/unc.nii.gz
"$KEPT_VOLUMES" get "$d" "$ddpm_job" "$unc_sub" uncertainty "$unc" || fail "reading the uncertainty map"
# SSIM refuses a reference that is constant inside the volume: a map of SDs
# (never negative) that scores is positive somewhere.
"$ASLSWEEP" metrics --ref "$unc" --pred "$unc" > /dev/null 2>&1 || fail "the uncertainty map is constant"
# The montage of a ddpm3d job has a fifth panel (the uncertainty map): it is
# wider than an identity job's.
png_width() { od -An -tu1 -j16 -N4 "$1" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }'; }
id_job=$(awk '$3 == "denoised" { d[$1] = 1 } $3 == "uncertainty" { u[$1] = 1 }
  END { for (k in d) if (!(k in u)) { print k; exit } }' "$work/kept")
[ -n "$id_job" ] || fail "no identity job volumes"
"$ASLSWEEP" plot "$d/results.h5" --montage --job "$ddpm_job" --size 64 -o "$work/ddpm.png" || fail "ddpm montage"
"$ASLSWEEP" plot "$d/results.h5" --montage --job "$id_job" --size 64 -o "$work/id.png" || fail "identity montage"
[ "$(png_width "$work/ddpm.png")" -gt "$(png_width "$work/id.png")" ] || fail "no uncertainty panel in the ddpm montage"
echo "PASS"
