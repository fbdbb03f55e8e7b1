#!/bin/bash
# The CUDA backend's check on a GPU machine, as one script that always
# finishes (every phase under `timeout`, phases skipped once the time budget
# is spent) and always leaves what it has in $OUT:
#
#   device_check.log   the transcript: timestamps, phase results, summary
#   env.txt            GPU, driver, nvcc, cmake, ninja, gcc, python, torch, cuDNN paths
#   build.log          configure + build (engine-only mode, CUDA on, ninja)
#   ctest_gpu.log      ctest -L gpu -V (every CUDA test with its output: U-Net,
#                      ViT, layers, checkpoints across devices), then
#                      a few CPU engine tests of the same build
#   bench_engine.txt   bench_unet3d --device cuda: fp32/tf32 (and bf16 when
#                      BUDGET is above its default 230) x batch 4/16; then
#                      bench_vit3d --device cuda --config paper: fp32/tf32 at
#                      batch 4; then U-Net fp32 batch 16 with --deterministic 0;
#                      each run times nn_eval_loss (host copies) and a
#                      device-resident evaluation
#   bench_torch.txt    torch_unet3d.py / torch_vit3d.py --device cuda: the same
#                      pairs, each timing resident tensors and the host-copy path
#   bench_ddpm3d.txt   bench_ddpm3d --device cuda at 64x64x32: training step of
#                      ddpm3d and of its U-Net, DDIM 10 and 50 steps (engine only)
#   figures.txt        the side-by-side table (ms per volume, TFLOP/s, GPU
#                      memory, engine / PyTorch ratios)
#   memcheck.log       compute-sanitizer memcheck of the PyTorch-fixture U-Net
#                      step, of the ViT training step, of the U-Net training
#                      step and evaluation, and of
#                      gpu_layers (with the time left)
#
# Needs: nvcc, cmake, ninja, a C compiler, Python with torch (PYTHON, default
# /opt/torch/.venv/bin/python3 or python3) and its nvidia-cudnn package (or
# CUDNN_ROOT); OpenBLAS from the Debian packages in DEB_DIR (first argument,
# default build-gpudeb), fetched beforehand with bench/gpu/fetch_debs.sh.
#
#   [BUDGET=230] OUT=/path/to/empty/dir bash bench/gpu/device_check.sh [DEB_DIR]
# (BUDGET: seconds for the whole check; phases past it are skipped)
set -u
if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
  sed -n '2,35p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
: "${OUT:?set OUT to an empty folder for the results}"
mkdir -p "$OUT"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DEBS=$(cd "${1:-$ROOT/build-gpudeb}" 2>/dev/null && pwd || echo "${1:-$ROOT/build-gpudeb}")
BUILD=$ROOT/build-gpu
PFX=$ROOT/build-gpu-prefix
BUDGET=${BUDGET:-230}   # seconds: the whole check stays under 4 minutes
T0=$(date +%s)
exec > >(tee -a "$OUT/device_check.log") 2>&1

phase() { echo "=== $(date -u +%H:%M:%S) +$(( $(date +%s) - T0 ))s $*"; }
left() { echo $(( BUDGET - ($(date +%s) - T0) )); }
# run LIMIT CMD...: CMD under timeout, never past the budget (minus a margin
# for the summary); prints and returns its status (124: timed out, 125: skipped).
run() {
  local lim=$1 l
  shift
  l=$(( $(left) - 15 ))
  [ "$l" -lt "$lim" ] && lim=$l
  if [ "$lim" -lt 5 ]; then
    echo "skipped (time budget spent): $*"
    return 125
  fi
  timeout -k 5 "$lim" "$@"
  local rc=$?
  [ $rc -eq 124 ] && echo "timed out after ${lim}s: $*"
  return $rc
}

phase "device check of $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?') in $ROOT"

# ---- environment -------------------------------------------------------------
phase "environment -> env.txt"
PYTHON=${PYTHON:-}
if [ -z "$PYTHON" ]; then
  if [ -x /opt/torch/.venv/bin/python3 ]; then PYTHON=/opt/torch/.venv/bin/python3; else PYTHON=python3; fi
