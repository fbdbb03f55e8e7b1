#!/bin/bash
# ctest bench_ddpm3d_smoke: bench_ddpm3d prints every figure on a small
# grid, and its PyTorch twin torch_ddpm3d.py builds the same networks (the
# U-Net and ddpm3d parameter counts and the ddpm3d FLOPs equal the
# engine's) and prints the same keys. Exits 77 (skipped) when the Python
# has no torch.
#   smoke.sh BENCH_DDPM3D [PYTHON]
set -u
bin=${1:?usage: smoke.sh BENCH_DDPM3D [PYTHON]}
py=${2:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)
fail=0
check() { # check NAME STATUS
  if [ "$2" -eq 0 ]; then echo "ok $1"; else echo "FAIL $1"; fail=1; fi
}
keys() { grep -Eo '(^| )[a-z0-9_]+=[0-9.]+' "$1" | sed 's/^ //; s/=.*//' | sort; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
args="--grid 16,16,16 --batch 2 --reps 1 --threads 1 --steps 2"

OPENBLAS_NUM_THREADS=1 "$bin" $args > "$out/engine" 2>&1
check "engine: exit 0" $?
for k in unet3d_params unet3d_train_ms_per_volume unet3d_forward_ms ddpm3d_params \
         ddpm3d_gflop_forward_per_volume ddpm3d_train_cpu_ms_per_volume \
         ddim2_ms_per_volume ddim2_cpu_ms_per_step; do
  grep -Eq "^$k=[0-9.]+$" "$out/engine" || { echo "  missing $k="; false; }
  check "engine: prints $k" $?
done
grep -qx 'ddpm3d_params=4875985' "$out/engine"
check "engine: ddpm3d has 4875985 parameters (docs/ddpm3d.md)" $?
"$bin" --help | grep -q '^usage: bench_ddpm3d'
check "engine: --help" $?

if ! "$py" -c 'import torch' 2>/dev/null; then
  echo "skip: $py has no torch, so the PyTorch twin cannot be compared"
  [ $fail -eq 0 ] && exit 77
  exit $fail
fi
"$py" "$here/torch_ddpm3d.py" --params-only > "$out/counts" 2>&1
check "twin --params-only: exit 0" $?
"$py" "$here/torch_ddpm3d.py" $args > "$out/torch" 2>&1
check "twin: exit 0" $?
for k in unet3d_params ddpm3d_params ddpm3d_gflop_forward_per_volume; do
  e=$(grep "^$k=" "$out/engine")
  [ -n "$e" ] && [ "$e" = "$(grep "^$k=" "$out/torch")" ]
  check "twin: same $k ($e)" $?
done
for k in unet3d_params ddpm3d_params; do
  [ "$(grep "^$k=" "$out/engine")" = "$(grep "^$k=" "$out/counts")" ]
  check "twin --params-only: same $k" $?
done
[ "$(keys "$out/engine")" = "$(keys "$out/torch")" ]
check "twin: the same figure keys as the engine" $?
[ $fail -eq 0 ] && echo "bench_ddpm3d smoke: all passed"
exit $fail
