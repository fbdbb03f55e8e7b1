#!/bin/sh
# vit3d in the engine and in PyTorch, interleaved ROUNDS times on the same
# machine (shared and noisy: compare the medians' ratios), then a table of
# medians, the ratio engine / PyTorch (below 1: the engine is faster) and
# each round's figures.
#
#   bench/vit3d/run.sh [BUILD_DIR] [ROUNDS] [THREADS] [BATCH]
# Defaults: build, 3 rounds, 2 threads, batch 4. Build first:
#   cmake --build BUILD_DIR --target bench_vit3d
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
rounds=${2:-3}
threads=${3:-2}
batch=${4:-4}
bin=$build/bench/vit3d/bench_vit3d
[ -x "$bin" ] || { echo "run.sh: $bin not built" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "# $(date -u +%FT%TZ) $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
i=1
while [ "$i" -le "$rounds" ]; do
  OPENBLAS_NUM_THREADS=1 "$bin" --threads "$threads" --batch "$batch" --reps 3 > "$out/e$i"
  /usr/bin/python3 "$here/torch_vit3d.py" --threads "$threads" --batch "$batch" --reps 3 > "$out/t$i"
  i=$((i + 1))
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
e, t = rounds("e"), rounds("t")
print(f"engine:  {e[0]['impl']} threads={e[0]['threads']} batch={e[0]['batch']} params={e[0]['params']}")
print(f"pytorch: {t[0]['impl']} params={t[0]['params']}")
keys = ["train_ms_per_volume", "infer_ms_per_volume", "infer_b1_ms_per_volume",
        "gflops_train", "gflops_infer", "peak_rss_mb"]
print(f"{'figure':<24}{'engine':>10}{'pytorch':>10}{'ratio':>8}   (median of {n} rounds)")
for k in keys:
    a = statistics.median(float(r[k]) for r in e)
    b = statistics.median(float(r[k]) for r in t)
    print(f"{k:<24}{a:>10.1f}{b:>10.1f}{a / b:>8.2f}")
print(f"{'infer_96x96x48_ms':<24}{statistics.median(float(r['infer_96x96x48_ms']) for r in e):>10.1f}"
      f"{'-':>10}{'-':>8}   (engine only: 27 tiles)")
for k in keys[:3]:
    print(f"  {k}: engine {[float(r[k]) for r in e]} pytorch {[float(r[k]) for r in t]}")
PY