fi
NVCC=$(command -v nvcc || ls /usr/local/cuda/bin/nvcc /usr/local/cuda-*/bin/nvcc 2>/dev/null | head -1)
if [ -z "${CUDNN_ROOT:-}" ]; then
  CUDNN_ROOT=$(timeout 60 "$PYTHON" -c 'import nvidia.cudnn as m; print(list(m.__path__)[0])' 2>/dev/null)
fi
{
  echo "date: $(date -u)"
  for t in nvcc cmake ninja gcc cc g++ pkg-config "$PYTHON" nvidia-smi; do
    printf '%-12s %s\n' "$t:" "$(command -v "$t" || echo MISSING)"
  done
  echo "nvcc used: ${NVCC:-MISSING}"
  [ -n "$NVCC" ] && "$NVCC" --version | tail -2
  cmake --version | head -1
  echo "ninja $(ninja --version 2>/dev/null || echo MISSING)"
  gcc --version 2>/dev/null | head -1
  echo "libgomp: $(gcc -print-file-name=libgomp.so 2>/dev/null)"
  timeout 20 nvidia-smi 2>&1 | head -20
  timeout 20 nvidia-smi --query-gpu=name,memory.total,clocks.max.sm,power.limit --format=csv 2>&1
  lscpu 2>/dev/null | grep -E 'Model name|^CPU\(s\)|Flags' | cut -c1-200
  echo "python: $PYTHON"
  timeout 60 "$PYTHON" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version(), "gpu", torch.cuda.get_device_name() if torch.cuda.is_available() else None)' 2>&1
  echo "CUDNN_ROOT: ${CUDNN_ROOT:-MISSING}"
  ls "${CUDNN_ROOT:-/nonexistent}/include" "${CUDNN_ROOT:-/nonexistent}/lib" 2>&1 | head -40
  echo "deb dir: $DEBS"
  ls -l "$DEBS" 2>&1
} > "$OUT/env.txt" 2>&1
grep -E "MISSING|torch |nvcc used|CUDNN_ROOT" "$OUT/env.txt"

