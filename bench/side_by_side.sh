#!/usr/bin/env bash
# Runs a model's engine benchmark and its PyTorch twin side by side,
# interleaved ROUNDS times (the machine may be shared and noisy), then prints
# the median of each figure, the ratio engine / PyTorch (below 1: the engine
# is faster) and each round's times. Figures only the engine reports (e.g.
# vit3d's tiled 96x96x48 inference) get no ratio. *_cpu_* figures are process
# CPU time: with THREADS=1 they do not count time spent waiting for a core.
# usage (after `cmake --build BUILD_DIR --target bench_MODEL`):
#   bench/side_by_side.sh MODEL [BUILD_DIR] [ROUNDS] [THREADS] [BATCH] [ARGS...]
#   MODEL: unet3d | vit3d | ddpm3d (bench/MODEL/bench_MODEL.c and torch_MODEL.py)
#   ARGS: passed to both programs (e.g. vit3d: --config paper; ddpm3d:
#   --grid 64,64,32 --steps 10,50). ddpm3d defaults to batch 2 and
#   --steps 10 --sample-reps 3 (one DDIM chain of 10 steps, median of 3).
# Force an ISA on both sides by prefixing, e.g. for AVX2: ASLSWEEP_ISA=avx2
# OPENBLAS_CORETYPE=Haswell ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2.
set -eu
case "${1:-}" in -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
bench=$(cd "$(dirname "$0")" && pwd)
model=${1:?usage: side_by_side.sh MODEL [BUILD_DIR] [ROUNDS] [THREADS] [BATCH]}
build=${2:-build}
rounds=${3:-3}
threads=${4:-2}
default_batch=4
extra=()
[ "$model" = ddpm3d ] && default_batch=2 && extra=(--steps 10 --sample-reps 3)
batch=${5:-$default_batch}
shift $(( $# < 5 ? $# : 5 ))
extra+=("$@")
bin=$build/bench/$model/bench_$model
ref=$bench/$model/torch_$model.py
[ -x "$bin" ] || { echo "side_by_side.sh: $bin not built" >&2; exit 2; }
[ -f "$ref" ] || { echo "side_by_side.sh: no PyTorch twin $ref" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "# $(date -u +%FT%TZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((i = 1; i <= rounds; i++)); do
  OPENBLAS_NUM_THREADS=1 "$bin" --threads "$threads" --batch "$batch" --reps 3 "${extra[@]}" > "$out/e$i"
  /usr/bin/python3 "$ref" --threads "$threads" --batch "$batch" --reps 3 "${extra[@]}" > "$out/t$i"
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$out" "$rounds" <<'PY'
import statistics, sys
d, n = sys.argv[1], int(sys.argv[2])
def rounds(prefix):
    runs = []
    for i in range(1, n + 1):
        kv = {}
        for tok in open(f"{d}/{prefix}{i}").read().split():
            if "=" in tok:
                k, v = tok.split("=", 1)
                kv[k] = v
        runs.append(kv)
    return runs
def numeric(runs, k):
    try:
        return [float(r[k]) for r in runs]
    except (KeyError, ValueError):
        return None
e, t = rounds("e"), rounds("t")
print(f"engine:  {e[0].get('impl')} isa={e[0].get('isa')} threads={e[0].get('threads')} batch={e[0].get('batch')} params={e[0].get('params', e[0].get('ddpm3d_params'))}")
print(f"pytorch: {t[0].get('impl')} params={t[0].get('params', t[0].get('ddpm3d_params'))}")
skip = {"impl", "isa", "threads", "batch", "params", "model", "reps"}
keys = [k for k in e[0] if k not in skip and numeric(e, k) is not None]
print(f"{'figure':<24}{'engine':>10}{'pytorch':>10}{'ratio':>8}   (median of {n} rounds)")
for k in keys:
    a = statistics.median(numeric(e, k))
    b = numeric(t, k)
    if b is None:
        print(f"{k:<24}{a:>10.1f}{'-':>10}{'-':>8}   (engine only)")
    else:
        b = statistics.median(b)
        print(f"{k:<24}{a:>10.1f}{b:>10.1f}{a / b:>8.2f}")
for k in [k for k in keys if k.endswith("ms_per_volume")][:3]:
    print(f"  {k} rounds: engine {numeric(e, k)} pytorch {numeric(t, k)}")
PY
