#!/bin/bash
# ctest bench_vit3d_smoke: bench_vit3d prints every figure, builds
# examples/paper.yaml's ViT with the parameter count and FLOPs of
# torch_vit3d.py's twin (when a Python with torch is at hand), refuses bad
# usage with exit 2, bench/gpu/figures.py tabulates its output, and with
# --device cuda either prints the GPU lines or,
# without a usable GPU, fails with the reason.
#   smoke.sh BENCH_VIT3D [PYTHON]
set -u
bin=$1
py=${2:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)
fail=0
check() { # check NAME COND-STATUS
  if [ "$2" -eq 0 ]; then echo "ok $1"; else echo "FAIL $1"; fail=1; fi
}
has_keys() { # has_keys FILE KEY...: each KEY=<number> on a line of FILE
  local f=$1 k
  shift
  for k in "$@"; do
    grep -Eq "(^| )$k=[0-9.]+( |$)" "$f" || { echo "  missing $k= in $f"; return 1; }
  done
}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cpu_keys="params gflop_forward_per_volume train_ms_per_volume infer_b1_ms_per_volume
  infer_ms_per_volume infer_96x96x48_ms gflops_train gflops_infer peak_rss_mb"

"$bin" --batch 1 --reps 1 --threads 1 > "$out/default" 2>&1
check "defaults: exit 0" $?
has_keys "$out/default" $cpu_keys && ! grep -q '^config=' "$out/default"
check "defaults: every figure, no config line" $?

"$bin" --config paper --batch 1 --reps 1 --threads 1 > "$out/paper" 2>&1
check "paper: exit 0" $?
has_keys "$out/paper" $cpu_keys && grep -q '^config=paper patch=8,8,8 dim=192 depth=6 heads=6$' "$out/paper"
check "paper: every figure and the config line" $?
grep -qx 'params=3014336' "$out/paper" && grep -qx 'gflop_forward_per_volume=1.812' "$out/paper"
check "paper: 3014336 parameters, 1.812 GFLOP per forward" $?

if "$py" -c 'import torch' 2>/dev/null; then
  "$py" "$here/torch_vit3d.py" --config paper --batch 1 --reps 1 --threads 1 > "$out/torch" 2>&1
  check "torch twin: exit 0" $?
  for k in params gflop_forward_per_volume; do
    [ "$(grep "^$k=" "$out/paper")" = "$(grep "^$k=" "$out/torch")" ]
    check "torch twin: same $k" $?
  done
  # bench/gpu/figures.py: the ViT gets its own table, engine / PyTorch ratios.
  { echo "### model=vit3d precision=fp32 batch=1"; cat "$out/paper"; } > "$out/e.txt"
  { echo "### model=vit3d precision=fp32 batch=1"; cat "$out/torch"; } > "$out/t.txt"
  "$py" "$here/../gpu/figures.py" "$out/e.txt" "$out/t.txt" > "$out/fig" 2>&1 &&
    grep -q '^ViT 3D of examples/paper.yaml' "$out/fig" &&
    grep -Eq '^\| fp32 \| 1 \| train_ms_per_volume \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \|$' "$out/fig" &&
    grep -Eq '^\| fp32 \| 1 \| infer_96x96x48_ms \| [0-9.]+ \| - \| - \|$' "$out/fig"
  check "figures.py: the ViT table with ratios" $?
else
  echo "skip: torch twin ($py has no torch)"
fi

for bad in "--config big" "--precision fp8" "--device tpu" "--batch 0" "--reps" "--nope 1"; do
  "$bin" $bad > "$out/bad" 2>&1
  rc=$?
  [ $rc -eq 2 ] && grep -q 'bench_vit3d: ' "$out/bad"
  check "bad usage '$bad': exit 2 with a message (got $rc)" $?
done

"$bin" --device cuda --config paper --precision tf32 --batch 1 --reps 1 > "$out/cuda" 2>&1
rc=$?
if [ $rc -eq 0 ]; then
  has_keys "$out/cuda" $cpu_keys infer_resident_ms_per_volume gpu_mem_mb
  check "cuda: every figure and the GPU lines" $?
else
  [ $rc -eq 1 ] && grep -q 'bench_vit3d: model vit3d: device cuda: ' "$out/cuda"
  check "cuda without a usable GPU: exit 1 with the reason (got $rc)" $?
fi
[ $fail -eq 0 ] && echo "bench_vit3d smoke: all passed"
exit $fail
