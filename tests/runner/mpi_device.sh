#!/usr/bin/env bash
# engine.device on a machine without a usable GPU (skipped where one is):
# `run --device cuda` fails every job with a message naming the cause (no
# device for unet3d, no CUDA implementation for identity) and exits 1, not
# a crash; a bad --device is refused with exit 2; `aslsweep slurm` writes
# --gpus-per-task=1 for a cuda spec and not for a cpu one.
# Needs ASLSWEEP in the environment (set by ctest).
. "$(dirname "$0")/lib.sh"
specs=$(cd "$(dirname "$0")/specs" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if command -v nvidia-smi > /dev/null && timeout 20 nvidia-smi -L 2>/dev/null | grep -q '^GPU'; then
  echo "skip: a GPU is present"
  exit 77
fi

"$ASLSWEEP" run "$specs/unet.yaml" --out "$work/bad" --device gpu > "$work/o0" 2>&1
rc=$?
[ $rc -eq 2 ] || { cat "$work/o0"; fail "--device gpu: exit $rc, want 2"; }
grep -q "device must be cpu or cuda" "$work/o0" || { cat "$work/o0"; fail "--device gpu message"; }

mpirun -n 2 "$ASLSWEEP" run "$specs/unet.yaml" --out "$work/u" --device cuda --progress lines \
  > "$work/out" 2>&1
rc=$?
[ $rc -eq 1 ] || { cat "$work/out"; fail "run --device cuda without a GPU: exit $rc, want 1"; }
grep -q "24 jobs: 0 done, 24 failed" "$work/out" || { cat "$work/out"; fail "summary"; }
grep -q "model=unet3d/fold=0 rank [0-9]* [0-9.]* s: .*device cuda: .*--device cpu" "$work/u/run.log" ||
  { cat "$work/u/run.log"; fail "unet3d train jobs do not say why the device is missing"; }
grep -q "model=identity/.*model identity has no CUDA implementation" "$work/u/run.log" ||
  { cat "$work/u/run.log"; fail "identity jobs do not say that the kind has no CUDA"; }
"$ASLSWEEP" status "$work/u" > "$work/status"
grep -q "^total *0 *24 *0 *0" "$work/status" || { cat "$work/status"; fail "status totals"; }

"$ASLSWEEP" slurm "$specs/unet.yaml" --out "$work/s1" engine.device=cuda > "$work/s1.out" 2>&1 ||
  { cat "$work/s1.out"; fail "slurm with engine.device=cuda"; }
grep -qx "#SBATCH --gpus-per-task=1" "$work/s1/submit.sbatch" || fail "no --gpus-per-task=1 line"
"$ASLSWEEP" slurm "$specs/unet.yaml" --out "$work/s0" > "$work/s0.out" 2>&1 ||
  { cat "$work/s0.out"; fail "slurm"; }
! grep -q "gpus-per-task" "$work/s0/submit.sbatch" || fail "--gpus-per-task in a cpu spec's script"
echo "ok: engine.device"
