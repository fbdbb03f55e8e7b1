#!/bin/sh
# Runs the engine's U-Net benchmark and the PyTorch one side by side,
# interleaved ROUNDS times (the machine is shared and noisy), and prints the
# median of each figure, the ratio engine / PyTorch, GFLOP/s and peak RSS.
# The *_cpu_* figures are process CPU time: with THREADS=1 they do not count
# time spent waiting for a core, the fairest comparison on a loaded machine.
#
#   bench/unet3d/run.sh [BUILD_DIR] [ROUNDS] [THREADS] [BATCH]
# Defaults: build, 3 rounds, 2 threads, batch 4. Build first:
#   cmake --build BUILD_DIR --target bench_unet3d
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
rounds=${2:-3}
threads=${3:-2}
batch=${4:-4}
bin=$build/bench/unet3d/bench_unet3d
[ -x "$bin" ] || { echo "run.sh: $bin not built" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "# $(date -u +%FT%TZ) $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
i=1
while [ "$i" -le "$rounds" ]; do
  OPENBLAS_NUM_THREADS=1 "$bin" --threads "$threads" --batch "$batch" --reps 3 > "$out/c$i"
  /usr/bin/python3 "$here/torch_unet3d.py" --threads "$threads" --batch "$batch" --reps 3 > "$out/t$i"
  i=$((i + 1))
done
echo "# after: load $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$out" "$rounds" <<'PY'
import statistics, sys
d, n = sys.argv[1], int(sys.argv[2])
def load(prefix):
    runs = []
    for i in range(1, n + 1):
        kv = {}
        for line in open(f"{d}/{prefix}{i}"):
            for tok in line.split():
                if "=" in tok:
                    k, v = tok.split("=", 1)
                    kv[k] = v
        runs.append(kv)
    return runs
c, t = load("c"), load("t")
print(f"engine:  {c[0]['impl']} threads={c[0]['threads']} batch={c[0]['batch']}")
print(f"pytorch: {t[0]['impl']}")
keys = ["train_ms_per_volume", "infer_ms_per_volume", "infer_b1_ms_per_volume",
        "gflops_train", "gflops_infer", "peak_rss_mb", "train_cpu_ms_per_volume",
        "infer_cpu_ms_per_volume"]
print(f"{'figure':<24}{'engine':>10}{'pytorch':>10}{'ratio':>8}   (median of {n} rounds)")
for k in keys:
    a = statistics.median(float(r[k]) for r in c)
    b = statistics.median(float(r[k]) for r in t)
    print(f"{k:<24}{a:>10.1f}{b:>10.1f}{a / b:>8.2f}")
for k in keys[:3]:
    print(f"  {k} rounds: engine {[float(r[k]) for r in c]} pytorch {[float(r[k]) for r in t]}")
PY