# ---- OpenBLAS from the Debian packages, in a private prefix ------------------
phase "unpack OpenBLAS .deb files into $PFX"
rm -rf "$PFX"
mkdir -p "$PFX"
for d in "$DEBS"/*.deb; do
  [ -e "$d" ] || { echo "no .deb files in $DEBS (run bench/gpu/fetch_debs.sh $DEBS)"; break; }
  if command -v dpkg >/dev/null; then
    dpkg -x "$d" "$PFX" && echo "unpacked $(basename "$d")"
  else # a .deb is an ar archive around data.tar.*
    member=$(ar t "$d" | grep '^data\.tar')
    ar p "$d" "$member" | tar -xJ -C "$PFX" && echo "unpacked $(basename "$d") (ar + tar)"
  fi
done
LIBARCH=$PFX/usr/lib/x86_64-linux-gnu
# cuDNN's own folder first; then the toolkit's libraries (the cudart the
# build linked); then the other NVIDIA wheels' folders (cuDNN 9 may load
# NVRTC or cuBLAS at run time); then OpenBLAS from the private prefix.
TOOLKIT_LIB=${NVCC:+$(dirname "$(dirname "$NVCC")")/lib64}
NV_WHEELS=$(timeout 60 "$PYTHON" -c 'import os, nvidia
print(":".join(os.path.join(p, d, "lib") for p in nvidia.__path__ for d in sorted(os.listdir(p))
               if os.path.isdir(os.path.join(p, d, "lib"))))' 2>/dev/null)
ENGINE_LD=$CUDNN_ROOT/lib:$TOOLKIT_LIB:$NV_WHEELS:$LIBARCH/openblas-pthread:$LIBARCH:${LD_LIBRARY_PATH:-}
echo "engine LD_LIBRARY_PATH: $ENGINE_LD"
ls "$LIBARCH/openblas-pthread" 2>&1

# ---- build -------------------------------------------------------------------
phase "configure + build (engine only, CUDA on) -> build.log"
rm -rf "$BUILD"
(
  export LD_LIBRARY_PATH=$ENGINE_LD
  export PKG_CONFIG_LIBDIR=$PFX/no-pkgconfig   # only the private prefix's OpenBLAS
  run 120 cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DASLSWEEP_ENGINE_ONLY=ON -DASLSWEEP_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
    ${NVCC:+-DCMAKE_CUDA_COMPILER=$NVCC} -DCUDNN_ROOT="$CUDNN_ROOT" \
    -DCMAKE_PREFIX_PATH="$PFX/usr" &&
  run 300 ninja -C "$BUILD" -j"${NINJA_JOBS:-16}"
) > "$OUT/build.log" 2>&1
build_rc=$?
grep -E "CUDA backend|OpenBLAS for|error|FAILED|timed out" "$OUT/build.log" | head -20
echo "build status: $build_rc"

# ---- tests -------------------------------------------------------------------
phase "ctest -L gpu -> ctest_gpu.log"
(
  export LD_LIBRARY_PATH=$ENGINE_LD
  cd "$BUILD" || exit 1
  run 180 ctest -L gpu -V --timeout 170
  echo "ctest -L gpu status: $?"
  echo "---- CPU engine tests of the same build"
  run 90 ctest -R '^(test_device|test_torch_unet|test_checkpoint|test_unet|test_vit3d|test_ddpm3d)$' --output-on-failure --timeout 80
  echo "ctest CPU status: $?"
) > "$OUT/ctest_gpu.log" 2>&1
grep -E "^(ok|FAIL) |Test +#|tests passed|status:|skip:|device:|timed out" "$OUT/ctest_gpu.log" | head -60

# ---- speed: engine vs PyTorch on the same GPU --------------------------------
phase "benchmarks -> bench_engine.txt, bench_torch.txt"
: > "$OUT/bench_engine.txt"
: > "$OUT/bench_torch.txt"
# The BF16 U-Net pairs (slow, and known to lose: bench/gpu/RESULTS.md) run
# only with BUDGET above its default, so the default check keeps room for
# the ViT pair and memcheck.
precs="fp32 tf32"
[ "$BUDGET" -gt 230 ] && precs="fp32 tf32 bf16"
for prec in $precs; do
  for b in 4 16; do
    echo "### precision=$prec batch=$b" >> "$OUT/bench_engine.txt"
    # The batch-4 runs also log cuDNN's algorithm choice per convolution.
    verbose=0
    [ "$b" = 4 ] && verbose=1
    ASLSWEEP_CUDA_VERBOSE=$verbose LD_LIBRARY_PATH=$ENGINE_LD run 60 \
      "$BUILD/bench/unet3d/bench_unet3d" --device cuda \
      --precision $prec --batch $b --reps 10 --threads 8 >> "$OUT/bench_engine.txt" 2>&1
    echo "status=$?" >> "$OUT/bench_engine.txt"
    echo "### precision=$prec batch=$b" >> "$OUT/bench_torch.txt"
    run 90 "$PYTHON" "$ROOT/bench/unet3d/torch_unet3d.py" --device cuda \
      --precision $prec --batch $b --reps 10 --threads 8 >> "$OUT/bench_torch.txt" 2>&1
    echo "status=$?" >> "$OUT/bench_torch.txt"
    phase "  done $prec batch $b"
  done
done
# The ViT of examples/paper.yaml (patch 8, dim 192, depth 6, heads 6), same
# volume size and timing method, headed model=vit3d for figures.py.
for prec in fp32 tf32; do
  echo "### model=vit3d precision=$prec batch=4" >> "$OUT/bench_engine.txt"
  LD_LIBRARY_PATH=$ENGINE_LD run 60 "$BUILD/bench/vit3d/bench_vit3d" --device cuda \
    --config paper --precision $prec --batch 4 --reps 10 --threads 8 >> "$OUT/bench_engine.txt" 2>&1
  echo "status=$?" >> "$OUT/bench_engine.txt"
  echo "### model=vit3d precision=$prec batch=4" >> "$OUT/bench_torch.txt"
  run 90 "$PYTHON" "$ROOT/bench/vit3d/torch_vit3d.py" --device cuda --config paper \
    --precision $prec --batch 4 --reps 10 --threads 8 >> "$OUT/bench_torch.txt" 2>&1
  echo "status=$?" >> "$OUT/bench_torch.txt"
  phase "  done vit3d $prec batch 4"
done
# The engine without the determinism restriction (PyTorch's default).
echo "### precision=fp32-nondet batch=16" >> "$OUT/bench_engine.txt"
LD_LIBRARY_PATH=$ENGINE_LD run 60 "$BUILD/bench/unet3d/bench_unet3d" --device cuda \
  --precision fp32 --deterministic 0 --batch 16 --reps 10 --threads 8 >> "$OUT/bench_engine.txt" 2>&1
echo "status=$?" >> "$OUT/bench_engine.txt"

# ddpm3d (engine only, no PyTorch counterpart): training step beside its
# plain U-Net, and DDIM sampling of a whole 64x64x32 volume.
LD_LIBRARY_PATH=$ENGINE_LD run 60 "$BUILD/bench/ddpm3d/bench_ddpm3d" --device cuda \
  --grid 64,64,32 --batch 4 --reps 5 --steps 10,50 --threads 8 > "$OUT/bench_ddpm3d.txt" 2>&1
echo "status=$?" >> "$OUT/bench_ddpm3d.txt"
grep -E "ms|status|bench_ddpm3d:" "$OUT/bench_ddpm3d.txt"

# ---- figures -----------------------------------------------------------------
phase "figures.txt"
run 30 "$PYTHON" "$ROOT/bench/gpu/figures.py" "$OUT/bench_engine.txt" "$OUT/bench_torch.txt" \
  > "$OUT/figures.txt" 2>&1 ||
  awk '1' "$OUT/bench_engine.txt" "$OUT/bench_torch.txt" > "$OUT/figures.txt"
cat "$OUT/figures.txt"

# ---- memory checking of the kernels (slow; last, with what time is left) ----
phase "compute-sanitizer memcheck -> memcheck.log"
NVBIN=$(dirname "${NVCC:-/usr/local/cuda/bin/nvcc}")
SANITIZER=$(command -v compute-sanitizer || ls "$NVBIN/compute-sanitizer" \
  "$NVBIN/../compute-sanitizer/compute-sanitizer" /usr/local/cuda*/compute-sanitizer/compute-sanitizer \
  2>/dev/null | head -1)
(
  export LD_LIBRARY_PATH=$ENGINE_LD ASLSWEEP_SOURCE_DIR=$ROOT
  if [ -z "$SANITIZER" ]; then echo "compute-sanitizer not found"; exit 0; fi
  run 60 "$SANITIZER" --tool memcheck --error-exitcode 3 "$BUILD/tests/engine/gpu_unet" pytorch
  echo "memcheck gpu_unet (PyTorch fixture step) status: $?"
  run 60 "$SANITIZER" --tool memcheck --error-exitcode 3 "$BUILD/tests/engine/gpu_vit" train_step
  echo "memcheck gpu_vit (ViT training step against the CPU) status: $?"
  run 60 "$SANITIZER" --tool memcheck --error-exitcode 3 "$BUILD/tests/engine/gpu_unet" train_step
  echo "memcheck gpu_unet (training step and evaluation against the CPU) status: $?"
  run 60 "$SANITIZER" --tool memcheck --error-exitcode 3 "$BUILD/tests/engine/gpu_layers"
  echo "memcheck gpu_layers status: $?"
) > "$OUT/memcheck.log" 2>&1
grep -E "status|ERROR SUMMARY|not found|timed out|skipped" "$OUT/memcheck.log"

phase "finished (build $build_rc)"
sleep 1 # let tee write the last lines
